// Drivers for cuda/class_sums.cu: small (shared partials), large (run-length sums per
// warp, float4 and scalar), sorted (deterministic) paths, f32 and f64, against a naive double
// reference.  The large path also runs on sorted and one-class labels and on grids from one
// block to one row per warp (runs crossing warp, block and column-chunk boundaries).
// Offset cases (x = 10^4 or 10^6 + O(1), random labels) hold every path to an error bound of
// the data's spread, sum |x - offset|, not of their magnitude: the f32 partials about a
// reference row must lose nothing beyond the inputs' own bits.
#include "nc_test.h"
#include "../cuda/class_sums.cu"

namespace nc_test {
namespace {

struct Case { long long n; int d, k; };

enum Labels { RANDOM, SORTED, ONE_CLASS };
const char* label_name(int m) { return m == RANDOM ? "random" : m == SORTED ? "sorted" : "one-class"; }

void run_case(Rng& rng, const Case& cs, int mode, double offset = 0.0) {
  const long long n = cs.n;
  const int d = cs.d, k = cs.k;
  std::vector<float> x = rng.floats(size_t(n) * d, 1.0, offset + 0.5);
  std::vector<int> y = rng.labels(size_t(n), k);
  if (mode == SORTED) std::sort(y.begin(), y.end());
  if (mode == ONE_CLASS) std::fill(y.begin(), y.end(), k / 2);
  // reference: starting from non-zero totals (kernels add, never overwrite)
  std::vector<double> sums0(size_t(k) * d), want(size_t(k) * d), scale(size_t(k) * d, 0.0);
  std::vector<unsigned long long> counts0(k), wantc(k);
  for (size_t i = 0; i < sums0.size(); ++i) sums0[i] = want[i] = double(i % 7) - 3.0;
  for (int c = 0; c < k; ++c) counts0[c] = wantc[c] = 5 + c;
  for (long long r = 0; r < n; ++r)
    for (int j = 0; j < d; ++j) {
      want[size_t(y[r]) * d + j] += x[size_t(r) * d + j];
      scale[size_t(y[r]) * d + j] += std::fabs(double(x[size_t(r) * d + j]) - offset);
    }
  for (long long r = 0; r < n; ++r) wantc[y[r]]++;
  // sorted order and segments
  std::vector<int> order(n);
  for (long long r = 0; r < n; ++r) order[r] = int(r);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return y[a] < y[b]; });
  std::vector<long long> seg(k + 1, 0);
  for (long long r = 0; r < n; ++r) seg[y[r] + 1]++;
  for (int c = 0; c < k; ++c) seg[c + 1] += seg[c];

  // x at an aligned address, and a copy at a 4-byte (not 16-byte) aligned address
  float* dx = dev_from(x);
  float* dxm_base = dev_alloc<float>(x.size() + 1);
  std::vector<float> xm(x.size() + 1, 0.f);
  std::copy(x.begin(), x.end(), xm.begin() + 1);
  dev_put(dxm_base, xm);
  int* dy = dev_from(y);
  int* dorder = dev_from(order);
  long long* dseg = dev_from(seg);
  double* dsums = dev_alloc<double>(sums0.size());
  unsigned long long* dcounts = dev_alloc<unsigned long long>(k);

  const std::string shp = shape({{"n", n}, {"d", d}, {"k", k}}) + " " + label_name(mode) +
                          (offset != 0.0 ? " offset " + std::to_string(offset) : "");
  auto verify = [&](const std::string& kern, double rtol) {
    std::vector<double> got = dev_get(dsums, sums0.size());
    std::vector<unsigned long long> gotc = dev_get(dcounts, size_t(k));
    check(kern, shp, "sums", got.data(), want.data(), got.size(), rtol, 1e-12, scale.data());
    check_u64(kern, shp, "counts", gotc.data(), wantc.data(), size_t(k));
  };
  auto reset = [&] { dev_put(dsums, sums0); dev_put(dcounts, counts0); };

