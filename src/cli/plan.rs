//! `fodpack plan --current EXPORT REQUEST`: the server's answer to a request, predicted offline.

use super::Format;
use anstyle::{AnsiColor, Style};
use anyhow::Context as _;
use clap::Args;
use fodpack::history::plan::{Action, Plan, status_text};
use fodpack::history::{self, place, snapshot};
use fodpack::report::escape;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// The LXCA's current state: a saved GET /authCodes answer (or PUT /authCodes response).
    #[arg(long, value_name = "EXPORT")]
    pub current: PathBuf,

    /// The PUT /authCodes (redeem, retrieve, customer) or PATCH /authCodes body to judge.
    #[arg(value_name = "REQUEST")]
    pub request: PathBuf,

    /// When the answer is 200, write the predicted export after the call to FILE.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Replace the --output file if it exists.
    #[arg(long)]
    pub force: bool,

    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,

    /// Largest JSON file read (e.g. 16MiB).
    #[arg(long, value_parser = super::parse_size, value_name = "SIZE", default_value = "4MiB")]
    pub max_file_size: u64,
}

#[derive(Serialize)]
struct Out<'a> {
    version: u32,
    current: &'a str,
    request: &'a str,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    plan: Option<&'a Plan>,
    inputs: Vec<Input<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output: Option<String>,
}

impl<'a> Out<'a> {
    fn new(
        current: &'a str,
        request: &'a str,
        plan: Option<&'a Plan>,
        inputs: Vec<Input<'a>>,
        output: Option<String>,
    ) -> Self {
        let version = fodpack::report::json::OUTPUT_VERSION;
        Out { version, current, request, plan, inputs, output }
    }
}

/// What `validate` says of one input on its own.
#[derive(Serialize)]
struct Input<'a> {
    path: &'a str,
    kind: fodpack::document::Kind,
    findings: &'a [fodpack::rules::Finding],
}

pub fn run(args: PlanArgs) -> anyhow::Result<u8> {
    let current =
        history::load_limited(&args.current, args.max_file_size).map_err(anyhow::Error::msg)?;
    let request =
        history::load_limited(&args.request, args.max_file_size).map_err(anyhow::Error::msg)?;
    let grading = fodpack::rules::Grading::default();
    let inputs = [current.graded_report(&grading), request.graded_report(&grading)];
    let input_list = || {
        inputs
            .iter()
            .map(|r| Input { path: &r.path, kind: r.kind, findings: &r.findings })
            .collect()
    };
    let is_error = |f: &fodpack::rules::Finding| f.severity == fodpack::rules::Severity::Error;
    // A prediction from an export that breaks the rules (a count of "ten", a code listed
    // twice) would be built on values no reader agrees on, so the fix comes first. A request
    // that breaks them is what the prediction is for: its faults are the reasons for 400.
    if inputs[0].findings.iter().any(is_error) {
        let stdout = anstream::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        match args.format {
            Format::Json => {
                let doc = Out::new(&current.path, &request.path, None, input_list(), None);
                serde_json::to_writer(&mut out, &doc).map_err(std::io::Error::from)?;
                writeln!(out)?;
            }
            Format::Human => {
                for input in &inputs {
                    let errors = input.findings.iter().filter(|f| is_error(f)).cloned().collect();
                    let only_errors =
                        fodpack::validate::FileReport { findings: errors, ..input.clone() };
                    fodpack::report::human::write_file(&mut out, &only_errors, false)?;
                }
            }
        }
        out.flush()?;
        anyhow::bail!(
            "no prediction: the current export {} has the errors above; fix them (`fodpack \
             validate` shows them all) and plan again",
            current.path
        );
    }
    let plan = history::plan::plan(&current, &request).map_err(anyhow::Error::msg)?;
    let mut written = None;
    if let Some(path) = &args.output {
        for input in [&args.current, &args.request] {
            if let (Ok(a), Ok(b)) = (std::fs::canonicalize(path), std::fs::canonicalize(input)) {
                if a == b {
                    anyhow::bail!(
                        "--output {} is one of the inputs; write the prediction to another file",
                        path.display()
                    );
                }
            }
        }
    }
    if let (Some(path), Some(doc)) = (&args.output, &plan.predicted) {
        let text = snapshot::to_pretty(&snapshot::to_json(doc));
        write_new(path, text.as_bytes(), args.force)
            .with_context(|| format!("--output {}", path.display()))?;
        written = Some(path.display().to_string());
    }
    let stdout = anstream::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Json => {
            let doc = Out::new(&current.path, &request.path, Some(&plan), input_list(), written);
            serde_json::to_writer(&mut out, &doc).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        Format::Human => write_human(&mut out, &request.path, &plan, &args, written)?,
    }
    out.flush()?;
    Ok(if plan.status == 200 { 0 } else { 1 })
}

