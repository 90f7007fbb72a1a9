//! The transform never panics: for thousands of generated and mutated inputs, each
//! entry point (`differentiable`, `operator`, `derive_tangent`) returns `Ok` or `Err`,
//! and every `Ok` expansion parses (items for `#[differentiable]` and
//! `derive(Tangent)`, an expression for the operators).
//!
//! Inputs: functions generated from a grammar of the supported subset and well beyond
//! it, and mutants (token-range deletions and duplications, swaps, identifier and
//! literal replacements, insertions, truncations, ...) of real inputs copied from the
//! workspace's tests. `PROPTEST_CASES=N` runs N cases per property instead of the
//! default; `PROPTEST_RNG_SEED=S` replays a run. Outcome counts are printed to stderr
//! (`cargo test -p hype-transform --test no_panic -- --nocapture`).

mod support;

use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};
use proptest::test_runner::TestRunner;
use support::corpus::{ACCEPTED, ATTRS, DERIVE_INPUTS, OPERATOR_INPUTS, UI};
use support::{check, config, mutate, mutations, tokenize, Expect, Mutation, Stats};

type S = BoxedStrategy<String>;

const OPS: &[&str] = &[
    "grad",
    "jvp",
    "vjp",
    "value_and_grad",
    "diff",
    "gradv",
    "jacobian",
    "jacobian_t_v",
];

// ---------------------------------------------------------------- the grammar
//
// A grammar of templates: `$0`, `$1`, `$2` are subexpressions, `$s` and `$t`
// statement lists, `$B` an expression statement; the other `$x` are the terminals
// below (`$v` a variable, `$l` a literal, `$m` a method call suffix, ...). The same
// placeholder appearing twice gets the same text.

/// Variables: mostly ordinary names, sometimes names of generated code, raw
/// identifiers and keywords.
fn var() -> S {
    let common = prop::sample::select(
        &[
            "x", "x", "y", "s", "s", "a", "b", "c", "i", "j", "n", "k", "v", "w", "z", "t", "acc",
        ][..],
    );
    let odd = prop::sample::select(
        &[
            "t1",
            "t2",
            "cond1",
            "trips1",
            "tape1",
            "x_dot",
            "y_bar",
            "s_new",
            "x_adj",
            "y_pb",
            "y_g0",
            "__hype_ret",
            "__hype_seed",
            "__hype_g0",
            "ifv1",
            "tuple1",
            "r#type",
            "r#x",
            "_y",
            "_",
            "self",
            "Self",
            "f",
            "inner",
            "None",
            "S",
            "ops",
        ][..],
    );
    prop_oneof![12 => common, 1 => odd]
        .prop_map(str::to_string)
        .boxed()
}

fn select(items: &'static [&'static str]) -> S {
    prop::sample::select(items).prop_map(str::to_string).boxed()
}

/// Holes filled from the current recursion level.
#[derive(Clone)]
struct Holes {
    expr: S,
    stmts: S,
}

