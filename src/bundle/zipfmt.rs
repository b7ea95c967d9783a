//! The ZIP records fodpack reads and writes, parsed by hand.
//!
//! A general ZIP library repairs what it can (it strips `..`, picks one of two duplicate
//! names, trusts the central directory over the local header); fodpack must see every field
//! as written to reject what is wrong. So the reader keeps raw values and the checks live in
//! `scan`. ZIP64 is not read: bundles and vendor key ZIPs are far below 4 GiB and 65,535
//! entries, and a ZIP64 record in one is reported, not guessed at.

use std::io::{self, Read, Seek, SeekFrom, Write};

/// Local file header signature.
pub const LOCAL_SIG: u32 = 0x0403_4b50;
/// Central directory header signature.
pub const CENTRAL_SIG: u32 = 0x0201_4b50;
/// End of central directory signature.
pub const EOCD_SIG: u32 = 0x0605_4b50;
/// Data descriptor signature (optional before a descriptor).
pub const DESCRIPTOR_SIG: u32 = 0x0807_4b50;
/// General-purpose flag: the entry is encrypted.
pub const FLAG_ENCRYPTED: u16 = 1;
/// General-purpose flag: sizes and CRC follow the data in a descriptor.
pub const FLAG_DESCRIPTOR: u16 = 1 << 3;
/// General-purpose flag: strong encryption.
pub const FLAG_STRONG_ENCRYPTION: u16 = 1 << 6;
/// General-purpose flag: the name is UTF-8.
pub const FLAG_UTF8: u16 = 1 << 11;

/// One central-directory record, fields as written.
#[derive(Clone, Debug)]
pub struct Central {
    /// Position in the central directory, from 0.
    pub index: usize,
    /// Version made by; the high byte is the host system (3 = Unix).
    pub made_by: u16,
    /// General-purpose flags.
    pub flags: u16,
    /// Compression method: 0 stored, 8 deflate.
    pub method: u16,
    /// CRC-32 of the uncompressed data.
    pub crc32: u32,
    /// Compressed size.
    pub compressed_size: u64,
    /// Uncompressed size.
    pub size: u64,
    /// External attributes; for Unix hosts the high 16 bits are the file mode.
    pub external_attrs: u32,
    /// Offset of the local header.
    pub local_offset: u64,
    /// The name, bytes as written.
    pub name_raw: Vec<u8>,
    /// The extra field, bytes as written.
    pub extra: Vec<u8>,
}

impl Central {
    /// The Unix file mode, when the entry was made on a Unix host.
    pub fn unix_mode(&self) -> Option<u32> {
        (self.made_by >> 8 == 3).then_some(self.external_attrs >> 16)
    }
}

/// The archive's directory: every central record, and where the directory starts.
#[derive(Debug)]
pub struct Directory {
    /// Records in directory order.
    pub entries: Vec<Central>,
    /// Offset of the central directory; entry data must end before it.
    pub cd_offset: u64,
    /// Length of the whole file.
    pub file_len: u64,
}

