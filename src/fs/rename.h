// What a rename changes beside the names (ext4_rename(), ext4_cross_rename()): the
// link counts of the directories a directory leaves and joins and of the inode it
// replaces, the change time of what moved, and the times of both directories.
#pragma once

#include <cstdint>

#include "fs/inode.h"

namespace vmlab::fs {

// `source` moved from `old_dir` to `new_dir`, replacing `target` (null: none), or with
// `exchange` trading places with it.
void account_rename(Inode& old_dir, Inode& new_dir, Inode& source, Inode* target, bool exchange, std::int64_t now);

}  // namespace vmlab::fs
