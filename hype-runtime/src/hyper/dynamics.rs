//! Training dynamics built from a training loss and a classical inner optimizer.
//!
//! An [`InnerLoss`] gives the gradient `g = ∇_w L(w, λ)` of a training loss and its
//! derivatives: the Hessian-vector product `∇²_ww L v` and the mixed products with the
//! loss hyperparameters `λ` (an L2 weight, per-example weights, ...). Every optimizer
//! here turns it into a [`Dynamics`] whose hyperparameters are a [`StepHyper`]:
//! a learning rate and a momentum (each either one value shared by all steps or one
//! value per step) and `λ`. Each optimizer's update is one `#[differentiable(order = 2)]`
//! function of [`optim::update`](crate::optim::update), the same that
//! [`optim`](crate::optim) trains with; `step_vjp`/`step_jvp` chain its generated
//! derivatives with one product with the loss's Hessian per step (see
//! `hyper/rule.rs`), as forward-over-reverse gives it (for a `#[differentiable]`
//! loss, `hvp!`).
//!
//! | optimizer | state | update (`α` rate, `μ` momentum, `g = ∇L(w)`) |
//! |---|---|---|
//! | [`GradientDescent`] | `w` | `w' = w - α g` |
//! | [`HeavyBall`] | `(w, v)` | `v' = μ v - α g`, `w' = w + v'` (Polyak; `optim::Momentum::Momentum`) |
//! | [`Nesterov`] | `(w, v)` | `v' = μ v - α g`, `w' = w + μ v' - α g` (Sutskever's form; `optim::Momentum::Nesterov`) |
//! | [`Adam`] | `(w, m, u)` | `m' = β₁ m + (1-β₁) g`, `u' = β₂ u + (1-β₂) g²`, `w' = w - α m̂ / (sqrt(û) + ε)` |
//! | [`SgdMomentum`] | `(w, v)` | `v' = μ v - (1-μ) g`, `w' = w + α v'` (Maclaurin et al. 2015; reversible) |
//!
//! [`GradientDescent`] and [`Adam`] do not use the momentum of [`StepHyper`]; its
//! hypergradient is zero for them. [`Adam`]'s first moment `m` averages `g` (in
//! `optim`, the direction `-g`): the adapter passes `-m` to the shared rule.
//!
//! # Float type
//!
//! The optimizers work in the float type of their loss: an [`InnerLoss`] is over
//! `f64`; a [`GenericInnerLoss`] names its own (`type Float = f32`, or a loss generic
//! over `F: Float`). The state is then `Array1<F>` (or a pair / triple of them) and
//! the hyperparameters a [`StepHyper<λ, F>`](StepHyper), so Reverse-HG, Forward-HG
//! and checkpointing run entirely in `f32`. Every [`InnerLoss`] is a
//! [`GenericInnerLoss`] with `Float = f64`: the `f64` code is the same
//! monomorphization as before. Only the validation loss's value stays `f64`
//! ([`Validation`](super::Validation)).

use super::rule::{Gradient, Rule, Seed};
use super::{check_directions, Dynamics, HyperError};
use crate::rt::Val;
use crate::tangent::Tangent;
use crate::Float;
use hype_macros::Tangent;
use ndarray::Array1;
use std::borrow::Cow;

/// A training loss `L(w, λ)` over flat `f64` parameters `w`, through its gradient and
/// the derivatives of the gradient. Every `InnerLoss` is a [`GenericInnerLoss`] with
/// `Float = f64`; implement that trait instead for a loss over `f32` parameters.
pub trait InnerLoss {
    /// Hyperparameters of the loss (use `()` when there are none).
    type Hyper: Tangent;

    /// `∇_w L(w, λ)`.
    fn gradient(&self, w: &Array1<f64>, lam: &Self::Hyper) -> Array1<f64>;

    /// Transposed derivative of the gradient map at `(w, λ)` applied to `v`:
    /// `(∇²_ww L v, (∂_λ ∇_w L)ᵀ v)`.
    fn gradient_vjp(
        &self,
        w: &Array1<f64>,
        lam: &Self::Hyper,
        v: &Array1<f64>,
    ) -> (Array1<f64>, Self::Hyper);

