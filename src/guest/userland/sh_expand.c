/* sh: variables and word expansion (POSIX "Word Expansions": tilde, parameters,
 * field splitting of unquoted results, quote removal). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh.h"

struct var {
  char *name, *value;
  int exported;
};
static struct var *vars;
static size_t nvars, capvars;

static struct var *find(const char *name, size_t len) {
  for (size_t i = 0; i < nvars; ++i) {
    if (strlen(vars[i].name) == len && memcmp(vars[i].name, name, len) == 0) return &vars[i];
  }
  return NULL;
}

const char *sh_getvar(const char *name) {
  struct var *v = find(name, strlen(name));
  return v ? v->value : NULL;
}

void sh_setvar(const char *name, const char *value, int exported) {
  struct var *v = find(name, strlen(name));
  if (!v) {
    if (nvars == capvars) {
      capvars = capvars ? 2 * capvars : 32;
      vars = xrealloc(vars, capvars * sizeof *vars);
    }
    v = &vars[nvars++];
    v->name = xstrdup(name);
    v->value = NULL;
    v->exported = 0;
  }
  free(v->value);
  v->value = xstrdup(value);
  v->exported |= exported;
}

void sh_unsetvar(const char *name) {
  struct var *v = find(name, strlen(name));
  if (!v) return;
  free(v->name);
  free(v->value);
  *v = vars[--nvars];
}

void sh_export(const char *name) {
  struct var *v = find(name, strlen(name));
  if (v) v->exported = 1;
  else sh_setvar(name, "", 1);
}

void sh_init_vars(char **envp) {
  for (; envp && *envp; ++envp) {
    const char *eq = strchr(*envp, '=');
    if (!eq) continue;
    char *name = xstrndup(*envp, (size_t)(eq - *envp));
    sh_setvar(name, eq + 1, 1);
    free(name);
  }
}

char **sh_environ(char **assign, size_t nassign) {
  char **env = xmalloc((nvars + nassign + 1) * sizeof *env);
  size_t n = 0;
  for (size_t i = 0; i < nvars; ++i) {
    if (!vars[i].exported) continue;
    int overridden = 0;
    for (size_t a = 0; a < nassign; ++a) {
      size_t len = strlen(vars[i].name);
      if (strncmp(assign[a], vars[i].name, len) == 0 && assign[a][len] == '=') overridden = 1;
    }
    if (overridden) continue;
    size_t len = strlen(vars[i].name) + strlen(vars[i].value) + 2;
    env[n] = xmalloc(len);
    snprintf(env[n++], len, "%s=%s", vars[i].name, vars[i].value);
  }
  for (size_t a = 0; a < nassign; ++a) env[n++] = xstrdup(assign[a]);
  env[n] = NULL;
  return env;
}

/* The field being built. */
struct builder {
  char *buf;
  size_t len, cap;
  int valid;  /* a field exists even if empty ("" was written) */
  char ***fields;
  size_t *nfields, *capfields;
};

static void add_char(struct builder *b, char c) {
  if (b->len + 2 > b->cap) {
    b->cap = b->cap ? 2 * b->cap : 64;
    b->buf = xrealloc(b->buf, b->cap);
  }
  b->buf[b->len++] = c;
  b->valid = 1;
}

static void end_field(struct builder *b) {
  if (!b->valid) return;
  if (*b->nfields + 1 >= *b->capfields) {
    *b->capfields = *b->capfields ? 2 * *b->capfields : 8;
    *b->fields = xrealloc(*b->fields, *b->capfields * sizeof **b->fields);
  }
  (*b->fields)[(*b->nfields)++] = xstrndup(b->buf ? b->buf : "", b->len);
  b->len = 0;
  b->valid = 0;
}

/* An expansion's text: quoted text joins the field, unquoted text is split at IFS
 * white space (when `split`). */
static void add_text(struct builder *b, const char *s, int quoted, int split) {
  if (quoted) b->valid = 1;
  for (; *s; ++s) {
    if (split && !quoted && (*s == ' ' || *s == '\t' || *s == '\n')) end_field(b);
    else add_char(b, *s);
  }
}

static int is_name_char(char c, int first) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
}

/* The value of parameter `name` (len bytes); NULL when unset. `tmp` holds numbers. */
static const char *param(const char *name, size_t len, char *tmp, size_t tmplen, char **joined) {
  if (len == 1) {
    switch (name[0]) {
      case '?': snprintf(tmp, tmplen, "%d", sh_status); return tmp;
      case '$': snprintf(tmp, tmplen, "%d", sh_shell_pid); return tmp;
      case '!':
        if (!sh_last_bg) return NULL;
        snprintf(tmp, tmplen, "%d", sh_last_bg);
        return tmp;
      case '#': snprintf(tmp, tmplen, "%d", sh_nparams); return tmp;
      case '0': return sh_name;
      case '*': {
        size_t total = 1;
        for (int i = 0; i < sh_nparams; ++i) total += strlen(sh_params[i]) + 1;
        *joined = xmalloc(total);
        (*joined)[0] = '\0';
        for (int i = 0; i < sh_nparams; ++i) {
          if (i) strcat(*joined, " ");
          strcat(*joined, sh_params[i]);
        }
        return *joined;
      }
    }
    if (name[0] >= '1' && name[0] <= '9') {
      int n = name[0] - '0';
      return n <= sh_nparams ? sh_params[n - 1] : NULL;
    }
  }
  char *key = xstrndup(name, len);
  const char *v = sh_getvar(key);
  free(key);
  return v;
}

