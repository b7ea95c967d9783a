//! The `fodpack` command: parse arguments, call the library, render, exit.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = <cli::Cli as clap::Parser>::parse();
    cli.color.write_global();
    match cli::run(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(e) if cli::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let mut err = anstream::stderr();
            let style = anstyle::Style::new().bold().fg_color(Some(anstyle::AnsiColor::Red.into()));
            // The message may quote a file's contents; keep its bytes off the terminal.
            let message = format!("{e:#}");
            let message: Vec<_> = message.lines().map(fodpack::report::escape).collect();
            let message = message.join("\n  ");
            let _ = std::io::Write::write_fmt(
                &mut err,
                format_args!("{style}fodpack: error:{style:#} {message}\n"),
            );
            ExitCode::from(2)
        }
    }
}
