//! Graph analyses over the flow graph:
//! - attack paths: for each high-value target, the path of least resistance from any untrusted
//!   entry point (multi-source Dijkstra, each hop weighted by the controls on it);
//! - effective privilege: what access each untrusted actor ends up with on each store, and
//!   through which services (a breadth-first search over node x access x scoping states);
//! - blast radius: what one compromised internet-facing node reaches.
//!
//! Attackers move along flows in the request direction, and only through processes (services,
//! gateways, identity providers): a store or an external system is an end point.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use petgraph::stable_graph::{EdgeIndex, NodeIndex};
use petgraph::visit::NodeIndexable;
use serde::Serialize;

use super::context::{Ctx, FlowRef};
use crate::model::{Access, AuthKind, Authorization, Encryption, NodeKind, TlsVersion};

/// A path is weak when its average hop costs no more than this (a hop costs 1 to 10).
pub const WEAK_AVERAGE: u32 = 4;

/// An attacker who controls one internet-facing node and reaches more than this share of the
/// model's high-value data assets has too large a blast radius.
pub const BLAST_RADIUS_SHARE: f64 = 0.5;

/// One hop of an attack path.
#[derive(Clone, Debug, Serialize)]
pub struct Hop {
    pub flow: String,
    pub from: String,
    pub to: String,
    /// 1 (no controls) to 10 (mutual TLS, strong authentication, per-user authorization, ...).
    pub cost: u32,
    /// The controls present, e.g. "TLS 1.2+, JWT, per-user authorization".
    pub controls: String,
    /// What is missing on this hop.
    pub gaps: Vec<String>,
}

/// The easiest way from an untrusted entry to a high-value target.
#[derive(Clone, Debug, Serialize)]
pub struct AttackPath {
    pub entry: String,
    pub target: String,
    /// Node ids, entry first.
    pub nodes: Vec<String>,
    pub hops: Vec<Hop>,
    pub cost: u32,
    /// Average hop cost at or below [`WEAK_AVERAGE`].
    pub weak: bool,
}

impl AttackPath {
    /// The average cost per hop.
    #[must_use]
    pub fn average(&self) -> f64 {
        f64::from(self.cost) / self.hops.len().max(1) as f64
    }
}

/// What an untrusted actor can do to a store, transitively. Nodes are indices into the
/// analysed model's graph; the `*_id` methods give their ids.
#[derive(Clone, Debug)]
pub struct EffectivePrivilege {
    pub actor: NodeIndex,
    pub store: NodeIndex,
    pub access: Access,
    /// Some service on the way authorizes per end user, so the actor only reaches its own data.
    pub scoped: bool,
    /// The nodes from the actor to the store.
    pub via: Vec<NodeIndex>,
}

impl EffectivePrivilege {
    fn id(model: &crate::model::Model, index: NodeIndex) -> &str {
        model
            .graph()
            .node_weight(index)
            .map_or("", |n| n.id.as_str())
    }

    #[must_use]
    pub fn actor_id<'m>(&self, model: &'m crate::model::Model) -> &'m str {
        Self::id(model, self.actor)
    }

    #[must_use]
    pub fn store_id<'m>(&self, model: &'m crate::model::Model) -> &'m str {
        Self::id(model, self.store)
    }

    /// The ids of the nodes from the actor to the store.
    #[must_use]
    pub fn via_ids<'m>(&self, model: &'m crate::model::Model) -> Vec<&'m str> {
        self.via.iter().map(|i| Self::id(model, *i)).collect()
    }
}

/// What one compromised internet-facing node reaches.
#[derive(Clone, Debug, Serialize)]
pub struct BlastRadius {
    pub node: String,
    /// Nodes reachable from it (through processes).
    pub reached: usize,
    /// High-value data assets it can reach, by id.
    pub assets: Vec<String>,
    /// `assets` over all high-value assets in the model.
    pub share: f64,
}

