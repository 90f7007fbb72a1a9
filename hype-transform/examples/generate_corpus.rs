//! Seeded generator of random programs in the `#[differentiable]` subset, and of the
//! checks that compare their `grad!` and `jvp!` with central finite differences
//! (`tests/corpus.rs` runs them), and at order 2 their `hvp!` with central differences
//! of `grad!` (`tests/corpus_order2.rs`). `scripts/corpus_sweep.sh` runs sweeps.
//!
//! ```sh
//! cargo run -p hype-transform --example generate_corpus -- --seed 1 --count 200 --out tests/corpus/generated.rs
//! cargo run -p hype-transform --example generate_corpus -- --seed 1 --count 50 --order2 --out tests/corpus/generated_order2.rs
//! ```
//!
//! Options:
//! * `--seed S` (u64), `--count N` (functions), `--out PATH` (default: stdout);
//! * `--per-module K`: functions per module (default 50; calls cross modules by path);
//! * `--big`: more statements per function and deeper expressions;
//! * `--no-ext`: only the core ops (no abs, max, min, hypot, atan2, powf, mul_add, atan,
//!   softplus, logsumexp, l2, mean);
//! * `--avoid LIST`: constructs left out because they hit known transform bugs
//!   (`none`, `all`, or a comma-separated list of `nested-loop`, `call-local-array`,
//!   `owned-param`, `inactive-array-compound`, `deferred-init`, `block-shadow`,
//!   `rev-zip`, `vec-as-slice` — all eight fixed in the transform; default: `none`,
//!   the whole subset);
//! * `--exclude f3,f17,..`: leave these functions (and their callers) out of the output,
//!   e.g. the ones that do not compile, to run the checks on the rest;
//! * `--plain`: the functions without `#[differentiable]` and checks that only call
//!   them, to tell a type error of the generator from one of the transform;
//! * `--order2`: every function `#[differentiable(order = 2)]`, and a check of
//!   `hvp!(f)(args.., v..)` along a fixed direction against central differences of
//!   `grad!` (candidates must also be smooth along that direction);
//! * `--as-order1`: with `--order2`, the same functions as order-1 ones (`#[differentiable]`,
//!   no `hvp!` checks): with `--plain`, the three builds that `scripts/compile_time.sh`
//!   times;
//! * `--f32`: every function also in f32 (module `single`), its value and gradient
//!   checked against the f64 function's within f32 precision;
//! * `--no-new`: without the forms of issue 11 (slice / `&Vec` parameters, iterator
//!   chains — `map`/`sum`, `zip`, `enumerate`, `fold`, `product`, `rev`, `copied`,
//!   ranges — `for` over elements, `mapv`, `ln_1p`, `exp_m1`, `exp2`, `sinh`, `cosh`,
//!   `asinh`, `acosh`, `atanh`, `to_degrees`, `to_radians`, `log(b)`, `clamp`, `floor`,
//!   `ceil`, `round`, `trunc`, `fract`, `signum`, `var`, `std`, `f64::max(a, b)`
//!   paths, and calls across modules by a name brought in with `use`).
//!
//! Every candidate function is run by a small interpreter here at its evaluation point
//! and at the points of the finite-difference stencil (±1e-6 and ±1e-4 in each input).
//! Candidates are discarded when a value overflows (|v| > 1e3) or leaves a domain, when
//! they run too long, when a branch, loop condition or kink (abs, max, min, atan2,
//! clamp, floor, ceil, round, trunc, fract, signum) goes
//! the other way anywhere in the stencil, or when the two step sizes disagree (strong
//! curvature). What is left is smooth around the point, so a mismatch in the test is a
//! wrong derivative, not a finite-difference artefact.

use std::collections::HashMap;
use std::fmt::Write as _;

/// Constructs avoided by default: none (every construct that once hit a transform bug
/// is fixed; `--avoid` can still leave them out, see `Avoid`).
const DEFAULT_AVOID: &str = "none";

/// Length of every array.
const N: usize = 4;
/// Largest magnitude a value may reach anywhere in an accepted program.
const LIMIT: f64 = 1e3;
/// Interpreter steps per evaluation (callees included).
const MAX_COST: u64 = 20_000;

// ----------------------------------------------------------------------------------------
// PRNG (splitmix64)
// ----------------------------------------------------------------------------------------

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0xD134_2543_DE82_EF95) ^ 0x5851_F42D_4C95_7F2D)
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
    fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())].clone()
    }
    /// An index drawn with the given weights (zero weights are never drawn).
    fn weighted(&mut self, ws: &[u32]) -> usize {
        let total: u32 = ws.iter().sum();
        let mut r = self.below(total as usize) as u32;
        for (k, &w) in ws.iter().enumerate() {
            if r < w {
                return k;
            }
            r -= w;
        }
        unreachable!("weights sum to {total}")
    }
    /// An evaluation-point coordinate: a multiple of 1/1000 in [-1.5, 1.5], |v| >= 0.05.
    fn point(&mut self) -> f64 {
        loop {
            let k = self.below(3001) as i64 - 1500;
            if k.abs() >= 50 {
                return k as f64 / 1000.0;
            }
        }
    }
    fn lit(&mut self) -> f64 {
        self.pick(&[
            0.1, 0.2, 0.25, 0.3, 0.5, 0.5, 0.7, 0.75, 1.0, 1.0, 1.5, 2.0, 3.0, -0.5, -0.3, -1.0,
            -2.0, 0.0,
        ])
    }
}

// ----------------------------------------------------------------------------------------
// The program representation
// ----------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ty {
    S,
    A,
}

