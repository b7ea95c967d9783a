//! Checks across files: when several snapshots describe one code, its idempotent attributes
//! and its total must agree, and a key ID must not appear under two codes.
//!
//! Memory stays small however many files there are: each code and each key is remembered as
//! a few integers (hashes, a file index, an offset). Details are read again from the files
//! only for the few codes that conflict. Which file is the first of a pair is decided by path,
//! not by the order files were read in, so the output does not depend on that order.

use super::diff::field;
use super::transitions::{self, is_real_key_id};
use crate::document::Kind;
use crate::model::{AuthCode, Document};
use crate::rules::{Code, Finding};
use std::collections::HashMap;
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
    signature: u64,
    offset: u32,
    keys: Vec<(u64, u32)>,
}

fn hash<T: Hash + ?Sized>(value: &T) -> u64 {
    // `DefaultHasher::new` has fixed keys, so equal values hash equally across files.
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
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
        let Ok(offset) = u32::try_from(code.offset) else { continue };
        if !seen.insert(name) {
            continue;
        }
        let signature = hash(&(transitions::string_attributes(code), transitions::total(code)));
        let keys = code
            .license_keys
            .iter()
            .filter_map(|k| {
                let id = k.id().filter(|id| is_real_key_id(id))?;
                Some((hash(id), u32::try_from(k.offset).ok()?))
            })
            .collect();
        codes.push(CodeSummary { code: hash(name), signature, offset, keys });
    }
    Some(FileSummary { codes })
}

#[derive(Clone, Copy, Debug)]
struct Seen {
    signature: u64,
    file: u32,
    offset: u32,
}

/// The memory of every code and key seen so far.
#[derive(Debug, Default)]
pub struct CrossFile {
    files: Vec<(PathBuf, Kind)>,
    codes: HashMap<u64, Seen>,
    keys: HashMap<u64, Seen>,
    /// Further signatures of codes and keys seen with more than one; rare.
    other_codes: HashMap<u64, Vec<Seen>>,
    other_keys: HashMap<u64, Vec<Seen>>,
}

impl CrossFile {
    /// An empty memory.
    pub fn new() -> Self {
        CrossFile::default()
    }

    /// Remembers what one file says.
    pub fn add(&mut self, path: &Path, kind: Kind, summary: &FileSummary) {
        let Ok(file) = u32::try_from(self.files.len()) else { return };
        self.files.push((path.to_path_buf(), kind));
        for code in &summary.codes {
            let seen = Seen { signature: code.signature, file, offset: code.offset };
            remember(&self.files, &mut self.codes, &mut self.other_codes, code.code, seen);
            for &(key, offset) in &code.keys {
                let seen = Seen { signature: code.code, file, offset };
                remember(&self.files, &mut self.keys, &mut self.other_keys, key, seen);
            }
        }
    }

    /// The conflicts, each located in the later file of its pair (by path) and related to the
    /// earlier one, sorted by path. Files that cannot be read again are passed over.
    pub fn finish(self) -> Vec<(String, Kind, Finding)> {
        let mut out = Vec::new();
        let mut cache = Cache { files: &self.files, loaded: HashMap::new() };
        for (id, others) in &self.other_codes {
            let Some(first) = self.codes.get(id) else { continue };
            for (a, b) in pairs(&self.files, *first, others) {
                cache.code_conflicts(a, b, &mut out);
            }
        }
        for (id, others) in &self.other_keys {
            let Some(first) = self.keys.get(id) else { continue };
            for (a, b) in pairs(&self.files, *first, others) {
                cache.key_conflict(a, b, &mut out);
            }
        }
        out.sort_by(|a, b| {
            (&a.0, a.2.location.line, a.2.location.column, a.2.code).cmp(&(
                &b.0,
                b.2.location.line,
                b.2.location.column,
                b.2.code,
            ))
        });
        out
    }
}

/// Keeps, for each signature, the observation in the first file by path.
fn remember(
    files: &[(PathBuf, Kind)],
    main: &mut HashMap<u64, Seen>,
    others: &mut HashMap<u64, Vec<Seen>>,
    id: u64,
    seen: Seen,
) {
    let earlier = |a: &Seen, b: &Seen| files[a.file as usize].0 < files[b.file as usize].0;
    let Some(first) = main.get_mut(&id) else {
        main.insert(id, seen);
        return;
    };
    if first.signature == seen.signature {
        if earlier(&seen, first) {
            *first = seen;
        }
        return;
    }
    let list = others.entry(id).or_default();
    match list.iter_mut().find(|s| s.signature == seen.signature) {
        Some(s) if earlier(&seen, s) => *s = seen,
        Some(_) => {}
        None => list.push(seen),
    }
}

/// Every pair of different signatures, earlier file first, in path order.
fn pairs(files: &[(PathBuf, Kind)], first: Seen, others: &[Seen]) -> Vec<(Seen, Seen)> {
    let mut all: Vec<Seen> = std::iter::once(first).chain(others.iter().copied()).collect();
    all.sort_by(|a, b| files[a.file as usize].0.cmp(&files[b.file as usize].0));
    let mut out = Vec::new();
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            if a.file != b.file {
                out.push((*a, *b));
            }
        }
    }
    out
}

struct Cache<'a> {
    files: &'a [(PathBuf, Kind)],
    loaded: HashMap<u32, Option<super::Loaded>>,
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

    fn code_conflicts(&mut self, a: Seen, b: Seen, out: &mut Vec<(String, Kind, Finding)>) {
        let kind = self.files[b.file as usize].1;
        let Some((file_a, file_b)) = self.both(a.file, b.file) else { return };
        let find = |l: &'_ super::Loaded, offset: u32| {
            l.doc.as_ref()?.codes.iter().find(|c| c.offset == offset as usize).cloned()
        };
        let (Some(ca), Some(cb)) = (find(file_a, a.offset), find(file_b, b.offset)) else {
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

    fn key_conflict(&mut self, a: Seen, b: Seen, out: &mut Vec<(String, Kind, Finding)>) {
        let kind = self.files[b.file as usize].1;
        let find = |cache: &mut Self, s: Seen| {
            let loaded = cache.get(s.file)?;
            let doc = loaded.doc.as_ref()?;
            doc.codes.iter().find_map(|c| {
                let k = c.license_keys.iter().find(|k| k.offset == s.offset as usize)?;
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
