//! `fodpack unpack`: verify, then extract safely and atomically.

use super::Format;
use super::verify::{Bar, LimitArgs, scan_json, write_human};
use clap::Args;
use fodpack::bundle::unpack::{self, UnpackOptions};
use fodpack::report::escape;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct UnpackArgs {
    /// The bundle, or a ZIP of keys from the LXCA, the FoD portal or elsewhere.
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,

    /// The folder to create.
    #[arg(short = 'd', long = "dest", value_name = "DEST")]
    pub dest: PathBuf,

    /// Write only the key files, flat, into DEST.
    #[arg(long)]
    pub keys_only: bool,

    /// Replace DEST if it exists and is not empty.
    #[arg(long)]
    pub force: bool,

    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,

    #[command(flatten)]
    pub limits: LimitArgs,
}

pub fn run(args: UnpackArgs) -> anyhow::Result<u8> {
    let opts = UnpackOptions {
        keys_only: args.keys_only,
        force: args.force,
        limits: args.limits.limits(),
    };
    // A destination that cannot be used is said of the destination, not of the bundle.
    unpack::check_destination(&args.dest, args.force).map_err(anyhow::Error::msg)?;
    let bar = Bar::new("unpacking");
    let outcome = unpack::unpack(&args.bundle, &args.dest, &opts, &bar).map_err(|e| {
        anyhow::anyhow!("{}: {}", args.bundle.display(), fodpack::validate::describe_io(&e))
    })?;
    bar.finish();
    let ok = outcome.done;
    let stdout = anstream::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Json => {
            let mut v = scan_json(&args.bundle, &outcome.scan, ok);
            v["destination"] = args.dest.display().to_string().into();
            v["written"] = outcome.written.into();
            serde_json::to_writer(&mut out, &v)?;
            writeln!(out)?;
        }
        Format::Human => {
            write_human(&mut out, &args.bundle, &outcome.scan, ok)?;
            let dest = escape(&args.dest.to_string_lossy()).into_owned();
            if ok {
                let files = fodpack::report::human::count(outcome.written.len(), "file", "files");
                writeln!(out, "unpacked {files} into {dest}")?;
            } else {
                writeln!(out, "nothing was written; {dest} is as it was")?;
            }
        }
    }
    out.flush()?;
    Ok(if ok { 0 } else { 1 })
}
