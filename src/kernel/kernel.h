// The kernel: the tasks and processes, and the system-call entry points with Linux's
// argument checks and errno values. The C++ API and the RISC-V front end call these,
// so a behaviour is written once. Every entry point acts for a task (current).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fs/file_time.h"
#include "fs/memfs.h"
#include "fs/statfs.h"
#include "fs/vfs.h"
#include "hw/mmu.h"
#include "kernel/clone_args.h"
#include "kernel/fault_in.h"
#include "kernel/futex.h"
#include "kernel/oom_kill.h"
#include "kernel/run_queue.h"
#include "kernel/task.h"
#include "mm/memory_system.h"
#include "vmlab/result.h"
#include "vmlab/signal.h"

namespace vmlab {
struct MountSpec;
}

namespace vmlab::kern {

struct FsState;
class KernelMmHooks;
class KernelLog;

struct WaitResult {
  int pid = 0;     // 0: the child has not exited (WNOHANG)
  int status = 0;  // wait status: exit code << 8, or the signal number
};

struct FileStat {
  std::uint64_t dev, ino, size, blocks;
  std::uint32_t mode, nlink, uid, gid, rdev;  // mode includes the S_IF* type bits
  std::uint32_t blksize = 4096;
  std::int64_t atime_ns = 0, mtime_ns = 0, ctime_ns = 0;  // as the inode keeps them (fs/file_time.h)
};

// Whether the /proc file at `path` takes writes (kernel/proc_write.cc).
bool proc_writable(std::string_view path);

class Kernel {
 public:
  Kernel(const MachineConfig& config, mm::MemorySystem& sys);
  ~Kernel();

  const MachineConfig& config() const { return config_; }
  mm::MemorySystem& sys() { return sys_; }
  fs::MemFs& rootfs() { return rootfs_; }
  // The virtual time on the current CPU (hw::Clock).
  std::uint64_t now_ns() const { return sys_.clock().now(); }
  // current_time(): the virtual time as an inode time (fs/file_time.h).
  std::int64_t file_time_now() const { return static_cast<std::int64_t>(now_ns()); }

  // Tasks and processes (a process is a thread group: its pid is its leader's tid).
  // A task that has not been released yet, running or exited.
  Task* find_task(int tid);
  // The leader of process `pid`, while the process is not reaped (it may be a zombie).
  Task* find(int pid);
  // Any process there ever was, reaped ones too (for their exit status and counts).
  const ThreadGroup* find_group(int pid) const;
  // Every task not yet released, by tid.
  const std::map<int, std::unique_ptr<Task>>& tasks() const { return tasks_; }
  // Processes not yet reaped, by pid.
  std::vector<int> pids() const;
  // The signals queued for the tasks and processes of user `uid` (the count
  // RLIMIT_SIGPENDING limits, SigQ's first number).
  std::uint64_t queued_signals(std::uint32_t uid) const;
  // thread_group_cputime() and what getrusage(RUSAGE_SELF) sums: every thread of the
  // process, the released ones included.
  Usage usage(const ThreadGroup& g) const;
  // The run queue: the tasks that may be scheduled, in the order they are visited.
  RunQueue& run_queue() { return *run_queue_; }
  // The tasks waiting on futexes (futex.h).
  FutexQueues& futexes() { return futexes_; }

