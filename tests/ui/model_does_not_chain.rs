hype::model! {
    pub struct Net = Linear<784, 300> -> Tanh -> Linear<200, 10>;
}

fn main() {}
