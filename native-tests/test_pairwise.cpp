// Drivers for cuda/pairwise.cu: every kernel id, the float64 direct entry points and the
// float32 GEMM entry points (both tiles), statistics (partials merged on the host with the
// Chan merge) and grids (whole and one row band), against a naive float64 reference over all
// pairs i < j; near-duplicate rows (the GEMM's recomputation of small distances) and
// identical rows (dist2 exactly 0); and the golden cases' class means
// (core/src/test/resources/golden/<case>/expected_means.npy) through the GEMM kernels at the
// golden suite's float32 tolerances.
#include <fstream>
#include <sstream>

#include "nc_test.h"
#include "../cuda/pairwise.cu"

namespace nc_test {
namespace {

struct HostStats { double n = 0, shift = 0, mean = 0, m2 = 0; };

// The host merge (same rule as nc_stats_merge and org.ncj.pairwise.PairStats).
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
    case 5: return std::fabs(dot / std::sqrt(na * nb) + 1.0 / (param - 1.0));
    default: return std::nan("");  // an id of cuda/pair_ops.def without a reference here: every check fails
  }
}

struct Kc { int id; double param; std::string name; };

std::vector<Kc> kernel_cases(int k, int d) {
  return {{0, 0.0, "dist"}, {1, -1.0, "log"}, {2, double(std::max(d - 2, 1)), "riesz(s=D-2)"}, {2, 60.0, "riesz(s=60)"},
          {2, -1.0, "riesz(s=-1)"}, {3, 1.0, "cdnv"}, {3, 2.0, "cdnv(p=2)"}, {4, 0.0, "cosine"},
          {5, double(std::max(k, 2)), "maxangle"}};
}

// The float64 reference of one kernel: values of the pairs i < j, the full grid (NaN
// diagonal), and the statistics (in the shift of the largest log-value for log-space kernels).
struct Ref {
  std::vector<double> vals, grid;
  bool logspace = false;
  double shift = 0, mean = 0, mabs = 0, var = 0, msq = 0, gabs = 0;
  Ref(const Kc& kc, const std::vector<double>& p, const std::vector<double>& aux, int k, int d) {
    logspace = kc.id == 2 && kc.param > 0;
    grid.assign(size_t(k) * k, std::nan(""));
    for (int i = 0; i < k; ++i)
      for (int j = 0; j < k; ++j)
        if (i != j) {
          double v = ref_value(kc.id, kc.param, &p[size_t(i) * d], &p[size_t(j) * d], d, aux[i], aux[j]);
          grid[size_t(i) * k + j] = v;
          if (i < j) vals.push_back(v);
        }
    if (logspace && !vals.empty()) shift = *std::max_element(vals.begin(), vals.end());
    for (double v : vals) { double w = logspace ? std::exp(v - shift) : v; mean += w; mabs += std::fabs(w); gabs += std::fabs(v); }
    if (!vals.empty()) { mean /= vals.size(); mabs /= vals.size(); gabs /= vals.size(); }
    for (double v : vals) { double w = logspace ? std::exp(v - shift) : v; var += (w - mean) * (w - mean); msq += w * w; }
    if (!vals.empty()) { var /= vals.size(); msq /= vals.size(); }
  }
};

HostStats merged(const std::vector<double>& part, int blocks) {
  HostStats m;
  for (int b = 0; b < blocks; ++b) m = merge(m, HostStats{part[4 * b], part[4 * b + 1], part[4 * b + 2], part[4 * b + 3]});
  return m;
}

// Compares merged statistics with the reference: count exactly, mean and variance within
// |got - want| <= atol + rtol * scale (scale: mean |value|, mean value^2).
void check_stats(const std::string& ks, const std::string& shp, const HostStats& m, const Ref& r, double rtol,
                 double vrtol, double atol) {
  const double cnt = double(r.vals.size());
  check(ks, shp, "count", &m.n, &cnt, 1, 0.0, 0.0);
  if (r.vals.empty()) return;
  const double f = std::exp(m.shift - r.shift);  // compare in the reference's shift
  const double gmean = m.mean * f, gvar = m.m2 * f * f / m.n;
  check(ks, shp, "mean", &gmean, &r.mean, 1, rtol, atol, &r.mabs);
  check(ks, shp, "variance", &gvar, &r.var, 1, vrtol, atol, &r.msq);
  if (!r.logspace) check_true(ks, shp, "shift == 0", m.shift == 0.0);
}

