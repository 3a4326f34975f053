//! The threat model: data assets, nested trust boundaries, and a directed graph of nodes and
//! data flows (a petgraph `StableGraph`, so indices survive edits), with risk decisions and a
//! canvas layout beside them. Loading, validation and saving live in the submodules.

mod file;
pub mod generate;
pub mod source;
mod split;
pub mod target;
mod types;
mod validate;

use std::collections::HashMap;

use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableDiGraph};
use petgraph::visit::EdgeRef;

pub use file::{
    Diagnostic, Framework, LoadError, Loaded, MAX_FILE_BYTES, ModelFile, SCHEMA_VERSION, SaveError,
    load, parse, save, to_text,
};
pub use types::{
    Access, AuthKind, Authorization, Boundary, BoundaryKind, Classification, DataAsset, DataTag,
    DeployMode, Deployment, Encryption, Endpoint, Flow, Grant, HumanRole, HumanUsers, Layout,
    NetworkControl, Node, NodeKind, Pos, Rating, Rect, Review, RiskDecision, Runtime, RuntimeKind,
    SecretsLocation, Status, TlsVersion, Transport, default_flow_id, wildcard_match,
};
pub use validate::{PathSeg, Problem, is_valid_date, is_valid_id, validate};

/// The graph type: nodes are DFD elements, edges are data flows.
/// Nodes and flows are boxed (see [`ModelFile::nodes`]); the graph holds pointers.
pub type Graph = StableDiGraph<Box<Node>, Box<Flow>>;

/// A threat model in memory. Ids are kept unique and references consistent by the methods
/// here; edit ids only through the `rename_*` methods.
#[derive(Clone, Debug, Default)]
pub struct Model {
    pub name: String,
    pub description: String,
    pub author: String,
    pub review: Review,
    pub frameworks: Vec<Framework>,
    pub assets: Vec<DataAsset>,
    pub boundaries: Vec<Boundary>,
    pub runtimes: Vec<Runtime>,
    pub decisions: Vec<RiskDecision>,
    pub layout: Layout,
    /// The comment block at the top of the file, kept on save (not part of the semantics).
    pub header: String,
    graph: Graph,
    node_ids: HashMap<String, NodeIndex>,
    flow_ids: HashMap<String, EdgeIndex>,
}

/// An element id from a name: kebab case, letters and digits.
#[must_use]
pub fn id_from_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out.truncate(out.char_indices().nth(60).map_or(out.len(), |(i, _)| i));
    while out.ends_with('-') {
        out.pop();
    }
    out
}

impl PartialEq for Model {
    /// Two models are equal when they save to the same file (order of elements does not matter).
    fn eq(&self, other: &Self) -> bool {
        self.to_file() == other.to_file()
    }
}

/// Why an edit was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("invalid id `{0}`: use letters, digits, `-`, `_` or `.`")]
    InvalidId(String),
    #[error("id `{0}` is already used")]
    DuplicateId(String),
    #[error("no element `{0}`")]
    NotFound(String),
    #[error("a flow cannot go from a node to itself")]
    SelfLoop,
}

