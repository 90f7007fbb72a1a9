#!/usr/bin/env bash
# Whether two builds of the transform write the same code (a refactoring's safety net):
# runs `expansion_size FILE --dump` of each build on every file that uses
# #[differentiable] (tests, examples, benches, hype-runtime, src) and on random corpora,
# and diffs the dumps (expansions and error messages) file by file.
#
#   scripts/compare_expansions.sh OLD_BINARY NEW_BINARY OUTDIR [SEED...]
#
# The binaries are `target/release/examples/expansion_size` built at the two commits
# (copy the first one away before changing the transform). For each SEED, corpora of 300
# functions are generated plain, `--f32` and `--order2` (default seeds 6001..6010).
# Writes OUTDIR/{old,new}/NAME.{out,err}, the differing files to OUTDIR/differ.txt and
# the transform time of each build on each file to OUTDIR/times.tsv; exits 1 on any
# difference. Given one binary twice it checks that the expansion is reproducible (it
# was not before 1cfd439 for `grad!`/`diff!` of a closure inside #[differentiable] code:
# lowering re-parsed the inlined tangent block in every pass of the activity fixpoint
# and keyed its binding sites by heap address; hype-transform/tests/determinism.rs).
set -u
old=$1; new=$2; out=$3; shift 3
seeds=("$@"); [ ${#seeds[@]} -eq 0 ] && seeds=($(seq 6001 6010))
cd "$(dirname "$0")/.."
cargo build --release -q -p hype-transform --example generate_corpus || exit 1
gen=${CARGO_TARGET_DIR:-target}/release/examples/generate_corpus
mkdir -p "$out/files" "$out/old" "$out/new"
for f in $(grep -rl --include='*.rs' 'differentiable' tests examples benches hype-runtime/src src); do
    cp "$f" "$out/files/$(echo "$f" | tr / _)"
done
for s in "${seeds[@]}"; do
    "$gen" --seed "$s" --count 300 --out "$out/files/corpus_plain_$s.rs" 2>/dev/null
    "$gen" --seed "$s" --count 300 --f32 --out "$out/files/corpus_f32_$s.rs" 2>/dev/null
    "$gen" --seed "$s" --count 300 --order2 --out "$out/files/corpus_order2_$s.rs" 2>/dev/null
done
: > "$out/differ.txt"
printf 'file\told_s\tnew_s\n' > "$out/times.tsv"
for f in "$out"/files/*.rs; do
    n=$(basename "$f" .rs)
    for side in old new; do
        bin=$old; [ $side = new ] && bin=$new
        "$bin" "$f" --dump > "$out/$side/$n.out" 2> "$out/$side/$n.err"
        grep 'time in the transform' "$out/$side/$n.err" | awk '{print $5}' > "$out/$side/$n.time"
        sed -i '/time in the transform/d' "$out/$side/$n.err"
    done
    printf '%s\t%s\t%s\n' "$n" "$(cat "$out/old/$n.time")" "$(cat "$out/new/$n.time")" >> "$out/times.tsv"
    if ! cmp -s "$out/old/$n.out" "$out/new/$n.out" || ! cmp -s "$out/old/$n.err" "$out/new/$n.err"; then
        echo "$n" >> "$out/differ.txt"
    fi
done
echo "$(ls "$out"/files/*.rs | wc -l) files, $(grep -h -c '^===' "$out"/old/*.out | paste -sd+ | bc) functions, $(wc -l < "$out/differ.txt") differ"
[ ! -s "$out/differ.txt" ]
