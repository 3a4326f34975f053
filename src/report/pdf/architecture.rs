//! The architecture pages: the diagram engine's scene drawn as vectors in the canvas's
//! notation, with a trust-zone overview and one page per zone for large models.

use std::collections::HashMap;

use super::Input;
use super::layout::{ACCENT, BLACK, BODY, GREY, Rgba, Style, WHITE, Writer, mix, severity_color};
use crate::analysis::Severity;
use crate::diagram;
use crate::model::{Encryption, NodeKind};

/// The architecture diagram, as vectors, in the canvas's notation.
/// Above this many nodes the architecture is shown as a trust-zone overview and one page per
/// zone: a single page of hundreds of boxes is unreadable at print size.
const OVERVIEW_NODES: usize = 40;

pub(super) fn architecture(w: &mut Writer, input: &Input<'_>) {
    let m = input.model;
    let worst = input.analysis.worst_by_element();
    if m.node_count() == 0 {
        w.new_page(false);
        w.mark(1, "Architecture");
        let (x, y) = (w.margin, w.y);
        w.text(x, y, 15.0, true, ACCENT, "Architecture");
        w.y += 24.0;
        w.para("The model has no nodes yet.", BODY, false, GREY, 0.0);
        return;
    }
    if m.node_count() <= OVERVIEW_NODES {
        let scene = diagram::scene(m, &diagram::Options::default());
        diagram_page(w, "Architecture", None, &scene, &worst);
        return;
    }
    // Overview: every top-level boundary as one box, flows between zones counted.
    let tops: Vec<&crate::model::Boundary> = m
        .boundaries
        .iter()
        .filter(|b| b.parent.as_deref().and_then(|p| m.boundary(p)).is_none())
        .collect();
    let overview = diagram::scene(
        m,
        &diagram::Options {
            collapsed: tops.iter().map(|b| b.id.clone()).collect(),
            auto: true,
        },
    );
    diagram_page(
        w,
        "Architecture",
        Some(&format!(
            "Trust-zone overview: {} nodes in {} top-level zones. Each box is a zone with the number of nodes inside; each line stands for the flows between two zones, drawn in the weakest protection among them. One page per zone follows.",
            m.node_count(),
            tops.len()
        )),
        &overview,
        &worst,
    );
    let mut zones = tops.clone();
    zones.sort_by_key(|b| (b.trust_level(), b.id.clone()));
    for zone in zones {
        let mut sub = m.clone();
        let outside: Vec<String> = m
            .nodes()
            .filter(|n| !m.is_within(n, &zone.id))
            .map(|n| n.id.clone())
            .collect();
        let leaving = m
            .flows()
            .filter(|f| {
                let inside = |id: &str| m.node(id).is_some_and(|n| m.is_within(n, &zone.id));
                inside(&f.from) != inside(&f.to)
            })
            .count();
        for id in &outside {
            sub.remove_node(id);
        }
        sub.boundaries
            .retain(|b| b.id == zone.id || m.boundary_chain(&b.id).iter().any(|c| c.id == zone.id));
        if sub.node_count() == 0 {
            continue;
        }
        let scene = diagram::scene(&sub, &diagram::Options::default());
        let name = if zone.name.is_empty() {
            &zone.id
        } else {
            &zone.name
        };
        diagram_page(
            w,
            &format!("Zone: {name}"),
            Some(&format!(
                "{} nodes and {} flows inside; {leaving} flow{} cross the zone's boundary (see the overview).",
                sub.node_count(),
                sub.flow_count(),
                if leaving == 1 { "" } else { "s" }
            )),
            &scene,
            &worst,
        );
    }
}

