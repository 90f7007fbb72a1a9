//! Property tests of the elementwise primitives of `hype_runtime::rt` and their rules:
//! every jvp and vjp rule against central finite differences of the primal, the
//! dot-product test between the two rules, and second-order checks (finite differences
//! of the rules against closed-form second derivatives), over scalars, 1-d, 2-d and
//! dynamic-dimensional arrays, views, and the broadcasting combinations of binary ops.

mod common;

use common::*;
use hype_runtime::rt::*;
use ndarray::{array, Array1, Array2, ArrayD};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

const CASES: u32 = 48;

// ---------------------------------------------------------------------------------------
// Unary ops
// ---------------------------------------------------------------------------------------

macro_rules! unary_test {
    ($test:ident, $op:ident, $jvp:ident, $vjp:ident, $dom:expr, $scalar:expr, $d2:expr) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(CASES))]
            #[test]
            fn $test(seed in any::<u64>(), n in 1usize..6, m in 1usize..6) {
                let mut rng = StdRng::seed_from_u64(seed);
                let dom: Dom = $dom;
                let scalar = $scalar;
                let d2 = $d2;
                let name = stringify!($op);
                check_unary::<f64>(name, &|x| $op(x), &|x, r, d| $jvp(x, r, d),
                    &|x, r, g| $vjp(x, r, g), &scalar, &d2, &mut rng, &[], dom);
                check_unary::<Array1<f64>>(name, &|x| $op(x), &|x, r, d| $jvp(x, r, d),
                    &|x, r, g| $vjp(x, r, g), &scalar, &d2, &mut rng, &[n], dom);
                check_unary::<Array2<f64>>(name, &|x| $op(x), &|x, r, d| $jvp(x, r, d),
                    &|x, r, g| $vjp(x, r, g), &scalar, &d2, &mut rng, &[n, m], dom);
                check_unary::<ArrayD<f64>>(name, &|x| $op(x), &|x, r, d| $jvp(x, r, d),
                    &|x, r, g| $vjp(x, r, g), &scalar, &d2, &mut rng, &[m, 2, n], dom);

                // Views, references to references and non-contiguous views give the same.
                let x: Array2<f64> = sample(&mut rng, &[n, m], dom);
                let d: Array2<f64> = direction(&mut rng, &x);
                let r = $op(&x);
                prop_assert_eq!(&$op(&x.view()), &r);
                prop_assert_eq!(&$op(&&x), &r);
                prop_assert_eq!($op(&x.t()), r.t().to_owned());
                let j = $jvp(&x, &r, &d);
                prop_assert_eq!(&$jvp(&x.view(), &&r, &d.view()), &j);
                prop_assert_eq!(&$vjp(&&x, &r, &d.view()), &$vjp(&x, &r, &d));
                let xs: f64 = sample_f64(&mut rng, dom);
                let rs = $op(&xs);
                prop_assert_eq!($jvp(&&xs, &&rs, &&1.5), $jvp(&xs, &rs, &1.5));
            }
        }
    };
}