/// Why a directory could not be read; the message says what to do.
#[derive(Debug)]
pub struct Unreadable(pub String);

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Reads the end record and central directory. `max_entries` bounds memory before any
/// record is read.
pub fn read_directory<R: Read + Seek>(
    r: &mut R,
    max_entries: usize,
) -> io::Result<Result<Directory, Unreadable>> {
    let file_len = r.seek(SeekFrom::End(0))?;
    let tail_len = file_len.min(22 + 65535);
    let mut tail = vec![0u8; tail_len as usize];
    r.seek(SeekFrom::Start(file_len - tail_len))?;
    r.read_exact(&mut tail)?;
    // The end record is the last 22 bytes plus its comment; search from the end for a
    // signature whose comment length reaches exactly to the end of the file.
    let mut eocd = None;
    for at in (0..tail.len().saturating_sub(21)).rev() {
        if u32_at(&tail, at) == EOCD_SIG
            && at + 22 + usize::from(u16_at(&tail, at + 20)) == tail.len()
        {
            eocd = Some(at);
            break;
        }
    }
    let Some(at) = eocd else {
        // An end record that ends before the end of the file: something was appended.
        let early = (0..tail.len().saturating_sub(21)).rev().find(|&at| {
            u32_at(&tail, at) == EOCD_SIG
                && at + 22 + usize::from(u16_at(&tail, at + 20)) < tail.len()
        });
        if let Some(at) = early {
            let end = file_len - tail_len + (at + 22 + usize::from(u16_at(&tail, at + 20))) as u64;
            return Ok(Err(Unreadable(format!(
                "{} bytes after the end of the archive (it ends at byte {end} of {file_len}): \
                 something was appended to it; copy it again from the source",
                file_len - end
            ))));
        }
        return Ok(Err(Unreadable(
            "no end-of-central-directory record: the file is truncated or not a ZIP; copy it \
             again from the source"
                .into(),
        )));
    };
    let e = &tail[at..];
    let eocd_offset = file_len - tail_len + at as u64;
    let (disk, cd_disk) = (u16_at(e, 4), u16_at(e, 6));
    let (on_disk, total) = (u16_at(e, 8), u16_at(e, 10));
    let (cd_size, cd_offset) = (u64::from(u32_at(e, 12)), u64::from(u32_at(e, 16)));
    if total == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_offset == 0xFFFF_FFFF {
        return Ok(Err(Unreadable(
            "a ZIP64 archive; fodpack reads archives below 4 GiB and 65,535 entries, which \
             key bundles always are"
                .into(),
        )));
    }
    if disk != 0 || cd_disk != 0 || on_disk != total {
        return Ok(Err(Unreadable(
            "a split (multi-part) archive; join the parts into one ZIP first".into(),
        )));
    }
    if cd_offset + cd_size != eocd_offset {
        return Ok(Err(Unreadable(format!(
            "the central directory should end where the end record starts (byte {eocd_offset}) \
             but ends at byte {}: bytes were added, removed or prefixed (a self-extractor?); \
             copy the archive again",
            cd_offset + cd_size
        ))));
    }
    if usize::from(total) > max_entries {
        return Ok(Err(Unreadable(format!(
            "{total} entries, more than the limit of {max_entries}; raise it with --max-entries \
             if this is expected"
        ))));
    }
    let mut cd = vec![0u8; cd_size as usize];
    r.seek(SeekFrom::Start(cd_offset))?;
    r.read_exact(&mut cd)?;
    let mut entries = Vec::with_capacity(usize::from(total));
    let mut p = 0usize;
    while p < cd.len() {
        let index = entries.len();
        if cd.len() - p < 46 || u32_at(&cd, p) != CENTRAL_SIG {
            return Ok(Err(Unreadable(format!(
                "central-directory record {} is damaged; copy the archive again",
                index + 1
            ))));
        }
        let h = &cd[p..];
        let (n, m, k) =
            (usize::from(u16_at(h, 28)), usize::from(u16_at(h, 30)), usize::from(u16_at(h, 32)));
        if h.len() < 46 + n + m + k {
            return Ok(Err(Unreadable(format!(
                "central-directory record {} runs past the directory; copy the archive again",
                index + 1
            ))));
        }
        if u16_at(h, 34) != 0 {
            return Ok(Err(Unreadable("an entry on another disk of a split archive".into())));
        }
        entries.push(Central {
            index,
            made_by: u16_at(h, 4),
            flags: u16_at(h, 8),
            method: u16_at(h, 10),
            crc32: u32_at(h, 16),
            compressed_size: u64::from(u32_at(h, 20)),
            size: u64::from(u32_at(h, 24)),
            external_attrs: u32_at(h, 38),
            local_offset: u64::from(u32_at(h, 42)),
            name_raw: h[46..46 + n].to_vec(),
            extra: h[46 + n..46 + n + m].to_vec(),
        });
        p += 46 + n + m + k;
    }
    if entries.len() != usize::from(total) {
        return Ok(Err(Unreadable(format!(
            "the end record counts {total} entries but the directory holds {}; the archive \
             was edited or damaged",
            entries.len()
        ))));
    }
    Ok(Ok(Directory { entries, cd_offset, file_len }))
}

