//! The IDX reader: malformed files (each constructed here) and the exact error each
//! gives; the three entry points (slice, stream, byte-at-a-time stream) agreeing on
//! every input; no allocation sized by an unchecked header (measured with a counting
//! allocator); round trips through the writer; fuzz-style property tests on random
//! bytes and mutations of valid files, with an oracle for the header arithmetic.

use hype_runtime::data::idx::{self, Idx};
use hype_runtime::data::{mnist, one_hot, DataError};
use proptest::prelude::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{self, Read};

// ---------------------------------------------------------------------------------------
// A global allocator that records, per thread and on request, the largest allocation.
// ---------------------------------------------------------------------------------------

struct Tracking;

thread_local! {
    static TRACKING: Cell<bool> = const { Cell::new(false) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = TRACKING.try_with(|on| {
        if on.get() {
            let _ = LARGEST.try_with(|m| m.set(m.get().max(size)));
        }
    });
}

unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOC: Tracking = Tracking;

/// Runs `f` and returns its result and the largest single allocation it made.
fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.with(|m| m.set(0));
    TRACKING.with(|t| t.set(true));
    let r = f();
    TRACKING.with(|t| t.set(false));
    (r, LARGEST.with(|m| m.get()))
}

#[test]
fn the_allocation_tracker_sees_allocations() {
    let (v, largest) = largest_allocation(|| vec![7u8; 100_000]);
    assert_eq!(v.len(), 100_000);
    assert!(largest >= 100_000);
    let ((), none) = largest_allocation(|| ());
    assert_eq!(none, 0);
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Magic bytes, big-endian u32 dims, data: any header, valid or not.
fn file(magic: [u8; 4], dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut v = magic.to_vec();
    for d in dims {
        v.extend_from_slice(&d.to_be_bytes());
    }
    v.extend_from_slice(data);
    v
}

/// A u8 file of the given rank and dims.
fn u8_file(dims: &[u32], data: &[u8]) -> Vec<u8> {
    file([0, 0, 0x08, dims.len() as u8], dims, data)
}

fn images(n: u32, rows: u32, cols: u32) -> Vec<u8> {
    let len = (n * rows * cols) as usize;
    let data: Vec<u8> = (0..len).map(|i| (i * 37 % 256) as u8).collect();
    u8_file(&[n, rows, cols], &data)
}

fn labels(n: u32) -> Vec<u8> {
    let data: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
    u8_file(&[n], &data)
}

/// A reader that hands out one byte per call.
struct OneByte<'a>(&'a [u8]);

impl Read for OneByte<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match (self.0.split_first(), buf.first_mut()) {
            (Some((&b, rest)), Some(slot)) => {
                *slot = b;
                self.0 = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

/// A reader that fails after `ok` bytes (and is interrupted once before that).
struct Failing<'a> {
    data: &'a [u8],
    ok: usize,
    interrupted: bool,
}

impl Read for Failing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.interrupted {
            self.interrupted = true;
            return Err(io::Error::new(io::ErrorKind::Interrupted, "try again"));
        }
        if self.ok == 0 {
            return Err(io::Error::other("disk on fire"));
        }
        let k = buf.len().min(self.ok).min(self.data.len());
        buf[..k].copy_from_slice(&self.data[..k]);
        self.data = &self.data[k..];
        self.ok -= k;
        Ok(k)
    }
}

/// The three entry points must agree; returns their common result.
fn parse_all_ways(bytes: &[u8]) -> Result<Idx, DataError> {
    let a = idx::parse(bytes);
    let b = idx::read(bytes);
    let c = idx::read(OneByte(bytes));
    assert_eq!(a, b, "parse and read disagree on {bytes:02x?}");
    assert_eq!(a, c, "parse and byte-wise read disagree on {bytes:02x?}");
    a
}

#[derive(Clone, Copy, Debug)]
enum As {
    Any,
    Images,
    Labels,
}

fn parse_as(kind: As, bytes: &[u8]) -> Result<(), DataError> {
    let idx = parse_all_ways(bytes)?;
    match kind {
        As::Any => Ok(()),
        As::Images => {
            let raw = idx.clone().into_images_u8()?;
            let scaled = idx::parse_images(bytes)?;
            assert_eq!(raw.dim(), scaled.dim());
            Ok(())
        }
        As::Labels => idx.into_labels().map(|_| ()),
    }
}

