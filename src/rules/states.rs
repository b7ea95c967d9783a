//! License-key states and what requests ask of them.

use super::{Code, Collector, nearest};
use crate::document::{Kind, Source};
use crate::model::{Document, KeyState};

pub(super) fn check(doc: &Document, source: &Source, out: &mut Collector) {
    // A PUT body that retrieves nothing redeems: its keys must be "not installed".
    let redeeming = doc.kind == Kind::PutRequest;
    for code in &doc.codes {
        let retrieving = code.retrieve_keys.as_ref().is_some_and(|r| r.value);
        if redeeming && !retrieving && code.license_keys.iter().all(|k| k.state.is_none()) {
            out.report(
                Code::RedeemKeyState,
                "a redeem request lists licenseKeys with state \"not installed\"; add \
                 \"licenseKeys\": [{\"state\": \"not installed\"}] to this code",
                source.location(code.offset, Some(code.pointer.clone())),
            );
        }
        for key in &code.license_keys {
            let Some(state) = &key.state else { continue };
            let asks = redeeming && !retrieving || doc.kind == Kind::PatchRequest;
            if state.value.is_empty() && asks {
                let (code, what) = if doc.kind == Kind::PatchRequest {
                    (Code::PatchKeyState, "\"installed\" or \"downloaded\"")
                } else {
                    (Code::RedeemKeyState, "\"not installed\"")
                };
                out.report(
                    code,
                    format!("the key state is empty; this request must set it to {what}"),
                    state.location(source),
                );
                continue;
            }
            // An empty state elsewhere in a request leaves it unchanged.
            if state.value.is_empty() && !doc.kind.is_snapshot() {
                continue;
            }
            let Some(known) = KeyState::parse(&state.value) else {
                let hint = match nearest(&state.value, &KeyState::NAMES) {
                    Some(s) => format!("did you mean \"{s}\"?"),
                    None => "the known states are \"not installed\", \"downloaded\" and \
                             \"installed\""
                        .to_string(),
                };
                out.report(
                    Code::UnknownState,
                    format!("unknown key state \"{}\"; {hint}", state.value.escape_debug()),
                    state.location(source),
                );
                continue;
            };
            if redeeming && !retrieving && known != KeyState::NotInstalled {
                out.report(
                    Code::RedeemKeyState,
                    format!(
                        "a redeem request sets licenseKeys.state to \"not installed\", not \
                         \"{}\"; the server refuses anything else",
                        known.as_str()
                    ),
                    state.location(source),
                );
            }
            if doc.kind == Kind::PatchRequest && known == KeyState::NotInstalled {
                out.report(
                    Code::PatchKeyState,
                    "a PATCH request sets keys to \"installed\" (install) or \"downloaded\" \
                     (download); \"not installed\" is what redeeming makes, not a change a \
                     PATCH can ask for",
                    state.location(source),
                );
            }
        }
    }
}