unary_test!(
    exp_rules,
    exp,
    exp_jvp0,
    exp_vjp0,
    Dom::Range(-3.0, 3.0),
    f64::exp,
    f64::exp
);
unary_test!(
    ln_rules,
    ln,
    ln_jvp0,
    ln_vjp0,
    Dom::Range(0.2, 5.0),
    f64::ln,
    |x: f64| -1.0 / (x * x)
);
unary_test!(
    log2_rules,
    log2,
    log2_jvp0,
    log2_vjp0,
    Dom::Range(0.2, 5.0),
    f64::log2,
    |x: f64| { -1.0 / (x * x * std::f64::consts::LN_2) }
);
unary_test!(
    log10_rules,
    log10,
    log10_jvp0,
    log10_vjp0,
    Dom::Range(0.2, 5.0),
    f64::log10,
    |x: f64| { -1.0 / (x * x * std::f64::consts::LN_10) }
);
unary_test!(
    sqrt_rules,
    sqrt,
    sqrt_jvp0,
    sqrt_vjp0,
    Dom::Range(0.2, 5.0),
    f64::sqrt,
    |x: f64| -0.25 * x.powf(-1.5)
);
unary_test!(
    cbrt_rules,
    cbrt,
    cbrt_jvp0,
    cbrt_vjp0,
    Dom::Signed(0.2, 5.0),
    f64::cbrt,
    |x: f64| { -2.0 / (9.0 * x.cbrt().powi(5)) }
);
unary_test!(
    sin_rules,
    sin,
    sin_jvp0,
    sin_vjp0,
    Dom::Range(-3.0, 3.0),
    f64::sin,
    |x: f64| -x.sin()
);
unary_test!(
    cos_rules,
    cos,
    cos_jvp0,
    cos_vjp0,
    Dom::Range(-3.0, 3.0),
    f64::cos,
    |x: f64| -x.cos()
);
unary_test!(
    tan_rules,
    tan,
    tan_jvp0,
    tan_vjp0,
    Dom::Range(-1.2, 1.2),
    f64::tan,
    |x: f64| {
        let t = x.tan();
        2.0 * t * (1.0 + t * t)
    }
);
unary_test!(
    asin_rules,
    asin,
    asin_jvp0,
    asin_vjp0,
    Dom::Range(-0.9, 0.9),
    f64::asin,
    |x: f64| x / (1.0 - x * x).powf(1.5)
);
unary_test!(
    acos_rules,
    acos,
    acos_jvp0,
    acos_vjp0,
    Dom::Range(-0.9, 0.9),
    f64::acos,
    |x: f64| -x / (1.0 - x * x).powf(1.5)
);
unary_test!(
    atan_rules,
    atan,
    atan_jvp0,
    atan_vjp0,
    Dom::Range(-3.0, 3.0),
    f64::atan,
    |x: f64| { -2.0 * x / (1.0 + x * x).powi(2) }
);
unary_test!(
    sinh_rules,
    sinh,
    sinh_jvp0,
    sinh_vjp0,
    Dom::Range(-3.0, 3.0),
    f64::sinh,
    f64::sinh
);
unary_test!(
    cosh_rules,
    cosh,
    cosh_jvp0,
    cosh_vjp0,
    Dom::Range(-3.0, 3.0),
    f64::cosh,
    f64::cosh
);
unary_test!(
    tanh_rules,
    tanh,
    tanh_jvp0,
    tanh_vjp0,
    Dom::Range(-3.0, 3.0),
    f64::tanh,
    |x: f64| {
        let t = x.tanh();
        -2.0 * t * (1.0 - t * t)
    }
);
unary_test!(
    abs_rules,
    abs,
    abs_jvp0,
    abs_vjp0,
    Dom::Signed(0.1, 3.0),
    f64::abs,
    |_x: f64| 0.0
);
unary_test!(
    recip_rules,
    recip,
    recip_jvp0,
    recip_vjp0,
    Dom::Signed(0.3, 3.0),
    f64::recip,
    |x: f64| { 2.0 / (x * x * x) }
);
unary_test!(
    sign_rules,
    sign,
    sign_jvp0,
    sign_vjp0,
    Dom::Signed(0.1, 3.0),
    f64::signum,
    |_x: f64| 0.0
);
unary_test!(
    step_rules,
    step,
    step_jvp0,
    step_vjp0,
    Dom::Signed(0.1, 3.0),
    |x: f64| if x > 0.0 { 1.0 } else { 0.0 },
    |_x: f64| 0.0
);
unary_test!(
    zeros_like_rules,
    zeros_like,
    zeros_like_jvp0,
    zeros_like_vjp0,
    Dom::Range(-3.0, 3.0),
    |_x: f64| 0.0,
    |_x: f64| 0.0
);
unary_test!(
    identity_rules,
    identity,
    identity_jvp0,
    identity_vjp0,
    Dom::Range(-3.0, 3.0),
    |x: f64| x,
    |_x: f64| 0.0
);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]
    #[test]
    fn powi_rules(seed in any::<u64>(), n in 1usize..6, m in 1usize..6, k in -3i32..6) {
        let mut rng = StdRng::seed_from_u64(seed);
        let dom = Dom::Signed(0.3, 2.0);
        let scalar = move |x: f64| x.powi(k);
        let kf = f64::from(k);
        let d2 = move |x: f64| kf * (kf - 1.0) * x.powi(k - 2);
        check_unary::<f64>("powi", &|x| powi(x, k), &|x, r, d| powi_jvp0(x, k, r, d),
            &|x, r, g| powi_vjp0(x, k, r, g), &scalar, &d2, &mut rng, &[], dom);
        check_unary::<Array1<f64>>("powi", &|x| powi(x, k), &|x, r, d| powi_jvp0(x, k, r, d),
            &|x, r, g| powi_vjp0(x, k, r, g), &scalar, &d2, &mut rng, &[n], dom);
        check_unary::<Array2<f64>>("powi", &|x| powi(x, k), &|x, r, d| powi_jvp0(x, k, r, d),
            &|x, r, g| powi_vjp0(x, k, r, g), &scalar, &d2, &mut rng, &[n, m], dom);
        let x: Array2<f64> = sample(&mut rng, &[n, m], dom);
        let r = powi(&x.view(), k);
        prop_assert_eq!(&powi_vjp0(&x.view(), k, &&r, &x.view()), &powi_vjp0(&x, k, &r, &x));
    }
}

