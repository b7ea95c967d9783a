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
    /// A PEM private key (`-----BEGIN ... PRIVATE KEY-----`), in ASCII, UTF-8 or UTF-16.
    PemPrivateKey,
    /// An OpenSSH private key.
    OpenSshPrivateKey,
    /// A PuTTY private key.
    PuttyPrivateKey,
    /// A DER-encoded private key: PKCS#1 RSA (or the same shape for DSA) or PKCS#8.
    DerPrivateKey,
    /// A DER-encoded encrypted PKCS#8 private key (`EncryptedPrivateKeyInfo`).
    DerEncryptedPrivateKey,
    /// A DER-encoded SEC1 EC private key (`ECPrivateKey`).
    DerEcPrivateKey,
    /// A PKCS#12 (PFX) file, which may hold private keys.
    Pkcs12,
    /// A Java key store (JKS or JCEKS), which may hold private keys.
    JavaKeyStore,
    /// A PEM certificate, public key or request.
    PemOther,
    /// A DER certificate, certificate request, revocation list, public key or PKCS#7 file.
    DerOther,
    /// An HTML or XML page, such as a saved login page.
    Html,
    /// A JSON document, such as an error body.
    Json,
    /// Text with no binary content.
    Text,
}

impl Class {
    /// Whether the file holds, or may hold, private key material. Such a file is never packed
    /// and nothing of its content is shown.
    pub fn is_private_key(self) -> bool {
        matches!(
            self,
            Class::PemPrivateKey
                | Class::OpenSshPrivateKey
                | Class::PuttyPrivateKey
                | Class::DerPrivateKey
                | Class::DerEncryptedPrivateKey
                | Class::DerEcPrivateKey
                | Class::Pkcs12
                | Class::JavaKeyStore
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
            Class::DerEncryptedPrivateKey => "a DER-encoded encrypted private key (PKCS#8)",
            Class::DerEcPrivateKey => "a DER-encoded EC private key (SEC1)",
            Class::Pkcs12 => "a PKCS#12 (PFX) file, which holds private keys",
            Class::JavaKeyStore => "a Java key store, which holds private keys",
            Class::PemOther => "a PEM certificate or public key",
            Class::DerOther => "a DER certificate, certificate request or public key",
            Class::Html => "an HTML or XML page",
            Class::Json => "a JSON document",
            Class::Text => "plain text",
        }
    }
}

/// Whether some bytes are, or may hold, private key material, whatever the file is called:
/// a PEM private key (in ASCII, UTF-8 or UTF-16, with or without a byte order mark, anywhere
/// in the file), an OpenSSH or PuTTY private key, a DER private key (PKCS#1, PKCS#8, encrypted
/// PKCS#8, SEC1 EC), a PKCS#12 file or a Java key store.
///
/// This is what `classify(bytes).is_private_key()` says, without the work of telling other
/// kinds of file apart, so it is cheap enough to ask of every file.
pub fn is_private_key(bytes: &[u8]) -> bool {
    private_key_class(bytes).is_some()
}

