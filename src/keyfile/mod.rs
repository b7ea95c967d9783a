//! License-activation key files: what can be told about them without knowing their format.
//!
//! A key file is opaque signed bytes, so fodpack never changes it and never claims it is
//! valid. It can tell the size, the SHA-256, the printable strings inside, the parts of a
//! conventional name, and whether the file is something else wearing a `.key` name: a private
//! key, a certificate, an HTML page, a JSON body or plain text.

use crate::rules::{Code, Finding, Location};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// What the bytes of a `.key` file look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Binary content, as a license-activation key is.
    Key,
    /// No bytes at all.
    Empty,
    /// A PEM private key (`-----BEGIN ... PRIVATE KEY-----`).
    PemPrivateKey,
    /// An OpenSSH private key.
    OpenSshPrivateKey,
    /// A PuTTY private key.
    PuttyPrivateKey,
    /// A DER-encoded private key (PKCS#1 or PKCS#8).
    DerPrivateKey,
    /// A PEM certificate, public key or request.
    PemOther,
    /// An HTML or XML page, such as a saved login page.
    Html,
    /// A JSON document, such as an error body.
    Json,
    /// Text with no binary content.
    Text,
}

impl Class {
    /// Whether the file holds private key material.
    pub fn is_private_key(self) -> bool {
        matches!(
            self,
            Class::PemPrivateKey
                | Class::OpenSshPrivateKey
                | Class::PuttyPrivateKey
                | Class::DerPrivateKey
        )
    }

    /// Words for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Class::Key => "a binary file, as a license-activation key is",
            Class::Empty => "empty",
            Class::PemPrivateKey => "a PEM private key",
            Class::OpenSshPrivateKey => "an OpenSSH private key",
            Class::PuttyPrivateKey => "a PuTTY private key",
            Class::DerPrivateKey => "a DER-encoded private key (PKCS#1 or PKCS#8)",
            Class::PemOther => "a PEM certificate or public key",
            Class::Html => "an HTML or XML page",
            Class::Json => "a JSON document",
            Class::Text => "plain text",
        }
    }
}

/// Says what the bytes of a `.key` file are.
pub fn classify(bytes: &[u8]) -> Class {
    if bytes.is_empty() {
        return Class::Empty;
    }
    // Private key markers are searched for anywhere: a PEM block may follow other text
    // (`openssl pkcs12` writes "Bag Attributes" first), and refusing one wrongly costs less
    // than carrying one across the gap.
    if contains(bytes, b"-----BEGIN OPENSSH PRIVATE KEY-----") {
        return Class::OpenSshPrivateKey;
    }
    if contains(bytes, b"PRIVATE KEY-----") {
        return Class::PemPrivateKey;
    }
    if bytes.starts_with(b"PuTTY-User-Key-File-") {
        return Class::PuttyPrivateKey;
    }
    if is_der_private_key(bytes) {
        return Class::DerPrivateKey;
    }
    if contains(bytes, b"-----BEGIN ") {
        return Class::PemOther;
    }
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes));
    let Ok(text) = text else { return Class::Key };
    if text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n' | '\x0c')) {
        return Class::Key;
    }
    let head = text.trim_start().get(..text.trim_start().len().min(64)).unwrap_or("");
    let head = head.to_ascii_lowercase();
    if ["<!doctype", "<html", "<?xml", "<head", "<body", "<!--"].iter().any(|p| head.starts_with(p))
    {
        return Class::Html;
    }
    if (head.starts_with('{') || head.starts_with('['))
        && serde_json::from_str::<serde_json::Value>(text).is_ok()
    {
        return Class::Json;
    }
    Class::Text
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A DER SEQUENCE whose length covers the whole file and which starts with INTEGER 0: the
/// shape of both PKCS#1 RSA and PKCS#8 private keys.
fn is_der_private_key(b: &[u8]) -> bool {
    let (len, header) = match b {
        [0x30, 0x82, hi, lo, ..] => ((usize::from(*hi) << 8) | usize::from(*lo), 4),
        [0x30, 0x81, n, ..] => (usize::from(*n), 3),
        _ => return false,
    };
    header + len == b.len() && b.get(header..header + 3) == Some(&[0x02, 0x01, 0x00])
}

