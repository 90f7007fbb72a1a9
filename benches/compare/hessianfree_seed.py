#!/usr/bin/env python3
"""The seed package's feedforward demos (`pip install hessianfree matplotlib`), with
the settings of `hessianfree.demos` and of its tests, for comparison with
`cargo run --release --example hessianfree -- DEMO`.

Each run uses `RandomState(0)`, float64 (like the Rust side), one core (set OPENBLAS_NUM_THREADS=1 and pin with
taskset for the figures in the README), and prints `DEMO: loss <value>` and the
time of `run_epochs`. With `--plots DIR` it writes the seed's training statistics
(loss, damping, CG iterations) of each demo to DIR/seed_DEMO.png.

Usage: OPENBLAS_NUM_THREADS=1 taskset -c 0 python3 benches/compare/hessianfree_seed.py [--plots DIR]
"""
import os
import sys
import time
import warnings

import numpy as np

import hessianfree as hf

warnings.filterwarnings("ignore")

XOR_IN = np.asarray([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_T = np.asarray([[0], [1], [1], [0]], dtype=np.float32)


def run(name, net, targets, optimizer, plots_dir, **kw):
    start = time.perf_counter()
    net.run_epochs(XOR_IN, targets, optimizer=optimizer, print_period=None, **kw)
    elapsed = time.perf_counter() - start
    out = net.forward(XOR_IN, net.W)
    loss = net.loss.batch_loss(out, targets)
    extra = ""
    if name == "sparsity":
        extra = "  mean hidden activity %.4f" % np.mean(out[1])
    print("%-28s %.2e  (%.3f s)%s" % (name + ":", loss, elapsed, extra))
    if plots_dir and getattr(optimizer, "plots", None):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        p = optimizer.plots
        fig, ax = plt.subplots(figsize=(6, 4))
        for key in ["training error (log)", "damping (log)", "CG iterations"]:
            if key in p and len(p[key]) > 0:
                ax.plot(np.maximum(np.asarray(p[key], dtype=float), 1e-12), label=key)
        ax.set_yscale("log")
        ax.set_xlabel("update")
        ax.set_title("seed hessianfree: " + name)
        ax.legend()
        fig.savefig(os.path.join(plots_dir, "seed_%s.png" % name), dpi=80)
        plt.close(fig)
    return loss, elapsed


def integrator(n_inputs, sig_len, hidden, name):
    inputs = np.outer(np.linspace(0.1, 0.9, n_inputs), np.ones(sig_len))[:, :, None]
    targets = np.outer(np.linspace(0.1, 0.9, n_inputs), np.linspace(0, 1, sig_len))[:, :, None]
    rnn = hf.RNNet(shape=[1, hidden, 1], layers=hf.nl.Logistic(), rng=np.random.RandomState(0),
                   dtype=np.float64)
    start = time.perf_counter()
    rnn.run_epochs(inputs, targets, optimizer=hf.opt.HessianFree(CG_iter=100),
                   test=(inputs, targets), max_epochs=30, print_period=None)
    elapsed = time.perf_counter() - start
    loss = rnn.loss.batch_loss(rnn.forward(inputs, rnn.W), targets)
    print("%-28s %.2e  (%.3f s)" % (name + ":", loss, elapsed))


def main():
    plots_dir = None
    if "--plots" in sys.argv:
        plots_dir = sys.argv[sys.argv.index("--plots") + 1]
        os.makedirs(plots_dir, exist_ok=True)
    rng = lambda: np.random.RandomState(0)  # noqa: E731

    # hessianfree.demos.xor(), crossentropy(), connections(): CG 2, 40 epochs.
    run("xor", hf.FFNet([2, 5, 1], rng=rng(), dtype=np.float64), XOR_T,
        hf.opt.HessianFree(CG_iter=2), plots_dir, max_epochs=40)
    run("xor --sgd", hf.FFNet([2, 5, 1], rng=rng(), dtype=np.float64), XOR_T,
        hf.opt.SGD(l_rate=1), None, max_epochs=10000)
    ce_t = np.asarray([[1, 0], [0, 1], [0, 1], [1, 0]], dtype=np.float32)
    run("crossentropy",
        hf.FFNet([2, 5, 2], layers=[hf.nl.Linear(), hf.nl.Tanh(), hf.nl.Softmax()],
                 loss_type=hf.loss_funcs.CrossEntropy(), rng=rng(), dtype=np.float64),
        ce_t, hf.opt.HessianFree(CG_iter=2), plots_dir, max_epochs=40)
    run("connections",
        hf.FFNet([2, 5, 5, 1], layers=hf.nl.Tanh(), conns={0: [1, 2], 1: [2, 3], 2: [3]},
                 rng=rng(), dtype=np.float64),
        XOR_T, hf.opt.HessianFree(CG_iter=2), plots_dir, max_epochs=40)
    # The settings of hessianfree/tests/test_ffnet.py.
    run("softlif (test)",
        hf.FFNet([2, 10, 1], layers=hf.nl.SoftLIF(sigma=1, tau_ref=0.002, tau_rc=0.02, amp=0.01),
                 rng=rng(), dtype=np.float64),
        np.asarray([[0.1], [1], [1], [0.1]], dtype=np.float32),
        hf.opt.HessianFree(CG_iter=50), None, max_epochs=50)
    run("crossentropy 4 (test)",
        hf.FFNet([2, 5, 4], layers=[hf.nl.Linear(), hf.nl.Tanh(), hf.nl.Softmax()],
                 loss_type=hf.loss_funcs.CrossEntropy(), rng=rng(), dtype=np.float64),
        np.eye(4, dtype=np.float32), hf.opt.HessianFree(CG_iter=50), None, max_epochs=100)
    run("connections (test)",
        hf.FFNet([2, 5, 5, 1], layers=hf.nl.Tanh(), conns={0: [1, 2], 1: [3], 2: [3]},
                 rng=rng(), dtype=np.float64),
        XOR_T, hf.opt.HessianFree(CG_iter=50), None, max_epochs=50)
    run("sparsity",
        hf.FFNet([2, 8, 1], rng=rng(), dtype=np.float64,
                 loss_type=[hf.loss_funcs.SquaredError(), hf.loss_funcs.SparseL2(0.01, target=0)]),
        XOR_T, hf.opt.HessianFree(CG_iter=50), plots_dir, max_epochs=100)
    # hessianfree.demos.integrator() and the settings of tests/test_rnnet.py.
    integrator(15, 10, 10, "integrator")
    integrator(3, 5, 5, "integrator (test)")


if __name__ == "__main__":
    main()
