//! `+ - * /` and unary `-` between scalars and arrays (ndarray broadcasting), with rules.

use super::{check_broadcast, sum_to, BroadcastTo, SumTo, SumToOwned, Val};
use crate::Float;
use ndarray::{Array, ArrayBase, Data, DimMax, Dimension};

/// Binary arithmetic between two value types (`f64`/`f32` or arrays of the same
/// element type), broadcasting.
#[diagnostic::on_unimplemented(
    message = "cannot combine `{Self}` and `{Rhs}` in differentiated arithmetic",
    note = "operands must be f64 or ndarray arrays of f64 (or all f32) whose shapes broadcast"
)]
pub trait Arith<Rhs: ?Sized> {
    /// The (owned) result type.
    type Output;
    /// `self + rhs`
    fn add_op(&self, rhs: &Rhs) -> Self::Output;
    /// `self - rhs`
    fn sub_op(&self, rhs: &Rhs) -> Self::Output;
    /// `self * rhs`
    fn mul_op(&self, rhs: &Rhs) -> Self::Output;
    /// `self / rhs`
    fn div_op(&self, rhs: &Rhs) -> Self::Output;
}

impl<F: Float> Arith<F> for F {
    type Output = F;
    #[inline]
    fn add_op(&self, r: &F) -> F {
        *self + *r
    }
    #[inline]
    fn sub_op(&self, r: &F) -> F {
        *self - *r
    }
    #[inline]
    fn mul_op(&self, r: &F) -> F {
        *self * *r
    }
    #[inline]
    fn div_op(&self, r: &F) -> F {
        *self / *r
    }
}

impl<F: Float, S: Data<Elem = F>, D: Dimension> Arith<ArrayBase<S, D>> for F {
    type Output = Array<F, D>;
    fn add_op(&self, r: &ArrayBase<S, D>) -> Array<F, D> {
        let a = *self;
        r.mapv(|v| a + v)
    }
    fn sub_op(&self, r: &ArrayBase<S, D>) -> Array<F, D> {
        let a = *self;
        r.mapv(|v| a - v)
    }
    fn mul_op(&self, r: &ArrayBase<S, D>) -> Array<F, D> {
        let a = *self;
        r.mapv(|v| a * v)
    }
    fn div_op(&self, r: &ArrayBase<S, D>) -> Array<F, D> {
        let a = *self;
        r.mapv(|v| a / v)
    }
}

impl<F: Float, S: Data<Elem = F>, D: Dimension> Arith<F> for ArrayBase<S, D> {
    type Output = Array<F, D>;
    fn add_op(&self, r: &F) -> Array<F, D> {
        let b = *r;
        self.mapv(|v| v + b)
    }
    fn sub_op(&self, r: &F) -> Array<F, D> {
        let b = *r;
        self.mapv(|v| v - b)
    }
    fn mul_op(&self, r: &F) -> Array<F, D> {
        let b = *r;
        self.mapv(|v| v * b)
    }
    fn div_op(&self, r: &F) -> Array<F, D> {
        let b = *r;
        self.mapv(|v| v / b)
    }
}

/// `f` elementwise over two arrays that broadcast, by a plain loop in the two cases
/// generated code meets most (one shape in standard layout; one operand with a single
/// element, such as a shared rate): ndarray's general zip costs several times the
/// arithmetic on short vectors. `None` otherwise (or if the result's dimension type
/// does not take the shape). The values are those of ndarray's broadcasting operators.
#[inline]
fn zip_fast<F, S1, S2, D1, D2>(
    a: &ArrayBase<S1, D1>,
    b: &ArrayBase<S2, D2>,
    f: impl Fn(F, F) -> F,
) -> Option<Array<F, <D1 as DimMax<D2>>::Output>>
where
    F: Float,
    S1: Data<Elem = F>,
    S2: Data<Elem = F>,
    D1: Dimension + DimMax<D2>,
    D2: Dimension,
{
    if a.shape() == b.shape() {
        let (x, y) = (a.as_slice()?, b.as_slice()?);
        let v: Vec<F> = x.iter().zip(y).map(|(&p, &q)| f(p, q)).collect();
        let out = Array::from_shape_vec(a.raw_dim(), v).ok()?;
        return out.into_dimensionality().ok();
    }
    if b.len() == 1 && b.ndim() <= a.ndim() {
        let q = *b.iter().next()?;
        return a.mapv(|p| f(p, q)).into_dimensionality().ok();
    }
    if a.len() == 1 && a.ndim() <= b.ndim() {
        let p = *a.iter().next()?;
        return b.mapv(|q| f(p, q)).into_dimensionality().ok();
    }
    None
}

