// Pipes between processes: a large transfer with a checksum, end of file, SIGPIPE
// (the default kills, ignored it is EPIPE), non-blocking ends, and a pipe as a
// program's standard input.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  int fds[2];
  pipe(fds);
  const long total = 1000000;
  pid_t c = fork();
  if (c == 0) {
    close(fds[0]);
    static char buf[10000];
    unsigned sum = 0;
    for (long sent = 0; sent < total; sent += sizeof buf) {
      for (unsigned i = 0; i < sizeof buf; i++) {
        buf[i] = (char)((sent + i) * 7);
        sum += (unsigned char)buf[i];
      }
      if (write(fds[1], buf, sizeof buf) != (ssize_t)sizeof buf) _exit(1);
    }
    printf("writer sum %u\n", sum);
    fflush(stdout);
    _exit(0);
  }
  close(fds[1]);
  long got = 0;
  unsigned sum = 0;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < n; i++) sum += (unsigned char)buf[i];
    got += n;
  }
  int st;
  waitpid(c, &st, 0);
  printf("reader got %ld bytes, sum %u, then read returned %zd\n", got, sum, n);
  close(fds[0]);

  // No reader: SIGPIPE kills the writer by default.
  pipe(fds);
  close(fds[0]);
  fflush(stdout);
  c = fork();
  if (c == 0) {
    write(fds[1], "x", 1);
    _exit(0);
  }
  waitpid(c, &st, 0);
  printf("writer without a reader: killed by %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
  signal(SIGPIPE, SIG_IGN);
  errno = 0;
  n = write(fds[1], "x", 1);
  printf("with SIGPIPE ignored: %zd, %s\n", n, strerror(errno));
  close(fds[1]);

  // Non-blocking ends.
  pipe2(fds, O_NONBLOCK);
  errno = 0;
  n = read(fds[0], buf, 1);
  printf("empty non-blocking read: %zd, %s\n", n, strerror(errno));
  long filled = 0;
  while ((n = write(fds[1], buf, sizeof buf)) > 0) filled += n;
  printf("non-blocking pipe holds %ld bytes, then %s\n", filled, strerror(errno));
  close(fds[0]);
  close(fds[1]);

  // A pipe as /bin/cat's standard input and one as its output.
  int in[2], out[2];
  pipe(in);
  pipe(out);
  fflush(stdout);
  c = fork();
  if (c == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[0]);
    close(in[1]);
    close(out[0]);
    close(out[1]);
    execl("/bin/cat", "cat", (char*)NULL);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  write(in[1], "through cat\n", 12);
  close(in[1]);
  n = read(out[0], buf, sizeof buf - 1);
  buf[n > 0 ? n : 0] = 0;
  waitpid(c, &st, 0);
  printf("cat echoed: %s", buf);
  printf("cat exited %d\n", WEXITSTATUS(st));
  // O_CLOEXEC descriptors are closed by exec.
  int ce = open("/dev/null", O_RDONLY | O_CLOEXEC);
  printf("FD_CLOEXEC: %d\n", fcntl(ce, F_GETFD));
  return 0;
}
