//! Slices, fixed-size arrays and `Vec`s as parameters: gradients have the parameter's
//! own type (`Vec<f64>` for a slice).

use crate::check::*;
use hype::prelude::*;

#[differentiable(order = 2)]
fn sum_sq_slice(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * x[i] * x[0];
    }
    s
}

#[test]
fn slice_parameter() {
    let x = [1.5, -0.5, 2.0];
    let g: Vec<f64> = grad!(sum_sq_slice)(&x);
    check_gradient(
        &|x| sum_sq_slice(x),
        &g,
        &|d| jvp!(sum_sq_slice)(&x, &d.to_vec()).1,
        &x,
    );
    let v = vec![0.3, -1.0, 0.5];
    let hv: Vec<f64> = hvp!(sum_sq_slice)(&x, &v);
    check_hvp(&|x| grad!(sum_sq_slice)(x), &hv, &x, &v);
}

#[differentiable(order = 2)]
fn vec_ref(x: &Vec<f64>) -> f64 {
    let mut s = 0.0;
    for i in 1..x.len() {
        s += (x[i] - x[i - 1]).powi(2) + x[i].sin();
    }
    s
}

#[test]
fn vec_reference_parameter() {
    let x = vec![0.5, 1.5, -0.25, 2.0];
    let g: Vec<f64> = grad!(vec_ref)(&x);
    check_gradient(
        &|x| vec_ref(&x.to_vec()),
        &g,
        &|d| jvp!(vec_ref)(&x, &d.to_vec()).1,
        &x,
    );
    let v = vec![1.0, -0.5, 0.25, 0.75];
    let hv = hvp!(vec_ref)(&x, &v);
    check_hvp(&|x| grad!(vec_ref)(&x.to_vec()), &hv, &x, &v);
}

#[differentiable]
fn array_by_value(p: [f64; 3]) -> f64 {
    p[0] * p[1] + p[2].exp() * p[0]
}

#[test]
fn fixed_array_by_value() {
    let p = [0.5, -1.5, 0.25];
    let g: [f64; 3] = grad!(array_by_value)(p);
    let f = |x: &[f64]| array_by_value([x[0], x[1], x[2]]);
    check_gradient(
        &f,
        &g,
        &|d| jvp!(array_by_value)(p, [d[0], d[1], d[2]]).1,
        &p,
    );
}

#[differentiable]
fn array_by_ref(p: &[f64; 2], scale: f64) -> f64 {
    (p[0] * scale).tanh() + p[1] * p[1] * scale
}

#[test]
fn fixed_array_by_reference_and_a_scalar() {
    let p = [0.7, -0.4];
    let (gp, gs): ([f64; 2], f64) = grad!(array_by_ref)(&p, 1.3);
    let f = |x: &[f64]| array_by_ref(&[x[0], x[1]], x[2]);
    let g = [gp[0], gp[1], gs];
    check_gradient(
        &f,
        &g,
        &|d| jvp!(array_by_ref)(&p, 1.3, &[d[0], d[1]], d[2]).1,
        &[p[0], p[1], 1.3],
    );
}

#[differentiable]
fn vec_by_value(w: Vec<f64>, x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..w.len() {
        s += w[i] * x[i];
    }
    s.tanh()
}

#[test]
fn vec_by_value_and_a_slice() {
    let w = vec![0.2, -0.3, 0.5];
    let x = [1.0, 2.0, -1.0];
    let (gw, gx) = grad!(vec_by_value)(w.clone(), &x);
    let f = |z: &[f64]| vec_by_value(z[..3].to_vec(), &z[3..]);
    let g: Vec<f64> = gw.iter().chain(gx.iter()).copied().collect();
    let at: Vec<f64> = w.iter().chain(x.iter()).copied().collect();
    check_gradient(
        &f,
        &g,
        &|d| jvp!(vec_by_value)(w.clone(), &x, d[..3].to_vec(), &d[3..].to_vec()).1,
        &at,
    );
}

#[differentiable]
fn slice_helper(x: &[f64], k: usize) -> f64 {
    x[k] * x[k]
}

