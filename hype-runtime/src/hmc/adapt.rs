//! Warm-up: dual-averaging step size (Nesterov 2009, as in Hoffman and Gelman 2014 and
//! Stan) and Stan's windowed mass-matrix adaptation (an initial fast window, doubling
//! slow windows in which the posterior (co)variance is estimated, a terminal fast window).

use super::error::HmcError;
use super::kernel::Kernel;
use super::leapfrog::{leapfrog, PhasePoint};
use super::mass::{Metric, MetricKind};
use super::rng::SamplerRng;
use super::target::LogDensity;
use ndarray::{Array1, Array2};

/// Dual averaging of the log step size towards a target acceptance statistic.
#[derive(Debug, Clone, PartialEq)]
pub struct DualAveraging {
    /// Target acceptance statistic (Stan: 0.8).
    pub delta: f64,
    /// Shrinkage (Stan: 0.05).
    pub gamma: f64,
    /// Iteration offset (Stan: 10).
    pub t0: f64,
    /// Averaging decay (Stan: 0.75).
    pub kappa: f64,
    mu: f64,
    counter: f64,
    s_bar: f64,
    x_bar: f64,
}

impl DualAveraging {
    /// Stan's settings with target `delta`, started at step size `eps`.
    pub fn new(delta: f64, eps: f64) -> Self {
        let mut d = DualAveraging {
            delta,
            gamma: 0.05,
            t0: 10.0,
            kappa: 0.75,
            mu: 0.0,
            counter: 0.0,
            s_bar: 0.0,
            x_bar: 0.0,
        };
        d.restart(eps);
        d
    }

    /// Forgets the history and shrinks towards `log(10 eps)` from now on.
    pub fn restart(&mut self, eps: f64) {
        self.mu = (10.0 * eps).ln();
        self.counter = 0.0;
        self.s_bar = 0.0;
        self.x_bar = 0.0;
    }

    /// Learns from one acceptance statistic; returns the next step size.
    pub fn update(&mut self, accept_stat: f64) -> f64 {
        let a = if accept_stat.is_finite() {
            accept_stat.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.counter += 1.0;
        let eta = 1.0 / (self.counter + self.t0);
        self.s_bar = (1.0 - eta) * self.s_bar + eta * (self.delta - a);
        let x = self.mu - self.s_bar * self.counter.sqrt() / self.gamma;
        let x_eta = self.counter.powf(-self.kappa);
        self.x_bar = (1.0 - x_eta) * self.x_bar + x_eta * x;
        x.exp()
    }

    /// The averaged step size, used after warm-up.
    pub fn final_step(&self) -> f64 {
        self.x_bar.exp()
    }
}

/// Welford's running mean and (co)variance of the positions in a slow window.
#[derive(Debug, Clone)]
pub struct Welford {
    n: usize,
    mean: Array1<f64>,
    m2_diag: Array1<f64>,
    m2: Option<Array2<f64>>,
}

impl Welford {
    /// An empty estimator in `dim` dimensions; `dense` also tracks covariances.
    pub fn new(dim: usize, dense: bool) -> Self {
        Welford {
            n: 0,
            mean: Array1::zeros(dim),
            m2_diag: Array1::zeros(dim),
            m2: dense.then(|| Array2::zeros((dim, dim))),
        }
    }

    /// Adds one draw.
    pub fn add(&mut self, x: &Array1<f64>) {
        self.n += 1;
        let delta = x - &self.mean;
        self.mean.scaled_add(1.0 / self.n as f64, &delta);
        let delta2 = x - &self.mean;
        self.m2_diag += &(&delta * &delta2);
        if let Some(m2) = &mut self.m2 {
            let d = m2.nrows();
            for i in 0..d {
                for j in 0..d {
                    m2[[i, j]] += delta[i] * delta2[j];
                }
            }
        }
    }

    /// Draws seen.
    pub fn count(&self) -> usize {
        self.n
    }

