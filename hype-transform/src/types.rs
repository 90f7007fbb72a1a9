//! Small syntactic facts about types and identifiers that several emitters share
//! (kept here so that no two emitter modules depend on each other).

use proc_macro2::{TokenStream, TokenTree};
use std::collections::HashSet;
use syn::visit_mut::VisitMut;

/// Gives every elided reference lifetime in a type a name, so that pullbacks
/// (closures capturing the arguments) and `impl TangentArg<&'a T>` can name it.
struct NameLifetimes(syn::Lifetime);

impl VisitMut for NameLifetimes {
    fn visit_type_reference_mut(&mut self, r: &mut syn::TypeReference) {
        if r.lifetime.is_none() {
            r.lifetime = Some(self.0.clone());
        }
        syn::visit_mut::visit_type_reference_mut(self, r);
    }
}

/// `ty` with every elided reference lifetime named `name`.
pub fn with_lifetime(ty: &syn::Type, name: &str) -> syn::Type {
    let mut t = ty.clone();
    NameLifetimes(syn::Lifetime::new(name, proc_macro2::Span::call_site())).visit_type_mut(&mut t);
    t
}

/// `&T` → `T` (the tangent of a reference is the tangent of the value).
pub fn strip_refs(ty: &syn::Type) -> &syn::Type {
    match ty {
        syn::Type::Reference(r) => strip_refs(&r.elem),
        t => t,
    }
}

/// Whether `f__dir`'s tangent parameter for `p` has `p`'s tangent type: active ones,
/// and constants of a type with a known tangent (others take `&impl Any`).
pub fn typed_tangent(p: &crate::ir::Param) -> bool {
    p.active || has_known_tangent(&p.ty)
}

/// Whether `ty` surely has a `HasTangent` implementation (f64, f32, ndarray arrays and
/// views, integers and bools (tangent `()`), references, tuples of these, and their
/// `<T as HasTangent>::Tangent`): a constant parameter of such a type takes a (zero)
/// tangent of that type in `f__dir`; other constants (user types that may lack a
/// tangent) take `&impl Any`.
fn has_known_tangent(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) => has_known_tangent(&r.elem),
        syn::Type::Paren(p) => has_known_tangent(&p.elem),
        syn::Type::Group(g) => has_known_tangent(&g.elem),
        syn::Type::Tuple(t) => !t.elems.is_empty() && t.elems.iter().all(has_known_tangent),
        syn::Type::Path(p) => {
            if let Some(q) = &p.qself {
                let tangent = p.path.segments.last().is_some_and(|s| s.ident == "Tangent");
                return tangent && has_known_tangent(&q.ty);
            }
            p.path.segments.last().is_some_and(|s| {
                let name = s.ident.to_string();
                [
                    "f64",
                    "f32",
                    "ArrayBase",
                    "ArrayD",
                    "ArrayViewD",
                    "CowArray",
                    "usize",
                    "isize",
                    "u8",
                    "u16",
                    "u32",
                    "u64",
                    "u128",
                    "i8",
                    "i16",
                    "i32",
                    "i64",
                    "i128",
                    "bool",
                ]
                .contains(&name.as_str())
                    || ["Array", "ArrayView"].iter().any(|a| {
                        name.strip_prefix(a)
                            .is_some_and(|d| d.is_empty() || d.parse::<u8>().is_ok())
                    })
            })
        }
        _ => false,
    }
}

/// Every identifier in a token stream (for collision-free fresh names).
pub fn collect_idents(tokens: TokenStream, out: &mut HashSet<String>) {
    for t in tokens {
        match t {
            TokenTree::Ident(id) => {
                out.insert(id.to_string());
            }
            TokenTree::Group(g) => collect_idents(g.stream(), out),
            _ => {}
        }
    }
}

/// The tangent type of `ty`, written out where the runtime's rule is plain (a float
/// scalar, an owned array of floats, references, tuples, `Vec`s, slices and arrays of
/// these), else `<ty as HasTangent>::Tangent`. Written out, generated code reads
/// better, and generic functions avoid a rustc crash: in a library built with
/// optimizations, a closure whose argument type is such a projection over a type
/// parameter fails MIR inlining (`SignatureMismatch` during codegen).
pub fn tangent_of(ty: &syn::Type, float: &crate::float::Float) -> TokenStream {
    match plain_tangent(ty, float) {
        Some(t) => quote::quote!(#t),
        None => quote::quote!(<#ty as ::hype::HasTangent>::Tangent),
    }
}

/// The tangent type of `ty` where the runtime's rule for it is plain ([`tangent_of`]).
pub fn plain_tangent(ty: &syn::Type, float: &crate::float::Float) -> Option<syn::Type> {
    use crate::float::Float;
    match ty {
        syn::Type::Reference(r) => plain_tangent(&r.elem, float),
        syn::Type::Paren(p) => plain_tangent(&p.elem, float),
        syn::Type::Group(g) => plain_tangent(&g.elem, float),
        syn::Type::Tuple(t) if !t.elems.is_empty() => {
            let elems = t
                .elems
                .iter()
                .map(|e| plain_tangent(e, float))
                .collect::<Option<Vec<_>>>()?;
            Some(syn::parse_quote!((#(#elems,)*)))
        }
        syn::Type::Array(a) => {
            let (elem, len) = (plain_tangent(&a.elem, float)?, &a.len);
            Some(syn::parse_quote!([#elem; #len]))
        }
        syn::Type::Slice(s) => {
            let elem = plain_tangent(&s.elem, float)?;
            Some(syn::parse_quote!(::std::vec::Vec<#elem>))
        }
        syn::Type::Path(p) if p.qself.is_none() => {
            let scalar = |t: &syn::Type| float.is(t) || Float::F32.is(t) || Float::F64.is(t);
            if scalar(ty) {
                return Some(ty.clone());
            }
            let last = p.path.segments.last()?;
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            let types: Vec<&syn::Type> = args
                .args
                .iter()
                .filter_map(|a| match a {
                    syn::GenericArgument::Type(t) => Some(t),
                    _ => None,
                })
                .collect();
            let name = last.ident.to_string();
            const OWNED: &[&str] = &[
                "Array", "Array0", "Array1", "Array2", "Array3", "Array4", "Array5", "Array6",
                "ArrayD",
            ];
            match (name.as_str(), types.as_slice()) {
                (n, [elem, ..]) if OWNED.contains(&n) && scalar(elem) => Some(ty.clone()),
                ("Vec", [elem]) => {
                    let elem = plain_tangent(elem, float)?;
                    Some(syn::parse_quote!(::std::vec::Vec<#elem>))
                }
                _ => None,
            }
        }
        _ => None,
    }
}
