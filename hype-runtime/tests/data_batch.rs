//! Minibatches, seeded splits, gathering rows, `Dataset`, one-hot encoding and the
//! seeded generator.

use hype_runtime::data::rng::{derive_seed, permutation, shuffle, SplitMix64};
use hype_runtime::data::{
    argmax_rows, gather, gather_rows, one_hot, split_indices, train_val_test, DataError, Dataset,
    Minibatches,
};
use ndarray::{array, Array2};
use proptest::prelude::*;

fn sorted(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v
}

#[test]
fn splitmix64_known_answers() {
    // The first outputs of splitmix64 from seed 0 (also produced by the BigInt
    // implementation in scripts/fetch_mnist.js).
    let mut r = SplitMix64::new(0);
    assert_eq!(r.next_u64(), 0xe220_a839_7b1d_cdaf);
    assert_eq!(r.next_u64(), 0x6e78_9e6a_a1b9_65f4);
    assert_eq!(r.next_u64(), 0x06c4_5d18_8009_454f);
    assert_eq!(r.below(0), 0);
    for bound in [1u64, 2, 3, 7, 1000, u64::MAX] {
        for _ in 0..100 {
            assert!(r.below(bound) < bound);
        }
    }
}

#[test]
fn permutations_are_seeded() {
    let p = permutation(50, 42);
    assert_eq!(sorted(p.clone()), (0..50).collect::<Vec<_>>());
    assert_eq!(p, permutation(50, 42));
    assert_ne!(p, permutation(50, 43));
    assert_ne!(p, (0..50).collect::<Vec<_>>());
    let mut letters = ['a', 'b', 'c', 'd'];
    shuffle(&mut letters, 1);
    assert_eq!(
        sorted(letters.iter().map(|&c| c as usize).collect()),
        [97, 98, 99, 100]
    );
    assert!(permutation(0, 1).is_empty());
    assert_eq!(permutation(1, 1), [0]);
    assert_ne!(derive_seed(5, 0), derive_seed(5, 1));
    assert_ne!(derive_seed(5, 0), derive_seed(6, 0));
}

#[test]
fn shuffling_is_uniform_enough() {
    // Position of element 0 over many seeds: each of 4 slots about a quarter.
    let mut counts = [0usize; 4];
    for seed in 0..4000 {
        let p = permutation(4, seed);
        counts[p.iter().position(|&i| i == 0).unwrap()] += 1;
    }
    assert!(
        counts.iter().all(|&c| (850..1150).contains(&c)),
        "{counts:?}"
    );
}

#[test]
fn minibatches_in_order() {
    let b: Vec<_> = Minibatches::new(7, 3).unwrap().collect();
    assert_eq!(b, vec![vec![0, 1, 2], vec![3, 4, 5], vec![6]]);
    let b: Vec<_> = Minibatches::new(7, 3).unwrap().drop_last(true).collect();
    assert_eq!(b, vec![vec![0, 1, 2], vec![3, 4, 5]]);
    assert_eq!(Minibatches::new(7, 3).unwrap().len(), 3);
    assert_eq!(Minibatches::new(7, 3).unwrap().drop_last(true).len(), 2);
    assert_eq!(Minibatches::new(6, 3).unwrap().drop_last(true).len(), 2);
    assert_eq!(
        Minibatches::new(2, 10).unwrap().collect::<Vec<_>>(),
        vec![vec![0, 1]]
    );
    assert_eq!(Minibatches::new(2, 10).unwrap().drop_last(true).count(), 0);
    assert_eq!(Minibatches::new(0, 10).unwrap().count(), 0);
    assert_eq!(
        Minibatches::new(5, 0).unwrap_err(),
        DataError::ZeroBatchSize
    );
}

#[test]
fn minibatches_shuffled() {
    let a: Vec<_> = Minibatches::new(10, 4).unwrap().shuffled(9).collect();
    let b: Vec<_> = Minibatches::new(10, 4).unwrap().shuffled(9).collect();
    assert_eq!(a, b);
    assert_eq!(a.iter().map(Vec::len).collect::<Vec<_>>(), [4, 4, 2]);
    assert_eq!(sorted(a.concat()), (0..10).collect::<Vec<_>>());
    let epochs: Vec<Vec<usize>> = (0..3)
        .map(|e| {
            Minibatches::new(10, 10)
                .unwrap()
                .shuffled(derive_seed(9, e))
                .next()
                .unwrap()
        })
        .collect();
    assert_ne!(epochs[0], epochs[1]);
    assert_ne!(epochs[1], epochs[2]);
    let m = Minibatches::new(10, 4).unwrap().shuffled(9);
    assert_eq!(m.order(), &a.concat()[..]);
}

