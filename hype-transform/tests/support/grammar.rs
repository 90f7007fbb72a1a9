//! A grammar of function sources for the no-panic property tests: the supported
//! subset (so that most inputs get deep into lowering and emission) and, in "wild"
//! mode, much of the rest of Rust.
//!
//! Productions are templates: `$0`, `$1`, `$2` are subexpressions, `$s` and `$t`
//! statement lists, `$B` an expression statement; the other `$x` are the terminals of
//! [`Gen::hole`] (`$v` a variable, `$l` a literal, `$m` a method call suffix, ...). The
//! same placeholder appearing twice in a template gets the same text.
//!
//! Sources are expanded directly from a seed (a proptest strategy tree per node is
//! far too slow in a debug build); failures are minimized by `super::minimize`.

type Table = &'static [(u32, &'static str)];

/// The source generator: a SplitMix64 stream and the mode.
pub struct Gen {
    state: u64,
    wild: bool,
}

const BLOCKY: [&str; 8] = [
    "if ", "for ", "while ", "{", "loop ", "unsafe ", "match ", "'",
];

impl Gen {
    pub fn new(seed: u64, wild: bool) -> Self {
        Gen { state: seed, wild }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// One in `n`.
    fn chance(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    fn weighted(&mut self, tables: &[Table]) -> &'static str {
        let total: u32 = tables.iter().flat_map(|t| t.iter()).map(|e| e.0).sum();
        let mut k = self.below(total as usize) as u32;
        for &(w, t) in tables.iter().flat_map(|t| t.iter()) {
            if k < w {
                return t;
            }
            k -= w;
        }
        unreachable!("weights add up")
    }

    /// A production of `subset`, or in wild mode of `subset` and `beyond`.
    fn tiered(&mut self, subset: Table, beyond: Table) -> &'static str {
        if self.wild {
            self.weighted(&[subset, beyond])
        } else {
            self.weighted(&[subset])
        }
    }

