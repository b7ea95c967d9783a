//! Checking an archive without extracting it: every entry's name, headers, place and data,
//! and for bundles the manifest and `SHA256SUMS`.

use super::manifest::{self, MANIFEST, Manifest, SUMS};
use super::names::{self, SafeName, fold};
use super::zipfmt::{self, Central};
use super::{Limits, Progress};
use crate::keyfile::hex;
use crate::rules::{Code, Finding, Location, Severity};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// One entry as found.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The central-directory record.
    pub central: Central,
    /// The name as written, lossily decoded, for messages (escape before printing).
    pub display: String,
    /// The safe name, when the name passed every check.
    pub name: Option<SafeName>,
    /// Offset of the data, once the local header was read.
    pub data_offset: Option<u64>,
    /// Whether it is AppleDouble metadata, which is skipped.
    pub apple_double: bool,
    /// SHA-256 of the data, once read and checked.
    pub sha256: Option<[u8; 32]>,
}

impl Entry {
    /// Whether the entry is a folder.
    pub fn is_dir(&self) -> bool {
        self.name.as_ref().is_some_and(|n| n.is_dir)
    }
}

/// The outcome of checking one archive.
#[derive(Debug)]
pub struct Scan {
    /// SHA-256 of the whole archive file, lower-case hex.
    pub sha256: String,
    /// Size of the archive file.
    pub size: u64,
    /// Every entry, in central-directory order.
    pub entries: Vec<Entry>,
    /// The manifest, when the archive is a bundle whose manifest could be read.
    pub manifest: Option<Manifest>,
    /// Whether the archive is a bundle: it has a `manifest.json` or a `SHA256SUMS` at its root.
    pub is_bundle: bool,
    /// Files whose hash matched both the manifest and `SHA256SUMS`.
    pub hashes_matched: usize,
    /// Everything found, in entry order.
    pub findings: Vec<Finding>,
}

impl Scan {
    /// Whether any finding is at error level.
    pub fn failed(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// Entries that are files to write (not folders, not AppleDouble).
    pub fn files(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| !e.is_dir() && !e.apple_double)
    }
}

fn at(entry: &str) -> Location {
    Location::entry(entry)
}

/// Why an archive that is not a regular file is refused.
pub const NOT_A_REGULAR_FILE: &str = "not a regular file (a pipe, FIFO, socket or device); an \
     archive is read by seeking in it: save it to a file first and give that file's path";

/// Opens an archive, refusing anything but a regular file before opening it: opening a FIFO
/// waits for a writer, and a device or pipe never ends or cannot seek.
pub fn open_archive(path: &Path) -> io::Result<File> {
    let not_regular = || io::Error::new(io::ErrorKind::InvalidInput, NOT_A_REGULAR_FILE);
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "it is a folder; give the path of a bundle or ZIP file",
        ));
    }
    if !meta.is_file() {
        return Err(not_regular());
    }
    let file = File::open(path)?;
    // The path may have been replaced between the two looks.
    if !file.metadata()?.is_file() {
        return Err(not_regular());
    }
    Ok(file)
}

/// Checks an archive file. `Err` means it could not be read at all (exit 2); an unsafe or
/// damaged archive is `Ok` with error-level findings. Key files inside are not classified
/// (see [`scan_with_keys`]).
pub fn scan(path: &Path, limits: &Limits, progress: &dyn Progress) -> io::Result<Scan> {
    scan_inner(path, limits, progress, Some(false))
}

/// Like [`scan`], and also checks the contents of every `.key` entry of at most 1 MiB as a
/// key file (private keys and files that are not keys are errors), for bundles and other
/// ZIPs alike.
pub fn scan_with_keys(path: &Path, limits: &Limits, progress: &dyn Progress) -> io::Result<Scan> {
    scan_inner(path, limits, progress, Some(true))
}

/// Every check that needs no entry's data: names, headers, overlaps, hidden bytes, limits.
/// [`read_data_into`] then does the rest, writing entries out as it goes.
pub fn scan_structure(path: &Path, limits: &Limits, progress: &dyn Progress) -> io::Result<Scan> {
    scan_inner(path, limits, progress, None)
}

