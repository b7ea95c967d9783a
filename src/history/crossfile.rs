//! Checks across files: when several snapshots describe one code, its idempotent attributes
//! and its total must agree, and a key ID must not appear under two codes.
//!
//! Memory stays small however many files there are: each code and each key seen is one
//! 16-byte entry (a hash of its name, a hash of what must agree, a file index), and entries
//! that say the same thing are merged as the list grows. Details are read again from the
//! files only for the few codes that conflict. Which file of a pair is named first is decided
//! by path, not by the order files were read in, so the output does not depend on that order.

use super::diff::field;
use super::transitions::{self, is_real_key_id};
use crate::document::Kind;
use crate::model::AuthCode;
use crate::model::Document;
use crate::rules::{Code, Finding};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

/// What one file says about its codes, in a few integers per code.
#[derive(Clone, Debug, Default)]
pub struct FileSummary {
    codes: Vec<CodeSummary>,
}

#[derive(Clone, Debug)]
struct CodeSummary {
    code: u64,
    signature: u32,
    keys: Vec<u64>,
}

fn hash<T: Hash + ?Sized>(value: &T) -> u64 {
    // `DefaultHasher::new` has fixed keys, so equal values hash equally across files.
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// A 32-bit digest of what must agree. Two different values share one with a chance of one in
/// four billion, in which case that one conflict goes unreported; equal digests of different
/// codes or keys cannot cause a false report, since the files are read again to confirm.
fn digest<T: Hash + ?Sized>(value: &T) -> u32 {
    (hash(value) >> 32) as u32
}

/// Summarises a snapshot; other kinds say nothing about the state of codes.
pub fn summarise(doc: &Document) -> Option<FileSummary> {
    if !doc.kind.is_snapshot() {
        return None;
    }
    let mut seen = std::collections::HashSet::new();
    let mut codes = Vec::new();
    for code in &doc.codes {
        let Some(name) = code.code() else { continue };
        if !seen.insert(name) {
            continue;
        }
        let signature = digest(&(transitions::string_attributes(code), transitions::total(code)));
        let keys = code
            .license_keys
            .iter()
            .filter_map(|k| k.id().filter(|id| is_real_key_id(id)).map(hash))
            .collect();
        codes.push(CodeSummary { code: hash(name), signature, keys });
    }
    Some(FileSummary { codes })
}

/// One code (or key) as one file describes it.
#[derive(Clone, Copy, Debug)]
struct Entry {
    /// Hash of the code's name (or the key's ID).
    id: u64,
    /// Digest of the code's idempotent attributes and total (or of the key's code).
    signature: u32,
    /// Index of the file.
    file: u32,
}

/// The memory of every code and key seen so far.
#[derive(Debug)]
pub struct CrossFile {
    files: Vec<(PathBuf, Kind)>,
    codes: Vec<Entry>,
    keys: Vec<Entry>,
    merge_codes_at: usize,
    merge_keys_at: usize,
}

impl Default for CrossFile {
    fn default() -> Self {
        CrossFile::new()
    }
}

const FIRST_MERGE: usize = 1 << 16;

impl CrossFile {
    /// An empty memory.
    pub fn new() -> Self {
        CrossFile {
            files: Vec::new(),
            codes: Vec::new(),
            keys: Vec::new(),
            merge_codes_at: FIRST_MERGE,
            merge_keys_at: FIRST_MERGE,
        }
    }

    /// Remembers what one file says.
    pub fn add(&mut self, path: &Path, kind: Kind, summary: &FileSummary) {
        let Ok(file) = u32::try_from(self.files.len()) else { return };
        self.files.push((path.to_path_buf(), kind));
        for code in &summary.codes {
            self.codes.push(Entry { id: code.code, signature: code.signature, file });
            let signature = (code.code >> 32) as u32;
            self.keys.extend(code.keys.iter().map(|&id| Entry { id, signature, file }));
        }
        if self.codes.len() >= self.merge_codes_at {
            merge(&self.files, &mut self.codes);
            self.merge_codes_at = (self.codes.len() * 2).max(FIRST_MERGE);
        }
        if self.keys.len() >= self.merge_keys_at {
            merge(&self.files, &mut self.keys);
            self.merge_keys_at = (self.keys.len() * 2).max(FIRST_MERGE);
        }
    }

    /// The conflicts, each located in the later file of its pair (by path) and related to the
    /// earlier one, sorted by path. Files that cannot be read again are passed over.
    pub fn finish(mut self) -> Vec<(String, Kind, Finding)> {
        merge(&self.files, &mut self.codes);
        merge(&self.files, &mut self.keys);
        let mut out = Vec::new();
        let mut cache = Cache { files: &self.files, loaded: std::collections::HashMap::new() };
        for (a, b) in pairs(&self.files, &self.codes) {
            cache.code_conflicts(a, b, &mut out);
        }
        for (a, b) in pairs(&self.files, &self.keys) {
            cache.key_conflict(a, b, &mut out);
        }
        out.sort_by(|a, b| {
            (&a.0, a.2.location.line, a.2.location.column, a.2.code).cmp(&(
                &b.0,
                b.2.location.line,
                b.2.location.column,
                b.2.code,
            ))
        });
        out.dedup_by(|a, b| a.0 == b.0 && a.2 == b.2);
        out
    }
}

/// Sorts the entries and keeps, for each name and signature, the one in the first file by
/// path.
fn merge(files: &[(PathBuf, Kind)], entries: &mut Vec<Entry>) {
    let path = |e: &Entry| &files[e.file as usize].0;
    entries.sort_unstable_by(|a, b| {
        (a.id, a.signature).cmp(&(b.id, b.signature)).then_with(|| path(a).cmp(path(b)))
    });
    entries.dedup_by(|later, first| later.id == first.id && later.signature == first.signature);
    entries.shrink_to_fit();
}

/// For each name with several signatures, every pair of them from different files, the file
/// first by path first. `entries` must be merged.
fn pairs(files: &[(PathBuf, Kind)], entries: &[Entry]) -> Vec<(Entry, Entry)> {
    let mut out = Vec::new();
    for group in entries.chunk_by(|a, b| a.id == b.id) {
        if group.len() < 2 {
            continue;
        }
        let mut group = group.to_vec();
        group.sort_by(|a, b| files[a.file as usize].0.cmp(&files[b.file as usize].0));
        for (i, a) in group.iter().enumerate() {
            for b in &group[i + 1..] {
                if a.file != b.file {
                    out.push((*a, *b));
                }
            }
        }
    }
    out
}

struct Cache<'a> {
    files: &'a [(PathBuf, Kind)],
    loaded: std::collections::HashMap<u32, Option<super::Loaded>>,
}

