// decisions.cu: NC4 agreement of the nearest-class-centre and the linear classifier, as a
// register-tiled GEMM of the rows against [M; W] with an exact float64 recheck of near ties.
//
// Math, per row x (true label y) over the c candidate classes q = 0..c-1 (ascending ids):
//   ncc = argmin_q ||x - mu_q||^2,  lin = argmax_q w_q.x + b_q  (b = 0 without bias),
//   ties to the lowest q; counts[y] += 1, hits[y] += (ncc == lin).
// The decisions equal those of the CPU twin (org.ncj.backend.cpu.CpuDecisions) exactly:
//   1. fast scores in the working type W (float for _f32, double for _f64):
//        ncc: s_q = ||mu_q||^2 - 2 x.m_q          (||x||^2 is common to all q: dropped)
//        lin: s_q = -(x.v_q + b_q)                 (negated: both classifiers take the argmin)
//      with m_q, v_q, b_q the means, weights and bias rounded to W, ||mu_q||^2 from the
//      float64 means (host), and each score's error bound
//        ncc: e_q = tol * (||x||^2 + ||mu_q||^2) + eabs
//        lin: e_q = tol * (||x|| ||w_q|| + |b_q|) + eabs
//        tol  = 2 (d + 8) (u + 2^-51) / (1 - (d + 8) u),  u = 2^-24 (f32) or 2^-53 (f64),
//        eabs = (4d + 32) * (smallest subnormal of W).
//      Proof sketch, with G_q = ||x||^2 + ||mu_q||^2 (ncc) or ||x|| ||w_q|| + |b_q| (lin):
//      rounding the means/weights to W costs u ||x|| ||mu|| (Cauchy-Schwarz), the d-term W dot
//      product gamma_d ||x|| ||m|| (gamma_d = d u / (1 - d u)), rounding ||mu||^2 or b and the
//      final fma or add u each, and 2 ||x|| ||mu|| <= ||x||^2 + ||mu||^2, so
//      |s_q - exact| <= (d + 4) u (1 + O(du)) G_q, plus d 2^-53 G_q for ||mu||^2 summed in
//      float64.  The CPU twin's float64 scores are within (2d + 6) 2^-53 G_q of the exact
//      ones (||x - mu||^2 <= 2 G_q).  tol / 2 >= (d + 8) u + (4d + 32) 2^-53 covers the sum;
//      the factor 2 covers the roundings of the norms (float64
//      -> W), of forming e_q and s_q +- e_q and of the comparisons.  eabs covers gradual
//      underflow (half the smallest subnormal per operation).  Overflow: a tile is only trusted for a
//      row when ||x||^2 + max ||mu_q||^2 and ||x|| max ||w_q|| + max |b_q| are <= LIM
//      (FLT_MAX / 8 or DBL_MAX / 8), so every intermediate is finite; otherwise (and when
//      (d + 8) u >= 1/8) the row is rechecked.
//   2. per row, the best score s*, its bound e*, its index, and lo = the least s_q - e_q of
//      every other candidate (argmin, ties to the lowest index).  If lo > s* + e*, the
//      exact order of the best against every other candidate is the fast one, for the
//      exact scores and for the CPU twin's float64 scores alike; otherwise (a near tie,
//      an exact tie, or an untrusted tile) the row is
//   3. rechecked by a warp in float64 exactly as the CPU twin computes it: ncc
//      s_q = sum_j (double(x_j) - mu_qj)^2 and lin s_q = b_q + sum_j w_qj double(x_j), j
//      ascending, products and sums rounded separately (__dmul_rn / __dadd_rn: no fma, as in
//      Java), the first candidate taken whatever its value and a later one only when
//      strictly better (NaN never), i.e. the lowest index of the minimum (maximum).
//
// Operands (host-packed by CudaDecisions.pack, cuda/ABI.md): tiles of CT candidates, CT = 64
// (f32) / 32 (f64), T = ceil(c / CT), ld = 2 CT T.
//   bt   (W, d x ld, row-major): bt[j][2 CT t + i] = mu_{CT t + i, j}, bt[j][2 CT t + CT + i] =
//        w_{CT t + i, j} (0 for padded candidates q >= c): [M; W] transposed, tile by tile.
//   bt64 (double, same layout): the float64 values for the recheck (the same buffer for _f64).
//   aux  (double, T x 6 x CT): per tile [0] ||mu_q||^2 (+inf padded), [1] ||mu_q||^2 (0
//        padded), [2] ||w_q||, [3] |b_q|, [4] b_q (0 without bias, -inf padded), [5][0..2] the
//        tile's largest [1], [2], [3] over its real candidates (all from the float64 values).
//
// Launch: block 256 (tx = t % 16, ty = t / 16), grid = ceil(n / 128) (at least 1): a block
//   takes 128 rows and walks every candidate tile (2 CT columns: CT means + CT weights).
//   Chunks of KC columns of the rows (transposed to k-major on the way) and of bt are staged
//   in shared memory, double-buffered through registers: the next chunk, the next tile's
//   first one included, is loaded during the multiply; one barrier per chunk; KC = 16 (f32)
//   / 8 (f64).  Each thread accumulates an 8 x 2V register tile (V = 4 float, 2 double):
//   rows (a/V) 16V + ty V + a%V, columns tx V + q (means, q < V) and CT + tx V + q (weights
//   of the same V candidates).  Epilogue per tile: each thread forms its 8 rows x V
//   candidates' scores and bounds, the 16 lanes sharing those rows (a half-warp)
//   reduce-scatter them (xor 8, 4, 2: lane tx ends with row tx >> 1), merge the parities
//   (xor 1), and the even lane folds the tile into the row's running state in shared
//   memory.  After the last tile thread r < 128 flags row r; warp w rechecks the flagged
//   rows w, w + 8, .. (warp-uniform); warps 0-3 add counts and hits: one atomic pair per
//   warp when its 32 rows share a label, else one pair per row.
// Shared memory (static): x chunks 2 x KC x 128 W (16 KiB), bt chunks 2 x KC x 2CT W (16 / 8
//   KiB), the rows' norms 2 x 128 W, three tiles' aux 3 x 6 x CT W, the running states
//   3 x 2 x 128 W + 2 x 128 int, flags 128 int: 43,008 B (f32), 38,912 B (f64).
//   __launch_bounds__(256, 1); ptxas sm_90: 167 (f32) / 216 (f64) registers, no spills
//   (ptxas-baseline.tsv).
#include "nc_common.cuh"