    /// Derivative of the gradient map at `(w, λ)` in the direction `(dw, dλ)`:
    /// `∇²_ww L dw + ∂_λ ∇_w L dλ`.
    fn gradient_jvp(
        &self,
        w: &Array1<f64>,
        lam: &Self::Hyper,
        dw: &Array1<f64>,
        dlam: &Self::Hyper,
    ) -> Array1<f64>;

    /// `(∇_w L, ∇²_ww L v, (∂_λ ∇_w L)ᵀ v)` in one call. The reverse sweeps of the
    /// optimizers call this; override it to share work between the gradient and its
    /// VJP (the same forward pass through the model).
    fn gradient_and_vjp(
        &self,
        w: &Array1<f64>,
        lam: &Self::Hyper,
        v: &Array1<f64>,
    ) -> (Array1<f64>, Array1<f64>, Self::Hyper) {
        let g = self.gradient(w, lam);
        let (hv, cv) = self.gradient_vjp(w, lam, v);
        (g, hv, cv)
    }

    /// `(∇_w L, ∇²_ww L dw + ∂_λ ∇_w L dλ)` in one call (forward mode); override it to
    /// share work.
    fn gradient_and_jvp(
        &self,
        w: &Array1<f64>,
        lam: &Self::Hyper,
        dw: &Array1<f64>,
        dlam: &Self::Hyper,
    ) -> (Array1<f64>, Array1<f64>) {
        (self.gradient(w, lam), self.gradient_jvp(w, lam, dw, dlam))
    }
}

/// A training loss `L(w, λ)` over flat parameters `w` of any float type: what the
/// optimizers of this module train on. Implement it directly (with `type Float = f32`,
/// or once for a loss generic over `F: Float`) for a loss over `f32` parameters; a
/// type that implements [`InnerLoss`] has it with `Float = f64` and must not
/// implement it again. The methods are those of [`InnerLoss`] over `Array1<Self::Float>`.
///
/// The optimizers' [`Dynamics`] impls carry the where clause
/// `for<'r> &'r L::Float: Val<V = L::Float>` of the generated derivatives of their
/// update rules; it holds for `f32` and `f64`, and code generic over the loss repeats it.
pub trait GenericInnerLoss {
    /// Scalar type of the parameters, of the gradient and of the optimizer's state and
    /// rates (`f64` or `f32`).
    type Float: Float;
    /// Hyperparameters of the loss (use `()` when there are none).
    type Hyper: Tangent;

    /// `∇_w L(w, λ)`.
    fn gradient(&self, w: &Array1<Self::Float>, lam: &Self::Hyper) -> Array1<Self::Float>;

    /// `(∇²_ww L v, (∂_λ ∇_w L)ᵀ v)`.
    fn gradient_vjp(
        &self,
        w: &Array1<Self::Float>,
        lam: &Self::Hyper,
        v: &Array1<Self::Float>,
    ) -> (Array1<Self::Float>, Self::Hyper);

    /// `∇²_ww L dw + ∂_λ ∇_w L dλ`.
    fn gradient_jvp(
        &self,
        w: &Array1<Self::Float>,
        lam: &Self::Hyper,
        dw: &Array1<Self::Float>,
        dlam: &Self::Hyper,
    ) -> Array1<Self::Float>;

    /// `(∇_w L, ∇²_ww L v, (∂_λ ∇_w L)ᵀ v)` in one call; override it to share work.
    fn gradient_and_vjp(
        &self,
        w: &Array1<Self::Float>,
        lam: &Self::Hyper,
        v: &Array1<Self::Float>,
    ) -> (Array1<Self::Float>, Array1<Self::Float>, Self::Hyper) {
        let g = self.gradient(w, lam);
        let (hv, cv) = self.gradient_vjp(w, lam, v);
        (g, hv, cv)
    }

    /// `(∇_w L, ∇²_ww L dw + ∂_λ ∇_w L dλ)` in one call; override it to share work.
    fn gradient_and_jvp(
        &self,
        w: &Array1<Self::Float>,
        lam: &Self::Hyper,
        dw: &Array1<Self::Float>,
        dlam: &Self::Hyper,
    ) -> (Array1<Self::Float>, Array1<Self::Float>) {
        (self.gradient(w, lam), self.gradient_jvp(w, lam, dw, dlam))
    }
}

/// An `f64` loss, forwarded method by method (its overrides included), so the `f64`
/// optimizers compile to the same code as when they called [`InnerLoss`] directly.
impl<L: InnerLoss> GenericInnerLoss for L {
    type Float = f64;
    type Hyper = L::Hyper;

