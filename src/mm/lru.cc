#include "mm/lru.h"

namespace vmlab::mm {

LruList Lru::list_for(const Frame& f) {
  if (f.test(PG_mlocked)) return LruList::unevictable;
  const bool anon = f.test(PG_swapbacked);
  const bool active = f.test(PG_active);
  if (anon) return active ? LruList::active_anon : LruList::inactive_anon;
  return active ? LruList::active_file : LruList::inactive_file;
}

void Lru::push_head(LruList l, Pfn pfn) {
  List& list = lists_[static_cast<unsigned>(l)];
  Frame& f = frames_[pfn];
  f.prev = kNoPfn;
  f.next = list.head;
  if (list.head != kNoPfn) frames_[list.head].prev = pfn;
  else list.tail = pfn;
  list.head = pfn;
  ++list.count;
  f.lru_list = static_cast<std::uint8_t>(l);
  f.set(PG_lru);
}

void Lru::add(Pfn pfn) { push_head(list_for(frames_[pfn]), pfn); }

void Lru::remove(Pfn pfn) {
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

void Lru::activate(Pfn pfn) {
  Frame& f = frames_[pfn];
  if (f.test(PG_active)) return;
  const bool on_lru = f.test(PG_lru);
  if (on_lru) remove(pfn);
  f.set(PG_active);
  if (on_lru) add(pfn);
}

}  // namespace vmlab::mm
