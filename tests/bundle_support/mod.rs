//! Helpers for the bundle tests: a ZIP writer that writes whatever it is told, so hostile
//! archives can be built byte by byte, and a runner for the binary.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

/// One entry of a hand-built archive.
#[derive(Clone)]
pub struct Raw {
    pub name: Vec<u8>,
    pub local_name: Option<Vec<u8>>,
    pub data: Vec<u8>,
    pub deflate: bool,
    pub method: Option<u16>,
    pub flags: u16,
    pub mode: u32,
    pub size: Option<u32>,
    pub offset: Option<u32>,
    /// Bytes written as the entry's data instead of `data` (compressed or not).
    pub body: Option<Vec<u8>>,
    /// CRC-32 written instead of that of `data`.
    pub crc: Option<u32>,
}

pub fn raw(name: &str, data: &[u8]) -> Raw {
    Raw {
        name: name.as_bytes().to_vec(),
        local_name: None,
        data: data.to_vec(),
        deflate: false,
        method: None,
        flags: 0,
        mode: 0o100644,
        size: None,
        offset: None,
        body: None,
        crc: None,
    }
}

/// Writes local headers, a central directory and an end record, with no checks at all.
pub fn build(entries: &[Raw]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let body = if let Some(b) = &e.body {
            b.clone()
        } else if e.deflate {
            let mut enc =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
            enc.write_all(&e.data).unwrap();
            enc.finish().unwrap()
        } else {
            e.data.clone()
        };
        let method = e.method.unwrap_or(if e.deflate { 8 } else { 0 });
        let crc = e.crc.unwrap_or_else(|| crc32fast::hash(&e.data));
        let size = e.size.unwrap_or(e.data.len() as u32);
        let offset = e.offset.unwrap_or(out.len() as u32);
        let local_name = e.local_name.clone().unwrap_or_else(|| e.name.clone());
        let mut fields = Vec::new();
        fields.extend_from_slice(&20u16.to_le_bytes());
        fields.extend_from_slice(&e.flags.to_le_bytes());
        fields.extend_from_slice(&method.to_le_bytes());
        fields.extend_from_slice(&[0, 0, 0x21, 0]);
        fields.extend_from_slice(&crc.to_le_bytes());
        fields.extend_from_slice(&(body.len() as u32).to_le_bytes());
        fields.extend_from_slice(&size.to_le_bytes());
        if e.offset.is_none() {
            out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
            out.extend_from_slice(&fields);
            out.extend_from_slice(&(local_name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(&local_name);
            out.extend_from_slice(&body);
        }
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&((3u16 << 8) | 20).to_le_bytes());
        central.extend_from_slice(&fields);
        central.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0u8; 8]);
        central.extend_from_slice(&(e.mode << 16).to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(&e.name);
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0u8; 4]);
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

pub fn fodpack(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fodpack")).args(args).current_dir(dir).output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A key-like file: a text header like the vendor's, then bytes that are not text.
pub fn key_bytes(seed: u8, len: usize) -> Vec<u8> {
    let mut v = b"FEATURE ON DEMAND ACTIVATION KEY FOR System Independent\0".to_vec();
    let mut x: u32 = 0x9e37_79b9 ^ u32::from(seed);
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        v.push((x & 0xff) as u8);
    }
    v
}

/// Runs a shell command, returning its output.
pub fn sh(cmd: &str, dir: &Path) -> Output {
    Command::new("sh").arg("-c").arg(cmd).current_dir(dir).output().unwrap()
}

/// Inserts `junk` at `pos` of a built archive (no comment), moving the local-header offsets
/// and the central-directory offset after it so that the directory still agrees.
pub fn insert_at(zip: &[u8], pos: usize, junk: &[u8]) -> Vec<u8> {
    let u16_at = |b: &[u8], at: usize| u16::from_le_bytes([b[at], b[at + 1]]) as usize;
    let u32_at = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    let eocd = zip.len() - 22;
    let cd = u32_at(zip, eocd + 16) as usize;
    let mut out = zip.to_vec();
    let mut p = cd;
    while p < eocd {
        let offset = u32_at(zip, p + 42) as usize;
        if offset >= pos {
            out[p + 42..p + 46].copy_from_slice(&((offset + junk.len()) as u32).to_le_bytes());
        }
        p += 46 + u16_at(zip, p + 28) + u16_at(zip, p + 30) + u16_at(zip, p + 32);
    }
    if cd >= pos {
        out[eocd + 16..eocd + 20].copy_from_slice(&((cd + junk.len()) as u32).to_le_bytes());
    }
    out.splice(pos..pos, junk.iter().copied());
    out
}

/// Writes `n` key files with conventional names into `dir`.
pub fn write_key_files(dir: &Path, n: u8) {
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..n {
        let name = format!("lnvgy_fod_00{i:02x}_7X21J30{i:03}_anyos_noarch.key");
        std::fs::write(dir.join(name), key_bytes(i, 1500 + usize::from(i) * 100)).unwrap();
    }
}
