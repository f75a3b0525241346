/* The native counterparts of vmlab's benchmarks: the same experiments run on the host
 * kernel with real mmap, munmap and fork. Compiled as C. Mappings are made with
 * MADV_NOHUGEPAGE so that the host, like vmlab, faults and copies 4 KiB pages. */
#ifndef VMLAB_BENCH_NATIVE_H
#define VMLAB_BENCH_NATIVE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* mmap `pages` anonymous pages, write one byte to each (one demand-zero fault each),
 * munmap. Returns 0, or -1 if mmap failed. */
int native_demand_zero(size_t pages);

/* mmap and populate `pages` pages, fork; the child writes one byte per page (one
 * copy-on-write fault each) and sends the CPU time its loop took back through a pipe.
 * Returns that time in nanoseconds, or a negative value on failure. */
int64_t native_cow(size_t pages);

/* A populated private anonymous mapping of `bytes` bytes, for native_fork_once(). */
void* native_populate(size_t bytes);
void native_release(void* p, size_t bytes);
/* Forks (the child _exits at once) and returns the CPU nanoseconds fork() took to
 * return in the parent; the child is reaped after the clock stops. Negative on
 * failure. */
int64_t native_fork_once(void);

/* `rounds` passes of 64-bit loads (or stores) over `words` words at `p`. The loads
 * return their sum so that they cannot be optimised away. */
uint64_t native_load_loop(const uint64_t* p, size_t words, size_t rounds);
void native_store_loop(uint64_t* p, size_t words, size_t rounds);

#ifdef __cplusplus
}
#endif

#endif
