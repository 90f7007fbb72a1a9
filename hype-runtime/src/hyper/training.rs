//! Training as a differentiable function: `hyper::train(&h, &init, &setup)` returns the
//! trained model, and `grad!`/`jvp!` of any `#[differentiable]` function that calls it
//! differentiate through the whole run (Hype's `Layer.Train` inside `Optimize.Minimize`).
//!
//! `train` is a [`custom_rule`] function: the transform does
//! not look inside it, it calls its two rules, and those rules are the hypergradient
//! drivers on the [`Training`] dynamics:
//!
//! * reverse mode (`grad!`, `vjp!`): the forward sweep of Reverse-HG
//!   ([`Trajectory::record`]) runs when the caller's forward sweep reaches `train`,
//!   and the caller's backward sweep hands the cotangent of the trained model to
//!   [`Trajectory::backward`]. With [`ReverseMode::Checkpointed`] nothing is stored:
//!   the forward sweep only trains, and the pullback runs
//!   [`checkpointed`](super::checkpointed()) seeded with that cotangent (`T` more
//!   steps than the full trajectory, memory `O(√T)` or `c + 1` states);
//! * forward mode (`jvp!`): Forward-HG in the one direction of the caller's tangent
//!   ([`directional`]).
//!
//! What is differentiable (the fields of [`TrainHyper`], plus the initial model):
//! the learning rate (one value, a per-step schedule, per-step and per-group
//! rates), the momentum (one value or per step; plain and Nesterov), an L2 weight, the
//! initialization scale, and the loss's own hyperparameters ([`TrainLoss::Hyper`]:
//! per-example weights, or the training inputs themselves). What is constant (the
//! [`TrainSetup`]): the loss, the optimizer, the sequence of minibatches (built
//! exactly as [`optim::train`](crate::optim::train()) visits them) and the parameter
//! groups.
//!
//! ```rust,ignore
//! use hype::hyper::{self, TrainHyper, TrainLoss, TrainSetup};
//!
//! #[differentiable]
//! fn validation_after_training(
//!     h: &TrainHyper<()>,
//!     #[constant] init: &Net,
//!     #[constant] setup: &TrainSetup<MyLoss>,   // MyLoss: TrainLoss<Net>, from grad!/hvp!
//!     #[constant] vx: &Array2<f64>,
//!     #[constant] vy: &Array2<f64>,
//! ) -> f64 {
//!     let m = hyper::train(h, init, setup);
//!     batch_loss(&m, vx, vy)
//! }
//!
//! let setup = TrainSetup::new(loss, examples, &params)?;   // params: optim::TrainParams
//! let h = setup.hyper(&params, ())?;                        // its rates and momentum
//! let g = grad!(validation_after_training)(&h, &init, &setup, &vx, &vy); // TrainHyper
//! let (_, d) = jvp!(validation_after_training)(&h, &init, &setup, &vx, &vy, &dh);
//! ```
//!
//! `hype-runtime/tests/hyper_train.rs` runs this for gradient descent, heavy ball,
//! Nesterov and Adam, and `examples/hype_headline.rs` is Hype's headline program.

use super::checkpoint::{checkpointed, Checkpointing};
use super::forward::directional;
use super::reverse::Trajectory;
use super::rule::{Gradient, Rule};
use super::{Dynamics, HyperError};
use crate::data::rng::derive_seed;
use crate::data::Minibatches;
use crate::optim::{EarlyStopping, GradientClipping, LearningRate, Momentum, TrainParams};
use crate::tangent::{HasTangent, Tangent};
use hype_macros::{custom_rule, Tangent};
use ndarray::{Array1, Array2};
use std::marker::PhantomData;
use std::ops::Range;

/// A training loss over minibatches `rows` of a data set the implementation holds,
/// through its gradient and the derivatives of the gradient (as
/// [`InnerLoss`](super::InnerLoss), per batch). For a `#[differentiable(order = 2)]`
/// batch loss these are `grad!` and `hvp!`.
pub trait TrainLoss<M> {
    /// Hyperparameters of the loss (per-example weights, the data, ...; `()` for none).
    type Hyper: Tangent;