/// An integer (usize) expression: indices, loop bounds, usize arguments.
#[derive(Clone, Debug)]
enum Ix {
    Var(String),
    Lit(usize),
    /// `(v + k) % n`
    Shift(String, usize),
    /// `n - 1 - v`
    Rev(String),
    /// `v % n`
    Wrap(String),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum F1 {
    Neg,
    Sin,
    Cos,
    Tanh,
    Exp,
    Sqrt,
    Ln,
    Atan,
    Abs,
    Sigmoid,
    Softplus,
    // The methods below are printed as methods (style 0) or `f64::name(x)` paths
    // (style 1, scalars only); on arrays only those of `ArrayMath` are drawn.
    Ln1p,
    ExpM1,
    Exp2,
    Sinh,
    Cosh,
    Asinh,
    Acosh,
    Atanh,
    ToDegrees,
    ToRadians,
    /// `log(base)`
    Log(u8),
    /// `clamp(lo, hi)` (kinked at both ends; the interpreter keeps away from them)
    Clamp(i8, i8),
    Floor,
    Ceil,
    Round,
    Trunc,
    Fract,
    Signum,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum F2 {
    Max,
    Min,
    Hypot,
    Atan2,
    Powf,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Red {
    Sum,
    Mean,
    Logsumexp,
    L2,
    /// `var(ddof)`, `std(ddof)` with ddof 0 or 1
    Var(u8),
    Std(u8),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Cmp {
    Lt,
    Gt,
    Le,
    Ge,
}

#[derive(Clone, Debug)]
enum Ex {
    Lit(f64),
    Var {
        name: String,
        ty: Ty,
        is_ref: bool,
    },
    /// `(i as f64)`
    Cast(Ix),
    Index(String, Ix),
    Bin(Op, Box<Ex>, Box<Ex>),
    /// The style picks between spellings (method or `ops::` function).
    F1(F1, Box<Ex>, u8),
    /// The flag prints `f64::max(a, b)` instead of `a.max(b)`.
    F2(F2, Box<Ex>, Box<Ex>, bool),
    MulAdd(Box<Ex>, Box<Ex>, Box<Ex>),
    Powi(Box<Ex>, i32),
    Red(Red, Box<Ex>),
    Dot(Box<Ex>, Box<Ex>),
    Call(usize, Vec<Arg>),
    If(Box<Cond>, Box<Ex>, Box<Ex>),
    /// `.to_owned()` / `.clone()` of an array.
    Owned(Box<Ex>, bool),
    /// `{ let ..; let ..; tail }`
    Block(Vec<St>, Box<Ex>),
    /// An iterator reduction over sequences (arrays, slices, `Vec`s) or a range.
    Iter(Box<IterEx>),
    /// `x.mapv(|v| body)` with an elementwise body.
    Mapv(Box<Ex>, String, Box<Ex>),
}

/// How a closure (or `for`) binds the element: `|&v|` / `for &v`, `|v|` with `*v` in
/// the body, or `.copied()` then `|v|`.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Bind {
    Pat,
    Star,
    Copied,
}

#[derive(Clone, Debug)]
enum Sink {
    /// `.sum::<f64>()`
    Sum,
    /// `.product::<f64>()`
    Product,
    /// `.fold(init, |acc, ..| body)`
    Fold(String, Ex),
}

/// `SRC.iter()[.copied()][.rev()][.enumerate() | .zip(SRC2.iter())].map(|..| body).SINK`,
/// or `(lo..n).map(|i| body).sum::<f64>()` when `src` is None.
#[derive(Clone, Debug)]
struct IterEx {
    src: Option<String>,
    zip: Option<(String, String)>,
    index: Option<String>,
    var: String,
    bind: Bind,
    rev: bool,
    lo: usize,
    sink: Sink,
    body: Ex,
}

#[derive(Clone, Debug)]
enum Arg {
    Val(Ex),
    Int(Ix),
}

#[derive(Clone, Debug)]
enum Cond {
    /// A comparison of values (its outcome is traced by the interpreter).
    Cmp(Ex, Cmp, Ex),
    /// `i % 2 == 0`
    Even(Ix),
    /// `i < k` (less) or `i > k`
    Int(Ix, bool, usize),
    And(Box<Cond>, Box<Cond>),
}

#[derive(Clone, Debug)]
struct Range {
    lo: usize,
    hi: Ix,
    rev: bool,
    step: Option<usize>,
}

#[derive(Clone, Debug)]
enum Else {
    None,
    Block(Vec<St>),
    If(Box<St>),
}

#[derive(Clone, Debug)]
enum St {
    Let {
        name: String,
        mutable: bool,
        annot: bool,
        e: Ex,
    },
    /// An integer local: `let n = x.len();`, `let mut k = 0;` (source, value)
    LetInt {
        name: String,
        mutable: bool,
        src: String,
        value: IntInit,
    },
    LetZeros {
        name: String,
        /// 0: `let mut a: Array1<f64> = Array1::zeros(n)`, 1: `Array1::<f64>::zeros(n)`,
        /// 2: `Array1::zeros(n)` (the element type inferred from the first write)
        style: u8,
    },
    LetTuple {
        names: Vec<(String, bool)>,
        es: Vec<Ex>,
    },
    Assign {
        name: String,
        op: Option<Op>,
        e: Ex,
    },
    IndexAssign {
        name: String,
        ix: Ix,
        op: Option<Op>,
        e: Ex,
    },
    Incr(String),
    If {
        cond: Cond,
        then: Vec<St>,
        els: Else,
    },
    For {
        var: String,
        range: Range,
        body: Vec<St>,
    },
    While {
        counter: String,
        limit: Ix,
        extra: Option<Cond>,
        body: Vec<St>,
    },
    /// `for &v in [..].iter()` or `for (r, &v) in [..].iter().enumerate()`
    ForEach {
        index: Option<String>,
        var: String,
        vals: Vec<f64>,
        body: Vec<St>,
    },
    /// `let v: f64;` (assigned later on every path)
    Declare(String),
    /// `for &v in x.iter()`, `for v in x.iter().rev()` (`*v` in the body),
    /// `for (i, &v) in x.iter().enumerate()`, `for &v in x` over a sequence variable.
    ForIter {
        src: String,
        /// `x` is a reference (`for &v in x`) or `&x`.
        src_ref: bool,
        index: Option<String>,
        var: String,
        bind: Bind,
        rev: bool,
        /// 0: `x.iter()`, 1: `x` / `&x` (no adapters)
        style: u8,
        body: Vec<St>,
    },
}

#[derive(Clone, Debug)]
enum IntInit {
    Lit(usize),
    /// `x.len()` of an array parameter
    Len,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum PKind {
    S,
    A,
    /// `#[constant] q: f64`
    ConstS,
    Usize,
    /// `x: &[f64]`
    Slice,
    /// `x: &Vec<f64>`
    VecRef,
}

#[derive(Clone, Debug)]
struct Param {
    name: String,
    kind: PKind,
}

#[derive(Clone, Debug)]
enum PVal {
    S(f64),
    A(Vec<f64>),
    U(usize),
}

#[derive(Clone, Debug)]
struct Func {
    id: usize,
    module: usize,
    params: Vec<Param>,
    body: Vec<St>,
    tail: Ex,
    point: Vec<PVal>,
}

impl Func {
    /// `f007`: three digits at least, so no function is named like a primitive type
    /// (`f32`, `f64`), which a `#[differentiable]` function cannot be.
    fn name(&self) -> String {
        format!("f{:03}", self.id)
    }
    fn path_from(&self, module: usize, rng_style: usize) -> String {
        if self.module == module {
            if rng_style % 3 == 0 {
                format!("self::{}", self.name())
            } else {
                self.name()
            }
        } else if rng_style % 2 == 0 {
            format!("super::part{}::{}", self.module, self.name())
        } else {
            format!("crate::generated::part{}::{}", self.module, self.name())
        }
    }
}

fn ty_of(e: &Ex) -> Ty {
    match e {
        Ex::Lit(_) | Ex::Cast(_) | Ex::Index(..) | Ex::Red(..) | Ex::Dot(..) | Ex::Call(..) => {
            Ty::S
        }
        Ex::Var { ty, .. } => *ty,
        Ex::Bin(_, a, b) => {
            if ty_of(a) == Ty::A || ty_of(b) == Ty::A {
                Ty::A
            } else {
                Ty::S
            }
        }
        Ex::F1(_, a, _) | Ex::Powi(a, _) => ty_of(a),
        Ex::F2(..) | Ex::MulAdd(..) | Ex::Iter(_) => Ty::S,
        Ex::If(_, a, _) | Ex::Block(_, a) => ty_of(a),
        Ex::Owned(..) | Ex::Mapv(..) => Ty::A,
    }
}

// ----------------------------------------------------------------------------------------
// Generation
// ----------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    S,
    A {
        is_ref: bool,
    },
    /// An integer; `safe` when its value is always a valid index (< N).
    I {
        safe: bool,
    },
    /// A slice (`&[f64]`) or `&Vec<f64>` parameter: read by index and by iterators.
    Sl {
        vec: bool,
    },
}

#[derive(Clone, Debug)]
struct Decl {
    name: String,
    kind: Kind,
    mutable: bool,
    /// Declared in this function's body (not a parameter).
    local: bool,
    /// Certainly active (depends on an active parameter) where declared.
    active: bool,
    /// A closure's `&f64` element, read as `*v`.
    star: bool,
}

struct Gen<'a> {
    rng: &'a mut Rng,
    funcs: &'a [Func],
    ext: bool,
    avoid: Avoid,
    /// Larger functions: more statements, deeper expressions.
    big: bool,
    scopes: Vec<Vec<Decl>>,
    fresh: usize,
    calls_left: usize,
    depth: usize,
    /// The forms of issue 11: slices and `Vec`s, iterators, `mapv`, the new math
    /// methods, `f64::max(a, b)` paths (calls through `use` are the printer's).
    new: bool,
}

impl Gen<'_> {
    fn visible(&self) -> Vec<Decl> {
        let mut seen: Vec<&str> = Vec::new();
        let mut out = Vec::new();
        for scope in self.scopes.iter().rev() {
            for d in scope.iter().rev() {
                if !seen.contains(&d.name.as_str()) {
                    seen.push(&d.name);
                    out.push(d.clone());
                }
            }
        }
        out
    }
    fn of(&self, f: impl Fn(&Decl) -> bool) -> Vec<Decl> {
        self.visible().into_iter().filter(|d| f(d)).collect()
    }
    fn scalars(&self) -> Vec<Decl> {
        self.of(|d| d.kind == Kind::S)
    }
    fn arrays(&self) -> Vec<Decl> {
        self.of(|d| matches!(d.kind, Kind::A { .. }))
    }
    /// Everything that can be indexed and iterated: arrays, slices, `Vec`s.
    fn seqs(&self) -> Vec<Decl> {
        self.of(|d| matches!(d.kind, Kind::A { .. } | Kind::Sl { .. }))
    }
    fn declare(&mut self, name: &str, kind: Kind, mutable: bool) {
        self.declare_with(name, kind, mutable, false);
    }
    fn declare_with(&mut self, name: &str, kind: Kind, mutable: bool, active: bool) {
        self.scopes.last_mut().expect("a scope").push(Decl {
            name: name.to_string(),
            kind,
            mutable,
            local: true,
            active,
            star: false,
        });
    }
    fn is_active_name(&self, name: &str) -> bool {
        self.visible()
            .iter()
            .find(|d| d.name == name)
            .is_some_and(|d| d.active)
    }
    /// Whether `e` mentions a certainly active variable (then the transform treats it
    /// as active).
    fn mentions_active(&self, e: &Ex) -> bool {
        match e {
            Ex::Lit(_) | Ex::Cast(_) => false,
            Ex::Var { name, .. } | Ex::Index(name, _) => self.is_active_name(name),
            Ex::Bin(_, a, b) | Ex::F2(_, a, b, _) | Ex::Dot(a, b) | Ex::If(_, a, b) => {
                self.mentions_active(a) || self.mentions_active(b)
            }
            // Conservatively (the closure's own names are unknown here): sources only.
            Ex::Mapv(a, _, _) => self.mentions_active(a),
            Ex::Iter(it) => {
                it.src.as_deref().is_some_and(|s| self.is_active_name(s))
                    || it.zip.as_ref().is_some_and(|(o, _)| self.is_active_name(o))
            }
            Ex::MulAdd(a, b, c) => {
                self.mentions_active(a) || self.mentions_active(b) || self.mentions_active(c)
            }
            Ex::F1(_, a, _) | Ex::Powi(a, _) | Ex::Red(_, a) | Ex::Owned(a, _) => {
                self.mentions_active(a)
            }
            Ex::Call(_, args) => args.iter().any(|a| match a {
                Arg::Val(e) => self.mentions_active(e),
                Arg::Int(_) => false,
            }),
            // Conservatively: only the tail, and the block's own names are unknown here.
            Ex::Block(_, tail) => self.mentions_active(tail),
        }
    }
    /// Expression depth of statements.
    fn depth_s(&self) -> usize {
        2 + self.big as usize
    }
    fn fresh(&mut self, prefix: &str) -> String {
        self.fresh += 1;
        format!("{prefix}{}", self.fresh)
    }
    fn var(d: &Decl) -> Ex {
        match d.kind {
            Kind::S => Ex::Var {
                name: d.name.clone(),
                ty: Ty::S,
                is_ref: d.star,
            },
            Kind::A { is_ref } => Ex::Var {
                name: d.name.clone(),
                ty: Ty::A,
                is_ref,
            },
            Kind::I { .. } => Ex::Cast(Ix::Var(d.name.clone())),
            Kind::Sl { .. } => Ex::Var {
                name: d.name.clone(),
                ty: Ty::A,
                is_ref: true,
            },
        }
    }

    // ---------- integers ----------

    /// An index expression valid for arrays of length N.
    fn gen_ix(&mut self) -> Ix {
        let ints = self.of(|d| matches!(d.kind, Kind::I { .. }) && d.name != "n");
        if ints.is_empty() || self.rng.chance(0.15) {
            return Ix::Lit(self.rng.below(N));
        }
        let d = self.rng.pick(&ints);
        let safe = d.kind == Kind::I { safe: true };
        if safe {
            match self.rng.weighted(&[6, 3, 2, 1]) {
                0 => Ix::Var(d.name),
                1 => Ix::Shift(d.name, self.rng.range(1, N - 1)),
                2 => Ix::Rev(d.name),
                _ => Ix::Wrap(d.name),
            }
        } else if self.rng.chance(0.5) {
            Ix::Wrap(d.name)
        } else {
            Ix::Shift(d.name, self.rng.range(1, N - 1))
        }
    }

    /// A usize argument or loop bound (not necessarily a valid index).
    fn gen_count(&mut self) -> Ix {
        let has_m = self.visible().iter().any(|d| d.name == "m");
        match self.rng.weighted(&[5, if has_m { 3 } else { 0 }, 2]) {
            0 => Ix::Var("n".into()),
            1 => Ix::Var("m".into()),
            _ => Ix::Lit(self.rng.range(2, 4)),
        }
    }

    // ---------- scalar expressions ----------

    fn leaf_s(&mut self, allow_lit: bool) -> Ex {
        let scalars = self.scalars();
        let arrays = self.seqs();
        let ints = self.of(|d| matches!(d.kind, Kind::I { .. }));
        let w = [
            if scalars.is_empty() { 0 } else { 6 },
            if arrays.is_empty() { 0 } else { 5 },
            if ints.is_empty() { 0 } else { 1 },
            if allow_lit { 3 } else { 0 },
        ];
        if w.iter().sum::<u32>() == 0 {
            // No value in scope at all: cannot happen (there is an active parameter).
            return Ex::Lit(1.0);
        }
        match self.rng.weighted(&w) {
            0 => {
                // Prefer recent names (the list is innermost first).
                let k = self.rng.below(scalars.len().min(4));
                Self::var(&scalars[k])
            }
            1 => {
                let a = self.rng.pick(&arrays);
                let ix = self.gen_ix();
                Ex::Index(a.name, ix)
            }
            2 => {
                let d = self.rng.pick(&ints);
                Ex::Cast(Ix::Var(d.name))
            }
            _ => Ex::Lit(self.rng.lit()),
        }
    }

    fn lit_nonzero(&mut self) -> Ex {
        loop {
            let v = self.rng.lit();
            if v != 0.0 {
                return Ex::Lit(v);
            }
        }
    }

    /// A positive denominator built from `e`.
    fn guard_den(&mut self, d: usize) -> Ex {
        match self.rng.weighted(&[2, 3, 2]) {
            0 => Ex::Lit(self.rng.pick(&[2.0, 1.5, 4.0, -2.0, 0.5, 3.0])),
            1 => {
                let e = self.gen_s(d);
                Ex::Bin(
                    Op::Add,
                    Box::new(Ex::Powi(Box::new(e), 2)),
                    Box::new(Ex::Lit(1.0)),
                )
            }
            _ => {
                let e = self.gen_s(d);
                Ex::Bin(
                    Op::Add,
                    Box::new(Ex::Lit(2.0)),
                    Box::new(Ex::F1(F1::Sin, Box::new(e), 0)),
                )
            }
        }
    }

    /// `e` wrapped so that it is positive and away from zero.
    fn positive(&mut self, e: Ex) -> Ex {
        match self.rng.weighted(&[3, 1, 1]) {
            0 => Ex::Bin(
                Op::Add,
                Box::new(Ex::Powi(Box::new(e), 2)),
                Box::new(Ex::Lit(self.rng.pick(&[0.5, 1.0, 0.25]))),
            ),
            1 => Ex::Bin(
                Op::Add,
                Box::new(Ex::Lit(2.0)),
                Box::new(Ex::F1(F1::Cos, Box::new(e), 0)),
            ),
            _ => Ex::F1(F1::Sigmoid, Box::new(e), self.rng.below(2) as u8),
        }
    }

    /// A unary function of `e` (scalar or array), with domain guards.
    fn wrap_f1(&mut self, e: Ex) -> Ex {
        let ty = ty_of(&e);
        let ext = self.ext;
        let w = [
            2,                            // neg
            4,                            // sin
            3,                            // cos
            4,                            // tanh
            3,                            // exp
            2,                            // sqrt
            2,                            // ln
            if ext { 1 } else { 0 },      // atan
            if ext { 1 } else { 0 },      // abs
            3,                            // sigmoid
            if ext { 1 } else { 0 },      // softplus
            if self.new { 4 } else { 0 }, // the new math methods
        ];
        let style = self.rng.below(2) as u8;
        match self.rng.weighted(&w) {
            11 => self.wrap_new_f1(e),
            0 => Ex::F1(F1::Neg, Box::new(e), 0),
            1 => Ex::F1(F1::Sin, Box::new(e), style),
            2 => Ex::F1(F1::Cos, Box::new(e), style),
            3 => Ex::F1(F1::Tanh, Box::new(e), style),
            4 => {
                let arg = match self.rng.weighted(&[3, 2, 2]) {
                    0 => Ex::F1(F1::Tanh, Box::new(e), self.rng.below(2) as u8),
                    1 => Ex::Bin(Op::Mul, Box::new(Ex::Lit(0.5)), Box::new(e)),
                    _ => Ex::F1(F1::Neg, Box::new(Ex::Powi(Box::new(e), 2)), 0),
                };
                Ex::F1(F1::Exp, Box::new(arg), style)
            }
            5 => {
                let p = self.positive(e);
                Ex::F1(F1::Sqrt, Box::new(p), style)
            }
            6 => {
                let p = self.positive(e);
                Ex::F1(F1::Ln, Box::new(p), style)
            }
            7 => Ex::F1(F1::Atan, Box::new(e), style),
            8 => Ex::F1(F1::Abs, Box::new(e), style),
            9 => Ex::F1(F1::Sigmoid, Box::new(e), style),
            _ => {
                let _ = ty;
                Ex::F1(F1::Softplus, Box::new(e), style)
            }
        }
    }

    /// The argument of `exp`-like functions: bounded or decaying.
    fn tame_arg(&mut self, e: Ex) -> Ex {
        match self.rng.weighted(&[3, 2, 2]) {
            0 => Ex::F1(F1::Tanh, Box::new(e), self.rng.below(2) as u8),
            1 => Ex::Bin(Op::Mul, Box::new(Ex::Lit(0.5)), Box::new(e)),
            _ => Ex::F1(F1::Neg, Box::new(Ex::Powi(Box::new(e), 2)), 0),
        }
    }

    /// One of the math methods added for issue 11, with domain guards; on arrays only
    /// those `ArrayMath` provides.
    fn wrap_new_f1(&mut self, e: Ex) -> Ex {
        let arr = ty_of(&e) == Ty::A;
        // Piecewise constant or kinked ones are rarer.
        let w: [u32; 18] = if arr {
            [2, 2, 0, 2, 2, 2, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        } else {
            [2, 2, 1, 2, 2, 2, 1, 2, 1, 1, 2, 2, 1, 1, 1, 1, 1, 1]
        };
        let style = if arr { 0 } else { self.rng.below(2) as u8 };
        let f = match self.rng.weighted(&w) {
            0 => {
                let p = self.positive(e);
                return Ex::F1(F1::Ln1p, Box::new(p), style);
            }
            1 => F1::ExpM1,
            2 => F1::Exp2,
            3 => F1::Sinh,
            4 => F1::Cosh,
            5 => return Ex::F1(F1::Asinh, Box::new(e), style),
            6 => {
                let p = self.positive(e);
                let p = Ex::Bin(Op::Add, Box::new(Ex::Lit(1.5)), Box::new(p));
                return Ex::F1(F1::Acosh, Box::new(p), style);
            }
            7 => {
                let t = Ex::F1(F1::Tanh, Box::new(e), 0);
                let t = Ex::Bin(Op::Mul, Box::new(Ex::Lit(0.9)), Box::new(t));
                return Ex::F1(F1::Atanh, Box::new(t), style);
            }
            8 => return Ex::F1(F1::ToDegrees, Box::new(e), style),
            9 => return Ex::F1(F1::ToRadians, Box::new(e), style),
            10 => {
                let p = self.positive(e);
                return Ex::F1(F1::Log(self.rng.below(3) as u8), Box::new(p), style);
            }
            11 => {
                let (lo, hi) = self.rng.pick(&[(-10, 10), (-5, 15), (0, 20), (-20, 5)]);
                return Ex::F1(F1::Clamp(lo, hi), Box::new(e), style);
            }
            12 => return Ex::F1(F1::Floor, Box::new(e), style),
            13 => return Ex::F1(F1::Ceil, Box::new(e), style),
            14 => return Ex::F1(F1::Round, Box::new(e), style),
            15 => return Ex::F1(F1::Trunc, Box::new(e), style),
            16 => return Ex::F1(F1::Fract, Box::new(e), style),
            _ => return Ex::F1(F1::Signum, Box::new(e), style),
        };
        let a = self.tame_arg(e);
        Ex::F1(f, Box::new(a), style)
    }

    /// A scalar expression, never a bare literal.
    fn gen_s(&mut self, d: usize) -> Ex {
        if d == 0 {
            return self.leaf_s(false);
        }
        let has_arrays = !self.arrays().is_empty();
        let can_call = self.calls_left > 0 && self.funcs.iter().any(|f| self.callable(f));
        let ext = self.ext;
        let w = [
            3,                              // leaf
            7,                              // binary
            5,                              // unary
            2,                              // powi
            if ext { 2 } else { 0 },        // f2
            if ext { 1 } else { 0 },        // mul_add
            if has_arrays { 3 } else { 0 }, // reductions
            if has_arrays { 2 } else { 0 }, // dot
            if can_call { 3 } else { 0 },   // call
            1,                              // if
            1,                              // block
            if self.new { 3 } else { 0 },   // iterator reduction
        ];
        match self.rng.weighted(&w) {
            11 => self.gen_iter(d),
            0 => self.leaf_s(false),
            1 => {
                let op = [Op::Add, Op::Sub, Op::Mul, Op::Div][self.rng.weighted(&[4, 3, 4, 2])];
                if op == Op::Div {
                    let num = self.gen_s(d - 1);
                    let den = self.guard_den(d - 1);
                    return Ex::Bin(op, Box::new(num), Box::new(den));
                }
                let lit_side = self.rng.below(4); // 0: left literal, 1: right literal
                let l = if lit_side == 0 {
                    self.lit_nonzero()
                } else {
                    self.gen_s(d - 1)
                };
                let r = if lit_side == 1 {
                    self.lit_nonzero()
                } else {
                    self.gen_s(d - 1)
                };
                Ex::Bin(op, Box::new(l), Box::new(r))
            }
            2 => {
                let e = self.gen_s(d - 1);
                self.wrap_f1(e)
            }
            3 => {
                let e = self.gen_s(d - 1);
                match self.rng.weighted(&[5, 2, 1]) {
                    0 => Ex::Powi(Box::new(e), 2),
                    1 => Ex::Powi(Box::new(e), 3),
                    _ => {
                        let p = self.positive(e);
                        Ex::Powi(Box::new(p), -1)
                    }
                }
            }
            4 => {
                let a = self.gen_s(d - 1);
                // `f64::max(a, b)` instead of `a.max(b)`.
                let path = self.new && self.rng.chance(0.3);
                match self.rng.below(5) {
                    0 | 1 => {
                        let b = if self.rng.chance(0.4) {
                            self.lit_nonzero()
                        } else {
                            self.gen_s(d - 1)
                        };
                        let f = if self.rng.chance(0.5) {
                            F2::Max
                        } else {
                            F2::Min
                        };
                        Ex::F2(f, Box::new(a), Box::new(b), path)
                    }
                    2 => {
                        let b = self.gen_s(d - 1);
                        Ex::F2(F2::Hypot, Box::new(a), Box::new(b), path)
                    }
                    3 => {
                        let b = self.gen_s(d - 1);
                        Ex::F2(F2::Atan2, Box::new(a), Box::new(b), path)
                    }
                    _ => {
                        let base = self.positive(a);
                        let ex = Ex::F1(F1::Sin, Box::new(self.gen_s(d - 1)), 0);
                        Ex::F2(F2::Powf, Box::new(base), Box::new(ex), path)
                    }
                }
            }
            5 => {
                let a = self.gen_s(d - 1);
                let b = self.gen_s(d - 1);
                let c = if self.rng.chance(0.5) {
                    self.lit_nonzero()
                } else {
                    self.gen_s(d - 1)
                };
                Ex::MulAdd(Box::new(a), Box::new(b), Box::new(c))
            }
            6 => {
                let a = self.gen_a(d - 1);
                let r = if ext {
                    let ddof = self.rng.below(2) as u8;
                    let new = if self.new { 1 } else { 0 };
                    [
                        Red::Sum,
                        Red::Mean,
                        Red::Logsumexp,
                        Red::L2,
                        Red::Var(ddof),
                        Red::Std(ddof),
                    ][self.rng.weighted(&[6, 1, 1, 1, new, new])]
                } else {
                    Red::Sum
                };
                Ex::Red(r, Box::new(a))
            }
            7 => {
                let a = self.gen_a(d - 1);
                let b = self.gen_a(d - 1);
                Ex::Dot(Box::new(a), Box::new(b))
            }
            8 => self.gen_call(d),
            9 => {
                let c = self.gen_cond(1);
                let a = self.gen_s(d - 1);
                let b = self.gen_s(d - 1);
                Ex::If(Box::new(c), Box::new(a), Box::new(b))
            }
            _ => {
                // A block with its own lets (maybe shadowing) and a tail.
                self.scopes.push(Vec::new());
                let mut stmts = Vec::new();
                for _ in 0..self.rng.range(1, 2) {
                    let scalars = self.scalars();
                    let shadow = !self.avoid.block_shadow && !scalars.is_empty();
                    let name = if shadow && self.rng.chance(0.3) {
                        self.rng.pick(&scalars).name
                    } else {
                        self.fresh("t")
                    };
                    let e = self.gen_s(d - 1);
                    stmts.push(St::Let {
                        name: name.clone(),
                        mutable: false,
                        annot: false,
                        e,
                    });
                    self.declare(&name, Kind::S, false);
                }
                let tail = self.gen_s(d - 1);
                self.scopes.pop();
                Ex::Block(stmts, Box::new(tail))
            }
        }
    }

    /// A closure's element variable, declared in a new scope (popped by the caller).
    fn bind_elem(&mut self, name: &str, bind: Bind) {
        self.scopes.push(Vec::new());
        self.declare(name, Kind::S, false);
        if bind == Bind::Star {
            self.scopes
                .last_mut()
                .expect("a scope")
                .last_mut()
                .expect("a decl")
                .star = true;
        }
    }

    fn gen_bind(&mut self) -> Bind {
        [Bind::Pat, Bind::Star, Bind::Copied][self.rng.below(3)]
    }

    /// An iterator reduction over sequences (or a range).
    fn gen_iter(&mut self, d: usize) -> Ex {
        let seqs = self.seqs();
        let dd = d.saturating_sub(1).max(1);
        if seqs.is_empty() || self.rng.chance(0.15) {
            // `(lo..n).map(|i| body).sum::<f64>()`
            let var = self.loop_var();
            let lo = if self.rng.chance(0.3) { 1 } else { 0 };
            self.scopes.push(Vec::new());
            self.declare(&var, Kind::I { safe: true }, false);
            let body = self.gen_s(dd);
            self.scopes.pop();
            return Ex::Iter(Box::new(IterEx {
                src: None,
                zip: None,
                index: None,
                var,
                bind: Bind::Pat,
                rev: false,
                lo,
                sink: Sink::Sum,
                body,
            }));
        }
        let src = self.rng.pick(&seqs).name;
        let var = self.fresh("v");
        let rev = self.rng.chance(0.2);
        match self.rng.weighted(&[5, 2, 2, 2, 1, 1]) {
            // map + sum, zip, enumerate
            k @ 0..=2 => {
                let zip = if k == 1 {
                    let other = self.rng.pick(&seqs).name;
                    Some((other, self.fresh("u")))
                } else {
                    None
                };
                let index = if k == 2 { Some(self.loop_var()) } else { None };
                let bind = if zip.is_some() || index.is_some() {
                    // Tuples bind references (`|(a, b)|`): read as `*a`.
                    if self.rng.chance(0.5) {
                        Bind::Star
                    } else {
                        Bind::Pat
                    }
                } else {
                    self.gen_bind()
                };
                self.bind_elem(&var, bind);
                if let Some((_, u)) = &zip {
                    let u = u.clone();
                    self.declare(&u, Kind::S, false);
                    if bind == Bind::Star {
                        self.scopes.last_mut().unwrap().last_mut().unwrap().star = true;
                    }
                }
                if let Some(i) = &index {
                    let i = i.clone();
                    self.declare(&i, Kind::I { safe: true }, false);
                }
                let body = self.gen_s(dd);
                self.scopes.pop();
                Ex::Iter(Box::new(IterEx {
                    src: Some(src),
                    zip,
                    index,
                    var,
                    bind,
                    rev: rev && !(k == 1 && self.avoid.rev_zip),
                    lo: 0,
                    sink: Sink::Sum,
                    body,
                }))
            }
            // fold
            3 => {
                let acc = self.fresh("acc");
                let init = if self.rng.chance(0.5) {
                    Ex::Lit(self.rng.lit())
                } else {
                    self.gen_s(1)
                };
                let bind = self.gen_bind();
                self.bind_elem(&var, bind);
                self.declare(&acc, Kind::S, false);
                // A contraction of the accumulator plus a term of the element.
                let me = Ex::Var {
                    name: acc.clone(),
                    ty: Ty::S,
                    is_ref: false,
                };
                let k = Ex::Lit(self.rng.pick(&[0.5, 0.8, 0.9, -0.5]));
                let t = self.gen_s(dd);
                let body = if self.rng.chance(0.7) {
                    Ex::Bin(
                        Op::Add,
                        Box::new(Ex::Bin(Op::Mul, Box::new(me), Box::new(k))),
                        Box::new(t),
                    )
                } else {
                    Ex::Bin(Op::Mul, Box::new(me), Box::new(self.tame_factor()))
                };
                self.scopes.pop();
                Ex::Iter(Box::new(IterEx {
                    src: Some(src),
                    zip: None,
                    index: None,
                    var,
                    bind,
                    rev,
                    lo: 0,
                    sink: Sink::Fold(acc, init),
                    body,
                }))
            }
            // product of factors near 1
            4 => {
                let bind = self.gen_bind();
                self.bind_elem(&var, bind);
                let body = self.tame_factor();
                self.scopes.pop();
                Ex::Iter(Box::new(IterEx {
                    src: Some(src),
                    zip: None,
                    index: None,
                    var,
                    bind,
                    rev,
                    lo: 0,
                    sink: Sink::Product,
                    body,
                }))
            }
            // a plain `x.iter().sum::<f64>()`
            _ => {
                let v = Ex::Var {
                    name: var.clone(),
                    ty: Ty::S,
                    is_ref: false,
                };
                Ex::Iter(Box::new(IterEx {
                    src: Some(src),
                    zip: None,
                    index: None,
                    var,
                    bind: Bind::Copied,
                    rev: false,
                    lo: 0,
                    sink: Sink::Sum,
                    body: v,
                }))
            }
        }
    }

    /// An elementwise body of `mapv` in `v`: literals, captured scalar variables,
    /// arithmetic and the functions that also exist on arrays (no branches, indexing
    /// or calls: the transform applies the body to the whole array).
    fn gen_elem(&mut self, v: &str, d: usize) -> Ex {
        let me = Ex::Var {
            name: v.to_string(),
            ty: Ty::S,
            is_ref: false,
        };
        if d == 0 {
            // No bare literals (`(3.0 + 1.0).powi(2)` has an ambiguous type).
            let caps = self.of(|d| d.kind == Kind::S && !d.star);
            return match self.rng.weighted(&[6, if caps.is_empty() { 0 } else { 2 }]) {
                0 => me,
                _ => Self::var(&self.rng.pick(&caps)),
            };
        }
        match self.rng.weighted(&[2, 5, 4, 1, 1]) {
            0 => self.gen_elem(v, 0),
            1 => {
                let op = [Op::Add, Op::Sub, Op::Mul][self.rng.below(3)];
                let a = self.gen_elem(v, d - 1);
                let b = if self.rng.chance(0.4) {
                    self.lit_nonzero()
                } else {
                    self.gen_elem(v, d - 1)
                };
                Ex::Bin(op, Box::new(a), Box::new(b))
            }
            2 => {
                let a = self.gen_elem(v, d - 1);
                match self.rng.below(6) {
                    0 => Ex::F1(F1::Sin, Box::new(a), 0),
                    1 => Ex::F1(F1::Cos, Box::new(a), 0),
                    2 => Ex::F1(F1::Tanh, Box::new(a), 0),
                    3 => {
                        let t = Ex::F1(F1::Tanh, Box::new(a), 0);
                        Ex::F1(F1::Exp, Box::new(t), 0)
                    }
                    4 => Ex::F1(F1::Neg, Box::new(a), 0),
                    _ => {
                        let p = Ex::Bin(
                            Op::Add,
                            Box::new(Ex::Powi(Box::new(a), 2)),
                            Box::new(Ex::Lit(0.5)),
                        );
                        Ex::F1(F1::Sqrt, Box::new(p), 0)
                    }
                }
            }
            3 => {
                let a = self.gen_elem(v, d - 1);
                Ex::Powi(Box::new(a), 2)
            }
            _ => {
                // Division by a positive denominator.
                let a = self.gen_elem(v, d - 1);
                let b = self.gen_elem(v, d - 1);
                let den = Ex::Bin(
                    Op::Add,
                    Box::new(Ex::Powi(Box::new(b), 2)),
                    Box::new(Ex::Lit(1.0)),
                );
                Ex::Bin(Op::Div, Box::new(a), Box::new(den))
            }
        }
    }

    fn callable(&self, f: &Func) -> bool {
        let has_arrays = if self.avoid.call_local_array {
            self.arrays()
                .iter()
                .any(|d| d.kind == Kind::A { is_ref: true })
        } else {
            !self.arrays().is_empty()
        };
        let vec_ok = !self.avoid.vec_as_slice;
        let has_slices = !self
            .of(|d| {
                d.kind == Kind::Sl { vec: false } || (vec_ok && d.kind == Kind::Sl { vec: true })
            })
            .is_empty();
        let has_vecs = !self.of(|d| d.kind == Kind::Sl { vec: true }).is_empty();
        f.params.iter().all(|p| match p.kind {
            PKind::A => has_arrays,
            PKind::Slice => has_slices,
            PKind::VecRef => has_vecs,
            _ => true,
        })
    }

    fn gen_call(&mut self, d: usize) -> Ex {
        self.calls_left -= 1;
        let cands: Vec<usize> = self
            .funcs
            .iter()
            .filter(|f| self.callable(f))
            .map(|f| f.id)
            .collect();
        // Prefer recent functions (they call further back themselves).
        let k = if self.rng.chance(0.5) {
            cands.len() - 1 - self.rng.below(cands.len().min(10))
        } else {
            self.rng.below(cands.len())
        };
        let f = &self.funcs[cands[k]];
        let kinds: Vec<PKind> = f.params.iter().map(|p| p.kind).collect();
        let id = f.id;
        let dd = d.saturating_sub(1).min(1);
        let mut args = Vec::new();
        for kind in kinds {
            args.push(match kind {
                PKind::S => Arg::Val(self.gen_s(dd)),
                PKind::A if self.avoid.call_local_array => {
                    let params = self.of(|d| d.kind == Kind::A { is_ref: true });
                    Arg::Val(Self::var(&self.rng.pick(&params)))
                }
                PKind::A => Arg::Val(self.gen_a(dd)),
                // Constant parameters get constants (their derivative is not taken).
                PKind::ConstS => Arg::Val(Ex::Lit(self.rng.lit())),
                PKind::Usize => Arg::Int(self.gen_count()),
                // A `&Vec<f64>` coerces to `&[f64]`.
                PKind::Slice => {
                    let vec_ok = !self.avoid.vec_as_slice;
                    let ss = self.of(|d| {
                        d.kind == Kind::Sl { vec: false }
                            || (vec_ok && d.kind == Kind::Sl { vec: true })
                    });
                    Arg::Val(Self::var(&self.rng.pick(&ss)))
                }
                PKind::VecRef => {
                    let ss = self.of(|d| d.kind == Kind::Sl { vec: true });
                    Arg::Val(Self::var(&self.rng.pick(&ss)))
                }
            });
        }
        Ex::Call(id, args)
    }

    // ---------- array expressions ----------

    /// `e` as an owned array outside a plain `let`.
    fn owned(&mut self, e: Ex) -> Ex {
        match e {
            Ex::Var { is_ref: true, .. } if self.avoid.owned_param => {
                Ex::Bin(Op::Mul, Box::new(e), Box::new(Ex::Lit(1.0)))
            }
            e => owned(e),
        }
    }

    fn leaf_a(&mut self) -> Ex {
        let arrays = self.arrays();
        let k = self.rng.below(arrays.len().min(4));
        Self::var(&arrays[k])
    }

    fn gen_a(&mut self, d: usize) -> Ex {
        if d == 0 {
            return self.leaf_a();
        }
        let mapv = if self.new { 2 } else { 0 };
        match self.rng.weighted(&[3, 3, 3, 1, 3, 1, 1, mapv]) {
            0 => self.leaf_a(),
            7 => {
                let a = if self.rng.chance(0.6) {
                    self.leaf_a()
                } else {
                    self.gen_a(d - 1)
                };
                let v = self.fresh("v");
                // The transform refuses a body that ignores its argument, and `|v| v`
                // is no computation: the body uses `v` in at least one operation.
                let mut body = self.gen_elem(&v, 2);
                if !mentions(&body, &v) || matches!(&body, Ex::Var { .. }) {
                    let me = Ex::Var {
                        name: v.clone(),
                        ty: Ty::S,
                        is_ref: false,
                    };
                    let op = [Op::Add, Op::Mul, Op::Sub][self.rng.below(3)];
                    body = Ex::Bin(op, Box::new(me), Box::new(body));
                }
                Ex::Mapv(Box::new(a), v, Box::new(body))
            }
            1 => {
                let op = [Op::Add, Op::Sub, Op::Mul][self.rng.below(3)];
                let a = self.gen_a(d - 1);
                let b = self.gen_a(d - 1);
                Ex::Bin(op, Box::new(a), Box::new(b))
            }
            2 => {
                // Broadcasting a scalar.
                let op = [Op::Add, Op::Sub, Op::Mul, Op::Div][self.rng.weighted(&[3, 2, 4, 2])];
                let a = self.gen_a(d - 1);
                if op == Op::Div {
                    let den = self.guard_den(d - 1);
                    return Ex::Bin(op, Box::new(a), Box::new(den));
                }
                let s = if self.rng.chance(0.4) {
                    self.lit_nonzero()
                } else {
                    self.gen_s(d - 1)
                };
                if self.rng.chance(0.5) {
                    Ex::Bin(op, Box::new(s), Box::new(a))
                } else {
                    Ex::Bin(op, Box::new(a), Box::new(s))
                }
            }
            3 => {
                // Elementwise guarded division by another array.
                let a = self.gen_a(d - 1);
                let b = self.gen_a(d - 1);
                let den = Ex::Bin(
                    Op::Add,
                    Box::new(Ex::Powi(Box::new(b), 2)),
                    Box::new(Ex::Lit(1.0)),
                );
                Ex::Bin(Op::Div, Box::new(a), Box::new(den))
            }
            4 => {
                let a = self.gen_a(d - 1);
                self.wrap_f1(a)
            }
            5 => {
                let a = self.gen_a(d - 1);
                Ex::Powi(Box::new(a), 2)
            }
            _ => {
                let c = self.gen_cond(1);
                let a = self.gen_a(d - 1);
                let b = self.gen_a(d - 1);
                Ex::If(
                    Box::new(c),
                    Box::new(self.owned(a)),
                    Box::new(self.owned(b)),
                )
            }
        }
    }

    // ---------- conditions ----------

    fn gen_cond(&mut self, d: usize) -> Cond {
        let loop_ints = self.of(|d| matches!(d.kind, Kind::I { .. }) && d.name != "n");
        let w = [
            6,
            if loop_ints.is_empty() { 0 } else { 2 },
            if loop_ints.is_empty() { 0 } else { 1 },
            if d > 0 { 1 } else { 0 },
        ];
        match self.rng.weighted(&w) {
            0 => {
                let a = self.gen_s(1);
                let b = if self.rng.chance(0.5) {
                    Ex::Lit(self.rng.lit())
                } else {
                    self.gen_s(1)
                };
                let c = [Cmp::Lt, Cmp::Gt, Cmp::Le, Cmp::Ge][self.rng.below(4)];
                Cond::Cmp(a, c, b)
            }
            1 => {
                let v = self.rng.pick(&loop_ints);
                Cond::Even(Ix::Var(v.name))
            }
            2 => {
                let v = self.rng.pick(&loop_ints);
                Cond::Int(Ix::Var(v.name), self.rng.chance(0.5), self.rng.range(1, 3))
            }
            _ => {
                let a = self.gen_cond(0);
                let b = self.gen_cond(0);
                Cond::And(Box::new(a), Box::new(b))
            }
        }
    }

    // ---------- statements ----------

    fn block(&mut self, count: usize, must_mutate: bool) -> Vec<St> {
        self.scopes.push(Vec::new());
        self.depth += 1;
        let mut out = Vec::new();
        for _ in 0..count {
            self.gen_stmt(&mut out);
        }
        // Last, so that it can use what the block computed.
        if must_mutate {
            self.gen_mutation(&mut out);
        }
        self.depth -= 1;
        self.scopes.pop();
        out
    }

    /// An assignment to a mutable variable or an element of a local array, declared
    /// outside the current block if there is one.
    fn gen_mutation(&mut self, out: &mut Vec<St>) {
        let outer: Vec<Decl> = self.scopes[..self.scopes.len() - 1]
            .iter()
            .flatten()
            .cloned()
            .collect();
        let visible = self.visible();
        let targets: Vec<Decl> = visible
            .into_iter()
            .filter(|d| d.mutable && d.kind != (Kind::I { safe: false }))
            .filter(|d| !matches!(d.kind, Kind::I { .. }))
            .filter(|d| outer.iter().any(|o| o.name == d.name))
            .collect();
        if targets.is_empty() {
            self.gen_stmt(out);
            return;
        }
        let t = self.rng.pick(&targets);
        match t.kind {
            Kind::S => self.assign_s(&t.name, out),
            Kind::A { is_ref: false } => {
                if self.rng.chance(0.6) {
                    self.index_assign(&t.name, out)
                } else {
                    self.assign_a(&t.name, out)
                }
            }
            _ => self.gen_stmt(out),
        }
    }

    /// A factor near 1 for `*=`.
    fn tame_factor(&mut self) -> Ex {
        let e = self.gen_s(1);
        let f = if self.rng.chance(0.5) {
            F1::Sin
        } else {
            F1::Tanh
        };
        Ex::Bin(
            Op::Add,
            Box::new(Ex::Lit(self.rng.pick(&[0.5, 0.75, 0.9, 1.0]))),
            Box::new(Ex::Bin(
                Op::Mul,
                Box::new(Ex::Lit(self.rng.pick(&[0.1, 0.2, 0.3]))),
                Box::new(Ex::F1(f, Box::new(e), 0)),
            )),
        )
    }

    fn assign_s(&mut self, name: &str, out: &mut Vec<St>) {
        let me = Ex::Var {
            name: name.into(),
            ty: Ty::S,
            is_ref: false,
        };
        match self.rng.weighted(&[3, 4, 2, 3, 1]) {
            4 => {
                let e = self.guard_den(1);
                out.push(St::Assign {
                    name: name.into(),
                    op: Some(Op::Div),
                    e,
                });
            }
            0 => {
                let e = if self.rng.chance(0.6) {
                    let r = self.gen_s(1);
                    let k = Ex::Lit(self.rng.pick(&[0.5, 0.8, 0.9, -0.5]));
                    Ex::Bin(
                        Op::Add,
                        Box::new(Ex::Bin(Op::Mul, Box::new(me), Box::new(k))),
                        Box::new(r),
                    )
                } else {
                    self.gen_s(self.depth_s())
                };
                out.push(St::Assign {
                    name: name.into(),
                    op: None,
                    e,
                });
            }
            1 | 2 => {
                let e = self.gen_s(self.depth_s());
                let e = if self.rng.chance(0.3) {
                    Ex::Bin(Op::Mul, Box::new(Ex::Lit(0.3)), Box::new(e))
                } else {
                    e
                };
                let op = if self.rng.chance(0.65) {
                    Op::Add
                } else {
                    Op::Sub
                };
                out.push(St::Assign {
                    name: name.into(),
                    op: Some(op),
                    e,
                });
            }
            _ => {
                let e = if self.rng.chance(0.75) {
                    self.tame_factor()
                } else {
                    self.gen_s(1)
                };
                out.push(St::Assign {
                    name: name.into(),
                    op: Some(Op::Mul),
                    e,
                });
            }
        }
    }

    fn assign_a(&mut self, name: &str, out: &mut Vec<St>) {
        let me = Ex::Var {
            name: name.into(),
            ty: Ty::A,
            is_ref: false,
        };
        let compound = !self.avoid.inactive_array_compound || self.is_active_name(name);
        let w = if compound {
            [3, 3, 1, 2, 1]
        } else {
            [1, 0, 0, 0, 0]
        };
        let (op, e) = match self.rng.weighted(&w) {
            0 => {
                let e = if self.rng.chance(0.5) {
                    let r = self.gen_a(1);
                    Ex::Bin(
                        Op::Add,
                        Box::new(Ex::Bin(Op::Mul, Box::new(me), Box::new(Ex::Lit(0.5)))),
                        Box::new(r),
                    )
                } else {
                    let e = self.gen_a(self.depth_s());
                    self.owned(e)
                };
                (None, e)
            }
            1 => (Some(Op::Add), self.gen_a(1)),
            2 => (Some(Op::Sub), self.gen_a(1)),
            3 => (Some(Op::Mul), self.tame_factor()),
            _ => (Some(Op::Add), self.gen_s(1)),
        };
        // `w += &w` does not borrow-check: add a copy.
        let e = match e {
            Ex::Var { name: ref v, .. } if v == name => Ex::Owned(Box::new(e), true),
            e => e,
        };
        out.push(St::Assign {
            name: name.into(),
            op,
            e,
        });
    }

    fn index_assign(&mut self, name: &str, out: &mut Vec<St>) {
        let ix = self.gen_ix();
        let (op, e) = match self.rng.weighted(&[4, 3, 1, 1, 3]) {
            0 => (None, self.gen_s(self.depth_s())),
            1 => (Some(Op::Add), self.gen_s(self.depth_s())),
            2 => (Some(Op::Sub), self.gen_s(1)),
            3 => (Some(Op::Mul), self.tame_factor()),
            _ => {
                // An overwrite that reads the array itself (the same or another element).
                let other = if self.rng.chance(0.5) {
                    ix.clone()
                } else {
                    self.gen_ix()
                };
                let old = Ex::Index(name.into(), other);
                let op = [Op::Add, Op::Mul, Op::Sub][self.rng.below(3)];
                let r = self.gen_s(1);
                let e = Ex::Bin(op, Box::new(old), Box::new(r));
                let e = if op == Op::Mul {
                    Ex::F1(F1::Tanh, Box::new(e), 0)
                } else {
                    e
                };
                (None, e)
            }
        };
        out.push(St::IndexAssign {
            name: name.into(),
            ix,
            op,
            e,
        });
    }

    fn loop_var(&mut self) -> String {
        let names = ["i", "j", "l"];
        let d = self.of(|d| matches!(d.kind, Kind::I { .. }) && names.contains(&d.name.as_str()));
        if !d.is_empty() && self.rng.chance(0.1) {
            // Shadow an enclosing loop's variable.
            return d[0].name.clone();
        }
        names
            .iter()
            .find(|n| !d.iter().any(|x| x.name == **n))
            .unwrap_or(&"l")
            .to_string()
    }

    fn gen_range(&mut self) -> (Range, bool) {
        let hi = self.gen_count();
        let safe = match &hi {
            Ix::Var(v) => v == "n",
            Ix::Lit(k) => *k <= N,
            _ => false,
        };
        let lo = if self.rng.chance(0.15) { 1 } else { 0 };
        let rev = self.rng.chance(0.3);
        let step = if self.rng.chance(0.2) {
            Some(self.rng.range(2, 3))
        } else {
            None
        };
        (Range { lo, hi, rev, step }, safe)
    }

    /// A mutable accumulator declared before a loop that has nothing to mutate.
    fn ensure_target(&mut self, out: &mut Vec<St>) {
        let has = self
            .visible()
            .iter()
            .any(|d| d.mutable && matches!(d.kind, Kind::S | Kind::A { is_ref: false }));
        if !has || self.rng.chance(0.3) {
            let name = self.fresh("acc");
            out.push(St::Let {
                name: name.clone(),
                mutable: true,
                annot: true,
                e: Ex::Lit(self.rng.pick(&[0.0, 0.0, 1.0, 0.5])),
            });
            self.declare(&name, Kind::S, true);
        }
    }

    fn gen_stmt(&mut self, out: &mut Vec<St>) {
        let vis = self.visible();
        let has_arrays = vis.iter().any(|d| matches!(d.kind, Kind::A { .. }));
        let mut_s = vis.iter().any(|d| d.mutable && d.kind == Kind::S);
        let mut_a = vis
            .iter()
            .any(|d| d.mutable && d.kind == Kind::A { is_ref: false });
        let nest = self.depth < 2;
        let loops = if self.avoid.nested_loop {
            self.depth == 0
        } else {
            nest
        };
        let w = [
            8,                              // let scalar
            if has_arrays { 3 } else { 0 }, // let array
            if loops { 2 } else { 0 },      // zeros + fill loop
            if mut_s { 5 } else { 0 },      // assign scalar
            if mut_a { 2 } else { 0 },      // assign array
            if mut_a { 3 } else { 0 },      // index assign
            if nest { 3 } else { 0 },       // if
            if loops { 4 } else { 0 },      // for
            if loops { 2 } else { 0 },      // while
            1,                              // tuple let
            if loops { 1 } else { 0 },      // for over a constant array
            if nest && !self.avoid.deferred_init {
                1
            } else {
                0
            }, // deferred init
            if loops && self.new && self.seqs().iter().any(|d| !d.mutable) {
                3
            } else {
                0
            }, // for over a sequence's elements
        ];
        match self.rng.weighted(&w) {
            12 => {
                self.ensure_target(out);
                // The body may write to mutable arrays: iterate over the others.
                let seqs: Vec<Decl> = self.seqs().into_iter().filter(|d| !d.mutable).collect();
                let d = self.rng.pick(&seqs);
                let src_ref = matches!(d.kind, Kind::A { is_ref: true } | Kind::Sl { .. });
                let var = self.fresh("v");
                let style = self.rng.weighted(&[3, 1]) as u8;
                let index = if style == 0 && self.rng.chance(0.3) {
                    Some(self.loop_var())
                } else {
                    None
                };
                let bind = if style == 1 || index.is_some() {
                    [Bind::Pat, Bind::Star][self.rng.below(2)]
                } else {
                    self.gen_bind()
                };
                let rev = style == 0 && index.is_none() && self.rng.chance(0.25);
                self.bind_elem(&var, bind);
                if let Some(i) = &index {
                    let i = i.clone();
                    self.declare(&i, Kind::I { safe: true }, false);
                }
                let count = self.rng.range(self.big as usize, 2 + self.big as usize);
                let body = self.block(count, true);
                self.scopes.pop();
                out.push(St::ForIter {
                    src: d.name,
                    src_ref,
                    index,
                    var,
                    bind,
                    rev,
                    style,
                    body,
                });
            }
            0 => {
                let scalars = self.scalars();
                let shadow = !scalars.is_empty() && self.rng.chance(0.2);
                let (name, e) = if shadow {
                    let d = self.rng.pick(&scalars);
                    let other = self.gen_s(1);
                    let op = [Op::Add, Op::Mul, Op::Sub][self.rng.below(3)];
                    let e = Ex::Bin(op, Box::new(Self::var(&d)), Box::new(other));
                    (d.name, e)
                } else {
                    (self.fresh("s"), self.gen_s(self.depth_s()))
                };
                let mutable = self.rng.chance(0.4);
                let active = self.mentions_active(&e);
                out.push(St::Let {
                    name: name.clone(),
                    mutable,
                    annot: self.rng.chance(0.15),
                    e,
                });
                self.declare_with(&name, Kind::S, mutable, active);
            }
            1 => {
                let arrays = self.arrays();
                let shadow = self.rng.chance(0.2);
                let name = if shadow {
                    self.rng.pick(&arrays).name
                } else {
                    self.fresh("w")
                };
                let e = self.gen_a(self.depth_s());
                let (e, is_ref) = match &e {
                    Ex::Var { is_ref: true, .. } if self.rng.chance(0.5) => (e, true),
                    _ => (self.owned(e), false),
                };
                let mutable = !is_ref && self.rng.chance(0.5);
                let active = self.mentions_active(&e);
                out.push(St::Let {
                    name: name.clone(),
                    mutable,
                    annot: self.rng.chance(0.15),
                    e,
                });
                self.declare_with(&name, Kind::A { is_ref }, mutable, active);
            }
            2 => {
                let name = self.fresh("a");
                let zeros_at = out.len();
                out.push(St::LetZeros {
                    name: name.clone(),
                    style: 0,
                });
                let var = self.loop_var();
                let rev = self.rng.chance(0.3);
                let step = if self.rng.chance(0.15) { Some(2) } else { None };
                let range = Range {
                    lo: 0,
                    hi: Ix::Var("n".into()),
                    rev,
                    step,
                };
                self.scopes.push(Vec::new());
                self.depth += 1;
                self.declare(&var, Kind::I { safe: true }, false);
                let mut body = Vec::new();
                let ix = if self.rng.chance(0.8) {
                    Ix::Var(var.clone())
                } else {
                    Ix::Rev(var.clone())
                };
                // The value comes from the rest of the program (the array is still
                // zero), sometimes plus a neighbour.
                let mut e = self.gen_s(self.depth_s());
                let neighbour = self.rng.chance(0.3);
                if neighbour {
                    let nb = Ex::Index(name.clone(), Ix::Shift(var.clone(), 1));
                    e = Ex::Bin(Op::Add, Box::new(e), Box::new(nb));
                }
                // The element type can be left to inference when nothing reads the array
                // before this first write.
                let style = self.rng.below(if neighbour { 2 } else { 3 }) as u8;
                out[zeros_at] = St::LetZeros {
                    name: name.clone(),
                    style,
                };
                // Declared in the enclosing scope (the loop's scope is the last one).
                let k = self.scopes.len() - 2;
                self.scopes[k].push(Decl {
                    name: name.clone(),
                    kind: Kind::A { is_ref: false },
                    mutable: true,
                    local: true,
                    active: false,
                    star: false,
                });
                body.push(St::IndexAssign {
                    name: name.clone(),
                    ix,
                    op: None,
                    e,
                });
                // The partly filled array read by a rule in the same trip: the backward
                // sweep must see it as it was then, not as the loop leaves it.
                let accs = self.of(|d| d.mutable && d.kind == Kind::S);
                if !accs.is_empty() && self.rng.chance(0.35) {
                    let t = self.rng.pick(&accs);
                    let partial = Ex::Var {
                        name: name.clone(),
                        ty: Ty::A,
                        is_ref: false,
                    };
                    let other = self.gen_a(1);
                    body.push(St::Assign {
                        name: t.name.clone(),
                        op: Some(Op::Add),
                        e: Ex::Dot(Box::new(partial), Box::new(other)),
                    });
                }
                if self.rng.chance(0.3) {
                    self.gen_stmt(&mut body);
                }
                self.depth -= 1;
                self.scopes.pop();
                out.push(St::For { var, range, body });
            }
            3 => {
                let t = self.rng.pick(&self.of(|d| d.mutable && d.kind == Kind::S));
                self.assign_s(&t.name, out);
            }
            4 => {
                let t = self
                    .rng
                    .pick(&self.of(|d| d.mutable && d.kind == Kind::A { is_ref: false }));
                self.assign_a(&t.name, out);
            }
            5 => {
                let t = self
                    .rng
                    .pick(&self.of(|d| d.mutable && d.kind == Kind::A { is_ref: false }));
                self.index_assign(&t.name, out);
            }
            6 => {
                let st = self.gen_if(2);
                out.push(st);
            }
            7 => {
                self.ensure_target(out);
                let (range, safe) = self.gen_range();
                let var = self.loop_var();
                self.scopes.push(Vec::new());
                self.declare(&var, Kind::I { safe }, false);
                let count = self.rng.range(self.big as usize, 2 + self.big as usize);
                let body = self.block(count, true);
                self.scopes.pop();
                out.push(St::For { var, range, body });
            }
            8 => {
                self.ensure_target(out);
                let counter = if self.visible().iter().any(|d| d.name == "k") {
                    self.fresh("k")
                } else {
                    "k".to_string()
                };
                out.push(St::LetInt {
                    name: counter.clone(),
                    mutable: true,
                    src: "0".into(),
                    value: IntInit::Lit(0),
                });
                self.declare(&counter, Kind::I { safe: false }, true);
                let limit = self.gen_count();
                let safe = matches!(limit, Ix::Lit(k) if k <= N)
                    || matches!(&limit, Ix::Var(v) if v == "n");
                let extra = if self.rng.chance(0.3) {
                    let mut_s = self.of(|d| d.mutable && d.kind == Kind::S);
                    if mut_s.is_empty() {
                        None
                    } else {
                        let t = self.rng.pick(&mut_s);
                        let bound = Ex::Lit(self.rng.pick(&[2.0, 3.0, 5.0, -2.0]));
                        let c = if self.rng.chance(0.5) {
                            Cmp::Lt
                        } else {
                            Cmp::Gt
                        };
                        Some(Cond::Cmp(Self::var(&t), c, bound))
                    }
                } else {
                    None
                };
                self.scopes.push(Vec::new());
                // Inside the body the counter is below the limit.
                self.declare(&counter, Kind::I { safe }, true);
                let count = self.rng.range(self.big as usize, 2 + self.big as usize);
                let mut body = self.block(count, true);
                self.scopes.pop();
                body.push(St::Incr(counter.clone()));
                out.push(St::While {
                    counter,
                    limit,
                    extra,
                    body,
                });
            }
            10 => {
                self.ensure_target(out);
                let len = self.rng.range(2, 4);
                let vals: Vec<f64> = (0..len).map(|_| self.rng.lit()).collect();
                let index = if self.rng.chance(0.5) {
                    Some("r".to_string())
                } else {
                    None
                };
                self.scopes.push(Vec::new());
                if let Some(r) = &index {
                    self.declare(r, Kind::I { safe: len <= N }, false);
                }
                self.declare("v", Kind::S, false);
                let count = self.rng.range(self.big as usize, 2 + self.big as usize);
                let body = self.block(count, true);
                self.scopes.pop();
                out.push(St::ForEach {
                    index,
                    var: "v".into(),
                    vals,
                    body,
                });
            }
            11 => {
                // Declared first, assigned on both paths, readable only afterwards.
                let name = self.fresh("d");
                out.push(St::Declare(name.clone()));
                let cond = self.gen_cond(1);
                let mut arms = Vec::new();
                for _ in 0..2 {
                    // The value is generated in the arm's scope: it may use (and must
                    // see the shadowing of) the arm's lets.
                    self.scopes.push(Vec::new());
                    self.depth += 1;
                    let mut b = Vec::new();
                    for _ in 0..self.rng.range(0, 1) {
                        self.gen_stmt(&mut b);
                    }
                    let e = self.gen_s(self.depth_s());
                    b.push(St::Assign {
                        name: name.clone(),
                        op: None,
                        e,
                    });
                    self.depth -= 1;
                    self.scopes.pop();
                    arms.push(b);
                }
                let els = Else::Block(arms.pop().expect("two arms"));
                let then = arms.pop().expect("two arms");
                out.push(St::If { cond, then, els });
                self.declare(&name, Kind::S, false);
            }
            _ => {
                let k = 2;
                let mut names = Vec::new();
                let mut es = Vec::new();
                let mut kinds = Vec::new();
                for _ in 0..k {
                    let arr = !self.arrays().is_empty() && self.rng.chance(0.25);
                    let e = if arr {
                        let e = self.gen_a(1);
                        self.owned(e)
                    } else {
                        self.gen_s(1)
                    };
                    let name = if arr {
                        self.fresh("w")
                    } else {
                        self.fresh("p")
                    };
                    let mutable = self.rng.chance(0.3);
                    names.push((name, mutable));
                    kinds.push((
                        if arr {
                            Kind::A { is_ref: false }
                        } else {
                            Kind::S
                        },
                        self.mentions_active(&e),
                    ));
                    es.push(e);
                }
                for ((name, mutable), (kind, active)) in names.iter().zip(kinds) {
                    self.declare_with(name, kind, *mutable, active);
                }
                out.push(St::LetTuple { names, es });
            }
        }
    }

    fn gen_if(&mut self, else_weight: u32) -> St {
        let cond = self.gen_cond(1);
        let count = self.rng.range(1, 2);
        let mutate = self.rng.chance(0.7);
        let then = self.block(count, mutate);
        let els = match self.rng.weighted(&[3, 3, else_weight]) {
            0 => Else::None,
            1 => {
                let count = self.rng.range(1, 2);
                let mutate = self.rng.chance(0.7);
                Else::Block(self.block(count, mutate))
            }
            _ => Else::If(Box::new(self.gen_if(0))),
        };
        St::If { cond, then, els }
    }

    fn gen_tail(&mut self) -> Ex {
        let locals: Vec<Decl> = self.of(|d| d.local && d.kind == Kind::S);
        let mut e = if self.rng.chance(0.5) || locals.is_empty() {
            self.gen_s(self.depth_s())
        } else {
            self.gen_s(1)
        };
        // Use what the body computed: mutated accumulators first.
        let mut used = 0;
        for d in locals.iter().filter(|d| d.mutable).chain(locals.iter()) {
            if used >= 3 {
                break;
            }
            if self.rng.chance(0.6) {
                let v = Self::var(d);
                let v = if self.rng.chance(0.3) {
                    Ex::Bin(Op::Mul, Box::new(Ex::Lit(0.5)), Box::new(v))
                } else {
                    v
                };
                let op = if self.rng.chance(0.7) {
                    Op::Add
                } else {
                    Op::Sub
                };
                e = Ex::Bin(op, Box::new(e), Box::new(v));
                used += 1;
            }
        }
        let local_arrays = self.of(|d| d.local && matches!(d.kind, Kind::A { .. }));
        if !local_arrays.is_empty() && self.rng.chance(0.6) {
            let a = self.rng.pick(&local_arrays);
            e = Ex::Bin(
                Op::Add,
                Box::new(e),
                Box::new(Ex::Red(Red::Sum, Box::new(Self::var(&a)))),
            );
        }
        e
    }
}

/// Whether a mapv body (variables, literals, operators, functions) reads `v`.
fn mentions(e: &Ex, v: &str) -> bool {
    match e {
        Ex::Var { name, .. } => name == v,
        Ex::Bin(_, a, b) => mentions(a, v) || mentions(b, v),
        Ex::F1(_, a, _) | Ex::Powi(a, _) => mentions(a, v),
        _ => false,
    }
}

fn owned(e: Ex) -> Ex {
    match e {
        Ex::Var { .. } => Ex::Owned(Box::new(e), false),
        e => e,
    }
}

/// Constructs the generator leaves out because the generated code does not compile
/// (transform bugs; see the `--avoid` option).
#[derive(Clone, Copy, Debug)]
struct Avoid {
    /// Loops inside a loop or a branch: the reverse sweep tapes the inner loop's trip
    /// counter twice in the enclosing block's tuple (E0416 "identifier `tripsN` is bound
    /// more than once in the same pattern").
    nested_loop: bool,
    /// Arrays other than parameters passed to differentiable functions (`g(&t)`): the
    /// callee's pullback borrows the local, which is then moved into the caller's
    /// pullback (E0505 / E0515).
    call_local_array: bool,
    /// `.to_owned()` / `.clone()` of a reference parameter, lowered as a copy of the
    /// reference: E0308 / E0596 where an owned array is needed (assignment, `if` arms,
    /// index writes).
    owned_param: bool,
    /// Compound assignment (`w += ..`) to an array that is not certainly active: the
    /// inactive form `w_new = w + (..)` moves `w` (E0382).
    inactive_array_compound: bool,
    /// `let v: f64;` assigned later in both branches of an `if` (E0596 + E0381).
    deferred_init: bool,
    /// A `let` inside a block expression that shadows a name: when the block is lowered
    /// only in a later pass of the activity fixpoint, the renamed names after it shift
    /// between passes and a constant can be taken as active (E0425 "cannot find value
    /// `v_1_dot`").
    block_shadow: bool,
    /// `x.iter().rev().zip(y.iter())`: the rewritten chain took `min` of a reversed
    /// range and a range (E0277 "`Rev<Range<usize>>: Ord` is not satisfied", E0308).
    rev_zip: bool,
    /// A `&Vec<f64>` passed to a `&[f64]` parameter: the derivative call did not
    /// coerce (E0308 "expected `&&[f64]`, found `&&Vec<f64>`").
    vec_as_slice: bool,
}

impl Avoid {
    const NAMES: &'static [&'static str] = &[
        "nested-loop",
        "call-local-array",
        "owned-param",
        "inactive-array-compound",
        "deferred-init",
        "block-shadow",
        "rev-zip",
        "vec-as-slice",
    ];
    fn parse(list: &str) -> Avoid {
        let mut a = Avoid {
            nested_loop: false,
            call_local_array: false,
            owned_param: false,
            inactive_array_compound: false,
            deferred_init: false,
            block_shadow: false,
            rev_zip: false,
            vec_as_slice: false,
        };
        for item in list.split(',').filter(|s| !s.is_empty() && *s != "none") {
            match item {
                "all" => return Avoid::parse(&Avoid::NAMES.join(",")),
                "nested-loop" => a.nested_loop = true,
                "call-local-array" => a.call_local_array = true,
                "owned-param" => a.owned_param = true,
                "inactive-array-compound" => a.inactive_array_compound = true,
                "deferred-init" => a.deferred_init = true,
                "block-shadow" => a.block_shadow = true,
                "rev-zip" => a.rev_zip = true,
                "vec-as-slice" => a.vec_as_slice = true,
                other => {
                    eprintln!(
                        "unknown --avoid item `{other}`; known: none, all, {}",
                        Avoid::NAMES.join(", ")
                    );
                    std::process::exit(2)
                }
            }
        }
        a
    }
    fn list(&self) -> String {
        let mut v = Vec::new();
        if self.nested_loop {
            v.push("nested-loop");
        }
        if self.call_local_array {
            v.push("call-local-array");
        }
        if self.owned_param {
            v.push("owned-param");
        }
        if self.inactive_array_compound {
            v.push("inactive-array-compound");
        }
        if self.deferred_init {
            v.push("deferred-init");
        }
        if self.block_shadow {
            v.push("block-shadow");
        }
        if self.rev_zip {
            v.push("rev-zip");
        }
        if self.vec_as_slice {
            v.push("vec-as-slice");
        }
        if v.is_empty() {
            "none".into()
        } else {
            v.join(",")
        }
    }
}

fn gen_params(rng: &mut Rng, new: bool) -> Vec<Param> {
    let mut params = Vec::new();
    loop {
        let ns = rng.weighted(&[2, 4, 3, 1]);
        let na = rng.weighted(&[3, 4, 2]);
        if ns + na == 0 {
            continue;
        }
        for name in ["a", "b", "c"].iter().take(ns) {
            params.push(Param {
                name: name.to_string(),
                kind: PKind::S,
            });
        }
        for name in ["x", "y"].iter().take(na) {
            // Slices and `Vec`s next to arrays.
            let kind = if new {
                [PKind::A, PKind::Slice, PKind::VecRef][rng.weighted(&[5, 2, 1])]
            } else {
                PKind::A
            };
            params.push(Param {
                name: name.to_string(),
                kind,
            });
        }
        break;
    }
    if rng.chance(0.3) {
        params.push(Param {
            name: "m".into(),
            kind: PKind::Usize,
        });
    }
    if rng.chance(0.1) {
        params.push(Param {
            name: "q".into(),
            kind: PKind::ConstS,
        });
    }
    // Shuffle (Fisher-Yates).
    for k in (1..params.len()).rev() {
        let j = rng.below(k + 1);
        params.swap(k, j);
    }
    params
}

/// What the generator may draw (from the options).
#[derive(Clone, Copy)]
struct Knobs {
    ext: bool,
    avoid: Avoid,
    big: bool,
    new: bool,
}

fn gen_func(rng: &mut Rng, funcs: &[Func], id: usize, module: usize, knobs: Knobs) -> Func {
    let Knobs {
        ext,
        avoid,
        big,
        new,
    } = knobs;
    let params = gen_params(rng, new);
    let mut g = Gen {
        rng,
        funcs,
        ext,
        avoid,
        big,
        scopes: vec![params
            .iter()
            .map(|p| Decl {
                name: p.name.clone(),
                kind: match p.kind {
                    PKind::S | PKind::ConstS => Kind::S,
                    PKind::A => Kind::A { is_ref: true },
                    PKind::Usize => Kind::I { safe: false },
                    PKind::Slice => Kind::Sl { vec: false },
                    PKind::VecRef => Kind::Sl { vec: true },
                },
                mutable: false,
                local: false,
                active: matches!(p.kind, PKind::S | PKind::A | PKind::Slice | PKind::VecRef),
                star: false,
            })
            .collect()],
        fresh: 0,
        calls_left: 2,
        depth: 0,
        new,
    };
    g.scopes.push(Vec::new());
    let mut body = Vec::new();
    let first_array = params
        .iter()
        .find(|p| matches!(p.kind, PKind::A | PKind::Slice | PKind::VecRef));
    body.push(match first_array {
        Some(p) => St::LetInt {
            name: "n".into(),
            mutable: false,
            src: format!("{}.len()", p.name),
            value: IntInit::Len,
        },
        None => St::LetInt {
            name: "n".into(),
            mutable: false,
            src: format!("{N}"),
            value: IntInit::Lit(N),
        },
    });
    g.declare("n", Kind::I { safe: false }, false);
    let count = if big {
        g.rng.range(4, 8)
    } else {
        g.rng.range(2, 5)
    };
    for _ in 0..count {
        g.gen_stmt(&mut body);
    }
    let tail = g.gen_tail();
    let point = params
        .iter()
        .map(|p| match p.kind {
            PKind::S | PKind::ConstS => PVal::S(g.rng.point()),
            PKind::A | PKind::Slice | PKind::VecRef => {
                PVal::A((0..N).map(|_| g.rng.point()).collect())
            }
            PKind::Usize => PVal::U(g.rng.range(2, 5)),
        })
        .collect();
    Func {
        id,
        module,
        params,
        body,
        tail,
        point,
    }
}

// ----------------------------------------------------------------------------------------
// Interpreter
// ----------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum V {
    S(f64),
    A(Vec<f64>),
    I(i64),
}

