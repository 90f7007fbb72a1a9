//! The LSTM (PyTorch's `nn.LSTM`): with `z = x_t W_ih + b_ih + h_{t-1} W_hh + b_hh`
//! split into the gates `i, f, g, o` (in that order), `c_t = σ(f) c_{t-1} + σ(i)
//! tanh(g)` and `h_t = σ(o) tanh(c_t)`.

use super::{check_sequence, layer_name, RecurrentError};
use crate::nn::Init;
use crate::{differentiable, ops, Float, Tangent};
use ndarray::{s, Array1, Array2};

recurrent_layer! {
    /// An LSTM from `I` inputs to `H` hidden units (gates i, f, g, o); its states are
    /// the hidden state `h` and the cell state `c`, in that order.
    Lstm, gates = 4,
    states = [h from h0, c from c0],
    step(self, xt) {
        let z = ::hype::rt::dot(&xt, &self.w_ih)
            + &self.b_ih
            + ::hype::rt::dot(&h, &self.w_hh)
            + &self.b_hh;
        let i = ops::sigmoid(&z.slice(s![.., 0..H]));
        let f = ops::sigmoid(&z.slice(s![.., H..2 * H]));
        let g = ops::tanh(&z.slice(s![.., 2 * H..3 * H]));
        let o = ops::sigmoid(&z.slice(s![.., 3 * H..4 * H]));
        c = &f * &c + &i * &g;
        h = &o * &ops::tanh(&c);
    }
}

impl<const I: usize, const H: usize, F: Float> Lstm<I, H, F> {
    /// Checks a sequence `[T, I]` (T ≥ 1) and initial states `[1, H]`.
    pub fn check(&self, x: &Array2<F>, states: &[&Array2<F>]) -> Result<(), RecurrentError> {
        check_sequence(layer_name::<F>("Lstm", I, H), I, H, x, states)
    }
}
