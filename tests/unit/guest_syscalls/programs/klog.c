// The kernel log as a program sees it: syslog(2) (klogctl) with every action,
// /dev/kmsg (open, write, read, lseek, poll) and /proc/kmsg, with what each gives.
//
//   klog user    as an unprivileged user (started as root, it drops to uid 1000):
//                everything is refused, and how
//   klog root    as root, what does not disturb the log of the machine it runs on
//                (no clear, no console change, no consuming read); records this
//                program writes are printed with their sequence number and time
//                replaced by '-', and only those
//   klog nullargv  execs /bin/echo with an empty argv, which the kernel logs (for
//                `vmlab run`'s console)
//   klog vmlab   as root on a fresh vmlab machine, where the log holds only what this
//                program does: every action, the exact records, blocking reads,
//                records lost under a reader, the /dev/kmsg rate limit
//
// The test runs "user" and "root" on the host kernel (x86-64, as root) and in vmlab
// (riscv64) and both must print expected/klog_user.txt and expected/klog_root.txt;
// "vmlab" only in vmlab, against expected/klog_vmlab.txt.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errno_name.h"

#define MARK "vmlab-klog-test"

static const char* const kActions[] = {"CLOSE",       "OPEN",       "READ",        "READ_ALL",
                                       "READ_CLEAR",  "CLEAR",      "CONSOLE_OFF", "CONSOLE_ON",
                                       "CONSOLE_LEVEL", "SIZE_UNREAD", "SIZE_BUFFER"};

static char buf[1 << 20];

// A call's result: its value, or its errno's name.
static void show(const char* what, long r) {
  if (r < 0) printf("%-44s %s\n", what, errno_name(errno));
  else printf("%-44s %ld\n", what, r);
}

#define TRY(what, call)   \
  do {                    \
    errno = 0;            \
    show(what, (call));   \
  } while (0)

// A call whose value (a descriptor) may differ between machines: OK or the errno.
static int ok(const char* what, int r) {
  printf("%-44s %s\n", what, r < 0 ? errno_name(errno) : "OK");
  return r;
}
#define TRY_OK(what, call) (errno = 0, ok(what, (call)))

static void show_file(const char* path) {
  char text[256] = {0};
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("%s: %s\n", path, errno_name(errno));
    return;
  }
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  printf("%s: %s", path, n > 0 ? text : "(empty)\n");
}

static void show_node(const char* path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    printf("%s: %s\n", path, errno_name(errno));
    return;
  }
  if (S_ISCHR(st.st_mode)) {
    printf("%s: char %u:%u mode %o uid %u\n", path, major(st.st_rdev), minor(st.st_rdev), st.st_mode & 07777,
           (unsigned)st.st_uid);
  } else {
    printf("%s: %s mode %o uid %u size %lld\n", path, S_ISREG(st.st_mode) ? "file" : "other", st.st_mode & 07777,
           (unsigned)st.st_uid, (long long)st.st_size);
  }
}

static ssize_t put(int fd, const char* text) { return write(fd, text, strlen(text)); }

// One /dev/kmsg record as read, its sequence number and time shown as '-' unless
// `exact`; the text after ';' is printed as it came, dictionary lines included.
static void show_record(const char* rec, ssize_t n, int exact) {
  unsigned prio;
  unsigned long long seq, usec;
  char flag;
  if (sscanf(rec, "%u,%llu,%llu,%c;", &prio, &seq, &usec, &flag) != 4) {
    printf("  malformed: %.*s", (int)n, rec);
    return;
  }
  const char* text = strchr(rec, ';') + 1;
  if (exact) printf("  %u,%llu,-,%c;%.*s", prio, seq, flag, (int)(n - (text - rec)), text);
  else printf("  %u,-,-,%c;%.*s", prio, flag, (int)(n - (text - rec)), text);
}

// Whether every line of syslog's text starts with "<N>[sssss.uuuuuu] ".
static int syslog_lines_well_formed(const char* text, long n) {
  for (long i = 0; i < n;) {
    unsigned prio;
    char sec[16], usec[8];
    int used = 0;
    if (sscanf(text + i, "<%u>[%12[ 0-9].%6[0-9]] %n", &prio, sec, usec, &used) != 3 || used == 0) return 0;
    const char* nl = memchr(text + i, '\n', (size_t)(n - i));
    if (nl == NULL) return 0;
    i = nl - text + 1;
  }
  return 1;
}

