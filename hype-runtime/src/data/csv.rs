//! A reader of numeric CSV files: every field a decimal number, optionally a header
//! line of column names, optionally one column taken out as the label.
//!
//! # Accepted input
//!
//! * UTF-8; a byte-order mark at the start is skipped; lines end with `\n` or `\r\n`.
//! * Lines that are empty or hold only whitespace are skipped wherever they are (so a
//!   trailing newline, or several, is fine). Line numbers in errors count every
//!   physical line from 1.
//! * Fields are split at the delimiter (`,` by default), trimmed of surrounding
//!   whitespace and of one pair of surrounding double quotes. There is no quoting of
//!   delimiters inside fields: this reader is for numbers.
//! * A number is anything [`f64::from_str`](std::str::FromStr) accepts (`1`, `-2.5`,
//!   `3e-4`, `.5`) that is finite: `nan`, `inf` and empty fields are
//!   [`BadNumber`](DataError::BadNumber) errors (there are no missing values).
//! * Every row must have as many fields as the header, or without a header as the
//!   first row ([`RaggedRow`](DataError::RaggedRow)).
//! * An input with no content is [`EmptyCsv`](DataError::EmptyCsv); a header with no
//!   rows after it is [`NoDataRows`](DataError::NoDataRows).
//!
//! Memory grows with the values actually parsed; nothing is sized from the input's
//! claims.

use super::error::DataError;
use ndarray::{Array1, Array2};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// Which column, if any, holds the label.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LabelColumn {
    /// No label: every column is a feature.
    #[default]
    None,
    /// The column at this index, counting from 0.
    Index(usize),
    /// The last column.
    Last,
    /// The column with this name in the header (needs `has_header`).
    Name(String),
}

/// How to read a CSV file. The default: no header, comma-separated, no label column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// Whether the first line with content holds column names.
    pub has_header: bool,
    /// The field separator.
    pub delimiter: char,
    /// The label column.
    pub label: LabelColumn,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            has_header: false,
            delimiter: ',',
            label: LabelColumn::None,
        }
    }
}

impl CsvOptions {
    /// The default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets whether the first line is a header.
    pub fn header(mut self, has_header: bool) -> Self {
        self.has_header = has_header;
        self
    }

    /// Sets the field separator.
    pub fn delimiter(mut self, delimiter: char) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// Sets the label column.
    pub fn label(mut self, label: LabelColumn) -> Self {
        self.label = label;
        self
    }
}

/// A parsed CSV file: one row per example.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvData {
    /// The names of the feature columns, when the file has a header.
    pub feature_names: Option<Vec<String>>,
    /// The name of the label column, when the file has a header and a label is chosen.
    pub label_name: Option<String>,
    /// `rows × feature columns`.
    pub features: Array2<f64>,
    /// One label per row, when a label column is chosen.
    pub labels: Option<Array1<f64>>,
}

impl CsvData {
    /// The number of rows.
    pub fn len(&self) -> usize {
        self.features.nrows()
    }

    /// Whether there are no rows (never for parsed data: the readers reject inputs
    /// without data rows).
    pub fn is_empty(&self) -> bool {
        self.features.nrows() == 0
    }

    /// The labels as class indices, for classification: every label must be a
    /// non-negative integer ([`NotAClassLabel`](DataError::NotAClassLabel) otherwise;
    /// rows count from 0). Without a label column, an empty vector.
    pub fn class_labels(&self) -> Result<Vec<usize>, DataError> {
        let Some(labels) = &self.labels else {
            return Ok(Vec::new());
        };
        labels
            .iter()
            .enumerate()
            .map(|(row, &value)| {
                // Below 2^53 every integer is exact; larger values are not class indices.
                if value >= 0.0 && value.fract() == 0.0 && value < 9_007_199_254_740_992.0 {
                    Ok(value as usize)
                } else {
                    Err(DataError::NotAClassLabel { row, value })
                }
            })
            .collect()
    }
}

/// Longest field text quoted in an error.
const MAX_QUOTED: usize = 40;

