//! Each file in `samples/invalid/` states beside it, in `<name>.expected`, the codes it breaks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use fodpack::validate::{Options, check_file};
use std::collections::BTreeSet;

#[test]
fn invalid_samples_report_exactly_their_expected_codes() {
    let mut seen = 0;
    for entry in std::fs::read_dir("samples/invalid").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let expected_path = format!("{}.expected", path.display());
        let expected: BTreeSet<String> = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("{expected_path} states the expected codes"))
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        let report = check_file(&path, &Options::new());
        let found: BTreeSet<String> =
            report.findings.iter().map(|f| f.code.as_str().to_string()).collect();
        assert_eq!(found, expected, "{}", path.display());
        seen += 1;
    }
    assert!(seen >= 10, "samples/invalid holds {seen} files");
}

#[test]
fn quirk_samples_report_only_their_quirk() {
    let cases = [
        ("samples/quirks/export-utf8-bom.json", "utf8-bom"),
        ("samples/quirks/export-utf16le-powershell.json", "utf16-encoding"),
        ("samples/quirks/export-utf16be.json", "utf16-encoding"),
    ];
    for (path, code) in cases {
        let report = check_file(std::path::Path::new(path), &Options::new());
        let found: Vec<&str> = report.findings.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(found, [code], "{path}");
    }
    let crlf = check_file(std::path::Path::new("samples/quirks/export-crlf.json"), &Options::new());
    assert!(crlf.findings.is_empty());
}
