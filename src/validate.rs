//! Validation of files and folders: discovery, reading, checking, in a stable order.

use crate::document::{self, Kind, Source};
use crate::history::crossfile::{self, FileSummary};
use crate::model::{self, CountryList, Document};
use crate::rules::{self, Code, Collector, Context, Excerpt, Finding, Grading, Location};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The default largest JSON document read. An export of a hundred codes is about 70 KB, so
/// this admits some 5,000 codes; checking a document takes about 14 times its size in memory,
/// and the limit keeps that bounded when a folder holds something else.
pub const DEFAULT_MAX_JSON_BYTES: u64 = 4 * 1024 * 1024;

/// How to validate.
#[derive(Clone, Debug)]
pub struct Options {
    /// Read every JSON document as this kind instead of recognising it.
    pub kind: Option<Kind>,
    /// Re-grading of findings.
    pub grading: Grading,
    /// Largest JSON document read, in bytes.
    pub max_json_bytes: u64,
    /// Largest key file read, in bytes.
    pub max_key_bytes: u64,
    /// What the checks need besides the document.
    pub context: Context,
}

impl Options {
    /// Default options, with today's date taken from the clock.
    pub fn new() -> Self {
        Options {
            kind: None,
            grading: Grading::default(),
            max_json_bytes: DEFAULT_MAX_JSON_BYTES,
            max_key_bytes: crate::KEY_FILE_READ_LIMIT,
            context: Context { today: chrono::Local::now().date_naive(), countries: None },
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options::new()
    }
}

/// The outcome for one file.
#[derive(Clone, Debug)]
pub struct FileReport {
    /// The path as given or as found under a given folder.
    pub path: String,
    /// What the file is.
    pub kind: Kind,
    /// Findings, graded and in position order.
    pub findings: Vec<Finding>,
}

/// One thing found while walking the inputs: a file to check, or a path that could not be
/// walked.
#[derive(Debug)]
pub enum Input {
    /// A file to check.
    File(PathBuf),
    /// A path that cannot be checked, and why.
    Unreadable(PathBuf, String),
}

impl Input {
    /// The path this input is about.
    pub fn path(&self) -> &Path {
        match self {
            Input::File(p) | Input::Unreadable(p, _) => p,
        }
    }
}

/// Whether a file found inside a folder is one that fodpack reads. Files named on the
/// command line are always read.
pub fn is_candidate(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    matches!(ext.as_deref(), Some("json" | "key"))
}

/// Expands files and folders into inputs: folders recursively, each folder's entries sorted by
/// name, symbolic links inside folders not followed into other folders.
pub fn discover(paths: &[PathBuf]) -> Vec<Input> {
    let mut inputs = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Err(e)
                if std::fs::symlink_metadata(path).is_ok()
                    && e.kind() == std::io::ErrorKind::NotFound =>
            {
                inputs.push(Input::Unreadable(path.clone(), BROKEN_LINK.to_string()));
            }
            Err(e) => inputs.push(Input::Unreadable(path.clone(), describe_io(&e))),
            Ok(m) if m.is_dir() => walk(path, &mut inputs),
            Ok(m) if m.is_file() => inputs.push(Input::File(path.clone())),
            // Opening a FIFO would wait for a writer forever.
            Ok(_) => inputs.push(Input::Unreadable(path.clone(), NOT_A_FILE.to_string())),
        }
    }
    inputs
}

const BROKEN_LINK: &str =
    "it is a symbolic link to nothing (a broken link); fix or remove the link";
const NOT_A_FILE: &str =
    "not a regular file (a FIFO, socket or device); give the path of a saved file";

