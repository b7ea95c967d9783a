//! `unpack`: verify an archive, then extract it into a new folder renamed into place.

use super::names;
use super::scan::{self, Scan};
use super::{Limits, Progress};
use crate::rules::{Code, Finding, Location};
use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// How to unpack.
#[derive(Clone, Debug, Default)]
pub struct UnpackOptions {
    /// Write only the key files, flat, into the destination.
    pub keys_only: bool,
    /// Replace an existing non-empty destination.
    pub force: bool,
    /// Limits on entries, sizes and ratio.
    pub limits: Limits,
}

/// What unpack did.
#[derive(Debug)]
pub struct UnpackOutcome {
    /// The verification, with any findings from extraction added.
    pub scan: Scan,
    /// Paths written, relative to the destination, in archive order.
    pub written: Vec<String>,
    /// Whether the destination now holds the result.
    pub done: bool,
}

/// Checks the destination before any work: it must not exist (in a folder that does), be an
/// empty folder, or (with `force`) be a folder that is not a link.
pub fn check_destination(dest: &Path, force: bool) -> Result<(), String> {
    let shown = dest.display();
    match fs::symlink_metadata(dest) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let parent = match dest.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            match fs::metadata(parent) {
                Ok(m) if m.is_dir() => Ok(()),
                Ok(_) => Err(format!(
                    "{}, which would hold {shown}, is not a folder; choose another destination",
                    parent.display()
                )),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Err(format!(
                    "the folder {} that would hold {shown} does not exist; create it first, or \
                     choose another destination",
                    parent.display()
                )),
                Err(e) => Err(format!("{}: {e}", parent.display())),
            }
        }
        Err(e) => Err(format!("{shown}: {e}")),
        Ok(m) if m.file_type().is_symlink() => Err(format!(
            "{shown} is a symbolic link; fodpack never writes through links: give a real folder"
        )),
        Ok(m) if !m.is_dir() => {
            Err(format!("{shown} exists and is not a folder; choose another destination"))
        }
        Ok(_) if force => Ok(()),
        Ok(_) => match fs::read_dir(dest).map(|mut d| d.next().is_none()) {
            Ok(true) => Ok(()),
            Ok(false) => Err(format!(
                "{shown} exists and is not empty; choose another destination, or replace it \
                 with --force"
            )),
            Err(e) => Err(format!("{shown}: {e}")),
        },
    }
}

/// Verifies `archive` and, when it passes, extracts it to `dest`. Nothing is written unless
/// everything passes; `dest` then appears whole, by one rename.
pub fn unpack(
    archive: &Path,
    dest: &Path,
    opts: &UnpackOptions,
    progress: &dyn Progress,
) -> io::Result<UnpackOutcome> {
    check_destination(dest, opts.force).map_err(io::Error::other)?;
    let mut scan = scan::scan_structure(archive, &opts.limits, progress)?;
    let mut outcome = UnpackOutcome {
        scan: Scan { findings: Vec::new(), ..empty_like(&scan) },
        written: Vec::new(),
        done: false,
    };
    let plan = if scan.failed() { None } else { plan(&scan, opts.keys_only) };
    let plan = match plan {
        Some(Ok(p)) => p,
        Some(Err(f)) => {
            scan.findings.push(f);
            outcome.scan = scan;
            return Ok(outcome);
        }
        None => {
            outcome.scan = scan;
            return Ok(outcome);
        }
    };
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new().prefix(".fodpack-unpack-").tempdir_in(&parent)?;
    // Every folder is made first, so that writing the files needs no more than the files.
    let mut folders: Vec<PathBuf> = Vec::new();
    for (i, rel) in &plan {
        let target = tmp.path().join(rel);
        if scan.entries[*i].is_dir() {
            folders.push(target);
        } else if let Some(parent) = target.parent() {
            folders.push(parent.to_path_buf());
        }
    }
    folders.sort();
    folders.dedup();
    for f in &folders {
        fs::create_dir_all(f)?;
    }
    // One pass reads, checks and writes: each entry is hashed as it is written, the bundle's
    // lists are checked after, and nothing written is kept unless everything passed.
    let targets: HashMap<usize, PathBuf> = plan
        .iter()
        .filter(|(i, _)| !scan.entries[*i].is_dir())
        .map(|(i, rel)| (*i, tmp.path().join(rel)))
        .collect();
    scan::read_data_into(archive, &mut scan, progress, true, &targets)?;
    if !scan.is_bundle && !scan.failed() {
        scan.findings.push(Finding::new(
            Code::ArchiveNoManifest,
            "this ZIP has no fodpack manifest, so nothing proves its contents are what was \
             sent; compare the keys with the sender, or ask for a bundle made by fodpack pack",
            Location::default(),
        ));
    }
    if scan.failed() {
        outcome.scan = scan;
        return Ok(outcome);
    }
    outcome.written = plan
        .iter()
        .filter(|(i, _)| !scan.entries[*i].is_dir())
        .map(|(_, rel)| rel.clone())
        .collect();
    // One sync of the file system flushes every file written; syncing each file instead costs
    // a disk flush per key, which dominated the time of unpacking thousands of keys.
    fs::File::open(tmp.path()).and_then(|d| rustix::fs::syncfs(&d).map_err(io::Error::from))?;
    sync_dirs(tmp.path())?;
    let staged = tmp.keep();
    if let Err(e) = place(&staged, dest) {
        let _ = fs::remove_dir_all(&staged);
        return Err(e);
    }
    if let Ok(d) = fs::File::open(&parent) {
        let _ = d.sync_all();
    }
    outcome.done = true;
    outcome.scan = scan;
    Ok(outcome)
}