    #[inline]
    fn gradient(&self, w: &Array1<f64>, lam: &L::Hyper) -> Array1<f64> {
        InnerLoss::gradient(self, w, lam)
    }

    #[inline]
    fn gradient_vjp(
        &self,
        w: &Array1<f64>,
        lam: &L::Hyper,
        v: &Array1<f64>,
    ) -> (Array1<f64>, L::Hyper) {
        InnerLoss::gradient_vjp(self, w, lam, v)
    }

    #[inline]
    fn gradient_jvp(
        &self,
        w: &Array1<f64>,
        lam: &L::Hyper,
        dw: &Array1<f64>,
        dlam: &L::Hyper,
    ) -> Array1<f64> {
        InnerLoss::gradient_jvp(self, w, lam, dw, dlam)
    }

    #[inline]
    fn gradient_and_vjp(
        &self,
        w: &Array1<f64>,
        lam: &L::Hyper,
        v: &Array1<f64>,
    ) -> (Array1<f64>, Array1<f64>, L::Hyper) {
        InnerLoss::gradient_and_vjp(self, w, lam, v)
    }

    #[inline]
    fn gradient_and_jvp(
        &self,
        w: &Array1<f64>,
        lam: &L::Hyper,
        dw: &Array1<f64>,
        dlam: &L::Hyper,
    ) -> (Array1<f64>, Array1<f64>) {
        InnerLoss::gradient_and_jvp(self, w, lam, dw, dlam)
    }
}

/// Hyperparameters of an inner optimizer: learning rate and momentum (each of length
/// 1, shared by every step, or of length `T`, a per-step schedule) and the loss's own
/// hyperparameters. The rates are in the loss's float type `F` (`f64` unless
/// written: `StepHyper<f32, f32>` for an `f32` loss with an `f32` L2 weight).
#[derive(Clone, Debug, PartialEq, Tangent)]
pub struct StepHyper<L, F: Float = f64> {
    /// Learning rate `α`: one value, or one per step.
    pub lr: Array1<F>,
    /// Momentum `μ` (heavy ball, Nesterov, Maclaurin's decay): one value, one per
    /// step, or empty for optimizers without momentum.
    pub momentum: Array1<F>,
    /// Hyperparameters of the training loss.
    pub loss: L,
}

impl<L, F: Float> StepHyper<L, F> {
    /// One learning rate and one momentum shared by all steps.
    pub fn constant(lr: F, momentum: F, loss: L) -> Self {
        StepHyper {
            lr: Array1::from_elem(1, lr),
            momentum: Array1::from_elem(1, momentum),
            loss,
        }
    }

    /// Per-step schedules (or length-1 arrays for shared values).
    pub fn schedule(lr: Array1<F>, momentum: Array1<F>, loss: L) -> Self {
        StepHyper { lr, momentum, loss }
    }

    /// Checks that the learning rate (and, when `uses_momentum`, the momentum) has
    /// length 1 or `steps`.
    pub fn check(&self, steps: usize, uses_momentum: bool) -> Result<(), HyperError> {
        check_len("learning-rate schedule", self.lr.len(), steps)?;
        if uses_momentum {
            check_len("momentum schedule", self.momentum.len(), steps)?;
        }
        Ok(())
    }
}

fn check_len(what: &'static str, len: usize, steps: usize) -> Result<(), HyperError> {
    if len == 1 || (len == steps && len > 0) {
        Ok(())
    } else {
        Err(HyperError::Length {
            what,
            expected: format!("1 or the number of steps ({steps})"),
            found: len,
        })
    }
}

/// Index of step `t` in a schedule of length 1 or `T`.
fn slot<F>(a: &Array1<F>, t: usize, what: &str) -> usize {
    match a.len() {
        1 => 0,
        n if t < n => t,
        n => panic!(
            "hype::hyper: step {t} reads the {what} schedule of length {n} (use length 1 or at least {})",
            t + 1
        ),
    }
}

fn at<F: Copy>(a: &Array1<F>, t: usize, what: &str) -> F {
    a[slot(a, t, what)]
}

