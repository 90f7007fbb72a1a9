//! The activity analysis, on its own: which variables of a lowered function carry
//! derivatives. A variable is active when its value depends on an active parameter
//! along some path of the function, wherever in the body that dependence arises (a
//! variable that becomes active in a later trip of a loop is active everywhere).
//! Integer and boolean values, and values computed only from constants, are not.
//!
//! These cases pin the analysis's results (decided by lowering as it goes and checked
//! by `hype_transform::activity`: a pass whose assumptions a loop invalidated runs
//! again), and how many passes that takes.

use hype_transform::float::{self, Float};
use hype_transform::lower::lower_function;
use std::collections::HashSet;

/// The active variables of `#[differentiable] src`, after lowering (user variables
/// keep their names; a shadowing binding is renamed `name_1`, `name_2`, ...).
fn active(src: &str) -> HashSet<String> {
    lowered(src).active
}

/// How many lowering passes `src` takes.
fn passes(src: &str) -> usize {
    lowered(src).lowering_passes
}

fn lowered(src: &str) -> hype_transform::ir::Function {
    let mut f: syn::ItemFn = syn::parse_str(src).expect("test function parses");
    let params = hype_transform::parse::signature(&mut f).expect("signature");
    let mut block = (*f.block).clone();
    hype_transform::desugar::body(&mut block).expect("desugar");
    hype_transform::check::body(&block).expect("inside the subset");
    let mut idents = HashSet::new();
    hype_transform::types::collect_idents(quote::quote!(#f), &mut idents);
    float::type_literals(&mut block, &Float::F64);
    lower_function(params, &block, idents, Float::F64).expect("lowers")
}

#[track_caller]
fn assert_active(src: &str, yes: &[&str], no: &[&str]) {
    let a = active(src);
    for v in yes {
        assert!(
            a.contains(*v),
            "`{v}` should be active in {src}; active: {a:?}"
        );
    }
    for v in no {
        assert!(
            !a.contains(*v),
            "`{v}` should not be active in {src}; active: {a:?}"
        );
    }
}

#[test]
fn parameters_and_constant_parameters() {
    assert_active(
        "fn f(x: f64, #[constant] c: f64, k: usize) -> f64 { x * c + k as f64 }",
        &["x"],
        &["c", "k"],
    );
}

#[test]
fn values_of_active_operands_are_active_and_others_are_not() {
    assert_active(
        "fn f(x: f64, #[constant] c: f64) -> f64 {
            let a = x.sin();
            let b = c * 2.0;
            let d = b + 1.0;
            let e = a * d;
            e
        }",
        &["a", "e"],
        &["b", "d"],
    );
}

#[test]
fn integers_booleans_and_comparisons_are_never_active() {
    assert_active(
        "fn f(x: &Array1<f64>) -> f64 {
            let n = x.len();
            let big = x[0] > 1.0;
            let mut s = 0.0;
            for i in 0..n {
                if big {
                    s += x[i];
                }
            }
            s
        }",
        &["x", "s"],
        &["n", "big", "i"],
    );
}

#[test]
fn an_accumulator_updated_in_a_loop_is_active_from_its_first_binding() {
    // `s` starts as a constant and becomes active only in the loop: it is one active
    // variable throughout, so its initial value gets a (zero) tangent too.
    assert_active(
        "fn f(x: f64) -> f64 {
            let mut s = 0.0;
            let mut p = 1.0;
            for _ in 0..3 {
                p = p * 0.5;
                s = s + x * p;
            }
            s + p
        }",
        &["s"],
        &["p"],
    );
}

#[test]
fn activity_flows_backwards_through_a_loop_carried_value() {
    // `b` reads `a` before `a` is assigned an active value in the same trip: only a
    // later trip carries the derivative into `b`.
    assert_active(
        "fn f(x: f64) -> f64 {
            let mut a = 1.0;
            let mut b = 0.0;
            for _ in 0..2 {
                b = b + a;
                a = x * 2.0;
            }
            b
        }",
        &["a", "b"],
        &[],
    );
}

#[test]
fn shadowed_bindings_are_separate_variables() {
    assert_active(
        "fn f(x: f64) -> f64 {
            let y = 2.0;
            let z = y * 3.0;
            let y = x * z;
            y
        }",
        &["y_1"],
        &["y", "z"],
    );
}

#[test]
fn containers_written_with_active_values_are_active() {
    assert_active(
        "fn f(x: &Array1<f64>) -> f64 {
            let mut a = Array1::zeros(3);
            let mut b = Array1::zeros(3);
            let mut v = Vec::new();
            let mut w = Vec::new();
            for i in 0..3 {
                a[i] = x[i] * x[i];
                b[i] = i as f64;
                v.push(x[i].exp());
                w.push(1.0);
            }
            a.sum() + b.sum() + v[0] + w[1]
        }",
        &["a", "v"],
        &["b", "w"],
    );
}

