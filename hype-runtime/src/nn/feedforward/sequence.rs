//! Recurrent layers inside a [`FeedForward`](super::FeedForward): [`Layer::Sequence`].
//!
//! A `FeedForward` maps rows to rows, and a recurrent layer maps the rows of one
//! sequence `[T, I]` (row `t` is step `t`) to its hidden states `[T, H]`; every other
//! layer acts on each row alone, so a `FeedForward` holding a recurrent layer takes one
//! sequence, and the layers after it act on each step's hidden state. The sizes of
//! [`Rnn`], [`Lstm`] and [`Gru`] are in their types, so the enum holds them behind the
//! object-safe trait [`SequenceLayer`]; its derivatives are the layers' generated code
//! (`forward__fwd`, `forward__rev`, and at order 2 `forward__dir__fwd`,
//! `forward__dir__rev`): nothing here is a hand-written derivative.

use super::Layer;
use crate::nn::recurrent::{layer_name, Gru, Lstm, RecurrentError, Rnn};
use crate::rt::Val;
use crate::tangent::Tangent;
use crate::Float;
use ndarray::Array2;
use std::any::Any;
use std::fmt;

/// An output and its tangent.
type WithTangent<F> = (Array2<F>, Array2<F>);

/// A recurrent layer as a [`FeedForward`](super::FeedForward) holds it: one sequence
/// `[T, I]` in, every hidden state `[T, H]` out, from zero states. Implemented for
/// [`Rnn`], [`Lstm`] and [`Gru`] in the float type `F` of the
/// [`FeedForward`](super::FeedForward) holding the layer; the tangent and cotangent
/// of a layer are layers of the same type (the `&dyn SequenceLayer<F>` arguments must
/// be, or the call panics naming both).
pub trait SequenceLayer<F: Float = f64>: fmt::Debug + Send + Sync {
    /// The layer's name with its sizes, e.g. `Lstm<3, 4>` (`Lstm<3, 4, f32>` in `f32`).
    fn describe(&self) -> String;
    /// `(inputs, hidden units)`.
    fn sizes(&self) -> (usize, usize);
    /// An error naming the layer and both shapes unless `x` is a non-empty `[T, I]`.
    fn check(&self, x: &Array2<F>) -> Result<(), RecurrentError>;
    /// Every hidden state `[T, H]` of `x` from zero states.
    fn forward(&self, x: &Array2<F>) -> Array2<F>;
    /// The output and its tangent along the layer tangent `dl` and the input tangent `dx`
    /// (the generated forward mode).
    fn forward_jvp(
        &self,
        x: &Array2<F>,
        dl: &dyn SequenceLayer<F>,
        dx: &Array2<F>,
    ) -> WithTangent<F>;
    /// The cotangents of the layer and of `x` for the output cotangent `gy` (the
    /// generated reverse mode; it runs the forward sweep itself).
    fn forward_vjp(&self, x: &Array2<F>, gy: &Array2<F>) -> (Box<dyn SequenceLayer<F>>, Array2<F>);
    /// Forward mode over the directional derivative `(y, dy)` of [`Self::forward_jvp`]:
    /// `((y, dy), (ẏ, dẏ))` for the tangents `tl`, `tx`, `tdl`, `tdx` of the layer, `x`,
    /// `dl`, `dx`.
    #[allow(clippy::too_many_arguments)] // one tangent per argument, by convention
    fn forward_dir_jvp(
        &self,
        x: &Array2<F>,
        dl: &dyn SequenceLayer<F>,
        dx: &Array2<F>,
        tl: &dyn SequenceLayer<F>,
        tx: &Array2<F>,
        tdl: &dyn SequenceLayer<F>,
        tdx: &Array2<F>,
    ) -> (WithTangent<F>, WithTangent<F>);
    /// Reverse mode over `(y, dy)`: the cotangents of the layer, `x`, `dl` and `dx`
    /// for the cotangents `(gy, gdy)`.
    #[allow(clippy::type_complexity)]
    fn forward_dir_vjp(
        &self,
        x: &Array2<F>,
        dl: &dyn SequenceLayer<F>,
        dx: &Array2<F>,
        g: &WithTangent<F>,
    ) -> (
        Box<dyn SequenceLayer<F>>,
        Array2<F>,
        Box<dyn SequenceLayer<F>>,
        Array2<F>,
    );
    /// A boxed copy.
    fn clone_box(&self) -> Box<dyn SequenceLayer<F>>;
    /// For downcasting to the concrete layer.
    fn as_any(&self) -> &dyn Any;
    /// A layer of the same type with every parameter zero.
    fn zero_box(&self) -> Box<dyn SequenceLayer<F>>;
    /// `self *= a`.
    fn scale(&mut self, a: f64);
    /// `self += a x`.
    fn axpy(&mut self, a: f64, x: &dyn SequenceLayer<F>);
    /// The inner product of the parameters.
    fn inner(&self, other: &dyn SequenceLayer<F>) -> f64;
    /// The number of parameters.
    fn flat_len(&self) -> usize;
    /// Appends the parameters to `out`.
    fn write_flat(&self, out: &mut Vec<f64>);
    /// A layer of the same type read from `flat` at `*pos`.
    fn read_flat(&self, flat: &[f64], pos: &mut usize) -> Box<dyn SequenceLayer<F>>;
    /// Equal type and parameters.
    fn eq_dyn(&self, other: &dyn SequenceLayer<F>) -> bool;
}

