//! The offline dry run: what a live LXCA would answer to a `PUT` or `PATCH /authCodes` body,
//! given the export of its current state, and the state after a successful call.
//!
//! The rule of thumb for the status code (our reading; the vendor's page only names the codes):
//! a body that is wrong whatever the server holds gets 400; a body that is wrong only because
//! of what the server holds (a code it does not have, licenses it has not got) gets 409.

use super::Loaded;
use super::diff::{Change, field};
use super::snapshot::made;
use super::transitions::{self, StateMove, UNKNOWN_KEY_ID_PREFIX};
use crate::document::Kind;
use crate::model::{AuthCode, Document, KeyState, LicenseKey};
use crate::rules::Location;
use serde::Serialize;
use std::collections::HashSet;

/// Why the server would refuse a request. Each has one status code; `docs/transitions.md`
/// has the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// The body is not JSON, or a field has the wrong type.
    MalformedRequest,
    /// No codes to act on and no customer information to set.
    NothingRequested,
    /// An entry that redeems, or a PATCH entry, without `authCode`.
    MissingAuthCode,
    /// The same code twice in one request.
    DuplicateCode,
    /// A single-code redeem without `lenovoCustomerNumber`.
    MissingCustomerNumber,
    /// A single-code redeem without `keysRedeemQty`.
    MissingRedeemQty,
    /// A redeem quantity of zero or less.
    RedeemQtyNotPositive,
    /// A redeem whose `licenseKeys.state` is not "not installed".
    RedeemKeyState,
    /// `retrieveKeys` without a code or a customer number.
    RetrieveWithoutTarget,
    /// A PATCH key without `licenseKeyId`.
    MissingKeyId,
    /// A PATCH that asks for a state other than installed or downloaded.
    PatchState,
    /// A code that the current export does not have.
    UnknownCode,
    /// A customer number that no code in the current export has.
    UnknownCustomer,
    /// A PATCH key ID that the code does not have.
    UnknownKey,
    /// A redeem quantity above what remains.
    RedeemQtyExceedsRemaining,
    /// A redeem for a code with nothing remaining.
    NothingToRedeem,
    /// A retrieve for codes with nothing redeemed.
    NothingToRetrieve,
    /// A value for an idempotent attribute that differs from the current one.
    IdempotentChanged,
}

impl Reason {
    /// Every reason, in the order of the table in `docs/transitions.md`.
    pub const ALL: [Reason; 18] = [
        Reason::MalformedRequest,
        Reason::NothingRequested,
        Reason::MissingAuthCode,
        Reason::DuplicateCode,
        Reason::MissingCustomerNumber,
        Reason::MissingRedeemQty,
        Reason::RedeemQtyNotPositive,
        Reason::RedeemKeyState,
        Reason::RetrieveWithoutTarget,
        Reason::MissingKeyId,
        Reason::PatchState,
        Reason::UnknownCode,
        Reason::UnknownCustomer,
        Reason::UnknownKey,
        Reason::RedeemQtyExceedsRemaining,
        Reason::NothingToRedeem,
        Reason::NothingToRetrieve,
        Reason::IdempotentChanged,
    ];

    /// The status code the server answers for it.
    pub fn status(self) -> u16 {
        match self {
            Reason::UnknownCode
            | Reason::UnknownCustomer
            | Reason::UnknownKey
            | Reason::RedeemQtyExceedsRemaining
            | Reason::NothingToRedeem
            | Reason::NothingToRetrieve
            | Reason::IdempotentChanged => 409,
            _ => 400,
        }
    }

    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::MalformedRequest => "malformed-request",
            Reason::NothingRequested => "nothing-requested",
            Reason::MissingAuthCode => "missing-auth-code",
            Reason::DuplicateCode => "duplicate-code",
            Reason::MissingCustomerNumber => "missing-customer-number",
            Reason::MissingRedeemQty => "missing-redeem-qty",
            Reason::RedeemQtyNotPositive => "redeem-qty-not-positive",
            Reason::RedeemKeyState => "redeem-key-state",
            Reason::RetrieveWithoutTarget => "retrieve-without-target",
            Reason::MissingKeyId => "missing-key-id",
            Reason::PatchState => "patch-state",
            Reason::UnknownCode => "unknown-code",
            Reason::UnknownCustomer => "unknown-customer",
            Reason::UnknownKey => "unknown-key",
            Reason::RedeemQtyExceedsRemaining => "redeem-qty-exceeds-remaining",
            Reason::NothingToRedeem => "nothing-to-redeem",
            Reason::NothingToRetrieve => "nothing-to-retrieve",
            Reason::IdempotentChanged => "idempotent-changed",
        }
    }
}

