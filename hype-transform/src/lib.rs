//! The source transform of Hype, as a library over `proc_macro2::TokenStream`s
//! (the `hype-macros` crate is a thin proc-macro wrapper around it, so the transform
//! can be tested and fuzzed as ordinary code).
//!
//! The pipeline follows serde_derive's split: [`parse`] (syn → checked signature),
//! [`check`] (constructs outside the subset), [`lower`] (A-normal-form [`ir`], deciding
//! [`activity`] as it goes), and the emitters [`forward`] (tangent code) and [`reverse`]
//! (adjoint code, recording what [`recording`] finds the backward sweep reads), tied
//! together by [`mod@differentiable`]. Errors are `syn::Error`s at the
//! user's spans; the transform never panics.

use proc_macro2::TokenStream;

pub mod activity;
pub mod check;
pub mod contract;
pub mod desugar;
pub mod differentiable;
pub mod dir;
pub mod dir_rules;
pub mod float;
pub mod forward;
pub mod higher;
pub mod ir;
pub mod iterators;
pub mod lower;
pub mod model;
pub mod mutation;
pub mod names;
pub mod operators;
pub mod ops_table;
pub mod parse;
pub mod primitives;
pub mod recording;
pub mod reverse;
pub mod siblings;
pub mod tangent;
pub mod types;

/// `#[differentiable(attr)] item` → the item and its derivative code, or an error.
pub fn differentiable(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    differentiable::expand(attr, item)
}

/// `#[custom_rule(forward = .., reverse = ..)] item`: the item with the user's rules.
pub fn custom_rule(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    differentiable::expand_custom(attr, item)
}

/// `op!(input)` for a derivative operator (`grad`, `jvp`, ...) → its expansion.
pub fn operator(input: TokenStream, op: &str) -> syn::Result<TokenStream> {
    operators::expand(input, op)
}

/// `model! { struct Name = Layer -> Layer -> ..; }`.
pub fn model(input: TokenStream) -> syn::Result<TokenStream> {
    model::expand(input)
}

/// `#[derive(Tangent)]` on `input`.
pub fn derive_tangent(input: TokenStream) -> syn::Result<TokenStream> {
    tangent::derive(syn::parse2(input)?)
}
