#!/usr/bin/env bash
# Compile time of annotated code: N random functions (the corpus generator, seed S)
# built three ways — plain, `#[differentiable]` with grad!/jvp! checks, and
# `#[differentiable(order = 2)]` with hvp! checks too — in debug and release. Each
# build is a rebuild of that one test crate after touching it (dependencies built);
# the median of R rebuilds is printed with its ratio to the plain build.
#
#   scripts/compile_time.sh [N=20] [SEED=1] [R=3]
#
# Uses tests/zz_ct_*.rs and tests/corpus/zz_ct_*.rs, removed at the end.
set -eu
n=${1:-20}; seed=${2:-1}; reps=${3:-3}
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
cargo build --release -q -p hype-transform --example generate_corpus
gen=$target/release/examples/generate_corpus
variants=(plain order1 order2)
declare -A opts=([plain]="--order2 --plain" [order1]="--order2 --as-order1" [order2]="--order2")
cleanup() { for v in "${variants[@]}"; do rm -f "tests/zz_ct_$v.rs" "tests/corpus/zz_ct_$v.rs"; done; }
trap cleanup EXIT
for v in "${variants[@]}"; do
    # shellcheck disable=SC2086
    $gen --seed "$seed" --count "$n" ${opts[$v]} --out "tests/corpus/zz_ct_$v.rs" 2>/dev/null
    cat > "tests/zz_ct_$v.rs" <<RS
#[path = "corpus/checker.rs"]
mod checker;
pub use checker::*;
#[rustfmt::skip]
#[path = "corpus/zz_ct_$v.rs"]
mod generated;
#[test]
fn all() {
    let mut c = Checker::default();
    for check in generated::ALL {
        check(&mut c);
    }
    assert!(c.failures.is_empty());
}
RS
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "compile time: $n generated functions (seed $seed), rebuild after touching the file, median of $reps"
echo "machine: $(nproc) cores, $(rustc --version)"
printf '%-8s %10s %10s %10s %8s %8s\n' profile plain order1 order2 "o1/plain" "o2/plain"
for profile in debug release; do
    flag=(); [ "$profile" = release ] && flag=(--release)
    declare -A t=()
    for v in "${variants[@]}"; do
        cargo test -q "${flag[@]}" --test "zz_ct_$v" --no-run 2>/dev/null
        t[$v]=$(for _ in $(seq "$reps"); do
            touch "tests/corpus/zz_ct_$v.rs"
            s=$(date +%s.%N)
            cargo test -q "${flag[@]}" --test "zz_ct_$v" --no-run 2>/dev/null
            e=$(date +%s.%N)
            echo "$e - $s" | bc -l
        done | median)
    done
    printf '%-8s %9.2fs %9.2fs %9.2fs %7.2fx %7.2fx\n' "$profile" "${t[plain]}" "${t[order1]}" "${t[order2]}" \
        "$(echo "${t[order1]} / ${t[plain]}" | bc -l)" "$(echo "${t[order2]} / ${t[plain]}" | bc -l)"
done
