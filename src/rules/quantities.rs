//! Redeemed, remaining and requested counts.

use super::{Code, Collector};
use crate::document::Source;
use crate::model::{Document, Spanned};

pub(super) fn check(doc: &Document, source: &Source, out: &mut Collector) {
    for code in &doc.codes {
        let counts =
            [("keysRedeemed", &code.keys_redeemed), ("keysRemaining", &code.keys_remaining)];
        for (name, count) in counts {
            negative(name, count.as_ref(), source, out);
        }
        for key in &code.license_keys {
            negative("quantity", key.quantity.as_ref(), source, out);
        }
        if let Some(qty) = &code.keys_redeem_qty {
            redeem_quantity(doc, qty, code.keys_remaining.as_ref(), source, out);
        }
        if doc.kind.is_snapshot() {
            key_sum(code, source, out);
        }
    }
}

fn negative(name: &str, count: Option<&Spanned<i64>>, source: &Source, out: &mut Collector) {
    if let Some(c) = count.filter(|c| c.value < 0) {
        out.report(
            Code::CountNegative,
            format!("\"{name}\" is {}; a count cannot be below zero", c.value),
            c.location(source),
        );
    }
}

fn redeem_quantity(
    doc: &Document,
    qty: &Spanned<i64>,
    remaining: Option<&Spanned<i64>>,
    source: &Source,
    out: &mut Collector,
) {
    if doc.codes.len() > 1 {
        out.report(
            Code::RedeemQtySeveralCodes,
            format!(
                "keysRedeemQty {} is ignored: with several codes in one request the server \
                 redeems everything that remains on each; send one code per request to redeem \
                 part of it",
                qty.value
            ),
            qty.location(source),
        );
        return;
    }
    if qty.value <= 0 {
        out.report(
            Code::RedeemQtyNotPositive,
            format!("keysRedeemQty is {}; redeem at least one license", qty.value),
            qty.location(source),
        );
        return;
    }
    let Some(remaining) = remaining.filter(|r| r.value >= 0) else { return };
    if remaining.value == 0 {
        out.report(
            Code::NothingToRedeem,
            "keysRemaining is 0: this code has nothing left to redeem; use retrieveKeys to \
             fetch the keys already redeemed",
            qty.location(source),
        );
    } else if qty.value > remaining.value {
        out.report(
            Code::RedeemQtyExceedsRemaining,
            format!(
                "keysRedeemQty {} is more than the {} licenses that remain; redeem at most {}",
                qty.value, remaining.value, remaining.value
            ),
            qty.location(source),
        );
    }
}

/// Whether `keysRedeemed` counts licenses or key files is not settled by the vendor, so a sum
/// that differs is a warning, and only when every key states its quantity.
fn key_sum(code: &crate::model::AuthCode, source: &Source, out: &mut Collector) {
    let Some(redeemed) = &code.keys_redeemed else { return };
    if code.license_keys.is_empty() {
        return;
    }
    let quantities: Option<Vec<i64>> =
        code.license_keys.iter().map(|k| k.quantity.as_ref().map(|q| q.value)).collect();
    let Some(quantities) = quantities else { return };
    let sum: i64 = quantities.iter().sum();
    if sum != redeemed.value {
        out.report(
            Code::KeyQuantitiesMismatch,
            format!(
                "the keys' quantities add up to {sum}, but keysRedeemed is {}; the vendor does \
                 not say whether keysRedeemed counts licenses or keys, so check the export",
                redeemed.value
            ),
            redeemed.location(source),
        );
    }
}
