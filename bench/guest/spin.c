/* spin: integer work split over T threads (argv[1], default 1), N rounds in all
 * (argv[2], default 50 million): the same instructions whatever T, so the host time
 * per instruction shows what running threads costs the interpreter. Each thread works
 * on its own stack, with no shared data until the end. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned long per_thread;

static void *work(void *arg) {
  unsigned long x = (unsigned long)arg * 0x9e3779b97f4a7c15UL + 1;
  for (unsigned long i = 0; i < per_thread; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return (void *)x;
}

int main(int argc, char **argv) {
  const long threads = argc > 1 ? atol(argv[1]) : 1;
  const unsigned long rounds = argc > 2 ? strtoul(argv[2], NULL, 10) : 50000000UL;
  if (threads < 1 || threads > 64) return 2;
  per_thread = rounds / (unsigned long)threads;
  pthread_t t[64];
  for (long i = 0; i < threads; ++i) pthread_create(&t[i], NULL, work, (void *)i);
  unsigned long all = 0;
  for (long i = 0; i < threads; ++i) {
    void *r;
    pthread_join(t[i], &r);
    all ^= (unsigned long)r;
  }
  printf("%lx\n", all);
  return 0;
}
