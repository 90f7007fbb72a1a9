//! `FeedForward`: a network whose layers are chosen at run time (Hype's
//! `FeedForward` with `Add`, `Insert`, `Remove`).
//!
//! The layers are a `Vec` of the [`Layer`] enum. `#[differentiable]` cannot see
//! through a `match` that binds the parts of an enum, so the forward pass has
//! hand-written rules (forward mode [`FeedForward::forward_jvp`], reverse mode
//! [`FeedForward::forward_vjp`]) attached with `#[custom_rule]`: inside differentiable
//! code, `m.forward(x)` is differentiated with respect to both the parameters and the
//! input like any generated method. The gradient of a `FeedForward` is a
//! `FeedForward` of the same layers (activations carry no parameters). Its
//! directional derivative `forward__dir` has hand-written rules too
//! (`second_order.rs`), so `#[differentiable(order = 2)]` losses through it have
//! `hvp!` and `hessian!`.
//!
//! Sizes are checked when layers are added, inserted or removed (the error names both
//! layers and both sizes), and when an input is given (the panic names the layer).
//!
//! Recurrent layers ([`Layer::Sequence`], `sequence.rs`) take the rows of their input
//! as the steps of one sequence; their derivatives are their generated code.
//!
//! The float type `F` of `FeedForward<F>` and `Layer<F>` is `f64` unless written:
//! `FeedForward::new`, `from_layers`, `Layer::linear` and `FeedForward::loss_fn` are
//! the `f64` ones (so that untyped uses keep inferring `f64`); `FeedForward::<f32>::default()`,
//! [`FeedForward::from_layers_as`], [`Layer::linear_as`] and [`FeedForward::loss_fn_as`]
//! build and train an `f32` network, recurrent layers included (`Lstm<3, 4, f32>`).

mod second_order;
mod sequence;

pub use sequence::SequenceLayer;

use super::Init;
use super::{Linear, LinearNoBias, Loss};
use crate::rt::Val;
use crate::tangent::{HasTangent, Tangent};
use crate::Float;
use hype_macros::custom_rule;
use ndarray::{Array1, Array2, ArrayView2, Axis};
use std::fmt;

/// An elementwise activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    Identity,
    Tanh,
    Sigmoid,
    Relu,
    /// `ln(1 + e^z)`.
    Softplus,
}

impl Activation {
    fn apply<F: Float>(self, z: &Array2<F>) -> Array2<F> {
        match self {
            Activation::Identity => z.clone(),
            // The runtime's vectorized kernels (`crate::kernels`).
            Activation::Tanh => crate::rt::tanh(z),
            Activation::Sigmoid => crate::ops::sigmoid(z),
            Activation::Relu => z.mapv(|v| v.max(F::zero())),
            Activation::Softplus => crate::ops::softplus(z),
        }
    }

    /// `f'(z)` elementwise, from the input `z` and the output `y`.
    fn derivative<F: Float>(self, z: &Array2<F>, y: &Array2<F>) -> Array2<F> {
        match self {
            Activation::Identity => Array2::ones(z.raw_dim()),
            Activation::Tanh => y.mapv(|t| F::one() - t * t),
            Activation::Sigmoid => y.mapv(|s| s * (F::one() - s)),
            Activation::Relu => z.mapv(|v| if v > F::zero() { F::one() } else { F::zero() }),
            Activation::Softplus => crate::ops::sigmoid(z),
        }
    }
}

/// One layer of a [`FeedForward`].
#[derive(Clone, Debug, PartialEq)]
pub enum Layer<F: Float = f64> {
    /// `x·w + b`, `w` of shape `inputs × outputs`.
    Linear { w: Array2<F>, b: Array1<F> },
    /// `x·w`.
    LinearNoBias { w: Array2<F> },
    /// An elementwise activation (no parameters).
    Activation(Activation),
    /// A recurrent layer ([`Rnn`](super::Rnn), [`Lstm`](super::Lstm),
    /// [`Gru`](super::Gru), converted with `.into()`): the rows of its input are the
    /// steps of one sequence, so a network holding one takes one sequence `[T, I]`.
    Sequence(Box<dyn SequenceLayer<F>>),
}

