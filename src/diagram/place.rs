//! Where a new (or dropped) node or a new boundary goes: the nearest free place, inside its
//! boundary when there is room, never on another box, never inside a boundary it is not in,
//! and, where its boundary must grow to hold it, only where the grown boundary (and each of its
//! parents) still keeps clear of the boundaries beside it.

use std::collections::HashSet;

use super::{
    NODE_H, NODE_W, PAD, Scene, SceneBoundary, TITLE_BAND, contains, expand, node_rect, overlaps,
    union,
};
use crate::model::{Model, Pos, Rect};

/// Space kept around a placed box.
const MARGIN: f32 = 20.0;

/// The region a boundary needs to hold `r` with its padding and title.
fn holding(r: Rect) -> Rect {
    Rect {
        x: r.x - PAD,
        y: r.y - PAD - TITLE_BAND,
        w: r.w + 2.0 * PAD,
        h: r.h + 2.0 * PAD + TITLE_BAND,
    }
}

fn content(r: Rect) -> Rect {
    Rect {
        x: r.x + PAD,
        y: r.y + PAD + TITLE_BAND,
        w: (r.w - 2.0 * PAD).max(0.0),
        h: (r.h - 2.0 * PAD - TITLE_BAND).max(0.0),
    }
}

/// The boundary ids from `id` up to the top level (cycle-safe).
fn chain<'s>(scene: &'s Scene, id: Option<&str>) -> Vec<&'s SceneBoundary> {
    let mut out: Vec<&SceneBoundary> = Vec::new();
    let mut here = id.and_then(|b| scene.boundary(b));
    while let Some(b) = here {
        if out.iter().any(|x| x.id == b.id) {
            break;
        }
        out.push(b);
        here = b.parent.as_deref().and_then(|p| scene.boundary(p));
    }
    out
}

/// Whether `b` is `of` or inside it.
fn within(scene: &Scene, b: &SceneBoundary, of: &str) -> bool {
    chain(scene, Some(&b.id)).iter().any(|x| x.id == of)
}

/// What a box must keep clear of when it goes into `target`, worked out once per placement:
/// the other boxes, the boundaries it will not be in, and for each boundary around it (which
/// grows to hold it) the boundaries beside that one and the nodes outside it.
struct Fitter {
    nodes: Vec<Rect>,
    foreign: Vec<Rect>,
    /// Per boundary around the box, innermost first: its region, what is beside it, the nodes
    /// outside it.
    levels: Vec<(Rect, Vec<Rect>, Vec<Rect>)>,
}

impl Fitter {
    fn new(scene: &Scene, target: Option<&str>, skip_node: Option<&str>) -> Self {
        let around = chain(scene, target);
        let ancestors: HashSet<&str> = around.iter().map(|b| b.id.as_str()).collect();
        let nodes: Vec<Rect> = scene
            .nodes
            .iter()
            .filter(|n| Some(n.id.as_str()) != skip_node)
            .map(|n| n.rect)
            .collect();
        let foreign = scene
            .boundaries
            .iter()
            .filter(|b| !ancestors.contains(b.id.as_str()))
            .map(|b| b.rect)
            .collect();
        let levels = around
            .iter()
            .map(|b| {
                let up: HashSet<&str> = chain(scene, Some(&b.id))
                    .iter()
                    .map(|x| x.id.as_str())
                    .collect();
                let beside = scene
                    .boundaries
                    .iter()
                    .filter(|o| !within(scene, o, &b.id) && !up.contains(o.id.as_str()))
                    .map(|o| o.rect)
                    .collect();
                let outside = nodes
                    .iter()
                    .copied()
                    .filter(|n| !contains(b.rect, *n))
                    .collect();
                (b.rect, beside, outside)
            })
            .collect();
        Fitter {
            nodes,
            foreign,
            levels,
        }
    }

