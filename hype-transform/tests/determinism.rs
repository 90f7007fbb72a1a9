//! The expansion is a function of the input alone: expanding the same function again
//! gives the same tokens. Binding sites are keyed by the address of their syntax
//! across the passes of the activity fixpoint, so syntax built during lowering must be
//! built once (the inlined derivative of `diff!`/`grad!` on a closure was re-parsed in
//! every pass, and its names then depended on where the allocator put it).

use proc_macro2::TokenStream;
use quote::ToTokens;

/// Every top-level `#[differentiable]` function of a file, with its attribute's tokens.
fn annotated(path: &str) -> Vec<(TokenStream, syn::ItemFn)> {
    let full = format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(&full).expect("the file exists");
    let file = syn::parse_file(&source).expect("a Rust file");
    file.items
        .into_iter()
        .filter_map(|item| match item {
            syn::Item::Fn(mut f) => {
                let k = f.attrs.iter().position(|a| {
                    a.path()
                        .segments
                        .last()
                        .is_some_and(|s| s.ident == "differentiable")
                })?;
                let attr = f.attrs.remove(k);
                let tokens = match attr.meta {
                    syn::Meta::List(l) => l.tokens,
                    _ => TokenStream::new(),
                };
                Some((tokens, f))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn expanding_again_gives_the_same_code() {
    // Files whose functions call `diff!`/`grad!` on closures inside differentiable code.
    for path in [
        "tests/nesting.rs",
        "examples/game.rs",
        "examples/nested_min.rs",
    ] {
        for (attr, f) in annotated(path) {
            let expand = || {
                hype_transform::differentiable(attr.clone(), f.to_token_stream())
                    .map(|t| t.to_string())
                    .unwrap_or_else(|e| format!("error: {e}"))
            };
            let first = expand();
            for _ in 0..8 {
                assert!(
                    expand() == first,
                    "{path}: `{}` expanded differently a second time",
                    f.sig.ident
                );
            }
        }
    }
}
