//! Argument definitions, and one file per command.

mod diff;
mod inspect;
mod pack;
mod plan;
mod request;
mod unpack;
mod validate;
mod verify;

use clap::{Args, Parser, Subcommand, ValueEnum};
use fodpack::document::Kind;
use fodpack::rules::{Code, Grade, Grading, RULES, Severity, nearest};

/// Check LXCA Features on Demand authCodes documents and license-activation keys, offline.
///
/// Exit codes: 0 no error-level findings; 1 error-level findings (or a bundle that fails
/// verification); 2 fodpack could not do its job (bad arguments, unreadable input).
#[derive(Parser, Debug)]
#[command(name = "fodpack", version, about, long_about, max_term_width = 100)]
pub struct Cli {
    /// When to colour output: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value = "auto")]
    pub color: ColorWhen,

    #[command(subcommand)]
    pub command: Command,
}

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl ColorWhen {
    /// Makes the choice for every stream of this process.
    pub fn write_global(self) {
        let choice = match self {
            ColorWhen::Auto => anstream::ColorChoice::Auto,
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
        };
        choice.write_global();
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Read files and folders (recursively), say what each is, report every finding.
    Validate(validate::ValidateArgs),
    /// Check key files and JSON documents, then write a deterministic, verifiable bundle.
    Pack(pack::PackArgs),
    /// Prove a bundle intact without extracting it.
    Verify(verify::VerifyArgs),
    /// Verify a bundle or ZIP of keys, then extract it safely and atomically.
    Unpack(unpack::UnpackArgs),
    /// Describe one file: a key, a JSON document, a bundle or a ZIP.
    Inspect(inspect::InspectArgs),
    /// Compare two exports: codes and keys added, removed and changed; impossible transitions.
    Diff(diff::DiffArgs),
    /// Predict offline what a PUT or PATCH /authCodes request would do: 200, 400 or 409, with
    /// reasons, and the export after it.
    Plan(plan::PlanArgs),
    /// Write a request body for a connected LXCA: redeem, retrieve, customer, install, download.
    Request(request::RequestArgs),
}

/// Runs a command; `Ok` carries the exit code.
pub fn run(command: Command) -> anyhow::Result<u8> {
    match command {
        Command::Validate(args) => validate::run(args),
        Command::Pack(args) => pack::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Unpack(args) => unpack::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Request(args) => request::run(args),
    }
}

/// Whether an error is a closed pipe on stdout (`fodpack ... | head`), which is not a failure.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Output format of commands that report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Text for people, with source lines and colour on a terminal.
    Human,
    /// One JSON document on stdout; see docs/output.md.
    Json,
}

/// Options shared by every command that reports findings.
#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,

    /// Treat lenient readings (trailing commas, numbers as strings, ...) as errors.
    #[arg(long)]
    pub strict: bool,

    /// Report findings with this code as errors (repeatable).
    #[arg(long, value_name = "CODE")]
    pub deny: Vec<String>,

    /// Report findings with this code as warnings (repeatable).
    #[arg(long, value_name = "CODE")]
    pub warn: Vec<String>,

    /// Do not report findings with this code (repeatable).
    #[arg(long, value_name = "CODE")]
    pub allow: Vec<String>,
}

impl ReportArgs {
    /// Builds the grading, refusing unknown codes with a suggestion.
    pub fn grading(&self) -> anyhow::Result<Grading> {
        let mut grading = Grading::new(self.strict);
        let names: Vec<&str> = RULES.iter().map(|r| r.code.as_str()).collect();
        let mut seen: Vec<(Code, &str)> = Vec::new();
        let groups = [
            ("--deny", &self.deny, Grade::Set(Severity::Error)),
            ("--warn", &self.warn, Grade::Set(Severity::Warning)),
            ("--allow", &self.allow, Grade::Allow),
        ];
        for (flag, list, grade) in groups {
            for name in list.iter().flat_map(|s| s.split(',')).map(str::trim) {
                let Some(code) = Code::from_name(name) else {
                    let hint = nearest(name, &names)
                        .map(|s| format!("; did you mean {s}?"))
                        .unwrap_or_else(|| "; docs/rules.md lists every code".to_string());
                    anyhow::bail!("{flag} {name}: no such finding code{hint}");
                };
                if !code.is_regradable() {
                    anyhow::bail!(
                        "{flag} {name}: this code cannot be re-graded; a file with it was not (or \
                         could not be) checked, so it must not pass"
                    );
                }
                if let Some((_, other)) = seen.iter().find(|(c, f)| *c == code && *f != flag) {
                    anyhow::bail!("{flag} {name} contradicts {other} {name}: name a code once");
                }
                seen.push((code, flag));
                grading.set(code, grade);
            }
        }
        Ok(grading)
    }
}

/// Parses `--kind`.
pub fn parse_kind(s: &str) -> Result<Kind, String> {
    Kind::JSON_KINDS.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
        let names: Vec<&str> = Kind::JSON_KINDS.iter().map(|k| k.as_str()).collect();
        format!("expected one of {}", names.join(", "))
    })
}

/// Parses a size such as `16MiB`, `512KiB`, `1GiB` or a number of bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("{s:?} is not a size; write e.g. 64MiB"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(format!("{s:?}: unknown unit; use KiB, MiB or GiB")),
    };
    n.checked_mul(mult).ok_or_else(|| format!("{s:?} is too large"))
}