    /// Whether a box at `r` fits: it covers no other box (with `margin` around it), lies in
    /// no boundary it is not in, and every boundary that grows to hold it keeps clear of the
    /// boundaries beside it and of the nodes outside it.
    fn fits(&self, r: Rect, margin: f32) -> bool {
        let room = expand(r, margin);
        if self.nodes.iter().any(|n| overlaps(*n, room)) {
            return false;
        }
        let padded = expand(r, PAD.min(margin));
        if self.foreign.iter().any(|b| overlaps(*b, padded)) {
            return false;
        }
        let mut grown = r;
        for (region, beside, outside) in &self.levels {
            grown = union(*region, holding(grown));
            if grown == *region {
                continue;
            }
            if beside.iter().any(|o| overlaps(grown, *o))
                || outside.iter().any(|n| overlaps(grown, *n))
            {
                return false;
            }
        }
        true
    }
}

/// Candidate centres around `near`, nearest first, on a grid fine enough to find gaps.
fn spiral(near: Pos, rings: i32) -> impl Iterator<Item = Pos> {
    let (sx, sy) = ((NODE_W + MARGIN) / 4.0, (NODE_H + MARGIN) / 3.0);
    (0..rings).flat_map(move |ring| {
        let cells = super::ring_cells(ring, sx, sy);
        cells.into_iter().map(move |(dx, dy)| Pos {
            x: (near.x + dx as f32 * sx).round(),
            y: (near.y + dy as f32 * sy).round(),
        })
    })
}

/// Where a node's box goes in `boundary` (none: outside every boundary), as near `near` as
/// possible (default: the middle of the boundary's free space). `node` is the node being moved,
/// if it is one already drawn (its own box is then no obstacle). `None` when there is no room
/// near: the boundary is full and cannot grow without covering its neighbours (see
/// [`make_room`]).
#[must_use]
pub fn place_node(
    scene: &Scene,
    boundary: Option<&str>,
    near: Option<Pos>,
    node: Option<&str>,
) -> Option<Pos> {
    let region = boundary.and_then(|b| scene.boundary(b)).map(|b| b.rect);
    let near = near.unwrap_or_else(|| {
        if let Some(r) = region {
            let c = content(r);
            Pos {
                x: c.x + c.w / 2.0,
                y: c.y + c.h / 2.0,
            }
        } else {
            let b = scene.bounds;
            Pos {
                x: b.x + b.w + NODE_W,
                y: b.y + NODE_H,
            }
        }
    });
    let fitter = Fitter::new(scene, boundary, node);
    let mut outside = None;
    for p in spiral(near, 90) {
        let r = node_rect(p);
        if !fitter.fits(r, MARGIN) {
            continue;
        }
        if region.is_none_or(|reg| contains(content(reg), r)) {
            return Some(p);
        }
        outside.get_or_insert(p);
    }
    outside.or_else(|| {
        // Outside every boundary there is always room beside the whole drawing.
        boundary.is_none().then(|| {
            let b = scene.bounds;
            Pos {
                x: b.x + b.w + NODE_W,
                y: b.y + b.h / 2.0,
            }
        })
    })
}

/// Room for one more box in a full boundary: the box goes after the boundary's last member,
/// at the top of its content, and everything from the boundary's right edge on moves right by
/// `dx` (a column inserted across the drawing) — and, when the box is taller than the
/// boundary's content, everything below it moves down by `dy` — so the grown boundary covers
/// nothing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Room {
    /// The box's top-left corner.
    pub at: Pos,
    /// Boxes and regions that start at or right of this x move right by `dx`.
    pub from_x: f32,
    pub dx: f32,
    /// Boxes and regions that start at or below this y move down by `dy`.
    pub from_y: f32,
    pub dy: f32,
}

#[must_use]
pub fn make_room(scene: &Scene, boundary: &str, w: f32, h: f32) -> Option<Room> {
    let b = scene.boundary(boundary)?;
    let c = content(b.rect);
    let right = scene
        .nodes
        .iter()
        .map(|n| n.rect)
        .chain(
            scene
                .boundaries
                .iter()
                .filter(|x| x.id != b.id && within(scene, x, &b.id))
                .map(|x| x.rect),
        )
        .filter(|r| contains(b.rect, *r))
        .map(|r| r.x + r.w)
        .fold(c.x - 2.0 * MARGIN, f32::max);
    let at = Pos {
        x: (right + 2.0 * MARGIN).round(),
        y: c.y.round(),
    };
    let grown_right = at.x + w + PAD;
    let edge = b.rect.x + b.rect.w;
    let grown_bottom = at.y + h + PAD;
    let bottom = b.rect.y + b.rect.h;
    let dy = if grown_bottom > bottom {
        (grown_bottom - bottom + 2.0 * MARGIN).round()
    } else {
        0.0
    };
    Some(Room {
        at,
        from_x: edge - 0.5,
        dx: (grown_right - edge + 2.0 * MARGIN).max(0.0).round(),
        from_y: bottom - 0.5,
        dy,
    })
}