fn scan_inner(
    path: &Path,
    limits: &Limits,
    progress: &dyn Progress,
    read: Option<bool>,
) -> io::Result<Scan> {
    let file = open_archive(path)?;
    let mut r = BufReader::with_capacity(64 * 1024, file);
    let (size, sha256) = hash_file(&mut r, progress)?;
    let mut scan = Scan {
        sha256,
        size,
        entries: Vec::new(),
        manifest: None,
        is_bundle: false,
        hashes_matched: 0,
        findings: Vec::new(),
    };
    let dir = match zipfmt::read_directory(&mut r, limits.max_entries)? {
        Ok(d) => d,
        Err(zipfmt::Unreadable(why)) => {
            let code = if why.contains("--max-entries") {
                Code::ArchiveLimit
            } else {
                Code::ArchiveUnreadable
            };
            scan.findings.push(Finding::new(code, why, Location::default()));
            return Ok(scan);
        }
    };
    check_entries(&mut r, &dir, limits, &mut scan)?;
    if let (false, Some(check_keys)) = (scan.failed(), read) {
        read_data_into(path, &mut scan, progress, check_keys, &HashMap::new())?;
    }
    Ok(scan)
}

fn hash_file<R: Read + Seek>(r: &mut R, progress: &dyn Progress) -> io::Result<(u64, String)> {
    let len = r.seek(SeekFrom::End(0))?;
    r.seek(SeekFrom::Start(0))?;
    progress.start(len * 2);
    let mut sha = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut n_total = 0;
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        sha.update(&buf[..n]);
        n_total += n as u64;
        progress.advance(n as u64);
    }
    Ok((n_total, hex(&sha.finalize())))
}

