/* ps: processes from /proc, in procps-ng 4.0's formats:
 *   ps            your processes on your terminal (none here: those without one):
 *                     PID TTY          TIME CMD
 *   ps -e / -A    every process, same columns;  ps -f / -ef  UID PID PPID C STIME TTY TIME CMD
 *   ps -o LIST    the columns named (pid,rss,vsz,comm,...; name=HEADER renames)
 *   ps -p PIDS    those processes;  ps aux / ax / x   BSD selections and formats
 * Column widths and alignment follow procps's format table; the PID width is the
 * length of /proc/sys/kernel/pid_max (5 when it cannot be read). Values wider than a
 * column push the rest of the line right, as procps does. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "read_text.h"

struct proc {
  int pid, ppid, pgrp, session, tty, tpgid, nlwp;
  char state;
  char comm[64];
  long nice;
  unsigned long minflt, majflt, utime, stime;
  unsigned long long starttime;
  unsigned long vsize_bytes;
  unsigned long rss_kb, vsz_kb, locked_kb;
  unsigned euid;
  char *args;  /* cmdline with spaces, or "[comm]" */
};

enum align { LEFT, RIGHT, UNLIMITED, USER };
enum kind { K_PID, K_PPID, K_PGID, K_SID, K_UID, K_USER, K_TTY, K_TIME, K_BSDTIME, K_ARGS, K_COMM, K_RSS, K_VSZ,
            K_VSIZE, K_SZ, K_STAT, K_STATE, K_PCPU, K_PMEM, K_C, K_STIME, K_START, K_MAJFLT, K_MINFLT, K_NI, K_NLWP };

struct spec {
  const char *name, *head;
  int width;
  enum align align;
  enum kind kind;
  int pidmax;  /* width from pid_max */
};

/* procps's format table, for the columns vmlab's ps knows. */
static const struct spec specs[] = {
    {"pid", "PID", 5, RIGHT, K_PID, 1},          {"ppid", "PPID", 5, RIGHT, K_PPID, 1},
    {"pgid", "PGID", 5, RIGHT, K_PGID, 1},       {"pgrp", "PGRP", 5, RIGHT, K_PGID, 1},
    {"sid", "SID", 5, RIGHT, K_SID, 1},          {"sess", "SESS", 5, RIGHT, K_SID, 1},
    {"uid", "UID", 5, RIGHT, K_UID, 0},          {"euid", "EUID", 5, RIGHT, K_UID, 0},
    {"user", "USER", 8, USER, K_USER, 0},        {"uname", "USER", 8, USER, K_USER, 0},
    {"euser", "EUSER", 8, USER, K_USER, 0},      {"tname", "TTY", 8, LEFT, K_TTY, 0},
    {"tty", "TT", 8, LEFT, K_TTY, 0},            {"tt", "TT", 8, LEFT, K_TTY, 0},
    {"time", "TIME", 8, RIGHT, K_TIME, 0},       {"cputime", "TIME", 8, RIGHT, K_TIME, 0},
    {"bsdtime", "TIME", 6, RIGHT, K_BSDTIME, 0}, {"args", "COMMAND", 27, UNLIMITED, K_ARGS, 0},
    {"cmd", "CMD", 27, UNLIMITED, K_ARGS, 0},    {"command", "COMMAND", 27, UNLIMITED, K_ARGS, 0},
    {"comm", "COMMAND", 15, UNLIMITED, K_COMM, 0}, {"ucmd", "CMD", 15, UNLIMITED, K_COMM, 0},
    {"ucomm", "COMMAND", 15, UNLIMITED, K_COMM, 0}, {"rss", "RSS", 5, RIGHT, K_RSS, 0},
    {"rsz", "RSZ", 5, RIGHT, K_RSS, 0},          {"rssize", "RSS", 5, RIGHT, K_RSS, 0},
    {"vsz", "VSZ", 6, RIGHT, K_VSZ, 0},          {"vsize", "VSZ", 6, RIGHT, K_VSIZE, 0},
    {"sz", "SZ", 5, RIGHT, K_SZ, 0},             {"stat", "STAT", 4, LEFT, K_STAT, 0},
    {"s", "S", 1, LEFT, K_STATE, 0},             {"state", "S", 1, LEFT, K_STATE, 0},
    {"pcpu", "%CPU", 4, RIGHT, K_PCPU, 0},       {"%cpu", "%CPU", 4, RIGHT, K_PCPU, 0},
    {"pmem", "%MEM", 4, RIGHT, K_PMEM, 0},       {"%mem", "%MEM", 4, RIGHT, K_PMEM, 0},
    {"c", "C", 2, RIGHT, K_C, 0},                {"stime", "STIME", 5, RIGHT, K_STIME, 0},
    {"start_time", "START", 5, RIGHT, K_STIME, 0}, {"start", "STARTED", 8, RIGHT, K_START, 0},
    {"majflt", "MAJFLT", 6, RIGHT, K_MAJFLT, 0}, {"maj_flt", "MAJFL", 6, RIGHT, K_MAJFLT, 0},
    {"minflt", "MINFLT", 6, RIGHT, K_MINFLT, 0}, {"min_flt", "MINFL", 6, RIGHT, K_MINFLT, 0},
    {"ni", "NI", 3, RIGHT, K_NI, 0},             {"nice", "NI", 3, RIGHT, K_NI, 0},
    {"nlwp", "NLWP", 4, RIGHT, K_NLWP, 0},
};

