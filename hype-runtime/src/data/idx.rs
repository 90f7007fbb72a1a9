//! The IDX format of MNIST (LeCun et al.): a big-endian header followed by the raw
//! elements in row-major order.
//!
//! ```text
//! byte 0, 1   0x00 0x00
//! byte 2      element type: 0x08 = unsigned byte (the only type read here)
//! byte 3      rank r, 1..=4
//! then        r dimensions, each a big-endian u32
//! then        d0 * d1 * ... bytes of data, nothing after them
//! ```
//!
//! MNIST images are magic `0x00000803` (dims N, rows, cols), labels `0x00000801` (N).
//!
//! # Validation
//!
//! Every reader checks, in this order, and returns the first failure as a
//! [`DataError`]: the header is complete ([`TruncatedHeader`](DataError::TruncatedHeader)),
//! the first two bytes are zero ([`BadMagic`](DataError::BadMagic); a gzip file is
//! recognized and named in the message), the type is 0x08
//! ([`UnsupportedType`](DataError::UnsupportedType)), the rank is 1..=4
//! ([`UnsupportedRank`](DataError::UnsupportedRank)), no dimension is zero
//! ([`ZeroDimension`](DataError::ZeroDimension)), their product fits in `usize`
//! (checked multiplication, [`DimensionOverflow`](DataError::DimensionOverflow)), the
//! data that follows is at least that long
//! ([`DimsExceedFile`](DataError::DimsExceedFile)) and no longer
//! ([`TrailingBytes`](DataError::TrailingBytes)).
//!
//! **Trailing bytes are an error**: an IDX file has an exact length, and anything after
//! the data means a corrupt, concatenated or misidentified file.
//!
//! Nothing is allocated from a header value before it has been checked against the
//! bytes that are actually there: [`parse`] compares with the slice length, and
//! [`read`] reads at most the announced length through [`Read::take`], letting the
//! buffer grow only with the bytes that arrive.
//!
//! Writing: [`encode`] and [`save`] produce u8 IDX files (used by the round-trip tests
//! and handy for custom data sets).

use super::error::DataError;
use ndarray::Array2;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;

/// The IDX element type byte of unsigned bytes.
pub const TYPE_U8: u8 = 0x08;
/// The largest rank read.
pub const MAX_RANK: usize = 4;

/// A u8 IDX file: its dimensions and its data, row-major, `data.len()` equal to the
/// product of `dims`. Only readers and [`Idx::new`] construct it, so that invariant
/// always holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idx {
    dims: Vec<usize>,
    data: Vec<u8>,
}

impl Idx {
    /// Checks that `dims` (rank 1..=4, no zero) describe exactly `data.len()` bytes.
    pub fn new(dims: Vec<usize>, data: Vec<u8>) -> Result<Self, DataError> {
        let expected = check_dims(&dims)?;
        if data.len() < expected {
            return Err(DataError::DimsExceedFile {
                dims,
                expected,
                found: data.len(),
            });
        }
        if data.len() > expected {
            return Err(DataError::TrailingBytes {
                expected,
                extra: data.len() - expected,
            });
        }
        Ok(Idx { dims, data })
    }

    /// The dimensions, outermost first.
    pub fn dims(&self) -> &[usize] {
        &self.dims
    }

    /// The elements, row-major.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The number of examples (the first dimension).
    pub fn len(&self) -> usize {
        self.dims[0]
    }

    /// Always false: readers reject zero dimensions.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The dimensions and the elements.
    pub fn into_parts(self) -> (Vec<usize>, Vec<u8>) {
        (self.dims, self.data)
    }

    /// A rank 2..=4 file as an `N × (product of the other dims)` matrix of bytes, one
    /// example per row (an MNIST image file gives `N × 784`).
    pub fn into_images_u8(self) -> Result<Array2<u8>, DataError> {
        if !(2..=MAX_RANK).contains(&self.dims.len()) {
            return Err(DataError::WrongRank {
                expected: "2 to 4 (examples, then the dimensions of one example)",
                found: self.dims.len(),
            });
        }
        let n = self.dims[0];
        let item = self.data.len() / n;
        let dims = self.dims;
        Array2::from_shape_vec((n, item), self.data).map_err(|_| DataError::DimsExceedFile {
            expected: n.saturating_mul(item),
            found: 0,
            dims,
        })
    }

    /// [`into_images_u8`](Idx::into_images_u8) scaled to `[0, 1]` (byte / 255).
    pub fn into_images(self) -> Result<Array2<f64>, DataError> {
        Ok(self.into_images_u8()?.mapv(|p| f64::from(p) / 255.0))
    }

    /// A rank-1 file as its bytes (MNIST labels, 0..=9).
    pub fn into_labels(self) -> Result<Vec<u8>, DataError> {
        if self.dims.len() != 1 {
            return Err(DataError::WrongRank {
                expected: "1 (one label per example)",
                found: self.dims.len(),
            });
        }
        Ok(self.data)
    }
}

