// fork, exit and wait4 as a shell would see them: exit codes, deaths by signal,
// WNOHANG, the parent of an orphan, wait4's rusage; and vfork+exec the ways glibc
// does it (posix_spawn, system(), popen()).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

static void report(const char* what, int st) {
  if (WIFEXITED(st)) printf("%s: exited %d\n", what, WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) printf("%s: killed by %d%s\n", what, WTERMSIG(st), WCOREDUMP(st) ? " (core)" : "");
}

int main(void) {
  int st;
  pid_t c = fork();
  if (c == 0) _exit(42);
  pid_t w = waitpid(c, &st, 0);
  printf("waitpid returned the child: %d\n", w == c);
  report("exit(42)", st);

  c = fork();
  if (c == 0) {
    for (;;) pause();
  }
  printf("WNOHANG while it runs: %d\n", waitpid(c, &st, WNOHANG));
  kill(c, SIGKILL);
  waitpid(c, &st, 0);
  report("SIGKILL", st);

  c = fork();
  if (c == 0) abort();
  waitpid(c, &st, 0);
  report("abort()", st);

  // wait4's rusage: the child's faults.
  c = fork();
  if (c == 0) {
    char* p = malloc(64 * 4096);
    for (int i = 0; i < 64; i++) p[i * 4096] = 1;
    _exit(0);
  }
  struct rusage ru;
  wait4(c, &st, 0, &ru);
  printf("child touched 64 pages: minflt >= 64: %d\n", ru.ru_minflt >= 64);

  // An orphan's parent becomes init.
  int fds[2];
  pipe(fds);
  fflush(stdout);
  c = fork();
  if (c == 0) {
    if (fork() == 0) {
      char b;
      read(fds[0], &b, 1);  // until the middle process has gone
      printf("orphan's parent: %d\n", (int)getppid());
      fflush(stdout);
      _exit(0);
    }
    _exit(0);
  }
  waitpid(c, &st, 0);
  write(fds[1], "x", 1);
  sleep(1);

  // posix_spawn (clone with CLONE_VM | CLONE_VFORK underneath).
  fflush(stdout);
  char* args[] = {"echo", "spawned", "by", "posix_spawn", NULL};
  pid_t sp;
  int r = posix_spawn(&sp, "/bin/echo", NULL, NULL, args, environ);
  waitpid(sp, &st, 0);
  printf("posix_spawn returned %d\n", r);
  report("echo", st);
  r = posix_spawn(&sp, "/nonexistent", NULL, NULL, args, environ);
  printf("posix_spawn of a missing file: %s\n", strerror(r));
  st = system("exit 3");
  report("system(\"exit 3\")", st);
  FILE* f = popen("echo through popen", "r");
  char line[64] = "";
  fgets(line, sizeof line, f);
  printf("popen read: %s", line);
  report("pclose", pclose(f));

  // vfork and exec by hand.
  c = vfork();
  if (c == 0) {
    execl("/bin/echo", "echo", "after vfork", (char*)NULL);
    _exit(127);
  }
  waitpid(c, &st, 0);
  report("vfork child", st);

  // A "#!" script runs its interpreter with the script's path and arguments.
  const char text[] = "#!/bin/sh\necho \"$0\" \"$1\"\nexit 9\n";
  int fd = open("/tmp/script", O_WRONLY | O_CREAT | O_TRUNC, 0755);
  write(fd, text, sizeof text - 1);
  close(fd);
  fflush(stdout);
  c = fork();
  if (c == 0) {
    execl("/tmp/script", "script", "arg", (char*)NULL);
    _exit(127);
  }
  waitpid(c, &st, 0);
  report("script", st);
  return 5;
}
