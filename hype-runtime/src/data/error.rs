//! The error type of the data readers, splitters and batchers.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Everything that can go wrong when reading or arranging a data set.
///
/// The readers never panic and never allocate a size taken from a header before
/// checking it against the bytes that are actually there: every malformed input ends
/// in one of these variants, whose `Display` says what was expected and what was found.
#[derive(Debug, Clone, PartialEq)]
pub enum DataError {
    /// Opening or reading a file or stream failed.
    Io {
        /// The file, when the error came from a path.
        path: Option<PathBuf>,
        kind: io::ErrorKind,
        message: String,
    },

    // ---- IDX --------------------------------------------------------------------------
    /// The first two bytes of an IDX file must be zero.
    BadMagic { found: [u8; 4] },
    /// The IDX type byte (third byte) is not 0x08 (unsigned byte).
    UnsupportedType { type_byte: u8 },
    /// The IDX rank (fourth byte) is not in 1..=4.
    UnsupportedRank { rank: u8 },
    /// A valid IDX file of the wrong kind, e.g. a label file (rank 1) given to the image
    /// reader (rank 2..=4).
    WrongRank {
        expected: &'static str,
        found: usize,
    },
    /// The file ends inside the IDX header (magic and dimensions).
    TruncatedHeader { expected: usize, found: usize },
    /// A dimension is zero (empty data sets are rejected). `axis` counts from 0.
    ZeroDimension { axis: usize, dims: Vec<usize> },
    /// The product of the dimensions does not fit in `usize`.
    DimensionOverflow { dims: Vec<usize> },
    /// The dimensions need more data bytes than the file holds after its header
    /// (a truncated file, or a corrupt header).
    DimsExceedFile {
        dims: Vec<usize>,
        expected: usize,
        found: usize,
    },
    /// Bytes follow the data that the dimensions describe. IDX files have an exact
    /// length, so extra bytes mean a corrupt or concatenated file; they are rejected.
    TrailingBytes { expected: usize, extra: usize },
    /// An image file and a label file do not hold the same number of examples.
    CountMismatch { images: usize, labels: usize },
    /// A class label is not below the number of classes (one-hot encoding).
    LabelOutOfRange {
        index: usize,
        label: usize,
        classes: usize,
    },

    // ---- CSV --------------------------------------------------------------------------
    /// The input holds no line with content.
    EmptyCsv,
    /// The input holds a header line and no data row.
    NoDataRows,
    /// A line is not valid UTF-8. Lines count from 1.
    NotUtf8 { line: usize },
    /// A field is not a finite decimal number. Lines and columns count from 1.
    BadNumber {
        line: usize,
        column: usize,
        text: String,
    },
    /// A row has a different number of fields than the first row (or the header).
    RaggedRow {
        line: usize,
        expected: usize,
        found: usize,
    },
    /// The label column named in the options does not exist.
    NoSuchColumn { column: String, columns: usize },
    /// A label value is not a non-negative integer and cannot be a class index.
    NotAClassLabel { row: usize, value: f64 },

    // ---- arranging ----------------------------------------------------------------------
    /// A minibatch size of zero.
    ZeroBatchSize,
    /// Split fractions that are negative, not finite, or sum to more than 1.
    BadFractions { fractions: Vec<f64> },
    /// An example index is not below the number of examples.
    IndexOutOfRange { index: usize, len: usize },
    /// Inputs and targets of a data set have different numbers of rows.
    RowMismatch { inputs: usize, targets: usize },
}

impl DataError {
    pub(crate) fn io(path: Option<PathBuf>, e: &io::Error) -> Self {
        DataError::Io {
            path,
            kind: e.kind(),
            message: e.to_string(),
        }
    }

