//! The demos of the `hessianfree` Python package, with `hype::optim::hessian_free`:
//! every network is an ordinary `#[differentiable]` function (the recurrent ones loops
//! over time), and the Gauss–Newton products come from its generated `jvp!` (J·v) and
//! `jacobian_t_v!` (Jᵀ·u), or from the reverse pass of its generated tangent map
//! (`TangentReverse`), and from the generated Hessian–vector product of the loss.
//!
//! Run: `cargo run --release --example hessianfree -- DEMO` for DEMO in `xor`
//! (`xor --sgd` for gradient descent), `crossentropy`, `connections`, `softlif`,
//! `sparsity`, `integrator`, `mnist`, `adding`, `plant`, `profile`. Each prints its
//! progress and ends with one line `DEMO: loss <value>` (`mnist: error <value>`, the
//! held-out classification error; `adding: error <value>`, the held-out mean absolute
//! error). Plots of the training statistics (loss, damping, CG iterations) go to
//! `target/hessianfree/DEMO.png`. `mnist` takes `--epochs`, `--minibatch`,
//! `--curvature`, `--cg`, `--decay`, `--damping`, `--average`, `--no-smooth` and
//! `--validate` to override its settings; `adding` takes `--steps`, `--sequences`,
//! `--epochs`, `--minibatch`, `--curvature`, `--cg`, `--damping` and `--structural`;
//! `profile --adding` times a gradient and a Gauss–Newton product of the adding network.

use hype::data::mnist;
use hype::nn::{classification_error, Init, Loss};
use hype::optim::hessian_free::{
    fit, sparse_init, CrossEntropy, Data, FitParams, FitResult, FnNetwork, HessianFree, Network,
    Optimizer, OutputLoss, Sgd, SparseL2, SquaredError, StructuralDamping, TangentReverse,
    WithSparsity,
};
use hype::prelude::*;
use hype::report::{plot_in_target, Curve, PlotOptions};

/// The xor inputs of the seed's demos.
pub fn xor_inputs() -> Array2<f64> {
    array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
}

/// One hidden layer: `x w1 + b1 → f → w2 + b2 → g`.
#[derive(Clone, Debug, Tangent)]
pub struct TwoLayer {
    /// Input → hidden weights.
    pub w1: Array2<f64>,
    /// Hidden biases.
    pub b1: Array1<f64>,
    /// Hidden → output weights.
    pub w2: Array2<f64>,
    /// Output biases.
    pub b2: Array1<f64>,
}

impl TwoLayer {
    /// The seed's sparse initialization (coefficient 1, zero biases).
    pub fn sparse(i: usize, h: usize, o: usize, seed: u64) -> Self {
        TwoLayer {
            w1: sparse_init(i, h, 1.0, seed),
            b1: Array1::zeros(h),
            w2: sparse_init(h, o, 1.0, seed + 1),
            b2: Array1::zeros(o),
        }
    }
}

/// Logistic hidden and output layers (the seed's default `FFNet`).
#[differentiable(order = 2)]
pub fn logistic_net(p: &TwoLayer, #[constant] x: &Array2<f64>) -> Array2<f64> {
    let h = ops::sigmoid(&(x.dot(&p.w1) + &p.b1));
    ops::sigmoid(&(h.dot(&p.w2) + &p.b2))
}

/// Logistic layers, returning the hidden layer too (for an activity penalty).
#[differentiable]
pub fn logistic_net_layers(
    p: &TwoLayer,
    #[constant] x: &Array2<f64>,
) -> (Array2<f64>, Array2<f64>) {
    let h = ops::sigmoid(&(x.dot(&p.w1) + &p.b1));
    let y = ops::sigmoid(&(h.dot(&p.w2) + &p.b2));
    (h, y)
}

/// Tanh hidden layer, softmax output.
#[differentiable]
pub fn tanh_softmax_net(p: &TwoLayer, #[constant] x: &Array2<f64>) -> Array2<f64> {
    let h = ops::tanh(&(x.dot(&p.w1) + &p.b1));
    ops::softmax(&(h.dot(&p.w2) + &p.b2))
}

/// The seed's `SoftLIF` rate: `amp / (τ_ref + τ_rc ln(1 + 1/j))`, `j = σ softplus(x/σ)`,
/// with σ = 1, τ_rc = 0.02, τ_ref = 0.002 and amplitude 0.01.
#[differentiable]
pub fn soft_lif(z: &Array2<f64>) -> Array2<f64> {
    let j = ops::softplus(z);
    // ln(1 + 1/j) = ln(j + 1) - ln(j).
    let l = (&j + 1.0).ln() - j.ln();
    (l * 0.02 + 0.002).powi(-1) * 0.01
}

/// SoftLIF hidden and output layers.
#[differentiable]
pub fn softlif_net(p: &TwoLayer, #[constant] x: &Array2<f64>) -> Array2<f64> {
    let h = soft_lif(&(x.dot(&p.w1) + &p.b1));
    soft_lif(&(h.dot(&p.w2) + &p.b2))
}

/// Layers 0 → 1, 0 → 2, 1 → 2, 1 → 3, 2 → 3 (the seed's `conns`), each connection
/// with its own weights and bias.
#[derive(Clone, Debug, Tangent)]
pub struct Skip {
    /// 0 → 1.
    pub w01: Array2<f64>,
    /// Its bias.
    pub b01: Array1<f64>,
    /// 0 → 2.
    pub w02: Array2<f64>,
    /// Its bias.
    pub b02: Array1<f64>,
    /// 1 → 2.
    pub w12: Array2<f64>,
    /// Its bias.
    pub b12: Array1<f64>,
    /// 1 → 3.
    pub w13: Array2<f64>,
    /// Its bias.
    pub b13: Array1<f64>,
    /// 2 → 3.
    pub w23: Array2<f64>,
    /// Its bias.
    pub b23: Array1<f64>,
}

impl Skip {
    /// Sizes `[2, 5, 5, 1]`, sparse initialization; without the 1 → 2 connection
    /// when `link12` is false (its weights are zero and stay so: the network reads
    /// them through a factor 0).
    pub fn sparse(link12: bool, seed: u64) -> Self {
        Skip {
            w01: sparse_init(2, 5, 1.0, seed),
            b01: Array1::zeros(5),
            w02: sparse_init(2, 5, 1.0, seed + 1),
            b02: Array1::zeros(5),
            w12: if link12 {
                sparse_init(5, 5, 1.0, seed + 2)
            } else {
                Array2::zeros((5, 5))
            },
            b12: Array1::zeros(5),
            w13: sparse_init(5, 1, 1.0, seed + 3),
            b13: Array1::zeros(1),
            w23: sparse_init(5, 1, 1.0, seed + 4),
            b23: Array1::zeros(1),
        }
    }
}

