//! From bytes to text, and from byte offsets back to lines and columns.

use crate::rules::{Code, Finding, Location};

/// How the bytes of a file were encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 without a byte order mark: the only form JSON allows.
    Utf8,
    /// UTF-8 with a byte order mark.
    Utf8Bom,
    /// UTF-16, little-endian, with a byte order mark.
    Utf16Le,
    /// UTF-16, big-endian, with a byte order mark.
    Utf16Be,
}

/// Decodes a file's bytes, reporting any encoding quirk.
///
/// Columns are counted in characters of the decoded text, so a position means the same thing
/// whether the file was UTF-8 or UTF-16.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), Box<Finding>> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(rest, 3).map(|t| (t, Encoding::Utf8Bom));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, u16::from_le_bytes).map(|t| (t, Encoding::Utf16Le));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, u16::from_be_bytes).map(|t| (t, Encoding::Utf16Be));
    }
    utf8(bytes, 0).map(|t| (t, Encoding::Utf8))
}

fn utf8(bytes: &[u8], skipped: usize) -> Result<String, Box<Finding>> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
        Err(e) => {
            let good = e.valid_up_to();
            // The text before the bad byte is valid, so its lines and columns can be given.
            let before = String::from_utf8_lossy(&bytes[..good]);
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            let byte = bytes[good];
            let hint = if bytes.len() >= 2 && bytes.iter().take(64).filter(|b| **b == 0).count() > 8
            {
                "; it looks like UTF-16 without a byte order mark: save it again as UTF-8"
            } else {
                "; it is probably in a legacy code page: save it again as UTF-8"
            };
            Err(Box::new(Finding::new(
                Code::InvalidUtf8,
                format!("byte 0x{byte:02X} at offset {} is not valid UTF-8{hint}", good + skipped),
                Location {
                    line: u32::try_from(line).ok(),
                    column: u32::try_from(column).ok(),
                    ..Location::default()
                },
            )))
        }
    }
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, Box<Finding>> {
    if bytes.len() % 2 != 0 {
        return Err(Box::new(Finding::new(
            Code::InvalidUtf8,
            "UTF-16 file with an odd number of bytes; it was cut short: save it again",
            Location::default(),
        )));
    }
    let units = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]]));
    let mut text = String::with_capacity(bytes.len() / 2);
    for (i, ch) in char::decode_utf16(units).enumerate() {
        match ch {
            Ok(c) => text.push(c),
            Err(e) => {
                let line = text.matches('\n').count() + 1;
                let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                return Err(Box::new(Finding::new(
                    Code::InvalidUtf8,
                    format!(
                        "unpaired UTF-16 surrogate 0x{:04X} at code unit {i}; save the file again \
                         as UTF-8",
                        e.unpaired_surrogate()
                    ),
                    Location {
                        line: u32::try_from(line).ok(),
                        column: u32::try_from(column).ok(),
                        ..Location::default()
                    },
                )));
            }
        }
    }
    Ok(text)
}

/// Decoded text, with what is needed to turn byte offsets into lines and columns.
#[derive(Debug)]
pub struct Source {
    text: String,
    line_starts: Vec<usize>,
}

impl Source {
    /// Wraps decoded text.
    pub fn new(text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(memchr_newlines(text.as_bytes()));
        Source { text, line_starts }
    }

    /// The decoded text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The 1-based line and character column of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let start = self.line_starts[line - 1];
        let column = self.text.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
        (line, column)
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts.get(line.wrapping_sub(1)).copied().unwrap_or(0);
        let end = self.line_starts.get(line).map_or(self.text.len(), |e| e.saturating_sub(1));
        let line = self.text.get(start..end.max(start)).unwrap_or("");
        line.strip_suffix('\r').unwrap_or(line)
    }

    /// A location for a byte offset, with an optional JSON pointer.
    pub fn location(&self, offset: usize, pointer: Option<String>) -> Location {
        let (line, column) = self.line_column(offset);
        Location {
            line: u32::try_from(line).ok(),
            column: u32::try_from(column).ok(),
            pointer,
            offset: Some(offset),
            ..Location::default()
        }
    }
}

fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_and_ignore_crlf() {
        let s = Source::new("{\r\n  \"é€\": 1,\r\n}".to_string());
        // The "1" is the 8th character of line 2: two spaces, quote, é, €, quote, colon, space.
        let offset = s.text().find('1').unwrap_or(0);
        assert_eq!(s.line_column(offset), (2, 9));
        assert_eq!(s.line_text(2), "  \"é€\": 1,");
    }

    #[test]
    fn utf16_both_orders_decode() {
        let text = "{\"a\": 1}";
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for u in text.encode_utf16() {
            le.extend(u.to_le_bytes());
            be.extend(u.to_be_bytes());
        }
        assert_eq!(decode(&le).ok(), Some((text.to_string(), Encoding::Utf16Le)));
        assert_eq!(decode(&be).ok(), Some((text.to_string(), Encoding::Utf16Be)));
    }

    #[test]
    fn invalid_utf8_names_line_and_column() {
        let err = decode(b"{\n  \"a\": \"\xFF\"}").err();
        let loc = err.map(|f| (f.code, f.location.line, f.location.column));
        assert_eq!(loc, Some((Code::InvalidUtf8, Some(2), Some(9))));
    }
}
