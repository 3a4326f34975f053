//! The architecture diagram as SVG (and PNG, rendered from it with resvg): the same scene the
//! canvas and the PDF draw. The SVG is a public interface: each node is a
//! `<g class="node" data-id="ID">`, each flow a `<path class="flow" data-id="ID" data-from="NODE"
//! data-to="NODE">` with its label or callout in an element of class `flow-label` with the same
//! `data-id`, each boundary a `<g class="boundary" data-id="ID">`; nodes, boundaries and labels
//! carry their rectangle as `data-x`, `data-y`, `data-w`, `data-h`, so other tools can read the
//! geometry. Output is deterministic: the same model gives the same bytes.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::analysis::Severity;
use crate::diagram::{self, FlowLabel, Scene, SceneBoundary};
use crate::model::{Encryption, NodeKind};

fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Two decimals at most, no trailing zeros: short, stable numbers.
fn n(v: f32) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

pub(crate) fn severity_hex(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#9b1c5a",
        Severity::High => "#d6402b",
        Severity::Medium => "#e0912b",
        Severity::Low => "#3b7dd8",
        Severity::Info => "#7a8290",
    }
}

pub(crate) fn flow_hex(e: Encryption) -> &'static str {
    match e {
        Encryption::None => "#d6291f",
        Encryption::Tls => "#5a6473",
        Encryption::Mtls => "#148c45",
    }
}

pub(crate) fn boundary_hex(b: &SceneBoundary) -> String {
    let [r, g, bl] = b.band().rgb();
    format!("#{r:02x}{g:02x}{bl:02x}")
}

fn kind_fill(kind: NodeKind) -> &'static str {
    if kind.is_external() {
        "#fdf2e3"
    } else if kind.is_store() {
        "#e3f5f2"
    } else {
        "#e8effc"
    }
}

