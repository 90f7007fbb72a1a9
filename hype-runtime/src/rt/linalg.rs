//! Matrix products ([`dot`]) and transposes ([`t`]) with rules.
//!
//! Products go through ndarray's `dot`, `general_mat_mul` and `general_mat_vec_mul`,
//! which call BLAS gemm/gemv when the `openblas` feature is on; matrix · matrix
//! products of some shapes go to the `gemm` crate instead (`matmul.rs`). Adjoints never
//! materialize a transpose: they pass transposed *views* (`b.t()`), which ndarray hands
//! to BLAS as transpose flags. The in-place forms [`dot_acc0`]/[`dot_acc1`] add the
//! adjoint into an existing slot with beta = 1 (gemm/gemv), so the reverse sweep
//! allocates only for the first contribution.
//!
//! Rules, written with primitives that have rules (`outer(x, y)` stands for
//! `dot(insert_axis(x, Axis(1)), insert_axis(y, Axis(0)))`):
//!
//! | shapes of `a`, `b` | `dot_vjp0`     | `dot_vjp1`     |
//! |--------------------|----------------|----------------|
//! | `n`, `n`           | `g * b`        | `g * a`        |
//! | `m×n`, `n`         | `outer(g, b)`  | `dot(t(a), g)` |
//! | `k`, `k×n`         | `dot(b, g)`    | `outer(a, g)`  |
//! | `m×k`, `k×n`       | `dot(g, t(b))` | `dot(t(a), g)` |
//!
//! and `dot_jvp0 = dot(da, b)`, `dot_jvp1 = dot(a, db)` in every case.

use super::matmul::{mm, mm_acc};
use super::{check_same_shape, shape_panic, Val};
use crate::Float;
use ndarray::linalg::{general_mat_mul, general_mat_vec_mul};
use ndarray::{
    Array, Array1, Array2, ArrayBase, ArrayView, Axis, Data, DataMut, Dimension, Ix1, Ix2,
};

/// Matrix products between value types: `vector·vector`, `matrix·vector`,
/// `vector·matrix`, `matrix·matrix` (ndarray's `dot`, BLAS when enabled).
#[diagnostic::on_unimplemented(
    message = "`dot` is not defined between `{Self}` and `{Rhs}`",
    note = "`dot` takes 1-d or 2-d ndarray arrays of f64 (or both of f32) (vector·vector, matrix·vector, vector·matrix, matrix·matrix)"
)]
pub trait DotOp<Rhs: ?Sized> {
    /// The result type (the scalar for vector·vector, an owned array otherwise).
    type Output;
    /// The product `self · rhs`; panics naming `dot` and both shapes on a mismatch.
    fn dot_op(&self, rhs: &Rhs) -> Self::Output;
}

/// The adjoints of `dot` given the result's adjoint `G` (shaped like the product).
pub trait DotAdjoint<Rhs: ?Sized, G: ?Sized> {
    /// The adjoint of the left operand (an owned array shaped like `self`).
    type Grad0;
    /// The adjoint of the right operand (an owned array shaped like `rhs`).
    type Grad1;
    /// Adjoint wrt the left operand.
    fn dot_vjp0_op(&self, rhs: &Rhs, g: &G) -> Self::Grad0;
    /// Adjoint wrt the right operand.
    fn dot_vjp1_op(&self, rhs: &Rhs, g: &G) -> Self::Grad1;
    /// Adds the adjoint wrt the left operand into `slot` (in place when it is `Some`).
    fn dot_acc0_op(&self, rhs: &Rhs, g: &G, slot: &mut Option<Self::Grad0>);
    /// Adds the adjoint wrt the right operand into `slot` (in place when it is `Some`).
    fn dot_acc1_op(&self, rhs: &Rhs, g: &G, slot: &mut Option<Self::Grad1>);
}

// ---- helpers ----

/// `c += x yᵀ` (a rank-one update through gemm with k = 1).
#[inline]
fn rank1_acc<F: Float, S1, S2, S3>(
    c: &mut ArrayBase<S3, Ix2>,
    x: &ArrayBase<S1, Ix1>,
    y: &ArrayBase<S2, Ix1>,
) where
    S1: Data<Elem = F>,
    S2: Data<Elem = F>,
    S3: DataMut<Elem = F>,
{
    general_mat_mul(
        F::one(),
        &x.view().insert_axis(Axis(1)),
        &y.view().insert_axis(Axis(0)),
        F::one(),
        c,
    );
}

