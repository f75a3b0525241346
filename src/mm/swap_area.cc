#include "mm/swap_area.h"

#include <algorithm>
#include <stdexcept>

namespace vmlab::mm {

SwapArea::SwapArea(const Options& o)
    : zeromap(o.max_pages, false),
      swap_cgroup(o.max_pages, 0),
      type_(o.type),
      name_(o.name),
      is_file_(o.is_file),
      priority_(o.priority),
      rotational_(o.rotational),
      cluster_pages_(o.cluster_pages),
      backing_(o.backing),
      map_(o.max_pages, 0),
      hints_(o.rotational ? 1 : std::max(1u, o.cpus), 0) {
  if (o.max_pages < 2) throw std::invalid_argument("a swap area needs a header page and a slot");
  // setup_clusters(): the header's slot and the slots past the end of the last
  // cluster are in use for good; clusters holding any go on the non-full list, the
  // others on the free list, in index order.
  const std::uint64_t nclusters = (o.max_pages + cluster_pages_ - 1) / cluster_pages_;
  clusters_.resize(nclusters);
  map_[0] = kSwapMapBad;
  clusters_[0].count = 1;
  clusters_.back().count += static_cast<unsigned>(nclusters * cluster_pages_ - o.max_pages);
  for (unsigned c = 0; c < nclusters; ++c) {
    const ListKind k = clusters_[c].count > 0 ? ListKind::nonfull : ListKind::free;
    clusters_[c].list = k;
    list_of(k).push_back(c);
  }
  pages_ = o.max_pages - 1;
}

std::deque<unsigned>& SwapArea::list_of(ListKind k) {
  switch (k) {
    case ListKind::free: return free_;
    case ListKind::nonfull: return nonfull_;
    case ListKind::frag: return frag_;
    case ListKind::full: return full_;
    case ListKind::none: break;
  }
  throw std::logic_error("an isolated swap cluster is on no list");
}

void SwapArea::move_cluster(unsigned c, ListKind to) {
  Cluster& cl = clusters_[c];
  if (cl.list != ListKind::none) std::erase(list_of(cl.list), c);
  cl.list = to;
  list_of(to).push_back(c);
}

void SwapArea::relocate(unsigned c) {
  const Cluster& cl = clusters_[c];
  const ListKind want = cl.count == 0                ? ListKind::free
                        : cl.count < cluster_pages_ ? ListKind::frag
                                                    : ListKind::full;
  if (cl.list != want) move_cluster(c, want);
}

std::optional<std::uint64_t> SwapArea::scan_cluster(unsigned c, std::uint64_t from, std::uint64_t& hint) {
  const std::uint64_t start = std::uint64_t{c} * cluster_pages_;
  const std::uint64_t end = std::min<std::uint64_t>(start + cluster_pages_, map_.size());
  Cluster& cl = clusters_[c];
  std::optional<std::uint64_t> found;
  std::uint64_t next = 0;
  if (cl.count < cluster_pages_) {
    for (std::uint64_t off = std::max(from, start); off < end; ++off) {
      if (map_[off] != 0) continue;
      map_[off] = kSwapHasCache;
      ++cl.count;
      ++inuse_;
      found = off;
      if (cl.count < cluster_pages_ && off + 1 < end) next = off + 1;
      break;
    }
  }
  relocate(c);
  hint = next;
  return found;
}

std::optional<std::uint64_t> SwapArea::scan_list(ListKind k, bool scan_all, std::uint64_t& hint) {
  std::deque<unsigned>& list = list_of(k);
  do {
    if (list.empty()) break;
    // isolate_lock_cluster(): off the list while it is scanned.
    const unsigned c = list.front();
    list.pop_front();
    clusters_[c].list = ListKind::none;
    if (auto found = scan_cluster(c, std::uint64_t{c} * cluster_pages_, hint)) return found;
  } while (scan_all);
  return std::nullopt;
}

std::optional<std::uint64_t> SwapArea::alloc_slot(unsigned cpu) {
  if (inuse_ >= pages_) return std::nullopt;
  std::uint64_t& hint = hints_[rotational_ ? 0 : std::min<std::size_t>(cpu, hints_.size() - 1)];
  if (hint != 0) {
    const auto c = static_cast<unsigned>(hint / cluster_pages_);
    if (clusters_[c].count < cluster_pages_) {
      // An empty cluster is scanned from its start.
      const std::uint64_t from = clusters_[c].count == 0 ? std::uint64_t{c} * cluster_pages_ : hint;
      if (auto found = scan_cluster(c, from, hint)) return found;
    }
  }
  if (auto found = scan_list(ListKind::nonfull, true, hint)) return found;
  if (auto found = scan_list(ListKind::free, false, hint)) return found;
  return scan_list(ListKind::frag, true, hint);
}

unsigned SwapArea::count(std::uint64_t offset) const {
  const std::uint8_t byte = map_[offset];
  if (!(byte & kSwapCountContinued)) return byte & ~kSwapHasCache;
  return kSwapMapMax + continued_.at(offset);
}

void SwapArea::dup(std::uint64_t offset) {
  if (map_[offset] == kSwapMapBad) throw std::logic_error("a reference to a bad swap slot");
  if (map_[offset] & kSwapCountContinued) {
    ++continued_[offset];
  } else if ((map_[offset] & ~kSwapHasCache) == kSwapMapMax) {
    map_[offset] |= kSwapCountContinued;
    continued_[offset] = 1;
  } else {
    ++map_[offset];
  }
}

void SwapArea::free_slot(std::uint64_t offset) {
  // swap_entries_free(): the slot and its cluster.
  map_[offset] = 0;
  zeromap[offset] = false;
  shadows.erase(offset);
  --inuse_;
  backing_->discard_slot(offset);
  const auto c = static_cast<unsigned>(offset / cluster_pages_);
  Cluster& cl = clusters_[c];
  --cl.count;
  if (cl.list == ListKind::none) return;  // being scanned: relocated after
  if (cl.count == 0) move_cluster(c, ListKind::free);                 // free_cluster()
  else if (cl.list != ListKind::nonfull) move_cluster(c, ListKind::nonfull);  // partial_free_cluster()
}

bool SwapArea::put_ref(std::uint64_t offset) {
  if (count(offset) == 0) throw std::logic_error("a swap slot lost a reference it did not have");
  if (map_[offset] & kSwapCountContinued) {
    // swap_count_continued(): the counts aside go first.
    if (--continued_[offset] == 0) {
      continued_.erase(offset);
      map_[offset] &= static_cast<std::uint8_t>(~kSwapCountContinued);
    }
    return false;
  }
  --map_[offset];
  if (map_[offset] != 0) return false;
  free_slot(offset);
  return true;
}

bool SwapArea::put_cache(std::uint64_t offset) {
  if (!(map_[offset] & kSwapHasCache)) throw std::logic_error("a swap slot's cache mark was dropped twice");
  map_[offset] &= static_cast<std::uint8_t>(~kSwapHasCache);
  if (map_[offset] != 0) return false;
  free_slot(offset);
  return true;
}

}  // namespace vmlab::mm