impl<F: Float> Clone for Box<dyn SequenceLayer<F>> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

impl<F: Float> PartialEq for Box<dyn SequenceLayer<F>> {
    fn eq(&self, other: &Self) -> bool {
        self.eq_dyn(other.as_ref())
    }
}

/// `x` as the concrete layer type `T`, or a panic naming `op` and both layers.
#[track_caller]
fn same<'a, T: 'static, F: Float>(
    op: &str,
    layer: &dyn SequenceLayer<F>,
    x: &'a dyn SequenceLayer<F>,
) -> &'a T {
    x.as_any().downcast_ref::<T>().unwrap_or_else(|| {
        panic!(
            "hype: `{op}` of the layer {} with {}, which differ (tangents of a layer are layers of its type)",
            layer.describe(),
            x.describe()
        )
    })
}

/// [`SequenceLayer`] for a recurrent layer type whose `forward(&self, x)` is
/// `#[differentiable(order = 2)]` and whose `check(x, ..)` takes its initial states
/// as the second argument.
macro_rules! sequence_layer {
    ($name:ident, $no_states:expr) => {
        impl<const I: usize, const H: usize, F: Float> SequenceLayer<F> for $name<I, H, F>
        where
            for<'r> &'r F: Val<V = F>,
        {
            fn describe(&self) -> String {
                layer_name::<F>(stringify!($name), I, H)
            }
            fn sizes(&self) -> (usize, usize) {
                (I, H)
            }
            fn check(&self, x: &Array2<F>) -> Result<(), RecurrentError> {
                $name::check(self, x, $no_states)
            }
            fn forward(&self, x: &Array2<F>) -> Array2<F> {
                $name::forward(self, x)
            }
            fn forward_jvp(
                &self,
                x: &Array2<F>,
                dl: &dyn SequenceLayer<F>,
                dx: &Array2<F>,
            ) -> WithTangent<F> {
                let dl: &Self = same("forward_jvp", self, dl);
                self.forward__fwd(x, dl, dx)
            }
            fn forward_vjp(
                &self,
                x: &Array2<F>,
                gy: &Array2<F>,
            ) -> (Box<dyn SequenceLayer<F>>, Array2<F>) {
                let (_, pullback) = self.forward__rev(x, [true, true]);
                let (gl, gx) = pullback(gy);
                (Box::new(gl), gx)
            }
            fn forward_dir_jvp(
                &self,
                x: &Array2<F>,
                dl: &dyn SequenceLayer<F>,
                dx: &Array2<F>,
                tl: &dyn SequenceLayer<F>,
                tx: &Array2<F>,
                tdl: &dyn SequenceLayer<F>,
                tdx: &Array2<F>,
            ) -> (WithTangent<F>, WithTangent<F>) {
                let dl: &Self = same("forward_dir_jvp", self, dl);
                let tl: &Self = same("forward_dir_jvp", self, tl);
                let tdl: &Self = same("forward_dir_jvp", self, tdl);
                self.forward__dir__fwd(x, dl, dx, tl, tx, tdl, tdx)
            }
            fn forward_dir_vjp(
                &self,
                x: &Array2<F>,
                dl: &dyn SequenceLayer<F>,
                dx: &Array2<F>,
                g: &WithTangent<F>,
            ) -> (
                Box<dyn SequenceLayer<F>>,
                Array2<F>,
                Box<dyn SequenceLayer<F>>,
                Array2<F>,
            ) {
                let dl: &Self = same("forward_dir_vjp", self, dl);
                let (_, pullback) = self.forward__dir__rev(x, dl, dx, [true; 4]);
                let (gl, gx, gdl, gdx) = pullback(g);
                (Box::new(gl), gx, Box::new(gdl), gdx)
            }
            fn clone_box(&self) -> Box<dyn SequenceLayer<F>> {
                Box::new(self.clone())
            }
            fn as_any(&self) -> &dyn Any {
                self
            }
            fn zero_box(&self) -> Box<dyn SequenceLayer<F>> {
                Box::new(Tangent::zero_like(self))
            }
            fn scale(&mut self, a: f64) {
                Tangent::scale(self, a);
            }
            fn axpy(&mut self, a: f64, x: &dyn SequenceLayer<F>) {
                let x: &Self = same("axpy", self, x);
                Tangent::axpy(self, a, x);
            }
            fn inner(&self, other: &dyn SequenceLayer<F>) -> f64 {
                Tangent::inner(self, same::<Self, F>("inner", self, other))
            }
            fn flat_len(&self) -> usize {
                Tangent::flat_len(self)
            }
            fn write_flat(&self, out: &mut Vec<f64>) {
                Tangent::write_flat(self, out);
            }
            fn read_flat(&self, flat: &[f64], pos: &mut usize) -> Box<dyn SequenceLayer<F>> {
                Box::new(Tangent::read_flat(self, flat, pos))
            }
            fn eq_dyn(&self, other: &dyn SequenceLayer<F>) -> bool {
                other.as_any().downcast_ref::<Self>() == Some(self)
            }
        }

        impl<const I: usize, const H: usize, F: Float> From<$name<I, H, F>> for Layer<F>
        where
            for<'r> &'r F: Val<V = F>,
        {
            fn from(l: $name<I, H, F>) -> Self {
                Layer::Sequence(Box::new(l))
            }
        }
    };
}

sequence_layer!(Rnn, None);
sequence_layer!(Lstm, &[]);
sequence_layer!(Gru, None);
