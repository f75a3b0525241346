/* Reading a whole (small) file, such as a /proc file, into memory. */
#ifndef VMLAB_READ_TEXT_H
#define VMLAB_READ_TEXT_H

#include <stddef.h>

/* The file's bytes with a NUL after them (the length in *len when len is not NULL),
 * or NULL with errno set. /proc files have no size, so this reads until end of file. */
char *read_text(const char *path, size_t *len);

#endif
