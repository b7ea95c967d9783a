//! Properties over generated exports and requests: `plan` conserves redeemed plus remaining,
//! never predicts a negative count, and `diff` from an export to the state `plan` predicts
//! from it reports no error; every body `request` writes validates with no finding.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use fodpack::history::{self, diff, plan, request, snapshot, transitions};
use fodpack::model::KeyState;
use fodpack::rules::Severity;
use fodpack::validate::{self, Options};
use proptest::prelude::*;
use serde_json::{Value, json};

const CUSTOMER: &str = "1234567890";
const STATES: [&str; 3] = ["not installed", "downloaded", "installed"];

#[derive(Clone, Debug)]
struct GenCode {
    redeemed: i64,
    remaining: i64,
    keys: Vec<usize>,
}

#[derive(Clone, Debug)]
enum GenRequest {
    One { code: usize, qty: u32 },
    Several { codes: Vec<usize> },
    Retrieve { code: usize },
    Patch { code: usize, key: usize, install: bool },
}

fn name(i: usize) -> String {
    format!("WW{i:020}")
}

fn export_json(codes: &[GenCode]) -> Value {
    let mut next_key = 0;
    let codes: Vec<Value> = codes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let keys: Vec<Value> = c
                .keys
                .iter()
                .map(|s| {
                    next_key += 1;
                    json!({"customerNumber": CUSTOMER, "licenseKeyId": format!("{next_key:05}"), "state": STATES[*s]})
                })
                .collect();
            json!({
                "authCode": name(i), "errorMsg": "", "featureCode": "1341",
                "featureDescription": "Lenovo XClarity Pro", "keysRedeemed": c.redeemed,
                "keysRemaining": c.remaining, "lenovoCustomerNumber": CUSTOMER,
                "licenseKeys": keys, "partNumber": "5641PX5", "purchaseOrder": "00000000",
                "salesOrder": "999999999", "startDate": "2020-06-02"
            })
        })
        .collect();
    json!({"authCodes": codes})
}

fn request_json(req: &GenRequest, codes: &[GenCode]) -> Value {
    match req {
        GenRequest::One { code, qty } => request::redeem_one(&name(*code), *qty, CUSTOMER),
        GenRequest::Several { codes } => {
            let names: Vec<String> = codes.iter().map(|i| name(*i)).collect();
            request::redeem_all(&names, Some(CUSTOMER))
        }
        GenRequest::Retrieve { code } => request::retrieve_code(&name(*code)),
        GenRequest::Patch { code, key, install } => {
            let first: usize = codes[..*code].iter().map(|c| c.keys.len()).sum();
            let id = format!("{:05}", first + key + 1);
            let state = if *install { KeyState::Installed } else { KeyState::Downloaded };
            request::patch(&name(*code), &[id], state)
        }
    }
}

fn codes_strategy() -> impl Strategy<Value = Vec<GenCode>> {
    prop::collection::vec(
        (0i64..500, 0i64..500, prop::collection::vec(0usize..3, 0..3))
            .prop_map(|(redeemed, remaining, keys)| GenCode { redeemed, remaining, keys }),
        1..5,
    )
}

fn case() -> impl Strategy<Value = (Vec<GenCode>, GenRequest)> {
    codes_strategy().prop_flat_map(|codes| {
        let n = codes.len();
        let with_keys: Vec<usize> = (0..n).filter(|i| !codes[*i].keys.is_empty()).collect();
        let one = (0..n, 1u32..600).prop_map(|(code, qty)| GenRequest::One { code, qty });
        let several = prop::sample::subsequence((0..n).collect::<Vec<_>>(), 0..=n)
            .prop_filter("several codes", |v| v.len() >= 2)
            .prop_map(|codes| GenRequest::Several { codes });
        let retrieve = (0..n).prop_map(|code| GenRequest::Retrieve { code });
        let c2 = codes.clone();
        let patch = if with_keys.is_empty() {
            (0..n).prop_map(|code| GenRequest::Retrieve { code }).boxed()
        } else {
            (prop::sample::select(with_keys), any::<prop::sample::Index>(), any::<bool>())
                .prop_map(move |(code, k, install)| GenRequest::Patch {
                    code,
                    key: k.index(c2[code].keys.len()),
                    install,
                })
                .boxed()
        };
        let req = if n >= 2 {
            prop_oneof![one, several, retrieve, patch].boxed()
        } else {
            prop_oneof![one, retrieve, patch].boxed()
        };
        (Just(codes), req)
    })
}

/// What the vendor's page says the answer is, computed without the code under test.
fn expected_status(codes: &[GenCode], req: &GenRequest) -> u16 {
    match req {
        GenRequest::One { code, qty } => {
            let left = codes[*code].remaining;
            if left > 0 && i64::from(*qty) <= left { 200 } else { 409 }
        }
        GenRequest::Several { codes: picked } => {
            if picked.iter().all(|i| codes[*i].remaining > 0) {
                200
            } else {
                409
            }
        }
        GenRequest::Retrieve { code } => {
            let c = &codes[*code];
            if c.redeemed > 0 || !c.keys.is_empty() { 200 } else { 409 }
        }
        GenRequest::Patch { .. } => 200,
    }
}

fn load(name: &str, v: &Value) -> history::Loaded {
    history::load_bytes(name.to_string(), snapshot::to_pretty(v).as_bytes()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn plan_conserves_totals_never_goes_negative_and_diffs_clean((codes, req) in case()) {
        let export = load("export.json", &export_json(&codes));
        let body = request_json(&req, &codes);
        let request = load("request.json", &body);
        let p = plan::plan(&export, &request).unwrap();
        prop_assert_eq!(p.status, expected_status(&codes, &req), "{:?}", p.reasons);
        let Some(predicted) = p.predicted else { return Ok(()) };
        let after = load("after.json", &snapshot::to_json(&predicted));
        let before_doc = export.snapshot().unwrap();
        let after_doc = after.snapshot().unwrap();
        prop_assert_eq!(before_doc.codes.len(), after_doc.codes.len());
        for (b, a) in before_doc.codes.iter().zip(&after_doc.codes) {
            prop_assert_eq!(transitions::total(b), transitions::total(a));
            prop_assert!(a.keys_redeemed.as_ref().unwrap().value >= 0);
            prop_assert!(a.keys_remaining.as_ref().unwrap().value >= 0);
        }
        let d = diff::diff(&export, &after).unwrap();
        let errors: Vec<_> = d.findings.iter().filter(|f| f.severity == Severity::Error).collect();
        prop_assert!(errors.is_empty(), "{:?}", errors);
    }

    #[test]
    fn every_request_body_validates_with_no_finding((codes, req) in case()) {
        let text = snapshot::to_pretty(&request_json(&req, &codes));
        let report = validate::check_bytes("body".into(), text.as_bytes(), &Options::new());
        prop_assert!(report.findings.is_empty(), "{:?}\n{}", report.findings, text);
    }
}
