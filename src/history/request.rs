//! Request bodies that the server accepts the first time: strict JSON, numbers as numbers,
//! only the fields each call needs.

use crate::model::KeyState;
use serde_json::{Map, Value, json};

/// The customer fields, in the order of the vendor's page (the reader knows the same list).
pub const CUSTOMER_FIELDS: &[&str] = &[
    "companyNameInEnglish",
    "companyNameInLocalLanguage",
    "contactPhoneNumber",
    "contactEmailAddress",
    "customerAddress",
    "customerCity",
    "customerRegionStateOrProvince",
    "customerPostalCode",
    "country",
    "firstName",
    "lastName",
    "preferredLanguage",
];

/// The HTTP method a body goes with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `PUT /authCodes`: redeem, retrieve, customer information.
    Put,
    /// `PATCH /authCodes`: install, download.
    Patch,
}

impl Method {
    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Put => "PUT",
            Method::Patch => "PATCH",
        }
    }
}

/// Redeems `quantity` licenses of one code. The vendor's page asks for the customer number
/// and a key in state "not installed" besides the code and the quantity.
pub fn redeem_one(code: &str, quantity: u32, customer: &str) -> Value {
    json!({
        "authCodes": [{
            "authCode": code,
            "keysRedeemQty": quantity,
            "lenovoCustomerNumber": customer,
            "licenseKeys": [{"customerNumber": customer, "state": "not installed"}],
        }]
    })
}

/// Redeems everything that remains on each of several codes. `retrieveKeys: false` is written
/// as the vendor's example does; it also tells this body from a PATCH body.
pub fn redeem_all(codes: &[String], customer: Option<&str>) -> Value {
    let entries: Vec<Value> = codes
        .iter()
        .map(|code| {
            let mut m = Map::new();
            m.insert("authCode".into(), json!(code));
            let mut key = Map::new();
            if let Some(c) = customer {
                m.insert("lenovoCustomerNumber".into(), json!(c));
                key.insert("customerNumber".into(), json!(c));
            }
            key.insert("state".into(), json!(KeyState::NotInstalled.as_str()));
            m.insert("licenseKeys".into(), Value::Array(vec![Value::Object(key)]));
            m.insert("retrieveKeys".into(), json!(false));
            Value::Object(m)
        })
        .collect();
    json!({ "authCodes": entries })
}

/// Retrieves the keys of one code.
pub fn retrieve_code(code: &str) -> Value {
    json!({"authCodes": [{"authCode": code, "retrieveKeys": true}]})
}

/// Retrieves the keys of every code of a customer. `authCode` is written empty, which the
/// page reads as "not given": the PUT body lists it for every entry.
pub fn retrieve_customer(customer: &str) -> Value {
    json!({"authCodes": [{"authCode": "", "lenovoCustomerNumber": customer, "retrieveKeys": true}]})
}

/// Sets customer information: the fields given, in the vendor's order; the others are left
/// out, which leaves them unchanged.
pub fn customer(fields: &[(String, String)]) -> Value {
    let mut info = Map::new();
    for name in CUSTOMER_FIELDS {
        if let Some((_, v)) = fields.iter().rev().find(|(n, _)| n == name) {
            info.insert((*name).to_string(), json!(v));
        }
    }
    json!({"authCodes": [], "customerInfo": Value::Object(info)})
}

/// A PATCH body that sets keys of one code to `state` (installed or downloaded). The vendor
/// does not publish this body; this shape is our reading of the calls around it.
pub fn patch(code: &str, keys: &[String], state: KeyState) -> Value {
    let keys: Vec<Value> =
        keys.iter().map(|k| json!({"licenseKeyId": k, "state": state.as_str()})).collect();
    json!({"authCodes": [{"authCode": code, "licenseKeys": keys}]})
}

/// Reads customer fields from a JSON object, or from one with a `customerInfo` member.
/// Unknown fields and values that are not strings are refused, with the nearest known name.
pub fn customer_fields_from_json(text: &str) -> Result<Vec<(String, String)>, String> {
    let value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| format!("not strict JSON: {e}"))?;
    let object = match &value {
        Value::Object(m) => match m.get("customerInfo") {
            Some(Value::Object(inner)) => inner,
            Some(_) => return Err("customerInfo is not an object".to_string()),
            None => m,
        },
        _ => return Err("expected a JSON object of customer fields".to_string()),
    };
    let mut fields = Vec::new();
    for (name, v) in object {
        if !CUSTOMER_FIELDS.contains(&name.as_str()) {
            let hint = crate::rules::nearest(name, CUSTOMER_FIELDS)
                .map(|s| format!("; did you mean \"{s}\"?"))
                .unwrap_or_else(|| format!("; the fields are {}", CUSTOMER_FIELDS.join(", ")));
            return Err(format!("unknown customer field \"{}\"{hint}", name.escape_debug()));
        }
        match v {
            Value::String(s) => fields.push((name.clone(), s.clone())),
            _ => return Err(format!("\"{name}\" is not a string; write it in quotes")),
        }
    }
    Ok(fields)
}

/// The body as pretty-printed strict JSON with a final newline.
pub fn to_text(body: &Value) -> String {
    super::snapshot::to_pretty(body)
}

/// A curl command that sends the body. The host is a placeholder, and no credentials are
/// written: the user adds their own, so none end up in shell history or scripts.
pub fn curl(method: Method, body: &str) -> String {
    format!(
        "# Replace LXCA_HOST with the management server's address, and add your credentials\n\
         # (for example --user USERNAME, which asks for the password).\n\
         curl --request {} 'https://LXCA_HOST/authCodes' \\\n  \
         --header 'Content-Type: application/json' \\\n  \
         --data-binary @- <<'FODPACK_BODY'\n{body}FODPACK_BODY\n",
        method.as_str()
    )
}
