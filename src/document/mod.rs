//! Reading JSON documents: bytes to text, text to a syntax tree with positions, and the
//! lenient reading of what real files contain.

mod kind;
mod text;

pub use kind::{Kind, recognise};
pub use text::{Encoding, Source, decode};

use crate::rules::{Code, Collector, Finding, Location};
use jsonc_parser::ast::{Array, Object, Value};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, CommentCollectionStrategy, ParseOptions};
use std::borrow::Cow;

/// Nesting allowed before the reader gives up, counting every array and object. Real
/// documents nest five levels; checking this before parsing keeps a hostile file from
/// exhausting the stack of the recursive parser.
pub const MAX_DEPTH: usize = 64;

/// Parses decoded text, reporting syntax errors and trailing commas.
///
/// Returns `None` when the text is not JSON; the reason is in `out`.
pub fn parse<'a>(source: &'a Source, out: &mut Collector) -> Option<Value<'a>> {
    let text = source.text();
    if text.trim().is_empty() {
        out.report(
            Code::EmptyFile,
            "the file holds no JSON (it is empty or only white space); save the export again",
            Location::default(),
        );
        return None;
    }
    // Only the quirks seen in real authCodes files are let through; comments, single quotes
    // and the other JSON5 forms are not written by any tool that makes these files, so they
    // stay syntax errors.
    let options = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: true,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    if let Some(offset) = too_deep(text) {
        out.report(
            Code::NestingTooDeep,
            format!(
                "objects and arrays are nested more than {MAX_DEPTH} levels deep here; authCodes \
                 documents nest about five, so this is not one"
            ),
            source.location(offset, None),
        );
        return None;
    }
    let collect = CollectOptions { comments: CommentCollectionStrategy::Off, tokens: false };
    match jsonc_parser::parse_to_ast(text, &collect, &options) {
        Ok(result) => match result.value {
            Some(value) => {
                report_trailing_commas(source, &value, out);
                Some(value)
            }
            None => {
                out.report(Code::EmptyFile, "the file holds no JSON value", Location::default());
                None
            }
        },
        Err(error) => {
            let range = error.range();
            let offset = range.start.min(text.len());
            let at_end = offset >= text.trim_end().len()
                || matches!(
                    error.kind(),
                    jsonc_parser::errors::ParseErrorKind::UnterminatedArray
                        | jsonc_parser::errors::ParseErrorKind::UnterminatedObject
                ) && text.get(range.end..).is_none_or(|rest| rest.trim().is_empty())
                || error.to_string().contains("Unterminated string");
            let found = text.get(offset..).unwrap_or("");
            let (code, message) = describe_parse_error(&error, at_end, found);
            out.push(Finding::new(code, message, source.location(offset, None)));
            None
        }
    }
}

fn describe_parse_error(
    error: &jsonc_parser::errors::ParseError,
    at_end: bool,
    found: &str,
) -> (Code, String) {
    use jsonc_parser::errors::ParseErrorKind as K;
    let kind = error.kind();
    if matches!(kind, K::NestingDepthExceeded) {
        return (
            Code::NestingTooDeep,
            format!(
                "objects and arrays are nested more than {MAX_DEPTH} levels deep; authCodes \
                 documents nest about five, so this is not an export"
            ),
        );
    }
    if found.starts_with('<') {
        return (
            Code::SyntaxError,
            "this is HTML or XML, not JSON: probably a web page (a log-in page or an error) \
             saved instead of the export; download the export again"
                .to_string(),
        );
    }
    if ["NaN", "-NaN", "Infinity", "-Infinity"].iter().any(|w| found.starts_with(w)) {
        return (
            Code::SyntaxError,
            "NaN and Infinity are not JSON numbers; write a whole number".to_string(),
        );
    }
    let what = match kind {
        _ if at_end && !matches!(kind, K::MultipleRootJsonValues) => {
            format!(
                "the file ends before the JSON does ({}); it was probably cut short: save or \
                 copy it again",
                kind.to_string().to_lowercase()
            )
        }
        K::UnterminatedArray | K::UnterminatedObject => {
            "the file ends before the JSON does (an array or object is not closed); \
             it was probably cut short: save or copy it again"
                .to_string()
        }
        K::CommentsNotAllowed => "JSON has no comments; remove the comment".to_string(),
        K::SingleQuotedStringsNotAllowed => {
            "JSON strings use double quotes; replace the single quotes".to_string()
        }
        K::MultipleRootJsonValues => {
            "text after the end of the JSON document; a file holds one document: remove the \
             extra text"
                .to_string()
        }
        _ => format!(
            "{}: this is not valid JSON here; look for a missing or extra comma, quote, colon \
             or bracket just before this place",
            kind.to_string().to_lowercase()
        ),
    };
    (Code::SyntaxError, what)
}

/// The offset of the first bracket that opens one level too many, if any.
fn too_deep(text: &str) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, b) in text.bytes().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// The parser accepts a few things that strict readers refuse; each is reported here: a
/// comma after the last member, and raw control characters inside strings.
fn report_trailing_commas(source: &Source, value: &Value<'_>, out: &mut Collector) {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(Object { range, properties }) => {
                if let Some(last) = properties.last() {
                    check_gap(source, last.range.end, range.end, out);
                }
                for p in properties {
                    check_controls(source, p.name.range(), out);
                }
                stack.extend(properties.iter().map(|p| &p.value));
            }
            Value::StringLit(s) => check_controls(source, s.range, out),
            Value::Array(Array { range, elements }) => {
                if let Some(last) = elements.last() {
                    check_gap(source, last.range().end, range.end, out);
                }
                stack.extend(elements.iter());
            }
            _ => {}
        }
    }
}

fn check_controls(source: &Source, range: jsonc_parser::common::Range, out: &mut Collector) {
    let Some(raw) = source.text().get(range.start..range.end) else { return };
    if let Some(i) = raw.bytes().position(|b| b < 0x20) {
        out.report(
            Code::ControlCharacter,
            format!(
                "a raw control character (0x{:02X}) inside a string; JSON requires it escaped \
                 (\\n, \\t, \\u0000): strict readers refuse the file, so re-export it or \
                 escape the character",
                raw.as_bytes()[i]
            ),
            source.location(range.start + i, None),
        );
    }
}

fn check_gap(source: &Source, from: usize, container_end: usize, out: &mut Collector) {
    let text = source.text();
    let end = container_end.saturating_sub(1);
    if let Some(gap) = text.get(from..end) {
        if let Some(i) = gap.find(',') {
            out.report(
                Code::TrailingComma,
                "comma after the last member; strict JSON readers refuse it: delete the comma",
                source.location(from + i, None),
            );
        }
    }
}

/// Escapes one JSON-pointer reference token (RFC 6901).
pub fn pointer_token(name: &str) -> Cow<'_, str> {
    if name.contains(['~', '/']) {
        Cow::Owned(name.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(name)
    }
}
