//! The training loop (the seed's `run_epochs`): each epoch visits the training set in
//! minibatches (shuffled with a seeded permutation), asks the optimizer for a step
//! on each, then measures the test set. It stops after `epochs`, when the test
//! measure falls below `target`, or (with a test set and `stop_on_overfit`) when
//! the measure is worse than 10 epochs before.

use super::loss::OutputLoss;
use super::network::Network;
use super::optimizer::{Batch, Optimizer, UpdateStats};
use super::HfError;
use crate::data::rng::{derive_seed, permutation};
use crate::optim::vector::all_finite;
use crate::tangent::Tangent;
use crate::Float;
use ndarray::{Array2, Axis};
use std::time::{Duration, Instant};

/// Training inputs and targets, and an optional test set, of the network's float type
/// `F` (`f64` unless written).
#[derive(Clone, Copy, Debug)]
pub struct Data<'a, F: Float = f64> {
    /// Training inputs (rows are examples).
    pub x: &'a Array2<F>,
    /// Training targets.
    pub t: &'a Array2<F>,
    /// Test inputs and targets (`None`: the training set).
    pub test: Option<(&'a Array2<F>, &'a Array2<F>)>,
}

/// How to run the epochs.
#[derive(Clone, Debug)]
pub struct FitParams {
    /// At most this many epochs.
    pub epochs: usize,
    /// Examples per update (`None`: the whole training set).
    pub minibatch: Option<usize>,
    /// Examples of each minibatch used for the curvature (`None`: all of them).
    pub curvature_batch: Option<usize>,
    /// Seed of the minibatch permutations.
    pub seed: u64,
    /// Stop when the test measure falls below this (the seed's `target_err`, 1e-6).
    pub target: f64,
    /// Stop when the test measure is worse than 10 epochs before (with a test set).
    pub stop_on_overfit: bool,
    /// Print the epoch's statistics every this many epochs (`None`: silent).
    pub print_period: Option<usize>,
}

impl FitParams {
    /// `epochs` full-batch epochs, otherwise the seed's defaults.
    pub fn epochs(epochs: usize) -> Self {
        FitParams {
            epochs,
            minibatch: None,
            curvature_batch: None,
            seed: 0,
            target: 1e-6,
            stop_on_overfit: true,
            print_period: None,
        }
    }

    /// Examples per update.
    pub fn minibatch(mut self, n: usize) -> Self {
        self.minibatch = Some(n);
        self
    }

    /// Examples of each minibatch for the curvature products.
    pub fn curvature_batch(mut self, n: usize) -> Self {
        self.curvature_batch = Some(n);
        self
    }

    /// The target of the test measure.
    pub fn target(mut self, target: f64) -> Self {
        self.target = target;
        self
    }

    /// The seed of the permutations.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Print every `period` epochs.
    pub fn print_period(mut self, period: usize) -> Self {
        self.print_period = Some(period.max(1));
        self
    }
}

/// One epoch's statistics (the seed's plots).
#[derive(Clone, Debug, PartialEq)]
pub struct EpochStats {
    /// The epoch (from 0).
    pub epoch: usize,
    /// The training-batch loss after the epoch's last update.
    pub train_loss: f64,
    /// The test measure after the epoch.
    pub test: f64,
    /// The last update's statistics.
    pub update: UpdateStats,
    /// CG iterations of all updates of the epoch.
    pub cg_iterations: usize,
    /// Time in curvature products, in gradients, and in total, over the epoch.
    pub time_curvature: Duration,
    /// See `time_curvature`.
    pub time_gradient: Duration,
    /// See `time_curvature`.
    pub time_total: Duration,
}

/// The epochs of a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FitResult {
    /// One entry per epoch run.
    pub epochs: Vec<EpochStats>,
}

impl FitResult {
    /// The test measure after the last epoch.
    pub fn last_test(&self) -> Option<f64> {
        self.epochs.last().map(|e| e.test)
    }
}

/// A measure of the network's output on the test set (the loss, or e.g. the
/// classification error), against targets of float type `F` (`f64` unless written).
pub type TestMeasure<'a, O, F = f64> = &'a dyn Fn(&O, &Array2<F>) -> f64;

