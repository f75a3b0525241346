// A block device as the virtual clock sees it: one request at a time (queue depth 1),
// each taking a fixed latency plus a transfer time per page. A request submitted at t
// starts when the device is free and ends `latency + pages * transfer` later; the
// submitter learns when. Reads are waited for by whoever needs the data; writes are
// usually not (writeback completes later, see mm/page_io.h).
//
// The profiles are typical figures for 4 KiB random I/O, not any one product's:
//   nvme: 20 us latency, 1.3 us per page (about 3 GB/s)
//   ssd:  100 us latency, 8 us per page (SATA, about 500 MB/s)
//   hdd:  8 ms latency (seek and half a rotation), 27 us per page (about 150 MB/s)
// An hdd is rotational, which Linux's swap code reads (SWP_SOLIDSTATE clear: cluster
// readahead, one allocation cursor for all CPUs).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>

namespace vmlab::hw {

struct DeviceProfile {
  std::uint64_t read_latency_ns = 0;
  std::uint64_t write_latency_ns = 0;
  std::uint64_t page_transfer_ns = 0;
  bool rotational = false;
};

// The profile named `kind` ("nvme", "ssd", "hdd"), or none.
constexpr std::optional<DeviceProfile> device_profile(std::string_view kind) {
  if (kind == "nvme") return DeviceProfile{20'000, 20'000, 1'300, false};
  if (kind == "ssd") return DeviceProfile{100'000, 100'000, 8'000, false};
  if (kind == "hdd") return DeviceProfile{8'000'000, 8'000'000, 27'000, true};
  return std::nullopt;
}

class BlockDevice {
 public:
  explicit BlockDevice(const DeviceProfile& p) : profile_(p) {}

  const DeviceProfile& profile() const { return profile_; }
  // Submits a request of `pages` pages at time `now`; returns when it completes.
  std::uint64_t submit(std::uint64_t now, bool write, unsigned pages) {
    const std::uint64_t start = std::max(now, busy_until_);
    const std::uint64_t latency = write ? profile_.write_latency_ns : profile_.read_latency_ns;
    busy_until_ = start + latency + pages * profile_.page_transfer_ns;
    ++requests_;
    return busy_until_;
  }
  // When the last request submitted so far completes.
  std::uint64_t busy_until() const { return busy_until_; }
  std::uint64_t requests() const { return requests_; }

 private:
  DeviceProfile profile_;
  std::uint64_t busy_until_ = 0;
  std::uint64_t requests_ = 0;
};

}  // namespace vmlab::hw
