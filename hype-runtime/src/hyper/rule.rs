//! The update rules of [`optim::update`](crate::optim::update) as steps of a training
//! dynamics, with their derivatives taken from the generated code.
//!
//! A step of gradient-based training is `s' = Φ(s, g, α, μ)` with `g = ∇_w L(w, λ)`
//! the gradient at the parameters `w = s[0]`. The update rule `Φ` is one of the
//! `#[differentiable(order = 2)]` functions of `optim::update`; its vector–Jacobian and
//! Jacobian–vector products come from their generated `__rev` (with `want` flags) and
//! `__jvp`, and the loss contributes `∇²_ww L` and `∂_λ ∇_w L` through a
//! [`Gradient`]:
//!
//! ```text
//! reverse:  (s̄, ḡ, ᾱ, μ̄) = Φ'ᵀ s̄',   w̄ += ∇²L ḡ,   λ̄ = (∂_λ∇L)ᵀ ḡ
//! forward:  dg = ∇²L dw + ∂_λ∇L dλ,     ds' = Φ'(ds, dg, dα, dμ)
//! ```
//!
//! Descent rules take the direction `p = -g`. Every rule here but Adam is affine in
//! `g` with a coefficient that depends on the rate and momentum only
//! (`Φ = A(s, α, μ) + B(α, μ) g`), so `ḡ = Bᵀ s̄` does not depend on `g`:
//! [`Rule::backward`] gets it from the pullback at `g = 0` first and then asks the loss
//! for the gradient and its VJP in one call (one pass through the model), as a
//! hand-written VJP would; Adam needs the gradient before its VJP (two calls).
//!
//! Every method is generic over the float type `F` of the arrays (`f64` or `f32`);
//! Adam's constants are held as `f64` and rounded to `F` where the update reads them.

use crate::optim::update::{
    adam_update, gradient_descent_update, heavy_ball_update, nesterov_update, sgd_momentum_update,
};
use crate::rt::Val;
use crate::Float;
use ndarray::Array1;
use std::borrow::Cow;

/// An update rule of [`optim::update`](crate::optim::update) over flat arrays: the
/// state is the parameters `w` followed by [`Rule::slots`] optimizer vectors.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Rule {
    /// [`gradient_descent_update`] with `p = -g`: state `[w]`.
    GradientDescent,
    /// [`heavy_ball_update`] with `p = -g`: state `[w, v]`.
    HeavyBall,
    /// [`nesterov_update`] with `p = -g`: state `[w, v]`.
    Nesterov,
    /// [`adam_update`] with `p = -g`: state `[w, m, u]` (`m` averages `-g`).
    Adam {
        /// First-moment decay β₁.
        beta1: f64,
        /// Second-moment decay β₂.
        beta2: f64,
        /// ε added to the root.
        epsilon: f64,
    },
    /// [`sgd_momentum_update`]: state `[w, v]`.
    SgdMomentum,
}

/// The gradient of the training loss at the step's parameters (arrays of `F`), and
/// the products with its derivatives that the reverse sweep needs.
pub(crate) trait Gradient<F: Float = f64> {
    /// Cotangent of the loss's hyperparameters.
    type Cotangent;
    /// `g = ∇_w L`.
    fn gradient(&self) -> Array1<F>;
    /// `(g, ∇²_ww L v, (∂_λ ∇_w L)ᵀ v)`, sharing the pass through the model.
    fn gradient_and_vjp(&self, v: &Array1<F>) -> (Array1<F>, Array1<F>, Self::Cotangent);
    /// `(∇²_ww L v, (∂_λ ∇_w L)ᵀ v)`.
    fn gradient_vjp(&self, v: &Array1<F>) -> (Array1<F>, Self::Cotangent);
}

/// The cotangents of one step's inputs.
pub(crate) struct StepCotangent<F: Float = f64> {
    /// Of the state (`w̄` includes the loss's `∇²L ḡ` after [`Rule::backward`]).
    pub state: Vec<Array1<F>>,
    /// Of the gradient `g` (through `p = -g` too).
    pub gradient: Array1<F>,
    /// Of the rate, shaped like it (one value, or one per coordinate).
    pub rate: Array1<F>,
    /// Of the momentum.
    pub mu: F,
}

/// Which cotangents a reverse pass through a rule computes.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Want {
    /// Only the gradient's (through `p = -g` too).
    Gradient,
    /// All but the gradient's.
    AllButGradient,
    /// All.
    All,
}

impl Want {
    /// The `want` flags of a generated `__rev` with `N` parameters whose gradient
    /// parameters are at `gradient`.
    fn flags<const N: usize>(self, gradient: &[usize]) -> [bool; N] {
        std::array::from_fn(|k| match self {
            Want::Gradient => gradient.contains(&k),
            Want::AllButGradient => !gradient.contains(&k),
            Want::All => true,
        })
    }
}