// ---------------------------------------------------------------------------------------
// Binary ops with broadcasting
// ---------------------------------------------------------------------------------------

/// First- and second-order checks of a broadcasting binary op on `a` of shape `sa` and
/// `b` of shape `sb`; `hess(a, b)` gives `[d²/da², d²/da db, d²/db²]`.
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn check_binary<A: Probe, B: Probe, R: Probe>(
    name: &str,
    sa: &[usize],
    sb: &[usize],
    rng: &mut StdRng,
    (da, db): (Dom, Dom),
    f: &dyn Fn(&A, &B) -> R,
    j0: &dyn Fn(&A, &B, &R, &A) -> R,
    j1: &dyn Fn(&A, &B, &R, &B) -> R,
    v0: &dyn Fn(&A, &B, &R, &R) -> A,
    v1: &dyn Fn(&A, &B, &R, &R) -> B,
    scalar: &dyn Fn(f64, f64) -> f64,
    hess: &dyn Fn(f64, f64) -> [f64; 3],
) {
    let a: A = sample(rng, sa, da);
    let b: B = sample(rng, sb, db);
    let what = format!("{name} on {sa:?} and {sb:?} at {a:?}, {b:?}");
    let r = f(&a, &b);
    let rs = r.shape_of();
    let (af, bf) = (bcast_flat(&a, &rs), bcast_flat(&b, &rs));
    let want: Vec<f64> = af.iter().zip(&bf).map(|(&x, &y)| scalar(x, y)).collect();
    assert_flat_close(&format!("{what}: primal"), &r.flat(), &want, 1e-15);

    let va = direction(rng, &a);
    let vb = direction(rng, &b);
    let w = direction(rng, &r);
    check_pair(
        &format!("{what}, argument 0"),
        &|x: &A| f(x, &b),
        &|x, r, d| j0(x, &b, r, d),
        &|x, r, g| v0(x, &b, r, g),
        &a,
        &va,
        &w,
    );
    check_pair(
        &format!("{what}, argument 1"),
        &|y: &B| f(&a, y),
        &|y, r, d| j1(&a, y, r, d),
        &|y, r, g| v1(&a, y, r, g),
        &b,
        &vb,
        &w,
    );

    // Second order along the line (a + t va2, b + t vb2).
    let va2 = direction(rng, &a);
    let vb2 = direction(rng, &b);
    let (vaf, vbf) = (bcast_flat(&va, &rs), bcast_flat(&vb, &rs));
    let (va2f, vb2f) = (bcast_flat(&va2, &rs), bcast_flat(&vb2, &rs));
    let mut want0 = Vec::new();
    let mut want1 = Vec::new();
    for i in 0..af.len() {
        let [h00, h01, h11] = hess(af[i], bf[i]);
        want0.push((h00 * va2f[i] + h01 * vb2f[i]) * vaf[i]);
        want1.push((h01 * va2f[i] + h11 * vb2f[i]) * vbf[i]);
    }
    let line = |t: f64| (plus(&a, t, &va2), plus(&b, t, &vb2));
    check_second(
        &format!("{what}, argument 0"),
        &|t| {
            let (at, bt) = line(t);
            j0(&at, &bt, &f(&at, &bt), &va)
        },
        &|t| {
            let (at, bt) = line(t);
            v0(&at, &bt, &f(&at, &bt), &w)
        },
        &va,
        &w,
        &r.with_flat(want0),
    );
    check_second(
        &format!("{what}, argument 1"),
        &|t| {
            let (at, bt) = line(t);
            j1(&at, &bt, &f(&at, &bt), &vb)
        },
        &|t| {
            let (at, bt) = line(t);
            v1(&at, &bt, &f(&at, &bt), &w)
        },
        &vb,
        &w,
        &r.with_flat(want1),
    );
}

