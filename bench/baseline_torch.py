#!/usr/bin/env python3
"""The usual PyTorch way of computing neural-collapse statistics (the way the Python package
rhubarbwu/neural-collapse does), timed on the same shapes as ncj's own benchmarks, so that
`bench/compare.py` can print ours / baseline per operation. Written from the description in the
benchmarks issue, not from the package's code:

- class sums: one-hot (K x B) @ (B x D) matmul
- covariance: (X - M[y])^T (X - M[y])
- variance norms: squared row norms of X - M[y] through the one-hot matmul
- kernel statistics: a dense K x K float32 grid filled tile by tile from a (T, T, D) difference
  tensor per tile pair, then the folded rows reduced in a Python loop
- decisions: a dense B x K distance matrix and argmin, and the B x K logits and argmax

Usage: python3 bench/baseline_torch.py [--device cuda|cpu] [--preset gpu|cpu] > baseline.json
Times are medians of CUDA-event (or wall-clock on the CPU) timings after a warm-up.
"""
import argparse
import json
import statistics
import sys
import time

import torch


def timed(fn, device, reps):
    fn()
    if device == "cuda":
        torch.cuda.synchronize()
    out = []
    for _ in range(reps):
        if device == "cuda":
            a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            a.record()
            fn()
            b.record()
            torch.cuda.synchronize()
            out.append(a.elapsed_time(b) / 1e3)
        else:
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return statistics.median(out)


def class_sums(x, y, k):
    onehot = torch.nn.functional.one_hot(y.long(), k).to(x.dtype)  # (B, K)
    return onehot.T @ x, onehot.sum(0)


def covariance(x, y, means):
    xc = x - means[y.long()]
    return xc.T @ xc


def var_norms(x, y, means, k):
    xc = x - means[y.long()]
    sq = (xc * xc).sum(1, keepdim=True)
    onehot = torch.nn.functional.one_hot(y.long(), k).to(x.dtype)
    return (onehot.T @ sq).squeeze(1)


def kernel_stats(m, tile):
    k = m.shape[0]
    grid = torch.empty(k, k, dtype=torch.float32, device=m.device)
    for i in range(0, k, tile):
        for j in range(0, k, tile):
            diff = m[i:i + tile].unsqueeze(1) - m[j:j + tile].unsqueeze(0)  # (T, T, D)
            grid[i:i + tile, j:j + tile] = diff.norm(dim=-1)
    # Folded rows of the upper triangle, reduced in a Python loop (row i with row K-2-i).
    total = torch.zeros((), dtype=torch.float64, device=m.device)
    count = 0
    for i in range((k - 1 + 1) // 2):
        row = grid[i, i + 1:]
        other = k - 2 - i
        if other != i and other > i:
            row = torch.cat([row, grid[other, other + 1:]])
        total += row.double().sum()
        count += row.numel()
    return total / count


def decisions(x, means, w):
    d2 = torch.cdist(x, means)  # (B, K)
    ncc = d2.argmin(1)
    lin = (x @ w.T).argmax(1)
    return (ncc == lin).sum()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--preset", choices=["gpu", "cpu"], default=None,
                    help="gpu: the shapes of ncj's Throughput (GPU run); cpu: the shapes of CpuBench (JMH)")
    a = ap.parse_args()
    dev = a.device
    a.quick = (a.preset or ("gpu" if dev == "cuda" else "cpu")) == "cpu"
    torch.manual_seed(0)
    reps = 5 if dev == "cuda" else 3
    res = {"device": torch.cuda.get_device_name() if dev == "cuda" else "cpu", "torch": torch.__version__, "ops": []}
    d, n = 512, 131072 if a.quick else 1048576
    x = torch.randn(n, d, device=dev)
    for k in (10, 1000):
        y = torch.randint(0, k, (n,), device=dev, dtype=torch.int32)
        t = timed(lambda: class_sums(x, y, k), dev, reps)
        res["ops"].append({"op": "class_sums", "k": k, "d": d, "n": n, "seconds": t, "gbps": (n * d * 4 + n * 4) / t / 1e9})
    del x

    dc, nc = 1024, 4096 if a.quick else 262144
    x = torch.randn(nc, dc, device=dev)
    y = torch.randint(0, 10, (nc,), device=dev, dtype=torch.int32)
    means = torch.randn(10, dc, device=dev)
    t = timed(lambda: covariance(x, y, means), dev, reps)
    res["ops"].append({"op": "covariance", "n": nc, "d": dc, "seconds": t, "tflops": nc * dc * (dc + 1) / t / 1e12})
    t = timed(lambda: var_norms(x, y, means, 10), dev, reps)
    res["ops"].append({"op": "var_norms", "n": nc, "d": dc, "seconds": t})
    del x

    kp, dp = (8192, 512) if not a.quick else (1024, 512)
    m = torch.nn.functional.normalize(torch.randn(kp, dp, device=dev), dim=1)
    t = timed(lambda: kernel_stats(m, 64 if not a.quick else 128), dev, 1 if dev == "cpu" else 3)
    pairs = kp * (kp - 1) / 2
    res["ops"].append({"op": "kernel_stats_dist", "k": kp, "d": dp, "seconds": t, "gpairs": pairs / t / 1e9})

    kd, dd, nd = 1000, 512, 8192 if a.quick else 65536
    x = torch.randn(nd, dd, device=dev)
    means = torch.randn(kd, dd, device=dev)
    w = torch.randn(kd, dd, device=dev)
    t = timed(lambda: decisions(x, means, w), dev, reps)
    res["ops"].append({"op": "decisions", "k": kd, "d": dd, "n": nd, "seconds": t, "tflops": 4 * nd * kd * dd / t / 1e12})

    json.dump(res, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
