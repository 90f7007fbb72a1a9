//! Helpers of the no-panic property tests (tests/no_panic.rs): the entry points run
//! under `catch_unwind` with the panic message captured, outcome counts, and the
//! token-tree mutation engine; `corpus` holds the real inputs, `grammar` generates
//! sources, `ast` edits syntax trees, `minimize` shrinks failing inputs.

pub mod ast;
pub mod corpus;
pub mod grammar;
pub mod minimize;

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError};
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;

// ---------------------------------------------------------------- configuration

/// Cases per property: `PROPTEST_CASES` if set (for longer fuzzing runs), else `default`.
pub fn config(default: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    // The test suite is reproducible: a fixed seed unless `PROPTEST_RNG_SEED` names one
    // or `HYPE_FUZZ_RANDOM` asks for a fresh sweep (print the seed with `--nocapture`).
    let fixed = std::env::var_os("PROPTEST_RNG_SEED").is_none()
        && std::env::var_os("HYPE_FUZZ_RANDOM").is_none();
    let defaults = Config::default();
    let rng_seed = if fixed {
        RngSeed::Fixed(0x4879_7065)
    } else {
        defaults.rng_seed
    };
    Config {
        cases,
        rng_seed,
        // No regression files written next to the sources; a failure prints its input.
        failure_persistence: None,
        // Failing inputs are minimized by `minimize` (syntax-aware) instead.
        max_shrink_iters: 0,
        ..defaults
    }
}

// ---------------------------------------------------------------- panics

