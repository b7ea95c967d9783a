//! `fodpack pack`: check inputs, then write a deterministic bundle.

use super::verify::{Bar, LimitArgs};
use super::{Format, ReportArgs};
use anyhow::Context as _;
use clap::Args;
use fodpack::bundle::pack::{self, PackOptions};
use fodpack::report::{escape, human, json};
use fodpack::rules::Tally;
use fodpack::validate::Options;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct PackArgs {
    /// Key files, JSON documents, folders of them, and ZIPs of keys.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// The bundle to write; `-` writes it to stdout (never to a terminal).
    #[arg(short, long, value_name = "BUNDLE.zip")]
    pub output: PathBuf,

    /// Pack despite error-level findings (recorded in the manifest) and replace an existing
    /// bundle. Private keys are refused all the same.
    #[arg(long)]
    pub force: bool,

    /// Creation time to record, RFC 3339 (2024-05-01T12:00:00Z). Default: SOURCE_DATE_EPOCH
    /// if set, else none, so that packing the same files twice gives the same bytes.
    #[arg(long, value_name = "TIME")]
    pub created: Option<String>,

    #[command(flatten)]
    pub report: ReportArgs,

    #[command(flatten)]
    pub limits: LimitArgs,

    /// Also list files that have no findings.
    #[arg(long, short)]
    pub verbose: bool,
}

fn created(arg: Option<&str>) -> anyhow::Result<Option<String>> {
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    if let Some(s) = arg {
        let t = chrono::DateTime::parse_from_rfc3339(s)
            .with_context(|| format!("--created {s}: write a time like 2024-05-01T12:00:00Z"))?;
        return Ok(Some(fmt(t.with_timezone(&chrono::Utc))));
    }
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.is_empty() => {
            let secs: i64 = v.trim().parse().with_context(|| {
                format!("SOURCE_DATE_EPOCH={v}: expected whole seconds since 1970")
            })?;
            let t = chrono::DateTime::from_timestamp(secs, 0)
                .with_context(|| format!("SOURCE_DATE_EPOCH={v} is out of range"))?;
            Ok(Some(fmt(t)))
        }
        _ => Ok(None),
    }
}

pub fn run(args: PackArgs) -> anyhow::Result<u8> {
    let to_stdout = args.output.as_os_str() == "-";
    if to_stdout && std::io::stdout().is_terminal() {
        anyhow::bail!(
            "refusing to write a binary bundle to a terminal; use -o BUNDLE.zip or a pipe"
        );
    }
    let mut validate = Options::new();
    validate.grading = args.report.grading()?;
    let limits = args.limits.limits();
    // A raised entry limit is the user saying that larger key files are expected.
    validate.max_key_bytes = validate.max_key_bytes.max(limits.max_entry_size);
    let opts = PackOptions {
        force: args.force,
        created: created(args.created.as_deref())?,
        validate,
        limits,
    };
    let staging = if to_stdout { Some(tempfile::tempdir()?) } else { None };
    let target = match &staging {
        Some(d) => d.path().join("bundle.zip"),
        None => args.output.clone(),
    };
    let bar = Bar::new("packing");
    let outcome = pack::pack(&args.inputs, &target, &opts, &bar)
        .with_context(|| format!("writing {}", args.output.display()))?;
    bar.finish();
    let mut tally = Tally::default();
    for r in &outcome.reports {
        tally.add(&r.findings);
    }
    // With `-o -` the bundle owns stdout, so the report goes to stderr.
    let mut out: Box<dyn Write> = if to_stdout {
        Box::new(anstream::stderr())
    } else {
        Box::new(std::io::BufWriter::new(anstream::stdout()))
    };
    match args.report.format {
        Format::Human => {
            for r in &outcome.reports {
                human::write_file(&mut out, r, args.verbose)?;
            }
            human::write_summary(&mut out, outcome.reports.len(), &tally)?;
            if let Some(why) = &outcome.refused {
                let bad =
                    anstyle::Style::new().bold().fg_color(Some(anstyle::AnsiColor::Red.into()));
                writeln!(out, "{bad}no bundle written{bad:#}: {}", escape(why))?;
            } else if let Some(sha) = &outcome.sha256 {
                let count = fodpack::report::human::count;
                writeln!(
                    out,
                    "packed {} and {} into {}\nbundle SHA-256: {sha}",
                    count(outcome.keys, "key", "keys"),
                    count(outcome.exports, "JSON document", "JSON documents"),
                    escape(&args.output.to_string_lossy())
                )?;
            }
        }
        Format::Json => {
            let mut buf = Vec::new();
            let mut writer = json::StreamWriter::start(&mut buf)?;
            for r in &outcome.reports {
                writer.file(r)?;
            }
            writer.finish(&tally)?;
            let mut v: serde_json::Value = serde_json::from_slice(&buf)?;
            v["bundle"] = serde_json::json!({
                "path": args.output.display().to_string(),
                "written": outcome.written,
                "refused": outcome.refused,
                "sha256": outcome.sha256,
                "keys": outcome.keys,
                "exports": outcome.exports,
            });
            serde_json::to_writer(&mut out, &v)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    if to_stdout && outcome.written {
        let mut f = std::fs::File::open(&target)?;
        let mut stdout = std::io::stdout().lock();
        std::io::copy(&mut f, &mut stdout)?;
        stdout.flush()?;
    }
    if outcome.reports.iter().any(|r| {
        r.findings.iter().any(|f| {
            matches!(
                f.code,
                fodpack::rules::Code::UnreadableFile | fodpack::rules::Code::FileTooLarge
            )
        })
    }) || outcome.could_not_run
    {
        return Ok(2);
    }
    Ok(if outcome.written && outcome.refused.is_none() { 0 } else { 1 })
}