struct column {
  const struct spec *spec;
  char head[64];
  int width;
};

static struct column cols[64];
static int ncols;
static long hz;
static double uptime_s;
static unsigned long mem_total_kb;
static time_t boot_time;

static int pid_width(void) {
  char *t = read_text("/proc/sys/kernel/pid_max", NULL);
  if (!t) return 5;
  size_t len = strlen(t);
  if (len && t[len - 1] == '\n') --len;
  free(t);
  return (int)len;
}

/* Adds the columns of a -o list ("pid,rss comm"); "name=HEADER" renames a column
 * (an empty header hides it). Returns -1 on an unknown name. */
static int add_columns(const char *list) {
  const char *s = list;
  while (*s) {
    while (*s == ',' || *s == ' ') ++s;
    if (!*s) break;
    size_t len = strcspn(s, ",= ");
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)len, s);
    const struct spec *spec = NULL;
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; ++i) {
      if (strcmp(specs[i].name, name) == 0) spec = &specs[i];
    }
    if (!spec || ncols == 64) {
      fprintf(stderr, "error: unknown user-defined format specifier \"%s\"\n", name);
      return -1;
    }
    struct column *c = &cols[ncols++];
    c->spec = spec;
    c->width = spec->pidmax ? pid_width() : spec->width;
    s += len;
    if (*s == '=') {
      const size_t hlen = strcspn(s + 1, ",");
      snprintf(c->head, sizeof c->head, "%.*s", (int)hlen, s + 1);
      s += 1 + hlen;
    } else {
      snprintf(c->head, sizeof c->head, "%s", spec->head);
    }
    /* A column is at least as wide as its header (procps sizes PID columns so). */
    if ((int)strlen(c->head) > c->width && spec->pidmax) c->width = (int)strlen(c->head);
  }
  return 0;
}

/* The name /etc/passwd gives `uid`, or the number (read directly rather than through
 * getpwuid(), which would need NSS modules in a static build). */
static void user_name(char *out, size_t n, unsigned uid) {
  static char *passwd;
  static int loaded;
  if (!loaded) {
    passwd = read_text("/etc/passwd", NULL);
    loaded = 1;
  }
  for (const char *line = passwd; line && *line;) {
    const char *end = strchr(line, '\n');
    const char *c1 = strchr(line, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2 && (!end || c2 < end) && strtoul(c2 + 1, NULL, 10) == uid && c2[1] != ':') {
      snprintf(out, n, "%.*s", (int)(c1 - line), line);
      return;
    }
    line = end ? end + 1 : NULL;
  }
  snprintf(out, n, "%u", uid);
}

