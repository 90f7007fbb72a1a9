//! Nesting and higher order: the transform applied to its own output.
//!
//! Second derivatives are checked against central finite differences of the
//! (exact) gradients, and against closed forms where they exist.

mod common;
use common::*;
use hype::prelude::*;

// ---------- perturbation confusion ----------

#[differentiable]
fn confusion(x: f64) -> f64 {
    // d/dy (x + y) = 1, so this is x and its derivative is 1.
    x * diff!(|y: f64| x + y)(1.0)
}

#[differentiable]
fn captured(x: f64) -> f64 {
    // d/dy (x * y) = x, so this is x^2 and its derivative 2x.
    x * diff!(|y: f64| x * y * y.sin())(0.5)
}

#[test]
fn no_perturbation_confusion() {
    assert_eq!(diff!(confusion)(1.0), 1.0);
    assert_eq!(grad!(confusion)(1.0), 1.0);
    let x = 1.3;
    // x * (x (sin 0.5 + 0.5 cos 0.5)): derivative 2x (sin 0.5 + 0.5 cos 0.5).
    let k = 0.5f64.sin() + 0.5 * 0.5f64.cos();
    assert_close(diff!(captured)(x), 2.0 * x * k, 1e-12);
    assert_close(grad!(captured)(x), 2.0 * x * k, 1e-12);
}

// ---------- higher derivatives of scalar functions ----------

#[differentiable(order = 3)]
fn wave(x: f64) -> f64 {
    x.sin() * x.exp()
}

#[test]
fn third_derivative_closed_form() {
    for &x in &[-1.2, 0.0, 0.4, 2.5] {
        let e = f64::exp(x);
        assert_close(diff!(wave)(x), e * (x.sin() + x.cos()), 1e-12);
        assert_close(diff2!(wave)(x), 2.0 * e * x.cos(), 1e-12);
        assert_close(diffn!(2, wave)(x), 2.0 * e * x.cos(), 1e-12);
        assert_close(diffn!(3, wave)(x), 2.0 * e * (x.cos() - x.sin()), 1e-12);
    }
}

#[differentiable(order = 3)]
fn poly(x: f64, #[constant] n: i32) -> f64 {
    let mut s = 0.0;
    for k in 1..n {
        s += x.powi(k) / (k as f64);
    }
    s
}

#[test]
fn third_derivative_with_a_loop() {
    // sum_{k<n} x^k / k: third derivative sum (k-1)(k-2) x^(k-3).
    let x: f64 = 0.7;
    let want: f64 = (3..6)
        .map(|k| ((k - 1) * (k - 2)) as f64 * x.powi(k - 3))
        .sum();
    assert_close(diffn!(3, poly)(x, 6), want, 1e-12);
}

// ---------- Hessians with loops, branches and structs ----------

#[differentiable(order = 2)]
fn rosenbrock(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}

#[test]
fn rosenbrock_hessian_closed_form() {
    let x = array![1.2, 0.8, -0.5];
    let h = hessian!(rosenbrock)(&x);
    let want = array![
        [1410.0, -480.0, 0.0],
        [-480.0, 1170.0, -320.0],
        [0.0, -320.0, 200.0]
    ];
    for (a, b) in h.iter().zip(want.iter()) {
        assert_close(*a, *b, 1e-12);
    }
}

#[differentiable(order = 2)]
fn branchy(x: &Array1<f64>, #[constant] k: f64) -> f64 {
    let mut acc = 0.0;
    let mut i = 0;
    while i < x.len() {
        let v = x[i];
        if v > 0.0 {
            acc += v.exp() * k;
        } else {
            acc += (v * v).sin() - v.tanh();
        }
        i += 1;
    }
    acc * x.sum() + x.dot(x).sqrt()
}

