//! Implicit hypergradients (implicit function theorem; Bengio 2000, Pedregosa 2016,
//! Lorraine et al. 2020): when training has converged to a stationary point
//! `∇_w L(w*, λ) = 0` of a strongly convex training loss, `w*(λ)` is differentiable
//! with `dw*/dλ = -H⁻¹ ∂_λ∇_w L` (`H = ∇²_ww L`), so
//!
//! ```text
//! dE/dλ = ∂E/∂λ - (∂_λ∇_w L)ᵀ q,    H q = ∂E/∂w   (solved by conjugate gradient)
//! ```
//!
//! It needs neither the trajectory nor the optimizer: one CG solve on
//! Hessian-vector products and one mixed product. Its value is the limit of the
//! unrolled hypergradient of the loss hyperparameters as training runs to
//! convergence (learning rates and momenta have no effect on `w*`).
//!
//! [`implicit_fixed_point`] is the same theorem for any [`Dynamics`] at a fixed point
//! `s* = Φ(s*, λ)` (e.g. heavy ball or Nesterov with their velocity state):
//! `dE/dλ = ∂E/∂λ + ∂Φ/∂λᵀ q` with `q = ∂E/∂s + ∂Φ/∂sᵀ q`, solved by the fixed-point
//! (Neumann series) iteration, one VJP per iteration, which converges when training
//! converges linearly (spectral radius of `∂Φ/∂s` below 1). Equivalently: Reverse-HG
//! over infinitely many steps that all sit at `s*`.
//!
//! Both work in `f32` too: [`implicit`] takes any [`GenericInnerLoss`] (its parameters
//! `Array1<L::Float>`), and [`implicit_fixed_point`] any [`Dynamics`] (the `f32`
//! optimizers among them).

use super::dynamics::GenericInnerLoss;
use super::{bytes_of, Dynamics, HyperError, Hypergradient, Stats, Validation};
use crate::tangent::Tangent;
use crate::Float;
use ndarray::Array1;

/// Configuration of [`implicit()`].
#[derive(Clone, Debug, PartialEq)]
pub struct ImplicitParams {
    /// CG stops when `|H q - b| ≤ tolerance |b|`.
    pub tolerance: f64,
    /// Most CG iterations; reaching it without the tolerance is an error.
    pub max_iterations: usize,
    /// When set, errors unless `|∇_w L(w*, λ)|` is at most this (the point must be
    /// stationary for the theorem to apply).
    pub stationarity: Option<f64>,
}

impl Default for ImplicitParams {
    /// Tolerance 1e-12, 1000 iterations, no stationarity check.
    fn default() -> Self {
        ImplicitParams {
            tolerance: 1e-12,
            max_iterations: 1000,
            stationarity: None,
        }
    }
}

