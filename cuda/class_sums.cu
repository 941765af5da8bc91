// class_sums.cu: per-class sums and counts of a batch of embeddings.
//
// Math: sums[c][j] += sum over rows i with y[i] == c of x[i][j];  counts[c] += n_c.
// _f32 adds in float32 before combining into the float64 totals; _f64 adds in float64.
// float32 partial sums of a class are taken about a reference row r of that class (a float:
// the class's first row in the block in _small, in the chunk in _sorted): the partial is
// sum(x - r), exact differences for rows near r, and the float64 total gets partial + rows * r
// (exact), so data far from the origin (x = 10^6 + O(1)) lose nothing beyond their own float32
// bits, and a class's own rows are never rounded against another class's.  _large sums in
// float64.
//
// nc_class_sums_small_{f32,f64}  (few classes: k*d*sizeof(acc) + 4k <= 48 KiB)
//   launch: block 256, grid = min(ceil(n/256), 4*SMs) (>= 1), dynamic shared
//           k*d*sizeof(acc) + k*4 bytes, plus k*4 for _f32 (each class's first row).
//   Each block takes a contiguous range of ceil(n/grid) rows and walks them as vectors of W
//   floats (W = 4, float4 __ldg, when d % 4 == 0 and x is 16-byte aligned; else W = 1) with
//   stride 256 vectors (row/column advanced incrementally, no division in the loop), 4
//   vectors and their labels loaded before any is added (16 bytes x 4 in flight per thread),
//   adding into per-block partial sums in shared memory (shared atomics; component q of
//   vector g of a class row at part[c*d + q*(d/W) + g], so a warp's atomics hit consecutive
//   banks) and counting rows in a shared unsigned array; after one __syncthreads the block
//   flushes every non-zero partial with one float64 global atomicAdd (to column g*W + q):
//   no per-element global atomics.  Shared: k*d acc + k unsigned (+ k ints for _f32: the
//   first row of each class in the block, found by one pass over the block's labels with
//   shared atomicMin; its values, read through the cache, are subtracted from each value added
//   and added back cnt[c] times at the flush) (dynamic).
//
// nc_class_sums_large_{f32,f64}  (many classes)
//   launch: block 256 = 8 warps, grid = max(1, min(ceil(n/8), 3*SMs)) (any grid works);
//           warp g of the T = 8*grid warps walks the contiguous rows [g*P, (g+1)*P),
//           P = ceil(n/T).  Static shared: 256 doubles + 32 ints + 1 u64 (2192 bytes).
//   The row is cut into column chunks of 32*V vectors of W floats (W = 4, float4 __ldg, V =
//   2, when d % 4 == 0 and x is 16-byte aligned; else W = 1, V = 4); for each chunk the warp
//   walks its rows, 2 rows' labels and vectors loaded before any is added, and every lane
//   keeps the float64 running sums of its V vectors in registers while the label repeats.
//   When the label changes the finished run is flushed with one float64 atomicAdd per
//   column (and lane 0 adds the run's length to counts, in chunk 0): random labels cost
//   one atomic per element as before, sorted / clustered labels one per run.  At the end of
//   a chunk the warps' last runs of the class of the block's first warp with rows meet in
//   shared memory (shared atomics) and leave with one global atomic per column, the others
//   flush directly: a one-class batch costs one flush per block.  f32 and f64 do the same
//   (a float converts exactly to double; sums in float64).
//
// nc_class_sums_sorted_{f32,f64}  (deterministic)
//   args: order = the n row ids sorted by label (stable), seg = k+1 offsets into order.
//   launch: grid (k, ceil(d/256)), block 256; thread owns (class blockIdx.x, column
//   blockIdx.y*256 + threadIdx.x) and adds its rows in order: f32 in float chunks of
//   256 rows about the chunk's first row (sum(x - x_first) + rows * x_first added to a
//   float64 total); f64 in float64.  Within a chunk rows
//   go 8 at a time (8 independent loads in flight per thread, for bandwidth) into 4
//   partial sums (row q into partial q%4 of its chunk), combined (p0+p1)+(p2+p3): a fixed
//   order, so deterministic.  Plain (non-atomic) += into sums; thread (0, 0) of each
//   class adds the class's count; blocks of empty classes (seg[c] == seg[c+1]) write
//   nothing.  No shared memory.
#include "nc_common.cuh"