#[test]
fn hessian_with_loop_and_branch_matches_fd_of_gradient() {
    let x = array![0.3, -0.7, 1.1, -0.2];
    let k = 0.8;
    check_hessian(|x| grad!(branchy)(x, k), |x| hessian!(branchy)(x, k), &x);
    let v = array![0.5, -1.0, 0.25, 2.0];
    let hv = hvp!(branchy)(&x, k, &v);
    let want = hessian!(branchy)(&x, k).dot(&v);
    assert_all_close(&hv, &want, 1e-12);
}

#[derive(Clone, Debug, Tangent)]
struct Quad {
    a: Array2<f64>,
    b: Array1<f64>,
    c: f64,
}

#[differentiable(order = 2)]
fn quad_energy(q: &Quad, x: &Array1<f64>) -> f64 {
    let ax = q.a.dot(x);
    let e = ax.dot(&ax) * q.c + q.b.dot(x);
    ops::softplus(&e)
}

#[test]
fn hessian_vector_products_with_a_struct_parameter() {
    let q = Quad {
        a: array![[0.5, -0.2, 0.1], [0.3, 0.8, -0.4]],
        b: array![0.1, -0.3, 0.2],
        c: 0.7,
    };
    let x = array![0.2, -0.4, 0.9];
    let (vq, vx) = (
        Quad {
            a: array![[1.0, 0.5, -0.5], [0.0, 2.0, 1.0]],
            b: array![-1.0, 0.5, 0.25],
            c: 0.3,
        },
        array![0.3, 0.1, -0.7],
    );
    let (hq, hx) = hvp!(quad_energy)(&q, &x, &vq, &vx);
    // Central differences of the exact gradient along (vq, vx).
    let h = 1e-5;
    let shift = |s: f64| {
        let mut q2 = q.clone();
        q2.a = &q.a + &(&vq.a * s);
        q2.b = &q.b + &(&vq.b * s);
        q2.c = q.c + vq.c * s;
        let x2 = &x + &(&vx * s);
        grad!(quad_energy)(&q2, &x2)
    };
    let (gp, gm) = (shift(h), shift(-h));
    let fd_x = (&gp.1 - &gm.1) / (2.0 * h);
    let fd_a = (&gp.0.a - &gm.0.a) / (2.0 * h);
    let fd_c = (gp.0.c - gm.0.c) / (2.0 * h);
    assert_all_close(&hx, &fd_x, 1e-7);
    for (a, b) in hq.a.iter().zip(fd_a.iter()) {
        assert_close(*a, *b, 1e-7);
    }
    assert_close(hq.c, fd_c, 1e-7);
}

#[differentiable(order = 2)]
fn bowl(x: &Array1<f64>) -> f64 {
    x.dot(x) * 1.5 + x[0] * x[1]
}

#[differentiable]
fn swirl(p: &Array1<f64>) -> Array1<f64> {
    // (-y z, x z, x y^2 + z^2): curl (2xy - x, -y - y^2, 2z), divergence 2z.
    array![-p[1] * p[2], p[0] * p[2], p[0] * p[1] * p[1] + p[2] * p[2]]
}

#[test]
fn curl_and_divergence() {
    let p = array![0.5, -1.5, 2.0];
    let (x, y, z) = (p[0], p[1], p[2]);
    assert_all_close(
        &curl!(swirl)(&p),
        &array![2.0 * x * y - x, -y - y * y, 2.0 * z],
        1e-12,
    );
    assert_close(div!(swirl)(&p), 2.0 * z, 1e-12);
}

#[test]
fn laplacian_and_grad_hessian() {
    let x = array![0.4, -1.0, 2.0];
    // Hessian 3 I + e0 e1^T + e1 e0^T: trace 9.
    assert_close(laplacian!(bowl)(&x), 9.0, 1e-12);
    let (g, h) = grad_hessian!(bowl)(&x);
    assert_all_close(&g, &array![3.0 * 0.4 - 1.0, -3.0 + 0.4, 6.0], 1e-12);
    assert_close(h[[0, 1]], 1.0, 1e-12);
    assert_close(h[[2, 2]], 3.0, 1e-12);
}

