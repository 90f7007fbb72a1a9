//! Reversible learning (Maclaurin, Duvenaud & Adams 2015): Reverse-HG for SGD with
//! momentum without storing the trajectory.
//!
//! The dynamics is [`SgdMomentum`]: `v' = μ v - (1-μ) g(w)`, `w' = w + α v'`. Run
//! backwards it is `w = w' - α v'`, `v = (v' + (1-μ) g(w)) / μ` — but in floating
//! point the division by `μ` amplifies rounding errors and the trajectory cannot be
//! recovered. Here, as in the paper, `w` and `v` are integers at a fixed radix
//! (`2^-radix_bits`), additions are exact, and the multiplication by `μ`, taken as a
//! rational `n/d` (best approximation with `d ≤ max_denominator`), saves the
//! information it destroys in a per-coordinate arbitrary-precision information buffer;
//! the backward division takes it back. The backward sweep therefore recovers every `(w_t, v_t)`
//! bit-exactly — the initial state and an empty buffer at the end are checked — while
//! running the adjoint recursion of [`reverse`](super::reverse()) on the recovered states.
//! Memory: one state and the buffer, about `log2(d/n)` bits per coordinate and step
//! (for `μ = 0.9 = 9/10`, about 0.2 bits on average) instead of the 128 bits per coordinate and step of a
//! stored `f64` trajectory.
//!
//! The hypergradient is that of the fixed-point trajectory with the quantization
//! treated as identity; it differs from the floating-point trajectory's by the order
//! of `T · 2^-radix_bits`.
//!
//! # `f32`
//!
//! The exactness lives in the fixed-point integers, not in the float type, so an `f32`
//! loss ([`GenericInnerLoss`] with `Float = f32`) reverses exactly too: the state is
//! the same `2^-radix_bits` fixed point, the loss sees `w_t` rounded to `f32`, and its
//! `f32` gradient is widened exactly to `f64` before it is quantized into `v`. Reversal
//! needs only that the gradient at `w_t` be the same number forward and backward,
//! which holds for any deterministic loss. The state is then finer than `f32` (at the
//! default radix, 9e-13 against `f32`'s relative 6e-8), and the training it runs is
//! that of the `f32` gradients on a fixed-point state: the `f32` rounding of `w_t`
//! and of the gradient enter the trajectory, and the hypergradient treats them, like
//! the quantization, as identity. The adjoint recursion runs in `f64` on the widened
//! gradients and Hessian-vector products (the loss reads its directions rounded to
//! `f32`); the results are rounded to `f32` at the end.

use super::dynamics::{hyper_cotangent, GenericInnerLoss, SgdMomentum, StepHyper};
use super::exact::{rational, ExactVec};
use super::{HyperError, Hypergradient, Stats, Validation};
use crate::tangent::Tangent;
use crate::Float;
use ndarray::Array1;

/// Configuration of [`reversible()`].
#[derive(Clone, Debug, PartialEq)]
pub struct ReversibleParams {
    /// Training steps `T`.
    pub steps: usize,
    /// Fixed-point resolution: values are multiples of `2^-radix_bits` with magnitude
    /// below about `4e18 · 2^-radix_bits`.
    pub radix_bits: u32,
    /// Largest denominator of the rational momenta (at most `2^32`).
    pub max_denominator: u64,
}

impl ReversibleParams {
    /// `steps` steps at radix `2^-40` (resolution 9e-13, range ±3.6e6) and momenta
    /// with denominators up to `2^32` (a momentum given as an `f64` is then matched to
    /// about 1e-19).
    pub fn new(steps: usize) -> Self {
        ReversibleParams {
            steps,
            radix_bits: 40,
            max_denominator: 1 << 32,
        }
    }
}

/// The result of [`reversible()`], with the evidence of exact reversal; `F` is the
/// loss's float type (`f64`, or `f32`).
#[derive(Clone, Debug)]
pub struct ReversibleResult<L, F: Float = f64> {
    /// The hypergradient (and `dE/d(w_0, v_0)`); `stats.info_bits` is the information
    /// stored after training, `stats.peak_bytes` the exact state plus that buffer.
    pub hypergradient: Hypergradient<(Array1<F>, Array1<F>), StepHyper<L, F>>,
    /// The final state of training (fixed point, rounded to `F`).
    pub final_state: (Array1<F>, Array1<F>),
    /// The initial `(w, v)` as fixed-point integers.
    pub initial_exact: (Vec<i64>, Vec<i64>),
    /// The `(w, v)` the backward sweep recovered at `t = 0`, as fixed-point integers:
    /// equal to `initial_exact` when reversal is exact.
    pub recovered_exact: (Vec<i64>, Vec<i64>),
    /// Bits left in the information buffer after reversal (0 when exact).
    pub info_bits_after_reversal: u64,
    /// Bits a stored `f64` trajectory of `(w, v)` would take: `T · 2n · 64`.
    pub trajectory_bits: u64,
    /// The rational momenta `(n, d)` used at each step.
    pub momenta: Vec<(u64, u64)>,
}

/// Entry `t` of a schedule (or its one shared value), in `f64` (exact).
fn at<F: Float>(a: &Array1<F>, t: usize) -> f64 {
    a[if a.len() == 1 { 0 } else { t }].into_f64()
}

/// `a` in `f64` (exact; a copy for `f64`).
fn widen<F: Float>(a: &Array1<F>) -> Array1<f64> {
    a.mapv(F::into_f64)
}

