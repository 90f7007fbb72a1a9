//! The forward (tangent) emitter: primal and tangent computed side by side.
//!
//! `let t = mul(&a, &b);` becomes
//! `let t = mul(&a, &b); let t_dot = add_tangents(mul_jvp0(&a, &b, &t, &a_dot), mul_jvp1(&a, &b, &t, &b_dot));`
//! and control flow is kept as it is.

use crate::ir::*;
use crate::names;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Ident;

pub struct Forward<'a> {
    pub f: &'a Function,
}

/// `&atom` as an argument of a primal or rule.
pub fn atom_ref(a: &Atom) -> TokenStream {
    match a {
        Atom::Var(v) => quote!(&#v),
        Atom::Const(t) => const_arg(t),
    }
}

/// `atom` by value.
pub fn atom_val(a: &Atom) -> TokenStream {
    match a {
        Atom::Var(v) => quote!(::core::clone::Clone::clone(&#v)),
        Atom::Const(t) => quote!(#t),
    }
}

/// A shared reference passed on as it is (see [`ArgForm::Shared`]).
pub fn atom_shared(a: &Atom) -> TokenStream {
    match a {
        Atom::Var(v) => quote!(#v),
        Atom::Const(t) => quote!(#t),
    }
}

/// The primal expression of a right-hand side (not for calls).
pub fn primal(rhs: &Rhs) -> TokenStream {
    match rhs {
        Rhs::Copy(a) => atom_val(a),
        Rhs::Const(t) => quote!(#t),
        Rhs::Index { base, index, owned } => {
            let at = if *owned { quote!(at_owned) } else { quote!(at) };
            quote!(::hype::rt::#at(&#base, #index))
        }
        Rhs::Prim(p) => {
            let path = &p.path;
            // A view of a reference borrows the referent, not the local variable.
            let args = p.args.iter().enumerate().map(|(k, a)| match a {
                Atom::Var(v) if p.view && k == 0 => quote!(#v),
                a => atom_ref(a),
            });
            let statics = &p.statics;
            quote_spanned!(p.span=> #path(#(#args,)* #(#statics),*))
        }
        Rhs::Field {
            base,
            member,
            owned: false,
        } => quote!(&#base.#member),
        Rhs::Field {
            base,
            member,
            owned: true,
        } => {
            quote!(::core::clone::Clone::clone(&#base.#member))
        }
        Rhs::Struct { path, fields } => {
            let f = fields.iter().map(|(m, a)| {
                let v = atom_val(a);
                quote!(#m: #v)
            });
            quote!(#path { #(#f),* })
        }
        Rhs::Tuple(elems) => {
            let xs = elems.iter().map(atom_val);
            quote!((#(#xs,)*))
        }
        Rhs::Stack { rows, two_d } => {
            let rs = rows.iter().map(|r| {
                let xs = r.iter().map(atom_val);
                quote!([#(#xs),*])
            });
            if *two_d {
                quote!(::hype::ndarray::arr2(&[#(#rs),*]))
            } else {
                quote!(::hype::ndarray::arr1(&#(#rs)*))
            }
        }
        Rhs::Call { .. } => unreachable!("calls are emitted by their own emitters"),
    }
}

impl Forward<'_> {
    fn active(&self, v: &Ident) -> bool {
        self.f.is_active(v)
    }

    fn mut_kw(&self, v: &Ident) -> TokenStream {
        if self.f.mutable.contains(&v.to_string()) {
            quote!(mut)
        } else {
            quote!()
        }
    }

    pub fn block(&self, b: &Block) -> TokenStream {
        let stmts = b.stmts.iter().map(|s| self.stmt(s));
        quote!(#(#stmts)*)
    }

    /// The tangent of a right-hand side whose primal value is in `r`.
    fn tangent(&self, rhs: &Rhs, r: &Ident) -> TokenStream {
        match rhs {
            Rhs::Copy(Atom::Var(u)) if self.active(u) => {
                let ud = names::dot(u);
                quote!(::core::clone::Clone::clone(&#ud))
            }
            Rhs::Index { base, index, .. } if self.active(base) => {
                let bd = names::dot(base);
                quote!(::hype::rt::at(&#bd, #index))
            }
            Rhs::Field { base, member, .. } if self.active(base) => {
                let bd = names::dot(base);
                quote!(::core::clone::Clone::clone(&#bd.#member))
            }
            Rhs::Struct { path, fields } => {
                let f = fields.iter().map(|(m, a)| {
                    let t = self.atom_tangent(a);
                    quote!(#m: #t)
                });
                quote!(#path { #(#f),* })
            }
            Rhs::Tuple(elems) => {
                let xs = elems.iter().map(|a| self.atom_tangent(a));
                quote!((#(#xs,)*))
            }
            Rhs::Stack { rows, two_d } => {
                let rs = rows.iter().map(|r| {
                    let xs = r.iter().map(|a| self.atom_tangent(a));
                    quote!([#(#xs),*])
                });
                if *two_d {
                    quote!(::hype::ndarray::arr2(&[#(#rs),*]))
                } else {
                    quote!(::hype::ndarray::arr1(&#(#rs)*))
                }
            }
            Rhs::Prim(p) => {
                let module = &p.module;
                let args: Vec<_> = p.args.iter().map(atom_ref).collect();
                let statics = &p.statics;
                let mut terms = Vec::new();
                for (k, a) in p.args.iter().enumerate() {
                    if let Atom::Var(v) = a {
                        if self.active(v) && !crate::primitives::nondiff_arg(&p.name.to_string(), k)
                        {
                            let rule = quote::format_ident!("{}_jvp{}", p.name, k, span = p.span);
                            let vd = names::dot(v);
                            terms.push(quote_spanned!(p.span=> #module::#rule(#(#args,)* #(#statics,)* &#r, &#vd)));
                        }
                    }
                }
                let mut it = terms.into_iter();
                match it.next() {
                    None => quote!(::hype::rt::zero_tangent(&#r)),
                    Some(first) => {
                        it.fold(first, |acc, t| quote!(::hype::rt::add_tangents(#acc, #t)))
                    }
                }
            }
            _ => quote!(::hype::rt::zero_tangent(&#r)),
        }
    }

    /// The tangent of an operand, owned (zero for constants).
    fn atom_tangent(&self, a: &Atom) -> TokenStream {
        match a {
            Atom::Var(v) if self.active(v) => {
                let d = names::dot(v);
                quote!(::core::clone::Clone::clone(&#d))
            }
            Atom::Var(v) => quote!(::hype::rt::zero_tangent(&#v)),
            Atom::Const(t) => quote!(::hype::rt::zero_tangent(&(#t))),
        }
    }

    /// Arguments and tangent arguments of a call.
    fn call_args(&self, args: &[(Atom, ArgForm)]) -> (Vec<TokenStream>, Vec<TokenStream>) {
        let mut prim = Vec::new();
        let mut tan = Vec::new();
        for (a, form) in args {
            prim.push(match form {
                ArgForm::Ref => atom_ref(a),
                ArgForm::Value => atom_val(a),
                ArgForm::Shared => atom_shared(a),
            });
            tan.push(match a {
                Atom::Var(v) if self.active(v) => {
                    let vd = names::dot(v);
                    quote!(&#vd)
                }
                _ => quote!(::hype::rt::Zero),
            });
        }
        (prim, tan)
    }

    fn stmt(&self, s: &Stmt) -> TokenStream {
        match s {
            Stmt::Let { var, rhs, .. } => {
                let m = self.mut_kw(var);
                if let Rhs::Call {
                    func,
                    args,
                    span,
                    method,
                    ..
                } = rhs
                {
                    let (prim, tan) = self.call_args(args);
                    let call = call_expr(func, *method, Some("fwd"), &prim, &tan);
                    let vd = names::dot(var);
                    return quote_spanned!(*span=> let (#m #var, #m #vd) = #call;);
                }
                let p = primal(rhs);
                if !self.active(var) {
                    return quote!(let #m #var = #p;);
                }
                let vd = names::dot(var);
                let t = self.tangent(rhs, var);
                quote!(let #m #var = #p; let #m #vd = #t;)
            }
            Stmt::Declare { var } => {
                let m = self.mut_kw(var);
                if self.active(var) {
                    let vd = names::dot(var);
                    quote!(let #m #var; let #m #vd;)
                } else {
                    quote!(let #m #var;)
                }
            }
            Stmt::Init { var, rhs } | Stmt::Assign { var, rhs } => {
                let p = primal(rhs);
                if !self.active(var) {
                    return quote!(#var = #p;);
                }
                let vd = names::dot(var);
                let r = quote::format_ident!("{}_new", var);
                let t = self.tangent(rhs, &r);
                quote!({ let #r = #p; #vd = #t; #var = #r; })
            }
            Stmt::Push { var, value } => {
                let v = pushed(value);
                if !self.active(var) {
                    return quote!(#var.push(#v););
                }
                let vd = names::dot(var);
                let t = self.atom_tangent(value);
                quote!(#var.push(#v); #vd.push(#t);)
            }
            Stmt::IndexAssign { var, index, value } => {
                let v = match value {
                    Atom::Var(u) => quote!(#u),
                    Atom::Const(t) => quote!(#t),
                };
                if !self.active(var) {
                    return quote!(#var[#index] = #v;);
                }
                let vd = names::dot(var);
                let t = match value {
                    Atom::Var(u) if self.active(u) => {
                        let ud = names::dot(u);
                        quote!(#ud)
                    }
                    _ => quote!(::hype::rt::zero_tangent(&(#v))),
                };
                quote!(#var[#index] = #v; #vd[#index] = #t;)
            }
            Stmt::If { cond, then, els } => {
                let t = self.block(then);
                let e = self.block(els);
                quote!(if #cond { #t } else { #e })
            }
            Stmt::For {
                pat, iter, body, ..
            } => {
                let b = self.block(body);
                quote!(for #pat in #iter { #b })
            }
            Stmt::While { cond, body, .. } => {
                let b = self.block(body);
                quote!(while #cond { #b })
            }
            Stmt::Inactive(t) => t.clone(),
        }
    }
}

/// The call of `func` (or of its derivative `func__suffix`): a path call, or a
/// method call on the first argument.
pub fn call_expr(
    func: &syn::Path,
    method: bool,
    suffix: Option<&str>,
    args: &[TokenStream],
    tangents: &[TokenStream],
) -> TokenStream {
    let target = match suffix {
        Some(sfx) => derived_path(func, sfx),
        None => quote!(#func),
    };
    if method {
        let name = match suffix {
            Some(sfx) => {
                let id = &func.segments.last().expect("a method name").ident;
                let d = names::derived(id, sfx);
                quote!(#d)
            }
            None => quote!(#func),
        };
        // The receiver: as written (auto-ref/deref), not cloned.
        let recv = args[0].to_string();
        let recv: TokenStream = recv
            .strip_prefix(":: core :: clone :: Clone :: clone (&")
            .and_then(|r| r.strip_suffix(')'))
            .map(|r| r.parse().expect("tokens of an atom"))
            .unwrap_or_else(|| args[0].clone());
        let rest = &args[1..];
        quote!((#recv).#name(#(#rest,)* #(#tangents),*))
    } else {
        quote!(#target(#(#args,)* #(#tangents),*))
    }
}

/// `path::to::f` → `path::to::f::suffix` (`Type::f` → `Type::f__suffix`): see
/// [`names::sibling_path`].
pub fn derived_path(func: &syn::Path, suffix: &str) -> TokenStream {
    let p = names::sibling_path(func, suffix);
    quote!(#p)
}

/// A pushed value, owned: a variable is copied, since derivative code may read it
/// after the push.
pub fn pushed(value: &Atom) -> TokenStream {
    match value {
        Atom::Var(u) => quote!(::core::clone::Clone::clone(&#u)),
        Atom::Const(t) => quote!((#t)),
    }
}

/// A constant operand by reference: `&(c)`, or `(&c)` as written when it is already a
/// shared reference (derivative code lowered again), so that no `&&` reaches the
/// runtime (`Val` sees through references of arrays and `f64`, not of `f32`).
pub fn const_arg(t: &TokenStream) -> TokenStream {
    let mut it = t.clone().into_iter();
    let first = it.next();
    let second = it.next();
    let is_ref = matches!(&first, Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == '&')
        && !matches!(&second, Some(proc_macro2::TokenTree::Ident(i)) if i == "mut");
    if is_ref {
        quote!((#t))
    } else {
        quote!(&(#t))
    }
}