/// The strength of the controls on one hop, from 1 (none) to 11. Must agree with [`hop_cost`],
/// which also says what the controls and gaps are (and allocates to do so).
pub(crate) fn hop_weight(flow: &crate::model::Flow, to: &crate::model::Node) -> u32 {
    let weak_tls = flow.tls_min.is_some_and(|v| v < TlsVersion::Tls12);
    let encryption = match flow.encryption {
        Encryption::None => 0,
        Encryption::Tls | Encryption::Mtls if weak_tls => 0,
        Encryption::Tls => 1,
        Encryption::Mtls => 2,
    };
    let authentication = match flow.authentication {
        AuthKind::None | AuthKind::Unknown => 0,
        AuthKind::ApiKey | AuthKind::Basic | AuthKind::Authenticated => 1,
        AuthKind::Session | AuthKind::Bearer | AuthKind::Jwt | AuthKind::Oauth2 => 2,
        AuthKind::TwoFactor | AuthKind::Mtls => 3,
    };
    let authorization = if to.kind.is_process() {
        match flow.authorization.unwrap_or(to.authorization) {
            Authorization::None => 0,
            Authorization::TechnicalUser => 1,
            Authorization::EndUser => 3,
        }
    } else {
        0
    };
    let rate_limit = u32::from(to.kind == NodeKind::Gateway && to.rate_limited);
    let network = u32::from(!flow.controls.is_empty());
    1 + encryption + authentication + authorization + rate_limit + network
}