/// A hyperparameter cotangent that is zero except at step `t` of the rate (`da`) and
/// the momentum (`dm`), plus the loss cotangent.
pub(crate) fn hyper_cotangent<L: Tangent, F: Float>(
    h: &StepHyper<L, F>,
    t: usize,
    da: F,
    dm: F,
    dl: L,
) -> StepHyper<L, F> {
    let mut lr = Array1::zeros(h.lr.len());
    lr[slot(&h.lr, t, "learning-rate")] = da;
    let mut momentum = Array1::zeros(h.momentum.len());
    if !h.momentum.is_empty() {
        momentum[slot(&h.momentum, t, "momentum")] = dm;
    }
    StepHyper {
        lr,
        momentum,
        loss: dl,
    }
}

/// The tangent `(dα, dμ)` of step `t`.
fn hyper_tangent<L, F: Float>(dh: &StepHyper<L, F>, t: usize) -> (F, F) {
    let da = at(&dh.lr, t, "learning-rate tangent");
    let dm = if dh.momentum.is_empty() {
        F::zero()
    } else {
        at(&dh.momentum, t, "momentum tangent")
    };
    (da, dm)
}

/// States of the momentum optimizers: `(w, v)`.
type Pair<F> = (Array1<F>, Array1<F>);
/// Adam's state `(w, m, u)`.
type AdamState<F> = (Array1<F>, Array1<F>, Array1<F>);
/// The flat parameters (and gradient) of the loss `L`.
type Flat<L> = Array1<<L as GenericInnerLoss>::Float>;
/// The hyperparameters of the optimizers of this module on the loss `L`.
type HyperOf<L> = StepHyper<<L as GenericInnerLoss>::Hyper, <L as GenericInnerLoss>::Float>;

/// The vectors of an optimizer state, borrowed (at most three: Adam's `(w, m, u)`),
/// without a heap allocation per step.
struct Parts<'a, F> {
    refs: [&'a Array1<F>; 3],
    len: usize,
}

impl<'a, F> Parts<'a, F> {
    fn new(parts: &[&'a Array1<F>]) -> Self {
        let refs = [0, 1, 2].map(|k| parts[k.min(parts.len() - 1)]);
        Parts {
            refs,
            len: parts.len(),
        }
    }
}

impl<'a, F> std::ops::Deref for Parts<'a, F> {
    type Target = [&'a Array1<F>];
    fn deref(&self) -> &Self::Target {
        &self.refs[..self.len]
    }
}

/// An optimizer state as the flat vectors (of `F`) of its [`Rule`] (owned or borrowed).
trait FlatState<F: Float>: Sized {
    fn parts(&self) -> Parts<'_, F>;
    fn from_parts(parts: Vec<Array1<F>>) -> Self;
    /// The state as the cotangent of a step's output, borrowed.
    fn seed(&self) -> Seed<'_, F>;
}

impl<F: Float> FlatState<F> for Array1<F> {
    fn parts(&self) -> Parts<'_, F> {
        Parts::new(&[self])
    }
    fn from_parts(parts: Vec<Array1<F>>) -> Self {
        let [w] = parts.try_into().expect("gradient descent's state is [w]");
        w
    }
    fn seed(&self) -> Seed<'_, F> {
        Seed::One(Cow::Borrowed(self))
    }
}

impl<F: Float> FlatState<F> for Pair<F> {
    fn parts(&self) -> Parts<'_, F> {
        Parts::new(&[&self.0, &self.1])
    }
    fn from_parts(parts: Vec<Array1<F>>) -> Self {
        let [w, v] = parts.try_into().expect("a momentum state is [w, v]");
        (w, v)
    }
    fn seed(&self) -> Seed<'_, F> {
        Seed::Pair(Cow::Borrowed(self))
    }
}

/// The [`GenericInnerLoss`] at `(w, λ)`, for the rule's reverse step.
pub(super) struct At<'a, L: GenericInnerLoss> {
    pub(super) loss: &'a L,
    pub(super) w: &'a Flat<L>,
    pub(super) lam: &'a L::Hyper,
}

impl<L: GenericInnerLoss> Gradient<L::Float> for At<'_, L> {
    type Cotangent = L::Hyper;
    fn gradient(&self) -> Flat<L> {
        self.loss.gradient(self.w, self.lam)
    }
    fn gradient_and_vjp(&self, v: &Flat<L>) -> (Flat<L>, Flat<L>, L::Hyper) {
        self.loss.gradient_and_vjp(self.w, self.lam, v)
    }
    fn gradient_vjp(&self, v: &Flat<L>) -> (Flat<L>, L::Hyper) {
        self.loss.gradient_vjp(self.w, self.lam, v)
    }
}

