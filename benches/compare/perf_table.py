#!/usr/bin/env python3
"""Regenerates the README's performance table (the MLP of benches/mlp.rs) from a run.

Pins itself (and so `cargo bench`, which it starts) to one CPU, sets one thread for
BLAS, XLA and PyTorch (compare.py's settings), then, `--runs` times: runs
`cargo bench --bench mlp` (criterion medians) and compare.py's JAX and PyTorch
workloads (medians of `--repeat` calls). Prints the machine and thread settings, the
Markdown table of the README (medians over the runs), the ratios, and the spread of
each figure over the runs (min–max). A framework that is not installed is a column
of "—".

    python3 benches/compare/perf_table.py --runs 3            # from the repository root
    python3 benches/compare/perf_table.py --skip-bench        # reuse target/criterion
"""
import argparse
import os
import platform
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def parse():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cpu", type=int, default=1, help="the CPU to pin everything to (default 1)")
    ap.add_argument("--runs", type=int, default=1, help="how many times to run everything")
    ap.add_argument("--repeat", type=int, default=100, help="timed calls per framework and op")
    ap.add_argument("--skip-bench", action="store_true", help="read target/criterion as it is")
    ap.add_argument("--measurement-time", default="3")
    ap.add_argument(
        "--stat",
        choices=["median", "min"],
        default="median",
        help="per run: the median of the timed calls, or the minimum (steadier on a busy machine)",
    )
    return ap.parse_args()


ARGS = parse()
# Pin before compare.py is imported: it pins to the lowest CPU of the current set.
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {ARGS.cpu})
sys.argv = [sys.argv[0]]
sys.path.insert(0, HERE)
import compare  # noqa: E402  (sets the one-thread environment on import)


def machine():
    """CPU model, core count, vector extensions, load."""
    model, flags = platform.processor() or "?", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model in ("?", ""):
                    model = line.split(":", 1)[1].strip()
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    simd = [f for f in ("sse2", "avx2", "fma", "avx512f") if f in flags]
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    return (
        f"{model}, {os.cpu_count()} logical CPUs, {'/'.join(simd)}; "
        f"load average {load[0]:.2f} at the start"
    )


def hype_bench():
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    cmd = [
        "cargo", "bench", "--bench", "mlp", "--",
        "--measurement-time", ARGS.measurement_time, "--warm-up-time", "1",
    ]
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def target_dir():
    return os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))


def criterion_min(dir_):
    """Hype's fastest timed sample (seconds per call) from criterion's sample.json."""
    import json

    group = os.path.join(dir_, "mlp_784_300_100_10_batch100")
    out = {}
    for name in os.listdir(group) if os.path.isdir(group) else []:
        path = os.path.join(group, name, "new", "sample.json")
        if os.path.exists(path):
            with open(path) as f:
                s = json.load(f)
            out[name] = min(t / i for t, i in zip(s["times"], s["iters"])) * 1e-9
    return out


def fmt(values):
    """`median ms` of a list of seconds, or a dash."""
    return f"{statistics.median(values) * 1e3:.2f} ms" if values else "—"


def spread(values):
    return f"{min(values) * 1e3:.2f}–{max(values) * 1e3:.2f}" if values else "—"


def main():
    print(f"machine: {machine()}")
    print(
        f"settings: everything pinned to CPU {ARGS.cpu}; OPENBLAS/OMP/MKL_NUM_THREADS=1, "
        "XLA --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1, "
        f"torch.set_num_threads(1); {ARGS.runs} run(s), {ARGS.repeat} calls per framework figure; "
        f"each figure is the {ARGS.stat} of one run's timed calls, the table the median over the runs"
    )
    hype = {k: [] for k in ("grad_generated", "grad_by_hand", "hvp_generated", "forward_annotated", "forward_by_hand")}
    peers = {"jax": {"grad": [], "hvp": [], "forward": []}, "torch": {"grad": [], "hvp": [], "forward": []}}
    labels = {}
    for run in range(ARGS.runs):
        if not ARGS.skip_bench:
            hype_bench()
        crit = os.path.join(target_dir(), "criterion")
        got = compare.criterion(crit) if ARGS.stat == "median" else criterion_min(crit)
        for k, v in got.items():
            if k in hype:
                hype[k].append(v)
        for name, fn in (("jax", compare.bench_jax), ("torch", compare.bench_torch)):
            try:
                label, r = fn(ARGS.repeat)
            except ImportError as e:
                print(f"{name}: not installed ({e})", file=sys.stderr)
                continue
            labels[name] = label
            for op, (med, mn) in r.items():
                peers[name][op].append(med if ARGS.stat == "median" else mn)
        print(f"run {run + 1}/{ARGS.runs} done", file=sys.stderr)
    print("peers: " + "; ".join(labels.values()))
    print()
    print("| 784-300-100-10 tanh MLP, batch 100, f64 | Hype generated | Hype by hand | JAX (jit) | PyTorch |")
    print("|---|---|---|---|---|")
    rows = [
        ("loss and gradient", "grad_generated", "grad_by_hand", "grad"),
        ("Hessian-vector product (`hvp!`)", "hvp_generated", None, "hvp"),
        ("forward pass (JAX, PyTorch: with the loss)", "forward_annotated", "forward_by_hand", "forward"),
    ]
    for title, gen, hand, op in rows:
        cells = [fmt(hype[gen]), fmt(hype[hand]) if hand else "—", fmt(peers["jax"][op]), fmt(peers["torch"][op])]
        print(f"| {title} | " + " | ".join(cells) + " |")
    print()
    print("| ratio (other / Hype generated; > 1: Hype faster) | JAX | PyTorch |")
    print("|---|---|---|")
    for title, gen, _hand, op in rows:
        cells = []
        for name in ("jax", "torch"):
            if peers[name][op] and hype[gen]:
                cells.append(f"{statistics.median(peers[name][op]) / statistics.median(hype[gen]):.2f}")
            else:
                cells.append("—")
        print(f"| {title} | " + " | ".join(cells) + " |")
    if hype["grad_generated"] and hype["grad_by_hand"]:
        print(
            "\ngenerated / hand-written gradient: "
            f"{statistics.median(hype['grad_generated']) / statistics.median(hype['grad_by_hand']):.3f}"
        )
    print("\nspread over the runs (min–max, ms):")
    for k, v in hype.items():
        print(f"  hype {k:18} {spread(v)}")
    for name, ops in peers.items():
        for op, v in ops.items():
            print(f"  {name:5} {op:23} {spread(v)}")


if __name__ == "__main__":
    main()
