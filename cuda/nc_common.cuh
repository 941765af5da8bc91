// nc_common.cuh: helpers shared by the kernel families (included by every cuda/*.cu).
//
// Everything here is an inline __device__ function or a macro, so that each kernel file is
// a self-contained module (no relocatable device code) and the files can also be compiled
// together with the host emulation (native-tests/emu/cuda_emu.h, which
// defines NC_HOST_EMU and must be included first).
//
// Allowed CUDA subset (kept so that the emulator stays small): __syncthreads,
// __shfl_*_sync / __ballot_sync / __syncwarp with the full mask, atomicAdd on
// float/double/unsigned/unsigned long long, __ldg, static __shared__ arrays and dynamic
// shared memory through NC_DYN_SHARED, basic math.
//
// Reproducible PTX: no `static` functions or anonymous namespaces in cuda/ -- nvcc names
// internal-linkage symbols (and the static __shared__ arrays inside them)
// _INTERNAL_<hash of the source path>_..., so the PTX would depend on where it was built.
// native-tests/ptx-fresh.sh rejects such names.
#pragma once

#define NC_FULL_MASK 0xffffffffu
#define NC_WARP 32

// Dynamic shared memory as a typed pointer: `NC_DYN_SHARED(double, s);`
#ifdef NC_HOST_EMU
#define NC_DYN_SHARED(T, name) T* name = reinterpret_cast<T*>(nc_emu::dynamic_shared())
#else
#define NC_DYN_SHARED(T, name)                                  \
  extern __shared__ __align__(16) unsigned char nc_dyn_smem_[]; \
  T* name = reinterpret_cast<T*>(nc_dyn_smem_)
#endif

// A device-side check that failed (e.g. an id not in a table): the launch fails and the host's
// launch or synchronisation returns an error.  On a GPU __trap() (the context is then unusable,
// as after any kernel fault: this is a caller bug, never data); under host emulation the
// launch is abandoned with the message (an error return in the emulated driver).
#ifdef NC_HOST_EMU
#define NC_DEVICE_FAIL(what) nc_emu::fail(what)
#else
#define NC_DEVICE_FAIL(what) __trap()
#endif

#define NC_DEV __device__ __forceinline__  // not static: internal-linkage names in PTX carry a path-dependent hash
#define NC_MEMBER __device__ __forceinline__  // member functions (no storage class)
#define NC_MEMBER_NOINLINE __device__ __noinline__  // keeps one copy of a large epilogue

NC_DEV int nc_imin(int a, int b) { return a < b ? a : b; }
NC_DEV long long nc_llmin(long long a, long long b) { return a < b ? a : b; }
NC_DEV double nc_dmax(double a, double b) { return a > b ? a : b; }

NC_DEV double nc_nan() { return __longlong_as_double(0x7ff8000000000000LL); }

// Sum over the 32 lanes of a warp; every lane gets the total (butterfly, fixed order).
template <class T>
NC_DEV T nc_warp_sum(T v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(NC_FULL_MASK, v, o);
  return v;
}

// Welford/Chan statistics of values v = exp(shift) * v', with mean and m2 (sum of squared
// deviations) of v'.  shift is 0 unless log-space values are added (add_log).
struct NcStats {
  double n, shift, mean, m2;
};

NC_DEV NcStats nc_stats_empty() { NcStats s; s.n = 0; s.shift = 0; s.mean = 0; s.m2 = 0; return s; }

NC_DEV void nc_stats_add(NcStats& s, double v) {
  s.n += 1;
  double delta = v - s.mean;
  s.mean += delta / s.n;
  s.m2 += delta * (v - s.mean);
}

// Adds the value exp(lv): keeps shift = the largest lv seen, rescaling mean and m2.
NC_DEV void nc_stats_add_log(NcStats& s, double lv) {
  if (s.n == 0) { s.n = 1; s.shift = lv; s.mean = 1; s.m2 = 0; return; }
  if (lv > s.shift) {
    double f = exp(s.shift - lv);
    s.mean *= f; s.m2 *= f * f; s.shift = lv;
    nc_stats_add(s, 1.0);
  } else {
    nc_stats_add(s, exp(lv - s.shift));
  }
}

// Chan et al. merge, aligning shifts first (same rule as org.ncj.pairwise.PairStats).
NC_DEV NcStats nc_stats_merge(NcStats a, NcStats b) {
  if (b.n == 0) return a;
  if (a.n == 0) return b;
  double sh = nc_dmax(a.shift, b.shift);
  double fa = a.shift == sh ? 1.0 : exp(a.shift - sh);
  double fb = b.shift == sh ? 1.0 : exp(b.shift - sh);
  double ma = a.mean * fa, mb = b.mean * fb;
  NcStats r;
  r.n = a.n + b.n;
  double delta = mb - ma;
  r.mean = ma + delta * (b.n / r.n);
  r.m2 = a.m2 * fa * fa + b.m2 * fb * fb + delta * delta * (a.n * b.n / r.n);
  r.shift = sh;
  return r;
}

NC_DEV NcStats nc_stats_shfl_xor(NcStats s, int o) {
  NcStats r;
  r.n = __shfl_xor_sync(NC_FULL_MASK, s.n, o);
  r.shift = __shfl_xor_sync(NC_FULL_MASK, s.shift, o);
  r.mean = __shfl_xor_sync(NC_FULL_MASK, s.mean, o);
  r.m2 = __shfl_xor_sync(NC_FULL_MASK, s.m2, o);
  return r;
}