/// The rate (as a length-1 array) and momentum of step `t`.
fn rate_and_momentum<H, F: Float>(
    rule: Rule,
    h: &StepHyper<H, F>,
    t: usize,
) -> (Cow<'_, Array1<F>>, F) {
    let mu = if rule.uses_momentum() {
        at(&h.momentum, t, "momentum")
    } else {
        F::zero()
    };
    let rate = at(&h.lr, t, "learning-rate");
    // A shared rate is already the length-1 array the rule takes (no copy per step).
    let rate = if h.lr.len() == 1 {
        Cow::Borrowed(&h.lr)
    } else {
        Cow::Owned(Array1::from_elem(1, rate))
    };
    (rate, mu)
}

/// `Φ_t(s)` of an optimizer of this module: the rule on the loss's gradient.
fn flat_step<L: GenericInnerLoss, S: FlatState<L::Float>>(
    rule: Rule,
    loss: &L,
    s: &S,
    h: &HyperOf<L>,
    t: usize,
) -> S
where
    for<'r> &'r L::Float: Val<V = L::Float>,
{
    let parts = s.parts();
    let g = loss.gradient(parts[0], &h.loss);
    let (rate, mu) = rate_and_momentum(rule, h, t);
    S::from_parts(rule.step(&parts, &g, &rate, mu, t))
}

/// `step_vjp` of an optimizer of this module.
fn flat_vjp<L: GenericInnerLoss, S: FlatState<L::Float>>(
    rule: Rule,
    loss: &L,
    s: &S,
    h: &HyperOf<L>,
    t: usize,
    sb: &S,
) -> (S, HyperOf<L>)
where
    for<'r> &'r L::Float: Val<V = L::Float>,
{
    let parts = s.parts();
    let at_w = At {
        loss,
        w: parts[0],
        lam: &h.loss,
    };
    let (rate, mu) = rate_and_momentum(rule, h, t);
    let (c, cl) = rule.backward(&at_w, &parts, &rate, mu, t, sb.seed());
    let hb = hyper_cotangent(h, t, c.rate[0], c.mu, cl);
    (S::from_parts(c.state), hb)
}

/// `step_jvps` of an optimizer of this module (one gradient, one `gradient_jvp` per
/// direction); with one direction, `step_jvp` (one `gradient_and_jvp`). With
/// `with_step` and several directions, also the step, from the same gradient
/// (`step_and_jvps`: one pass through the loss fewer per step).
#[allow(clippy::too_many_arguments)]
fn flat_jvps<L: GenericInnerLoss, S: FlatState<L::Float>>(
    rule: Rule,
    loss: &L,
    s: &S,
    h: &HyperOf<L>,
    t: usize,
    ds: &[S],
    dh: &[HyperOf<L>],
    with_step: bool,
) -> (Option<S>, Vec<S>)
where
    for<'r> &'r L::Float: Val<V = L::Float>,
{
    check_directions(ds.len(), dh.len());
    let parts = s.parts();
    let w = parts[0];
    let (rate, mu) = rate_and_momentum(rule, h, t);
    let zero = L::Float::of_f64(0.0);
    let tangent = |g: &Flat<L>, dg: &Flat<L>, d: &S, e: &HyperOf<L>| {
        let (da, dm) = hyper_tangent(e, t);
        let dm = if rule.uses_momentum() { dm } else { zero };
        let drate = Array1::from_elem(1, da);
        S::from_parts(rule.jvp(&parts, g, &rate, mu, t, &d.parts(), dg, &drate, dm))
    };
    if let ([d], [e]) = (ds, dh) {
        // One direction: the gradient of `gradient_and_jvp` is not necessarily the
        // bits of `gradient`'s, so the step (if asked for) keeps its own.
        let (g, dg) = loss.gradient_and_jvp(w, &h.loss, d.parts()[0], &e.loss);
        let next = with_step.then(|| flat_step(rule, loss, s, h, t));
        return (next, vec![tangent(&g, &dg, d, e)]);
    }
    let g = loss.gradient(w, &h.loss);
    let tangents = ds
        .iter()
        .zip(dh)
        .map(|(d, e)| {
            let dg = loss.gradient_jvp(w, &h.loss, d.parts()[0], &e.loss);
            tangent(&g, &dg, d, e)
        })
        .collect();
    let next = with_step.then(|| S::from_parts(rule.step(&parts, &g, &rate, mu, t)));
    (next, tangents)
}

