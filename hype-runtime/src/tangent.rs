//! The vector space of derivatives.
//!
//! [`Tangent`] is implemented by every owned type that can hold a derivative: `f64`,
//! `f32`, `Array<f64, D>`, `Array<f32, D>`, tuples, `Vec<T>`, `[T; N]` and user structs with
//! `#[derive(Tangent)]`. [`HasTangent`] maps any differentiable *value* type (also
//! references, slices (to `Vec`) and array views) to the owned [`Tangent`] type of its derivatives.
//!
//! The API's scalars (`scale`, `axpy`, `inner`, `flatten`/`rebuild`) are `f64` for
//! every element type: `f32` values are widened to `f64`, combined, and rounded back.

use crate::error::HypeError;
use crate::Float;
use ndarray::{Array, Array1, ArrayBase, Data, Dimension};

/// A vector space: the type of tangents (forward mode) and adjoints (reverse mode).
///
/// The flat representation concatenates every scalar in a fixed order (fields in
/// declaration order, arrays in logical row-major order), as RFHO's vectorized models
/// do; optimizers and hypergradient drivers work on it.
pub trait Tangent: Clone {
    /// A value of the same shape with every scalar zero.
    fn zero_like(&self) -> Self;
    /// `self += other` (shapes must agree).
    fn add_assign_tangent(&mut self, other: &Self);
    /// `self *= a`.
    fn scale(&mut self, a: f64);
    /// `self += a * x`.
    fn axpy(&mut self, a: f64, x: &Self);
    /// Inner product `<self, other>`.
    fn inner(&self, other: &Self) -> f64;
    /// Number of scalars.
    fn flat_len(&self) -> usize;
    /// Appends every scalar to `out`.
    fn write_flat(&self, out: &mut Vec<f64>);
    /// Reads a value shaped like `self` from `flat[*pos..]`, advancing `pos`.
    /// The caller guarantees that enough values remain (see [`Tangent::rebuild`]).
    fn read_flat(&self, flat: &[f64], pos: &mut usize) -> Self;

    /// A zero that allocates nothing yet, for struct adjoints filled field by field:
    /// an array's lazy zero is an empty array that the first contribution replaces
    /// (see [`Tangent::acc_move`]) and [`HasTangent::densify`] turns into zeros.
    /// Lazy zeros live only in reverse-mode adjoint slots. Default: [`Tangent::zero_like`].
    #[inline]
    fn lazy_zero_like(&self) -> Self {
        self.zero_like()
    }
    /// `self += other`, moving `other` in where `self` is a lazy zero.
    #[inline]
    fn acc_move(&mut self, other: Self) {
        self.add_assign_tangent(&other)
    }
    /// Replaces lazy zeros by zeros shaped like `like`. Default: nothing to do.
    #[inline]
    fn densify_like(&mut self, _like: &Self) {}

    /// All scalars in one vector.
    fn flatten(&self) -> Array1<f64> {
        let mut out = Vec::with_capacity(self.flat_len());
        self.write_flat(&mut out);
        Array1::from_vec(out)
    }

    /// A value shaped like `self` whose scalars are `flat`; errors when the length differs.
    fn rebuild(&self, flat: &Array1<f64>) -> Result<Self, HypeError> {
        let expected = self.flat_len();
        if flat.len() != expected {
            return Err(HypeError::FlatLength {
                expected,
                found: flat.len(),
            });
        }
        let data: Vec<f64> = flat.iter().copied().collect();
        let mut pos = 0;
        Ok(self.read_flat(&data, &mut pos))
    }
}

