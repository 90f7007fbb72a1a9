//! What the optimizers minimize: a value-and-gradient function over a parameter type
//! `P: Tangent`, optionally with a Hessian-vector product and a validation function.

use crate::tangent::Tangent;
use std::cell::Cell;
use std::fmt;

/// An objective function `f: P -> f64` with its gradient.
///
/// Every closure `Fn(&P) -> (f64, P)` is an objective, so the usual call is
///
/// ```ignore
/// minimize(|x: &Array1<f64>| value_and_grad!(rosen)(x), x0, &params)
/// ```
///
/// [`Problem`] adds the optional parts: a cheaper value-only function for line searches,
/// the Hessian-vector product that [`Method::NewtonCg`](super::Method::NewtonCg)
/// needs, and a validation function for early stopping and return-best.
pub trait Objective<P: Tangent> {
    /// `(f(x), ∇f(x))`.
    fn value_and_grad(&self, x: &P) -> (f64, P);

    /// `f(x)`; line searches call this for trial points. Defaults to
    /// [`Objective::value_and_grad`] without the gradient.
    fn value(&self, x: &P) -> f64 {
        self.value_and_grad(x).0
    }

    /// The Hessian-vector product `∇²f(x) v`, when the objective has one.
    fn hvp(&self, _x: &P, _v: &P) -> Option<P> {
        None
    }

    /// Whether [`Objective::hvp`] returns products.
    fn has_hvp(&self) -> bool {
        false
    }

    /// A validation loss at `x` (for early stopping and return-best), when there is one.
    fn validation(&self, _x: &P) -> Option<f64> {
        None
    }

    /// Whether [`Objective::validation`] returns values.
    fn has_validation(&self) -> bool {
        false
    }
}

impl<P: Tangent, F: Fn(&P) -> (f64, P)> Objective<P> for F {
    fn value_and_grad(&self, x: &P) -> (f64, P) {
        self(x)
    }
}

type ValueAndGrad<'a, P> = Box<dyn Fn(&P) -> (f64, P) + 'a>;
type ValueFn<'a, P> = Box<dyn Fn(&P) -> f64 + 'a>;
type HvpFn<'a, P> = Box<dyn Fn(&P, &P) -> P + 'a>;

/// An objective assembled from closures:
///
/// ```
/// use hype_runtime::optim::{minimize_objective, Params, Problem};
/// use ndarray::{array, Array1};
///
/// // f(x) = |x - (1, 2)|², Hessian 2 I.
/// let problem = Problem::new(|x: &Array1<f64>| {
///     let d = x - &array![1.0, 2.0];
///     (d.dot(&d), 2.0 * d)
/// })
/// .with_hvp(|_x, v| 2.0 * v)
/// .with_validation(|x| (x[0] - 0.9).powi(2));
/// let r = minimize_objective(&problem, array![0.0, 0.0], &Params::newton_cg());
/// assert!((r.x[1] - 2.0).abs() < 1e-9);
/// ```
pub struct Problem<'a, P> {
    value_and_grad: ValueAndGrad<'a, P>,
    value: Option<ValueFn<'a, P>>,
    hvp: Option<HvpFn<'a, P>>,
    validation: Option<ValueFn<'a, P>>,
}

impl<'a, P: Tangent> Problem<'a, P> {
    /// An objective with value and gradient `f`.
    pub fn new(f: impl Fn(&P) -> (f64, P) + 'a) -> Self {
        Problem {
            value_and_grad: Box::new(f),
            value: None,
            hvp: None,
            validation: None,
        }
    }

    /// A value-only function (used by line searches instead of value-and-gradient).
    pub fn with_value(mut self, f: impl Fn(&P) -> f64 + 'a) -> Self {
        self.value = Some(Box::new(f));
        self
    }

    /// The Hessian-vector product `(x, v) -> ∇²f(x) v` (required by Newton-CG).
    pub fn with_hvp(mut self, hvp: impl Fn(&P, &P) -> P + 'a) -> Self {
        self.hvp = Some(Box::new(hvp));
        self
    }

