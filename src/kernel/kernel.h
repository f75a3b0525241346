// The kernel: the processes and the system-call entry points with Linux's argument
// checks and errno values. The C++ API (and later the RISC-V front end) calls these,
// so a behaviour is written once.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fs/memfs.h"
#include "fs/vfs.h"
#include "hw/mmu.h"
#include "kernel/process.h"
#include "mm/memory_system.h"
#include "vmlab/result.h"
#include "vmlab/signal.h"

namespace vmlab {
struct MountSpec;
}

namespace vmlab::kern {

struct FsState;
class TaskTable;

struct WaitResult {
  int pid = 0;     // 0: the child has not exited (WNOHANG)
  int status = 0;  // wait status: exit code << 8, or the signal number
};

struct FileStat {
  std::uint64_t dev, ino, size, blocks;
  std::uint32_t mode, nlink, uid, gid, rdev;  // mode includes the S_IF* type bits
  std::uint32_t blksize = 4096;
  std::uint64_t atime_ns = 0, mtime_ns = 0, ctime_ns = 0;  // virtual clock, ns since boot
};

class Kernel {
 public:
  Kernel(const MachineConfig& config, mm::MemorySystem& sys);
  ~Kernel();

  mm::MemorySystem& sys() { return sys_; }
  fs::MemFs& rootfs() { return rootfs_; }

  // Processes.
  Process* find(int pid);
  // Also finds reaped processes (for their exit status).
  const Process* find_any(int pid) const;
  const std::map<int, std::unique_ptr<Process>>& processes() const { return procs_; }
  // A new process with an empty address space: a [stack] as exec leaves it, holding
  // argv[0] = `comm`, and a heap that starts at ELF_ET_DYN_BASE.
  Process& spawn(std::string_view comm);
  Result<int> fork(Process& parent);
  Result<int> vfork(Process& parent);
  void exit(Process& p, int code);
  // Kills the process with a signal (an unhandled SIGSEGV, SIGBUS, or SIGKILL).
  void kill(Process& p, Signal sig);
  // waitpid(child or -1, WNOHANG): reaps a zombie child.
  Result<WaitResult> wait(Process& parent, int child);
  // execve(): replaces the address space with the ELF program at `path`. Returns the
  // entry point (of the interpreter when there is one). `filename` is the name execve
  // was called with when that was a script whose interpreter `path` is: it gives comm
  // and AT_EXECFN (bprm->filename); empty means `path`. Errors Linux finds past the
  // point of no return kill the process with SIGSEGV and are returned too.
  Result<VirtAddr> execve(Process& p, std::string_view path, const std::vector<std::string>& argv,
                          const std::vector<std::string>& envp, std::string_view filename = {});

  // Memory system calls.
  Result<VirtAddr> mmap(Process& p, VirtAddr addr, std::uint64_t len, int prot, int flags, int fd, std::uint64_t off);
  Result<void> munmap(Process& p, VirtAddr addr, std::uint64_t len);
  Result<void> mprotect(Process& p, VirtAddr addr, std::uint64_t len, int prot);
  Result<VirtAddr> mremap(Process& p, VirtAddr addr, std::uint64_t old_len, std::uint64_t new_len, int flags,
                          VirtAddr new_addr);
  Result<void> madvise(Process& p, VirtAddr addr, std::uint64_t len, int advice);
  Result<void> msync(Process& p, VirtAddr addr, std::uint64_t len, int flags);
  VirtAddr brk(Process& p, VirtAddr addr);

  // File system calls. Buffers are in the process's memory.
  Result<int> open(Process& p, std::string_view path, int flags, std::uint32_t mode);
  Result<void> close(Process& p, int fd);
  Result<std::uint64_t> read(Process& p, int fd, VirtAddr buf, std::uint64_t len);
  Result<std::uint64_t> write(Process& p, int fd, VirtAddr buf, std::uint64_t len);
  Result<std::uint64_t> pread(Process& p, int fd, VirtAddr buf, std::uint64_t len, std::uint64_t off);
  Result<std::uint64_t> pwrite(Process& p, int fd, VirtAddr buf, std::uint64_t len, std::uint64_t off);
  Result<std::uint64_t> lseek(Process& p, int fd, std::int64_t off, int whence);
  Result<void> ftruncate(Process& p, int fd, std::uint64_t len);
  Result<void> fsync(Process& p, int fd);
  void sync();
  Result<void> unlink(Process& p, std::string_view path);
  Result<void> mkdir(Process& p, std::string_view path, std::uint32_t mode);
  Result<FileStat> fstat(Process& p, int fd);

