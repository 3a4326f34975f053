//! Where boxes go. The automatic layout is layered and nested: each boundary is a box whose
//! content is arranged in columns — its members and child boundaries grouped by trust (least
//! trusted to the left), then by the order of the flows between them — and boxes nest inside
//! their parents. A few barycentre sweeps over the whole drawing then reorder each column by
//! where its neighbours are, which removes most crossings. Positions set by hand are kept; boxes
//! without one go into free space inside their boundary.

use std::collections::HashMap;

use super::structure::Structure;
use super::{
    NAME_W, NODE_FONT, NODE_H, NODE_W, PAD, SceneBoundary, SceneNode, TITLE_BAND, TITLE_FONT,
    expand, node_rect, overlaps, union,
};
use crate::model::{Model, Pos, Rect};
use crate::text;

/// Space between columns: room for a flow's label.
const COL_GAP: f32 = 110.0;
/// Space between the columns a tall column is split into.
const SPLIT_GAP: f32 = 50.0;
/// Space between boxes stacked in a column.
const ROW_GAP: f32 = 30.0;
/// A column taller than this (and than its tallest box) is split.
const MAX_COLUMN: f32 = 6.0 * NODE_H + 5.0 * ROW_GAP;
/// A row wider than this (and than its widest box) is split.
const MAX_ROW: f32 = 5.0 * NODE_W + 4.0 * STACK_GAP;
/// Space between rows of a top-to-bottom block.
const ROW_LANE_GAP: f32 = 56.0;
/// Space between boxes side by side in a row.
const STACK_GAP: f32 = 44.0;
/// Barycentre sweeps.
const SWEEPS: usize = 8;

/// A box inside a boundary's content: a node (or collapsed boundary) or a child boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Entry {
    Item(usize),
    Bound(usize),
}

/// A boundary's content (or the top level's), arranged in lanes: columns running left to
/// right, or (`vertical`) rows running top to bottom. Boundaries that hold other boundaries
/// alternate the direction with their parent, as the zones of a cloud account are drawn (public
/// subnets above private ones) inside a left-to-right picture of the internet, the partners and
/// the account; boundaries holding only nodes run as their parent does.
#[derive(Default, Clone)]
struct Block {
    vertical: bool,
    lanes: Vec<Vec<Entry>>,
    /// Offset and extent of each lane along the main direction.
    lane_at: Vec<f32>,
    lane_len: Vec<f32>,
    content_w: f32,
    content_h: f32,
    w: f32,
    h: f32,
}

/// Gaps: between lanes, between the parts of a split lane, between boxes in a lane.
fn gaps(vertical: bool) -> (f32, f32, f32) {
    if vertical {
        (ROW_LANE_GAP, ROW_GAP, STACK_GAP)
    } else {
        (COL_GAP, SPLIT_GAP, ROW_GAP)
    }
}

/// The width a boundary needs for its title.
fn title_width(title: &str) -> f32 {
    text::fonts().width(title, TITLE_FONT, true) + 18.0
}

struct Auto<'a> {
    s: &'a Structure,
    /// Block per boundary; the last one is the top level.
    blocks: Vec<Block>,
    /// Size of each entry.
    item_size: (f32, f32),
}

impl Auto<'_> {
    fn top(&self) -> usize {
        self.s.bounds.len()
    }

    fn size(&self, e: Entry) -> (f32, f32) {
        match e {
            Entry::Item(_) => self.item_size,
            Entry::Bound(b) => (self.blocks[b].w, self.blocks[b].h),
        }
    }

    /// (extent along the lanes' direction, extent across it).
    fn dims(&self, e: Entry, vertical: bool) -> (f32, f32) {
        let (w, h) = self.size(e);
        if vertical { (h, w) } else { (w, h) }
    }

    fn trust(&self, e: Entry) -> u8 {
        match e {
            Entry::Item(i) => self.s.items[i].trust,
            Entry::Bound(b) => self.s.bounds[b].trust,
        }
    }
}

