//! Training a model on a data set: `train(&mut model, &data, &params, loss)` (Hype's
//! `Layer.Train`).
//!
//! The model is any [`Tangent`] type (a `#[derive(Tangent)]` struct of layers); the
//! loss and its gradient come from a closure over the model and one batch of inputs
//! and targets, usually built from the function that `#[differentiable]` generates:
//!
//! ```text
//! #[differentiable]
//! fn batch_loss(m: &Mlp, #[constant] x: &Array2<f64>, #[constant] y: &Array2<f64>) -> f64 {
//!     ops::cross_entropy_on_linear(&m.forward(x), y)
//! }
//! let loss = |m: &Mlp, x: ArrayView2<f64>, y: ArrayView2<f64>| {
//!     value_and_grad!(batch_loss)(m, &x.to_owned(), &y.to_owned())
//! };
//! let r = train(&mut model, &data, &TrainParams::minibatch(100).epochs(2), loss)?;
//! ```
//!
//! Any closure with that signature works; here a one-weight model with its gradient
//! written out:
//!
//! ```
//! use hype_runtime::data::Dataset;
//! use hype_runtime::optim::{train, LearningRate, TrainParams};
//! use ndarray::{Array1, Array2, ArrayView2};
//!
//! // y = 3 x; the model is w (one weight), the loss the mean of (x w - y)².
//! let x = Array2::from_shape_fn((20, 1), |(i, _)| i as f64 / 10.0 - 1.0);
//! let data = Dataset::new(x.clone(), 3.0 * &x).unwrap();
//! let loss = |w: &Array1<f64>, x: ArrayView2<f64>, y: ArrayView2<f64>| {
//!     let r = &x.column(0) * w[0] - &y.column(0);
//!     let n = r.len() as f64;
//!     (r.dot(&r) / n, Array1::from_elem(1, 2.0 * r.dot(&x.column(0)) / n))
//! };
//! let mut w = Array1::zeros(1);
//! let params = TrainParams::minibatch(5)
//!     .epochs(50)
//!     .learning_rate(LearningRate::Constant(0.5))
//!     .progress(false);
//! let r = train(&mut w, &data, &params, loss).unwrap();
//! assert_eq!(r.iterations, 50 * 4);
//! assert!((w[0] - 3.0).abs() < 1e-9);
//! ```
//!
//! # One iteration (minibatch and stochastic training, and full-batch gradient descent)
//!
//! At iteration `t` (from 0), with the model `m_t` and the batch `(x, y)`:
//!
//! 1. `(l_t, g_t) = loss(m_t, x, y)`; `loss_history[t] = l_t`;
//! 2. every `validation_interval` iterations (`t % interval == 0`): the validation loss
//!    of `m_t` (or `l_t` without a validation set) is recorded and checked for early
//!    stopping and return-best, exactly as in [`minimize`](super::minimize);
//! 3. `m_{t+1}` = [`gradient_descent_step`](super::step::gradient_descent_step)`(m_t, g_t,
//!    state, params)`: clipping, learning rate (schedule or adaptive), momentum.
//!
//! Epochs are passes over the data; each pass visits the batches in order or, with
//! [`TrainParams::shuffle`], in the permutation of epoch `e` given by
//! [`derive_seed`](crate::data::rng::derive_seed)`(seed, e)`. A `LearningRate::Schedule`
//! ends training when it runs out.
//!
//! Full-batch training with another method (CG, L-BFGS, Newton-CG) or a line search
//! hands the whole data set to [`minimize`](super::minimize) as one objective.
//!
//! # Return-best
//!
//! Candidates are ranked by validation loss when there is a validation set, else by
//! the batch loss at the candidate. The final model competes with the loss of the
//! validation set (or of the last batch) at it.

