//! The transition model: which changes the server makes to a key's state and to a code's
//! counts, and which attributes it never changes. `docs/transitions.md` explains each rule.

use crate::model::{AuthCode, KeyState};

/// The attributes the vendor's page calls idempotent ("cannot be changed"), by JSON name.
pub const IDEMPOTENT: [&str; 9] = [
    "featureCode",
    "featureDescription",
    "keysRedeemed",
    "keysRemaining",
    "licenseKeyId",
    "partNumber",
    "purchaseOrder",
    "salesOrder",
    "startDate",
];

/// The prefix of the key IDs that `plan` writes for keys the server has yet to number.
pub const UNKNOWN_KEY_ID_PREFIX: &str = "unknown-";

/// Whether a key ID stands for a real key: not empty, and not a placeholder from `plan`.
pub fn is_real_key_id(id: &str) -> bool {
    !id.is_empty() && !id.starts_with(UNKNOWN_KEY_ID_PREFIX)
}

/// How a key's state moved between two snapshots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateMove {
    /// No change.
    Same,
    /// A change the server makes: a download or an install.
    Made,
    /// Installed, then downloaded: a PATCH download of an installed key may do it, but the
    /// vendor does not say so.
    Suspicious,
    /// Back to "not installed": no documented call sets that state on an existing key.
    Reverted,
}

/// Classifies a state change.
pub fn classify(from: KeyState, to: KeyState) -> StateMove {
    use KeyState::{Downloaded, Installed, NotInstalled};
    match (from, to) {
        _ if from == to => StateMove::Same,
        (NotInstalled, Downloaded | Installed) | (Downloaded, Installed) => StateMove::Made,
        (Installed, Downloaded) => StateMove::Suspicious,
        (_, NotInstalled) => StateMove::Reverted,
        // Every pair is covered above; this arm only satisfies the compiler.
        _ => StateMove::Same,
    }
}

/// Redeemed plus remaining: what was bought, in our reading. `None` when either is unknown or
/// the sum overflows.
pub fn total(code: &AuthCode) -> Option<i64> {
    let redeemed = code.keys_redeemed.as_ref()?.value;
    let remaining = code.keys_remaining.as_ref()?.value;
    redeemed.checked_add(remaining)
}

/// The idempotent string attributes of a code with their values, empty ones included as
/// absent, in the order of [`IDEMPOTENT`].
pub fn string_attributes(code: &AuthCode) -> [(&'static str, Option<&str>); 6] {
    fn v(s: &Option<crate::model::Spanned<String>>) -> Option<&str> {
        s.as_ref().map(|s| s.value.as_str()).filter(|s| !s.is_empty())
    }
    [
        ("featureCode", v(&code.feature_code)),
        ("featureDescription", v(&code.feature_description)),
        ("partNumber", v(&code.part_number)),
        ("purchaseOrder", v(&code.purchase_order)),
        ("salesOrder", v(&code.sales_order)),
        ("startDate", v(&code.start_date)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use KeyState::{Downloaded, Installed, NotInstalled};

    #[test]
    fn every_pair_of_states_is_classified_as_documented() {
        assert_eq!(classify(NotInstalled, Installed), StateMove::Made);
        assert_eq!(classify(NotInstalled, Downloaded), StateMove::Made);
        assert_eq!(classify(Downloaded, Installed), StateMove::Made);
        assert_eq!(classify(Installed, Downloaded), StateMove::Suspicious);
        assert_eq!(classify(Installed, NotInstalled), StateMove::Reverted);
        assert_eq!(classify(Downloaded, NotInstalled), StateMove::Reverted);
        for s in [NotInstalled, Downloaded, Installed] {
            assert_eq!(classify(s, s), StateMove::Same);
        }
    }
}
