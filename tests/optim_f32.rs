//! `nn::loss` and the update rules of `optim::update` in f32: each is written once over
//! `F: Float`. At `f64` the gradient is checked against central differences, forward
//! mode against reverse mode and `hvp!` against differences of `grad!`; at `f32` the
//! value, the gradient and `hvp!` agree with the `f64` instance within f32 precision.

mod common;
use common::*;
use hype::nn::loss::{
    cross_entropy_on_linear, cross_entropy_on_softmax, l1_loss, l2_loss, quadratic_loss, Loss,
};
use hype::optim::update::{
    adam_update, gradient_descent_update, heavy_ball_update, nesterov_update, sgd_momentum_update,
};
use hype::prelude::*;
use hype::Float;

/// `a` (f32, as f64) agrees with `b` (f64) within 1e-5 of `b`'s largest entry (the
/// scale of f32 rounding in sums of a few terms; exact where `b` is all zeros).
#[track_caller]
fn close_f32(what: &str, a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= 1e-5 * scale,
            "{what}[{i}]: f32 {x} vs f64 {y} (scale {scale})"
        );
    }
}

fn wide<F: Float, D: ndarray::Dimension>(a: &Array<F, D>) -> Vec<f64> {
    a.iter().map(|v| v.into_f64()).collect()
}

fn narrow<D: ndarray::Dimension>(a: &Array<f64, D>) -> Array<f32, D> {
    a.mapv(|v| v as f32)
}

// ---------------------------------------------------------------------------------
// Losses.

/// Predictions, targets and a direction, `4 × 3`. For `on_softmax` the predictions
/// are probabilities (rows summing to 1) and the targets soft labels.
fn loss_data(on_softmax: bool) -> (Array2<f64>, Array2<f64>, Array2<f64>) {
    let raw = Array2::from_shape_fn((4, 3), |(i, j)| ((i * 3 + j) as f64 * 0.71 + 0.3).sin());
    let pred = if on_softmax {
        let e = raw.mapv(f64::exp);
        let s = e.sum_axis(Axis(1)).insert_axis(Axis(1));
        &e / &s
    } else {
        raw * 1.5
    };
    let target = Array2::from_shape_fn((4, 3), |(i, j)| match (i + j) % 3 {
        0 => 0.7,
        1 => 0.2,
        _ => 0.1,
    });
    let dir = Array2::from_shape_fn((4, 3), |(i, j)| ((i * 3 + j) as f64 * 1.3).cos());
    (pred, target, dir)
}

/// A loss `$f` and its `Loss` variant: at f64, `grad!` against central differences,
/// `jvp!` against `grad!`, `hvp!` against differences of `grad!`; at f32, value,
/// gradient, `jvp!` and `hvp!` against f64; `Loss`'s methods equal the function's
/// derivatives at both types.
macro_rules! loss_test {
    ($test:ident, $f:ident, $variant:expr, $on_softmax:expr) => {
        #[test]
        fn $test() {
            let (p, t, v) = loss_data($on_softmax);
            let (l, g): (f64, Array2<f64>) = value_and_grad!($f)(&p, &t);
            let shape = p.raw_dim();
            let at = |z: &Array1<f64>| z.clone().into_shape_with_order(shape.clone()).unwrap();
            let flat = |a: &Array2<f64>| Array1::from(a.iter().copied().collect::<Vec<_>>());
            let fd = fd_grad(|z| $f(&at(z), &t), &flat(&p));
            assert_all_close(&flat(&g), &fd, 1e-7);
            let (l_fwd, d) = jvp!($f)(&p, &t, &v);
            assert_eq!(l_fwd, l);
            assert_close(d, (&g * &v).sum(), 1e-12);
            let hv: Array2<f64> = hvp!($f)(&p, &t, &v);
            let h = 1e-5;
            let gp: Array2<f64> = grad!($f)(&(&p + &(&v * h)), &t);
            let gm: Array2<f64> = grad!($f)(&(&p - &(&v * h)), &t);
            assert_all_close(&flat(&hv), &flat(&((gp - gm) / (2.0 * h))), 1e-7);

            let loss: Loss = $variant;
            assert_eq!(loss.value(&p, &t), l);
            assert_eq!(loss.value_and_grad(&p, &t), (l, g.clone()));
            assert_eq!(loss.jvp(&p, &t, &v), (l, d));
            assert_eq!(loss.value_as(&p, &t), l);

            let (p32, t32, v32) = (narrow(&p), narrow(&t), narrow(&v));
            let (l32, g32): (f32, Array2<f32>) = value_and_grad!($f)(&p32, &t32);
            close_f32("value", &[l32 as f64], &[l]);
            close_f32("gradient", &wide(&g32), &wide(&g));
            let (_, d32) = jvp!($f)(&p32, &t32, &v32);
            close_f32("jvp", &[d32 as f64], &[d]);
            let hv32: Array2<f32> = hvp!($f)(&p32, &t32, &v32);
            close_f32("hvp", &wide(&hv32), &wide(&hv));
            assert_eq!(loss.value_as(&p32, &t32), l32);
            assert_eq!(loss.value_and_grad_as(&p32, &t32), (l32, g32));
            assert_eq!(loss.jvp_as(&p32, &t32, &v32), (l32, d32));
        }
    };
}

