#!/usr/bin/env python3
"""The workload of benches/mlp.rs in JAX (jit) and PyTorch (CPU), single thread, f64
(or f32 with --dtype float32, against the bench's `_f32` group).

784-300-100-10 tanh MLP, batch 100, mean softmax cross-entropy:
  * grad: the loss and its gradient with respect to all six parameter arrays;
  * hvp:  the Hessian-vector product of the loss with respect to the parameters
          (forward-over-reverse: jvp of the gradient), along a fixed direction.

Prints the median and minimum time of each, and, when criterion's results of
`cargo bench --bench mlp` are found (--criterion DIR), Hype's figures and the
ratios. See README.md.
"""
import argparse
import json
import os
import statistics
import sys
import time

# One thread everywhere, set before the libraries load.
for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[var] = "1"
os.environ["XLA_FLAGS"] = (
    os.environ.get("XLA_FLAGS", "")
    + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)
# ... and one core: with the flags above XLA still runs work on a second core
# (JAX's gradient took 2.05 ms unpinned and 2.57 ms on one core). Run Hype's bench
# pinned the same way: `taskset -c 0 cargo bench --bench mlp`.
if "--no-pin" not in sys.argv and hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import numpy as np  # noqa: E402

SIZES = [784, 300, 100, 10]
BATCH = 100
# The float type of the arrays: "float64" (default) or "float32" (--dtype).
DTYPE = "float64"


def data():
    """The inputs and one-hot targets of benches/mlp.rs."""
    i = np.arange(BATCH)[:, None]
    j = np.arange(784)[None, :]
    x = ((i * 784 + j) % 97).astype(np.float64) / 97.0
    y = np.zeros((BATCH, 10))
    y[np.arange(BATCH), np.arange(BATCH) % 10] = 1.0
    return x.astype(DTYPE), y.astype(DTYPE)


def params(seed):
    """Glorot-uniform weights, zero biases (as Init::Glorot), as a flat list."""
    rng = np.random.default_rng(seed)
    out = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        a = np.sqrt(6.0 / (fan_in + fan_out))
        out.append(rng.uniform(-a, a, size=(fan_in, fan_out)))
        out.append(np.zeros(fan_out))
    return [a.astype(DTYPE) for a in out]


def timeit(fn, repeat, warmup=5):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), min(times)


def bench_jax(repeat):
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", DTYPE == "float64")
    jax.config.update("jax_platforms", "cpu")
    x, y = (jnp.asarray(a) for a in data())
    p = [jnp.asarray(a) for a in params(1)]
    v = [jnp.asarray(a) for a in params(2)]

    def loss(p, x, y):
        w0, b0, w1, b1, w2, b2 = p
        h = jnp.tanh(x @ w0 + b0)
        h = jnp.tanh(h @ w1 + b1)
        z = h @ w2 + b2
        return -jnp.mean(jnp.sum(y * jax.nn.log_softmax(z), axis=1))

    vg = jax.jit(jax.value_and_grad(loss))
    hvp = jax.jit(lambda p, v, x, y: jax.jvp(lambda q: jax.grad(loss)(q, x, y), (p,), (v,))[1])
    fwd = jax.jit(loss)
    out = {}
    out["grad"] = timeit(lambda: jax.block_until_ready(vg(p, x, y)), repeat)
    out["hvp"] = timeit(lambda: jax.block_until_ready(hvp(p, v, x, y)), repeat)
    out["forward"] = timeit(lambda: jax.block_until_ready(fwd(p, x, y)), repeat)
    assert out and all(a.dtype == DTYPE for a in p)
    return f"jax {jax.__version__} (jit, {DTYPE}, CPU)", out


def bench_torch(repeat):
    import warnings

    # torch.func imports torch.jit, which warns that it is deprecated.
    warnings.filterwarnings("ignore", category=FutureWarning)
    import torch
    from torch.func import grad, jvp

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # a second call in one process (perf_table.py --runs N): already 1
    x, y = (torch.from_numpy(a) for a in data())
    p = tuple(torch.from_numpy(a) for a in params(1))
    v = tuple(torch.from_numpy(a) for a in params(2))

    def loss(p, x, y):
        w0, b0, w1, b1, w2, b2 = p
        h = torch.tanh(x @ w0 + b0)
        h = torch.tanh(h @ w1 + b1)
        z = h @ w2 + b2
        return -(y * torch.log_softmax(z, dim=1)).sum(dim=1).mean()

    def value_and_grad():
        q = tuple(t.clone().requires_grad_(True) for t in p)
        l = loss(q, x, y)
        g = torch.autograd.grad(l, q)
        return l.item(), g

    def hvp():
        return jvp(lambda q: grad(loss)(q, x, y), (p,), (v,))[1]

    out = {}
    out["grad"] = timeit(value_and_grad, repeat)
    out["hvp"] = timeit(hvp, repeat)
    with torch.no_grad():
        out["forward"] = timeit(lambda: loss(p, x, y).item(), repeat)
    assert all(str(a.dtype) == f"torch.{DTYPE}" for a in p)
    return f"torch {torch.__version__} (eager, {DTYPE}, CPU, 1 thread)", out


