//! Several chains: warm-up, then draws, from seeded generators, with a progress bar.

use super::adapt::warmup;
use super::error::HmcError;
use super::kernel::{Kernel, WeightedPoints};
use super::leapfrog::PhasePoint;
use super::mass::{Metric, MetricKind};
use super::rng::SamplerRng;
use super::target::LogDensity;
use crate::report::Progress;
use ndarray::{Array1, Array2};

/// The settings of a run (builder methods below; defaults as Stan's: 4 chains,
/// 1,000 warm-up iterations, 1,000 draws, diagonal metric, target acceptance 0.8).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Number of chains.
    pub chains: usize,
    /// Warm-up (adaptation) iterations per chain.
    pub warmup: usize,
    /// Kept draws per chain.
    pub draws: usize,
    /// Seed of the first chain (chain `c` uses `seed + c`).
    pub seed: u64,
    /// The metric the warm-up adapts.
    pub metric: MetricKind,
    /// Target acceptance statistic of dual averaging.
    pub target_accept: f64,
    /// A fixed step size and metric instead of warm-up adaptation (warm-up iterations
    /// then only move the chain).
    pub fixed: Option<(f64, Metric)>,
    /// Whether to draw a progress bar (when stderr is a terminal).
    pub progress: bool,
    /// Whether to record each draw's trajectory moments ([`TrajectoryMoments`]) for the
    /// Rao–Blackwellized estimates ([`Estimator::RaoBlackwell`]).
    pub rao_blackwell: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            chains: 4,
            warmup: 1000,
            draws: 1000,
            seed: 0,
            metric: MetricKind::Diagonal,
            target_accept: 0.8,
            fixed: None,
            progress: false,
            rao_blackwell: false,
        }
    }
}

impl Settings {
    /// Sets the number of chains.
    pub fn chains(mut self, n: usize) -> Self {
        self.chains = n;
        self
    }
    /// Sets the warm-up iterations per chain.
    pub fn warmup(mut self, n: usize) -> Self {
        self.warmup = n;
        self
    }
    /// Sets the draws per chain.
    pub fn draws(mut self, n: usize) -> Self {
        self.draws = n;
        self
    }
    /// Sets the seed.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
    /// Sets the adapted metric.
    pub fn metric(mut self, kind: MetricKind) -> Self {
        self.metric = kind;
        self
    }
    /// Sets the target acceptance statistic.
    pub fn target_accept(mut self, a: f64) -> Self {
        self.target_accept = a;
        self
    }
    /// Uses step size `eps` and `metric` without adaptation.
    pub fn fixed(mut self, eps: f64, metric: Metric) -> Self {
        self.fixed = Some((eps, metric));
        self
    }
    /// Asks for a progress bar.
    pub fn progress(mut self, on: bool) -> Self {
        self.progress = on;
        self
    }
    /// Records the trajectory moments of each draw, for [`Estimator::RaoBlackwell`]
    /// (memory: one `dim × dim` matrix per chain beside the draws; time: about one
    /// `dim`-vector outer product per leapfrog step).
    pub fn rao_blackwell(mut self, on: bool) -> Self {
        self.rao_blackwell = on;
        self
    }
}

/// Each draw's moments under the conditional distribution its transition drew it from
/// ([`WeightedPoints`]: for NUTS, the whole trajectory with its multinomial weights).
#[derive(Debug, Clone)]
pub struct TrajectoryMoments {
    /// `draws × dim`: row `i` is `E[q | trajectory i]`, the weighted mean position.
    pub means: Array2<f64>,
    /// The point `c` the second moments are taken about: the chain's position after
    /// warm-up (near the bulk, so that no large mean cancels in the covariance).
    pub shift: Array1<f64>,
    /// `draws × dim`: row `i` is the diagonal of `E[(q - c)(q - c)ᵀ | trajectory i]`
    /// (for the effective sample size of the variance estimates).
    pub squares: Array2<f64>,
    /// `Σ_i E[(q - c)(q - c)ᵀ | trajectory i]` over the draws.
    pub second: Array2<f64>,
}

