#include "kernel/stack_image.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "vmlab/units.h"

namespace vmlab::kern {

namespace {

constexpr std::uint64_t kWord = 8;           // sizeof(elf_addr_t)
constexpr std::uint64_t kStackExpand = 131072;  // setup_arg_pages(): 128 KiB

// A string as the kernel reads it from user memory: up to the first NUL.
std::string_view c_string(const std::string& s) { return std::string_view(s.c_str()); }

// The strings as execve copies them, each up to its first NUL; an empty argv becomes
// {""} (do_execveat_common(), so argv[1] is never envp[0]).
struct ArgViews {
  std::vector<std::string_view> argv, envp;
  std::string_view execfn;
};
ArgViews arg_views(const StackSpec& spec) {
  ArgViews v;
  for (const std::string& s : spec.argv) v.argv.push_back(c_string(s));
  if (v.argv.empty()) v.argv.push_back("");
  for (const std::string& s : spec.envp) v.envp.push_back(c_string(s));
  v.execfn = c_string(spec.execfn);
  return v;
}

Unexpected<ExecError> fail(Errno e, std::string message) {
  return {ExecError{e, false, std::move(message)}};
}

// Writes into the image of [low, top).
class Writer {
 public:
  Writer(std::vector<std::uint8_t>& bytes, std::uint64_t low) : bytes_(bytes), low_(low) {}
  void put_word(std::uint64_t addr, std::uint64_t v) {
    for (std::uint64_t i = 0; i < kWord; ++i) bytes_[addr - low_ + i] = (v >> (8 * i)) & 0xff;
  }
  void put_bytes(std::uint64_t addr, const void* src, std::size_t n) {
    if (n != 0) std::memcpy(bytes_.data() + (addr - low_), src, n);
  }