// Launch rules of cuda/ABI.md (host: CudaPairwise.statsGrid).
void stats_grid(int k, int tile, int& U, int& S) {
  const int T = int(cdiv(k, tile));
  U = std::max(1, int(cdiv(T, 2)));
  S = std::max(1, std::min(T + 1, 4 * sms() / U));
}

// ---- float64 direct form ---------------------------------------------------------------
void run_direct_case(Rng& rng, int k, int d) {
  std::vector<double> pd = rng.doubles(size_t(k) * d);
  std::vector<double> aux(k);
  for (auto& v : aux) v = rng.uniform(0.1, 2.0);
  double* dpd = dev_from(pd);
  double* daux = dev_from(aux);
  const int T = int(cdiv(k, 64));
  int U, S;
  stats_grid(k, 64, U, S);
  double* dpart = dev_alloc<double>(size_t(4) * U * S);
  double* dgrid = dev_alloc<double>(size_t(k) * k);
  for (const Kc& kc : kernel_cases(k, d)) {
    const Ref r(kc, pd, aux, k, d);
    const std::string shp = shape({{"k", k}, {"d", d}}) + " " + kc.name;
    const double rtol = 1e-10, atol = kc.id >= 4 ? 1e-13 : 0.0;
    NC_LAUNCH(nc_pairwise_stats_f64, dim3(U, S), dim3(256), 0, (const void*)dpd, k, d, kc.id, kc.param, (const double*)daux, dpart);
    check_stats("nc_pairwise_stats_f64", shp, merged(dev_get(dpart, size_t(4) * U * S), U * S), r, rtol, 4 * rtol, atol);
    NC_LAUNCH(nc_pairwise_grid_f64, dim3(T, T), dim3(256), 0, (const void*)dpd, k, d, kc.id, kc.param, (const double*)daux,
              0, k, dgrid);
    std::vector<double> g = dev_get(dgrid, size_t(k) * k);
    std::vector<double> sc(g.size(), r.gabs);
    for (size_t e = 0; e < sc.size(); ++e) if (!std::isnan(r.grid[e])) sc[e] += std::fabs(r.grid[e]);
    check("nc_pairwise_grid_f64", shp, "grid (NaN diagonal)", g.data(), r.grid.data(), g.size(), rtol, atol, sc.data());
    if (k > 64) {  // one band: rows [64, 128) into a 64 x k buffer
      const int rows = std::min(64, k - 64);
      NC_LAUNCH(nc_pairwise_grid_f64, dim3(T, 1), dim3(256), 0, (const void*)dpd, k, d, kc.id, kc.param,
                (const double*)daux, 64, 64, dgrid);
      std::vector<double> b = dev_get(dgrid, size_t(rows) * k);
      check("nc_pairwise_grid_f64", shp, "band rows 64..", b.data(), r.grid.data() + size_t(64) * k, b.size(), rtol, atol,
            sc.data() + size_t(64) * k);
    }
  }
  dev_free(dpd); dev_free(daux); dev_free(dpart); dev_free(dgrid);
}

