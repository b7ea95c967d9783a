//! `fodpack inspect`: what one file is and what is in it.

use super::Format;
use super::verify::LimitArgs;
use anyhow::Context as _;
use clap::Args;
use fodpack::bundle::{NoProgress, scan};
use fodpack::keyfile;
use fodpack::report::{escape, human};
use fodpack::validate::{self, Options};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// A key file, a JSON document, a bundle or a ZIP.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,

    #[command(flatten)]
    pub limits: LimitArgs,
}

pub fn run(args: InspectArgs) -> anyhow::Result<u8> {
    let path = &args.file;
    let shown = path.display().to_string();
    let mut head = [0u8; 4];
    // Opening a FIFO would wait for a writer forever.
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => anyhow::bail!("{shown}: it is a folder; give the path of a file"),
        Ok(m) if !m.is_file() => anyhow::bail!(
            "{shown}: not a regular file (a FIFO, socket or device); give the path of a saved file"
        ),
        Ok(_) => {}
        Err(e) => anyhow::bail!("{shown}: {}", validate::describe_io(&e)),
    }
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| anyhow::anyhow!("{shown}: {}", validate::describe_io(&e)))?;
    let stdout = anstream::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let is_zip = n == 4 && (head == *b"PK\x03\x04" || head == *b"PK\x05\x06");
    let code = if is_zip {
        let s = scan::scan_with_keys(path, &args.limits.limits(), &NoProgress)
            .with_context(|| format!("reading {shown}"))?;
        let private: Vec<&str> = s
            .findings
            .iter()
            .filter(|f| f.code == fodpack::rules::Code::KeyPrivateKey)
            .filter_map(|f| f.location.entry.as_deref())
            .collect();
        let entries: Vec<serde_json::Value> = s
            .entries
            .iter()
            .map(|e| {
                serde_json::json!({
                    "name": e.display,
                    "size": e.central.size,
                    "compressedSize": e.central.compressed_size,
                    "method": e.central.method,
                    // Nothing derived from a private key's bytes is shown, not even a hash.
                    "sha256": e.sha256.filter(|_| !private.contains(&e.display.as_str())).map(|h| keyfile::hex(&h)),
                })
            })
            .collect();
        match args.format {
            Format::Json => {
                let v = serde_json::json!({
                    "version": fodpack::report::json::OUTPUT_VERSION,
                    "path": shown,
                    "kind": if s.is_bundle { "bundle" } else { "zip" },
                    "sha256": s.sha256,
                    "entries": entries,
                    "manifest": s.manifest,
                    "findings": s.findings,
                });
                serde_json::to_writer(&mut out, &v)?;
                writeln!(out)?;
            }
            Format::Human => {
                let what = if s.is_bundle {
                    "fodpack bundle"
                } else {
                    "ZIP without a fodpack manifest: contents cannot be proven"
                };
                writeln!(
                    out,
                    "{}: {what}, {}, {} bytes\nSHA-256: {}",
                    escape(&shown),
                    fodpack::report::human::count(s.entries.len(), "entry", "entries"),
                    s.size,
                    s.sha256
                )?;
                if let Some(m) = &s.manifest {
                    writeln!(
                        out,
                        "format {} version {}, written by {}; {} keys, {} JSON documents{}",
                        m.format,
                        m.format_version,
                        escape(&m.tool),
                        m.summary.keys,
                        m.summary.exports,
                        m.created
                            .as_ref()
                            .map(|c| format!(", created {}", escape(c)))
                            .unwrap_or_default()
                    )?;
                    if !m.summary.auth_codes.is_empty() {
                        writeln!(
                            out,
                            "authorization codes: {}",
                            escape(&m.summary.auth_codes.join(", "))
                        )?;
                    }
                }
                writeln!(out, "  {:>10}  {:>10}  {:<16}  name", "size", "compressed", "sha256")?;
                for e in &s.entries {
                    let sha = e
                        .sha256
                        .filter(|_| !private.contains(&e.display.as_str()))
                        .map(|h| keyfile::hex(&h))
                        .unwrap_or_else(|| "-".into());
                    writeln!(
                        out,
                        "  {:>10}  {:>10}  {}  {}",
                        e.central.size,
                        e.central.compressed_size,
                        &sha[..sha.len().min(16)],
                        escape(&e.display)
                    )?;
                }
                let report = validate::FileReport {
                    path: shown.clone(),
                    kind: fodpack::document::Kind::Unknown,
                    findings: s.findings.clone(),
                };
                human::write_file(&mut out, &report, false)?;
            }
        }
        u8::from(s.failed())
    } else if let Some(bytes) = private_key(path, &shown)? {
        write_private_key(&mut out, &shown, &bytes, args.format)?
    } else if validate::is_key_path(path) {
        let bytes = validate::read_limited(path, fodpack::KEY_FILE_READ_LIMIT)
            .map_err(|e| anyhow::anyhow!("{shown}: {}", validate::describe_io(&e)))?
            .with_context(|| format!("{shown}: larger than 1 MiB, which no key file is"))?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let facts = keyfile::facts(&name, &bytes);
        let findings = keyfile::check(&name, &bytes, None);
        match args.format {
            Format::Json => {
                let v = serde_json::json!({
                    "version": fodpack::report::json::OUTPUT_VERSION,
                    "path": shown, "kind": "key", "key": facts, "findings": findings,
                });
                serde_json::to_writer(&mut out, &v)?;
                writeln!(out)?;
            }
            Format::Human => {
                writeln!(
                    out,
                    "{}: key file, {} bytes, {}\nSHA-256: {}",
                    escape(&shown),
                    facts.size,
                    facts.class.describe(),
                    facts.sha256.as_deref().unwrap_or("-")
                )?;
                if let Some(n) = &facts.name {
                    writeln!(
                        out,
                        "name: prefix {}, feature type 0x{}, machine type {}, serial {}",
                        escape(&n.prefix),
                        n.feature_type,
                        escape(&n.machine_type),
                        escape(&n.serial)
                    )?;
                    writeln!(
                        out,
                        "  (a server controller answers 310 for a key of another model, 311 for another serial)"
                    )?;
                }
                for s in &facts.strings {
                    writeln!(out, "  \"{}\"", escape(s))?;
                }
                let report = validate::FileReport {
                    path: shown.clone(),
                    kind: fodpack::document::Kind::Key,
                    findings: findings.clone(),
                };
                human::write_file(&mut out, &report, false)?;
            }
        }
        u8::from(findings.iter().any(|f| f.severity == fodpack::rules::Severity::Error))
    } else {
        let report = validate::check_file(path, &Options::new());
        let mut tally = fodpack::rules::Tally::default();
        tally.add(&report.findings);
        match args.format {
            Format::Json => {
                let v = serde_json::json!({
                    "version": fodpack::report::json::OUTPUT_VERSION,
                    "path": shown, "kind": report.kind, "findings": report.findings,
                });
                serde_json::to_writer(&mut out, &v)?;
                writeln!(out)?;
            }
            Format::Human => {
                writeln!(out, "{}: {}", escape(&shown), report.kind)?;
                human::write_file(&mut out, &report, false)?;
                human::write_summary(&mut out, 1, &tally)?;
            }
        }
        tally.exit_code()
    };
    out.flush()?;
    Ok(code)
}

