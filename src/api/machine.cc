#include "vmlab/machine.h"

#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "api/machine_state.h"
#include "kernel/checker.h"
#include "kernel/kernel_log.h"
#include "kernel/printk_format.h"

namespace vmlab {

namespace {
// The number after "Name:" in a /proc file of "Name: value [kB]" lines.
std::uint64_t field_value(const std::string& text, std::string_view name, char sep) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > name.size() && line.compare(0, name.size(), name) == 0 && line[name.size()] == sep) {
      return std::stoull(line.substr(name.size() + 1));
    }
  }
  throw std::out_of_range("vmlab: no field " + std::string(name));
}
}  // namespace

std::uint64_t proc_field(const std::string& text, std::string_view name) { return field_value(text, name, ':'); }

Machine::Machine() : Machine(MachineConfig{}) {}

Machine::Machine(const MachineConfig& config) {
  config.validate();
  state_ = std::make_unique<detail::MachineState>(config);
}

Machine::~Machine() = default;

const MachineConfig& Machine::config() const { return state_->config; }

Process Machine::spawn(std::string_view name) {
  kern::Task& t = state_->kernel.spawn(name);
  return Process(state_.get(), t.tid);
}

Process Machine::process(int pid) {
  if (state_->kernel.find(pid) == nullptr) throw std::out_of_range("vmlab: no process " + std::to_string(pid));
  return Process(state_.get(), pid);
}

std::vector<int> Machine::pids() const { return state_->kernel.pids(); }

Result<void> Machine::write_file(std::string_view path, std::string_view contents, std::uint32_t mode) {
  return state_->kernel.write_whole_file(path, contents, mode);
}

Result<std::string> Machine::read_file(std::string_view path) { return state_->kernel.read_whole_file(path); }

Result<void> Machine::mkdir(std::string_view path) { return state_->kernel.rootfs().mkdir(path, 0755); }

void Machine::import_host_file(const std::string& host_path, std::string_view path) {
  std::ifstream in(host_path, std::ios::binary);
  if (!in) throw std::runtime_error(host_path + ": cannot read");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  struct stat st {};
  const std::uint32_t mode = ::stat(host_path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
  auto r = state_->kernel.write_whole_file(path, bytes, mode);
  if (!r) throw std::runtime_error(std::string(path) + ": cannot create: " + std::string(errno_name(r.error())));
}

void Machine::sync() { state_->kernel.sync(); }

std::string Machine::meminfo() const { return *state_->kernel.proc_text("/proc/meminfo", nullptr); }
std::string Machine::vmstat() const { return *state_->kernel.proc_text("/proc/vmstat", nullptr); }
std::uint64_t Machine::meminfo_kb(std::string_view field) const { return field_value(meminfo(), field, ':'); }
std::uint64_t Machine::vmstat_value(std::string_view field) const { return field_value(vmstat(), field, ' '); }

std::vector<LogRecord> Machine::kernel_log_records() const {
  std::vector<LogRecord> out;
  const kern::PrintkRingbuffer& ring = state_->kernel.log().ring();
  for (const kern::PrintkRecord* r; (r = ring.read_valid(out.empty() ? 0 : out.back().seq + 1)) != nullptr;) {
    out.push_back({r->info.seq, r->info.ts_nsec, r->info.facility, r->info.level, r->text});
  }
  return out;
}

std::string Machine::kernel_log() const {
  std::string out;
  const kern::PrintkRingbuffer& ring = state_->kernel.log().ring();
  for (const kern::PrintkRecord* r = ring.read_valid(0); r != nullptr; r = ring.read_valid(r->info.seq + 1)) {
    out += kern::record_print_text(*r, false, true);
  }
  return out;
}

void Machine::set_console(std::function<void(std::string_view)> fn) { state_->kernel.log().set_console(std::move(fn)); }

CheckReport Machine::check() const { return CheckReport{kern::check_consistency(state_->kernel)}; }

void Machine::subscribe(std::function<void(const obs::Event&)> fn) { state_->sys.events().subscribe(std::move(fn)); }

Machine::TlbStats Machine::tlb_stats(unsigned cpu) const {
  const hw::Cpu& c = state_->mmu.cpu(cpu);
  return TlbStats{c.l1d.counters().hits,  c.l1d.counters().misses, c.l1i.counters().hits,
                  c.l1i.counters().misses, c.l2.counters().hits,   c.l2.counters().misses,
                  c.walks, c.l1d.counters().full_flushes, c.l1d.counters().page_flushes, c.shootdowns};
}

std::uint64_t Machine::virtual_time_ns() const { return state_->sys.clock().latest(); }

}  // namespace vmlab