/// Says what the bytes of a `.key` file are.
pub fn classify(bytes: &[u8]) -> Class {
    if bytes.is_empty() {
        return Class::Empty;
    }
    if let Some(class) = private_key_class(bytes) {
        return class;
    }
    if let Some(class) = der_class(bytes) {
        return class;
    }
    if contains_text(bytes, "-----BEGIN ") {
        return Class::PemOther;
    }
    let decoded;
    let text = match utf16_with_bom(bytes) {
        Some(t) => {
            decoded = t;
            decoded.as_str()
        }
        None => {
            let Ok(t) = std::str::from_utf8(bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes)) else {
                return Class::Key;
            };
            t
        }
    };
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

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The private key class of some bytes, if they hold private key material.
fn private_key_class(bytes: &[u8]) -> Option<Class> {
    // PEM markers are searched for anywhere: a PEM block may follow other text (`openssl
    // pkcs12` writes "Bag Attributes" first), and refusing one wrongly costs less than
    // carrying one across the gap.
    if contains_text(bytes, "PRIVATE KEY-----") {
        return Some(if contains_text(bytes, "-----BEGIN OPENSSH PRIVATE KEY-----") {
            Class::OpenSshPrivateKey
        } else {
            Class::PemPrivateKey
        });
    }
    if starts_with_text(bytes, "PuTTY-User-Key-File-") {
        return Some(Class::PuttyPrivateKey);
    }
    // JKS and JCEKS magic numbers.
    if bytes.starts_with(&[0xFE, 0xED, 0xFE, 0xED]) || bytes.starts_with(&[0xCE, 0xCE, 0xCE, 0xCE])
    {
        return Some(Class::JavaKeyStore);
    }
    der_class(bytes).filter(|c| c.is_private_key())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

/// An ASCII string encoded as UTF-16, little- or big-endian.
fn utf16(s: &str, big_endian: bool) -> Vec<u8> {
    s.encode_utf16()
        .flat_map(|u| if big_endian { u.to_be_bytes() } else { u.to_le_bytes() })
        .collect()
}

/// Whether the bytes hold an ASCII string as ASCII (or UTF-8), UTF-16LE or UTF-16BE.
fn contains_text(bytes: &[u8], s: &str) -> bool {
    contains(bytes, s.as_bytes())
        || contains(bytes, &utf16(s, false))
        || contains(bytes, &utf16(s, true))
}

/// Whether the bytes start with an ASCII string in one of the encodings of [`contains_text`],
/// after any byte order mark.
fn starts_with_text(bytes: &[u8], s: &str) -> bool {
    let strip = |b: &'static [u8]| bytes.strip_prefix(b).unwrap_or(bytes);
    strip(UTF8_BOM).starts_with(s.as_bytes())
        || strip(b"\xFF\xFE").starts_with(&utf16(s, false))
        || strip(b"\xFE\xFF").starts_with(&utf16(s, true))
}

/// Text saved as UTF-16 with a byte order mark, decoded; `None` for anything else.
fn utf16_with_bom(bytes: &[u8]) -> Option<String> {
    let (rest, big_endian) = match bytes {
        [0xFF, 0xFE, rest @ ..] => (rest, false),
        [0xFE, 0xFF, rest @ ..] => (rest, true),
        _ => return None,
    };
    if rest.len() % 2 != 0 {
        return None;
    }
    let units = rest.chunks_exact(2).map(|c| {
        let pair = [c[0], c[1]];
        if big_endian { u16::from_be_bytes(pair) } else { u16::from_le_bytes(pair) }
    });
    let text = char::decode_utf16(units).collect::<Result<String, _>>().ok()?;
    // Binary that happens to start with a byte order mark decodes to mostly non-ASCII.
    let ascii = text.chars().filter(char::is_ascii).count();
    (ascii * 2 >= text.chars().count()).then_some(text)
}

/// One DER element: its tag, its contents and the bytes after it. Only single-byte tags and
/// definite lengths of up to four bytes are read; anything else is `None`.
fn der_element(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = b.split_first()?;
    if tag & 0x1F == 0x1F {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = match first {
        0..=0x7F => (usize::from(first), rest),
        0x81..=0x84 => {
            let n = usize::from(first & 0x7F);
            let (digits, rest) = (rest.get(..n)?, rest.get(n..)?);
            (digits.iter().fold(0usize, |a, &d| (a << 8) | usize::from(d)), rest)
        }
        _ => return None,
    };
    Some((tag, rest.get(..len)?, rest.get(len..)?))
}

/// The elements at the start of a constructed DER element's contents, as (tag, contents),
/// as far as they can be read, at most `max`; and whether they were all of the contents.
fn der_children(mut b: &[u8], max: usize) -> (Vec<(u8, &[u8])>, bool) {
    let mut out = Vec::new();
    while out.len() < max {
        let Some((tag, body, rest)) = der_element(b) else { break };
        out.push((tag, body));
        b = rest;
    }
    (out, b.is_empty())
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const OID: u8 = 0x06;
/// The contents of the OIDs of PKCS#7 `data` and `signedData`, which a PKCS#12 file's
/// `authSafe` holds.
const PKCS7_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01];
const PKCS7_SIGNED_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];

/// What a DER file is, from the outer SEQUENCE and its first elements. The outer SEQUENCE must
/// span the whole file (a final newline aside), so binary that merely starts with 0x30 is not
/// taken for DER. A PKCS#12 file may also use BER's indefinite length, ending in two zero bytes.
fn der_class(bytes: &[u8]) -> Option<Class> {
    let body = match bytes {
        [SEQUENCE, 0x80, rest @ ..] => {
            let body = rest.strip_suffix(&[0, 0])?;
            return pkcs12_shape(body).then_some(Class::Pkcs12);
        }
        _ => {
            let (tag, body, rest) = der_element(bytes)?;
            if tag != SEQUENCE || !matches!(rest, b"" | b"\n" | b"\r\n") {
                return None;
            }
            body
        }
    };
    let (children, whole) = der_children(body, 4);
    let starts_with_oid = |b: &[u8]| der_element(b).is_some_and(|(tag, _, _)| tag == OID);
    let class = match children.as_slice() {
        // PKCS#12 PFX: INTEGER 3, ContentInfo { data or signedData, ... }, ...
        [(INTEGER, [3]), ..] if pkcs12_shape(body) => Class::Pkcs12,
        // PKCS#8 PrivateKeyInfo or OneAsymmetricKey: INTEGER 0|1, AlgorithmIdentifier,
        // OCTET STRING, ...
        [(INTEGER, [0 | 1]), (SEQUENCE, alg), (OCTET_STRING, _), ..] if starts_with_oid(alg) => {
            Class::DerPrivateKey
        }
        // SEC1 ECPrivateKey: INTEGER 1, OCTET STRING, [0] parameters?, [1] public key?
        [(INTEGER, [1]), (OCTET_STRING, _), rest @ ..]
            if whole && rest.iter().all(|(tag, _)| matches!(tag, 0xA0 | 0xA1)) =>
        {
            Class::DerEcPrivateKey
        }
        // PKCS#1 RSAPrivateKey (and OpenSSL's DSA key, of the same shape): INTEGER 0, then
        // the key's INTEGERs. Any SEQUENCE that starts with INTEGER 0 is taken for one.
        [(INTEGER, [0]), ..] => Class::DerPrivateKey,
        // EncryptedPrivateKeyInfo: AlgorithmIdentifier, OCTET STRING.
        [(SEQUENCE, alg), (OCTET_STRING, _)] if whole && starts_with_oid(alg) => {
            Class::DerEncryptedPrivateKey
        }
        // SubjectPublicKeyInfo: AlgorithmIdentifier, BIT STRING.
        [(SEQUENCE, alg), (BIT_STRING, _)] if whole && starts_with_oid(alg) => Class::DerOther,
        // Certificate, certificate request or revocation list: to-be-signed SEQUENCE,
        // AlgorithmIdentifier, BIT STRING.
        [(SEQUENCE, _), (SEQUENCE, alg), (BIT_STRING, _)] if whole && starts_with_oid(alg) => {
            Class::DerOther
        }
        // PKCS#7 ContentInfo, such as a .p7b certificate bundle: OID, [0] content.
        [(OID, _), (0xA0, _)] if whole => Class::DerOther,
        _ => return None,
    };
    Some(class)
}

/// Whether the contents of an outer SEQUENCE start as a PKCS#12 PFX does: INTEGER 3, then a
/// ContentInfo SEQUENCE (of any length form) whose content type is PKCS#7 data or signedData.
fn pkcs12_shape(body: &[u8]) -> bool {
    let Some(rest) = body.strip_prefix(&[INTEGER, 1, 3, SEQUENCE]) else { return false };
    // Skip the ContentInfo's length: indefinite, short or long form.
    let rest = match rest {
        [0x80, rest @ ..] => rest,
        [n @ 0..=0x7F, rest @ ..] if *n > 0 => rest,
        [n @ 0x81..=0x84, rest @ ..] => rest.get(usize::from(n & 0x7F)..).unwrap_or_default(),
        _ => return false,
    };
    match der_element(rest) {
        Some((OID, oid, _)) => oid == PKCS7_DATA || oid == PKCS7_SIGNED_DATA,
        _ => false,
    }
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
    /// SHA-256, lower-case hex; `None` for a private key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// What the bytes look like.
    pub class: Class,
    /// Printable ASCII runs of at least six characters, at most [`MAX_STRINGS`]; always empty
    /// for a private key.
    pub strings: Vec<String>,
    /// The parts of the name, when it is conventional; `None` for a private key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<KeyName>,
}

/// Most strings listed for one key.
pub const MAX_STRINGS: usize = 32;

/// Looks at one key file's bytes. Of a private key ([`Class::is_private_key`]) it tells only
/// the size and the class: nothing taken from the content, which must not be shown.
pub fn facts(file_name: &str, bytes: &[u8]) -> KeyFacts {
    let class = classify(bytes);
    if class.is_private_key() {
        return KeyFacts {
            size: bytes.len() as u64,
            sha256: None,
            class,
            strings: Vec::new(),
            name: None,
        };
    }
    KeyFacts {
        size: bytes.len() as u64,
        sha256: Some(sha256_hex(bytes)),
        class,
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
                "this is {}, not a license-activation key; a private key must never be carried \
                 across the air gap: move it out of the folder (fodpack never packs private keys)",
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

/// A finding about a file that relates it to `other`; `{}` in `message` names `other`.
fn related(code: Code, message: &str, other: &Seen) -> Finding {
    Finding::new(code, message.replacen("{}", &other.display, 1), Location::default())
        .with_related(Location { path: Some(other.display.clone()), ..Default::default() })
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
                related(
                    Code::KeyDuplicateContent,
                    "the same bytes as {}; one key imported twice wastes nothing, but two names \
                     for one key hide which is which: keep one",
                    &files[j],
                ),
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
                related(
                    Code::KeyNameCase,
                    "the name differs from {} only in case; on Windows and macOS one would \
                     overwrite the other: rename one",
                    &files[j],
                ),
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