  for (int f64 = 0; f64 < 2; ++f64) {
    const size_t acc = f64 ? sizeof(double) : sizeof(float);
    const double rtol = f64 ? 1e-13 : 2e-6;
    // small: block 256, grid min(ceil(n/256), 4*SMs) >= 1, dynamic shared k*d*acc + 4k (+ 4k for f32)
    const size_t smem = size_t(k) * d * acc + size_t(k) * 4 + (f64 ? 0 : size_t(k) * 4);
    if (smem <= 48 * 1024 && mode == RANDOM) {
      dim3 grid(unsigned(std::max<long long>(1, std::min<long long>(cdiv(n, 256), 4 * sms()))));
      // aligned x (float4 path when d % 4 == 0) and misaligned x (scalar path)
      for (int mis = 0; mis < 2; ++mis) {
        if (mis && d % 4 != 0) continue;
        const float* xp = mis ? dxm_base + 1 : dx;
        reset();
        if (f64) NC_LAUNCH(nc_class_sums_small_f64, grid, dim3(256), smem, xp, dy, n, d, k, dsums, dcounts);
        else NC_LAUNCH(nc_class_sums_small_f32, grid, dim3(256), smem, xp, dy, n, d, k, dsums, dcounts);
        verify(std::string(f64 ? "nc_class_sums_small_f64" : "nc_class_sums_small_f32") + (mis ? " (unaligned x)" : ""),
               rtol);
      }
    }
    // large: block 256, grid max(1, min(ceil(n/8), 3*SMs)), aligned and misaligned x; f32 also
    // on one block and (small n) on one row per warp (any grid works)
    const long long abi_grid = std::max<long long>(1, std::min<long long>(cdiv(n, 8), 3 * sms()));
    std::vector<long long> grids = {abi_grid};
    if (!f64) grids.push_back(1);
    if (!f64 && n <= 600) grids.push_back(std::max<long long>(1, cdiv(n, 8)));  // emulated blocks run one at a time
    for (long long g : grids)
      for (int mis = 0; mis < 2; ++mis) {
        if (mis && d % 4 != 0) continue;  // misalignment only changes the path when d % 4 == 0
        const float* xp = mis ? dxm_base + 1 : dx;
        const dim3 glarge{unsigned(g)};
        reset();
        if (f64) NC_LAUNCH(nc_class_sums_large_f64, glarge, dim3(256), 0, xp, dy, n, d, k, dsums, dcounts);
        else NC_LAUNCH(nc_class_sums_large_f32, glarge, dim3(256), 0, xp, dy, n, d, k, dsums, dcounts);
        verify(std::string(f64 ? "nc_class_sums_large_f64" : "nc_class_sums_large_f32") + (mis ? " (unaligned x)" : "") +
                   " grid " + std::to_string(g),
               1e-13);
      }
    if (mode != RANDOM) continue;
    // sorted: grid (k, ceil(d/256)), block 256; deterministic: two runs give the same bits
    dim3 gsorted(unsigned(k), unsigned(cdiv(d, 256)));
    std::vector<double> first;
    for (int rep = 0; rep < 2; ++rep) {
      reset();
      if (f64) NC_LAUNCH(nc_class_sums_sorted_f64, gsorted, dim3(256), 0, dx, dorder, dseg, d, k, dsums, dcounts);
      else NC_LAUNCH(nc_class_sums_sorted_f32, gsorted, dim3(256), 0, dx, dorder, dseg, d, k, dsums, dcounts);
      const char* kern = f64 ? "nc_class_sums_sorted_f64" : "nc_class_sums_sorted_f32";
      if (rep == 0) { verify(kern, rtol); first = dev_get(dsums, sums0.size()); }
      else {
        std::vector<double> again = dev_get(dsums, sums0.size());
        check_true(kern, shp, "bitwise identical reruns",
                   std::memcmp(first.data(), again.data(), first.size() * sizeof(double)) == 0);
      }
    }
  }
  dev_free(dx); dev_free(dxm_base); dev_free(dy); dev_free(dorder); dev_free(dseg); dev_free(dsums); dev_free(dcounts);
}

}  // namespace

void test_class_sums() {
  Rng rng(0xC1A55);
  const Case cases[] = {
      {0, 5, 3},      // zero-row batch
      {1, 1, 1},      // K = 1, D = 1
      {7, 1, 2},      // K = 2, D = 1
      {37, 3, 3},     // K = 3
      {300, 4, 10},   // d % 4 == 0 (float4 path), K = 10
      {513, 17, 10},  // sizes off every tile
      {600, 300, 2},  // D > block size (small path with column wrap)
      {257, 12, 300}, // K > block size; some classes absent
      {2100, 512, 10},// float4 small path: 128 vectors a row, unrolled loads and tail
      {1500, 1200, 3},// d/4 > block size (float4 small path with column wrap)
      {999, 36, 5},   // d/4 = 9 does not divide 256
      {1, 8, 300},    // one row, float4 large path
      {1100, 260, 7}, // d/4 = 65: two column chunks of the large float4 path (128 scalar: three)
      {2000, 8, 300}, // runs across warps and blocks
  };
  for (const Case& c : cases)
    for (int mode = RANDOM; mode <= ONE_CLASS; ++mode) run_case(rng, c, mode);
  // far from the origin: K = 1, 2, 3, D = 1, n = 0, float4 and scalar paths, several blocks
  const Case offset_cases[] = {{0, 5, 3}, {1, 1, 1}, {7, 1, 2}, {37, 3, 3}, {300, 4, 10}, {513, 17, 10}, {2100, 512, 10}};
  for (double offset : {1e4, 1e6})
    for (const Case& c : offset_cases) run_case(rng, c, RANDOM, offset);
}

}  // namespace nc_test