/// Tanh layers with skip connections; `link12` (0 or 1) switches 1 → 2.
#[differentiable]
pub fn skip_net(p: &Skip, #[constant] x: &Array2<f64>, #[constant] link12: f64) -> Array2<f64> {
    let h1 = ops::tanh(&(x.dot(&p.w01) + &p.b01));
    let from1 = (h1.dot(&p.w12) + &p.b12) * link12;
    let h2 = ops::tanh(&(x.dot(&p.w02) + &p.b02 + from1));
    ops::tanh(&(h1.dot(&p.w13) + &p.b13 + h2.dot(&p.w23) + &p.b23))
}

/// A recurrent network `[I, H, O]` (the seed's `RNNet` with the hidden layer
/// recurrent): logistic hidden and output layers at every step.
#[derive(Clone, Debug, Tangent)]
pub struct SeqNet {
    /// Input → hidden weights.
    pub w_in: Array2<f64>,
    /// Their bias.
    pub b_in: Array1<f64>,
    /// Hidden → hidden weights (the recurrence).
    pub w_rec: Array2<f64>,
    /// Their bias.
    pub b_rec: Array1<f64>,
    /// Hidden → output weights.
    pub w_out: Array2<f64>,
    /// Their bias.
    pub b_out: Array1<f64>,
}

impl SeqNet {
    /// Sparse initialization (coefficient 1, zero biases), as the seed's `RNNet`.
    pub fn sparse(i: usize, h: usize, o: usize, seed: u64) -> Self {
        SeqNet {
            w_in: sparse_init(i, h, 1.0, seed),
            b_in: Array1::zeros(h),
            w_rec: sparse_init(h, h, 1.0, seed + 1),
            b_rec: Array1::zeros(h),
            w_out: sparse_init(h, o, 1.0, seed + 2),
            b_out: Array1::zeros(o),
        }
    }
}

/// A batch of sequences, one per row: row `b` holds the `steps` inputs of sequence
/// `b` one after the other (`[B, steps · I]`); the output holds the `steps` outputs
/// the same way (`[B, steps · O]`). A `#[differentiable]` loop over time: the hidden
/// state starts at zero; backpropagation through time is the transform's reverse
/// mode over the loop.
#[differentiable]
pub fn seq_net(p: &SeqNet, #[constant] x: &Array2<f64>, #[constant] steps: usize) -> Array2<f64> {
    let n = x.nrows();
    let iw = x.ncols() / steps;
    let ow = p.w_out.ncols();
    let hw = p.w_rec.nrows();
    let mut h = Array2::zeros((n, hw));
    let mut out = Array2::zeros((n, steps * ow));
    for t in 0..steps {
        let xt = x.slice(ndarray::s![.., t * iw..(t + 1) * iw]);
        h = ops::sigmoid(&(xt.dot(&p.w_in) + &p.b_in + h.dot(&p.w_rec) + &p.b_rec));
        let y = ops::sigmoid(&(h.dot(&p.w_out) + &p.b_out));
        for b in 0..n {
            for k in 0..ow {
                out[[b, t * ow + k]] = y[[b, k]];
            }
        }
    }
    out
}

/// The seed's `integrator` demo (and test): `n` constant input sequences of
/// `steps` steps with levels 0.1 … 0.9, targets the ramps `level · linspace(0, 1)`;
/// a `[1, hidden, 1]` recurrent network, CG 100, 30 epochs.
pub fn integrator(n: usize, steps: usize, hidden: usize, print: bool) -> DemoResult {
    let (x, t) = integrator_data(n, steps);
    let net = FnNetwork::new(
        "integrator",
        Some(steps),
        move |p: &SeqNet, x: &Array2<f64>| seq_net(p, x, steps),
        move |p: &SeqNet, x: &Array2<f64>, dp: &SeqNet| jvp!(seq_net)(p, x, steps, dp),
        move |p: &SeqNet, x: &Array2<f64>, u: &Array2<f64>| jacobian_t_v!(seq_net)(p, x, steps, u),
    );
    let p = SeqNet::sparse(1, hidden, 1, 0);
    let params = FitParams::epochs(30).print_period(period(print, 1));
    let mut hf = HessianFree::new().cg_iter(100);
    run_demo(&net, &SquaredError, &mut hf, p, (&x, &t), &params)
}

/// The integrator's data: `n` constant input sequences of `steps` steps with levels
/// 0.1 … 0.9, targets the ramps `level · linspace(0, 1)`, one sequence per row.
fn integrator_data(n: usize, steps: usize) -> (Array2<f64>, Array2<f64>) {
    let level = |b: usize| 0.1 + 0.8 * b as f64 / (n - 1).max(1) as f64;
    let x = Array2::from_shape_fn((n, steps), |(b, _)| level(b));
    let t = Array2::from_shape_fn((n, steps), |(b, k)| {
        level(b) * k as f64 / (steps - 1).max(1) as f64
    });
    (x, t)
}

/// [`seq_net`] with a continuous-time hidden layer (the seed's `Continuous`, a
/// leaky integrator): the state `s_t = (1 - c) s_{t-1} + c z_t` filters the
/// layer's input `z_t` (`c = dt/τ` per unit, `keep = 1 - c`), and the activity is
/// `σ(s_t)`. Returns the hidden activities `[B, steps · H]` too, for structural
/// damping. With `c = 1` it is `seq_net`.
#[differentiable]
pub fn continuous_seq_net(
    p: &SeqNet,
    #[constant] x: &Array2<f64>,
    #[constant] steps: usize,
    #[constant] c: &Array1<f64>,
    #[constant] keep: &Array1<f64>,
) -> (Array2<f64>, Array2<f64>) {
    let n = x.nrows();
    let iw = x.ncols() / steps;
    let ow = p.w_out.ncols();
    let hw = p.w_rec.nrows();
    let mut h = Array2::zeros((n, hw));
    let mut state = Array2::zeros((n, hw));
    let mut hidden = Array2::zeros((n, steps * hw));
    let mut out = Array2::zeros((n, steps * ow));
    for t in 0..steps {
        let xt = x.slice(ndarray::s![.., t * iw..(t + 1) * iw]);
        let z = xt.dot(&p.w_in) + &p.b_in + h.dot(&p.w_rec) + &p.b_rec;
        state = &state * keep + &z * c;
        h = ops::sigmoid(&state);
        let y = ops::sigmoid(&(h.dot(&p.w_out) + &p.b_out));
        for b in 0..n {
            for k in 0..hw {
                hidden[[b, t * hw + k]] = h[[b, k]];
            }
            for k in 0..ow {
                out[[b, t * ow + k]] = y[[b, k]];
            }
        }
    }
    (hidden, out)
}

