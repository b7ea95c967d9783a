//! Which authCodes document a JSON value is, decided by its content.

use jsonc_parser::ast::{ObjectProp, Value};
use serde::Serialize;

/// The kinds of input fodpack knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The answer to `GET /authCodes`.
    Export,
    /// A `PUT /authCodes` body: redeem, retrieve keys, or change customer information.
    PutRequest,
    /// The answer to `PUT /authCodes`.
    PutResponse,
    /// A `PATCH /authCodes` body: install or download keys.
    PatchRequest,
    /// A `POST /authCodes` body: add a code or a customer number.
    PostRequest,
    /// The answer to `GET /licenseCountries`.
    LicenseCountries,
    /// A license-activation key file.
    Key,
    /// Anything else.
    Unknown,
}

impl Kind {
    /// The kebab-case name used in output and by `--kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Export => "export",
            Kind::PutRequest => "put-request",
            Kind::PutResponse => "put-response",
            Kind::PatchRequest => "patch-request",
            Kind::PostRequest => "post-request",
            Kind::LicenseCountries => "license-countries",
            Kind::Key => "key",
            Kind::Unknown => "unknown",
        }
    }

    /// Whether documents of this kind describe the state of codes (exports and responses).
    pub fn is_snapshot(self) -> bool {
        matches!(self, Kind::Export | Kind::PutResponse)
    }

    /// Every kind that `--kind` accepts for JSON documents.
    pub const JSON_KINDS: [Kind; 6] = [
        Kind::Export,
        Kind::PutRequest,
        Kind::PutResponse,
        Kind::PatchRequest,
        Kind::PostRequest,
        Kind::LicenseCountries,
    ];
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn prop<'t, 'a>(props: &'t [ObjectProp<'a>], name: &str) -> Option<&'t ObjectProp<'a>> {
    props.iter().find(|p| p.name.as_str().trim() == name)
}

fn has(props: &[ObjectProp<'_>], name: &str) -> bool {
    prop(props, name).is_some()
}

/// Decides the kind of a parsed document, or says why it is none of them.
///
/// The rules, in order (field names are compared with surrounding white space removed):
/// `authCodes` as a single object is the per-code PUT form; `authCodes` entries with
/// `keysRedeemQty` or `retrieveKeys` are a PUT request; entries with only `authCode` and
/// `licenseKeys`, whose keys carry only an ID and a state, are a PATCH request; entries none
/// of which state `keysRedeemed` or `keysRemaining` are a PUT request; an empty
/// `authCodes` with `customerInfo` is a PUT request that changes customer information; other
/// documents with `customerInfo` are PUT responses, and without it exports. Top-level
/// `authCode` or `lenovoCustomerNumber` is a POST request; `countries` or `languages` is a
/// `GET /licenseCountries` answer.
pub fn recognise(root: &Value<'_>) -> Result<Kind, String> {
    let Value::Object(obj) = root else {
        let what = match root {
            Value::Array(_) => "an array",
            Value::StringLit(_) => "a string",
            Value::NumberLit(_) => "a number",
            Value::BooleanLit(_) => "a boolean",
            Value::NullKeyword(_) => "null",
            Value::Object(_) => "an object",
        };
        return Err(format!(
            "the top level is {what}; an authCodes document is an object with an \"authCodes\" \
             field (an export, or a PUT/PATCH body), or with \"authCode\" (a POST body)"
        ));
    };
    let props = &obj.properties;
    if let Some(codes) = prop(props, "authCodes") {
        let entries = match &codes.value {
            Value::Object(_) => return Ok(Kind::PutRequest),
            Value::Array(a) => &a.elements,
            // A wrong type is reported when the fields are read; the kind is still plain.
            _ => {
                return Ok(if has(props, "customerInfo") {
                    Kind::PutResponse
                } else {
                    Kind::Export
                });
            }
        };
        let objects = entries.iter().filter_map(|e| match e {
            Value::Object(o) => Some(&o.properties),
            _ => None,
        });
        let mut patch_like = !entries.is_empty();
        let mut counted = false;
        for code in objects {
            if has(code, "keysRedeemQty") || has(code, "retrieveKeys") {
                return Ok(Kind::PutRequest);
            }
            patch_like &= is_patch_entry(code);
            counted |= has(code, "keysRedeemed") || has(code, "keysRemaining");
        }
        if patch_like {
            return Ok(Kind::PatchRequest);
        }
        // Exports and responses state the counts of every code; a body without any is a
        // request that redeems everything remaining.
        if !entries.is_empty() && !counted {
            return Ok(Kind::PutRequest);
        }
        if has(props, "customerInfo") {
            return Ok(if entries.is_empty() { Kind::PutRequest } else { Kind::PutResponse });
        }
        return Ok(Kind::Export);
    }
    if has(props, "authCode") || has(props, "lenovoCustomerNumber") {
        return Ok(Kind::PostRequest);
    }
    if has(props, "countries") || has(props, "languages") {
        return Ok(Kind::LicenseCountries);
    }
    let names: Vec<String> =
        props.iter().take(5).map(|p| format!("\"{}\"", p.name.as_str())).collect();
    let found = if names.is_empty() {
        "it is an empty object".to_string()
    } else {
        format!("its fields are {}", names.join(", "))
    };
    Err(format!(
        "this JSON object is not an authCodes document: {found}; expected \"authCodes\" (an \
         export or a PUT/PATCH body) or \"authCode\" (a POST body). If it is one, say which \
         with --kind"
    ))
}

/// A PATCH entry names a code and its keys' new states, and nothing else.
fn is_patch_entry(code: &[ObjectProp<'_>]) -> bool {
    let only_patch_fields =
        code.iter().all(|p| matches!(p.name.as_str().trim(), "authCode" | "licenseKeys"));
    let keys = match prop(code, "licenseKeys").map(|p| &p.value) {
        Some(Value::Array(a)) => &a.elements,
        _ => return false,
    };
    only_patch_fields
        && !keys.is_empty()
        && keys.iter().all(|k| match k {
            Value::Object(o) => o
                .properties
                .iter()
                .all(|p| matches!(p.name.as_str().trim(), "licenseKeyId" | "state")),
            _ => false,
        })
}