/* Expands "$..." at s; returns the characters consumed. */
static size_t dollar(const char *s, struct builder *b, int quoted, int split) {
  char tmp[32];
  char *joined = NULL;
  const char *value = NULL;
  size_t used;
  if (s[1] == '{') {
    const char *end = strchr(s + 2, '}');
    if (!end) end = s + strlen(s);
    const char *name = s + 2;
    size_t nlen = 0;
    if (name < end && strchr("?$!#@*0123456789", name[0])) {
      nlen = 1;  /* special and positional parameters are one character */
    } else {
      while (name + nlen < end && is_name_char(name[nlen], nlen == 0)) ++nlen;
    }
    value = param(name, nlen, tmp, sizeof tmp, &joined);
    const char *op = name + nlen;
    /* ${NAME-word} and ${NAME:-word}: the word when unset (or empty, with ':'). */
    int colon = op < end && *op == ':';
    if (op + colon < end && op[colon] == '-') {
      if (!value || (colon && !*value)) {
        char *word = xstrndup(op + colon + 1, (size_t)(end - op - colon - 1));
        char *ex = sh_expand_one(word);
        add_text(b, ex, quoted, split);
        free(ex);
        free(word);
        free(joined);
        return (size_t)(end - s) + (*end ? 1 : 0);
      }
    }
    used = (size_t)(end - s) + (*end ? 1 : 0);
  } else if (s[1] == '@') {
    /* "$@": one field per positional parameter, none when there are none. */
    for (int i = 0; i < sh_nparams; ++i) {
      if (i > 0) {
        if (quoted) end_field(b);
        else add_text(b, " ", 0, split);
      }
      add_text(b, sh_params[i], quoted, split);
    }
    return 2;
  } else if (s[1] && strchr("?$!#*0123456789", s[1])) {
    value = param(s + 1, 1, tmp, sizeof tmp, &joined);
    used = 2;
  } else if (is_name_char(s[1], 1)) {
    size_t n = 1;
    while (is_name_char(s[n], 0)) ++n;
    value = param(s + 1, n - 1, tmp, sizeof tmp, &joined);
    used = n;
  } else {
    add_char(b, '$');  /* a lone $ is itself */
    return 1;
  }
  if (value) add_text(b, value, quoted, split);
  else if (quoted) b->valid = 1;
  free(joined);
  return used;
}

static void expand(const char *raw, struct builder *b, int split) {
  const char *s = raw;
  /* Tilde: ~ or ~/... at the start is $HOME. */
  if (s[0] == '~' && (s[1] == '\0' || s[1] == '/')) {
    const char *home = sh_getvar("HOME");
    add_text(b, home ? home : "~", 1, 0);
    ++s;
  }
  while (*s) {
    if (*s == '\'') {
      b->valid = 1;
      for (++s; *s && *s != '\''; ++s) add_char(b, *s);
      if (*s) ++s;
    } else if (*s == '"') {
      /* The quotes make a field, even an empty one, unless they hold just "$@". */
      if (strncmp(s, "\"$@\"", 4) != 0) b->valid = 1;
      for (++s; *s && *s != '"';) {
        if (*s == '\\' && s[1] && strchr("$`\"\\\n", s[1])) {
          if (s[1] != '\n') add_char(b, s[1]);
          s += 2;
        } else if (*s == '$') {
          s += dollar(s, b, 1, split);
        } else {
          add_char(b, *s++);
        }
      }
      if (*s) ++s;
    } else if (*s == '\\') {
      add_char(b, s[1] ? s[1] : '\\');  /* a final backslash is itself */
      s += s[1] ? 2 : 1;
    } else if (*s == '$') {
      s += dollar(s, b, 0, split);
    } else {
      add_char(b, *s++);
    }
  }
}

void sh_expand(const char *raw, char ***fields, size_t *nfields, size_t *cap) {
  struct builder b = {NULL, 0, 0, 0, fields, nfields, cap};
  expand(raw, &b, 1);
  end_field(&b);
  free(b.buf);
}

char *sh_expand_one(const char *raw) {
  char **fields = NULL;
  size_t n = 0, cap = 0;
  struct builder b = {NULL, 0, 0, 0, &fields, &n, &cap};
  expand(raw, &b, 0);
  b.valid = 1;
  end_field(&b);
  free(b.buf);
  char *out = fields[0];
  free(fields);
  return out;
}
