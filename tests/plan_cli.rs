//! `fodpack plan`: the vendor's worked example, and one named test for each reason the
//! prediction can give for 400 or 409, each beside a corrected request that gets 200.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const A: &str = "WW1AAAAAAAAAAAAAAAAAAA"; // 25 redeemed, 25 remaining
const B: &str = "WW2BBBBBBBBBBBBBBBBBBB"; // nothing redeemed, 10 remaining
const C: &str = "WW3CCCCCCCCCCCCCCCCCCC"; // fully redeemed
const CUSTOMER: &str = "1234567890";

fn current() -> Value {
    let code = |name: &str, redeemed: i64, remaining: i64, keys: Value| {
        json!({
            "authCode": name, "errorMsg": "", "featureCode": "1341 contact",
            "featureDescription": "Lenovo XClarity Pro", "keysRedeemed": redeemed,
            "keysRemaining": remaining, "lenovoCustomerNumber": CUSTOMER, "licenseKeys": keys,
            "partNumber": "5641PX5", "purchaseOrder": "00000000", "salesOrder": "999999999",
            "startDate": "2020-06-02"
        })
    };
    let key = |id: &str, state: &str| json!({"customerNumber": CUSTOMER, "licenseKeyId": id, "state": state});
    json!({"authCodes": [
        code(A, 25, 25, json!([key("00001", "not installed"), key("00003", "installed")])),
        code(B, 0, 10, json!([])),
        code(C, 50, 0, json!([key("00002", "installed")])),
    ]})
}

fn redeem_one(code: &str, qty: Value) -> Value {
    json!({"authCodes": [{
        "authCode": code, "keysRedeemQty": qty, "lenovoCustomerNumber": CUSTOMER,
        "licenseKeys": [{"customerNumber": CUSTOMER, "state": "not installed"}]
    }]})
}

fn entry_all(code: &str) -> Value {
    json!({"authCode": code, "licenseKeys": [{"state": "not installed"}], "retrieveKeys": false})
}

fn patch(code: &str, id: &str, state: &str) -> Value {
    json!({"authCodes": [{"authCode": code, "licenseKeys": [{"licenseKeyId": id, "state": state}]}]})
}

struct Planned {
    exit: i32,
    json: Value,
}

impl Planned {
    fn status(&self) -> u64 {
        self.json["status"].as_u64().unwrap()
    }
    fn reasons(&self) -> Vec<String> {
        let list = self.json["reasons"].as_array().unwrap();
        list.iter().map(|r| r["reason"].as_str().unwrap().to_string()).collect()
    }
}

fn run_plan(export: &Path, request: &Path, extra: &[&str]) -> Planned {
    let out = Command::cargo_bin("fodpack")
        .unwrap()
        .args(["plan", "--format", "json", "--current"])
        .arg(export)
        .arg(request)
        .args(extra)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).expect("one JSON document on stdout");
    Planned { exit: out.status.code().unwrap(), json }
}

fn plan_text(request: &str) -> Planned {
    let dir = tempfile::tempdir().unwrap();
    let e = dir.path().join("export.json");
    std::fs::write(&e, serde_json::to_string_pretty(&current()).unwrap()).unwrap();
    let r = dir.path().join("request.json");
    std::fs::write(&r, request).unwrap();
    run_plan(&e, &r, &[])
}

fn plan(request: &Value) -> Planned {
    plan_text(&serde_json::to_string_pretty(request).unwrap())
}

/// The request is refused with `status` for `reason` alone; the corrected one gets 200.
fn refused_then_fixed(bad: &Value, status: u64, reason: &str, good: &Value) {
    let p = plan(bad);
    assert_eq!(p.status(), status, "{:#}", p.json);
    assert_eq!(p.reasons(), [reason], "{:#}", p.json);
    assert_eq!(p.exit, 1);
    let p = plan(good);
    assert_eq!(p.status(), 200, "{:#}", p.json);
    assert_eq!(p.exit, 0);
}