/// The seed's recurrent tests with structural damping (`structural`: its weight)
/// and a continuous-time hidden layer (`tau`: one time constant per hidden unit,
/// `dt` 0.9; `None`: the plain layer): [`integrator`]'s data and settings.
pub fn integrator_with(
    n: usize,
    steps: usize,
    hidden: usize,
    structural: f64,
    tau: Option<Vec<f64>>,
) -> DemoResult {
    let (x, t) = integrator_data(n, steps);
    let c = match tau {
        Some(tau) => Array1::from_iter(tau.iter().map(|tau| 0.9 / tau)),
        None => Array1::ones(hidden),
    };
    let keep = c.mapv(|c| 1.0 - c);
    type Out = (Array2<f64>, Array2<f64>);
    let (c1, k1, c2, k2, c3, k3) = (c.clone(), keep.clone(), c.clone(), keep.clone(), c, keep);
    let net = FnNetwork::new(
        "continuous integrator",
        Some(steps),
        move |p: &SeqNet, x: &Array2<f64>| continuous_seq_net(p, x, steps, &c1, &k1),
        move |p: &SeqNet, x: &Array2<f64>, dp: &SeqNet| {
            jvp!(continuous_seq_net)(p, x, steps, &c2, &k2, dp)
        },
        move |p: &SeqNet, x: &Array2<f64>, u: &Out| {
            jacobian_t_v!(continuous_seq_net)(p, x, steps, &c3, &k3, u)
        },
    );
    let loss = StructuralDamping::new(SquaredError, structural);
    let mut p = SeqNet::sparse(1, hidden, 1, 0);
    let data = Data {
        x: &x,
        t: &t,
        test: None,
    };
    let run = fit(
        &net,
        &loss,
        &mut HessianFree::new().cg_iter(100),
        &mut p,
        data,
        &FitParams::epochs(30),
        None,
    )
    .expect("valid data");
    let (_, output) = net.forward(&p, &x);
    finish(SquaredError.value_of(&output, &t), run, output, f64::NAN)
}

/// What a demo ends with.
pub struct DemoResult {
    /// The final loss (or error).
    pub value: f64,
    /// The run's statistics.
    pub run: FitResult,
    /// The network's output on the inputs, after training.
    pub output: Array2<f64>,
    /// The mean hidden activity (sparsity demo; NaN otherwise).
    pub hidden_mean: f64,
}

macro_rules! net {
    ($name:expr, $width:expr, $p:ty, $f:ident) => {
        FnNetwork::new(
            $name,
            Some($width),
            |p: &$p, x: &Array2<f64>| $f(p, x),
            |p: &$p, x: &Array2<f64>, dp: &$p| jvp!($f)(p, x, dp),
            |p: &$p, x: &Array2<f64>, u: &Array2<f64>| jacobian_t_v!($f)(p, x, u),
        )
    };
}

/// The seed's `xor` demo: 2-5-1 logistic network, squared error; HF with 2 CG
/// iterations for 40 epochs, or (`sgd`) gradient descent at rate 1 for 10,000 epochs.
pub fn xor(sgd: bool, print: bool) -> DemoResult {
    let (x, t) = (xor_inputs(), array![[0.0], [1.0], [1.0], [0.0]]);
    let net = net!("xor 2-5-1", 2, TwoLayer, logistic_net);
    let p = TwoLayer::sparse(2, 5, 1, 0);
    if sgd {
        let params = FitParams::epochs(10_000).print_period(period(print, 1000));
        run_demo(
            &net,
            &SquaredError,
            &mut Sgd { rate: 1.0 },
            p,
            (&x, &t),
            &params,
        )
    } else {
        let params = FitParams::epochs(40).print_period(period(print, 1));
        let mut hf = HessianFree::new().cg_iter(2);
        run_demo(&net, &SquaredError, &mut hf, p, (&x, &t), &params)
    }
}

/// The seed's `crossentropy` demo (and its tests): 2-5-`k` network, tanh hidden
/// layer, softmax output, cross-entropy; `targets` one-hot rows.
pub fn crossentropy(
    targets: Array2<f64>,
    cg_iter: usize,
    epochs: usize,
    print: bool,
) -> DemoResult {
    let x = xor_inputs();
    let k = targets.ncols();
    let net = net!("crossentropy 2-5-k", 2, TwoLayer, tanh_softmax_net);
    let p = TwoLayer::sparse(2, 5, k, 0);
    let params = FitParams::epochs(epochs).print_period(period(print, 1));
    let mut hf = HessianFree::new().cg_iter(cg_iter);
    run_demo(&net, &CrossEntropy, &mut hf, p, (&x, &targets), &params)
}

/// The seed's `crossentropy` demo's test with a classification-error measure: stops
/// only after all epochs (target −1).
pub fn crossentropy_classification(print: bool) -> (DemoResult, f64) {
    let x = xor_inputs();
    let t = array![[0.0, 1.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]];
    let net = net!("crossentropy 2-5-2", 2, TwoLayer, tanh_softmax_net);
    let mut p = TwoLayer::sparse(2, 5, 2, 0);
    let data = Data {
        x: &x,
        t: &t,
        test: None,
    };
    let params = FitParams::epochs(100)
        .target(-1.0)
        .print_period(period(print, 10));
    let measure = |out: &Array2<f64>, t: &Array2<f64>| classification_error(out.view(), t.view());
    let run = fit(
        &net,
        &CrossEntropy,
        &mut HessianFree::new().cg_iter(50),
        &mut p,
        data,
        &params,
        Some(&measure),
    )
    .expect("valid data");
    let output = net.forward(&p, &x);
    let err = classification_error(output.view(), t.view());
    (
        finish(CrossEntropy.value_of(&output, &t), run, output, f64::NAN),
        err,
    )
}

/// The seed's `connections` demo: 2-5-5-1 tanh network with skip connections
/// (`link12`: the demo's 1 → 2 connection; its test has none), xor targets.
pub fn connections(link12: bool, cg_iter: usize, epochs: usize, print: bool) -> DemoResult {
    let (x, t) = (xor_inputs(), array![[0.0], [1.0], [1.0], [0.0]]);
    let link = if link12 { 1.0 } else { 0.0 };
    let net = FnNetwork::new(
        "connections 2-5-5-1",
        Some(2),
        move |p: &Skip, x: &Array2<f64>| skip_net(p, x, link),
        move |p: &Skip, x: &Array2<f64>, dp: &Skip| jvp!(skip_net)(p, x, link, dp),
        move |p: &Skip, x: &Array2<f64>, u: &Array2<f64>| jacobian_t_v!(skip_net)(p, x, link, u),
    );
    let p = Skip::sparse(link12, 0);
    let params = FitParams::epochs(epochs).print_period(period(print, 1));
    let mut hf = HessianFree::new().cg_iter(cg_iter);
    run_demo(&net, &SquaredError, &mut hf, p, (&x, &t), &params)
}

/// The seed's SoftLIF test: 2-10-1 SoftLIF network, targets 0.1 / 1, CG 50, 50 epochs.
pub fn softlif(print: bool) -> DemoResult {
    let (x, t) = (xor_inputs(), array![[0.1], [1.0], [1.0], [0.1]]);
    let net = net!("softlif 2-10-1", 2, TwoLayer, softlif_net);
    let p = TwoLayer::sparse(2, 10, 1, 0);
    let params = FitParams::epochs(50).print_period(period(print, 1));
    let mut hf = HessianFree::new().cg_iter(50);
    run_demo(&net, &SquaredError, &mut hf, p, (&x, &t), &params)
}

