//! Accuracy of the kernels against libm ([`Kernel::reference`]): at most 2 ulp on
//! special values (±0, subnormals, ±inf, NaN, the saturation and branch thresholds and
//! their neighbours), on random bit patterns (every exponent) and on uniform draws
//! from each function's working range. Both lane variants (with and without FMA) and
//! the dispatched slice path are checked. `sweep_10m_points_per_kernel` (ignored; run
//! in release) draws 10^7 points per kernel, the other tests 1.2 * 10^5.

use super::Kernel;

/// The largest error allowed, in units in the last place.
const MAX_ULP: u64 = 2;

/// f64s ordered as integers: the distance of two is their distance in ulps.
fn ordered(x: f64) -> i64 {
    let b = x.to_bits() as i64;
    if b < 0 {
        i64::MIN.wrapping_sub(b)
    } else {
        b
    }
}

/// The distance in ulps of `got` from `want`, `None` when they cannot be compared
/// (one is NaN and the other not, infinities or zeros that differ).
fn ulps(got: f64, want: f64) -> Option<u64> {
    if got.is_nan() || want.is_nan() {
        return (got.is_nan() && want.is_nan()).then_some(0);
    }
    if got.is_infinite() || want.is_infinite() || want == 0.0 {
        return (got.to_bits() == want.to_bits()).then_some(0);
    }
    Some(ordered(got).abs_diff(ordered(want)))
}

/// SplitMix64: a small deterministic generator for the test points.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `[lo, hi)`.
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        lo + (hi - lo) * u
    }
}

/// The ranges where each function does its work (beyond them it saturates).
fn ranges(k: Kernel) -> &'static [(f64, f64)] {
    match k {
        Kernel::Exp => &[(-750.0, 712.0), (-1.0, 1.0), (-746.0, -707.0)],
        Kernel::ExpM1 => &[(-45.0, 712.0), (-1.0, 1.0), (-1e-6, 1e-6)],
        Kernel::Ln => &[(0.0, 4.0), (0.99, 1.01), (0.0, 1e300)],
        Kernel::Ln1p => &[(-1.0, 4.0), (-1e-6, 1e-6), (-0.5, 0.5)],
        Kernel::Tanh => &[(-25.0, 25.0), (-0.6, 0.6), (-1e-4, 1e-4)],
        Kernel::Sigmoid => &[(-750.0, 750.0), (-40.0, 40.0), (-1.0, 1.0)],
        Kernel::Softplus => &[(-750.0, 750.0), (-40.0, 40.0), (-1.0, 1.0)],
        Kernel::Gelu => &[(-12.0, 12.0), (-3.0, 3.0), (-1e10, 1e10)],
    }
}

/// Values every kernel is tested on, with their neighbours.
fn specials() -> Vec<f64> {
    let base = [
        0.0,
        f64::from_bits(1),
        f64::MIN_POSITIVE,
        f64::MIN_POSITIVE / 3.0,
        f64::MAX,
        f64::INFINITY,
        f64::NAN,
        f64::EPSILON,
        1.0,
        0.5,
        2.0,
        std::f64::consts::LN_2,
        0.173_286_795_139_986_3,
        0.52,
        19.0,
        20.0,
        37.0,
        40.0,
        708.39,
        709.782_712_893_384,
        709.79,
        710.0,
        744.44,
        745.133_219_101_941_1,
        746.0,
        1e-300,
        1e300,
        5.551_115_123_125_783e-17,
    ];
    let mut out = Vec::new();
    for &b in &base {
        for x in [b, -b] {
            out.push(x);
            if x.is_finite() {
                out.push(f64::from_bits(x.to_bits().wrapping_add(1)));
                out.push(f64::from_bits(x.to_bits().wrapping_sub(1)));
            }
        }
    }
    out
}

/// `n` test points for `k`: the specials, then a third random bit patterns and two
/// thirds uniform draws from the working ranges.
fn points(k: Kernel, n: usize, seed: u64) -> Vec<f64> {
    let mut rng = SplitMix(seed ^ (k as u64).wrapping_mul(0x1234_5678_9abc_def1));
    let mut xs = specials();
    let r = ranges(k);
    while xs.len() < n {
        let x = match xs.len() % 3 {
            0 => f64::from_bits(rng.next()),
            i => {
                let (lo, hi) = r[(rng.next() as usize + i) % r.len()];
                rng.uniform(lo, hi)
            }
        };
        xs.push(x);
    }
    xs
}