/// Trains `p` with `optimizer`; the test measure is `measure` (default: the loss).
///
/// The network, its parameters and the data share one float type `F` (`f32` data for a
/// `FeedForwardNet<f32>`); the statistics are `f64` whatever `F`.
///
/// Errors name the component and both sizes: inputs and targets of different row
/// counts, an empty training set, inputs of the wrong width, an output that does not
/// match its targets; and a non-finite loss at the current weights.
pub fn fit<F, N, L, O>(
    net: &N,
    loss: &L,
    optimizer: &mut O,
    p: &mut N::Params,
    data: Data<'_, F>,
    params: &FitParams,
    measure: Option<TestMeasure<'_, N::Output, F>>,
) -> Result<FitResult, HfError>
where
    F: Float,
    N: Network<F>,
    L: OutputLoss<N::Output, F>,
    O: Optimizer<N, L, F>,
{
    let check = |what: &str, x: &Array2<F>, t: &Array2<F>| -> Result<(), HfError> {
        if x.nrows() != t.nrows() {
            return Err(HfError::Shape {
                what: format!("{what}: inputs against targets of {}", net.name()),
                left: x.shape().to_vec(),
                right: t.shape().to_vec(),
            });
        }
        if x.nrows() == 0 {
            return Err(HfError::Empty {
                what: format!("{what} of {}", net.name()),
            });
        }
        if let Some(w) = net.input_width(p) {
            if x.ncols() != w {
                return Err(HfError::Shape {
                    what: format!(
                        "{what}: input width of {} (inputs, then the width it takes)",
                        net.name()
                    ),
                    left: x.shape().to_vec(),
                    right: vec![w],
                });
            }
        }
        let first = x.slice(ndarray::s![..1, ..]).to_owned();
        loss.check(
            &net.forward(p, &first),
            &t.slice(ndarray::s![..1, ..]).to_owned(),
        )
    };
    check("training set", data.x, data.t)?;
    let (test_x, test_t) = data.test.unwrap_or((data.x, data.t));
    check("test set", test_x, test_t)?;

    let n = data.x.nrows();
    let size = params.minibatch.unwrap_or(n).clamp(1, n);
    let mut result = FitResult::default();
    for epoch in 0..params.epochs {
        let order = if size < n {
            permutation(n, derive_seed(params.seed, epoch as u64))
        } else {
            (0..n).collect()
        };
        let mut stats = EpochStats {
            epoch,
            train_loss: f64::NAN,
            test: f64::NAN,
            update: UpdateStats::default(),
            cg_iterations: 0,
            time_curvature: Duration::ZERO,
            time_gradient: Duration::ZERO,
            time_total: Duration::ZERO,
        };
        let start = Instant::now();
        for rows in order.chunks(size) {
            let (bx, bt) = if size < n {
                (data.x.select(Axis(0), rows), data.t.select(Axis(0), rows))
            } else {
                (data.x.clone(), data.t.clone())
            };
            let k = params
                .curvature_batch
                .unwrap_or(rows.len())
                .clamp(1, rows.len());
            let (cx, ct) = (
                bx.slice(ndarray::s![..k, ..]).to_owned(),
                bt.slice(ndarray::s![..k, ..]).to_owned(),
            );
            let batch = Batch {
                x: &bx,
                t: &bt,
                curvature_x: &cx,
                curvature_t: &ct,
            };
            let (step, update) = optimizer.update(net, loss, p, batch)?;
            if all_finite(&step) {
                p.add_assign_tangent(&step);
            }
            stats.cg_iterations += update.cg_iterations;
            stats.time_curvature += update.time_curvature;
            stats.time_gradient += update.time_gradient;
            stats.train_loss = update.loss_after;
            stats.update = update;
        }
        let out = net.forward(p, test_x);
        stats.test = match measure {
            Some(m) => m(&out, test_t),
            None => loss.value(&out, test_t),
        };
        stats.time_total = start.elapsed();
        if let Some(period) = params.print_period {
            if epoch % period == 0 {
                println!(
                    "epoch {epoch:>4}: train loss {:.4e}  test {:.4e}  damping {:.3e}  CG {:>3} (chose {:>3})  rate {:.3}",
                    stats.train_loss,
                    stats.test,
                    stats.update.damping,
                    stats.update.cg_iterations,
                    stats.update.chosen_iteration,
                    stats.update.rate
                );
            }
        }
        let test = stats.test;
        result.epochs.push(stats);
        if test < params.target {
            break;
        }
        let k = result.epochs.len();
        if params.stop_on_overfit
            && data.test.is_some()
            && k > 11
            && result.epochs[k - 11].test < test
        {
            break;
        }
    }
    Ok(result)
}
