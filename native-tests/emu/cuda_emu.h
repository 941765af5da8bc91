// cuda_emu.h: host emulation of the CUDA subset used by cuda/*.cu, so that the
// kernels compile with g++ (C++20) and run on the CPU.  Used by the kernel drivers
// (native-tests/test_*.cpp) and by the emulated driver library (native-tests/emudriver/).
//
// Model:
//  - A launch runs the grid's blocks one at a time, in order (x fastest, then y, z), on the
//    calling OS thread.
//  - Each CUDA thread of a block is a fiber (its own stack, a hand-written context switch on
//    x86-64, ucontext elsewhere); the fibers of a block run one at a time, each until it
//    reaches a barrier or returns.  A barrier phase costs one switch per thread (tens of ns)
//    where an OS thread per CUDA thread cost about 0.5 ms per phase on 2 cores.
//  - threadIdx / blockIdx / blockDim / gridDim are globals set before each switch: one launch
//    runs at a time in the process (the driver library serialises them).
//  - Static __shared__ arrays become function-local statics: one copy, used by the one
//    block that runs at a time.  Dynamic shared memory (NC_DYN_SHARED in
//    cuda/nc_common.cuh) is one buffer per launch, filled with 0xFF (NaN for float and
//    double) before every block so reads of unwritten shared memory show up in results.
//  - __syncthreads() is a barrier over the block's threads.  Every arrival carries a tag
//    (which barrier, which source line); a phase whose arrivals disagree (two different
//    __syncthreads lines), a thread that leaves the kernel while others wait at a barrier,
//    or a block where no fiber can run and some have not returned (deadlock) fails with
//    the kernel, block and thread.
//  - Warp shuffles, __ballot_sync and __syncwarp: per-warp exchange slots and a warp
//    barrier.  Only the full mask 0xffffffff over a full warp is supported: any other mask,
//    a lane that has exited, or lanes at different warp operations fail.
//  - A launch in which no fiber switch happens for NC_EMU_TIMEOUT_S (default 60 s: a kernel
//    looping without a barrier) ends the process with a message (watchdog thread): a fiber
//    cannot be preempted.
//  - Atomics are plain read-modify-writes (one fiber runs at a time); __ldg is a plain load.
// Failures: "[cuda-emu] kernel K block (..) thread (..): reason".  By default they end the
// process with exit(3) (the kernel drivers); with nc_emu::g_fail_returns set (the driver
// library) the launch is abandoned and nc_emu::launch returns false, the reason in
// nc_emu::g_fail_message.
#pragma once
#ifndef NC_HOST_EMU
#define NC_HOST_EMU 1
#endif

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <signal.h>
#include <sys/mman.h>
#if !defined(__x86_64__)
#include <ucontext.h>
#endif

// ---- qualifiers -------------------------------------------------------------------
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __noinline__
#define __launch_bounds__(...)
#define __align__(n) alignas(n)
#define __shared__ static
#define __constant__ static const

// ---- vector types -----------------------------------------------------------------
struct uint3 { unsigned x, y, z; };
struct dim3 {
  unsigned x, y, z;
  constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct alignas(16) float4 { float x, y, z, w; };
struct alignas(16) double2 { double x, y; };
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }

inline uint3 threadIdx{0, 0, 0};
inline uint3 blockIdx{0, 0, 0};
inline dim3 blockDim;
inline dim3 gridDim;
constexpr int warpSize = 32;

using std::isnan;
using std::isinf;
using std::isfinite;

#if defined(__x86_64__)
// Saves rbp, rbx, r12-r15, MXCSR and the x87 control word on the current stack, stores the
// stack pointer in *save and continues on the stack `to` (System V callee-saved state only).
extern "C" void nc_emu_fiber_switch(void** save, void* to);
extern "C" void nc_emu_fiber_start();
asm(R"(
  .text
  .weak nc_emu_fiber_switch
  .hidden nc_emu_fiber_switch
  .type nc_emu_fiber_switch, @function
nc_emu_fiber_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size nc_emu_fiber_switch, .-nc_emu_fiber_switch
  .weak nc_emu_fiber_start
  .hidden nc_emu_fiber_start
  .type nc_emu_fiber_start, @function
nc_emu_fiber_start:
  movq %rbx, %rdi
  callq *%r12
  ud2
  .size nc_emu_fiber_start, .-nc_emu_fiber_start
)");
#endif

