//! `fodpack validate` as a user runs it: exit codes, positions, output formats, hostile input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn fodpack() -> Command {
    let mut cmd = Command::cargo_bin("fodpack").unwrap();
    cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    cmd
}

/// Runs `validate --format json` and returns the exit code and the parsed document.
fn validate_json(args: &[&str]) -> (i32, Value) {
    let out = fodpack().arg("validate").arg("--format").arg("json").args(args).output().unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("stdout is not one JSON document ({e}): {}", String::from_utf8_lossy(&out.stdout))
    });
    (out.status.code().unwrap(), doc)
}

/// (code, severity, line, column) of every finding of the only file.
fn findings(doc: &Value) -> Vec<(String, String, u64, u64)> {
    doc["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["column"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_string()
}

/// 1-based line and character column of a byte offset, counted independently of fodpack.
fn line_col(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line as u64, col as u64)
}

#[test]
fn api_examples_are_read_with_every_quirk_at_its_exact_place() {
    let cases = [
        ("samples/api/redeem-ten-request.json", "put-request"),
        ("samples/api/redeem-all-two-codes-request.json", "put-request"),
        ("samples/api/redeem-ten-response.json", "put-response"),
        ("samples/api/redeem-all-two-codes-response.json", "put-response"),
    ];
    for (path, kind) in cases {
        let text = std::fs::read_to_string(path).unwrap();
        let (code, doc) = validate_json(&[path]);
        assert_eq!(code, 0, "{path}: quirks alone are warnings");
        assert_eq!(doc["files"][0]["kind"], kind, "{path}");
        let found = findings(&doc);
        // A trailing comma is a comma whose next non-blank character closes a container.
        let bytes = text.as_bytes();
        let mut expected = Vec::new();
        for (i, b) in bytes.iter().enumerate() {
            if *b == b',' {
                let next = bytes[i + 1..].iter().find(|c| !c.is_ascii_whitespace());
                if matches!(next, Some(b'}' | b']')) {
                    let (l, c) = line_col(&text, i);
                    expected.push(("trailing-comma", l, c));
                }
            }
        }
        for (i, _) in text.match_indices("\"keysRemaining \"") {
            let (l, c) = line_col(&text, i);
            expected.push(("field-name-whitespace", l, c));
        }
        assert!(expected.iter().any(|e| e.0 == "trailing-comma"), "{path} has trailing commas");
        for (want, l, c) in &expected {
            assert!(
                found.iter().any(|f| f.0 == *want && f.1 == "warning" && f.2 == *l && f.3 == *c),
                "{path}: expected warning {want} at {l}:{c}; found {found:?}"
            );
        }
        let reported = found.iter().filter(|f| f.0 == "trailing-comma").count();
        let wanted = expected.iter().filter(|e| e.0 == "trailing-comma").count();
        assert_eq!(reported, wanted, "{path}: every trailing comma once, and nothing else");
        let strict = fodpack().args(["validate", "--strict", path]).output().unwrap();
        assert_eq!(strict.status.code(), Some(1), "{path} with --strict");
    }
}

