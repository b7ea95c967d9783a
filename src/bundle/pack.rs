//! `pack`: check every input, then write a deterministic bundle atomically.

use super::manifest::{self, MANIFEST, Manifest, SUMS};
use super::names;
use super::scan::{self, Scan};
use super::zipfmt::{self, Compressed, Writer};
use super::{Limits, Progress};
use crate::document::Kind;
use crate::keyfile::{self, hex};
use crate::rules::{Code, Finding, Location, Severity};
use crate::validate::{self, FileReport, Options};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Seek, Write};
use std::path::{Path, PathBuf};

/// How to pack.
#[derive(Clone, Debug, Default)]
pub struct PackOptions {
    /// Write the bundle despite error-level findings (never despite a private key), and
    /// replace an existing bundle.
    pub force: bool,
    /// The creation time to record (RFC 3339), from `--created` or `SOURCE_DATE_EPOCH`.
    pub created: Option<String>,
    /// How JSON documents and keys are checked.
    pub validate: Options,
    /// Limits for ZIPs given as inputs.
    pub limits: Limits,
}

/// Where an item's bytes are.
#[derive(Clone, Debug)]
enum Bytes {
    File(PathBuf),
    Memory(Vec<u8>),
}

/// One file that will go into the bundle.
#[derive(Clone, Debug)]
struct Item {
    report: FileReport,
    bundle_path: String,
    bytes: Bytes,
    sha256: String,
    size: u64,
    key_name: Option<keyfile::KeyName>,
    codes: Vec<String>,
    key_ids: Vec<String>,
}

/// What pack did, or would have done.
#[derive(Debug, Default)]
pub struct PackOutcome {
    /// Findings per input file, in input order.
    pub reports: Vec<FileReport>,
    /// Whether the bundle was written.
    pub written: bool,
    /// Why not, when it was not.
    pub refused: Option<String>,
    /// Whether the refusal is about the run rather than the inputs' content (the output exists
    /// or is an input, nothing to pack, too many entries): exit code 2 rather than 1.
    pub could_not_run: bool,
    /// Number of key files and JSON documents packed.
    pub keys: usize,
    /// Number of JSON documents packed.
    pub exports: usize,
    /// SHA-256 of the bundle written.
    pub sha256: Option<String>,
}