// ---- float32 GEMM form -----------------------------------------------------------------
struct Gemm {
  int k, d;
  float* p32;
  double *p64, *norms, *aux;
  // The host's preparation (CudaPairwise): float32 rows, float64 norms of those rows.
  Gemm(const std::vector<double>& p, const std::vector<double>& a, int k_, int d_) : k(k_), d(d_) {
    std::vector<float> pf(p.size());
    std::vector<double> nr(k, 0.0);
    for (size_t e = 0; e < p.size(); ++e) pf[e] = float(p[e]);
    for (int i = 0; i < k; ++i)
      for (int l = 0; l < d; ++l) nr[i] += double(pf[size_t(i) * d + l]) * double(pf[size_t(i) * d + l]);
    p32 = dev_from(pf); p64 = dev_from(p); norms = dev_from(nr); aux = dev_from(a);
  }
  ~Gemm() { dev_free(p32); dev_free(p64); dev_free(norms); dev_free(aux); }
  HostStats stats(int tile, const Kc& kc) const {
    int U, S;
    stats_grid(k, tile, U, S);
    double* part = dev_alloc<double>(size_t(4) * U * S);
    if (tile == 64)
      NC_LAUNCH(nc_pairwise_gemm_stats_f32_t64, dim3(U, S), dim3(256), 0, (const float*)p32, (const double*)p64,
                (const double*)norms, k, d, kc.id, kc.param, (const double*)aux, part);
    else
      NC_LAUNCH(nc_pairwise_gemm_stats_f32_t128, dim3(U, S), dim3(256), 0, (const float*)p32, (const double*)p64,
                (const double*)norms, k, d, kc.id, kc.param, (const double*)aux, part);
    HostStats m = merged(dev_get(part, size_t(4) * U * S), U * S);
    dev_free(part);
    return m;
  }
  std::vector<double> grid(int tile, const Kc& kc, int row0, int rows) const {
    const int T = int(cdiv(k, tile)), bands = int(cdiv(rows, tile));
    double* g = dev_alloc<double>(size_t(rows) * k);
    if (tile == 64)
      NC_LAUNCH(nc_pairwise_gemm_grid_f32_t64, dim3(T, bands), dim3(256), 0, (const float*)p32, (const double*)p64,
                (const double*)norms, k, d, kc.id, kc.param, (const double*)aux, row0, rows, g);
    else
      NC_LAUNCH(nc_pairwise_gemm_grid_f32_t128, dim3(T, bands), dim3(256), 0, (const float*)p32, (const double*)p64,
                (const double*)norms, k, d, kc.id, kc.param, (const double*)aux, row0, rows, g);
    std::vector<double> out = dev_get(g, size_t(std::max(0, std::min(rows, k - row0))) * k);
    dev_free(g);
    return out;
  }
};

// dup: 0 random rows; 1 row 1 a near-duplicate of row 0 (relative 1e-6: a distance float32
// cannot form from the norms); 2 row 1 equal to row 0 (dist2 exactly 0).
// all: every kernel case, else dist, riesz(s=D-2) and cosine (keeps the emulated run short).
void run_gemm_case(Rng& rng, int k, int d, int dup, bool all) {
  std::vector<double> p = rng.doubles(size_t(k) * d);
  if (dup && k >= 2)
    for (int l = 0; l < d; ++l) p[d + l] = p[l] * (dup == 1 ? 1.0 + 1e-6 * ((l % 3) - 1.0) : 1.0);
  std::vector<double> aux(k);
  for (auto& v : aux) v = rng.uniform(0.1, 2.0);
  const Gemm gm(p, aux, k, d);
  const std::string dups[] = {"", " near-duplicate rows 0,1", " equal rows 0,1"};
  for (const Kc& kc : kernel_cases(k, d)) {
    if (!all && !(kc.id == 0 || (kc.id == 2 && kc.param == double(std::max(d - 2, 1))) || kc.id == 4)) continue;
    const Ref r(kc, p, aux, k, d);
    const std::string shp = shape({{"k", k}, {"d", d}}) + " " + kc.name + dups[dup];
    // float32 dot products: relative error of a kept dist2 ~ 1e-6 here, amplified s/2 by riesz;
    // angle kernels carry an absolute error ~1e-7 of |a||b|
    const double rtol = kc.id == 2 && kc.param >= 8 ? 2e-3 : 5e-5;
    const double atol = kc.id >= 4 ? 2e-6 : 0.0;
    // statistics with an infinite value (equal rows: log, riesz, cdnv) are not compared
    const bool finite = dup != 2 || kc.id == 0 || kc.id >= 4 || (kc.id == 2 && kc.param < 0);
    for (int tile : {64, 128}) {
      const std::string ks = std::string("nc_pairwise_gemm_stats_f32_t") + std::to_string(tile);
      const std::string kg = std::string("nc_pairwise_gemm_grid_f32_t") + std::to_string(tile);
      if (finite) check_stats(ks, shp, gm.stats(tile, kc), r, rtol, 4 * rtol, atol);
      // the grid shares nc_gemm_value with the statistics: above k = 3 only dist, riesz(s=D-2)
      // (log-space values) and cosine (keeps the emulated run short)
      if (k > 3 && !(kc.id == 0 || kc.id == 4 || (kc.id == 2 && kc.param == double(std::max(d - 2, 1))))) continue;
      std::vector<double> g = gm.grid(tile, kc, 0, k);
      std::vector<double> sc(g.size(), r.gabs);
      for (size_t e = 0; e < sc.size(); ++e) if (!std::isnan(r.grid[e]) && !std::isinf(r.grid[e])) sc[e] += std::fabs(r.grid[e]);
      check(kg, shp, "grid (NaN diagonal)", g.data(), r.grid.data(), g.size(), rtol, atol, sc.data());
      if (dup && k >= 2 && kc.id == 0) {  // the recomputed distance is the float64 one
        const double want = r.grid[1], got = g[1];
        check(kg, shp, "dist(0,1) recomputed in float64", &got, &want, 1, 1e-12, 0.0);
        if (dup == 2) check_true(kg, shp, "dist(0,1) == 0 exactly", got == 0.0 && g[size_t(k)] == 0.0);
      }
      if (k > tile && (kc.id == 0 || kc.id == 4)) {  // one band: grid rows [tile, 2 tile) into a tile x k buffer
        std::vector<double> b = gm.grid(tile, kc, tile, tile);
        check(kg, shp, "band rows " + std::to_string(tile) + "..", b.data(), r.grid.data() + size_t(tile) * k, b.size(),
              rtol, atol, sc.data() + size_t(tile) * k);
      }
    }
  }
}