/// One page with a diagram: title, an optional note, the drawing scaled to fit, the key of
/// callouts and cut names beside it, and the legend below.
fn diagram_page(
    w: &mut Writer,
    title: &str,
    note: Option<&str>,
    scene: &diagram::Scene,
    worst: &HashMap<&str, Severity>,
) {
    let b = scene.bounds;
    let landscape = b.w > b.h * 1.15;
    w.new_page(landscape);
    w.mark(if title == "Architecture" { 1 } else { 2 }, title);
    let (x, y) = (w.margin, w.y);
    w.text(x, y, 15.0, true, ACCENT, title);
    w.y += 22.0;
    if let Some(note) = note {
        w.para(note, 8.5, false, GREY, 0.0);
        w.gap(4.0);
    }
    let key_w = if scene.key.is_empty() { 0.0 } else { 170.0 };
    let legend_h = 56.0;
    let top = w.y;
    let (avail_w, avail_h) = (w.width() - key_w, w.bottom() - top - legend_h);
    let scale = (avail_w / b.w.max(1.0))
        .min(avail_h / b.h.max(1.0))
        .min(1.0);
    let left = w.margin;
    draw_scene(w, scene, worst, (left, top), scale);
    // The key: callouts and names the drawing had to cut.
    if !scene.key.is_empty() {
        let kx = w.margin + avail_w + 10.0;
        let mut ky = top;
        w.text(kx, ky, 8.5, true, BLACK, "Key");
        ky += 12.0;
        for entry in &scene.key {
            let line = format!("{}  {}", entry.tag, entry.text);
            for (i, l) in w
                .wrap(&line, 7.0, false, key_w - 14.0)
                .into_iter()
                .enumerate()
            {
                if ky > w.bottom() - legend_h {
                    break;
                }
                w.text(
                    kx + if i == 0 { 0.0 } else { 8.0 },
                    ky,
                    7.0,
                    i == 0 && entry.tag.starts_with('F'),
                    BLACK,
                    &l,
                );
                ky += 9.0;
            }
        }
    }
    // Legend.
    let ly = top + avail_h + 8.0;
    let mut lx = left;
    for (label, c, dash, width) in [
        ("mutual TLS", flow_color(Encryption::Mtls), None, 1.4),
        ("TLS", flow_color(Encryption::Tls), None, 0.8),
        (
            "plaintext",
            flow_color(Encryption::None),
            Some(&[3.0f32, 2.0][..]),
            0.8,
        ),
    ] {
        w.line((lx, ly + 4.0), (lx + 26.0, ly + 4.0), c, width, dash);
        w.text(lx + 30.0, ly, 7.5, false, BLACK, label);
        lx += 90.0;
    }
    // Boundary bands: a dashed swatch in each band's colour, on a row of their own.
    let right = left + w.width();
    let ly = ly + 13.0;
    let mut lx = left;
    for band in diagram::Band::ALL {
        let label = band.label();
        let need = 22.0 + w.measure(label, 7.5, false) + 12.0;
        if lx + need > right {
            break;
        }
        let [r, g, b] = band.rgb();
        let c = Rgba(
            f32::from(r) / 255.0,
            f32::from(g) / 255.0,
            f32::from(b) / 255.0,
        );
        w.rect(lx, ly, 18.0, 9.0, Some(mix(c, WHITE, 0.88)), None);
        w.shape(
            &[
                (lx, ly),
                (lx + 18.0, ly),
                (lx + 18.0, ly + 9.0),
                (lx, ly + 9.0),
            ],
            None,
            Some((c, 0.8)),
            Some(&[2.5, 1.5]),
            true,
        );
        w.text(lx + 22.0, ly + 0.5, 7.5, false, BLACK, label);
        lx += need;
    }
    let notes = "Dashed regions: trust boundaries, coloured by trust level (above). Tint and corner dot: the worst open finding on a node. F1, F2…: flows named in the key. Boxes: actors · double boxes: external systems · rounded: services and identity providers · hexagons: gateways · open boxes: data and secret stores · striped: queues.";
    let width = w.width();
    let mut y = ly + 13.0;
    for line in w.wrap(notes, 7.5, false, width) {
        w.text(left, y, 7.5, false, GREY, &line);
        y += 10.0;
    }
}

fn flow_color(e: Encryption) -> Rgba {
    match e {
        Encryption::None => Rgba(0.84, 0.16, 0.12),
        Encryption::Tls => Rgba(0.35, 0.39, 0.45),
        Encryption::Mtls => Rgba(0.08, 0.55, 0.27),
    }
}

fn boundary_color(b: &diagram::SceneBoundary) -> Rgba {
    let [r, g, bl] = b.band().rgb();
    Rgba(
        f32::from(r) / 255.0,
        f32::from(g) / 255.0,
        f32::from(bl) / 255.0,
    )
}

