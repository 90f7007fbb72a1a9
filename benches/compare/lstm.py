#!/usr/bin/env python3
"""The workload of benches/lstm.rs in PyTorch (nn.LSTM) and JAX (lax.scan), one
thread, one core, f64 (or f32 with `--dtype float32`, the f64 weights and inputs
rounded, as the bench's group lstm_b32_i64_h128_t50_f32): batch 32, input 64, hidden
128, T = 50, loss the sum of every hidden state, forward and backward (the gradient
with respect to the four weight arrays). Weights 0.1 sin(0.37 k + c) (c = 0.1, 0.7, 1.3, 1.9 for weight_ih,
weight_hh, bias_ih, bias_hh, element k row-major), input cos(0.01 k) over [T, B, I].

Prints the loss (to compare with the bench's) and the median and minimum time of
`forward` and `forward_backward` for each.

Usage: python3 benches/compare/lstm.py [--repeats N] [--cpu] [--dtype float32]

`--cpu` times by the process's CPU time (on a shared machine, wall-clock time also
counts other processes' turns); `HYPE_LSTM_CPU=N cargo bench --bench lstm` prints the
bench's workloads timed the same way.
"""
import argparse
import os
import statistics
import sys
import time

for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[var] = "1"
os.environ["XLA_FLAGS"] = (
    os.environ.get("XLA_FLAGS", "")
    + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import numpy as np  # noqa: E402

B, I, H, T = 32, 64, 128, 50


def param(shape, c):
    k = np.arange(int(np.prod(shape)), dtype=np.float64)
    return (0.1 * np.sin(0.37 * k + c)).reshape(shape)


W_IH, W_HH = param((4 * H, I), 0.1), param((4 * H, H), 0.7)
B_IH, B_HH = param((4 * H,), 1.3), param((4 * H,), 1.9)
X = np.cos(0.01 * np.arange(T * B * I, dtype=np.float64)).reshape(T, B, I)


CLOCK = time.perf_counter
DTYPE = "float64"


def timed(f, repeats):
    f()
    times = []
    for _ in range(repeats):
        t0 = CLOCK()
        f()
        times.append(CLOCK() - t0)
    return statistics.median(times), min(times)


def report(name, what, t):
    print(f"{name:<8} {what:<17} median {1e3 * t[0]:8.2f} ms   min {1e3 * t[1]:8.2f} ms")


def run_torch(repeats):
    try:
        import torch
    except ImportError:
        print("torch: not installed")
        return
    torch.set_num_threads(1)
    dtype = getattr(torch, DTYPE)
    lstm = torch.nn.LSTM(I, H).to(dtype)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.tensor(W_IH.astype(DTYPE)))
        lstm.weight_hh_l0.copy_(torch.tensor(W_HH.astype(DTYPE)))
        lstm.bias_ih_l0.copy_(torch.tensor(B_IH.astype(DTYPE)))
        lstm.bias_hh_l0.copy_(torch.tensor(B_HH.astype(DTYPE)))
    x = torch.tensor(X.astype(DTYPE))

    def forward():
        with torch.no_grad():
            return lstm(x)[0].sum().item()

    def forward_backward():
        lstm.zero_grad()
        loss = lstm(x)[0].sum()
        loss.backward()
        return loss.item()

    print(f"torch {torch.__version__} ({DTYPE}): loss {forward_backward():.12f}")
    report("torch", "forward", timed(forward, repeats))
    report("torch", "forward_backward", timed(forward_backward, repeats))


def run_jax(repeats):
    try:
        import jax
    except ImportError:
        print("jax: not installed")
        return
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    params = tuple(jnp.asarray(a.astype(DTYPE)) for a in (W_IH, W_HH, B_IH, B_HH))
    x = jnp.asarray(X.astype(DTYPE))

    def loss(p, x):
        w_ih, w_hh, b_ih, b_hh = p

        def step(carry, xt):
            h, c = carry
            z = xt @ w_ih.T + b_ih + h @ w_hh.T + b_hh
            i, f, g, o = jnp.split(z, 4, axis=1)
            c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
            h = jax.nn.sigmoid(o) * jnp.tanh(c)
            return (h, c), h

        zeros = jnp.zeros((B, H), dtype=DTYPE)
        _, hs = jax.lax.scan(step, (zeros, zeros), x)
        return hs.sum()

    fwd = jax.jit(loss)
    vg = jax.jit(jax.value_and_grad(loss))
    print(f"jax {jax.__version__} ({DTYPE}): loss {float(vg(params, x)[0]):.12f}")
    report("jax", "forward", timed(lambda: fwd(params, x).block_until_ready(), repeats))
    report(
        "jax",
        "forward_backward",
        timed(lambda: jax.block_until_ready(vg(params, x)), repeats),
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="the process's CPU time instead of wall-clock time (a shared machine; "
        "the bench's HYPE_LSTM_CPU=N measures the same way)",
    )
    parser.add_argument(
        "--dtype",
        choices=["float64", "float32"],
        default="float64",
        help="the float type of weights, inputs and computation (float32: the float64 "
        "values rounded, as the bench's f32 group)",
    )
    args = parser.parse_args()
    global DTYPE
    DTYPE = args.dtype
    if args.cpu:
        global CLOCK
        CLOCK = time.process_time
    run_torch(args.repeats)
    run_jax(args.repeats)


if __name__ == "__main__":
    sys.exit(main())
