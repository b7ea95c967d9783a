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

#[test]
fn an_input_zip_is_not_overwritten_by_the_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let zip = build(&[raw("lnvgy_fod_0001_8869J311Y9K_anyos_noarch.key", &key_bytes(5, 1200))]);
    std::fs::write(dir.path().join("v.zip"), &zip).unwrap();
    let out = fodpack(&["pack", "v.zip", "-o", "v.zip", "--force"], dir.path());
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    assert!(stdout(&out).contains("is one of the inputs"), "{}", stdout(&out));
    assert_eq!(std::fs::read(dir.path().join("v.zip")).unwrap(), zip);
}

#[test]
fn a_private_key_inside_an_archive_is_refused_whatever_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let key = raw("keys/lnvgy_fod_0001_8869J311Y9K_anyos_noarch.key", &key_bytes(6, 1400));
    for name in ["export.json", "id_rsa"] {
        let zip = build(&[key.clone(), raw(name, PEM.as_bytes())]);
        std::fs::write(dir.path().join("pk.zip"), &zip).unwrap();
        let out = fodpack(&["unpack", "pk.zip", "-d", "out"], dir.path());
        let text = stdout(&out);
        assert_eq!(code(&out), 1, "{name}: {text}");
        assert!(text.contains("key-private-key") && text.contains(name), "{text}");
        assert!(!dir.path().join("out").exists(), "{name}: nothing written");
        assert_eq!(code(&fodpack(&["verify", "pk.zip"], dir.path())), 1, "{name}");
    }
    let zip = build(&[key, raw("notes.txt", b"keys for site B")]);
    std::fs::write(dir.path().join("ok.zip"), &zip).unwrap();
    let out = fodpack(&["unpack", "ok.zip", "-d", "out"], dir.path());
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

#[test]
fn inspect_refuses_a_fifo_instead_of_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("f.zip");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let out = assert_cmd::Command::cargo_bin("fodpack")
        .unwrap()
        .args(["inspect"])
        .arg(&fifo)
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file"));
}

#[test]
fn verify_refuses_a_manifest_whose_summary_contradicts_its_entries() {
    let dir = tempfile::tempdir().unwrap();
    keys(dir.path());
    assert_eq!(code(&fodpack(&["pack", "keys", "-o", "b.zip"], dir.path())), 0);
    // Rewrite the summary and keep SHA256SUMS consistent with it, as a careful forger would.
    let script = r#"
import hashlib, json, zipfile
src = zipfile.ZipFile("b.zip")
m = json.loads(src.read("manifest.json"))
m["summary"]["keys"] = 99
mb = (json.dumps(m, indent=2, sort_keys=True) + "\n").encode()
sums = src.read("SHA256SUMS").decode().splitlines()
sums = [l if not l.endswith("  manifest.json") else hashlib.sha256(mb).hexdigest() + "  manifest.json" for l in sums]
with zipfile.ZipFile("forged.zip", "w", zipfile.ZIP_DEFLATED) as out:
    for info in src.infolist():
        data = src.read(info.filename)
        if info.filename == "manifest.json":
            data = mb
        if info.filename == "SHA256SUMS":
            data = ("\n".join(sums) + "\n").encode()
        out.writestr(info, data)
"#;
    let ran = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(ran.success());
    let out = fodpack(&["verify", "forged.zip"], dir.path());
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "{text}");
    assert!(text.contains("bundle-manifest-invalid") && text.contains("summary"), "{text}");
    assert_eq!(code(&fodpack(&["verify", "b.zip"], dir.path())), 0);
}

#[test]
fn entries_of_an_input_zip_that_are_not_packed_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let key = raw("lnvgy_fod_0001_8869J311Y9K_anyos_noarch.key", &key_bytes(7, 1300));
    let zip = build(&[key.clone(), raw("readme.txt", b"two keys for site B")]);
    std::fs::write(dir.path().join("v.zip"), &zip).unwrap();
    let out = fodpack(&["pack", "v.zip", "-o", "b.zip"], dir.path());
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}");
    assert!(text.contains("archive-entry-skipped") && text.contains("readme.txt"), "{text}");
    // A private key among them is refused, although it would not have been packed.
    let zip = build(&[key, raw("id_rsa", PEM.as_bytes())]);
    std::fs::write(dir.path().join("p.zip"), &zip).unwrap();
    let out = fodpack(&["pack", "p.zip", "-o", "c.zip"], dir.path());
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert!(stdout(&out).contains("key-private-key"));
    assert!(!dir.path().join("c.zip").exists());
    // A ZIP of keys alone raises neither.
    let only = build(&[raw("lnvgy_fod_0001_8869J311Y9K_anyos_noarch.key", &key_bytes(7, 1300))]);
    std::fs::write(dir.path().join("k.zip"), &only).unwrap();
    let text = stdout(&fodpack(&["pack", "k.zip", "-o", "d.zip"], dir.path()));
    assert!(!text.contains("archive-entry-skipped") && !text.contains("key-private-key"), "{text}");
}