#define NC_DEC_ROWS 128  // rows per block

template <class W> struct NcDecT;
template <> struct NcDecT<float> {
  typedef float4 vec;
  static constexpr int V = 4, KC = 16, CT = 64;  // CT candidates per tile
  static constexpr int HB = KC * 2 * CT / V / 256;  // bt vectors per thread and chunk
  static constexpr double U = 0x1p-24, TINY = 0x1p-149, LIM = 3.4028234663852886e38 / 8;
  NC_MEMBER static void put(float* dst, const vec& v) { dst[0] = v.x; dst[1] = v.y; dst[2] = v.z; dst[3] = v.w; }
  NC_MEMBER static vec make(const float* s) { vec v; v.x = s[0]; v.y = s[1]; v.z = s[2]; v.w = s[3]; return v; }
  NC_MEMBER static float fma_(float a, float b, float c) { return fmaf(a, b, c); }
};
template <> struct NcDecT<double> {
  typedef double2 vec;
  static constexpr int V = 2, KC = 8, CT = 32;
  static constexpr int HB = KC * 2 * CT / V / 256;
  static constexpr double U = 0x1p-53, TINY = 0x1p-1074, LIM = 1.7976931348623157e308 / 8;
  NC_MEMBER static void put(double* dst, const vec& v) { dst[0] = v.x; dst[1] = v.y; }
  NC_MEMBER static vec make(const double* s) { vec v; v.x = s[0]; v.y = s[1]; return v; }
  NC_MEMBER static double fma_(double a, double b, double c) { return fma(a, b, c); }
};

// Running argmin: best score s, its bound e, its index i, lo = least s_q - e_q of the others.
// No field is ever NaN except s and e in an untrusted row, whose lo is -inf (sticky).
template <class W> struct NcDecArg { W s, e, lo; int i; };

template <class W>
NC_DEV NcDecArg<W> nc_dec_empty() {
  NcDecArg<W> a; a.s = W(INFINITY); a.e = W(0); a.lo = W(INFINITY); a.i = 0x7fffffff; return a;
}