    /// Signature parts: odd only now and then, even in wild mode.
    fn tiered_top(&mut self, subset: Table, beyond: Table) -> &'static str {
        if self.wild && self.chance(7) {
            self.weighted(&[beyond])
        } else {
            self.weighted(&[subset])
        }
    }

    /// Expands template `t`; expression holes are expressions of depth `depth`.
    fn fill(&mut self, t: &str, depth: usize, preset: &[(char, String)]) -> String {
        let mut vals: Vec<(char, String)> = preset.to_vec();
        let mut out = String::with_capacity(t.len() + 16);
        let mut chars = t.chars();
        while let Some(c) = chars.next() {
            if c != '$' {
                out.push(c);
                continue;
            }
            let k = chars.next().expect("a placeholder after `$`");
            let v = match vals.iter().find(|(key, _)| *key == k) {
                Some((_, v)) => v.clone(),
                None => {
                    let v = self.hole(k, depth);
                    vals.push((k, v.clone()));
                    v
                }
            };
            out.push_str(&v);
        }
        out
    }

    fn from(&mut self, subset: Table, beyond: Table, depth: usize) -> String {
        let t = self.tiered(subset, beyond);
        self.fill(t, depth, &[])
    }

    fn hole(&mut self, k: char, depth: usize) -> String {
        match k {
            '0' | '1' | '2' => self.expr(depth),
            's' | 't' => self.stmts(depth, 3),
            // An expression statement: `;` unless the expression is block-like.
            'B' => {
                let e = self.expr(depth);
                if BLOCKY.iter().any(|p| e.starts_with(p)) {
                    e
                } else {
                    format!("{e};")
                }
            }
            // A method receiver: parenthesized unless it is a name, call or index.
            'R' => {
                let e = self.expr(depth);
                if e.chars()
                    .all(|c| c.is_alphanumeric() || "_:.[]()".contains(c))
                {
                    e
                } else {
                    format!("({e})")
                }
            }
            // An operand that cannot change the parse of what surrounds it (no
            // block-like expression at the start of a statement, no chained
            // comparison, no `as T <`).
            'X' | 'Y' => {
                let e = self.expr(depth);
                let blocky = BLOCKY.iter().any(|p| e.starts_with(p));
                if blocky || ["<", ">", "=", " as "].iter().any(|p| e.contains(p)) {
                    format!("({e})")
                } else {
                    e
                }
            }
            'C' => self.from(COMPARISONS, &[], depth),
            'v' | 'w' => self.from(VARS, ODD_VARS, depth),
            // Locals declared by the prelude: scalars and arrays.
            'L' => self.from(
                &[(3, "s"), (2, "acc"), (1, "z"), (1, "t"), (1, "k"), (1, "y")],
                ODD_VARS,
                depth,
            ),
            'A' => self.from(&[(3, "y"), (1, "w")], ODD_VARS, depth),
            'n' => self.from(PARAM_NAMES, ODD_PARAM_NAMES, depth),
            'l' => self.from(LITS, ODD_LITS, depth),
            'o' => self.from(BINOPS, ODD_BINOPS, depth),
            'a' => self.from(COMPOUND, ODD_COMPOUND, depth),
            'i' => self.from(INDICES, ODD_INDICES, depth),
            'y' => self.from(TYPES, ODD_TYPES, depth),
            'm' => self.from(METHODS, ODD_METHODS, depth),
            'f' => self.from(CALLEES, ODD_CALLEES, depth),
            'q' => self.from(FOR_PATS, ODD_FOR_PATS, depth),
            'r' => self.from(ITERS, ODD_ITERS, depth),
            'p' => self.from(LET_PATS, ODD_LET_PATS, depth),
            'c' => self.from(ARM_PATS, ODD_ARM_PATS, depth),
            other => panic!("unknown placeholder ${other}"),
        }
    }

    /// An expression of depth at most `depth`.
    pub fn expr(&mut self, depth: usize) -> String {
        if depth == 0 {
            // (A leaf's own subexpressions, e.g. in `.powf($0)`, are leaves again.)
            return self.from(LEAVES, ODD_LEAVES, 0);
        }
        if self.chance(3) {
            return self.expr(depth - 1);
        }
        self.from(EXPRS, ODD_EXPRS, depth - 1)
    }

    /// Up to `max - 1` statements whose expressions have depth at most `depth`.
    pub fn stmts(&mut self, depth: usize, max: usize) -> String {
        let n = self.below(max);
        let v: Vec<String> = (0..n).map(|_| self.from(STMTS, ODD_STMTS, depth)).collect();
        v.join(" ")
    }

    /// Declarations at the top of a body, so that later assignments find locals.
    fn prelude(&mut self) -> String {
        const ALL: &str = "let mut s = 0.0; let mut acc = x; let mut z = 0.0; let mut t = 1.0; \
            let mut k = 0; let mut y = Array1::zeros(n); let mut w = Array1::zeros(3);";
        const SOME: &[&str] = &[
            "let mut s = 0.0;",
            "let mut acc = 1.0;",
            "let mut y = Array1::zeros(3);",
            "let mut a = x.clone();",
            "let n = x.len();",
            "let mut k = 0;",
            "let mut z = 0.0;",
            "let mut t = 1.0;",
            "let mut w = Array1::zeros(n);",
            "let mut i = 0;",
            "let mut x = x;",
            "let mut s = x.sum();",
        ];
        if !self.chance(4) {
            return ALL.to_string();
        }
        let n = self.below(6);
        let v: Vec<&str> = (0..n).map(|_| SOME[self.below(SOME.len())]).collect();
        v.join(" ")
    }

    /// A whole function item.
    pub fn function(&mut self) -> String {
        let attrs = self.tiered_top(FN_ATTRS, ODD_FN_ATTRS);
        let vis = self.tiered_top(VIS, ODD_VIS);
        let quals = self.tiered_top(QUALS, ODD_QUALS);
        let name = self.tiered_top(NAMES, ODD_NAMES);
        let generics = self.tiered_top(GENERICS, ODD_GENERICS);
        let mut params: Vec<String> = Vec::new();
        if !self.wild && self.chance(13) {
            params.push("&self".into());
        }
        for _ in 0..self.below(5) {
            let t = self.tiered_top(PARAMS, ODD_PARAMS);
            params.push(self.fill(t, 1, &[]));
        }
        let ret = self.tiered_top(RETS, ODD_RETS);
        let where_clause = self.tiered_top(WHERES, ODD_WHERES);
        let prelude = self.prelude();
        let body = self.stmts(3, 8);
        let tail = self.tiered_top(TAILS, ODD_TAILS);
        let tail = self.fill(tail, 3, &[]);
        let params = params.join(", ");
        format!(
            "{attrs} {vis} {quals} fn {name}{generics}({params}) {ret} {where_clause} {{\n    {prelude} {body}\n    {tail}\n}}"
        )
    }

    /// A closure literal, as given to the derivative operators.
    pub fn closure(&mut self) -> String {
        let n = self.below(4);
        let params: Vec<String> = (0..n)
            .map(|_| self.from(CLOSURE_PARAMS, ODD_CLOSURE_PARAMS, 1))
            .collect();
        let shape = self.tiered(CLOSURE_SHAPES, ODD_CLOSURE_SHAPES);
        self.fill(shape, 3, &[('P', params.join(", "))])
    }
}