/// The size of a new, empty boundary with a title this wide.
#[must_use]
pub fn new_boundary_size(title_width: f32) -> (f32, f32) {
    (
        (NODE_W + 2.0 * PAD).max(title_width),
        NODE_H + 2.0 * PAD + TITLE_BAND,
    )
}

/// Where a new, empty boundary goes inside `parent` (none: at the top level): a free place in
/// the parent, else beside its siblings; `None` when the parent is full (see [`make_room`]).
#[must_use]
pub fn place_boundary(scene: &Scene, parent: Option<&str>, title_width: f32) -> Option<Rect> {
    let (w, h) = new_boundary_size(title_width);
    let region = parent.and_then(|b| scene.boundary(b)).map(|b| b.rect);
    let siblings: Vec<Rect> = scene
        .boundaries
        .iter()
        .filter(|b| b.parent.as_deref() == parent)
        .map(|b| b.rect)
        .collect();
    let near = match (region, siblings.iter().copied().reduce(union)) {
        (_, Some(s)) => Pos {
            x: s.x + s.w + MARGIN + w / 2.0,
            y: s.y + h / 2.0,
        },
        (Some(r), None) => {
            let c = content(r);
            Pos {
                x: c.x + w / 2.0,
                y: c.y + h / 2.0,
            }
        }
        (None, None) => {
            let b = scene.bounds;
            Pos {
                x: b.x + b.w + MARGIN + w / 2.0,
                y: b.y + h / 2.0,
            }
        }
    };
    let at = |p: Pos| Rect {
        x: (p.x - w / 2.0).round(),
        y: (p.y - h / 2.0).round(),
        w,
        h,
    };
    let fitter = Fitter::new(scene, parent, None);
    let free = |r: Rect| fitter.fits(r, MARGIN / 2.0);
    let mut outside = None;
    for p in spiral(near, 120) {
        let r = at(p);
        if !free(r) {
            continue;
        }
        if region.is_none_or(|reg| contains(content(reg), r)) {
            return Some(r);
        }
        outside.get_or_insert(r);
    }
    outside.or_else(|| {
        // At the top level there is always room beside the whole drawing.
        parent.is_none().then(|| {
            let b = scene.bounds;
            at(Pos {
                x: b.x + b.w + MARGIN + w / 2.0,
                y: b.y + h / 2.0,
            })
        })
    })
}

/// What [`frozen`] writes: node centres, and boundary regions.
pub type Frozen = (Vec<(String, Pos)>, Vec<(String, Rect)>);

/// The positions to write into a model whose drawing is (partly) automatic, so that an edit
/// moves nothing else: every node's centre, and the region of every boundary with nothing in
/// it and no size of its own.
#[must_use]
pub fn frozen(model: &Model, scene: &Scene) -> Frozen {
    let nodes: Vec<(String, Pos)> = model
        .nodes()
        .filter(|n| !model.layout.nodes.contains_key(&n.id))
        .filter_map(|n| scene.node(&n.id).map(|s| (n.id.clone(), s.center())))
        .collect();
    let holders: HashSet<&str> = model
        .nodes()
        .filter_map(|n| n.boundary.as_deref())
        .flat_map(|b| model.boundary_chain(b).into_iter().map(|x| x.id.as_str()))
        .collect();
    let boundaries: Vec<(String, Rect)> = model
        .boundaries
        .iter()
        .filter(|b| {
            !holders.contains(b.id.as_str()) && !model.layout.boundaries.contains_key(&b.id)
        })
        .filter_map(|b| scene.boundary(&b.id).map(|s| (b.id.clone(), s.rect)))
        .collect();
    (nodes, boundaries)
}
