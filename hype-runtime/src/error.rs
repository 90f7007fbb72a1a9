//! Errors of the runtime.

use std::fmt;

/// Errors returned by fallible runtime functions (rebuilding a value from a flat vector,
/// reading data files, ...). Shape errors inside differentiated code panic instead, with
/// a message that names the op and both shapes (see [`crate::rt::shape_panic`]).
#[derive(Debug, Clone, PartialEq)]
pub enum HypeError {
    /// A flat vector did not have the length the template value needs.
    FlatLength { expected: usize, found: usize },
    /// Two shapes that had to agree did not.
    Shape {
        op: &'static str,
        left: Vec<usize>,
        right: Vec<usize>,
    },
}

impl fmt::Display for HypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HypeError::FlatLength { expected, found } => write!(
                f,
                "cannot rebuild a value of {expected} scalars from a flat vector of length {found}"
            ),
            HypeError::Shape { op, left, right } => {
                write!(f, "`{op}`: shapes {left:?} and {right:?} do not match")
            }
        }
    }
}

impl std::error::Error for HypeError {}
