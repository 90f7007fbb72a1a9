//! The reverse (adjoint) emitter: a forward sweep that records what the backward
//! sweep needs, and a backward sweep that propagates adjoints in reverse order.
//!
//! Recording follows Tapenade: an assignment that overwrites a live value pushes the
//! old value on a tape (and the backward sweep restores it), each block that is
//! repeated (loop bodies, branches) pushes its local variables when it ends and pops
//! them when its backward sweep starts, and loops count their trips. The backward
//! sweep therefore sees, at every statement, exactly the values the forward sweep saw.

use crate::forward::{atom_ref, call_expr, primal};
use crate::ir::*;
use crate::names;
use crate::recording::{recomputable, value_read, Uses};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use syn::Ident;

pub struct Reverse<'a> {
    pub f: &'a Function,
    tapes: RefCell<usize>,
    /// Tape of each block and each taped statement, keyed by address: the forward and
    /// backward sweeps must use the same one.
    ids: RefCell<HashMap<usize, Ident>>,
    /// The parameters each variable depends on: its adjoint is needed only when the
    /// caller wants the gradient of one of them (`__hype_want`).
    deps: HashMap<String, BTreeSet<usize>>,
    /// Whether the generated code has a `__hype_want` array (functions do; inline
    /// closure code wants every gradient).
    pub want_array: bool,
    /// Variables whose value (not just shape) the backward sweep reads: the others
    /// need not be taped when a loop overwrites them (see [`value_read`]).
    read: HashSet<String>,
    /// Array adjoints made dense for the loop being emitted: variable → binding.
    dense: RefCell<HashMap<String, Ident>>,
    /// Variables bound to a field of an active reference parameter (`let t = &p.w;`),
    /// never reassigned: variable → (parameter, field). In-place rules accumulate
    /// straight into the parameter's adjoint.
    field_of: HashMap<String, (Ident, syn::Member)>,
    /// One boolean per set of two or more wanted gradients a guard tests, computed
    /// once at the top of `f__rev` (see [`Self::need_decls`]).
    needs: RefCell<BTreeMap<Vec<usize>, Ident>>,
}

/// Name of the array of wanted gradients in `f__rev`.
pub fn want_ident() -> Ident {
    format_ident!("__hype_want")
}

impl<'a> Reverse<'a> {
    pub fn new(f: &'a Function) -> Self {
        Reverse {
            f,
            tapes: RefCell::new(0),
            ids: RefCell::new(HashMap::new()),
            deps: dependencies(f),
            want_array: true,
            read: value_read(f),
            dense: RefCell::new(HashMap::new()),
            needs: RefCell::new(BTreeMap::new()),
            field_of: fields_of_parameters(f),
        }
    }

