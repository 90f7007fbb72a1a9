//! # Hype for Rust
//!
//! Compositional machine learning and gradient-based hyperparameter optimization on a
//! compile-time, source-to-source automatic differentiation engine.
//!
//! Put `#[differentiable]` on ordinary Rust functions and take exact derivatives of
//! them with [`grad!`](prelude::grad), [`jvp!`](prelude::jvp), [`vjp!`](prelude::vjp)
//! and friends. See the README and ARCHITECTURE.md.

pub use hype_macros::*;
pub use hype_runtime::hmc;
pub use hype_runtime::kernels;
pub use hype_runtime::Float;
pub use hype_runtime::{
    array_math, checkpoint, data, dist, error, hyper, nn, ops, optim, report, rt, tangent, tune,
    HasTangent, HypeError, Tangent,
};
pub use ndarray;

/// Everything a user of Hype needs: the macros, [`Tangent`], [`ops`] and the ndarray
/// names used in differentiable code.
pub mod prelude {
    pub use crate::ops;
    pub use hype_macros::*;
    pub use hype_runtime::{ArrayMath, HasTangent, Tangent};
    pub use ndarray::{array, s, Array, Array1, Array2, ArrayD, ArrayView1, ArrayView2, Axis};
}

/// The README's Rust blocks, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
