//! Syntax-tree mutations: the input is parsed (as an item, else as an expression),
//! one expression or statement is replaced, removed, duplicated or wrapped, and the
//! tree is printed again. The result still parses, so it reaches the later stages of
//! the transform. An input that does not parse is returned unchanged.

use super::Mutation;
use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{Expr, Stmt};

/// Expressions an expression may be replaced with.
const EXPR_POOL: &[&str] = &[
    "x",
    "1.0",
    "x * y",
    "x.sin()",
    "inner(x, 2.0)",
    "if x > 0.0 { x } else { 1.0 }",
    "if x > 0.0 { x }",
    "{ let t = x; t }",
    "x[i]",
    "(x, y)",
    "x as f64",
    "loop { break; }",
    "loop { if x > 1.0 { break; } }",
    "match k { 0 => x, 1 | 2 => y, _ => 1.0 }",
    "match k { 0 => 'a: { x }, _ => y }",
    "match k { z => z }",
    "match k {}",
    "|v: f64| v * x",
    "return x",
    "return",
    "break",
    "continue",
    "y.dot(&x)",
    "array![x, 1.0]",
    "Layer { w: x, b: y }",
    "p.w",
    "self.w",
    "self.loss(x)",
    "Self::loss(x)",
    "'a: { x }",
    "{ x } as f64",
    "unsafe { x }",
    "async { x }",
    "x?",
    "x.await",
    "-x",
    "!x",
    "*x",
    "&x",
    "&mut x",
    "x = y",
    "s += x",
    "y[i] = x",
    "ops::sigmoid(&x)",
    "ops::cross_entropy_on_linear(&x, y)",
    "r#type",
    "x % 2.0",
    "x.powi(2)",
    "x.mean_axis(Axis(0)).unwrap()",
    "x.frobnicate()",
    "(x,)",
    "()",
    "[x, y]",
    "0..n",
    "x.0",
    "f(x)(y)",
    "(|v: f64| v)(x)",
    "m::f::<f64>(x)",
    "<f64 as Float>::sin(x)",
    "format!(\"{}\", x)",
    "while x > 0.0 { x = x - 1.0; }",
    "for i in 0..n { s += x[i]; }",
    "for v in x.iter() { s += v; }",
    "if let Some(v) = o { v } else { x }",
    "x.len() as f64",
    "x.shape()[0]",
    "__hype_ret",
    "t1",
    "x_dot",
    "Self",
    "self",
];

/// Statements a statement may be replaced with or that may be inserted.
const STMT_POOL: &[&str] = &[
    "let y = x;",
    "let mut s = 0.0;",
    "let r#k = x;",
    "let (a, b) = (x, y);",
    "let (a, b) = t;",
    "let _ = x;",
    "let v;",
    "let Some(v) = o else { panic!() };",
    "s += x;",
    "s = s * x;",
    "y[i] = x;",
    "y[i] += x;",
    "return x;",
    "return;",
    "break;",
    "continue;",
    "if x > 0.0 { return x; }",
    "if x > 0.0 { return x; } else { 1.0 }",
    "if x > 0.0 { return x; } else if x < 0.0 { 2.0 } else { 3.0; }",
    "if x > 0.0 { break; }",
    "{ 1.0 }",
    "x;",
    "x",
    "println!(\"{}\", x);",
    "fn g() {}",
    "struct Q;",
    "loop { break; }",
    "while s < 1.0 { s += x; if s > 0.5 { continue; } }",
    "match k { 0 => { s += x; } _ => {} }",
    "*r = x;",
    "p.w = x;",
];

/// Wrappers of an expression (`@` is the expression).
const WRAPS: &[&str] = &[
    "(@)",
    "{ @ }",
    "-@",
    "(@).sin()",
    "if k > 0 { @ } else { @ }",
    "match k { 0 => @, _ => @ }",
    "loop { break @; }",
    "inner(@, 2.0)",
    "&@",
    "(@) as f64",
    "'a: { @ }",
    "{ @ } as f64",
    "{ @ } + 1.0",
    "if x > 0.0 { @ } else { 1.0 } * 2.0",
    "(@, @)",
    "[@]",
    "unsafe { @ }",
    "@?",
    "#[allow(unused)] @",
];

#[derive(Clone)]
enum Tree {
    Item(syn::Item),
    Expr(Expr),
}

impl Tree {
    fn parse(ts: &TokenStream) -> Option<Tree> {
        if let Ok(i) = syn::parse2::<syn::Item>(ts.clone()) {
            return Some(Tree::Item(i));
        }
        syn::parse2::<Expr>(ts.clone()).ok().map(Tree::Expr)
    }

