// The LRU lists of one memory cgroup on the node (struct lruvec, include/linux/mmzone.h
// enum lru_list): anonymous and file pages, each inactive and active, and unevictable.
// Intrusive lists through the frame table's links, so moving a page allocates
// nothing. Pages are added at the head and reclaim takes them from the tail.
//
// Besides the lists, what reclaim keeps per lruvec between passes: the cost of
// reclaiming anonymous and file pages (get_scan_count()'s balance), the workingset
// activations seen at the last pass (refaults snapshot) and the nonresident age
// (workingset.c's clock).
#pragma once

#include <array>
#include <cstdint>

#include "mm/frame.h"

namespace vmlab::mm {

enum class LruList : std::uint8_t { inactive_anon, active_anon, inactive_file, active_file, unevictable };
inline constexpr unsigned kLruLists = 5;

constexpr bool is_file_lru(LruList l) { return l == LruList::inactive_file || l == LruList::active_file; }
constexpr bool is_active_lru(LruList l) { return l == LruList::active_anon || l == LruList::active_file; }

class Lruvec {
 public:
  explicit Lruvec(FrameTable& frames) : frames_(frames) {}

  // lruvec_add_folio(): to the head of the list its flags say (folio_lru_list()).
  void add(Pfn pfn);
  // lruvec_add_folio_tail(): to the tail, the first reclaim looks at.
  void add_tail(Pfn pfn);
  // lruvec_del_folio(): off its list (PG_lru cleared). Nothing if not on one.
  void remove(Pfn pfn);
  std::uint64_t size(LruList l) const { return lists_[static_cast<unsigned>(l)].count; }
  Pfn head(LruList l) const { return lists_[static_cast<unsigned>(l)].head; }
  Pfn tail(LruList l) const { return lists_[static_cast<unsigned>(l)].tail; }
  // The list a page belongs on from its flags (folio_lru_list()): unevictable if
  // mlocked, else anonymous (swap-backed: shmem too) or file, active or not.
  static LruList list_for(const Frame& f);

  // Reclaim's memory (lruvec->anon_cost, file_cost, refaults[], nonresident_age).
  std::uint64_t anon_cost = 0, file_cost = 0;
  std::array<std::uint64_t, 2> refaults{};  // WORKINGSET_ACTIVATE_ANON/FILE at the last snapshot
  std::uint64_t nonresident_age = 0;

 private:
  struct List {
    Pfn head = kNoPfn;
    Pfn tail = kNoPfn;
    std::uint64_t count = 0;
  };
  void link(LruList l, Pfn pfn, bool at_head);

  FrameTable& frames_;
  std::array<List, kLruLists> lists_{};
};

}  // namespace vmlab::mm
