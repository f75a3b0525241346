/* A compute-bound guest program for the interpreter benchmark: integer arithmetic in
   loops, array sums, an insertion sort and a quicksort, CRC-32 over a buffer, and an
   integer matrix product. Freestanding (built -nostdlib), so vmlab and qemu-riscv64 run
   exactly the same instructions; prints a checksum so both can be compared.
   Argument: the number of rounds (default 12). */

typedef unsigned long u64;
typedef unsigned int u32;

static long sys3(long n, long a, long b, long c) {
  register long a0 __asm__("a0") = a;
  register long a1 __asm__("a1") = b;
  register long a2 __asm__("a2") = c;
  register long a7 __asm__("a7") = n;
  __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
  return a0;
}

#define N_ARRAY 16384
#define N_SORT 2000
#define N_CRC 65536
#define N_MAT 48

static u32 array[N_ARRAY];
static int sortbuf[N_SORT];
static unsigned char crcbuf[N_CRC];
static u32 crc_table[256];
static int ma[N_MAT][N_MAT], mb[N_MAT][N_MAT], mc[N_MAT][N_MAT];

static u64 rng = 88172645463325252ull;
static u64 next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static u64 arith(u64 n) {
  u64 a = 1, b = 3, c = 0;
  for (u64 i = 0; i < n; ++i) {
    a = a * 6364136223846793005ull + i;
    b ^= a >> 17;
    c += (a % 1000) + (b & 0xff) / 3;
    if (c & 1) c += i;
  }
  return a ^ b ^ c;
}

static u64 sums(void) {
  u64 s = 0;
  for (int pass = 0; pass < 8; ++pass) {
    for (int i = 0; i < N_ARRAY; ++i) s += array[i];
    for (int i = 0; i < N_ARRAY; i += 4) s ^= array[i] * (u64)(i + pass);
  }
  return s;
}

static void insertion_sort(int* v, int n) {
  for (int i = 1; i < n; ++i) {
    int x = v[i], j = i - 1;
    while (j >= 0 && v[j] > x) {
      v[j + 1] = v[j];
      --j;
    }
    v[j + 1] = x;
  }
}

static void quick_sort(int* v, int lo, int hi) {
  while (lo < hi) {
    int p = v[(lo + hi) / 2], i = lo, j = hi;
    while (i <= j) {
      while (v[i] < p) ++i;
      while (v[j] > p) --j;
      if (i <= j) {
        int t = v[i];
        v[i++] = v[j];
        v[j--] = t;
      }
    }
    if (j - lo < hi - i) {
      quick_sort(v, lo, j);
      lo = i;
    } else {
      quick_sort(v, i, hi);
      hi = j;
    }
  }
}

static u64 sorts(void) {
  u64 s = 0;
  for (int i = 0; i < N_SORT; ++i) sortbuf[i] = (int)(next() % 100000);
  insertion_sort(sortbuf, N_SORT / 2);
  for (int k = 0; k < 8; ++k) {
    for (int i = 0; i < N_SORT; ++i) sortbuf[i] = (int)(next() % 100000);
    quick_sort(sortbuf, 0, N_SORT - 1);
    s += (u64)sortbuf[N_SORT / 2] + (u64)sortbuf[17];
  }
  return s;
}

static u32 crc32(const unsigned char* p, u64 n) {
  u32 c = 0xffffffffu;
  for (u64 i = 0; i < n; ++i) c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return ~c;
}

static u64 matmul(void) {
  for (int i = 0; i < N_MAT; ++i)
    for (int j = 0; j < N_MAT; ++j) {
      int s = 0;
      for (int k = 0; k < N_MAT; ++k) s += ma[i][k] * mb[k][j];
      mc[i][j] = s;
    }
  u64 t = 0;
  for (int i = 0; i < N_MAT; ++i) t += (u64)mc[i][(i * 7) % N_MAT];
  return t;
}

static void put_hex(u64 v) {
  char buf[17];
  for (int i = 15; i >= 0; --i) buf[15 - i] = "0123456789abcdef"[(v >> (4 * i)) & 15];
  buf[16] = '\n';
  sys3(64, 1, (long)buf, 17);
}

int main(int argc, char** argv) {
  u64 rounds = 12;
  if (argc > 1) {
    rounds = 0;
    for (const char* s = argv[1]; *s >= '0' && *s <= '9'; ++s) rounds = rounds * 10 + (u64)(*s - '0');
  }
  for (u32 i = 0; i < 256; ++i) {
    u32 c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
  for (int i = 0; i < N_ARRAY; ++i) array[i] = (u32)next();
  for (int i = 0; i < N_CRC; ++i) crcbuf[i] = (unsigned char)next();
  for (int i = 0; i < N_MAT; ++i)
    for (int j = 0; j < N_MAT; ++j) {
      ma[i][j] = (int)(next() % 201) - 100;
      mb[i][j] = (int)(next() % 201) - 100;
    }
  u64 check = 0;
  for (u64 r = 0; r < rounds; ++r) {
    check = check * 31 + arith(2000000);
    check = check * 31 + sums();
    check = check * 31 + sorts();
    check = check * 31 + crc32(crcbuf, N_CRC);
    check = check * 31 + matmul();
  }
  put_hex(check);
  return 0;
}

/* The kernel leaves argc at sp and argv after it; gp for small-data accesses. */
__asm__(
    ".section .text._start,\"ax\",@progbits\n"
    ".global _start\n"
    "_start:\n"
    ".option push\n"
    ".option norelax\n"
    "  lla gp, __global_pointer$\n"
    ".option pop\n"
    "  ld a0, 0(sp)\n"
    "  addi a1, sp, 8\n"
    "  call main\n"
    "  li a7, 93\n"
    "  ecall\n");
