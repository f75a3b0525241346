// What /proc/PID/status and /proc/PID/stat show of a task's umask, signals and state: a
// handler, an ignored signal, two blocked ones left pending (one sent to the process
// with kill(), one to the thread with tgkill()), the process group and session, a
// child asleep in read() (in its parent's group) and a vfork
// parent waiting for its child. The same source runs natively on the host kernel, and
// the test compares the two outputs line for line.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_usr1(int sig) { (void)sig; }

// Prints the lines of /proc/<who>/status whose names are in `names` (space-separated).
static void show_status(const char* who, const char* names) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%s/status", who);
  FILE* f = fopen(path, "r");
  if (!f) {
    perror(path);
    exit(1);
  }
  while (fgets(line, sizeof line, f)) {
    char name[32];
    if (sscanf(line, "%31[^:]:", name) != 1) continue;
    char key[40];
    snprintf(key, sizeof key, " %s ", name);
    char padded[128];
    snprintf(padded, sizeof padded, " %s ", names);
    if (strstr(padded, key)) fputs(line, stdout);
  }
  fclose(f);
}

// The value of a "Name:\tN" line of /proc/<who>/status.
static long status_value(const char* who, const char* name) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%s/status", who);
  FILE* f = fopen(path, "r");
  if (!f) exit(1);
  long v = -1;
  const size_t n = strlen(name);
  while (fgets(line, sizeof line, f))
    if (strncmp(line, name, n) == 0 && line[n] == ':') v = strtol(line + n + 1, NULL, 10);
  fclose(f);
  return v;
}

// Fields 3 (state), 31 to 34 (signal, blocked, sigignore, sigcatch), 35 (wchan) and
// 38 (exit_signal) of /proc/<who>/stat; whether fields 5 and 6 (pgrp, session) and
// status's NSpgid and NSsid are the process group and session `pgrp` and `sid`.
static void show_stat(const char* who, long pgrp, long sid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%s/stat", who);
  FILE* f = fopen(path, "r");
  if (!f || !fgets(buf, sizeof buf, f)) exit(1);
  fclose(f);
  char* p = strrchr(buf, ')') + 2;  // after "pid (comm) "
  char* fields[64];
  int n = 0;
  for (char* tok = strtok(p, " \n"); tok && n < 64; tok = strtok(NULL, " \n")) fields[n++] = tok;
  // fields[0] is field 3.
  printf("stat: state %s signal %s blocked %s sigignore %s sigcatch %s wchan %s exit_signal %s\n", fields[0],
         fields[28], fields[29], fields[30], fields[31], fields[32], fields[35]);
  const int same = atol(fields[2]) == pgrp && atol(fields[3]) == sid && status_value(who, "NSpgid") == pgrp &&
                   status_value(who, "NSsid") == sid;
  printf("process group and session as expected: %s\n", same ? "yes" : "no");
}

int main(void) {
  // A clean start whatever the parent left (a test runner may ignore signals, glibc's
  // reserved real-time ones too): default actions for all 64, nothing blocked. The raw
  // call, as glibc refuses 32 and 33; a zeroed kernel sigaction is SIG_DFL everywhere.
  for (int sig = 1; sig <= 64; ++sig) {
    unsigned long ksa[4] = {0, 0, 0, 0};
    if (sig != SIGKILL && sig != SIGSTOP) syscall(SYS_rt_sigaction, sig, ksa, NULL, 8);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  umask(027);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  signal(SIGUSR2, SIG_IGN);
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGHUP);
  sigaddset(&block, SIGTERM);
  sigprocmask(SIG_BLOCK, &block, NULL);
  kill(getpid(), SIGHUP);                                     // to the process: ShdPnd
  syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), SIGTERM);  // to the thread: SigPnd
  show_status("self", "Umask State SigQ SigPnd ShdPnd SigBlk SigIgn SigCgt");
  show_stat("self", getpgrp(), getsid(0));

  // A child blocked in read() on an empty pipe sleeps: S.
  int fds[2];
  if (pipe(fds) != 0) return 1;
  pid_t child = fork();
  if (child == 0) {
    char c;
    close(fds[1]);
    _exit(read(fds[0], &c, 1) == 1 ? 0 : 1);
  }
  close(fds[0]);
  // Let the child reach its read(): on Linux sleep, in vmlab the parent yields too.
  usleep(100000);
  char who[16];
  snprintf(who, sizeof who, "%d", child);
  printf("child in read(): ");
  show_status(who, "State");
  show_stat(who, getpgrp(), getsid(0));  // its parent's group and session
  write(fds[1], "x", 1);
  int status;
  waitpid(child, &status, 0);

  // A vfork parent waits, killable but uninterruptible, until its child execs or exits: D.
  pid_t vchild = vfork();
  if (vchild == 0) {
    char parent[16];
    snprintf(parent, sizeof parent, "%d", getppid());
    printf("vfork parent: ");
    show_status(parent, "State");
    fflush(stdout);
    _exit(0);
  }
  waitpid(vchild, &status, 0);
  return 0;
}
