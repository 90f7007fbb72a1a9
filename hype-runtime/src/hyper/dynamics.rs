//! Training dynamics built from a training loss and a classical inner optimizer.
//!
//! An [`InnerLoss`] gives the gradient `g = ∇_w L(w, λ)` of a training loss and its
//! derivatives: the Hessian-vector product `∇²_ww L v` and the mixed products with the
//! loss hyperparameters `λ` (an L2 weight, per-example weights, ...). Every optimizer
//! here turns it into a [`Dynamics`] whose hyperparameters are a [`StepHyper`]:
//! a learning rate and a momentum (each either one value shared by all steps or one
//! value per step) and `λ`. Their `step_vjp`/`step_jvp` are the optimizers' update
//! formulas differentiated by hand; they need one product with the Hessian per step,
//! as forward-over-reverse gives it (for a `#[differentiable]` loss, `hvp!`).
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
//! hypergradient is zero for them.

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

fn check_dims(what: &str, w: &Array1<f64>, other: &Array1<f64>) {
    assert_eq!(
        w.len(),
        other.len(),
        "hype::hyper: parameters have {} scalars but the {what} has {}",
        w.len(),
        other.len()
    );
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

/// The parameters `w` inside an optimizer state.
trait Weights {
    fn weights(&self) -> &Array1<f64>;
}

impl Weights for Array1<f64> {
    fn weights(&self) -> &Array1<f64> {
        self
    }
}

impl Weights for Pair {
    fn weights(&self) -> &Array1<f64> {
        &self.0
    }
}

impl Weights for AdamState {
    fn weights(&self) -> &Array1<f64> {
        &self.0
    }
}

/// `step_jvp` and `step_jvps` from the adapter's `tangent(s, h, t, g, dg, ds, dh)`:
/// one direction through `gradient_and_jvp`; several directions with one gradient
/// and one `gradient_jvp` per direction.
macro_rules! forward_via_tangent {
    ($loss:tt) => {
        fn step_jvp(
            &self,
            s: &Self::State,
            h: &Self::Hyper,
            t: usize,
            ds: &Self::State,
            dh: &Self::Hyper,
        ) -> Self::State {
            let w = s.weights();
            let (g, dg) = self
                .$loss
                .gradient_and_jvp(w, &h.loss, ds.weights(), &dh.loss);
            check_dims("gradient", w, &g);
            check_dims("gradient's tangent", w, &dg);
            self.tangent(s, h, t, &g, &dg, ds, dh)
        }

        fn step_jvps(
            &self,
            s: &Self::State,
            h: &Self::Hyper,
            t: usize,
            ds: &[Self::State],
            dh: &[Self::Hyper],
        ) -> Vec<Self::State> {
            check_directions(ds.len(), dh.len());
            let w = s.weights();
            let g = self.$loss.gradient(w, &h.loss);
            check_dims("gradient", w, &g);
            ds.iter()
                .zip(dh)
                .map(|(d, e)| {
                    let dg = self.$loss.gradient_jvp(w, &h.loss, d.weights(), &e.loss);
                    check_dims("gradient's tangent", w, &dg);
                    self.tangent(s, h, t, &g, &dg, d, e)
                })
                .collect()
        }
    };
}

/// Plain gradient descent `w' = w - α g`.
#[derive(Clone, Debug)]
pub struct GradientDescent<L>(pub L);

impl<L: InnerLoss> Dynamics for GradientDescent<L> {
    type State = Array1<f64>;
    type Hyper = StepHyper<L::Hyper>;

    fn step(&self, w: &Array1<f64>, h: &Self::Hyper, t: usize) -> Array1<f64> {
        let g = self.0.gradient(w, &h.loss);
        check_dims("gradient", w, &g);
        w - &(at(&h.lr, t, "learning-rate") * &g)
    }

    fn step_vjp(
        &self,
        w: &Array1<f64>,
        h: &Self::Hyper,
        t: usize,
        wb: &Array1<f64>,
    ) -> (Array1<f64>, Self::Hyper) {
        let a = at(&h.lr, t, "learning-rate");
        let (g, hv, mut cl) = self.0.gradient_and_vjp(w, &h.loss, wb);
        check_dims("gradient", w, &g);
        check_dims("Hessian-vector product", w, &hv);
        cl.scale(-a);
        let dw = wb - &(a * &hv);
        (dw, hyper_cotangent(h, t, -g.dot(wb), 0.0, cl))
    }

    forward_via_tangent!(0);
}

impl<L: InnerLoss> GradientDescent<L> {
    /// The state tangent of one step, given the gradient `g` and its tangent `dg`.
    #[allow(clippy::too_many_arguments)]
    fn tangent(
        &self,
        _w: &Array1<f64>,
        h: &StepHyper<L::Hyper>,
        t: usize,
        g: &Array1<f64>,
        dg: &Array1<f64>,
        dw: &Array1<f64>,
        dh: &StepHyper<L::Hyper>,
    ) -> Array1<f64> {
        let a = at(&h.lr, t, "learning-rate");
        let (da, _) = hyper_tangent(dh, t);
        dw - &(da * g) - &(a * dg)
    }
}

/// Heavy-ball momentum: `v' = μ v - α g`, `w' = w + v'`. State `(w, v)`.
#[derive(Clone, Debug)]
pub struct HeavyBall<L>(pub L);

impl<L: InnerLoss> Dynamics for HeavyBall<L> {
    type State = (Array1<f64>, Array1<f64>);
    type Hyper = StepHyper<L::Hyper>;

    fn step(&self, s: &Self::State, h: &Self::Hyper, t: usize) -> Self::State {
        let (w, v) = s;
        let (a, m) = (
            at(&h.lr, t, "learning-rate"),
            at(&h.momentum, t, "momentum"),
        );
        let g = self.0.gradient(w, &h.loss);
        check_dims("gradient", w, &g);
        let v2 = m * v - &(a * &g);
        (w + &v2, v2)
    }

    fn step_vjp(
        &self,
        s: &Self::State,
        h: &Self::Hyper,
        t: usize,
        sb: &Self::State,
    ) -> (Self::State, Self::Hyper) {
        let ((w, v), (wb, vb)) = (s, sb);
        let (a, m) = (
            at(&h.lr, t, "learning-rate"),
            at(&h.momentum, t, "momentum"),
        );
        let vt = vb + wb; // total cotangent of v'
        let (g, hv, mut cl) = self.0.gradient_and_vjp(w, &h.loss, &vt);
        check_dims("gradient", w, &g);
        check_dims("Hessian-vector product", w, &hv);
        cl.scale(-a);
        let dw = wb - &(a * &hv);
        let dv = m * &vt;
        let hb = hyper_cotangent(h, t, -g.dot(&vt), v.dot(&vt), cl);
        ((dw, dv), hb)
    }

    forward_via_tangent!(0);
}

impl<L: InnerLoss> HeavyBall<L> {
    /// The state tangent of one step, given the gradient `g` and its tangent `dg`.
    #[allow(clippy::too_many_arguments)]
    fn tangent(
        &self,
        s: &Pair,
        h: &StepHyper<L::Hyper>,
        t: usize,
        g: &Array1<f64>,
        dg: &Array1<f64>,
        ds: &Pair,
        dh: &StepHyper<L::Hyper>,
    ) -> Pair {
        let ((_, v), (dw, dv)) = (s, ds);
        let (a, m) = (
            at(&h.lr, t, "learning-rate"),
            at(&h.momentum, t, "momentum"),
        );
        let (da, dm) = hyper_tangent(dh, t);
        let dv2 = dm * v + &(m * dv) - &(da * g) - &(a * dg);
        (dw + &dv2, dv2)
    }
}

/// Nesterov momentum in Sutskever's form: `v' = μ v - α g`, `w' = w + μ v' - α g`.
/// State `(w, v)`.
#[derive(Clone, Debug)]
pub struct Nesterov<L>(pub L);

impl<L: InnerLoss> Dynamics for Nesterov<L> {
    type State = (Array1<f64>, Array1<f64>);
    type Hyper = StepHyper<L::Hyper>;

    fn step(&self, s: &Self::State, h: &Self::Hyper, t: usize) -> Self::State {
        let (w, v) = s;
        let (a, m) = (
            at(&h.lr, t, "learning-rate"),
            at(&h.momentum, t, "momentum"),
        );
        let g = self.0.gradient(w, &h.loss);
        check_dims("gradient", w, &g);
        let v2 = m * v - &(a * &g);
        let w2 = w + &(m * &v2) - &(a * &g);
        (w2, v2)
    }

    fn step_vjp(
        &self,
        s: &Self::State,
        h: &Self::Hyper,
        t: usize,
        sb: &Self::State,
    ) -> (Self::State, Self::Hyper) {
        let ((w, v), (wb, vb)) = (s, sb);
        let (a, m) = (
            at(&h.lr, t, "learning-rate"),
            at(&h.momentum, t, "momentum"),
        );
        let vt = vb + &(m * wb); // total cotangent of v'
        let gsum = &vt + wb; // g enters v' and w', each with -α
        let (g, hv, mut cl) = self.0.gradient_and_vjp(w, &h.loss, &gsum);
        check_dims("gradient", w, &g);
        check_dims("Hessian-vector product", w, &hv);
        let v2 = m * v - &(a * &g);
        let dm = wb.dot(&v2) + vt.dot(v);
        let da = -g.dot(&gsum);
        cl.scale(-a);
        let dw = wb - &(a * &hv);
        let dv = m * &vt;
        ((dw, dv), hyper_cotangent(h, t, da, dm, cl))
    }

    forward_via_tangent!(0);
}

impl<L: InnerLoss> Nesterov<L> {
    /// The state tangent of one step, given the gradient `g` and its tangent `dg`.
    #[allow(clippy::too_many_arguments)]
    fn tangent(
        &self,
        s: &Pair,
        h: &StepHyper<L::Hyper>,
        t: usize,
        g: &Array1<f64>,
        dg: &Array1<f64>,
        ds: &Pair,
        dh: &StepHyper<L::Hyper>,
    ) -> Pair {
        let ((_, v), (dw, dv)) = (s, ds);
        let (a, m) = (
            at(&h.lr, t, "learning-rate"),
            at(&h.momentum, t, "momentum"),
        );
        let (da, dm) = hyper_tangent(dh, t);
        let v2 = m * v - &(a * g);
        let dstep = da * g + &(a * dg); // tangent of α g
        let dv2 = dm * v + &(m * dv) - &dstep;
        let dw2 = dw + &(dm * &v2) + &(m * &dv2) - &dstep;
        (dw2, dv2)
    }
}

/// Adam (Kingma & Ba) with gradient `g`: `m' = β₁ m + (1-β₁) g`,
/// `u' = β₂ u + (1-β₂) g²`, `w' = w - α (m'/c₁) / (sqrt(u'/c₂) + ε)` with
/// `c₁ = 1 - β₁^(t+1)`, `c₂ = 1 - β₂^(t+1)`. State `(w, m, u)`; `β₁`, `β₂`, `ε` are
/// fixed (not hyperparameters), the rate `α` and the loss's `λ` are.
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

    fn corrections(&self, t: usize) -> (f64, f64) {
        let n = (t + 1).min(i32::MAX as usize) as i32;
        (1.0 - self.beta1.powi(n), 1.0 - self.beta2.powi(n))
    }
}

