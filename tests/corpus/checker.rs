//! The checks the generated corpora (`tests/corpus/generated*.rs`) call: values,
//! `grad!` and `jvp!` against central finite differences and each other, and at
//! order 2 `hvp!` against central differences of `grad!`. Mismatches are collected.
#![allow(dead_code)]

use hype::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Finite-difference step.
const H: f64 = 1e-6;
/// Derivatives against finite differences (relative plus absolute).
const FD_TOL: f64 = 1e-5;
/// Forward mode against reverse mode.
const AD_TOL: f64 = 1e-10;

/// Seeds (not powers of two) at which `jvp!` is evaluated again. Forward mode is
/// linear in its seed, so `jvp!(s·e)/s` differs from `jvp!(e)` by rounding alone; where
/// a large intermediate tangent cancels (`(u - c) + c` with `c'` of 4e9: the tangent
/// sum is rounded on the grid of `c'`, 2^-21, while reverse mode adds the adjoints
/// -1 + 1 of `c` exactly), that rounding is far above `AD_TOL` (sweep seed 5504 f008).
const ROUNDING_SEEDS: [f64; 3] = [3.0, 0.7, 0.1];

/// How many times the largest spread of `jvp!` over `ROUNDING_SEEDS` forward mode may
/// differ from reverse mode by, on top of `AD_TOL` (one spread samples the rounding).
const ROUNDING_FACTOR: f64 = 2.0;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
}

/// A difference beyond the tolerance, or not a number.
fn outside(diff: f64, tol: f64) -> bool {
    diff.is_nan() || diff > tol
}

/// An array from a slice of the flat inputs.
pub fn arr<F: Clone>(p: &[F]) -> Array1<F> {
    Array1::from(p.to_vec())
}

/// The inputs in f32 (for the f32 copies of the functions).
pub fn single(p: &[f64]) -> Vec<f32> {
    p.iter().map(|&v| v as f32).collect()
}

/// f32 functions against f64 ones: relative to the gradient's largest entry.
const F32_TOL: f64 = 2e-3;

/// The relative input shift standing for f32 rounding inside a function (about 170
/// f32 ulps: a few dozen roundings, amplified): the f64 results' change under it is
/// added to the f32 tolerance, which matters only where the gradient is very curved.
const F32_SHIFT: f64 = 1e-5;

/// Gradients flattened in parameter order.
pub trait Flat {
    fn flat_into(&self, out: &mut Vec<f64>);
}

impl Flat for f64 {
    fn flat_into(&self, out: &mut Vec<f64>) {
        out.push(*self);
    }
}

impl Flat for Vec<f64> {
    fn flat_into(&self, out: &mut Vec<f64>) {
        out.extend(self.iter().copied());
    }
}

impl Flat for Array1<f64> {
    fn flat_into(&self, out: &mut Vec<f64>) {
        out.extend(self.iter().copied());
    }
}

impl Flat for f32 {
    fn flat_into(&self, out: &mut Vec<f64>) {
        out.push(*self as f64);
    }
}

impl Flat for Vec<f32> {
    fn flat_into(&self, out: &mut Vec<f64>) {
        out.extend(self.iter().map(|&v| v as f64));
    }
}

