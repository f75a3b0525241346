/* sh: running lists, and-or lists, pipelines and simple commands (POSIX "Shell
 * Commands"): redirections, assignments, builtins, and programs found on PATH. */
#define _GNU_SOURCE  /* pipe2() */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sh.h"

int sh_is_builtin(const char *name);
int sh_builtin(char **argv, int argc);

/* The wait status as $? shows it: the exit code, or 128 + the signal. */
static int status_of(int ws) {
  if (WIFEXITED(ws)) return WEXITSTATUS(ws);
  if (WIFSIGNALED(ws)) return 128 + WTERMSIG(ws);
  return 1;
}

/* Waits for a child; `report`: say how a command killed by a signal died, as dash
 * does ("Segmentation fault", "Killed"; not for SIGINT or SIGPIPE). */
static int wait_for(pid_t pid, int report) {
  int ws = 0;
  while (waitpid(pid, &ws, 0) < 0) {
    if (errno != EINTR) return 1;
  }
  if (report && WIFSIGNALED(ws) && WTERMSIG(ws) != SIGINT && WTERMSIG(ws) != SIGPIPE) {
    char msg[128];
    int n = snprintf(msg, sizeof msg, "%s%s\n", strsignal(WTERMSIG(ws)), WCOREDUMP(ws) ? " (core dumped)" : "");
    write(2, msg, (size_t)n);
  }
  return status_of(ws);
}

/* A token at `i` that ends an and-or list, a pipeline or a command. */
static int is_op(int type) { return type == T_SEMI || type == T_AMP || type == T_AND || type == T_OR || type == T_PIPE; }

static int syntax_ok(struct token *t, size_t n) {
  int need_command = 1;  /* after an operator, a command must follow */
  for (size_t i = 0; i < n; ++i) {
    int ty = t[i].type;
    if (ty == T_BANG) continue;
    if (is_op(ty)) {
      if (need_command && !(ty == T_SEMI && (i == 0 || t[i - 1].type == T_SEMI || t[i - 1].type == T_AMP))) {
        static const char *names[] = {"", "", "&&", "||", "|", ";", "&"};
        sh_error("Syntax error: \"%s\" unexpected", names[ty]);
        return 0;
      }
      need_command = ty != T_SEMI && ty != T_AMP;
    } else {
      need_command = 0;
    }
  }
  if (need_command && n > 0 && (t[n - 1].type == T_AND || t[n - 1].type == T_OR || t[n - 1].type == T_PIPE)) {
    sh_error("Syntax error: end of file unexpected");
    return 0;
  }
  return 1;
}

/* Applies redirections; `saved` (10 slots, or NULL) receives the descriptors to put
 * back afterwards. Returns 0, or -1 with a message. */
static int redirect(struct token *t, size_t n, int *saved) {
  for (size_t i = 0; i < n; ++i) {
    if (t[i].type != T_REDIR) continue;
    int kind = t[i].kind;
    int fd = t[i].fd >= 0 ? t[i].fd : (kind == R_IN || kind == R_DUPIN || kind == R_RDWR) ? 0 : 1;
    char *target = sh_expand_one(t[i].text);
    int src;
    if (kind == R_DUPOUT || kind == R_DUPIN) {
      if (strcmp(target, "-") == 0) {
        src = -2;
      } else {
        char *end;
        src = (int)strtol(target, &end, 10);
        if (*end || !*target) {
          sh_error("Syntax error: Bad fd number");
          free(target);
          return -1;
        }
        if (fcntl(src, F_GETFD) < 0) {
          sh_error("%s: Bad file descriptor", target);
          free(target);
          return -1;
        }
      }
    } else {
      int flags = kind == R_IN ? O_RDONLY : kind == R_RDWR ? O_RDWR | O_CREAT
                : kind == R_APPEND ? O_WRONLY | O_CREAT | O_APPEND : O_WRONLY | O_CREAT | O_TRUNC;
      src = open(target, flags | O_CLOEXEC, 0666);
      if (src < 0) {
        /* dash's words: "cannot open X: No such file", "cannot create X: Directory nonexistent". */
        if (kind == R_IN) sh_error("cannot open %s: %s", target, errno == ENOENT ? "No such file" : strerror(errno));
        else sh_error("cannot create %s: %s", target, errno == ENOENT ? "Directory nonexistent" : strerror(errno));
        free(target);
        return -1;
      }
    }
    free(target);
    if (saved && fd < 10 && saved[fd] == -1) {
      int copy = fcntl(fd, F_DUPFD_CLOEXEC, 10);
      saved[fd] = copy >= 0 ? copy : -3;  /* -3: was closed */
    }
    if (src == -2) {
      close(fd);
    } else if (src != fd) {
      dup2(src, fd);
      if (kind != R_DUPOUT && kind != R_DUPIN) close(src);
    }
  }
  return 0;
}

