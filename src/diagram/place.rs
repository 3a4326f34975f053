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

/// Whether a box at `r`, held by the boundary `target` (and its parents), fits: it covers no
/// other box, lies in no boundary it is not in, and every boundary that must grow to hold it
/// still keeps clear of the boundaries beside it.
fn fits(scene: &Scene, r: Rect, target: Option<&str>, skip_node: Option<&str>) -> bool {
    let room = expand(r, MARGIN);
    if scene
        .nodes
        .iter()
        .any(|n| Some(n.id.as_str()) != skip_node && overlaps(n.rect, room))
    {
        return false;
    }
    let ancestors: HashSet<&str> = chain(scene, target).iter().map(|b| b.id.as_str()).collect();
    // Not inside (or touching) a boundary it will not belong to.
    if scene
        .boundaries
        .iter()
        .any(|b| !ancestors.contains(b.id.as_str()) && overlaps(b.rect, expand(r, PAD)))
    {
        return false;
    }
    // Each boundary around it, grown as needed, stays clear of those beside it.
    let mut grown = r;
    for b in chain(scene, target) {
        grown = union(b.rect, holding(grown));
        for other in &scene.boundaries {
            if within(scene, other, &b.id)
                || chain(scene, Some(&b.id)).iter().any(|a| a.id == other.id)
            {
                continue;
            }
            if overlaps(grown, other.rect) {
                return false;
            }
        }
    }
    true
}

/// Candidate centres around `near`, nearest first, on a grid fine enough to find gaps.
fn spiral(near: Pos, rings: i32) -> impl Iterator<Item = Pos> {
    let (sx, sy) = ((NODE_W + MARGIN) / 4.0, (NODE_H + MARGIN) / 3.0);
    (0..rings).flat_map(move |ring| {
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
        cells.into_iter().map(move |(dx, dy)| Pos {
            x: (near.x + dx as f32 * sx).round(),
            y: (near.y + dy as f32 * sy).round(),
        })
    })
}

/// Where a node's box goes in `boundary` (none: outside every boundary), as near `near` as
/// possible (default: the middle of the boundary's free space). `node` is the node being moved,
/// if it is one already drawn (its own box is then no obstacle).
#[must_use]
pub fn place_node(
    scene: &Scene,
    boundary: Option<&str>,
    near: Option<Pos>,
    node: Option<&str>,
) -> Pos {
    let region = boundary.and_then(|b| scene.boundary(b)).map(|b| b.rect);
    let near = near.unwrap_or_else(|| match region {
        Some(r) => {
            let c = content(r);
            Pos {
                x: c.x + c.w / 2.0,
                y: c.y + c.h / 2.0,
            }
        }
        None => {
            let b = scene.bounds;
            Pos {
                x: b.x + b.w + NODE_W,
                y: b.y + NODE_H,
            }
        }
    });
    let mut outside = None;
    for p in spiral(near, 120) {
        let r = node_rect(p);
        if !fits(scene, r, boundary, node) {
            continue;
        }
        if region.is_none_or(|reg| contains(content(reg), r)) {
            return p;
        }
        outside.get_or_insert(p);
    }
    if let Some(p) = outside {
        return p;
    }
    // Nothing nearby: beside the whole drawing, where nothing is.
    let b = scene.bounds;
    Pos {
        x: b.x + b.w + NODE_W,
        y: b.y + b.h / 2.0,
    }
}

/// Where a new, empty boundary goes inside `parent` (none: at the top level): a free place in
/// the parent, else beside its siblings.
#[must_use]
pub fn place_boundary(scene: &Scene, parent: Option<&str>, title_width: f32) -> Rect {
    let w = (NODE_W + 2.0 * PAD).max(title_width);
    let h = NODE_H + 2.0 * PAD + TITLE_BAND;
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
    let ancestors: HashSet<&str> = chain(scene, parent).iter().map(|b| b.id.as_str()).collect();
    let free = |r: Rect| {
        let room = expand(r, MARGIN / 2.0);
        !scene.nodes.iter().any(|n| overlaps(n.rect, room))
            && !scene
                .boundaries
                .iter()
                .any(|b| !ancestors.contains(b.id.as_str()) && overlaps(b.rect, room))
            && {
                let mut grown = r;
                chain(scene, parent).iter().all(|b| {
                    grown = union(b.rect, expand(grown, PAD));
                    scene.boundaries.iter().all(|o| {
                        within(scene, o, &b.id)
                            || chain(scene, Some(&b.id)).iter().any(|a| a.id == o.id)
                            || !overlaps(grown, o.rect)
                    })
                })
            }
    };
    let mut outside = None;
    for p in spiral(near, 160) {
        let r = at(p);
        if !free(r) {
            continue;
        }
        if region.is_none_or(|reg| contains(content(reg), r)) {
            return r;
        }
        outside.get_or_insert(r);
    }
    outside.unwrap_or_else(|| {
        let b = scene.bounds;
        at(Pos {
            x: b.x + b.w + MARGIN + w / 2.0,
            y: b.y + h / 2.0,
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