/// `a · b` for a single row `a` (`1×k`, as a vector) and `b` (`k×n`), as one gemv into a
/// `1×n` matrix: through gemm, one step of a recurrent layer would pack all of `b`
/// for one row (the products of `examples/char_lstm.rs` were 4/5 of its time).
#[inline]
fn row_dot<F: Float, S1, S2>(a: &ArrayBase<S1, Ix1>, b: &ArrayBase<S2, Ix2>) -> Array2<F>
where
    S1: Data<Elem = F>,
    S2: Data<Elem = F>,
{
    let mut out = Array2::zeros((1, b.ncols()));
    general_mat_vec_mul(F::one(), &b.t(), a, F::zero(), &mut out.row_mut(0));
    out
}

/// `s += x gᵀ` for the rows `x` (`k`) and `g` (`n`) of a single-row product's adjoint
/// `aᵀ·g`: one axpy per row of `s`, skipping the zero entries of `x` (a one-hot input
/// touches one row). Through gemm, an inner dimension of 1 costs a pass scaling `s`
/// and the packing of both operands (a fifth of `benches/char_lstm.rs`'s reverse pass).
#[inline]
fn row_outer_acc<F: Float, S1, S2, S3>(
    s: &mut ArrayBase<S3, Ix2>,
    x: &ArrayBase<S1, Ix1>,
    g: &ArrayBase<S2, Ix1>,
) where
    S1: Data<Elem = F>,
    S2: Data<Elem = F>,
    S3: DataMut<Elem = F>,
{
    for (mut row, &xi) in s.rows_mut().into_iter().zip(x.iter()) {
        if xi != F::zero() {
            row.scaled_add(xi, g);
        }
    }
}

/// `x yᵀ` as a new matrix.
#[inline]
fn outer<F: Float, S1, S2>(x: &ArrayBase<S1, Ix1>, y: &ArrayBase<S2, Ix1>) -> Array2<F>
where
    S1: Data<Elem = F>,
    S2: Data<Elem = F>,
{
    x.view()
        .insert_axis(Axis(1))
        .dot(&y.view().insert_axis(Axis(0)))
}

/// Whether every entry is 0 (stops at the first that is not). Tangents of constant
/// inputs arrive as zero arrays (derivative code of derivative code passes them for
/// the inputs it does not perturb); a matrix product with one skips BLAS. For a
/// dense operand the scan ends at once. (As with symbolic zeros, `0 · NaN` gives 0.)
#[inline]
fn all_zero<F: Float, S: Data<Elem = F>, D: Dimension>(a: &ArrayBase<S, D>) -> bool {
    match a.as_slice_memory_order() {
        Some(s) => s.iter().all(|&v| v == F::zero()),
        None => a.iter().all(|&v| v == F::zero()),
    }
}

/// Checks the slot's shape against the operand's before accumulating.
#[inline]
#[track_caller]
fn check_slot<F: Float, D: Dimension>(op: &str, slot: &Array<F, D>, like: &[usize]) {
    check_same_shape(op, slot.shape(), like);
}

// ---- vector · vector -> F ----

impl<F: Float, S1, S2> DotOp<ArrayBase<S2, Ix1>> for ArrayBase<S1, Ix1>
where
    S1: Data<Elem = F>,
    S2: Data<Elem = F>,
{
    type Output = F;
    #[inline]
    #[track_caller]
    fn dot_op(&self, rhs: &ArrayBase<S2, Ix1>) -> F {
        if self.len() != rhs.len() {
            shape_panic("dot", self.shape(), rhs.shape());
        }
        self.dot(rhs)
    }
}