/// Checks `k` on `n` points: both lane variants and the dispatched slice path; returns
/// the largest error seen, in ulps.
fn check(k: Kernel, n: usize, seed: u64) -> u64 {
    let xs = points(k, n, seed);
    let fast = k.map(&xs);
    let mut worst = (0u64, 0.0f64);
    for (&x, &v) in xs.iter().zip(&fast) {
        let want = k.reference(x);
        let plain = k.scalar(x);
        let fused = k.scalar_fma(x);
        for (what, got) in [("no-FMA", plain), ("FMA", fused), ("slice", v)] {
            match ulps(got, want) {
                Some(u) => {
                    if u > worst.0 {
                        worst = (u, x);
                    }
                }
                None => panic!(
                    "{}({x:e} = {:#x}) {what}: {got:e}, libm {want:e}",
                    k.name(),
                    x.to_bits()
                ),
            }
        }
        // The vectorized loop computes what one of the lane variants computes.
        assert!(
            v.to_bits() == plain.to_bits() || v.to_bits() == fused.to_bits() || v.is_nan(),
            "{}({x:e}): slice {v:e} is neither lane variant ({plain:e}, {fused:e})",
            k.name()
        );
    }
    println!(
        "{}: worst {} ulp (at {:e}) over {n} points",
        k.name(),
        worst.0,
        worst.1
    );
    worst.0
}

#[test]
fn every_kernel_within_2_ulp_of_libm() {
    for k in Kernel::ALL {
        let worst = check(k, 120_000, 1);
        assert!(worst <= MAX_ULP, "{}: {worst} ulp", k.name());
    }
}

#[test]
fn special_values_exactly() {
    let inf = f64::INFINITY;
    let cases: &[(Kernel, f64, f64)] = &[
        (Kernel::Exp, 0.0, 1.0),
        (Kernel::Exp, -0.0, 1.0),
        (Kernel::Exp, inf, inf),
        (Kernel::Exp, -inf, 0.0),
        (Kernel::Exp, 710.0, inf),
        (Kernel::ExpM1, -0.0, -0.0),
        (Kernel::ExpM1, -inf, -1.0),
        (Kernel::ExpM1, inf, inf),
        (Kernel::Ln, 1.0, 0.0),
        (Kernel::Ln, 0.0, -inf),
        (Kernel::Ln, -0.0, -inf),
        (Kernel::Ln, inf, inf),
        (Kernel::Ln1p, -0.0, -0.0),
        (Kernel::Ln1p, -1.0, -inf),
        (Kernel::Ln1p, inf, inf),
        (Kernel::Tanh, -0.0, -0.0),
        (Kernel::Tanh, inf, 1.0),
        (Kernel::Tanh, -inf, -1.0),
        (Kernel::Sigmoid, 0.0, 0.5),
        (Kernel::Sigmoid, inf, 1.0),
        (Kernel::Sigmoid, -inf, 0.0),
        (Kernel::Softplus, -inf, 0.0),
        (Kernel::Softplus, inf, inf),
        (Kernel::Gelu, -0.0, -0.0),
        (Kernel::Gelu, inf, inf),
    ];
    for &(k, x, want) in cases {
        let got = k.map(&[x])[0];
        assert_eq!(got.to_bits(), want.to_bits(), "{}({x}) = {got}", k.name());
    }
    for k in Kernel::ALL {
        assert!(k.map(&[f64::NAN])[0].is_nan(), "{}(NaN)", k.name());
    }
    for x in [-1.0, -f64::MIN_POSITIVE, -inf] {
        assert!(Kernel::Ln.map(&[x])[0].is_nan(), "ln({x})");
    }
    assert!(Kernel::Ln1p.map(&[-2.0])[0].is_nan());
}

#[test]
fn slices_of_every_length_and_in_place() {
    // Lengths around the vector widths exercise the loops' remainders.
    for n in 0..40 {
        let xs: Vec<f64> = (0..n).map(|i| i as f64 * 0.37 - 5.0).collect();
        for k in Kernel::ALL {
            let out = k.map(&xs);
            let mut inplace = xs.clone();
            k.apply(&mut inplace);
            let mut into = vec![0.0; n];
            k.map_into(&xs, &mut into).unwrap();
            assert_eq!(out.len(), n);
            for i in 0..n {
                assert_eq!(out[i].to_bits(), inplace[i].to_bits());
                assert_eq!(out[i].to_bits(), into[i].to_bits());
            }
        }
    }
}

#[test]
fn map_into_rejects_other_lengths() {
    let err = Kernel::Tanh
        .map_into(&[1.0, 2.0], &mut [0.0; 3])
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("tanh") && msg.contains("[2]") && msg.contains("[3]"),
        "{msg}"
    );
}

#[test]
#[ignore = "10^7 points per kernel; run in release: cargo test -p hype-runtime --release --lib kernels -- --ignored"]
fn sweep_10m_points_per_kernel() {
    let worst: Vec<u64> = Kernel::ALL
        .iter()
        .map(|&k| check(k, 10_000_000, 7))
        .collect();
    for (k, w) in Kernel::ALL.iter().zip(&worst) {
        assert!(*w <= MAX_ULP, "{}: {w} ulp", k.name());
    }
}
