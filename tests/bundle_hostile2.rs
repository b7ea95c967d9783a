//! More hostile archives: damaged bundles that look like vendor ZIPs, hidden bytes, bombs of
//! many small entries, key files that are not keys, inputs that are not files, and names that
//! pass for safe. `unpack` must refuse each before writing anything, and `verify` must fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bundle_support;
use bundle_support::*;
use std::io::Write;
use std::path::Path;

/// Asserts that `verify` and `unpack` of `zip` (in `d`) fail with `code` naming `entry`, and
/// that the destination was not created.
fn both_refuse(d: &Path, zip: &str, code: &str, entry: &str) -> String {
    let out = fodpack(&["verify", zip], d);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "verify: {text}");
    assert!(text.contains(&format!("[{code}]")), "verify: expected {code}: {text}");
    assert!(text.contains(entry), "verify: expected entry {entry:?}: {text}");
    let out = fodpack(&["unpack", zip, "-d", "dest"], d);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "unpack: {text}");
    assert!(text.contains(&format!("[{code}]")), "unpack: expected {code}: {text}");
    assert!(text.contains(entry), "unpack: expected entry {entry:?}: {text}");
    assert!(text.contains("nothing was written"), "{text}");
    assert!(!d.join("dest").exists());
    let leftovers: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".fodpack"))
        .collect();
    assert!(leftovers.is_empty(), "temporary folders left: {leftovers:?}");
    text
}

/// Asserts that `zip` verifies (when a bundle) and unpacks cleanly; removes the destination.
fn both_accept(d: &Path, zip: &str, bundle: bool) {
    if bundle {
        let out = fodpack(&["verify", zip], d);
        assert_eq!(out.status.code(), Some(0), "verify: {}", stdout(&out));
    }
    let out = fodpack(&["unpack", zip, "-d", "dest"], d);
    assert_eq!(out.status.code(), Some(0), "unpack: {}", stdout(&out));
    assert!(d.join("dest").is_dir());
    std::fs::remove_dir_all(d.join("dest")).unwrap();
}

fn write_zip(d: &Path, name: &str, entries: &[Raw]) {
    std::fs::write(d.join(name), build(entries)).unwrap();
}

/// Packs three keys into `b.zip`; returns its bytes.
fn pack(d: &Path) -> Vec<u8> {
    if !d.join("in").exists() {
        write_key_files(&d.join("in"), 3);
    }
    let _ = std::fs::remove_file(d.join("b.zip"));
    let out = fodpack(&["pack", "in", "-o", "b.zip"], d);
    assert!(out.status.success(), "{}", stdout(&out));
    std::fs::read(d.join("b.zip")).unwrap()
}

const VICTIM: &str = "keys/lnvgy_fod_0001_7X21J30001_anyos_noarch.key";

#[test]
fn bundle_without_manifest_or_sums_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    pack(d);
    both_accept(d, "b.zip", true);
    // A key changed and manifest.json deleted: not a vendor ZIP, a damaged bundle.
    let py = format!(
        "import zipfile\nz=zipfile.ZipFile('b.zip')\nitems=[(i.filename,z.read(i)) for i in z.infolist()]\nz.close()\nw=zipfile.ZipFile('b.zip','w',zipfile.ZIP_DEFLATED)\nfor n,b in items:\n  w.writestr(n, b[:-1]+bytes([b[-1]^1]) if n=='{VICTIM}' else b)\nw.close()"
    );
    assert!(sh(&format!("python3 -c \"{py}\""), d).status.success());
    assert!(sh("zip -q -d b.zip manifest.json", d).status.success());
    let text = both_refuse(d, "b.zip", "bundle-missing-entry", "manifest.json");
    assert!(text.contains("SHA256SUMS but no manifest.json"), "{text}");
    // Without the key change too.
    pack(d);
    assert!(sh("zip -q -d b.zip manifest.json", d).status.success());
    both_refuse(d, "b.zip", "bundle-missing-entry", "manifest.json");
    // SHA256SUMS deleted, manifest.json kept.
    pack(d);
    assert!(sh("zip -q -d b.zip SHA256SUMS", d).status.success());
    both_refuse(d, "b.zip", "bundle-missing-entry", "SHA256SUMS");
    // The same keys with neither list are a vendor ZIP: unpacked, with a warning.
    pack(d);
    assert!(sh("zip -q -d b.zip SHA256SUMS manifest.json", d).status.success());
    let out = fodpack(&["unpack", "b.zip", "-d", "dest"], d);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("[archive-no-manifest]"));
}

