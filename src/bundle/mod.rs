//! Bundles: the deterministic ZIP that carries keys across an air gap (docs/bundle-format.md),
//! and the safe reading of any ZIP of keys.
//!
//! [`pack`] checks inputs and writes a bundle; [`scan::scan`] proves an archive intact
//! without extracting it; [`unpack`] verifies and then extracts atomically.

pub mod manifest;
pub mod names;
pub mod pack;
pub mod scan;
pub mod unpack;
pub mod zipfmt;

/// Limits that keep a hostile archive from exhausting memory or disk. Key files are a few
/// KiB, so the defaults are generous for keys and small for anything else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most entries in one archive.
    pub max_entries: usize,
    /// Largest uncompressed size of one entry.
    pub max_entry_size: u64,
    /// Largest uncompressed size of all entries together.
    pub max_total_size: u64,
    /// Highest compression ratio (uncompressed / compressed) of an entry above `ratio_floor`,
    /// and of the whole archive above `archive_ratio_floor`.
    pub max_ratio: u64,
    /// Entries up to this size are not held to the ratio: a small file of zeros compresses
    /// well and harms nobody.
    pub ratio_floor: u64,
    /// Archives whose entries add up to this size are not held to the ratio as a whole; above
    /// it, many small entries that each pass cannot add up to a bomb.
    pub archive_ratio_floor: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 20_000,
            max_entry_size: 16 * 1024 * 1024,
            max_total_size: 1024 * 1024 * 1024,
            max_ratio: 100,
            ratio_floor: 1024 * 1024,
            archive_ratio_floor: 16 * 1024 * 1024,
        }
    }
}

/// Receives progress of long work; the binary draws it, the library never does.
pub trait Progress: Sync {
    /// Work of `total` units starts.
    fn start(&self, total: u64);
    /// `n` more units are done.
    fn advance(&self, n: u64);
}

/// Progress that goes nowhere.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _total: u64) {}
    fn advance(&self, _n: u64) {}
}