/// The implicit hypergradient at the trained parameters `w_star` (see the module
/// documentation). Errors when the Hessian is not positive definite along a CG
/// direction, when CG does not converge, or when the stationarity check fails.
///
/// The loss's float type `L::Float` (`f64` for every [`InnerLoss`](super::InnerLoss),
/// or `f32`) is that of `w_star`, of the Hessian-vector products and of the result.
/// CG's own vectors and scalars are `f64` in both cases: an `f32` product is widened
/// exactly and its direction rounded to `f32` before the next one, so the default
/// tolerance (1e-12, on CG's updated residual) is reachable in `f32` as well, and the
/// solution is as accurate as the `f32` products make it:
///
/// ```
/// # use hype_runtime::hyper::{implicit, GenericInnerLoss, ImplicitParams};
/// # use ndarray::{array, Array1};
/// /// `L(w, λ) = ½ |w|² - λ c·w`, minimized at `w* = λ c`, in f32.
/// struct Pull(Array1<f32>);
///
/// impl GenericInnerLoss for Pull {
///     type Float = f32;
///     type Hyper = f32;
///     fn gradient(&self, w: &Array1<f32>, lam: &f32) -> Array1<f32> {
///         w - &(&self.0 * *lam)
///     }
///     fn gradient_vjp(&self, _: &Array1<f32>, _: &f32, v: &Array1<f32>) -> (Array1<f32>, f32) {
///         (v.clone(), -self.0.dot(v))
///     }
///     fn gradient_jvp(&self, _: &Array1<f32>, _: &f32, d: &Array1<f32>, dl: &f32) -> Array1<f32> {
///         d - &(&self.0 * *dl)
///     }
/// }
///
/// // E(w) = ½ |w - d|²: dE/dλ = c·(w* - d).
/// let d = array![0.5f32, 0.5];
/// let validation = |w: &Array1<f32>, _: &f32| {
///     let r = w - &d;
///     (0.5 * f64::from(r.dot(&r)), r, 0.0f32)
/// };
/// let loss = Pull(array![1.0, 2.0]);
/// let lam = 0.25f32;
/// let w_star = array![0.25f32, 0.5]; // λ c
/// let h = implicit(&loss, &validation, &w_star, &lam, &ImplicitParams::default());
/// let h = h.unwrap();
/// assert_eq!(h.grad, -0.25f32); // (1, 2)·(-0.25, 0)
/// ```
///
/// The parameters, the hyperparameters and the validation function are all in the
/// loss's float type; an `f64` point for an `f32` loss does not compile:
///
/// ```compile_fail
/// # use hype_runtime::hyper::{implicit, GenericInnerLoss, ImplicitParams};
/// # use ndarray::{array, Array1};
/// /// `L(w, λ) = ½ |w|² - λ c·w`, minimized at `w* = λ c`, in f32.
/// struct Pull(Array1<f32>);
///
/// impl GenericInnerLoss for Pull {
///     type Float = f32;
///     type Hyper = f32;
///     fn gradient(&self, w: &Array1<f32>, lam: &f32) -> Array1<f32> {
///         w - &(&self.0 * *lam)
///     }
///     fn gradient_vjp(&self, _: &Array1<f32>, _: &f32, v: &Array1<f32>) -> (Array1<f32>, f32) {
///         (v.clone(), -self.0.dot(v))
///     }
///     fn gradient_jvp(&self, _: &Array1<f32>, _: &f32, d: &Array1<f32>, dl: &f32) -> Array1<f32> {
///         d - &(&self.0 * *dl)
///     }
/// }
///
/// // E(w) = ½ |w - d|²: dE/dλ = c·(w* - d).
/// let d = array![0.5f32, 0.5];
/// let validation = |w: &Array1<f32>, _: &f32| {
///     let r = w - &d;
///     (0.5 * f64::from(r.dot(&r)), r, 0.0f32)
/// };
/// let loss = Pull(array![1.0, 2.0]);
/// let w_star = array![0.25f64, 0.5];
/// let _ = implicit(&loss, &validation, &w_star, &0.25f32, &ImplicitParams::default());
/// ```
pub fn implicit<L, V>(
    loss: &L,
    validation: &V,
    w_star: &Array1<L::Float>,
    lam: &L::Hyper,
    params: &ImplicitParams,
) -> Result<Hypergradient<Array1<L::Float>, L::Hyper>, HyperError>
where
    L: GenericInnerLoss,
    V: Validation<Array1<L::Float>, L::Hyper>,
{
    if let Some(limit) = params.stationarity {
        let g = widen(&loss.gradient(w_star, lam));
        let norm = g.dot(&g).sqrt();
        if norm.is_nan() || norm > limit {
            return Err(HyperError::InvalidArgument(format!(
                "implicit hypergradient at a non-stationary point: |∇L| = {norm:e} > {limit:e}"
            )));
        }
    }
    let (value, b, hb) = validation.value_and_grad(w_star, lam);
    let b = widen(&b);
    assert_eq!(
        b.len(),
        w_star.len(),
        "hype::hyper::implicit: validation gradient has {} scalars, parameters {}",
        b.len(),
        w_star.len()
    );
    let zero_lam = lam.zero_like();
    let mut hvps = 0;
    let mut hvp = |v: &Array1<f64>| {
        hvps += 1;
        widen(&loss.gradient_jvp(w_star, lam, &narrow(v), &zero_lam))
    };
    // Conjugate gradient on H q = b from q = 0.
    let b_norm = b.dot(&b).sqrt();
    let mut q = Array1::zeros(b.len());
    let mut r = b.clone();
    let mut p = r.clone();
    let mut rr = r.dot(&r);
    let mut iterations = 0;
    let target = params.tolerance * b_norm;
    while rr.sqrt() > target {
        if iterations == params.max_iterations {
            return Err(HyperError::NotConverged {
                iterations,
                residual: rr.sqrt() / b_norm,
            });
        }
        let hp = hvp(&p);
        let curvature = p.dot(&hp);
        if curvature.is_nan() || curvature <= 0.0 {
            return Err(HyperError::InvalidArgument(format!(
                "the training loss's Hessian is not positive definite (curvature {curvature:e} along a CG direction); the implicit hypergradient needs a strongly convex inner problem"
            )));
        }
        let alpha = rr / curvature;
        q.scaled_add(alpha, &p);
        r.scaled_add(-alpha, &hp);
        let rr_new = r.dot(&r);
        p = &r + &(rr_new / rr * &p);
        rr = rr_new;
        iterations += 1;
    }
    let (_, cq) = loss.gradient_vjp(w_star, lam, &narrow(&q));
    let mut grad = hb;
    grad.axpy(-1.0, &cq);
    let residual = if b_norm > 0.0 {
        rr.sqrt() / b_norm
    } else {
        0.0
    };
    Ok(Hypergradient {
        value,
        grad,
        initial_state_grad: None,
        stats: Stats {
            hvps: hvps + 1,
            cg_iterations: iterations,
            cg_residual: residual,
            peak_states: 1,
            peak_bytes: bytes_of(w_star),
            ..Stats::default()
        },
    })
}