impl Layer {
    /// A fully connected layer with weights drawn by `init` (seeded), zero bias
    /// ([`Layer::linear_as`] in `f32`).
    pub fn linear(inputs: usize, outputs: usize, init: Init, seed: u64) -> Self {
        Layer::linear_as(inputs, outputs, init, seed)
    }

    /// A fully connected layer without bias ([`Layer::linear_no_bias_as`] in `f32`).
    pub fn linear_no_bias(inputs: usize, outputs: usize, init: Init, seed: u64) -> Self {
        Layer::linear_no_bias_as(inputs, outputs, init, seed)
    }
}

impl<F: Float> Layer<F> {
    /// [`Layer::linear`] in the float type `F` (the same draws, rounded).
    pub fn linear_as(inputs: usize, outputs: usize, init: Init, seed: u64) -> Self {
        Layer::Linear {
            w: init.weights_as(inputs, outputs, seed),
            b: Array1::zeros(outputs),
        }
    }

    /// [`Layer::linear_no_bias`] in the float type `F` (the same draws, rounded).
    pub fn linear_no_bias_as(inputs: usize, outputs: usize, init: Init, seed: u64) -> Self {
        Layer::LinearNoBias {
            w: init.weights_as(inputs, outputs, seed),
        }
    }

    /// `(inputs, outputs)` of a layer with weights; `None` for activations.
    pub fn sizes(&self) -> Option<(usize, usize)> {
        match self {
            Layer::Linear { w, .. } | Layer::LinearNoBias { w } => Some((w.nrows(), w.ncols())),
            Layer::Activation(_) => None,
            Layer::Sequence(l) => Some(l.sizes()),
        }
    }

    fn same_kind(&self, other: &Layer<F>) -> bool {
        match (self, other) {
            (Layer::Linear { w, b }, Layer::Linear { w: w2, b: b2 }) => {
                w.dim() == w2.dim() && b.len() == b2.len()
            }
            (Layer::LinearNoBias { w }, Layer::LinearNoBias { w: w2 }) => w.dim() == w2.dim(),
            (Layer::Activation(a), Layer::Activation(b)) => a == b,
            (Layer::Sequence(a), Layer::Sequence(b)) => {
                a.as_any().type_id() == b.as_any().type_id()
            }
            _ => false,
        }
    }
}

impl<F: Float> fmt::Display for Layer<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Layer::Linear { w, .. } => write!(f, "Linear({} -> {})", w.nrows(), w.ncols()),
            Layer::LinearNoBias { w } => {
                write!(f, "LinearNoBias({} -> {})", w.nrows(), w.ncols())
            }
            Layer::Activation(a) => write!(f, "{a:?}"),
            Layer::Sequence(l) => write!(f, "{}", l.describe()),
        }
    }
}

impl<const I: usize, const O: usize, F: Float> From<Linear<I, O, F>> for Layer<F> {
    fn from(l: Linear<I, O, F>) -> Self {
        Layer::Linear { w: l.w, b: l.b }
    }
}

impl<const I: usize, const O: usize, F: Float> From<LinearNoBias<I, O, F>> for Layer<F> {
    fn from(l: LinearNoBias<I, O, F>) -> Self {
        Layer::LinearNoBias { w: l.w }
    }
}

impl<F: Float> From<Activation> for Layer<F> {
    fn from(a: Activation) -> Self {
        Layer::Activation(a)
    }
}

fn mismatch<F: Float>(op: &str, a: &Layer<F>, b: &Layer<F>) -> ! {
    panic!("hype: `{op}` of the layers {a} and {b}, which differ (gradients of one FeedForward have its layers)")
}

