// cusolver.cpp: the cuSOLVER calls CuSolver makes (libcusolver.so.12), on the emulated device
// of libcuda.so.1: cusolverDnDsyevd runs in stream order as device work, its pointers checked
// against the live allocations.  The eigen-decomposition is cyclic Jacobi (accurate to a few
// ulps of the largest eigenvalue; n is at most a few thousand in the tests), not divide and
// conquer: the emulator checks the binding and the ordering, LAPACK's own tests the algorithm.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

extern "C" int ncemu_check_range(unsigned long long p, size_t bytes, const char* what);
extern "C" int ncemu_enqueue(void* stream, const char* what, int (*fn)(void*), void* arg);

namespace {
enum { SUCCESS = 0, NOT_INITIALIZED = 1, INVALID_VALUE = 3, EXECUTION_FAILED = 6, INTERNAL_ERROR = 7 };
struct Handle { void* stream = nullptr; };

struct Syevd {
  int jobz, uplo, n, lda;
  double *a, *w;
  int* info;
};

// Symmetric eigen-decomposition of the column-major n×n `a` (triangle `uplo`: 0 lower, 1 upper):
// eigenvalues ascending into w, eigenvectors into the columns of a.
int run_syevd(void* p) {
  Syevd* s = static_cast<Syevd*>(p);
  int n = s->n;
  std::vector<double> m(size_t(n) * n), v(size_t(n) * n, 0.0);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      bool stored = s->uplo == 0 ? i >= j : i <= j;
      double x = stored ? s->a[i + size_t(j) * s->lda] : s->a[j + size_t(i) * s->lda];
      m[i + size_t(j) * n] = x;
    }
  for (int i = 0; i < n; ++i) v[i + size_t(i) * n] = 1.0;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, diag = 0;
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) (i == j ? diag : off) += m[i + size_t(j) * n] * m[i + size_t(j) * n];
    if (off <= 1e-30 * diag || off == 0) break;
    for (int p = 0; p < n - 1; ++p)
      for (int q = p + 1; q < n; ++q) {
        double apq = m[p + size_t(q) * n];
        if (apq == 0) continue;
        double app = m[p + size_t(p) * n], aqq = m[q + size_t(q) * n];
        double theta = (aqq - app) / (2 * apq);
        double t = (theta >= 0 ? 1 : -1) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
        double c = 1 / std::sqrt(t * t + 1), sn = t * c;
        for (int k = 0; k < n; ++k) {  // columns p, q
          double mkp = m[k + size_t(p) * n], mkq = m[k + size_t(q) * n];
          m[k + size_t(p) * n] = c * mkp - sn * mkq;
          m[k + size_t(q) * n] = sn * mkp + c * mkq;
        }
        for (int k = 0; k < n; ++k) {  // rows p, q
          double mpk = m[p + size_t(k) * n], mqk = m[q + size_t(k) * n];
          m[p + size_t(k) * n] = c * mpk - sn * mqk;
          m[q + size_t(k) * n] = sn * mpk + c * mqk;
        }
        for (int k = 0; k < n; ++k) {
          double vkp = v[k + size_t(p) * n], vkq = v[k + size_t(q) * n];
          v[k + size_t(p) * n] = c * vkp - sn * vkq;
          v[k + size_t(q) * n] = sn * vkp + c * vkq;
        }
      }
  }
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int x, int y) { return m[x + size_t(x) * n] < m[y + size_t(y) * n]; });
  for (int j = 0; j < n; ++j) {
    int o = order[j];
    s->w[j] = m[o + size_t(o) * n];
    if (s->jobz == 1)
      for (int i = 0; i < n; ++i) s->a[i + size_t(j) * s->lda] = v[i + size_t(o) * n];
  }
  *s->info = 0;
  delete s;
  return 0;
}
}  // namespace

extern "C" {
int cusolverDnCreate(void** h) { *h = new Handle(); return SUCCESS; }
int cusolverDnDestroy(void* h) { delete static_cast<Handle*>(h); return SUCCESS; }
int cusolverDnSetStream(void* h, void* stream) { static_cast<Handle*>(h)->stream = stream; return SUCCESS; }
int cusolverDnDsyevd_bufferSize(void* h, int jobz, int uplo, int n, const double* a, int lda, const double* w, int* lwork) {
  if (!h || n < 0 || lda < std::max(1, n)) return INVALID_VALUE;
  *lwork = std::max(1, 2 * n + 1);
  return SUCCESS;
}
int cusolverDnDsyevd(void* h, int jobz, int uplo, int n, double* a, int lda, double* w, double* work, int lwork, int* info) {
  if (!h) return NOT_INITIALIZED;
  if (n < 0 || lda < std::max(1, n) || (jobz != 0 && jobz != 1) || (uplo != 0 && uplo != 1)) return INVALID_VALUE;
  if (lwork < std::max(1, 2 * n + 1)) return INVALID_VALUE;
  auto u = [](const void* p) { return reinterpret_cast<unsigned long long>(p); };
  if (ncemu_check_range(u(a), size_t(lda) * n * 8, "cusolverDnDsyevd A") ||
      ncemu_check_range(u(w), size_t(n) * 8, "cusolverDnDsyevd W") ||
      ncemu_check_range(u(work), size_t(lwork) * 8, "cusolverDnDsyevd work") ||
      ncemu_check_range(u(info), 4, "cusolverDnDsyevd devInfo"))
    return INVALID_VALUE;
  if (n == 0) return SUCCESS;
  Syevd* s = new Syevd{jobz, uplo, n, lda, a, w, info};
  return ncemu_enqueue(static_cast<Handle*>(h)->stream, "cusolverDnDsyevd", run_syevd, s) == 0 ? SUCCESS : EXECUTION_FAILED;
}
}
