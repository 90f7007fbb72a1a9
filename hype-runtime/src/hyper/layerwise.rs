//! Per-layer, per-step learning rates: heavy-ball momentum whose rate depends on the
//! step and on the group ("layer") of each parameter coordinate.
//!
//! The flat parameter vector `w` (for a model struct, its
//! [`Tangent`](crate::Tangent) flattening) is
//! split into contiguous groups, e.g. one per layer. The learning rate is a matrix
//! `lr[[t, k]]` (one row shared by all steps, or one row per step; one column per
//! group):
//!
//! ```text
//! v'_i = μ_t v_i - lr[t, k(i)] g_i,    w' = w + v'        (g = ∇_w L(w, λ))
//! ```
//!
//! With `μ = 0` it is gradient descent with a per-layer schedule — the
//! hyperparameters of Hype's and Maclaurin et al.'s learned schedules. The update is
//! [`optim::update::heavy_ball_update`](crate::optim::update::heavy_ball_update()) with one rate
//! per coordinate; its derivatives are the generated ones (see `hyper/rule.rs`).
//!
//! The float type is the loss's ([`GenericInnerLoss::Float`]): an `f32` loss gives
//! `f32` parameters, velocity, rates and momentum ([`LayerwiseHyper<λ, f32>`]).

use super::dynamics::{At, GenericInnerLoss};
use super::rule::Rule;
use super::{check_directions, Dynamics, HyperError};
use crate::rt::Val;
use crate::Float;
use hype_macros::Tangent;
use ndarray::{Array1, Array2};
use std::ops::Range;

/// Hyperparameters of [`LayerwiseHeavyBall`]; the rates are in the loss's float type
/// `F` (`f64` unless written: `LayerwiseHyper<(), f32>` for an `f32` loss).
#[derive(Clone, Debug, PartialEq, Tangent)]
pub struct LayerwiseHyper<L, F: Float = f64> {
    /// Learning rates: rows are steps (1 row shared by all steps, or `T`), columns are
    /// groups.
    pub lr: Array2<F>,
    /// Momentum: one value or one per step.
    pub momentum: Array1<F>,
    /// Hyperparameters of the training loss.
    pub loss: L,
}

/// Heavy-ball momentum with a learning rate per step and per group of coordinates.
/// State `(w, v)`.
#[derive(Clone, Debug)]
pub struct LayerwiseHeavyBall<L> {
    /// The training loss.
    pub loss: L,
    groups: Vec<Range<usize>>,
    /// Group index of every coordinate.
    owner: Vec<usize>,
}

impl<L> LayerwiseHeavyBall<L> {
    /// `groups` must be contiguous, non-empty and cover `0..n` in order
    /// (e.g. `[0..784*300+300, ...]`, one range per layer).
    pub fn new(loss: L, groups: Vec<Range<usize>>) -> Result<Self, HyperError> {
        let mut next = 0;
        let mut owner = Vec::new();
        for (k, r) in groups.iter().enumerate() {
            if r.start != next || r.end <= r.start {
                return Err(HyperError::InvalidArgument(format!(
                    "parameter groups must be non-empty and contiguous from 0; group {k} is {r:?} after {next}"
                )));
            }
            owner.extend(std::iter::repeat_n(k, r.len()));
            next = r.end;
        }
        if groups.is_empty() {
            return Err(HyperError::InvalidArgument(
                "at least one parameter group is needed".into(),
            ));
        }
        Ok(LayerwiseHeavyBall {
            loss,
            groups,
            owner,
        })
    }

    /// The groups.
    pub fn groups(&self) -> &[Range<usize>] {
        &self.groups
    }

    /// Checks the shape of `h` for a run of `steps` steps.
    pub fn check<H, F: Float>(
        &self,
        h: &LayerwiseHyper<H, F>,
        steps: usize,
    ) -> Result<(), HyperError> {
        let (rows, cols) = h.lr.dim();
        if cols != self.groups.len() || !(rows == 1 || (rows == steps && rows > 0)) {
            return Err(HyperError::Length {
                what: "layerwise learning-rate matrix (rows × columns)",
                expected: format!("1 or {steps} rows × {} columns", self.groups.len()),
                found: rows * cols,
            });
        }
        let m = h.momentum.len();
        if !(m == 1 || (m == steps && m > 0)) {
            return Err(HyperError::Length {
                what: "momentum schedule",
                expected: format!("1 or the number of steps ({steps})"),
                found: m,
            });
        }
        Ok(())
    }

    fn row<H, F: Float>(&self, h: &LayerwiseHyper<H, F>, t: usize) -> usize {
        let (rows, cols) = h.lr.dim();
        assert_eq!(
            cols,
            self.groups.len(),
            "hype::hyper: learning-rate matrix has {cols} columns for {} groups",
            self.groups.len()
        );
        match rows {
            1 => 0,
            n if t < n => t,
            n => panic!("hype::hyper: step {t} reads the learning-rate matrix of {n} rows"),
        }
    }

