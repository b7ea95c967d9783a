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

/// Nesting allowed before the reader gives up. The parser refuses to go deeper than this,
/// which keeps a hostile file from exhausting the stack; real documents nest five levels.
pub const MAX_DEPTH: usize = 512;

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
            let offset = error.range().start.min(text.len());
            let (code, message) = describe_parse_error(&error, offset == text.len());
            out.push(Finding::new(code, message, source.location(offset, None)));
            None
        }
    }
}

fn describe_parse_error(error: &jsonc_parser::errors::ParseError, at_end: bool) -> (Code, String) {
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
    let what = match kind {
        K::UnterminatedArray | K::UnterminatedObject => {
            "the file ends before the JSON does (an array or object is not closed); \
             it was probably cut short: save or copy it again"
                .to_string()
        }
        K::NonFiniteNumbersNotAllowed => {
            "NaN and Infinity are not JSON numbers; write a whole number".to_string()
        }
        K::CommentsNotAllowed => "JSON has no comments; remove the comment".to_string(),
        K::SingleQuotedStringsNotAllowed => {
            "JSON strings use double quotes; replace the single quotes".to_string()
        }
        K::UnexpectedWord if at_end => "unexpected end of file".to_string(),
        _ if at_end => format!("{kind} at the end of the file; it was probably cut short"),
        _ => format!("{kind}; this is not valid JSON here"),
    };
    (Code::SyntaxError, what)
}

/// A comma after the last member is accepted by the parser; each one is reported here.
fn report_trailing_commas(source: &Source, value: &Value<'_>, out: &mut Collector) {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(Object { range, properties }) => {
                if let Some(last) = properties.last() {
                    check_gap(source, last.range.end, range.end, out);
                }
                stack.extend(properties.iter().map(|p| &p.value));
            }
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
