//! `#[differentiable]` on a function: checks it, lowers it, and emits the primal
//! unchanged next to its derivative code (sibling functions `f__fwd`, `f__rev` and the
//! user-facing `f__grad`, `f__jvp`, ... that the operators `grad!(f)`, `jvp!(f)`, ...
//! name).

use crate::forward::{atom_val, Forward};
use crate::ir::{Atom, Function, Param};
use crate::lower::lower_function;
use crate::names;
use crate::parse;
use crate::reverse::Reverse;
use crate::types::{collect_idents, strip_refs, with_lifetime};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, ToTokens};

fn with_h(ty: &syn::Type) -> syn::Type {
    with_lifetime(ty, "'h")
}

pub fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let opts = parse::options(attr)?;
    let mut func: syn::ItemFn = syn::parse2(item).map_err(|e| {
        syn::Error::new(
            e.span(),
            "hype: #[differentiable] applies to a function (`fn name(..) -> T { .. }`)",
        )
    })?;
    if opts.level.is_none()
        && func.sig.receiver().is_none()
        && names::is_primitive_type(&func.sig.ident.to_string())
    {
        let name = &func.sig.ident;
        return Err(syn::Error::new(
            name.span(),
            format!("hype: a #[differentiable] function cannot be named `{name}`: its derivatives are reached through a type of the function's name (`{name}::__grad`), and `{name}` is a primitive type; rename it (e.g. `{name}_fn`)"),
        ));
    }
    let params = parse::signature(&mut func);
    let mut body = (*func.block).clone();
    let checked = crate::desugar::body(&mut body).and_then(|()| crate::check::body(&body));
    let params = match (params, checked) {
        (Ok(p), Ok(())) => p,
        (Err(mut a), Err(b)) => {
            a.combine(b);
            return Err(a);
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    let mut idents = std::collections::HashSet::new();
    collect_idents(func.to_token_stream(), &mut idents);
    let float = crate::float::of_signature(&func.sig)?;
    crate::float::type_literals(&mut body, &float);
    // Derivative code of a generic function states what it needs of the float type.
    let derived = float.bounded(&func);
    let ir = lower_function(params, &body, idents, float)?;
    let mut out = func.to_token_stream();
    out.extend(emit(&derived, &ir, opts.level.unwrap_or(1)));
    let order = crate::higher::Order {
        order: opts.order.unwrap_or(1),
        level: opts.level.unwrap_or(1),
        explicit: opts.order.is_some() && !opts.implicit,
    };
    out.extend(crate::higher::emit(&derived, &ir, &order)?);
    let out = crate::siblings::into_type(out, &func, order.level, false);
    // `HYPE_PRINT_EXPANSION=name` prints the code generated for function `name`.
    if std::env::var("HYPE_PRINT_EXPANSION").is_ok_and(|n| func.sig.ident == n) {
        eprintln!("{out}");
    }
    Ok(out)
}

/// `#[custom_rule(forward = f_fwd, reverse = f_rev)] fn f(..)`: the function keeps
/// its body, and derivatives come from the user's rules, which follow the
/// conventions of `jvp!` and `vjp!`:
/// `f_fwd(args.., tangents of active params..) -> (value, tangent)` and
/// `f_rev(args..) -> (value, pullback)` with `pullback(&ybar)` giving the cotangents
/// of the active parameters (one value, or a tuple in parameter order).
pub fn expand_custom(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let mut forward = None;
    let mut reverse = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("forward") {
            forward = Some(meta.value()?.parse::<syn::Path>()?);
            Ok(())
        } else if meta.path.is_ident("reverse") {
            reverse = Some(meta.value()?.parse::<syn::Path>()?);
            Ok(())
        } else {
            Err(meta.error("hype: #[custom_rule] takes `forward = path` and `reverse = path`"))
        }
    });
    syn::parse::Parser::parse2(parser, attr.clone())?;
    let (Some(forward), Some(reverse)) = (forward, reverse) else {
        return Err(syn::Error::new(
            proc_macro2::Span::call_site(),
            "hype: #[custom_rule] needs both rules, `forward = f_fwd, reverse = f_rev`, so that every mode (and forward-over-reverse) works",
        ));
    };
    let mut func: syn::ItemFn = syn::parse2(item)
        .map_err(|e| syn::Error::new(e.span(), "hype: #[custom_rule] applies to a function"))?;
    let params = parse::signature(&mut func)?;
    let ir = Function {
        params,
        body: crate::ir::Block::default(),
        ret: Atom::Const(quote!(())),
        active: Default::default(),
        mutable: Default::default(),
        float: crate::float::of_signature(&func.sig)?,
        lowering_passes: 0,
    };
    // `g__dir` written by hand (second order of a custom-rule `g`) is `g::__dir`.
    let name = func.sig.ident.to_string();
    let dirs = name.matches("__dir").count();
    let level = if dirs > 0 && name.ends_with("__dir") && !name.starts_with("__dir") {
        1 + dirs
    } else {
        1
    };
    let mut out = func.to_token_stream();
    out.extend(emit_with(
        &func,
        &ir,
        level,
        Some(&CustomRule { forward, reverse }),
    ));
    Ok(crate::siblings::into_type(out, &func, level, level > 1))
}

