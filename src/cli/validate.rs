//! `fodpack validate`: files and folders in, findings out.

use super::{Format, ReportArgs, parse_kind, parse_size};
use anyhow::Context as _;
use clap::Args;
use fodpack::document::Kind;
use fodpack::history::crossfile::CrossFile;
use fodpack::keyfile;
use fodpack::report::{human, json};
use fodpack::rules::{Code, Tally};
use fodpack::validate::{self, FileReport, Options};
use rayon::prelude::*;
use std::io::Write;
use std::path::PathBuf;

/// Files checked at once. Reports are printed in input order, a batch at a time, so memory
/// holds one batch of reports however many files there are.
const BATCH: usize = 256;

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Files and folders to check; folders are searched recursively for *.json and *.key.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub report: ReportArgs,

    /// Read every JSON file as this kind instead of recognising it: export, put-request,
    /// put-response, patch-request, post-request, license-countries.
    #[arg(long, value_parser = parse_kind, value_name = "KIND")]
    pub kind: Option<Kind>,

    /// A saved GET /licenseCountries answer to check country and language codes against.
    #[arg(long, value_name = "FILE")]
    pub countries: Option<PathBuf>,

    /// Largest JSON file read (e.g. 64MiB); larger files are reported, not read.
    #[arg(long, value_parser = parse_size, value_name = "SIZE", default_value = "4MiB")]
    pub max_file_size: u64,

    /// Skip the checks across files (codes described by several files, key IDs under two
    /// codes, duplicate key files). They remember about 16 bytes per distinct code and key, so
    /// archives of millions of codes may want them off.
    #[arg(long)]
    pub no_cross_file: bool,

    /// Also list files that have no findings.
    #[arg(long, short)]
    pub verbose: bool,
}

pub fn run(args: ValidateArgs) -> anyhow::Result<u8> {
    let mut opts = Options::new();
    opts.grading = args.report.grading()?;
    opts.kind = args.kind;
    opts.max_json_bytes = args.max_file_size;
    if let Some(path) = &args.countries {
        opts.context.countries = Some(
            validate::read_countries(path)
                .map_err(anyhow::Error::msg)
                .context("--countries: the file must be a saved GET /licenseCountries answer")?,
        );
    }
    let inputs = validate::discover(&args.paths);
    if inputs.is_empty() {
        anyhow::bail!(
            "no files to check: the folders given hold no *.json or *.key files (name other \
             files directly to check them)"
        );
    }
    let mut tally = Tally::default();
    let mut memory = Memory { enabled: !args.no_cross_file, ..Memory::default() };
    let stdout = anstream::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.report.format {
        Format::Human => {
            for batch in inputs.chunks(BATCH) {
                for report in check_batch(batch, &opts, &mut memory) {
                    tally.add(&report.findings);
                    human::write_file(&mut out, &report, args.verbose)?;
                }
            }
            for report in cross_file(memory, &opts) {
                tally.add(&report.findings);
                human::write_file(&mut out, &report, false)?;
            }
            human::write_summary(&mut out, inputs.len(), &tally)?;
        }
        Format::Json => {
            let mut writer = json::StreamWriter::start(out)?;
            for batch in inputs.chunks(BATCH) {
                for report in check_batch(batch, &opts, &mut memory) {
                    tally.add(&report.findings);
                    writer.file(&report)?;
                }
            }
            for report in cross_file(memory, &opts) {
                tally.add(&report.findings);
                writer.more_findings(&report)?;
            }
            out = writer.finish(&tally)?;
        }
    }
    out.flush()?;
    Ok(tally.exit_code())
}

/// What the checks across files remember: a compact summary of every snapshot, and the hash
/// and name of every key file.
#[derive(Default)]
struct Memory {
    enabled: bool,
    cross: CrossFile,
    keys: Vec<keyfile::Seen>,
}

/// Checks a batch in parallel; the summaries go to the cross-file memory in input order.
fn check_batch(batch: &[validate::Input], opts: &Options, memory: &mut Memory) -> Vec<FileReport> {
    // Large documents are checked after the others, on this thread alone: the allocator keeps
    // memory per thread, so checking them on whichever thread is free would hold the peak of
    // each thread at once.
    let large = |input: &validate::Input| validate::is_large_document(input.path());
    let mut checked: Vec<_> = batch
        .par_iter()
        .map(|input| (!large(input)).then(|| validate::check_input_summarised(input, opts)))
        .collect();
    for (slot, input) in checked.iter_mut().zip(batch) {
        if slot.is_none() {
            *slot = Some(validate::check_input_summarised(input, opts));
        }
    }
    let checked = checked.into_iter().flatten();
    if !memory.enabled {
        return checked.map(|(report, _)| report).collect();
    }
    // Key files are small; reading a readable one again for its hash costs little.
    let hashes: Vec<Option<String>> = batch
        .par_iter()
        .map(|input| match input {
            validate::Input::File(p) if validate::is_key_path(p) => {
                validate::read_limited(p, opts.max_key_bytes)
                    .ok()
                    .flatten()
                    .map(|b| keyfile::sha256_hex(&b))
            }
            _ => None,
        })
        .collect();
    let mut reports = Vec::with_capacity(batch.len());
    for ((input, (report, summary)), sha256) in batch.iter().zip(checked).zip(hashes) {
        if let Some(summary) = summary {
            memory.cross.add(input.path(), report.kind, &summary);
        }
        let skipped = report.findings.iter().any(|f| f.code == Code::AppleDouble);
        if let (Some(sha256), false) = (sha256, skipped) {
            let file_name = input.path().file_name().map(|n| n.to_string_lossy().into_owned());
            let display = report.path.clone();
            memory.keys.push(keyfile::Seen {
                display,
                file_name: file_name.unwrap_or_default(),
                sha256,
            });
        }
        reports.push(report);
    }
    reports
}

/// The findings that relate files, graded, one report per file they point at.
fn cross_file(memory: Memory, opts: &Options) -> Vec<FileReport> {
    let mut reports: Vec<FileReport> = Vec::new();
    let keys = keyfile::check_set(&memory.keys).into_iter().map(|(i, finding)| {
        (memory.keys.get(i).map(|k| k.display.clone()).unwrap_or_default(), Kind::Key, finding)
    });
    for (path, kind, finding) in memory.cross.finish().into_iter().chain(keys) {
        let Some(finding) = opts.grading.apply(finding) else { continue };
        match reports.last_mut() {
            Some(last) if last.path == path => last.findings.push(finding),
            _ => reports.push(FileReport { path, kind, findings: vec![finding] }),
        }
    }
    reports
}