// ---------- the MLP loss of the backprop seed ----------

hype::model! {
    struct Net = Linear<6, 5> -> Tanh -> Linear<5, 3>;
}

#[differentiable(order = 2)]
fn net_loss(m: &Net, #[constant] x: &Array2<f64>, #[constant] y: &Array2<f64>) -> f64 {
    let z = m.forward(x);
    ops::cross_entropy_on_linear(&z, y)
}

#[test]
fn mlp_loss_hvp_matches_fd_of_gradient() {
    let m = Net::new(hype::nn::Init::Glorot, 3);
    let x = Array2::from_shape_fn((4, 6), |(i, j)| ((i * 7 + j * 3) % 5) as f64 * 0.3 - 0.6);
    let mut y = Array2::zeros((4, 3));
    for i in 0..4 {
        y[[i, i % 3]] = 1.0;
    }
    let v = {
        let mut v = m.clone();
        let n = hype::Tangent::flat_len(&v);
        let flat = Array1::from_shape_fn(n, |i| ((i * 13 % 7) as f64 - 3.0) * 0.1);
        v = hype::Tangent::rebuild(&v, &flat).unwrap();
        v
    };
    let hv = hvp!(net_loss)(&m, &x, &y, &v);
    let h = 1e-5;
    let at = |s: f64| {
        let mut p = m.clone();
        hype::Tangent::axpy(&mut p, s, &v);
        hype::Tangent::flatten(&grad!(net_loss)(&p, &x, &y))
    };
    let fd = (&at(h) - &at(-h)) / (2.0 * h);
    assert_all_close(&hype::Tangent::flatten(&hv), &fd, 1e-7);
}

// ---------- hypergradients through unrolled training (grad! inside a body) ----------

#[differentiable(order = 2)]
fn train_loss(w: &Array1<f64>, #[constant] a: &Array2<f64>, #[constant] b: &Array1<f64>) -> f64 {
    let r = a.dot(w) - b;
    0.5 * r.dot(&r) + 0.05 * ops::l2(w) + ops::softplus(&w).sum() * 0.1
}

type Problem = (
    Array2<f64>,
    Array1<f64>,
    Array2<f64>,
    Array1<f64>,
    Array1<f64>,
);

fn problem() -> Problem {
    let a = Array2::from_shape_fn((6, 3), |(i, j)| (((i + 2 * j) % 5) as f64 - 2.0) * 0.3);
    let b = array![0.5, -1.0, 0.3, 0.8, -0.2, 0.1];
    let av = Array2::from_shape_fn((4, 3), |(i, j)| (((3 * i + j) % 4) as f64 - 1.5) * 0.4);
    let bv = array![0.2, 0.4, -0.6, 0.3];
    let w0 = array![0.1, -0.2, 0.3];
    (a, b, av, bv, w0)
}

/// Validation loss after 25 steps of gradient descent with learning rate `lr`.
#[differentiable]
fn after_gd(
    lr: f64,
    #[constant] w0: &Array1<f64>,
    #[constant] a: &Array2<f64>,
    #[constant] b: &Array1<f64>,
    #[constant] av: &Array2<f64>,
    #[constant] bv: &Array1<f64>,
) -> f64 {
    let mut w = w0.clone();
    for _t in 0..25 {
        let g = grad!(train_loss)(&w, a, b);
        w = w - lr * g;
    }
    let r = av.dot(&w) - bv;
    r.dot(&r)
}

/// Validation loss after 25 steps of heavy-ball momentum (`lr`, `mu`).
#[differentiable]
fn after_momentum(
    lr: f64,
    mu: f64,
    #[constant] w0: &Array1<f64>,
    #[constant] a: &Array2<f64>,
    #[constant] b: &Array1<f64>,
    #[constant] av: &Array2<f64>,
    #[constant] bv: &Array1<f64>,
) -> f64 {
    let mut w = w0.clone();
    let mut v = w0.clone() * 0.0;
    for _t in 0..25 {
        let g = grad!(train_loss)(&w, a, b);
        v = mu * v + g;
        w = w - lr * &v;
    }
    let r = av.dot(&w) - bv;
    r.dot(&r)
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-12)
}

