// The printk ring buffer (kernel/printk/printk_ringbuffer.c): the kernel log's records,
// kept the way Linux keeps them so that the same records are lost when it fills. Two
// rings bound it: the descriptor ring (2^desc_bits records at most) and the text data
// ring (2^data_bits bytes), where each record's text takes a block of its reserved
// size plus an 8-byte id, rounded up to 8 bytes; a block that would reach the end of
// the data ring starts over at its beginning and its block also covers the unused
// tail. When either ring is full, the oldest records go.
//
// A record is readable once finalized. A record whose text did not end in a newline
// stays open (committed) until its writer continues it (prb_reserve_in_last(), for
// KERN_CONT) or any new record is reserved; readers do not see it before then.
// Sequence numbers start at 0 and never repeat.
//
// One writer at a time (vmlab's kernel runs one system call at a time), so the states
// Linux's lockless rings pass through between reserve and commit do not show here.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace vmlab::kern {

// enum printk_info_flags.
inline constexpr std::uint8_t kLogForceCon = 1;  // printed on consoles whatever their level
inline constexpr std::uint8_t kLogNewline = 2;   // the text ended with a newline
inline constexpr std::uint8_t kLogCont = 8;      // a KERN_CONT fragment that could not be appended

// struct dev_printk_info: the device a dev_printk() record is about; /dev/kmsg shows
// it as SUBSYSTEM= and DEVICE= dictionary lines. Empty when the record has none.
struct DevPrintkInfo {
  std::string subsystem;
  std::string device;
};

// struct printk_info: what a record holds besides its text.
struct PrintkInfo {
  std::uint64_t seq = 0;
  std::uint64_t ts_nsec = 0;   // local_clock() when it was stored: virtual ns since boot
  std::uint8_t facility = 0;   // 0 kernel, 1 user (syslog facility codes)
  std::uint8_t level = 0;      // 0 (KERN_EMERG) to 7 (KERN_DEBUG)
  std::uint8_t flags = 0;      // kLog*
  std::uint32_t caller_id = 0; // printk_caller_id(): the task's pid, or 0x80000000 + CPU
  DevPrintkInfo dev_info;
};

struct PrintkRecord {
  PrintkInfo info;
  std::string text;  // without the trailing newline (kLogNewline says it had one)
};

class PrintkRingbuffer {
 public:
  // _DEFINE_PRINTKRB(): 2^data_bits bytes of text and 2^desc_bits descriptors. The
  // kernel log uses desc_bits = data_bits - PRB_AVGBITS (5).
  PrintkRingbuffer(unsigned data_bits, unsigned desc_bits);

  std::uint64_t data_size() const { return data_size_; }
  std::uint64_t desc_count() const { return desc_count_; }

  // prb_reserve() and the commit after it: a new record with `info` (seq assigned
  // here) and `text`, whose block is sized for `reserve_size` bytes (vprintk_store()
  // reserves the formatted length plus one, before the newline is stripped). The
  // newest record before it is finalized first; `final` finalizes this one too
  // (prb_final_commit()), else it stays open. Returns its sequence number, or nothing
  // when a block of that size could not fit the data ring (data_check_size()).
  std::optional<std::uint64_t> push(PrintkInfo info, std::string_view text, std::uint32_t reserve_size, bool final);

  // prb_reserve_in_last() and its commit: appends `text` to the newest record when it
  // is still open and was written by `caller_id`, growing its block by `reserve_size`
  // (the new total at most `max_size`); `final` finalizes it. False, with nothing
  // changed, when it cannot be continued.
  bool extend_last(std::uint32_t caller_id, std::string_view text, std::uint32_t reserve_size,
                   std::uint32_t max_size, bool final);

  // prb_read_valid(): the first finalized record at or after `seq`, skipping those
  // that were overwritten; null when there is none yet. Valid until the next push.
  const PrintkRecord* read_valid(std::uint64_t seq) const;
  // prb_first_valid_seq(): the oldest readable record's sequence number (0 if none).
  std::uint64_t first_valid_seq() const;
  // prb_next_seq(): the sequence number after the last readable record.
  std::uint64_t next_seq() const;

 private:
  struct Slot {
    PrintkRecord record;
    std::uint64_t begin = 0, next = 0;  // the text block's logical positions
    bool finalized = false;
  };
  // The end of a block of `size` bytes starting at `lpos` (get_next_lpos()).
  std::uint64_t next_lpos(std::uint64_t lpos, std::uint64_t size) const;
  // to_blk_size(), data_check_size().
  static std::uint64_t block_size(std::uint32_t size);
  bool fits(std::uint32_t size) const { return block_size(size) <= data_size_ / 2; }
  // data_push_tail(): drops the records whose blocks lie before `lpos`; false when
  // one of them is not finalized.
  bool push_data_tail(std::uint64_t lpos);
  // The wrap a logical position is in (DATA_WRAPS()).
  std::uint64_t wraps(std::uint64_t lpos) const { return lpos >> data_bits_; }

  const unsigned data_bits_;
  const std::uint64_t data_size_;
  const std::uint64_t desc_count_;
  std::deque<Slot> slots_;          // the descriptor ring from tail to head
  std::uint64_t head_lpos_, tail_lpos_;
  std::uint64_t next_seq_ = 0;      // the sequence number the next record gets
};

}  // namespace vmlab::kern
