//! `docs/rules.md` is the contract for finding codes: every code has a section, every section
//! names a real code with its real severity, and every section's failing example triggers its
//! code while the corrected one does not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use fodpack::rules::{Code, RULES};
use fodpack::validate::{Options, check_bytes};
use std::path::Path;

struct Section {
    code: String,
    body: String,
}

fn sections() -> Vec<Section> {
    let text = std::fs::read_to_string("docs/rules.md").expect("docs/rules.md is readable");
    let mut out: Vec<Section> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("## `") {
            let code = rest.trim_end_matches('`').to_string();
            out.push(Section { code, body: String::new() });
        } else if let Some(s) = out.last_mut() {
            s.body.push_str(line);
            s.body.push('\n');
        }
    }
    out
}

/// The contents of the fenced block whose info string is `json <tag>`.
fn block(body: &str, tag: &str) -> Option<String> {
    let open = format!("```json {tag}\n");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find("\n```")? + start;
    Some(body[start..end].to_string())
}

/// The path in a line such as "Failing: `samples/x.json`".
fn file_line(body: &str, label: &str) -> Option<String> {
    let line = body.lines().find(|l| l.starts_with(&format!("{label}: `")))?;
    let path = line.split('`').nth(1)?;
    path.starts_with("samples/").then(|| path.to_string())
}

fn codes_found(name: &str, bytes: &[u8]) -> Vec<&'static str> {
    let report = check_bytes(name.to_string(), bytes, &Options::new());
    report.findings.iter().map(|f| f.code.as_str()).collect()
}

fn error_codes(name: &str, bytes: &[u8]) -> Vec<&'static str> {
    let report = check_bytes(name.to_string(), bytes, &Options::new());
    let errors = report.findings.iter().filter(|f| f.severity == fodpack::rules::Severity::Error);
    errors.map(|f| f.code.as_str()).collect()
}

#[test]
fn every_code_has_exactly_one_section_and_every_section_is_a_code() {
    let sections = sections();
    for rule in RULES {
        let n = sections.iter().filter(|s| s.code == rule.code.as_str()).count();
        assert_eq!(n, 1, "code {} has {n} sections in docs/rules.md", rule.code);
    }
    for s in &sections {
        assert!(
            Code::from_name(&s.code).is_some(),
            "docs/rules.md documents unknown code {}",
            s.code
        );
    }
}

#[test]
fn every_section_states_the_default_severity() {
    for s in sections() {
        let Some(code) = Code::from_name(&s.code) else { continue };
        let expected = format!("**Severity:** {} ·", code.info().severity.as_str());
        assert!(
            s.body.contains(&expected),
            "{}: severity line should contain {expected:?}",
            s.code
        );
    }
}

#[test]
fn every_example_triggers_its_code_and_every_correction_does_not() {
    let mut checked = 0;
    for s in sections() {
        let failing = block(&s.body, "failing")
            .map(|t| (format!("{}: failing example", s.code), t.into_bytes()))
            .or_else(|| file_line(&s.body, "Failing").map(|p| (p.clone(), read(&p))));
        let corrected = block(&s.body, "corrected")
            .map(|t| (format!("{}: corrected example", s.code), t.into_bytes()))
            .or_else(|| file_line(&s.body, "Corrected").map(|p| (p.clone(), read(&p))));
        let tested_by = s.body.lines().find(|l| l.starts_with("Tested by: "));
        match (failing, corrected, tested_by) {
            (Some((fname, fbytes)), Some((cname, cbytes)), _) => {
                let found = codes_found(&fname, &fbytes);
                assert!(
                    found.contains(&s.code.as_str()),
                    "{fname} should report {}; got {found:?}",
                    s.code
                );
                let found = codes_found(&cname, &cbytes);
                assert!(!found.contains(&s.code.as_str()), "{cname} should not report {}", s.code);
                // A correction that breaks another rule would teach the wrong fix.
                let errors = error_codes(&cname, &cbytes);
                assert!(errors.is_empty(), "{cname} should have no errors; got {errors:?}");
                checked += 1;
            }
            (None, None, Some(line)) => {
                let mut parts = line.split('`').skip(1).step_by(2);
                let (file, test) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                let source = std::fs::read_to_string(file)
                    .unwrap_or_else(|_| panic!("{}: Tested by names missing file {file}", s.code));
                assert!(
                    source.contains(&format!("fn {test}(")),
                    "{}: {file} has no test fn {test}",
                    s.code
                );
                checked += 1;
            }
            _ => panic!("{}: needs a failing and a corrected example, or a Tested by line", s.code),
        }
    }
    assert_eq!(checked, sections().len());
}

fn read(path: &str) -> Vec<u8> {
    assert!(Path::new(path).exists(), "example file {path} is missing");
    std::fs::read(path).unwrap()
}