fn clean(field: &str) -> &str {
    let t = field.trim();
    if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
        t[1..t.len() - 1].trim()
    } else {
        t
    }
}

fn number(field: &str, line: usize, column: usize) -> Result<f64, DataError> {
    let text = clean(field);
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(DataError::BadNumber {
            line,
            column,
            text: text.chars().take(MAX_QUOTED).collect(),
        }),
    }
}

fn label_index(
    label: &LabelColumn,
    columns: usize,
    names: Option<&[String]>,
) -> Result<Option<usize>, DataError> {
    match label {
        LabelColumn::None => Ok(None),
        LabelColumn::Last => Ok(Some(columns - 1)),
        LabelColumn::Index(i) if *i < columns => Ok(Some(*i)),
        LabelColumn::Index(i) => Err(DataError::NoSuchColumn {
            column: i.to_string(),
            columns,
        }),
        LabelColumn::Name(name) => names
            .and_then(|names| names.iter().position(|n| n == name))
            .map(Some)
            .ok_or_else(|| DataError::NoSuchColumn {
                column: if names.is_some() {
                    format!("{name:?}")
                } else {
                    format!("{name:?} (the options say the file has no header)")
                },
                columns,
            }),
    }
}

/// Parses a numeric CSV file held in memory.
pub fn parse_csv(bytes: &[u8], options: &CsvOptions) -> Result<CsvData, DataError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let delimiter = options.delimiter;

    let mut names: Option<Vec<String>> = None;
    let mut columns: Option<usize> = None;
    let mut label: Option<usize> = None;
    let mut features: Vec<f64> = Vec::new();
    let mut labels: Vec<f64> = Vec::new();
    let mut rows = 0usize;

    for (k, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = k + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let text = std::str::from_utf8(raw).map_err(|_| DataError::NotUtf8 { line })?;
        if text.trim().is_empty() {
            continue;
        }
        let expected = match columns {
            Some(c) => c,
            None => {
                let c = text.split(delimiter).count();
                columns = Some(c);
                if options.has_header {
                    let header: Vec<String> = text
                        .split(delimiter)
                        .map(|f| clean(f).to_string())
                        .collect();
                    label = label_index(&options.label, c, Some(&header))?;
                    names = Some(header);
                    continue;
                }
                label = label_index(&options.label, c, None)?;
                c
            }
        };

        let found = text.split(delimiter).count();
        if found != expected {
            return Err(DataError::RaggedRow {
                line,
                expected,
                found,
            });
        }
        for (j, field) in text.split(delimiter).enumerate() {
            let v = number(field, line, j + 1)?;
            if Some(j) == label {
                labels.push(v);
            } else {
                features.push(v);
            }
        }
        rows += 1;
    }

    let Some(columns) = columns else {
        return Err(DataError::EmptyCsv);
    };
    if rows == 0 {
        return Err(DataError::NoDataRows);
    }
    let width = columns - usize::from(label.is_some());
    let features =
        Array2::from_shape_vec((rows, width), features).map_err(|_| DataError::RaggedRow {
            line: 0,
            expected: columns,
            found: 0,
        })?;
    let (feature_names, label_name) = match (names, label) {
        (Some(mut names), Some(l)) => {
            let label_name = names.remove(l);
            (Some(names), Some(label_name))
        }
        (names, _) => (names, None),
    };
    Ok(CsvData {
        feature_names,
        label_name,
        features,
        labels: label.map(|_| Array1::from_vec(labels)),
    })
}

/// Reads a numeric CSV file from a stream, to its end.
pub fn read_csv<R: Read>(mut reader: R, options: &CsvOptions) -> Result<CsvData, DataError> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| DataError::io(None, &e))?;
    parse_csv(&bytes, options)
}

/// Reads a numeric CSV file from disk. I/O errors carry the path.
pub fn load_csv(path: impl AsRef<Path>, options: &CsvOptions) -> Result<CsvData, DataError> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| DataError::io(Some(path.to_path_buf()), &e))?;
    read_csv(BufReader::new(file), options).map_err(|e| e.at_path(path))
}