struct Interp<'a> {
    funcs: &'a [Func],
    scopes: Vec<HashMap<String, V>>,
    cost: u64,
    /// Outcomes of every value-dependent decision, in order.
    trace: Vec<bool>,
    /// Smallest distance of a decision from its threshold.
    margin: f64,
}

type R<T> = Result<T, &'static str>;

fn num(v: f64) -> R<f64> {
    if !v.is_finite() {
        Err("non-finite")
    } else if v.abs() > LIMIT {
        Err("too large")
    } else {
        Ok(v)
    }
}

/// The base of `log(base)`.
fn log_base(b: u8) -> f64 {
    [2.0, 10.0, 3.0][b as usize % 3]
}

fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl Interp<'_> {
    fn tick(&mut self) -> R<()> {
        self.cost += 1;
        if self.cost > MAX_COST {
            Err("too long")
        } else {
            Ok(())
        }
    }
    fn lookup(&self, name: &str) -> R<V> {
        for s in self.scopes.iter().rev() {
            if let Some(v) = s.get(name) {
                return Ok(v.clone());
            }
        }
        Err("unbound name (generator bug)")
    }
    fn set(&mut self, name: &str, v: V) -> R<()> {
        for s in self.scopes.iter_mut().rev() {
            if let Some(slot) = s.get_mut(name) {
                *slot = v;
                return Ok(());
            }
        }
        Err("assignment to unbound name (generator bug)")
    }
    fn bind(&mut self, name: &str, v: V) {
        self.scopes
            .last_mut()
            .expect("a scope")
            .insert(name.to_string(), v);
    }
    fn decide(&mut self, b: bool, dist: f64) {
        self.trace.push(b);
        self.margin = self.margin.min(dist.abs());
    }
    fn int(&self, ix: &Ix) -> R<i64> {
        let get = |v: &str| match self.lookup(v)? {
            V::I(k) => Ok(k),
            _ => Err("not an integer (generator bug)"),
        };
        let n = N as i64;
        Ok(match ix {
            Ix::Var(v) => get(v)?,
            Ix::Lit(k) => *k as i64,
            Ix::Shift(v, k) => (get(v)? + *k as i64) % n,
            Ix::Rev(v) => n - 1 - get(v)?,
            Ix::Wrap(v) => get(v)? % n,
        })
    }
    fn index(&self, ix: &Ix) -> R<usize> {
        let k = self.int(ix)?;
        if (0..N as i64).contains(&k) {
            Ok(k as usize)
        } else {
            Err("index out of bounds (generator bug)")
        }
    }

    fn map(&mut self, v: V, f: impl Fn(f64) -> f64) -> R<V> {
        Ok(match v {
            V::S(x) => V::S(num(f(x))?),
            V::A(xs) => V::A(xs.into_iter().map(|x| num(f(x))).collect::<R<_>>()?),
            V::I(_) => return Err("map on integer (generator bug)"),
        })
    }

    fn bin(&mut self, op: Op, a: V, b: V) -> R<V> {
        let f = |x: f64, y: f64| match op {
            Op::Add => x + y,
            Op::Sub => x - y,
            Op::Mul => x * y,
            Op::Div => x / y,
        };
        if op == Op::Div {
            let dens: Vec<f64> = match &b {
                V::S(y) => vec![*y],
                V::A(ys) => ys.clone(),
                V::I(_) => vec![],
            };
            if dens.iter().any(|y| y.abs() < 1e-2) {
                return Err("division near zero");
            }
        }
        Ok(match (a, b) {
            (V::S(x), V::S(y)) => V::S(num(f(x, y))?),
            (V::S(x), V::A(ys)) => V::A(ys.iter().map(|&y| num(f(x, y))).collect::<R<_>>()?),
            (V::A(xs), V::S(y)) => V::A(xs.iter().map(|&x| num(f(x, y))).collect::<R<_>>()?),
            (V::A(xs), V::A(ys)) => V::A(
                xs.iter()
                    .zip(&ys)
                    .map(|(&x, &y)| num(f(x, y)))
                    .collect::<R<_>>()?,
            ),
            _ => return Err("integer operand (generator bug)"),
        })
    }

    fn scalar(&mut self, e: &Ex) -> R<f64> {
        match self.eval(e)? {
            V::S(x) => Ok(x),
            _ => Err("expected a scalar (generator bug)"),
        }
    }
    fn array(&mut self, e: &Ex) -> R<Vec<f64>> {
        match self.eval(e)? {
            V::A(x) => Ok(x),
            _ => Err("expected an array (generator bug)"),
        }
    }

    fn eval(&mut self, e: &Ex) -> R<V> {
        self.tick()?;
        Ok(match e {
            Ex::Lit(v) => V::S(*v),
            Ex::Var { name, .. } => self.lookup(name)?,
            Ex::Cast(ix) => V::S(self.int(ix)? as f64),
            Ex::Index(a, ix) => {
                let k = self.index(ix)?;
                match self.lookup(a)? {
                    V::A(xs) => V::S(xs[k]),
                    _ => return Err("indexing a non-array (generator bug)"),
                }
            }
            Ex::Bin(op, a, b) => {
                let a = self.eval(a)?;
                let b = self.eval(b)?;
                self.bin(*op, a, b)?
            }
            Ex::F1(f, a, _) => {
                let v = self.eval(a)?;
                match f {
                    F1::Neg => self.map(v, |x| -x)?,
                    F1::Sin => self.map(v, f64::sin)?,
                    F1::Cos => self.map(v, f64::cos)?,
                    F1::Tanh => self.map(v, f64::tanh)?,
                    F1::Exp => self.map(v, f64::exp)?,
                    F1::Atan => self.map(v, f64::atan)?,
                    F1::Sigmoid => self.map(v, sigmoid)?,
                    F1::Softplus => self.map(v, softplus)?,
                    F1::Sqrt | F1::Ln => {
                        let xs = match &v {
                            V::S(x) => vec![*x],
                            V::A(xs) => xs.clone(),
                            V::I(_) => vec![],
                        };
                        if xs.iter().any(|&x| x < 1e-3) {
                            return Err("sqrt/ln domain");
                        }
                        if *f == F1::Sqrt {
                            self.map(v, f64::sqrt)?
                        } else {
                            self.map(v, f64::ln)?
                        }
                    }
                    F1::Abs => {
                        let xs = match &v {
                            V::S(x) => vec![*x],
                            V::A(xs) => xs.clone(),
                            V::I(_) => vec![],
                        };
                        for x in xs {
                            self.decide(x >= 0.0, x);
                        }
                        self.map(v, f64::abs)?
                    }
                    _ => self.new_f1(*f, v)?,
                }
            }
            Ex::F2(f, a, b, _) => {
                let x = self.scalar(a)?;
                let y = self.scalar(b)?;
                V::S(num(match f {
                    F2::Max => {
                        self.decide(x > y, x - y);
                        x.max(y)
                    }
                    F2::Min => {
                        self.decide(x < y, x - y);
                        x.min(y)
                    }
                    F2::Hypot => {
                        self.decide(true, x.abs() + y.abs());
                        x.hypot(y)
                    }
                    F2::Atan2 => {
                        // Branch cut on the negative x axis; singular at the origin.
                        self.decide(x >= 0.0, if y < 0.0 { x } else { 1.0 });
                        self.decide(true, x.abs() + y.abs());
                        x.atan2(y)
                    }
                    F2::Powf => {
                        if x < 1e-3 {
                            return Err("powf domain");
                        }
                        x.powf(y)
                    }
                })?)
            }
            Ex::MulAdd(a, b, c) => {
                let x = self.scalar(a)?;
                let y = self.scalar(b)?;
                let z = self.scalar(c)?;
                V::S(num(x.mul_add(y, z))?)
            }
            Ex::Powi(a, k) => {
                let v = self.eval(a)?;
                let k = *k;
                self.map(v, |x| x.powi(k))?
            }
            Ex::Red(r, a) => {
                let xs = self.array(a)?;
                V::S(num(match r {
                    Red::Sum => xs.iter().sum(),
                    Red::Mean => xs.iter().sum::<f64>() / xs.len() as f64,
                    Red::L2 => xs.iter().map(|x| x * x).sum(),
                    Red::Logsumexp => {
                        let mx = xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                        mx + xs.iter().map(|x| (x - mx).exp()).sum::<f64>().ln()
                    }
                    Red::Var(ddof) | Red::Std(ddof) => {
                        let n = xs.len() as f64;
                        let m = xs.iter().sum::<f64>() / n;
                        let ss = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>();
                        let var = ss / (n - *ddof as f64);
                        if matches!(r, Red::Std(_)) {
                            if var < 1e-3 {
                                return Err("std near zero");
                            }
                            var.sqrt()
                        } else {
                            var
                        }
                    }
                })?)
            }
            Ex::Dot(a, b) => {
                let xs = self.array(a)?;
                let ys = self.array(b)?;
                V::S(num(xs.iter().zip(&ys).map(|(x, y)| x * y).sum())?)
            }
            Ex::Call(id, args) => {
                let mut vals = Vec::new();
                for a in args {
                    vals.push(match a {
                        Arg::Val(e) => self.eval(e)?,
                        Arg::Int(ix) => V::I(self.int(ix)?),
                    });
                }
                V::S(self.call(*id, vals)?)
            }
            Ex::If(c, a, b) => {
                if self.cond(c)? {
                    self.eval(a)?
                } else {
                    self.eval(b)?
                }
            }
            Ex::Owned(a, _) => self.eval(a)?,
            Ex::Mapv(a, v, body) => {
                let xs = self.array(a)?;
                let mut out = Vec::with_capacity(xs.len());
                for x in xs {
                    self.scopes.push(HashMap::new());
                    self.bind(v, V::S(x));
                    let y = self.scalar(body);
                    self.scopes.pop();
                    out.push(y?);
                }
                V::A(out)
            }
            Ex::Iter(it) => V::S(self.iter(it)?),
            Ex::Block(stmts, tail) => {
                self.scopes.push(HashMap::new());
                for s in stmts {
                    self.exec(s)?;
                }
                let v = self.eval(tail)?;
                self.scopes.pop();
                v
            }
        })
    }

    /// The math methods of issue 11 (kinks traced as decisions).
    fn new_f1(&mut self, f: F1, v: V) -> R<V> {
        let xs = match &v {
            V::S(x) => vec![*x],
            V::A(xs) => xs.clone(),
            V::I(_) => return Err("math on an integer (generator bug)"),
        };
        let domain = |ok: &dyn Fn(f64) -> bool| -> R<()> {
            if xs.iter().all(|&x| ok(x)) {
                Ok(())
            } else {
                Err("domain of a new math method")
            }
        };
        // Distance to the nearest integer (the kinks of floor, ceil, trunc, fract) and
        // to the nearest half-integer (round).
        let to_int = |x: f64| x - x.round();
        let to_half = |x: f64| x - (x - 0.5).round() - 0.5;
        match f {
            F1::Ln1p => {
                domain(&|x| x > -0.99)?;
                self.map(v, f64::ln_1p)
            }
            F1::ExpM1 => self.map(v, f64::exp_m1),
            F1::Exp2 => self.map(v, f64::exp2),
            F1::Sinh => self.map(v, f64::sinh),
            F1::Cosh => self.map(v, f64::cosh),
            F1::Asinh => self.map(v, f64::asinh),
            F1::Acosh => {
                domain(&|x| x > 1.01)?;
                self.map(v, f64::acosh)
            }
            F1::Atanh => {
                domain(&|x| x.abs() < 0.99)?;
                self.map(v, f64::atanh)
            }
            F1::ToDegrees => self.map(v, f64::to_degrees),
            F1::ToRadians => self.map(v, f64::to_radians),
            F1::Log(b) => {
                domain(&|x| x > 1e-3)?;
                let base = log_base(b);
                self.map(v, |x| x.log(base))
            }
            F1::Clamp(lo, hi) => {
                let (lo, hi) = (lo as f64 / 10.0, hi as f64 / 10.0);
                for &x in &xs {
                    self.decide(x > lo, x - lo);
                    self.decide(x < hi, x - hi);
                }
                self.map(v, |x| x.clamp(lo, hi))
            }
            F1::Floor | F1::Ceil | F1::Trunc | F1::Fract => {
                for &x in &xs {
                    self.decide(x.floor() as i64 % 2 == 0, to_int(x));
                    // trunc and fract also change at 0.
                    self.decide(x >= 0.0, x);
                }
                let g: fn(f64) -> f64 = match f {
                    F1::Floor => f64::floor,
                    F1::Ceil => f64::ceil,
                    F1::Trunc => f64::trunc,
                    _ => f64::fract,
                };
                self.map(v, g)
            }
            F1::Round => {
                for &x in &xs {
                    self.decide(x.round() as i64 % 2 == 0, to_half(x));
                }
                self.map(v, f64::round)
            }
            F1::Signum => {
                for &x in &xs {
                    self.decide(x >= 0.0, x);
                }
                self.map(v, f64::signum)
            }
            _ => Err("not a new math method (generator bug)"),
        }
    }

    /// The elements of a sequence variable.
    fn seq(&self, name: &str) -> R<Vec<f64>> {
        match self.lookup(name)? {
            V::A(xs) => Ok(xs),
            _ => Err("iterating a non-sequence (generator bug)"),
        }
    }

    fn iter(&mut self, it: &IterEx) -> R<f64> {
        let Some(src) = &it.src else {
            let mut acc = 0.0;
            for i in it.lo..N {
                self.scopes.push(HashMap::new());
                self.bind(&it.var, V::I(i as i64));
                let y = self.scalar(&it.body);
                self.scopes.pop();
                acc = num(acc + y?)?;
            }
            return Ok(acc);
        };
        let xs = self.seq(src)?;
        let ys = match &it.zip {
            Some((other, _)) => Some(self.seq(other)?),
            None => None,
        };
        let mut order: Vec<usize> = (0..xs.len()).collect();
        if it.rev {
            order.reverse();
        }
        let mut acc = match &it.sink {
            Sink::Sum => 0.0,
            Sink::Product => 1.0,
            Sink::Fold(_, init) => self.scalar(init)?,
        };
        // `.rev()` comes before `.zip(..)` / `.enumerate()`: trip `j` reads element
        // `order[j]` of the source, but element `j` of the zipped one and count `j`.
        for (j, k) in order.into_iter().enumerate() {
            self.tick()?;
            self.scopes.push(HashMap::new());
            self.bind(&it.var, V::S(xs[k]));
            if let (Some((_, u)), Some(ys)) = (&it.zip, &ys) {
                self.bind(u, V::S(ys[j]));
            }
            if let Some(i) = &it.index {
                self.bind(i, V::I(j as i64));
            }
            if let Sink::Fold(a, _) = &it.sink {
                self.bind(a, V::S(acc));
            }
            let y = self.scalar(&it.body);
            self.scopes.pop();
            let y = y?;
            acc = num(match &it.sink {
                Sink::Sum => acc + y,
                Sink::Product => acc * y,
                Sink::Fold(..) => y,
            })?;
        }
        Ok(acc)
    }

    fn cond(&mut self, c: &Cond) -> R<bool> {
        self.tick()?;
        Ok(match c {
            Cond::Cmp(a, op, b) => {
                let x = self.scalar(a)?;
                let y = self.scalar(b)?;
                let r = match op {
                    Cmp::Lt => x < y,
                    Cmp::Gt => x > y,
                    Cmp::Le => x <= y,
                    Cmp::Ge => x >= y,
                };
                self.decide(r, x - y);
                r
            }
            Cond::Even(ix) => self.int(ix)? % 2 == 0,
            Cond::Int(ix, less, k) => {
                let v = self.int(ix)?;
                if *less {
                    v < *k as i64
                } else {
                    v > *k as i64
                }
            }
            Cond::And(a, b) => self.cond(a)? && self.cond(b)?,
        })
    }

    fn block(&mut self, stmts: &[St]) -> R<()> {
        self.scopes.push(HashMap::new());
        for s in stmts {
            self.exec(s)?;
        }
        self.scopes.pop();
        Ok(())
    }

    fn exec(&mut self, s: &St) -> R<()> {
        self.tick()?;
        match s {
            St::Let { name, e, .. } => {
                let v = self.eval(e)?;
                self.bind(name, v);
            }
            St::LetInt { name, value, .. } => {
                let v = match value {
                    IntInit::Lit(k) => *k as i64,
                    IntInit::Len => N as i64,
                };
                self.bind(name, V::I(v));
            }
            St::LetZeros { name, .. } => self.bind(name, V::A(vec![0.0; N])),
            St::Declare(name) => self.bind(name, V::S(f64::NAN)),
            St::ForIter {
                src,
                index,
                var,
                rev,
                body,
                ..
            } => {
                let xs = self.seq(src)?;
                let mut order: Vec<usize> = (0..xs.len()).collect();
                if *rev {
                    order.reverse();
                }
                for k in order {
                    self.scopes.push(HashMap::new());
                    if let Some(i) = index {
                        self.bind(i, V::I(k as i64));
                    }
                    self.bind(var, V::S(xs[k]));
                    self.block(body)?;
                    self.scopes.pop();
                }
            }
            St::ForEach {
                index,
                var,
                vals,
                body,
            } => {
                for (pos, v) in vals.iter().enumerate() {
                    self.scopes.push(HashMap::new());
                    if let Some(r) = index {
                        self.bind(r, V::I(pos as i64));
                    }
                    self.bind(var, V::S(*v));
                    self.block(body)?;
                    self.scopes.pop();
                }
            }
            St::LetTuple { names, es } => {
                let mut vals = Vec::new();
                for e in es {
                    vals.push(self.eval(e)?);
                }
                for ((name, _), v) in names.iter().zip(vals) {
                    self.bind(name, v);
                }
            }
            St::Assign { name, op, e } => {
                let v = self.eval(e)?;
                let v = match op {
                    None => v,
                    Some(op) => {
                        let old = self.lookup(name)?;
                        self.bin(*op, old, v)?
                    }
                };
                self.set(name, v)?;
            }
            St::IndexAssign { name, ix, op, e } => {
                let v = self.scalar(e)?;
                let k = self.index(ix)?;
                let V::A(mut xs) = self.lookup(name)? else {
                    return Err("index write to a non-array (generator bug)");
                };
                xs[k] = match op {
                    None => v,
                    Some(op) => match self.bin(*op, V::S(xs[k]), V::S(v))? {
                        V::S(x) => x,
                        _ => unreachable!(),
                    },
                };
                self.set(name, V::A(xs))?;
            }
            St::Incr(name) => {
                let V::I(k) = self.lookup(name)? else {
                    return Err("increment of a non-integer (generator bug)");
                };
                self.set(name, V::I(k + 1))?;
            }
            St::If { cond, then, els } => {
                if self.cond(cond)? {
                    self.block(then)?;
                } else {
                    match els {
                        Else::None => {}
                        Else::Block(b) => self.block(b)?,
                        Else::If(s) => {
                            self.scopes.push(HashMap::new());
                            self.exec(s)?;
                            self.scopes.pop();
                        }
                    }
                }
            }
            St::For { var, range, body } => {
                let hi = self.int(&range.hi)?;
                let mut vals: Vec<i64> = (range.lo as i64..hi).collect();
                if range.rev {
                    vals.reverse();
                }
                if let Some(k) = range.step {
                    vals = vals.into_iter().step_by(k).collect();
                }
                for v in vals {
                    self.scopes.push(HashMap::new());
                    self.bind(var, V::I(v));
                    self.block(body)?;
                    self.scopes.pop();
                }
            }
            St::While {
                counter,
                limit,
                extra,
                body,
            } => loop {
                self.tick()?;
                let V::I(k) = self.lookup(counter)? else {
                    return Err("non-integer counter (generator bug)");
                };
                let go = k < self.int(limit)?
                    && match extra {
                        Some(c) => self.cond(c)?,
                        None => true,
                    };
                if !go {
                    break;
                }
                self.block(body)?;
            },
        }
        Ok(())
    }

    fn call(&mut self, id: usize, args: Vec<V>) -> R<f64> {
        let funcs = self.funcs;
        let f = &funcs[id];
        let saved = std::mem::take(&mut self.scopes);
        let mut params = HashMap::new();
        for (p, v) in f.params.iter().zip(args) {
            params.insert(p.name.clone(), v);
        }
        self.scopes.push(params);
        let r = (|| {
            self.scopes.push(HashMap::new());
            for s in &f.body {
                self.exec(s)?;
            }
            let v = self.scalar(&f.tail)?;
            self.scopes.pop();
            Ok(v)
        })();
        self.scopes = saved;
        r
    }
}