/// One reason found, located in the request; `related` points into the export.
#[derive(Clone, Debug, Serialize)]
pub struct Refusal {
    /// Why.
    pub reason: Reason,
    /// Its status code.
    pub status: u16,
    /// What is wrong and what to do.
    pub message: String,
    /// Where in the request.
    #[serde(flatten)]
    pub location: Location,
    /// Where in the export, when the export is the other half of the reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related: Option<Location>,
}

/// What the server would do on 200.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    /// Redeem licenses of one code into one new key.
    #[serde(rename_all = "camelCase")]
    Redeem {
        /// The code.
        auth_code: String,
        /// Licenses redeemed.
        quantity: i64,
        /// `keysRedeemed` before and after.
        redeemed: Change<i64>,
        /// `keysRemaining` before and after.
        remaining: Change<i64>,
    },
    /// Fetch the keys already redeemed for a code.
    #[serde(rename_all = "camelCase")]
    Retrieve {
        /// The code.
        auth_code: String,
        /// How many keys the export lists for it.
        keys: usize,
    },
    /// Set a key's state (PATCH).
    #[serde(rename_all = "camelCase")]
    SetState {
        /// The code.
        auth_code: String,
        /// The key ID.
        key: String,
        /// The state before and after.
        state: Change<String>,
    },
    /// Change customer information.
    Customer {
        /// The fields set.
        fields: Vec<String>,
    },
}

/// The prediction.
#[derive(Debug, Serialize)]
pub struct Plan {
    /// `PUT` or `PATCH`.
    pub method: &'static str,
    /// 200, 400 or 409.
    pub status: u16,
    /// Why it is not 200, in request order.
    pub reasons: Vec<Refusal>,
    /// What the server would do, when the answer is 200.
    pub actions: Vec<Action>,
    /// Things worth knowing that do not change the answer.
    pub notes: Vec<String>,
    /// The export after the call, when the answer is 200.
    #[serde(skip)]
    pub predicted: Option<Document>,
}

/// The words that go with a status code.
pub fn status_text(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        409 => "Conflict",
        _ => "",
    }
}

struct Planner<'a> {
    current: &'a Document,
    export: &'a Loaded,
    request: &'a Loaded,
    reasons: Vec<Refusal>,
    actions: Vec<Action>,
    notes: Vec<String>,
}

/// Predicts the answer to `request` from a server whose state is `current`. `Err` when either
/// file is not something this can judge (an export given as the request, say).
pub fn plan(current: &Loaded, request: &Loaded) -> Result<Plan, String> {
    let doc = current.snapshot()?;
    let mut p = Planner {
        current: doc,
        export: current,
        request,
        reasons: Vec::new(),
        actions: Vec::new(),
        notes: Vec::new(),
    };
    let method = match (&request.doc, request.kind) {
        (None, _) => "PUT",
        (Some(_), Kind::PutRequest) => "PUT",
        (Some(_), Kind::PatchRequest) => "PATCH",
        (Some(_), kind) => {
            return Err(format!(
                "{}: this is a {kind}; plan judges PUT /authCodes bodies (redeem, retrieve, \
                 customer information) and PATCH bodies (install, download): `fodpack request` \
                 writes them",
                request.path
            ));
        }
    };
    if !request.errors.is_empty() || request.doc.is_none() {
        p.malformed();
    } else if let Some(req) = &request.doc {
        if method == "PATCH" { p.patch(req) } else { p.put(req) }
    }
    let mut reasons = p.reasons;
    sort_refusals(&mut reasons);
    let status = if reasons.iter().any(|r| r.status == 400) {
        400
    } else if reasons.iter().any(|r| r.status == 409) {
        409
    } else {
        200
    };
    let (actions, predicted) = if status == 200 {
        let predicted = predict(doc, &p.actions, request.doc.as_ref());
        (p.actions, Some(predicted))
    } else {
        (Vec::new(), None)
    };
    Ok(Plan { method, status, reasons, actions, notes: p.notes, predicted })
}

