/* Stores to the first byte of N pages of an untouched array (N = argv[1]): N
   demand-zero faults beyond what the program needs anyway. */
#include "rt.h"

static unsigned char pages[200 * 4096] __attribute__((aligned(4096)));

int main(int argc, char** argv) {
  const u64 n = argc > 1 ? parse_u64(argv[1]) : 0;
  for (u64 i = 0; i < n && i < 200; ++i) pages[i * 4096] = (unsigned char)i;
  u64 sum = 0;
  for (u64 i = 0; i < n && i < 200; ++i) sum += pages[i * 4096];
  return (int)(sum & 0x7f);
}
