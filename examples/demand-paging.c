/* demand-paging: memory is given when touched, not when allocated.
 *
 * mallocs 100 MiB (glibc maps it: VmSize grows, VmRSS does not), prints the pid so
 * /proc/PID/status can be watched from outside, waits for Enter, then touches the
 * memory one page at a time, 10 MiB per step with a second between steps: each step
 * adds 10240 kB to VmRSS and 2560 minor faults. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SIZE (100UL << 20)
#define STEP (10UL << 20)
#define PAGE 4096UL

int main(void) {
  char *p = malloc(SIZE);
  if (!p) {
    perror("demand-paging: malloc");
    return 1;
  }
  printf("pid %d: 100 MiB allocated at %p, nothing touched yet\n", (int)getpid(), (void *)p);
  printf("press Enter to touch it 10 MiB at a time\n");
  fflush(stdout);
  getchar();
  for (unsigned long done = 0; done < SIZE; done += STEP) {
    for (unsigned long off = done; off < done + STEP; off += PAGE) p[off] = 1;
    printf("touched %lu MiB\n", (done + STEP) >> 20);
    fflush(stdout);
    sleep(1);
  }
  free(p);
  return 0;
}