/// `a` rounded to `F` (a copy for `f64`).
fn narrow<F: Float>(a: &Array1<f64>) -> Array1<F> {
    a.mapv(F::of_f64)
}

/// Reverse-HG through SGD with momentum by exact reversal of the trajectory (see the
/// module documentation). Errors on schedules of the wrong length, momenta outside
/// `(0, 1)`, and values outside the fixed-point range.
///
/// The loss's float type `L::Float` (`f64` for every [`InnerLoss`](super::InnerLoss),
/// or `f32`) is that of the states and hyperparameters; see the module documentation
/// for what reversal means with an `f32` loss.
pub fn reversible<L, V>(
    dynamics: &SgdMomentum<L>,
    validation: &V,
    s0: &(Array1<L::Float>, Array1<L::Float>),
    h: &StepHyper<L::Hyper, L::Float>,
    params: &ReversibleParams,
) -> Result<ReversibleResult<L::Hyper, L::Float>, HyperError>
where
    L: GenericInnerLoss,
    V: Validation<(Array1<L::Float>, Array1<L::Float>), StepHyper<L::Hyper, L::Float>>,
{
    let steps = params.steps;
    if steps > 0 {
        h.check(steps, true)?;
    }
    if params.radix_bits > 60 || params.max_denominator < 2 || params.max_denominator > 1 << 32 {
        return Err(HyperError::InvalidArgument(format!(
            "reversible learning: radix_bits {} must be ≤ 60 and max_denominator {} in [2, 2^32]",
            params.radix_bits, params.max_denominator
        )));
    }
    let (w0, v0) = s0;
    if w0.len() != v0.len() {
        return Err(HyperError::InvalidArgument(format!(
            "reversible learning: w has {} scalars but v has {}",
            w0.len(),
            v0.len()
        )));
    }
    let momenta = (0..steps)
        .map(|t| rational(at(&h.momentum, t), params.max_denominator))
        .collect::<Result<Vec<_>, _>>()?;
    let loss = &dynamics.0;
    let mut w = ExactVec::new(&widen(w0), params.radix_bits)?;
    let mut v = ExactVec::new(&widen(v0), params.radix_bits)?;
    let initial_exact = (w.val.clone(), v.val.clone());
    let n = w0.len();
    let mut peak_bits = 0;
    let mut gradients = 0;

    // Forward: exact training.
    for (t, &(num, den)) in momenta.iter().enumerate() {
        let (a, m) = (at(&h.lr, t), at(&h.momentum, t));
        let g = widen(&loss.gradient(&narrow(&w.to_float()), &h.loss));
        gradients += 1;
        if g.len() != n {
            return Err(HyperError::InvalidArgument(format!(
                "gradient has {} scalars, parameters {n}",
                g.len()
            )));
        }
        v.mul_ratio(num, den);
        v.sub(&((1.0 - m) * &g))?;
        w.add(&(a * &v.to_float()))?;
        peak_bits = peak_bits.max(v.info_bits());
    }
    let info_bits = v.info_bits();
    let final_state = (narrow(&w.to_float()), narrow(&v.to_float()));
    let (value, sb, mut hb) = validation.value_and_grad(&final_state, h);
    let mut sb = (widen(&sb.0), widen(&sb.1));

    // Backward: exact reversal and the adjoint recursion. The adjoint of step t is
    // `SgdMomentum::step_vjp`, inlined so that one call of `gradient_and_vjp` at w_t
    // serves both the reversal (it needs g(w_t)) and the adjoint (it needs H v̄).
    for (t, &(num, den)) in momenta.iter().enumerate().rev() {
        let (a, m) = (at(&h.lr, t), at(&h.momentum, t));
        let v_next = v.to_float();
        w.sub(&(a * &v_next))?;
        let w_t = w.to_float();
        let (wb, vb) = &sb;
        let vt = vb + &(a * wb);
        let (g, hv, mut cl) = loss.gradient_and_vjp(&narrow(&w_t), &h.loss, &narrow(&vt));
        let (g, hv) = (widen(&g), widen(&hv));
        gradients += 1;
        v.add(&((1.0 - m) * &g))?;
        v.div_ratio(num, den)?;
        let v_t = v.to_float();
        cl.scale(-(1.0 - m));
        let (da, dm) = (wb.dot(&v_next), vt.dot(&(&v_t + &g)));
        hb.add_assign_tangent(&hyper_cotangent(
            h,
            t,
            L::Float::of_f64(da),
            L::Float::of_f64(dm),
            cl,
        ));
        sb = (wb - &((1.0 - m) * &hv), m * &vt);
    }
    let recovered_exact = (w.val.clone(), v.val.clone());
    let state_bytes = 2 * n * 8;
    Ok(ReversibleResult {
        hypergradient: Hypergradient {
            value,
            grad: hb,
            initial_state_grad: Some((narrow(&sb.0), narrow(&sb.1))),
            stats: Stats {
                steps: gradients,
                vjps: steps,
                peak_states: 1,
                peak_bytes: state_bytes + peak_bits.div_ceil(8) as usize,
                info_bits,
                ..Stats::default()
            },
        },
        final_state,
        initial_exact,
        recovered_exact,
        info_bits_after_reversal: v.info_bits() + w.info_bits(),
        trajectory_bits: steps as u64 * 2 * n as u64 * 64,
        momenta,
    })
}