fn walk(root: &Path, inputs: &mut Vec<Input>) {
    let walker = walkdir::WalkDir::new(root).follow_links(false).sort_by_file_name();
    for entry in walker {
        match entry {
            Err(e) => {
                let path = e.path().map_or_else(|| root.to_path_buf(), Path::to_path_buf);
                let why = e.io_error().map_or_else(|| e.to_string(), describe_io);
                inputs.push(Input::Unreadable(path, why));
            }
            Ok(entry) => {
                let path = entry.path();
                if !is_candidate(path) {
                    continue;
                }
                if entry.path_is_symlink() {
                    match std::fs::metadata(path) {
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => inputs
                            .push(Input::Unreadable(path.to_path_buf(), BROKEN_LINK.to_string())),
                        Err(e) => {
                            inputs.push(Input::Unreadable(path.to_path_buf(), describe_io(&e)))
                        }
                        Ok(m) if m.is_file() => inputs.push(Input::File(path.to_path_buf())),
                        Ok(_) => {}
                    }
                } else if entry.file_type().is_file() {
                    inputs.push(Input::File(path.to_path_buf()));
                }
            }
        }
    }
}

/// Says what an I/O error means for the user.
pub fn describe_io(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "no such file or folder; check the path".to_string(),
        K::PermissionDenied => {
            "permission denied; run as a user who can read it, or copy it somewhere readable"
                .to_string()
        }
        // ELOOP and EISDIR have no stable ErrorKind yet.
        _ if e.raw_os_error() == Some(40) => {
            "a loop of symbolic links; fix the link so that it names a file".to_string()
        }
        _ if e.raw_os_error() == Some(21) => "it is a folder; give the path of a file".to_string(),
        _ => format!("{e}"),
    }
}

/// Checks one input.
pub fn check_input(input: &Input, opts: &Options) -> FileReport {
    check_input_summarised(input, opts).0
}

/// Checks one input, and summarises what a snapshot says of its codes for the checks across
/// files ([`crate::history::crossfile`]).
pub fn check_input_summarised(input: &Input, opts: &Options) -> (FileReport, Option<FileSummary>) {
    match input {
        Input::File(path) => check_file_summarised(path, opts),
        Input::Unreadable(path, why) => (unreadable(path, why.clone()), None),
    }
}

fn unreadable(path: &Path, why: String) -> FileReport {
    FileReport {
        path: path.display().to_string(),
        kind: Kind::Unknown,
        findings: vec![Finding::new(
            Code::UnreadableFile,
            format!("could not read: {why}"),
            Location::default(),
        )],
    }
}

/// Whether a path names a key file.
pub fn is_key_path(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("key"))
}

/// Reads and checks one file.
pub fn check_file(path: &Path, opts: &Options) -> FileReport {
    check_file_summarised(path, opts).0
}

fn check_file_summarised(path: &Path, opts: &Options) -> (FileReport, Option<FileSummary>) {
    let display = path.display().to_string();
    let is_key = is_key_path(path);
    let limit = if is_key { opts.max_key_bytes } else { opts.max_json_bytes };
    let bytes = match read_limited(path, limit) {
        Ok(Some(b)) => b,
        Ok(None) => {
            let flag = if is_key { "" } else { "; raise it with --max-file-size" };
            let report = FileReport {
                path: display,
                kind: if is_key { Kind::Key } else { Kind::Unknown },
                findings: vec![Finding::new(
                    Code::FileTooLarge,
                    format!(
                        "{} is larger than the {} limit for a {} file, so it was not read{flag}",
                        std::fs::metadata(path)
                            .map_or_else(|_| "it".to_string(), |m| human_size(m.len())),
                        human_size(limit),
                        if is_key { "key" } else { "JSON" }
                    ),
                    Location::default(),
                )],
            };
            return (report, None);
        }
        Err(e) => return (unreadable(path, describe_io(&e)), None),
    };
    // `--kind` names a JSON document kind; key files stay key files.
    if is_key {
        let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        let findings = if crate::keyfile::is_apple_double(&name) {
            vec![Finding::new(
                Code::AppleDouble,
                "macOS metadata (AppleDouble), not a key; skipped. Delete ._ files before copying",
                Location::default(),
            )]
        } else {
            crate::keyfile::check(&name, &bytes, None)
        };
        let findings = opts.grading.apply_all(findings);
        return (FileReport { path: display, kind: Kind::Key, findings }, None);
    }
    // A private key under another name is reported as one, and never shown: a syntax error
    // with its source line would print key material on the terminal.
    if crate::keyfile::is_private_key(&bytes) {
        let finding = Finding::new(
            Code::KeyPrivateKey,
            "this is a private key, whatever its name; its content is not shown. Move it out of \
             the folder: private keys must never cross the air gap",
            Location::default(),
        );
        let findings = opts.grading.apply_all(vec![finding]);
        return (FileReport { path: display, kind: Kind::Unknown, findings }, None);
    }
    check_bytes_summarised(display, &bytes, opts)
}

