//! The contract test of the primitive table: one `#[test]` per primitive of
//! [`crate::primitives::PRIMITIVES`], calling the runtime's function and rules on the
//! declared sample arguments. For every differentiable argument it checks
//!
//! * the tangent rule `op_jvp{k}` against central differences of the function,
//! * the adjoint rule `op_vjp{k}` against the tangent rule (`<vjp(g), d> = <g, jvp(d)>`),
//! * the second-order rule of [`crate::dir_rules`] against the tangent rule.
//!
//! A primitive missing from the runtime, or a rule with another signature, fails to
//! compile the test; a wrong rule fails it. Expanded by `hype::__primitive_contract!()`.

use crate::dir_rules::{tangent, Operands};
use crate::primitives::{Module, Primitive, Spelling, PRIMITIVES};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};

/// The tests, as items.
pub fn tests() -> syn::Result<TokenStream> {
    let mut out = TokenStream::new();
    for p in PRIMITIVES {
        out.extend(test_of(p)?);
    }
    Ok(out)
}

fn parse(e: &str) -> syn::Result<TokenStream> {
    e.parse::<TokenStream>()
        .map_err(|err| syn::Error::new(Span::call_site(), format!("sample `{e}`: {err}")))
}

/// The function's path as derivative code writes it (views as owned copies).
fn function_path(p: &Primitive) -> TokenStream {
    let module = p.module.path();
    let name = p
        .spellings
        .iter()
        .find_map(|s| match s {
            Spelling::RtPath(n) => Some(*n),
            _ => None,
        })
        .unwrap_or(p.op);
    let id = format_ident!("{}", name);
    quote!(#module::#id)
}

fn test_of(p: &Primitive) -> syn::Result<TokenStream> {
    let module = p.module.path();
    let test = format_ident!("{}_{}", p.module.name(), p.op);
    let f = function_path(p);
    let values: Vec<_> = (0..p.values).map(|k| format_ident!("a{}", k)).collect();
    let nstatics = p.sample.len().saturating_sub(p.values);
    let statics: Vec<_> = (0..nstatics).map(|k| format_ident!("s{}", k)).collect();
    let mut lets = Vec::new();
    for (k, e) in p.sample.iter().enumerate() {
        let e = parse(e)?;
        let name = if k < p.values {
            &values[k]
        } else {
            &statics[k - p.values]
        };
        lets.push(quote!(let #name = #e;));
    }
    let static_args: Vec<TokenStream> = statics.iter().map(|s| quote!(#s.clone())).collect();
    let mut checks = Vec::new();
    for k in (0..p.values).filter(|k| p.differentiable_arg(*k)) {
        let jvp = format_ident!("{}_jvp{}", p.op, k);
        let vjp = format_ident!("{}_vjp{}", p.op, k);
        let ak = &values[k];
        let shifted: Vec<TokenStream> = values
            .iter()
            .enumerate()
            .map(|(i, v)| if i == k { quote!(&__x) } else { quote!(&#v) })
            .collect();
        let what = format!("{}::{} argument {k}", p.module.name(), p.op);
        let fd = if p.not_the_derivative {
            quote!()
        } else {
            quote! {
                let fd = ::hype::rt::contract::central(|t| {
                    let mut __x = ::core::clone::Clone::clone(&#ak);
                    ::hype::Tangent::axpy(&mut __x, t, &d);
                    #f(#(#shifted,)* #(#static_args),*)
                });
                ::hype::rt::contract::assert_close(concat!(#what, ": tangent rule against differences"), &jvp, &fd, 1e-6);
            }
        };
        let args: Vec<TokenStream> = values.iter().map(|v| quote!(&#v)).collect();
        let o = Operands {
            args: &args,
            statics: &static_args,
            r: &quote!(&r),
            d: &quote!(&d),
        };
        let dir = tangent(p.module.name(), p.op, k, &o).map(|t| {
            quote! {
                let dir = #t;
                ::hype::rt::contract::assert_close(concat!(#what, ": second-order rule against the tangent rule"), &dir, &jvp, 1e-12);
            }
        });
        let seed = k as u64 + 1;
        checks.push(quote! {
            {
                let d = ::hype::rt::contract::direction(&#ak, #seed);
                let jvp = #module::#jvp(#(&#values,)* #(#static_args,)* &r, &d);
                #fd
                let g = ::hype::rt::contract::direction(&r, #seed + 100);
                let vjp = #module::#vjp(#(&#values,)* #(#static_args,)* &r, &g);
                ::hype::rt::contract::assert_adjoint(#what, &vjp, &d, &g, &jvp);
                #dir
            }
        });
    }
    let _ = Module::Rt;
    Ok(quote! {
        #[test]
        #[allow(non_snake_case, clippy::all)]
        fn #test() {
            #[allow(unused_imports)]
            use ::hype::ndarray::array;
            #(#lets)*
            let r = #f(#(&#values,)* #(#static_args),*);
            #(#checks)*
        }
    })
}
