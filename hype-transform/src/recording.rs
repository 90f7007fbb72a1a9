//! What the reverse sweep records: a coarse version of Tapenade's to-be-recorded
//! analysis for the backward sweep of [`crate::reverse`].
//!
//! * [`value_read`]: the variables whose *value* the backward sweep reads (shapes do
//!   not count); an overwritten variable outside this set keeps only what its type
//!   needs (`rt::Kept`).
//! * [`recomputable`]: loop bodies that the backward sweep runs again instead of
//!   taping their locals.
//! * [`Uses`]: how a loop body uses each variable, for the dense adjoints of arrays
//!   read only by index.

use crate::ir::*;
use proc_macro2::TokenStream;
use std::collections::HashSet;
use syn::Ident;

/// A loop body that the backward sweep can recompute: straight-line code whose only
/// effects are its own bindings and overwrites of variables (taped).
pub fn recomputable(body: &Block) -> bool {
    body.stmts
        .iter()
        .all(|s| matches!(s, Stmt::Let { .. } | Stmt::Assign { .. }))
}

/// How a loop body uses variables: as the base of an indexing read, or otherwise.
#[derive(Default)]
pub struct Uses {
    /// Arrays read by index, as the body names them (their spans carry the hygiene).
    pub indexed: Vec<syn::Ident>,
    pub other: HashSet<String>,
}

impl Uses {
    fn atom(&mut self, a: &Atom) {
        if let Atom::Var(v) = a {
            self.other.insert(v.to_string());
        }
    }

    fn rhs(&mut self, rhs: &Rhs) {
        match rhs {
            Rhs::Index { base, .. } => {
                if !self.indexed.contains(base) {
                    self.indexed.push(base.clone());
                }
            }
            Rhs::Copy(a) => self.atom(a),
            Rhs::Prim(p) => p.args.iter().for_each(|a| self.atom(a)),
            Rhs::Call { args, .. } => args.iter().for_each(|(a, _)| self.atom(a)),
            Rhs::Field { base, .. } => {
                self.other.insert(base.to_string());
            }
            Rhs::Struct { fields, .. } => fields.iter().for_each(|(_, a)| self.atom(a)),
            Rhs::Tuple(elems) => elems.iter().for_each(|a| self.atom(a)),
            Rhs::Stack { rows, .. } => rows.iter().flatten().for_each(|a| self.atom(a)),
            Rhs::Const(_) => {}
        }
    }

    pub fn block(&mut self, b: &Block) {
        for s in &b.stmts {
            match s {
                Stmt::Let { var, rhs, .. }
                | Stmt::Init { var, rhs }
                | Stmt::Assign { var, rhs } => {
                    self.other.insert(var.to_string());
                    self.rhs(rhs);
                }
                Stmt::Declare { var } => {
                    self.other.insert(var.to_string());
                }
                Stmt::IndexAssign { var, value, .. } | Stmt::Push { var, value } => {
                    self.other.insert(var.to_string());
                    self.atom(value);
                }
                Stmt::If { then, els, .. } => {
                    self.block(then);
                    self.block(els);
                }
                Stmt::For { body, .. } | Stmt::While { body, .. } => self.block(body),
                Stmt::Inactive(_) => {}
            }
        }
    }
}

/// The variables whose value the backward sweep reads (Tapenade's to-be-recorded
/// analysis, coarsely): operands that vjp rules read, anything named in constant code
/// (indices, conditions, bounds), call arguments, and — since the backward sweep of a
/// straight-line loop body recomputes it — the operands of every recomputed value that
/// is read. A variable outside this set that a loop overwrites need not be taped.
pub fn value_read(f: &Function) -> HashSet<String> {
    let mut read = HashSet::new();
    seed_reads(&f.body, f, &mut read);
    loop {
        let before = read.len();
        recompute_reads(&f.body, &mut read);
        if read.len() == before {
            return read;
        }
    }
}

fn idents_in(t: &TokenStream, out: &mut HashSet<String>) {
    for tt in t.clone() {
        match tt {
            proc_macro2::TokenTree::Ident(i) => {
                out.insert(i.to_string());
            }
            proc_macro2::TokenTree::Group(g) => idents_in(&g.stream(), out),
            _ => {}
        }
    }
}

fn atom_read(a: &Atom, out: &mut HashSet<String>) {
    match a {
        Atom::Var(v) => {
            out.insert(v.to_string());
        }
        Atom::Const(t) => idents_in(t, out),
    }
}

/// The names in `a` if it is constant code.
fn const_idents(a: &Atom, out: &mut HashSet<String>) {
    if let Atom::Const(t) = a {
        idents_in(t, out)
    }
}

