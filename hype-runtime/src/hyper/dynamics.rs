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

use super::rule::{Gradient, Rule};
use super::{check_directions, Dynamics, HyperError};
use crate::tangent::Tangent;
use hype_macros::Tangent;
use ndarray::Array1;

/// A training loss `L(w, λ)` over flat parameters `w`, through its gradient and the
/// derivatives of the gradient.
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

/// Hyperparameters of an inner optimizer: learning rate and momentum (each of length
/// 1, shared by every step, or of length `T`, a per-step schedule) and the loss's own
/// hyperparameters.
#[derive(Clone, Debug, PartialEq, Tangent)]
pub struct StepHyper<L> {
    /// Learning rate `α`: one value, or one per step.
    pub lr: Array1<f64>,
    /// Momentum `μ` (heavy ball, Nesterov, Maclaurin's decay): one value, one per
    /// step, or empty for optimizers without momentum.
    pub momentum: Array1<f64>,
    /// Hyperparameters of the training loss.
    pub loss: L,
}

impl<L> StepHyper<L> {
    /// One learning rate and one momentum shared by all steps.
    pub fn constant(lr: f64, momentum: f64, loss: L) -> Self {
        StepHyper {
            lr: Array1::from_elem(1, lr),
            momentum: Array1::from_elem(1, momentum),
            loss,
        }
    }

