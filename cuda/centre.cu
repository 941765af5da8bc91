// centre.cu: centre a batch on its class means, accumulate the variance norms and count the
// rows per class, in one read of the batch.
//
// Math: xc[i][j] = x[i][j] - means[y[i]][j];  varnorm_sums[y[i]] += ||xc[i]||^2;
//       counts[y[i]] += 1.
// (v_c = varnorm_sums[c] / n_c is formed on the host after the last batch.)
// xc may be null (the caller wants the variance norms only): then nothing is written per
// element and the kernel only reads x, y and the means.
// _f32: the difference is taken in float64 and rounded once to float (a mean far from the
//       origin, 10^6 + O(1), rounded to float first would shift every row by up to half its
//       ulp, 0.03), and xc is float; each
//       lane sums its share of a row's squares in float32 (at most ceil(d/32) terms), the
//       lane's row sums are added in float64 while the label repeats.
// _f64: everything in float64, xc is double.
//
// Launch: block 256 = 8 warps, grid = max(1, min(ceil(n/8), 4*SMs)) (any grid works); warp
// g of the T = 8*grid warps walks the contiguous rows [g*P, (g+1)*P) with P = ceil(n/T), one
// row at a time.  Lanes take the row's vectors of W floats (W = 4: float4 loads of x, two
// double2 loads of the means, float4 / 2x double2 stores of xc, when d % 4 == 0 and x, means
// and a non-null xc are 16-byte aligned; else W = 1), NC_CENTRE_UNROLL vectors loaded before
// any is used.  While the label repeats each lane keeps its squared-norm sum and lane 0 the
// row count in registers; when it changes (and at the end of the warp's rows) the warp
// reduces the sum (xor-shuffle butterfly) and flushes (sum, count) once:
//   k <= NC_CENTRE_SHARED_K: into per-block partials in shared memory (k doubles + k
//     unsigned long long, shared atomics), flushed after one __syncthreads with one float64
//     / u64 global atomic per class the block touched;
//   else: mid-range flushes go to the global totals directly; the warps' last runs go
//     through shared memory (one (class, sum, count) slot per warp) and thread 0 merges
//     equal neighbours, so a one-class or sorted batch costs one global atomic per block.
// Shared: dynamic 16*k bytes when k <= NC_CENTRE_SHARED_K (else 0), static 32 * 20 bytes.
#include "nc_common.cuh"

// Classes up to which the per-class partials live in shared memory (16 KiB per block).
#define NC_CENTRE_SHARED_K 1024
// Vectors of a row a lane loads before using any.
#define NC_CENTRE_UNROLL 4
// Resident blocks per SM the launch rule counts on (grid = 4*SMs is one wave): at most 64
// registers a thread.
#define NC_CENTRE_MIN_BLOCKS 4

// Loads W floats of x at vector j of a row and the W matching means (doubles).
template <int W> struct NcCentreVec;
template <> struct NcCentreVec<1> {
  float x[1];
  double m[1];
  NC_MEMBER void load_x(const float* __restrict__ xr, int j) { x[0] = __ldg(xr + j); }
  NC_MEMBER void load_m(const double* __restrict__ mr, int j) { m[0] = __ldg(mr + j); }
};
template <> struct NcCentreVec<4> {
  float x[4];
  double m[4];
  NC_MEMBER void load_x(const float* __restrict__ xr, int j) {
    const float4 t = __ldg(reinterpret_cast<const float4*>(xr) + j);
    x[0] = t.x; x[1] = t.y; x[2] = t.z; x[3] = t.w;
  }
  NC_MEMBER void load_m(const double* __restrict__ mr, int j) {
    const double2 a = __ldg(reinterpret_cast<const double2*>(mr) + 2 * j);
    const double2 b = __ldg(reinterpret_cast<const double2*>(mr) + 2 * j + 1);
    m[0] = a.x; m[1] = a.y; m[2] = b.x; m[3] = b.y;
  }
};

