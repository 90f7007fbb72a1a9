//! The outer loop: hypergradient descent on the hyperparameters with an outer
//! optimizer (gradient descent, Adam, RMSProp — the update rules of
//! [`optim::adaptive`](crate::optim::adaptive)), a projection, a history and an
//! optional progress callback ([`progress_bar`] gives one that draws a bar).
//!
//! ```
//! use hype_runtime::hyper::{optimize, OuterMethod, OuterParams, Projection};
//! use ndarray::{array, Array1};
//!
//! // A stand-in for a hypergradient driver: E(λ) = |λ - (0.3, 0.9)|², on [0, 0.5]².
//! let target = array![0.3, 0.9];
//! let hg = |h: &Array1<f64>| {
//!     let d = h - &target;
//!     Ok((d.dot(&d), 2.0 * d))
//! };
//! let params = OuterParams {
//!     iterations: 200,
//!     method: OuterMethod::GradientDescent { lr: 0.1 },
//!     projection: Projection::Box { lo: 0.0, hi: 0.5 },
//! };
//! let (mut bar, handle) = hype_runtime::hyper::progress_bar(200, "outer");
//! let r = optimize(&array![0.0, 0.0], hg, &params, Some(&mut bar)).unwrap();
//! assert!((r.hyper[0] - 0.3).abs() < 1e-9 && r.hyper[1] == 0.5);
//! assert_eq!(r.history.len(), 201);
//! assert_eq!(handle.position(), 201);
//! ```

use super::projection::Projection;
use super::HyperError;
use crate::checkpoint::outer_state::OuterState;
use crate::checkpoint::{CheckpointError, CheckpointPolicy};
use crate::optim::adaptive::{adam, rmsprop};
use crate::optim::AdamParams;
use crate::tangent::Tangent;

/// The outer optimizer's update rule.
#[derive(Clone, Debug, PartialEq)]
pub enum OuterMethod {
    /// `λ ← λ - lr g`.
    GradientDescent {
        /// Step size.
        lr: f64,
    },
    /// Adam (Kingma & Ba), as [`optim::adaptive::adam`](crate::optim::adaptive::adam).
    Adam(AdamParams),
    /// RMSProp, as [`optim::adaptive::rmsprop`](crate::optim::adaptive::rmsprop):
    /// `G ← k G + (1-k) g²`, `λ ← λ - lr g / sqrt(G + 1e-8)`.
    RmsProp {
        /// Step size.
        lr: f64,
        /// Decay `k` of the squared-gradient average.
        decay: f64,
    },
}

/// An outer optimizer with its state (moments, iteration count).
#[derive(Clone, Debug)]
pub struct OuterOptimizer<H> {
    method: OuterMethod,
    pub(crate) t: usize,
    pub(crate) first: H,
    pub(crate) second: H,
}

impl<H: Tangent> OuterOptimizer<H> {
    /// A fresh optimizer for hyperparameters shaped like `h`; checks the method's
    /// constants.
    pub fn new(method: OuterMethod, h: &H) -> Result<Self, HyperError> {
        let bad = |what: &str, v: f64| {
            Err(HyperError::InvalidArgument(format!(
                "outer optimizer: {what} = {v} is out of range"
            )))
        };
        match &method {
            OuterMethod::GradientDescent { lr } | OuterMethod::RmsProp { lr, .. }
                if !(*lr > 0.0 && lr.is_finite()) =>
            {
                return bad("lr", *lr)
            }
            OuterMethod::RmsProp { decay, .. } if !(0.0..1.0).contains(decay) => {
                return bad("decay", *decay)
            }
            OuterMethod::Adam(p) if !(p.lr > 0.0 && p.lr.is_finite()) => return bad("lr", p.lr),
            OuterMethod::Adam(p) if !(0.0..1.0).contains(&p.beta1) => return bad("beta1", p.beta1),
            OuterMethod::Adam(p) if !(0.0..1.0).contains(&p.beta2) => return bad("beta2", p.beta2),
            _ => {}
        }
        Ok(OuterOptimizer {
            method,
            t: 0,
            first: h.zero_like(),
            second: h.zero_like(),
        })
    }

    /// One update of `h` along the hypergradient `g`: the new hyperparameters (before
    /// any projection).
    pub fn step(&mut self, h: &H, g: &H) -> H {
        let mut p = g.clone();
        p.scale(-1.0);
        let mut out = h.clone();
        match &self.method {
            OuterMethod::GradientDescent { lr } => out.axpy(*lr, &p),
            OuterMethod::Adam(hp) => {
                let (s, m, v) = adam(g, &p, &self.first, &self.second, self.t, hp);
                self.first = m;
                self.second = v;
                out.add_assign_tangent(&s);
            }
            OuterMethod::RmsProp { lr, decay } => {
                let (s, v) = rmsprop(g, &p, &self.second, *lr, *decay);
                self.second = v;
                out.add_assign_tangent(&s);
            }
        }
        self.t += 1;
        out
    }
}

/// Configuration of [`optimize()`].
#[derive(Clone, Debug, PartialEq)]
pub struct OuterParams {
    /// Outer iterations (hypergradient evaluations, plus one for the final point).
    pub iterations: usize,
    /// The outer optimizer.
    pub method: OuterMethod,
    /// Constraint applied to the initial point and after every update.
    pub projection: Projection,
}

impl Default for OuterParams {
    /// 50 iterations of Adam with step 0.01, unconstrained.
    fn default() -> Self {
        OuterParams {
            iterations: 50,
            method: OuterMethod::Adam(AdamParams {
                lr: 0.01,
                ..AdamParams::default()
            }),
            projection: Projection::None,
        }
    }
}

