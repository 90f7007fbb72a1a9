//! Hypergradient tuning of a dense mass matrix: the Cholesky factor `A` of `M⁻¹ = A Aᵀ`
//! (step size folded into `A`, `ε = 1`) learned by gradient ascent through the
//! leapfrog trajectory on an entropy-regularized acceptance objective (after Titsias
//! and Dellaportas 2019, "Gradient-based adaptive Markov chain Monte Carlo", and Hirt,
//! Titsias and Dellaportas 2021, "Entropy-based adaptive Hamiltonian Monte Carlo"):
//!
//! `J(A) = (1/B) Σ_b min(0, H_0,b - H_L,b) + β (1/d) Σ_i log A_ii`.
//!
//! The first term is the mean log acceptance probability of `B` trajectories of `L`
//! steps; the second, `β/d · log det A`, rewards proposals that spread (their entropy
//! grows with `log det A`). Maximizing it widens `A` in every direction until the
//! energy error stops it, which equalizes the scales the integrator sees: for a
//! Gaussian target, `A Aᵀ` approaches the covariance up to a scalar. `β` is adapted
//! multiplicatively so that the mean acceptance approaches a target.
//!
//! The leapfrog runs in the variables `(q, w)` with `w = Aᵀ p`, so that no inverse of `A`
//! is needed: `w ~ N(0, I)` and
//!
//! `w_h = w + ½ Aᵀ ∇log π(q)`, `q' = q + A w_h`, `w' = w_h + ½ Aᵀ ∇log π(q')`,
//!
//! with kinetic energy `½ |w|²`. The reverse sweep takes the adjoint of each gradient
//! `∇ log π(q_k)` to `q_k` with the generated Hessian-vector product (nested AD).

use super::error::HmcError;
use super::leapfrog::PhasePoint;
use super::mass::Metric;
use super::rng::SamplerRng;
use super::target::LogDensity;
use super::walkers;
use crate::optim::adaptive::adam;
use crate::optim::AdamParams;
use ndarray::{Array1, Array2};

/// `A` from its raw parameters: `log A_ii` on the diagonal, `A_ij` below it (`i > j`);
/// the entries above the diagonal are ignored.
pub fn factor(raw: &Array2<f64>) -> Array2<f64> {
    let d = raw.nrows();
    Array2::from_shape_fn((d, d), |(i, j)| {
        if i == j {
            raw[[i, i]].exp()
        } else if i > j {
            raw[[i, j]]
        } else {
            0.0
        }
    })
}

/// The objective, its gradient with respect to the raw parameters of `A`, and what the
/// trajectories did.
#[derive(Debug, Clone)]
pub struct DenseObjectiveGrad {
    /// `J`.
    pub value: f64,
    /// `∂J/∂raw` (zero above the diagonal).
    pub grad: Array2<f64>,
    /// The acceptance probability of each trajectory.
    pub accept: Vec<f64>,
    /// Each trajectory's end position with its log density and gradient (its start
    /// when the Hamiltonian stopped being finite).
    pub ends: Vec<PhasePoint>,
    /// Gradient evaluations.
    pub n_grad: usize,
    /// Hessian-vector products.
    pub n_hvp: usize,
}

struct Path {
    qs: Vec<Array1<f64>>,
    gs: Vec<Array1<f64>>,
    w_halves: Vec<Array1<f64>>,
    w_end: Array1<f64>,
    logp_end: f64,
    log_alpha: f64,
}