/// Where the boxes go: every box's centre, in item order, and where the automatic layout put
/// each boundary (used for boundaries with nothing inside).
pub(super) struct Placement {
    pub centres: Vec<Pos>,
    pub regions: Vec<Option<Rect>>,
}

/// Every box's centre (see [`Placement`]).
pub(super) fn positions(model: &Model, s: &Structure) -> Placement {
    let n = s.items.len();
    let hands: Vec<Option<Pos>> = (0..n).map(|i| hand(s, i, model)).collect();
    if n > 0 && hands.iter().all(Option::is_some) {
        return Placement {
            centres: hands.into_iter().flatten().collect(),
            regions: vec![None; s.bounds.len()],
        };
    }
    let (auto, regions) = auto_layout(s);
    if hands.iter().all(Option::is_none) {
        return Placement {
            centres: auto,
            regions,
        };
    }
    // Some boxes were placed by hand: keep them, and put each of the others into free space
    // inside its boundary, near where the automatic layout would have it (shifted as the hand
    // layout is shifted from it).
    let (mut dx, mut dy, mut k) = (0.0, 0.0, 0.0);
    for (h, a) in hands.iter().zip(&auto) {
        if let Some(h) = h {
            dx += h.x - a.x;
            dy += h.y - a.y;
            k += 1.0;
        }
    }
    let (dx, dy) = (dx / k, dy / k);
    let mut out: Vec<Option<Pos>> = hands.clone();
    let mut occupied: Vec<Rect> = hands.iter().flatten().map(|p| node_rect(*p)).collect();
    for i in 0..n {
        if out[i].is_some() {
            continue;
        }
        let container = s.items[i].container;
        let siblings: Vec<Rect> = (0..n)
            .filter(|j| s.items[*j].container == container)
            .filter_map(|j| out[j].map(node_rect))
            .collect();
        let within = siblings
            .iter()
            .copied()
            .reduce(union)
            .map(|r| expand(r, NODE_W));
        let near = match within {
            Some(r) => Pos {
                x: r.x + r.w / 2.0,
                y: r.y + r.h / 2.0,
            },
            None => Pos {
                x: auto[i].x + dx,
                y: auto[i].y + dy,
            },
        };
        let p = free_spot(&occupied, within, near);
        occupied.push(node_rect(p));
        out[i] = Some(p);
    }
    Placement {
        centres: out.into_iter().flatten().collect(),
        regions: vec![None; s.bounds.len()],
    }
}

/// A box's position set by hand: a node's own, or for a collapsed boundary the middle of its
/// members' positions when they all have one.
fn hand(s: &Structure, i: usize, model: &Model) -> Option<Pos> {
    let item = &s.items[i];
    if s.auto {
        return None;
    }
    if item.collapsed.is_none() {
        return item.hand;
    }
    let (b, _) = item.collapsed?;
    let id = &s.bounds[b].id;
    let members: Vec<Pos> = model
        .nodes()
        .filter(|n| model.is_within(n, id))
        .map(|n| model.layout.nodes.get(&n.id).copied())
        .collect::<Option<Vec<_>>>()?;
    if members.is_empty() {
        return None;
    }
    let k = members.len() as f32;
    Some(Pos {
        x: members.iter().map(|p| p.x).sum::<f32>() / k,
        y: members.iter().map(|p| p.y).sum::<f32>() / k,
    })
}