#[test]
fn worked_example_redeem_ten_of_twenty_five_ends_at_35_and_15() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("after.json");
    let p = run_plan(
        Path::new("samples/history/before-redeem-ten.json"),
        Path::new("samples/api/redeem-ten-request.json"),
        &["--output", out.to_str().unwrap()],
    );
    assert_eq!(p.status(), 200, "{:#}", p.json);
    assert_eq!(p.exit, 0);
    let after: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let code = &after["authCodes"][0];
    // The page's first response: "keysRedeemed": 35, "keysRemaining ": 15.
    assert_eq!(code["keysRedeemed"], 35);
    assert_eq!(code["keysRemaining"], 15);
    let keys = code["licenseKeys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "one new key for the one code redeemed");
    assert_eq!(keys[1]["state"], "not installed");
    assert!(keys[1]["licenseKeyId"].as_str().unwrap().starts_with("unknown"));
    assert_eq!(keys[1]["quantity"], 10);
}

#[test]
fn refused_call_writes_no_output_and_existing_output_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let e = dir.path().join("export.json");
    std::fs::write(&e, current().to_string()).unwrap();
    let r = dir.path().join("request.json");
    std::fs::write(&r, redeem_one(C, json!(1)).to_string()).unwrap();
    let out = dir.path().join("after.json");
    let p = run_plan(&e, &r, &["--output", out.to_str().unwrap()]);
    assert_eq!(p.status(), 409);
    assert!(!out.exists());
    std::fs::write(&out, "keep me").unwrap();
    std::fs::write(&r, redeem_one(A, json!(1)).to_string()).unwrap();
    Command::cargo_bin("fodpack")
        .unwrap()
        .args(["plan", "--current"])
        .arg(&e)
        .arg(&r)
        .arg("--output")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--force"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me");
}

#[test]
fn plan_refuses_an_export_given_as_the_request_with_exit_2() {
    Command::cargo_bin("fodpack")
        .unwrap()
        .args(["plan", "--current", "samples/history/before-redeem-ten.json"])
        .arg("samples/api/redeem-ten-response.json")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("this is a put-response"));
}

#[test]
fn reason_malformed_request() {
    let p = plan_text(&format!("{{\"authCodes\": [{{\"authCode\": \"{A}\", \"keysRedeemQty\": 5,"));
    assert_eq!(p.status(), 400);
    assert_eq!(p.reasons(), ["malformed-request"]);
    let mut bad = redeem_one(A, json!(5));
    bad["authCodes"][0]["licenseKeys"] = json!(5);
    refused_then_fixed(&bad, 400, "malformed-request", &redeem_one(A, json!(5)));
}

#[test]
fn reason_nothing_requested() {
    let bad = json!({"authCodes": [], "customerInfo": {"firstName": ""}});
    let good = json!({"authCodes": [], "customerInfo": {"firstName": "Jane"}});
    refused_then_fixed(&bad, 400, "nothing-requested", &good);
}

#[test]
fn reason_missing_auth_code() {
    let bad = json!({"authCodes": [entry_all(""), entry_all(B)]});
    let good = json!({"authCodes": [entry_all(A), entry_all(B)]});
    refused_then_fixed(&bad, 400, "missing-auth-code", &good);
}

#[test]
fn reason_duplicate_code() {
    let bad = json!({"authCodes": [entry_all(B), entry_all(B)]});
    let good = json!({"authCodes": [entry_all(A), entry_all(B)]});
    refused_then_fixed(&bad, 400, "duplicate-code", &good);
}

#[test]
fn reason_missing_customer_number() {
    let mut bad = redeem_one(A, json!(5));
    bad["authCodes"][0]["lenovoCustomerNumber"] = json!("");
    refused_then_fixed(&bad, 400, "missing-customer-number", &redeem_one(A, json!(5)));
}

