// A system call vmlab does not implement fails with ENOSYS (and vmlab warns once).
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void) {
  for (int i = 0; i < 2; i++) {
    errno = 0;
    long r = syscall(444, 0, 0, 0);  // landlock_create_ruleset
    printf("syscall 444: %ld %s\n", r, strerror(errno));
  }
  return 0;
}
