//! Request bodies that the server accepts the first time: strict JSON, numbers as numbers,
//! only the fields each call needs.

use crate::model::KeyState;
use serde_json::{Map, Value, json};

pub use crate::model::CUSTOMER_FIELDS;

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

/// Reads customer fields from a JSON object, or from a document with a `customerInfo`
/// member, read as leniently as `validate` reads (a byte order mark, UTF-16, trailing commas).
/// Unknown fields, fields given twice and values that are not strings are refused, with the
/// line and column.
pub fn customer_fields_from_bytes(bytes: &[u8]) -> Result<Vec<(String, String)>, String> {
    use jsonc_parser::ast::Value as Ast;
    use jsonc_parser::common::Ranged;
    let (text, _) = crate::document::decode(bytes).map_err(|f| f.message)?;
    let source = crate::document::Source::new(text);
    let at = |offset: usize| {
        let (l, c) = source.line_column(offset);
        format!("line {l}, column {c}")
    };
    let mut out = crate::rules::Collector::new();
    let Some(root) = crate::document::parse(&source, &mut out) else {
        let f = out.findings().iter().find(|f| f.severity == crate::rules::Severity::Error);
        return Err(f.map_or_else(
            || "not JSON".to_string(),
            |f| {
                let (l, c) = (f.location.line.unwrap_or(0), f.location.column.unwrap_or(0));
                format!("line {l}, column {c}: {}", f.message)
            },
        ));
    };
    let Ast::Object(top) = &root else {
        return Err("expected a JSON object of customer fields, or a document with \
                    customerInfo"
            .to_string());
    };
    let member = |name: &str| top.properties.iter().find(|p| p.name.as_str().trim() == name);
    let object = match member("customerInfo").map(|p| &p.value) {
        Some(Ast::Object(inner)) => inner,
        Some(v) => return Err(format!("{}: customerInfo is not an object", at(v.range().start))),
        None if member("authCodes").is_some() => {
            return Err("this document has no customerInfo; give a file with the customer \
                        fields, or a PUT /authCodes response that has them"
                .to_string());
        }
        None => top,
    };
    let mut fields: Vec<(String, String)> = Vec::new();
    for p in &object.properties {
        let name = p.name.as_str().trim();
        let place = at(p.range.start);
        if !CUSTOMER_FIELDS.contains(&name) {
            let hint = crate::rules::nearest(name, CUSTOMER_FIELDS)
                .map(|s| format!("; did you mean \"{s}\"?"))
                .unwrap_or_else(|| format!("; the fields are {}", CUSTOMER_FIELDS.join(", ")));
            return Err(format!(
                "{place}: unknown customer field \"{}\"{hint}",
                name.escape_debug()
            ));
        }
        if fields.iter().any(|(n, _)| n == name) {
            return Err(format!("{place}: \"{name}\" is given twice; keep one"));
        }
        match &p.value {
            Ast::StringLit(s) => fields.push((name.to_string(), s.value.to_string())),
            _ => return Err(format!("{place}: \"{name}\" is not a string; write it in quotes")),
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
