/* echo: coreutils semantics (an argument is an option only when it is all of
 * -[neE]; \c stops all output; \0NNN octal and \xHH hex escapes). */
#include "echo_core.h"

#include <string.h>
#include <unistd.h>

struct out {
  char buf[4096];
  size_t len;
  int failed;
};

static void flush(struct out *o) {
  size_t done = 0;
  while (done < o->len) {
    ssize_t n = write(1, o->buf + done, o->len - done);
    if (n <= 0) {
      o->failed = 1;
      break;
    }
    done += (size_t)n;
  }
  o->len = 0;
}

static void put(struct out *o, char c) {
  if (o->len == sizeof o->buf) flush(o);
  o->buf[o->len++] = c;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Writes `s` interpreting escapes; returns 0 when \c ends the output. */
static int put_escaped(struct out *o, const char *s) {
  for (; *s; ++s) {
    if (*s != '\\' || !s[1]) {
      put(o, *s);
      continue;
    }
    char c = *++s;
    switch (c) {
      case 'a': put(o, '\a'); break;
      case 'b': put(o, '\b'); break;
      case 'c': return 0;
      case 'e': put(o, 27); break;
      case 'f': put(o, '\f'); break;
      case 'n': put(o, '\n'); break;
      case 'r': put(o, '\r'); break;
      case 't': put(o, '\t'); break;
      case 'v': put(o, '\v'); break;
      case '\\': put(o, '\\'); break;
      case 'x': {
        int v = hexval(s[1]);
        if (v < 0) {
          put(o, '\\');
          put(o, 'x');
          break;
        }
        ++s;
        if (hexval(s[1]) >= 0) v = v * 16 + hexval(*++s);
        put(o, (char)v);
        break;
      }
      case '0': {
        int v = 0;
        for (int i = 0; i < 3 && s[1] >= '0' && s[1] <= '7'; ++i) v = v * 8 + (*++s - '0');
        put(o, (char)v);
        break;
      }
      default:
        put(o, '\\');
        put(o, c);
    }
  }
  return 1;
}

int echo_run(int argc, char **argv) {
  int newline = 1, escapes = 0, i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1]; ++i) {
    if (strspn(argv[i] + 1, "neE") != strlen(argv[i] + 1)) break;
    for (const char *c = argv[i] + 1; *c; ++c) {
      if (*c == 'n') newline = 0;
      else if (*c == 'e') escapes = 1;
      else escapes = 0;
    }
  }
  struct out o = {.len = 0, .failed = 0};
  for (int first = i; i < argc; ++i) {
    if (i > first) put(&o, ' ');
    if (escapes) {
      if (!put_escaped(&o, argv[i])) {
        flush(&o);
        return o.failed;
      }
    } else {
      for (const char *c = argv[i]; *c; ++c) put(&o, *c);
    }
  }
  if (newline) put(&o, '\n');
  flush(&o);
  return o.failed;
}
