/* shared-lib: every process maps the same libc pages.
 *
 * Being dynamically linked, the program has libc mapped by the loader. It prints its
 * pid and waits (for Enter, or `sleep SECONDS` when given an argument) so that a second
 * instance can run at the same time, then prints its /proc/self/smaps entries for
 * libc: with two instances, libc's text shows as Shared_Clean and its Pss is half its
 * Rss, since both map the one page-cache copy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  printf("pid %d\n", (int)getpid());
  fflush(stdout);
  if (argc > 1) sleep((unsigned)atoi(argv[1]));
  else getchar();
  FILE *f = fopen("/proc/self/smaps", "r");
  if (!f) {
    perror("shared-lib: /proc/self/smaps");
    return 1;
  }
  char line[512];
  int in = 0;
  while (fgets(line, sizeof line, f)) {
    unsigned long start, end;
    char dash;
    if (sscanf(line, "%lx%c%lx ", &start, &dash, &end) == 3 && dash == '-') in = strstr(line, "/libc.so") != NULL;
    if (in) fputs(line, stdout);
  }
  fclose(f);
  return 0;
}
