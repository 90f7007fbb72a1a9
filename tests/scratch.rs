use hype::prelude::*;

#[differentiable]
fn rosen(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
    }
    s
}

#[test]
fn rosen_grad() {
    let x = array![0.5, -1.2, 0.3];
    let g = grad!(rosen)(&x);
    let (v, dv) = jvp!(rosen)(&x, &array![1.0, 0.0, 0.0]);
    println!("{g} {v} {dv}");
    assert!((dv - g[0]).abs() < 1e-12);
}
