/* cat: copies files ("-" or none: standard input) to standard output, as coreutils
 * cat without options does; a file that cannot be read is reported and skipped, and
 * the exit status is then 1. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char buf[65536];

/* Returns 0, or -1 after reporting a read error (-2: a write error, fatal). */
static int copy(int fd, const char *name) {
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      fprintf(stderr, "cat: %s: %s\n", name, strerror(errno));
      return -1;
    }
    if (n == 0) return 0;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(1, buf + done, (size_t)(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        fprintf(stderr, "cat: write error: %s\n", strerror(errno));
        return -2;
      }
      done += w;
    }
  }
}

int main(int argc, char **argv) {
  int status = 0, i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1]; ++i) {
    if (strcmp(argv[i], "--") == 0) {
      ++i;
      break;
    }
    if (strcmp(argv[i], "-u") != 0) {  /* -u (unbuffered) is what cat does anyway */
      fprintf(stderr, "cat: invalid option -- '%s'\n", argv[i] + 1);
      return 1;
    }
  }
  if (i == argc) return copy(0, "-") ? 1 : 0;
  for (; i < argc; ++i) {
    int stdin_arg = strcmp(argv[i], "-") == 0;
    int fd = stdin_arg ? 0 : open(argv[i], O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      fprintf(stderr, "cat: %s: %s\n", argv[i], strerror(errno));
      status = 1;
      continue;
    }
    int r = copy(fd, argv[i]);
    if (!stdin_arg) close(fd);
    if (r == -2) return 1;
    if (r) status = 1;
  }
  return status;
}