    /// A validation loss, evaluated every `Params::validation_interval` iterations.
    pub fn with_validation(mut self, v: impl Fn(&P) -> f64 + 'a) -> Self {
        self.validation = Some(Box::new(v));
        self
    }
}

impl<P: Tangent> Objective<P> for Problem<'_, P> {
    fn value_and_grad(&self, x: &P) -> (f64, P) {
        (self.value_and_grad)(x)
    }
    fn value(&self, x: &P) -> f64 {
        match &self.value {
            Some(f) => f(x),
            None => (self.value_and_grad)(x).0,
        }
    }
    fn hvp(&self, x: &P, v: &P) -> Option<P> {
        self.hvp.as_ref().map(|h| h(x, v))
    }
    fn has_hvp(&self) -> bool {
        self.hvp.is_some()
    }
    fn validation(&self, x: &P) -> Option<f64> {
        self.validation.as_ref().map(|v| v(x))
    }
    fn has_validation(&self) -> bool {
        self.validation.is_some()
    }
}

/// A borrowed problem is an objective too (`minimize_objective(&problem, ..)` reuses it).
impl<P: Tangent> Objective<P> for &Problem<'_, P> {
    fn value_and_grad(&self, x: &P) -> (f64, P) {
        (**self).value_and_grad(x)
    }
    fn value(&self, x: &P) -> f64 {
        (**self).value(x)
    }
    fn hvp(&self, x: &P, v: &P) -> Option<P> {
        (**self).hvp(x, v)
    }
    fn has_hvp(&self) -> bool {
        (**self).has_hvp()
    }
    fn validation(&self, x: &P) -> Option<f64> {
        (**self).validation(x)
    }
    fn has_validation(&self) -> bool {
        (**self).has_validation()
    }
}

impl<P> fmt::Debug for Problem<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Problem")
            .field("value", &self.value.is_some())
            .field("hvp", &self.hvp.is_some())
            .field("validation", &self.validation.is_some())
            .finish_non_exhaustive()
    }
}

/// How many times each part of the objective was called.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Evaluations {
    /// Calls of `value_and_grad`.
    pub gradients: usize,
    /// Calls of `value` (line-search trial points).
    pub values: usize,
    /// Hessian-vector products.
    pub hvps: usize,
    /// Validation evaluations.
    pub validations: usize,
}

/// An objective that counts its calls.
pub(crate) struct Counted<'a, O> {
    inner: &'a O,
    gradients: Cell<usize>,
    values: Cell<usize>,
    hvps: Cell<usize>,
    validations: Cell<usize>,
}

impl<'a, O> Counted<'a, O> {
    pub(crate) fn new(inner: &'a O) -> Self {
        Counted {
            inner,
            gradients: Cell::new(0),
            values: Cell::new(0),
            hvps: Cell::new(0),
            validations: Cell::new(0),
        }
    }

    pub(crate) fn counts(&self) -> Evaluations {
        Evaluations {
            gradients: self.gradients.get(),
            values: self.values.get(),
            hvps: self.hvps.get(),
            validations: self.validations.get(),
        }
    }
}

fn bump(c: &Cell<usize>) {
    c.set(c.get() + 1);
}

impl<P: Tangent, O: Objective<P>> Objective<P> for Counted<'_, O> {
    fn value_and_grad(&self, x: &P) -> (f64, P) {
        bump(&self.gradients);
        self.inner.value_and_grad(x)
    }
    fn value(&self, x: &P) -> f64 {
        bump(&self.values);
        self.inner.value(x)
    }
    fn hvp(&self, x: &P, v: &P) -> Option<P> {
        bump(&self.hvps);
        self.inner.hvp(x, v)
    }
    fn has_hvp(&self) -> bool {
        self.inner.has_hvp()
    }
    fn validation(&self, x: &P) -> Option<f64> {
        bump(&self.validations);
        self.inner.validation(x)
    }
    fn has_validation(&self) -> bool {
        self.inner.has_validation()
    }
}
