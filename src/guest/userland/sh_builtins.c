/* sh: the builtins (cd exit export unset true false : echo pwd; exec is in
 * sh_exec.c). They write with write(2), since their descriptors may be redirected. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "echo_core.h"
#include "sh.h"

static void say(int fd, const char *s) {
  size_t len = strlen(s);
  while (len > 0) {
    ssize_t n = write(fd, s, len);
    if (n <= 0) return;
    s += n;
    len -= (size_t)n;
  }
}

static int do_cd(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : sh_getvar("HOME");
  int print = 0;
  if (dir && strcmp(dir, "-") == 0) {
    dir = sh_getvar("OLDPWD");
    print = 1;
  }
  if (!dir || !*dir) dir = "/";
  char *target = xstrdup(dir);
  if (chdir(target) != 0) {
    sh_error("cd: can't cd to %s", target);
    free(target);
    return 2;
  }
  free(target);
  char cwd[4096];
  const char *old = sh_getvar("PWD");
  if (old) sh_setvar("OLDPWD", old, 0);
  if (getcwd(cwd, sizeof cwd)) {
    sh_setvar("PWD", cwd, 0);
    if (print) {
      say(1, cwd);
      say(1, "\n");
    }
  }
  return 0;
}

static int do_exit(int argc, char **argv) {
  sh_exit_requested = 1;
  if (argc > 1) {
    char *end;
    long v = strtol(argv[1], &end, 10);
    if (*end || !*argv[1] || v < 0) {
      sh_error("exit: Illegal number: %s", argv[1]);
      return 2;
    }
    return (int)(v & 255);
  }
  return sh_status;
}

static int do_export(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    char *eq = strchr(argv[i], '=');
    if (eq) {
      *eq = '\0';
      sh_setvar(argv[i], eq + 1, 1);
      *eq = '=';
    } else {
      sh_export(argv[i]);
    }
  }
  if (argc == 1) {
    char **env = sh_environ(NULL, 0);
    for (char **e = env; *e; ++e) {
      char *eq = strchr(*e, '=');
      *eq = '\0';
      say(1, "export ");
      say(1, *e);
      say(1, "='");
      say(1, eq + 1);
      say(1, "'\n");
      free(*e);
    }
    free(env);
  }
  return 0;
}

/* set [-options] [-- args]: options are accepted and ignored; the arguments become
 * the positional parameters. */
static int do_set(int argc, char **argv) {
  int i = 1;
  for (; i < argc && (argv[i][0] == '-' || argv[i][0] == '+') && argv[i][1]; ++i) {
    if (strcmp(argv[i], "--") == 0) {
      ++i;
      break;
    }
  }
  if (i < argc || (argc > 1 && strcmp(argv[argc - 1], "--") == 0)) {
    sh_nparams = argc - i;
    sh_params = xmalloc((size_t)(sh_nparams + 1) * sizeof *sh_params);
    for (int k = 0; k < sh_nparams; ++k) sh_params[k] = xstrdup(argv[i + k]);
    sh_params[sh_nparams] = NULL;
  }
  return 0;
}

/* wait [pid...]: for the given children, or all of them. */
static int do_wait(int argc, char **argv) {
  int status = 0, ws;
  if (argc == 1) {
    while (wait(&ws) > 0 || errno == EINTR) {
    }
    return 0;
  }
  for (int i = 1; i < argc; ++i) {
    pid_t pid = (pid_t)atoi(argv[i]);
    while (waitpid(pid, &ws, 0) < 0) {
      if (errno != EINTR) {
        ws = 127 << 8;
        break;
      }
    }
    status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
  }
  return status;
}

static const char *const builtins[] = {"cd",    "exit", "export", "unset", "true", "false",
                                       ":",     "echo", "pwd",    "set",   "wait", NULL};

int sh_is_builtin(const char *name) {
  for (const char *const *b = builtins; *b; ++b) {
    if (strcmp(*b, name) == 0) return 1;
  }
  return 0;
}

int sh_builtin(char **argv, int argc) {
  const char *name = argv[0];
  if (strcmp(name, "cd") == 0) return do_cd(argc, argv);
  if (strcmp(name, "exit") == 0) return do_exit(argc, argv);
  if (strcmp(name, "export") == 0) return do_export(argc, argv);
  if (strcmp(name, "unset") == 0) {
    for (int i = 1; i < argc; ++i) sh_unsetvar(argv[i]);
    return 0;
  }
  if (strcmp(name, "set") == 0) return do_set(argc, argv);
  if (strcmp(name, "wait") == 0) return do_wait(argc, argv);
  if (strcmp(name, "true") == 0 || strcmp(name, ":") == 0) return 0;
  if (strcmp(name, "false") == 0) return 1;
  if (strcmp(name, "echo") == 0) {
    if (echo_run(argc, argv) == 0) return 0;
    sh_error("echo: echo: I/O error");
    return 1;
  }
  if (strcmp(name, "pwd") == 0) {
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd)) {
      sh_error("pwd: %s", strerror(errno));
      return 2;
    }
    say(1, cwd);
    say(1, "\n");
    return 0;
  }
  return 127;
}