impl<F, S1, S2, D1, D2> Arith<ArrayBase<S2, D2>> for ArrayBase<S1, D1>
where
    F: Float,
    S1: Data<Elem = F>,
    S2: Data<Elem = F>,
    D1: Dimension + DimMax<D2>,
    D2: Dimension,
{
    type Output = Array<F, <D1 as DimMax<D2>>::Output>;
    #[track_caller]
    fn add_op(&self, r: &ArrayBase<S2, D2>) -> Self::Output {
        check_broadcast("add", self.shape(), r.shape());
        zip_fast(self, r, |p, q| p + q).unwrap_or_else(|| self + r)
    }
    #[track_caller]
    fn sub_op(&self, r: &ArrayBase<S2, D2>) -> Self::Output {
        check_broadcast("sub", self.shape(), r.shape());
        zip_fast(self, r, |p, q| p - q).unwrap_or_else(|| self - r)
    }
    #[track_caller]
    fn mul_op(&self, r: &ArrayBase<S2, D2>) -> Self::Output {
        check_broadcast("mul", self.shape(), r.shape());
        zip_fast(self, r, |p, q| p * q).unwrap_or_else(|| self * r)
    }
    #[track_caller]
    fn div_op(&self, r: &ArrayBase<S2, D2>) -> Self::Output {
        check_broadcast("div", self.shape(), r.shape());
        zip_fast(self, r, |p, q| p / q).unwrap_or_else(|| self / r)
    }
}

/// Unary minus on a value type.
pub trait Negate {
    /// The (owned) result type.
    type Output;
    /// `-self`
    fn neg_op(&self) -> Self::Output;
}

impl<F: Float> Negate for F {
    type Output = F;
    #[inline]
    fn neg_op(&self) -> F {
        -*self
    }
}

impl<F: Float, S: Data<Elem = F>, D: Dimension> Negate for ArrayBase<S, D> {
    type Output = Array<F, D>;
    fn neg_op(&self) -> Array<F, D> {
        self.mapv(|v| -v)
    }
}

/// [`Negate`] of an owned value, in place (no second allocation for an array).
pub trait NegateOwned: Negate<Output = Self> + Sized {
    /// `-self`, reusing `self`'s storage.
    fn neg_owned(self) -> Self;
}

impl<F: Float> NegateOwned for F {
    #[inline]
    fn neg_owned(self) -> F {
        -self
    }
}

impl<F: Float, D: Dimension> NegateOwned for Array<F, D> {
    #[inline]
    fn neg_owned(mut self) -> Array<F, D> {
        self.mapv_inplace(|v| -v);
        self
    }
}

/// Shorthand for the result type of a binary op on two [`Val`]s.
pub type ArithOut<A, B> = <<A as Val>::V as Arith<<B as Val>::V>>::Output;

macro_rules! binary_primal {
    ($name:ident, $method:ident, $doc:literal) => {
        #[doc = $doc]
        #[inline]
        #[track_caller]
        pub fn $name<A, B>(a: &A, b: &B) -> ArithOut<A, B>
        where
            A: Val + ?Sized,
            B: Val + ?Sized,
            A::V: Arith<B::V>,
        {
            a.v().$method(b.v())
        }
    };
}

binary_primal!(add, add_op, "`a + b` with broadcasting.");
binary_primal!(sub, sub_op, "`a - b` with broadcasting.");
binary_primal!(mul, mul_op, "`a * b` (elementwise) with broadcasting.");
binary_primal!(div, div_op, "`a / b` (elementwise) with broadcasting.");

/// `-a`.
#[inline]
pub fn neg<A>(a: &A) -> <A::V as Negate>::Output
where
    A: Val + ?Sized,
    A::V: Negate,
{
    a.v().neg_op()
}

/// Tangent of `-a`: `-da`.
#[inline]
pub fn neg_jvp0<A, R, T>(_a: &A, _r: &R, da: &T) -> <T::V as Negate>::Output
where
    A: ?Sized,
    R: ?Sized,
    T: Val + ?Sized,
    T::V: Negate,
{
    neg(da)
}

/// Adjoint of `-a`: `-g`.
#[inline]
pub fn neg_vjp0<A, R, G>(_a: &A, _r: &R, g: &G) -> <G::V as Negate>::Output
where
    A: ?Sized,
    R: ?Sized,
    G: Val + ?Sized,
    G::V: Negate,
{
    neg(g)
}