// One vector of W floats (W = 4: float4, W = 1: float) at vector index i of x.
template <int W> struct NcVec;
template <> struct NcVec<1> {
  float v[1];
  NC_MEMBER void load(const float* __restrict__ x, long long i) { v[0] = __ldg(x + i); }
};
template <> struct NcVec<4> {
  float v[4];
  NC_MEMBER void load(const float* __restrict__ x, long long i) {
    const float4 t = __ldg(reinterpret_cast<const float4*>(x) + i);
    v[0] = t.x; v[1] = t.y; v[2] = t.z; v[3] = t.w;
  }
};

// The block's rows [r0, r1) as vectors of W floats (dw = d / W per row), stride blockDim.x
// vectors, NC_CS_UNROLL vectors (and their labels) loaded before any is added.  Component q of
// vector g of a row goes to part[c*d + q*dw + g] (vector-major within the class: a warp's
// lanes hit consecutive words, no bank conflicts); the flush maps it back to column g*W + q.
#define NC_CS_UNROLL 4
// f32: values are added about the first row of their class in the block (row rb + first[c]),
// so the differences of a class's rows near it are exact; f64 adds x itself (first null).
template <class Acc, int W>
NC_DEV void class_sums_small_rows(const float* __restrict__ x, const int* __restrict__ y, long long r0,
                                  long long r1, int d, Acc* part, unsigned* cnt, const int* first, long long rb) {
  constexpr bool shifted = sizeof(Acc) == sizeof(float);
  const int dw = d / W;
  const int step = blockDim.x;
  const int step_r = step / dw, step_c = step % dw;
  long long row = r0 + threadIdx.x / dw;
  int col = threadIdx.x % dw;
  for (;;) {
    long long rr[NC_CS_UNROLL];
    int cc[NC_CS_UNROLL];
    rr[0] = row; cc[0] = col;
#pragma unroll
    for (int u = 1; u < NC_CS_UNROLL; ++u) {
      rr[u] = rr[u - 1] + step_r; cc[u] = cc[u - 1] + step_c;
      if (cc[u] >= dw) { cc[u] -= dw; rr[u] += 1; }
    }
    if (rr[NC_CS_UNROLL - 1] >= r1) break;  // rows only grow with u: all or the tail loop
    int c[NC_CS_UNROLL];
    NcVec<W> v[NC_CS_UNROLL];
#pragma unroll
    for (int u = 0; u < NC_CS_UNROLL; ++u) {
      c[u] = __ldg(y + rr[u]);
      v[u].load(x, rr[u] * dw + cc[u]);
    }
    NcVec<W> rv[NC_CS_UNROLL];
#pragma unroll
    for (int u = 0; u < NC_CS_UNROLL; ++u) {
      if constexpr (shifted) rv[u].load(x, (rb + first[c[u]]) * dw + cc[u]);
      else
#pragma unroll
        for (int q = 0; q < W; ++q) rv[u].v[q] = 0.f;
    }
#pragma unroll
    for (int u = 0; u < NC_CS_UNROLL; ++u) {
      Acc* p = part + c[u] * d + cc[u];
#pragma unroll
      for (int q = 0; q < W; ++q) atomicAdd(p + q * dw, Acc(v[u].v[q]) - Acc(rv[u].v[q]));
      if (cc[u] == 0) atomicAdd(&cnt[c[u]], 1u);
    }
    row = rr[NC_CS_UNROLL - 1] + step_r;
    col = cc[NC_CS_UNROLL - 1] + step_c;
    if (col >= dw) { col -= dw; row += 1; }
  }
  while (row < r1) {
    const int c = __ldg(y + row);
    NcVec<W> v, rv;
    v.load(x, row * dw + col);
    if constexpr (shifted) rv.load(x, (rb + first[c]) * dw + col);
    else
#pragma unroll
      for (int q = 0; q < W; ++q) rv.v[q] = 0.f;
    Acc* p = part + c * d + col;
#pragma unroll
    for (int q = 0; q < W; ++q) atomicAdd(p + q * dw, Acc(v.v[q]) - Acc(rv.v[q]));
    if (col == 0) atomicAdd(&cnt[c], 1u);
    row += step_r;
    col += step_c;
    if (col >= dw) { col -= dw; row += 1; }
  }
}

