/* sh: vmlab's small POSIX-like shell, enough for system() and `sh -c`: words with
 * quotes and backslashes, $VAR ${VAR} $? $$ $! $# $0..$9 and ~, pipelines, ; & && ||,
 * ! , redirections (< > >> <> n>&m n<&m n>&-), variable assignments, and the builtins
 * cd exit export unset set wait true false : echo pwd exec. No compound commands
 * (subshells, groups, if, loops), functions, globbing, here-documents or command
 * substitution. Exit statuses as POSIX sh: 127 not found, 126 not executable,
 * 128+n killed by signal n. */
#ifndef VMLAB_SH_H
#define VMLAB_SH_H

#include <stddef.h>

/* Tokens: words keep their quoting (expanded when the command runs, so $? is current);
 * operators are single characters or these codes. */
enum {
  T_WORD = 1,
  T_AND,    /* && */
  T_OR,     /* || */
  T_PIPE,   /* | */
  T_SEMI,   /* ; or newline */
  T_AMP,    /* & */
  T_BANG,   /* ! (as a whole word at a pipeline's start) */
  T_REDIR,  /* a redirection: fd, kind, target word */
  T_END
};

enum { R_IN, R_OUT, R_APPEND, R_RDWR, R_DUPOUT, R_DUPIN };

struct token {
  int type;
  char *text;  /* T_WORD: raw text; T_REDIR: the target word */
  int fd;      /* T_REDIR: the descriptor redirected (-1: the kind's default) */
  int kind;    /* T_REDIR: R_* */
};

struct tokens {
  struct token *v;
  size_t n, cap;
};

/* Lexes `src`. Returns 0, or 1 when the text ends inside a quote or after a
 * continuation (more input is needed; at end of input a final backslash is itself),
 * or -1 with a message printed on a syntax error. */
int sh_lex(const char *src, struct tokens *out, int at_eof);
void sh_free_tokens(struct tokens *t);

/* Variables. */
const char *sh_getvar(const char *name);
void sh_setvar(const char *name, const char *value, int exported);
void sh_unsetvar(const char *name);
void sh_export(const char *name);
void sh_init_vars(char **envp);
/* The environment for a command: exported variables, then `assign` (NAME=value). */
char **sh_environ(char **assign, size_t nassign);

/* Expands one raw word into fields (field splitting applies to unquoted expansions);
 * appends them to *fields. */
void sh_expand(const char *raw, char ***fields, size_t *nfields, size_t *cap);
/* Expands without splitting (redirection targets, assignment values). */
char *sh_expand_one(const char *raw);

/* Runs tokens [0, n): returns the last status. */
int sh_run(struct token *t, size_t n);

/* Shell state. */
extern int sh_status;      /* $? */
extern int sh_shell_pid;   /* $$ */
extern int sh_last_bg;     /* $! */
extern int sh_line;        /* the line being run, for messages */
extern const char *sh_name; /* $0 */
extern char **sh_params;   /* $1.. */
extern int sh_nparams;
extern int sh_exit_requested;

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A message as dash prints it: "sh: LINE: text\n" on stderr. */
void sh_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