/// The `Dynamics` of an optimizer of this module whose state is its rule's vectors.
macro_rules! flat_dynamics {
    ($name:ident, $state:ty, $rule:expr, $loss:tt) => {
        impl<L: GenericInnerLoss> Dynamics for $name<L>
        where
            for<'r> &'r L::Float: Val<V = L::Float>,
        {
            type State = $state;
            type Hyper = HyperOf<L>;

            fn step(&self, s: &$state, h: &Self::Hyper, t: usize) -> $state {
                flat_step($rule, &self.$loss, s, h, t)
            }

            fn step_vjp(
                &self,
                s: &$state,
                h: &Self::Hyper,
                t: usize,
                sb: &$state,
            ) -> ($state, Self::Hyper) {
                flat_vjp($rule, &self.$loss, s, h, t, sb)
            }

            fn step_jvp(
                &self,
                s: &$state,
                h: &Self::Hyper,
                t: usize,
                ds: &$state,
                dh: &Self::Hyper,
            ) -> $state {
                let (_, mut out) = flat_jvps(
                    $rule,
                    &self.$loss,
                    s,
                    h,
                    t,
                    std::slice::from_ref(ds),
                    std::slice::from_ref(dh),
                    false,
                );
                out.pop().expect("one direction")
            }

            fn step_jvps(
                &self,
                s: &$state,
                h: &Self::Hyper,
                t: usize,
                ds: &[$state],
                dh: &[Self::Hyper],
            ) -> Vec<$state> {
                flat_jvps($rule, &self.$loss, s, h, t, ds, dh, false).1
            }

            fn step_and_jvps(
                &self,
                s: &$state,
                h: &Self::Hyper,
                t: usize,
                ds: &[$state],
                dh: &[Self::Hyper],
            ) -> ($state, Vec<$state>) {
                let (next, tangents) = flat_jvps($rule, &self.$loss, s, h, t, ds, dh, true);
                (next.expect("the step was asked for"), tangents)
            }
        }
    };
}

/// Plain gradient descent `w' = w - α g`
/// ([`optim::update::gradient_descent_update`](crate::optim::update::gradient_descent_update())
/// with `p = -g`).
#[derive(Clone, Debug)]
pub struct GradientDescent<L>(pub L);

flat_dynamics!(GradientDescent, Flat<L>, Rule::GradientDescent, 0);

/// Heavy-ball momentum: `v' = μ v - α g`, `w' = w + v'`. State `(w, v)`
/// ([`optim::update::heavy_ball_update`](crate::optim::update::heavy_ball_update())).
#[derive(Clone, Debug)]
pub struct HeavyBall<L>(pub L);

flat_dynamics!(HeavyBall, Pair<L::Float>, Rule::HeavyBall, 0);

/// Nesterov momentum in Sutskever's form: `v' = μ v - α g`, `w' = w + μ v' - α g`.
/// State `(w, v)` ([`optim::update::nesterov_update`](crate::optim::update::nesterov_update())).
#[derive(Clone, Debug)]
pub struct Nesterov<L>(pub L);

flat_dynamics!(Nesterov, Pair<L::Float>, Rule::Nesterov, 0);

/// SGD with momentum in Maclaurin, Duvenaud & Adams' form: `v' = μ v - (1-μ) g`,
/// `w' = w + α v'`. State `(w, v)`. The dynamics of [`reversible()`](super::reversible())
/// ([`optim::update::sgd_momentum_update`](crate::optim::update::sgd_momentum_update())).
#[derive(Clone, Debug)]
pub struct SgdMomentum<L>(pub L);

flat_dynamics!(SgdMomentum, Pair<L::Float>, Rule::SgdMomentum, 0);

