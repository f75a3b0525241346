#include "kernel/mm_hooks.h"

#include "fs/inode.h"
#include "fs/page_cache.h"
#include "kernel/kernel.h"
#include "kernel/oom_kill.h"

namespace vmlab::kern {

void KernelMmHooks::wake_flusher() {
  for (fs::Inode* inode : k_.inodes()) {
    if (inode->type == fs::InodeType::regular && !inode->is_shmem()) fs::page_cache_writeback(k_.sys(), *inode, 0, ~0ULL);
  }
}

mm::OomOutcome KernelMmHooks::out_of_memory(mm::Gfp gfp, mm::MemCgroup* memcg) {
  return kern::out_of_memory(k_, gfp, memcg);
}

}  // namespace vmlab::kern