namespace nc_emu {

// ---- failure reporting ---------------------------------------------------------------
inline bool g_fail_returns = false;  // library mode: a failure abandons the launch
inline std::string g_fail_message;
inline const char* g_kernel = "?";
// Per OS thread: the fault handler must tell a kernel's fault on this thread from the JVM's
// own SIGSEGVs on others.  initial-exec: read from a signal handler without a TLS allocation.
inline thread_local bool g_in_fiber __attribute__((tls_model("initial-exec"))) = false;
inline bool g_fail_memory = false;  // the launch failed on a memory fault (SIGSEGV / SIGBUS)
// Library mode: names what lies near a faulting address (the driver's allocations), or null.
inline std::string (*g_describe_address)(uintptr_t) = nullptr;
[[noreturn]] void fail(const std::string& why);

inline double timeout_s() {
  static double t = [] {
    const char* e = std::getenv("NC_EMU_TIMEOUT_S");
    return e ? std::atof(e) : 60.0;
  }();
  return t;
}

// ---- fibers --------------------------------------------------------------------------
enum class FState { Runnable, Waiting, Exited };
struct Barrier;

constexpr size_t kStackBytes = 256 * 1024;

struct Fiber {
  void* sp = nullptr;
  unsigned char* stack = nullptr;  // kStackBytes, lowest page a guard
#if !defined(__x86_64__)
  ucontext_t uc;
#endif
  unsigned tid = 0;  // linear thread index in the block
  FState state = FState::Runnable;
  Barrier* waiting = nullptr;
  unsigned phase[1] = {0};  // warp exchange buffer this lane uses next
};

struct Barrier {
  int expected = 0, arrived = 0, exited = 0;
  long tag = 0;
  const char* what = "";
  unsigned first = 0, count = 0;  // fibers [first, first + count) take part
};

struct Warp {
  Barrier bar;
  unsigned long long slot[2][32];
};

struct Launch {
  const char* kernel = "";
  void (*body)(void*) = nullptr;
  void* ctx = nullptr;
  unsigned nthreads = 0;
  dim3 block;
  Barrier block_bar;
  std::vector<Warp> warps;
  std::vector<unsigned char> dyn;  // dynamic shared memory
  size_t dyn_bytes = 0;
  bool failed = false;
};

inline Launch* g_launch = nullptr;
inline std::vector<Fiber> g_fibers;  // stacks kept between launches
inline Fiber* g_cur = nullptr;
inline void* g_sched_sp = nullptr;
#if !defined(__x86_64__)
inline ucontext_t g_sched_uc;
#endif
inline std::atomic<unsigned long long> g_progress{0};
inline std::atomic<bool> g_active{false};
inline std::mutex g_fail_mutex;

inline std::string where() {
  char b[160];
  std::snprintf(b, sizeof b, "[cuda-emu] kernel %s block (%u,%u,%u) thread (%u,%u,%u): ", g_kernel, blockIdx.x,
                blockIdx.y, blockIdx.z, threadIdx.x, threadIdx.y, threadIdx.z);
  return b;
}

// Back to the scheduler; returns when the scheduler resumes this fiber.
inline void yield_to_scheduler() {
  Fiber* f = g_cur;
  g_progress.fetch_add(1, std::memory_order_relaxed);
#if defined(__x86_64__)
  nc_emu_fiber_switch(&f->sp, g_sched_sp);
#else
  swapcontext(&f->uc, &g_sched_uc);
#endif
}

[[noreturn]] inline void fail(const std::string& why) {
  std::string msg = (g_launch ? where() : std::string("[cuda-emu] kernel ") + g_kernel + ": ") + why;
  if (!g_fail_returns) {
    std::lock_guard<std::mutex> g(g_fail_mutex);
    std::fprintf(stderr, "%s\n", msg.c_str());
    std::fflush(stderr);
    std::_Exit(3);
  }
  if (g_launch && !g_launch->failed) {
    g_launch->failed = true;
    g_fail_message = msg;
  }
  if (g_in_fiber) {
    g_cur->state = FState::Exited;  // abandoned: its stack is reused by the next launch
    yield_to_scheduler();
  }
  // Outside a fiber only the scheduler calls fail(), and it checks `failed` right after.
  throw std::runtime_error(msg);
}

inline void start_watchdog() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::thread([] {
      unsigned long long last = g_progress.load();
      auto since = std::chrono::steady_clock::now();
      for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        unsigned long long now = g_progress.load();
        auto t = std::chrono::steady_clock::now();
        if (now != last || !g_active.load()) { last = now; since = t; continue; }
        if (std::chrono::duration<double>(t - since).count() > timeout_s()) {
          std::lock_guard<std::mutex> g(g_fail_mutex);
          std::fprintf(stderr, "[cuda-emu] kernel %s: no barrier reached for %.0f s (a loop without barriers?): "
                       "ending the process\n", g_kernel, timeout_s());
          std::fflush(stderr);
          std::_Exit(3);
        }
      }
    }).detach();
  });
}

