//! Rewrites of the body into the core subset before checking and lowering:
//! * `match` on constants becomes an `if`/`else if` chain over `matches!`;
//! * `loop`, `break` and `continue` become `while` loops with boolean flags, the
//!   statements after a possible jump being guarded by the flags;
//! * an early `return` (outside loops) moves the rest of the function into the
//!   branches, so that the function ends with one value.

use proc_macro2::Span;
use quote::quote_spanned;
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Expr, Pat};

// Rewritten code is built as syntax trees, never by re-parsing printed tokens: any
// valid input must give a valid output (the no-panic property tests check it).

fn block_of(stmts: Vec<syn::Stmt>) -> syn::Block {
    syn::Block {
        brace_token: Default::default(),
        stmts: sealed(stmts),
    }
}

fn block_expr(b: syn::Block) -> Expr {
    Expr::Block(syn::ExprBlock {
        attrs: Vec::new(),
        label: None,
        block: b,
    })
}

/// An expression as a block: a plain block stays itself.
fn as_block(e: &Expr) -> syn::Block {
    match e {
        Expr::Block(b) if b.attrs.is_empty() && b.label.is_none() => b.block.clone(),
        other => block_of(vec![syn::Stmt::Expr(other.clone(), None)]),
    }
}

/// Expression statements before the last one get a `;` unless block-like, so the
/// sequence prints as valid Rust.
fn sealed(mut stmts: Vec<syn::Stmt>) -> Vec<syn::Stmt> {
    let n = stmts.len();
    for s in stmts.iter_mut().take(n.saturating_sub(1)) {
        if let syn::Stmt::Expr(e, semi @ None) = s {
            let block_like = matches!(
                e,
                Expr::Block(_)
                    | Expr::If(_)
                    | Expr::While(_)
                    | Expr::ForLoop(_)
                    | Expr::Loop(_)
                    | Expr::Match(_)
                    | Expr::Unsafe(_)
            );
            if !block_like {
                *semi = Some(Default::default());
            }
        }
    }
    stmts
}

fn let_stmt(name: &syn::Ident, mutable: bool, init: Expr) -> syn::Stmt {
    syn::Stmt::Local(syn::Local {
        attrs: Vec::new(),
        let_token: Default::default(),
        pat: Pat::Ident(syn::PatIdent {
            attrs: Vec::new(),
            by_ref: None,
            mutability: mutable.then(Default::default),
            ident: name.clone(),
            subpat: None,
        }),
        init: Some(syn::LocalInit {
            eq_token: Default::default(),
            expr: Box::new(init),
            diverge: None,
        }),
        semi_token: Default::default(),
    })
}

fn if_expr(cond: Expr, then: syn::Block, els: Option<Expr>) -> Expr {
    Expr::If(syn::ExprIf {
        attrs: Vec::new(),
        if_token: Default::default(),
        cond: Box::new(cond),
        then_branch: then,
        else_branch: els.map(|e| (Default::default(), Box::new(e))),
    })
}

fn while_expr(cond: Expr, body: Vec<syn::Stmt>) -> Expr {
    Expr::While(syn::ExprWhile {
        attrs: Vec::new(),
        label: None,
        while_token: Default::default(),
        cond: Box::new(cond),
        body: block_of(body),
    })
}

fn paren(e: Expr) -> Expr {
    Expr::Paren(syn::ExprParen {
        attrs: Vec::new(),
        paren_token: Default::default(),
        expr: Box::new(e),
    })
}

struct Desugar {
    errors: Vec<syn::Error>,
    counter: usize,
}

/// Whether a pattern binds no variable (so that `matches!` can test it).
fn binds_nothing(p: &Pat) -> Result<(), Span> {
    match p {
        Pat::Lit(_) | Pat::Range(_) | Pat::Wild(_) | Pat::Path(_) | Pat::Rest(_) => Ok(()),
        Pat::Ident(pi) => {
            // Upper-case names are constants and unit variants; others would bind.
            if pi.subpat.is_none() && pi.ident.to_string().starts_with(|c: char| c.is_uppercase()) {
                Ok(())
            } else {
                Err(pi.span())
            }
        }
        Pat::Or(o) => o.cases.iter().try_for_each(binds_nothing),
        Pat::Tuple(t) => t.elems.iter().try_for_each(binds_nothing),
        Pat::TupleStruct(t) => t.elems.iter().try_for_each(binds_nothing),
        Pat::Struct(s) => s.fields.iter().try_for_each(|f| binds_nothing(&f.pat)),
        Pat::Slice(s) => s.elems.iter().try_for_each(binds_nothing),
        Pat::Paren(p) => binds_nothing(&p.pat),
        Pat::Reference(r) => binds_nothing(&r.pat),
        other => Err(other.span()),
    }
}