#[test]
fn hypergradient_of_gradient_descent_forward_reverse_fd() {
    let (a, b, av, bv, w0) = problem();
    let lr = 0.15;
    let fwd = diff!(after_gd)(lr, &w0, &a, &b, &av, &bv);
    let (val, rev) = value_and_grad!(after_gd)(lr, &w0, &a, &b, &av, &bv);
    let fd = fd_diff(|l| after_gd(l, &w0, &a, &b, &av, &bv), lr);
    assert!(val.is_finite());
    assert!(rel(fwd, rev) < 1e-12, "forward {fwd} reverse {rev}");
    assert!(rel(rev, fd) < 1e-7, "reverse {rev} fd {fd}");
}

#[test]
fn hypergradient_of_momentum_forward_reverse_fd() {
    let (a, b, av, bv, w0) = problem();
    let (lr, mu) = (0.1, 0.6);
    let (g_lr, g_mu) = grad!(after_momentum)(lr, mu, &w0, &a, &b, &av, &bv);
    let fd_lr = fd_diff(|l| after_momentum(l, mu, &w0, &a, &b, &av, &bv), lr);
    let fd_mu = fd_diff(|m| after_momentum(lr, m, &w0, &a, &b, &av, &bv), mu);
    let (_, f_lr) = hype::jvp!(after_momentum)(lr, mu, &w0, &a, &b, &av, &bv, 1.0, 0.0);
    let (_, f_mu) = hype::jvp!(after_momentum)(lr, mu, &w0, &a, &b, &av, &bv, 0.0, 1.0);
    assert!(rel(g_lr, fd_lr) < 1e-7, "lr: reverse {g_lr} fd {fd_lr}");
    assert!(rel(g_mu, fd_mu) < 1e-7, "mu: reverse {g_mu} fd {fd_mu}");
    assert!(rel(f_lr, g_lr) < 1e-12 && rel(f_mu, g_mu) < 1e-12);
}

fn check_hessian(
    grad: impl Fn(&Array1<f64>) -> Array1<f64>,
    hess: impl Fn(&Array1<f64>) -> Array2<f64>,
    x: &Array1<f64>,
) {
    let h = hess(x);
    let n = x.len();
    let eps = 1e-5;
    for j in 0..n {
        let mut xp = x.clone();
        let mut xm = x.clone();
        xp[j] += eps;
        xm[j] -= eps;
        let col = (grad(&xp) - grad(&xm)) / (2.0 * eps);
        for i in 0..n {
            assert_close(h[[i, j]], col[i], 1e-7);
        }
        // Symmetric, as a Hessian is.
        for i in 0..n {
            assert_close(h[[i, j]], h[[j, i]], 1e-10);
        }
    }
}

#[test]
fn hvp_of_closures_matches_fd_of_gradients() {
    let scale = 0.7;
    let c = array![1.0, -2.0, 0.5];
    let x = array![0.3, -0.4, 0.9];
    let v = array![1.0, 0.5, -2.0];
    // An array parameter, a loop, a captured array and scalar.
    let hv = hvp!(|x: &Array1<f64>| {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += (x[i] * c[i]).sin() * scale + x[i] * x[(i + 1) % 3];
        }
        s
    })(&x, &v);
    let g = |x: &Array1<f64>| {
        grad!(|x: &Array1<f64>| {
            let mut s = 0.0;
            for i in 0..x.len() {
                s += (x[i] * c[i]).sin() * scale + x[i] * x[(i + 1) % 3];
            }
            s
        })(x)
    };
    let h = 1e-5;
    let fd = (g(&(&x + &(h * &v))) - g(&(&x - &(h * &v)))) / (2.0 * h);
    assert_all_close(&hv, &fd, 1e-7);
    // Two scalar parameters: f = x² y + sin(x y), H v in closed form.
    let (a, b) = (0.6, -1.1);
    let (hx, hy) = hvp!(|x: f64, y: f64| x * x * y + (x * y).sin())(a, b, &1.0, &0.5);
    let s = (a * b).sin();
    let hxx = 2.0 * b - b * b * s;
    let hxy = 2.0 * a + (a * b).cos() - a * b * s;
    let hyy = -a * a * s;
    assert_close(hx, hxx + 0.5 * hxy, 1e-12);
    assert_close(hy, hxy + 0.5 * hyy, 1e-12);
}

