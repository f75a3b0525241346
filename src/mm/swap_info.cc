#include "mm/swap_info.h"

#include <algorithm>

namespace vmlab::mm {

std::optional<unsigned> SwapInfo::free_type() const {
  for (unsigned t = 0; t < kMaxSwapFiles; ++t) {
    if (t >= areas_.size() || areas_[t] == nullptr) return t;
  }
  return std::nullopt;
}

void SwapInfo::add(std::unique_ptr<SwapArea> area) {
  const unsigned t = area->type();
  if (areas_.size() <= t) areas_.resize(t + 1);
  areas_[t] = std::move(area);
}

std::unique_ptr<SwapArea> SwapInfo::remove(unsigned type) {
  std::unique_ptr<SwapArea> a = std::move(areas_[type]);
  while (!areas_.empty() && areas_.back() == nullptr) areas_.pop_back();
  return a;
}

void SwapInfo::renumber_after_removal(int prio) {
  if (prio >= 0) return;
  for (auto& a : areas_) {
    if (a && a->priority() < prio) a->set_priority(a->priority() + 1);
  }
  ++least_priority_;
}

std::uint64_t SwapInfo::total_pages() const {
  std::uint64_t n = 0;
  for (const auto& a : areas_) n += a && a->writeok ? a->pages() : 0;  // swapoff takes an area out first
  return n;
}

std::uint64_t SwapInfo::free_pages() const {
  std::uint64_t n = 0;
  for (const auto& a : areas_) n += a && a->writeok ? a->pages() - a->inuse_pages() : 0;
  return n;
}

bool SwapInfo::any_rotational() const {
  return std::any_of(areas_.begin(), areas_.end(), [](const auto& a) { return a && a->rotational(); });
}

std::optional<hw::SwapEntry> SwapInfo::alloc(unsigned cpu) {
  // swap_alloc_slow(): the areas by priority, highest first; among equals, starting
  // from the next in turn (plist_requeue()).
  std::vector<SwapArea*> order;
  for (const auto& a : areas_) {
    if (a && a->writeok) order.push_back(a.get());
  }
  std::stable_sort(order.begin(), order.end(), [](SwapArea* x, SwapArea* y) { return x->priority() > y->priority(); });
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j < order.size() && order[j]->priority() == order[i]->priority()) ++j;
    const std::size_t n = j - i;
    for (std::size_t k = 0; k < n; ++k) {
      SwapArea* a = order[i + (turn_ + k) % n];
      if (auto off = a->alloc_slot(cpu)) {
        if (n > 1) ++turn_;
        return hw::SwapEntry{a->type(), *off};
      }
    }
    i = j;
  }
  return std::nullopt;
}

}  // namespace vmlab::mm
