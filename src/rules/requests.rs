//! What each kind of request must carry to be accepted.

use super::{Code, Collector};
use crate::document::{Kind, Source};
use crate::model::Document;

pub(super) fn check(doc: &Document, source: &Source, out: &mut Collector) {
    match doc.kind {
        Kind::PutRequest => put(doc, source, out),
        Kind::PatchRequest => patch(doc, source, out),
        Kind::PostRequest => post(doc, source, out),
        _ => {}
    }
}

fn put(doc: &Document, source: &Source, out: &mut Collector) {
    let single = doc.codes.len() == 1;
    for code in &doc.codes {
        let by_customer = code.retrieve_keys.as_ref().is_some_and(|r| r.value)
            && code.lenovo_customer_number.as_ref().is_some_and(|c| !c.value.is_empty());
        if let Some(ac) = code.auth_code.as_ref().filter(|a| a.value.is_empty() && !by_customer) {
            out.report(
                Code::MissingField,
                "authCode is empty; a request names the code it acts on: fill it in",
                ac.location(source),
            );
        }
        let retrieving = code.retrieve_keys.as_ref().is_some_and(|r| r.value);
        let has_customer =
            code.lenovo_customer_number.as_ref().is_some_and(|c| !c.value.is_empty());
        if single && code.keys_redeem_qty.is_some() && !retrieving && !has_customer {
            out.report(
                Code::RedeemMissingCustomer,
                "redeeming part of one code needs its lenovoCustomerNumber as well as authCode \
                 and keysRedeemQty; add the customer number",
                source.location(code.offset, Some(code.pointer.clone())),
            );
        }
        if retrieving && code.code().is_none() && !has_customer {
            out.report(
                Code::RetrieveWithoutTarget,
                "retrieveKeys is true but this entry names neither an authCode nor a \
                 lenovoCustomerNumber; add one of them",
                source.location(code.offset, Some(code.pointer.clone())),
            );
        }
    }
}

fn patch(doc: &Document, source: &Source, out: &mut Collector) {
    for code in &doc.codes {
        let empty_code = code.auth_code.as_ref().filter(|a| a.value.is_empty());
        let empty_ids = code
            .license_keys
            .iter()
            .filter_map(|k| k.license_key_id.as_ref().filter(|i| i.value.is_empty()));
        for (what, at) in empty_code
            .map(|a| ("authCode", a))
            .into_iter()
            .chain(empty_ids.map(|i| ("licenseKeyId", i)))
        {
            out.report(
                Code::MissingField,
                format!(
                    "{what} is empty; an install or download names each code and key: fill it in"
                ),
                at.location(source),
            );
        }
    }
}

fn post(doc: &Document, source: &Source, out: &mut Collector) {
    let Some(post) = &doc.post else { return };
    let code = post.auth_code.as_ref().filter(|c| !c.value.is_empty());
    let customer = post.lenovo_customer_number.as_ref().filter(|c| !c.value.is_empty());
    match (code, customer) {
        (Some(_), Some(c)) => out.report(
            Code::PostCodeAndCustomer,
            "a POST /authCodes body takes authCode or lenovoCustomerNumber, not both; send \
             one request for each",
            c.location(source),
        ),
        (None, None) => out.report(
            Code::RetrieveWithoutTarget,
            "this POST /authCodes body names neither an authCode nor a lenovoCustomerNumber; \
             add one of them",
            source.location(0, Some(String::new())),
        ),
        _ => {}
    }
}
