// vm_area_struct: one mapped range of an address space with its flags, its file and
// page offset, and its reverse-map links.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mm/vm_flags.h"
#include "vmlab/units.h"

namespace vmlab::fs {
class OpenFile;
class Inode;
}  // namespace vmlab::fs

namespace vmlab::mm {

class AnonVma;
class AddressSpace;

struct Vma {
  AddressSpace* mm = nullptr;            // the address space it belongs to (vm_mm)
  VirtAddr start = 0;
  VirtAddr end = 0;
  VmFlags flags = 0;
  std::uint64_t pgoff = 0;               // file offset in pages; for private anon, start >> 12
  std::shared_ptr<fs::OpenFile> file;    // null for anonymous memory
  AnonVma* anon_vma = nullptr;           // where new anonymous pages of this VMA belong
  std::vector<AnonVma*> anon_chain;      // every AnonVma whose pages this VMA may map
  std::string anon_name;                 // PR_SET_VMA_ANON_NAME, shown as [anon:NAME]
  bool writenotify = false;              // shared writable file: PTEs start read-only
  // swap_readahead_info: the last swap fault's address, window and readahead hits
  // (swap_readahead.cc packs it); 0 until the first one.
  std::uint64_t swap_readahead_info = 0;

  std::uint64_t pages() const { return (end - start) >> kPageShift; }
  bool contains(VirtAddr a) const { return a >= start && a < end; }
  bool is_anonymous() const { return file == nullptr; }
  bool is_shared() const { return flags & VM_SHARED; }
  // is_cow_mapping(): private and may become writable.
  bool is_cow() const { return (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE; }
  // linear_page_index(): the page offset of `addr` in the object this VMA maps.
  std::uint64_t page_index(VirtAddr addr) const { return ((addr - start) >> kPageShift) + pgoff; }
  // vma_address(): where page offset `index` is mapped, if it is in range.
  VirtAddr address_of(std::uint64_t index) const { return start + ((index - pgoff) << kPageShift); }
  bool maps_index(std::uint64_t index) const { return index >= pgoff && index < pgoff + pages(); }
  fs::Inode* inode() const;
};

}  // namespace vmlab::mm