/// The functions `f` calls.
fn callees(f: &Func) -> Vec<usize> {
    fn ex(e: &Ex, out: &mut Vec<usize>) {
        match e {
            Ex::Lit(_) | Ex::Var { .. } | Ex::Cast(_) | Ex::Index(..) => {}
            Ex::Bin(_, a, b) | Ex::F2(_, a, b, _) | Ex::Dot(a, b) => {
                ex(a, out);
                ex(b, out);
            }
            Ex::Mapv(a, _, body) => {
                ex(a, out);
                ex(body, out);
            }
            Ex::Iter(it) => {
                if let Sink::Fold(_, init) = &it.sink {
                    ex(init, out);
                }
                ex(&it.body, out);
            }
            Ex::MulAdd(a, b, c) => {
                ex(a, out);
                ex(b, out);
                ex(c, out);
            }
            Ex::F1(_, a, _) | Ex::Powi(a, _) | Ex::Red(_, a) | Ex::Owned(a, _) => ex(a, out),
            Ex::Call(id, args) => {
                out.push(*id);
                for a in args {
                    if let Arg::Val(e) = a {
                        ex(e, out);
                    }
                }
            }
            Ex::If(c, a, b) => {
                cond(c, out);
                ex(a, out);
                ex(b, out);
            }
            Ex::Block(stmts, tail) => {
                stmts.iter().for_each(|s| st(s, out));
                ex(tail, out);
            }
        }
    }
    fn cond(c: &Cond, out: &mut Vec<usize>) {
        match c {
            Cond::Cmp(a, _, b) => {
                ex(a, out);
                ex(b, out);
            }
            Cond::Even(_) | Cond::Int(..) => {}
            Cond::And(a, b) => {
                cond(a, out);
                cond(b, out);
            }
        }
    }
    fn st(s: &St, out: &mut Vec<usize>) {
        match s {
            St::Let { e, .. } | St::Assign { e, .. } | St::IndexAssign { e, .. } => ex(e, out),
            St::LetTuple { es, .. } => es.iter().for_each(|e| ex(e, out)),
            St::LetInt { .. } | St::LetZeros { .. } | St::Incr(_) => {}
            St::If { cond: c, then, els } => {
                cond(c, out);
                then.iter().for_each(|s| st(s, out));
                match els {
                    Else::None => {}
                    Else::Block(b) => b.iter().for_each(|s| st(s, out)),
                    Else::If(s) => st(s, out),
                }
            }
            St::For { body, .. } | St::ForEach { body, .. } | St::ForIter { body, .. } => {
                body.iter().for_each(|s| st(s, out))
            }
            St::Declare(_) => {}
            St::While { extra, body, .. } => {
                if let Some(c) = extra {
                    cond(c, out);
                }
                body.iter().for_each(|s| st(s, out));
            }
        }
    }
    let mut out = Vec::new();
    f.body.iter().for_each(|s| st(s, &mut out));
    ex(&f.tail, &mut out);
    out
}

