/* malloc-vs-mmap: where glibc's malloc gets memory.
 *
 * A small block and a 40 KiB block come from the brk heap ([heap] in the maps); a
 * 1 MiB block, above M_MMAP_THRESHOLD (128 KiB by default), gets a mapping of its own.
 * Prints the addresses and the program break, the process's maps (via cat), and the
 * smaps entry (with Rss) of the mapping that holds each block, before and after the
 * blocks are written. The 1 MiB block's chunk takes 257 pages (the block and glibc's
 * 16-byte chunk header, rounded up); its Rss grows by 256 of them when the block is
 * written, because writing the header at malloc time had already touched the first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct block {
  const char *name;
  char *addr;
  size_t size;
};

/* Prints the smaps header line and the Size and Rss lines of the mapping holding `a`. */
static void smaps_of(const struct block *b) {
  FILE *f = fopen("/proc/self/smaps", "r");
  if (!f) {
    perror("malloc-vs-mmap: /proc/self/smaps");
    return;
  }
  char line[512];
  int in = 0;
  while (fgets(line, sizeof line, f)) {
    unsigned long start, end;
    char dash;
    if (sscanf(line, "%lx%c%lx ", &start, &dash, &end) == 3 && dash == '-') {
      in = (unsigned long)b->addr >= start && (unsigned long)b->addr < end;
      if (in) printf("%s (%zu bytes at %p) is in:\n  %s", b->name, b->size, (void *)b->addr, line);
    } else if (in && (strncmp(line, "Size:", 5) == 0 || strncmp(line, "Rss:", 4) == 0)) {
      printf("  %s", line);
    }
  }
  fclose(f);
}

int main(void) {
  struct block blocks[] = {{"small", NULL, 100}, {"medium", NULL, 40 * 1024}, {"large", NULL, 1024 * 1024}};
  for (int i = 0; i < 3; ++i) {
    blocks[i].addr = malloc(blocks[i].size);
    if (!blocks[i].addr) {
      perror("malloc-vs-mmap: malloc");
      return 1;
    }
    printf("%-6s %7zu bytes at %p\n", blocks[i].name, blocks[i].size, (void *)blocks[i].addr);
  }
  printf("program break: %p\n", sbrk(0));
  char cmd[64];
  snprintf(cmd, sizeof cmd, "cat /proc/%d/maps", (int)getpid());
  printf("--- %s ---\n", cmd);
  fflush(stdout);
  if (system(cmd) != 0) fprintf(stderr, "malloc-vs-mmap: %s failed\n", cmd);
  printf("--- before writing the blocks ---\n");
  for (int i = 0; i < 3; ++i) smaps_of(&blocks[i]);
  for (int i = 0; i < 3; ++i) memset(blocks[i].addr, 1, blocks[i].size); /* resident now */
  printf("--- after writing the blocks ---\n");
  for (int i = 0; i < 3; ++i) smaps_of(&blocks[i]);
  for (int i = 0; i < 3; ++i) free(blocks[i].addr);
  return 0;
}