#[differentiable]
fn calls_slice_helper(x: &[f64]) -> f64 {
    slice_helper(x, 0) + slice_helper(x, 2) * x[1]
}

#[test]
fn slices_passed_to_other_functions() {
    let x = [1.5, -2.0, 0.5];
    let g = grad!(calls_slice_helper)(&x);
    check_gradient(
        &|x| calls_slice_helper(x),
        &g,
        &|d| jvp!(calls_slice_helper)(&x, &d.to_vec()).1,
        &x,
    );
}

/// A `&Vec<f64>` (and `&v[..]`) passed where a `&[f64]` is declared: Rust's deref
/// coercion, which the derivative calls must make too.
#[differentiable(order = 2)]
fn slice_cube(x: &[f64], k: usize) -> f64 {
    x[k] * x[k] * x[(k + 1) % x.len()]
}

#[differentiable(order = 2)]
fn vec_to_slice_helper(v: &Vec<f64>, w: &Vec<f64>) -> f64 {
    slice_cube(v, 0) * 0.5 + slice_cube(&v[..], 2) + slice_cube(w, 1) * v[1]
}

#[test]
fn vec_passed_as_a_slice() {
    let v = vec![1.5, -2.0, 0.5];
    let w = vec![0.25, 0.75, -1.0];
    let (gv, gw): (Vec<f64>, Vec<f64>) = grad!(vec_to_slice_helper)(&v, &w);
    let at: Vec<f64> = v.iter().chain(w.iter()).copied().collect();
    let g: Vec<f64> = gv.iter().chain(gw.iter()).copied().collect();
    check_gradient(
        &|z| vec_to_slice_helper(&z[..3].to_vec(), &z[3..].to_vec()),
        &g,
        &|d| jvp!(vec_to_slice_helper)(&v, &w, &d[..3].to_vec(), &d[3..].to_vec()).1,
        &at,
    );
    let dir = vec![0.5, -0.25, 1.0];
    let hv: (Vec<f64>, Vec<f64>) = hvp!(vec_to_slice_helper)(&v, &w, &dir, &dir);
    let h = 1e-5;
    let shifted = |s: f64| {
        let vs: Vec<f64> = v.iter().zip(&dir).map(|(a, d)| a + s * d).collect();
        let ws: Vec<f64> = w.iter().zip(&dir).map(|(a, d)| a + s * d).collect();
        grad!(vec_to_slice_helper)(&vs, &ws)
    };
    let (p, m) = (shifted(h), shifted(-h));
    for i in 0..3 {
        assert_close("hvp v", hv.0[i], (p.0[i] - m.0[i]) / (2.0 * h), 1e-6);
        assert_close("hvp w", hv.1[i], (p.1[i] - m.1[i]) / (2.0 * h), 1e-6);
    }
}

#[differentiable]
fn slice_into_local(x: &[f64]) -> f64 {
    let mut best = x[0];
    for i in 1..x.len() {
        if x[i] > best {
            best = x[i];
        }
    }
    best * best + x[0]
}

#[test]
fn slice_with_a_branchy_loop() {
    let x = [0.5, 2.5, -1.0, 1.0];
    let g = grad!(slice_into_local)(&x);
    check_gradient(
        &|x| slice_into_local(x),
        &g,
        &|d| jvp!(slice_into_local)(&x, &d.to_vec()).1,
        &x,
    );
}

#[differentiable(order = 2)]
fn copied_and_updated_in_a_while(a: f64, b: f64) -> f64 {
    let mut r = a;
    let mut k = 0;
    while k < 3 {
        r = r * b + a;
        k += 1;
    }
    r
}

#[test]
fn a_by_value_parameter_copied_and_updated_at_order_2() {
    let (a, b) = (0.7, 1.3);
    let (ga, gb) = grad!(copied_and_updated_in_a_while)(a, b);
    check_gradient(
        &|z| copied_and_updated_in_a_while(z[0], z[1]),
        &[ga, gb],
        &|d| jvp!(copied_and_updated_in_a_while)(a, b, d[0], d[1]).1,
        &[a, b],
    );
    let (ha, hb) = hvp!(copied_and_updated_in_a_while)(a, b, &0.5, &-1.0);
    check_hvp(
        &|z| {
            let (x, y) = grad!(copied_and_updated_in_a_while)(z[0], z[1]);
            vec![x, y]
        },
        &[ha, hb],
        &[a, b],
        &[0.5, -1.0],
    );
}

