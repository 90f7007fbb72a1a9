//! Rules of `dot` (all shape combinations) and `t`: tangent and adjoint rules against
//! central finite differences, the dot-product test, the accumulating forms, and
//! transposed-view operands.

mod common_shape;

use common_shape::*;
use hype_runtime::rt::*;
use ndarray::{Array1, Array2, ShapeBuilder};
use proptest::prelude::*;

/// `x` copied into a new column-major (Fortran-order) array.
fn fortran(x: &Array2<f64>) -> Array2<f64> {
    let mut f = Array2::zeros(x.raw_dim().f());
    f.assign(x);
    f
}

/// The textbook triple loop.
fn naive_mm(a: &Array2<f64>, b: &Array2<f64>) -> Array2<f64> {
    Array2::from_shape_fn((a.nrows(), b.ncols()), |(i, j)| {
        (0..a.ncols()).map(|k| a[[i, k]] * b[[k, j]]).sum()
    })
}

fn cfg() -> ProptestConfig {
    ProptestConfig::with_cases(48)
}

proptest! {
    #![proptest_config(cfg())]

    #[test]
    fn dot_vector_vector(
        (a, b, da, db, g, p0, p1) in size().prop_flat_map(|n| {
            (vec1(n), vec1(n), vec1(n), vec1(n), scalar(), vec1(n), vec1(n))
        })
    ) {
        let r = dot(&a, &b);
        let want: f64 = a.iter().zip(b.iter()).map(|(x, y)| x * y).sum();
        prop_assert!((r - want).abs() <= 1e-12 * (1.0 + want.abs()));
        check_rules("dot v·v wrt a", |x: &Array1<f64>| dot(x, &b),
            |dx| dot_jvp0(&a, &b, &r, dx), |g| dot_vjp0(&a, &b, &r, g), &a, &da, &g);
        check_rules("dot v·v wrt b", |x: &Array1<f64>| dot(&a, x),
            |dx| dot_jvp1(&a, &b, &r, dx), |g| dot_vjp1(&a, &b, &r, g), &b, &db, &g);
        check_acc("dot_acc0 v·v", |s| dot_acc0(s, &a, &b, &r, &g), &dot_vjp0(&a, &b, &r, &g), &p0);
        check_acc("dot_acc1 v·v", |s| dot_acc1(s, &a, &b, &r, &g), &dot_vjp1(&a, &b, &r, &g), &p1);
    }

    #[test]
    fn dot_matrix_vector(
        (a, b, da, db, g, p0, p1) in (size(), size()).prop_flat_map(|(m, n)| {
            (mat(m, n), vec1(n), mat(m, n), vec1(n), vec1(m), mat(m, n), vec1(n))
        })
    ) {
        let r = dot(&a, &b);
        let want = naive_mm(&a, &b.clone().insert_axis(ndarray::Axis(1))).column(0).to_owned();
        assert_close("dot m·v value", &r, &want, 1e-12);
        check_rules("dot m·v wrt a", |x: &Array2<f64>| dot(x, &b),
            |dx| dot_jvp0(&a, &b, &r, dx), |g| dot_vjp0(&a, &b, &r, g), &a, &da, &g);
        check_rules("dot m·v wrt b", |x: &Array1<f64>| dot(&a, x),
            |dx| dot_jvp1(&a, &b, &r, dx), |g| dot_vjp1(&a, &b, &r, g), &b, &db, &g);
        check_acc("dot_acc0 m·v", |s| dot_acc0(s, &a, &b, &r, &g), &dot_vjp0(&a, &b, &r, &g), &p0);
        check_acc("dot_acc1 m·v", |s| dot_acc1(s, &a, &b, &r, &g), &dot_vjp1(&a, &b, &r, &g), &p1);
        // a Fortran-order slot and a transposed-view matrix operand
        let at_src = a.t().to_owned();
        let mut slot = Some(fortran(&p0));
        dot_acc0(&mut slot, &at_src.t(), &b, &r, &g);
        assert_close("dot_acc0 m·v, F-order slot", &slot.unwrap(), &(&p0 + &dot_vjp0(&a, &b, &r, &g)), 1e-12);
        let mut slot = Some(p1.clone());
        dot_acc1(&mut slot, &at_src.t(), &b, &r, &g);
        assert_close("dot_acc1 m·v, view operand", &slot.unwrap(), &(&p1 + &dot_vjp1(&a, &b, &r, &g)), 1e-12);
    }

    #[test]
    fn dot_vector_matrix(
        (a, b, da, db, g, p0, p1) in (size(), size()).prop_flat_map(|(k, n)| {
            (vec1(k), mat(k, n), vec1(k), mat(k, n), vec1(n), vec1(k), mat(k, n))
        })
    ) {
        let r = dot(&a, &b);
        let want = naive_mm(&a.clone().insert_axis(ndarray::Axis(0)), &b).row(0).to_owned();
        assert_close("dot v·m value", &r, &want, 1e-12);
        check_rules("dot v·m wrt a", |x: &Array1<f64>| dot(x, &b),
            |dx| dot_jvp0(&a, &b, &r, dx), |g| dot_vjp0(&a, &b, &r, g), &a, &da, &g);
        check_rules("dot v·m wrt b", |x: &Array2<f64>| dot(&a, x),
            |dx| dot_jvp1(&a, &b, &r, dx), |g| dot_vjp1(&a, &b, &r, g), &b, &db, &g);
        check_acc("dot_acc0 v·m", |s| dot_acc0(s, &a, &b, &r, &g), &dot_vjp0(&a, &b, &r, &g), &p0);
        check_acc("dot_acc1 v·m", |s| dot_acc1(s, &a, &b, &r, &g), &dot_vjp1(&a, &b, &r, &g), &p1);
        let bt_src = b.t().to_owned();
        let mut slot = Some(fortran(&p1));
        dot_acc1(&mut slot, &a, &bt_src.t(), &r, &g);
        assert_close("dot_acc1 v·m, F-order slot", &slot.unwrap(), &(&p1 + &dot_vjp1(&a, &b, &r, &g)), 1e-12);
        let mut slot = Some(p0.clone());
        dot_acc0(&mut slot, &a, &bt_src.t(), &r, &g);
        assert_close("dot_acc0 v·m, view operand", &slot.unwrap(), &(&p0 + &dot_vjp0(&a, &b, &r, &g)), 1e-12);
    }

    #[test]
    fn dot_matrix_matrix(
        (a, b, da, db, g, p0, p1) in (size(), size(), size()).prop_flat_map(|(m, k, n)| {
            (mat(m, k), mat(k, n), mat(m, k), mat(k, n), mat(m, n), mat(m, k), mat(k, n))
        })
    ) {
        let r = dot(&a, &b);
        assert_close("dot m·m value", &r, &naive_mm(&a, &b), 1e-12);
        check_rules("dot m·m wrt a", |x: &Array2<f64>| dot(x, &b),
            |dx| dot_jvp0(&a, &b, &r, dx), |g| dot_vjp0(&a, &b, &r, g), &a, &da, &g);
        check_rules("dot m·m wrt b", |x: &Array2<f64>| dot(&a, x),
            |dx| dot_jvp1(&a, &b, &r, dx), |g| dot_vjp1(&a, &b, &r, g), &b, &db, &g);
        check_acc("dot_acc0 m·m", |s| dot_acc0(s, &a, &b, &r, &g), &dot_vjp0(&a, &b, &r, &g), &p0);
        check_acc("dot_acc1 m·m", |s| dot_acc1(s, &a, &b, &r, &g), &dot_vjp1(&a, &b, &r, &g), &p1);
    }

    #[test]
    fn dot_transposed_views(
        (at_src, bt_src, gt_src, p0, p1) in (size(), size(), size()).prop_flat_map(|(m, k, n)| {
            (mat(k, m), mat(n, k), mat(n, m), mat(m, k), mat(k, n))
        })
    ) {
        // operands given as transposed views of stored arrays: a = at_srcᵀ, b = bt_srcᵀ
        let (a, b, g) = (at_src.t().to_owned(), bt_src.t().to_owned(), gt_src.t().to_owned());
        let r = dot(&a, &b);
        let rv = dot(&at_src.t(), &bt_src.t());
        assert_close("dot of views", &rv, &r, 1e-12);
        let rt = t(&rv);
        assert_close("t(dot) is a view of the product", &rt.to_owned(), &r.t().to_owned(), 0.0);
        let v0 = dot_vjp0(&at_src.t(), &bt_src.t(), &rv, &gt_src.t());
        let v1 = dot_vjp1(&at_src.t(), &bt_src.t(), &rv, &gt_src.t());
        assert_close("vjp0 with views", &v0, &dot_vjp0(&a, &b, &r, &g), 1e-12);
        assert_close("vjp1 with views", &v1, &dot_vjp1(&a, &b, &r, &g), 1e-12);
        let j0 = dot_jvp0(&at_src.t(), &bt_src.t(), &rv, &p0.view());
        assert_close("jvp0 with views", &j0, &dot(&p0, &b), 1e-12);
        // accumulate into C-order and F-order slots, with view operands and adjoint
        for slot0 in [p0.clone(), fortran(&p0)] {
            let mut slot = Some(slot0);
            dot_acc0(&mut slot, &at_src.t(), &bt_src.t(), &rv, &gt_src.t());
            assert_close("dot_acc0 views", &slot.unwrap(), &(&p0 + &v0), 1e-12);
        }
        for slot1 in [p1.clone(), fortran(&p1)] {
            let mut slot = Some(slot1);
            dot_acc1(&mut slot, &at_src.t(), &bt_src.t(), &rv, &gt_src.t());
            assert_close("dot_acc1 views", &slot.unwrap(), &(&p1 + &v1), 1e-12);
        }
        // references to references see through to the same values
        let (ra, rb) = (&a, &b);
        assert_close("dot through &&", &dot(&ra, &&rb), &r, 0.0);
    }

    #[test]
    fn transpose_rules(
        (a, da, g) in (size(), size()).prop_flat_map(|(m, n)| (mat(m, n), mat(m, n), mat(n, m)))
    ) {
        let r = t(&a);
        prop_assert_eq!(r.dim(), (a.ncols(), a.nrows()));
        check_rules("t", |x: &Array2<f64>| t(x).to_owned(),
            |dx| t_jvp0(&a, &r, dx), |g| t_vjp0(&a, &r, g), &a, &da, &g);
        // the transpose of a transposed view is the original, and dot through t works
        assert_close("t(t(a))", &t(&t(&a)).to_owned(), &a, 0.0);
        assert_close("dot(t(a), g')", &dot(&t(&a), &a), &naive_mm(&a.t().to_owned(), &a), 1e-12);
    }

    #[test]
    fn transpose_of_vector_is_identity(
        (v, dv) in size().prop_flat_map(|n| (vec1(n), vec1(n)))
    ) {
        let r = t(&v);
        assert_close("t(v)", &r.to_owned(), &v, 0.0);
        check_rules("t 1-d", |x: &Array1<f64>| t(x).to_owned(),
            |dx| t_jvp0(&v, &r, dx), |g| t_vjp0(&v, &r, g), &v, &dv, &dv);
    }
}