impl<F: Float, S1, S2> DotAdjoint<ArrayBase<S2, Ix1>, F> for ArrayBase<S1, Ix1>
where
    S1: Data<Elem = F>,
    S2: Data<Elem = F>,
{
    type Grad0 = Array1<F>;
    type Grad1 = Array1<F>;
    #[track_caller]
    fn dot_vjp0_op(&self, rhs: &ArrayBase<S2, Ix1>, g: &F) -> Array1<F> {
        check_same_shape("dot_vjp0", self.shape(), rhs.shape());
        rhs.mapv(|v| v * *g)
    }
    #[track_caller]
    fn dot_vjp1_op(&self, rhs: &ArrayBase<S2, Ix1>, g: &F) -> Array1<F> {
        check_same_shape("dot_vjp1", self.shape(), rhs.shape());
        self.mapv(|v| v * *g)
    }
    #[track_caller]
    fn dot_acc0_op(&self, rhs: &ArrayBase<S2, Ix1>, g: &F, slot: &mut Option<Array1<F>>) {
        match slot {
            Some(s) => {
                check_same_shape("dot_acc0", self.shape(), rhs.shape());
                check_slot("dot_acc0", s, self.shape());
                s.scaled_add(*g, rhs);
            }
            None => *slot = Some(self.dot_vjp0_op(rhs, g)),
        }
    }
    #[track_caller]
    fn dot_acc1_op(&self, rhs: &ArrayBase<S2, Ix1>, g: &F, slot: &mut Option<Array1<F>>) {
        match slot {
            Some(s) => {
                check_same_shape("dot_acc1", self.shape(), rhs.shape());
                check_slot("dot_acc1", s, rhs.shape());
                s.scaled_add(*g, self);
            }
            None => *slot = Some(self.dot_vjp1_op(rhs, g)),
        }
    }
}

// ---- matrix · vector -> vector ----

impl<F: Float, S1, S2> DotOp<ArrayBase<S2, Ix1>> for ArrayBase<S1, Ix2>
where
    S1: Data<Elem = F>,
    S2: Data<Elem = F>,
{
    type Output = Array1<F>;
    #[inline]
    #[track_caller]
    fn dot_op(&self, rhs: &ArrayBase<S2, Ix1>) -> Array1<F> {
        if self.ncols() != rhs.len() {
            shape_panic("dot", self.shape(), rhs.shape());
        }
        self.dot(rhs)
    }
}

/// Checks `a (m×n) · b (n)` against `g (m)`.
#[inline]
#[track_caller]
fn check_mv(op: &str, a: &[usize], b: &[usize], g: &[usize]) {
    if a[1] != b[0] {
        shape_panic(op, a, b);
    }
    check_same_shape(op, g, &a[..1]);
}

impl<F: Float, S1, S2, S3> DotAdjoint<ArrayBase<S2, Ix1>, ArrayBase<S3, Ix1>> for ArrayBase<S1, Ix2>
where
    S1: Data<Elem = F>,
    S2: Data<Elem = F>,
    S3: Data<Elem = F>,
{
    type Grad0 = Array2<F>;
    type Grad1 = Array1<F>;
    #[track_caller]
    fn dot_vjp0_op(&self, rhs: &ArrayBase<S2, Ix1>, g: &ArrayBase<S3, Ix1>) -> Array2<F> {
        check_mv("dot_vjp0", self.shape(), rhs.shape(), g.shape());
        outer(g, rhs)
    }
    #[track_caller]
    fn dot_vjp1_op(&self, rhs: &ArrayBase<S2, Ix1>, g: &ArrayBase<S3, Ix1>) -> Array1<F> {
        check_mv("dot_vjp1", self.shape(), rhs.shape(), g.shape());
        self.t().dot(g)
    }
    #[track_caller]
    fn dot_acc0_op(
        &self,
        rhs: &ArrayBase<S2, Ix1>,
        g: &ArrayBase<S3, Ix1>,
        slot: &mut Option<Array2<F>>,
    ) {
        match slot {
            Some(s) => {
                check_mv("dot_acc0", self.shape(), rhs.shape(), g.shape());
                check_slot("dot_acc0", s, self.shape());
                rank1_acc(s, g, rhs);
            }
            None => *slot = Some(self.dot_vjp0_op(rhs, g)),
        }
    }
    #[track_caller]
    fn dot_acc1_op(
        &self,
        rhs: &ArrayBase<S2, Ix1>,
        g: &ArrayBase<S3, Ix1>,
        slot: &mut Option<Array1<F>>,
    ) {
        match slot {
            Some(s) => {
                check_mv("dot_acc1", self.shape(), rhs.shape(), g.shape());
                check_slot("dot_acc1", s, rhs.shape());
                general_mat_vec_mul(F::one(), &self.t(), g, F::one(), s);
            }
            None => *slot = Some(self.dot_vjp1_op(rhs, g)),
        }
    }
}

// ---- vector · matrix -> vector ----