// ---- memory faults in kernels ----------------------------------------------------------
// A SIGSEGV / SIGBUS raised while this thread runs a fiber is the kernel's: it fails the
// launch like any other kernel fault (fail(): the fiber is abandoned and the scheduler
// resumed, so the signal handler never returns).  Every other one goes to the handler that
// was installed before (the JVM's: implicit null checks, safepoint polls, stack banging).
// The handler is installed only while a launch runs (FaultGuard) and the previous one put
// back after it, so the JVM's handler is in place whenever no kernel runs.  It runs on an
// alternate stack on the launching thread: a fiber that overflows its stack faults in its
// guard page, where no handler could run.
inline struct sigaction g_prev_segv, g_prev_bus;
constexpr size_t kAltStackBytes = 64 * 1024;

inline void chain_fault(int sig, siginfo_t* si, void* uc) {
  const struct sigaction& prev = sig == SIGSEGV ? g_prev_segv : g_prev_bus;
  if (prev.sa_flags & SA_SIGINFO) {
    prev.sa_sigaction(sig, si, uc);
  } else if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
    prev.sa_handler(sig);
  } else {
    // default action: returning re-executes the faulting access, which now ends the process
    signal(sig, SIG_DFL);
  }
}

inline void on_fault(int sig, siginfo_t* si, void* uc) {
  if (!g_in_fiber || !g_launch) { chain_fault(sig, si, uc); return; }
  // The signal stays blocked in a handler that never returns: unblock it first.
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, sig);
  pthread_sigmask(SIG_UNBLOCK, &s, nullptr);
  uintptr_t a = reinterpret_cast<uintptr_t>(si->si_addr);
  char b[160];
  const char* access = "";
#if defined(__x86_64__) && defined(REG_ERR)
  access = (static_cast<ucontext_t*>(uc)->uc_mcontext.gregs[REG_ERR] & 2) ? " (write)" : " (read)";
#endif
  if (sig == SIGSEGV && si->si_code == SI_KERNEL)  // general protection: the CPU gives no address
    std::snprintf(b, sizeof b, "illegal address (non-canonical pointer: the CPU reports no address)%s", access);
  else
    std::snprintf(b, sizeof b, "illegal address 0x%llx%s: %s", (unsigned long long)a, access,
                  sig == SIGBUS ? "SIGBUS" : si->si_code == SEGV_ACCERR ? "SIGSEGV, page not accessible"
                                                                          : "SIGSEGV, nothing mapped there");
  std::string why = b;
  Fiber* f = g_cur;
  if (a >= reinterpret_cast<uintptr_t>(f->stack) && a < reinterpret_cast<uintptr_t>(f->stack) + 4096)
    why += " (the thread's stack overflowed its " + std::to_string(kStackBytes / 1024) + " KiB)";
  else if (g_describe_address && a != 0)
    why += " (" + g_describe_address(a) + ")";
  g_fail_memory = true;
  fail(why);
}

