//! Writing a snapshot of codes back out as strict JSON, for the state that `plan` predicts.

use crate::model::{AuthCode, Document, LicenseKey, Spanned};
use serde_json::{Map, Value, json};

/// A value made by fodpack rather than read from a file: it has no position.
pub fn made<T>(value: T) -> Spanned<T> {
    Spanned { value, offset: 0, pointer: String::new() }
}

/// The document as an export: `authCodes`, and `customerInfo` when it has one. Fields the
/// document did not have are left out; fields are in the vendor's (alphabetical) order.
pub fn to_json(doc: &Document) -> Value {
    let mut top = Map::new();
    top.insert("authCodes".into(), Value::Array(doc.codes.iter().map(code_json).collect()));
    if let Some(info) = &doc.customer {
        let fields: Map<String, Value> =
            info.fields.iter().map(|(k, v)| ((*k).to_string(), json!(v.value))).collect();
        top.insert("customerInfo".into(), Value::Object(fields));
    }
    Value::Object(top)
}

fn code_json(code: &AuthCode) -> Value {
    let mut m = Map::new();
    let text = |m: &mut Map<String, Value>, name: &str, v: &Option<Spanned<String>>| {
        if let Some(v) = v {
            m.insert(name.into(), json!(v.value));
        }
    };
    let count = |m: &mut Map<String, Value>, name: &str, v: &Option<Spanned<i64>>| {
        if let Some(v) = v {
            m.insert(name.into(), json!(v.value));
        }
    };
    text(&mut m, "authCode", &code.auth_code);
    text(&mut m, "errorMsg", &code.error_msg);
    text(&mut m, "featureCode", &code.feature_code);
    text(&mut m, "featureDescription", &code.feature_description);
    count(&mut m, "keysRedeemed", &code.keys_redeemed);
    count(&mut m, "keysRemaining", &code.keys_remaining);
    text(&mut m, "lenovoCustomerNumber", &code.lenovo_customer_number);
    m.insert("licenseKeys".into(), Value::Array(code.license_keys.iter().map(key_json).collect()));
    text(&mut m, "partNumber", &code.part_number);
    text(&mut m, "purchaseOrder", &code.purchase_order);
    text(&mut m, "salesOrder", &code.sales_order);
    text(&mut m, "startDate", &code.start_date);
    Value::Object(m)
}

fn key_json(key: &LicenseKey) -> Value {
    let mut m = Map::new();
    if let Some(v) = &key.customer_number {
        m.insert("customerNumber".into(), json!(v.value));
    }
    if let Some(v) = &key.license_key_id {
        m.insert("licenseKeyId".into(), json!(v.value));
    }
    if let Some(v) = &key.quantity {
        m.insert("quantity".into(), json!(v.value));
    }
    if let Some(v) = &key.state {
        m.insert("state".into(), json!(v.value));
    }
    Value::Object(m)
}

/// Pretty-printed strict JSON with a final newline.
pub fn to_pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}