/// Active inputs flattened: (parameter index, element index or None).
fn active_slots(f: &Func) -> Vec<(usize, Option<usize>)> {
    let mut out = Vec::new();
    for (k, p) in f.params.iter().enumerate() {
        match p.kind {
            PKind::S => out.push((k, None)),
            PKind::A | PKind::Slice | PKind::VecRef => out.extend((0..N).map(|j| (k, Some(j)))),
            _ => {}
        }
    }
    out
}

fn args_of(point: &[PVal]) -> Vec<V> {
    point
        .iter()
        .map(|p| match p {
            PVal::S(x) => V::S(*x),
            PVal::A(xs) => V::A(xs.clone()),
            PVal::U(k) => V::I(*k as i64),
        })
        .collect()
}

struct Run {
    value: f64,
    trace: Vec<bool>,
    margin: f64,
}

fn run(funcs: &[Func], id: usize, args: Vec<V>) -> R<Run> {
    let mut it = Interp {
        funcs,
        scopes: Vec::new(),
        cost: 0,
        trace: Vec::new(),
        margin: f64::INFINITY,
    };
    let value = it.call(id, args)?;
    Ok(Run {
        value,
        trace: it.trace,
        margin: it.margin,
    })
}

/// Accepts a candidate (the last of `funcs`) or says why not. At order 2 the
/// candidate must also be smooth along the `hvp!` check's direction (the test takes
/// central differences of `grad!` there).
fn vet(funcs: &[Func], order2: bool) -> R<()> {
    let f = funcs.last().expect("a candidate");
    let base = run(funcs, f.id, args_of(&f.point))?;
    if base.margin < 1e-6 {
        return Err("decision too close to its threshold");
    }
    let _ = base.value;
    for (k, j) in active_slots(f) {
        let mut fd = [0.0; 2];
        for (s, h) in [1e-6, 1e-4].into_iter().enumerate() {
            let mut vals = [0.0; 2];
            for (t, sign) in [1.0, -1.0].into_iter().enumerate() {
                let mut args = args_of(&f.point);
                match (&mut args[k], j) {
                    (V::S(x), None) => *x += sign * h,
                    (V::A(xs), Some(j)) => xs[j] += sign * h,
                    _ => unreachable!(),
                }
                let r = run(funcs, f.id, args)?;
                if r.trace != base.trace {
                    return Err("a decision changes within the stencil");
                }
                vals[t] = r.value;
            }
            fd[s] = (vals[0] - vals[1]) / (2.0 * h);
        }
        if (fd[0] - fd[1]).abs() > 1e-4 * (1.0 + fd[0].abs()) {
            return Err("too curved for finite differences");
        }
        if fd[0].abs() > 1e4 {
            return Err("derivative too large");
        }
    }
    if order2 {
        vet_direction(funcs, &base.trace)?;
    }
    Ok(())
}