loss_test!(l1_loss_f64_and_f32, l1_loss, Loss::L1, false);
loss_test!(l2_loss_f64_and_f32, l2_loss, Loss::L2, false);
loss_test!(
    quadratic_loss_f64_and_f32,
    quadratic_loss,
    Loss::Quadratic,
    false
);
loss_test!(
    cross_entropy_on_linear_f64_and_f32,
    cross_entropy_on_linear,
    Loss::CrossEntropyOnLinear,
    false
);
loss_test!(
    cross_entropy_on_softmax_f64_and_f32,
    cross_entropy_on_softmax,
    Loss::CrossEntropyOnSoftmax,
    true
);

#[test]
fn quadratic_loss_f32_closed_form() {
    // Rows (1, 2) - (0, 0) and (0, -1) - (0, 1): (1 + 4 + 0 + 4) / 2 rows.
    let p = array![[1.0f32, 2.0], [0.0, -1.0]];
    let t = array![[0.0f32, 0.0], [0.0, 1.0]];
    assert_eq!(quadratic_loss(&p, &t), 4.5f32);
    let g: Array2<f32> = grad!(quadratic_loss)(&p, &t);
    assert_eq!(g, array![[1.0f32, 2.0], [0.0, -2.0]]);
    assert_eq!(
        hype::nn::classification_error(p.view(), t.view()),
        hype::nn::classification_error(p.mapv(f64::from).view(), t.mapv(f64::from).view())
    );
}

// ---------------------------------------------------------------------------------
// Update rules.

/// A smooth scalar of two outputs of a rule, so that `grad!` and `hvp!` see every
/// output and the second-order terms (products with the rate and μ, Adam's quotient).
#[differentiable(order = 2)]
fn probe<F: Float>(a: &Array1<F>, b: &Array1<F>) -> F {
    (a * a).sum() * F::of_f64(0.5) + ops::tanh(b).sum()
}

#[differentiable(order = 2)]
fn gd_probe<F: Float>(w: &Array1<F>, p: &Array1<F>, rate: &Array1<F>) -> F {
    let w2 = gradient_descent_update(w, p, rate);
    probe(&w2, &w2)
}

#[differentiable(order = 2)]
fn heavy_ball_probe<F: Float>(
    w: &Array1<F>,
    v: &Array1<F>,
    p: &Array1<F>,
    rate: &Array1<F>,
    mu: F,
) -> F {
    let (w2, v2) = heavy_ball_update(w, v, p, rate, mu);
    probe(&w2, &v2)
}

#[differentiable(order = 2)]
fn nesterov_probe<F: Float>(
    w: &Array1<F>,
    v: &Array1<F>,
    p: &Array1<F>,
    rate: &Array1<F>,
    mu: F,
) -> F {
    let (w2, v2) = nesterov_update(w, v, p, rate, mu);
    probe(&w2, &v2)
}

#[differentiable(order = 2)]
fn sgd_momentum_probe<F: Float>(
    w: &Array1<F>,
    v: &Array1<F>,
    g: &Array1<F>,
    rate: &Array1<F>,
    mu: F,
) -> F {
    let (w2, v2) = sgd_momentum_update(w, v, g, rate, mu);
    probe(&w2, &v2)
}

