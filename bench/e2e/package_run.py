#!/usr/bin/env python3
"""The Python package rhubarbwu/neural-collapse run end to end over the same .npy files that
`./ncj analyze` reads, the way its README and examples/mnist.py use it: MeanAccumulator, then
CovarAccumulator + VarNormAccumulator about the means, DecAccumulator on the training set, then
the measures of the README's results table plus the kernel statistics ncj also reports.
Batches are read from memory-mapped files as ncj does; the timed span starts before the first
read and ends after the last measure (interpreter start and imports are excluded, which favours
the package).

Usage: python3 bench/e2e/package_run.py PACKAGE_DIR TRAIN_X TRAIN_Y WEIGHTS [--threads T]
         [--batch B] > result.json
PACKAGE_DIR is a checkout of https://github.com/rhubarbwu/neural-collapse (the folder holding
neural_collapse/); it is put first on sys.path.
"""
import argparse
import json
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("package")
ap.add_argument("train_x")
ap.add_argument("train_y")
ap.add_argument("weights")
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--batch", type=int, default=16384)
a = ap.parse_args()
sys.path.insert(0, a.package)

import numpy as np  # noqa: E402
import torch as pt  # noqa: E402
from neural_collapse.accumulate import (CovarAccumulator, DecAccumulator,  # noqa: E402
                                        MeanAccumulator, VarNormAccumulator)
from neural_collapse.kernels import kernel_stats, log_kernel  # noqa: E402
from neural_collapse.measure import (clf_ncc_agreement, covariance_ratio,  # noqa: E402
                                     self_duality_error, similarities,
                                     simplex_etf_error, variability_cdnv)

pt.set_num_threads(a.threads)
seconds = {}
t0 = time.perf_counter()
X = np.load(a.train_x, mmap_mode="r")
Y = np.load(a.train_y, mmap_mode="r")
W = pt.from_numpy(np.load(a.weights).astype(np.float32))
n, d = X.shape
k = W.shape[0]


def batches():
    for r in range(0, n, a.batch):
        yield (pt.from_numpy(np.array(X[r:r + a.batch], dtype=np.float32)),
               pt.from_numpy(np.ascontiguousarray(Y[r:r + a.batch]).astype(np.int64)))


def lap(name, t):
    seconds[name] = time.perf_counter() - t
    return time.perf_counter()


t = time.perf_counter()
mean_accum = MeanAccumulator(k, d, "cpu")
for x, y in batches():
    mean_accum.accumulate(x, y)
means, mG = mean_accum.compute()
t = lap("means", t)
covar_accum = CovarAccumulator(k, d, "cpu", M=means)
var_norms_accum = VarNormAccumulator(k, d, "cpu", M=means)
for x, y in batches():
    covar_accum.accumulate(x, y, means)
    var_norms_accum.accumulate(x, y, means)
covar_within = covar_accum.compute()
var_norms, _ = var_norms_accum.compute()
t = lap("covariance", t)
dec_accum = DecAccumulator(k, d, "cpu", M=means, W=W)
for x, y in batches():
    dec_accum.accumulate(x, y, W, means)
t = lap("decisions", t)
metrics = {
    "nc1_pinv": covariance_ratio(covar_within, means, mG),
    # scipy's svds needs K - 1 < D: the package cannot compute nc1_svd beyond that
    "nc1_svd": covariance_ratio(covar_within, means, mG, "svd") if k - 1 < d else float("nan"),
    "nc1_quot": covariance_ratio(covar_within, means, mG, "quotient"),
    "nc1_cdnv": variability_cdnv(var_norms, means),
    "nc2_etf_err": simplex_etf_error(means, mG),
}
metrics["nc2g_dist_mean"], metrics["nc2g_dist_var"] = kernel_stats(means, mG)
metrics.update({
    "nc2g_log_var": kernel_stats(means, mG, kernel=log_kernel)[1],
    "nc3_dual_err": self_duality_error(W, means, mG),
    "nc3u_uni_dual": similarities(W, means, mG).var().item(),
    "nc4_agree": clf_ncc_agreement(dec_accum),
})
t = lap("measures", t)
seconds["total"] = time.perf_counter() - t0
print(json.dumps({"n": n, "d": d, "k": k, "threads": a.threads,
                  "metrics": {m: float(v) for m, v in metrics.items() if v == v}, "seconds": seconds}))
