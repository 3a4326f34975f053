//! The rules, one file per family. Each rule is a `static Rule` with its check; the catalog
//! (`catalog.rs`) lists them in order.

pub mod auth;
pub mod hygiene;
pub mod links;
pub mod privilege;

pub(crate) use super::context::FlowRef;

/// "`flow-id` (`from` -> `to`)", as findings name flows.
fn flow_desc(f: &FlowRef<'_>) -> String {
    format!("`{}` (`{}` -> `{}`)", f.flow.id, f.from.id, f.to.id)
}