/// A function source: three in four from the subset grammar, the rest wild.
pub fn function(seed: u64) -> String {
    Gen::new(seed, seed % 4 == 3).function()
}

/// A closure source: three in four from the subset grammar, the rest wild.
pub fn closure(seed: u64) -> String {
    Gen::new(seed, seed % 4 == 3).closure()
}

// ---------------------------------------------------------------- terminals

const VARS: Table = &[
    (3, "x"),
    (2, "y"),
    (2, "s"),
    (1, "a"),
    (1, "b"),
    (1, "c"),
    (1, "i"),
    (1, "j"),
    (1, "n"),
    (1, "k"),
    (1, "v"),
    (1, "w"),
    (1, "z"),
    (1, "t"),
    (1, "acc"),
];

/// Names of generated code (collisions), raw identifiers, keywords.
const ODD_VARS: Table = &[
    (1, "t1"),
    (1, "cond1"),
    (1, "trips1"),
    (1, "tape1"),
    (1, "x_dot"),
    (1, "y_bar"),
    (1, "s_new"),
    (1, "x_adj"),
    (1, "y_pb"),
    (1, "__hype_ret"),
    (1, "__hype_match1"),
    (1, "__hype_break1"),
    (1, "r#type"),
    (1, "r#x"),
    (1, "_y"),
    (1, "_"),
    (1, "self"),
    (1, "Self"),
    (1, "f"),
    (1, "None"),
    (1, "S"),
];

const PARAM_NAMES: Table = &[
    (4, "x"),
    (2, "y"),
    (2, "c"),
    (2, "n"),
    (1, "k"),
    (1, "v"),
    (1, "w"),
    (1, "a"),
    (1, "b"),
    (1, "p"),
];

const ODD_PARAM_NAMES: Table = &[
    (1, "r#x"),
    (1, "r#type"),
    (1, "_x"),
    (1, "x_dot"),
    (1, "t1"),
    (1, "__hype_ret"),
    (1, "__hype_g0"),
];

const LITS: Table = &[
    (3, "1.0"),
    (2, "0.0"),
    (2, "2.0"),
    (1, "0.5"),
    (1, "3.0"),
    (1, "100.0"),
    (1, "1e-3"),
    (1, "2.5f64"),
    (1, "0"),
    (2, "1"),
    (1, "2"),
    (1, "3"),
    (1, "1usize"),
    (1, "-1.0"),
    (1, "true"),
];