#[test]
fn hessians_of_closures_match_fd_of_gradients() {
    let c = array![1.0, -2.0, 0.5];
    let x = array![0.3, -0.4, 0.9];
    // A loop, a branch and a captured array: the Hessian against finite differences
    // of the gradient, both from grad_hessian!, and hessian! equal to its Hessian.
    let both = grad_hessian!(|x: &Array1<f64>| {
        let mut s = 0.0;
        for i in 0..x.len() {
            let t = x[i] * c[i];
            if t > 0.0 {
                s += t.exp() * x[(i + 1) % 3];
            } else {
                s += t * t * x[i];
            }
        }
        s
    });
    check_hessian(|x| both(x).0, |x| both(x).1, &x);
    let only = hessian!(|x: &Array1<f64>| x.dot(x) * x[0] + (x[1] * c[2]).exp());
    let full = grad_hessian!(|x: &Array1<f64>| x.dot(x) * x[0] + (x[1] * c[2]).exp());
    assert_eq!(only(&x), full(&x).1);

    // f = Σ x_i² x_j² (i < j) + Σ sin x_i: Laplacian and grad_hessian in closed form.
    let f_lap = laplacian!(|x: &Array1<f64>| {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += x[i].sin();
            for j in i + 1..x.len() {
                s += x[i] * x[i] * x[j] * x[j];
            }
        }
        s
    })(&x);
    let sq: f64 = x.iter().map(|v| v * v).sum();
    let expected: f64 = x.iter().map(|&v| 2.0 * (sq - v * v) - v.sin()).sum();
    assert_close(f_lap, expected, 1e-12);
    let (g, h) = grad_hessian!(|x: &Array1<f64>| x.dot(x) * x[0])(&x);
    // f = |x|² x0: ∇f = 2 x x0 + |x|² e0; H = 2 x0 I + 2 (x e0ᵀ + e0 xᵀ).
    for i in 0..3 {
        let e0i = if i == 0 { 1.0 } else { 0.0 };
        assert_close(g[i], 2.0 * x[i] * x[0] + sq * e0i, 1e-12);
        for j in 0..3 {
            let e0j = if j == 0 { 1.0 } else { 0.0 };
            let id = if i == j { 1.0 } else { 0.0 };
            let want = 2.0 * x[0] * id + 2.0 * (x[i] * e0j + e0i * x[j]);
            assert_close(h[[i, j]], want, 1e-12);
        }
    }

    // Scalar: diff2! and diffn!(2, ..) on closures, with a captured scalar.
    let k = 1.7;
    for &t in &[0.2, 0.9, -1.3] {
        let d2 = diff2!(|t: f64| (k * t).sin() * t)(t);
        let want = 2.0 * k * (k * t).cos() - k * k * t * (k * t).sin();
        assert_close(d2, want, 1e-12);
        assert_eq!(diffn!(2, |t: f64| (k * t).sin() * t)(t), d2);
        assert_close(
            diffn!(1, |t: f64| (k * t).sin() * t)(t),
            k * t * (k * t).cos() + (k * t).sin(),
            1e-12,
        );
    }
}

// ---------- constant parameters of array and f64 types at higher order ----------