impl Desugar {
    fn lower_match(&mut self, m: &syn::ExprMatch) -> Option<Expr> {
        for arm in &m.arms {
            // A plain name binds the whole (constant) scrutinee: allowed.
            let whole =
                matches!(&arm.pat, Pat::Ident(pi) if pi.subpat.is_none() && pi.by_ref.is_none());
            if let (false, Err(span)) = (whole, binds_nothing(&arm.pat)) {
                self.errors.push(syn::Error::new(
                    span,
                    "hype: `match` in #[differentiable] code supports patterns that bind nothing (literals, ranges, constants, `_`, `|`); use `if` for the rest",
                ));
                return None;
            }
        }
        let span = m.span();
        self.counter += 1;
        let scrut = syn::Ident::new(&format!("__hype_match{}", self.counter), span);
        let e = &m.expr;
        let arms: Vec<&syn::Arm> = m.arms.iter().collect();
        let (last, rest) = arms.split_last()?;
        let body = |a: &syn::Arm| -> syn::Block {
            let inner = as_block(&a.body);
            match &a.pat {
                Pat::Ident(pi) if binds_nothing(&a.pat).is_err() => {
                    let bind = let_stmt(&pi.ident, false, syn::parse_quote!(#scrut));
                    let mut stmts = vec![bind];
                    stmts.push(syn::Stmt::Expr(block_expr(inner), None));
                    block_of(stmts)
                }
                _ => inner,
            }
        };
        let mut chain: Expr = block_expr(body(last));
        for a in rest.iter().rev() {
            let pat = &a.pat;
            let guard = a
                .guard
                .as_ref()
                .map(|(_, g)| quote_spanned!(g.span()=> if #g));
            let cond: Expr =
                syn::parse_quote_spanned!(a.span()=> ::core::matches!(#scrut, #pat #guard));
            chain = if_expr(cond, body(a), Some(chain));
        }
        let stmts = vec![
            let_stmt(&scrut, false, (**e).clone()),
            syn::Stmt::Expr(chain, None),
        ];
        // Parenthesized: a block may stand where it would end an expression
        // (`for i in 0..{ .. }.min(n)`).
        Some(paren(block_expr(block_of(stmts))))
    }
}

/// Finds `break`/`continue` (not inside closures) in an expression or statement.
struct FindJump {
    found: bool,
    span: Option<Span>,
    kind: Jump,
}

#[derive(Clone, Copy, PartialEq)]
enum Jump {
    BreakOrContinue,
    Return,
}

impl<'ast> syn::visit::Visit<'ast> for FindJump {
    fn visit_expr(&mut self, e: &'ast Expr) {
        match (e, self.kind) {
            (Expr::Break(_) | Expr::Continue(_), Jump::BreakOrContinue)
            | (Expr::Return(_), Jump::Return) => {
                if !self.found {
                    self.span = Some(e.span());
                }
                self.found = true
            }
            (Expr::Closure(_), _) => {}
            _ => syn::visit::visit_expr(self, e),
        }
    }
    fn visit_item(&mut self, _i: &'ast syn::Item) {}
}

fn has_jump(s: &syn::Stmt, kind: Jump) -> bool {
    jump_span(s, kind).is_some()
}

fn jump_span(s: &syn::Stmt, kind: Jump) -> Option<Span> {
    let mut f = FindJump {
        found: false,
        span: None,
        kind,
    };
    syn::visit::Visit::visit_stmt(&mut f, s);
    f.span
}

fn stmt_expr(s: &syn::Stmt) -> Option<&Expr> {
    match s {
        syn::Stmt::Expr(e, _) => Some(strip_parens(e)),
        _ => None,
    }
}

fn strip_parens(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip_parens(&p.expr),
        e => e,
    }
}

impl Desugar {
    /// Rewrites the statements of a loop body: `break`/`continue` set flags and the
    /// statements after a statement that may jump run only if no flag is set.
    fn jumps(
        &mut self,
        stmts: &[syn::Stmt],
        brk: &syn::Ident,
        cont: &syn::Ident,
    ) -> Vec<syn::Stmt> {
        let mut out = Vec::new();
        for (i, s) in stmts.iter().enumerate() {
            if !has_jump(s, Jump::BreakOrContinue) {
                out.push(s.clone());
                continue;
            }
            match stmt_expr(s) {
                Some(Expr::Break(b)) => {
                    if b.label.is_some() || b.expr.is_some() {
                        self.errors.push(syn::Error::new(b.span(), "hype: `break` with a label or a value is not supported in #[differentiable] code"));
                    }
                    out.push(syn::parse_quote_spanned!(b.span()=> #brk = true;));
                    return out;
                }
                Some(Expr::Continue(c)) => {
                    if c.label.is_some() {
                        self.errors.push(syn::Error::new(c.span(), "hype: `continue` with a label is not supported in #[differentiable] code"));
                    }
                    out.push(syn::parse_quote_spanned!(c.span()=> #cont = true;));
                    return out;
                }
                Some(Expr::If(ifx)) => {
                    let new_if = self.jumps_in_if(ifx, brk, cont);
                    out.push(syn::Stmt::Expr(Expr::If(new_if), Some(Default::default())));
                }
                Some(Expr::Block(b)) => {
                    let inner = self.jumps(&b.block.stmts, brk, cont);
                    out.push(syn::Stmt::Expr(block_expr(block_of(inner)), None));
                }
                _ => {
                    self.errors.push(syn::Error::new(s.span(), "hype: `break`/`continue` is supported as a statement of the loop body or of an `if` inside it"));
                    return out;
                }
            }
            let rest = self.jumps(&stmts[i + 1..], brk, cont);
            if !rest.is_empty() {
                let cond: Expr = syn::parse_quote!(!#brk && !#cont);
                out.push(syn::Stmt::Expr(if_expr(cond, block_of(rest), None), None));
            }
            return out;
        }
        out
    }

    fn jumps_in_if(
        &mut self,
        ifx: &syn::ExprIf,
        brk: &syn::Ident,
        cont: &syn::Ident,
    ) -> syn::ExprIf {
        let mut new_if = ifx.clone();
        new_if.then_branch.stmts = self.jumps(&ifx.then_branch.stmts, brk, cont);
        if let Some((_, e)) = &mut new_if.else_branch {
            match &mut **e {
                Expr::Block(b) => b.block.stmts = self.jumps(&b.block.stmts, brk, cont),
                Expr::If(inner) => *inner = self.jumps_in_if(inner, brk, cont),
                _ => {}
            }
        }
        new_if
    }

    /// `{ let mut brk = false; let mut cont = false; <loop> }` where the loop body
    /// starts with `cont = false;`.
    fn flagged_loop(
        &self,
        brk: &syn::Ident,
        cont: &syn::Ident,
        make: impl FnOnce(syn::Stmt) -> Expr,
    ) -> Expr {
        let reset: syn::Stmt = syn::parse_quote!(#cont = false;);
        let stmts = vec![
            let_stmt(brk, true, syn::parse_quote!(false)),
            let_stmt(cont, true, syn::parse_quote!(false)),
            syn::Stmt::Expr(make(reset), None),
        ];
        block_expr(block_of(stmts))
    }

    fn flags(&mut self, span: Span) -> (syn::Ident, syn::Ident) {
        self.counter += 1;
        (
            syn::Ident::new(&format!("__hype_break{}", self.counter), span),
            syn::Ident::new(&format!("__hype_continue{}", self.counter), span),
        )
    }

    fn lower_loop(&mut self, e: &Expr) -> Option<Expr> {
        let span = e.span();
        match e {
            Expr::Loop(l) => {
                if l.label.is_some() {
                    self.errors.push(syn::Error::new(
                        span,
                        "hype: loop labels are not supported in #[differentiable] code",
                    ));
                    return None;
                }
                let (brk, cont) = self.flags(span);
                let body = self.jumps(&l.body.stmts, &brk, &cont);
                let cond: Expr = syn::parse_quote!(!#brk);
                Some(self.flagged_loop(&brk, &cont, |reset| {
                    while_expr(cond, [vec![reset], body].concat())
                }))
            }
            Expr::While(w)
                if w.body
                    .stmts
                    .iter()
                    .any(|s| has_jump(s, Jump::BreakOrContinue)) =>
            {
                let (brk, cont) = self.flags(span);
                let body = self.jumps(&w.body.stmts, &brk, &cont);
                let inner = paren((*w.cond).clone());
                let cond: Expr = syn::parse_quote!(!#brk && #inner);
                Some(self.flagged_loop(&brk, &cont, |reset| {
                    while_expr(cond, [vec![reset], body].concat())
                }))
            }
            Expr::ForLoop(f)
                if f.body
                    .stmts
                    .iter()
                    .any(|s| has_jump(s, Jump::BreakOrContinue)) =>
            {
                // A `for` cannot stop early without `break`: the remaining trips do nothing.
                let (brk, cont) = self.flags(span);
                let body = self.jumps(&f.body.stmts, &brk, &cont);
                let mut new_for = f.clone();
                Some(self.flagged_loop(&brk, &cont, |reset| {
                    let cond: Expr = syn::parse_quote!(!#brk);
                    let guarded = if_expr(cond, block_of([vec![reset], body].concat()), None);
                    new_for.body = block_of(vec![syn::Stmt::Expr(guarded, None)]);
                    Expr::ForLoop(new_for)
                }))
            }
            _ => None,
        }
    }
}

impl VisitMut for Desugar {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        if let Expr::Match(m) = e {
            if let Some(new) = self.lower_match(m) {
                *e = new;
            }
        }
        if let Some(new) = self.lower_loop(e) {
            *e = new;
        }
    }

    fn visit_expr_closure_mut(&mut self, _c: &mut syn::ExprClosure) {}

    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        syn::visit_mut::visit_block_mut(self, b);
        // A `match` statement rewritten into a parenthesized block needs its `;`.
        b.stmts = sealed(std::mem::take(&mut b.stmts));
    }

    fn visit_item_mut(&mut self, _i: &mut syn::Item) {}
}

/// Moves the statements after an early `return` into the branches, so that the
/// function ends with its value.
fn returns(stmts: &[syn::Stmt], errors: &mut Vec<syn::Error>) -> Vec<syn::Stmt> {
    let Some(i) = stmts.iter().position(|s| has_jump(s, Jump::Return)) else {
        return stmts.to_vec();
    };
    let mut out: Vec<syn::Stmt> = stmts[..i].to_vec();
    let rest = &stmts[i + 1..];
    match stmt_expr(&stmts[i]) {
        Some(Expr::Return(r)) => {
            let value: Expr = match &r.expr {
                Some(v) => (**v).clone(),
                None => syn::parse_quote!(()),
            };
            out.push(syn::Stmt::Expr(value, None));
        }
        Some(Expr::If(ifx)) => {
            let new_if = returns_in_if(ifx, rest, errors);
            out.push(syn::Stmt::Expr(Expr::If(new_if), None));
        }
        _ => errors.push(syn::Error::new(
            jump_span(&stmts[i], Jump::Return).unwrap_or_else(|| stmts[i].span()),
            "hype: `return` is supported at the top level of the function or inside `if` branches there, not inside loops or nested expressions; use a variable and `break`",
        )),
    }
    out
}

fn returns_in_if(
    ifx: &syn::ExprIf,
    rest: &[syn::Stmt],
    errors: &mut Vec<syn::Error>,
) -> syn::ExprIf {
    // A branch's own value is discarded when statements follow it.
    let then_plus_rest = |stmts: &[syn::Stmt]| -> Vec<syn::Stmt> {
        let mut v = stmts.to_vec();
        if !rest.is_empty() {
            if let Some(syn::Stmt::Expr(_, semi @ None)) = v.last_mut() {
                *semi = Some(Default::default());
            }
        }
        v.extend(rest.iter().cloned());
        v
    };
    let mut new_if = ifx.clone();
    new_if.then_branch = block_of(returns(&then_plus_rest(&ifx.then_branch.stmts), errors));
    let els: syn::Block = match &ifx.else_branch {
        None => block_of(returns(rest, errors)),
        Some((_, e)) => match &**e {
            Expr::Block(b) => block_of(returns(&then_plus_rest(&b.block.stmts), errors)),
            Expr::If(inner) => {
                let inner = returns_in_if(inner, rest, errors);
                block_of(vec![syn::Stmt::Expr(Expr::If(inner), None)])
            }
            other => {
                errors.push(syn::Error::new(
                    other.span(),
                    "hype: unexpected `else` branch",
                ));
                return new_if;
            }
        },
    };
    new_if.else_branch = Some((Default::default(), Box::new(block_expr(els))));
    new_if
}

/// Rewrites `body` in place; errors for what cannot be rewritten.
pub fn body(block: &mut syn::Block) -> syn::Result<()> {
    let mut d = Desugar {
        errors: Vec::new(),
        counter: 0,
    };
    d.visit_block_mut(block);
    block.stmts = returns(&block.stmts, &mut d.errors);
    match d.errors.into_iter().reduce(|mut a, b| {
        a.combine(b);
        a
    }) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
