// The printk ring buffer: sequence numbers, when records become readable, and which
// records go when the descriptor ring or the text ring is full, worked out by hand
// from printk_ringbuffer.c's block sizes (text reservation + 8, rounded up to 8) and
// its wrap rule (a block that would reach the end of the ring moves to its start).
#include "kernel/printk_ringbuffer.h"

#include <gtest/gtest.h>

#include <string>

namespace vmlab::kern {
namespace {

PrintkInfo info_by(std::uint32_t caller) {
  PrintkInfo i;
  i.level = 6;
  i.caller_id = caller;
  return i;
}

// A complete record of `text` reserved as vprintk_store() would ("text\n" and its NUL).
std::optional<std::uint64_t> line(PrintkRingbuffer& rb, const std::string& text, std::uint32_t caller = 1) {
  return rb.push(info_by(caller), text, static_cast<std::uint32_t>(text.size() + 2), true);
}

std::string text_at(const PrintkRingbuffer& rb, std::uint64_t seq) {
  const PrintkRecord* r = rb.read_valid(seq);
  return r == nullptr ? "(none)" : r->text;
}

TEST(PrintkRingbuffer, SequenceNumbersFromZero) {
  PrintkRingbuffer rb(17, 12);
  EXPECT_EQ(rb.data_size(), 131072u);
  EXPECT_EQ(rb.desc_count(), 4096u);
  EXPECT_EQ(rb.read_valid(0), nullptr);
  EXPECT_EQ(rb.first_valid_seq(), 0u);
  EXPECT_EQ(rb.next_seq(), 0u);
  EXPECT_EQ(line(rb, "one"), 0u);
  EXPECT_EQ(line(rb, "two"), 1u);
  EXPECT_EQ(text_at(rb, 0), "one");
  EXPECT_EQ(text_at(rb, 1), "two");
  EXPECT_EQ(rb.read_valid(1)->info.seq, 1u);
  EXPECT_EQ(rb.read_valid(2), nullptr);
  EXPECT_EQ(rb.next_seq(), 2u);
}

TEST(PrintkRingbuffer, AnOpenRecordIsReadOnceTheNextOneComes) {
  PrintkRingbuffer rb(17, 12);
  ASSERT_EQ(rb.push(info_by(7), "no newline", 11, false), 0u);
  EXPECT_EQ(rb.read_valid(0), nullptr);
  EXPECT_EQ(rb.next_seq(), 0u);
  ASSERT_EQ(line(rb, "next"), 1u);  // prb_reserve() finalizes the record before it
  EXPECT_EQ(text_at(rb, 0), "no newline");
  EXPECT_EQ(rb.next_seq(), 2u);
}

TEST(PrintkRingbuffer, ContinuationAppendsToTheSameCallersOpenRecord) {
  PrintkRingbuffer rb(17, 12);
  ASSERT_TRUE(rb.push(info_by(7), "Mem-Info:", 10, false));
  EXPECT_FALSE(rb.extend_last(8, " other", 7, 1024, false));     // another task's record
  EXPECT_FALSE(rb.extend_last(7, "x", 1024, 1024, false));       // would pass PRINTKRB_RECORD_MAX
  EXPECT_TRUE(rb.extend_last(7, " active_anon:0", 15, 1024, false));
  EXPECT_EQ(rb.read_valid(0), nullptr);
  EXPECT_TRUE(rb.extend_last(7, " inactive_anon:0", 18, 1024, true));
  ASSERT_NE(rb.read_valid(0), nullptr);
  EXPECT_EQ(text_at(rb, 0), "Mem-Info: active_anon:0 inactive_anon:0");
  EXPECT_TRUE(rb.read_valid(0)->info.flags & kLogNewline);
  EXPECT_FALSE(rb.extend_last(7, "more", 5, 1024, true));  // finalized: a new record is needed
  EXPECT_EQ(rb.next_seq(), 1u);
}

TEST(PrintkRingbuffer, FullDescriptorRingDropsTheOldest) {
  PrintkRingbuffer rb(17, 12);
  for (int i = 0; i < 4096; ++i) ASSERT_TRUE(line(rb, "m"));
  EXPECT_EQ(rb.first_valid_seq(), 0u);  // 4096 records fit 4096 descriptors
  ASSERT_EQ(line(rb, "m"), 4096u);
  EXPECT_EQ(rb.first_valid_seq(), 1u);
  // A reader still at 0 is moved on to the oldest record there is.
  ASSERT_NE(rb.read_valid(0), nullptr);
  EXPECT_EQ(rb.read_valid(0)->info.seq, 1u);
  EXPECT_EQ(rb.next_seq(), 4097u);
}

TEST(PrintkRingbuffer, FullTextRingDropsWhatTheNewBlockNeeds) {
  // 256 bytes of text, 8 descriptors. "x" * 24 reserves 26 bytes: a 40-byte block.
  PrintkRingbuffer rb(8, 3);
  const std::string t(24, 'x');
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(line(rb, t));  // 240 bytes
  EXPECT_EQ(rb.first_valid_seq(), 0u);
  // The 7th block would cross the end: it starts over at 0, the 16 bytes at the end
  // are part of it, and the ring's tail must reach 40 - 256: record 0 goes.
  ASSERT_TRUE(line(rb, t));
  EXPECT_EQ(rb.first_valid_seq(), 1u);
  ASSERT_TRUE(line(rb, t));  // 40..80: record 1 goes
  EXPECT_EQ(rb.first_valid_seq(), 2u);
  EXPECT_EQ(text_at(rb, 0), t);  // the oldest left
  EXPECT_EQ(rb.read_valid(0)->info.seq, 2u);
}

TEST(PrintkRingbuffer, ABlockEndingExactlyAtTheEndMovesToTheStart) {
  // Four 64-byte blocks would fill 256 bytes exactly, but the fourth is placed at the
  // start of the next wrap (get_next_lpos()), so only three fit.
  PrintkRingbuffer rb(8, 3);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(rb.push(info_by(1), "m", 56, true));
  EXPECT_EQ(rb.first_valid_seq(), 1u);
}

TEST(PrintkRingbuffer, SmallDescriptorRing) {
  PrintkRingbuffer rb(8, 1);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(line(rb, "m"));
  EXPECT_EQ(rb.first_valid_seq(), 1u);
  // With one descriptor, held by a record still open, there is no room: the new one
  // is lost as prb_reserve() loses it (desc_push_tail() waits for records being
  // written), and the open one stays as it was.
  PrintkRingbuffer one(8, 0);
  ASSERT_TRUE(one.push(info_by(1), "a", 2, false));
  EXPECT_FALSE(one.push(info_by(1), "b", 2, true));
  EXPECT_EQ(one.read_valid(0), nullptr);
  EXPECT_TRUE(one.extend_last(1, "c", 2, 1024, true));
  EXPECT_EQ(text_at(one, 0), "ac");
}

TEST(PrintkRingbuffer, BlocksLargerThanHalfTheRingAreRefused) {
  PrintkRingbuffer rb(8, 3);
  EXPECT_FALSE(rb.push(info_by(1), "big", 121, true));  // 136 > 128 (data_check_size())
  EXPECT_TRUE(rb.push(info_by(1), "ok", 120, true));    // 128
  EXPECT_THROW(PrintkRingbuffer(4, 2), std::invalid_argument);
}

}  // namespace
}  // namespace vmlab::kern