/// The parts of a conventional key file name,
/// `<prefix>_fod_<feature type>_<machine type><serial>[_anyos_noarch].key`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyName {
    /// The vendor prefix: `lnvgy`, `ibm`, `xcc`, ...
    pub prefix: String,
    /// The four hex digits after `fod`, which look like the FoD feature type.
    pub feature_type: String,
    /// The first four characters of the machine part: the machine type.
    pub machine_type: String,
    /// The rest of the machine part: the serial number.
    pub serial: String,
}

/// Splits a conventional key file name into its parts, or `None`.
pub fn parse_name(file_name: &str) -> Option<KeyName> {
    let lower = file_name.to_ascii_lowercase();
    let stem = lower.strip_suffix(".key")?;
    let stem = stem.strip_suffix("_anyos_noarch").unwrap_or(stem);
    let mut parts = stem.split('_');
    let (prefix, fod, feature, machine) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || fod != "fod" {
        return None;
    }
    let alnum = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric());
    if !alnum(prefix) || feature.len() != 4 || !feature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    if !alnum(machine) || machine.len() < 5 {
        return None;
    }
    let original = &file_name[..machine.len() + prefix.len() + feature.len() + 6];
    let machine_orig = &original[prefix.len() + feature.len() + 6..];
    Some(KeyName {
        prefix: prefix.to_string(),
        feature_type: feature.to_string(),
        machine_type: machine_orig[..4].to_ascii_uppercase(),
        serial: machine_orig[4..].to_ascii_uppercase(),
    })
}

/// Everything fodpack can say about one key file.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyFacts {
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lower-case hex.
    pub sha256: String,
    /// What the bytes look like.
    pub class: Class,
    /// Printable ASCII runs of at least six characters, at most [`MAX_STRINGS`].
    pub strings: Vec<String>,
    /// The parts of the name, when it is conventional.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<KeyName>,
}

/// Most strings listed for one key.
pub const MAX_STRINGS: usize = 32;

/// Looks at one key file's bytes.
pub fn facts(file_name: &str, bytes: &[u8]) -> KeyFacts {
    KeyFacts {
        size: bytes.len() as u64,
        sha256: sha256_hex(bytes),
        class: classify(bytes),
        strings: printable_strings(bytes, 6, MAX_STRINGS),
        name: parse_name(file_name),
    }
}

/// Lower-case hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex of some bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// Runs of printable ASCII (and spaces) at least `min` long, as `strings(1)` finds them.
pub fn printable_strings(bytes: &[u8], min: usize, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    for run in bytes.split(|b| !(b.is_ascii_graphic() || *b == b' ')) {
        let run = String::from_utf8_lossy(run);
        let run = run.trim();
        if run.len() >= min {
            out.push(run.chars().take(200).collect());
            if out.len() == max {
                break;
            }
        }
    }
    out
}

/// Whether an archive entry or file name is macOS AppleDouble metadata (`._name`, or anything
/// under `__MACOSX/`).
pub fn is_apple_double(name: &str) -> bool {
    let name = name.replace('\\', "/");
    name.split('/').any(|c| c == "__MACOSX")
        || name.rsplit('/').next().is_some_and(|base| base.starts_with("._"))
}

/// The findings about one key file on its own. `entry` names it inside an archive.
pub fn check(file_name: &str, bytes: &[u8], entry: Option<&str>) -> Vec<Finding> {
    let loc = || entry.map(Location::entry).unwrap_or_default();
    let class = classify(bytes);
    let mut out = Vec::new();
    match class {
        Class::Key => {
            if parse_name(file_name).is_none() {
                out.push(Finding::new(
                    Code::KeyNameUnconventional,
                    "the name does not follow <prefix>_fod_<4 hex digits>_<machine type and \
                     serial>_anyos_noarch.key, so its feature type and machine are unknown; \
                     keep the name the portal gave it",
                    loc(),
                ));
            }
        }
        Class::Empty => out.push(Finding::new(
            Code::KeyEmpty,
            "the key file is empty (0 bytes); download the key again from the LXCA or the FoD \
             portal",
            loc(),
        )),
        c if c.is_private_key() => out.push(Finding::new(
            Code::KeyPrivateKey,
            format!(
                "this is {}, not a license-activation key; move it out of the folder: fodpack \
                 never packs private keys",
                c.describe()
            ),
            loc(),
        )),
        c => out.push(Finding::new(
            Code::KeyNotAKey,
            format!(
                "this is {}, not a license-activation key (keys are binary); download the key \
                 again, or remove the file",
                c.describe()
            ),
            loc(),
        )),
    }
    out
}