/// Exactly `n` vectors, moved out.
fn take<F, const N: usize>(v: Vec<Array1<F>>) -> [Array1<F>; N] {
    let n = v.len();
    v.try_into()
        .unwrap_or_else(|_| panic!("hype::hyper: an update rule got {n} state vectors, not {N}"))
}

/// The cotangent of a step's output state in the shape the generated pullbacks take
/// (one vector, a pair, a triple), borrowed from the caller's state when it has that
/// shape already (no copy per step), owned otherwise.
#[derive(Clone, Debug)]
pub(crate) enum Seed<'a, F: Float> {
    /// `[w̄]`.
    One(Cow<'a, Array1<F>>),
    /// `(w̄, v̄)`.
    Pair(Cow<'a, (Array1<F>, Array1<F>)>),
    /// `(w̄, m̄, ū)`.
    Triple(Cow<'a, (Array1<F>, Array1<F>, Array1<F>)>),
}

impl<F: Float> From<Vec<Array1<F>>> for Seed<'_, F> {
    fn from(v: Vec<Array1<F>>) -> Self {
        match v.len() {
            1 => {
                let [w] = take(v);
                Seed::One(Cow::Owned(w))
            }
            2 => {
                let [w, v] = take(v);
                Seed::Pair(Cow::Owned((w, v)))
            }
            _ => {
                let [w, m, u] = take(v);
                Seed::Triple(Cow::Owned((w, m, u)))
            }
        }
    }
}

impl<F: Float> Seed<'_, F> {
    fn len(&self) -> usize {
        match self {
            Seed::One(_) => 1,
            Seed::Pair(_) => 2,
            Seed::Triple(_) => 3,
        }
    }
    fn one(&self) -> &Array1<F> {
        match self {
            Seed::One(w) => w,
            _ => self.wrong(1),
        }
    }
    fn pair(&self) -> &(Array1<F>, Array1<F>) {
        match self {
            Seed::Pair(p) => p,
            _ => self.wrong(2),
        }
    }
    fn triple(&self) -> &(Array1<F>, Array1<F>, Array1<F>) {
        match self {
            Seed::Triple(t) => t,
            _ => self.wrong(3),
        }
    }
    fn wrong(&self, n: usize) -> ! {
        panic!(
            "hype::hyper: an update rule got {} state cotangent vectors, not {n}",
            self.len()
        )
    }
}

impl Rule {
    /// Optimizer vectors besides the parameters.
    pub(crate) fn slots(self) -> usize {
        match self {
            Rule::GradientDescent => 0,
            Rule::HeavyBall | Rule::Nesterov | Rule::SgdMomentum => 1,
            Rule::Adam { .. } => 2,
        }
    }

    /// Whether the rule reads the momentum `μ`.
    pub(crate) fn uses_momentum(self) -> bool {
        matches!(self, Rule::HeavyBall | Rule::Nesterov | Rule::SgdMomentum)
    }

    /// Whether `Φ` is affine in `g` (then `ḡ` does not depend on `g`).
    fn affine_in_gradient(self) -> bool {
        !matches!(self, Rule::Adam { .. })
    }

    fn check<F>(self, s: &[&Array1<F>], what: &str) {
        assert_eq!(
            s.len(),
            1 + self.slots(),
            "hype::hyper: {self:?} takes {} state vectors but the {what} has {}",
            1 + self.slots(),
            s.len()
        );
        for (k, x) in s.iter().enumerate().skip(1) {
            assert_eq!(
                x.len(),
                s[0].len(),
                "hype::hyper: {self:?}: the parameters have {} scalars but state vector {k} of the {what} has {}",
                s[0].len(),
                x.len()
            );
        }
    }

    /// One step `Φ(s, g, α, μ)` at iteration `t` (Adam's bias correction).
    pub(crate) fn step<F: Float>(
        self,
        s: &[&Array1<F>],
        g: &Array1<F>,
        rate: &Array1<F>,
        mu: F,
        t: usize,
    ) -> Vec<Array1<F>>
    where
        for<'r> &'r F: Val<V = F>,
    {
        self.check(s, "state");
        check_gradient(s[0], g, "gradient");
        // The direction of the descent rules (Maclaurin's rule takes `g` itself).
        let p = || g.mapv(|x| -x);
        match self {
            Rule::GradientDescent => vec![gradient_descent_update(s[0], &p(), rate)],
            Rule::HeavyBall => {
                let (w, v) = heavy_ball_update(s[0], s[1], &p(), rate, mu);
                vec![w, v]
            }
            Rule::Nesterov => {
                let (w, v) = nesterov_update(s[0], s[1], &p(), rate, mu);
                vec![w, v]
            }
            Rule::Adam {
                beta1,
                beta2,
                epsilon,
            } => {
                let [beta1, beta2, epsilon] = [beta1, beta2, epsilon].map(F::of_f64);
                let (w, m, u) =
                    adam_update(s[0], s[1], s[2], &p(), g, rate, beta1, beta2, epsilon, t);
                vec![w, m, u]
            }
            Rule::SgdMomentum => {
                let (w, v) = sgd_momentum_update(s[0], s[1], g, rate, mu);
                vec![w, v]
            }
        }
    }