/// The nearest free place for a node's box to `near`: its box (with a margin) overlaps none of
/// `occupied`, and lies inside `within` when a place there exists.
#[must_use]
pub fn free_spot(occupied: &[Rect], within: Option<Rect>, near: Pos) -> Pos {
    const MARGIN: f32 = 18.0;
    const CELL: f32 = 160.0;
    let mut grid: HashMap<(i32, i32), Vec<usize>> = HashMap::new();
    let key = |x: f32, y: f32| ((x / CELL).floor() as i32, (y / CELL).floor() as i32);
    for (i, r) in occupied.iter().enumerate() {
        let (x0, y0) = key(r.x, r.y);
        let (x1, y1) = key(r.x + r.w, r.y + r.h);
        for cx in x0..=x1 {
            for cy in y0..=y1 {
                grid.entry((cx, cy)).or_default().push(i);
            }
        }
    }
    let free = |p: Pos| {
        let r = expand(node_rect(p), MARGIN);
        let (x0, y0) = key(r.x, r.y);
        let (x1, y1) = key(r.x + r.w, r.y + r.h);
        for cx in x0..=x1 {
            for cy in y0..=y1 {
                if let Some(list) = grid.get(&(cx, cy))
                    && list.iter().any(|i| overlaps(occupied[*i], r))
                {
                    return false;
                }
            }
        }
        true
    };
    let inside = |p: Pos| within.is_none_or(|w| super::contains(w, node_rect(p)));
    let (sx, sy) = (
        (NODE_W + MARGIN * 2.0) / 3.0,
        f32::midpoint(NODE_H, MARGIN * 2.0),
    );
    let mut fallback = None;
    for ring in 0..200i32 {
        // The cells of the square ring at this distance, nearest first.
        let cells = super::ring_cells(ring, sx, sy);
        for (dx, dy) in cells {
            let p = Pos {
                x: (near.x + dx as f32 * sx).round(),
                y: (near.y + dy as f32 * sy).round(),
            };
            if free(p) {
                if inside(p) {
                    return p;
                }
                fallback.get_or_insert(p);
            }
        }
        if fallback.is_some() && ring > 40 {
            break;
        }
    }
    fallback.unwrap_or(near)
}

/// The automatic layout: every box's centre, and every boundary's box.
fn auto_layout(s: &Structure) -> (Vec<Pos>, Vec<Option<Rect>>) {
    let nb = s.bounds.len();
    let mut a = Auto {
        s,
        blocks: vec![Block::default(); nb + 1],
        item_size: (NODE_W, NODE_H),
    };
    // Links between the entries of the boundary that holds both ends, per boundary.
    let paths: Vec<Vec<usize>> = (0..s.items.len())
        .map(|i| {
            let mut chain = s.chain(i);
            chain.reverse();
            chain
        })
        .collect();
    let mut local: Vec<Vec<(Entry, Entry)>> = vec![Vec::new(); nb + 1];
    for l in &s.links {
        if l.from == l.to {
            continue;
        }
        let (pa, pb) = (&paths[l.from], &paths[l.to]);
        let k = pa.iter().zip(pb).take_while(|(x, y)| x == y).count();
        let owner = if k == 0 { nb } else { pa[k - 1] };
        let ea = pa.get(k).map_or(Entry::Item(l.from), |b| Entry::Bound(*b));
        let eb = pb.get(k).map_or(Entry::Item(l.to), |b| Entry::Bound(*b));
        if ea != eb {
            local[owner].push((ea, eb));
        }
    }
    // Directions, parents before children: the top level runs left to right.
    let mut order: Vec<usize> = (0..nb).filter(|b| s.bounds[*b].visible).collect();
    order.sort_by_key(|b| s.bounds[*b].depth);
    let mut vertical = vec![false; nb];
    for &b in &order {
        let parent = s.bounds[b].parent.is_some_and(|p| vertical[p]);
        vertical[b] = if s.bounds[b].children.is_empty() {
            parent
        } else {
            !parent
        };
    }
    // Sizes, children before parents.
    for &b in order.iter().rev() {
        let entries: Vec<Entry> = s.bounds[b]
            .items
            .iter()
            .map(|i| Entry::Item(*i))
            .chain(s.bounds[b].children.iter().map(|c| Entry::Bound(*c)))
            .collect();
        let block = arrange(
            &a,
            &entries,
            &local[b],
            Some(&s.bounds[b].title),
            vertical[b],
        );
        a.blocks[b] = block;
    }
    let top: Vec<Entry> = s
        .root_items
        .iter()
        .map(|i| Entry::Item(*i))
        .chain(s.roots.iter().map(|b| Entry::Bound(*b)))
        .collect();
    a.blocks[nb] = arrange(&a, &top, &local[nb], None, false);

    // Crossing reduction: reorder each column by the barycentre of its entries' neighbours.
    let members = subtree_items(s);
    let mut incident: Vec<Vec<usize>> = vec![Vec::new(); s.items.len()];
    for (li, l) in s.links.iter().enumerate() {
        incident[l.from].push(li);
        incident[l.to].push(li);
    }
    let (mut centres, _) = place_all(&a);
    let mut best = (score(s, &centres), a.blocks.clone());
    for _ in 0..SWEEPS {
        let mut changed = false;
        for block in 0..=nb {
            let across_x = a.blocks[block].vertical;
            let mut lanes = std::mem::take(&mut a.blocks[block].lanes);
            for lane in &mut lanes {
                if lane.len() < 2 {
                    continue;
                }
                let keys: HashMap<Entry, f32> = lane
                    .iter()
                    .map(|e| {
                        (
                            *e,
                            barycentre(s, *e, &members, &incident, &centres, across_x),
                        )
                    })
                    .collect();
                let before = lane.clone();
                lane.sort_by(|x, y| keys[x].total_cmp(&keys[y]));
                changed |= *lane != before;
            }
            a.blocks[block].lanes = lanes;
        }
        if !changed {
            break;
        }
        centres = place_all(&a).0;
        let now = score(s, &centres);
        if now < best.0 {
            best = (now, a.blocks.clone());
        }
    }
    a.blocks = best.1;
    place_all(&a)
}