/// One key file seen in a set, for the checks across files.
#[derive(Clone, Debug)]
pub struct Seen {
    /// The path or entry name shown to the user.
    pub display: String,
    /// The file name alone.
    pub file_name: String,
    /// SHA-256 of the bytes.
    pub sha256: String,
}

/// Findings across a set of key files: the same bytes under two names, and two names that
/// differ only in case. Each finding is for the later file and relates to the earlier one.
pub fn check_set(files: &[Seen]) -> Vec<(usize, Finding)> {
    let mut out = Vec::new();
    let mut by_hash: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut by_lower: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, f) in files.iter().enumerate() {
        match by_hash.get(f.sha256.as_str()) {
            Some(&j) if files[j].file_name != f.file_name => out.push((
                i,
                Finding::new(
                    Code::KeyDuplicateContent,
                    format!(
                        "the same bytes as {}; one key imported twice wastes nothing, but two \
                         names for one key hide which is which: keep one",
                        files[j].display
                    ),
                    Location::default(),
                )
                .with_related(Location {
                    path: Some(files[j].display.clone()),
                    ..Default::default()
                }),
            )),
            Some(_) => {}
            None => {
                by_hash.insert(&f.sha256, i);
            }
        }
        let lower = f.file_name.to_lowercase();
        match by_lower.get(&lower) {
            Some(&j) if files[j].file_name != f.file_name => out.push((
                i,
                Finding::new(
                    Code::KeyNameCase,
                    format!(
                        "the name differs from {} only in case; on Windows and macOS one would \
                         overwrite the other: rename one",
                        files[j].display
                    ),
                    Location::default(),
                )
                .with_related(Location {
                    path: Some(files[j].display.clone()),
                    ..Default::default()
                }),
            )),
            Some(_) => {}
            None => {
                by_lower.insert(lower, i);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_conventional_names() {
        let n = parse_name("lnvgy_fod_0001_8869J311Y9K_anyos_noarch.key");
        assert_eq!(
            n,
            Some(KeyName {
                prefix: "lnvgy".into(),
                feature_type: "0001".into(),
                machine_type: "8869".into(),
                serial: "J311Y9K".into(),
            })
        );
        assert_eq!(
            parse_name("XCC_FOD_0034_7X21ABCDEF.KEY").map(|n| n.feature_type),
            Some("0034".into())
        );
        assert_eq!(parse_name("license.key"), None);
        assert_eq!(parse_name("a_fod_00zz_7915KD6A3V7.key"), None);
    }

    #[test]
    fn classifies_impostors() {
        assert_eq!(classify(b""), Class::Empty);
        assert_eq!(classify(b"-----BEGIN RSA PRIVATE KEY-----\nMII\n"), Class::PemPrivateKey);
        assert_eq!(classify(b"-----BEGIN OPENSSH PRIVATE KEY-----\n"), Class::OpenSshPrivateKey);
        assert_eq!(classify(b"-----BEGIN CERTIFICATE-----\n"), Class::PemOther);
        assert_eq!(classify(b"\n<!DOCTYPE html><html></html>"), Class::Html);
        assert_eq!(classify(b"{\"error\": 1}"), Class::Json);
        assert_eq!(classify(b"hello there\n"), Class::Text);
        assert_eq!(classify(&[0x30, 0x82, 0, 3, 2, 1, 0]), Class::DerPrivateKey);
        assert_eq!(classify(b"FEATURE ON DEMAND\x00\x01\xff"), Class::Key);
    }

    #[test]
    fn apple_double_names() {
        assert!(is_apple_double("__MACOSX/keys/._a.key"));
        assert!(is_apple_double("keys/._a.key"));
        assert!(!is_apple_double("keys/a.key"));
    }
}
