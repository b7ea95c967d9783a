//! From a syntax tree to the model, reporting every structural quirk on the way.

use super::{AuthCode, CountryList, CustomerInfo, Document, LicenseKey, PostBody, Spanned};
use crate::document::{Kind, Source, pointer_token};
use crate::rules::{Code, Collector, Finding, nearest};
use jsonc_parser::ast::{Object, ObjectProp, Value};
use jsonc_parser::common::Ranged;
use std::collections::HashMap;

const TOP_FIELDS: &[&str] = &["authCodes", "customerInfo"];
const POST_FIELDS: &[&str] = &["authCode", "lenovoCustomerNumber", "retrieveKeys"];
const CODE_FIELDS: &[&str] = &[
    "authCode",
    "errorMsg",
    "featureCode",
    "featureDescription",
    "keysRedeemed",
    "keysRedeemQty",
    "keysRemaining",
    "lenovoCustomerNumber",
    "licenseKeys",
    "partNumber",
    "purchaseOrder",
    "retrieveKeys",
    "salesOrder",
    "startDate",
];
const KEY_FIELDS: &[&str] = &["customerNumber", "licenseKeyId", "quantity", "state"];
/// The customer fields, as the vendor's page lists them.
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
const COUNTRY_FIELDS: &[&str] = &["countries", "languages"];
const COUNTRY_ENTRY_FIELDS: &[&str] = &["desc", "value"];

/// Reads a parsed document of a known kind into the model.
pub fn read_document(
    source: &Source,
    root: &Value<'_>,
    kind: Kind,
    out: &mut Collector,
) -> Option<Document> {
    let reader = Reader { source, kind };
    let Value::Object(obj) = root else {
        return None;
    };
    let mut doc = Document {
        kind,
        codes: Vec::new(),
        single_object: false,
        customer: None,
        post: None,
        countries: None,
    };
    match kind {
        Kind::PostRequest => {
            let f = reader.fields(obj, "", POST_FIELDS, out);
            doc.post = Some(PostBody {
                auth_code: reader.string(&f, "authCode", out),
                lenovo_customer_number: reader.string(&f, "lenovoCustomerNumber", out),
                retrieve_keys: reader.boolean(&f, "retrieveKeys", out),
            });
        }
        Kind::LicenseCountries => {
            let f = reader.fields(obj, "", COUNTRY_FIELDS, out);
            doc.countries = Some(CountryList {
                countries: reader.country_values(&f, "countries", out),
                languages: reader.country_values(&f, "languages", out),
            });
        }
        _ => {
            let f = reader.fields(obj, "", TOP_FIELDS, out);
            match f.get("authCodes") {
                None => reader.missing(&f, "authCodes", out),
                Some((Value::Array(a), ptr)) => {
                    for (i, v) in a.elements.iter().enumerate() {
                        let ptr = format!("{ptr}/{i}");
                        if let Some(o) = reader.object(v, &ptr, "an authorization code", out) {
                            doc.codes.push(reader.code(o, ptr, out));
                        }
                    }
                }
                Some((Value::Object(o), ptr)) if kind == Kind::PutRequest => {
                    doc.single_object = true;
                    doc.codes.push(reader.code(o, ptr, out));
                }
                Some((v, ptr)) => reader.wrong_type(v, &ptr, "an array of codes", out),
            }
            if let Some((v, ptr)) = f.get("customerInfo") {
                if let Some(o) = reader.object(v, &ptr, "customer information", out) {
                    doc.customer = Some(reader.customer(o, ptr, out));
                }
            }
        }
    }
    Some(doc)
}

/// The members of one object, by name with surrounding white space removed.
///
/// Pointers to members are made only when a member is read or reported, not for every member.
struct Fields<'t, 'a> {
    object: &'t Object<'a>,
    pointer: String,
    by_name: Members<'t, 'a>,
}

