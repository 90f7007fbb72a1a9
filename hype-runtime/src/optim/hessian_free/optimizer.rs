//! The update rule of a training run behind one small trait, [`Optimizer`], and its
//! Hessian-free implementation: gradient, Martens' CG on the damped Gauss–Newton
//! model, backtracking over the saved CG iterates, Levenberg–Marquardt damping, a
//! line search on the chosen step, and retries with more damping when the loss
//! becomes non-finite.

use super::cg::martens_cg;
use super::damping::Damping;
use super::gauss_newton::GaussNewton;
use super::line_search::search_rate;
use super::loss::OutputLoss;
use super::network::Network;
use super::HfError;
use crate::optim::vector::all_finite;
use crate::tangent::Tangent;
use crate::Float;
use ndarray::Array2;
use std::time::{Duration, Instant};

/// The batch of one update: the examples of the gradient, and the (usually smaller)
/// subset of them that the curvature products use, of the network's float type `F`
/// (`f64` unless written).
#[derive(Clone, Copy, Debug)]
pub struct Batch<'a, F: Float = f64> {
    /// Inputs of the gradient batch.
    pub x: &'a Array2<F>,
    /// Targets of the gradient batch.
    pub t: &'a Array2<F>,
    /// Inputs of the curvature batch.
    pub curvature_x: &'a Array2<F>,
    /// Targets of the curvature batch.
    pub curvature_t: &'a Array2<F>,
}

/// What one update did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UpdateStats {
    /// The loss of the batch before the update.
    pub loss_before: f64,
    /// The loss of the batch after it (before it, for updates that do not evaluate it).
    pub loss_after: f64,
    /// The damping after the update (0 for first-order rules).
    pub damping: f64,
    /// CG iterations (Gauss–Newton products) of the last attempt.
    pub cg_iterations: usize,
    /// The CG iteration of the step chosen by backtracking.
    pub chosen_iteration: usize,
    /// The line-search rate (0: the weights did not change).
    pub rate: f64,
    /// Attempts repeated with more damping after a non-finite loss or step.
    pub retries: usize,
    /// Time in Gauss–Newton products.
    pub time_curvature: Duration,
    /// Time in the gradient.
    pub time_gradient: Duration,
    /// Time in the whole update.
    pub time_total: Duration,
}

/// An update rule: the step to add to the parameters for one batch, for a network of
/// float type `F` (`f64` unless written).
///
/// The statistics (losses, damping, rate) are `f64` whatever `F`: an `f32` loss is
/// widened exactly.
pub trait Optimizer<N: Network<F>, L: OutputLoss<N::Output, F>, F: Float = f64> {
    /// The step `δ` (the parameters become `p + δ`) and what the update did.
    fn update(
        &mut self,
        net: &N,
        loss: &L,
        p: &N::Params,
        batch: Batch<'_, F>,
    ) -> Result<(N::Params, UpdateStats), HfError>;
}

/// The loss of the batch at `p`, or `+∞` when it is not finite (a rejected point).
fn loss_at<F: Float, N: Network<F>, L: OutputLoss<N::Output, F>>(
    net: &N,
    loss: &L,
    p: &N::Params,
    x: &Array2<F>,
    t: &Array2<F>,
) -> f64 {
    let v = loss.value(&net.forward(p, x), t);
    if v.is_finite() {
        v
    } else {
        f64::INFINITY
    }
}

/// The loss plus the weight decay `½ c |p|²` (`+∞` when not finite).
fn objective<F: Float, N: Network<F>, L: OutputLoss<N::Output, F>>(
    net: &N,
    loss: &L,
    p: &N::Params,
    x: &Array2<F>,
    t: &Array2<F>,
    decay: f64,
) -> f64 {
    loss_at(net, loss, p, x, t) + 0.5 * decay * p.inner(p)
}

fn moved<P: Tangent>(p: &P, a: f64, d: &P) -> P {
    let mut q = p.clone();
    q.axpy(a, d);
    q
}

/// Hessian-free optimization (Martens 2010), with the seed package's defaults.
///
/// ```text
/// let mut hf = HessianFree::new().cg_iter(2);        // init_damping 1
/// let run = fit(&net, &SquaredError, &mut hf, &mut params, data, &FitParams::epochs(40))?;
/// ```
#[derive(Clone, Debug)]
pub struct HessianFree<P> {
    /// At most this many CG iterations per update (the seed's `CG_iter`, 250).
    pub cg_iter: usize,
    /// The damping and its rule (starts at the seed's `init_damping`, 1).
    pub damping: Damping,
    /// The previous CG solution is scaled by this to start the next (0.95).
    pub warm_start_decay: f64,
    /// Attempts with the damping raised (×`retry_factor`) after a non-finite loss or
    /// step, before giving up on the update (the weights are then unchanged).
    pub max_retries: usize,
    /// The damping factor of a retry (10).
    pub retry_factor: f64,
    /// L2 weight decay `c`: the objective is the loss plus `½ c |θ|²`, whose gradient
    /// `cθ` and curvature `cI` are added exactly (0: none).
    pub weight_decay: f64,
    previous: Option<P>,
}

impl<P> Default for HessianFree<P> {
    fn default() -> Self {
        HessianFree {
            cg_iter: 250,
            damping: Damping::new(1.0),
            warm_start_decay: 0.95,
            max_retries: 5,
            retry_factor: 10.0,
            weight_decay: 0.0,
            previous: None,
        }
    }
}

impl<P> HessianFree<P> {
    /// The seed's defaults: 250 CG iterations, initial damping 1.
    pub fn new() -> Self {
        Self::default()
    }

