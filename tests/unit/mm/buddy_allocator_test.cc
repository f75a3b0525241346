// mm::BuddyAllocator: blocks split on allocation and merge with their buddy on free;
// free counts per order; check() recounts the lists.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "hw/physical_memory.h"
#include "mm/buddy_allocator.h"
#include "mm/frame.h"

namespace vmlab::mm {
namespace {

class BuddyTest : public ::testing::Test {
 protected:
  static constexpr std::uint64_t kPages = 4096;  // four blocks of order 10
  BuddyTest() : mem_(kPages, true), frames_(kPages), buddy_(frames_, mem_) {}
  std::vector<std::uint64_t> counts() const {
    std::vector<std::uint64_t> c;
    for (unsigned o = 0; o <= BuddyAllocator::kMaxOrder; ++o) c.push_back(buddy_.free_blocks(o));
    return c;
  }
  hw::PhysicalMemory mem_;
  FrameTable frames_;
  BuddyAllocator buddy_;
};

TEST_F(BuddyTest, AddRangeMakesTheLargestAlignedBlocks) {
  buddy_.add_range(0, kPages);
  EXPECT_EQ(buddy_.free_pages(), kPages);
  EXPECT_EQ(buddy_.free_blocks(10), 4u);
  for (unsigned o = 0; o < 10; ++o) EXPECT_EQ(buddy_.free_blocks(o), 0u) << o;
  EXPECT_TRUE(buddy_.check());
}

TEST_F(BuddyTest, AddRangeFromAnOddFrame) {
  // As the machine does it (frame 0 is the zero page): 1, 2-3, 4-7, ... 512-1023, then
  // whole order-10 blocks.
  buddy_.add_range(1, kPages - 1);
  EXPECT_EQ(buddy_.free_pages(), kPages - 1);
  for (unsigned o = 0; o < 10; ++o) EXPECT_EQ(buddy_.free_blocks(o), 1u) << o;
  EXPECT_EQ(buddy_.free_blocks(10), 3u);
  EXPECT_TRUE(buddy_.check());
}

TEST_F(BuddyTest, AllocSplitsDownAndFreeMergesBack) {
  buddy_.add_range(0, 1024);
  const Pfn p = buddy_.alloc(0);
  ASSERT_NE(p, kNoPfn);
  EXPECT_EQ(p, 0u);  // the lower half is kept at each split
  EXPECT_EQ(frames_[p].refcount, 1);
  EXPECT_FALSE(frames_[p].test(PG_buddy));
  EXPECT_EQ(buddy_.free_pages(), 1023u);
  // One free block of each order 0..9 remains: the upper halves.
  for (unsigned o = 0; o < 10; ++o) EXPECT_EQ(buddy_.free_blocks(o), 1u) << o;
  EXPECT_EQ(buddy_.free_blocks(10), 0u);
  EXPECT_TRUE(frames_[1].test(PG_buddy));
  EXPECT_EQ(frames_[512].order, 9u);
  EXPECT_TRUE(buddy_.check());

  frames_[p].refcount = 0;
  buddy_.free(p, 0);
  EXPECT_EQ(buddy_.free_pages(), 1024u);
  EXPECT_EQ(buddy_.free_blocks(10), 1u);
  for (unsigned o = 0; o < 10; ++o) EXPECT_EQ(buddy_.free_blocks(o), 0u) << o;
  EXPECT_TRUE(buddy_.check());
}

TEST_F(BuddyTest, MergeNeedsTheBuddyFreeAndOfTheSameOrder) {
  buddy_.add_range(0, 1024);
  const Pfn a = buddy_.alloc(0);  // 0
  const Pfn b = buddy_.alloc(0);  // 1
  const Pfn c = buddy_.alloc(1);  // 2-3
  EXPECT_EQ(a, 0u);
  EXPECT_EQ(b, 1u);
  EXPECT_EQ(c, 2u);
  EXPECT_EQ(buddy_.free_pages(), 1020u);
  frames_[a].refcount = 0;
  buddy_.free(a, 0);  // buddy 1 is allocated: stays order 0
  EXPECT_EQ(buddy_.free_blocks(0), 1u);
  EXPECT_TRUE(buddy_.check());
  frames_[c].refcount = 0;
  buddy_.free(c, 1);  // buddy 0-1 is not a free order-1 block: stays order 1
  EXPECT_EQ(buddy_.free_blocks(1), 1u);
  EXPECT_TRUE(buddy_.check());
  frames_[b].refcount = 0;
  buddy_.free(b, 0);  // 0+1 -> 0-1, + 2-3 -> 0-3, ... up to one order-10 block
  EXPECT_EQ(buddy_.free_blocks(0), 0u);
  EXPECT_EQ(buddy_.free_blocks(1), 0u);
  EXPECT_EQ(buddy_.free_blocks(10), 1u);
  EXPECT_EQ(buddy_.free_pages(), 1024u);
  EXPECT_TRUE(buddy_.check());
}

TEST_F(BuddyTest, HigherOrderAllocationsAreAligned) {
  buddy_.add_range(1, kPages - 1);
  for (unsigned order : {3u, 9u, 10u, 0u, 5u}) {
    const Pfn p = buddy_.alloc(order);
    ASSERT_NE(p, kNoPfn) << order;
    EXPECT_EQ(p % (1u << order), 0u) << "order " << order << " at " << p;
  }
  EXPECT_TRUE(buddy_.check());
}

TEST_F(BuddyTest, ExhaustionAndRecovery) {
  buddy_.add_range(0, 64);
  std::set<Pfn> got;
  for (int i = 0; i < 64; ++i) {
    const Pfn p = buddy_.alloc(0);
    ASSERT_NE(p, kNoPfn);
    EXPECT_TRUE(got.insert(p).second) << "frame handed out twice: " << p;
  }
  EXPECT_EQ(buddy_.free_pages(), 0u);
  EXPECT_EQ(buddy_.alloc(0), kNoPfn);
  EXPECT_EQ(buddy_.alloc(3), kNoPfn);
  EXPECT_TRUE(buddy_.check());
  // Free in a scattered order: everything merges back into one order-6 block.
  for (Pfn p = 0; p < 64; p += 2) {
    frames_[p].refcount = 0;
    buddy_.free(p, 0);
  }
  EXPECT_EQ(buddy_.free_blocks(0), 32u);
  for (Pfn p = 63; p < 64; p -= 2) {
    frames_[p].refcount = 0;
    buddy_.free(p, 0);
  }
  EXPECT_EQ(buddy_.free_pages(), 64u);
  EXPECT_EQ(buddy_.free_blocks(6), 1u);
  for (unsigned o = 0; o < 6; ++o) EXPECT_EQ(buddy_.free_blocks(o), 0u) << o;
  EXPECT_TRUE(buddy_.check());
}

TEST_F(BuddyTest, OrderTenNeverMergesFurther) {
  buddy_.add_range(0, 2048);
  const Pfn a = buddy_.alloc(10);
  const Pfn b = buddy_.alloc(10);
  ASSERT_NE(a, kNoPfn);
  ASSERT_NE(b, kNoPfn);
  EXPECT_EQ(buddy_.alloc(10), kNoPfn);
  frames_[a].refcount = 0;
  buddy_.free(a, 10);
  frames_[b].refcount = 0;
  buddy_.free(b, 10);
  EXPECT_EQ(buddy_.free_blocks(10), 2u);
  EXPECT_TRUE(buddy_.check());
}

TEST_F(BuddyTest, CheckNoticesACorruptedCount) {
  buddy_.add_range(0, 1024);
  ASSERT_TRUE(buddy_.check());
  // A free block whose frame claims another order.
  frames_[0].order = 3;
  EXPECT_FALSE(buddy_.check());
  frames_[0].order = 10;
  EXPECT_TRUE(buddy_.check());
  frames_[0].refcount = 1;
  EXPECT_FALSE(buddy_.check());
}

TEST_F(BuddyTest, FreedLargeBlocksReadZero) {
  buddy_.add_range(0, 1024);
  const Pfn p = buddy_.alloc(9);
  ASSERT_NE(p, kNoPfn);
  for (Pfn i = p; i < p + 512; ++i) {
    mem_.zero(i);
    mem_.frame(i)[100] = 0xee;
  }
  frames_[p].refcount = 0;
  buddy_.free(p, 9);  // merges to order 10 and is given back to the host
  const Pfn q = buddy_.alloc(0);
  mem_.zero(q);  // free: the host already zeroed it
  EXPECT_EQ(mem_.frame(q)[100], 0);
}

}  // namespace
}  // namespace vmlab::mm