/// The items inside each boundary's subtree.
fn subtree_items(s: &Structure) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); s.bounds.len()];
    for i in 0..s.items.len() {
        for b in s.chain(i) {
            out[b].push(i);
        }
    }
    out
}

/// Where an entry's neighbours are, on average (its own place when it has none outside).
fn barycentre(
    s: &Structure,
    e: Entry,
    members: &[Vec<usize>],
    incident: &[Vec<usize>],
    centres: &[Pos],
    across_x: bool,
) -> f32 {
    let coord = |p: Pos| if across_x { p.x } else { p.y };
    let single;
    let own: &[usize] = match e {
        Entry::Item(i) => {
            single = [i];
            &single
        }
        Entry::Bound(b) => &members[b],
    };
    let set: std::collections::HashSet<usize> = own.iter().copied().collect();
    let (mut sum, mut k) = (0.0, 0.0);
    for i in own {
        for l in &incident[*i] {
            let link = &s.links[*l];
            let other = if link.from == *i { link.to } else { link.from };
            if !set.contains(&other) {
                sum += coord(centres[other]);
                k += 1.0;
            }
        }
    }
    if k > 0.0 {
        sum / k
    } else {
        // No outside neighbour: stay where it is.
        let ys: Vec<f32> = own.iter().map(|i| coord(centres[*i])).collect();
        if ys.is_empty() {
            0.0
        } else {
            ys.iter().sum::<f32>() / ys.len() as f32
        }
    }
}

/// How far flows have to run: the distance between their ends, summed.
fn score(s: &Structure, centres: &[Pos]) -> f32 {
    s.links
        .iter()
        .map(|l| {
            (centres[l.from].y - centres[l.to].y).abs()
                + (centres[l.from].x - centres[l.to].x).abs()
        })
        .sum()
}