fn check_entries<R: Read + Seek>(
    r: &mut R,
    dir: &zipfmt::Directory,
    limits: &Limits,
    scan: &mut Scan,
) -> io::Result<()> {
    let mut seen_raw: HashMap<Vec<u8>, String> = HashMap::new();
    let mut seen_fold: HashMap<String, String> = HashMap::new();
    let mut spans: Vec<(u64, u64, usize)> = Vec::new();
    let mut total: u64 = 0;
    let mut total_compressed: u64 = 0;
    // Every folder above an entry, by fold key, with the first entry below it.
    let mut folders: HashMap<String, String> = HashMap::new();
    for c in &dir.entries {
        let display = String::from_utf8_lossy(&c.name_raw).into_owned();
        let mut entry = Entry {
            central: c.clone(),
            display: display.clone(),
            name: None,
            data_offset: None,
            apple_double: crate::keyfile::is_apple_double(&display),
            sha256: None,
        };
        let mut push = |code: Code, msg: String| {
            scan.findings.push(Finding::new(code, msg, at(&display)));
        };
        if let Some(first) = seen_raw.get(&c.name_raw) {
            push(
                Code::EntryDuplicate,
                format!(
                    "the name {first:?} appears twice; which one an unzip tool keeps differs, so the archive cannot be trusted: rebuild it"
                ),
            );
        } else {
            seen_raw.insert(c.name_raw.clone(), display.clone());
            match names::check(&c.name_raw) {
                Err((code, why)) => {
                    push(code, format!("{why}; rebuild the archive with plain relative names"))
                }
                Ok(name) => {
                    if name.had_backslash {
                        push(Code::EntryBackslash, "the name uses \\ as separator (as Windows tools write); it is read as folders".into());
                    }
                    let key = name.fold_key();
                    if let Some(other) = seen_fold.get(&key) {
                        push(
                            Code::EntryNameCollision,
                            format!(
                                "the name and {other:?} are the same file on Windows and macOS (case or Unicode normalisation); rename one and rebuild"
                            ),
                        );
                    } else {
                        seen_fold.insert(key, display.clone());
                    }
                    // Every folder above an entry is a name too: a file `a` and `a/b` collide.
                    for n in 1..name.components.len() {
                        let folder = fold(&name.components[..n].join("/"));
                        folders.entry(folder).or_insert_with(|| display.clone());
                    }
                    entry.name = Some(name);
                }
            }
        }
        let mode = c.unix_mode().unwrap_or(0) & 0o170_000;
        if mode != 0 && mode != 0o100_000 && mode != 0o040_000 {
            let what = if mode == 0o120_000 {
                "a symbolic link"
            } else {
                "a special file (device, pipe or socket)"
            };
            push(Code::EntryLink, format!("{what}; fodpack writes only plain files and folders"));
        }
        if c.flags & (zipfmt::FLAG_ENCRYPTED | zipfmt::FLAG_STRONG_ENCRYPTION) != 0
            || c.method == 99
        {
            push(
                Code::EntryEncrypted,
                "the entry is encrypted, so its contents cannot be checked; send it unencrypted"
                    .into(),
            );
        } else if c.method != 0 && c.method != 8 {
            push(
                Code::EntryUnsupportedMethod,
                format!(
                    "compression method {} (only stored, 0, and deflate, 8, are read); rebuild the archive with deflate",
                    c.method
                ),
            );
        }
        if entry.name.as_ref().is_some_and(|n| !n.is_dir && names::is_archive_name(n.file_name()))
            && !entry.apple_double
        {
            push(Code::EntryNestedArchive, "an archive inside the archive; fodpack never opens nested archives: send its contents directly".into());
        }
        if entry.is_dir() && c.size != 0 {
            push(
                Code::EntryDataMismatch,
                format!(
                    "a folder entry (its name ends in /) that holds {} bytes of data, which no \
                     unzip tool writes anywhere; the archive was crafted or damaged: rebuild it",
                    c.size
                ),
            );
        }
        if c.size > limits.max_entry_size {
            push(
                Code::ArchiveLimit,
                format!(
                    "declares {} bytes, above the entry-size limit of {} bytes; raise it with --max-entry-size if this is expected",
                    c.size, limits.max_entry_size
                ),
            );
        } else if c.size > limits.ratio_floor
            && c.size / c.compressed_size.max(1) > limits.max_ratio
        {
            push(
                Code::ArchiveLimit,
                format!(
                    "compressed {}:1 ({} bytes from {}), above the ratio limit of {}:1 (a zip bomb?); raise it with --max-ratio if this is expected",
                    c.size / c.compressed_size.max(1),
                    c.size,
                    c.compressed_size,
                    limits.max_ratio
                ),
            );
        }
        total = total.saturating_add(c.size);
        total_compressed = total_compressed.saturating_add(c.compressed_size);
        match local_span(r, c, dir)? {
            Err(why) => push(
                Code::EntryHeaderMismatch,
                format!("{why}; the archive was damaged or crafted: do not use it"),
            ),
            Ok((data_offset, end)) => {
                entry.data_offset = Some(data_offset);
                spans.push((c.local_offset, end, c.index));
            }
        }
        scan.entries.push(entry);
    }
    for e in &scan.entries {
        let Some(name) = e.name.as_ref().filter(|n| !n.is_dir) else { continue };
        if let Some(below) = folders.get(&name.fold_key()) {
            let msg = format!(
                "a file, and also a folder above {below:?} (or the same after case folding); \
                 both cannot be created: rename one and rebuild the archive"
            );
            scan.findings.push(Finding::new(Code::EntryNameCollision, msg, at(&e.display)));
        }
    }
    if total > limits.max_total_size {
        scan.findings.push(Finding::new(Code::ArchiveLimit, format!("the entries declare {total} bytes in all, above the total-size limit of {} bytes; raise it with --max-total-size if this is expected", limits.max_total_size), Location::default()));
    } else if total > limits.archive_ratio_floor
        && total / total_compressed.max(1) > limits.max_ratio
    {
        let ratio = total / total_compressed.max(1);
        scan.findings.push(Finding::new(Code::ArchiveLimit, format!("the entries expand {ratio}:1 in all ({total} bytes from {total_compressed}), above the ratio limit of {}:1: many small entries that compress this well are a zip bomb; raise it with --max-ratio if this is expected", limits.max_ratio), Location::default()));
    }
    spans.sort_unstable();
    if spans.len() == scan.entries.len() {
        check_hidden(&spans, dir.cd_offset, scan);
    }
    for pair in spans.windows(2) {
        let ((_, end_a, a), (start_b, _, b)) = (pair[0], pair[1]);
        if start_b < end_a {
            let other = &scan.entries[a].display;
            let msg = format!(
                "its bytes overlap those of {other:?}; overlapping entries are how some zip bombs work: do not use the archive"
            );
            scan.findings.push(Finding::new(Code::EntryOverlap, msg, at(&scan.entries[b].display)));
        }
    }
    Ok(())
}

