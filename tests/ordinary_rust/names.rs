//! Functions reached the ways Rust resolves names: `use`, re-exports, `crate::` and
//! `super::` paths, the library's own functions, order 2 through all of them.

use crate::check::*;
use hype::prelude::*;

pub mod shapes {
    use hype::prelude::*;

    #[differentiable(order = 2)]
    pub fn bump(x: f64, c: f64) -> f64 {
        (x - c).powi(2).exp() * 0.5
    }

    #[differentiable(order = 2)]
    pub(crate) fn squash(x: &Array1<f64>) -> Array1<f64> {
        x.tanh() * 2.0
    }

    pub mod inner {
        use hype::prelude::*;

        #[differentiable(order = 2)]
        pub fn twice(x: f64) -> f64 {
            super::bump(x, 0.1) * 2.0
        }
    }

    // A re-export: `shapes::twice` is `shapes::inner::twice`, derivatives included.
    pub use inner::twice;
}

use hype::nn::loss::quadratic_loss;
use shapes::{bump, squash, twice};

#[differentiable(order = 2)]
fn imported(x: f64) -> f64 {
    bump(x, 0.3) + twice(x) * x
}

#[test]
fn calls_of_imported_and_reexported_functions() {
    let x = 0.4;
    let g = grad!(imported)(x);
    check_gradient(
        &|z| imported(z[0]),
        &[g],
        &|d| jvp!(imported)(x, d[0]).1,
        &[x],
    );
    let hv = hvp!(imported)(x, &1.0);
    check_hvp(&|z| vec![grad!(imported)(z[0])], &[hv], &[x], &[1.0]);
}

#[test]
fn operators_on_imported_names() {
    let x = 0.7;
    // `bump` is in scope only through `use`; so are its derivatives.
    let (gx, gc) = grad!(bump)(x, 0.2);
    let f = |z: &[f64]| bump(z[0], z[1]);
    check_gradient(
        &f,
        &[gx, gc],
        &|d| jvp!(bump)(x, 0.2, d[0], d[1]).1,
        &[x, 0.2],
    );
    let g2 = grad!(twice)(x);
    assert_close(
        "re-exported grad",
        g2,
        fd_grad(&|z| twice(z[0]), &[x])[0],
        1e-6,
    );
    let g3 = grad!(shapes::twice)(x);
    assert_eq!(g2, g3);
}

#[differentiable]
fn library_loss(w: &Array1<f64>) -> f64 {
    let y = squash(w).insert_axis(Axis(0));
    quadratic_loss(&y, &array![[0.5, -0.25, 1.0]])
}

#[test]
fn the_librarys_own_functions_through_use() {
    let w = array![0.3, -0.2, 0.9];
    let g = grad!(library_loss)(&w);
    check_gradient(
        &|z| library_loss(&Array1::from(z.to_vec())),
        g.as_slice().unwrap(),
        &|d| jvp!(library_loss)(&w, &Array1::from(d.to_vec())).1,
        w.as_slice().unwrap(),
    );
}

mod deeper {
    use hype::prelude::*;

    #[differentiable(order = 2)]
    pub fn by_paths(x: f64) -> f64 {
        crate::names::shapes::bump(x, 1.0) + super::shapes::inner::twice(x)
    }
}

#[test]
fn crate_and_super_paths() {
    let x = -0.3;
    let g = grad!(deeper::by_paths)(x);
    check_gradient(
        &|z| deeper::by_paths(z[0]),
        &[g],
        &|d| jvp!(deeper::by_paths)(x, d[0]).1,
        &[x],
    );
    let hv = hvp!(deeper::by_paths)(x, &1.0);
    check_hvp(
        &|z| vec![grad!(deeper::by_paths)(z[0])],
        &[hv],
        &[x],
        &[1.0],
    );
}

#[differentiable]
fn grad_inside(x: f64) -> f64 {
    // The derivative of an imported function, inside differentiated code.
    grad!(twice)(x) * x
}

#[test]
fn grad_of_an_imported_function_inside_differentiated_code() {
    let x = 0.35;
    let g = grad!(grad_inside)(x);
    assert_close(
        "grad of grad!",
        g,
        fd_grad(&|z| grad_inside(z[0]), &[x])[0],
        1e-6,
    );
}

#[test]
fn functions_declared_inside_a_block() {
    #[differentiable(order = 2)]
    fn local(x: f64) -> f64 {
        x.sin() * x
    }
    #[differentiable(order = 2)]
    fn calls_local(x: f64) -> f64 {
        local(x * 2.0) + local(x)
    }
    let x = 0.8;
    let g = grad!(calls_local)(x);
    check_gradient(
        &|z| calls_local(z[0]),
        &[g],
        &|d| jvp!(calls_local)(x, d[0]).1,
        &[x],
    );
    let hv = hvp!(calls_local)(x, &1.0);
    check_hvp(&|z| vec![grad!(calls_local)(z[0])], &[hv], &[x], &[1.0]);
}

// A custom-rule function with a hand-written second order: `cube__dir` (its jvp)
// carries rules of its own, and order-2 callers reach it as `cube::__dir`.
#[custom_rule(forward = cube_fwd, reverse = cube_rev)]
fn cube(x: f64) -> f64 {
    x * x * x
}

fn cube_fwd(x: f64, dx: f64) -> (f64, f64) {
    (cube(x), 3.0 * x * x * dx)
}

fn cube_rev(x: f64) -> (f64, impl FnOnce(&f64) -> f64) {
    (cube(x), move |g: &f64| 3.0 * x * x * g)
}

#[custom_rule(forward = cube_dir_fwd, reverse = cube_dir_rev)]
#[allow(non_snake_case)]
fn cube__dir(x: f64, x_d: &f64) -> (f64, f64) {
    (cube(x), 3.0 * x * x * x_d)
}

fn cube_dir_fwd(x: f64, x_d: &f64, dx: f64, dx_d: &f64) -> ((f64, f64), (f64, f64)) {
    let d = 6.0 * x * x_d * dx + 3.0 * x * x * dx_d;
    (cube__dir(x, x_d), (3.0 * x * x * dx, d))
}

fn cube_dir_rev(x: f64, x_d: &f64) -> ((f64, f64), impl FnOnce(&(f64, f64)) -> (f64, f64)) {
    let x_d = *x_d;
    (cube__dir(x, &x_d), move |g: &(f64, f64)| {
        (3.0 * x * x * g.0 + 6.0 * x * x_d * g.1, 3.0 * x * x * g.1)
    })
}

#[differentiable(order = 2)]
fn uses_cube(x: f64) -> f64 {
    cube(x) * x.sin()
}

#[test]
fn second_order_through_a_hand_written_dir() {
    let x = 0.6;
    let g = grad!(uses_cube)(x);
    check_gradient(
        &|z| uses_cube(z[0]),
        &[g],
        &|d| jvp!(uses_cube)(x, d[0]).1,
        &[x],
    );
    let hv = hvp!(uses_cube)(x, &1.0);
    check_hvp(&|z| vec![grad!(uses_cube)(z[0])], &[hv], &[x], &[1.0]);
}
