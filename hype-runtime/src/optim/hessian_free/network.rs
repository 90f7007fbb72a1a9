//! What Hessian-free optimization needs of a network: its output on a batch, the
//! Jacobian–vector product `J·v` with respect to the parameters (forward mode) and
//! the transposed product `Jᵀ·u` (reverse mode).
//!
//! For a `#[differentiable]` network function `net(p, #[constant] x)`, [`FnNetwork`]
//! takes the three closures `net`, `jvp!(net)` and `jacobian_t_v!(net)`, so every
//! product comes from generated derivatives. [`FeedForward`] implements the trait
//! with its own forward and reverse rules.
//!
//! A Gauss–Newton product needs `J·v` and then `Jᵀ·u` at the same point. Done as
//! `jvp!` then `jacobian_t_v!`, it runs the primal sweep twice. For a network function
//! generated at order 2, [`TangentReverse`] does it in one recorded sweep: the reverse
//! pass of the tangent map `v ↦ J·v` (`f__dir__rev`, the weights' direction the only
//! active argument) transposes it, `∇_v ⟨u, J v⟩ = Jᵀu`; the primal runs once and the
//! reverse sweep touches only the tangent operations.

use crate::nn::FeedForward;
use crate::tangent::Tangent;
use crate::Float;
use ndarray::Array2;
use std::marker::PhantomData;

/// A network of parameters `Params` mapping a batch (rows are examples) of float type
/// `F` to an `Output` (an array, or a tuple of every layer the loss looks at).
///
/// `F` is `f64` unless written (`Network` is `Network<f64>`); a network of `f32`
/// parameters is a `Network<f32>` and reads `f32` batches, so the batch, the
/// parameters, the output and the targets of one run share one float type (an `f32`
/// network given `f64` data does not compile).
pub trait Network<F: Float = f64> {
    /// The parameters (any [`Tangent`] type: arrays, tuples, `#[derive(Tangent)]` structs).
    type Params: Tangent;
    /// What the loss reads: the output layer, or a tuple of layers.
    type Output: Tangent;

    /// A name for error messages.
    fn name(&self) -> String;

    /// The input width the network expects, when it is known.
    fn input_width(&self, p: &Self::Params) -> Option<usize>;

    /// The output on the batch `x`.
    fn forward(&self, p: &Self::Params, x: &Array2<F>) -> Self::Output;

    /// The output and `J·dp`, its derivative along the parameter direction `dp`.
    fn jvp(
        &self,
        p: &Self::Params,
        x: &Array2<F>,
        dp: &Self::Params,
    ) -> (Self::Output, Self::Output);

    /// `Jᵀ·u`: the parameter cotangent of the output cotangent `u`.
    fn vjp(&self, p: &Self::Params, x: &Array2<F>, u: &Self::Output) -> Self::Params;

    /// `Jᵀ·h(J·v)`: the two passes of a Gauss–Newton product with `h` (e.g. `H_L·`)
    /// applied between them. By default `jvp` then `vjp`.
    fn jt_h_j(
        &self,
        p: &Self::Params,
        x: &Array2<F>,
        v: &Self::Params,
        h: &dyn Fn(&Self::Output) -> Self::Output,
    ) -> Self::Params {
        let (_, jv) = self.jvp(p, x, v);
        self.vjp(p, x, &h(&jv))
    }
}

/// A [`Network`] whose Gauss–Newton passes `Jᵀ·h(J·v)` come from one closure, usually
/// the reverse pass of the network's generated tangent map (`f__dir__rev`, for a
/// function generated at `#[differentiable(order = 2)]`): the primal sweep runs once
/// per product instead of twice.
///
/// ```text
/// #[differentiable(order = 2)]
/// fn logits(m: &Mlp, #[constant] x: &Array2<f64>) -> Array2<f64> { m.forward(x) }
///
/// let net = TangentReverse::new(net!(..), |p: &Mlp, x: &Array2<f64>, v: &Mlp, h| {
///     // Arguments p, x, then their tangents; only v (the weights' direction) is active.
///     let ((y, jv), back) = logits::__dir__rev(p, x, v, &Array2::zeros(x.dim()),
///                                              [false, false, true, false]);
///     back(&(Array2::zeros(y.dim()), h(&jv))).2
/// });
/// ```
pub struct TangentReverse<N, T> {
    net: N,
    jt_h_j: T,
}

impl<N, T> TangentReverse<N, T> {
    /// `net` with its Gauss–Newton passes computed by `jt_h_j(p, x, v, h)` (for a
    /// network of float type `Fl`, read from the closure's batch argument).
    pub fn new<Fl>(net: N, jt_h_j: T) -> Self
    where
        Fl: Float,
        N: Network<Fl>,
        T: Fn(
            &<N as Network<Fl>>::Params,
            &Array2<Fl>,
            &<N as Network<Fl>>::Params,
            &dyn Fn(&<N as Network<Fl>>::Output) -> <N as Network<Fl>>::Output,
        ) -> <N as Network<Fl>>::Params,
    {
        TangentReverse { net, jt_h_j }
    }
}

