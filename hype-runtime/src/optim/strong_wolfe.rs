//! Line search for the strong Wolfe conditions (Hype's `StrongWolfe`):
//!
//! * sufficient decrease `f(x + a p) <= f(x) + c1 a <g, p>`,
//! * curvature `|<∇f(x + a p), p>| <= c2 |<g, p>|`.
//!
//! Nocedal & Wright's Algorithms 3.5 (bracketing) and 3.6 (zoom): trial steps grow
//! (doubling, up to `max_step`) until they bracket an acceptable step, then the bracket
//! shrinks by safeguarded cubic interpolation. Hype draws its trial steps at random in
//! `(a, lmax)`; this search is deterministic. When the bracket collapses without
//! meeting the curvature condition, the lowest point found that satisfies sufficient
//! decrease is returned (`satisfied = false`). A step whose value is not finite counts
//! as too long.

use super::line_search::{LineSearch, LineSearchError, LineSearchStep};
use super::objective::Objective;
use super::vector::add_scaled;
use crate::tangent::Tangent;

/// Strong Wolfe line search.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StrongWolfe {
    /// Sufficient-decrease constant `c1`.
    pub c1: f64,
    /// Curvature constant `c2` in (c1, 1).
    pub c2: f64,
    /// Longest step tried.
    pub max_step: f64,
    /// Trial steps while bracketing.
    pub max_bracket: usize,
    /// Trial steps while zooming.
    pub max_zoom: usize,
}

impl Default for StrongWolfe {
    /// Hype's `StrongWolfe(lmax = 1, c1 = 1e-4, c2 = 0.5)`; 50 bracketing and 50 zoom
    /// trials.
    fn default() -> Self {
        StrongWolfe {
            c1: 1e-4,
            c2: 0.5,
            max_step: 1.0,
            max_bracket: 50,
            max_zoom: 50,
        }
    }
}

/// A trial point: step, value, directional derivative, gradient.
struct Trial<P> {
    a: f64,
    f: f64,
    d: f64,
    g: Option<P>,
}

/// The minimizer of the cubic interpolating `(a, f, d)` at both ends, kept inside the
/// middle 80% of the interval; the midpoint when the cubic is unusable.
fn interpolate(a0: f64, f0: f64, d0: f64, a1: f64, f1: f64, d1: f64) -> f64 {
    let (lo, hi) = (a0.min(a1), a0.max(a1));
    let width = hi - lo;
    let mid = 0.5 * (lo + hi);
    if !(f0.is_finite() && f1.is_finite() && d0.is_finite() && d1.is_finite()) {
        return mid;
    }
    let e1 = d0 + d1 - 3.0 * (f0 - f1) / (a0 - a1);
    let disc = e1 * e1 - d0 * d1;
    if !disc.is_finite() || disc < 0.0 {
        return mid;
    }
    let e2 = (a1 - a0).signum() * disc.sqrt();
    let a = a1 - (a1 - a0) * (d1 + e2 - e1) / (d1 - d0 + 2.0 * e2);
    if a.is_finite() && a >= lo + 0.1 * width && a <= hi - 0.1 * width {
        a
    } else {
        mid
    }
}

impl StrongWolfe {
    fn trial<P: Tangent, O: Objective<P>>(&self, f: &O, x: &P, p: &P, a: f64) -> Trial<P> {
        let (fa, ga) = f.value_and_grad(&add_scaled(x, a, p));
        let d = ga.inner(p);
        Trial {
            a,
            f: fa,
            d,
            g: Some(ga),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn zoom<P: Tangent, O: Objective<P>>(
        &self,
        f: &O,
        x: &P,
        p: &P,
        f0: f64,
        d0: f64,
        mut lo: Trial<P>,
        mut hi: Trial<P>,
    ) -> Result<LineSearchStep<P>, LineSearchError> {
        for _ in 0..self.max_zoom {
            let a = interpolate(lo.a, lo.f, lo.d, hi.a, hi.f, hi.d);
            if a == lo.a || a == hi.a {
                break;
            }
            let t = self.trial(f, x, p, a);
            if !t.f.is_finite() || !t.d.is_finite() || t.f > f0 + self.c1 * a * d0 || t.f >= lo.f {
                hi = t;
            } else {
                if t.d.abs() <= -self.c2 * d0 {
                    return Ok(LineSearchStep {
                        alpha: t.a,
                        value: t.f,
                        gradient: t.g,
                        satisfied: true,
                    });
                }
                if t.d * (hi.a - lo.a) >= 0.0 {
                    hi = lo;
                }
                lo = t;
            }
            if (hi.a - lo.a).abs() <= 1e-14 * hi.a.abs().max(lo.a.abs()) {
                break;
            }
        }
        if lo.a > 0.0 && lo.f < f0 {
            Ok(LineSearchStep {
                alpha: lo.a,
                value: lo.f,
                gradient: lo.g,
                satisfied: false,
            })
        } else {
            Err(LineSearchError::NoDecrease)
        }
    }
}

impl LineSearch for StrongWolfe {
    fn search<P: Tangent, O: Objective<P>>(
        &self,
        f: &O,
        x: &P,
        value: f64,
        g: &P,
        p: &P,
        initial: f64,
    ) -> Result<LineSearchStep<P>, LineSearchError> {
        let d0 = g.inner(p);
        if !d0.is_finite() || d0 >= 0.0 {
            return Err(LineSearchError::NotDescent);
        }
        let mut prev = Trial {
            a: 0.0,
            f: value,
            d: d0,
            g: None,
        };
        let mut a = if initial.is_finite() && initial > 0.0 {
            initial.min(self.max_step)
        } else {
            self.max_step.min(1.0)
        };
        for i in 0..self.max_bracket {
            let t = self.trial(f, x, p, a);
            if !t.f.is_finite() || !t.d.is_finite() {
                // Too long: shorten towards the last good step.
                a = prev.a + 0.5 * (a - prev.a);
                continue;
            }
            if t.f > value + self.c1 * a * d0 || (i > 0 && t.f >= prev.f) {
                return self.zoom(f, x, p, value, d0, prev, t);
            }
            if t.d.abs() <= -self.c2 * d0 {
                return Ok(LineSearchStep {
                    alpha: t.a,
                    value: t.f,
                    gradient: t.g,
                    satisfied: true,
                });
            }
            if t.d >= 0.0 {
                return self.zoom(f, x, p, value, d0, t, prev);
            }
            if a >= self.max_step {
                return Ok(LineSearchStep {
                    alpha: t.a,
                    value: t.f,
                    gradient: t.g,
                    satisfied: false,
                });
            }
            prev = t;
            a = (2.0 * a).min(self.max_step);
        }
        if prev.a > 0.0 {
            Ok(LineSearchStep {
                alpha: prev.a,
                value: prev.f,
                gradient: prev.g,
                satisfied: false,
            })
        } else {
            Err(LineSearchError::NoDecrease)
        }
    }
}