/// The seed's sparsity test: 2-8-1 logistic network, squared error plus `SparseL2(0.01)`
/// on the hidden layer's activity, CG 50, 100 epochs.
pub fn sparsity(print: bool) -> DemoResult {
    let (x, t) = (xor_inputs(), array![[0.0], [1.0], [1.0], [0.0]]);
    type Out = (Array2<f64>, Array2<f64>);
    let net = FnNetwork::new(
        "sparsity 2-8-1",
        Some(2),
        |p: &TwoLayer, x: &Array2<f64>| logistic_net_layers(p, x),
        |p: &TwoLayer, x: &Array2<f64>, dp: &TwoLayer| jvp!(logistic_net_layers)(p, x, dp),
        |p: &TwoLayer, x: &Array2<f64>, u: &Out| jacobian_t_v!(logistic_net_layers)(p, x, u),
    );
    let loss = WithSparsity {
        output: SquaredError,
        sparsity: SparseL2 {
            weight: 0.01,
            target: 0.0,
        },
    };
    let mut p = TwoLayer::sparse(2, 8, 1, 0);
    let data = Data {
        x: &x,
        t: &t,
        test: None,
    };
    let params = FitParams::epochs(100).print_period(period(print, 10));
    let run = fit(
        &net,
        &loss,
        &mut HessianFree::new().cg_iter(50),
        &mut p,
        data,
        &params,
        None,
    )
    .expect("valid data");
    let (h, y) = net.forward(&p, &x);
    let value = hype::optim::hessian_free::OutputLoss::value(&loss, &(h.clone(), y.clone()), &t);
    let hidden_mean = h.mean().expect("hidden units");
    finish(value, run, y, hidden_mean)
}

/// Shorthand for a loss's value on an array output.
trait ValueOf {
    fn value_of(&self, out: &Array2<f64>, t: &Array2<f64>) -> f64;
}

impl<L: hype::optim::hessian_free::OutputLoss<Array2<f64>>> ValueOf for L {
    fn value_of(&self, out: &Array2<f64>, t: &Array2<f64>) -> f64 {
        self.value(out, t)
    }
}

fn finish(value: f64, run: FitResult, output: Array2<f64>, hidden_mean: f64) -> DemoResult {
    DemoResult {
        value,
        run,
        output,
        hidden_mean,
    }
}

/// Fits `p` on all of (`x`, `t`), no test set, and ends the demo with the loss of the
/// trained network's output: what the small demos share.
fn run_demo<N, L, O>(
    net: &N,
    loss: &L,
    optimizer: &mut O,
    mut p: N::Params,
    (x, t): (&Array2<f64>, &Array2<f64>),
    params: &FitParams,
) -> DemoResult
where
    N: Network<Output = Array2<f64>>,
    L: OutputLoss<Array2<f64>>,
    O: Optimizer<N, L>,
{
    let data = Data { x, t, test: None };
    let run = fit(net, loss, optimizer, &mut p, data, params, None).expect("valid data");
    let output = net.forward(&p, x);
    finish(loss.value(&output, t), run, output, f64::NAN)
}

/// The print period of a demo's progress: `every` epochs, or never.
fn period(print: bool, every: usize) -> usize {
    if print {
        every
    } else {
        usize::MAX
    }
}

hype::model! {
    /// The network of `examples/mnist_mlp.rs`.
    pub struct Mlp = Linear<784, 300> -> Relu -> Linear<300, 100> -> Relu -> Linear<100, 10>;
}

/// The logits of the MNIST network (order 2: its tangent map's reverse pass gives `G·v`).
#[differentiable(order = 2)]
pub fn mnist_logits(m: &Mlp, #[constant] x: &Array2<f64>) -> Array2<f64> {
    m.forward(x)
}

/// MNIST settings.
#[derive(Clone, Debug)]
pub struct MnistSettings {
    /// Training digits (before the four one-pixel shifts).
    pub train: usize,
    /// Epochs (passes over the shifted set).
    pub epochs: usize,
    /// Examples per update.
    pub minibatch: usize,
    /// Examples of each minibatch used for the curvature products.
    pub curvature: usize,
    /// CG iterations per update.
    pub cg_iter: usize,
    /// Initial damping.
    pub init_damping: f64,
    /// L2 weight decay `c` (`½ c |θ|²`, as `mnist_mlp`'s `1e-4 Σ w²`).
    pub weight_decay: f64,
    /// Smoothed targets, as the seed's mnist demo: 0.91 for the digit, 0.01 for the others.
    pub smooth: bool,
    /// The weights returned are the mean of the weights after each of the last
    /// `average` epochs (Polyak averaging over epochs; 1: the last weights).
    pub average: usize,
    /// Hold out the last 1,000 training digits (unshifted) as the test set and train
    /// on the others: for choosing settings without the 2,000 test digits.
    pub validate: bool,
}

impl MnistSettings {
    /// The demo's settings (chosen with `validate` on: see the README).
    pub fn full() -> Self {
        MnistSettings {
            train: usize::MAX,
            epochs: 10,
            minibatch: 1000,
            curvature: 250,
            cg_iter: 40,
            init_damping: 1.0,
            weight_decay: 0.0,
            smooth: true,
            average: 4,
            validate: false,
        }
    }
}

