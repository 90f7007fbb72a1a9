#[path = "corpus/checker.rs"]
mod checker;
pub use checker::*;
#[rustfmt::skip]
#[path = "corpus/zz_f32.rs"]
mod generated;
#[test]
fn sweep() {
    let mut c = Checker::default();
    for check in generated::ALL {
        check(&mut c);
    }
    eprintln!(
        "SWEEP seed {} functions {} inputs {} nonzero {} hvps {} mismatches {} f32 {}",
        generated::SEED,
        c.checked,
        c.inputs,
        c.nonzero,
        c.hvps,
        c.failures.len(),
        c.singles
    );
    for f in &c.failures {
        eprintln!("MISMATCH {f}");
    }
}