macro_rules! binary_combo {
    ($op:ident, $j0:ident, $j1:ident, $v0:ident, $v1:ident, $hess:expr, $doms:expr, $rng:expr,
     $A:ty, $B:ty, $R:ty, $sa:expr, $sb:expr) => {
        check_binary::<$A, $B, $R>(
            stringify!($op),
            &$sa,
            &$sb,
            $rng,
            $doms,
            &|a, b| $op(a, b),
            &|a, b, r, d| $j0(a, b, r, d),
            &|a, b, r, d| $j1(a, b, r, d),
            &|a, b, r, g| $v0(a, b, r, g),
            &|a, b, r, g| $v1(a, b, r, g),
            &|x: f64, y: f64| $op(&x, &y),
            &$hess,
        )
    };
}

macro_rules! binary_test {
    ($test:ident, $op:ident, $j0:ident, $j1:ident, $v0:ident, $v1:ident, $doms:expr, $hess:expr) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(CASES))]
            #[test]
            fn $test(seed in any::<u64>(), n in 1usize..6, m in 1usize..6) {
                let rng = &mut StdRng::seed_from_u64(seed);
                let doms: (Dom, Dom) = $doms;
                let hess = $hess;
                binary_combo!($op, $j0, $j1, $v0, $v1, hess, doms, rng, f64, f64, f64, [], []);
                binary_combo!($op, $j0, $j1, $v0, $v1, hess, doms, rng, f64, Array1<f64>, Array1<f64>, [], [n]);
                binary_combo!($op, $j0, $j1, $v0, $v1, hess, doms, rng, Array1<f64>, f64, Array1<f64>, [n], []);
                binary_combo!($op, $j0, $j1, $v0, $v1, hess, doms, rng, Array1<f64>, Array1<f64>, Array1<f64>, [n], [n]);
                binary_combo!($op, $j0, $j1, $v0, $v1, hess, doms, rng, Array2<f64>, Array1<f64>, Array2<f64>, [n, m], [m]);
                binary_combo!($op, $j0, $j1, $v0, $v1, hess, doms, rng, Array1<f64>, Array2<f64>, Array2<f64>, [m], [n, m]);
                binary_combo!($op, $j0, $j1, $v0, $v1, hess, doms, rng, Array2<f64>, Array2<f64>, Array2<f64>, [n, 1], [1, m]);
                binary_combo!($op, $j0, $j1, $v0, $v1, hess, doms, rng, Array2<f64>, Array2<f64>, Array2<f64>, [n, m], [n, m]);
                binary_combo!($op, $j0, $j1, $v0, $v1, hess, doms, rng, Array2<f64>, Array2<f64>, Array2<f64>, [n, m], [n, 1]);
                binary_combo!($op, $j0, $j1, $v0, $v1, hess, doms, rng, f64, Array2<f64>, Array2<f64>, [], [n, m]);
                binary_combo!($op, $j0, $j1, $v0, $v1, hess, doms, rng, Array2<f64>, f64, Array2<f64>, [n, m], []);
                binary_combo!($op, $j0, $j1, $v0, $v1, hess, doms, rng, ArrayD<f64>, Array1<f64>, ArrayD<f64>, [2, n, m], [m]);

                // Views and references give the same results as owned values.
                let a: Array2<f64> = sample(rng, &[n, m], doms.0);
                let b: Array1<f64> = sample(rng, &[m], doms.1);
                let r = $op(&a, &b);
                prop_assert_eq!(&$op(&a.view(), &&b), &r);
                prop_assert_eq!(&$op(&a.t(), &b.view().insert_axis(ndarray::Axis(1))), &r.t().to_owned());
                let g: Array2<f64> = direction(rng, &r);
                prop_assert_eq!(&$j0(&&a, &b.view(), &r, &g.view()), &$j0(&a, &b, &r, &g));
                prop_assert_eq!(&$j1(&a.view(), &&b, &&r, &b.view()), &$j1(&a, &b, &r, &b));
                prop_assert_eq!(&$v0(&a.view(), &b.view(), &&r, &g.view()), &$v0(&a, &b, &r, &g));
                prop_assert_eq!(&$v1(&a.view(), &b.view(), &&r, &g.view()), &$v1(&a, &b, &r, &g));
            }
        }
    };
}