/// Arranges entries into lanes: by trust band, then by longest path along the links between
/// entries of one band; long lanes split into several.
fn arrange(
    a: &Auto<'_>,
    entries: &[Entry],
    links: &[(Entry, Entry)],
    title: Option<&str>,
    vertical: bool,
) -> Block {
    let mut block = Block {
        vertical,
        ..Block::default()
    };
    let min_w = title.map_or(0.0, title_width);
    if entries.is_empty() {
        block.w = (NODE_W + 2.0 * PAD).max(min_w);
        block.h = NODE_H + 2.0 * PAD + TITLE_BAND;
        return block;
    }
    let index: HashMap<Entry, usize> = entries.iter().enumerate().map(|(i, e)| (*e, i)).collect();
    let mut bands: Vec<u8> = entries.iter().map(|e| a.trust(*e)).collect();
    bands.sort_unstable();
    bands.dedup();
    let band = |e: Entry| bands.binary_search(&a.trust(e)).unwrap_or(0);
    // Longest-path layers within each band (links against the order of a depth-first walk are
    // left out, which breaks cycles).
    let n = entries.len();
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (x, y) in links {
        // Boundaries of one trust band stack in one lane whatever flows between them: one
        // behind the other, a few zones make a drawing too long to read on a page.
        let both_zones = matches!(x, Entry::Bound(_)) && matches!(y, Entry::Bound(_));
        if let (Some(&i), Some(&j)) = (index.get(x), index.get(y))
            && band(*x) == band(*y)
            && i != j
            && !both_zones
        {
            out[i].push(j);
        }
    }
    for list in &mut out {
        list.sort_unstable();
        list.dedup();
    }
    let mut topo = Vec::with_capacity(n);
    let mut state = vec![0u8; n];
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        // Iterative depth-first walk; post-order gives a reverse topological order.
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some((v, k)) = stack.pop() {
            if k < out[v].len() {
                stack.push((v, k + 1));
                let w = out[v][k];
                if state[w] == 0 {
                    state[w] = 1;
                    stack.push((w, 0));
                }
            } else {
                state[v] = 2;
                topo.push(v);
            }
        }
    }
    topo.reverse();
    let mut position = vec![0; n];
    for (k, v) in topo.iter().enumerate() {
        position[*v] = k;
    }
    let mut layer = vec![0usize; n];
    for &v in &topo {
        for &w in &out[v] {
            if position[w] > position[v] {
                layer[w] = layer[w].max(layer[v] + 1);
            }
        }
    }
    let mut keys: Vec<(usize, usize)> = (0..n).map(|i| (band(entries[i]), layer[i])).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut lanes: Vec<Vec<Entry>> = vec![Vec::new(); keys.len()];
    for (i, e) in entries.iter().enumerate() {
        let c = keys.binary_search(&(band(*e), layer[i])).unwrap_or(0);
        lanes[c].push(*e);
    }
    let (lane_gap, split_gap, stack_gap) = gaps(vertical);
    let (max_stack, ratio) = if vertical {
        (MAX_ROW, 1.0 / 1.5)
    } else {
        (MAX_COLUMN, 1.5)
    };
    // Split long lanes into about as many as make the group half again as wide as high.
    let mut split: Vec<(Vec<Entry>, bool)> = Vec::new();
    for lane in lanes {
        let longest = lane
            .iter()
            .map(|e| a.dims(*e, vertical).1)
            .fold(0.0, f32::max);
        let widest = lane
            .iter()
            .map(|e| a.dims(*e, vertical).0)
            .fold(0.0, f32::max);
        let total: f32 = lane
            .iter()
            .map(|e| a.dims(*e, vertical).1 + stack_gap)
            .sum();
        let limit = if total > max_stack {
            let parts = (ratio * total / widest.max(1.0)).sqrt().floor().max(1.0);
            (total / parts).max(max_stack.min(total)).max(longest)
        } else {
            max_stack.max(longest)
        };
        let mut current: Vec<Entry> = Vec::new();
        let mut len = 0.0;
        let mut first = true;
        for e in lane {
            let el = a.dims(e, vertical).1;
            if !current.is_empty() && len + stack_gap + el > limit {
                split.push((std::mem::take(&mut current), first));
                first = false;
                len = 0.0;
            }
            if !current.is_empty() {
                len += stack_gap;
            }
            len += el;
            current.push(e);
        }
        if !current.is_empty() {
            split.push((current, first));
        }
    }
    let mut at = 0.0;
    let mut across = 0.0f32;
    for (k, (lane, first)) in split.iter().enumerate() {
        if k > 0 {
            at += if *first { lane_gap } else { split_gap };
        }
        let extent = lane
            .iter()
            .map(|e| a.dims(*e, vertical).0)
            .fold(0.0, f32::max);
        let stack: f32 = lane.iter().map(|e| a.dims(*e, vertical).1).sum::<f32>()
            + stack_gap * (lane.len().saturating_sub(1)) as f32;
        block.lane_at.push(at);
        block.lane_len.push(extent);
        across = across.max(stack);
        at += extent;
    }
    if vertical {
        block.content_w = across;
        block.content_h = at;
    } else {
        block.content_w = at;
        block.content_h = across;
    }
    block.lanes = split.into_iter().map(|(c, _)| c).collect();
    block.w = (block.content_w + 2.0 * PAD).max(min_w);
    block.h = block.content_h + 2.0 * PAD + TITLE_BAND;
    block
}

