//! Findings as one JSON document, written file by file so that memory stays flat however many
//! files there are. The shape is documented in `docs/output.md`.

use crate::rules::Tally;
use crate::validate::FileReport;
use serde::Serialize;
use std::io::{self, Write};

/// The version of the output shape; raised only when a field changes meaning or goes away.
pub const OUTPUT_VERSION: u32 = 1;

#[derive(Serialize)]
struct FileOut<'a> {
    path: &'a str,
    kind: crate::document::Kind,
    findings: &'a [crate::rules::Finding],
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
}

/// Writes `{"version": 1, "files": [...], "summary": {...}}` one file at a time.
pub struct StreamWriter<W: Write> {
    w: W,
    files: usize,
}

impl<W: Write> StreamWriter<W> {
    /// Starts the document.
    pub fn start(mut w: W) -> io::Result<Self> {
        write!(w, "{{\"version\":{OUTPUT_VERSION},\"files\":[")?;
        Ok(StreamWriter { w, files: 0 })
    }

    /// Writes one file's entry.
    pub fn file(&mut self, report: &FileReport) -> io::Result<()> {
        if self.files > 0 {
            self.w.write_all(b",")?;
        }
        self.w.write_all(b"\n")?;
        let out = FileOut { path: &report.path, kind: report.kind, findings: &report.findings };
        serde_json::to_writer(&mut self.w, &out).map_err(io::Error::other)?;
        self.files += 1;
        Ok(())
    }

    /// Writes a further entry for a file already written: findings that relate it to another
    /// file, known only once every file has been read. The file count is not raised.
    pub fn more_findings(&mut self, report: &FileReport) -> io::Result<()> {
        self.file(report)?;
        self.files -= 1;
        Ok(())
    }

    /// Ends the document with the summary.
    pub fn finish(mut self, tally: &Tally) -> io::Result<W> {
        let summary = Summary {
            files: self.files,
            errors: tally.errors,
            warnings: tally.warnings,
            notes: tally.notes,
        };
        write!(self.w, "\n],\"summary\":")?;
        serde_json::to_writer(&mut self.w, &summary).map_err(io::Error::other)?;
        writeln!(self.w, "}}")?;
        self.w.flush()?;
        Ok(self.w)
    }
}
