// Drivers for kernels/pairwise.cu: every kernel id, f32 and f64, the statistics entry
// point (partials merged on the host with the Chan merge) and the grid entry point,
// against a naive double reference over all pairs i < j.
#include "nc_test.h"
#include "../kernels/pairwise.cu"

namespace nc_test {
namespace {

struct HostStats { double n = 0, shift = 0, mean = 0, m2 = 0; };

// The host merge (same rule as nc_stats_merge and org.ncj.kernels.PairStats).
HostStats merge(HostStats a, HostStats b) {
  if (b.n == 0) return a;
  if (a.n == 0) return b;
  double sh = std::max(a.shift, b.shift);
  double fa = a.shift == sh ? 1.0 : std::exp(a.shift - sh), fb = b.shift == sh ? 1.0 : std::exp(b.shift - sh);
  double ma = a.mean * fa, mb = b.mean * fb;
  HostStats r;
  r.n = a.n + b.n;
  double delta = mb - ma;
  r.mean = ma + delta * (b.n / r.n);
  r.m2 = a.m2 * fa * fa + b.m2 * fb * fb + delta * delta * (a.n * b.n / r.n);
  r.shift = sh;
  return r;
}

// The reference value of kernel `id` for rows a, b (log-space for riesz with param > 0).
double ref_value(int id, double param, const double* a, const double* b, int d, double auxi, double auxj) {
  double d2 = 0, dot = 0, na = 0, nb = 0;
  for (int l = 0; l < d; ++l) {
    d2 += (a[l] - b[l]) * (a[l] - b[l]);
    dot += a[l] * b[l]; na += a[l] * a[l]; nb += b[l] * b[l];
  }
  switch (id) {
    case 0: return std::sqrt(d2);
    case 1: return 0.5 * param * std::log(d2);
    case 2: return param > 0 ? -0.5 * param * std::log(d2) : (param < 0 ? -std::pow(d2, -0.5 * param) : 0.0);
    case 3: return 0.5 * (auxi + auxj) / std::pow(d2, param);
    case 4: return dot / std::sqrt(na * nb);
    default: return std::fabs(dot / std::sqrt(na * nb) + 1.0 / (param - 1.0));
  }
}

void run_case(Rng& rng, int k, int d) {
  std::vector<float> pf = rng.floats(size_t(k) * d);
  std::vector<double> pd(pf.begin(), pf.end());
  std::vector<double> aux(k);
  for (auto& v : aux) v = rng.uniform(0.1, 2.0);
  float* dpf = dev_from(pf);
  double* dpd = dev_from(pd);
  double* daux = dev_from(aux);
  const int T = int(cdiv(k, 64)), U = int(cdiv(T, 2));
  const int S = std::max(1, std::min(T + 1, 4 * sms() / U));
  double* dpart = dev_alloc<double>(size_t(4) * U * S);
  double* dgrid = dev_alloc<double>(size_t(k) * k);
  struct Kc { int id; double param; const char* name; } kcs[] = {
      {0, 0.0, "dist"}, {1, -1.0, "log"}, {2, double(std::max(d - 2, 1)), "riesz(s=D-2)"}, {2, 60.0, "riesz(s=60)"},
      {2, -1.0, "riesz(s=-1)"}, {3, 1.0, "cdnv"}, {3, 2.0, "cdnv(p=2)"}, {4, 0.0, "cosine"},
      {5, double(std::max(k, 2)), "maxangle"}};
  for (const Kc& kc : kcs) {
    const bool logspace = kc.id == 2 && kc.param > 0;
    // reference over all pairs i < j
    std::vector<double> vals, gridw(size_t(k) * k, std::nan(""));
    for (int i = 0; i < k; ++i)
      for (int j = 0; j < k; ++j)
        if (i != j) {
          double v = ref_value(kc.id, kc.param, &pd[size_t(i) * d], &pd[size_t(j) * d], d, aux[i], aux[j]);
          gridw[size_t(i) * k + j] = v;
          if (i < j) vals.push_back(v);
        }
    double shift = 0;
    if (logspace && !vals.empty()) shift = *std::max_element(vals.begin(), vals.end());
    double mean = 0, mabs = 0, msq = 0;
    for (double v : vals) { double w = logspace ? std::exp(v - shift) : v; mean += w; mabs += std::fabs(w); }
    if (!vals.empty()) { mean /= vals.size(); mabs /= vals.size(); }
    double var = 0;
    for (double v : vals) { double w = logspace ? std::exp(v - shift) : v; var += (w - mean) * (w - mean); msq += w * w; }
    if (!vals.empty()) { var /= vals.size(); msq /= vals.size(); }
    double gabs = 0;
    for (double v : vals) gabs += std::fabs(v);
    if (!vals.empty()) gabs /= vals.size();

    for (int f64 = 0; f64 < 2; ++f64) {
      const std::string shp = shape({{"k", k}, {"d", d}}) + " " + kc.name;
      const double rtol = f64 ? 1e-10 : (kc.id == 2 && kc.param >= 8 ? 2e-3 : 5e-5);
      // angle kernels: float32 dot products carry absolute error ~1e-7 of |a||b|
      const double atol = kc.id >= 4 ? (f64 ? 1e-13 : 2e-6) : 0.0;
      // statistics
      const char* ks = f64 ? "nc_pairwise_stats_f64" : "nc_pairwise_stats_f32";
      if (f64) NC_LAUNCH(nc_pairwise_stats_f64, dim3(U, S), dim3(256), 0, (const void*)dpd, k, d, kc.id, kc.param, (const double*)daux, dpart);
      else NC_LAUNCH(nc_pairwise_stats_f32, dim3(U, S), dim3(256), 0, (const void*)dpf, k, d, kc.id, kc.param, (const double*)daux, dpart);
      std::vector<double> part = dev_get(dpart, size_t(4) * U * S);
      HostStats m;
      for (int b = 0; b < U * S; ++b) m = merge(m, HostStats{part[4 * b], part[4 * b + 1], part[4 * b + 2], part[4 * b + 3]});
      const double cnt = double(vals.size());
      check(ks, shp, "count", &m.n, &cnt, 1, 0.0, 0.0);
      if (!vals.empty()) {
        // compare in the reference's shift
        const double f = std::exp(m.shift - shift);
        const double gmean = m.mean * f, gvar = m.m2 * f * f / m.n;
        check(ks, shp, "mean", &gmean, &mean, 1, rtol, atol, &mabs);
        check(ks, shp, "variance", &gvar, &var, 1, 4 * rtol, atol, &msq);
        if (!logspace) check_true(ks, shp, "shift == 0", m.shift == 0.0);
      }
      // grid
      const char* kg = f64 ? "nc_pairwise_grid_f64" : "nc_pairwise_grid_f32";
      if (f64) NC_LAUNCH(nc_pairwise_grid_f64, dim3(T, T), dim3(256), 0, (const void*)dpd, k, d, kc.id, kc.param, (const double*)daux, dgrid);
      else NC_LAUNCH(nc_pairwise_grid_f32, dim3(T, T), dim3(256), 0, (const void*)dpf, k, d, kc.id, kc.param, (const double*)daux, dgrid);
      std::vector<double> g = dev_get(dgrid, size_t(k) * k);
      std::vector<double> sc(g.size(), gabs);
      for (size_t e = 0; e < sc.size(); ++e) if (!std::isnan(gridw[e])) sc[e] += std::fabs(gridw[e]);
      check(kg, shp, "grid (NaN diagonal)", g.data(), gridw.data(), g.size(), rtol, atol, sc.data());
    }
  }
  dev_free(dpf); dev_free(dpd); dev_free(daux); dev_free(dpart); dev_free(dgrid);
}

}  // namespace

void test_pairwise() {
  Rng rng(0xFA125);
  const int cases[][2] = {{1, 3}, {2, 1}, {3, 5}, {65, 7}, {130, 17}, {300, 4}};
  for (auto& c : cases) run_case(rng, c[0], c[1]);
}

}  // namespace nc_test