/// `J` and `∂J/∂raw` for trajectories of `steps` leapfrog steps from `starts` with
/// momentum draws `zs` (`w_0 = z`), entropy weight `beta`.
pub fn dense_objective_grad<T: LogDensity + ?Sized>(
    target: &T,
    starts: &[PhasePoint],
    zs: &[Array1<f64>],
    raw: &Array2<f64>,
    beta: f64,
    steps: usize,
) -> Result<DenseObjectiveGrad, HmcError> {
    let d = target.dim();
    if raw.dim() != (d, d) {
        return Err(HmcError::Dimension {
            what: "the raw Cholesky factor",
            expected: d,
            found: raw.nrows(),
        });
    }
    walkers::check_batch(d, starts, zs)?;
    let a = factor(raw);
    let at = a.t();
    let b = starts.len() as f64;
    let mut n_grad = 0;
    let mut paths = Vec::with_capacity(starts.len());
    for (s, z) in starts.iter().zip(zs) {
        let mut q = s.q.clone();
        let mut g = s.grad.clone();
        let mut w = z.clone();
        let mut logp = s.logp;
        let h0 = -s.logp + 0.5 * z.dot(z);
        let (mut qs, mut gs, mut w_halves) = (vec![q.clone()], vec![g.clone()], Vec::new());
        let mut finite = h0.is_finite();
        for _ in 0..steps {
            if !finite {
                break;
            }
            let wh = &w + &(0.5 * &at.dot(&g));
            q = &q + &a.dot(&wh);
            let (lp, gr) = target.logp_grad(&q);
            n_grad += 1;
            logp = lp;
            g = gr;
            w = &wh + &(0.5 * &at.dot(&g));
            w_halves.push(wh);
            finite = logp.is_finite() && g.iter().all(|v| v.is_finite());
            qs.push(q.clone());
            gs.push(g.clone());
        }
        let h = -logp + 0.5 * w.dot(&w);
        let log_alpha = if finite && h.is_finite() {
            (h0 - h).min(0.0)
        } else {
            f64::NEG_INFINITY
        };
        paths.push(Path {
            qs,
            gs,
            w_halves,
            w_end: w,
            logp_end: logp,
            log_alpha,
        });
    }
    let finite: Vec<&Path> = paths.iter().filter(|p| p.log_alpha.is_finite()).collect();
    // A diverged trajectory counts as log α = -1000 in the value, without a gradient.
    let mean_log_alpha = paths.iter().map(|p| p.log_alpha.max(-1000.0)).sum::<f64>() / b;
    let log_det: f64 = (0..d).map(|i| raw[[i, i]]).sum();
    let value = mean_log_alpha + beta * log_det / d as f64;
    let mut a_bar = Array2::<f64>::zeros((d, d));
    let mut n_hvp = 0;
    for p in finite.iter().filter(|p| p.log_alpha < 0.0) {
        // log α = log π(q_L) - ½|w_L|² - H_0: seeds ∇log π(q_L) and -w_L, weight 1/B.
        let steps = p.w_halves.len();
        let mut q_bar = p.gs[steps].clone() / b;
        let mut w_bar = -&p.w_end / b;
        let mut g_pending = Array1::<f64>::zeros(d);
        for k in (0..steps).rev() {
            // w_{k+1} = w_h + ½ Aᵀ g_{k+1}
            let g_bar = &g_pending + &(0.5 * &a.dot(&w_bar));
            outer_add(&mut a_bar, 0.5, &p.gs[k + 1], &w_bar);
            let hv = walkers::hvp(target, &p.qs[k + 1], &g_bar)?;
            n_hvp += 1;
            q_bar += &hv;
            // q_{k+1} = q_k + A w_h
            let wh = &p.w_halves[k];
            outer_add(&mut a_bar, 1.0, &q_bar, wh);
            w_bar = &w_bar + &at.dot(&q_bar);
            // w_h = w_k + ½ Aᵀ g_k (q_0 and w_0 are constants: stop at k = 0)
            outer_add(&mut a_bar, 0.5, &p.gs[k], &w_bar);
            g_pending = 0.5 * &a.dot(&w_bar);
        }
    }
    let mut grad = Array2::<f64>::zeros((d, d));
    for i in 0..d {
        for j in 0..i {
            grad[[i, j]] = a_bar[[i, j]];
        }
        grad[[i, i]] = a_bar[[i, i]] * a[[i, i]] + beta / d as f64;
    }
    Ok(DenseObjectiveGrad {
        value,
        grad,
        accept: paths.iter().map(|p| p.log_alpha.exp()).collect(),
        ends: paths
            .iter()
            .zip(starts)
            .map(|(p, s)| {
                if p.log_alpha.is_finite() {
                    let n = p.qs.len() - 1;
                    PhasePoint {
                        q: p.qs[n].clone(),
                        p: Array1::zeros(d),
                        logp: p.logp_end,
                        grad: p.gs[n].clone(),
                    }
                } else {
                    s.clone()
                }
            })
            .collect(),
        n_grad,
        n_hvp,
    })
}