/* The terminal name of a tty_nr (pts and virtual consoles), or "?" for none. */
static void tty_name(char *out, size_t n, int tty) {
  unsigned major = ((unsigned)tty >> 8) & 0xfff, minor = ((unsigned)tty & 0xff) | (((unsigned)tty >> 12) & 0xfff00);
  if (tty == 0) snprintf(out, n, "?");
  else if (major >= 136 && major <= 143) snprintf(out, n, "pts/%u", minor + (major - 136) * 256);
  else if (major == 4 && minor < 64) snprintf(out, n, "tty%u", minor);
  else if (major == 4) snprintf(out, n, "ttyS%u", minor - 64);
  else snprintf(out, n, "?");
}

static int read_proc(int pid, struct proc *p) {
  char path[64];
  memset(p, 0, sizeof *p);
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  char *stat = read_text(path, NULL);
  if (!stat) return -1;
  char *open = strchr(stat, '('), *close = strrchr(stat, ')');
  if (!open || !close) {
    free(stat);
    return -1;
  }
  p->pid = pid;
  snprintf(p->comm, sizeof p->comm, "%.*s", (int)(close - open - 1), open + 1);
  long nice = 0, nlwp = 0;
  sscanf(close + 2,
         "%c %d %d %d %d %d %*u %lu %*u %lu %*u %lu %lu %*d %*d %*d %ld %ld %*d %llu %lu",
         &p->state, &p->ppid, &p->pgrp, &p->session, &p->tty, &p->tpgid, &p->minflt, &p->majflt, &p->utime,
         &p->stime, &nice, &nlwp, &p->starttime, &p->vsize_bytes);
  p->nice = nice;
  p->nlwp = (int)nlwp;
  free(stat);
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  char *status = read_text(path, NULL);
  if (status) {
    char *l;
    if ((l = strstr(status, "\nUid:"))) sscanf(l + 5, "%*u %u", &p->euid);
    if ((l = strstr(status, "\nVmRSS:"))) p->rss_kb = strtoul(l + 7, NULL, 10);
    if ((l = strstr(status, "\nVmSize:"))) p->vsz_kb = strtoul(l + 8, NULL, 10);
    if ((l = strstr(status, "\nVmLck:"))) p->locked_kb = strtoul(l + 7, NULL, 10);
    free(status);
  }
  snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
  size_t len = 0;
  char *cmd = read_text(path, &len);
  if (cmd && len > 0) {
    while (len > 0 && cmd[len - 1] == '\0') --len;
    for (size_t i = 0; i < len; ++i) {
      if (cmd[i] == '\0') cmd[i] = ' ';
      else if (!isprint((unsigned char)cmd[i])) cmd[i] = '?';
    }
    cmd[len] = '\0';
    p->args = cmd;
  } else {
    free(cmd);
    p->args = malloc(strlen(p->comm) + 3);
    sprintf(p->args, "[%s]", p->comm);
  }
  return 0;
}

static void clock_text(char *out, size_t n, unsigned long ticks, int bsd) {
  unsigned long t = ticks / (unsigned long)hz;
  if (bsd) {
    snprintf(out, n, "%3lu:%02lu", t / 60, t % 60);
    return;
  }
  unsigned long dd = t / 86400;
  int c = dd ? snprintf(out, n, "%lu-", dd) : 0;
  snprintf(out + c, n - (size_t)c, "%02lu:%02lu:%02lu", t / 3600 % 24, t / 60 % 60, t % 60);
}

