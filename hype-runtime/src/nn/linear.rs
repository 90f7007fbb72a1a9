//! The fully connected layer.

use super::Init;
use crate::{differentiable, Tangent};
use ndarray::{Array1, Array2};

/// `y = x·W + b` for a batch `x` of shape `(n, I)` (rows are examples); `W` is
/// `I × O`. The sizes are part of the type, so models chain layers checked by the
/// compiler; the gradient of a `Linear` is a `Linear`.
#[derive(Clone, Debug, PartialEq, Tangent)]
pub struct Linear<const I: usize, const O: usize> {
    /// Weights, `I × O`.
    pub w: Array2<f64>,
    /// Bias, length `O`.
    pub b: Array1<f64>,
}

impl<const I: usize, const O: usize> Linear<I, O> {
    /// A layer with weights drawn by `init` (seeded) and zero bias.
    pub fn new(init: Init, seed: u64) -> Self {
        Linear {
            w: init.weights(I, O, seed),
            b: Array1::zeros(O),
        }
    }

    /// The forward pass. An input whose width is not `I` panics with a message naming
    /// the layer and both sizes.
    #[differentiable(order = 2)]
    pub fn forward(&self, x: &Array2<f64>) -> Array2<f64> {
        assert!(
            x.ncols() == I,
            "hype: layer Linear<{}, {}> got an input with {} columns, expected {}",
            I,
            O,
            x.ncols(),
            I
        );
        x.dot(&self.w) + &self.b
    }
}

/// `y = x·W` for a batch `x` of shape `(n, I)`: [`Linear`] without the bias.
#[derive(Clone, Debug, PartialEq, Tangent)]
pub struct LinearNoBias<const I: usize, const O: usize> {
    /// Weights, `I × O`.
    pub w: Array2<f64>,
}

impl<const I: usize, const O: usize> LinearNoBias<I, O> {
    /// A layer with weights drawn by `init` (seeded).
    pub fn new(init: Init, seed: u64) -> Self {
        LinearNoBias {
            w: init.weights(I, O, seed),
        }
    }

    /// The forward pass. An input whose width is not `I` panics with a message naming
    /// the layer and both sizes.
    #[differentiable(order = 2)]
    pub fn forward(&self, x: &Array2<f64>) -> Array2<f64> {
        assert!(
            x.ncols() == I,
            "hype: layer LinearNoBias<{}, {}> got an input with {} columns, expected {}",
            I,
            O,
            x.ncols(),
            I
        );
        x.dot(&self.w)
    }
}
