//! Reports: the analysis (and, when present, probe results) written as text, JSON, SARIF 2.1.0,
//! Markdown and PDF. Every writer reads the same inputs; none of them decides anything.

pub mod csv;
pub mod diff;
pub mod json;
pub mod markdown;
pub mod otm;
pub mod pdf;
pub mod probe;
pub mod sarif;
pub mod svg;
pub mod text;
pub mod threat_dragon;
pub mod view;

use crate::analysis::Analysis;
use crate::model::Model;
use crate::model::source::SourceMap;

/// What every report is written from.
pub struct Input<'a> {
    pub model: &'a Model,
    pub analysis: &'a Analysis,
    /// The model file as given on the command line (SARIF locates results in it).
    pub file: Option<&'a str>,
    /// Positions of elements in that file.
    pub source: Option<&'a SourceMap>,
}

/// Text output formats of `rampart analyze`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Markdown,
}

/// Renders a report in one of the text formats.
#[must_use]
pub fn render(format: Format, input: &Input<'_>, color: bool) -> String {
    match format {
        Format::Text => text::render(input, color),
        Format::Json => json::render(input),
        Format::Sarif => sarif::render(input),
        Format::Markdown => markdown::render(input),
    }
}

/// Writes a report file atomically (see [`crate::fsio::write_atomic`]): a failed export never
/// leaves half a file.
///
/// # Errors
/// Any I/O failure; `path` is then untouched.
pub fn write_file(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    crate::fsio::write_atomic(path, bytes, false)
}
