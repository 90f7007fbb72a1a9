//! A corpus of randomly generated `#[differentiable(order = 2)]` programs
//! (`tests/corpus/generated_order2.rs`, written by
//! `hype-transform/examples/generate_corpus.rs --order2`; its header holds the exact
//! command and seed). For every function, at its evaluation point: `grad!` and `jvp!`
//! against central finite differences and each other (as `tests/corpus.rs`), and
//! `hvp!` along a fixed direction against central differences of `grad!`.

#[path = "corpus/checker.rs"]
mod checker;
pub use checker::*;

#[rustfmt::skip]
#[path = "corpus/generated_order2.rs"]
mod generated;

#[test]
fn order2_corpus_matches_finite_differences() {
    let mut c = Checker::default();
    for check in generated::ALL {
        check(&mut c);
    }
    assert_eq!(c.checked, generated::COUNT);
    assert_eq!(c.hvps, generated::COUNT);
    eprintln!(
        "order-2 corpus seed {}: {} functions, {} partial derivatives ({} not zero), {} hvp! checks, {} mismatches",
        generated::SEED,
        c.checked,
        c.inputs,
        c.nonzero,
        c.hvps,
        c.failures.len()
    );
    assert!(
        c.failures.is_empty(),
        "{} mismatches in the order-2 corpus (seed {}):\n{}",
        c.failures.len(),
        generated::SEED,
        c.failures.join("\n")
    );
}