impl TrajectoryMoments {
    fn new(draws: usize, shift: Array1<f64>) -> Self {
        let d = shift.len();
        TrajectoryMoments {
            means: Array2::zeros((draws, d)),
            squares: Array2::zeros((draws, d)),
            shift,
            second: Array2::zeros((d, d)),
        }
    }

    /// Adds draw `i`'s weighted points.
    fn add(&mut self, i: usize, points: &WeightedPoints) {
        let d = self.shift.len();
        let n = points.q.len();
        let mut mean = Array1::<f64>::zeros(d);
        let mut rows = Array2::<f64>::zeros((n, d));
        for (k, (q, &w)) in points.q.iter().zip(&points.weight).enumerate() {
            mean.scaled_add(w, q);
            let mut r = rows.row_mut(k);
            r.assign(&(q - &self.shift));
            r *= w.max(0.0).sqrt();
        }
        self.means.row_mut(i).assign(&mean);
        self.squares
            .row_mut(i)
            .assign(&rows.mapv(|v| v * v).sum_axis(ndarray::Axis(0)));
        self.second += &rows.t().dot(&rows);
    }
}

/// Which estimate of posterior moments [`Samples::mean`] and [`Samples::covariance`]
/// give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Estimator {
    /// The plain average over the draws.
    Draws,
    /// The average over the draws of each transition's conditional expectation given
    /// its trajectory ([`TrajectoryMoments`]; needs [`Settings::rao_blackwell`]).
    /// Unbiased like the plain average (each conditional expectation has the
    /// draw's expectation, and no more variance); for NUTS it averages over every
    /// trajectory point, which is what second moments gain from: NUTS's draws land
    /// near the far end of a half orbit, where `(q - μ)²` is close to its starting
    /// value, while its trajectory spans the whole orbit.
    RaoBlackwell,
}

/// One chain's result.
#[derive(Debug, Clone)]
pub struct Chain {
    /// `draws × dim`.
    pub draws: Array2<f64>,
    /// The acceptance statistic of each draw.
    pub accept: Vec<f64>,
    /// Whether each draw's transition diverged.
    pub divergent: Vec<bool>,
    /// Tree depth of each draw (NUTS).
    pub depth: Vec<usize>,
    /// Gradient evaluations during warm-up.
    pub warmup_grads: usize,
    /// Gradient evaluations while drawing.
    pub sampling_grads: usize,
    /// Divergences during warm-up.
    pub warmup_divergences: usize,
    /// The step size used for the draws.
    pub step_size: f64,
    /// The trajectory moments of the draws, when [`Settings::rao_blackwell`] asked.
    pub trajectory: Option<TrajectoryMoments>,
    /// The metric used for the draws.
    pub metric: Metric,
}

/// The chains of a run.
#[derive(Debug, Clone)]
pub struct Samples {
    /// One entry per chain.
    pub chains: Vec<Chain>,
}

impl Samples {
    /// All draws of all chains stacked (`chains · draws × dim`).
    pub fn stacked(&self) -> Array2<f64> {
        let views: Vec<_> = self.chains.iter().map(|c| c.draws.view()).collect();
        ndarray::concatenate(ndarray::Axis(0), &views).expect("chains of one run share a dimension")
    }
    /// The mean acceptance statistic of the draws.
    pub fn acceptance(&self) -> f64 {
        let (s, n) = self.chains.iter().fold((0.0, 0usize), |(s, n), c| {
            (s + c.accept.iter().sum::<f64>(), n + c.accept.len())
        });
        s / n.max(1) as f64
    }
    /// Divergent transitions among the draws.
    pub fn divergences(&self) -> usize {
        self.chains
            .iter()
            .map(|c| c.divergent.iter().filter(|d| **d).count())
            .sum()
    }
    /// The posterior mean estimated by `estimator` over all chains.
    ///
    /// Errors: [`Estimator::RaoBlackwell`] of a run that did not record trajectories.
    pub fn mean(&self, estimator: Estimator) -> Result<Array1<f64>, HmcError> {
        match estimator {
            Estimator::Draws => Ok(self
                .stacked()
                .mean_axis(ndarray::Axis(0))
                .expect("at least one draw")),
            Estimator::RaoBlackwell => {
                let views = self
                    .moments()?
                    .iter()
                    .map(|m| m.means.view())
                    .collect::<Vec<_>>();
                Ok(ndarray::concatenate(ndarray::Axis(0), &views)
                    .expect("chains of one run share a dimension")
                    .mean_axis(ndarray::Axis(0))
                    .expect("at least one draw"))
            }
        }
    }