#[test]
fn hidden_bytes_around_entries_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = pack(d);
    // A whole local entry prepended, every offset shifted: a streaming reader extracts it.
    let hidden = build(&[raw("keys/evil.key", &key_bytes(9, 300))]);
    let local_len = 30 + "keys/evil.key".len() + 300;
    std::fs::write(d.join("b.zip"), insert_at(&good, 0, &hidden[..local_len])).unwrap();
    let text = both_refuse(d, "b.zip", "archive-hidden-data", "manifest.json");
    assert!(text.contains("before the first entry"), "{text}");
    // The same bytes between two entries, and between the last entry and the directory.
    let entries = [raw("a.key", &key_bytes(1, 400)), raw("b.key", &key_bytes(2, 400))];
    let plain = build(&entries);
    write_zip(d, "v.zip", &entries);
    both_accept(d, "v.zip", false);
    let after_a = 30 + 5 + 400;
    std::fs::write(d.join("v.zip"), insert_at(&plain, after_a, &hidden[..local_len])).unwrap();
    both_refuse(d, "v.zip", "archive-hidden-data", "b.key");
    let cd = plain.len() - 22 - 2 * (46 + 5);
    std::fs::write(d.join("v.zip"), insert_at(&plain, cd, b"hidden")).unwrap();
    let text = both_refuse(d, "v.zip", "archive-hidden-data", "b.key");
    assert!(text.contains("before the central directory"), "{text}");
    // Bytes after the end of an entry's deflate stream, inside its compressed size.
    let key = key_bytes(3, 500);
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
    enc.write_all(&key).unwrap();
    let mut body = enc.finish().unwrap();
    let mut e = raw("c.key", &key);
    e.method = Some(8);
    e.body = Some(body.clone());
    write_zip(d, "t.zip", std::slice::from_ref(&e));
    both_accept(d, "t.zip", false);
    body.extend_from_slice(&hidden[..local_len]);
    e.body = Some(body);
    write_zip(d, "t.zip", &[e]);
    let text = both_refuse(d, "t.zip", "entry-data-mismatch", "c.key");
    assert!(text.contains("deflate data ends"), "{text}");
}

#[test]
fn many_small_entries_bomb_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let zeros = vec![0u8; 1000 * 1024];
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
    enc.write_all(&zeros).unwrap();
    let body = enc.finish().unwrap();
    let crc = crc32fast::hash(&zeros);
    let entry = |i: usize| {
        let mut e = raw(&format!("z/{i:04}.bin"), b"");
        e.method = Some(8);
        e.body = Some(body.clone());
        e.crc = Some(crc);
        e.size = Some(zeros.len() as u32);
        e
    };
    let bomb: Vec<Raw> = (0..1000).map(entry).collect();
    write_zip(d, "bomb.zip", &bomb);
    assert!(std::fs::metadata(d.join("bomb.zip")).unwrap().len() < 2_000_000);
    let out = fodpack(&["unpack", "bomb.zip", "-d", "dest"], d);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("[archive-limit]") && text.contains("--max-ratio"), "{text}");
    assert!(!d.join("dest").exists());
    let out = fodpack(&["verify", "bomb.zip"], d);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("[archive-limit]"));
    // Ten such entries (10 MB) are below the floor and harm nobody.
    let few: Vec<Raw> = (0..10).map(entry).collect();
    write_zip(d, "few.zip", &few);
    both_accept(d, "few.zip", false);
}

#[test]
fn key_contents_in_archives_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pem = b"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n";
    write_zip(d, "p.zip", &[raw("keys/ok.key", &key_bytes(1, 300)), raw("keys/server.key", pem)]);
    both_refuse(d, "p.zip", "key-private-key", "keys/server.key");
    let html = b"<!DOCTYPE html><html><head><title>Log in</title></head></html>\n";
    write_zip(d, "h.zip", &[raw("keys/LOGIN.KEY", html)]);
    both_refuse(d, "h.zip", "key-not-a-key", "keys/LOGIN.KEY");
    // With --keys-only too.
    let out = fodpack(&["unpack", "h.zip", "-d", "dest", "--keys-only"], d);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(!d.join("dest").exists());
    write_zip(d, "k.zip", &[raw("keys/server.key", &key_bytes(2, 300))]);
    both_accept(d, "k.zip", false);
    // In a bundle, a finding that pack --force overrode (and the manifest records) is a
    // warning.
    std::fs::create_dir_all(d.join("in")).unwrap();
    std::fs::write(d.join("in/lnvgy_fod_0001_7X21J30001_anyos_noarch.key"), html).unwrap();
    assert!(fodpack(&["pack", "in", "-o", "b.zip", "--force"], d).status.success());
    let out = fodpack(&["verify", "b.zip"], d);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("warning[key-not-a-key]") && text.contains("--force"), "{text}");
}

#[test]
fn inputs_that_are_not_regular_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    pack(d);
    assert!(sh("mkfifo ff.zip", d).status.success());
    let bin = env!("CARGO_BIN_EXE_fodpack");
    for cmd in [
        format!("timeout 20 {bin} verify ff.zip"),
        format!("timeout 20 {bin} unpack ff.zip -d dest"),
        format!("timeout 20 {bin} verify /dev/zero"),
        format!("cat b.zip | timeout 20 {bin} verify /dev/stdin"),
    ] {
        let out = sh(&cmd, d);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {err}");
        assert!(err.contains("not a regular file"), "{cmd}: {err}");
        assert!(!err.contains("os error"), "{cmd}: {err}");
    }
    assert!(!d.join("dest").exists());
    both_accept(d, "b.zip", true);
}

