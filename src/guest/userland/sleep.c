/* sleep: waits SECONDS (a decimal number, fractions allowed), as coreutils' sleep
 * does for one operand. In vmlab the wait is virtual time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: sleep SECONDS\n");
    return 1;
  }
  char *end;
  const double s = strtod(argv[1], &end);
  if (*end != '\0' || s < 0) {
    fprintf(stderr, "sleep: invalid time interval '%s'\n", argv[1]);
    return 1;
  }
  struct timespec t = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
  while (nanosleep(&t, &t) != 0 && errno == EINTR) {
  }
  return 0;
}