/// Every item's centre and every boundary's box from the blocks.
fn place_all(a: &Auto<'_>) -> (Vec<Pos>, Vec<Option<Rect>>) {
    let mut centres = vec![Pos { x: 0.0, y: 0.0 }; a.s.items.len()];
    let mut regions = vec![None; a.s.bounds.len()];
    place(a, a.top(), 0.0, 0.0, &mut centres, &mut regions);
    (centres, regions)
}

fn place(
    a: &Auto<'_>,
    block: usize,
    x: f32,
    y: f32,
    centres: &mut [Pos],
    regions: &mut [Option<Rect>],
) {
    let b = &a.blocks[block];
    if block != a.top() {
        regions[block] = Some(Rect {
            x,
            y,
            w: b.w,
            h: b.h,
        });
    }
    let (ox, oy) = if block == a.top() {
        (x, y)
    } else {
        (x + PAD, y + PAD + TITLE_BAND)
    };
    let stack_gap = gaps(b.vertical).2;
    let across = if b.vertical { b.content_w } else { b.content_h };
    for (k, lane) in b.lanes.iter().enumerate() {
        let stack: f32 = lane.iter().map(|e| a.dims(*e, b.vertical).1).sum::<f32>()
            + stack_gap * (lane.len().saturating_sub(1)) as f32;
        let mut along = (across - stack) / 2.0;
        for e in lane {
            let (main, cross) = a.dims(*e, b.vertical);
            // Lane offset (main direction) and position in the lane (across it).
            let m = b.lane_at[k] + (b.lane_len[k] - main) / 2.0;
            let (ex, ey) = if b.vertical {
                (ox + along, oy + m)
            } else {
                (ox + m, oy + along)
            };
            let (w, h) = a.size(*e);
            match e {
                Entry::Item(i) => {
                    // Whole units, as the model file keeps positions.
                    centres[*i] = Pos {
                        x: (ex + w / 2.0).round(),
                        y: (ey + h / 2.0).round(),
                    };
                }
                Entry::Bound(child) => place(a, *child, ex, ey, centres, regions),
            }
            along += cross + stack_gap;
        }
    }
}

