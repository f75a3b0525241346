/* free: memory use from /proc/meminfo, printed as procps-ng 4.0's free prints it
 * (the layout src/obs/free_format.cc reproduces on the host side):
 *   used       = MemTotal - MemAvailable (MemAvailable falls back to MemFree when it
 *                is 0 or above MemTotal; used falls back to MemTotal - MemFree)
 *   buff/cache = Buffers + Cached + SReclaimable,  shared = Shmem
 * Units: kibibytes by default; -b -k -m -g --tebi --pebi, --kilo --mega --giga --tera
 * --peta (powers of 1000), --si, -h (human readable), -w (wide), -t (total), -v
 * (committed), -l (low/high), -s N / -c N (repeat). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "read_text.h"

enum { F_HUMAN = 1, F_SI = 2, F_LOHI = 4, F_TOTAL = 8, F_COMMITTED = 16, F_WIDE = 32, F_REPEAT = 64, F_COUNT = 128 };

struct meminfo {
  unsigned long total, free, available, buffers, cached, sreclaimable, shmem, swap_total, swap_free;
  unsigned long low_total, low_free, high_total, high_free, commit_limit, committed_as;
  unsigned long used, cached_all, swap_used, low_used, high_used;  /* derived */
};

static unsigned long field(const char *text, const char *name) {
  size_t len = strlen(name);
  for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
    if (strncmp(line, name, len) == 0 && line[len] == ':') return strtoul(line + len + 1, NULL, 10);
  }
  return 0;
}

static int read_meminfo(struct meminfo *m) {
  char *t = read_text("/proc/meminfo", NULL);
  if (!t) return -1;
  memset(m, 0, sizeof *m);
  m->total = field(t, "MemTotal");
  m->free = field(t, "MemFree");
  m->available = field(t, "MemAvailable");
  m->buffers = field(t, "Buffers");
  m->cached = field(t, "Cached");
  m->sreclaimable = field(t, "SReclaimable");
  m->shmem = field(t, "Shmem");
  m->swap_total = field(t, "SwapTotal");
  m->swap_free = field(t, "SwapFree");
  m->low_total = field(t, "LowTotal");
  m->low_free = field(t, "LowFree");
  m->high_total = field(t, "HighTotal");
  m->high_free = field(t, "HighFree");
  m->commit_limit = field(t, "CommitLimit");
  m->committed_as = field(t, "Committed_AS");
  free(t);
  /* The procps library's derived values. */
  if (m->available == 0 || m->available > m->total) m->available = m->free;
  m->cached_all = m->cached + m->sreclaimable;
  long used = (long)m->total - (long)m->available;
  m->used = used < 0 ? m->total - m->free : (unsigned long)used;
  if (m->high_free < m->high_total) m->high_used = m->high_total - m->high_free;
  if (m->low_total == 0) {
    m->low_total = m->total;
    m->low_free = m->free;
  }
  if (m->low_free < m->low_total) m->low_used = m->low_total - m->low_free;
  if (m->swap_free < m->swap_total) m->swap_used = m->swap_total - m->swap_free;
  return 0;
}

static double power(unsigned base, unsigned expo) { return expo == 0 ? 1 : base * power(base, expo - 1); }

/* A size in KiB as procps's scale_size() shows it: in the chosen unit, truncated; or
 * with -h the shortest of "123B", "1.5Ki", "15Ki", ... that fits the column. */
static const char *scale(unsigned long kib, int flags, int exponent) {
  static char buf[64];
  static const char units[] = "BKMGTP";
  const float base = (flags & F_SI) ? 1000.0f : 1024.0f;
  const long long bytes = (long long)kib * 1024LL;
  if (!(flags & F_HUMAN)) {
    if (exponent == 0) snprintf(buf, sizeof buf, "%ld", (long)(bytes / (long long)base));
    else if (exponent == 1) snprintf(buf, sizeof buf, "%lld", bytes);
    else snprintf(buf, sizeof buf, "%ld", (long)(bytes / power((unsigned)base, (unsigned)exponent - 1)));
    return buf;
  }
  if (snprintf(buf, sizeof buf, "%lld%c", bytes, units[0]) <= 4) return buf;
  for (int i = 1; units[i]; ++i) {
    const double v = bytes / power((unsigned)base, (unsigned)i);
    const int limit = (flags & F_SI) ? 4 : 5;
    const char *suffix = (flags & F_SI) ? "" : "i";
    if (snprintf(buf, sizeof buf, "%.1f%c%s", (float)v, units[i], suffix) <= limit) return buf;
    if (snprintf(buf, sizeof buf, "%ld%c%s", (long)v, units[i], suffix) <= limit) return buf;
  }
  return buf;
}

/* A row: the label padded to 9 columns, then 11-wide right-aligned values. */
static void row(const char *label, const unsigned long *v, int n, int flags, int exponent) {
  printf("%-9s", label);
  for (int i = 0; i < n; ++i) printf(i ? " %11s" : "%11s", scale(v[i], flags, exponent));
  printf("\n");
}

static void usage(FILE *out) {
  fprintf(out,
          "\nUsage:\n free [options]\n\nOptions:\n"
          " -b, --bytes         show output in bytes\n"
          "     --kilo          show output in kilobytes\n"
          "     --mega          show output in megabytes\n"
          "     --giga          show output in gigabytes\n"
          "     --tera          show output in terabytes\n"
          "     --peta          show output in petabytes\n"
          " -k, --kibi          show output in kibibytes\n"
          " -m, --mebi          show output in mebibytes\n"
          " -g, --gibi          show output in gibibytes\n"
          "     --tebi          show output in tebibytes\n"
          "     --pebi          show output in pebibytes\n"
          " -h, --human         show human-readable output\n"
          "     --si            use powers of 1000 not 1024\n"
          " -l, --lohi          show detailed low and high memory statistics\n"
          " -t, --total         show total for RAM + swap\n"
          " -v, --committed     show committed memory and commit limit\n"
          " -s N, --seconds N   repeat printing every N seconds\n"
          " -c N, --count N     repeat printing N times, then exit\n"
          " -w, --wide          wide output\n\n"
          "     --help     display this help and exit\n");
  exit(out == stderr ? 1 : 0);
}