    fn visit(&self, v: &mut impl for<'a> Visit<'a>) {
        match self {
            Tree::Item(i) => v.visit_item(i),
            Tree::Expr(e) => v.visit_expr(e),
        }
    }

    fn visit_mut(&mut self, v: &mut impl VisitMut) {
        match self {
            Tree::Item(i) => v.visit_item_mut(i),
            Tree::Expr(e) => v.visit_expr_mut(e),
        }
    }

    fn tokens(&self) -> TokenStream {
        match self {
            Tree::Item(i) => i.to_token_stream(),
            Tree::Expr(e) => e.to_token_stream(),
        }
    }
}

/// Every expression, in preorder.
#[derive(Default)]
struct Exprs(Vec<Expr>);

impl<'ast> Visit<'ast> for Exprs {
    fn visit_expr(&mut self, e: &'ast Expr) {
        self.0.push(e.clone());
        syn::visit::visit_expr(self, e);
    }
}

/// Replaces the `target`-th expression (preorder) by `f(old)`.
struct ReplaceExpr<'f> {
    target: usize,
    count: usize,
    f: &'f mut dyn FnMut(&Expr) -> Option<Expr>,
}

impl VisitMut for ReplaceExpr<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        let k = self.count;
        self.count += 1;
        if k == self.target {
            if let Some(new) = (self.f)(e) {
                *e = new;
            }
            return;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
}

/// Applies `f` to the statements of the `target`-th block (of every block if `None`),
/// counting the blocks.
struct EditBlock<'f> {
    target: Option<usize>,
    count: usize,
    f: &'f mut dyn FnMut(&mut Vec<Stmt>),
}

impl VisitMut for EditBlock<'_> {
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        let k = self.count;
        self.count += 1;
        if self.target.is_none_or(|t| t == k) {
            (self.f)(&mut b.stmts);
        }
        syn::visit_mut::visit_block_mut(self, b);
    }
}

fn pool_expr(k: u32) -> Option<Expr> {
    syn::parse_str(EXPR_POOL[k as usize % EXPR_POOL.len()]).ok()
}

fn pool_stmt(k: u32) -> Option<Stmt> {
    syn::parse_str(STMT_POOL[k as usize % STMT_POOL.len()]).ok()
}

/// Applies syntax-tree mutation `m` (kinds 12..18) to `ts`.
pub fn mutate(ts: TokenStream, m: Mutation) -> TokenStream {
    let Some(mut tree) = Tree::parse(&ts) else {
        return ts;
    };
    let mut all = Exprs::default();
    tree.visit(&mut all);
    let exprs = all.0;
    let n_exprs = exprs.len().max(1);
    let replace = |tree: &mut Tree, f: &mut dyn FnMut(&Expr) -> Option<Expr>| {
        tree.visit_mut(&mut ReplaceExpr {
            target: m.a as usize % n_exprs,
            count: 0,
            f,
        });
    };
    match m.kind {
        // an expression from the pool
        12 => replace(&mut tree, &mut |_| pool_expr(m.b)),
        // an expression copied from elsewhere in the same input
        13 => {
            let copy = exprs.get(m.b as usize % n_exprs).cloned();
            replace(&mut tree, &mut |_| copy.clone());
        }
        // an expression wrapped
        14 => replace(&mut tree, &mut |e| {
            let text = e.to_token_stream().to_string();
            let w = WRAPS[m.b as usize % WRAPS.len()].replace('@', &text);
            syn::parse_str(&w).ok()
        }),
        // statement edits in one block
        _ => {
            let mut blocks = EditBlock {
                target: None,
                count: 0,
                f: &mut |_| {},
            };
            tree.visit_mut(&mut blocks);
            if blocks.count == 0 {
                return ts;
            }
            let target = m.a as usize % blocks.count;
            let mut f = |stmts: &mut Vec<Stmt>| {
                let len = stmts.len();
                let at = m.b as usize % (len + 1);
                match m.kind {
                    // delete a statement
                    15 if len > 0 => {
                        stmts.remove(at % len);
                    }
                    // duplicate a statement, or swap two
                    16 if len > 0 => {
                        if m.c % 2 == 0 {
                            let s = stmts[at % len].clone();
                            stmts.insert(at % len, s);
                        } else {
                            stmts.swap(at % len, m.c as usize % len);
                        }
                    }
                    // insert a statement from the pool, or replace one with it
                    _ => {
                        if let Some(s) = pool_stmt(m.c) {
                            if m.c % 3 == 0 && len > 0 {
                                stmts[at % len] = s;
                            } else {
                                stmts.insert(at, s);
                            }
                        }
                    }
                }
            };
            tree.visit_mut(&mut EditBlock {
                target: Some(target),
                count: 0,
                f: &mut f,
            });
        }
    }
    tree.tokens()
}

