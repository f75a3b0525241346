// POSIX threads end to end: create and join, a mutex-protected counter, condition
// variables, a barrier, pthread_kill, __thread variables and errno per thread, a futex
// shared by two processes through a MAP_SHARED file, exit_group from a thread, fork from
// a thread, and execve from a thread. Every line it prints is the same whatever the
// interleaving, so the same source run natively on the host kernel prints the same.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NTHREADS 4

static void fail(const char* what) {
  perror(what);
  exit(1);
}

// The value of a "Name:\tN" line of /proc/self/status.
static long status_value(const char* name) {
  FILE* f = fopen("/proc/self/status", "r");
  if (!f) fail("/proc/self/status");
  char line[256];
  long v = -1;
  const size_t n = strlen(name);
  while (fgets(line, sizeof line, f))
    if (strncmp(line, name, n) == 0 && line[n] == ':') v = strtol(line + n + 1, NULL, 10);
  fclose(f);
  return v;
}

// --- create and join -------------------------------------------------------------
static void* square(void* arg) {
  const long v = (long)arg;
  return (void*)(v * v);
}

static void create_and_join(void) {
  pthread_t t[NTHREADS];
  for (long i = 0; i < NTHREADS; ++i)
    if (pthread_create(&t[i], NULL, square, (void*)(i + 2))) fail("pthread_create");
  long sum = 0;
  for (int i = 0; i < NTHREADS; ++i) {
    void* r;
    if (pthread_join(t[i], &r)) fail("pthread_join");
    sum += (long)r;
  }
  printf("join: the squares of 2..5 sum to %ld\n", sum);
}

// --- mutex counter -----------------------------------------------------------------
#define INCREMENTS 20000
static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void* count(void* arg) {
  (void)arg;
  for (int i = 0; i < INCREMENTS; ++i) {
    pthread_mutex_lock(&counter_lock);
    ++counter;
    pthread_mutex_unlock(&counter_lock);
  }
  return NULL;
}

static void mutex_counter(void) {
  pthread_t t[NTHREADS];
  for (int i = 0; i < NTHREADS; ++i) pthread_create(&t[i], NULL, count, NULL);
  for (int i = 0; i < NTHREADS; ++i) pthread_join(t[i], NULL);
  printf("mutex: %d threads x %d increments = %ld\n", NTHREADS, INCREMENTS, counter);
}

// --- condition variables: a bounded queue --------------------------------------------
#define ITEMS 1000
#define SLOTS 8
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_not_full = PTHREAD_COND_INITIALIZER, q_not_empty = PTHREAD_COND_INITIALIZER;
static int queue[SLOTS], q_head, q_len;

static void* produce(void* arg) {
  (void)arg;
  for (int i = 1; i <= ITEMS; ++i) {
    pthread_mutex_lock(&q_lock);
    while (q_len == SLOTS) pthread_cond_wait(&q_not_full, &q_lock);
    queue[(q_head + q_len++) % SLOTS] = i;
    pthread_cond_signal(&q_not_empty);
    pthread_mutex_unlock(&q_lock);
  }
  return NULL;
}

static void condition_variables(void) {
  pthread_t producer;
  pthread_create(&producer, NULL, produce, NULL);
  long sum = 0;
  int in_order = 1;
  for (int i = 1; i <= ITEMS; ++i) {
    pthread_mutex_lock(&q_lock);
    while (q_len == 0) pthread_cond_wait(&q_not_empty, &q_lock);
    const int v = queue[q_head];
    q_head = (q_head + 1) % SLOTS;
    --q_len;
    pthread_cond_signal(&q_not_full);
    pthread_mutex_unlock(&q_lock);
    in_order &= v == i;
    sum += v;
  }
  pthread_join(producer, NULL);
  printf("condvar: %d items through %d slots, sum %ld, in order %s\n", ITEMS, SLOTS, sum, in_order ? "yes" : "no");
}

// --- barrier, __thread and errno ----------------------------------------------------
#define ROUNDS 3
static pthread_barrier_t barrier;
static atomic_int arrived[ROUNDS];
static __thread int mine = -1;
static int tls_ok[NTHREADS], errno_ok[NTHREADS], rounds_ok[NTHREADS];

static void* rendezvous(void* arg) {
  const int id = (int)(long)arg;
  mine = id * 100;
  // Each thread fails a different call and keeps its own errno across the barrier.
  const int want[NTHREADS] = {EBADF, ENOENT, EINVAL, ENOTDIR};
  switch (id) {
    case 0: close(-1); break;
    case 1: open("/no/such/file", O_RDONLY); break;
    case 2: lseek(0, 0, 42); break;
    default: open("/proc/self/status/x", O_RDONLY); break;
  }
  const int got = errno;
  int ok = 1;
  for (int r = 0; r < ROUNDS; ++r) {
    atomic_fetch_add(&arrived[r], 1);
    pthread_barrier_wait(&barrier);
    ok &= atomic_load(&arrived[r]) == NTHREADS;  // nobody passes before all arrived
    pthread_barrier_wait(&barrier);
  }
  rounds_ok[id] = ok;
  tls_ok[id] = mine == id * 100;
  errno_ok[id] = got == want[id] && errno == want[id];
  return NULL;
}