/// `c sin x + Σ exp(a_i x)`: constants of f64 and array types take (ignored) tangents
/// in `f__dir`, so `diffn!` threads zeros for them through every level.
#[differentiable(order = 3)]
fn with_constants(x: f64, #[constant] c: f64, #[constant] a: &Array1<f64>) -> f64 {
    x.sin() * c + (a * x).exp().sum()
}

/// Calls `with_constants` from another order-3 function (its derivative code passes
/// a tangent for every argument, constants included).
#[differentiable(order = 3)]
fn calls_with_constants(x: f64, #[constant] a: &Array1<f64>) -> f64 {
    // A borrowed temporary argument: the reverse sweep calls the callee again and
    // applies its pullback within one statement, while the temporary lives.
    with_constants(x * 2.0, 0.5, a) + with_constants(x, 1.5, &(a * 0.5))
}

#[test]
fn higher_derivatives_with_constant_parameters() {
    let a = array![0.3, -0.7, 1.1];
    let (x, c) = (0.4, 1.7);
    // The k-th derivative: c sin^(k)(x) + Σ a_i^k exp(a_i x).
    let d = |k: i32, x: f64, c: f64, a: &Array1<f64>| {
        let s = match k.rem_euclid(4) {
            0 => x.sin(),
            1 => x.cos(),
            2 => -x.sin(),
            _ => -x.cos(),
        };
        c * s + a.iter().map(|ai| ai.powi(k) * (ai * x).exp()).sum::<f64>()
    };
    assert_close(diff!(with_constants)(x, c, &a), d(1, x, c, &a), 1e-12);
    assert_close(diff2!(with_constants)(x, c, &a), d(2, x, c, &a), 1e-12);
    assert_close(diffn!(3, with_constants)(x, c, &a), d(3, x, c, &a), 1e-12);
    assert_close(
        hessian!(with_constants)(x, c, &a)[[0, 0]],
        d(2, x, c, &a),
        1e-12,
    );
    // Through the call: f(x) = g(2x; 0.5, a) + g(x; 1.5, a/2).
    let ah = &a * 0.5;
    let want = |k: i32| 2f64.powi(k) * d(k, 2.0 * x, 0.5, &a) + d(k, x, 1.5, &ah);
    assert_close(diff2!(calls_with_constants)(x, &a), want(2), 1e-12);
    assert_close(diffn!(3, calls_with_constants)(x, &a), want(3), 1e-12);
}

/// `Σ_{k<n} x^k` with an integer parameter (inactive by its type).
#[differentiable(order = 3)]
fn power_sum(x: f64, n: i32) -> f64 {
    let mut s = 0.0;
    for k in 1..n {
        s += x.powi(k);
    }
    s
}

/// Calls `power_sum` from order-3 code: its derivative code passes a `()` tangent
/// for the integer argument.
#[differentiable(order = 3)]
fn calls_power_sum(x: f64, #[constant] n: usize) -> f64 {
    power_sum(x * 0.5, 4) + power_sum(x, n as i32)
}

#[test]
fn higher_derivatives_through_calls_with_integer_parameters() {
    let x: f64 = 0.8;
    // d^m/dx^m Σ_{k<n} (c x)^k = Σ c^k k!/(k-m)! x^(k-m).
    let d = |m: i32, c: f64, n: i32| -> f64 {
        (m.max(1)..n)
            .map(|k| {
                let falling: f64 = (0..m).map(|j| (k - j) as f64).product();
                c.powi(k) * falling * x.powi(k - m)
            })
            .sum()
    };
    let want = |m: i32| d(m, 0.5, 4) + d(m, 1.0, 5);
    assert_close(diff!(calls_power_sum)(x, 5), want(1), 1e-12);
    assert_close(diff2!(calls_power_sum)(x, 5), want(2), 1e-12);
    assert_close(diffn!(3, calls_power_sum)(x, 5), want(3), 1e-12);
    assert_close(hessian!(calls_power_sum)(x, 5)[[0, 0]], want(2), 1e-12);
}