thread_local! {
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    static CAPTURED: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Installs (once) a panic hook that records, instead of printing, the panics raised
/// inside [`guarded`]; every other panic goes to the previous hook.
fn install_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CAPTURING.with(Cell::get) {
                CAPTURED.with(|c| *c.borrow_mut() = Some(info.to_string()));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into `Err(message with location)`.
pub fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    let outer = CAPTURING.with(|c| c.replace(true));
    CAPTURED.with(|c| c.borrow_mut().take());
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CAPTURING.with(|c| c.set(outer));
    result.map_err(|payload| {
        CAPTURED
            .with(|c| c.borrow_mut().take())
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(non-string panic payload)".to_string())
    })
}

// ---------------------------------------------------------------- outcomes

/// Outcome counts of one property.
pub struct Stats {
    pub name: &'static str,
    pub ok: AtomicUsize,
    pub err: AtomicUsize,
    /// Inputs never given to the transform: mutants that do not tokenize (and derive
    /// inputs that rustc's parser would reject).
    pub untokenizable: AtomicUsize,
    /// Panics excused by `HYPE_FUZZ_KNOWN_PANICS`.
    pub known_panics: AtomicUsize,
    /// Failures: panics, and `Ok` expansions that do not parse.
    pub failures: AtomicUsize,
}

impl Stats {
    pub const fn new(name: &'static str) -> Self {
        Stats {
            name,
            ok: AtomicUsize::new(0),
            err: AtomicUsize::new(0),
            untokenizable: AtomicUsize::new(0),
            known_panics: AtomicUsize::new(0),
            failures: AtomicUsize::new(0),
        }
    }

    pub fn skip(&self) {
        self.untokenizable.fetch_add(1, Ordering::Relaxed);
    }

    pub fn report(&self) {
        let ok = self.ok.load(Ordering::Relaxed);
        let err = self.err.load(Ordering::Relaxed);
        let skipped = self.untokenizable.load(Ordering::Relaxed);
        let failed = self.failures.load(Ordering::Relaxed);
        let known = self.known_panics.load(Ordering::Relaxed);
        let known = if known > 0 {
            format!(", {known} known panics (HYPE_FUZZ_KNOWN_PANICS)")
        } else {
            String::new()
        };
        eprintln!(
            "[no_panic] {}: {} transform calls, Ok {ok}, Err {err}, FAILED {failed}{known}; {skipped} inputs skipped (do not tokenize)",
            self.name,
            ok + err + failed + self.known_panics.load(Ordering::Relaxed)
        );
    }
}

/// An entry point of the transform, with its fixed arguments.
#[derive(Clone, Copy, Debug)]
pub enum Entry<'a> {
    /// `#[differentiable(attr)]`.
    Differentiable(&'a str),
    /// `#[custom_rule(attr)]`.
    CustomRule(&'a str),
    /// `op!(..)`.
    Operator(&'a str),
    /// `#[derive(Tangent)]`.
    DeriveTangent,
}

impl Entry<'_> {
    fn call(&self, input: TokenStream) -> Option<syn::Result<TokenStream>> {
        Some(match *self {
            Entry::Differentiable(attr) => hype_transform::differentiable(tokenize(attr)?, input),
            Entry::CustomRule(attr) => hype_transform::custom_rule(tokenize(attr)?, input),
            Entry::Operator(op) => hype_transform::operator(input, op),
            Entry::DeriveTangent => hype_transform::derive_tangent(input),
        })
    }

    /// The input as the user would write it.
    fn show(&self, src: &str) -> String {
        match self {
            Entry::Differentiable("") => format!("#[differentiable]\n{src}"),
            Entry::Differentiable(attr) => format!("#[differentiable({attr})]\n{src}"),
            Entry::CustomRule(attr) => format!("#[custom_rule({attr})]\n{src}"),
            Entry::Operator(op) => format!("{op}!({src})"),
            Entry::DeriveTangent => format!("#[derive(Tangent)]\n{src}"),
        }
    }

    /// Whether an `Ok` expansion parses: items for the attributes and the derive, an
    /// expression for the operators.
    fn parses(&self, out: &TokenStream) -> syn::Result<()> {
        match self {
            Entry::Operator(_) => syn::parse2::<syn::Expr>(out.clone()).map(drop),
            _ => syn::parse2::<syn::File>(out.clone()).map(drop),
        }
    }
}

/// What one call did.
enum Outcome {
    Panic(String),
    Err,
    Ok,
    /// `Ok`, but the expansion does not parse; or the error does not render.
    Unparsable(String),
}

fn outcome(entry: Entry, input: &TokenStream) -> Option<Outcome> {
    // Rendering the error (as the proc-macro wrapper does) must not panic either.
    let result = guarded(|| {
        entry
            .call(input.clone())
            .map(|r| r.map_err(|e| e.to_compile_error()))
    });
    Some(match result {
        Err(msg) => Outcome::Panic(msg),
        Ok(None) => return None,
        Ok(Some(Err(compile_error))) => match syn::parse2::<syn::File>(compile_error.clone()) {
            Ok(_) => Outcome::Err,
            Err(e) => Outcome::Unparsable(format!(
                "the compile error does not parse ({e}): {compile_error}"
            )),
        },
        Ok(Some(Ok(out))) => match entry.parses(&out) {
            Ok(()) => Outcome::Ok,
            Err(e) => Outcome::Unparsable(format!("the Ok expansion does not parse ({e}):\n{out}")),
        },
    })
}

/// The first line of a panic message (its location).
fn location(msg: &str) -> &str {
    msg.lines().next().unwrap_or(msg)
}

/// Calls `entry` on `src` under `catch_unwind`. A panic, or an `Ok` expansion that
/// does not parse, fails the case; the message shows the input, a minimized input
/// that fails the same way, and the panic message.
pub fn check(stats: &Stats, entry: Entry, src: &str) -> Result<(), TestCaseError> {
    check_with(stats, entry, src, true)
}

/// [`check`]; `excuse_known`: whether `HYPE_FUZZ_KNOWN_PANICS` applies.
pub fn check_with(
    stats: &Stats,
    entry: Entry,
    src: &str,
    excuse_known: bool,
) -> Result<(), TestCaseError> {
    let Some(input) = tokenize(src) else {
        stats.skip();
        return Ok(());
    };
    let Some(result) = outcome(entry, &input) else {
        stats.skip();
        return Ok(());
    };
    let (what, same) = match &result {
        Outcome::Ok => {
            stats.ok.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        Outcome::Err => {
            stats.err.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        Outcome::Panic(msg) if excuse_known && is_known(msg) => {
            stats.known_panics.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        Outcome::Panic(msg) => {
            let at = location(msg).to_string();
            let same: Box<dyn Fn(&TokenStream) -> bool + '_> = Box::new(
                move |ts: &TokenStream| matches!(outcome(entry, ts), Some(Outcome::Panic(m)) if location(&m) == at),
            );
            (format!("PANICKED: {msg}"), same)
        }
        Outcome::Unparsable(msg) => {
            let same: Box<dyn Fn(&TokenStream) -> bool + '_> = Box::new(move |ts: &TokenStream| {
                matches!(outcome(entry, ts), Some(Outcome::Unparsable(_)))
            });
            (msg.clone(), same)
        }
    };
    stats.failures.fetch_add(1, Ordering::Relaxed);
    let minimized = minimize::minimize(src, &*same, 3000);
    let detail = match outcome(entry, &tokenize(&minimized).unwrap_or_default()) {
        Some(Outcome::Panic(m)) => m,
        Some(Outcome::Unparsable(m)) => m,
        _ => String::new(),
    };
    Err(TestCaseError::fail(format!(
        "{entry:?} {what}\n--- input ---\n{}\n--- minimized input ---\n{}\n--- minimized failure ---\n{detail}\n---",
        entry.show(src),
        entry.show(&minimized),
    )))
}

/// `HYPE_FUZZ_KNOWN_PANICS=a,b`: panics whose message (which starts with the
/// location, e.g. `desugar.rs:84`) contains `a` or `b` are counted but do not fail,
/// so that fuzzing can go on past bugs already reported. Unset by default.
fn is_known(msg: &str) -> bool {
    std::env::var("HYPE_FUZZ_KNOWN_PANICS").is_ok_and(|v| {
        v.split(',')
            .map(str::trim)
            .any(|k| !k.is_empty() && msg.contains(k))
    })
}

/// Tokenizes like the compiler's lexer would (no panics: a lexing error is `None`).
pub fn tokenize(src: &str) -> Option<TokenStream> {
    guarded(|| TokenStream::from_str(src).ok()).ok().flatten()
}

// ---------------------------------------------------------------- mutations

/// A token tree that can be edited in place.
#[derive(Clone, Debug)]
pub enum Node {
    Leaf(TokenTree),
    Group(Delimiter, Vec<Node>),
}

pub fn nodes(ts: TokenStream) -> Vec<Node> {
    ts.into_iter()
        .map(|t| match t {
            TokenTree::Group(g) => Node::Group(g.delimiter(), nodes(g.stream())),
            t => Node::Leaf(t),
        })
        .collect()
}

pub fn render(ns: &[Node]) -> TokenStream {
    ns.iter()
        .map(|n| match n {
            Node::Leaf(t) => t.clone(),
            Node::Group(d, c) => TokenTree::Group(Group::new(*d, render(c))),
        })
        .collect()
}

fn parse_nodes(src: &str) -> Vec<Node> {
    nodes(TokenStream::from_str(src).expect("pool entries tokenize"))
}

/// Identifiers (and keywords) an identifier may be replaced with.
pub const IDENT_POOL: &[&str] = &[
    "x",
    "y",
    "z",
    "s",
    "a",
    "b",
    "c",
    "i",
    "j",
    "k",
    "n",
    "v",
    "w",
    "t",
    "f",
    "g",
    "h",
    "inner",
    "rosen",
    "helper",
    "self",
    "Self",
    "super",
    "crate",
    "fn",
    "let",
    "mut",
    "if",
    "else",
    "for",
    "in",
    "while",
    "loop",
    "match",
    "return",
    "break",
    "continue",
    "async",
    "await",
    "unsafe",
    "move",
    "ref",
    "static",
    "const",
    "struct",
    "enum",
    "union",
    "impl",
    "dyn",
    "where",
    "type",
    "as",
    "use",
    "mod",
    "pub",
    "yield",
    "try",
    "box",
    "r#type",
    "r#fn",
    "r#x",
    "r#match",
    "_",
    "f64",
    "f32",
    "usize",
    "i32",
    "bool",
    "Array1",
    "Array2",
    "Vec",
    "Option",
    "Some",
    "None",
    "x_dot",
    "x_bar",
    "x_new",
    "x_adj",
    "x_pb",
    "t1",
    "t2",
    "tape1",
    "trips1",
    "cond1",
    "ifv1",
    "tuple1",
    "__hype_ret",
    "__hype_seed",
    "__hype_g0",
    "ops",
    "hype",
    "rt",
    "sin",
    "exp",
    "ln",
    "sqrt",
    "powi",
    "powf",
    "unwrap",
    "clone",
    "to_owned",
    "len",
    "shape",
    "iter",
    "dot",
    "sum",
    "mean",
    "sum_axis",
    "mean_axis",
    "t",
    "Axis",
    "zeros",
    "sigmoid",
    "l2",
    "cross_entropy_on_linear",
    "stop_gradient",
    "constant",
    "differentiable",
    "order",
    "speed",
    "println",
    "array",
    "vec",
    "panic",
    "f__fwd",
    "f__rev",
    "grad",
    "Tangent",
    "T",
    "U",
    "N",
    "cumsum",
    "frobnicate",
];

/// Literals a literal may be replaced with.
pub const LIT_POOL: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "0.0",
    "1.0",
    "0.5",
    "2.0",
    "100.0",
    "1e-3",
    "1e308",
    "1e999",
    "2.5f64",
    "3f32",
    "0usize",
    "7u8",
    "255u8",
    "256u8",
    "1i8",
    "1u128",
    "4294967296",
    "99999999999999999999999999999999999999999",
    "0x1F",
    "0b101",
    "0o17",
    "1_000",
    "1.0e+10",
    "\"s\"",
    "\"\"",
    "r\"raw\"",
    "r#\"raw\"#",
    "'c'",
    "b'a'",
    "b\"bytes\"",
    "'\\n'",
    "\"\\u{1F600}\"",
    "1.",
    "1e3",
    "0.0f64",
    "1f64",
];

/// Tokens that may be inserted anywhere.
pub const INSERT_POOL: &[&str] = &[
    "?",
    ".await",
    "&",
    "&mut",
    "*",
    "-",
    "!",
    "mut",
    "async",
    "unsafe",
    "move",
    "|",
    "||",
    "..",
    "..=",
    ";",
    ",",
    "#",
    "#[constant]",
    "#[inline]",
    "#[differentiable]",
    "'a",
    "'a:",
    "=>",
    "::",
    "->",
    "@",
    "=",
    "+=",
    "*=",
    "-=",
    "/=",
    "%",
    "<",
    ">",
    "<<",
    ">>",
    "_",
    "return",
    "break",
    "continue",
    "let",
    "loop",
    "match x {}",
    "|v| v",
    "{}",
    "()",
    "[]",
    "x",
    "y",
    "i",
    "0",
    "1.0",
    "as f64",
    "as usize",
    ".0",
    ".sin()",
    ".len()",
    ".clone()",
    "[0]",
    "[i]",
    "const",
    "static",
    "fn",
    "impl",
    "dyn",
    "where",
    "#!",
    "$",
    "~",
    "yield",
    "try",
    "r#try",
    "self",
    "Self",
    "else {}",
    "if x {}",
    "for i in 0..3 {}",
    "while false {}",
    "let z = x;",
    "x = x * 2.0;",
    "s += x;",
    "println!(\"{}\", x);",
    "array![x, 1.0]",
    "inner(x, 2.0)",
    "ops::sigmoid(x)",
    "unsafe {}",
    "async {}",
    "'l: loop { break 'l; }",
    "{ let r#type = x; r#type }",
    "fn g() {}",
    "struct S;",
    "use std::f64;",
    "<T>",
    "<'a>",
    "&'a",
    "where T: Tangent",
    "#[constant] c: f64,",
    "mut n: usize,",
    "-> f64",
    "-> (f64, f64)",
    "-> ()",
    "...",
    "self,",
    "&self,",
];

/// One edit of a token tree; `a`, `b` and `c` pick positions and pool entries.
#[derive(Clone, Copy, Debug)]
pub struct Mutation {
    pub kind: u8,
    pub a: u32,
    pub b: u32,
    pub c: u32,
}

pub fn mutation() -> impl Strategy<Value = Mutation> {
    // Token-level edits (0..12) and syntax-tree edits (12..18), the latter keeping
    // the input parseable so that it reaches the later stages of the transform.
    let kind = prop_oneof![
        1 => 0u8..3,
        3 => Just(3u8),
        2 => Just(4u8),
        3 => 5u8..12,
        6 => 12u8..18,
    ];
    (kind, any::<u32>(), any::<u32>(), any::<u32>()).prop_map(|(kind, a, b, c)| Mutation {
        kind,
        a,
        b,
        c,
    })
}

pub fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop_oneof![
        3 => prop::collection::vec(mutation(), 1..=1),
        2 => prop::collection::vec(mutation(), 2..=4),
    ]
}