// ---- golden cases ----------------------------------------------------------------------
// Minimal .npy reader: little-endian float64, C order, 1 or 2 dimensions.
bool read_npy_f64(const std::string& path, std::vector<double>& out, std::vector<long>& shp) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  char magic[8];
  in.read(magic, 8);
  if (!in || std::memcmp(magic, "\x93NUMPY", 6) != 0) return false;
  size_t hlen = 0;
  if (magic[6] == 1) {
    unsigned char b[2]; in.read(reinterpret_cast<char*>(b), 2); hlen = b[0] | (size_t(b[1]) << 8);
  } else {
    unsigned char b[4]; in.read(reinterpret_cast<char*>(b), 4);
    hlen = b[0] | (size_t(b[1]) << 8) | (size_t(b[2]) << 16) | (size_t(b[3]) << 24);
  }
  std::string h(hlen, ' ');
  in.read(&h[0], long(hlen));
  if (h.find("'<f8'") == std::string::npos || h.find("'fortran_order': False") == std::string::npos) return false;
  size_t a = h.find('(', h.find("'shape'")), z = h.find(')', a);
  std::stringstream ss(h.substr(a + 1, z - a - 1));
  std::string tok;
  shp.clear();
  size_t n = 1;
  while (std::getline(ss, tok, ','))
    if (tok.find_first_of("0123456789") != std::string::npos) { shp.push_back(std::stol(tok)); n *= size_t(shp.back()); }
  out.resize(n);
  in.read(reinterpret_cast<char*>(out.data()), long(n * sizeof(double)));
  return bool(in);
}

std::string golden_dir() {
  if (const char* e = std::getenv("NC_GOLDEN_DIR")) return e;
  std::string f = __FILE__;
  size_t s = f.find_last_of('/');
  return (s == std::string::npos ? std::string(".") : f.substr(0, s)) + "/../core/src/test/resources/golden";
}

