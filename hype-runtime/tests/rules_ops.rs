//! Property tests of `hype_runtime::ops` and their rules: activations, softmax family,
//! losses and the reductions they use. Every jvp and vjp rule is checked against central
//! finite differences of the primal, the two rules against each other (dot-product
//! test), and second order: closed-form second derivatives for the elementwise
//! activations, symmetry of second derivatives and consistency of the differentiated
//! vjp rule with the differentiated jvp rule for the others.

mod common;

use common::*;
use hype_runtime::ops::*;
use ndarray::{array, Array1, Array2, ArrayD};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

const CASES: u32 = 48;

// ---------------------------------------------------------------------------------------
// Elementwise activations
// ---------------------------------------------------------------------------------------

fn sigmoid_ref(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

macro_rules! activation_test {
    ($test:ident, $name:literal, [$alpha:ident], |$x:ident| $op:expr, |$x1:ident, $r:ident, $d:ident| $jvp:expr,
     |$x2:ident, $r2:ident, $g:ident| $vjp:expr, $dom:expr, $scalar:expr, $d2:expr) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(CASES))]
            #[test]
            fn $test(seed in any::<u64>(), n in 1usize..6, m in 1usize..6, $alpha in 0.5f64..2.0) {
                let _ = $alpha;
                let mut rng = StdRng::seed_from_u64(seed);
                let dom: Dom = $dom;
                let scalar = $scalar;
                let d2 = $d2;
                check_unary::<f64>($name, &|$x| $op, &|$x1, $r, $d| $jvp, &|$x2, $r2, $g| $vjp,
                    &scalar, &d2, &mut rng, &[], dom);
                check_unary::<Array1<f64>>($name, &|$x| $op, &|$x1, $r, $d| $jvp, &|$x2, $r2, $g| $vjp,
                    &scalar, &d2, &mut rng, &[n], dom);
                check_unary::<Array2<f64>>($name, &|$x| $op, &|$x1, $r, $d| $jvp, &|$x2, $r2, $g| $vjp,
                    &scalar, &d2, &mut rng, &[n, m], dom);
                check_unary::<ArrayD<f64>>($name, &|$x| $op, &|$x1, $r, $d| $jvp, &|$x2, $r2, $g| $vjp,
                    &scalar, &d2, &mut rng, &[2, n, m], dom);
            }
        }
    };
}

