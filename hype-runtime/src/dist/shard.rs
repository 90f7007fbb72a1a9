//! Which rows of a batch each rank reads.

use std::ops::Range;

/// The rows of a batch of `n` rows that rank `rank` of `size` reads: contiguous
/// blocks, the first `n % size` ranks one row more. Ranks past `n` get no rows.
pub fn shard_range(n: usize, rank: usize, size: usize) -> Range<usize> {
    let size = size.max(1);
    let (base, extra) = (n / size, n % size);
    let start = rank * base + rank.min(extra);
    let len = base + usize::from(rank < extra);
    start.min(n)..(start + len).min(n)
}

#[cfg(test)]
mod tests {
    use super::shard_range;

    #[test]
    fn shards_cover_the_batch_once() {
        for n in 0..13 {
            for size in 1..6 {
                let mut next = 0;
                for r in 0..size {
                    let s = shard_range(n, r, size);
                    assert_eq!(s.start, next);
                    assert!(s.len() == n / size || s.len() == n / size + 1);
                    next = s.end;
                }
                assert_eq!(next, n);
            }
        }
    }
}