const ODD_LITS: Table = &[
    (1, "f64::NAN"),
    (1, "std::f64::consts::PI"),
    (1, "false"),
    (1, "\"s\""),
    (1, "'c'"),
    (1, "1_000"),
    (1, "0x1F"),
    (1, "f64::INFINITY"),
    (1, "1e999"),
    (1, "255u8"),
    (1, "b'a'"),
];

const BINOPS: Table = &[(6, "+"), (4, "-"), (6, "*"), (3, "/")];

const COMPARISONS: Table = &[
    (3, "<"),
    (3, ">"),
    (1, "<="),
    (1, ">="),
    (1, "=="),
    (1, "!="),
];

const ODD_BINOPS: Table = &[
    (1, "%"),
    (1, "<"),
    (1, "=="),
    (1, "&&"),
    (1, "||"),
    (1, "&"),
    (1, "|"),
    (1, "^"),
    (1, "<<"),
    (1, ">>"),
];

const COMPOUND: Table = &[(4, "+="), (3, "-="), (3, "*="), (2, "/=")];

const ODD_COMPOUND: Table = &[
    (1, "%="),
    (1, "&="),
    (1, "|="),
    (1, "^="),
    (1, "<<="),
    (1, ">>="),
];

const INDICES: Table = &[
    (6, "i"),
    (3, "0"),
    (2, "1"),
    (3, "i + 1"),
    (1, "(i + 1) % n"),
    (1, "[i, j]"),
    (1, "k"),
    (1, "n - 1"),
];

const ODD_INDICES: Table = &[
    (1, "[0, 1]"),
    (1, ".."),
    (1, "0..2"),
    (1, "x.len() - 1"),
    (1, "j as usize"),
    (1, "$0"),
];

const TYPES: Table = &[
    (10, "f64"),
    (8, "&Array1<f64>"),
    (3, "&Array2<f64>"),
    (2, "Array1<f64>"),
    (4, "usize"),
    (1, "&f64"),
    (1, "bool"),
    (1, "i32"),
    (1, "&Layer"),
    (1, "(f64, f64)"),
    (1, "ArrayView1<f64>"),
];

const ODD_TYPES: Table = &[
    (1, "&[f64]"),
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
    (1, "(f64,)"),
    (1, "&(f64, &Array1<f64>)"),
];

/// Method call suffixes of the subset.
const METHODS: Table = &[
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
    (1, ".powi(n as i32)"),
    (1, ".powf($0)"),
    (1, ".max($0)"),
    (1, ".min($0)"),
    (1, ".hypot($0)"),
    (1, ".atan2($0)"),
    (1, ".mul_add($0, $1)"),
    (2, ".dot($0)"),
    (1, ".t()"),
    (1, ".reversed_axes()"),
    (3, ".sum()"),
    (1, ".mean()"),
    (1, ".sum_axis(Axis(0))"),
    (1, ".mean_axis(Axis(0)).unwrap()"),
    (1, ".insert_axis(Axis(1))"),
    (1, ".slice(s![.., 0])"),
    (2, ".len()"),
    (1, ".shape()[0]"),
    (1, ".nrows()"),
    (2, ".clone()"),
    (1, ".to_owned()"),
    (1, ".view()"),
];

/// Wrong arities, unknown methods, chains, non-method suffixes.
const ODD_METHODS: Table = &[
    (1, ".powi($0)"),
    (1, ".powi($v)"),
    (1, ".powi()"),
    (1, ".mul_add($0)"),
    (1, ".sum_axis($0)"),
    (1, ".mean_axis(Axis(1)).expect(\"e\")"),
    (1, ".shape()"),
    (1, ".is_nan()"),
    (1, ".partial_cmp(&$0)"),
    (1, ".total_cmp(&$0)"),
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
    (1, ".other($0)"),
    (1, ".await"),
    (1, "?"),
    (1, ".0"),
    (1, ".w"),
];

