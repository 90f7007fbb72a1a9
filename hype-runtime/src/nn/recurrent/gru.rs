//! The GRU (PyTorch's `nn.GRU`): with `a = x_t W_ih + b_ih` and `b = h_{t-1} W_hh +
//! b_hh` split into the gates `r, z, n` (in that order), `r = σ(a_r + b_r)`,
//! `z = σ(a_z + b_z)`, `n = tanh(a_n + r b_n)` and `h_t = (1 - z) n + z h_{t-1}`.

use super::{check_sequence, layer_name, RecurrentError};
use crate::nn::Init;
use crate::{differentiable, ops, Float, Tangent};
use ndarray::{s, Array1, Array2};

recurrent_layer! {
    /// A GRU from `I` inputs to `H` hidden units (gates r, z, n).
    Gru, gates = 3,
    states = [h from h0],
    step(self, xt) {
        let a = ::hype::rt::dot(&xt, &self.w_ih) + &self.b_ih;
        let b = ::hype::rt::dot(&h, &self.w_hh) + &self.b_hh;
        let r = ops::sigmoid(&(&a.slice(s![.., 0..H]) + &b.slice(s![.., 0..H])));
        let z = ops::sigmoid(&(&a.slice(s![.., H..2 * H]) + &b.slice(s![.., H..2 * H])));
        let n = ops::tanh(
            &(&a.slice(s![.., 2 * H..3 * H]) + &(&r * &b.slice(s![.., 2 * H..3 * H]))),
        );
        // `rt::sub`: a scalar minus an array, in plain code too (ndarray has no `F - &Array`).
        h = ::hype::rt::sub(&F::one(), &z) * &n + &z * &h;
    }
}

impl<const I: usize, const H: usize, F: Float> Gru<I, H, F> {
    /// Checks a sequence `[T, I]` (T ≥ 1) and an initial state `[1, H]`.
    pub fn check(&self, x: &Array2<F>, h0: Option<&Array2<F>>) -> Result<(), RecurrentError> {
        check_sequence(layer_name::<F>("Gru", I, H), I, H, x, h0.as_slice())
    }
}
