//! Rules of the reductions (`sum`, `mean`, `sum_axis`, `mean_axis`) and shape ops
//! (`insert_axis`, `remove_axis`, `to_owned`, `clone_val`, `slice`, `index`, indexed
//! writes, `stack_scalars`): tangent and adjoint rules against central finite
//! differences, the dot-product test and the accumulating forms.

mod common_shape;

use common_shape::*;
use hype_runtime::rt::*;
use ndarray::{s, Array0, Array1, Array2, Array3, Axis};
use proptest::prelude::*;

fn cfg() -> ProptestConfig {
    ProptestConfig::with_cases(48)
}

/// A matrix and two more of the same shape (tangent, previous slot value).
fn mat3() -> impl Strategy<Value = (Array2<f64>, Array2<f64>, Array2<f64>)> {
    (size(), size()).prop_flat_map(|(m, n)| (mat(m, n), mat(m, n), mat(m, n)))
}

proptest! {
    #![proptest_config(cfg())]

    #[test]
    fn sum_and_mean((a, da, _p) in mat3(), g in scalar()) {
        let r = sum(&a);
        prop_assert!((r - a.iter().sum::<f64>()).abs() < 1e-12);
        check_rules("sum", |x: &Array2<f64>| sum(x),
            |dx| sum_jvp0(&a, &r, dx), |g| sum_vjp0(&a, &r, g), &a, &da, &g);
        let r = mean(&a);
        prop_assert!((r - a.mean().unwrap()).abs() < 1e-12);
        check_rules("mean", |x: &Array2<f64>| mean(x),
            |dx| mean_jvp0(&a, &r, dx), |g| mean_vjp0(&a, &r, g), &a, &da, &g);
        // 1-d operands and transposed views
        let v = a.row(0).to_owned();
        let dv = da.row(0).to_owned();
        let rv = sum(&v);
        check_rules("sum 1-d", |x: &Array1<f64>| sum(x),
            |dx| sum_jvp0(&v, &rv, dx), |g| sum_vjp0(&v, &rv, g), &v, &dv, &g);
        prop_assert!((sum(&a.t()) - sum(&a)).abs() < 1e-12);
        prop_assert!((mean(&&a.t()) - mean(&a)).abs() < 1e-12);
    }

    #[test]
    fn sum_axis_and_mean_axis((a, da, _p) in mat3(), ax in 0usize..2, gs in prop::collection::vec(scalar(), 6)) {
        let axis = Axis(ax);
        let r = sum_axis(&a, axis);
        let g = Array1::from_shape_fn(r.len(), |i| gs[i]);
        assert_close("sum_axis value", &r, &a.sum_axis(axis), 1e-12);
        check_rules("sum_axis", |x: &Array2<f64>| sum_axis(x, axis),
            |dx| sum_axis_jvp0(&a, axis, &r, dx), |g| sum_axis_vjp0(&a, axis, &r, g), &a, &da, &g);
        let r = mean_axis(&a, axis);
        assert_close("mean_axis value", &r, &a.mean_axis(axis).unwrap(), 1e-12);
        check_rules("mean_axis", |x: &Array2<f64>| mean_axis(x, axis),
            |dx| mean_axis_jvp0(&a, axis, &r, dx), |g| mean_axis_vjp0(&a, axis, &r, g), &a, &da, &g);
        // the adjoint may come as a view
        assert_close("sum_axis_vjp0 of a view", &sum_axis_vjp0(&a, axis, &r, &g.view()),
            &sum_axis_vjp0(&a, axis, &r, &g), 0.0);
        // 1-d: the result is 0-d
        let v = a.column(0).to_owned();
        let dv = da.column(0).to_owned();
        let rv = sum_axis(&v, Axis(0));
        let g0 = Array0::from_elem((), gs[0]);
        check_rules("sum_axis 1-d", |x: &Array1<f64>| sum_axis(x, Axis(0)),
            |dx| sum_axis_jvp0(&v, Axis(0), &rv, dx), |g| sum_axis_vjp0(&v, Axis(0), &rv, g), &v, &dv, &g0);
        let rv = mean_axis(&v, Axis(0));
        check_rules("mean_axis 1-d", |x: &Array1<f64>| mean_axis(x, Axis(0)),
            |dx| mean_axis_jvp0(&v, Axis(0), &rv, dx), |g| mean_axis_vjp0(&v, Axis(0), &rv, g), &v, &dv, &g0);
    }

    #[test]
    fn sum_axis_3d(
        (a, da, g) in (size(), size(), size(), 0usize..3).prop_flat_map(|(p, q, r, ax)| {
            let shape = [p, q, r];
            let mut gshape = shape.to_vec();
            gshape.remove(ax);
            (
                prop::collection::vec(scalar(), p * q * r).prop_map(move |v| Array3::from_shape_vec(shape, v).unwrap()),
                prop::collection::vec(scalar(), p * q * r).prop_map(move |v| Array3::from_shape_vec(shape, v).unwrap()),
                prop::collection::vec(scalar(), gshape[0] * gshape[1])
                    .prop_map(move |v| (ax, Array2::from_shape_vec((gshape[0], gshape[1]), v).unwrap())),
            )
        })
    ) {
        let (ax, g) = g;
        let axis = Axis(ax);
        let r = sum_axis(&a, axis);
        check_rules("sum_axis 3-d", |x: &Array3<f64>| sum_axis(x, axis),
            |dx| sum_axis_jvp0(&a, axis, &r, dx), |g| sum_axis_vjp0(&a, axis, &r, g), &a, &da, &g);
        let r = mean_axis(&a, axis);
        check_rules("mean_axis 3-d", |x: &Array3<f64>| mean_axis(x, axis),
            |dx| mean_axis_jvp0(&a, axis, &r, dx), |g| mean_axis_vjp0(&a, axis, &r, g), &a, &da, &g);
    }

    #[test]
    fn insert_and_remove_axis((a, da, _p) in mat3(), ax in 0usize..3) {
        let axis = Axis(ax);
        let r = insert_axis(&a, axis);
        prop_assert_eq!(r.ndim(), 3);
        prop_assert_eq!(r.shape()[ax], 1);
        let g = r.mapv(|v| 0.5 - v);
        check_rules("insert_axis", |x: &Array2<f64>| insert_axis(x, axis).to_owned(),
            |dx| insert_axis_jvp0(&a, axis, &r, dx), |g| insert_axis_vjp0(&a, axis, &r, g), &a, &da, &g);
        let e = r.to_owned();
        let de = insert_axis(&da, axis).to_owned();
        let q = remove_axis(&e, axis);
        assert_close("remove_axis(insert_axis(a))", &q.to_owned(), &a, 0.0);
        let gq = a.mapv(|v| v * v - 1.0);
        check_rules("remove_axis", |x: &Array3<f64>| remove_axis(x, axis).to_owned(),
            |dx| remove_axis_jvp0(&e, axis, &q, dx), |g| remove_axis_vjp0(&e, axis, &q, g), &e, &de, &gq);
    }

    #[test]
    fn to_owned_and_clone((a, da, g) in mat3(), x in scalar(), dx in scalar(), gx in scalar()) {
        let r = to_owned(&a.view());
        assert_close("to_owned", &r, &a, 0.0);
        check_rules("to_owned", |x: &Array2<f64>| to_owned(x),
            |dx| to_owned_jvp0(&a, &r, dx), |g| to_owned_vjp0(&a, &r, g), &a, &da, &g);
        check_rules("clone_val", |x: &Array2<f64>| clone_val(x),
            |dx| clone_val_jvp0(&a, &r, dx), |g| clone_val_vjp0(&a, &r, g), &a, &da, &g);
        let rx = clone_val(&&x);
        prop_assert_eq!(rx, x);
        check_rules("clone_val scalar", |x: &f64| clone_val(x),
            |dx| clone_val_jvp0(&x, &rx, dx), |g| clone_val_vjp0(&x, &rx, g), &x, &dx, &gx);
    }

    #[test]
    fn slice_2d(
        (a, da, p, r0, r1, c0, step) in (size(), size()).prop_flat_map(|(m, n)| {
            (mat(m, n), mat(m, n), mat(m, n), 0..m, 0..m, 0..n, 1isize..4)
        })
    ) {
        let (r0, r1) = (r0.min(r1), r0.max(r1) + 1);
        let info = s![r0..r1, c0..;step];
        let r = slice(&a, info);
        let g = r.mapv(|v| 1.0 - 2.0 * v);
        check_rules("slice", |x: &Array2<f64>| slice(x, info).to_owned(),
            |dx| slice_jvp0(&a, info, &r, dx), |g| slice_vjp0(&a, info, &r, g), &a, &da, &g);
        let v = slice_vjp0(&a, info, &r, &g);
        check_acc("slice_acc0", |s| slice_acc0(s, &a, info, &r, &g), &v, &p);
        check_acc("slice_acc", |s| slice_acc(s, &a, info, &g), &v, &p);
        // reversed axes, and an index that drops an axis
        let info = s![..;-1, c0];
        let r = slice(&a, info);
        prop_assert_eq!(r.ndim(), 1);
        let g = r.mapv(|v| v + 0.25);
        check_rules("slice reversed + index", |x: &Array2<f64>| slice(x, info).to_owned(),
            |dx| slice_jvp0(&a, info, &r, dx), |g| slice_vjp0(&a, info, &r, g), &a, &da, &g);
        let v = slice_vjp0(&a, info, &r, &g);
        check_acc("slice_acc0 reversed", |s| slice_acc0(s, &a, info, &r, &g), &v, &p);
        // slicing a transposed view
        let info = s![c0.., ..];
        let at = a.t();
        let rt = slice(&at, info);
        assert_close("slice of a view", &rt.to_owned(), &a.t().slice(info).to_owned(), 0.0);
    }

    #[test]
    fn scatter_slice_rules(
        (a, g, lo, hi) in size().prop_flat_map(|n| (vec1(n), vec1(n), 0..n, 0..n))
    ) {
        let (lo, hi) = (lo.min(hi), lo.max(hi) + 1);
        let info = s![lo..hi];
        let x = a.slice(info).to_owned();
        let dx = g.slice(info).to_owned();
        let r = scatter_slice(&x, &a, info);
        prop_assert_eq!(r.len(), a.len());
        check_rules("scatter_slice", |x: &Array1<f64>| scatter_slice(x, &a, info),
            |d| scatter_slice_jvp0(&x, &a, info, &r, d), |gg| scatter_slice_vjp0(&x, &a, info, &r, gg),
            &x, &dx, &g);
    }

    #[test]
    fn index_reads(
        (a, da, p, i, j) in (size(), size()).prop_flat_map(|(m, n)| (mat(m, n), mat(m, n), mat(m, n), 0..m, 0..n)),
        g in scalar(),
    ) {
        let r = index(&a, [i, j]);
        prop_assert_eq!(r, a[[i, j]]);
        check_rules("index 2-d", |x: &Array2<f64>| index(x, [i, j]),
            |dx| index_jvp0(&a, [i, j], &r, dx), |g| index_vjp0(&a, [i, j], &r, g), &a, &da, &g);
        let v = index_vjp0(&a, [i, j], &r, &g);
        check_acc("index_acc0", |s| index_acc0(s, &a, [i, j], &r, &g), &v, &p);
        let v = a.row(i).to_owned();
        let dv = da.row(i).to_owned();
        let rv = index(&&v, j);
        check_rules("index 1-d", |x: &Array1<f64>| index(x, j),
            |dx| index_jvp0(&v, j, &rv, dx), |g| index_vjp0(&v, j, &rv, g), &v, &dv, &g);
        // the one-hot scatter and its rules
        let gg = da.clone();
        let sr = scatter_index(&g, &a, (i, j));
        check_rules("scatter_index", |x: &f64| scatter_index(x, &a, (i, j)),
            |d| scatter_index_jvp0(&g, &a, (i, j), &sr, d), |gg| scatter_index_vjp0(&g, &a, (i, j), &sr, gg),
            &g, &r, &gg);
        // index of a transposed view
        prop_assert_eq!(index(&a.t(), [j, i]), a[[i, j]]);
    }

    #[test]
    fn index_writes(
        (a, da, ga, i, j) in (size(), size()).prop_flat_map(|(m, n)| (mat(m, n), mat(m, n), mat(m, n), 0..m, 0..n)),
        v in scalar(), dv in scalar(),
    ) {
        let idx = [i, j];
        let set = |x: &(Array2<f64>, f64)| {
            let mut a = x.0.clone();
            index_set(&mut a, idx, x.1);
            a
        };
        let set_jvp = |dx: &(Array2<f64>, f64)| {
            let mut d = dx.0.clone();
            index_set_jvp(&mut d, idx, &dx.1);
            d
        };
        let set_vjp = |g: &Array2<f64>| {
            let gv = index_set_vjp1(g, idx);
            let mut g0 = g.clone();
            index_set_vjp0(&mut g0, idx);
            (g0, gv)
        };
        check_rules("index_set", set, set_jvp, set_vjp, &(a.clone(), v), &(da.clone(), dv), &ga);
        // take_at on an adjoint slot does both adjoint steps
        let mut slot = Some(ga.clone());
        let gv = take_at(&mut slot, idx);
        let (g0, gv2) = set_vjp(&ga);
        prop_assert_eq!(gv, Some(gv2));
        prop_assert_eq!(slot.unwrap(), g0);

        let add = |x: &(Array2<f64>, f64)| {
            let mut a = x.0.clone();
            index_add(&mut a, idx, x.1);
            a
        };
        let add_jvp = |dx: &(Array2<f64>, f64)| {
            let mut d = dx.0.clone();
            index_add_jvp(&mut d, idx, dx.1);
            d
        };
        let add_vjp = |g: &Array2<f64>| (g.clone(), index_add_vjp1(g, idx));
        check_rules("index_add", add, add_jvp, add_vjp, &(a, v), &(da, dv), &ga);
    }

    #[test]
    fn stack_scalars_1d(
        (xs, dxs, g) in size().prop_flat_map(|n| {
            (prop::collection::vec(scalar(), n), prop::collection::vec(scalar(), n), vec1(n))
        })
    ) {
        let r = stack_scalars(&xs);
        prop_assert_eq!(r.to_vec(), xs.clone());
        check_rules("stack_scalars", |x: &Vec<f64>| stack_scalars(x),
            |dx| stack_scalars_jvp0(&xs, &r, dx),
            |g| (0..xs.len()).map(|k| stack_scalars_vjp_at(&xs, k, &r, g)).collect::<Vec<f64>>(),
            &xs, &dxs, &g);
        prop_assert_eq!(stack_scalars_vjp0(&xs, &r, &g), g.to_vec());
        // elements given by reference
        let refs: Vec<&f64> = xs.iter().collect();
        prop_assert_eq!(stack_scalars(&refs), r);
    }

    #[test]
    fn stack_scalars_2d(
        (xs, dxs, g) in size().prop_flat_map(|m| {
            (prop::collection::vec(scalar(), 3 * m), prop::collection::vec(scalar(), 3 * m), mat(m, 3))
        })
    ) {
        let rows = |x: &[f64]| -> Vec<[f64; 3]> { x.chunks(3).map(|c| [c[0], c[1], c[2]]).collect() };
        let xr = rows(&xs);
        let r = stack_scalars2(&xr);
        prop_assert_eq!(r.dim(), (xr.len(), 3));
        prop_assert_eq!(r.iter().copied().collect::<Vec<f64>>(), xs.clone());
        check_rules("stack_scalars2", |x: &Vec<f64>| stack_scalars2(&rows(x)),
            |dx| stack_scalars2_jvp0(&xr, &r, &rows(dx)),
            |g| {
                let mut out = Vec::new();
                for i in 0..xr.len() {
                    for j in 0..3 {
                        out.push(stack_scalars2_vjp_at(&xr, [i, j], &r, g));
                    }
                }
                out
            },
            &xs, &dxs, &g);
        let all = stack_scalars2_vjp0(&xr, &r, &g);
        prop_assert_eq!(all.concat(), g.iter().copied().collect::<Vec<f64>>());
    }
}

