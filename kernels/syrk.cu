// syrk.cu: covariance accumulation C += xc^T xc on the centred batch (n x d, row-major),
// upper-triangle tiles only, then a mirror kernel.
//
// Math: c[i][j] += sum over rows r of xc[r][i] * xc[r][j], written for i <= j only
// (tiles with i-tile <= j-tile, and within a diagonal tile the entries with i <= j);
// nc_mirror_upper_f64 then sets c[j][i] = c[i][j] for i < j.
//
// nc_syrk_f32 / nc_syrk_f64
//   launch: tile 64x64, block 256, grid (T(T+1)/2, S), T = ceil(d/64),
//           S = max(1, min(ceil(n/256), 8*SMs / (T(T+1)/2))).
//   blockIdx.x enumerates the upper-triangle tile pairs (ti <= tj) row by row;
//   blockIdx.y is a row split: rows [s*ceil(n/S), (s+1)*ceil(n/S)).
//   The block walks its rows in chunks of 16: it stages xc[rows][ti-tile] and
//   xc[rows][tj-tile] in shared memory (coalesced along the row), and each thread
//   accumulates a 4x4 sub-tile (rows ty+16a, columns tx+16b; tx = t%16, ty = t/16).
//   f32: products are accumulated in float32 registers and folded into float64 registers
//   every 256 rows (bounded float error for long splits); f64: float64 throughout.
//   At the end, each of the block's outputs is added to c with one float64 atomicAdd
//   (S splits add into the same tile).
//   Shared: 2 * 16 * 64 * sizeof(acc) = 8 KiB (f32) / 16 KiB (f64), static.
//   Registers: 16 acc (+16 double folds for f32) + indices.
//
// nc_mirror_upper_f64: grid ceil(d*d/256), block 256, one thread per element of c.
#include "nc_common.cuh"

#define NC_SYRK_TILE 64
#define NC_SYRK_KC 16
#define NC_SYRK_FOLD 256  // rows between float->double folds (f32)

template <class Acc>
NC_DEV void syrk_tile(const Acc* __restrict__ xc, long long n, int d, double* __restrict__ c) {
  __shared__ Acc As[NC_SYRK_KC][NC_SYRK_TILE];
  __shared__ Acc Bs[NC_SYRK_KC][NC_SYRK_TILE];
  const int T = (d + NC_SYRK_TILE - 1) / NC_SYRK_TILE;
  int b = blockIdx.x, ti = 0;
  while (b >= T - ti) { b -= T - ti; ++ti; }
  const int tj = ti + b;
  const int i0 = ti * NC_SYRK_TILE, j0 = tj * NC_SYRK_TILE;
  const long long per = (n + gridDim.y - 1) / gridDim.y;
  const long long r0 = (long long)blockIdx.y * per;
  const long long r1 = nc_llmin(n, r0 + per);
  const int t = threadIdx.x, tx = t % 16, ty = t / 16;
  const int lc = t % NC_SYRK_TILE, lr = t / NC_SYRK_TILE;  // loader: column, first row

  Acc acc[4][4];
  double tot[4][4];
  for (int a = 0; a < 4; ++a)
    for (int q = 0; q < 4; ++q) { acc[a][q] = Acc(0); tot[a][q] = 0.0; }

  int since_fold = 0;
  for (long long r = r0; r < r1; r += NC_SYRK_KC) {
    for (int rr = lr; rr < NC_SYRK_KC; rr += 256 / NC_SYRK_TILE) {
      const long long row = r + rr;
      const bool ok = row < r1;
      As[rr][lc] = (ok && i0 + lc < d) ? __ldg(xc + row * d + i0 + lc) : Acc(0);
      Bs[rr][lc] = (ok && j0 + lc < d) ? __ldg(xc + row * d + j0 + lc) : Acc(0);
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < NC_SYRK_KC; ++kk) {
      Acc av[4], bv[4];
      for (int a = 0; a < 4; ++a) av[a] = As[kk][ty + 16 * a];
      for (int q = 0; q < 4; ++q) bv[q] = Bs[kk][tx + 16 * q];
      for (int a = 0; a < 4; ++a)
        for (int q = 0; q < 4; ++q) acc[a][q] += av[a] * bv[q];
    }
    __syncthreads();
    since_fold += NC_SYRK_KC;
    if (sizeof(Acc) < sizeof(double) && since_fold >= NC_SYRK_FOLD) {
      since_fold = 0;
      for (int a = 0; a < 4; ++a)
        for (int q = 0; q < 4; ++q) { tot[a][q] += double(acc[a][q]); acc[a][q] = Acc(0); }
    }
  }
  for (int a = 0; a < 4; ++a)
    for (int q = 0; q < 4; ++q) {
      const int i = i0 + ty + 16 * a, j = j0 + tx + 16 * q;
      const double v = tot[a][q] + double(acc[a][q]);
      if (i < d && j < d && i <= j && r0 < r1) atomicAdd(c + (long long)i * d + j, v);
    }
}

extern "C" __global__ void nc_syrk_f32(const float* xc, long long n, int d, double* c) {
  syrk_tile<float>(xc, n, d, c);
}
extern "C" __global__ void nc_syrk_f64(const double* xc, long long n, int d, double* c) {
  syrk_tile<double>(xc, n, d, c);
}

extern "C" __global__ void nc_mirror_upper_f64(double* c, int d) {
  const long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  const long long dd = (long long)d * d;
  if (e >= dd) return;
  const long long i = e / d, j = e % d;  // element (i, j) with i > j takes c[j][i]
  if (i > j) c[e] = c[j * d + i];
}
