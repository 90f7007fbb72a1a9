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
