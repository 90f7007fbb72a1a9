//! The runtime in `f32`: the helpers generated code calls besides the primitives of
//! the contract test (in-place adjoints of `dot`, element reads and adjoints of every
//! container, indexed writes, slices, arrays from scalars, loop tapes, tangents), each
//! on `f32` against the same call in `f64`.

use hype_runtime::ndarray::{array, s, Array, Array1, Array2, Dimension, Ix1};
use hype_runtime::rt;
use hype_runtime::{ArrayMath, Float, HasTangent, Tangent};

/// Element `i` of `a` (f32) against `b` (f64) to a relative 1e-6.
#[track_caller]
fn close<A: Tangent, B: Tangent>(what: &str, a: &A, b: &B) {
    rt::contract::assert_close_across(what, a, b, 1e-6);
}

fn f32s<D: Dimension>(a: &Array<f64, D>) -> Array<f32, D> {
    a.mapv(|x| x as f32)
}

#[test]
fn dot_accumulates_in_place_in_f32_as_in_f64() {
    let m = array![[0.3, -1.2, 2.0], [0.1, 0.4, -0.5]];
    let n = array![[0.5, 1.0], [-1.5, 0.2], [1.0, 0.7]];
    let u = array![0.7, -0.2];
    let v = array![0.3, 0.9, -1.1];
    // matrix · matrix: both slots, from None and then in place.
    let g = array![[1.0, -2.0], [0.5, 0.25]];
    let r = rt::dot(&m, &n);
    let (mut s0, mut s1) = (None, None);
    for _ in 0..2 {
        rt::dot_acc0(&mut s0, &m, &n, &r, &g);
        rt::dot_acc1(&mut s1, &m, &n, &r, &g);
    }
    let (m32, n32, g32) = (f32s(&m), f32s(&n), f32s(&g));
    let r32: Array2<f32> = rt::dot(&m32, &n32);
    close("dot mm", &r32, &r);
    let (mut t0, mut t1) = (None, None);
    for _ in 0..2 {
        rt::dot_acc0(&mut t0, &m32, &n32, &r32, &g32);
        rt::dot_acc1(&mut t1, &m32, &n32, &r32, &g32);
    }
    close("dot_acc0 mm", &t0.unwrap(), &s0.unwrap());
    close("dot_acc1 mm", &t1.unwrap(), &s1.unwrap());
    // matrix · vector, vector · matrix, vector · vector.
    let (u32_, v32) = (f32s(&u), f32s(&v));
    let r = rt::dot(&m, &v);
    let r32 = rt::dot(&m32, &v32);
    close("dot mv", &r32, &r);
    let (mut s0, mut s1, mut t0, mut t1) = (None, None, None, None);
    for _ in 0..2 {
        rt::dot_acc0(&mut s0, &m, &v, &r, &u);
        rt::dot_acc1(&mut s1, &m, &v, &r, &u);
        rt::dot_acc0(&mut t0, &m32, &v32, &r32, &u32_);
        rt::dot_acc1(&mut t1, &m32, &v32, &r32, &u32_);
    }
    close("dot_acc0 mv", &t0.unwrap(), &s0.unwrap());
    close("dot_acc1 mv", &t1.unwrap(), &s1.unwrap());
    let r = rt::dot(&u, &m);
    let r32 = rt::dot(&u32_, &m32);
    close("dot vm", &r32, &r);
    let (mut s0, mut s1, mut t0, mut t1) = (None, None, None, None);
    for _ in 0..2 {
        rt::dot_acc0(&mut s0, &u, &m, &r, &v);
        rt::dot_acc1(&mut s1, &u, &m, &r, &v);
        rt::dot_acc0(&mut t0, &u32_, &m32, &r32, &v32);
        rt::dot_acc1(&mut t1, &u32_, &m32, &r32, &v32);
    }
    close("dot_acc0 vm", &t0.unwrap(), &s0.unwrap());
    close("dot_acc1 vm", &t1.unwrap(), &s1.unwrap());
    let r: f64 = rt::dot(&v, &v);
    let r32: f32 = rt::dot(&v32, &v32);
    close("dot vv", &r32, &r);
    let (mut s0, mut t0) = (None, None);
    for _ in 0..2 {
        rt::dot_acc0(&mut s0, &v, &v, &r, &1.5);
        rt::dot_acc0(&mut t0, &v32, &v32, &r32, &1.5f32);
    }
    close("dot_acc0 vv", &t0.unwrap(), &s0.unwrap());
}

