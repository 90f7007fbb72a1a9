//! Iterator style, rewritten into the loops the IR has (syntax to syntax; lowering
//! calls these when the iteration carries derivatives).
//!
//! * A chain `SOURCE.ADAPTERS.SINK` becomes a block with an index loop:
//!   `x.iter().map(|v| v * v).sum::<f64>()` →
//!   `{ let mut acc = 0.0; for k in 0..x.len() { acc += { let v = x[k]; v * v }; } acc }`.
//!   Sources: `x.iter()`, `x.into_iter()`, `&x` in a `for`, ranges `lo..hi`. Adapters:
//!   `copied`, `cloned`, `map`, `enumerate`, `zip` (of two indexed sources), `rev`.
//!   Sinks: `sum`, `product`, `fold`.
//! * `for PAT in CHAIN { body }` becomes `for k in 0..n { let PAT = elem(k); body }`.
//! * `x.mapv(|v| body)` (and ndarray's `map`) becomes `{ let v = x; body }`: the
//!   primitives broadcast, so an elementwise body computes the same array. Bodies that
//!   are not elementwise (branches, comparisons, indexing, calls) are an error that
//!   says what to write.
//!
//! Elements are read by value (`x[k]`): a closure's `&v` pattern binds `v`, and `*v`
//! in its body reads `v` (the elements are `f64`, so both are the same value).

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{parse_quote_spanned, Expr, Pat};

/// One element stream: `for k in header { elem(k) }`.
struct Stream {
    /// The loop variable's iterator (`0..n`, `lo..hi`, `(0..n).rev()`).
    header: Expr,
    /// The element read on trip `k` (in terms of [`index_var`]), or the loop
    /// variable itself for a range source.
    elem: Expr,
    /// Statements that bind sources to variables first (`let src = a - b;`).
    setup: Vec<syn::Stmt>,
    /// The stream counts from 0 in steps of 1 (it can be enumerated and zipped).
    indexed: bool,
    /// Trips that `filter` keeps: a condition on trip `k` (constant code).
    keep: Option<Expr>,
}

/// Fresh names for the rewritten code (the user's names never end in `__hype`).
pub struct Fresh(usize);

impl Fresh {
    pub fn new() -> Self {
        Fresh(0)
    }
    pub(crate) fn name(&mut self, what: &str, span: Span) -> syn::Ident {
        self.0 += 1;
        syn::Ident::new(&format!("{what}{}__hype", self.0), span)
    }
}

impl Default for Fresh {
    fn default() -> Self {
        Self::new()
    }
}

fn strip(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip(&p.expr),
        Expr::Group(g) => strip(&g.expr),
        _ => e,
    }
}

/// Whether `e` is an iterator chain this module rewrites (its sources are not checked
/// for activity here).
pub fn is_chain(e: &Expr) -> bool {
    match strip(e) {
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            match name.as_str() {
                "iter" | "into_iter" => m.args.is_empty(),
                "copied" | "cloned" | "map" | "filter" | "enumerate" | "zip" | "rev" | "take"
                | "skip" => is_chain(&m.receiver),
                _ => false,
            }
        }
        Expr::Range(r) => r.start.is_some() && r.end.is_some(),
        _ => false,
    }
}

/// A variable or a field (`x`, `self.w`).
fn is_place(e: &Expr) -> bool {
    matches!(strip(e), Expr::Path(p) if p.path.get_ident().is_some())
        || matches!(strip(e), Expr::Field(_))
}

/// Whether `e` ends a chain in a sink: `chain.sum()`, `.product()`, `.fold(..)`.
pub fn is_reduction(e: &Expr) -> bool {
    match strip(e) {
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            // ndarray's own `x.fold(init, f)` folds over the elements as `x.iter()` does.
            let array_fold = name == "fold" && is_place(&m.receiver);
            (matches!(name.as_str(), "sum" | "product" | "fold" | "collect")
                && is_chain(&m.receiver)
                || array_fold)
                && !matches!(strip(&m.receiver), Expr::Range(_)) // `(a..b).sum()` is integer
        }
        _ => false,
    }
}