/// Every operand of `rhs`, as read.
fn rhs_operands(rhs: &Rhs, out: &mut HashSet<String>) {
    match rhs {
        Rhs::Copy(a) => atom_read(a, out),
        Rhs::Prim(p) => {
            p.args.iter().for_each(|a| atom_read(a, out));
            p.statics.iter().for_each(|t| idents_in(t, out));
        }
        Rhs::Index { base, index, .. } => {
            out.insert(base.to_string());
            idents_in(index, out);
        }
        Rhs::Call { args, .. } => args.iter().for_each(|(a, _)| atom_read(a, out)),
        Rhs::Field { base, .. } => {
            out.insert(base.to_string());
        }
        Rhs::Struct { fields, .. } => fields.iter().for_each(|(_, a)| atom_read(a, out)),
        Rhs::Tuple(elems) => elems.iter().for_each(|a| atom_read(a, out)),
        Rhs::Stack { rows, .. } => rows.iter().flatten().for_each(|a| atom_read(a, out)),
        Rhs::Const(t) => idents_in(t, out),
    }
}

/// What the backward sweep reads of `rhs` whatever is recomputed: vjp operands,
/// constant code, call arguments, indexed and field bases.
fn rhs_seed(rhs: &Rhs, var: &Ident, f: &Function, out: &mut HashSet<String>) {
    match rhs {
        Rhs::Prim(p) => {
            p.statics.iter().for_each(|t| idents_in(t, out));
            for (k, a) in p.args.iter().enumerate() {
                match a {
                    Atom::Const(t) => idents_in(t, out),
                    Atom::Var(v) if f.is_active(v) => {
                        let (args, result) =
                            crate::primitives::vjp_reads(&p.name.to_string(), k, p.args.len());
                        for j in args {
                            if let Some(a) = p.args.get(j) {
                                atom_read(a, out);
                            }
                        }
                        if result {
                            out.insert(var.to_string());
                            p.args.iter().for_each(|a| atom_read(a, out));
                        }
                    }
                    Atom::Var(_) => {}
                }
            }
        }
        // Moving an adjoint into place reads no value: only constant code counts.
        Rhs::Copy(a) => const_idents(a, out),
        Rhs::Struct { fields, .. } => fields.iter().for_each(|(_, a)| const_idents(a, out)),
        Rhs::Tuple(elems) => elems.iter().for_each(|a| const_idents(a, out)),
        Rhs::Stack { rows, .. } => rows.iter().flatten().for_each(|a| const_idents(a, out)),
        other => rhs_operands(other, out),
    }
}

fn seed_reads(b: &Block, f: &Function, out: &mut HashSet<String>) {
    for s in &b.stmts {
        match s {
            Stmt::Let { var, rhs, .. } | Stmt::Init { var, rhs } | Stmt::Assign { var, rhs } => {
                rhs_seed(rhs, var, f, out)
            }
            Stmt::Declare { .. } => {}
            Stmt::IndexAssign { var, index, value } => {
                out.insert(var.to_string());
                idents_in(index, out);
                atom_read(value, out);
            }
            // Undone by a pop: only constant code is read again.
            Stmt::Push { value, .. } => const_idents(value, out),
            Stmt::If { cond, then, els } => {
                out.insert(cond.to_string());
                seed_reads(then, f, out);
                seed_reads(els, f, out);
            }
            Stmt::For {
                iter, body, pat, ..
            } => {
                idents_in(iter, out);
                idents_in(pat, out);
                seed_reads(body, f, out);
            }
            Stmt::While { cond, body, .. } => {
                idents_in(cond, out);
                seed_reads(body, f, out);
            }
            Stmt::Inactive(t) => idents_in(t, out),
        }
    }
}

/// In straight-line loop bodies (recomputed by the backward sweep), a value that is
/// read needs its operands read too.
fn recompute_reads(b: &Block, out: &mut HashSet<String>) {
    for s in &b.stmts {
        match s {
            Stmt::If { then, els, .. } => {
                recompute_reads(then, out);
                recompute_reads(els, out);
            }
            Stmt::For { body, .. } | Stmt::While { body, .. } if recomputable(body) => {
                for s in &body.stmts {
                    if let Stmt::Let { var, rhs, .. } | Stmt::Assign { var, rhs } = s {
                        if out.contains(&var.to_string()) {
                            rhs_operands(rhs, out);
                        }
                    }
                }
            }
            Stmt::For { body, .. } | Stmt::While { body, .. } => recompute_reads(body, out),
            _ => {}
        }
    }
}
