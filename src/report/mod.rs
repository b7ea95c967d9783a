//! Renderers: findings as text for people, and as JSON for programs. They write to any
//! `Write`; the binary decides where that goes.

pub mod human;
pub mod json;

use std::borrow::Cow;

/// Makes untrusted text safe to show on a terminal: control characters (escape sequences
/// among them) and the invisible characters that reorder text are shown as `\u{..}`.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == '\t' {
            out.push(' ');
        } else if needs_escape(c) {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        // Invisible characters that hide or reorder text.
        || matches!(c, '\u{00a0}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_terminal_controls_and_bidi_overrides() {
        assert_eq!(escape("ok é"), "ok é");
        assert_eq!(escape("a\u{1b}[31mb"), "a\\u{001b}[31mb");
        assert_eq!(escape("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(escape("a\tb"), "a b");
    }
}
