// Dies of SIGSEGV after writing a line: a shell shows the status as 139.
#include <stdint.h>
#include <stdio.h>
int main(void) {
  volatile uintptr_t null = 0;
  puts("about to fault");
  fflush(stdout);
  *(volatile int*)null = 1;
  return 0;
}
