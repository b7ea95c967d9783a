//! Auth codes, license keys and customer information, as read from a document.
//!
//! Every value keeps where it came from, so that any later check can point at it. A value that
//! could not be read (a count of "ten", say) is absent here; the reader has reported why.

mod read;

pub use read::{CUSTOMER_FIELDS, article, read_document};

use crate::document::{Kind, Source};
use crate::rules::Location;
use serde::Serialize;

/// A value and the place it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Byte offset of the value in the decoded text.
    pub offset: usize,
    /// JSON pointer to the value.
    pub pointer: String,
}

impl<T> Spanned<T> {
    /// Where the value is, as a finding location.
    pub fn location(&self, source: &Source) -> Location {
        source.location(self.offset, Some(self.pointer.clone()))
    }
}

/// The three key states that the vendor documents or that exports show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
pub enum KeyState {
    /// Redeemed, not yet downloaded or installed.
    #[serde(rename = "not installed")]
    NotInstalled,
    /// Downloaded by a PATCH download.
    #[serde(rename = "downloaded")]
    Downloaded,
    /// Installed in an LXCA.
    #[serde(rename = "installed")]
    Installed,
}

impl KeyState {
    /// The spellings the server uses.
    pub const NAMES: [&'static str; 3] = ["not installed", "downloaded", "installed"];

    /// Reads a state exactly as the server spells it.
    pub fn parse(text: &str) -> Option<KeyState> {
        match text {
            "not installed" => Some(KeyState::NotInstalled),
            "downloaded" => Some(KeyState::Downloaded),
            "installed" => Some(KeyState::Installed),
            _ => None,
        }
    }

    /// The server's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::NotInstalled => "not installed",
            KeyState::Downloaded => "downloaded",
            KeyState::Installed => "installed",
        }
    }
}

/// One license-activation key listed under a code.
#[derive(Clone, Debug, Default)]
pub struct LicenseKey {
    /// Position of the key object.
    pub offset: usize,
    /// JSON pointer to the key object.
    pub pointer: String,
    /// `customerNumber`.
    pub customer_number: Option<Spanned<String>>,
    /// `licenseKeyId`; empty in redeem requests.
    pub license_key_id: Option<Spanned<String>>,
    /// `quantity`.
    pub quantity: Option<Spanned<i64>>,
    /// `state` as written.
    pub state: Option<Spanned<String>>,
}

impl LicenseKey {
    /// The state, when it is one of the known ones.
    pub fn known_state(&self) -> Option<KeyState> {
        self.state.as_ref().and_then(|s| KeyState::parse(&s.value))
    }

    /// The key ID, when it is present and not empty.
    pub fn id(&self) -> Option<&str> {
        self.license_key_id.as_ref().map(|s| s.value.as_str()).filter(|s| !s.is_empty())
    }
}

/// One authorization code and what the document says of it.
#[derive(Clone, Debug, Default)]
pub struct AuthCode {
    /// Position of the code object.
    pub offset: usize,
    /// JSON pointer to the code object.
    pub pointer: String,
    /// `authCode`.
    pub auth_code: Option<Spanned<String>>,
    /// `errorMsg`.
    pub error_msg: Option<Spanned<String>>,
    /// `featureCode`, as text whether it was written as a number or a string.
    pub feature_code: Option<Spanned<String>>,
    /// `featureDescription`.
    pub feature_description: Option<Spanned<String>>,
    /// `keysRedeemed`.
    pub keys_redeemed: Option<Spanned<i64>>,
    /// `keysRedeemQty` (requests).
    pub keys_redeem_qty: Option<Spanned<i64>>,
    /// `keysRemaining`.
    pub keys_remaining: Option<Spanned<i64>>,
    /// `lenovoCustomerNumber`.
    pub lenovo_customer_number: Option<Spanned<String>>,
    /// `licenseKeys`.
    pub license_keys: Vec<LicenseKey>,
    /// `partNumber`.
    pub part_number: Option<Spanned<String>>,
    /// `purchaseOrder`.
    pub purchase_order: Option<Spanned<String>>,
    /// `retrieveKeys` (requests).
    pub retrieve_keys: Option<Spanned<bool>>,
    /// `salesOrder`.
    pub sales_order: Option<Spanned<String>>,
    /// `startDate`.
    pub start_date: Option<Spanned<String>>,
}

impl AuthCode {
    /// The code, when present and not empty.
    pub fn code(&self) -> Option<&str> {
        self.auth_code.as_ref().map(|s| s.value.as_str()).filter(|s| !s.is_empty())
    }

    /// The attributes that the server never changes, by their JSON names, with their values.
    /// Empty strings are left out: in a request they mean "leave unchanged".
    pub fn idempotent_attributes(&self) -> Vec<(&'static str, &Spanned<String>)> {
        let fields = [
            ("featureCode", &self.feature_code),
            ("featureDescription", &self.feature_description),
            ("partNumber", &self.part_number),
            ("purchaseOrder", &self.purchase_order),
            ("salesOrder", &self.sales_order),
            ("startDate", &self.start_date),
        ];
        fields
            .into_iter()
            .filter_map(|(name, v)| v.as_ref().filter(|s| !s.value.is_empty()).map(|s| (name, s)))
            .collect()
    }
}

/// The `customerInfo` object: field name and value, in the document's order.
#[derive(Clone, Debug, Default)]
pub struct CustomerInfo {
    /// Position of the object.
    pub offset: usize,
    /// JSON pointer to the object.
    pub pointer: String,
    /// The known fields that were present.
    pub fields: Vec<(&'static str, Spanned<String>)>,
}

impl CustomerInfo {
    /// The value of one field, if present.
    pub fn get(&self, name: &str) -> Option<&Spanned<String>> {
        self.fields.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// The body of a `POST /authCodes` request.
#[derive(Clone, Debug, Default)]
pub struct PostBody {
    /// `authCode`.
    pub auth_code: Option<Spanned<String>>,
    /// `lenovoCustomerNumber`.
    pub lenovo_customer_number: Option<Spanned<String>>,
    /// `retrieveKeys`.
    pub retrieve_keys: Option<Spanned<bool>>,
}

/// The answer to `GET /licenseCountries`: the codes the vendor accepts.
#[derive(Clone, Debug, Default)]
pub struct CountryList {
    /// Country codes (`value` of each entry of `countries`).
    pub countries: Vec<String>,
    /// Language codes (`value` of each entry of `languages`).
    pub languages: Vec<String>,
}

/// A document read into the model.
#[derive(Clone, Debug)]
pub struct Document {
    /// What kind of document it is.
    pub kind: Kind,
    /// Its authorization codes, in document order.
    pub codes: Vec<AuthCode>,
    /// Whether `authCodes` was a single object (the `PUT /authCodes/{code}` form).
    pub single_object: bool,
    /// Its customer information.
    pub customer: Option<CustomerInfo>,
    /// The POST body, for POST requests.
    pub post: Option<PostBody>,
    /// The country list, for `GET /licenseCountries` answers.
    pub countries: Option<CountryList>,
}
