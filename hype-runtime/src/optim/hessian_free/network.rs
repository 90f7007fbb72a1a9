//! What Hessian-free optimization needs of a network: its output on a batch, the
//! Jacobian–vector product `J·v` with respect to the parameters (forward mode) and
//! the transposed product `Jᵀ·u` (reverse mode).
//!
//! For a `#[differentiable]` network function `net(p, #[constant] x)`, [`FnNetwork`]
//! takes the three closures `net`, `jvp!(net)` and `jacobian_t_v!(net)`, so every
//! product comes from generated derivatives. [`FeedForward`] implements the trait
//! with its own forward and reverse rules.

use crate::nn::FeedForward;
use crate::tangent::Tangent;
use ndarray::Array2;
use std::marker::PhantomData;

/// A network of parameters `Params` mapping a batch (rows are examples) to an
/// `Output` (an array, or a tuple of every layer the loss looks at).
pub trait Network {
    /// The parameters (any [`Tangent`] type: arrays, tuples, `#[derive(Tangent)]` structs).
    type Params: Tangent;
    /// What the loss reads: the output layer, or a tuple of layers.
    type Output: Tangent;

    /// A name for error messages.
    fn name(&self) -> String;

    /// The input width the network expects, when it is known.
    fn input_width(&self, p: &Self::Params) -> Option<usize>;

    /// The output on the batch `x`.
    fn forward(&self, p: &Self::Params, x: &Array2<f64>) -> Self::Output;

    /// The output and `J·dp`, its derivative along the parameter direction `dp`.
    fn jvp(
        &self,
        p: &Self::Params,
        x: &Array2<f64>,
        dp: &Self::Params,
    ) -> (Self::Output, Self::Output);

    /// `Jᵀ·u`: the parameter cotangent of the output cotangent `u`.
    fn vjp(&self, p: &Self::Params, x: &Array2<f64>, u: &Self::Output) -> Self::Params;
}

/// A [`Network`] from three closures: the forward pass, its `jvp!` and its
/// `jacobian_t_v!` (for a `#[differentiable]` function with the input `#[constant]`).
///
/// ```text
/// let net = FnNetwork::new("xor 2-5-1", Some(2),
///     |p: &Xor, x: &Array2<f64>| xor_net(p, x),
///     |p: &Xor, x: &Array2<f64>, dp: &Xor| jvp!(xor_net)(p, x, dp),
///     |p: &Xor, x: &Array2<f64>, u: &Array2<f64>| jacobian_t_v!(xor_net)(p, x, u));
/// ```
pub struct FnNetwork<P, O, F, J, V> {
    name: String,
    input_width: Option<usize>,
    forward: F,
    jvp: J,
    vjp: V,
    types: PhantomData<fn(&P) -> O>,
}

impl<P, O, F, J, V> FnNetwork<P, O, F, J, V>
where
    P: Tangent,
    O: Tangent,
    F: Fn(&P, &Array2<f64>) -> O,
    J: Fn(&P, &Array2<f64>, &P) -> (O, O),
    V: Fn(&P, &Array2<f64>, &O) -> P,
{
    /// A network named `name` taking `input_width` columns (`None`: not checked).
    pub fn new(
        name: impl Into<String>,
        input_width: Option<usize>,
        forward: F,
        jvp: J,
        vjp: V,
    ) -> Self {
        FnNetwork {
            name: name.into(),
            input_width,
            forward,
            jvp,
            vjp,
            types: PhantomData,
        }
    }
}

impl<P, O, F, J, V> Network for FnNetwork<P, O, F, J, V>
where
    P: Tangent,
    O: Tangent,
    F: Fn(&P, &Array2<f64>) -> O,
    J: Fn(&P, &Array2<f64>, &P) -> (O, O),
    V: Fn(&P, &Array2<f64>, &O) -> P,
{
    type Params = P;
    type Output = O;

    fn name(&self) -> String {
        self.name.clone()
    }

    fn input_width(&self, _p: &P) -> Option<usize> {
        self.input_width
    }

    fn forward(&self, p: &P, x: &Array2<f64>) -> O {
        (self.forward)(p, x)
    }

    fn jvp(&self, p: &P, x: &Array2<f64>, dp: &P) -> (O, O) {
        (self.jvp)(p, x, dp)
    }

    fn vjp(&self, p: &P, x: &Array2<f64>, u: &O) -> P {
        (self.vjp)(p, x, u)
    }
}

/// A [`FeedForward`] whose layers are the parameters (`FeedForwardNet` holds no
/// state; the network trained is the `Params` value).
#[derive(Clone, Copy, Debug, Default)]
pub struct FeedForwardNet;

impl Network for FeedForwardNet {
    type Params = FeedForward;
    type Output = Array2<f64>;

    fn name(&self) -> String {
        "FeedForward".into()
    }

    fn input_width(&self, p: &FeedForward) -> Option<usize> {
        p.inputs()
    }

    fn forward(&self, p: &FeedForward, x: &Array2<f64>) -> Array2<f64> {
        p.forward(x)
    }

    fn jvp(
        &self,
        p: &FeedForward,
        x: &Array2<f64>,
        dp: &FeedForward,
    ) -> (Array2<f64>, Array2<f64>) {
        // The input is data: its tangent is zero.
        p.forward_jvp(x, dp, &Array2::zeros(x.raw_dim()))
    }

    fn vjp(&self, p: &FeedForward, x: &Array2<f64>, u: &Array2<f64>) -> FeedForward {
        let (_, pullback) = p.forward_vjp(x);
        pullback(u).0
    }
}
