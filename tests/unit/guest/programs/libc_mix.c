/* A program on the static glibc: malloc (brk, then mmap for a large block), qsort,
   printf with integers and doubles, string functions, a little math. Its output was
   recorded with qemu-riscv64. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void* a, const void* b) {
  const long x = *(const long*)a, y = *(const long*)b;
  return (x > y) - (x < y);
}

int main(void) {
  enum { N = 5000 };
  long* v = malloc(N * sizeof *v);
  unsigned long s = 12345;
  for (int i = 0; i < N; ++i) {
    s = s * 6364136223846793005ul + 1442695040888963407ul;
    v[i] = (long)(s >> 17) % 100000;
  }
  qsort(v, N, sizeof *v, cmp);
  printf("sorted: %ld %ld %ld %ld\n", v[0], v[N / 3], v[2 * N / 3], v[N - 1]);
  char* big = malloc(1 << 20);  /* above the mmap threshold */
  memset(big, 'x', 1 << 20);
  big[(1 << 20) - 1] = 0;
  printf("strlen: %zu\n", strlen(big));
  double acc = 0;
  for (int i = 1; i <= 1000; ++i) acc += sqrt((double)i) / (double)i;
  printf("sum: %.9f %e %g\n", acc, acc * 1e-30, 1.0 / 3.0);
  char buf[64];
  snprintf(buf, sizeof buf, "%08x|%-6s|%+d", 0xbeefu, "ab", 42);
  puts(buf);
  free(big);
  free(v);
  return 0;
}
