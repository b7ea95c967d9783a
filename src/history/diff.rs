//! Comparing two snapshots of codes: what was added, removed and changed, judged by the
//! transition model.

use super::Loaded;
use super::transitions::{self, StateMove, is_real_key_id};
use crate::model::{AuthCode, Document, LicenseKey};
use crate::rules::{Code, Finding, Location, sort_findings};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The result of comparing OLD with NEW.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diff {
    /// `identical` when no code or key differs, else `changed`.
    pub outcome: Outcome,
    /// Whether the two files have the same text.
    pub same_text: bool,
    /// Codes in NEW only.
    pub codes_added: Vec<String>,
    /// Codes in OLD only.
    pub codes_removed: Vec<String>,
    /// Every code that differs, added and removed ones included, sorted by code.
    pub codes: Vec<CodeDiff>,
    /// What the changes break in the transition model; located in NEW, related to OLD.
    #[serde(skip)]
    pub findings: Vec<Finding>,
}

/// Whether anything changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// No code or key differs.
    Identical,
    /// Something differs.
    Changed,
}

/// A value before and after.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change<T> {
    /// In OLD.
    pub before: T,
    /// In NEW.
    pub after: T,
}

/// How one code differs.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeDiff {
    /// The authorization code.
    pub auth_code: String,
    /// `keysRedeemed` before and after (`null` where absent).
    pub redeemed: Change<Option<i64>>,
    /// `keysRemaining` before and after.
    pub remaining: Change<Option<i64>>,
    /// IDs of keys in NEW only (`""` for a key without an ID).
    pub keys_added: Vec<String>,
    /// IDs of keys in OLD only.
    pub keys_removed: Vec<String>,
    /// Keys whose state differs.
    pub state_changes: Vec<StateChange>,
    /// Idempotent attributes that differ (`null` where absent or empty).
    pub attributes_changed: Vec<AttributeChange>,
}

impl CodeDiff {
    fn is_empty(&self) -> bool {
        self.redeemed.before == self.redeemed.after
            && self.remaining.before == self.remaining.after
            && self.keys_added.is_empty()
            && self.keys_removed.is_empty()
            && self.state_changes.is_empty()
            && self.attributes_changed.is_empty()
    }
}

/// A key whose state differs.
#[derive(Debug, Serialize)]
pub struct StateChange {
    /// The key ID.
    pub key: String,
    /// The state in OLD.
    pub before: String,
    /// The state in NEW.
    pub after: String,
}

/// An idempotent attribute that differs.
#[derive(Debug, Serialize)]
pub struct AttributeChange {
    /// Its JSON name; for a key's attribute, `licenseKeys[ID].name`.
    pub name: String,
    /// In OLD.
    pub before: Option<String>,
    /// In NEW.
    pub after: Option<String>,
}

/// Where things are: findings point into NEW and relate to OLD.
struct Sides<'a> {
    old: &'a Loaded,
    new: &'a Loaded,
}

impl Sides<'_> {
    fn new_at(&self, offset: usize, pointer: &str) -> Location {
        self.new.source.location(offset, Some(pointer.to_string()))
    }

    fn old_at(&self, offset: usize, pointer: &str) -> Location {
        let mut loc = self.old.source.location(offset, Some(pointer.to_string()));
        loc.path = Some(self.old.path.clone());
        loc
    }
}