impl<F: Float, S1, S2> DotOp<ArrayBase<S2, Ix2>> for ArrayBase<S1, Ix1>
where
    S1: Data<Elem = F>,
    S2: Data<Elem = F>,
{
    type Output = Array1<F>;
    #[inline]
    #[track_caller]
    fn dot_op(&self, rhs: &ArrayBase<S2, Ix2>) -> Array1<F> {
        if self.len() != rhs.nrows() {
            shape_panic("dot", self.shape(), rhs.shape());
        }
        self.dot(rhs)
    }
}

/// Checks `a (k) · b (k×n)` against `g (n)`.
#[inline]
#[track_caller]
fn check_vm(op: &str, a: &[usize], b: &[usize], g: &[usize]) {
    if a[0] != b[0] {
        shape_panic(op, a, b);
    }
    check_same_shape(op, g, &b[1..]);
}

impl<F: Float, S1, S2, S3> DotAdjoint<ArrayBase<S2, Ix2>, ArrayBase<S3, Ix1>> for ArrayBase<S1, Ix1>
where
    S1: Data<Elem = F>,
    S2: Data<Elem = F>,
    S3: Data<Elem = F>,
{
    type Grad0 = Array1<F>;
    type Grad1 = Array2<F>;
    #[track_caller]
    fn dot_vjp0_op(&self, rhs: &ArrayBase<S2, Ix2>, g: &ArrayBase<S3, Ix1>) -> Array1<F> {
        check_vm("dot_vjp0", self.shape(), rhs.shape(), g.shape());
        rhs.dot(g)
    }
    #[track_caller]
    fn dot_vjp1_op(&self, rhs: &ArrayBase<S2, Ix2>, g: &ArrayBase<S3, Ix1>) -> Array2<F> {
        check_vm("dot_vjp1", self.shape(), rhs.shape(), g.shape());
        outer(self, g)
    }
    #[track_caller]
    fn dot_acc0_op(
        &self,
        rhs: &ArrayBase<S2, Ix2>,
        g: &ArrayBase<S3, Ix1>,
        slot: &mut Option<Array1<F>>,
    ) {
        match slot {
            Some(s) => {
                check_vm("dot_acc0", self.shape(), rhs.shape(), g.shape());
                check_slot("dot_acc0", s, self.shape());
                general_mat_vec_mul(F::one(), rhs, g, F::one(), s);
            }
            None => *slot = Some(self.dot_vjp0_op(rhs, g)),
        }
    }
    #[track_caller]
    fn dot_acc1_op(
        &self,
        rhs: &ArrayBase<S2, Ix2>,
        g: &ArrayBase<S3, Ix1>,
        slot: &mut Option<Array2<F>>,
    ) {
        match slot {
            Some(s) => {
                check_vm("dot_acc1", self.shape(), rhs.shape(), g.shape());
                check_slot("dot_acc1", s, rhs.shape());
                rank1_acc(s, self, g);
            }
            None => *slot = Some(self.dot_vjp1_op(rhs, g)),
        }
    }
}

// ---- matrix · matrix -> matrix ----

impl<F: Float, S1, S2> DotOp<ArrayBase<S2, Ix2>> for ArrayBase<S1, Ix2>
where
    S1: Data<Elem = F>,
    S2: Data<Elem = F>,
{
    type Output = Array2<F>;
    #[inline]
    #[track_caller]
    fn dot_op(&self, rhs: &ArrayBase<S2, Ix2>) -> Array2<F> {
        if self.ncols() != rhs.nrows() {
            shape_panic("dot", self.shape(), rhs.shape());
        }
        if all_zero(self) || all_zero(rhs) {
            return Array2::zeros((self.nrows(), rhs.ncols()));
        }
        if self.nrows() == 1 {
            return row_dot(&self.row(0), rhs);
        }
        mm(self, rhs)
    }
}

/// Checks `a (m×k) · b (k×n)` against `g (m×n)`.
#[inline]
#[track_caller]
fn check_mm(op: &str, a: &[usize], b: &[usize], g: &[usize]) {
    if a[1] != b[0] {
        shape_panic(op, a, b);
    }
    check_same_shape(op, g, &[a[0], b[1]]);
}