activation_test!(
    sigmoid_rules,
    "sigmoid",
    [alpha],
    |x| sigmoid(x),
    |x, r, d| sigmoid_jvp0(x, r, d),
    |x, r, g| sigmoid_vjp0(x, r, g),
    Dom::Range(-6.0, 6.0),
    sigmoid_ref,
    |x: f64| {
        let s = sigmoid_ref(x);
        s * (1.0 - s) * (1.0 - 2.0 * s)
    }
);
activation_test!(
    relu_rules,
    "relu",
    [alpha],
    |x| relu(x),
    |x, r, d| relu_jvp0(x, r, d),
    |x, r, g| relu_vjp0(x, r, g),
    Dom::Signed(0.1, 3.0),
    |x: f64| x.max(0.0),
    |_x: f64| 0.0
);
activation_test!(
    softplus_rules,
    "softplus",
    [alpha],
    |x| softplus(x),
    |x, r, d| softplus_jvp0(x, r, d),
    |x, r, g| softplus_vjp0(x, r, g),
    Dom::Range(-6.0, 6.0),
    |x: f64| x.exp().ln_1p(),
    |x: f64| {
        let s = sigmoid_ref(x);
        s * (1.0 - s)
    }
);
activation_test!(
    elu_rules,
    "elu",
    [alpha],
    |x| elu(x, alpha),
    |x, r, d| elu_jvp0(x, alpha, r, d),
    |x, r, g| elu_vjp0(x, alpha, r, g),
    Dom::Signed(0.1, 3.0),
    move |x: f64| if x > 0.0 { x } else { alpha * (x.exp() - 1.0) },
    move |x: f64| if x > 0.0 { 0.0 } else { alpha * x.exp() }
);
activation_test!(
    gelu_rules,
    "gelu",
    [alpha],
    |x| gelu(x),
    |x, r, d| gelu_jvp0(x, r, d),
    |x, r, g| gelu_vjp0(x, r, g),
    Dom::Range(-4.0, 4.0),
    |x: f64| {
        let c = (2.0 / std::f64::consts::PI).sqrt();
        0.5 * x * (1.0 + (c * (x + 0.044715 * x.powi(3))).tanh())
    },
    |x: f64| {
        let c = (2.0 / std::f64::consts::PI).sqrt();
        let k = 0.044715;
        let t = (c * (x + k * x.powi(3))).tanh();
        let du = c * (1.0 + 3.0 * k * x * x);
        let ddu = 6.0 * c * k * x;
        (1.0 - t * t) * (du + 0.5 * x * (ddu - 2.0 * t * du * du))
    }
);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]
    #[test]
    fn stop_gradient_rules(seed in any::<u64>(), n in 1usize..6, m in 1usize..6) {
        let mut rng = StdRng::seed_from_u64(seed);
        let x: Array2<f64> = sample(&mut rng, &[n, m], Dom::Range(-3.0, 3.0));
        let d = direction(&mut rng, &x);
        let r = stop_gradient(&x.view());
        prop_assert_eq!(&r, &x);
        prop_assert_eq!(stop_gradient_jvp0(&x, &r, &d), Array2::<f64>::zeros((n, m)));
        prop_assert_eq!(stop_gradient_vjp0(&&x, &r, &d.view()), Array2::<f64>::zeros((n, m)));
        let s: f64 = sample_f64(&mut rng, Dom::Range(-3.0, 3.0));
        prop_assert_eq!(stop_gradient(&s), s);
        prop_assert_eq!(stop_gradient_jvp0(&s, &s, &1.0), 0.0);
        prop_assert_eq!(stop_gradient_vjp0(&s, &s, &1.0), 0.0);
    }
}

// ---------------------------------------------------------------------------------------
// Generic checks for ops with a full Jacobian
// ---------------------------------------------------------------------------------------

/// First-order checks, then second order: the second derivative is symmetric
/// (`D(jvp(., v))[v2] = D(jvp(., v2))[v]`) and the differentiated vjp rule is the
/// adjoint of the differentiated jvp rule.
fn check_op<X: Probe, Y: Probe>(
    what: &str,
    f: &dyn Fn(&X) -> Y,
    jvp: &dyn Fn(&X, &Y, &X) -> Y,
    vjp: &dyn Fn(&X, &Y, &Y) -> X,
    x: &X,
    rng: &mut StdRng,
) {
    let r = f(x);
    let v = direction(rng, x);
    let w = direction(rng, &r);
    let v2 = direction(rng, x);
    check_pair(what, f, jvp, vjp, x, &v, &w);
    let jvp_along = |dir: &X, along: &X| {
        let (dir, along) = (dir.clone(), along.clone());
        move |t: f64| {
            let xt = plus(x, t, &along);
            jvp(&xt, &f(&xt), &dir)
        }
    };
    let h_v_v2 = fd_line(jvp_along(&v, &v2));
    let h_v2_v = fd_line(jvp_along(&v2, &v));
    assert_close(
        &format!("{what}: symmetric second derivative"),
        &h_v_v2,
        &h_v2_v,
        FD_TOL,
    );
    check_second(
        what,
        &jvp_along(&v, &v2),
        &|t| {
            let xt = plus(x, t, &v2);
            vjp(&xt, &f(&xt), &w)
        },
        &v,
        &w,
        &h_v_v2,
    );
}

