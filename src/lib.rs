//! fodpack: check Lenovo XClarity Administrator Features on Demand files, and carry license
//! keys across an air gap in verifiable bundles.
//!
//! The library reads authCodes JSON documents and license-activation key files, reports
//! findings, and packs and unpacks bundles. It never prints, never exits and never reads the
//! terminal: the `fodpack` binary does those, and renders what the library returns.

pub mod bundle;
pub mod document;
pub mod history;
pub mod keyfile;
pub mod model;
pub mod report;
pub mod rules;
pub mod validate;

/// Largest key file read. Real keys are a few KiB; anything far larger is not a key.
pub const KEY_FILE_READ_LIMIT: u64 = 1024 * 1024;
