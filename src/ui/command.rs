//! App-wide actions as values: panels and the canvas push [`Command`]s, and the app applies
//! them after drawing (see `apply`). Also what is selected, and the export formats.

use std::path::PathBuf;

use crate::analysis::Change;
use crate::editor::{Edit, Onto};
use crate::model::{BoundaryKind, Classification, NodeKind, Pos};

/// What is selected.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Selection {
    #[default]
    None,
    /// A node, flow, boundary or data asset, by id.
    Element(String),
}

impl Selection {
    #[must_use]
    pub fn id(&self) -> Option<&str> {
        match self {
            Selection::Element(id) => Some(id),
            Selection::None => None,
        }
    }
}

/// The help windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HelpPage {
    GettingStarted,
    Rules,
    Shortcuts,
    Notation,
}

/// App-wide actions, pushed by panels and applied after drawing.
#[derive(Clone, Debug)]
pub enum Command {
    New,
    Open,
    OpenPath(PathBuf),
    /// Show what changed against the saved file (`None`) or another model file.
    ShowChanges(Option<PathBuf>),
    /// Pick a file to compare the model with.
    CompareWith,
    /// Import a model from another tool (asks for the file).
    Import,
    /// Import this file: the result opens as an unsaved model, with notes on what had no place.
    ImportPath(PathBuf),
    Save,
    SaveAs,
    SaveAsPath(PathBuf),
    Export(ExportKind),
    ExportPath(ExportKind, PathBuf),
    Quit,
    Undo,
    Redo,
    Edit(Edit),
    /// An edit from typing in a field: consecutive ones with the same key share an undo step.
    EditTyping(Edit, String),
    /// Adds a node into a boundary (or none), in free space there.
    AddNode {
        kind: NodeKind,
        boundary: Option<String>,
        near: Option<Pos>,
    },
    AddBoundary {
        kind: BoundaryKind,
        parent: Option<String>,
    },
    AddAsset(Classification),
    /// A node dragged on the canvas and dropped (its centre).
    DropNode {
        id: String,
        pos: Pos,
        onto: Onto,
    },
    /// Lays the drawing out again automatically.
    Arrange,
    /// A finding's one-click fix.
    ApplyFix(Change),
    Select(Selection),
    SelectFinding(Option<String>),
    DeleteSelected,
    Fit,
    Focus(Vec<String>),
    /// Zooms the canvas by a factor around its centre (1.0: back to 100 %).
    Zoom(f32),
    ZoomReset,
    /// Draws a boundary as one box, or expands it again.
    ToggleCollapse(String),
    ToggleTheme,
    Find,
    Help(HelpPage),
    RecoverAutosave,
    DiscardAutosave,
    /// Opens the probe window, filled from this element's endpoint if given.
    OpenProbe(Option<String>, super::probe::ProbeKind),
    /// Runs the probe the window describes (active JWT checks only after confirmation).
    RunProbe,
    /// Verifies every declared endpoint in the background.
    Verify,
    /// Stops the running probe or verification.
    CancelJob,
    /// A command that replaces the model, confirmed: unsaved changes were saved or discarded.
    Confirmed(Box<Command>),
}

impl Command {
    /// Whether the command replaces the model (and so must ask first when there are unsaved
    /// changes).
    #[must_use]
    pub fn replaces_model(&self) -> bool {
        matches!(
            self,
            Command::New
                | Command::OpenPath(_)
                | Command::ImportPath(_)
                | Command::Quit
                | Command::RecoverAutosave
        )
    }
}

/// What the Export menu writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    Json,
    Sarif,
    Markdown,
    Pdf,
    Svg,
    Png,
    /// The model for OWASP Threat Dragon, findings as threats.
    ThreatDragon,
    /// The model as Open Threat Model JSON, findings as threats.
    Otm,
    /// Findings as CSV for a tracker import.
    Csv,
}

impl ExportKind {
    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            ExportKind::Json | ExportKind::ThreatDragon => "json",
            ExportKind::Sarif => "sarif",
            ExportKind::Markdown => "md",
            ExportKind::Pdf => "pdf",
            ExportKind::Svg => "svg",
            ExportKind::Png => "png",
            ExportKind::Otm => "otm",
            ExportKind::Csv => "csv",
        }
    }

    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            ExportKind::Json => "Findings as JSON",
            ExportKind::Sarif => "SARIF 2.1.0",
            ExportKind::Markdown => "Markdown report",
            ExportKind::Pdf => "PDF report",
            ExportKind::Svg => "Diagram as SVG",
            ExportKind::Png => "Diagram as PNG",
            ExportKind::ThreatDragon => "Threat Dragon model",
            ExportKind::Otm => "Open Threat Model (OTM)",
            ExportKind::Csv => "Findings as CSV (for a tracker)",
        }
    }
}
