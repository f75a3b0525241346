/* cow: fork shares memory until someone writes it (copy-on-write).
 *
 * mallocs and writes 100 MiB, runs `free`, forks. The child writes every page (each
 * write copies a page: "used" grows by about 100 MiB) and runs `free` again, then
 * exits; the parent waits, checks its own data was never changed by the child's
 * writes, and prints OK. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define SIZE (100UL << 20)
#define PAGE 4096UL

static char pattern(unsigned long page) { return (char)('a' + page % 26); }

static void run_free(const char *who) {
  printf("--- free, %s ---\n", who);
  fflush(stdout);
  if (system("free") != 0) fprintf(stderr, "cow: free failed\n");
}

int main(void) {
  char *p = malloc(SIZE);
  if (!p) {
    perror("cow: malloc");
    return 1;
  }
  for (unsigned long off = 0; off < SIZE; off += PAGE) p[off] = pattern(off / PAGE);
  printf("parent %d: wrote 100 MiB\n", (int)getpid());
  run_free("before fork");
  pid_t child = fork();
  if (child < 0) {
    perror("cow: fork");
    return 1;
  }
  if (child == 0) {
    for (unsigned long off = 0; off < SIZE; off += PAGE) p[off] = 'X';
    printf("child %d: wrote every page\n", (int)getpid());
    run_free("after the child's writes");
    exit(0);
  }
  int status = 0;
  if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "cow: child failed\n");
    return 1;
  }
  for (unsigned long off = 0; off < SIZE; off += PAGE) {
    if (p[off] != pattern(off / PAGE)) {
      printf("FAILED: page %lu changed in the parent\n", off / PAGE);
      return 1;
    }
  }
  printf("parent: data unchanged, OK\n");
  free(p);
  return 0;
}