    /// Attaches a path to an I/O error that has none (other variants are unchanged).
    pub(crate) fn at_path(self, p: &std::path::Path) -> Self {
        match self {
            DataError::Io {
                path: None,
                kind,
                message,
            } => DataError::Io {
                path: Some(p.to_path_buf()),
                kind,
                message,
            },
            other => other,
        }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use DataError::*;
        match self {
            Io {
                path: Some(p),
                message,
                ..
            } => write!(f, "{}: {message}", p.display()),
            Io {
                path: None,
                message,
                ..
            } => write!(f, "read error: {message}"),
            BadMagic { found } => {
                write!(
                    f,
                    "not an IDX file: magic bytes {:02x} {:02x} {:02x} {:02x}, expected 00 00 <type> <rank>",
                    found[0], found[1], found[2], found[3]
                )?;
                if found[0] == 0x1f && found[1] == 0x8b {
                    write!(
                        f,
                        " (this is a gzip file: decompress it first, e.g. with gunzip)"
                    )?;
                }
                Ok(())
            }
            UnsupportedType { type_byte } => {
                let name = match type_byte {
                    0x09 => " (signed byte)",
                    0x0b => " (i16)",
                    0x0c => " (i32)",
                    0x0d => " (f32)",
                    0x0e => " (f64)",
                    _ => "",
                };
                write!(
                    f,
                    "unsupported IDX element type 0x{type_byte:02x}{name}: only 0x08 (unsigned byte) is read"
                )
            }
            UnsupportedRank { rank } => {
                write!(f, "unsupported IDX rank {rank}: expected 1 to 4 dimensions")
            }
            WrongRank { expected, found } => {
                write!(f, "IDX file has {found} dimension(s), expected {expected}")
            }
            TruncatedHeader { expected, found } => write!(
                f,
                "truncated IDX header: expected {expected} bytes, found {found}"
            ),
            ZeroDimension { axis, dims } => {
                write!(f, "IDX dimension {axis} of {dims:?} is zero")
            }
            DimensionOverflow { dims } => write!(
                f,
                "IDX dimensions {dims:?}: their product overflows the address space"
            ),
            DimsExceedFile {
                dims,
                expected,
                found,
            } => write!(
                f,
                "IDX dimensions {dims:?} need {expected} data bytes but the file holds {found} \
                 after its header (truncated file or corrupt header)"
            ),
            TrailingBytes { expected, extra } => write!(
                f,
                "{extra} unexpected byte(s) after the {expected} bytes the IDX header describes"
            ),
            CountMismatch { images, labels } => write!(
                f,
                "{images} images but {labels} labels: the files do not belong together"
            ),
            LabelOutOfRange {
                index,
                label,
                classes,
            } => write!(
                f,
                "label {label} of example {index} is out of range for {classes} classes"
            ),
            EmptyCsv => write!(f, "empty CSV input: no line with content"),
            NoDataRows => write!(f, "CSV input has a header but no data rows"),
            NotUtf8 { line } => write!(f, "CSV line {line} is not valid UTF-8"),
            BadNumber { line, column, text } => write!(
                f,
                "CSV line {line}, column {column}: {text:?} is not a finite number"
            ),
            RaggedRow {
                line,
                expected,
                found,
            } => write!(
                f,
                "CSV line {line} has {found} field(s), expected {expected}"
            ),
            NoSuchColumn { column, columns } => write!(
                f,
                "label column {column} does not exist (the CSV has {columns} column(s))"
            ),
            NotAClassLabel { row, value } => write!(
                f,
                "label {value} of row {row} is not a non-negative integer class"
            ),
            ZeroBatchSize => write!(f, "minibatch size must be at least 1"),
            BadFractions { fractions } => write!(
                f,
                "split fractions {fractions:?} must be finite, non-negative and sum to at most 1"
            ),
            IndexOutOfRange { index, len } => {
                write!(f, "example index {index} out of range for {len} examples")
            }
            RowMismatch { inputs, targets } => write!(
                f,
                "data set has {inputs} input rows but {targets} target rows"
            ),
        }
    }
}

impl std::error::Error for DataError {}
