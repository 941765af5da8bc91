// cuda_emu.h: host emulation of the CUDA subset used by kernels/*.cu, so that the
// kernels compile with g++ (C++20, -pthread) and run on the CPU.
//
// Model:
//  - A launch runs the grid's blocks one at a time, in order (x fastest, then y, z).
//  - Each block runs on blockDim host threads: a pool of blockDim.x*y*z std::threads is
//    created once per launch and reused for every block of that launch.
//  - threadIdx / blockIdx are thread_local; blockDim / gridDim are process globals.
//  - Static __shared__ arrays become function-local statics: one copy, used by the one
//    block that runs at a time.  Dynamic shared memory (NC_DYN_SHARED in
//    kernels/nc_common.cuh) is one buffer per launch, filled with 0xFF (NaN for float and
//    double) before every block so reads of unwritten shared memory show up in results.
//  - __syncthreads() is a barrier over the block's threads.  Every arrival carries a tag
//    (which barrier, which source line); a phase whose arrivals disagree (a thread that
//    left the kernel while others wait at __syncthreads, or two different
//    __syncthreads lines) fails loudly with the kernel, block and thread.
//  - Warp shuffles, __ballot_sync and __syncwarp: per-warp exchange slots and a warp
//    barrier.  Only the full mask 0xffffffff over a full warp is supported: any other mask,
//    a lane that has exited, or lanes at different warp operations fail loudly.
//  - A launch in which no barrier completes for NC_EMU_TIMEOUT_S (default 60 s) fails
//    loudly instead of hanging (watchdog thread).
//  - Atomics go through std::atomic_ref; __ldg is a plain load.
// Failures print "[cuda-emu] kernel K block (..) thread (..): reason" and exit(3).
#pragma once
#ifndef NC_HOST_EMU
#define NC_HOST_EMU 1
#endif

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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

inline thread_local uint3 threadIdx{0, 0, 0};
inline thread_local uint3 blockIdx{0, 0, 0};
inline dim3 blockDim;
inline dim3 gridDim;
constexpr int warpSize = 32;

using std::isnan;
using std::isinf;
using std::isfinite;

namespace nc_emu {

[[noreturn]] void fail(const std::string& why);

inline double timeout_s() {
  static double t = [] {
    const char* e = std::getenv("NC_EMU_TIMEOUT_S");
    return e ? std::atof(e) : 60.0;
  }();
  return t;
}

// Progress watchdog: every completed barrier phase bumps g_progress; a detached thread
// fails the run loudly when a launch makes no progress for NC_EMU_TIMEOUT_S seconds
// (a divergent barrier would otherwise hang).
inline std::atomic<unsigned long long> g_progress{0};
inline std::atomic<const char*> g_waiting_at{nullptr};
void start_watchdog();

// A reusable barrier whose arrivals carry a tag; all arrivals of one phase must agree.
// Arrival bookkeeping takes a mutex; waiting is on an atomic generation counter
// (futex-based std::atomic::wait), so a completed phase wakes the waiters without a
// mutex convoy.
class TaggedBarrier {
 public:
  void reset(int expected) {
    std::lock_guard<std::mutex> g(m_);
    expected_ = expected; arrived_ = 0; exited_ = 0; tag_ = 0;
  }
  // Returns after all `expected` participants arrived.  `what` names the call site.
  void arrive_and_wait(long tag, const char* what) {
    unsigned gen;
    {
      std::lock_guard<std::mutex> g(m_);
      if (exited_ > 0) fail(std::string(what) + ": a lane of this warp has already exited (full mask needs all 32 lanes)");
      if (arrived_ == 0) { tag_ = tag; what_ = what; }
      else if (tag != tag_) fail(std::string("threads disagree at a barrier: this thread is at ") + what +
                                 ", another at " + what_);
      gen = gen_.load(std::memory_order_relaxed);
      if (++arrived_ == expected_) {
        arrived_ = 0;
        gen_.store(gen + 1, std::memory_order_release);
        g_progress.fetch_add(1, std::memory_order_relaxed);
        gen_.notify_all();
        return;
      }
      g_waiting_at.store(what, std::memory_order_relaxed);
    }
    gen_.wait(gen, std::memory_order_acquire);
    while (gen_.load(std::memory_order_acquire) == gen) gen_.wait(gen, std::memory_order_acquire);
  }
  // A participant left (kernel returned).  Fails if others are waiting on it.
  void exit_lane(const char* what) {
    std::lock_guard<std::mutex> g(m_);
    if (arrived_ > 0) fail(std::string("thread left the kernel while its warp waits at ") + what_ + " (" + what + ")");
    ++exited_;
  }

 private:
  std::mutex m_;
  int expected_ = 0, arrived_ = 0, exited_ = 0;
  long tag_ = 0;
  const char* what_ = "";
  std::atomic<unsigned> gen_{0};
};

struct Warp {
  TaggedBarrier bar;
  unsigned long long slot[2][32];
  unsigned phase[32];  // per lane: which slot buffer the next exchange uses
};

struct Launch {
  const char* kernel = "";
  TaggedBarrier block_bar;
  std::vector<std::unique_ptr<Warp>> warps;
  std::vector<unsigned char> dyn;  // dynamic shared memory
  size_t dyn_bytes = 0;
};

inline Launch* g_launch = nullptr;
inline std::mutex g_fail_mutex;
inline thread_local unsigned tl_linear_tid = 0;

[[noreturn]] inline void fail(const std::string& why) {
  std::lock_guard<std::mutex> g(g_fail_mutex);
  std::fprintf(stderr, "[cuda-emu] kernel %s block (%u,%u,%u) thread (%u,%u,%u): %s\n",
               g_launch ? g_launch->kernel : "?", blockIdx.x, blockIdx.y, blockIdx.z,
               threadIdx.x, threadIdx.y, threadIdx.z, why.c_str());
  std::fflush(stderr);
  std::_Exit(3);
}

inline std::atomic<bool> g_active{false};

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
          const char* w = g_waiting_at.load();
          std::fprintf(stderr, "[cuda-emu] kernel %s: no barrier completed for %.0f s (threads wait at %s): "
                       "divergent barrier or deadlock\n", g_launch ? g_launch->kernel : "?", timeout_s(), w ? w : "?");
          std::fflush(stderr);
          std::_Exit(3);
        }
      }
    }).detach();
  });
}

