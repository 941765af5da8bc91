#!/usr/bin/env python3
"""Prints ours / baseline per operation: ncj's figures (the GPU Throughput log, or the CPU JMH
JSON) against bench/baseline_torch.py's JSON on the same shapes and device.

  python3 bench/compare.py gpu THROUGHPUT_LOG BASELINE_JSON
  python3 bench/compare.py cpu JMH_JSON BASELINE_JSON
"""
import json
import re
import sys


def gpu(log_path, base):
    text = open(log_path).read()
    ops = {(o["op"], o.get("k")): o for o in base["ops"]}
    rows = []
    for k in (10, 1000):
        m = re.search(rf"class sums k={k} d=512 n=(\d+) FLOAT32 \([a-z]+[^)]*\): ([\d.]+) GB/s", text)
        b = ops.get(("class_sums", k))
        if m and b and int(m.group(1)) == b["n"]:
            rows.append((f"class sums K={k}, D=512, n={b['n']}", float(m.group(2)), b["gbps"], "GB/s"))
    m = re.search(r"covariance \(centre\+syrk\) n=(\d+) d=1024 FLOAT32: ([\d.]+) TFLOP/s", text)
    b = ops.get(("covariance", None))
    if m and b and int(m.group(1)) == b["n"]:
        rows.append((f"covariance n={b['n']}, D=1024", float(m.group(2)), b["tflops"], "TFLOP/s"))
    m = re.search(r"pairwise stats dist K=8192 d=512 f64: [\d.]+ s, ([\d.]+) Gpairs/s", text)
    b = ops.get(("kernel_stats_dist", 8192))
    if m and b:
        rows.append(("kernel stats (dist) K=8192, D=512", float(m.group(1)), b["gpairs"], "Gpairs/s"))
    return rows


def cpu(jmh_path, base):
    runs = json.load(open(jmh_path))
    ops = {(o["op"], o.get("k")): o for o in base["ops"]}
    rows = []
    for r in runs:
        name = r["benchmark"].rsplit(".", 1)[1]
        p = r.get("params", {})
        ms = r["primaryMetric"]["score"]
        if name == "classSums" and p.get("d") == "512":
            b = ops.get(("class_sums", int(p["k"])))
            if b and b["n"] == 131072:
                rows.append((f"class sums K={p['k']}, D=512, n=131072", (131072 * 512 * 4 + 131072 * 4) / (ms * 1e-3) / 1e9,
                             b["gbps"], "GB/s"))
        if name == "covariance" and p.get("d") == "1024" and p.get("dtype") == "FLOAT32":
            b = ops.get(("covariance", None))
            if b and b["n"] == 4096:
                rows.append(("covariance n=4096, D=1024", 4096 * 1024 * 1025 / (ms * 1e-3) / 1e12, b["tflops"], "TFLOP/s"))
    return rows


def main():
    kind, ours, base_path = sys.argv[1:4]
    base = json.load(open(base_path))
    rows = gpu(ours, base) if kind == "gpu" else cpu(ours, base)
    print(f"| operation ({base['device']}, torch {base['torch']}) | ncj | PyTorch baseline | ncj / baseline |")
    print("|---|---|---|---|")
    for name, a, b, unit in rows:
        print(f"| {name} | {a:.2f} {unit} | {b:.2f} {unit} | {a / b:.2f} |")


if __name__ == "__main__":
    main()
