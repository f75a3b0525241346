// The LRU lists of one node (include/linux/mmzone.h enum lru_list): anonymous and file
// pages, each inactive and active, and unevictable. Intrusive lists through the frame
// table's links, so moving a page allocates nothing.
#pragma once

#include <array>
#include <cstdint>

#include "mm/frame.h"

namespace vmlab::mm {

enum class LruList : std::uint8_t { inactive_anon, active_anon, inactive_file, active_file, unevictable };
inline constexpr unsigned kLruLists = 5;

class Lru {
 public:
  explicit Lru(FrameTable& frames) : frames_(frames) {}

  // folio_add_lru(): new pages start inactive (file and, since 5.9, anonymous too).
  void add(Pfn pfn);
  void remove(Pfn pfn);
  void activate(Pfn pfn);  // folio_activate(): to the head of the active list
  std::uint64_t size(LruList l) const { return lists_[static_cast<unsigned>(l)].count; }
  Pfn head(LruList l) const { return lists_[static_cast<unsigned>(l)].head; }
  // The list a page belongs on from its flags (folio_lru_list()).
  static LruList list_for(const Frame& f);

 private:
  struct List {
    Pfn head = kNoPfn;
    Pfn tail = kNoPfn;
    std::uint64_t count = 0;
  };
  void push_head(LruList l, Pfn pfn);

  FrameTable& frames_;
  std::array<List, kLruLists> lists_{};
};

}  // namespace vmlab::mm