impl Model {
    /// An empty model with a name.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Model {
            name: name.into(),
            ..Model::default()
        }
    }

    /// Builds a model from a file already checked by [`validate`]. Dangling references in an
    /// unchecked file are dropped rather than trusted.
    #[must_use]
    pub fn from_valid_file(file: ModelFile) -> Self {
        let (nodes, flows) = (file.nodes.len(), file.flows.len());
        let mut model = Model {
            name: file.name,
            description: file.description,
            author: file.author,
            review: file.review,
            frameworks: file.frameworks,
            assets: file.assets,
            boundaries: file.boundaries,
            runtimes: file.runtimes,
            decisions: file.decisions,
            layout: file.layout,
            header: file.header,
            graph: Graph::with_capacity(nodes, flows),
            node_ids: HashMap::with_capacity(nodes),
            flow_ids: HashMap::with_capacity(flows),
        };
        for node in file.nodes {
            let id = node.id.clone();
            let index = model.graph.add_node(node);
            model.node_ids.insert(id, index);
        }
        for mut flow in file.flows {
            if flow.id.is_empty() {
                flow.id = default_flow_id(&flow.from, &flow.to);
            }
            let (Some(&a), Some(&b)) =
                (model.node_ids.get(&flow.from), model.node_ids.get(&flow.to))
            else {
                continue;
            };
            let id = flow.id.clone();
            let index = model.graph.add_edge(a, b, flow);
            model.flow_ids.insert(id, index);
        }
        model
    }

    /// Validates a file and builds the model.
    ///
    /// # Errors
    /// Every problem [`validate`] finds.
    pub fn from_file(file: ModelFile) -> Result<Self, Vec<Problem>> {
        let problems = validate(&file);
        if problems.is_empty() {
            Ok(Model::from_valid_file(file))
        } else {
            Err(problems)
        }
    }

    /// The file form, in canonical order: assets by id; boundaries parents first; nodes by
    /// boundary then id; flows by source, target and id. Lists inside elements are sorted.
    #[must_use]
    pub fn to_file(&self) -> ModelFile {
        let mut assets = self.assets.clone();
        assets.sort_by(|a, b| a.id.cmp(&b.id));
        for asset in &mut assets {
            asset.tags.sort();
            asset.tags.dedup();
        }
        let mut boundaries = self.boundaries_in_tree_order();
        for boundary in &mut boundaries {
            boundary.scope.sort();
            boundary.scope.dedup();
        }
        let order: HashMap<&str, usize> = boundaries
            .iter()
            .enumerate()
            .map(|(i, b)| (b.id.as_str(), i))
            .collect();
        let mut nodes: Vec<Box<Node>> = self.graph.node_weights().cloned().collect();
        nodes.sort_by(|a, b| {
            let rank = |n: &Node| n.boundary.as_deref().and_then(|b| order.get(b).copied());
            rank(a).cmp(&rank(b)).then_with(|| a.id.cmp(&b.id))
        });
        for node in &mut nodes {
            node.authentication.sort();
            node.authentication.dedup();
            node.stores.sort();
            node.stores.dedup();
            node.grants.sort_by(|a, b| {
                a.principal
                    .cmp(&b.principal)
                    .then_with(|| a.access.cmp(&b.access))
            });
            node.grants.dedup();
            node.processes.sort();
            node.processes.dedup();
            node.deploys.sort_by(|a, b| a.target.cmp(&b.target));
            node.deploys.dedup_by(|a, b| a.target == b.target);
        }
        let mut runtimes = self.runtimes.clone();
        runtimes.sort_by(|a, b| a.id.cmp(&b.id));
        let mut flows: Vec<Box<Flow>> = self.graph.edge_weights().cloned().collect();
        flows.sort_by(|a, b| {
            (a.from.as_str(), a.to.as_str(), a.id.as_str()).cmp(&(
                b.from.as_str(),
                b.to.as_str(),
                b.id.as_str(),
            ))
        });
        for flow in &mut flows {
            flow.data.sort();
            flow.data.dedup();
            if flow.id == default_flow_id(&flow.from, &flow.to) {
                flow.id.clear();
            }
        }
        let mut frameworks = self.frameworks.clone();
        frameworks.sort();
        frameworks.dedup();
        ModelFile {
            rampart: SCHEMA_VERSION,
            name: self.name.clone(),
            description: self.description.clone(),
            author: self.author.clone(),
            review: self.review.clone(),
            frameworks,
            assets,
            boundaries,
            runtimes,
            nodes,
            flows,
            decisions: self.decisions.clone(),
            layout: self.layout.clone(),
            header: self.header.clone(),
        }
    }

    /// Boundaries with each parent before its children, siblings by id. Boundaries in a parent
    /// cycle (only in unchecked models) come last.
    fn boundaries_in_tree_order(&self) -> Vec<Boundary> {
        let known: std::collections::HashSet<&str> =
            self.boundaries.iter().map(|b| b.id.as_str()).collect();
        let mut children: HashMap<Option<&str>, Vec<&Boundary>> = HashMap::new();
        for b in &self.boundaries {
            let parent = b.parent.as_deref().filter(|p| known.contains(p));
            children.entry(parent).or_default().push(b);
        }
        for list in children.values_mut() {
            list.sort_by(|a, b| a.id.cmp(&b.id));
        }
        let mut out: Vec<Boundary> = Vec::with_capacity(self.boundaries.len());
        let mut stack: Vec<&Boundary> = children.get(&None).cloned().unwrap_or_default();
        stack.reverse();
        while let Some(b) = stack.pop() {
            out.push(b.clone());
            if let Some(kids) = children.get(&Some(b.id.as_str())) {
                stack.extend(kids.iter().rev());
            }
        }
        if out.len() < self.boundaries.len() {
            let placed: std::collections::HashSet<String> =
                out.iter().map(|b| b.id.clone()).collect();
            let mut rest: Vec<Boundary> = self
                .boundaries
                .iter()
                .filter(|b| !placed.contains(&b.id))
                .cloned()
                .collect();
            rest.sort_by(|a, b| a.id.cmp(&b.id));
            out.extend(rest);
        }
        out
    }

    /// Problems that would stop this model from being saved or loaded.
    #[must_use]
    pub fn problems(&self) -> Vec<Problem> {
        validate(&self.to_file())
    }

    /// The flow graph, for algorithms.
    #[must_use]
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    #[must_use]
    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    #[must_use]
    pub fn flow_count(&self) -> usize {
        self.graph.edge_count()
    }

    #[must_use]
    pub fn node_index(&self, id: &str) -> Option<NodeIndex> {
        self.node_ids.get(id).copied()
    }

    #[must_use]
    pub fn flow_index(&self, id: &str) -> Option<EdgeIndex> {
        self.flow_ids.get(id).copied()
    }

    #[must_use]
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.node_index(id)
            .and_then(|i| self.graph.node_weight(i))
            .map(|n| &**n)
    }

    /// Mutable access for editing properties. Do not change `id` here: use [`Model::rename`].
    pub fn node_mut(&mut self, id: &str) -> Option<&mut Node> {
        let index = self.node_index(id)?;
        self.graph.node_weight_mut(index).map(|n| &mut **n)
    }

    #[must_use]
    pub fn flow(&self, id: &str) -> Option<&Flow> {
        self.flow_index(id)
            .and_then(|i| self.graph.edge_weight(i))
            .map(|f| &**f)
    }

    /// Mutable access for editing properties. Do not change `id`, `from` or `to` here.
    pub fn flow_mut(&mut self, id: &str) -> Option<&mut Flow> {
        let index = self.flow_index(id)?;
        self.graph.edge_weight_mut(index).map(|f| &mut **f)
    }

    /// Nodes in graph order.
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.graph.node_weights().map(|n| &**n)
    }

    /// Flows in graph order.
    pub fn flows(&self) -> impl Iterator<Item = &Flow> {
        self.graph.edge_weights().map(|f| &**f)
    }

    #[must_use]
    pub fn boundary(&self, id: &str) -> Option<&Boundary> {
        self.boundaries.iter().find(|b| b.id == id)
    }

    pub fn boundary_mut(&mut self, id: &str) -> Option<&mut Boundary> {
        self.boundaries.iter_mut().find(|b| b.id == id)
    }

    #[must_use]
    pub fn asset(&self, id: &str) -> Option<&DataAsset> {
        self.assets.iter().find(|a| a.id == id)
    }

    pub fn asset_mut(&mut self, id: &str) -> Option<&mut DataAsset> {
        self.assets.iter_mut().find(|a| a.id == id)
    }

    #[must_use]
    pub fn runtime(&self, id: &str) -> Option<&Runtime> {
        self.runtimes.iter().find(|r| r.id == id)
    }

    /// The nodes that run on the runtime `id`, in graph order.
    pub fn on_runtime<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.nodes()
            .filter(move |n| n.runtime.as_deref() == Some(id))
    }

    pub fn runtime_mut(&mut self, id: &str) -> Option<&mut Runtime> {
        self.runtimes.iter_mut().find(|r| r.id == id)
    }

    /// Whether any element (asset, boundary, runtime, node or flow) has this id.
    #[must_use]
    pub fn id_in_use(&self, id: &str) -> bool {
        self.node_ids.contains_key(id)
            || self.flow_ids.contains_key(id)
            || self.boundaries.iter().any(|b| b.id == id)
            || self.assets.iter().any(|a| a.id == id)
            || self.runtimes.iter().any(|r| r.id == id)
    }

    /// `base`, or `base-2`, `base-3`, ... whichever is free.
    #[must_use]
    pub fn unique_id(&self, base: &str) -> String {
        if !self.id_in_use(base) {
            return base.to_string();
        }
        (2..=u32::MAX)
            .map(|n| format!("{base}-{n}"))
            .find(|id| !self.id_in_use(id))
            .unwrap_or_else(|| base.to_string())
    }

    fn check_new_id(&self, id: &str) -> Result<(), EditError> {
        if !is_valid_id(id) {
            Err(EditError::InvalidId(id.to_string()))
        } else if self.id_in_use(id) {
            Err(EditError::DuplicateId(id.to_string()))
        } else {
            Ok(())
        }
    }

    /// The name of any element (node, flow, boundary or data asset) for people: its name, or
    /// its id when it has none; `None` when no element has this id.
    #[must_use]
    pub fn element_name(&self, id: &str) -> Option<&str> {
        let named = |name: &'_ str| -> bool { !name.is_empty() };
        if let Some(n) = self.node(id) {
            return Some(n.label());
        }
        if let Some(f) = self.flow(id) {
            return Some(if named(&f.name) {
                f.name.as_str()
            } else {
                f.id.as_str()
            });
        }
        if let Some(b) = self.boundary(id) {
            return Some(if named(&b.name) {
                b.name.as_str()
            } else {
                b.id.as_str()
            });
        }
        if let Some(r) = self.runtime(id) {
            return Some(r.label());
        }
        self.asset(id).map(|a| {
            if named(&a.name) {
                a.name.as_str()
            } else {
                a.id.as_str()
            }
        })
    }

    /// Why an element is out of the review's scope (its own reason, or that of a boundary it
    /// lies in); `None` when it is in scope.
    #[must_use]
    pub fn out_of_scope(&self, id: &str) -> Option<String> {
        let why = |r: &str| {
            if r.is_empty() {
                "out of scope".to_string()
            } else {
                r.to_string()
            }
        };
        if let Some(f) = self.flow(id) {
            return f.out_of_scope.as_deref().map(why);
        }
        let boundary = if let Some(n) = self.node(id) {
            if let Some(r) = n.out_of_scope.as_deref() {
                return Some(why(r));
            }
            n.boundary.as_deref()?
        } else {
            id
        };
        let chain = self.boundary_chain(boundary);
        let outer = chain.iter().find(|b| b.out_of_scope.is_some())?;
        let reason = why(outer.out_of_scope.as_deref().unwrap_or(""));
        Some(if outer.id == id {
            reason
        } else {
            let label = if outer.name.is_empty() {
                &outer.id
            } else {
                &outer.name
            };
            format!("in {label}: {reason}")
        })
    }

    /// Every element marked out of scope (nodes, flows, boundaries), as "name: reason".
    #[must_use]
    pub fn out_of_scope_elements(&self) -> Vec<String> {
        let mut out = Vec::new();
        let line = |name: &str, r: &str| {
            if r.is_empty() {
                name.to_string()
            } else {
                format!("{name}: {r}")
            }
        };
        for b in &self.boundaries {
            if let Some(r) = &b.out_of_scope {
                out.push(line(if b.name.is_empty() { &b.id } else { &b.name }, r));
            }
        }
        for n in self.nodes() {
            if let Some(r) = &n.out_of_scope {
                out.push(line(n.label(), r));
            }
        }
        for f in self.flows() {
            if let Some(r) = &f.out_of_scope {
                let name = if f.name.is_empty() { &f.id } else { &f.name };
                out.push(line(name, r));
            }
        }
        out
    }

    /// The trust level a node runs at: its boundary's, or 0 outside any boundary.
    #[must_use]
    pub fn trust_of(&self, node: &Node) -> u8 {
        node.boundary
            .as_deref()
            .and_then(|b| self.boundary(b))
            .map_or(0, Boundary::trust_level)
    }

    /// The boundary and its ancestors, innermost first (stops at a cycle).
    #[must_use]
    pub fn boundary_chain(&self, id: &str) -> Vec<&Boundary> {
        let mut chain: Vec<&Boundary> = Vec::new();
        let mut here = self.boundary(id);
        while let Some(b) = here {
            if chain.iter().any(|c| c.id == b.id) {
                break;
            }
            chain.push(b);
            here = b.parent.as_deref().and_then(|p| self.boundary(p));
        }
        chain
    }

    /// Whether `node` is inside boundary `id`, directly or through nesting.
    #[must_use]
    pub fn is_within(&self, node: &Node, id: &str) -> bool {
        node.boundary
            .as_deref()
            .is_some_and(|b| self.boundary_chain(b).iter().any(|c| c.id == id))
    }

    /// Adds a node.
    ///
    /// # Errors
    /// The id is invalid or taken.
    pub fn add_node(&mut self, node: Node) -> Result<NodeIndex, EditError> {
        self.check_new_id(&node.id)?;
        let id = node.id.clone();
        let index = self.graph.add_node(Box::new(node));
        self.node_ids.insert(id, index);
        Ok(index)
    }

    /// Removes a node with its flows, the grants that name it and its position.
    pub fn remove_node(&mut self, id: &str) -> Option<Node> {
        let index = self.node_ids.remove(id)?;
        let edges: Vec<EdgeIndex> = self
            .graph
            .edges_directed(index, petgraph::Direction::Outgoing)
            .chain(
                self.graph
                    .edges_directed(index, petgraph::Direction::Incoming),
            )
            .map(|e| e.id())
            .collect();
        for e in edges {
            if let Some(flow) = self.graph.remove_edge(e) {
                self.flow_ids.remove(&flow.id);
            }
        }
        for node in self.graph.node_weights_mut() {
            node.grants.retain(|g| g.principal != id);
            node.deploys.retain(|d| d.target != id);
        }
        self.layout.nodes.remove(id);
        self.graph.remove_node(index).map(|n| *n)
    }

    /// Adds a flow between two existing nodes. An empty id gets the default `FROM-to-TO`.
    ///
    /// # Errors
    /// Unknown endpoints, a self-loop, or an invalid or taken id.
    pub fn add_flow(&mut self, mut flow: Flow) -> Result<EdgeIndex, EditError> {
        if flow.id.is_empty() {
            flow.id = default_flow_id(&flow.from, &flow.to);
        }
        let a = self
            .node_index(&flow.from)
            .ok_or_else(|| EditError::NotFound(flow.from.clone()))?;
        let b = self
            .node_index(&flow.to)
            .ok_or_else(|| EditError::NotFound(flow.to.clone()))?;
        if a == b {
            return Err(EditError::SelfLoop);
        }
        self.check_new_id(&flow.id)?;
        let id = flow.id.clone();
        let index = self.graph.add_edge(a, b, Box::new(flow));
        self.flow_ids.insert(id, index);
        Ok(index)
    }

    pub fn remove_flow(&mut self, id: &str) -> Option<Flow> {
        let index = self.flow_ids.remove(id)?;
        self.graph.remove_edge(index).map(|f| *f)
    }

    /// Removes a boundary; its nodes and child boundaries move to its parent.
    pub fn remove_boundary(&mut self, id: &str) -> Option<Boundary> {
        let at = self.boundaries.iter().position(|b| b.id == id)?;
        let removed = self.boundaries.remove(at);
        for b in &mut self.boundaries {
            if b.parent.as_deref() == Some(id) {
                b.parent.clone_from(&removed.parent);
            }
        }
        for node in self.graph.node_weights_mut() {
            if node.boundary.as_deref() == Some(id) {
                node.boundary.clone_from(&removed.parent);
            }
        }
        self.layout.boundaries.remove(id);
        Some(removed)
    }

    /// Removes a runtime; its nodes no longer name one.
    pub fn remove_runtime(&mut self, id: &str) -> Option<Runtime> {
        let at = self.runtimes.iter().position(|r| r.id == id)?;
        for node in self.graph.node_weights_mut() {
            if node.runtime.as_deref() == Some(id) {
                node.runtime = None;
            }
        }
        Some(self.runtimes.remove(at))
    }

    /// Removes a data asset and every mention of it.
    pub fn remove_asset(&mut self, id: &str) -> Option<DataAsset> {
        let at = self.assets.iter().position(|a| a.id == id)?;
        for node in self.graph.node_weights_mut() {
            node.stores.retain(|s| s != id);
            node.processes.retain(|s| s != id);
        }
        for flow in self.graph.edge_weights_mut() {
            flow.data.retain(|d| d != id);
        }
        Some(self.assets.remove(at))
    }

    /// Renames any element and updates every reference to it.
    ///
    /// # Errors
    /// `old` does not exist, or `new` is invalid or taken.
    pub fn rename(&mut self, old: &str, new: &str) -> Result<(), EditError> {
        if old == new {
            return Ok(());
        }
        self.check_new_id(new)?;
        if let Some(index) = self.node_ids.remove(old) {
            self.node_ids.insert(new.to_string(), index);
            self.graph[index].id = new.to_string();
            let mut renamed_flows = Vec::new();
            for e in self.graph.edge_indices().collect::<Vec<_>>() {
                let flow = &mut self.graph[e];
                let had_default = flow.id == default_flow_id(&flow.from, &flow.to);
                if flow.from == old {
                    flow.from = new.to_string();
                }
                if flow.to == old {
                    flow.to = new.to_string();
                }
                if had_default {
                    let fresh = default_flow_id(&flow.from, &flow.to);
                    if fresh != flow.id {
                        renamed_flows.push((flow.id.clone(), fresh, e));
                    }
                }
            }
            for (old_flow, fresh, e) in renamed_flows {
                if !self.id_in_use(&fresh) {
                    self.flow_ids.remove(&old_flow);
                    self.flow_ids.insert(fresh.clone(), e);
                    self.graph[e].id = fresh;
                }
            }
            for node in self.graph.node_weights_mut() {
                for grant in &mut node.grants {
                    if grant.principal == old {
                        grant.principal = new.to_string();
                    }
                }
                for deploy in &mut node.deploys {
                    if deploy.target == old {
                        deploy.target = new.to_string();
                    }
                }
            }
            if let Some(pos) = self.layout.nodes.remove(old) {
                self.layout.nodes.insert(new.to_string(), pos);
            }
        } else if let Some(index) = self.flow_ids.remove(old) {
            self.flow_ids.insert(new.to_string(), index);
            self.graph[index].id = new.to_string();
        } else if let Some(b) = self.boundary_mut(old) {
            b.id = new.to_string();
            for b in &mut self.boundaries {
                if b.parent.as_deref() == Some(old) {
                    b.parent = Some(new.to_string());
                }
            }
            for node in self.graph.node_weights_mut() {
                if node.boundary.as_deref() == Some(old) {
                    node.boundary = Some(new.to_string());
                }
            }
            if let Some(rect) = self.layout.boundaries.remove(old) {
                self.layout.boundaries.insert(new.to_string(), rect);
            }
        } else if let Some(r) = self.runtime_mut(old) {
            r.id = new.to_string();
            for node in self.graph.node_weights_mut() {
                if node.runtime.as_deref() == Some(old) {
                    node.runtime = Some(new.to_string());
                }
            }
        } else if let Some(a) = self.asset_mut(old) {
            a.id = new.to_string();
            for node in self.graph.node_weights_mut() {
                for s in node.stores.iter_mut().chain(&mut node.processes) {
                    if s == old {
                        *s = new.to_string();
                    }
                }
            }
            for flow in self.graph.edge_weights_mut() {
                for d in &mut flow.data {
                    if d == old {
                        *d = new.to_string();
                    }
                }
            }
        } else {
            return Err(EditError::NotFound(old.to_string()));
        }
        Ok(())
    }

    /// The built-in example (the e-commerce system), which the app opens by default.
    ///
    /// # Panics
    /// Never: a test checks the bundled file loads.
    #[must_use]
    pub fn example() -> Self {
        parse(EXAMPLE_TEXT, EXAMPLE_NAME)
            .expect("the built-in example model is valid")
            .model
    }
}