/// HF on the bundled digits with the shifts of `examples/mnist_mlp.rs`
/// (784-300-100-10 ReLU, cross-entropy on the logits); returns the held-out error
/// (on the 2,000 test digits, or with `validate` on the last 1,000 training digits).
pub fn mnist_run(s: &MnistSettings, print: bool) -> DemoResult {
    let data = mnist::load().expect("the bundled MNIST files");
    let all_train = data.train().expect("training set");
    let (train_set, test) = if s.validate {
        let n = all_train.len();
        let cut = n.saturating_sub(1000);
        (
            all_train
                .select(&(0..cut).collect::<Vec<_>>())
                .expect("rows"),
            all_train
                .select(&(cut..n).collect::<Vec<_>>())
                .expect("rows"),
        )
    } else {
        (all_train, data.test().expect("test set"))
    };
    let n = train_set.len().min(s.train);
    let mut train_set = mnist_shifts(&train_set.select(&(0..n).collect::<Vec<_>>()).expect("rows"));
    if s.smooth {
        train_set.y.mapv_inplace(|t| 0.9 * t + 0.01);
    }
    // The Gauss–Newton products run the reverse pass of the generated tangent map.
    let net = TangentReverse::new(
        net!("mnist 784-300-100-10", 784, Mlp, mnist_logits),
        |p: &Mlp, x: &Array2<f64>, v: &Mlp, h: &dyn Fn(&Array2<f64>) -> Array2<f64>| {
            let dx = Array2::zeros(x.dim());
            let ((y, jv), back) =
                mnist_logits::__dir__rev(p, x, v, &dx, [false, false, true, false]);
            back(&(Array2::zeros(y.dim()), h(&jv))).2
        },
    );
    let mut p = Mlp::new(Init::He, 1);
    let d = Data {
        x: &train_set.x,
        t: &train_set.y,
        test: Some((&test.x, &test.y)),
    };
    let measure = |out: &Array2<f64>, t: &Array2<f64>| classification_error(out.view(), t.view());
    let mut hf = HessianFree::new()
        .cg_iter(s.cg_iter)
        .init_damping(s.init_damping)
        .weight_decay(s.weight_decay);
    let average = s.average.clamp(1, s.epochs.max(1));
    let mut sum: Option<Mlp> = None;
    let mut run = FitResult::default();
    // One epoch at a time (the optimizer keeps its damping and warm start), so that
    // the weights after each epoch can enter the average.
    for epoch in 0..s.epochs {
        let mut params = FitParams::epochs(1)
            .minibatch(s.minibatch)
            .curvature_batch(s.curvature)
            .seed(1 + epoch as u64);
        params.target = -1.0;
        params.stop_on_overfit = false;
        let r = fit(
            &net,
            &Loss::CrossEntropyOnLinear,
            &mut hf,
            &mut p,
            d,
            &params,
            Some(&measure),
        )
        .expect("valid data");
        for mut e in r.epochs {
            e.epoch = epoch;
            if print {
                println!(
                    "epoch {epoch:>3}: train loss {:.4e}  held-out error {:.4}  damping {:.3e}  CG {:>4} in {:>3} updates  {:.1} s",
                    e.train_loss,
                    e.test,
                    e.update.damping,
                    e.cg_iterations,
                    train_set.len().div_ceil(s.minibatch),
                    e.time_total.as_secs_f64()
                );
            }
            run.epochs.push(e);
        }
        if epoch + average >= s.epochs {
            match &mut sum {
                Some(acc) => acc.add_assign_tangent(&p),
                None => sum = Some(p.clone()),
            }
        }
    }
    if let Some(mut mean) = sum {
        mean.scale(1.0 / average as f64);
        p = mean;
    }
    let output = net.forward(&p, &test.x);
    let err = classification_error(output.view(), test.y.view());
    if print && average > 1 {
        println!("weights averaged over the last {average} epochs: held-out error {err:.4}");
    }
    finish(err, run, output, f64::NAN)
}

/// The training digits and their four one-pixel shifts (as `examples/mnist_mlp.rs`).
pub fn mnist_shifts(d: &hype::data::Dataset) -> hype::data::Dataset {
    let shifted = |images: &Array2<f64>, dx: isize, dy: isize| {
        let mut out = Array2::zeros(images.raw_dim());
        for (src, mut dst) in images.rows().into_iter().zip(out.rows_mut()) {
            for r in 0..28isize {
                for c in 0..28isize {
                    let (sr, sc) = (r - dy, c - dx);
                    if (0..28).contains(&sr) && (0..28).contains(&sc) {
                        dst[(r * 28 + c) as usize] = src[(sr * 28 + sc) as usize];
                    }
                }
            }
        }
        out
    };
    let mut xs = vec![d.x.clone()];
    for (dx, dy) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
        xs.push(shifted(&d.x, dx, dy));
    }
    let xv: Vec<_> = xs.iter().map(|a| a.view()).collect();
    let yv = vec![d.y.view(); 5];
    hype::data::Dataset::new(
        ndarray::concatenate(Axis(0), &xv).expect("same widths"),
        ndarray::concatenate(Axis(0), &yv).expect("same widths"),
    )
    .expect("as many targets as inputs")
}

/// The seed's `adding` network `[2, 32, 64, 1]`: a ReLU layer on each step's two
/// inputs, a recurrent continuous-time ReLU layer (`Continuous(ReLU, τ = 20)`, the
/// only recurrent one), and a linear output unit (the seed's is ReLU, whose derivative
/// it takes as 1 at 0; with ours, 0 there, an output unit pushed below 0 on every
/// sequence by an early step never recovers).
#[derive(Clone, Debug, Tangent)]
pub struct AddingNet {
    /// Input → layer 1.
    pub w_in: Array2<f64>,
    /// Its bias.
    pub b_in: Array1<f64>,
    /// Layer 1 → layer 2.
    pub w_h: Array2<f64>,
    /// Its bias.
    pub b_h: Array1<f64>,
    /// Layer 2 → layer 2, one step later.
    pub w_rec: Array2<f64>,
    /// The recurrent bias: layer 2's input at the first step (the seed's convention).
    pub b_rec: Array1<f64>,
    /// Layer 2 → output.
    pub w_out: Array2<f64>,
    /// Its bias.
    pub b_out: Array1<f64>,
}

impl AddingNet {
    /// The seed's initialization: sparse, coefficient 0.25 (feedforward) and 1
    /// (recurrent, then scaled to spectral radius 1), zero biases.
    pub fn sparse(seed: u64) -> Self {
        let mut w_rec = sparse_init(64, 64, 1.0, seed + 3);
        let radius = spectral_radius(&w_rec);
        w_rec /= radius;
        AddingNet {
            w_in: sparse_init(2, 32, 0.25, seed),
            b_in: Array1::zeros(32),
            w_h: sparse_init(32, 64, 0.25, seed + 1),
            b_h: Array1::zeros(64),
            w_rec,
            b_rec: Array1::zeros(64),
            w_out: sparse_init(64, 1, 0.25, seed + 2),
            b_out: Array1::zeros(1),
        }
    }
}

/// The spectral radius `lim ‖Aᵏ‖^(1/k)` (Gelfand), with `k = 2¹⁶` by repeated
/// squaring, rescaled at each squaring.
pub fn spectral_radius(a: &Array2<f64>) -> f64 {
    let mut m = a.clone();
    let mut log_scale = 0.0;
    let mut k = 1.0;
    for _ in 0..16 {
        let norm = m.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm == 0.0 {
            return 0.0;
        }
        m /= norm;
        log_scale += norm.ln() / k;
        m = m.dot(&m);
        k *= 2.0;
    }
    let norm = m.iter().map(|v| v * v).sum::<f64>().sqrt();
    (log_scale + norm.ln() / k).exp()
}

/// The `adding` network over sequences of `steps` steps, one sequence per row of `x`
/// (`[B, 2·steps]`: step `t`'s value and marker in columns `2t`, `2t + 1`); returns
/// the recurrent layer's activity at every step (`steps` arrays `[B, 64]`, pushed as
/// the loop runs: structural damping's hidden states) and the output at the last
/// step, the only one with a target. `keep = 1 - dt/τ`.
#[differentiable(order = 2)]
pub fn adding_net(
    p: &AddingNet,
    #[constant] x: &Array2<f64>,
    #[constant] steps: usize,
    #[constant] keep: f64,
) -> (Vec<Array2<f64>>, Array2<f64>) {
    let n = x.nrows();
    let hw = p.w_rec.nrows();
    let mut state = Array2::zeros((n, hw));
    let mut h = Array2::zeros((n, hw));
    let mut hs: Vec<Array2<f64>> = Vec::new();
    for t in 0..steps {
        let xt = x.slice(ndarray::s![.., 2 * t..2 * t + 2]);
        let h1 = ops::relu(&(xt.dot(&p.w_in) + &p.b_in));
        let first = if t == 0 { 1.0 } else { 0.0 };
        let z = h1.dot(&p.w_h) + &p.b_h + h.dot(&p.w_rec) + &p.b_rec * first;
        state = &state * keep + z * (1.0 - keep);
        h = ops::relu(&state);
        hs.push(h.clone());
    }
    let y = h.dot(&p.w_out) + &p.b_out;
    (hs, y)
}

