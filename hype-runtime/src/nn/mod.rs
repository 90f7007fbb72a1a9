//! Neural networks whose forward passes are `#[differentiable]`.
//!
//! * [`Linear`] — `x·W + b` with sizes in the type (`Linear<784, 300>`);
//!   [`LinearNoBias`] — `x·W`;
//! * [`FeedForward`] — layers ([`Layer`]: linear, linear without bias, [`Activation`])
//!   chosen at run time, with add/insert/remove checked for sizes and a differentiable
//!   forward pass (hand-written rules);
//! * [`loss`] — L1, L2, quadratic and cross-entropy losses ([`Loss`]) and the
//!   [`classification_error`]; [`Regularization`] (L1, L2) and [`regularized`];
//! * [`init`] — weight initializers (uniform, normal, Glorot, He, tanh-scaled, custom);
//! * models: `hype::model!` chains layers and activations into a struct whose
//!   `forward` is differentiable, and rejects at compile time layers whose sizes do
//!   not chain, naming both layers and both sizes.

mod feedforward;
pub mod init;
mod linear;
pub mod loss;
pub mod recurrent;
mod regularization;

pub use feedforward::{Activation, FeedForward, Layer, NnError, SequenceLayer};
pub use init::Init;
pub use linear::{Linear, LinearNoBias};
pub use loss::{classification_error, Loss};
pub use recurrent::{Gru, Lstm, RecurrentError, Rnn};
pub use regularization::{regularized, Regularization};