impl<F: Float> Tangent for Layer<F> {
    fn zero_like(&self) -> Self {
        match self {
            Layer::Linear { w, b } => Layer::Linear {
                w: w.zero_like(),
                b: b.zero_like(),
            },
            Layer::LinearNoBias { w } => Layer::LinearNoBias { w: w.zero_like() },
            Layer::Activation(a) => Layer::Activation(*a),
            Layer::Sequence(l) => Layer::Sequence(l.zero_box()),
        }
    }
    fn add_assign_tangent(&mut self, other: &Self) {
        self.axpy(1.0, other);
    }
    fn scale(&mut self, a: f64) {
        match self {
            Layer::Linear { w, b } => {
                w.scale(a);
                b.scale(a);
            }
            Layer::LinearNoBias { w } => w.scale(a),
            Layer::Activation(_) => {}
            Layer::Sequence(l) => l.scale(a),
        }
    }
    fn axpy(&mut self, a: f64, x: &Self) {
        if !self.same_kind(x) {
            mismatch("axpy", self, x);
        }
        match (self, x) {
            (Layer::Linear { w, b }, Layer::Linear { w: w2, b: b2 }) => {
                w.axpy(a, w2);
                b.axpy(a, b2);
            }
            (Layer::LinearNoBias { w }, Layer::LinearNoBias { w: w2 }) => w.axpy(a, w2),
            (Layer::Sequence(l), Layer::Sequence(l2)) => l.axpy(a, l2.as_ref()),
            _ => {}
        }
    }
    fn inner(&self, other: &Self) -> f64 {
        if !self.same_kind(other) {
            mismatch("inner", self, other);
        }
        match (self, other) {
            (Layer::Linear { w, b }, Layer::Linear { w: w2, b: b2 }) => w.inner(w2) + b.inner(b2),
            (Layer::LinearNoBias { w }, Layer::LinearNoBias { w: w2 }) => w.inner(w2),
            (Layer::Sequence(l), Layer::Sequence(l2)) => l.inner(l2.as_ref()),
            _ => 0.0,
        }
    }
    fn flat_len(&self) -> usize {
        match self {
            Layer::Linear { w, b } => w.len() + b.len(),
            Layer::LinearNoBias { w } => w.len(),
            Layer::Activation(_) => 0,
            Layer::Sequence(l) => l.flat_len(),
        }
    }
    fn write_flat(&self, out: &mut Vec<f64>) {
        match self {
            Layer::Linear { w, b } => {
                w.write_flat(out);
                b.write_flat(out);
            }
            Layer::LinearNoBias { w } => w.write_flat(out),
            Layer::Activation(_) => {}
            Layer::Sequence(l) => l.write_flat(out),
        }
    }
    fn read_flat(&self, flat: &[f64], pos: &mut usize) -> Self {
        match self {
            Layer::Linear { w, b } => Layer::Linear {
                w: w.read_flat(flat, pos),
                b: b.read_flat(flat, pos),
            },
            Layer::LinearNoBias { w } => Layer::LinearNoBias {
                w: w.read_flat(flat, pos),
            },
            Layer::Activation(a) => Layer::Activation(*a),
            Layer::Sequence(l) => Layer::Sequence(l.read_flat(flat, pos)),
        }
    }
}

/// Why a layer could not be added, inserted or removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NnError {
    /// Two consecutive layers with weights do not chain.
    Chain {
        before: String,
        before_index: usize,
        after: String,
        after_index: usize,
        outputs: usize,
        inputs: usize,
    },
    /// An index past the end.
    Index { index: usize, len: usize },
}

impl fmt::Display for NnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NnError::Chain {
                before,
                before_index,
                after,
                after_index,
                outputs,
                inputs,
            } => write!(
                f,
                "layer {before_index} ({before}) gives {outputs} outputs but layer {after_index} ({after}) takes {inputs} inputs"
            ),
            NnError::Index { index, len } => {
                write!(f, "layer index {index} is out of range for {len} layers")
            }
        }
    }
}

impl std::error::Error for NnError {}

/// A sequence of layers chosen at run time (Hype's `FeedForward`).
///
/// `forward` is differentiable inside `#[differentiable]` code (with respect to the
/// layers and the input) through hand-written rules, [`FeedForward::forward_jvp`] and
/// [`FeedForward::forward_vjp`]; the gradient of a `FeedForward` is a `FeedForward` of
/// the same layers. Sizes are checked when layers are added, inserted or removed, and
/// when an input arrives.
///
/// ```
/// use hype_runtime::nn::{Activation, FeedForward, Init, Layer};
/// let mut net = FeedForward::new();
/// net.add(Layer::linear(4, 8, Init::Glorot, 1)).unwrap();
/// net.add(Activation::Tanh).unwrap();
/// net.add(Layer::linear(8, 2, Init::Glorot, 2)).unwrap();
/// let err = net.insert(2, Layer::linear(3, 8, Init::Glorot, 3)).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "layer 0 (Linear(4 -> 8)) gives 8 outputs but layer 2 (Linear(3 -> 8)) takes 3 inputs"
/// );
/// assert_eq!((net.inputs(), net.outputs()), (Some(4), Some(2)));
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
pub struct FeedForward<F: Float = f64> {
    layers: Vec<Layer<F>>,
}

