// pairwise.cu: statistics of a kernel over all pairs i < j of k rows (class means),
// without materialising the k x k matrix (nc_pairwise_stats_*), or the matrix itself
// (nc_pairwise_grid_*).
//
// Math: for rows a = p[i], b = p[j] (p is k x d, float for _f32, double for _f64):
//   dist2 = ||a - b||^2, accumulated DIRECTLY from the differences (a_l - b_l)^2, never as
//   ||a||^2 + ||b||^2 - 2 a.b, so it needs no clamp and no recomputation of small
//   distances (and is exactly 0 only for equal rows); dot = a.b and the norms ||a||^2,
//   ||b||^2 are accumulated only for the angle kernels.  _f32 accumulates these in
//   float32, _f64 in float64; the epilogue (kernel value) and all statistics are float64.
//   Kernel ids (the `kernel` argument), param as in kernels/ABI.md:
//     0 dist      sqrt(dist2)
//     1 log       0.5 * param * log(dist2)
//     2 riesz     param > 0: log-space value lv = -0.5 * param * log(dist2) (the value is
//                 exp(lv); the statistics keep it as exp(shift) * v');
//                 param <= 0: sign(param) * dist2^(-param/2)
//     3 cdnv      0.5 * (aux[i] + aux[j]) / dist2^param
//     4 cosine    dot / sqrt(||a||^2 ||b||^2)
//     5 maxangle  |cos + 1/(param - 1)|
//   Each is a small functor (needs-dot flag, log-space flag, value()) separate from the
//   tiling code (RAFT's distance_ops style): a new kernel is a new functor plus a case in
//   the dispatch switch.
//
// Tiling (both entry points): TILE = 64 rows of i by 64 rows of j per tile, block 256;
// thread t owns the 4x4 pairs (i0 + ty + 16a, j0 + tx + 16b), tx = t%16, ty = t/16.  The
// d columns are walked in chunks of 16: the two 64 x 16 row panels are staged in shared
// memory (transposed, each thread loads 4 + 4 elements), each thread updates its 16
// accumulators.  Shared: 2 * 16 * 64 * sizeof(acc) + 2 * 64 * sizeof(acc) (norms) +
// 8 * 4 doubles (block reduction): ~8.8 KiB (f32) / ~17 KiB (f64), static.
// Registers: 16 accumulators (+ norms) + one NcStats (4 doubles) + indices.
//
// nc_pairwise_stats_{f32,f64}
//   launch: T = ceil(k/64), U = ceil(T/2) folded units, grid (U, S), block 256,
//           S = max(1, min(T+1, 4*SMs/U)).
//   Unit u = blockIdx.x walks the upper-triangle tiles of tile row u (tiles (u, u..T-1))
//   and then of tile row T-1-u (tiles (T-1-u, T-1-u..T-1)) unless that is row u itself:
//   T+1 tiles per unit ((T+1)/2 for the middle row when T is odd), so the units carry equal
//   work.  Strip s = blockIdx.y takes the unit's tiles s, s+S, s+2S, ...
//   Each thread keeps a Welford/Chan NcStats (count, shift, mean, m2) of its pairs'
//   values in float64 (log-space with a running shift for riesz with param > 0); the
//   block merges them (xor-shuffle butterfly with ordered merges, then the 8 warp results
//   in order by thread 0) and writes (count, shift, mean, m2) to
//   partials[4 * (blockIdx.y * U + blockIdx.x)] -- always, with count 0 if it had no pairs.
//   The host merges the partials with the same Chan merge (nc_stats_merge).
//
// nc_pairwise_grid_{f32,f64}
//   launch: grid (T, T), block 256; block (bx, by) computes tile (i-tile by, j-tile bx)
//   and writes grid[i*k + j] = value for i != j (the table's value: for riesz with
//   param > 0 that is the log-space value lv), NaN on the diagonal.
#include "nc_common.cuh"

#define NC_PW_TILE 64
#define NC_PW_KC 16

struct NcPair {
  double d2, dot, na, nb;  // dist2, a.b, ||a||^2, ||b||^2 (dot/na/nb only when kDot)
  int i, j;
};

// ---- kernel functors ----------------------------------------------------------------
struct NcOpDist {
  static constexpr bool kDot = false, kLog = false;
  NC_MEMBER static double value(const NcPair& q, double, const double*) { return sqrt(q.d2); }
};
struct NcOpLog {
  static constexpr bool kDot = false, kLog = false;
  NC_MEMBER static double value(const NcPair& q, double e, const double*) { return 0.5 * e * log(q.d2); }
};
struct NcOpRieszLog {  // param > 0: returns the log of the value
  static constexpr bool kDot = false, kLog = true;
  NC_MEMBER static double value(const NcPair& q, double s, const double*) { return -0.5 * s * log(q.d2); }
};
struct NcOpRieszPow {  // param <= 0
  static constexpr bool kDot = false, kLog = false;
  NC_MEMBER static double value(const NcPair& q, double s, const double*) {
    return s < 0 ? -pow(q.d2, -0.5 * s) : 0.0;
  }
};
struct NcOpCdnv {
  static constexpr bool kDot = false, kLog = false;
  NC_MEMBER static double value(const NcPair& q, double pe, const double* aux) {
    return 0.5 * (__ldg(aux + q.i) + __ldg(aux + q.j)) / pow(q.d2, pe);
  }
};
struct NcOpCosine {
  static constexpr bool kDot = true, kLog = false;
  NC_MEMBER static double value(const NcPair& q, double, const double*) { return q.dot / sqrt(q.na * q.nb); }
};
struct NcOpMaxAngle {
  static constexpr bool kDot = true, kLog = false;
  NC_MEMBER static double value(const NcPair& q, double kk, const double*) {
    return fabs(q.dot / sqrt(q.na * q.nb) + 1.0 / (kk - 1.0));
  }
};

