/* The native counterparts of vmlab's benchmarks (see native.h). */
#define _GNU_SOURCE
#include "native.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u

/* CPU time of the calling thread, user and system: what vmlab's side measures too, so
 * that other load on the host does not count. */
static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A private anonymous mapping the host backs with 4 KiB pages. */
static unsigned char* map_small_pages(size_t bytes) {
  void* p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return NULL;
  madvise(p, bytes, MADV_NOHUGEPAGE);
  return (unsigned char*)p;
}

static void touch_pages(volatile unsigned char* p, size_t pages, unsigned char v) {
  for (size_t i = 0; i < pages; ++i) p[i * PAGE] = v;
}

/* Setup, not measured: faults every page in, in one system call where the host has
 * MADV_POPULATE_WRITE (Linux 5.14), else by touching each page. */
static void populate(unsigned char* p, size_t pages) {
#ifdef MADV_POPULATE_WRITE
  if (madvise(p, pages * PAGE, MADV_POPULATE_WRITE) == 0) return;
#endif
  touch_pages(p, pages, 1);
}

int native_demand_zero(size_t pages) {
  unsigned char* p = map_small_pages(pages * PAGE);
  if (p == NULL) return -1;
  touch_pages(p, pages, 1);
  munmap(p, pages * PAGE);
  return 0;
}

int64_t native_cow(size_t pages) {
  unsigned char* p = map_small_pages(pages * PAGE);
  if (p == NULL) return -1;
  populate(p, pages);
  int fds[2];
  if (pipe(fds) != 0) {
    munmap(p, pages * PAGE);
    return -1;
  }
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    int64_t t0 = now_ns();
    touch_pages(p, pages, 2);
    int64_t elapsed = now_ns() - t0;
    ssize_t n = write(fds[1], &elapsed, sizeof elapsed);
    _exit(n == (ssize_t)sizeof elapsed ? 0 : 1);
  }
  close(fds[1]);
  int64_t elapsed = -1;
  if (pid > 0) {
    if (read(fds[0], &elapsed, sizeof elapsed) != (ssize_t)sizeof elapsed) elapsed = -1;
    waitpid(pid, NULL, 0);
  }
  close(fds[0]);
  munmap(p, pages * PAGE);
  return elapsed;
}

void* native_populate(size_t bytes) {
  unsigned char* p = map_small_pages(bytes);
  if (p != NULL) populate(p, bytes / PAGE);
  return p;
}

void native_release(void* p, size_t bytes) { munmap(p, bytes); }

int64_t native_fork_once(void) {
  int64_t t0 = now_ns();
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  int64_t elapsed = now_ns() - t0;
  if (pid < 0) return -1;
  waitpid(pid, NULL, 0);
  return elapsed;
}

uint64_t native_load_loop(const uint64_t* p, size_t words, size_t rounds) {
  const volatile uint64_t* v = p;
  uint64_t sum = 0;
  for (size_t r = 0; r < rounds; ++r) {
    for (size_t i = 0; i < words; ++i) sum += v[i];
  }
  return sum;
}

void native_store_loop(uint64_t* p, size_t words, size_t rounds) {
  volatile uint64_t* v = p;
  for (size_t r = 0; r < rounds; ++r) {
    for (size_t i = 0; i < words; ++i) v[i] = r + i;
  }
}