  // A new process with an empty address space: a [stack] as exec leaves it, holding
  // argv[0] = `comm`, and a heap that starts at ELF_ET_DYN_BASE.
  Task& spawn(std::string_view comm);
  Result<int> fork(Task& parent);
  Result<int> vfork(Task& parent);
  // clone() and clone3() (clone.cc): a new task as `args` asks, sharing or copying
  // what its flags say, with Linux's flag checks and errno values. Returns its tid.
  Result<int> clone(Task& parent, const CloneArgs& args);
  // exit_group(): every thread of the process ends and the process exits with `code`.
  void exit(Task& t, int code);
  // The process dies of `sig` at once (an unhandled SIGSEGV, SIGBUS, or SIGKILL).
  void kill(Task& t, Signal sig);
  // do_exit() of one thread with `wait_status` (exit(), or a thread reached by a group
  // exit); the last one out ends the process.
  void exit_thread(Task& t, int wait_status);
  // do_group_exit(): the process ends with `wait_status` (as wait4 reports it); the
  // other threads are killed (zap_other_threads()), then `t` exits.
  void group_exit(Task& t, int wait_status);
  // waitpid(child or -1, WNOHANG): reaps a zombie child.
  Result<WaitResult> wait(Task& parent, int child);
  // wait_task_zombie(): `parent`'s process collects zombie `child_pid` (its status,
  // times, faults and peak RSS join the parent's children's) and it is reaped.
  void reap_child(Task& parent, int child_pid);
  // execve(): replaces the address space with the program at `path` and resets the
  // task as exec does (handlers, close-on-exec descriptors, registers at the entry
  // point, [vdso] on riscv64); an exec from a thread kills the others first
  // (de_thread()). A "#!" script runs its interpreter (binfmt_script), at most 4 levels
  // deep; the name execve was given stays the process's comm and AT_EXECFN
  // (bprm->filename). Returns the entry point (of the interpreter when there is one).
  // Errors Linux finds past the point of no return kill the process with SIGSEGV and
  // are returned too.
  Result<VirtAddr> execve(Task& t, std::string_view path, const std::vector<std::string>& argv,
                          const std::vector<std::string>& envp);
  // schedule_tail(): what a new child does before it first returns to user mode
  // (CLONE_CHILD_SETTID's write, in the child's own address space).
  void schedule_tail(Task& t);

  // Memory system calls.
  Result<VirtAddr> mmap(Task& t, VirtAddr addr, std::uint64_t len, int prot, int flags, int fd, std::uint64_t off);
  Result<void> munmap(Task& t, VirtAddr addr, std::uint64_t len);
  Result<void> mprotect(Task& t, VirtAddr addr, std::uint64_t len, int prot);
  Result<VirtAddr> mremap(Task& t, VirtAddr addr, std::uint64_t old_len, std::uint64_t new_len, int flags,
                          VirtAddr new_addr);
  Result<void> madvise(Task& t, VirtAddr addr, std::uint64_t len, int advice);
  Result<void> msync(Task& t, VirtAddr addr, std::uint64_t len, int flags);
  VirtAddr brk(Task& t, VirtAddr addr);

  // File system calls. Buffers are in the task's memory.
  Result<int> open(Task& t, std::string_view path, int flags, std::uint32_t mode);
  Result<void> close(Task& t, int fd);
  Result<std::uint64_t> read(Task& t, int fd, VirtAddr buf, std::uint64_t len);
  Result<std::uint64_t> write(Task& t, int fd, VirtAddr buf, std::uint64_t len);
  Result<std::uint64_t> pread(Task& t, int fd, VirtAddr buf, std::uint64_t len, std::uint64_t off);
  Result<std::uint64_t> pwrite(Task& t, int fd, VirtAddr buf, std::uint64_t len, std::uint64_t off);
  Result<std::uint64_t> lseek(Task& t, int fd, std::int64_t off, int whence);
  Result<void> ftruncate(Task& t, int fd, std::uint64_t len);
  Result<void> fsync(Task& t, int fd);
  void sync();
  Result<void> unlink(Task& t, std::string_view path);
  Result<void> mkdir(Task& t, std::string_view path, std::uint32_t mode);
  Result<FileStat> fstat(Task& t, int fd);

  // Paths and directories (path_syscalls.cc, dir_syscalls.cc), with Linux's errors.
  // `dirfd` is kAtFdcwd (vmlab/fcntl.h) or a directory descriptor relative paths
  // start from; flags are the AT_* values each call takes.
  Result<int> openat(Task& t, int dirfd, std::string_view path, int flags, std::uint32_t mode);
  Result<FileStat> fstatat(Task& t, int dirfd, std::string_view path, int flags);
  Result<FileStat> stat(Task& t, std::string_view path);   // follows a final symlink
  Result<FileStat> lstat(Task& t, std::string_view path);  // does not
  Result<void> faccessat(Task& t, int dirfd, std::string_view path, int mode, int flags);
  Result<std::string> readlinkat(Task& t, int dirfd, std::string_view path);  // not truncated
  Result<void> unlinkat(Task& t, int dirfd, std::string_view path, int flags);
  Result<void> mkdirat(Task& t, int dirfd, std::string_view path, std::uint32_t mode);
  Result<void> symlinkat(Task& t, std::string_view target, int dirfd, std::string_view path);
  Result<void> chdir(Task& t, std::string_view path);
  Result<void> fchdir(Task& t, int fd);
  std::string getcwd(const Task& t) const { return t.fs->cwd; }
  // The entries of an open directory, "." and ".." first; getdents64() packs them as
  // struct linux_dirent64 into the user buffer from the descriptor's position.
  Result<std::vector<fs::DirEntry>> readdir(Task& t, int fd);
  Result<std::uint64_t> getdents64(Task& t, int fd, VirtAddr buf, std::uint64_t len);

