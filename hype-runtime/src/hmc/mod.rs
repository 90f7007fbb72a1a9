//! Hamiltonian Monte Carlo on log densities whose gradients the transform generates.
//!
//! ```
//! use hype_runtime::hmc::{self, Nuts, Settings, Summary};
//! use ndarray::{array, Array1};
//!
//! // With Hype: `#[differentiable] fn logp(x: &Array1<f64>) -> f64` and
//! // `hmc::density(2, |x: &Array1<f64>| value_and_grad!(logp)(x))`.
//! let target = hmc::density(2, |x: &Array1<f64>| {
//!     (-0.5 * x.dot(x), -x.clone())
//! });
//! let settings = Settings::default().chains(2).warmup(200).draws(200).seed(1);
//! let samples = hmc::sample(&target, &Nuts::default(), &[array![1.0, -1.0]], &settings).unwrap();
//! let summary = Summary::new(&samples).unwrap();
//! assert!(summary.max_rhat() < 1.1);
//! ```
//!
//! One concept per file:
//!
//! * [`target`] — the [`LogDensity`] trait and its closure adapters [`density`] and
//!   [`density_with_hvp`].
//! * [`leapfrog`](mod@leapfrog) — phase-space points and the leapfrog integrator.
//! * [`mass`] — diagonal and dense mass matrices ([`Metric`]), Cholesky factors,
//!   positive-definiteness errors.
//! * [`kernel`] — the [`Kernel`] trait; [`static_hmc`] ([`StaticHmc`]: fixed
//!   trajectory length, Metropolis correction) and [`nuts`] ([`Nuts`]: multinomial NUTS
//!   with the generalized no-U-turn criterion, as in Stan).
//! * [`adapt`] — dual averaging of the step size and Stan's windowed mass adaptation.
//! * [`chains`] — several seeded chains with a progress bar ([`sample`], [`Settings`]),
//!   and their mean and covariance, from the draws or Rao–Blackwellized over each
//!   transition's trajectory ([`Estimator`]).
//! * [`diagnostics`] — ESS (Geyer's initial monotone sequence; bulk), split R-hat,
//!   [`Summary`].
//! * [`plot`] — trace and marginal-density plots.
//! * [`tune`](mod@tune) — hypergradient tuning of the step size and diagonal mass matrix
//!   through the leapfrog trajectory (log expected squared jumped distance).
//! * [`tune_dense`](mod@tune_dense) — hypergradient tuning of a dense Cholesky factor of
//!   the inverse mass matrix (entropy-regularized log acceptance).
//! * `walkers` — the chains both tuners move, and the checks they share.
//!
//! A log density that returns NaN or ±∞ (or a non-finite gradient) ends the trajectory
//! as a divergence: the step is rejected and counted, and no draw is ever NaN.

pub mod adapt;
pub mod chains;
pub mod diagnostics;
pub mod error;
pub mod kernel;
pub mod leapfrog;
pub mod mass;
pub mod nuts;
pub mod plot;
pub mod rng;
pub mod static_hmc;
pub mod target;
pub mod tune;
pub mod tune_dense;
mod walkers;

pub use adapt::{find_reasonable_step, DualAveraging, Welford, Windows};
pub use chains::{sample, Chain, Estimator, Samples, Settings, TrajectoryMoments};
pub use diagnostics::{
    bulk_ess, covariance_error, ess, frobenius_error, rank_rhat, sample_covariance, split_rhat,
    Summary,
};
pub use error::HmcError;
pub use kernel::{Kernel, Transition, WeightedPoints};
pub use leapfrog::{leapfrog, PhasePoint};
pub use mass::{Metric, MetricKind};
pub use nuts::Nuts;
pub use rng::SamplerRng;
pub use static_hmc::StaticHmc;
pub use target::{density, density_with_hvp, FnDensity, LogDensity};
pub use tune::{objective_grad, tune, ObjectiveGrad, TuneSettings, Tuned};
pub use tune_dense::{
    dense_objective_grad, tune_dense, DenseObjectiveGrad, DenseTuneSettings, DenseTuned,
};
