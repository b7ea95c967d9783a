//! `fodpack diff`: each finding from a pair of exports that triggers it, and a corrected pair
//! that does not. Expected values come from the vendor's page and the transition model in
//! docs/transitions.md, not from the code under test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use serde_json::{Value, json};
use std::path::PathBuf;

const CODE_A: &str = "WW1AAAAAAAAAAAAAAAAAAA";
const CODE_B: &str = "WW2BBBBBBBBBBBBBBBBBBB";

fn code(name: &str, redeemed: i64, remaining: i64, keys: &[(&str, &str)]) -> Value {
    let keys: Vec<Value> = keys
        .iter()
        .map(|(id, state)| json!({"customerNumber": "1234567890", "licenseKeyId": id, "state": state}))
        .collect();
    json!({
        "authCode": name,
        "errorMsg": "",
        "featureCode": "1341 contact",
        "featureDescription": "Lenovo XClarity Pro, Per Managed Endpoint w/5 Yr SW S&S",
        "keysRedeemed": redeemed,
        "keysRemaining": remaining,
        "lenovoCustomerNumber": "1234567890",
        "licenseKeys": keys,
        "partNumber": "5641PX5",
        "purchaseOrder": "00000000",
        "salesOrder": "999999999",
        "startDate": "2020-06-02"
    })
}

fn export(codes: Vec<Value>) -> Value {
    json!({ "authCodes": codes })
}

struct Run {
    code: i32,
    json: Value,
}

impl Run {
    fn codes(&self) -> Vec<String> {
        self.json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_string())
            .collect()
    }
}

fn write(dir: &tempfile::TempDir, name: &str, v: &Value) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    p
}

fn diff(old: &Value, new: &Value) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let (o, n) = (write(&dir, "old.json", old), write(&dir, "new.json", new));
    let out = Command::cargo_bin("fodpack")
        .unwrap()
        .args(["diff", "--format", "json"])
        .arg(&o)
        .arg(&n)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).expect("one JSON document on stdout");
    Run { code: out.status.code().unwrap(), json }
}

#[test]
fn diff_reports_key_back_to_not_installed() {
    let old = export(vec![code(CODE_A, 10, 0, &[("00001", "installed")])]);
    let bad = export(vec![code(CODE_A, 10, 0, &[("00001", "not installed")])]);
    let run = diff(&old, &bad);
    assert_eq!(run.codes(), ["key-state-reverted"]);
    assert_eq!(run.code, 1);
    let change = &run.json["codes"][0]["stateChanges"][0];
    assert_eq!(change["before"], "installed");
    assert_eq!(change["after"], "not installed");
    // The change the server does make is not a finding.
    let old = export(vec![code(CODE_A, 10, 0, &[("00001", "not installed")])]);
    let good = export(vec![code(CODE_A, 10, 0, &[("00001", "installed")])]);
    let run = diff(&old, &good);
    assert!(run.codes().is_empty());
    assert_eq!(run.code, 0);
}

#[test]
fn diff_reports_installed_to_downloaded_as_suspicious() {
    let old = export(vec![code(CODE_A, 10, 0, &[("00001", "installed")])]);
    let bad = export(vec![code(CODE_A, 10, 0, &[("00001", "downloaded")])]);
    let run = diff(&old, &bad);
    assert_eq!(run.codes(), ["key-state-suspicious"]);
    assert_eq!(run.code, 0, "a warning does not fail the run");
    let old = export(vec![code(CODE_A, 10, 0, &[("00001", "downloaded")])]);
    let good = export(vec![code(CODE_A, 10, 0, &[("00001", "installed")])]);
    assert!(diff(&old, &good).codes().is_empty());
}

#[test]
fn diff_reports_redeemed_that_went_down() {
    let old = export(vec![code(CODE_A, 30, 20, &[("00001", "not installed")])]);
    let bad = export(vec![code(CODE_A, 20, 30, &[("00001", "not installed")])]);
    let run = diff(&old, &bad);
    assert_eq!(run.codes(), ["redeemed-decreased"]);
    assert_eq!(run.code, 1);
    let good = export(vec![code(CODE_A, 40, 10, &[("00001", "not installed")])]);
    assert!(diff(&old, &good).codes().is_empty());
}