template <class Acc>
NC_DEV void class_sums_small(const float* __restrict__ x, const int* __restrict__ y, long long n, int d,
                             int k, double* __restrict__ sums, unsigned long long* __restrict__ counts) {
  NC_DYN_SHARED(unsigned char, raw);
  Acc* part = reinterpret_cast<Acc*>(raw);
  unsigned* cnt = reinterpret_cast<unsigned*>(raw + (size_t)k * d * sizeof(Acc));
  constexpr bool shifted = sizeof(Acc) == sizeof(float);
  int* first = shifted ? reinterpret_cast<int*>(raw + (size_t)k * d * sizeof(Acc) + (size_t)k * 4) : nullptr;
  const int kd = k * d;
  const long long per = (n + gridDim.x - 1) / gridDim.x;
  const long long r0 = (long long)blockIdx.x * per;
  const long long r1 = nc_llmin(n, r0 + per);
  for (int i = threadIdx.x; i < kd; i += blockDim.x) part[i] = Acc(0);
  for (int i = threadIdx.x; i < k; i += blockDim.x) cnt[i] = 0u;
  if (shifted) {
    for (int i = threadIdx.x; i < k; i += blockDim.x) first[i] = 0x7fffffff;
    __syncthreads();
    // each class's first row in the block (an index below per: fits an int)
    for (long long r = r0 + threadIdx.x; r < r1; r += blockDim.x) atomicMin(&first[__ldg(y + r)], int(r - r0));
  }
  __syncthreads();

  const bool vec = (d % 4 == 0) && ((reinterpret_cast<unsigned long long>(x) & 15ull) == 0ull);
  if (r0 < r1 && d > 0) {
    if (vec) class_sums_small_rows<Acc, 4>(x, y, r0, r1, d, part, cnt, first, r0);
    else class_sums_small_rows<Acc, 1>(x, y, r0, r1, d, part, cnt, first, r0);
  }
  __syncthreads();
  const int dw = vec ? d / 4 : d;
  const int w = vec ? 4 : 1;
  for (int i = threadIdx.x; i < kd; i += blockDim.x) {
    const int c = i / d, r = i - c * d;
    const int q = r / dw, g = r - q * dw;
    double v = double(part[i]);
    if (shifted && cnt[c] != 0u)  // exact: 32 + 24 bits
      v += double(cnt[c]) * double(__ldg(x + (r0 + first[c]) * d + g * w + q));
    if (v != 0.0) atomicAdd(&sums[(long long)c * d + g * w + q], v);
  }
  for (int i = threadIdx.x; i < k; i += blockDim.x)
    if (cnt[i] != 0u) atomicAdd(&counts[i], (unsigned long long)cnt[i]);
}

