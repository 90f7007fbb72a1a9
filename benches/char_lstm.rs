//! One chunk of `examples/char_lstm.rs`: `Lstm<62, 128> -> Linear<128, 62>` over 50
//! characters of the bundled text from nonzero states, the mean cross-entropy
//! (`chunk_loss`) and its gradient (`value_and_grad!`, the transform's reverse mode
//! through the layer's loop over time); and `Lstm::state_after` over the same chunk.
//!
//! `OPENBLAS_NUM_THREADS=1 taskset -c 0 cargo bench --bench char_lstm`

#[path = "../examples/char_lstm.rs"]
#[allow(dead_code)]
mod char_lstm;

use char_lstm::{chunk_loss, one_hot, CharLm, Vocab, HIDDEN, TEXT};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use hype::prelude::*;

fn bench(c: &mut Criterion) {
    hype::tune::for_small_arrays();
    let vocab = Vocab::of(TEXT).expect("the bundled text");
    let idx = vocab.encode(&TEXT[..51]);
    let (x, y) = (one_hot(&idx[..50]), one_hot(&idx[1..]));
    let m = CharLm::new(1);
    let h0 = Array2::from_shape_fn((1, HIDDEN), |(_, j)| 0.3 * (j as f64).sin());
    let c0 = Array2::from_shape_fn((1, HIDDEN), |(_, j)| 0.5 * (j as f64 * 0.7).cos());
    let mut group = c.benchmark_group("char_lstm_chunk50_h128");
    group.bench_function("forward", |b| {
        b.iter(|| black_box(chunk_loss(&m, &x, &y, &h0, &c0)))
    });
    group.bench_function("forward_backward", |b| {
        b.iter(|| black_box(value_and_grad!(chunk_loss)(&m, &x, &y, &h0, &c0)))
    });
    group.bench_function("state_after", |b| {
        b.iter(|| black_box(m.lstm.state_after(&x, &h0, &c0)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