#[test]
fn diff_reports_total_that_changed() {
    // 25 + 25 = 50 bought; 35 + 25 = 60 means ten licenses appeared from nowhere.
    let old = export(vec![code(CODE_A, 25, 25, &[("00001", "not installed")])]);
    let bad = export(vec![code(CODE_A, 35, 25, &[("00001", "not installed")])]);
    let run = diff(&old, &bad);
    assert_eq!(run.codes(), ["total-mismatch"]);
    assert_eq!(run.json["findings"][0]["severity"], "warning");
    // Redeeming ten moves them: 35 + 15 = 50, as the vendor's first response shows.
    let good = export(vec![code(CODE_A, 35, 15, &[("00001", "not installed")])]);
    assert!(diff(&old, &good).codes().is_empty());
}

#[test]
fn diff_reports_key_that_vanished() {
    let old = export(vec![code(CODE_A, 50, 0, &[("00001", "installed"), ("00002", "installed")])]);
    let bad = export(vec![code(CODE_A, 50, 0, &[("00001", "installed")])]);
    let run = diff(&old, &bad);
    assert_eq!(run.codes(), ["key-vanished"]);
    assert_eq!(run.json["codes"][0]["keysRemoved"], json!(["00002"]));
    let finding = &run.json["findings"][0];
    assert!(finding["related"]["path"].as_str().unwrap().ends_with("old.json"));
    assert!(diff(&old, &old.clone()).codes().is_empty());
}