    /// The cotangents of the inputs of [`Rule::step`] given the cotangent `sb` of its
    /// output (the loss is not involved: `w̄` lacks `∇²L ḡ`). Only the cotangents
    /// `want` asks for are computed (the generated `__rev` skips the others; their
    /// fields are then empty).
    #[allow(clippy::too_many_arguments)]
    fn vjp<F: Float>(
        self,
        s: &[&Array1<F>],
        g: &Array1<F>,
        rate: &Array1<F>,
        mu: F,
        t: usize,
        sb: &Seed<'_, F>,
        want: Want,
    ) -> StepCotangent<F>
    where
        for<'r> &'r F: Val<V = F>,
    {
        self.check(s, "state");
        check_gradient(s[0], g, "gradient");
        // The direction of the descent rules (Maclaurin's rule takes `g` itself).
        let p = || g.mapv(|x| -x);
        match self {
            Rule::GradientDescent => {
                let p = p();
                let (_, pullback) =
                    gradient_descent_update::__rev(s[0], &p, rate, want.flags(&[1]));
                let (w, pb, rate) = pullback(sb.one());
                StepCotangent {
                    state: vec![w],
                    gradient: -pb,
                    rate,
                    mu: F::zero(),
                }
            }
            Rule::HeavyBall | Rule::Nesterov => {
                let flags = want.flags(&[2]);
                let p = p();
                let (w, v, pb, rate, mu) = if self == Rule::HeavyBall {
                    heavy_ball_update::__rev(s[0], s[1], &p, rate, mu, flags).1(sb.pair())
                } else {
                    nesterov_update::__rev(s[0], s[1], &p, rate, mu, flags).1(sb.pair())
                };
                StepCotangent {
                    state: vec![w, v],
                    gradient: -pb,
                    rate,
                    mu,
                }
            }
            Rule::Adam {
                beta1,
                beta2,
                epsilon,
            } => {
                let [beta1, beta2, epsilon] = [beta1, beta2, epsilon].map(F::of_f64);
                let flags = want.flags(&[3, 4]);
                let p = p();
                let (_, pullback) = adam_update::__rev(
                    s[0], s[1], s[2], &p, g, rate, beta1, beta2, epsilon, t, flags,
                );
                let (w, m, u, pb, gb, rate, ..) = pullback(sb.triple());
                StepCotangent {
                    state: vec![w, m, u],
                    gradient: gb - pb,
                    rate,
                    mu: F::zero(),
                }
            }
            Rule::SgdMomentum => {
                let flags = want.flags(&[2]);
                let (_, pullback) = sgd_momentum_update::__rev(s[0], s[1], g, rate, mu, flags);
                let (w, v, gradient, rate, mu) = pullback(sb.pair());
                StepCotangent {
                    state: vec![w, v],
                    gradient,
                    rate,
                    mu,
                }
            }
        }
    }