    fn rates<H, F: Float>(&self, h: &LayerwiseHyper<H, F>, t: usize, w: &Array1<F>) -> Array1<F> {
        assert_eq!(
            w.len(),
            self.owner.len(),
            "hype::hyper: parameters have {} scalars but the groups cover {}",
            w.len(),
            self.owner.len()
        );
        let r = self.row(h, t);
        self.owner.iter().map(|&k| h.lr[[r, k]]).collect()
    }
}

fn momentum_at<F>(m: &Array1<F>, t: usize) -> usize {
    match m.len() {
        1 => 0,
        n if t < n => t,
        n => panic!("hype::hyper: step {t} reads the momentum schedule of length {n}"),
    }
}

/// The state `(w, v)` in the loss's float type.
type State<L> = (Flat<L>, Flat<L>);
type Flat<L> = Array1<<L as GenericInnerLoss>::Float>;
type HyperOf<L> = LayerwiseHyper<<L as GenericInnerLoss>::Hyper, <L as GenericInnerLoss>::Float>;

impl<L: GenericInnerLoss> LayerwiseHeavyBall<L>
where
    for<'r> &'r L::Float: Val<V = L::Float>,
{
    fn momentum(h: &HyperOf<L>, t: usize) -> L::Float {
        h.momentum[momentum_at(&h.momentum, t)]
    }

    /// The state tangent of one step, given the gradient `g` and its tangent `dg`.
    #[allow(clippy::too_many_arguments)]
    fn tangent(
        &self,
        s: &State<L>,
        h: &HyperOf<L>,
        t: usize,
        g: &Flat<L>,
        dg: &Flat<L>,
        ds: &State<L>,
        dh: &HyperOf<L>,
    ) -> State<L> {
        let ((w, v), (dw, dv)) = (s, ds);
        let dmu = dh.momentum[momentum_at(&dh.momentum, t)];
        let next = Rule::HeavyBall.jvp(
            &[w, v],
            g,
            &self.rates(h, t, w),
            Self::momentum(h, t),
            t,
            &[dw, dv],
            dg,
            &self.rates(dh, t, w),
            dmu,
        );
        pair(next)
    }
}

fn pair<F: Float>(parts: Vec<Array1<F>>) -> (Array1<F>, Array1<F>) {
    let [w, v] = parts.try_into().expect("heavy ball's state is [w, v]");
    (w, v)
}

impl<L: GenericInnerLoss> Dynamics for LayerwiseHeavyBall<L>
where
    for<'r> &'r L::Float: Val<V = L::Float>,
{
    type State = State<L>;
    type Hyper = HyperOf<L>;

    fn step(&self, s: &Self::State, h: &Self::Hyper, t: usize) -> Self::State {
        let (w, v) = s;
        let g = self.loss.gradient(w, &h.loss);
        let rates = self.rates(h, t, w);
        pair(Rule::HeavyBall.step(&[w, v], &g, &rates, Self::momentum(h, t), t))
    }

    fn step_vjp(
        &self,
        s: &Self::State,
        h: &Self::Hyper,
        t: usize,
        sb: &Self::State,
    ) -> (Self::State, Self::Hyper) {
        let ((w, v), (wb, vb)) = (s, sb);
        let loss = At {
            loss: &self.loss,
            w,
            lam: &h.loss,
        };
        let (c, cl) = Rule::HeavyBall.backward(
            &loss,
            &[w, v],
            &self.rates(h, t, w),
            Self::momentum(h, t),
            t,
            vec![wb.clone(), vb.clone()],
        );
        let mut lr = Array2::<L::Float>::zeros(h.lr.raw_dim());
        let r = self.row(h, t);
        for (k, range) in self.groups.iter().enumerate() {
            lr[[r, k]] = c.rate.slice(ndarray::s![range.clone()]).sum();
        }
        let mut momentum = Array1::<L::Float>::zeros(h.momentum.len());
        momentum[momentum_at(&h.momentum, t)] = c.mu;
        let hb = LayerwiseHyper {
            lr,
            momentum,
            loss: cl,
        };
        (pair(c.state), hb)
    }

    fn step_jvp(
        &self,
        s: &Self::State,
        h: &Self::Hyper,
        t: usize,
        ds: &Self::State,
        dh: &Self::Hyper,
    ) -> Self::State {
        let (g, dg) = self.loss.gradient_and_jvp(&s.0, &h.loss, &ds.0, &dh.loss);
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
        let g = self.loss.gradient(&s.0, &h.loss);
        ds.iter()
            .zip(dh)
            .map(|(d, e)| {
                let dg = self.loss.gradient_jvp(&s.0, &h.loss, &d.0, &e.loss);
                self.tangent(s, h, t, &g, &dg, d, e)
            })
            .collect()
    }
}
