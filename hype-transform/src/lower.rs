//! Lowering: the checked syntax of a function body → [`crate::ir`], with renaming of
//! shadowed variables, deciding activity as it goes ([`crate::activity`]: a pass whose
//! assumptions a loop invalidated is run again).

use crate::check::unsupported;
use crate::ir::*;
use crate::ops_table;
use crate::primitives::{self, Module};
use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use std::collections::{HashMap, HashSet};
use syn::spanned::Spanned;
use syn::{BinOp, Expr, Ident, Pat, Stmt as SynStmt, UnOp};

/// Lowers a function body. `params` are already checked; `all_idents` are every
/// identifier in the user's function, so that fresh names never collide with them.
pub fn lower_function(
    params: Vec<Param>,
    body: &syn::Block,
    all_idents: HashSet<String>,
    float: crate::float::Float,
) -> syn::Result<Function> {
    let mut activity = crate::activity::Activity::new(
        params
            .iter()
            .filter(|p| p.active)
            .map(|p| p.name.to_string()),
    );
    // Each binding site keeps the unique name it got in the first pass that bound
    // it, so that activity recorded under a name means the same variable next pass.
    let mut site_names: HashMap<usize, String> = HashMap::new();
    let mut rewrites = Rewrites {
        float: float.clone(),
        ..Rewrites::default()
    };
    // A pass stands when the activity it assumed held ([`crate::activity`]).
    for pass in 1..=64 {
        let mut used = all_idents.clone();
        used.extend(site_names.values().cloned());
        let mut l = Lowerer::new(&params, activity, used);
        l.reserved = site_names.values().cloned().collect();
        l.site_names = std::mem::take(&mut site_names);
        l.rewrites = std::mem::take(&mut rewrites);
        let (block, ret) = l.block_with_tail(body)?;
        site_names = std::mem::take(&mut l.site_names);
        rewrites = std::mem::take(&mut l.rewrites);
        if let Some(e) = l.errors.into_iter().reduce(|mut a, b| {
            a.combine(b);
            a
        }) {
            return Err(e);
        }
        if l.activity.settled() {
            let ret = ret.unwrap_or(Atom::Const(quote!(())));
            return Ok(Function {
                params,
                body: block,
                ret,
                active: l.activity.into_active(),
                mutable: l.mutable,
                float,
                lowering_passes: pass,
            });
        }
        activity = l.activity.next_pass();
    }
    Err(syn::Error::new(
        body.span(),
        "hype: activity analysis did not converge",
    ))
}