/// A local header, fields as written.
#[derive(Clone, Debug)]
pub struct Local {
    /// General-purpose flags.
    pub flags: u16,
    /// Compression method.
    pub method: u16,
    /// CRC-32 (zero when a descriptor follows the data).
    pub crc32: u32,
    /// Compressed size (zero when a descriptor follows).
    pub compressed_size: u64,
    /// Uncompressed size (zero when a descriptor follows).
    pub size: u64,
    /// The name, bytes as written.
    pub name_raw: Vec<u8>,
    /// Offset of the entry's data.
    pub data_offset: u64,
}

/// Reads the local header at `offset`, or says why there is none.
pub fn read_local<R: Read + Seek>(
    r: &mut R,
    offset: u64,
    file_len: u64,
) -> io::Result<Result<Local, String>> {
    if offset + 30 > file_len {
        return Ok(Err(format!("its local header offset {offset} is past the end of the file")));
    }
    let mut h = [0u8; 30];
    r.seek(SeekFrom::Start(offset))?;
    r.read_exact(&mut h)?;
    if u32_at(&h, 0) != LOCAL_SIG {
        return Ok(Err(format!("there is no local header at offset {offset}")));
    }
    let (n, m) = (u64::from(u16_at(&h, 26)), u64::from(u16_at(&h, 28)));
    if offset + 30 + n + m > file_len {
        return Ok(Err("its local header runs past the end of the file".into()));
    }
    let mut name_raw = vec![0u8; n as usize];
    r.read_exact(&mut name_raw)?;
    Ok(Ok(Local {
        flags: u16_at(&h, 6),
        method: u16_at(&h, 8),
        crc32: u32_at(&h, 14),
        compressed_size: u64::from(u32_at(&h, 18)),
        size: u64::from(u32_at(&h, 22)),
        name_raw,
        data_offset: offset + 30 + n + m,
    }))
}

/// Reads the data descriptor after an entry's data: `(crc32, compressed, size, length)`.
pub fn read_descriptor<R: Read + Seek>(
    r: &mut R,
    at: u64,
    file_len: u64,
) -> io::Result<Option<(u32, u64, u64, u64)>> {
    if at + 12 > file_len {
        return Ok(None);
    }
    let mut d = [0u8; 16];
    let want = if at + 16 <= file_len { 16 } else { 12 };
    r.seek(SeekFrom::Start(at))?;
    r.read_exact(&mut d[..want])?;
    if u32_at(&d, 0) == DESCRIPTOR_SIG && want == 16 {
        Ok(Some((u32_at(&d, 4), u64::from(u32_at(&d, 8)), u64::from(u32_at(&d, 12)), 16)))
    } else {
        Ok(Some((u32_at(&d, 0), u64::from(u32_at(&d, 4)), u64::from(u32_at(&d, 8)), 12)))
    }
}

/// The date and time written in every bundle entry: 1980-01-01 00:00:00, the earliest a ZIP
/// can hold, in MS-DOS format.
pub const DOS_TIME: u16 = 0;
/// See [`DOS_TIME`].
pub const DOS_DATE: u16 = (1 << 5) | 1;
/// Version needed to extract: 2.0 (deflate).
pub const VERSION_NEEDED: u16 = 20;
/// Version made by: Unix host (3), specification 2.0.
pub const VERSION_MADE_BY: u16 = (3 << 8) | 20;
/// External attributes: a regular file, mode 0644.
pub const EXTERNAL_ATTRS: u32 = 0o100_644 << 16;

