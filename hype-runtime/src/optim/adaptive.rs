//! Adaptive per-coordinate learning rates: AdaGrad, RMSProp, Adam.
//!
//! Each rule is a pure function of (gradient `g`, search direction `p`, optimizer
//! statistics, hyperparameters) that returns the step `s` (added to the parameters,
//! before momentum) and the new statistics. With gradient descent `p = -g`.
//!
//! AdaGrad and RMSProp follow Hype's formulas exactly (Hype, `Optimize.fs`,
//! `LearningRate.Func`): the rate is `a0 / sqrt(G + 1e-8)` with ε = 1e-8 *inside* the
//! square root, and it multiplies the direction elementwise. (Tieleman & Hinton's
//! RMSProp and most libraries add ε outside the root, `a0 / (sqrt(G) + ε)`; the two
//! differ only while `G` is of the order of ε².) The statistics start at zero.
//!
//! Adam (not in Hype) follows Kingma & Ba (2015) with ε outside the root; its first
//! moment averages the direction `p` (for gradient descent, `-g`, which is the paper's
//! update), its second moment averages `g²`.

use super::learning_rate::AdamParams;
use super::update::adam_step;
use super::vector::{lincomb, zip_map};
use crate::tangent::Tangent;
use ndarray::Array1;

/// Hype's ε, added to the squared-gradient statistic inside the square root.
pub const EPSILON: f64 = 1e-8;

fn square<P: Tangent>(g: &P) -> P {
    zip_map(g, g, |a, b| a * b)
}

/// `a0 / sqrt(G + ε) ⊙ p`.
fn scaled_by_rms<P: Tangent>(a0: f64, stat: &P, p: &P) -> P {
    zip_map(stat, p, |c, d| a0 / (c + EPSILON).sqrt() * d)
}

/// AdaGrad (Duchi et al., 2011): `G' = G + g²`, step `a0 / sqrt(G' + ε) ⊙ p`.
/// Returns `(step, G')`.
pub fn adagrad<P: Tangent>(g: &P, p: &P, sum_sq: &P, a0: f64) -> (P, P) {
    let mut stat = sum_sq.clone();
    stat.add_assign_tangent(&square(g));
    let step = scaled_by_rms(a0, &stat, p);
    (step, stat)
}

/// RMSProp (Tieleman & Hinton, 2012; Hype's form): `G' = k G + (1 - k) g²`, step
/// `a0 / sqrt(G' + ε) ⊙ p`. Returns `(step, G')`.
pub fn rmsprop<P: Tangent>(g: &P, p: &P, mean_sq: &P, a0: f64, k: f64) -> (P, P) {
    let stat = lincomb(k, mean_sq, 1.0 - k, &square(g));
    let step = scaled_by_rms(a0, &stat, p);
    (step, stat)
}

/// Adam (Kingma & Ba, 2015) at iteration `t` (from 0): `m' = β₁ m + (1 - β₁) p`,
/// `v' = β₂ v + (1 - β₂) g²`, step `lr m̂ / (sqrt(v̂) + ε)` with the bias corrections
/// `m̂ = m' / (1 - β₁^(t+1))`, `v̂ = v' / (1 - β₂^(t+1))`. Returns `(step, m', v')`.
/// The formula is [`update::adam_step`](super::update::adam_step()), on the flattened
/// values.
pub fn adam<P: Tangent>(
    g: &P,
    p: &P,
    first: &P,
    second: &P,
    t: usize,
    hp: &AdamParams,
) -> (P, P, P) {
    let flat = [g, p, first, second].map(Tangent::flatten);
    for (x, what) in flat
        .iter()
        .zip(["gradient", "direction", "first moment", "second moment"])
    {
        assert_eq!(
            x.len(),
            flat[0].len(),
            "hype::optim: Adam: the gradient has {} scalars but the {what} has {}",
            flat[0].len(),
            x.len()
        );
    }
    let [g, p, m, v] = &flat;
    let rate = Array1::from_elem(1, hp.lr);
    let (s, m, v) = adam_step(p, g, m, v, &rate, hp.beta1, hp.beta2, hp.epsilon, t);
    let rebuild = |x: &Array1<f64>| {
        first
            .rebuild(x)
            .expect("hype::optim: a flat vector keeps the length of its value")
    };
    (rebuild(&s), rebuild(&m), rebuild(&v))
}