/// The direction the order-2 check uses for function `f` (as printed by `check`).
fn direction(f: &Func) -> Vec<f64> {
    let n = active_slots(f).len();
    (0..n)
        .map(|k| ((k * 7 + f.id * 13 + 3) % 17) as f64 / 8.0 - 1.0)
        .collect()
}

/// The point moved by `h` along `dir` (over the active inputs).
fn moved(f: &Func, dir: &[f64], h: f64) -> Vec<V> {
    let mut args = args_of(&f.point);
    for ((k, j), d) in active_slots(f).into_iter().zip(dir) {
        match (&mut args[k], j) {
            (V::S(x), None) => *x += h * d,
            (V::A(xs), Some(j)) => xs[j] += h * d,
            _ => unreachable!(),
        }
    }
    args
}

/// No decision changes along the direction, and the second directional derivative
/// (differences of values) agrees at two step sizes: the test's differences of
/// `grad!` (step 1e-5) then measure the Hessian, not a kink.
fn vet_direction(funcs: &[Func], trace: &[bool]) -> R<()> {
    let f = funcs.last().expect("a candidate");
    let dir = direction(f);
    let f0 = run(funcs, f.id, args_of(&f.point))?.value;
    let mut d2 = [0.0; 2];
    for (s, h) in [1e-3, 1e-2].into_iter().enumerate() {
        let mut vals = [0.0; 2];
        for (t, sign) in [1.0, -1.0].into_iter().enumerate() {
            let r = run(funcs, f.id, moved(f, &dir, sign * h))?;
            if r.trace != trace {
                return Err("a decision changes along the hvp direction");
            }
            vals[t] = r.value;
        }
        d2[s] = (vals[0] - 2.0 * f0 + vals[1]) / (h * h);
    }
    for h in [1e-5, 1e-4] {
        for sign in [1.0, -1.0] {
            if run(funcs, f.id, moved(f, &dir, sign * h))?.trace != trace {
                return Err("a decision changes along the hvp direction");
            }
        }
    }
    if (d2[0] - d2[1]).abs() > 1e-2 * (1.0 + d2[0].abs()) {
        return Err("too curved along the hvp direction");
    }
    if d2[0].abs() > 1e4 {
        return Err("second derivative too large");
    }
    Ok(())
}