/// Writes a file atomically: a temporary file beside it, renamed into place. An existing file
/// is kept unless `force`.
fn write_new(path: &Path, bytes: &[u8], force: bool) -> anyhow::Result<()> {
    if path.is_dir() {
        anyhow::bail!("it is a folder; give the path of the file to write");
    }
    if !force && path.exists() {
        anyhow::bail!("the file exists; choose another name, or add --force to replace it");
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
    tmp.write_all(bytes)?;
    // Temporary files are private to their owner; the prediction is an ordinary document.
    #[cfg(unix)]
    std::fs::set_permissions(tmp.path(), std::os::unix::fs::PermissionsExt::from_mode(0o644))?;
    tmp.as_file().sync_all()?;
    if force {
        tmp.persist(path).map_err(|e| e.error)?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| e.error)?;
    }
    Ok(())
}

fn write_human(
    w: &mut dyn Write,
    request: &str,
    plan: &Plan,
    args: &PlanArgs,
    written: Option<String>,
) -> std::io::Result<()> {
    let bold = Style::new().bold();
    let colour = if plan.status == 200 { AnsiColor::Green } else { AnsiColor::Red };
    let style = Style::new().bold().fg_color(Some(colour.into()));
    writeln!(
        w,
        "{bold}{} /authCodes{bold:#} with {}: the server would answer {style}{} {}{style:#}",
        plan.method,
        escape(request),
        plan.status,
        status_text(plan.status)
    )?;
    for r in &plan.reasons {
        writeln!(
            w,
            "  {style}{} {}{style:#}: {}",
            r.status,
            r.reason.as_str(),
            escape(&r.message)
        )?;
        let mut at = place(request, &r.location);
        if let Some(p) = r.location.pointer.as_deref().filter(|p| !p.is_empty()) {
            at.push_str(&format!(" at {p}"));
        }
        writeln!(w, "    --> {}", escape(&at))?;
        if let Some(rel) = &r.related {
            let path = rel.path.as_deref().unwrap_or("");
            writeln!(w, "    = the export: {}", escape(&place(path, rel)))?;
        }
    }
    for a in &plan.actions {
        writeln!(w, "  {}", describe(a))?;
    }
    for n in &plan.notes {
        writeln!(w, "  note: {}", escape(n))?;
    }
    match (written, &args.output) {
        (Some(p), _) => writeln!(w, "predicted export written to {}", escape(&p))?,
        (None, Some(p)) => writeln!(
            w,
            "nothing written to {}: there is no state after a refused call",
            escape(&p.display().to_string())
        )?,
        (None, None) => {}
    }
    Ok(())
}

fn describe(a: &Action) -> String {
    match a {
        Action::Redeem { auth_code, quantity, redeemed, remaining } => format!(
            "redeem {quantity} of {}: keysRedeemed {} -> {}, keysRemaining {} -> {}; one new \
             key in state \"not installed\", its ID known only after the call",
            escape(auth_code),
            redeemed.before,
            redeemed.after,
            remaining.before,
            remaining.after
        ),
        Action::Retrieve { auth_code, keys } => {
            format!("retrieve the keys of {} ({keys} listed)", escape(auth_code))
        }
        Action::SetState { auth_code, key, state } => format!(
            "key {} of {}: \"{}\" -> \"{}\"",
            escape(key),
            escape(auth_code),
            escape(&state.before),
            state.after
        ),
        Action::Customer { fields } => {
            format!("set customer information: {}", fields.join(", "))
        }
    }
}
