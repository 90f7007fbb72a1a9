//! A corpus of randomly generated `#[differentiable]` programs
//! (`tests/corpus/generated.rs`, written by `hype-transform/examples/generate_corpus.rs`;
//! its header holds the exact command and seed). For every function, at its evaluation
//! point: `grad!` (reverse mode) and `jvp!` (forward mode, one basis direction per
//! input) are compared with central finite differences and with each other. All
//! mismatches are collected and reported together, each with the function's name.

use hype::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};

#[rustfmt::skip]
#[path = "corpus/generated.rs"]
mod generated;

/// Finite-difference step.
const H: f64 = 1e-6;
/// Derivatives against finite differences (relative plus absolute).
const FD_TOL: f64 = 1e-5;
/// Forward mode against reverse mode.
const AD_TOL: f64 = 1e-10;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
}

/// An array from a slice of the flat inputs.
pub fn arr(p: &[f64]) -> Array1<f64> {
    Array1::from(p.to_vec())
}

/// Gradients flattened in parameter order.
pub trait Flat {
    fn flat_into(&self, out: &mut Vec<f64>);
}

impl Flat for f64 {
    fn flat_into(&self, out: &mut Vec<f64>) {
        out.push(*self);
    }
}

impl Flat for Array1<f64> {
    fn flat_into(&self, out: &mut Vec<f64>) {
        out.extend(self.iter().copied());
    }
}

macro_rules! flat_tuple {
    ($($t:ident $i:tt),+) => {
        impl<$($t: Flat),+> Flat for ($($t,)+) {
            fn flat_into(&self, out: &mut Vec<f64>) {
                $(self.$i.flat_into(out);)+
            }
        }
    };
}
flat_tuple!(A 0, B 1);
flat_tuple!(A 0, B 1, C 2);
flat_tuple!(A 0, B 1, C 2, D 3);
flat_tuple!(A 0, B 1, C 2, D 3, E 4);

pub fn flat(g: &impl Flat) -> Vec<f64> {
    let mut out = Vec::new();
    g.flat_into(&mut out);
    out
}

type Primal<'a> = &'a dyn Fn(&[f64]) -> f64;
type Grad<'a> = &'a dyn Fn(&[f64]) -> Vec<f64>;
type Jvp<'a> = &'a dyn Fn(&[f64], &[f64]) -> (f64, f64);

/// Collects the mismatches of all functions.
#[derive(Default)]
pub struct Checker {
    /// Functions checked.
    pub checked: usize,
    /// Inputs (partial derivatives) checked, and how many of them are not zero.
    pub inputs: usize,
    pub nonzero: usize,
    pub failures: Vec<String>,
}

impl Checker {
    /// Checks one function at the point `p0` (its active inputs, flattened; `labels`
    /// names each input).
    pub fn check(&mut self, name: &str, labels: &str, p0: &[f64], f: Primal, grad: Grad, jvp: Jvp) {
        self.checked += 1;
        let labels: Vec<&str> = labels.split_whitespace().collect();
        let result = catch_unwind(AssertUnwindSafe(|| compare(p0, &labels, f, grad, jvp)));
        match result {
            Ok((problems, nonzero)) => {
                self.inputs += p0.len();
                self.nonzero += nonzero;
                self.failures
                    .extend(problems.into_iter().map(|p| format!("{name}: {p}")));
            }
            Err(e) => {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                self.failures.push(format!("{name}: panicked: {msg}"));
            }
        }
    }

    /// Only evaluates a function (corpora generated with `--plain`).
    pub fn plain(&mut self, _name: &str, value: f64) {
        self.checked += 1;
        let _ = value;
    }
}

/// The mismatches, and how many partial derivatives are not zero.
fn compare(p0: &[f64], labels: &[&str], f: Primal, grad: Grad, jvp: Jvp) -> (Vec<String>, usize) {
    let mut out = Vec::new();
    let mut nonzero = 0;
    let v = f(p0);
    if !v.is_finite() {
        out.push(format!("value {v} is not finite"));
    }
    let g = grad(p0);
    if g.len() != p0.len() {
        out.push(format!(
            "grad! has {} entries for {} inputs",
            g.len(),
            p0.len()
        ));
        return (out, 0);
    }
    for k in 0..p0.len() {
        let mut p = p0.to_vec();
        p[k] = p0[k] + H;
        let fp = f(&p);
        p[k] = p0[k] - H;
        let fm = f(&p);
        let fd = (fp - fm) / (2.0 * H);
        let mut e = vec![0.0; p0.len()];
        e[k] = 1.0;
        let (jv, jd) = jvp(p0, &e);
        let l = labels.get(k).copied().unwrap_or("?");
        if fd.abs() > 1e-8 {
            nonzero += 1;
        }
        if !close(jv, v, 1e-12) {
            out.push(format!("jvp! value {jv} != primal {v}"));
        }
        let ok_g = g[k].is_finite() && close(g[k], fd, FD_TOL);
        let ok_j = jd.is_finite() && close(jd, fd, FD_TOL);
        let ok_gj = close(g[k], jd, AD_TOL);
        if !(ok_g && ok_j && ok_gj) {
            out.push(format!(
                "d/d{l}: grad! {:e}, jvp! {:e}, finite difference {:e}{}{}{}",
                g[k],
                jd,
                fd,
                if ok_g { "" } else { " [grad!≠fd]" },
                if ok_j { "" } else { " [jvp!≠fd]" },
                if ok_gj { "" } else { " [grad!≠jvp!]" },
            ));
        }
    }
    (out, nonzero)
}

#[test]
fn generated_corpus_matches_finite_differences() {
    let mut c = Checker::default();
    for check in generated::ALL {
        check(&mut c);
    }
    assert_eq!(c.checked, generated::COUNT);
    eprintln!(
        "corpus seed {}: {} functions, {} partial derivatives ({} not zero), {} mismatches",
        generated::SEED,
        c.checked,
        c.inputs,
        c.nonzero,
        c.failures.len()
    );
    assert!(
        c.failures.is_empty(),
        "{} mismatches in the generated corpus (seed {}):\n{}",
        c.failures.len(),
        generated::SEED,
        c.failures.join("\n")
    );
}

#[test]
fn corpus_has_at_least_200_functions() {
    assert!(generated::ALL.len() >= 200, "{}", generated::ALL.len());
}