/// Adam's per-coordinate quantities after the moment updates.
struct AdamPoint {
    g: Array1<f64>,
    m2: Array1<f64>,
    u2: Array1<f64>,
}

impl<L: InnerLoss> Adam<L> {
    fn point(&self, s: &(Array1<f64>, Array1<f64>, Array1<f64>), g: Array1<f64>) -> AdamPoint {
        let (w, m, u) = s;
        check_dims("gradient", w, &g);
        let m2 = self.beta1 * m + &((1.0 - self.beta1) * &g);
        let u2 = self.beta2 * u + &((1.0 - self.beta2) * &(&g * &g));
        AdamPoint { g, m2, u2 }
    }

    /// Elementwise `(∂w'/∂m', ∂w'/∂u', -∂w'/∂α)` at one coordinate.
    fn partials(&self, a: f64, c1: f64, c2: f64, m2: f64, u2: f64) -> (f64, f64, f64) {
        let r = (u2 / c2).sqrt();
        let d = r + self.epsilon;
        let q = m2 / c1;
        let dm = -a / (c1 * d);
        let du = if r > 0.0 {
            a * q / (d * d) / (2.0 * r * c2)
        } else {
            0.0
        };
        (dm, du, q / d)
    }
}

impl<L: InnerLoss> Dynamics for Adam<L> {
    type State = (Array1<f64>, Array1<f64>, Array1<f64>);
    type Hyper = StepHyper<L::Hyper>;