/// Checks the inputs and, when they pass (or `force`), writes the bundle to `output`.
/// `Err` is for I/O failures; refusals are in the outcome.
pub fn pack(
    inputs: &[PathBuf],
    output: &Path,
    opts: &PackOptions,
    progress: &dyn Progress,
) -> io::Result<PackOutcome> {
    let mut outcome = PackOutcome::default();
    // An input ZIP is read into memory, so the check on each packed file cannot see it.
    if let Some(input) = inputs.iter().find(|i| same_file(i, output)) {
        outcome.could_not_run = true;
        outcome.refused = Some(format!(
            "{} is one of the inputs; write the bundle somewhere else",
            input.display()
        ));
        return Ok(outcome);
    }
    let mut items = Vec::new();
    for input in inputs {
        collect(input, opts, &mut items, &mut outcome.reports)?;
    }
    cross_check(&mut items);
    items.sort_by(|a, b| a.bundle_path.cmp(&b.bundle_path));
    // The same file given twice (or the same bytes under the same name from two places) is
    // packed once; different bytes under one bundle name cannot both be.
    let mut unique: Vec<Item> = Vec::with_capacity(items.len());
    for mut item in items {
        match unique.last() {
            Some(prev) if prev.bundle_path == item.bundle_path && prev.sha256 == item.sha256 => {
                outcome.reports.push(item.report);
                continue;
            }
            Some(prev) if prev.bundle_path == item.bundle_path => {
                let msg = format!(
                    "{} would also be {} in the bundle, with different content; rename one",
                    prev.report.path, item.bundle_path
                );
                item.report.findings.push(Finding::new(
                    Code::BundleNameConflict,
                    msg,
                    Location::default(),
                ));
            }
            _ => {}
        }
        unique.push(item);
    }
    for item in &mut unique {
        // The bundle must pass its own verification: a name that unpack would refuse
        // (reserved on Windows, a colon, control characters) cannot be packed.
        if let Err((code, why)) = names::check(item.bundle_path.as_bytes()) {
            let msg = format!("{why}; rename the file before packing it");
            item.report.findings.push(Finding::new(code, msg, Location::default()));
        }
    }
    let mut folds: HashMap<String, String> = HashMap::new();
    for item in &mut unique {
        if let Some(other) = folds.get(&names::fold(&item.bundle_path)) {
            if *other != item.bundle_path {
                let msg = format!(
                    "{} and {other} are the same file on Windows and macOS; rename one",
                    item.bundle_path
                );
                item.report.findings.push(Finding::new(
                    Code::EntryNameCollision,
                    msg,
                    Location::default(),
                ));
            }
        } else {
            folds.insert(names::fold(&item.bundle_path), item.bundle_path.clone());
        }
    }
    for item in &mut unique {
        let found = std::mem::take(&mut item.report.findings);
        item.report.findings = opts.validate.grading.apply_all(found);
    }
    for r in &mut outcome.reports {
        let found = std::mem::take(&mut r.findings);
        r.findings = opts.validate.grading.apply_all(found);
    }

    let private: Vec<&str> = unique
        .iter()
        .map(|i| &i.report)
        .chain(&outcome.reports)
        .filter(|r| r.findings.iter().any(|f| f.code == Code::KeyPrivateKey))
        .map(|r| r.path.as_str())
        .collect();
    let errors = unique
        .iter()
        .map(|i| &i.report)
        .chain(&outcome.reports)
        .any(|r| r.findings.iter().any(|f| f.severity == Severity::Error));
    let unreadable = outcome.reports.iter().chain(unique.iter().map(|i| &i.report)).any(|r| {
        r.findings.iter().any(|f| matches!(f.code, Code::UnreadableFile | Code::FileTooLarge))
    });
    // Names that would make the bundle fail its own verification cannot be forced.
    let unpackable: Vec<&str> = unique
        .iter()
        .filter(|i| i.report.findings.iter().any(|f| UNFORCEABLE.contains(&f.code)))
        .map(|i| i.report.path.as_str())
        .collect();
    let entries = unique.len() + 2;
    let same_as_output = unique.iter().find(|i| match &i.bytes {
        Bytes::File(p) => same_file(p, output),
        Bytes::Memory(_) => false,
    });
    if !private.is_empty() {
        outcome.refused = Some(format!(
            "refusing to pack private keys ({}); move them out of the input folders",
            private.join(", ")
        ));
    } else if unreadable {
        outcome.refused = Some("some inputs could not be read; fix them and pack again".into());
    } else if let Some(i) = same_as_output {
        outcome.could_not_run = true;
        outcome.refused = Some(format!(
            "{} is one of the inputs; write the bundle somewhere else",
            i.report.path
        ));
    } else if !unpackable.is_empty() {
        outcome.refused = Some(format!(
            "these names cannot go into a bundle that verifies ({}); rename them (--force \
             does not override this)",
            unpackable.join(", ")
        ));
    } else if entries > opts.limits.max_entries {
        outcome.could_not_run = true;
        outcome.refused = Some(format!(
            "{entries} entries (with manifest.json and SHA256SUMS) is more than the {} that \
             verify and unpack accept by default; split the keys into several bundles, or raise \
             the limit with --max-entries here and on the other side",
            opts.limits.max_entries
        ));
    } else if errors && !opts.force {
        outcome.refused = Some(
            "the inputs have error-level findings; fix them, or pack anyway with --force \
             (the manifest records what was forced)"
                .into(),
        );
    } else if unique.is_empty() {
        outcome.could_not_run = true;
        outcome.refused = Some("no key files or JSON documents found in the inputs".into());
    } else if output.exists() && !opts.force {
        outcome.could_not_run = true;
        outcome.refused = Some(format!(
            "{} exists; choose another name, or replace it with --force",
            output.display()
        ));
    }
    if outcome.refused.is_none() {
        let manifest = build_manifest(&unique, opts);
        outcome.sha256 = Some(write_bundle(&unique, &manifest, output, opts.force, progress)?);
        outcome.written = true;
        outcome.keys = manifest.summary.keys;
        outcome.exports = manifest.summary.exports;
    }
    let mut reports: Vec<FileReport> = unique.into_iter().map(|i| i.report).collect();
    reports.append(&mut outcome.reports);
    reports.sort_by(|a, b| a.path.cmp(&b.path));
    outcome.reports = reports;
    Ok(outcome)
}

