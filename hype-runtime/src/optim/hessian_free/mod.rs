//! Hessian-free optimization (Martens 2010), after the `hessianfree` Python package.
//!
//! Each update minimizes the damped Gauss–Newton model of the loss on a batch,
//! `q(δ) = ½ δᵀ(G + λI)δ + gᵀδ`, by conjugate gradient, with only products `G·v`:
//!
//! * [`network`] — what a network provides: its output, `J·v` (forward mode) and
//!   `Jᵀ·u` (reverse mode); [`FnNetwork`] builds it from a `#[differentiable]`
//!   function and its `jvp!` / `jacobian_t_v!`, [`FeedForwardNet`](struct@FeedForwardNet)
//!   from `nn::FeedForward` (in `f64` or `f32`);
//! * [`loss`] — losses of the output with their gradient and `H_L·u`
//!   (generated, forward over reverse): the seed's squared error and cross-entropy
//!   (`NaN` targets ignored), its sparse L2 activity penalty, structural damping
//!   (Martens & Sutskever 2011), and Hype's `nn::Loss`;
//! * [`gauss_newton`] — `G·v = Jᵀ·H_L·J·v`;
//! * [`cg`] — Martens' CG: warm start, relative-progress stop, saved iterates;
//! * [`damping`] — Tikhonov damping with the Levenberg–Marquardt rule;
//! * [`line_search`] — the Armijo search on the chosen step;
//! * [`optimizer`] — [`HessianFree`] (and [`Sgd`] for comparison) behind [`Optimizer`]:
//!   gradient on the minibatch, CG on a separate curvature batch, backtracking over the
//!   CG iterates, damping update, line search; a non-finite loss raises the damping
//!   and retries without touching the weights;
//! * [`fit`](fit()) — epochs of minibatches with a test measure (the seed's
//!   `run_epochs`), returning the statistics it plots;
//! * [`init`] — Martens' sparse initialization.
//!
//! Everything is generic over the float type `F` ([`Float`](crate::Float), `f64`
//! unless written): a [`Network<F>`](Network) reads batches of `F`, its parameters and
//! output are of `F`, and its loss ([`OutputLoss<O, F>`](OutputLoss)) takes targets of
//! `F`, so an `f32` network ([`FeedForwardNet::<f32>::new()`](struct@FeedForwardNet), or
//! an [`FnNetwork`] of `f32` closures) trains on [`Data<f32>`](Data) end to end, and
//! mixing `f32` and `f64` does not compile. The optimizer's scalar arithmetic stays
//! `f64` whatever `F`: loss values are widened exactly, CG's inner products accumulate
//! in `f64` ([`Tangent::inner`](crate::Tangent::inner)), and its steps, the damping
//! `λ` and the line-search rate are `f64` scalars applied by
//! [`Tangent::axpy`](crate::Tangent::axpy)/[`scale`](crate::Tangent::scale), which
//! round each updated entry to `F`.
//!
//! One update, at weights `θ` with batch loss `L`, gradient `g` and damping `λ`:
//!
//! 1. CG on `(G + λI)δ = -g` from `0.95 δ_prev`, at most `cg_iter` iterations;
//! 2. backtracking: the saved iterates from the last towards the first while the
//!    batch loss at `θ + δ_i` keeps falling; the earliest of that run is `δ`;
//! 3. `ρ = (L(θ + δ) - L) / q(δ)`; `λ ← 1.5λ` if `ρ < ¼`, `λ ← ⅔λ` if `ρ > ¾`;
//! 4. the rate `r` from 1 down by 0.8 until `L(θ + rδ) ≤ L + 0.01 r gᵀδ`; `θ ← θ + rδ`.

pub mod cg;
pub mod damping;
mod fit;
pub mod gauss_newton;
pub mod init;
pub mod line_search;
pub mod loss;
pub mod network;
pub mod optimizer;

pub use damping::Damping;
pub use fit::{fit, Data, EpochStats, FitParams, FitResult, TestMeasure};
pub use gauss_newton::{gauss_newton_product, GaussNewton};
pub use init::{sparse_init, sparse_init_as};
pub use loss::{CrossEntropy, OutputLoss, SparseL2, SquaredError, StructuralDamping, WithSparsity};
pub use network::{FeedForwardNet, FnNetwork, Network, TangentReverse};
pub use optimizer::{Batch, HessianFree, Optimizer, Sgd, UpdateStats};

use std::fmt;

/// Why a Hessian-free run could not proceed.
#[derive(Clone, Debug, PartialEq)]
pub enum HfError {
    /// Two shapes that had to agree did not (`what` names the component).
    Shape {
        /// The component and what was compared.
        what: String,
        /// The first shape.
        left: Vec<usize>,
        /// The second shape.
        right: Vec<usize>,
    },
    /// An empty training or test set.
    Empty {
        /// Which set, of which network.
        what: String,
    },
    /// The loss or gradient at the current weights is not finite (nothing to retry from).
    NonFinite {
        /// What was not finite.
        what: String,
    },
}

impl fmt::Display for HfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HfError::Shape { what, left, right } => {
                write!(f, "hessian-free: {what}: {left:?} and {right:?}")
            }
            HfError::Empty { what } => write!(f, "hessian-free: empty {what}"),
            HfError::NonFinite { what } => write!(f, "hessian-free: non-finite {what}"),
        }
    }
}

impl std::error::Error for HfError {}
