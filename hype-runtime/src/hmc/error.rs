//! Errors of the samplers: bad input is reported, never a panic.

use std::fmt;

/// Why a sampler, an adaptation or a diagnostic refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum HmcError {
    /// Two sizes that had to agree did not (`what` names the component).
    Dimension {
        what: &'static str,
        expected: usize,
        found: usize,
    },
    /// A mass matrix (or its inverse) is not symmetric positive definite.
    NotPositiveDefinite { what: &'static str, detail: String },
    /// The log density or its gradient is not finite at a starting point.
    NonFiniteStart { chain: usize, logp: f64 },
    /// A setting is out of its range (`what` names it).
    Setting { what: &'static str, detail: String },
    /// A computation needed more draws or chains than it was given.
    TooFewDraws {
        what: &'static str,
        needed: usize,
        found: usize,
    },
}

impl fmt::Display for HmcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HmcError::Dimension {
                what,
                expected,
                found,
            } => write!(
                f,
                "hmc: {what} has dimension {found}, but the target has dimension {expected}"
            ),
            HmcError::NotPositiveDefinite { what, detail } => {
                write!(f, "hmc: the {what} is not positive definite: {detail}")
            }
            HmcError::NonFiniteStart { chain, logp } => write!(
                f,
                "hmc: chain {chain} starts where the log density or its gradient is not finite (log density {logp})"
            ),
            HmcError::Setting { what, detail } => write!(f, "hmc: {what}: {detail}"),
            HmcError::TooFewDraws {
                what,
                needed,
                found,
            } => write!(f, "hmc: {what} needs at least {needed} draws, got {found}"),
        }
    }
}

impl std::error::Error for HmcError {}