const CALLEES: Table = &[
    (4, "inner"),
    (2, "outer"),
    (2, "helper"),
    (2, "ops::sigmoid"),
    (1, "hype::ops::l2"),
    (1, "ops::cross_entropy_on_linear"),
    (1, "ops::mse"),
    (1, "ops::softmax"),
    (1, "ops::tanh"),
    (2, "sin"),
    (1, "exp"),
    (1, "relu"),
    (1, "stop_gradient"),
    (1, "nested_module::cube"),
    (1, "Array1::zeros"),
    (1, "Self::other"),
];

const ODD_CALLEES: Table = &[
    (1, "g"),
    (1, "f"),
    (1, "ops::frob"),
    (1, "hype::ops::sin"),
    (1, "m::f"),
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
    (1, "Layer::loss"),
];

const FOR_PATS: Table = &[(6, "i"), (2, "j"), (2, "_"), (1, "k")];

const ODD_FOR_PATS: Table = &[
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
];

const ITERS: Table = &[
    (4, "0..n"),
    (4, "0..x.len()"),
    (2, "0..x.len() - 1"),
    (2, "(0..n).rev()"),
    (1, "(0..n).rev().step_by(2)"),
    (2, "0..3"),
    (1, "0..=n"),
    (1, "$0..$1"),
];

const ODD_ITERS: Table = &[
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
];

const LET_PATS: Table = &[(8, "$v"), (4, "mut $v"), (2, "$v: $y")];

const ODD_LET_PATS: Table = &[
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
];

/// Patterns of `match` arms that bind nothing (the subset).
const ARM_PATS: Table = &[
    (4, "0"),
    (3, "1"),
    (2, "2 | 3"),
    (1, "4..=6"),
    (1, "N"),
    (1, "true"),
];

const ODD_ARM_PATS: Table = &[
    (1, "Some(z)"),
    (1, "z"),
    (1, "z @ 1..=2"),
    (1, "(0, _)"),
    (1, "S { a: 0, .. }"),
    (1, "[_, ..]"),
    (1, "&0"),
    (1, "0 if $0 > 0.0"),
    (1, "ref z"),
    (1, "(z)"),
    (1, "-1"),
    (1, "..=0"),
    (1, "\"s\""),
];

// ---------------------------------------------------------------- productions

/// Statements of the subset; `$0`, `$1` come from the expression level below.
const STMTS: Table = &[
    (14, "let $p = $0;"),
    (6, "let mut $v = $0;"),
    (2, "let $v: $y = $0;"),
    (2, "let $v;"),
    (1, "let mut $v;"),
    (3, "let ($v, $w) = ($0, $1);"),
    (1, "let ($v, mut $w) = ($0, $1);"),
    (1, "let _ = $0;"),
    (1, "let ($v, $w) = $f($0);"),
    (10, "$L = $0;"),
    (10, "$L $a $0;"),
    (6, "$A[$i] = $0;"),
    (4, "$A[$i] $a $0;"),
    (1, "$v = $0;"),
    (1, "$v[$i] = $0;"),
    (8, "$0;"),
    (8, "$B"),
    (1, "println!(\"{}\", $0);"),
    (1, "if $0 { return $1; }"),
    (1, "let mut $v = Array1::zeros(n);"),
    (1, "let mut $v = $0.to_owned();"),
];

const ODD_STMTS: Table = &[
    (1, "let $v: f64;"),
    (1, "let ($v, $w) = ($0, $1, $2);"),
    (1, "let (mut $v, $w) = $0;"),
    (1, "let ($v, ($w, z)) = ($0, ($1, 1.0));"),
    (1, "let ($v, _) = ($0, $1);"),
    (1, "let (_, $v) = $0;"),
    (1, "let () = ();"),
    (1, "let Some($v) = $0 else { panic!() };"),
    (1, "let $v = $0 else { return 0.0; };"),
    (1, "#[allow(unused)] let $v = $0;"),
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
    (1, "break;"),
    (1, "continue;"),
    (1, "if $0 { break; }"),
    (1, "return $0;"),
    (1, "break 'l;"),
    (1, "break $0;"),
    (1, "continue 'l;"),
    (1, "return;"),
    (1, "$0"),
];

