// decisions.cu: NC4 agreement of the nearest-class-centre and the linear classifier.
//
// Math, per row x (true label y) over the c candidate classes (cand, ascending ids):
//   ncc = argmin_q ||mu_q||^2 - 2 x.mu_q   (= argmin ||x - mu_q||^2)
//   lin = argmax_q w_q.x + b_q             (b = 0 when bias is null)
//   ties go to the lowest index (strict comparisons in ascending candidate order);
//   counts[y] += 1, hits[y] += (cand[ncc] == cand[lin]).
// _f32: means/weights/bias are float and the scores are computed in float32; a near tie
//   (runner-up within 1e-4 of the best, relative to the scale of the scores: ||x||^2 +
//   |s| for ncc, sum |w_l x_l| + |b| for lin) is rechecked over all candidates in float64,
//   ncc with ||x - mu_q||^2 formed directly from the differences.
// _f64: means/weights/bias are double, scores in float64, near ties within 1e-12 rechecked
//   the same way.
// The ncc score is accumulated as sum_l mu_l (mu_l - 2 x_l), so ||mu||^2 needs no separate
// pass or buffer.
//
// Launch: block 256 = 8 warps, one warp per row, grid = ceil(n/8), grid-stride over rows.
// Lanes stride over the columns; each candidate's three partial sums are reduced with a
// xor butterfly (every lane gets the same bits); the decision is broadcast from lane 0.
// Lane 0 does the two unsigned long long atomicAdds per row.  No shared memory;
// registers: the running best/second-best of both classifiers + accumulators.
#include "nc_common.cuh"

template <class M>
NC_DEV void decisions(const float* __restrict__ x, const int* __restrict__ y, long long n, int d,
                      const M* __restrict__ means, const M* __restrict__ weights, const M* __restrict__ bias,
                      const int* __restrict__ cand, int c, unsigned long long* __restrict__ hits,
                      unsigned long long* __restrict__ counts, double tol) {
  const int lane = threadIdx.x % NC_WARP;
  const int wpb = blockDim.x / NC_WARP;
  if (c <= 0) return;  // no barrier in this kernel
  for (long long row = (long long)blockIdx.x * wpb + threadIdx.x / NC_WARP; row < n;
       row += (long long)gridDim.x * wpb) {
    const float* xr = x + row * d;
    M xx = M(0);
    for (int j = lane; j < d; j += NC_WARP) { const M v = M(__ldg(xr + j)); xx += v * v; }
    xx = nc_warp_sum(xx);
    // best (1) and runner-up (2) scores with their scales, for both classifiers
    M n1 = M(INFINITY), n2 = M(INFINITY), gn1 = M(0), gn2 = M(0);
    M l1 = M(-INFINITY), l2 = M(-INFINITY), gl1 = M(0), gl2 = M(0);
    int bn = 0, bl = 0;
    for (int q = 0; q < c; ++q) {
      const M* mq = means + (long long)q * d;
      const M* wq = weights + (long long)q * d;
      M sn = M(0), sl = M(0), al = M(0);
      for (int j = lane; j < d; j += NC_WARP) {
        const M xv = M(__ldg(xr + j)), mv = __ldg(mq + j), wv = __ldg(wq + j);
        sn += mv * (mv - M(2) * xv);
        sl += wv * xv;
        al += fabs(wv * xv);
      }
      sn = nc_warp_sum(sn);
      sl = nc_warp_sum(sl);
      al = nc_warp_sum(al);
      if (bias != nullptr) { const M b = __ldg(bias + q); sl += b; al += fabs(b); }
      const M gn = xx + fabs(sn);
      if (sn < n1) { n2 = n1; gn2 = gn1; n1 = sn; gn1 = gn; bn = q; }
      else if (sn < n2) { n2 = sn; gn2 = gn; }
      if (sl > l1) { l2 = l1; gl2 = gl1; l1 = sl; gl1 = al; bl = q; }
      else if (sl > l2) { l2 = sl; gl2 = al; }
    }
    // Lane 0 decides; all lanes follow (keeps the warp's control flow uniform).
    const int near_n = __shfl_sync(NC_FULL_MASK, (int)(double(n2) - double(n1) <= tol * double(gn1 + gn2)), 0);
    const int near_l = __shfl_sync(NC_FULL_MASK, (int)(double(l1) - double(l2) <= tol * double(gl1 + gl2)), 0);
    bn = __shfl_sync(NC_FULL_MASK, bn, 0);
    bl = __shfl_sync(NC_FULL_MASK, bl, 0);
    if (near_n) {
      double best = 0.0;
      for (int q = 0; q < c; ++q) {
        const M* mq = means + (long long)q * d;
        double s = 0.0;
        for (int j = lane; j < d; j += NC_WARP) {
          const double df = double(__ldg(xr + j)) - double(__ldg(mq + j));
          s += df * df;
        }
        s = nc_warp_sum(s);
        if (q == 0 || s < best) { best = s; bn = q; }
      }
      bn = __shfl_sync(NC_FULL_MASK, bn, 0);
    }
    if (near_l) {
      double best = 0.0;
      for (int q = 0; q < c; ++q) {
        const M* wq = weights + (long long)q * d;
        double s = 0.0;
        for (int j = lane; j < d; j += NC_WARP) s += double(__ldg(wq + j)) * double(__ldg(xr + j));
        s = nc_warp_sum(s);
        if (bias != nullptr) s += double(__ldg(bias + q));
        if (q == 0 || s > best) { best = s; bl = q; }
      }
      bl = __shfl_sync(NC_FULL_MASK, bl, 0);
    }
    if (lane == 0) {
      const int lab = __ldg(y + row);
      atomicAdd(counts + lab, 1ull);
      if (bn == bl) atomicAdd(hits + lab, 1ull);
    }
  }
}

extern "C" __global__ void nc_decisions_f32(const float* x, const int* y, long long n, int d, const void* means,
                                            const void* weights, const void* bias, const int* cand, int c,
                                            unsigned long long* hits, unsigned long long* counts) {
  decisions<float>(x, y, n, d, (const float*)means, (const float*)weights, (const float*)bias, cand, c, hits,
                   counts, 1e-4);
}
extern "C" __global__ void nc_decisions_f64(const float* x, const int* y, long long n, int d, const void* means,
                                            const void* weights, const void* bias, const int* cand, int c,
                                            unsigned long long* hits, unsigned long long* counts) {
  decisions<double>(x, y, n, d, (const double*)means, (const double*)weights, (const double*)bias, cand, c,
                    hits, counts, 1e-12);
}
