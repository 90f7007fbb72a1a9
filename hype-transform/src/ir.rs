//! The intermediate representation: A-normal form with structured control flow.
//!
//! Every intermediate value of an active expression is bound by a [`Stmt::Let`] to a
//! fresh variable; expressions that carry no derivative (indices, conditions, integer
//! arithmetic, constants) stay as the user wrote them, as [`Atom::Const`] tokens with
//! local names renamed. Variable names are unique in a function (shadowing is renamed
//! away), which is what lets the reverse emitter refer to any value it needs.

use proc_macro2::{Span, TokenStream};
use syn::Ident;

/// An operand: a variable, or an expression that carries no derivative.
#[derive(Clone)]
pub enum Atom {
    Var(Ident),
    Const(TokenStream),
}

/// A primitive op of the runtime: `path(args.., statics..)` with rules
/// `path_jvp{k}` / `path_vjp{k}` for each value argument `k`.
#[derive(Clone)]
pub struct Prim {
    /// Path of the primal function, e.g. `::hype::rt::mul`.
    pub path: TokenStream,
    /// Name of the op, for rules: `mul` gives `mul_jvp0`, ...
    pub module: TokenStream,
    pub name: Ident,
    pub args: Vec<Atom>,
    pub statics: Vec<TokenStream>,
    pub span: Span,
    /// The result borrows from a reference argument (a view of a parameter).
    pub view: bool,
}

/// How an argument of a call was written: `&e` or `e`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ArgForm {
    Ref,
    Value,
    /// `e` where `e` is a variable holding a shared reference (a reference parameter):
    /// passed as it is, not cloned, so that the call can coerce it (`&Vec<f64>` to a
    /// `&[f64]` parameter) as Rust does for the user's own call.
    Shared,
}

/// The right-hand side of a binding.
#[derive(Clone)]
pub enum Rhs {
    /// A copy of another value (`let y = x;`, `x.clone()`).
    Copy(Atom),
    /// A primitive op.
    Prim(Prim),
    /// An indexing read `base[index]` of an array.
    /// `base[index]`; `owned` when `base` is a local: an element that is an array is
    /// copied (`rt::at_owned`), since the backward sweep moves locals.
    Index {
        base: Ident,
        index: TokenStream,
        owned: bool,
    },
    /// A call of another `#[differentiable]` function (`f(..)` or `Self::f(..)`).
    Call {
        /// Tokens naming the function's derivative code, minus the suffix.
        func: syn::Path,
        args: Vec<(Atom, ArgForm)>,
        span: Span,
        /// An argument borrows a local: the reverse sweep calls the function again
        /// instead of keeping a pullback that would borrow the local.
        recompute: bool,
        /// Method-call syntax `args[0].func(..)` (a method of a user type).
        method: bool,
    },
    /// A field of a struct: `&base.member` as an operand, or an owned copy when
    /// bound directly (`let c = p.c;`).
    Field {
        base: Ident,
        member: syn::Member,
        owned: bool,
    },
    /// A struct literal `Path { field: value, .. }` of a `Tangent` struct.
    Struct {
        path: TokenStream,
        fields: Vec<(syn::Member, Atom)>,
    },
    /// A tuple `(a, b, ..)`.
    Tuple(Vec<Atom>),
    /// `array![a, b, ..]` (one row) or `array![[a, b], [c, d]]` of scalars.
    Stack { rows: Vec<Vec<Atom>>, two_d: bool },
    /// An expression without derivative, kept verbatim.
    Const(TokenStream),
}

/// A statement.
#[derive(Clone)]
pub enum Stmt {
    /// `let [mut] var = rhs;` — a new variable.
    Let { var: Ident, mutable: bool, rhs: Rhs },
    /// `let var;` — declared here, initialized by an [`Stmt::Init`] in each branch.
    Declare { var: Ident },
    /// First assignment of a declared variable.
    Init { var: Ident, rhs: Rhs },
    /// `var = rhs;` — overwrites a live value.
    Assign { var: Ident, rhs: Rhs },
    /// `var[index] = value;`
    IndexAssign {
        var: Ident,
        index: TokenStream,
        value: Atom,
    },
    /// `var.push(value);` on a local `Vec` (a sequence built in a loop).
    Push { var: Ident, value: Atom },
    /// `if cond { then } else { els }` (cond is an inactive boolean variable).
    If {
        cond: Ident,
        then: Block,
        els: Block,
    },
    /// `for pat in iter { body }` with a trip counter.
    For {
        pat: TokenStream,
        pat_vars: Vec<Ident>,
        iter: TokenStream,
        counter: Ident,
        body: Block,
        /// For a range loop, how trip `k`'s loop variable is recomputed.
        replay: Option<Replay>,
    },
    /// `while cond { body }` with a trip counter.
    While {
        cond: TokenStream,
        counter: Ident,
        body: Block,
    },
    /// A statement with no derivative (e.g. `println!`), kept verbatim.
    Inactive(TokenStream),
}

/// How the backward sweep of a range loop recomputes the loop variable of trip `k`
/// instead of taping it (the bounds are bound to variables before the loop).
#[derive(Clone)]
pub enum Replay {
    /// `lo..hi` or `lo..=hi`: `lo + k`.
    Up { lo: Ident },
    /// `(lo..hi).rev()`: `hi - 1 - k`; `(lo..=hi).rev()`: `hi - k`.
    Down { hi: Ident, inclusive: bool },
    /// `(lo..hi).step_by(step)`: `lo + k * step`.
    Step { lo: Ident, step: Ident },
}

/// A block of statements.
#[derive(Clone, Default)]
pub struct Block {
    pub stmts: Vec<Stmt>,
}

/// A parameter of the differentiated function.
#[derive(Clone)]
pub struct Param {
    pub name: Ident,
    pub ty: syn::Type,
    pub active: bool,
    /// `&T`: the tangent is passed by reference in user-facing functions.
    pub is_ref: bool,
}

/// A function lowered to IR.
pub struct Function {
    pub params: Vec<Param>,
    pub body: Block,
    pub ret: Atom,
    /// Active variables (parameters, user variables and temporaries).
    pub active: std::collections::HashSet<String>,
    /// Variables declared `mut` (their tangents are `mut` too).
    pub mutable: std::collections::HashSet<String>,
    /// The float type it computes in (the type of derivative rules' literals).
    pub float: crate::float::Float,
    /// How many passes lowering took to settle activity ([`crate::activity`]).
    pub lowering_passes: usize,
}

impl Function {
    pub fn is_active(&self, v: &Ident) -> bool {
        self.active.contains(&v.to_string())
    }
}