/// Paths (child indices from the root) of every token sequence: the root and the
/// contents of each group, in preorder.
fn sequences(ns: &[Node], path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    out.push(path.clone());
    for (i, n) in ns.iter().enumerate() {
        if let Node::Group(_, c) = n {
            path.push(i);
            sequences(c, path, out);
            path.pop();
        }
    }
}

/// Every node as (path of its sequence, index in it), in preorder; `leaves_only`
/// skips groups, `pred` filters leaves.
fn positions(
    ns: &[Node],
    path: &mut Vec<usize>,
    leaves_only: bool,
    pred: &dyn Fn(&TokenTree) -> bool,
    out: &mut Vec<(Vec<usize>, usize)>,
) {
    for (i, n) in ns.iter().enumerate() {
        match n {
            Node::Leaf(t) => {
                if pred(t) {
                    out.push((path.clone(), i));
                }
            }
            Node::Group(_, c) => {
                if !leaves_only {
                    out.push((path.clone(), i));
                }
                path.push(i);
                positions(c, path, leaves_only, pred, out);
                path.pop();
            }
        }
    }
}

fn seq_mut<'a>(ns: &'a mut Vec<Node>, path: &[usize]) -> &'a mut Vec<Node> {
    match path.split_first() {
        None => ns,
        Some((&i, rest)) => match &mut ns[i] {
            Node::Group(_, c) => seq_mut(c, rest),
            Node::Leaf(_) => unreachable!("sequence paths go through groups"),
        },
    }
}