fn empty_like(s: &Scan) -> Scan {
    Scan {
        sha256: s.sha256.clone(),
        size: s.size,
        entries: Vec::new(),
        manifest: None,
        is_bundle: s.is_bundle,
        hashes_matched: 0,
        findings: Vec::new(),
    }
}

/// Decides the relative path of every entry written; `--keys-only` flattens key files.
fn plan(scan: &Scan, keys_only: bool) -> Option<Result<Vec<(usize, String)>, Finding>> {
    let mut out = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for (i, e) in scan.entries.iter().enumerate() {
        let name = e.name.as_ref()?;
        if e.apple_double {
            continue;
        }
        let rel = if keys_only {
            if e.is_dir() || !name.file_name().to_ascii_lowercase().ends_with(".key") {
                continue;
            }
            name.file_name().to_string()
        } else {
            name.path()
        };
        let key = names::fold(&rel);
        if let Some(other) = seen.get(&key) {
            if !(e.is_dir() && keys_only) {
                let msg = format!(
                    "written flat, it would be the same file as {other:?}; unpack without --keys-only"
                );
                return Some(Err(Finding::new(
                    Code::EntryNameCollision,
                    msg,
                    Location::entry(&e.display),
                )));
            }
        }
        seen.insert(key, e.display.clone());
        out.push((i, rel));
    }
    Some(Ok(out))
}

fn sync_dirs(root: &Path) -> io::Result<()> {
    for entry in walkdir::WalkDir::new(root).follow_links(false) {
        let entry = entry.map_err(io::Error::other)?;
        if entry.file_type().is_dir() {
            // Directories cannot be opened for syncing on every platform; a failure here
            // only weakens durability, not correctness.
            if let Ok(d) = fs::File::open(entry.path()) {
                let _ = d.sync_all();
            }
        }
    }
    Ok(())
}

/// Moves the staged folder to `dest`, replacing an existing folder (checked before) by
/// renaming it aside first and removing it after; links inside it are removed, not followed.
fn place(staged: &Path, dest: &Path) -> io::Result<()> {
    if fs::symlink_metadata(dest).is_err() {
        return fs::rename(staged, dest);
    }
    let parent = staged.parent().unwrap_or(Path::new("."));
    let aside = tempfile::Builder::new().prefix(".fodpack-old-").tempdir_in(parent)?.keep();
    fs::remove_dir(&aside)?;
    fs::rename(dest, &aside)?;
    if let Err(e) = fs::rename(staged, dest) {
        let _ = fs::rename(&aside, dest);
        return Err(e);
    }
    fs::remove_dir_all(&aside)
}
