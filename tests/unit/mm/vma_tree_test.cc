// mm::VmaTree: the ordered VMA set (find_vma() semantics, neighbours, moving a start).
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "mm/vma_tree.h"

namespace vmlab::mm {
namespace {

std::unique_ptr<Vma> vma(VirtAddr start, VirtAddr end) {
  auto v = std::make_unique<Vma>();
  v->start = start;
  v->end = end;
  return v;
}

class VmaTreeTest : public ::testing::Test {
 protected:
  VmaTreeTest() {
    a_ = tree_.insert(vma(0x1000, 0x3000));
    c_ = tree_.insert(vma(0x9000, 0xa000));
    b_ = tree_.insert(vma(0x5000, 0x8000));  // inserted out of order on purpose
  }
  VmaTree tree_;
  Vma* a_;
  Vma* b_;
  Vma* c_;
};

TEST_F(VmaTreeTest, SizeAndOrder) {
  EXPECT_EQ(tree_.size(), 3u);
  EXPECT_FALSE(tree_.empty());
  std::vector<VirtAddr> starts;
  for (const Vma& v : tree_) starts.push_back(v.start);
  EXPECT_EQ(starts, (std::vector<VirtAddr>{0x1000, 0x5000, 0x9000}));
}

TEST_F(VmaTreeTest, FindIsTheFirstVmaEndingAbove) {
  EXPECT_EQ(tree_.find(0), a_);        // below everything: the first VMA
  EXPECT_EQ(tree_.find(0x1000), a_);
  EXPECT_EQ(tree_.find(0x2fff), a_);
  EXPECT_EQ(tree_.find(0x3000), b_);   // a hole: the next VMA, which starts above
  EXPECT_EQ(tree_.find(0x4fff), b_);
  EXPECT_EQ(tree_.find(0x7fff), b_);
  EXPECT_EQ(tree_.find(0x8000), c_);
  EXPECT_EQ(tree_.find(0x9fff), c_);
  EXPECT_EQ(tree_.find(0xa000), nullptr);
  EXPECT_EQ(tree_.find(~0ULL), nullptr);
}

TEST_F(VmaTreeTest, FindContainingAndIntersecting) {
  EXPECT_EQ(tree_.find_containing(0x1000), a_);
  EXPECT_EQ(tree_.find_containing(0x3000), nullptr);
  EXPECT_EQ(tree_.find_containing(0x4000), nullptr);
  EXPECT_EQ(tree_.find_containing(0x5000), b_);
  EXPECT_EQ(tree_.find_intersecting(0x3000, 0x5000), nullptr);  // exactly the hole
  EXPECT_EQ(tree_.find_intersecting(0x3000, 0x5001), b_);
  EXPECT_EQ(tree_.find_intersecting(0x2000, 0x9001), a_);       // the first of several
  EXPECT_EQ(tree_.find_intersecting(0xa000, 0xb000), nullptr);
}

TEST_F(VmaTreeTest, PrevAndNext) {
  EXPECT_EQ(tree_.prev(*a_), nullptr);
  EXPECT_EQ(tree_.next(*a_), b_);
  EXPECT_EQ(tree_.prev(*b_), a_);
  EXPECT_EQ(tree_.next(*b_), c_);
  EXPECT_EQ(tree_.prev(*c_), b_);
  EXPECT_EQ(tree_.next(*c_), nullptr);
  EXPECT_EQ(&*tree_.at(*b_), b_);
}

TEST_F(VmaTreeTest, SetStartMovesTheKeyAndKeepsThePointer) {
  tree_.set_start(b_, 0x4000);  // grown down, as expand_downwards() does
  EXPECT_EQ(b_->start, 0x4000u);
  EXPECT_EQ(tree_.find_containing(0x4000), b_);
  EXPECT_EQ(tree_.find(0x3000), b_);
  EXPECT_EQ(tree_.prev(*b_), a_);
  EXPECT_EQ(tree_.next(*b_), c_);
  tree_.set_start(b_, 0x6000);  // shrunk from below
  EXPECT_EQ(tree_.find_containing(0x5000), nullptr);
  EXPECT_EQ(tree_.find_containing(0x6000), b_);
  EXPECT_EQ(tree_.size(), 3u);
}

TEST_F(VmaTreeTest, RemoveReturnsOwnershipAndUnlinks) {
  std::unique_ptr<Vma> owned = tree_.remove(b_);
  EXPECT_EQ(owned.get(), b_);
  EXPECT_EQ(tree_.size(), 2u);
  EXPECT_EQ(tree_.find(0x5000), c_);
  EXPECT_EQ(tree_.next(*a_), c_);
  EXPECT_EQ(tree_.prev(*c_), a_);
  tree_.remove(a_);
  tree_.remove(c_);
  EXPECT_TRUE(tree_.empty());
  EXPECT_EQ(tree_.find(0), nullptr);
}

TEST(Vma, IndexArithmetic) {
  Vma v;
  v.start = 0x10000;
  v.end = 0x14000;
  v.pgoff = 7;
  EXPECT_EQ(v.pages(), 4u);
  EXPECT_EQ(v.page_index(0x10000), 7u);
  EXPECT_EQ(v.page_index(0x13fff), 10u);
  EXPECT_EQ(v.address_of(9), 0x12000u);
  EXPECT_TRUE(v.maps_index(7));
  EXPECT_TRUE(v.maps_index(10));
  EXPECT_FALSE(v.maps_index(6));
  EXPECT_FALSE(v.maps_index(11));
  EXPECT_TRUE(v.contains(0x10000));
  EXPECT_FALSE(v.contains(0x14000));
  // Private writable-or-may-write and not shared: a copy-on-write mapping.
  v.flags = VM_READ | VM_MAYREAD | VM_MAYWRITE;
  EXPECT_TRUE(v.is_cow());
  v.flags |= VM_SHARED | VM_MAYSHARE;
  EXPECT_FALSE(v.is_cow());
}

}  // namespace
}  // namespace vmlab::mm