// The warp's rows [r0, r1), column chunk by column chunk: a lane holds the running sums of
// the vectors c0 + lane + 32*u (u < V) of W floats while the label repeats, and flushes them
// (float64 global atomics) when it changes; the rows of a run are counted in chunk 0.  At the
// end of each chunk the warps' last runs of the block's leading class (the class of the
// first warp with rows) meet in shared memory (component q of vector (u, lane) at
// s_acc[(q*V + u)*32 + lane]) and go out with one atomic per column; the other warps flush
// theirs directly.  Every warp runs every chunk (d is uniform): the barriers are uniform.
template <int W, int V, int R>
NC_DEV void class_sums_large_rows(const float* __restrict__ x, const int* __restrict__ y, long long r0,
                                  long long r1, int d, double* __restrict__ sums,
                                  unsigned long long* __restrict__ counts, double* s_acc, int* s_cls,
                                  unsigned long long* s_cnt) {
  const int lane = threadIdx.x % NC_WARP, warp = threadIdx.x / NC_WARP;
  const int wpb = blockDim.x / NC_WARP;
  const int dw = d / W;
  int c0 = 0;
  do {
    double acc[V][W];
#pragma unroll
    for (int u = 0; u < V; ++u)
#pragma unroll
      for (int q = 0; q < W; ++q) acc[u][q] = 0.0;
    int cur = -1;
    long long start = r0;
    for (long long row = r0; row < r1; row += R) {
      // R rows' labels and vectors in flight before any is added (rows past r1: none)
      int c[R];
      NcVec<W> v[R][V];
#pragma unroll
      for (int t = 0; t < R; ++t) {
        const bool have = row + t < r1;
        c[t] = have ? __ldg(y + row + t) : -1;  // the same for every lane: branches below are warp-uniform
#pragma unroll
        for (int u = 0; u < V; ++u) {
          const int j = c0 + lane + u * NC_WARP;
          if (have && j < dw) v[t][u].load(x, (row + t) * dw + j);
          else
#pragma unroll
            for (int q = 0; q < W; ++q) v[t][u].v[q] = 0.f;
        }
      }
#pragma unroll
      for (int t = 0; t < R; ++t) {
        if (row + t >= r1) break;
        if (c[t] != cur) {  // a run ends: flush it (the later rows' loads are in flight)
          if (cur >= 0) {
            double* sr = sums + (long long)cur * d;
#pragma unroll
            for (int u = 0; u < V; ++u) {
              const int j = c0 + lane + u * NC_WARP;
              if (j < dw)
#pragma unroll
                for (int q = 0; q < W; ++q) atomicAdd(sr + j * W + q, acc[u][q]);
            }
            if (c0 == 0 && lane == 0) atomicAdd(counts + cur, (unsigned long long)(row + t - start));
          }
#pragma unroll
          for (int u = 0; u < V; ++u)
#pragma unroll
            for (int q = 0; q < W; ++q) acc[u][q] = 0.0;
          cur = c[t];
          start = row + t;
        }
#pragma unroll
        for (int u = 0; u < V; ++u)
#pragma unroll
          for (int q = 0; q < W; ++q) acc[u][q] += double(v[t][u].v[q]);
      }
    }
    // the warps' last runs
    if (lane == 0) s_cls[warp] = cur;
    __syncthreads();
    int lead = -1;
    for (int w = 0; w < wpb && lead < 0; ++w) lead = s_cls[w];
    if (cur >= 0) {
      const bool to_shared = cur == lead;
      double* sr = sums + (long long)cur * d;
#pragma unroll
      for (int u = 0; u < V; ++u) {
        const int j = c0 + lane + u * NC_WARP;
        if (j < dw)
#pragma unroll
          for (int q = 0; q < W; ++q) {
            if (to_shared) atomicAdd(s_acc + (q * V + u) * NC_WARP + lane, acc[u][q]);
            else atomicAdd(sr + j * W + q, acc[u][q]);
          }
      }
      if (c0 == 0 && lane == 0) {
        const unsigned long long rows = (unsigned long long)(r1 - start);
        if (to_shared) atomicAdd(s_cnt, rows);
        else atomicAdd(counts + cur, rows);
      }
    }
    __syncthreads();
    if (lead >= 0) {
      double* sr = sums + (long long)lead * d;
      for (int i = threadIdx.x; i < V * W * NC_WARP; i += blockDim.x) {
        const int q = i / (V * NC_WARP), u = (i / NC_WARP) % V, l = i % NC_WARP;
        const int j = c0 + l + u * NC_WARP;
        if (j < dw) atomicAdd(sr + j * W + q, s_acc[i]);
        s_acc[i] = 0.0;
      }
      if (threadIdx.x == 0 && c0 == 0) {
        atomicAdd(counts + lead, *s_cnt);
        *s_cnt = 0ull;
      }
    }
    __syncthreads();  // s_acc, s_cnt and s_cls are reused by the next chunk
    c0 += V * NC_WARP;
  } while (c0 < dw);
}

// Vectors a lane keeps per column chunk: float4 path 2 (256 columns a chunk), scalar path 4
// (128 columns); NC_CSL_ROWS rows loaded before any is added (2 KiB a warp in flight on the
// float4 path); the shared merge buffer holds one chunk.  Larger chunks or more rows spill
// under the register cap below.
#define NC_CSL_V4 2
#define NC_CSL_V1 4
#define NC_CSL_ROWS 2
#define NC_CSL_CHUNK_MAX ((NC_CSL_V4 * 4 > NC_CSL_V1 ? NC_CSL_V4 * 4 : NC_CSL_V1) * NC_WARP)
// Resident blocks per SM the launch rule counts on (grid = 3*SMs is one wave): at most 85
// registers a thread.
#define NC_CSL_MIN_BLOCKS 3