// Installs the fault handler and this thread's alternate signal stack for one launch.
struct FaultGuard {
  stack_t old_alt;
  bool alt = false;
  FaultGuard() {
    static thread_local std::unique_ptr<unsigned char[]> stack(new unsigned char[kAltStackBytes]);
    stack_t ss{};
    ss.ss_sp = stack.get();
    ss.ss_size = kAltStackBytes;
    alt = sigaltstack(&ss, &old_alt) == 0;
    struct sigaction sa{};
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigfillset(&sa.sa_mask);  // as the JVM's own handler: nothing interrupts it but synchronous faults
    sigdelset(&sa.sa_mask, SIGSEGV);
    sigdelset(&sa.sa_mask, SIGBUS);
    sigdelset(&sa.sa_mask, SIGILL);
    sigdelset(&sa.sa_mask, SIGFPE);
    sigdelset(&sa.sa_mask, SIGTRAP);
    sigaction(SIGSEGV, &sa, &g_prev_segv);
    sigaction(SIGBUS, &sa, &g_prev_bus);
  }
  ~FaultGuard() {
    sigaction(SIGSEGV, &g_prev_segv, nullptr);
    sigaction(SIGBUS, &g_prev_bus, nullptr);
    if (alt) sigaltstack(&old_alt, nullptr);
  }
  FaultGuard(const FaultGuard&) = delete;
  FaultGuard& operator=(const FaultGuard&) = delete;
};

inline unsigned char* dynamic_shared() { return g_launch->dyn.data(); }
inline Warp& my_warp() { return g_launch->warps[g_cur->tid / 32]; }
inline unsigned my_lane() { return g_cur->tid % 32; }

// Arrival at a barrier; returns once all participants arrived.
inline void arrive_and_wait(Barrier& b, long tag, const char* what) {
  if (b.exited > 0)
    fail(b.count == 32 ? std::string(what) + ": a lane of this warp has already exited (full mask needs all 32 lanes)"
                       : std::string(what) + ": a thread of this block has already returned (every thread must reach it)");
  if (b.arrived == 0) { b.tag = tag; b.what = what; }
  else if (tag != b.tag) fail(std::string("threads disagree at a barrier: this thread is at ") + what + ", another at " + b.what);
  if (++b.arrived == b.expected) {
    b.arrived = 0;
    for (unsigned i = b.first; i < b.first + b.count; ++i) {
      Fiber& f = g_fibers[i];
      if (f.waiting == &b) { f.waiting = nullptr; f.state = FState::Runnable; }
    }
    return;
  }
  g_cur->state = FState::Waiting;
  g_cur->waiting = &b;
  yield_to_scheduler();
}

// A fiber's kernel returned.
inline void exit_lane() {
  Warp& w = my_warp();
  if (w.bar.arrived > 0) fail(std::string("thread left the kernel while its warp waits at ") + w.bar.what);
  if (g_launch->block_bar.arrived > 0)
    fail(std::string("thread left the kernel while others wait at ") + g_launch->block_bar.what);
  ++w.bar.exited;
  ++g_launch->block_bar.exited;
}

inline void fiber_main(void*) {
  g_launch->body(g_launch->ctx);
  exit_lane();
  g_cur->state = FState::Exited;
  yield_to_scheduler();
  __builtin_trap();  // never resumed
}

#if !defined(__x86_64__)
inline void fiber_main_uc() { fiber_main(nullptr); }
#endif

inline void ensure_fibers(unsigned n) {
  while (g_fibers.size() < n) {
    Fiber f;
    void* m = mmap(nullptr, kStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) { std::fprintf(stderr, "[cuda-emu] cannot map a fiber stack\n"); std::_Exit(3); }
    mprotect(m, 4096, PROT_NONE);  // overflow faults instead of corrupting a neighbour
    f.stack = static_cast<unsigned char*>(m);
    g_fibers.push_back(f);
  }
}