// Stores W centred values at vector j of an output row.
template <class Acc, int W> struct NcCentreStore;
template <class Acc> struct NcCentreStore<Acc, 1> {
  NC_MEMBER static void put(Acc* out, int j, const Acc* v) { out[j] = v[0]; }
};
template <> struct NcCentreStore<float, 4> {
  NC_MEMBER static void put(float* out, int j, const float* v) {
    float4 t; t.x = v[0]; t.y = v[1]; t.z = v[2]; t.w = v[3];
    reinterpret_cast<float4*>(out)[j] = t;
  }
};
template <> struct NcCentreStore<double, 4> {
  NC_MEMBER static void put(double* out, int j, const double* v) {
    double2 a, b;
    a.x = v[0]; a.y = v[1]; b.x = v[2]; b.y = v[3];
    reinterpret_cast<double2*>(out)[2 * j] = a;
    reinterpret_cast<double2*>(out)[2 * j + 1] = b;
  }
};

// Flushes a finished run (class c, warp-reduced sum s, row count r) from lane 0.
NC_DEV void centre_flush(int c, double s, unsigned long long r, double* part, unsigned long long* pcnt,
                         double* __restrict__ varnorm_sums, unsigned long long* __restrict__ counts) {
  if (part != nullptr) {
    atomicAdd(part + c, s);
    atomicAdd(pcnt + c, r);
  } else {
    atomicAdd(varnorm_sums + c, s);
    atomicAdd(counts + c, r);
  }
}

// The warp's rows [r0, r1); returns its last run in (cur, run, rows): cur = -1 when empty,
// run = this lane's share of the run's squared norms (not yet reduced over the warp).
template <class Acc, int W>
NC_DEV void centre_rows(const float* __restrict__ x, const int* __restrict__ y, long long r0, long long r1, int d,
                        const double* __restrict__ means, Acc* __restrict__ xc, double* part,
                        unsigned long long* pcnt, double* __restrict__ varnorm_sums,
                        unsigned long long* __restrict__ counts, int& cur, double& run, unsigned long long& rows) {
  const int lane = threadIdx.x % NC_WARP;
  const int dw = d / W;
  long long start = r0;
  for (long long row = r0; row < r1; ++row) {
    const int c = __ldg(y + row);  // the same for every lane: the branch below is warp-uniform
    if (c != cur) {
      if (cur >= 0) {
        const double s = nc_warp_sum(run);
        if (lane == 0) centre_flush(cur, s, (unsigned long long)(row - start), part, pcnt, varnorm_sums, counts);
      }
      cur = c;
      run = 0.0;
      start = row;
    }
    const float* xr = x + row * d;
    const double* mr = means + (long long)c * d;
    Acc* out = xc == nullptr ? nullptr : xc + row * d;
    Acc ss = Acc(0);
    for (int j0 = lane; j0 < dw; j0 += NC_WARP * NC_CENTRE_UNROLL) {
      NcCentreVec<W> v[NC_CENTRE_UNROLL];
#pragma unroll
      for (int u = 0; u < NC_CENTRE_UNROLL; ++u)
        if (j0 + u * NC_WARP < dw) v[u].load_x(xr, j0 + u * NC_WARP);
#pragma unroll
      for (int u = 0; u < NC_CENTRE_UNROLL; ++u) {
        const int j = j0 + u * NC_WARP;
        if (j < dw) {
          v[u].load_m(mr, j);
          Acc diff[W];
#pragma unroll
          for (int q = 0; q < W; ++q) {
            diff[q] = Acc(double(v[u].x[q]) - v[u].m[q]);
            ss += diff[q] * diff[q];
          }
          if (out != nullptr) NcCentreStore<Acc, W>::put(out, j, diff);
        }
      }
    }
    run += double(ss);
  }
  rows = (unsigned long long)(r1 - start);
}

