//! Which locals a piece of constant code may change in place: the receivers of
//! methods that are not known to only read (`k.fill(..)`, `v.push(..)`,
//! `m.update(..)`) and every `&mut k`. Rust needs `let mut` for both, so callers
//! keep only mutable locals.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::Ident;

/// Methods of arrays, `Vec`s, slices and iterators that take `&self` or `self`
/// (besides the primitives' methods, which all only read).
const READS: &[&str] = &[
    "len",
    "is_empty",
    "dim",
    "shape",
    "raw_dim",
    "ndim",
    "strides",
    "iter",
    "get",
    "first",
    "last",
    "clone",
    "to_owned",
    "to_vec",
    "view",
    "row",
    "column",
    "rows",
    "columns",
    "outer_iter",
    "axis_iter",
    "index_axis",
    "slice",
    "contains",
    "as_slice",
    "into_iter",
    "is_nan",
    "is_finite",
    "is_infinite",
    "is_sign_negative",
    "is_sign_positive",
    "len_of",
    "windows",
    "chunks",
    "starts_with",
    "ends_with",
    "eq",
    "ne",
    "partial_cmp",
    "cmp",
    "to_string",
    "copied",
    "cloned",
    "map",
    "fold",
    "any",
    "all",
    "count",
    "enumerate",
    "zip",
    "rev",
    "step_by",
    "skip",
    "take_while",
    "position",
    "min_by",
    "max_by",
    "as_standard_layout",
    "diag",
    "mean",
    "var",
    "std",
    "into_shape_with_order",
    "dot",
    "exp",
    "sum",
    "product",
];

/// Pushes the idents `code` may change in place, in order (with repeats).
pub fn mutated_locals(code: &TokenStream, out: &mut Vec<Ident>) {
    let tokens: Vec<TokenTree> = code.clone().into_iter().collect();
    for (i, t) in tokens.iter().enumerate() {
        match t {
            TokenTree::Group(g) => mutated_locals(&g.stream(), out),
            // `& mut k`
            TokenTree::Punct(p) if p.as_char() == '&' => {
                if let (Some(TokenTree::Ident(m)), Some(TokenTree::Ident(k))) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                {
                    if m == "mut" && !is_path_start(tokens.get(i + 3)) {
                        out.push(k.clone());
                    }
                }
            }
            // `k . method (` with `k` not itself a field or path segment
            TokenTree::Ident(k) => {
                let after_dot_or_path = i > 0
                    && matches!(&tokens[i - 1], TokenTree::Punct(p) if p.as_char() == '.' || p.as_char() == ':');
                if after_dot_or_path {
                    continue;
                }
                if let (
                    Some(TokenTree::Punct(dot)),
                    Some(TokenTree::Ident(method)),
                    Some(TokenTree::Group(args)),
                ) = (tokens.get(i + 1), tokens.get(i + 2), tokens.get(i + 3))
                {
                    if dot.as_char() == '.'
                        && args.delimiter() == Delimiter::Parenthesis
                        && !only_reads(&method.to_string())
                    {
                        out.push(k.clone());
                    }
                }
            }
            _ => {}
        }
    }
}

/// `&mut a::b`: a path, not a local.
fn is_path_start(next: Option<&TokenTree>) -> bool {
    matches!(next, Some(TokenTree::Punct(p)) if p.as_char() == ':')
}

fn only_reads(method: &str) -> bool {
    READS.contains(&method) || crate::primitives::by_method(method).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(code: TokenStream) -> Vec<String> {
        let mut out = Vec::new();
        mutated_locals(&code, &mut out);
        out.iter().map(|i| i.to_string()).collect()
    }

    #[test]
    fn receivers_of_unknown_methods_and_mut_borrows() {
        assert_eq!(names(quote::quote!(k.fill(1.0);)), ["k"]);
        assert_eq!(names(quote::quote!(v.push(x.len() as f64);)), ["v"]);
        assert_eq!(names(quote::quote!(bump(&mut k, i);)), ["k"]);
        assert_eq!(
            names(quote::quote!({
                a.swap(0, 1);
                b.sort()
            })),
            ["a", "b"]
        );
    }

    #[test]
    fn reads_paths_and_fields_are_not_mutations() {
        assert!(names(quote::quote!(s + k.len() as f64 + k.dot(&x) + k[0])).is_empty());
        assert!(names(quote::quote!(self.k.fill(1.0))).is_empty());
        assert!(names(quote::quote!(m::k.fill(1.0))).is_empty());
        assert!(names(quote::quote!(x.exp().sum())).is_empty());
    }
}