/// Maps a differentiable value type to the owned [`Tangent`] type of its derivatives.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a differentiable type",
    label = "this value has no tangent type",
    note = "differentiable types are f64, f32, ndarray arrays of f64, tuples and Vecs of them, and structs with #[derive(Tangent)]; mark other parameters #[constant]"
)]
pub trait HasTangent {
    /// The owned type of derivatives of `Self`.
    type Tangent: Tangent;
    /// The zero derivative, shaped like `self`.
    fn zero_tangent(&self) -> Self::Tangent;
    /// A zero derivative that allocates nothing yet (see [`Tangent::lazy_zero_like`]).
    #[inline]
    fn lazy_zero_tangent(&self) -> Self::Tangent {
        self.zero_tangent()
    }
    /// Replaces the lazy zeros in `t` by zeros shaped like `self`.
    #[inline]
    fn densify(&self, _t: &mut Self::Tangent) {}
}

macro_rules! float_tangent {
    ($t:ty) => {
        impl Tangent for $t {
            fn zero_like(&self) -> Self {
                0.0
            }
            #[inline]
            fn add_assign_tangent(&mut self, other: &Self) {
                *self += *other;
            }
            fn scale(&mut self, a: f64) {
                *self = (*self as f64 * a) as $t;
            }
            fn axpy(&mut self, a: f64, x: &Self) {
                *self = (*self as f64 + a * *x as f64) as $t;
            }
            fn inner(&self, other: &Self) -> f64 {
                *self as f64 * *other as f64
            }
            fn flat_len(&self) -> usize {
                1
            }
            fn write_flat(&self, out: &mut Vec<f64>) {
                out.push(*self as f64);
            }
            fn read_flat(&self, flat: &[f64], pos: &mut usize) -> Self {
                let v = flat[*pos] as $t;
                *pos += 1;
                v
            }
        }

        impl HasTangent for $t {
            type Tangent = $t;
            #[inline]
            fn zero_tangent(&self) -> $t {
                0.0
            }
        }

        impl TangentScalar for $t {}
    };
}

/// Element types of arrays that have tangents (`f64`, `f32`).
pub trait TangentScalar: Copy + num_zero::Zero + 'static {}

mod num_zero {
    pub trait Zero: Clone + ndarray::NdFloat {}
    impl Zero for f64 {}
    impl Zero for f32 {}
}

impl<A: TangentScalar, S: Data<Elem = A>, D: Dimension> HasTangent for ArrayBase<S, D>
where
    Array<A, D>: Tangent,
{
    type Tangent = Array<A, D>;
    fn zero_tangent(&self) -> Array<A, D> {
        Array::zeros(self.raw_dim())
    }
    fn lazy_zero_tangent(&self) -> Array<A, D> {
        Array::zeros(D::zeros(self.ndim()))
    }
    fn densify(&self, t: &mut Array<A, D>) {
        if t.is_empty() && t.shape() != self.shape() {
            *t = Array::zeros(self.raw_dim());
        }
    }
}

float_tangent!(f64);
float_tangent!(f32);

/// Arrays of `f32` or `f64`. The API's scalars are `f64` for both (`scale`, `axpy`,
/// `inner`, the flat vector): `f32` elements are widened, combined in `f64` and
/// rounded back (exact for `f64`); inner products accumulate in `f64`.
impl<F: Float, D: Dimension> Tangent for Array<F, D> {
    fn zero_like(&self) -> Self {
        Array::zeros(self.raw_dim())
    }
    fn add_assign_tangent(&mut self, other: &Self) {
        // An empty side is a lazy zero (see `lazy_zero_like`).
        if other.is_empty() {
            return;
        }
        if self.is_empty() {
            *self = other.clone();
            return;
        }
        crate::rt::check_same_shape("add_assign_tangent", self.shape(), other.shape());
        *self += other;
    }
    fn lazy_zero_like(&self) -> Self {
        Array::zeros(D::zeros(self.ndim()))
    }
    fn acc_move(&mut self, other: Self) {
        if self.is_empty() {
            *self = other;
        } else {
            self.add_assign_tangent(&other);
        }
    }
    fn densify_like(&mut self, like: &Self) {
        if self.is_empty() && self.shape() != like.shape() {
            *self = Array::zeros(like.raw_dim());
        }
    }
    fn scale(&mut self, a: f64) {
        self.mapv_inplace(|v| F::of_f64(v.into_f64() * a));
    }
    fn axpy(&mut self, a: f64, x: &Self) {
        crate::rt::check_same_shape("axpy", self.shape(), x.shape());
        self.zip_mut_with(x, |s, &v| *s = F::of_f64(s.into_f64() + a * v.into_f64()));
    }
    fn inner(&self, other: &Self) -> f64 {
        crate::rt::check_same_shape("inner", self.shape(), other.shape());
        self.iter()
            .zip(other.iter())
            .map(|(&a, &b)| a.into_f64() * b.into_f64())
            .sum()
    }
    fn flat_len(&self) -> usize {
        self.len()
    }
    fn write_flat(&self, out: &mut Vec<f64>) {
        out.extend(self.iter().map(|&v| v.into_f64()));
    }
    fn read_flat(&self, flat: &[f64], pos: &mut usize) -> Self {
        let n = self.len();
        let data: Vec<F> = flat[*pos..*pos + n].iter().map(|&v| F::of_f64(v)).collect();
        *pos += n;
        Array::from_shape_vec(self.raw_dim(), data)
            .expect("length checked against the template's shape")
    }
}