/// [`check_op`] for both arguments of a two-argument op, and symmetry of the mixed
/// second derivative.
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn check_op2<A: Probe, B: Probe, Y: Probe>(
    what: &str,
    f: &dyn Fn(&A, &B) -> Y,
    j0: &dyn Fn(&A, &B, &Y, &A) -> Y,
    j1: &dyn Fn(&A, &B, &Y, &B) -> Y,
    v0: &dyn Fn(&A, &B, &Y, &Y) -> A,
    v1: &dyn Fn(&A, &B, &Y, &Y) -> B,
    a: &A,
    b: &B,
    rng: &mut StdRng,
) {
    check_op(
        &format!("{what}, argument 0"),
        &|x: &A| f(x, b),
        &|x, r, d| j0(x, b, r, d),
        &|x, r, g| v0(x, b, r, g),
        a,
        rng,
    );
    check_op(
        &format!("{what}, argument 1"),
        &|y: &B| f(a, y),
        &|y, r, d| j1(a, y, r, d),
        &|y, r, g| v1(a, y, r, g),
        b,
        rng,
    );
    let va = direction(rng, a);
    let vb = direction(rng, b);
    let d01 = fd_line(|t| {
        let bt = plus(b, t, &vb);
        j0(a, &bt, &f(a, &bt), &va)
    });
    let d10 = fd_line(|t| {
        let at = plus(a, t, &va);
        j1(&at, b, &f(&at, b), &vb)
    });
    assert_close(
        &format!("{what}: symmetric mixed second derivative"),
        &d01,
        &d10,
        FD_TOL,
    );
}

// ---------------------------------------------------------------------------------------
// softmax, log_softmax, logsumexp and the reductions
// ---------------------------------------------------------------------------------------