  // Paths and directories (path_syscalls.cc, dir_syscalls.cc), with Linux's errors.
  // `dirfd` is kAtFdcwd (vmlab/fcntl.h) or a directory descriptor relative paths
  // start from; flags are the AT_* values each call takes.
  Result<int> openat(Process& p, int dirfd, std::string_view path, int flags, std::uint32_t mode);
  Result<FileStat> fstatat(Process& p, int dirfd, std::string_view path, int flags);
  Result<FileStat> stat(Process& p, std::string_view path);   // follows a final symlink
  Result<FileStat> lstat(Process& p, std::string_view path);  // does not
  Result<void> faccessat(Process& p, int dirfd, std::string_view path, int mode, int flags);
  Result<std::string> readlinkat(Process& p, int dirfd, std::string_view path);  // not truncated
  Result<void> unlinkat(Process& p, int dirfd, std::string_view path, int flags);
  Result<void> mkdirat(Process& p, int dirfd, std::string_view path, std::uint32_t mode);
  Result<void> symlinkat(Process& p, std::string_view target, int dirfd, std::string_view path);
  Result<void> chdir(Process& p, std::string_view path);
  Result<void> fchdir(Process& p, int fd);
  std::string getcwd(const Process& p) const { return p.cwd; }
  // The entries of an open directory, "." and ".." first; getdents64() packs them as
  // struct linux_dirent64 into the user buffer from the descriptor's position.
  Result<std::vector<fs::DirEntry>> readdir(Process& p, int fd);
  Result<std::uint64_t> getdents64(Process& p, int fd, VirtAddr buf, std::uint64_t len);

  // Mounts (mounts.cc): a host directory at a guest path (hostfs). The error is the
  // host's (ENOENT, ENOTDIR, EACCES) when the host directory cannot be used.
  Result<void> mount_host(const MountSpec& spec);
  fs::Vfs& vfs();

  // User memory, as the kernel reaches it (copy_to_user / copy_from_user): faults are
  // taken for the process; an access Linux would refuse is EFAULT.
  Result<void> copy_to_user(Process& p, VirtAddr dst, std::span<const std::uint8_t> src);
  Result<void> copy_from_user(Process& p, std::span<std::uint8_t> dst, VirtAddr src);

  // A user-mode access the MMU refused: runs the fault handler for the process and
  // accounts the fault. The signal it raises, if any, has not been delivered.
  SigInfo user_fault(Process& p, VirtAddr addr, hw::AccessType type, unsigned error_code);
  // Makes CPU `cpu` run the process (and its address space): it is task_cpu() from now.
  void switch_to(Process& p, unsigned cpu);

  // Host-side helpers for tools and tests (no process involved).
  Result<std::string> read_whole_file(std::string_view path);
  Result<void> write_whole_file(std::string_view path, std::string_view contents, std::uint32_t mode = 0644);
  // The text of a /proc file, rendered from live state.
  Result<std::string> proc_text(std::string_view path, const Process* self);
  // The guest runtime's tasks, while it runs (TaskTable attaches itself): /proc shows
  // their signal state, limits, times and context switches.
  void attach_tasks(TaskTable* tasks) { tasks_ = tasks; }

  // The riscv64 [vdso] (vdso.cc): one page holding the signal return trampoline,
  // mapped below the mmap base as arch_setup_additional_pages() maps Linux's; one
  // cached page shared by every process. The guest runtime maps it at exec.
  Result<VirtAddr> map_vdso(Process& p);
  fs::Inode* vdso_inode() { return vdso_.get(); }

  // Every inode the machine holds, each once: those reachable from the root and the
  // other mounts, every host file hostfs keeps a cache for, the [vdso], and those only
  // processes still hold (unlinked files open or mapped, shmem behind shared anonymous
  // memory). What sync() writes back and the checker recounts.
  std::vector<fs::Inode*> inodes();

 private:
  Result<std::shared_ptr<fs::OpenFile>> fd_file(Process& p, int fd);
  Result<std::shared_ptr<fs::Inode>> resolve(const Process& p, std::string_view path);
  Result<fs::WalkResult> walk_at(const Process& p, int dirfd, std::string_view path, unsigned flags);
  void setup_mounts();
  void release_mm(Process& p);
  // copy_process(): a child's record, with what fork and vfork both copy from the
  // parent (all but the address space).
  std::unique_ptr<Process> copy_process(const Process& parent);
  void do_exit(Process& p, int wait_status);
  void close_all(Process& p);
  int alloc_pid() { return next_pid_++; }
  // Removes a reaped process from the table. Its record stays allocated (API handles
  // and their inline fast path may still point at it) but is found no more.
  void reap(int pid);
  Result<std::uint64_t> rw(Process& p, fs::OpenFile& f, VirtAddr buf, std::uint64_t len, std::uint64_t pos,
                           bool write);

  const MachineConfig& config_;
  mm::MemorySystem& sys_;
  fs::MemFs rootfs_;
  std::unique_ptr<FsState> fs_;  // the mount table, /dev, /proc, hostfs, /dev/urandom
  std::map<int, std::unique_ptr<Process>> procs_;
  std::map<int, std::unique_ptr<Process>> reaped_;  // pids are never reused
  int next_pid_ = 1000;
  std::shared_ptr<fs::Inode> vdso_;
  TaskTable* tasks_ = nullptr;
};

// The /dev character devices vmlab provides (their Linux device numbers).
inline constexpr std::uint32_t kDevNull = (1 << 8) | 3;
inline constexpr std::uint32_t kDevZero = (1 << 8) | 5;

}  // namespace vmlab::kern