/// Adam at iteration `t = 3` with the usual constants.
#[differentiable(order = 2)]
fn adam_probe<F: Float>(
    w: &Array1<F>,
    m: &Array1<F>,
    u: &Array1<F>,
    p: &Array1<F>,
    g: &Array1<F>,
    rate: &Array1<F>,
) -> F {
    let (w2, m2, u2) = adam_update(
        w,
        m,
        u,
        p,
        g,
        rate,
        F::of_f64(0.9),
        F::of_f64(0.999),
        F::of_f64(1e-8),
        3,
    );
    probe(&w2, &m2) + ops::tanh(&u2).sum()
}

/// Length-5 arguments of the rules, seeded by `k`.
fn arg(k: usize) -> Array1<f64> {
    Array1::from_shape_fn(5, |i| ((i * 7 + k * 3) as f64 * 0.61 + 0.2).sin())
}

/// A rule's probe seen through its arguments as a list of f64 arrays (a scalar `μ` as
/// an array of length 1): value, gradient, directional derivative, Hessian-vector
/// product, and the gradient and Hessian-vector product of the f32 instance.
struct Probe {
    name: &'static str,
    args: Vec<Array1<f64>>,
    value: Box<Value>,
    grad: Box<Gradient<f64>>,
    jvp: Box<Jvp>,
    hvp: Box<Hvp<f64>>,
    grad32: Box<ValueAndGrad32>,
    hvp32: Box<Hvp<f32>>,
}

/// The value of a probe.
type Value = dyn Fn(&[Array1<f64>]) -> f64;
/// The directional derivative of a probe at (arguments, direction).
type Jvp = dyn Fn(&[Array1<f64>], &[Array1<f64>]) -> f64;
/// The value and gradient of the f32 probe.
type ValueAndGrad32 = dyn Fn(&[Array1<f32>]) -> (f32, Vec<Array1<f32>>);
/// The gradient of a probe, one array per argument.
type Gradient<F> = dyn Fn(&[Array1<F>]) -> Vec<Array1<F>>;
/// The Hessian-vector product of a probe at (arguments, direction).
type Hvp<F> = dyn Fn(&[Array1<F>], &[Array1<F>]) -> Vec<Array1<F>>;

fn concat(xs: &[Array1<f64>]) -> Array1<f64> {
    xs.iter().flat_map(|x| x.iter().copied()).collect()
}

fn split(z: &Array1<f64>, like: &[Array1<f64>]) -> Vec<Array1<f64>> {
    let mut at = 0;
    like.iter()
        .map(|x| {
            let part = z.slice(s![at..at + x.len()]).to_owned();
            at += x.len();
            part
        })
        .collect()
}

impl Probe {
    fn check(&self) {
        let x = &self.args;
        let name = self.name;
        // f64: reverse against central differences, forward against reverse.
        let g = concat(&(self.grad)(x));
        let fd = fd_grad(|z| (self.value)(&split(z, x)), &concat(x));
        assert_all_close(&g, &fd, 1e-7);
        // Each argument's part of the direction is as large as the argument, so that
        // the differences below step Adam's small second moment `u` in proportion.
        let dir: Vec<Array1<f64>> = x
            .iter()
            .enumerate()
            .map(|(k, a)| {
                let size = a.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                a.mapv(|v| size * (3.0 * v + k as f64).cos())
            })
            .collect();
        assert_close((self.jvp)(x, &dir), g.dot(&concat(&dir)), 1e-12);
        // f64: hvp! against central differences of grad!.
        let hv = concat(&(self.hvp)(x, &dir));
        let h = 1e-5;
        let (z, d) = (concat(x), concat(&dir));
        let gp = concat(&(self.grad)(&split(&(&z + &(&d * h)), x)));
        let gm = concat(&(self.grad)(&split(&(&z - &(&d * h)), x)));
        assert_all_close(&hv, &((gp - gm) / (2.0 * h)), 1e-7);
        // f32 against f64.
        let x32: Vec<Array1<f32>> = x.iter().map(narrow).collect();
        let dir32: Vec<Array1<f32>> = dir.iter().map(narrow).collect();
        let (l32, g32) = (self.grad32)(&x32);
        close_f32(&format!("{name} value"), &[l32 as f64], &[(self.value)(x)]);
        let wide_all = |v: Vec<Array1<f32>>| v.iter().flat_map(wide).collect::<Vec<f64>>();
        close_f32(
            &format!("{name} gradient"),
            &wide_all(g32),
            g.as_slice().unwrap(),
        );
        close_f32(
            &format!("{name} hvp"),
            &wide_all((self.hvp32)(&x32, &dir32)),
            hv.as_slice().unwrap(),
        );
    }
}