fn naive_lse(row: &[f64]) -> f64 {
    row.iter().map(|x| x.exp()).sum::<f64>().ln()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]
    #[test]
    fn softmax_rules(seed in any::<u64>(), n in 1usize..6, m in 1usize..6) {
        let rng = &mut StdRng::seed_from_u64(seed);
        let dom = Dom::Range(-3.0, 3.0);
        let x1: Array1<f64> = sample(rng, &[m], dom);
        let x2: Array2<f64> = sample(rng, &[n, m], dom);
        check_op::<Array1<f64>, Array1<f64>>("softmax 1-d", &|x| softmax(x),
            &|x, r, d| softmax_jvp0(x, r, d), &|x, r, g| softmax_vjp0(x, r, g), &x1, rng);
        check_op::<Array2<f64>, Array2<f64>>("softmax 2-d", &|x| softmax(x),
            &|x, r, d| softmax_jvp0(x, r, d), &|x, r, g| softmax_vjp0(x, r, g), &x2, rng);
        // values: each row of a 2-d array is the softmax of that row
        let s2 = softmax(&x2.view());
        for (i, row) in x2.outer_iter().enumerate() {
            let l = naive_lse(row.as_slice().unwrap());
            for j in 0..m {
                prop_assert!((s2[[i, j]] - (row[j] - l).exp()).abs() < 1e-14);
            }
            prop_assert_eq!(softmax(&row), s2.row(i).to_owned());
        }
        let d = direction(rng, &x2);
        prop_assert_eq!(softmax_jvp0(&x2.view(), &&s2, &d.view()), softmax_jvp0(&x2, &s2, &d));
    }

    #[test]
    fn log_softmax_rules(seed in any::<u64>(), n in 1usize..6, m in 1usize..6) {
        let rng = &mut StdRng::seed_from_u64(seed);
        let dom = Dom::Range(-3.0, 3.0);
        let x1: Array1<f64> = sample(rng, &[m], dom);
        let x2: Array2<f64> = sample(rng, &[n, m], dom);
        check_op::<Array1<f64>, Array1<f64>>("log_softmax 1-d", &|x| log_softmax(x),
            &|x, r, d| log_softmax_jvp0(x, r, d), &|x, r, g| log_softmax_vjp0(x, r, g), &x1, rng);
        check_op::<Array2<f64>, Array2<f64>>("log_softmax 2-d", &|x| log_softmax(x),
            &|x, r, d| log_softmax_jvp0(x, r, d), &|x, r, g| log_softmax_vjp0(x, r, g), &x2, rng);
        let l2 = log_softmax(&x2);
        let want = softmax(&x2).mapv(f64::ln);
        for (a, b) in l2.iter().zip(want.iter()) {
            prop_assert!((a - b).abs() < 1e-13);
        }
        let g = direction(rng, &x2);
        prop_assert_eq!(log_softmax_vjp0(&x2.view(), &&l2, &g.view()), log_softmax_vjp0(&x2, &l2, &g));
    }

    #[test]
    fn logsumexp_rules(seed in any::<u64>(), n in 1usize..6, m in 1usize..6) {
        let rng = &mut StdRng::seed_from_u64(seed);
        let dom = Dom::Range(-3.0, 3.0);
        let x1: Array1<f64> = sample(rng, &[m], dom);
        let x2: Array2<f64> = sample(rng, &[n, m], dom);
        check_op::<Array1<f64>, f64>("logsumexp 1-d", &|x| logsumexp(x),
            &|x, r, d| logsumexp_jvp0(x, r, d), &|x, r, g| logsumexp_vjp0(x, r, g), &x1, rng);
        check_op::<Array2<f64>, Array1<f64>>("logsumexp 2-d", &|x| logsumexp(x),
            &|x, r, d| logsumexp_jvp0(x, r, d), &|x, r, g| logsumexp_vjp0(x, r, g), &x2, rng);
        prop_assert!((logsumexp(&x1) - naive_lse(x1.as_slice().unwrap())).abs() < 1e-13);
        let l = logsumexp(&x2.view());
        prop_assert_eq!(l.len(), n);
        for (i, row) in x2.outer_iter().enumerate() {
            prop_assert!((l[i] - naive_lse(row.as_slice().unwrap())).abs() < 1e-13);
        }
    }

    #[test]
    fn reduction_rules(seed in any::<u64>(), n in 1usize..6, m in 1usize..6, k in 1usize..5) {
        let rng = &mut StdRng::seed_from_u64(seed);
        let dom = Dom::Range(-3.0, 3.0);
        let x1: Array1<f64> = sample(rng, &[m], dom);
        let x2: Array2<f64> = sample(rng, &[n, m], dom);
        let s: f64 = sample_f64(rng, dom);
        check_op::<Array1<f64>, f64>("sum_last 1-d", &|x| sum_last(x),
            &|x, r, d| sum_last_jvp0(x, r, d), &|x, r, g| sum_last_vjp0(x, r, g), &x1, rng);
        check_op::<Array2<f64>, Array1<f64>>("sum_last 2-d", &|x| sum_last(x),
            &|x, r, d| sum_last_jvp0(x, r, d), &|x, r, g| sum_last_vjp0(x, r, g), &x2, rng);
        check_op::<f64, Array1<f64>>("expand_last 0-d", &|x| expand_last(x, k),
            &|x, r, d| expand_last_jvp0(x, k, r, d), &|x, r, g| expand_last_vjp0(x, k, r, g), &s, rng);
        check_op::<Array1<f64>, Array2<f64>>("expand_last 1-d", &|x| expand_last(x, k),
            &|x, r, d| expand_last_jvp0(x, k, r, d), &|x, r, g| expand_last_vjp0(x, k, r, g), &x1, rng);
        check_op::<f64, f64>("sum_all 0-d", &|x| sum_all(x),
            &|x, r, d| sum_all_jvp0(x, r, d), &|x, r, g| sum_all_vjp0(x, r, g), &s, rng);
        check_op::<Array1<f64>, f64>("sum_all 1-d", &|x| sum_all(x),
            &|x, r, d| sum_all_jvp0(x, r, d), &|x, r, g| sum_all_vjp0(x, r, g), &x1, rng);
        check_op::<Array2<f64>, f64>("sum_all 2-d", &|x| sum_all(x),
            &|x, r, d| sum_all_jvp0(x, r, d), &|x, r, g| sum_all_vjp0(x, r, g), &x2, rng);
        let e = expand_last(&x1.view(), k);
        prop_assert_eq!(e.shape(), &[m, k]);
        prop_assert_eq!(sum_last(&e), x1.mapv(|v| v * k as f64));
    }
}

