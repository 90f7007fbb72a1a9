//! A corpus of randomly generated `#[differentiable]` programs
//! (`tests/corpus/generated.rs`, written by `hype-transform/examples/generate_corpus.rs`;
//! its header holds the exact command and seed). For every function, at its evaluation
//! point: `grad!` (reverse mode) and `jvp!` (forward mode, one basis direction per
//! input) are compared with central finite differences and with each other. All
//! mismatches are collected and reported together, each with the function's name.

#[path = "corpus/checker.rs"]
mod checker;
pub use checker::*;

#[rustfmt::skip]
#[path = "corpus/generated.rs"]
mod generated;

#[test]
fn generated_corpus_matches_finite_differences() {
    let mut c = Checker::default();
    for check in generated::ALL {
        check(&mut c);
    }
    assert_eq!(c.checked, generated::COUNT);
    // Its f32 copies (`--f32`), against the f64 functions.
    assert_eq!(c.singles, generated::COUNT);
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
