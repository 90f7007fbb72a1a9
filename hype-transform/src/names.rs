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

/// Whether `name` has the form of a name the emitters derive from a variable `v` in
/// `used` (`v_dot`, `v_bar`, `v_adj`, `v_new`, `v_pb`, and numbered `v_old3`, `v_g0`,
/// `v__d1`, `v__z0`): lowering renames such a user variable, or a derived name would
/// shadow it. Keep in step with the names made here and by the emitters.
pub fn derived_from_used(name: &str, used: &std::collections::HashSet<String>) -> bool {
    let stem_used = |stem: &str| !stem.is_empty() && used.contains(stem);
    ["_dot", "_bar", "_adj", "_new", "_pb"]
        .iter()
        .any(|suffix| name.strip_suffix(suffix).is_some_and(stem_used))
        || ["_old", "_g", "__d", "__z"].iter().any(|marker| {
            name.rsplit_once(marker).is_some_and(|(stem, n)| {
                !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && stem_used(stem)
            })
        })
}

/// Whether `path` names an associated function (`Type::f`, `Self::f`): its derivative
/// code sits next to it in the impl block, as `Type::f__suffix`. Any other path names
/// a free function, whose derivative code is reached through the type of the same
/// name ([`sibling_impl`]).
pub fn is_associated(path: &syn::Path) -> bool {
    // A function named like a primitive type (`f64`) cannot have a type of its name.
    // (nor its derivatives, `f64__dir`).
    if path.segments.last().is_some_and(|s| {
        let name = s.ident.to_string();
        is_primitive_type(name.split("__").next().unwrap_or(&name))
    }) {
        return true;
    }
    let n = path.segments.len();
    n >= 2 && {
        let t = path.segments[n - 2].ident.to_string();
        t == "Self" || t.starts_with(|c: char| c.is_ascii_uppercase())
    }
}

/// The path of derivative `suffix` of the function at `path`: `m::f` → `m::f::__rev`,
/// an associated function of the type `f` that `use m::f;` brings along with the
/// function; `m::f::__dir` → `m::f::__dir__rev`; `Type::f` → `Type::f__rev`. Generic
/// arguments move to the new last segment.
pub fn sibling_path(path: &syn::Path, suffix: &str) -> syn::Path {
    let mut p = path.clone();
    let last = p.segments.last_mut().expect("paths are not empty");
    if is_associated(path) {
        last.ident = derived(&last.ident, suffix);
        return p;
    }
    if last.ident.to_string().starts_with("__") {
        last.ident = derived(&last.ident, suffix);
        return p;
    }
    let args = std::mem::replace(&mut last.arguments, syn::PathArguments::None);
    let span = last.ident.span();
    p.segments.push(syn::PathSegment {
        ident: Ident::new(&format!("__{suffix}"), span),
        arguments: args,
    });
    p
}

/// For a free function `f` (level 1): `enum f {}`, a type of the function's name, and
/// for every generated function `f__s` of `items` an associated function `f::__s`
/// that calls it. Derivative code calls `f::__rev`, so `use m::f;` and re-exports bring
/// the derivatives along with the function, and it works for functions declared
/// inside blocks too. Code generated at level `L > 1` (`f__dir`, `f__grad`) adds its
/// siblings to the same type: `f__dir__rev` is `f::__dir__rev`.
pub fn sibling_impl(
    items: &proc_macro2::TokenStream,
    primal: &syn::ItemFn,
    level: usize,
    with_primal: bool,
) -> proc_macro2::TokenStream {
    use quote::quote;
    if primal.sig.receiver().is_some() || mentions_self(primal) {
        return quote!();
    }
    let Ok(file) = syn::parse2::<syn::File>(items.clone()) else {
        return quote!();
    };
    let name = primal.sig.ident.to_string();
    // The user's function, and the chain of suffixes from it to `primal`.
    let parts: Vec<&str> = name.split("__").collect();
    if parts.len() < level {
        return quote!();
    }
    let root = parts[..parts.len() + 1 - level].join("__");
    let chain: String = parts[parts.len() + 1 - level..]
        .iter()
        .map(|s| format!("__{s}"))
        .collect();
    if is_primitive_type(&root) {
        return quote!();
    }
    let span = primal.sig.ident.span();
    let Some(root) = ident(&root, span) else {
        return quote!();
    };
    let prefix = format!("{name}__");
    let mut wrappers = Vec::new();
    // A hand-written `g__dir` (a custom rule) adds itself to `g`'s type as `g::__dir`.
    let own = with_primal.then(|| (primal, String::new()));
    let generated = file.items.iter().filter_map(|item| match item {
        syn::Item::Fn(f) => f
            .sig
            .ident
            .to_string()
            .strip_prefix(&prefix)
            .map(|rest| (f, format!("__{rest}"))),
        _ => None,
    });
    for (f, rest) in own.into_iter().chain(generated) {
        if f.sig.receiver().is_some() {
            continue;
        }
        let mut sig = f.sig.clone();
        let Some(wrapper) = ident(&format!("{chain}{rest}"), f.sig.ident.span()) else {
            continue;
        };
        sig.ident = wrapper;
        let mut args = Vec::new();
        for (k, input) in sig.inputs.iter_mut().enumerate() {
            if let syn::FnArg::Typed(t) = input {
                // `#[constant]` of `f__dir`'s parameters is for its own expansion.
                t.attrs.clear();
                let a = quote::format_ident!("__hype_arg{}", k);
                *t.pat = syn::parse_quote!(#a);
                args.push(a);
            }
        }
        let turbofish: Vec<proc_macro2::TokenStream> = sig
            .generics
            .params
            .iter()
            .filter_map(|g| match g {
                syn::GenericParam::Type(t) => {
                    let id = &t.ident;
                    Some(quote!(#id))
                }
                syn::GenericParam::Const(c) => {
                    let id = &c.ident;
                    Some(quote!(#id))
                }
                syn::GenericParam::Lifetime(_) => None,
            })
            .collect();
        let target = &f.sig.ident;
        let call = if turbofish.is_empty() {
            quote!(#target(#(#args),*))
        } else {
            quote!(#target::<#(#turbofish),*>(#(#args),*))
        };
        let vis = &f.vis;
        wrappers.push(quote! {
            #[inline(always)]
            #vis #sig { #call }
        });
    }
    let declare = (level == 1).then(|| {
        let vis = &primal.vis;
        quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types, dead_code)]
            #vis enum #root {}
        }
    });
    quote! {
        #declare
        #[allow(dead_code, non_snake_case, clippy::all)]
        impl #root {
            #(#wrappers)*
        }
    }
}

/// An identifier, or `None` when `name` is not one (a raw `r#name` or a keyword).
fn ident(name: &str, span: Span) -> Option<Ident> {
    let mut id: Ident = syn::parse_str(name).ok()?;
    id.set_span(span);
    Some(id)
}

/// Names of the primitive types, which a type of a function's name would shadow.
pub fn is_primitive_type(name: &str) -> bool {
    matches!(
        name,
        "f32"
            | "f64"
            | "i8"
            | "i16"
            | "i32"
            | "i64"
            | "i128"
            | "isize"
            | "u8"
            | "u16"
            | "u32"
            | "u64"
            | "u128"
            | "usize"
            | "bool"
            | "char"
            | "str"
    )
}

/// An associated function without `self` is recognized by `Self` in its signature.
fn mentions_self(f: &syn::ItemFn) -> bool {
    let mut names = std::collections::HashSet::new();
    crate::types::collect_idents(quote::ToTokens::to_token_stream(&f.sig), &mut names);
    names.contains("Self")
}