/// Checks rank, zero dimensions and overflow; returns the number of data bytes.
fn check_dims(dims: &[usize]) -> Result<usize, DataError> {
    if dims.is_empty() || dims.len() > MAX_RANK {
        return Err(DataError::UnsupportedRank {
            rank: u8::try_from(dims.len()).unwrap_or(u8::MAX),
        });
    }
    if let Some(axis) = dims.iter().position(|&d| d == 0) {
        return Err(DataError::ZeroDimension {
            axis,
            dims: dims.to_vec(),
        });
    }
    dims.iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| DataError::DimensionOverflow {
            dims: dims.to_vec(),
        })
}

/// Checks the 4 magic bytes; returns the rank.
fn check_magic(magic: [u8; 4]) -> Result<usize, DataError> {
    if magic[0] != 0 || magic[1] != 0 {
        return Err(DataError::BadMagic { found: magic });
    }
    if magic[2] != TYPE_U8 {
        return Err(DataError::UnsupportedType {
            type_byte: magic[2],
        });
    }
    let rank = magic[3];
    if rank == 0 || usize::from(rank) > MAX_RANK {
        return Err(DataError::UnsupportedRank { rank });
    }
    Ok(usize::from(rank))
}

/// Decodes the big-endian dimensions (`raw.len() == 4 * rank`).
fn decode_dims(raw: &[u8]) -> Result<Vec<usize>, DataError> {
    let wide: Vec<u32> = raw
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let dims: Option<Vec<usize>> = wide.iter().map(|&d| usize::try_from(d).ok()).collect();
    // Only on targets whose usize is narrower than 32 bits.
    dims.ok_or_else(|| DataError::DimensionOverflow {
        dims: wide.iter().map(|&d| d as usize).collect(),
    })
}

/// The header of an IDX file: dimensions, header length and data length, all checked.
struct Header {
    dims: Vec<usize>,
    header_len: usize,
    data_len: usize,
}

fn header_from_slice(bytes: &[u8]) -> Result<Header, DataError> {
    let Some(magic) = bytes.get(..4) else {
        return Err(DataError::TruncatedHeader {
            expected: 4,
            found: bytes.len(),
        });
    };
    let rank = check_magic([magic[0], magic[1], magic[2], magic[3]])?;
    let header_len = 4 + 4 * rank;
    let Some(raw) = bytes.get(4..header_len) else {
        return Err(DataError::TruncatedHeader {
            expected: header_len,
            found: bytes.len(),
        });
    };
    let dims = decode_dims(raw)?;
    let data_len = check_dims(&dims)?;
    Ok(Header {
        dims,
        header_len,
        data_len,
    })
}

/// Parses a u8 IDX file held in memory.
pub fn parse(bytes: &[u8]) -> Result<Idx, DataError> {
    let h = header_from_slice(bytes)?;
    let found = bytes.len() - h.header_len;
    if found < h.data_len {
        return Err(DataError::DimsExceedFile {
            dims: h.dims,
            expected: h.data_len,
            found,
        });
    }
    if found > h.data_len {
        return Err(DataError::TrailingBytes {
            expected: h.header_len + h.data_len,
            extra: found - h.data_len,
        });
    }
    Ok(Idx {
        dims: h.dims,
        data: bytes[h.header_len..].to_vec(),
    })
}

/// Reads into `buf` until it is full or the stream ends; returns the count read.
fn read_up_to<R: Read>(reader: &mut R, buf: &mut [u8]) -> Result<usize, DataError> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(DataError::io(None, &e)),
        }
    }
    Ok(got)
}

/// Reads a u8 IDX file from a stream, to its end. Reads the header first and checks
/// it; then reads at most the announced number of data bytes (the buffer grows only
/// with bytes that actually arrive), then checks that the stream ends there.
pub fn read<R: Read>(mut reader: R) -> Result<Idx, DataError> {
    let mut magic = [0u8; 4];
    let got = read_up_to(&mut reader, &mut magic)?;
    if got < 4 {
        return Err(DataError::TruncatedHeader {
            expected: 4,
            found: got,
        });
    }
    let rank = check_magic(magic)?;
    let mut raw = [0u8; 4 * MAX_RANK];
    let raw = &mut raw[..4 * rank];
    let got = read_up_to(&mut reader, raw)?;
    if got < raw.len() {
        return Err(DataError::TruncatedHeader {
            expected: 4 + raw.len(),
            found: 4 + got,
        });
    }
    let dims = decode_dims(raw)?;
    let data_len = check_dims(&dims)?;
    let header_len = 4 + 4 * rank;

    let mut data = Vec::new();
    // `data_len` is a usize, so it fits in u64 on every supported target.
    (&mut reader)
        .take(data_len as u64)
        .read_to_end(&mut data)
        .map_err(|e| DataError::io(None, &e))?;
    if data.len() < data_len {
        return Err(DataError::DimsExceedFile {
            dims,
            expected: data_len,
            found: data.len(),
        });
    }
    let mut probe = [0u8; 1];
    if read_up_to(&mut reader, &mut probe)? > 0 {
        let rest = io::copy(&mut reader, &mut io::sink()).map_err(|e| DataError::io(None, &e))?;
        return Err(DataError::TrailingBytes {
            expected: header_len + data_len,
            extra: usize::try_from(rest)
                .unwrap_or(usize::MAX)
                .saturating_add(1),
        });
    }
    Ok(Idx { dims, data })
}