#[test]
fn hostile_and_malformed_files_get_findings_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let export = |body: &str| {
        format!(
            "{{\n  \"authCodes\": [\n    {{\"authCode\": \"WW7K3M9Q2XP4R8T5N6B1CZ\", {body}, \
             \"licenseKeys\": []}}\n  ]\n}}\n"
        )
    };
    // (file name, bytes, expected code, exit code, line and column)
    type Case = (&'static str, Vec<u8>, &'static str, i32, Option<(u64, u64)>);
    let mut cases: Vec<Case> = vec![
        ("empty.json", Vec::new(), "empty-file", 1, None),
        ("prose.json", b"keys for site B, see mail".to_vec(), "syntax-error", 1, Some((1, 1))),
        (
            "truncated.json",
            b"{\"authCodes\": [{\"authCode\": \"WW7K".to_vec(),
            "syntax-error",
            1,
            None,
        ),
        (
            "array.json",
            b"[{\"authCode\": \"WW7K3M9Q2XP4R8T5N6B1CZ\"}]".to_vec(),
            "unknown-document",
            1,
            Some((1, 1)),
        ),
        (
            "latin1.json",
            b"{\n \"authCodes\": [], \"x\": \"f\xfcr\"}".to_vec(),
            "invalid-utf8",
            1,
            Some((2, 26)),
        ),
    ];
    let counts = [
        ("10.5", "count-invalid"),
        ("1e3", "count-invalid"),
        ("-1", "count-negative"),
        ("99999999999999999999", "count-invalid"),
        ("\"ten\"", "count-invalid"),
    ];
    let names = ["half.json", "exp.json", "neg.json", "huge.json", "ten.json"];
    for ((value, code), name) in counts.iter().zip(names) {
        let body = format!("\"keysRedeemed\": {value}, \"keysRemaining\": 25");
        // The value starts after the authCode member and "keysRedeemed": on line 3.
        let text = export(&body);
        let (l, c) = line_col(&text, text.find(value).unwrap());
        cases.push((name, text.into_bytes(), code, 1, Some((l, c))));
    }
    let nan = export("\"keysRedeemed\": NaN, \"keysRemaining\": 25");
    let nan_at = line_col(&nan, nan.find("NaN").unwrap());
    cases.push(("nan.json", nan.into_bytes(), "syntax-error", 1, Some(nan_at)));
    let dup = "{\"authCodes\": [{\"authCode\": \"WW7K3M9Q2XP4R8T5N6B1CZ\", \"keysRedeemed\": 5,\n \
               \"keysRemaining\": 20, \"keysRemaining\": 45, \"licenseKeys\": []}]}";
    let dup_at = line_col(dup, dup.rfind("\"keysRemaining\"").unwrap());
    cases.push(("dup.json", dup.as_bytes().to_vec(), "duplicate-key", 1, Some(dup_at)));
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    cases.push(("deep.json", deep.into_bytes(), "nesting-too-deep", 1, None));
    let good = export("\"keysRedeemed\": 0, \"keysRemaining\": 25");
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(good.as_bytes());
    cases.push(("bom.json", bom, "utf8-bom", 0, Some((1, 1))));
    let (mut le, mut be) = (vec![0xFF, 0xFE], vec![0xFE, 0xFF]);
    for u in good.encode_utf16() {
        le.extend(u.to_le_bytes());
        be.extend(u.to_be_bytes());
    }
    cases.push(("utf16le.json", le, "utf16-encoding", 0, Some((1, 1))));
    cases.push(("utf16be.json", be, "utf16-encoding", 0, Some((1, 1))));

    for (name, bytes, code, exit, at) in cases {
        let path = write(dir.path(), name, &bytes);
        let (got_exit, doc) = validate_json(&[&path]);
        assert_eq!(doc["files"][0]["path"], path.as_str(), "{name}: the file is named");
        let found = findings(&doc);
        let hit = found.iter().find(|f| f.0 == code);
        assert!(hit.is_some(), "{name}: expected {code}, found {found:?}");
        if let (Some((l, c)), Some(f)) = (at, hit) {
            assert_eq!((f.2, f.3), (l, c), "{name}: position of {code}");
        }
        assert_eq!(got_exit, exit, "{name}: exit code");
    }
}