fn union(list: &[(u32, &'static str)], h: &Holes) -> S {
    Union::new_weighted(list.iter().map(|&(w, t)| (w, tpl(t, h))).collect()).boxed()
}

/// The strategy of one template.
fn tpl(t: &'static str, h: &Holes) -> S {
    let mut keys: Vec<char> = Vec::new();
    let mut chars = t.chars();
    while let Some(c) = chars.next() {
        if c == '$' {
            let k = chars.next().expect("a placeholder after `$`");
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    if keys.is_empty() {
        return Just(t.to_string()).boxed();
    }
    let holes: Vec<S> = keys.iter().map(|&k| hole(k, h)).collect();
    holes
        .prop_map(move |vals| {
            let mut out = String::with_capacity(t.len() + 16);
            let mut chars = t.chars();
            while let Some(c) = chars.next() {
                if c == '$' {
                    let k = chars.next().expect("placeholder");
                    let i = keys.iter().position(|&x| x == k).expect("known key");
                    out.push_str(&vals[i]);
                } else {
                    out.push(c);
                }
            }
            out
        })
        .boxed()
}

fn hole(k: char, h: &Holes) -> S {
    match k {
        '0' | '1' | '2' => h.expr.clone(),
        's' | 't' => h.stmts.clone(),
        'B' => h
            .expr
            .clone()
            .prop_map(|e| {
                let blocky = [
                    "if ", "for ", "while ", "{", "loop ", "unsafe ", "match ", "'",
                ]
                .iter()
                .any(|p| e.starts_with(p));
                if blocky {
                    e
                } else {
                    format!("{e};")
                }
            })
            .boxed(),
        'v' | 'w' => var(),
        'n' => select(&[
            "x", "x", "y", "c", "n", "k", "v", "w", "a", "b", "r#x", "_x", "x_dot", "t1",
        ]),
        'l' => select(&[
            "0.0",
            "1.0",
            "1.0",
            "2.0",
            "0.5",
            "3.0",
            "100.0",
            "1e-3",
            "2.5f64",
            "0",
            "1",
            "2",
            "3",
            "1usize",
            "-1.0",
            "f64::NAN",
            "std::f64::consts::PI",
            "true",
            "false",
            "\"s\"",
            "'c'",
            "1_000",
            "0x1F",
            "f64::INFINITY",
            "1e999",
            "255u8",
        ]),
        'o' => union(
            &[
                (6, "+"),
                (4, "-"),
                (6, "*"),
                (3, "/"),
                (1, "%"),
                (1, "=="),
                (2, "<"),
                (2, ">"),
                (1, "<="),
                (1, ">="),
                (1, "!="),
                (1, "&&"),
                (1, "||"),
                (1, "&"),
                (1, "|"),
                (1, "^"),
                (1, "<<"),
                (1, ">>"),
            ],
            h,
        ),
        'a' => union(
            &[
                (4, "+="),
                (3, "-="),
                (3, "*="),
                (2, "/="),
                (1, "%="),
                (1, "&="),
                (1, "|="),
                (1, "^="),
                (1, "<<="),
                (1, ">>="),
            ],
            h,
        ),
        'i' => union(
            &[
                (6, "i"),
                (3, "0"),
                (2, "1"),
                (3, "i + 1"),
                (1, "(i + 1) % n"),
                (1, "[i, j]"),
                (1, "[0, 1]"),
                (1, ".."),
                (1, "0..2"),
                (1, "k"),
                (1, "n - 1"),
                (1, "x.len() - 1"),
                (1, "j as usize"),
                (1, "$0"),
            ],
            h,
        ),
        'y' => union(
            &[
                (10, "f64"),
                (8, "&Array1<f64>"),
                (3, "&Array2<f64>"),
                (2, "Array1<f64>"),
                (4, "usize"),
                (1, "&f64"),
                (1, "i32"),
                (1, "bool"),
                (1, "&[f64]"),
                (1, "(f64, f64)"),
                (1, "(usize, f64)"),
                (1, "Vec<f64>"),
                (1, "Vec<usize>"),
                (1, "Option<f64>"),
                (1, "&mut f64"),
                (1, "&mut Array1<f64>"),
                (1, "Layer"),
                (1, "T"),
                (1, "impl Fn(f64) -> f64"),
                (1, "[f64; 3]"),
                (1, "*const f64"),
                (1, "&'a f64"),
                (1, "Box<f64>"),
                (1, "&str"),
                (1, "Axis"),
                (1, "!"),
                (1, "dyn Fn()"),
                (1, "_"),
                (1, "&&Array1<f64>"),
                (1, "Self"),
                (1, "ArrayView1<'_, f64>"),
                (1, "<T as Tangent>::Tangent"),
                (1, "fn(f64) -> f64"),
                (1, "()"),
            ],
            h,
        ),
        'm' => union(METHODS, h),
        'f' => union(CALLEES, h),
        'q' => union(
            &[
                (6, "i"),
                (2, "j"),
                (2, "_"),
                (1, "&v"),
                (1, "(i, v)"),
                (1, "Some(v)"),
                (1, "mut i"),
                (1, "[a, b]"),
                (1, "S { a }"),
                (1, "r#in"),
                (1, "ref i"),
                (1, "i @ _"),
                (1, "&(a, _)"),
                (1, "(_, (a, b))"),
            ],
            h,
        ),
        'r' => union(
            &[
                (4, "0..n"),
                (4, "0..x.len()"),
                (2, "0..x.len() - 1"),
                (2, "(0..n).rev()"),
                (1, "(0..n).rev().step_by(2)"),
                (2, "0..3"),
                (1, "0..=n"),
                (1, "$0..$1"),
                (1, "x.iter()"),
                (1, "&v"),
                (1, "v"),
                (1, "x.iter().map(|v| v * 2.0)"),
                (1, "x.outer_iter()"),
                (1, "x.iter().enumerate()"),
                (1, "(&x).into_iter()"),
                (1, "$0"),
                (1, "[x, y]"),
                (1, "vec![1, 2]"),
            ],
            h,
        ),
        'p' => union(
            &[
                (8, "$v"),
                (4, "mut $v"),
                (2, "$v: $y"),
                (1, "mut $v: Array1<f64>"),
                (1, "_"),
                (1, "ref $v"),
                (1, "$v @ _"),
                (1, "&$v"),
                (1, "[$v, $w]"),
                (1, "S { a: $v, .. }"),
                (1, "Some($v)"),
                (1, "($v)"),
                (1, "($v,)"),
                (1, "mut $v: _"),
            ],
            h,
        ),
        other => panic!("unknown placeholder ${other}"),
    }
}

/// Method call suffixes: primitives with the right and wrong arities, shape queries,
/// copies, unknown methods, chains.
const METHODS: &[(u32, &str)] = &[
    (4, ".sin()"),
    (2, ".cos()"),
    (3, ".exp()"),
    (2, ".ln()"),
    (2, ".sqrt()"),
    (2, ".tanh()"),
    (1, ".abs()"),
    (1, ".recip()"),
    (1, ".cbrt()"),
    (1, ".log2()"),
    (2, ".powi(2)"),
    (1, ".powi($0)"),
    (1, ".powi($v)"),
    (1, ".powi()"),
    (1, ".powf($0)"),
    (1, ".max($0)"),
    (1, ".min($0)"),
    (1, ".hypot($0)"),
    (1, ".atan2($0)"),
    (1, ".mul_add($0, $1)"),
    (1, ".mul_add($0)"),
    (2, ".dot($0)"),
    (1, ".t()"),
    (1, ".reversed_axes()"),
    (3, ".sum()"),
    (1, ".mean()"),
    (1, ".sum_axis(Axis(0))"),
    (1, ".sum_axis($0)"),
    (1, ".mean_axis(Axis(0)).unwrap()"),
    (1, ".mean_axis(Axis(1)).expect(\"e\")"),
    (1, ".insert_axis(Axis(1))"),
    (1, ".slice(s![.., 0])"),
    (2, ".len()"),
    (1, ".shape()"),
    (1, ".shape()[0]"),
    (1, ".nrows()"),
    (1, ".is_nan()"),
    (1, ".partial_cmp(&$0)"),
    (1, ".total_cmp(&$0)"),
    (2, ".clone()"),
    (1, ".to_owned()"),
    (1, ".view()"),
    (1, ".into_owned()"),
    (1, ".unwrap()"),
    (1, ".iter()"),
    (1, ".to_vec()"),
    (1, ".cumsum()"),
    (1, ".frobnicate($0)"),
    (1, ".sin($0)"),
    (1, ".sum::<f64>()"),
    (1, ".exp().ln()"),
    (1, ".map(|v| v * 2.0)"),
    (1, ".iter().sum::<f64>()"),
    (1, ".r#type()"),
    (1, ".await"),
    (1, "?"),
    (1, ".0"),
    (1, ".a"),
];

/// Called functions: other differentiable functions, `hype::ops`, constructors,
/// paths of every shape.
const CALLEES: &[(u32, &str)] = &[
    (4, "inner"),
    (2, "outer"),
    (2, "helper"),
    (1, "g"),
    (1, "f"),
    (2, "ops::sigmoid"),
    (1, "hype::ops::l2"),
    (1, "ops::cross_entropy_on_linear"),
    (1, "ops::mse"),
    (1, "ops::softmax"),
    (1, "ops::frob"),
    (1, "hype::ops::sin"),
    (2, "sin"),
    (1, "exp"),
    (1, "relu"),
    (1, "stop_gradient"),
    (1, "nested_module::cube"),
    (1, "m::f"),
    (1, "Array1::zeros"),
    (1, "Array1::<f64>::zeros"),
    (1, "f64::max"),
    (1, "f64::sin"),
    (1, "<f64>::sin"),
    (1, "<f64 as Float>::sin"),
    (1, "crate::f"),
    (1, "self::g"),
    (1, "super::h"),
    (1, "::f"),
    (1, "Some"),
    (1, "S"),
    (1, "Axis"),
    (1, "g::<f64>"),
    (1, "(inner)"),
    (1, "(|v: f64| v)"),
    (1, "a::b::c::d"),
    (1, "r#fn"),
    (1, "x"),
];

/// Statements; `$0`, `$1` come from the expression level below.
const STMTS: &[(u32, &str)] = &[
    (14, "let $p = $0;"),
    (6, "let mut $v = $0;"),
    (2, "let $v: $y = $0;"),
    (2, "let $v;"),
    (1, "let mut $v;"),
    (1, "let $v: f64;"),
    (3, "let ($v, $w) = ($0, $1);"),
    (1, "let ($v, mut $w) = ($0, $1);"),
    (1, "let ($v, $w) = ($0, $1, $2);"),
    (1, "let (mut $v, $w) = $0;"),
    (1, "let ($v, ($w, z)) = ($0, ($1, 1.0));"),
    (1, "let ($v, _) = ($0, $1);"),
    (1, "let (_, $v) = $0;"),
    (1, "let () = ();"),
    (1, "let _ = $0;"),
    (1, "let Some($v) = $0 else { panic!() };"),
    (1, "let $v = $0 else { return 0.0; };"),
    (1, "#[allow(unused)] let $v = $0;"),
    (10, "$v = $0;"),
    (10, "$v $a $0;"),
    (6, "$v[$i] = $0;"),
    (4, "$v[$i] $a $0;"),
    (1, "*$v = $0;"),
    (1, "$v.a = $0;"),
    (1, "$v.0 = $0;"),
    (1, "($v, $w) = ($0, $1);"),
    (1, "_ = $0;"),
    (1, "($v) = $0;"),
    (1, "$v[i][j] = $0;"),
    (1, "($v)[$i] = $0;"),
    (1, "$v.a[$i] = $0;"),
    (1, "$0 = $1;"),
    (1, "$0 $a $1;"),
    (8, "$0;"),
    (8, "$B"),
    (2, "println!(\"{}\", $0);"),
    (1, "assert!($0);"),
    (1, "debug_assert!($0 > 0.0, \"msg\");"),
    (1, "my_macro! { $0 }"),
    (1, "my_macro!($0)"),
    (1, "vec![$0];"),
    (1, "fn g(y: f64) -> f64 { y }"),
    (1, "struct Q;"),
    (1, "use std::f64;"),
    (1, "const C: f64 = $0;"),
    (1, "static W: f64 = 1.0;"),
    (1, "impl Q {}"),
    (1, "macro_rules! mm { () => {}; }"),
    (1, ";"),
    (1, "#[cfg(test)] $0;"),
];

/// Expressions with subexpressions (`$0`..`$2`) and statement lists (`$s`, `$t`).
const EXPRS: &[(u32, &str)] = &[
    // the supported subset
    (14, "$0 $o $1"),
    (3, "($0)"),
    (3, "-$0"),
    (10, "$0$m"),
    (3, "($0)$m"),
    (5, "$f($0)"),
    (3, "$f($0, $1)"),
    (1, "$f()"),
    (1, "$f($0, $1, $2)"),
    (1, "$f(&$0)"),
    (6, "$v[$i]"),
    (1, "($v)[$i]"),
    (1, "$0[$1]"),
    (1, "$v.a[$i]"),
    (6, "if $0 { $s $1 } else { $t $2 }"),
    (2, "if $0 { $s $1 } else if $2 { $t $1 } else { $2 }"),
    (3, "if $0 { $s }"),
    (1, "if $0 { $s } else { $t }"),
    (1, "if $0 { $s $1 }"),
    (3, "{ $s $0 }"),
    (1, "{ $s }"),
    (4, "for $q in $r { $s }"),
    (3, "while $0 { $s }"),
    (2, "$0 as f64"),
    (1, "$0 as usize"),
    (1, "($0) as i32"),
    (2, "&$0"),
    (2, "array![$0, $1]"),
    (1, "array![[$0], [$1]]"),
    (1, "array![$0; 3]"),
    // outside the subset
    (1, "!$0"),
    (1, "*$0"),
    (1, "&mut $0"),
    (1, "&&$0"),
    (1, "while let Some($v) = $0 { $s }"),
    (1, "if let Some($v) = $0 { $1 } else { $2 }"),
    (1, "if let Some($v) = $0 && $1 { $2 } else { $2 }"),
    (1, "loop { $s break; }"),
    (1, "loop { $s break $0; }"),
    (1, "'l: loop { $s break 'l $0; }"),
    (1, "'b: { $s $0 }"),
    (1, "'w: while $0 { $s continue 'w; }"),
    (1, "'f: for $q in $r { $s break 'f; }"),
    (1, "match $0 { 0 => $1, _ => $2 }"),
    (1, "match $0 { Some(z) if z > 0.0 => z, _ => $1 }"),
    (1, "match $0 {}"),
    (1, "|$v| $0"),
    (1, "move |$v: f64| -> f64 { $s $0 }"),
    (1, "|| $0"),
    (1, "(|y| y * $0)($1)"),
    (1, "async || $0"),
    (1, "unsafe { $s $0 }"),
    (1, "async { $0 }"),
    (1, "async move { $s }"),
    (1, "$0.await"),
    (1, "$0?"),
    (1, "try { $0 }"),
    (1, "const { $0 }"),
    (1, "return $0"),
    (1, "return"),
    (1, "break"),
    (1, "continue"),
    (1, "yield $0"),
    (1, "become $f($0)"),
    (2, "($0, $1)"),
    (1, "($0,)"),
    (1, "()"),
    (1, "$0.0"),
    (1, "$v.1"),
    (1, "S { a: $0, b: $1 }"),
    (1, "Layer { w: $0, ..$1 }"),
    (1, "S { $v }"),
    (1, "$0.w"),
    (1, "$v.b"),
    (1, "$0..$1"),
    (1, "..$0"),
    (1, ".."),
    (1, "$0..=$1"),
    (1, "[$0, $1]"),
    (1, "[$0; 3]"),
    (1, "vec![$0; 2]"),
    (1, "format!(\"{}\", $0)"),
    (1, "s![.., $0]"),
    (1, "my_macro!($0)"),
    (1, "my_macro! { $s }"),
    (1, "assert!($0)"),
    (1, "matches!($0, _)"),
    (1, "todo!()"),
    (1, "($v = $0)"),
    (1, "($v += $0)"),
    (1, "$0 $a $1"),
    (1, "#[allow(unused)] $0"),
    (1, "<f64 as Float>::sin($0)"),
    (1, "Array1::zeros($0)"),
    (1, "$0 $o $1 $o $2"),
    (1, "- - $0"),
    (1, "$0.$v"),
    (1, "$0.$v::<f64>($1)"),
    (1, "$0 as $y"),
    (1, "&raw const $v"),
];

/// Expressions without subexpressions.
const LEAVES: &[(u32, &str)] = &[
    (12, "$v"),
    (6, "$l"),
    (3, "$v[$i]"),
    (2, "$v.len()"),
    (1, "i as f64"),
    (1, "x.shape()[0]"),
    (1, "Axis(0)"),
    (1, "$v$m"),
];

fn leaf() -> S {
    let simple = prop_oneof![3 => var(), 1 => hole('l', &dummy_holes())].boxed();
    let h = Holes {
        expr: simple,
        stmts: Just(String::new()).boxed(),
    };
    union(LEAVES, &h)
}

fn dummy_holes() -> Holes {
    Holes {
        expr: Just("x".to_string()).boxed(),
        stmts: Just(String::new()).boxed(),
    }
}

/// Statement lists whose expressions come from `expr`.
fn stmts(expr: S, max: usize) -> S {
    let h = Holes {
        expr,
        stmts: Just(String::new()).boxed(),
    };
    prop::collection::vec(union(STMTS, &h), 0..max)
        .prop_map(|v| v.join(" "))
        .boxed()
}

fn expr() -> S {
    leaf()
        .prop_recursive(4, 48, 3, |inner| {
            let h = Holes {
                expr: inner.clone(),
                stmts: stmts(inner, 3),
            };
            union(EXPRS, &h)
        })
        .boxed()
}

/// A whole function item.
fn function() -> S {
    let e = expr();
    let h = Holes {
        expr: e.clone(),
        stmts: Just(String::new()).boxed(),
    };
    let attrs = union(
        &[
            (20, ""),
            (1, "#[inline]"),
            (1, "/// doc\n"),
            (1, "#[doc = \"d\"]"),
            (1, "#[differentiable]"),
            (1, "#[constant]"),
            (1, "#[allow(unused)] #[must_use]"),
        ],
        &h,
    );
    let vis = union(
        &[
            (10, ""),
            (3, "pub"),
            (1, "pub(crate)"),
            (1, "pub(super)"),
            (1, "pub(in crate::m)"),
        ],
        &h,
    );
    let quals = union(
        &[
            (30, ""),
            (1, "const"),
            (1, "async"),
            (1, "unsafe"),
            (1, "extern \"C\""),
            (1, "const unsafe"),
            (1, "async unsafe"),
            (1, "default"),
        ],
        &h,
    );
    let name = union(
        &[
            (10, "f"),
            (2, "g"),
            (1, "rosen"),
            (1, "r#fn"),
            (1, "r#type"),
            (1, "f__fwd"),
            (1, "_f"),
            (1, "inner"),
            (1, "x"),
        ],
        &h,
    );
    let generics = union(
        &[
            (20, ""),
            (1, "<T>"),
            (1, "<'a>"),
            (1, "<T: Clone>"),
            (1, "<const N: usize>"),
            (1, "<'a, T>"),
            (1, "<T, 'a>"),
            (1, "<T = f64>"),
            (1, "<'h>"),
            (1, "<'h0, 'h1>"),
            (1, "<'a: 'b, 'b>"),
            (1, "<T: Tangent + 'static, const N: usize>"),
        ],
        &h,
    );
    let param = union(
        &[
            (16, "$n: $y"),
            (3, "#[constant] $n: $y"),
            (1, "mut $n: $y"),
            (1, "($n, $v): ($y, $y)"),
            (1, "_: $y"),
            (1, "self"),
            (1, "&self"),
            (1, "&mut self"),
            (1, "mut self"),
            (1, "self: &Self"),
            (1, "ref $n: $y"),
            (1, "#[constant] #[other] $n: $y"),
            (1, "#[differentiable] $n: $y"),
            (1, "#[constant(x)] $n: $y"),
            (1, "$n @ _: $y"),
            (1, "S { a }: S"),
            (1, "..."),
        ],
        &h,
    );
    let params = prop::collection::vec(param, 0..5).prop_map(|ps| ps.join(", "));
    let ret = union(
        &[
            (16, "-> f64"),
            (3, "-> Array1<f64>"),
            (1, "-> (f64, f64)"),
            (1, ""),
            (1, "-> ()"),
            (1, "-> impl Sized"),
            (1, "-> T"),
            (1, "-> &f64"),
            (1, "-> &'a f64"),
            (1, "-> !"),
            (1, "-> Self"),
            (1, "-> usize"),
            (1, "-> Layer"),
        ],
        &h,
    );
    let where_clause = union(
        &[
            (20, ""),
            (1, "where T: Tangent"),
            (1, "where for<'b> T: Fn(&'b f64)"),
            (1, "where"),
        ],
        &h,
    );
    let body = stmts(e.clone(), 8);
    let tail = union(
        &[
            (5, "$v"),
            (4, "$0"),
            (2, "s"),
            (2, "x"),
            (2, ""),
            (1, "$0;"),
        ],
        &h,
    );
    (
        (attrs, vis, quals, name, generics),
        (params, ret, where_clause, body, tail),
    )
        .prop_map(|((a, v, q, n, g), (p, r, w, b, t))| {
            format!("{a} {v} {q} fn {n}{g}({p}) {r} {w} {{\n    {b}\n    {t}\n}}")
        })
        .boxed()
}

// ---------------------------------------------------------------- runners

fn run<T: std::fmt::Debug>(
    stats: &Stats,
    cases: u32,
    strategy: impl Strategy<Value = T>,
    test: impl Fn(T) -> Result<(), TestCaseError>,
) {
    let mut runner = TestRunner::new(config(cases));
    let result = runner.run(&strategy, test);
    stats.report();
    if let Err(e) = result {
        panic!("{}: {e}", stats.name);
    }
}

fn differentiable_case(stats: &Stats, attr: &str, item_src: &str) -> Result<(), TestCaseError> {
    let (Some(attr_ts), Some(item_ts)) = (tokenize(attr), tokenize(item_src)) else {
        stats.skip();
        return Ok(());
    };
    check(
        stats,
        "differentiable",
        &|| format!("#[differentiable({attr})]\n{item_src}"),
        Expect::Items,
        || hype_transform::differentiable(attr_ts, item_ts),
    )
}

fn operator_cases(stats: &Stats, src: &str) -> Result<(), TestCaseError> {
    let Some(ts) = tokenize(src) else {
        stats.skip();
        return Ok(());
    };
    for op in OPS {
        check(
            stats,
            "operator",
            &|| format!("{op}!({src})"),
            Expect::Expr,
            || hype_transform::operator(ts.clone(), op),
        )?;
    }
    Ok(())
}

fn derive_case(stats: &Stats, src: &str) -> Result<(), TestCaseError> {
    let Some(ts) = tokenize(src) else {
        stats.skip();
        return Ok(());
    };
    check(
        stats,
        "derive_tangent",
        &|| format!("#[derive(Tangent)]\n{src}"),
        Expect::Items,
        || hype_transform::derive_tangent(ts),
    )
}

fn corpus_item() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        2 => prop::sample::select(ACCEPTED),
        1 => prop::sample::select(UI),
    ]
}

fn attr() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(ATTRS).prop_map(str::to_string),
        1 => (prop::sample::select(ATTRS), mutations())
            .prop_map(|(a, ms)| mutate(a, &ms).map_or_else(String::new, |(t, _)| t)),
    ]
}

