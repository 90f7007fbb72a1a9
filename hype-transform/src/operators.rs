//! The derivative operators `grad!(f)`, `jvp!(f)`, ...: each names the sibling
//! function that `#[differentiable]` generated next to `f`.

use crate::forward::derived_path;
use proc_macro2::TokenStream;
use quote::quote_spanned;
use syn::spanned::Spanned;

pub fn expand(input: TokenStream, op: &str) -> syn::Result<TokenStream> {
    let expr: syn::Expr = syn::parse2(input).map_err(|e| {
        syn::Error::new(
            e.span(),
            format!(
                "hype: {op}! takes the path of a #[differentiable] function, e.g. `{op}!(my_fn)`"
            ),
        )
    })?;
    match expr {
        syn::Expr::Path(p) if p.qself.is_none() => {
            let span = p.span();
            let target = derived_path(&p.path, op);
            Ok(quote_spanned!(span=> #target))
        }
        syn::Expr::Closure(c) => Err(syn::Error::new(
            c.span(),
            format!("hype: {op}! on a closure is not supported yet; write the closure as a #[differentiable] function (captured values become #[constant] parameters) and pass its path"),
        )),
        other => Err(syn::Error::new(
            other.span(),
            format!("hype: {op}! takes the path of a #[differentiable] function, e.g. `{op}!(my_fn)`"),
        )),
    }
}