#[test]
fn array_macro_shapes() {
    let (a, b, c) = (1.0, 2.0, 3.0);
    assert_eq!(stack_scalars(&[a, b, c]), ndarray::array![a, b, c]);
    assert_eq!(
        stack_scalars2(&[[a, b], [c, a]]),
        ndarray::array![[a, b], [c, a]]
    );
}

#[test]
#[should_panic(expected = "hype: `sum_axis`: axis 2 out of bounds for shape [2, 3]")]
fn sum_axis_out_of_bounds() {
    let _ = sum_axis(&Array2::<f64>::zeros((2, 3)), Axis(2));
}

#[test]
#[should_panic(expected = "hype: `mean_axis`: axis 1 of shape [2, 0] is empty")]
fn mean_axis_of_empty_axis() {
    let _ = mean_axis(&Array2::<f64>::zeros((2, 0)), Axis(1));
}

#[test]
#[should_panic(expected = "hype: `mean`: the array of shape [0] is empty")]
fn mean_of_empty() {
    let _ = mean(&Array1::<f64>::zeros(0));
}

#[test]
#[should_panic(expected = "hype: `index`: index [2, 0] out of bounds for shape [2, 3]")]
fn index_out_of_bounds() {
    let _ = index(&Array2::<f64>::zeros((2, 3)), [2, 0]);
}

#[test]
#[should_panic(expected = "hype: `index_set`: index 5 out of bounds for shape [3]")]
fn index_set_out_of_bounds() {
    let mut a = Array1::<f64>::zeros(3);
    index_set(&mut a, 5, 1.0);
}

#[test]
#[should_panic(expected = "hype: `remove_axis`: axis 0 of shape [2, 3] does not have length 1")]
fn remove_axis_of_long_axis() {
    let _ = remove_axis(&Array2::<f64>::zeros((2, 3)), Axis(0));
}

#[test]
#[should_panic(expected = "hype: `slice_vjp0`: incompatible shapes [2] and [3]")]
fn slice_adjoint_shape_mismatch() {
    let a = Array1::<f64>::zeros(4);
    let r = slice(&a, s![..2]);
    let _ = slice_vjp0(&a, s![..2], &r, &Array1::<f64>::zeros(3));
}

#[test]
#[should_panic(expected = "hype: `stack_scalars_vjp`: incompatible shapes [2] and [3]")]
fn stack_scalars_adjoint_shape_mismatch() {
    let xs = [1.0, 2.0];
    let r = stack_scalars(&xs);
    let _ = stack_scalars_vjp_at(&xs, 0, &r, &Array1::<f64>::zeros(3));
}