fn sort_refusals(reasons: &mut [Refusal]) {
    reasons.sort_by(|a, b| {
        let key = |r: &Refusal| (r.location.line, r.location.column);
        key(a).cmp(&key(b)).then_with(|| a.reason.as_str().cmp(b.reason.as_str()))
    });
}

impl<'a> Planner<'a> {
    fn refuse(&mut self, reason: Reason, message: String, location: Location) {
        self.reasons.push(Refusal {
            reason,
            status: reason.status(),
            message,
            location,
            related: None,
        });
    }

    fn refuse_related(&mut self, reason: Reason, message: String, at: Location, rel: Location) {
        self.refuse(reason, message, at);
        if let Some(last) = self.reasons.last_mut() {
            last.related = Some(rel);
        }
    }

    fn at(&self, offset: usize, pointer: &str) -> Location {
        self.request.source.location(offset, Some(pointer.to_string()))
    }

    fn in_export(&self, offset: usize, pointer: &str) -> Location {
        let mut loc = self.export.source.location(offset, Some(pointer.to_string()));
        loc.path = Some(self.export.path.clone());
        loc
    }

    fn code_at(&self, code: &AuthCode) -> Location {
        self.at(code.offset, &code.pointer)
    }

    fn find(&self, name: &str) -> Option<&'a AuthCode> {
        let current: &'a Document = self.current;
        current.codes.iter().find(|c| c.code() == Some(name))
    }

    fn malformed(&mut self) {
        let errors = self.request.errors.clone();
        if errors.is_empty() {
            self.refuse(
                Reason::MalformedRequest,
                "the body is not an authCodes request; write one with `fodpack request`"
                    .to_string(),
                Location::default(),
            );
        }
        for f in errors {
            self.refuse(
                Reason::MalformedRequest,
                format!("{} [{}]; the server refuses a body it cannot read", f.message, f.code),
                f.location,
            );
        }
    }

    fn duplicates(&mut self, req: &Document) {
        let mut seen = HashSet::new();
        for entry in &req.codes {
            if let Some(name) = entry.code() {
                if !seen.insert(name) {
                    let at = self.code_at(entry);
                    self.refuse(
                        Reason::DuplicateCode,
                        format!("{name} is listed twice; list each code once"),
                        at,
                    );
                }
            }
        }
    }

    fn put(&mut self, req: &Document) {
        let customer: Vec<String> = req
            .customer
            .iter()
            .flat_map(|c| c.fields.iter())
            .filter(|(_, v)| !v.value.is_empty())
            .map(|(k, _)| (*k).to_string())
            .collect();
        if req.codes.is_empty() && customer.is_empty() {
            self.refuse(
                Reason::NothingRequested,
                "the request has no codes and no customer information to set, so there is \
                 nothing to do; add a code, or customerInfo fields"
                    .to_string(),
                self.at(0, ""),
            );
            return;
        }
        self.duplicates(req);
        let several = req.codes.len() > 1;
        for entry in &req.codes {
            if entry.retrieve_keys.as_ref().is_some_and(|r| r.value) {
                self.retrieve(entry);
            } else {
                self.redeem(entry, several);
            }
        }
        if !customer.is_empty() {
            if self.current.customer.is_none() {
                self.notes.push(
                    "the export has no customerInfo (a GET /authCodes answer does not carry \
                     it), so the prediction does not show the new customer information"
                        .to_string(),
                );
            }
            self.actions.push(Action::Customer { fields: customer });
        }
    }

    fn customer_of(entry: &AuthCode) -> Option<&str> {
        entry.lenovo_customer_number.as_ref().map(|s| s.value.as_str()).filter(|s| !s.is_empty())
    }

    fn retrieve(&mut self, entry: &AuthCode) {
        let at = self.code_at(entry);
        let targets: Vec<&AuthCode> = match (entry.code(), Self::customer_of(entry)) {
            (None, None) => {
                self.refuse(
                    Reason::RetrieveWithoutTarget,
                    "retrieveKeys is true but the entry names neither authCode nor \
                     lenovoCustomerNumber; add one"
                        .to_string(),
                    at,
                );
                return;
            }
            (Some(name), _) => match self.find(name) {
                Some(c) => vec![c],
                None => return self.unknown_code(name, at),
            },
            (None, Some(number)) => {
                let current: &'a Document = self.current;
                let found: Vec<&AuthCode> = current
                    .codes
                    .iter()
                    .filter(|c| {
                        c.lenovo_customer_number.as_ref().is_some_and(|n| n.value == number)
                    })
                    .collect();
                if found.is_empty() {
                    self.refuse(
                        Reason::UnknownCustomer,
                        format!(
                            "no code in the export has customer number {}; check the number, \
                             or add the codes first (POST /authCodes)",
                            number.escape_debug()
                        ),
                        at,
                    );
                    return;
                }
                found
            }
        };
        let with_keys: Vec<&AuthCode> = targets.into_iter().filter(|c| has_redeemed(c)).collect();
        if with_keys.is_empty() {
            self.refuse(
                Reason::NothingToRetrieve,
                "nothing has been redeemed on this code yet, so there are no keys to retrieve; \
                 redeem first"
                    .to_string(),
                at,
            );
            return;
        }
        for c in with_keys {
            self.actions.push(Action::Retrieve {
                auth_code: c.code().unwrap_or_default().to_string(),
                keys: c.license_keys.len(),
            });
        }
    }

    fn unknown_code(&mut self, name: &str, at: Location) {
        self.refuse(
            Reason::UnknownCode,
            format!(
                "the export has no code {}; add it first (POST /authCodes), or check that the \
                 export is from this LXCA",
                name.escape_debug()
            ),
            at,
        );
    }

    fn redeem(&mut self, entry: &AuthCode, several: bool) {
        let at = self.code_at(entry);
        self.redeem_key_state(entry);
        if !several {
            if Self::customer_of(entry).is_none() {
                self.refuse(
                    Reason::MissingCustomerNumber,
                    "redeeming part of one code needs lenovoCustomerNumber as well as authCode \
                     and keysRedeemQty; add the customer number"
                        .to_string(),
                    at.clone(),
                );
            }
            match &entry.keys_redeem_qty {
                None => self.refuse(
                    Reason::MissingRedeemQty,
                    "one code is redeemed by keysRedeemQty: say how many licenses (the code's \
                     keysRemaining redeems all of them)"
                        .to_string(),
                    at.clone(),
                ),
                Some(q) if q.value <= 0 => self.refuse(
                    Reason::RedeemQtyNotPositive,
                    format!("keysRedeemQty is {}; redeem at least one license", q.value),
                    self.at(q.offset, &q.pointer),
                ),
                Some(_) => {}
            }
        } else if let Some(q) = &entry.keys_redeem_qty {
            self.notes.push(format!(
                "{}: keysRedeemQty {} is ignored: with several codes the server redeems \
                 everything that remains on each",
                entry.code().unwrap_or_default(),
                q.value
            ));
        }
        let Some(name) = entry.code() else {
            self.refuse(
                Reason::MissingAuthCode,
                "this entry redeems, so it needs authCode; add the code".to_string(),
                at,
            );
            return;
        };
        let Some(current) = self.find(name) else { return self.unknown_code(name, at) };
        self.idempotent(entry, current);
        let Some(remaining) = current.keys_remaining.as_ref() else {
            self.notes.push(format!(
                "{name}: the export does not say how many licenses remain, so the counts \
                 cannot be predicted"
            ));
            return;
        };
        let related = self.in_export(remaining.offset, &remaining.pointer);
        if remaining.value <= 0 {
            self.refuse_related(
                Reason::NothingToRedeem,
                format!(
                    "{name} has no licenses left to redeem (keysRemaining {}); to fetch the \
                     keys already redeemed, use retrieveKeys",
                    remaining.value
                ),
                at,
                related,
            );
            return;
        }
        let quantity = if several {
            remaining.value
        } else {
            match &entry.keys_redeem_qty {
                Some(q) if q.value > remaining.value => {
                    let loc = self.at(q.offset, &q.pointer);
                    self.refuse_related(
                        Reason::RedeemQtyExceedsRemaining,
                        format!(
                            "keysRedeemQty {} is more than the {} licenses that remain on \
                             {name}; redeem at most {}",
                            q.value, remaining.value, remaining.value
                        ),
                        loc,
                        related,
                    );
                    return;
                }
                Some(q) if q.value > 0 => q.value,
                _ => return,
            }
        };
        let redeemed = current.keys_redeemed.as_ref().map_or(0, |r| r.value);
        let (Some(after_r), Some(after_m)) =
            (redeemed.checked_add(quantity), remaining.value.checked_sub(quantity))
        else {
            return;
        };
        self.actions.push(Action::Redeem {
            auth_code: name.to_string(),
            quantity,
            redeemed: Change { before: redeemed, after: after_r },
            remaining: Change { before: remaining.value, after: after_m },
        });
    }

    fn redeem_key_state(&mut self, entry: &AuthCode) {
        if entry.license_keys.is_empty() {
            let at = self.code_at(entry);
            self.refuse(
                Reason::RedeemKeyState,
                "a redeem sets licenseKeys[].state to \"not installed\", and this entry has no \
                 licenseKeys; add [{\"state\": \"not installed\"}]"
                    .to_string(),
                at,
            );
        }
        for key in &entry.license_keys {
            let state = key.state.as_ref().map(|s| s.value.as_str()).unwrap_or("");
            if state != KeyState::NotInstalled.as_str() {
                let at = key.state.as_ref().map_or_else(
                    || self.at(key.offset, &key.pointer),
                    |s| self.at(s.offset, &s.pointer),
                );
                let shown = if state.is_empty() {
                    "nothing".to_string()
                } else {
                    format!("\"{}\"", state.escape_debug())
                };
                self.refuse(
                    Reason::RedeemKeyState,
                    format!(
                        "a redeem sets licenseKeys[].state to \"not installed\"; this one says \
                         {shown}: write \"not installed\""
                    ),
                    at,
                );
            }
        }
    }

    fn idempotent(&mut self, entry: &AuthCode, current: &AuthCode) {
        let asked = transitions::string_attributes(entry);
        for (name, value) in asked {
            let (Some(value), Some(now)) = (value, field(current, name)) else { continue };
            if now.value.is_empty() || now.value == value {
                continue;
            }
            let Some(at) = field(entry, name).map(|s| self.at(s.offset, &s.pointer)) else {
                continue;
            };
            let rel = self.in_export(now.offset, &now.pointer);
            self.refuse_related(
                Reason::IdempotentChanged,
                format!(
                    "{name} is \"{}\" on the server and cannot be changed; this asks for \"{}\": \
                     leave it \"\" (unchanged) or copy the current value",
                    now.value.escape_debug(),
                    value.escape_debug()
                ),
                at,
                rel,
            );
        }
        let counts = [
            ("keysRedeemed", &entry.keys_redeemed, &current.keys_redeemed),
            ("keysRemaining", &entry.keys_remaining, &current.keys_remaining),
        ];
        for (name, asked, now) in counts {
            let (Some(asked), Some(now)) = (asked, now) else { continue };
            if asked.value != now.value {
                let at = self.at(asked.offset, &asked.pointer);
                let rel = self.in_export(now.offset, &now.pointer);
                self.refuse_related(
                    Reason::IdempotentChanged,
                    format!(
                        "{name} is {} on the server and a request cannot set it; this asks for \
                         {}: leave it out (the server moves it when redeeming)",
                        now.value, asked.value
                    ),
                    at,
                    rel,
                );
            }
        }
        for key in &entry.license_keys {
            let Some(id) = key.id() else { continue };
            if current.license_keys.iter().any(|k| k.id() == Some(id)) {
                continue;
            }
            let at = key.license_key_id.as_ref().map_or_else(
                || self.at(key.offset, &key.pointer),
                |s| self.at(s.offset, &s.pointer),
            );
            self.refuse(
                Reason::IdempotentChanged,
                format!(
                    "licenseKeyId \"{}\" is not a key of this code; the server numbers new \
                     keys itself: leave licenseKeyId \"\"",
                    id.escape_debug()
                ),
                at,
            );
        }
    }

    fn patch(&mut self, req: &Document) {
        self.duplicates(req);
        for entry in &req.codes {
            let at = self.code_at(entry);
            let Some(name) = entry.code() else {
                self.refuse(
                    Reason::MissingAuthCode,
                    "each PATCH entry names its code in authCode; add it".to_string(),
                    at,
                );
                continue;
            };
            let Some(current) = self.find(name) else {
                self.unknown_code(name, at);
                continue;
            };
            for key in &entry.license_keys {
                self.patch_key(name, current, key);
            }
        }
    }

    fn patch_key(&mut self, name: &str, current: &AuthCode, key: &LicenseKey) {
        let key_at = self.at(key.offset, &key.pointer);
        let Some(id) = key.id() else {
            self.refuse(
                Reason::MissingKeyId,
                "each key to install or download is named by licenseKeyId; add the ID from \
                 the export"
                    .to_string(),
                key_at,
            );
            return;
        };
        let to = key.known_state().filter(|s| *s != KeyState::NotInstalled);
        let Some(to) = to else {
            let at = key.state.as_ref().map_or(key_at.clone(), |s| self.at(s.offset, &s.pointer));
            let asked = key.state.as_ref().map(|s| s.value.as_str()).unwrap_or("");
            self.refuse(
                Reason::PatchState,
                format!(
                    "a PATCH sets \"installed\" (install) or \"downloaded\" (download), not \
                     \"{}\"",
                    asked.escape_debug()
                ),
                at,
            );
            return;
        };
        let Some(now) = current.license_keys.iter().find(|k| k.id() == Some(id)) else {
            let elsewhere = self
                .current
                .codes
                .iter()
                .find(|c| c.license_keys.iter().any(|k| k.id() == Some(id)))
                .and_then(AuthCode::code)
                .map(|c| format!(" (the export lists it under {c})"))
                .unwrap_or_default();
            self.refuse(
                Reason::UnknownKey,
                format!(
                    "{name} has no key {}{elsewhere}; use a key ID from the export",
                    id.escape_debug()
                ),
                key_at,
            );
            return;
        };
        let from = now.known_state();
        if let Some(from) = from {
            if transitions::classify(from, to) == StateMove::Suspicious {
                self.notes.push(format!(
                    "key {id} is installed; what downloading it does to its state is not \
                     documented"
                ));
            }
        }
        let before = now.state.as_ref().map(|s| s.value.clone()).unwrap_or_default();
        self.actions.push(Action::SetState {
            auth_code: name.to_string(),
            key: id.to_string(),
            state: Change { before, after: to.as_str().to_string() },
        });
    }
}

