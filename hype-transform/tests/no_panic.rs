//! The transform never panics: for thousands of generated and mutated inputs, each
//! entry point (`differentiable`, `custom_rule`, `operator`, `derive_tangent`) returns
//! `Ok` or `Err`, and every `Ok` expansion parses (items for the attributes and the
//! derive, an expression for the operators), as does every error's `compile_error!`.
//!
//! Inputs: functions and closures generated from a grammar of the supported subset
//! and well beyond it (`support::grammar`), and mutants of real inputs copied from the
//! workspace's tests (`support::corpus`): token-level edits (range deletion and
//! duplication, swaps, identifier and literal replacement, insertions, truncation,
//! delimiters, ...) and syntax-tree edits (`support::ast`). A failing input is
//! minimized (`support::minimize`) and printed with the panic message.
//!
//! Runs are reproducible (a fixed seed); `HYPE_FUZZ_RANDOM=1` draws a fresh one for
//! wider sweeps. `PROPTEST_CASES=N` runs N cases per property; `PROPTEST_RNG_SEED=S` replays a run;
//! `HYPE_FUZZ_KNOWN_PANICS=desugar.rs:84,...` counts panics at those locations without
//! failing, to fuzz past bugs already reported. Outcome counts go to stderr:
//! `cargo test -p hype-transform --test no_panic -- --nocapture`.

mod support;

use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use support::corpus::{ACCEPTED, ATTRS, CUSTOM_RULE_ATTRS, DERIVE_INPUTS, OPERATOR_INPUTS, UI};
use support::{check, check_with, config, grammar, mutate, mutations, Entry, Mutation, Stats};

/// The derivative operators, by the names `hype-macros` passes.
const OPS: &[&str] = &[
    "grad",
    "jvp",
    "vjp",
    "value_and_grad",
    "diff",
    "gradv",
    "jacobian",
    "jacobian_t_v",
    "hvp",
    "hessian",
    "laplacian",
    "grad_hessian",
    "diff2",
    "diffn",
];

/// Runs a property, prints its outcome counts, then fails if a case failed.
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

/// Every operator on `src`.
fn operators(stats: &Stats, src: &str) -> Result<(), TestCaseError> {
    OPS.iter()
        .try_for_each(|op| check(stats, Entry::Operator(op), src))
}

fn corpus_item() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        2 => prop::sample::select(ACCEPTED),
        1 => prop::sample::select(UI),
    ]
}

/// Attribute arguments: mostly none, else from the corpus, sometimes mutated.
fn attr() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => Just(String::new()),
        3 => prop::sample::select(ATTRS).prop_map(str::to_string),
        1 => (prop::sample::select(ATTRS), mutations())
            .prop_map(|(a, ms)| mutate(a, &ms).map_or_else(String::new, |(t, _)| t)),
    ]
}

/// `mutate`, counting the mutants that no longer tokenize.
fn mutant(stats: &Stats, src: &str, ms: &[Mutation]) -> Option<String> {
    let m = mutate(src, ms).map(|(text, _)| text);
    if m.is_none() {
        stats.skip();
    }
    m
}

/// Whether a struct, enum or union has a field named `_`.
fn has_underscore_field(src: &str) -> bool {
    let Ok(input) = syn::parse_str::<syn::DeriveInput>(src) else {
        return false;
    };
    let fields: Vec<&syn::Field> = match &input.data {
        syn::Data::Struct(s) => s.fields.iter().collect(),
        syn::Data::Union(u) => u.fields.named.iter().collect(),
        syn::Data::Enum(e) => e.variants.iter().flat_map(|v| v.fields.iter()).collect(),
    };
    fields
        .iter()
        .any(|f| f.ident.as_ref().is_some_and(|i| i == "_"))
}