template <class Acc>
NC_DEV void centre(const float* __restrict__ x, const int* __restrict__ y, long long n, int d, int k,
                   const double* __restrict__ means, Acc* __restrict__ xc, double* __restrict__ varnorm_sums,
                   unsigned long long* __restrict__ counts) {
  __shared__ int s_cls[32];
  __shared__ double s_sum[32];
  __shared__ unsigned long long s_cnt[32];
  NC_DYN_SHARED(unsigned char, raw);
  const bool in_shared = k <= NC_CENTRE_SHARED_K;
  double* part = in_shared ? reinterpret_cast<double*>(raw) : nullptr;
  unsigned long long* pcnt = in_shared ? reinterpret_cast<unsigned long long*>(raw + (size_t)k * sizeof(double)) : nullptr;
  if (in_shared)
    for (int i = threadIdx.x; i < k; i += blockDim.x) { part[i] = 0.0; pcnt[i] = 0ull; }
  __syncthreads();

  const int lane = threadIdx.x % NC_WARP, warp = threadIdx.x / NC_WARP;
  const int wpb = blockDim.x / NC_WARP;
  const long long warps = (long long)gridDim.x * wpb;
  const long long per = (n + warps - 1) / warps;
  const long long r0 = nc_llmin(n, ((long long)blockIdx.x * wpb + warp) * per);
  const long long r1 = nc_llmin(n, r0 + per);
  const bool vec = (d % 4 == 0) && ((reinterpret_cast<unsigned long long>(x) & 15ull) == 0ull) &&
                   ((reinterpret_cast<unsigned long long>(means) & 15ull) == 0ull) &&
                   ((reinterpret_cast<unsigned long long>(xc) & 15ull) == 0ull);
  int cur = -1;
  double run = 0.0;
  unsigned long long rows = 0;
  if (vec) centre_rows<Acc, 4>(x, y, r0, r1, d, means, xc, part, pcnt, varnorm_sums, counts, cur, run, rows);
  else centre_rows<Acc, 1>(x, y, r0, r1, d, means, xc, part, pcnt, varnorm_sums, counts, cur, run, rows);
  const double s = nc_warp_sum(run);
  if (lane == 0) {
    if (in_shared) {
      if (cur >= 0) centre_flush(cur, s, rows, part, pcnt, varnorm_sums, counts);
    } else {
      s_cls[warp] = cur; s_sum[warp] = s; s_cnt[warp] = rows;
    }
  }
  __syncthreads();
  if (in_shared) {
    for (int i = threadIdx.x; i < k; i += blockDim.x)
      if (pcnt[i] != 0ull) {
        atomicAdd(varnorm_sums + i, part[i]);
        atomicAdd(counts + i, pcnt[i]);
      }
  } else if (threadIdx.x == 0) {
    // The warps' rows are consecutive: equal neighbouring last runs merge into one atomic.
    int c = -1;
    double sum = 0.0;
    unsigned long long cnt = 0;
    for (int w = 0; w < wpb; ++w) {
      if (s_cls[w] < 0) continue;
      if (s_cls[w] != c) {
        if (c >= 0) centre_flush(c, sum, cnt, nullptr, nullptr, varnorm_sums, counts);
        c = s_cls[w]; sum = 0.0; cnt = 0;
      }
      sum += s_sum[w];
      cnt += s_cnt[w];
    }
    if (c >= 0) centre_flush(c, sum, cnt, nullptr, nullptr, varnorm_sums, counts);
  }
}

extern "C" __global__ void __launch_bounds__(256, NC_CENTRE_MIN_BLOCKS)
nc_centre_f32(const float* x, const int* y, long long n, int d, int k, const double* means, float* xc,
              double* varnorm_sums, unsigned long long* counts) {
  centre<float>(x, y, n, d, k, means, xc, varnorm_sums, counts);
}
extern "C" __global__ void __launch_bounds__(256, NC_CENTRE_MIN_BLOCKS)
nc_centre_f64(const float* x, const int* y, long long n, int d, int k, const double* means, double* xc,
              double* varnorm_sums, unsigned long long* counts) {
  centre<double>(x, y, n, d, k, means, xc, varnorm_sums, counts);
}