#[test]
fn splits() {
    let parts = split_indices(10, &[0.7, 0.2, 0.1], Some(3)).unwrap();
    assert_eq!(parts.iter().map(Vec::len).collect::<Vec<_>>(), [7, 2, 1]);
    assert_eq!(sorted(parts.concat()), (0..10).collect::<Vec<_>>());
    assert_eq!(parts, split_indices(10, &[0.7, 0.2, 0.1], Some(3)).unwrap());
    assert_ne!(parts, split_indices(10, &[0.7, 0.2, 0.1], Some(4)).unwrap());

    let ordered = split_indices(5, &[0.4, 0.6], None).unwrap();
    assert_eq!(ordered, vec![vec![0, 1], vec![2, 3, 4]]);

    // Fractions summing to less than 1 leave the rest out.
    let sub = split_indices(100, &[0.1, 0.05], Some(1)).unwrap();
    assert_eq!((sub[0].len(), sub[1].len()), (10, 5));
    // Rounding: thirds of 10.
    let thirds = split_indices(10, &[1.0 / 3.0; 3], Some(1)).unwrap();
    assert_eq!(thirds.iter().map(Vec::len).collect::<Vec<_>>(), [3, 4, 3]);
    assert!(split_indices(10, &[], Some(1)).unwrap().is_empty());
    assert_eq!(
        split_indices(0, &[0.5, 0.5], Some(1)).unwrap(),
        vec![Vec::<usize>::new(), vec![]]
    );

    for bad in [
        &[0.5, 0.6][..],
        &[-0.1, 0.5],
        &[f64::NAN],
        &[f64::INFINITY],
        &[0.5, 0.5, 1e-6],
    ] {
        match split_indices(10, bad, Some(1)) {
            Err(DataError::BadFractions { fractions }) => assert_eq!(fractions.len(), bad.len()),
            other => panic!("{bad:?}: {other:?}"),
        }
    }

    let s = train_val_test(100, 0.1, 0.2, 5).unwrap();
    assert_eq!(
        (s.train.len(), s.validation.len(), s.test.len()),
        (70, 10, 20)
    );
    let all = sorted([s.train.clone(), s.validation.clone(), s.test.clone()].concat());
    assert_eq!(all, (0..100).collect::<Vec<_>>());
    assert!(matches!(
        train_val_test(100, 0.6, 0.6, 5),
        Err(DataError::BadFractions { .. })
    ));
    assert!(matches!(
        train_val_test(100, f64::NAN, 0.1, 5),
        Err(DataError::BadFractions { .. })
    ));
    let none = train_val_test(10, 0.0, 0.0, 5).unwrap();
    assert_eq!(none.train.len(), 10);
}

#[test]
fn gathering() {
    let a = array![[1, 2], [3, 4], [5, 6]];
    assert_eq!(
        gather_rows(&a, &[2, 0, 2]).unwrap(),
        array![[5, 6], [1, 2], [5, 6]]
    );
    assert_eq!(
        gather_rows(&a, &[3]),
        Err(DataError::IndexOutOfRange { index: 3, len: 3 })
    );
    assert_eq!(gather(&['a', 'b'], &[1, 1, 0]).unwrap(), ['b', 'b', 'a']);
    assert_eq!(
        gather(&['a'], &[0, 7]),
        Err(DataError::IndexOutOfRange { index: 7, len: 1 })
    );
}

fn toy(n: usize) -> Dataset {
    let x = Array2::from_shape_fn((n, 2), |(i, j)| (10 * i + j) as f64);
    let labels: Vec<u8> = (0..n).map(|i| (i % 3) as u8).collect();
    Dataset::classification(x, &labels, 3).unwrap()
}

