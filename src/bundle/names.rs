//! Entry-name safety: which names may become files, and which two names are one file.

use crate::rules::Code;
use unicode_normalization::UnicodeNormalization;

/// A name that is safe to create under a destination folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SafeName {
    /// The path components, in order; never empty, `.` or `..`.
    pub components: Vec<String>,
    /// Whether the entry is a folder (the name ended in a separator).
    pub is_dir: bool,
    /// Whether `\` was read as a separator.
    pub had_backslash: bool,
}

impl SafeName {
    /// The name with `/` separators.
    pub fn path(&self) -> String {
        self.components.join("/")
    }

    /// The last component.
    pub fn file_name(&self) -> &str {
        self.components.last().map_or("", String::as_str)
    }

    /// The key under which two names would be the same file on a case-insensitive or
    /// normalising file system (Windows, macOS).
    pub fn fold_key(&self) -> String {
        fold(&self.path())
    }
}

/// Case-folds and normalises (NFC) a name.
pub fn fold(name: &str) -> String {
    name.nfc().collect::<String>().to_lowercase()
}

/// Device names Windows reserves, with any extension; it also reads the superscript digits
/// ¹, ² and ³ as digits here.
const RESERVED: [&str; 30] = [
    "con",
    "prn",
    "aux",
    "nul",
    "conin$",
    "conout$",
    "com1",
    "com2",
    "com3",
    "com4",
    "com5",
    "com6",
    "com7",
    "com8",
    "com9",
    "com\u{b9}",
    "com\u{b2}",
    "com\u{b3}",
    "lpt1",
    "lpt2",
    "lpt3",
    "lpt4",
    "lpt5",
    "lpt6",
    "lpt7",
    "lpt8",
    "lpt9",
    "lpt\u{b9}",
    "lpt\u{b2}",
    "lpt\u{b3}",
];

/// Longest path component, in bytes, that common file systems hold (ext4, NTFS, APFS).
pub const MAX_COMPONENT: usize = 255;
/// Longest entry name, in bytes: macOS refuses longer paths, and the destination adds more.
pub const MAX_PATH: usize = 1024;

/// Whether a character is invisible or reorders text: the format characters (Unicode
/// category Cf: bidirectional controls, zero-width spaces and joiners, soft hyphen, tags),
/// line and paragraph separators, variation selectors, and the invisible fillers used to
/// fake names.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD
            | 0x034F
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x2028..=0x202E
            | 0x2060..=0x206F
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF
    )
}

/// Checks a raw entry name. `utf8_flag` is the entry's UTF-8 flag; names without it are
/// accepted when they are valid UTF-8 all the same (Info-ZIP on Linux writes them so).
pub fn check(raw: &[u8]) -> Result<SafeName, (Code, String)> {
    let unsafe_path = |why: String| Err((Code::EntryUnsafePath, why));
    let Ok(name) = std::str::from_utf8(raw) else {
        return unsafe_path(
            "the name is not UTF-8, so what file it would become depends on the tool".into(),
        );
    };
    if name.is_empty() {
        return unsafe_path("the name is empty".into());
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return unsafe_path(format!("the name holds the control character U+{:04X}", c as u32));
    }
    if let Some(c) = name.chars().find(|&c| is_invisible(c)) {
        return unsafe_path(format!(
            "the name holds the invisible or text-reordering character U+{:04X}, so it does not \
             read as what it is",
            c as u32
        ));
    }
    if name.len() > MAX_PATH {
        return unsafe_path(format!(
            "the name is {} bytes long, above {MAX_PATH}; many systems cannot create so long a \
             path: shorten the folder and file names",
            name.len()
        ));
    }
    let had_backslash = name.contains('\\');
    let unified = name.replace('\\', "/");
    if unified.starts_with('/') {
        let what = if unified.starts_with("//") { "a UNC path" } else { "an absolute path" };
        return unsafe_path(format!("{what}; entries must be relative"));
    }
    if unified.contains(':') {
        return unsafe_path("a ':' (a drive letter or an alternate data stream on Windows)".into());
    }
    let is_dir = unified.ends_with('/');
    let body = unified.strip_suffix('/').unwrap_or(&unified);
    let mut components = Vec::new();
    for c in body.split('/') {
        match c {
            "" => return unsafe_path("an empty path component (two separators in a row)".into()),
            "." => return unsafe_path("a '.' path component".into()),
            ".." => {
                return unsafe_path("a '..' path component, which leads out of the folder".into());
            }
            _ => {}
        }
        if c.len() > MAX_COMPONENT {
            return unsafe_path(format!(
                "a path component of {} bytes; file systems hold at most {MAX_COMPONENT}: \
                 shorten the name",
                c.len()
            ));
        }
        check_windows(c)?;
        components.push(c.to_string());
    }
    Ok(SafeName { components, is_dir, had_backslash })
}

fn check_windows(c: &str) -> Result<(), (Code, String)> {
    let reserved = |why: String| Err((Code::EntryReservedName, why));
    if c.ends_with('.') || c.ends_with(' ') {
        return reserved(format!("{c:?} ends in a dot or space, which Windows drops"));
    }
    if let Some(ch) = c.chars().find(|ch| matches!(ch, '<' | '>' | '"' | '|' | '?' | '*')) {
        return reserved(format!("{c:?} holds {ch:?}, which Windows does not allow in names"));
    }
    let stem = c.split('.').next().unwrap_or(c).trim_end().to_ascii_lowercase();
    if RESERVED.contains(&stem.as_str()) {
        return reserved(format!("{c:?} is a device name that Windows reserves"));
    }
    Ok(())
}

/// Whether a name looks like an archive, which fodpack keeps closed.
pub fn is_archive_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".zip", ".jar", ".7z", ".rar", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".cab"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(raw: &str) -> Option<Code> {
        check(raw.as_bytes()).err().map(|(c, _)| c)
    }

    #[test]
    fn rejects_unsafe_and_accepts_plain_names() {
        for bad in
            ["../a.key", "a/../../b", "/etc/passwd", "\\\\server\\share", "C:\\x", "a\0b", ""]
        {
            assert_eq!(code(bad), Some(Code::EntryUnsafePath), "{bad:?}");
        }
        let long_component = format!("keys/{}.key", "a".repeat(300));
        let long_path = "abcdefghi/".repeat(110) + "a.key";
        for bad in
            ["a\u{202e}yek.exe", "a\u{200b}.key", "\u{feff}a.key", &long_component, &long_path]
        {
            assert_eq!(code(bad), Some(Code::EntryUnsafePath), "{bad:?}");
        }
        assert_eq!(code(&format!("keys/{}.key", "a".repeat(250))), None);
        assert_eq!(code("COM10.key"), None);
        for bad in [
            "CON",
            "nul.key",
            "a/com1.txt",
            "x.",
            "x ",
            "a?b",
            "CONIN$",
            "conout$.key",
            "COM\u{b9}",
            "com\u{b2}.key",
            "LPT\u{b3}.txt",
        ] {
            assert_eq!(code(bad), Some(Code::EntryReservedName), "{bad:?}");
        }
        let ok = check(b"keys\\a.key").unwrap_or_else(|_| SafeName {
            components: vec![],
            is_dir: false,
            had_backslash: false,
        });
        assert_eq!(ok.path(), "keys/a.key");
        assert!(ok.had_backslash);
        assert_eq!(fold("Caf\u{e9}.KEY"), fold("cafe\u{301}.key"));
    }
}