    fn step(&self, s: &Self::State, h: &Self::Hyper, t: usize) -> Self::State {
        let a = at(&h.lr, t, "learning-rate");
        let (c1, c2) = self.corrections(t);
        let p = self.point(s, self.loss.gradient(&s.0, &h.loss));
        let mut w2 = s.0.clone();
        for i in 0..w2.len() {
            w2[i] -= a * (p.m2[i] / c1) / ((p.u2[i] / c2).sqrt() + self.epsilon);
        }
        (w2, p.m2, p.u2)
    }

    fn step_vjp(
        &self,
        s: &Self::State,
        h: &Self::Hyper,
        t: usize,
        sb: &Self::State,
    ) -> (Self::State, Self::Hyper) {
        let a = at(&h.lr, t, "learning-rate");
        let (c1, c2) = self.corrections(t);
        let p = self.point(s, self.loss.gradient(&s.0, &h.loss));
        let (wb, mb, ub) = sb;
        let n = wb.len();
        let (mut mt, mut ut) = (mb.clone(), ub.clone());
        let mut da = 0.0;
        for i in 0..n {
            let (pm, pu, pa) = self.partials(a, c1, c2, p.m2[i], p.u2[i]);
            mt[i] += wb[i] * pm;
            ut[i] += wb[i] * pu;
            da -= wb[i] * pa;
        }
        let gb = (1.0 - self.beta1) * &mt + &(2.0 * (1.0 - self.beta2) * &(&p.g * &ut));
        let (hv, cl) = self.loss.gradient_vjp(&s.0, &h.loss, &gb);
        check_dims("Hessian-vector product", &s.0, &hv);
        let ds = (wb + &hv, self.beta1 * &mt, self.beta2 * &ut);
        (ds, hyper_cotangent(h, t, da, 0.0, cl))
    }