// ---- add / sub: tangents broadcast, adjoints sum over broadcast axes ----

/// Tangent of `a + b` wrt `a`: `da` spread over the result.
#[inline]
pub fn add_jvp0<A: ?Sized, B: ?Sized, R, T>(
    _a: &A,
    _b: &B,
    r: &R,
    da: &T,
) -> <T::V as BroadcastTo<R::V>>::Out
where
    R: Val + ?Sized,
    T: Val + ?Sized,
    T::V: BroadcastTo<R::V>,
{
    super::broadcast_to(da, r)
}

/// Tangent of `a + b` wrt `b`: `db` spread over the result.
#[inline]
pub fn add_jvp1<A: ?Sized, B: ?Sized, R, T>(
    _a: &A,
    _b: &B,
    r: &R,
    db: &T,
) -> <T::V as BroadcastTo<R::V>>::Out
where
    R: Val + ?Sized,
    T: Val + ?Sized,
    T::V: BroadcastTo<R::V>,
{
    super::broadcast_to(db, r)
}

/// Adjoint of `a + b` wrt `a`: `g` summed to the shape of `a`.
#[inline]
pub fn add_vjp0<A, B: ?Sized, R: ?Sized, G>(
    a: &A,
    _b: &B,
    _r: &R,
    g: &G,
) -> <G::V as SumTo<A::V>>::Out
where
    A: Val + ?Sized,
    G: Val + ?Sized,
    G::V: SumTo<A::V>,
{
    sum_to(g, a)
}

/// Adjoint of `a + b` wrt `b`: `g` summed to the shape of `b`.
#[inline]
pub fn add_vjp1<A: ?Sized, B, R: ?Sized, G>(
    _a: &A,
    b: &B,
    _r: &R,
    g: &G,
) -> <G::V as SumTo<B::V>>::Out
where
    B: Val + ?Sized,
    G: Val + ?Sized,
    G::V: SumTo<B::V>,
{
    sum_to(g, b)
}

/// Tangent of `a - b` wrt `a`.
#[inline]
pub fn sub_jvp0<A: ?Sized, B: ?Sized, R, T>(
    a: &A,
    b: &B,
    r: &R,
    da: &T,
) -> <T::V as BroadcastTo<R::V>>::Out
where
    R: Val + ?Sized,
    T: Val + ?Sized,
    T::V: BroadcastTo<R::V>,
{
    add_jvp0(a, b, r, da)
}

/// Tangent of `a - b` wrt `b`: `-db` spread over the result (negated in place).
#[inline]
pub fn sub_jvp1<A: ?Sized, B: ?Sized, R, T>(
    _a: &A,
    _b: &B,
    r: &R,
    db: &T,
) -> <T::V as BroadcastTo<R::V>>::Out
where
    R: Val + ?Sized,
    T: Val + ?Sized,
    T::V: BroadcastTo<R::V>,
    <T::V as BroadcastTo<R::V>>::Out: NegateOwned,
{
    super::broadcast_to(db, r).neg_owned()
}

/// Adjoint of `a - b` wrt `a`.
#[inline]
pub fn sub_vjp0<A, B: ?Sized, R: ?Sized, G>(
    a: &A,
    b: &B,
    r: &R,
    g: &G,
) -> <G::V as SumTo<A::V>>::Out
where
    A: Val + ?Sized,
    G: Val + ?Sized,
    G::V: SumTo<A::V>,
{
    add_vjp0(a, b, r, g)
}

/// Adjoint of `a - b` wrt `b`: `-g` summed to the shape of `b` (negated in place: one
/// array allocated, not two).
#[inline]
pub fn sub_vjp1<A: ?Sized, B, R: ?Sized, G>(
    _a: &A,
    b: &B,
    _r: &R,
    g: &G,
) -> <G::V as SumTo<B::V>>::Out
where
    B: Val + ?Sized,
    G: Val + ?Sized,
    G::V: SumTo<B::V>,
    <G::V as SumTo<B::V>>::Out: NegateOwned,
{
    sum_to(g, b).neg_owned()
}

// ---- mul ----

/// Tangent of `a * b` wrt `a`: `da * b`.
#[inline]
pub fn mul_jvp0<A: ?Sized, B, R: ?Sized, T>(_a: &A, b: &B, _r: &R, da: &T) -> ArithOut<T, B>
where
    B: Val + ?Sized,
    T: Val + ?Sized,
    T::V: Arith<B::V>,
{
    mul(da, b)
}

