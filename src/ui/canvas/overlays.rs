//! What the canvas draws over the diagram: the legend (collapsible; node kinds, tints and
//! finding dots, flow styles, boundary colours, endpoint badges), verification badges, the
//! zoom control, the hint on an empty canvas, and tooltips for names the drawing had to cut.

use egui::{Align2, Color32, CornerRadius, FontId, Pos2, Rect, Sense, Shape, Stroke, Vec2};

use super::shapes::{self, Emphasis};
use crate::analysis::Severity;
use crate::model::{Encryption, NodeKind};
use crate::ui::command::Command;
use crate::ui::theme::Theme;
use crate::verify::EndpointStatus;

/// A verification badge: a disc coloured and marked by status.
pub fn badge(painter: &egui::Painter, at: Pos2, r: f32, status: EndpointStatus, theme: &Theme) {
    painter.circle_filled(at, r, theme.endpoint(status));
    painter.circle_stroke(at, r, Stroke::new(1.0, theme.canvas));
    let glyph = match status {
        EndpointStatus::Verified => "✔",
        EndpointStatus::Drift => "!",
        EndpointStatus::Unreachable | EndpointStatus::Unverified => "?",
        EndpointStatus::NotProbed => "–",
    };
    painter.text(
        at,
        Align2::CENTER_CENTER,
        glyph,
        FontId::proportional(r * 1.4),
        Color32::WHITE,
    );
}

/// The legend's size when open (so a fit can keep the diagram clear of it).
pub const LEGEND_H: f32 = 128.0;
pub const LEGEND_W: f32 = 560.0;

