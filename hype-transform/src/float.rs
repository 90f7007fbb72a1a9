//! The float type a function computes in: `f64`, or `f32` when its signature says
//! so. A function uses one of them (mixed signatures are an error), and in an `f32`
//! function unsuffixed float literals are `f32`, so that derivative code, which
//! passes literals to generic runtime ops, infers the same type plain Rust would.

use proc_macro2::{Literal, Span, TokenStream, TokenTree};
use quote::quote;
use syn::visit_mut::VisitMut;

#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Float {
    F32,
    #[default]
    F64,
}

impl Float {
    /// `f32` or `f64`.
    pub fn ty(self) -> TokenStream {
        match self {
            Float::F32 => quote!(f32),
            Float::F64 => quote!(f64),
        }
    }

    pub fn is(self, ty: &syn::Type) -> bool {
        matches!(ty, syn::Type::Path(tp) if tp.qself.is_none() && tp.path.is_ident(self.name()))
    }

    pub fn name(self) -> &'static str {
        match self {
            Float::F32 => "f32",
            Float::F64 => "f64",
        }
    }

    /// A literal of this type, parenthesized (`(2f32)`), for derivative rules.
    pub fn lit(self, x: f64) -> TokenStream {
        let l = match self {
            Float::F32 => Literal::f32_suffixed(x as f32),
            Float::F64 => Literal::f64_suffixed(x),
        };
        quote!((#l))
    }
}

/// Whether `ty` names `f64` or `f32` as a scalar (`f64`, `&f64`, `f32`).
pub fn is_scalar(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) => is_scalar(&r.elem),
        t => Float::F32.is(t) || Float::F64.is(t),
    }
}

/// The float type of a signature's differentiated parts (`#[constant]` parameters
/// and `self` do not count); an error at the second type's span when both appear.
pub fn of_signature(sig: &syn::Signature) -> syn::Result<Float> {
    let mut first: [Option<Span>; 2] = [None, None];
    let mut scan = |tokens: TokenStream| find(tokens, &mut first);
    for input in sig.inputs.iter() {
        if let syn::FnArg::Typed(pt) = input {
            if !pt.attrs.iter().any(|a| a.path().is_ident("constant")) {
                scan(quote::ToTokens::to_token_stream(&pt.ty));
            }
        }
    }
    scan(quote::ToTokens::to_token_stream(&sig.output));
    match first {
        [Some(_), Some(s64)] => Err(syn::Error::new(
            s64,
            "hype: this function mixes f32 and f64; a #[differentiable] function computes in one float type, so convert at the call site (`x.mapv(|v| v as f32)`), or mark a parameter #[constant]",
        )),
        [Some(_), None] => Ok(Float::F32),
        _ => Ok(Float::F64),
    }
}

fn find(tokens: TokenStream, first: &mut [Option<Span>; 2]) {
    for t in tokens {
        match t {
            TokenTree::Ident(id) if id == "f32" => {
                first[0].get_or_insert(id.span());
            }
            TokenTree::Ident(id) if id == "f64" => {
                first[1].get_or_insert(id.span());
            }
            TokenTree::Group(g) => find(g.stream(), first),
            _ => {}
        }
    }
}

struct Suffix(&'static str);

impl VisitMut for Suffix {
    fn visit_lit_float_mut(&mut self, l: &mut syn::LitFloat) {
        if l.suffix().is_empty() {
            *l = syn::LitFloat::new(&format!("{}{}", l.base10_digits(), self.0), l.span());
        }
    }
}

/// Gives unsuffixed float literals of `block` the type `float` (outside macros).
pub fn type_literals(block: &mut syn::Block, float: Float) {
    Suffix(float.name()).visit_block_mut(block);
}

/// [`type_literals`] of an expression (rewritten code's own literals); nothing for
/// `f64`, whose literals need no suffix.
pub fn type_literals_expr(e: &mut syn::Expr, float: Float) {
    if float == Float::F32 {
        Suffix(float.name()).visit_expr_mut(e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float(sig: TokenStream) -> syn::Result<Float> {
        let f: syn::ItemFn = syn::parse2(quote!(#sig {})).unwrap();
        of_signature(&f.sig)
    }

    #[test]
    fn signature_float_type() {
        assert_eq!(float(quote!(fn f(x: f64) -> f64)).unwrap(), Float::F64);
        assert_eq!(
            float(quote!(fn f(x: &Array1<f32>) -> f32)).unwrap(),
            Float::F32
        );
        assert_eq!(
            float(quote!(fn f(x: usize) -> (f32, f32))).unwrap(),
            Float::F32
        );
        assert_eq!(
            float(quote!(fn f(#[constant] s: f64, x: f32) -> f32)).unwrap(),
            Float::F32
        );
        let e = float(quote!(fn f(x: f32) -> f64)).unwrap_err();
        assert!(e.to_string().contains("mixes f32 and f64"));
    }

    #[test]
    fn literals_take_the_float_type() {
        let mut b: syn::Block = syn::parse2(quote!({
            let s = 0.5 * x + 1e-3 + 2.0f64;
            s[0] + 1
        }))
        .unwrap();
        type_literals(&mut b, Float::F32);
        let s = quote!(#b).to_string();
        assert!(
            s.contains("0.5f32") && s.contains("1e-3f32") && s.contains("2.0f64"),
            "{s}"
        );
        assert!(s.contains("[0]") && s.contains("+ 1 "), "{s}");
    }
}