#[test]
fn element_reads_and_adjoints_of_every_f32_container() {
    let v: Vec<f32> = vec![1.0, 2.5];
    assert_eq!(rt::at(&&v, 1), 2.5f32);
    let a: [f32; 3] = [1.0, 2.0, 3.0];
    assert_eq!(rt::at(&a, 2), 3.0f32);
    assert_eq!(rt::at(&a[..], 0), 1.0f32);
    let x: Array1<f32> = array![4.0, 5.0];
    assert_eq!(rt::at(&x, 1), 5.0f32);
    let xs: Vec<Array1<f32>> = vec![array![1.0, 2.0], array![3.0, 4.0]];
    assert_eq!(rt::at(&xs[..], 1), &array![3.0f32, 4.0]);

    let mut slot: Option<Vec<Array1<f32>>> = None;
    rt::acc_at(&mut slot, &xs, 1, array![0.5f32, 0.25]);
    rt::acc_at(&mut slot, &xs, 1, array![0.5f32, 0.25]);
    assert_eq!(slot, Some(vec![array![0.0f32, 0.0], array![1.0, 0.5]]));
    let mut sa: Option<[f32; 3]> = None;
    rt::acc_at(&mut sa, &a, 0, 3.0f32);
    assert_eq!(rt::take_at(&mut sa, 0), Some(3.0f32));
    assert_eq!(sa, Some([0.0f32; 3]));
    let mut sv: Option<Vec<f32>> = None;
    rt::acc_at(&mut sv, &v, 1, 2.0f32);
    assert_eq!(rt::take_at(&mut sv, 1), Some(2.0f32));
    let mut sx: Option<Array1<f32>> = None;
    {
        let mut d = rt::dense(true, &mut sx, &x);
        rt::acc_at_dense(&mut d, 1, 2.0f32);
        rt::acc_at_dense(&mut d, 1, 0.5f32);
    }
    assert_eq!(sx, Some(array![0.0f32, 2.5]));
}

#[test]
fn indexing_slicing_and_stacking_in_f32_as_in_f64() {
    let m = array![[0.3, -1.2, 2.0], [0.1, 0.4, -0.5]];
    let m32 = f32s(&m);
    let g = 0.75;
    close("index", &rt::index(&m32, [1, 2]), &rt::index(&m, [1, 2]));
    close(
        "scatter_index",
        &rt::scatter_index(&(g as f32), &m32, [0, 1]),
        &rt::scatter_index(&g, &m, [0, 1]),
    );
    let (mut s64, mut s32) = (None, None);
    for _ in 0..2 {
        rt::index_acc0(&mut s64, &m, [1, 0], &(), &g);
        rt::index_acc0(&mut s32, &m32, [1, 0], &(), &(g as f32));
    }
    close("index_acc0", &s32.unwrap(), &s64.unwrap());
    let (mut w64, mut w32) = (m.clone(), m32.clone());
    rt::index_set(&mut w64, [0, 0], 9.0);
    rt::index_set(&mut w32, [0, 0], 9.0f32);
    rt::index_add(&mut w64, [1, 1], 0.5);
    rt::index_add(&mut w32, [1, 1], 0.5f32);
    close("index_set/index_add", &w32, &w64);
    rt::index_set_vjp0(&mut w32, [1, 1]);
    assert_eq!(w32[[1, 1]], 0.0f32);
    close(
        "index_set_vjp1",
        &rt::index_set_vjp1(&m32, [0, 2]),
        &rt::index_set_vjp1(&m, [0, 2]),
    );

    let gs = array![[1.0, -1.0], [0.5, 2.0]];
    let gs32 = f32s(&gs);
    close(
        "scatter_slice",
        &rt::scatter_slice(&gs32, &m32, s![.., 1..3]),
        &rt::scatter_slice(&gs, &m, s![.., 1..3]),
    );
    let (mut s64, mut s32) = (None, None);
    for _ in 0..2 {
        rt::slice_acc(&mut s64, &m, s![.., 1..3], &gs);
        rt::slice_acc(&mut s32, &m32, s![.., 1..3], &gs32);
    }
    close("slice_acc", &s32.unwrap(), &s64.unwrap());
    close(
        "slice_owned",
        &rt::slice_owned(&m32, s![1, ..]),
        &rt::slice_owned(&m, s![1, ..]),
    );
    close("t_owned", &rt::t_owned(&m32), &rt::t_owned(&m));

    let xs = [0.5f32, -1.0, 2.0];
    let st: Array1<f32> = rt::stack_scalars(&xs);
    assert_eq!(st, array![0.5f32, -1.0, 2.0]);
    let gv = array![1.0f32, 2.0, 3.0];
    assert_eq!(
        rt::stack_scalars_vjp0(&xs, &st, &gv),
        vec![1.0f32, 2.0, 3.0]
    );
    assert_eq!(rt::stack_scalars_vjp_at(&xs, 2, &st, &gv), 3.0f32);
    let rows = [[1.0f32, 2.0], [3.0, 4.0]];
    let st2: Array2<f32> = rt::stack_scalars2(&rows);
    assert_eq!(st2, array![[1.0f32, 2.0], [3.0, 4.0]]);
    assert_eq!(
        rt::stack_scalars2_vjp0(&rows, &st2, &st2),
        vec![[1.0f32, 2.0], [3.0, 4.0]]
    );

    // The adjoint of `a + b` moved through when shapes agree, summed otherwise.
    let big = array![[1.0f32, 2.0], [3.0, 4.0]];
    assert_eq!(rt::add_vjp_owned(big.clone(), &big), big);
    assert_eq!(
        rt::add_vjp_owned(big.clone(), &array![0.0f32, 0.0]),
        array![4.0f32, 6.0]
    );
    assert_eq!(rt::add_vjp_owned(big, &0.0f32), 10.0f32);
}