/// Compares two snapshots. `Err` when either is not a readable snapshot.
pub fn diff(old: &Loaded, new: &Loaded) -> Result<Diff, String> {
    let old_doc = old.snapshot()?;
    let new_doc = new.snapshot()?;
    let sides = Sides { old, new };
    let old_codes = by_code(old_doc);
    let new_codes = by_code(new_doc);
    let new_owner = key_owners(new_doc);
    let mut findings = Vec::new();
    let mut codes = Vec::new();
    let names: BTreeSet<&str> = old_codes.keys().chain(new_codes.keys()).copied().collect();
    for name in names {
        let (before, after) = (old_codes.get(name).copied(), new_codes.get(name).copied());
        let mut d = CodeDiff {
            auth_code: name.to_string(),
            redeemed: Change {
                before: before.and_then(|c| c.keys_redeemed.as_ref().map(|v| v.value)),
                after: after.and_then(|c| c.keys_redeemed.as_ref().map(|v| v.value)),
            },
            remaining: Change {
                before: before.and_then(|c| c.keys_remaining.as_ref().map(|v| v.value)),
                after: after.and_then(|c| c.keys_remaining.as_ref().map(|v| v.value)),
            },
            keys_added: Vec::new(),
            keys_removed: Vec::new(),
            state_changes: Vec::new(),
            attributes_changed: Vec::new(),
        };
        if let (Some(b), Some(a)) = (before, after) {
            counts(&sides, b, a, &mut findings);
            attributes(&sides, b, a, &mut d, &mut findings);
        }
        keys(&sides, name, before, after, &new_owner, &mut d, &mut findings);
        if !d.is_empty() || before.is_none() || after.is_none() {
            codes.push(d);
        }
    }
    sort_findings(&mut findings);
    let codes_added = codes
        .iter()
        .filter(|c| !old_codes.contains_key(c.auth_code.as_str()))
        .map(|c| c.auth_code.clone())
        .collect();
    let codes_removed = codes
        .iter()
        .filter(|c| !new_codes.contains_key(c.auth_code.as_str()))
        .map(|c| c.auth_code.clone())
        .collect();
    Ok(Diff {
        outcome: if codes.is_empty() { Outcome::Identical } else { Outcome::Changed },
        same_text: old.source.text() == new.source.text(),
        codes_added,
        codes_removed,
        codes,
        findings,
    })
}

/// Codes by their text; a code listed twice counts once, by its first entry.
fn by_code(doc: &Document) -> BTreeMap<&str, &AuthCode> {
    let mut map = BTreeMap::new();
    for code in &doc.codes {
        if let Some(name) = code.code() {
            map.entry(name).or_insert(code);
        }
    }
    map
}

/// The code each real key ID is listed under (its first listing).
fn key_owners(doc: &Document) -> HashMap<&str, (&str, &LicenseKey)> {
    let mut map = HashMap::new();
    for code in &doc.codes {
        let Some(name) = code.code() else { continue };
        for key in &code.license_keys {
            if let Some(id) = key.id().filter(|id| is_real_key_id(id)) {
                map.entry(id).or_insert((name, key));
            }
        }
    }
    map
}

fn counts(sides: &Sides<'_>, before: &AuthCode, after: &AuthCode, findings: &mut Vec<Finding>) {
    if let (Some(b), Some(a)) = (&before.keys_redeemed, &after.keys_redeemed) {
        if a.value < b.value {
            findings.push(
                Finding::new(
                    Code::RedeemedDecreased,
                    format!(
                        "keysRedeemed went down from {} to {}; a redemption cannot be undone, \
                         so these exports are in the wrong order or from different LXCAs: \
                         check which is older",
                        b.value, a.value
                    ),
                    sides.new_at(a.offset, &a.pointer),
                )
                .with_related(sides.old_at(b.offset, &b.pointer)),
            );
        }
    }
    if let (Some(b), Some(a)) = (transitions::total(before), transitions::total(after)) {
        if a != b {
            let at = after.keys_redeemed.as_ref().map_or(after.offset, |v| v.offset);
            let ptr = after.keys_redeemed.as_ref().map_or(&after.pointer, |v| &v.pointer);
            let old_at = before.keys_redeemed.as_ref().map_or(before.offset, |v| v.offset);
            let old_ptr = before.keys_redeemed.as_ref().map_or(&before.pointer, |v| &v.pointer);
            findings.push(
                Finding::new(
                    Code::TotalMismatch,
                    format!(
                        "keysRedeemed plus keysRemaining was {b} and is now {a}; redeeming \
                         moves licenses from one to the other and keeps the sum, so licenses \
                         were added or lost: ask Lenovo what changed on this code (a warning, \
                         since the vendor does not say what the two counts count)"
                    ),
                    sides.new_at(at, ptr),
                )
                .with_related(sides.old_at(old_at, old_ptr)),
            );
        }
    }
}