// ---------------------------------------------------------------------------------------
// Losses
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]
    #[test]
    fn cross_entropy_on_linear_rules(seed in any::<u64>(), n in 1usize..6, m in 1usize..6) {
        let rng = &mut StdRng::seed_from_u64(seed);
        let dz = Dom::Range(-3.0, 3.0);
        let dt = Dom::Range(0.0, 1.0);
        let (z1, t1): (Array1<f64>, Array1<f64>) = (sample(rng, &[m], dz), sample(rng, &[m], dt));
        let (z2, t2): (Array2<f64>, Array2<f64>) = (sample(rng, &[n, m], dz), sample(rng, &[n, m], dt));
        check_op2::<Array1<f64>, Array1<f64>, f64>("cross_entropy_on_linear 1-d",
            &|z, t| cross_entropy_on_linear(z, t),
            &|z, t, r, d| cross_entropy_on_linear_jvp0(z, t, r, d),
            &|z, t, r, d| cross_entropy_on_linear_jvp1(z, t, r, d),
            &|z, t, r, g| cross_entropy_on_linear_vjp0(z, t, r, g),
            &|z, t, r, g| cross_entropy_on_linear_vjp1(z, t, r, g), &z1, &t1, rng);
        check_op2::<Array2<f64>, Array2<f64>, f64>("cross_entropy_on_linear 2-d",
            &|z, t| cross_entropy_on_linear(z, t),
            &|z, t, r, d| cross_entropy_on_linear_jvp0(z, t, r, d),
            &|z, t, r, d| cross_entropy_on_linear_jvp1(z, t, r, d),
            &|z, t, r, g| cross_entropy_on_linear_vjp0(z, t, r, g),
            &|z, t, r, g| cross_entropy_on_linear_vjp1(z, t, r, g), &z2, &t2, rng);
        // one-hot targets: the mean of -log softmax at the target class
        let mut onehot = Array2::<f64>::zeros((n, m));
        let mut want = 0.0;
        let ls = log_softmax(&z2);
        for i in 0..n {
            let c = (seed as usize + i) % m;
            onehot[[i, c]] = 1.0;
            want -= ls[[i, c]] / n as f64;
        }
        let r = cross_entropy_on_linear(&z2.view(), &onehot.view());
        prop_assert!((r - want).abs() < 1e-13);
        // gradient wrt logits for one-hot targets: (softmax - onehot) / n
        let g = cross_entropy_on_linear_vjp0(&z2.view(), &onehot.view(), &r, &1.0);
        let want_g = (softmax(&z2) - &onehot) / n as f64;
        for (a, b) in g.iter().zip(want_g.iter()) {
            prop_assert!((a - b).abs() < 1e-14);
        }
    }

    #[test]
    fn cross_entropy_on_softmax_rules(seed in any::<u64>(), n in 1usize..6, m in 1usize..6) {
        let rng = &mut StdRng::seed_from_u64(seed);
        let dp = Dom::Range(0.05, 1.0);
        let dt = Dom::Range(0.0, 1.0);
        let (p0, t0): (f64, f64) = (sample_f64(rng, dp), sample_f64(rng, dt));
        let (p1, t1): (Array1<f64>, Array1<f64>) = (sample(rng, &[m], dp), sample(rng, &[m], dt));
        let (p2, t2): (Array2<f64>, Array2<f64>) = (sample(rng, &[n, m], dp), sample(rng, &[n, m], dt));
        check_op2::<f64, f64, f64>("cross_entropy_on_softmax 0-d",
            &|p, t| cross_entropy_on_softmax(p, t),
            &|p, t, r, d| cross_entropy_on_softmax_jvp0(p, t, r, d),
            &|p, t, r, d| cross_entropy_on_softmax_jvp1(p, t, r, d),
            &|p, t, r, g| cross_entropy_on_softmax_vjp0(p, t, r, g),
            &|p, t, r, g| cross_entropy_on_softmax_vjp1(p, t, r, g), &p0, &t0, rng);
        check_op2::<Array1<f64>, Array1<f64>, f64>("cross_entropy_on_softmax 1-d",
            &|p, t| cross_entropy_on_softmax(p, t),
            &|p, t, r, d| cross_entropy_on_softmax_jvp0(p, t, r, d),
            &|p, t, r, d| cross_entropy_on_softmax_jvp1(p, t, r, d),
            &|p, t, r, g| cross_entropy_on_softmax_vjp0(p, t, r, g),
            &|p, t, r, g| cross_entropy_on_softmax_vjp1(p, t, r, g), &p1, &t1, rng);
        check_op2::<Array2<f64>, Array2<f64>, f64>("cross_entropy_on_softmax 2-d",
            &|p, t| cross_entropy_on_softmax(p, t),
            &|p, t, r, d| cross_entropy_on_softmax_jvp0(p, t, r, d),
            &|p, t, r, d| cross_entropy_on_softmax_jvp1(p, t, r, d),
            &|p, t, r, g| cross_entropy_on_softmax_vjp0(p, t, r, g),
            &|p, t, r, g| cross_entropy_on_softmax_vjp1(p, t, r, g), &p2, &t2, rng);
        // on the softmax of logits it equals cross_entropy_on_linear
        let z: Array2<f64> = sample(rng, &[n, m], Dom::Range(-3.0, 3.0));
        let a = cross_entropy_on_softmax(&softmax(&z), &t2.view());
        let b = cross_entropy_on_linear(&z, &t2);
        prop_assert!((a - b).abs() < 1e-12 * (1.0 + b.abs()));
    }

    #[test]
    fn mse_rules(seed in any::<u64>(), n in 1usize..6, m in 1usize..6) {
        let rng = &mut StdRng::seed_from_u64(seed);
        let dom = Dom::Range(-3.0, 3.0);
        let (p0, t0): (f64, f64) = (sample_f64(rng, dom), sample_f64(rng, dom));
        let (p1, t1): (Array1<f64>, Array1<f64>) = (sample(rng, &[m], dom), sample(rng, &[m], dom));
        let (p2, t2): (Array2<f64>, Array2<f64>) = (sample(rng, &[n, m], dom), sample(rng, &[n, m], dom));
        check_op2::<f64, f64, f64>("mse 0-d", &|p, t| mse(p, t),
            &|p, t, r, d| mse_jvp0(p, t, r, d), &|p, t, r, d| mse_jvp1(p, t, r, d),
            &|p, t, r, g| mse_vjp0(p, t, r, g), &|p, t, r, g| mse_vjp1(p, t, r, g), &p0, &t0, rng);
        check_op2::<Array1<f64>, Array1<f64>, f64>("mse 1-d", &|p, t| mse(p, t),
            &|p, t, r, d| mse_jvp0(p, t, r, d), &|p, t, r, d| mse_jvp1(p, t, r, d),
            &|p, t, r, g| mse_vjp0(p, t, r, g), &|p, t, r, g| mse_vjp1(p, t, r, g), &p1, &t1, rng);
        check_op2::<Array2<f64>, Array2<f64>, f64>("mse 2-d", &|p, t| mse(p, t),
            &|p, t, r, d| mse_jvp0(p, t, r, d), &|p, t, r, d| mse_jvp1(p, t, r, d),
            &|p, t, r, g| mse_vjp0(p, t, r, g), &|p, t, r, g| mse_vjp1(p, t, r, g), &p2, &t2, rng);
        let want = (&p2 - &t2).mapv(|e| e * e).mean().unwrap();
        prop_assert!((mse(&p2.view(), &t2.view()) - want).abs() < 1e-13);
        let r = mse(&p2, &t2);
        prop_assert_eq!(mse_vjp0(&p2.view(), &&t2, &r, &2.0), mse_vjp0(&p2, &t2, &r, &2.0));
    }

    #[test]
    fn l1_l2_rules(seed in any::<u64>(), n in 1usize..6, m in 1usize..6) {
        let rng = &mut StdRng::seed_from_u64(seed);
        let dom = Dom::Signed(0.1, 3.0);
        let x0: f64 = sample_f64(rng, dom);
        let x1: Array1<f64> = sample(rng, &[m], dom);
        let x2: Array2<f64> = sample(rng, &[n, m], dom);
        check_op::<f64, f64>("l1 0-d", &|x| l1(x), &|x, r, d| l1_jvp0(x, r, d), &|x, r, g| l1_vjp0(x, r, g), &x0, rng);
        check_op::<Array1<f64>, f64>("l1 1-d", &|x| l1(x), &|x, r, d| l1_jvp0(x, r, d), &|x, r, g| l1_vjp0(x, r, g), &x1, rng);
        check_op::<Array2<f64>, f64>("l1 2-d", &|x| l1(x), &|x, r, d| l1_jvp0(x, r, d), &|x, r, g| l1_vjp0(x, r, g), &x2, rng);
        check_op::<f64, f64>("l2 0-d", &|x| l2(x), &|x, r, d| l2_jvp0(x, r, d), &|x, r, g| l2_vjp0(x, r, g), &x0, rng);
        check_op::<Array1<f64>, f64>("l2 1-d", &|x| l2(x), &|x, r, d| l2_jvp0(x, r, d), &|x, r, g| l2_vjp0(x, r, g), &x1, rng);
        check_op::<Array2<f64>, f64>("l2 2-d", &|x| l2(x), &|x, r, d| l2_jvp0(x, r, d), &|x, r, g| l2_vjp0(x, r, g), &x2, rng);
        prop_assert!((l1(&x2.view()) - x2.mapv(f64::abs).sum()).abs() < 1e-13);
        prop_assert!((l2(&x2.t()) - x2.mapv(|v| v * v).sum()).abs() < 1e-12);
        // second derivative of l2 in closed form: 2 <v, v2>
        let (v, v2) = (direction(rng, &x2), direction(rng, &x2));
        let got = fd_line(|t| l2_jvp0(&plus(&x2, t, &v2), &0.0, &v));
        prop_assert!((got - 2.0 * dot(&v, &v2)).abs() < FD_TOL * (1.0 + got.abs()));
    }
}

