use hype::prelude::*;

fn use_it() {
    let _d = div!(|x: &Array1<f64>| x * 2.0)(&array![1.0, 2.0]);
}

fn main() {}
