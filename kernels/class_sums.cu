// class_sums.cu: per-class sums and counts of a batch of embeddings.
//
// Math: sums[c][j] += sum over rows i with y[i] == c of x[i][j];  counts[c] += n_c.
// _f32 adds in float32 before combining into the float64 totals; _f64 adds in float64.
//
// nc_class_sums_small_{f32,f64}  (few classes: k*d*sizeof(acc) + 4k <= 48 KiB)
//   launch: block 256, grid = min(ceil(n/256), 4*SMs) (>= 1), dynamic shared
//           k*d*sizeof(acc) + k*4 bytes.
//   Each block takes a contiguous range of ceil(n/grid) rows and walks its row-major
//   elements with stride 256 (row/column advanced incrementally, no division in the
//   loop), adding into per-block partial sums in shared memory (shared atomics) and
//   counting rows in a shared unsigned array; after one __syncthreads the block flushes
//   every non-zero partial with one float64 global atomicAdd: no per-element global
//   atomics.  Shared: k*d acc + k unsigned (dynamic); registers: a handful.
//
// nc_class_sums_large_{f32,f64}  (many classes)
//   launch: block 256 = 8 warps, one row per warp, grid = min(ceil(n/8), 65535*8),
//           grid-stride over rows; no shared memory.
//   Lanes stride over the row's columns; when d % 4 == 0 and x is 16-byte aligned the
//   row is read as float4 (__ldg).  Each element goes to sums with a float64 atomicAdd
//   (the class's row of sums is contiguous, so a warp's atomics hit distinct addresses);
//   lane 0 counts the row.  f32 and f64 do the same (a float converts exactly to double).
//
// nc_class_sums_sorted_{f32,f64}  (deterministic)
//   args: order = the n row ids sorted by label (stable), seg = k+1 offsets into order.
//   launch: grid (k, ceil(d/256)), block 256; thread owns (class blockIdx.x, column
//   blockIdx.y*256 + threadIdx.x) and adds its rows in order: f32 in float chunks of
//   256 rows, each chunk added to a float64 total; f64 in float64.  Plain (non-atomic)
//   += into sums; thread (0, 0) of each class adds the class's count.  No shared memory.
#include "nc_common.cuh"

template <class Acc>
NC_DEV void class_sums_small(const float* __restrict__ x, const int* __restrict__ y, long long n, int d,
                             int k, double* __restrict__ sums, unsigned long long* __restrict__ counts) {
  NC_DYN_SHARED(unsigned char, raw);
  Acc* part = reinterpret_cast<Acc*>(raw);
  unsigned* cnt = reinterpret_cast<unsigned*>(raw + (size_t)k * d * sizeof(Acc));
  const int kd = k * d;
  for (int i = threadIdx.x; i < kd; i += blockDim.x) part[i] = Acc(0);
  for (int i = threadIdx.x; i < k; i += blockDim.x) cnt[i] = 0u;
  __syncthreads();

  const long long per = (n + gridDim.x - 1) / gridDim.x;
  const long long r0 = (long long)blockIdx.x * per;
  const long long r1 = nc_llmin(n, r0 + per);
  if (r0 < r1 && d > 0) {
    const int step = blockDim.x;
    const int step_r = step / d, step_c = step % d;
    long long row = r0 + threadIdx.x / d;
    int col = threadIdx.x % d;
    while (row < r1) {
      const int c = __ldg(y + row);
      atomicAdd(&part[c * d + col], Acc(__ldg(x + row * d + col)));
      if (col == 0) atomicAdd(&cnt[c], 1u);
      row += step_r;
      col += step_c;
      if (col >= d) { col -= d; row += 1; }
    }
  }
  __syncthreads();
  for (int i = threadIdx.x; i < kd; i += blockDim.x) {
    const Acc v = part[i];
    if (v != Acc(0)) atomicAdd(&sums[i], double(v));
  }
  for (int i = threadIdx.x; i < k; i += blockDim.x)
    if (cnt[i] != 0u) atomicAdd(&counts[i], (unsigned long long)cnt[i]);
}