#[test]
fn diff_reports_key_under_another_code() {
    let old = export(vec![
        code(CODE_A, 10, 0, &[("00001", "installed")]),
        code(CODE_B, 10, 0, &[("00002", "installed")]),
    ]);
    let bad = export(vec![
        code(CODE_A, 10, 0, &[]),
        code(CODE_B, 10, 0, &[("00002", "installed"), ("00001", "installed")]),
    ]);
    let run = diff(&old, &bad);
    assert_eq!(run.codes(), ["key-under-two-codes"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.json["findings"][0]["pointer"], "/authCodes/1/licenseKeys/1");
    let good = export(vec![
        code(CODE_A, 10, 0, &[("00001", "installed")]),
        code(CODE_B, 10, 0, &[("00002", "installed"), ("00003", "not installed")]),
    ]);
    assert!(diff(&old, &good).codes().is_empty());
}

#[test]
fn diff_reports_idempotent_attribute_that_changed() {
    let old = export(vec![code(CODE_A, 10, 0, &[])]);
    let mut bad = old.clone();
    bad["authCodes"][0]["partNumber"] = json!("5641PX6");
    let run = diff(&old, &bad);
    assert_eq!(run.codes(), ["idempotent-mismatch"]);
    assert_eq!(run.code, 1);
    let change = &run.json["codes"][0]["attributesChanged"][0];
    assert_eq!(change, &json!({"name": "partNumber", "before": "5641PX5", "after": "5641PX6"}));
    let mut good = old.clone();
    good["authCodes"][0]["errorMsg"] = json!("");
    assert!(diff(&old, &good).codes().is_empty());
}

#[test]
fn diff_says_identical_exports_are_identical() {
    let old = export(vec![code(CODE_A, 25, 25, &[("00001", "installed")])]);
    let run = diff(&old, &old.clone());
    assert_eq!(run.json["outcome"], "identical");
    assert_eq!(run.json["sameText"], true);
    assert_eq!(run.json["codes"], json!([]));
    assert_eq!(run.code, 0);
    // The same state written differently is still identical, and said to be so.
    let dir = tempfile::tempdir().unwrap();
    let o = write(&dir, "old.json", &old);
    let n = dir.path().join("new.json");
    std::fs::write(&n, serde_json::to_string(&old).unwrap()).unwrap();
    Command::cargo_bin("fodpack")
        .unwrap()
        .arg("diff")
        .arg(&o)
        .arg(&n)
        .assert()
        .success()
        .stdout(predicates::str::contains("identical: no code or key differs"));
    // And a changed export is not.
    let changed = export(vec![code(CODE_A, 35, 15, &[("00001", "installed")])]);
    assert_eq!(diff(&old, &changed).json["outcome"], "changed");
}

#[test]
fn diff_of_the_vendor_responses_shows_first_code_fully_redeemed_and_second_added() {
    let out = Command::cargo_bin("fodpack")
        .unwrap()
        .args([
            "diff",
            "--format",
            "json",
            "samples/api/redeem-ten-response.json",
            "samples/api/redeem-all-two-codes-response.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["errors"], 0);
    assert_eq!(v["codesAdded"], json!(["YYA7BQ2V37V11O0AID2K5"]));
    assert_eq!(v["codesRemoved"], json!([]));
    let first =
        v["codes"].as_array().unwrap().iter().find(|c| c["authCode"] == "YYA7BQ2V37V11O0AID2K4");
    let first = first.expect("the first code changed");
    // From the page: 35 redeemed and 15 remaining, then 50 and 0.
    assert_eq!(first["redeemed"], json!({"before": 35, "after": 50}));
    assert_eq!(first["remaining"], json!({"before": 15, "after": 0}));
    let second =
        v["codes"].as_array().unwrap().iter().find(|c| c["authCode"] == "YYA7BQ2V37V11O0AID2K5");
    assert_eq!(second.unwrap()["keysAdded"], json!(["00113", "00114"]));
}

#[test]
fn diff_refuses_what_is_not_an_export_with_exit_2() {
    Command::cargo_bin("fodpack")
        .unwrap()
        .args([
            "diff",
            "samples/api/redeem-ten-request.json",
            "samples/api/redeem-ten-response.json",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("redeem-ten-request.json: this is a put-request"));
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"authCodes\": [").unwrap();
    Command::cargo_bin("fodpack")
        .unwrap()
        .arg("diff")
        .arg(&broken)
        .arg("samples/api/redeem-ten-response.json")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("broken.json:1:"));
}

#[test]
fn diff_reports_each_files_own_errors() {
    let old = export(vec![code(CODE_A, 10, 0, &[("00001", "installed")])]);
    let dir = tempfile::tempdir().unwrap();
    let o = write(&dir, "old.json", &old);
    // NEW lists keysRemaining twice: a reader that keeps the last value sees another total.
    let text = serde_json::to_string_pretty(&old)
        .unwrap()
        .replace("\"keysRemaining\": 0,", "\"keysRemaining\": 0,\n      \"keysRemaining\": 5,");
    let n = dir.path().join("new.json");
    std::fs::write(&n, text).unwrap();
    let out = Command::cargo_bin("fodpack")
        .unwrap()
        .args(["diff", "--format", "json"])
        .arg(&o)
        .arg(&n)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{json:#}");
    let new_findings = json["inputs"][1]["findings"].as_array().unwrap();
    assert!(new_findings.iter().any(|f| f["code"] == "duplicate-key"), "{json:#}");
    assert!(json["inputs"][0]["findings"].as_array().unwrap().is_empty());
    assert_eq!(json["summary"]["errors"], 1);
    // The same pair without the duplicate passes.
    let run = diff(&old, &old);
    assert_eq!(run.code, 0);
}

#[test]
fn diff_lists_changes_that_break_no_rule_instead_of_calling_them_identical() {
    let old = export(vec![code(CODE_A, 10, 0, &[("00001", "installed")])]);
    let mut new = old.clone();
    new["authCodes"][0]["licenseKeys"][0]["quantity"] = json!(10);
    new["authCodes"][0]["lenovoCustomerNumber"] = json!("1234567899");
    let run = diff(&old, &new);
    assert_eq!(run.json["outcome"], "changed", "{:#}", run.json);
    let names: Vec<&str> = run.json["codes"][0]["attributesChanged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"lenovoCustomerNumber"), "{names:?}");
    assert!(names.contains(&"licenseKeys[00001].quantity"), "{names:?}");
    assert!(run.codes().iter().all(|c| c != "idempotent-mismatch"), "{:?}", run.codes());
}
