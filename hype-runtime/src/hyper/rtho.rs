//! Real-Time Hyperparameter Optimization (RTHO, RFHO's third algorithm): Forward-HG
//! tangents are carried along a single training run, and every `update_every` steps
//! the hyperparameters take one step of an outer optimizer along the current
//! hypergradient `<∂E/∂s_t, Z_t> + ∂E/∂λ` — training and hyperparameter optimization
//! happen in the same run. As in RFHO, the tangents `Z_t` are not reset after an
//! update (they approximate the sensitivity of the current state to the
//! hyperparameters along the whole run).
//!
//! With `update_every = steps` the single hypergradient recorded is exactly
//! [`forward`](super::forward())'s.

use super::forward::Tangents;
use super::optimize::{OuterMethod, OuterOptimizer};
use super::projection::Projection;
use super::{Dynamics, HyperError, Validation};
use crate::tangent::Tangent;

/// Configuration of [`rtho()`].
#[derive(Clone, Debug)]
pub struct RthoParams {
    /// Training steps `T`.
    pub steps: usize,
    /// Hyperparameter update interval (steps between updates, ≥ 1).
    pub update_every: usize,
    /// The outer optimizer.
    pub method: OuterMethod,
    /// Constraint applied after every update.
    pub projection: Projection,
}

/// One hyperparameter update of RTHO.
#[derive(Clone, Debug)]
pub struct RthoRecord<H> {
    /// Steps done when the update happened.
    pub step: usize,
    /// Validation loss at that point.
    pub value: f64,
    /// The hypergradient used.
    pub grad: H,
}

/// The result of [`rtho()`].
#[derive(Clone, Debug)]
pub struct RthoResult<S, H> {
    /// Final training state.
    pub state: S,
    /// Final hyperparameters.
    pub hyper: H,
    /// Validation loss of the final state with the final hyperparameters.
    pub value: f64,
    /// One record per hyperparameter update.
    pub history: Vec<RthoRecord<H>>,
}

/// Trains from `s0` while updating the hyperparameters in real time (see the module
/// documentation).
pub fn rtho<D, V>(
    dynamics: &D,
    validation: &V,
    s0: &D::State,
    h0: &D::Hyper,
    params: &RthoParams,
) -> Result<RthoResult<D::State, D::Hyper>, HyperError>
where
    D: Dynamics,
    V: Validation<D::State, D::Hyper>,
{
    if params.update_every == 0 {
        return Err(HyperError::InvalidArgument(
            "RTHO update interval must be at least 1 step".into(),
        ));
    }
    let mut outer = OuterOptimizer::new(params.method.clone(), h0)?;
    let mut h = params.projection.apply(h0)?;
    let mut tangents = Tangents::<D>::new(s0, &h);
    let mut s = s0.clone();
    let mut history = Vec::new();
    for t in 0..params.steps {
        s = tangents.advance(dynamics, &s, &h, t);
        if (t + 1) % params.update_every == 0 {
            let (value, sb, hb) = validation.value_and_grad(&s, &h);
            let grad = tangents.hypergradient(&sb, &hb);
            if !value.is_finite() || grad.flatten().iter().any(|g| !g.is_finite()) {
                return Err(HyperError::NonFinite(
                    "RTHO validation loss or hypergradient",
                ));
            }
            h = params.projection.apply(&outer.step(&h, &grad))?;
            history.push(RthoRecord {
                step: t + 1,
                value,
                grad,
            });
        }
    }
    let value = validation.value_and_grad(&s, &h).0;
    Ok(RthoResult {
        state: s,
        hyper: h,
        value,
        history,
    })
}
