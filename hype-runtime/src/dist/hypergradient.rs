//! Data-parallel hypergradients: a training loss that is a sum over ranks.
//!
//! Every rank wraps the part of the training loss that its shard of the data
//! contributes, `L = Σ_r L_r` (e.g. `L_r(w, λ) = (1/m) Σ_{i in shard r} c_i ℓ_i(w)`
//! with `m` the total number of examples, and a regularizer on rank 0 only), in
//! [`AllReduced`]. Its gradient and its derivatives (the Hessian-vector products
//! and mixed products of the reverse and forward sweeps) are then all-reduced, so
//! every optimizer of [`hyper::dynamics`](crate::hyper::dynamics) steps identically
//! on every rank, and [`hyper::reverse`](crate::hyper::reverse()) and
//! [`hyper::forward`](crate::hyper::forward()) through it give on every rank the
//! hypergradient of one process on all the data: the backward sweep all-reduces its
//! adjoints once per step (`∇²L v` and `(∂_λ∇L)ᵀ v` in one buffer, with the gradient
//! they share a forward pass with). [`AllReducedValidation`] does the same for a
//! validation loss that is a sum over ranks.

use super::collective::Collective;
use super::reduction::{reduce_sum, Reduction};
use crate::hyper::{InnerLoss, Validation};
use crate::tangent::Tangent;
use ndarray::Array1;

/// Sums `parts` (each a [`Tangent`]) over ranks in one buffer.
fn reduce_all<C: Collective + ?Sized>(
    comm: &C,
    reduction: Reduction,
    parts: &[&dyn Flat],
) -> Vec<f64> {
    let mut buf = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        p.write(&mut buf);
    }
    reduce_sum(comm, reduction, &mut buf);
    buf
}

/// Object-safe flattening, to pack values of different types in one buffer.
trait Flat {
    fn len(&self) -> usize;
    fn write(&self, out: &mut Vec<f64>);
}

impl<T: Tangent> Flat for T {
    fn len(&self) -> usize {
        self.flat_len()
    }
    fn write(&self, out: &mut Vec<f64>) {
        self.write_flat(out)
    }
}

/// A rank's part `L_r` of a training loss `L = Σ_r L_r`, whose every derivative is
/// summed over the ranks of `comm`.
pub struct AllReduced<'c, L, C: ?Sized> {
    /// This rank's part of the loss.
    pub local: L,
    comm: &'c C,
    reduction: Reduction,
}

impl<'c, L, C: Collective + ?Sized> AllReduced<'c, L, C> {
    /// `local` summed over the ranks of `comm`.
    pub fn new(local: L, comm: &'c C, reduction: Reduction) -> Self {
        AllReduced {
            local,
            comm,
            reduction,
        }
    }
}

impl<L: InnerLoss, C: Collective + ?Sized> InnerLoss for AllReduced<'_, L, C> {
    type Hyper = L::Hyper;

    fn gradient(&self, w: &Array1<f64>, lam: &Self::Hyper) -> Array1<f64> {
        let g = self.local.gradient(w, lam);
        Array1::from(reduce_all(self.comm, self.reduction, &[&g]))
    }

    fn gradient_vjp(
        &self,
        w: &Array1<f64>,
        lam: &Self::Hyper,
        v: &Array1<f64>,
    ) -> (Array1<f64>, Self::Hyper) {
        let (hv, cv) = self.local.gradient_vjp(w, lam, v);
        let buf = reduce_all(self.comm, self.reduction, &[&hv, &cv]);
        let mut pos = 0;
        (hv.read_flat(&buf, &mut pos), cv.read_flat(&buf, &mut pos))
    }

    fn gradient_jvp(
        &self,
        w: &Array1<f64>,
        lam: &Self::Hyper,
        dw: &Array1<f64>,
        dlam: &Self::Hyper,
    ) -> Array1<f64> {
        let jv = self.local.gradient_jvp(w, lam, dw, dlam);
        Array1::from(reduce_all(self.comm, self.reduction, &[&jv]))
    }

    fn gradient_and_vjp(
        &self,
        w: &Array1<f64>,
        lam: &Self::Hyper,
        v: &Array1<f64>,
    ) -> (Array1<f64>, Array1<f64>, Self::Hyper) {
        let (g, hv, cv) = self.local.gradient_and_vjp(w, lam, v);
        let buf = reduce_all(self.comm, self.reduction, &[&g, &hv, &cv]);
        let mut pos = 0;
        (
            g.read_flat(&buf, &mut pos),
            hv.read_flat(&buf, &mut pos),
            cv.read_flat(&buf, &mut pos),
        )
    }

    fn gradient_and_jvp(
        &self,
        w: &Array1<f64>,
        lam: &Self::Hyper,
        dw: &Array1<f64>,
        dlam: &Self::Hyper,
    ) -> (Array1<f64>, Array1<f64>) {
        let (g, jv) = self.local.gradient_and_jvp(w, lam, dw, dlam);
        let buf = reduce_all(self.comm, self.reduction, &[&g, &jv]);
        let mut pos = 0;
        (g.read_flat(&buf, &mut pos), jv.read_flat(&buf, &mut pos))
    }
}

/// A rank's part `E_r` of a validation loss `E = Σ_r E_r`, with its value and partial
/// gradients summed over the ranks of `comm`.
pub struct AllReducedValidation<'c, V, C: ?Sized> {
    /// This rank's part of the validation loss.
    pub local: V,
    comm: &'c C,
    reduction: Reduction,
}

impl<'c, V, C: Collective + ?Sized> AllReducedValidation<'c, V, C> {
    /// `local` summed over the ranks of `comm`.
    pub fn new(local: V, comm: &'c C, reduction: Reduction) -> Self {
        AllReducedValidation {
            local,
            comm,
            reduction,
        }
    }
}

impl<S: Tangent, H: Tangent, V: Validation<S, H>, C: Collective + ?Sized> Validation<S, H>
    for AllReducedValidation<'_, V, C>
{
    fn value_and_grad(&self, s: &S, h: &H) -> (f64, S, H) {
        let (e, ds, dh) = self.local.value_and_grad(s, h);
        let buf = reduce_all(self.comm, self.reduction, &[&e, &ds, &dh]);
        let mut pos = 1;
        (
            buf[0],
            ds.read_flat(&buf, &mut pos),
            dh.read_flat(&buf, &mut pos),
        )
    }
}