/// Reports bytes that no entry accounts for: before the first local header, between one
/// entry's end (data and any descriptor) and the next local header, and between the last
/// entry and the central directory. A reader that streams from the start (`bsdtar` on a
/// pipe, Java's `ZipInputStream`) would extract an entry hidden there that this scan, which
/// follows the central directory, never sees. `spans` is sorted and holds every entry.
fn check_hidden(spans: &[(u64, u64, usize)], cd_offset: u64, scan: &mut Scan) {
    let mut pos = 0;
    let mut found = Vec::new();
    for &(start, end, i) in spans {
        if start > pos {
            let where_ = if pos == 0 {
                "before the first entry".to_string()
            } else {
                "between the end of the previous entry and this one".to_string()
            };
            found.push((start - pos, pos, where_, Some(i)));
        }
        pos = pos.max(end);
    }
    if cd_offset > pos {
        let last = spans.last().map(|s| s.2);
        let where_ = if last.is_some() {
            "after this entry, before the central directory".to_string()
        } else {
            "before the central directory of an empty archive".to_string()
        };
        found.push((cd_offset - pos, pos, where_, last));
    }
    for (n, offset, where_, entry) in found {
        let msg = format!(
            "{n} bytes at offset {offset}, {where_}, belong to no entry; a tool that reads the \
             archive from the start may find a hidden entry there: do not use the archive, \
             get it again from the source"
        );
        let loc = entry.map(|i| at(&scan.entries[i].display)).unwrap_or_default();
        scan.findings.push(Finding::new(Code::ArchiveHiddenData, msg, loc));
    }
}

/// Reads the local header of one entry and compares it with the central record. `Ok` holds
/// the data offset and the end of the entry (after any data descriptor).
fn local_span<R: Read + Seek>(
    r: &mut R,
    c: &Central,
    dir: &zipfmt::Directory,
) -> io::Result<Result<(u64, u64), String>> {
    let local = match zipfmt::read_local(r, c.local_offset, dir.cd_offset)? {
        Ok(l) => l,
        Err(why) => return Ok(Err(why)),
    };
    if local.name_raw != c.name_raw {
        return Ok(Err(format!(
            "the local header names it {:?}, the central directory {:?}",
            String::from_utf8_lossy(&local.name_raw),
            String::from_utf8_lossy(&c.name_raw)
        )));
    }
    if local.method != c.method {
        return Ok(Err(format!(
            "the local header says compression method {}, the central directory {}",
            local.method, c.method
        )));
    }
    let enc = zipfmt::FLAG_ENCRYPTED | zipfmt::FLAG_DESCRIPTOR;
    if local.flags & enc != c.flags & enc {
        return Ok(Err("the local header and the central directory disagree on the flags for \
                       encryption or a data descriptor"
            .into()));
    }
    let end = local.data_offset + c.compressed_size;
    if end > dir.cd_offset {
        return Ok(Err(format!(
            "its data ({} bytes from offset {}) runs into the central directory",
            c.compressed_size, local.data_offset
        )));
    }
    let declared = (local.crc32, local.compressed_size, local.size);
    let central = (c.crc32, c.compressed_size, c.size);
    if c.flags & zipfmt::FLAG_DESCRIPTOR == 0 {
        if declared != central {
            return Ok(Err(format!(
                "the local header says CRC {:08x}, {} bytes compressed, {} bytes; the central \
                 directory says CRC {:08x}, {} and {}",
                declared.0, declared.1, declared.2, central.0, central.1, central.2
            )));
        }
        return Ok(Ok((local.data_offset, end)));
    }
    // A writer that streams (Java's ZipOutputStream) puts zeros in the local header and the
    // real values in a descriptor after the data.
    if declared != (0, 0, 0) && declared != central {
        return Ok(Err("the local header's CRC and sizes are neither zero nor the central \
                       directory's"
            .into()));
    }
    match zipfmt::read_descriptor(r, end, dir.cd_offset)? {
        Some((crc, csize, size, len)) if (crc, csize, size) == central => {
            Ok(Ok((local.data_offset, end + len)))
        }
        _ => Ok(Err(
            "the data descriptor after the data disagrees with the central directory".into()
        )),
    }
}