NC_DEV void class_sums_large(const float* __restrict__ x, const int* __restrict__ y, long long n, int d,
                             double* __restrict__ sums, unsigned long long* __restrict__ counts) {
  __shared__ double s_acc[NC_CSL_CHUNK_MAX];
  __shared__ int s_cls[32];
  __shared__ unsigned long long s_cnt;
  for (int i = threadIdx.x; i < NC_CSL_CHUNK_MAX; i += blockDim.x) s_acc[i] = 0.0;
  if (threadIdx.x == 0) s_cnt = 0ull;
  // (the first barrier inside class_sums_large_rows orders these before any use)
  const int warp = threadIdx.x / NC_WARP;
  const int wpb = blockDim.x / NC_WARP;
  const long long warps = (long long)gridDim.x * wpb;
  const long long per = (n + warps - 1) / warps;
  const long long r0 = nc_llmin(n, ((long long)blockIdx.x * wpb + warp) * per);
  const long long r1 = nc_llmin(n, r0 + per);
  const bool vec = (d % 4 == 0) && ((reinterpret_cast<unsigned long long>(x) & 15ull) == 0ull);
  if (vec) class_sums_large_rows<4, NC_CSL_V4, NC_CSL_ROWS>(x, y, r0, r1, d, sums, counts, s_acc, s_cls, &s_cnt);
  else class_sums_large_rows<1, NC_CSL_V1, NC_CSL_ROWS>(x, y, r0, r1, d, sums, counts, s_acc, s_cls, &s_cnt);
}

template <class Acc>
NC_DEV void class_sums_sorted(const float* __restrict__ x, const int* __restrict__ order,
                              const long long* __restrict__ seg, int d, int k, double* __restrict__ sums,
                              unsigned long long* __restrict__ counts) {
  const int c = blockIdx.x;
  const int col = blockIdx.y * blockDim.x + threadIdx.x;
  const long long s0 = __ldg(seg + c), s1 = __ldg(seg + c + 1);
  if (s0 == s1) return;  // empty class: nothing to add (no barrier in this kernel)
  if (blockIdx.y == 0 && threadIdx.x == 0) counts[c] += (unsigned long long)(s1 - s0);
  if (col >= d) return;
  const float* xc = x + col;
  double total = 0.0;
  constexpr bool shifted = sizeof(Acc) == sizeof(float);
  for (long long r = s0; r < s1; r += 256) {
    const long long re = nc_llmin(s1, r + 256);
    // f32: the chunk's values about its first row (exact differences near it), added back below
    const Acc ref = shifted ? Acc(__ldg(xc + (long long)__ldg(order + r) * d)) : Acc(0);
    // 8 rows per step: the row ids, then 8 independent loads in flight, 4 partial sums
    Acc p0 = Acc(0), p1 = Acc(0), p2 = Acc(0), p3 = Acc(0);
    long long q = r;
    for (; q + 8 <= re; q += 8) {
      const int i0 = __ldg(order + q), i1 = __ldg(order + q + 1), i2 = __ldg(order + q + 2),
                i3 = __ldg(order + q + 3), i4 = __ldg(order + q + 4), i5 = __ldg(order + q + 5),
                i6 = __ldg(order + q + 6), i7 = __ldg(order + q + 7);
      const float v0 = __ldg(xc + (long long)i0 * d), v1 = __ldg(xc + (long long)i1 * d),
                  v2 = __ldg(xc + (long long)i2 * d), v3 = __ldg(xc + (long long)i3 * d),
                  v4 = __ldg(xc + (long long)i4 * d), v5 = __ldg(xc + (long long)i5 * d),
                  v6 = __ldg(xc + (long long)i6 * d), v7 = __ldg(xc + (long long)i7 * d);
      p0 += Acc(v0) - ref; p1 += Acc(v1) - ref; p2 += Acc(v2) - ref; p3 += Acc(v3) - ref;
      p0 += Acc(v4) - ref; p1 += Acc(v5) - ref; p2 += Acc(v6) - ref; p3 += Acc(v7) - ref;
    }
    for (; q < re; ++q) p0 += Acc(__ldg(xc + (long long)__ldg(order + q) * d)) - ref;
    total += double((p0 + p1) + (p2 + p3));
    if (shifted) total += double(re - r) * double(ref);  // exact: 9 + 24 bits
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
extern "C" __global__ void __launch_bounds__(256, NC_CSL_MIN_BLOCKS)
nc_class_sums_large_f32(const float* x, const int* y, long long n, int d, int k,
                                                   double* sums, unsigned long long* counts) {
  class_sums_large(x, y, n, d, sums, counts);
}
extern "C" __global__ void __launch_bounds__(256, NC_CSL_MIN_BLOCKS)
nc_class_sums_large_f64(const float* x, const int* y, long long n, int d, int k,
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