/// `a` in `f64` (exact; a copy for `f64`).
fn widen<F: Float>(a: &Array1<F>) -> Array1<f64> {
    a.mapv(F::into_f64)
}

/// `a` rounded to `F` (a copy for `f64`).
fn narrow<F: Float>(a: &Array1<f64>) -> Array1<F> {
    a.mapv(F::of_f64)
}

/// The implicit hypergradient at a fixed point `s_star` of `dynamics` (step index `t`
/// for `step_vjp`; use any `t` for time-invariant dynamics). Iterates
/// `q ← ∂E/∂s + ∂Φ/∂sᵀ q` until `|Δq| ≤ tolerance |q|` (`params.tolerance`, at most
/// `params.max_iterations` VJPs; `params.stationarity` checks `|Φ(s*) - s*|`).
/// Errors when the iteration does not converge.
pub fn implicit_fixed_point<D, V>(
    dynamics: &D,
    validation: &V,
    s_star: &D::State,
    h: &D::Hyper,
    t: usize,
    params: &ImplicitParams,
) -> Result<Hypergradient<D::State, D::Hyper>, HyperError>
where
    D: Dynamics,
    V: Validation<D::State, D::Hyper>,
{
    if let Some(limit) = params.stationarity {
        let mut d = dynamics.step(s_star, h, t);
        d.axpy(-1.0, s_star);
        let norm = d.inner(&d).sqrt();
        if norm.is_nan() || norm > limit {
            return Err(HyperError::InvalidArgument(format!(
                "implicit hypergradient away from a fixed point: |Φ(s) - s| = {norm:e} > {limit:e}"
            )));
        }
    }
    let (value, b, hb) = validation.value_and_grad(s_star, h);
    let mut q = b.clone();
    let mut iterations = 0;
    let mut change = f64::INFINITY;
    loop {
        let scale = q.inner(&q).sqrt();
        if change <= params.tolerance * scale || scale == 0.0 {
            break;
        }
        if iterations == params.max_iterations {
            return Err(HyperError::NotConverged {
                iterations,
                residual: change / scale,
            });
        }
        let (mut next, _) = dynamics.step_vjp(s_star, h, t, &q);
        next.add_assign_tangent(&b);
        let mut diff = next.clone();
        diff.axpy(-1.0, &q);
        change = diff.inner(&diff).sqrt();
        if !change.is_finite() {
            return Err(HyperError::NonFinite("fixed-point iterate"));
        }
        q = next;
        iterations += 1;
    }
    let (_, hq) = dynamics.step_vjp(s_star, h, t, &q);
    let mut grad = hb;
    grad.add_assign_tangent(&hq);
    let scale = q.inner(&q).sqrt();
    Ok(Hypergradient {
        value,
        grad,
        initial_state_grad: None,
        stats: Stats {
            vjps: iterations + 1,
            cg_iterations: iterations,
            cg_residual: if scale > 0.0 { change / scale } else { 0.0 },
            peak_states: 1,
            peak_bytes: bytes_of(s_star),
            ..Stats::default()
        },
    })
}