// ---------------------------------------------------------------- properties

/// Sanity check of the corpus: each accepted function expands (with every attribute
/// argument that is not an error) and every input is handled without a panic.
#[test]
fn corpus_inputs_never_panic() {
    static STATS: Stats = Stats::new("corpus_inputs_never_panic");
    let mut failures = Vec::new();
    for src in ACCEPTED.iter().chain(UI) {
        for attr in ATTRS {
            if let Err(e) = differentiable_case(&STATS, attr, src) {
                failures.push(e.to_string());
            }
        }
    }
    for src in OPERATOR_INPUTS.iter().chain(ACCEPTED).chain(UI) {
        if let Err(e) = operator_cases(&STATS, src) {
            failures.push(e.to_string());
        }
    }
    for src in DERIVE_INPUTS.iter().chain(UI) {
        if let Err(e) = derive_case(&STATS, src) {
            failures.push(e.to_string());
        }
    }
    for src in ACCEPTED {
        let out = hype_transform::differentiable(
            tokenize("").unwrap(),
            tokenize(src).expect("corpus tokenizes"),
        );
        if let Err(e) = out {
            failures.push(format!("corpus function rejected: {e}\n{src}"));
        }
    }
    STATS.report();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Functions generated from the grammar, given to `#[differentiable]`.
#[test]
fn generated_functions_never_panic() {
    static STATS: Stats = Stats::new("generated_functions_never_panic");
    run(
        &STATS,
        2000,
        (
            function(),
            prop_oneof![8 => Just(""), 1 => prop::sample::select(ATTRS)],
        ),
        |(src, attr)| differentiable_case(&STATS, attr, &src),
    );
}

/// Generated functions, then mutated.
#[test]
fn mutated_generated_functions_never_panic() {
    static STATS: Stats = Stats::new("mutated_generated_functions_never_panic");
    run(
        &STATS,
        1000,
        (function(), mutations()),
        |(src, ms)| match mutate(&src, &ms) {
            Some((text, _)) => differentiable_case(&STATS, "", &text),
            None => {
                STATS.skip();
                Ok(())
            }
        },
    );
}

/// Mutants of the corpus functions, with random attribute arguments.
#[test]
fn mutated_corpus_differentiable_never_panics() {
    static STATS: Stats = Stats::new("mutated_corpus_differentiable_never_panics");
    run(
        &STATS,
        2500,
        (corpus_item(), mutations(), attr()),
        |(src, ms, attr): (&str, Vec<Mutation>, String)| match mutate(src, &ms) {
            Some((text, _)) => differentiable_case(&STATS, &attr, &text),
            None => {
                STATS.skip();
                Ok(())
            }
        },
    );
}

/// Mutants of operator inputs (and of whole functions), with every operator.
#[test]
fn mutated_operator_inputs_never_panic() {
    static STATS: Stats = Stats::new("mutated_operator_inputs_never_panic");
    let input = prop_oneof![
        4 => prop::sample::select(OPERATOR_INPUTS),
        1 => corpus_item(),
    ];
    run(
        &STATS,
        1500,
        (input, mutations()),
        |(src, ms)| match mutate(src, &ms) {
            Some((text, _)) => operator_cases(&STATS, &text),
            None => {
                STATS.skip();
                Ok(())
            }
        },
    );
}

/// Mutants of struct, enum and union definitions given to `derive(Tangent)`.
#[test]
fn mutated_derive_inputs_never_panic() {
    static STATS: Stats = Stats::new("mutated_derive_inputs_never_panic");
    let input = prop_oneof![
        6 => prop::sample::select(DERIVE_INPUTS),
        1 => corpus_item(),
    ];
    run(
        &STATS,
        2000,
        (input, mutations()),
        |(src, ms)| match mutate(src, &ms) {
            Some((text, _)) => derive_case(&STATS, &text),
            None => {
                STATS.skip();
                Ok(())
            }
        },
    );
}
