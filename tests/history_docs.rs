//! The history finding codes are documented in docs/rules.md in the agreed format, each
//! `Tested by:` line names a test that exists, and every `plan` reason is in the table of
//! docs/transitions.md with its status code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use fodpack::history::plan::Reason;
use fodpack::rules::{Family, RULES};

#[test]
fn history_codes_have_sections_with_severity_family_and_an_existing_test() {
    let rules = std::fs::read_to_string("docs/rules.md").unwrap();
    for rule in RULES.iter().filter(|r| r.family == Family::History) {
        let name = rule.code.as_str();
        let head = format!("## `{name}`\n");
        let start = rules.find(&head).unwrap_or_else(|| panic!("no section for {name}"));
        let section = &rules[start + head.len()..];
        let section = &section[..section.find("\n## ").unwrap_or(section.len())];
        let severity = format!("**Severity:** {} · **Family:** history", rule.severity.as_str());
        assert!(section.contains(&severity), "{name}: expected {severity}");
        let line = section.lines().find(|l| l.starts_with("Tested by: ")).expect("Tested by");
        let parts: Vec<&str> = line.split('`').collect();
        let (file, func) = (parts[1], parts[3]);
        let source = std::fs::read_to_string(file).unwrap_or_else(|_| panic!("{name}: {file}"));
        assert!(source.contains(&format!("fn {func}(")), "{name}: no fn {func} in {file}");
        assert!(source.contains(&format!("\"{name}\"")), "{name}: {file} does not check it");
    }
}

#[test]
fn every_plan_reason_is_in_the_status_table() {
    let doc = std::fs::read_to_string("docs/transitions.md").unwrap();
    for reason in Reason::ALL {
        let row = format!("| `{}` | {} |", reason.as_str(), reason.status());
        assert!(doc.contains(&row), "docs/transitions.md lacks {row}");
        let tests = std::fs::read_to_string("tests/plan_cli.rs").unwrap();
        let test = format!("fn reason_{}()", reason.as_str().replace('-', "_"));
        assert!(tests.contains(&test), "no named test {test}");
    }
}