/// Reads one entry's data through `sink`, checking its size and CRC-32 as it goes; returns
/// its SHA-256, or the finding that says why the data is wrong. Memory stays at one buffer
/// whatever the entry declares: at most one byte more than the declared size is inflated.
pub fn read_entry<R: Read + Seek>(
    r: &mut R,
    e: &Entry,
    sink: &mut dyn Write,
    progress: &dyn Progress,
) -> io::Result<Result<[u8; 32], Finding>> {
    let c = &e.central;
    let Some(offset) = e.data_offset else {
        let why = "its local header could not be read".to_string();
        return Ok(Err(Finding::new(Code::EntryHeaderMismatch, why, at(&e.display))));
    };
    r.seek(SeekFrom::Start(offset))?;
    let raw = CountingRead { r: r.by_ref().take(c.compressed_size), n: 0, progress };
    let mut data = if c.method == 8 {
        Data::Deflate(flate2::bufread::DeflateDecoder::new(BufReader::with_capacity(
            16 * 1024,
            raw,
        )))
    } else {
        Data::Stored(raw)
    };
    let mut sha = Sha256::new();
    let mut crc = crc32fast::Hasher::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut n_total: u64 = 0;
    let mismatch =
        |why: String| Ok(Err(Finding::new(Code::EntryDataMismatch, why, at(&e.display))));
    let mut head = Vec::with_capacity(4);
    loop {
        let want = (c.size + 1 - n_total).min(buf.len() as u64) as usize;
        let n = match data.read(&mut buf[..want]) {
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) if is_data_error(&err) => {
                return mismatch(format!(
                    "the compressed data is damaged ({err}); copy the archive again"
                ));
            }
            Err(err) => return Err(err),
        };
        if n == 0 {
            break;
        }
        n_total += n as u64;
        if n_total > c.size {
            return mismatch(format!(
                "it holds more than the {} bytes it declares; the archive was damaged or crafted",
                c.size
            ));
        }
        if head.len() < 4 {
            head.extend_from_slice(&buf[..n.min(4 - head.len())]);
        }
        sha.update(&buf[..n]);
        crc.update(&buf[..n]);
        sink.write_all(&buf[..n])?;
    }
    if n_total != c.size {
        return mismatch(format!(
            "it holds {n_total} bytes but declares {}; the archive is truncated or damaged",
            c.size
        ));
    }
    if let Data::Deflate(d) = &data {
        let used = d.total_in();
        if used != c.compressed_size {
            return mismatch(format!(
                "its deflate data ends after {used} of its {} compressed bytes; the rest is \
                 hidden there: the archive was crafted or damaged",
                c.compressed_size
            ));
        }
    }
    let crc = crc.finalize();
    if crc != c.crc32 {
        return mismatch(format!(
            "its CRC-32 is {crc:08x} but {:08x} is declared; a byte changed: copy the archive again",
            c.crc32
        ));
    }
    if head == b"PK\x03\x04" && !e.apple_double {
        let why = "its content is a ZIP archive; fodpack never opens nested archives: send its contents directly";
        return Ok(Err(Finding::new(Code::EntryNestedArchive, why, at(&e.display))));
    }
    Ok(Ok(sha.finalize().into()))
}

/// An entry's data as read: stored as is, or inflated (whose input use is then checked).
enum Data<'a, R: Read> {
    Stored(CountingRead<'a, R>),
    Deflate(flate2::bufread::DeflateDecoder<BufReader<CountingRead<'a, R>>>),
}

impl<R: Read> Read for Data<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Data::Stored(r) => r.read(buf),
            Data::Deflate(r) => r.read(buf),
        }
    }
}

fn is_data_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::InvalidInput
            | io::ErrorKind::InvalidData
            | io::ErrorKind::UnexpectedEof
            | io::ErrorKind::Other
    )
}

struct CountingRead<'a, R: Read> {
    r: R,
    n: u64,
    progress: &'a dyn Progress,
}

impl<R: Read> Read for CountingRead<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.r.read(buf)?;
        self.n += n as u64;
        self.progress.advance(n as u64);
        Ok(n)
    }
}

/// Largest `manifest.json` or `SHA256SUMS` kept in memory to compare.
const MAX_META: u64 = 64 * 1024 * 1024;

/// Largest `.key` entry whose contents are checked as a key file; keys are a few KiB.
const MAX_KEY_CHECK: u64 = 1024 * 1024;

/// The outcome of reading one entry: its SHA-256 or what is wrong, its bytes when kept, and
/// what its contents say when it is a key.
type EntryRead = (Result<[u8; 32], Finding>, Vec<u8>, Vec<Finding>);