    /// The regularized estimate Stan uses as the inverse metric:
    /// `n/(n+5) Σ̂ + 1e-3 · 5/(n+5) I`, shrinking towards a small multiple of the identity.
    ///
    /// A dense `Σ̂` from fewer than `2d` draws is first shrunk towards its own diagonal,
    /// `(1 - λ) Σ̂ + λ diag(Σ̂)`, with [`Welford::shrinkage`]'s `λ`: a window of `n ≤ d`
    /// draws spans at most `n - 1` directions, and Stan's `1e-3` alone would leave the
    /// others with a near-zero variance (and the next window with a tiny step size and
    /// deep trees: on `gauss100`, 4.9× the warm-up gradients). From `2d` draws on the
    /// smallest sample eigenvalue is above about `(1 - √½)² ≈ 9%` of its true value
    /// (Marchenko–Pastur) and the estimate is kept as Stan's: shrinking it would add
    /// `λ Σ̂_ii` to the small-variance directions, which costs more step size than the
    /// noise it removes.
    pub fn metric(&self) -> Result<Metric, HmcError> {
        let n = self.n as f64;
        let w = n / (n + 5.0);
        let shrink = 1e-3 * 5.0 / (n + 5.0);
        match &self.m2 {
            None => Metric::inverse_diagonal(self.m2_diag.mapv(|m| w * m / (n - 1.0) + shrink)),
            Some(m2) => {
                let mut c = m2.mapv(|m| m / (n - 1.0));
                // Symmetrize the rounding of the two triangles.
                let ct = c.t().to_owned();
                c = (&c + &ct) * 0.5;
                let lambda = if self.n >= 2 * c.nrows() {
                    0.0
                } else {
                    self.shrinkage()
                };
                for i in 0..c.nrows() {
                    for j in 0..c.ncols() {
                        let off = if i == j { 1.0 } else { 1.0 - lambda };
                        c[[i, j]] *= w * off;
                    }
                    c[[i, i]] += shrink;
                }
                Metric::inverse_dense(c)
            }
        }
    }

    /// The weight `λ ∈ [0, 1]` of the diagonal target in the dense estimate (Schäfer and
    /// Strimmer 2005, target "D"): `Σ_{i≠j} Var(r_ij) / Σ_{i≠j} r_ij²` over the sample
    /// correlations `r_ij`, with the Gaussian `Var(r_ij) ≈ (1 - r_ij²)² / (n - 1)`.
    /// It is near 1 when the correlations are indistinguishable from noise (few draws)
    /// and near 0 when they are well determined. 1 without a dense estimate.
    pub fn shrinkage(&self) -> f64 {
        let Some(m2) = &self.m2 else {
            return 1.0;
        };
        if self.n < 3 {
            return 1.0;
        }
        let d = m2.nrows();
        let (mut noise, mut signal) = (0.0, 0.0);
        for i in 0..d {
            for j in 0..i {
                let den = (m2[[i, i]] * m2[[j, j]]).sqrt();
                let r = if den > 0.0 { m2[[i, j]] / den } else { 0.0 };
                noise += (1.0 - r * r).powi(2) / (self.n as f64 - 1.0);
                signal += r * r;
            }
        }
        if signal > 0.0 {
            (noise / signal).clamp(0.0, 1.0)
        } else {
            1.0
        }
    }
}

/// Stan's window schedule over `warmup` iterations.
#[derive(Debug, Clone, PartialEq)]
pub struct Windows {
    warmup: usize,
    init_buffer: usize,
    term_buffer: usize,
    window_size: usize,
    next_window_end: usize,
}

impl Windows {
    /// Stan's defaults (75 / 25 doubling / 50), shrunk to 15% / 75% / 10% of a warm-up
    /// too short for them.
    pub fn new(warmup: usize) -> Self {
        let (mut init, mut term, mut base) = (75, 50, 25);
        if warmup < 20 {
            // Too short to adapt a metric: step size only.
            return Windows {
                warmup,
                init_buffer: warmup,
                term_buffer: 0,
                window_size: 0,
                next_window_end: usize::MAX,
            };
        }
        if init + base + term > warmup {
            init = (0.15 * warmup as f64) as usize;
            term = (0.1 * warmup as f64) as usize;
            base = warmup - (init + term);
        }
        Windows {
            warmup,
            init_buffer: init,
            term_buffer: term,
            window_size: base,
            next_window_end: init + base - 1,
        }
    }

