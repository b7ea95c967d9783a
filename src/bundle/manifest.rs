//! `manifest.json` and `SHA256SUMS`, format version 1 (docs/bundle-format.md).

use serde::{Deserialize, Serialize};

/// The value of `format`.
pub const FORMAT: &str = "fodpack-bundle";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// Name of the manifest entry.
pub const MANIFEST: &str = "manifest.json";
/// Name of the checksum entry.
pub const SUMS: &str = "SHA256SUMS";

/// The manifest. Fields are declared in alphabetical order so that the JSON has sorted keys.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// The time given with `--created` or `SOURCE_DATE_EPOCH` (RFC 3339, UTC), else absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Every payload entry, sorted by path.
    pub entries: Vec<Entry>,
    /// Error-level findings that `--force` overrode; absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forced: Vec<Forced>,
    /// Always `fodpack-bundle`.
    pub format: String,
    /// Always 1 for this format.
    pub format_version: u32,
    /// Counts, and the authorization codes named in the exports.
    pub summary: Summary,
    /// The tool that wrote the bundle, `fodpack <version>`.
    pub tool: String,
}

/// One payload entry.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// For keys with a conventional name: the four hex digits of the feature type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_type: Option<String>,
    /// `key`, or the document kind of a JSON file (`export`, `put-response`, ...).
    pub kind: String,
    /// For keys with a conventional name: machine type and serial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<String>,
    /// Path inside the bundle: `keys/<name>` or `exports/<name>`.
    pub path: String,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// One overridden finding.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Forced {
    /// The finding code.
    pub code: String,
    /// The bundle path of the file it was about.
    pub path: String,
}

/// What the bundle holds, in numbers.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Authorization codes named in the JSON documents, sorted, each once.
    pub auth_codes: Vec<String>,
    /// Number of JSON documents.
    pub exports: usize,
    /// License-key IDs named in the JSON documents, sorted, each once.
    pub key_ids: Vec<String>,
    /// Number of key files.
    pub keys: usize,
}

impl Manifest {
    /// The bytes written: pretty JSON with two-space indents and a final newline.
    pub fn to_bytes(&self) -> serde_json::Result<Vec<u8>> {
        let mut v = serde_json::to_vec_pretty(self)?;
        v.push(b'\n');
        Ok(v)
    }
}

/// Writes `SHA256SUMS`: `<hex>  <path>\n` per entry, in the order given.
pub fn sums_text(lines: &[(String, String)]) -> String {
    lines.iter().map(|(path, hex)| format!("{hex}  {path}\n")).collect()
}

/// Reads `SHA256SUMS`; an error names the line.
pub fn parse_sums(bytes: &[u8]) -> Result<Vec<(String, String)>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "it is not UTF-8".to_string())?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let ok = line.len() > 66
            && line.as_bytes()[..64]
                .iter()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
            && line.as_bytes()[64..66] == *b"  ";
        if !ok {
            return Err(format!("line {} is not \"<64 lower-case hex digits>  <path>\"", i + 1));
        }
        out.push((line[66..].to_string(), line[..64].to_string()));
    }
    Ok(out)
}
