// chmod, chown, utimensat, renameat2 and statfs as an unprivileged user, in a fresh
// directory under /tmp: what each changes and each errno. The test runs it on the
// host kernel (built for x86-64, dropping to uid 1000 when started as root) and in
// vmlab (riscv64, where processes are uid 1000), and both must print
// expected/fsattr.txt. Only what does not depend on the host's setup is printed: no
// ids, sizes or clock times, and statfs only for /proc, /dev and pipes.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "errno_name.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452  // the same number on every architecture
#endif
#define BAD ((void*)8)


#define TRY(what, call)                                  \
  do {                                                   \
    errno = 0;                                           \
    long r_ = (long)(call);                              \
    printf("%-48s %s\n", what, r_ < 0 ? errno_name(errno) : "OK"); \
  } while (0)

static void show_mode(const char* path) {
  struct stat st;
  if (lstat(path, &st) != 0) {
    printf("  %s: %s\n", path, errno_name(errno));
    return;
  }
  printf("  %s: mode %o nlink %ld\n", path, (unsigned)st.st_mode, (long)st.st_nlink);
}

static void show_times(const char* path) {
  struct stat st;
  lstat(path, &st);
  printf("  %s: atime %lld.%09ld mtime %lld.%09ld\n", path, (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
         (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

static void show_statfs(const char* what, const struct statfs* s) {
  printf("  %s: type %lx bsize %ld namelen %ld frsize %ld\n", what, (long)s->f_type, (long)s->f_bsize,
         (long)s->f_namelen, (long)s->f_frsize);
}

// Whether the sizes are all 0 (simple_statfs()), or the free counts are all there is.
static void show_sizes(const char* what, const struct statfs* s) {
  const int zero = (s->f_blocks | s->f_bfree | s->f_bavail | s->f_files | s->f_ffree) == 0;
  const int unused = s->f_blocks > 0 && s->f_bfree == s->f_blocks && s->f_bavail == s->f_blocks;
  printf("  %s: sizes 0 %d, no block used %d\n", what, zero, unused);
}

static void put(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (write(fd, text, strlen(text)) < 0) perror("write");
  close(fd);
}

static void show_text(const char* label, int fd) {
  char buf[64] = {0};
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  printf("  %s: %zd \"%s\"\n", label, n, n > 0 ? buf : "");
}

static long rn(const char* from, const char* to, unsigned flags) {
  return syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, flags);
}

static void attributes(void) {
  const long me = (long)getuid(), my_group = (long)getgid();
  put("f", "eff");
  symlink("f", "l");
  mkdir("dir", 0755);
  int fd = open("f", O_RDONLY);

  printf("chmod\n");
  TRY("fchmodat(f, 0177777)", syscall(SYS_fchmodat, AT_FDCWD, "f", 0177777));
  show_mode("f");
  TRY("fchmodat(l, 0600) follows the link", syscall(SYS_fchmodat, AT_FDCWD, "l", 0600));
  show_mode("f");
  TRY("fchmodat2(l, NOFOLLOW)", syscall(SYS_fchmodat2, AT_FDCWD, "l", 0600, AT_SYMLINK_NOFOLLOW));
  TRY("fchmodat2(f, NOFOLLOW)", syscall(SYS_fchmodat2, AT_FDCWD, "f", 0640, AT_SYMLINK_NOFOLLOW));
  TRY("fchmodat2(bad name, flag 1)", syscall(SYS_fchmodat2, AT_FDCWD, BAD, 0600, 1));
  TRY("fchmodat2(\"\", 0)", syscall(SYS_fchmodat2, fd, "", 0600, 0));
  TRY("fchmodat2(fd, \"\", AT_EMPTY_PATH)", syscall(SYS_fchmodat2, fd, "", 0604, AT_EMPTY_PATH));
  show_mode("f");
  TRY("fchmodat2(fd, NULL, AT_EMPTY_PATH)", syscall(SYS_fchmodat2, fd, NULL, 0604, AT_EMPTY_PATH));
  TRY("fchmodat(nope)", syscall(SYS_fchmodat, AT_FDCWD, "nope", 0600));
  TRY("fchmodat(f/x)", syscall(SYS_fchmodat, AT_FDCWD, "f/x", 0600));
  TRY("fchmodat(/dev/null) of root's", syscall(SYS_fchmodat, AT_FDCWD, "/dev/null", 0666));
  TRY("fchmod(999)", syscall(SYS_fchmod, 999, 0600));
  TRY("fchmod(fd, 02755)", syscall(SYS_fchmod, fd, 02755));
  show_mode("f");

  printf("chown\n");
  TRY("fchownat(f, me, my group)", syscall(SYS_fchownat, AT_FDCWD, "f", me, my_group, 0));
  TRY("fchownat(f, 0, -1)", syscall(SYS_fchownat, AT_FDCWD, "f", 0, -1, 0));
  TRY("fchownat(f, -1, 12345)", syscall(SYS_fchownat, AT_FDCWD, "f", -1, 12345, 0));
  TRY("fchownat(/dev, -1, -1) of root's", syscall(SYS_fchownat, AT_FDCWD, "/dev", -1, -1, 0));
  TRY("fchownat(/dev, 0, -1) of root's", syscall(SYS_fchownat, AT_FDCWD, "/dev", 0, -1, 0));
  TRY("fchownat(l, me, -1, NOFOLLOW)", syscall(SYS_fchownat, AT_FDCWD, "l", me, -1, AT_SYMLINK_NOFOLLOW));
  TRY("fchownat(f, flag 0x400)", syscall(SYS_fchownat, AT_FDCWD, "f", -1, -1, 0x400));
  TRY("fchownat(\"\", 0)", syscall(SYS_fchownat, AT_FDCWD, "", -1, -1, 0));
  TRY("fchownat(fd, \"\", AT_EMPTY_PATH)", syscall(SYS_fchownat, fd, "", -1, -1, AT_EMPTY_PATH));
  TRY("fchown(999)", syscall(SYS_fchown, 999, -1, -1));
  chmod("f", 06755);
  TRY("fchown(f 06755, -1, -1)", syscall(SYS_fchown, fd, -1, -1));
  show_mode("f");
  chmod("f", 06745);
  TRY("fchown(f 06745, -1, -1)", syscall(SYS_fchown, fd, -1, -1));
  show_mode("f");
  chmod("dir", 06755);
  TRY("fchownat(dir 06755, -1, -1)", syscall(SYS_fchownat, AT_FDCWD, "dir", -1, -1, 0));
  show_mode("dir");

  printf("utimensat\n");
  struct timespec t[2] = {{1, 2}, {3, 4}};
  TRY("utimensat(f, {1.2, 3.4})", syscall(SYS_utimensat, AT_FDCWD, "f", t, 0));
  show_times("f");
  struct timespec before_1970[2] = {{-5, 0}, {-1, 5}};
  TRY("utimensat(f, before 1970)", syscall(SYS_utimensat, AT_FDCWD, "f", before_1970, 0));
  show_times("f");
  struct timespec omit_atime[2] = {{0, UTIME_OMIT}, {7, 8}};
  TRY("utimensat(f, {OMIT, 7.8})", syscall(SYS_utimensat, AT_FDCWD, "f", omit_atime, 0));
  show_times("f");
  struct timespec link_times[2] = {{9, 0}, {9, 0}};
  TRY("utimensat(l, NOFOLLOW)", syscall(SYS_utimensat, AT_FDCWD, "l", link_times, AT_SYMLINK_NOFOLLOW));
  show_times("l");
  show_times("f");
  struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
  TRY("utimensat(bad name, OMIT OMIT, bad flags)", syscall(SYS_utimensat, AT_FDCWD, BAD, omit, 0x999));
  struct timespec bad_nsec[2] = {{0, 1000000000}, {0, 0}};
  TRY("utimensat(nope, tv_nsec 1e9)", syscall(SYS_utimensat, AT_FDCWD, "nope", bad_nsec, 0));
  TRY("utimensat(f, tv_nsec 1e9)", syscall(SYS_utimensat, AT_FDCWD, "f", bad_nsec, 0));
  TRY("utimensat(f, bad times)", syscall(SYS_utimensat, AT_FDCWD, "f", BAD, 0));
  TRY("utimensat(f, flags 0x999)", syscall(SYS_utimensat, AT_FDCWD, "f", NULL, 0x999));
  TRY("utimensat(AT_FDCWD, NULL)", syscall(SYS_utimensat, AT_FDCWD, NULL, NULL, 0));
  TRY("utimensat(fd, NULL)", syscall(SYS_utimensat, fd, NULL, NULL, 0));
  TRY("utimensat(fd, NULL, NOFOLLOW)", syscall(SYS_utimensat, fd, NULL, NULL, AT_SYMLINK_NOFOLLOW));
  TRY("utimensat(999, NULL)", syscall(SYS_utimensat, 999, NULL, NULL, 0));
  TRY("utimensat(\"\")", syscall(SYS_utimensat, AT_FDCWD, "", NULL, 0));
  struct timespec now_omit[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
  TRY("utimensat(/dev/null, {NOW, OMIT}) of root's", syscall(SYS_utimensat, AT_FDCWD, "/dev/null", now_omit, 0));
  TRY("utimensat(/proc, NULL) of root's, 0555", syscall(SYS_utimensat, AT_FDCWD, "/proc", NULL, 0));
  // The C library's wrappers, as touch and cp -a call them.
  TRY("chmod()", chmod("f", 0644));
  TRY("lchown()", lchown("l", -1, -1));
  TRY("utimes(NULL)", utimes("f", NULL));
  TRY("futimens(NULL)", futimens(fd, NULL));
  close(fd);
}

static void renames(void) {
  printf("renameat2\n");
  put("f", "eff");
  put("h", "aitch");
  mkdir("a", 0755);
  mkdir("a/b", 0755);
  mkdir("e", 0755);
  put("a/b/g", "gee");
  symlink("a", "la");
  TRY("flags 8", rn("f", "g", 8));
  TRY("NOREPLACE|EXCHANGE", rn("f", "g", RENAME_NOREPLACE | RENAME_EXCHANGE));
  TRY("WHITEOUT|EXCHANGE", rn("f", "g", RENAME_WHITEOUT | RENAME_EXCHANGE));
  TRY("bad names, flags 16", syscall(SYS_renameat2, AT_FDCWD, BAD, AT_FDCWD, BAD, 16));
  TRY("nope -> g", rn("nope", "g", 0));
  TRY("nope/x -> g", rn("nope/x", "g", 0));
  TRY("nope/x -> bad name", syscall(SYS_renameat2, AT_FDCWD, "nope/x", AT_FDCWD, BAD, 0));
  TRY("f -> bad name", syscall(SYS_renameat2, AT_FDCWD, "f", AT_FDCWD, BAD, 0));
  TRY("\"\" -> g", rn("", "g", 0));
  TRY("f -> /proc/f", rn("f", "/proc/f", 0));
  TRY("f -> /dev/f", rn("f", "/dev/f", 0));
  TRY(". -> g", rn(".", "g", 0));
  TRY("f -> .", rn("f", ".", 0));
  TRY("f -> .., NOREPLACE", rn("f", "..", RENAME_NOREPLACE));
  TRY("f -> h, NOREPLACE", rn("f", "h", RENAME_NOREPLACE));
  TRY("f -> nope, EXCHANGE", rn("f", "nope", RENAME_EXCHANGE));
  TRY("f -> a", rn("f", "a", 0));
  TRY("a -> f", rn("a", "f", 0));
  TRY("f/ -> x", rn("f/", "x", 0));
  TRY("f -> x/", rn("f", "x/", 0));
  TRY("f -> h/", rn("f", "h/", 0));
  TRY("la/ -> x", rn("la/", "x", 0));
  TRY("f -> h/, EXCHANGE", rn("f", "h/", RENAME_EXCHANGE));
  TRY("a -> a/b/c", rn("a", "a/b/c", 0));
  TRY("a -> a/b, EXCHANGE", rn("a", "a/b", RENAME_EXCHANGE));
  TRY("a/b -> a", rn("a/b", "a", 0));
  TRY("a/b -> a, EXCHANGE", rn("a/b", "a", RENAME_EXCHANGE));
  TRY("e -> a (not empty)", rn("e", "a", 0));
  TRY("f -> f", rn("f", "f", 0));
  TRY("e/ -> e2/", rn("e/", "e2/", 0));
  TRY("e2 -> e", rn("e2", "e", 0));
  char long_name[257];
  memset(long_name, 'n', 256);
  long_name[256] = 0;
  TRY("f -> a 256-byte name", rn("f", long_name, 0));
  TRY("/dev/null -> /dev/nul2 (root's /dev)", rn("/dev/null", "/dev/nul2", 0));
  // Open, then renamed or replaced: the inode lives on.
  int f = open("f", O_RDONLY), h = open("h", O_RDONLY);
  TRY("f -> e/f2", rn("f", "e/f2", 0));
  show_text("f, open", f);
  TRY("e/f2 -> h (replaces open h)", rn("e/f2", "h", 0));
  show_text("h, open", h);
  show_text("f, open, now named h", f);
  struct stat st;
  fstat(h, &st);
  printf("  replaced h: nlink %ld\n", (long)st.st_nlink);
  close(f);
  close(h);
  // Exchange, whiteout, directory link counts.
  show_mode(".");
  TRY("h <-> a, EXCHANGE", rn("h", "a", RENAME_EXCHANGE));
  show_mode("a");
  show_mode("h");
  TRY("a -> w, WHITEOUT", rn("a", "w", RENAME_WHITEOUT));
  show_mode("a");
  mkdir("m", 0755);
  mkdir("n", 0755);
  mkdir("n/o", 0755);
  show_mode(".");
  TRY("m -> n/o (an empty directory)", rn("m", "n/o", 0));
  show_mode(".");
  show_mode("n");
  TRY("rename() of the C library", rename("w", "w2"));
}

static void filesystems(void) {
  printf("statfs\n");
  struct statfs s;
  TRY("statfs(/proc)", statfs("/proc", &s));
  show_statfs("/proc", &s);
  show_sizes("/proc", &s);
  TRY("statfs(/dev/null)", statfs("/dev/null", &s));
  show_statfs("/dev", &s);
  show_sizes("/dev", &s);
  int p[2];
  if (pipe(p) != 0) perror("pipe");
  TRY("fstatfs(pipe)", fstatfs(p[0], &s));
  show_statfs("pipe", &s);
  show_sizes("pipe", &s);
  printf("  pipe: flags %lx\n", (long)s.f_flags);
  TRY("statfs(nope)", statfs("nope", &s));
  TRY("statfs(\"\")", statfs("", &s));
  TRY("statfs(/dev/null/x)", statfs("/dev/null/x", &s));
  TRY("statfs(bad name)", syscall(SYS_statfs, BAD, &s));
  TRY("statfs(/, bad buffer)", syscall(SYS_statfs, "/", BAD));
  TRY("statfs(nope, bad buffer)", syscall(SYS_statfs, "nope", BAD));
  symlink("loop", "loop");
  TRY("statfs(loop)", statfs("loop", &s));
  TRY("fstatfs(999)", fstatfs(999, &s));
  TRY("fstatfs(pipe, bad buffer)", syscall(SYS_fstatfs, p[0], BAD));
}

static int remove_one(const char* path, const struct stat* st, int type, struct FTW* ftw) {
  (void)st, (void)type, (void)ftw;
  return remove(path);
}

int main(void) {
  // The rules under test are an unprivileged user's.
  if (geteuid() == 0 && (setgroups(0, NULL) != 0 || setgid(1000) != 0 || setuid(1000) != 0)) {
    perror("dropping root");
    return 1;
  }
  char dir[] = "/tmp/fsattr-XXXXXX";
  if (mkdtemp(dir) == NULL || chdir(dir) != 0) {
    perror(dir);
    return 1;
  }
  attributes();
  mkdir("r", 0755);
  if (chdir("r") != 0) perror("r");
  renames();
  if (chdir(dir) != 0) perror(dir);
  filesystems();
  if (chdir("/") != 0) perror("/");
  return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