#[test]
fn gradient_descent_update_f64_and_f32() {
    let (w, p) = (arg(0), arg(1));
    let rate = array![0.3];
    let w2 = gradient_descent_update(&w, &p, &rate);
    assert_eq!(w2, &w + &(0.3 * &p));
    let w2_32 = gradient_descent_update(&narrow(&w), &narrow(&p), &narrow(&rate));
    close_f32("w'", &wide(&w2_32), w2.as_slice().unwrap());
    Probe {
        name: "gradient descent",
        args: vec![w, p, rate],
        value: Box::new(|a| gd_probe(&a[0], &a[1], &a[2])),
        grad: Box::new(|a| {
            let (x, y, z) = grad!(gd_probe)(&a[0], &a[1], &a[2]);
            vec![x, y, z]
        }),
        jvp: Box::new(|a, d| jvp!(gd_probe)(&a[0], &a[1], &a[2], &d[0], &d[1], &d[2]).1),
        hvp: Box::new(|a, d| {
            let (x, y, z) = hvp!(gd_probe)(&a[0], &a[1], &a[2], &d[0], &d[1], &d[2]);
            vec![x, y, z]
        }),
        grad32: Box::new(|a| {
            let (l, (x, y, z)) = value_and_grad!(gd_probe)(&a[0], &a[1], &a[2]);
            (l, vec![x, y, z])
        }),
        hvp32: Box::new(|a, d| {
            let (x, y, z) = hvp!(gd_probe)(&a[0], &a[1], &a[2], &d[0], &d[1], &d[2]);
            vec![x, y, z]
        }),
    }
    .check();
}

/// The probe of a momentum rule `(w, v, p, rate, μ)`, `μ` passed as `[μ]`.
macro_rules! momentum_probe {
    ($name:expr, $probe:ident, $args:expr) => {
        Probe {
            name: $name,
            args: $args,
            value: Box::new(|a| $probe(&a[0], &a[1], &a[2], &a[3], a[4][0])),
            grad: Box::new(|a| {
                let (w, v, p, r, mu) = grad!($probe)(&a[0], &a[1], &a[2], &a[3], a[4][0]);
                vec![w, v, p, r, array![mu]]
            }),
            jvp: Box::new(|a, d| {
                jvp!($probe)(
                    &a[0], &a[1], &a[2], &a[3], a[4][0], &d[0], &d[1], &d[2], &d[3], d[4][0],
                )
                .1
            }),
            hvp: Box::new(|a, d| {
                let (w, v, p, r, mu) = hvp!($probe)(
                    &a[0], &a[1], &a[2], &a[3], a[4][0], &d[0], &d[1], &d[2], &d[3], &d[4][0],
                );
                vec![w, v, p, r, array![mu]]
            }),
            grad32: Box::new(|a| {
                let (l, (w, v, p, r, mu)) =
                    value_and_grad!($probe)(&a[0], &a[1], &a[2], &a[3], a[4][0]);
                (l, vec![w, v, p, r, array![mu]])
            }),
            hvp32: Box::new(|a, d| {
                let (w, v, p, r, mu) = hvp!($probe)(
                    &a[0], &a[1], &a[2], &a[3], a[4][0], &d[0], &d[1], &d[2], &d[3], &d[4][0],
                );
                vec![w, v, p, r, array![mu]]
            }),
        }
    };
}

/// `(w, v, p, per-coordinate rate, μ)`.
fn momentum_args() -> Vec<Array1<f64>> {
    let rate = arg(3).mapv(|v| 0.2 + 0.1 * v);
    vec![arg(0), arg(1), arg(2), rate, array![0.8]]
}

