// pairwise.cu: statistics of a kernel over all pairs i < j of k rows (class means),
// without materialising the k x k matrix (*_stats_*), or the matrix itself, in row bands
// (*_grid_*).  Two forms: float64 DIRECT (nc_pairwise_{stats,grid}_f64) and float32 GEMM
// (nc_pairwise_gemm_{stats,grid}_f32_t64 / _t128).
//
// Kernel ids (the `kernel` argument), their names, operands, log-space rule, parameter and
//   value: cuda/pair_ops.def, the one table of pairwise operations (cuda/ABI.md).  From
//   it this file builds a functor per operation (NcOp_<name>, and NcOpLog_<name> for the
//   log-space range; needs-dot flag, log-space flag, value()) separate from the tiling code
//   (RAFT's distance_ops style), the dispatch on the id (direct form) and the epilogue's
//   operand and log-space flags and value switch (GEMM form): a new operation is a row of the
//   table.  An id not in the table is a device error: the kernel traps (NC_DEVICE_FAIL), the
//   launch fails and nothing is written.  Kernel values and all statistics are float64 in
//   both forms.
//
// Statistics (both forms): launch T = ceil(k/TILE), U = ceil(T/2) folded units, grid (U, S),
//   block 256, S = max(1, min(T+1, 4*SMs/U)).  Unit u = blockIdx.x walks the upper-triangle
//   tiles of tile row u (tiles (u, u..T-1)) and then of tile row T-1-u (tiles
//   (T-1-u, T-1-u..T-1)) unless that is row u itself: T+1 tiles per unit ((T+1)/2 for the
//   middle row when T is odd), so the units carry equal work.  Strip s = blockIdx.y takes the
//   unit's tiles s, s+S, s+2S, ...  Each thread keeps a Welford/Chan NcStats (count, shift,
//   mean, m2) of its pairs' values in float64 (log-space with a running shift for riesz with
//   param > 0); the block merges them (xor-shuffle butterfly with ordered merges, then the 8
//   warp results in order by thread 0) and writes (count, shift, mean, m2) to
//   partials[4 * (blockIdx.y * U + blockIdx.x)] -- always, with count 0 if it had no pairs.
//   The host merges the partials with the same Chan merge (nc_stats_merge).
// Grid (both forms): one band of grid rows [row0, row0 + rows) (row0 a multiple of TILE),
//   grid (T, ceil(rows/TILE)), block 256; block (bx, by) computes tile (i-tile
//   row0/TILE + by, j-tile bx) and writes grid[(i - row0)*k + j] = value for i != j (the
//   table's value: for riesz with param > 0 that is the log-space value lv), NaN for i == j.
//   The whole grid is the band row0 = 0, rows = k; the host bands it when k*k doubles do not
//   fit in device memory.
//
// nc_pairwise_{stats,grid}_f64 (DIRECT, TILE = 64): dist2 = ||a - b||^2 accumulated in
//   float64 directly from the differences (a_l - b_l)^2, never as ||a||^2 + ||b||^2 - 2 a.b,
//   so it needs no clamp or recomputation (and is exactly 0 only for equal rows); dot and
//   the norms are accumulated only for the angle kernels.  Thread t owns the 4x4 pairs
//   (i0 + ty + 16a, j0 + tx + 16b), tx = t%16, ty = t/16; d is walked in chunks of 16, the
//   two 64 x 16 panels staged in shared memory (transposed).  Shared: 2*16*64*8 + 2*64*8 +
//   32*4*8 bytes ~ 18 KiB, static.  Registers: 16 accumulators (+ norms) + indices.
//
// nc_pairwise_gemm_{stats,grid}_f32_t{64,128} (GEMM): arguments p32 (the points rounded to
//   float32), p64 (the same points in float64), norms[i] = ||p32[i]||^2 summed in float64
//   (host, once per call).  The tile's dot products a.b of the float32 rows are accumulated
//   in float32 registers, SGEMM style (the scheme of syrk.cu): TILE x TILE tiles, block 256,
//   thread (tx, ty) = (t%16, t/16) owns the (4G)x(4G) pairs of rows g*64 + ty*4 + (0..3) by
//   columns g*64 + tx*4 + (0..3), G = TILE/64 (8x8 per thread for TILE = 128, 4x4 for 64).
//   d is walked in K-steps of 16: the two TILE x 16 panels are read as float4 (when
//   d % 4 == 0 and p32 is 16-byte aligned, else floats), stored transposed in shared memory
//   (rows padded by 4 floats), double-buffered: the next K-step is loaded into registers
//   while the current one is multiplied (one barrier per K-step); the compute reads float4
//   fragments.  Every tile is computed whole (the sink drops pairs with i >= j).
//   Epilogue, per pair (float64): s = na + nb, dist2 = s - 2 a.b; when dist2 <= 2^-6 * s it is
//   recomputed from the float64 rows directly, sum (a_l - b_l)^2 (exactly 0 for equal rows),
//   then clamped at 0.  Why 2^-6: the float32 dot of rows with norms |a|, |b| carries an
//   absolute error of about eps32 * |a||b| <= eps32 * s/2 when the roundings are random
//   (d eps32 |a||b| is the worst-case bound of recursive summation), so the error of a kept
//   dist2 (> s/64) is below ~64 eps32 ~ 8e-6 of it -- under the golden float32 tolerance
//   (rtol 1e-4) with a margin of 10 -- while on spread points (class means) almost no pair
//   is that close, so the O(d) recomputation is rare.
//   Norms of the float32 rows (not of the float64 ones) make s - 2 a.b the distance of the
//   rows the GEMM multiplied, whose difference from the float64 distance is proportional
//   to |a - b|, not to |a||b|.  The angle kernels use a.b and the norms directly.
//   Shared: 2 buffers * 2 panels * 16 * (TILE + 4) * 4 bytes + 32*4*8 (block reduction):
//   34816 bytes (t128) / 18432 bytes (t64), static.  Registers: (4G)^2 accumulators + 2*4G
//   fragments + 8G prefetch + indices.  stats_t128 is __launch_bounds__(256, 2): two blocks
//   per SM (<= 128 registers, no spills), so that one block's float64 epilogue overlaps the
//   other's float32 main loop; grid_t128 is (256, 1) (its band writes would spill at 128
//   registers, and it is bound by writing k*k doubles anyway); see ptxas-baseline.tsv.  The
//   per-pair epilogue is one non-inlined sink call (one copy of the float64 code per entry
//   instead of one per pair).
#include "nc_common.cuh"

