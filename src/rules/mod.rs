//! Findings: what a check reports, how bad it is, and where.
//!
//! A finding is data, not an error. Checks push findings into a [`Collector`]; a run reports
//! every finding at once, and [`Grading`] re-grades them by code before they are rendered.

mod codes;
mod identifiers;
mod quantities;
mod requests;
mod responses;
mod states;

pub use codes::{Code, Family, RULES, RuleInfo};

use crate::document::Source;
use crate::model::{CountryList, Document};
use serde::Serialize;

/// What the single-document checks need besides the document.
#[derive(Clone, Debug)]
pub struct Context {
    /// Today's date, for start dates in the future.
    pub today: chrono::NaiveDate,
    /// Country and language codes from a saved `GET /licenseCountries` answer.
    pub countries: Option<CountryList>,
}

/// Runs every single-document check.
pub fn check_document(doc: &Document, source: &Source, ctx: &Context, out: &mut Collector) {
    identifiers::check(doc, source, ctx, out);
    quantities::check(doc, source, out);
    states::check(doc, source, out);
    requests::check(doc, source, out);
    responses::check(doc, source, out);
}

/// How serious a finding is. The order matters: `Error` is the most severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never changes the exit code.
    Note,
    /// Probably wrong, or read leniently; exit code 0 unless re-graded.
    Warning,
    /// Wrong; the run exits 1.
    Error,
}

impl Severity {
    /// The lower-case name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Where a finding points. Every part is optional: a finding about a whole file has none.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    /// 1-based line number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column, counted in Unicode scalar values (characters) from the start of the line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// JSON pointer (RFC 6901) to the value, when the finding is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Byte offset into the decoded text; used to show the source line, never printed.
    #[serde(skip)]
    pub offset: Option<usize>,
    /// Name of an entry inside an archive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    /// The source line around the position, for showing under the message.
    #[serde(skip)]
    pub excerpt: Option<Excerpt>,
    /// Another file, when the finding relates two files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// A piece of one source line, with the position of the marker in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Excerpt {
    /// The text, at most a screen wide, tabs and control characters made visible by the
    /// renderer.
    pub text: String,
    /// Index, in characters, of the marked character within `text`.
    pub marker: usize,
    /// Whether text was cut at the start.
    pub cut_start: bool,
}

impl Location {
    /// A location that names only an archive entry.
    pub fn entry(name: impl Into<String>) -> Self {
        Location { entry: Some(name.into()), ..Location::default() }
    }
}

/// One thing a check found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable kebab-case identifier; documented in `docs/rules.md`.
    pub code: Code,
    /// Severity after re-grading.
    pub severity: Severity,
    /// What is wrong and what to do about it.
    pub message: String,
    /// Where it is.
    #[serde(flatten)]
    pub location: Location,
    /// A second place the finding relates to (the first of two duplicate keys, say).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related: Option<Location>,
}

impl Finding {
    /// A finding at its code's default severity.
    pub fn new(code: Code, message: impl Into<String>, location: Location) -> Self {
        Finding {
            code,
            severity: code.info().severity,
            message: message.into(),
            location,
            related: None,
        }
    }

    /// The same finding, also pointing at a related place.
    pub fn with_related(mut self, related: Location) -> Self {
        self.related = Some(related);
        self
    }
}

/// Gathers findings from every check of one input.
#[derive(Debug, Default)]
pub struct Collector {
    findings: Vec<Finding>,
}

impl Collector {
    /// An empty collector.
    pub fn new() -> Self {
        Collector::default()
    }

    /// Records a finding.
    pub fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Records a finding at its code's default severity.
    pub fn report(&mut self, code: Code, message: impl Into<String>, location: Location) {
        self.push(Finding::new(code, message, location));
    }

    /// Whether nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }

    /// Whether a finding with this code has been recorded.
    pub fn has(&self, code: Code) -> bool {
        self.findings.iter().any(|f| f.code == code)
    }

