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

use super::dynamics::{hyper_cotangent, InnerLoss, SgdMomentum, StepHyper};
use super::exact::{rational, ExactVec};
use super::{HyperError, Hypergradient, Stats, Validation};
use crate::tangent::Tangent;
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

/// The result of [`reversible()`], with the evidence of exact reversal.
#[derive(Clone, Debug)]
pub struct ReversibleResult<L> {
    /// The hypergradient (and `dE/d(w_0, v_0)`); `stats.info_bits` is the information
    /// stored after training, `stats.peak_bytes` the exact state plus that buffer.
    pub hypergradient: Hypergradient<(Array1<f64>, Array1<f64>), StepHyper<L>>,
    /// The final state of training (fixed point, as floats).
    pub final_state: (Array1<f64>, Array1<f64>),
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

fn at(a: &Array1<f64>, t: usize) -> f64 {
    a[if a.len() == 1 { 0 } else { t }]
}

/// Reverse-HG through SGD with momentum by exact reversal of the trajectory (see the
/// module documentation). Errors on schedules of the wrong length, momenta outside
/// `(0, 1)`, and values outside the fixed-point range.
pub fn reversible<L, V>(
    dynamics: &SgdMomentum<L>,
    validation: &V,
    s0: &(Array1<f64>, Array1<f64>),
    h: &StepHyper<L::Hyper>,
    params: &ReversibleParams,
) -> Result<ReversibleResult<L::Hyper>, HyperError>
where
    L: InnerLoss,
    V: Validation<(Array1<f64>, Array1<f64>), StepHyper<L::Hyper>>,
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
    let mut w = ExactVec::new(w0, params.radix_bits)?;
    let mut v = ExactVec::new(v0, params.radix_bits)?;
    let initial_exact = (w.val.clone(), v.val.clone());
    let n = w0.len();
    let mut peak_bits = 0;
    let mut gradients = 0;

    // Forward: exact training.
    for (t, &(num, den)) in momenta.iter().enumerate() {
        let (a, m) = (at(&h.lr, t), at(&h.momentum, t));
        let g = loss.gradient(&w.to_float(), &h.loss);
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
    let final_state = (w.to_float(), v.to_float());
    let (value, mut sb, mut hb) = validation.value_and_grad(&final_state, h);

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
        let (g, hv, mut cl) = loss.gradient_and_vjp(&w_t, &h.loss, &vt);
        gradients += 1;
        v.add(&((1.0 - m) * &g))?;
        v.div_ratio(num, den)?;
        let v_t = v.to_float();
        cl.scale(-(1.0 - m));
        let (da, dm) = (wb.dot(&v_next), vt.dot(&(&v_t + &g)));
        hb.add_assign_tangent(&hyper_cotangent(h, t, da, dm, cl));
        sb = (wb - &((1.0 - m) * &hv), m * &vt);
    }
    let recovered_exact = (w.val.clone(), v.val.clone());
    let state_bytes = 2 * n * 8;
    Ok(ReversibleResult {
        hypergradient: Hypergradient {
            value,
            grad: hb,
            initial_state_grad: Some(sb),
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