#[test]
#[should_panic(expected = "hype: `dot`: incompatible shapes [2, 3] and [2, 3]")]
fn dot_matrix_shape_mismatch_names_op_and_shapes() {
    let _ = dot(&Array2::<f64>::zeros((2, 3)), &Array2::<f64>::zeros((2, 3)));
}

#[test]
#[should_panic(expected = "hype: `dot`: incompatible shapes [3] and [4]")]
fn dot_vector_shape_mismatch_names_op_and_shapes() {
    let _ = dot(&Array1::<f64>::zeros(3), &Array1::<f64>::zeros(4));
}

#[test]
#[should_panic(expected = "hype: `dot`: incompatible shapes [2, 3] and [2]")]
fn dot_matrix_vector_shape_mismatch() {
    let _ = dot(&Array2::<f64>::zeros((2, 3)), &Array1::<f64>::zeros(2));
}

#[test]
#[should_panic(expected = "hype: `dot`: incompatible shapes [3] and [2, 3]")]
fn dot_vector_matrix_shape_mismatch() {
    let _ = dot(&Array1::<f64>::zeros(3), &Array2::<f64>::zeros((2, 3)));
}

#[test]
#[should_panic(expected = "hype: `dot_vjp0`: incompatible shapes [2, 2] and [2, 3]")]
fn dot_vjp_adjoint_shape_mismatch() {
    let a = Array2::<f64>::zeros((2, 4));
    let b = Array2::<f64>::zeros((4, 3));
    let r = dot(&a, &b);
    let _ = dot_vjp0(&a, &b, &r, &Array2::<f64>::zeros((2, 2)));
}