NC_DEV void class_sums_large(const float* __restrict__ x, const int* __restrict__ y, long long n, int d,
                             double* __restrict__ sums, unsigned long long* __restrict__ counts) {
  const int lane = threadIdx.x % NC_WARP;
  const int wpb = blockDim.x / NC_WARP;
  const bool vec = (d % 4 == 0) && ((reinterpret_cast<unsigned long long>(x) & 15ull) == 0ull);
  for (long long row = (long long)blockIdx.x * wpb + threadIdx.x / NC_WARP; row < n;
       row += (long long)gridDim.x * wpb) {
    const int c = __ldg(y + row);
    const float* xr = x + row * d;
    double* sr = sums + (long long)c * d;
    if (vec) {
      const float4* xr4 = reinterpret_cast<const float4*>(xr);
      for (int j = lane; j < d / 4; j += NC_WARP) {
        const float4 v = __ldg(xr4 + j);
        atomicAdd(sr + 4 * j + 0, double(v.x));
        atomicAdd(sr + 4 * j + 1, double(v.y));
        atomicAdd(sr + 4 * j + 2, double(v.z));
        atomicAdd(sr + 4 * j + 3, double(v.w));
      }
    } else {
      for (int j = lane; j < d; j += NC_WARP) atomicAdd(sr + j, double(__ldg(xr + j)));
    }
    if (lane == 0) atomicAdd(counts + c, 1ull);
  }
}

template <class Acc>
NC_DEV void class_sums_sorted(const float* __restrict__ x, const int* __restrict__ order,
                              const long long* __restrict__ seg, int d, int k, double* __restrict__ sums,
                              unsigned long long* __restrict__ counts) {
  const int c = blockIdx.x;
  const int col = blockIdx.y * blockDim.x + threadIdx.x;
  const long long s0 = __ldg(seg + c), s1 = __ldg(seg + c + 1);
  if (blockIdx.y == 0 && threadIdx.x == 0) counts[c] += (unsigned long long)(s1 - s0);
  if (col >= d) return;  // no barrier in this kernel
  double total = 0.0;
  for (long long r = s0; r < s1; r += 256) {
    const long long re = nc_llmin(s1, r + 256);
    Acc part = Acc(0);
    for (long long q = r; q < re; ++q) part += Acc(__ldg(x + (long long)__ldg(order + q) * d + col));
    total += double(part);
  }
  sums[(long long)c * d + col] += total;
}

extern "C" __global__ void nc_class_sums_small_f32(const float* x, const int* y, long long n, int d, int k,
                                                   double* sums, unsigned long long* counts) {
  class_sums_small<float>(x, y, n, d, k, sums, counts);
}
extern "C" __global__ void nc_class_sums_small_f64(const float* x, const int* y, long long n, int d, int k,
                                                   double* sums, unsigned long long* counts) {
  class_sums_small<double>(x, y, n, d, k, sums, counts);
}
extern "C" __global__ void nc_class_sums_large_f32(const float* x, const int* y, long long n, int d, int k,
                                                   double* sums, unsigned long long* counts) {
  class_sums_large(x, y, n, d, sums, counts);
}
extern "C" __global__ void nc_class_sums_large_f64(const float* x, const int* y, long long n, int d, int k,
                                                   double* sums, unsigned long long* counts) {
  class_sums_large(x, y, n, d, sums, counts);
}
extern "C" __global__ void nc_class_sums_sorted_f32(const float* x, const int* order, const long long* seg,
                                                    int d, int k, double* sums, unsigned long long* counts) {
  class_sums_sorted<float>(x, order, seg, d, k, sums, counts);
}
extern "C" __global__ void nc_class_sums_sorted_f64(const float* x, const int* order, const long long* seg,
                                                    int d, int k, double* sums, unsigned long long* counts) {
  class_sums_sorted<double>(x, order, seg, d, k, sums, counts);
}