impl FeedForward {
    /// A network with no layers (the identity), in `f64` (`FeedForward::<f32>::default()`
    /// in `f32`).
    pub fn new() -> Self {
        FeedForward { layers: Vec::new() }
    }

    /// A network of `layers`, checked to chain ([`FeedForward::from_layers_as`] in
    /// `f32`).
    pub fn from_layers(layers: Vec<Layer>) -> Result<Self, NnError> {
        FeedForward::from_layers_as(layers)
    }
}

impl<F: Float> FeedForward<F> {
    /// [`FeedForward::from_layers`] in the float type of the layers.
    pub fn from_layers_as(layers: Vec<Layer<F>>) -> Result<Self, NnError> {
        let net = FeedForward { layers };
        net.check_chain()?;
        Ok(net)
    }

    /// The layers in order.
    pub fn layers(&self) -> &[Layer<F>] {
        &self.layers
    }

    /// The number of layers (activations included).
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// Whether there are no layers.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// The input width of the first layer with weights.
    pub fn inputs(&self) -> Option<usize> {
        self.layers.iter().find_map(|l| l.sizes()).map(|s| s.0)
    }

    /// The output width of the last layer with weights.
    pub fn outputs(&self) -> Option<usize> {
        self.layers
            .iter()
            .rev()
            .find_map(|l| l.sizes())
            .map(|s| s.1)
    }

    fn check_chain(&self) -> Result<(), NnError> {
        let mut prev: Option<(usize, &Layer<F>)> = None;
        for (k, l) in self.layers.iter().enumerate() {
            if let Some((inputs, _)) = l.sizes() {
                if let Some((j, p)) = prev {
                    let outputs = p.sizes().expect("layers with weights").1;
                    if outputs != inputs {
                        return Err(NnError::Chain {
                            before: p.to_string(),
                            before_index: j,
                            after: l.to_string(),
                            after_index: k,
                            outputs,
                            inputs,
                        });
                    }
                }
                prev = Some((k, l));
            }
        }
        Ok(())
    }

    /// Appends a layer (checked to chain with the last layer with weights).
    pub fn add(&mut self, layer: impl Into<Layer<F>>) -> Result<&mut Self, NnError> {
        let len = self.layers.len();
        self.insert(len, layer)
    }

    /// Inserts a layer before position `index` (checked to chain with its neighbours).
    pub fn insert(
        &mut self,
        index: usize,
        layer: impl Into<Layer<F>>,
    ) -> Result<&mut Self, NnError> {
        if index > self.layers.len() {
            return Err(NnError::Index {
                index,
                len: self.layers.len(),
            });
        }
        self.layers.insert(index, layer.into());
        if let Err(e) = self.check_chain() {
            self.layers.remove(index);
            return Err(e);
        }
        Ok(self)
    }

    /// Removes and returns the layer at `index`, if the layers around it still chain.
    pub fn remove(&mut self, index: usize) -> Result<Layer<F>, NnError> {
        if index >= self.layers.len() {
            return Err(NnError::Index {
                index,
                len: self.layers.len(),
            });
        }
        let layer = self.layers.remove(index);
        if let Err(e) = self.check_chain() {
            self.layers.insert(index, layer);
            return Err(e);
        }
        Ok(layer)
    }

    fn check_input(&self, k: usize, w: &Array2<F>, x: &Array2<F>) {
        assert!(
            x.ncols() == w.nrows(),
            "hype: layer {k} ({}) of a FeedForward got an input with {} columns, expected {}",
            self.layers[k],
            x.ncols(),
            w.nrows()
        );
    }

