//! Rampart: threat modelling for architects.
//!
//! Data flows one way: a model file is loaded into a [`model::Model`] (a petgraph graph of
//! nodes and data flows inside trust boundaries), `analysis` turns it into findings, `probe`
//! checks live endpoints, and `report` writes the results. The `cli` and (with the `gui`
//! feature) `ui` modules are thin shells over these.

pub mod analysis;
pub mod cli;
pub mod diagram;
pub mod editor;
pub mod fsio;
pub mod model;
pub mod probe;
pub mod report;
pub mod text;
#[cfg(feature = "gui")]
pub mod ui;
pub mod verify;