  // What a path or descriptor names for the calls below: the inode and the mount it
  // was reached through (null for a pipe).
  struct FileRef {
    std::shared_ptr<fs::Inode> inode;
    std::shared_ptr<const fs::Mount> mount;
  };

  // Attributes (attr_syscalls.cc): chmod, chown and utimensat with Linux's checks
  // (fs/attr.h). `flags` may hold AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH (an empty
  // `path` then names `dirfd` itself); others are EINVAL. A uid or gid of kNoId
  // leaves it as it is.
  Result<void> fchmodat(Task& t, int dirfd, std::string_view path, std::uint32_t mode, int flags);
  Result<void> fchmod(Task& t, int fd, std::uint32_t mode);
  Result<void> fchownat(Task& t, int dirfd, std::string_view path, std::uint32_t uid, std::uint32_t gid, int flags);
  Result<void> fchown(Task& t, int fd, std::uint32_t uid, std::uint32_t gid);
  // do_utimes(): `times` null sets both times to now; a tv_nsec of kUtimeNow or
  // kUtimeOmit sets that time to now or leaves it. No `path` (a NULL name) names
  // `dirfd` itself (futimens(), flags 0), or is EFAULT with AT_FDCWD. The syscall's
  // "both omitted: nothing to do" comes before this (sys_utimensat()).
  Result<void> utimensat(Task& t, int dirfd, std::optional<std::string_view> path,
                         const std::array<fs::RealTime, 2>* times, int flags);

  // renameat2() (rename.cc): `flags` kRenameNoreplace, kRenameExchange or
  // kRenameWhiteout (vmlab/fcntl.h), with Linux's checks and errno values in Linux's
  // order; what moved keeps its inode, so open and mapped files stay as they were,
  // and every path naming it follows it.
  Result<void> renameat2(Task& t, int olddirfd, std::string_view oldpath, int newdirfd, std::string_view newpath,
                         unsigned flags);
  // The flags renameat2() takes; EINVAL for others and for EXCHANGE with NOREPLACE or
  // WHITEOUT, before anything else.
  static Result<void> check_rename_flags(unsigned flags);
  // filename_parentat(): walks `path` to the directory that holds (or would hold) its
  // last component; the errors of that walk. rename(2) makes it for the old name
  // before it reads the new one.
  Result<void> lookup_parent(Task& t, int dirfd, std::string_view path);

  // statfs() and fstatfs() (statfs.cc): what the filesystem holding the file says
  // of itself, with the flags of the mount it was reached through.
  Result<fs::StatFs> statfs(Task& t, std::string_view path);
  Result<fs::StatFs> fstatfs(Task& t, int fd);

  // Mounts (mounts.cc): a host directory at a guest path (hostfs). The error is the
  // host's (ENOENT, ENOTDIR, EACCES) when the host directory cannot be used.
  Result<void> mount_host(const MountSpec& spec);
  fs::Vfs& vfs();

  // User memory, as the kernel reaches it (copy_to_user / copy_from_user): faults are
  // taken for the task; an access Linux would refuse is EFAULT.
  Result<void> copy_to_user(Task& t, VirtAddr dst, std::span<const std::uint8_t> src);
  Result<void> copy_from_user(Task& t, std::span<std::uint8_t> dst, VirtAddr src);

  // A user-mode access the MMU refused: runs the fault handler for the task and
  // accounts the fault. The signal it raises, if any, has not been delivered.
  SigInfo user_fault(Task& t, VirtAddr addr, hw::AccessType type, unsigned error_code);
  // Translates `va` for a user access of `type` by `t` on its CPU, taking the faults
  // the access raises until the MMU gives a frame (kernel/fault_in.h).
  FaultIn fault_in(Task& t, VirtAddr va, hw::AccessType type);
  // Makes CPU `cpu` run the task (and its address space): it is task_cpu() and the
  // current CPU from now.
  void switch_to(Task& t, unsigned cpu);
  // The task running on the current CPU (current), or null.
  Task* current() const { return curr_[sys_.mmu().current()]; }