inline unsigned char* dynamic_shared() { return g_launch->dyn.data(); }

inline Warp& my_warp() { return *g_launch->warps[tl_linear_tid / 32]; }
inline unsigned my_lane() { return tl_linear_tid % 32; }

inline void check_mask(unsigned mask, const char* op) {
  if (mask != 0xffffffffu)
    fail(std::string(op) + ": only the full mask 0xffffffff is emulated, got 0x" +
         [&] { char b[16]; std::snprintf(b, sizeof b, "%08x", mask); return std::string(b); }());
}

// Exchanges 64-bit words within the warp: each lane publishes `v`, then reads lane `src`.
inline unsigned long long exchange(unsigned long long v, unsigned src, long tag, const char* what) {
  Warp& w = my_warp();
  unsigned lane = my_lane();
  unsigned p = w.phase[lane];
  w.slot[p][lane] = v;
  w.bar.arrive_and_wait(tag, what);
  unsigned long long r = w.slot[p][src & 31];
  w.phase[lane] = p ^ 1;  // next exchange writes the other buffer: no second barrier needed
  return r;
}

template <class T> unsigned long long to_bits(T v) {
  static_assert(sizeof(T) <= 8);
  unsigned long long b = 0; std::memcpy(&b, &v, sizeof(T)); return b;
}
template <class T> T from_bits(unsigned long long b) { T v; std::memcpy(&v, &b, sizeof(T)); return v; }

inline void syncthreads(int line) {
  g_launch->block_bar.arrive_and_wait(1000000L + line, "__syncthreads");
}

template <class K, class... A>
void launch(const char* name, K kernel, dim3 grid, dim3 block, size_t shared_bytes, A... args) {
  unsigned nthreads = block.x * block.y * block.z;
  if (nthreads == 0 || nthreads > 1024) { std::fprintf(stderr, "[cuda-emu] kernel %s: bad block size %u\n", name, nthreads); std::_Exit(3); }
  if (nthreads % 32 != 0) { std::fprintf(stderr, "[cuda-emu] kernel %s: block size %u is not a multiple of 32 (partial warps are not emulated)\n", name, nthreads); std::_Exit(3); }
  if (grid.x == 0 || grid.y == 0 || grid.z == 0) { std::fprintf(stderr, "[cuda-emu] kernel %s: empty grid\n", name); std::_Exit(3); }
  if (grid.y > 65535 || grid.z > 65535) { std::fprintf(stderr, "[cuda-emu] kernel %s: grid.y/z over 65535\n", name); std::_Exit(3); }
  if (shared_bytes > 48 * 1024) { std::fprintf(stderr, "[cuda-emu] kernel %s: %zu bytes of dynamic shared memory (> 48 KiB without opt-in)\n", name, shared_bytes); std::_Exit(3); }
  Launch L;
  L.kernel = name;
  L.block_bar.reset(int(nthreads));
  for (unsigned w = 0; w < nthreads / 32; ++w) L.warps.emplace_back(new Warp());
  L.dyn.assign(shared_bytes + 16, 0xFF);
  L.dyn_bytes = shared_bytes;
  g_launch = &L;
  start_watchdog();
  g_active = true;
  blockDim = block;
  gridDim = grid;
  auto body = [&](unsigned t) {
    tl_linear_tid = t;
    threadIdx = {t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
    for (unsigned bz = 0; bz < grid.z; ++bz)
      for (unsigned by = 0; by < grid.y; ++by)
        for (unsigned bx = 0; bx < grid.x; ++bx) {
          blockIdx = {bx, by, bz};
          if (t == 0) {  // all threads are past the previous block's end barrier
            std::memset(L.dyn.data(), 0xFF, L.dyn.size());
            for (auto& w : L.warps) { w->bar.reset(32); std::memset(w->phase, 0, sizeof w->phase); }
          }
          L.block_bar.arrive_and_wait(1, "block start");
          kernel(args...);
          my_warp().bar.exit_lane("kernel end");
          L.block_bar.arrive_and_wait(2, "kernel end (a thread returned while others wait at __syncthreads?)");
        }
  };
  std::vector<std::thread> pool;
  pool.reserve(nthreads);
  for (unsigned t = 0; t < nthreads; ++t) pool.emplace_back(body, t);
  for (auto& th : pool) th.join();
  g_active = false;
  g_launch = nullptr;
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
  unsigned p = w.phase[lane];
  w.slot[p][lane] = pred ? 1 : 0;
  w.bar.arrive_and_wait(6, "__ballot_sync");
  unsigned r = 0;
  for (unsigned l = 0; l < 32; ++l) r |= unsigned(w.slot[p][l] != 0) << l;
  w.phase[lane] = p ^ 1;
  return r;
}

template <class T> T __emu_atomic_add(T* p, T v) { return std::atomic_ref<T>(*p).fetch_add(v, std::memory_order_relaxed); }
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
