// The ordered set of an address space's VMAs (Linux's maple tree), keyed by start.
// VMAs live in nodes of their own, so a Vma* stays valid until that VMA is removed.
#pragma once

#include <iterator>
#include <map>
#include <memory>

#include "mm/vma.h"

namespace vmlab::mm {

class VmaTree {
  using Map = std::map<VirtAddr, std::unique_ptr<Vma>>;

 public:
  class iterator {
   public:
    using iterator_category = std::bidirectional_iterator_tag;
    using value_type = Vma;
    using difference_type = std::ptrdiff_t;
    using pointer = Vma*;
    using reference = Vma&;
    iterator() = default;
    explicit iterator(Map::const_iterator it) : it_(it) {}
    Vma& operator*() const { return *it_->second; }
    Vma* operator->() const { return it_->second.get(); }
    iterator& operator++() { ++it_; return *this; }
    iterator operator++(int) { auto t = *this; ++it_; return t; }
    iterator& operator--() { --it_; return *this; }
    bool operator==(const iterator& o) const { return it_ == o.it_; }
    Map::const_iterator raw() const { return it_; }

   private:
    Map::const_iterator it_;
  };

  iterator begin() const { return iterator(map_.begin()); }
  iterator end() const { return iterator(map_.end()); }
  std::size_t size() const { return map_.size(); }
  bool empty() const { return map_.empty(); }

  // find_vma(): the first VMA ending above `addr` (it may start above it), or null.
  Vma* find(VirtAddr addr) const;
  // The VMA containing `addr`, or null.
  Vma* find_containing(VirtAddr addr) const {
    Vma* v = find(addr);
    return v && v->start <= addr ? v : nullptr;
  }
  // The first VMA intersecting [start, end), or null.
  Vma* find_intersecting(VirtAddr start, VirtAddr end) const {
    Vma* v = find(start);
    return v && v->start < end ? v : nullptr;
  }
  Vma* prev(const Vma& v) const;
  Vma* next(const Vma& v) const;
  iterator at(const Vma& v) const { return iterator(map_.find(v.start)); }

  Vma* insert(std::unique_ptr<Vma> v);
  std::unique_ptr<Vma> remove(Vma* v);
  // Moves a VMA's start (the key) without reallocating it.
  void set_start(Vma* v, VirtAddr new_start);

 private:
  Map map_;
};

}  // namespace vmlab::mm