impl<Fl, N, T> Network<Fl> for TangentReverse<N, T>
where
    Fl: Float,
    N: Network<Fl>,
    T: Fn(&N::Params, &Array2<Fl>, &N::Params, &dyn Fn(&N::Output) -> N::Output) -> N::Params,
{
    type Params = N::Params;
    type Output = N::Output;

    fn name(&self) -> String {
        self.net.name()
    }

    fn input_width(&self, p: &N::Params) -> Option<usize> {
        self.net.input_width(p)
    }

    fn forward(&self, p: &N::Params, x: &Array2<Fl>) -> N::Output {
        self.net.forward(p, x)
    }

    fn jvp(&self, p: &N::Params, x: &Array2<Fl>, dp: &N::Params) -> (N::Output, N::Output) {
        self.net.jvp(p, x, dp)
    }

    fn vjp(&self, p: &N::Params, x: &Array2<Fl>, u: &N::Output) -> N::Params {
        self.net.vjp(p, x, u)
    }

    fn jt_h_j(
        &self,
        p: &N::Params,
        x: &Array2<Fl>,
        v: &N::Params,
        h: &dyn Fn(&N::Output) -> N::Output,
    ) -> N::Params {
        (self.jt_h_j)(p, x, v, h)
    }
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

impl<P, O, F, J, V> FnNetwork<P, O, F, J, V> {
    /// A network named `name` taking `input_width` columns (`None`: not checked), of
    /// the float type `Fl` of the closures' batch argument.
    pub fn new<Fl>(
        name: impl Into<String>,
        input_width: Option<usize>,
        forward: F,
        jvp: J,
        vjp: V,
    ) -> Self
    where
        Fl: Float,
        P: Tangent,
        O: Tangent,
        F: Fn(&P, &Array2<Fl>) -> O,
        J: Fn(&P, &Array2<Fl>, &P) -> (O, O),
        V: Fn(&P, &Array2<Fl>, &O) -> P,
    {
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

impl<Fl, P, O, F, J, V> Network<Fl> for FnNetwork<P, O, F, J, V>
where
    Fl: Float,
    P: Tangent,
    O: Tangent,
    F: Fn(&P, &Array2<Fl>) -> O,
    J: Fn(&P, &Array2<Fl>, &P) -> (O, O),
    V: Fn(&P, &Array2<Fl>, &O) -> P,
{
    type Params = P;
    type Output = O;

    fn name(&self) -> String {
        self.name.clone()
    }

    fn input_width(&self, _p: &P) -> Option<usize> {
        self.input_width
    }

    fn forward(&self, p: &P, x: &Array2<Fl>) -> O {
        (self.forward)(p, x)
    }

    fn jvp(&self, p: &P, x: &Array2<Fl>, dp: &P) -> (O, O) {
        (self.jvp)(p, x, dp)
    }

    fn vjp(&self, p: &P, x: &Array2<Fl>, u: &O) -> P {
        (self.vjp)(p, x, u)
    }
}

/// A [`FeedForward<F>`](FeedForward) whose layers are the parameters
/// (`FeedForwardNet` holds no state; the network trained is the `Params` value).
///
/// The float type `F` is the network's: `f64` by default (the value `FeedForwardNet`),
/// or `f32` (`FeedForwardNet::<f32>::new()`, parameters `FeedForward<f32>`, output
/// `Array2<f32>`), a `Network<F>`: its batches are `Array2<F>` too. The optimizer's
/// own scalar arithmetic (CG, damping, line search) is `f64` on the [`Tangent`]
/// operations of the `f32` parameters.
#[derive(Clone, Copy, Debug, Default)]
pub struct FeedForwardNet<F: Float = f64> {
    float: PhantomData<fn() -> F>,
}

/// The `f64` network as a value, so `&FeedForwardNet` reads as it did when
/// `FeedForwardNet` was a unit struct.
#[allow(non_upper_case_globals)]
pub const FeedForwardNet: FeedForwardNet = FeedForwardNet { float: PhantomData };

impl<F: Float> FeedForwardNet<F> {
    /// The network of float type `F` (`FeedForwardNet::<f32>::new()`).
    pub fn new() -> Self {
        FeedForwardNet { float: PhantomData }
    }
}

impl<F: Float> Network<F> for FeedForwardNet<F> {
    type Params = FeedForward<F>;
    type Output = Array2<F>;

    fn name(&self) -> String {
        "FeedForward".into()
    }

    fn input_width(&self, p: &FeedForward<F>) -> Option<usize> {
        p.inputs()
    }

    fn forward(&self, p: &FeedForward<F>, x: &Array2<F>) -> Array2<F> {
        p.forward(x)
    }

    fn jvp(
        &self,
        p: &FeedForward<F>,
        x: &Array2<F>,
        dp: &FeedForward<F>,
    ) -> (Array2<F>, Array2<F>) {
        // The input is data: its tangent is zero.
        p.forward_jvp(x, dp, &Array2::zeros(x.raw_dim()))
    }

    fn vjp(&self, p: &FeedForward<F>, x: &Array2<F>, u: &Array2<F>) -> FeedForward<F> {
        let (_, pullback) = p.forward_vjp(x);
        pullback(u).0
    }
}