const MAX32: u32 = u32::MAX;

fn malformed_cases() -> Vec<(&'static str, As, Vec<u8>, DataError)> {
    use DataError::*;
    let valid_images = images(3, 4, 5);
    let mut short_by_one = valid_images.clone();
    short_by_one.pop();
    let mut one_extra = valid_images.clone();
    one_extra.push(0);
    let mut concatenated = labels(4);
    concatenated.extend_from_slice(&labels(4));
    let rank3_header_only = u8_file(&[3, 4, 5], &[]);

    let mut cases = vec![
        // Truncated headers.
        (
            "empty file",
            As::Any,
            vec![],
            TruncatedHeader {
                expected: 4,
                found: 0,
            },
        ),
        (
            "one byte",
            As::Any,
            vec![0],
            TruncatedHeader {
                expected: 4,
                found: 1,
            },
        ),
        (
            "three magic bytes",
            As::Any,
            vec![0, 0, 8],
            TruncatedHeader {
                expected: 4,
                found: 3,
            },
        ),
        (
            "rank 1, no dimension",
            As::Any,
            vec![0, 0, 8, 1],
            TruncatedHeader {
                expected: 8,
                found: 4,
            },
        ),
        (
            "rank 3, two dimensions",
            As::Any,
            file([0, 0, 8, 3], &[60000, 28], &[]),
            TruncatedHeader {
                expected: 16,
                found: 12,
            },
        ),
        (
            "rank 3, half a dimension",
            As::Any,
            vec![0, 0, 8, 3, 0, 0, 0, 9, 0, 0],
            TruncatedHeader {
                expected: 16,
                found: 10,
            },
        ),
        (
            "rank 4, three dimensions",
            As::Any,
            file([0, 0, 8, 4], &[1, 2, 3], &[]),
            TruncatedHeader {
                expected: 20,
                found: 16,
            },
        ),
        // Wrong magic.
        (
            "first byte not zero",
            As::Any,
            file([1, 0, 8, 1], &[1], &[0]),
            BadMagic {
                found: [1, 0, 8, 1],
            },
        ),
        (
            "second byte not zero",
            As::Any,
            file([0, 1, 8, 1], &[1], &[0]),
            BadMagic {
                found: [0, 1, 8, 1],
            },
        ),
        (
            "gzip file",
            As::Any,
            vec![0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3],
            BadMagic {
                found: [0x1f, 0x8b, 0x08, 0x00],
            },
        ),
        (
            "PGM text image",
            As::Any,
            b"P5\n28 28\n255\n".to_vec(),
            BadMagic { found: *b"P5\n2" },
        ),
        (
            "little-endian magic",
            As::Any,
            file([3, 8, 0, 0], &[1], &[0]),
            BadMagic {
                found: [3, 8, 0, 0],
            },
        ),
        // Unsupported element types.
        (
            "type i8 (0x09)",
            As::Any,
            file([0, 0, 0x09, 1], &[1], &[0]),
            UnsupportedType { type_byte: 0x09 },
        ),
        (
            "type f32 (0x0d)",
            As::Any,
            file([0, 0, 0x0d, 1], &[1], &[0, 0, 0, 0]),
            UnsupportedType { type_byte: 0x0d },
        ),
        (
            "type 0x00",
            As::Any,
            file([0, 0, 0, 1], &[1], &[0]),
            UnsupportedType { type_byte: 0 },
        ),
        (
            "type 0xff",
            As::Any,
            file([0, 0, 0xff, 1], &[1], &[0]),
            UnsupportedType { type_byte: 0xff },
        ),
        // Unsupported ranks.
        (
            "rank 0",
            As::Any,
            vec![0, 0, 8, 0, 7],
            UnsupportedRank { rank: 0 },
        ),
        (
            "rank 5",
            As::Any,
            file([0, 0, 8, 5], &[1, 1, 1, 1, 1], &[0]),
            UnsupportedRank { rank: 5 },
        ),
        (
            "rank 255",
            As::Any,
            vec![0, 0, 8, 255],
            UnsupportedRank { rank: 255 },
        ),
        // Zero dimensions.
        (
            "zero images",
            As::Images,
            u8_file(&[0, 28, 28], &[]),
            ZeroDimension {
                axis: 0,
                dims: vec![0, 28, 28],
            },
        ),
        (
            "zero rows",
            As::Images,
            u8_file(&[10, 0, 28], &[]),
            ZeroDimension {
                axis: 1,
                dims: vec![10, 0, 28],
            },
        ),
        (
            "zero columns, huge N",
            As::Images,
            u8_file(&[MAX32, 28, 0], &[]),
            ZeroDimension {
                axis: 2,
                dims: vec![MAX32 as usize, 28, 0],
            },
        ),
        (
            "zero labels",
            As::Labels,
            u8_file(&[0], &[]),
            ZeroDimension {
                axis: 0,
                dims: vec![0],
            },
        ),
        // Dimensions that exceed the file.
        (
            "huge N, tiny file",
            As::Images,
            u8_file(&[MAX32, 28, 28], &[1, 2, 3]),
            DimsExceedFile {
                dims: vec![MAX32 as usize, 28, 28],
                expected: MAX32 as usize * 784,
                found: 3,
            },
        ),
        (
            "60000 labels, 100 bytes",
            As::Labels,
            u8_file(&[60000], &[5; 100]),
            DimsExceedFile {
                dims: vec![60000],
                expected: 60000,
                found: 100,
            },
        ),
        (
            "rank 2, max dims, tiny file",
            As::Any,
            u8_file(&[MAX32, MAX32], &[0; 8]),
            DimsExceedFile {
                dims: vec![MAX32 as usize; 2],
                expected: MAX32 as usize * MAX32 as usize,
                found: 8,
            },
        ),
        (
            "header only",
            As::Images,
            rank3_header_only,
            DimsExceedFile {
                dims: vec![3, 4, 5],
                expected: 60,
                found: 0,
            },
        ),
        (
            "data short by one byte",
            As::Images,
            short_by_one,
            DimsExceedFile {
                dims: vec![3, 4, 5],
                expected: 60,
                found: 59,
            },
        ),
        // Trailing bytes (rejected: IDX files have an exact length).
        (
            "one trailing byte",
            As::Images,
            one_extra,
            TrailingBytes {
                expected: 76,
                extra: 1,
            },
        ),
        (
            "two label files concatenated",
            As::Labels,
            concatenated,
            TrailingBytes {
                expected: 12,
                extra: 12,
            },
        ),
        // Files of the wrong kind.
        (
            "labels given to the image reader",
            As::Images,
            labels(7),
            WrongRank {
                expected: "2 to 4 (examples, then the dimensions of one example)",
                found: 1,
            },
        ),
        (
            "images given to the label reader",
            As::Labels,
            images(2, 2, 2),
            WrongRank {
                expected: "1 (one label per example)",
                found: 3,
            },
        ),
    ];
    // Products that overflow a 64-bit usize (2^32 - 1 to the third or fourth power).
    if cfg!(target_pointer_width = "64") {
        cases.push((
            "rank 4, all dims 2^32-1",
            As::Any,
            u8_file(&[MAX32; 4], &[0; 16]),
            DimensionOverflow {
                dims: vec![MAX32 as usize; 4],
            },
        ));
        cases.push((
            "rank 3, 2^32-1 x 2^32-1 x 2",
            As::Images,
            u8_file(&[MAX32, MAX32, 2], &[]),
            DimensionOverflow {
                dims: vec![MAX32 as usize, MAX32 as usize, 2],
            },
        ));
        cases.push((
            "rank 3, 2^22 x 2^21 x 2^21",
            As::Images,
            u8_file(&[1 << 22, 1 << 21, 1 << 21], &[7; 64]),
            DimensionOverflow {
                dims: vec![1 << 22, 1 << 21, 1 << 21],
            },
        ));
    }
    cases
}

