//! The diagram engine: one geometry for the canvas, the PDF and the SVG. From a model it builds
//! a [`Scene`]: where every node sits (hand-set positions kept, the rest laid out in layers
//! from the least to the most trusted zone), the rectangle of every trust boundary (nested, each
//! containing its members), an orthogonal route for every flow around the nodes it does not
//! connect, and a label or numbered callout for every flow. Pure functions over positions and
//! rectangles: no egui, no printpdf. Front ends only draw the scene.
//!
//! Layout (`layout`): written on petgraph rather than taken from a crate: rust-sugiyama lays out
//! flat graphs only, and neither it nor layout-rs keeps nested clusters contiguous or orders
//! zones by trust, which is what a threat-model diagram is read by. Each boundary is laid out as
//! a box of columns (zones by trust, then flow order), boxes nest, and a few barycentre sweeps
//! over the whole drawing reduce crossings. Routing (`route`): ports on node sides, simple
//! orthogonal shapes where they are free, A* on a grid around obstacles where they are not.

mod label;
mod layout;
mod place;
mod route;
mod structure;

use std::collections::BTreeSet;

use serde::Serialize;

use crate::model::{Encryption, Model, NodeKind, Pos, Rect};

pub use layout::free_spot;
pub use place::{Room, frozen, make_room, new_boundary_size, place_boundary, place_node};

/// Size of a node's box, in canvas units.
pub const NODE_W: f32 = 140.0;
pub const NODE_H: f32 = 52.0;
/// Room between a boundary's edge and what it contains.
pub const PAD: f32 = 18.0;
/// Height of a boundary's title band, above its content.
pub const TITLE_BAND: f32 = 24.0;
/// Font sizes (canvas units) the scene was measured with; front ends draw at these sizes.
pub const NODE_FONT: f32 = 12.0;
pub const FLOW_FONT: f32 = 10.0;
pub const TITLE_FONT: f32 = 11.5;
/// Room a node's name has: the box less its icon column and margins.
pub const NAME_W: f32 = NODE_W - 36.0;

/// What to draw.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Boundaries drawn as one box (their members hidden, their flows aggregated).
    pub collapsed: BTreeSet<String>,
    /// Lay everything out automatically, ignoring positions set by hand (an overview).
    pub auto: bool,
}

/// A node's box (or a collapsed boundary's).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SceneNode {
    /// The node id, or the boundary id of a collapsed boundary.
    pub id: String,
    pub kind: NodeKind,
    pub rect: Rect,
    /// The name fitted into the box: at most two lines, an ellipsis when cut.
    pub lines: Vec<String>,
    pub name: String,
    pub truncated: bool,
    /// For a collapsed boundary: the number of nodes inside.
    pub collapsed: Option<usize>,
}

impl SceneNode {
    #[must_use]
    pub fn center(&self) -> Pos {
        Pos {
            x: self.rect.x + self.rect.w / 2.0,
            y: self.rect.y + self.rect.h / 2.0,
        }
    }
}

/// A trust boundary's region.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SceneBoundary {
    pub id: String,
    pub rect: Rect,
    /// Nesting depth, 0 for top level: parents come first in [`Scene::boundaries`].
    pub depth: usize,
    pub parent: Option<String>,
    /// "Name · trust N" fitted into the title band, with an ellipsis when cut.
    pub title: String,
    pub full_title: String,
    pub truncated: bool,
    pub trust: u8,
    /// A compliance zone (has a scope).
    pub zone: bool,
    /// Where the title is drawn (routes and labels keep clear of it).
    pub title_rect: Rect,
}

/// The cells of the square ring at `ring` steps from a centre, nearest first for steps of
/// `sx` by `sy` (ties in a fixed order): where placement and layout look for free space.
pub(crate) fn ring_cells(ring: i32, sx: f32, sy: f32) -> Vec<(i32, i32)> {
    let mut cells: Vec<(i32, i32)> = Vec::new();
    for dx in -ring..=ring {
        for dy in -ring..=ring {
            if dx.abs().max(dy.abs()) == ring {
                cells.push((dx, dy));
            }
        }
    }
    cells.sort_by(|a, b| {
        let da = (a.0 as f32 * sx).hypot(a.1 as f32 * sy);
        let db = (b.0 as f32 * sx).hypot(b.1 as f32 * sy);
        da.total_cmp(&db).then(a.cmp(b))
    });
    cells
}