#[test]
fn an_if_used_as_a_value_is_active_when_a_branch_is() {
    assert_active(
        "fn f(x: f64, k: usize) -> f64 {
            let y = if k > 2 { x * 2.0 } else { 1.0 };
            let z = if k > 2 { 3.0 } else { 1.0 };
            y * z
        }",
        &["y"],
        &["z"],
    );
}

#[test]
fn iterator_chains_are_active_when_they_read_active_values() {
    assert_active(
        "fn f(x: &Array1<f64>, #[constant] c: &Array1<f64>) -> f64 {
            let a = x.iter().map(|v| v * v).sum::<f64>();
            let b = c.iter().map(|v| v * 2.0).sum::<f64>();
            let d = c.iter().zip(x.iter()).fold(0.0, |acc, (u, v)| acc + u * v);
            a + b + d
        }",
        &["a", "d"],
        &["b"],
    );
}

#[test]
fn a_local_closure_call_is_active_through_its_arguments_or_its_captures() {
    assert_active(
        "fn f(x: f64, #[constant] c: f64) -> f64 {
            let sq = |v: f64| v * v;
            let scale = |v: f64| v * x;
            let a = sq(x);
            let b = sq(c);
            let d = scale(c);
            a + b + d
        }",
        &["a", "d"],
        &["b"],
    );
}

#[test]
fn tuples_destructured_from_active_and_constant_parts() {
    assert_active(
        "fn f(x: f64, #[constant] c: f64) -> f64 {
            let (a, b) = (x * 2.0, c + 1.0);
            a * b
        }",
        &["a"],
        &["b"],
    );
}

#[test]
fn a_block_inside_an_operand_is_judged_by_the_outer_names_it_mentions() {
    // Nested in an operand, a block is not lowered before its activity is known: it is
    // active when it names an active variable, even if its value is a constant.
    assert_active(
        "fn f(x: f64, #[constant] c: f64) -> f64 {
            let a = 1.0 + { let z = x; 2.0 };
            let b = 1.0 + { let z = c; z };
            a * b
        }",
        &["a"],
        &["b"],
    );
}

#[test]
fn a_loop_over_a_container_filled_later_in_an_outer_loop_is_active() {
    // `v` becomes active at the push, after the inner loop has read it: only a later
    // trip of the outer loop carries derivatives into `s` (the inner loop then iterates
    // an active container, which lowering rewrites over indices).
    assert_active(
        "fn f(x: f64) -> f64 {
            let mut v = Vec::new();
            let mut s = 0.0;
            for k in 0..3 {
                for e in v {
                    s = s + e;
                }
                v.push(x * k as f64);
            }
            s
        }",
        &["v", "s"],
        &["k"],
    );
}

#[test]
fn an_array_stored_to_later_in_a_loop_is_active_where_it_is_read_earlier() {
    assert_active(
        "fn f(x: &Array1<f64>) -> f64 {
            let mut a = Array1::zeros(3);
            let mut s = 0.0;
            for i in 0..3 {
                s = s + a[i] * 2.0;
                a[i] = x[i] * x[i];
            }
            s
        }",
        &["a", "s"],
        &["i"],
    );
}

#[test]
fn straight_line_code_and_branches_take_one_pass() {
    assert_eq!(
        passes(
            "fn f(x: f64, k: usize) -> f64 {
                let a = x.sin();
                let b = if k > 2 { a * 2.0 } else { 1.0 };
                let c = b + a;
                c * c
            }"
        ),
        1
    );
    // Activity found in a loop before any read of the variable holds too.
    assert_eq!(
        passes(
            "fn f(x: f64) -> f64 {
                let mut s = 0.0;
                for _ in 0..3 {
                    let t = x * 2.0;
                    s = t;
                }
                s
            }"
        ),
        1
    );
}

#[test]
fn a_value_a_loop_carries_backwards_takes_one_more_pass_per_link() {
    // `s` is read as a constant in the first pass, then made active by its own
    // update: the second pass knows it from the start.
    let src = "fn f(x: f64) -> f64 {
        let mut s = 1.0;
        for _ in 0..3 {
            s = s * x;
        }
        s
    }";
    assert_eq!(passes(src), 2);
    assert_active(src, &["s", "x"], &[]);
    // Two links: `b` reads `a`, which is active only from the second trip; the second
    // pass finds that `b` is active too, the third confirms it.
    let src = "fn f(x: f64) -> f64 {
        let mut a = 0.0;
        let mut b = 0.0;
        for _ in 0..3 {
            b = b + a;
            a = x;
        }
        b
    }";
    assert_eq!(passes(src), 3);
    assert_active(src, &["a", "b"], &[]);
}