/// Expressions of the subset, with subexpressions (`$0`..`$2`) and statement lists.
const EXPRS: Table = &[
    (12, "$X $o $1"),
    (3, "$X $C $Y"),
    (3, "($0)"),
    (3, "-$0"),
    (10, "$R$m"),
    (3, "($0)$m"),
    (5, "$f($0)"),
    (3, "$f($0, $1)"),
    (1, "$f(&$0)"),
    (6, "$v[$i]"),
    (6, "if $0 { $s $1 } else { $t $2 }"),
    (2, "if $0 { $s $1 } else if $2 { $t $1 } else { $2 }"),
    (1, "if $0 { $s }"),
    (1, "if $0 { $s } else { $t }"),
    (3, "{ $s $0 }"),
    (1, "{ $s }"),
    (4, "for $q in $r { $s }"),
    (3, "while $0 { $s }"),
    (2, "loop { $s if $0 { break; } $t }"),
    (1, "while $0 { $s if $1 { continue; } $t }"),
    (1, "for $q in $r { $s if $0 { break; } $t }"),
    (2, "match $v { $c => $0, _ => $1 }"),
    (1, "match $v { $c => $0, $c => { $s $1 } _ => $2 }"),
    (1, "match $v { m => $0 }"),
    (2, "$X as f64"),
    (1, "$X as usize"),
    (2, "&$0"),
    (2, "array![$0, $1]"),
    (1, "$v.w"),
    (1, "self.w"),
    (1, "self.loss($0)"),
    (1, "(Layer { w: $0, b: $1 })"),
    (1, "($0, $1)"),
    (1, "$v.0"),
    (1, "$f($0).1"),
];

/// Everything else.
const ODD_EXPRS: Table = &[
    (1, "$f()"),
    (1, "$f($0, $1, $2)"),
    (1, "($v)[$i]"),
    (1, "$0[$1]"),
    (1, "$v.a[$i]"),
    (1, "if $0 { $s $1 }"),
    (1, "($0) as i32"),
    (1, "array![[$0], [$1]]"),
    (1, "array![$0; 3]"),
    (1, "!$0"),
    (1, "*$0"),
    (1, "&mut $0"),
    (1, "&&$0"),
    (1, "while let Some($v) = $0 { $s }"),
    (1, "while let Some($v) = $0 { $s if $1 { break; } }"),
    (1, "if let Some($v) = $0 { $1 } else { $2 }"),
    (1, "if let Some($v) = $0 && $1 { $2 } else { $2 }"),
    (1, "loop { $s break; }"),
    (1, "loop { $s break $0; }"),
    (1, "'l: loop { $s break 'l $0; }"),
    (1, "'b: { $s $0 }"),
    (1, "'w: while $0 { $s continue 'w; }"),
    (1, "'f: for $q in $r { $s break 'f; }"),
    (1, "match $0 { $c => $1, _ => $2 }"),
    (1, "match $0 { $c => 'a: { $1 }, _ => $2 }"),
    (1, "match $0 { $c => #[allow(unused)] { $1 }, _ => $2 }"),
    (1, "match $0 { $c => unsafe { $1 }, _ => $2 }"),
    (1, "match $0 {}"),
    (1, "match $0 { _ => $1, }"),
    (1, "match $0 { $c | $c => return $1, _ => $2 }"),
    (1, "if $0 { return $1 } else { $2 }"),
    (1, "if $0 { return $1; } else { $s $2 }"),
    (1, "if $0 { $s return $1; } else if $1 { $2 }"),
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
    (1, "panic!(\"unreachable in the generated program\")"),
    (1, "($v = $0)"),
    (1, "($v += $0)"),
    (1, "$0 $a $1"),
    (1, "#[allow(unused)] $0"),
    (1, "Array1::zeros($0)"),
    (1, "$0 $o $1 $o $2"),
    (1, "- - $0"),
    (1, "$0.$v"),
    (1, "$0.$v::<f64>($1)"),
    (1, "$0 as $y"),
    (1, "&raw const $v"),
    (1, "{ $0 } $o $1"),
    (1, "{ $0 } as f64"),
    (1, "if $0 { $1 } else { $2 } $o $1"),
];