// lo <- min(lo, v), ignoring a NaN v (possible only in an untrusted row, already -inf).
template <class W>
NC_DEV W nc_dec_min(W lo, W v) { return v < lo ? v : lo; }

// Candidate i (ascending within a thread, so a tie keeps the earlier one).
template <class W>
NC_DEV void nc_dec_take(NcDecArg<W>& a, W s, W e, int i) {
  if (s < a.s) { a.lo = nc_dec_min(a.lo, a.s - a.e); a.s = s; a.e = e; a.i = i; }
  else a.lo = nc_dec_min(a.lo, s - e);
}

// Merge of two disjoint candidate sets: the lexicographically least (s, i) wins.
template <class W>
NC_DEV NcDecArg<W> nc_dec_merge(NcDecArg<W> a, NcDecArg<W> b) {
  const bool bw = b.s < a.s || (b.s == a.s && b.i < a.i);
  NcDecArg<W> w = bw ? b : a;
  const NcDecArg<W> l = bw ? a : b;
  w.lo = nc_dec_min(nc_dec_min(w.lo, l.lo), l.s - l.e);
  return w;
}

template <class W>
NC_DEV NcDecArg<W> nc_dec_shfl_xor(NcDecArg<W> a, int o) {
  NcDecArg<W> r;
  r.s = __shfl_xor_sync(NC_FULL_MASK, a.s, o);
  r.e = __shfl_xor_sync(NC_FULL_MASK, a.e, o);
  r.lo = __shfl_xor_sync(NC_FULL_MASK, a.lo, o);
  r.i = __shfl_xor_sync(NC_FULL_MASK, a.i, o);
  return r;
}

// One halving step of the reduce-scatter over the half-warp: m rows in a[0..m), the lane
// keeps the upper half when its bit o is set, and merges it with the partner's same rows.
template <class W, int M>
NC_DEV void nc_dec_halve(NcDecArg<W> (&a)[8], int o, bool up) {
#pragma unroll
  for (int i = 0; i < M / 2; ++i) {
    const NcDecArg<W> keep = up ? a[i + M / 2] : a[i];
    const NcDecArg<W> send = up ? a[i] : a[i + M / 2];
    a[i] = nc_dec_merge(keep, nc_dec_shfl_xor(send, o));
  }
}

// Exact float64 decision of one row by a warp, in the CPU twin's order (see the header).
// Lane l takes candidates l + 32 u (4 at a time for independent chains); every lane
// returns the decision; -1 when c == 0.
// After the halving steps (xor 8, 4, 2) a[0] holds row tx >> 1 over the 8 lanes of the
// lane's parity: merges the parities (xor 1) and folds the tile into the row's running state
// in shared memory (k: 0 ncc, 1 lin; the even lane writes).  The running state lives in
// shared memory, not registers: the f64 main loop needs them all.
template <class W>
NC_DEV void nc_dec_fold(NcDecArg<W> (&a)[8], int k, W (*srs)[NC_DEC_ROWS], W (*sre)[NC_DEC_ROWS],
                        W (*srl)[NC_DEC_ROWS], int (*sri)[NC_DEC_ROWS], int tx, int ty) {
  constexpr int V = NcDecT<W>::V;
  const NcDecArg<W> m = nc_dec_merge(a[0], nc_dec_shfl_xor(a[0], 1));
  if ((tx & 1) == 0) {
    const int r = (tx >> 1) / V * 16 * V + ty * V + (tx >> 1) % V;
    NcDecArg<W> run;
    run.s = srs[k][r]; run.e = sre[k][r]; run.lo = srl[k][r]; run.i = sri[k][r];
    run = nc_dec_merge(run, m);
    srs[k][r] = run.s; sre[k][r] = run.e; srl[k][r] = run.lo; sri[k][r] = run.i;
  }
}

