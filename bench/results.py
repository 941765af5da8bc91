#!/usr/bin/env python3
"""Turns a JMH JSON result of CpuBench into the CPU table of RESULTS.md: each figure beside the
limit measured in the same run (copy bandwidth, BLAS SYRK on the same shape)."""
import datetime
import json
import os
import platform
import re
import subprocess
import sys


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def blas_impl(log_path):
    try:
        text = open(log_path).read()
    except OSError:
        return "unknown"
    m = re.search(r"# BLAS implementation: (\S+)", text)
    if not m:
        return "unknown (no '# BLAS implementation' line in the log)"
    return m.group(1) + (" = native system BLAS" if m.group(1).startswith("JNI") else " = pure Java")


def main(kind, json_path, results_path):
    runs = json.load(open(json_path))
    by = {}
    for r in runs:
        name = r["benchmark"].rsplit(".", 1)[1]
        key = (name,) + tuple(sorted(r.get("params", {}).items()))
        by[key] = r["primaryMetric"]["score"], r["primaryMetric"]["scoreError"], r["primaryMetric"]["scoreUnit"]

    def get(name, **params):
        return by.get((name,) + tuple(sorted((k, str(v)) for k, v in params.items())))

    n_sums = 131072
    n_cov = 4096
    rows = []
    for k in ("10", "1000"):
        for d in ("512",):
            s = get("classSums", k=k, d=d)
            c = get("memoryCopy", k=k, d=d)
            if not s or not c:
                continue
            gbs = (n_sums * int(d) * 4 + n_sums * 4) / (s[0] * 1e-3) / 1e9
            copy = n_sums * int(d) * 4 / (c[0] * 1e-3) / 1e9
            rows.append(f"| class sums, K={k}, D={d}, n={n_sums}, float32 | {s[0]:.1f} ± {s[1]:.1f} ms | {gbs:.1f} GB/s read | memory copy {copy:.1f} GB/s read ({2 * copy:.1f} read + write) | {gbs / copy:.2f} |")
    for d in ("256", "1024"):
        for t in ("FLOAT32", "FLOAT64"):
            s = get("covariance", d=d, dtype=t)
            b = get("blasSyrk", d=d, dtype=t)
            if not s or not b:
                continue
            flops = n_cov * int(d) * (int(d) + 1)
            ours = flops / (s[0] * 1e-3) / 1e9
            blas = flops / (b[0] * 1e-3) / 1e9
            rows.append(f"| covariance (centre + SYRK), n={n_cov}, D={d}, {t.lower()} | {s[0]:.1f} ± {s[1]:.1f} ms | {ours:.1f} GFLOP/s | BLAS {'s' if t == 'FLOAT32' else 'd'}syrk {blas:.1f} GFLOP/s | {ours / blas:.2f} |")
            j = get("covarianceJavaKernel", d=d, dtype=t)
            if j:
                jv = flops / (j[0] * 1e-3) / 1e9
                rows.append(f"| covariance, pure-Java SYRK kernel (no native BLAS), n={n_cov}, D={d}, {t.lower()} | {j[0]:.1f} ± {j[1]:.1f} ms | {jv:.1f} GFLOP/s | BLAS {'s' if t == 'FLOAT32' else 'd'}syrk {blas:.1f} GFLOP/s | {jv / blas:.2f} |")
    one = get("onePass", k="100")
    two = get("twoPass", k="100")
    if one and two:
        rows.append(f"| one pass (ClassStatistics), n=200,000, D=512, K=100, float32 | {one[0]:.0f} ± {one[1]:.0f} ms | — | two passes (means, then Σ_W + variance norms) {two[0]:.0f} ± {two[1]:.0f} ms | two-pass time / one-pass time = {two[0] / one[0]:.2f} |")
    # MeasureBench: pairwise statistics against dgemm of the K x K Gram, decisions against dgemm,
    # variance norms against a copy, per-class covariance against dsyrk.
    anchor = get("pairwiseGemmAnchor", k="2048", d="128", kernel="dist", tile="64")
    if anchor:
        gemm = 2 * 2048 * 2048 * 128 / (anchor[0] * 1e-3) / 1e9
        for kern in ("dist", "log", "riesz", "cdnv"):
            for tile in ("16", "64", "256"):
                r = get("pairwiseStats", k="2048", d="128", kernel=kern, tile=tile)
                if r:
                    pairs = 2048 * 2047 / 2
                    gf = 4 * pairs * 128 / (r[0] * 1e-3) / 1e9
                    rows.append(f"| pairwise stats {kern}, K=2048, D=128, tile {tile} | {r[0]:.1f} ± {r[1]:.1f} ms | {pairs / (r[0] * 1e-3) / 1e6:.1f} Mpairs/s, {gf:.1f} GFLOP/s | BLAS dgemm of the Gram {gemm:.1f} GFLOP/s | {gf / gemm:.2f} |")
    dg = get("decisionsGemmAnchor", k="1000", d="512")
    de = get("decisions", k="1000", d="512")
    if dg and de:
        flops = 2 * 2048 * 1000 * 512
        rows.append(f"| decisions (NCC + linear, exact float64), n=2048, K=1000, D=512 | {de[0]:.1f} ± {de[1]:.1f} ms | {2 * flops / (de[0] * 1e-3) / 1e9:.1f} GFLOP/s | BLAS dgemm of the scores {flops / (dg[0] * 1e-3) / 1e9:.1f} GFLOP/s | {2 * flops / (de[0] * 1e-3) / (flops / (dg[0] * 1e-3)):.2f} |")
    vn = get("varNorms", k="16", d="256")
    vc = get("varNormsCopyAnchor", k="16", d="256")
    if vn and vc:
        b = 16384 * 256 * 4
        rows.append(f"| variance norms, n=16384, K=16, D=256, float32 | {vn[0]:.2f} ± {vn[1]:.2f} ms | {b / (vn[0] * 1e-3) / 1e9:.1f} GB/s read | memory copy {b / (vc[0] * 1e-3) / 1e9:.1f} GB/s read | {vc[0] / vn[0]:.2f} |")
    pc = get("perClassCovariance", k="16", d="256")
    ps = get("perClassSyrkAnchor", k="16", d="256")
    if pc and ps:
        fl = 16384 * 256 * 257
        rows.append(f"| per-class covariance, 16 classes, n=16384, D=256 | {pc[0]:.1f} ± {pc[1]:.1f} ms | {fl / (pc[0] * 1e-3) / 1e9:.1f} GFLOP/s | BLAS dsyrk (whole batch) {fl / (ps[0] * 1e-3) / 1e9:.1f} GFLOP/s | {ps[0] / pc[0]:.2f} |")
    e = get("eigh", n="1024")
    if e:
        rows.append(f"| eigen-decomposition (dsyevd), n=1024, float64 | {e[0]:.1f} ± {e[1]:.1f} ms | — | — | — |")
    date = datetime.date.today().isoformat()
    log = os.path.join(os.path.dirname(json_path), "cpu.log")
    header = (f"Measured {date} on {cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
              f"Java {subprocess.run(['java', '-version'], capture_output=True, text=True).stderr.splitlines()[0] if True else ''}; "
              f"BLAS anchor: {blas_impl(log)}. JMH average time per operation (± 99.9% CI), "
              "1 fork, 2 warm-up and 3 measured iterations (`bench/run-cpu.sh`).")
    table = "\n".join([header, "",
                       "| operation | time | throughput | limit measured in the same run | ratio |",
                       "|---|---|---|---|---|"] + rows)
    text = open(results_path).read() if os.path.exists(results_path) else "# Benchmark results\n\n<!-- cpu:begin -->\n<!-- cpu:end -->\n"
    new = re.sub(r"<!-- cpu:begin -->.*?<!-- cpu:end -->",
                 lambda m: "<!-- cpu:begin -->\n" + table + "\n<!-- cpu:end -->", text, flags=re.S)
    open(results_path, "w").write(new)


if __name__ == "__main__":
    main(*sys.argv[1:4])
