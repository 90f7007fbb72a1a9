//! Hessian-free optimization in `f32` end to end: `FnNetwork`s of `f32` closures over
//! `#[differentiable]` functions generic in the float type, `f32` batches and targets,
//! `WithSparsity` and `StructuralDamping` on `f32` outputs. Each network is trained in
//! `f32` and in `f64` from the same weights (the `f32` ones, widened exactly) and the
//! per-epoch losses are compared; the Gauss–Newton products of both are compared at
//! the same point. The `f64` products themselves are checked against explicit
//! matrices and `hvp!` in `tests/hessian_free.rs`.
//!
//! Tolerances: `f32` rounds to u = 2⁻²⁴ ≈ 6e-8. The products go through a few layers
//! of small sums (or five recurrent steps), so their error is a few u relative to
//! their largest entry: measured 2.0e-7 (xor, sparsity) and 7e-8 (structural
//! damping), bound 1e-6. The training runs see that rounding in every product, CG
//! coefficient and step: the first epochs' losses agree within 1–2 u, and the
//! deviation grows where the loss falls fastest (the steps are longest and CG's
//! relative-progress stop and the backtracking see the rounding). Measured maxima
//! over the epochs (`cargo test --test hf_f32 -- --nocapture` prints every epoch):
//! xor 7.1e-6 (trained weights 7.2e-7), sparsity 1.5e-5 (weights 1.8e-5), recurrent
//! 2.3e-6 (weights 1.4e-6); each bound is 3–5 times its measured value.

use hype::optim::hessian_free::{
    fit, gauss_newton_product, sparse_init_as, Data, FitParams, FnNetwork, HessianFree, Network,
    OutputLoss, SparseL2, SquaredError, StructuralDamping, TangentReverse, WithSparsity,
};
use hype::prelude::*;
use hype::{Float, Tangent};

/// `max_i |a_i - b_i| <= tol · max_i |b_i|`, returning the measured ratio.
#[track_caller]
fn close_rel(what: &str, a: &Array1<f64>, b: &Array1<f64>, tol: f64) -> f64 {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(scale > 0.0, "{what}: all zero");
    let worst = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(
            0.0f64,
            |m, d| if d.is_nan() { f64::INFINITY } else { m.max(d) },
        );
    println!(
        "{what}: max deviation {:.2e} of the largest entry",
        worst / scale
    );
    assert!(
        worst <= tol * scale,
        "{what}: deviation {worst:e}, scale {scale:e}, tolerance {tol:e}"
    );
    worst / scale
}

/// Per-epoch training losses of the two runs: `|ℓ32 - ℓ64| <= tol · ℓ64` each epoch.
#[track_caller]
fn losses_track(what: &str, l32: &[f64], l64: &[f64], tol: f64) {
    assert_eq!(l32.len(), l64.len(), "{what}: epochs");
    let mut worst = 0.0f64;
    for (e, (a, b)) in l32.iter().zip(l64).enumerate() {
        let r = (a - b).abs() / b;
        println!("{what} epoch {e:>3}: f32 {a:.9e}  f64 {b:.9e}  relative {r:.2e}");
        assert!(
            r <= tol,
            "{what} epoch {e}: f32 {a} vs f64 {b} ({r:e} > {tol:e})"
        );
        worst = worst.max(r);
    }
    println!("{what}: max relative deviation {worst:.2e}");
}

/// One hidden layer `x w1 + b1 → σ → w2 + b2 → σ`.
#[derive(Clone, Debug, Tangent)]
struct Two<F: Float> {
    w1: Array2<F>,
    b1: Array1<F>,
    w2: Array2<F>,
    b2: Array1<F>,
}

/// Logistic layers, returning the hidden layer too (for the activity penalty).
#[differentiable]
fn logistic_layers<F: Float>(p: &Two<F>, #[constant] x: &Array2<F>) -> (Array2<F>, Array2<F>) {
    let h = ops::sigmoid(&(x.dot(&p.w1) + &p.b1));
    let y = ops::sigmoid(&(h.dot(&p.w2) + &p.b2));
    (h, y)
}

/// The output layer of [`logistic_layers`].
#[differentiable]
fn logistic_out<F: Float>(p: &Two<F>, #[constant] x: &Array2<F>) -> Array2<F> {
    let h = ops::sigmoid(&(x.dot(&p.w1) + &p.b1));
    ops::sigmoid(&(h.dot(&p.w2) + &p.b2))
}

