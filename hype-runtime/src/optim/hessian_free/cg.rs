//! Martens' linear conjugate gradient for the damped quadratic model
//! `q(δ) = ½ δᵀ(G + λI)δ + gᵀδ` (Martens 2010, §4.3–4.5):
//!
//! * it starts from the previous solution, decayed (warm start: consecutive
//!   models are alike, and CG keeps progress along directions of low curvature);
//! * it stops on relative progress, not on the residual: after iteration `i`, with
//!   `k = max(10, ⌊i/10⌋)`, when `q_i < 0` and `(q_i - q_{i-k}) / q_i < ε k`
//!   (`ε = 5·10⁻⁶`), since the residual of `G` falls far slower than `q` stops improving;
//! * it saves the iterates at iterations 5, ⌊5·1.3⌋, … (and the last), for
//!   backtracking: an earlier iterate is often better on the real loss.
//!
//! The iterates are of the parameters' type (`f32` arrays for an `f32` network); the
//! coefficients (`rᵀr`, the step, `β`, `q`) are `f64`: inner products accumulate in
//! `f64` and each update rounds its entries to the parameters' float type.

use crate::tangent::Tangent;

/// One CG run.
#[derive(Clone, Debug)]
pub struct CgRun<P> {
    /// `(iteration, δ)` saved for backtracking, in order; the last is the final iterate.
    pub iterates: Vec<(usize, P)>,
    /// Iterations (products with `G + λI`) made, the one of the initial residual excluded.
    pub iterations: usize,
    /// The model value `q` of the final iterate.
    pub model_value: f64,
}

/// Minimizes `½ δᵀAδ + gᵀδ` by CG from `delta0`, in at most `max_iter` iterations
/// (`max_iter ≥ 1`); `a(v)` is `A·v`.
pub fn martens_cg<P: Tangent>(
    g: &P,
    delta0: P,
    max_iter: usize,
    mut a: impl FnMut(&P) -> P,
) -> CgRun<P> {
    let tolerance = 5e-6;
    let mut store_at = 5usize;
    let store_factor = 1.3;
    let mut iterates = Vec::new();
    let mut vals = Vec::with_capacity(max_iter);
    // The system is A δ = b with b = -g.
    let mut b = g.clone();
    b.scale(-1.0);
    let mut delta = delta0;
    let mut residual = b.clone();
    residual.axpy(-1.0, &a(&delta));
    let mut rr = residual.inner(&residual);
    let mut direction = residual.clone();
    let mut iterations = 0;
    let mut model_value = 0.0;
    for i in 0..max_iter.max(1) {
        let ad = a(&direction);
        let step = rr / direction.inner(&ad);
        if !step.is_finite() {
            // Zero or non-finite curvature along the direction: keep what we have.
            break;
        }
        iterations = i + 1;
        delta.axpy(step, &direction);
        residual.axpy(-step, &ad);
        let rr_new = residual.inner(&residual);
        // q(δ) = ½δᵀAδ - bᵀδ = -½ (r + b)ᵀδ.
        let mut rb = residual.clone();
        rb.add_assign_tangent(&b);
        model_value = -0.5 * rb.inner(&delta);
        vals.push(model_value);
        if rr_new < 1e-20 {
            break;
        }
        let beta = rr_new / rr;
        direction.scale(beta);
        direction.add_assign_tangent(&residual);
        rr = rr_new;
        if i == store_at {
            iterates.push((i, delta.clone()));
            store_at = ((store_at as f64) * store_factor) as usize;
        }
        let gap = (i / 10).max(10);
        if i > gap {
            let (q, q_before) = (vals[i], vals[i - gap]);
            if q_before < 0.0 && (q - q_before) / q < tolerance * gap as f64 {
                break;
            }
        }
    }
    if iterations > 0 || iterates.is_empty() {
        iterates.push((iterations.saturating_sub(1), delta));
    }
    CgRun {
        iterates,
        iterations,
        model_value,
    }
}