#[test]
fn heavy_ball_update_f64_and_f32() {
    let a = momentum_args();
    let (w2, v2) = heavy_ball_update(&a[0], &a[1], &a[2], &a[3], 0.8);
    let v_closed = 0.8 * &a[1] + &(&a[3] * &a[2]);
    assert_all_close(&v2, &v_closed, 1e-15);
    assert_all_close(&w2, &(&a[0] + &v_closed), 1e-15);
    let (w2_32, v2_32) = heavy_ball_update(
        &narrow(&a[0]),
        &narrow(&a[1]),
        &narrow(&a[2]),
        &narrow(&a[3]),
        0.8f32,
    );
    close_f32("w'", &wide(&w2_32), w2.as_slice().unwrap());
    close_f32("v'", &wide(&v2_32), v2.as_slice().unwrap());
    momentum_probe!("heavy ball", heavy_ball_probe, a).check();
}

#[test]
fn nesterov_update_f64_and_f32() {
    let a = momentum_args();
    let (w2, v2) = nesterov_update(&a[0], &a[1], &a[2], &a[3], 0.8);
    let s = &a[3] * &a[2];
    // w' = w + μ² v + (1 + μ) s.
    assert_all_close(&w2, &(&a[0] + &(0.64 * &a[1]) + &(1.8 * &s)), 1e-15);
    assert_all_close(&v2, &(0.8 * &a[1] + &s), 1e-15);
    let (w2_32, v2_32) = nesterov_update(
        &narrow(&a[0]),
        &narrow(&a[1]),
        &narrow(&a[2]),
        &narrow(&a[3]),
        0.8f32,
    );
    close_f32("w'", &wide(&w2_32), w2.as_slice().unwrap());
    close_f32("v'", &wide(&v2_32), v2.as_slice().unwrap());
    momentum_probe!("nesterov", nesterov_probe, a).check();
}

#[test]
fn sgd_momentum_update_f64_and_f32() {
    let a = momentum_args();
    let (w2, v2) = sgd_momentum_update(&a[0], &a[1], &a[2], &a[3], 0.8);
    let v_closed = 0.8 * &a[1] - &(0.2 * &a[2]);
    assert_all_close(&v2, &v_closed, 1e-15);
    assert_all_close(&w2, &(&a[0] + &(&a[3] * &v_closed)), 1e-15);
    let (w2_32, v2_32) = sgd_momentum_update(
        &narrow(&a[0]),
        &narrow(&a[1]),
        &narrow(&a[2]),
        &narrow(&a[3]),
        0.8f32,
    );
    close_f32("w'", &wide(&w2_32), w2.as_slice().unwrap());
    close_f32("v'", &wide(&v2_32), v2.as_slice().unwrap());
    momentum_probe!("sgd momentum", sgd_momentum_probe, a).check();
}

#[test]
fn adam_update_f64_and_f32() {
    // (w, m, u ≥ 0, p, g, rate of length 1).
    let a = vec![
        arg(0),
        arg(1) * 0.1,
        arg(2).mapv(|v| 0.01 + 0.01 * v * v),
        arg(3),
        arg(4),
        array![0.05],
    ];
    let (w2, m2, u2) = adam_update(
        &a[0], &a[1], &a[2], &a[3], &a[4], &a[5], 0.9, 0.999, 1e-8, 3,
    );
    // Closed form at t = 3 (bias corrections 1 - β^4).
    for i in 0..5 {
        let m = 0.9 * a[1][i] + 0.1 * a[3][i];
        let u = 0.999 * a[2][i] + 0.001 * a[4][i] * a[4][i];
        let step =
            0.05 * (m / (1.0 - 0.9f64.powi(4))) / ((u / (1.0 - 0.999f64.powi(4))).sqrt() + 1e-8);
        assert_close(m2[i], m, 1e-15);
        assert_close(u2[i], u, 1e-15);
        assert_close(w2[i], a[0][i] + step, 1e-14);
    }
    let n: Vec<Array1<f32>> = a.iter().map(narrow).collect();
    let (w2_32, m2_32, u2_32) = adam_update(
        &n[0], &n[1], &n[2], &n[3], &n[4], &n[5], 0.9f32, 0.999, 1e-8, 3,
    );
    close_f32("w'", &wide(&w2_32), w2.as_slice().unwrap());
    close_f32("m'", &wide(&m2_32), m2.as_slice().unwrap());
    close_f32("u'", &wide(&u2_32), u2.as_slice().unwrap());
    Probe {
        name: "adam",
        args: a,
        value: Box::new(|a| adam_probe(&a[0], &a[1], &a[2], &a[3], &a[4], &a[5])),
        grad: Box::new(|a| {
            let (w, m, u, p, g, r) = grad!(adam_probe)(&a[0], &a[1], &a[2], &a[3], &a[4], &a[5]);
            vec![w, m, u, p, g, r]
        }),
        jvp: Box::new(|a, d| {
            jvp!(adam_probe)(
                &a[0], &a[1], &a[2], &a[3], &a[4], &a[5], &d[0], &d[1], &d[2], &d[3], &d[4], &d[5],
            )
            .1
        }),
        hvp: Box::new(|a, d| {
            let (w, m, u, p, g, r) = hvp!(adam_probe)(
                &a[0], &a[1], &a[2], &a[3], &a[4], &a[5], &d[0], &d[1], &d[2], &d[3], &d[4], &d[5],
            );
            vec![w, m, u, p, g, r]
        }),
        grad32: Box::new(|a| {
            let (l, (w, m, u, p, g, r)) =
                value_and_grad!(adam_probe)(&a[0], &a[1], &a[2], &a[3], &a[4], &a[5]);
            (l, vec![w, m, u, p, g, r])
        }),
        hvp32: Box::new(|a, d| {
            let (w, m, u, p, g, r) = hvp!(adam_probe)(
                &a[0], &a[1], &a[2], &a[3], &a[4], &a[5], &d[0], &d[1], &d[2], &d[3], &d[4], &d[5],
            );
            vec![w, m, u, p, g, r]
        }),
    }
    .check();
}