use super::early_stopping::{EarlyStopping, Monitor, Verdict};
use super::learning_rate::LearningRate;
use super::params::{Method, Params};
use super::result::{OptimError, StopReason};
use super::step::{gradient_descent_step, StepState};
use super::vector::all_finite;
use super::{try_minimize_objective, Problem};
use crate::checkpoint::train_state::{Fingerprint, TrainState};
use crate::checkpoint::{CheckpointError, CheckpointPolicy};
use crate::data::rng::derive_seed;
use crate::data::{Dataset, Minibatches};
use crate::report::Progress;
use crate::tangent::Tangent;
use crate::Float;
use ndarray::{ArrayView2, Axis};
use std::fmt;

/// How much of the data each iteration sees (Hype's `Batch`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Batch {
    /// The whole training set every iteration (one iteration per epoch). Hype's default.
    #[default]
    Full,
    /// Batches of this many examples (the last one of an epoch may be smaller).
    Minibatch(usize),
    /// One example per iteration.
    Stochastic,
}

/// Configuration of [`train`]: the optimizer's [`Params`] (with `epochs` counting passes
/// over the data), the batching, the shuffling and the progress bar.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainParams {
    /// Learning rate, momentum, clipping, early stopping, return-best, validation
    /// interval (in iterations) and `epochs` (passes over the data).
    pub optim: Params,
    /// Full batch, minibatches or single examples.
    pub batch: Batch,
    /// Shuffle each epoch's batches with this seed; `None`: in order.
    pub shuffle: Option<u64>,
    /// Show a progress bar (on a terminal stderr only, see
    /// [`report::Progress`](crate::report::Progress)).
    pub progress: bool,
    /// Save the full training state every so many iterations, and resume from the
    /// file when it exists (gradient descent with a schedule or adaptive rate).
    pub checkpoint: Option<CheckpointPolicy>,
}

impl Default for TrainParams {
    /// Hype's defaults ([`Params::default`]: 100 epochs, RMSProp(0.001, 0.9)), full batch,
    /// in order, with a progress bar.
    fn default() -> Self {
        TrainParams {
            optim: Params::default(),
            batch: Batch::Full,
            shuffle: None,
            progress: true,
            checkpoint: None,
        }
    }
}

impl TrainParams {
    /// Minibatches of `n` examples, otherwise the defaults.
    pub fn minibatch(n: usize) -> Self {
        TrainParams::default().batch(Batch::Minibatch(n))
    }
    /// Sets [`TrainParams::batch`].
    pub fn batch(mut self, b: Batch) -> Self {
        self.batch = b;
        self
    }
    /// Sets [`TrainParams::optim`].
    pub fn optim(mut self, p: Params) -> Self {
        self.optim = p;
        self
    }
    /// Sets the number of passes over the data (`optim.epochs`).
    pub fn epochs(mut self, n: usize) -> Self {
        self.optim.epochs = n;
        self
    }
    /// Sets the learning rate (`optim.learning_rate`).
    pub fn learning_rate(mut self, lr: LearningRate) -> Self {
        self.optim.learning_rate = lr;
        self
    }
    /// Shuffles the batches of each epoch with `seed`.
    pub fn shuffle(mut self, seed: u64) -> Self {
        self.shuffle = Some(seed);
        self
    }
    /// Shows or hides the progress bar.
    pub fn progress(mut self, on: bool) -> Self {
        self.progress = on;
        self
    }
    /// Saves the full state (model, optimizer state, position in the data, histories,
    /// early-stopping state) to `path` every `every` iterations, atomically; a run
    /// that finds `path` at its start resumes from it and ends bit-identical to a run
    /// that was never interrupted. See [`crate::checkpoint`].
    pub fn checkpoint(mut self, path: impl Into<std::path::PathBuf>, every: usize) -> Self {
        self.checkpoint = Some(CheckpointPolicy::new(path, every));
        self
    }
}