impl<F: Float, S1, S2, S3> DotAdjoint<ArrayBase<S2, Ix2>, ArrayBase<S3, Ix2>> for ArrayBase<S1, Ix2>
where
    S1: Data<Elem = F>,
    S2: Data<Elem = F>,
    S3: Data<Elem = F>,
{
    type Grad0 = Array2<F>;
    type Grad1 = Array2<F>;
    #[track_caller]
    fn dot_vjp0_op(&self, rhs: &ArrayBase<S2, Ix2>, g: &ArrayBase<S3, Ix2>) -> Array2<F> {
        check_mm("dot_vjp0", self.shape(), rhs.shape(), g.shape());
        if all_zero(g) || all_zero(rhs) {
            return Array2::zeros(self.raw_dim());
        }
        if g.nrows() == 1 {
            return row_dot(&g.row(0), &rhs.t());
        }
        mm(g, &rhs.t())
    }
    #[track_caller]
    fn dot_vjp1_op(&self, rhs: &ArrayBase<S2, Ix2>, g: &ArrayBase<S3, Ix2>) -> Array2<F> {
        check_mm("dot_vjp1", self.shape(), rhs.shape(), g.shape());
        if all_zero(self) || all_zero(g) {
            return Array2::zeros(rhs.raw_dim());
        }
        if self.nrows() == 1 {
            let mut out = Array2::zeros(rhs.raw_dim());
            row_outer_acc(&mut out, &self.row(0), &g.row(0));
            return out;
        }
        mm(&self.t(), g)
    }
    #[track_caller]
    fn dot_acc0_op(
        &self,
        rhs: &ArrayBase<S2, Ix2>,
        g: &ArrayBase<S3, Ix2>,
        slot: &mut Option<Array2<F>>,
    ) {
        match slot {
            Some(s) => {
                check_mm("dot_acc0", self.shape(), rhs.shape(), g.shape());
                check_slot("dot_acc0", s, self.shape());
                if all_zero(g) || all_zero(rhs) {
                    return;
                }
                if g.nrows() == 1 {
                    general_mat_vec_mul(F::one(), rhs, &g.row(0), F::one(), &mut s.row_mut(0));
                } else {
                    mm_acc(g, &rhs.t(), s);
                }
            }
            None => *slot = Some(self.dot_vjp0_op(rhs, g)),
        }
    }
    #[track_caller]
    fn dot_acc1_op(
        &self,
        rhs: &ArrayBase<S2, Ix2>,
        g: &ArrayBase<S3, Ix2>,
        slot: &mut Option<Array2<F>>,
    ) {
        match slot {
            Some(s) => {
                check_mm("dot_acc1", self.shape(), rhs.shape(), g.shape());
                check_slot("dot_acc1", s, rhs.shape());
                if all_zero(self) || all_zero(g) {
                    return;
                }
                if self.nrows() == 1 {
                    row_outer_acc(s, &self.row(0), &g.row(0));
                } else {
                    mm_acc(&self.t(), g, s);
                }
            }
            None => *slot = Some(self.dot_vjp1_op(rhs, g)),
        }
    }
}

// ---- free functions: what generated code calls ----

/// Shorthand for the result type of `dot(a, b)`.
pub type DotOut<A, B> = <<A as Val>::V as DotOp<<B as Val>::V>>::Output;
/// Shorthand for the adjoint type of `dot`'s left operand.
pub type DotGrad0<A, B, G> = <<A as Val>::V as DotAdjoint<<B as Val>::V, <G as Val>::V>>::Grad0;
/// Shorthand for the adjoint type of `dot`'s right operand.
pub type DotGrad1<A, B, G> = <<A as Val>::V as DotAdjoint<<B as Val>::V, <G as Val>::V>>::Grad1;

/// The matrix product `a · b` (vector·vector → scalar, matrix·vector, vector·matrix →
/// vector, matrix·matrix → matrix), through BLAS gemm/gemv.
#[inline]
#[track_caller]
pub fn dot<A, B>(a: &A, b: &B) -> DotOut<A, B>
where
    A: Val + ?Sized,
    B: Val + ?Sized,
    A::V: DotOp<B::V>,
{
    a.v().dot_op(b.v())
}

/// Tangent of `dot(a, b)` wrt `a`: `dot(da, b)`.
#[inline]
#[track_caller]
pub fn dot_jvp0<A, B, R, T>(_a: &A, b: &B, _r: &R, da: &T) -> DotOut<T, B>
where
    A: ?Sized,
    R: ?Sized,
    B: Val + ?Sized,
    T: Val + ?Sized,
    T::V: DotOp<B::V>,
{
    dot(da, b)
}