// ---------------------------------------------------------------------------------
// Training in f32.

hype::model! {
    /// A 2-16-3 tanh MLP, `Net<f32>` or `Net<f64>`.
    pub struct Net<F> = Linear<2, 16> -> Tanh -> Linear<16, 3>;
}

/// The mean cross-entropy of a batch, through `nn::loss` (generic over the float type).
#[differentiable(order = 2)]
fn net_loss<F: Float>(m: &Net<F>, #[constant] x: &Array2<F>, #[constant] y: &Array2<F>) -> F {
    hype::nn::loss::cross_entropy_on_linear(&m.forward(x), y)
}

/// Three classes of 2-D points on three interleaved arcs (120 points, deterministic).
fn arcs() -> hype::data::Dataset {
    let n = 120;
    let x = Array2::from_shape_fn((n, 2), |(i, j)| {
        let class = i % 3;
        let t = (i / 3) as f64 / 40.0;
        let angle = 2.0 * std::f64::consts::PI * (class as f64 / 3.0) + 2.5 * t;
        let r = 0.3 + t + 0.05 * ((i * 7) as f64).sin();
        if j == 0 {
            r * angle.cos()
        } else {
            r * angle.sin()
        }
    });
    let y = Array2::from_shape_fn((n, 3), |(i, k)| if i % 3 == k { 1.0 } else { 0.0 });
    hype::data::Dataset::new(x, y).unwrap()
}

/// Trains `Net<f64>` and `Net<f32>` (the same initial weights, rounded) with `params`:
/// returns both results and the trained models' f64 and f32 losses on the whole set.
fn train_both(
    params: &hype::optim::TrainParams,
) -> (hype::optim::TrainResult, hype::optim::TrainResult, f64, f64) {
    use hype::nn::Init;
    use hype::optim::train;
    let data = arcs();
    let mut m64: Net<f64> = Net::new(Init::Glorot, 3);
    let mut m32: Net<f32> = Net::new(Init::Glorot, 3);
    let r64 = train(&mut m64, &data, params, |m: &Net<f64>, x, y| {
        value_and_grad!(net_loss)(m, &x.to_owned(), &y.to_owned())
    })
    .unwrap();
    // The f32 loss goes to `train` as it is: the histories widen it.
    let r32 = train(&mut m32, &data, params, |m: &Net<f32>, x, y| {
        value_and_grad!(net_loss)(m, &x.mapv(|v| v as f32), &y.mapv(|v| v as f32))
    })
    .unwrap();
    let l64 = net_loss(&m64, &data.x, &data.y);
    let l32 = net_loss(&m32, &data.x.mapv(|v| v as f32), &data.y.mapv(|v| v as f32));
    (r64, r32, l64, l32 as f64)
}