  // Host-side helpers for tools and tests (no process involved).
  Result<std::string> read_whole_file(std::string_view path);
  Result<void> write_whole_file(std::string_view path, std::string_view contents, std::uint32_t mode = 0644);
  // The text of a /proc file, rendered from live state; `self` resolves /proc/self
  // and /proc/thread-self.
  Result<std::string> proc_text(std::string_view path, const Task* self);

  // The riscv64 [vdso] (vdso.cc): one page holding the signal return trampoline,
  // mapped below the mmap base as arch_setup_additional_pages() maps Linux's; one
  // cached page shared by every process. execve maps it for riscv64 layouts.
  Result<VirtAddr> map_vdso(Task& t);
  fs::Inode* vdso_inode() { return vdso_.get(); }

  // Every inode the machine holds, each once: those reachable from the root and the
  // other mounts, every host file hostfs keeps a cache for, the [vdso], and those only
  // processes still hold (unlinked files open or mapped, shmem behind shared anonymous
  // memory). What sync() writes back and the checker recounts.
  std::vector<fs::Inode*> inodes();

  // Peak RSS of the task's process in kB (hiwater_rss), kept for getrusage.
  void update_maxrss(Task& t);

  // A host stream (stdin, stdout, stderr) as an open file the guest sees as a pipe.
  std::shared_ptr<fs::OpenFile> host_stream(int host_fd, bool write_end);
  // Inode numbers of pipefs.
  std::uint64_t next_pipe_ino() { return ++pipe_ino_; }
  // getrandom(): the machine's deterministic stream, seeded from layout.seed.
  void random_bytes(std::uint8_t* out, std::size_t n);

  // swapon(2) and swapoff(2) (kernel/swap_syscalls.cc) of a swap file, with Linux's
  // checks and errno values, after those sys_swapon() and sys_swapoff() make before
  // reading the path (flags, privilege, a free area); /proc/swaps.
  Result<void> swapon(Task& t, std::string_view path, std::uint32_t flags);
  Result<void> swapoff(Task& t, std::string_view path);
  std::string proc_swaps() const;
  // A write() of `len` bytes at `buf` to an open /proc file (kernel/proc_write.cc):
  // oom_score_adj and the writable sysctls, each parsing the write whole. Returns the
  // bytes taken.
  Result<std::uint64_t> proc_write(Task& t, const fs::OpenFile& f, VirtAddr buf, std::uint64_t len);

  // The kernel threads' turn at a return to user mode: kswapd, when it was woken
  // (mm/kswapd.h). Nothing the caller holds may be a page of user memory.
  void run_kthreads();
  // The OOM killer's state between calls (kernel/oom_kill.h).
  OomState& oom() { return oom_; }
  // The kernel log (kernel/kernel_log.h): what printk() stores (kernel/printk.h),
  // syslog(2), /dev/kmsg and /proc/kmsg read, and the console prints. Files reading
  // it share it, so it outlives the kernel when they do.
  KernelLog& log() { return *log_; }
  const std::shared_ptr<KernelLog>& log_ptr() const { return log_; }

  // Warnings for the user (an unknown system call, an unsupported flag): one line on
  // the warning sink; warn_once() once per key.
  void set_warning_sink(std::function<void(std::string_view)> sink) { warn_ = std::move(sink); }
  void warn(std::string_view message) {
    if (warn_) warn_(message);
  }
  void warn_once(std::uint64_t key, std::string_view message);
  // fence.i, riscv_flush_icache() and exec: decoded code must be forgotten.
  void set_code_change_hook(std::function<void()> hook) { on_code_change_ = std::move(hook); }
  void code_changed() {
    if (on_code_change_) on_code_change_();
  }

