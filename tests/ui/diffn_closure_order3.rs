use hype::prelude::*;

fn use_it() {
    let _d3 = diffn!(3, |x: f64| x.sin())(0.5);
}

fn main() {}
