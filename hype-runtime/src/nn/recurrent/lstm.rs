//! The LSTM (PyTorch's `nn.LSTM`): with `z = x_t W_ih + b_ih + h_{t-1} W_hh + b_hh`
//! split into the gates `i, f, g, o` (in that order), `c_t = σ(f) c_{t-1} + σ(i)
//! tanh(g)` and `h_t = σ(o) tanh(c_t)`.

use super::{check_sequence, RecurrentError};
use crate::nn::Init;
use crate::{differentiable, ops, Tangent};
use ndarray::{s, Array1, Array2};

/// An LSTM from `I` inputs to `H` hidden units.
#[derive(Clone, Debug, PartialEq, Tangent)]
pub struct Lstm<const I: usize, const H: usize> {
    /// Input weights, `I × 4H` (gates i, f, g, o).
    pub w_ih: Array2<f64>,
    /// Recurrent weights, `H × 4H`.
    pub w_hh: Array2<f64>,
    /// Input bias, `4H`.
    pub b_ih: Array1<f64>,
    /// Recurrent bias, `4H`.
    pub b_hh: Array1<f64>,
}

impl<const I: usize, const H: usize> Lstm<I, H> {
    /// Weights drawn by `init` (seeded), zero biases.
    pub fn new(init: Init, seed: u64) -> Self {
        Lstm {
            w_ih: init.weights(I, 4 * H, seed),
            w_hh: init.weights(H, 4 * H, seed.wrapping_add(1)),
            b_ih: Array1::zeros(4 * H),
            b_hh: Array1::zeros(4 * H),
        }
    }

    /// Checks a sequence `[T, I]` (T ≥ 1) and initial states `[1, H]`.
    pub fn check(&self, x: &Array2<f64>, states: &[&Array2<f64>]) -> Result<(), RecurrentError> {
        check_sequence(format!("Lstm<{I}, {H}>"), I, H, x, states)
    }

    /// One step: the hidden and cell states `(h_t, c_t)` (both `[1, H]`) after the
    /// input `x_t` `[1, I]` from `(h, c)`. Not differentiable: for running a trained
    /// layer one step at a time (sampling) and for carrying the states from one chunk
    /// of a long sequence to the next (truncated backpropagation through time).
    pub fn step(
        &self,
        x_t: &Array2<f64>,
        h: &Array2<f64>,
        c: &Array2<f64>,
    ) -> (Array2<f64>, Array2<f64>) {
        // Rows times matrices: gemv (a 1-row gemm would pack the whole matrix).
        let z = x_t.row(0).dot(&self.w_ih) + &self.b_ih + h.row(0).dot(&self.w_hh) + &self.b_hh;
        let z = z.insert_axis(ndarray::Axis(0));
        let i = ops::sigmoid(&z.slice(s![.., 0..H]));
        let f = ops::sigmoid(&z.slice(s![.., H..2 * H]));
        let g = ops::tanh(&z.slice(s![.., 2 * H..3 * H]));
        let o = ops::sigmoid(&z.slice(s![.., 3 * H..4 * H]));
        let c = &f * c + &i * &g;
        let h = &o * &ops::tanh(&c);
        (h, c)
    }

    /// The hidden and cell states `(h_T, c_T)` after the whole sequence `x` `[T, I]`
    /// from `(h0, c0)`: [`Self::step`] over the rows (the last row of
    /// [`Self::forward_from`] is `h_T`; `c_T` is what it does not return).
    pub fn state_after(
        &self,
        x: &Array2<f64>,
        h0: &Array2<f64>,
        c0: &Array2<f64>,
    ) -> (Array2<f64>, Array2<f64>) {
        let (mut h, mut c) = (h0.to_owned(), c0.to_owned());
        for t in 0..x.nrows() {
            (h, c) = self.step(&x.slice(s![t..t + 1, ..]).to_owned(), &h, &c);
        }
        (h, c)
    }

