use hype::prelude::*;

fn use_it() {
    let _h = hvp!(|x: f64| x * x)(1.0, 1.0);
}

fn main() {}
