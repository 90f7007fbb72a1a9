//! How much code `#[differentiable]` writes: for every annotated function of a Rust
//! file, the tokens and items of its whole expansion (nested levels included, as rustc
//! would expand them), per generated item.
//!
//! ```sh
//! cargo run -p hype-transform --example expansion_size -- tests/order2_twenty.rs
//! cargo run -p hype-transform --example expansion_size -- tests/order2_twenty.rs --items f03
//! ```
//!
//! `--items NAME` lists the generated items of function `NAME` with their sizes;
//! `--print NAME` prints its whole expansion.
//!
//! `--dump` prints, instead of the table, the whole expansion (or the error) of every
//! annotated function of the file, inline `mod` blocks included, one item per line:
//! two builds of the transform agree on a file exactly when their dumps are equal.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;

thread_local! {
    /// Time spent inside the transform (not in this program's parsing and counting).
    static TRANSFORM_TIME: std::cell::Cell<std::time::Duration> = const { std::cell::Cell::new(std::time::Duration::ZERO) };
}

fn count(ts: &TokenStream) -> usize {
    ts.clone()
        .into_iter()
        .map(|t| match t {
            TokenTree::Group(g) => 1 + count(&g.stream()),
            _ => 1,
        })
        .sum()
}

/// `#[differentiable(..)]` (any path ending so) on `f`: its arguments, and `f` without it.
fn take_attribute(f: &mut syn::ItemFn) -> Option<TokenStream> {
    let k = f.attrs.iter().position(|a| {
        a.path()
            .segments
            .last()
            .is_some_and(|s| s.ident == "differentiable")
    })?;
    let attr = f.attrs.remove(k);
    Some(match attr.meta {
        syn::Meta::List(l) => l.tokens,
        _ => TokenStream::new(),
    })
}

/// The fully expanded items of one annotated function (re-expanding nested levels).
fn expand_all(attr: TokenStream, f: &syn::ItemFn, out: &mut Vec<syn::Item>) {
    let start = std::time::Instant::now();
    let result = hype_transform::differentiable(attr, f.to_token_stream());
    TRANSFORM_TIME.with(|t| t.set(t.get() + start.elapsed()));
    let expanded = match result {
        Ok(ts) => ts,
        Err(e) => {
            eprintln!("{}: {e}", f.sig.ident);
            return;
        }
    };
    let file: syn::File = syn::parse2(expanded).expect("the expansion parses as items");
    for item in file.items {
        if let syn::Item::Fn(mut g) = item.clone() {
            if let Some(attr) = take_attribute(&mut g) {
                expand_all(attr, &g, out);
                continue;
            }
        }
        out.push(item);
    }
}

fn item_name(item: &syn::Item) -> String {
    match item {
        syn::Item::Fn(f) => format!("fn {}", f.sig.ident),
        syn::Item::Enum(e) => format!("enum {}", e.ident),
        syn::Item::Impl(i) => format!(
            "impl {} ({} items)",
            i.self_ty.to_token_stream(),
            i.items.len()
        ),
        syn::Item::Struct(s) => format!("struct {}", s.ident),
        other => format!("{}", other.to_token_stream())
            .chars()
            .take(40)
            .collect(),
    }
}

/// Every annotated function of `items` and of their inline modules, with its module path.
fn annotated(items: &[syn::Item], prefix: &str, out: &mut Vec<(String, syn::ItemFn)>) {
    for item in items {
        match item {
            syn::Item::Fn(f) if take_attribute(&mut f.clone()).is_some() => {
                out.push((format!("{prefix}{}", f.sig.ident), f.clone()))
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    annotated(inner, &format!("{prefix}{}::", m.ident), out);
                }
            }
            _ => {}
        }
    }
}

/// `--dump`: the expansion of every annotated function, or its error, as text.
fn dump(file: &syn::File) {
    let mut fns = Vec::new();
    annotated(&file.items, "", &mut fns);
    for (name, mut f) in fns {
        let attr = take_attribute(&mut f).expect("annotated");
        println!("=== {name}");
        // The error path of `expand_all` goes to stderr; here it must be compared too.
        if let Err(e) = hype_transform::differentiable(attr.clone(), f.to_token_stream()) {
            println!("error: {e}");
            continue;
        }
        let mut out = Vec::new();
        expand_all(attr, &f, &mut out);
        for i in &out {
            println!("{}", i.to_token_stream());
        }
    }
    let spent = TRANSFORM_TIME.with(|t| t.get());
    eprintln!("time in the transform: {:.3} s", spent.as_secs_f64());
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: expansion_size FILE.rs [--items NAME] [--print NAME] [--dump]");
        std::process::exit(2);
    };
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|k| args.get(k + 1).cloned())
    };
    let (items_of, print_of) = (flag("--items"), flag("--print"));
    let source = std::fs::read_to_string(path).expect("readable file");
    let file = syn::parse_file(&source).expect("a Rust file");
    if args.iter().any(|a| a == "--dump") {
        dump(&file);
        return;
    }
    let (mut total_in, mut total_out, mut total_items, mut n) = (0, 0, 0, 0);
    println!(
        "{:<24} {:>8} {:>9} {:>6} {:>7}",
        "function", "tokens", "expanded", "items", "ratio"
    );
    for item in &file.items {
        let syn::Item::Fn(f) = item else { continue };
        let mut f = f.clone();
        let Some(attr) = take_attribute(&mut f) else {
            continue;
        };
        let before = count(&f.to_token_stream());
        let mut out = Vec::new();
        expand_all(attr, &f, &mut out);
        let sizes: Vec<(String, usize)> = out
            .iter()
            .map(|i| (item_name(i), count(&i.to_token_stream())))
            .collect();
        let after: usize = sizes.iter().map(|s| s.1).sum();
        println!(
            "{:<24} {:>8} {:>9} {:>6} {:>7.1}",
            f.sig.ident.to_string(),
            before,
            after,
            out.len(),
            after as f64 / before as f64
        );
        if items_of.as_deref() == Some(&f.sig.ident.to_string()) {
            for (name, size) in &sizes {
                println!("    {size:>7}  {name}");
            }
        }
        if print_of.as_deref() == Some(&f.sig.ident.to_string()) {
            for i in &out {
                println!("{}", i.to_token_stream());
            }
        }
        total_in += before;
        total_out += after;
        total_items += out.len();
        n += 1;
    }
    if n > 0 {
        println!(
            "{:<24} {:>8} {:>9} {:>6} {:>7.1}",
            format!("total ({n} functions)"),
            total_in,
            total_out,
            total_items,
            total_out as f64 / total_in as f64
        );
    }
    let spent = TRANSFORM_TIME.with(|t| t.get());
    println!("time in the transform: {:.3} s", spent.as_secs_f64());
}