/// Minimized inputs on which the transform panicked, or expanded to code that does
/// not parse, when these tests were written; each must give `Ok` (parsing) or `Err`.
/// (Found by the properties below; kept as regressions.)
const REPRODUCERS: &[(Entry, &str)] = &[
    // operators.rs, closure_ir: `parse_quote!` of `fn __hype_closure(..) -> _ { #body }`;
    // a closure body that starts with a block and goes on does not reparse as a block.
    (Entry::Operator("grad"), "|x: f64| { x } + 1.0"),
    (Entry::Operator("jvp"), "|x: f64| { x } as f64"),
    // desugar.rs, lower_match: an arm body that is a block with a label or an
    // attribute is spliced into `if matches!(..) #then else ..`.
    (
        Entry::Differentiable(""),
        "fn f(k: usize) -> f64 { match k { 0 => 'a: { 1.0 }, _ => 2.0 } }",
    ),
    (
        Entry::Differentiable(""),
        "fn f(k: usize) -> f64 { match k { 0 => #[allow(unused)] { 1.0 }, _ => 2.0 } }",
    ),
    (Entry::Operator("grad"), "|k: f64| match 0 { 0 => 'a: { k }, _ => k }"),
    // desugar.rs, lower_match: an arm body that is not a block is reparsed as
    // `{ #body }`, which fails for a `let` expression (syn accepts it in an arm;
    // rustc rejects it there too, but the macro should not panic on it).
    (
        Entry::Differentiable(""),
        "fn f(k: usize, v: f64) -> f64 { match k { _ => let x = v } }",
    ),
    // desugar.rs, returns_in_if: the statements after an `if` that returns are appended
    // to a branch that ends in a value, and the branch is reparsed with `parse_quote!`.
    (
        Entry::Differentiable(""),
        "fn f(x: f64) -> f64 { if x > 0.0 { return x; } else { 1.0 } 2.0 }",
    ),
    (
        Entry::Differentiable(""),
        "fn f(x: f64) -> f64 { if x > 0.0 { 1.0 } else { if x < 0.0 { return x; } 2.0 }; x }",
    ),
    (
        Entry::Differentiable(""),
        "fn f(a: bool, x: f64) -> f64 { if a { return 1.0; } else if a { 2.0 } else { 3.0; } x }",
    ),
    // lower.rs, bind: `Ident::new` on the name of a raw identifier.
    (Entry::Differentiable(""), "fn f(x: f64) -> f64 { let r#y = x; r#y }"),
    (
        Entry::Differentiable(""),
        "fn f(x: &Array1<f64>) -> f64 { let mut s = 0.0; for r#i in 0..x.len() { s += x[r#i]; } s }",
    ),
    (Entry::Operator("grad"), "|x: f64| { let r#y = x; r#y }"),
    // Not a panic: the `Ok` expansion does not parse. A `match` in the head of a `for`
    // loop, desugared into a block, is printed there verbatim (`for i in 0..{ .. }.min(..)
    // { .. }`), where a block ends the head.
    (
        Entry::Differentiable(""),
        "fn f(x: &Array1<f64>, n: usize) -> f64 { let mut s = 0.0; \
         for i in 0..match n { _ => 3 }.min(x.len()) { s += x[i]; } s }",
    ),
    (
        Entry::Operator("grad"),
        "|x: f64| { let mut s = x; for _ in 0..match 2 { _ => 3 }.min(5) { s = s * x; } s }",
    ),
    // Not a panic: desugar.rs, returns_in_if appends the statements after an `if`
    // that returns to a branch that ends in a macro call; lowering printed the call
    // without a `;` before them.
    (
        Entry::Differentiable(""),
        "fn f(x: f64, a: bool) -> f64 { if a { return x; } else { array![1.0] } x }",
    ),
    (
        Entry::Differentiable(""),
        "fn f(x: f64, a: bool) -> f64 { if a { return x; } else { println!(\"{}\", x) } x }",
    ),
    // Not a panic: `jacobian_t_v!` on a closure without parameters printed its
    // closure's parameter list as `| , __hype_v: &_ |`.
    (Entry::Operator("jacobian_t_v"), "| | 2.0"),
];

#[test]
fn minimized_reproducers_never_panic() {
    static STATS: Stats = Stats::new("minimized_reproducers_never_panic");
    let failures: Vec<String> = REPRODUCERS
        .iter()
        .filter_map(|&(entry, src)| check_with(&STATS, entry, src, false).err())
        .map(|e| e.to_string())
        .collect();
    STATS.report();
    assert!(
        failures.is_empty(),
        "{} of {} reproducers fail:\n\n{}",
        failures.len(),
        REPRODUCERS.len(),
        failures.join("\n\n")
    );
}