int main(int argc, char **argv) {
  enum { SI = 256, KILO, MEGA, GIGA, TERA, PETA, TEBI, PEBI, HELP };
  static const struct option longopts[] = {
      {"bytes", no_argument, NULL, 'b'},    {"kilo", no_argument, NULL, KILO},   {"mega", no_argument, NULL, MEGA},
      {"giga", no_argument, NULL, GIGA},    {"tera", no_argument, NULL, TERA},   {"peta", no_argument, NULL, PETA},
      {"kibi", no_argument, NULL, 'k'},     {"mebi", no_argument, NULL, 'm'},    {"gibi", no_argument, NULL, 'g'},
      {"tebi", no_argument, NULL, TEBI},    {"pebi", no_argument, NULL, PEBI},   {"human", no_argument, NULL, 'h'},
      {"si", no_argument, NULL, SI},        {"lohi", no_argument, NULL, 'l'},    {"total", no_argument, NULL, 't'},
      {"committed", no_argument, NULL, 'v'}, {"seconds", required_argument, NULL, 's'},
      {"count", required_argument, NULL, 'c'}, {"wide", no_argument, NULL, 'w'}, {"help", no_argument, NULL, HELP},
      {NULL, 0, NULL, 0}};
  int flags = 0, exponent = 0, unit_set = 0, c;
  double interval = 1.0;
  long count = 0;
  while ((c = getopt_long(argc, argv, "bkmghltvc:ws:", longopts, NULL)) != -1) {
    int unit = -1, si = 0;
    switch (c) {
      case 'b': unit = 1; break;
      case 'k': unit = 2; break;
      case 'm': unit = 3; break;
      case 'g': unit = 4; break;
      case TEBI: unit = 5; break;
      case PEBI: unit = 6; break;
      case KILO: unit = 2, si = 1; break;
      case MEGA: unit = 3, si = 1; break;
      case GIGA: unit = 4, si = 1; break;
      case TERA: unit = 5, si = 1; break;
      case PETA: unit = 6, si = 1; break;
      case 'h': flags |= F_HUMAN; break;
      case SI: flags |= F_SI; break;
      case 'l': flags |= F_LOHI; break;
      case 't': flags |= F_TOTAL; break;
      case 'v': flags |= F_COMMITTED; break;
      case 'w': flags |= F_WIDE; break;
      case 's':
        flags |= F_REPEAT;
        interval = strtod(optarg, NULL);
        if (interval <= 0) {
          fprintf(stderr, "free: seconds argument `%s' is not positive number\n", optarg);
          return 1;
        }
        break;
      case 'c':
        flags |= F_REPEAT | F_COUNT;
        count = strtol(optarg, NULL, 10);
        if (count < 1) {
          fprintf(stderr, "free: failed to parse count argument: '%s': Numerical result out of range\n", optarg);
          return 1;
        }
        break;
      case HELP: usage(stdout); break;
      default: usage(stderr);
    }
    if (unit >= 0) {
      if (unit_set++) {
        fprintf(stderr, "free: Multiple unit options don't make sense.\n");
        return 1;
      }
      exponent = unit;
      if (si) flags |= F_SI;
    }
  }
  if (optind != argc) usage(stderr);
  for (;;) {
    struct meminfo m;
    if (read_meminfo(&m) < 0) {
      fprintf(stderr, "free: Unable to create meminfo structure\n");
      return 1;
    }
    if (flags & F_WIDE) {
      printf("               total        used        free      shared     buffers       cache   available\n");
      const unsigned long mem[] = {m.total, m.used, m.free, m.shmem, m.buffers, m.cached_all, m.available};
      row("Mem:", mem, 7, flags, exponent);
    } else {
      printf("               total        used        free      shared  buff/cache   available\n");
      const unsigned long mem[] = {m.total, m.used, m.free, m.shmem, m.buffers + m.cached_all, m.available};
      row("Mem:", mem, 6, flags, exponent);
    }
    if (flags & F_LOHI) {
      const unsigned long low[] = {m.low_total, m.low_used, m.low_free};
      const unsigned long high[] = {m.high_total, m.high_used, m.high_free};
      row("Low:", low, 3, flags, exponent);
      row("High:", high, 3, flags, exponent);
    }
    const unsigned long swap[] = {m.swap_total, m.swap_used, m.swap_free};
    row("Swap:", swap, 3, flags, exponent);
    if (flags & F_TOTAL) {
      const unsigned long total[] = {m.total + m.swap_total, m.used + m.swap_used, m.free + m.swap_free};
      row("Total:", total, 3, flags, exponent);
    }
    if (flags & F_COMMITTED) {
      const unsigned long comm[] = {m.commit_limit, m.committed_as, m.commit_limit - m.committed_as};
      row("Comm:", comm, 3, flags, exponent);
    }
    fflush(stdout);
    if ((flags & F_COUNT) && --count < 1) break;
    if (!(flags & F_REPEAT)) break;
    printf("\n");
    usleep((useconds_t)(interval * 1000000));
  }
  return 0;
}