/// The legend in the bottom-left corner: open, a panel explaining every mark; closed, a button.
/// Returns the rectangle it covers.
#[allow(clippy::too_many_lines)] // one panel, row by row
pub fn legend(
    ui: &mut egui::Ui,
    canvas: Rect,
    theme: &Theme,
    open: &mut bool,
    endpoints: bool,
) -> Rect {
    let small = FontId::proportional(11.0);
    if !*open {
        let r = Rect::from_min_size(
            canvas.left_bottom() + Vec2::new(10.0, -34.0),
            Vec2::new(70.0, 24.0),
        );
        if ui
            .put(r, egui::Button::new("Legend"))
            .on_hover_text("What the shapes, colours and marks mean")
            .clicked()
        {
            *open = true;
        }
        return r;
    }
    let h = if endpoints { LEGEND_H + 20.0 } else { LEGEND_H };
    let panel = Rect::from_min_size(
        canvas.left_bottom() + Vec2::new(10.0, -h - 10.0),
        Vec2::new(LEGEND_W, h),
    );
    let painter = ui.painter().clone();
    painter.rect_filled(panel, CornerRadius::same(6), theme.label_bg);
    painter.rect_stroke(
        panel,
        CornerRadius::same(6),
        Stroke::new(0.6, theme.muted),
        egui::StrokeKind::Inside,
    );
    let hide = Rect::from_min_size(
        panel.right_bottom() + Vec2::new(-48.0, -24.0),
        Vec2::new(42.0, 18.0),
    );
    if ui
        .put(hide, egui::Button::new("Hide").small())
        .on_hover_text("Hide the legend (View > Legend brings it back)")
        .clicked()
    {
        *open = false;
    }
    let x0 = panel.left() + 8.0;
    let mut y = panel.top() + 7.0;
    let head = |text: &str, y: f32| {
        painter.text(
            Pos2::new(x0, y),
            Align2::LEFT_TOP,
            text,
            FontId::proportional(11.5),
            theme.muted,
        );
    };
    // Node kinds: shape and name, in a row that wraps once.
    head("Nodes", y);
    let kinds = [
        (NodeKind::Actor, "actor"),
        (NodeKind::ExternalSystem, "external"),
        (NodeKind::Service, "service, IdP"),
        (NodeKind::Gateway, "gateway"),
        (NodeKind::DataStore, "data store"),
        (NodeKind::SecretStore, "secret store"),
        (NodeKind::MessageQueue, "queue"),
    ];
    let mut x = x0 + 72.0;
    for (kind, name) in kinds {
        let r = Rect::from_min_size(Pos2::new(x, y + 1.0), Vec2::new(22.0, 12.0));
        for s in shapes::node_outline(
            kind,
            r,
            0.22,
            theme.node_fill(kind),
            Stroke::new(1.0, theme.node_stroke),
            false,
        ) {
            painter.add(s);
        }
        let g = painter.layout_no_wrap(name.to_string(), small.clone(), theme.text);
        let w = g.size().x;
        painter.galley(Pos2::new(x + 26.0, y), g, theme.text);
        x += 26.0 + w + 12.0;
    }
    y += 20.0;
    head("Findings", y);
    let mut x = x0 + 72.0;
    painter.text(
        Pos2::new(x, y),
        Align2::LEFT_TOP,
        "tint and dot: worst open",
        small.clone(),
        theme.text,
    );
    x += 140.0;
    for s in Severity::ALL.iter().rev().take(4) {
        painter.circle_filled(Pos2::new(x + 5.0, y + 7.0), 4.5, theme.severity(*s));
        let g = painter.layout_no_wrap(s.label().to_string(), small.clone(), theme.text);
        let w = g.size().x;
        painter.galley(Pos2::new(x + 12.0, y), g, theme.text);
        x += 12.0 + w + 12.0;
    }
    y += 20.0;
    head("Flows", y);
    let mut x = x0 + 72.0;
    for (label, enc) in [
        ("mutual TLS", Encryption::Mtls),
        ("TLS", Encryption::Tls),
        ("plaintext", Encryption::None),
    ] {
        let pts = [Pos2::new(x, y + 7.0), Pos2::new(x + 30.0, y + 7.0)];
        let stroke = shapes::flow_stroke(theme, enc, Emphasis::Normal, 1.0);
        for s in shapes::styled_line(&pts, enc, stroke, 1.0, true) {
            painter.add(s);
        }
        let g = painter.layout_no_wrap(label.to_string(), small.clone(), theme.text);
        let w = g.size().x;
        painter.galley(Pos2::new(x + 36.0, y), g, theme.text);
        x += 36.0 + w + 14.0;
    }
    painter.text(
        Pos2::new(x, y),
        Align2::LEFT_TOP,
        "F1, F2…: name on hover",
        small.clone(),
        theme.muted,
    );
    y += 20.0;
    head("Boundaries", y);
    let mut x = x0 + 72.0;
    for (label, trust, zone) in [
        ("untrusted 0–2", 0u8, false),
        ("partly 3–5", 4, false),
        ("trusted 6–10", 8, false),
        ("compliance zone", 5, true),
    ] {
        let r = Rect::from_min_size(Pos2::new(x, y + 1.0), Vec2::new(20.0, 12.0));
        let fill = theme.boundary(trust, zone);
        painter.rect_filled(r, CornerRadius::same(3), fill);
        painter.rect_stroke(
            r,
            CornerRadius::same(3),
            Stroke::new(1.0, theme.boundary_outline(fill)),
            egui::StrokeKind::Inside,
        );
        let g = painter.layout_no_wrap(label.to_string(), small.clone(), theme.text);
        let w = g.size().x;
        painter.galley(Pos2::new(x + 24.0, y), g, theme.text);
        x += 24.0 + w + 14.0;
    }
    y += 20.0;
    painter.text(
        Pos2::new(x0, y),
        Align2::LEFT_TOP,
        "Drag a node to move it, onto another boundary to move it there. Wheel: zoom; drag the background: pan.",
        small.clone(),
        theme.muted,
    );
    if endpoints {
        y += 20.0;
        head("Endpoints", y);
        let mut x = x0 + 72.0;
        for s in [
            EndpointStatus::Verified,
            EndpointStatus::Drift,
            EndpointStatus::Unreachable,
            EndpointStatus::NotProbed,
        ] {
            badge(&painter, Pos2::new(x + 6.0, y + 7.0), 6.0, s, theme);
            let g = painter.layout_no_wrap(s.label().to_string(), small.clone(), theme.text);
            let w = g.size().x;
            painter.galley(Pos2::new(x + 15.0, y), g, theme.text);
            x += 15.0 + w + 14.0;
        }
    }
    panel
}