/// Checking takes about 14 times a document's size in memory, so callers that check in
/// parallel check documents above this size one at a time.
const LARGE_DOCUMENT: u64 = 1024 * 1024;

/// Whether a path names a JSON document large enough to be checked on its own.
pub fn is_large_document(path: &Path) -> bool {
    !is_key_path(path) && std::fs::metadata(path).is_ok_and(|m| m.len() > LARGE_DOCUMENT)
}

/// Reads a whole file unless it is larger than `limit`, in which case `None`. Anything but a
/// regular file is refused before it is opened: opening a FIFO would wait for a writer.
pub fn read_limited(path: &Path, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        return Err(std::io::Error::other("it is a folder; give the path of a file"));
    }
    if !meta.is_file() {
        return Err(std::io::Error::other(NOT_A_FILE));
    }
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    if len > limit {
        return Ok(None);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    // Read one byte past the limit, in case the file grew since it was measured.
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Ok(None);
    }
    Ok(Some(bytes))
}

/// Formats a byte count for a message: `16 MiB`, `64 KiB`, `300 bytes`.
pub fn human_size(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    const GIB: u64 = 1024 * 1024 * 1024;
    match n {
        n if n >= GIB && n % GIB == 0 => format!("{} GiB", n / GIB),
        n if n >= MIB && n % MIB == 0 => format!("{} MiB", n / MIB),
        n if n >= KIB && n % KIB == 0 => format!("{} KiB", n / KIB),
        1 => "1 byte".to_string(),
        n => format!("{n} bytes"),
    }
}

/// Checks the bytes of one JSON document.
pub fn check_bytes(path: String, bytes: &[u8], opts: &Options) -> FileReport {
    check_bytes_summarised(path, bytes, opts).0
}

/// Checks the bytes of one JSON document, and summarises a snapshot for the checks across
/// files.
pub fn check_bytes_summarised(
    path: String,
    bytes: &[u8],
    opts: &Options,
) -> (FileReport, Option<FileSummary>) {
    let mut out = Collector::new();
    let mut summary = None;
    let (kind, source) = read_and_check(bytes, opts, &mut out, &mut summary);
    let mut findings = opts.grading.apply_all(out.into_sorted());
    if let Some(source) = &source {
        for f in &mut findings {
            attach_excerpt(source, &mut f.location);
        }
    }
    (FileReport { path, kind, findings }, summary)
}

fn read_and_check(
    bytes: &[u8],
    opts: &Options,
    out: &mut Collector,
    summary: &mut Option<FileSummary>,
) -> (Kind, Option<Source>) {
    if bytes.is_empty() {
        out.report(
            Code::EmptyFile,
            "the file is empty (0 bytes); it was probably not saved completely: save it again",
            Location::default(),
        );
        return (opts.kind.unwrap_or(Kind::Unknown), None);
    }
    let (text, encoding) = match document::decode(bytes) {
        Ok(t) => t,
        Err(f) => {
            out.push(*f);
            return (opts.kind.unwrap_or(Kind::Unknown), None);
        }
    };
    report_encoding(encoding, out);
    let source = Source::new(text);
    let (kind, doc) = parse_document(&source, opts.kind, out);
    if let Some(doc) = doc {
        rules::check_document(&doc, &source, &opts.context, out);
        *summary = crossfile::summarise(&doc);
    }
    (kind, Some(source))
}