const LEAVES: Table = &[
    (12, "$v"),
    (6, "$l"),
    (3, "$v[$i]"),
    (2, "$v.len()"),
    (1, "i as f64"),
    (1, "x.shape()[0]"),
    (1, "$v$m"),
];

const ODD_LEAVES: Table = &[(1, "Axis(0)"), (1, "self"), (1, "Self::C"), (1, "<T>::C")];

const FN_ATTRS: Table = &[(1, "")];
const ODD_FN_ATTRS: Table = &[
    (1, "#[inline]"),
    (1, "/// doc\n"),
    (1, "#[doc = \"d\"]"),
    (1, "#[differentiable]"),
    (1, "#[constant]"),
    (1, "#[allow(unused)] #[must_use]"),
];
const VIS: Table = &[(6, ""), (2, "pub")];
const ODD_VIS: Table = &[
    (1, "pub(crate)"),
    (1, "pub(super)"),
    (1, "pub(in crate::m)"),
];
const QUALS: Table = &[(1, "")];
const ODD_QUALS: Table = &[
    (1, "const"),
    (1, "async"),
    (1, "unsafe"),
    (1, "extern \"C\""),
    (1, "const unsafe"),
    (1, "async unsafe"),
    (1, "default"),
];
const NAMES: Table = &[(8, "f"), (2, "g"), (1, "rosen"), (1, "loss")];
const ODD_NAMES: Table = &[
    (1, "r#fn"),
    (1, "r#type"),
    (1, "f__fwd"),
    (1, "_f"),
    (1, "inner"),
    (1, "x"),
];
const GENERICS: Table = &[(1, "")];
const ODD_GENERICS: Table = &[
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
];
const PARAMS: Table = &[(16, "$n: $y"), (3, "#[constant] $n: $y")];
const ODD_PARAMS: Table = &[
    (1, "mut $n: $y"),
    (1, "($n, $v): ($y, $y)"),
    (1, "_: $y"),
    (1, "self"),
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
];
const RETS: Table = &[(16, "-> f64"), (3, "-> Array1<f64>"), (1, "-> (f64, f64)")];
const ODD_RETS: Table = &[
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
    (1, "-> _"),
];
const WHERES: Table = &[(1, "")];
const ODD_WHERES: Table = &[
    (1, "where T: Tangent"),
    (1, "where for<'b> T: Fn(&'b f64)"),
    (1, "where"),
];
const TAILS: Table = &[(5, "$v"), (4, "$0"), (2, "s"), (2, "x")];
const ODD_TAILS: Table = &[(1, ""), (1, "$0;")];

const CLOSURE_PARAMS: Table = &[(10, "$n: $y"), (1, "#[constant] $n: $y")];
const ODD_CLOSURE_PARAMS: Table = &[
    (1, "$n"),
    (1, "mut $n: $y"),
    (1, "($n, $v): ($y, $y)"),
    (1, "_: $y"),
    (1, "&$n: &f64"),
    (1, "ref $n: $y"),
];

const CLOSURE_SHAPES: Table = &[
    (6, "|$P| $0"),
    (3, "|$P| { $s $0 }"),
    (2, "move |$P| $0"),
    (1, "|$P| -> f64 { $s $0 }"),
];

const ODD_CLOSURE_SHAPES: Table = &[
    (1, "|$P| -> Array1<f64> { $s $0 }"),
    (1, "static |$P| $0"),
    (1, "async |$P| $0"),
    (1, "async move |$P| $0"),
    (1, "for<'a> |$P| $0"),
    (1, "|$P| $s $0"),
    (1, "|$P| { $s $0 } $o $1"),
    (1, "|$P| { $0 } as f64"),
    (1, "|$P| if $0 { $1 } else { $2 } $o $1"),
    (1, "|$P| match $v { $c => $0, _ => $1 } * 2.0"),
];