#[test]
fn loop_tapes_keep_no_f32_scalar() {
    #[allow(unused_imports)]
    use rt::{KeepScalar as _, KeepWhole as _, PopScalar as _, PopWhole as _};
    let mut s = 0.0f32;
    let mut tape = Vec::new();
    for _ in 0..3 {
        let s_new = s + 1.0;
        rt::Kept::new(core::mem::replace(&mut s, s_new)).keep_on(&mut tape);
    }
    (&mut tape).pop_kept();
    assert!(tape.is_empty(), "an f32 scalar's tape is not pushed to");
    rt::restore(&mut s, ());
    assert_eq!(s, 3.0);
    let mut arrays: Vec<Array1<f32>> = Vec::new();
    rt::Kept::new(array![1.0f32]).keep_on(&mut arrays);
    let mut b = array![5.0f32];
    rt::restore(&mut b, (&mut arrays).pop_kept());
    assert_eq!(b, array![1.0f32]);
}

#[test]
fn tangents_of_f32_values() {
    let x: Array1<f32> = array![1.0, -2.0, 0.5];
    let mut t = x.zero_tangent();
    assert_eq!(t, Array1::<f32>::zeros(3));
    t.axpy(2.0, &x);
    assert_eq!(t, array![2.0f32, -4.0, 1.0]);
    t.scale(0.5);
    assert_eq!(t, x);
    assert_eq!(t.inner(&x), 5.25);
    assert_eq!(Tangent::flatten(&t), array![1.0f64, -2.0, 0.5]);
    let back: Array1<f32> = t.rebuild(&array![3.0, 2.0, 1.0]).unwrap();
    assert_eq!(back, array![3.0f32, 2.0, 1.0]);
    assert!(t.rebuild(&array![1.0]).is_err());
    let mut lazy = x.lazy_zero_tangent();
    lazy.acc_move(x.clone());
    assert_eq!(lazy, x);
    let mut lz = x.lazy_zero_tangent();
    x.densify(&mut lz);
    assert_eq!(lz, Array1::<f32>::zeros(3));
    // A scalar, its seed and unit.
    let s = 2.5f32;
    assert_eq!(s.zero_tangent(), 0.0f32);
    assert_eq!(rt::seed_like(&s), 1.0f32);
    assert_eq!(rt::unit_tangent(&s), 1.0f32);
    // Views have the owned tangent of their element type.
    let view = x.slice(s![..2]);
    let tv: Array1<f32> = view.zero_tangent();
    assert_eq!(tv.len(), 2);
}

