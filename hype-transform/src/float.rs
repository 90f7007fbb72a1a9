//! The float type a function computes in: `f64`, `f32` when its signature says so, or
//! a type parameter bounded by `hype::Float` (`fn f<T: Float>(x: T) -> T`). A function
//! uses one of them (mixed signatures are an error). In an `f32` function unsuffixed
//! float literals are `f32`, so that derivative code, which passes literals to generic
//! runtime ops, infers the same type plain Rust would; in a generic one, the literals
//! derivative code writes are `T::of_f64(..)`.

use proc_macro2::{Literal, Span, TokenStream, TokenTree};
use quote::quote;
use syn::visit_mut::VisitMut;

#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub enum Float {
    F32,
    #[default]
    F64,
    /// A type parameter `T: hype::Float`.
    Generic(syn::Ident),
}

impl Float {
    /// `f32`, `f64` or `T`.
    pub fn ty(&self) -> TokenStream {
        match self {
            Float::F32 => quote!(f32),
            Float::F64 => quote!(f64),
            Float::Generic(t) => quote!(#t),
        }
    }

    pub fn is(&self, ty: &syn::Type) -> bool {
        let name = match self {
            Float::F32 => "f32",
            Float::F64 => "f64",
            Float::Generic(t) => {
                return matches!(ty, syn::Type::Path(tp) if tp.qself.is_none() && tp.path.is_ident(t))
            }
        };
        matches!(ty, syn::Type::Path(tp) if tp.qself.is_none() && tp.path.is_ident(name))
    }

    /// A literal of this type, parenthesized (`(2f32)`), for derivative rules.
    pub fn lit(&self, x: f64) -> TokenStream {
        let l = match self {
            Float::F32 => Literal::f32_suffixed(x as f32),
            Float::F64 => Literal::f64_suffixed(x),
            Float::Generic(t) => {
                let l = Literal::f64_suffixed(x);
                return quote!((<#t as ::hype::Float>::of_f64(#l)));
            }
        };
        quote!((#l))
    }

    /// A primitive number `n` (an `i32`, a `usize`) converted to this type.
    pub fn cast(&self, n: &TokenStream) -> TokenStream {
        match self {
            Float::Generic(t) => quote!((<#t as ::hype::Float>::of_f64((#n) as f64))),
            concrete => {
                let ty = concrete.ty();
                quote!(((#n) as #ty))
            }
        }
    }

    /// `func` with what derivative code needs of a generic float type `T` stated in
    /// its where clause: that `&T` is a value of the runtime (`Val`), which the runtime
    /// proves for `&f32` and `&f64` one by one (a blanket impl over `T: Float` would
    /// overlap its impls for other references). Nothing else: a bound that implies
    /// `T: HasTangent` again would keep rustc from normalizing `T::Tangent` to `T`.
    pub fn bounded(&self, func: &syn::ItemFn) -> syn::ItemFn {
        let mut func = func.clone();
        if let Float::Generic(t) = self {
            let preds = &mut func.sig.generics.make_where_clause().predicates;
            preds.push(syn::parse_quote!(for<'__hype_r> &'__hype_r #t: ::hype::rt::Val<V = #t>));
        }
        func
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
/// and `self` do not count); an error at the second type's span when two appear.
pub fn of_signature(sig: &syn::Signature) -> syn::Result<Float> {
    // Type parameters bounded by `Float` (`T: Float`, `T: hype::Float`, or in `where`).
    let mut generic: Vec<syn::Ident> = sig
        .generics
        .type_params()
        .filter(|p| p.bounds.iter().any(is_float_bound))
        .map(|p| p.ident.clone())
        .collect();
    if let Some(w) = &sig.generics.where_clause {
        for pred in &w.predicates {
            if let syn::WherePredicate::Type(pt) = pred {
                if let syn::Type::Path(tp) = &pt.bounded_ty {
                    if let Some(id) = tp.path.get_ident() {
                        if pt.bounds.iter().any(is_float_bound) && !generic.contains(id) {
                            generic.push(id.clone());
                        }
                    }
                }
            }
        }
    }
    let mut found: Vec<(Float, Span)> = Vec::new();
    let mut scan = |tokens: TokenStream| find(tokens, &generic, &mut found);
    for input in sig.inputs.iter() {
        if let syn::FnArg::Typed(pt) = input {
            if !pt.attrs.iter().any(|a| a.path().is_ident("constant")) {
                scan(quote::ToTokens::to_token_stream(&pt.ty));
            }
        }
    }
    scan(quote::ToTokens::to_token_stream(&sig.output));
    let mut kinds = found.iter();
    let Some((first, _)) = kinds.next() else {
        return Ok(Float::F64);
    };
    if let Some((_, span)) = kinds.find(|(k, _)| k != first) {
        return Err(syn::Error::new(
            *span,
            "hype: this function mixes float types (f32, f64 or a type parameter bounded by `Float`); a #[differentiable] function computes in one float type, so convert at the call site (`x.mapv(|v| v as f32)`), or mark a parameter #[constant]",
        ));
    }
    Ok(first.clone())
}

fn is_float_bound(b: &syn::TypeParamBound) -> bool {
    matches!(b, syn::TypeParamBound::Trait(t) if t.path.segments.last().is_some_and(|s| s.ident == "Float"))
}

fn find(tokens: TokenStream, generic: &[syn::Ident], found: &mut Vec<(Float, Span)>) {
    for t in tokens {
        match t {
            TokenTree::Ident(id) if id == "f32" => found.push((Float::F32, id.span())),
            TokenTree::Ident(id) if id == "f64" => found.push((Float::F64, id.span())),
            TokenTree::Ident(id) if generic.contains(&id) => {
                found.push((Float::Generic(id.clone()), id.span()))
            }
            TokenTree::Group(g) => find(g.stream(), generic, found),
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

/// Gives unsuffixed float literals of an `f32` function's `block` the type `f32`
/// (outside macros).
pub fn type_literals(block: &mut syn::Block, float: &Float) {
    if *float == Float::F32 {
        Suffix("f32").visit_block_mut(block);
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
        assert!(e.to_string().contains("mixes float types"));
        let t = syn::Ident::new("T", Span::call_site());
        assert_eq!(
            float(quote!(fn f<T: hype::Float>(x: &Array1<T>, n: usize) -> T)).unwrap(),
            Float::Generic(t.clone())
        );
        assert_eq!(
            float(quote!(fn f<T>(x: T) -> T where T: Float)).unwrap(),
            Float::Generic(t)
        );
        // A type parameter without the bound is not a float type.
        assert_eq!(
            float(quote!(fn f<T: Clone>(x: f64, t: T) -> f64)).unwrap(),
            Float::F64
        );
        let e = float(quote!(fn f<T: Float>(x: T) -> f64)).unwrap_err();
        assert!(e.to_string().contains("mixes float types"));
    }

    #[test]
    fn literals_take_the_float_type() {
        let mut b: syn::Block = syn::parse2(quote!({
            let s = 0.5 * x + 1e-3 + 2.0f64;
            s[0] + 1
        }))
        .unwrap();
        type_literals(&mut b, &Float::F32);
        let s = quote!(#b).to_string();
        assert!(
            s.contains("0.5f32") && s.contains("1e-3f32") && s.contains("2.0f64"),
            "{s}"
        );
        assert!(s.contains("[0]") && s.contains("+ 1 "), "{s}");
    }
}