fn attributes(
    sides: &Sides<'_>,
    before: &AuthCode,
    after: &AuthCode,
    d: &mut CodeDiff,
    findings: &mut Vec<Finding>,
) {
    // Attributes that may change are listed too, so that "identical" means what it says.
    let text = |v: &Option<crate::model::Spanned<String>>| {
        v.as_ref().map(|s| s.value.clone()).filter(|s| !s.is_empty())
    };
    for (name, b, a) in [
        (
            "lenovoCustomerNumber",
            text(&before.lenovo_customer_number),
            text(&after.lenovo_customer_number),
        ),
        ("errorMsg", text(&before.error_msg), text(&after.error_msg)),
    ] {
        if a != b {
            d.attributes_changed.push(AttributeChange {
                name: name.to_string(),
                before: b,
                after: a,
            });
        }
    }
    let old = transitions::string_attributes(before);
    let new = transitions::string_attributes(after);
    for ((name, b), (_, a)) in old.into_iter().zip(new) {
        if a == b {
            continue;
        }
        d.attributes_changed.push(AttributeChange {
            name: name.to_string(),
            before: b.map(str::to_string),
            after: a.map(str::to_string),
        });
        let (Some(b), Some(a)) = (b, a) else { continue };
        let (Some(new_v), Some(old_v)) = (field(after, name), field(before, name)) else {
            continue;
        };
        findings.push(
            Finding::new(
                Code::IdempotentMismatch,
                format!(
                    "{name} changed from \"{}\" to \"{}\"; the server never changes it, so one \
                     of the files was edited or describes another code: compare both with the \
                     order",
                    b.escape_debug(),
                    a.escape_debug()
                ),
                sides.new_at(new_v.offset, &new_v.pointer),
            )
            .with_related(sides.old_at(old_v.offset, &old_v.pointer)),
        );
    }
}

/// The spanned value of an idempotent string attribute, by name.
pub fn field<'a>(code: &'a AuthCode, name: &str) -> Option<&'a crate::model::Spanned<String>> {
    match name {
        "featureCode" => code.feature_code.as_ref(),
        "featureDescription" => code.feature_description.as_ref(),
        "partNumber" => code.part_number.as_ref(),
        "purchaseOrder" => code.purchase_order.as_ref(),
        "salesOrder" => code.sales_order.as_ref(),
        "startDate" => code.start_date.as_ref(),
        _ => None,
    }
}

fn keys(
    sides: &Sides<'_>,
    name: &str,
    before: Option<&AuthCode>,
    after: Option<&AuthCode>,
    new_owner: &HashMap<&str, (&str, &LicenseKey)>,
    d: &mut CodeDiff,
    findings: &mut Vec<Finding>,
) {
    let empty = Vec::new();
    let old_keys = before.map_or(&empty, |c| &c.license_keys);
    let new_keys = after.map_or(&empty, |c| &c.license_keys);
    let real = |keys: &[LicenseKey]| -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for (i, k) in keys.iter().enumerate() {
            if let Some(id) = k.id().filter(|id| is_real_key_id(id)) {
                m.entry(id.to_string()).or_insert(i);
            }
        }
        m
    };
    let (old_real, new_real) = (real(old_keys), real(new_keys));
    for (id, &i) in &old_real {
        let old_key = &old_keys[i];
        match new_real.get(id) {
            Some(&j) => {
                key_attributes(id, old_key, &new_keys[j], d);
                state_change(sides, id, old_key, &new_keys[j], d, findings);
            }
            None => {
                d.keys_removed.push(id.clone());
                key_gone(sides, name, id, old_key, after, new_owner, findings);
            }
        }
    }
    d.keys_added.extend(new_real.keys().filter(|id| !old_real.contains_key(*id)).cloned());
    // Keys without a real ID cannot be followed; they are counted, not judged.
    let unnamed = |keys: &[LicenseKey]| -> Vec<String> {
        keys.iter()
            .filter(|k| !k.id().is_some_and(is_real_key_id))
            .map(|k| k.id().unwrap_or_default().to_string())
            .collect()
    };
    let (old_unnamed, new_unnamed) = (unnamed(old_keys), unnamed(new_keys));
    if old_unnamed != new_unnamed {
        d.keys_removed.extend(old_unnamed);
        d.keys_added.extend(new_unnamed);
    }
}