/// Tangent of `dot(a, b)` wrt `b`: `dot(a, db)`.
#[inline]
#[track_caller]
pub fn dot_jvp1<A, B, R, T>(a: &A, _b: &B, _r: &R, db: &T) -> DotOut<A, T>
where
    B: ?Sized,
    R: ?Sized,
    A: Val + ?Sized,
    T: Val + ?Sized,
    A::V: DotOp<T::V>,
{
    dot(a, db)
}

/// Adjoint of `dot(a, b)` wrt `a` (see the module table; `dot(g, t(b))` for matrices).
#[inline]
#[track_caller]
pub fn dot_vjp0<A, B, R, G>(a: &A, b: &B, _r: &R, g: &G) -> DotGrad0<A, B, G>
where
    R: ?Sized,
    A: Val + ?Sized,
    B: Val + ?Sized,
    G: Val + ?Sized,
    A::V: DotAdjoint<B::V, G::V>,
{
    a.v().dot_vjp0_op(b.v(), g.v())
}

/// Adjoint of `dot(a, b)` wrt `b` (see the module table; `dot(t(a), g)` for matrices).
#[inline]
#[track_caller]
pub fn dot_vjp1<A, B, R, G>(a: &A, b: &B, _r: &R, g: &G) -> DotGrad1<A, B, G>
where
    R: ?Sized,
    A: Val + ?Sized,
    B: Val + ?Sized,
    G: Val + ?Sized,
    A::V: DotAdjoint<B::V, G::V>,
{
    a.v().dot_vjp1_op(b.v(), g.v())
}

/// Adds [`dot_vjp0`] into `slot`: in place (gemm/gemv/axpy with beta = 1) when it
/// holds a value, a fresh allocation when it is `None`.
#[inline]
#[track_caller]
pub fn dot_acc0<A, B, R, G>(slot: &mut Option<DotGrad0<A, B, G>>, a: &A, b: &B, _r: &R, g: &G)
where
    R: ?Sized,
    A: Val + ?Sized,
    B: Val + ?Sized,
    G: Val + ?Sized,
    A::V: DotAdjoint<B::V, G::V>,
{
    a.v().dot_acc0_op(b.v(), g.v(), slot)
}

/// Adds [`dot_vjp1`] into `slot`: in place (gemm/gemv/axpy with beta = 1) when it
/// holds a value, a fresh allocation when it is `None`.
#[inline]
#[track_caller]
pub fn dot_acc1<A, B, R, G>(slot: &mut Option<DotGrad1<A, B, G>>, a: &A, b: &B, _r: &R, g: &G)
where
    R: ?Sized,
    A: Val + ?Sized,
    B: Val + ?Sized,
    G: Val + ?Sized,
    A::V: DotAdjoint<B::V, G::V>,
{
    a.v().dot_acc1_op(b.v(), g.v(), slot)
}

// ---- transpose ----

/// The transpose `aᵀ` (all axes reversed) as a **view** of `a`: no copy; a later
/// `dot` passes it to BLAS as a transpose flag. Call [`super::to_owned`] for an array.
#[inline]
pub fn t<'a, A, S, D, F: Float>(a: &'a A) -> ArrayView<'a, F, D>
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F> + 'a,
    D: Dimension + 'a,
{
    a.v().t()
}

/// Tangent of `t(a)`: `t(da)` (owned; the copy keeps `da`'s memory order, so it is a
/// plain memcpy and stays BLAS-compatible).
#[inline]
pub fn t_jvp0<A, R, T, S, D, F: Float>(_a: &A, _r: &R, da: &T) -> Array<F, D>
where
    A: ?Sized,
    R: ?Sized,
    T: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
{
    t(da).to_owned()
}

/// Adjoint of `t(a)`: `t(g)` (owned, same memory-order copy as [`t_jvp0`]).
#[inline]
#[track_caller]
pub fn t_vjp0<A, R, G, S1, S, D, F: Float>(a: &A, _r: &R, g: &G) -> Array<F, D>
where
    R: ?Sized,
    A: Val<V = ArrayBase<S1, D>> + ?Sized,
    S1: Data<Elem = F>,
    G: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
{
    let gt = t(g);
    check_same_shape("t_vjp0", gt.shape(), a.v().shape());
    gt.to_owned()
}