#[test]
#[should_panic(expected = "hype: `dot_acc0`: incompatible shapes [3, 3] and [2, 4]")]
fn dot_acc_slot_shape_mismatch() {
    let a = Array2::<f64>::zeros((2, 4));
    let b = Array2::<f64>::zeros((4, 3));
    let r = dot(&a, &b);
    let mut slot = Some(Array2::<f64>::zeros((3, 3)));
    dot_acc0(&mut slot, &a, &b, &r, &r);
}

#[test]
fn dot_large_enough_for_blas() {
    // sizes above ndarray's BLAS cutoff, with transposed views: same values as the loop
    let a = Array2::from_shape_fn((17, 9), |(i, j)| ((i * 7 + j * 3) % 11) as f64 - 5.0);
    let b = Array2::from_shape_fn((9, 13), |(i, j)| ((i * 5 + j * 2) % 7) as f64 - 3.0);
    let g = Array2::from_shape_fn((17, 13), |(i, j)| ((i + 2 * j) % 5) as f64 - 2.0);
    let r = dot(&a, &b);
    assert_eq!(r, naive_mm(&a, &b));
    assert_eq!(dot_vjp0(&a, &b, &r, &g), naive_mm(&g, &b.t().to_owned()));
    assert_eq!(dot_vjp1(&a, &b, &r, &g), naive_mm(&a.t().to_owned(), &g));
    let mut slot = Some(Array2::ones((17, 9)));
    dot_acc0(&mut slot, &a, &b, &r, &g);
    assert_eq!(slot.unwrap(), naive_mm(&g, &b.t().to_owned()) + 1.0);
    let mut slot = Some(fortran(&Array2::ones((9, 13))));
    dot_acc1(&mut slot, &a, &b, &r, &g);
    assert_eq!(slot.unwrap(), naive_mm(&a.t().to_owned(), &g) + 1.0);
    let v = Array1::from_shape_fn(9, |i| i as f64 - 4.0);
    let gv = Array1::from_shape_fn(17, |i| (i % 3) as f64 - 1.0);
    let rv = dot(&a, &v);
    let mut slot = Some(Array1::ones(9));
    dot_acc1(&mut slot, &a, &v, &rv, &gv);
    assert_eq!(slot.unwrap(), dot(&t(&a), &gv) + 1.0);
    let mut slot = Some(Array2::ones((17, 9)));
    dot_acc0(&mut slot, &a, &v, &rv, &gv);
    assert_eq!(slot.unwrap(), dot_vjp0(&a, &v, &rv, &gv) + 1.0);
}
