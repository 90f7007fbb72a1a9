//! Procedural macros of Hype: `#[differentiable]`, `#[derive(Tangent)]` and the
//! derivative operators (`grad!`, `jvp!`, `vjp!`, ...).
//!
//! The pipeline follows serde_derive's split: [`parse`] (syn → checked function),
//! [`ir`] (A-normal form with structured control flow), [`activity`] (which variables
//! carry derivatives), and the emitters [`forward`] (tangent code) and [`reverse`]
//! (adjoint code). Errors are gathered as `syn::Error`s at the user's spans; the macro
//! never panics.

use proc_macro::TokenStream;

mod tangent;

/// Derives `hype::Tangent` (and `hype::HasTangent`) for a struct whose fields are
/// themselves tangent types (f64, arrays, nested `Tangent` structs, `Vec`s of them).
#[proc_macro_derive(Tangent)]
pub fn derive_tangent(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    tangent::derive(input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