 private:
  Result<std::shared_ptr<fs::OpenFile>> fd_file(Task& t, int fd);
  Result<std::shared_ptr<fs::Inode>> resolve(const Task& t, std::string_view path);
  Result<fs::WalkResult> walk_at(const Task& t, int dirfd, std::string_view path, unsigned flags);
  // user_path_at() for the calls that take AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH.
  Result<FileRef> user_path_at(Task& t, int dirfd, std::string_view path, int flags);
  Result<FileRef> fd_ref(Task& t, int fd);
  // After a rename: the working directories, open and mapped files and executables
  // named at or below what moved follow it.
  void follow_rename(const fs::PathMove& move);
  // vfs_statfs(): the filesystem's answer and the mount's flags.
  Result<fs::StatFs> vfs_statfs(const FileRef& f);
  fs::StatFs memfs_statfs(const fs::MemFs& memfs);
  void setup_mounts();
  // memory.swap: /swapfile, made and switched on as a boot script would.
  void make_boot_swapfile();
  // mmput(): a user lets go of an address space; the last one unmaps it all.
  void mmput(std::shared_ptr<mm::AddressSpace> mm);
  // The record of a new task of `tg` with `tid` (the group's first task: its tgid).
  Task& new_task(std::shared_ptr<ThreadGroup> tg, int tid);
  // A new process around `leader`'s group: registered by pid.
  std::shared_ptr<ThreadGroup> new_group(int tgid);
  // copy_process(): a child process's first task, with what fork and vfork both copy
  // from the parent (all but the address space).
  Task& copy_process(const Task& parent);
  // exit_notify(): the process has ended: SIGCHLD to the parent, or reaping at once.
  void exit_notify(ThreadGroup& g);
  // release_task(): an exited task leaves the tables; its times and faults join its
  // process's; a process with no task left is reaped.
  void release_task(int tid);
  // The process is collected: off the table, its record kept for its exit status.
  void reap(int pid);
  // de_thread(): at exec, the other threads of the process die and `t` becomes its
  // leader.
  void de_thread(Task& t);
  // Execs one level of a #! chain (execve()).
  Result<VirtAddr> exec_binary(Task& t, std::string_view path, const std::vector<std::string>& argv,
                               const std::vector<std::string>& envp, int depth, std::string_view filename);
  // load_elf_binary() up to and past the point of no return (exec.cc).
  Result<VirtAddr> exec_elf(Task& t, std::string_view path, const std::vector<std::string>& argv,
                            const std::vector<std::string>& envp, std::string_view filename);
  void close_all(Task& t);
  int alloc_pid() { return next_pid_++; }
  Result<std::uint64_t> rw(Task& t, fs::OpenFile& f, VirtAddr buf, std::uint64_t len, std::uint64_t pos,
                           bool write);

  const MachineConfig& config_;
  mm::MemorySystem& sys_;
  fs::MemFs rootfs_;
  std::unique_ptr<KernelMmHooks> mm_hooks_;  // handed to sys_ while the kernel lives
  OomState oom_;
  std::map<unsigned, std::shared_ptr<fs::Inode>> swap_files_;  // swap type -> its file, while on
  bool drop_caches_quiet_ = false;  // drop_caches' stfu: a write with bit 4 silenced its log line
  std::shared_ptr<KernelLog> log_;  // shared with the open /dev/kmsg and /proc/kmsg files
  std::unique_ptr<FsState> fs_;  // the mount table, /dev, /proc, hostfs, /dev/urandom
  std::map<int, std::unique_ptr<Task>> tasks_;          // by tid: not yet released
  std::vector<std::unique_ptr<Task>> released_;         // records kept for API handles
  std::map<int, std::shared_ptr<ThreadGroup>> groups_;  // by pid: every process there ever was
  std::unique_ptr<RunQueue> run_queue_;
  FutexQueues futexes_;
  std::vector<Task*> curr_;  // by CPU: the task switch_to() last put there (cleared when released)
  int next_pid_ = 1000;
  std::shared_ptr<fs::Inode> vdso_;
  std::function<void(std::string_view)> warn_;
  std::set<std::uint64_t> warned_;
  std::function<void()> on_code_change_;
  std::uint64_t rng_state_ = 0;
  std::uint64_t pipe_ino_ = 0;
};

// The /dev character devices vmlab provides (their Linux device numbers).
inline constexpr std::uint32_t kDevNull = (1 << 8) | 3;
inline constexpr std::uint32_t kDevZero = (1 << 8) | 5;

}  // namespace vmlab::kern