/// What [`train`] did. The trained model is written into the `model` argument.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainResult {
    /// Updates made.
    pub iterations: usize,
    /// The batch loss at each iteration, before its update: `loss_history[t] = loss(m_t,
    /// batch_t)`. (Delegated full-batch methods: the loss at every iterate, also the last.)
    pub loss_history: Vec<f64>,
    /// The mean batch loss of each completed epoch (weighted by batch size).
    pub epoch_losses: Vec<f64>,
    /// `(t, validation loss of m_t)` at every check, when there is a validation set.
    pub validation_history: Vec<(usize, f64)>,
    /// Why training stopped (`MaxIterations`: all epochs ran).
    pub reason: StopReason,
    /// Whether the model is the remembered best rather than the last one.
    pub returned_best: bool,
}

/// Why [`train`] did not start.
#[derive(Clone, Debug, PartialEq)]
pub enum TrainError {
    /// A hyperparameter is out of range.
    Optim(OptimError),
    /// The training set has no examples.
    EmptyData,
    /// `Batch::Minibatch(0)`.
    ZeroBatchSize,
    /// Inputs and targets with different numbers of rows.
    RowMismatch {
        set: &'static str,
        inputs: usize,
        targets: usize,
    },
    /// The validation set's inputs or targets are not as wide as the training set's.
    WidthMismatch {
        what: &'static str,
        train: usize,
        validation: usize,
    },
    /// Minibatch or stochastic training with a method other than gradient descent or a
    /// line search (these need one fixed objective: use `Batch::Full`).
    NeedsFullBatch { what: String },
    /// A checkpoint could not be written, or the one found could not be resumed.
    Checkpoint(CheckpointError),
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainError::Optim(e) => write!(f, "{e}"),
            TrainError::EmptyData => write!(f, "the training set has no examples"),
            TrainError::ZeroBatchSize => write!(f, "a minibatch of 0 examples"),
            TrainError::RowMismatch {
                set,
                inputs,
                targets,
            } => write!(
                f,
                "the {set} set has {inputs} input rows but {targets} target rows"
            ),
            TrainError::WidthMismatch {
                what,
                train,
                validation,
            } => write!(
                f,
                "the validation {what} have {validation} columns, the training {what} {train}"
            ),
            TrainError::NeedsFullBatch { what } => write!(
                f,
                "{what} needs one fixed objective: use Batch::Full, or gradient descent with a schedule or adaptive learning rate"
            ),
            TrainError::Checkpoint(e) => write!(f, "train: {e}"),
        }
    }
}

impl std::error::Error for TrainError {}

impl From<CheckpointError> for TrainError {
    fn from(e: CheckpointError) -> Self {
        TrainError::Checkpoint(e)
    }
}

impl From<OptimError> for TrainError {
    fn from(e: OptimError) -> Self {
        TrainError::Optim(e)
    }
}

/// Trains `model` on `data` with `params`; `loss(m, x, y)` gives the loss of the model
/// `m` on the batch (`x`, `y`: rows are examples) and its gradient (shaped like `m`).
/// The trained (or best) model is left in `model`.
///
/// The loss may be `f64` or `f32` (an `f32` model's loss, e.g. from a
/// `#[differentiable]` function generic over [`Float`]); the histories record it as
/// `f64`. The updates are computed on the flattened parameters in `f64` and rounded to
/// the model's float type.
pub fn train<M, S, L>(
    model: &mut M,
    data: &Dataset,
    params: &TrainParams,
    loss: L,
) -> Result<TrainResult, TrainError>
where
    M: Tangent,
    S: Float,
    L: Fn(&M, ArrayView2<f64>, ArrayView2<f64>) -> (S, M),
{
    run(model, data, None, params, in_f64(loss))
}

/// `loss` with its value widened to `f64`.
fn in_f64<M, S: Float>(
    loss: impl Fn(&M, ArrayView2<f64>, ArrayView2<f64>) -> (S, M),
) -> impl Fn(&M, ArrayView2<f64>, ArrayView2<f64>) -> (f64, M) {
    move |m, x, y| {
        let (l, g) = loss(m, x, y);
        (l.into_f64(), g)
    }
}