    /// `∇_m L(m, λ; rows)`.
    fn gradient(&self, m: &M, lam: &Self::Hyper, rows: &[usize]) -> M;

    /// `(∇²_mm L v, (∂_λ ∇_m L)ᵀ v)` on the batch `rows`.
    fn gradient_vjp(&self, m: &M, lam: &Self::Hyper, rows: &[usize], v: &M) -> (M, Self::Hyper);

    /// `∇²_mm L dm + ∂_λ ∇_m L dλ` on the batch `rows`.
    fn gradient_jvp(
        &self,
        m: &M,
        lam: &Self::Hyper,
        rows: &[usize],
        dm: &M,
        dlam: &Self::Hyper,
    ) -> M;

    /// `(∇_m L, ∇²_mm L v, (∂_λ ∇_m L)ᵀ v)`; override to share the forward pass.
    fn gradient_and_vjp(
        &self,
        m: &M,
        lam: &Self::Hyper,
        rows: &[usize],
        v: &M,
    ) -> (M, M, Self::Hyper) {
        let g = self.gradient(m, lam, rows);
        let (hv, cl) = self.gradient_vjp(m, lam, rows, v);
        (g, hv, cl)
    }

    /// `(∇_m L, ∇²_mm L dm + ∂_λ ∇_m L dλ)`; override to share the forward pass.
    fn gradient_and_jvp(
        &self,
        m: &M,
        lam: &Self::Hyper,
        rows: &[usize],
        dm: &M,
        dlam: &Self::Hyper,
    ) -> (M, M) {
        (
            self.gradient(m, lam, rows),
            self.gradient_jvp(m, lam, rows, dm, dlam),
        )
    }
}

/// The update rule, as [`optim::train`](crate::optim::train()) applies it with a
/// schedule learning rate (`s = -α g`; momentum as [`Momentum`]) or Adam.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Optimizer {
    /// `w' = w + s`.
    GradientDescent,
    /// Heavy ball: `v' = μ v + s`, `w' = w + v'`.
    Momentum,
    /// Nesterov (Sutskever's form): `v' = μ v + s`, `w' = w + μ v' + s`.
    Nesterov,
    /// Adam as `optim::adaptive::adam` with `p = -g`: `m' = β₁ m + (1-β₁) p`,
    /// `u' = β₂ u + (1-β₂) g²`, `w' = w + α (m'/c₁) / (sqrt(u'/c₂) + ε)`.
    Adam {
        /// First-moment decay β₁.
        beta1: f64,
        /// Second-moment decay β₂.
        beta2: f64,
        /// ε added to the root.
        epsilon: f64,
    },
}

impl Optimizer {
    /// Optimizer state vectors besides the parameters.
    fn slots(&self) -> usize {
        match self {
            Optimizer::GradientDescent => 0,
            Optimizer::Momentum | Optimizer::Nesterov => 1,
            Optimizer::Adam { .. } => 2,
        }
    }

    fn uses_momentum(&self) -> bool {
        matches!(self, Optimizer::Momentum | Optimizer::Nesterov)
    }
}

/// How the reverse rule of [`train`] gets the states of the trajectory back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ReverseMode {
    /// Store every state (Reverse-HG, [`reverse`](super::reverse())): `T + 1` states.
    #[default]
    Full,
    /// Recompute them from checkpoints ([`checkpointed`](super::checkpointed())).
    Checkpointed(Checkpointing),
}

/// The differentiable inputs of [`train`] besides the initial model.
#[derive(Clone, Debug, PartialEq, Tangent)]
pub struct TrainHyper<L> {
    /// Learning rates: one row shared by all steps, or one row per step; one column
    /// shared by all parameters, or one per group of [`TrainSetup::groups`].
    pub lr: Array2<f64>,
    /// Momentum `μ`: one value or one per step (ignored by gradient descent and Adam,
    /// whose momentum hypergradient is zero).
    pub momentum: Array1<f64>,
    /// Weight `κ` of the L2 penalty `½ κ |m|²` added to the training loss.
    pub l2: f64,
    /// Training starts from `init_scale · init`.
    pub init_scale: f64,
    /// The loss's own hyperparameters.
    pub loss: L,
}

