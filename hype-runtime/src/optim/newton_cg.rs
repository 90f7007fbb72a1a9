//! Newton-CG (truncated Newton): the direction approximately solves the Newton system
//! `∇²f(x) p = -g` by linear conjugate gradient, using only Hessian-vector products.
//!
//! Nocedal & Wright, Algorithm 7.1: inner CG from `p = 0`, stopped when the residual
//! falls below `min(max_forcing, sqrt|g|) |g|` (superlinear local convergence), after
//! `max_inner` iterations, or at the first direction of non-positive curvature (then
//! the iterate so far, or `-g` if that happens at once). The Hessian-vector product is
//! the objective's ([`Problem::with_hvp`](super::Problem::with_hvp)); this is not
//! Hype's `NewtonCG`, which is a nonlinear CG with a Hessian-based β.

use super::direction::SearchDirection;
use super::objective::Objective;
use super::vector::{add_scaled, neg, norm};
use crate::tangent::Tangent;

/// The outcome of the inner conjugate-gradient solve.
#[derive(Clone, Debug, PartialEq)]
pub struct InnerSolve<P> {
    /// The direction.
    pub p: P,
    /// Hessian-vector products used.
    pub iterations: usize,
    /// Whether `p` comes from positive-curvature CG steps (else it is `-g`).
    pub newton: bool,
}

/// The relative residual at which the inner solve stops: `min(max_forcing, sqrt|g|)`.
pub fn forcing_term(gradient_norm: f64, max_forcing: f64) -> f64 {
    gradient_norm.sqrt().min(max_forcing)
}

/// Solves `H p = -g` approximately by CG, `hvp(d) = H d`, to the residual
/// `tol` (absolute), in at most `max_iter` products.
pub fn truncated_cg<P: Tangent>(
    g: &P,
    mut hvp: impl FnMut(&P) -> P,
    max_iter: usize,
    tol: f64,
) -> InnerSolve<P> {
    let mut z = g.zero_like();
    let mut r = g.clone();
    let mut d = neg(g);
    let mut rr = r.inner(&r);
    for j in 0..max_iter {
        let hd = hvp(&d);
        let curvature = d.inner(&hd);
        if !curvature.is_finite() || curvature <= 0.0 {
            return if j == 0 {
                InnerSolve {
                    p: neg(g),
                    iterations: 1,
                    newton: false,
                }
            } else {
                InnerSolve {
                    p: z,
                    iterations: j + 1,
                    newton: true,
                }
            };
        }
        let alpha = rr / curvature;
        z.axpy(alpha, &d);
        r.axpy(alpha, &hd);
        let rr_new = r.inner(&r);
        if rr_new.sqrt() < tol {
            return InnerSolve {
                p: z,
                iterations: j + 1,
                newton: true,
            };
        }
        d = add_scaled(&neg(&r), rr_new / rr, &d);
        rr = rr_new;
    }
    let newton = max_iter > 0;
    InnerSolve {
        p: if newton { z } else { neg(g) },
        iterations: max_iter,
        newton,
    }
}

/// Newton-CG with at most `max_inner` Hessian-vector products per direction.
#[derive(Clone, Debug)]
pub struct NewtonCg {
    max_inner: usize,
    max_forcing: f64,
    last_newton: bool,
    inner_iterations: usize,
}

impl NewtonCg {
    /// Newton-CG with at most `max_inner` inner iterations per direction, inner
    /// relative tolerance `min(max_forcing, sqrt|g|)`.
    pub fn new(max_inner: usize, max_forcing: f64) -> Self {
        NewtonCg {
            max_inner: max_inner.max(1),
            max_forcing,
            last_newton: false,
            inner_iterations: 0,
        }
    }

    /// Inner CG iterations (Hessian-vector products) so far.
    pub fn inner_iterations(&self) -> usize {
        self.inner_iterations
    }
}

impl<P: Tangent> SearchDirection<P> for NewtonCg {
    fn name(&self) -> &'static str {
        "Newton-CG"
    }

    fn direction<O: Objective<P>>(&mut self, f: &O, x: &P, g: &P) -> P {
        let tol = forcing_term(norm(g), self.max_forcing) * norm(g);
        let solve = truncated_cg(
            g,
            |d| {
                f.hvp(x, d)
                    .expect("hype::optim: Newton-CG needs an objective with a Hessian-vector product (minimize checks this)")
            },
            self.max_inner,
            tol,
        );
        self.inner_iterations += solve.iterations;
        self.last_newton = solve.newton;
        solve.p
    }

    fn restart(&mut self) {
        self.last_newton = false;
    }

    fn natural_step(&self) -> bool {
        self.last_newton
    }
}