/// Martens' sparse initialization (f64) rounded to `f32`, and widened back exactly:
/// the same weights in both types.
fn same_weights<P64: Tangent, P32: Tangent>(p: P64, zero32: P32) -> (P64, P32) {
    let p32 = zero32.rebuild(&p.flatten()).unwrap();
    let p64 = p.rebuild(&p32.flatten()).unwrap();
    (p64, p32)
}

fn two<F: Float>(i: usize, h: usize, o: usize, seed: u64) -> Two<F> {
    Two {
        w1: sparse_init_as(i, h, 1.0, seed),
        b1: Array1::zeros(h),
        w2: sparse_init_as(h, o, 1.0, seed + 1),
        b2: Array1::zeros(o),
    }
}

fn two_pair(i: usize, h: usize, o: usize, seed: u64) -> (Two<f64>, Two<f32>) {
    same_weights(two(i, h, o, seed), two(i, h, o, seed))
}

macro_rules! xor_net {
    ($f:ty) => {
        FnNetwork::new(
            "xor",
            Some(2),
            |p: &Two<$f>, x: &Array2<$f>| logistic_out(p, x),
            |p: &Two<$f>, x: &Array2<$f>, dp: &Two<$f>| jvp!(logistic_out)(p, x, dp),
            |p: &Two<$f>, x: &Array2<$f>, u: &Array2<$f>| jacobian_t_v!(logistic_out)(p, x, u),
        )
    };
}

macro_rules! layers_net {
    ($f:ty) => {
        FnNetwork::new(
            "xor layers",
            Some(2),
            |p: &Two<$f>, x: &Array2<$f>| logistic_layers(p, x),
            |p: &Two<$f>, x: &Array2<$f>, dp: &Two<$f>| jvp!(logistic_layers)(p, x, dp),
            |p: &Two<$f>, x: &Array2<$f>, u: &(Array2<$f>, Array2<$f>)| {
                jacobian_t_v!(logistic_layers)(p, x, u)
            },
        )
    };
}

fn xor_data<F: Float>() -> (Array2<F>, Array2<F>) {
    let x = array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let t = array![[0.0], [1.0], [1.0], [0.0]];
    (x.mapv(F::of_f64), t.mapv(F::of_f64))
}

/// `fit` with HF (`cg_iter` CG iterations) for `epochs` full-batch epochs: the
/// per-epoch training losses and the trained weights (flat, widened).
fn train<F, N, L>(
    net: &N,
    loss: &L,
    mut p: N::Params,
    (x, t): (&Array2<F>, &Array2<F>),
    cg_iter: usize,
    epochs: usize,
) -> (Vec<f64>, Array1<f64>)
where
    F: Float,
    N: Network<F>,
    L: OutputLoss<N::Output, F>,
{
    let run = fit(
        net,
        loss,
        &mut HessianFree::new().cg_iter(cg_iter),
        &mut p,
        Data { x, t, test: None },
        &FitParams::epochs(epochs).target(0.0),
        None,
    )
    .unwrap();
    (
        run.epochs.iter().map(|e| e.train_loss).collect(),
        p.flatten(),
    )
}

#[test]
fn xor_trains_in_f32_as_in_f64() {
    // The seed's xor test (2-5-1 logistic, 2 CG iterations), 30 epochs.
    let (p64, p32) = two_pair(2, 5, 1, 0);
    let (x64, t64) = xor_data::<f64>();
    let (x32, t32) = xor_data::<f32>();
    let (l64, w64) = train(&xor_net!(f64), &SquaredError, p64, (&x64, &t64), 2, 30);
    let (l32, w32) = train(&xor_net!(f32), &SquaredError, p32, (&x32, &t32), 2, 30);
    assert!(l64[29] < 1e-4 && l32[29] < 1e-4, "{} {}", l64[29], l32[29]);
    losses_track("xor", &l32, &l64, 3e-5);
    close_rel("xor trained weights", &w32, &w64, 3e-6);
}

fn sparsity_loss() -> WithSparsity<SquaredError> {
    WithSparsity {
        output: SquaredError,
        sparsity: SparseL2 {
            weight: 0.01,
            target: 0.0,
        },
    }
}

#[test]
fn sparsity_penalty_trains_in_f32_as_in_f64() {
    // The seed's sparsity test (2-8-1 logistic, SparseL2(0.01) on the hidden layer,
    // CG 50), 20 epochs.
    let (p64, p32) = two_pair(2, 8, 1, 0);
    let (x64, t64) = xor_data::<f64>();
    let (x32, t32) = xor_data::<f32>();
    let loss = sparsity_loss();
    let (l64, w64) = train(&layers_net!(f64), &loss, p64, (&x64, &t64), 50, 20);
    let (l32, w32) = train(&layers_net!(f32), &loss, p32, (&x32, &t32), 50, 20);
    assert!(l64[19] < 0.3 * l64[0], "{} -> {}", l64[0], l64[19]);
    losses_track("sparsity", &l32, &l64, 6e-5);
    close_rel("sparsity trained weights", &w32, &w64, 6e-5);
}