/// The scene as an SVG document, nodes tinted by their worst open finding.
#[must_use]
pub fn render<S: ::std::hash::BuildHasher>(
    scene: &Scene,
    worst: &HashMap<&str, Severity, S>,
    title: &str,
) -> String {
    let key_w = if scene.key.is_empty() { 0.0 } else { 260.0 };
    let b = scene.bounds;
    let margin = 20.0;
    let legend_h = 46.0;
    let (x0, y0) = (b.x - margin, b.y - margin);
    let width = b.w + 2.0 * margin + key_w;
    let key_lines = scene.key.len() as f32 * 14.0 + 30.0;
    let height = (b.h + 2.0 * margin).max(key_lines) + legend_h;
    let mut out = String::new();
    let _ = write!(
        out,
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="{} {} {} {}" width="{}" height="{}" font-family="DejaVu Sans, Verdana, sans-serif">
<title>{}</title>
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>
<rect class="background" x="{}" y="{}" width="{}" height="{}" fill="#ffffff"/>
"##,
        n(x0),
        n(y0),
        n(width),
        n(height),
        n(width),
        n(height),
        esc(title),
        n(x0),
        n(y0),
        n(width),
        n(height),
    );
    out.push_str("<g class=\"boundaries\">\n");
    for bd in &scene.boundaries {
        let c = boundary_hex(bd);
        let r = bd.rect;
        let _ = writeln!(
            out,
            r#"<g class="boundary" data-id="{}" data-trust="{}" data-x="{}" data-y="{}" data-w="{}" data-h="{}"><title>{}</title><rect x="{}" y="{}" width="{}" height="{}" rx="9" fill="{c}" fill-opacity="0.09" stroke="{c}" stroke-width="1.2" stroke-dasharray="7 4"/><text class="boundary-title" x="{}" y="{}" font-size="{}" font-weight="bold" fill="{c}">{}</text></g>"#,
            esc(&bd.id),
            bd.trust,
            n(r.x),
            n(r.y),
            n(r.w),
            n(r.h),
            esc(&bd.full_title),
            n(r.x),
            n(r.y),
            n(r.w),
            n(r.h),
            n(bd.title_rect.x + 2.0),
            n(bd.title_rect.y + diagram::TITLE_FONT),
            n(diagram::TITLE_FONT),
            esc(&bd.title),
        );
    }
    out.push_str("</g>\n<g class=\"flows\">\n");
    for f in &scene.flows {
        let mut d = String::new();
        for (i, p) in f.points.iter().enumerate() {
            let _ = write!(
                d,
                "{}{},{}",
                if i == 0 { "M" } else { " L" },
                n(p.x),
                n(p.y)
            );
        }
        let (width, dash) = match f.encryption {
            Encryption::None => ("1.3", " stroke-dasharray=\"6 4\""),
            Encryption::Tls => ("1.3", ""),
            Encryption::Mtls => ("2.4", ""),
        };
        let _ = writeln!(
            out,
            r#"<path class="flow" data-id="{}" data-from="{}" data-to="{}" data-encryption="{}" d="{d}" fill="none" stroke="{}" stroke-width="{width}"{dash} marker-end="url(#arrow)"><title>{}</title></path>"#,
            esc(&f.id),
            esc(&f.from),
            esc(&f.to),
            f.encryption.key(),
            flow_hex(f.encryption),
            esc(f.label.text()),
        );
    }
    out.push_str("</g>\n<g class=\"labels\">\n");
    for f in &scene.flows {
        let r = f.label.rect();
        let dot = f
            .flows
            .iter()
            .filter_map(|id| worst.get(id.as_str()))
            .max()
            .map_or(String::new(), |s| {
                format!(
                    r##"<circle class="severity" data-severity="{}" cx="{}" cy="{}" r="4" fill="{}" stroke="#ffffff" stroke-width="1"/>"##,
                    s.key(),
                    n(r.x),
                    n(r.y + r.h * 0.5),
                    severity_hex(*s)
                )
            });
        let (text, bold, fill, kind) = match &f.label {
            FlowLabel::Text { text, .. } => (text.as_str(), "normal", "#ffffff", "text"),
            FlowLabel::Callout { tag, .. } => (tag.as_str(), "bold", "#f1f3f6", "callout"),
        };
        let _ = writeln!(
            out,
            r##"<g class="flow-label" data-id="{}" data-label="{kind}" data-x="{}" data-y="{}" data-w="{}" data-h="{}"><rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{fill}" stroke="{}" stroke-width="0.6"/><text x="{}" y="{}" font-size="{}" font-weight="{bold}" fill="#1a1c21">{}</text>{dot}</g>"##,
            esc(&f.id),
            n(r.x),
            n(r.y),
            n(r.w),
            n(r.h),
            n(r.x),
            n(r.y),
            n(r.w),
            n(r.h),
            flow_hex(f.encryption),
            n(r.x + 4.0),
            n(r.y + r.h * 0.5 + diagram::FLOW_FONT * 0.36),
            n(diagram::FLOW_FONT),
            esc(text),
        );
    }
    out.push_str("</g>\n<g class=\"nodes\">\n");
    for node in &scene.nodes {
        let r = node.rect;
        let tint = worst.get(node.id.as_str()).copied();
        let stroke = tint.map_or("#454f63", severity_hex);
        let fill = if node.collapsed.is_some() {
            "#f2f2f7"
        } else {
            kind_fill(node.kind)
        };
        let _ = write!(
            out,
            r#"<g class="node" data-id="{}" data-kind="{}" data-x="{}" data-y="{}" data-w="{}" data-h="{}"><title>{}</title>"#,
            esc(&node.id),
            if node.collapsed.is_some() {
                "boundary"
            } else {
                node.kind.key()
            },
            n(r.x),
            n(r.y),
            n(r.w),
            n(r.h),
            esc(&node.name),
        );
        let (x, y, w, h) = (n(r.x), n(r.y), n(r.w), n(r.h));
        let base = format!(r#"fill="{fill}" stroke="{stroke}" stroke-width="1.3""#);
        match (node.collapsed.is_some(), node.kind) {
            (true, _) => {
                let _ = write!(
                    out,
                    r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="5" {base} stroke-dasharray="4 3"/>"#
                );
            }
            (false, NodeKind::Actor) => {
                let _ = write!(
                    out,
                    r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}" stroke="{stroke}" stroke-width="2.2"/>"#
                );
            }
            (false, NodeKind::ExternalSystem) => {
                let _ = write!(
                    out,
                    r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" {base}/><rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="{stroke}" stroke-width="0.9"/>"#,
                    n(r.x + 4.0),
                    n(r.y + 4.0),
                    n(r.w - 8.0),
                    n(r.h - 8.0)
                );
            }
            (false, NodeKind::Service | NodeKind::IdentityProvider | NodeKind::Pipeline) => {
                let _ = write!(
                    out,
                    r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{}" {base}/>"#,
                    n(r.h / 2.0)
                );
            }
            (false, NodeKind::Gateway) => {
                let i = 16.0;
                let _ = write!(
                    out,
                    r#"<polygon points="{},{} {},{} {},{} {},{} {},{} {},{}" {base}/>"#,
                    n(r.x + i),
                    n(r.y),
                    n(r.x + r.w - i),
                    n(r.y),
                    n(r.x + r.w),
                    n(r.y + r.h / 2.0),
                    n(r.x + r.w - i),
                    n(r.y + r.h),
                    n(r.x + i),
                    n(r.y + r.h),
                    n(r.x),
                    n(r.y + r.h / 2.0)
                );
            }
            (
                false,
                NodeKind::DataStore
                | NodeKind::SecretStore
                | NodeKind::SourceRepository
                | NodeKind::ArtifactRegistry,
            ) => {
                let right = if node.kind == NodeKind::SecretStore {
                    format!(
                        " M{},{} L{},{}",
                        n(r.x + r.w),
                        n(r.y),
                        n(r.x + r.w),
                        n(r.y + r.h)
                    )
                } else {
                    String::new()
                };
                let _ = write!(
                    out,
                    r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}"/><path d="M{},{} L{},{} M{},{} L{},{} M{},{} L{},{} M{},{} L{},{}{right}" fill="none" stroke="{stroke}" stroke-width="1.3"/>"#,
                    n(r.x + r.w),
                    n(r.y),
                    n(r.x),
                    n(r.y),
                    n(r.x),
                    n(r.y + r.h),
                    n(r.x + r.w),
                    n(r.y + r.h),
                    n(r.x),
                    n(r.y),
                    n(r.x),
                    n(r.y + r.h),
                    n(r.x + 12.0),
                    n(r.y),
                    n(r.x + 12.0),
                    n(r.y + r.h),
                );
            }
            (false, NodeKind::MessageQueue) => {
                let _ = write!(
                    out,
                    r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6" {base}/>"#
                );
                for k in 1..=3 {
                    let lx = r.x + r.w - k as f32 * 7.0;
                    let _ = write!(
                        out,
                        r#"<path d="M{},{} L{},{}" stroke="{stroke}" stroke-width="1"/>"#,
                        n(lx),
                        n(r.y + 6.0),
                        n(lx),
                        n(r.y + r.h - 6.0)
                    );
                }
            }
        }
        let lh = diagram::NODE_FONT * 1.2;
        let total = node.lines.len() as f32 * lh;
        let cx = r.x + (diagram::NODE_W - diagram::NAME_W) * 0.6 + diagram::NAME_W / 2.0;
        for (k, line) in node.lines.iter().enumerate() {
            let _ = write!(
                out,
                r##"<text x="{}" y="{}" font-size="{}" text-anchor="middle" fill="#1a1c21"{}>{}</text>"##,
                n(cx),
                n(r.y + (r.h - total) / 2.0 + k as f32 * lh + diagram::NODE_FONT * 0.95),
                n(diagram::NODE_FONT),
                if node.collapsed.is_some() && k == 0 {
                    " font-weight=\"bold\""
                } else {
                    ""
                },
                esc(line)
            );
        }
        if let Some(s) = tint {
            let _ = write!(
                out,
                r#"<circle class="severity" data-severity="{}" cx="{}" cy="{}" r="4.5" fill="{}"/>"#,
                s.key(),
                n(r.x + r.w - 7.0),
                n(r.y + 7.0),
                severity_hex(s)
            );
        }
        out.push_str("</g>\n");
    }
    out.push_str("</g>\n");
    // The key and the legend.
    if !scene.key.is_empty() {
        let kx = b.x + b.w + margin + 10.0;
        let mut ky = b.y;
        let _ = writeln!(
            out,
            r##"<g class="key"><text x="{}" y="{}" font-size="11" font-weight="bold" fill="#1a1c21">Key</text>"##,
            n(kx),
            n(ky + 10.0)
        );
        ky += 26.0;
        for entry in &scene.key {
            let (text, _) = crate::text::ellipsize(
                &format!("{}  {}", entry.tag, entry.text),
                10.0,
                false,
                key_w - 20.0,
            );
            let _ = writeln!(
                out,
                r##"<text class="key-entry" data-id="{}" x="{}" y="{}" font-size="10" fill="#1a1c21"><title>{}</title>{}</text>"##,
                esc(&entry.element),
                n(kx),
                n(ky),
                esc(&format!("{}  {}", entry.tag, entry.text)),
                esc(&text)
            );
            ky += 14.0;
        }
        out.push_str("</g>\n");
    }
    let ly = y0 + height - legend_h + 14.0;
    let lx = x0 + margin;
    let _ = writeln!(
        out,
        r##"<g class="legend" font-size="10" fill="#1a1c21"><path d="M{},{} h30" stroke="{}" stroke-width="2.4"/><text x="{}" y="{}">mutual TLS</text><path d="M{},{} h30" stroke="{}" stroke-width="1.3"/><text x="{}" y="{}">TLS</text><path d="M{},{} h30" stroke="{}" stroke-width="1.3" stroke-dasharray="6 4"/><text x="{}" y="{}">plaintext</text><text x="{}" y="{}" fill="#5a6473">Tint and dot: worst open finding. Dashed regions: trust boundaries (red untrusted, orange low, amber internal, green trusted, blue restricted, purple compliance zone). F1, F2…: flows named in the key.</text></g>"##,
        n(lx),
        n(ly - 3.5),
        flow_hex(Encryption::Mtls),
        n(lx + 36.0),
        n(ly),
        n(lx + 110.0),
        n(ly - 3.5),
        flow_hex(Encryption::Tls),
        n(lx + 146.0),
        n(ly),
        n(lx + 190.0),
        n(ly - 3.5),
        flow_hex(Encryption::None),
        n(lx + 226.0),
        n(ly),
        n(lx),
        n(ly + 18.0),
    );
    out.push_str("</svg>\n");
    out
}

/// Renders an SVG document to PNG at `zoom` (resvg, with the bundled fonts and the system's).
///
/// # Errors
/// The SVG could not be parsed or the image is too large to allocate.
pub fn png(svg: &str, zoom: f32) -> Result<Vec<u8>, String> {
    let mut options = resvg::usvg::Options::default();
    {
        let db = options.fontdb_mut();
        db.load_font_data(crate::text::REGULAR_TTF.to_vec());
        db.load_font_data(crate::text::BOLD_TTF.to_vec());
        db.load_system_fonts();
        db.set_sans_serif_family("DejaVu Sans");
    }
    let tree = resvg::usvg::Tree::from_str(svg, &options).map_err(|e| e.to_string())?;
    let size = tree.size();
    let (w, h) = (
        (size.width() * zoom).ceil() as u32,
        (size.height() * zoom).ceil() as u32,
    );
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w.max(1), h.max(1))
        .ok_or_else(|| format!("an image of {w} x {h} pixels is too large"))?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(zoom, zoom),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| e.to_string())
}
