#include "kernel/printk_ringbuffer.h"

#include <stdexcept>
#include <string>

namespace vmlab::kern {

namespace {
// struct prb_data_block: the descriptor id stored in front of a block's text.
constexpr std::uint64_t kBlockIdSize = 8;
}  // namespace

PrintkRingbuffer::PrintkRingbuffer(unsigned data_bits, unsigned desc_bits)
    : data_bits_(data_bits),
      data_size_(data_bits < 64 ? 1ULL << data_bits : 0),
      desc_count_(desc_bits < 64 ? 1ULL << desc_bits : 0) {
  // The data ring must hold at least one block of the smallest size twice over
  // (data_check_size()); Linux's CONFIG_LOG_BUF_SHIFT is 12 to 25.
  if (data_bits < 5 || data_bits > 40 || desc_bits > data_bits) {
    throw std::invalid_argument("printk ring buffer: 2^" + std::to_string(data_bits) + " bytes and 2^" +
                                std::to_string(desc_bits) + " records is not a ring Linux can have");
  }
  // BLK0_LPOS(): both positions start one whole wrap below 0.
  head_lpos_ = tail_lpos_ = 0 - data_size_;
}

std::uint64_t PrintkRingbuffer::block_size(std::uint32_t size) {
  return (size + kBlockIdSize + kBlockIdSize - 1) & ~(kBlockIdSize - 1);
}

std::uint64_t PrintkRingbuffer::next_lpos(std::uint64_t lpos, std::uint64_t size) const {
  const std::uint64_t next = lpos + size;
  if (wraps(lpos) == wraps(next)) return next;
  // A block that would reach the end of the ring (even exactly) is stored at its
  // start instead; its span covers the unused tail of the wrap too.
  return (next & ~(data_size_ - 1)) + size;
}

bool PrintkRingbuffer::push_data_tail(std::uint64_t lpos) {
  // As data_push_tail(): while the tail is below `lpos` (modulo wrap-around), the
  // oldest block's record is made reusable and the tail moves past the block.
  while (lpos - tail_lpos_ - 1 < data_size_) {
    if (slots_.empty() || slots_.front().begin != tail_lpos_) {
      throw std::logic_error("printk ring buffer: the data tail is not the oldest record's block");
    }
    if (!slots_.front().finalized) return false;  // data_make_reusable(): still being written
    tail_lpos_ = slots_.front().next;
    slots_.pop_front();
  }
  return true;
}

std::optional<std::uint64_t> PrintkRingbuffer::push(PrintkInfo info, std::string_view text,
                                                    std::uint32_t reserve_size, bool final) {
  if (!fits(reserve_size)) return std::nullopt;
  // desc_reserve(): a full descriptor ring gives up its oldest record, which must be
  // finalized (desc_push_tail()), and its text block with it.
  if (slots_.size() == desc_count_) {
    if (slots_.empty() || !slots_.front().finalized) return std::nullopt;
    if (!push_data_tail(slots_.front().next)) return std::nullopt;
  }
  // prb_reserve(): the record before it can no longer be continued.
  if (!slots_.empty()) slots_.back().finalized = true;
  // data_alloc(): room for the block at the head, pushing the tail as far as needed.
  // Every record but the new one is finalized now, so the tail always gives way.
  const std::uint64_t size = block_size(reserve_size);
  const std::uint64_t begin = head_lpos_;
  const std::uint64_t next = next_lpos(begin, size);
  if (!push_data_tail(next - data_size_)) {
    throw std::logic_error("printk ring buffer: a finalized ring refused to make room");
  }
  head_lpos_ = next;
  info.seq = next_seq_++;
  slots_.push_back(Slot{PrintkRecord{std::move(info), std::string(text)}, begin, next, final});
  return slots_.back().record.info.seq;
}

bool PrintkRingbuffer::extend_last(std::uint32_t caller_id, std::string_view text, std::uint32_t reserve_size,
                                   std::uint32_t max_size, bool final) {
  // desc_reopen_last(): only the newest record, still open, by the same caller.
  if (slots_.empty() || slots_.back().finalized || slots_.back().record.info.caller_id != caller_id) return false;
  const std::uint64_t total = slots_.back().record.text.size() + std::uint64_t{reserve_size};
  if (total > max_size || !fits(static_cast<std::uint32_t>(total))) return false;
  // data_realloc(): the block grows in place, or moves to the start of the ring when
  // it would now reach the end; one that needs no more room stays as it is.
  const std::uint64_t begin = slots_.back().begin;
  const std::uint64_t next = next_lpos(begin, block_size(static_cast<std::uint32_t>(total)));
  if (head_lpos_ - next >= data_size_) {
    if (next - begin > data_size_) return false;
    if (!push_data_tail(next - data_size_)) {
      throw std::logic_error("printk ring buffer: a record older than the open one is not finalized");
    }
    head_lpos_ = next;
    slots_.back().next = next;
  }
  Slot& last = slots_.back();
  last.record.text.append(text);
  if (final) {
    last.record.info.flags |= kLogNewline;
    last.finalized = true;
  }
  return true;
}

const PrintkRecord* PrintkRingbuffer::read_valid(std::uint64_t seq) const {
  if (slots_.empty()) return nullptr;
  // _prb_read_valid(): a reader behind the tail catches up to the oldest record.
  const std::uint64_t first = slots_.front().record.info.seq;
  if (seq < first) seq = first;
  if (seq - first >= slots_.size()) return nullptr;
  const Slot& s = slots_[seq - first];
  return s.finalized ? &s.record : nullptr;
}

std::uint64_t PrintkRingbuffer::first_valid_seq() const {
  const PrintkRecord* r = read_valid(0);
  return r != nullptr ? r->info.seq : 0;
}

std::uint64_t PrintkRingbuffer::next_seq() const {
  if (slots_.empty()) return 0;
  // Every record but the newest is finalized: the newest is either readable or the
  // first that is not.
  const Slot& newest = slots_.back();
  return newest.finalized ? newest.record.info.seq + 1 : newest.record.info.seq;
}

}  // namespace vmlab::kern
