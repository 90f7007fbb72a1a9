// A model declared in f32 takes hype's own layers (written bare), which have a float
// type parameter; another layer type is f64.
mod mine {
    pub use hype::nn::Lstm;
}

hype::model! {
    pub struct Tagger32<f32> = mine::Lstm<3, 5> -> Linear<5, 2>;
}

fn main() {}