/* The text of one cell. */
static void cell(char *out, size_t n, const struct column *c, const struct proc *p) {
  const time_t start = boot_time + (time_t)(p->starttime / (unsigned long long)hz);
  /* %CPU and C: CPU time over the time since the process started, in ticks. */
  const double elapsed = uptime_s - (double)p->starttime / (double)hz;
  const unsigned long long jiffies = elapsed > 0 ? (unsigned long long)(elapsed * (double)hz) : 0;
  const unsigned long long ticks = p->utime + p->stime;
  switch (c->spec->kind) {
    case K_PID: snprintf(out, n, "%d", p->pid); break;
    case K_PPID: snprintf(out, n, "%d", p->ppid); break;
    case K_PGID: snprintf(out, n, "%d", p->pgrp); break;
    case K_SID: snprintf(out, n, "%d", p->session); break;
    case K_UID: snprintf(out, n, "%u", p->euid); break;
    case K_USER: user_name(out, n, p->euid); break;
    case K_TTY: tty_name(out, n, p->tty); break;
    case K_TIME: clock_text(out, n, p->utime + p->stime, 0); break;
    case K_BSDTIME: clock_text(out, n, p->utime + p->stime, 1); break;
    case K_ARGS: snprintf(out, n, "%s", p->args); break;
    case K_COMM: snprintf(out, n, "%s", p->comm); break;
    case K_RSS: snprintf(out, n, "%lu", p->rss_kb); break;
    case K_VSZ: snprintf(out, n, "%lu", p->vsz_kb); break;
    case K_VSIZE: snprintf(out, n, "%lu", p->vsize_bytes / 1024); break;
    case K_SZ: snprintf(out, n, "%lu", p->vsz_kb / 4); break;
    case K_STATE: snprintf(out, n, "%c", p->state); break;
    case K_STAT: {
      int e = 0;
      out[e++] = p->state;
      if (p->nice < 0) out[e++] = '<';
      if (p->nice > 0) out[e++] = 'N';
      if (p->locked_kb) out[e++] = 'L';
      if (p->session == p->pid) out[e++] = 's';
      if (p->nlwp > 1) out[e++] = 'l';
      if (p->pgrp == p->tpgid) out[e++] = '+';
      out[e] = '\0';
      break;
    }
    case K_PCPU: {
      const unsigned long long pcpu = jiffies ? ticks * 1000ULL / jiffies : 0;
      if (pcpu > 999) snprintf(out, n, "%llu", pcpu / 10);
      else snprintf(out, n, "%llu.%llu", pcpu / 10, pcpu % 10);
      break;
    }
    case K_PMEM: {
      unsigned long long pmem = mem_total_kb ? p->rss_kb * 1000ULL / mem_total_kb : 0;
      if (pmem > 999) pmem = 999;
      snprintf(out, n, "%2llu.%llu", pmem / 10, pmem % 10);
      break;
    }
    case K_C: {
      const unsigned long long c100 = jiffies ? ticks * 100ULL / jiffies : 0;
      snprintf(out, n, "%2llu", c100 > 99 ? 99 : c100);
      break;
    }
    case K_STIME:
    case K_START: {
      struct tm tm;
      localtime_r(&start, &tm);
      const int today = time(NULL) - start < 24 * 3600;
      if (c->spec->kind == K_START) strftime(out, n, today ? "%H:%M:%S" : "%b %d", &tm);
      else strftime(out, n, today ? "%H:%M" : "%b%d", &tm);
      break;
    }
    case K_MAJFLT: snprintf(out, n, "%lu", p->majflt); break;
    case K_MINFLT: snprintf(out, n, "%lu", p->minflt); break;
    case K_NI: snprintf(out, n, "%ld", p->nice); break;
    case K_NLWP: snprintf(out, n, "%d", p->nlwp); break;
  }
}

/* One line (p NULL: the header), laid out as procps's show_one_proc() does: each
 * column wants to end at its place; one that ran over is followed by one space. */
static void line(const struct proc *p) {
  int correct = 0, actual = 0, dospace = 0;
  char text[4096];
  for (int i = 0; i < ncols; ++i) {
    const struct column *c = &cols[i];
    if (p) cell(text, sizeof text, c, p);
    else snprintf(text, sizeof text, "%s", c->head);
    const int amount = (int)strlen(text);
    int leftpad = 0;
    if (c->spec->align == RIGHT) leftpad = c->width > amount ? c->width - amount : 0;
    int space = correct - actual + leftpad;
    if (space < 1) space = dospace;
    printf("%*s%s", space, "", text);
    if (i == ncols - 1) break;
    actual += space + amount;
    correct += c->width + 1;
    dospace = 1;
  }
  printf("\n");
}

static void usage(void) {
  fprintf(stderr, "usage: ps [-e|-A] [-f] [-o format] [-p pidlist] [aux] [--no-headers]\n");
  exit(1);
}

