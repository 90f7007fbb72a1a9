//! Limited-memory BFGS (Nocedal 1980; Liu & Nocedal 1989).
//!
//! The direction `p = -H g` applies the inverse-Hessian approximation built from the
//! last `memory` curvature pairs `(s, y) = (x' - x, g' - g)` by the two-loop recursion
//! (Nocedal & Wright, Algorithm 7.4), with the initial scaling `H₀ = <s, y> / <y, y> I`
//! of the newest pair. A pair is stored only when `<s, y> > 1e-10 |s| |y|` (the
//! curvature condition, which a strong Wolfe line search guarantees), so `H` stays
//! positive definite.

use super::direction::SearchDirection;
use super::objective::Objective;
use super::vector::{add_scaled, lincomb, neg, norm};
use crate::tangent::Tangent;
use std::collections::VecDeque;

/// One curvature pair `(s, y, 1 / <s, y>)`.
#[derive(Clone, Debug, PartialEq)]
pub struct CurvaturePair<P> {
    pub s: P,
    pub y: P,
    pub rho: f64,
}

/// The pair `(x_new - x_old, g_new - g_old)` when it satisfies the curvature condition.
pub fn curvature_pair<P: Tangent>(
    x_old: &P,
    x_new: &P,
    g_old: &P,
    g_new: &P,
) -> Option<CurvaturePair<P>> {
    let s = lincomb(1.0, x_new, -1.0, x_old);
    let y = lincomb(1.0, g_new, -1.0, g_old);
    let sy = s.inner(&y);
    (sy.is_finite() && sy > 1e-10 * norm(&s) * norm(&y)).then(|| CurvaturePair {
        s,
        y,
        rho: 1.0 / sy,
    })
}

/// The two-loop recursion: `-H g` for the pairs (oldest first); `-g` without pairs.
pub fn two_loop<P: Tangent>(g: &P, pairs: &VecDeque<CurvaturePair<P>>) -> P {
    let mut q = g.clone();
    let mut alphas = Vec::with_capacity(pairs.len());
    for pair in pairs.iter().rev() {
        let a = pair.rho * pair.s.inner(&q);
        q.axpy(-a, &pair.y);
        alphas.push(a);
    }
    if let Some(newest) = pairs.back() {
        q.scale(1.0 / (newest.rho * newest.y.inner(&newest.y)));
    }
    for (pair, a) in pairs.iter().zip(alphas.iter().rev()) {
        let b = pair.rho * pair.y.inner(&q);
        q = add_scaled(&q, a - b, &pair.s);
    }
    neg(&q)
}

/// L-BFGS with memory `m`.
#[derive(Clone, Debug)]
pub struct Lbfgs<P> {
    memory: usize,
    pairs: VecDeque<CurvaturePair<P>>,
    previous: Option<(P, P)>,
}

impl<P> Lbfgs<P> {
    /// L-BFGS keeping the last `memory` pairs.
    pub fn new(memory: usize) -> Self {
        Lbfgs {
            memory: memory.max(1),
            pairs: VecDeque::new(),
            previous: None,
        }
    }

    /// The stored curvature pairs, oldest first.
    pub fn pairs(&self) -> &VecDeque<CurvaturePair<P>> {
        &self.pairs
    }
}

impl<P: Tangent> SearchDirection<P> for Lbfgs<P> {
    fn name(&self) -> &'static str {
        "L-BFGS"
    }

    fn direction<O: Objective<P>>(&mut self, _f: &O, x: &P, g: &P) -> P {
        if let Some((x_old, g_old)) = &self.previous {
            if let Some(pair) = curvature_pair(x_old, x, g_old, g) {
                if self.pairs.len() == self.memory {
                    self.pairs.pop_front();
                }
                self.pairs.push_back(pair);
            }
        }
        self.previous = Some((x.clone(), g.clone()));
        let p = two_loop(g, &self.pairs);
        if p.inner(g) < 0.0 {
            p
        } else {
            self.pairs.clear();
            neg(g)
        }
    }

    fn restart(&mut self) {
        self.pairs.clear();
    }

    fn natural_step(&self) -> bool {
        !self.pairs.is_empty()
    }
}
