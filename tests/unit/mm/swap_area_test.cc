// Swap slot allocation as Linux 6.18 does it (cluster_alloc_swap_entry()), and the
// swap_map counts.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "hw/swap_pte.h"
#include "mm/swap_area.h"

namespace vmlab::mm {
namespace {

// Slot contents kept in a map, for the tests.
class MapBacking : public SwapBacking {
 public:
  void read_slot(std::uint64_t o, std::uint8_t* page) override { std::copy(slots[o].begin(), slots[o].end(), page); }
  void write_slot(std::uint64_t o, const std::uint8_t* page) override { slots[o].assign(page, page + kPageSize); }
  void discard_slot(std::uint64_t o) override { slots.erase(o); }
  std::map<std::uint64_t, std::vector<std::uint8_t>> slots;
};

SwapArea area(std::uint64_t max_pages, bool rotational, unsigned cpus = 1, unsigned cluster = 512) {
  SwapArea::Options o;
  o.name = "/swapfile";
  o.max_pages = max_pages;
  o.rotational = rotational;
  o.cpus = cpus;
  o.cluster_pages = cluster;
  o.backing = std::make_shared<MapBacking>();
  return SwapArea(o);
}

TEST(SwapArea, SlotsComeInOrderFromOne) {
  SwapArea a = area(16384, true);  // a 64 MiB swap file: last_page 0x3fff
  EXPECT_EQ(a.pages(), 16383u);
  for (std::uint64_t want = 1; want <= 64; ++want) EXPECT_EQ(a.alloc_slot(0), want);  // seen on 6.18: 1..64
  EXPECT_EQ(a.inuse_pages(), 64u);
  EXPECT_EQ(a.map(1), kSwapHasCache);
}

TEST(SwapArea, ClustersFillThenTheNextOneIsTaken) {
  SwapArea a = area(4 * 512, true);
  for (std::uint64_t want = 1; want < 512; ++want) ASSERT_EQ(a.alloc_slot(0), want);
  EXPECT_EQ(a.alloc_slot(0), 512u);  // cluster 0 is full: cluster 1 from the free list
  // A slot freed in the full cluster puts it on the non-full list, but the hint goes
  // on in cluster 1 until it fills.
  EXPECT_TRUE(a.put_cache(100));
  EXPECT_EQ(a.alloc_slot(0), 513u);
  for (std::uint64_t want = 514; want < 1024; ++want) ASSERT_EQ(a.alloc_slot(0), want);
  EXPECT_EQ(a.alloc_slot(0), 100u);  // then the non-full list, from its start
  EXPECT_EQ(a.alloc_slot(0), 1024u);
}

TEST(SwapArea, SolidStateCpusStartClustersOfTheirOwn) {
  SwapArea a = area(4 * 512, false, 2);
  EXPECT_EQ(a.alloc_slot(0), 1u);
  EXPECT_EQ(a.alloc_slot(1), 512u);
  EXPECT_EQ(a.alloc_slot(0), 2u);
  EXPECT_EQ(a.alloc_slot(1), 513u);
}

TEST(SwapArea, CountsReferencesAndTheCache) {
  SwapArea a = area(1024, true);
  const std::uint64_t s = *a.alloc_slot(0);
  a.dup(s);  // a PTE
  a.dup(s);  // and a forked copy of it
  EXPECT_EQ(a.count(s), 2u);
  EXPECT_FALSE(a.put_cache(s));  // the page left the swap cache; the PTEs still refer
  EXPECT_FALSE(a.put_ref(s));
  EXPECT_TRUE(a.put_ref(s));     // the last one frees it
  EXPECT_EQ(a.map(s), 0);
  EXPECT_EQ(a.inuse_pages(), 0u);
  EXPECT_THROW(a.put_ref(s), std::logic_error);
}

TEST(SwapArea, AFullAreaHasNoSlot) {
  SwapArea a = area(8, true, 1, 256);
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(a.alloc_slot(0).has_value());
  EXPECT_FALSE(a.alloc_slot(0).has_value());
}

TEST(SwapPte, EncodesAsX8664) {
  EXPECT_EQ(hw::swap_pte(hw::SwapEntry{0, 1}, false), 0x07fffffffffffc00ULL);
  const hw::Pte p = hw::swap_pte(hw::SwapEntry{2, 77777}, true);
  EXPECT_TRUE(hw::is_swap_pte(p));
  EXPECT_TRUE(hw::pte_swp_exclusive(p));
  EXPECT_EQ(hw::pte_swap_entry(p).type, 2u);
  EXPECT_EQ(hw::pte_swap_entry(p).offset, 77777u);
}

}  // namespace
}  // namespace vmlab::mm
