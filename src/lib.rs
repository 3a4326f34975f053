//! Rampart: threat modelling for architects.
//!
//! # Floors
//!
//! The crate is built in floors; a module uses only the floors below it (tests/architecture.rs
//! checks this on every `cargo test`):
//!
//! 0. **Leaves** – [`vocab`] (the vocabulary macro and [`vocab::Severity`]), [`text`] (fonts,
//!    measuring, quoting hostile text), [`fsio`] (size-limited reads, the one atomic writer).
//! 1. **[`model`]** – the threat model: elements, the RON file format with `FILE:LINE:COL`
//!    diagnostics, validation, endpoint targets. A petgraph graph of nodes and flows.
//! 2. Side by side, never importing each other:
//!    **[`analysis`]** (rules in one catalog, attack paths, compliance; a pure function of the
//!    model), **[`probe`]** (TLS and JWT checks against live endpoints), **[`diagram`]** (layout,
//!    routing and labels shared by the canvas, the PDF and the SVG).
//! 3. **[`verify`]** – probes every endpoint the model declares and turns what differs into
//!    drift findings; [`verify::analyse`] is the one place a verification is merged into an
//!    analysis. **[`diff`]** – what changed between two versions of a model, semantically.
//!    **[`interchange`]** – models from other tools (Threagile, Threat Dragon, OTM, TMT) with
//!    notes on what had no place; it analyses the imported model to carry tracked risks over
//!    as decisions on the findings they match.
//! 4. **[`report`]** (text, JSON, SARIF, Markdown, PDF, SVG, from one view in
//!    [`report::view`]) and **[`editor`]** (the editing session: undo, placement, autosave).
//! 5. **`cli`** and, with the `gui` feature, **`ui`** – thin shells over the floors below.
//!
//! Where things go: a new rule is a function in `analysis/rules/` plus its entry in
//! `analysis/catalog.rs`; a new probe check is an entry in `probe/catalog.rs` (id, title,
//! severity, explanation, the drift rule it feeds) and a `ProbeFinding::of` where it is found; a report format is a module in `report/` rendering [`report::Input`]
//! (and [`report::view::View`] for counts); a GUI panel is a file in `ui/panels/` that gets a
//! narrow context and pushes commands.

pub mod analysis;
pub mod cli;
pub mod diagram;
pub mod diff;
pub mod editor;
pub mod fsio;
pub mod interchange;
pub mod model;
pub mod probe;
pub mod report;
pub mod text;
#[cfg(feature = "gui")]
pub mod ui;
pub mod verify;
pub mod vocab;