/// Values on a grid offset by 0.05 from the other argument's grid: never tied.
const GRID_A: Dom = Dom::Grid {
    offset: 0.05,
    spacing: 0.1,
    k_max: 20,
};
const GRID_B: Dom = Dom::Grid {
    offset: 0.0,
    spacing: 0.1,
    k_max: 20,
};

binary_test!(
    powf_rules,
    powf,
    powf_jvp0,
    powf_jvp1,
    powf_vjp0,
    powf_vjp1,
    (Dom::Range(0.3, 3.0), Dom::Range(-2.0, 2.0)),
    |a: f64, b: f64| {
        let l = a.ln();
        [
            b * (b - 1.0) * a.powf(b - 2.0),
            a.powf(b - 1.0) * (1.0 + b * l),
            a.powf(b) * l * l,
        ]
    }
);
binary_test!(
    max_rules,
    max,
    max_jvp0,
    max_jvp1,
    max_vjp0,
    max_vjp1,
    (GRID_A, GRID_B),
    |_a: f64, _b: f64| [0.0; 3]
);
binary_test!(
    min_rules,
    min,
    min_jvp0,
    min_jvp1,
    min_vjp0,
    min_vjp1,
    (GRID_A, GRID_B),
    |_a: f64, _b: f64| [0.0; 3]
);
binary_test!(
    hypot_rules,
    hypot,
    hypot_jvp0,
    hypot_jvp1,
    hypot_vjp0,
    hypot_vjp1,
    (Dom::Signed(0.3, 3.0), Dom::Signed(0.3, 3.0)),
    |a: f64, b: f64| {
        let r3 = a.hypot(b).powi(3);
        [b * b / r3, -a * b / r3, a * a / r3]
    }
);
binary_test!(
    atan2_rules,
    atan2,
    atan2_jvp0,
    atan2_jvp1,
    atan2_vjp0,
    atan2_vjp1,
    (Dom::Signed(0.3, 3.0), Dom::Signed(0.3, 3.0)),
    |a: f64, b: f64| {
        let s2 = (a * a + b * b).powi(2);
        [-2.0 * a * b / s2, (a * a - b * b) / s2, 2.0 * a * b / s2]
    }
);

// ---------------------------------------------------------------------------------------
// mul_add
// ---------------------------------------------------------------------------------------

