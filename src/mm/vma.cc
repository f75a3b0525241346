#include "mm/vma.h"

#include "fs/inode.h"

namespace vmlab::mm {

fs::Inode* Vma::inode() const { return file ? file->inode.get() : nullptr; }

}  // namespace vmlab::mm
