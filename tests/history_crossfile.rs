//! `validate` over several files that describe the same codes: conflicts name both files and
//! places, whichever order the files are read in.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use serde_json::{Value, json};
use std::path::Path;

const A: &str = "WW1AAAAAAAAAAAAAAAAAAA";
const B: &str = "WW2BBBBBBBBBBBBBBBBBBB";

fn export(name: &str, part: &str, redeemed: i64, remaining: i64, keys: &[&str]) -> Value {
    let keys: Vec<Value> = keys
        .iter()
        .map(|id| json!({"customerNumber": "1234567890", "licenseKeyId": id, "state": "not installed"}))
        .collect();
    json!({"authCodes": [{
        "authCode": name, "errorMsg": "", "featureCode": "1341 contact",
        "featureDescription": "Lenovo XClarity Pro", "keysRedeemed": redeemed,
        "keysRemaining": remaining, "lenovoCustomerNumber": "1234567890", "licenseKeys": keys,
        "partNumber": part, "purchaseOrder": "00000000", "salesOrder": "999999999",
        "startDate": "2020-06-02"
    }]})
}

fn put(dir: &Path, name: &str, v: &Value) {
    std::fs::write(dir.join(name), serde_json::to_string_pretty(v).unwrap()).unwrap();
}

/// Runs validate; returns the exit code and every finding as (file, code, related file).
fn validate(args: &[&Path]) -> (i32, Vec<(String, String, String)>) {
    let out = Command::cargo_bin("fodpack")
        .unwrap()
        .args(["validate", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let mut found = Vec::new();
    for file in v["files"].as_array().unwrap() {
        let path = file["path"].as_str().unwrap();
        let name = Path::new(path).file_name().unwrap().to_string_lossy().to_string();
        for f in file["findings"].as_array().unwrap() {
            let related = f["related"]["path"].as_str().unwrap_or("");
            let rel = Path::new(related).file_name().map(|n| n.to_string_lossy().to_string());
            found.push((
                name.clone(),
                f["code"].as_str().unwrap().to_string(),
                rel.unwrap_or_default(),
            ));
        }
    }
    assert_eq!(v["summary"]["files"], 2, "cross-file findings do not count as files");
    (out.status.code().unwrap(), found)
}

fn conflict(code: &str) -> Vec<(String, String, String)> {
    vec![("b.json".to_string(), code.to_string(), "a.json".to_string())]
}

#[test]
fn validate_reports_files_that_disagree_whichever_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    put(d, "a.json", &export(A, "5641PX5", 25, 25, &[]));
    put(d, "b.json", &export(A, "5641PX6", 35, 15, &[]));
    let (code, found) = validate(&[d]);
    assert_eq!(code, 1);
    assert_eq!(found, conflict("idempotent-mismatch"));
    // The other way round, and with the files named in reverse order.
    put(d, "a.json", &export(A, "5641PX6", 35, 15, &[]));
    put(d, "b.json", &export(A, "5641PX5", 25, 25, &[]));
    assert_eq!(validate(&[d]).1, conflict("idempotent-mismatch"));
    let (a, b) = (d.join("a.json"), d.join("b.json"));
    assert_eq!(validate(&[&b, &a]).1, conflict("idempotent-mismatch"));
    // The message names both values and the other file.
    let out =
        Command::cargo_bin("fodpack").unwrap().arg("validate").arg(&b).arg(&a).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("b.json:") && text.contains("a.json:"), "{text}");
    assert!(text.contains("\"5641PX5\"") && text.contains("\"5641PX6\""), "{text}");
    // A consistent series: redeemed and remaining moved, total and attributes kept.
    put(d, "b.json", &export(A, "5641PX6", 50, 0, &[]));
    let (code, found) = validate(&[d]);
    assert_eq!((code, found), (0, vec![]));
}

#[test]
fn validate_reports_a_total_that_differs_across_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    put(d, "a.json", &export(A, "5641PX5", 25, 25, &[]));
    put(d, "b.json", &export(A, "5641PX5", 35, 25, &[]));
    let (code, found) = validate(&[d]);
    assert_eq!(found, conflict("total-mismatch"));
    assert_eq!(code, 0, "a warning: the vendor does not settle what the counts count");
    put(d, "b.json", &export(A, "5641PX5", 35, 15, &[]));
    assert_eq!(validate(&[d]).1, vec![]);
}

#[test]
fn validate_reports_a_key_id_under_two_codes_across_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    put(d, "a.json", &export(A, "5641PX5", 10, 0, &["00001"]));
    put(d, "b.json", &export(B, "5641PX5", 10, 0, &["00001"]));
    let (code, found) = validate(&[d]);
    assert_eq!(found, conflict("key-under-two-codes"));
    assert_eq!(code, 1);
    put(d, "b.json", &export(B, "5641PX5", 10, 0, &["00002"]));
    assert_eq!(validate(&[d]).1, vec![]);
}
