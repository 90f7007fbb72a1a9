//! The CSV reader: malformed inputs and the exact error each gives, the accepted
//! dialect (header, label column, CRLF, BOM, quotes, blank lines), round trips of
//! random matrices, and fuzz-style property tests on random bytes and mutations of
//! valid files.

use hype_runtime::data::{load_csv, parse_csv, read_csv, CsvOptions, DataError, LabelColumn};
use ndarray::{array, Array1, Array2};
use proptest::prelude::*;
use std::io::{self, Read};

fn opts() -> CsvOptions {
    CsvOptions::new()
}

fn header() -> CsvOptions {
    CsvOptions::new().header(true)
}

fn bad(line: usize, column: usize, text: &str) -> DataError {
    DataError::BadNumber {
        line,
        column,
        text: text.to_string(),
    }
}

fn ragged(line: usize, expected: usize, found: usize) -> DataError {
    DataError::RaggedRow {
        line,
        expected,
        found,
    }
}

fn malformed_cases() -> Vec<(&'static str, Vec<u8>, CsvOptions, DataError)> {
    use DataError::*;
    let s = |t: &str| t.as_bytes().to_vec();
    vec![
        // No data.
        ("empty input", vec![], opts(), EmptyCsv),
        ("only newlines", s("\n\n\r\n"), opts(), EmptyCsv),
        ("only whitespace", s("  \n\t\n "), opts(), EmptyCsv),
        (
            "only a byte-order mark",
            b"\xEF\xBB\xBF".to_vec(),
            opts(),
            EmptyCsv,
        ),
        (
            "empty input with header expected",
            vec![],
            header(),
            EmptyCsv,
        ),
        ("header only", s("a,b,c\n"), header(), NoDataRows),
        (
            "header and blank lines",
            s("a,b,c\n\n  \n"),
            header(),
            NoDataRows,
        ),
        // Bad numbers.
        (
            "word in a field",
            s("1,2,3\n4,abc,6\n"),
            opts(),
            bad(2, 2, "abc"),
        ),
        ("empty field", s("1,,3\n"), opts(), bad(1, 2, "")),
        ("trailing delimiter", s("1,2,\n"), opts(), bad(1, 3, "")),
        ("NaN", s("1,NaN\n"), opts(), bad(1, 2, "NaN")),
        ("infinity", s("inf,1\n"), opts(), bad(1, 1, "inf")),
        (
            "overflowing exponent",
            s("1e400\n"),
            opts(),
            bad(1, 1, "1e400"),
        ),
        (
            "two decimal points",
            s("1.2.3,4\n"),
            opts(),
            bad(1, 1, "1.2.3"),
        ),
        ("hexadecimal", s("0x10\n"), opts(), bad(1, 1, "0x10")),
        (
            "decimal comma",
            s("1,5;2\n"),
            opts().delimiter(';'),
            bad(1, 1, "1,5"),
        ),
        (
            "thousands separator",
            s("1_000,2\n"),
            opts(),
            bad(1, 1, "1_000"),
        ),
        (
            "header treated as data",
            s("x,y\n1,2\n"),
            opts(),
            bad(1, 1, "x"),
        ),
        (
            "bad number after blank lines",
            s("1,2\n\n\n3,four\n"),
            opts(),
            bad(4, 2, "four"),
        ),
        ("unbalanced quote", s("\"1,2\n"), opts(), bad(1, 1, "\"1")),
        (
            "long text is shortened",
            s(&format!("1,{}\n", "z".repeat(100))),
            opts(),
            bad(1, 2, &"z".repeat(40)),
        ),
        // Ragged rows.
        (
            "row with fewer fields",
            s("1,2,3\n4,5\n"),
            opts(),
            ragged(2, 3, 2),
        ),
        (
            "row with more fields",
            s("1,2\n3,4,5\n"),
            opts(),
            ragged(2, 2, 3),
        ),
        (
            "row shorter than the header",
            s("a,b,c\n1,2,3\n4,5\n"),
            header(),
            ragged(3, 3, 2),
        ),
        (
            "row longer than the header",
            s("a,b\n1,2,3\n"),
            header(),
            ragged(2, 2, 3),
        ),
        (
            "ragged row with a bad number",
            s("1,2\nx,y,z\n"),
            opts(),
            ragged(2, 2, 3),
        ),
        (
            "wrong delimiter",
            s("1;2;3\n1,2,3\n"),
            opts(),
            bad(1, 1, "1;2;3"),
        ),
        // Encoding.
        (
            "invalid UTF-8",
            b"1,2\n3,\xff\n".to_vec(),
            opts(),
            NotUtf8 { line: 2 },
        ),
        (
            "UTF-16 input",
            b"\xff\xfe1\x00,\x002\x00".to_vec(),
            opts(),
            NotUtf8 { line: 1 },
        ),
        // Label columns.
        (
            "label index past the end",
            s("1,2\n"),
            opts().label(LabelColumn::Index(2)),
            NoSuchColumn {
                column: "2".into(),
                columns: 2,
            },
        ),
        (
            "label name without header",
            s("1,2\n"),
            opts().label(LabelColumn::Name("y".into())),
            NoSuchColumn {
                column: "\"y\" (the options say the file has no header)".into(),
                columns: 2,
            },
        ),
        (
            "label name not in header",
            s("a,b\n1,2\n"),
            header().label(LabelColumn::Name("y".into())),
            NoSuchColumn {
                column: "\"y\"".into(),
                columns: 2,
            },
        ),
    ]
}