int main(int argc, char **argv) {
  int all = 0, full = 0, headers = 1, bsd_a = 0, bsd_u = 0, bsd_x = 0;
  int want_pids[256], nwant = 0;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (strcmp(a, "--no-headers") == 0 || strcmp(a, "--no-heading") == 0) {
      headers = 0;
    } else if (a[0] == '-' && a[1] != '-') {
      for (const char *o = a + 1; *o; ++o) {
        if (*o == 'e' || *o == 'A') all = 1;
        else if (*o == 'f') full = 1;
        else if (*o == 'o' || *o == 'p') {
          const char *arg = o[1] ? o + 1 : (i + 1 < argc ? argv[++i] : NULL);
          if (!arg) usage();
          if (*o == 'o') {
            if (add_columns(arg) < 0) return 1;
          } else {
            char *copy = strdup(arg), *save = NULL;
            for (char *t = strtok_r(copy, ", ", &save); t && nwant < 256; t = strtok_r(NULL, ", ", &save)) {
              want_pids[nwant++] = atoi(t);
            }
            free(copy);
          }
          break;
        } else {
          usage();
        }
      }
    } else if (a[0] != '-') {
      /* BSD options without a dash. */
      for (const char *o = a; *o; ++o) {
        if (*o == 'a') bsd_a = 1;
        else if (*o == 'u') bsd_u = 1;
        else if (*o == 'x') bsd_x = 1;
        else if (*o == 'w') continue;
        else usage();
      }
    } else {
      usage();
    }
  }
  hz = sysconf(_SC_CLK_TCK);
  if (hz <= 0) hz = 100;
  char *up = read_text("/proc/uptime", NULL);
  uptime_s = up ? strtod(up, NULL) : 0;
  free(up);
  boot_time = time(NULL) - (time_t)uptime_s;
  char *mi = read_text("/proc/meminfo", NULL);
  if (mi && strstr(mi, "MemTotal:")) mem_total_kb = strtoul(strstr(mi, "MemTotal:") + 9, NULL, 10);
  free(mi);

  const int bsd = bsd_a || bsd_u || bsd_x;
  if (ncols == 0) {
    if (bsd_u) add_columns("user,pid,pcpu,pmem,vsz,rss,tname,stat,start_time,bsdtime,args");
    else if (bsd) add_columns("pid,tname,stat,bsdtime,args");
    else if (full) add_columns("user=UID"), add_columns("pid,ppid,c,stime,tname,time,cmd");
    else add_columns("pid,tname,time,ucmd");
  }
  struct proc self;
  if (read_proc(getpid(), &self) < 0) {
    fprintf(stderr, "ps: cannot read /proc/self\n");
    return 1;
  }
  const unsigned my_euid = (unsigned)geteuid();
  int any_header = 0;
  for (int i = 0; i < ncols; ++i) any_header |= cols[i].head[0] != '\0';
  if (headers && any_header) line(NULL);

  DIR *d = opendir("/proc");
  if (!d) {
    fprintf(stderr, "ps: cannot open /proc\n");
    return 1;
  }
  int pids[4096], n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 4096) {
    if (isdigit((unsigned char)e->d_name[0])) pids[n++] = atoi(e->d_name);
  }
  closedir(d);
  int shown = 0;
  for (int i = 0; i < n; ++i) {
    struct proc p;
    if (read_proc(pids[i], &p) < 0) continue;  /* gone since the listing */
    int pick;
    if (nwant) {
      pick = 0;
      for (int k = 0; k < nwant; ++k) pick |= want_pids[k] == p.pid;
    } else if (all || (bsd_a && bsd_x)) {
      pick = 1;
    } else if (bsd) {
      pick = (bsd_a ? p.tty != 0 : p.euid == my_euid) && (bsd_x || p.tty != 0 || bsd_a);
    } else {
      pick = p.euid == my_euid && p.tty == self.tty;  /* same user, same terminal */
    }
    if (pick) {
      line(&p);
      ++shown;
    }
    free(p.args);
  }
  free(self.args);
  return shown ? 0 : 1;
}