    fn check_sequence(&self, k: usize, l: &dyn SequenceLayer<F>, x: &Array2<F>) {
        if let Err(e) = l.check(x) {
            panic!("hype: layer {k} of a FeedForward: {e}");
        }
    }

    /// The inputs of every layer, and the output (`acts[k]` enters layer `k`).
    fn activations(&self, x: &Array2<F>) -> Vec<Array2<F>> {
        let mut acts = Vec::with_capacity(self.layers.len() + 1);
        acts.push(x.clone());
        for (k, l) in self.layers.iter().enumerate() {
            let h = acts.last().expect("the input");
            let y = match l {
                Layer::Linear { w, b } => {
                    self.check_input(k, w, h);
                    h.dot(w) + b
                }
                Layer::LinearNoBias { w } => {
                    self.check_input(k, w, h);
                    h.dot(w)
                }
                Layer::Activation(a) => a.apply(h),
                Layer::Sequence(l) => {
                    self.check_sequence(k, l.as_ref(), h);
                    l.forward(h)
                }
            };
            acts.push(y);
        }
        acts
    }

    /// The forward pass of a batch `x` (rows are examples). Differentiable (hand-written
    /// rules): usable inside `#[differentiable]` code.
    ///
    /// # Panics
    ///
    /// When `x` is not as wide as the first layer expects (the message names the layer).
    #[custom_rule(forward = Self::forward_jvp, reverse = Self::forward_vjp)]
    pub fn forward(&self, x: &Array2<F>) -> Array2<F>
    where
        F: Float,
    {
        self.activations(x).pop().expect("the output")
    }

    /// Forward mode: the output and its tangent along the parameter tangent `dm` and
    /// the input tangent `dx`.
    pub fn forward_jvp(
        &self,
        x: &Array2<F>,
        dm: &FeedForward<F>,
        dx: &Array2<F>,
    ) -> (Array2<F>, Array2<F>) {
        assert_eq!(
            dx.dim(),
            x.dim(),
            "hype: FeedForward input tangent of shape {:?} for an input of shape {:?}",
            dx.dim(),
            x.dim()
        );
        let mut h = x.clone();
        let mut dh = dx.clone();
        for (k, (l, dl)) in self.layers.iter().zip(&dm.layers).enumerate() {
            if !l.same_kind(dl) {
                mismatch("forward_jvp", l, dl);
            }
            (h, dh) = match (l, dl) {
                (Layer::Linear { w, b }, Layer::Linear { w: dw, b: db }) => {
                    self.check_input(k, w, &h);
                    (h.dot(w) + b, dh.dot(w) + h.dot(dw) + db)
                }
                (Layer::LinearNoBias { w }, Layer::LinearNoBias { w: dw }) => {
                    self.check_input(k, w, &h);
                    (h.dot(w), dh.dot(w) + h.dot(dw))
                }
                (Layer::Activation(a), _) => {
                    let y = a.apply(&h);
                    let d = a.derivative(&h, &y) * &dh;
                    (y, d)
                }
                (Layer::Sequence(l), Layer::Sequence(dl)) => {
                    self.check_sequence(k, l.as_ref(), &h);
                    l.forward_jvp(&h, dl.as_ref(), &dh)
                }
                _ => unreachable!("same_kind"),
            };
        }
        (h, dh)
    }