/// The colour family of a boundary, by its trust level (or a compliance zone's own): one
/// mapping for the canvas, the PDF and the SVG, with five bands so that neighbouring zones of
/// a typical model (internet, partner, DMZ, internal, restricted) differ at a glance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Band {
    Untrusted,
    Low,
    Internal,
    Trusted,
    Restricted,
    Zone,
}

impl Band {
    pub const ALL: [Band; 6] = [
        Band::Untrusted,
        Band::Low,
        Band::Internal,
        Band::Trusted,
        Band::Restricted,
        Band::Zone,
    ];

    #[must_use]
    pub fn of(trust: u8, zone: bool) -> Band {
        match (zone, trust) {
            (true, _) => Band::Zone,
            (false, 0..=1) => Band::Untrusted,
            (false, 2..=3) => Band::Low,
            (false, 4..=5) => Band::Internal,
            (false, 6..=7) => Band::Trusted,
            (false, _) => Band::Restricted,
        }
    }

    /// A representative trust level of the band (for swatches).
    #[must_use]
    pub fn sample(self) -> (u8, bool) {
        match self {
            Band::Untrusted => (0, false),
            Band::Low => (3, false),
            Band::Internal => (5, false),
            Band::Trusted => (7, false),
            Band::Restricted => (9, false),
            Band::Zone => (5, true),
        }
    }

    /// The band's colour (outline and title; fills are this, faint).
    #[must_use]
    pub fn rgb(self) -> [u8; 3] {
        match self {
            Band::Untrusted => [219, 61, 51],
            Band::Low => [222, 118, 28],
            Band::Internal => [190, 150, 10],
            Band::Trusted => [41, 150, 84],
            Band::Restricted => [32, 112, 184],
            Band::Zone => [140, 84, 209],
        }
    }

    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Band::Untrusted => "untrusted 0–1",
            Band::Low => "low 2–3",
            Band::Internal => "internal 4–5",
            Band::Trusted => "trusted 6–7",
            Band::Restricted => "restricted 8–10",
            Band::Zone => "compliance zone",
        }
    }
}

impl SceneBoundary {
    #[must_use]
    pub fn band(&self) -> Band {
        Band::of(self.trust, self.zone)
    }
}

/// How a flow is labelled.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum FlowLabel {
    /// The name, on the route.
    Text { rect: Rect, text: String },
    /// A short numbered tag on the route; the name is in [`Scene::key`].
    Callout {
        rect: Rect,
        tag: String,
        text: String,
    },
}

impl FlowLabel {
    #[must_use]
    pub fn rect(&self) -> Rect {
        match self {
            FlowLabel::Text { rect, .. } | FlowLabel::Callout { rect, .. } => *rect,
        }
    }

    /// The full text (the name, whether or not it is drawn in full).
    #[must_use]
    pub fn text(&self) -> &str {
        match self {
            FlowLabel::Text { text, .. } | FlowLabel::Callout { text, .. } => text,
        }
    }
}

/// A flow's route: an orthogonal polyline from the side of one box to the side of another.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SceneFlow {
    /// The flow id (for a flow aggregated into a collapsed boundary, its first flow's id).
    pub id: String,
    /// The model flows this route stands for (one, unless a collapsed boundary aggregates).
    pub flows: Vec<String>,
    /// Scene node ids at its ends.
    pub from: String,
    pub to: String,
    /// The weakest protection among its flows.
    pub encryption: Encryption,
    /// From the source's side to the target's side; the arrow is at the last point.
    pub points: Vec<Pos>,
    pub label: FlowLabel,
}

/// One line of the key beside a diagram: a callout, or a name cut in the drawing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyEntry {
    /// `F3`, or the element id for a cut name.
    pub tag: String,
    pub text: String,
    /// The element (flow, node or boundary id).
    pub element: String,
}

/// Everything a front end draws.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Scene {
    pub nodes: Vec<SceneNode>,
    /// Parents before children.
    pub boundaries: Vec<SceneBoundary>,
    pub flows: Vec<SceneFlow>,
    pub key: Vec<KeyEntry>,
    pub bounds: Rect,
}

impl Scene {
    #[must_use]
    pub fn node(&self, id: &str) -> Option<&SceneNode> {
        self.nodes.iter().find(|n| n.id == id)
    }