#[test]
fn malformed_files_give_the_expected_error() {
    let cases = malformed_cases();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    for (name, kind, bytes, expected) in cases {
        let (result, largest) = largest_allocation(|| parse_as(kind, &bytes));
        assert_eq!(result, Err(expected.clone()), "case {name:?}");
        // Nothing sized by the header: at most a few times the file itself.
        assert!(
            largest <= 1024 + 4 * bytes.len(),
            "case {name:?}: allocated {largest} bytes for a {}-byte file",
            bytes.len()
        );
        let message = expected.to_string();
        assert!(!message.is_empty(), "case {name:?}");
    }
}

#[test]
fn error_messages_name_the_numbers() {
    let e = idx::parse(&file([0, 0, 8, 3], &[60000, 28], &[])).unwrap_err();
    let m = e.to_string();
    assert!(m.contains("expected 16") && m.contains("found 12"), "{m}");

    let e = idx::parse(&u8_file(&[MAX32, 28, 28], &[1, 2, 3])).unwrap_err();
    let m = e.to_string();
    assert!(m.contains("3367254359280") && m.contains("holds 3"), "{m}");

    let e = idx::parse(&[0x1f, 0x8b, 8, 0, 0]).unwrap_err();
    assert!(e.to_string().contains("gzip"), "{e}");

    let e = idx::parse(&file([0, 0, 0x0d, 1], &[1], &[0; 4])).unwrap_err();
    assert!(e.to_string().contains("f32"), "{e}");

    let e = idx::parse(&[0, 0, 8, 9]).unwrap_err();
    assert!(e.to_string().contains("rank 9"), "{e}");
}

