//! Accuracy of the f32 kernels ([`Kernel::apply_f32`]) against the correctly rounded
//! result: libm's f64 value ([`Kernel::reference`]) rounded to f32. At most 1 ulp on
//! special values (±0, subnormals, ±inf, NaN, the saturation and branch thresholds and
//! their neighbours), on random bit patterns (every exponent) and on uniform draws from
//! each function's working range; both lane variants (with and without FMA) and the
//! dispatched slice path. `sweep_10m_points_per_kernel_f32` (ignored; run in release)
//! draws 10^7 points per kernel, the other tests 1.2 * 10^5.

use crate::kernels::Kernel;

/// The largest error allowed, in f32 units in the last place.
const MAX_ULP: u32 = 1;

/// f32s ordered as integers (-0 and +0 both 0): the distance of two is their distance
/// in ulps.
fn ordered(x: f32) -> i32 {
    let b = x.to_bits() as i32;
    if b < 0 {
        i32::MIN.wrapping_sub(b)
    } else {
        b
    }
}

/// The distance in ulps of `got` from `want`, `None` when they cannot be compared (one
/// NaN and the other not, infinities that differ, zeros of different signs).
fn ulps(got: f32, want: f32) -> Option<u32> {
    if got.is_nan() || want.is_nan() {
        return (got.is_nan() && want.is_nan()).then_some(0);
    }
    if got.is_infinite() || want.is_infinite() || (got == 0.0 && want == 0.0) {
        return (got.to_bits() == want.to_bits()).then_some(0);
    }
    Some(ordered(got).abs_diff(ordered(want)))
}

/// The correctly rounded result (up to libm's own error, far below an f32 ulp).
fn reference(k: Kernel, x: f32) -> f32 {
    k.reference(f64::from(x)) as f32
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
    /// Uniform in `[lo, hi)`, rounded to f32.
    fn uniform(&mut self, lo: f64, hi: f64) -> f32 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        (lo + (hi - lo) * u) as f32
    }
}

/// The ranges where each function does its work in f32 (beyond them it saturates).
fn ranges(k: Kernel) -> &'static [(f64, f64)] {
    match k {
        Kernel::Exp => &[(-105.0, 90.0), (-1.0, 1.0), (-104.0, -86.0)],
        Kernel::ExpM1 => &[(-20.0, 90.0), (-1.0, 1.0), (-1e-4, 1e-4)],
        Kernel::Ln => &[(0.0, 4.0), (0.99, 1.01), (0.0, 1e38)],
        Kernel::Ln1p => &[(-1.0, 4.0), (-1e-4, 1e-4), (-0.5, 0.5)],
        Kernel::Tanh => &[(-12.0, 12.0), (-0.6, 0.6), (-1e-3, 1e-3)],
        Kernel::Sigmoid => &[(-110.0, 110.0), (-20.0, 20.0), (-1.0, 1.0)],
        Kernel::Softplus => &[(-110.0, 110.0), (-20.0, 20.0), (-1.0, 1.0)],
        Kernel::Gelu => &[(-12.0, 12.0), (-3.0, 3.0), (-1e10, 1e10)],
    }
}

/// Values every kernel is tested on, with their neighbours.
fn specials() -> Vec<f32> {
    let base = [
        0.0,
        f32::from_bits(1),
        f32::MIN_POSITIVE,
        f32::MIN_POSITIVE / 3.0,
        f32::MAX,
        f32::INFINITY,
        f32::NAN,
        f32::EPSILON,
        1.0,
        0.5,
        2.0,
        std::f32::consts::LN_2,
        0.346_573_6,
        0.55,
        9.0,
        9.02,
        10.0,
        17.0,
        20.0,
        86.0,
        87.336_55,
        88.0,
        88.722_84,
        89.0,
        103.0,
        103.972_08,
        104.0,
        1e-30,
        1e30,
        2.980_232_2e-8,
    ];
    let mut out = Vec::new();
    for &b in &base {
        for x in [b, -b] {
            out.push(x);
            if x.is_finite() {
                out.push(f32::from_bits(x.to_bits().wrapping_add(1)));
                out.push(f32::from_bits(x.to_bits().wrapping_sub(1)));
            }
        }
    }
    out
}