fn has_redeemed(code: &AuthCode) -> bool {
    code.keys_redeemed.as_ref().is_some_and(|r| r.value > 0) || !code.license_keys.is_empty()
}

/// The export after the actions: counts moved, one new key per redemption (its ID unknown),
/// states set, customer information replaced field by field.
fn predict(current: &Document, actions: &[Action], request: Option<&Document>) -> Document {
    let mut doc = current.clone();
    let mut unknown = 0;
    for action in actions {
        match action {
            Action::Redeem { auth_code, quantity, redeemed, remaining } => {
                let customer = request
                    .and_then(|r| r.codes.iter().find(|c| c.code() == Some(auth_code)))
                    .and_then(Planner::customer_of)
                    .map(str::to_string);
                let Some(code) = doc.codes.iter_mut().find(|c| c.code() == Some(auth_code)) else {
                    continue;
                };
                code.keys_redeemed = Some(made(redeemed.after));
                code.keys_remaining = Some(made(remaining.after));
                let customer = customer
                    .or_else(|| code.lenovo_customer_number.as_ref().map(|n| n.value.clone()));
                unknown += 1;
                code.license_keys.push(LicenseKey {
                    offset: 0,
                    pointer: String::new(),
                    customer_number: customer.map(made),
                    license_key_id: Some(made(format!("{UNKNOWN_KEY_ID_PREFIX}{unknown}"))),
                    quantity: Some(made(*quantity)),
                    state: Some(made(KeyState::NotInstalled.as_str().to_string())),
                });
            }
            Action::SetState { auth_code, key, state } => {
                let keys = doc
                    .codes
                    .iter_mut()
                    .filter(|c| c.code() == Some(auth_code))
                    .flat_map(|c| c.license_keys.iter_mut());
                for k in keys.filter(|k| k.id() == Some(key)) {
                    k.state = Some(made(state.after.clone()));
                }
            }
            Action::Customer { .. } => {
                let (Some(info), Some(asked)) =
                    (doc.customer.as_mut(), request.and_then(|r| r.customer.as_ref()))
                else {
                    continue;
                };
                for (name, value) in asked.fields.iter().filter(|(_, v)| !v.value.is_empty()) {
                    match info.fields.iter_mut().find(|(n, _)| n == name) {
                        Some((_, v)) => *v = made(value.value.clone()),
                        None => info.fields.push((name, made(value.value.clone()))),
                    }
                }
            }
            Action::Retrieve { .. } => {}
        }
    }
    doc
}