#define NC_PW_TILE 64
#define NC_PW_KC 16

struct NcPair {
  double d2, dot, na, nb;  // dist2, a.b, ||a||^2, ||b||^2 (dot/na/nb only when kDot)
  int i, j;
};

// ---- the operations (cuda/pair_ops.def) -------------------------------------------
#define NC_PW_DOT_DIST false
#define NC_PW_DOT_DOT true
#define NC_PW_LOGOP_NEVER(NAME, OPERAND, LOGVALUE)
#define NC_PW_LOGOP_PARAM_POSITIVE(NAME, OPERAND, LOGVALUE)                                       \
  struct NcOpLog_##NAME {                                                                          \
    static constexpr bool kDot = NC_PW_DOT_##OPERAND, kLog = true;                                 \
    NC_MEMBER static double value(const NcPair& q, double p, const double* aux) { return LOGVALUE; } \
  };
#define NC_PAIR_OP(ID, NAME, OPERAND, LOG, PARAM, VALUE, LOGVALUE)                             \
  struct NcOp_##NAME {                                                                         \
    static constexpr bool kDot = NC_PW_DOT_##OPERAND, kLog = false;                            \
    NC_MEMBER static double value(const NcPair& q, double p, const double* aux) { return VALUE; } \
  };                                                                                           \
  NC_PW_LOGOP_##LOG(NAME, OPERAND, LOGVALUE)
#include "pair_ops.def"
#undef NC_PAIR_OP

// Whether `kernel` is an id of the table.
NC_DEV bool nc_pw_known(int kernel) {
  switch (kernel) {
#define NC_PAIR_OP(ID, NAME, OPERAND, LOG, PARAM, VALUE, LOGVALUE) case ID: return true;
#include "pair_ops.def"
#undef NC_PAIR_OP
    default: return false;
  }
}

// Whether the operation reads the distance (operand DIST); false for an unknown id.
NC_DEV bool nc_pw_dist_operand(int kernel) {
  switch (kernel) {
#define NC_PAIR_OP(ID, NAME, OPERAND, LOG, PARAM, VALUE, LOGVALUE) case ID: return !NC_PW_DOT_##OPERAND;
#include "pair_ops.def"
#undef NC_PAIR_OP
    default: return false;
  }
}

