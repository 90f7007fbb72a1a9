//! The MNIST digits shipped in data/mnist/ (embedded in the library): counts, ranges
//! and statistics of the files that scripts/fetch_mnist.sh produced.

use hype_runtime::data::{argmax_rows, idx, mnist, Dataset};
use std::collections::HashSet;

/// Per-digit counts recorded in data/mnist/README.md.
const TRAIN_COUNTS: [usize; 10] = [801, 927, 791, 832, 780, 663, 814, 870, 744, 778];
const TEST_COUNTS: [usize; 10] = [200; 10];

fn histogram(labels: &[u8]) -> [usize; 10] {
    let mut h = [0; 10];
    for &l in labels {
        h[l as usize] += 1;
    }
    h
}

#[test]
fn shipped_digits_have_the_recorded_counts_and_ranges() {
    let m = mnist::load().unwrap();
    assert_eq!(m.train_images.dim(), (mnist::TRAIN_LEN, mnist::PIXELS));
    assert_eq!(m.test_images.dim(), (mnist::TEST_LEN, mnist::PIXELS));
    assert_eq!(m.train_labels.len(), 8000);
    assert_eq!(m.test_labels.len(), 2000);

    assert!(m.train_labels.iter().chain(&m.test_labels).all(|&l| l <= 9));
    let (htrain, htest) = (histogram(&m.train_labels), histogram(&m.test_labels));
    assert_eq!(htrain, TRAIN_COUNTS);
    assert_eq!(htest, TEST_COUNTS);
    assert_eq!(htrain.iter().sum::<usize>(), m.train_labels.len());
    assert_eq!(htest.iter().sum::<usize>(), m.test_labels.len());

    for x in [&m.train_images, &m.test_images] {
        assert!(x.iter().all(|&v| (0.0..=1.0).contains(&v)));
        assert_eq!(x.iter().cloned().fold(f64::INFINITY, f64::min), 0.0);
        assert_eq!(x.iter().cloned().fold(f64::NEG_INFINITY, f64::max), 1.0);
        // Every image has ink and background.
        for row in x.rows() {
            assert!(
                row.iter().any(|&v| v > 0.5) && row.iter().filter(|&&v| v == 0.0).count() > 300
            );
        }
    }

    // The well-known MNIST mean intensity, about 0.1307.
    let mean = m.train_images.mean().unwrap();
    assert!((mean - 0.1307).abs() < 0.001, "{mean}");

    // The files are in a shuffled order (recorded in the README).
    assert_eq!(&m.train_labels[..10], [3, 4, 0, 8, 5, 3, 4, 9, 7, 9]);
    assert_eq!(&m.test_labels[..10], [1, 0, 3, 7, 5, 3, 3, 3, 8, 2]);
}

#[test]
fn raw_bytes_statistics() {
    let train = idx::parse(mnist::TRAIN_IMAGES_IDX).unwrap();
    assert_eq!(train.dims(), [8000, 28, 28]);
    let test = idx::parse(mnist::TEST_IMAGES_IDX).unwrap();
    assert_eq!(test.dims(), [2000, 28, 28]);
    // Exact sums of all pixel bytes: a checksum of the conversion.
    assert_eq!(
        train.data().iter().map(|&p| p as u64).sum::<u64>(),
        209_039_444
    );
    assert_eq!(
        test.data().iter().map(|&p| p as u64).sum::<u64>(),
        53_107_156
    );
    assert_eq!(mnist::TRAIN_IMAGES_IDX.len(), 16 + 8000 * 784);
    assert_eq!(mnist::TRAIN_LABELS_IDX.len(), 8 + 8000);
    assert_eq!(mnist::TEST_IMAGES_IDX.len(), 16 + 2000 * 784);
    assert_eq!(mnist::TEST_LABELS_IDX.len(), 8 + 2000);
}

#[test]
fn ones_have_the_least_ink_and_zeros_the_most() {
    let m = mnist::load().unwrap();
    let mut ink = [0.0f64; 10];
    for (row, &l) in m.train_images.rows().into_iter().zip(&m.train_labels) {
        ink[l as usize] += row.sum();
    }
    for (d, total) in ink.iter_mut().enumerate() {
        *total /= TRAIN_COUNTS[d] as f64;
    }
    let least = (0..10).min_by(|&a, &b| ink[a].total_cmp(&ink[b])).unwrap();
    let most = (0..10).max_by(|&a, &b| ink[a].total_cmp(&ink[b])).unwrap();
    assert_eq!((least, most), (1, 0), "{ink:?}");
}

#[test]
fn train_and_test_share_no_image() {
    let train = idx::parse_images_u8(mnist::TRAIN_IMAGES_IDX).unwrap();
    let test = idx::parse_images_u8(mnist::TEST_IMAGES_IDX).unwrap();
    let seen: HashSet<Vec<u8>> = train.rows().into_iter().map(|r| r.to_vec()).collect();
    assert!(test.rows().into_iter().all(|r| !seen.contains(&r.to_vec())));
}

#[test]
fn datasets_and_the_files_on_disk() {
    let m = mnist::load().unwrap();
    let train: Dataset = m.train().unwrap();
    assert_eq!(train.y.dim(), (8000, 10));
    assert!(train.y.rows().into_iter().all(|r| r.sum() == 1.0));
    let classes = argmax_rows(&train.y);
    assert!(classes
        .iter()
        .zip(&m.train_labels)
        .all(|(&c, &l)| c == l as usize));
    assert_eq!(m.test().unwrap().len(), 2000);

    // The same files read from the repository at run time.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist");
    assert_eq!(mnist::load_dir(dir).unwrap(), m);
}