#[test]
fn datasets() {
    let d = toy(7);
    assert_eq!(d.len(), 7);
    assert!(!d.is_empty());
    let batches: Vec<Dataset> = d.minibatches(3).unwrap().collect();
    assert_eq!(batches.len(), 3);
    assert_eq!(batches[2].x, array![[60.0, 61.0]]);
    let shuffled: Vec<Dataset> = d
        .minibatches(3)
        .unwrap()
        .shuffled(2)
        .drop_last(true)
        .collect();
    assert_eq!(shuffled.len(), 2);
    for b in &shuffled {
        // Inputs and targets stay paired: row i has x = 10 i, label i mod 3.
        for (x, y) in b.x.rows().into_iter().zip(argmax_rows(&b.y)) {
            assert_eq!((x[0] as usize / 10) % 3, y);
        }
    }
    assert_eq!(d.minibatches(3).unwrap().len(), 3);

    let parts = d.split(&[0.5, 0.5], Some(1)).unwrap();
    assert_eq!(parts[0].len() + parts[1].len(), 7);
    assert_eq!(
        d.select(&[6, 0]).unwrap().x,
        array![[60.0, 61.0], [0.0, 1.0]]
    );
    assert!(matches!(
        d.select(&[7]),
        Err(DataError::IndexOutOfRange { index: 7, len: 7 })
    ));

    assert_eq!(
        Dataset::new(Array2::zeros((3, 2)), Array2::zeros((2, 1))),
        Err(DataError::RowMismatch {
            inputs: 3,
            targets: 2
        })
    );
    // Fields are public; methods re-check the invariant instead of panicking.
    let mut broken = toy(4);
    broken.y = Array2::zeros((3, 3));
    assert!(matches!(
        broken.minibatches(2),
        Err(DataError::RowMismatch { .. })
    ));
    assert!(matches!(
        broken.select(&[0]),
        Err(DataError::RowMismatch { .. })
    ));
    assert!(matches!(
        broken.split(&[1.0], None),
        Err(DataError::RowMismatch { .. })
    ));
}

#[test]
fn one_hot_and_back() {
    let y = one_hot(&[2u8, 0, 1], 3).unwrap();
    assert_eq!(y, array![[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]);
    assert_eq!(argmax_rows(&y), [2, 0, 1]);
    assert_eq!(
        one_hot(&[5usize], 5),
        Err(DataError::LabelOutOfRange {
            index: 0,
            label: 5,
            classes: 5
        })
    );
    assert_eq!(one_hot::<u8>(&[], 4).unwrap().dim(), (0, 4));
    assert_eq!(
        argmax_rows(&array![[0.1, 0.7, 0.7], [f64::NAN, -1.0, -2.0]]),
        [1, 0]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn batches_partition_the_examples(n in 0usize..200, size in 1usize..40, seed in prop::option::of(any::<u64>()), drop in any::<bool>()) {
        let mut m = Minibatches::new(n, size).unwrap().drop_last(drop);
        if let Some(s) = seed {
            m = m.shuffled(s);
        }
        let expected_batches = if drop { n / size } else { n.div_ceil(size) };
        prop_assert_eq!(m.len(), expected_batches);
        let batches: Vec<Vec<usize>> = m.collect();
        prop_assert_eq!(batches.len(), expected_batches);
        for (k, b) in batches.iter().enumerate() {
            prop_assert!(!b.is_empty() && b.len() <= size);
            if k + 1 < batches.len() || drop {
                prop_assert_eq!(b.len(), size);
            }
        }
        let all = batches.concat();
        let mut unique = all.clone();
        unique.sort_unstable();
        unique.dedup();
        prop_assert_eq!(unique.len(), all.len());
        prop_assert!(all.iter().all(|&i| i < n));
        prop_assert_eq!(all.len(), if drop { n - n % size } else { n });
        if seed.is_none() {
            let len = all.len();
            prop_assert_eq!(all, (0..len).collect::<Vec<_>>());
        }
    }

    #[test]
    fn splits_are_disjoint_and_sized(
        n in 0usize..500,
        fractions in prop::collection::vec(0.0f64..1.0, 0..5),
        seed in prop::option::of(any::<u64>()),
    ) {
        let total: f64 = fractions.iter().sum();
        let r = split_indices(n, &fractions, seed);
        if total > 1.0 + 1e-9 {
            prop_assert!(r.is_err());
            return Ok(());
        }
        let parts = r.unwrap();
        prop_assert_eq!(parts.len(), fractions.len());
        for (p, f) in parts.iter().zip(&fractions) {
            prop_assert!((p.len() as f64 - f * n as f64).abs() <= 1.0 + 1e-6, "{} vs {}", p.len(), f * n as f64);
        }
        let all = sorted(parts.concat());
        let mut unique = all.clone();
        unique.dedup();
        prop_assert_eq!(&unique, &all);
        prop_assert!(all.iter().all(|&i| i < n));
    }
}
