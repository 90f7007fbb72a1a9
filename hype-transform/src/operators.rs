//! The derivative operators `grad!(f)`, `jvp!(f)`, ...: on a path, each names the
//! sibling function that `#[differentiable]` generated next to `f`; on a closure
//! literal, the derivative code is generated inline (captured variables are
//! constants).

use crate::forward::{atom_val, derived_path, Forward};
use crate::ir::{Atom, Function};
use crate::lower::closure_ir;
use crate::names;
use crate::reverse::Reverse;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

pub fn expand(input: TokenStream, op: &str) -> syn::Result<TokenStream> {
    match op {
        "diffn" => return diffn(input),
        "hvp" => {
            if let Ok(syn::Expr::Closure(c)) = syn::parse2::<syn::Expr>(input.clone()) {
                return hvp_closure(c);
            }
            let path = path_only(input, op)?;
            let target = derived_path(&path, op);
            return Ok(quote_spanned!(path.span()=> #target));
        }
        "grad_hessian" | "laplacian" | "hessian" | "diff2" => {
            if let Ok(syn::Expr::Closure(c)) = syn::parse2::<syn::Expr>(input.clone()) {
                return second_order_closure(c, op);
            }
            let path = path_only(input, op)?;
            let target = derived_path(&path, op);
            return Ok(quote_spanned!(path.span()=> #target));
        }
        "curl" | "div" => {
            let path = path_only(input, op)?;
            let target = derived_path(&path, op);
            return Ok(quote_spanned!(path.span()=> #target));
        }
        _ => {}
    }
    let expr: syn::Expr = syn::parse2(input).map_err(|e| {
        syn::Error::new(
            e.span(),
            format!(
                "hype: {op}! takes the path of a #[differentiable] function, e.g. `{op}!(my_fn)`"
            ),
        )
    })?;
    match expr {
        syn::Expr::Path(p) if p.qself.is_none() => {
            let span = p.span();
            let target = derived_path(&p.path, op);
            Ok(quote_spanned!(span=> #target))
        }
        syn::Expr::Closure(c) => closure(c, op),
        other => Err(syn::Error::new(
            other.span(),
            format!(
                "hype: {op}! takes the path of a #[differentiable] function, e.g. `{op}!(my_fn)`"
            ),
        )),
    }
}

/// `name: Type` for every parameter of `ir`.
pub fn typed_params(ir: &Function) -> Vec<TokenStream> {
    ir.params
        .iter()
        .map(|p| {
            let (n, t) = (&p.name, &p.ty);
            quote!(#n: #t)
        })
        .collect()
}

/// `grad!(|x: T| body)` and friends: derivative code inline in a closure.
fn closure(c: syn::ExprClosure, op: &str) -> syn::Result<TokenStream> {
    let span = c.span();
    let ir = closure_ir(&c)?;
    let params = typed_params(&ir);
    let active: Vec<&crate::ir::Param> = ir.params.iter().filter(|p| p.active).collect();
    let ret_val = atom_val(&ir.ret);
    // The reverse pass as a closure of the parameters and the output's cotangent
    // `seed`: `(value, gradients of the active parameters)`.
    let reverse_core = |seed: TokenStream| {
        let mut rev = Reverse::new(&ir);
        rev.want_array = false;
        let fwd_sweep = rev.fwd_block(&ir.body, None);
        let bwd_sweep = rev.bwd_block(&ir.body, None);
        let tapes = rev.tape_decls();
        let mut top: Vec<syn::Ident> = active.iter().map(|p| p.name.clone()).collect();
        top.extend(rev.active_locals(&ir.body, &[]));
        let slots = rev.slots(&top);
        let seed = match &ir.ret {
            Atom::Var(v) if ir.is_active(v) => {
                let b = names::bar(v);
                quote!(::hype::rt::acc(&mut #b, #seed);)
            }
            _ => quote!(let _ = #seed;),
        };
        let grads: Vec<TokenStream> = active
            .iter()
            .map(|p| {
                let n = &p.name;
                let b = names::bar(n);
                quote!(::hype::rt::unwrap_or_zero(#b, &#n))
            })
            .collect();
        let grads = if grads.len() == 1 {
            quote!(#(#grads)*)
        } else {
            quote!((#(#grads),*))
        };
        quote! {
            #tapes
            #fwd_sweep
            let __hype_ret = #ret_val;
            #slots
            #seed
            #bwd_sweep
            (__hype_ret, #grads)
        }
    };
    let pnames: Vec<syn::Ident> = ir.params.iter().map(|p| p.name.clone()).collect();
    // Owned copies of the arguments (the pullback outlives the call's borrows).
    let owned: Vec<TokenStream> = ir
        .params
        .iter()
        .map(|p| {
            let n = &p.name;
            if p.is_ref {
                quote!(let #n = ::core::clone::Clone::clone(#n);)
            } else {
                quote!(let #n = ::core::clone::Clone::clone(&#n);)
            }
        })
        .collect();
    let pass: Vec<TokenStream> = ir
        .params
        .iter()
        .map(|p| {
            let n = &p.name;
            if p.is_ref {
                quote!(&#n)
            } else {
                quote!(::core::clone::Clone::clone(&#n))
            }
        })
        .collect();
    // The forward pass: the body with tangents, and the output's tangent (read after
    // `let __hype_ret = ..`).
    let forward_core = || {
        let body = Forward { f: &ir }.block(&ir.body);
        let ret_dot = match &ir.ret {
            Atom::Var(v) if ir.is_active(v) => {
                let d = names::dot(v);
                quote!(#d)
            }
            _ => quote!(::hype::rt::zero_tangent(&__hype_ret)),
        };
        (body, ret_dot)
    };
    let allow = quote!(#[allow(unused_mut, unused_variables, unused_assignments, non_snake_case, clippy::all)]);
    match op {
        "grad" | "value_and_grad" => {
            let core = reverse_core(quote!(::hype::rt::seed_like(&__hype_ret)));
            let result = if op == "grad" { quote!(__hype_out.1) } else { quote!(__hype_out) };
            Ok(quote_spanned!(span=> {
                #allow
                let __hype_f = |#(#params),*| {
                    let __hype_out = { #core };
                    #result
                };
                __hype_f
            }))
        }
        "vjp" | "jacobian_t_v" => {
            // The pullback runs the reverse pass again with its cotangent (a closure
            // cannot return a pullback that borrows its own locals).
            let core = reverse_core(quote!(::core::clone::Clone::clone(__hype_seed)));
            let body = if op == "vjp" {
                quote! {
                    let __hype_value = __hype_primal(#(#pass),*);
                    #(#owned)*
                    (__hype_value, move |__hype_seed: &_| __hype_core(#(#pass,)* __hype_seed).1)
                }
            } else {
                quote!(__hype_core(#(#pnames,)* __hype_v).1)
            };
            let mut outer_params = params.clone();
            if op == "jacobian_t_v" {
                outer_params.push(quote!(__hype_v: &_));
            }
            let primal = if op == "vjp" { quote!(let __hype_primal = #c;) } else { quote!() };
            Ok(quote_spanned!(span=> {
                #primal
                #allow
                let __hype_core = |#(#params,)* __hype_seed: &_| { #core };
                #allow
                let __hype_f = move |#(#outer_params),*| { #body };
                __hype_f
            }))
        }
        "jacobian" => {
            if active.len() != 1 {
                return Err(syn::Error::new(span, "hype: jacobian! needs a closure of exactly one active parameter"));
            }
            let x = &active[0].name;
            let fty = ir.float.ty();
            let x_ref = if active[0].is_ref { quote!(#x) } else { quote!(&#x) };
            let xd = names::dot(x);
            let xt = crate::types::strip_refs(&active[0].ty);
            let rcore = reverse_core(quote!(::core::clone::Clone::clone(__hype_seed)));
            let (fbody, ret_dot) = forward_core();
            Ok(quote_spanned!(span=> {
                let __hype_primal = #c;
                #allow
                let __hype_rcore = |#(#params,)* __hype_seed: &_| { #rcore };
                #allow
                let __hype_fcore = |#(#params,)* __hype_dx: &<#xt as ::hype::HasTangent>::Tangent| {
                    let #xd = ::core::clone::Clone::clone(__hype_dx);
                    #fbody
                    let __hype_ret = #ret_val;
                    #ret_dot
                };
                #allow
                let __hype_f = move |#(#params),*| {
                    let __hype_value = __hype_primal(#(#pass),*);
                    ::hype::rt::jacobian::<_, _, #fty>(
                        #x_ref,
                        |__hype_dx| __hype_fcore(#(#pass,)* __hype_dx),
                        |__hype_g| __hype_rcore(#(#pass,)* __hype_g).1,
                        &__hype_value,
                    )
                };
                __hype_f
            }))
        }
        "jvp" | "gradv" | "diff" => {
            let (body, ret_dot) = forward_core();
            let mut tan_params = Vec::new();
            let mut tan_init = Vec::new();
            for p in &active {
                let (n, t) = (&p.name, &p.ty);
                let d = names::dot(n);
                let arg = if p.is_ref { quote!(#d) } else { quote!(&#d) };
                if op == "diff" {
                    tan_init.push(quote!(let #d = ::hype::rt::unit_tangent(&#n);));
                } else {
                    tan_params.push(quote!(#d: #t));
                    tan_init.push(quote!(let #d = <_ as ::hype::rt::TangentArg<#t>>::into_tangent(#arg, &#n);));
                }
            }
            if op == "diff" && active.len() != 1 {
                return Err(syn::Error::new(span, "hype: diff! needs a closure of exactly one active (f64) parameter"));
            }
            let result = if op == "jvp" { quote!((__hype_ret, __hype_ret_dot)) } else { quote!(__hype_ret_dot) };
            Ok(quote_spanned!(span=> {
                #allow
                let __hype_f = |#(#params,)* #(#tan_params),*| {
                    #(#tan_init)*
                    #body
                    let __hype_ret = #ret_val;
                    let __hype_ret_dot = #ret_dot;
                    #result
                };
                __hype_f
            }))
        }
        other => Err(syn::Error::new(
            span,
            format!("hype: {other}! on a closure is not supported yet; write a #[differentiable] function (captured values as #[constant] parameters) and pass its path"),
        )),
    }
}

/// `hvp!(|x: T, ..| body)`: the closure's directional derivative written as a closure
/// in the supported subset (as `f__dir` is for a function), then reverse mode over it
/// seeded with `(0, 1)`: `(params.., v..) -> H v` for the active parameters.
fn hvp_closure(c: syn::ExprClosure) -> syn::Result<TokenStream> {
    let span = c.span();
    let ir = closure_ir(&c)?;
    let dir = crate::dir::Dir { f: &ir, level: 1 };
    let body = dir.block(&ir.body)?;
    let ret = dir.ret();
    let active: Vec<&crate::ir::Param> = ir.params.iter().filter(|p| p.active).collect();
    if active.is_empty() {
        return Err(syn::Error::new(
            span,
            "hype: hvp! needs a closure with an active parameter",
        ));
    }
    let params = typed_params(&ir);
    let tans: Vec<TokenStream> = active
        .iter()
        .map(|p| {
            let d = dir.d(&p.name);
            let t = crate::types::strip_refs(&p.ty);
            quote!(#d: &<#t as ::hype::HasTangent>::Tangent)
        })
        .collect();
    // A parameter the body assigns to gets a tangent it can assign to.
    let own = active
        .iter()
        .filter(|p| ir.mutable.contains(&p.name.to_string()))
        .map(|p| {
            let d = dir.d(&p.name);
            quote!(let mut #d = ::core::clone::Clone::clone(#d);)
        });
    let dir_closure: syn::ExprClosure =
        syn::parse2(quote_spanned!(span=> |#(#params,)* #(#tans),*| { #(#own)* #body #ret }))?;
    let transpose = closure(dir_closure, "jacobian_t_v")?;
    let pnames: Vec<&syn::Ident> = ir.params.iter().map(|p| &p.name).collect();
    let vs: Vec<syn::Ident> = (0..active.len())
        .map(|k| quote::format_ident!("__hype_v{}", k))
        .collect();
    let picked: Vec<TokenStream> = (0..active.len())
        .map(|k| {
            let i = syn::Index::from(k);
            quote!(__hype_g.#i)
        })
        .collect();
    let result = if picked.len() == 1 {
        quote!(#(#picked)*)
    } else {
        quote!((#(#picked),*))
    };
    let v_params = active.iter().zip(&vs).map(|(p, v)| {
        let t = crate::types::strip_refs(&p.ty);
        quote!(#v: &<#t as ::hype::HasTangent>::Tangent)
    });
    Ok(quote_spanned!(span=> {
        let __hype_transpose = #transpose;
        #[allow(clippy::all)]
        let __hype_f = move |#(#params,)* #(#v_params),*| {
            let __hype_g = __hype_transpose(#(#pnames,)* #(#vs,)* &(0.0, 1.0));
            #result
        };
        __hype_f
    }))
}

/// `hessian!`, `laplacian!`, `grad_hessian!` and `diff2!` on a closure with one
/// active parameter: the closure's `hvp!` (see [`hvp_closure`]) applied to each basis
/// direction (`rt::hessian`), or to the direction 1 for a scalar parameter (`diff2!`).
fn second_order_closure(c: syn::ExprClosure, op: &str) -> syn::Result<TokenStream> {
    let span = c.span();
    let ir = closure_ir(&c)?;
    let active: Vec<&crate::ir::Param> = ir.params.iter().filter(|p| p.active).collect();
    let x = match active.as_slice() {
        [p] => p.name.clone(),
        _ => {
            return Err(syn::Error::new(
                span,
                format!("hype: {op}! on a closure needs exactly one parameter to differentiate (captured values are constants)"),
            ))
        }
    };
    let scalar = crate::float::is_scalar(&active[0].ty);
    if op == "diff2" && !scalar {
        return Err(syn::Error::new(
            span,
            "hype: diff2! takes a closure of one `f64` parameter; use hessian! for vectors",
        ));
    }
    let params = typed_params(&ir);
    let pnames: Vec<&syn::Ident> = ir.params.iter().map(|p| &p.name).collect();
    let clones: Vec<TokenStream> = pnames
        .iter()
        .map(|p| quote!(::core::clone::Clone::clone(&#p)))
        .collect();
    let grad_binding = if op == "grad_hessian" {
        let grad = closure(c.clone(), "grad")?;
        quote!(let __hype_grad = #grad;)
    } else {
        quote!()
    };
    let hvp = hvp_closure(c)?;
    let fty = ir.float.ty();
    let hessian =
        quote!(::hype::rt::hessian::<_, #fty>(&#x, |__hype_v| __hype_hvp(#(#clones,)* __hype_v)));
    let value = match op {
        "diff2" => quote!(__hype_hvp(#(#pnames,)* &1.0)),
        "hessian" => hessian,
        "laplacian" => quote!(::hype::rt::trace(&#hessian)),
        _ => quote!((__hype_grad(#(#clones),*), #hessian)),
    };
    Ok(quote_spanned!(span=> {
        let __hype_hvp = #hvp;
        #grad_binding
        #[allow(clippy::all)]
        let __hype_f = move |#(#params),*| #value;
        __hype_f
    }))
}

/// The path of a function for an operator that takes no closure.
fn path_only(input: TokenStream, op: &str) -> syn::Result<syn::Path> {
    match syn::parse2::<syn::Expr>(input) {
        Ok(syn::Expr::Path(p)) if p.qself.is_none() => Ok(p.path),
        Ok(syn::Expr::Closure(c)) => Err(syn::Error::new(
            c.span(),
            format!(
                "hype: {op}! does not take a closure; write the closure as a #[differentiable(order = 2)] function (captured values as #[constant] parameters) and pass its path, e.g. `{op}!(my_fn)` (on closures: grad!, value_and_grad!, jvp!, vjp!, gradv!, diff!, jacobian!, jacobian_t_v!, hvp!, hessian!, laplacian!, grad_hessian!, diff2!, diffn! of order 1 or 2)"
            ),
        )),
        Ok(other) => Err(syn::Error::new(
            other.span(),
            format!(
                "hype: {op}! takes the path of a #[differentiable] function, e.g. `{op}!(my_fn)`"
            ),
        )),
        Err(e) => Err(syn::Error::new(
            e.span(),
            format!(
                "hype: {op}! takes the path of a #[differentiable] function, e.g. `{op}!(my_fn)`"
            ),
        )),
    }
}

/// `diffn!(n, f)`: `f__diff` for n = 1, `f__diff{n}` above (generated up to the
/// function's `order`). On a closure: orders 1 and 2 (`diff!`, `diff2!`).
fn diffn(input: TokenStream) -> syn::Result<TokenStream> {
    let parser = |s: syn::parse::ParseStream| -> syn::Result<(syn::LitInt, syn::Expr)> {
        let n: syn::LitInt = s.parse()?;
        let _: syn::Token![,] = s.parse()?;
        let f: syn::Expr = s.parse()?;
        Ok((n, f))
    };
    let usage = |span| {
        syn::Error::new(
            span,
            "hype: diffn! takes an order and a path (or a closure, for orders 1 and 2): `diffn!(3, f)`",
        )
    };
    let (n, f) = syn::parse::Parser::parse2(parser, input).map_err(|e| usage(e.span()))?;
    let k: u32 = n.base10_parse()?;
    if k == 0 {
        return Err(syn::Error::new(
            n.span(),
            "hype: diffn! needs an order of 1 or more",
        ));
    }
    let path = match f {
        syn::Expr::Path(p) if p.qself.is_none() => p.path,
        syn::Expr::Closure(c) => {
            return match k {
                1 => closure(c, "diff"),
                2 => second_order_closure(c, "diff2"),
                _ => Err(syn::Error::new(
                    c.span(),
                    format!("hype: diffn! of order {k} does not take a closure (orders 1 and 2 do); write the closure as a #[differentiable(order = {k})] function (captured values as #[constant] parameters) and pass its path: `diffn!({k}, my_fn)`"),
                )),
            };
        }
        other => return Err(usage(other.span())),
    };
    let suffix = match k {
        1 => "diff".to_string(),
        k => format!("diff{k}"),
    };
    let target = derived_path(&path, &suffix);
    Ok(quote_spanned!(path.span()=> #target))
}