    /// The posterior covariance estimated by `estimator` over all chains, with
    /// denominator `N - 1` for `N` draws: for [`Estimator::Draws`] the sample
    /// covariance; for [`Estimator::RaoBlackwell`]
    /// `(Σ_i E[(q - m)(q - m)ᵀ | trajectory i]) / (N - 1)` around the
    /// Rao–Blackwellized mean `m`, which is the sample covariance again when every
    /// trajectory is a single point.
    ///
    /// Errors: fewer than 2 draws; [`Estimator::RaoBlackwell`] of a run that did not
    /// record trajectories.
    pub fn covariance(&self, estimator: Estimator) -> Result<Array2<f64>, HmcError> {
        let n: usize = self.chains.iter().map(|c| c.draws.nrows()).sum();
        if n < 2 {
            return Err(HmcError::TooFewDraws {
                what: "a covariance estimate",
                needed: 2,
                found: n,
            });
        }
        match estimator {
            Estimator::Draws => Ok(super::diagnostics::sample_covariance(self.stacked().view())),
            Estimator::RaoBlackwell => {
                let m = self.mean(Estimator::RaoBlackwell)?;
                let d = m.len();
                let mut s = Array2::<f64>::zeros((d, d));
                for t in self.moments()? {
                    // Σ (q-m)(q-m)ᵀ = Σ (q-c)(q-c)ᵀ + u bᵀ + b uᵀ + k b bᵀ with
                    // b = c - m and u = Σ (E[q] - c) over the chain's k draws.
                    let k = t.means.nrows() as f64;
                    let b = &t.shift - &m;
                    let u = t.means.sum_axis(ndarray::Axis(0)) - k * &t.shift;
                    s += &t.second;
                    for i in 0..d {
                        for j in 0..d {
                            s[[i, j]] += u[i] * b[j] + b[i] * u[j] + k * b[i] * b[j];
                        }
                    }
                }
                Ok(s / (n as f64 - 1.0))
            }
        }
    }

    /// Every chain's trajectory moments, or the error that the run did not record them.
    fn moments(&self) -> Result<Vec<&TrajectoryMoments>, HmcError> {
        self.chains
            .iter()
            .map(|c| {
                c.trajectory.as_ref().ok_or_else(|| HmcError::Setting {
                    what: "Rao–Blackwellized estimates",
                    detail: "the run did not record trajectories: sample with Settings::rao_blackwell(true)".into(),
                })
            })
            .collect()
    }

    /// Gradient evaluations in total (warm-up and draws, all chains).
    pub fn gradient_evaluations(&self) -> usize {
        self.chains
            .iter()
            .map(|c| c.warmup_grads + c.sampling_grads)
            .sum()
    }
}

