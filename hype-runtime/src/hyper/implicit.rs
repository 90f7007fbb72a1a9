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

use super::dynamics::InnerLoss;
use super::{bytes_of, HyperError, Hypergradient, Stats, Validation};
use crate::tangent::Tangent;
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
pub fn implicit<L, V>(
    loss: &L,
    validation: &V,
    w_star: &Array1<f64>,
    lam: &L::Hyper,
    params: &ImplicitParams,
) -> Result<Hypergradient<Array1<f64>, L::Hyper>, HyperError>
where
    L: InnerLoss,
    V: Validation<Array1<f64>, L::Hyper>,
{
    if let Some(limit) = params.stationarity {
        let g = loss.gradient(w_star, lam);
        let norm = g.dot(&g).sqrt();
        if norm.is_nan() || norm > limit {
            return Err(HyperError::InvalidArgument(format!(
                "implicit hypergradient at a non-stationary point: |∇L| = {norm:e} > {limit:e}"
            )));
        }
    }
    let (value, b, hb) = validation.value_and_grad(w_star, lam);
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
        loss.gradient_jvp(w_star, lam, v, &zero_lam)
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
    let (_, cq) = loss.gradient_vjp(w_star, lam, &q);
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
