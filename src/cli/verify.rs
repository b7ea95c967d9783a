//! `fodpack verify`: prove a bundle intact without extracting it.

use super::{Format, parse_size};
use clap::Args;
use fodpack::bundle::scan::{self, Scan};
use fodpack::bundle::{Limits, Progress};
use fodpack::document::Kind;
use fodpack::report::{escape, human};
use fodpack::validate::FileReport;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The bundle to verify.
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,

    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Limits on archives; raise them for unusual bundles.
#[derive(Args, Debug, Clone)]
pub struct LimitArgs {
    /// Most entries read from one archive.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_entries)]
    pub max_entries: usize,
    /// Largest entry, uncompressed (e.g. 64MiB).
    #[arg(long, value_parser = parse_size, value_name = "SIZE", default_value = "16MiB")]
    pub max_entry_size: u64,
    /// Largest total of all entries, uncompressed.
    #[arg(long, value_parser = parse_size, value_name = "SIZE", default_value = "1GiB")]
    pub max_total_size: u64,
    /// Highest compression ratio of an entry larger than 1 MiB, and of all entries together
    /// when they add up to more than 16 MiB.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_ratio)]
    pub max_ratio: u64,
}

impl LimitArgs {
    /// The limits these flags give.
    pub fn limits(&self) -> Limits {
        Limits {
            max_entries: self.max_entries,
            max_entry_size: self.max_entry_size,
            max_total_size: self.max_total_size,
            max_ratio: self.max_ratio,
            ..Limits::default()
        }
    }
}

/// A progress bar on stderr when it is a terminal; nothing otherwise.
pub struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    /// A bar for work described by `what`.
    pub fn new(what: &'static str) -> Self {
        if !std::io::stderr().is_terminal() {
            return Bar(None);
        }
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {eta}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what);
        Bar(Some(bar))
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn start(&self, total: u64) {
        if let Some(b) = &self.0 {
            b.set_length(total);
            b.set_position(0);
        }
    }
    fn advance(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }
}

pub fn run(args: VerifyArgs) -> anyhow::Result<u8> {
    let bar = Bar::new("verifying");
    let scan = scan::scan_with_keys(&args.bundle, &args.limits.limits(), &bar).map_err(|e| {
        anyhow::anyhow!("{}: {}", args.bundle.display(), fodpack::validate::describe_io(&e))
    })?;
    bar.finish();
    let mut scan = scan;
    if !scan.is_bundle && !scan.failed() {
        scan.findings.push(fodpack::rules::Finding::new(
            fodpack::rules::Code::BundleMissingEntry,
            "no manifest.json: this is a plain ZIP, not a fodpack bundle, so there is nothing \
             to verify against; use fodpack inspect to list it, or fodpack unpack to extract it",
            fodpack::rules::Location::entry("manifest.json"),
        ));
    }
    let ok = !scan.failed();
    let stdout = anstream::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Json => {
            serde_json::to_writer(&mut out, &scan_json(&args.bundle, &scan, ok))?;
            writeln!(out)?;
        }
        Format::Human => write_human(&mut out, &args.bundle, &scan, ok)?,
    }
    out.flush()?;
    Ok(if ok { 0 } else { 1 })
}

/// The JSON shape shared by verify and unpack.
pub fn scan_json(path: &Path, scan: &Scan, verified: bool) -> serde_json::Value {
    serde_json::json!({
        "version": fodpack::report::json::OUTPUT_VERSION,
        "bundle": path.display().to_string(),
        "verified": verified,
        "isBundle": scan.is_bundle,
        "sha256": scan.sha256,
        "size": scan.size,
        "entries": scan.entries.len(),
        "hashesMatched": scan.hashes_matched,
        "findings": scan.findings,
    })
}

/// Findings, then the verdict with its proof.
pub fn write_human(out: &mut dyn Write, path: &Path, scan: &Scan, ok: bool) -> std::io::Result<()> {
    let shown = path.display().to_string();
    let report =
        FileReport { path: shown.clone(), kind: Kind::Unknown, findings: scan.findings.clone() };
    human::write_file(out, &report, false)?;
    let shown = escape(&shown);
    if ok {
        let good = anstyle::Style::new().bold().fg_color(Some(anstyle::AnsiColor::Green.into()));
        if scan.is_bundle {
            writeln!(
                out,
                "{good}verified{good:#}: {shown}: {}, {} of {} hashes matched manifest.json and SHA256SUMS",
                fodpack::report::human::count(scan.entries.len(), "entry", "entries"),
                scan.hashes_matched,
                scan.files().count().saturating_sub(1)
            )?;
        } else {
            writeln!(
                out,
                "{good}checked{good:#}: {shown}: {} safe to extract (contents unproven: no manifest)",
                fodpack::report::human::count(scan.entries.len(), "entry", "entries")
            )?;
        }
        writeln!(out, "bundle SHA-256: {}", scan.sha256)
    } else {
        let bad = anstyle::Style::new().bold().fg_color(Some(anstyle::AnsiColor::Red.into()));
        let first = scan.findings.iter().find(|f| f.severity == fodpack::rules::Severity::Error);
        let place = first
            .map(|f| match &f.location.entry {
                Some(e) => format!("; first: entry {} failed {}", escape(e), f.code),
                None => format!("; first: {}", f.code),
            })
            .unwrap_or_default();
        writeln!(out, "{bad}verification failed{bad:#}: {shown}{place}")?;
        writeln!(out, "bundle SHA-256: {}", scan.sha256)
    }
}
