//! The cost of a Gauss–Newton product `G·v` (`hype::optim::hessian_free`: `jvp!` of
//! the network, the generated `H_L·u` of the loss, `jacobian_t_v!`) against the
//! gradient of the same loss (`value_and_grad!`) and its Hessian–vector product
//! (`hvp!`), on the 784-300-100-10 tanh network, batch 100, f64. `G·v` twice: as
//! `jvp!` then `jacobian_t_v!` (two primal sweeps), and as the reverse pass of the
//! generated tangent map (`TangentReverse`, one primal sweep).
//!
//! `OPENBLAS_NUM_THREADS=1 taskset -c 0 cargo bench --bench hessianfree`

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use hype::nn::{Init, Loss};
use hype::optim::hessian_free::{FnNetwork, GaussNewton, TangentReverse};
use hype::prelude::*;

hype::model! {
    pub struct Mlp = Linear<784, 300> -> Tanh -> Linear<300, 100> -> Tanh -> Linear<100, 10>;
}

#[differentiable(order = 2)]
fn loss(m: &Mlp, #[constant] x: &Array2<f64>, #[constant] y: &Array2<f64>) -> f64 {
    ops::cross_entropy_on_linear(&m.forward(x), y)
}

#[differentiable(order = 2)]
fn logits(m: &Mlp, #[constant] x: &Array2<f64>) -> Array2<f64> {
    m.forward(x)
}

fn bench(c: &mut Criterion) {
    hype::tune::for_small_arrays();
    let m = Mlp::new(Init::Glorot, 1);
    let x = Array2::from_shape_fn((100, 784), |(i, j)| ((i * 784 + j) as f64 * 0.013).sin());
    let y = Array2::from_shape_fn((100, 10), |(i, j)| if i % 10 == j { 1.0 } else { 0.0 });
    let v = m
        .rebuild(&m.flatten().mapv(|a| (7.0 * a).cos()))
        .expect("same length");
    let net = FnNetwork::new(
        "mlp",
        Some(784),
        |p: &Mlp, x: &Array2<f64>| logits(p, x),
        |p: &Mlp, x: &Array2<f64>, dp: &Mlp| jvp!(logits)(p, x, dp),
        |p: &Mlp, x: &Array2<f64>, u: &Array2<f64>| jacobian_t_v!(logits)(p, x, u),
    );
    let gn = GaussNewton::new(&net, &Loss::CrossEntropyOnLinear, &m, &x, &y);
    // The same network whose G·v is the reverse pass of its tangent map (one primal sweep).
    let dir_net = TangentReverse::new(
        FnNetwork::new(
            "mlp",
            Some(784),
            |p: &Mlp, x: &Array2<f64>| logits(p, x),
            |p: &Mlp, x: &Array2<f64>, dp: &Mlp| jvp!(logits)(p, x, dp),
            |p: &Mlp, x: &Array2<f64>, u: &Array2<f64>| jacobian_t_v!(logits)(p, x, u),
        ),
        |p: &Mlp, x: &Array2<f64>, v: &Mlp, h: &dyn Fn(&Array2<f64>) -> Array2<f64>| {
            let dx = Array2::zeros(x.dim());
            let ((out, jv), back) = logits::__dir__rev(p, x, v, &dx, [false, false, true, false]);
            back(&(Array2::zeros(out.dim()), h(&jv))).2
        },
    );
    let dir_gn = GaussNewton::new(&dir_net, &Loss::CrossEntropyOnLinear, &m, &x, &y);
    let mut group = c.benchmark_group("hessianfree_mlp");
    group.bench_function("gradient", |b| {
        b.iter(|| black_box(value_and_grad!(loss)(&m, &x, &y)))
    });
    group.bench_function("gauss_newton_product", |b| {
        b.iter(|| black_box(gn.product(&v)))
    });
    group.bench_function("gauss_newton_product_tangent_reverse", |b| {
        b.iter(|| black_box(dir_gn.product(&v)))
    });
    group.bench_function("hvp", |b| b.iter(|| black_box(hvp!(loss)(&m, &x, &y, &v))));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
