// Drivers for cuda/decisions.cu: nearest-class-centre vs linear classifier agreement, f32
// and f64, against the CPU twin's float64 loops (org.ncj.backend.cpu.CpuDecisions: sequential
// sums, bias first, ties to the lowest index), which the kernel must match exactly.
// Shapes straddle the candidate tiles (64 for f32, 32 for f64) and the 128-row block:
// c in {0, 1, 2, 3, 33, 70, 300}, d in {1, 5, 67}, n in {0, 1, 130}; bias null and not;
// candidates a subset of the k classes; and per case one of
//   random                 means/weights rounded to float (the old test's data),
//   exact ties             candidate 2 (or 1) a copy of candidate 1 (or 0): the lowest wins,
//   float-ulp near ties    the copy moved by one float ulp in one column,
//   sub-float near ties    the copy moved by 2^-40 relative: identical once rounded to float,
//   float64 data           means/weights not representable in float,
//   huge values            x and means ~1e19: float scores would overflow (all rows rechecked).
#include "nc_test.h"
#include "../cuda/decisions.cu"

namespace nc_test {
namespace {

enum Mode { RANDOM, EXACT_TIES, ULP_TIES, SUBFLOAT_TIES, FLOAT64_DATA, HUGE_VALUES, MODES };
const char* const kModeName[] = {"random", "exact ties", "float-ulp ties", "sub-float ties", "float64 data", "huge"};

struct Case { long long n; int d, c, k; bool bias; Mode mode; };

// Host packing as in CudaDecisions (cuda/ABI.md): [M; W] transposed tile by tile, aux.
struct Packed { std::vector<double> bt64, aux; long long ld; };

Packed pack(const std::vector<double>& mu, const std::vector<double>& w, const std::vector<double>* b, int c, int d,
            int ct) {
  const int T = (c + ct - 1) / ct;
  Packed p;
  p.ld = 2LL * ct * T;
  p.bt64.assign(size_t(p.ld) * d, 0.0);
  p.aux.assign(size_t(6) * ct * T, 0.0);
  for (int t = 0; t < T; ++t) {
    double* a = p.aux.data() + size_t(6) * ct * t;
    for (int i = 0; i < ct; ++i) {
      const int q = t * ct + i;
      if (q >= c) { a[i] = INFINITY; a[4 * ct + i] = -INFINITY; continue; }
      double nq = 0, nw = 0;
      for (int j = 0; j < d; ++j) {
        const double m = mu[size_t(q) * d + j], v = w[size_t(q) * d + j];
        p.bt64[size_t(j) * p.ld + 2 * ct * t + i] = m;
        p.bt64[size_t(j) * p.ld + 2 * ct * t + ct + i] = v;
        nq += m * m;
        nw += v * v;
      }
      const double bq = b ? (*b)[q] : 0.0;
      a[i] = nq; a[ct + i] = nq; a[2 * ct + i] = std::sqrt(nw); a[3 * ct + i] = std::fabs(bq); a[4 * ct + i] = bq;
      for (int f = 0; f < 3; ++f) a[5 * ct + f] = std::max(a[5 * ct + f], a[(f + 1) * ct + i]);
    }
  }
  return p;
}

// The CPU twin: ncc = argmin sum_j (x_j - mu_j)^2, lin = argmax b + sum_j w_j x_j, sequential,
// first candidate taken, later ones only when strictly better; -1 without candidates.
void reference(const float* xr, int d, const std::vector<double>& mu, const std::vector<double>& w,
               const std::vector<double>* b, int c, int& bn, int& bl) {
  bn = bl = -1;
  double sbn = 0, sbl = 0;
  for (int q = 0; q < c; ++q) {
    double dn = 0, dl = b ? (*b)[q] : 0.0;
    for (int j = 0; j < d; ++j) {
      const double v = double(xr[j]) - mu[size_t(q) * d + j];
      dn += v * v;
    }
    for (int j = 0; j < d; ++j) dl += w[size_t(q) * d + j] * double(xr[j]);
    if (dn < sbn || bn < 0) { sbn = dn; bn = q; }
    if (dl > sbl || bl < 0) { sbl = dl; bl = q; }
  }
}

void run_case(Rng& rng, const Case& cs) {
  const long long n = cs.n;
  const int d = cs.d, c = cs.c, k = cs.k;
  std::vector<int> cand(c);  // candidate classes: c ascending ids out of k
  {
    std::vector<int> all(k);
    for (int i = 0; i < k; ++i) all[i] = i;
    std::shuffle(all.begin(), all.end(), rng.g);
    std::copy(all.begin(), all.begin() + c, cand.begin());
    std::sort(cand.begin(), cand.end());
  }
  const double scale = cs.mode == HUGE_VALUES ? 1e19 : 1.0;
  auto val = [&](double v) { return cs.mode == FLOAT64_DATA ? v : double(float(v)); };
  std::vector<double> mu(size_t(c) * d), w(size_t(c) * d), b(c);
  for (auto& v : mu) v = val(scale * rng.normal());
  for (size_t i = 0; i < w.size(); ++i) w[i] = val(mu[i] / scale + 0.7 * rng.normal());
  for (auto& v : b) v = val(0.3 * rng.normal());
  const int src = c >= 3 ? 1 : 0, dst = src + 1;  // the tied pair
  const bool tied = (cs.mode == EXACT_TIES || cs.mode == ULP_TIES || cs.mode == SUBFLOAT_TIES) && c >= 2;
  if (tied) {
    for (int j = 0; j < d; ++j) {
      mu[size_t(dst) * d + j] = mu[size_t(src) * d + j];
      w[size_t(dst) * d + j] = w[size_t(src) * d + j];
    }
    b[dst] = b[src];
    const int j = rng.below(d);
    double& m = mu[size_t(dst) * d + j];
    double& v = w[size_t(dst) * d + j];
    if (cs.mode == ULP_TIES) {
      m = double(std::nextafter(float(m), INFINITY));
      v = double(std::nextafter(float(v), -INFINITY));
    } else if (cs.mode == SUBFLOAT_TIES) {
      m += std::ldexp(std::fabs(m) + 1e-3, -40);
      v -= std::ldexp(std::fabs(v) + 1e-3, -40);
    }
  }
  std::vector<float> x(size_t(n) * d);
  std::vector<int> y(n);
  for (long long r = 0; r < n; ++r) {
    const int q = c == 0 ? 0 : (tied && r % 2 == 0) ? src : rng.below(c);
    y[r] = c == 0 ? rng.below(k) : cand[q];
    for (int j = 0; j < d; ++j)
      x[size_t(r) * d + j] = c == 0 ? float(rng.normal()) : float(mu[size_t(q) * d + j] + scale * 0.8 * rng.normal());
    if (c > 0 && r % 17 == 3)  // a row exactly at a (rounded) mean
      for (int j = 0; j < d; ++j) x[size_t(r) * d + j] = float(mu[size_t(q) * d + j]);
  }
  const std::vector<double>* bp = cs.bias ? &b : nullptr;
  std::vector<unsigned long long> h0(k), c0(k), wanth(k), wantc(k);
  for (int i = 0; i < k; ++i) { h0[i] = wanth[i] = i; c0[i] = wantc[i] = 2 * i + 1; }
  for (long long r = 0; r < n; ++r) {
    int bn, bl;
    reference(x.data() + size_t(r) * d, d, mu, w, bp, c, bn, bl);
    wantc[y[r]]++;
    if (bn == bl) wanth[y[r]]++;
  }
  float* dx = dev_from(x);
  int* dy = dev_from(y);
  unsigned long long* dh = dev_alloc<unsigned long long>(k);
  unsigned long long* dc = dev_alloc<unsigned long long>(k);
  const dim3 grid(unsigned(std::max<long long>(1, cdiv(n, NC_DEC_ROWS))));
  const std::string shp = shape({{"n", n}, {"d", d}, {"c", c}, {"k", k}, {"bias", cs.bias}}) + " " + kModeName[cs.mode];
  for (int f64 = 0; f64 < 2; ++f64) {
    const Packed p = pack(mu, w, bp, c, d, f64 ? NcDecT<double>::CT : NcDecT<float>::CT);
    double* dbt64 = dev_from(p.bt64);
    double* daux = dev_from(p.aux);
    std::vector<float> btf(p.bt64.begin(), p.bt64.end());
    float* dbtf = f64 ? nullptr : dev_from(btf);
    dev_put(dh, h0);
    dev_put(dc, c0);
    if (f64)
      NC_LAUNCH(nc_decisions_f64, grid, dim3(256), 0, (const float*)dx, (const int*)dy, n, d, (const void*)dbt64,
                (const double*)dbt64, (const double*)daux, c, dh, dc);
    else
      NC_LAUNCH(nc_decisions_f32, grid, dim3(256), 0, (const float*)dx, (const int*)dy, n, d, (const void*)dbtf,
                (const double*)dbt64, (const double*)daux, c, dh, dc);
    const char* kern = f64 ? "nc_decisions_f64" : "nc_decisions_f32";
    std::vector<unsigned long long> gh = dev_get(dh, size_t(k)), gc = dev_get(dc, size_t(k));
    check_u64(kern, shp, "hits", gh.data(), wanth.data(), size_t(k));
    check_u64(kern, shp, "counts", gc.data(), wantc.data(), size_t(k));
    for (void* q : {(void*)dbt64, (void*)daux, (void*)dbtf})
      if (q) dev_free(q);
  }
  for (void* q : {(void*)dx, (void*)dy, (void*)dh, (void*)dc}) dev_free(q);
}

}  // namespace

void test_decisions() {
  Rng rng(0xDEC15);
  int m = 0;
  for (long long n : {130LL, 1LL, 0LL})
    for (int c : {1, 2, 3, 33, 70})
      for (int d : {1, 5, 67}) {
        const Mode mode = Mode(m % MODES);
        run_case(rng, {n, d, c, c + 2 + m % 3, m % 2 == 0, mode});
        ++m;
      }
  for (int mode = 0; mode < MODES; ++mode) {  // every mode on the shapes that matter most
    run_case(rng, {130, 67, 70, 75, true, Mode(mode)});
    run_case(rng, {130, 5, 3, 3, false, Mode(mode)});
  }
  run_case(rng, {9, 2, 300, 300, true, RANDOM});       // several tiles of each width
  run_case(rng, {40, 70, 5, 5, false, EXACT_TIES});    // d over several chunks
  run_case(rng, {20, 3, 0, 4, true, RANDOM});          // no candidates: every row agrees (-1 == -1)
  run_case(rng, {300, 17, 10, 12, true, EXACT_TIES});  // three row blocks
}

}  // namespace nc_test