/// Tangent of `a * b` wrt `b`: `a * db`.
#[inline]
pub fn mul_jvp1<A, B: ?Sized, R: ?Sized, T>(a: &A, _b: &B, _r: &R, db: &T) -> ArithOut<A, T>
where
    A: Val + ?Sized,
    T: Val + ?Sized,
    A::V: Arith<T::V>,
{
    mul(a, db)
}

/// Adjoint of `a * b` wrt `a`: `g * b` summed to the shape of `a` (the product is
/// moved through when it has `a`'s shape).
#[inline]
pub fn mul_vjp0<A, B, R: ?Sized, G>(
    a: &A,
    b: &B,
    _r: &R,
    g: &G,
) -> <ArithOut<G, B> as SumTo<A::V>>::Out
where
    A: Val + ?Sized,
    B: Val + ?Sized,
    G: Val + ?Sized,
    G::V: Arith<B::V>,
    ArithOut<G, B>: SumToOwned<A::V>,
{
    mul(g, b).sum_to_owned(a.v())
}

/// Adjoint of `a * b` wrt `b`: `a * g` summed to the shape of `b` (the product is
/// moved through when it has `b`'s shape).
#[inline]
pub fn mul_vjp1<A, B, R: ?Sized, G>(
    a: &A,
    b: &B,
    _r: &R,
    g: &G,
) -> <ArithOut<A, G> as SumTo<B::V>>::Out
where
    A: Val + ?Sized,
    B: Val + ?Sized,
    G: Val + ?Sized,
    A::V: Arith<G::V>,
    ArithOut<A, G>: SumToOwned<B::V>,
{
    mul(a, g).sum_to_owned(b.v())
}

// ---- div ----

/// Tangent of `a / b` wrt `a`: `da / b`.
#[inline]
pub fn div_jvp0<A: ?Sized, B, R: ?Sized, T>(_a: &A, b: &B, _r: &R, da: &T) -> ArithOut<T, B>
where
    B: Val + ?Sized,
    T: Val + ?Sized,
    T::V: Arith<B::V>,
{
    div(da, b)
}

/// Tangent of `a / b` wrt `b`: `-(r * db) / b` where `r = a / b`.
#[inline]
pub fn div_jvp1<A: ?Sized, B, R, T>(
    _a: &A,
    b: &B,
    r: &R,
    db: &T,
) -> <<ArithOut<R, T> as Arith<B::V>>::Output as Negate>::Output
where
    B: Val + ?Sized,
    R: Val + ?Sized,
    T: Val + ?Sized,
    R::V: Arith<T::V>,
    ArithOut<R, T>: Arith<B::V>,
    <ArithOut<R, T> as Arith<B::V>>::Output: Negate,
{
    mul(r, db).div_op(b.v()).neg_op()
}

/// Adjoint of `a / b` wrt `a`: `g / b` summed to the shape of `a`.
#[inline]
pub fn div_vjp0<A, B, R: ?Sized, G>(
    a: &A,
    b: &B,
    _r: &R,
    g: &G,
) -> <ArithOut<G, B> as SumTo<A::V>>::Out
where
    A: Val + ?Sized,
    B: Val + ?Sized,
    G: Val + ?Sized,
    G::V: Arith<B::V>,
    ArithOut<G, B>: SumTo<A::V>,
{
    div(g, b).sum_to(a.v())
}

/// Adjoint of `a / b` wrt `b`: `-(g * r) / b` summed to the shape of `b`.
#[allow(clippy::type_complexity)]
#[inline]
pub fn div_vjp1<A: ?Sized, B, R, G>(
    _a: &A,
    b: &B,
    r: &R,
    g: &G,
) -> <<<ArithOut<G, R> as Arith<B::V>>::Output as SumTo<B::V>>::Out as Negate>::Output
where
    B: Val + ?Sized,
    R: Val + ?Sized,
    G: Val + ?Sized,
    G::V: Arith<R::V>,
    ArithOut<G, R>: Arith<B::V>,
    <ArithOut<G, R> as Arith<B::V>>::Output: SumTo<B::V>,
    <<ArithOut<G, R> as Arith<B::V>>::Output as SumTo<B::V>>::Out: Negate,
{
    mul(g, r).div_op(b.v()).sum_to(b.v()).neg_op()
}
