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

/// The closed legend: a button in the canvas's bottom-left corner.
pub fn legend_button(ui: &mut egui::Ui, canvas: Rect, open: &mut bool) -> Rect {
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
    r
}

/// Where the next item of a legend row goes: left to right, wrapping under the row's start
/// when the strip is narrow.
struct Cursor {
    x: f32,
    y: f32,
    left: f32,
    right: f32,
}

impl Cursor {
    fn take(&mut self, w: f32) -> Pos2 {
        if self.x + w > self.right && self.x > self.left {
            self.x = self.left;
            self.y += 18.0;
        }
        let at = Pos2::new(self.x, self.y);
        self.x += w;
        at
    }
}

/// The open legend: a strip below the canvas (never over the diagram) explaining every mark;
/// its rows wrap in a narrow window.
pub fn legend(ui: &mut egui::Ui, theme: &Theme, open: &mut bool, endpoints: bool) {
    let small = FontId::proportional(11.0);
    let top = ui.cursor().min;
    let right = ui.max_rect().right();
    let painter = ui.painter().clone();
    let hide = Rect::from_min_size(Pos2::new(right - 48.0, top.y + 2.0), Vec2::new(42.0, 18.0));
    if ui
        .put(hide, egui::Button::new("Hide").small())
        .on_hover_text("Hide the legend (View > Legend brings it back)")
        .clicked()
    {
        *open = false;
    }
    let x0 = top.x + 4.0;
    let mut y = top.y + 4.0;
    let row = |title: &str, y: f32| {
        painter.text(
            Pos2::new(x0, y),
            Align2::LEFT_TOP,
            title,
            FontId::proportional(11.5),
            theme.muted,
        );
        Cursor {
            x: x0 + 72.0,
            y,
            left: x0 + 72.0,
            right: right - 56.0,
        }
    };
    let text_w = |t: &str| {
        painter
            .layout_no_wrap(t.to_string(), small.clone(), theme.text)
            .size()
            .x
    };
    let label = |at: Pos2, t: &str, color: Color32| {
        painter.text(at, Align2::LEFT_TOP, t, small.clone(), color);
    };

    let mut c = row("Nodes", y);
    for (kind, name) in [
        (NodeKind::Actor, "actor"),
        (NodeKind::ExternalSystem, "external"),
        (NodeKind::Service, "service, IdP, pipeline"),
        (NodeKind::Gateway, "gateway"),
        (NodeKind::DataStore, "data store, repository, registry"),
        (NodeKind::SecretStore, "secret store"),
        (NodeKind::MessageQueue, "queue"),
    ] {
        let at = c.take(26.0 + text_w(name) + 12.0);
        let r = Rect::from_min_size(at + Vec2::new(0.0, 0.0), Vec2::new(22.0, 14.0));
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
        label(at + Vec2::new(26.0, 0.0), name, theme.text);
    }
    y = c.y + 20.0;

    let mut c = row("Findings", y);
    let t = "worst open: node tint and dot, dot on a flow's label";
    label(c.take(text_w(t) + 14.0), t, theme.text);
    for s in Severity::ALL.iter().rev().take(4) {
        let at = c.take(12.0 + text_w(s.label()) + 12.0);
        painter.circle_filled(at + Vec2::new(5.0, 7.0), 4.5, theme.severity(*s));
        label(at + Vec2::new(12.0, 0.0), s.label(), theme.text);
    }
    y = c.y + 20.0;

    let mut c = row("Flows", y);
    for (name, enc) in [
        ("mutual TLS", Encryption::Mtls),
        ("TLS", Encryption::Tls),
        ("plaintext", Encryption::None),
    ] {
        let at = c.take(36.0 + text_w(name) + 14.0);
        let pts = [at + Vec2::new(0.0, 7.0), at + Vec2::new(30.0, 7.0)];
        let stroke = shapes::flow_stroke(theme, enc, Emphasis::Normal, 1.0);
        for s in shapes::styled_line(&pts, enc, stroke, 1.0, true) {
            painter.add(s);
        }
        label(at + Vec2::new(36.0, 0.0), name, theme.text);
    }
    let t = "F1, F2…: the flow's name on hover";
    label(c.take(text_w(t)), t, theme.muted);
    y = c.y + 20.0;

    let mut c = row("Boundaries", y);
    for band in crate::diagram::Band::ALL {
        let (name, (trust, zone)) = (band.label(), band.sample());
        let at = c.take(24.0 + text_w(name) + 14.0);
        let r = Rect::from_min_size(at + Vec2::new(0.0, 1.0), Vec2::new(20.0, 12.0));
        let fill = theme.boundary(trust, zone);
        painter.rect_filled(r, CornerRadius::same(3), fill);
        painter.rect_stroke(
            r,
            CornerRadius::same(3),
            Stroke::new(1.0, theme.boundary_outline(fill)),
            egui::StrokeKind::Inside,
        );
        label(at + Vec2::new(24.0, 0.0), name, theme.text);
    }
    y = c.y + 20.0;

    if endpoints {
        let mut c = row("Endpoints", y);
        for s in [
            EndpointStatus::Verified,
            EndpointStatus::Drift,
            EndpointStatus::Unreachable,
            EndpointStatus::NotProbed,
        ] {
            let at = c.take(15.0 + text_w(s.label()) + 14.0);
            badge(&painter, at + Vec2::new(6.0, 7.0), 6.0, s, theme);
            label(at + Vec2::new(15.0, 0.0), s.label(), theme.text);
        }
        y = c.y + 20.0;
    }
    let mut c = Cursor {
        x: x0,
        y,
        left: x0,
        right: right - 8.0,
    };
    for t in [
        "Drag a node to move it; onto another boundary to move it there.",
        "Wheel: zoom.",
        "Drag the background: pan.",
    ] {
        label(c.take(text_w(t) + 10.0), t, theme.muted);
    }
    y = c.y + 18.0;
    ui.allocate_rect(
        Rect::from_min_max(top, Pos2::new(right, y)),
        egui::Sense::hover(),
    );
}