#[test]
fn literals_take_the_element_type_of_the_other_operand() {
    // As generated code writes operators with a literal: `&2.0` is f32 next to f32.
    let x: Array1<f32> = array![1.0, 2.0];
    let y: Array1<f32> = rt::mul(&x, &2.0);
    let z: Array1<f32> = rt::sub(&1.0, &rt::tanh(&y));
    let s: f32 = rt::add(&rt::sum(&z), &0.5);
    let w: Array1<f32> = rt::powf(&x, &1.5);
    assert_eq!(y, array![2.0f32, 4.0]);
    assert!((s - (2.5 - 2f32.tanh() - 4f32.tanh())).abs() < 1e-6);
    assert!((w[1] - 2f32.powf(1.5)).abs() < 1e-6);
    // And f64 next to f64, as before.
    let x64 = array![1.0, 2.0];
    let y64 = rt::mul(&x64, &2.0);
    assert_eq!(y64.sum(), 6.0f64);
}

#[test]
fn array_math_and_kernel_ops_on_f32() {
    let x64 = array![-3.0, -0.4, 0.0, 0.7, 5.0];
    let x = f32s(&x64);
    close("tanh", &x.tanh(), &x64.tanh());
    close(
        "max",
        &ArrayMath::max(&x, 0.1f32),
        &ArrayMath::max(&x64, 0.1),
    );
    close("mul_add", &x.mul_add(2.0, 1.0), &x64.mul_add(2.0, 1.0));
    // The ops that have vectorized f64 kernels go through f32 libm.
    close("exp", &rt::exp(&x), &rt::exp(&x64));
    close(
        "ln_1p",
        &rt::ln_1p(&x.mapv(f32::abs)),
        &rt::ln_1p(&x64.mapv(f64::abs)),
    );
    close(
        "sigmoid",
        &hype_runtime::ops::sigmoid(&x),
        &hype_runtime::ops::sigmoid(&x64),
    );
    close(
        "softplus",
        &hype_runtime::ops::softplus(&x),
        &hype_runtime::ops::softplus(&x64),
    );
    close(
        "gelu",
        &hype_runtime::ops::gelu(&x),
        &hype_runtime::ops::gelu(&x64),
    );
    // Non-contiguous views too.
    let m64 = array![[0.3, -1.2], [2.0, 0.1]];
    let m = f32s(&m64);
    close(
        "tanh of a transposed view",
        &rt::tanh(&m.t()),
        &rt::tanh(&m64.t()),
    );
    assert_eq!(<f32 as Float>::of_f64(0.1), 0.1f32);
    assert_eq!(0.1f32.into_f64(), f64::from(0.1f32));
    let _: Array<f32, Ix1> = rt::zeros_like(&x);
}

/// The f32 ulp distance between two finite values of the same sign (0 when equal,
/// also for two NaNs).
fn ulps(a: f32, b: f32) -> u32 {
    if a == b || (a.is_nan() && b.is_nan()) {
        return 0;
    }
    if a.is_nan() || b.is_nan() || a.signum() != b.signum() {
        return u32::MAX;
    }
    a.to_bits().abs_diff(b.to_bits())
}

#[test]
fn f32_kernels_are_within_one_ulp_of_the_rounded_f64_reference() {
    use hype_runtime::kernels::Kernel;
    let mut xs: Vec<f32> = vec![
        0.0,
        -0.0,
        f32::MIN_POSITIVE,
        -f32::MIN_POSITIVE,
        1e-40,
        -1e-40,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        88.7,
        89.0,
        -103.0,
        -110.0,
        20.0,
        -20.0,
    ];
    // A sweep over [-30, 30] and over magnitudes 1e-30 .. 1e30.
    xs.extend((0..20_001).map(|i| -30.0 + 0.003 * i as f32));
    xs.extend((0..600).flat_map(|i| {
        let m = 10f32.powf(-30.0 + 0.1 * i as f32);
        [m, -m]
    }));
    for k in Kernel::ALL {
        let mut got = xs.clone();
        k.apply_f32(&mut got);
        for (&x, &y) in xs.iter().zip(&got) {
            let want = k.reference(f64::from(x)) as f32;
            assert!(
                ulps(y, want) <= 1,
                "{}({x:e}): {y:e} against {want:e}",
                k.name()
            );
        }
    }
}