/// [`train`] with a validation set: its loss is checked every `validation_interval`
/// iterations for early stopping and return-best (computed with `loss`, whose
/// gradient is discarded). The loss may be `f64` or `f32`, as in [`train`].
pub fn train_validated<M, S, L>(
    model: &mut M,
    data: &Dataset,
    validation: &Dataset,
    params: &TrainParams,
    loss: L,
) -> Result<TrainResult, TrainError>
where
    M: Tangent,
    S: Float,
    L: Fn(&M, ArrayView2<f64>, ArrayView2<f64>) -> (S, M),
{
    run(model, data, Some(validation), params, in_f64(loss))
}

fn check_data(data: &Dataset, validation: Option<&Dataset>) -> Result<(), TrainError> {
    let rows = |set, d: &Dataset| {
        if d.x.nrows() != d.y.nrows() {
            Err(TrainError::RowMismatch {
                set,
                inputs: d.x.nrows(),
                targets: d.y.nrows(),
            })
        } else {
            Ok(())
        }
    };
    rows("training", data)?;
    if data.is_empty() {
        return Err(TrainError::EmptyData);
    }
    if let Some(v) = validation {
        rows("validation", v)?;
        for (what, t, w) in [
            ("inputs", data.x.ncols(), v.x.ncols()),
            ("targets", data.y.ncols(), v.y.ncols()),
        ] {
            if t != w {
                return Err(TrainError::WidthMismatch {
                    what,
                    train: t,
                    validation: w,
                });
            }
        }
    }
    Ok(())
}

