// centre.cu: centre a batch on its class means and accumulate the variance norms,
// in one read of the batch.
//
// Math: xc[i][j] = x[i][j] - means[y[i]][j];  varnorm_sums[y[i]] += ||xc[i]||^2.
// (v_c = varnorm_sums[c] / n_c is formed on the host after the last batch.)
// _f32: the difference is taken in float32 (the mean rounded to float) and xc is float;
//       the squared norm is summed in float32 per row, then added to the float64 total.
// _f64: everything in float64, xc is double.
//
// Launch: block 256 = 8 warps, one warp per row, grid = ceil(n/8), grid-stride over rows
// (any grid works).  Lanes stride over the row's columns (coalesced loads of x, means and
// stores of xc); the row's squared norm is reduced with a xor-shuffle butterfly and lane 0
// does one float64 atomicAdd per row.  No shared memory; registers: a handful.
#include "nc_common.cuh"

template <class Acc>
NC_DEV void centre(const float* __restrict__ x, const int* __restrict__ y, long long n, int d,
                   const double* __restrict__ means, Acc* __restrict__ xc, double* __restrict__ varnorm_sums) {
  const int lane = threadIdx.x % NC_WARP;
  const int wpb = blockDim.x / NC_WARP;
  for (long long row = (long long)blockIdx.x * wpb + threadIdx.x / NC_WARP; row < n;
       row += (long long)gridDim.x * wpb) {
    const int c = __ldg(y + row);
    const float* xr = x + row * d;
    const double* mr = means + (long long)c * d;
    Acc* out = xc + row * d;
    Acc ss = Acc(0);
    for (int j = lane; j < d; j += NC_WARP) {
      const Acc v = Acc(__ldg(xr + j)) - Acc(__ldg(mr + j));
      out[j] = v;
      ss += v * v;
    }
    ss = nc_warp_sum(ss);
    if (lane == 0) atomicAdd(varnorm_sums + c, double(ss));
  }
}

extern "C" __global__ void nc_centre_f32(const float* x, const int* y, long long n, int d, const double* means,
                                         float* xc, double* varnorm_sums) {
  centre<float>(x, y, n, d, means, xc, varnorm_sums);
}
extern "C" __global__ void nc_centre_f64(const float* x, const int* y, long long n, int d, const double* means,
                                         double* xc, double* varnorm_sums) {
  centre<double>(x, y, n, d, means, xc, varnorm_sums);
}