    #[must_use]
    pub fn boundary(&self, id: &str) -> Option<&SceneBoundary> {
        self.boundaries.iter().find(|b| b.id == id)
    }

    #[must_use]
    pub fn flow(&self, id: &str) -> Option<&SceneFlow> {
        self.flows
            .iter()
            .find(|f| f.id == id || f.flows.iter().any(|x| x == id))
    }

    /// The innermost boundary whose region contains `p`.
    #[must_use]
    pub fn boundary_at(&self, p: Pos) -> Option<&SceneBoundary> {
        self.boundaries
            .iter()
            .filter(|b| contains_point(b.rect, p))
            .max_by_key(|b| b.depth)
    }

    /// The node whose box contains `p`.
    #[must_use]
    pub fn node_at(&self, p: Pos) -> Option<&SceneNode> {
        self.nodes.iter().rev().find(|n| contains_point(n.rect, p))
    }

    /// Proper crossings between the routes of different flows (a measure of legibility).
    #[must_use]
    pub fn crossings(&self) -> usize {
        route::crossings(&self.flows)
    }
}

/// Builds the scene of a model.
#[must_use]
pub fn scene(model: &Model, options: &Options) -> Scene {
    let s = structure::Structure::new(model, options);
    let placement = layout::positions(model, &s);
    let (nodes, boundaries) = layout::boxes(model, &s, &placement);
    let mut flows = route::route(&s, &nodes, &boundaries);
    let key = label::place(&s, &nodes, &boundaries, &mut flows);
    let bounds = nodes
        .iter()
        .map(|n| n.rect)
        .chain(boundaries.iter().map(|b| b.rect))
        .chain(flows.iter().map(|f| f.label.rect()))
        .reduce(union)
        .unwrap_or(Rect {
            x: 0.0,
            y: 0.0,
            w: 0.0,
            h: 0.0,
        });
    Scene {
        nodes,
        boundaries,
        flows,
        key,
        bounds,
    }
}

/// The automatic layout's node centres (every node, ignoring hand positions).
#[must_use]
pub fn auto_positions(model: &Model) -> std::collections::BTreeMap<String, Pos> {
    let options = Options {
        auto: true,
        ..Options::default()
    };
    let s = structure::Structure::new(model, &options);
    let placement = layout::positions(model, &s);
    s.items
        .iter()
        .zip(placement.centres)
        .filter(|(item, _)| item.node.is_some())
        .map(|(item, p)| (item.key.clone(), p))
        .collect()
}

/// The rectangle of a node centred at `p`.
#[must_use]
pub fn node_rect(p: Pos) -> Rect {
    Rect {
        x: p.x - NODE_W / 2.0,
        y: p.y - NODE_H / 2.0,
        w: NODE_W,
        h: NODE_H,
    }
}

#[must_use]
pub fn union(a: Rect, b: Rect) -> Rect {
    let x0 = a.x.min(b.x);
    let y0 = a.y.min(b.y);
    let x1 = (a.x + a.w).max(b.x + b.w);
    let y1 = (a.y + a.h).max(b.y + b.h);
    Rect {
        x: x0,
        y: y0,
        w: x1 - x0,
        h: y1 - y0,
    }
}

/// Whether two rectangles share interior points.
#[must_use]
pub fn overlaps(a: Rect, b: Rect) -> bool {
    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
}

/// Whether `outer` contains `inner` entirely.
#[must_use]
pub fn contains(outer: Rect, inner: Rect) -> bool {
    outer.x <= inner.x + 0.01
        && outer.y <= inner.y + 0.01
        && outer.x + outer.w >= inner.x + inner.w - 0.01
        && outer.y + outer.h >= inner.y + inner.h - 0.01
}

#[must_use]
pub fn contains_point(r: Rect, p: Pos) -> bool {
    p.x >= r.x && p.x <= r.x + r.w && p.y >= r.y && p.y <= r.y + r.h
}

/// `r` grown by `d` on every side.
#[must_use]
pub fn expand(r: Rect, d: f32) -> Rect {
    Rect {
        x: r.x - d,
        y: r.y - d,
        w: r.w + 2.0 * d,
        h: r.h + 2.0 * d,
    }
}

#[cfg(test)]
mod tests;