/// The adding problem's data (the seed's): `n` sequences of `steps` steps, values
/// uniform in (0, 1), markers at one step in `[0, T/10)` and one in `[T/10, T/2)`;
/// the target is the sum of the two marked values. Rows `[B, 2·steps]` and `[B, 1]`.
pub fn adding_data(n: usize, steps: usize, seed: u64) -> (Array2<f64>, Array2<f64>) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut x = Array2::zeros((n, 2 * steps));
    let mut t = Array2::zeros((n, 1));
    let tenth = (steps / 10).max(1);
    let half = (steps / 2).max(tenth + 1);
    for b in 0..n {
        for k in 0..steps {
            x[(b, 2 * k)] = rng.gen_range(0.0..1.0);
        }
        let first = rng.gen_range(0..tenth);
        let second = rng.gen_range(tenth..half);
        x[(b, 2 * first + 1)] = 1.0;
        x[(b, 2 * second + 1)] = 1.0;
        t[(b, 0)] = x[(b, 2 * first)] + x[(b, 2 * second)];
    }
    (x, t)
}

/// Settings of the `adding` demo.
#[derive(Clone, Debug)]
pub struct AddingSettings {
    /// Sequence length `T`.
    pub steps: usize,
    /// Sequences (the last 10% are held out).
    pub sequences: usize,
    /// Epochs.
    pub epochs: usize,
    /// Sequences per update.
    pub minibatch: usize,
    /// Sequences of each minibatch for the curvature products (`None`: all).
    pub curvature: Option<usize>,
    /// CG iterations per update.
    pub cg_iter: usize,
    /// Initial damping.
    pub init_damping: f64,
    /// The structural damping weight `μ` on the recurrent layer's activities (0: none).
    pub structural: f64,
}

impl AddingSettings {
    /// The seed's: 10,000 sequences (9,000 for training), 5 epochs of minibatches of
    /// 1,024, CG 60, initial damping 20, structural damping 1e-4.
    pub fn seed(steps: usize) -> Self {
        AddingSettings {
            steps,
            sequences: 10_000,
            epochs: 5,
            minibatch: 1024,
            curvature: None,
            cg_iter: 60,
            init_damping: 20.0,
            structural: 1e-4,
        }
    }
}

/// The output of [`adding_net`]: every step's hidden state, and the last output.
pub type AddingOut = (Vec<Array2<f64>>, Array2<f64>);

/// [`adding_net`] over `steps` steps (τ = 20 steps) as a [`Network`] whose
/// Gauss–Newton passes are the reverse pass of its generated tangent map.
pub fn adding_network(steps: usize) -> impl Network<Params = AddingNet, Output = AddingOut> {
    let keep = 1.0 - 1.0 / 20.0;
    TangentReverse::new(
        FnNetwork::new(
            "adding [2, 32, 64, 1]",
            Some(2 * steps),
            move |p: &AddingNet, x: &Array2<f64>| adding_net(p, x, steps, keep),
            move |p: &AddingNet, x: &Array2<f64>, dp: &AddingNet| {
                jvp!(adding_net)(p, x, steps, keep, dp)
            },
            move |p: &AddingNet, x: &Array2<f64>, u: &AddingOut| {
                jacobian_t_v!(adding_net)(p, x, steps, keep, u)
            },
        ),
        move |p: &AddingNet,
              x: &Array2<f64>,
              v: &AddingNet,
              h: &dyn Fn(&AddingOut) -> AddingOut| {
            let dx = Array2::zeros(x.dim());
            let ((y, jv), back) = adding_net::__dir__rev(
                p,
                x,
                steps,
                keep,
                v,
                &dx,
                &(),
                &0.0,
                [false, false, false, false, true, false, false, false],
            );
            back(&(y.zero_like(), h(&jv))).4
        },
    )
}

/// HF on the adding problem; the demo's value is the mean absolute error on the
/// held-out sequences.
pub fn adding(s: &AddingSettings, print: bool) -> DemoResult {
    let (x, t) = adding_data(s.sequences, s.steps, 0);
    let cut = s.sequences - s.sequences / 10;
    let (train_x, test_x) = (
        x.slice(ndarray::s![..cut, ..]).to_owned(),
        x.slice(ndarray::s![cut.., ..]).to_owned(),
    );
    let (train_t, test_t) = (
        t.slice(ndarray::s![..cut, ..]).to_owned(),
        t.slice(ndarray::s![cut.., ..]).to_owned(),
    );
    let net = adding_network(s.steps);
    let mut p = AddingNet::sparse(0);
    let data = Data {
        x: &train_x,
        t: &train_t,
        test: Some((&test_x, &test_t)),
    };
    let mut params = FitParams::epochs(s.epochs).minibatch(s.minibatch).seed(0);
    params.curvature_batch = s.curvature;
    params.target = -1.0;
    params.stop_on_overfit = false;
    let params = if print {
        params.print_period(1)
    } else {
        params
    };
    let mae =
        |out: &AddingOut, t: &Array2<f64>| (&out.1 - t).mapv(f64::abs).mean().unwrap_or(f64::NAN);
    let run = fit(
        &net,
        &StructuralDamping::new(SquaredError, s.structural),
        &mut HessianFree::new()
            .cg_iter(s.cg_iter)
            .init_damping(s.init_damping),
        &mut p,
        data,
        &params,
        Some(&mae),
    )
    .expect("valid data");
    let output = net.forward(&p, &test_x);
    let err = mae(&output, &test_t);
    finish(err, run, output.1, f64::NAN)
}

/// The seed's `plant` network `[2, 16, 2]`: a recurrent tanh layer reads the plant's
/// state, and its output drives the plant.
#[derive(Clone, Debug, Tangent)]
pub struct PlantNet {
    /// Plant state → hidden.
    pub w_in: Array2<f64>,
    /// Its bias.
    pub b_in: Array1<f64>,
    /// Hidden → hidden, one step later.
    pub w_rec: Array2<f64>,
    /// The recurrent bias: the hidden layer's input at the first step.
    pub b_rec: Array1<f64>,
    /// Hidden → the plant's control input.
    pub w_out: Array2<f64>,
    /// Its bias.
    pub b_out: Array1<f64>,
}