/// The controls on one hop, as a cost and a list of gaps.
#[must_use]
pub fn hop_cost(hop: &FlowRef<'_>) -> (u32, String, Vec<String>) {
    let flow = hop.flow;
    let mut cost = 1;
    let mut controls: Vec<String> = Vec::new();
    let mut gaps: Vec<String> = Vec::new();
    match flow.encryption {
        Encryption::None => gaps.push("no encryption".into()),
        Encryption::Tls | Encryption::Mtls
            if flow.tls_min.is_some_and(|v| v < TlsVersion::Tls12) =>
        {
            controls.push(format!(
                "{} from {}",
                flow.encryption.label(),
                flow.tls_min.map_or("", TlsVersion::label)
            ));
            gaps.push("TLS older than 1.2 allowed".into());
        }
        Encryption::Tls => {
            cost += 1;
            controls.push("TLS".into());
        }
        Encryption::Mtls => {
            cost += 2;
            controls.push("mutual TLS".into());
        }
    }
    match flow.authentication {
        AuthKind::None | AuthKind::Unknown => gaps.push("no authentication".into()),
        AuthKind::ApiKey | AuthKind::Basic => {
            cost += 1;
            controls.push(flow.authentication.label().into());
            gaps.push("static credential (password or API key)".into());
        }
        AuthKind::Authenticated => {
            cost += 1;
            controls.push("authentication".into());
            gaps.push("authentication mechanism not recorded".into());
        }
        AuthKind::Session | AuthKind::Bearer | AuthKind::Jwt | AuthKind::Oauth2 => {
            cost += 2;
            controls.push(flow.authentication.label().into());
        }
        AuthKind::TwoFactor => {
            cost += 3;
            controls.push("two-factor authentication".into());
        }
        AuthKind::Mtls => {
            cost += 3;
            controls.push("client certificate".into());
        }
    }
    if hop.to.kind.is_process() {
        match flow.authorization.unwrap_or(hop.to.authorization) {
            Authorization::None => {
                gaps.push(format!("`{}` does not authorize requests", hop.to.id));
            }
            Authorization::TechnicalUser => {
                cost += 1;
                controls.push("service-level authorization".into());
                gaps.push(format!(
                    "`{}` authorizes the calling service, not the end user",
                    hop.to.id
                ));
            }
            Authorization::EndUser => {
                cost += 3;
                controls.push("per-user authorization".into());
            }
        }
    }
    if hop.to.kind == NodeKind::Gateway && hop.to.rate_limited {
        cost += 1;
        controls.push("rate limiting".into());
    }
    if !flow.controls.is_empty() {
        cost += 1;
        controls.push(
            flow.controls
                .iter()
                .map(|c| c.label())
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    if hop.to_info.trust > hop.from_info.trust && !flow.authentication.authenticates() {
        gaps.push("enters a higher-trust zone unauthenticated".into());
    }
    let controls = if controls.is_empty() {
        "none".to_string()
    } else {
        controls.join(", ")
    };
    debug_assert_eq!(cost, hop_weight(hop.flow, hop.to));
    (cost, controls, gaps)
}

/// Ranks node ids alphabetically, so that ties break the same way whatever the graph order.
fn id_ranks(ctx: &Ctx<'_>) -> Vec<u32> {
    let graph = ctx.model.graph();
    let mut ids: Vec<(NodeIndex, &str)> = graph
        .node_indices()
        .map(|i| (i, graph[i].id.as_str()))
        .collect();
    ids.sort_by(|a, b| a.1.cmp(b.1));
    let mut ranks = vec![u32::MAX; graph.node_bound()];
    for (rank, (i, _)) in ids.iter().enumerate() {
        ranks[i.index()] = u32::try_from(rank).unwrap_or(u32::MAX);
    }
    ranks
}

/// The weakest path to each high-value target from any untrusted entry, sorted by target id.
#[must_use]
pub fn attack_paths(ctx: &Ctx<'_>) -> Vec<AttackPath> {
    let graph = ctx.model.graph();
    let bound = graph.node_bound();
    let ranks = id_ranks(ctx);
    let mut dist = vec![u32::MAX; bound];
    let mut pred: Vec<Option<EdgeIndex>> = vec![None; bound];
    let mut heap = BinaryHeap::new();
    for (i, _, _) in ctx.nodes() {
        if ctx.is_entry(i) {
            dist[i.index()] = 0;
            heap.push(Reverse((0u32, ranks[i.index()], i)));
        }
    }
    if heap.is_empty() {
        return Vec::new();
    }
    while let Some(Reverse((d, _, u))) = heap.pop() {
        if d > dist[u.index()] {
            continue;
        }
        // Entries start paths; processes relay them; everything else ends them.
        if !(ctx.is_traversable(u) || (ctx.is_entry(u) && d == 0)) {
            continue;
        }
        for step in ctx.steps(u) {
            let v = step.to;
            if ctx.is_entry(v) {
                continue;
            }
            let nd = d + step.weight;
            if nd < dist[v.index()] {
                dist[v.index()] = nd;
                pred[v.index()] = Some(step.edge);
                heap.push(Reverse((nd, ranks[v.index()], v)));
            }
        }
    }
    let mut out = Vec::new();
    for (target, node, _) in ctx.nodes() {
        if dist[target.index()] == u32::MAX || !ctx.is_high_value(target) || ctx.is_entry(target) {
            continue;
        }
        let mut edges = Vec::new();
        let mut here = target;
        while let Some(e) = pred[here.index()] {
            edges.push(e);
            let Some(hop) = ctx.flow(e) else { break };
            here = hop.info.from;
            if edges.len() > bound {
                break;
            }
        }
        edges.reverse();
        let mut nodes = vec![ctx.node(here).id.clone()];
        let mut hops = Vec::with_capacity(edges.len());
        for e in &edges {
            let Some(hop) = ctx.flow(*e) else { continue };
            let (cost, controls, gaps) = hop_cost(&hop);
            nodes.push(hop.to.id.clone());
            hops.push(Hop {
                flow: hop.flow.id.clone(),
                from: hop.from.id.clone(),
                to: hop.to.id.clone(),
                cost,
                controls,
                gaps,
            });
        }
        discount_dropped_identity(ctx, &edges, &mut hops);
        let cost: u32 = hops.iter().map(|h| h.cost).sum();
        let weak = cost <= WEAK_AVERAGE * u32::try_from(hops.len()).unwrap_or(u32::MAX);
        out.push(AttackPath {
            entry: ctx.node(here).id.clone(),
            target: node.id.clone(),
            nodes,
            hops,
            cost,
            weak,
        });
    }
    out.sort_by(|a, b| a.target.cmp(&b.target));
    out
}

/// Per-user authorization early on a path protects nothing once a later service acts as itself
/// (the user's identity stops there, and what it does to the data is not checked per user): such
/// a hop is credited as service-level authorization only, with the gap named.
fn discount_dropped_identity(ctx: &Ctx<'_>, edges: &[EdgeIndex], hops: &mut [Hop]) {
    let mut dropped_at: Option<String> = None;
    for (e, hop) in edges.iter().zip(hops.iter_mut()).rev() {
        let Some(f) = ctx.flow(*e) else { continue };
        if !f.to.kind.is_process() {
            continue;
        }
        match f.flow.authorization.unwrap_or(f.to.authorization) {
            Authorization::EndUser => {
                if let Some(at) = &dropped_at {
                    hop.cost = hop.cost.saturating_sub(2).max(1);
                    hop.gaps.push(format!(
                        "per-user authorization at `{}`, but `{at}` downstream acts as itself",
                        f.to.id
                    ));
                }
            }
            Authorization::TechnicalUser | Authorization::None => {
                dropped_at = Some(f.to.id.clone());
            }
        }
    }
}

/// A search state: the access carried so far and whether some hop scoped it to the actor's
/// own records. Ranked so that a higher rank is better for the attacker: any unscoped access
/// beats any scoped one, then stronger access beats weaker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Reach {
    unscoped: bool,
    access: Access,
}

impl Reach {
    fn rank(self) -> usize {
        usize::from(self.unscoped) * 3 + self.access as usize
    }
}

/// Per-actor search state, reused (and reset only where touched) across actors.
struct PrivilegeSearch {
    /// Best unscoped and best scoped access seen per node.
    best_unscoped: Vec<Option<Access>>,
    best_scoped: Vec<Option<Access>>,
    /// The state each (node, rank) state was first offered from. Every state is offered at
    /// most once (a repeat is dominated) and only from a state already expanded, so following
    /// predecessors always goes back in time and ends at the actor.
    pred: Vec<Option<(NodeIndex, Reach)>>,
    touched: Vec<NodeIndex>,
    /// Pending states by rank, first in first out (so paths stay short).
    buckets: [VecDeque<(NodeIndex, Reach)>; 6],
}

impl PrivilegeSearch {
    fn new(bound: usize) -> Self {
        PrivilegeSearch {
            best_unscoped: vec![None; bound],
            best_scoped: vec![None; bound],
            pred: vec![None; bound * 6],
            touched: Vec::new(),
            buckets: Default::default(),
        }
    }

    fn reset(&mut self) {
        for n in self.touched.drain(..) {
            let i = n.index();
            self.best_unscoped[i] = None;
            self.best_scoped[i] = None;
            self.pred[i * 6..i * 6 + 6].fill(None);
        }
    }

    /// Whether the node already has a state at least as good as `r`.
    fn dominated(&self, n: NodeIndex, r: Reach) -> bool {
        let i = n.index();
        self.best_unscoped[i].is_some_and(|a| a >= r.access)
            || (!r.unscoped && self.best_scoped[i].is_some_and(|a| a >= r.access))
    }

    fn offer(&mut self, n: NodeIndex, r: Reach, from: Option<(NodeIndex, Reach)>) {
        if self.dominated(n, r) {
            return;
        }
        let i = n.index();
        if self.best_unscoped[i].is_none() && self.best_scoped[i].is_none() {
            self.touched.push(n);
        }
        if r.unscoped {
            self.best_unscoped[i] = Some(r.access);
        } else {
            self.best_scoped[i] = Some(r.access);
        }
        self.pred[i * 6 + r.rank()] = from;
        self.buckets[r.rank()].push_back((n, r));
    }

    /// The best pending state, skipping those superseded since they were queued.
    fn next(&mut self) -> Option<(NodeIndex, Reach)> {
        loop {
            let rank = (0..6).rev().find(|r| !self.buckets[*r].is_empty())?;
            let (n, r) = self.buckets[rank].pop_front()?;
            let i = n.index();
            let current = if r.unscoped {
                self.best_unscoped[i]
            } else {
                self.best_scoped[i]
            };
            let superseded = current != Some(r.access)
                || (!r.unscoped && self.best_unscoped[i].is_some_and(|a| a >= r.access));
            if !superseded {
                return Some((n, r));
            }
        }
    }

    fn best(&self, n: NodeIndex) -> Option<Reach> {
        let i = n.index();
        match (self.best_unscoped[i], self.best_scoped[i]) {
            (Some(access), _) => Some(Reach {
                unscoped: true,
                access,
            }),
            (None, Some(access)) => Some(Reach {
                unscoped: false,
                access,
            }),
            (None, None) => None,
        }
    }

    fn pred(&self, n: NodeIndex, r: Reach) -> Option<(NodeIndex, Reach)> {
        self.pred[n.index() * 6 + r.rank()]
    }
}

/// For each untrusted actor and each high-value store it can reach: the best access it gets
/// (unscoped before scoped, then the strongest), and through which nodes.
///
/// A best-first search over six ranks per actor: states are expanded from the best rank down,
/// and a state is dropped when its node already has one at least as good, so each node is
/// expanded at most once per rank, and usually once.
#[must_use]
pub fn effective_privileges(ctx: &Ctx<'_>) -> Vec<EffectivePrivilege> {
    let bound = ctx.model.graph().node_bound();
    let mut search = PrivilegeSearch::new(bound);
    let mut out = Vec::new();
    let mut entries: Vec<NodeIndex> = ctx
        .nodes()
        .filter(|(i, _, _)| ctx.is_entry(*i))
        .map(|(i, _, _)| i)
        .collect();
    entries.sort_by(|a, b| ctx.node(*a).id.cmp(&ctx.node(*b).id));
    for actor in entries {
        search.reset();
        for step in ctx.steps(actor) {
            if !ctx.is_entry(step.to) {
                let r = Reach {
                    unscoped: !step.scopes,
                    access: step.access,
                };
                search.offer(step.to, r, None);
            }
        }
        while let Some((n, r)) = search.next() {
            if !ctx.is_traversable(n) {
                continue;
            }
            for step in ctx.steps(n) {
                let to = step.to;
                if ctx.is_entry(to) || to == actor {
                    continue;
                }
                let next = Reach {
                    unscoped: r.unscoped && !step.scopes,
                    access: r.access.min(step.access),
                };
                search.offer(to, next, Some((n, r)));
            }
        }
        let mut found: Vec<(NodeIndex, Reach)> = search
            .touched
            .iter()
            .filter(|n| ctx.node(**n).kind.is_store() && ctx.is_high_value(**n))
            .filter_map(|n| Some((*n, search.best(*n)?)))
            .collect();
        found.sort_by(|a, b| ctx.node(a.0).id.cmp(&ctx.node(b.0).id));
        for (store, reach) in found {
            let mut via = vec![store];
            let mut here = (store, reach);
            while let Some(p) = search.pred(here.0, here.1) {
                via.push(p.0);
                here = p;
                if via.len() > bound {
                    break;
                }
            }
            via.push(actor);
            via.reverse();
            out.push(EffectivePrivilege {
                actor,
                store,
                access: reach.access,
                scoped: !reach.unscoped,
                via,
            });
        }
    }
    out
}

/// For each internet-facing node: the nodes and high-value data one compromise of it reaches.
#[must_use]
pub fn blast_radius(ctx: &Ctx<'_>) -> Vec<BlastRadius> {
    let graph = ctx.model.graph();
    let assets = &ctx.model.assets;
    let valuable: Vec<bool> = (0..assets.len())
        .map(|i| {
            ctx.asset_at(u32::try_from(i).unwrap_or(u32::MAX))
                .is_high_value()
        })
        .collect();
    let total = valuable.iter().filter(|v| **v).count();
    if total == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut seen = vec![false; graph.node_bound()];
    let mut visited: Vec<NodeIndex> = Vec::new();
    let mut exposed = vec![false; assets.len()];
    let mut starts: Vec<(NodeIndex, &str)> = ctx
        .nodes()
        .filter(|(_, n, _)| n.internet_facing)
        .map(|(i, n, _)| (i, n.id.as_str()))
        .collect();
    starts.sort_by(|a, b| a.1.cmp(b.1));
    let mark = |list: &[String], exposed: &mut Vec<bool>| {
        for id in list {
            if let Some(a) = ctx.asset_index(id).map(|a| a as usize)
                && valuable.get(a).copied().unwrap_or(false)
            {
                exposed[a] = true;
            }
        }
    };
    for (start, id) in starts {
        for n in visited.drain(..) {
            seen[n.index()] = false;
        }
        exposed.fill(false);
        let mut queue = VecDeque::from([start]);
        seen[start.index()] = true;
        visited.push(start);
        while let Some(n) = queue.pop_front() {
            mark(&ctx.node(n).stores, &mut exposed);
            if n != start && !ctx.is_traversable(n) {
                continue;
            }
            // A service that authorizes every request against the end user's identity does
            // not lend its reach to a compromised caller: the caller gets what the users it
            // serves may see, not the service's own access. The walk stops at it.
            if n != start && ctx.node(n).authorization == crate::model::Authorization::EndUser {
                continue;
            }
            for hop in ctx.outgoing(n) {
                if ctx.node(hop.info.to).authorization == crate::model::Authorization::EndUser
                    && ctx.is_traversable(hop.info.to)
                {
                    // Reached, but what crosses this flow is bounded by the user's rights.
                    if !seen[hop.info.to.index()] {
                        seen[hop.info.to.index()] = true;
                        visited.push(hop.info.to);
                    }
                    continue;
                }
                mark(&hop.flow.data, &mut exposed);
                let to = hop.info.to;
                if !seen[to.index()] {
                    seen[to.index()] = true;
                    visited.push(to);
                    queue.push_back(to);
                }
            }
        }
        let mut names: Vec<String> = exposed
            .iter()
            .enumerate()
            .filter(|(_, e)| **e)
            .map(|(i, _)| assets[i].id.clone())
            .collect();
        names.sort();
        let share = names.len() as f64 / total as f64;
        out.push(BlastRadius {
            node: id.to_string(),
            reached: visited.len() - 1,
            assets: names,
            share,
        });
    }
    out
}