#[test]
fn duplicate_keys_name_both_places() {
    let dir = tempfile::tempdir().unwrap();
    let text = "{\"authCodes\": [{\"authCode\": \"WW7K3M9Q2XP4R8T5N6B1CZ\",\n  \"keysRedeemed\": 10,\n  \
                \"keysRemaining\": 15,\n  \"keysRemaining\": 40,\n  \"licenseKeys\": []}]}";
    let path = write(dir.path(), "dup.json", text.as_bytes());
    let (_, doc) = validate_json(&[&path]);
    let f = &doc["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "duplicate-key")
        .cloned()
        .unwrap();
    assert_eq!((f["line"].as_u64(), f["column"].as_u64()), (Some(4), Some(3)));
    assert_eq!(
        (f["related"]["line"].as_u64(), f["related"]["column"].as_u64()),
        (Some(3), Some(3))
    );
    let human = fodpack().args(["validate", &path]).output().unwrap();
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(text.contains("dup.json:4:3"), "{text}");
    assert!(text.contains("see also") && text.contains("dup.json:3:3"), "{text}");
}

#[test]
fn positions_count_characters_on_multibyte_lines_and_ignore_crlf() {
    let dir = tempfile::tempdir().unwrap();
    // Line 4 holds 2-, 3- and 4-byte characters before the bad value; lines end in CRLF.
    let text = "{\r\n  \"authCodes\": [\r\n    {\"authCode\": \"WW7K3M9Q2XP4R8T5N6B1CZ\",\r\n     \
                \"featureDescription\": \"Lizenz für 東京 🚀\", \"keysRedeemed\": \"ten\",\r\n     \
                \"keysRemaining\": 25, \"licenseKeys\": [],}\r\n  ]\r\n}\r\n";
    let path = write(dir.path(), "crlf.json", text.as_bytes());
    let (_, doc) = validate_json(&[&path]);
    let found = findings(&doc);
    // Counted by hand. Line 4: 5 spaces (1-5), "featureDescription" (6-25), colon, space, the
    // 17-character string "Lizenz für 東京 🚀" (28-44), comma, space, "keysRedeemed" (47-60),
    // colon, space: the value starts at character 63.
    assert!(found.contains(&("count-invalid".into(), "error".into(), 4, 63)), "{found:?}");
    // Line 5: 5 spaces, "keysRemaining" (6-20), colon, space, 25 (23-24), comma, space,
    // "licenseKeys" (27-39), colon, space, [ and ] (42-43): the trailing comma is at 44.
    assert!(found.contains(&("trailing-comma".into(), "warning".into(), 5, 44)), "{found:?}");
}

#[test]
fn json_output_is_the_only_thing_on_stdout() {
    let out = fodpack()
        .args(["validate", "--format", "json", "samples/api", "samples/invalid"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).expect("stdout parses as one JSON value");
    assert_eq!(doc["version"], 1);
    let files = doc["files"].as_array().unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f["path"].as_str().unwrap()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted, "files are reported in sorted order");
    let mut errors = 0;
    for f in files {
        for finding in f["findings"].as_array().unwrap() {
            for key in ["code", "severity", "message"] {
                assert!(finding[key].is_string(), "{key} in {finding}");
            }
            errors += usize::from(finding["severity"] == "error");
        }
    }
    assert_eq!(doc["summary"]["files"], files.len());
    assert_eq!(doc["summary"]["errors"], errors);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn unreadable_file_and_broken_link_are_reported_and_the_rest_checked() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("exports");
    std::fs::create_dir(&root).unwrap();
    std::fs::copy("samples/exports/datacenter-east.json", root.join("a-good.json")).unwrap();
    std::fs::copy("samples/exports/datacenter-east.json", root.join("c-locked.json")).unwrap();
    std::fs::copy("samples/exports/empty-lxca.json", root.join("d-good.json")).unwrap();
    std::os::unix::fs::symlink(root.join("gone.json"), root.join("b-dangling.json")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(root.join("c-locked.json"), std::fs::Permissions::from_mode(0o000))
        .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("fodpack");
    // Permissions do not bind root, so as root the check runs as an unprivileged user.
    let mut cmd = if unsafe_is_root() {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(&bin);
        c
    } else {
        std::process::Command::new(&bin)
    };
    let out = cmd.args(["validate", "--format", "json"]).arg(&root).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = doc["files"].as_array().unwrap();
    let by_name =
        |n: &str| files.iter().find(|f| f["path"].as_str().unwrap().ends_with(n)).unwrap();
    assert_eq!(files.len(), 4);
    assert_eq!(by_name("a-good.json")["kind"], "export");
    assert_eq!(by_name("d-good.json")["kind"], "export");
    for bad in ["b-dangling.json", "c-locked.json"] {
        let f = &by_name(bad)["findings"][0];
        assert_eq!(f["code"], "unreadable-file", "{bad}");
    }
    assert!(
        by_name("b-dangling.json")["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("broken link")
    );
    assert!(
        by_name("c-locked.json")["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("permission denied")
    );
}

fn unsafe_is_root() -> bool {
    // The owner of a file just created is the effective user.
    let f = tempfile::NamedTempFile::new().unwrap();
    std::os::unix::fs::MetadataExt::uid(&f.as_file().metadata().unwrap()) == 0
}

#[test]
fn file_over_the_size_limit_is_refused_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge-export.json");
    // A sparse 200 MB file: the limit is checked before anything is read.
    std::fs::File::create(&path).unwrap().set_len(200 * 1000 * 1000).unwrap();
    let (code, doc) = validate_json(&[path.to_str().unwrap()]);
    assert_eq!(code, 2);
    let f = &doc["files"][0]["findings"][0];
    assert_eq!(f["code"], "file-too-large");
    let msg = f["message"].as_str().unwrap();
    assert!(msg.contains("4 MiB") && msg.contains("--max-file-size"), "{msg}");
    // Within a raised limit the same content is read, and is then plainly not JSON.
    let small = write(dir.path(), "small.json", b"{\"authCodes\": []}");
    let (code, doc) = validate_json(&["--max-file-size", "10", &small]);
    assert_eq!(
        (code, doc["files"][0]["findings"][0]["code"].as_str()),
        (2, Some("file-too-large"))
    );
    let (code, _) = validate_json(&["--max-file-size", "1KiB", &small]);
    assert_eq!(code, 0);
}

#[test]
fn findings_are_regraded_by_code_and_unknown_codes_refused() {
    let path = "samples/api/redeem-ten-request.json";
    let (code, doc) = validate_json(&["--allow", "trailing-comma", path]);
    assert_eq!(code, 0);
    assert!(findings(&doc).iter().all(|f| f.0 != "trailing-comma"));
    let (code, doc) = validate_json(&["--deny", "auth-code-length", path]);
    assert_eq!(code, 1);
    assert!(findings(&doc).iter().any(|f| f.0 == "auth-code-length" && f.1 == "error"));
    let (code, _) = validate_json(&[
        "--strict",
        "--warn",
        "trailing-comma,number-as-string,empty-number,field-name-whitespace",
        "--allow",
        "auth-code-length",
        path,
    ]);
    assert_eq!(code, 0, "--warn overrides --strict for the codes it names");
    let out = fodpack().args(["validate", "--deny", "trailing-coma", path]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did you mean trailing-comma?"), "{err}");
}

#[test]
fn near_misses_get_suggestions() {
    let (_, doc) = validate_json(&["samples/invalid/states-and-typos.json"]);
    let msgs: Vec<String> = doc["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert!(msgs.iter().any(|m| m.contains("did you mean \"installed\"")), "{msgs:?}");
    assert!(msgs.iter().any(|m| m.contains("did you mean \"keysRemaining\"")), "{msgs:?}");
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("samples/requests/redeem-part-of-one-code.json")
        .unwrap()
        .replace("keysRedeemQty", "keysRedeemedQty");
    let path = write(dir.path(), "typo.json", text.as_bytes());
    let (_, doc) = validate_json(&[&path]);
    assert!(doc.to_string().contains("did you mean \\\"keysRedeemQty\\\""), "{doc}");
}

#[test]
fn country_and_language_codes_checked_against_a_saved_list() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("samples/requests/update-customer.json").unwrap();
    let fr = write(dir.path(), "fr.json", text.replace("\"DE\"", "\"FR\"").as_bytes());
    let list = "samples/countries/license-countries.json";
    let (code, doc) = validate_json(&["--countries", list, &fr]);
    let codes: Vec<String> = findings(&doc).into_iter().map(|f| f.0).collect();
    assert_eq!(codes, ["country-code", "language-code"], "FR is in neither list");
    assert_eq!(code, 0, "warnings only");
    let (_, doc) = validate_json(&["--countries", list, "samples/requests/update-customer.json"]);
    assert!(findings(&doc).is_empty());
    let out = fodpack()
        .args(["validate", "--countries", "samples/exports/datacenter-east.json", &fr])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("licenseCountries"));
}

