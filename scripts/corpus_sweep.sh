#!/usr/bin/env bash
# Random-program sweeps of the transform (issue 11): for each seed, generate a corpus
# (hype-transform/examples/generate_corpus.rs), build it as a test, record the functions
# whose generated code does not compile (with the first error of each), exclude them
# (and their callers), rebuild, run the grad!/jvp!/hvp! checks and record mismatches.
#
#   scripts/corpus_sweep.sh OUTDIR COUNT SEED... [-- GENERATOR OPTIONS, e.g. --order2]
#
# Writes OUTDIR/seed-S.{gen,build,run}.log and one summary line per seed to
# OUTDIR/summary.tsv (seed, functions generated, compile-error functions, functions
# checked, mismatches, build seconds). Uses tests/$SWEEP_NAME.rs and
# tests/corpus/$SWEEP_NAME.rs (default zz_sweep), removed at the end; CARGO_TARGET_DIR
# is honoured (two sweeps can run side by side with different names and target dirs).
set -u
name=${SWEEP_NAME:-zz_sweep}
out=$1; count=$2; shift 2
seeds=(); while [ $# -gt 0 ] && [ "$1" != "--" ]; do seeds+=("$1"); shift; done
[ $# -gt 0 ] && shift
opts=("$@")
mkdir -p "$out"
cd "$(dirname "$0")/.."
cargo build --release -q -p hype-transform --example generate_corpus || exit 1
gen=${CARGO_TARGET_DIR:-target}/release/examples/generate_corpus
cat > "tests/$name.rs" <<'RS'
#[path = "corpus/checker.rs"]
mod checker;
pub use checker::*;
#[rustfmt::skip]
#[path = "corpus/NAME.rs"]
mod generated;
#[test]
fn sweep() {
    let mut c = Checker::default();
    for check in generated::ALL {
        check(&mut c);
    }
    eprintln!(
        "SWEEP seed {} functions {} inputs {} nonzero {} hvps {} mismatches {} f32 {} rounding {}",
        generated::SEED,
        c.checked,
        c.inputs,
        c.nonzero,
        c.hvps,
        c.failures.len(),
        c.singles,
        c.rounding_limited
    );
    for f in &c.failures {
        eprintln!("MISMATCH {f}");
    }
}
RS
sed -i "s/corpus\/NAME.rs/corpus\/$name.rs/" "tests/$name.rs"
# The function (fN) around each error line of the generated file.
failing() {
    grep -o "tests/corpus/$name.rs:[0-9]*" "$1" | cut -d: -f2 | sort -un | while read -r l; do
        head -n "$((l + 1))" "tests/corpus/$name.rs" | grep -o 'pub fn f[0-9]*(' | tail -1 | tr -dc '0-9' | sed 's/^/f/'; echo
    done | sort -u | paste -sd, -
}
for s in "${seeds[@]}"; do
    $gen --seed "$s" --count "$count" "${opts[@]}" --out "tests/corpus/$name.rs" 2> "$out/seed-$s.gen.log"
    t0=$(date +%s)
    # Fixing some errors lets rustc report others: exclude in rounds until it builds.
    bad=""
    for round in 1 2 3 4; do
        cargo test -q -p hype --test "$name" --no-run > "$out/seed-$s.build$round.log" 2>&1 && break
        new=$(failing "$out/seed-$s.build$round.log")
        [ -z "$new" ] && { echo "seed $s: build fails outside the functions" >> "$out/notes.txt"; break; }
        bad=${bad:+$bad,}$new
        $gen --seed "$s" --count "$count" "${opts[@]}" --exclude "$bad" --out "tests/corpus/$name.rs" 2>> "$out/seed-$s.gen.log"
    done
    t1=$(date +%s)
    cargo test -q -p hype --test "$name" -- --nocapture > "$out/seed-$s.run.log" 2>&1
    line=$(grep '^SWEEP' "$out/seed-$s.run.log")
    nbad=$( [ -n "$bad" ] && echo "$bad" | tr ',' '\n' | wc -l || echo 0)
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$count" "$nbad" \
        "$(echo "$line" | awk '{print $5}')" "$(echo "$line" | awk '{print $13}')" "$((t1 - t0))" >> "$out/summary.tsv"
    echo "seed $s: compile-error functions [$bad]; $line" >> "$out/notes.txt"
done
rm -f "tests/$name.rs" "tests/corpus/$name.rs"