/// The closure as a function: its parameters and its body lowered to IR.
pub fn closure_ir(c: &syn::ExprClosure) -> syn::Result<Function> {
    if let Some(m) = &c.movability {
        return Err(syn::Error::new(
            m.span(),
            "hype: `static` closures cannot be differentiated",
        ));
    }
    if let Some(a) = &c.asyncness {
        return Err(syn::Error::new(
            a.span(),
            "hype: `async` closures cannot be differentiated",
        ));
    }
    let inputs = c.inputs.iter().map(|p| match p {
        syn::Pat::Type(_) => Ok(p.clone()),
        other => Err(syn::Error::new(
            other.span(),
            "hype: parameters of a closure given to a derivative operator need types (`|x: f64| ..`)",
        )),
    });
    let inputs: Vec<syn::Pat> = inputs.collect::<syn::Result<_>>()?;
    let mut func: syn::ItemFn = syn::parse_quote_spanned!(c.span()=>
        fn __hype_closure(#(#inputs),*) -> _ {}
    );
    // The body is placed as a tree (printing and re-parsing `{ #body }` can fail).
    func.block.stmts = vec![syn::Stmt::Expr((*c.body).clone(), None)];
    let params = crate::parse::signature(&mut func)?;
    let mut block = (*func.block).clone();
    crate::desugar::body(&mut block)?;
    crate::check::body(&block)?;
    let mut idents = std::collections::HashSet::new();
    crate::types::collect_idents(c.to_token_stream(), &mut idents);
    let float = if c
        .inputs
        .iter()
        .any(|p| matches!(p, Pat::Type(t) if crate::float::Float::F32.is(&t.ty)))
    {
        crate::float::Float::F32
    } else {
        crate::float::Float::F64
    };
    crate::float::type_literals(&mut block, &float);
    lower_function(params, &block, idents, float)
}

/// Iterator code rewritten into loops ([`crate::iterators`]), kept across the passes of
/// the lowering passes ([`crate::activity`]): keyed by the address of the original syntax, so that the
/// rewritten syntax (and the binding sites in it) is the same in every pass.
#[derive(Default)]
struct Rewrites {
    exprs: HashMap<usize, std::rc::Rc<Expr>>,
    /// The value of an indexed assignment (`a[i] op= e` as `a[i] op e`).
    values: HashMap<usize, std::rc::Rc<Expr>>,
    loops: HashMap<usize, std::rc::Rc<Vec<SynStmt>>>,
    /// The inlined derivative of `grad!`/`diff!` on a closure, keyed by the call: built
    /// once, so that its binding sites (keyed by address) are the same in every pass
    /// and the expansion does not depend on where the allocator put a re-parse.
    operator_blocks: HashMap<usize, std::rc::Rc<Expr>>,
    fresh: crate::iterators::Fresh,
    /// The function's float type (of rewritten code's literals).
    float: crate::float::Float,
}

/// A closure bound to a local (`let f = |x| ..;`), inlined where it is called.
struct LocalClosure {
    closure: syn::ExprClosure,
    /// The variables its body names, with the binding each had at the definition.
    captures: Vec<(String, Option<Ident>)>,
}

struct Lowerer {
    rewrites: Rewrites,
    closures: HashMap<String, std::rc::Rc<LocalClosure>>,
    scopes: Vec<HashMap<String, Ident>>,
    /// Unique name of each binding site (keyed by the address of its identifier in
    /// the body, which is the same in every pass).
    site_names: HashMap<usize, String>,
    /// Names given to sites in earlier passes: not for other sites.
    reserved: HashSet<String>,
    /// Variables declared by `let v;` and not yet assigned on every path: their
    /// first assignment initializes them (nothing to tape).
    uninit: HashSet<String>,
    used: HashSet<String>,
    activity: crate::activity::Activity,
    allocated: HashSet<String>,
    mutable: HashSet<String>,
    /// Variables that hold shared references (reference parameters, and borrowed
    /// fields of them): a field of those can be borrowed across the whole function.
    ref_like: HashSet<String>,
    errors: Vec<syn::Error>,
    counter: usize,
}

fn err(span: Span, msg: impl std::fmt::Display) -> syn::Error {
    syn::Error::new(span, msg)
}

impl Lowerer {
    fn new(params: &[Param], activity: crate::activity::Activity, used: HashSet<String>) -> Self {
        let mut scope = HashMap::new();
        for p in params {
            scope.insert(p.name.to_string(), p.name.clone());
        }
        Lowerer {
            rewrites: Rewrites::default(),
            closures: HashMap::new(),
            scopes: vec![scope],
            site_names: HashMap::new(),
            reserved: HashSet::new(),
            uninit: HashSet::new(),
            used,
            activity,
            allocated: params.iter().map(|p| p.name.to_string()).collect(),
            mutable: HashSet::new(),
            ref_like: params
                .iter()
                .filter(|p| p.is_ref)
                .map(|p| p.name.to_string())
                .collect(),
            errors: Vec::new(),
            counter: 0,
        }
    }

    // ---------- names ----------

    /// A fresh variable for a user binding `name` (keeps the name when it is free).
    fn bind(&mut self, name: &Ident) -> Ident {
        let key = name as *const Ident as usize;
        let base = name.to_string();
        let candidate = match self.site_names.get(&key) {
            Some(n) => n.clone(),
            None => {
                let mut candidate = base.clone();
                let mut k = 0;
                while self.allocated.contains(&candidate)
                    || self.reserved.contains(&candidate)
                    || (candidate != base && self.used.contains(&candidate))
                    || crate::names::derived_from_used(&candidate, &self.used)
                {
                    k += 1;
                    candidate = format!("{base}_{k}");
                }
                self.site_names.insert(key, candidate.clone());
                candidate
            }
        };
        self.allocated.insert(candidate.clone());
        self.used.insert(candidate.clone());
        let id = match candidate.strip_prefix("r#") {
            Some(raw) => Ident::new_raw(raw, name.span()),
            None => Ident::new(&candidate, name.span()),
        };
        self.scopes
            .last_mut()
            .expect("scope stack is never empty")
            .insert(base, id.clone());
        id
    }

    /// Makes `name` refer to the existing variable `to` from here on in this scope.
    fn alias(&mut self, name: &Ident, to: Ident) {
        self.scopes
            .last_mut()
            .expect("scope stack is never empty")
            .insert(name.to_string(), to);
    }

    /// A fresh temporary.
    fn tmp(&mut self, prefix: &str, span: Span) -> Ident {
        loop {
            self.counter += 1;
            let name = format!("{prefix}{}", self.counter);
            if !self.used.contains(&name) {
                self.used.insert(name.clone());
                self.allocated.insert(name.clone());
                return Ident::new(&name, span);
            }
        }
    }

    fn lookup_str(&self, name: &str) -> Option<&Ident> {
        self.scopes.iter().rev().find_map(|s| s.get(name))
    }

    fn lookup(&self, name: &Ident) -> Option<Ident> {
        self.lookup_str(&name.to_string()).cloned()
    }

    fn is_active_var(&self, v: &Ident) -> bool {
        self.activity.is_active(&v.to_string())
    }

    fn mark_active(&mut self, v: &Ident) {
        self.activity.mark(&v.to_string());
    }

    /// Renames the local variables in verbatim tokens (skipping field and method
    /// names, path segments and macro names).
    fn rename_tokens(&self, tokens: TokenStream) -> TokenStream {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut out = Vec::with_capacity(trees.len());
        for (i, t) in trees.iter().enumerate() {
            match t {
                TokenTree::Ident(id) => {
                    let prev_dot = i > 0
                        && matches!(&trees[i - 1], TokenTree::Punct(p) if p.as_char() == '.' || p.as_char() == ':');
                    let next_colon_or_bang = matches!(trees.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!' || (p.as_char() == ':' && matches!(trees.get(i + 2), Some(TokenTree::Punct(q)) if q.as_char() == ':')));
                    match self.lookup(id) {
                        Some(new) if !prev_dot && !next_colon_or_bang => {
                            let mut new = new.clone();
                            new.set_span(id.span());
                            out.push(TokenTree::Ident(new));
                        }
                        _ => out.push(t.clone()),
                    }
                }
                TokenTree::Group(g) => {
                    let mut ng = Group::new(g.delimiter(), self.rename_tokens(g.stream()));
                    ng.set_span(g.span());
                    out.push(TokenTree::Group(ng));
                }
                _ => out.push(t.clone()),
            }
        }
        out.into_iter().collect()
    }

    fn verbatim(&self, e: &impl ToTokens) -> TokenStream {
        self.rename_tokens(e.to_token_stream())
    }

    /// Constant code that may change a constant local in place (`k.fill(..)`,
    /// `v.push(..)`, `f(&mut k)`) is preceded by a snapshot `k = k.clone()`: the
    /// backward sweep restores it there, since rules and constant code it re-runs read
    /// `k` as it was (an IR `Assign` tapes the old value).
    fn snapshot_mutated(&self, code: &TokenStream, out: &mut Vec<Stmt>) {
        let mut seen = Vec::new();
        crate::mutation::mutated_locals(code, &mut seen);
        let mut done = HashSet::new();
        for var in seen {
            let name = var.to_string();
            if !self.mutable.contains(&name)
                || self.uninit.contains(&name)
                || self.is_active_var(&var)
                || !done.insert(name)
            {
                continue;
            }
            let copy = quote_spanned!(var.span()=> ::core::clone::Clone::clone(&#var));
            out.push(Stmt::Assign {
                var,
                rhs: Rhs::Const(copy),
            });
        }
    }

    /// The local `Vec` of `v.push(x)`.
    fn push_target(&self, m: &syn::ExprMethodCall) -> Option<Ident> {
        if m.method != "push" || m.args.len() != 1 {
            return None;
        }
        match strip(&m.receiver) {
            Expr::Path(p) => p.path.get_ident().and_then(|id| self.lookup(id)),
            _ => None,
        }
    }

    /// Constant code as a statement, after snapshots of what it may change.
    fn inactive(&self, code: TokenStream, out: &mut Vec<Stmt>) {
        self.snapshot_mutated(&code, out);
        out.push(Stmt::Inactive(code));
    }

    // ---------- activity of expressions ----------

    fn is_active(&self, e: &Expr) -> bool {
        match e {
            Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|id| self.lookup(id))
                .is_some_and(|v| self.is_active_var(&v)),
            Expr::Lit(_) | Expr::Cast(_) | Expr::Range(_) => false,
            Expr::Paren(p) => self.is_active(&p.expr),
            Expr::Group(g) => self.is_active(&g.expr),
            Expr::Reference(r) => self.is_active(&r.expr),
            Expr::Unary(u) => !matches!(u.op, UnOp::Not(_)) && self.is_active(&u.expr),
            Expr::Binary(b) => {
                // Comparisons and logic give booleans; any other operator on an active
                // operand is active (and rejected by lowering if it has no rule).
                !is_logic(&b.op) && (self.is_active(&b.left) || self.is_active(&b.right))
            }
            Expr::MethodCall(_) if crate::iterators::is_reduction(e) => {
                let mut parts = Vec::new();
                crate::iterators::chain_parts(e, &mut parts);
                parts.iter().any(|p| {
                    self.is_active(p)
                        || self.iterates_active(p)
                        || self.tokens_mention_active(p.to_token_stream())
                })
            }
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                !ops_table::SHAPE_METHODS.contains(&name.as_str())
                    && (self.is_active(&m.receiver) || m.args.iter().any(|a| self.is_active(a)))
            }
            // A closure (of `map`, `fold`, `mapv`) is as active as its body.
            Expr::Closure(c) => self.tokens_mention_active(c.body.to_token_stream()),
            Expr::Call(c) if self.local_closure_call(c).is_some() => {
                let def = self.local_closure_call(c).expect("checked");
                c.args.iter().any(|a| self.is_active(a))
                    || self.tokens_mention_active(def.closure.body.to_token_stream())
            }
            Expr::Call(c) => {
                !is_const_fn(&c.func)
                    && (c.args.iter().any(|a| self.is_active(a))
                        || matches!(strip(&c.func), Expr::Macro(m) if self.tokens_mention_active(m.mac.tokens.clone())))
            }
            Expr::Index(i) => self.is_active(&i.expr),
            Expr::Field(f) => self.is_active(&f.base),
            Expr::Struct(st) => st.fields.iter().any(|f| self.is_active(&f.expr)),
            Expr::Tuple(t) => t.elems.iter().any(|a| self.is_active(a)),
            // Nested in an operand, a block's activity is estimated from every name
            // it mentions (its own lets are not in scope yet); in `let` and tail
            // position blocks are lowered first and judged by their value.
            Expr::If(_) | Expr::Block(_) => self.tokens_mention_active(e.to_token_stream()),
            // A macro's value is active when its tokens mention an active variable
            // (`array![..]`, `vec![..]`; anything else is then an error, not a constant),
            // unless the macro only formats, asserts or tests.
            Expr::Macro(m) => {
                !is_effect_macro(&m.mac.path) && self.tokens_mention_active(m.mac.tokens.clone())
            }
            _ => false,
        }
    }

    /// Whether an expression iterates over the values of an active array
    /// (`x.iter()`, `x.outer_iter()`, ...), which would silently drop derivatives.
    /// Whether a `for` borrows the elements of a local container (`for x in xs.iter()`,
    /// `for x in &xs`): the loop is rewritten over indices, since the backward sweep
    /// cannot tape borrows of a local.
    fn iterates_local_by_ref(&self, e: &Expr) -> bool {
        let local = |e: &Expr| match strip(e) {
            Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|id| self.lookup(id))
                .is_some_and(|v| !self.ref_like.contains(&v.to_string())),
            _ => false,
        };
        let mut source = strip(e);
        if let Expr::Reference(r) = source {
            return r.mutability.is_none() && local(&r.expr);
        }
        if !crate::iterators::is_chain(source) {
            return false;
        }
        while let Expr::MethodCall(m) = source {
            if m.method == "iter" {
                return local(&m.receiver);
            }
            source = strip(&m.receiver);
        }
        false
    }

    fn iterates_active(&self, e: &Expr) -> bool {
        const ITER: &[&str] = &[
            "iter",
            "into_iter",
            "iter_mut",
            "outer_iter",
            "rows",
            "columns",
            "axis_iter",
            "lanes",
            "windows",
            "to_vec",
            "exact_chunks",
            "indexed_iter",
        ];
        match e {
            Expr::MethodCall(m) => {
                (ITER.contains(&m.method.to_string().as_str()) && self.is_active(&m.receiver))
                    || self.iterates_active(&m.receiver)
            }
            Expr::Paren(p) => self.iterates_active(&p.expr),
            Expr::Reference(r) => self.is_active(&r.expr) || self.iterates_active(&r.expr),
            Expr::Path(_) => self.is_active(e),
            _ => false,
        }
    }

    /// Whether the tokens name a local variable for which `pred` holds.
    fn tokens_mention(&self, tokens: TokenStream, pred: &dyn Fn(&Ident) -> bool) -> bool {
        tokens.into_iter().any(|t| match t {
            TokenTree::Ident(id) => self.lookup(&id).is_some_and(|v| pred(&v)),
            TokenTree::Group(g) => self.tokens_mention(g.stream(), pred),
            _ => false,
        })
    }

    fn tokens_mention_active(&self, tokens: TokenStream) -> bool {
        self.tokens_mention(tokens, &|v| self.is_active_var(v))
    }

    fn tokens_mention_local(&self, tokens: TokenStream) -> bool {
        self.tokens_mention(tokens, &|_| true)
    }

    // ---------- blocks and statements ----------

    fn block_with_tail(&mut self, b: &syn::Block) -> syn::Result<(Block, Option<Atom>)> {
        self.scopes.push(HashMap::new());
        let mut out = Block::default();
        let mut tail = None;
        let n = b.stmts.len();
        for (i, s) in b.stmts.iter().enumerate() {
            if i + 1 == n {
                if let SynStmt::Expr(e, None) = s {
                    if !matches!(e, Expr::If(_) | Expr::ForLoop(_) | Expr::While(_))
                        || expr_has_value(e)
                    {
                        tail = Some(self.expr(e, &mut out.stmts)?);
                        break;
                    }
                }
            }
            self.stmt(s, &mut out.stmts)?;
        }
        self.scopes.pop();
        Ok((out, tail))
    }

    fn block_no_tail(&mut self, b: &syn::Block) -> syn::Result<Block> {
        let (mut block, tail) = self.block_with_tail(b)?;
        // A tail in statement position: its value is unused, but an inactive tail may
        // have effects (a call, a macro), so it is kept as a statement.
        if let Some(Atom::Const(t)) = tail {
            self.inactive(quote!(#t;), &mut block.stmts);
        }
        Ok(block)
    }

    fn stmt(&mut self, s: &SynStmt, out: &mut Vec<Stmt>) -> syn::Result<()> {
        match s {
            SynStmt::Local(local) => self.local(local, out),
            SynStmt::Item(item) => Err(err(
                item.span(),
                "hype: items (fn, struct, use, ...) inside a #[differentiable] body are not supported; move them outside the function",
            )),
            SynStmt::Macro(m) => {
                // A macro in tail position has no `;`; in the middle of a block it needs one.
                let (attrs, t) = (&m.attrs, self.verbatim(&m.mac));
                self.inactive(quote!(#(#attrs)* #t;), out);
                Ok(())
            }
            SynStmt::Expr(e, _) => self.expr_stmt(e, out),
        }
    }

    fn local(&mut self, local: &syn::Local, out: &mut Vec<Stmt>) -> syn::Result<()> {
        let (pat, ty) = match &local.pat {
            Pat::Type(pt) => (&*pt.pat, Some(&pt.ty)),
            p => (p, None),
        };
        if let Some(init) = &local.init {
            if let Some((_, diverge)) = &init.diverge {
                return Err(err(diverge.span(), "hype: `let ... else` is not supported in #[differentiable] code; use `if`/`match` on a constant instead"));
            }
        }
        if let (Pat::Ident(pi), Some(init)) = (pat, &local.init) {
            if let Expr::Closure(c) = strip(&init.expr) {
                return self.local_closure(pi, c, out);
            }
        }
        match pat {
            Pat::Ident(pi) => {
                if pi.by_ref.is_some() || pi.subpat.is_some() {
                    return Err(err(pi.span(), "hype: `ref` bindings and `@` patterns are not supported in #[differentiable] code"));
                }
                let mutable = pi.mutability.is_some();
                match &local.init {
                    None => {
                        let var = self.bind(&pi.ident);
                        if mutable {
                            self.mutable.insert(var.to_string());
                        }
                        self.uninit.insert(var.to_string());
                        out.push(Stmt::Declare { var });
                        let _ = ty;
                        Ok(())
                    }
                    Some(init) => {
                        // A block or `if` is lowered first: its activity depends on the
                        // variables it binds inside.
                        let structured = is_structured(&init.expr);
                        let mut active = structured || self.is_active(&init.expr);
                        if let (true, Some(ty)) = (active, ty) {
                            // `collect` of active values is rewritten into a `Vec`.
                            if crate::iterators::is_collect(&init.expr) && !crate::iterators::is_vec(ty) {
                                return Err(err(ty.span(), crate::iterators::COLLECT_INTO));
                            }
                        }
                        let rhs = if active {
                            let rhs = self.rhs(&init.expr, out)?;
                            if structured {
                                active = match &rhs {
                                    Rhs::Copy(a) => self.atom_active(a),
                                    Rhs::Const(_) => false,
                                    _ => true,
                                };
                            }
                            // `let mut r = p;` of a reference parameter: an owned copy,
                            // since `r` is overwritten with owned values later.
                            match rhs {
                                Rhs::Copy(Atom::Var(v))
                                    if mutable
                                        && self.ref_like.contains(&v.to_string())
                                        && self.is_active_var(&v) =>
                                {
                                    Rhs::Prim(prim_rt("to_owned", vec![Atom::Var(v)], vec![], pi.span()))
                                }
                                rhs => rhs,
                            }
                        } else {
                            let mut t = self.verbatim(&init.expr);
                            self.snapshot_mutated(&t, out);
                            if let Some(ty) = ty {
                                let ty = self.verbatim(ty);
                                // A call, not a block: lowered again at order 2, a block
                                // would be taken apart.
                                t = quote_spanned!(init.expr.span()=> ::core::convert::identity::<#ty>(#t));
                            }
                            Rhs::Const(t)
                        };
                        // `let r = &p.field;` of a reference parameter: `r` names the
                        // same borrow (no copy; calls on it keep their pullbacks).
                        if let (false, Expr::Reference(_), Rhs::Copy(Atom::Var(t))) =
                            (mutable, strip(&init.expr), &rhs)
                        {
                            if self.ref_like.contains(&t.to_string()) {
                                let t = t.clone();
                                self.alias(&pi.ident, t);
                                return Ok(());
                            }
                        }
                        let var = self.bind(&pi.ident);
                        if mutable {
                            self.mutable.insert(var.to_string());
                        }
                        if active {
                            self.mark_active(&var);
                        }
                        out.push(Stmt::Let { var, mutable, rhs });
                        Ok(())
                    }
                }
            }
            Pat::Tuple(pt) => {
                let Some(init) = &local.init else {
                    return Err(err(pt.span(), "hype: a destructuring `let` needs a value"));
                };
                let inner = strip(&init.expr);
                match inner {
                    Expr::Tuple(te) if te.elems.len() == pt.elems.len() => {
                        // `let (a, b) = (e1, e2);` is two lets: evaluate all first.
                        let mut rhss = Vec::new();
                        for e in &te.elems {
                            let active = self.is_active(e);
                            let rhs = if active { self.rhs(e, out)? } else { Rhs::Const(self.verbatim(e)) };
                            rhss.push((rhs, active));
                        }
                        for (p, (rhs, active)) in pt.elems.iter().zip(rhss) {
                            if matches!(p, Pat::Wild(_)) {
                                continue; // `_`: nothing bound
                            }
                            let Pat::Ident(pi) = p else {
                                return Err(err(p.span(), "hype: only identifiers and `_` are supported inside a destructuring `let`"));
                            };
                            let mutable = pi.mutability.is_some();
                            let var = self.bind(&pi.ident);
                            if mutable {
                                self.mutable.insert(var.to_string());
                            }
                            if active {
                                self.mark_active(&var);
                            }
                            out.push(Stmt::Let { var, mutable, rhs });
                        }
                        Ok(())
                    }
                    e if !self.is_active(e) => {
                        let value = self.verbatim(e);
                        let tmp = self.tmp("tuple", pt.span());
                        out.push(Stmt::Let { var: tmp.clone(), mutable: false, rhs: Rhs::Const(value) });
                        for (k, p) in pt.elems.iter().enumerate() {
                            if matches!(p, Pat::Wild(_)) {
                                continue; // `_`: nothing bound
                            }
                            let Pat::Ident(pi) = p else {
                                return Err(err(p.span(), "hype: only identifiers and `_` are supported inside a destructuring `let`"));
                            };
                            let idx = syn::Index::from(k);
                            let var = self.bind(&pi.ident);
                            // `mut` is kept: the variable may become active later (sweep seed 5401).
                            if pi.mutability.is_some() {
                                self.mutable.insert(var.to_string());
                            }
                            out.push(Stmt::Let { var, mutable: pi.mutability.is_some(), rhs: Rhs::Const(quote!(#tmp.#idx)) });
                        }
                        Ok(())
                    }
                    e => {
                        // `let (a, b) = f(x);`: bind the tuple, then read its fields.
                        let whole = self.expr(e, out)?;
                        let Atom::Var(whole) = whole else {
                            return Err(err(e.span(), "hype: cannot destructure this value"));
                        };
                        for (k, p) in pt.elems.iter().enumerate() {
                            if matches!(p, Pat::Wild(_)) {
                                continue; // `_`: nothing bound
                            }
                            let Pat::Ident(pi) = p else {
                                return Err(err(p.span(), "hype: only identifiers and `_` are supported inside a destructuring `let`"));
                            };
                            let var = self.bind(&pi.ident);
                            if pi.mutability.is_some() {
                                self.mutable.insert(var.to_string());
                            }
                            self.mark_active(&var);
                            let member = syn::Member::Unnamed(syn::Index { index: k as u32, span: pi.span() });
                            out.push(Stmt::Let {
                                var,
                                mutable: pi.mutability.is_some(),
                                rhs: Rhs::Field { base: whole.clone(), member, owned: true },
                            });
                        }
                        Ok(())
                    }
                }
            }
            Pat::Wild(_) => {
                if let Some(init) = &local.init {
                    if self.is_active(&init.expr) {
                        self.rhs(&init.expr, out)?;
                    } else {
                        self.inactive(self.verbatim(local), out);
                    }
                }
                Ok(())
            }
            p => Err(err(p.span(), "hype: this pattern is not supported in a `let` of #[differentiable] code; use a name or a tuple of names")),
        }
    }

    fn expr_stmt(&mut self, e: &Expr, out: &mut Vec<Stmt>) -> syn::Result<()> {
        match e {
            Expr::Assign(a) => self.assign(e, &a.left, &a.right, None, out),
            Expr::Binary(b) if compound_op(&b.op).is_some() => {
                self.assign(e, &b.left, &b.right, compound_op(&b.op), out)
            }
            Expr::If(i) => {
                let s = self.if_stmt(i, None, out)?;
                out.push(s);
                Ok(())
            }
            Expr::ForLoop(f) => self.for_loop(f, out),
            Expr::While(w) => self.while_loop(w, out),
            Expr::MethodCall(m)
                if self.push_target(m).is_some() && self.is_active(&m.args[0])
                    || self.push_target(m).is_some_and(|v| self.is_active_var(&v)) =>
            {
                let var = self.push_target(m).expect("checked");
                let value = if self.is_active(&m.args[0]) {
                    self.expr(&m.args[0], out)?
                } else {
                    let t = self.verbatim(&m.args[0]);
                    self.snapshot_mutated(&t, out);
                    Atom::Const(t)
                };
                self.mark_active(&var);
                out.push(Stmt::Push { var, value });
                Ok(())
            }
            Expr::Block(b) if b.label.is_none() && b.attrs.is_empty() => {
                let block = self.block_no_tail(&b.block)?;
                out.extend(block.stmts);
                Ok(())
            }
            Expr::Macro(m) => {
                let t = self.verbatim(m);
                self.inactive(quote!(#t;), out);
                Ok(())
            }
            e => {
                if let Some(msg) = unsupported(e) {
                    return Err(err(e.span(), msg));
                }
                if self.is_active(e) {
                    self.expr(e, out)?;
                } else {
                    let t = self.verbatim(e);
                    self.inactive(quote!(#t;), out);
                }
                Ok(())
            }
        }
    }

    fn assign(
        &mut self,
        whole: &Expr,
        left: &Expr,
        right: &Expr,
        op: Option<&'static str>,
        out: &mut Vec<Stmt>,
    ) -> syn::Result<()> {
        let span = whole.span();
        match strip(left) {
            Expr::Path(p) if p.path.get_ident().is_some() => {
                let id = p.path.get_ident().expect("checked");
                let Some(var) = self.lookup(id) else {
                    return Err(err(id.span(), format!("hype: cannot assign to `{id}`: only local variables can be assigned in #[differentiable] code")));
                };
                let right_active = self.is_active(right) || (op.is_some() && self.is_active_var(&var));
                let rhs = match op {
                    None if self.is_active(right) => self.rhs(right, out)?,
                    None => {
                        let t = self.verbatim(right);
                        self.snapshot_mutated(&t, out);
                        Rhs::Const(t)
                    }
                    Some(name) if right_active => {
                        let r = self.expr(right, out)?;
                        Rhs::Prim(prim_rt(name, vec![Atom::Var(var.clone()), r], vec![], span))
                    }
                    Some(name) => {
                        // An inactive compound assignment (`k += 2`): still taped, because
                        // the reverse sweep may index with `k`.
                        let sym = op_symbol(name, span);
                        let r = self.verbatim(right);
                        self.snapshot_mutated(&r, out);
                        // `&k + 1`: by reference, so that arrays are not moved.
                        Rhs::Const(quote_spanned!(span=> &#var #sym (#r)))
                    }
                };
                // A call's pullback needs a binding of its own.
                let rhs = match rhs {
                    Rhs::Call { .. } => {
                        let t = self.tmp("t", span);
                        self.mark_active(&t);
                        out.push(Stmt::Let { var: t.clone(), mutable: false, rhs });
                        Rhs::Copy(Atom::Var(t))
                    }
                    r => r,
                };
                if right_active {
                    self.mark_active(&var);
                }
                if self.uninit.remove(&var.to_string()) {
                    out.push(Stmt::Init { var, rhs });
                } else {
                    out.push(Stmt::Assign { var, rhs });
                }
                Ok(())
            }
            Expr::Index(ix) => {
                let Expr::Path(p) = strip(&ix.expr) else {
                    return Err(err(ix.expr.span(), "hype: indexed assignment needs a local array variable on the left (`a[i] = ...`)"));
                };
                let Some(var) = p.path.get_ident().and_then(|id| self.lookup(id)) else {
                    return Err(err(ix.expr.span(), "hype: indexed assignment needs a local array variable on the left (`a[i] = ...`)"));
                };
                let index = self.verbatim(&ix.index);
                // Kept across passes (binding sites inside are keyed by address).
                let key = right as *const Expr as usize;
                let value_expr = match self.rewrites.values.get(&key) {
                    Some(e) => e.clone(),
                    None => {
                        let e: Expr = match op {
                            None => right.clone(),
                            Some(name) => {
                                let sym = op_symbol(name, span);
                                syn::parse_quote_spanned!(span=> #left #sym (#right))
                            }
                        };
                        let e = std::rc::Rc::new(e);
                        self.rewrites.values.insert(key, e.clone());
                        e
                    }
                };
                let value_expr: &Expr = &value_expr;
                let active = self.is_active(value_expr);
                // An inactive store is an IndexAssign too, not verbatim code: the
                // backward sweep restores the element, since rules may read the array.
                let value = if active {
                    self.expr(value_expr, out)?
                } else {
                    let t = self.verbatim(&value_expr);
                    self.snapshot_mutated(&t, out);
                    Atom::Const(t)
                };
                if active {
                    self.mark_active(&var);
                }
                out.push(Stmt::IndexAssign { var, index, value });
                Ok(())
            }
            l => Err(err(l.span(), "hype: only local variables and elements of local arrays can be assigned in #[differentiable] code (no `*r = ...`, no field assignment); build a new value instead")),
        }
    }

    fn if_stmt(
        &mut self,
        i: &syn::ExprIf,
        result: Option<&Ident>,
        out: &mut Vec<Stmt>,
    ) -> syn::Result<Stmt> {
        if let Expr::Let(l) = &*i.cond {
            return Err(err(l.span(), "hype: `if let` is not supported in #[differentiable] code; use `if` on a boolean or `match` on a constant"));
        }
        let cond = self.tmp("cond", i.cond.span());
        let c = self.verbatim(&i.cond);
        out.push(Stmt::Let {
            var: cond.clone(),
            mutable: false,
            rhs: Rhs::Const(c),
        });
        // A variable is initialized after the `if` only if both branches did it.
        let before = self.uninit.clone();
        let then = self.branch(&i.then_branch, result)?;
        let after_then = std::mem::replace(&mut self.uninit, before);
        let els = match &i.else_branch {
            None => {
                if result.is_some() {
                    return Err(err(
                        i.span(),
                        "hype: an `if` used as a value needs an `else` branch",
                    ));
                }
                Block::default()
            }
            Some((_, e)) => match &**e {
                Expr::Block(b) => self.branch(&b.block, result)?,
                Expr::If(inner) => {
                    let mut stmts = Vec::new();
                    self.scopes.push(HashMap::new());
                    let s = self.if_stmt(inner, result, &mut stmts)?;
                    self.scopes.pop();
                    stmts.push(s);
                    Block { stmts }
                }
                other => return Err(err(other.span(), "hype: unexpected `else` branch")),
            },
        };
        self.uninit.extend(after_then);
        Ok(Stmt::If { cond, then, els })
    }

    fn branch(&mut self, b: &syn::Block, result: Option<&Ident>) -> syn::Result<Block> {
        let (mut block, tail) = self.block_with_tail(b)?;
        match (result, tail) {
            (Some(r), Some(t)) => {
                if self.atom_active(&t) {
                    self.mark_active(r);
                }
                block.stmts.push(Stmt::Init {
                    var: r.clone(),
                    rhs: Rhs::Copy(t),
                });
            }
            (Some(_), None) => {
                return Err(err(
                    b.span(),
                    "hype: this branch of an `if` used as a value has no value",
                ))
            }
            _ => {}
        }
        Ok(block)
    }

    fn atom_active(&self, a: &Atom) -> bool {
        matches!(a, Atom::Var(v) if self.is_active_var(v))
    }

    /// `let f = |x| body;`: remembered (with the bindings its body sees) and inlined at
    /// every call; a closure that reads no active variable is also kept as written, for
    /// calls in constant code.
    fn local_closure(
        &mut self,
        pi: &syn::PatIdent,
        c: &syn::ExprClosure,
        out: &mut Vec<Stmt>,
    ) -> syn::Result<()> {
        let mut params = HashSet::new();
        for p in &c.inputs {
            crate::types::collect_idents(p.to_token_stream(), &mut params);
        }
        let mut names = HashSet::new();
        crate::types::collect_idents(c.body.to_token_stream(), &mut names);
        let mut captures: Vec<(String, Option<Ident>)> = names
            .into_iter()
            .filter(|n| !params.contains(n))
            .map(|n| {
                let at = self.lookup_str(&n).cloned();
                (n, at)
            })
            .collect();
        captures.sort_by(|a, b| a.0.cmp(&b.0));
        let active = self.tokens_mention_active(c.body.to_token_stream());
        if !active {
            let t = self.verbatim(c);
            let name = &pi.ident;
            out.push(Stmt::Inactive(quote_spanned!(pi.span()=> let #name = #t;)));
        }
        let var = self.bind(&pi.ident);
        self.closures.insert(
            var.to_string(),
            std::rc::Rc::new(LocalClosure {
                closure: c.clone(),
                captures,
            }),
        );
        Ok(())
    }

    fn local_closure_of(&self, path: &syn::Path) -> Option<std::rc::Rc<LocalClosure>> {
        let id = path.get_ident()?;
        let var = self.lookup(id)?;
        self.closures.get(&var.to_string()).cloned()
    }

    fn local_closure_call(&self, c: &syn::ExprCall) -> Option<std::rc::Rc<LocalClosure>> {
        match strip(&c.func) {
            Expr::Path(p) => self.local_closure_of(&p.path),
            _ => None,
        }
    }

    fn for_loop(&mut self, f: &syn::ExprForLoop, out: &mut Vec<Stmt>) -> syn::Result<()> {
        if f.label.is_some() {
            return Err(err(
                f.span(),
                "hype: loop labels are not supported in #[differentiable] code",
            ));
        }
        let iter = self.verbatim(&f.expr);
        if self.is_active(&f.expr)
            || self.iterates_active(&f.expr)
            || self.iterates_local_by_ref(&f.expr)
        {
            // Iterating over an active container: an index loop instead.
            let key = f as *const syn::ExprForLoop as usize;
            let stmts = match self.rewrites.loops.get(&key) {
                Some(s) => s.clone(),
                None => {
                    let s =
                        std::rc::Rc::new(crate::iterators::for_loop(f, &mut self.rewrites.fresh)?);
                    self.rewrites.loops.insert(key, s.clone());
                    s
                }
            };
            for s in stmts.iter() {
                self.stmt(s, out)?;
            }
            return Ok(());
        }
        let counter = self.tmp("trips", f.span());
        out.push(Stmt::Let {
            var: counter.clone(),
            mutable: true,
            rhs: Rhs::Const(quote!(0usize)),
        });
        self.mutable.insert(counter.to_string());
        let plain_name = matches!(&*f.pat, Pat::Ident(pi)
            if pi.subpat.is_none() && pi.mutability.is_none() && pi.by_ref.is_none());
        let (iter, replay) = match range_loop(&f.expr) {
            Some(r) if plain_name => self.bind_range(&r, f.expr.span(), out),
            _ => (iter, None),
        };
        self.scopes.push(HashMap::new());
        let mut pat_vars = Vec::new();
        let pat = self.loop_pattern(&f.pat, &mut pat_vars)?;
        let body = self.block_no_tail(&f.body)?;
        self.scopes.pop();
        out.push(Stmt::For {
            pat,
            pat_vars,
            iter,
            counter,
            body,
            replay,
        });
        Ok(())
    }

    /// Binds the bounds (and step) of a range loop to variables, so the backward sweep
    /// can recompute each trip's index from them: the iterator over those variables,
    /// and how to replay it.
    fn bind_range(
        &mut self,
        r: &RangeLoop,
        span: Span,
        out: &mut Vec<Stmt>,
    ) -> (TokenStream, Option<Replay>) {
        let mut bind = |this: &mut Self, prefix: &str, e: &Expr| {
            let v = this.tmp(prefix, span);
            let value = this.verbatim(e);
            out.push(Stmt::Let {
                var: v.clone(),
                mutable: false,
                rhs: Rhs::Const(value),
            });
            v
        };
        let lo = bind(self, "lo", r.lo);
        let hi = bind(self, "hi", r.hi);
        let range = if r.inclusive {
            quote_spanned!(span=> #lo..=#hi)
        } else {
            quote_spanned!(span=> #lo..#hi)
        };
        match r.kind {
            RangeKind::Up => (range, Some(Replay::Up { lo })),
            RangeKind::Rev => (
                quote_spanned!(span=> (#range).rev()),
                Some(Replay::Down {
                    hi,
                    inclusive: r.inclusive,
                }),
            ),
            RangeKind::Step(step) => {
                let step = bind(self, "step", step);
                (
                    quote_spanned!(span=> (#range).step_by(#step)),
                    Some(Replay::Step { lo, step }),
                )
            }
        }
    }

    fn loop_pattern(&mut self, p: &Pat, vars: &mut Vec<Ident>) -> syn::Result<TokenStream> {
        match p {
            Pat::Ident(pi) if pi.subpat.is_none() => {
                let v = self.bind(&pi.ident);
                vars.push(v.clone());
                Ok(quote!(#v))
            }
            Pat::Wild(w) => Ok(quote!(#w)),
            Pat::Reference(r) => {
                let inner = self.loop_pattern(&r.pat, vars)?;
                Ok(quote!(&#inner))
            }
            Pat::Tuple(t) => {
                let mut parts = Vec::new();
                for e in &t.elems {
                    parts.push(self.loop_pattern(e, vars)?);
                }
                Ok(quote!((#(#parts),*)))
            }
            other => Err(err(other.span(), "hype: this loop pattern is not supported; use a name, `&name`, `_` or a tuple of those")),
        }
    }

    fn while_loop(&mut self, w: &syn::ExprWhile, out: &mut Vec<Stmt>) -> syn::Result<()> {
        if w.label.is_some() {
            return Err(err(
                w.span(),
                "hype: loop labels are not supported in #[differentiable] code",
            ));
        }
        if let Expr::Let(l) = &*w.cond {
            return Err(err(l.span(), "hype: `while let` is not supported in #[differentiable] code; use `while` on a boolean"));
        }
        let counter = self.tmp("trips", w.span());
        out.push(Stmt::Let {
            var: counter.clone(),
            mutable: true,
            rhs: Rhs::Const(quote!(0usize)),
        });
        self.mutable.insert(counter.to_string());
        let cond = self.verbatim(&w.cond);
        let body = self.block_no_tail(&w.body)?;
        out.push(Stmt::While {
            cond,
            counter,
            body,
        });
        Ok(())
    }

    // ---------- expressions ----------

    /// Lowers an expression to an atom, binding intermediates with lets.
    fn expr(&mut self, e: &Expr, out: &mut Vec<Stmt>) -> syn::Result<Atom> {
        if let Some(msg) = unsupported(e) {
            return Err(err(e.span(), msg));
        }
        if let Expr::Path(p) = strip(e) {
            if self.local_closure_of(&p.path).is_some() {
                return Err(err(e.span(), "hype: a closure bound to a local is inlined where it is called (`f(x)`); it cannot be passed on as a value in #[differentiable] code"));
            }
        }
        if !is_structured(e) && !self.is_active(e) {
            return Ok(Atom::Const(self.verbatim(e)));
        }
        match e {
            Expr::Path(p) => {
                let id = p.path.get_ident().expect("active paths are locals");
                Ok(Atom::Var(self.lookup(id).expect("active paths are locals")))
            }
            Expr::Paren(p) => self.expr(&p.expr, out),
            Expr::Group(g) => self.expr(&g.expr, out),
            Expr::Field(f) => {
                // As an operand, a field is borrowed: no copy of the array.
                let base = self.expr(&f.base, out)?;
                let Atom::Var(base) = base else {
                    return Err(err(
                        f.span(),
                        "hype: field access needs an active struct variable",
                    ));
                };
                let t = self.tmp("t", f.span());
                self.mark_active(&t);
                // Borrow only through references; a field of a local is copied, since
                // the reverse sweep moves the local into its closure.
                let owned = !self.ref_like.contains(&base.to_string());
                if !owned {
                    self.ref_like.insert(t.to_string());
                }
                out.push(Stmt::Let {
                    var: t.clone(),
                    mutable: false,
                    rhs: Rhs::Field {
                        base,
                        member: f.member.clone(),
                        owned,
                    },
                });
                Ok(Atom::Var(t))
            }
            Expr::Reference(r) => self.expr(&r.expr, out),
            Expr::Unary(u) if matches!(u.op, UnOp::Deref(_)) => self.expr(&u.expr, out),
            _ => {
                let rhs = self.rhs(e, out)?;
                if let Rhs::Copy(a) = &rhs {
                    return Ok(a.clone());
                }
                let t = self.tmp("t", e.span());

                self.mark_active(&t);
                out.push(Stmt::Let {
                    var: t.clone(),
                    mutable: false,
                    rhs,
                });
                Ok(Atom::Var(t))
            }
        }
    }

    /// Lowers an active expression to a right-hand side.
    /// Lowers an argument of a primitive. A constant one computed from locals is
    /// bound once: derivative code names it twice (value and rule), and `v - 0.5` on
    /// an array moves `v`.
    fn operand(&mut self, e: &Expr, out: &mut Vec<Stmt>) -> syn::Result<Atom> {
        let atom = self.expr(e, out)?;
        match atom {
            // The user's tokens, not the renamed code: scopes map the names as written.
            Atom::Const(code)
                if consumes_operands(e) && self.tokens_mention_local(e.to_token_stream()) =>
            {
                let c = self.tmp("c", e.span());
                out.push(Stmt::Let {
                    var: c.clone(),
                    mutable: false,
                    rhs: Rhs::Const(code),
                });
                Ok(Atom::Const(quote!(#c)))
            }
            atom => Ok(atom),
        }
    }

    fn rhs(&mut self, e: &Expr, out: &mut Vec<Stmt>) -> syn::Result<Rhs> {
        if let Some(msg) = unsupported(e) {
            return Err(err(e.span(), msg));
        }
        let span = e.span();
        match e {
            Expr::Path(_) | Expr::Paren(_) | Expr::Group(_) | Expr::Reference(_) => Ok(Rhs::Copy(self.expr(e, out)?)),
            Expr::Unary(u) => match u.op {
                UnOp::Neg(_) => {
                    let a = self.operand(&u.expr, out)?;
                    Ok(Rhs::Prim(prim_rt("neg", vec![a], vec![], span)))
                }
                UnOp::Deref(_) => Ok(Rhs::Copy(self.expr(&u.expr, out)?)),
                _ => Ok(Rhs::Const(self.verbatim(e))),
            },
            Expr::Binary(b) => {
                let name = match b.op {
                    BinOp::Add(_) => "add",
                    BinOp::Sub(_) => "sub",
                    BinOp::Mul(_) => "mul",
                    BinOp::Div(_) => "div",
                    _ => {
                        return Err(err(b.op.span(), format!("hype: the operator `{}` is not differentiable; supported: + - * / and unary -", b.op.to_token_stream())))
                    }
                };
                let l = self.operand(&b.left, out)?;
                let r = self.operand(&b.right, out)?;
                Ok(Rhs::Prim(prim_rt(name, vec![l, r], vec![], span)))
            }
            Expr::MethodCall(m) => self.method_call(m, out),
            Expr::Call(c) => self.call(c, out),
            Expr::Index(ix) => {
                let Expr::Path(p) = strip(&ix.expr) else {
                    return Err(err(ix.expr.span(), "hype: indexing is supported on local variables (`x[i]`); bind the array to a variable first"));
                };
                let Some(base) = p.path.get_ident().and_then(|id| self.lookup(id)) else {
                    return Err(err(ix.expr.span(), "hype: indexing is supported on local variables (`x[i]`)"));
                };
                if let Expr::Range(r) = strip(&ix.index) {
                    // `&v[..]` is all of `v` (a call coerces it as it would `v`); a part
                    // of an active sequence has no rule yet.
                    if r.start.is_none() && r.end.is_none() {
                        return Ok(Rhs::Copy(Atom::Var(base)));
                    }
                    return Err(syn::Error::new_spanned(&ix.index, "hype: a part `x[a..b]` of an active sequence is not supported in #[differentiable] code; pass the whole sequence with an offset and a length, or read elements `x[i]` in a loop"));
                }
                let index = self.verbatim(&ix.index);
                let owned = !self.ref_like.contains(&base.to_string());
                Ok(Rhs::Index { base, index, owned })
            }
            Expr::If(i) => {
                let r = self.tmp("ifv", span);
                out.push(Stmt::Declare { var: r.clone() });
                let s = self.if_stmt(i, Some(&r), out)?;
                out.push(s);
                Ok(Rhs::Copy(Atom::Var(r)))
            }
            Expr::Block(b) => {
                let (block, tail) = self.block_with_tail(&b.block)?;
                out.extend(block.stmts);
                Ok(Rhs::Copy(tail.unwrap_or(Atom::Const(quote!(())))))
            }
            Expr::Lit(_) | Expr::Cast(_) => Ok(Rhs::Const(self.verbatim(e))),
            Expr::Field(f) => {
                let base = self.expr(&f.base, out)?;
                let Atom::Var(base) = base else {
                    return Err(err(f.span(), "hype: field access needs an active struct variable"));
                };
                Ok(Rhs::Field { base, member: f.member.clone(), owned: true })
            }
            Expr::Struct(st) => {
                if let Some(rest) = &st.rest {
                    return Err(err(rest.span(), "hype: `..base` in a struct literal is not supported in #[differentiable] code; list every field"));
                }
                let path = self.verbatim(&st.path);
                let mut fields = Vec::new();
                for fv in &st.fields {
                    fields.push((fv.member.clone(), self.expr(&fv.expr, out)?));
                }
                Ok(Rhs::Struct { path, fields })
            }
            Expr::Tuple(t) => {
                let mut elems = Vec::new();
                for e in &t.elems {
                    elems.push(self.expr(e, out)?);
                }
                Ok(Rhs::Tuple(elems))
            }
            Expr::Macro(m) if is_array_macro(&m.mac.path) => self.array_macro(m, out),
            Expr::Macro(m) if m.mac.path.is_ident("vec") => self.vec_macro(m, out),
            Expr::Macro(m) => Err(err(m.span(), "hype: macros other than `array![..]` and `vec![..]` cannot produce active values in #[differentiable] code; compute the value with ordinary expressions")),
            other => Err(err(other.span(), "hype: this expression is not supported in #[differentiable] code")),
        }
    }

    /// `array![a, b]` / `array![[a, b], [c, d]]` with active scalars.
    /// `vec![a, b, ..]` of active values: a new `Vec` and one push per element.
    fn vec_macro(&mut self, m: &syn::ExprMacro, out: &mut Vec<Stmt>) -> syn::Result<Rhs> {
        use syn::punctuated::Punctuated;
        let key = m as *const syn::ExprMacro as usize;
        let parsed = match self.rewrites.exprs.get(&key) {
            Some(e) => e.clone(),
            None => {
                if let Some(e) =
                    crate::iterators::vec_repeat(&m.mac.tokens, m.span(), &mut self.rewrites.fresh)
                {
                    // `vec![value; n]`: a loop of pushes, lowered as the user's would be.
                    let e = std::rc::Rc::new(e);
                    self.rewrites.exprs.insert(key, e.clone());
                    return self.rhs(&e, out);
                }
                let parser = Punctuated::<Expr, syn::Token![,]>::parse_terminated;
                let elems = syn::parse::Parser::parse2(parser, m.mac.tokens.clone()).map_err(|_| {
                    err(m.span(), "hype: `vec![..]` of active values takes `vec![a, b, ..]` or `vec![value; n]`")
                })?;
                let e = std::rc::Rc::new(Expr::Array(syn::ExprArray {
                    attrs: Vec::new(),
                    bracket_token: Default::default(),
                    elems,
                }));
                self.rewrites.exprs.insert(key, e.clone());
                e
            }
        };
        let parsed = match &*parsed {
            Expr::Array(a) => a,
            repeat => return self.rhs(repeat, out),
        };
        let v = self.tmp("v", m.span());
        out.push(Stmt::Let {
            var: v.clone(),
            mutable: true,
            rhs: Rhs::Const(quote!(::std::vec::Vec::new())),
        });
        self.mutable.insert(v.to_string());
        self.mark_active(&v);
        for e in &parsed.elems {
            let value = self.expr(e, out)?;
            out.push(Stmt::Push {
                var: v.clone(),
                value,
            });
        }
        Ok(Rhs::Copy(Atom::Var(v)))
    }

    fn array_macro(&mut self, m: &syn::ExprMacro, out: &mut Vec<Stmt>) -> syn::Result<Rhs> {
        use syn::punctuated::Punctuated;
        let parser = Punctuated::<Expr, syn::Token![,]>::parse_terminated;
        // Parsed once and kept across passes (binding sites are keyed by address).
        let key = m as *const syn::ExprMacro as usize;
        let parsed = match self.rewrites.exprs.get(&key) {
            Some(e) => e.clone(),
            None => {
                let elems = syn::parse::Parser::parse2(parser, m.mac.tokens.clone())?;
                let e = std::rc::Rc::new(Expr::Array(syn::ExprArray {
                    attrs: Vec::new(),
                    bracket_token: Default::default(),
                    elems,
                }));
                self.rewrites.exprs.insert(key, e.clone());
                e
            }
        };
        let parsed = match &*parsed {
            Expr::Array(a) => a,
            repeat => return self.rhs(repeat, out),
        };
        let elems = &parsed.elems;
        let two_d = elems.iter().all(|e| matches!(e, Expr::Array(_))) && !elems.is_empty();
        let mut rows = Vec::new();
        if two_d {
            for e in elems {
                let Expr::Array(row) = e else {
                    unreachable!("checked")
                };
                let mut r = Vec::new();
                for x in &row.elems {
                    r.push(self.expr(x, out)?);
                }
                rows.push(r);
            }
        } else {
            let mut r = Vec::new();
            for x in elems {
                if matches!(x, Expr::Array(_)) {
                    return Err(err(x.span(), "hype: mixed rows in `array![..]`"));
                }
                r.push(self.expr(x, out)?);
            }
            rows.push(r);
        }
        Ok(Rhs::Stack { rows, two_d })
    }

    fn method_call(&mut self, m: &syn::ExprMethodCall, out: &mut Vec<Stmt>) -> syn::Result<Rhs> {
        let name = m.method.to_string();
        // Iterator reductions and `mapv`: rewritten into loops / array expressions.
        let key = m as *const syn::ExprMethodCall as usize;
        let rewrite = |e: &Expr, this: &mut Self| -> syn::Result<Option<Expr>> {
            let me = Expr::MethodCall(m.clone());
            if crate::iterators::is_reduction(&me) {
                // The accumulator's literal takes the function's float type.
                let r = crate::iterators::reduction(
                    &me,
                    &mut this.rewrites.fresh,
                    &this.rewrites.float,
                )?;
                return Ok(Some(r));
            }
            let closure_arg = matches!(m.args.first(), Some(Expr::Closure(_)))
                || (name == "mapv" && matches!(m.args.first(), Some(Expr::Path(_))));
            if (name == "mapv" || name == "map" || name == "mapv_into") && closure_arg {
                return crate::iterators::mapv(m).map(Some);
            }
            let _ = e;
            Ok(None)
        };
        let cached = self.rewrites.exprs.get(&key).cloned();
        let rewritten = match cached {
            Some(e) => Some(e),
            None => {
                let me = Expr::MethodCall(m.clone());
                match rewrite(&me, self)? {
                    Some(e) => {
                        let e = std::rc::Rc::new(e);
                        self.rewrites.exprs.insert(key, e.clone());
                        Some(e)
                    }
                    None => None,
                }
            }
        };
        if let Some(e) = rewritten {
            return self.rhs(&e, out);
        }
        if name == "unwrap" || name == "expect" {
            // `x.mean_axis(ax).unwrap()`: the runtime's primitive returns the value itself.
            return Ok(Rhs::Copy(self.expr(&m.receiver, out)?));
        }
        let on_self = matches!(strip(&m.receiver), Expr::Path(p) if p.path.is_ident("self"));
        if on_self
            && primitives::by_method(&name).is_none()
            && !ops_table::COPY_METHODS.contains(&name.as_str())
        {
            // `self.other(..)`: another #[differentiable] method of the same impl.
            let method = &m.method;
            let func: syn::Path = syn::parse_quote_spanned!(method.span()=> Self::#method);
            let recv = (self.expr(&m.receiver, out)?, ArgForm::Value);
            return self.call_rhs(func, Some(recv), &m.args, m.span(), false, out);
        }
        if name == "view" {
            return Ok(Rhs::Copy(self.expr(&m.receiver, out)?));
        }
        if ops_table::COPY_METHODS.contains(&name.as_str()) {
            // An owned copy (of a reference parameter too): the `to_owned` primitive.
            let a = self.expr(&m.receiver, out)?;
            return Ok(Rhs::Prim(prim_rt(
                "to_owned",
                vec![a],
                vec![],
                m.method.span(),
            )));
        }
        if primitives::by_method(&name).is_none()
            && !ops_table::NON_DIFFERENTIABLE_METHODS.contains(&name.as_str())
        {
            // `value.method(..)`: a #[differentiable] method of a user type.
            let method = &m.method;
            let func: syn::Path = syn::parse_quote_spanned!(method.span()=> #method);
            let recv = (self.expr(&m.receiver, out)?, ArgForm::Ref);
            return self.call_rhs(func, Some(recv), &m.args, m.span(), true, out);
        }
        let Some(op) = primitives::by_method(&name) else {
            let known = primitives::method_names();
            return Err(err(
                m.method.span(),
                format!(
                    "hype: the method `{name}` has no derivative rule; differentiable methods are: {}, clone, to_owned; shape methods (len, shape, ...) are constants. Write it with these, or give it a custom rule",
                    known.join(", ")
                ),
            ));
        };
        // The receiver is value argument 0.
        let (value_args, static_args) = (op.values - 1, op.statics);
        if m.args.len() != value_args + static_args {
            return Err(err(
                m.span(),
                format!(
                    "hype: `{name}` takes {} argument(s)",
                    value_args + static_args
                ),
            ));
        }
        let mut args = vec![self.operand(&m.receiver, out)?];
        let mut statics = Vec::new();
        for (k, a) in m.args.iter().enumerate() {
            if k < value_args {
                args.push(self.operand(a, out)?);
            } else {
                if self.is_active(a) {
                    return Err(err(
                        a.span(),
                        format!("hype: this argument of `{name}` must be a constant"),
                    ));
                }
                statics.push(self.verbatim(a));
            }
        }
        let mut prim = prim_rt(op.op, args, statics, m.method.span());
        if op.view {
            // Views of references stay views; views of locals are copied (see
            // hype_runtime::rt::owned_views).
            let recv_ref =
                matches!(&prim.args[0], Atom::Var(v) if self.ref_like.contains(&v.to_string()));
            if !recv_ref {
                let owned = Ident::new(&format!("{}_owned", op.op), m.method.span());
                prim.path = quote_spanned!(m.method.span()=> ::hype::rt::#owned);
            } else {
                prim.view = true;
            }
        }
        Ok(Rhs::Prim(prim))
    }

    fn call(&mut self, c: &syn::ExprCall, out: &mut Vec<Stmt>) -> syn::Result<Rhs> {
        if let Expr::Macro(m) = strip(&c.func) {
            return self.operator_call(m, c, out);
        }
        if let Some(def) = self.local_closure_call(c) {
            for (name, at_definition) in &def.captures {
                if self.lookup_str(name) != at_definition.as_ref() {
                    return Err(err(c.span(), format!("hype: the closure called here reads `{name}`, which is bound again between its definition and this call; rename one of them")));
                }
            }
            let key = c as *const syn::ExprCall as usize;
            let inlined = match self.rewrites.exprs.get(&key) {
                Some(e) => e.clone(),
                None => {
                    let args: Vec<Expr> = c.args.iter().cloned().collect();
                    let e = std::rc::Rc::new(crate::iterators::apply(&def.closure, &args)?);
                    self.rewrites.exprs.insert(key, e.clone());
                    e
                }
            };
            return self.rhs(&inlined, out);
        }
        let Expr::Path(p) = strip(&c.func) else {
            return Err(err(
                c.func.span(),
                "hype: only calls of functions by path are supported in #[differentiable] code",
            ));
        };
        if let Some(q) = &p.qself {
            return Err(err(
                q.ty.span(),
                "hype: qualified paths `<T>::f(..)` are not supported in #[differentiable] code; write `T::f(..)`",
            ));
        }
        let path = &p.path;
        let last = path.segments.last().expect("paths are not empty");
        let name = last.ident.to_string();
        let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        // `f64::max(x, y)`: the method call `x.max(y)`.
        if let ([ty, _], Some(first)) = (segs.as_slice(), c.args.first()) {
            if (ty == "f64" || ty == "f32") && primitives::by_method(&name).is_some() {
                // Kept across passes: lowering keys binding sites (and rewrites inside
                // the arguments) by the address of the syntax.
                let key = c as *const syn::ExprCall as usize;
                let e = match self.rewrites.exprs.get(&key) {
                    Some(e) => e.clone(),
                    None => {
                        let e = std::rc::Rc::new(Expr::MethodCall(syn::ExprMethodCall {
                            attrs: Vec::new(),
                            receiver: Box::new(first.clone()),
                            dot_token: Default::default(),
                            method: last.ident.clone(),
                            turbofish: None,
                            paren_token: c.paren_token,
                            args: c.args.iter().skip(1).cloned().collect(),
                        }));
                        self.rewrites.exprs.insert(key, e.clone());
                        e
                    }
                };
                if let Expr::MethodCall(m) = &*e {
                    return self.method_call(m, out);
                }
            }
        }
        // `Clone::clone(&v)`: a copy of any type (derivative code writes copies so).
        if segs == ["core", "clone", "Clone", "clone"] && c.args.len() == 1 {
            let a = self.expr(&c.args[0], out)?;
            if matches!(strip(&c.args[0]), Expr::Reference(_)) {
                return Ok(Rhs::Copy(a));
            }
            // `Clone::clone(r)` of a reference `r` (a tangent parameter of `f__dir`):
            // an owned copy, as `r.clone()`, not the reference itself.
            return Ok(Rhs::Prim(prim_rt("to_owned", vec![a], vec![], c.span())));
        }
        // `::hype::rt::at(&x, i)`: derivative code's element read `x[i]`.
        if (segs == ["hype", "rt", "at"] || segs == ["hype", "rt", "at_owned"]) && c.args.len() == 2
        {
            let base = match strip(&c.args[0]) {
                Expr::Reference(r) => &*r.expr,
                e => e,
            };
            let key = c as *const syn::ExprCall as usize;
            let e = match self.rewrites.exprs.get(&key) {
                Some(e) => e.clone(),
                None => {
                    let e = std::rc::Rc::new(Expr::Index(syn::ExprIndex {
                        attrs: Vec::new(),
                        expr: Box::new(base.clone()),
                        bracket_token: Default::default(),
                        index: Box::new(c.args[1].clone()),
                    }));
                    self.rewrites.exprs.insert(key, e.clone());
                    e
                }
            };
            return self.rhs(&e, out);
        }
        // Derivative code names primitives by path: `::hype::rt::mul(&a, &b)`.
        let rt_op = match segs.as_slice() {
            [h, m, n] if h == "hype" && m == "rt" => {
                primitives::by_path(Module::Rt, n).map(|p| (quote!(::hype::rt), p.op, p.values))
            }
            [h, m, n] if h == "hype" && m == "ops" => {
                primitives::by_path(Module::Ops, n).map(|p| (quote!(::hype::ops), p.op, p.values))
            }
            _ => None,
        };
        if let Some((module, op, nvalues)) = rt_op {
            let mut args = Vec::new();
            let mut statics = Vec::new();
            for (k, a) in c.args.iter().enumerate() {
                if k < nvalues {
                    args.push(self.operand(a, out)?);
                } else {
                    statics.push(self.verbatim(a));
                }
            }
            let ident = Ident::new(op, last.ident.span());
            let fname = &last.ident;
            return Ok(Rhs::Prim(Prim {
                path: quote_spanned!(last.ident.span()=> #module::#fname),
                module,
                name: ident,
                args,
                statics,
                span: c.span(),
                view: false,
            }));
        }
        let is_ops_path = segs.len() == 1
            || (segs.len() == 2 && segs[0] == "ops")
            || (segs.len() == 3 && segs[0] == "hype" && segs[1] == "ops");
        // Elementwise math by bare name (`sin(x)`) is more likely a user function.
        let ops_fn = primitives::by_ops_function(&name, segs.len() == 1).map(|p| p.values);
        if let (true, Some(nvalues)) = (is_ops_path, ops_fn) {
            let mut args = Vec::new();
            let mut statics = Vec::new();
            for (k, a) in c.args.iter().enumerate() {
                if k < nvalues {
                    args.push(self.operand(a, out)?);
                } else {
                    statics.push(self.verbatim(a));
                }
            }
            let ident = Ident::new(&name, last.ident.span());
            return Ok(Rhs::Prim(Prim {
                path: quote_spanned!(last.ident.span()=> ::hype::ops::#ident),
                module: quote!(::hype::ops),
                name: ident,
                args,
                statics,
                span: c.span(),
                view: false,
            }));
        }
        self.call_rhs(path.clone(), None, &c.args, c.span(), false, out)
    }

    /// A derivative operator applied inside differentiated code:
    /// * `grad!(f)(args..)`: a call of `f__grad`, whose own derivative code
    ///   (`f__grad__fwd`, `f__grad__rev`) is generated by `#[differentiable(order = 2)]`;
    /// * `diff!(|y: f64| body)(a)` / `grad!(..)` on such a closure: the closure's
    ///   tangent code inline, in a block this lowering reads like user code. Its
    ///   captures are the enclosing function's variables, differentiated by the
    ///   enclosing transform; the inner tangent has its own name, so the two
    ///   derivatives never mix (no perturbation confusion).
    fn operator_call(
        &mut self,
        m: &syn::ExprMacro,
        c: &syn::ExprCall,
        out: &mut Vec<Stmt>,
    ) -> syn::Result<Rhs> {
        let op = m
            .mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        let inner: Expr = syn::parse2(m.mac.tokens.clone())?;
        match (op.as_str(), strip(&inner)) {
            ("grad", Expr::Path(p)) if p.qself.is_none() => {
                let func = crate::names::sibling_path(&p.path, "grad");
                self.call_rhs(func, None, &c.args, c.span(), false, out)
            }
            ("grad" | "diff", Expr::Closure(cl)) => {
                if c.args.len() != 1 || cl.inputs.len() != 1 {
                    return Err(err(c.span(), format!("hype: inside #[differentiable] code, {op}! on a closure takes one f64 argument (`{op}!(|y: f64| ..)(a)`); for more, write a #[differentiable(order = 2)] function and use grad!(f)")));
                }
                let fty = match &cl.inputs[0] {
                    Pat::Type(t) if crate::float::is_scalar(&t.ty) => t.ty.clone(),
                    _ => Box::new(syn::parse_quote!(f64)),
                };
                let ok = matches!(&cl.inputs[0], Pat::Type(t) if crate::float::is_scalar(&t.ty) && !matches!(&*t.ty, syn::Type::Reference(_)));
                if !ok {
                    return Err(err(cl.inputs[0].span(), format!("hype: inside #[differentiable] code, {op}! on a closure needs an f64 parameter written with its type (`|y: f64| ..`)")));
                }
                let key = c as *const syn::ExprCall as usize;
                if let Some(block) = self.rewrites.operator_blocks.get(&key).cloned() {
                    let atom = self.expr(&block, out)?;
                    return Ok(Rhs::Copy(atom));
                }
                let ir = closure_ir(cl)?;
                self.counter += 1;
                let dir = crate::dir::Dir {
                    f: &ir,
                    level: 100 + self.counter,
                };
                let body = dir.block(&ir.body)?;
                let y = &ir.params[0].name;
                let yd = dir.d(y);
                let ret = match &ir.ret {
                    Atom::Var(v) if ir.is_active(v) => {
                        let d = dir.d(v);
                        quote!(#d)
                    }
                    _ => quote!(0.0),
                };
                let a = &c.args[0];
                let block: Expr = syn::parse2(quote!({
                    let #y: #fty = #a;
                    let #yd: #fty = 1.0;
                    #body
                    #ret
                }))?;
                let block = std::rc::Rc::new(block);
                self.rewrites.operator_blocks.insert(key, block.clone());
                let atom = self.expr(&block, out)?;
                Ok(Rhs::Copy(atom))
            }
            _ => Err(err(m.span(), format!("hype: inside #[differentiable] code, `{op}!` is supported as `grad!(f)(..)` on a #[differentiable(order = 2)] function and as `grad!`/`diff!` on a closure of one f64; compute other derivatives outside"))),
        }
    }

    /// A call of a `#[differentiable]` function or method: its arguments lowered with
    /// the form they were written in (`&e` or `e`).
    fn call_rhs(
        &mut self,
        func: syn::Path,
        receiver: Option<(Atom, ArgForm)>,
        call_args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
        span: Span,
        method: bool,
        out: &mut Vec<Stmt>,
    ) -> syn::Result<Rhs> {
        let mut args: Vec<(Atom, ArgForm)> = receiver.into_iter().collect();
        for a in call_args {
            // `&e` is passed as `&(e)`: the operand is `e`, so a constant argument is
            // never borrowed twice (`&&x` would not coerce to a generic parameter).
            let (operand, form) = match strip(a) {
                Expr::Reference(r) if r.mutability.is_none() => (&*r.expr, ArgForm::Ref),
                _ => (a, ArgForm::Value),
            };
            let atom = self.expr(operand, out)?;
            let form = match &atom {
                Atom::Var(v)
                    if form == ArgForm::Value && self.ref_like.contains(&v.to_string()) =>
                {
                    ArgForm::Shared
                }
                _ => form,
            };
            args.push((atom, form));
        }
        let recompute = self.borrows_local(&args);
        Ok(Rhs::Call {
            func,
            args,
            span,
            recompute,
            method,
        })
    }

    /// Whether a call borrows something other than a reference parameter (or a
    /// field of one): a local or a temporary, which a kept pullback cannot borrow.
    fn borrows_local(&self, args: &[(Atom, ArgForm)]) -> bool {
        args.iter().any(|(a, form)| {
            *form == ArgForm::Ref
                && match a {
                    Atom::Var(v) => !self.ref_like.contains(&v.to_string()),
                    Atom::Const(t) => {
                        let mut it = t.clone().into_iter();
                        match (it.next(), it.next()) {
                            (Some(TokenTree::Ident(id)), None) => {
                                !self.ref_like.contains(&id.to_string())
                            }
                            _ => true,
                        }
                    }
                }
        })
    }
}

/// The runtime primitive `::hype::rt::name`.
pub fn prim_rt(name: &str, args: Vec<Atom>, statics: Vec<TokenStream>, span: Span) -> Prim {
    let ident = Ident::new(name, span);
    Prim {
        path: quote_spanned!(span=> ::hype::rt::#ident),
        module: quote!(::hype::rt),
        name: ident,
        args,
        statics,
        span,
        view: false,
    }
}

/// `array![..]`, also by path (`::hype::ndarray::array![..]` in derivative code).
/// Macros whose value is never a differentiable number.
fn is_effect_macro(p: &syn::Path) -> bool {
    p.segments.last().is_some_and(|s| {
        matches!(
            s.ident.to_string().as_str(),
            "format"
                | "println"
                | "print"
                | "eprintln"
                | "eprint"
                | "write"
                | "writeln"
                | "assert"
                | "assert_eq"
                | "assert_ne"
                | "debug_assert"
                | "debug_assert_eq"
                | "debug_assert_ne"
                | "panic"
                | "matches"
                | "todo"
                | "unimplemented"
                | "unreachable"
                | "stringify"
                | "concat"
                | "format_args"
        )
    })
}

fn is_array_macro(p: &syn::Path) -> bool {
    p.segments.last().is_some_and(|s| s.ident == "array")
}

/// A call of a runtime function that computes a constant (a shape, zeros).
fn is_const_fn(f: &Expr) -> bool {
    let Expr::Path(p) = strip(f) else {
        return false;
    };
    let segs: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    segs.len() == 3 && segs[0] == "hype" && ops_table::CONST_FUNCTIONS.contains(&segs[2].as_str())
}

fn strip(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip(&p.expr),
        Expr::Group(g) => strip(&g.expr),
        e => e,
    }
}

/// A constant operand computed by an operator or a call, which may consume locals by
/// value (`v - 0.5`, `k.sum()`); plain names, literals, casts and references are not.
fn consumes_operands(e: &Expr) -> bool {
    match strip(e) {
        Expr::Binary(_) | Expr::MethodCall(_) | Expr::Call(_) => true,
        // `-v` moves an owned array `v` too (sweep seed 5102 f258).
        Expr::Unary(u) => !matches!(strip(&u.expr), Expr::Lit(_)),
        _ => false,
    }
}

/// Blocks and `if`s: lowered before their activity is known.
fn is_structured(e: &Expr) -> bool {
    matches!(strip(e), Expr::Block(_) | Expr::If(_))
}

fn block_tail(b: &syn::Block) -> Option<&Expr> {
    match b.stmts.last() {
        Some(SynStmt::Expr(e, None)) => Some(e),
        _ => None,
    }
}

fn expr_has_value(e: &Expr) -> bool {
    match e {
        // A branch ending in a loop (or an `if` without value) has no value either.
        Expr::If(i) => {
            block_tail(&i.then_branch).is_some_and(expr_has_value) && i.else_branch.is_some()
        }
        Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) => false,
        _ => true,
    }
}

fn is_logic(op: &BinOp) -> bool {
    matches!(
        op,
        BinOp::And(_)
            | BinOp::Or(_)
            | BinOp::Eq(_)
            | BinOp::Lt(_)
            | BinOp::Le(_)
            | BinOp::Ne(_)
            | BinOp::Ge(_)
            | BinOp::Gt(_)
    )
}

fn op_symbol(name: &str, span: Span) -> TokenStream {
    match name {
        "add" => quote_spanned!(span=> +),
        "sub" => quote_spanned!(span=> -),
        "mul" => quote_spanned!(span=> *),
        _ => quote_spanned!(span=> /),
    }
}

fn compound_op(op: &BinOp) -> Option<&'static str> {
    match op {
        BinOp::AddAssign(_) => Some("add"),
        BinOp::SubAssign(_) => Some("sub"),
        BinOp::MulAssign(_) => Some("mul"),
        BinOp::DivAssign(_) => Some("div"),
        _ => None,
    }
}

/// A `for` loop's iterator written as a range with both bounds: `lo..hi`, `lo..=hi`,
/// optionally `.rev()` or `.step_by(step)`.
struct RangeLoop<'e> {
    lo: &'e Expr,
    hi: &'e Expr,
    inclusive: bool,
    kind: RangeKind<'e>,
}

enum RangeKind<'e> {
    Up,
    Rev,
    Step(&'e Expr),
}

fn range_loop(e: &Expr) -> Option<RangeLoop<'_>> {
    fn unparen(e: &Expr) -> &Expr {
        match e {
            Expr::Paren(p) => unparen(&p.expr),
            Expr::Group(g) => unparen(&g.expr),
            e => e,
        }
    }
    fn bounds(e: &Expr) -> Option<(&Expr, &Expr, bool)> {
        match unparen(e) {
            Expr::Range(r) if r.attrs.is_empty() => {
                let inclusive = matches!(r.limits, syn::RangeLimits::Closed(_));
                Some((r.start.as_deref()?, r.end.as_deref()?, inclusive))
            }
            _ => None,
        }
    }
    let (inner, kind) = match unparen(e) {
        Expr::MethodCall(m) if m.turbofish.is_none() && m.method == "rev" && m.args.is_empty() => {
            (&*m.receiver, RangeKind::Rev)
        }
        Expr::MethodCall(m)
            if m.turbofish.is_none() && m.method == "step_by" && m.args.len() == 1 =>
        {
            (&*m.receiver, RangeKind::Step(&m.args[0]))
        }
        other => (other, RangeKind::Up),
    };
    let (lo, hi, inclusive) = bounds(inner)?;
    Some(RangeLoop {
        lo,
        hi,
        inclusive,
        kind,
    })
}
