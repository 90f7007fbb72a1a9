//! Where generated functions live. For a free function `f`, the emitters write free
//! functions `f__fwd`, `f__rev`, `f__dir__rev`, ...; this pass moves them into
//! `impl f { fn __fwd .. }` on `enum f {}`, a type named like the function; the
//! emitters call them as `f::__rev(..)` ([`call`]). So `use m::f;` and re-exports bring
//! the derivatives along with the function (types and functions live in different
//! namespaces), and it works for functions declared inside blocks too.
//!
//! The pass works on top-level tokens, not on a syntax tree: parsing every expansion
//! again took as long as generating it.

use crate::names::{ident, is_primitive_type};
use proc_macro2::{Delimiter, Ident, Spacing, TokenStream, TokenTree};
use quote::quote;

/// The expansion `items` of `primal` (at nesting `level`, 1 for the user's function)
/// with its generated functions moved into the type of the user's function. At level 1
/// it declares the type. `with_primal`: `primal` itself is generated code (`f__dir`,
/// or a hand-written `g__dir` of a custom rule) that stays a free function, so it gets
/// an associated function `f::__dir` that calls it.
pub fn into_type(
    items: TokenStream,
    primal: &syn::ItemFn,
    level: usize,
    with_primal: bool,
) -> TokenStream {
    let Some((root_ident, chain)) = owner(primal, level) else {
        return items;
    };
    let name = primal.sig.ident.to_string();
    let own_prefix = format!("{name}__");
    let mut free = TokenStream::new();
    let mut members = TokenStream::new();
    if with_primal {
        members.extend(forwarding(&primal.vis, &primal.sig, &chain));
    }
    for mut item in split_items(items) {
        let mut moved = false;
        if let Some(k) = function_name(&item) {
            let TokenTree::Ident(id) = &item[k] else {
                unreachable!("function_name gives an identifier")
            };
            if let Some(rest) = id.to_string().strip_prefix(&own_prefix) {
                let new = format!("{chain}__{rest}");
                if has_differentiable_attribute(&item) {
                    // Expanded again as a free function (`f__dir`): reached as `f::__dir`.
                    if let Some((vis, sig)) = head(&item) {
                        members.extend(forwarding(&vis, &sig, &new));
                    }
                } else {
                    item[k] = TokenTree::Ident(Ident::new(&new, id.span()));
                    moved = true;
                }
            }
        }
        let item: TokenStream = item.into_iter().collect();
        if moved {
            members.extend(item);
        } else {
            free.extend(item);
        }
    }
    let vis = &primal.vis;
    let declare = (level == 1).then(|| {
        quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types, dead_code)]
            #vis enum #root_ident {}
        }
    });
    quote! {
        #free
        #declare
        #[allow(dead_code, non_snake_case, clippy::all)]
        impl #root_ident {
            #members
        }
    }
}

/// The type that holds the generated functions of `primal` (at nesting `level`), and
/// the chain of suffixes from the user's function to `primal` (`""` at level 1,
/// `"__dir"` for `f__dir`); `None` for methods and associated functions, which keep
/// `Type::f__rev` (no type can be declared inside an impl), and for functions named
/// like a primitive type (no type can have that name).
fn owner(primal: &syn::ItemFn, level: usize) -> Option<(Ident, String)> {
    if primal.sig.receiver().is_some() || mentions_self(primal) {
        return None;
    }
    let name = primal.sig.ident.to_string();
    let parts: Vec<&str> = name.split("__").collect();
    if parts.len() < level {
        return None;
    }
    let root = parts[..parts.len() + 1 - level].join("__");
    let chain: String = parts[parts.len() + 1 - level..]
        .iter()
        .map(|s| format!("__{s}"))
        .collect();
    if is_primitive_type(&root) {
        return None;
    }
    Some((ident(&root, primal.sig.ident.span())?, chain))
}