fn pick<T: Clone>(items: &[T], k: u32) -> Option<T> {
    if items.is_empty() {
        None
    } else {
        Some(items[k as usize % items.len()].clone())
    }
}

/// A range `[start, end)` of a sequence of length `len` (at least one element).
fn range(len: usize, b: u32, c: u32) -> (usize, usize) {
    let start = b as usize % len;
    let end = (start + 1 + c as usize % 4).min(len);
    (start, end)
}

fn any_leaf(_: &TokenTree) -> bool {
    true
}

fn is_ident(t: &TokenTree) -> bool {
    matches!(t, TokenTree::Ident(_))
}

fn is_literal(t: &TokenTree) -> bool {
    matches!(t, TokenTree::Literal(_))
}

/// Keeps the first `keep` nodes in preorder, closing the groups left open.
fn truncate(ns: &[Node], keep: &mut usize) -> Vec<Node> {
    let mut out = Vec::new();
    for n in ns {
        if *keep == 0 {
            break;
        }
        *keep -= 1;
        match n {
            Node::Leaf(t) => out.push(Node::Leaf(t.clone())),
            Node::Group(d, c) => out.push(Node::Group(*d, truncate(c, keep))),
        }
    }
    out
}

fn count(ns: &[Node]) -> usize {
    ns.iter()
        .map(|n| match n {
            Node::Leaf(_) => 1,
            Node::Group(_, c) => 1 + count(c),
        })
        .sum()
}

