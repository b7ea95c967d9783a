//! `fodpack diff OLD NEW`: what changed between two exports, judged by the transition model.

use super::{Format, ReportArgs};
use anstyle::{AnsiColor, Style};
use clap::Args;
use fodpack::history::{self, diff::Diff, diff::Outcome};
use fodpack::report::{escape, human};
use fodpack::rules::{Finding, Tally};
use fodpack::validate::FileReport;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The older export (a saved GET /authCodes answer, or a PUT /authCodes response).
    #[arg(value_name = "OLD")]
    pub old: PathBuf,

    /// The newer export.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,

    #[command(flatten)]
    pub report: ReportArgs,

    /// Largest JSON file read (e.g. 16MiB).
    #[arg(long, value_parser = super::parse_size, value_name = "SIZE", default_value = "4MiB")]
    pub max_file_size: u64,
}

#[derive(Serialize)]
struct Out<'a> {
    version: u32,
    old: &'a str,
    new: &'a str,
    #[serde(flatten)]
    diff: &'a Diff,
    inputs: Vec<Input<'a>>,
    findings: &'a [Finding],
    summary: Summary,
}

/// What `validate` says of one input on its own.
#[derive(Serialize)]
struct Input<'a> {
    path: &'a str,
    kind: fodpack::document::Kind,
    findings: &'a [Finding],
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    notes: usize,
}

pub fn run(args: DiffArgs) -> anyhow::Result<u8> {
    let grading = args.report.grading()?;
    let old = history::load_limited(&args.old, args.max_file_size).map_err(anyhow::Error::msg)?;
    let new = history::load_limited(&args.new, args.max_file_size).map_err(anyhow::Error::msg)?;
    let mut diff = history::diff::diff(&old, &new).map_err(anyhow::Error::msg)?;
    let findings = grading.apply_all(std::mem::take(&mut diff.findings));
    // Each file is checked on its own too: a comparison of files that break the rules (a
    // duplicate field, a count of "ten") would judge values that no reader agrees on.
    let inputs = [old.graded_report(&grading), new.graded_report(&grading)];
    let mut tally = Tally::default();
    tally.add(&findings);
    for input in &inputs {
        tally.add(&input.findings);
    }
    let stdout = anstream::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.report.format {
        Format::Json => {
            let doc = Out {
                version: fodpack::report::json::OUTPUT_VERSION,
                old: &old.path,
                new: &new.path,
                diff: &diff,
                inputs: inputs
                    .iter()
                    .map(|r| Input { path: &r.path, kind: r.kind, findings: &r.findings })
                    .collect(),
                findings: &findings,
                summary: Summary {
                    errors: tally.errors,
                    warnings: tally.warnings,
                    notes: tally.notes,
                },
            };
            serde_json::to_writer(&mut out, &doc).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        Format::Human => {
            write_changes(&mut out, &old.path, &new.path, &diff)?;
            for input in &inputs {
                human::write_file(&mut out, input, false)?;
            }
            let report = FileReport { path: new.path.clone(), kind: new.kind, findings };
            human::write_file(&mut out, &report, false)?;
            write_verdict(&mut out, &tally)?;
        }
    }
    out.flush()?;
    Ok(tally.exit_code())
}

fn count(v: Option<i64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

fn write_changes(w: &mut dyn Write, old: &str, new: &str, d: &Diff) -> std::io::Result<()> {
    let bold = Style::new().bold();
    writeln!(w, "{bold}diff{bold:#} {} -> {}", escape(old), escape(new))?;
    if d.outcome == Outcome::Identical {
        let why = if d.same_text {
            "the files hold the same text"
        } else {
            "the files differ only outside the codes (layout, customer information)"
        };
        let green = Style::new().bold().fg_color(Some(AnsiColor::Green.into()));
        writeln!(w, "{green}identical:{green:#} no code or key differs; {why}\n")?;
        return Ok(());
    }
    for c in &d.codes {
        let status = if d.codes_added.contains(&c.auth_code) {
            "added"
        } else if d.codes_removed.contains(&c.auth_code) {
            "removed"
        } else {
            "changed"
        };
        writeln!(w, "{bold}{status}{bold:#} {}", escape(&c.auth_code))?;
        let counts = [("keysRedeemed", &c.redeemed), ("keysRemaining", &c.remaining)];
        for (name, ch) in counts {
            if ch.before != ch.after {
                writeln!(w, "  {name}: {} -> {}", count(ch.before), count(ch.after))?;
            } else {
                writeln!(w, "  {name}: {} (unchanged)", count(ch.after))?;
            }
        }
        for k in &c.keys_added {
            writeln!(w, "  key added: {}", shown_key(k))?;
        }
        for k in &c.keys_removed {
            writeln!(w, "  key removed: {}", shown_key(k))?;
        }
        for s in &c.state_changes {
            writeln!(
                w,
                "  key {}: \"{}\" -> \"{}\"",
                escape(&s.key),
                escape(&s.before),
                escape(&s.after)
            )?;
        }
        for a in &c.attributes_changed {
            let v = |v: &Option<String>| {
                v.as_deref().map_or_else(|| "(none)".to_string(), |s| format!("\"{}\"", escape(s)))
            };
            writeln!(w, "  {}: {} -> {}", a.name, v(&a.before), v(&a.after))?;
        }
    }
    writeln!(w)
}

fn shown_key(id: &str) -> String {
    if id.is_empty() { "(no ID)".to_string() } else { escape(id).into_owned() }
}

fn write_verdict(w: &mut dyn Write, tally: &Tally) -> std::io::Result<()> {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let (style, word) = if tally.errors > 0 {
        (Style::new().bold().fg_color(Some(AnsiColor::Red.into())), "failed")
    } else {
        (Style::new().bold().fg_color(Some(AnsiColor::Green.into())), "passed")
    };
    writeln!(
        w,
        "{style}{word}{style:#}: {}, {}, {}",
        plural(tally.errors, "error"),
        plural(tally.warnings, "warning"),
        plural(tally.notes, "note")
    )
}