    /// Every hidden state `[T, H]` of the sequence `x` `[T, I]` from the hidden state
    /// `h0` and the cell state `c0` (both `[1, H]`).
    #[differentiable(order = 2)]
    pub fn forward_from(&self, x: &Array2<f64>, h0: &Array2<f64>, c0: &Array2<f64>) -> Array2<f64> {
        let steps = x.nrows();
        let mut h = h0.to_owned();
        let mut c = c0.to_owned();
        let mut out = Array2::zeros((steps, H));
        for t in 0..steps {
            let xt = x.slice(s![t..t + 1, ..]);
            let z = xt.dot(&self.w_ih) + &self.b_ih + h.dot(&self.w_hh) + &self.b_hh;
            let i = ops::sigmoid(&z.slice(s![.., 0..H]));
            let f = ops::sigmoid(&z.slice(s![.., H..2 * H]));
            let g = ops::tanh(&z.slice(s![.., 2 * H..3 * H]));
            let o = ops::sigmoid(&z.slice(s![.., 3 * H..4 * H]));
            c = &f * &c + &i * &g;
            h = &o * &ops::tanh(&c);
            for j in 0..H {
                out[[t, j]] = h[[0, j]];
            }
        }
        out
    }

    /// Every hidden state `[T, H]` of `x` `[T, I]` from the states `h0`, `c0`, with
    /// backpropagation through time truncated to windows of `window` steps (≥ 1): the
    /// hidden and cell states entering each window (steps `window`, `2·window`, …) are
    /// constants for the derivatives, their values unchanged, so gradients reach back
    /// at most `window` steps (`window ≥ T`: [`Self::forward_from`]). First order only: `hvp!` through
    /// `stop_gradient` in a loop gave wrong values (see ARCHITECTURE.md).
    #[differentiable]
    pub fn forward_from_truncated(
        &self,
        x: &Array2<f64>,
        h0: &Array2<f64>,
        c0: &Array2<f64>,
        #[constant] window: usize,
    ) -> Array2<f64> {
        let steps = x.nrows();
        let window = window.max(1);
        let mut h = h0.to_owned();
        let mut c = c0.to_owned();
        let mut out = Array2::zeros((steps, H));
        for t in 0..steps {
            // 1 at a window's first step: the states pass through `stop_gradient`.
            let cut = if t > 0 && t % window == 0 { 1.0 } else { 0.0 };
            h = ops::stop_gradient(&h) * cut + &h * (1.0 - cut);
            c = ops::stop_gradient(&c) * cut + &c * (1.0 - cut);
            let xt = x.slice(s![t..t + 1, ..]);
            let z = xt.dot(&self.w_ih) + &self.b_ih + h.dot(&self.w_hh) + &self.b_hh;
            let i = ops::sigmoid(&z.slice(s![.., 0..H]));
            let f = ops::sigmoid(&z.slice(s![.., H..2 * H]));
            let g = ops::tanh(&z.slice(s![.., 2 * H..3 * H]));
            let o = ops::sigmoid(&z.slice(s![.., 3 * H..4 * H]));
            c = &f * &c + &i * &g;
            h = &o * &ops::tanh(&c);
            for j in 0..H {
                out[[t, j]] = h[[0, j]];
            }
        }
        out
    }

    /// [`Self::forward_from_truncated`] from zero states.
    #[differentiable]
    pub fn forward_truncated(&self, x: &Array2<f64>, #[constant] window: usize) -> Array2<f64> {
        let h0 = Array2::zeros((1, H));
        let c0 = Array2::zeros((1, H));
        self.forward_from_truncated(x, &h0, &c0, window)
    }

    /// Every hidden state `[T, H]` of `x` `[T, I]` from zero states.
    #[differentiable(order = 2)]
    pub fn forward(&self, x: &Array2<f64>) -> Array2<f64> {
        let h0 = Array2::zeros((1, H));
        let c0 = Array2::zeros((1, H));
        self.forward_from(x, &h0, &c0)
    }
}
