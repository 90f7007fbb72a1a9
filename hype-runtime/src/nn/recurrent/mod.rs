//! Recurrent layers over one sequence stored as an `Array2` of shape `[T, I]` (row
//! `t` is the input at step `t`), returning every hidden state as `[T, H]`: the
//! forward passes are ordinary `#[differentiable]` loops over time (rows read with
//! `slice`, states written with index writes), so backpropagation through time is
//! the transform's reverse mode over the loop. Gates follow PyTorch's `nn.RNN`,
//! `nn.LSTM` and `nn.GRU` (two biases per gate; gate order i, f, g, o and r, z, n);
//! the weights are stored transposed (`x·W`, as in [`Linear`](super::Linear)):
//! `w_ih` is PyTorch's `weight_ih_l0ᵀ`. Every layer is generic over its float type,
//! `f64` unless written (`Lstm<3, 4>` is `Lstm<3, 4, f64>`; `Lstm<3, 4, f32>`).

/// A recurrent layer type `$name<I, H, F>` (float type `F`, `f64` unless written): its
/// parameter struct (`w_ih` `I × gates·H`, `w_hh` `H × gates·H`, two biases of
/// `gates·H`, PyTorch's weights transposed), `new`, and its passes over a sequence,
/// `forward_from` (order 2), `forward_from_truncated` (order 1), `forward_truncated`
/// and `forward`, all from one cell: the tokens after `step` update the states from
/// the input row `$xt` (`[1, I]`) and the layer `$this` (the caller's `self`, named
/// there so that macro hygiene lets the cell see it). The first state is the hidden state the passes return, one row per step. Cells write
/// their products `::hype::rt::dot(&xt, &w)` (the primitive `dot` as derivative code
/// spells it), so that the plain passes and `step` also multiply a single row by gemv.
/// The cell is also the body of the plain `step`, generic over `F`: it writes scalars
/// as `F::one()` and a scalar minus an array as `::hype::rt::sub(&F::one(), &z)`.
macro_rules! recurrent_layer {
    (
        $(#[$doc:meta])*
        $name:ident, gates = $gates:literal,
        states = [$h:ident from $h0:ident $(, $s:ident from $s0:ident)*],
        step($this:ident, $xt:ident) { $($step:tt)* }
    ) => {
        $(#[$doc])*
        ///
        #[doc = concat!("The float type `F` is `f64` unless written (`", stringify!($name), "<I, H, f32>`).")]
        #[derive(Clone, Debug, PartialEq, Tangent)]
        pub struct $name<const I: usize, const H: usize, F: Float = f64> {
            #[doc = concat!("Input weights, `I × ", stringify!($gates), "H`.")]
            pub w_ih: Array2<F>,
            #[doc = concat!("Recurrent weights, `H × ", stringify!($gates), "H`.")]
            pub w_hh: Array2<F>,
            #[doc = concat!("Input bias, `", stringify!($gates), "H`.")]
            pub b_ih: Array1<F>,
            #[doc = concat!("Recurrent bias, `", stringify!($gates), "H`.")]
            pub b_hh: Array1<F>,
        }

        impl<const I: usize, const H: usize, F: Float> $name<I, H, F> {
            /// Weights drawn by `init` (seeded), zero biases.
            pub fn new(init: Init, seed: u64) -> Self {
                $name {
                    w_ih: init.weights_as(I, $gates * H, seed),
                    w_hh: init.weights_as(H, $gates * H, seed.wrapping_add(1)),
                    b_ih: Array1::zeros($gates * H),
                    b_hh: Array1::zeros($gates * H),
                }
            }

            /// Every hidden state `[T, H]` of the sequence `x` `[T, I]` from the initial
            /// states (each `[1, H]`).
            #[differentiable(order = 2)]
            pub fn forward_from(
                &$this,
                x: &Array2<F>,
                $h0: &Array2<F>,
                $($s0: &Array2<F>,)*
            ) -> Array2<F>
            where
                F: Float,
            {
                let steps = x.nrows();
                let mut $h = $h0.to_owned();
                $(let mut $s = $s0.to_owned();)*
                let mut out = Array2::zeros((steps, H));
                for t in 0..steps {
                    let $xt = x.slice(s![t..t + 1, ..]);
                    $($step)*
                    for j in 0..H {
                        out[[t, j]] = $h[[0, j]];
                    }
                }
                out
            }

            /// Every hidden state `[T, H]` of `x` `[T, I]` from the initial states, with
            /// backpropagation through time truncated to windows of `window` steps (≥ 1):
            /// the states entering each window (steps `window`, `2·window`, …) are
            /// constants for the derivatives, their values unchanged, so gradients reach
            /// back at most `window` steps (`window ≥ T`: [`Self::forward_from`]). First
            /// order only: `hvp!` through `stop_gradient` in a loop gave wrong values
            /// (see ARCHITECTURE.md).
            #[differentiable]
            pub fn forward_from_truncated(
                &$this,
                x: &Array2<F>,
                $h0: &Array2<F>,
                $($s0: &Array2<F>,)*
                #[constant] window: usize,
            ) -> Array2<F>
            where
                F: Float,
            {
                let steps = x.nrows();
                let window = window.max(1);
                let mut $h = $h0.to_owned();
                $(let mut $s = $s0.to_owned();)*
                let mut out = Array2::zeros((steps, H));
                for t in 0..steps {
                    // 1 at a window's first step: the states pass through `stop_gradient`.
                    let cut = if t > 0 && t % window == 0 { F::one() } else { F::zero() };
                    $h = ops::stop_gradient(&$h) * cut + &$h * (F::one() - cut);
                    $($s = ops::stop_gradient(&$s) * cut + &$s * (F::one() - cut);)*
                    let $xt = x.slice(s![t..t + 1, ..]);
                    $($step)*
                    for j in 0..H {
                        out[[t, j]] = $h[[0, j]];
                    }
                }
                out
            }

            /// [`Self::forward_from_truncated`] from zero states.
            #[differentiable]
            pub fn forward_truncated(
                &$this,
                x: &Array2<F>,
                #[constant] window: usize,
            ) -> Array2<F>
            where
                F: Float,
            {
                let $h0 = Array2::zeros((1, H));
                $(let $s0 = Array2::zeros((1, H));)*
                $this.forward_from_truncated(x, &$h0, $(&$s0,)* window)
            }

            /// Every hidden state `[T, H]` of `x` `[T, I]` from zero states.
            #[differentiable(order = 2)]
            pub fn forward(&$this, x: &Array2<F>) -> Array2<F>
            where
                F: Float,
            {
                let $h0 = Array2::zeros((1, H));
                $(let $s0 = Array2::zeros((1, H));)*
                $this.forward_from(x, &$h0, $(&$s0,)*)
            }
            /// One step, not differentiable: the states after the input row `x_t`
            /// (`[1, I]`) from the given states (each `[1, H]`), for running a trained
            /// layer one step at a time (sampling) and for carrying the states from one
            /// chunk of a long sequence to the next (truncated backpropagation through time).
            #[allow(unused_parens)] // one state: `(h)`
            pub fn step(
                &$this,
                x_t: &Array2<F>,
                $h0: &Array2<F>,
                $($s0: &Array2<F>,)*
            ) -> (Array2<F> $(, recurrent_layer!(@array $s))*) {
                let $xt = x_t;
                let mut $h = $h0.to_owned();
                $(let mut $s = $s0.to_owned();)*
                $($step)*
                ($h $(, $s)*)
            }

            /// The states after the whole sequence `x` `[T, I]` from the given ones:
            /// [`Self::step`] over the rows (the first is the last row of
            /// [`Self::forward_from`]; the others are what it does not return).
            #[allow(unused_parens)] // one state: `(h)`
            pub fn state_after(
                &$this,
                x: &Array2<F>,
                $h0: &Array2<F>,
                $($s0: &Array2<F>,)*
            ) -> (Array2<F> $(, recurrent_layer!(@array $s))*) {
                let mut $h = $h0.to_owned();
                $(let mut $s = $s0.to_owned();)*
                for t in 0..x.nrows() {
                    let x_t = x.slice(s![t..t + 1, ..]).to_owned();
                    ($h $(, $s)*) = $this.step(&x_t, &$h, $(&$s,)*);
                }
                ($h $(, $s)*)
            }
        }
    };
    (@array $s:ident) => { Array2<F> };
}

mod gru;
mod lstm;
mod rnn;

pub use gru::Gru;
pub use lstm::Lstm;
pub use rnn::Rnn;

use crate::Float;
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

/// The layer's type as written, `Lstm<3, 4>` in `f64` (the default) and `Lstm<3, 4, f32>`.
pub(crate) fn layer_name<F: Float>(kind: &str, inputs: usize, hidden: usize) -> String {
    match std::any::type_name::<F>() {
        "f64" => format!("{kind}<{inputs}, {hidden}>"),
        float => format!("{kind}<{inputs}, {hidden}, {float}>"),
    }
}

/// Checks a sequence `[T, inputs]` (T ≥ 1) and an initial state `[1, hidden]`.
pub(crate) fn check_sequence<F>(
    layer: String,
    inputs: usize,
    hidden: usize,
    x: &Array2<F>,
    states: &[&Array2<F>],
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
