//! The fully connected layer.

use super::Init;
use crate::{differentiable, Float, Tangent};
use ndarray::{Array1, Array2};

/// `y = x·W + b` for a batch `x` of shape `(n, I)` (rows are examples); `W` is
/// `I × O`. The sizes are part of the type, so models chain layers checked by the
/// compiler; the gradient of a `Linear` is a `Linear`. The float type `F` is `f64`
/// unless written (`Linear<784, 300, f32>`).
#[derive(Clone, Debug, PartialEq, Tangent)]
pub struct Linear<const I: usize, const O: usize, F: Float = f64> {
    /// Weights, `I × O`.
    pub w: Array2<F>,
    /// Bias, length `O`.
    pub b: Array1<F>,
}

impl<const I: usize, const O: usize, F: Float> Linear<I, O, F> {
    /// A layer with weights drawn by `init` (seeded) and zero bias.
    pub fn new(init: Init, seed: u64) -> Self {
        Linear {
            w: init.weights_as(I, O, seed),
            b: Array1::zeros(O),
        }
    }
}

/// `y = x·W` for a batch `x` of shape `(n, I)`: [`Linear`] without the bias (float
/// type `F`, `f64` unless written).
#[derive(Clone, Debug, PartialEq, Tangent)]
pub struct LinearNoBias<const I: usize, const O: usize, F: Float = f64> {
    /// Weights, `I × O`.
    pub w: Array2<F>,
}

impl<const I: usize, const O: usize, F: Float> LinearNoBias<I, O, F> {
    /// A layer with weights drawn by `init` (seeded).
    pub fn new(init: Init, seed: u64) -> Self {
        LinearNoBias {
            w: init.weights_as(I, O, seed),
        }
    }
}

impl<const I: usize, const O: usize, F: Float> Linear<I, O, F> {
    /// The forward pass. An input whose width is not `I` panics with a message naming
    /// the layer and both sizes.
    #[differentiable(order = 2)]
    pub fn forward(&self, x: &Array2<F>) -> Array2<F>
    where
        F: Float,
    {
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

impl<const I: usize, const O: usize, F: Float> LinearNoBias<I, O, F> {
    /// The forward pass. An input whose width is not `I` panics with a message naming
    /// the layer and both sizes.
    #[differentiable(order = 2)]
    pub fn forward(&self, x: &Array2<F>) -> Array2<F>
    where
        F: Float,
    {
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