#[test]
fn f32_mlp_trains_like_f64() {
    use hype::optim::{AdamParams, LearningRate, Momentum, TrainParams};
    let adam = TrainParams::minibatch(20)
        .epochs(60)
        .shuffle(9)
        .learning_rate(LearningRate::Adam(AdamParams {
            lr: 0.02,
            ..AdamParams::default()
        }))
        .progress(false);
    let mut nesterov = TrainParams::minibatch(40)
        .epochs(60)
        .learning_rate(LearningRate::Constant(0.1))
        .progress(false);
    nesterov.optim.momentum = Momentum::Nesterov(0.9);
    for (name, params) in [("adam", adam), ("nesterov", nesterov)] {
        let (r64, r32, l64, l32) = train_both(&params);
        assert_eq!(r32.iterations, r64.iterations);
        let (first, last) = (r32.epoch_losses[0], *r32.epoch_losses.last().unwrap());
        println!(
            "{name}: f32 epoch loss {first:.4} -> {last:.4}; final loss f32 {l32:.9} f64 {l64:.9}"
        );
        // ln 3 ≈ 1.10 at the start; the arcs are separable by a small net.
        assert!(last < 0.25 * first, "{name}: f32 loss {first} -> {last}");
        // The first iterations and the trained models' losses agree to f32 precision
        // (measured: 3e-7 relative for Adam, 5e-9 for Nesterov).
        for t in 0..5 {
            let (a, b) = (r32.loss_history[t], r64.loss_history[t]);
            assert!(
                (a - b).abs() <= 1e-5 * b,
                "{name}: loss[{t}] f32 {a} vs f64 {b}"
            );
        }
        assert!(
            (l32 - l64).abs() <= 1e-5 * l64,
            "{name}: final loss f32 {l32} vs f64 {l64}"
        );
    }
}

/// A smooth bowl with its minimum at `c`: `Σ (x - c)² (1 + (x - c)²/4)`.
#[differentiable]
fn bowl<F: Float>(x: &Array1<F>, #[constant] c: &Array1<F>) -> F {
    let d = x - c;
    let d2 = &d * &d;
    (&d2 + &(&d2 * &d2 * F::of_f64(0.25))).sum()
}

#[test]
fn minimize_an_f32_parameter_vector() {
    use hype::optim::{minimize, Params, StopReason};
    let c = array![0.5f32, -1.25, 2.0, 0.125];
    // The objective's value goes to `minimize` as f64; the iterates stay f32.
    let f = |x: &Array1<f32>| {
        let (l, g) = value_and_grad!(bowl)(x, &c);
        (l as f64, g)
    };
    let r = minimize(f, Array1::<f32>::zeros(4), &Params::lbfgs());
    assert_eq!(r.reason, StopReason::Converged, "{:?}", r.reason);
    for i in 0..4 {
        assert!(
            (r.x[i] - c[i]).abs() <= 1e-5,
            "x[{i}] = {} vs {}",
            r.x[i],
            c[i]
        );
    }
}

/// Adam where `û` is far below 1 (tiny gradients): the root is `sqrt(û)` to full
/// precision in both float types, and 0 where `û = 0`.
#[test]
fn adam_step_with_tiny_second_moment() {
    use hype::optim::update::adam_step;
    let g: Array1<f64> = array![1e-7, 3e-5, 0.0];
    let p = -&g;
    let zero = Array1::zeros(3);
    let rate = array![0.01];
    let (s, _, u2) = adam_step(&p, &g, &zero, &zero, &rate, 0.9, 0.999, 1e-12, 0);
    for i in 0..3 {
        // t = 0: m̂ = p, û = g², so s = α p / (|g| + ε).
        let exact = 0.01 * p[i] / (g[i].abs() + 1e-12);
        assert_close(s[i], exact, 1e-14);
        let u_exact = 0.001 * g[i] * g[i];
        assert!(
            (u2[i] - u_exact).abs() <= 1e-14 * u_exact,
            "u'[{i}] = {}",
            u2[i]
        );
    }
    let (s32, _, _) = adam_step(
        &narrow(&p),
        &narrow(&g),
        &Array1::zeros(3),
        &Array1::zeros(3),
        &narrow(&rate),
        0.9f32,
        0.999,
        1e-12,
        0,
    );
    close_f32("step", &wide(&s32), s.as_slice().unwrap());
}
