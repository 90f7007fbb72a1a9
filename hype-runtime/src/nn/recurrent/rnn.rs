//! The Elman RNN (PyTorch's `nn.RNN` with tanh): `h_t = tanh(x_t W_ih + b_ih + h_{t-1} W_hh + b_hh)`.

use super::{check_sequence, layer_name, RecurrentError};
use crate::nn::Init;
use crate::{differentiable, ops, Float, Tangent};
use ndarray::{s, Array1, Array2};

recurrent_layer! {
    /// A tanh RNN from `I` inputs to `H` hidden units.
    Rnn, gates = 1,
    states = [h from h0],
    step(self, xt) {
        h = ops::tanh(
            &(::hype::rt::dot(&xt, &self.w_ih)
                + &self.b_ih
                + ::hype::rt::dot(&h, &self.w_hh)
                + &self.b_hh),
        );
    }
}

impl<const I: usize, const H: usize, F: Float> Rnn<I, H, F> {
    /// Checks a sequence `[T, I]` (T ≥ 1) and an initial state `[1, H]`.
    pub fn check(&self, x: &Array2<F>, h0: Option<&Array2<F>>) -> Result<(), RecurrentError> {
        check_sequence(layer_name::<F>("Rnn", I, H), I, H, x, h0.as_slice())
    }
}