// One golden case the way org.ncj.measure.Measures feeds the pairwise kernels, FLOAT32:
// cdnv on the class means (aux = var_norms), cosine / maxangle on the centred means
// (Means.centred(): minus the unweighted global mean, i.e. the mean of the means), dist /
// log / riesz (s = D - 2) on the centred means normalised to |m| + eps32 (normalizedCentred).
// Tolerances: golden/README.md for float32 (rtol 1e-4, atol 1e-6; the riesz variance 1e-3).
// riesz at s = D - 2 (510 on `collapsed`) amplifies the relative error of dist2 by s/2; it
// meets these tolerances too (its errors are printed as [info] lines), so no kernel id needs
// the float64 kernel for accuracy.
void run_golden_case(const std::string& name) {
  const std::string dir = golden_dir() + "/" + name;
  std::vector<double> means, vn;
  std::vector<long> shp, vs;
  if (!check_true("golden", name, "reads " + dir + "/expected_means.npy and expected_var_norms.npy",
                  read_npy_f64(dir + "/expected_means.npy", means, shp) && shp.size() == 2 &&
                      read_npy_f64(dir + "/expected_var_norms.npy", vn, vs) && vs.size() == 1 && vs[0] == shp[0],
                  "(set NC_GOLDEN_DIR to core/src/test/resources/golden)"))
    return;
  const int k = int(shp[0]), d = int(shp[1]);
  std::vector<double> centred = means, normed;
  std::vector<double> g(d, 0.0);
  for (int c = 0; c < k; ++c)
    for (int l = 0; l < d; ++l) g[l] += means[size_t(c) * d + l];
  for (int l = 0; l < d; ++l) g[l] /= k;
  for (int c = 0; c < k; ++c)
    for (int l = 0; l < d; ++l) centred[size_t(c) * d + l] -= g[l];
  normed = centred;
  const double eps32 = std::ldexp(1.0, -23);
  for (int c = 0; c < k; ++c) {
    double n = 0;
    for (int l = 0; l < d; ++l) n += centred[size_t(c) * d + l] * centred[size_t(c) * d + l];
    n = std::sqrt(n) + eps32;
    for (int l = 0; l < d; ++l) normed[size_t(c) * d + l] /= n;
  }
  struct G { const std::vector<double>* p; Kc kc; };
  std::vector<G> cases = {{&normed, {0, 0.0, "dist"}}, {&normed, {1, -1.0, "log"}},
                          {&means, {3, 1.0, "cdnv"}},  {&centred, {4, 0.0, "cosine"}},
                          {&centred, {5, double(k), "maxangle"}}, {&normed, {2, double(d - 2), "riesz(s=D-2)"}}};
  const Gemm gn(normed, vn, k, d), gc(centred, vn, k, d), gu(means, vn, k, d);
  for (const G& c : cases) {
    const Gemm& gm = c.p == &normed ? gn : c.p == &centred ? gc : gu;
    const Ref r(c.kc, *c.p, vn, k, d);
    const bool riesz = c.kc.id == 2;
    for (int tile : {64, 128}) {
      const std::string ks = std::string("nc_pairwise_gemm_stats_f32_t") + std::to_string(tile);
      const HostStats m = gm.stats(tile, c.kc);
      const std::string shp2 = "golden " + name + " " + shape({{"k", k}, {"d", d}}) + " " + c.kc.name;
      const double cnt = double(r.vals.size());
      check(ks, shp2, "count", &m.n, &cnt, 1, 0.0, 0.0);
      const double f = std::exp(m.shift - r.shift);
      const double gmean = m.mean * f, gvar = m.m2 * f * f / m.n;
      check(ks, shp2, "mean", &gmean, &r.mean, 1, 1e-4, 1e-6);
      check(ks, shp2, "variance", &gvar, &r.var, 1, riesz ? 1e-3 : 1e-4, 1e-6);
      if (riesz)
        std::printf("  [info] %s %s: riesz relative error of the mean %.2g, of the variance %.2g\n", ks.c_str(),
                    shp2.c_str(), std::fabs(gmean - r.mean) / std::fabs(r.mean), std::fabs(gvar - r.var) / std::fabs(r.var));
    }
  }
}

}  // namespace

// Every id of cuda/pair_ops.def has cases here (and so a reference in ref_value).
void check_table_covered() {
  const std::vector<Kc> cases = kernel_cases(3, 3);
#define NC_PAIR_OP(ID, NAME, OPERAND, LOG, PARAM, VALUE, LOGVALUE)                                              \
  check_true("cuda/pair_ops.def", #NAME, "id " #ID " has cases in kernel_cases",                             \
             std::any_of(cases.begin(), cases.end(), [](const Kc& c) { return c.id == ID; }));
#include "../cuda/pair_ops.def"
#undef NC_PAIR_OP
}