    /// Reverse mode: the output, and the pullback that maps the output's cotangent to
    /// the cotangents of the parameters and of the input.
    #[allow(clippy::type_complexity)] // the custom-rule convention: (value, pullback)
    pub fn forward_vjp<'a>(
        &'a self,
        x: &Array2<F>,
    ) -> (
        Array2<F>,
        impl FnOnce(&Array2<F>) -> (FeedForward<F>, Array2<F>) + 'a,
    ) {
        let mut acts = self.activations(x);
        let y = acts.last().expect("the output").clone();
        let pullback = move |gy: &Array2<F>| {
            let out = acts.pop().expect("the output");
            assert_eq!(
                gy.dim(),
                out.dim(),
                "hype: FeedForward output cotangent of shape {:?} for an output of shape {:?}",
                gy.dim(),
                out.dim()
            );
            let mut g = gy.clone();
            let mut grads = Vec::with_capacity(self.layers.len());
            let mut y_k = out;
            for l in self.layers.iter().rev() {
                let h = acts.pop().expect("one input per layer");
                let gl = match l {
                    Layer::Linear { w, b: _ } => {
                        let gw = h.t().dot(&g);
                        let gb = g.sum_axis(Axis(0));
                        g = g.dot(&w.t());
                        Layer::Linear { w: gw, b: gb }
                    }
                    Layer::LinearNoBias { w } => {
                        let gw = h.t().dot(&g);
                        g = g.dot(&w.t());
                        Layer::LinearNoBias { w: gw }
                    }
                    Layer::Activation(a) => {
                        g = a.derivative(&h, &y_k) * &g;
                        Layer::Activation(*a)
                    }
                    // The layer's generated reverse pass (its forward sweep runs again).
                    Layer::Sequence(l) => {
                        let (gl, gx) = l.forward_vjp(&h, &g);
                        g = gx;
                        Layer::Sequence(gl)
                    }
                };
                grads.push(gl);
                y_k = h;
            }
            grads.reverse();
            (FeedForward { layers: grads }, g)
        };
        (y, pullback)
    }
}

impl<F: Float> FeedForward<F> {
    /// The loss of the batch (`x`, `y`) and its gradient with respect to the layers:
    /// the pullback of the forward pass applied to the loss's gradient.
    ///
    /// # Panics
    ///
    /// When `x` is not as wide as the first layer expects, or the output and `y`
    /// differ in shape (the messages give the layer or both shapes).
    pub fn value_and_grad(&self, x: &Array2<F>, y: &Array2<F>, loss: Loss) -> (F, FeedForward<F>)
    where
        for<'r> &'r F: Val<V = F>,
    {
        let (out, pullback) = self.forward_vjp(x);
        let (l, g_out) = loss.value_and_grad_as(&out, y);
        (l, pullback(&g_out).0)
    }

    /// [`FeedForward::loss_fn`] in the float type `F`: the batches of the `f64` data
    /// set are rounded to `F`, the loss is in `F`.
    pub fn loss_fn_as(
        loss: Loss,
    ) -> impl Fn(&FeedForward<F>, ArrayView2<f64>, ArrayView2<f64>) -> (F, FeedForward<F>)
    where
        for<'r> &'r F: Val<V = F>,
    {
        move |m, x, y| m.value_and_grad(&x.mapv(F::of_f64), &y.mapv(F::of_f64), loss)
    }
}

impl FeedForward {
    /// [`FeedForward::value_and_grad`] as the loss closure of
    /// [`optim::train`](crate::optim::train) ([`FeedForward::loss_fn_as`] in `f32`).
    pub fn loss_fn(
        loss: Loss,
    ) -> impl Fn(&FeedForward, ArrayView2<f64>, ArrayView2<f64>) -> (f64, FeedForward) {
        move |m, x, y| m.value_and_grad(&x.to_owned(), &y.to_owned(), loss)
    }
}

impl<F: Float> Tangent for FeedForward<F> {
    fn zero_like(&self) -> Self {
        FeedForward {
            layers: self.layers.zero_like(),
        }
    }
    fn add_assign_tangent(&mut self, other: &Self) {
        self.layers.add_assign_tangent(&other.layers);
    }
    fn scale(&mut self, a: f64) {
        self.layers.scale(a);
    }
    fn axpy(&mut self, a: f64, x: &Self) {
        self.layers.axpy(a, &x.layers);
    }
    fn inner(&self, other: &Self) -> f64 {
        self.layers.inner(&other.layers)
    }
    fn flat_len(&self) -> usize {
        self.layers.flat_len()
    }
    fn write_flat(&self, out: &mut Vec<f64>) {
        self.layers.write_flat(out);
    }
    fn read_flat(&self, flat: &[f64], pos: &mut usize) -> Self {
        FeedForward {
            layers: self.layers.read_flat(flat, pos),
        }
    }
}

impl<F: Float> HasTangent for FeedForward<F> {
    type Tangent = FeedForward<F>;
    fn zero_tangent(&self) -> FeedForward<F> {
        self.zero_like()
    }
}