    /// A boolean expression: does any wanted gradient depend on `v`?
    fn need(&self, v: &Ident) -> TokenStream {
        if !self.want_array {
            return quote!(true);
        }
        let want = want_ident();
        match self.deps.get(&v.to_string()) {
            Some(ks) if ks.len() == 1 => {
                let k = ks.iter().next().expect("one element");
                quote!(#want[#k])
            }
            Some(ks) if !ks.is_empty() => {
                let mut needs = self.needs.borrow_mut();
                let n = needs.len() + 1;
                let flag = needs
                    .entry(ks.iter().copied().collect())
                    .or_insert_with(|| format_ident!("__hype_need{}", n));
                quote!(#flag)
            }
            _ => quote!(false),
        }
    }

    /// The guards' booleans, `let __hype_needK = want[a] || want[b] ..;` (call after
    /// emitting both sweeps; place before the forward sweep, which passes them on).
    pub fn need_decls(&self) -> TokenStream {
        let want = want_ident();
        let decls = self.needs.borrow();
        let decls = decls.iter().map(|(ks, flag)| {
            let ks = ks.iter();
            quote!(let #flag: bool = #(#want[#ks])||*;)
        });
        quote!(#(#decls)*)
    }

    /// `if need(v) { body }`.
    fn guarded(&self, v: &Ident, body: TokenStream) -> TokenStream {
        if !self.want_array {
            return body;
        }
        let need = self.need(v);
        quote!(if #need { #body })
    }

    /// The `want` array passed to a callee: which arguments need gradients.
    fn want_for_args(&self, args: &[(Atom, ArgForm)]) -> TokenStream {
        let flags = args.iter().map(|(a, _)| match a {
            Atom::Var(v) if self.active(v) => self.need(v),
            _ => quote!(false),
        });
        quote!([#(#flags),*])
    }

    fn tape_for<T>(&self, node: &T) -> Ident {
        let key = node as *const T as usize;
        let mut ids = self.ids.borrow_mut();
        ids.entry(key)
            .or_insert_with(|| {
                let mut n = self.tapes.borrow_mut();
                *n += 1;
                names::tape(*n)
            })
            .clone()
    }

    /// Declarations of every tape used (call after emitting both sweeps).
    pub fn tape_decls(&self) -> TokenStream {
        let mut ids: Vec<Ident> = self.ids.borrow().values().cloned().collect();
        ids.sort_by_key(|i| i.to_string()[4..].parse::<usize>().unwrap_or(0));
        quote!(#(let mut #ids = ::std::vec::Vec::new();)*)
    }

    fn active(&self, v: &Ident) -> bool {
        self.f.is_active(v)
    }

    /// Local variables of a block that its backward sweep needs back (all of them,
    /// plus the pullbacks of calls and the loop variables).
    fn block_locals(&self, b: &Block, extra: &[Ident]) -> Vec<Ident> {
        let mut out: Vec<Ident> = extra.to_vec();
        for s in &b.stmts {
            match s {
                Stmt::Let {
                    var,
                    rhs:
                        Rhs::Call {
                            recompute: false, ..
                        },
                    ..
                } => {
                    out.push(var.clone());
                    out.push(names::pullback(var));
                }
                // (loop trip counters are `Let`s of the enclosing block already)
                Stmt::Let { var, .. } | Stmt::Declare { var } => out.push(var.clone()),
                _ => {}
            }
        }
        out
    }

    /// Active variables declared directly in a block (their adjoint slots live there).
    pub fn active_locals(&self, b: &Block, extra: &[Ident]) -> Vec<Ident> {
        let mut out: Vec<Ident> = extra.iter().filter(|v| self.active(v)).cloned().collect();
        for s in &b.stmts {
            if let Stmt::Let { var, .. } | Stmt::Declare { var } = s {
                if self.active(var) {
                    out.push(var.clone());
                }
            }
        }
        out
    }

    // ---------------- forward sweep ----------------

    pub fn fwd_block(&self, b: &Block, repeated: Option<&[Ident]>) -> TokenStream {
        let stmts = b.stmts.iter().map(|s| self.fwd_stmt(s));
        let save = match repeated {
            None => quote!(),
            Some(extra) => {
                let tape = self.tape_for(b);
                let locals = self.block_locals(b, extra);
                quote!(#tape.push((#(#locals,)*));)
            }
        };
        quote!(#(#stmts)* #save)
    }

    fn fwd_stmt(&self, s: &Stmt) -> TokenStream {
        match s {
            Stmt::Let { var, mutable, rhs } => {
                let m = if *mutable { quote!(mut) } else { quote!() };
                if let Rhs::Call {
                    func,
                    args,
                    span,
                    recompute,
                    method,
                } = rhs
                {
                    let prim = call_args(args);
                    if *recompute {
                        // Only the value now; the backward sweep calls `func__rev`.
                        let call = call_expr(func, *method, None, &prim, &[]);
                        return quote_spanned!(*span=> let #m #var = #call;);
                    }
                    let want = self.want_for_args(args);
                    let call = call_expr(func, *method, Some("rev"), &prim, &[want]);
                    let pb = names::pullback(var);
                    return quote_spanned!(*span=> let (#m #var, #pb) = #call;);
                }
                let p = primal(rhs);
                quote!(let #m #var = #p;)
            }
            Stmt::Declare { var } => {
                let m = if self.f.mutable.contains(&var.to_string()) {
                    quote!(mut)
                } else {
                    quote!()
                };
                quote!(let #m #var;)
            }
            Stmt::Init { var, rhs } => {
                let p = copied_primal(rhs);
                quote!(#var = #p;)
            }
            Stmt::Assign { var, rhs } => {
                let tape = self.tape_for(s);
                let p = copied_primal(rhs);
                let new = format_ident!("{}_new", var);
                quote!(let #new = #p; #tape.push(::core::mem::replace(&mut #var, #new));)
            }
            // The backward sweep pops it again: nothing to tape.
            Stmt::Push { var, value } => {
                let v = crate::forward::pushed(value);
                quote!(#var.push(#v);)
            }
            Stmt::IndexAssign { var, index, value } => {
                let tape = self.tape_for(s);
                // A copy: the value may be taped with the loop's locals too.
                let v = crate::forward::pushed(value);
                // `replace`, not a copy: elements of a `Vec` of arrays are not `Copy`.
                quote!({
                    let __hype_v = #v;
                    #tape.push(::core::mem::replace(&mut #var[#index], __hype_v));
                })
            }
            Stmt::If { cond, then, els } => {
                let t = self.fwd_block(then, Some(&[]));
                let e = self.fwd_block(els, Some(&[]));
                quote!(if #cond { #t } else { #e })
            }
            Stmt::For {
                pat,
                pat_vars,
                iter,
                counter,
                body,
                replay,
            } if recomputable(body) => {
                // Straight-line body: tape only the loop variables (unless a range
                // replays them) and the overwritten values the backward sweep reads;
                // it recomputes the rest. The tapes are sized from the iterator's
                // length hint first (no regrowth).
                let (b, mut tapes) = self.fwd_trip(body);
                let save = if replay.is_some() {
                    quote!()
                } else {
                    let tape = self.tape_for(body);
                    tapes.push(tape.clone());
                    quote!(#tape.push((#(#pat_vars,)*));)
                };
                let trip = quote!(#b #save #counter += 1;);
                reserving_for(pat, iter, &tapes, trip)
            }
            Stmt::While {
                cond,
                counter,
                body,
            } if recomputable(body) => {
                let (b, _) = self.fwd_trip(body);
                quote!(while #cond { #b #counter += 1; })
            }
            Stmt::For {
                pat,
                pat_vars,
                iter,
                counter,
                body,
                replay,
            } => {
                // A range's loop variable is replayed, not pushed with the locals.
                let extra: &[Ident] = if replay.is_some() { &[] } else { pat_vars };
                let b = self.fwd_block(body, Some(extra));
                let tapes = [self.tape_for(body)];
                reserving_for(pat, iter, &tapes, quote!(#b #counter += 1;))
            }
            Stmt::While {
                cond,
                counter,
                body,
            } => {
                let b = self.fwd_block(body, Some(&[]));
                quote!(while #cond { #b #counter += 1; })
            }
            Stmt::Inactive(t) => t.clone(),
        }
    }

    // ---------------- backward sweep ----------------

    /// Backward sweep of a block. Repeated blocks first pop their locals back and
    /// open adjoint slots for the active ones.
    pub fn bwd_block(&self, b: &Block, repeated: Option<&[Ident]>) -> TokenStream {
        let restore = match repeated {
            None => quote!(),
            Some(extra) => {
                let tape = self.tape_for(b);
                let locals = self.block_locals(b, extra);
                let muts = locals.iter().map(|v| {
                    if self.f.mutable.contains(&v.to_string()) {
                        quote!(mut #v)
                    } else {
                        quote!(#v)
                    }
                });
                let slots = self.slots(&self.active_locals(b, extra));
                quote!(
                    let (#(#muts,)*) = #tape.pop().expect("hype: tape underflow");
                    #slots
                )
            }
        };
        let stmts = b.stmts.iter().rev().map(|s| self.bwd_stmt(s));
        quote!(#restore #(#stmts)*)
    }

    /// `let mut v_bar = none_like(&v);` for each variable.
    pub fn slots(&self, vars: &[Ident]) -> TokenStream {
        let decls = vars.iter().map(|v| {
            let vb = names::bar(v);
            quote!(let mut #vb = ::hype::rt::none_like(&#v);)
        });
        quote!(#(#decls)*)
    }

    /// Propagates adjoint `g` of the value `r` computed by `rhs` to its operands.
    fn propagate(&self, rhs: &Rhs, r: &Ident, g: &Ident) -> TokenStream {
        match rhs {
            Rhs::Copy(Atom::Var(u)) if self.active(u) => {
                let ub = names::bar(u);
                self.guarded(u, quote!(::hype::rt::acc(&mut #ub, #g);))
            }
            Rhs::Index { base, index, .. } if self.active(base) => {
                if let Some(d) = self.dense.borrow().get(&base.to_string()) {
                    return self
                        .guarded(base, quote!(::hype::rt::acc_at_dense(&mut #d, #index, #g);));
                }
                let bb = names::bar(base);
                self.guarded(
                    base,
                    quote!(::hype::rt::acc_at(&mut #bb, &#base, #index, #g);),
                )
            }
            Rhs::Field { base, member, .. } if self.active(base) => {
                let bb = names::bar(base);
                self.guarded(
                    base,
                    quote!(::hype::rt::acc_field(&mut #bb, &#base, |s| &mut s.#member, #g);),
                )
            }
            Rhs::Struct { fields, .. } => {
                let accs = fields.iter().filter_map(|(m, a)| match a {
                    Atom::Var(v) if self.active(v) => {
                        let vb = names::bar(v);
                        Some(self.guarded(v, quote!(::hype::rt::acc(&mut #vb, #g.#m);)))
                    }
                    _ => None,
                });
                quote!(#(#accs)*)
            }
            Rhs::Tuple(elems) => {
                let accs = elems.iter().enumerate().filter_map(|(k, a)| match a {
                    Atom::Var(v) if self.active(v) => {
                        let vb = names::bar(v);
                        let idx = syn::Index::from(k);
                        Some(self.guarded(v, quote!(::hype::rt::acc(&mut #vb, #g.#idx);)))
                    }
                    _ => None,
                });
                quote!(#(#accs)*)
            }
            Rhs::Stack { rows, two_d } => {
                let mut accs = Vec::new();
                for (i, r) in rows.iter().enumerate() {
                    for (j, a) in r.iter().enumerate() {
                        if let Atom::Var(v) = a {
                            if self.active(v) {
                                let vb = names::bar(v);
                                let idx = if *two_d { quote!([#i, #j]) } else { quote!(#j) };
                                accs.push(
                                    self.guarded(v, quote!(::hype::rt::acc(&mut #vb, #g[#idx]);)),
                                );
                            }
                        }
                    }
                }
                quote!(#(#accs)*)
            }
            Rhs::Prim(p) => {
                let module = &p.module;
                let args: Vec<_> = p.args.iter().map(atom_ref).collect();
                let statics = &p.statics;
                let name = p.name.to_string();
                let mut active: Vec<(usize, &Ident)> = p
                    .args
                    .iter()
                    .enumerate()
                    .filter_map(|(k, a)| match a {
                        Atom::Var(v)
                            if self.active(v) && !crate::primitives::nondiff_arg(&name, k) =>
                        {
                            Some((k, v))
                        }
                        _ => None,
                    })
                    .collect();
                // The adjoint of `+` (either side) and of `-` (left side) is `g` itself
                // where shapes agree: that rule goes last and takes `g` by value, so
                // the slot receives it without a copy.
                let in_rt = module.to_string().contains("rt");
                let movable = |k: usize| name == "add" || (name == "sub" && k == 0);
                if let Some(pos) = active.iter().rposition(|(k, _)| movable(*k)) {
                    let last = active.remove(pos);
                    active.push(last);
                }
                let n = active.len();
                let mut out = Vec::new();
                for (i, (k, v)) in active.into_iter().enumerate() {
                    let vb = names::bar(v);
                    let in_place = crate::primitives::by_op(crate::primitives::Module::Rt, &name)
                        .is_some_and(|p| p.acc_in_place);
                    let acc = if in_place && in_rt {
                        // Matrix products (gemm with beta = 1) and slices accumulate in
                        // place into a slot that already holds a value: no temporary.
                        let rule = format_ident!("{}_acc{}", p.name, k, span = p.span);
                        match self.field_of.get(&v.to_string()) {
                            // A field of a reference parameter: straight into the field
                            // of the parameter's adjoint, not into a per-trip slot first.
                            Some((base, member)) => {
                                let bb = names::bar(base);
                                quote_spanned!(p.span=> ::hype::rt::acc_field_in_place(
                                    &mut #bb, &#base, |s| &mut s.#member,
                                    |slot| #module::#rule(slot, #(#args,)* #(#statics,)* &#r, &#g),
                                );)
                            }
                            None => quote_spanned!(p.span=>
                                #module::#rule(&mut #vb, #(#args,)* #(#statics,)* &#r, &#g);
                            ),
                        }
                    } else {
                        let contribution = if i + 1 == n && movable(k) && in_rt {
                            let like = &args[k];
                            quote_spanned!(p.span=> ::hype::rt::add_vjp_owned(#g, #like))
                        } else {
                            let rule = format_ident!("{}_vjp{}", p.name, k, span = p.span);
                            quote_spanned!(p.span=> #module::#rule(#(#args,)* #(#statics,)* &#r, &#g))
                        };
                        quote_spanned!(p.span=> ::hype::rt::acc(&mut #vb, #contribution);)
                    };
                    out.push(self.guarded(v, acc));
                }
                quote!(#(#out)*)
            }
            Rhs::Call {
                func,
                args,
                span,
                recompute,
                method,
            } => {
                let gs: Vec<Ident> = (0..args.len())
                    .map(|k| format_ident!("{}_g{}", r, k))
                    .collect();
                let pulled = if *recompute {
                    // The callee's reverse code again, its pullback applied in the same
                    // statement: temporaries among the arguments (`&(a * 0.5)`) live
                    // until its end.
                    let prim = call_args(args);
                    let want = self.want_for_args(args);
                    let rev = call_expr(func, *method, Some("rev"), &prim, &[want]);
                    quote_spanned!(*span=> let (#(#gs,)*) = (#rev.1)(&#g);)
                } else {
                    let pb = names::pullback(r);
                    quote_spanned!(*span=> let (#(#gs,)*) = #pb(&#g);)
                };
                let mut accs = Vec::new();
                for ((a, _), gk) in args.iter().zip(&gs) {
                    if let Atom::Var(v) = a {
                        if self.active(v) {
                            let vb = names::bar(v);
                            accs.push(self.guarded(v, quote!(::hype::rt::acc_arg(&mut #vb, #gk);)));
                        }
                    }
                }
                quote_spanned!(*span=> #pulled #(#accs)*)
            }
            _ => quote!(),
        }
    }

    fn bwd_stmt(&self, s: &Stmt) -> TokenStream {
        match s {
            Stmt::Let { var, rhs, .. } | Stmt::Init { var, rhs } => {
                if !self.active(var) {
                    return quote!();
                }
                let vb = names::bar(var);
                let g = format_ident!("{}_adj", var);
                let body = self.propagate(rhs, var, &g);
                if body.is_empty() {
                    return quote!(let _ = #vb.take(););
                }
                let take = taken(rhs, &vb, &quote!(#var));
                quote!(if let ::core::option::Option::Some(#g) = #take { #body })
            }
            Stmt::Declare { .. } | Stmt::Inactive(_) => quote!(),
            Stmt::Assign { var, rhs } => {
                let tape = self.tape_for(s);
                let new = format_ident!("{}_new", var);
                let restore = quote!(let #new = ::core::mem::replace(&mut #var, #tape.pop().expect("hype: tape underflow"));
                );
                if !self.active(var) {
                    return quote!(#restore let _ = #new;);
                }
                let vb = names::bar(var);
                let g = format_ident!("{}_adj", var);
                let body = self.propagate(rhs, &new, &g);
                let take = taken(rhs, &vb, &quote!(#new));
                quote!(#restore if let ::core::option::Option::Some(#g) = #take { #body })
            }
            Stmt::Push { var, value } => {
                let restore = quote!(let _ = #var.pop(););
                if !self.active(var) {
                    return restore;
                }
                let vb = names::bar(var);
                let g = format_ident!("{}_adj", var);
                let body = match value {
                    Atom::Var(u) if self.active(u) => {
                        let ub = names::bar(u);
                        self.guarded(u, quote!(::hype::rt::acc(&mut #ub, #g);))
                    }
                    _ => quote!(let _ = #g;),
                };
                quote!(#restore if let ::core::option::Option::Some(#g) = ::hype::rt::pop_adjoint(&mut #vb) { #body })
            }
            Stmt::IndexAssign { var, index, value } => {
                let tape = self.tape_for(s);
                let restore = quote!(#var[#index] = #tape.pop().expect("hype: tape underflow"););
                if !self.active(var) {
                    return restore;
                }
                let vb = names::bar(var);
                let g = format_ident!("{}_adj", var);
                let body = match value {
                    Atom::Var(u) if self.active(u) => {
                        let ub = names::bar(u);
                        let acc = self.guarded(u, quote!(::hype::rt::acc(&mut #ub, #g);));
                        quote!(if let ::core::option::Option::Some(#g) = #g { #acc })
                    }
                    _ => quote!(let _ = #g;),
                };
                quote!(#restore let #g = ::hype::rt::take_at(&mut #vb, #index); #body)
            }
            Stmt::If { cond, then, els } => {
                let t = self.bwd_block(then, Some(&[]));
                let e = self.bwd_block(els, Some(&[]));
                quote!(if #cond { #t } else { #e })
            }
            Stmt::For {
                pat_vars,
                counter,
                body,
                replay,
                ..
            } if recomputable(body) => self.densely(body, || {
                let b = self.recompute_iteration(body, pat_vars);
                match (replay, pat_vars.as_slice()) {
                    (Some(r), [v]) => {
                        let k = format_ident!("__hype_k");
                        let item = replayed(r, &k);
                        quote!(for #k in (0..#counter).rev() { let #v = #item; #b })
                    }
                    _ => {
                        let tape = self.tape_for(body);
                        quote!(for _ in 0..#counter {
                            let (#(#pat_vars,)*) = #tape.pop().expect("hype: tape underflow");
                            #b
                        })
                    }
                }
            }),
            Stmt::While { counter, body, .. } if recomputable(body) => self.densely(body, || {
                let b = self.recompute_iteration(body, &[]);
                quote!(for _ in 0..#counter { #b })
            }),
            Stmt::For {
                pat_vars,
                counter,
                body,
                replay,
                ..
            } => self.densely(body, || match (replay, pat_vars.as_slice()) {
                (Some(r), [v]) => {
                    let b = self.bwd_block(body, Some(&[]));
                    let k = format_ident!("__hype_k");
                    let item = replayed(r, &k);
                    quote!(for #k in (0..#counter).rev() { let #v = #item; #b })
                }
                _ => {
                    let b = self.bwd_block(body, Some(pat_vars));
                    quote!(for _ in 0..#counter { #b })
                }
            }),
            Stmt::While { counter, body, .. } => self.densely(body, || {
                let b = self.bwd_block(body, Some(&[]));
                quote!(for _ in 0..#counter { #b })
            }),
        }
    }
}

/// A primitive whose value a recomputed loop body keeps on a tape (a matrix product).
fn kept_in_loops(rhs: &Rhs) -> bool {
    matches!(rhs, Rhs::Prim(p) if crate::primitives::kept_in_loops(&p.name.to_string()))
}

/// `for pat in iter { trip }`, with `tapes` first reserved for as many trips as the
/// iterator's length hint promises (no regrowth while taping).
fn reserving_for(
    pat: &impl quote::ToTokens,
    iter: &impl quote::ToTokens,
    tapes: &[Ident],
    trip: TokenStream,
) -> TokenStream {
    quote!({
        let __hype_iter = ::core::iter::IntoIterator::into_iter(#iter);
        let __hype_trips = ::core::iter::Iterator::size_hint(&__hype_iter).0;
        #(#tapes.reserve(__hype_trips);)*
        for #pat in __hype_iter { #trip }
    })
}

impl Reverse<'_> {
    /// Backward sweep of one iteration of a recomputable loop body: rewind the
    /// overwritten variables to their values at the start of the iteration, run the
    /// body again (taping as at the top level), then propagate adjoints back.
    fn recompute_iteration(&self, body: &Block, pat_vars: &[Ident]) -> TokenStream {
        let locals: std::collections::HashSet<String> = self
            .block_locals(body, &[])
            .iter()
            .map(|v| v.to_string())
            .collect();
        let mut rewind = Vec::new();
        for s in body.stmts.iter().rev() {
            if let Stmt::Assign { var, .. } = s {
                match self.overwrite(var, &locals) {
                    Overwrite::Recomputed => {}
                    Overwrite::Kept => {
                        let tape = self.tape_for(s);
                        rewind.push(quote!(::hype::rt::restore(&mut #var, {
                            #[allow(unused_imports)]
                            use ::hype::rt::{PopScalar as _, PopWhole as _};
                            (&mut #tape).pop_kept()
                        });))
                    }
                    Overwrite::Taped => {
                        let tape = self.tape_for(s);
                        rewind.push(quote!(#var = #tape.pop().expect("hype: tape underflow");))
                    }
                }
            }
        }
        // The recomputed trip keeps overwritten values in locals, not on the tape.
        let mut again = Vec::new();
        let mut back = Vec::new();
        for (k, s) in body.stmts.iter().enumerate() {
            match s {
                Stmt::Assign { var, rhs } => {
                    let p = primal(rhs);
                    let new = format_ident!("{}_new", var);
                    let old = format_ident!("{}_old{}", var, k);
                    again.push(
                        quote!(let #new = #p; let #old = ::core::mem::replace(&mut #var, #new);),
                    );
                    let restore = quote!(let #new = ::core::mem::replace(&mut #var, #old););
                    back.push(if self.active(var) {
                        let vb = names::bar(var);
                        let g = format_ident!("{}_adj", var);
                        let body = self.propagate(rhs, &new, &g);
                        let take = taken(rhs, &vb, &quote!(#new));
                        quote!(#restore if let ::core::option::Option::Some(#g) = #take { #body })
                    } else {
                        quote!(#restore let _ = #new;)
                    });
                }
                Stmt::Let { var, mutable, rhs } if kept_in_loops(rhs) => {
                    // Kept by the forward trip (`fwd_trip`), not computed again.
                    let tape = self.tape_for(rhs);
                    let m = if *mutable { quote!(mut) } else { quote!() };
                    again.push(quote!(let #m #var = #tape.pop().expect("hype: tape underflow");));
                    back.push(self.bwd_stmt(s));
                }
                s => {
                    again.push(self.fwd_stmt(s));
                    back.push(self.bwd_stmt(s));
                }
            }
        }
        back.reverse();
        let slots = self.slots(&self.active_locals(body, pat_vars));
        quote!(#(#rewind)* #(#again)* #slots #(#back)*)
    }
}

/// What the forward sweep of a recomputable loop body keeps of a value it overwrites.
enum Overwrite {
    /// A local of the body: the recomputed trip rebuilds it, nothing is kept.
    Recomputed,
    /// Only the shape is read back: a scalar keeps nothing, other types keep it all.
    Kept,
    /// Its old value is read back: taped.
    Taped,
}

impl Reverse<'_> {
    fn overwrite(&self, var: &Ident, body_locals: &HashSet<String>) -> Overwrite {
        let name = var.to_string();
        if body_locals.contains(&name) {
            Overwrite::Recomputed
        } else if self.active(var) && !self.read.contains(&name) {
            Overwrite::Kept
        } else {
            Overwrite::Taped
        }
    }

    /// One trip of a recomputable loop body in the forward sweep, and the tapes it
    /// pushes to (see [`Overwrite`]).
    fn fwd_trip(&self, body: &Block) -> (TokenStream, Vec<Ident>) {
        let locals: HashSet<String> = self
            .block_locals(body, &[])
            .iter()
            .map(|v| v.to_string())
            .collect();
        let mut tapes = Vec::new();
        let stmts = body.stmts.iter().map(|s| match s {
            Stmt::Assign { var, rhs } => {
                let p = primal(rhs);
                let new = format_ident!("{}_new", var);
                let old = quote!(::core::mem::replace(&mut #var, #new));
                match self.overwrite(var, &locals) {
                    Overwrite::Recomputed => quote!(#var = #p;),
                    Overwrite::Kept => {
                        let tape = self.tape_for(s);
                        tapes.push(tape.clone());
                        quote!(let #new = #p; {
                            #[allow(unused_imports)]
                            use ::hype::rt::{KeepScalar as _, KeepWhole as _};
                            ::hype::rt::Kept::new(#old).keep_on(&mut #tape);
                        })
                    }
                    Overwrite::Taped => {
                        let tape = self.tape_for(s);
                        tapes.push(tape.clone());
                        quote!(let #new = #p; #tape.push(#old);)
                    }
                }
            }
            Stmt::Let { var, rhs, .. } if kept_in_loops(rhs) => {
                let tape = self.tape_for(rhs);
                tapes.push(tape.clone());
                let v = self.fwd_stmt(s);
                quote!(#v #tape.push(::core::clone::Clone::clone(&#var));)
            }
            s => self.fwd_stmt(s),
        });
        let b: Vec<TokenStream> = stmts.collect();
        (quote!(#(#b)*), tapes)
    }

    /// The backward sweep of a loop, with the array adjoints that the body only
    /// accumulates into by index made dense around it (no per-element slot checks).
    fn densely(&self, body: &Block, emit: impl FnOnce() -> TokenStream) -> TokenStream {
        let mut uses = Uses::default();
        uses.block(body);
        let mut bind = Vec::new();
        let mut added = Vec::new();
        for v in &uses.indexed {
            let base = v.to_string();
            if uses.other.contains(&base) || self.dense.borrow().contains_key(&base) {
                continue;
            }
            if !self.active(v) {
                continue;
            }
            let d = format_ident!("__hype_{}_dense", base, span = v.span());
            let vb = names::bar(v);
            let need = self.need(v);
            bind.push(quote!(let mut #d = ::hype::rt::dense(#need, &mut #vb, &#v);));
            self.dense.borrow_mut().insert(base.clone(), d);
            added.push(base);
        }
        let lp = emit();
        for base in added {
            self.dense.borrow_mut().remove(&base);
        }
        if bind.is_empty() {
            lp
        } else {
            quote!({ #(#bind)* #lp })
        }
    }
}

/// Variables bound (anywhere in the body) to a field of an active parameter passed by
/// shared reference, and never assigned again: their adjoint is that field's.
fn fields_of_parameters(f: &Function) -> HashMap<String, (Ident, syn::Member)> {
    fn walk(b: &Block, f: &Function, out: &mut HashMap<String, (Ident, syn::Member)>) {
        for s in &b.stmts {
            match s {
                Stmt::Let {
                    var,
                    rhs:
                        Rhs::Field {
                            base,
                            member,
                            owned: false,
                        },
                    ..
                } => {
                    let shared = f.params.iter().any(|p| {
                        p.name == *base
                            && p.active
                            && matches!(&p.ty, syn::Type::Reference(r) if r.mutability.is_none())
                    });
                    if shared && !f.mutable.contains(&var.to_string()) {
                        out.insert(var.to_string(), (base.clone(), member.clone()));
                    }
                }
                Stmt::If { then, els, .. } => {
                    walk(then, f, out);
                    walk(els, f, out);
                }
                Stmt::For { body, .. } | Stmt::While { body, .. } => walk(body, f, out),
                _ => {}
            }
        }
    }
    let mut out = HashMap::new();
    walk(&f.body, f, &mut out);
    out
}

/// The adjoint taken out of slot `vb` of the value `like` computed by `rhs`: a field
/// read or a copy passes it on to another slot as it is (lazy zeros included, see
/// `rt::acc_field`); every other rule computes with it, so its lazy zeros are filled.
fn taken(rhs: &Rhs, vb: &Ident, like: &TokenStream) -> TokenStream {
    match rhs {
        Rhs::Field { .. } | Rhs::Copy(_) => quote!(#vb.take()),
        _ => quote!(::hype::rt::take_dense(&mut #vb, &#like)),
    }
}

/// The loop variable of trip `k` of a range loop.
fn replayed(r: &Replay, k: &Ident) -> TokenStream {
    match r {
        Replay::Up { lo } => quote!(::hype::rt::range_at(#lo, #k)),
        Replay::Down { hi, inclusive } => quote!(::hype::rt::range_back(#hi, #inclusive, #k)),
        Replay::Step { lo, step } => quote!(::hype::rt::range_step(#lo, #step, #k)),
    }
}

/// Arguments of a call, by reference or by value as the user wrote them.
pub fn call_args(args: &[(Atom, ArgForm)]) -> Vec<TokenStream> {
    args.iter()
        .map(|(a, form)| match form {
            ArgForm::Ref => atom_ref(a),
            ArgForm::Value => crate::forward::atom_val(a),
            ArgForm::Shared => crate::forward::atom_shared(a),
        })
        .collect()
}

/// The parameters (by index) each variable depends on, a fixpoint over the body.
fn dependencies(f: &Function) -> HashMap<String, BTreeSet<usize>> {
    let mut deps: HashMap<String, BTreeSet<usize>> = HashMap::new();
    for (k, p) in f.params.iter().enumerate() {
        if p.active {
            deps.entry(p.name.to_string()).or_default().insert(k);
        }
    }
    loop {
        let before: usize = deps.values().map(BTreeSet::len).sum();
        block_deps(&f.body, &mut deps);
        if deps.values().map(BTreeSet::len).sum::<usize>() == before {
            return deps;
        }
    }
}

fn atom_deps(a: &Atom, deps: &HashMap<String, BTreeSet<usize>>) -> BTreeSet<usize> {
    match a {
        Atom::Var(v) => deps.get(&v.to_string()).cloned().unwrap_or_default(),
        Atom::Const(_) => BTreeSet::new(),
    }
}

fn rhs_deps(rhs: &Rhs, deps: &HashMap<String, BTreeSet<usize>>) -> BTreeSet<usize> {
    let var = |v: &Ident| deps.get(&v.to_string()).cloned().unwrap_or_default();
    let atoms = |xs: &mut dyn Iterator<Item = &Atom>| {
        xs.fold(BTreeSet::new(), |mut acc, a| {
            acc.extend(atom_deps(a, deps));
            acc
        })
    };
    match rhs {
        Rhs::Copy(a) => atom_deps(a, deps),
        Rhs::Prim(p) => atoms(&mut p.args.iter()),
        Rhs::Index { base, .. } | Rhs::Field { base, .. } => var(base),
        Rhs::Struct { fields, .. } => atoms(&mut fields.iter().map(|(_, a)| a)),
        Rhs::Tuple(elems) => atoms(&mut elems.iter()),
        Rhs::Stack { rows, .. } => atoms(&mut rows.iter().flatten()),
        Rhs::Call { args, .. } => atoms(&mut args.iter().map(|(a, _)| a)),
        Rhs::Const(_) => BTreeSet::new(),
    }
}

fn block_deps(b: &Block, deps: &mut HashMap<String, BTreeSet<usize>>) {
    for s in &b.stmts {
        match s {
            Stmt::Let { var, rhs, .. } | Stmt::Init { var, rhs } | Stmt::Assign { var, rhs } => {
                let d = rhs_deps(rhs, deps);
                deps.entry(var.to_string()).or_default().extend(d);
            }
            Stmt::IndexAssign { var, value, .. } | Stmt::Push { var, value } => {
                let d = atom_deps(value, deps);
                deps.entry(var.to_string()).or_default().extend(d);
            }
            Stmt::If { then, els, .. } => {
                block_deps(then, deps);
                block_deps(els, deps);
            }
            Stmt::For { body, .. } | Stmt::While { body, .. } => block_deps(body, deps),
            Stmt::Declare { .. } | Stmt::Inactive(_) => {}
        }
    }
}

/// The value of an assignment: a variable on the right is copied, not moved, since
/// the block may tape it with its locals afterwards.
fn copied_primal(rhs: &Rhs) -> TokenStream {
    let single_ident = |t: &TokenStream| {
        let mut it = t.clone().into_iter();
        matches!(
            (it.next(), it.next()),
            (Some(proc_macro2::TokenTree::Ident(_)), None)
        )
    };
    match rhs {
        Rhs::Copy(Atom::Var(u)) => quote!(::core::clone::Clone::clone(&#u)),
        // `a = b;` of a constant variable.
        Rhs::Const(t) if single_ident(t) => quote!(::core::clone::Clone::clone(&#t)),
        _ => primal(rhs),
    }
}