static void restore(int *saved) {
  for (int fd = 0; fd < 10; ++fd) {
    if (saved[fd] == -1) continue;
    if (saved[fd] == -3) {
      close(fd);
    } else {
      dup2(saved[fd], fd);
      close(saved[fd]);
    }
  }
}

/* execve() of a program, searching PATH when the name has no '/'. Returns only on
 * failure, with the status to exit with (126 or 127). */
static int exec_program(char **argv, char **envp) {
  int saw_eacces = 0;
  if (strchr(argv[0], '/')) {
    execve(argv[0], argv, envp);
    int e = errno;
    sh_error("%s: %s", argv[0], e == ENOENT ? "not found" : strerror(e));
    return e == ENOENT ? 127 : 126;
  }
  const char *path = sh_getvar("PATH");
  if (!path) path = "/bin:/usr/bin";
  size_t len = strlen(argv[0]);
  while (1) {
    const char *colon = strchr(path, ':');
    size_t dlen = colon ? (size_t)(colon - path) : strlen(path);
    char *full = xmalloc(dlen + len + 2);
    if (dlen == 0) snprintf(full, dlen + len + 2, "%s", argv[0]);
    else snprintf(full, dlen + len + 2, "%.*s/%s", (int)dlen, path, argv[0]);
    execve(full, argv, envp);
    if (errno == EACCES) saw_eacces = 1;
    free(full);
    if (!colon) break;
    path = colon + 1;
  }
  sh_error("%s: %s", argv[0], saw_eacces ? "Permission denied" : "not found");
  return saw_eacces ? 126 : 127;
}

/* A simple command: tokens up to an operator. `forked`: already in a child of its
 * own (a pipeline member), so a program replaces it. */
static int run_simple(struct token *t, size_t n, int forked) {
  char **argv = NULL;
  size_t argc = 0, cap = 0;
  char **assign = NULL;
  size_t nassign = 0;
  for (size_t i = 0; i < n; ++i) {
    if (t[i].type != T_WORD) continue;
    const char *eq = strchr(t[i].text, '=');
    int is_assign = argc == 0 && eq && eq != t[i].text;
    for (const char *c = t[i].text; is_assign && c < eq; ++c) {
      if (!(*c == '_' || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (c > t[i].text && *c >= '0' && *c <= '9'))) {
        is_assign = 0;
      }
    }
    if (is_assign) {
      char *value = sh_expand_one(eq + 1);
      size_t need = (size_t)(eq - t[i].text) + strlen(value) + 2;
      assign = xrealloc(assign, (nassign + 1) * sizeof *assign);
      assign[nassign] = xmalloc(need);
      snprintf(assign[nassign++], need, "%.*s=%s", (int)(eq - t[i].text), t[i].text, value);
      free(value);
    } else {
      sh_expand(t[i].text, &argv, &argc, &cap);
    }
  }
  argv = xrealloc(argv, (argc + 1) * sizeof *argv);
  argv[argc] = NULL;
  int status = 0;
  if (argc == 0) {
    /* Assignments alone set shell variables; redirections alone open and close. */
    for (size_t a = 0; a < nassign; ++a) {
      char *eq = strchr(assign[a], '=');
      *eq = '\0';
      sh_setvar(assign[a], eq + 1, 0);
    }
    int saved[10];
    memset(saved, -1, sizeof saved);
    status = redirect(t, n, saved) < 0 ? 2 : 0;
    restore(saved);
  } else if (strcmp(argv[0], "exec") == 0) {
    /* exec: the redirections stay; with a command, it replaces the shell. */
    if (redirect(t, n, NULL) < 0) {
      status = 2;
    } else if (argc > 1) {
      char **envp = sh_environ(assign, nassign);
      status = exec_program(argv + 1, envp);
      sh_exit_requested = 1;
    }
  } else if (sh_is_builtin(argv[0])) {
    /* In the shell itself, with the redirections undone afterwards. */
    int saved[10];
    memset(saved, -1, sizeof saved);
    status = redirect(t, n, forked ? NULL : saved) < 0 ? 2 : sh_builtin(argv, (int)argc);
    if (!forked) restore(saved);
  } else {
    char **envp = sh_environ(assign, nassign);
    pid_t pid = forked ? 0 : fork();
    if (pid == 0) {
      if (redirect(t, n, NULL) < 0) _exit(2);
      _exit(exec_program(argv, envp));
    }
    status = pid < 0 ? 2 : wait_for(pid, 1);
    for (char **e = envp; *e; ++e) free(*e);
    free(envp);
  }
  for (size_t i = 0; i < argc; ++i) free(argv[i]);
  free(argv);
  for (size_t a = 0; a < nassign; ++a) free(assign[a]);
  free(assign);
  return status;
}