/// A recurrent cell over a sequence of arrays, as a recurrent network takes it.
#[differentiable(order = 2)]
fn rnn_last(xs: &[Array1<f64>], w: &Array2<f64>, u: &Array2<f64>) -> f64 {
    let mut h = Array1::zeros(u.nrows());
    for x in xs.iter() {
        h = (w.dot(x) + u.dot(&h)).tanh();
    }
    h.sum()
}

#[differentiable]
fn seq_by_index(xs: &Vec<Array1<f64>>, w: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for t in 0..xs.len() {
        s += (&xs[t] * w).sum() * (t as f64 + 1.0);
    }
    s
}

fn flat(xs: &[Array1<f64>]) -> Vec<f64> {
    xs.iter().flat_map(|x| x.iter().copied()).collect()
}

fn unflat(z: &[f64], n: usize) -> Vec<Array1<f64>> {
    z.chunks(n).map(|c| Array1::from(c.to_vec())).collect()
}

#[test]
fn sequences_of_arrays() {
    let xs = vec![array![0.5, -0.2], array![0.1, 0.4], array![-0.3, 0.2]];
    let w = array![[0.3, -0.4], [0.2, 0.5], [0.1, 0.1]];
    let u = array![[0.2, 0.1, -0.3], [0.0, 0.4, 0.1], [-0.2, 0.3, 0.2]];
    let (gx, gw, gu) = grad!(rnn_last)(&xs, &w, &u);
    assert_eq!(gx.len(), 3);
    let mut g = flat(&gx);
    g.extend(gw.iter());
    g.extend(gu.iter());
    let at: Vec<f64> = flat(&xs)
        .into_iter()
        .chain(w.iter().copied())
        .chain(u.iter().copied())
        .collect();
    let f = |z: &[f64]| {
        let xs = unflat(&z[..6], 2);
        let w = Array2::from_shape_vec((3, 2), z[6..12].to_vec()).unwrap();
        let u = Array2::from_shape_vec((3, 3), z[12..].to_vec()).unwrap();
        rnn_last(&xs, &w, &u)
    };
    let jvp = |d: &[f64]| {
        let dx = unflat(&d[..6], 2);
        let dw = Array2::from_shape_vec((3, 2), d[6..12].to_vec()).unwrap();
        let du = Array2::from_shape_vec((3, 3), d[12..].to_vec()).unwrap();
        jvp!(rnn_last)(&xs, &w, &u, &dx, &dw, &du).1
    };
    check_gradient(&f, &g, &jvp, &at);
    // Second order: the Hessian-vector product in the input sequence only.
    let v: Vec<Array1<f64>> = vec![array![1.0, 0.5], array![-0.5, 0.25], array![0.2, -1.0]];
    let (hx, _, _) = hvp!(rnn_last)(
        &xs,
        &w,
        &u,
        &v,
        &Array2::zeros((3, 2)),
        &Array2::zeros((3, 3)),
    );
    let grad_x = |z: &[f64]| flat(&grad!(rnn_last)(&unflat(z, 2), &w, &u).0);
    check_hvp(&grad_x, &flat(&hx), &flat(&xs), &flat(&v));

    let ws = array![0.5, -1.0];
    let (gs, gws) = grad!(seq_by_index)(&xs, &ws);
    let mut g2 = flat(&gs);
    g2.extend(gws.iter());
    let at2: Vec<f64> = flat(&xs).into_iter().chain(ws.iter().copied()).collect();
    check_gradient(
        &|z| seq_by_index(&unflat(&z[..6], 2), &Array1::from(z[6..].to_vec())),
        &g2,
        &|d| {
            jvp!(seq_by_index)(
                &xs,
                &ws,
                &unflat(&d[..6], 2),
                &Array1::from(d[6..].to_vec()),
            )
            .1
        },
        &at2,
    );
}
