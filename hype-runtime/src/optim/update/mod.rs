//! The update rules of the first-order optimizers, each written once, as a
//! `#[differentiable(order = 2)]` function of flat parameters (one file per rule):
//!
//! | rule | state | update (`α` rate, `μ` momentum, `p` direction, `g` gradient) |
//! |---|---|---|
//! | [`gradient_descent_update()`] | `w` | `w' = w + α p` |
//! | [`heavy_ball_update()`] | `(w, v)` | `v' = μ v + α p`, `w' = w + v'` |
//! | [`nesterov_update()`] | `(w, v)` | `v' = μ v + α p`, `w' = w + μ v' + α p` |
//! | [`adam_update()`] ([`adam_step()`]) | `(w, m, u)` | `m' = β₁ m + (1-β₁) p`, `u' = β₂ u + (1-β₂) g²`, `w' = w + α m̂ / (sqrt(û) + ε)` |
//! | [`sgd_momentum_update()`] | `(w, v)` | `v' = μ v - (1-μ) g`, `w' = w + α v'` (Maclaurin et al. 2015) |
//!
//! The rate `α` is one value (an array of length 1) or one per coordinate
//! (per-layer rates spread over each layer's coordinates); products with it broadcast.
//!
//! Both users call these functions, so there is one definition of each rule:
//!
//! * [`optim`](crate::optim) ([`step::apply_step`](super::step::apply_step) and
//!   [`Momentum::apply`](super::Momentum::apply)) runs them on the flattened model
//!   ([`Tangent::flatten`](crate::Tangent::flatten)) with `p = -g` (or the method's
//!   direction);
//! * [`hyper`](crate::hyper) (the optimizers of `hyper::dynamics` and
//!   `hyper::layerwise`, and the dynamics of `hyper::train`) takes their
//!   vector–Jacobian and Jacobian–vector products from the generated derivative code
//!   (`f::__vjp`, `f::__jvp`) and chains them with the loss's Hessian-vector products.
//!
//! Plain Rust calls them like any function; a `#[differentiable]` function can call
//! them too, so a training loop written with them differentiates to second order.

mod adam;
mod gradient_descent;
mod heavy_ball;
mod nesterov;
mod sgd_momentum;

pub use adam::{adam_step, adam_update};
pub use gradient_descent::gradient_descent_update;
pub use heavy_ball::heavy_ball_update;
pub use nesterov::nesterov_update;
pub use sgd_momentum::sgd_momentum_update;
