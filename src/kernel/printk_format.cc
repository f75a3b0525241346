#include "kernel/printk_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

namespace vmlab::kern {

namespace {

// A fixed-size output buffer with the two ways printk.c writes into one: scnprintf()
// (at most the room left minus the NUL it keeps) and append_char() (while there is
// room).
class BoundedText {
 public:
  explicit BoundedText(std::size_t size) : size_(size) {}
  void scnprintf(std::string_view s) {
    const std::size_t room = size_ - out_.size();
    if (room > 0) out_.append(s.substr(0, std::min(s.size(), room - 1)));
  }
  void append_char(char c) {
    if (out_.size() < size_) out_.push_back(c);
  }
  std::string take() { return std::move(out_); }

 private:
  std::size_t size_;
  std::string out_;
};

// msg_add_ext_text(): the text with the bytes /dev/kmsg escapes as "\xNN", then `endc`.
void add_ext_text(BoundedText& out, std::string_view text, char endc) {
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < ' ' || c >= 127 || c == '\\') {
      out.scnprintf(fmt::format("\\x{:02x}", c));
    } else {
      out.append_char(ch);
    }
  }
  out.append_char(endc);
}

// msg_add_dict_text(): " KEY=VALUE\n", nothing for an empty value.
void add_dict_text(BoundedText& out, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  add_ext_text(out, "", ' ');
  add_ext_text(out, key, '=');
  add_ext_text(out, value, '\n');
}

}  // namespace

std::string print_prefix(const PrintkInfo& info, bool syslog, bool time) {
  std::string out;
  if (syslog) out = fmt::format("<{}>", (unsigned{info.facility} << 3) | info.level);
  // print_time(): seconds right-aligned in five columns, then microseconds.
  if (time) out += fmt::format("[{:5}.{:06}] ", info.ts_nsec / 1000000000ULL, info.ts_nsec % 1000000000ULL / 1000);
  return out;
}

std::string record_print_text(const PrintkRecord& r, bool syslog, bool time, std::size_t buf_size) {
  const std::string prefix = print_prefix(r.info, syslog, time);
  const std::string_view text = r.text;
  std::string out;
  // The same walk as Linux's in-place one: `left` bytes of text remain from `pos`;
  // each line needs the prefix, itself and a newline, and the buffer keeps a NUL.
  std::size_t left = std::min(text.size(), buf_size);
  std::size_t pos = 0;
  bool truncated = false;
  while (true) {
    const std::size_t nl = text.substr(pos, left).find('\n');
    std::size_t line_len;
    if (nl != std::string_view::npos) {
      line_len = nl;
    } else {
      if (truncated) break;  // the cut-off rest of a line is dropped
      line_len = left;
    }
    if (out.size() + prefix.size() + left + 2 > buf_size) {
      if (out.size() + prefix.size() + line_len + 2 > buf_size) break;  // not even this line
      left = buf_size - out.size() - prefix.size() - 2;
      truncated = true;
    }
    out += prefix;
    out += text.substr(pos, line_len);
    out += '\n';  // the line's own newline, or the one vprintk_store() removed
    if (left == line_len) break;
    pos += line_len + 1;
    left -= line_len + 1;
  }
  return out;
}

std::size_t record_print_text_size(const PrintkRecord& r, bool syslog, bool time) {
  // count_lines(): one more than the newlines in the text.
  const std::size_t lines = 1 + static_cast<std::size_t>(std::count(r.text.begin(), r.text.end(), '\n'));
  return print_prefix(r.info, syslog, time).size() * lines + r.text.size() + 1;
}

std::string devkmsg_format(const PrintkRecord& r) {
  BoundedText out(kPrintkMessageMax);
  const PrintkInfo& i = r.info;
  // info_print_ext_header(): "PRI,SEQ,USEC,FLAG;" where FLAG is 'c' for a fragment
  // of a continuation line.
  out.scnprintf(fmt::format("{},{},{},{};", (unsigned{i.facility} << 3) | i.level, i.seq, i.ts_nsec / 1000,
                            (i.flags & kLogCont) ? 'c' : '-'));
  add_ext_text(out, r.text, '\n');
  add_dict_text(out, "SUBSYSTEM", i.dev_info.subsystem);
  add_dict_text(out, "DEVICE", i.dev_info.device);
  return out.take();
}

}  // namespace vmlab::kern