// ---- tiling -------------------------------------------------------------------------
// Computes tile (ti, tj) and calls sink(pair, a, b) for each of this thread's 16 pairs
// (sink decides which pairs count).  Must be called by all threads of the block.
// The block's shared memory, declared once in each entry point (not per functor
// instantiation, which would give every kernel id its own copy).
template <class Acc>
struct NcPwSmem {
  Acc As[NC_PW_KC][NC_PW_TILE];
  Acc Bs[NC_PW_KC][NC_PW_TILE];
  Acc Na[NC_PW_TILE], Nb[NC_PW_TILE];
  double red[NC_WARP][4];
};

template <class Acc, class Op, class Sink>
NC_DEV void pw_tile(NcPwSmem<Acc>& sm, const Acc* __restrict__ p, int k, int d, int ti, int tj, Sink& sink) {
  auto& As = sm.As;
  auto& Bs = sm.Bs;
  auto& Na = sm.Na;
  auto& Nb = sm.Nb;
  const int t = threadIdx.x, tx = t % 16, ty = t / 16;
  const int i0 = ti * NC_PW_TILE, j0 = tj * NC_PW_TILE;
  const int lk = t % NC_PW_KC, lr = t / NC_PW_KC;  // loader: column in chunk, first row
  Acc acc[4][4];
  for (int a = 0; a < 4; ++a)
    for (int b = 0; b < 4; ++b) acc[a][b] = Acc(0);
  Acc nrm = Acc(0);  // threads 0..63: ||p[i0+t]||^2, 64..127: ||p[j0+t-64]||^2
  for (int c0 = 0; c0 < d; c0 += NC_PW_KC) {
    const int col = c0 + lk;
    for (int r = lr; r < NC_PW_TILE; r += 256 / NC_PW_KC) {
      const int ia = i0 + r, jb = j0 + r;
      As[lk][r] = (col < d && ia < k) ? __ldg(p + (long long)ia * d + col) : Acc(0);
      Bs[lk][r] = (col < d && jb < k) ? __ldg(p + (long long)jb * d + col) : Acc(0);
    }
    __syncthreads();
    if (Op::kDot) {
      if (t < NC_PW_TILE) {
        for (int kk = 0; kk < NC_PW_KC; ++kk) nrm += As[kk][t] * As[kk][t];
      } else if (t < 2 * NC_PW_TILE) {
        for (int kk = 0; kk < NC_PW_KC; ++kk) nrm += Bs[kk][t - NC_PW_TILE] * Bs[kk][t - NC_PW_TILE];
      }
    }
#pragma unroll
    for (int kk = 0; kk < NC_PW_KC; ++kk) {
      Acc av[4], bv[4];
      for (int a = 0; a < 4; ++a) av[a] = As[kk][ty + 16 * a];
      for (int b = 0; b < 4; ++b) bv[b] = Bs[kk][tx + 16 * b];
      for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b) {
          if (Op::kDot) {
            acc[a][b] += av[a] * bv[b];
          } else {
            const Acc df = av[a] - bv[b];
            acc[a][b] += df * df;
          }
        }
    }
    __syncthreads();
  }
  if (Op::kDot) {
    if (t < NC_PW_TILE) Na[t] = nrm;
    else if (t < 2 * NC_PW_TILE) Nb[t - NC_PW_TILE] = nrm;
    __syncthreads();
  }
  for (int a = 0; a < 4; ++a)
    for (int b = 0; b < 4; ++b) {
      NcPair q;
      q.i = i0 + ty + 16 * a;
      q.j = j0 + tx + 16 * b;
      if (Op::kDot) {
        q.dot = double(acc[a][b]);
        q.na = double(Na[ty + 16 * a]);
        q.nb = double(Nb[tx + 16 * b]);
        q.d2 = 0.0;
      } else {
        q.d2 = double(acc[a][b]);
        q.dot = q.na = q.nb = 0.0;
      }
      sink(q);
    }
  if (Op::kDot) __syncthreads();  // Na/Nb are rewritten by the next tile
}

template <class Op>
struct NcStatsSink {
  NcStats s;
  int k;
  double param;
  const double* aux;
  NC_MEMBER_NOINLINE void operator()(const NcPair& q) {
    if (q.i < q.j && q.j < k) {
      const double v = Op::value(q, param, aux);
      if (Op::kLog) nc_stats_add_log(s, v);
      else nc_stats_add(s, v);
    }
  }
};

