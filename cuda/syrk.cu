// syrk.cu: covariance accumulation C += xc^T xc on the centred batch (n x d, row-major),
// upper-triangle tiles only, then a mirror kernel.
//
// Math: c[i][j] += sum over rows r of xc[r][i] * xc[r][j], written for i <= j only
// (tiles with i-tile <= j-tile, and within a diagonal tile the entries with i <= j);
// nc_mirror_upper_f64 then sets c[j][i] = c[i][j] for i < j.
//
// nc_syrk_f32 / nc_syrk_f64 (SGEMM-style register tiling)
//   launch: tile 128x128, block 256, grid (T(T+1)/2, S), T = ceil(d/128),
//           S = max(1, min(ceil(n/256), 8*SMs / (T(T+1)/2))).
//   blockIdx.x enumerates the upper-triangle tile pairs (ti <= tj) row by row;
//   blockIdx.y is a row split: rows [s*ceil(n/S), (s+1)*ceil(n/S)).
//   The block walks its rows in K-steps of KC = 16 (f32) / 8 (f64) rows: the KC x 128
//   slices xc[rows][ti-tile] and
//   xc[rows][tj-tile] are staged in shared memory exactly as they lie in xc (k-major, so
//   no transpose; 16-byte loads when d % 4 == 0), double-buffered: the next K-step is
//   loaded into registers while the current one is multiplied, then stored to the other
//   buffer (one barrier per K-step).  Each thread accumulates an 8x8 register tile: rows
//   (columns) in G = 8/V groups of V consecutive indices at g*16V + ty*V (tx*V), V = 4 for
//   float (float4 shared loads, conflict-free) and 2 for double (double2).  In a diagonal
//   tile the (row group > column group) blocks lie wholly below the diagonal and are
//   skipped.
//   f32: products are accumulated in float32 registers, folded every 256 rows into a
//   second float32 register tile ("mid"), and mid is added to c with float64 atomics at the
//   end of every segment of 16384 rows (so the float error is bounded by ~(256 + 64) ulps
//   of the |products| sum whatever n is); f64: float64 throughout, one flush at the end.
//   S splits add into the same tile.
//   Shared: 2 buffers * 2 operands * KC * 128 * sizeof(acc) = 32 KiB (f32 and f64), static.
//   Registers: 64 acc (+64 mid for f32) + 16 fragments + 4*KC/8*2 prefetch + indices
//   (__launch_bounds__(256, 1): one 8-warp block per SM, no spills; see ptxas-baseline.tsv).
//
// nc_mirror_upper_f64: grid ceil(d*d/256), block 256, one thread per element of c.
#include "nc_common.cuh"

#define NC_SYRK_TILE 128
#define NC_SYRK_KC_F32 16  // rows per K-step (f32)
#define NC_SYRK_KC_F64 8   // rows per K-step (f64: registers)
#define NC_SYRK_FOLD_ROWS 256   // rows between float acc -> float mid folds
#define NC_SYRK_SEG 16384       // rows per segment: mid -> c flush (float64 atomics) at its end

// Vector of V = 16 / sizeof(Acc) elements (float4 / double2) for 16-byte accesses.
template <class Acc> struct NcSyrkVec;
template <> struct NcSyrkVec<float> {
  typedef float4 type;
  static constexpr int V = 4, KC = NC_SYRK_KC_F32;
  NC_MEMBER static void put(float* dst, const type& v) { dst[0] = v.x; dst[1] = v.y; dst[2] = v.z; dst[3] = v.w; }
};
template <> struct NcSyrkVec<double> {
  typedef double2 type;
  static constexpr int V = 2, KC = NC_SYRK_KC_F64;
  NC_MEMBER static void put(double* dst, const type& v) { dst[0] = v.x; dst[1] = v.y; }
};

// Loads the 4 elements p[0..3] (columns col..col+3 of a row) into v, zero outside the
// matrix; vec: the 4 are 16-byte aligned vectors and all in range or all out (d % 4 == 0).
template <class Acc>
NC_DEV void nc_syrk_load4(const Acc* p, bool row_ok, int col, int d, bool vec, Acc* v) {
  typedef NcSyrkVec<Acc> VT;
  if (vec) {
    if (row_ok && col < d) {
#pragma unroll
      for (int h = 0; h < 4 / VT::V; ++h)
        VT::put(v + h * VT::V, __ldg(reinterpret_cast<const typename VT::type*>(p) + h));
    } else {
#pragma unroll
      for (int u = 0; u < 4; ++u) v[u] = Acc(0);
    }
  } else {
#pragma unroll
    for (int u = 0; u < 4; ++u) v[u] = (row_ok && col + u < d) ? __ldg(p + u) : Acc(0);
  }
}

