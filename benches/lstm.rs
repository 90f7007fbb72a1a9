//! An LSTM over a batch of sequences, forward and backward: batch 32, input 64, hidden
//! 128, T = 50, f64 and f32 (one generic loss; the f32 weights and inputs are the f64
//! ones rounded), PyTorch's gate order (`i, f, g, o`) and two biases. The loss is
//! the sum of every hidden state; the gradient is with respect to the four weight
//! arrays (`value_and_grad!` of a `#[differentiable]` loop over time: the transform's
//! reverse mode is backpropagation through time). The same workload in PyTorch
//! (`nn.LSTM`) and JAX (`lax.scan`): `benches/compare/lstm.py` (`--dtype float32` for
//! the f32 group).
//!
//! `OPENBLAS_NUM_THREADS=1 taskset -c 0 cargo bench --bench lstm`; with
//! `HYPE_LSTM_CPU=N` it first prints each workload's CPU time over `N` runs (a
//! shared machine: `benches/compare/lstm.py --cpu` measures the same way).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use hype::prelude::*;
use hype::Float;

const B: usize = 32;
const I: usize = 64;
const H: usize = 128;
const T: usize = 50;

/// The LSTM's weights (PyTorch's, transposed), in `f64` unless written.
#[derive(Clone, Debug, Tangent)]
pub struct LstmWeights<F: Float = f64> {
    /// Input weights, `I × 4H`.
    pub w_ih: Array2<F>,
    /// Recurrent weights, `H × 4H`.
    pub w_hh: Array2<F>,
    /// Input bias.
    pub b_ih: Array1<F>,
    /// Recurrent bias.
    pub b_hh: Array1<F>,
}

/// The sum of the hidden states of every step, for the batch `x` `[T, B, I]` laid out
/// as `[T·B, I]` (step `t`'s rows `t·B .. (t+1)·B`), from zero states.
#[differentiable]
fn lstm_loss<F: Float>(
    p: &LstmWeights<F>,
    #[constant] x: &Array2<F>,
    #[constant] steps: usize,
) -> F {
    let n = x.nrows() / steps;
    let hw = p.w_hh.nrows();
    let mut h = Array2::zeros((n, hw));
    let mut c = Array2::zeros((n, hw));
    let mut total = F::zero();
    for t in 0..steps {
        let xt = x.slice(ndarray::s![t * n..(t + 1) * n, ..]);
        let z = xt.dot(&p.w_ih) + &p.b_ih + h.dot(&p.w_hh) + &p.b_hh;
        let i = ops::sigmoid(&z.slice(ndarray::s![.., 0..hw]));
        let f = ops::sigmoid(&z.slice(ndarray::s![.., hw..2 * hw]));
        let g = ops::tanh(&z.slice(ndarray::s![.., 2 * hw..3 * hw]));
        let o = ops::sigmoid(&z.slice(ndarray::s![.., 3 * hw..4 * hw]));
        c = &f * &c + &i * &g;
        h = &o * &ops::tanh(&c);
        total += h.sum();
    }
    total
}

/// The weights and inputs of `benches/compare/lstm.py`: `0.1 sin(0.37 k + c)` for
/// element `k` (row-major, PyTorch's layout) of each parameter, `cos(0.01 k)` for the input.
pub fn workload() -> (LstmWeights, Array2<f64>) {
    let param = |rows: usize, cols: usize, c: f64| {
        Array2::from_shape_fn((rows, cols), |(r, k)| {
            0.1 * (0.37 * (r * cols + k) as f64 + c).sin()
        })
    };
    let p = LstmWeights {
        // PyTorch's weight_ih is [4H, I]; ours is its transpose.
        w_ih: param(4 * H, I, 0.1).t().to_owned(),
        w_hh: param(4 * H, H, 0.7).t().to_owned(),
        b_ih: param(1, 4 * H, 1.3).row(0).to_owned(),
        b_hh: param(1, 4 * H, 1.9).row(0).to_owned(),
    };
    // Input [T, B, I] row-major, as [T·B, I].
    let x = Array2::from_shape_fn((T * B, I), |(r, k)| (0.01 * (r * I + k) as f64).cos());
    (p, x)
}

/// The weights rounded to `f32`.
fn rounded(p: &LstmWeights) -> LstmWeights<f32> {
    let r1 = |a: &Array1<f64>| a.mapv(|v| v as f32);
    let r2 = |a: &Array2<f64>| a.mapv(|v| v as f32);
    LstmWeights {
        w_ih: r2(&p.w_ih),
        w_hh: r2(&p.w_hh),
        b_ih: r1(&p.b_ih),
        b_hh: r1(&p.b_hh),
    }
}

/// This thread's CPU time in seconds (`/proc/thread-self/schedstat`: time on the CPU,
/// in ns), or `None` where it cannot be read.
fn thread_cpu_time() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(s.split_whitespace().next()?.parse::<f64>().ok()? * 1e-9)
}

/// `HYPE_LSTM_CPU=N`: the CPU time of each workload, `N` runs, median and minimum
/// (on a shared machine wall-clock time also counts the other processes' turns;
/// `benches/compare/lstm.py --cpu` measures the same way).
fn cpu_times<F: Float>(p: &LstmWeights<F>, x: &Array2<F>, dtype: &str)
where
    for<'r> &'r F: hype::rt::Val<V = F>,
{
    let Some(n) = std::env::var("HYPE_LSTM_CPU")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    else {
        return;
    };
    let run = |name: &str, f: &dyn Fn()| {
        f();
        let mut times: Vec<f64> = (0..n)
            .filter_map(|_| {
                let t0 = thread_cpu_time()?;
                f();
                Some(thread_cpu_time()? - t0)
            })
            .collect();
        times.sort_by(f64::total_cmp);
        if let (Some(min), Some(med)) = (times.first(), times.get(times.len() / 2)) {
            println!(
                "hype     {dtype} {name:<19} CPU median {:8.2} ms   min {:8.2} ms",
                1e3 * med,
                1e3 * min
            );
        }
    };
    run("forward", &|| {
        black_box(lstm_loss(p, x, T));
    });
    run("forward_backward", &|| {
        black_box(value_and_grad!(lstm_loss)(p, x, T));
    });
}

fn bench(c: &mut Criterion) {
    hype::tune::for_small_arrays();
    let (p, x) = workload();
    let (p32, x32) = (rounded(&p), x.mapv(|v| v as f32));
    cpu_times(&p, &x, "f64");
    cpu_times(&p32, &x32, "f32");
    let (value, _) = value_and_grad!(lstm_loss)(&p, &x, T);
    let (value32, _) = value_and_grad!(lstm_loss)(&p32, &x32, T);
    println!("lstm loss {value:.12} (f64), {value32:.6} (f32)");
    let mut group = c.benchmark_group("lstm_b32_i64_h128_t50");
    group.sample_size(10);
    group.bench_function("forward", |b| b.iter(|| black_box(lstm_loss(&p, &x, T))));
    group.bench_function("forward_backward", |b| {
        b.iter(|| black_box(value_and_grad!(lstm_loss)(&p, &x, T)))
    });
    group.finish();
    let mut group = c.benchmark_group("lstm_b32_i64_h128_t50_f32");
    group.sample_size(10);
    group.bench_function("forward", |b| {
        b.iter(|| black_box(lstm_loss(&p32, &x32, T)))
    });
    group.bench_function("forward_backward", |b| {
        b.iter(|| black_box(value_and_grad!(lstm_loss)(&p32, &x32, T)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