#ifndef __CUDACC__
// An id not in the table fails the launch and writes nothing (under emulation: the launch
// returns false; on a GPU __trap() would leave the context unusable for the other tests).
void check_unknown_id_fails() {
  int unused = 0;
#define NC_PAIR_OP(ID, NAME, OPERAND, LOG, PARAM, VALUE, LOGVALUE) unused = std::max(unused, ID + 1);
#include "../cuda/pair_ops.def"
#undef NC_PAIR_OP
  const int k = 3, d = 2;
  std::vector<double> pd = {0, 1, 2, 3, 5, 8};
  std::vector<float> pf(pd.begin(), pd.end());
  std::vector<double> norms = {1, 13, 89};
  double* dpd = dev_from(pd);
  float* dpf = dev_from(pf);
  double* dn = dev_from(norms);
  int U, S;
  stats_grid(k, 64, U, S);
  double* dpart = dev_alloc<double>(size_t(4) * U * S);
  double* dgrid = dev_alloc<double>(size_t(k) * k);
  const std::vector<double> part0 = dev_get(dpart, size_t(4) * U * S), grid0 = dev_get(dgrid, size_t(k) * k);
  nc_emu::g_fail_returns = true;
  for (int id : {unused, -1}) {
    const std::string shp = "id " + std::to_string(id);
    bool ok = nc_emu::launch("nc_pairwise_stats_f64", nc_pairwise_stats_f64, dim3(U, S), dim3(256), 0, (const void*)dpd,
                             k, d, id, 1.0, (const double*)nullptr, dpart);
    check_true("nc_pairwise_stats_f64", shp, "launch fails", !ok, nc_emu::g_fail_message);
    ok = nc_emu::launch("nc_pairwise_grid_f64", nc_pairwise_grid_f64, dim3(1, 1), dim3(256), 0, (const void*)dpd, k, d, id,
                        1.0, (const double*)nullptr, 0, k, dgrid);
    check_true("nc_pairwise_grid_f64", shp, "launch fails", !ok, nc_emu::g_fail_message);
    ok = nc_emu::launch("nc_pairwise_gemm_stats_f32_t64", nc_pairwise_gemm_stats_f32_t64, dim3(U, S), dim3(256), 0,
                        (const float*)dpf, (const double*)dpd, (const double*)dn, k, d, id, 1.0, (const double*)nullptr, dpart);
    check_true("nc_pairwise_gemm_stats_f32_t64", shp, "launch fails", !ok, nc_emu::g_fail_message);
    ok = nc_emu::launch("nc_pairwise_gemm_grid_f32_t128", nc_pairwise_gemm_grid_f32_t128, dim3(1, 1), dim3(256), 0,
                        (const float*)dpf, (const double*)dpd, (const double*)dn, k, d, id, 1.0, (const double*)nullptr, 0, k,
                        dgrid);
    check_true("nc_pairwise_gemm_grid_f32_t128", shp, "launch fails", !ok, nc_emu::g_fail_message);
  }
  nc_emu::g_fail_returns = false;
  const std::vector<double> part1 = dev_get(dpart, part0.size()), grid1 = dev_get(dgrid, grid0.size());
  check_true("nc_pairwise_*", "unknown ids", "partials and grid untouched",
             std::memcmp(part0.data(), part1.data(), 8 * part0.size()) == 0 &&
                 std::memcmp(grid0.data(), grid1.data(), 8 * grid0.size()) == 0);
  for (void* q : {(void*)dpd, (void*)dpf, (void*)dn, (void*)dpart, (void*)dgrid}) dev_free(q);
}
#endif

void test_pairwise() {
  check_table_covered();
#ifndef __CUDACC__
  check_unknown_id_fails();
#endif
  Rng rng(0xFA125);
  const int direct[][2] = {{1, 3}, {2, 1}, {3, 5}, {65, 7}, {130, 17}, {300, 4}};
  for (auto& c : direct) run_direct_case(rng, c[0], c[1]);
  for (int k : {1, 2, 3, 65, 130, 200})
    for (int d : {1, 3, 67})
      run_gemm_case(rng, k, d, 0, (k == 2 && d == 1) || (k == 3 && d == 67) || (k == 65 && d == 3) || (k == 130 && d == 67));
  run_gemm_case(rng, 65, 20, 0, false);  // d % 4 == 0: float4 panel loads, a partial last K-step
  run_gemm_case(rng, 200, 68, 1, false);
  for (int dup : {1, 2}) { run_gemm_case(rng, 2, 3, dup, false); run_gemm_case(rng, 130, 67, dup, false); }
  for (const char* c : {"small", "collapsed", "manyclasses"}) run_golden_case(c);
}

}  // namespace nc_test