template <bool LIN, int CT>
NC_DEV int nc_dec_exact(const float* __restrict__ xr, int d, const double* __restrict__ bt64, long long ld,
                        const double* __restrict__ aux, int c, int lane) {
  double best = LIN ? -INFINITY : INFINITY;
  int bi = 0x7fffffff, nan0 = 0;
  for (int q0 = lane; q0 < c; q0 += 4 * NC_WARP) {
    double s[4];
    long long col[4];
    bool ok[4];
#pragma unroll
    for (int u = 0; u < 4; ++u) {
      const int q = q0 + NC_WARP * u;
      ok[u] = q < c;
      col[u] = (long long)(q / CT) * (2 * CT) + q % CT + (LIN ? CT : 0);
      s[u] = (LIN && ok[u]) ? __ldg(aux + (long long)(q / CT) * (6 * CT) + 4 * CT + q % CT) : 0.0;
    }
    for (int j = 0; j < d; ++j) {
      const double xv = double(__ldg(xr + j));
      const double* row = bt64 + (long long)j * ld;
#pragma unroll
      for (int u = 0; u < 4; ++u) {
        if (!ok[u]) continue;
        const double m = __ldg(row + col[u]);
        if (LIN) {
          s[u] = __dadd_rn(s[u], __dmul_rn(m, xv));
        } else {
          const double v = xv - m;
          s[u] = __dadd_rn(s[u], __dmul_rn(v, v));
        }
      }
    }
#pragma unroll
    for (int u = 0; u < 4; ++u) {
      if (!ok[u]) continue;
      const int q = q0 + NC_WARP * u;
      if (q == 0) nan0 = isnan(s[u]);
      const double key = isnan(s[u]) ? (LIN ? -INFINITY : INFINITY) : s[u];
      if (bi == 0x7fffffff || (LIN ? key > best : key < best)) { best = key; bi = q; }
    }
  }
  for (int o = NC_WARP / 2; o > 0; o >>= 1) {
    const double ob = __shfl_xor_sync(NC_FULL_MASK, best, o);
    const int oi = __shfl_xor_sync(NC_FULL_MASK, bi, o);
    if ((LIN ? ob > best : ob < best) || (ob == best && oi < bi)) { best = ob; bi = oi; }
  }
  // The CPU twin keeps candidate 0 when its score is NaN (nothing compares less).
  if (__shfl_sync(NC_FULL_MASK, nan0, 0)) bi = 0;
  return c > 0 ? bi : -1;
}

// V consecutive columns k.. of a row of x into v (zeros outside the matrix); vec: float4
// loads (f32, d % 4 == 0, x 16-byte aligned).
template <class W>
NC_DEV void nc_dec_loadx(const float* p, bool ok, int k, int d, bool vec, W* v) {
  typedef NcDecT<W> VT;
  if constexpr (VT::V == 4) {
    if (vec) {
      if (ok && k < d) {
        const float4 f = __ldg(reinterpret_cast<const float4*>(p));
        v[0] = f.x; v[1] = f.y; v[2] = f.z; v[3] = f.w;
      } else {
#pragma unroll
        for (int u = 0; u < 4; ++u) v[u] = W(0);
      }
      return;
    }
  }
#pragma unroll
  for (int u = 0; u < VT::V; ++u) v[u] = (ok && k + u < d) ? W(__ldg(p + u)) : W(0);
}

template <class W>
NC_DEV void nc_dec_loadb(const W* p, bool ok, W* v) {
  typedef NcDecT<W> VT;
  if (ok) {
    VT::put(v, __ldg(reinterpret_cast<const typename VT::vec*>(p)));
  } else {
#pragma unroll
    for (int u = 0; u < VT::V; ++u) v[u] = W(0);
  }
}

// The loader's vectors of chunk k0 (columns k0.. of x and rows k0.. of bt) into registers.
template <class W>
NC_DEV void nc_dec_load_chunk(const float* xp, const W* bp, int k0, int d, long long ld, bool xok, bool vecx,
                              const int (&xk)[2], const int (&bk)[NcDecT<W>::HB], const int (&bc)[NcDecT<W>::HB],
                              W (&la)[2][NcDecT<W>::V], W (&lb)[NcDecT<W>::HB][NcDecT<W>::V]) {
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    const int k = k0 + xk[h];
    nc_dec_loadx<W>(xp + k, xok, k, d, vecx, la[h]);
  }
#pragma unroll
  for (int h = 0; h < NcDecT<W>::HB; ++h) {
    const int kb = k0 + bk[h];
    nc_dec_loadb<W>(bp + (long long)kb * ld + bc[h], kb < d, lb[h]);
  }
}