impl Cache<'_> {
    fn get(&mut self, file: u32) -> Option<&super::Loaded> {
        let files = self.files;
        self.loaded
            .entry(file)
            .or_insert_with(|| super::load(&files[file as usize].0).ok())
            .as_ref()
    }

    fn both(&mut self, a: u32, b: u32) -> Option<(&super::Loaded, &super::Loaded)> {
        self.get(a)?;
        self.get(b)?;
        Some((self.loaded.get(&a)?.as_ref()?, self.loaded.get(&b)?.as_ref()?))
    }

    fn code_conflicts(&mut self, a: Entry, b: Entry, out: &mut Vec<(String, Kind, Finding)>) {
        let kind = self.files[b.file as usize].1;
        let Some((file_a, file_b)) = self.both(a.file, b.file) else { return };
        let find = |l: &'_ super::Loaded, id: u64| {
            l.doc.as_ref()?.codes.iter().find(|c| c.code().map(hash) == Some(id)).cloned()
        };
        let (Some(ca), Some(cb)) = (find(file_a, a.id), find(file_b, b.id)) else {
            return;
        };
        let (la, lb, src_a, src_b) =
            (file_a.path.clone(), file_b.path.clone(), &file_a.source, &file_b.source);
        // A hash collision between two codes is possible in principle; the text decides.
        if ca.code() != cb.code() {
            return;
        }
        let name = ca.code().unwrap_or_default();
        let related = |offset: usize, pointer: &str| {
            let mut loc = src_a.location(offset, Some(pointer.to_string()));
            loc.path = Some(la.clone());
            loc
        };
        let attrs = transitions::string_attributes(&ca)
            .into_iter()
            .zip(transitions::string_attributes(&cb));
        for ((attr, va), (_, vb)) in attrs {
            let (Some(va), Some(vb)) = (va, vb) else { continue };
            let (Some(fa), Some(fb)) = (field(&ca, attr), field(&cb, attr)) else { continue };
            if va == vb {
                continue;
            }
            let finding = Finding::new(
                Code::IdempotentMismatch,
                format!(
                    "{name}: {attr} is \"{}\" here and \"{}\" in {la}; the server never changes \
                     it, so one of the files was edited or describes another code: compare both \
                     with the order",
                    vb.escape_debug(),
                    va.escape_debug()
                ),
                src_b.location(fb.offset, Some(fb.pointer.clone())),
            )
            .with_related(related(fa.offset, &fa.pointer));
            out.push((lb.clone(), kind, finding));
        }
        if let (Some(ta), Some(tb)) = (transitions::total(&ca), transitions::total(&cb)) {
            if ta != tb {
                let at = |c: &AuthCode| {
                    c.keys_redeemed
                        .as_ref()
                        .map_or((c.offset, c.pointer.clone()), |r| (r.offset, r.pointer.clone()))
                };
                let ((ob, pb), (oa, pa)) = (at(&cb), at(&ca));
                let finding = Finding::new(
                    Code::TotalMismatch,
                    format!(
                        "{name}: keysRedeemed plus keysRemaining is {tb} here and {ta} in {la}; \
                         redeeming keeps the sum, so licenses were added or lost between the \
                         two: ask Lenovo what changed (a warning, since the vendor does not say \
                         what the two counts count)"
                    ),
                    src_b.location(ob, Some(pb)),
                )
                .with_related(related(oa, &pa));
                out.push((lb, kind, finding));
            }
        }
    }

    fn key_conflict(&mut self, a: Entry, b: Entry, out: &mut Vec<(String, Kind, Finding)>) {
        let kind = self.files[b.file as usize].1;
        let find = |cache: &mut Self, s: Entry| {
            let loaded = cache.get(s.file)?;
            let doc = loaded.doc.as_ref()?;
            doc.codes.iter().find_map(|c| {
                let k = c.license_keys.iter().find(|k| k.id().map(hash) == Some(s.id))?;
                Some((
                    loaded.path.clone(),
                    loaded.source.location(k.offset, Some(k.pointer.clone())),
                    c.code()?.to_string(),
                    k.id()?.to_string(),
                ))
            })
        };
        let (Some((pa, mut la, ca, ida)), Some((pb, lb, cb, idb))) = (find(self, a), find(self, b))
        else {
            return;
        };
        if ida != idb || ca == cb {
            return;
        }
        la.path = Some(pa.clone());
        let finding = Finding::new(
            Code::KeyUnderTwoCodes,
            format!(
                "key {} is under {cb} here and under {ca} in {pa}; a key belongs to the code it \
                 was redeemed from: one of the files was edited or mixes two LXCAs",
                idb.escape_debug()
            ),
            lb,
        )
        .with_related(la);
        out.push((pb, kind, finding));
    }
}