/// Adam (Kingma & Ba) with gradient `g`: `m' = β₁ m + (1-β₁) g`,
/// `u' = β₂ u + (1-β₂) g²`, `w' = w - α (m'/c₁) / (sqrt(u'/c₂) + ε)` with
/// `c₁ = 1 - β₁^(t+1)`, `c₂ = 1 - β₂^(t+1)`. State `(w, m, u)`; `β₁`, `β₂`, `ε` are
/// fixed (not hyperparameters), the rate `α` and the loss's `λ` are
/// ([`optim::update::adam_update`](crate::optim::update::adam_update()) on `(w, -m, u)`).
/// `β₁`, `β₂`, `ε` are given as `f64` and rounded to the loss's float type.
#[derive(Clone, Debug)]
pub struct Adam<L> {
    /// The training loss.
    pub loss: L,
    /// First-moment decay β₁.
    pub beta1: f64,
    /// Second-moment decay β₂.
    pub beta2: f64,
    /// ε added to the root.
    pub epsilon: f64,
}

impl<L> Adam<L> {
    /// Adam with the paper's β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    pub fn new(loss: L) -> Self {
        Adam {
            loss,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
        }
    }

    fn rule(&self) -> Rule {
        Rule::Adam {
            beta1: self.beta1,
            beta2: self.beta2,
            epsilon: self.epsilon,
        }
    }
}

/// Adam's state with the first moment negated: `optim`'s `m` averages `-g`.
struct Descent<F>(AdamState<F>);

impl<F: Float> FlatState<F> for Descent<F> {
    fn parts(&self) -> Parts<'_, F> {
        Parts::new(&[&self.0 .0, &self.0 .1, &self.0 .2])
    }
    fn from_parts(parts: Vec<Array1<F>>) -> Self {
        let [w, m, u] = parts.try_into().expect("Adam's state is [w, m, u]");
        Descent((w, m, u))
    }
    fn seed(&self) -> Seed<'_, F> {
        Seed::Triple(Cow::Borrowed(&self.0))
    }
}

impl<F: Float> Descent<F> {
    fn of(s: &AdamState<F>) -> Self {
        Descent((s.0.clone(), s.1.mapv(|x| -x), s.2.clone()))
    }
    fn state(self) -> AdamState<F> {
        let (w, m, u) = self.0;
        (w, -m, u)
    }
}

impl<L: GenericInnerLoss> Dynamics for Adam<L>
where
    for<'r> &'r L::Float: Val<V = L::Float>,
{
    type State = AdamState<L::Float>;
    type Hyper = HyperOf<L>;

    fn step(&self, s: &Self::State, h: &Self::Hyper, t: usize) -> Self::State {
        flat_step(self.rule(), &self.loss, &Descent::of(s), h, t).state()
    }

    fn step_vjp(
        &self,
        s: &Self::State,
        h: &Self::Hyper,
        t: usize,
        sb: &Self::State,
    ) -> (Self::State, Self::Hyper) {
        let (c, hb) = flat_vjp(
            self.rule(),
            &self.loss,
            &Descent::of(s),
            h,
            t,
            &Descent::of(sb),
        );
        (c.state(), hb)
    }

    fn step_jvp(
        &self,
        s: &Self::State,
        h: &Self::Hyper,
        t: usize,
        ds: &Self::State,
        dh: &Self::Hyper,
    ) -> Self::State {
        self.step_jvps(s, h, t, std::slice::from_ref(ds), std::slice::from_ref(dh))
            .pop()
            .expect("one direction")
    }

    fn step_jvps(
        &self,
        s: &Self::State,
        h: &Self::Hyper,
        t: usize,
        ds: &[Self::State],
        dh: &[Self::Hyper],
    ) -> Vec<Self::State> {
        let ds: Vec<Descent<L::Float>> = ds.iter().map(Descent::of).collect();
        flat_jvps(
            self.rule(),
            &self.loss,
            &Descent::of(s),
            h,
            t,
            &ds,
            dh,
            false,
        )
        .1
        .into_iter()
        .map(Descent::state)
        .collect()
    }

    fn step_and_jvps(
        &self,
        s: &Self::State,
        h: &Self::Hyper,
        t: usize,
        ds: &[Self::State],
        dh: &[Self::Hyper],
    ) -> (Self::State, Vec<Self::State>) {
        let ds: Vec<Descent<L::Float>> = ds.iter().map(Descent::of).collect();
        let (next, tangents) = flat_jvps(
            self.rule(),
            &self.loss,
            &Descent::of(s),
            h,
            t,
            &ds,
            dh,
            true,
        );
        let next = next.expect("the step was asked for").state();
        (next, tangents.into_iter().map(Descent::state).collect())
    }
}
