use hype::prelude::*;

fn use_it() {
    let _h = hessian!(|x: &Array1<f64>| x.dot(x))(&array![1.0]);
}

fn main() {}
