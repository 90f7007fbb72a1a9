#!/usr/bin/env python3
"""blackjax NUTS on the targets of `examples/hmc.rs`, with our figures beside it.

Runs blackjax's `window_adaptation` (Stan's warm-up: dual averaging to 0.8, windowed
diagonal mass matrix) and NUTS (multinomial, max depth 10) in float64 on one pinned
core, then prints for each target: the smallest ESS (blackjax's own estimator and the
rank-normalized split bulk ESS that `hype::hmc::Summary` reports, computed here in
numpy), gradient evaluations (warm-up included), ESS per gradient, acceptance, wall
time (warm-up, draws and compilation) and ESS per second. With `--ours` it also runs
`target/release/examples/hmc TARGET` (build it first) and prints its lines beside.

    pip install blackjax            # not a CI dependency
    cargo build --release --example hmc
    python3 benches/compare/hmc_blackjax.py --ours                  # all targets
    python3 benches/compare/hmc_blackjax.py gauss100 --chains 4 --draws 2500
    python3 benches/compare/hmc_blackjax.py gauss100 --chains 4 --draws 2500 --dense --ours

`--dense` adapts a dense mass matrix on both sides (blackjax's
`is_mass_matrix_diagonal=False`, our `--dense`); without it both adapt a diagonal one.
For the Gaussian targets it also prints `cov_err`, the largest covariance error in
units of the exact standard deviations, `max |C_hat_ij - C_ij| / sqrt(C_ii C_jj)`, as
the example does.

The targets are the example's: the `gauss100` rotation is rebuilt from the same
splitmix64 stream, the logistic data from the same bundled digits.
"""
import argparse
import os
import re
import subprocess
import sys
import time

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(v, "1")
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MASK = (1 << 64) - 1


class SplitMix:
    """splitmix64, as `SplitMix` in examples/hmc.rs."""

    def __init__(self, seed):
        self.s = seed & MASK

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & MASK
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self):
        return ((self.next() >> 11) + 0.5) / float(1 << 53)

    def normal(self):
        u, v = self.uniform(), self.uniform()
        return np.sqrt(-2.0 * np.log(u)) * np.cos(2.0 * np.pi * v)


def gauss100_cov():
    d = 100
    rng = SplitMix(2026)
    q = np.array([[rng.normal() for _ in range(d)] for _ in range(d)])  # row-major, as ndarray
    for j in range(d):
        for k in range(j):
            q[:, j] -= (q[:, j] @ q[:, k]) * q[:, k]
        q[:, j] /= np.sqrt(q[:, j] @ q[:, j])
    var = 10.0 ** (3.0 * np.arange(d) / 99.0 - 2.0)
    c = (q * var[None, :]) @ q.T
    return 0.5 * (c + c.T)


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def digits_3_vs_5(limit=500):
    images = read_idx(os.path.join(ROOT, "data/mnist/train-images-idx3-ubyte")) / 255.0
    labels = read_idx(os.path.join(ROOT, "data/mnist/train-labels-idx1-ubyte"))
    rows = [i for i in range(len(labels)) if labels[i] in (3, 5)][:limit]
    img = images[rows].reshape(len(rows), 7, 4, 7, 4).mean(axis=(2, 4)).reshape(len(rows), 49)
    img = (img - img.mean(0)) / np.maximum(img.std(0), 1e-3)
    x = np.hstack([img, np.ones((len(rows), 1))])
    y = (labels[rows] == 5).astype(np.float64)
    return x, y


def targets():
    import jax.numpy as jnp

    def gauss(cov):
        prec = jnp.asarray(np.linalg.inv(cov))
        return lambda x: -0.5 * x @ (prec @ x)

    def logistic():
        x, y = digits_3_vs_5()
        x, y = jnp.asarray(x), jnp.asarray(y)

        def logp(w):
            z = x @ w
            return y @ z - jnp.sum(jnp.logaddexp(0.0, z)) - 0.5 * w @ w

        return logp

    def funnel(x):
        v = x[0]
        return -v * v / 18.0 + jnp.sum(-0.5 * x[1:] ** 2 * jnp.exp(-v) - 0.5 * v)

    return {
        "gauss2d": (2, lambda: gauss(np.array([[1.0, 0.9], [0.9, 1.0]]))),
        "gauss100": (100, lambda: gauss(gauss100_cov())),
        "logistic": (50, logistic),
        "funnel": (10, lambda: funnel),
    }


def autocov(x):
    """Biased autocovariances of each row of x (chains × draws), by FFT."""
    n = x.shape[1]
    f = np.fft.rfft(x - x.mean(1, keepdims=True), n=2 * n)
    return np.fft.irfft(f * np.conj(f), n=2 * n)[:, :n] / n


def ess_geyer(x):
    """Stan's multi-chain ESS (Geyer's initial monotone sequence) of chains × draws."""
    m, n = x.shape
    acov = autocov(x)
    mean_var = acov[:, 0].mean() * n / (n - 1)
    var_plus = mean_var * (n - 1) / n + (x.mean(1).var(ddof=1) if m > 1 else 0.0)
    rho = 1.0 - (mean_var - acov.mean(0)) / var_plus
    rho_hat = np.zeros(n + 2)
    rho_hat[0], rho_hat[1] = 1.0, rho[1]
    even, odd, t = 1.0, rho[1], 1
    while t + 5 < n and even + odd > 0:
        even, odd = rho[t + 1], rho[t + 2]
        if even + odd >= 0:
            rho_hat[t + 1], rho_hat[t + 2] = even, odd
        t += 2
    max_t = t
    if even > 0:
        rho_hat[max_t + 1] = even
    k = 1
    while k + 3 <= max_t:
        prev = rho_hat[k - 1] + rho_hat[k]
        if rho_hat[k + 1] + rho_hat[k + 2] > prev:
            rho_hat[k + 1] = rho_hat[k + 2] = prev / 2
        k += 2
    tau = max(-1 + 2 * rho_hat[:max_t].sum() + rho_hat[max_t + 1], 1 / np.log10(m * n))
    return m * n / tau