// ---------------------------------------------------------------------------------------
// Numerical stability, conventions, shape errors
// ---------------------------------------------------------------------------------------

#[test]
fn stable_for_large_values() {
    let x: Array1<f64> = array![-1000.0, -40.0, 0.0, 40.0, 1000.0];
    let s = sigmoid(&x);
    assert!(s.iter().all(|v| v.is_finite()));
    assert_eq!(s[0], 0.0);
    assert_eq!(s[4], 1.0);
    assert!((s[1] - (-40.0f64).exp()).abs() < 1e-30);
    let ds = sigmoid_jvp0(&x, &s, &Array1::ones(5));
    assert!(ds.iter().all(|v| v.is_finite() && *v >= 0.0));

    let sp = softplus(&x);
    assert_eq!(sp[4], 1000.0);
    assert_eq!(sp[0], 0.0);
    assert!((sp[1] - (-40.0f64).exp()).abs() < 1e-30);
    assert!((sp[2] - 2f64.ln()).abs() < 1e-15);
    assert!(softplus_vjp0(&x, &sp, &Array1::ones(5))
        .iter()
        .all(|v| v.is_finite()));

    assert!((logsumexp(&array![1000.0, 1000.0]) - (1000.0 + 2f64.ln())).abs() < 1e-12);
    assert!((logsumexp(&array![-1000.0, -1000.0]) - (-1000.0 + 2f64.ln())).abs() < 1e-12);
    assert_eq!(
        logsumexp(&array![f64::NEG_INFINITY, f64::NEG_INFINITY]),
        f64::NEG_INFINITY
    );
    assert_eq!(logsumexp(&array![f64::NEG_INFINITY, 0.0]), 0.0);
    let big: Array2<f64> = array![[1000.0, 0.0, -1000.0], [5.0, 5.0, 5.0]];
    let sm = softmax(&big);
    assert_eq!(sm.row(0).to_vec(), vec![1.0, 0.0, 0.0]);
    assert!((sm[[1, 0]] - 1.0 / 3.0).abs() < 1e-15);
    let lsm = log_softmax(&big);
    assert_eq!(lsm.row(0).to_vec(), vec![0.0, -1000.0, -2000.0]);
    let g = Array2::ones((2, 3));
    assert!(softmax_vjp0(&big, &sm, &g).iter().all(|v| v.is_finite()));
    assert!(log_softmax_vjp0(&big, &lsm, &g)
        .iter()
        .all(|v| v.is_finite()));
    assert!(logsumexp_vjp0(&big, &logsumexp(&big), &array![1.0, 1.0])
        .iter()
        .all(|v| v.is_finite()));

    let t = array![[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]];
    let ce = cross_entropy_on_linear(&big, &t);
    assert!((ce - (2000.0 + (3f64).ln()) / 2.0).abs() < 1e-9);
    let gz = cross_entropy_on_linear_vjp0(&big, &t, &ce, &1.0);
    assert!(gz.iter().all(|v| v.is_finite()));
    // cross_entropy_on_softmax: zero targets count as zero even where the probability is 0
    let p = array![[0.0, 0.5, 0.5]];
    let t1 = array![[0.0, 1.0, 0.0]];
    assert!((cross_entropy_on_softmax(&p, &t1) - 2f64.ln()).abs() < 1e-15);
}