/// Draws a scene with its top-left corner at `origin` (page points), scaled.
fn draw_scene(
    w: &mut Writer,
    scene: &diagram::Scene,
    worst: &HashMap<&str, Severity>,
    origin: (f32, f32),
    scale: f32,
) {
    let b = scene.bounds;
    let to_page = |x: f32, y: f32| (origin.0 + (x - b.x) * scale, origin.1 + (y - b.y) * scale);
    for region in &scene.boundaries {
        let r = region.rect;
        let (px, py) = to_page(r.x, r.y);
        let base = boundary_color(region);
        w.rounded(
            (px, py, r.w * scale, r.h * scale),
            8.0 * scale,
            &Style {
                fill: Some(mix(base, WHITE, 0.9)),
                stroke: Some((base, 0.8)),
                dash: Some(&[4.0, 3.0]),
            },
        );
        let (tx, ty) = to_page(region.title_rect.x, region.title_rect.y);
        w.text(
            tx + 2.0 * scale,
            ty + 2.0 * scale,
            diagram::TITLE_FONT * scale,
            true,
            mix(base, BLACK, 0.25),
            &region.title,
        );
    }
    for f in &scene.flows {
        let c = flow_color(f.encryption);
        let points: Vec<(f32, f32)> = f.points.iter().map(|p| to_page(p.x, p.y)).collect();
        let (width, dash): (f32, Option<&[f32]>) = match f.encryption {
            Encryption::None => (0.8, Some(&[3.0, 2.0])),
            Encryption::Tls => (0.8, None),
            Encryption::Mtls => (1.5, None),
        };
        w.shape(
            &points,
            None,
            Some((c, width * scale.max(0.5))),
            dash,
            false,
        );
        if let [.., a, q] = points.as_slice() {
            let (dx, dy) = (q.0 - a.0, q.1 - a.1);
            let len = (dx * dx + dy * dy).sqrt().max(0.01);
            let (ux, uy) = (dx / len, dy / len);
            let s = 6.5 * scale.max(0.6);
            let (hx, hy) = (q.0 - ux * s, q.1 - uy * s);
            w.shape(
                &[
                    *q,
                    (hx - uy * s * 0.45, hy + ux * s * 0.45),
                    (hx + uy * s * 0.45, hy - ux * s * 0.45),
                ],
                Some(c),
                None,
                None,
                true,
            );
        }
    }
    for f in &scene.flows {
        let r = f.label.rect();
        let (x, y) = to_page(r.x, r.y);
        let size = diagram::FLOW_FONT * scale;
        match &f.label {
            diagram::FlowLabel::Text { text, .. } => {
                w.rect(
                    x,
                    y,
                    r.w * scale,
                    r.h * scale,
                    Some(WHITE),
                    Some((mix(flow_color(f.encryption), WHITE, 0.5), 0.3)),
                );
                w.text(x + 4.0 * scale, y + 2.5 * scale, size, false, BLACK, text);
            }
            diagram::FlowLabel::Callout { tag, .. } => {
                w.rounded(
                    (x, y, r.w * scale, r.h * scale),
                    3.0 * scale,
                    &Style::filled(
                        mix(flow_color(f.encryption), WHITE, 0.85),
                        flow_color(f.encryption),
                        0.4,
                    ),
                );
                w.text(x + 4.0 * scale, y + 2.5 * scale, size, true, BLACK, tag);
            }
        }
    }
    for n in &scene.nodes {
        let (x, y) = to_page(n.rect.x, n.rect.y);
        let (nw, nh) = (n.rect.w * scale, n.rect.h * scale);
        let base_fill = if n.collapsed.is_some() {
            Rgba(0.95, 0.95, 0.97)
        } else if n.kind.is_external() {
            Rgba(0.99, 0.95, 0.89)
        } else if n.kind.is_store() {
            Rgba(0.89, 0.96, 0.95)
        } else {
            Rgba(0.91, 0.94, 0.99)
        };
        let tint = worst.get(n.id.as_str()).copied();
        let (fill, stroke) = match tint {
            Some(s) => (mix(base_fill, severity_color(s), 0.18), severity_color(s)),
            None => (base_fill, Rgba(0.27, 0.31, 0.39)),
        };
        let sw = 0.9;
        if n.collapsed.is_some() {
            w.rounded(
                (x, y, nw, nh),
                4.0 * scale,
                &Style {
                    fill: Some(fill),
                    stroke: Some((stroke, sw)),
                    dash: Some(&[3.0, 2.0]),
                },
            );
        } else {
            node_shape(w, n.kind, (x, y, nw, nh), scale, fill, stroke, sw);
        }
        let size = diagram::NODE_FONT * scale;
        let lh = size * 1.2;
        let total = n.lines.len() as f32 * lh;
        let text_x = x + (diagram::NODE_W - diagram::NAME_W) * 0.6 * scale;
        for (k, line) in n.lines.iter().enumerate() {
            let lw = w.measure(line, size, false);
            w.text(
                text_x + (diagram::NAME_W * scale - lw) / 2.0,
                y + (nh - total) / 2.0 + k as f32 * lh,
                size,
                n.collapsed.is_some() && k == 0,
                BLACK,
                line,
            );
        }
        if let Some(s) = tint {
            w.shape(
                &circle(x + nw - 6.0 * scale, y + 6.0 * scale, 3.5 * scale),
                Some(severity_color(s)),
                None,
                None,
                true,
            );
        }
    }
}