fn ret_type(func: &syn::ItemFn) -> syn::Type {
    match &func.sig.output {
        syn::ReturnType::Type(_, t) => with_h(t),
        syn::ReturnType::Default => syn::parse_quote!(()),
    }
}

/// A user-supplied rule pair (`#[custom_rule(forward = .., reverse = ..)]`).
pub struct CustomRule {
    pub forward: syn::Path,
    pub reverse: syn::Path,
}

fn emit(func: &syn::ItemFn, ir: &Function, level: usize) -> TokenStream {
    emit_with(func, ir, level, None)
}

/// The derivative code of `func` at nesting `level` (1 for the user's function).
fn emit_with(
    func: &syn::ItemFn,
    ir: &Function,
    level: usize,
    custom: Option<&CustomRule>,
) -> TokenStream {
    let call = |generated: &syn::Ident| crate::siblings::call(func, level, generated);
    let vis = &func.vis;
    // Inside an `impl`, sibling functions are reached through `Self::`.
    let in_impl = func.sig.receiver().is_some();
    let this = if in_impl { quote!(Self::) } else { quote!() };
    let name = &func.sig.ident;
    let generics = &func.sig.generics;
    let gparams = generics.params.iter();
    let where_clause = &generics.where_clause;
    let gparams: Vec<_> = gparams.collect();
    let gen_h = quote!(<'h, #(#gparams),*>);
    // Forward mode and the user-facing functions keep one lifetime per parameter.
    let lts: Vec<syn::Lifetime> = (0..func.sig.inputs.len())
        .map(|k| syn::Lifetime::new(&format!("'h{k}"), proc_macro2::Span::call_site()))
        .collect();
    let gen_each = quote!(<#(#lts,)* #(#gparams),*>);
    let gen_plain = quote!(<#(#gparams),*>);
    // grad! needs a scalar output; the check is deferred to the call (a generic
    // marker keeps the bound from being checked at the definition).
    let gen_seed = quote!(<__HypeSeed, #(#gparams),*>);
    let r = ret_type(func);
    let rt = crate::types::tangent_of(&r, &ir.float);
    let allow = quote!(#[doc(hidden)] #[allow(unused_mut, unused_variables, unused_assignments, unused_parens, non_snake_case, clippy::all, clippy::pedantic)]);

    let pnames: Vec<_> = ir.params.iter().map(|p| p.name.clone()).collect();
    let ptys_h: Vec<syn::Type> = ir.params.iter().map(|p| with_h(&p.ty)).collect();
    let prim_params_h: Vec<TokenStream> = pnames
        .iter()
        .zip(&ptys_h)
        .map(|(n, t)| quote!(#n: #t))
        .collect();
    let ptys: Vec<syn::Type> = ir
        .params
        .iter()
        .zip(&lts)
        .map(|(p, l)| with_lifetime(&p.ty, &l.to_string()))
        .collect();
    let prim_params: Vec<TokenStream> = pnames
        .iter()
        .zip(&ptys)
        .map(|(n, t)| quote!(#n: #t))
        .collect();
    // User-facing functions: the parameter types as written (elided lifetimes).
    let plain_tys: Vec<&syn::Type> = ir.params.iter().map(|p| &p.ty).collect();
    let plain_params: Vec<TokenStream> = pnames
        .iter()
        .zip(&plain_tys)
        .map(|(n, t)| quote!(#n: #t))
        .collect();
    let r_plain: syn::Type = match &func.sig.output {
        syn::ReturnType::Type(_, t) => (**t).clone(),
        syn::ReturnType::Default => syn::parse_quote!(()),
    };
    let rt_plain = crate::types::tangent_of(&r_plain, &ir.float);
    let where_seed = {
        let preds = generics.where_clause.as_ref().map(|w| {
            let p = w.predicates.iter();
            quote!(#(#p,)*)
        });
        // The bound implies `HasTangent` again; stating its tangent keeps `R::Tangent`
        // normalizable inside (generic float code).
        let tangent = crate::types::plain_tangent(&r_plain, &ir.float)
            .map(|t| quote!(+ ::hype::HasTangent<Tangent = #t>));
        quote!(where #preds #r_plain: ::hype::rt::ScalarOutput<__HypeSeed> #tangent)
    };
    let active: Vec<(&Param, &syn::Type)> = ir
        .params
        .iter()
        .zip(&ptys)
        .filter(|(p, _)| p.active)
        .collect();

    // ---- forward mode: f__fwd(params.., tangents of all params..) ----
    let fwd_name = names::derived(name, "fwd");
    let fwd_call = call(&fwd_name);
    let tan_params: Vec<TokenStream> = ir
        .params
        .iter()
        .zip(&ptys)
        .map(|(p, t)| {
            let d = names::dot(&p.name);
            if p.active {
                quote!(#d: impl ::hype::rt::TangentArg<#t>)
            } else {
                quote!(#d: impl ::core::marker::Sized)
            }
        })
        .collect();
    let tan_init = ir
        .params
        .iter()
        .zip(&ptys)
        .filter(|(p, _)| p.active)
        .map(|(p, t)| {
            let n = &p.name;
            let d = names::dot(n);
            quote!(let #d = <_ as ::hype::rt::TangentArg<#t>>::into_tangent(#d, &#n);)
        })
        .collect::<Vec<_>>();
    let fwd = Forward { f: ir };
    let fwd_body = fwd.block(&ir.body);
    let (ret_val, ret_dot) = match &ir.ret {
        Atom::Var(v) if ir.is_active(v) => {
            let d = names::dot(v);
            (atom_val(&ir.ret), quote!(#d))
        }
        a => {
            let v = atom_val(a);
            (v, quote!(::hype::rt::zero_tangent(&__hype_ret)))
        }
    };
    // Nothing reads the returned variable after the forward body: it moves out.
    let ret_moved = match &ir.ret {
        Atom::Var(v) => quote!(#v),
        a => atom_val(a),
    };
    let fwd_fn = quote! {
        #allow
        #vis fn #fwd_name #gen_each (#(#prim_params,)* #(#tan_params),*) -> (#r, #rt) #where_clause {
            #(#tan_init)*
            #fwd_body
            let __hype_ret = #ret_moved;
            let __hype_ret_dot = #ret_dot;
            (__hype_ret, __hype_ret_dot)
        }
    };

    // ---- reverse mode: f__rev(params..) -> (value, pullback to all params) ----
    let rev_name = names::derived(name, "rev");
    let rev_call = call(&rev_name);
    let rev = Reverse::new(ir);
    let want = crate::reverse::want_ident();
    let nparams = ir.params.len();
    // What user-facing entry points want: the gradients of the active parameters.
    let want_active: Vec<bool> = ir.params.iter().map(|p| p.active).collect();
    let want_all = quote!([#(#want_active),*]);
    let fwd_sweep = rev.fwd_block(&ir.body, None);
    let bwd_sweep = rev.bwd_block(&ir.body, None);
    let tapes = rev.tape_decls();
    let needs = rev.need_decls();
    let mut top_slots: Vec<syn::Ident> = ir
        .params
        .iter()
        .filter(|p| p.active)
        .map(|p| p.name.clone())
        .collect();
    top_slots.extend(rev.active_locals(&ir.body, &[]));
    let slots = rev.slots(&top_slots);
    let seed = match &ir.ret {
        Atom::Var(v) if ir.is_active(v) => {
            let b = names::bar(v);
            quote!(::hype::rt::acc(&mut #b, ::core::clone::Clone::clone(__hype_seed));)
        }
        _ => quote!(),
    };
    let grad_tys: Vec<TokenStream> = ir
        .params
        .iter()
        .zip(&ptys_h)
        .map(|(p, t)| {
            if p.active {
                crate::types::tangent_of(t, &ir.float)
            } else {
                quote!(::hype::rt::NoGrad)
            }
        })
        .collect();
    let grad_vals: Vec<TokenStream> = ir
        .params
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let n = &p.name;
            let b = names::bar(n);
            if p.active {
                // A gradient the caller did not want is a lazy zero: not allocated.
                quote!(::hype::rt::wanted_or_lazy_zero(#want[#k], #b, &#n))
            } else {
                quote!(::hype::rt::NoGrad)
            }
        })
        .collect();
    // The primal counts as used when only its derivatives are (no dead-code warning);
    // a generic one (also through `impl Trait` parameters) cannot be named bare.
    let impl_params = func.sig.inputs.iter().any(|a| match a {
        syn::FnArg::Typed(pt) => pt
            .ty
            .to_token_stream()
            .into_iter()
            .any(|t| matches!(t, proc_macro2::TokenTree::Ident(i) if i == "impl")),
        syn::FnArg::Receiver(_) => false,
    });
    let mention_primal = if gparams.is_empty() && !impl_params {
        quote!(let _ = #this #name;)
    } else {
        quote!()
    };
    let rev_fn = quote! {
        #allow
        #vis fn #rev_name #gen_h (#(#prim_params_h,)* #want: [bool; #nparams]) -> (#r, impl ::core::ops::FnOnce(&#rt) -> (#(#grad_tys,)*) + 'h) #where_clause {
            #mention_primal
            #needs
            #tapes
            #fwd_sweep
            let __hype_ret = #ret_val;
            (__hype_ret, move |__hype_seed: &#rt| {
                #slots
                #seed
                #bwd_sweep
                (#(#grad_vals,)*)
            })
        }
    };
    // A custom rule replaces the generated code by adapters to the user's rules.
    let (fwd_fn, rev_fn) = match custom {
        None => (fwd_fn, rev_fn),
        Some(rule) => {
            let (uf, ur) = (&rule.forward, &rule.reverse);
            let user_tans = ir.params.iter().filter(|p| p.active).map(|p| {
                let d = names::dot(&p.name);
                if p.is_ref {
                    quote!(&#d)
                } else {
                    quote!(#d)
                }
            });
            let active_gs: Vec<_> = ir
                .params
                .iter()
                .filter(|p| p.active)
                .map(|p| format_ident!("{}_grad", p.name))
                .collect();
            let all_gs = ir.params.iter().map(|p| {
                if p.active {
                    let g = format_ident!("{}_grad", p.name);
                    quote!(#g)
                } else {
                    quote!(::hype::rt::NoGrad)
                }
            });
            let destructure = if active_gs.len() == 1 {
                quote!(#(#active_gs)*)
            } else {
                quote!((#(#active_gs),*))
            };
            (
                quote! {
                    #allow
                    #vis fn #fwd_name #gen_each (#(#prim_params,)* #(#tan_params),*) -> (#r, #rt) #where_clause {
                        #(#tan_init)*
                        #uf(#(#pnames,)* #(#user_tans),*)
                    }
                },
                quote! {
                    #allow
                    #vis fn #rev_name #gen_h (#(#prim_params_h,)* #want: [bool; #nparams]) -> (#r, impl ::core::ops::FnOnce(&#rt) -> (#(#grad_tys,)*) + 'h) #where_clause {
                        #mention_primal
                        let _ = #want;
                        let (__hype_ret, __hype_pb) = #ur(#(#pnames),*);
                        (__hype_ret, move |__hype_seed: &#rt| {
                            let #destructure = __hype_pb(__hype_seed);
                            (#(#all_gs,)*)
                        })
                    }
                },
            )
        }
    };

    // ---- user-facing entry points ----
    let all_g: Vec<_> = (0..ir.params.len())
        .map(|k| format_ident!("__hype_g{}", k))
        .collect();
    let active_g: Vec<_> = ir
        .params
        .iter()
        .zip(&all_g)
        .filter(|(p, _)| p.active)
        .map(|(_, g)| g.clone())
        .collect();
    let active_tys: Vec<TokenStream> = active
        .iter()
        .map(|(p, _)| {
            let t = strip_refs(&p.ty);
            crate::types::tangent_of(t, &ir.float)
        })
        .collect();
    let active_tys_h: Vec<TokenStream> = ir
        .params
        .iter()
        .zip(&ptys_h)
        .filter(|(p, _)| p.active)
        .map(|(_, t)| crate::types::tangent_of(t, &ir.float))
        .collect();
    let (grads_ty, grads_ty_h, grads_val) = match active_g.len() {
        1 => (
            active_tys[0].clone(),
            active_tys_h[0].clone(),
            quote!(#(#active_g)*),
        ),
        _ => (
            quote!((#(#active_tys),*)),
            quote!((#(#active_tys_h),*)),
            quote!((#(#active_g),*)),
        ),
    };
    let vjp_name = names::derived(name, "vjp");
    let vjp_call = call(&vjp_name);
    let grad_name = names::derived(name, "grad");
    let vg_name = names::derived(name, "value_and_grad");
    let jvp_name = names::derived(name, "jvp");
    let gradv_name = names::derived(name, "gradv");
    let user_dots: Vec<TokenStream> = active
        .iter()
        .map(|(p, _)| {
            let d = names::dot(&p.name);
            match &p.ty {
                // A slice's tangent is a `Vec`: `jvp!(f)(&x, &dx)` with `dx: Vec<f64>`.
                syn::Type::Reference(r) if matches!(&*r.elem, syn::Type::Slice(_)) => {
                    let e = &r.elem;
                    {
                        let tt = crate::types::tangent_of(e, &ir.float);
                        quote!(#d: &#tt)
                    }
                }
                t => quote!(#d: #t),
            }
        })
        .collect();
    let pass_dots: Vec<TokenStream> = ir
        .params
        .iter()
        .map(|p| {
            let d = names::dot(&p.name);
            match (p.active, p.is_ref) {
                (true, true) => quote!(#d),
                (true, false) => quote!(&#d),
                (false, _) => quote!(::hype::rt::Zero),
            }
        })
        .collect();
    let mut out = quote! {
        #fwd_fn
        #rev_fn
        #allow
        // The pullback can be called any number of times: the first call uses the
        // recorded sweep, later ones record it again from the kept arguments.
        #vis fn #vjp_name #gen_h (#(#prim_params_h),*) -> (#r, impl ::core::ops::Fn(&#rt) -> #grads_ty_h + 'h) #where_clause {
            let (__hype_value, __hype_pb) = #rev_call(#(::core::clone::Clone::clone(&#pnames),)* #want_all);
            let __hype_first = ::core::cell::Cell::new(::core::option::Option::Some(__hype_pb));
            (__hype_value, move |__hype_seed: &#rt| {
                let (#(#all_g,)*) = match __hype_first.take() {
                    ::core::option::Option::Some(__hype_pb) => __hype_pb(__hype_seed),
                    ::core::option::Option::None => {
                        #rev_call(#(::core::clone::Clone::clone(&#pnames),)* #want_all).1(__hype_seed)
                    }
                };
                #grads_val
            })
        }
        #allow
        #vis fn #grad_name #gen_seed (#(#plain_params),*) -> #grads_ty #where_seed {
            let (__hype_value, __hype_pb) = #rev_call(#(#pnames,)* #want_all);
            let (#(#all_g,)*) = __hype_pb(&<#r_plain as ::hype::rt::ScalarOutput<__HypeSeed>>::unit_seed());
            #grads_val
        }
        #allow
        #vis fn #vg_name #gen_seed (#(#plain_params),*) -> (#r_plain, #grads_ty) #where_seed {
            let (__hype_value, __hype_pb) = #rev_call(#(#pnames,)* #want_all);
            let (#(#all_g,)*) = __hype_pb(&<#r_plain as ::hype::rt::ScalarOutput<__HypeSeed>>::unit_seed());
            (__hype_value, #grads_val)
        }
        #allow
        #vis fn #jvp_name #gen_plain (#(#plain_params,)* #(#user_dots),*) -> (#r_plain, #rt_plain) #where_clause {
            #fwd_call(#(#pnames,)* #(#pass_dots),*)
        }
        #allow
        #vis fn #gradv_name #gen_plain (#(#plain_params,)* #(#user_dots),*) -> #rt_plain #where_clause {
            #fwd_call(#(#pnames,)* #(#pass_dots),*).1
        }
    };
    // Operators that need exactly one active parameter.
    if active.len() == 1 {
        let (p, _) = active[0];
        let diff_name = names::derived(name, "diff");
        let jac_name = names::derived(name, "jacobian");
        let jac_call = call(&jac_name);
        let jtv_name = names::derived(name, "jacobian_t_v");
        let div_name = names::derived(name, "div");
        let curl_name = names::derived(name, "curl");
        let one_dots: Vec<TokenStream> = ir
            .params
            .iter()
            .map(|q| {
                if q.active {
                    quote!(__hype_dx)
                } else {
                    quote!(::hype::rt::Zero)
                }
            })
            .collect();
        let xn = &p.name;
        let gk = ir.params.iter().position(|q| q.active).expect("one active");
        let gidx = syn::Index::from(gk);
        let scalar_input = ir.float.is(&p.ty);
        let (fty, one) = (ir.float.ty(), ir.float.lit(1.0));
        if scalar_input {
            out.extend(quote! {
                #allow
                #vis fn #diff_name #gen_plain (#(#plain_params),*) -> #rt_plain #where_clause {
                    let __hype_dx = &#one;
                    #fwd_call(#(#pnames,)* #(#one_dots),*).1
                }
            });
        }
        out.extend(quote! {
            #allow
            #vis fn #jac_name #gen_plain (#(#plain_params),*) -> ::hype::ndarray::Array2<#fty> #where_clause {
                ::hype::rt::jacobian(
                    &#xn,
                    |__hype_dx| #fwd_call(#(::core::clone::Clone::clone(&#pnames),)* #(#one_dots),*).1,
                    |__hype_g| (#rev_call(#(::core::clone::Clone::clone(&#pnames),)* #want_all).1)(__hype_g).#gidx,
                    &#this #name(#(::core::clone::Clone::clone(&#pnames)),*),
                )
            }
            #allow
            #vis fn #div_name #gen_plain (#(#plain_params),*) -> #fty #where_clause {
                ::hype::rt::trace(&#jac_call(#(#pnames),*))
            }
            #allow
            #vis fn #curl_name #gen_plain (#(#plain_params),*) -> ::hype::ndarray::Array1<#fty> #where_clause {
                ::hype::rt::curl(&#jac_call(#(#pnames),*))
            }
            #allow
            #vis fn #jtv_name #gen_plain (#(#plain_params,)* __hype_v: &#rt_plain) -> #grads_ty #where_clause {
                (#vjp_call(#(#pnames),*).1)(__hype_v)
            }
        });
    }
    out
}