static int run_pipeline(struct token *t, size_t n) {
  int negate = n > 0 && t[0].type == T_BANG;
  if (negate) {
    ++t;
    --n;
  }
  size_t ncmds = 1;
  for (size_t i = 0; i < n; ++i) ncmds += t[i].type == T_PIPE;
  int status;
  if (ncmds == 1) {
    status = run_simple(t, n, 0);
  } else {
    pid_t *pids = xmalloc(ncmds * sizeof *pids);
    int in = -1;
    size_t start = 0, k = 0;
    for (size_t i = 0; i <= n; ++i) {
      if (i < n && t[i].type != T_PIPE) continue;
      int pipefd[2] = {-1, -1};
      int last = i == n;
      if (!last && pipe2(pipefd, O_CLOEXEC) < 0) {
        sh_error("pipe: %s", strerror(errno));
        break;
      }
      pid_t pid = fork();
      if (pid == 0) {
        if (in >= 0) dup2(in, 0);
        if (!last) dup2(pipefd[1], 1);
        _exit(run_simple(t + start, i - start, 1));
      }
      pids[k++] = pid;
      if (in >= 0) close(in);
      if (!last) close(pipefd[1]);
      in = pipefd[0];
      start = i + 1;
    }
    if (in >= 0) close(in);
    status = 0;
    for (size_t j = 0; j < k; ++j) {
      int s = pids[j] > 0 ? wait_for(pids[j], j == ncmds - 1) : 2;
      if (j == ncmds - 1) status = s;
    }
    free(pids);
  }
  return negate ? !status : status;
}

static int run_and_or(struct token *t, size_t n) {
  size_t start = 0;
  int op = 0;  /* what joined this pipeline to the previous one */
  int status = 0;
  for (size_t i = 0; i <= n; ++i) {
    if (i < n && t[i].type != T_AND && t[i].type != T_OR) continue;
    if (op == 0 || (op == T_AND && status == 0) || (op == T_OR && status != 0)) {
      status = run_pipeline(t + start, i - start);
      sh_status = status;
      if (sh_exit_requested) return status;
    }
    if (i < n) op = t[i].type;
    start = i + 1;
  }
  return status;
}

int sh_run(struct token *t, size_t n) {
  if (!syntax_ok(t, n)) {
    sh_status = 2;
    return 2;
  }
  size_t start = 0;
  for (size_t i = 0; i <= n; ++i) {
    if (i < n && t[i].type != T_SEMI && t[i].type != T_AMP) continue;
    if (i > start) {
      if (i < n && t[i].type == T_AMP) {
        pid_t pid = fork();
        if (pid == 0) _exit(run_and_or(t + start, i - start));
        sh_last_bg = pid;
        sh_status = 0;
      } else {
        sh_status = run_and_or(t + start, i - start);
      }
      if (sh_exit_requested) break;
    }
    start = i + 1;
  }
  return sh_status;
}