/// Creates a file that must not exist yet, readable by all, as an extracted key should be.
fn create_new(path: &Path) -> io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o644);
    o.open(path)
}

fn is_meta(e: &Entry) -> bool {
    let path = e.name.as_ref().map(SafeName::path).unwrap_or_default();
    (path == MANIFEST || path == SUMS) && e.central.size <= MAX_META
}

fn is_checked_key(e: &Entry) -> bool {
    e.name
        .as_ref()
        .is_some_and(|n| !n.is_dir && n.file_name().to_ascii_lowercase().ends_with(".key"))
        && !e.apple_double
        && e.central.size <= MAX_KEY_CHECK
}

/// Reads and hashes every entry, checks key contents when `check_keys`, and checks a bundle's
/// lists; an entry with a path in `targets` is written there as it is read (the file must not
/// exist). A caller that writes must discard what it wrote when the scan has failed.
pub fn read_data_into(
    path: &Path,
    scan: &mut Scan,
    progress: &dyn Progress,
    check_keys: bool,
    targets: &HashMap<usize, std::path::PathBuf>,
) -> io::Result<()> {
    let mut manifest_bytes = None;
    let mut sums_bytes = None;
    // Folders are read too: their data must be empty, and none may hide bytes.
    let all: Vec<usize> = (0..scan.entries.len()).collect();
    // Entries are read and hashed in parallel, each worker with its own handle on the archive;
    // results are taken in entry order, so findings come out in the same order every time.
    let entries = &scan.entries;
    let results: Vec<io::Result<EntryRead>> = all
        .par_iter()
        .map_init(
            || File::open(path).map(|f| BufReader::with_capacity(64 * 1024, f)),
            |reader, &i| {
                let r = reader.as_mut().map_err(|e| io::Error::new(e.kind(), e.to_string()))?;
                let e = &entries[i];
                let key = check_keys && is_checked_key(e);
                // Every small entry is kept to look for private keys, whatever its name.
                let small = check_keys && !e.is_dir() && e.central.size <= MAX_KEY_CHECK;
                let target = targets.get(&i);
                let mut kept = Vec::new();
                let result = if is_meta(e) || key || small {
                    let result = read_entry(r, e, &mut kept, progress)?;
                    if let Some(t) = target {
                        create_new(t)?.write_all(&kept)?;
                    }
                    result
                } else if let Some(t) = target {
                    let mut out = io::BufWriter::new(create_new(t)?);
                    let result = read_entry(r, e, &mut out, progress)?;
                    out.into_inner().map_err(|e| e.into_error())?;
                    result
                } else {
                    read_entry(r, e, &mut io::sink(), progress)?
                };
                let mut key_findings = Vec::new();
                if key && result.is_ok() {
                    let file_name = e.name.as_ref().map(SafeName::file_name).unwrap_or_default();
                    key_findings = crate::keyfile::check(file_name, &kept, Some(&e.display));
                } else if small && result.is_ok() && crate::keyfile::is_private_key(&kept) {
                    key_findings.push(Finding::new(
                        Code::KeyPrivateKey,
                        "this entry is a private key, whatever its name; it must not cross the \
                         air gap: remove it from the archive",
                        at(&e.display),
                    ));
                }
                if !is_meta(e) {
                    kept = Vec::new();
                }
                Ok((result, kept, key_findings))
            },
        )
        .collect();
    let mut key_findings = Vec::new();
    for (&i, result) in all.iter().zip(results) {
        let (result, kept, keys) = result?;
        key_findings.extend(keys);
        let e = &mut scan.entries[i];
        match result {
            Ok(_) if e.is_dir() => {}
            Ok(sha) => {
                e.sha256 = Some(sha);
                if is_meta(e) && e.name.as_ref().is_some_and(|n| n.path() == MANIFEST) {
                    manifest_bytes = Some(kept);
                } else if is_meta(e) {
                    sums_bytes = Some(kept);
                }
            }
            Err(f) => scan.findings.push(f),
        }
    }
    let at_root =
        |name: &str| scan.entries.iter().any(|e| e.name.as_ref().is_some_and(|n| n.path() == name));
    let (has_manifest, has_sums) = (at_root(MANIFEST), at_root(SUMS));
    scan.is_bundle = has_manifest || has_sums;
    let failed = scan.failed();
    let mark = scan.findings.len();
    if has_sums && !has_manifest {
        // A vendor ZIP has neither; a bundle whose manifest was deleted must not pass as one.
        scan.findings.push(Finding::new(
            Code::BundleMissingEntry,
            "the archive holds SHA256SUMS but no manifest.json: it is a fodpack bundle whose \
             manifest was deleted, so its contents cannot be proven; get the bundle again",
            at(MANIFEST),
        ));
    } else if has_manifest && !failed {
        check_bundle(scan, manifest_bytes, sums_bytes);
    }
    if let Some(m) = &scan.manifest {
        for f in &mut key_findings {
            let path = f.location.entry.as_deref().unwrap_or_default();
            let was_forced = m.forced.iter().any(|x| x.code == f.code.as_str() && x.path == path);
            if was_forced && f.code != Code::KeyPrivateKey && f.severity == Severity::Error {
                f.severity = Severity::Warning;
                f.message.push_str(" (packed with --force, as manifest.json records)");
            }
        }
    }
    scan.findings.splice(mark..mark, key_findings);
    Ok(())
}

