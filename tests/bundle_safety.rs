//! Hostile archives, built byte by byte: `unpack` must refuse each, name the entry, and leave
//! the destination as it was.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bundle_support;
use bundle_support::*;

/// Unpacks `entries` into a fresh `dest`; asserts exit 1, the code and entry in the output,
/// and that `dest` was not created. Then checks that `fixed` unpacks cleanly.
fn refuses(entries: &[Raw], code: &str, entry: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.zip"), build(entries)).unwrap();
    let out = fodpack(&["unpack", "x.zip", "-d", "dest"], dir.path());
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains(&format!("[{code}]")), "expected {code}: {text}");
    assert!(text.contains(entry), "expected entry {entry:?}: {text}");
    assert!(!dir.path().join("dest").exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "only x.zip remains");
}

fn accepts(entries: &[Raw]) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.zip"), build(entries)).unwrap();
    let out = fodpack(&["unpack", "x.zip", "-d", "dest"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(dir.path().join("dest").is_dir());
}

#[test]
fn unpack_rejects_path_traversal() {
    refuses(&[raw("ok.key", b"a"), raw("../evil.key", b"x")], "entry-unsafe-path", "../evil.key");
    refuses(&[raw("..\\evil.key", b"x")], "entry-unsafe-path", "evil.key");
    refuses(&[raw("/tmp/evil.key", b"x")], "entry-unsafe-path", "/tmp/evil.key");
    refuses(&[raw("C:/evil.key", b"x")], "entry-unsafe-path", "C:/evil.key");
    refuses(&[raw("a\u{1}b.key", b"x")], "entry-unsafe-path", "b.key");
    accepts(&[raw("ok.key", &key_bytes(1, 200)), raw("sub/evil.key", &key_bytes(2, 200))]);
}

#[test]
fn unpack_rejects_symlinks() {
    let mut link = raw("link.key", b"/etc/passwd");
    link.mode = 0o120777;
    refuses(&[link], "entry-link", "link.key");
    accepts(&[raw("link.key", &key_bytes(1, 200))]);
}

#[test]
fn unpack_rejects_duplicates() {
    refuses(&[raw("a.key", b"1"), raw("a.key", b"2")], "entry-duplicate", "a.key");
    accepts(&[raw("a.key", &key_bytes(1, 200)), raw("b.key", &key_bytes(2, 200))]);
}

#[test]
fn unpack_rejects_case_and_normalisation_collisions() {
    refuses(&[raw("A.key", b"1"), raw("a.key", b"2")], "entry-name-collision", "a.key");
    refuses(
        &[raw("caf\u{e9}.key", b"1"), raw("cafe\u{301}.key", b"2")],
        "entry-name-collision",
        "cafe",
    );
    accepts(&[raw("caf\u{e9}.key", &key_bytes(1, 200)), raw("b.key", &key_bytes(2, 200))]);
}

#[test]
fn unpack_rejects_reserved_windows_names() {
    refuses(&[raw("keys/CON.key", b"1")], "entry-reserved-name", "CON.key");
    refuses(&[raw("keys/a.key.", b"1")], "entry-reserved-name", "a.key.");
    accepts(&[raw("keys/CONTROL.key", &key_bytes(1, 200))]);
}

#[test]
fn unpack_rejects_header_mismatch() {
    let mut e = raw("a.key", b"1234");
    e.local_name = Some(b"b.key".to_vec());
    refuses(&[e], "entry-header-mismatch", "a.key");
}

#[test]
fn unpack_rejects_two_records_for_one_entry() {
    // A second central record pointing at the first local header: the names disagree.
    let mut second = raw("b.key", b"inner");
    second.offset = Some(0);
    refuses(&[raw("a.key", b"outer"), second], "entry-header-mismatch", "b.key");
}

#[test]
fn unpack_rejects_overlap_with_distinct_names() {
    // a.key's stored data holds a complete local header for b.key; b's central record points
    // inside a's data.
    let inner = build(&[raw("b.key", b"inner")]);
    let local_len = 30 + 5 + 5; // header, name, data
    let mut a = raw("a.key", &inner[..local_len]);
    a.name = b"a.key".to_vec();
    let mut b = raw("b.key", b"inner");
    b.offset = Some(30 + 5); // a's data starts after its 30-byte header and 5-byte name
    refuses(&[a, b], "entry-overlap", "b.key");
}

#[test]
fn unpack_rejects_high_ratio_bomb() {
    let mut e = raw("bomb.key", &vec![0u8; 8 * 1024 * 1024]);
    e.deflate = true;
    refuses(&[e], "archive-limit", "bomb.key");
    let mut small = raw("small.key", &vec![0u8; 4096]);
    small.deflate = true;
    accepts(&[small]);
}

#[test]
fn unpack_rejects_lying_size() {
    let mut e = raw("liar.key", &vec![7u8; 100_000]);
    e.deflate = true;
    e.size = Some(100);
    refuses(&[e], "entry-data-mismatch", "liar.key");
}

#[test]
fn unpack_rejects_encrypted_entries() {
    let mut e = raw("secret.key", b"xxxxxxxxxxxx");
    e.flags = 1;
    refuses(&[e], "entry-encrypted", "secret.key");
}

#[test]
fn unpack_rejects_unsupported_methods() {
    let mut e = raw("bz.key", b"BZh9");
    e.method = Some(12);
    refuses(&[e], "entry-unsupported-method", "bz.key");
}

#[test]
fn unpack_rejects_nested_archives() {
    let inner = build(&[raw("a.key", b"1")]);
    refuses(&[raw("inner.zip", &inner)], "entry-nested-archive", "inner.zip");
    refuses(&[raw("disguised.key", &inner)], "entry-nested-archive", "disguised.key");
}

#[test]
fn unpack_rejects_truncated_archives() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = build(&[raw("a.key", &key_bytes(1, 3000))]);
    std::fs::write(dir.path().join("x.zip"), &bytes[..bytes.len() / 2]).unwrap();
    let out = fodpack(&["unpack", "x.zip", "-d", "dest"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("[archive-unreadable]"));
    assert!(!dir.path().join("dest").exists());
}

#[test]
fn unpack_with_force_leaves_existing_destination_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("dest")).unwrap();
    std::fs::write(dir.path().join("dest/mine.txt"), b"keep").unwrap();
    std::fs::write(dir.path().join("x.zip"), build(&[raw("../evil.key", b"x")])).unwrap();
    let out = fodpack(&["unpack", "x.zip", "-d", "dest", "--force"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read(dir.path().join("dest/mine.txt")).unwrap(), b"keep");
    assert_eq!(std::fs::read_dir(dir.path().join("dest")).unwrap().count(), 1);
    assert!(!dir.path().join("evil.key").exists());
}

#[test]
fn unpack_reads_backslash_separators_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let key = key_bytes(1, 200);
    std::fs::write(dir.path().join("x.zip"), build(&[raw("keys\\a.key", &key)])).unwrap();
    let out = fodpack(&["unpack", "x.zip", "-d", "dest"], dir.path());
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("[entry-backslash]"));
    assert!(text.contains("[archive-no-manifest]"));
    assert_eq!(std::fs::read(dir.path().join("dest/keys/a.key")).unwrap(), key);
    std::fs::write(dir.path().join("y.zip"), build(&[raw("keys/a.key", &key)])).unwrap();
    let out = fodpack(&["unpack", "y.zip", "-d", "dest2"], dir.path());
    assert!(!stdout(&out).contains("[entry-backslash]"));
}
