//! The line-search interface: a step length along a descent direction, chosen by
//! looking at the objective (Armijo backtracking in [`backtracking`](super::backtracking),
//! strong Wolfe in [`strong_wolfe`](super::strong_wolfe)).

use super::objective::Objective;
use crate::tangent::Tangent;
use std::fmt;

/// An accepted step length.
#[derive(Clone, Debug, PartialEq)]
pub struct LineSearchStep<P> {
    /// The step length α.
    pub alpha: f64,
    /// `f(x + α p)`.
    pub value: f64,
    /// `∇f(x + α p)` when the search computed it (strong Wolfe does).
    pub gradient: Option<P>,
    /// Whether every condition of the search holds at α (else α is a best effort that
    /// satisfies sufficient decrease only).
    pub satisfied: bool,
}

/// Why a line search found no step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineSearchError {
    /// `<g, p> >= 0`: the direction does not descend.
    NotDescent,
    /// No trial step decreased the objective enough (often: at the resolution limit of
    /// floating point near a minimum).
    NoDecrease,
}

impl fmt::Display for LineSearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineSearchError::NotDescent => {
                write!(f, "the search direction is not a descent direction")
            }
            LineSearchError::NoDecrease => {
                write!(f, "no step length decreased the objective enough")
            }
        }
    }
}

impl std::error::Error for LineSearchError {}

/// A line search along `p` from `x`, where `f(x) = value` and `∇f(x) = g`, trying
/// `initial` first.
pub trait LineSearch {
    fn search<P: Tangent, O: Objective<P>>(
        &self,
        f: &O,
        x: &P,
        value: f64,
        g: &P,
        p: &P,
        initial: f64,
    ) -> Result<LineSearchStep<P>, LineSearchError>;
}