impl<L> TrainHyper<L> {
    /// One rate and one momentum for every step and parameter; no L2, scale 1.
    pub fn constant(lr: f64, momentum: f64, loss: L) -> Self {
        TrainHyper {
            lr: Array2::from_elem((1, 1), lr),
            momentum: Array1::from_elem(1, momentum),
            l2: 0.0,
            init_scale: 1.0,
            loss,
        }
    }

    /// A per-step schedule (one rate per step, shared by all parameters).
    pub fn schedule(lr: &Array1<f64>, momentum: f64, loss: L) -> Self {
        TrainHyper {
            lr: lr.clone().insert_axis(ndarray::Axis(1)),
            ..TrainHyper::constant(0.0, momentum, loss)
        }
    }
}

/// The constant part of a training run: loss, optimizer, minibatches, groups.
#[derive(Clone, Debug)]
pub struct TrainSetup<L> {
    /// The training loss.
    pub loss: L,
    /// The update rule.
    pub optimizer: Optimizer,
    /// How the reverse rule recovers the trajectory.
    pub reverse: ReverseMode,
    batches: Vec<Vec<usize>>,
    groups: Vec<Range<usize>>,
}

impl<L> TrainSetup<L> {
    /// The run that [`optim::train`](crate::optim::train()) makes with `params` on a data
    /// set of `examples` rows: the same minibatches in the same order (batch size,
    /// epochs, shuffle seed, the length of a `Schedule`), and the optimizer of
    /// `params.optim.momentum` (gradient descent, heavy ball, Nesterov) or Adam.
    /// Rejects what is not a smooth function of the hyperparameters or not
    /// implemented here: line searches, AdaGrad, RMSProp, other methods, clipping,
    /// early stopping, momentum on top of Adam. Return-best is not applied: `train`
    /// returns the last model.
    pub fn new(loss: L, examples: usize, params: &TrainParams) -> Result<Self, HyperError> {
        let p = &params.optim;
        let bad = |m: String| Err(HyperError::InvalidArgument(format!("train: {m}")));
        if examples == 0 {
            return bad("the training set has no examples".into());
        }
        if p.method != crate::optim::Method::GradientDescent {
            return bad(format!(
                "the method {:?} is not differentiable here (gradient descent only)",
                p.method
            ));
        }
        if p.gradient_clipping != GradientClipping::NoClip {
            return bad("gradient clipping is not supported".into());
        }
        if p.early_stopping != EarlyStopping::NoEarly {
            return bad("early stopping is not supported (its decision has no derivative)".into());
        }
        let optimizer = match (&p.learning_rate, p.momentum) {
            (LearningRate::Adam(a), Momentum::NoMomentum) => Optimizer::Adam {
                beta1: a.beta1,
                beta2: a.beta2,
                epsilon: a.epsilon,
            },
            (LearningRate::Adam(_), m) => {
                return bad(format!("Adam with momentum {m:?} is not supported"))
            }
            (lr, _) if lr.scheduled(0).is_none() && !matches!(lr, LearningRate::Schedule(_)) => {
                return bad(format!(
                    "the learning rate {lr:?} is not supported (constant, decay, schedule or Adam)"
                ))
            }
            (_, Momentum::NoMomentum) => Optimizer::GradientDescent,
            (_, Momentum::Momentum(_)) => Optimizer::Momentum,
            (_, Momentum::Nesterov(_)) => Optimizer::Nesterov,
        };
        let batch_size = match params.batch {
            crate::optim::Batch::Full => examples,
            crate::optim::Batch::Minibatch(0) => return bad("a minibatch of 0 examples".into()),
            crate::optim::Batch::Minibatch(n) => n.min(examples),
            crate::optim::Batch::Stochastic => 1,
        };
        let per_epoch = examples.div_ceil(batch_size);
        let total = match &p.learning_rate {
            LearningRate::Schedule(s) => s.len().min(p.epochs * per_epoch),
            _ => p.epochs * per_epoch,
        };
        let mut batches = Vec::with_capacity(total);
        'epochs: for epoch in 0..p.epochs {
            let mut order = Minibatches::new(examples, batch_size)
                .map_err(|e| HyperError::InvalidArgument(format!("train: {e}")))?;
            if let Some(seed) = params.shuffle {
                order = order.shuffled(derive_seed(seed, epoch as u64));
            }
            for idx in order {
                if batches.len() == total {
                    break 'epochs;
                }
                batches.push(idx);
            }
        }
        Ok(TrainSetup {
            loss,
            optimizer,
            reverse: ReverseMode::Full,
            batches,
            groups: Vec::new(),
        })
    }

    /// The same run on explicit minibatches (row indices, one list per step).
    pub fn from_batches(
        loss: L,
        optimizer: Optimizer,
        batches: Vec<Vec<usize>>,
    ) -> Result<Self, HyperError> {
        if let Some(t) = batches.iter().position(Vec::is_empty) {
            return Err(HyperError::InvalidArgument(format!(
                "train: minibatch {t} of {} is empty",
                batches.len()
            )));
        }
        Ok(TrainSetup {
            loss,
            optimizer,
            reverse: ReverseMode::Full,
            batches,
            groups: Vec::new(),
        })
    }

    /// Per-group learning rates: `groups` are contiguous ranges of the model's flat
    /// representation covering it from 0 (e.g. one per layer); column `k` of
    /// [`TrainHyper::lr`] is the rate of group `k`.
    pub fn groups(mut self, groups: Vec<Range<usize>>) -> Result<Self, HyperError> {
        let mut next = 0;
        for (k, r) in groups.iter().enumerate() {
            if r.start != next || r.end <= r.start {
                return Err(HyperError::InvalidArgument(format!(
                    "train: parameter groups must be non-empty and contiguous from 0; group {k} is {r:?} after {next}"
                )));
            }
            next = r.end;
        }
        self.groups = groups;
        Ok(self)
    }

    /// Sets how the reverse rule recovers the trajectory.
    pub fn reverse_mode(mut self, mode: ReverseMode) -> Self {
        self.reverse = mode;
        self
    }

    /// Training steps.
    pub fn steps(&self) -> usize {
        self.batches.len()
    }

    /// The rows of step `t`'s minibatch.
    pub fn batch(&self, t: usize) -> &[usize] {
        &self.batches[t]
    }

    /// The hyperparameters that `params` sets: its learning rate at every step (one
    /// value when constant), its momentum, no L2, scale 1, and `loss`.
    pub fn hyper<H>(&self, params: &TrainParams, loss: H) -> Result<TrainHyper<H>, HyperError> {
        let lr = &params.optim.learning_rate;
        let rates: Vec<f64> = match lr {
            LearningRate::Constant(a) => vec![*a],
            LearningRate::Adam(a) => vec![a.lr],
            other => (0..self.steps())
                .map(|t| {
                    other.scheduled(t).ok_or_else(|| {
                        HyperError::InvalidArgument(format!(
                            "train: the learning rate {other:?} has no rate at step {t}"
                        ))
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let mu = match params.optim.momentum {
            Momentum::NoMomentum => 0.0,
            Momentum::Momentum(m) | Momentum::Nesterov(m) => m,
        };
        Ok(TrainHyper {
            lr: Array1::from(rates).insert_axis(ndarray::Axis(1)),
            ..TrainHyper::constant(0.0, mu, loss)
        })
    }

    /// Checks `h` and `init` against the setup: rate rows 1 or the number of steps,
    /// columns 1 or the number of groups, momentum length 1 or the number of steps,
    /// groups covering the model.
    pub fn check<M: Tangent, H>(&self, h: &TrainHyper<H>, init: &M) -> Result<(), HyperError> {
        let steps = self.steps();
        let (rows, cols) = h.lr.dim();
        if rows != 1 && rows != steps {
            return Err(HyperError::Length {
                what: "train: learning-rate rows",
                expected: format!("1 or the number of steps ({steps})"),
                found: rows,
            });
        }
        let groups = self.groups.len().max(1);
        if cols != 1 && cols != groups {
            return Err(HyperError::Length {
                what: "train: learning-rate columns",
                expected: format!("1 or the number of parameter groups ({groups})"),
                found: cols,
            });
        }
        if self.optimizer.uses_momentum() && h.momentum.len() != 1 && h.momentum.len() != steps {
            return Err(HyperError::Length {
                what: "train: momentum schedule",
                expected: format!("1 or the number of steps ({steps})"),
                found: h.momentum.len(),
            });
        }
        if let Some(last) = self.groups.last() {
            if last.end != init.flat_len() {
                return Err(HyperError::InvalidArgument(format!(
                    "train: the parameter groups cover {} scalars but the model has {}",
                    last.end,
                    init.flat_len()
                )));
            }
        }
        Ok(())
    }

    /// The training run as a [`Dynamics`] (state: the model followed by the optimizer's
    /// vectors), for the hypergradient drivers.
    pub fn dynamics<M>(&self) -> Training<'_, M, L> {
        Training {
            setup: self,
            model: PhantomData,
        }
    }

    /// The initial state `[init_scale · init, 0, ..]`.
    pub fn initial_state<M: Tangent, H>(&self, h: &TrainHyper<H>, init: &M) -> Vec<M> {
        let mut w = init.clone();
        w.scale(h.init_scale);
        let mut s = vec![w];
        s.extend((0..self.optimizer.slots()).map(|_| init.zero_like()));
        s
    }
}

/// The training run of a [`TrainSetup`] as a [`Dynamics`]: state `[w]` (gradient
/// descent), `[w, v]` (momentum, Nesterov) or `[w, m, u]` (Adam); step `t` uses
/// minibatch `t`.
pub struct Training<'a, M, L> {
    setup: &'a TrainSetup<L>,
    model: PhantomData<fn() -> M>,
}

/// `∇L + κ w` and friends: the loss plus the L2 penalty.
impl<M: Tangent, L: TrainLoss<M>> Training<'_, M, L> {
    fn rows(&self, t: usize) -> &[usize] {
        &self.setup.batches[t]
    }

    fn gradient(&self, w: &M, h: &TrainHyper<L::Hyper>, t: usize) -> M {
        let mut g = self.setup.loss.gradient(w, &h.loss, self.rows(t));
        check_len("gradient", w, &g);
        if h.l2 != 0.0 {
            g.axpy(h.l2, w);
        }
        g
    }

    /// `(g, H v, loss cotangent, κ cotangent)` with the penalty.
    fn gradient_and_vjp(
        &self,
        w: &M,
        h: &TrainHyper<L::Hyper>,
        t: usize,
        v: &M,
    ) -> (M, M, L::Hyper, f64) {
        let (mut g, mut hv, cl) = self
            .setup
            .loss
            .gradient_and_vjp(w, &h.loss, self.rows(t), v);
        check_len("gradient", w, &g);
        check_len("Hessian-vector product", w, &hv);
        if h.l2 != 0.0 {
            g.axpy(h.l2, w);
            hv.axpy(h.l2, v);
        }
        (g, hv, cl, w.inner(v))
    }

    /// `(g, dg)` with the penalty.
    fn gradient_and_jvp(
        &self,
        w: &M,
        h: &TrainHyper<L::Hyper>,
        t: usize,
        dw: &M,
        dh: &TrainHyper<L::Hyper>,
    ) -> (M, M) {
        let (mut g, mut dg) =
            self.setup
                .loss
                .gradient_and_jvp(w, &h.loss, self.rows(t), dw, &dh.loss);
        check_len("gradient", w, &g);
        check_len("gradient's tangent", w, &dg);
        if h.l2 != 0.0 {
            g.axpy(h.l2, w);
            dg.axpy(h.l2, dw);
        }
        if dh.l2 != 0.0 {
            dg.axpy(dh.l2, w);
        }
        (g, dg)
    }

    /// Row of step `t` in the rate matrix.
    fn row(h: &TrainHyper<L::Hyper>, t: usize) -> usize {
        if h.lr.nrows() == 1 {
            0
        } else {
            t
        }
    }

    fn per_group(&self, h: &TrainHyper<L::Hyper>) -> bool {
        h.lr.ncols() > 1
    }

    /// The rates of step `t` from `rates` (`h.lr` or a tangent of it) as the rule
    /// takes them: one value, or with per-group rates one per coordinate of a model
    /// of `n` scalars.
    fn rates(
        &self,
        h: &TrainHyper<L::Hyper>,
        rates: &Array2<f64>,
        t: usize,
        n: usize,
    ) -> Array1<f64> {
        let row = Self::row(h, t);
        if !self.per_group(h) {
            return Array1::from_elem(1, rates[[row, 0]]);
        }
        let mut out = Array1::zeros(n);
        for (k, r) in self.setup.groups.iter().enumerate() {
            out.slice_mut(ndarray::s![r.clone()]).fill(rates[[row, k]]);
        }
        out
    }

    /// The cotangent of the rates of [`Training::rates`] summed over each group.
    fn group_sums(&self, h: &TrainHyper<L::Hyper>, rate_bar: &Array1<f64>) -> Vec<f64> {
        if !self.per_group(h) {
            return vec![rate_bar.sum()];
        }
        self.setup
            .groups
            .iter()
            .map(|r| rate_bar.slice(ndarray::s![r.clone()]).sum())
            .collect()
    }

    fn momentum(h: &TrainHyper<L::Hyper>, t: usize) -> (usize, f64) {
        let k = if h.momentum.len() == 1 { 0 } else { t };
        (k, h.momentum[k])
    }

    /// The hyperparameter cotangent of step `t`: rate cotangents per group, momentum,
    /// L2 weight, loss.
    fn cotangent(
        &self,
        h: &TrainHyper<L::Hyper>,
        t: usize,
        lr: &[f64],
        mu: f64,
        l2: f64,
        loss: L::Hyper,
    ) -> TrainHyper<L::Hyper> {
        let mut lr_bar = Array2::zeros(h.lr.raw_dim());
        let row = Self::row(h, t);
        for (k, v) in lr.iter().enumerate() {
            lr_bar[[row, k]] = *v;
        }
        let mut momentum = Array1::zeros(h.momentum.len());
        if self.setup.optimizer.uses_momentum() {
            momentum[Self::momentum(h, t).0] = mu;
        }
        TrainHyper {
            lr: lr_bar,
            momentum,
            l2,
            init_scale: 0.0,
            loss,
        }
    }

    /// The update rule of [`optim::update`](crate::optim::update) the setup runs.
    fn rule(&self) -> Rule {
        match self.setup.optimizer {
            Optimizer::GradientDescent => Rule::GradientDescent,
            Optimizer::Momentum => Rule::HeavyBall,
            Optimizer::Nesterov => Rule::Nesterov,
            Optimizer::Adam {
                beta1,
                beta2,
                epsilon,
            } => Rule::Adam {
                beta1,
                beta2,
                epsilon,
            },
        }
    }

    /// The momentum of step `t` (0 for rules without one).
    fn mu(&self, h: &TrainHyper<L::Hyper>, t: usize) -> f64 {
        if self.setup.optimizer.uses_momentum() {
            Self::momentum(h, t).1
        } else {
            0.0
        }
    }
}

fn check_len<M: Tangent>(what: &str, w: &M, other: &M) {
    assert_eq!(
        w.flat_len(),
        other.flat_len(),
        "hype::hyper::train: the model has {} scalars but the {what} has {}",
        w.flat_len(),
        other.flat_len()
    );
}

fn flat<M: Tangent>(s: &[M]) -> Vec<Array1<f64>> {
    s.iter().map(Tangent::flatten).collect()
}

fn rebuild<M: Tangent>(like: &M, parts: Vec<Array1<f64>>) -> Vec<M> {
    parts
        .iter()
        .map(|x| {
            like.rebuild(x)
                .expect("a flat vector of the model's length")
        })
        .collect()
}

/// The training loss (with the L2 penalty) of step `t` at `w`, for the rule's
/// reverse step; its cotangent is the loss's and the L2 weight's.
struct LossAt<'a, 'b, M, L: TrainLoss<M>> {
    training: &'a Training<'b, M, L>,
    w: &'a M,
    h: &'a TrainHyper<L::Hyper>,
    t: usize,
}

impl<M: Tangent, L: TrainLoss<M>> Gradient for LossAt<'_, '_, M, L> {
    type Cotangent = (L::Hyper, f64);
    fn gradient(&self) -> Array1<f64> {
        self.training.gradient(self.w, self.h, self.t).flatten()
    }
    fn gradient_and_vjp(&self, v: &Array1<f64>) -> (Array1<f64>, Array1<f64>, (L::Hyper, f64)) {
        let v = self
            .w
            .rebuild(v)
            .expect("a flat vector of the model's length");
        let (g, hv, cl, l2) = self.training.gradient_and_vjp(self.w, self.h, self.t, &v);
        (g.flatten(), hv.flatten(), (cl, l2))
    }
    fn gradient_vjp(&self, v: &Array1<f64>) -> (Array1<f64>, (L::Hyper, f64)) {
        let (_, hv, c) = self.gradient_and_vjp(v);
        (hv, c)
    }
}

impl<M: Tangent, L: TrainLoss<M>> Dynamics for Training<'_, M, L> {
    type State = Vec<M>;
    type Hyper = TrainHyper<L::Hyper>;

    fn step(&self, s: &Vec<M>, h: &Self::Hyper, t: usize) -> Vec<M> {
        let w = &s[0];
        let g = self.gradient(w, h, t).flatten();
        let parts = flat(s);
        let rate = self.rates(h, &h.lr, t, g.len());
        let next = self.rule().step(
            &parts.iter().collect::<Vec<_>>(),
            &g,
            &rate,
            self.mu(h, t),
            t,
        );
        rebuild(w, next)
    }

    fn step_vjp(
        &self,
        s: &Vec<M>,
        h: &Self::Hyper,
        t: usize,
        sb: &Vec<M>,
    ) -> (Vec<M>, Self::Hyper) {
        let w = &s[0];
        let parts = flat(s);
        let rate = self.rates(h, &h.lr, t, w.flat_len());
        let loss = LossAt {
            training: self,
            w,
            h,
            t,
        };
        let (c, (cl, l2)) = self.rule().backward(
            &loss,
            &parts.iter().collect::<Vec<_>>(),
            &rate,
            self.mu(h, t),
            t,
            flat(sb),
        );
        let lr = self.group_sums(h, &c.rate);
        (rebuild(w, c.state), self.cotangent(h, t, &lr, c.mu, l2, cl))
    }

    fn step_jvp(
        &self,
        s: &Vec<M>,
        h: &Self::Hyper,
        t: usize,
        ds: &Vec<M>,
        dh: &Self::Hyper,
    ) -> Vec<M> {
        let (w, dw) = (&s[0], &ds[0]);
        let (g, dg) = self.gradient_and_jvp(w, h, t, dw, dh);
        let n = w.flat_len();
        let dmu = if self.setup.optimizer.uses_momentum() {
            dh.momentum[Self::momentum(h, t).0]
        } else {
            0.0
        };
        let (parts, dparts) = (flat(s), flat(ds));
        let next = self.rule().jvp(
            &parts.iter().collect::<Vec<_>>(),
            &g.flatten(),
            &self.rates(h, &h.lr, t, n),
            self.mu(h, t),
            t,
            &dparts.iter().collect::<Vec<_>>(),
            &dg.flatten(),
            &self.rates(h, &dh.lr, t, n),
            dmu,
        );
        rebuild(w, next)
    }
}