/// Compression level of every bundle entry (raw deflate, zlib's default level).
pub const DEFLATE_LEVEL: u32 = 6;

/// Writes a ZIP of deflated entries with fixed times and modes and no extra fields, streaming
/// each entry and then writing its CRC and sizes back into its local header.
pub struct Writer<W: Write + Seek> {
    w: W,
    offset: u64,
    central: Vec<u8>,
    count: u16,
}

/// What was written for one entry.
#[derive(Clone, Debug)]
pub struct Written {
    /// CRC-32 of the data.
    pub crc32: u32,
    /// Compressed size.
    pub compressed_size: u64,
    /// Uncompressed size.
    pub size: u64,
    /// SHA-256 of the data.
    pub sha256: [u8; 32],
}

struct Counting<'a, W: Write> {
    w: &'a mut W,
    n: u64,
}

impl<W: Write> Write for Counting<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.w.write(buf)?;
        self.n += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

const LIMIT_4G: u64 = u32::MAX as u64;

fn too_big(name: &str) -> io::Error {
    io::Error::other(format!("{name}: too large for a bundle (4 GiB)"))
}

fn fill_sizes(
    local: &mut [u8],
    crc32: u32,
    compressed: u64,
    size: u64,
    name: &str,
) -> io::Result<()> {
    if size > LIMIT_4G || compressed > LIMIT_4G {
        return Err(too_big(name));
    }
    local[14..18].copy_from_slice(&crc32.to_le_bytes());
    local[18..22].copy_from_slice(&(compressed as u32).to_le_bytes());
    local[22..26].copy_from_slice(&(size as u32).to_le_bytes());
    Ok(())
}

/// Deflates everything `src` yields into `sink`; returns the CRC-32, size and SHA-256 of the
/// data, and the sink.
fn deflate<R: Read, W: Write>(mut src: R, sink: W) -> io::Result<(u32, u64, [u8; 32], W)> {
    use sha2::Digest;
    let mut crc = crc32fast::Hasher::new();
    let mut sha = sha2::Sha256::new();
    let mut size = 0u64;
    let mut enc = flate2::write::DeflateEncoder::new(sink, flate2::Compression::new(DEFLATE_LEVEL));
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match src.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        crc.update(&buf[..n]);
        sha.update(&buf[..n]);
        enc.write_all(&buf[..n])?;
        size += n as u64;
    }
    let sink = enc.finish()?;
    Ok((crc.finalize(), size, sha.finalize().into(), sink))
}

/// An entry compressed in memory, ready for [`Writer::entry_compressed`].
#[derive(Clone, Debug)]
pub struct Compressed {
    crc32: u32,
    size: u64,
    sha256: [u8; 32],
    data: Vec<u8>,
}

/// Compresses a small entry in memory, exactly as [`Writer::entry`] would; entries can so be
/// compressed in parallel and written in order, giving the same bytes.
pub fn compress<R: Read>(src: R) -> io::Result<Compressed> {
    let (crc32, size, sha256, data) = deflate(src, Vec::new())?;
    Ok(Compressed { crc32, size, sha256, data })
}

impl<W: Write + Seek> Writer<W> {
    /// Starts an archive at the writer's current position, which must be its start.
    pub fn new(w: W) -> Self {
        Writer { w, offset: 0, central: Vec::new(), count: 0 }
    }

    /// Writes one entry from a reader, compressing as it goes.
    pub fn entry<R: Read>(&mut self, name: &str, src: R) -> io::Result<Written> {
        let mut local = self.local_header(name)?;
        self.w.write_all(&local)?;
        let counting = Counting { w: &mut self.w, n: 0 };
        let (crc32, size, sha256, counting) = deflate(src, counting)?;
        let compressed_size = counting.n;
        let end = self.offset + local.len() as u64 + compressed_size;
        fill_sizes(&mut local, crc32, compressed_size, size, name)?;
        self.w.seek(SeekFrom::Start(self.offset + 14))?;
        self.w.write_all(&local[14..26])?;
        self.w.seek(SeekFrom::Start(end))?;
        self.record(&local, name, end)?;
        Ok(Written { crc32, compressed_size, size, sha256 })
    }