#[test]
fn reason_missing_redeem_qty() {
    let mut bad = redeem_one(A, json!(5));
    let entry = bad["authCodes"][0].as_object_mut().unwrap();
    entry.remove("keysRedeemQty");
    entry.insert("retrieveKeys".into(), json!(false));
    refused_then_fixed(&bad, 400, "missing-redeem-qty", &redeem_one(A, json!(25)));
}

#[test]
fn reason_redeem_qty_not_positive() {
    refused_then_fixed(
        &redeem_one(A, json!(0)),
        400,
        "redeem-qty-not-positive",
        &redeem_one(A, json!(1)),
    );
}

#[test]
fn reason_redeem_key_state() {
    let mut bad = redeem_one(A, json!(5));
    bad["authCodes"][0]["licenseKeys"][0]["state"] = json!("installed");
    refused_then_fixed(&bad, 400, "redeem-key-state", &redeem_one(A, json!(5)));
}

#[test]
fn reason_retrieve_without_target() {
    let bad = json!({"authCodes": [{"authCode": "", "retrieveKeys": true}]});
    let good = json!({"authCodes": [{"authCode": "", "lenovoCustomerNumber": CUSTOMER, "retrieveKeys": true}]});
    refused_then_fixed(&bad, 400, "retrieve-without-target", &good);
}

#[test]
fn reason_missing_key_id() {
    refused_then_fixed(
        &patch(A, "", "installed"),
        400,
        "missing-key-id",
        &patch(A, "00001", "installed"),
    );
}

#[test]
fn reason_patch_state() {
    refused_then_fixed(
        &patch(A, "00001", "not installed"),
        400,
        "patch-state",
        &patch(A, "00001", "downloaded"),
    );
}

#[test]
fn reason_unknown_code() {
    let bad = redeem_one("WW9ZZZZZZZZZZZZZZZZZZZ", json!(5));
    refused_then_fixed(&bad, 409, "unknown-code", &redeem_one(B, json!(5)));
}

#[test]
fn reason_unknown_customer() {
    let bad = json!({"authCodes": [{"authCode": "", "lenovoCustomerNumber": "9999999999", "retrieveKeys": true}]});
    let good = json!({"authCodes": [{"authCode": "", "lenovoCustomerNumber": CUSTOMER, "retrieveKeys": true}]});
    refused_then_fixed(&bad, 409, "unknown-customer", &good);
}

#[test]
fn reason_unknown_key() {
    // 00002 exists, but under another code.
    refused_then_fixed(
        &patch(A, "00002", "installed"),
        409,
        "unknown-key",
        &patch(A, "00001", "installed"),
    );
}

#[test]
fn reason_redeem_qty_exceeds_remaining() {
    // 25 remain on A: 26 is one too many, 25 redeems them all.
    refused_then_fixed(
        &redeem_one(A, json!(26)),
        409,
        "redeem-qty-exceeds-remaining",
        &redeem_one(A, json!(25)),
    );
}

#[test]
fn reason_nothing_to_redeem() {
    refused_then_fixed(
        &redeem_one(C, json!(1)),
        409,
        "nothing-to-redeem",
        &redeem_one(B, json!(1)),
    );
    // Several codes: everything remaining on each, and C has nothing.
    let bad = json!({"authCodes": [entry_all(A), entry_all(C)]});
    let p = plan(&bad);
    assert_eq!((p.status(), p.reasons()), (409, vec!["nothing-to-redeem".to_string()]));
}

#[test]
fn reason_nothing_to_retrieve() {
    let bad = json!({"authCodes": [{"authCode": B, "retrieveKeys": true}]});
    let good = json!({"authCodes": [{"authCode": A, "retrieveKeys": true}]});
    refused_then_fixed(&bad, 409, "nothing-to-retrieve", &good);
}

