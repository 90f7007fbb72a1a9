//! What the optimizers minimize: a value-and-gradient function over a parameter type
//! `P: Tangent`, optionally with a Hessian-vector product and a validation function.

use crate::tangent::Tangent;
use crate::Float;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

/// An objective function `f: P -> V` with its gradient; the value type `V` is `f64`
/// (the default) or `f32`.
///
/// Every closure `Fn(&P) -> (V, P)` is an objective, so the usual call is
///
/// ```ignore
/// minimize(|x: &Array1<f64>| value_and_grad!(rosen)(x), x0, &params)
/// ```
///
/// An `f32` function (`|x: &Array1<f32>| value_and_grad!(rosen)(x)`, value `f32`) is an
/// `Objective<Array1<f32>, f32>`: the optimizers widen its values to `f64` (exactly) for
/// their own arithmetic, as they do the parameters' scalars (see [`Tangent`]).
///
/// [`Problem`] adds the optional parts: a cheaper value-only function for line searches,
/// the Hessian-vector product that [`Method::NewtonCg`](super::Method::NewtonCg)
/// needs, and a validation function for early stopping and return-best.
pub trait Objective<P: Tangent, V: Float = f64> {
    /// `(f(x), ∇f(x))`.
    fn value_and_grad(&self, x: &P) -> (V, P);

    /// `f(x)`; line searches call this for trial points. Defaults to
    /// [`Objective::value_and_grad`] without the gradient.
    fn value(&self, x: &P) -> V {
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
    fn validation(&self, _x: &P) -> Option<V> {
        None
    }

    /// Whether [`Objective::validation`] returns values.
    fn has_validation(&self) -> bool {
        false
    }
}

impl<P: Tangent, V: Float, F: Fn(&P) -> (V, P)> Objective<P, V> for F {
    fn value_and_grad(&self, x: &P) -> (V, P) {
        self(x)
    }
}

type ValueAndGrad<'a, P, V> = Box<dyn Fn(&P) -> (V, P) + 'a>;
type ValueFn<'a, P, V> = Box<dyn Fn(&P) -> V + 'a>;
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
///
/// The value type `V` is that of `f`'s value (`f64`, or `f32` for an `f32` function);
/// the value-only and validation functions return the same type, so mixing them is a
/// type error:
///
/// ```compile_fail
/// use hype_runtime::optim::Problem;
/// use ndarray::Array1;
///
/// // An f32 objective with an f64 validation loss.
/// let _ = Problem::new(|x: &Array1<f32>| (x.sum(), Array1::ones(x.len())))
///     .with_validation(|x| f64::from(x.sum()));
/// ```
pub struct Problem<'a, P, V = f64> {
    value_and_grad: ValueAndGrad<'a, P, V>,
    value: Option<ValueFn<'a, P, V>>,
    hvp: Option<HvpFn<'a, P>>,
    validation: Option<ValueFn<'a, P, V>>,
}

impl<'a, P: Tangent, V: Float> Problem<'a, P, V> {
    /// An objective with value and gradient `f`.
    pub fn new(f: impl Fn(&P) -> (V, P) + 'a) -> Self {
        Problem {
            value_and_grad: Box::new(f),
            value: None,
            hvp: None,
            validation: None,
        }
    }

    /// A value-only function (used by line searches instead of value-and-gradient).
    pub fn with_value(mut self, f: impl Fn(&P) -> V + 'a) -> Self {
        self.value = Some(Box::new(f));
        self
    }

    /// The Hessian-vector product `(x, v) -> ∇²f(x) v` (required by Newton-CG).
    pub fn with_hvp(mut self, hvp: impl Fn(&P, &P) -> P + 'a) -> Self {
        self.hvp = Some(Box::new(hvp));
        self
    }

    /// A validation loss, evaluated every `Params::validation_interval` iterations.
    pub fn with_validation(mut self, v: impl Fn(&P) -> V + 'a) -> Self {
        self.validation = Some(Box::new(v));
        self
    }
}

impl<P: Tangent, V: Float> Objective<P, V> for Problem<'_, P, V> {
    fn value_and_grad(&self, x: &P) -> (V, P) {
        (self.value_and_grad)(x)
    }
    fn value(&self, x: &P) -> V {
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
    fn validation(&self, x: &P) -> Option<V> {
        self.validation.as_ref().map(|v| v(x))
    }
    fn has_validation(&self) -> bool {
        self.validation.is_some()
    }
}

/// A borrowed problem is an objective too (`minimize_objective(&problem, ..)` reuses it).
impl<P: Tangent, V: Float> Objective<P, V> for &Problem<'_, P, V> {
    fn value_and_grad(&self, x: &P) -> (V, P) {
        (**self).value_and_grad(x)
    }
    fn value(&self, x: &P) -> V {
        (**self).value(x)
    }
    fn hvp(&self, x: &P, v: &P) -> Option<P> {
        (**self).hvp(x, v)
    }
    fn has_hvp(&self) -> bool {
        (**self).has_hvp()
    }
    fn validation(&self, x: &P) -> Option<V> {
        (**self).validation(x)
    }
    fn has_validation(&self) -> bool {
        (**self).has_validation()
    }
}

impl<P, V> fmt::Debug for Problem<'_, P, V> {
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

/// An objective that counts its calls, with its values (of type `V`) widened to `f64`
/// (exact; the identity for `f64`).
pub(crate) struct Counted<'a, O, V = f64> {
    inner: &'a O,
    gradients: Cell<usize>,
    values: Cell<usize>,
    hvps: Cell<usize>,
    validations: Cell<usize>,
    value_type: PhantomData<V>,
}

impl<'a, O, V> Counted<'a, O, V> {
    pub(crate) fn new(inner: &'a O) -> Self {
        Counted {
            inner,
            gradients: Cell::new(0),
            values: Cell::new(0),
            hvps: Cell::new(0),
            validations: Cell::new(0),
            value_type: PhantomData,
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

impl<P: Tangent, V: Float, O: Objective<P, V>> Objective<P> for Counted<'_, O, V> {
    fn value_and_grad(&self, x: &P) -> (f64, P) {
        bump(&self.gradients);
        let (v, g) = self.inner.value_and_grad(x);
        (v.into_f64(), g)
    }
    fn value(&self, x: &P) -> f64 {
        bump(&self.values);
        self.inner.value(x).into_f64()
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
        self.inner.validation(x).map(V::into_f64)
    }
    fn has_validation(&self) -> bool {
        self.inner.has_validation()
    }
}
