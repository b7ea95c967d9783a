//! Packing, verifying and unpacking real-looking bundles: determinism, interoperability with
//! other ZIP tools, tamper evidence, vendor ZIPs, and runs killed midway.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bundle_support;
use bundle_support::*;
use std::path::Path;

fn write_keys(dir: &Path, n: u8) {
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..n {
        let name = format!("lnvgy_fod_00{i:02x}_7X21J30{i:03}_anyos_noarch.key");
        std::fs::write(dir.join(name), key_bytes(i, 1000 + usize::from(i) * 37)).unwrap();
    }
}

fn sha256sum(path: &Path) -> String {
    let out = sh(&format!("sha256sum '{}'", path.display()), Path::new("."));
    stdout(&out).split_whitespace().next().unwrap().to_string()
}

#[test]
fn same_contents_give_byte_identical_bundles() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_keys(&d.join("one/a"), 6);
    std::fs::write(d.join("one/b.key"), key_bytes(99, 500)).unwrap();
    // The same contents, created in the opposite order, with other times and permissions.
    write_keys(&d.join("two/a"), 6);
    std::fs::write(d.join("two/b.key"), key_bytes(99, 500)).unwrap();
    assert!(sh("touch -d '2001-02-03 04:05' two/a/* two/b.key && chmod 600 two/a/* && chmod 640 two/b.key", d).status.success());
    let a = fodpack(&["pack", "one/a", "one/b.key", "-o", "1.zip"], d);
    assert_eq!(a.status.code(), Some(0), "{}", stdout(&a));
    let b = fodpack(&["pack", "two/b.key", "two/a", "-o", "2.zip"], d);
    assert_eq!(b.status.code(), Some(0), "{}", stdout(&b));
    assert_eq!(sha256sum(&d.join("1.zip")), sha256sum(&d.join("2.zip")));
    // SOURCE_DATE_EPOCH is recorded, and only then.
    let c = std::process::Command::new(env!("CARGO_BIN_EXE_fodpack"))
        .args(["pack", "one/a", "-o", "3.zip"])
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .current_dir(d)
        .output()
        .unwrap();
    assert!(c.status.success());
    let m = sh("unzip -p 3.zip manifest.json", d);
    assert!(stdout(&m).contains("\"created\": \"2023-11-14T22:13:20Z\""), "{}", stdout(&m));
    assert!(!stdout(&sh("unzip -p 1.zip manifest.json", d)).contains("created"));
}

#[test]
fn bundles_open_in_other_zip_tools_and_pass_sha256sum() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_keys(&d.join("in"), 5);
    assert!(fodpack(&["pack", "in", "-o", "b.zip"], d).status.success());
    let checks = [
        "unzip -t b.zip",
        "python3 -m zipfile -t b.zip",
        "bsdtar -tf b.zip",
        "7z t b.zip",
        "mkdir u && cd u && unzip -q ../b.zip && sha256sum -c SHA256SUMS",
        "python3 -m zipfile -e b.zip p && cd p && sha256sum -c SHA256SUMS",
        "mkdir t && bsdtar -xf b.zip -C t && cd t && sha256sum -c SHA256SUMS",
        "7z x -os b.zip >/dev/null && cd s && sha256sum -c SHA256SUMS",
    ];
    for c in checks {
        let out = sh(c, d);
        assert!(
            out.status.success(),
            "{c}: {}{}",
            stdout(&out),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = fodpack(&["verify", "b.zip"], d);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0));
    assert!(text.contains("7 entries, 6 of 6 hashes matched"), "{text}");
    assert!(text.contains(&sha256sum(&d.join("b.zip"))));
}