fn run<M, L>(
    model: &mut M,
    data: &Dataset,
    validation: Option<&Dataset>,
    params: &TrainParams,
    loss: L,
) -> Result<TrainResult, TrainError>
where
    M: Tangent,
    L: Fn(&M, ArrayView2<f64>, ArrayView2<f64>) -> (f64, M),
{
    let p = &params.optim;
    p.validate()?;
    check_data(data, validation)?;
    let batch_size = match params.batch {
        Batch::Full => data.len(),
        Batch::Minibatch(0) => return Err(TrainError::ZeroBatchSize),
        Batch::Minibatch(n) => n.min(data.len()),
        Batch::Stochastic => 1,
    };
    let simple = p.method == Method::GradientDescent && !p.learning_rate.is_line_search();
    if !simple {
        if params.batch != Batch::Full {
            let what = if p.learning_rate.is_line_search() {
                format!("the line search {:?}", p.learning_rate)
            } else {
                format!("the method {:?}", p.method)
            };
            return Err(TrainError::NeedsFullBatch { what });
        }
        if params.checkpoint.is_some() {
            return Err(CheckpointError::InvalidArgument(format!(
                "train checkpoints gradient descent with a schedule or adaptive rate, not {:?} with {:?}",
                p.method, p.learning_rate
            ))
            .into());
        }
        return full_batch_minimize(model, data, validation, params, &loss);
    }
    if let Some(c) = &params.checkpoint {
        c.validate()?;
    }

    let validation_loss = |m: &M| validation.map(|v| loss(m, v.x.view(), v.y.view()).0);
    let per_epoch = data.len().div_ceil(batch_size);
    let total = match &p.learning_rate {
        LearningRate::Schedule(s) => s.len().min(p.epochs * per_epoch),
        _ => p.epochs * per_epoch,
    };
    let progress = Progress::new(total as u64, "train", params.progress);
    let mut monitor = Monitor::new(
        p.improvement_threshold,
        p.validation_interval,
        p.early_stopping,
        validation.is_some(),
    );
    // Snapshots cost two copies of the model: only when they can be used.
    let monitoring = p.return_best || p.early_stopping != EarlyStopping::NoEarly;
    let mut state = StepState::new(model);
    let mut loss_history = Vec::with_capacity(total);
    let mut epoch_losses = Vec::with_capacity(p.epochs);
    let mut validation_history = Vec::new();
    let mut reason = StopReason::MaxIterations;
    let mut t = 0usize;
    let mut last_batch: Option<Vec<usize>> = None;
    let fingerprint = fingerprint(data, validation, params, batch_size);
    let (mut start_epoch, mut skip, mut sum, mut count) = (0, 0, 0.0, 0usize);
    if let Some(c) = params.checkpoint.as_ref().filter(|c| c.path.exists()) {
        let record = crate::checkpoint::file::load(&c.path)?;
        let s = TrainState::decode(record, model, &fingerprint, data.len())?;
        check_position(&s, p.epochs, per_epoch, total, data.len())?;
        *model = s.model;
        t = s.step.t;
        state = s.step;
        (start_epoch, skip, sum, count) = (s.epoch, s.batches_done, s.epoch_sum, s.epoch_count);
        loss_history = s.loss_history;
        epoch_losses = s.epoch_losses;
        validation_history = s.validation_history;
        last_batch = s.last_batch;
        monitor.restore(s.monitor);
        progress.inc(t as u64);
    }

    'epochs: for epoch in start_epoch..p.epochs {
        let mut batches =
            Minibatches::new(data.len(), batch_size).map_err(|_| TrainError::ZeroBatchSize)?;
        if let Some(seed) = params.shuffle {
            batches = batches.shuffled(derive_seed(seed, epoch as u64));
        }
        if epoch > start_epoch {
            (sum, count) = (0.0, 0);
        }
        // A resumed epoch continues after the batches its checkpoint had used.
        let done = if epoch == start_epoch { skip } else { 0 };
        for (b, idx) in batches.enumerate().skip(done) {
            if t >= total {
                break 'epochs;
            }
            let (l, g) = if batch_size == data.len() && params.batch == Batch::Full {
                loss(model, data.x.view(), data.y.view())
            } else {
                let bx = data.x.select(Axis(0), &idx);
                let by = data.y.select(Axis(0), &idx);
                loss(model, bx.view(), by.view())
            };
            loss_history.push(l);
            if !l.is_finite() || !all_finite(&g) {
                reason = StopReason::NonFinite;
                break 'epochs;
            }
            sum += l * idx.len() as f64;
            count += idx.len();
            if t % p.validation_interval == 0 {
                let criterion = match validation_loss(model) {
                    Some(c) => {
                        validation_history.push((t, c));
                        c
                    }
                    None => l,
                };
                let verdict = if monitoring {
                    monitor.check(model, l, &g, criterion)
                } else {
                    Verdict::Continue
                };
                match verdict {
                    Verdict::Continue => {}
                    Verdict::Stagnation => {
                        reason = StopReason::Stagnation;
                        break 'epochs;
                    }
                    Verdict::Overfitting => {
                        reason = StopReason::Overfitting;
                        break 'epochs;
                    }
                }
            }
            if monitoring && monitor.observe(model, l, &g) == Verdict::Overfitting {
                reason = StopReason::Overfitting;
                break 'epochs;
            }
            let (next, next_state) = gradient_descent_step(model, &g, &state, p)?;
            *model = next;
            state = next_state;
            t += 1;
            last_batch = Some(idx);
            progress.inc(1);
            if let Some(c) = params.checkpoint.as_ref().filter(|c| c.due(t)) {
                let s = TrainState {
                    model: model.clone(),
                    step: state.clone(),
                    epoch,
                    batches_done: b + 1,
                    epoch_sum: sum,
                    epoch_count: count,
                    loss_history: loss_history.clone(),
                    epoch_losses: epoch_losses.clone(),
                    validation_history: validation_history.clone(),
                    last_batch: last_batch.clone(),
                    monitor: monitor.state(),
                };
                crate::checkpoint::file::save(&c.path, &s.encode(&fingerprint))?;
            }
            if t % 16 == 0 || t == total {
                progress.set_message(format!("epoch {} loss {l:.4}", epoch + 1));
            }
        }
        if count > 0 {
            epoch_losses.push(sum / count as f64);
        }
    }
    progress.finish();

    // Return-best: the final model against the remembered best.
    let final_criterion = match (validation_loss(model), &last_batch) {
        (Some(c), _) => {
            if validation_history.last().map(|&(k, _)| k) != Some(t) {
                validation_history.push((t, c));
            }
            c
        }
        (None, Some(idx)) if p.return_best => {
            let bx = data.x.select(Axis(0), idx);
            let by = data.y.select(Axis(0), idx);
            loss(model, bx.view(), by.view()).0
        }
        (None, _) => f64::NAN,
    };
    let best = monitor.best.take().filter(|b| {
        p.return_best && t > 0 && (final_criterion.is_nan() || final_criterion > b.criterion)
    });
    let returned_best = best.is_some();
    if let Some(b) = best {
        *model = b.x;
    }
    Ok(TrainResult {
        iterations: t,
        loss_history,
        epoch_losses,
        validation_history,
        reason,
        returned_best,
    })
}