/// Every corpus input, unmutated, with every attribute argument; and the accepted
/// functions do expand (so the mutants start from inputs that go all the way).
#[test]
fn corpus_inputs_never_panic() {
    static STATS: Stats = Stats::new("corpus_inputs_never_panic");
    let mut failures = Vec::new();
    let mut record = |r: Result<(), TestCaseError>| {
        if let Err(e) = r {
            failures.push(e.to_string());
        }
    };
    for src in ACCEPTED.iter().chain(UI) {
        for attr in ATTRS {
            record(check(&STATS, Entry::Differentiable(attr), src));
        }
        for attr in CUSTOM_RULE_ATTRS {
            record(check(&STATS, Entry::CustomRule(attr), src));
        }
    }
    for src in OPERATOR_INPUTS.iter().chain(ACCEPTED).chain(UI) {
        record(operators(&STATS, src));
    }
    for src in DERIVE_INPUTS.iter().chain(UI) {
        record(check(&STATS, Entry::DeriveTangent, src));
    }
    for src in ACCEPTED {
        let item = support::tokenize(src).expect("corpus tokenizes");
        if let Err(e) = hype_transform::differentiable(Default::default(), item) {
            failures.push(format!("corpus function rejected: {e}\n{src}"));
        }
    }
    STATS.report();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Functions generated from the grammar (printed on failure; the seed reproduces
/// them with `support::grammar::function`), given to `#[differentiable]` (one in
/// nineteen to `#[custom_rule]`).
#[test]
fn generated_functions_never_panic() {
    static STATS: Stats = Stats::new("generated_functions_never_panic");
    let entry = prop_oneof![
        16 => Just(Entry::Differentiable("")),
        2 => prop::sample::select(ATTRS).prop_map(Entry::Differentiable),
        1 => prop::sample::select(CUSTOM_RULE_ATTRS).prop_map(Entry::CustomRule),
    ];
    run(&STATS, 2000, (any::<u64>(), entry), |(seed, entry)| {
        check(&STATS, entry, &grammar::function(seed))
    });
}

/// Closures generated from the grammar, given to every derivative operator.
#[test]
fn generated_closures_never_panic() {
    static STATS: Stats = Stats::new("generated_closures_never_panic");
    run(&STATS, 1000, any::<u64>(), |seed| {
        operators(&STATS, &grammar::closure(seed))
    });
}

/// Generated functions, then mutated.
#[test]
fn mutated_generated_functions_never_panic() {
    static STATS: Stats = Stats::new("mutated_generated_functions_never_panic");
    run(
        &STATS,
        1500,
        (any::<u64>(), mutations()),
        |(seed, ms)| match mutant(&STATS, &grammar::function(seed), &ms) {
            Some(text) => check(&STATS, Entry::Differentiable(""), &text),
            None => Ok(()),
        },
    );
}

/// Mutants of the corpus functions, with random attribute arguments, given to
/// `#[differentiable]` (and, one in eight, to `#[custom_rule]`).
#[test]
fn mutated_corpus_differentiable_never_panics() {
    static STATS: Stats = Stats::new("mutated_corpus_differentiable_never_panics");
    let custom = prop_oneof![
        7 => Just(None),
        1 => prop::sample::select(CUSTOM_RULE_ATTRS).prop_map(Some),
    ];
    run(
        &STATS,
        2500,
        (corpus_item(), mutations(), attr(), custom),
        |(src, ms, attr, custom): (&str, Vec<Mutation>, String, Option<&str>)| {
            let Some(text) = mutant(&STATS, src, &ms) else {
                return Ok(());
            };
            match custom {
                None => check(&STATS, Entry::Differentiable(&attr), &text),
                Some(rule) => check(&STATS, Entry::CustomRule(rule), &text),
            }
        },
    );
}

/// Mutants of operator inputs, generated closures and whole functions, with every
/// operator.
#[test]
fn mutated_operator_inputs_never_panic() {
    static STATS: Stats = Stats::new("mutated_operator_inputs_never_panic");
    let input = prop_oneof![
        3 => prop::sample::select(OPERATOR_INPUTS).prop_map(str::to_string),
        2 => any::<u64>().prop_map(grammar::closure),
        1 => corpus_item().prop_map(str::to_string),
    ];
    run(
        &STATS,
        1000,
        (input, mutations()),
        |(src, ms)| match mutant(&STATS, &src, &ms) {
            Some(text) => operators(&STATS, &text),
            None => Ok(()),
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
        |(src, ms)| match mutant(&STATS, src, &ms) {
            // rustc rejects a field named `_` before any derive runs (syn accepts it).
            Some(text) if has_underscore_field(&text) => {
                STATS.skip();
                Ok(())
            }
            Some(text) => check(&STATS, Entry::DeriveTangent, &text),
            None => Ok(()),
        },
    );
}
