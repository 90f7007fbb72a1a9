//! Test problems for the optimizer tests, with analytic gradients and Hessian-vector
//! products: Rosenbrock from (-1.2, 1), Beale from (1, 1.5), and a convex quadratic in
//! 10 dimensions with condition number 100.
#![allow(dead_code)]

use hype_runtime::optim::Problem;
use ndarray::{array, Array1, Array2};

type Vg = Box<dyn Fn(&Array1<f64>) -> (f64, Array1<f64>)>;
type Hvp = Box<dyn Fn(&Array1<f64>, &Array1<f64>) -> Array1<f64>>;

/// A test problem: value and gradient, Hessian-vector product, start, minimizer.
pub struct TestProblem {
    pub name: &'static str,
    pub vg: Vg,
    pub hvp: Hvp,
    pub x0: Array1<f64>,
    pub xstar: Array1<f64>,
    pub fstar: f64,
}

impl TestProblem {
    /// The objective with its Hessian-vector product.
    pub fn problem(&self) -> Problem<'_, Array1<f64>> {
        Problem::new(|x: &Array1<f64>| (self.vg)(x)).with_hvp(|x, v| (self.hvp)(x, v))
    }
    /// Just value and gradient, as a closure.
    pub fn closure(&self) -> impl Fn(&Array1<f64>) -> (f64, Array1<f64>) + '_ {
        |x: &Array1<f64>| (self.vg)(x)
    }
    /// max |x - x*|.
    pub fn error(&self, x: &Array1<f64>) -> f64 {
        (x - &self.xstar).iter().fold(0.0, |m, v| m.max(v.abs()))
    }
}

pub fn rosen_vg(x: &Array1<f64>) -> (f64, Array1<f64>) {
    let (a, b) = (x[0], x[1]);
    let t = b - a * a;
    let f = 100.0 * t * t + (1.0 - a) * (1.0 - a);
    let g = array![-400.0 * a * t - 2.0 * (1.0 - a), 200.0 * t];
    (f, g)
}

pub fn rosen_hvp(x: &Array1<f64>, v: &Array1<f64>) -> Array1<f64> {
    let (a, b) = (x[0], x[1]);
    let h11 = 1200.0 * a * a - 400.0 * b + 2.0;
    let h12 = -400.0 * a;
    let h22 = 200.0;
    array![h11 * v[0] + h12 * v[1], h12 * v[0] + h22 * v[1]]
}

pub fn rosenbrock() -> TestProblem {
    TestProblem {
        name: "Rosenbrock",
        vg: Box::new(rosen_vg),
        hvp: Box::new(rosen_hvp),
        x0: array![-1.2, 1.0],
        xstar: array![1.0, 1.0],
        fstar: 0.0,
    }
}

const BEALE_C: [f64; 3] = [1.5, 2.25, 2.625];

pub fn beale_value(x: &Array1<f64>) -> f64 {
    let (a, b) = (x[0], x[1]);
    (1..=3)
        .map(|i| {
            let t = BEALE_C[i - 1] - a + a * b.powi(i as i32);
            t * t
        })
        .sum()
}

pub fn beale_vg(x: &Array1<f64>) -> (f64, Array1<f64>) {
    let (a, b) = (x[0], x[1]);
    let mut f = 0.0;
    let mut g = Array1::zeros(2);
    for i in 1..=3 {
        let bi = b.powi(i);
        let t = BEALE_C[i as usize - 1] - a + a * bi;
        f += t * t;
        g[0] += 2.0 * t * (bi - 1.0);
        g[1] += 2.0 * t * a * i as f64 * b.powi(i - 1);
    }
    (f, g)
}

pub fn beale_hvp(x: &Array1<f64>, v: &Array1<f64>) -> Array1<f64> {
    let (a, b) = (x[0], x[1]);
    let (mut h11, mut h12, mut h22) = (0.0, 0.0, 0.0);
    for i in 1..=3 {
        let fi = i as f64;
        let bi = b.powi(i);
        let t = BEALE_C[i as usize - 1] - a + a * bi;
        let ta = bi - 1.0; // dt/da
        let tb = a * fi * b.powi(i - 1); // dt/db
        let tab = fi * b.powi(i - 1); // d2t/dadb
        let tbb = if i >= 2 {
            a * fi * (fi - 1.0) * b.powi(i - 2)
        } else {
            0.0
        };
        h11 += 2.0 * ta * ta;
        h12 += 2.0 * (ta * tb + t * tab);
        h22 += 2.0 * (tb * tb + t * tbb);
    }
    array![h11 * v[0] + h12 * v[1], h12 * v[0] + h22 * v[1]]
}

pub fn beale() -> TestProblem {
    TestProblem {
        name: "Beale",
        vg: Box::new(beale_vg),
        hvp: Box::new(beale_hvp),
        x0: array![1.0, 1.5],
        xstar: array![3.0, 0.5],
        fstar: 0.0,
    }
}

/// `A = Q D Q` with `Q` a Householder reflection and `D` eigenvalues geometrically
/// spaced in [1, 100] (condition number 100), n = 10.
pub fn quadratic_matrix() -> Array2<f64> {
    let n = 10;
    let v = Array1::from_iter((0..n).map(|i| 1.0 + 0.3 * i as f64 - 0.05 * (i * i) as f64));
    let vv = v.dot(&v);
    let mut q = Array2::<f64>::eye(n);
    for i in 0..n {
        for j in 0..n {
            q[[i, j]] -= 2.0 * v[i] * v[j] / vv;
        }
    }
    let d = Array1::from_iter((0..n).map(|i| 100f64.powf(i as f64 / (n - 1) as f64)));
    let qd = &q * &d.insert_axis(ndarray::Axis(0));
    qd.dot(&q)
}

pub fn quadratic() -> TestProblem {
    let a = quadratic_matrix();
    let xstar = Array1::from_iter((0..10).map(|i| (i as f64 * 0.7).sin() + 0.5));
    let a2 = a.clone();
    let xs = xstar.clone();
    TestProblem {
        name: "quadratic",
        vg: Box::new(move |x: &Array1<f64>| {
            let d = x - &xs;
            let ad = a.dot(&d);
            (0.5 * d.dot(&ad), ad)
        }),
        hvp: Box::new(move |_x: &Array1<f64>, v: &Array1<f64>| a2.dot(v)),
        x0: Array1::zeros(10),
        xstar,
        fstar: 0.0,
    }
}

pub fn all_problems() -> Vec<TestProblem> {
    vec![rosenbrock(), beale(), quadratic()]
}

/// Central finite-difference gradient.
pub fn fd_grad(f: impl Fn(&Array1<f64>) -> f64, x: &Array1<f64>) -> Array1<f64> {
    let h = 1e-6;
    Array1::from_iter((0..x.len()).map(|i| {
        let mut xp = x.clone();
        let mut xm = x.clone();
        xp[i] += h;
        xm[i] -= h;
        (f(&xp) - f(&xm)) / (2.0 * h)
    }))
}
