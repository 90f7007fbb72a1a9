//! The math methods of f64, on scalars and elementwise on arrays.

use crate::check::*;
use hype::prelude::*;

macro_rules! scalar_method {
    ($test:ident, $f:ident, $x:expr, |$v:ident| $body:expr) => {
        #[differentiable(order = 2)]
        fn $f($v: f64) -> f64 {
            $body
        }

        #[test]
        fn $test() {
            let x = $x;
            let g = grad!($f)(x);
            check_gradient(&|z| $f(z[0]), &[g], &|d| jvp!($f)(x, d[0]).1, &[x]);
            let hv = hvp!($f)(x, &1.0);
            check_hvp(&|z| vec![grad!($f)(z[0])], &[hv], &[x], &[1.0]);
        }
    };
}

scalar_method!(clamp_inside, clamp_in, 0.3, |x| (x * 2.0).clamp(-1.0, 1.0)
    * x);
scalar_method!(clamp_outside, clamp_out, 0.9, |x| (x * 2.0)
    .clamp(-1.0, 1.0)
    * x);
scalar_method!(ln_1p, ln_1p_f, 0.4, |x| (x * x).ln_1p());
scalar_method!(exp_m1, exp_m1_f, 0.7, |x| (x * 3.0).exp_m1() / 3.0);
scalar_method!(signum_times, signum_f, -0.8, |x| x.signum() * x * x);
scalar_method!(mul_add, mul_add_f, 1.3, |x| x.mul_add(x, 2.0 * x));
scalar_method!(sinh_cosh, sinh_cosh_f, 0.6, |x| x.sinh() * x.cosh());
scalar_method!(asinh, asinh_f, 0.6, |x| (x * 2.0).asinh());
scalar_method!(acosh, acosh_f, 1.6, |x| (x * x).acosh());
scalar_method!(atanh, atanh_f, 0.3, |x| x.atanh() * x);
scalar_method!(exp2, exp2_f, 0.3, |x| x.exp2() + x.log(3.0));
scalar_method!(recip_deg, recip_deg_f, 0.8, |x| x.recip()
    + x.to_degrees()
    + x.to_radians());
scalar_method!(hypot_atan2, hypot_atan2_f, 0.8, |x| x.hypot(2.0)
    + x.atan2(0.5));
scalar_method!(abs_min_max, abs_min_max_f, -0.8, |x| x.abs().max(0.5)
    + x.min(0.1));
scalar_method!(floor_fract, floor_fract_f, 2.3, |x| x.floor() * x
    + x.fract() * x);
scalar_method!(round_trunc_ceil, rtc_f, 2.3, |x| (x.round()
    + x.trunc()
    + x.ceil())
    * x);
scalar_method!(f64_paths, f64_paths_f, 0.8, |x| f64::max(x, 0.2)
    * f64::sin(x)
    + f64::powi(x, 3));
scalar_method!(log_base_var, log_base_f, 2.5, |x| 8.0f64.log(x)
    + x.log(x + 1.0));

#[differentiable(order = 2)]
fn array_math(z: &Array1<f64>) -> f64 {
    let a = z.tanh() + z.sinh() * 0.5 - z.cosh() * 0.1;
    let b = z.atan() + z.asinh() + z.max(0.0) + z.min(0.5);
    let c = z.exp_m1() + (z * z).ln_1p();
    (a * b + c).sum()
}

#[test]
fn elementwise_methods_on_arrays() {
    let z = array![0.3, -0.7, 1.1];
    let g = grad!(array_math)(&z);
    let x = z.to_vec();
    check_gradient(
        &|x| array_math(&Array1::from(x.to_vec())),
        g.as_slice().unwrap(),
        &|d| jvp!(array_math)(&z, &Array1::from(d.to_vec())).1,
        &x,
    );
    let v = array![0.5, -1.0, 0.25];
    let hv = hvp!(array_math)(&z, &v);
    check_hvp(
        &|x| grad!(array_math)(&Array1::from(x.to_vec())).to_vec(),
        hv.as_slice().unwrap(),
        &x,
        v.as_slice().unwrap(),
    );
}

#[differentiable(order = 2)]
fn reductions(z: &Array1<f64>) -> f64 {
    z.var(1.0) + z.std(0.0) * 2.0 + z.mean().unwrap() + z.clamp(-0.5, 0.5).sum()
}

#[test]
fn variance_std_mean_clamp_on_arrays() {
    let z = array![0.3, -0.7, 1.1, 0.2];
    let g = grad!(reductions)(&z);
    let x = z.to_vec();
    check_gradient(
        &|x| reductions(&Array1::from(x.to_vec())),
        g.as_slice().unwrap(),
        &|d| jvp!(reductions)(&z, &Array1::from(d.to_vec())).1,
        &x,
    );
    let v = array![0.5, -1.0, 0.25, 0.1];
    let hv = hvp!(reductions)(&z, &v);
    check_hvp(
        &|x| grad!(reductions)(&Array1::from(x.to_vec())).to_vec(),
        hv.as_slice().unwrap(),
        &x,
        v.as_slice().unwrap(),
    );
}