/// A key's quantity and customer number may change without breaking a rule; they are listed.
fn key_attributes(id: &str, old_key: &LicenseKey, new_key: &LicenseKey, d: &mut CodeDiff) {
    let quantity = |k: &LicenseKey| k.quantity.as_ref().map(|q| q.value.to_string());
    let customer = |k: &LicenseKey| {
        k.customer_number.as_ref().map(|c| c.value.clone()).filter(|c| !c.is_empty())
    };
    let pairs = [
        ("quantity", quantity(old_key), quantity(new_key)),
        ("customerNumber", customer(old_key), customer(new_key)),
    ];
    for (name, before, after) in pairs {
        if before != after {
            let name = format!("licenseKeys[{id}].{name}");
            d.attributes_changed.push(AttributeChange { name, before, after });
        }
    }
}

fn state_change(
    sides: &Sides<'_>,
    id: &str,
    old_key: &LicenseKey,
    new_key: &LicenseKey,
    d: &mut CodeDiff,
    findings: &mut Vec<Finding>,
) {
    let (Some(b), Some(a)) = (&old_key.state, &new_key.state) else { return };
    if a.value == b.value {
        return;
    }
    d.state_changes.push(StateChange {
        key: id.to_string(),
        before: b.value.clone(),
        after: a.value.clone(),
    });
    let (Some(from), Some(to)) = (old_key.known_state(), new_key.known_state()) else { return };
    let (code, why) = match transitions::classify(from, to) {
        StateMove::Same | StateMove::Made => return,
        StateMove::Suspicious => (
            Code::KeyStateSuspicious,
            "an installed key is now listed as downloaded; a download of an installed key may \
             do this, but the vendor does not say so: check that the license is still \
             installed (GET /quantityLicense)",
        ),
        StateMove::Reverted => (
            Code::KeyStateReverted,
            "no documented call sets an existing key back to \"not installed\" (redeeming \
             makes new keys; PATCH sets installed or downloaded): check that OLD is the older \
             export and that both come from the same LXCA",
        ),
    };
    findings.push(
        Finding::new(
            code,
            format!(
                "key {} went from \"{}\" to \"{}\"; {why}",
                id.escape_debug(),
                b.value,
                a.value
            ),
            sides.new_at(a.offset, &a.pointer),
        )
        .with_related(sides.old_at(b.offset, &b.pointer)),
    );
}

fn key_gone(
    sides: &Sides<'_>,
    name: &str,
    id: &str,
    old_key: &LicenseKey,
    after: Option<&AuthCode>,
    new_owner: &HashMap<&str, (&str, &LicenseKey)>,
    findings: &mut Vec<Finding>,
) {
    let related = sides.old_at(old_key.offset, &old_key.pointer);
    let finding = match new_owner.get(id) {
        Some((other, new_key)) if *other != name => Finding::new(
            Code::KeyUnderTwoCodes,
            format!(
                "key {} was listed under {name} and is now under {other}; a key belongs to \
                 the code it was redeemed from and never moves: one of the exports was edited \
                 or mixes two LXCAs",
                id.escape_debug()
            ),
            sides.new_at(new_key.offset, &new_key.pointer),
        ),
        _ => {
            let at = match after {
                Some(c) => sides.new_at(c.offset, &c.pointer),
                None => Location::default(),
            };
            let under = if after.is_some() { "" } else { ", and so is its code" };
            Finding::new(
                Code::KeyVanished,
                format!(
                    "key {} of {name} is missing from NEW{under}; uninstalling removes the \
                     installed license, not the redeemed key: keep the key file, and find out \
                     why the LXCA no longer lists it",
                    id.escape_debug()
                ),
                at,
            )
        }
    };
    findings.push(finding.with_related(related));
}
