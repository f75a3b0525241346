// hw::Tlb: set-associative, LRU within a set, hit/miss/flush counters.
#include <gtest/gtest.h>

#include "hw/tlb.h"

namespace vmlab::hw {
namespace {

TlbEntry entry(std::uint64_t vpn, Pfn pfn = 100) { return TlbEntry{vpn, pfn, true, true, false}; }

TEST(Tlb, Geometry) {
  Tlb t(TlbGeometry{64, 4});
  EXPECT_EQ(t.entries(), 64u);
  EXPECT_EQ(t.ways(), 4u);
}

TEST(Tlb, MissThenHitCountsAndReturnsTheEntry) {
  Tlb t(TlbGeometry{8, 2});
  EXPECT_EQ(t.lookup(5), nullptr);
  EXPECT_EQ(t.counters().misses, 1u);
  EXPECT_EQ(t.counters().hits, 0u);
  t.insert(entry(5, 42));
  TlbEntry* e = t.lookup(5);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->vpn, 5u);
  EXPECT_EQ(e->pfn, 42u);
  EXPECT_EQ(t.counters().hits, 1u);
  EXPECT_EQ(t.counters().misses, 1u);
  // peek neither counts nor reorders.
  EXPECT_NE(t.peek(5), nullptr);
  EXPECT_EQ(t.peek(6), nullptr);
  EXPECT_EQ(t.counters().hits, 1u);
  EXPECT_EQ(t.counters().misses, 1u);
}

TEST(Tlb, SetIndexIsTheLowVpnBits) {
  // 8 entries, 2 ways: 4 sets. VPNs 0, 4, 8, 12 share set 0; 1 goes to set 1.
  Tlb t(TlbGeometry{8, 2});
  t.insert(entry(0));
  t.insert(entry(4));
  t.insert(entry(1));  // another set: evicts nothing in set 0
  EXPECT_NE(t.peek(0), nullptr);
  EXPECT_NE(t.peek(4), nullptr);
  EXPECT_NE(t.peek(1), nullptr);
  t.insert(entry(8));  // set 0 is full: the least recently used (0) goes
  EXPECT_EQ(t.peek(0), nullptr);
  EXPECT_NE(t.peek(4), nullptr);
  EXPECT_NE(t.peek(8), nullptr);
  EXPECT_NE(t.peek(1), nullptr);
}

TEST(Tlb, LookupMakesTheEntryMostRecentlyUsed) {
  Tlb t(TlbGeometry{8, 2});
  t.insert(entry(0));
  t.insert(entry(4));      // order in set 0: 4, 0
  ASSERT_NE(t.lookup(0), nullptr);  // order: 0, 4
  t.insert(entry(8));      // evicts 4, the least recently used
  EXPECT_NE(t.peek(0), nullptr);
  EXPECT_EQ(t.peek(4), nullptr);
  EXPECT_NE(t.peek(8), nullptr);
}

TEST(Tlb, LruOrderAcrossFourWays) {
  Tlb t(TlbGeometry{16, 4});  // 4 sets of 4 ways; VPNs 0, 4, 8, ... share set 0
  for (std::uint64_t v : {0, 4, 8, 12}) t.insert(entry(v));
  // Touch in the order 8, 0, 12: LRU order (most recent first) is 12, 0, 8, 4.
  ASSERT_NE(t.lookup(8), nullptr);
  ASSERT_NE(t.lookup(0), nullptr);
  ASSERT_NE(t.lookup(12), nullptr);
  t.insert(entry(16));  // evicts 4
  EXPECT_EQ(t.peek(4), nullptr);
  t.insert(entry(20));  // evicts 8
  EXPECT_EQ(t.peek(8), nullptr);
  t.insert(entry(24));  // evicts 0
  EXPECT_EQ(t.peek(0), nullptr);
  EXPECT_NE(t.peek(12), nullptr);
  EXPECT_NE(t.peek(16), nullptr);
  EXPECT_NE(t.peek(20), nullptr);
  EXPECT_NE(t.peek(24), nullptr);
}

TEST(Tlb, InsertOfAPresentVpnReplacesItInPlace) {
  Tlb t(TlbGeometry{8, 2});
  t.insert(entry(0, 1));
  t.insert(entry(4, 2));
  t.insert(entry(0, 3));  // the same VPN again: replaced, made most recent, nothing evicted
  ASSERT_NE(t.peek(0), nullptr);
  EXPECT_EQ(t.peek(0)->pfn, 3u);
  EXPECT_NE(t.peek(4), nullptr);
  t.insert(entry(8));  // now 4 is the least recent
  EXPECT_EQ(t.peek(4), nullptr);
  EXPECT_NE(t.peek(0), nullptr);
}

TEST(Tlb, FlushPageRemovesOneEntryAndKeepsLruOrder) {
  Tlb t(TlbGeometry{16, 4});
  for (std::uint64_t v : {0, 4, 8, 12}) t.insert(entry(v));  // MRU first: 12, 8, 4, 0
  t.flush_page(8);
  EXPECT_EQ(t.counters().page_flushes, 1u);
  EXPECT_EQ(t.peek(8), nullptr);
  t.flush_page(8);  // not present: not counted
  t.flush_page(99);
  EXPECT_EQ(t.counters().page_flushes, 1u);
  // The freed way is used first; then the LRU (0) goes.
  t.insert(entry(16));
  EXPECT_NE(t.peek(0), nullptr);
  EXPECT_NE(t.peek(4), nullptr);
  t.insert(entry(20));
  EXPECT_EQ(t.peek(0), nullptr);
  EXPECT_NE(t.peek(4), nullptr);
  EXPECT_NE(t.peek(12), nullptr);
}

TEST(Tlb, FlushAllEmptiesEverySetAndCountsOnce) {
  Tlb t(TlbGeometry{16, 4});
  for (std::uint64_t v = 0; v < 16; ++v) t.insert(entry(v));
  t.flush_all();
  EXPECT_EQ(t.counters().full_flushes, 1u);
  EXPECT_EQ(t.counters().page_flushes, 0u);
  for (std::uint64_t v = 0; v < 16; ++v) EXPECT_EQ(t.peek(v), nullptr) << v;
  EXPECT_EQ(t.lookup(3), nullptr);
  EXPECT_EQ(t.counters().misses, 1u);
}

TEST(Tlb, FullyAssociativeWhenWaysEqualEntries) {
  Tlb t(TlbGeometry{4, 4});
  for (std::uint64_t v : {1, 2, 3, 1000}) t.insert(entry(v));
  for (std::uint64_t v : {1, 2, 3, 1000}) EXPECT_NE(t.peek(v), nullptr) << v;
  t.insert(entry(77));  // evicts 1, the oldest
  EXPECT_EQ(t.peek(1), nullptr);
}

}  // namespace
}  // namespace vmlab::hw