// Adds the 8x8 register tile m to c (i <= j, in range).  Rows/columns of the thread:
// group g of V consecutive indices at g * 16V + (ty|tx) * V.
// The caller's loop-invariant indices pass through an empty volatile asm, so that the
// compiler cannot hoist the 64 addresses and bounds out of the main loop (they would hold
// registers for the whole loop).  c itself is left alone: it keeps its global address space.
NC_DEV void nc_syrk_opaque(int& v) {
#ifndef NC_HOST_EMU
  asm volatile("" : "+r"(v));
#endif
}

template <class Acc>
NC_DEV void nc_syrk_flush(const Acc (&m)[8][8], int i0, int j0, int tx, int ty, int d, double* __restrict__ c) {
  constexpr int V = NcSyrkVec<Acc>::V;
  nc_syrk_opaque(i0); nc_syrk_opaque(j0); nc_syrk_opaque(tx); nc_syrk_opaque(ty);
  nc_syrk_opaque(d);
#pragma unroll
  for (int a = 0; a < 8; ++a) {
    const int i = i0 + (a / V) * 16 * V + ty * V + a % V;
#pragma unroll
    for (int q = 0; q < 8; ++q) {
      const int j = j0 + (q / V) * 16 * V + tx * V + q % V;
      if (i < d && j < d && i <= j) atomicAdd(c + (long long)i * d + j, double(m[a][q]));
    }
  }
}

// One K-step: acc += A^T B over the KC staged rows.  Thread rows (columns): G = 8/V
// groups of V consecutive indices at g*16V + ty*V (tx*V).  DIAG (diagonal tile): the blocks
// with row group > column group lie wholly below the diagonal and are skipped.
template <class Acc, bool DIAG>
NC_DEV void nc_syrk_kstep(const Acc (*As)[NC_SYRK_TILE], const Acc (*Bs)[NC_SYRK_TILE], Acc (&acc)[8][8], int tx,
                          int ty) {
  typedef NcSyrkVec<Acc> VT;
  constexpr int V = VT::V, G = 8 / V;
#pragma unroll
  for (int kk = 0; kk < VT::KC; ++kk) {
    Acc av[8], bv[8];
#pragma unroll
    for (int g = 0; g < G; ++g) {
      VT::put(av + g * V, *reinterpret_cast<const typename VT::type*>(&As[kk][g * 16 * V + ty * V]));
      VT::put(bv + g * V, *reinterpret_cast<const typename VT::type*>(&Bs[kk][g * 16 * V + tx * V]));
    }
#pragma unroll
    for (int a = 0; a < 8; ++a)
#pragma unroll
      for (int q = 0; q < 8; ++q)
        if (!DIAG || a / V <= q / V) acc[a][q] += av[a] * bv[q];
  }
}