def criterion(dir_):
    """Hype's medians (seconds) from criterion's estimates, by benchmark name, and the
    time per call of each benchmark's fastest sample (from sample.json)."""
    suffix = "_f32" if DTYPE == "float32" else ""
    group = os.path.join(dir_, "mlp_784_300_100_10_batch100" + suffix)
    out, fastest = {}, {}
    for name in ("grad_generated", "grad_by_hand", "hvp_generated", "forward_annotated", "forward_by_hand"):
        path = os.path.join(group, name + suffix, "new", "estimates.json")
        if os.path.exists(path):
            with open(path) as f:
                out[name] = json.load(f)["median"]["point_estimate"] * 1e-9
        path = os.path.join(group, name + suffix, "new", "sample.json")
        if os.path.exists(path):
            with open(path) as f:
                smp = json.load(f)
            fastest[name] = min(t / n for t, n in zip(smp["times"], smp["iters"])) * 1e-9
    return out, fastest


def per_call(dir_):
    """Hype's per-call (median, min) seconds as benches/mlp.rs measured them, the method
    of timeit() here (written for the f32 group only), or {}."""
    suffix = "_f32" if DTYPE == "float32" else ""
    path = os.path.join(dir_, "mlp_per_call" + suffix + ".json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=100)
    ap.add_argument("--criterion", help="criterion's output directory (TARGET_DIR/criterion)")
    ap.add_argument("--only", choices=["jax", "torch"])
    ap.add_argument("--no-pin", action="store_true", help="do not pin the process to one CPU")
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    args = ap.parse_args()
    global DTYPE
    DTYPE = args.dtype

    results = {}
    for name, fn in (("jax", bench_jax), ("torch", bench_torch)):
        if args.only and args.only != name:
            continue
        try:
            label, r = fn(args.repeat)
        except ImportError as e:
            print(f"{name}: not installed ({e})", file=sys.stderr)
            continue
        results[name] = r
        print(f"{label}")
        for op, (med, mn) in r.items():
            print(f"  {op:8} median {med * 1e3:8.3f} ms   min {mn * 1e3:8.3f} ms")
        print(f"  hvp / grad = {r['hvp'][0] / r['grad'][0]:.2f}")

    if args.criterion:
        hype, fastest = criterion(args.criterion)
        if not hype:
            print(f"no criterion results under {args.criterion}", file=sys.stderr)
            return
        print("hype (criterion medians)")
        for k, s in hype.items():
            print(f"  {k:18} {s * 1e3:8.3f} ms")
        print("ratios (other / hype; > 1: hype faster)")
        for name, r in results.items():
            if "grad_generated" in hype:
                print(f"  {name:6} grad    / hype grad_generated    = {r['grad'][0] / hype['grad_generated']:.2f}")
            if "grad_by_hand" in hype:
                print(f"  {name:6} grad    / hype grad_by_hand      = {r['grad'][0] / hype['grad_by_hand']:.2f}")
            if "hvp_generated" in hype:
                print(f"  {name:6} hvp     / hype hvp_generated     = {r['hvp'][0] / hype['hvp_generated']:.2f}")
            if "forward_annotated" in hype:
                print(f"  {name:6} forward / hype forward_annotated = {r['forward'][0] / hype['forward_annotated']:.2f}")
        calls = per_call(args.criterion)
        if calls:
            print("hype (single calls as here: median / min of 100 after 5 warm-up)")
            for k, (med, mn) in calls.items():
                print(f"  {k:18} median {med * 1e3:8.3f} ms   min {mn * 1e3:8.3f} ms")
            print("ratios of single-call medians (other / hype), then of minima")
            for name, r in results.items():
                for op, k in (("grad", "grad_generated"), ("hvp", "hvp_generated"), ("forward", "forward_annotated")):
                    if k in calls:
                        med, mn = calls[k]
                        print(f"  {name:6} {op:7} / hype {k:18} = {r[op][0] / med:.2f}   (minima {r[op][1] / mn:.2f})")
        # A criterion sample is the mean of many back-to-back calls, so time that the
        # process spends preempted (a shared, loaded core) lands in every sample, while
        # the frameworks' median of single calls can skip it. The minima (fastest
        # single call against fastest sample) are the fairer comparison on a busy machine.
        if fastest:
            print("hype (fastest criterion sample, time per call)")
            for k, s in fastest.items():
                print(f"  {k:18} {s * 1e3:8.3f} ms")
            print("ratios of minima (other min / hype fastest sample)")
            for name, r in results.items():
                for op, k in (("grad", "grad_generated"), ("hvp", "hvp_generated"), ("forward", "forward_annotated")):
                    if k in fastest:
                        print(f"  {name:6} {op:7} / hype {k:18} = {r[op][1] / fastest[k]:.2f}")


if __name__ == "__main__":
    main()