/// One outer iteration.
#[derive(Clone, Debug, PartialEq)]
pub struct OuterRecord {
    /// Iteration (0 is the initial point).
    pub iteration: usize,
    /// Validation loss at the iterate.
    pub value: f64,
    /// Euclidean norm of the hypergradient there.
    pub grad_norm: f64,
}

/// The result of [`optimize()`].
#[derive(Clone, Debug)]
pub struct OptimizeResult<H> {
    /// The last iterate.
    pub hyper: H,
    /// Its validation loss.
    pub value: f64,
    /// The iterate with the lowest validation loss.
    pub best: H,
    /// Its validation loss.
    pub best_value: f64,
    /// One record per evaluated iterate (`iterations + 1`).
    pub history: Vec<OuterRecord>,
}

/// A progress callback for [`optimize()`]: a [`report::Progress`](crate::report::Progress)
/// bar over the `iterations + 1` evaluations showing the current validation loss,
/// drawn only on a terminal (and not under `HYPE_QUIET`). Returns the callback and
/// the bar (to query its position).
pub fn progress_bar(
    iterations: usize,
    label: &str,
) -> (impl FnMut(&OuterRecord), crate::report::Progress) {
    let bar = crate::report::Progress::new(iterations as u64 + 1, label, true);
    let handle = bar.clone();
    let callback = move |r: &OuterRecord| {
        bar.set_message(format!("E = {:.6e}", r.value));
        bar.inc(1);
        if r.iteration == iterations {
            bar.finish();
        }
    };
    (callback, handle)
}

/// Hypergradient descent from `h0`: `hypergradient(λ)` returns `(E(λ), dE/dλ)` (from
/// any driver), the outer method updates `λ`, the projection keeps it feasible.
/// `progress` is called after every evaluation. Errors come from the driver, the
/// projection, or a non-finite loss or hypergradient.
pub fn optimize<H, F>(
    h0: &H,
    hypergradient: F,
    params: &OuterParams,
    progress: Option<&mut dyn FnMut(&OuterRecord)>,
) -> Result<OptimizeResult<H>, HyperError>
where
    H: Tangent,
    F: FnMut(&H) -> Result<(f64, H), HyperError>,
{
    run(h0, hypergradient, params, progress, None)
}

/// [`optimize()`] that saves its full state (iterate, outer optimizer moments,
/// history, best) to `checkpoint.path` every `checkpoint.every` outer iterations and,
/// when that file exists at the start, resumes from it: the result is bit-identical
/// to an uninterrupted run (for a deterministic `hypergradient`). A checkpoint of
/// another outer method or projection, or a malformed file, is an error.
pub fn optimize_checkpointed<H, F>(
    h0: &H,
    hypergradient: F,
    params: &OuterParams,
    progress: Option<&mut dyn FnMut(&OuterRecord)>,
    checkpoint: &CheckpointPolicy,
) -> Result<OptimizeResult<H>, HyperError>
where
    H: Tangent,
    F: FnMut(&H) -> Result<(f64, H), HyperError>,
{
    checkpoint.validate().map_err(checkpoint_error)?;
    run(h0, hypergradient, params, progress, Some(checkpoint))
}

fn checkpoint_error(e: CheckpointError) -> HyperError {
    HyperError::InvalidArgument(e.to_string())
}

fn run<H, F>(
    h0: &H,
    mut hypergradient: F,
    params: &OuterParams,
    mut progress: Option<&mut dyn FnMut(&OuterRecord)>,
    checkpoint: Option<&CheckpointPolicy>,
) -> Result<OptimizeResult<H>, HyperError>
where
    H: Tangent,
    F: FnMut(&H) -> Result<(f64, H), HyperError>,
{
    let mut outer = OuterOptimizer::new(params.method.clone(), h0)?;
    let mut h = params.projection.apply(h0)?;
    let mut history = Vec::with_capacity(params.iterations + 1);
    let mut best = (f64::INFINITY, h.clone());
    let fingerprint = format!("{:?} {:?}", params.method, params.projection);
    let mut start = 0;
    if let Some(c) = checkpoint.filter(|c| c.path.exists()) {
        let record = crate::checkpoint::file::load(&c.path).map_err(checkpoint_error)?;
        let s = OuterState::decode(record, h0, &fingerprint, params.iterations)
            .map_err(checkpoint_error)?;
        (start, h, history) = (s.iteration, s.hyper, s.history);
        (outer.t, outer.first, outer.second) = (s.opt_t, s.first, s.second);
        best = (s.best_value, s.best);
    }
    for iteration in start..=params.iterations {
        let (value, g) = hypergradient(&h)?;
        let grad_norm = g.inner(&g).sqrt();
        if !value.is_finite() || !grad_norm.is_finite() {
            return Err(HyperError::NonFinite("validation loss or hypergradient"));
        }
        let record = OuterRecord {
            iteration,
            value,
            grad_norm,
        };
        if let Some(cb) = progress.as_deref_mut() {
            cb(&record);
        }
        history.push(record);
        if value < best.0 {
            best = (value, h.clone());
        }
        if iteration == params.iterations {
            break;
        }
        h = params.projection.apply(&outer.step(&h, &g))?;
        if let Some(c) = checkpoint.filter(|c| c.due(iteration + 1)) {
            let s = OuterState {
                iteration: iteration + 1,
                hyper: h.clone(),
                opt_t: outer.t,
                first: outer.first.clone(),
                second: outer.second.clone(),
                history: history.clone(),
                best_value: best.0,
                best: best.1.clone(),
            };
            crate::checkpoint::file::save(&c.path, &s.encode(&fingerprint))
                .map_err(checkpoint_error)?;
        }
    }
    let value = history.last().map_or(f64::NAN, |r| r.value);
    Ok(OptimizeResult {
        hyper: h,
        value,
        best: best.1,
        best_value: best.0,
        history,
    })
}