    /// Whether warm-up iteration `i` (from 0) lies in a slow window.
    pub fn in_slow_window(&self, i: usize) -> bool {
        self.window_size > 0
            && i >= self.init_buffer
            && i + self.term_buffer < self.warmup
            && i != self.warmup
    }

    /// Whether iteration `i` closes a slow window; if so, moves to the next window.
    pub fn closes_window(&mut self, i: usize) -> bool {
        if self.window_size == 0 || i != self.next_window_end || i == self.warmup {
            return false;
        }
        let last = self.warmup - self.term_buffer - 1;
        if self.next_window_end != last {
            self.window_size *= 2;
            self.next_window_end = i + self.window_size;
            if self.next_window_end != last && self.next_window_end + 2 * self.window_size > last {
                self.next_window_end = last;
            }
        }
        true
    }
}

/// Stan's heuristic for a first step size: from `eps`, double (or halve) it until the
/// acceptance probability of one leapfrog step from `z`, with a fresh momentum each
/// time, crosses 0.8. Returns the step size and the gradient evaluations spent.
pub fn find_reasonable_step<T: LogDensity + ?Sized>(
    target: &T,
    metric: &Metric,
    z: &PhasePoint,
    eps: f64,
    rng: &mut SamplerRng,
) -> (f64, usize) {
    let mut eps = eps;
    let mut n_grad = 0;
    let log_target = 0.8f64.ln();
    let mut direction = 0.0;
    for _ in 0..100 {
        let mut y = z.clone();
        y.p = metric.sample_momentum(rng);
        let h0 = y.hamiltonian(metric);
        leapfrog(target, metric, &mut y, eps);
        n_grad += 1;
        let h = y.hamiltonian(metric);
        let delta = if h.is_finite() {
            h0 - h
        } else {
            f64::NEG_INFINITY
        };
        if direction == 0.0 {
            direction = if delta > log_target { 1.0 } else { -1.0 };
        }
        let next = eps * 2f64.powf(direction);
        if (direction > 0.0 && delta <= log_target) || (direction < 0.0 && delta >= log_target) {
            // Crossed: the last step that stayed on the near side.
            break;
        }
        if !(1e-12..=1e7).contains(&next) {
            break;
        }
        eps = next;
    }
    (eps, n_grad)
}

/// Warm-up of a chain: dual averaging of the step size and, in the slow windows, the
/// inverse mass matrix (diagonal or dense). Returns the step size, metric, spent
/// gradient evaluations and divergences; `z` ends where warm-up left the chain.
#[allow(clippy::too_many_arguments)]
pub fn warmup<T: LogDensity + ?Sized, K: Kernel>(
    target: &T,
    kernel: &K,
    z: &mut PhasePoint,
    iterations: usize,
    kind: MetricKind,
    target_accept: f64,
    rng: &mut SamplerRng,
    mut on_step: impl FnMut(),
) -> Result<(f64, Metric, usize, usize), HmcError> {
    let dim = z.q.len();
    let mut metric = Metric::identity(dim);
    let (mut eps, mut n_grad) = find_reasonable_step(target, &metric, z, 1.0, rng);
    let mut da = DualAveraging::new(target_accept, eps);
    let mut windows = Windows::new(iterations);
    let mut welford = Welford::new(dim, kind == MetricKind::Dense);
    let mut divergences = 0;
    for i in 0..iterations {
        let t = kernel.transition(target, &metric, eps, z, rng);
        n_grad += t.n_grad;
        divergences += usize::from(t.divergent);
        eps = da.update(t.accept_prob);
        if windows.in_slow_window(i) {
            welford.add(&z.q);
        }
        if windows.closes_window(i) {
            metric = welford.metric()?;
            welford = Welford::new(dim, kind == MetricKind::Dense);
            let (e, n) = find_reasonable_step(target, &metric, z, eps, rng);
            n_grad += n;
            eps = e;
            da.restart(eps);
        }
        on_step();
    }
    if iterations > 0 {
        eps = da.final_step();
    }
    Ok((eps, metric, n_grad, divergences))
}
