//! The Gauss–Newton matrix–vector product `G·v = Jᵀ·H_L·J·v` (Schraudolph 2002;
//! Martens 2010), `J` the Jacobian of the network's output with respect to the
//! parameters and `H_L` the Hessian of the loss with respect to the output: `J·v` by
//! forward mode through the network, `H_L` by forward-over-reverse on the loss,
//! `Jᵀ` by reverse mode. `G` is positive semi-definite whenever `H_L` is, unlike the
//! Hessian, so conjugate gradient on `G + λI` is well posed.

use super::loss::OutputLoss;
use super::network::Network;
use crate::tangent::Tangent;
use crate::Float;
use ndarray::Array2;
use std::cell::Cell;
use std::time::{Duration, Instant};

/// The Gauss–Newton matrix of one batch at one point: the output is computed once,
/// and each [`GaussNewton::product`] costs one forward-mode and one reverse-mode pass
/// ([`Network::jt_h_j`]).
///
/// The batch is of the network's float type `F` (`f64` unless written); the damping
/// `λ` of [`GaussNewton::damped_product`] is `f64`, added by [`Tangent::axpy`] (rounded
/// to `F` per entry, as every scalar of the optimizer's arithmetic).
pub struct GaussNewton<'a, N: Network<F>, L, F: Float = f64> {
    net: &'a N,
    loss: &'a L,
    p: &'a N::Params,
    x: &'a Array2<F>,
    t: &'a Array2<F>,
    out: N::Output,
    products: Cell<usize>,
    time: Cell<Duration>,
}

impl<'a, F: Float, N: Network<F>, L: OutputLoss<N::Output, F>> GaussNewton<'a, N, L, F> {
    /// The Gauss–Newton matrix of `loss(net(p, x), t)` at `p`.
    pub fn new(
        net: &'a N,
        loss: &'a L,
        p: &'a N::Params,
        x: &'a Array2<F>,
        t: &'a Array2<F>,
    ) -> Self {
        let start = Instant::now();
        let out = net.forward(p, x);
        GaussNewton {
            net,
            loss,
            p,
            x,
            t,
            out,
            products: Cell::new(0),
            time: Cell::new(start.elapsed()),
        }
    }

    /// `G·v`.
    pub fn product(&self, v: &N::Params) -> N::Params {
        let start = Instant::now();
        let h = |jv: &N::Output| self.loss.hvp(&self.out, self.t, jv);
        let gv = self.net.jt_h_j(self.p, self.x, v, &h);
        self.products.set(self.products.get() + 1);
        self.time.set(self.time.get() + start.elapsed());
        gv
    }

    /// `(G + λI)·v` (Tikhonov damping).
    pub fn damped_product(&self, v: &N::Params, lambda: f64) -> N::Params {
        let mut gv = self.product(v);
        gv.axpy(lambda, v);
        gv
    }

    /// Products computed so far.
    pub fn products(&self) -> usize {
        self.products.get()
    }

    /// Time spent in the products (and the output they share).
    pub fn time(&self) -> Duration {
        self.time.get()
    }
}

/// `G·v` for one batch, without keeping the output (tests, one-off products).
///
/// The network, its parameters, the batch and the targets share one float type `F`:
///
/// ```
/// use hype_runtime::nn::{Activation, FeedForward, Init, Layer};
/// use hype_runtime::optim::hessian_free::{gauss_newton_product, FeedForwardNet, SquaredError};
/// use hype_runtime::Tangent;
/// use ndarray::Array2;
///
/// let p = FeedForward::<f32>::from_layers_as(vec![
///     Layer::linear_as(2, 3, Init::Glorot, 1),
///     Activation::Tanh.into(),
///     Layer::linear_as(3, 1, Init::Glorot, 2),
/// ])
/// .unwrap();
/// let (x, t) = (Array2::<f32>::ones((4, 2)), Array2::<f32>::zeros((4, 1)));
/// let gv = gauss_newton_product(&FeedForwardNet::<f32>::new(), &SquaredError, &p, &x, &t, &p);
/// assert!(gv.flatten().iter().all(|v| v.is_finite()));
/// ```
///
/// and an `f32` network given an `f64` batch does not compile:
///
/// ```compile_fail,E0308
/// use hype_runtime::nn::{Activation, FeedForward, Init, Layer};
/// use hype_runtime::optim::hessian_free::{gauss_newton_product, FeedForwardNet, SquaredError};
/// use ndarray::Array2;
///
/// let p = FeedForward::<f32>::from_layers_as(vec![
///     Layer::linear_as(2, 3, Init::Glorot, 1),
///     Activation::Tanh.into(),
///     Layer::linear_as(3, 1, Init::Glorot, 2),
/// ])
/// .unwrap();
/// let (x, t) = (Array2::<f64>::ones((4, 2)), Array2::<f64>::zeros((4, 1)));
/// let gv = gauss_newton_product(&FeedForwardNet::<f32>::new(), &SquaredError, &p, &x, &t, &p);
/// ```
pub fn gauss_newton_product<F: Float, N: Network<F>, L: OutputLoss<N::Output, F>>(
    net: &N,
    loss: &L,
    p: &N::Params,
    x: &Array2<F>,
    t: &Array2<F>,
    v: &N::Params,
) -> N::Params {
    GaussNewton::new(net, loss, p, x, t).product(v)
}