/// A recurrent network `[1, H, 1]`: logistic hidden layer recurrent over the steps,
/// logistic output of the last state.
#[derive(Clone, Debug, Tangent)]
struct Seq<F: Float> {
    w_in: Array2<F>,
    b_in: Array1<F>,
    w_rec: Array2<F>,
    b_rec: Array1<F>,
    w_out: Array2<F>,
    b_out: Array1<F>,
}

/// The states of every step (for structural damping) and the output at the last.
/// Order 2 for its tangent map's reverse pass (`TangentReverse`).
#[differentiable(order = 2)]
fn seq_layers<F: Float>(
    p: &Seq<F>,
    #[constant] x: &Array2<F>,
    #[constant] steps: usize,
) -> (Vec<Array2<F>>, Array2<F>) {
    let n = x.nrows();
    let hw = p.w_rec.nrows();
    let mut h = Array2::zeros((n, hw));
    let mut hs: Vec<Array2<F>> = Vec::new();
    for t in 0..steps {
        let xt = x.slice(ndarray::s![.., t..t + 1]);
        h = ops::sigmoid(&(xt.dot(&p.w_in) + &p.b_in + h.dot(&p.w_rec) + &p.b_rec));
        hs.push(h.clone());
    }
    let y = ops::sigmoid(&(h.dot(&p.w_out) + &p.b_out));
    (hs, y)
}

fn seq<F: Float>(hidden: usize, seed: u64) -> Seq<F> {
    Seq {
        w_in: sparse_init_as(1, hidden, 1.0, seed),
        b_in: Array1::zeros(hidden),
        w_rec: sparse_init_as(hidden, hidden, 1.0, seed + 1),
        b_rec: Array1::zeros(hidden),
        w_out: sparse_init_as(hidden, 1, 1.0, seed + 2),
        b_out: Array1::zeros(1),
    }
}

const STEPS: usize = 5;

macro_rules! seq_net {
    ($f:ty) => {
        FnNetwork::new(
            "recurrent [1, 5, 1]",
            Some(STEPS),
            |p: &Seq<$f>, x: &Array2<$f>| seq_layers(p, x, STEPS),
            |p: &Seq<$f>, x: &Array2<$f>, dp: &Seq<$f>| jvp!(seq_layers)(p, x, STEPS, dp),
            |p: &Seq<$f>, x: &Array2<$f>, u: &(Vec<Array2<$f>>, Array2<$f>)| {
                jacobian_t_v!(seq_layers)(p, x, STEPS, u)
            },
        )
    };
}

type SeqOut<F> = (Vec<Array2<F>>, Array2<F>);

/// [`seq_net`] with `Jᵀ·h(J·v)` from the reverse pass of the tangent map (the weights'
/// direction `v` the only active argument of `p, x, steps, v, dx, dsteps`).
macro_rules! seq_net_dir {
    ($f:ty) => {
        TangentReverse::new(
            seq_net!($f),
            |p: &Seq<$f>, x: &Array2<$f>, v: &Seq<$f>, h: &dyn Fn(&SeqOut<$f>) -> SeqOut<$f>| {
                let dx = Array2::zeros(x.dim());
                let ((y, jv), back) = seq_layers::__dir__rev(
                    p,
                    x,
                    STEPS,
                    v,
                    &dx,
                    &(),
                    [false, false, false, true, false, false],
                );
                back(&(y.zero_like(), h(&jv))).3
            },
        )
    };
}

/// The integrator's sequences (constant inputs at levels 0.1 … 0.9), the target the
/// level itself at the last step.
fn seq_data<F: Float>(n: usize) -> (Array2<F>, Array2<F>) {
    let level = |b: usize| 0.1 + 0.8 * b as f64 / (n - 1) as f64;
    let x = Array2::from_shape_fn((n, STEPS), |(b, _)| F::of_f64(level(b)));
    let t = Array2::from_shape_fn((n, 1), |(b, _)| F::of_f64(level(b)));
    (x, t)
}

