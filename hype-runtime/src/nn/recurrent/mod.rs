//! Recurrent layers over one sequence stored as an `Array2` of shape `[T, I]` (row
//! `t` is the input at step `t`), returning every hidden state as `[T, H]`: the
//! forward passes are ordinary `#[differentiable]` loops over time (rows read with
//! `slice`, states written with index writes), so backpropagation through time is
//! the transform's reverse mode over the loop. Gates follow PyTorch's `nn.RNN`,
//! `nn.LSTM` and `nn.GRU` (two biases per gate; gate order i, f, g, o and r, z, n);
//! the weights are stored transposed (`x·W`, as in [`Linear`](super::Linear)):
//! `w_ih` is PyTorch's `weight_ih_l0ᵀ`.

mod gru;
mod lstm;
mod rnn;

pub use gru::Gru;
pub use lstm::Lstm;
pub use rnn::Rnn;

use ndarray::Array2;
use std::fmt;

/// A sequence or state a recurrent layer cannot take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecurrentError {
    /// The sequence has no steps.
    Empty {
        /// The layer, e.g. `Lstm<3, 4>`.
        layer: String,
    },
    /// An array of the wrong shape.
    Shape {
        /// The layer.
        layer: String,
        /// Which argument.
        what: &'static str,
        /// Its shape.
        found: Vec<usize>,
        /// The shape the layer takes (`0`: any length).
        expected: Vec<usize>,
    },
}

impl fmt::Display for RecurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecurrentError::Empty { layer } => write!(f, "layer {layer} got an empty sequence"),
            RecurrentError::Shape {
                layer,
                what,
                found,
                expected,
            } => write!(
                f,
                "layer {layer} got {what} of shape {found:?}, expected {expected:?} (0: any)"
            ),
        }
    }
}

impl std::error::Error for RecurrentError {}

/// Checks a sequence `[T, inputs]` (T ≥ 1) and an initial state `[1, hidden]`.
pub(crate) fn check_sequence(
    layer: String,
    inputs: usize,
    hidden: usize,
    x: &Array2<f64>,
    states: &[&Array2<f64>],
) -> Result<(), RecurrentError> {
    if x.nrows() == 0 {
        return Err(RecurrentError::Empty { layer });
    }
    if x.ncols() != inputs {
        return Err(RecurrentError::Shape {
            layer,
            what: "a sequence",
            found: x.shape().to_vec(),
            expected: vec![0, inputs],
        });
    }
    for s in states {
        if s.dim() != (1, hidden) {
            return Err(RecurrentError::Shape {
                layer,
                what: "an initial state",
                found: s.shape().to_vec(),
                expected: vec![1, hidden],
            });
        }
    }
    Ok(())
}