    /// Per-step schedules (or length-1 arrays for shared values).
    pub fn schedule(lr: Array1<f64>, momentum: Array1<f64>, loss: L) -> Self {
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
fn slot(a: &Array1<f64>, t: usize, what: &str) -> usize {
    match a.len() {
        1 => 0,
        n if t < n => t,
        n => panic!(
            "hype::hyper: step {t} reads the {what} schedule of length {n} (use length 1 or at least {})",
            t + 1
        ),
    }
}

fn at(a: &Array1<f64>, t: usize, what: &str) -> f64 {
    a[slot(a, t, what)]
}

/// A hyperparameter cotangent that is zero except at step `t` of the rate (`da`) and
/// the momentum (`dm`), plus the loss cotangent.
pub(crate) fn hyper_cotangent<L: Tangent>(
    h: &StepHyper<L>,
    t: usize,
    da: f64,
    dm: f64,
    dl: L,
) -> StepHyper<L> {
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
fn hyper_tangent<L>(dh: &StepHyper<L>, t: usize) -> (f64, f64) {
    let da = at(&dh.lr, t, "learning-rate tangent");
    let dm = if dh.momentum.is_empty() {
        0.0
    } else {
        at(&dh.momentum, t, "momentum tangent")
    };
    (da, dm)
}

/// States of the momentum optimizers: `(w, v)`.
type Pair = (Array1<f64>, Array1<f64>);
/// Adam's state `(w, m, u)`.
type AdamState = (Array1<f64>, Array1<f64>, Array1<f64>);

/// An optimizer state as the flat vectors of its [`Rule`] (owned or borrowed).
trait FlatState: Sized {
    fn parts(&self) -> Vec<&Array1<f64>>;
    fn from_parts(parts: Vec<Array1<f64>>) -> Self;
    fn owned_parts(&self) -> Vec<Array1<f64>> {
        self.parts().into_iter().cloned().collect()
    }
}

impl FlatState for Array1<f64> {
    fn parts(&self) -> Vec<&Array1<f64>> {
        vec![self]
    }
    fn from_parts(parts: Vec<Array1<f64>>) -> Self {
        let [w] = parts.try_into().expect("gradient descent's state is [w]");
        w
    }
}

impl FlatState for Pair {
    fn parts(&self) -> Vec<&Array1<f64>> {
        vec![&self.0, &self.1]
    }
    fn from_parts(parts: Vec<Array1<f64>>) -> Self {
        let [w, v] = parts.try_into().expect("a momentum state is [w, v]");
        (w, v)
    }
}

/// The [`InnerLoss`] at `(w, λ)`, for the rule's reverse step.
pub(super) struct At<'a, L: InnerLoss> {
    pub(super) loss: &'a L,
    pub(super) w: &'a Array1<f64>,
    pub(super) lam: &'a L::Hyper,
}

impl<L: InnerLoss> Gradient for At<'_, L> {
    type Cotangent = L::Hyper;
    fn gradient(&self) -> Array1<f64> {
        self.loss.gradient(self.w, self.lam)
    }
    fn gradient_and_vjp(&self, v: &Array1<f64>) -> (Array1<f64>, Array1<f64>, L::Hyper) {
        self.loss.gradient_and_vjp(self.w, self.lam, v)
    }
    fn gradient_vjp(&self, v: &Array1<f64>) -> (Array1<f64>, L::Hyper) {
        self.loss.gradient_vjp(self.w, self.lam, v)
    }
}

/// The rate (as a length-1 array) and momentum of step `t`.
fn rate_and_momentum<H>(rule: Rule, h: &StepHyper<H>, t: usize) -> (Array1<f64>, f64) {
    let mu = if rule.uses_momentum() {
        at(&h.momentum, t, "momentum")
    } else {
        0.0
    };
    (Array1::from_elem(1, at(&h.lr, t, "learning-rate")), mu)
}

/// `Φ_t(s)` of an optimizer of this module: the rule on the loss's gradient.
fn flat_step<L: InnerLoss, S: FlatState>(
    rule: Rule,
    loss: &L,
    s: &S,
    h: &StepHyper<L::Hyper>,
    t: usize,
) -> S {
    let parts = s.parts();
    let g = loss.gradient(parts[0], &h.loss);
    let (rate, mu) = rate_and_momentum(rule, h, t);
    S::from_parts(rule.step(&parts, &g, &rate, mu, t))
}

/// `step_vjp` of an optimizer of this module.
fn flat_vjp<L: InnerLoss, S: FlatState>(
    rule: Rule,
    loss: &L,
    s: &S,
    h: &StepHyper<L::Hyper>,
    t: usize,
    sb: &S,
) -> (S, StepHyper<L::Hyper>) {
    let parts = s.parts();
    let at_w = At {
        loss,
        w: parts[0],
        lam: &h.loss,
    };
    let (rate, mu) = rate_and_momentum(rule, h, t);
    let (c, cl) = rule.backward(&at_w, &parts, &rate, mu, t, sb.owned_parts());
    let hb = hyper_cotangent(h, t, c.rate[0], c.mu, cl);
    (S::from_parts(c.state), hb)
}

/// `step_jvps` of an optimizer of this module (one gradient, one `gradient_jvp` per
/// direction); with one direction, `step_jvp` (one `gradient_and_jvp`).
fn flat_jvps<L: InnerLoss, S: FlatState>(
    rule: Rule,
    loss: &L,
    s: &S,
    h: &StepHyper<L::Hyper>,
    t: usize,
    ds: &[S],
    dh: &[StepHyper<L::Hyper>],
) -> Vec<S> {
    check_directions(ds.len(), dh.len());
    let parts = s.parts();
    let w = parts[0];
    let (rate, mu) = rate_and_momentum(rule, h, t);
    let tangent = |g: &Array1<f64>, dg: &Array1<f64>, d: &S, e: &StepHyper<L::Hyper>| {
        let (da, dm) = hyper_tangent(e, t);
        let dm = if rule.uses_momentum() { dm } else { 0.0 };
        let drate = Array1::from_elem(1, da);
        S::from_parts(rule.jvp(&parts, g, &rate, mu, t, &d.parts(), dg, &drate, dm))
    };
    if let ([d], [e]) = (ds, dh) {
        let (g, dg) = loss.gradient_and_jvp(w, &h.loss, d.parts()[0], &e.loss);
        return vec![tangent(&g, &dg, d, e)];
    }
    let g = loss.gradient(w, &h.loss);
    ds.iter()
        .zip(dh)
        .map(|(d, e)| {
            let dg = loss.gradient_jvp(w, &h.loss, d.parts()[0], &e.loss);
            tangent(&g, &dg, d, e)
        })
        .collect()
}

/// The `Dynamics` of an optimizer of this module whose state is its rule's vectors.
macro_rules! flat_dynamics {
    ($name:ident, $state:ty, $rule:expr, $loss:tt) => {
        impl<L: InnerLoss> Dynamics for $name<L> {
            type State = $state;
            type Hyper = StepHyper<L::Hyper>;

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
                let mut out = flat_jvps(
                    $rule,
                    &self.$loss,
                    s,
                    h,
                    t,
                    std::slice::from_ref(ds),
                    std::slice::from_ref(dh),
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
                flat_jvps($rule, &self.$loss, s, h, t, ds, dh)
            }
        }
    };
}

/// Plain gradient descent `w' = w - α g`
/// ([`optim::update::gradient_descent_update`](crate::optim::update::gradient_descent_update())
/// with `p = -g`).
#[derive(Clone, Debug)]
pub struct GradientDescent<L>(pub L);

flat_dynamics!(GradientDescent, Array1<f64>, Rule::GradientDescent, 0);

/// Heavy-ball momentum: `v' = μ v - α g`, `w' = w + v'`. State `(w, v)`
/// ([`optim::update::heavy_ball_update`](crate::optim::update::heavy_ball_update())).
#[derive(Clone, Debug)]
pub struct HeavyBall<L>(pub L);

flat_dynamics!(HeavyBall, Pair, Rule::HeavyBall, 0);

/// Nesterov momentum in Sutskever's form: `v' = μ v - α g`, `w' = w + μ v' - α g`.
/// State `(w, v)` ([`optim::update::nesterov_update`](crate::optim::update::nesterov_update())).
#[derive(Clone, Debug)]
pub struct Nesterov<L>(pub L);

flat_dynamics!(Nesterov, Pair, Rule::Nesterov, 0);

/// SGD with momentum in Maclaurin, Duvenaud & Adams' form: `v' = μ v - (1-μ) g`,
/// `w' = w + α v'`. State `(w, v)`. The dynamics of [`reversible()`](super::reversible())
/// ([`optim::update::sgd_momentum_update`](crate::optim::update::sgd_momentum_update())).
#[derive(Clone, Debug)]
pub struct SgdMomentum<L>(pub L);

flat_dynamics!(SgdMomentum, Pair, Rule::SgdMomentum, 0);

/// Adam (Kingma & Ba) with gradient `g`: `m' = β₁ m + (1-β₁) g`,
/// `u' = β₂ u + (1-β₂) g²`, `w' = w - α (m'/c₁) / (sqrt(u'/c₂) + ε)` with
/// `c₁ = 1 - β₁^(t+1)`, `c₂ = 1 - β₂^(t+1)`. State `(w, m, u)`; `β₁`, `β₂`, `ε` are
/// fixed (not hyperparameters), the rate `α` and the loss's `λ` are
/// ([`optim::update::adam_update`](crate::optim::update::adam_update()) on `(w, -m, u)`).
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
struct Descent(Vec<Array1<f64>>);

impl FlatState for Descent {
    fn parts(&self) -> Vec<&Array1<f64>> {
        self.0.iter().collect()
    }
    fn from_parts(parts: Vec<Array1<f64>>) -> Self {
        Descent(parts)
    }
}

impl Descent {
    fn of(s: &AdamState) -> Self {
        Descent(vec![s.0.clone(), -&s.1, s.2.clone()])
    }
    fn state(self) -> AdamState {
        let [w, m, u] = self.0.try_into().expect("Adam's state is [w, m, u]");
        (w, -m, u)
    }
}

impl<L: InnerLoss> Dynamics for Adam<L> {
    type State = AdamState;
    type Hyper = StepHyper<L::Hyper>;

    fn step(&self, s: &AdamState, h: &Self::Hyper, t: usize) -> AdamState {
        flat_step(self.rule(), &self.loss, &Descent::of(s), h, t).state()
    }

    fn step_vjp(
        &self,
        s: &AdamState,
        h: &Self::Hyper,
        t: usize,
        sb: &AdamState,
    ) -> (AdamState, Self::Hyper) {
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
        s: &AdamState,
        h: &Self::Hyper,
        t: usize,
        ds: &AdamState,
        dh: &Self::Hyper,
    ) -> AdamState {
        self.step_jvps(s, h, t, std::slice::from_ref(ds), std::slice::from_ref(dh))
            .pop()
            .expect("one direction")
    }

    fn step_jvps(
        &self,
        s: &AdamState,
        h: &Self::Hyper,
        t: usize,
        ds: &[AdamState],
        dh: &[Self::Hyper],
    ) -> Vec<AdamState> {
        let ds: Vec<Descent> = ds.iter().map(Descent::of).collect();
        flat_jvps(self.rule(), &self.loss, &Descent::of(s), h, t, &ds, dh)
            .into_iter()
            .map(Descent::state)
            .collect()
    }
}
