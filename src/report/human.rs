//! Findings as text: one block per finding, with the source line and a marker under the spot.

use super::escape;
use crate::rules::{Finding, Severity, Tally};
use crate::validate::FileReport;
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

fn severity_style(s: Severity) -> Style {
    let color = match s {
        Severity::Error => AnsiColor::Red,
        Severity::Warning => AnsiColor::Yellow,
        Severity::Note => AnsiColor::Cyan,
    };
    Style::new().bold().fg_color(Some(color.into()))
}

/// A count with its noun: `1 entry`, `2 entries`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Writes one file's findings. Files without findings write nothing unless `verbose`.
pub fn write_file(w: &mut dyn Write, report: &FileReport, verbose: bool) -> io::Result<()> {
    let path = escape(&report.path);
    if report.findings.is_empty() {
        if verbose {
            writeln!(w, "{BOLD}ok{BOLD:#} {path} ({})", report.kind)?;
        }
        return Ok(());
    }
    for f in &report.findings {
        write_finding(w, &path, f)?;
    }
    Ok(())
}

fn write_finding(w: &mut dyn Write, path: &str, f: &Finding) -> io::Result<()> {
    let style = severity_style(f.severity);
    writeln!(
        w,
        "{style}{}[{}]{style:#}{BOLD}: {}{BOLD:#}",
        f.severity.as_str(),
        f.code,
        escape(&f.message)
    )?;
    let loc = &f.location;
    let mut place = format!("  --> {path}");
    if let Some(line) = loc.line {
        place.push_str(&format!(":{line}"));
        if let Some(col) = loc.column {
            place.push_str(&format!(":{col}"));
        }
    }
    if let Some(entry) = &loc.entry {
        place.push_str(&format!(" [{}]", escape(entry)));
    }
    if let Some(ptr) = loc.pointer.as_deref().filter(|p| !p.is_empty()) {
        place.push_str(&format!(" {DIM}at {}{DIM:#}", escape(ptr)));
    }
    writeln!(w, "{place}")?;
    if let (Some(ex), Some(line)) = (&loc.excerpt, loc.line) {
        let number = line.to_string();
        let pad = " ".repeat(number.len());
        let prefix = if ex.cut_start { "…" } else { "" };
        let shown = escape(&ex.text);
        // The marker goes under the same character; escaping before it widens the line.
        let before: String = ex.text.chars().take(ex.marker).collect();
        let offset = UnicodeWidthStr::width(escape(&before).as_ref()) + prefix.chars().count();
        writeln!(w, "{DIM}{pad} |{DIM:#}")?;
        writeln!(w, "{DIM}{number} |{DIM:#} {prefix}{shown}")?;
        writeln!(w, "{DIM}{pad} |{DIM:#} {}{style}^{style:#}", " ".repeat(offset))?;
    }
    if let Some(rel) = &f.related {
        let mut also = String::from("  = see also ");
        if let Some(p) = &rel.path {
            also.push_str(&escape(p));
        } else {
            also.push_str(path);
        }
        if let (Some(l), Some(c)) = (rel.line, rel.column) {
            also.push_str(&format!(":{l}:{c}"));
        }
        if let Some(ptr) = rel.pointer.as_deref().filter(|p| !p.is_empty()) {
            also.push_str(&format!(" ({})", escape(ptr)));
        }
        writeln!(w, "{also}")?;
    }
    writeln!(w)
}

/// Writes the closing summary line.
pub fn write_summary(w: &mut dyn Write, files: usize, tally: &Tally) -> io::Result<()> {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let verdict = if tally.operational > 0 {
        let s = severity_style(Severity::Error);
        format!("{s}some files could not be checked{s:#}")
    } else if tally.errors > 0 {
        let s = severity_style(Severity::Error);
        format!("{s}failed{s:#}")
    } else {
        let s = Style::new().bold().fg_color(Some(AnsiColor::Green.into()));
        format!("{s}passed{s:#}")
    };
    writeln!(
        w,
        "{verdict}: {} checked, {}, {}, {}",
        match tally.unreadable_files {
            0 => plural(files, "file"),
            n => format!("{} ({n} not readable)", plural(files - n.min(files), "file")),
        },
        plural(tally.errors, "error"),
        plural(tally.warnings, "warning"),
        plural(tally.notes, "note")
    )
}