// Whether the operation with this param returns log-values (log_space column).
#define NC_PW_ISLOG_NEVER(p) false
#define NC_PW_ISLOG_PARAM_POSITIVE(p) ((p) > 0)
NC_DEV bool nc_pw_log_space(int kernel, double param) {
  switch (kernel) {
#define NC_PAIR_OP(ID, NAME, OPERAND, LOG, PARAM, VALUE, LOGVALUE) case ID: return NC_PW_ISLOG_##LOG(param);
#include "pair_ops.def"
#undef NC_PAIR_OP
    default: return false;
  }
}

// Calls run.template go<Op>() with the functor of `kernel` (its log-space one where the table
// says so for this param); an id not in the table fails the launch.
#define NC_PW_PICK_NEVER(NAME) run.template go<NcOp_##NAME>();
#define NC_PW_PICK_PARAM_POSITIVE(NAME)     \
  if (param > 0) run.template go<NcOpLog_##NAME>(); \
  else run.template go<NcOp_##NAME>();
template <class Run>
NC_DEV void nc_pw_dispatch(int kernel, double param, Run& run) {
  switch (kernel) {
#define NC_PAIR_OP(ID, NAME, OPERAND, LOG, PARAM, VALUE, LOGVALUE) \
  case ID: NC_PW_PICK_##LOG(NAME) break;
#include "pair_ops.def"
#undef NC_PAIR_OP
    default: NC_DEVICE_FAIL("nc_pairwise: kernel id not in cuda/pair_ops.def");
  }
}

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
  int k, row0, row1;  // the band: grid rows [row0, row1) are written, row i at (i - row0) * k
  double param;
  const double* aux;
  double* grid;
  NC_MEMBER_NOINLINE void operator()(const NcPair& q) {
    if (q.i >= row0 && q.i < row1 && q.j < k)
      grid[(long long)(q.i - row0) * k + q.j] = q.i == q.j ? nc_nan() : Op::value(q, param, aux);
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
NC_DEV void pw_grid(NcPwSmem<Acc>& sm, const Acc* p, int k, int d, double param, const double* aux, int row0, int rows,
                    double* grid) {
  NcGridSink<Op> sink;
  sink.k = k; sink.row0 = row0; sink.row1 = nc_imin(k, row0 + rows);
  sink.param = param; sink.aux = aux; sink.grid = grid;
  pw_tile<Acc, Op>(sm, p, k, d, row0 / NC_PW_TILE + blockIdx.y, blockIdx.x, sink);
}

// The entry points' calls of pw_stats / pw_grid with the operation as a template argument.
template <class Acc>
struct NcPwStatsRun {
  NcPwSmem<Acc>* sm;
  const Acc* p;
  int k, d;
  double param;
  const double* aux;
  double* partials;
  template <class Op>
  NC_MEMBER void go() { pw_stats<Acc, Op>(*sm, p, k, d, param, aux, partials); }
};
template <class Acc>
struct NcPwGridRun {
  NcPwSmem<Acc>* sm;
  const Acc* p;
  int k, d;
  double param;
  const double* aux;
  int row0, rows;
  double* grid;
  template <class Op>
  NC_MEMBER void go() { pw_grid<Acc, Op>(*sm, p, k, d, param, aux, row0, rows, grid); }
};

extern "C" __global__ void nc_pairwise_stats_f64(const void* p, int k, int d, int kernel, double param,
                                                 const double* aux, double* partials) {
  __shared__ NcPwSmem<double> sm;
  NcPwStatsRun<double> run{&sm, (const double*)p, k, d, param, aux, partials};
  nc_pw_dispatch(kernel, param, run);
}
extern "C" __global__ void nc_pairwise_grid_f64(const void* p, int k, int d, int kernel, double param,
                                                const double* aux, int row0, int rows, double* grid) {
  __shared__ NcPwSmem<double> sm;
  NcPwGridRun<double> run{&sm, (const double*)p, k, d, param, aux, row0, rows, grid};
  nc_pw_dispatch(kernel, param, run);
}

// ---- float32 GEMM form (nc_pairwise_gemm_*_f32_t64 / _t128) ---------------------------
#define NC_GM_KC 16   // columns of d per K-step
#define NC_GM_PAD 4   // shared row padding (floats): keeps rows 16-byte aligned, transposed stores 2-way
// dist2 <= NC_GM_RECOMPUTE * (na + nb) is recomputed from the float64 points (header: why 2^-6).
#define NC_GM_RECOMPUTE 0.015625

template <int TILE>
struct NcGemmSmem {
  __align__(16) float As[2][NC_GM_KC][TILE + NC_GM_PAD];
  __align__(16) float Bs[2][NC_GM_KC][TILE + NC_GM_PAD];
  double red[NC_WARP][4];
};

// What the epilogue needs besides the dot product.
struct NcGemmEpi {
  const double* p64;    // k x d float64 points (recomputation of small distances)
  const double* norms;  // k float64 squared norms of the float32 rows
  const double* aux;
  int k, d, kernel;
  double param;
  bool dist;  // the table's operand is DIST: form dist2 from the dot product
  bool log;   // the values are log-values (log_space for this param)
};

// The epilogue's operands and flags for one launch; an id not in the table fails the launch.
NC_DEV NcGemmEpi nc_gemm_epi(const double* p64, const double* norms, const double* aux, int k, int d, int kernel,
                             double param) {
  if (!nc_pw_known(kernel)) NC_DEVICE_FAIL("nc_pairwise_gemm: kernel id not in cuda/pair_ops.def");
  NcGemmEpi e;
  e.p64 = p64; e.norms = norms; e.aux = aux;
  e.k = k; e.d = d; e.kernel = kernel; e.param = param;
  e.dist = nc_pw_dist_operand(kernel);
  e.log = nc_pw_log_space(kernel, param);
  return e;
}

// ||a - b||^2 from the float64 rows, in float64: exact up to float64 rounding.
NC_DEV double nc_gemm_dist2_direct(const double* __restrict__ p64, int i, int j, int d) {
  const double* a = p64 + (long long)i * d;
  const double* b = p64 + (long long)j * d;
  double s = 0.0;
  for (int l = 0; l < d; ++l) {
    const double df = __ldg(a + l) - __ldg(b + l);
    s += df * df;
  }
  return s;
}

// The kernel value of pair (i, j) (both < k) from the float32 dot product of its rows.
NC_DEV double nc_gemm_value(const NcGemmEpi& e, int i, int j, float dotf) {
  NcPair q;
  q.i = i; q.j = j;
  q.na = __ldg(e.norms + i);
  q.nb = __ldg(e.norms + j);
  q.dot = double(dotf);
  q.d2 = 0.0;
  if (e.dist) {  // distance operations: dist2 from the norms, small ones recomputed
    const double s = q.na + q.nb;
    const double d2 = s - 2.0 * q.dot;
    q.d2 = d2 <= NC_GM_RECOMPUTE * s ? nc_gemm_dist2_direct(e.p64, i, j, e.d) : d2;
    q.d2 = nc_dmax(q.d2, 0.0);
  }
#define NC_PW_VALUE_NEVER(NAME) NcOp_##NAME::value(q, e.param, e.aux)
#define NC_PW_VALUE_PARAM_POSITIVE(NAME) \
  (e.log ? NcOpLog_##NAME::value(q, e.param, e.aux) : NcOp_##NAME::value(q, e.param, e.aux))
  switch (e.kernel) {
#define NC_PAIR_OP(ID, NAME, OPERAND, LOG, PARAM, VALUE, LOGVALUE) \
  case ID: return NC_PW_VALUE_##LOG(NAME);
#include "pair_ops.def"
#undef NC_PAIR_OP
    default: NC_DEVICE_FAIL("nc_pairwise_gemm: kernel id not in cuda/pair_ops.def"); return nc_nan();
  }
}

struct NcGemmStatsSink {
  NcStats s;
  NcGemmEpi e;
  NC_MEMBER_NOINLINE void operator()(int i, int j, float dot) {
    if (i < j && j < e.k) {
      const double v = nc_gemm_value(e, i, j, dot);
      if (e.log) nc_stats_add_log(s, v);
      else nc_stats_add(s, v);
    }
  }
};

struct NcGemmGridSink {
  NcGemmEpi e;
  int row0, row1;  // the band: grid rows [row0, row1) are written, row i at (i - row0) * k
  double* grid;
  NC_MEMBER_NOINLINE void operator()(int i, int j, float dot) {
    if (i >= row0 && i < row1 && j < e.k)
      grid[(long long)(i - row0) * e.k + j] = i == j ? nc_nan() : nc_gemm_value(e, i, j, dot);
  }
};

// Loads the 4 floats at columns col..col+3 of `row` (zero outside the matrix); vec: d % 4 == 0
// and p 16-byte aligned, so the 4 are one aligned vector, all in range or all out.
NC_DEV void nc_gemm_load4(const float* __restrict__ p, int row, int col, int k, int d, bool vec, float* v) {
  if (vec) {
    if (row < k && col < d) {
      const float4 f = __ldg(reinterpret_cast<const float4*>(p + (long long)row * d + col));
      v[0] = f.x; v[1] = f.y; v[2] = f.z; v[3] = f.w;
    } else {
      v[0] = v[1] = v[2] = v[3] = 0.0f;
    }
  } else {
#pragma unroll
    for (int u = 0; u < 4; ++u) v[u] = (row < k && col + u < d) ? __ldg(p + (long long)row * d + col + u) : 0.0f;
  }
}

// Tile (ti, tj): the dot products of rows i0..i0+TILE-1 with rows j0..j0+TILE-1, then
// sink(i, j, dot) for each of the thread's (4G)^2 pairs.  G = TILE/64 groups of 4 consecutive
// rows (columns) per thread at g*64 + ty*4 (tx*4).  Called by all threads of the block.
template <int TILE, class Sink>
NC_DEV void pw_gemm_tile(NcGemmSmem<TILE>& sm, const float* __restrict__ p, int k, int d, bool vec, int ti, int tj,
                         Sink& sink) {
  constexpr int G = TILE / 64, R = 4 * G;
  const int t = threadIdx.x, tx = t % 16, ty = t / 16;
  const int lq = (t % 4) * 4, lr = t / 4;  // loader: first of 4 columns in the K-step, rows lr + 64h
  const int i0 = ti * TILE, j0 = tj * TILE;
  float acc[R][R];
#pragma unroll
  for (int a = 0; a < R; ++a)
#pragma unroll
    for (int b = 0; b < R; ++b) acc[a][b] = 0.0f;
  float la[G][4], lb[G][4];
#pragma unroll
  for (int h = 0; h < G; ++h) {
    nc_gemm_load4(p, i0 + lr + 64 * h, lq, k, d, vec, la[h]);
    nc_gemm_load4(p, j0 + lr + 64 * h, lq, k, d, vec, lb[h]);
#pragma unroll
    for (int u = 0; u < 4; ++u) { sm.As[0][lq + u][lr + 64 * h] = la[h][u]; sm.Bs[0][lq + u][lr + 64 * h] = lb[h][u]; }
  }
  __syncthreads();
  int cur = 0;
  for (int c0 = 0; c0 < d; c0 += NC_GM_KC) {
    const bool more = c0 + NC_GM_KC < d;
    if (more) {  // prefetch the next K-step into registers while this one is computed
#pragma unroll
      for (int h = 0; h < G; ++h) {
        nc_gemm_load4(p, i0 + lr + 64 * h, c0 + NC_GM_KC + lq, k, d, vec, la[h]);
        nc_gemm_load4(p, j0 + lr + 64 * h, c0 + NC_GM_KC + lq, k, d, vec, lb[h]);
      }
    }
#pragma unroll
    for (int kk = 0; kk < NC_GM_KC; ++kk) {
      float av[R], bv[R];
#pragma unroll
      for (int g = 0; g < G; ++g) {
        const float4 fa = *reinterpret_cast<const float4*>(&sm.As[cur][kk][g * 64 + ty * 4]);
        const float4 fb = *reinterpret_cast<const float4*>(&sm.Bs[cur][kk][g * 64 + tx * 4]);
        av[4 * g] = fa.x; av[4 * g + 1] = fa.y; av[4 * g + 2] = fa.z; av[4 * g + 3] = fa.w;
        bv[4 * g] = fb.x; bv[4 * g + 1] = fb.y; bv[4 * g + 2] = fb.z; bv[4 * g + 3] = fb.w;
      }
#pragma unroll
      for (int a = 0; a < R; ++a)
#pragma unroll
        for (int b = 0; b < R; ++b) acc[a][b] += av[a] * bv[b];
    }
    if (more) {
#pragma unroll
      for (int h = 0; h < G; ++h)
#pragma unroll
        for (int u = 0; u < 4; ++u) {
          sm.As[cur ^ 1][lq + u][lr + 64 * h] = la[h][u];
          sm.Bs[cur ^ 1][lq + u][lr + 64 * h] = lb[h][u];
        }
    }
    __syncthreads();
    cur ^= 1;
  }
#pragma unroll
  for (int a = 0; a < R; ++a)
#pragma unroll
    for (int b = 0; b < R; ++b) sink(i0 + (a / 4) * 64 + ty * 4 + a % 4, j0 + (b / 4) * 64 + tx * 4 + b % 4, acc[a][b]);
}

template <int TILE>
NC_DEV void pw_gemm_stats(const float* p32, const double* p64, const double* norms, int k, int d, int kernel,
                          double param, const double* aux, double* partials) {
  __shared__ NcGemmSmem<TILE> sm;
  const int T = (k + TILE - 1) / TILE;
  const int u = blockIdx.x;
  const int u2 = T - 1 - u;
  const int L1 = T - u;
  const int L = L1 + (u2 != u ? u + 1 : 0);
  const bool vec = d % 4 == 0 && reinterpret_cast<unsigned long long>(p32) % 16 == 0;
  NcGemmStatsSink sink;
  sink.s = nc_stats_empty();
  sink.e = nc_gemm_epi(p64, norms, aux, k, d, kernel, param);
  for (int idx = blockIdx.y; idx < L; idx += gridDim.y) {
    const int ti = idx < L1 ? u : u2;
    const int tj = idx < L1 ? u + idx : u2 + (idx - L1);
    pw_gemm_tile<TILE>(sm, p32, k, d, vec, ti, tj, sink);
  }
  const NcStats s = pw_block_merge(sm.red, sink.s);
  if (threadIdx.x == 0) {
    double* out = partials + 4 * ((long long)blockIdx.y * gridDim.x + blockIdx.x);
    out[0] = s.n; out[1] = s.shift; out[2] = s.mean; out[3] = s.m2;
  }
}

template <int TILE>
NC_DEV void pw_gemm_grid(const float* p32, const double* p64, const double* norms, int k, int d, int kernel,
                         double param, const double* aux, int row0, int rows, double* grid) {
  __shared__ NcGemmSmem<TILE> sm;
  const bool vec = d % 4 == 0 && reinterpret_cast<unsigned long long>(p32) % 16 == 0;
  NcGemmGridSink sink;
  sink.e = nc_gemm_epi(p64, norms, aux, k, d, kernel, param);
  sink.row0 = row0; sink.row1 = nc_imin(k, row0 + rows); sink.grid = grid;
  pw_gemm_tile<TILE>(sm, p32, k, d, vec, row0 / TILE + blockIdx.y, blockIdx.x, sink);
}

#define NC_GM_STATS_ARGS                                                                                  \
  (const float* p32, const double* p64, const double* norms, int k, int d, int kernel, double param, \
   const double* aux, double* partials)
#define NC_GM_GRID_ARGS                                                                                   \
  (const float* p32, const double* p64, const double* norms, int k, int d, int kernel, double param, \
   const double* aux, int row0, int rows, double* grid)

extern "C" __global__ void __launch_bounds__(256) nc_pairwise_gemm_stats_f32_t64 NC_GM_STATS_ARGS {
  pw_gemm_stats<64>(p32, p64, norms, k, d, kernel, param, aux, partials);
}
extern "C" __global__ void __launch_bounds__(256, 2) nc_pairwise_gemm_stats_f32_t128 NC_GM_STATS_ARGS {
  pw_gemm_stats<128>(p32, p64, norms, k, d, kernel, param, aux, partials);
}
extern "C" __global__ void __launch_bounds__(256) nc_pairwise_gemm_grid_f32_t64 NC_GM_GRID_ARGS {
  pw_gemm_grid<64>(p32, p64, norms, k, d, kernel, param, aux, row0, rows, grid);
}
extern "C" __global__ void __launch_bounds__(256, 1) nc_pairwise_gemm_grid_f32_t128 NC_GM_GRID_ARGS {
  pw_gemm_grid<128>(p32, p64, norms, k, d, kernel, param, aux, row0, rows, grid);
}
