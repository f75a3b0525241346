/* sh: the command line (sh -c 'commands' [name [args]], sh script [args], sh < script)
 * and reading a script a line at a time, so commands it runs share its stdin. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sh.h"

int sh_status;
int sh_shell_pid;
int sh_last_bg;
int sh_line = 1;
const char *sh_name = "sh";
char **sh_params;
int sh_nparams;
int sh_exit_requested;

void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    write(2, "sh: out of memory\n", 18);
    _exit(2);
  }
  return p;
}

void *xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p) {
    write(2, "sh: out of memory\n", 18);
    _exit(2);
  }
  return p;
}

char *xstrndup(const char *s, size_t n) {
  char *p = xmalloc(n + 1);
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

void sh_error(const char *fmt, ...) {
  char msg[1024];
  int n = snprintf(msg, sizeof msg, "%s: %d: ", sh_name, sh_line);
  /* snprintf returns the untruncated length: with a very long $0 (a script path),
   * msg + n would point past msg and the size below would wrap around. */
  if (n < 0) n = 0;
  if (n > (int)sizeof msg - 2) n = (int)sizeof msg - 2;
  va_list ap;
  va_start(ap, fmt);
  n += vsnprintf(msg + n, sizeof msg - (size_t)n - 1, fmt, ap);
  va_end(ap);
  if (n > (int)sizeof msg - 2) n = (int)sizeof msg - 2;
  msg[n++] = '\n';
  write(2, msg, (size_t)n);
}

/* Lexes and runs `text`; returns 1 when it needs more input. */
static int run_text(const char *text, int at_eof) {
  struct tokens t = {0};
  int r = sh_lex(text, &t, at_eof);
  if (r == 1 && !at_eof) {
    sh_free_tokens(&t);
    return 1;
  }
  if (r == 1) {
    sh_error("Syntax error: Unterminated quoted string");
    sh_status = 2;
  } else if (r < 0) {
    sh_status = 2;
  } else {
    sh_run(t.v, t.n);
  }
  sh_free_tokens(&t);
  return 0;
}

/* Reads commands from `fd` a byte at a time, running each complete line. */
static void run_fd(int fd) {
  char *buf = NULL;
  size_t len = 0, cap = 0;
  int start_line = sh_line;
  for (;;) {
    char c;
    ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    int eof = n <= 0;
    if (!eof) {
      if (len + 2 > cap) {
        cap = cap ? 2 * cap : 256;
        buf = xrealloc(buf, cap);
      }
      buf[len++] = c;
    }
    if (eof || c == '\n') {
      /* Room for the NUL: the growth check above keeps len + 1 < cap, so this only
       * allocates for empty input. Never shrink buf here: cap must stay its size (a
       * realloc to len + 1 without updating cap let the next line write past the
       * end, "realloc(): invalid next size" on any script with a longer 2nd line). */
      if (len + 1 > cap) {
        cap = len + 1;
        buf = xrealloc(buf, cap);
      }
      buf[len] = '\0';
      int saved = sh_line;
      sh_line = start_line;
      if (run_text(buf, eof) == 0) {
        len = 0;
        start_line = saved + 1;
      }
      sh_line = saved + 1;
      if (sh_exit_requested || eof) break;
    }
  }
  free(buf);
}

int main(int argc, char **argv) {
  extern char **environ;
  sh_shell_pid = getpid();
  sh_init_vars(environ);
  sh_name = argv[0] && argv[0][0] ? argv[0] : "sh";
  if (strrchr(sh_name, '/')) sh_name = strrchr(sh_name, '/') + 1;
  int i = 1;
  const char *command = NULL;
  int from_stdin = 0;
  for (; i < argc && argv[i][0] == '-' && argv[i][1]; ++i) {
    if (strcmp(argv[i], "--") == 0) {
      ++i;
      break;
    }
    for (const char *o = argv[i] + 1; *o; ++o) {
      if (*o == 'c') from_stdin = 0, command = "";
      else if (*o == 's') from_stdin = 1;
      /* -e, -x, -u and others are accepted and ignored */
    }
  }
  if (command) {
    if (i >= argc) {
      sh_error("-c requires an argument");
      return 2;
    }
    command = argv[i++];
    if (i < argc) sh_name = argv[i++];
  } else if (!from_stdin && i < argc) {
    /* sh script [args]: $0 is the script */
    const char *script = argv[i++];
    int fd = open(script, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      sh_error("Can't open %s", script);
      return 127;
    }
    sh_name = script;
    sh_params = argv + i;
    sh_nparams = argc - i;
    run_fd(fd);
    close(fd);
    return sh_status;
  }
  sh_params = argv + i;
  sh_nparams = argc - i;
  if (command) run_text(command, 1);
  else run_fd(0);
  return sh_status;
}