/// The zoom control in the bottom-right corner: −, the percentage (click: 100 %), +, Fit.
pub fn zoom_control(ui: &mut egui::Ui, canvas: Rect, zoom: f32, out: &mut Vec<Command>) {
    let r = Rect::from_min_size(
        canvas.right_bottom() + Vec2::new(-214.0, -36.0),
        Vec2::new(204.0, 28.0),
    );
    let mut child = ui.new_child(
        egui::UiBuilder::new()
            .max_rect(r)
            .layout(egui::Layout::left_to_right(egui::Align::Center)),
    );
    if child.button("−").on_hover_text("Zoom out (−)").clicked() {
        out.push(Command::Zoom(1.0 / super::interaction::STEP));
    }
    if child
        .button(format!("{:.0} %", zoom * 100.0))
        .on_hover_text("Zoom to 100 %")
        .clicked()
    {
        out.push(Command::ZoomReset);
    }
    if child.button("+").on_hover_text("Zoom in (+)").clicked() {
        out.push(Command::Zoom(super::interaction::STEP));
    }
    if child
        .button("Fit")
        .on_hover_text("Show the whole diagram (F)")
        .clicked()
    {
        out.push(Command::Fit);
    }
}

/// What to do on an empty canvas, in its middle.
pub fn empty_hint(ui: &egui::Ui, canvas: Rect, theme: &Theme, has_boundaries: bool) {
    let painter = ui.painter();
    let lines: &[&str] = if has_boundaries {
        &[
            "Now add nodes into a boundary:",
            "select the boundary, then + Actor, + Service, + Data store… in the palette on the left.",
            "Then click ✏ Draw flows and drag from one node to another.",
        ]
    } else {
        &[
            "An empty model. To start:",
            "1. + Boundary (left): a trust zone such as the internet or your network.",
            "2. Select it, then + Actor, + Service, + Data store… to add nodes into it.",
            "3. ✏ Draw flows, then drag from one node to another.",
            "Findings appear below as you draw. Help > Getting started says more.",
        ]
    };
    let mut y = canvas.center().y - lines.len() as f32 * 12.0;
    for (i, line) in lines.iter().enumerate() {
        painter.add(shapes::text_shape(
            ui.ctx(),
            Pos2::new(canvas.center().x, y),
            Align2::CENTER_TOP,
            line,
            if i == 0 { 16.0 } else { 13.5 },
            if i == 0 { theme.text } else { theme.muted },
        ));
        y += if i == 0 { 28.0 } else { 22.0 };
    }
}

/// A hover area with a tooltip (the full name of something the drawing cut).
pub fn tip(ui: &egui::Ui, rect: Rect, id: egui::Id, text: &str) {
    ui.interact(rect, id, Sense::hover()).on_hover_text(text);
}

/// The boundary a dragged node would move into, outlined, with what would happen.
pub fn drop_target(ui: &egui::Ui, rect: Rect, theme: &Theme, text: &str) {
    let painter = ui.painter();
    painter.rect_stroke(
        rect.expand(2.0),
        CornerRadius::same(10),
        Stroke::new(3.0, theme.selection),
        egui::StrokeKind::Outside,
    );
    let galley = ui.ctx().fonts_mut(|f| {
        f.layout_no_wrap(text.to_string(), FontId::proportional(13.0), Color32::WHITE)
    });
    let at = rect.left_top() + Vec2::new(8.0, -galley.size().y - 8.0);
    let bg = Rect::from_min_size(
        at - Vec2::new(5.0, 3.0),
        galley.size() + Vec2::new(10.0, 6.0),
    );
    painter.add(Shape::rect_filled(
        bg,
        CornerRadius::same(4),
        theme.selection,
    ));
    painter.galley(at, galley, Color32::WHITE);
}