#[test]
fn recurrent_with_structural_damping_trains_in_f32_as_in_f64() {
    // [1, 5, 1], 5 sequences of 5 steps, SquaredError + StructuralDamping(0.1), CG 100.
    let (p64, p32) = same_weights(seq::<f64>(5, 0), seq::<f32>(5, 0));
    let (x64, t64) = seq_data::<f64>(5);
    let (x32, t32) = seq_data::<f32>(5);
    let loss = StructuralDamping::new(SquaredError, 0.1);
    let (l64, w64) = train(&seq_net!(f64), &loss, p64, (&x64, &t64), 100, 15);
    let (l32, w32) = train(&seq_net!(f32), &loss, p32, (&x32, &t32), 100, 15);
    assert!(l64[14] < 0.1 * l64[0], "{} -> {}", l64[0], l64[14]);
    losses_track("recurrent", &l32, &l64, 1e-5);
    close_rel("recurrent trained weights", &w32, &w64, 6e-6);
}

/// A direction with entries of size about 1 (f32 numbers).
fn direction<P64: Tangent, P32: Tangent>(p64: &P64, p32: &P32) -> (P64, P32) {
    let n = p64.flat_len();
    let d = Array1::from_shape_fn(n, |i| f64::from(((i as f64) * 0.37 + 0.2).cos() as f32));
    (p64.rebuild(&d).unwrap(), p32.rebuild(&d).unwrap())
}

#[test]
fn gauss_newton_products_in_f32_against_f64() {
    // At weights away from the initialization (biases nonzero), so that no layer
    // is trivially saturated or zero.
    let (mut p64, mut p32) = two_pair(2, 8, 1, 3);
    p64.b1.fill(0.25);
    p32.b1.fill(0.25);
    p64.b2.fill(-0.5);
    p32.b2.fill(-0.5);
    let (v64, v32) = direction(&p64, &p32);
    let (x64, t64) = xor_data::<f64>();
    let (x32, t32) = xor_data::<f32>();
    let gv64 = gauss_newton_product(&xor_net!(f64), &SquaredError, &p64, &x64, &t64, &v64);
    let gv32 = gauss_newton_product(&xor_net!(f32), &SquaredError, &p32, &x32, &t32, &v32);
    close_rel("G v, xor", &gv32.flatten(), &gv64.flatten(), 1e-6);

    let loss = sparsity_loss();
    let gv64 = gauss_newton_product(&layers_net!(f64), &loss, &p64, &x64, &t64, &v64);
    let gv32 = gauss_newton_product(&layers_net!(f32), &loss, &p32, &x32, &t32, &v32);
    close_rel("G v, sparsity", &gv32.flatten(), &gv64.flatten(), 1e-6);

    // Structural damping at λ = 2.5 on the recurrent network's states.
    let (mut q64, mut q32) = same_weights(seq::<f64>(5, 7), seq::<f32>(5, 7));
    q64.b_rec.fill(0.1);
    q32.b_rec.fill(0.1);
    let (u64_, u32_) = direction(&q64, &q32);
    let (x64, t64) = seq_data::<f64>(4);
    let (x32, t32) = seq_data::<f32>(4);
    let loss = StructuralDamping::new(SquaredError, 0.3);
    OutputLoss::<(Vec<Array2<f64>>, Array2<f64>)>::set_damping(&loss, 2.5);
    let gv64 = gauss_newton_product(&seq_net!(f64), &loss, &q64, &x64, &t64, &u64_);
    let gv32 = gauss_newton_product(&seq_net!(f32), &loss, &q32, &x32, &t32, &u32_);
    close_rel(
        "G v, structural damping",
        &gv32.flatten(),
        &gv64.flatten(),
        1e-6,
    );
    // The same product by the tangent map's reverse pass: the same numbers in f64
    // (measured identical), within f32 rounding of them in f32 (measured 7e-8).
    let dir64 = gauss_newton_product(&seq_net_dir!(f64), &loss, &q64, &x64, &t64, &u64_);
    let dir32 = gauss_newton_product(&seq_net_dir!(f32), &loss, &q32, &x32, &t32, &u32_);
    close_rel(
        "G v, tangent reverse f64",
        &dir64.flatten(),
        &gv64.flatten(),
        1e-13,
    );
    close_rel(
        "G v, tangent reverse f32",
        &dir32.flatten(),
        &gv64.flatten(),
        1e-6,
    );
    // The structural term is not negligible: without it the product differs.
    let plain = StructuralDamping::new(SquaredError, 0.3);
    let gp64 = gauss_newton_product(&seq_net!(f64), &plain, &q64, &x64, &t64, &u64_);
    let diff = (&gv64.flatten() - &gp64.flatten()).mapv(f64::abs).sum();
    assert!(diff > 1e-2 * gv64.flatten().mapv(f64::abs).sum(), "{diff}");
}
