//! Adam (Kingma & Ba, 2015): bias-corrected moment estimates and a per-coordinate
//! step.

use crate::ArrayMath;
use crate::{differentiable, Float};
use ndarray::Array1;

/// Adam's step at iteration `t` (from 0) along the direction `p` with gradient `g`:
/// `m' = β₁ m + (1 - β₁) p`, `u' = β₂ u + (1 - β₂) g²` and the step
/// `s = α ⊙ m̂ / (sqrt(û) + ε)` with `m̂ = m' / (1 - β₁^(t+1))`,
/// `û = u' / (1 - β₂^(t+1))`. Returns `(s, m', u')`.
///
/// For gradient descent `p = -g` (then `m` averages `-g`, and the update is `w + s`).
/// `rate` holds one rate (length 1) or one per coordinate; `β₁`, `β₂`, `ε` are
/// constants. Where `û = 0` (every gradient of that coordinate so far was zero, so
/// `m' = 0` too) the root's derivative is taken as 0: the step does not move with
/// `u'` there to first order (it is `0 / ε`), and the infinite slope of the root
/// would turn that into `0 · ∞`.
#[differentiable(order = 2)]
#[allow(clippy::too_many_arguments)]
pub fn adam_step<F: Float>(
    p: &Array1<F>,
    g: &Array1<F>,
    m: &Array1<F>,
    u: &Array1<F>,
    rate: &Array1<F>,
    #[constant] beta1: F,
    #[constant] beta2: F,
    #[constant] epsilon: F,
    #[constant] t: usize,
) -> (Array1<F>, Array1<F>, Array1<F>) {
    let n = (t + 1) as i32;
    let c1 = F::one() - beta1.powi(n);
    let c2 = F::one() - beta2.powi(n);
    let m2 = m * beta1 + &(p * (F::one() - beta1));
    let u2 = u * beta2 + &(&(g * g) * (F::one() - beta2));
    let x = &u2 / c2;
    // 1 where û > 0, 0 where û = 0 (û ≥ 0; `ceil` has derivative 0), so the root
    // below is exactly sqrt(û), with a finite slope everywhere.
    let live = x.min(F::one()).ceil();
    // `1 - live` exactly (0 or 1), added to `x` as it is: `(x - live) + 1` would round
    // a small `x` away.
    let dead = &live * F::of_f64(-1.0) + F::one();
    let root = &live * &(&x + &dead).sqrt();
    let s = rate * &(&m2 / c1) / &(root + epsilon);
    (s, m2, u2)
}

/// One Adam update of the parameters `w` and the moments `(m, u)`: `w' = w + s` with
/// `(s, m', u')` from [`adam_step`]. Returns `(w', m', u')`.
#[differentiable(order = 2)]
#[allow(clippy::too_many_arguments)]
pub fn adam_update<F: Float>(
    w: &Array1<F>,
    m: &Array1<F>,
    u: &Array1<F>,
    p: &Array1<F>,
    g: &Array1<F>,
    rate: &Array1<F>,
    #[constant] beta1: F,
    #[constant] beta2: F,
    #[constant] epsilon: F,
    #[constant] t: usize,
) -> (Array1<F>, Array1<F>, Array1<F>) {
    let (s, m2, u2) = adam_step(p, g, m, u, rate, beta1, beta2, epsilon, t);
    (w + &s, m2, u2)
}