impl<'t, 'a> Fields<'t, 'a> {
    fn get(&self, name: &str) -> Option<(&'t Value<'a>, String)> {
        self.by_name.find(name).map(|p| (&p.value, member_pointer(&self.pointer, p)))
    }

    fn has(&self, name: &str) -> bool {
        self.by_name.find(name).is_some()
    }
}

/// Objects with up to this many members are searched in order, which is quicker than hashing
/// for the dozen fields of an auth code; larger ones get a hash index, so that a hostile
/// object with many members is still read in linear time.
const LINEAR_MEMBERS: usize = 24;

/// First members by trimmed name.
struct Members<'t, 'a> {
    list: Vec<(&'t str, &'t ObjectProp<'a>)>,
    index: HashMap<&'t str, usize>,
}

impl<'t, 'a> Members<'t, 'a> {
    fn with_capacity(n: usize) -> Self {
        Members { list: Vec::with_capacity(n), index: HashMap::new() }
    }

    fn find(&self, name: &str) -> Option<&'t ObjectProp<'a>> {
        if self.list.len() <= LINEAR_MEMBERS {
            self.list.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
        } else {
            self.index.get(name).map(|&i| self.list[i].1)
        }
    }

    fn insert(&mut self, name: &'t str, p: &'t ObjectProp<'a>) {
        self.list.push((name, p));
        let len = self.list.len();
        if len == LINEAR_MEMBERS + 1 {
            self.index = self.list.iter().enumerate().map(|(i, (n, _))| (*n, i)).collect();
        } else if len > LINEAR_MEMBERS + 1 {
            self.index.insert(name, len - 1);
        }
    }
}

fn member_pointer(object: &str, p: &ObjectProp<'_>) -> String {
    let token = pointer_token(p.name.as_str());
    let mut pointer = String::with_capacity(object.len() + 1 + token.len());
    pointer.push_str(object);
    pointer.push('/');
    pointer.push_str(&token);
    pointer
}

struct Reader<'s> {
    source: &'s Source,
    kind: Kind,
}

