// Reads a pipe whose only writer is itself: on Linux it would wait for ever.
#include <unistd.h>
int main(void) {
  int fds[2];
  char c;
  pipe(fds);
  return (int)read(fds[0], &c, 1);
}
