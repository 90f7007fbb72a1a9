//! The contract test of the primitive table: one `#[test]` per primitive of
//! [`crate::primitives::PRIMITIVES`], calling the runtime's function and rules on the
//! declared sample arguments. For every differentiable argument it checks
//!
//! * the tangent rule `op_jvp{k}` against central differences of the function,
//! * the adjoint rule `op_vjp{k}` against the tangent rule (`<vjp(g), d> = <g, jvp(d)>`),
//! * the second-order rule of [`crate::dir_rules`] against the tangent rule,
//! * for primitives that accumulate in place, `op_acc{k}` against `op_vjp{k}`.
//!
//! A primitive missing from the runtime, or a rule with another signature, fails to
//! compile the test; a wrong rule fails it. Expanded by `hype::__primitive_contract!()`.
//!
//! A second test per primitive, `{module}_{op}_f32`, calls the function and every
//! rule on the same samples and directions rounded to `f32` and checks each result
//! against the `f64` one (checked above against differences) to a relative `1e-5`:
//! the `f32` instantiation of every rule exists, keeps its constants and is right.

use crate::dir_rules::{tangent, Operands};
use crate::primitives::{Module, Primitive, Spelling, PRIMITIVES};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};

/// The tests, as items.
pub fn tests() -> syn::Result<TokenStream> {
    let mut out = TokenStream::new();
    for p in PRIMITIVES {
        out.extend(test_of(p)?);
        out.extend(test_of_f32(p)?);
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
        // The in-place rule adds exactly the adjoint rule's value, empty slot or not.
        let in_place = if p.acc_in_place {
            let acc = format_ident!("{}_acc{}", p.op, k);
            quote! {
                let mut fresh = ::core::option::Option::None;
                #module::#acc(&mut fresh, #(&#values,)* #(#static_args,)* &r, &g);
                let fresh = fresh.expect("the in-place rule writes an empty slot");
                ::hype::rt::contract::assert_close(concat!(#what, ": in-place rule into an empty slot"), &fresh, &vjp, 1e-12);
                let mut full = ::core::option::Option::Some(::core::clone::Clone::clone(&vjp));
                #module::#acc(&mut full, #(&#values,)* #(#static_args,)* &r, &g);
                let mut twice = ::core::clone::Clone::clone(&vjp);
                ::hype::Tangent::axpy(&mut twice, 1.0, &vjp);
                ::hype::rt::contract::assert_close(concat!(#what, ": in-place rule into a full slot"), &full.expect("kept"), &twice, 1e-12);
            }
        } else {
            quote!()
        };
        let seed = k as u64 + 1;
        checks.push(quote! {
            {
                let d = ::hype::rt::contract::direction(&#ak, #seed);
                let jvp = #module::#jvp(#(&#values,)* #(#static_args,)* &r, &d);
                #fd
                let g = ::hype::rt::contract::direction(&r, #seed + 100);
                let vjp = #module::#vjp(#(&#values,)* #(#static_args,)* &r, &g);
                ::hype::rt::contract::assert_adjoint(#what, &vjp, &d, &g, &jvp);
                #in_place
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

/// Relative tolerance of `f32` results against `f64` ones (about 80 ulp of `f32`).
const F32_TOL: f64 = 1e-5;

/// The `f32` test of `p`: function and rules on `f32` samples against `f64`.
fn test_of_f32(p: &Primitive) -> syn::Result<TokenStream> {
    let module = p.module.path();
    let test = format_ident!("{}_{}_f32", p.module.name(), p.op);
    let f = function_path(p);
    let values: Vec<_> = (0..p.values).map(|k| format_ident!("a{}", k)).collect();
    let nstatics = p.sample.len().saturating_sub(p.values);
    let statics: Vec<_> = (0..nstatics).map(|k| format_ident!("s{}", k)).collect();
    let samples = p
        .sample
        .iter()
        .map(|e| parse(e))
        .collect::<syn::Result<Vec<_>>>()?;
    // The same statics are declared in both blocks: a float literal (`ddof`, `alpha`)
    // takes the element type of its block.
    let static_lets: Vec<TokenStream> = statics
        .iter()
        .zip(&samples[p.values..])
        .map(|(s, e)| quote!(let #s = #e;))
        .collect();
    let static_args: Vec<TokenStream> = statics.iter().map(|s| quote!(#s.clone())).collect();
    let lets64: Vec<TokenStream> = values
        .iter()
        .zip(&samples)
        .map(|(v, e)| quote!(let #v = #e;))
        .collect();
    let lets32: Vec<TokenStream> = values
        .iter()
        .zip(&samples)
        .map(|(v, e)| quote!(let #v = ::hype::rt::contract::to_f32(&(#e));))
        .collect();
    let args: Vec<TokenStream> = values.iter().map(|v| quote!(&#v)).collect();
    let ks: Vec<usize> = (0..p.values).filter(|k| p.differentiable_arg(*k)).collect();
    let mut rules64 = Vec::new();
    let mut rules32 = Vec::new();
    let mut names = Vec::new();
    for &k in &ks {
        let jvp = format_ident!("{}_jvp{}", p.op, k);
        let vjp = format_ident!("{}_vjp{}", p.op, k);
        let ak = &values[k];
        let (jn, vn) = (format_ident!("jvp{}", k), format_ident!("vjp{}", k));
        let seed = k as u64 + 1;
        rules64.push(quote! {
            let d = ::hype::rt::contract::direction(&#ak, #seed);
            let g = ::hype::rt::contract::direction(&r, #seed + 100);
            let #jn = #module::#jvp(#(#args,)* #(#static_args,)* &r, &d);
            let #vn = #module::#vjp(#(#args,)* #(#static_args,)* &r, &g);
        });
        let ki = syn::Index::from(k);
        rules32.push(quote! {
            let d = ::hype::rt::contract::to_f32(&::hype::rt::contract::direction(&r64_args.#ki, #seed));
            let g = ::hype::rt::contract::to_f32(&::hype::rt::contract::direction(&r64, #seed + 100));
            let #jn = #module::#jvp(#(#args,)* #(#static_args,)* &r, &d);
            let #vn = #module::#vjp(#(#args,)* #(#static_args,)* &r, &g);
        });
        let what_j = format!(
            "{}::{} argument {k}: f32 tangent rule against f64",
            p.module.name(),
            p.op
        );
        let what_v = format!(
            "{}::{} argument {k}: f32 adjoint rule against f64",
            p.module.name(),
            p.op
        );
        let kk = syn::Index::from(ks.iter().position(|x| *x == k).unwrap_or(0));
        names.push(quote! {
            ::hype::rt::contract::assert_close_across(#what_j, &#jn, &rules64.0.#kk, #F32_TOL);
            ::hype::rt::contract::assert_close_across(#what_v, &#vn, &rules64.1.#kk, #F32_TOL);
        });
    }
    let jns: Vec<_> = ks.iter().map(|k| format_ident!("jvp{}", k)).collect();
    let vns: Vec<_> = ks.iter().map(|k| format_ident!("vjp{}", k)).collect();
    let what_r = format!("{}::{}: f32 value against f64", p.module.name(), p.op);
    // The f64 values of the arguments, for the directions (same seeds as the f64 test).
    let arg_tuple: Vec<TokenStream> = values.iter().map(|v| quote!(#v.clone())).collect();
    Ok(quote! {
        #[test]
        #[allow(non_snake_case, clippy::all)]
        fn #test() {
            #[allow(unused_imports)]
            use ::hype::ndarray::array;
            let (r64, r64_args, rules64) = {
                #(#lets64)*
                #(#static_lets)*
                let r = #f(#(#args,)* #(#static_args),*);
                #(#rules64)*
                (r.clone(), (#(#arg_tuple,)*), ((#(#jns,)*), (#(#vns,)*)))
            };
            let _ = &r64_args;
            #(#lets32)*
            #(#static_lets)*
            let r = #f(#(#args,)* #(#static_args),*);
            ::hype::rt::contract::assert_close_across(#what_r, &r, &r64, #F32_TOL);
            #(#rules32)*
            #(#names)*
        }
    })
}
