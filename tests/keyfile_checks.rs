//! Key-file checks through `validate` and `pack`: impostors under `.key` names, empty files,
//! duplicates, case twins and AppleDouble files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bundle_support;
use bundle_support::*;

const PEM: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n-----END RSA PRIVATE KEY-----\n";
const OPENSSH: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n";
const HTML: &str =
    "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body></body></html>\n";

fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let k = dir.path().join("keys");
    std::fs::create_dir(&k).unwrap();
    std::fs::write(k.join("lnvgy_fod_0001_8869J311Y9K_anyos_noarch.key"), key_bytes(1, 1500))
        .unwrap();
    std::fs::write(k.join("xcc_fod_0034_7X21ABCDEF1.key"), key_bytes(2, 2200)).unwrap();
    dir
}

#[test]
fn impostors_are_errors_and_pack_refuses_them() {
    let dir = folder();
    let k = dir.path().join("keys");
    std::fs::write(k.join("server.key"), PEM).unwrap();
    std::fs::write(k.join("id_ed25519.key"), OPENSSH).unwrap();
    std::fs::write(k.join("download.key"), HTML).unwrap();
    let out = fodpack(&["validate", "keys"], dir.path());
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(text.matches("error[key-private-key]").count(), 2, "{text}");
    assert_eq!(text.matches("error[key-not-a-key]").count(), 1, "{text}");
    for name in ["server.key", "id_ed25519.key", "download.key"] {
        assert!(text.contains(name), "{name}: {text}");
    }
    for args in
        [&["pack", "keys", "-o", "b.zip"][..], &["pack", "keys", "-o", "b.zip", "--force"][..]]
    {
        let out = fodpack(args, dir.path());
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(
            text.contains("no bundle written")
                && text.contains("server.key")
                && text.contains("id_ed25519.key"),
            "{text}"
        );
        assert!(!dir.path().join("b.zip").exists());
    }
    // Without the impostors the same folder packs.
    for name in ["server.key", "id_ed25519.key", "download.key"] {
        std::fs::remove_file(k.join(name)).unwrap();
    }
    assert_eq!(fodpack(&["pack", "keys", "-o", "b.zip"], dir.path()).status.code(), Some(0));
}

#[test]
fn not_a_key_can_be_forced_and_is_recorded() {
    let dir = folder();
    std::fs::write(dir.path().join("keys/error.key"), "{\"error\": \"session expired\"}").unwrap();
    let out = fodpack(&["pack", "keys", "-o", "b.zip"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("[key-not-a-key]"));
    let out = fodpack(&["pack", "keys", "-o", "b.zip", "--force"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let m = stdout(&sh("unzip -p b.zip manifest.json", dir.path()));
    assert!(m.contains("\"code\": \"key-not-a-key\""), "{m}");
}

#[test]
fn empty_key_files_are_errors() {
    let dir = folder();
    std::fs::write(dir.path().join("keys/lnvgy_fod_0001_1234ABCDEFG_anyos_noarch.key"), b"")
        .unwrap();
    let text = stdout(&fodpack(&["validate", "keys"], dir.path()));
    assert_eq!(text.matches("error[key-empty]").count(), 1, "{text}");
}

#[test]
fn duplicates_case_twins_and_odd_names_are_reported() {
    let dir = folder();
    let k = dir.path().join("keys");
    std::fs::write(k.join("copy of key.key"), key_bytes(1, 1500)).unwrap();
    std::fs::write(k.join("XCC_FOD_0034_7X21ABCDEF1.KEY"), key_bytes(3, 900)).unwrap();
    std::fs::write(k.join("._lnvgy_fod_0001_8869J311Y9K_anyos_noarch.key"), b"\0\x05\x16\x07")
        .unwrap();
    let out = fodpack(&["pack", "keys", "-o", "b.zip"], dir.path());
    let text = stdout(&out);
    assert!(text.contains("warning[key-duplicate-content]"), "{text}");
    assert!(text.contains("warning[key-name-case]"), "{text}");
    assert!(
        text.contains("note[key-name-unconventional]") && text.contains("copy of key.key"),
        "{text}"
    );
    assert!(text.contains("note[apple-double]"), "{text}");
    let listing = stdout(&sh("unzip -Z1 b.zip", dir.path()));
    assert!(!listing.contains("._"), "{listing}");
    // validate finds the same across the files of a folder.
    let text = stdout(&fodpack(&["validate", "keys"], dir.path()));
    for code in ["key-duplicate-content", "key-name-case", "key-name-unconventional"] {
        assert!(text.contains(code), "validate: {code}: {text}");
    }
    // Conventional, distinct keys raise none of these.
    let clean = folder();
    let text = stdout(&fodpack(&["pack", "keys", "-o", "b.zip"], clean.path()));
    let validated = stdout(&fodpack(&["validate", "keys"], clean.path()));
    for code in
        ["key-duplicate-content", "key-name-case", "key-name-unconventional", "apple-double"]
    {
        assert!(!text.contains(code), "{code}: {text}");
        assert!(!validated.contains(code), "validate: {code}: {validated}");
    }
}

#[test]
fn inspect_describes_a_key_and_a_bundle() {
    let dir = folder();
    let out =
        fodpack(&["inspect", "keys/xcc_fod_0034_7X21ABCDEF1.key", "--format", "json"], dir.path());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["key"]["name"]["featureType"], "0034");
    assert_eq!(v["key"]["name"]["machineType"], "7X21");
    assert_eq!(v["key"]["size"], 2200);
    assert!(fodpack(&["pack", "keys", "-o", "b.zip"], dir.path()).status.success());
    let out = fodpack(&["inspect", "b.zip", "--format", "json"], dir.path());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "bundle");
    assert_eq!(v["entries"].as_array().unwrap().len(), 4);
}
