/* pingpong: two threads hand a token back and forth through a futex, R round trips
 * (argv[1], default 100000): each side sleeps in FUTEX_WAIT until the other stores its
 * turn and wakes it. */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static _Atomic unsigned turn; /* 0: the main thread's, 1: the other's */
static long rounds;

static void wait_for(unsigned mine) {
  unsigned now;
  while ((now = atomic_load(&turn)) != mine) syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, now, NULL, NULL, 0);
}

static void hand_over(unsigned to) {
  atomic_store(&turn, to);
  syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *other(void *arg) {
  (void)arg;
  for (long i = 0; i < rounds; ++i) {
    wait_for(1);
    hand_over(0);
  }
  return NULL;
}

int main(int argc, char **argv) {
  rounds = argc > 1 ? atol(argv[1]) : 100000;
  pthread_t t;
  pthread_create(&t, NULL, other, NULL);
  for (long i = 0; i < rounds; ++i) {
    hand_over(1);
    wait_for(0);
  }
  pthread_join(t, NULL);
  printf("%ld round trips\n", rounds);
  return 0;
}