/// The built-in example's file name (shown in titles and diagnostics).
pub const EXAMPLE_NAME: &str = "models/ecommerce.ron";
/// The built-in example's text.
pub const EXAMPLE_TEXT: &str = include_str!("../../models/ecommerce.ron");

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Model {
        let mut m = Model::new("t");
        m.boundaries.push(Boundary {
            id: "net".into(),
            name: String::new(),
            kind: BoundaryKind::Internet,
            trust: None,
            parent: None,
            scope: vec![],
            description: String::new(),
            out_of_scope: None,
        });
        let mut a = Node::new("a", NodeKind::Actor);
        a.boundary = Some("net".into());
        m.add_node(a).unwrap();
        let mut db = Node::new("db", NodeKind::DataStore);
        db.grants.push(Grant {
            principal: "a".into(),
            access: Access::Read,
        });
        m.add_node(db).unwrap();
        m.add_flow(Flow::new("a", "db")).unwrap();
        m.layout.nodes.insert("a".into(), Pos { x: 1.0, y: 2.0 });
        m
    }

    #[test]
    fn rename_updates_references() {
        let mut m = small();
        m.rename("a", "browser").unwrap();
        assert!(m.node("a").is_none());
        assert!(m.flow("browser-to-db").is_some());
        assert_eq!(m.node("db").unwrap().grants[0].principal, "browser");
        assert!(m.layout.nodes.contains_key("browser"));
        m.rename("net", "internet").unwrap();
        assert_eq!(
            m.node("browser").unwrap().boundary.as_deref(),
            Some("internet")
        );
        assert!(m.problems().is_empty());
        assert_eq!(
            m.rename("db", "browser"),
            Err(EditError::DuplicateId("browser".into()))
        );
        assert_eq!(
            m.rename("db", "no good"),
            Err(EditError::InvalidId("no good".into()))
        );
    }

    #[test]
    fn remove_node_takes_its_flows_and_grants() {
        let mut m = small();
        m.remove_node("a").unwrap();
        assert_eq!(m.flow_count(), 0);
        assert!(m.node("db").unwrap().grants.is_empty());
        assert!(m.layout.nodes.is_empty());
        assert!(m.problems().is_empty());
    }

    #[test]
    fn edits_are_checked() {
        let mut m = small();
        assert_eq!(m.add_flow(Flow::new("a", "a")), Err(EditError::SelfLoop));
        assert_eq!(
            m.add_flow(Flow::new("a", "nope")),
            Err(EditError::NotFound("nope".into()))
        );
        assert_eq!(
            m.add_flow(Flow::new("a", "db")),
            Err(EditError::DuplicateId("a-to-db".into()))
        );
        assert_eq!(m.unique_id("a"), "a-2");
    }

    #[test]
    fn example_loads() {
        let m = Model::example();
        assert!(m.node_count() >= 12);
    }
}
