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