/// First- and second-order checks of `mul_add` on shapes `sa`, `sb`, `sc`.
fn check_mul_add<A, B, C, R>(rng: &mut StdRng, sa: &[usize], sb: &[usize], sc: &[usize])
where
    A: Probe + Val<V = A> + ZipWith<B> + BroadcastTo<R, Out = R>,
    B: Probe + Val<V = B> + BroadcastTo<R, Out = R>,
    C: Probe + Val<V = C> + BroadcastTo<R, Out = R>,
    <A as ZipWith<B>>::Out: ZipWith<C, Out = R>,
    R: EwOwned + Probe + SumTo<A, Out = A> + SumTo<B, Out = B> + SumTo<C, Out = C>,
    R: Arith<A, Output = R> + Arith<B, Output = R>,
{
    let dom = Dom::Range(-2.0, 2.0);
    let (a, b, c): (A, B, C) = (
        sample(rng, sa, dom),
        sample(rng, sb, dom),
        sample(rng, sc, dom),
    );
    let what = format!("mul_add on {sa:?}, {sb:?}, {sc:?}");
    let r: R = mul_add(&a, &b, &c);
    let rs = r.shape_of();
    let want: Vec<f64> = bcast_flat(&a, &rs)
        .iter()
        .zip(bcast_flat(&b, &rs))
        .zip(bcast_flat(&c, &rs))
        .map(|((x, y), z)| x * y + z)
        .collect();
    assert_flat_close(&format!("{what}: primal"), &r.flat(), &want, 1e-15);
    let (va, vb, vc, w) = (
        direction(rng, &a),
        direction(rng, &b),
        direction(rng, &c),
        direction(rng, &r),
    );
    check_pair(
        &format!("{what}, argument 0"),
        &|x: &A| mul_add(x, &b, &c),
        &|x, r, d| mul_add_jvp0(x, &b, &c, r, d),
        &|x, r, g| mul_add_vjp0(x, &b, &c, r, g),
        &a,
        &va,
        &w,
    );
    check_pair(
        &format!("{what}, argument 1"),
        &|y: &B| mul_add(&a, y, &c),
        &|y, r, d| mul_add_jvp1(&a, y, &c, r, d),
        &|y, r, g| mul_add_vjp1(&a, y, &c, r, g),
        &b,
        &vb,
        &w,
    );
    check_pair(
        &format!("{what}, argument 2"),
        &|z: &C| mul_add(&a, &b, z),
        &|z, r, d| mul_add_jvp2(&a, &b, z, r, d),
        &|z, r, g| mul_add_vjp2(&a, &b, z, r, g),
        &c,
        &vc,
        &w,
    );
    // Second order: the only nonzero second derivative is d²/da db = 1.
    let (va2, vb2, vc2) = (direction(rng, &a), direction(rng, &b), direction(rng, &c));
    let line = |t: f64| (plus(&a, t, &va2), plus(&b, t, &vb2), plus(&c, t, &vc2));
    let want0 = r.with_flat(times(&bcast_flat(&va, &rs), &bcast_flat(&vb2, &rs)));
    let want1 = r.with_flat(times(&bcast_flat(&vb, &rs), &bcast_flat(&va2, &rs)));
    check_second(
        &format!("{what}, argument 0"),
        &|t| {
            let (x, y, z) = line(t);
            let r: R = mul_add(&x, &y, &z);
            mul_add_jvp0(&x, &y, &z, &r, &va)
        },
        &|t| {
            let (x, y, z) = line(t);
            let r: R = mul_add(&x, &y, &z);
            mul_add_vjp0(&x, &y, &z, &r, &w)
        },
        &va,
        &w,
        &want0,
    );
    check_second(
        &format!("{what}, argument 1"),
        &|t| {
            let (x, y, z) = line(t);
            let r: R = mul_add(&x, &y, &z);
            mul_add_jvp1(&x, &y, &z, &r, &vb)
        },
        &|t| {
            let (x, y, z) = line(t);
            let r: R = mul_add(&x, &y, &z);
            mul_add_vjp1(&x, &y, &z, &r, &w)
        },
        &vb,
        &w,
        &want1,
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]
    #[test]
    fn mul_add_rules(seed in any::<u64>(), n in 1usize..6, m in 1usize..6) {
        let rng = &mut StdRng::seed_from_u64(seed);
        check_mul_add::<f64, f64, f64, f64>(rng, &[], &[], &[]);
        check_mul_add::<Array1<f64>, Array1<f64>, Array1<f64>, Array1<f64>>(rng, &[n], &[n], &[n]);
        check_mul_add::<f64, Array1<f64>, f64, Array1<f64>>(rng, &[], &[n], &[]);
        check_mul_add::<Array2<f64>, Array1<f64>, Array2<f64>, Array2<f64>>(rng, &[n, m], &[m], &[n, 1]);
        check_mul_add::<Array2<f64>, f64, Array1<f64>, Array2<f64>>(rng, &[n, m], &[], &[m]);
        check_mul_add::<Array2<f64>, Array2<f64>, Array2<f64>, Array2<f64>>(rng, &[n, 1], &[1, m], &[n, m]);
        // Views give the same.
        let a: Array2<f64> = sample(rng, &[n, m], Dom::Range(-1.0, 1.0));
        let b: Array1<f64> = sample(rng, &[m], Dom::Range(-1.0, 1.0));
        let r = mul_add(&a.view(), &&b, &2.0);
        prop_assert_eq!(&r, &mul_add(&a, &b, &2.0));
        prop_assert_eq!(mul_add_vjp2(&a.view(), &b.view(), &2.0, &r, &r.view()), r.sum());
    }
}