/// Every expression in preorder, with the indices of its direct subexpressions.
#[derive(Default)]
struct Tree2 {
    exprs: Vec<Expr>,
    children: Vec<Vec<usize>>,
    stack: Vec<usize>,
}

impl<'ast> Visit<'ast> for Tree2 {
    fn visit_expr(&mut self, e: &'ast Expr) {
        let k = self.exprs.len();
        self.exprs.push(e.clone());
        self.children.push(Vec::new());
        if let Some(&parent) = self.stack.last() {
            self.children[parent].push(k);
        }
        self.stack.push(k);
        syn::visit::visit_expr(self, e);
        self.stack.pop();
    }
}

/// Removes the `target`-th removable part (a parameter, the return type, a match arm,
/// an `else` branch, an attribute of a function), counted across the tree; with
/// `target == usize::MAX` it only counts them.
struct Remove {
    target: usize,
    count: usize,
}

impl Remove {
    fn hit(&mut self) -> bool {
        let k = self.count;
        self.count += 1;
        k == self.target
    }
}

impl VisitMut for Remove {
    fn visit_signature_mut(&mut self, s: &mut syn::Signature) {
        let params: Vec<syn::FnArg> = s.inputs.iter().cloned().collect();
        let mut kept = syn::punctuated::Punctuated::new();
        for p in params {
            if !self.hit() {
                kept.push(p);
            }
        }
        s.inputs = kept;
        if s.output != syn::ReturnType::Default && self.hit() {
            s.output = syn::ReturnType::Default;
        }
        syn::visit_mut::visit_signature_mut(self, s);
    }

    fn visit_expr_match_mut(&mut self, m: &mut syn::ExprMatch) {
        let arms = std::mem::take(&mut m.arms);
        for a in arms {
            if !self.hit() {
                m.arms.push(a);
            }
        }
        syn::visit_mut::visit_expr_match_mut(self, m);
    }

    fn visit_expr_if_mut(&mut self, i: &mut syn::ExprIf) {
        if i.else_branch.is_some() && self.hit() {
            i.else_branch = None;
        }
        syn::visit_mut::visit_expr_if_mut(self, i);
    }

    fn visit_item_fn_mut(&mut self, f: &mut syn::ItemFn) {
        let attrs = std::mem::take(&mut f.attrs);
        for a in attrs {
            if !self.hit() {
                f.attrs.push(a);
            }
        }
        syn::visit_mut::visit_item_fn_mut(self, f);
    }
}

/// Smaller variants of `ts` (for minimizing a failing input): one statement removed,
/// one expression replaced by a subexpression or by `x`, one parameter, match arm,
/// `else` branch or attribute removed.
pub fn shrink_candidates(ts: &TokenStream) -> Vec<TokenStream> {
    let Some(tree) = Tree::parse(ts) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // statements
    let mut blocks = Vec::new();
    tree.clone().visit_mut(&mut EditBlock {
        target: None,
        count: 0,
        f: &mut |stmts: &mut Vec<Stmt>| blocks.push(stmts.len()),
    });
    for (b, &len) in blocks.iter().enumerate() {
        for i in 0..len {
            let mut t = tree.clone();
            t.visit_mut(&mut EditBlock {
                target: Some(b),
                count: 0,
                f: &mut |stmts: &mut Vec<Stmt>| {
                    stmts.remove(i);
                },
            });
            out.push(t.tokens());
        }
    }
    // parameters, return type, arms, `else` branches, attributes
    let mut counter = Remove {
        target: usize::MAX,
        count: 0,
    };
    tree.clone().visit_mut(&mut counter);
    for k in 0..counter.count {
        let mut t = tree.clone();
        t.visit_mut(&mut Remove {
            target: k,
            count: 0,
        });
        out.push(t.tokens());
    }
    // expressions: each replaced by one of its subexpressions, or by `x`
    let mut all = Tree2::default();
    tree.visit(&mut all);
    let x: Expr = syn::parse_quote!(x);
    for (k, children) in all.children.iter().enumerate() {
        let mut replacements: Vec<Expr> = children.iter().map(|&c| all.exprs[c].clone()).collect();
        replacements.push(x.clone());
        for r in replacements {
            let mut t = tree.clone();
            t.visit_mut(&mut ReplaceExpr {
                target: k,
                count: 0,
                f: &mut |_| Some(r.clone()),
            });
            out.push(t.tokens());
        }
    }
    out
}
