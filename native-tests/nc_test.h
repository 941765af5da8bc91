// nc_test.h: shared pieces of the kernel drivers.  The same drivers build two ways:
//   g++  (host emulation, native-tests/emu/cuda_emu.h): run.sh, every commit, no GPU;
//   nvcc (-x cu, real GPU): gpu.sh, the CUDA backend's GPU bundle.
// Each test_<family>.cpp includes this header, then its cuda/<family>.cu.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#ifdef __CUDACC__
#include <cuda_runtime.h>
namespace nc_test {
inline void cuda_check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    std::fprintf(stderr, "CUDA error in %s: %s\n", what, cudaGetErrorString(e));
    std::exit(4);
  }
}
}  // namespace nc_test
#define NC_LAUNCH(kern, grid, block, smem, ...)                                 \
  do {                                                                          \
    kern<<<(grid), (block), (smem)>>>(__VA_ARGS__);                             \
    nc_test::cuda_check(cudaGetLastError(), "launch " #kern);                   \
    nc_test::cuda_check(cudaDeviceSynchronize(), "synchronize after " #kern);   \
  } while (0)
#else
#include "emu/cuda_emu.h"
#define NC_LAUNCH(kern, grid, block, smem, ...) nc_emu::launch(#kern, kern, (grid), (block), (smem), __VA_ARGS__)
#endif

namespace nc_test {

// ---- device memory (host memory under emulation) -------------------------------------
template <class T>
T* dev_alloc(size_t n) {
  size_t bytes = std::max<size_t>(n, 1) * sizeof(T) + 16;
#ifdef __CUDACC__
  void* p = nullptr;
  cuda_check(cudaMalloc(&p, bytes), "cudaMalloc");
  return static_cast<T*>(p);
#else
  void* p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  std::memset(p, 0xCD, bytes);  // garbage, not zeros
  return static_cast<T*>(p);
#endif
}
template <class T>
void dev_put(T* d, const std::vector<T>& h) {
  if (h.empty()) return;
#ifdef __CUDACC__
  cuda_check(cudaMemcpy(d, h.data(), h.size() * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy H2D");
#else
  std::memcpy(d, h.data(), h.size() * sizeof(T));
#endif
}
template <class T>
T* dev_from(const std::vector<T>& h) { T* d = dev_alloc<T>(h.size()); dev_put(d, h); return d; }
template <class T>
std::vector<T> dev_get(const T* d, size_t n) {
  std::vector<T> h(n);
  if (n == 0) return h;
#ifdef __CUDACC__
  cuda_check(cudaMemcpy(h.data(), d, n * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy D2H");
#else
  std::memcpy(h.data(), d, n * sizeof(T));
#endif
  return h;
}
inline void dev_free(void* p) {
#ifdef __CUDACC__
  cudaFree(p);
#else
  std::free(p);
#endif
}

// Multiprocessor count used in the ABI's launch rules (emulation: a small machine).
inline int sms() {
#ifdef __CUDACC__
  static int n = [] { int v = 0; cuda_check(cudaDeviceGetAttribute(&v, cudaDevAttrMultiProcessorCount, 0), "SM count"); return v; }();
  return n;
#else
  return 2;
#endif
}

inline long long cdiv(long long a, long long b) { return (a + b - 1) / b; }

// ---- results --------------------------------------------------------------------------
struct Report { int passed = 0, failed = 0; };
inline Report& report() { static Report r; return r; }

inline bool close(double got, double want, double tol) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want)) return got == want;
  return std::fabs(got - want) <= tol;  // false for NaN got
}

// Records one test: all n elements must satisfy |got - want| <= atol + rtol * scale[i]
// (scale = |want| when null).  A failure prints the kernel, shape and first differing element.
inline bool check(const std::string& kernel, const std::string& shape, const std::string& what, const double* got,
                  const double* want, size_t n, double rtol, double atol, const double* scale = nullptr) {
  for (size_t i = 0; i < n; ++i) {
    double s = scale ? scale[i] : std::fabs(want[i]);
    double tol = atol + rtol * s;
    if (!close(got[i], want[i], tol)) {
      std::printf("FAIL %s [%s] %s: first difference at element %zu: got %.17g, want %.17g (tol %.3g)\n",
                  kernel.c_str(), shape.c_str(), what.c_str(), i, got[i], want[i], tol);
      report().failed++;
      return false;
    }
  }
  report().passed++;
  return true;
}
inline bool check_u64(const std::string& kernel, const std::string& shape, const std::string& what,
                      const unsigned long long* got, const unsigned long long* want, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (got[i] != want[i]) {
      std::printf("FAIL %s [%s] %s: first difference at element %zu: got %llu, want %llu\n", kernel.c_str(),
                  shape.c_str(), what.c_str(), i, got[i], want[i]);
      report().failed++;
      return false;
    }
  report().passed++;
  return true;
}
inline bool check_true(const std::string& kernel, const std::string& shape, const std::string& what, bool ok,
                       const std::string& detail = "") {
  if (!ok) {
    std::printf("FAIL %s [%s] %s %s\n", kernel.c_str(), shape.c_str(), what.c_str(), detail.c_str());
    report().failed++;
  } else {
    report().passed++;
  }
  return ok;
}

inline std::string shape(std::initializer_list<std::pair<const char*, long long>> kv) {
  std::string s;
  for (auto& p : kv) { if (!s.empty()) s += ' '; s += p.first; s += '='; s += std::to_string(p.second); }
  return s;
}

// ---- data -------------------------------------------------------------------------------
struct Rng {
  std::mt19937_64 g;
  explicit Rng(unsigned long long seed) : g(seed) {}
  double normal() { return std::normal_distribution<double>(0.0, 1.0)(g); }
  double uniform(double a, double b) { return std::uniform_real_distribution<double>(a, b)(g); }
  int below(int n) { return int(std::uniform_int_distribution<long long>(0, n - 1)(g)); }
  std::vector<float> floats(size_t n, double scale = 1.0, double offset = 0.0) {
    std::vector<float> v(n);
    for (auto& x : v) x = float(offset + scale * normal());
    return v;
  }
  std::vector<double> doubles(size_t n, double scale = 1.0, double offset = 0.0) {
    std::vector<double> v(n);
    for (auto& x : v) x = offset + scale * normal();
    return v;
  }
  std::vector<int> labels(size_t n, int k) {
    std::vector<int> v(n);
    for (auto& x : v) x = below(k);
    return v;
  }
};

// Test families (one per cuda/<family>.cu).
void test_class_sums();
void test_centre();
void test_syrk();
void test_pairwise();
void test_decisions();

}  // namespace nc_test