/// `m += c · x yᵀ`.
fn outer_add(m: &mut Array2<f64>, c: f64, x: &Array1<f64>, y: &Array1<f64>) {
    let d = x.len();
    for i in 0..d {
        let xi = c * x[i];
        if xi != 0.0 {
            for j in 0..d {
                m[[i, j]] += xi * y[j];
            }
        }
    }
}

/// Settings of [`tune_dense`].
#[derive(Debug, Clone, PartialEq)]
pub struct DenseTuneSettings {
    /// Leapfrog steps per trajectory.
    pub steps: usize,
    /// Ascent iterations.
    pub iterations: usize,
    /// Adam's rate on the raw parameters of `A`.
    pub learning_rate: f64,
    /// The mean acceptance probability `β` is adapted towards.
    pub target_accept: f64,
    /// Seed of the momentum draws and Metropolis decisions.
    pub seed: u64,
    /// Relative rate of the off-diagonal entries (their steps are Adam's times this,
    /// `/ sqrt(d)`, times the column's diagonal entry).
    pub off_diagonal_scale: f64,
    /// The fraction of the iterations after which the raw parameters are averaged
    /// (Polyak–Ruppert): the result is the mean of the iterates from there on, not the
    /// last one. `1.0` keeps the last iterate.
    pub average_from: f64,
    /// A factor to start from (lower triangular with a positive diagonal; entries above
    /// the diagonal are ignored), e.g. a warm-up's `ε L` with `M⁻¹ = L Lᵀ`; `None`
    /// starts from `ε₀ I`.
    pub init_factor: Option<Array2<f64>>,
}

impl Default for DenseTuneSettings {
    fn default() -> Self {
        DenseTuneSettings {
            steps: 5,
            iterations: 1000,
            learning_rate: 0.02,
            target_accept: 0.75,
            seed: 0,
            off_diagonal_scale: 1.0,
            average_from: 0.5,
            init_factor: None,
        }
    }
}

/// What [`tune_dense`] learned: use it with step size 1.
#[derive(Debug, Clone)]
pub struct DenseTuned {
    /// `M⁻¹ = A Aᵀ` (the step size is folded in: sample with `ε = 1`).
    pub metric: Metric,
    /// The factor `A`.
    pub factor: Array2<f64>,
    /// Where tuning left the walkers.
    pub walkers: Vec<Array1<f64>>,
    /// `J` at each iteration.
    pub history: Vec<f64>,
    /// Mean acceptance probability at each iteration.
    pub acceptance: Vec<f64>,
    /// Gradient evaluations spent.
    pub n_grad: usize,
    /// Hessian-vector products spent.
    pub n_hvp: usize,
}