    /// The tangent of [`Rule::step`]'s output along `(ds, dg, dα, dμ)`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn jvp<F: Float>(
        self,
        s: &[&Array1<F>],
        g: &Array1<F>,
        rate: &Array1<F>,
        mu: F,
        t: usize,
        ds: &[&Array1<F>],
        dg: &Array1<F>,
        drate: &Array1<F>,
        dmu: F,
    ) -> Vec<Array1<F>>
    where
        for<'r> &'r F: Val<V = F>,
    {
        self.check(s, "state");
        self.check(ds, "state tangent");
        check_gradient(s[0], g, "gradient");
        check_gradient(s[0], dg, "gradient's tangent");
        let (p, dp) = (|| g.mapv(|x| -x), || dg.mapv(|x| -x));
        match self {
            Rule::GradientDescent => {
                vec![gradient_descent_update::__jvp(s[0], &p(), rate, ds[0], &dp(), drate).1]
            }
            Rule::HeavyBall => {
                let (w, v) = heavy_ball_update::__jvp(
                    s[0],
                    s[1],
                    &p(),
                    rate,
                    mu,
                    ds[0],
                    ds[1],
                    &dp(),
                    drate,
                    dmu,
                )
                .1;
                vec![w, v]
            }
            Rule::Nesterov => {
                let (w, v) = nesterov_update::__jvp(
                    s[0],
                    s[1],
                    &p(),
                    rate,
                    mu,
                    ds[0],
                    ds[1],
                    &dp(),
                    drate,
                    dmu,
                )
                .1;
                vec![w, v]
            }
            Rule::Adam {
                beta1,
                beta2,
                epsilon,
            } => {
                let [beta1, beta2, epsilon] = [beta1, beta2, epsilon].map(F::of_f64);
                let (w, m, u) = adam_update::__jvp(
                    s[0],
                    s[1],
                    s[2],
                    &p(),
                    g,
                    rate,
                    beta1,
                    beta2,
                    epsilon,
                    t,
                    ds[0],
                    ds[1],
                    ds[2],
                    &dp(),
                    dg,
                    drate,
                )
                .1;
                vec![w, m, u]
            }
            Rule::SgdMomentum => {
                let (w, v) = sgd_momentum_update::__jvp(
                    s[0], s[1], g, rate, mu, ds[0], ds[1], dg, drate, dmu,
                )
                .1;
                vec![w, v]
            }
        }
    }

    /// The reverse step through the rule and the loss: the cotangents of the state
    /// (with `w̄ += ∇²L ḡ`), the rate, the momentum and the loss's hyperparameters.
    /// `sb` is the cotangent of the output state: a [`Seed`] borrowed from the caller's
    /// state, or its vectors (`Vec<Array1<F>>`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn backward<'a, F: Float, G: Gradient<F>>(
        self,
        loss: &G,
        s: &[&Array1<F>],
        rate: &Array1<F>,
        mu: F,
        t: usize,
        sb: impl Into<Seed<'a, F>>,
    ) -> (StepCotangent<F>, G::Cotangent)
    where
        for<'r> &'r F: Val<V = F>,
    {
        let sb = sb.into();
        let (mut c, hv, cl) = if self.affine_in_gradient() {
            // ḡ from the pullback at g = 0 (exact: Φ is affine in g), then the gradient
            // and its VJP in one pass, then the other cotangents at the true g.
            let zero = Array1::zeros(s[0].len());
            let gb = self
                .vjp(s, &zero, rate, mu, t, &sb, Want::Gradient)
                .gradient;
            let (g, hv, cl) = loss.gradient_and_vjp(&gb);
            let mut c = self.vjp(s, &g, rate, mu, t, &sb, Want::AllButGradient);
            c.gradient = gb;
            (c, hv, cl)
        } else {
            let g = loss.gradient();
            let c = self.vjp(s, &g, rate, mu, t, &sb, Want::All);
            let (hv, cl) = loss.gradient_vjp(&c.gradient);
            (c, hv, cl)
        };
        check_gradient(s[0], &hv, "Hessian-vector product");
        c.state[0] += &hv;
        (c, cl)
    }
}

fn check_gradient<F>(w: &Array1<F>, g: &Array1<F>, what: &str) {
    assert_eq!(
        w.len(),
        g.len(),
        "hype::hyper: parameters have {} scalars but the {what} has {}",
        w.len(),
        g.len()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(n: usize, seed: f64) -> Array1<f64> {
        Array1::from_shape_fn(n, |i| ((i as f64 + 1.0) * seed).sin())
    }

    /// `Rule::backward` relies on it: for the rules it calls affine, the gradient's
    /// cotangent from the generated pullback is the same at `g = 0` as at any `g`
    /// (to the last bit: the pullback does not read `g` for it), and it is not so for
    /// Adam.
    #[test]
    fn affine_rules_have_a_gradient_cotangent_independent_of_the_gradient() {
        let n = 5;
        let adam = Rule::Adam {
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
        };
        for rule in [
            Rule::GradientDescent,
            Rule::HeavyBall,
            Rule::Nesterov,
            Rule::SgdMomentum,
            adam,
        ] {
            let state: Vec<Array1<f64>> = (0..=rule.slots())
                .map(|k| vector(n, 0.7 + k as f64).mapv(f64::abs))
                .collect();
            let s: Vec<&Array1<f64>> = state.iter().collect();
            let sb: Vec<Array1<f64>> = (0..=rule.slots())
                .map(|k| vector(n, 1.3 + k as f64))
                .collect();
            let (rate, mu) = (vector(n, 0.4).mapv(|r| 0.1 + 0.05 * r), 0.7);
            let sb = Seed::from(sb);
            let at = |g: &Array1<f64>| rule.vjp(&s, g, &rate, mu, 3, &sb, Want::All).gradient;
            let (zero, g) = (Array1::zeros(n), vector(n, 2.1));
            assert_eq!(at(&zero) == at(&g), rule.affine_in_gradient(), "{rule:?}");
        }
    }
}