#[test]
fn kink_conventions() {
    assert_eq!(relu(&array![-1.0, 0.0, 2.0]), array![0.0, 0.0, 2.0]);
    assert_eq!(relu_jvp0(&0.0, &0.0, &1.0), 0.0);
    assert_eq!(
        relu_vjp0(&array![0.0, 1.0], &array![0.0, 1.0], &array![1.0, 1.0]),
        array![0.0, 1.0]
    );
    assert!(relu(&f64::NAN).is_nan());
    // elu'(0) = alpha
    assert_eq!(elu_jvp0(&0.0, 0.5, &0.0, &1.0), 0.5);
    assert_eq!(
        elu(&array![-1.0, 2.0], 1.0),
        array![(-1.0f64).exp_m1(), 2.0]
    );
    // l1 at 0: sign(0) = 0
    assert_eq!(l1_vjp0(&array![0.0, -2.0], &2.0, &1.0), array![0.0, -1.0]);
}

#[test]
#[should_panic(expected = "hype: `mse`: incompatible shapes [2] and [3]")]
fn mse_shape_mismatch_panics() {
    let _ = mse(&Array1::<f64>::zeros(2), &Array1::<f64>::zeros(3));
}

#[test]
#[should_panic(expected = "hype: `cross_entropy_on_linear`: incompatible shapes [2, 3] and [2, 2]")]
fn cross_entropy_shape_mismatch_panics() {
    let _ = cross_entropy_on_linear(&Array2::<f64>::zeros((2, 3)), &Array2::<f64>::zeros((2, 2)));
}
