/* threads: what threads cost, and what they share.
 *
 * Starts N threads (4, or argv[1]); each allocates 2 MiB in small pieces and touches
 * it. Every thread has an 8 MiB stack with a guard page below it, and its first
 * malloc() reserves a 64 MiB arena of its own: VmSize jumps by those reservations,
 * while VmRSS grows only by what the threads touched. Then the threads' stacks and
 * arenas are shown as /proc/self/maps lists them.
 *
 * Last, two threads pinned to different CPUs share a buffer: both read it, so both
 * CPUs' TLBs cache its pages; when the first unmaps it, the other CPU must flush too: a
 * TLB shootdown (run with --set cpu.count=2 or more; vmlab's summary counts them). */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PIECE (64 << 10)
#define PIECES 32 /* 2 MiB a thread */
#define SHARED (64 << 10)

static pthread_barrier_t allocated, shown;
static char *pieces[64][PIECES];
static char *shared_buf;
static volatile long sink;

static void show(const char *when) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  printf("%s:", when);
  while (f && fgets(line, sizeof line, f)) {
    if (!strncmp(line, "VmSize:", 7) || !strncmp(line, "VmRSS:", 6) || !strncmp(line, "Threads:", 8)) {
      line[strcspn(line, "\n")] = 0;
      char *v = line + strcspn(line, "\t") + 1;
      while (*v == ' ') ++v;
      printf("  %.*s %s", (int)strcspn(line, ":") + 1, line, v);
    }
  }
  printf("\n");
  if (f) fclose(f);
}

static void *allocate(void *arg) {
  const long id = (long)arg;
  for (int i = 0; i < PIECES; ++i) {
    pieces[id][i] = malloc(PIECE);
    memset(pieces[id][i], (int)id + 1, PIECE);
  }
  pthread_barrier_wait(&allocated);
  pthread_barrier_wait(&shown);
  return NULL;
}

static int pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static pthread_barrier_t both_read, unmapped;

static void *reader(void *arg) {
  (void)arg;
  if (pin(1) != 0) printf("(only one CPU: no other CPU to shoot down)\n");
  pthread_barrier_wait(&both_read);
  long sum = 0;
  for (int off = 0; off < SHARED; off += 4096) sum += shared_buf[off];
  sink = sum;
  pthread_barrier_wait(&both_read);
  pthread_barrier_wait(&unmapped);
  return NULL;
}

int main(int argc, char **argv) {
  const int n = argc > 1 ? atoi(argv[1]) : 4;
  if (n < 1 || n > 64) {
    fprintf(stderr, "threads: 1 to 64 threads\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  show("before");
  pthread_t t[64];
  pthread_barrier_init(&allocated, NULL, (unsigned)n + 1);
  pthread_barrier_init(&shown, NULL, (unsigned)n + 1);
  for (long i = 0; i < n; ++i) pthread_create(&t[i], NULL, allocate, (void *)i);
  pthread_barrier_wait(&allocated);
  show("after");
  printf("each thread: an 8 MiB stack and a 64 MiB arena reserved, 2 MiB touched\n");
  printf("the stacks (rw-p, 8 MiB, a ---p guard page below) and arenas (rw-p as used, ---p up to 64 MiB):\n");
  FILE *maps = fopen("/proc/self/maps", "r");
  char line[512];
  while (maps && fgets(line, sizeof line, maps)) {
    unsigned long lo, hi;
    char perms[8];
    int name = 0;
    if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &lo, &hi, perms, &name) < 3) continue;
    if (line[name] != '\0' && line[name] != '\n') continue; /* anonymous mappings only */
    if (hi - lo >= (64UL << 10) || hi - lo == 4096) printf("  %s", line);
  }
  if (maps) fclose(maps);
  pthread_barrier_wait(&shown);
  for (int i = 0; i < n; ++i) pthread_join(t[i], NULL);

  /* The shootdown. */
  shared_buf = mmap(NULL, SHARED, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(shared_buf, 1, SHARED);
  pthread_t r;
  pthread_barrier_init(&both_read, NULL, 2);
  pthread_barrier_init(&unmapped, NULL, 2);
  pin(0);
  pthread_create(&r, NULL, reader, NULL);
  pthread_barrier_wait(&both_read);
  long sum = 0;
  for (int off = 0; off < SHARED; off += 4096) sum += shared_buf[off];
  pthread_barrier_wait(&both_read);
  munmap(shared_buf, SHARED);
  printf("unmapped a %d KiB buffer: this thread had read %ld pages of it, the other (on another CPU) %ld\n",
         SHARED >> 10, sum, sink);
  pthread_barrier_wait(&unmapped);
  pthread_join(r, NULL);
  show("at the end");
  printf("(glibc keeps the stacks of finished threads for reuse, and arenas are never unmapped)\n");
  return 0;
}
