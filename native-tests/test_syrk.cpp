// Drivers for cuda/syrk.cu: upper-triangle tiles of xc^T xc (lower triangle untouched),
// then the mirror; f32 and f64; row splits from the ABI rule and a single split long
// enough to fold float accumulators (and, at 17000 rows, to flush two segments).
#include "nc_test.h"
#include "../cuda/syrk.cu"

namespace nc_test {

void test_syrk() {
  Rng rng(0x5E4C);
  struct Case { long long n; int d; int splits; } cases[] = {  // splits 0: the ABI's rule
      {0, 5, 0}, {1, 1, 0}, {3, 2, 0}, {17, 65, 0}, {1100, 3, 0}, {40, 130, 0}, {600, 5, 1}, {50, 64, 3},
      {40, 260, 0}, {33, 131, 2}, {300, 128, 1}, {17000, 4, 1}, {9, 256, 2}};  // d % 4 == 0: 16-byte loads; 17000: two 16384-row segments
  for (auto cs : cases) {
    const long long n = cs.n;
    const int d = cs.d;
    const int T = int(cdiv(d, 128)), tiles = T * (T + 1) / 2;
    const int S = cs.splits ? cs.splits
                            : int(std::max<long long>(1, std::min<long long>(cdiv(n, 256), 8LL * sms() / tiles)));
    std::vector<float> xf = rng.floats(size_t(n) * d);
    std::vector<double> xd(xf.begin(), xf.end());
    std::vector<double> c0 = rng.doubles(size_t(d) * d);  // existing totals, lower triangle included
    std::vector<double> want = c0, scale(size_t(d) * d, 0.0);
    for (long long r = 0; r < n; ++r)
      for (int i = 0; i < d; ++i)
        for (int j = i; j < d; ++j) {
          want[size_t(i) * d + j] += xd[size_t(r) * d + i] * xd[size_t(r) * d + j];
          scale[size_t(i) * d + j] += std::fabs(xd[size_t(r) * d + i] * xd[size_t(r) * d + j]);
        }
    for (int i = 0; i < d; ++i)
      for (int j = 0; j < d; ++j) scale[size_t(i) * d + j] += std::fabs(c0[size_t(i) * d + j]);
    const std::string shp = shape({{"n", n}, {"d", d}, {"S", S}});
    double* dc = dev_alloc<double>(size_t(d) * d);
    float* dxf = dev_from(xf);
    double* dxd = dev_from(xd);
    for (int f64 = 0; f64 < 2; ++f64) {
      dev_put(dc, c0);
      const char* kern = f64 ? "nc_syrk_f64" : "nc_syrk_f32";
      if (f64) NC_LAUNCH(nc_syrk_f64, dim3(tiles, S), dim3(256), 0, dxd, n, d, dc);
      else NC_LAUNCH(nc_syrk_f32, dim3(tiles, S), dim3(256), 0, dxf, n, d, dc);
      std::vector<double> got = dev_get(dc, size_t(d) * d);
      check(kern, shp, "c (upper triangle added, lower untouched)", got.data(), want.data(), got.size(),
            f64 ? 1e-13 : 2e-6, 1e-12, scale.data());
      NC_LAUNCH(nc_mirror_upper_f64, dim3(unsigned(cdiv((long long)d * d, 256))), dim3(256), 0, dc, d);
      got = dev_get(dc, size_t(d) * d);
      std::vector<double> sym = want, ssym = scale;
      for (int i = 0; i < d; ++i)
        for (int j = 0; j < i; ++j) { sym[size_t(i) * d + j] = want[size_t(j) * d + i]; ssym[size_t(i) * d + j] = scale[size_t(j) * d + i]; }
      check(std::string(kern) + " + nc_mirror_upper_f64", shp, "c", got.data(), sym.data(), got.size(),
            f64 ? 1e-13 : 2e-6, 1e-12, ssym.data());
    }
    dev_free(dc); dev_free(dxf); dev_free(dxd);
  }
}

}  // namespace nc_test