fn report_encoding(encoding: document::Encoding, out: &mut Collector) {
    use document::Encoding as E;
    let first = Location { line: Some(1), column: Some(1), ..Location::default() };
    match encoding {
        E::Utf8 => {}
        E::Utf8Bom => out.report(
            Code::Utf8Bom,
            "the file starts with a UTF-8 byte order mark, which JSON forbids and some readers \
             refuse; save it as UTF-8 without BOM",
            first,
        ),
        E::Utf16Le | E::Utf16Be => out.report(
            Code::Utf16Encoding,
            if encoding == E::Utf16Le {
                "the file is UTF-16 (little-endian), as Windows PowerShell 5.1 writes with > or \
                 Out-File; save it as UTF-8 (Out-File -Encoding utf8, or Set-Content -Encoding \
                 utf8)"
            } else {
                "the file is UTF-16 (big-endian); JSON files should be UTF-8: save it again as \
                 UTF-8"
            },
            first,
        ),
    }
}

/// Parses decoded text, recognises its kind and reads it into the model.
pub fn parse_document(
    source: &Source,
    forced: Option<Kind>,
    out: &mut Collector,
) -> (Kind, Option<Document>) {
    let Some(root) = document::parse(source, out) else {
        return (forced.unwrap_or(Kind::Unknown), None);
    };
    let kind = match forced {
        Some(k) => k,
        None => match document::recognise(&root) {
            Ok(k) => k,
            Err(why) => {
                let start = jsonc_parser::common::Ranged::range(&root).start;
                out.report(Code::UnknownDocument, why, source.location(start, None));
                return (Kind::Unknown, None);
            }
        },
    };
    let doc = model::read_document(source, &root, kind, out);
    if doc.is_none() {
        let start = jsonc_parser::common::Ranged::range(&root).start;
        out.report(
            Code::UnknownDocument,
            format!("a {kind} is a JSON object, and this is not one"),
            source.location(start, None),
        );
    }
    (kind, doc)
}

/// Reads a saved `GET /licenseCountries` answer for `--countries`.
pub fn read_countries(path: &Path) -> Result<CountryList, String> {
    let name = path.display();
    let bytes = read_limited(path, DEFAULT_MAX_JSON_BYTES)
        .map_err(|e| format!("{name}: {}", describe_io(&e)))?
        .ok_or_else(|| format!("{name}: larger than a licenseCountries answer can be"))?;
    let (text, _) = document::decode(&bytes).map_err(|f| format!("{name}: {}", f.message))?;
    let source = Source::new(text);
    let mut out = Collector::new();
    let (_, doc) = parse_document(&source, Some(Kind::LicenseCountries), &mut out);
    let errors: Vec<String> = out
        .findings()
        .iter()
        .filter(|f| f.severity == rules::Severity::Error)
        .map(|f| {
            format!(
                "{name}:{}:{}: {}",
                f.location.line.unwrap_or(0),
                f.location.column.unwrap_or(0),
                f.message
            )
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors.join("\n"));
    }
    match doc.and_then(|d| d.countries) {
        Some(list) if !list.countries.is_empty() => Ok(list),
        _ => Err(format!(
            "{name}: not a GET /licenseCountries answer: expected {{\"countries\": [{{\"desc\", \
             \"value\"}}], \"languages\": [...]}}"
        )),
    }
}

/// Widest excerpt shown; longer lines (minified JSON) are cut around the marker.
const EXCERPT_WIDTH: usize = 100;

fn attach_excerpt(source: &Source, loc: &mut Location) {
    let (Some(line), Some(column)) = (loc.line, loc.column) else { return };
    if loc.offset.is_none() {
        return;
    }
    let text = source.line_text(line as usize);
    let column = column as usize - 1;
    let start = column.saturating_sub(EXCERPT_WIDTH / 2);
    let excerpt: String = text.chars().skip(start).take(EXCERPT_WIDTH).collect();
    loc.excerpt = Some(Excerpt { text: excerpt, marker: column - start, cut_start: start > 0 });
}
