//! Names of generated variables and functions.

use proc_macro2::Span;
use quote::format_ident;
use syn::Ident;

/// The tangent of variable `v` (forward mode).
pub fn dot(v: &Ident) -> Ident {
    format_ident!("{}_dot", v, span = v.span())
}

/// The adjoint slot of variable `v` (reverse mode).
pub fn bar(v: &Ident) -> Ident {
    format_ident!("{}_bar", v, span = v.span())
}

/// The pullback of the call bound to `v` (reverse mode).
pub fn pullback(v: &Ident) -> Ident {
    format_ident!("{}_pb", v, span = v.span())
}

/// A sibling function of `f` holding derivative code: `f__fwd`, `f__rev`, `f__grad`, ...
pub fn derived(f: &Ident, suffix: &str) -> Ident {
    format_ident!("{}__{}", f, suffix, span = f.span())
}

/// A tape (stack) of the reverse sweep.
pub fn tape(k: usize) -> Ident {
    format_ident!("tape{}", k, span = Span::call_site())
}