/// References have the tangent of what they point to.
macro_rules! reference_has_tangent {
    ($($r:ty),*) => {$(
        impl<T: HasTangent + ?Sized> HasTangent for $r {
            type Tangent = T::Tangent;
            fn zero_tangent(&self) -> T::Tangent {
                (**self).zero_tangent()
            }
            #[inline]
            fn lazy_zero_tangent(&self) -> T::Tangent {
                (**self).lazy_zero_tangent()
            }
            #[inline]
            fn densify(&self, t: &mut T::Tangent) {
                (**self).densify(t)
            }
        }
    )*};
}
reference_has_tangent!(&T, &mut T);

impl<T: Tangent> Tangent for Vec<T> {
    fn zero_like(&self) -> Self {
        self.iter().map(Tangent::zero_like).collect()
    }
    fn add_assign_tangent(&mut self, other: &Self) {
        assert_eq!(
            self.len(),
            other.len(),
            "hype: `add_assign_tangent`: Vec lengths {} and {} differ",
            self.len(),
            other.len()
        );
        for (s, o) in self.iter_mut().zip(other) {
            s.add_assign_tangent(o);
        }
    }
    fn scale(&mut self, a: f64) {
        self.iter_mut().for_each(|s| s.scale(a));
    }
    fn axpy(&mut self, a: f64, x: &Self) {
        assert_eq!(
            self.len(),
            x.len(),
            "hype: `axpy`: Vec lengths {} and {} differ",
            self.len(),
            x.len()
        );
        for (s, o) in self.iter_mut().zip(x) {
            s.axpy(a, o);
        }
    }
    fn inner(&self, other: &Self) -> f64 {
        assert_eq!(
            self.len(),
            other.len(),
            "hype: `inner`: Vec lengths {} and {} differ",
            self.len(),
            other.len()
        );
        self.iter().zip(other).map(|(s, o)| s.inner(o)).sum()
    }
    fn flat_len(&self) -> usize {
        self.iter().map(Tangent::flat_len).sum()
    }
    fn write_flat(&self, out: &mut Vec<f64>) {
        self.iter().for_each(|s| s.write_flat(out));
    }
    fn read_flat(&self, flat: &[f64], pos: &mut usize) -> Self {
        self.iter().map(|s| s.read_flat(flat, pos)).collect()
    }
}

impl<T: HasTangent> HasTangent for Vec<T> {
    type Tangent = Vec<T::Tangent>;
    fn zero_tangent(&self) -> Self::Tangent {
        self.iter().map(HasTangent::zero_tangent).collect()
    }
}

/// A slice has the tangent of the `Vec` it could be copied into (gradients of `&[f64]`
/// parameters are `Vec<f64>`).
impl<T: HasTangent> HasTangent for [T] {
    type Tangent = Vec<T::Tangent>;
    fn zero_tangent(&self) -> Self::Tangent {
        self.iter().map(HasTangent::zero_tangent).collect()
    }
}