/// The boxes and regions of the scene from the centres: nodes in item order, boundaries parents
/// first. A region holds its members and child regions with padding, is wide enough for its
/// title, and covers the rectangle the user sized it to.
pub(super) fn boxes(
    model: &Model,
    s: &Structure,
    placement: &Placement,
) -> (Vec<SceneNode>, Vec<SceneBoundary>) {
    let nodes: Vec<SceneNode> = s
        .items
        .iter()
        .zip(&placement.centres)
        .map(|(item, p)| {
            let rect = node_rect(*p);
            let (lines, truncated) = if let Some((_, count)) = item.collapsed {
                let (first, cut) = text::ellipsize(&item.name, NODE_FONT, true, NAME_W);
                (
                    vec![
                        first,
                        format!("{count} node{}", if count == 1 { "" } else { "s" }),
                    ],
                    cut,
                )
            } else {
                let f = text::fit(&item.name, NODE_FONT, false, NAME_W, 2);
                (f.lines, f.truncated)
            };
            SceneNode {
                id: item.key.clone(),
                kind: item.kind,
                rect,
                lines,
                name: item.name.clone(),
                truncated,
                collapsed: item.collapsed.map(|(_, c)| c),
            }
        })
        .collect();
    let nb = s.bounds.len();
    // Boundaries with nothing inside and no size of their own: where the automatic layout put
    // them, or else in a row beside everything.
    let everything = nodes.iter().map(|n| n.rect).reduce(union);
    let mut row_x = everything.map_or(0.0, |r| r.x + r.w + COL_GAP / 2.0);
    let row_y = everything.map_or(0.0, |r| r.y);
    let mut rects: Vec<Option<Rect>> = vec![None; nb];
    let mut order: Vec<usize> = (0..nb).filter(|b| s.bounds[*b].visible).collect();
    order.sort_by_key(|b| std::cmp::Reverse(s.bounds[*b].depth));
    for &b in &order {
        let bound = &s.bounds[b];
        let inner = bound
            .items
            .iter()
            .map(|i| nodes[*i].rect)
            .chain(bound.children.iter().filter_map(|c| rects[*c]))
            .reduce(union);
        let manual = model.layout.boundaries.get(&bound.id).copied();
        let mut rect = match (inner, manual, placement.regions[b]) {
            (Some(r), _, _) => Rect {
                x: r.x - PAD,
                y: r.y - PAD - TITLE_BAND,
                w: r.w + 2.0 * PAD,
                h: r.h + 2.0 * PAD + TITLE_BAND,
            },
            (None, Some(m), _) => m,
            (None, None, Some(auto)) => auto,
            (None, None, None) => {
                let r = Rect {
                    x: row_x,
                    y: row_y,
                    w: (NODE_W + 2.0 * PAD).max(title_width(&bound.title)),
                    h: NODE_H + 2.0 * PAD + TITLE_BAND,
                };
                row_x += r.w + PAD;
                r
            }
        };
        if let Some(m) = manual {
            rect = union(rect, m);
        }
        rect.w = rect.w.max(title_width(&bound.title));
        rects[b] = Some(rect);
    }
    let mut boundaries: Vec<SceneBoundary> = order
        .iter()
        .filter_map(|&b| {
            let rect = rects[b]?;
            let bound = &s.bounds[b];
            let (title, truncated) =
                text::ellipsize(&bound.title, TITLE_FONT, true, (rect.w - 16.0).max(8.0));
            let tw = text::fonts().width(&title, TITLE_FONT, true);
            Some(SceneBoundary {
                id: bound.id.clone(),
                rect,
                depth: bound.depth,
                parent: bound.parent.map(|p| s.bounds[p].id.clone()),
                full_title: bound.title.clone(),
                truncated,
                title,
                trust: bound.trust,
                zone: bound.zone,
                title_rect: Rect {
                    x: rect.x + 6.0,
                    y: rect.y + 4.0,
                    w: tw + 6.0,
                    h: TITLE_FONT * 1.4,
                },
            })
        })
        .collect();
    boundaries.sort_by(|a, b| (a.depth, a.trust, &a.id).cmp(&(b.depth, b.trust, &b.id)));
    (nodes, boundaries)
}
