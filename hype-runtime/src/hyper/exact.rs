//! Exact arithmetic for reversible learning: fixed-point vectors whose multiplication
//! by a rational `n/d < 1` is made invertible by saving the information it destroys in
//! an arbitrary-precision information buffer (Maclaurin, Duvenaud & Adams 2015, §3).
//!
//! The paper's multiplication, `⌊v/d⌋·n + (a digit popped from the buffer)`, is off
//! by up to `n` units; here the product is rounded down exactly (`⌊v·n/d⌋`, off by less
//! than one unit, so large denominators that match an `f64` momentum to 1e-19 cost no
//! precision) and only the part of the remainder that the result does not determine is
//! stored.

use super::HyperError;
use ndarray::Array1;

/// A natural number used as a stack of mixed-radix digits: `push(x, m)` makes it
/// `self·m + x`, `pop(m)` returns `self mod m` and divides by `m`. Popping from zero
/// gives zero digits, which is what makes the first multiplications well defined.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct InfoBuffer {
    /// Little-endian base-2³² digits, no trailing zero limbs.
    limbs: Vec<u32>,
}

impl InfoBuffer {
    fn push(&mut self, digit: u64, radix: u64) {
        debug_assert!(digit < radix && radix <= 1 << 32);
        let mut carry = digit;
        for limb in self.limbs.iter_mut() {
            let v = *limb as u64 * radix + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.limbs.push(carry as u32);
        }
    }

    fn pop(&mut self, radix: u64) -> u64 {
        debug_assert!(radix > 0 && radix <= 1 << 32);
        let mut rem = 0u64;
        for limb in self.limbs.iter_mut().rev() {
            let v = (rem << 32) | *limb as u64;
            *limb = (v / radix) as u32;
            rem = v % radix;
        }
        while self.limbs.last() == Some(&0) {
            self.limbs.pop();
        }
        rem
    }

    /// Bits of the number (0 for zero).
    pub(crate) fn bits(&self) -> u64 {
        match self.limbs.last() {
            None => 0,
            Some(top) => 32 * (self.limbs.len() as u64 - 1) + (32 - top.leading_zeros() as u64),
        }
    }
}

/// The best rational approximation `n/d` of `x ∈ (0, 1)` with `d ≤ max_den`: the last
/// convergent of the continued fraction of `x` (computed exactly from the binary
/// value of `x`) whose denominator fits, with `0 < n < d`.
pub(crate) fn rational(x: f64, max_den: u64) -> Result<(u64, u64), HyperError> {
    if !(x > 0.0 && x < 1.0) || x < 2f64.powi(-70) {
        return Err(HyperError::InvalidArgument(format!(
            "reversible learning needs every momentum in (2^-70, 1), got {x}"
        )));
    }
    // x = mant / 2^shift exactly.
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let mant = ((bits & ((1u64 << 52) - 1)) | (1u64 << 52)) as u128;
    let shift = (1075 - exp) as u32; // ≤ 122 for x ≥ 2^-70
    let (mut num, mut den) = (mant, 1u128 << shift);
    // Convergents p/q of num/den.
    let (mut p0, mut q0, mut p1, mut q1) = (0u128, 1u128, 1u128, 0u128);
    let mut best = (0u128, 1u128);
    while den != 0 {
        let a = num / den;
        let (p2, q2) = (a * p1 + p0, a * q1 + q0);
        if q2 > max_den as u128 {
            break;
        }
        best = (p2, q2);
        (p0, q0, p1, q1) = (p1, q1, p2, q2);
        (num, den) = (den, num - a * den);
    }
    let (n, d) = (best.0 as u64, best.1 as u64);
    if n == 0 || n >= d {
        return Err(HyperError::InvalidArgument(format!(
            "momentum {x} has no rational approximation n/d with 0 < n < d ≤ {max_den}"
        )));
    }
    Ok((n, d))
}

/// A vector of fixed-point numbers `val · 2^-radix_bits` with one information buffer
/// per coordinate.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ExactVec {
    pub(crate) val: Vec<i64>,
    buffers: Vec<InfoBuffer>,
    scale: f64,
}

const LIMIT: f64 = 4.0e18; // below i64::MAX / 2

impl ExactVec {
    pub(crate) fn new(x: &Array1<f64>, radix_bits: u32) -> Result<Self, HyperError> {
        let scale = 2f64.powi(radix_bits as i32);
        let mut v = ExactVec {
            val: vec![0; x.len()],
            buffers: vec![InfoBuffer::default(); x.len()],
            scale,
        };
        v.add(x)?;
        Ok(v)
    }

    pub(crate) fn to_float(&self) -> Array1<f64> {
        self.val.iter().map(|&v| v as f64 / self.scale).collect()
    }

    /// `self += round(x)`, exactly undone by `sub` of the same `x`.
    pub(crate) fn add(&mut self, x: &Array1<f64>) -> Result<(), HyperError> {
        assert_eq!(
            x.len(),
            self.val.len(),
            "hype::hyper::reversible: adding {} scalars to {}",
            x.len(),
            self.val.len()
        );
        for (v, &xi) in self.val.iter_mut().zip(x) {
            let d = to_int(xi, self.scale)?;
            *v = v.checked_add(d).ok_or_else(overflow)?;
        }
        Ok(())
    }

