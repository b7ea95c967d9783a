//! `fodpack request`: every body it writes passes `validate` with no finding, and `plan`
//! against a matching export answers 200.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use serde_json::{Value, json};

const A: &str = "WW1AAAAAAAAAAAAAAAAAAA";
const B: &str = "WW2BBBBBBBBBBBBBBBBBBB";
const CUSTOMER: &str = "1234567890";

/// An export that each request below matches: A has 25 of 50 redeemed and two keys, B has
/// nothing redeemed yet.
fn export() -> Value {
    let code = |name: &str, redeemed: i64, remaining: i64, keys: Value| {
        json!({
            "authCode": name, "errorMsg": "", "featureCode": "1341 contact",
            "featureDescription": "Lenovo XClarity Pro", "keysRedeemed": redeemed,
            "keysRemaining": remaining, "lenovoCustomerNumber": CUSTOMER, "licenseKeys": keys,
            "partNumber": "5641PX5", "purchaseOrder": "00000000", "salesOrder": "999999999",
            "startDate": "2020-06-02"
        })
    };
    let key = |id: &str| json!({"customerNumber": CUSTOMER, "licenseKeyId": id, "state": "not installed"});
    json!({
        "authCodes": [code(A, 25, 25, json!([key("00001"), key("00002")])), code(B, 0, 10, json!([]))],
        "customerInfo": {"firstName": "Jane", "lastName": "Doe", "country": "US"}
    })
}