/// A node's shape in data-flow-diagram notation.
#[allow(clippy::too_many_arguments)]
fn node_shape(
    w: &mut Writer,
    kind: NodeKind,
    (x, y, nw, nh): (f32, f32, f32, f32),
    scale: f32,
    fill: Rgba,
    stroke: Rgba,
    sw: f32,
) {
    match kind {
        NodeKind::Actor => w.rect(x, y, nw, nh, Some(fill), Some((stroke, sw * 1.6))),
        NodeKind::ExternalSystem => {
            w.rect(x, y, nw, nh, Some(fill), Some((stroke, sw)));
            let i = 3.0 * scale;
            w.rect(
                x + i,
                y + i,
                nw - 2.0 * i,
                nh - 2.0 * i,
                None,
                Some((stroke, sw * 0.7)),
            );
        }
        NodeKind::Service | NodeKind::IdentityProvider | NodeKind::Pipeline => {
            w.rounded((x, y, nw, nh), nh / 2.0, &Style::filled(fill, stroke, sw));
        }
        NodeKind::Gateway => {
            let i = 14.0 * scale;
            w.shape(
                &[
                    (x + i, y),
                    (x + nw - i, y),
                    (x + nw, y + nh / 2.0),
                    (x + nw - i, y + nh),
                    (x + i, y + nh),
                    (x, y + nh / 2.0),
                ],
                Some(fill),
                Some((stroke, sw)),
                None,
                true,
            );
        }
        NodeKind::DataStore
        | NodeKind::SecretStore
        | NodeKind::SourceRepository
        | NodeKind::ArtifactRegistry => {
            w.rect(x, y, nw, nh, Some(fill), None);
            w.line((x, y), (x + nw, y), stroke, sw, None);
            w.line((x, y + nh), (x + nw, y + nh), stroke, sw, None);
            w.line((x, y), (x, y + nh), stroke, sw, None);
            let bar = x + 10.0 * scale;
            w.line((bar, y), (bar, y + nh), stroke, sw, None);
            if kind == NodeKind::SecretStore {
                w.line((x + nw, y), (x + nw, y + nh), stroke, sw, None);
            }
        }
        NodeKind::MessageQueue => {
            w.rounded(
                (x, y, nw, nh),
                5.0 * scale,
                &Style::filled(fill, stroke, sw),
            );
            for k in 1..=3 {
                let lx = x + nw - k as f32 * 6.0 * scale;
                w.line(
                    (lx, y + 5.0 * scale),
                    (lx, y + nh - 5.0 * scale),
                    stroke,
                    sw * 0.7,
                    None,
                );
            }
        }
    }
}

fn circle(cx: f32, cy: f32, r: f32) -> Vec<(f32, f32)> {
    (0..16)
        .map(|i| {
            let a = i as f32 / 16.0 * std::f32::consts::TAU;
            (cx + r * a.cos(), cy + r * a.sin())
        })
        .collect()
}