    forward_via_tangent!(loss);
}

impl<L: InnerLoss> Adam<L> {
    /// The state tangent of one step, given the gradient `g` and its tangent `dg`.
    #[allow(clippy::too_many_arguments)]
    fn tangent(
        &self,
        s: &AdamState,
        h: &StepHyper<L::Hyper>,
        t: usize,
        g: &Array1<f64>,
        dg: &Array1<f64>,
        ds: &AdamState,
        dh: &StepHyper<L::Hyper>,
    ) -> AdamState {
        let a = at(&h.lr, t, "learning-rate");
        let (da, _) = hyper_tangent(dh, t);
        let (c1, c2) = self.corrections(t);
        let (dw, dm, du) = ds;
        let p = self.point(s, g.clone());
        let dm2 = self.beta1 * dm + &((1.0 - self.beta1) * dg);
        let du2 = self.beta2 * du + &(2.0 * (1.0 - self.beta2) * &(&p.g * dg));
        let mut dw2 = dw.clone();
        for i in 0..dw2.len() {
            let (pm, pu, pa) = self.partials(a, c1, c2, p.m2[i], p.u2[i]);
            dw2[i] += pm * dm2[i] + pu * du2[i] - pa * da;
        }
        (dw2, dm2, du2)
    }
}

/// SGD with momentum in Maclaurin, Duvenaud & Adams' form: `v' = μ v - (1-μ) g`,
/// `w' = w + α v'`. State `(w, v)`. The dynamics of [`reversible()`](super::reversible()).
#[derive(Clone, Debug)]
pub struct SgdMomentum<L>(pub L);

impl<L: InnerLoss> Dynamics for SgdMomentum<L> {
    type State = (Array1<f64>, Array1<f64>);
    type Hyper = StepHyper<L::Hyper>;

    fn step(&self, s: &Self::State, h: &Self::Hyper, t: usize) -> Self::State {
        let (w, v) = s;
        let (a, m) = (
            at(&h.lr, t, "learning-rate"),
            at(&h.momentum, t, "momentum"),
        );
        let g = self.0.gradient(w, &h.loss);
        check_dims("gradient", w, &g);
        let v2 = m * v - &((1.0 - m) * &g);
        (w + &(a * &v2), v2)
    }

    fn step_vjp(
        &self,
        s: &Self::State,
        h: &Self::Hyper,
        t: usize,
        sb: &Self::State,
    ) -> (Self::State, Self::Hyper) {
        let ((w, v), (wb, vb)) = (s, sb);
        let (a, m) = (
            at(&h.lr, t, "learning-rate"),
            at(&h.momentum, t, "momentum"),
        );
        let vt = vb + &(a * wb);
        let (g, hv, mut cl) = self.0.gradient_and_vjp(w, &h.loss, &vt);
        check_dims("gradient", w, &g);
        check_dims("Hessian-vector product", w, &hv);
        let v2 = m * v - &((1.0 - m) * &g);
        let da = wb.dot(&v2);
        let dm = vt.dot(&(v + &g));
        cl.scale(-(1.0 - m));
        let dw = wb - &((1.0 - m) * &hv);
        ((dw, m * &vt), hyper_cotangent(h, t, da, dm, cl))
    }

    forward_via_tangent!(0);
}

impl<L: InnerLoss> SgdMomentum<L> {
    /// The state tangent of one step, given the gradient `g` and its tangent `dg`.
    #[allow(clippy::too_many_arguments)]
    fn tangent(
        &self,
        s: &Pair,
        h: &StepHyper<L::Hyper>,
        t: usize,
        g: &Array1<f64>,
        dg: &Array1<f64>,
        ds: &Pair,
        dh: &StepHyper<L::Hyper>,
    ) -> Pair {
        let ((_, v), (dw, dv)) = (s, ds);
        let (a, m) = (
            at(&h.lr, t, "learning-rate"),
            at(&h.momentum, t, "momentum"),
        );
        let (da, dm) = hyper_tangent(dh, t);
        let v2 = m * v - &((1.0 - m) * g);
        let dv2 = dm * &(v + g) + &(m * dv) - &((1.0 - m) * dg);
        (dw + &(da * &v2) + &(a * &dv2), dv2)
    }
}