#[test]
fn image_and_label_counts_must_match() {
    let e = idx::parse_labeled(&images(3, 2, 2), &labels(4)).unwrap_err();
    assert_eq!(
        e,
        DataError::CountMismatch {
            images: 3,
            labels: 4
        }
    );
    let e = idx::parse_labeled(&images(5, 2, 2), &labels(4)).unwrap_err();
    assert_eq!(
        e,
        DataError::CountMismatch {
            images: 5,
            labels: 4
        }
    );
    assert!(e.to_string().contains("5 images but 4 labels"));
    // Errors of either file come first.
    let e = idx::parse_labeled(&images(5, 2, 2), &[0, 0, 8]).unwrap_err();
    assert_eq!(
        e,
        DataError::TruncatedHeader {
            expected: 4,
            found: 3
        }
    );
}

#[test]
fn one_hot_rejects_labels_out_of_range() {
    let e = one_hot(&[0u8, 9, 10, 3], 10).unwrap_err();
    assert_eq!(
        e,
        DataError::LabelOutOfRange {
            index: 2,
            label: 10,
            classes: 10
        }
    );
    let e = one_hot(&[1usize], usize::MAX).unwrap_err();
    assert!(matches!(e, DataError::DimensionOverflow { .. }));
}

#[test]
fn stream_errors_are_io_errors() {
    let bytes = images(2, 3, 3);
    for ok in [0, 2, 4, 10, 20] {
        let r = idx::read(Failing {
            data: &bytes,
            ok,
            interrupted: false,
        });
        match r {
            Err(DataError::Io {
                kind,
                path,
                message,
            }) => {
                assert_eq!(kind, io::ErrorKind::Other);
                assert_eq!(path, None);
                assert!(message.contains("disk on fire"));
            }
            other => panic!("failing after {ok} bytes: {other:?}"),
        }
    }
    // Interrupted reads are retried.
    let r = idx::read(Failing {
        data: &bytes,
        ok: bytes.len(),
        interrupted: false,
    });
    assert!(matches!(r, Err(DataError::Io { .. })), "{r:?}");
}