#[test]
fn names_that_cannot_be_created_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let k = |s| key_bytes(s, 200);
    write_zip(d, "c.zip", &[raw("d", &k(1)), raw("d/a.key", &k(2))]);
    let text = both_refuse(d, "c.zip", "entry-name-collision", "\"d/a.key\"");
    assert!(text.contains("also a folder"), "{text}");
    write_zip(d, "c.zip", &[raw("d/a.key", &k(2)), raw("D", &k(1))]);
    both_refuse(d, "c.zip", "entry-name-collision", "D");
    write_zip(d, "c.zip", &[raw("d2", &k(1)), raw("d/a.key", &k(2))]);
    both_accept(d, "c.zip", false);
    let long = format!("keys/{}.key", "x".repeat(300));
    write_zip(d, "l.zip", &[raw(&long, &k(1))]);
    let text = both_refuse(d, "l.zip", "entry-unsafe-path", "xxxx.key");
    assert!(text.contains("255"), "{text}");
    let deep = "folder/".repeat(150) + "a.key";
    write_zip(d, "l.zip", &[raw(&deep, &k(1))]);
    both_refuse(d, "l.zip", "entry-unsafe-path", "a.key");
    write_zip(d, "l.zip", &[raw(&format!("keys/{}.key", "x".repeat(200)), &k(1))]);
    both_accept(d, "l.zip", false);
}

#[test]
fn invisible_characters_device_names_and_folders_with_data_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let k = key_bytes(1, 200);
    for (name, code) in [
        ("keys/a\u{202e}yek.exe", "entry-unsafe-path"),
        ("keys/a\u{200b}.key", "entry-unsafe-path"),
        ("keys/\u{2066}a.key", "entry-unsafe-path"),
        ("keys/CONIN$", "entry-reserved-name"),
        ("keys/conout$.key", "entry-reserved-name"),
        ("keys/COM\u{b9}.key", "entry-reserved-name"),
        ("keys/COM\u{b2}", "entry-reserved-name"),
        ("keys/com\u{b3}.key", "entry-reserved-name"),
        ("keys/LPT\u{b9}/a.key", "entry-reserved-name"),
    ] {
        write_zip(d, "n.zip", &[raw(name, &k)]);
        both_refuse(d, "n.zip", code, "keys");
    }
    write_zip(d, "n.zip", &[raw("keys/CONINx.key", &k), raw("COM10/a.key", &k)]);
    both_accept(d, "n.zip", false);
    // A folder entry that carries data.
    write_zip(d, "f.zip", &[raw("keys/", b"hidden payload"), raw("keys/a.key", &k)]);
    let text = both_refuse(d, "f.zip", "entry-data-mismatch", "keys/");
    assert!(text.contains("folder entry"), "{text}");
    write_zip(d, "f.zip", &[raw("keys/", b""), raw("keys/a.key", &k)]);
    both_accept(d, "f.zip", false);
}

#[test]
fn sums_must_be_exactly_what_pack_writes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    pack(d);
    both_accept(d, "b.zip", true);
    for edit in [
        "b.replace(b'\\\\n', b'\\\\r\\\\n')",
        "b + b'\\\\n'",
        "b'\\\\n'.join(sorted(b.split(b'\\\\n')[:-1], reverse=True)) + b'\\\\n'",
    ] {
        pack(d);
        let py = format!(
            "import zipfile\nz=zipfile.ZipFile('b.zip')\nitems=[(i.filename,z.read(i)) for i in z.infolist()]\nz.close()\nw=zipfile.ZipFile('b.zip','w',zipfile.ZIP_DEFLATED)\nfor n,b in items:\n  w.writestr(n, {edit} if n=='SHA256SUMS' else b)\nw.close()"
        );
        let out = sh(&format!("python3 -c \"{py}\""), d);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        both_refuse(d, "b.zip", "bundle-manifest-invalid", "SHA256SUMS");
    }
    // Rewritten by another tool with the same bytes, it still verifies.
    pack(d);
    let py = "import zipfile\nz=zipfile.ZipFile('b.zip')\nitems=[(i.filename,z.read(i)) for i in z.infolist()]\nz.close()\nw=zipfile.ZipFile('b.zip','w',zipfile.ZIP_DEFLATED)\nfor n,b in items:\n  w.writestr(n, b)\nw.close()";
    assert!(sh(&format!("python3 -c \"{py}\""), d).status.success());
    both_accept(d, "b.zip", true);
}

#[test]
fn messages_name_the_real_problem() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let bytes = pack(d);
    let out = fodpack(&["unpack", "b.zip", "-d", "missing/sub"], d);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("missing") && err.contains("does not exist"), "{err}");
    assert!(!err.contains("b.zip"), "{err}");
    assert!(!d.join("missing").exists());
    let mut junk = bytes.clone();
    junk.extend_from_slice(b"appended junk");
    std::fs::write(d.join("j.zip"), junk).unwrap();
    let out = fodpack(&["verify", "j.zip"], d);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("[archive-unreadable]"), "{text}");
    assert!(text.contains("13 bytes after the end of the archive"), "{text}");
    assert!(!text.contains("truncated"), "{text}");
}