static void user_mode(void) {
  if (geteuid() == 0 && (setgroups(0, NULL) != 0 || setgid(1000) != 0 || setuid(1000) != 0)) {
    perror("dropping root");
    exit(1);
  }
  show_file("/proc/sys/kernel/dmesg_restrict");
  show_node("/dev/kmsg");
  show_node("/proc/kmsg");
  // dmesg_restrict: every action, even an unknown one, is EPERM without CAP_SYSLOG.
  for (int type = -1; type <= 11; ++type) {
    char what[64];
    snprintf(what, sizeof what, "syslog(%d %s, buf, 64)", type,
             type >= 0 && type <= 10 ? kActions[type] : "unknown");
    TRY(what, klogctl(type, buf, 64));
  }
  TRY("syslog(READ, NULL, -1)", klogctl(2, NULL, -1));
  TRY_OK("open /dev/kmsg O_RDONLY", open("/dev/kmsg", O_RDONLY));
  TRY_OK("open /dev/kmsg O_WRONLY", open("/dev/kmsg", O_WRONLY));
  TRY_OK("open /dev/kmsg O_RDWR", open("/dev/kmsg", O_RDWR));
  TRY_OK("open /proc/kmsg O_RDONLY", open("/proc/kmsg", O_RDONLY));
}

static void root_mode(void) {
  show_node("/dev/kmsg");
  show_node("/proc/kmsg");
  TRY("syslog(CLOSE, NULL, 0)", klogctl(0, NULL, 0));
  TRY("syslog(OPEN, NULL, 0)", klogctl(1, NULL, 0));
  TRY("syslog(READ, NULL, 10)", klogctl(2, NULL, 10));
  TRY("syslog(READ, buf, -1)", klogctl(2, buf, -1));
  TRY("syslog(READ, buf, 0)", klogctl(2, buf, 0));
  TRY("syslog(READ, kernel address, 100)", klogctl(2, (char*)-4096L, 100));
  TRY("syslog(READ_ALL, NULL, 10)", klogctl(3, NULL, 10));
  TRY("syslog(READ_ALL, buf, -1)", klogctl(3, buf, -1));
  TRY("syslog(READ_ALL, buf, 0)", klogctl(3, buf, 0));
  TRY("syslog(READ_ALL, kernel address, 100)", klogctl(3, (char*)-4096L, 100));
  TRY("syslog(READ_CLEAR, NULL, 10)", klogctl(4, NULL, 10));
  TRY("syslog(CONSOLE_LEVEL, NULL, 0)", klogctl(8, NULL, 0));
  TRY("syslog(CONSOLE_LEVEL, NULL, 9)", klogctl(8, NULL, 9));
  TRY("syslog(-1, buf, 64)", klogctl(-1, buf, 64));
  TRY("syslog(11, buf, 64)", klogctl(11, buf, 64));
  errno = 0;
  const long size = klogctl(10, NULL, 0);
  printf("%-44s %s\n", "syslog(SIZE_BUFFER): a power of two >= 4096",
         size >= 4096 && (size & (size - 1)) == 0 ? "yes" : errno_name(errno));
  printf("%-44s %s\n", "syslog(SIZE_UNREAD) >= 0", klogctl(9, NULL, 0) >= 0 ? "yes" : errno_name(errno));

  // /dev/kmsg: writes, then the records read back from where the log ended.
  int fd = TRY_OK("open /dev/kmsg O_RDWR|O_NONBLOCK", open("/dev/kmsg", O_RDWR | O_NONBLOCK));
  TRY("lseek(0, SEEK_END)", lseek(fd, 0, SEEK_END));
  TRY("lseek(1, SEEK_SET)", lseek(fd, 1, SEEK_SET));
  TRY("lseek(-1, SEEK_END)", lseek(fd, -1, SEEK_END));
  TRY("lseek(0, SEEK_CUR)", lseek(fd, 0, SEEK_CUR));
  TRY("lseek(0, SEEK_HOLE)", lseek(fd, 0, SEEK_HOLE));
  TRY("lseek(0, 5)", lseek(fd, 0, 5));
  const char* writes[] = {
      "<5>" MARK ": notice\n",
      MARK ": default level\n",
      "<13>" MARK ": user.notice\n",
      "<30>" MARK ": daemon.info\n",
      "<abc>" MARK ": not a prefix\n",
      "<6 " MARK ": not a prefix either\n",
      "<006>" MARK ": zeros\n",
      MARK ": tab\there back\\slash \xc3\xa9 bell\a\n",
      MARK ": two\nlines\n",
  };
  for (size_t i = 0; i < sizeof writes / sizeof *writes; ++i) {
    char what[64];
    snprintf(what, sizeof what, "write %zu (%zu bytes)", i, strlen(writes[i]));
    TRY(what, put(fd, writes[i]));
  }
  memset(buf, 'x', 2000);
  TRY("write 1025 bytes", write(fd, buf, 1025));
  // Ten writes per file in five seconds: the next ones from a file of their own.
  int fd2 = TRY_OK("open /dev/kmsg O_WRONLY", open("/dev/kmsg", O_WRONLY));
  TRY("write 1024 bytes (1023 kept, no newline)", write(fd2, buf, 1024));
  TRY("write with a NUL", write(fd2, MARK ": before\0after\n", sizeof(MARK ": before\0after\n") - 1));
  TRY("write end", put(fd2, MARK ": end\n"));
  close(fd2);
  printf("records read back:\n");
  for (;;) {
    ssize_t n = read(fd, buf, 2048);
    if (n < 0) {
      if (errno == EAGAIN) break;
      printf("  read: %s\n", errno_name(errno));
      if (errno != EPIPE) break;
      continue;
    }
    buf[n] = 0;
    if (strstr(buf, MARK) == NULL && strstr(buf, ";xxxxxxxx") == NULL) continue;  // someone else's
    show_record(buf, n, 0);
    if (strstr(buf, MARK ": end") != NULL) break;
  }
  close(fd);

  fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
  TRY("lseek(0, SEEK_DATA)", lseek(fd, 0, SEEK_DATA));
  TRY("lseek(0, SEEK_SET)", lseek(fd, 0, SEEK_SET));
  TRY("read 8 bytes (the record is too long)", read(fd, buf, 8));
  TRY("read 0 bytes", read(fd, buf, 0));
  TRY("write on O_RDONLY", put(fd, "x\n"));
  close(fd);
  fd = TRY_OK("open /dev/kmsg O_WRONLY", open("/dev/kmsg", O_WRONLY));
  TRY("read on O_WRONLY", read(fd, buf, 100));
  close(fd);

  // /proc/kmsg: opened and sought, not read (that would consume the log's reader).
  fd = TRY_OK("open /proc/kmsg O_RDONLY", open("/proc/kmsg", O_RDONLY));
  TRY("lseek(0, SEEK_DATA)", lseek(fd, 0, SEEK_DATA));
  TRY("lseek(5, SEEK_SET)", lseek(fd, 5, SEEK_SET));
  close(fd);
  fd = TRY_OK("open /proc/kmsg O_WRONLY", open("/proc/kmsg", O_WRONLY));
  TRY("write /proc/kmsg", put(fd, "x\n"));
  close(fd);

  errno = 0;
  long n = klogctl(3, buf, sizeof buf);
  printf("%-44s %s\n", "syslog(READ_ALL, 1 MiB): lines well formed", n > 0 && syslog_lines_well_formed(buf, n) ? "yes" : errno_name(errno));
}