// ---------- constant parameters of user types at higher order ----------

/// A configuration of a user type without a tangent.
struct Shape {
    power: i32,
    scale: f64,
}

#[differentiable(order = 2)]
fn shaped(x: &Array1<f64>, #[constant] s: &Shape) -> f64 {
    x.powi(s.power).sum() * s.scale + x.dot(x)
}

/// Calls `shaped`: its `__dir` code passes `rt::zero_or_unit!(&s)` (a `()`) for the
/// constant of a type without tangent.
#[differentiable(order = 2)]
fn calls_shaped(x: &Array1<f64>, #[constant] s: &Shape, #[constant] w: f64) -> f64 {
    shaped(x, s) * w + shaped(&(x * 2.0), s)
}

#[test]
fn order_two_calls_with_user_type_constants() {
    let s = Shape {
        power: 3,
        scale: 0.5,
    };
    let x = array![0.4, -0.7, 1.2];
    let w = 1.5;
    // f = w (scale Σ x³ + |x|²) + scale Σ (2x)³ + |2x|²: H = diag(6 w scale x + 48 scale x) + (2w + 8) I.
    let h = hessian!(calls_shaped)(&x, &s, w);
    for i in 0..3 {
        for j in 0..3 {
            let want = if i == j {
                (6.0 * w * s.scale + 48.0 * s.scale) * x[i] + 2.0 * w + 8.0
            } else {
                0.0
            };
            assert_close(h[[i, j]], want, 1e-12);
        }
    }
    let v = array![1.0, -0.5, 0.25];
    let hv = hvp!(calls_shaped)(&x, &s, w, &v);
    assert_all_close(&hv, &h.dot(&v), 1e-12);
}

// ---------- tanh's fused tangent (`ops::tanh_tangent`) at second and third order ----------

#[differentiable(order = 3)]
fn tanh_chain(x: f64) -> f64 {
    let t = (x * 0.7).tanh();
    t * x + (t * t).tanh()
}

#[test]
fn tanh_tangent_rules_at_third_order() {
    // Closed forms through sympy-free algebra are long; central differences of the
    // next lower order instead, which are exact to ~1e-8 here.
    for &x in &[-1.3, -0.2, 0.4, 1.1] {
        let h = 1e-5;
        let d1 = diffn!(1, tanh_chain)(x);
        let d2 = diffn!(2, tanh_chain)(x);
        let d3 = diffn!(3, tanh_chain)(x);
        assert_close(
            d1,
            (tanh_chain(x + h) - tanh_chain(x - h)) / (2.0 * h),
            1e-8,
        );
        let fd2 = (diffn!(1, tanh_chain)(x + h) - diffn!(1, tanh_chain)(x - h)) / (2.0 * h);
        assert_close(d2, fd2, 1e-8);
        let fd3 = (diffn!(2, tanh_chain)(x + h) - diffn!(2, tanh_chain)(x - h)) / (2.0 * h);
        assert_close(d3, fd3, 1e-7);
    }
    // The runtime rule against its definition: d/dr (1 - r²) d = -2 r d, d/dd = 1 - r².
    let (r, d) = (array![0.3, -0.8], array![1.5, 0.25]);
    let g = array![0.7, -1.1];
    let out = ops::tanh_tangent(&r, &d);
    assert_eq!(
        out,
        array![(1.0 - 0.3 * 0.3) * 1.5, (1.0 - 0.8 * 0.8) * 0.25]
    );
    let gr = ops::tanh_tangent_vjp0(&r, &d, &out, &g);
    let gd = ops::tanh_tangent_vjp1(&r, &d, &out, &g);
    assert_all_close(&gr, &(-2.0 * &r * &d * &g), 1e-15);
    assert_all_close(&gd, &((1.0 - &r * &r) * &g), 1e-15);
}
