// Time is virtual: sleeping advances the clock without the host waiting, and every
// clock agrees with it. getrusage reports the faults the program took.
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long ms_between(struct timespec a, struct timespec b) {
  return (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
}

int main(void) {
  struct timespec m0, m1, r0;
  clock_gettime(CLOCK_MONOTONIC, &m0);
  clock_gettime(CLOCK_REALTIME, &r0);
  printf("realtime starts in 2024: %d\n", r0.tv_sec >= 1704067200 && r0.tv_sec < 1704067200 + 60);
  struct timespec d = {3, 250000000};
  nanosleep(&d, NULL);
  clock_gettime(CLOCK_MONOTONIC, &m1);
  long slept = ms_between(m0, m1);
  printf("nanosleep 3.25 s: between 3250 and 3260 ms passed: %d\n", slept >= 3250 && slept < 3260);
  // An absolute deadline.
  struct timespec target = m1;
  target.tv_sec += 2;
  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, NULL);
  clock_gettime(CLOCK_MONOTONIC, &m0);
  printf("clock_nanosleep to +2 s: reached %d\n", m0.tv_sec > target.tv_sec || (m0.tv_sec == target.tv_sec && m0.tv_nsec >= target.tv_nsec));
  // A child sleeps while the parent waits: both see the same clock.
  pid_t c = fork();
  if (c == 0) {
    sleep(5);
    _exit(0);
  }
  clock_gettime(CLOCK_MONOTONIC, &m0);
  waitpid(c, NULL, 0);
  clock_gettime(CLOCK_MONOTONIC, &m1);
  printf("waited for a 5 s sleeper: %ld s\n", ms_between(m0, m1) / 1000);
  // Faults: touching N new pages is N minor faults.
  struct rusage a, b;
  char* p = mmap(NULL, 100 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  getrusage(RUSAGE_SELF, &a);
  for (int i = 0; i < 100; i++) p[i * 4096] = 1;
  getrusage(RUSAGE_SELF, &b);
  printf("100 pages touched: %ld minor faults, %ld major\n", b.ru_minflt - a.ru_minflt, b.ru_majflt - a.ru_majflt);
  getrusage(RUSAGE_CHILDREN, &a);
  printf("children's rusage has faults: %d\n", a.ru_minflt > 0);
  return 0;
}
