#include "mm/lru.h"

namespace vmlab::mm {

LruList Lruvec::list_for(const Frame& f) {
  if (f.test(PG_mlocked)) return LruList::unevictable;
  const bool anon = f.test(PG_swapbacked);
  const bool active = f.test(PG_active);
  if (anon) return active ? LruList::active_anon : LruList::inactive_anon;
  return active ? LruList::active_file : LruList::inactive_file;
}

void Lruvec::link(LruList l, Pfn pfn, bool at_head) {
  List& list = lists_[static_cast<unsigned>(l)];
  Frame& f = frames_[pfn];
  if (at_head) {
    f.prev = kNoPfn;
    f.next = list.head;
    if (list.head != kNoPfn) frames_[list.head].prev = pfn;
    else list.tail = pfn;
    list.head = pfn;
  } else {
    f.next = kNoPfn;
    f.prev = list.tail;
    if (list.tail != kNoPfn) frames_[list.tail].next = pfn;
    else list.head = pfn;
    list.tail = pfn;
  }
  ++list.count;
  f.lru_list = static_cast<std::uint8_t>(l);
  f.set(PG_lru);
}

void Lruvec::add(Pfn pfn) { link(list_for(frames_[pfn]), pfn, true); }

void Lruvec::add_tail(Pfn pfn) { link(list_for(frames_[pfn]), pfn, false); }

void Lruvec::remove(Pfn pfn) {
  Frame& f = frames_[pfn];
  if (!f.test(PG_lru)) return;
  List& list = lists_[f.lru_list];
  if (f.prev != kNoPfn) frames_[f.prev].next = f.next;
  else list.head = f.next;
  if (f.next != kNoPfn) frames_[f.next].prev = f.prev;
  else list.tail = f.prev;
  f.prev = f.next = kNoPfn;
  --list.count;
  f.clear(PG_lru);
}

}  // namespace vmlab::mm
