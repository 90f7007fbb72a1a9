//! Primitive ops and their derivative rules: what generated code calls.
//!
//! # Conventions (the contract between `hype-macros` and the runtime)
//!
//! * Every value argument is taken by reference and may be a value, a reference to a
//!   value, or a reference to a reference: [`Val`] sees through any depth, so generated
//!   code never needs to know whether a variable holds `Array1<f64>` or `&Array1<f64>`.
//! * A primitive `op(a0, .., an, s..)` (value arguments `a_k`, then static arguments `s`
//!   such as an axis or an integer exponent, passed by value) has
//!   * `op_jvp{k}(a0, .., an, s.., &r, &da_k)`: the tangent contribution of argument `k`,
//!     shaped like the result `r` (the result's tangent is the sum over active arguments);
//!   * `op_vjp{k}(a0, .., an, s.., &r, &g)`: the adjoint contribution to argument `k`,
//!     shaped like `a_k` (broadcast axes summed away), given the result's adjoint `g`.
//! * Rules are written with primitives that have rules themselves, so that derivative
//!   code can be differentiated again.
//! * Shape errors panic with a message that names the op and both shapes.

mod accumulate;
mod arith;
mod broadcast;
mod calls;
#[doc(hidden)]
pub mod contract;
mod elements;
mod elementwise;
mod linalg;
mod loops;
mod math;
mod matmul;
mod order;
mod owned_views;
mod reduce;
mod sequences;
mod shape;
mod val;

pub use accumulate::*;
pub use arith::*;
pub use broadcast::*;
pub use calls::*;
pub use elements::*;
pub use elementwise::*;
pub use linalg::*;
pub use loops::*;
pub use math::*;
pub use order::*;
pub use owned_views::*;
pub use reduce::*;
pub use sequences::*;
pub use shape::*;
pub use val::*;

pub(crate) use elementwise::k;

#[doc(inline)]
pub use crate::__hype_zero_or_unit as zero_or_unit;

/// Panics with a message naming `op` and both shapes.
#[cold]
#[track_caller]
pub fn shape_panic(op: &str, left: &[usize], right: &[usize]) -> ! {
    panic!("hype: `{op}`: incompatible shapes {left:?} and {right:?}")
}

/// Checks that two shapes are equal.
#[inline]
#[track_caller]
pub fn check_same_shape(op: &str, left: &[usize], right: &[usize]) {
    if left != right {
        shape_panic(op, left, right)
    }
}

/// Checks that two shapes can be broadcast together (NumPy rules, as ndarray's
/// arithmetic), so that the panic names the op instead of failing inside ndarray.
#[inline]
#[track_caller]
pub fn check_broadcast(op: &str, left: &[usize], right: &[usize]) {
    let n = left.len().max(right.len());
    for i in 0..n {
        let l = if i < left.len() {
            left[left.len() - 1 - i]
        } else {
            1
        };
        let r = if i < right.len() {
            right[right.len() - 1 - i]
        } else {
            1
        };
        if l != r && l != 1 && r != 1 {
            shape_panic(op, left, right)
        }
    }
}