/// The zoom control in the bottom-right corner: −, the percentage (click: 100 %), +, Fit.
/// Returns the area it covers: clicks there are the control's, not the canvas's.
pub fn zoom_control(
    ui: &mut egui::Ui,
    canvas: Rect,
    zoom: f32,
    outside: bool,
    out: &mut Vec<Command>,
) -> Rect {
    let r = Rect::from_min_size(
        canvas.right_bottom() + Vec2::new(-404.0, -36.0),
        Vec2::new(394.0, 28.0),
    );
    // A card behind the buttons (filled in once their extent is known).
    let card = ui.painter().add(Shape::Noop);
    let mut child = ui.new_child(
        egui::UiBuilder::new()
            .max_rect(r)
            .layout(egui::Layout::right_to_left(egui::Align::Center)),
    );
    if child
        .button("Fit")
        .on_hover_text("Show the whole diagram (F)")
        .clicked()
    {
        out.push(Command::Fit);
    }
    if child.button("+").on_hover_text("Zoom in (+)").clicked() {
        out.push(Command::Zoom(super::interaction::STEP));
    }
    if child
        .button(format!("{:.0} %", zoom * 100.0))
        .on_hover_text("Zoom to 100 %")
        .clicked()
    {
        out.push(Command::ZoomReset);
    }
    if child.button("−").on_hover_text("Zoom out (−)").clicked() {
        out.push(Command::Zoom(1.0 / super::interaction::STEP));
    }
    if outside {
        child.label(
            egui::RichText::new("more beyond the edges: Fit shows all")
                .small()
                .color(ui.visuals().weak_text_color()),
        );
    }
    let used = child.min_rect().expand(3.0);
    ui.painter().set(
        card,
        Shape::rect_filled(used, CornerRadius::same(6), ui.visuals().window_fill),
    );
    used
}

/// What to do on an empty canvas: in its middle, or once boundaries are drawn (`drawn` is
/// their area on the screen), in a card above or below them, never over them.
pub fn empty_hint(ui: &egui::Ui, canvas: Rect, theme: &Theme, drawn: Option<Rect>) {
    let painter = ui.painter();
    let lines: &[&str] = if drawn.is_some() {
        &[
            "Now add nodes into a boundary:",
            "select the boundary, then + Actor, + Service, + Data store… in the palette on the left.",
            "Then click ✏ Draw flows and drag from one node to another.",
        ]
    } else {
        &[
            "An empty model. To start:",
            "1. + Boundary… (left): a trust zone such as the internet or your network.",
            "2. Select it, then + Actor, + Service, + Data store… to add nodes into it.",
            "3. ✏ Draw flows, then drag from one node to another.",
            "Findings appear below as you draw. Help > Getting started says more.",
        ]
    };
    let height = 28.0 + (lines.len() - 1) as f32 * 22.0;
    let mut top = canvas.center().y - height / 2.0;
    if let Some(d) = drawn {
        let card = |top: f32| {
            Rect::from_min_size(
                Pos2::new(canvas.left(), top - 8.0),
                Vec2::new(canvas.width(), height + 16.0),
            )
        };
        // Below the boundaries if there is room, else above, else at the top of the canvas.
        top = if d.bottom() + 16.0 + height + 16.0 < canvas.bottom() - 40.0 {
            d.bottom() + 24.0
        } else if d.top() - 24.0 - height > canvas.top() + 8.0 {
            d.top() - 24.0 - height
        } else {
            canvas.top() + 16.0
        };
        painter.rect_filled(
            card(top).shrink2(Vec2::new(24.0, 0.0)),
            CornerRadius::same(6),
            theme.label_bg,
        );
    }
    let mut y = top;
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
