// What threads cost in address space, as /proc shows it: /proc/self/task holds a
// directory per thread whose stat, status and maps are the thread's; each thread's stack is an
// 8 MiB mapping (RLIMIT_STACK) with a guard page below it, and the first malloc() of a
// new thread reserves a 64 MiB arena of its own (HEAP_MAX_SIZE) aligned to its size,
// read-write only as far as it is used and PROT_NONE beyond. VmSize grows by those reservations while VmRSS
// grows only by what is touched. The layout of these mappings is the same on any
// 64-bit Linux with glibc, so the same source runs natively on the host kernel and the
// test compares the two outputs.
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NTHREADS 3
#define CHUNKS 64
#define CHUNK 1000

static pthread_barrier_t started, go, done;
static void* stack_lo[NTHREADS];
static pid_t tids[NTHREADS];
static size_t stack_size[NTHREADS];
static char* chunks[CHUNKS];

// The value of a "Name:" line of a status file, as a number (-1 if missing).
static long status_value(const char* path, const char* name) {
  FILE* f = fopen(path, "r");
  char line[256];
  long v = -1;
  const size_t n = strlen(name);
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, name, n) == 0 && line[n] == ':') v = strtol(line + n + 1, NULL, 10);
  if (f) fclose(f);
  return v;
}

// From a stat file: the pid (field 1), the state (field 3) and num_threads (field 20).
static int read_stat(const char* path, long* pid, char* state, long* num_threads) {
  FILE* f = fopen(path, "r");
  char line[1024];
  const int ok = f && fgets(line, sizeof line, f) != NULL;
  if (f) fclose(f);
  const char* rp = ok ? strrchr(line, ')') : NULL;
  if (rp == NULL) return 0;
  *pid = strtol(line, NULL, 10);
  *state = rp[2];
  const char* p = rp + 2;
  for (int field = 3; field < 20 && p; ++field) p = strchr(p, ' ') ? strchr(p, ' ') + 1 : NULL;
  if (p == NULL) return 0;
  *num_threads = strtol(p, NULL, 10);
  return 1;
}

static long status_kb(const char* name) { return status_value("/proc/self/status", name); }

// The whole of a file, into buf.
static size_t slurp(const char* path, char* buf, size_t size) {
  FILE* f = fopen(path, "r");
  size_t n = f ? fread(buf, 1, size - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = 0;
  return n;
}

// Each /proc/self/task/TID as Linux shows it while the workers wait in a barrier:
// status has Pid and NSpid the thread's, Tgid the process's, Threads the count; stat
// starts with the tid, says the waiting thread sleeps and counts the threads; maps is
// the process's (one address space).
static void show_tasks(void) {
  static char whole[1 << 16], mine[1 << 16];
  const long pid = getpid(), threads = NTHREADS + 1;
  int status_ok = 1, stat_ok = 1, maps_ok = 1;
  for (int i = 0; i < NTHREADS; ++i) {
    char path[128];
    snprintf(path, sizeof path, "/proc/self/task/%d/status", (int)tids[i]);
    status_ok &= status_value(path, "Pid") == tids[i] && status_value(path, "NSpid") == tids[i] &&
                 status_value(path, "Tgid") == pid && status_value(path, "NStgid") == pid &&
                 status_value(path, "Threads") == threads;
    // A worker is asleep once it has reached the barrier's futex: poll for it, as
    // LTP's TST_PROCESS_STATE_WAIT does.
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tids[i]);
    long tid = 0, n = 0;
    char state = '?';
    for (int tries = 0; tries < 1000; ++tries) {
      if (!read_stat(path, &tid, &state, &n) || state == 'S') break;
      usleep(1000);
    }
    stat_ok &= tid == tids[i] && state == 'S' && n == threads;
    snprintf(path, sizeof path, "/proc/self/task/%d/maps", (int)tids[i]);
    slurp("/proc/self/maps", whole, sizeof whole);
    slurp(path, mine, sizeof mine);
    maps_ok &= strcmp(whole, mine) == 0;
  }
  long self = 0, n = 0;
  char state = '?';
  read_stat("/proc/self/stat", &self, &state, &n);
  printf("/proc/self/stat: pid %s, state %c, num_threads %ld\n", self == pid ? "getpid()" : "wrong", state, n);
  printf("task/TID/status: Pid and NSpid the tid, Tgid and NStgid the pid, Threads %ld: %s\n", threads,
         status_ok ? "yes" : "no");
  printf("task/TID/stat: the tid, sleeping in the barrier, num_threads %ld: %s\n", threads, stat_ok ? "yes" : "no");
  printf("task/TID/maps: the process's maps: %s\n", maps_ok ? "yes" : "no");
}

struct mapping {
  uintptr_t lo, hi;
  char perms[8];
};