template <class Op>
struct NcGridSink {
  int k;
  double param;
  const double* aux;
  double* grid;
  NC_MEMBER_NOINLINE void operator()(const NcPair& q) {
    if (q.i < k && q.j < k)
      grid[(long long)q.i * k + q.j] = q.i == q.j ? nc_nan() : Op::value(q, param, aux);
  }
};

// Ordered block merge of each thread's stats; thread 0 returns the block's stats.
NC_DEV NcStats pw_block_merge(double (&red)[NC_WARP][4], NcStats s) {
  const int lane = threadIdx.x % NC_WARP, w = threadIdx.x / NC_WARP;
  for (int o = 1; o < NC_WARP; o <<= 1) {
    const NcStats other = nc_stats_shfl_xor(s, o);
    s = (lane & o) ? nc_stats_merge(other, s) : nc_stats_merge(s, other);  // lower lane first
  }
  if (lane == 0) { red[w][0] = s.n; red[w][1] = s.shift; red[w][2] = s.mean; red[w][3] = s.m2; }
  __syncthreads();
  if (threadIdx.x == 0) {
    for (int q = 1; q < (int)(blockDim.x / NC_WARP); ++q) {
      NcStats o; o.n = red[q][0]; o.shift = red[q][1]; o.mean = red[q][2]; o.m2 = red[q][3];
      s = nc_stats_merge(s, o);
    }
  }
  return s;
}

template <class Acc, class Op>
NC_DEV void pw_stats(NcPwSmem<Acc>& sm, const Acc* p, int k, int d, double param, const double* aux, double* partials) {
  const int T = (k + NC_PW_TILE - 1) / NC_PW_TILE;
  const int u = blockIdx.x;
  const int u2 = T - 1 - u;
  const int L1 = T - u;
  const int L = L1 + (u2 != u ? u + 1 : 0);
  NcStatsSink<Op> sink;
  sink.s = nc_stats_empty(); sink.k = k; sink.param = param; sink.aux = aux;
  for (int idx = blockIdx.y; idx < L; idx += gridDim.y) {
    const int ti = idx < L1 ? u : u2;
    const int tj = idx < L1 ? u + idx : u2 + (idx - L1);
    pw_tile<Acc, Op>(sm, p, k, d, ti, tj, sink);
  }
  const NcStats s = pw_block_merge(sm.red, sink.s);
  if (threadIdx.x == 0) {
    double* out = partials + 4 * ((long long)blockIdx.y * gridDim.x + blockIdx.x);
    out[0] = s.n; out[1] = s.shift; out[2] = s.mean; out[3] = s.m2;
  }
}

template <class Acc, class Op>
NC_DEV void pw_grid(NcPwSmem<Acc>& sm, const Acc* p, int k, int d, double param, const double* aux, double* grid) {
  NcGridSink<Op> sink;
  sink.k = k; sink.param = param; sink.aux = aux; sink.grid = grid;
  pw_tile<Acc, Op>(sm, p, k, d, blockIdx.y, blockIdx.x, sink);
}

// Dispatch on the kernel id; `F` is pw_stats or pw_grid.
#define NC_PW_DISPATCH(F, Acc, out)                                               \
  __shared__ NcPwSmem<Acc> sm;                                                    \
  switch (kernel) {                                                               \
    case 0: F<Acc, NcOpDist>(sm, (const Acc*)p, k, d, param, aux, out); break;       \
    case 1: F<Acc, NcOpLog>(sm, (const Acc*)p, k, d, param, aux, out); break;        \
    case 2:                                                                       \
      if (param > 0) F<Acc, NcOpRieszLog>(sm, (const Acc*)p, k, d, param, aux, out); \
      else F<Acc, NcOpRieszPow>(sm, (const Acc*)p, k, d, param, aux, out);           \
      break;                                                                      \
    case 3: F<Acc, NcOpCdnv>(sm, (const Acc*)p, k, d, param, aux, out); break;       \
    case 4: F<Acc, NcOpCosine>(sm, (const Acc*)p, k, d, param, aux, out); break;     \
    case 5: F<Acc, NcOpMaxAngle>(sm, (const Acc*)p, k, d, param, aux, out); break;   \
    default: break;                                                               \
  }

extern "C" __global__ void nc_pairwise_stats_f32(const void* p, int k, int d, int kernel, double param,
                                                 const double* aux, double* partials) {
  NC_PW_DISPATCH(pw_stats, float, partials)
}
extern "C" __global__ void nc_pairwise_stats_f64(const void* p, int k, int d, int kernel, double param,
                                                 const double* aux, double* partials) {
  NC_PW_DISPATCH(pw_stats, double, partials)
}
extern "C" __global__ void nc_pairwise_grid_f32(const void* p, int k, int d, int kernel, double param,
                                                const double* aux, double* grid) {
  NC_PW_DISPATCH(pw_grid, float, grid)
}
extern "C" __global__ void nc_pairwise_grid_f64(const void* p, int k, int d, int kernel, double param,
                                                const double* aux, double* grid) {
  NC_PW_DISPATCH(pw_grid, double, grid)
}
