//! The Gauss–Newton matrix–vector product `G·v = Jᵀ·H_L·J·v` (Schraudolph 2002;
//! Martens 2010), `J` the Jacobian of the network's output with respect to the
//! parameters and `H_L` the Hessian of the loss with respect to the output: `J·v` by
//! forward mode through the network, `H_L` by forward-over-reverse on the loss,
//! `Jᵀ` by reverse mode. `G` is positive semi-definite whenever `H_L` is, unlike the
//! Hessian, so conjugate gradient on `G + λI` is well posed.

use super::loss::OutputLoss;
use super::network::Network;
use crate::tangent::Tangent;
use ndarray::Array2;
use std::cell::Cell;
use std::time::{Duration, Instant};

/// The Gauss–Newton matrix of one batch at one point: the output is computed once,
/// and each [`GaussNewton::product`] costs one forward-mode and one reverse-mode pass
/// ([`Network::jt_h_j`]).
pub struct GaussNewton<'a, N: Network, L> {
    net: &'a N,
    loss: &'a L,
    p: &'a N::Params,
    x: &'a Array2<f64>,
    t: &'a Array2<f64>,
    out: N::Output,
    products: Cell<usize>,
    time: Cell<Duration>,
}

impl<'a, N: Network, L: OutputLoss<N::Output>> GaussNewton<'a, N, L> {
    /// The Gauss–Newton matrix of `loss(net(p, x), t)` at `p`.
    pub fn new(
        net: &'a N,
        loss: &'a L,
        p: &'a N::Params,
        x: &'a Array2<f64>,
        t: &'a Array2<f64>,
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
pub fn gauss_newton_product<N: Network, L: OutputLoss<N::Output>>(
    net: &N,
    loss: &L,
    p: &N::Params,
    x: &Array2<f64>,
    t: &Array2<f64>,
    v: &N::Params,
) -> N::Params {
    GaussNewton::new(net, loss, p, x, t).product(v)
}