template <class Acc>
NC_DEV void syrk_tile(const Acc* __restrict__ xc, long long n, int d, double* __restrict__ c) {
  constexpr int KC = NcSyrkVec<Acc>::KC, H = KC / 8;  // H rows of the K-step loaded per thread
  constexpr bool FOLD = sizeof(Acc) < sizeof(double);
  __align__(16) __shared__ Acc As[2][KC][NC_SYRK_TILE];
  __align__(16) __shared__ Acc Bs[2][KC][NC_SYRK_TILE];
  const int T = (d + NC_SYRK_TILE - 1) / NC_SYRK_TILE;
  int b = blockIdx.x, ti = 0;
  while (b >= T - ti) { b -= T - ti; ++ti; }
  const int tj = ti + b;
  const bool diag = ti == tj;
  const int i0 = ti * NC_SYRK_TILE, j0 = tj * NC_SYRK_TILE;
  const long long per = (n + gridDim.y - 1) / gridDim.y;
  const long long r0 = (long long)blockIdx.y * per;
  const long long r1 = nc_llmin(n, r0 + per);
  if (r0 >= r1) return;  // whole block: no barrier is skipped by part of it
  const int t = threadIdx.x, tx = t % 16, ty = t / 16;
  const int lr = t / 32, lc = (t % 32) * 4;  // loader: rows lr + 8h of the K-step, first of 4 columns
  const bool vec = (d % 4) == 0 && (reinterpret_cast<unsigned long long>(xc) % 16) == 0;
  const long long kstep = (long long)KC * d, hstep = 8LL * d;

  Acc acc[8][8], mid[8][8];
#pragma unroll
  for (int a = 0; a < 8; ++a)
#pragma unroll
    for (int q = 0; q < 8; ++q) { acc[a][q] = Acc(0); mid[a][q] = Acc(0); }

  // Segments of NC_SYRK_SEG rows (float: bounds the float sums), each added to c at its end.
  const long long seg = FOLD ? (long long)NC_SYRK_SEG : r1 - r0;
  for (long long s0 = r0; s0 < r1; s0 += seg) {
    const long long s1 = nc_llmin(r1, s0 + seg);
    const Acc* pa = xc + (s0 + lr) * d + i0 + lc;
    const Acc* pb = xc + (s0 + lr) * d + j0 + lc;
    Acc la[H][4], lb[H][4];
#pragma unroll
    for (int h = 0; h < H; ++h) {
      nc_syrk_load4(pa + h * hstep, s0 + lr + 8 * h < s1, i0 + lc, d, vec, la[h]);
      nc_syrk_load4(pb + h * hstep, s0 + lr + 8 * h < s1, j0 + lc, d, vec, lb[h]);
#pragma unroll
      for (int u = 0; u < 4; ++u) { As[0][lr + 8 * h][lc + u] = la[h][u]; Bs[0][lr + 8 * h][lc + u] = lb[h][u]; }
    }
    __syncthreads();

    int cur = 0, rows = 0;
    for (long long r = s0; r < s1; r += KC) {
      const bool more = r + KC < s1;
      if (more) {  // prefetch the next K-step into registers while this one is computed
        pa += kstep; pb += kstep;
#pragma unroll
        for (int h = 0; h < H; ++h) {
          const bool ok = r + KC + lr + 8 * h < s1;
          nc_syrk_load4(pa + h * hstep, ok, i0 + lc, d, vec, la[h]);
          nc_syrk_load4(pb + h * hstep, ok, j0 + lc, d, vec, lb[h]);
        }
      }
      if (diag) nc_syrk_kstep<Acc, true>(As[cur], Bs[cur], acc, tx, ty);
      else nc_syrk_kstep<Acc, false>(As[cur], Bs[cur], acc, tx, ty);
      if (more) {
#pragma unroll
        for (int h = 0; h < H; ++h)
#pragma unroll
          for (int u = 0; u < 4; ++u) {
            As[cur ^ 1][lr + 8 * h][lc + u] = la[h][u];
            Bs[cur ^ 1][lr + 8 * h][lc + u] = lb[h][u];
          }
      }
      __syncthreads();
      cur ^= 1;
      rows += KC;
      if (FOLD && rows == NC_SYRK_FOLD_ROWS) {  // float: fold acc into mid every 256 rows
        rows = 0;
#pragma unroll
        for (int a = 0; a < 8; ++a)
#pragma unroll
          for (int q = 0; q < 8; ++q) { mid[a][q] += acc[a][q]; acc[a][q] = Acc(0); }
      }
    }
    if (FOLD) {
#pragma unroll
      for (int a = 0; a < 8; ++a)
#pragma unroll
        for (int q = 0; q < 8; ++q) { mid[a][q] += acc[a][q]; acc[a][q] = Acc(0); }
      nc_syrk_flush<Acc>(mid, i0, j0, tx, ty, d, c);
#pragma unroll
      for (int a = 0; a < 8; ++a)
#pragma unroll
        for (int q = 0; q < 8; ++q) mid[a][q] = Acc(0);
    } else {
      nc_syrk_flush<Acc>(acc, i0, j0, tx, ty, d, c);
    }
  }
}

extern "C" __global__ void __launch_bounds__(256, 1) nc_syrk_f32(const float* xc, long long n, int d, double* c) {
  syrk_tile<float>(xc, n, d, c);
}
extern "C" __global__ void __launch_bounds__(256, 1) nc_syrk_f64(const double* xc, long long n, int d, double* c) {
  syrk_tile<double>(xc, n, d, c);
}

extern "C" __global__ void nc_mirror_upper_f64(double* c, int d) {
  const long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  const long long dd = (long long)d * d;
  if (e >= dd) return;
  const long long i = e / d, j = e % d;  // element (i, j) with i > j takes c[j][i]
  if (i > j) c[e] = c[j * d + i];
}