#[test]
fn malformed_inputs_give_the_expected_error() {
    let cases = malformed_cases();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    for (name, bytes, options, expected) in cases {
        let got = parse_csv(&bytes, &options);
        assert_eq!(got, Err(expected.clone()), "case {name:?}");
        assert_eq!(
            read_csv(&bytes[..], &options),
            got,
            "case {name:?} (stream)"
        );
        assert!(!expected.to_string().is_empty());
    }
}

#[test]
fn error_messages_name_line_and_column() {
    let e = parse_csv(b"1,2,3\n4,abc,6\n", &opts()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "CSV line 2, column 2: \"abc\" is not a finite number"
    );
    let e = parse_csv(b"1,2,3\n4,5\n", &opts()).unwrap_err();
    assert_eq!(e.to_string(), "CSV line 2 has 2 field(s), expected 3");
}

#[test]
fn class_labels_must_be_non_negative_integers() {
    let o = opts().label(LabelColumn::Last);
    let d = parse_csv(b"1,0\n2,1.5\n", &o).unwrap();
    assert_eq!(
        d.class_labels(),
        Err(DataError::NotAClassLabel { row: 1, value: 1.5 })
    );
    let d = parse_csv(b"1,-1\n", &o).unwrap();
    assert_eq!(
        d.class_labels(),
        Err(DataError::NotAClassLabel {
            row: 0,
            value: -1.0
        })
    );
    let d = parse_csv(b"1,1e300\n", &o).unwrap();
    assert!(matches!(
        d.class_labels(),
        Err(DataError::NotAClassLabel { row: 0, .. })
    ));
    let d = parse_csv(b"1,3\n2,0\n3,2.0\n", &o).unwrap();
    assert_eq!(d.class_labels().unwrap(), [3, 0, 2]);
    let d = parse_csv(b"1,3\n", &opts()).unwrap();
    assert_eq!(d.class_labels().unwrap(), Vec::<usize>::new());
}

#[test]
fn io_errors_and_missing_files() {
    struct Broken;
    impl Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::other("broken pipe dream"))
        }
    }
    let e = read_csv(Broken, &opts()).unwrap_err();
    assert!(
        matches!(
            &e,
            DataError::Io {
                path: None,
                kind: io::ErrorKind::Other,
                ..
            }
        ),
        "{e:?}"
    );

    let path = std::env::temp_dir().join("hype-data-csv-test-no-such-file.csv");
    let e = load_csv(&path, &opts()).unwrap_err();
    assert!(
        matches!(&e, DataError::Io { path: Some(p), kind: io::ErrorKind::NotFound, .. } if *p == path),
        "{e:?}"
    );
    assert!(e.to_string().contains("no-such-file"));
}

// ---------------------------------------------------------------------------------------
// Valid inputs
// ---------------------------------------------------------------------------------------