    /// Writes one entry compressed beforehand by [`compress`]; no seeking back is needed.
    pub fn entry_compressed(&mut self, name: &str, c: &Compressed) -> io::Result<Written> {
        let mut local = self.local_header(name)?;
        let compressed_size = c.data.len() as u64;
        fill_sizes(&mut local, c.crc32, compressed_size, c.size, name)?;
        self.w.write_all(&local)?;
        self.w.write_all(&c.data)?;
        let end = self.offset + local.len() as u64 + compressed_size;
        self.record(&local, name, end)?;
        Ok(Written { crc32: c.crc32, compressed_size, size: c.size, sha256: c.sha256 })
    }

    /// The local header of an entry, with CRC and sizes still zero.
    fn local_header(&self, name: &str) -> io::Result<Vec<u8>> {
        if self.count == u16::MAX {
            return Err(io::Error::other("a bundle holds at most 65,535 entries"));
        }
        let flags = if name.is_ascii() { 0 } else { FLAG_UTF8 };
        let name_len = u16::try_from(name.len()).map_err(|_| too_big(name))?;
        let mut local = Vec::with_capacity(30 + name.len());
        local.extend_from_slice(&LOCAL_SIG.to_le_bytes());
        local.extend_from_slice(&VERSION_NEEDED.to_le_bytes());
        local.extend_from_slice(&flags.to_le_bytes());
        local.extend_from_slice(&8u16.to_le_bytes());
        local.extend_from_slice(&DOS_TIME.to_le_bytes());
        local.extend_from_slice(&DOS_DATE.to_le_bytes());
        local.extend_from_slice(&[0u8; 12]); // CRC and sizes
        local.extend_from_slice(&name_len.to_le_bytes());
        local.extend_from_slice(&0u16.to_le_bytes());
        local.extend_from_slice(name.as_bytes());
        Ok(local)
    }

    /// Adds an entry, whose local header is `local` and whose data ends at `end`, to the
    /// central directory.
    fn record(&mut self, local: &[u8], name: &str, end: u64) -> io::Result<()> {
        if self.offset > LIMIT_4G {
            return Err(too_big(name));
        }
        let c = &mut self.central;
        c.extend_from_slice(&CENTRAL_SIG.to_le_bytes());
        c.extend_from_slice(&VERSION_MADE_BY.to_le_bytes());
        c.extend_from_slice(&local[4..28]);
        c.extend_from_slice(&[0u8; 6]); // extra length 0, comment length 0, disk 0
        c.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        c.extend_from_slice(&EXTERNAL_ATTRS.to_le_bytes());
        c.extend_from_slice(&(self.offset as u32).to_le_bytes());
        c.extend_from_slice(name.as_bytes());
        self.offset = end;
        self.count += 1;
        Ok(())
    }

    /// Writes the central directory and end record; returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        if self.offset > LIMIT_4G || self.central.len() as u64 > LIMIT_4G {
            return Err(io::Error::other("the bundle is too large (4 GiB at most)"));
        }
        self.w.write_all(&self.central)?;
        let mut e = Vec::with_capacity(22);
        e.extend_from_slice(&EOCD_SIG.to_le_bytes());
        e.extend_from_slice(&[0u8; 4]);
        e.extend_from_slice(&self.count.to_le_bytes());
        e.extend_from_slice(&self.count.to_le_bytes());
        e.extend_from_slice(&(self.central.len() as u32).to_le_bytes());
        e.extend_from_slice(&(self.offset as u32).to_le_bytes());
        e.extend_from_slice(&0u16.to_le_bytes());
        self.w.write_all(&e)?;
        Ok(self.w)
    }
}