/// How the expansion of `primal` (at nesting `level`) calls its generated function
/// `generated` (`f__rev`, as the emitters name it): `f::__rev`, `Self::f__rev` in an
/// impl, or `f__rev` where there is no type of the function's name.
pub fn call(primal: &syn::ItemFn, level: usize, generated: &Ident) -> TokenStream {
    if primal.sig.receiver().is_some() {
        return quote!(Self::#generated);
    }
    let Some((root, _)) = owner(primal, level) else {
        return quote!(#generated);
    };
    let name = generated.to_string();
    match name
        .strip_prefix(&root.to_string())
        .and_then(|rest| ident(rest, generated.span()))
    {
        Some(rest) => quote!(#root::#rest),
        None => quote!(#generated),
    }
}

/// The top-level items of `items`: each ends at a top-level `;` or `{ .. }` outside
/// angle brackets (a type such as `<Array1<{ N }> as HasTangent>::Tangent` holds braces).
fn split_items(items: TokenStream) -> Vec<Vec<TokenTree>> {
    let mut out = Vec::new();
    let mut item = Vec::new();
    let mut angles = 0usize;
    let mut arrow = false;
    for tree in items {
        let end = match &tree {
            TokenTree::Punct(p) => {
                match p.as_char() {
                    '<' => angles += 1,
                    // `->` is not a closing bracket.
                    '>' if !arrow => angles = angles.saturating_sub(1),
                    _ => {}
                }
                arrow = p.as_char() == '-' && p.spacing() == Spacing::Joint;
                p.as_char() == ';' && angles == 0
            }
            TokenTree::Group(g) => {
                arrow = false;
                g.delimiter() == Delimiter::Brace && angles == 0
            }
            _ => {
                arrow = false;
                false
            }
        };
        item.push(tree);
        if end {
            out.push(std::mem::take(&mut item));
        }
    }
    if !item.is_empty() {
        out.push(item);
    }
    out
}

/// The position of a function item's name (after a top-level `fn`).
fn function_name(item: &[TokenTree]) -> Option<usize> {
    let k = item
        .iter()
        .position(|t| matches!(t, TokenTree::Ident(i) if i == "fn"))?;
    matches!(item.get(k + 1), Some(TokenTree::Ident(_))).then_some(k + 1)
}

/// `#[..differentiable(..)]` on the item: it is expanded again, as a free function.
fn has_differentiable_attribute(item: &[TokenTree]) -> bool {
    item.windows(2).any(|w| match w {
        [TokenTree::Punct(p), TokenTree::Group(g)] if p.as_char() == '#' => g
            .stream()
            .into_iter()
            .any(|t| matches!(t, TokenTree::Ident(i) if i == "differentiable")),
        _ => false,
    })
}

/// The visibility and signature of a function item (its tokens before the body).
fn head(item: &[TokenTree]) -> Option<(syn::Visibility, syn::Signature)> {
    use syn::parse::Parser;
    let (_body, before) = item.split_last()?;
    let parse = |input: syn::parse::ParseStream| {
        input.call(syn::Attribute::parse_outer)?;
        Ok((input.parse()?, input.parse()?))
    };
    parse.parse2(before.iter().cloned().collect()).ok()
}

/// `fn {chain}(args) { primal(args) }`, the associated function that reaches a
/// generated function kept free (`f::__dir` for `f__dir`).
fn forwarding(vis: &syn::Visibility, sig: &syn::Signature, chain: &str) -> TokenStream {
    let mut sig = sig.clone();
    let Some(name) = ident(chain, sig.ident.span()) else {
        return quote!();
    };
    let target = std::mem::replace(&mut sig.ident, name);
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
    let turbofish: Vec<TokenStream> = sig
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
    let call = if turbofish.is_empty() {
        quote!(#target(#(#args),*))
    } else {
        quote!(#target::<#(#turbofish),*>(#(#args),*))
    };
    quote! {
        #[inline(always)]
        #vis #sig { #call }
    }
}

/// An associated function without `self` is recognized by `Self` in its signature.
fn mentions_self(f: &syn::ItemFn) -> bool {
    let mut names = std::collections::HashSet::new();
    crate::types::collect_idents(quote::ToTokens::to_token_stream(&f.sig), &mut names);
    names.contains("Self")
}
