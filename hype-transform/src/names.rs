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
/// name ([`crate::siblings`]).
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

/// An identifier, or `None` when `name` is not one (a raw `r#name` or a keyword).
pub fn ident(name: &str, span: Span) -> Option<Ident> {
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
