// Drivers for cuda/centre.cu (centred batch + variance norms + counts), f32 and f64:
// with and without the centred output (xc null = variance norms only), float4 and scalar
// paths (d % 4, x offset by one float), k below and above the shared-memory limit, random,
// sorted and one-class labels, and grids from one block to one row per warp (runs that
// cross warp and block boundaries).  Offset cases (x and the means at 10^4 or 10^6 + O(1)) hold
// the centred values to their own size, |x - m|: the f32 difference must be rounded once.
#include "nc_test.h"
#include "../cuda/centre.cu"

namespace nc_test {
namespace {

enum Labels { RANDOM, SORTED, ONE_CLASS };
const char* label_name(int m) { return m == RANDOM ? "random" : m == SORTED ? "sorted" : "one-class"; }

struct Case { long long n; int d, k; };

void run_case(Rng& rng, const Case& cs, int mode, double offset = 0.0) {
  const long long n = cs.n;
  const int d = cs.d, k = cs.k;
  std::vector<float> x = rng.floats(size_t(n) * d, 2.0, offset + 1.0);
  std::vector<int> y = rng.labels(size_t(n), k);
  if (mode == SORTED) std::sort(y.begin(), y.end());
  if (mode == ONE_CLASS) std::fill(y.begin(), y.end(), k - 1);
  std::vector<double> means = rng.doubles(size_t(k) * d, 1.0, offset + 1.0);
  std::vector<double> want_xc(size_t(n) * d), scale_xc(size_t(n) * d);
  std::vector<double> v0(k), want_v(k), scale_v(k, 0.0);
  std::vector<unsigned long long> c0(k), want_c(k);
  for (int c = 0; c < k; ++c) { v0[c] = want_v[c] = 0.25 * c; c0[c] = want_c[c] = 3 + c; }
  for (long long r = 0; r < n; ++r) {
    want_c[y[r]]++;
    for (int j = 0; j < d; ++j) {
      const size_t e = size_t(r) * d + j;
      const double m = means[size_t(y[r]) * d + j];
      want_xc[e] = double(x[e]) - m;
      scale_xc[e] = offset != 0.0 ? std::fabs(want_xc[e]) : std::fabs(x[e]) + std::fabs(m);
      want_v[y[r]] += want_xc[e] * want_xc[e];
      scale_v[y[r]] += scale_xc[e] * scale_xc[e];
    }
  }
  // x at an aligned address and at one float past it (not 16-byte aligned)
  std::vector<float> xm(x.size() + 1, 0.f);
  std::copy(x.begin(), x.end(), xm.begin() + 1);
  float* dxm = dev_from(xm);
  float* dx = dev_from(x);
  int* dy = dev_from(y);
  double* dm = dev_from(means);
  double* dv = dev_alloc<double>(k);
  unsigned long long* dc = dev_alloc<unsigned long long>(k);
  const std::string shp = shape({{"n", n}, {"d", d}, {"k", k}}) + " " + label_name(mode) +
                          (offset != 0.0 ? " offset " + std::to_string(offset) : "");
  // ABI: dynamic shared 16*k bytes when k <= NC_CENTRE_SHARED_K
  const size_t smem = k <= NC_CENTRE_SHARED_K ? size_t(k) * 16 : 0;
  const long long abi_grid = std::max<long long>(1, std::min<long long>(cdiv(n, 8), 4 * sms()));
  for (int f64 = 0; f64 < 2; ++f64) {
    for (int with_xc = 0; with_xc < 2; ++with_xc) {
      if (with_xc && mode != RANDOM) continue;  // the stores do not depend on the label order
      for (int mis = 0; mis < 2; ++mis) {
        if (mis && d % 4 != 0) continue;  // misalignment only changes the path when d % 4 == 0
        // other grids (any grid works): one block, and one row per warp
        std::vector<long long> grids = {abi_grid};
        if (!f64 && !mis && !with_xc) { grids.push_back(1); grids.push_back(std::max<long long>(1, cdiv(n, 8))); }
        for (long long g : grids) {
          dev_put(dv, v0);
          dev_put(dc, c0);
          const float* xp = mis ? dxm + 1 : dx;
          const dim3 grid{unsigned(g)};
          std::vector<double> got_xc;
          if (f64) {
            double* dxc = with_xc ? dev_alloc<double>(size_t(n) * d) : nullptr;
            NC_LAUNCH(nc_centre_f64, grid, dim3(256), smem, xp, dy, n, d, k, dm, dxc, dv, dc);
            if (dxc) { got_xc = dev_get(dxc, size_t(n) * d); dev_free(dxc); }
          } else {
            float* dxc = with_xc ? dev_alloc<float>(size_t(n) * d) : nullptr;
            NC_LAUNCH(nc_centre_f32, grid, dim3(256), smem, xp, dy, n, d, k, dm, dxc, dv, dc);
            if (dxc) {
              std::vector<float> gf = dev_get(dxc, size_t(n) * d);
              got_xc.assign(gf.begin(), gf.end());
              dev_free(dxc);
            }
          }
          const std::string kern = std::string(f64 ? "nc_centre_f64" : "nc_centre_f32") +
                                   (with_xc ? "" : " (xc null)") + (mis ? " (unaligned x)" : "") +
                                   " grid " + std::to_string(g);
          const double rtol = f64 ? 1e-14 : 2e-7;
          if (with_xc) check(kern, shp, "xc", got_xc.data(), want_xc.data(), got_xc.size(), rtol, 0.0, scale_xc.data());
          std::vector<double> got_v = dev_get(dv, size_t(k));
          std::vector<unsigned long long> got_c = dev_get(dc, size_t(k));
          check(kern, shp, "varnorm_sums", got_v.data(), want_v.data(), got_v.size(), f64 ? 1e-13 : 2e-6, 1e-12,
                scale_v.data());
          check_u64(kern, shp, "counts", got_c.data(), want_c.data(), size_t(k));
        }
      }
    }
  }
  dev_free(dx); dev_free(dxm); dev_free(dy); dev_free(dm); dev_free(dv); dev_free(dc);
}

}  // namespace

void test_centre() {
  Rng rng(0xCE27E);
  const Case cases[] = {
      {0, 3, 2},       // zero-row batch
      {1, 1, 1},       // K = 1, D = 1, one row
      {1, 8, 3},       // one row, float4 path
      {37, 1, 3},      // D = 1
      {129, 33, 5},    // sizes off every tile
      {200, 70, 300},  // K > block size, some classes absent
      {65, 257, 2},    // D > block size
      {300, 12, 7},    // float4, d/4 = 3 vectors a row
      {517, 520, 3},   // float4, 130 vectors a row: two unrolled rounds, the second partial
      {300, 8, 1100},  // K above the shared-memory limit
      {500, 16, 1030}, // K above the limit, runs across warps and blocks
      {600, 4, 1024},  // K at the limit (16 KiB of shared partials)
  };
  for (const Case& c : cases)
    for (int mode = RANDOM; mode <= ONE_CLASS; ++mode) run_case(rng, c, mode);
  // far from the origin: K = 1, 2, 3, D = 1, n = 0, float4 and scalar paths
  const Case offset_cases[] = {{0, 3, 2}, {1, 1, 1}, {37, 1, 3}, {129, 33, 5}, {300, 12, 7}};
  for (double offset : {1e4, 1e6})
    for (const Case& c : offset_cases) run_case(rng, c, RANDOM, offset);
}

}  // namespace nc_test
