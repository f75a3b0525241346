/* filemap: a file mapped much larger than itself.
 *
 * Opens ./testfile (holding "hello\n"), shows the process's maps, maps the file
 * MAP_SHARED read-write 100 MiB long, shows the maps again (one new line: the whole
 * 100 MiB, though the file has one page), overwrites "hello" with "HELLO" through
 * memory (the page-cache page itself, so the file now says HELLO), then unmaps and
 * closes. Touching the mapping past the file's last page would raise SIGBUS. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAP_LEN (100UL << 20)

static void show_maps(const char *when) {
  char cmd[64];
  snprintf(cmd, sizeof cmd, "cat /proc/%d/maps", (int)getpid());
  printf("--- /proc/%d/maps %s ---\n", (int)getpid(), when);
  fflush(stdout);  /* the shell's output must follow ours */
  if (system(cmd) != 0) fprintf(stderr, "filemap: %s failed\n", cmd);
}

int main(void) {
  int fd = open("testfile", O_RDWR);
  if (fd < 0) {
    perror("filemap: open testfile");
    return 1;
  }
  show_maps("before mmap");
  char *p = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    perror("filemap: mmap");
    return 1;
  }
  printf("mapped testfile at %p, %lu MiB\n", (void *)p, MAP_LEN >> 20);
  show_maps("after mmap");
  printf("testfile says: %.5s\n", p);
  memcpy(p, "HELLO", 5);  /* a store into the page cache: the file changes */
  printf("testfile now says: %.5s\n", p);
  fflush(stdout);
  if (munmap(p, MAP_LEN) != 0) perror("filemap: munmap");
  close(fd);
  return 0;
}