/// Data offsets of every entry, computed by Python's zipfile (independent of fodpack).
fn data_offsets(d: &Path) -> Vec<(String, u64)> {
    let py = "import zipfile,struct\nz=zipfile.ZipFile('b.zip')\nf=open('b.zip','rb')\nfor i in z.infolist():\n f.seek(i.header_offset+26); n,m=struct.unpack('<HH',f.read(4)); print(i.filename, i.header_offset+30+n+m)";
    let out = sh(&format!("python3 -c \"{py}\""), d);
    stdout(&out)
        .lines()
        .map(|l| {
            let (n, o) = l.rsplit_once(' ').unwrap();
            (n.to_string(), o.parse().unwrap())
        })
        .collect()
}

fn expect_failure(d: &Path, code: &str, entry: &str) {
    let out = fodpack(&["verify", "b.zip"], d);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains(code) && text.contains(entry), "wanted {code} on {entry}: {text}");
    let out = fodpack(&["unpack", "b.zip", "-d", "dest"], d);
    assert_eq!(out.status.code(), Some(1));
    assert!(!d.join("dest").exists());
}

fn fresh_bundle(d: &Path) {
    let _ = std::fs::remove_file(d.join("b.zip"));
    if !d.join("in").exists() {
        write_keys(&d.join("in"), 3);
    }
    assert!(fodpack(&["pack", "in", "-o", "b.zip"], d).status.success());
}

#[test]
fn verify_detects_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fresh_bundle(d);
    for (name, offset) in data_offsets(d) {
        fresh_bundle(d);
        let mut bytes = std::fs::read(d.join("b.zip")).unwrap();
        bytes[offset as usize + 3] ^= 0x01;
        std::fs::write(d.join("b.zip"), bytes).unwrap();
        expect_failure(d, "entry-data-mismatch", &name);
    }
    fresh_bundle(d);
    std::fs::write(d.join("extra.key"), key_bytes(7, 800)).unwrap();
    assert!(sh("zip -q b.zip extra.key", d).status.success());
    expect_failure(d, "bundle-extra-entry", "extra.key");
    fresh_bundle(d);
    let victim = "keys/lnvgy_fod_0001_7X21J30001_anyos_noarch.key";
    assert!(sh(&format!("zip -q -d b.zip {victim}"), d).status.success());
    expect_failure(d, "bundle-missing-entry", victim);
    for edited in ["manifest.json", "SHA256SUMS"] {
        fresh_bundle(d);
        let py = format!(
            "import zipfile\nz=zipfile.ZipFile('b.zip')\nitems=[(i.filename,z.read(i)) for i in z.infolist()]\nz.close()\nw=zipfile.ZipFile('b.zip','w',zipfile.ZIP_DEFLATED)\nfor n,b in items:\n  w.writestr(n, b.replace(b'0',b'1',1) if n=='{edited}' else b)\nw.close()"
        );
        assert!(sh(&format!("python3 -c \"{py}\""), d).status.success());
        expect_failure(d, "bundle-hash-mismatch", "");
    }
    fresh_bundle(d);
    let bytes = std::fs::read(d.join("b.zip")).unwrap();
    std::fs::write(d.join("b.zip"), &bytes[..bytes.len() - 10]).unwrap();
    expect_failure(d, "archive-unreadable", "");
}

#[test]
fn vendor_zips_unpack() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_keys(&d.join("src/keys/sub"), 2);
    std::fs::create_dir_all(d.join("src/__MACOSX/keys")).unwrap();
    std::fs::write(d.join("src/__MACOSX/keys/._x.key"), b"\0\x05\x16\x07meta").unwrap();
    // Info-ZIP, with folder entries and __MACOSX/.
    assert!(sh("cd src && zip -qr ../infozip.zip keys __MACOSX", d).status.success());
    let out = fodpack(&["unpack", "infozip.zip", "-d", "i"], d);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("[archive-no-manifest]"));
    assert!(d.join("i/keys/sub/lnvgy_fod_0000_7X21J30000_anyos_noarch.key").is_file());
    assert!(!d.join("i/__MACOSX").exists());
    // Java's ZipOutputStream: data descriptors after each entry.
    let java = r#"import java.util.zip.*; import java.io.*; import java.nio.file.*;
