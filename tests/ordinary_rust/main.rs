//! Ordinary Rust in `#[differentiable]` code: short programs, one idiom each, as a new
//! user writes them. Every value and gradient is checked against central differences,
//! forward mode against reverse mode, and order-2 functions' `hvp!` against
//! differences of `grad!`.

// The programs are written as users write them, not as clippy would.
#![allow(
    clippy::ptr_arg,
    clippy::needless_range_loop,
    clippy::assign_op_pattern,
    clippy::type_complexity,
    clippy::useless_vec
)]

mod check;
mod containers;
mod float32;
mod generic;
mod idioms;
mod iterators;
mod math;
mod mutation;
mod names;
mod operators;
mod sequences;