/// One input file, checked: something to pack, or only a report.
enum Collected {
    Item(Box<Item>),
    Report(FileReport),
}

fn collect_one(found: &validate::Input, opts: &PackOptions) -> io::Result<Collected> {
    let path = found.path().to_path_buf();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if keyfile::is_apple_double(&path.to_string_lossy()) {
        return Ok(Collected::Report(apple_double(path.display().to_string())));
    }
    let mut report = validate::check_input(found, &opts.validate);
    if path.file_name().is_some_and(|n| n.to_str().is_none()) {
        report.findings.push(Finding::new(
            Code::EntryUnsafePath,
            "the file name is not valid UTF-8, so it cannot be kept exactly in a bundle; rename \
             the file",
            Location::default(),
        ));
    }
    let bytes = match found {
        validate::Input::File(p) => {
            let limit = if validate::is_key_path(p) {
                opts.validate.max_key_bytes
            } else {
                opts.validate.max_json_bytes
            };
            validate::read_limited(p, limit)?
        }
        validate::Input::Unreadable(..) => None,
    };
    Ok(match bytes {
        Some(bytes) => Collected::Item(Box::new(item(report, &name, &bytes, Bytes::File(path)))),
        None => Collected::Report(report),
    })
}

fn collect(
    input: &Path,
    opts: &PackOptions,
    items: &mut Vec<Item>,
    reports: &mut Vec<FileReport>,
) -> io::Result<()> {
    let is_zip = input.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    if is_zip && input.is_file() {
        return collect_zip(input, opts, items, reports);
    }
    // Each file is checked and hashed on its own, so the files are taken in parallel; results
    // keep the order of discovery.
    let found = validate::discover(&[input.to_path_buf()]);
    let done: Vec<io::Result<Collected>> =
        found.par_iter().map(|found| collect_one(found, opts)).collect();
    for c in done {
        match c? {
            Collected::Item(i) => items.push(*i),
            Collected::Report(r) => reports.push(r),
        }
    }
    Ok(())
}

fn apple_double(path: String) -> FileReport {
    let msg = "macOS metadata (AppleDouble), not a key; skipped";
    FileReport {
        path,
        kind: Kind::Unknown,
        findings: vec![Finding::new(Code::AppleDouble, msg, Location::default())],
    }
}

fn item(mut report: FileReport, name: &str, bytes: &[u8], source: Bytes) -> Item {
    let is_key = report.kind == Kind::Key;
    // A private key is refused whatever it is called: under a .json name it would otherwise
    // be packed, with --force, as a document that merely fails to parse.
    let flagged = report.findings.iter().any(|f| f.code == Code::KeyPrivateKey);
    if !is_key && !flagged && keyfile::is_private_key(bytes) {
        report.findings.push(Finding::new(
            Code::KeyPrivateKey,
            "this is a private key, whatever its name; move it out of the inputs: fodpack never \
             packs private keys",
            Location::default(),
        ));
    }
    let folder = if is_key { "keys" } else { "exports" };
    let (codes, key_ids) = if is_key { (Vec::new(), Vec::new()) } else { ids_in(bytes) };
    Item {
        bundle_path: format!("{folder}/{name}"),
        sha256: keyfile::sha256_hex(bytes),
        size: bytes.len() as u64,
        key_name: if is_key { keyfile::parse_name(name) } else { None },
        bytes: source,
        report,
        codes,
        key_ids,
    }
}

/// Authorization codes and key IDs named in a JSON document.
fn ids_in(bytes: &[u8]) -> (Vec<String>, Vec<String>) {
    let Ok((text, _)) = crate::document::decode(bytes) else { return (Vec::new(), Vec::new()) };
    let source = crate::document::Source::new(text);
    let mut sink = crate::rules::Collector::new();
    let (_, doc) = validate::parse_document(&source, None, &mut sink);
    let Some(doc) = doc else { return (Vec::new(), Vec::new()) };
    let codes =
        doc.codes.iter().filter_map(|c| c.auth_code.as_ref().map(|s| s.value.clone())).collect();
    let ids = doc
        .codes
        .iter()
        .flat_map(|c| &c.license_keys)
        .filter_map(|k| k.license_key_id.as_ref().map(|s| s.value.clone()))
        .collect();
    (codes, ids)
}