#[test]
fn untrusted_text_is_escaped_and_colour_follows_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let text = "{\"authCodes\": [], \"evil\u{1b}[2J\": 1}";
    let path = write(dir.path(), "evil.json", text.as_bytes());
    let out = fodpack().args(["validate", &path]).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("evil\\u{001b}[2J"), "{stdout}");
    assert!(!stdout.contains('\u{1b}'), "no escape byte reaches a pipe: {stdout:?}");
    let forced = fodpack().args(["--color", "always", "validate", &path]).output().unwrap();
    let coloured = String::from_utf8(forced.stdout).unwrap();
    assert!(coloured.contains("\u{1b}["), "--color always colours");
    assert!(coloured.contains("evil\\u{001b}[2J"), "and still escapes the file's text");
}

#[test]
fn samples_folder_exits_as_the_readme_says() {
    let all = fodpack().args(["validate", "samples"]).output().unwrap();
    assert_eq!(all.status.code(), Some(1), "samples/invalid breaks rules on purpose");
    for clean in ["samples/exports", "samples/requests", "samples/responses", "samples/countries"] {
        let (code, doc) = validate_json(&[clean]);
        assert_eq!(code, 0, "{clean}");
        for f in doc["files"].as_array().unwrap() {
            assert_eq!(f["findings"].as_array().unwrap().len(), 0, "{f}");
        }
    }
}

