//! Snapshots over time: comparing two exports, the transition model they are judged by, the
//! offline dry run of `PUT` and `PATCH /authCodes`, request bodies that the server accepts,
//! and the checks that relate several files.

pub mod crossfile;
pub mod diff;
pub mod plan;
pub mod request;
pub mod snapshot;
pub mod transitions;

use crate::document::{self, Kind, Source};
use crate::model::Document;
use crate::rules::{Collector, Finding, Severity};
use crate::validate;
use std::path::Path;

/// One JSON document, read for comparison or planning.
#[derive(Debug)]
pub struct Loaded {
    /// The name it is reported under.
    pub path: String,
    /// The decoded text, for positions.
    pub source: Source,
    /// What kind of document it is.
    pub kind: Kind,
    /// The document, unless the text is not JSON of a known kind.
    pub doc: Option<Document>,
    /// Error-level findings met while reading (syntax and structure); `validate` has the rest.
    pub errors: Vec<Finding>,
    /// Everything `validate` reports about the file on its own, at default severities.
    pub report: validate::FileReport,
}

impl Loaded {
    /// The file's own findings, re-graded, as a report for output.
    pub fn graded_report(&self, grading: &crate::rules::Grading) -> validate::FileReport {
        let findings = grading.apply_all(self.report.findings.clone());
        validate::FileReport { path: self.report.path.clone(), kind: self.kind, findings }
    }
}

impl Loaded {
    /// The document, when it is a snapshot of codes (an export or a PUT response).
    pub fn snapshot(&self) -> Result<&Document, String> {
        match &self.doc {
            Some(doc) if self.kind.is_snapshot() => Ok(doc),
            Some(_) => Err(format!(
                "{}: this is {}, not an export; give the saved GET /authCodes answer (or a \
                 PUT /authCodes response)",
                self.path,
                crate::model::article(self.kind)
            )),
            None => Err(self.unreadable_reason()),
        }
    }

    /// Why the document could not be read, naming the file and the place.
    pub fn unreadable_reason(&self) -> String {
        match self.errors.first() {
            Some(f) => format!("{}: {}", place(&self.path, &f.location), f.message),
            None => format!("{}: not an authCodes document", self.path),
        }
    }
}

/// `path:line:column`, as far as the location knows it.
pub fn place(path: &str, loc: &crate::rules::Location) -> String {
    match (loc.line, loc.column) {
        (Some(l), Some(c)) => format!("{path}:{l}:{c}"),
        (Some(l), None) => format!("{path}:{l}"),
        _ => path.to_string(),
    }
}

/// Reads a file; `Err` says why it could not be read at all.
pub fn load(path: &Path) -> Result<Loaded, String> {
    load_limited(path, validate::DEFAULT_MAX_JSON_BYTES)
}

/// Reads a file of at most `limit` bytes; `Err` says why it could not be read at all.
pub fn load_limited(path: &Path, limit: u64) -> Result<Loaded, String> {
    let name = path.display().to_string();
    let bytes = validate::read_limited(path, limit)
        .map_err(|e| format!("{name}: {}", validate::describe_io(&e)))?
        .ok_or_else(|| {
            format!(
                "{name}: larger than the {} limit for a JSON file; check the path, or raise the \
                 limit with --max-file-size",
                validate::human_size(limit)
            )
        })?;
    load_bytes(name, &bytes)
}

/// Reads the bytes of a document; `Err` when they are not text.
pub fn load_bytes(path: String, bytes: &[u8]) -> Result<Loaded, String> {
    if crate::keyfile::is_private_key(bytes) {
        return Err(format!(
            "{path}: this is a private key, not an authCodes document; its content is not shown"
        ));
    }
    let (text, _) = document::decode(bytes).map_err(|f| format!("{path}: {}", f.message))?;
    let source = Source::new(text);
    let mut out = Collector::new();
    let (kind, doc) = validate::parse_document(&source, None, &mut out);
    let errors = out.into_sorted().into_iter().filter(|f| f.severity == Severity::Error).collect();
    let report = validate::check_bytes(path.clone(), bytes, &validate::Options::new());
    Ok(Loaded { path, source, kind, doc, errors, report })
}
