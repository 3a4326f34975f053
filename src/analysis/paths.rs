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
use std::collections::{BinaryHeap, HashMap, VecDeque};

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

/// What an untrusted actor can do to a store, transitively.
#[derive(Clone, Debug, Serialize)]
pub struct EffectivePrivilege {
    pub actor: String,
    pub store: String,
    pub access: Access,
    /// Some service on the way authorizes per end user, so the actor only reaches its own data.
    pub scoped: bool,
    /// Node ids from the actor to the store.
    pub via: Vec<String>,
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
        AuthKind::Session | AuthKind::Jwt | AuthKind::Oauth2 => {
            cost += 2;
            controls.push(flow.authentication.label().into());
        }
        AuthKind::Mtls => {
            cost += 3;
            controls.push("client certificate".into());
        }
    }
    if hop.to.kind.is_process() {
        match hop.to.authorization {
            Authorization::None => gaps.push(format!("`{}` does not authorize requests", hop.to.id)),
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
    if hop.to_info.trust > hop.from_info.trust && !flow.authentication.authenticates() {
        gaps.push("enters a higher-trust zone unauthenticated".into());
    }
    let controls = if controls.is_empty() {
        "none".to_string()
    } else {
        controls.join(", ")
    };
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
    let mut costs: HashMap<EdgeIndex, u32> = HashMap::new();
    while let Some(Reverse((d, _, u))) = heap.pop() {
        if d > dist[u.index()] {
            continue;
        }
        // Entries start paths; processes relay them; everything else ends them.
        if !(ctx.is_entry(u) && d == 0) && !ctx.is_traversable(u) {
            continue;
        }
        for hop in ctx.outgoing(u) {
            let v = hop.info.to;
            if ctx.is_entry(v) {
                continue;
            }
            let (c, _, _) = hop_cost(&hop);
            costs.insert(hop.index, c);
            let nd = d + c;
            if nd < dist[v.index()] {
                dist[v.index()] = nd;
                pred[v.index()] = Some(hop.index);
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
        let cost = dist[target.index()];
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

const STATES: usize = 6;

fn state(access: Access, scoped: bool) -> usize {
    (access as usize) * 2 + usize::from(scoped)
}

fn unstate(s: usize) -> (Access, bool) {
    (Access::ALL[s / 2], s % 2 == 1)
}

/// For each untrusted actor and each high-value store it can reach: the best access it gets
/// (unscoped before scoped, then the strongest), and through which nodes.
#[must_use]
pub fn effective_privileges(ctx: &Ctx<'_>) -> Vec<EffectivePrivilege> {
    let graph = ctx.model.graph();
    let bound = graph.node_bound();
    // Predecessor of each (node, state): (previous node, previous state), reset per actor.
    let mut pred: Vec<Option<(NodeIndex, u8)>> = vec![None; bound * STATES];
    let mut seen = vec![0u8; bound];
    let mut touched: Vec<NodeIndex> = Vec::new();
    let mut out = Vec::new();
    let mut entries: Vec<NodeIndex> = ctx
        .nodes()
        .filter(|(i, _, _)| ctx.is_entry(*i))
        .map(|(i, _, _)| i)
        .collect();
    entries.sort_by(|a, b| ctx.node(*a).id.cmp(&ctx.node(*b).id));
    for actor in entries {
        for n in touched.drain(..) {
            seen[n.index()] = 0;
            for s in 0..STATES {
                pred[n.index() * STATES + s] = None;
            }
        }
        let mut best: HashMap<NodeIndex, usize> = HashMap::new();
        let mut queue: VecDeque<(NodeIndex, usize)> = VecDeque::new();
        let visit = |n: NodeIndex,
                     s: usize,
                     from: Option<(NodeIndex, usize)>,
                     seen: &mut Vec<u8>,
                     pred: &mut Vec<Option<(NodeIndex, u8)>>,
                     touched: &mut Vec<NodeIndex>,
                     queue: &mut VecDeque<(NodeIndex, usize)>| {
            let bit = 1u8 << s;
            if seen[n.index()] & bit != 0 {
                return;
            }
            if seen[n.index()] == 0 {
                touched.push(n);
            }
            seen[n.index()] |= bit;
            pred[n.index() * STATES + s] =
                from.map(|(p, ps)| (p, u8::try_from(ps).unwrap_or(0)));
            queue.push_back((n, s));
        };
        for hop in ctx.outgoing(actor) {
            let to = hop.info.to;
            if ctx.is_entry(to) {
                continue;
            }
            let scoped = hop.to.kind.is_process() && hop.to.authorization == Authorization::EndUser;
            let s = state(hop.flow.access, scoped);
            visit(to, s, None, &mut seen, &mut pred, &mut touched, &mut queue);
        }
        while let Some((n, s)) = queue.pop_front() {
            let node = ctx.node(n);
            if node.kind.is_store() {
                if ctx.is_high_value(n) {
                    let rank = |s: usize| {
                        let (a, scoped) = unstate(s);
                        (!scoped, a)
                    };
                    let entry = best.entry(n).or_insert(s);
                    if rank(s) > rank(*entry) {
                        *entry = s;
                    }
                }
                continue;
            }
            if !ctx.is_traversable(n) {
                continue;
            }
            let (access, scoped) = unstate(s);
            for hop in ctx.outgoing(n) {
                let to = hop.info.to;
                if ctx.is_entry(to) || to == actor {
                    continue;
                }
                let next_scoped = scoped
                    || (hop.to.kind.is_process() && hop.to.authorization == Authorization::EndUser);
                let next = state(access.min(hop.flow.access), next_scoped);
                visit(to, next, Some((n, s)), &mut seen, &mut pred, &mut touched, &mut queue);
            }
        }
        let mut found: Vec<(NodeIndex, usize)> = best.into_iter().collect();
        found.sort_by(|a, b| ctx.node(a.0).id.cmp(&ctx.node(b.0).id));
        for (store, s) in found {
            let (access, scoped) = unstate(s);
            let mut via = vec![ctx.node(store).id.clone()];
            let mut here = (store, s);
            while let Some((p, ps)) = pred[here.0.index() * STATES + here.1] {
                via.push(ctx.node(p).id.clone());
                here = (p, usize::from(ps));
                if via.len() > bound {
                    break;
                }
            }
            via.push(ctx.node(actor).id.clone());
            via.reverse();
            out.push(EffectivePrivilege {
                actor: ctx.node(actor).id.clone(),
                store: ctx.node(store).id.clone(),
                access,
                scoped,
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
    let valuable: Vec<&str> = ctx
        .model
        .assets
        .iter()
        .filter(|a| ctx.asset(&a.id).is_high_value())
        .map(|a| a.id.as_str())
        .collect();
    if valuable.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut seen = vec![false; graph.node_bound()];
    let mut exposed: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    let mut starts: Vec<(NodeIndex, &str)> = ctx
        .nodes()
        .filter(|(_, n, _)| n.internet_facing)
        .map(|(i, n, _)| (i, n.id.as_str()))
        .collect();
    starts.sort_by(|a, b| a.1.cmp(b.1));
    for (start, id) in starts {
        seen.iter_mut().for_each(|s| *s = false);
        exposed.clear();
        let mut reached = 0;
        let mut queue = VecDeque::from([start]);
        seen[start.index()] = true;
        while let Some(n) = queue.pop_front() {
            let node = ctx.node(n);
            for asset in &node.stores {
                if ctx.asset(asset).is_high_value() {
                    exposed.insert(asset.as_str());
                }
            }
            if n != start && !ctx.is_traversable(n) {
                continue;
            }
            for hop in ctx.outgoing(n) {
                for asset in &hop.flow.data {
                    if ctx.asset(asset).is_high_value() {
                        exposed.insert(asset.as_str());
                    }
                }
                let to = hop.info.to;
                if !seen[to.index()] {
                    seen[to.index()] = true;
                    reached += 1;
                    queue.push_back(to);
                }
            }
        }
        let assets: Vec<String> = exposed.iter().map(|s| (*s).to_string()).collect();
        let share = assets.len() as f64 / valuable.len() as f64;
        out.push(BlastRadius {
            node: id.to_string(),
            reached,
            assets,
            share,
        });
    }
    out
}