impl<T: Tangent, const N: usize> Tangent for [T; N] {
    fn zero_like(&self) -> Self {
        std::array::from_fn(|i| self[i].zero_like())
    }
    fn add_assign_tangent(&mut self, other: &Self) {
        for (s, o) in self.iter_mut().zip(other) {
            s.add_assign_tangent(o);
        }
    }
    fn scale(&mut self, a: f64) {
        self.iter_mut().for_each(|s| s.scale(a));
    }
    fn axpy(&mut self, a: f64, x: &Self) {
        for (s, o) in self.iter_mut().zip(x) {
            s.axpy(a, o);
        }
    }
    fn inner(&self, other: &Self) -> f64 {
        self.iter().zip(other).map(|(s, o)| s.inner(o)).sum()
    }
    fn flat_len(&self) -> usize {
        self.iter().map(Tangent::flat_len).sum()
    }
    fn write_flat(&self, out: &mut Vec<f64>) {
        self.iter().for_each(|s| s.write_flat(out));
    }
    fn read_flat(&self, flat: &[f64], pos: &mut usize) -> Self {
        std::array::from_fn(|i| self[i].read_flat(flat, pos))
    }
}

impl<T: HasTangent, const N: usize> HasTangent for [T; N] {
    type Tangent = [T::Tangent; N];
    fn zero_tangent(&self) -> Self::Tangent {
        std::array::from_fn(|i| self[i].zero_tangent())
    }
}

impl Tangent for () {
    fn zero_like(&self) -> Self {}
    fn add_assign_tangent(&mut self, _other: &Self) {}
    fn scale(&mut self, _a: f64) {}
    fn axpy(&mut self, _a: f64, _x: &Self) {}
    fn inner(&self, _other: &Self) -> f64 {
        0.0
    }
    fn flat_len(&self) -> usize {
        0
    }
    fn write_flat(&self, _out: &mut Vec<f64>) {}
    fn read_flat(&self, _flat: &[f64], _pos: &mut usize) -> Self {}
}

macro_rules! tuple_tangent {
    ($($name:ident $idx:tt),+) => {
        impl<$($name: Tangent),+> Tangent for ($($name,)+) {
            fn zero_like(&self) -> Self {
                ($(self.$idx.zero_like(),)+)
            }
            fn add_assign_tangent(&mut self, other: &Self) {
                $(self.$idx.add_assign_tangent(&other.$idx);)+
            }
            fn scale(&mut self, a: f64) {
                $(self.$idx.scale(a);)+
            }
            fn axpy(&mut self, a: f64, x: &Self) {
                $(self.$idx.axpy(a, &x.$idx);)+
            }
            fn inner(&self, other: &Self) -> f64 {
                0.0 $(+ self.$idx.inner(&other.$idx))+
            }
            fn flat_len(&self) -> usize {
                0 $(+ self.$idx.flat_len())+
            }
            fn write_flat(&self, out: &mut Vec<f64>) {
                $(self.$idx.write_flat(out);)+
            }
            fn read_flat(&self, flat: &[f64], pos: &mut usize) -> Self {
                ($(self.$idx.read_flat(flat, pos),)+)
            }
        }

        impl<$($name: HasTangent),+> HasTangent for ($($name,)+) {
            type Tangent = ($($name::Tangent,)+);
            fn zero_tangent(&self) -> Self::Tangent {
                ($(self.$idx.zero_tangent(),)+)
            }
        }
    };
}

tuple_tangent!(A 0);
tuple_tangent!(A 0, B 1);
tuple_tangent!(A 0, B 1, C 2);
tuple_tangent!(A 0, B 1, C 2, D 3);
tuple_tangent!(A 0, B 1, C 2, D 3, E 4);
tuple_tangent!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_tangent!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_tangent!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
