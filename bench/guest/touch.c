/* The whole-run demand-paging benchmark: malloc 256 MiB (glibc mmaps it), write one
   byte to each of its 65536 pages (one demand-zero fault each), free it (munmap);
   repeated. No sleeps, no stdin. Prints a checksum of bytes read back so vmlab and
   qemu-riscv64 can be compared. Built -static, so both run exactly the same
   instructions with no dynamic loader.
   Argument: the number of rounds (default 8). */
#include <stdio.h>
#include <stdlib.h>

#define SIZE (256UL << 20)
#define PAGE 4096UL

int main(int argc, char **argv) {
  unsigned long rounds = argc > 1 ? strtoul(argv[1], NULL, 10) : 8;
  unsigned long check = 0;
  for (unsigned long r = 0; r < rounds; ++r) {
    volatile unsigned char *p = malloc(SIZE);
    if (!p) {
      perror("touch: malloc");
      return 1;
    }
    for (unsigned long off = 0; off < SIZE; off += PAGE) p[off] = (unsigned char)(off >> 12) + (unsigned char)r;
    /* Read back one byte in every 64 pages (already mapped: no further faults). */
    for (unsigned long off = 0; off < SIZE; off += 64 * PAGE) check = check * 31 + p[off];
    free((void *)p);
  }
  printf("%016lx\n", check);
  return 0;
}
