// Drivers for kernels/decisions.cu: nearest-class-centre vs linear classifier agreement,
// f32 and f64, with and without bias, exact ties (duplicate means / weights: the lowest
// index wins) and candidates that are a subset of the classes.
#include "nc_test.h"
#include "../kernels/decisions.cu"

namespace nc_test {
namespace {

struct Case { long long n; int d, c, k; bool bias, dup; };

void run_case(Rng& rng, const Case& cs) {
  const long long n = cs.n;
  const int d = cs.d, c = cs.c, k = cs.k;
  // candidate classes: c ascending ids out of k
  std::vector<int> cand(c);
  {
    std::vector<int> all(k);
    for (int i = 0; i < k; ++i) all[i] = i;
    std::shuffle(all.begin(), all.end(), rng.g);
    std::copy(all.begin(), all.begin() + c, cand.begin());
    std::sort(cand.begin(), cand.end());
  }
  std::vector<double> mu(size_t(c) * d), w(size_t(c) * d), b(c);
  for (auto& v : mu) v = float(rng.normal());
  for (size_t i = 0; i < w.size(); ++i) w[i] = float(mu[i] + 0.7 * rng.normal());
  for (auto& v : b) v = float(0.3 * rng.normal());
  if (cs.dup && c >= 3) {  // candidate 2 duplicates candidate 1 exactly: ties
    for (int j = 0; j < d; ++j) { mu[size_t(2) * d + j] = mu[size_t(1) * d + j]; w[size_t(2) * d + j] = w[size_t(1) * d + j]; }
    b[2] = b[1];
  }
  std::vector<float> x(size_t(n) * d);
  std::vector<int> y(n);
  for (long long r = 0; r < n; ++r) {
    const int q = rng.below(c);
    y[r] = cand[q];
    for (int j = 0; j < d; ++j) x[size_t(r) * d + j] = float(mu[size_t(q) * d + j] + 0.8 * rng.normal());
    if (r % 17 == 3)  // a row exactly at a mean
      for (int j = 0; j < d; ++j) x[size_t(r) * d + j] = float(mu[size_t(q) * d + j]);
  }
  // reference in double, direct distances, ties to the lowest index
  std::vector<unsigned long long> h0(k), c0(k), wanth(k), wantc(k);
  for (int i = 0; i < k; ++i) { h0[i] = wanth[i] = i; c0[i] = wantc[i] = 2 * i + 1; }
  for (long long r = 0; r < n; ++r) {
    int bn = 0, bl = 0;
    double sbn = 0, sbl = 0;
    for (int q = 0; q < c; ++q) {
      double dn = 0, dl = cs.bias ? b[q] : 0.0;
      for (int j = 0; j < d; ++j) {
        const double df = double(x[size_t(r) * d + j]) - mu[size_t(q) * d + j];
        dn += df * df;
        dl += w[size_t(q) * d + j] * double(x[size_t(r) * d + j]);
      }
      if (q == 0 || dn < sbn) { sbn = dn; bn = q; }
      if (q == 0 || dl > sbl) { sbl = dl; bl = q; }
    }
    wantc[y[r]]++;
    if (bn == bl) wanth[y[r]]++;
  }
  float* dx = dev_from(x);
  int* dy = dev_from(y);
  int* dcand = dev_from(cand);
  unsigned long long* dh = dev_alloc<unsigned long long>(k);
  unsigned long long* dc = dev_alloc<unsigned long long>(k);
  std::vector<float> muf(mu.begin(), mu.end()), wf(w.begin(), w.end()), bf(b.begin(), b.end());
  float* dmuf = dev_from(muf); float* dwf = dev_from(wf); float* dbf = dev_from(bf);
  double* dmud = dev_from(mu); double* dwd = dev_from(w); double* dbd = dev_from(b);
  const dim3 grid(unsigned(std::max<long long>(1, cdiv(n, 8))));
  const std::string shp = shape({{"n", n}, {"d", d}, {"c", c}, {"k", k}, {"bias", cs.bias}, {"ties", cs.dup}});
  for (int f64 = 0; f64 < 2; ++f64) {
    dev_put(dh, h0);
    dev_put(dc, c0);
    const void* bias = cs.bias ? (f64 ? (const void*)dbd : (const void*)dbf) : nullptr;
    if (f64) NC_LAUNCH(nc_decisions_f64, grid, dim3(256), 0, (const float*)dx, (const int*)dy, n, d, (const void*)dmud, (const void*)dwd, bias, (const int*)dcand, c, dh, dc);
    else NC_LAUNCH(nc_decisions_f32, grid, dim3(256), 0, (const float*)dx, (const int*)dy, n, d, (const void*)dmuf, (const void*)dwf, bias, (const int*)dcand, c, dh, dc);
    const char* kern = f64 ? "nc_decisions_f64" : "nc_decisions_f32";
    std::vector<unsigned long long> gh = dev_get(dh, size_t(k)), gc = dev_get(dc, size_t(k));
    check_u64(kern, shp, "hits", gh.data(), wanth.data(), size_t(k));
    check_u64(kern, shp, "counts", gc.data(), wantc.data(), size_t(k));
  }
  for (void* p : {(void*)dx, (void*)dy, (void*)dcand, (void*)dh, (void*)dc, (void*)dmuf, (void*)dwf, (void*)dbf,
                  (void*)dmud, (void*)dwd, (void*)dbd})
    dev_free(p);
}

}  // namespace

void test_decisions() {
  Rng rng(0xDEC15);
  const Case cases[] = {
      {0, 3, 2, 2, false, false},     // zero-row batch
      {1, 1, 1, 1, false, false},     // K = 1, D = 1
      {50, 1, 2, 2, true, false},     // D = 1
      {61, 3, 3, 5, true, true},      // exact ties, candidates a subset
      {83, 17, 10, 12, false, false},
      {77, 17, 10, 12, true, true},
      {9, 2, 300, 300, true, false},  // more candidates than threads in a block
      {40, 70, 5, 5, false, false},   // D over two warps' width
  };
  for (const Case& cs : cases) run_case(rng, cs);
}

}  // namespace nc_test