fn collect_zip(
    input: &Path,
    opts: &PackOptions,
    items: &mut Vec<Item>,
    reports: &mut Vec<FileReport>,
) -> io::Result<()> {
    let display = input.display().to_string();
    let scan: Scan = scan::scan(input, &opts.limits, &super::NoProgress)?;
    if scan.failed() {
        let findings =
            scan.findings.into_iter().filter(|f| f.severity == Severity::Error).collect();
        reports.push(FileReport { path: display, kind: Kind::Unknown, findings });
        return Ok(());
    }
    let file = std::fs::File::open(input)?;
    let mut r = io::BufReader::new(file);
    for e in scan.files() {
        let Some(name) = &e.name else { continue };
        let shown = format!("{display}!{}", name.path());
        let file_name = name.file_name().to_string();
        let is_key = validate::is_key_path(Path::new(&file_name));
        let is_json = file_name.to_ascii_lowercase().ends_with(".json");
        let mut bytes = Vec::new();
        if !is_key && !is_json {
            // Left out, and said so; a private key is refused even though it would not be
            // packed: it should not be travelling with the keys at all.
            let small = e.central.size <= crate::KEY_FILE_READ_LIMIT;
            let read =
                small && scan::read_entry(&mut r, e, &mut bytes, &super::NoProgress)?.is_ok();
            let finding = if read && keyfile::is_private_key(&bytes) {
                Finding::new(
                    Code::KeyPrivateKey,
                    "this entry is a private key, whatever its name; remove it from the ZIP: \
                     private keys must never cross the air gap",
                    Location::default(),
                )
            } else {
                Finding::new(
                    Code::ArchiveEntrySkipped,
                    "neither a key (.key) nor a JSON document (.json), so it is not packed; \
                     if it should travel, rename it or carry it separately",
                    Location::default(),
                )
            };
            reports.push(FileReport { path: shown, kind: Kind::Unknown, findings: vec![finding] });
            continue;
        }
        if let Err(f) = scan::read_entry(&mut r, e, &mut bytes, &super::NoProgress)? {
            reports.push(FileReport { path: shown, kind: Kind::Unknown, findings: vec![f] });
            continue;
        }
        let report = if is_key {
            FileReport {
                path: shown,
                kind: Kind::Key,
                findings: keyfile::check(&file_name, &bytes, None),
            }
        } else {
            validate::check_bytes(shown, &bytes, &opts.validate)
        };
        items.push(item(report, &file_name, &bytes.clone(), Bytes::Memory(bytes)));
    }
    for e in scan.entries.iter().filter(|e| e.apple_double) {
        reports.push(apple_double(format!("{display}!{}", e.display)));
    }
    Ok(())
}

fn cross_check(items: &mut [Item]) {
    let keys: Vec<usize> =
        (0..items.len()).filter(|&i| items[i].report.kind == Kind::Key).collect();
    let seen: Vec<keyfile::Seen> = keys
        .iter()
        .map(|&i| keyfile::Seen {
            display: items[i].report.path.clone(),
            file_name: items[i].bundle_path.trim_start_matches("keys/").to_string(),
            sha256: items[i].sha256.clone(),
        })
        .collect();
    for (k, finding) in keyfile::check_set(&seen) {
        items[keys[k]].report.findings.push(finding);
    }
}

fn build_manifest(items: &[Item], opts: &PackOptions) -> Manifest {
    let mut codes = std::collections::BTreeSet::new();
    let mut ids = std::collections::BTreeSet::new();
    let mut entries = Vec::new();
    let mut forced = Vec::new();
    for i in items {
        codes.extend(i.codes.iter().cloned());
        ids.extend(i.key_ids.iter().cloned());
        entries.push(manifest::Entry {
            feature_type: i.key_name.as_ref().map(|n| n.feature_type.clone()),
            kind: i.report.kind.as_str().to_string(),
            machine: i.key_name.as_ref().map(|n| format!("{}{}", n.machine_type, n.serial)),
            path: i.bundle_path.clone(),
            sha256: i.sha256.clone(),
            size: i.size,
        });
        for f in i.report.findings.iter().filter(|f| f.severity == Severity::Error) {
            forced.push(manifest::Forced {
                code: f.code.as_str().into(),
                path: i.bundle_path.clone(),
            });
        }
    }
    let keys = items.iter().filter(|i| i.report.kind == Kind::Key).count();
    Manifest {
        created: opts.created.clone(),
        entries,
        forced,
        format: manifest::FORMAT.into(),
        format_version: manifest::FORMAT_VERSION,
        summary: manifest::Summary {
            auth_codes: codes.into_iter().collect(),
            exports: items.len() - keys,
            key_ids: ids.into_iter().collect(),
            keys,
        },
        tool: format!("fodpack {}", env!("CARGO_PKG_VERSION")),
    }
}

