//! Parsing and checking the signature of a `#[differentiable]` function.

use crate::ir::Param;
use syn::spanned::Spanned;
use syn::{FnArg, Pat, Type};

/// Options of `#[differentiable(...)]`.
#[derive(Default)]
pub struct Options {
    pub order: Option<u32>,
    /// Nesting level of generated derivative code (1 for the user's function).
    pub level: Option<usize>,
    /// The order was not written by the user (derivative code of a default-order
    /// function): going higher is tried, not required.
    pub implicit: bool,
}

pub fn options(attr: proc_macro2::TokenStream) -> syn::Result<Options> {
    let mut opts = Options::default();
    if attr.is_empty() {
        return Ok(opts);
    }
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("order") {
            let lit: syn::LitInt = meta.value()?.parse()?;
            opts.order = Some(lit.base10_parse()?);
            Ok(())
        } else if meta.path.is_ident("level") {
            let lit: syn::LitInt = meta.value()?.parse()?;
            opts.level = Some(lit.base10_parse()?);
            Ok(())
        } else if meta.path.is_ident("implicit") {
            opts.implicit = true;
            Ok(())
        } else {
            Err(meta.error(
                "hype: unknown option of #[differentiable]; the supported option is `order = N`",
            ))
        }
    });
    syn::parse::Parser::parse2(parser, attr)?;
    Ok(opts)
}

/// Checks the signature, strips `#[constant]` from the parameters (it must not reach
/// the emitted code) and classifies each parameter as active or constant.
pub fn signature(f: &mut syn::ItemFn) -> syn::Result<Vec<Param>> {
    let sig = &mut f.sig;
    let mut errors: Option<syn::Error> = None;
    let mut push = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    if let Some(a) = &sig.asyncness {
        push(syn::Error::new(
            a.span(),
            "hype: an `async fn` cannot be #[differentiable]; differentiate a synchronous function",
        ));
    }
    if let Some(u) = &sig.unsafety {
        push(syn::Error::new(u.span(), "hype: an `unsafe fn` cannot be #[differentiable]; keep the unsafe part in a helper with a custom rule"));
    }
    if let Some(v) = &sig.variadic {
        push(syn::Error::new(
            v.span(),
            "hype: variadic functions cannot be #[differentiable]",
        ));
    }
    if let syn::ReturnType::Default = sig.output {
        push(syn::Error::new(sig.ident.span(), "hype: a #[differentiable] function must return a value (f64, an array, or a Tangent type)"));
    }
    let mut params = Vec::new();
    for input in sig.inputs.iter_mut() {
        match input {
            FnArg::Receiver(r) => {
                if r.mutability.is_some() || r.reference.as_ref().is_some_and(|_| false) {
                    push(syn::Error::new(r.span(), "hype: `&mut self` cannot be differentiated (mutation through a reference); take `&self` and return the new value"));
                    continue;
                }
                if r.colon_token.is_some() {
                    push(syn::Error::new(
                        r.span(),
                        "hype: write the receiver as `&self` or `self`",
                    ));
                    continue;
                }
                let before = r.attrs.len();
                r.attrs.retain(|a| !a.path().is_ident("constant"));
                let marked_constant = r.attrs.len() != before;
                params.push(Param {
                    name: syn::Ident::new("self", r.self_token.span),
                    ty: (*r.ty).clone(),
                    active: !marked_constant,
                    is_ref: r.reference.is_some(),
                });
            }
            FnArg::Typed(pt) => {
                let before = pt.attrs.len();
                pt.attrs.retain(|a| !a.path().is_ident("constant"));
                let marked_constant = pt.attrs.len() != before;
                let name = match &*pt.pat {
                    Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                        if pi.mutability.is_some() {
                            push(syn::Error::new(pi.span(), "hype: `mut` parameters are not supported; bind a mutable local copy inside the function (`let mut x = x;`)"));
                        }
                        pi.ident.clone()
                    }
                    other => {
                        push(syn::Error::new(
                            other.span(),
                            "hype: parameters of a #[differentiable] function must be plain names",
                        ));
                        continue;
                    }
                };
                if let Type::Reference(r) = &*pt.ty {
                    if r.mutability.is_some() {
                        push(syn::Error::new(r.span(), "hype: `&mut` parameters cannot be differentiated (mutation through a reference); take the value and return the new one"));
                    }
                }
                let active = !marked_constant && is_differentiable_type(&pt.ty);
                let is_ref = matches!(&*pt.ty, Type::Reference(_));
                params.push(Param {
                    name,
                    ty: (*pt.ty).clone(),
                    active,
                    is_ref,
                });
            }
        }
    }
    match errors {
        Some(e) => Err(e),
        None => Ok(params),
    }
}

/// Whether a parameter of this type is active by default (ARCHITECTURE.md, the
/// `parse.rs` row of the transform's table).
pub fn is_differentiable_type(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) => is_differentiable_type(&r.elem),
        Type::Paren(p) => is_differentiable_type(&p.elem),
        Type::Group(g) => is_differentiable_type(&g.elem),
        Type::Tuple(t) => t.elems.iter().any(is_differentiable_type),
        // `&[f64]`, `[f64; N]`: gradients are `Vec<f64>` and `[f64; N]`.
        Type::Slice(s) => is_differentiable_type(&s.elem),
        Type::Array(a) => is_differentiable_type(&a.elem),
        Type::Ptr(_) | Type::Never(_) => false,
        Type::Path(p) => {
            let Some(last) = p.path.segments.last() else {
                return false;
            };
            let name = last.ident.to_string();
            const CONSTANT: &[&str] = &[
                "usize", "isize", "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64",
                "i128", "bool", "char", "str", "String", "Axis", "Range",
            ];
            if CONSTANT.contains(&name.as_str()) {
                return false;
            }
            if name == "Vec" || name == "Option" || name == "Box" {
                if let syn::PathArguments::AngleBracketed(a) = &last.arguments {
                    return a.args.iter().any(
                        |g| matches!(g, syn::GenericArgument::Type(t) if is_differentiable_type(t)),
                    );
                }
                return false;
            }
            true
        }
        _ => false,
    }
}