/// The settings a checkpoint must share with the run that resumes it.
fn fingerprint(
    data: &Dataset,
    validation: Option<&Dataset>,
    params: &TrainParams,
    batch_size: usize,
) -> Fingerprint {
    vec![
        ("optim", format!("{:?}", params.optim)),
        ("batch_size", batch_size.to_string()),
        ("shuffle", format!("{:?}", params.shuffle)),
        ("examples", data.len().to_string()),
        (
            "validation_examples",
            format!("{:?}", validation.map(Dataset::len)),
        ),
    ]
}

/// A resumed position must lie inside this run.
fn check_position<M>(
    s: &TrainState<M>,
    epochs: usize,
    per_epoch: usize,
    total: usize,
    examples: usize,
) -> Result<(), CheckpointError> {
    let bad = |key: &str, problem: String| {
        Err(CheckpointError::Metadata {
            key: key.to_string(),
            problem,
        })
    };
    if s.epoch >= epochs {
        return bad(
            "epoch",
            format!("{} is not below the {epochs} epochs", s.epoch),
        );
    }
    if s.batches_done > per_epoch {
        return bad(
            "batches_done",
            format!(
                "{} is more than the {per_epoch} batches of an epoch",
                s.batches_done
            ),
        );
    }
    if s.step.t > total {
        return bad(
            "t",
            format!("{} is more than the {total} iterations", s.step.t),
        );
    }
    if s.epoch_count > examples {
        return bad(
            "epoch_count",
            format!("{} is more than the {examples} examples", s.epoch_count),
        );
    }
    Ok(())
}

/// Full batch with a method or line search that needs the objective: `minimize`.
fn full_batch_minimize<M, L>(
    model: &mut M,
    data: &Dataset,
    validation: Option<&Dataset>,
    params: &TrainParams,
    loss: &L,
) -> Result<TrainResult, TrainError>
where
    M: Tangent,
    L: Fn(&M, ArrayView2<f64>, ArrayView2<f64>) -> (f64, M),
{
    let mut problem = Problem::new(|m: &M| loss(m, data.x.view(), data.y.view()));
    if let Some(v) = validation {
        problem = problem.with_validation(move |m: &M| loss(m, v.x.view(), v.y.view()).0);
    }
    let progress = Progress::new(params.optim.iterations() as u64, "train", params.progress);
    let r = try_minimize_objective(&problem, model.clone(), &params.optim)?;
    progress.inc(r.iterations as u64);
    progress.finish();
    *model = r.x;
    let epoch_losses = r.history[..r.iterations.min(r.history.len())].to_vec();
    Ok(TrainResult {
        iterations: r.iterations,
        loss_history: r.history,
        epoch_losses,
        validation_history: r.validation_history,
        reason: r.reason,
        returned_best: r.returned_best,
    })
}