/// `n` test points for `k`: the specials, then a third random bit patterns and two
/// thirds uniform draws from the working ranges.
fn points(k: Kernel, n: usize, seed: u64) -> Vec<f32> {
    let mut rng = SplitMix(seed ^ (k as u64).wrapping_mul(0x1234_5678_9abc_def1));
    let mut xs = specials();
    let r = ranges(k);
    while xs.len() < n {
        let x = match xs.len() % 3 {
            0 => f32::from_bits(rng.next() as u32),
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
/// the largest error seen, in ulps, and where.
fn check(k: Kernel, n: usize, seed: u64) -> (u32, f32) {
    let xs = points(k, n, seed);
    let mut fast = xs.clone();
    k.apply_f32(&mut fast);
    let mut worst = (0u32, 0.0f32);
    for (&x, &v) in xs.iter().zip(&fast) {
        let want = reference(k, x);
        let plain = k.scalar_f32(x);
        let fused = k.scalar_f32_fma(x);
        for (what, got) in [("no-FMA", plain), ("FMA", fused), ("slice", v)] {
            match ulps(got, want) {
                Some(u) => {
                    if u > worst.0 {
                        worst = (u, x);
                    }
                }
                None => panic!(
                    "{}({x:e} = {:#x}) {what}: {got:e}, reference {want:e}",
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
        "{} f32: worst {} ulp (at {:e}) over {n} points",
        k.name(),
        worst.0,
        worst.1
    );
    worst
}

#[test]
fn every_f32_kernel_within_1_ulp_of_the_rounded_reference() {
    for k in Kernel::ALL {
        let (worst, at) = check(k, 120_000, 1);
        assert!(worst <= MAX_ULP, "{}: {worst} ulp at {at:e}", k.name());
    }
}

#[test]
fn f32_special_values_exactly() {
    let inf = f32::INFINITY;
    let tiny = f32::from_bits(1);
    let cases: &[(Kernel, f32, f32)] = &[
        (Kernel::Exp, 0.0, 1.0),
        (Kernel::Exp, -0.0, 1.0),
        (Kernel::Exp, inf, inf),
        (Kernel::Exp, -inf, 0.0),
        (Kernel::Exp, 89.0, inf),
        (Kernel::Exp, -104.0, 0.0),
        // e^-103.279 = 2^-149 (rounded from above 2^-150).
        (Kernel::Exp, -103.27, tiny),
        (Kernel::Exp, 1.0, std::f32::consts::E),
        (Kernel::ExpM1, -0.0, -0.0),
        (Kernel::ExpM1, tiny, tiny),
        (Kernel::ExpM1, -inf, -1.0),
        (Kernel::ExpM1, -20.0, -1.0),
        (Kernel::ExpM1, inf, inf),
        (Kernel::ExpM1, 89.0, inf),
        (Kernel::Ln1p, -0.0, -0.0),
        (Kernel::Ln1p, tiny, tiny),
        (Kernel::Ln1p, -1.0, -inf),
        (Kernel::Ln1p, inf, inf),
        (Kernel::Ln1p, 1.0, std::f32::consts::LN_2),
        (Kernel::Ln, 1.0, 0.0),
        (Kernel::Ln, 0.0, -inf),
        (Kernel::Ln, -0.0, -inf),
        (Kernel::Ln, inf, inf),
        (Kernel::Ln, 2.0, std::f32::consts::LN_2),
        // ln(2^-149), from a subnormal.
        (Kernel::Ln, tiny, -103.278_93),
        (Kernel::Tanh, -0.0, -0.0),
        (Kernel::Tanh, tiny, tiny),
        (Kernel::Tanh, inf, 1.0),
        (Kernel::Tanh, -inf, -1.0),
        (Kernel::Tanh, 9.5, 1.0),
        (Kernel::Tanh, -30.0, -1.0),
        (Kernel::Sigmoid, 0.0, 0.5),
        (Kernel::Sigmoid, -0.0, 0.5),
        (Kernel::Sigmoid, inf, 1.0),
        (Kernel::Sigmoid, 20.0, 1.0),
        (Kernel::Sigmoid, -inf, 0.0),
        (Kernel::Sigmoid, -104.0, 0.0),
        (Kernel::Sigmoid, -103.27, tiny),
    ];
    for &(k, x, want) in cases {
        let mut got = [x];
        k.apply_f32(&mut got);
        assert_eq!(
            got[0].to_bits(),
            want.to_bits(),
            "{}({x}) = {}, want {want}",
            k.name(),
            got[0]
        );
    }
    for k in Kernel::ALL {
        let mut got = [f32::NAN, -f32::NAN];
        k.apply_f32(&mut got);
        assert!(got.iter().all(|v| v.is_nan()), "{}(NaN): {got:?}", k.name());
    }
    let mut negative = [-1.0, -f32::MIN_POSITIVE, -tiny, -inf];
    Kernel::Ln.apply_f32(&mut negative);
    assert!(negative.iter().all(|v| v.is_nan()), "ln(< 0): {negative:?}");
    let mut below = [-1.5, -2.0, -inf];
    Kernel::Ln1p.apply_f32(&mut below);
    assert!(below.iter().all(|v| v.is_nan()), "ln_1p(< -1): {below:?}");
}

#[test]
fn f32_slices_of_every_length() {
    // Lengths around the vector widths (4 to 16 lanes) exercise the loops' remainders.
    for n in 0..70 {
        let xs: Vec<f32> = (0..n).map(|i| i as f32 * 0.37 - 9.0).collect();
        for k in Kernel::ALL {
            let mut got = xs.clone();
            k.apply_f32(&mut got);
            for (&x, &y) in xs.iter().zip(&got) {
                let (plain, fused) = (k.scalar_f32(x), k.scalar_f32_fma(x));
                assert!(
                    y.to_bits() == plain.to_bits() || y.to_bits() == fused.to_bits(),
                    "{}({x}) in a slice of {n}: {y}",
                    k.name()
                );
            }
        }
    }
}

#[test]
#[ignore = "10^7 points per kernel; run in release: cargo test -p hype-runtime --release --lib kernels -- --ignored"]
fn sweep_10m_points_per_kernel_f32() {
    let worst: Vec<(u32, f32)> = Kernel::ALL
        .iter()
        .map(|&k| check(k, 10_000_000, 7))
        .collect();
    for (k, (w, at)) in Kernel::ALL.iter().zip(&worst) {
        assert!(*w <= MAX_ULP, "{}: {w} ulp at {at:e}", k.name());
    }
}
