//! Armijo backtracking line search (Hype's `Backtrack`).
//!
//! From the initial step `a0`, shrink by `rho` until the sufficient-decrease (Armijo)
//! condition `f(x + a p) < f(x) + c a <g, p>` holds (strict, as in Hype). Hype's
//! default is `a0 = 1, c = 1e-4, rho = 0.5`. Hype gives up after 500 trials and takes
//! the last (tiny) step; here the search fails after `max_iterations` trials and
//! `minimize` stops with [`StopReason::LineSearchFailed`](super::StopReason).

use super::line_search::{LineSearch, LineSearchError, LineSearchStep};
use super::objective::Objective;
use super::vector::add_scaled;
use crate::tangent::Tangent;

/// Armijo backtracking.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backtracking {
    /// Sufficient-decrease constant `c` in (0, 1).
    pub c: f64,
    /// Shrink factor `rho` in (0, 1).
    pub rho: f64,
    /// Trials before giving up.
    pub max_iterations: usize,
}

impl Default for Backtracking {
    /// Hype's `c = 1e-4`, `rho = 0.5`; 100 trials (a factor 2^-100 ≈ 1e-30).
    fn default() -> Self {
        Backtracking {
            c: 1e-4,
            rho: 0.5,
            max_iterations: 100,
        }
    }
}

impl LineSearch for Backtracking {
    fn search<P: Tangent, O: Objective<P>>(
        &self,
        f: &O,
        x: &P,
        value: f64,
        g: &P,
        p: &P,
        initial: f64,
    ) -> Result<LineSearchStep<P>, LineSearchError> {
        let slope = g.inner(p);
        if !slope.is_finite() || slope >= 0.0 {
            return Err(LineSearchError::NotDescent);
        }
        let mut a = initial;
        for _ in 0..self.max_iterations {
            let fa = f.value(&add_scaled(x, a, p));
            if fa.is_finite() && fa < value + self.c * a * slope {
                return Ok(LineSearchStep {
                    alpha: a,
                    value: fa,
                    gradient: None,
                    satisfied: true,
                });
            }
            a *= self.rho;
        }
        Err(LineSearchError::NoDecrease)
    }
}