/// Learns `A` (and with it `M⁻¹ = A Aᵀ`, step size 1) by Adam ascent on `J` (module
/// documentation), one walker per point of `init`, each moved to its trajectory's end
/// with the Metropolis probability; `β` is multiplied by `exp(0.05 (ᾱ - target))` each
/// iteration. Starts from `settings.init_factor`, else from `A = ε₀ I`, `ε₀` from Stan's
/// step-size heuristic (on gauss100, 3,000 iterations from `ε₀ I` leave the precision
/// seen through `A` with condition number 147 where Stan's dense warm-up reaches 9, and
/// 1,000 iterations at rate 0.005 from the warm-up's factor raise its 9 to 14: the
/// acceptance term's gradient is too noisy to pin the off-diagonal entries); returns the
/// mean of the raw iterates from `settings.average_from` of the way on (Polyak–Ruppert
/// averaging: on gauss100 it lowers the condition number the integrator sees and raises
/// NUTS's ESS per gradient by 7%).
pub fn tune_dense<T: LogDensity + ?Sized>(
    target: &T,
    init: &[Array1<f64>],
    settings: &DenseTuneSettings,
) -> Result<DenseTuned, HmcError> {
    let d = target.dim();
    let mut rng = SamplerRng::new(settings.seed);
    let (mut walkers, eps0, mut n_grad) = walkers::start(target, init, &mut rng)?;
    let mut raw = Array2::<f64>::zeros((d, d));
    match &settings.init_factor {
        None => {
            for i in 0..d {
                raw[[i, i]] = eps0.ln();
            }
        }
        Some(a) => {
            if a.dim() != (d, d) {
                return Err(HmcError::Dimension {
                    what: "the initial factor",
                    expected: d,
                    found: a.nrows(),
                });
            }
            for i in 0..d {
                let aii = a[[i, i]];
                if !(aii.is_finite() && aii > 0.0) {
                    return Err(HmcError::NotPositiveDefinite {
                        what: "initial factor",
                        detail: format!("diagonal entry {i} is {aii}"),
                    });
                }
                raw[[i, i]] = aii.ln();
                for j in 0..i {
                    raw[[i, j]] = a[[i, j]];
                }
            }
        }
    }
    let (mut first, mut second) = (Array2::zeros((d, d)), Array2::zeros((d, d)));
    let hp = AdamParams {
        lr: settings.learning_rate,
        ..AdamParams::default()
    };
    let mut beta = 1.0;
    let mut history = Vec::with_capacity(settings.iterations);
    let mut acceptance = Vec::with_capacity(settings.iterations);
    let mut n_hvp = 0;
    // Adam's iterates keep fluctuating by about its rate around the optimum: their mean
    // over the later iterations is a far less noisy estimate of it.
    let first_averaged = ((settings.average_from.clamp(0.0, 1.0) * settings.iterations as f64)
        as usize)
        .min(settings.iterations.saturating_sub(1));
    let mut averaged = Array2::<f64>::zeros((d, d));
    let mut n_averaged = 0.0;
    for it in 0..settings.iterations {
        let zs: Vec<Array1<f64>> = walkers.iter().map(|_| rng.normals(d)).collect();
        let r = dense_objective_grad(target, &walkers, &zs, &raw, beta, settings.steps)?;
        n_grad += r.n_grad;
        n_hvp += r.n_hvp;
        let mean_accept = walkers::metropolis(&mut walkers, &r.ends, &r.accept, &mut rng);
        acceptance.push(mean_accept);
        history.push(r.value);
        beta *= (0.05 * (mean_accept - settings.target_accept)).exp();
        let (mut step, f, v) = adam(&(-&r.grad), &r.grad, &first, &second, it, &hp);
        first = f;
        second = v;
        // Adam moves every coordinate by about its rate, noise or not: the d(d-1)/2
        // off-diagonal entries would random-walk a row of A to sqrt(d) times the
        // diagonal's motion, so their steps are scaled by 1/sqrt(d) (relative to A's
        // current scale, since they are entries of A, not logarithms).
        let scale = settings.off_diagonal_scale / (d as f64).sqrt();
        for i in 0..d {
            for j in 0..i {
                step[[i, j]] *= scale * raw[[j, j]].exp();
            }
        }
        raw += &step;
        if mean_accept < 0.05 {
            // Everything rejected: no usable gradient of log α; halve A.
            for i in 0..d {
                raw[[i, i]] -= std::f64::consts::LN_2;
                for j in 0..i {
                    raw[[i, j]] *= 0.5;
                }
            }
        }
        if it >= first_averaged {
            n_averaged += 1.0;
            averaged.scaled_add(1.0 / n_averaged, &(&raw - &averaged));
        }
    }
    let a = factor(if n_averaged > 0.0 { &averaged } else { &raw });
    let inv = a.dot(&a.t());
    Ok(DenseTuned {
        metric: Metric::inverse_dense((&inv + &inv.t()) * 0.5)?,
        factor: a,
        walkers: walkers.into_iter().map(|w| w.q).collect(),
        history,
        acceptance,
        n_grad,
        n_hvp,
    })
}