inline void prepare_fiber(Fiber& f, unsigned tid) {
  f.tid = tid;
  f.state = FState::Runnable;
  f.waiting = nullptr;
  f.phase[0] = 0;
#if defined(__x86_64__)
  uintptr_t top = (reinterpret_cast<uintptr_t>(f.stack) + kStackBytes) & ~uintptr_t(15);
  uint64_t* sp = reinterpret_cast<uint64_t*>(top) - 8;
  uint32_t csr[2];
  asm volatile("stmxcsr %0" : "=m"(csr[0]));
  asm volatile("fnstcw %0" : "=m"(csr[1]));
  std::memcpy(&sp[0], csr, 8);
  sp[1] = 0;                                               // r15
  sp[2] = 0;                                               // r14
  sp[3] = 0;                                               // r13
  sp[4] = reinterpret_cast<uint64_t>(&fiber_main);         // r12: entry
  sp[5] = 0;                                               // rbx: argument
  sp[6] = 0;                                               // rbp
  sp[7] = reinterpret_cast<uint64_t>(&nc_emu_fiber_start);  // return address
  f.sp = sp;
#else
  getcontext(&f.uc);
  f.uc.uc_stack.ss_sp = f.stack + 4096;
  f.uc.uc_stack.ss_size = kStackBytes - 4096;
  f.uc.uc_link = nullptr;
  makecontext(&f.uc, fiber_main_uc, 0);
#endif
}

inline void resume(Fiber& f) {
  g_cur = &f;
  unsigned t = f.tid, bx = g_launch->block.x, by = g_launch->block.y;
  threadIdx = {t % bx, (t / bx) % by, t / (bx * by)};
  g_in_fiber = true;
#if defined(__x86_64__)
  nc_emu_fiber_switch(&g_sched_sp, f.sp);
#else
  swapcontext(&g_sched_uc, &f.uc);
#endif
  g_in_fiber = false;
}

// Runs one block to the end; false when the launch failed.
inline bool run_block(Launch& L) {
  std::memset(L.dyn.data(), 0xFF, L.dyn.size());
  L.block_bar = Barrier{int(L.nthreads), 0, 0, 0, "", 0, L.nthreads};
  for (unsigned w = 0; w < L.warps.size(); ++w) L.warps[w].bar = Barrier{32, 0, 0, 0, "", 32 * w, 32};
  for (unsigned t = 0; t < L.nthreads; ++t) prepare_fiber(g_fibers[t], t);
  for (;;) {
    bool ran = false, all_exited = true;
    for (unsigned t = 0; t < L.nthreads; ++t) {
      Fiber& f = g_fibers[t];
      if (f.state == FState::Runnable) {
        ran = true;
        resume(f);
        if (L.failed) return false;
      }
      if (f.state != FState::Exited) all_exited = false;
    }
    if (all_exited) return true;
    if (!ran) {
      // No fiber can run: some wait at a barrier the others will never reach.
      unsigned waiting = 0, exited = 0, first = 0;
      const char* at = "";
      for (unsigned t = 0; t < L.nthreads; ++t) {
        Fiber& f = g_fibers[t];
        if (f.state == FState::Exited) ++exited;
        else if (f.state == FState::Waiting) { if (!waiting++) { first = t; at = f.waiting->what; } }
      }
      unsigned bx = L.block.x, by = L.block.y;
      threadIdx = {first % bx, (first / bx) % by, first / (bx * by)};
      g_cur = &g_fibers[first];
      try {
        fail("deadlock: " + std::to_string(waiting) + " threads wait (this one at " + at + ") and " +
             std::to_string(exited) + " have returned: divergent barrier");
      } catch (const std::runtime_error&) {
      }
      return false;
    }
  }
}