/// The bytes of a file that holds private key material, whatever its name; `None` for any
/// other file, or one that cannot be read here (the other checks then say why).
fn private_key(path: &Path, shown: &str) -> anyhow::Result<Option<Vec<u8>>> {
    let bytes = if validate::is_key_path(path) {
        validate::read_limited(path, fodpack::KEY_FILE_READ_LIMIT)
            .map_err(|e| anyhow::anyhow!("{shown}: {}", validate::describe_io(&e)))?
            .with_context(|| format!("{shown}: larger than 1 MiB, which no key file is"))?
    } else {
        match validate::read_limited(path, Options::new().max_json_bytes) {
            Ok(Some(bytes)) => bytes,
            _ => return Ok(None),
        }
    };
    Ok(keyfile::is_private_key(&bytes).then_some(bytes))
}

/// Says what a private key is and that it must not be carried, and nothing of its content.
fn write_private_key(
    out: &mut impl Write,
    shown: &str,
    bytes: &[u8],
    format: Format,
) -> anyhow::Result<u8> {
    let name = Path::new(shown).file_name().map(|n| n.to_string_lossy().into_owned());
    let name = name.unwrap_or_default();
    let facts = keyfile::facts(&name, bytes);
    let findings = keyfile::check(&name, bytes, None);
    match format {
        Format::Json => {
            let v = serde_json::json!({
                "version": fodpack::report::json::OUTPUT_VERSION,
                "path": shown, "kind": "private-key", "key": facts, "findings": findings,
            });
            serde_json::to_writer(&mut *out, &v)?;
            writeln!(out)?;
        }
        Format::Human => {
            writeln!(
                out,
                "{}: {}, {} bytes; private key material, so its content is not shown",
                escape(shown),
                facts.class.describe(),
                facts.size
            )?;
            let report = validate::FileReport {
                path: shown.to_string(),
                kind: fodpack::document::Kind::Key,
                findings,
            };
            human::write_file(out, &report, false)?;
        }
    }
    Ok(1)
}