// The registers of a chunk into shared memory: x transposed (k-major, a warp's 32 consecutive
// rows per store: no bank conflict), bt as it lies.
template <class W>
NC_DEV void nc_dec_store_chunk(W (*As)[NC_DEC_ROWS], W (*Bs)[2 * NcDecT<W>::CT], const int (&xk)[2], int xrow,
                               const int (&bk)[NcDecT<W>::HB], const int (&bc)[NcDecT<W>::HB],
                               const W (&la)[2][NcDecT<W>::V], const W (&lb)[NcDecT<W>::HB][NcDecT<W>::V]) {
  constexpr int V = NcDecT<W>::V;
#pragma unroll
  for (int h = 0; h < 2; ++h)
#pragma unroll
    for (int u = 0; u < V; ++u) As[xk[h] + u][xrow] = la[h][u];
#pragma unroll
  for (int h = 0; h < NcDecT<W>::HB; ++h)  // vector stores: a warp's scalars would conflict 4-way
    *reinterpret_cast<typename NcDecT<W>::vec*>(&Bs[bk[h]][bc[h]]) = NcDecT<W>::make(lb[h]);
}

template <class W>
NC_DEV void decisions_tiled(const float* __restrict__ x, const int* __restrict__ y, long long n, int d,
                            const W* __restrict__ bt, const double* __restrict__ bt64,
                            const double* __restrict__ aux, int c, unsigned long long* __restrict__ hits,
                            unsigned long long* __restrict__ counts) {
  typedef NcDecT<W> VT;
  constexpr int V = VT::V, KC = VT::KC, CT = VT::CT, HB = VT::HB, R = NC_DEC_ROWS, NB = 2 * CT;
  __align__(16) __shared__ W As[2][KC][R];   // x chunk, k-major
  __align__(16) __shared__ W Bs[2][KC][NB];  // bt chunk
  __shared__ W sx[2][R];                     // ||x_r||^2, ||x_r||
  __shared__ W sa[3][6][CT];                 // the tiles' aux, tile t in sa[t % 3]
  __shared__ W srs[2][R], sre[2][R], srl[2][R];  // running state of ncc [0] / lin [1] per row: s, e, lo
  __shared__ int sri[2][R];                  // ... its index: the decisions once rechecked
  __shared__ int sflag[R];                   // 1: ncc near tie, 2: lin near tie

  const int t = threadIdx.x, tx = t % 16, ty = t / 16, lane = t % NC_WARP, warp = t / NC_WARP;
  const long long r0 = (long long)blockIdx.x * R;
  const int rows = (int)nc_llmin(R, n - r0);

  const double dd8 = double(d) + 8;
  const bool force = dd8 * VT::U >= 0.125;  // tol would not bound the error: recheck every row
  const W tol = force ? W(0) : W(2 * dd8 * (VT::U + 0x1p-51) / (1 - dd8 * VT::U));
  const W eabs = W((4.0 * d + 32) * VT::TINY);
  const W lim = W(VT::LIM);

  for (int r = warp; r < R; r += 8) {  // the rows' norms, float64 then rounded
    double s = 0;
    if (r < rows) {
      const float* xr = x + (r0 + r) * d;
      for (int j = lane; j < d; j += NC_WARP) { const double v = __ldg(xr + j); s += v * v; }
    }
    s = nc_warp_sum(s);
    if (lane == 0) { sx[0][r] = W(s); sx[1][r] = W(sqrt(s)); }
  }

  const int T = (c + CT - 1) / CT;
  const long long ld = (long long)NB * T;
  const bool vecx = V == 4 && d % 4 == 0 && (reinterpret_cast<unsigned long long>(x) % 16) == 0;
  // loaders: x vector h of this thread is row t % 128, columns (2 (t / 128) + h) V ..; bt vector h
  // is chunk row (t + 256h) / (NB / V), columns ((t + 256h) % (NB / V)) V ..
  const int xrow = t % R;
  const bool xok = xrow < rows;
  const float* xp = x + (r0 + xrow) * d;
  int bk[HB], bc[HB], xk[2];
#pragma unroll
  for (int h = 0; h < 2; ++h) xk[h] = (t / R) * 2 * V + h * V;  // a thread's two vectors: one 32-byte sector
#pragma unroll
  for (int h = 0; h < HB; ++h) {
    bk[h] = (t + 256 * h) / (NB / V);
    bc[h] = ((t + 256 * h) % (NB / V)) * V;
  }

  if (t < R) {
    const NcDecArg<W> e = nc_dec_empty<W>();
    for (int k = 0; k < 2; ++k) { srs[k][t] = e.s; sre[k][t] = e.e; srl[k][t] = e.lo; sri[k][t] = e.i; }
  }
  // One pipeline over every (tile, chunk): the chunk after the last of a tile is the next
  // tile's first, so it is loaded during the last multiply; a tile's aux is staged with the
  // last chunk of the tile before (3 buffers: with one chunk per tile, that store can
  // overlap a slow thread's epilogue of the tile before that).  No barrier after an
  // epilogue: it reads only sx and its tile's aux, and each row's running state has one
  // owner thread.
  const int chunks = d > KC ? (d + KC - 1) / KC : 1;
  W la[2][V], lb[HB][V];
  int cur = 0;
  if (T > 0) {
    for (int i = t; i < 6 * CT; i += 256) (&sa[0][0][0])[i] = W(__ldg(aux + i));
    nc_dec_load_chunk<W>(xp, bt, 0, d, ld, xok, vecx, xk, bk, bc, la, lb);
    nc_dec_store_chunk<W>(As[0], Bs[0], xk, xrow, bk, bc, la, lb);
  }
  __syncthreads();
  for (int tile = 0; tile < T; ++tile) {
    W acc[8][2 * V];  // columns q < V: means, q >= V: weights of the same candidates
#pragma unroll
    for (int a = 0; a < 8; ++a)
#pragma unroll
      for (int q = 0; q < 2 * V; ++q) acc[a][q] = W(0);
    for (int ch = 0; ch < chunks; ++ch) {
      const bool last = ch + 1 == chunks;
      const bool more = !last || tile + 1 < T;
      if (more)
        nc_dec_load_chunk<W>(xp, bt + (long long)(last ? tile + 1 : tile) * NB, last ? 0 : (ch + 1) * KC, d, ld, xok,
                             vecx, xk, bk, bc, la, lb);
#pragma unroll
      for (int kk = 0; kk < KC; ++kk) {
        W av[8], bv[2 * V];
#pragma unroll
        for (int g = 0; g < 8 / V; ++g)
          VT::put(av + g * V, *reinterpret_cast<const typename VT::vec*>(&As[cur][kk][g * 16 * V + ty * V]));
#pragma unroll
        for (int g = 0; g < 2; ++g)
          VT::put(bv + g * V, *reinterpret_cast<const typename VT::vec*>(&Bs[cur][kk][g * CT + tx * V]));
#pragma unroll
        for (int a = 0; a < 8; ++a)
#pragma unroll
          for (int q = 0; q < 2 * V; ++q) acc[a][q] += av[a] * bv[q];
      }
      if (more) nc_dec_store_chunk<W>(As[cur ^ 1], Bs[cur ^ 1], xk, xrow, bk, bc, la, lb);
      if (last && tile + 1 < T)  // a slow thread may still be in the epilogue of tile - 1: 3 buffers
        for (int i = t; i < 6 * CT; i += 256)
          (&sa[(tile + 1) % 3][0][0])[i] = W(__ldg(aux + (long long)(tile + 1) * (6 * CT) + i));
      __syncthreads();
      cur ^= 1;
    }

    // Epilogue: this thread's 8 rows x 4 candidates (candidate-major, so that only one
    // candidate's aux is live), then the half-warp's reduce-scatter.
    const W(*ta)[CT] = sa[tile % 3];
    const W mg = ta[5][0], mw = ta[5][1], mb = ta[5][2];
    bool trust[8];
#pragma unroll
    for (int a = 0; a < 8; ++a) {
      const int lr = (a / V) * 16 * V + ty * V + a % V;
      trust[a] = !force && sx[0][lr] + mg <= lim && VT::fma_(sx[1][lr], mw, mb) <= lim;
    }
    NcDecArg<W> st[8];
#pragma unroll
    for (int a = 0; a < 8; ++a) st[a] = nc_dec_empty<W>();
#pragma unroll
    for (int q = 0; q < V; ++q) {
      const int lc = tx * V + q;
      const W nq = ta[0][lc], gq = ta[1][lc];
#pragma unroll
      for (int a = 0; a < 8; ++a) {
        const W xx = sx[0][(a / V) * 16 * V + ty * V + a % V];
        nc_dec_take(st[a], VT::fma_(W(-2), acc[a][q], nq), VT::fma_(tol, xx + gq, eabs), tile * CT + lc);
      }
    }
#pragma unroll
    for (int a = 0; a < 8; ++a)
      if (!trust[a]) st[a].lo = W(-INFINITY);
    nc_dec_halve<W, 8>(st, 8, (tx & 8) != 0);
    nc_dec_halve<W, 4>(st, 4, (tx & 4) != 0);
    nc_dec_halve<W, 2>(st, 2, (tx & 2) != 0);
    nc_dec_fold(st, 0, srs, sre, srl, sri, tx, ty);
#pragma unroll
    for (int a = 0; a < 8; ++a) st[a] = nc_dec_empty<W>();
#pragma unroll
    for (int q = 0; q < V; ++q) {
      const int lc = tx * V + q;
      const W wn = ta[2][lc], ab = ta[3][lc], bb = ta[4][lc];
#pragma unroll
      for (int a = 0; a < 8; ++a) {
        const W xn = sx[1][(a / V) * 16 * V + ty * V + a % V];
        nc_dec_take(st[a], -(acc[a][q + V] + bb), VT::fma_(tol, VT::fma_(xn, wn, ab), eabs), tile * CT + lc);
      }
    }
#pragma unroll
    for (int a = 0; a < 8; ++a)
      if (!trust[a]) st[a].lo = W(-INFINITY);
    nc_dec_halve<W, 8>(st, 8, (tx & 8) != 0);
    nc_dec_halve<W, 4>(st, 4, (tx & 4) != 0);
    nc_dec_halve<W, 2>(st, 2, (tx & 2) != 0);
    nc_dec_fold(st, 1, srs, sre, srl, sri, tx, ty);
  }
  __syncthreads();  // the last tile's folds
  if (t < rows)
    sflag[t] = (srl[0][t] > srs[0][t] + sre[0][t] ? 0 : 1) | (srl[1][t] > srs[1][t] + sre[1][t] ? 0 : 2);
  __syncthreads();

  for (int r = warp; r < rows; r += 8) {  // near ties: exact, warp-uniform
    const int f = sflag[r];
    if (f == 0) continue;
    const float* xr = x + (r0 + r) * d;
    const int dn = (f & 1) ? nc_dec_exact<false, CT>(xr, d, bt64, ld, aux, c, lane) : 0;
    const int dl = (f & 2) ? nc_dec_exact<true, CT>(xr, d, bt64, ld, aux, c, lane) : 0;
    if (lane == 0) {
      if (f & 1) sri[0][r] = dn;
      if (f & 2) sri[1][r] = dl;
    }
  }
  __syncthreads();

  if (warp < R / NC_WARP) {
    const int r = warp * NC_WARP + lane;
    const bool ok = r < rows;
    const int lab = ok ? __ldg(y + r0 + r) : -1;
    const bool agree = ok && sri[0][r] == sri[1][r];
    const int l0 = __shfl_sync(NC_FULL_MASK, lab, 0);
    const unsigned same = __ballot_sync(NC_FULL_MASK, ok && lab == l0);
    const unsigned agreed = __ballot_sync(NC_FULL_MASK, agree);
    if (same == NC_FULL_MASK) {
      if (lane == 0) {
        atomicAdd(counts + l0, (unsigned long long)NC_WARP);
        if (agreed != 0u) atomicAdd(hits + l0, (unsigned long long)__popc(agreed));
      }
    } else if (ok) {
      atomicAdd(counts + lab, 1ull);
      if (agree) atomicAdd(hits + lab, 1ull);
    }
  }
}

extern "C" __global__ void __launch_bounds__(256, 1)
    nc_decisions_f32(const float* x, const int* y, long long n, int d, const void* bt, const double* bt64,
                     const double* aux, int c, unsigned long long* hits, unsigned long long* counts) {
  decisions_tiled<float>(x, y, n, d, (const float*)bt, bt64, aux, c, hits, counts);
}
extern "C" __global__ void __launch_bounds__(256, 1)
    nc_decisions_f64(const float* x, const int* y, long long n, int d, const void* bt, const double* bt64,
                     const double* aux, int c, unsigned long long* hits, unsigned long long* counts) {
  decisions_tiled<double>(x, y, n, d, (const double*)bt, bt64, aux, c, hits, counts);
}