/// Runs `settings.chains` chains of `kernel` on `target` from the starting points `init`
/// (one per chain, or one for all).
///
/// Errors: a starting point whose dimension is not the target's (both sizes named), a
/// starting point where the log density or its gradient is not finite, a fixed metric of
/// the wrong dimension, zero chains or draws.
pub fn sample<T: LogDensity + ?Sized, K: Kernel>(
    target: &T,
    kernel: &K,
    init: &[Array1<f64>],
    settings: &Settings,
) -> Result<Samples, HmcError> {
    let dim = target.dim();
    if settings.chains == 0 || settings.draws == 0 {
        return Err(HmcError::Setting {
            what: "chains and draws",
            detail: format!(
                "{} chains of {} draws: both must be at least 1",
                settings.chains, settings.draws
            ),
        });
    }
    if init.is_empty() || (init.len() != 1 && init.len() != settings.chains) {
        return Err(HmcError::Setting {
            what: "initial points",
            detail: format!(
                "{} initial points for {} chains: give one per chain, or one for all",
                init.len(),
                settings.chains
            ),
        });
    }
    for q in init {
        if q.len() != dim {
            return Err(HmcError::Dimension {
                what: "the initial point",
                expected: dim,
                found: q.len(),
            });
        }
    }
    if let Some((eps, metric)) = &settings.fixed {
        if metric.dim() != dim {
            return Err(HmcError::Dimension {
                what: "the mass matrix",
                expected: dim,
                found: metric.dim(),
            });
        }
        if !(eps.is_finite() && *eps > 0.0) {
            return Err(HmcError::Setting {
                what: "step size",
                detail: format!("{eps} is not a positive number"),
            });
        }
    }
    if !(settings.target_accept > 0.0 && settings.target_accept < 1.0) {
        return Err(HmcError::Setting {
            what: "target acceptance",
            detail: format!("{} is not in (0, 1)", settings.target_accept),
        });
    }
    let total = (settings.chains * (settings.warmup + settings.draws)) as u64;
    let bar = Progress::new(total, "hmc", settings.progress);
    let mut chains = Vec::with_capacity(settings.chains);
    for c in 0..settings.chains {
        let mut rng = SamplerRng::new(settings.seed.wrapping_add(c as u64));
        let q0 = init[c.min(init.len() - 1)].clone();
        let mut z = PhasePoint::new(target, q0, Array1::zeros(dim));
        if !z.hamiltonian(&Metric::identity(dim)).is_finite() {
            return Err(HmcError::NonFiniteStart {
                chain: c,
                logp: z.logp,
            });
        }
        let (eps, metric, warmup_grads, warmup_divergences) = match &settings.fixed {
            None => warmup(
                target,
                kernel,
                &mut z,
                settings.warmup,
                settings.metric,
                settings.target_accept,
                &mut rng,
                || bar.inc(1),
            )?,
            Some((eps, metric)) => {
                let (mut n, mut d) = (0, 0);
                for _ in 0..settings.warmup {
                    let t = kernel.transition(target, metric, *eps, &mut z, &mut rng);
                    n += t.n_grad;
                    d += usize::from(t.divergent);
                    bar.inc(1);
                }
                (*eps, metric.clone(), n, d)
            }
        };
        let mut draws = Array2::<f64>::zeros((settings.draws, dim));
        let mut accept = Vec::with_capacity(settings.draws);
        let mut divergent = Vec::with_capacity(settings.draws);
        let mut depth = Vec::with_capacity(settings.draws);
        let mut sampling_grads = 0;
        let mut trajectory = settings
            .rao_blackwell
            .then(|| TrajectoryMoments::new(settings.draws, z.q.clone()));
        let mut points = WeightedPoints::default();
        for i in 0..settings.draws {
            let t = match &mut trajectory {
                Some(moments) => {
                    let t = kernel.transition_weighted(
                        target,
                        &metric,
                        eps,
                        &mut z,
                        &mut rng,
                        &mut points,
                    );
                    moments.add(i, &points);
                    t
                }
                None => kernel.transition(target, &metric, eps, &mut z, &mut rng),
            };
            draws.row_mut(i).assign(&z.q);
            accept.push(t.accept_prob);
            divergent.push(t.divergent);
            depth.push(t.depth);
            sampling_grads += t.n_grad;
            bar.inc(1);
        }
        chains.push(Chain {
            draws,
            accept,
            divergent,
            depth,
            warmup_grads,
            sampling_grads,
            warmup_divergences,
            step_size: eps,
            metric,
            trajectory,
        });
    }
    bar.finish();
    Ok(Samples { chains })
}