#[test]
fn reason_idempotent_changed() {
    let mut bad = redeem_one(A, json!(5));
    bad["authCodes"][0]["partNumber"] = json!("00D4695");
    let mut good = redeem_one(A, json!(5));
    // An empty string leaves the attribute unchanged.
    good["authCodes"][0]["partNumber"] = json!("");
    refused_then_fixed(&bad, 409, "idempotent-changed", &good);
    let mut bad = redeem_one(A, json!(5));
    bad["authCodes"][0]["keysRemaining"] = json!(40);
    let p = plan(&bad);
    assert_eq!((p.status(), p.reasons()), (409, vec!["idempotent-changed".to_string()]));
}

#[test]
fn bad_request_outranks_conflict() {
    // Unknown code (409) and no customer number (400): the request is refused as it stands.
    let mut bad = redeem_one("WW9ZZZZZZZZZZZZZZZZZZZ", json!(5));
    bad["authCodes"][0]["lenovoCustomerNumber"] = json!("");
    let p = plan(&bad);
    assert_eq!(p.status(), 400);
    let mut reasons = p.reasons();
    reasons.sort();
    assert_eq!(reasons, ["missing-customer-number", "unknown-code"]);
}

#[test]
fn several_codes_redeem_everything_that_remains() {
    let dir = tempfile::tempdir().unwrap();
    let e = dir.path().join("export.json");
    std::fs::write(&e, current().to_string()).unwrap();
    let r = dir.path().join("request.json");
    std::fs::write(&r, json!({"authCodes": [entry_all(A), entry_all(B)]}).to_string()).unwrap();
    let out: PathBuf = dir.path().join("after.json");
    let p = run_plan(&e, &r, &["--output", out.to_str().unwrap()]);
    assert_eq!(p.status(), 200);
    let after: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    // A: 25 + 25 -> 50 + 0; B: 0 + 10 -> 10 + 0; C untouched.
    assert_eq!(after["authCodes"][0]["keysRedeemed"], 50);
    assert_eq!(after["authCodes"][0]["keysRemaining"], 0);
    assert_eq!(after["authCodes"][1]["keysRedeemed"], 10);
    assert_eq!(after["authCodes"][1]["keysRemaining"], 0);
    assert_eq!(after["authCodes"][2]["keysRedeemed"], 50);
}

#[test]
fn plan_makes_no_prediction_from_an_export_with_errors() {
    let dir = tempfile::tempdir().unwrap();
    let text = serde_json::to_string_pretty(&current()).unwrap();
    // A count of 25.5 is no count; a prediction from it would move licenses that are not there.
    let broken = text.replacen("\"keysRedeemed\": 25", "\"keysRedeemed\": 25.5", 1);
    assert_ne!(broken, text);
    let e = dir.path().join("export.json");
    std::fs::write(&e, broken).unwrap();
    let r = dir.path().join("request.json");
    std::fs::write(&r, serde_json::to_string(&redeem_one(A, json!(10))).unwrap()).unwrap();
    let out_file = dir.path().join("after.json");
    let p = run_plan(&e, &r, &["--output", out_file.to_str().unwrap()]);
    assert_eq!(p.exit, 2, "{:#}", p.json);
    assert!(p.json.get("status").is_none(), "no status without a prediction: {:#}", p.json);
    let findings = p.json["inputs"][0]["findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| f["code"] == "count-invalid"), "{:#}", p.json);
    assert!(!out_file.exists());
    // The same request against the export as it should be is predicted.
    std::fs::write(&e, text).unwrap();
    assert_eq!(run_plan(&e, &r, &[]).exit, 0);
}

#[test]
fn plan_will_not_write_its_prediction_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let e = dir.path().join("export.json");
    let text = serde_json::to_string_pretty(&current()).unwrap();
    std::fs::write(&e, &text).unwrap();
    let r = dir.path().join("request.json");
    std::fs::write(&r, serde_json::to_string(&redeem_one(A, json!(10))).unwrap()).unwrap();
    let out = Command::cargo_bin("fodpack")
        .unwrap()
        .args(["plan", "--force", "--current"])
        .arg(&e)
        .arg(&r)
        .arg("--output")
        .arg(&e)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is one of the inputs"));
    assert_eq!(std::fs::read_to_string(&e).unwrap(), text);
}