def bulk_ess(x):
    """Rank-normalized split ESS of chains × draws."""
    from scipy.stats import norm, rankdata

    n = x.shape[1] // 2
    halves = np.concatenate([x[:, x.shape[1] - 2 * n: x.shape[1] - n], x[:, x.shape[1] - n:]])
    r = rankdata(halves, method="average").reshape(halves.shape)
    z = norm.ppf((r - 0.375) / (halves.size + 0.25))
    return ess_geyer(z)


def exact_cov(name):
    """The exact covariance of a Gaussian target, else None."""
    if name == "gauss2d":
        return np.array([[1.0, 0.9], [0.9, 1.0]])
    if name == "gauss100":
        return gauss100_cov()
    return None


def covariance_error(draws, cov):
    """max |C_hat_ij - C_ij| / sqrt(C_ii C_jj) over all entries (hmc::covariance_error)."""
    c = np.cov(draws.reshape(-1, draws.shape[-1]).T)
    sd = np.sqrt(np.diag(cov))
    return float(np.max(np.abs(c - cov) / np.outer(sd, sd)))


def run_blackjax(name, chains, warmup, draws, seed, dense=False):
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    import blackjax

    dim, make = targets()[name]
    logp = make()
    t0 = time.perf_counter()
    keys = jax.random.split(jax.random.PRNGKey(seed), chains)
    samples, grads, accept, divergent = [], 0, [], 0
    for c in range(chains):
        kw, ks, ki = jax.random.split(keys[c], 3)
        x0 = jax.random.normal(ki, (dim,)) * (0.5 if name == "logistic" else 1.0)
        adapt = blackjax.window_adaptation(
            blackjax.nuts, logp, is_mass_matrix_diagonal=not dense, target_acceptance_rate=0.8
        )
        (state, params), info = adapt.run(kw, x0, num_steps=warmup)
        grads += int(np.sum(info.info.num_integration_steps))
        kernel = blackjax.nuts(logp, **params)

        @jax.jit
        def one(state, key):
            state, i = kernel.step(key, state)
            return state, (state.position, i.num_integration_steps, i.acceptance_rate, i.is_divergent)

        _, (pos, n_int, acc, div) = jax.lax.scan(one, state, jax.random.split(ks, draws))
        pos = np.asarray(pos)
        samples.append(pos)
        grads += int(np.sum(n_int))
        accept.append(np.asarray(acc))
        divergent += int(np.sum(div))
    secs = time.perf_counter() - t0
    x = np.stack(samples)  # chains × draws × dim
    ess_bj = np.asarray(blackjax.diagnostics.effective_sample_size(jnp.asarray(x), chain_axis=0, sample_axis=1))
    ess_bulk = np.array([bulk_ess(x[:, :, j]) for j in range(dim)])
    cov = exact_cov(name)
    return {
        "cov_err": None if cov is None else covariance_error(x, cov),
        "ess": float(ess_bj.min()),
        "bulk": float(ess_bulk.min()),
        "grads": grads,
        "accept": float(np.mean(np.concatenate(accept))),
        "divergent": divergent,
        "secs": secs,
    }


def run_ours(name, chains, warmup, draws, seed, dense=False):
    exe = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release/examples/hmc")
    if not os.path.exists(exe):
        return None
    cmd = [exe, name, "--chains", str(chains), "--warmup", str(warmup), "--draws", str(draws), "--seed", str(seed)]
    cmd.append("--dense" if dense else "--diagonal")
    env = dict(os.environ, HYPE_QUIET="1")
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT).stdout
    return out.strip().splitlines()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("targets", nargs="*", default=["gauss2d", "gauss100", "logistic", "funnel"])
    ap.add_argument("--chains", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=1000)
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ours", action="store_true", help="also run target/release/examples/hmc")
    ap.add_argument("--dense", action="store_true", help="adapt a dense mass matrix (both sides)")
    a = ap.parse_args()
    import blackjax

    metric = "dense" if a.dense else "diagonal"
    print(
        f"blackjax {blackjax.__version__}, {a.chains} chain(s) × ({a.warmup} warm-up + {a.draws} draws), "
        f"{metric} mass matrix, float64, one core"
    )
    for name in a.targets:
        r = run_blackjax(name, a.chains, a.warmup, a.draws, a.seed, a.dense)
        cov = "" if r["cov_err"] is None else f", cov_err {r['cov_err']:.4f}"
        print(
            f"blackjax {name}: min ESS {r['ess']:.0f} (bulk {r['bulk']:.0f}), gradients {r['grads']}, "
            f"ESS/grad {r['ess'] / r['grads']:.4f} (bulk {r['bulk'] / r['grads']:.4f}), acceptance {r['accept']:.3f}, "
            f"divergences {r['divergent']}, {r['secs']:.2f} s, {r['ess'] / r['secs']:.0f} ESS/s (bulk {r['bulk'] / r['secs']:.0f}){cov}"
        )
        sys.stdout.flush()
        if a.ours:
            lines = run_ours(name, a.chains, a.warmup, a.draws, a.seed, a.dense)
            if lines is None:
                print("hype: build it first: cargo build --release --example hmc")
            else:
                for line in lines:
                    if re.match(rf"{name}: (min bulk ESS|mean_err|divergences)", line):
                        print("hype     " + line)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
