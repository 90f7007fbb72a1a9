//! The GRU (PyTorch's `nn.GRU`): with `a = x_t W_ih + b_ih` and `b = h_{t-1} W_hh +
//! b_hh` split into the gates `r, z, n` (in that order), `r = σ(a_r + b_r)`,
//! `z = σ(a_z + b_z)`, `n = tanh(a_n + r b_n)` and `h_t = (1 - z) n + z h_{t-1}`.

use super::{check_sequence, RecurrentError};
use crate::nn::Init;
use crate::{differentiable, ops, Tangent};
use ndarray::{s, Array1, Array2};

/// A GRU from `I` inputs to `H` hidden units.
#[derive(Clone, Debug, PartialEq, Tangent)]
pub struct Gru<const I: usize, const H: usize> {
    /// Input weights, `I × 3H` (gates r, z, n).
    pub w_ih: Array2<f64>,
    /// Recurrent weights, `H × 3H`.
    pub w_hh: Array2<f64>,
    /// Input bias, `3H`.
    pub b_ih: Array1<f64>,
    /// Recurrent bias, `3H`.
    pub b_hh: Array1<f64>,
}

impl<const I: usize, const H: usize> Gru<I, H> {
    /// Weights drawn by `init` (seeded), zero biases.
    pub fn new(init: Init, seed: u64) -> Self {
        Gru {
            w_ih: init.weights(I, 3 * H, seed),
            w_hh: init.weights(H, 3 * H, seed.wrapping_add(1)),
            b_ih: Array1::zeros(3 * H),
            b_hh: Array1::zeros(3 * H),
        }
    }

    /// Checks a sequence `[T, I]` (T ≥ 1) and an initial state `[1, H]`.
    pub fn check(&self, x: &Array2<f64>, h0: Option<&Array2<f64>>) -> Result<(), RecurrentError> {
        check_sequence(format!("Gru<{I}, {H}>"), I, H, x, h0.as_slice())
    }

    /// Every hidden state `[T, H]` of the sequence `x` `[T, I]` from the state `h0` `[1, H]`.
    #[differentiable(order = 2)]
    pub fn forward_from(&self, x: &Array2<f64>, h0: &Array2<f64>) -> Array2<f64> {
        let steps = x.nrows();
        let mut h = h0.to_owned();
        let mut out = Array2::zeros((steps, H));
        for t in 0..steps {
            let xt = x.slice(s![t..t + 1, ..]);
            let a = xt.dot(&self.w_ih) + &self.b_ih;
            let b = h.dot(&self.w_hh) + &self.b_hh;
            let r = ops::sigmoid(&(&a.slice(s![.., 0..H]) + &b.slice(s![.., 0..H])));
            let z = ops::sigmoid(&(&a.slice(s![.., H..2 * H]) + &b.slice(s![.., H..2 * H])));
            let n = ops::tanh(
                &(&a.slice(s![.., 2 * H..3 * H]) + &(&r * &b.slice(s![.., 2 * H..3 * H]))),
            );
            h = (1.0 - &z) * &n + &z * &h;
            for j in 0..H {
                out[[t, j]] = h[[0, j]];
            }
        }
        out
    }

    /// Every hidden state `[T, H]` of `x` `[T, I]` from the state `h0`, with
    /// backpropagation through time truncated to windows of `window` steps (≥ 1): the
    /// state entering each window (steps `window`, `2·window`, …) is a constant for the
    /// derivatives, its value unchanged, so gradients reach back at most `window` steps
    /// (`window ≥ T`: [`Self::forward_from`]). First order only: `hvp!` through
    /// `stop_gradient` in a loop gave wrong values (see ARCHITECTURE.md).
    #[differentiable]
    pub fn forward_from_truncated(
        &self,
        x: &Array2<f64>,
        h0: &Array2<f64>,
        #[constant] window: usize,
    ) -> Array2<f64> {
        let steps = x.nrows();
        let window = window.max(1);
        let mut h = h0.to_owned();
        let mut out = Array2::zeros((steps, H));
        for t in 0..steps {
            // 1 at a window's first step: the state passes through `stop_gradient`.
            let cut = if t > 0 && t % window == 0 { 1.0 } else { 0.0 };
            h = ops::stop_gradient(&h) * cut + &h * (1.0 - cut);
            let xt = x.slice(s![t..t + 1, ..]);
            let a = xt.dot(&self.w_ih) + &self.b_ih;
            let b = h.dot(&self.w_hh) + &self.b_hh;
            let r = ops::sigmoid(&(&a.slice(s![.., 0..H]) + &b.slice(s![.., 0..H])));
            let z = ops::sigmoid(&(&a.slice(s![.., H..2 * H]) + &b.slice(s![.., H..2 * H])));
            let n = ops::tanh(
                &(&a.slice(s![.., 2 * H..3 * H]) + &(&r * &b.slice(s![.., 2 * H..3 * H]))),
            );
            h = (1.0 - &z) * &n + &z * &h;
            for j in 0..H {
                out[[t, j]] = h[[0, j]];
            }
        }
        out
    }

    /// [`Self::forward_from_truncated`] from the zero state.
    #[differentiable]
    pub fn forward_truncated(&self, x: &Array2<f64>, #[constant] window: usize) -> Array2<f64> {
        let h0 = Array2::zeros((1, H));
        self.forward_from_truncated(x, &h0, window)
    }

    /// Every hidden state `[T, H]` of `x` `[T, I]` from the zero state.
    #[differentiable(order = 2)]
    pub fn forward(&self, x: &Array2<f64>) -> Array2<f64> {
        let h0 = Array2::zeros((1, H));
        self.forward_from(x, &h0)
    }
}