// Runs a launch; false (reason in g_fail_message) when it failed in library mode.
inline bool launch_erased(const char* name, dim3 grid, dim3 block, size_t shared_bytes, void (*body)(void*), void* ctx) {
  g_kernel = name;
  auto bad = [&](const std::string& why) {
    g_fail_message = std::string("[cuda-emu] kernel ") + name + ": " + why;
    if (!g_fail_returns) { std::fprintf(stderr, "%s\n", g_fail_message.c_str()); std::_Exit(3); }
    return false;
  };
  unsigned long long nthreads = (unsigned long long)block.x * block.y * block.z;
  if (nthreads == 0 || nthreads > 1024) return bad("bad block size " + std::to_string(nthreads));
  if (nthreads % 32 != 0)
    return bad("block size " + std::to_string(nthreads) + " is not a multiple of 32 (partial warps are not emulated)");
  if (grid.x == 0 || grid.y == 0 || grid.z == 0) return bad("empty grid");
  if (grid.y > 65535 || grid.z > 65535) return bad("grid.y/z over 65535");
  if (shared_bytes > 48 * 1024)
    return bad(std::to_string(shared_bytes) + " bytes of dynamic shared memory (> 48 KiB without opt-in)");
  Launch L;
  L.kernel = name;
  L.body = body;
  L.ctx = ctx;
  L.nthreads = unsigned(nthreads);
  L.block = block;
  L.warps.resize(L.nthreads / 32);
  L.dyn.assign(shared_bytes + 16, 0xFF);
  L.dyn_bytes = shared_bytes;
  ensure_fibers(L.nthreads);
  g_launch = &L;
  g_fail_memory = false;
  FaultGuard guard;
  start_watchdog();
  g_active = true;
  blockDim = block;
  gridDim = grid;
  bool ok = true;
  for (unsigned bz = 0; bz < grid.z && ok; ++bz)
    for (unsigned by = 0; by < grid.y && ok; ++by)
      for (unsigned bx = 0; bx < grid.x && ok; ++bx) {
        blockIdx = {bx, by, bz};
        ok = run_block(L);
      }
  g_active = false;
  g_launch = nullptr;
  g_cur = nullptr;
  return ok;
}

template <class K, class... A>
bool launch(const char* name, K kernel, dim3 grid, dim3 block, size_t shared_bytes, A... args) {
  struct Ctx { K k; std::tuple<A...> a; } c{kernel, std::tuple<A...>(args...)};
  return launch_erased(name, grid, block, shared_bytes, [](void* p) {
    Ctx* c = static_cast<Ctx*>(p);
    std::apply(c->k, c->a);
  }, &c);
}

inline void check_mask(unsigned mask, const char* op) {
  if (mask != 0xffffffffu) {
    char b[16];
    std::snprintf(b, sizeof b, "%08x", mask);
    fail(std::string(op) + ": only the full mask 0xffffffff is emulated, got 0x" + b);
  }
}

// Exchanges 64-bit words within the warp: each lane publishes `v`, then reads lane `src`.
inline unsigned long long exchange(unsigned long long v, unsigned src, long tag, const char* what) {
  Warp& w = my_warp();
  unsigned lane = my_lane();
  unsigned p = g_cur->phase[0];
  w.slot[p][lane] = v;
  arrive_and_wait(w.bar, tag, what);
  unsigned long long r = w.slot[p][src & 31];
  g_cur->phase[0] = p ^ 1;  // next exchange writes the other buffer: no second barrier needed
  return r;
}

template <class T> unsigned long long to_bits(T v) {
  static_assert(sizeof(T) <= 8);
  unsigned long long b = 0; std::memcpy(&b, &v, sizeof(T)); return b;
}
template <class T> T from_bits(unsigned long long b) { T v; std::memcpy(&v, &b, sizeof(T)); return v; }

inline void syncthreads(int line) {
  arrive_and_wait(g_launch->block_bar, 1000000L + line, "__syncthreads");
}

}  // namespace nc_emu

// ---- intrinsics -------------------------------------------------------------------
#define __syncthreads() nc_emu::syncthreads(__LINE__)

inline void __syncwarp(unsigned mask = 0xffffffffu) {
  nc_emu::check_mask(mask, "__syncwarp");
  nc_emu::exchange(0, 0, 1, "__syncwarp");
}