#[test]
fn features_only() {
    let d = parse_csv(b"1,2,3\n4,5,6\n", &opts()).unwrap();
    assert_eq!(d.features, array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    assert_eq!(d.labels, None);
    assert_eq!(d.feature_names, None);
    assert_eq!(d.label_name, None);
    assert_eq!(d.len(), 2);
    assert!(!d.is_empty());
}

#[test]
fn header_and_label_columns() {
    let text = b"sepal,petal,class,width\n5.1,1.4,0,0.2\n6.2,4.5,1,1.5\n";
    let by_name = parse_csv(text, &header().label(LabelColumn::Name("class".into()))).unwrap();
    assert_eq!(by_name.features, array![[5.1, 1.4, 0.2], [6.2, 4.5, 1.5]]);
    assert_eq!(by_name.labels, Some(array![0.0, 1.0]));
    assert_eq!(
        by_name.feature_names.as_deref(),
        Some(&["sepal".to_string(), "petal".into(), "width".into()][..])
    );
    assert_eq!(by_name.label_name.as_deref(), Some("class"));

    let by_index = parse_csv(text, &header().label(LabelColumn::Index(2))).unwrap();
    assert_eq!(by_index, by_name);

    let last = parse_csv(text, &header().label(LabelColumn::Last)).unwrap();
    assert_eq!(last.labels, Some(array![0.2, 1.5]));
    assert_eq!(last.label_name.as_deref(), Some("width"));
    assert_eq!(last.features.ncols(), 3);

    let first = parse_csv(b"7,1,2\n8,3,4\n", &opts().label(LabelColumn::Index(0))).unwrap();
    assert_eq!(first.labels, Some(array![7.0, 8.0]));
    assert_eq!(first.features, array![[1.0, 2.0], [3.0, 4.0]]);
}

#[test]
fn dialect() {
    // CRLF, byte-order mark, quotes, spaces, blank lines, number syntax.
    let text = b"\xEF\xBB\xBF\"a\", b\r\n\r\n \"1\" , -2.5e1\r\n\r\n+.5,3.\r\n\n";
    let d = parse_csv(text, &header()).unwrap();
    assert_eq!(d.features, array![[1.0, -25.0], [0.5, 3.0]]);
    assert_eq!(
        d.feature_names,
        Some(vec!["a".to_string(), "b".to_string()])
    );

    let tabs = parse_csv(b"1\t2\n3\t4", &opts().delimiter('\t')).unwrap();
    assert_eq!(tabs.features, array![[1.0, 2.0], [3.0, 4.0]]);

    let one_column = parse_csv(b"1\n2\n3", &opts()).unwrap();
    assert_eq!(one_column.features, array![[1.0], [2.0], [3.0]]);

    let only_labels = parse_csv(b"1\n2\n", &opts().label(LabelColumn::Last)).unwrap();
    assert_eq!(only_labels.features.dim(), (2, 0));
    assert_eq!(only_labels.labels, Some(array![1.0, 2.0]));

    let unicode = parse_csv("größe,µ\n1,2\n".as_bytes(), &header()).unwrap();
    assert_eq!(
        unicode.feature_names,
        Some(vec!["größe".to_string(), "µ".to_string()])
    );
}

#[test]
fn files_on_disk() {
    let path = std::env::temp_dir().join(format!("hype-data-csv-{}.csv", std::process::id()));
    std::fs::write(&path, "x1,x2,y\n0.5,1,1\n2,3,0\n").unwrap();
    let d = load_csv(&path, &header().label(LabelColumn::Last)).unwrap();
    assert_eq!(d.features, array![[0.5, 1.0], [2.0, 3.0]]);
    assert_eq!(d.class_labels().unwrap(), [1, 0]);
    std::fs::remove_file(&path).unwrap();
}

fn to_csv(x: &Array2<f64>, y: Option<&Array1<f64>>, delimiter: char) -> String {
    let mut s = String::new();
    for (i, row) in x.rows().into_iter().enumerate() {
        let mut fields: Vec<String> = row.iter().map(|v| format!("{v}")).collect();
        if let Some(y) = y {
            fields.push(format!("{:e}", y[i]));
        }
        s.push_str(&fields.join(&delimiter.to_string()));
        s.push('\n');
    }
    s
}

// ---------------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------------

fn matrix() -> impl Strategy<Value = Array2<f64>> {
    (1usize..6, 1usize..5).prop_flat_map(|(r, c)| {
        prop::collection::vec(
            prop_oneof![
                any::<f64>().prop_filter("finite", |v| v.is_finite()),
                -1e3f64..1e3,
                Just(0.0),
                Just(-0.0)
            ],
            r * c,
        )
        .prop_map(move |v| Array2::from_shape_vec((r, c), v).unwrap())
    })
}

fn options() -> impl Strategy<Value = CsvOptions> {
    (
        any::<bool>(),
        prop_oneof![Just(','), Just(';'), Just('\t'), Just(' ')],
        prop_oneof![
            Just(LabelColumn::None),
            Just(LabelColumn::Last),
            (0usize..6).prop_map(LabelColumn::Index),
            Just(LabelColumn::Name("b".into())),
        ],
    )
        .prop_map(|(h, d, l)| CsvOptions::new().header(h).delimiter(d).label(l))
}

/// Characters that matter to the parser.
fn interesting_char() -> impl Strategy<Value = char> {
    prop_oneof![
        Just(','),
        Just(';'),
        Just('\n'),
        Just('\r'),
        Just('"'),
        Just(' '),
        Just('.'),
        Just('-'),
        Just('+'),
        Just('e'),
        Just('n'),
        Just('a'),
        Just('i'),
        Just('\u{feff}'),
        Just('ü'),
        (0u8..10).prop_map(|d| char::from(b'0' + d)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn round_trip_of_random_matrices(x in matrix(), labelled in any::<bool>(), tab in any::<bool>()) {
        let delimiter = if tab { '\t' } else { ',' };
        let y = Array1::from_iter((0..x.nrows()).map(|i| i as f64 * 0.25 - 1.0));
        let text = to_csv(&x, labelled.then_some(&y), delimiter);
        let label = if labelled { LabelColumn::Last } else { LabelColumn::None };
        let d = parse_csv(text.as_bytes(), &opts().delimiter(delimiter).label(label)).unwrap();
        // Rust prints the shortest text that reads back to the same f64.
        prop_assert_eq!(&d.features, &x);
        prop_assert_eq!(d.labels, labelled.then_some(y));
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..80), o in options()) {
        check_invariants(&bytes, &o)?;
    }

    #[test]
    fn random_text_never_panics(chars in prop::collection::vec(interesting_char(), 0..60), o in options()) {
        let text: String = chars.into_iter().collect();
        check_invariants(text.as_bytes(), &o)?;
    }

    #[test]
    fn mutations_of_valid_files_never_panic(
        x in matrix(),
        o in options(),
        edits in prop::collection::vec((any::<usize>(), prop::option::of(interesting_char())), 1..6),
    ) {
        let d = o.delimiter;
        let mut text = String::new();
        if o.has_header {
            let names: Vec<String> = (0..x.ncols()).map(|j| ["a", "b", "c", "d", "e"][j].to_string()).collect();
            text.push_str(&names.join(&d.to_string()));
            text.push('\n');
        }
        text.push_str(&to_csv(&x, None, d));
        let mut chars: Vec<char> = text.chars().collect();
        for (at, edit) in edits {
            let n = chars.len();
            match edit {
                Some(c) => chars.insert(at % (n + 1), c),
                None if n > 0 => { chars.remove(at % n); }
                None => {}
            }
        }
        let text: String = chars.into_iter().collect();
        check_invariants(text.as_bytes(), &o)?;
    }
}

/// Parsing ends in `Ok` or `Err`; an `Ok` is internally consistent; slice and stream
/// agree.
fn check_invariants(bytes: &[u8], o: &CsvOptions) -> Result<(), TestCaseError> {
    let r = parse_csv(bytes, o);
    prop_assert_eq!(&read_csv(bytes, o), &r);
    if let Ok(d) = r {
        prop_assert!(!d.is_empty());
        prop_assert!(d.features.iter().all(|v| v.is_finite()));
        if let Some(l) = &d.labels {
            prop_assert_eq!(l.len(), d.len());
            prop_assert!(l.iter().all(|v| v.is_finite()));
        }
        prop_assert_eq!(d.labels.is_some(), o.label != LabelColumn::None);
        if let Some(names) = &d.feature_names {
            prop_assert_eq!(names.len(), d.features.ncols());
        }
        let _ = d.class_labels();
    }
    Ok(())
}