fn request(args: &[&str]) -> String {
    let out = Command::cargo_bin("fodpack").unwrap().arg("request").args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "no warnings: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Writes the body, checks that `validate` finds nothing and recognises `kind`, and that `plan`
/// answers 200.
fn round_trip(args: &[&str], kind: &str) {
    let body = request(args);
    let parsed: Value = serde_json::from_str(&body).expect("strict JSON");
    assert!(body.contains("\n  "), "pretty-printed");
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().join("request.json");
    std::fs::write(&r, &body).unwrap();
    let out = Command::cargo_bin("fodpack")
        .unwrap()
        .args(["validate", "--format", "json"])
        .arg(&r)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["files"][0]["kind"], kind, "{parsed:#}");
    assert_eq!(v["files"][0]["findings"], json!([]), "{parsed:#}");
    let e = dir.path().join("export.json");
    std::fs::write(&e, export().to_string()).unwrap();
    let out = Command::cargo_bin("fodpack")
        .unwrap()
        .args(["plan", "--format", "json", "--current"])
        .arg(&e)
        .arg(&r)
        .output()
        .unwrap();
    let p: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(p["status"], 200, "{p:#}");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn redeem_one_code_round_trips() {
    round_trip(&["redeem", "--code", A, "--qty", "10", "--customer", CUSTOMER], "put-request");
    let body: Value = serde_json::from_str(&request(&[
        "redeem",
        "--code",
        A,
        "--qty",
        "10",
        "--customer",
        CUSTOMER,
    ]))
    .unwrap();
    assert_eq!(body["authCodes"][0]["keysRedeemQty"], 10, "a number, not a string");
}

#[test]
fn redeem_several_codes_round_trips() {
    round_trip(&["redeem", "--code", A, "--code", B], "put-request");
    round_trip(&["redeem", "--code", A, "--code", B, "--customer", CUSTOMER], "put-request");
}

#[test]
fn retrieve_round_trips() {
    round_trip(&["retrieve", "--code", A], "put-request");
    round_trip(&["retrieve", "--customer", CUSTOMER], "put-request");
}

#[test]
fn customer_round_trips_from_flags_and_file() {
    round_trip(&["customer", "--first-name", "Jane", "--country", "US"], "put-request");
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("customer.json");
    std::fs::write(&f, r#"{"customerInfo": {"lastName": "Doe", "customerCity": "Rockville"}}"#)
        .unwrap();
    round_trip(&["customer", "--from", f.to_str().unwrap(), "--first-name", "Jo"], "put-request");
    let body: Value = serde_json::from_str(&request(&[
        "customer",
        "--from",
        f.to_str().unwrap(),
        "--last-name",
        "Roe",
    ]))
    .unwrap();
    assert_eq!(body["customerInfo"], json!({"customerCity": "Rockville", "lastName": "Roe"}));
}

#[test]
fn install_and_download_round_trip_as_patch_bodies() {
    round_trip(&["install", "--code", A, "--key", "00001"], "patch-request");
    round_trip(&["download", "--code", A, "--key", "00001", "--key", "00002"], "patch-request");
    let body: Value =
        serde_json::from_str(&request(&["install", "--code", A, "--key", "00001"])).unwrap();
    assert_eq!(
        body,
        json!({"authCodes": [{"authCode": A, "licenseKeys": [{"licenseKeyId": "00001", "state": "installed"}]}]})
    );
}

#[test]
fn curl_has_a_placeholder_host_the_method_and_no_credentials() {
    let text = request(&["--curl", "install", "--code", A, "--key", "00001"]);
    assert!(text.contains("curl --request PATCH 'https://LXCA_HOST/authCodes'"));
    assert!(text.contains("Content-Type: application/json"));
    let command: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    for line in &command {
        assert!(
            !line.contains("--user") && !line.contains(" -u ") && !line.contains("Authorization")
        );
    }
    let body_start = text.find("<<'FODPACK_BODY'\n").unwrap() + "<<'FODPACK_BODY'\n".len();
    let body_end = text.rfind("FODPACK_BODY\n").unwrap();
    let body: Value = serde_json::from_str(&text[body_start..body_end]).unwrap();
    assert_eq!(body["authCodes"][0]["licenseKeys"][0]["state"], "installed");
    let text = request(&["--curl", "redeem", "--code", A, "--qty", "1", "--customer", CUSTOMER]);
    assert!(text.contains("curl --request PUT 'https://LXCA_HOST/authCodes'"));
}

fn refused(args: &[&str], says: &str) {
    Command::cargo_bin("fodpack")
        .unwrap()
        .arg("request")
        .args(args)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicates::str::contains(says));
}

#[test]
fn bad_arguments_are_refused_with_the_fix() {
    refused(&["redeem", "--code", A, "--qty", "5"], "--customer NUMBER");
    refused(&["redeem", "--code", A, "--customer", CUSTOMER], "add --qty N");
    refused(&["redeem", "--code", A, "--code", B, "--qty", "5"], "drop --qty");
    refused(&["redeem", "--code", A, "--code", A], "given twice");
    refused(&["redeem", "--code", A, "--qty", "0", "--customer", CUSTOMER], "0");
    refused(
        &["redeem", "--code", "WW-1", "--qty", "1", "--customer", CUSTOMER],
        "letters and digits",
    );
    refused(&["customer"], "no customer information");
    refused(&["retrieve"], "--code");
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("c.json");
    std::fs::write(&f, r#"{"firstname": "Jane"}"#).unwrap();
    refused(&["customer", "--from", f.to_str().unwrap()], "did you mean \"firstName\"");
}

#[test]
fn customer_fields_are_read_leniently_but_never_given_twice() {
    let from_response = Command::cargo_bin("fodpack")
        .unwrap()
        .args(["request", "customer", "--from", "samples/api/redeem-ten-response.json"])
        .output()
        .unwrap();
    assert_eq!(from_response.status.code(), Some(0), "the vendor's own response, quirks and all");
    let body: Value = serde_json::from_slice(&from_response.stdout).unwrap();
    assert_eq!(body["customerInfo"]["lastName"], "Doe");
    let dir = tempfile::tempdir().unwrap();
    let twice = dir.path().join("twice.json");
    std::fs::write(&twice, r#"{"customerInfo": {"firstName": "A", "firstName": "B"}}"#).unwrap();
    let out = Command::cargo_bin("fodpack")
        .unwrap()
        .args(["request", "customer", "--from"])
        .arg(&twice)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("given twice"));
}

#[test]
fn empty_codes_and_key_ids_are_refused() {
    for args in [
        &["request", "redeem", "--code", "", "--qty", "1", "--customer", CUSTOMER][..],
        &["request", "install", "--code", A, "--key", ""][..],
    ] {
        let out = Command::cargo_bin("fodpack").unwrap().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: no body is written");
    }
}