// ----------------------------------------------------------------------------------------
// Printing
// ----------------------------------------------------------------------------------------

struct Printer<'a> {
    funcs: &'a [Func],
    module: usize,
    /// `#[differentiable(order = 2)]`
    order2: bool,
    /// Some calls across modules go through `use super::partK::fJ;` (`--no-new`: none).
    uses: bool,
}

/// Whether a call from `module` to `callee` in another module is written as a bare
/// name brought in by `use` (one in three).
fn via_use(callee: &Func, module: usize) -> bool {
    callee.module != module && (callee.id + module) % 3 == 0
}

fn lit(v: f64) -> String {
    format!("{v:?}")
}

fn ix(i: &Ix) -> String {
    match i {
        Ix::Var(v) => v.clone(),
        Ix::Lit(k) => k.to_string(),
        Ix::Shift(v, k) => format!("({v} + {k}) % n"),
        Ix::Rev(v) => format!("n - 1 - {v}"),
        Ix::Wrap(v) => format!("{v} % n"),
    }
}

impl Printer<'_> {
    /// An expression in value position.
    fn e(&self, e: &Ex) -> String {
        match e {
            Ex::Lit(v) => lit(*v),
            Ex::Var {
                name,
                ty: Ty::S,
                is_ref: true,
            } => format!("(*{name})"),
            Ex::Var { name, .. } => name.clone(),
            Ex::Cast(i) => format!("({} as f64)", ix(i)),
            Ex::Index(a, i) => format!("{a}[{}]", ix(i)),
            Ex::Bin(op, a, b) => {
                let o = match op {
                    Op::Add => "+",
                    Op::Sub => "-",
                    Op::Mul => "*",
                    Op::Div => "/",
                };
                format!("({} {o} {})", self.operand(a), self.operand(b))
            }
            Ex::F1(f, a, style) => {
                let ty = ty_of(a);
                let method = |m: &str| format!("{}.{m}()", self.recv(a));
                let func = |path: &str| format!("{path}({})", self.by_ref(a));
                match (f, ty, style) {
                    (F1::Neg, _, _) => format!("(-{})", self.operand(a)),
                    (F1::Sin, Ty::S, 1) => func("ops::sin"),
                    (F1::Sin, _, _) => method("sin"),
                    (F1::Cos, _, _) => method("cos"),
                    (F1::Tanh, Ty::S, 0) => method("tanh"),
                    (F1::Tanh, _, 0) => func("hype::ops::tanh"),
                    (F1::Tanh, _, _) => func("ops::tanh"),
                    (F1::Exp, _, _) => method("exp"),
                    (F1::Sqrt, _, _) => method("sqrt"),
                    (F1::Ln, Ty::S, 1) => func("ops::ln"),
                    (F1::Ln, _, _) => method("ln"),
                    (F1::Atan, Ty::S, 0) => method("atan"),
                    (F1::Atan, _, _) => func("ops::atan"),
                    (F1::Abs, _, _) => method("abs"),
                    (F1::Sigmoid, _, 0) => func("hype::ops::sigmoid"),
                    (F1::Sigmoid, _, _) => func("ops::sigmoid"),
                    (F1::Softplus, _, _) => func("ops::softplus"),
                    _ => {
                        let (m, extra) = match f {
                            F1::Ln1p => ("ln_1p", String::new()),
                            F1::ExpM1 => ("exp_m1", String::new()),
                            F1::Exp2 => ("exp2", String::new()),
                            F1::Sinh => ("sinh", String::new()),
                            F1::Cosh => ("cosh", String::new()),
                            F1::Asinh => ("asinh", String::new()),
                            F1::Acosh => ("acosh", String::new()),
                            F1::Atanh => ("atanh", String::new()),
                            F1::ToDegrees => ("to_degrees", String::new()),
                            F1::ToRadians => ("to_radians", String::new()),
                            F1::Log(b) => ("log", lit(log_base(*b))),
                            F1::Clamp(lo, hi) => (
                                "clamp",
                                format!("{}, {}", lit(*lo as f64 / 10.0), lit(*hi as f64 / 10.0)),
                            ),
                            F1::Floor => ("floor", String::new()),
                            F1::Ceil => ("ceil", String::new()),
                            F1::Round => ("round", String::new()),
                            F1::Trunc => ("trunc", String::new()),
                            F1::Fract => ("fract", String::new()),
                            F1::Signum => ("signum", String::new()),
                            _ => unreachable!("printed above"),
                        };
                        if *style == 1 && ty == Ty::S {
                            let sep = if extra.is_empty() { "" } else { ", " };
                            format!("f64::{m}({}{sep}{extra})", self.e(a))
                        } else {
                            format!("{}.{m}({extra})", self.recv(a))
                        }
                    }
                }
            }
            Ex::F2(f, a, b, path) => {
                let m = match f {
                    F2::Max => "max",
                    F2::Min => "min",
                    F2::Hypot => "hypot",
                    F2::Atan2 => "atan2",
                    F2::Powf => "powf",
                };
                if *path {
                    format!("f64::{m}({}, {})", self.e(a), self.e(b))
                } else {
                    format!("{}.{m}({})", self.recv(a), self.e(b))
                }
            }
            Ex::Mapv(a, v, body) => {
                format!("{}.mapv(|{v}| {})", self.recv(a), self.e(body))
            }
            Ex::Iter(it) => self.iter(it),
            Ex::MulAdd(a, b, c) => {
                format!("{}.mul_add({}, {})", self.recv(a), self.e(b), self.e(c))
            }
            Ex::Powi(a, k) => format!("{}.powi({k})", self.recv(a)),
            Ex::Red(r, a) => match r {
                Red::Sum => format!("{}.sum()", self.recv(a)),
                Red::Mean => format!("{}.mean().unwrap()", self.recv(a)),
                Red::Logsumexp => format!("ops::logsumexp({})", self.by_ref(a)),
                Red::L2 => format!("hype::ops::l2({})", self.by_ref(a)),
                Red::Var(d) => format!("{}.var({})", self.recv(a), lit(*d as f64)),
                Red::Std(d) => format!("{}.std({})", self.recv(a), lit(*d as f64)),
            },
            Ex::Dot(a, b) => format!("{}.dot({})", self.recv(a), self.by_ref(b)),
            Ex::Call(id, args) => {
                let f = &self.funcs[*id];
                let style = id + self.module;
                let args: Vec<String> = args
                    .iter()
                    .map(|a| match a {
                        Arg::Val(e) if ty_of(e) == Ty::A => self.by_ref(e),
                        Arg::Val(e) => self.e(e),
                        Arg::Int(i) => ix(i),
                    })
                    .collect();
                let path = if self.uses && via_use(f, self.module) {
                    f.name()
                } else {
                    f.path_from(self.module, style)
                };
                format!("{path}({})", args.join(", "))
            }
            Ex::If(c, a, b) => format!(
                "(if {} {{ {} }} else {{ {} }})",
                self.cond(c),
                self.e(a),
                self.e(b)
            ),
            Ex::Block(stmts, tail) => {
                let mut b = String::new();
                self.stmts(&mut b, stmts, 0);
                let lines: Vec<&str> = b.lines().collect();
                format!("{{ {} {} }}", lines.join(" "), self.e(tail))
            }
            Ex::Owned(a, clone) => {
                format!(
                    "{}.{}()",
                    self.recv(a),
                    if *clone { "clone" } else { "to_owned" }
                )
            }
        }
    }

    /// An iterator chain.
    fn iter(&self, it: &IterEx) -> String {
        let body = self.e(&it.body);
        let Some(src) = &it.src else {
            return format!("({}..n).map(|{}| {body}).sum::<f64>()", it.lo, it.var);
        };
        let v = &it.var;
        // A plain sum of the elements.
        if matches!(&it.body, Ex::Var { name, .. } if name == v)
            && matches!(it.sink, Sink::Sum)
            && it.zip.is_none()
            && it.index.is_none()
        {
            return format!("{src}.iter().sum::<f64>()");
        }
        let mut chain = format!("{src}.iter()");
        if it.bind == Bind::Copied {
            chain.push_str(".copied()");
        }
        if it.rev {
            chain.push_str(".rev()");
        }
        let elem = if it.bind == Bind::Pat {
            format!("&{v}")
        } else {
            v.clone()
        };
        let pat = if let Some((other, u)) = &it.zip {
            let ue = if it.bind == Bind::Pat {
                format!("&{u}")
            } else {
                u.clone()
            };
            write!(chain, ".zip({other}.iter())").unwrap();
            format!("({elem}, {ue})")
        } else if let Some(i) = &it.index {
            chain.push_str(".enumerate()");
            format!("({i}, {elem})")
        } else {
            elem
        };
        match &it.sink {
            Sink::Sum => format!("{chain}.map(|{pat}| {body}).sum::<f64>()"),
            Sink::Product => format!("{chain}.map(|{pat}| {body}).product::<f64>()"),
            Sink::Fold(acc, init) => {
                format!("{chain}.fold({}, |{acc}, {pat}| {body})", self.recv(init))
            }
        }
    }

    /// An operand of a binary operator: arrays by reference.
    fn operand(&self, e: &Ex) -> String {
        match e {
            Ex::Lit(v) if *v < 0.0 => format!("({})", lit(*v)),
            _ if ty_of(e) == Ty::A => self.by_ref(e),
            _ => self.e(e),
        }
    }

    /// `&e` (an array parameter is already a reference).
    fn by_ref(&self, e: &Ex) -> String {
        match e {
            Ex::Var {
                name,
                ty: Ty::S,
                is_ref: true,
            } => format!("&(*{name})"),
            Ex::Var {
                name, is_ref: true, ..
            } => name.clone(),
            Ex::Var { name, .. } => format!("&{name}"),
            Ex::Index(..) => format!("&{}", self.e(e)),
            _ => format!("&({})", self.e(e)),
        }
    }

    /// A method receiver.
    fn recv(&self, e: &Ex) -> String {
        match e {
            Ex::Lit(v) => format!("{}_f64", lit(*v)),
            _ => self.e(e),
        }
    }

    fn cond(&self, c: &Cond) -> String {
        match c {
            Cond::Cmp(a, op, b) => {
                let o = match op {
                    Cmp::Lt => "<",
                    Cmp::Gt => ">",
                    Cmp::Le => "<=",
                    Cmp::Ge => ">=",
                };
                format!("{} {o} {}", self.e(a), self.e(b))
            }
            Cond::Even(i) => format!("{} % 2 == 0", ix(i)),
            Cond::Int(i, less, k) => format!("{} {} {k}", ix(i), if *less { "<" } else { ">" }),
            Cond::And(a, b) => format!("{} && {}", self.cond(a), self.cond(b)),
        }
    }

    fn range(&self, r: &Range) -> String {
        let base = format!("{}..{}", r.lo, ix(&r.hi));
        if !r.rev && r.step.is_none() {
            return base;
        }
        let mut s = format!("({base})");
        if r.rev {
            s.push_str(".rev()");
        }
        if let Some(k) = r.step {
            write!(s, ".step_by({k})").unwrap();
        }
        s
    }

    fn stmts(&self, out: &mut String, stmts: &[St], ind: usize) {
        for s in stmts {
            self.stmt(out, s, ind);
        }
    }

    fn stmt(&self, out: &mut String, s: &St, ind: usize) {
        let pad = "    ".repeat(ind);
        let op_str = |op: &Option<Op>| match op {
            None => "=",
            Some(Op::Add) => "+=",
            Some(Op::Sub) => "-=",
            Some(Op::Mul) => "*=",
            Some(Op::Div) => "/=",
        };
        match s {
            St::Let {
                name,
                mutable,
                annot,
                e,
            } => {
                let m = if *mutable { "mut " } else { "" };
                let ty = ty_of(e);
                let annot = *annot || matches!(e, Ex::Lit(_));
                let t = match (annot, ty) {
                    (false, _) => "",
                    (true, Ty::S) => ": f64",
                    (true, Ty::A) => ": Array1<f64>",
                };
                let is_ref_alias = matches!(e, Ex::Var { is_ref: true, .. });
                let t = if is_ref_alias { "" } else { t };
                writeln!(out, "{pad}let {m}{name}{t} = {};", self.e(e)).unwrap();
            }
            St::LetInt {
                name,
                mutable,
                src,
                value,
            } => {
                let m = if *mutable { "mut " } else { "" };
                let t = if matches!(value, IntInit::Lit(_)) && !*mutable {
                    ": usize"
                } else {
                    ""
                };
                writeln!(out, "{pad}let {m}{name}{t} = {src};").unwrap();
            }
            St::LetZeros { name, style } => match style {
                0 => writeln!(out, "{pad}let mut {name}: Array1<f64> = Array1::zeros(n);").unwrap(),
                1 => writeln!(out, "{pad}let mut {name} = Array1::<f64>::zeros(n);").unwrap(),
                _ => writeln!(out, "{pad}let mut {name} = Array1::zeros(n);").unwrap(),
            },
            St::Declare(name) => writeln!(out, "{pad}let {name}: f64;").unwrap(),
            St::ForIter {
                src,
                src_ref,
                index,
                var,
                bind,
                rev,
                style,
                body,
            } => {
                let elem = if *bind == Bind::Pat {
                    format!("&{var}")
                } else {
                    var.clone()
                };
                let head = if *style == 1 {
                    let r = if *src_ref { "" } else { "&" };
                    format!("{elem} in {r}{src}")
                } else {
                    let mut chain = format!("{src}.iter()");
                    if *bind == Bind::Copied {
                        chain.push_str(".copied()");
                    }
                    if *rev {
                        chain.push_str(".rev()");
                    }
                    match index {
                        Some(i) => format!("({i}, {elem}) in {chain}.enumerate()"),
                        None => format!("{elem} in {chain}"),
                    }
                };
                writeln!(out, "{pad}for {head} {{").unwrap();
                self.stmts(out, body, ind + 1);
                writeln!(out, "{pad}}}").unwrap();
            }
            St::ForEach {
                index,
                var,
                vals,
                body,
            } => {
                // The first element typed, so that methods can be called on the items.
                let vs: Vec<String> = vals
                    .iter()
                    .enumerate()
                    .map(|(k, v)| {
                        if k == 0 {
                            format!("{}_f64", lit(*v))
                        } else {
                            lit(*v)
                        }
                    })
                    .collect();
                let vs = vs.join(", ");
                match index {
                    Some(r) => writeln!(
                        out,
                        "{pad}for ({r}, &{var}) in [{vs}].iter().enumerate() {{"
                    )
                    .unwrap(),
                    None => writeln!(out, "{pad}for &{var} in [{vs}].iter() {{").unwrap(),
                }
                self.stmts(out, body, ind + 1);
                writeln!(out, "{pad}}}").unwrap();
            }
            St::LetTuple { names, es } => {
                let ns: Vec<String> = names
                    .iter()
                    .map(|(n, m)| if *m { format!("mut {n}") } else { n.clone() })
                    .collect();
                let vs: Vec<String> = es.iter().map(|e| self.e(e)).collect();
                writeln!(out, "{pad}let ({}) = ({});", ns.join(", "), vs.join(", ")).unwrap();
            }
            St::Assign { name, op, e } => {
                let rhs = if op.is_some() && ty_of(e) == Ty::A {
                    self.by_ref(e)
                } else {
                    self.e(e)
                };
                writeln!(out, "{pad}{name} {} {rhs};", op_str(op)).unwrap();
            }
            St::IndexAssign { name, ix: i, op, e } => {
                writeln!(out, "{pad}{name}[{}] {} {};", ix(i), op_str(op), self.e(e)).unwrap();
            }
            St::Incr(name) => writeln!(out, "{pad}{name} += 1;").unwrap(),
            St::If { cond, then, els } => {
                writeln!(out, "{pad}if {} {{", self.cond(cond)).unwrap();
                self.stmts(out, then, ind + 1);
                self.else_part(out, els, ind);
            }
            St::For { var, range, body } => {
                writeln!(out, "{pad}for {var} in {} {{", self.range(range)).unwrap();
                self.stmts(out, body, ind + 1);
                writeln!(out, "{pad}}}").unwrap();
            }
            St::While {
                counter,
                limit,
                extra,
                body,
            } => {
                let extra = match extra {
                    Some(c) => format!(" && {}", self.cond(c)),
                    None => String::new(),
                };
                writeln!(out, "{pad}while {counter} < {}{extra} {{", ix(limit)).unwrap();
                self.stmts(out, body, ind + 1);
                writeln!(out, "{pad}}}").unwrap();
            }
        }
    }

    fn else_part(&self, out: &mut String, els: &Else, ind: usize) {
        let pad = "    ".repeat(ind);
        match els {
            Else::None => writeln!(out, "{pad}}}").unwrap(),
            Else::Block(b) => {
                writeln!(out, "{pad}}} else {{").unwrap();
                self.stmts(out, b, ind + 1);
                writeln!(out, "{pad}}}").unwrap();
            }
            Else::If(s) => {
                let St::If { cond, then, els } = &**s else {
                    unreachable!("else-if holds an if")
                };
                writeln!(out, "{pad}}} else if {} {{", self.cond(cond)).unwrap();
                self.stmts(out, then, ind + 1);
                self.else_part(out, els, ind);
            }
        }
    }

    fn func(&self, out: &mut String, f: &Func, plain: bool) {
        let params: Vec<String> = f
            .params
            .iter()
            .map(|p| match p.kind {
                PKind::S => format!("{}: f64", p.name),
                PKind::A => format!("{}: &Array1<f64>", p.name),
                PKind::ConstS => format!("#[constant] {}: f64", p.name),
                PKind::Usize => format!("{}: usize", p.name),
                PKind::Slice => format!("{}: &[f64]", p.name),
                PKind::VecRef => format!("{}: &Vec<f64>", p.name),
            })
            .collect();
        if !plain && self.order2 {
            writeln!(out, "    #[differentiable(order = 2)]").unwrap();
        } else if !plain {
            writeln!(out, "    #[differentiable]").unwrap();
        }
        let params = if plain {
            params
                .into_iter()
                .map(|p| p.replace("#[constant] ", ""))
                .collect()
        } else {
            params
        };
        writeln!(
            out,
            "    pub fn {}({}) -> f64 {{",
            f.name(),
            params.join(", ")
        )
        .unwrap();
        self.stmts(out, &f.body, 2);
        writeln!(out, "        {}", self.e(&f.tail)).unwrap();
        writeln!(out, "    }}").unwrap();
    }
}

