//! Higher order: `#[differentiable(order = N)]` with N ≥ 2 emits `f__dir` (the
//! directional derivative, in the supported subset) marked `#[differentiable(order =
//! N - 1)]`, so the transform applies to its own output; and the entry points built
//! on it:
//!
//! * `f__hvp(args.., v..)`: Hessian-vector product, reverse over `f__dir`;
//! * `f__hessian(args..)`: the Hessian from one `f__hvp` per input coordinate;
//! * `f__diff2`, ..., `f__diff{N}` for a scalar input: forward over `f__dir`^(n-1);
//! * `f__grad__fwd` / `f__grad__rev`: the call convention of a `#[differentiable]`
//!   function for `f__grad` itself, so that `grad!(f)(..)` inside a differentiated
//!   body is differentiated (both rules are Hessian-vector products).

use crate::dir::Dir;
use crate::ir::Function;
use crate::names;
use crate::types::{strip_refs, typed_tangent, with_lifetime};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub struct Order {
    pub order: u32,
    pub level: usize,
    /// `order` was written by the user: failures to go higher are errors.
    pub explicit: bool,
}

pub fn emit(func: &syn::ItemFn, ir: &Function, o: &Order) -> syn::Result<TokenStream> {
    // Seeds and unit tangents in the function's float type.
    let (zero, one) = (ir.float.lit(0.0), ir.float.lit(1.0));
    if o.order < 2 {
        return Ok(stubs(func, ir, o));
    }
    let dir = Dir {
        f: ir,
        level: o.level,
    };
    let body = match dir.block(&ir.body) {
        Ok(b) => b,
        Err(e) if o.explicit => return Err(e),
        Err(_) => return Ok(quote!()),
    };
    let name = &func.sig.ident;
    let vis = &func.vis;
    let in_impl = func.sig.receiver().is_some();
    let this = if in_impl { quote!(Self::) } else { quote!() };
    let call = |generated: &syn::Ident| crate::siblings::call(func, o.level, generated);
    let generics = &func.sig.generics;
    let gparams: Vec<_> = generics.params.iter().collect();
    let where_clause = &generics.where_clause;
    let r: syn::Type = match &func.sig.output {
        syn::ReturnType::Type(_, t) => (**t).clone(),
        syn::ReturnType::Default => syn::parse_quote!(()),
    };
    let allow = quote!(#[doc(hidden)] #[allow(unused_mut, unused_variables, unused_assignments, unused_parens, non_snake_case, clippy::all, clippy::pedantic)]);

    // ---- f__dir: the directional derivative, itself #[differentiable] ----
    let dir_name = names::derived(name, "dir");
    let inputs = func
        .sig
        .inputs
        .iter()
        .zip(&ir.params)
        .map(|(arg, p)| match arg {
            syn::FnArg::Typed(pt) if !p.active => quote!(#[constant] #pt),
            a => quote!(#a),
        });
    // A caller's `__dir` code passes a tangent for every argument (it cannot see this
    // signature), so every parameter takes one; a constant's is zero and ignored, and
    // for a constant whose type may have no tangent it is whatever the caller's
    // `rt::zero_or_unit!` gave.
    let tan_params: Vec<TokenStream> = ir
        .params
        .iter()
        .map(|p| {
            let d = dir.d(&p.name);
            let t = strip_refs(&p.ty);
            if p.active {
                // Active: a caller's tangent depends on its own inputs.
                {
                    let tt = crate::types::tangent_of(t, &ir.float);
                    quote!(#d: &#tt)
                }
            } else if typed_tangent(p) {
                {
                    let tt = crate::types::tangent_of(t, &ir.float);
                    quote!(#[constant] #d: &#tt)
                }
            } else {
                quote!(#[constant] #d: &impl ::core::any::Any)
            }
        })
        .collect();
    // A parameter the body assigns to gets a tangent it can assign to.
    let own_tangents = ir
        .params
        .iter()
        .filter(|p| p.active && ir.mutable.contains(&p.name.to_string()))
        .map(|p| {
            let d = dir.d(&p.name);
            quote!(let mut #d = ::core::clone::Clone::clone(#d);)
        });
    let ret = dir.ret();
    let next_order = o.order - 1;
    let next_level = o.level + 1;
    let explicit = if o.explicit {
        quote!(order = #next_order,)
    } else {
        // Not written by the user: the next level is tried, not required.
        quote!(order = #next_order, implicit,)
    };
    let r_tangent = crate::types::tangent_of(&r, &ir.float);
    let mut out = quote! {
        #allow
        #[::hype::differentiable(#explicit level = #next_level)]
        #vis fn #dir_name <#(#gparams),*> (#(#inputs,)* #(#tan_params),*) -> (#r, #r_tangent) #where_clause {
            #(#own_tangents)*
            #body
            #ret
        }
    };

    // ---- entry points on f__dir, for a scalar output ----
    let scalar_out = ir.float.is(&r);
    let fty = ir.float.ty();
    if !scalar_out {
        return Ok(out);
    }
    let n = ir.params.len();
    let pnames: Vec<_> = ir.params.iter().map(|p| p.name.clone()).collect();
    let plain_params: Vec<TokenStream> = ir
        .params
        .iter()
        .map(|p| {
            let (n, t) = (&p.name, &p.ty);
            quote!(#n: #t)
        })
        .collect();
    let active: Vec<usize> = (0..n).filter(|&k| ir.params[k].active).collect();
    let na = active.len();
    let dir_rev = names::derived(&dir_name, "rev");
    let dir_rev_call = call(&dir_rev);
    // f__dir's parameters, then one tangent per parameter (none wanted).
    let want_dir: Vec<bool> = ir
        .params
        .iter()
        .map(|p| p.active)
        .chain((0..n).map(|_| false))
        .collect();
    // Zero tangents of the constant parameters that take one, bound first so that a
    // pullback may borrow them; and the tangent arguments of `f__dir` with the
    // active parameters' tangents given by `active_tan(j)` (j-th active parameter).
    let zero_names: Vec<Option<syn::Ident>> = (0..n)
        .map(|k| (!ir.params[k].active).then(|| format_ident!("__hype_z{}", k)))
        .collect();
    let zeros_init: TokenStream = zero_names
        .iter()
        .zip(&pnames)
        .filter_map(|(z, p)| {
            z.as_ref()
                .map(|z| quote!(let #z = ::hype::rt::zero_or_unit!(&#p);))
        })
        .collect();
    let tangent_args = |active_tan: &dyn Fn(usize) -> TokenStream| -> Vec<TokenStream> {
        let mut j = 0;
        (0..n)
            .map(|k| match &zero_names[k] {
                Some(z) => quote!(&#z),
                None => {
                    j += 1;
                    active_tan(j - 1)
                }
            })
            .collect()
    };
    let active_tys: Vec<TokenStream> = active
        .iter()
        .map(|&k| {
            let t = strip_refs(&ir.params[k].ty);
            crate::types::tangent_of(t, &ir.float)
        })
        .collect();
    let grads_ty = if na == 1 {
        active_tys[0].clone()
    } else {
        quote!((#(#active_tys),*))
    };
    let pick = |g: &syn::Ident| -> TokenStream {
        let xs: Vec<TokenStream> = active
            .iter()
            .map(|&k| {
                let i = syn::Index::from(k);
                quote!(#g.#i)
            })
            .collect();
        if na == 1 {
            xs[0].clone()
        } else {
            quote!((#(#xs),*))
        }
    };
    let g = format_ident!("__hype_g");
    // The primal counts as used when only its derivatives are (no dead-code warning).
    let mention = if gparams.is_empty() {
        quote!(let _ = #this #name;)
    } else {
        quote!()
    };
    let picked = pick(&g);
    let vs: Vec<syn::Ident> = (0..na).map(|j| format_ident!("__hype_v{}", j)).collect();
    let vs_args = tangent_args(&|j| {
        let v = &vs[j];
        quote!(#v)
    });
    let hvp_name = names::derived(name, "hvp");
    let grad_name = names::derived(name, "grad");
    let (hvp_call, grad_call) = (call(&hvp_name), call(&grad_name));
    let gen_plain = quote!(<#(#gparams),*>);
    out.extend(quote! {
        /// Hessian-vector product: reverse mode over the directional derivative.
        #allow
        #vis fn #hvp_name #gen_plain (#(#plain_params,)* #(#vs: &#active_tys),*) -> #grads_ty #where_clause {
            #mention
            #zeros_init
            let (_, __hype_pb) = #dir_rev_call(#(#pnames,)* #(#vs_args,)* [#(#want_dir),*]);
            let #g = __hype_pb(&(#zero, #one));
            #picked
        }
    });
    let clones: Vec<TokenStream> = pnames
        .iter()
        .map(|p| quote!(::core::clone::Clone::clone(&#p)))
        .collect();
    if na > 1 {
        // The Hessian over all active parameters, in their flat order (the blocks
        // of `jax.hessian(f, argnums=(0, 1, ..))` laid out as one matrix).
        let xs: Vec<&syn::Ident> = active.iter().map(|&k| &pnames[k]).collect();
        let idx: Vec<syn::Index> = (0..na).map(syn::Index::from).collect();
        let hess_name = names::derived(name, "hessian");
        let hess_call = call(&hess_name);
        let lap_name = names::derived(name, "laplacian");
        let gh_name = names::derived(name, "grad_hessian");
        out.extend(quote! {
            #allow
            #vis fn #hess_name #gen_plain (#(#plain_params),*) -> ::hype::ndarray::Array2<#fty> #where_clause {
                let __hype_x = (#(::core::clone::Clone::clone(&#xs),)*);
                ::hype::rt::hessian(&__hype_x, |__hype_v| #hvp_call(#(#clones,)* #(&__hype_v.#idx),*))
            }
            #allow
            #vis fn #lap_name #gen_plain (#(#plain_params),*) -> #fty #where_clause {
                ::hype::rt::trace(&#hess_call(#(#pnames),*))
            }
            #allow
            #vis fn #gh_name #gen_plain (#(#plain_params),*) -> (#grads_ty, ::hype::ndarray::Array2<#fty>) #where_clause {
                (#grad_call(#(#clones),*), #hess_call(#(#pnames),*))
            }
        });
    }
    if na == 1 {
        let x = &pnames[active[0]];
        let hess_name = names::derived(name, "hessian");
        let hess_call = call(&hess_name);
        out.extend(quote! {
            #allow
            #vis fn #hess_name #gen_plain (#(#plain_params),*) -> ::hype::ndarray::Array2<#fty> #where_clause {
                ::hype::rt::hessian(&#x, |__hype_v| #hvp_call(#(#clones,)* __hype_v))
            }
        });
        let lap_name = names::derived(name, "laplacian");
        let gh_name = names::derived(name, "grad_hessian");
        out.extend(quote! {
            #allow
            #vis fn #lap_name #gen_plain (#(#plain_params),*) -> #fty #where_clause {
                ::hype::rt::trace(&#hess_call(#(#pnames),*))
            }
            #allow
            #vis fn #gh_name #gen_plain (#(#plain_params),*) -> (#grads_ty, ::hype::ndarray::Array2<#fty>) #where_clause {
                (#grad_call(#(#clones),*), #hess_call(#(#pnames),*))
            }
        });
        let p = &ir.params[active[0]];
        let scalar = ir.float.is(&p.ty);
        if scalar && o.level == 1 {
            // diff{m}: forward mode over D = f__dir^(m-1), whose parameters are f's,
            // then the tangents of the active parameters of each level in order. The
            // j-th tangent is a pure direction of x when j is a power of two (1),
            // a mixed one otherwise (0).
            for m in 2..=o.order as usize {
                let mut target = name.clone();
                for _ in 0..m - 1 {
                    target = names::derived(&target, "dir");
                }
                let fwd = names::derived(&target, "fwd");
                let fwd_call = call(&fwd);
                // D's parameters: (parameter of f, levels whose tangent it is); each
                // level appends one tangent per entry of the previous list.
                let mut entries: Vec<(usize, u32)> = (0..n).map(|k| (k, 0)).collect();
                for l in 0..m - 1 {
                    let new: Vec<(usize, u32)> = entries
                        .iter()
                        .map(|&(k, mask)| (k, mask | (1 << l)))
                        .collect();
                    entries.extend(new);
                }
                let ones = entries[n..].iter().map(|&(k, mask)| match &zero_names[k] {
                    Some(z) => quote!(&#z),
                    None if mask.is_power_of_two() => quote!(&#one),
                    None => quote!(&#zero),
                });
                let dots = entries.iter().map(|&(k, mask)| {
                    if mask == 0 && ir.params[k].active {
                        quote!(&#one)
                    } else {
                        quote!(::hype::rt::Zero)
                    }
                });
                let take = (0..m - 1).map(|_| quote!(.1));
                let dn = format_ident!("{}__diff{}", name, m);
                out.extend(quote! {
                    #allow
                    #vis fn #dn #gen_plain (#(#plain_params),*) -> #fty #where_clause {
                        #mention
                        #zeros_init
                        #fwd_call(#(#pnames,)* #(#ones,)* #(#dots),*).1 #(#take)*
                    }
                });
            }
        }
    }

    // ---- f__grad as a differentiable function (for grad! inside bodies) ----
    let gfwd = names::derived(&grad_name, "fwd");
    let grev = names::derived(&grad_name, "rev");
    let lts: Vec<syn::Lifetime> = (0..n)
        .map(|k| syn::Lifetime::new(&format!("'h{k}"), proc_macro2::Span::call_site()))
        .collect();
    let ptys_each: Vec<syn::Type> = ir
        .params
        .iter()
        .zip(&lts)
        .map(|(p, l)| with_lifetime(&p.ty, &l.to_string()))
        .collect();
    let params_each = pnames.iter().zip(&ptys_each).map(|(n, t)| quote!(#n: #t));
    let dots_each = ir.params.iter().zip(&ptys_each).map(|(p, t)| {
        let d = names::dot(&p.name);
        if p.active {
            quote!(#d: impl ::hype::rt::TangentArg<#t>)
        } else {
            quote!(#d: impl ::core::marker::Sized)
        }
    });
    let dots_init = ir
        .params
        .iter()
        .zip(&ptys_each)
        .filter(|(p, _)| p.active)
        .map(|(p, t)| {
            let n = &p.name;
            let d = names::dot(n);
            quote!(let #d = <_ as ::hype::rt::TangentArg<#t>>::into_tangent(#d, &#n);)
        });
    let dot_refs = tangent_args(&|j| {
        let d = names::dot(&ir.params[active[j]].name);
        quote!(&#d)
    });
    let gen_each = quote!(<#(#lts,)* #(#gparams),*>);
    let ptys_h: Vec<syn::Type> = ir
        .params
        .iter()
        .map(|p| with_lifetime(&p.ty, "'h"))
        .collect();
    let params_h = pnames.iter().zip(&ptys_h).map(|(n, t)| quote!(#n: #t));
    let grads_ty_h = {
        let ts: Vec<TokenStream> = active
            .iter()
            .map(|&k| {
                let t = strip_refs(&ptys_h[k]);
                crate::types::tangent_of(t, &ir.float)
            })
            .collect();
        if na == 1 {
            ts[0].clone()
        } else {
            quote!((#(#ts),*))
        }
    };
    let grad_tys_h = ir.params.iter().zip(&ptys_h).map(|(p, t)| {
        if p.active {
            let t = strip_refs(t);
            crate::types::tangent_of(t, &ir.float)
        } else {
            quote!(::hype::rt::NoGrad)
        }
    });
    let u_parts = tangent_args(&|j| {
        if na == 1 {
            quote!(__hype_u)
        } else {
            let i = syn::Index::from(j);
            quote!(&__hype_u.#i)
        }
    });
    let want = format_ident!("__hype_want");
    let want_pass = (0..n)
        .map(|k| quote!(#want[#k]))
        .chain((0..n).map(|_| quote!(false)));
    let all_idx = (0..n).map(syn::Index::from);
    let gen_h = quote!(<'h, #(#gparams),*>);
    out.extend(quote! {
        #allow
        #vis fn #gfwd #gen_each (#(#params_each,)* #(#dots_each),*) -> (#grads_ty, #grads_ty) #where_clause {
            #(#dots_init)*
            #zeros_init
            let __hype_value = #grad_call(#(#clones),*);
            let (_, __hype_pb) = #dir_rev_call(#(#pnames,)* #(#dot_refs,)* [#(#want_dir),*]);
            let #g = __hype_pb(&(#zero, #one));
            (__hype_value, #picked)
        }
        #allow
        #vis fn #grev #gen_h (#(#params_h,)* #want: [bool; #n]) -> (#grads_ty_h, impl ::core::ops::FnOnce(&#grads_ty_h) -> (#(#grad_tys_h,)*) + 'h) #where_clause {
            let __hype_value = #grad_call(#(#clones),*);
            (__hype_value, move |__hype_u: &#grads_ty_h| {
                #zeros_init
                let (_, __hype_pb) = #dir_rev_call(#(#pnames,)* #(#u_parts,)* [#(#want_pass),*]);
                let #g = __hype_pb(&(#zero, #one));
                (#(#g.#all_idx,)*)
            })
        }
    });
    out.extend(stubs(func, ir, o));
    Ok(out)
}

/// Stubs of the entry points one order above `o.order` (`f__dir`, `f__hvp`, ... for
/// order 1; `f__diff{N+1}` above): calling one is a compile error that names the
/// `order` to write (`rt::NeedsOrder`), not an unresolved name. Methods with a
/// receiver get none (their calls go through `Self::`, where a stub cannot be told
/// from a missing method by the user anyway).
fn stubs(func: &syn::ItemFn, ir: &Function, o: &Order) -> TokenStream {
    let n = ir.params.len();
    let active: Vec<&crate::ir::Param> = ir.params.iter().filter(|p| p.active).collect();
    if func.sig.receiver().is_some() || n == 0 || active.is_empty() {
        return quote!();
    }
    let (name, vis) = (&func.sig.ident, &func.vis);
    let (need, have) = (o.order + 1, o.order);
    let stub = |item: syn::Ident, arity: usize| {
        let tys: Vec<syn::Ident> = (0..arity).map(|k| format_ident!("__HypeA{}", k)).collect();
        let first = &tys[0];
        quote! {
            #[doc(hidden)]
            #[allow(dead_code, non_snake_case, non_camel_case_types, clippy::all)]
            #vis fn #item <#(#tys),*> (#(_: #tys),*) -> !
            where
                #first: ::hype::rt::NeedsOrder<#need, #have>,
            {
                ::core::unreachable!()
            }
        }
    };
    let scalar = active.len() == 1 && ir.float.is(&active[0].ty);
    let mut out = quote!();
    if o.order < 2 {
        // f__dir and the modes an order-2 caller's own f__dir expansion calls.
        let dir = names::derived(name, "dir");
        // One tangent per parameter.
        let nd = 2 * n;
        out.extend(stub(names::derived(&dir, "fwd"), 2 * nd));
        out.extend(stub(names::derived(&dir, "rev"), nd + 1));
        out.extend(stub(dir, nd));
        if o.level == 1 {
            out.extend(stub(names::derived(name, "hvp"), n + active.len()));
            for item in ["hessian", "laplacian", "grad_hessian"] {
                out.extend(stub(names::derived(name, item), n));
            }
        }
    }
    if scalar && o.level == 1 {
        out.extend(stub(format_ident!("{}__diff{}", name, need), n));
    }
    out
}