// ---------------------------------------------------------------------------------------
// Conventions at kinks, shape errors
// ---------------------------------------------------------------------------------------

#[test]
fn kink_conventions() {
    // sign(0) = 0, step(0) = 0, abs'(0) = 0
    assert_eq!(sign(&0.0), 0.0);
    assert_eq!(sign(&array![-2.0, 0.0, 3.0]), array![-1.0, 0.0, 1.0]);
    assert_eq!(step(&array![-2.0, 0.0, 3.0]), array![0.0, 0.0, 1.0]);
    assert_eq!(abs_jvp0(&0.0, &0.0, &1.0), 0.0);
    assert_eq!(
        abs_vjp0(&array![0.0, -1.0], &array![0.0, 1.0], &array![1.0, 1.0]),
        array![0.0, -1.0]
    );
    // max/min ties: the derivative goes to the first argument
    let (a, b) = (1.0, 1.0);
    let r = max(&a, &b);
    assert_eq!(
        (max_jvp0(&a, &b, &r, &1.0), max_jvp1(&a, &b, &r, &1.0)),
        (1.0, 0.0)
    );
    assert_eq!(
        (max_vjp0(&a, &b, &r, &1.0), max_vjp1(&a, &b, &r, &1.0)),
        (1.0, 0.0)
    );
    let r = min(&a, &b);
    assert_eq!(
        (min_jvp0(&a, &b, &r, &1.0), min_jvp1(&a, &b, &r, &1.0)),
        (1.0, 0.0)
    );
    assert_eq!(
        (min_vjp0(&a, &b, &r, &1.0), min_vjp1(&a, &b, &r, &1.0)),
        (1.0, 0.0)
    );
    // powi with exponent 0: exactly zero derivative, also at 0
    assert_eq!(powi_jvp0(&0.0, 0, &1.0, &1.0), 0.0);
    assert_eq!(
        powi_vjp0(&array![0.0, 2.0], 0, &array![1.0, 1.0], &array![1.0, 1.0]),
        array![0.0, 0.0]
    );
    // powi with exponent 1 at 0: derivative 1
    assert_eq!(powi_jvp0(&0.0, 1, &0.0, &1.0), 1.0);
    // powf wrt a at a = 0, b = 2: 0
    assert_eq!(powf_jvp0(&0.0, &2.0, &0.0, &1.0), 0.0);
}

#[test]
fn broadcast_result_shapes() {
    let a = Array2::<f64>::ones((3, 1));
    let b = Array1::<f64>::ones(4);
    let r = hypot(&a, &b);
    assert_eq!(r.shape(), &[3, 4]);
    let g = Array2::<f64>::ones((3, 4));
    assert_eq!(hypot_vjp0(&a, &b, &r, &g).shape(), &[3, 1]);
    assert_eq!(hypot_vjp1(&a, &b, &r, &g).shape(), &[4]);
    let s = atan2_vjp0(&2.0, &b, &atan2(&2.0, &b), &Array1::<f64>::ones(4));
    assert!((s - 4.0 * 1.0 / 5.0).abs() < 1e-15);
}

#[test]
#[should_panic(expected = "hype: `powf`: incompatible shapes [2] and [3]")]
fn powf_shape_mismatch_panics() {
    let _ = powf(&Array1::<f64>::ones(2), &Array1::<f64>::ones(3));
}

#[test]
#[should_panic(expected = "hype: `max`: incompatible shapes [2, 3] and [2]")]
fn max_shape_mismatch_panics() {
    let _ = max(&Array2::<f64>::ones((2, 3)), &Array1::<f64>::ones(2));
}

#[test]
#[should_panic(expected = "hype: `mul_add`: incompatible shapes [4] and [3]")]
fn mul_add_shape_mismatch_panics() {
    let _ = mul_add(&Array1::<f64>::ones(4), &2.0, &Array1::<f64>::ones(3));
}