/// The check of one function (at order 2 also its `hvp!` along a direction).
fn check(out: &mut String, f: &Func, plain: bool, order2: bool) {
    let path = format!("super::part{}::{}", f.module, f.name());
    let mut labels = Vec::new();
    let mut p0 = Vec::new();
    let mut prim = Vec::new();
    let mut tan = Vec::new();
    // `hvp!` takes the direction by reference.
    let mut dir = Vec::new();
    for (p, v) in f.params.iter().zip(&f.point) {
        let k = p0.len();
        match (p.kind, v) {
            (PKind::S, PVal::S(x)) => {
                labels.push(p.name.clone());
                p0.push(*x);
                prim.push(format!("p[{k}]"));
                tan.push(format!("t[{k}]"));
                dir.push(format!("&t[{k}]"));
            }
            (PKind::A, PVal::A(xs)) => {
                for (j, x) in xs.iter().enumerate() {
                    labels.push(format!("{}[{j}]", p.name));
                    p0.push(*x);
                }
                prim.push(format!("&arr(&p[{k}..{}])", k + N));
                tan.push(format!("&arr(&t[{k}..{}])", k + N));
                dir.push(format!("&arr(&t[{k}..{}])", k + N));
            }
            (PKind::Slice | PKind::VecRef, PVal::A(xs)) => {
                for (j, x) in xs.iter().enumerate() {
                    labels.push(format!("{}[{j}]", p.name));
                    p0.push(*x);
                }
                // Tangents of a slice are `Vec`s (the gradient's type).
                if p.kind == PKind::Slice {
                    prim.push(format!("&p[{k}..{}]", k + N));
                } else {
                    prim.push(format!("&p[{k}..{}].to_vec()", k + N));
                }
                tan.push(format!("&t[{k}..{}].to_vec()", k + N));
                dir.push(format!("&t[{k}..{}].to_vec()", k + N));
            }
            (PKind::ConstS, PVal::S(x)) => prim.push(lit(*x)),
            (PKind::Usize, PVal::U(m)) => prim.push(m.to_string()),
            _ => unreachable!("point matches the parameters"),
        }
    }
    let args = prim.join(", ");
    let p0s: Vec<String> = p0.iter().map(|x| lit(*x)).collect();
    writeln!(out, "    pub fn {}(c: &mut Checker) {{", f.name()).unwrap();
    if plain {
        writeln!(out, "        let p = [{}];", p0s.join(", ")).unwrap();
        writeln!(out, "        c.plain(\"{}\", {path}({args}));", f.name()).unwrap();
        writeln!(out, "    }}").unwrap();
        return;
    }
    writeln!(out, "        c.check(").unwrap();
    writeln!(out, "            \"part{}::{}\",", f.module, f.name()).unwrap();
    writeln!(out, "            \"{}\",", labels.join(" ")).unwrap();
    writeln!(out, "            &[{}],", p0s.join(", ")).unwrap();
    writeln!(out, "            &|p: &[f64]| {path}({args}),").unwrap();
    writeln!(
        out,
        "            &|p: &[f64]| flat(&grad!({path})({args})),"
    )
    .unwrap();
    writeln!(
        out,
        "            &|p: &[f64], t: &[f64]| jvp!({path})({args}, {}),",
        tan.join(", ")
    )
    .unwrap();
    writeln!(out, "        );").unwrap();
    if order2 {
        // A fixed direction with entries in [-1, 1], different for every function.
        let v: Vec<String> = direction(f).into_iter().map(lit).collect();
        writeln!(out, "        c.check_hvp(").unwrap();
        writeln!(out, "            \"part{}::{}\",", f.module, f.name()).unwrap();
        writeln!(out, "            &[{}],", p0s.join(", ")).unwrap();
        writeln!(out, "            &[{}],", v.join(", ")).unwrap();
        writeln!(
            out,
            "            &|p: &[f64]| flat(&grad!({path})({args})),"
        )
        .unwrap();
        writeln!(
            out,
            "            &|p: &[f64], t: &[f64]| flat(&hvp!({path})({args}, {})),",
            dir.join(", ")
        )
        .unwrap();
        writeln!(out, "        );").unwrap();
    }
    writeln!(out, "    }}").unwrap();
}

// ----------------------------------------------------------------------------------------
// Driver
// ----------------------------------------------------------------------------------------

struct Opts {
    seed: u64,
    count: usize,
    out: Option<String>,
    per_module: usize,
    plain: bool,
    ext: bool,
    big: bool,
    avoid: Avoid,
    /// Functions left out of the output (with the functions that call them).
    exclude: Vec<usize>,
    /// `#[differentiable(order = 2)]` and `hvp!` checks.
    order2: bool,
    /// With `order2`: its functions, printed at order 1.
    as_order1: bool,
    /// The forms of issue 11 (off with `--no-new`).
    new: bool,
    /// An f32 copy of every function, checked against the f64 one (`--f32`).
    single: bool,
}

fn parse_args() -> Opts {
    let mut o = Opts {
        seed: 1,
        count: 200,
        out: None,
        per_module: 50,
        plain: false,
        ext: true,
        big: false,
        avoid: Avoid::parse(DEFAULT_AVOID),
        exclude: Vec::new(),
        order2: false,
        as_order1: false,
        new: true,
        single: false,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut k = 0;
    let usage = "usage: generate_corpus [--seed S] [--count N] [--out PATH] [--per-module K] [--plain] [--no-ext] [--big] [--avoid none|all|LIST] [--exclude f1,f2,..] [--order2] [--no-new] [--f32]";
    while k < args.len() {
        let val = |k: usize| -> &str {
            args.get(k + 1).map(String::as_str).unwrap_or_else(|| {
                eprintln!("{usage}");
                std::process::exit(2)
            })
        };
        match args[k].as_str() {
            "--seed" => o.seed = val(k).parse().expect("--seed takes a u64"),
            "--count" => o.count = val(k).parse().expect("--count takes a number"),
            "--out" => o.out = Some(val(k).to_string()),
            "--avoid" => o.avoid = Avoid::parse(val(k)),
            "--exclude" => {
                o.exclude = val(k)
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        s.trim_start_matches('f')
                            .parse()
                            .expect("--exclude takes f12,f40,...")
                    })
                    .collect()
            }
            "--per-module" => o.per_module = val(k).parse().expect("--per-module takes a number"),
            "--plain" => {
                o.plain = true;
                k += 1;
                continue;
            }
            "--no-ext" => {
                o.ext = false;
                k += 1;
                continue;
            }
            "--big" => {
                o.big = true;
                k += 1;
                continue;
            }
            "--order2" => {
                o.order2 = true;
                k += 1;
                continue;
            }
            "--as-order1" => {
                o.as_order1 = true;
                k += 1;
                continue;
            }
            "--no-new" => {
                o.new = false;
                k += 1;
                continue;
            }
            "--f32" => {
                o.single = true;
                k += 1;
                continue;
            }
            _ => {
                eprintln!("{usage}");
                std::process::exit(2)
            }
        }
        k += 2;
    }
    o
}

fn main() {
    let o = parse_args();
    let mut rng = Rng::new(o.seed);
    let mut funcs: Vec<Func> = Vec::new();
    let mut rejected: Vec<(&'static str, usize)> = Vec::new();
    while funcs.len() < o.count {
        let id = funcs.len();
        let module = id / o.per_module.max(1);
        let knobs = Knobs {
            ext: o.ext,
            avoid: o.avoid,
            big: o.big,
            new: o.new,
        };
        let cand = gen_func(&mut rng, &funcs, id, module, knobs);
        funcs.push(cand);
        if let Err(why) = vet(&funcs, o.order2) {
            funcs.pop();
            match rejected.iter_mut().find(|(w, _)| *w == why) {
                Some((_, n)) => *n += 1,
                None => rejected.push((why, 1)),
            }
        }
    }

    // Leave out the excluded functions and, transitively, their callers.
    let mut dropped = vec![false; funcs.len()];
    for f in &funcs {
        dropped[f.id] = o.exclude.contains(&f.id) || callees(f).iter().any(|&c| dropped[c]);
    }
    let funcs_all = funcs;
    let kept: Vec<&Func> = funcs_all.iter().filter(|f| !dropped[f.id]).collect();
    let funcs = &funcs_all;

    let mut cmd = format!(
        "cargo run -p hype-transform --example generate_corpus -- --seed {} --count {}",
        o.seed, o.count
    );
    if o.per_module != 50 {
        write!(cmd, " --per-module {}", o.per_module).unwrap();
    }
    if o.plain {
        cmd.push_str(" --plain");
    }
    if !o.ext {
        cmd.push_str(" --no-ext");
    }
    if o.big {
        cmd.push_str(" --big");
    }
    if o.order2 {
        cmd.push_str(" --order2");
    }
    if o.as_order1 {
        cmd.push_str(" --as-order1");
    }
    if !o.new {
        cmd.push_str(" --no-new");
    }
    if o.single {
        cmd.push_str(" --f32");
    }
    if o.avoid.list() != Avoid::parse(DEFAULT_AVOID).list() {
        write!(cmd, " --avoid {}", o.avoid.list()).unwrap();
    }
    if !o.exclude.is_empty() {
        let ids: Vec<String> = o.exclude.iter().map(|k| format!("f{k}")).collect();
        write!(cmd, " --exclude {}", ids.join(",")).unwrap();
    }
    if let Some(p) = &o.out {
        write!(cmd, " --out {p}").unwrap();
    }

    let mut out = String::new();
    writeln!(
        out,
        "// @generated by hype-transform/examples/generate_corpus.rs; do not edit."
    )
    .unwrap();
    writeln!(out, "// Command: {cmd}").unwrap();
    writeln!(
        out,
        "// Seed {}: {} random #[differentiable{}] functions and their checks against central",
        o.seed,
        o.count,
        if o.order2 && !o.as_order1 {
            "(order = 2)"
        } else {
            ""
        }
    )
    .unwrap();
    writeln!(out, "// finite differences (tests/corpus.rs runs them).").unwrap();
    writeln!(
        out,
        "// Constructs left out (see --avoid): {}.",
        o.avoid.list()
    )
    .unwrap();
    writeln!(out).unwrap();
    writeln!(out, "#![allow(unused, unused_parens, clippy::all)]").unwrap();
    writeln!(out).unwrap();
    writeln!(out, "use crate::Checker;").unwrap();
    writeln!(out).unwrap();
    writeln!(out, "pub const SEED: u64 = {};", o.seed).unwrap();
    writeln!(out, "pub const COUNT: usize = {};", kept.len()).unwrap();
    let modules = funcs.last().map_or(0, |f| f.module + 1);
    for m in 0..modules {
        writeln!(out).unwrap();
        writeln!(out, "pub mod part{m} {{").unwrap();
        writeln!(out, "    use hype::prelude::*;").unwrap();
        let p = Printer {
            funcs,
            module: m,
            order2: o.order2 && !o.as_order1,
            uses: o.new,
        };
        if o.new {
            // Functions of other modules called by their bare name.
            let mut uses: Vec<usize> = kept
                .iter()
                .filter(|f| f.module == m)
                .flat_map(|f| callees(f))
                .filter(|&c| via_use(&funcs[c], m))
                .collect();
            uses.sort_unstable();
            uses.dedup();
            for c in uses {
                writeln!(
                    out,
                    "    use super::part{}::{};",
                    funcs[c].module,
                    funcs[c].name()
                )
                .unwrap();
            }
        }
        for f in kept.iter().filter(|f| f.module == m) {
            writeln!(out).unwrap();
            p.func(&mut out, f, o.plain);
        }
        writeln!(out, "}}").unwrap();
    }
    if o.single && !o.plain {
        // The same functions in f32 (`single::partN`), checked against the f64 ones.
        let start = out.find("pub mod part0 {").unwrap_or(out.len());
        let parts = single_precision(&out[start..]);
        writeln!(out).unwrap();
        writeln!(out, "pub mod single {{").unwrap();
        out.push_str(&parts);
        writeln!(out, "}}").unwrap();
    }
    writeln!(out).unwrap();
    writeln!(out, "pub mod checks {{").unwrap();
    writeln!(out, "    use crate::{{arr, flat, single, Checker}};").unwrap();
    writeln!(out, "    use hype::prelude::*;").unwrap();
    for f in &kept {
        writeln!(out).unwrap();
        let mut text = String::new();
        check(&mut text, f, o.plain, o.order2 && !o.as_order1);
        if o.single && !o.plain {
            text = with_f32_check(&text);
        }
        out.push_str(&text);
    }
    writeln!(out, "}}").unwrap();
    writeln!(out).unwrap();
    writeln!(out, "/// Every function's check, in order.").unwrap();
    writeln!(out, "pub const ALL: &[fn(&mut Checker)] = &[").unwrap();
    for f in &kept {
        writeln!(out, "    checks::{},", f.name()).unwrap();
    }
    writeln!(out, "];").unwrap();

    match &o.out {
        Some(p) => std::fs::write(p, &out).unwrap_or_else(|e| panic!("writing {p}: {e}")),
        None => print!("{out}"),
    }
    let total: usize = rejected.iter().map(|(_, n)| n).sum();
    eprintln!(
        "generate_corpus: seed {}, {} functions ({} emitted), {} lines; {} candidates rejected:",
        o.seed,
        funcs.len(),
        kept.len(),
        out.lines().count(),
        total
    );
    for (why, n) in &rejected {
        eprintln!("  {n:6}  {why}");
    }
}

/// Generated f64 code as f32: the type (as a word, so `f640` stays), and paths into
/// the corpus go to its `single` copy.
fn single_precision(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let bytes = code.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while i < code.len() {
        // A literal's suffix (`1.0_f64`, `2f64`) too.
        let suffix = i > 0
            && (bytes[i - 1].is_ascii_digit()
                || (bytes[i - 1] == b'_' && i > 1 && bytes[i - 2].is_ascii_digit()));
        if code[i..].starts_with("f64")
            && (i == 0 || !word(bytes[i - 1]) || suffix)
            && !bytes.get(i + 3).is_some_and(|&c| word(c))
        {
            out.push_str("f32");
            i += 3;
        } else {
            let ch = code[i..].chars().next().expect("in bounds");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out.replace("crate::generated::", "crate::generated::single::")
}

/// A function's check followed by `check_f32`: its f32 copy's value and gradient
/// against the f64 function's at the same (f32-representable) point.
fn with_f32_check(check: &str) -> String {
    let lines: Vec<&str> = check.lines().map(str::trim).collect();
    let find = |prefix: &str| lines.iter().find(|l| l.starts_with(prefix)).copied();
    let (Some(name), Some(p0), Some(primal), Some(grad)) = (
        find("\""),
        find("&["),
        find("&|p: &[f64]| super::"),
        find("&|p: &[f64]| flat(&grad!(super::"),
    ) else {
        return check.to_string();
    };
    let single = |closure: &str| -> String {
        closure
            .trim_start_matches("&|p: &[f64]| ")
            .trim_end_matches(',')
            .replace("super::part", "super::single::part")
    };
    let call = format!(
        "        c.check_f32(\n            {name}\n            {p0}\n            {primal}\n            {grad}\n            &|p: &[f64]| {{ let p = single(p); ({}) as f64 }},\n            &|p: &[f64]| {{ let p = single(p); {} }},\n        );\n",
        single(primal),
        single(grad),
    );
    // Before the closing brace of the check function.
    match check.rfind("    }") {
        Some(at) => format!("{}{}{}", &check[..at], call, &check[at..]),
        None => check.to_string(),
    }
}
