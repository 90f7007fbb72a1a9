//! Nonlinear conjugate gradient: `p' = -g' + β p` with the β of Hestenes–Stiefel,
//! Fletcher–Reeves, Dai–Yuan or Fletcher's conjugate descent, and restarts.
//!
//! The formulas are Hype's (`Method.Func` in `Optimize.fs`) and the papers': with
//! `y = g' - g`,
//!
//! | variant | β |
//! |---|---|
//! | Hestenes–Stiefel (1952) | `<g', y> / <p, y>` |
//! | Fletcher–Reeves (1964) | `<g', g'> / <g, g>` |
//! | Dai–Yuan (1999) | `<g', g'> / <p, y>` |
//! | conjugate descent (Fletcher 1987) | `<g', g'> / -<p, g>` |
//!
//! Restarts (`p = -g`) happen every `restart_every` directions, when β is not finite,
//! when `p'` is not a descent direction, and when consecutive gradients are far from
//! orthogonal (Powell 1977: `|<g', g>| >= 0.2 <g', g'>`).

use super::direction::SearchDirection;
use super::objective::Objective;
use super::params::CgVariant;
use super::vector::{add_scaled, neg};
use crate::tangent::Tangent;

/// Powell's restart threshold on `|<g', g>| / <g', g'>`.
pub const POWELL_THRESHOLD: f64 = 0.2;

/// β of `variant` from the new gradient `g_new`, the previous gradient `g_old` and the
/// previous direction `p_old`.
pub fn beta<P: Tangent>(variant: CgVariant, g_new: &P, g_old: &P, p_old: &P) -> f64 {
    let gg_new = g_new.inner(g_new);
    let py = || p_old.inner(g_new) - p_old.inner(g_old);
    match variant {
        CgVariant::HestenesStiefel => (gg_new - g_new.inner(g_old)) / py(),
        CgVariant::FletcherReeves => gg_new / g_old.inner(g_old),
        CgVariant::DaiYuan => gg_new / py(),
        CgVariant::ConjugateDescent => gg_new / -p_old.inner(g_old),
    }
}

/// The conjugate direction `-g_new + β p_old` (no restart test).
pub fn direction<P: Tangent>(variant: CgVariant, g_new: &P, g_old: &P, p_old: &P) -> P {
    let b = beta(variant, g_new, g_old, p_old);
    add_scaled(&neg(g_new), b, p_old)
}

/// Nonlinear conjugate gradient with restarts.
#[derive(Clone, Debug)]
pub struct NonlinearCg<P> {
    variant: CgVariant,
    restart_every: usize,
    since_restart: usize,
    previous: Option<(P, P)>,
    restarts: usize,
}

impl<P> NonlinearCg<P> {
    /// CG of `variant`, restarted at least every `restart_every` directions.
    pub fn new(variant: CgVariant, restart_every: usize) -> Self {
        NonlinearCg {
            variant,
            restart_every: restart_every.max(1),
            since_restart: 0,
            previous: None,
            restarts: 0,
        }
    }

    /// How many times the method restarted with steepest descent (after the first
    /// direction).
    pub fn restarts(&self) -> usize {
        self.restarts
    }
}

impl<P: Tangent> SearchDirection<P> for NonlinearCg<P> {
    fn name(&self) -> &'static str {
        match self.variant {
            CgVariant::HestenesStiefel => "conjugate gradient (Hestenes-Stiefel)",
            CgVariant::FletcherReeves => "conjugate gradient (Fletcher-Reeves)",
            CgVariant::DaiYuan => "conjugate gradient (Dai-Yuan)",
            CgVariant::ConjugateDescent => "conjugate descent",
        }
    }

    fn direction<O: Objective<P>>(&mut self, _f: &O, _x: &P, g: &P) -> P {
        let conjugate = match &self.previous {
            None => None,
            Some(_) if self.since_restart >= self.restart_every => None,
            Some((g_old, p_old)) => {
                let gg = g.inner(g);
                if g.inner(g_old).abs() >= POWELL_THRESHOLD * gg {
                    None
                } else {
                    let b = beta(self.variant, g, g_old, p_old);
                    let p = add_scaled(&neg(g), b, p_old);
                    (b.is_finite() && p.inner(g) < 0.0).then_some(p)
                }
            }
        };
        let p = match conjugate {
            Some(p) => {
                self.since_restart += 1;
                p
            }
            None => {
                if self.previous.is_some() {
                    self.restarts += 1;
                }
                self.since_restart = 1;
                neg(g)
            }
        };
        self.previous = Some((g.clone(), p.clone()));
        p
    }

    fn restart(&mut self) {
        // minimize replaces the current direction by -g: remember that one.
        if let Some((g, p)) = &mut self.previous {
            *p = neg(g);
            self.restarts += 1;
        }
        self.since_restart = 1;
    }
}