/// The expressions an iterator chain reads its elements from, and its closures'
/// bodies (their activity is the chain's).
pub fn chain_parts(e: &Expr, out: &mut Vec<Expr>) {
    match strip(e) {
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            match name.as_str() {
                "iter" | "into_iter" => out.push((*m.receiver).clone()),
                _ => {
                    chain_parts(&m.receiver, out);
                    for a in &m.args {
                        match strip(a) {
                            Expr::Closure(c) => out.push((*c.body).clone()),
                            other if is_chain(other) => chain_parts(other, out),
                            other => out.push(other.clone()),
                        }
                    }
                }
            }
        }
        Expr::Range(r) => {
            out.extend(r.start.iter().map(|b| (**b).clone()));
            out.extend(r.end.iter().map(|b| (**b).clone()));
        }
        other => out.push(other.clone()),
    }
}

fn err(span: Span, msg: &str) -> syn::Error {
    syn::Error::new(span, msg)
}

/// A source of indexed elements: bind it to a variable unless it is one already.
fn indexed_source(src: &Expr, fresh: &mut Fresh) -> (Expr, Vec<syn::Stmt>) {
    let span = src.span();
    let src = match strip(src) {
        Expr::Reference(r) => (*r.expr).clone(),
        other => other.clone(),
    };
    match strip(&src) {
        Expr::Path(_) | Expr::Field(_) => (src, Vec::new()),
        _ => {
            let v = fresh.name("src", span);
            let stmt: syn::Stmt = parse_quote_spanned!(span=> let #v = #src;);
            (parse_quote_spanned!(span=> #v), vec![stmt])
        }
    }
}

fn stream(e: &Expr, k: &syn::Ident, fresh: &mut Fresh) -> syn::Result<Stream> {
    let span = e.span();
    match strip(e) {
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            match name.as_str() {
                "iter" | "into_iter" => {
                    let (src, setup) = indexed_source(&m.receiver, fresh);
                    Ok(Stream {
                        header: parse_quote_spanned!(span=> 0..#src.len()),
                        // Owned when `src` is a local (an element that is an array is
                        // copied: the backward sweep cannot keep a borrow of a local).
                        elem: parse_quote_spanned!(span=> ::hype::rt::at_owned(&#src, #k)),
                        setup,
                        indexed: true,
                        keep: None,
                    })
                }
                "copied" | "cloned" => stream(&m.receiver, k, fresh),
                "rev" => {
                    let mut s = stream(&m.receiver, k, fresh)?;
                    if s.indexed {
                        // Trips still count from 0 and read element `n - 1 - k`, so that
                        // `enumerate`, `zip`, `take` and `skip` can follow.
                        let n = end_of(&s.header);
                        let back: Expr = parse_quote_spanned!(span=> (#n - 1 - #k));
                        replace_var(&mut s.elem, k, &back);
                    } else {
                        let h = &s.header;
                        s.header = parse_quote_spanned!(span=> (#h).rev());
                    }
                    Ok(s)
                }
                "enumerate" => {
                    let mut s = stream(&m.receiver, k, fresh)?;
                    if !s.indexed {
                        return Err(err(span, "hype: `enumerate` is supported on `x.iter()` and `zip`s of them; on a range, use the range's own variable"));
                    }
                    let el = &s.elem;
                    s.elem = parse_quote_spanned!(span=> (#k, #el));
                    Ok(s)
                }
                "zip" => {
                    let Some(other) = m.args.first() else {
                        return Err(err(span, "hype: `zip` takes one iterator"));
                    };
                    let other = match strip(other) {
                        Expr::Reference(r) => {
                            let inner = &r.expr;
                            parse_quote_spanned!(span=> #inner.iter())
                        }
                        Expr::Path(_) | Expr::Field(_) => {
                            parse_quote_spanned!(span=> #other.iter())
                        }
                        o => o.clone(),
                    };
                    let mut a = stream(&m.receiver, k, fresh)?;
                    let b = stream(&other, k, fresh)?;
                    if !a.indexed || !b.indexed {
                        return Err(err(span, "hype: `zip` is supported between `x.iter()`-style sources (not ranges, filtered or skipped ones); index instead: `for i in 0..n { .. x[i] .. y[i] .. }`"));
                    }
                    let (ha, hb) = (end_of(&a.header), end_of(&b.header));
                    a.header = parse_quote_spanned!(span=> 0..::core::cmp::min(#ha, #hb));
                    let (ea, eb) = (&a.elem, &b.elem);
                    a.elem = parse_quote_spanned!(span=> (#ea, #eb));
                    a.setup.extend(b.setup);
                    Ok(a)
                }
                "filter" => {
                    let mut s = stream(&m.receiver, k, fresh)?;
                    let Some(Expr::Closure(c)) = m.args.first().map(strip) else {
                        return Err(err(span, "hype: `filter` takes a closure here (`.filter(|v| ..)`)"));
                    };
                    let cond = apply(c, &[s.elem.clone()])?;
                    s.keep = Some(match s.keep.take() {
                        Some(before) => parse_quote_spanned!(span=> (#before) && (#cond)),
                        None => cond,
                    });
                    // Kept trips no longer count from 0: no enumerate or zip after it.
                    s.indexed = false;
                    Ok(s)
                }
                "take" | "skip" => {
                    let mut s = stream(&m.receiver, k, fresh)?;
                    let Some(n) = m.args.first() else {
                        return Err(err(span, &format!("hype: `{name}` takes a count")));
                    };
                    if !s.indexed {
                        return Err(err(span, &format!("hype: `{name}` is supported on `x.iter()`-style sources before `filter` or `rev` (its length must be known before the loop); or write an index loop")));
                    }
                    let end = end_of(&s.header);
                    if name == "take" {
                        s.header = parse_quote_spanned!(span=> 0..::core::cmp::min(#end, #n));
                    } else {
                        s.header = parse_quote_spanned!(span=> ::core::cmp::min(#end, #n)..#end);
                        // Trips start at `n`: no enumerate or zip after it.
                        s.indexed = false;
                    }
                    Ok(s)
                }
                "map" => {
                    let mut s = stream(&m.receiver, k, fresh)?;
                    let Some(Expr::Closure(c)) = m.args.first().map(strip) else {
                        return Err(err(span, "hype: `map` takes a closure here (`.map(|v| ..)`)"));
                    };
                    s.elem = apply(c, &[s.elem.clone()])?;
                    Ok(s)
                }
                _ => Err(err(span, "hype: this iterator adapter is not supported in #[differentiable] code; supported: iter, into_iter, copied, cloned, map, filter, enumerate, zip, rev, take, skip, then sum, product, fold or collect; or write an index loop")),
            }
        }
        Expr::Range(r) => Ok(Stream {
            header: Expr::Range(r.clone()),
            elem: parse_quote_spanned!(span=> #k),
            setup: Vec::new(),
            indexed: false,
            keep: None,
        }),
        _ => Err(err(span, "hype: iterate over `x.iter()` or a range here")),
    }
}

/// Replaces the variable `k` in `e` by `with`.
fn replace_var(e: &mut Expr, k: &syn::Ident, with: &Expr) {
    struct Replace<'a>(&'a syn::Ident, &'a Expr);
    impl VisitMut for Replace<'_> {
        fn visit_expr_mut(&mut self, e: &mut Expr) {
            match e {
                Expr::Path(p) if p.path.is_ident(self.0) => *e = self.1.clone(),
                _ => syn::visit_mut::visit_expr_mut(self, e),
            }
        }
    }
    Replace(k, with).visit_expr_mut(e);
}

/// `n` of a header `0..n`.
fn end_of(h: &Expr) -> Expr {
    match h {
        Expr::Range(r) => r
            .end
            .as_deref()
            .cloned()
            .unwrap_or_else(|| parse_quote_spanned!(h.span()=> 0)),
        other => other.clone(),
    }
}

/// `{ let PAT0 = arg0; ..; body }` for closure `|PAT0, ..| body`, with the references
/// of the patterns dropped and `*v` of their names read as `v`.
pub fn apply(c: &syn::ExprClosure, args: &[Expr]) -> syn::Result<Expr> {
    if c.inputs.len() != args.len() {
        return Err(err(
            c.span(),
            &format!("hype: this closure must take {} argument(s)", args.len()),
        ));
    }
    let mut names = Vec::new();
    let mut lets = Vec::new();
    for (p, a) in c.inputs.iter().zip(args) {
        let p = value_pattern(p, &mut names)?;
        lets.push(quote::quote_spanned!(p.span()=> let #p = #a;));
    }
    let mut body = (*c.body).clone();
    Deref { names: &names }.visit_expr_mut(&mut body);
    let span = c.span();
    Ok(parse_quote_spanned!(span=> { #(#lets)* #body }))
}

/// A closure or loop pattern as a `let` pattern over values: `&v` → `v`, types
/// dropped, nested tuples kept.
fn value_pattern(p: &Pat, names: &mut Vec<syn::Ident>) -> syn::Result<Pat> {
    Ok(match p {
        Pat::Reference(r) => value_pattern(&r.pat, names)?,
        Pat::Type(t) => value_pattern(&t.pat, names)?,
        Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none() => {
            names.push(i.ident.clone());
            Pat::Ident(i.clone())
        }
        Pat::Wild(_) => p.clone(),
        Pat::Tuple(t) => {
            let mut t = t.clone();
            for e in t.elems.iter_mut() {
                *e = value_pattern(e, names)?;
            }
            Pat::Tuple(t)
        }
        Pat::Paren(pp) => value_pattern(&pp.pat, names)?,
        other => {
            return Err(err(
                other.span(),
                "hype: write this pattern as a name or a tuple of names",
            ))
        }
    })
}

/// Reads `*v` as `v` for the names of element patterns.
struct Deref<'a> {
    names: &'a [syn::Ident],
}

impl VisitMut for Deref<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        // `*v` and `**v` (a `filter` closure's `&&f64`) of a bound name: `v`.
        let mut inner: &Expr = e;
        let mut derefs = 0;
        while let Expr::Unary(u) = strip(inner) {
            if !matches!(u.op, syn::UnOp::Deref(_)) {
                break;
            }
            inner = &u.expr;
            derefs += 1;
        }
        if derefs > 0 {
            if let Expr::Path(p) = strip(inner) {
                if p.path.get_ident().is_some_and(|i| self.names.contains(i)) {
                    *e = Expr::Path(p.clone());
                    return;
                }
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
}

/// `chain.sum()` / `.product()` / `.fold(init, f)` as a block with a loop.
pub fn reduction(e: &Expr, fresh: &mut Fresh, float: &crate::float::Float) -> syn::Result<Expr> {
    let Expr::MethodCall(m) = strip(e) else {
        return Err(err(e.span(), "hype: not an iterator reduction"));
    };
    let span = m.span();
    let k = fresh.name("k", span);
    let acc = fresh.name("acc", span);
    let receiver: Expr = if is_chain(&m.receiver) {
        (*m.receiver).clone()
    } else {
        let x = &m.receiver;
        parse_quote_spanned!(span=> #x.iter())
    };
    let s = stream(&receiver, &k, fresh)?;
    let (header, elem, setup) = (&s.header, &s.elem, &s.setup);
    let keep = s
        .keep
        .clone()
        .unwrap_or_else(|| parse_quote_spanned!(span=> true));
    let name = m.method.to_string();
    let (zero, one) = (float.lit(0.0), float.lit(1.0));
    let block: Expr = match name.as_str() {
        "sum" => parse_quote_spanned!(span=> {
            #(#setup)*
            let mut #acc = #zero;
            for #k in #header { if #keep { #acc += #elem; } }
            #acc
        }),
        "product" => parse_quote_spanned!(span=> {
            #(#setup)*
            let mut #acc = #one;
            for #k in #header { if #keep { #acc *= #elem; } }
            #acc
        }),
        "fold" => {
            if m.args.len() != 2 {
                return Err(err(
                    span,
                    "hype: `fold` takes an initial value and a closure",
                ));
            }
            let init = &m.args[0];
            let step = match strip(&m.args[1]) {
                Expr::Closure(c) => apply(c, &[parse_quote_spanned!(span=> #acc), elem.clone()])?,
                // `fold(init, f64::max)`: a function of the accumulator and the element.
                f @ Expr::Path(_) => parse_quote_spanned!(span=> #f(#acc, #elem)),
                other => {
                    return Err(err(
                        other.span(),
                        "hype: `fold` takes a closure `|acc, v| ..` or a function path here",
                    ))
                }
            };
            parse_quote_spanned!(span=> {
                #(#setup)*
                let mut #acc = #init;
                for #k in #header { if #keep { #acc = #step; } }
                #acc
            })
        }
        "collect" => {
            if let Some(t) = &m.turbofish {
                let to_vec = t.args.len() == 1
                    && matches!(t.args.first(), Some(syn::GenericArgument::Type(ty)) if is_vec(ty));
                if !to_vec {
                    return Err(err(t.span(), COLLECT_INTO));
                }
            }
            parse_quote_spanned!(span=> {
                #(#setup)*
                let mut #acc = ::std::vec::Vec::new();
                for #k in #header { if #keep { #acc.push(#elem); } }
                #acc
            })
        }
        _ => {
            return Err(err(
                span,
                "hype: supported iterator reductions are sum, product, fold and collect",
            ))
        }
    };
    Ok(block)
}

/// `for PAT in CHAIN { body }` as an index loop: the statements to lower instead.
pub fn for_loop(f: &syn::ExprForLoop, fresh: &mut Fresh) -> syn::Result<Vec<syn::Stmt>> {
    let span = f.span();
    let k = fresh.name("k", span);
    let chain: Expr = match strip(&f.expr) {
        Expr::Reference(r) => {
            let inner = &r.expr;
            parse_quote_spanned!(span=> #inner.iter())
        }
        Expr::Path(_) | Expr::Field(_) => {
            let x = &f.expr;
            parse_quote_spanned!(span=> #x.iter())
        }
        other => other.clone(),
    };
    if !is_chain(&chain) {
        return Err(err(f.expr.span(), "hype: a `for` loop over an active value iterates over `x.iter()` (with map, enumerate, zip, rev) or a range; or iterate over indices (`for i in 0..x.len()`)"));
    }
    let s = stream(&chain, &k, fresh)?;
    let mut names = Vec::new();
    let pat = value_pattern(&f.pat, &mut names)?;
    let mut body = f.body.clone();
    Deref { names: &names }.visit_block_mut(&mut body);
    let (header, elem, setup) = (&s.header, &s.elem, &s.setup);
    let keep = s
        .keep
        .clone()
        .unwrap_or_else(|| parse_quote_spanned!(span=> true));
    let stmts: Vec<syn::Stmt> = setup
        .iter()
        .cloned()
        .chain(std::iter::once(parse_quote_spanned!(span=>
            for #k in #header {
                if #keep {
                    let #pat = #elem;
                    #body
                }
            }
        )))
        .collect();
    Ok(stmts)
}

/// `x.mapv(|v| body)` as `{ let v = x; body }`, when the body is elementwise.
pub fn mapv(m: &syn::ExprMethodCall) -> syn::Result<Expr> {
    let span = m.span();
    // `x.mapv(f64::abs)`: the function as a closure.
    let named: Option<syn::ExprClosure> = match m.args.first().map(strip) {
        Some(f @ Expr::Path(_)) => Some(parse_quote_spanned!(span=> |__hype_v| #f(__hype_v))),
        _ => None,
    };
    let first = match &named {
        Some(c) => Some(c),
        None => match m.args.first().map(strip) {
            Some(Expr::Closure(c)) => Some(c),
            _ => None,
        },
    };
    let Some(c) = first else {
        return Err(err(
            span,
            "hype: `mapv` takes a closure here (`x.mapv(|v| ..)`)",
        ));
    };
    if c.inputs.len() != 1 {
        return Err(err(
            c.span(),
            "hype: the closure of `mapv` takes one argument",
        ));
    }
    let mut check = Elementwise {
        error: None,
        uses: false,
        name: None,
    };
    let mut names = Vec::new();
    value_pattern(&c.inputs[0], &mut names)?;
    check.name = names.first().cloned();
    syn::visit::Visit::visit_expr(&mut check, &c.body);
    if let Some(e) = check.error {
        return Err(e);
    }
    if !check.uses {
        return Err(err(c.span(), "hype: this `mapv` closure ignores its argument; write `Array::from_elem(x.raw_dim(), value)` or `x * 0.0 + value`"));
    }
    // A place is copied, not moved: it may be used again (in a later iteration, say).
    // Of an active place the copy lowers to the variable itself (no array copy).
    let receiver = match strip(&m.receiver) {
        place @ (Expr::Path(_) | Expr::Field(_)) => {
            parse_quote_spanned!(place.span()=> ::core::clone::Clone::clone(&#place))
        }
        other => other.clone(),
    };
    apply(c, &[receiver])
}

/// Checks that a `mapv` body is elementwise (no branches, comparisons, indexing or
/// calls of functions other than primitives).
struct Elementwise {
    error: Option<syn::Error>,
    uses: bool,
    name: Option<syn::Ident>,
}

impl<'ast> syn::visit::Visit<'ast> for Elementwise {
    fn visit_expr(&mut self, e: &'ast Expr) {
        if self.error.is_some() {
            return;
        }
        let bad = match e {
            Expr::If(_) | Expr::Match(_) => Some("branches"),
            Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) => Some("loops"),
            Expr::Index(_) => Some("indexing"),
            Expr::Binary(b)
                if matches!(
                    b.op,
                    syn::BinOp::Lt(_)
                        | syn::BinOp::Le(_)
                        | syn::BinOp::Gt(_)
                        | syn::BinOp::Ge(_)
                        | syn::BinOp::Eq(_)
                        | syn::BinOp::Ne(_)
                        | syn::BinOp::And(_)
                        | syn::BinOp::Or(_)
                ) =>
            {
                Some("comparisons")
            }
            Expr::MethodCall(m)
                if crate::primitives::by_method(&m.method.to_string()).is_none() =>
            {
                Some("methods without an elementwise rule")
            }
            Expr::Call(c) => match strip(&c.func) {
                Expr::Path(p) => {
                    let segs: Vec<String> = p
                        .path
                        .segments
                        .iter()
                        .map(|s| s.ident.to_string())
                        .collect();
                    let name = segs.last().cloned().unwrap_or_default();
                    let ok = (segs.len() == 2
                        && (segs[0] == "f64" || segs[0] == "f32")
                        && crate::primitives::by_method(&name).is_some())
                        || (segs.len() >= 2
                            && segs[segs.len() - 2] == "ops"
                            && crate::primitives::by_ops_function(&name, false).is_some());
                    (!ok).then_some("calls of functions other than `ops::` and `f64::` math")
                }
                _ => Some("calls"),
            },
            Expr::Path(p) => {
                if p.path.get_ident().is_some() && p.path.get_ident() == self.name.as_ref() {
                    self.uses = true;
                }
                None
            }
            _ => None,
        };
        if let Some(what) = bad {
            self.error = Some(err(
                e.span(),
                &format!("hype: a `mapv` closure is applied to the whole array at once in derivative code, so it may not contain {what}; write the branch with `max`, `min`, `abs`, `signum` or `ops::relu`, or loop over indices (`for i in 0..x.len()`)"),
            ));
            return;
        }
        syn::visit::visit_expr(self, e);
    }
}

/// `vec![value; n]` as a loop that pushes copies of the value, evaluated once (as the
/// macro does): `{ let mut v = Vec::new(); let e = value; for _ in 0..n { v.push(e.clone()); } v }`.
/// `None` when the tokens are not `value; n`.
pub fn vec_repeat(
    tokens: &proc_macro2::TokenStream,
    span: Span,
    fresh: &mut Fresh,
) -> Option<Expr> {
    let parser = |input: syn::parse::ParseStream| -> syn::Result<(Expr, Expr)> {
        let value: Expr = input.parse()?;
        input.parse::<syn::Token![;]>()?;
        let n: Expr = input.parse()?;
        Ok((value, n))
    };
    let (value, n) = syn::parse::Parser::parse2(parser, tokens.clone()).ok()?;
    let (v, e) = (fresh.name("vec", span), fresh.name("elem", span));
    Some(parse_quote_spanned!(span=> {
        let mut #v = ::std::vec::Vec::new();
        let #e = #value;
        for _ in 0..(#n) {
            #v.push(#e.clone());
        }
        #v
    }))
}

/// What `collect` of active values can build, for errors.
pub const COLLECT_INTO: &str = "hype: `collect` of active values builds a `Vec` (`collect::<Vec<_>>()`); for an array write `x.mapv(|v| ..)`, or fill `Array1::zeros(n)` in a loop";

/// `Vec<..>` (any path ending in `Vec`).
pub fn is_vec(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Vec"))
}

/// `chain.collect()` (any turbofish).
pub fn is_collect(e: &Expr) -> bool {
    matches!(strip(e), Expr::MethodCall(m) if m.method == "collect") && is_reduction(e)
}