impl Reader<'_> {
    fn loc(&self, offset: usize, pointer: &str) -> crate::rules::Location {
        self.source.location(offset, Some(pointer.to_string()))
    }

    /// Indexes an object's members, reporting white space in names, duplicates and unknown
    /// fields.
    fn fields<'t, 'a>(
        &self,
        object: &'t Object<'a>,
        pointer: &str,
        known: &[&str],
        out: &mut Collector,
    ) -> Fields<'t, 'a> {
        let mut by_name = Members::with_capacity(object.properties.len());
        for p in &object.properties {
            let raw = p.name.as_str();
            let name = raw.trim();
            let ptr = || member_pointer(pointer, p);
            let at = p.name.range().start;
            if name != raw {
                out.report(
                    Code::FieldNameWhitespace,
                    format!(
                        "field name \"{}\" has white space around it; read as \"{name}\": \
                         remove the spaces inside the quotes",
                        raw.escape_debug()
                    ),
                    self.loc(at, &ptr()),
                );
            }
            if let Some(first) = by_name.find(name) {
                let first_loc = self.loc(first.name.range().start, &member_pointer(pointer, first));
                out.push(
                    Finding::new(
                        Code::DuplicateKey,
                        format!(
                            "field \"{name}\" appears twice in this object (first at line {}, \
                             column {}); readers disagree on which value counts: keep one",
                            first_loc.line.unwrap_or(0),
                            first_loc.column.unwrap_or(0)
                        ),
                        self.loc(at, &ptr()),
                    )
                    .with_related(first_loc),
                );
                continue;
            }
            if !known.contains(&name) {
                let hint = match nearest(name, known) {
                    Some(s) => format!("; did you mean \"{s}\"?"),
                    None => format!("; the fields of this object are: {}", known.join(", ")),
                };
                out.report(
                    Code::UnknownField,
                    format!(
                        "unknown field \"{}\" in {}{hint}",
                        name.escape_debug(),
                        self.kind.as_str()
                    ),
                    self.loc(at, &ptr()),
                );
            }
            by_name.insert(name, p);
        }
        Fields { object, pointer: pointer.to_string(), by_name }
    }

    fn missing(&self, f: &Fields<'_, '_>, name: &str, out: &mut Collector) {
        let what = if f.pointer.is_empty() { "the document" } else { "this object" };
        out.report(
            Code::MissingField,
            format!("{what} has no \"{name}\" field, which {} needs; add it", article(self.kind)),
            self.loc(f.object.range.start, if f.pointer.is_empty() { "" } else { &f.pointer }),
        );
    }

    fn wrong_type(&self, v: &Value<'_>, ptr: &str, expected: &str, out: &mut Collector) {
        out.report(
            Code::WrongType,
            format!("expected {expected} here, found {}", describe(v)),
            self.loc(v.range().start, ptr),
        );
    }

    fn object<'t, 'a>(
        &self,
        v: &'t Value<'a>,
        ptr: &str,
        what: &str,
        out: &mut Collector,
    ) -> Option<&'t Object<'a>> {
        match v {
            Value::Object(o) => Some(o),
            Value::NullKeyword(_) => None,
            _ => {
                self.wrong_type(v, ptr, &format!("an object ({what})"), out);
                None
            }
        }
    }

    fn code(&self, o: &Object<'_>, pointer: String, out: &mut Collector) -> AuthCode {
        let f = self.fields(o, &pointer, CODE_FIELDS, out);
        let snapshot = self.kind.is_snapshot();
        let patch = self.kind == Kind::PatchRequest;
        let required: &[&str] = if snapshot {
            &["authCode", "keysRedeemed", "keysRemaining", "licenseKeys"]
        } else if patch {
            &["authCode", "licenseKeys"]
        } else {
            &[]
        };
        for name in required {
            if !f.has(name) {
                self.missing(&f, name, out);
            }
        }
        let mut code = AuthCode {
            offset: o.range.start,
            auth_code: self.string(&f, "authCode", out),
            error_msg: self.string(&f, "errorMsg", out),
            feature_code: self.feature_code(&f, out),
            feature_description: self.string(&f, "featureDescription", out),
            keys_redeemed: self.count(&f, "keysRedeemed", out),
            keys_redeem_qty: self.count(&f, "keysRedeemQty", out),
            keys_remaining: self.count(&f, "keysRemaining", out),
            lenovo_customer_number: self.string(&f, "lenovoCustomerNumber", out),
            license_keys: Vec::new(),
            part_number: self.string(&f, "partNumber", out),
            purchase_order: self.string(&f, "purchaseOrder", out),
            retrieve_keys: self.boolean(&f, "retrieveKeys", out),
            sales_order: self.string(&f, "salesOrder", out),
            start_date: self.string(&f, "startDate", out),
            pointer,
        };
        if self.kind == Kind::PutRequest && code.auth_code.is_none() && !f.has("authCode") {
            self.missing(&f, "authCode", out);
        }
        match f.get("licenseKeys") {
            Some((Value::Array(a), ptr)) => {
                for (i, v) in a.elements.iter().enumerate() {
                    let ptr = format!("{ptr}/{i}");
                    if let Some(k) = self.object(v, &ptr, "a license key", out) {
                        code.license_keys.push(self.key(k, ptr, out));
                    }
                }
            }
            Some((Value::NullKeyword(_), _)) | None => {}
            Some((v, ptr)) => self.wrong_type(v, &ptr, "an array of license keys", out),
        }
        code
    }

    fn key(&self, o: &Object<'_>, pointer: String, out: &mut Collector) -> LicenseKey {
        let f = self.fields(o, &pointer, KEY_FIELDS, out);
        let required: &[&str] = if self.kind.is_snapshot() || self.kind == Kind::PatchRequest {
            &["licenseKeyId", "state"]
        } else {
            &[]
        };
        for name in required {
            if !f.has(name) {
                self.missing(&f, name, out);
            }
        }
        LicenseKey {
            offset: o.range.start,
            customer_number: self.string(&f, "customerNumber", out),
            license_key_id: self.string(&f, "licenseKeyId", out),
            quantity: self.count(&f, "quantity", out),
            state: self.string(&f, "state", out),
            pointer,
        }
    }

    fn customer(&self, o: &Object<'_>, pointer: String, out: &mut Collector) -> CustomerInfo {
        let f = self.fields(o, &pointer, CUSTOMER_FIELDS, out);
        let fields = CUSTOMER_FIELDS
            .iter()
            .filter_map(|name| self.string(&f, name, out).map(|v| (*name, v)))
            .collect();
        CustomerInfo { offset: o.range.start, pointer, fields }
    }

    fn country_values(&self, f: &Fields<'_, '_>, name: &str, out: &mut Collector) -> Vec<String> {
        let mut values = Vec::new();
        match f.get(name) {
            Some((Value::Array(a), ptr)) => {
                for (i, v) in a.elements.iter().enumerate() {
                    let ptr = format!("{ptr}/{i}");
                    if let Some(o) = self.object(v, &ptr, "a {desc, value} entry", out) {
                        let ef = self.fields(o, &ptr, COUNTRY_ENTRY_FIELDS, out);
                        match self.string(&ef, "value", out) {
                            Some(s) => values.push(s.value),
                            None => self.missing(&ef, "value", out),
                        }
                    }
                }
            }
            Some((v, ptr)) => self.wrong_type(v, &ptr, "an array", out),
            None => self.missing(f, name, out),
        }
        values
    }

    /// A string field. `null` reads as absent.
    fn string(
        &self,
        f: &Fields<'_, '_>,
        name: &str,
        out: &mut Collector,
    ) -> Option<Spanned<String>> {
        let (v, pointer) = f.get(name)?;
        match v {
            Value::StringLit(s) => {
                Some(Spanned { value: s.value.to_string(), offset: s.range.start, pointer })
            }
            Value::NullKeyword(_) => None,
            _ => {
                self.wrong_type(v, &pointer, "a string", out);
                None
            }
        }
    }

    /// `featureCode` is an integer in requests and a string in responses; both are read as
    /// text, since the value is an identifier, not a quantity.
    fn feature_code(&self, f: &Fields<'_, '_>, out: &mut Collector) -> Option<Spanned<String>> {
        match f.get("featureCode") {
            Some((Value::NumberLit(n), pointer)) => {
                Some(Spanned { value: n.value.to_string(), offset: n.range.start, pointer })
            }
            _ => self.string(f, "featureCode", out),
        }
    }

    fn boolean(
        &self,
        f: &Fields<'_, '_>,
        name: &str,
        out: &mut Collector,
    ) -> Option<Spanned<bool>> {
        let (v, pointer) = f.get(name)?;
        match v {
            Value::BooleanLit(b) => {
                Some(Spanned { value: b.value, offset: b.range.start, pointer })
            }
            Value::NullKeyword(_) => None,
            _ => {
                self.wrong_type(v, &pointer, "true or false", out);
                None
            }
        }
    }

    /// A count: a whole number. Strings of digits, `null` and `""` are read leniently.
    fn count(&self, f: &Fields<'_, '_>, name: &str, out: &mut Collector) -> Option<Spanned<i64>> {
        let (v, pointer) = f.get(name)?;
        let offset = v.range().start;
        let loc = || self.loc(offset, &pointer);
        match v {
            Value::NumberLit(n) => match parse_integer(n.value) {
                Ok(value) if value > MAX_COUNT => {
                    out.report(
                        Code::CountInvalid,
                        format!(
                            "\"{name}\" is {value}, more licenses than any order holds; write \
                             the real number"
                        ),
                        loc(),
                    );
                    None
                }
                Ok(value) => Some(Spanned { value, offset, pointer }),
                Err(why) => {
                    out.report(Code::CountInvalid, format!("\"{name}\" is {why}"), loc());
                    None
                }
            },
            Value::StringLit(s) if s.value.trim().is_empty() => {
                out.report(
                    Code::EmptyNumber,
                    format!("\"{name}\" is \"\"; write a whole number, or leave the field out"),
                    loc(),
                );
                None
            }
            Value::StringLit(s) => match parse_integer(s.value.trim()) {
                Ok(value) => {
                    out.report(
                        Code::NumberAsString,
                        format!(
                            "\"{name}\" is the string \"{}\"; write it as the number {value}, \
                             without quotes",
                            s.value.escape_debug()
                        ),
                        loc(),
                    );
                    Some(Spanned { value, offset, pointer })
                }
                Err(why) => {
                    out.report(
                        Code::CountInvalid,
                        format!("\"{name}\" is the string {why}"),
                        loc(),
                    );
                    None
                }
            },
            Value::NullKeyword(_) => {
                out.report(
                    Code::EmptyNumber,
                    format!("\"{name}\" is null; write a whole number, or leave the field out"),
                    loc(),
                );
                None
            }
            _ => {
                self.wrong_type(v, &pointer, "a whole number", out);
                None
            }
        }
    }
}

