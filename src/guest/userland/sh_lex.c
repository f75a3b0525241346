/* sh: splitting input into words and operators (POSIX "Token Recognition"). Words
 * keep their quotes and backslashes; they are expanded when their command runs. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sh.h"

static void push(struct tokens *t, struct token tok) {
  if (t->n == t->cap) {
    t->cap = t->cap ? 2 * t->cap : 16;
    t->v = xrealloc(t->v, t->cap * sizeof *t->v);
  }
  t->v[t->n++] = tok;
}

static int lex_at_eof;

static int is_blank(char c) { return c == ' ' || c == '\t'; }
static int ends_word(char c) {
  return c == '\0' || is_blank(c) || c == '\n' || c == ';' || c == '&' || c == '|' || c == '<' || c == '>' ||
         c == '(' || c == ')';
}

/* Scans one word from s[*i]. Returns 0, 1 (input ends inside a quote) or -1. */
static int scan_word(const char *s, size_t *i) {
  while (!ends_word(s[*i])) {
    char c = s[*i];
    if (c == '\'') {
      const char *end = strchr(s + *i + 1, '\'');
      if (!end) return 1;
      *i = (size_t)(end - s) + 1;
    } else if (c == '"') {
      size_t j = *i + 1;
      while (s[j] && s[j] != '"') j += (s[j] == '\\' && s[j + 1]) ? 2 : 1;
      if (!s[j]) return 1;
      *i = j + 1;
    } else if (c == '\\') {
      if (!s[*i + 1] && !lex_at_eof) return 1;
      *i += s[*i + 1] ? 2 : 1;
    } else if (c == '$' && s[*i + 1] == '{') {
      const char *end = strchr(s + *i + 2, '}');
      if (!end) {
        sh_error("Syntax error: Missing '}'");
        return -1;
      }
      *i = (size_t)(end - s) + 1;
    } else {
      ++*i;
    }
  }
  return 0;
}

/* After an operator a command may start: "!" there negates the pipeline. */
static int at_command_start(const struct tokens *t) {
  if (t->n == 0) return 1;
  int last = t->v[t->n - 1].type;
  return last == T_SEMI || last == T_AND || last == T_OR || last == T_PIPE || last == T_AMP;
}

int sh_lex(const char *s, struct tokens *out, int at_eof) {
  size_t i = 0;
  lex_at_eof = at_eof;
  for (;;) {
    while (is_blank(s[i])) ++i;
    if (s[i] == '\\' && s[i + 1] == '\n') {  /* line continuation */
      i += 2;
      continue;
    }
    if (s[i] == '\\' && s[i + 1] == '\0' && !at_eof) return 1;
    char c = s[i];
    if (c == '\0') break;
    if (c == '#') {
      while (s[i] && s[i] != '\n') ++i;
      continue;
    }
    if (c == ';' && s[i + 1] == ';') {
      sh_error("Syntax error: \";;\" unexpected");
      return -1;
    }
    if (c == '\n' || c == ';') {
      push(out, (struct token){T_SEMI, NULL, 0, 0});
      ++i;
      continue;
    }
    if (c == '&' || c == '|') {
      int twice = s[i + 1] == c;
      int type = c == '&' ? (twice ? T_AND : T_AMP) : (twice ? T_OR : T_PIPE);
      push(out, (struct token){type, NULL, 0, 0});
      i += twice ? 2 : 1;
      continue;
    }
    if (c == '(' || c == ')') {
      sh_error("Syntax error: \"%c\" unexpected", c);
      return -1;
    }
    /* A redirection, with an optional descriptor number written just before it. */
    size_t j = i;
    while (isdigit((unsigned char)s[j])) ++j;
    if (s[j] == '<' || s[j] == '>') {
      int fd = j > i ? atoi(s + i) : -1;
      int kind;
      if (s[j] == '<') {
        kind = s[j + 1] == '&' ? R_DUPIN : s[j + 1] == '>' ? R_RDWR : R_IN;
        j += kind == R_IN ? 1 : 2;
      } else {
        kind = s[j + 1] == '>' ? R_APPEND : s[j + 1] == '&' ? R_DUPOUT : R_OUT;
        j += kind == R_OUT ? (s[j + 1] == '|' ? 2 : 1) : 2;
      }
      while (is_blank(s[j])) ++j;
      size_t start = j;
      int r = scan_word(s, &j);
      if (r) return r;
      if (j == start) {
        if (s[j] == '\0' || s[j] == '\n') sh_error("Syntax error: newline unexpected");
        else sh_error("Syntax error: \"%c\" unexpected", s[j]);
        return -1;
      }
      push(out, (struct token){T_REDIR, xstrndup(s + start, j - start), fd, kind});
      i = j;
      continue;
    }
    size_t start = i;
    int r = scan_word(s, &i);
    if (r) return r;
    if (i - start == 1 && s[start] == '!' && at_command_start(out)) {
      push(out, (struct token){T_BANG, NULL, 0, 0});
      continue;
    }
    push(out, (struct token){T_WORD, xstrndup(s + start, i - start), 0, 0});
  }
  return 0;
}

void sh_free_tokens(struct tokens *t) {
  for (size_t i = 0; i < t->n; ++i) free(t->v[i].text);
  free(t->v);
  t->v = NULL;
  t->n = t->cap = 0;
}