/// Findings that `--force` cannot override: the bundle would fail its own verification.
const UNFORCEABLE: [Code; 4] = [
    Code::BundleNameConflict,
    Code::EntryNameCollision,
    Code::EntryUnsafePath,
    Code::EntryReservedName,
];

/// Whether two paths name the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Entries up to this size are compressed in memory, in parallel.
const SMALL_ENTRY: u64 = 256 * 1024;
/// Entries compressed at once; with `SMALL_ENTRY` this bounds the memory it takes.
const PARALLEL_CHUNK: usize = 64;

impl Bytes {
    fn open(&self) -> io::Result<Box<dyn io::Read + '_>> {
        Ok(match self {
            Bytes::Memory(b) => Box::new(&b[..]),
            Bytes::File(p) => Box::new(std::fs::File::open(p)?),
        })
    }
}

fn write_bundle(
    items: &[Item],
    manifest: &Manifest,
    output: &Path,
    replace: bool,
    progress: &dyn Progress,
) -> io::Result<String> {
    let manifest_bytes = manifest.to_bytes().map_err(io::Error::other)?;
    let mut sums: BTreeMap<String, String> =
        items.iter().map(|i| (i.bundle_path.clone(), i.sha256.clone())).collect();
    sums.insert(MANIFEST.into(), keyfile::sha256_hex(&manifest_bytes));
    let sums_text = manifest::sums_text(&sums.into_iter().collect::<Vec<_>>());

    let dir = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Written beside the target and renamed into place: a reader never sees half a bundle,
    // and a run killed midway leaves only a hidden temporary file.
    let tmp = tempfile::Builder::new().prefix(".fodpack-").suffix(".tmp").tempfile_in(&dir)?;
    let mut w = Writer::new(io::BufWriter::with_capacity(256 * 1024, tmp));
    w.entry(MANIFEST, &manifest_bytes[..])?;
    w.entry(SUMS, sums_text.as_bytes())?;
    progress.start(items.iter().map(|i| i.size).sum());
    // Small entries (keys, exports) are compressed in parallel a chunk at a time and written
    // in order, which gives the same bytes as compressing them one by one; large ones stream.
    for chunk in items.chunks(PARALLEL_CHUNK) {
        let compressed: Vec<Option<io::Result<Compressed>>> = chunk
            .par_iter()
            .map(|i| (i.size <= SMALL_ENTRY).then(|| zipfmt::compress(i.bytes.open()?)))
            .collect();
        for (i, c) in chunk.iter().zip(compressed) {
            let written = match c {
                Some(c) => w.entry_compressed(&i.bundle_path, &c?)?,
                None => w.entry(&i.bundle_path, i.bytes.open()?)?,
            };
            if hex(&written.sha256) != i.sha256 {
                return Err(io::Error::other(format!(
                    "{} changed while it was being packed; pack again when nothing writes to it",
                    i.report.path
                )));
            }
            progress.advance(i.size);
        }
    }
    let mut buffered = w.finish()?;
    buffered.flush()?;
    let mut tmp = buffered.into_inner().map_err(|e| e.into_error())?;
    // Temporary files are created readable by the owner only; a bundle is meant to be copied.
    #[cfg(unix)]
    std::fs::set_permissions(tmp.path(), std::os::unix::fs::PermissionsExt::from_mode(0o644))?;
    tmp.as_file().sync_all()?;
    tmp.rewind()?;
    let digest = hash_reader(&mut tmp)?;
    if replace {
        tmp.persist(output).map_err(|e| e.error)?;
    } else {
        tmp.persist_noclobber(output).map_err(|e| e.error)?;
    }
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(digest)
}

/// SHA-256 of everything a reader yields, lower-case hex.
pub fn hash_reader<R: io::Read>(r: &mut R) -> io::Result<String> {
    use sha2::Digest;
    let mut sha = sha2::Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            return Ok(hex(&sha.finalize()));
        }
        sha.update(&buf[..n]);
    }
}