/// The largest count believed: the server's own counts are 32-bit, and sums of counts must not
/// overflow when a dry run adds them.
const MAX_COUNT: i64 = u32::MAX as i64;

/// Reads a whole number written in plain decimal digits.
fn parse_integer(text: &str) -> Result<i64, String> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse::<i64>().map_err(|_| {
            format!("{text}, too large to be a count; write the real number of licenses")
        });
    }
    let shown: String = text.chars().take(40).collect::<String>().escape_debug().to_string();
    Err(match text.parse::<f64>().ok() {
        Some(f) if f.is_infinite() => {
            format!("{shown}, too large to be a count; write the real number of licenses")
        }
        Some(f) if f.fract() == 0.0 && text.contains(['e', 'E']) => {
            format!("{shown}, written with an exponent; write it as a plain whole number")
        }
        Some(f) if f.is_finite() => {
            format!("{shown}, not a whole number; licenses are counted in whole numbers")
        }
        _ => format!("\"{shown}\", not a number; write a whole number"),
    })
}

/// The kind's name with its article: "an export", "a put-request".
pub fn article(kind: Kind) -> String {
    match kind {
        Kind::Export => "an export".to_string(),
        other => format!("a {other}"),
    }
}

fn describe(v: &Value<'_>) -> String {
    match v {
        Value::StringLit(s) => format!("the string \"{}\"", truncate(&s.value)),
        Value::NumberLit(n) => format!("the number {}", truncate(n.value)),
        Value::BooleanLit(b) => format!("{}", b.value),
        Value::Object(_) => "an object".to_string(),
        Value::Array(_) => "an array".to_string(),
        Value::NullKeyword(_) => "null".to_string(),
    }
}

fn truncate(s: &str) -> String {
    let mut t: String = s.chars().take(40).collect();
    if t.len() < s.len() {
        t.push('…');
    }
    t.escape_debug().to_string()
}

#[cfg(test)]
mod tests {
    use super::parse_integer;

    #[test]
    fn counts_are_plain_whole_numbers() {
        assert_eq!(parse_integer("10"), Ok(10));
        assert_eq!(parse_integer("-1"), Ok(-1));
        assert!(parse_integer("10.5").is_err());
        assert!(parse_integer("1e3").is_err());
        assert!(parse_integer("99999999999999999999").is_err());
        assert!(parse_integer("ten").is_err());
        assert!(parse_integer("").is_err());
    }
}