impl PlantNet {
    /// The seed's initialization: sparse, coefficient 0.1, zero biases.
    pub fn sparse(seed: u64) -> Self {
        PlantNet {
            w_in: sparse_init(2, 16, 0.1, seed),
            b_in: Array1::zeros(16),
            w_rec: sparse_init(16, 16, 0.1, seed + 1),
            b_rec: Array1::zeros(16),
            w_out: sparse_init(16, 2, 0.1, seed + 2),
            b_out: Array1::zeros(2),
        }
    }
}

/// The network closed over the seed's plant for `steps` steps from the initial states
/// `s0` (`[B, 2]`: position, velocity): at each step the network reads the plant's
/// state (its input is generated online from its own previous outputs), and its
/// output `u` moves the plant, `s ← s A + u B(s)`, with `A = [[1, 0], [0.2, 1]]`
/// (velocity moves the position) and `B(s) = diag(0, tanh(position))` (the control
/// acts on the velocity, modulated by the position). Returns the final state.
///
/// The plant is part of the `#[differentiable]` loop, so the derivatives follow the
/// state through the plant into the next input too (the seed keeps each epoch's
/// inputs fixed and differentiates only the plant's own state).
#[differentiable(order = 2)]
pub fn plant_net(
    p: &PlantNet,
    #[constant] s0: &Array2<f64>,
    #[constant] steps: usize,
    #[constant] a: &Array2<f64>,
    #[constant] e_pos: &Array2<f64>,
    #[constant] e_vel: &Array2<f64>,
) -> Array2<f64> {
    let n = s0.nrows();
    let hw = p.w_rec.nrows();
    let mut state = s0.to_owned();
    let mut h = Array2::zeros((n, hw));
    for t in 0..steps {
        let first = if t == 0 { 1.0 } else { 0.0 };
        h = ops::tanh(&(state.dot(&p.w_in) + &p.b_in + h.dot(&p.w_rec) + &p.b_rec * first));
        let u = h.dot(&p.w_out) + &p.b_out;
        let position = state.dot(e_pos);
        let push = u.dot(e_vel) * ops::tanh(&position);
        state = state.dot(a) + push.dot(&e_vel.t());
    }
    state
}

/// [`plant_net`] over `steps` steps as a [`Network`] whose Gauss–Newton passes are the
/// reverse pass of its generated tangent map.
pub fn plant_network(steps: usize) -> impl Network<Params = PlantNet, Output = Array2<f64>> {
    let a = array![[1.0, 0.0], [0.2, 1.0]];
    let e_pos = array![[1.0], [0.0]];
    let e_vel = array![[0.0], [1.0]];
    let (a1, p1, v1) = (a.clone(), e_pos.clone(), e_vel.clone());
    let (a2, p2, v2) = (a.clone(), e_pos.clone(), e_vel.clone());
    let (a3, p3, v3) = (a.clone(), e_pos.clone(), e_vel.clone());
    TangentReverse::new(
        FnNetwork::new(
            "plant [2, 16, 2]",
            Some(2),
            move |p: &PlantNet, x: &Array2<f64>| plant_net(p, x, steps, &a1, &p1, &v1),
            move |p: &PlantNet, x: &Array2<f64>, dp: &PlantNet| {
                jvp!(plant_net)(p, x, steps, &a2, &p2, &v2, dp)
            },
            move |p: &PlantNet, x: &Array2<f64>, u: &Array2<f64>| {
                jacobian_t_v!(plant_net)(p, x, steps, &a3, &p3, &v3, u)
            },
        ),
        move |p: &PlantNet,
              x: &Array2<f64>,
              v: &PlantNet,
              h: &dyn Fn(&Array2<f64>) -> Array2<f64>| {
            let (dx, da, dp, dv) = (
                Array2::zeros(x.dim()),
                Array2::zeros((2, 2)),
                Array2::zeros((2, 1)),
                Array2::zeros((2, 1)),
            );
            let ((y, jv), back) = plant_net::__dir__rev(
                p,
                x,
                steps,
                &a,
                &e_pos,
                &e_vel,
                v,
                &dx,
                &(),
                &da,
                &dp,
                &dv,
                [
                    false, false, false, false, false, false, true, false, false, false, false,
                    false,
                ],
            );
            back(&(Array2::zeros(y.dim()), h(&jv))).6
        },
    )
}

/// The seed's `plant` demo: `n` (the seed's 32) random initial states (position and velocity uniform
/// in (-0.5, 0.5)), 15 steps, target position 1 and velocity 0 at the last step;
/// HF with CG 20 and initial damping 10, up to `epochs` epochs (the seed's 150).
pub fn plant(n: usize, epochs: usize, print: bool) -> DemoResult {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    let steps = 15;
    let s0 = Array2::from_shape_fn((n, 2), |_| rng.gen_range(-0.5..0.5));
    let t = Array2::from_shape_fn((n, 2), |(_, k)| if k == 0 { 1.0 } else { 0.0 });
    let net = plant_network(steps);
    let p = PlantNet::sparse(0);
    let params = FitParams::epochs(epochs).print_period(period(print, 10));
    let mut hf = HessianFree::new().cg_iter(20).init_damping(10.0);
    run_demo(&net, &SquaredError, &mut hf, p, (&s0, &t), &params)
}

/// This thread's CPU time in seconds (`/proc/thread-self/schedstat`; wall-clock time
/// where it cannot be read): on a shared machine, wall-clock time also counts the
/// other processes' turns.
fn thread_cpu_time() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or_else(
            || {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0.0, |d| d.as_secs_f64())
            },
            |ns| ns * 1e-9,
        )
}

/// `profile --adding`: the cost of a gradient and of a Gauss–Newton product on the
/// adding network (T = `steps`, structural damping on), at `batch` sequences: the
/// median CPU time of `reps` calls each, in seconds (forward, gradient, `G·v`).
pub fn adding_costs(steps: usize, batch: usize, reps: usize) -> (f64, f64, f64) {
    use hype::optim::hessian_free::gauss_newton::GaussNewton;
    let (x, t) = adding_data(batch, steps, 0);
    let net = adding_network(steps);
    let p = AddingNet::sparse(0);
    let loss = StructuralDamping::new(SquaredError, 1e-4);
    OutputLoss::<AddingOut>::set_damping(&loss, 1.0);
    let median = |f: &dyn Fn()| {
        f();
        let mut ts: Vec<f64> = (0..reps)
            .map(|_| {
                let t0 = thread_cpu_time();
                f();
                thread_cpu_time() - t0
            })
            .collect();
        ts.sort_by(f64::total_cmp);
        ts[ts.len() / 2]
    };
    let forward = median(&|| {
        std::hint::black_box(net.forward(&p, &x));
    });
    // What `fit` does for a gradient: the output, the loss's gradient, `Jᵀ·u`.
    let gradient = median(&|| {
        let out = net.forward(&p, &x);
        let (_, u) = loss.value_and_grad(&out, &t);
        std::hint::black_box(net.vjp(&p, &x, &u));
    });
    // One product of CG (the output is computed once per update, not per product).
    let g = GaussNewton::new(&net, &loss, &p, &x, &t);
    let v = p.clone();
    let product = median(&|| {
        std::hint::black_box(g.product(&v));
    });
    (forward, gradient, product)
}

