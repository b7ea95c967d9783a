//! What `pack` refuses whatever `--force` says, and refusals that are about the run rather
//! than the inputs (exit 2).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bundle_support;
use bundle_support::*;
use std::path::Path;

const PEM: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n-----END RSA PRIVATE KEY-----\n";

fn keys(dir: &Path) {
    let k = dir.join("keys");
    std::fs::create_dir_all(&k).unwrap();
    std::fs::write(k.join("lnvgy_fod_0001_8869J311Y9K_anyos_noarch.key"), key_bytes(1, 1500))
        .unwrap();
}

fn code(o: &std::process::Output) -> i32 {
    o.status.code().unwrap()
}

#[test]
fn a_private_key_is_refused_whatever_its_name_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    keys(dir.path());
    std::fs::write(dir.path().join("keys/server-backup.json"), PEM).unwrap();
    let out = fodpack(&["pack", "keys", "-o", "b.zip", "--force"], dir.path());
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "{text}");
    assert!(text.contains("key-private-key") && text.contains("server-backup.json"), "{text}");
    assert!(!dir.path().join("b.zip").exists());
    // Without the impostor the same folder packs.
    std::fs::remove_file(dir.path().join("keys/server-backup.json")).unwrap();
    let out = fodpack(&["pack", "keys", "-o", "b.zip"], dir.path());
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

#[test]
fn names_the_bundle_could_not_verify_are_refused_even_with_force() {
    for name in ["CON.key", "a:b.key"] {
        let dir = tempfile::tempdir().unwrap();
        keys(dir.path());
        std::fs::write(dir.path().join("keys").join(name), key_bytes(2, 900)).unwrap();
        let out = fodpack(&["pack", "keys", "-o", "b.zip", "--force"], dir.path());
        let text = stdout(&out);
        assert_eq!(code(&out), 1, "{name}: {text}");
        assert!(text.contains(name) && text.contains("--force does not override"), "{text}");
        assert!(!dir.path().join("b.zip").exists(), "{name}");
    }
}

#[test]
fn one_bundle_name_for_two_contents_is_refused_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    for (sub, seed) in [("a", 3), ("b", 4)] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join("N.key"), key_bytes(seed, 1000)).unwrap();
    }
    let out = fodpack(&["pack", "a", "b", "-o", "b.zip", "--force"], dir.path());
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "{text}");
    assert!(text.contains("bundle-name-conflict"), "{text}");
    assert!(!dir.path().join("b.zip").exists());
}

#[test]
fn refusals_about_the_run_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    keys(dir.path());
    let target = dir.path().join("keys/lnvgy_fod_0001_8869J311Y9K_anyos_noarch.key");
    let before = std::fs::read(&target).unwrap();
    let out = fodpack(
        &["pack", "keys", "-o", "keys/lnvgy_fod_0001_8869J311Y9K_anyos_noarch.key", "--force"],
        dir.path(),
    );
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    assert!(stdout(&out).contains("is one of the inputs"));
    assert_eq!(std::fs::read(&target).unwrap(), before, "the input is untouched");

    let out = fodpack(&["pack", "keys", "-o", "b.zip", "--max-entries", "2"], dir.path());
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    assert!(stdout(&out).contains("--max-entries"));
    assert!(!dir.path().join("b.zip").exists());

    assert_eq!(code(&fodpack(&["pack", "keys", "-o", "b.zip"], dir.path())), 0);
    let out = fodpack(&["pack", "keys", "-o", "b.zip"], dir.path());
    assert_eq!(code(&out), 2, "an existing bundle is not replaced without --force");
    assert!(stdout(&out).contains("exists"));
}