impl Flat for Array1<f32> {
    fn flat_into(&self, out: &mut Vec<f64>) {
        out.extend(self.iter().map(|&v| v as f64));
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
type Hvp<'a> = &'a dyn Fn(&[f64], &[f64]) -> Vec<f64>;

/// Step of the central differences of `grad!` along the `hvp!` direction.
const H2: f64 = 1e-5;
/// `hvp!` against those differences (relative plus absolute).
const HVP_TOL: f64 = 1e-5;

/// Collects the mismatches of all functions.
#[derive(Default)]
pub struct Checker {
    /// Functions checked.
    pub checked: usize,
    /// Inputs (partial derivatives) checked, and how many of them are not zero.
    pub inputs: usize,
    pub nonzero: usize,
    /// `hvp!` checks (order-2 corpora).
    pub hvps: usize,
    /// f32 copies checked against their f64 functions (`--f32` corpora).
    pub singles: usize,
    /// Partial derivatives where `jvp!` = `grad!` held only within forward mode's own
    /// rounding (measured over `ROUNDING_SEEDS`), not within `AD_TOL`.
    pub rounding_limited: usize,
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
            Ok((problems, nonzero, rounding_limited)) => {
                self.inputs += p0.len();
                self.nonzero += nonzero;
                self.rounding_limited += rounding_limited;
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

    /// The f32 copy of a function (`f32`, `grad32`, taking f64 inputs) against the f64
    /// function at the f32-rounded point: value and gradient within f32 precision.
    #[allow(clippy::too_many_arguments)]
    pub fn check_f32(
        &mut self,
        name: &str,
        p0: &[f64],
        f: Primal,
        grad: Grad,
        f32: Primal,
        grad32: Grad,
    ) {
        self.singles += 1;
        let p: Vec<f64> = p0.iter().map(|&v| v as f32 as f64).collect();
        let result = catch_unwind(AssertUnwindSafe(|| {
            let (v64, v32) = (f(&p), f32(&p));
            let (g64, g32) = (grad(&p), grad32(&p));
            let scale = g64.iter().fold(v64.abs(), |m, g| m.max(g.abs()));
            // How far the f64 results move when the inputs move by what f32 rounding
            // inside the function amounts to: where the gradient is that sensitive
            // (curvature in the thousands), f32 cannot agree more closely.
            let (mut v_spread, mut g_spread) = (0.0f64, vec![0.0f64; g64.len()]);
            for sign in [1.0, -1.0] {
                let moved: Vec<f64> = p
                    .iter()
                    .enumerate()
                    .map(|(i, x)| {
                        let alternate = if i % 2 == 0 { sign } else { -sign };
                        x + alternate * F32_SHIFT * (1.0 + x.abs())
                    })
                    .collect();
                v_spread = v_spread.max((f(&moved) - v64).abs());
                for (s, (g, g0)) in g_spread.iter_mut().zip(grad(&moved).iter().zip(&g64)) {
                    *s = s.max((g - g0).abs());
                }
            }
            let mut problems = Vec::new();
            if outside((v64 - v32).abs(), F32_TOL * (1.0 + scale) + v_spread) {
                problems.push(format!(
                    "f32 value {v32} vs f64 {v64} (f64 spread {v_spread:e})"
                ));
            }
            for (k, (a, b)) in g32.iter().zip(&g64).enumerate() {
                if outside((a - b).abs(), F32_TOL * (1.0 + scale) + g_spread[k]) {
                    problems.push(format!(
                        "f32 gradient[{k}] {a} vs f64 {b} (f64 spread {:e})",
                        g_spread[k]
                    ));
                }
            }
            problems
        }));
        match result {
            Ok(problems) => self
                .failures
                .extend(problems.into_iter().map(|p| format!("{name}: {p}"))),
            Err(_) => self.failures.push(format!("{name}: f32 copy panicked")),
        }
    }

    /// Checks `hvp!` at `p0` along `v` against central differences of `grad!`.
    pub fn check_hvp(&mut self, name: &str, p0: &[f64], v: &[f64], grad: Grad, hvp: Hvp) {
        self.hvps += 1;
        let result = catch_unwind(AssertUnwindSafe(|| {
            let hv = hvp(p0, v);
            let up: Vec<f64> = p0.iter().zip(v).map(|(x, d)| x + H2 * d).collect();
            let down: Vec<f64> = p0.iter().zip(v).map(|(x, d)| x - H2 * d).collect();
            let (gu, gd) = (grad(&up), grad(&down));
            let mut out = Vec::new();
            if hv.len() != p0.len() || gu.len() != p0.len() {
                out.push(format!(
                    "hvp! has {} entries, grad! {}, for {} inputs",
                    hv.len(),
                    gu.len(),
                    p0.len()
                ));
                return out;
            }
            for (k, ((h, u), d)) in hv.iter().zip(&gu).zip(&gd).enumerate() {
                let fd = (u - d) / (2.0 * H2);
                if !(h.is_finite() && close(*h, fd, HVP_TOL)) {
                    out.push(format!("hvp![{k}] {h:e}, differences of grad! {fd:e}"));
                }
            }
            out
        }));
        match result {
            Ok(problems) => self
                .failures
                .extend(problems.into_iter().map(|p| format!("{name}: {p}"))),
            Err(e) => {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                self.failures.push(format!("{name}: hvp! panicked: {msg}"));
            }
        }
    }

    /// Only evaluates a function (corpora generated with `--plain`).
    pub fn plain(&mut self, _name: &str, value: f64) {
        self.checked += 1;
        let _ = value;
    }
}

/// How far `jvp!` along `e` moves when its seed is scaled by each of `ROUNDING_SEEDS`
/// (and scaled back): forward mode's rounding at this point and direction. `None` if
/// `jvp!` is not odd in its seed: negating every tangent is exact in rounding to
/// nearest, so a forward mode linear in its seed gives exactly `-jd` for `-e`, and a
/// spread is then not rounding (a tangent squared, say) and allows nothing.
fn forward_rounding(p0: &[f64], e: &[f64], jd: f64, jvp: Jvp) -> Option<f64> {
    let negated: Vec<f64> = e.iter().map(|t| -t).collect();
    if jvp(p0, &negated).1 != -jd {
        return None;
    }
    Some(ROUNDING_SEEDS.iter().fold(0.0, |m: f64, &s| {
        let scaled: Vec<f64> = e.iter().map(|t| t * s).collect();
        m.max((jvp(p0, &scaled).1 / s - jd).abs())
    }))
}

/// The mismatches, how many partial derivatives are not zero, and how many matched
/// between the modes only within forward mode's rounding.
fn compare(
    p0: &[f64],
    labels: &[&str],
    f: Primal,
    grad: Grad,
    jvp: Jvp,
) -> (Vec<String>, usize, usize) {
    let mut out = Vec::new();
    let mut nonzero = 0;
    let mut rounding_limited = 0;
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
        return (out, 0, 0);
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
        let mut ok_gj = close(g[k], jd, AD_TOL);
        let mut rounding = String::new();
        if !ok_gj && g[k].is_finite() && jd.is_finite() {
            rounding = match forward_rounding(p0, &e, jd, jvp) {
                Some(r) => {
                    let tol = AD_TOL * (1.0 + g[k].abs().max(jd.abs())) + ROUNDING_FACTOR * r;
                    ok_gj = (g[k] - jd).abs() <= tol;
                    rounding_limited += usize::from(ok_gj);
                    format!(" (jvp! rounding {r:e})")
                }
                None => " (jvp! not odd in its seed)".to_string(),
            };
        }
        if !(ok_g && ok_j && ok_gj) {
            out.push(format!(
                "d/d{l}: grad! {:e}, jvp! {:e}, finite difference {:e}{rounding}{}{}{}",
                g[k],
                jd,
                fd,
                if ok_g { "" } else { " [grad!≠fd]" },
                if ok_j { "" } else { " [jvp!≠fd]" },
                if ok_gj { "" } else { " [grad!≠jvp!]" },
            ));
        }
    }
    (out, nonzero, rounding_limited)
}