template <class T> T __shfl_sync(unsigned mask, T v, int src, int width = 32) {
  nc_emu::check_mask(mask, "__shfl_sync");
  if (width != 32) nc_emu::fail("__shfl_sync: width != 32 is not emulated");
  return nc_emu::from_bits<T>(nc_emu::exchange(nc_emu::to_bits(v), unsigned(src) & 31u, 2, "__shfl_sync"));
}
template <class T> T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32) {
  nc_emu::check_mask(mask, "__shfl_xor_sync");
  if (width != 32) nc_emu::fail("__shfl_xor_sync: width != 32 is not emulated");
  unsigned src = (nc_emu::my_lane() ^ unsigned(lane_mask)) & 31u;
  return nc_emu::from_bits<T>(nc_emu::exchange(nc_emu::to_bits(v), src, 3, "__shfl_xor_sync"));
}
template <class T> T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = 32) {
  nc_emu::check_mask(mask, "__shfl_down_sync");
  if (width != 32) nc_emu::fail("__shfl_down_sync: width != 32 is not emulated");
  unsigned lane = nc_emu::my_lane();
  unsigned src = lane + delta < 32 ? lane + delta : lane;  // out of range: own value
  return nc_emu::from_bits<T>(nc_emu::exchange(nc_emu::to_bits(v), src, 4, "__shfl_down_sync"));
}
template <class T> T __shfl_up_sync(unsigned mask, T v, unsigned delta, int width = 32) {
  nc_emu::check_mask(mask, "__shfl_up_sync");
  if (width != 32) nc_emu::fail("__shfl_up_sync: width != 32 is not emulated");
  unsigned lane = nc_emu::my_lane();
  unsigned src = lane >= delta ? lane - delta : lane;
  return nc_emu::from_bits<T>(nc_emu::exchange(nc_emu::to_bits(v), src, 5, "__shfl_up_sync"));
}
inline unsigned __ballot_sync(unsigned mask, int pred) {
  nc_emu::check_mask(mask, "__ballot_sync");
  nc_emu::Warp& w = nc_emu::my_warp();
  unsigned lane = nc_emu::my_lane();
  unsigned p = nc_emu::g_cur->phase[0];
  w.slot[p][lane] = pred ? 1 : 0;
  nc_emu::arrive_and_wait(w.bar, 6, "__ballot_sync");
  unsigned r = 0;
  for (unsigned l = 0; l < 32; ++l) r |= unsigned(w.slot[p][l] != 0) << l;
  nc_emu::g_cur->phase[0] = p ^ 1;
  return r;
}

// One fiber runs at a time: an atomic is a plain read-modify-write.
template <class T> T __emu_atomic_add(T* p, T v) { T old = *p; *p = old + v; return old; }
inline float atomicAdd(float* p, float v) { return __emu_atomic_add(p, v); }
inline double atomicAdd(double* p, double v) { return __emu_atomic_add(p, v); }
inline int atomicAdd(int* p, int v) { return __emu_atomic_add(p, v); }
inline unsigned atomicAdd(unsigned* p, unsigned v) { return __emu_atomic_add(p, v); }
inline unsigned long long atomicAdd(unsigned long long* p, unsigned long long v) { return __emu_atomic_add(p, v); }
inline int atomicMin(int* p, int v) {
  std::atomic_ref<int> a(*p);
  int old = a.load(std::memory_order_relaxed);
  while (v < old && !a.compare_exchange_weak(old, v, std::memory_order_relaxed)) {
  }
  return old;
}

template <class T> T __ldg(const T* p) { return *p; }

inline int __popc(unsigned v) { return __builtin_popcount(v); }
// Round-to-nearest double add / multiply that nvcc never fuses into an fma.  Host side: the
// drivers build for plain x86-64 (no fma instruction), so g++ cannot contract them either.
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline int __ffs(unsigned v) { return __builtin_ffs(int(v)); }
inline int __float_as_int(float v) { return nc_emu::from_bits<int>(nc_emu::to_bits(v)); }
inline float __int_as_float(int v) { return nc_emu::from_bits<float>(nc_emu::to_bits(v)); }
inline long long __double_as_longlong(double v) { return nc_emu::from_bits<long long>(nc_emu::to_bits(v)); }
inline double __longlong_as_double(long long v) { return nc_emu::from_bits<double>(nc_emu::to_bits(v)); }
