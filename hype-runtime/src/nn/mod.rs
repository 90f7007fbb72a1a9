//! Neural networks whose forward passes are `#[differentiable]`.
//!
//! * [`Linear`] — `x·W + b` with sizes in the type (`Linear<784, 300>`);
//! * [`init`] — weight initializers (uniform, normal, Glorot, He, tanh-scaled, custom);
//! * models: `hype::model!` chains layers and activations into a struct whose
//!   `forward` is differentiable, and rejects at compile time layers whose sizes do
//!   not chain, naming both layers and both sizes.

pub mod init;
mod linear;

pub use init::Init;
pub use linear::Linear;