    /// The findings, in the order they were recorded.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// The findings, sorted by position, for output.
    pub fn into_sorted(mut self) -> Vec<Finding> {
        sort_findings(&mut self.findings);
        self.findings
    }
}

/// Sorts findings into a stable order: by line and column, then code; whole-file ones first.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        let key = |f: &Finding| (f.location.line, f.location.column, f.location.entry.clone());
        key(a).cmp(&key(b)).then_with(|| a.code.as_str().cmp(b.code.as_str()))
    });
}

/// What the user asked for a code: a severity, or to drop its findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grade {
    /// Report at this severity.
    Set(Severity),
    /// Do not report.
    Allow,
}

/// Re-grading of findings by code, from `--strict`, `--deny`, `--warn` and `--allow`.
#[derive(Clone, Debug, Default)]
pub struct Grading {
    /// Turn every lenient-reading warning into an error.
    pub strict: bool,
    overrides: Vec<(Code, Grade)>,
}

impl Grading {
    /// Grading with no overrides.
    pub fn new(strict: bool) -> Self {
        Grading { strict, overrides: Vec::new() }
    }

    /// Sets the grade of one code; a later call for the same code wins.
    pub fn set(&mut self, code: Code, grade: Grade) {
        self.overrides.retain(|(c, _)| *c != code);
        self.overrides.push((code, grade));
    }

    /// Applies the grading; returns `None` for findings the user allowed.
    ///
    /// Codes that say the tool could not do its job (an unreadable file, say) are never
    /// re-graded: allowing them would turn "not checked" into "passed".
    pub fn apply(&self, mut finding: Finding) -> Option<Finding> {
        let info = finding.code.info();
        if !finding.code.is_regradable() {
            return Some(finding);
        }
        if self.strict && info.lenient && finding.severity == Severity::Warning {
            finding.severity = Severity::Error;
        }
        match self.overrides.iter().find(|(c, _)| *c == finding.code) {
            Some((_, Grade::Allow)) => None,
            Some((_, Grade::Set(severity))) => {
                finding.severity = *severity;
                Some(finding)
            }
            None => Some(finding),
        }
    }

    /// Applies the grading to a list of findings.
    pub fn apply_all(&self, findings: Vec<Finding>) -> Vec<Finding> {
        findings.into_iter().filter_map(|f| self.apply(f)).collect()
    }
}

/// Counts of findings by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Error-level findings.
    pub errors: usize,
    /// Warning-level findings.
    pub warnings: usize,
    /// Note-level findings.
    pub notes: usize,
    /// Findings that say the tool could not check something.
    #[serde(skip)]
    pub operational: usize,
    /// Files with such a finding.
    #[serde(skip)]
    pub unreadable_files: usize,
}

impl Tally {
    /// Adds a list of findings to the counts.
    pub fn add(&mut self, findings: &[Finding]) {
        if findings.iter().any(|f| f.code.info().family == Family::Operational) {
            self.unreadable_files += 1;
        }
        for f in findings {
            match f.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Note => self.notes += 1,
            }
            if f.code.info().family == Family::Operational {
                self.operational += 1;
            }
        }
    }

    /// The exit code these counts call for: 2 when something could not be checked, 1 for
    /// error-level findings, else 0.
    pub fn exit_code(&self) -> u8 {
        if self.operational > 0 {
            2
        } else if self.errors > 0 {
            1
        } else {
            0
        }
    }
}

/// Suggests the known name closest to `given`, when it is close enough to look like a typo.
pub fn nearest<'a>(given: &str, known: &[&'a str]) -> Option<&'a str> {
    let lower = given.to_lowercase();
    let mut best: Option<(&'a str, f64)> = None;
    for candidate in known {
        if candidate.to_lowercase() == lower {
            return Some(candidate);
        }
        let score = strsim::jaro_winkler(&lower, &candidate.to_lowercase());
        if score >= 0.85 && best.is_none_or(|(_, s)| score > s) {
            best = Some((candidate, score));
        }
    }
    best.map(|(c, _)| c)
}