#[test]
fn missing_files_are_io_errors_with_the_path() {
    let path = std::env::temp_dir().join("hype-data-idx-test-no-such-file");
    let e = idx::load(&path).unwrap_err();
    match &e {
        DataError::Io {
            path: Some(p),
            kind,
            ..
        } => {
            assert_eq!(p, &path);
            assert_eq!(*kind, io::ErrorKind::NotFound);
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("hype-data-idx-test-no-such-file"));
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hype-data-idx-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn mnist_dir_with_bad_labels_is_rejected() {
    let dir = temp_dir("badlabels");
    idx::save(dir.join("train-images-idx3-ubyte"), &[2, 2, 2], &[0; 8]).unwrap();
    idx::save(dir.join("train-labels-idx1-ubyte"), &[2], &[3, 12]).unwrap();
    idx::save(dir.join("t10k-images-idx3-ubyte"), &[1, 2, 2], &[0; 4]).unwrap();
    idx::save(dir.join("t10k-labels-idx1-ubyte"), &[1], &[3]).unwrap();
    let e = mnist::load_dir(&dir).unwrap_err();
    assert_eq!(
        e,
        DataError::LabelOutOfRange {
            index: 1,
            label: 12,
            classes: 10
        }
    );

    // Fixed, the original t10k names are found.
    idx::save(dir.join("train-labels-idx1-ubyte"), &[2], &[3, 9]).unwrap();
    let m = mnist::load_dir(&dir).unwrap();
    assert_eq!(m.train_labels, [3, 9]);
    assert_eq!(m.test_images.dim(), (1, 4));

    // A truncated file on disk: the error carries no I/O path but the IDX reason.
    let mut bytes = idx::encode(&[1, 2, 2], &[0; 4]).unwrap();
    bytes.truncate(bytes.len() - 1);
    std::fs::write(dir.join("t10k-images-idx3-ubyte"), &bytes).unwrap();
    let e = mnist::load_dir(&dir).unwrap_err();
    assert_eq!(
        e,
        DataError::DimsExceedFile {
            dims: vec![1, 2, 2],
            expected: 4,
            found: 3
        }
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn encode_rejects_inconsistent_input() {
    use DataError::*;
    assert_eq!(idx::encode(&[], &[]), Err(UnsupportedRank { rank: 0 }));
    assert_eq!(idx::encode(&[1; 5], &[0]), Err(UnsupportedRank { rank: 5 }));
    assert_eq!(
        idx::encode(&[2, 0], &[]),
        Err(ZeroDimension {
            axis: 1,
            dims: vec![2, 0]
        })
    );
    assert_eq!(
        idx::encode(&[2, 3], &[0; 5]),
        Err(DimsExceedFile {
            dims: vec![2, 3],
            expected: 6,
            found: 5
        })
    );
    assert_eq!(
        idx::encode(&[2, 3], &[0; 7]),
        Err(TrailingBytes {
            expected: 6,
            extra: 1
        })
    );
    if cfg!(target_pointer_width = "64") {
        let big = 1usize << 32;
        assert_eq!(
            idx::encode(&[big], &[]),
            Err(DimensionOverflow { dims: vec![big] })
        );
    }
    assert_eq!(
        Idx::new(vec![2, 2], vec![0; 3]),
        Err(DimsExceedFile {
            dims: vec![2, 2],
            expected: 4,
            found: 3
        })
    );
}

// ---------------------------------------------------------------------------------------
// Valid files
// ---------------------------------------------------------------------------------------

#[test]
fn reads_mnist_shaped_files() {
    let bytes = images(3, 4, 5);
    let raw = idx::parse_images_u8(&bytes).unwrap();
    assert_eq!(raw.dim(), (3, 20));
    for i in 0..3 {
        for j in 0..20 {
            assert_eq!(raw[[i, j]], ((i * 20 + j) * 37 % 256) as u8);
        }
    }
    let scaled = idx::parse_images(&bytes).unwrap();
    assert_eq!(scaled, raw.mapv(|p| p as f64 / 255.0));
    assert!(scaled.iter().all(|&v| (0.0..=1.0).contains(&v)));

    let l = idx::parse_labels(&labels(12)).unwrap();
    assert_eq!(l, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);

    let (x, y) = idx::parse_labeled(&images(12, 2, 3), &labels(12)).unwrap();
    assert_eq!(x.dim(), (12, 6));
    assert_eq!(y.len(), 12);

    // Readers of streams agree with readers of slices.
    assert_eq!(idx::read_images_u8(OneByte(&bytes)).unwrap(), raw);
    assert_eq!(idx::read_images(&bytes[..]).unwrap(), scaled);
    assert_eq!(idx::read_labels(OneByte(&labels(12))).unwrap(), l);
}

#[test]
fn ranks_one_to_four_and_magic_numbers() {
    let one = idx::parse(&[0, 0, 8, 1, 0, 0, 0, 2, 7, 9]).unwrap();
    assert_eq!(one.dims(), [2]);
    assert_eq!(one.data(), [7, 9]);
    assert_eq!(one.len(), 2);

    let two = idx::parse(&u8_file(&[2, 3], &[1, 2, 3, 4, 5, 6])).unwrap();
    assert_eq!(
        two.clone().into_images_u8().unwrap(),
        ndarray::array![[1, 2, 3], [4, 5, 6]]
    );

    let four = idx::parse(&u8_file(&[2, 1, 2, 3], &[0; 12])).unwrap();
    assert_eq!(four.dims(), [2, 1, 2, 3]);
    assert_eq!(four.into_images_u8().unwrap().dim(), (2, 6));

    // MNIST magic numbers as u32.
    let img = images(1, 28, 28);
    assert_eq!(
        u32::from_be_bytes([img[0], img[1], img[2], img[3]]),
        0x0000_0803
    );
    let lab = labels(1);
    assert_eq!(
        u32::from_be_bytes([lab[0], lab[1], lab[2], lab[3]]),
        0x0000_0801
    );
}

#[test]
fn round_trip_through_files() {
    let dir = temp_dir("roundtrip");
    let data: Vec<u8> = (0..=255u8).cycle().take(4 * 7 * 9).collect();
    let images_path = dir.join("images");
    let labels_path = dir.join("labels");
    idx::save(&images_path, &[4, 7, 9], &data).unwrap();
    idx::save(&labels_path, &[4], &[9, 8, 7, 6]).unwrap();
    let back = idx::load(&images_path).unwrap();
    assert_eq!(back.dims(), [4, 7, 9]);
    assert_eq!(back.data(), &data[..]);
    assert_eq!(idx::load_images_u8(&images_path).unwrap().dim(), (4, 63));
    assert_eq!(idx::load_labels(&labels_path).unwrap(), [9, 8, 7, 6]);
    let (x, y) = idx::load_labeled(&images_path, &labels_path).unwrap();
    assert_eq!(x, idx::load_images(&images_path).unwrap());
    assert_eq!(y, [9, 8, 7, 6]);
    assert_eq!(
        std::fs::read(&images_path).unwrap(),
        idx::encode(&[4, 7, 9], &data).unwrap()
    );
    // A file of the wrong kind, from disk.
    assert!(matches!(
        idx::load_labels(&images_path),
        Err(DataError::WrongRank { found: 3, .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_shipped_files_parse_without_large_detours() {
    // Parsing the 6 MB training images allocates the data once (plus the scaled copy).
    let (r, largest) = largest_allocation(|| idx::parse_images_u8(mnist::TRAIN_IMAGES_IDX));
    let raw = r.unwrap();
    assert_eq!(raw.dim(), (8000, 784));
    assert!(largest <= 8000 * 784, "{largest}");
}

// ---------------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------------

/// The outcome the header arithmetic must produce, computed independently in u128.
fn oracle(dims: &[u32], data_len: usize) -> Result<(), &'static str> {
    if dims.contains(&0) {
        return Err("zero");
    }
    let product: u128 = dims
        .iter()
        .fold(1u128, |acc, &d| acc.saturating_mul(d as u128));
    if product > usize::MAX as u128 {
        return Err("overflow");
    }
    match (data_len as u128).cmp(&product) {
        std::cmp::Ordering::Less => Err("exceeds"),
        std::cmp::Ordering::Greater => Err("trailing"),
        std::cmp::Ordering::Equal => Ok(()),
    }
}

fn kind(e: &DataError) -> &'static str {
    match e {
        DataError::ZeroDimension { .. } => "zero",
        DataError::DimensionOverflow { .. } => "overflow",
        DataError::DimsExceedFile { .. } => "exceeds",
        DataError::TrailingBytes { .. } => "trailing",
        _ => "other",
    }
}

/// Dimensions biased towards the interesting values.
fn dim() -> impl Strategy<Value = u32> {
    prop_oneof![
        0u32..6,
        Just(u32::MAX),
        Just(1u32 << 16),
        Just(1u32 << 31),
        any::<u32>(),
    ]
}

/// A valid small u8 IDX file.
fn valid_file() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(1u32..5, 1..=4).prop_flat_map(|dims| {
        let len = dims.iter().product::<u32>() as usize;
        prop::collection::vec(any::<u8>(), len).prop_map(move |data| u8_file(&dims, &data))
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Set(usize, u8),
    Insert(usize, u8),
    Remove(usize),
    Truncate(usize),
    Append(Vec<u8>),
    Dim(usize, u32),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Remove),
        any::<usize>().prop_map(Mutation::Truncate),
        prop::collection::vec(any::<u8>(), 1..8).prop_map(Mutation::Append),
        (0usize..4, dim()).prop_map(|(k, d)| Mutation::Dim(k, d)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let n = bytes.len();
    match m {
        Mutation::Flip(i, b) if n > 0 => bytes[i % n] ^= b,
        Mutation::Set(i, b) if n > 0 => bytes[i % n] = *b,
        Mutation::Insert(i, b) => bytes.insert(i % (n + 1), *b),
        Mutation::Remove(i) if n > 0 => {
            bytes.remove(i % n);
        }
        Mutation::Truncate(i) => bytes.truncate(i % (n + 1)),
        Mutation::Append(extra) => bytes.extend_from_slice(extra),
        Mutation::Dim(k, d) => {
            let at = 4 + 4 * k;
            if at + 4 <= n {
                bytes[at..at + 4].copy_from_slice(&d.to_be_bytes());
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = parse_all_ways(&bytes);
        let _ = idx::parse_images(&bytes);
        let _ = idx::parse_images_u8(&bytes);
        let _ = idx::parse_labels(&bytes);
    }

    #[test]
    fn random_bytes_after_a_valid_magic_never_panic(
        rank in 0u8..7,
        rest in prop::collection::vec(any::<u8>(), 0..48),
    ) {
        let mut bytes = vec![0, 0, 8, rank];
        bytes.extend_from_slice(&rest);
        let (r, largest) = largest_allocation(|| parse_all_ways(&bytes));
        let _ = r;
        prop_assert!(largest <= 1024, "allocated {} bytes", largest);
    }

    #[test]
    fn header_arithmetic_matches_the_oracle(
        dims in prop::collection::vec(dim(), 1..=4),
        data_len in 0usize..80,
    ) {
        let data = vec![1u8; data_len];
        let bytes = u8_file(&dims, &data);
        let (r, largest) = largest_allocation(|| parse_all_ways(&bytes));
        prop_assert!(largest <= 1024 + 2 * bytes.len());
        match (oracle(&dims, data_len), r) {
            (Ok(()), Ok(idx)) => {
                prop_assert_eq!(idx.dims().len(), dims.len());
                prop_assert_eq!(idx.data(), &data[..]);
            }
            (Err(want), Err(e)) => prop_assert_eq!(want, kind(&e), "{}", e),
            (want, got) => prop_assert!(false, "oracle {:?}, reader {:?}", want, got),
        }
    }

    #[test]
    fn mutations_of_valid_files_never_panic(
        file in valid_file(),
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let mut bytes = file.clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        let r = parse_all_ways(&bytes);
        let _ = idx::parse_images(&bytes);
        let _ = idx::parse_labels(&bytes);
        if let Ok(idx) = r {
            // Whatever parses is consistent and re-encodes to the same bytes.
            let product: usize = idx.dims().iter().product();
            prop_assert_eq!(product, idx.data().len());
            prop_assert_eq!(idx::encode(idx.dims(), idx.data()).unwrap(), bytes);
        }
    }

    #[test]
    fn round_trip(
        dims in prop::collection::vec(1usize..6, 1..=4),
        seed in any::<u64>(),
    ) {
        let len: usize = dims.iter().product();
        let data: Vec<u8> = (0..len).map(|i| (seed.wrapping_mul(i as u64 + 1) >> 56) as u8).collect();
        let bytes = idx::encode(&dims, &data).unwrap();
        prop_assert_eq!(bytes.len(), 4 + 4 * dims.len() + len);
        let back = parse_all_ways(&bytes).unwrap();
        prop_assert_eq!(back.dims(), &dims[..]);
        prop_assert_eq!(back.data(), &data[..]);
        if dims.len() >= 2 {
            let m = back.into_images_u8().unwrap();
            prop_assert_eq!(m.dim(), (dims[0], len / dims[0]));
            prop_assert_eq!(m.iter().copied().collect::<Vec<u8>>(), data);
        } else {
            prop_assert_eq!(back.into_labels().unwrap(), data);
        }
    }
}