#[test]
fn a_fifo_is_refused_rather_than_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.json");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let out = fodpack()
        .args(["validate", "--format", "json"])
        .arg(&fifo)
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &doc["files"][0]["findings"][0];
    assert_eq!(f["code"], "unreadable-file");
    assert!(f["message"].as_str().unwrap().contains("not a regular file"), "{f}");
}

#[test]
fn a_folder_with_nothing_to_check_does_not_pass() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "keys arrive Tuesday").unwrap();
    let out = fodpack().arg("validate").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no files to check"));
}

#[test]
fn codes_that_mean_not_checked_cannot_be_regraded_or_contradicted() {
    let truncated = "samples/invalid/truncated-export.json";
    for flag in ["--allow", "--warn"] {
        let out = fodpack().args(["validate", flag, "syntax-error", truncated]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag} syntax-error");
        assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be re-graded"));
    }
    let out = fodpack()
        .args(["validate", "--deny", "auth-code-length", "--allow", "auth-code-length"])
        .arg("samples/api")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("contradicts"));
}

#[test]
fn a_partial_redeem_without_key_state_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let body = "{\"authCodes\": [{\"authCode\": \"WW7K3M9Q2XP4R8T5N6B1CZ\", \"keysRedeemQty\": 5, \
                \"lenovoCustomerNumber\": \"4401928375\"}]}";
    let path = write(dir.path(), "redeem.json", body.as_bytes());
    let (code, doc) = validate_json(&[&path]);
    assert_eq!(code, 1);
    assert_eq!(doc["files"][0]["kind"], "put-request");
    assert!(findings(&doc).iter().any(|f| f.0 == "redeem-key-state"), "{doc}");
    let fixed = body.replace(
        "\"4401928375\"}",
        "\"4401928375\", \"licenseKeys\": [{\"customerNumber\": \"4401928375\", \"state\": \"not installed\"}]}",
    );
    let path = write(dir.path(), "fixed.json", fixed.as_bytes());
    let (code, doc) = validate_json(&[&path]);
    assert_eq!((code, findings(&doc).len()), (0, 0), "{doc}");
}