const DELIMS: [Delimiter; 4] = [
    Delimiter::Parenthesis,
    Delimiter::Bracket,
    Delimiter::Brace,
    Delimiter::None,
];

/// Applies one mutation (a no-op when it does not apply, e.g. no literal to replace).
pub fn apply(ns: &mut Vec<Node>, m: Mutation) {
    let mut seqs = Vec::new();
    sequences(ns, &mut Vec::new(), &mut seqs);
    let seq = pick(&seqs, m.a).expect("the root is a sequence");
    match m.kind {
        // delete a token range
        0 => {
            let s = seq_mut(ns, &seq);
            if !s.is_empty() {
                let (start, end) = range(s.len(), m.b, m.c);
                s.drain(start..end);
            }
        }
        // duplicate a token range
        1 => {
            let s = seq_mut(ns, &seq);
            if !s.is_empty() {
                let (start, end) = range(s.len(), m.b, m.c);
                let copy: Vec<Node> = s[start..end].to_vec();
                s.splice(end..end, copy);
            }
        }
        // swap two tokens (anywhere)
        2 => {
            let mut all = Vec::new();
            positions(ns, &mut Vec::new(), true, &any_leaf, &mut all);
            if let (Some((p1, i1)), Some((p2, i2))) = (pick(&all, m.b), pick(&all, m.c)) {
                let t1 = seq_mut(ns, &p1)[i1].clone();
                let t2 = std::mem::replace(&mut seq_mut(ns, &p2)[i2], t1);
                seq_mut(ns, &p1)[i1] = t2;
            }
        }
        // replace an identifier
        3 => {
            let mut ids = Vec::new();
            positions(ns, &mut Vec::new(), true, &is_ident, &mut ids);
            if let Some((p, i)) = pick(&ids, m.b) {
                // Half the time one of the first 20 (ordinary names).
                let k = if m.c % 2 == 0 {
                    (m.c >> 1) % 20
                } else {
                    m.c >> 1
                };
                let with = parse_nodes(pick(IDENT_POOL, k).expect("pool"));
                seq_mut(ns, &p).splice(i..=i, with);
            }
        }
        // replace a literal
        4 => {
            let mut lits = Vec::new();
            positions(ns, &mut Vec::new(), true, &is_literal, &mut lits);
            if let Some((p, i)) = pick(&lits, m.b) {
                let with = parse_nodes(pick(LIT_POOL, m.c).expect("pool"));
                seq_mut(ns, &p).splice(i..=i, with);
            }
        }
        // truncate (keeping the delimiters balanced)
        5 => {
            let total = count(ns);
            let mut keep = m.b as usize % (total + 1);
            *ns = truncate(ns, &mut keep);
        }
        // insert a token or a snippet
        6 | 7 => {
            let s = seq_mut(ns, &seq);
            let at = m.b as usize % (s.len() + 1);
            let with = parse_nodes(pick(INSERT_POOL, m.c).expect("pool"));
            s.splice(at..at, with);
        }
        // change a group's delimiter
        8 => {
            let mut groups = Vec::new();
            positions(ns, &mut Vec::new(), false, &|_| false, &mut groups);
            if let Some((p, i)) = pick(&groups, m.b) {
                if let Node::Group(d, _) = &mut seq_mut(ns, &p)[i] {
                    *d = DELIMS[m.c as usize % DELIMS.len()];
                }
            }
        }
        // unwrap a group (its contents replace it)
        9 => {
            let mut groups = Vec::new();
            positions(ns, &mut Vec::new(), false, &|_| false, &mut groups);
            if let Some((p, i)) = pick(&groups, m.b) {
                let s = seq_mut(ns, &p);
                if let Node::Group(_, c) = s[i].clone() {
                    s.splice(i..=i, c);
                }
            }
        }
        // wrap a range in a group
        10 => {
            let s = seq_mut(ns, &seq);
            if !s.is_empty() {
                let (start, end) = range(s.len(), m.b, m.c);
                let inner: Vec<Node> = s.drain(start..end).collect();
                s.insert(start, Node::Group(DELIMS[(m.c >> 8) as usize % 3], inner));
            }
        }
        // syntax-tree edits
        12..=17 => {
            let out = ast::mutate(render(ns), m);
            *ns = nodes(out);
        }
        // move a range elsewhere in the file (possibly into another group)
        _ => {
            let s = seq_mut(ns, &seq);
            if !s.is_empty() {
                let (start, end) = range(s.len(), m.b, m.c);
                let moved: Vec<Node> = s.drain(start..end).collect();
                let mut seqs = Vec::new();
                sequences(ns, &mut Vec::new(), &mut seqs);
                let target = pick(&seqs, m.c >> 4).expect("root");
                let t = seq_mut(ns, &target);
                let at = (m.b >> 8) as usize % (t.len() + 1);
                t.splice(at..at, moved);
            }
        }
    }
}

/// Mutates `src` and renders the result as source text, or `None` when the mutant
/// does not tokenize again (it is then never given to the transform).
pub fn mutate(src: &str, ms: &[Mutation]) -> Option<(String, TokenStream)> {
    let mut ns = nodes(tokenize(src)?);
    for &m in ms {
        apply(&mut ns, m);
    }
    let text = render(&ns).to_string();
    let ts = tokenize(&text)?;
    Some((text, ts))
}