 private:
  std::vector<std::uint8_t>& bytes_;
  std::uint64_t low_;
};

}  // namespace

Expected<std::uint64_t, ExecError> arg_strings_size(const StackSpec& spec) {
  const auto [argv, envp, execfn] = arg_views(spec);
  const std::uint64_t argc = argv.size();
  const std::uint64_t envc = envp.size();

  // copy_strings()/copy_string_kernel(): each string, NUL included, at most
  // MAX_ARG_STRLEN.
  std::uint64_t strings = 0;
  std::vector<std::string_view> all{execfn};
  all.insert(all.end(), envp.begin(), envp.end());
  all.insert(all.end(), argv.begin(), argv.end());
  for (std::string_view s : all) {
    if (s.size() + 1 > kMaxArgStrlen)
      return fail(Errno::toobig,
                  fmt::format("argument string of {} bytes longer than MAX_ARG_STRLEN ({})",
                              s.size() + 1, kMaxArgStrlen));
    strings += s.size() + 1;
  }

  // bprm_stack_limits(): strings and pointers within a quarter of the stack rlimit
  // (at most 3/4 of _STK_LIM, at least ARG_MAX).
  std::uint64_t limit = std::min(kStkLim / 4 * 3, spec.stack_rlimit / 4);
  limit = std::max(limit, kArgMax);
  const std::uint64_t ptr_size = (argc + envc) * kWord;
  if (limit <= ptr_size)
    return fail(Errno::toobig, fmt::format("argument list too long: {} pointers, limit {} bytes",
                                           argc + envc, limit));
  limit -= ptr_size;
  if (strings > limit)
    return fail(Errno::toobig,
                fmt::format("argument list too long: {} bytes of strings, limit {}", strings, limit));
  return strings;
}

Expected<StackImage, ExecError> build_stack_image(const StackSpec& spec) {
  if (auto checked = arg_strings_size(spec); !checked) return checked.error();
  const auto [argv, envp, execfn] = arg_views(spec);
  const std::uint64_t argc = argv.size();
  const std::uint64_t envc = envp.size();

  // The auxv as the caller ordered it, through the first AT_NULL.
  std::vector<AuxEntry> auxv;
  for (const AuxEntry& e : spec.auxv) {
    if (e.type == kAtNull) break;
    if (e.type == kAtPlatform && !spec.platform)
      return fail(Errno::inval, "AT_PLATFORM in auxv without a platform string");
    auxv.push_back(e);
  }
  auxv.push_back(AuxEntry{kAtNull, 0});

  StackImage img;
  // __bprm_mm_init(): bprm->p starts one word below the top. The filename goes first,
  // then envp and argv, each list copied from its last string down.
  std::uint64_t p = spec.top - kWord;
  p -= execfn.size() + 1;
  img.execfn = p;
  img.env_end = p;
  std::vector<std::uint64_t> env_addr(envc), arg_addr(argc);
  for (std::uint64_t i = envc; i-- > 0;) {
    p -= envp[i].size() + 1;
    env_addr[i] = p;
  }
  img.env_start = img.arg_end = p;
  for (std::uint64_t i = argc; i-- > 0;) {
    p -= argv[i].size() + 1;
    arg_addr[i] = p;
  }
  img.arg_start = p;

  // create_elf_tables(): arch_align_stack(), then the platform string and the random
  // bytes, each STACK_ALLOC()ed below the last.
  std::uint64_t q = (p - spec.align_jitter) & ~std::uint64_t{15};
  if (spec.platform) {
    q -= c_string(*spec.platform).size() + 1;
    img.platform = q;
  }
  q -= spec.random.size();
  img.random = q;

  for (AuxEntry& e : auxv) {
    if (e.type == kAtRandom) e.value = img.random;
    if (e.type == kAtExecfn) e.value = img.execfn;
    if (e.type == kAtPlatform) e.value = img.platform;
  }
  // STACK_ADD() for the auxv, STACK_ROUND() for argc, argv, envp and their NULLs.
  const std::uint64_t ei_words = 2 * auxv.size();
  const std::uint64_t items = (argc + 1) + (envc + 1) + 1;
  const std::uint64_t sp = (q - ei_words * kWord - items * kWord) & ~std::uint64_t{15};
  if (spec.top < kPageSize || sp >= spec.top || spec.align_jitter > p)
    return fail(Errno::inval, fmt::format("stack top {:#x} too low for the stack image", spec.top));
  img.sp = img.low = sp;

  img.bytes.assign(spec.top - sp, 0);
  Writer w(img.bytes, sp);
  for (std::uint64_t i = 0; i < argc; ++i) w.put_bytes(arg_addr[i], argv[i].data(), argv[i].size());
  for (std::uint64_t i = 0; i < envc; ++i) w.put_bytes(env_addr[i], envp[i].data(), envp[i].size());
  w.put_bytes(img.execfn, execfn.data(), execfn.size());
  if (spec.platform) {
    const std::string_view plat = c_string(*spec.platform);
    w.put_bytes(img.platform, plat.data(), plat.size());
  }
  w.put_bytes(img.random, spec.random.data(), spec.random.size());

  std::uint64_t at = sp;
  w.put_word(at, argc);
  at += kWord;
  for (std::uint64_t a : arg_addr) {
    w.put_word(at, a);
    at += kWord;
  }
  at += kWord;  // NULL
  for (std::uint64_t a : env_addr) {
    w.put_word(at, a);
    at += kWord;
  }
  at += kWord;  // NULL
  for (const AuxEntry& e : auxv) {
    w.put_word(at, e.type);
    w.put_word(at + kWord, e.value);
    at += 2 * kWord;
  }
  img.auxv = std::move(auxv);

  // setup_arg_pages(): the VMA holding the strings (one page at least) grows by 128 KiB,
  // to at most the rlimit; create_elf_tables() then extends it down to sp.
  const std::uint64_t strings_start = std::min(page_align_down(img.arg_start), spec.top - kPageSize);
  const std::uint64_t rlim = spec.stack_rlimit & kPageMask;
  const std::uint64_t expand = std::min(rlim, (spec.top - strings_start) + kStackExpand);
  img.vma_start = std::min(spec.top - expand, page_align_down(sp));
  return img;
}

}  // namespace vmlab::kern
