//! Compile-fail cases: every construct outside the supported subset stops with an
//! error at the user's span that names it and says what to write instead.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