// The mapping of /proc/self/maps that holds `addr` (index `at`), and its neighbours.
static int find_mapping(uintptr_t addr, struct mapping* below, struct mapping* m, struct mapping* above) {
  FILE* f = fopen("/proc/self/maps", "r");
  char line[512];
  struct mapping prev = {0, 0, ""}, cur;
  int found = 0;
  while (f && fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    if (sscanf(line, "%lx-%lx %7s", &lo, &hi, cur.perms) != 3) continue;
    cur.lo = lo;
    cur.hi = hi;
    if (found) {
      *above = cur;
      break;
    }
    if (addr >= cur.lo && addr < cur.hi) {
      *below = prev;
      *m = cur;
      found = 1;
      memset(above, 0, sizeof *above);
    }
    prev = cur;
  }
  if (f) fclose(f);
  return found;
}

static void* worker(void* arg) {
  const int id = (int)(intptr_t)arg;
  tids[id] = (pid_t)syscall(SYS_gettid);
  pthread_attr_t attr;
  pthread_getattr_np(pthread_self(), &attr);
  pthread_attr_getstack(&attr, &stack_lo[id], &stack_size[id]);
  pthread_attr_destroy(&attr);
  pthread_barrier_wait(&started);
  pthread_barrier_wait(&go);
  if (id == 0) {
    // Small allocations come from the thread's own arena.
    for (int i = 0; i < CHUNKS; ++i) {
      chunks[i] = malloc(CHUNK);
      memset(chunks[i], i + 1, CHUNK);
    }
  }
  pthread_barrier_wait(&done);
  pthread_barrier_wait(&done);
  return NULL;
}

int main(void) {
  const long size0 = status_kb("VmSize");
  pthread_barrier_init(&started, NULL, NTHREADS + 1);
  pthread_barrier_init(&go, NULL, NTHREADS + 1);
  pthread_barrier_init(&done, NULL, NTHREADS + 1);
  pthread_t t[NTHREADS];
  for (intptr_t i = 0; i < NTHREADS; ++i) pthread_create(&t[i], NULL, worker, (void*)i);
  pthread_barrier_wait(&started);
  const long size1 = status_kb("VmSize"), rss1 = status_kb("VmRSS");
  printf("Threads: %ld\n", status_kb("Threads"));
  int entries = 0;
  DIR* d = opendir("/proc/self/task");
  for (struct dirent* e; d && (e = readdir(d));) entries += e->d_name[0] != '.';
  if (d) closedir(d);
  printf("/proc/self/task entries: %d\n", entries);
  show_tasks();
  // Each thread: its stack and guard page, and the arena of its first malloc()
  // (pthread_getattr_np() allocates).
  printf("VmSize grew by %ld kB for %d threads: %d x (8192 + 4) kB of stack and guard, %d x 65536 kB of arena\n",
         size1 - size0, NTHREADS, NTHREADS, NTHREADS);
  for (int i = 0; i < NTHREADS; ++i) {
    struct mapping below, m, above;
    if (!find_mapping((uintptr_t)stack_lo[i], &below, &m, &above)) continue;
    printf("thread %d: %zu kB stack in a %s mapping, guard page below: %s %lu kB\n", i, stack_size[i] / 1024,
           m.perms, below.perms, (unsigned long)(below.hi - below.lo) / 1024);
  }
  pthread_barrier_wait(&go);
  pthread_barrier_wait(&done);
  const long size2 = status_kb("VmSize"), rss2 = status_kb("VmRSS");
  printf("VmSize grew by %ld kB when one thread malloc'd %d x %d bytes in its arena\n", size2 - size1, CHUNKS, CHUNK);
  printf("VmRSS grew by less than 1 MiB: %s\n", rss2 - rss1 < 1024 ? "yes" : "no");
  struct mapping below, m, above;
  if (find_mapping((uintptr_t)chunks[0], &below, &m, &above)) {
    printf("its arena: %s %lu kB then %s %lu kB, %lu kB in all, aligned to it: %s\n", m.perms,
           (unsigned long)(m.hi - m.lo) / 1024, above.perms, (unsigned long)(above.hi - above.lo) / 1024,
           (unsigned long)(above.hi - m.lo) / 1024, m.lo % (above.hi - m.lo) == 0 ? "yes" : "no");
  }
  long sum = 0;
  for (int i = 0; i < CHUNKS; ++i) sum += chunks[i][CHUNK - 1];
  printf("chunks hold what was written: %s\n", sum == CHUNKS * (CHUNKS + 1) / 2 ? "yes" : "no");
  pthread_barrier_wait(&done);
  for (int i = 0; i < NTHREADS; ++i) pthread_join(t[i], NULL);
  printf("Threads after join: %ld\n", status_kb("Threads"));
  return 0;
}
