// What stat() reports about an inode (generic_fillattr() and the filesystem's getattr).
#pragma once

#include "fs/inode.h"
#include "kernel/kernel.h"

namespace vmlab::kern {

// `proc_file`: an open /proc file, whose size is 0 as seq_file files report.
FileStat file_stat(mm::MemorySystem& sys, const fs::Inode& inode, bool proc_file = false);

}  // namespace vmlab::kern