/// Reads a u8 IDX file from disk (see [`read`]). I/O errors carry the path.
pub fn load(path: impl AsRef<Path>) -> Result<Idx, DataError> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| DataError::io(Some(path.to_path_buf()), &e))?;
    read(BufReader::new(file)).map_err(|e| e.at_path(path))
}

/// Images from memory: `N × item` bytes scaled to `[0, 1]` (see [`Idx::into_images`]).
pub fn parse_images(bytes: &[u8]) -> Result<Array2<f64>, DataError> {
    parse(bytes)?.into_images()
}

/// Images from memory as raw bytes, `N × item` (see [`Idx::into_images_u8`]).
pub fn parse_images_u8(bytes: &[u8]) -> Result<Array2<u8>, DataError> {
    parse(bytes)?.into_images_u8()
}

/// Labels from memory (a rank-1 file).
pub fn parse_labels(bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    parse(bytes)?.into_labels()
}

/// Images from a stream, scaled to `[0, 1]`.
pub fn read_images<R: Read>(reader: R) -> Result<Array2<f64>, DataError> {
    read(reader)?.into_images()
}

/// Images from a stream as raw bytes.
pub fn read_images_u8<R: Read>(reader: R) -> Result<Array2<u8>, DataError> {
    read(reader)?.into_images_u8()
}

/// Labels from a stream.
pub fn read_labels<R: Read>(reader: R) -> Result<Vec<u8>, DataError> {
    read(reader)?.into_labels()
}

/// Images from a file, scaled to `[0, 1]`.
pub fn load_images(path: impl AsRef<Path>) -> Result<Array2<f64>, DataError> {
    load(path)?.into_images()
}

/// Images from a file as raw bytes.
pub fn load_images_u8(path: impl AsRef<Path>) -> Result<Array2<u8>, DataError> {
    load(path)?.into_images_u8()
}

/// Labels from a file.
pub fn load_labels(path: impl AsRef<Path>) -> Result<Vec<u8>, DataError> {
    load(path)?.into_labels()
}

fn pair(images: Array2<f64>, labels: Vec<u8>) -> Result<(Array2<f64>, Vec<u8>), DataError> {
    if images.nrows() != labels.len() {
        return Err(DataError::CountMismatch {
            images: images.nrows(),
            labels: labels.len(),
        });
    }
    Ok((images, labels))
}

/// An image file and its label file from memory, checked to hold the same number of
/// examples ([`CountMismatch`](DataError::CountMismatch) otherwise).
pub fn parse_labeled(images: &[u8], labels: &[u8]) -> Result<(Array2<f64>, Vec<u8>), DataError> {
    pair(parse_images(images)?, parse_labels(labels)?)
}

/// An image file and its label file from disk, checked to hold the same number of
/// examples.
pub fn load_labeled(
    images: impl AsRef<Path>,
    labels: impl AsRef<Path>,
) -> Result<(Array2<f64>, Vec<u8>), DataError> {
    pair(load_images(images)?, load_labels(labels)?)
}

/// Encodes a u8 IDX file: `dims` (rank 1..=4, no zero, each below 2^32) must describe
/// exactly `data.len()` bytes.
pub fn encode(dims: &[usize], data: &[u8]) -> Result<Vec<u8>, DataError> {
    let expected = check_dims(dims)?;
    if dims.iter().any(|&d| u32::try_from(d).is_err()) {
        return Err(DataError::DimensionOverflow {
            dims: dims.to_vec(),
        });
    }
    if data.len() != expected {
        return Err(if data.len() < expected {
            DataError::DimsExceedFile {
                dims: dims.to_vec(),
                expected,
                found: data.len(),
            }
        } else {
            DataError::TrailingBytes {
                expected,
                extra: data.len() - expected,
            }
        });
    }
    let mut out = Vec::with_capacity(4 + 4 * dims.len() + data.len());
    // The rank is 1..=4 here.
    out.extend_from_slice(&[0, 0, TYPE_U8, dims.len() as u8]);
    for &d in dims {
        out.extend_from_slice(&(d as u32).to_be_bytes());
    }
    out.extend_from_slice(data);
    Ok(out)
}

/// Writes a u8 IDX file (see [`encode`]).
pub fn save(path: impl AsRef<Path>, dims: &[usize], data: &[u8]) -> Result<(), DataError> {
    let path = path.as_ref();
    let bytes = encode(dims, data)?;
    let io_err = |e: io::Error| DataError::io(Some(path.to_path_buf()), &e);
    let mut w = BufWriter::new(File::create(path).map_err(io_err)?);
    w.write_all(&bytes).map_err(io_err)?;
    w.flush().map_err(io_err)
}
