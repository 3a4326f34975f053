//! Models from other tools: each importer turns a published format into a Rampart model plus
//! notes on what had no place in it, never silently dropping anything. Formats are detected
//! from the content (`rampart import` without `--from`).

pub mod threat_dragon;

use crate::model::Model;

/// An imported model and what the import could not carry over as is.
#[derive(Debug)]
pub struct Imported {
    pub model: Model,
    /// One line each: what was merged, guessed or left out, and why.
    pub notes: Vec<String>,
}

/// The formats Rampart imports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// OWASP Threat Dragon v2 JSON.
    ThreatDragon,
}

/// Imports a file's text, in the given format or the one its content shows.
///
/// # Errors
/// The text is not JSON (with the line and column) or not a model of a known format.
pub fn import(text: &str, format: Option<Format>) -> Result<Imported, String> {
    let doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("{}:{}: {e}", e.line(), e.column()))?;
    match format {
        Some(Format::ThreatDragon) => threat_dragon::import(&doc),
        None if threat_dragon::detect(&doc) => threat_dragon::import(&doc),
        None => {
            Err("not a model format Rampart imports (Threat Dragon v2 JSON); give --from".into())
        }
    }
}