// --- vmlab only: a log that holds nothing but what this program does ---

static void show_all_records(const char* title, int fd) {
  printf("%s\n", title);
  for (;;) {
    ssize_t n = read(fd, buf, 4096);
    if (n < 0) {
      printf("  read: %s\n", errno_name(errno));
      if (errno == EPIPE) continue;
      return;
    }
    show_record(buf, n, 1);
  }
}

// syslog's text with each "[sssss.uuuuuu]" shown as "[T]".
static void show_syslog_text(const char* what, long n) {
  if (n < 0) {
    printf("%s: %s\n", what, errno_name(errno));
    return;
  }
  printf("%s: %ld bytes\n", what, n);
  for (long i = 0; i < n;) {
    const char* line = buf + i;
    const char* nl = memchr(line, '\n', (size_t)(n - i));
    const long len = nl ? nl - line + 1 : n - i;
    const char* open = memchr(line, '[', (size_t)len);
    const char* close = open ? memchr(open, ']', (size_t)(len - (open - line))) : NULL;
    if (open && close) printf("  %.*s[T]%.*s", (int)(open - line), line, (int)(len - (close + 1 - line)), close + 1);
    else printf("  %.*s", (int)len, line);
    if (!nl) printf("\n");
    i += len;
  }
}

static void vmlab_mode(void) {
  show_file("/proc/sys/kernel/printk");
  show_file("/proc/sys/kernel/dmesg_restrict");
  show_file("/proc/sys/kernel/printk_devkmsg");
  TRY("syslog(SIZE_BUFFER)", klogctl(10, NULL, 0));
  TRY("syslog(SIZE_UNREAD) of an empty log", klogctl(9, NULL, 0));
  TRY("syslog(READ_ALL) of an empty log", klogctl(3, buf, 100));

  int w = open("/dev/kmsg", O_WRONLY);
  put(w, "<6>first\n");
  put(w, "<3>second: an error\n");
  put(w, "third, open");  // no newline: readable once the next record comes
  TRY("syslog(SIZE_UNREAD) with an open record", klogctl(9, NULL, 0));
  put(w, "<12>fourth\n");
  TRY("syslog(SIZE_UNREAD)", klogctl(9, NULL, 0));
  // A READ that stops inside a record goes on from there next time.
  static char parts[64];
  TRY("syslog(READ, 10)", klogctl(2, parts, 10));
  TRY("syslog(SIZE_UNREAD) after a partial READ", klogctl(9, NULL, 0));
  TRY("syslog(READ, 30): the rest of the first", klogctl(2, parts + 10, 30));
  show_syslog_text("syslog(READ_ALL, 4096)", klogctl(3, buf, 4096));
  printf("the two READs joined are READ_ALL's first line: %s\n",
         strncmp(parts, buf, 25) == 0 && buf[24] == '\n' ? "yes" : "no");
  show_syslog_text("syslog(READ_ALL, 60): the newest that fit", klogctl(3, buf, 60));
  show_syslog_text("syslog(READ, 4096)", klogctl(2, buf, 4096));
  TRY("syslog(SIZE_UNREAD) after READ", klogctl(9, NULL, 0));
  show_syslog_text("syslog(READ_CLEAR, 4096)", klogctl(4, buf, 4096));
  show_syslog_text("syslog(READ_ALL) after READ_CLEAR", klogctl(3, buf, 4096));
  put(w, "<5>fifth\n");
  show_syslog_text("syslog(READ_ALL) after a new record", klogctl(3, buf, 4096));
  TRY("syslog(CLEAR)", klogctl(5, NULL, 0));
  show_syslog_text("syslog(READ_ALL) after CLEAR", klogctl(3, buf, 4096));

  TRY("syslog(CONSOLE_OFF)", klogctl(6, NULL, 0));
  show_file("/proc/sys/kernel/printk");
  TRY("syslog(CONSOLE_OFF) again", klogctl(6, NULL, 0));
  TRY("syslog(CONSOLE_ON)", klogctl(7, NULL, 0));
  show_file("/proc/sys/kernel/printk");
  TRY("syslog(CONSOLE_LEVEL, 8)", klogctl(8, NULL, 8));
  show_file("/proc/sys/kernel/printk");
  put(w, "<7>debug, on the console at level 8\n");
  TRY("syslog(READ_ALL) to an unmapped buffer", klogctl(3, (char*)8, 100));
  TRY("syslog(CONSOLE_OFF)", klogctl(6, NULL, 0));
  TRY("syslog(CONSOLE_LEVEL, 4): on again", klogctl(8, NULL, 4));
  TRY("syslog(CONSOLE_ON): nothing saved", klogctl(7, NULL, 0));
  show_file("/proc/sys/kernel/printk");
  put(w, "<4>warning, not on the console at level 4\n");
  put(w, "<3>error, on the console\n");
  klogctl(8, NULL, 7);

  ssize_t n;
  int r = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
  show_all_records("/dev/kmsg from the start:", r);
  TRY("lseek(0, SEEK_DATA): after the CLEAR", lseek(r, 0, SEEK_DATA));
  show_all_records("/dev/kmsg from SEEK_DATA:", r);
  struct pollfd p = {r, POLLIN, 0};
  TRY("poll with nothing new", poll(&p, 1, 0));
  TRY("lseek(0, SEEK_SET)", lseek(r, 0, SEEK_SET));
  TRY("poll with records to read", poll(&p, 1, 0));
  printf("  revents %#x\n", p.revents);
  struct iovec iov[2] = {{buf, 40}, {buf + 40, 40}};
  n = readv(r, iov, 2);
  show("readv of two 40-byte segments: one record", n);
  if (n > 0) show_record(buf, n, 1);
  struct iovec small[2] = {{buf, 10}, {buf + 10, 40}};
  TRY("readv whose first segment is too small", readv(r, small, 2));
  TRY("read 0 bytes", read(r, buf, 0));
  show_all_records("what is left:", r);

  // A reader that sleeps until a record comes, from a child writing a second later.
  lseek(r, 0, SEEK_END);
  fcntl(r, F_SETFL, 0);
  pid_t child = fork();
  if (child == 0) {
    sleep(1);
    int cw = open("/dev/kmsg", O_WRONLY);
    put(cw, "<6>from the child\n");
    _exit(0);
  }
  n = read(r, buf, 4096);
  show("blocking /dev/kmsg read", n);
  if (n > 0) show_record(buf, n, 1);
  fcntl(r, F_SETFL, O_NONBLOCK);
  waitpid(child, NULL, 0);
  child = fork();
  if (child == 0) {
    sleep(1);
    int cw = open("/dev/kmsg", O_WRONLY);
    put(cw, "<6>from the child again\n");
    _exit(0);
  }
  const long unread = klogctl(9, NULL, 0);
  if (unread > 0 && klogctl(2, buf, (int)unread) != unread) printf("draining the unread records failed\n");
  show_syslog_text("blocking syslog(READ)", klogctl(2, buf, 4096));
  waitpid(child, NULL, 0);
  int pk = TRY_OK("open /proc/kmsg O_RDONLY|O_NONBLOCK", open("/proc/kmsg", O_RDONLY | O_NONBLOCK));
  TRY("read /proc/kmsg, nothing unread", read(pk, buf, 4096));
  p.fd = pk;
  TRY("poll /proc/kmsg", poll(&p, 1, 0));
  put(w, "<6>for /proc/kmsg\n");
  TRY("poll /proc/kmsg", poll(&p, 1, 0));
  show_syslog_text("read /proc/kmsg", read(pk, buf, 4096));
  close(pk);

  // Ten writes in five seconds per open file; the rest are dropped and counted when
  // the file is released.
  int lim = open("/dev/kmsg", O_WRONLY);
  for (int i = 0; i < 13; ++i) {
    char line[64];
    snprintf(line, sizeof line, "<6>write %d\n", i);
    if (put(lim, line) != (ssize_t)strlen(line)) printf("write %d: %s\n", i, errno_name(errno));
  }
  close(lim);
  show_all_records("after 13 writes on one file:", r);

  // Records lost under a reader: 4096 descriptors, so 4100 more records push out the
  // oldest (a new file every ten writes keeps under the rate limit).
  int old = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
  lseek(old, 0, SEEK_SET);
  for (int i = 0; i < 410; ++i) {
    int f = open("/dev/kmsg", O_WRONLY);
    for (int j = 0; j < 10; ++j) put(f, "<7>filler\n");
    close(f);
  }
  p.fd = old;
  TRY("poll of a reader whose record is gone", poll(&p, 1, 0));
  printf("  revents %#x\n", p.revents);
  TRY("read", read(old, buf, 4096));
  n = read(old, buf, 4096);
  show("read again", n);
  if (n > 0) show_record(buf, n, 1);
  TRY("syslog(SIZE_UNREAD)", klogctl(9, NULL, 0));
  TRY("syslog(READ_CLEAR, 4096)", klogctl(4, buf, 4096));
  TRY("syslog(SIZE_UNREAD)", klogctl(9, NULL, 0));

  // execve() with an empty argv: "" becomes argv[0], and the kernel says so, once.
  lseek(r, 0, SEEK_END);
  for (int i = 0; i < 2; ++i) {
    child = fork();
    if (child == 0) {
      dup2(open("/dev/null", O_WRONLY), 1);
      char* none[] = {NULL};
      execve("/bin/echo", none, none);
      _exit(127);
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("execve of /bin/echo with an empty argv: exited %d\n", WEXITSTATUS(status));
  }
  show_all_records("records since:", r);
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const char* mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "user") == 0) user_mode();
  else if (strcmp(mode, "root") == 0) root_mode();
  else if (strcmp(mode, "vmlab") == 0) vmlab_mode();
  else if (strcmp(mode, "nullargv") == 0) {
    char* none[] = {NULL};
    execve("/bin/echo", none, none);
    return 127;
  }
  else {
    fprintf(stderr, "usage: klog user|root|vmlab|nullargv\n");
    return 2;
  }
  return 0;
}