fn plot(name: &str, run: &FitResult) {
    let pts = |f: &dyn Fn(&hype::optim::hessian_free::EpochStats) -> f64| -> Vec<(f64, f64)> {
        run.epochs
            .iter()
            .map(|e| (e.epoch as f64, f(e)))
            .filter(|(_, v)| v.is_finite() && *v > 0.0)
            .collect()
    };
    let curves = [
        Curve::new("training loss", pts(&|e| e.train_loss)),
        Curve::new("test measure", pts(&|e| e.test)),
        Curve::new("damping", pts(&|e| e.update.damping)),
        Curve::new("CG iterations", pts(&|e| e.cg_iterations as f64)),
    ];
    let options = PlotOptions::default()
        .title(format!("hessianfree {name}"))
        .labels("epoch", "")
        .log_y(true);
    let file = format!("{name}.png");
    plot_in_target(
        env!("CARGO_MANIFEST_DIR"),
        "hessianfree",
        &file,
        &curves,
        &options,
    );
}

fn main() {
    hype::tune::for_small_arrays();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let demo = args.first().map(String::as_str).unwrap_or("xor");
    let start = std::time::Instant::now();
    let (r, line) = match demo {
        "xor" => {
            let sgd = args.iter().any(|a| a == "--sgd");
            let r = xor(sgd, true);
            let v = r.value;
            (r, format!("xor: loss {v:e}"))
        }
        "crossentropy" => {
            let t = array![[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]];
            let r = crossentropy(t, 2, 40, true);
            let v = r.value;
            (r, format!("crossentropy: loss {v:e}"))
        }
        "connections" => {
            let r = connections(true, 2, 40, true);
            let v = r.value;
            (r, format!("connections: loss {v:e}"))
        }
        "softlif" => {
            let r = softlif(true);
            let v = r.value;
            (r, format!("softlif: loss {v:e}"))
        }
        "sparsity" => {
            let r = sparsity(true);
            println!("mean hidden activity {:.4}", r.hidden_mean);
            let v = r.value;
            (r, format!("sparsity: loss {v:e}"))
        }
        "integrator" => {
            let r = integrator(15, 10, 10, true);
            let v = r.value;
            (r, format!("integrator: loss {v:e}"))
        }
        "mnist" => {
            // Overrides for experiments; the README's figure uses the defaults.
            let flag = |name: &str| {
                args.iter()
                    .position(|a| a == name)
                    .and_then(|i| args.get(i + 1))
                    .and_then(|v| v.parse::<f64>().ok())
            };
            let d = MnistSettings::full();
            let s = MnistSettings {
                epochs: flag("--epochs").map_or(d.epochs, |v| v as usize),
                minibatch: flag("--minibatch").map_or(d.minibatch, |v| v as usize),
                curvature: flag("--curvature").map_or(d.curvature, |v| v as usize),
                cg_iter: flag("--cg").map_or(d.cg_iter, |v| v as usize),
                weight_decay: flag("--decay").unwrap_or(d.weight_decay),
                init_damping: flag("--damping").unwrap_or(d.init_damping),
                average: flag("--average").map_or(d.average, |v| v as usize),
                smooth: d.smooth && !args.iter().any(|a| a == "--no-smooth"),
                validate: args.iter().any(|a| a == "--validate"),
                ..d
            };
            let r = mnist_run(&s, true);
            let v = r.value;
            (r, format!("mnist: error {v}"))
        }
        "plant" => {
            let r = plant(32, 150, true);
            let v = r.value;
            (r, format!("plant: loss {v:e}"))
        }
        "adding" => {
            let flag = |name: &str| {
                args.iter()
                    .position(|a| a == name)
                    .and_then(|i| args.get(i + 1))
                    .and_then(|v| v.parse::<f64>().ok())
            };
            let d = AddingSettings::seed(flag("--steps").map_or(50, |v| v as usize));
            let s = AddingSettings {
                epochs: flag("--epochs").map_or(d.epochs, |v| v as usize),
                sequences: flag("--sequences").map_or(d.sequences, |v| v as usize),
                curvature: flag("--curvature").map(|v| v as usize),
                cg_iter: flag("--cg").map_or(d.cg_iter, |v| v as usize),
                minibatch: flag("--minibatch").map_or(d.minibatch, |v| v as usize),
                init_damping: flag("--damping").unwrap_or(d.init_damping),
                structural: flag("--structural").unwrap_or(d.structural),
                ..d
            };
            let r = adding(&s, true);
            let v = r.value;
            (r, format!("adding: error {v}"))
        }
        "profile" if args.iter().any(|a| a == "--adding") => {
            for (steps, batch) in [(50, 128), (50, 1024), (100, 128), (200, 128)] {
                let (f, g, gv) = adding_costs(steps, batch, 5);
                println!(
                    "adding T = {steps:>3}, batch {batch:>4}: forward {:>8.1} ms  gradient {:>8.1} ms  G·v {:>8.1} ms  (G·v / gradient {:.2})",
                    1e3 * f,
                    1e3 * g,
                    1e3 * gv,
                    gv / g
                );
            }
            std::process::exit(0);
        }
        "profile" => {
            let s = MnistSettings {
                epochs: 1,
                ..MnistSettings::full()
            };
            let r = mnist_run(&s, false);
            let (mut curv, mut grad, mut total, mut cg) = (0.0, 0.0, 0.0, 0);
            for e in &r.run.epochs {
                curv += e.time_curvature.as_secs_f64();
                grad += e.time_gradient.as_secs_f64();
                total += e.time_total.as_secs_f64();
                cg += e.cg_iterations;
            }
            println!("one epoch of the mnist demo: {total:.2} s, {cg} Gauss-Newton products");
            println!(
                "  curvature products  {curv:>7.2} s  {:>5.1}%",
                100.0 * curv / total
            );
            println!(
                "  gradient            {grad:>7.2} s  {:>5.1}%",
                100.0 * grad / total
            );
            let rest = total - curv - grad;
            println!(
                "  the rest            {rest:>7.2} s  {:>5.1}%",
                100.0 * rest / total
            );
            println!("  per product {:.1} ms", 1e3 * curv / cg.max(1) as f64);
            let v = r.run.epochs.last().map_or(f64::NAN, |e| e.train_loss);
            (r, format!("profile: loss {v:e}"))
        }
        other => {
            eprintln!("unknown demo {other}: xor, crossentropy, connections, softlif, sparsity, integrator, mnist, adding, plant, profile");
            std::process::exit(2);
        }
    };
    if r.output.nrows() <= 8 {
        println!("outputs:\n{:.4}", r.output);
    }
    println!(
        "{} epochs, {:.2} s",
        r.run.epochs.len(),
        start.elapsed().as_secs_f64()
    );
    plot(demo, &r.run);
    println!("{line}");
}