    /// At most `n ≥ 1` CG iterations per update.
    pub fn cg_iter(mut self, n: usize) -> Self {
        self.cg_iter = n.max(1);
        self
    }

    /// L2 weight decay `c` (the objective gains `½ c |θ|²`).
    pub fn weight_decay(mut self, c: f64) -> Self {
        self.weight_decay = c;
        self
    }

    /// The initial damping `λ`.
    pub fn init_damping(mut self, lambda: f64) -> Self {
        self.damping.lambda = lambda;
        self
    }
}

impl<F: Float, N: Network<F>, L: OutputLoss<N::Output, F>> Optimizer<N, L, F>
    for HessianFree<N::Params>
{
    fn update(
        &mut self,
        net: &N,
        loss: &L,
        p: &N::Params,
        batch: Batch<'_, F>,
    ) -> Result<(N::Params, UpdateStats), HfError> {
        let start = Instant::now();
        let mut stats = UpdateStats::default();

        let t0 = Instant::now();
        let out = net.forward(p, batch.x);
        let (loss0, g_out) = loss.value_and_grad(&out, batch.t);
        let mut g = net.vjp(p, batch.x, &g_out);
        let decay = self.weight_decay;
        let loss0 = loss0 + 0.5 * decay * p.inner(p);
        g.axpy(decay, p);
        stats.time_gradient = t0.elapsed();
        stats.loss_before = loss0;
        if !loss0.is_finite() || !all_finite(&g) {
            return Err(HfError::NonFinite {
                what: format!(
                    "the {} loss or its gradient at the current weights of {} (loss {loss0})",
                    loss.name(),
                    net.name()
                ),
            });
        }

        let curvature = GaussNewton::new(net, loss, p, batch.curvature_x, batch.curvature_t);
        let mut attempt = 0;
        loop {
            let lambda = self.damping.lambda;
            loss.set_damping(lambda);
            let warm = match &self.previous {
                Some(d) if all_finite(d) => {
                    let mut d = d.clone();
                    d.scale(self.warm_start_decay);
                    d
                }
                _ => g.zero_like(),
            };
            let run = martens_cg(&g, warm, self.cg_iter, |v| {
                curvature.damped_product(v, lambda + decay)
            });
            stats.cg_iterations = run.iterations;
            let last = &run.iterates.last().expect("the final iterate").1;
            // The warm start is the last iterate, not the backtracked one (Martens §4.5).
            self.previous = Some(last.clone());

            // Backtracking: from the last saved iterate towards the first, while the loss falls.
            let mut best: Option<(usize, f64)> = None;
            for (k, (_, d)) in run.iterates.iter().enumerate().rev() {
                let l = if all_finite(d) {
                    objective(net, loss, &moved(p, 1.0, d), batch.x, batch.t, decay)
                } else {
                    f64::INFINITY
                };
                match best {
                    Some((_, lb)) if l > lb => break,
                    _ => best = Some((k, l)),
                }
            }
            let (k, loss_step) = best.expect("at least one iterate");
            let (chosen_iteration, delta) = &run.iterates[k];
            stats.chosen_iteration = *chosen_iteration;

            // Levenberg–Marquardt on the damped quadratic model of the chosen step.
            let slope = g.inner(delta);
            let predicted =
                0.5 * curvature.damped_product(delta, lambda + decay).inner(delta) + slope;
            self.damping
                .update(Damping::ratio(loss_step - loss0, predicted));

            let search = search_rate(loss0, slope, loss_step, |r| {
                objective(net, loss, &moved(p, r, delta), batch.x, batch.t, decay)
            });
            // A finite step that does not lower the loss gives no update this time (the
            // damping already rose), as in the seed; a non-finite one is retried.
            if search.rate > 0.0 || loss_step.is_finite() || attempt >= self.max_retries {
                let mut step = delta.clone();
                step.scale(search.rate);
                stats.rate = search.rate;
                stats.loss_after = search.loss;
                stats.retries = attempt;
                stats.damping = self.damping.lambda;
                stats.time_curvature = curvature.time();
                stats.time_total = start.elapsed();
                return Ok((
                    if search.rate > 0.0 {
                        step
                    } else {
                        g.zero_like()
                    },
                    stats,
                ));
            }
            // The loss (or the step) was not finite anywhere along it: raise the damping
            // and solve again from scratch; the weights are untouched.
            attempt += 1;
            self.damping.lambda *= self.retry_factor;
            self.previous = None;
        }
    }
}

/// Gradient descent with a constant rate (the seed's `SGD`), for comparison.
#[derive(Clone, Copy, Debug)]
pub struct Sgd {
    /// The learning rate.
    pub rate: f64,
}

impl<F: Float, N: Network<F>, L: OutputLoss<N::Output, F>> Optimizer<N, L, F> for Sgd {
    fn update(
        &mut self,
        net: &N,
        loss: &L,
        p: &N::Params,
        batch: Batch<'_, F>,
    ) -> Result<(N::Params, UpdateStats), HfError> {
        let start = Instant::now();
        let out = net.forward(p, batch.x);
        let (l, g_out) = loss.value_and_grad(&out, batch.t);
        let mut g = net.vjp(p, batch.x, &g_out);
        if !l.is_finite() || !all_finite(&g) {
            return Err(HfError::NonFinite {
                what: format!(
                    "the {} loss or its gradient of {} (loss {l})",
                    loss.name(),
                    net.name()
                ),
            });
        }
        g.scale(-self.rate);
        let elapsed = start.elapsed();
        Ok((
            g,
            UpdateStats {
                loss_before: l,
                loss_after: l,
                rate: self.rate,
                time_gradient: elapsed,
                time_total: elapsed,
                ..Default::default()
            },
        ))
    }
}