static void barrier_tls_errno(void) {
  pthread_t t[NTHREADS];
  pthread_barrier_init(&barrier, NULL, NTHREADS);
  mine = 7;
  for (long i = 0; i < NTHREADS; ++i) pthread_create(&t[i], NULL, rendezvous, (void*)i);
  for (int i = 0; i < NTHREADS; ++i) pthread_join(t[i], NULL);
  int rounds = 1, tls = mine == 7, err = 1;
  for (int i = 0; i < NTHREADS; ++i) {
    rounds &= rounds_ok[i];
    tls &= tls_ok[i];
    err &= errno_ok[i];
  }
  printf("barrier: %d rounds, every thread waited for the others: %s\n", ROUNDS, rounds ? "yes" : "no");
  printf("__thread: each thread kept its own value: %s\n", tls ? "yes" : "no");
  printf("errno: each thread kept its own: %s\n", err ? "yes" : "no");
  pthread_barrier_destroy(&barrier);
}

// --- pthread_kill ------------------------------------------------------------------
static pthread_t signal_target;
static volatile sig_atomic_t handled_in_target;
static atomic_int target_ready, target_done;

static void on_usr1(int sig) {
  (void)sig;
  handled_in_target = pthread_equal(pthread_self(), signal_target);
  atomic_store(&target_done, 1);
}

static void* wait_for_signal(void* arg) {
  (void)arg;
  atomic_store(&target_ready, 1);
  while (!atomic_load(&target_done)) sched_yield();
  return NULL;
}

static void thread_signal(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  // pthread_kill() is tgkill(): the signal is for that thread alone.
  pthread_create(&signal_target, NULL, wait_for_signal, NULL);
  while (!atomic_load(&target_ready)) sched_yield();
  pthread_kill(signal_target, SIGUSR1);
  pthread_join(signal_target, NULL);
  printf("pthread_kill: handled in the target thread: %s\n", handled_in_target ? "yes" : "no");
}

// --- a futex in a MAP_SHARED file, between two processes ---------------------------
static long futex(uint32_t* word, int op, uint32_t val) { return syscall(SYS_futex, word, op, val, NULL, NULL, 0); }

static void shared_futex(void) {
  char path[] = "/tmp/threads-futex-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0 || ftruncate(fd, 4096) != 0) fail("futex file");
  uint32_t* word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (word == MAP_FAILED) fail("mmap");
  unlink(path);
  close(fd);
  *word = 0;
  const pid_t child = fork();
  if (child == 0) {
    // The child waits (not FUTEX_PRIVATE: the key is the file's page) until the parent
    // stores 1, then answers with 2 and wakes it.
    while (__atomic_load_n(word, __ATOMIC_SEQ_CST) == 0) futex(word, FUTEX_WAIT, 0);
    __atomic_store_n(word, 2, __ATOMIC_SEQ_CST);
    futex(word, FUTEX_WAKE, 1);
    _exit(0);
  }
  __atomic_store_n(word, 1, __ATOMIC_SEQ_CST);
  while (futex(word, FUTEX_WAKE, 1) == 0 && __atomic_load_n(word, __ATOMIC_SEQ_CST) == 1) sched_yield();
  while (__atomic_load_n(word, __ATOMIC_SEQ_CST) == 1) futex(word, FUTEX_WAIT, 1);
  int status;
  waitpid(child, &status, 0);
  printf("shared futex: the child saw 1 and answered %u, exit status %d\n", *word, WEXITSTATUS(status));
  munmap(word, 4096);
}

// --- fork from a thread, exit_group from a thread, execve from a thread -------------
static void* fork_from_thread(void* arg) {
  (void)arg;
  const pid_t child = fork();
  if (child == 0) {
    // Only the caller was copied.
    printf("fork from a thread: the child has %ld thread\n", status_value("Threads"));
    fflush(stdout);
    _exit(0);
  }
  waitpid(child, NULL, 0);
  return NULL;
}

static void* sleeper(void* arg) {
  (void)arg;
  for (;;) pause();
  return NULL;
}

static void* exit_whole_process(void* arg) {
  (void)arg;
  fflush(stdout);
  exit(42);  // exit_group(): the main thread, blocked in join, goes too
}

static void group_exit(void) {
  pthread_t t;
  pthread_create(&t, NULL, fork_from_thread, NULL);
  pthread_join(t, NULL);
  const pid_t child = fork();
  if (child == 0) {
    pthread_t a, b;
    pthread_create(&a, NULL, sleeper, NULL);
    pthread_create(&b, NULL, exit_whole_process, NULL);
    pthread_join(a, NULL);
    _exit(1);  // never reached
  }
  int status;
  waitpid(child, &status, 0);
  printf("exit from a thread: the process exited with %d\n", WEXITSTATUS(status));
}

static void* exec_from_thread(void* arg) {
  (void)arg;
  char* argv[] = {"threads", "after-exec", NULL};
  execv("/proc/self/exe", argv);
  fail("execv");
  return NULL;
}

static void thread_exec(void) {
  const pid_t child = fork();
  if (child == 0) {
    pthread_t a, b;
    pthread_create(&a, NULL, sleeper, NULL);
    pthread_create(&b, NULL, exec_from_thread, NULL);
    pthread_join(a, NULL);
    _exit(1);  // never reached: the exec kills this thread
  }
  int status;
  waitpid(child, &status, 0);
  printf("execve from a thread: exit status %d\n", WEXITSTATUS(status));
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
    // de_thread(): the other threads are gone and this one has the process's pid.
    printf("after execve from a thread: %ld thread, pid is the tid: %s\n", status_value("Threads"),
           getpid() == (pid_t)syscall(SYS_gettid) ? "yes" : "no");
    return 3;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  create_and_join();
  mutex_counter();
  condition_variables();
  barrier_tls_errno();
  thread_signal();
  shared_futex();
  group_exit();
  thread_exec();
  printf("main: %ld thread left\n", status_value("Threads"));
  return 0;
}
