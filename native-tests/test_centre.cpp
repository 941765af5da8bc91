// Drivers for kernels/centre.cu (centred batch + variance norms), f32 and f64.
#include "nc_test.h"
#include "../kernels/centre.cu"

namespace nc_test {

void test_centre() {
  Rng rng(0xCE27E);
  struct Case { long long n; int d, k; } cases[] = {
      {0, 3, 2}, {1, 1, 1}, {37, 1, 3}, {129, 33, 5}, {200, 70, 300}, {65, 257, 2}};
  for (auto cs : cases) {
    const long long n = cs.n;
    const int d = cs.d, k = cs.k;
    std::vector<float> x = rng.floats(size_t(n) * d, 2.0, 1.0);
    std::vector<int> y = rng.labels(size_t(n), k);
    std::vector<double> means = rng.doubles(size_t(k) * d, 1.0, 1.0);
    std::vector<double> want_xc(size_t(n) * d), scale_xc(size_t(n) * d);
    std::vector<double> v0(k), want_v(k), scale_v(k, 0.0);
    for (int c = 0; c < k; ++c) v0[c] = want_v[c] = 0.25 * c;
    for (long long r = 0; r < n; ++r)
      for (int j = 0; j < d; ++j) {
        const size_t e = size_t(r) * d + j;
        const double m = means[size_t(y[r]) * d + j];
        want_xc[e] = double(x[e]) - m;
        scale_xc[e] = std::fabs(x[e]) + std::fabs(m);
        want_v[y[r]] += want_xc[e] * want_xc[e];
        scale_v[y[r]] += scale_xc[e] * scale_xc[e];
      }
    float* dx = dev_from(x);
    int* dy = dev_from(y);
    double* dm = dev_from(means);
    double* dv = dev_alloc<double>(k);
    const std::string shp = shape({{"n", n}, {"d", d}, {"k", k}});
    const dim3 grid(unsigned(std::max<long long>(1, cdiv(n, 8))));
    for (int f64 = 0; f64 < 2; ++f64) {
      dev_put(dv, v0);
      std::vector<double> got_xc;
      if (f64) {
        double* dxc = dev_alloc<double>(size_t(n) * d);
        NC_LAUNCH(nc_centre_f64, grid, dim3(256), 0, dx, dy, n, d, dm, dxc, dv);
        got_xc = dev_get(dxc, size_t(n) * d);
        dev_free(dxc);
      } else {
        float* dxc = dev_alloc<float>(size_t(n) * d);
        NC_LAUNCH(nc_centre_f32, grid, dim3(256), 0, dx, dy, n, d, dm, dxc, dv);
        std::vector<float> g = dev_get(dxc, size_t(n) * d);
        got_xc.assign(g.begin(), g.end());
        dev_free(dxc);
      }
      const char* kern = f64 ? "nc_centre_f64" : "nc_centre_f32";
      const double rtol = f64 ? 1e-14 : 2e-7;
      std::vector<double> got_v = dev_get(dv, size_t(k));
      check(kern, shp, "xc", got_xc.data(), want_xc.data(), got_xc.size(), rtol, 0.0, scale_xc.data());
      check(kern, shp, "varnorm_sums", got_v.data(), want_v.data(), got_v.size(), f64 ? 1e-13 : 2e-6, 1e-12,
            scale_v.data());
    }
    dev_free(dx); dev_free(dy); dev_free(dm); dev_free(dv);
  }
}

}  // namespace nc_test
