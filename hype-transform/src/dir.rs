//! The directional-derivative emitter: `f__dir(x.., dx..) -> (f(x..), f'(x..)·dx)`
//! written in the subset that `#[differentiable]` accepts, so that the transform can
//! be applied to its own output (Hessian-vector products, `diffn!`, gradients inside
//! differentiated code).
//!
//! Unlike [`crate::forward`], which calls the runtime's `op_jvp{k}` rules, every
//! tangent here is spelled out in primitives ([`crate::dir_rules`]), and every
//! statement is plain Rust the transform understands: `let`, assignment, index
//! writes, `if`, `for`, `while`, calls of other functions' `__dir`.

use crate::dir_rules::{self, Operands};
use crate::forward::derived_path;
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

pub struct Dir<'a> {
    pub f: &'a Function,
    /// Nesting level: tangents of this level are named `v__d{level}`.
    pub level: usize,
}

type R<T> = syn::Result<T>;

/// `&v` / `&(c)`.
fn arg(a: &Atom) -> TokenStream {
    match a {
        Atom::Var(v) => quote!(&#v),
        Atom::Const(t) => crate::forward::const_arg(t),
    }
}

/// A copy of an operand (`Clone::clone(&v)`, which the transform reads as a copy of
/// any type: a reference stays a reference).
fn val(a: &Atom) -> TokenStream {
    match a {
        Atom::Var(v) => quote!(::core::clone::Clone::clone(&#v)),
        Atom::Const(t) => quote!((#t)),
    }
}

impl Dir<'_> {
    /// The tangent variable of `v`.
    pub fn d(&self, v: &Ident) -> Ident {
        format_ident!("{}__d{}", v, self.level, span = v.span())
    }

    fn active(&self, v: &Ident) -> bool {
        self.f.is_active(v)
    }

    /// The tangent of an operand, owned (zeros for constants).
    fn tan(&self, a: &Atom) -> TokenStream {
        match a {
            // A parameter's tangent is a reference (`x__d1: &T`): cloned through it.
            Atom::Var(v) if self.active(v) && self.f.params.iter().any(|p| p.name == *v) => {
                let d = self.d(v);
                quote!(::core::clone::Clone::clone(#d))
            }
            Atom::Var(v) if self.active(v) => {
                let d = self.d(v);
                quote!(::core::clone::Clone::clone(&#d))
            }
            a => {
                let x = arg(a);
                quote!(::hype::rt::zero_tangent(#x))
            }
        }
    }

    /// If `a` is a constant parameter that `f__dir` takes a tangent for (always zero),
    /// that tangent parameter.
    fn constant_param_with_tangent(&self, a: &Atom) -> Option<Ident> {
        let v = match a {
            Atom::Var(v) => v.clone(),
            Atom::Const(t) => lone_ident(t.clone())?,
        };
        let taken = !self.f.mutable.contains(&v.to_string())
            && self
                .f
                .params
                .iter()
                .any(|p| p.name == v && !p.active && crate::types::typed_tangent(p));
        taken.then(|| self.d(&v))
    }

    fn mut_kw(&self, v: &Ident) -> TokenStream {
        if self.f.mutable.contains(&v.to_string()) {
            quote!(mut)
        } else {
            quote!()
        }
    }

    pub fn block(&self, b: &Block) -> R<TokenStream> {
        let mut out = Vec::new();
        for s in &b.stmts {
            out.push(self.stmt(s)?);
        }
        Ok(quote!(#(#out)*))
    }

    /// The primal value of a right-hand side, as source the transform accepts.
    fn primal(&self, rhs: &Rhs) -> TokenStream {
        match rhs {
            Rhs::Copy(a) => val(a),
            Rhs::Const(t) => quote!(#t),
            Rhs::Index { base, index, owned } => {
                let at = if *owned { quote!(at_owned) } else { quote!(at) };
                quote!(::hype::rt::#at(&#base, #index))
            }
            Rhs::Prim(p) => {
                let path = owned_path(p);
                let args = p.args.iter().map(arg);
                let statics = &p.statics;
                quote_spanned!(p.span=> #path(#(#args,)* #(#statics),*))
            }
            Rhs::Field {
                base,
                member,
                owned: false,
            } => quote!(&#base.#member),
            Rhs::Field { base, member, .. } => quote!(::core::clone::Clone::clone(&#base.#member)),
            Rhs::Struct { path, fields } => {
                let f = fields.iter().map(|(m, a)| {
                    let v = val(a);
                    quote!(#m: #v)
                });
                quote!(#path { #(#f),* })
            }
            Rhs::Tuple(elems) => {
                let xs = elems.iter().map(val);
                quote!((#(#xs,)*))
            }
            Rhs::Stack { rows, two_d } => stack(rows, *two_d, val),
            Rhs::Call { .. } => unreachable!("calls are emitted with their tangents"),
        }
    }

    /// The tangent of a right-hand side whose primal value is in `r`.
    fn tangent(&self, rhs: &Rhs, r: &Ident) -> R<TokenStream> {
        Ok(match rhs {
            Rhs::Copy(a) => self.tan(a),
            Rhs::Index { base, index, .. } if self.active(base) => {
                let bd = self.d(base);
                quote!(::hype::rt::at(&#bd, #index))
            }
            Rhs::Field {
                base,
                member,
                owned: false,
            } if self.active(base) => {
                let bd = self.d(base);
                quote!(&#bd.#member)
            }
            Rhs::Field { base, member, .. } if self.active(base) => {
                let bd = self.d(base);
                quote!(::core::clone::Clone::clone(&#bd.#member))
            }
            Rhs::Struct { path, fields } => {
                let f = fields.iter().map(|(m, a)| {
                    let t = self.tan(a);
                    quote!(#m: #t)
                });
                quote!(#path { #(#f),* })
            }
            Rhs::Tuple(elems) => {
                let xs = elems.iter().map(|a| self.tan(a));
                quote!((#(#xs,)*))
            }
            Rhs::Stack { rows, two_d } => stack(rows, *two_d, |a| self.tan(a)),
            Rhs::Prim(p) => self.prim_tangent(p, r)?,
            _ => quote!(::hype::rt::zero_tangent(&#r)),
        })
    }

    fn prim_tangent(&self, p: &Prim, r: &Ident) -> R<TokenStream> {
        let op = p.name.to_string();
        let module = if p.module.to_string().contains("ops") {
            "ops"
        } else {
            "rt"
        };
        let active: Vec<usize> = (0..p.args.len())
            .filter(|&k| {
                matches!(&p.args[k], Atom::Var(v) if self.active(v))
                    && !crate::primitives::nondiff_arg(&op, k)
            })
            .collect();
        // Both operands of `+`/`-` active: the sum of the tangents already has the
        // result's shape.
        if let ([k0, k1], "add" | "sub") = (active.as_slice(), op.as_str()) {
            // Borrowed, not cloned: a copy would cost a pass over each tangent here
            // and again in reverse mode over this code.
            let tangent_var = |k: usize| match &p.args[k] {
                Atom::Var(v) => self.d(v),
                Atom::Const(_) => unreachable!("active operands are variables"),
            };
            let (d0, d1) = (tangent_var(*k0), tangent_var(*k1));
            let f = format_ident!("{}", op);
            return Ok(quote!(::hype::rt::#f(&#d0, &#d1)));
        }
        let args: Vec<TokenStream> = p.args.iter().map(arg).collect();
        let rr = quote!(&#r);
        let mut terms = Vec::new();
        for &k in &active {
            let Atom::Var(v) = &p.args[k] else {
                unreachable!("active operands are variables")
            };
            let dv = self.d(v);
            let d = quote!(&#dv);
            let o = Operands {
                args: &args,
                statics: &p.statics,
                r: &rr,
                d: &d,
            };
            let Some(t) = dir_rules::tangent_in(&self.f.float, module, &op, k, &o) else {
                return Err(syn::Error::new(
                    p.span,
                    format!("hype: higher-order derivatives through `{op}` are not available (its tangent rule is not written in primitives yet); use #[differentiable(order = 1)] or rewrite it with other operations"),
                ));
            };
            terms.push(t);
        }
        let mut it = terms.into_iter();
        let first = it
            .next()
            .unwrap_or_else(|| quote!(::hype::rt::zero_tangent(&#r)));
        Ok(it.fold(first, |acc, t| quote!(::hype::rt::add(&#acc, &#t))))
    }

    /// Arguments and tangent arguments of a call of another function's `__dir`:
    /// arguments as written, tangents borrowed. Zeros for arguments that carry no
    /// tangent here are bound first (`zeros`), so that derivative code of this code
    /// can keep borrowing them.
    fn call_args(
        &self,
        var: &Ident,
        args: &[(Atom, ArgForm)],
    ) -> (TokenStream, Vec<TokenStream>, Vec<TokenStream>) {
        let mut zeros = Vec::new();
        let mut prim = Vec::new();
        let mut tan = Vec::new();
        for (k, (a, form)) in args.iter().enumerate() {
            prim.push(match (form, a) {
                (ArgForm::Ref, a) => arg(a),
                (ArgForm::Value | ArgForm::Shared, Atom::Var(v)) => quote!(#v),
                (ArgForm::Value | ArgForm::Shared, Atom::Const(t)) => quote!((#t)),
            });
            let own = match a {
                Atom::Var(v) if self.active(v) => None,
                a => self.constant_param_with_tangent(a),
            };
            tan.push(match (a, own) {
                (Atom::Var(v), _) if self.active(v) => {
                    let d = self.d(v);
                    quote!(&#d)
                }
                // A constant parameter's own (zero) tangent parameter: no local to
                // borrow, so reverse mode over this code keeps the callee's pullback
                // instead of calling it again.
                (_, Some(d)) => quote!(#d),
                (a, None) => {
                    let x = arg(a);
                    let z = format_ident!("{}__z{}", var, k);
                    zeros.push(quote!(let #z = ::hype::rt::zero_or_unit!(#x);));
                    quote!(&#z)
                }
            });
        }
        (quote!(#(#zeros)*), prim, tan)
    }

    fn stmt(&self, s: &Stmt) -> R<TokenStream> {
        Ok(match s {
            Stmt::Let { var, rhs, .. } => {
                let m = self.mut_kw(var);
                let vd = self.d(var);
                if let Rhs::Call {
                    func,
                    args,
                    span,
                    method,
                    ..
                } = rhs
                {
                    let (zeros, prim, tan) = self.call_args(var, args);
                    let call = dir_call(func, *method, &prim, &tan);
                    return Ok(quote_spanned!(*span=> #zeros let (#m #var, #m #vd) = #call;));
                }
                let p = self.primal(rhs);
                if !self.active(var) {
                    return Ok(quote!(let #m #var = #p;));
                }
                let t = self.tangent(rhs, var)?;
                quote!(let #m #var = #p; let #m #vd = #t;)
            }
            Stmt::Declare { var } => {
                let m = self.mut_kw(var);
                if self.active(var) {
                    let vd = self.d(var);
                    quote!(let #m #var; let #m #vd;)
                } else {
                    quote!(let #m #var;)
                }
            }
            Stmt::Init { var, rhs } | Stmt::Assign { var, rhs } => {
                let vd = self.d(var);
                let n = format_ident!("{}_new", var);
                let nd = self.d(&n);
                if let Rhs::Call {
                    func,
                    args,
                    span,
                    method,
                    ..
                } = rhs
                {
                    let (zeros, prim, tan) = self.call_args(var, args);
                    let call = dir_call(func, *method, &prim, &tan);
                    return Ok(
                        quote_spanned!(*span=> #zeros let (#n, #nd) = #call; #var = #n; #vd = #nd;),
                    );
                }
                let p = self.primal(rhs);
                if !self.active(var) {
                    return Ok(quote!(#var = #p;));
                }
                let t = self.tangent(rhs, &n)?;
                quote!(let #n = #p; #vd = #t; #var = #n;)
            }
            Stmt::Push { var, value } => {
                let v = crate::forward::pushed(value);
                if !self.active(var) {
                    return Ok(quote!(#var.push(#v);));
                }
                let vd = self.d(var);
                let t = self.tan(value);
                quote!(#var.push(#v); #vd.push(#t);)
            }
            Stmt::IndexAssign { var, index, value } => {
                let v = match value {
                    Atom::Var(u) => quote!(#u),
                    Atom::Const(t) => quote!((#t)),
                };
                if !self.active(var) {
                    return Ok(quote!(#var[#index] = #v;));
                }
                let vd = self.d(var);
                // Owned, also when the value is a parameter (its tangent is a reference).
                let t = match value {
                    Atom::Var(u) if self.active(u) => self.tan(value),
                    _ => quote!(::hype::rt::zero_tangent(&(#v))),
                };
                quote!(#var[#index] = #v; #vd[#index] = #t;)
            }
            Stmt::If { cond, then, els } => {
                let t = self.block(then)?;
                let e = self.block(els)?;
                quote!(if #cond { #t } else { #e };)
            }
            Stmt::For {
                pat, iter, body, ..
            } => {
                let b = self.block(body)?;
                quote!(for #pat in #iter { #b };)
            }
            Stmt::While { cond, body, .. } => {
                let b = self.block(body)?;
                quote!(while #cond { #b };)
            }
            Stmt::Inactive(t) => t.clone(),
        })
    }

    /// The returned pair `(value, tangent)`.
    pub fn ret(&self) -> TokenStream {
        let v = val(&self.f.ret);
        let t = self.tan(&self.f.ret);
        quote!((#v, #t))
    }
}

/// The path of a primitive in derivative code: views are taken as owned copies
/// (`t` → `t_owned`), which the transform reads back as the same op.
fn owned_path(p: &Prim) -> TokenStream {
    let last = p.path.clone().into_iter().last();
    match last {
        Some(proc_macro2::TokenTree::Ident(id)) if crate::primitives::is_view(&id.to_string()) => {
            let o = format_ident!("{}_owned", id);
            quote!(::hype::rt::#o)
        }
        _ => p.path.clone(),
    }
}

fn stack(rows: &[Vec<Atom>], two_d: bool, f: impl Fn(&Atom) -> TokenStream) -> TokenStream {
    let rs: Vec<TokenStream> = rows
        .iter()
        .map(|r| {
            let xs = r.iter().map(&f);
            quote!([#(#xs),*])
        })
        .collect();
    if two_d {
        quote!(::hype::ndarray::array![#(#rs),*])
    } else {
        let r = &rows[0];
        let xs = r.iter().map(&f);
        quote!(::hype::ndarray::array![#(#xs),*])
    }
}

/// `f__dir(args.., tangents..)`, or `recv.f__dir(..)` for a method.
fn dir_call(
    func: &syn::Path,
    method: bool,
    args: &[TokenStream],
    tangents: &[TokenStream],
) -> TokenStream {
    if method {
        let id = &func.segments.last().expect("a method name").ident;
        let d = crate::names::derived(id, "dir");
        let recv = &args[0];
        let rest = &args[1..];
        quote!((#recv).#d(#(#rest,)* #(#tangents),*))
    } else {
        let target = derived_path(func, "dir");
        quote!(#target(#(#args,)* #(#tangents),*))
    }
}

/// The identifier that `t` consists of, also in parentheses (`x`, `(x)`).
fn lone_ident(t: TokenStream) -> Option<Ident> {
    let mut it = t.into_iter();
    let first = it.next()?;
    if it.next().is_some() {
        return None;
    }
    match first {
        proc_macro2::TokenTree::Ident(i) => Some(i),
        proc_macro2::TokenTree::Group(g)
            if g.delimiter() == proc_macro2::Delimiter::Parenthesis =>
        {
            lone_ident(g.stream())
        }
        _ => None,
    }
}
