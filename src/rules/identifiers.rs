//! Authorization codes, customer numbers, key IDs, dates, countries and languages.

use super::{Code, Collector, Context, Finding};
use crate::document::Source;
use crate::model::{Document, Spanned};
use std::collections::HashMap;

/// The documented length of an authorization code.
const AUTH_CODE_LENGTH: usize = 22;

pub(super) fn check(doc: &Document, source: &Source, ctx: &Context, out: &mut Collector) {
    let mut key_ids: HashMap<&str, &Spanned<String>> = HashMap::new();
    let mut codes: HashMap<&str, &Spanned<String>> = HashMap::new();
    for code in &doc.codes {
        if let Some(ac) = &code.auth_code {
            auth_code(ac, source, out);
            if let Some(first) = codes.get(ac.value.as_str()).filter(|_| !ac.value.is_empty()) {
                let first_loc = first.location(source);
                out.push(
                    Finding::new(
                        Code::AuthCodeDuplicate,
                        format!(
                            "authorization code {} is listed twice (first at line {}); list \
                             each code once, with all its keys",
                            ac.value.escape_debug(),
                            first_loc.line.unwrap_or(0)
                        ),
                        ac.location(source),
                    )
                    .with_related(first_loc),
                );
            } else {
                codes.insert(&ac.value, ac);
            }
        }
        if let Some(n) = &code.lenovo_customer_number {
            customer_number(n, source, out);
        }
        if let Some(d) = &code.start_date {
            start_date(d, ctx, source, out);
        }
        for key in &code.license_keys {
            if let Some(n) = &key.customer_number {
                customer_number(n, source, out);
                let owner = code.lenovo_customer_number.as_ref().filter(|o| !o.value.is_empty());
                if let Some(owner) = owner.filter(|o| !n.value.is_empty() && o.value != n.value) {
                    out.report(
                        Code::KeyCustomerMismatch,
                        format!(
                            "key customer number \"{}\" differs from the code's \
                             lenovoCustomerNumber \"{}\"; check which customer owns this key",
                            n.value.escape_debug(),
                            owner.value.escape_debug()
                        ),
                        n.location(source),
                    );
                }
            }
            if let Some(id) = key.license_key_id.as_ref().filter(|i| !i.value.is_empty()) {
                if let Some(first) = key_ids.get(id.value.as_str()) {
                    let first_loc = first.location(source);
                    out.push(
                        Finding::new(
                            Code::KeyIdDuplicate,
                            format!(
                                "key ID \"{}\" is listed twice (first at line {}); each key \
                                 appears once: remove the copy, or correct its ID",
                                id.value.escape_debug(),
                                first_loc.line.unwrap_or(0)
                            ),
                            id.location(source),
                        )
                        .with_related(first_loc),
                    );
                } else {
                    key_ids.insert(&id.value, id);
                }
            }
        }
    }
    if let Some(post) = &doc.post {
        if let Some(ac) = &post.auth_code {
            auth_code(ac, source, out);
        }
        if let Some(n) = &post.lenovo_customer_number {
            customer_number(n, source, out);
        }
    }
    if let Some(info) = &doc.customer {
        let lists = ctx.countries.as_ref();
        if let Some(c) = info.get("country") {
            let known = lists.map(|l| l.countries.as_slice());
            country_or_language(c, known, Code::CountryCode, "country", source, out);
        }
        if let Some(l) = info.get("preferredLanguage") {
            let known = lists.map(|l| l.languages.as_slice());
            country_or_language(l, known, Code::LanguageCode, "language", source, out);
        }
    }
    // A request may leave identifiers empty to mean "unchanged"; an export may not.
    if doc.kind.is_snapshot() {
        for code in &doc.codes {
            for key in &code.license_keys {
                if let Some(id) = key.license_key_id.as_ref().filter(|i| i.value.is_empty()) {
                    out.report(
                        Code::MissingField,
                        "licenseKeyId is empty; every key in an export has an ID: export again",
                        id.location(source),
                    );
                }
            }
            if let Some(ac) = code.auth_code.as_ref().filter(|a| a.value.is_empty()) {
                out.report(
                    Code::AuthCodeInvalid,
                    "authorization code is empty; every code in an export has one",
                    ac.location(source),
                );
            }
        }
    }
}

fn auth_code(ac: &Spanned<String>, source: &Source, out: &mut Collector) {
    let v = &ac.value;
    if v.is_empty() {
        return;
    }
    if let Some(bad) = v.chars().find(|c| !c.is_ascii_alphanumeric()) {
        let bad = crate::report::escape(&bad.to_string()).into_owned();
        out.report(
            Code::AuthCodeInvalid,
            format!(
                "authorization code \"{}\" contains {:?}; codes are ASCII letters and digits \
                 only: copy it again from the order",
                v.escape_debug(),
                bad
            ),
            ac.location(source),
        );
        return;
    }
    if v.chars().count() != AUTH_CODE_LENGTH {
        out.report(
            Code::AuthCodeLength,
            format!(
                "authorization code \"{v}\" has {} characters; the vendor documents \
                 {AUTH_CODE_LENGTH}: check it against the order",
                v.len()
            ),
            ac.location(source),
        );
    }
}

fn customer_number(n: &Spanned<String>, source: &Source, out: &mut Collector) {
    let v = &n.value;
    if v.is_empty() {
        return;
    }
    if v.len() != 10 || !v.bytes().all(|b| b.is_ascii_digit()) {
        out.report(
            Code::CustomerNumberShape,
            format!(
                "customer number \"{}\" is not ten digits, the form every Lenovo customer \
                 number takes; check it",
                v.escape_debug()
            ),
            n.location(source),
        );
    }
}

fn start_date(d: &Spanned<String>, ctx: &Context, source: &Source, out: &mut Collector) {
    if d.value.is_empty() {
        return;
    }
    match chrono::NaiveDate::parse_from_str(&d.value, "%Y-%m-%d") {
        Ok(date) if d.value.len() == 10 => {
            if date > ctx.today {
                out.report(
                    Code::StartDateFuture,
                    format!(
                        "start date {date} is after today ({}); codes start when they are \
                         created: check the date",
                        ctx.today
                    ),
                    d.location(source),
                );
            }
        }
        _ => out.report(
            Code::StartDateInvalid,
            format!(
                "start date \"{}\" is not an ISO-8601 date; write it as YYYY-MM-DD, e.g. \
                 2020-06-02",
                d.value.escape_debug()
            ),
            d.location(source),
        ),
    }
}

fn country_or_language(
    v: &Spanned<String>,
    known: Option<&[String]>,
    code: Code,
    what: &str,
    source: &Source,
    out: &mut Collector,
) {
    if v.value.is_empty() {
        return;
    }
    let message = match known {
        Some(list) if !list.contains(&v.value) => {
            let upper = v.value.to_uppercase();
            let hint = if list.contains(&upper) {
                format!("; did you mean \"{upper}\"?")
            } else {
                String::new()
            };
            format!(
                "{what} code \"{}\" is not in the licenseCountries list given with \
                 --countries{hint}",
                v.value.escape_debug()
            )
        }
        Some(_) => return,
        None if v.value.len() == 2 && v.value.bytes().all(|b| b.is_ascii_uppercase()) => return,
        None => format!(
            "{what} code \"{}\" is not two upper-case letters, the form the vendor uses; give \
             a saved GET /licenseCountries answer with --countries to check it exactly",
            v.value.escape_debug()
        ),
    };
    out.report(code, message, v.location(source));
}
