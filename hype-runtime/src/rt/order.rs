//! The compile error for a derivative of higher order than was generated.
//!
//! A function marked `#[differentiable(order = N)]` gets derivative code up to order
//! `N`. For the entry points of order `N + 1` (`f__dir`, `f__hvp`, `f__hessian`,
//! `f__diff{N+1}`, ...) the macro emits stubs whose bound names this trait, which has
//! no implementations: calling one is an error at the caller's span that names the
//! `order` to write, instead of "cannot find function `f__hvp`".

/// Never implemented: the bound of the stubs for derivatives that were not generated.
#[diagnostic::on_unimplemented(
    message = "this derivative needs `#[differentiable(order = {NEED})]`, but the function was generated at order {HAVE}",
    label = "needs derivative code of order {NEED}",
    note = "write `#[differentiable(order = {NEED})]` on the function's definition (the default order is 1); the differentiable functions it calls need that order too"
)]
pub trait NeedsOrder<const NEED: u32, const HAVE: u32> {}