fn check_bundle(scan: &mut Scan, manifest_bytes: Option<Vec<u8>>, sums_bytes: Option<Vec<u8>>) {
    let mut out = Vec::new();
    let invalid =
        |entry: &str, why: String| Finding::new(Code::BundleManifestInvalid, why, at(entry));
    let manifest = match manifest_bytes.map(|b| serde_json::from_slice::<Manifest>(&b)) {
        None => Err(invalid(MANIFEST, "manifest.json is larger than 64 MiB".into())),
        Some(Err(e)) => {
            Err(invalid(MANIFEST, format!("manifest.json is not a format-1 manifest: {e}")))
        }
        Some(Ok(m))
            if m.format != manifest::FORMAT || m.format_version != manifest::FORMAT_VERSION =>
        {
            Err(invalid(
                MANIFEST,
                format!(
                    "format {:?} version {} is not {} version {}; use the fodpack that wrote it",
                    m.format,
                    m.format_version,
                    manifest::FORMAT,
                    manifest::FORMAT_VERSION
                ),
            ))
        }
        Some(Ok(m)) => Ok(m),
    };
    let manifest = match manifest {
        Ok(m) => m,
        Err(f) => {
            scan.findings.push(f);
            return;
        }
    };
    // The summary is what `inspect` shows and people read; it must agree with the entries.
    let keys = manifest.entries.iter().filter(|e| e.kind == "key").count();
    let misfiled =
        manifest.entries.iter().find(|e| (e.kind == "key") != e.path.starts_with("keys/"));
    if let Some(e) = misfiled {
        scan.findings.push(invalid(
            MANIFEST,
            format!(
                "manifest.json lists {:?} as kind {:?}, which its folder contradicts; the \
                 manifest was edited: get the bundle again",
                e.path, e.kind
            ),
        ));
    } else if manifest.summary.keys != keys
        || manifest.summary.exports != manifest.entries.len() - keys
    {
        scan.findings.push(invalid(
            MANIFEST,
            format!(
                "manifest.json's summary counts {} keys and {} documents, but it lists {keys} \
                 and {}; the manifest was edited: get the bundle again",
                manifest.summary.keys,
                manifest.summary.exports,
                manifest.entries.len() - keys
            ),
        ));
    }
    let sums = match sums_bytes.as_deref().map(manifest::parse_sums) {
        None => {
            let has = scan.entries.iter().any(|e| e.display == SUMS);
            let f = if has {
                invalid(SUMS, "SHA256SUMS is larger than 64 MiB".into())
            } else {
                Finding::new(
                    Code::BundleMissingEntry,
                    "the bundle has no SHA256SUMS; it was edited or cut: pack it again",
                    at(SUMS),
                )
            };
            scan.findings.push(f);
            return;
        }
        Some(Err(why)) => {
            scan.findings.push(invalid(SUMS, format!("SHA256SUMS: {why}")));
            return;
        }
        Some(Ok(s)) => s,
    };
    let actual: HashMap<String, (&Entry, String)> = scan
        .entries
        .iter()
        .filter_map(|e| Some((e.name.as_ref()?.path(), (e, hex(&e.sha256?)))))
        .collect();
    for e in scan.entries.iter().filter(|e| e.is_dir()) {
        out.push(Finding::new(Code::BundleExtraEntry, "a folder entry, which bundles never hold; the bundle was edited with another tool: pack it again", at(&e.display)));
    }
    let mut listed_sums = HashSet::new();
    let mut sums_ok = HashSet::new();
    for (path, want) in &sums {
        if !listed_sums.insert(path.as_str()) {
            out.push(invalid(SUMS, format!("SHA256SUMS lists {path:?} twice")));
            continue;
        }
        match actual.get(path) {
            None => out.push(Finding::new(Code::BundleMissingEntry, format!("SHA256SUMS lists {path:?}, which the bundle does not hold; an entry was deleted: get the bundle again"), at(path))),
            Some((_, got)) if got != want => out.push(Finding::new(Code::BundleHashMismatch, format!("SHA-256 is {got}, SHA256SUMS says {want}; the entry or SHA256SUMS was changed: get the bundle again"), at(path))),
            Some(_) => {
                sums_ok.insert(path.as_str());
            }
        }
    }
    let mut listed_manifest = HashSet::new();
    let mut matched = 0;
    for m in &manifest.entries {
        if !listed_manifest.insert(m.path.as_str()) {
            out.push(invalid(MANIFEST, format!("manifest.json lists {:?} twice", m.path)));
            continue;
        }
        match actual.get(&m.path) {
            None => out.push(Finding::new(Code::BundleMissingEntry, format!("manifest.json lists {:?}, which the bundle does not hold; an entry was deleted: get the bundle again", m.path), at(&m.path))),
            Some((e, got)) if *got != m.sha256 || e.central.size != m.size => out.push(Finding::new(Code::BundleHashMismatch, format!("SHA-256 {got} and size {}, manifest.json says {} and {}; the entry or the manifest was changed: get the bundle again", e.central.size, m.sha256, m.size), at(&m.path))),
            Some(_) => {
                if sums_ok.contains(m.path.as_str()) {
                    matched += 1;
                }
            }
        }
    }
    for (path, (e, _)) in &actual {
        if e.is_dir() {
            continue;
        }
        if path != SUMS && !listed_sums.contains(path.as_str()) {
            out.push(Finding::new(Code::BundleExtraEntry, "not listed in SHA256SUMS; an entry was added after packing: remove it or pack again", at(&e.display)));
        } else if path != SUMS && path != MANIFEST && !listed_manifest.contains(path.as_str()) {
            out.push(Finding::new(Code::BundleExtraEntry, "not listed in manifest.json; an entry was added after packing: remove it or pack again", at(&e.display)));
        }
    }
    if !listed_sums.contains(MANIFEST) {
        out.push(Finding::new(Code::BundleMissingEntry, "SHA256SUMS does not list manifest.json, so the manifest is unproven; pack the bundle again", at(SUMS)));
    } else if sums_ok.contains(MANIFEST) {
        matched += 1;
    }
    if out.is_empty() {
        // Every line matched; the bytes must also be exactly what pack writes, so that no
        // line ending, order or extra text carries anything unchecked.
        let mut lines: Vec<(String, String)> =
            manifest.entries.iter().map(|m| (m.path.clone(), m.sha256.clone())).collect();
        if let Some((_, sha)) = actual.get(MANIFEST) {
            lines.push((MANIFEST.to_string(), sha.clone()));
        }
        lines.sort();
        let canonical = manifest::sums_text(&lines);
        if sums_bytes.as_deref() != Some(canonical.as_bytes()) {
            let why = if sums_bytes.as_deref().is_some_and(|b| b.contains(&b'\r')) {
                "SHA256SUMS has CR LF line endings (it was edited or converted on Windows)"
            } else {
                "SHA256SUMS is not byte for byte what fodpack writes (one line per file, sorted \
                 by path, each ending in a single newline)"
            };
            out.push(invalid(
                SUMS,
                format!(
                    "{why}; its lines match, but changed bytes in a \
                bundle are not accepted: get the bundle again, or pack it again"
                ),
            ));
        }
    }
    out.sort_by(|a, b| a.location.entry.cmp(&b.location.entry).then(a.code.cmp(&b.code)));
    scan.findings.extend(out);
    scan.hashes_matched = matched;
    scan.manifest = Some(manifest);
}