/// Trains `init_scale · init` with the setup's optimizer on its minibatches, the
/// rates, momentum and L2 weight of `h`: the trained model. Differentiable with
/// respect to `h` and `init` (see the module documentation); panics with the message of
/// [`TrainSetup::check`] on hyperparameters of the wrong shape (call [`try_train`] or
/// `check` first to get it as an error).
#[custom_rule(forward = train_jvp, reverse = train_vjp)]
pub fn train<M, L>(h: &TrainHyper<L::Hyper>, init: &M, #[constant] setup: &TrainSetup<L>) -> M
where
    M: Tangent + HasTangent<Tangent = M>,
    L: TrainLoss<M>,
    L::Hyper: HasTangent<Tangent = L::Hyper>,
{
    try_train(h, init, setup).unwrap_or_else(|e| panic!("{e}"))
}

/// [`train`] with its argument check as an error (not differentiable itself).
pub fn try_train<M, L>(
    h: &TrainHyper<L::Hyper>,
    init: &M,
    setup: &TrainSetup<L>,
) -> Result<M, HyperError>
where
    M: Tangent,
    L: TrainLoss<M>,
{
    setup.check(h, init)?;
    let s0 = setup.initial_state(h, init);
    let mut s = super::unroll(&setup.dynamics::<M>(), &s0, h, setup.steps());
    Ok(s.swap_remove(0))
}

/// The forward rule of [`train`]: Forward-HG in the direction `(dh, dinit)`.
pub fn train_jvp<M, L>(
    h: &TrainHyper<L::Hyper>,
    init: &M,
    setup: &TrainSetup<L>,
    dh: &TrainHyper<L::Hyper>,
    dinit: &M,
) -> (M, M)
where
    M: Tangent,
    L: TrainLoss<M>,
{
    setup.check(h, init).unwrap_or_else(|e| panic!("{e}"));
    let s0 = setup.initial_state(h, init);
    // d(κ_0 · init) = dκ_0 · init + κ_0 · dinit.
    let mut ds0: Vec<M> = s0.iter().map(Tangent::zero_like).collect();
    ds0[0] = dinit.clone();
    ds0[0].scale(h.init_scale);
    ds0[0].axpy(dh.init_scale, init);
    let (mut s, mut z) = directional(&setup.dynamics::<M>(), &s0, &ds0, h, dh, setup.steps());
    (s.swap_remove(0), z.swap_remove(0))
}

/// The reverse rule of [`train`]: Reverse-HG's forward sweep now, its backward sweep in
/// the pullback (cotangents of `h` and `init`).
#[allow(clippy::type_complexity)]
pub fn train_vjp<'a, M, L>(
    h: &'a TrainHyper<L::Hyper>,
    init: &'a M,
    setup: &'a TrainSetup<L>,
) -> (M, impl FnOnce(&M) -> (TrainHyper<L::Hyper>, M) + 'a)
where
    M: Tangent + 'a,
    L: TrainLoss<M>,
{
    setup.check(h, init).unwrap_or_else(|e| panic!("{e}"));
    let s0 = setup.initial_state(h, init);
    let dynamics = setup.dynamics::<M>();
    let steps = setup.steps();
    let trajectory = match setup.reverse {
        ReverseMode::Full => Some(Trajectory::record(&dynamics, &s0, h, steps)),
        ReverseMode::Checkpointed(_) => None,
    };
    let last = match &trajectory {
        Some(tr) => tr.last()[0].clone(),
        None => super::unroll(&dynamics, &s0, h, steps).swap_remove(0),
    };
    let pullback = move |mb: &M| {
        let dynamics = setup.dynamics::<M>();
        let mut sb: Vec<M> = s0.iter().map(Tangent::zero_like).collect();
        sb[0] = mb.clone();
        let (s0b, mut hb) = match (trajectory, setup.reverse) {
            (Some(tr), _) => tr.backward(&dynamics, h, sb, h.zero_like()),
            (None, ReverseMode::Checkpointed(scheme)) => {
                let seed = |_: &Vec<M>, h: &TrainHyper<L::Hyper>| (0.0, sb.clone(), h.zero_like());
                let r = checkpointed(&dynamics, &seed, &s0, h, steps, scheme)
                    .unwrap_or_else(|e| panic!("{e}"));
                (
                    r.initial_state_grad
                        .expect("checkpointed Reverse-HG returns dE/ds_0"),
                    r.grad,
                )
            }
            (None, ReverseMode::Full) => unreachable!("the full mode records its trajectory"),
        };
        // s_0 = κ · init.
        hb.init_scale += s0b[0].inner(init);
        let mut init_bar = s0b[0].clone();
        init_bar.scale(h.init_scale);
        (hb, init_bar)
    };
    (last, pullback)
}