public class W { public static void main(String[] a) throws Exception {
  try (ZipOutputStream z = new ZipOutputStream(new FileOutputStream("java.zip"))) {
    for (File f : new File("src/keys/sub").listFiles()) {
      z.putNextEntry(new ZipEntry("keys/" + f.getName())); z.write(Files.readAllBytes(f.toPath())); z.closeEntry(); } } } }"#;
    std::fs::write(d.join("W.java"), java).unwrap();
    let out = sh("javac W.java && java -cp . W", d);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = fodpack(&["unpack", "java.zip", "-d", "j", "--keys-only"], d);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let a = std::fs::read(d.join("j/lnvgy_fod_0001_7X21J30001_anyos_noarch.key")).unwrap();
    assert_eq!(
        a,
        std::fs::read(d.join("src/keys/sub/lnvgy_fod_0001_7X21J30001_anyos_noarch.key")).unwrap()
    );
}

#[test]
fn killed_runs_leave_no_bundle_and_no_destination() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for i in 0..40u8 {
        let sub = d.join(format!("in/{i}"));
        std::fs::create_dir_all(&sub).unwrap();
        for j in 0..50u8 {
            std::fs::write(sub.join(format!("k{i}_{j}.key")), key_bytes(i ^ j, 4000)).unwrap();
        }
    }
    for delay in [20u64, 80, 200] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fodpack"))
            .args(["pack", "in", "-o", "big.zip", "--allow", "key-name-unconventional"])
            .current_dir(d)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay));
        child.kill().unwrap(); // SIGKILL on Unix
        let status = child.wait().unwrap();
        // Either it finished first (and the bundle is whole) or nothing is under the name.
        if status.success() {
            assert!(fodpack(&["verify", "big.zip"], d).status.success());
            std::fs::remove_file(d.join("big.zip")).unwrap();
        } else {
            assert!(!d.join("big.zip").exists(), "killed after {delay} ms");
        }
    }
    assert!(fodpack(&["pack", "in", "-o", "big.zip"], d).status.success());
    for delay in [20u64, 80] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fodpack"))
            .args(["unpack", "big.zip", "-d", "out"])
            .current_dir(d)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay));
        child.kill().unwrap();
        if child.wait().unwrap().success() {
            std::fs::remove_dir_all(d.join("out")).unwrap();
        } else {
            assert!(!d.join("out").exists(), "killed after {delay} ms");
        }
    }
    assert!(fodpack(&["unpack", "big.zip", "-d", "out"], d).status.success());
    assert_eq!(std::fs::read_dir(d.join("out/keys")).unwrap().count(), 2000);
}

#[test]
fn pack_refuses_name_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_keys(&d.join("a"), 1);
    std::fs::create_dir(d.join("b")).unwrap();
    let name = "lnvgy_fod_0000_7X21J30000_anyos_noarch.key";
    std::fs::write(d.join("b").join(name), key_bytes(50, 900)).unwrap();
    let out = fodpack(&["pack", "a", "b", "-o", "x.zip"], d);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("[bundle-name-conflict]"), "{}", stdout(&out));
    assert!(!d.join("x.zip").exists());
    // The same bytes under the same name from two folders are packed once.
    std::fs::copy(d.join("a").join(name), d.join("b").join(name)).unwrap();
    assert_eq!(fodpack(&["pack", "a", "b", "-o", "x.zip"], d).status.code(), Some(0));
}

#[test]
fn verify_rejects_an_unreadable_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let bad =
        build(&[raw("manifest.json", b"{\"format\": \"something-else\"}"), raw("SHA256SUMS", b"")]);
    std::fs::write(d.join("b.zip"), bad).unwrap();
    expect_failure(d, "bundle-manifest-invalid", "manifest.json");
    fresh_bundle(d);
    assert_eq!(fodpack(&["verify", "b.zip"], d).status.code(), Some(0));
}