    pub(crate) fn sub(&mut self, x: &Array1<f64>) -> Result<(), HyperError> {
        let neg = x.mapv(|v| -v);
        self.add(&neg)
    }

    /// `self ← ⌊self · n/d⌋` (an error below one unit), made invertible: the
    /// remainder `r` of `self·n` by `d` is congruent to `-⌊self·n/d⌋·d` modulo `n`, so
    /// it is known up to `k = (r - r₀)/n`, one of `K = ⌈(d - r₀)/n⌉` values (about
    /// `d/n`), and only `k` goes into the buffer (radix `K`): about `log2(d/n)` bits.
    pub(crate) fn mul_ratio(&mut self, n: u64, d: u64) {
        let (n, d) = (n as i128, d as i128);
        for (v, buf) in self.val.iter_mut().zip(&mut self.buffers) {
            let p = *v as i128 * n;
            let q = p.div_euclid(d);
            let r = p.rem_euclid(d);
            let (r0, radix) = residue(q, n, d);
            buf.push(((r - r0) / n) as u64, radix);
            *v = q as i64; // |q| ≤ |v|
        }
    }

    /// The exact inverse of [`mul_ratio`](Self::mul_ratio).
    pub(crate) fn div_ratio(&mut self, n: u64, d: u64) -> Result<(), HyperError> {
        let (n, d) = (n as i128, d as i128);
        for (v, buf) in self.val.iter_mut().zip(&mut self.buffers) {
            let q = *v as i128;
            let (r0, radix) = residue(q, n, d);
            let r = r0 + n * buf.pop(radix) as i128;
            let p = q * d + r;
            debug_assert_eq!(p.rem_euclid(n), 0);
            *v = i64::try_from(p / n).map_err(|_| overflow())?;
        }
        Ok(())
    }

    /// Bits held in the information buffers.
    pub(crate) fn info_bits(&self) -> u64 {
        self.buffers.iter().map(InfoBuffer::bits).sum()
    }
}

/// `r₀ = (-q d) mod n` and the number `K = ⌈(d - r₀)/n⌉` of remainders `r₀ + k n < d`.
fn residue(q: i128, n: i128, d: i128) -> (i128, u64) {
    let r0 = (-q * d).rem_euclid(n);
    (r0, ((d - r0 + n - 1) / n) as u64)
}

fn to_int(x: f64, scale: f64) -> Result<i64, HyperError> {
    let y = (x * scale).round();
    if y.is_nan() || y.abs() >= LIMIT {
        return Err(HyperError::InvalidArgument(format!(
            "value {x:e} does not fit the fixed-point range (±{:e}); lower radix_bits",
            LIMIT / scale
        )));
    }
    Ok(y as i64)
}

fn overflow() -> HyperError {
    HyperError::InvalidArgument(
        "fixed-point overflow in reversible learning; lower radix_bits".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffer_is_a_digit_stack() {
        let mut b = InfoBuffer::default();
        let digits = [
            (3u64, 10u64),
            (0, 7),
            (65535, 65536),
            (1, 2),
            (4_000_000_000, 1 << 32),
        ];
        for &(x, m) in &digits {
            b.push(x, m);
        }
        assert_eq!(b.bits(), 54);
        for &(x, m) in digits.iter().rev() {
            assert_eq!(b.pop(m), x);
        }
        assert_eq!(b, InfoBuffer::default());
        assert_eq!(b.pop(9), 0);
    }

    #[test]
    fn multiply_then_divide_is_identity() {
        let x = ndarray::array![1.25, -3.5e-3, 0.0, 7.0, -1e-9];
        let mut v = ExactVec::new(&x, 40).unwrap();
        let start = v.clone();
        for _ in 0..50 {
            v.mul_ratio(9, 10);
            v.mul_ratio(3, 7);
        }
        assert!(v.info_bits() > 0);
        for _ in 0..50 {
            v.div_ratio(3, 7).unwrap();
            v.div_ratio(9, 10).unwrap();
        }
        assert_eq!(v, start);
    }

    #[test]
    fn rational_approximations() {
        assert_eq!(rational(0.9, 1 << 16).unwrap(), (9, 10));
        assert_eq!(rational(0.5, 1 << 16).unwrap(), (1, 2));
        let (n, d) = rational(0.123456789, 1000).unwrap();
        assert!(d <= 1000 && ((n as f64 / d as f64) - 0.123456789).abs() < 1e-5);
        let (n, d) = rational(0.8123456789, 1 << 32).unwrap();
        assert!(d > 1 << 20 && ((n as f64 / d as f64) - 0.8123456789).abs() < 1e-16);
        assert!(rational(1.0, 100).is_err());
        assert!(rational(0.0, 100).is_err());
        assert!(rational(1e-9, 100).is_err());
    }
}
