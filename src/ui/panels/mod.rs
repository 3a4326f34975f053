//! The panels around the canvas, one file each: palette and outline (left), inspector
//! (right), findings and compliance (bottom), status bar, help, and the small windows. A panel
//! gets a narrow [`Ctx`] — the session to read, the selection, the theme, a command queue —
//! and its own state; it never reaches into the app or into another panel.

pub mod findings;
pub mod help;
pub mod inspector;
pub mod outline;
pub mod status;
pub mod windows;

use egui::{Color32, RichText, Ui};

use super::command::{Command, Selection};
use super::theme::Theme;
use crate::analysis::Severity;
use crate::editor::Session;
use crate::model::Model;

/// What a panel may see and do.
pub struct Ctx<'a> {
    pub session: &'a Session,
    pub selection: &'a Selection,
    pub selected_finding: Option<&'a str>,
    pub theme: &'a Theme,
    pub out: &'a mut Vec<Command>,
}

impl Ctx<'_> {
    pub fn push(&mut self, command: Command) {
        self.out.push(command);
    }

    #[must_use]
    pub fn model(&self) -> &Model {
        self.session.model()
    }

    /// An element's name for people (its id when it has none, or when it is gone).
    #[must_use]
    pub fn name(&self, id: &str) -> String {
        self.model().element_name(id).unwrap_or(id).to_string()
    }

    /// A finding or fix text for people: names, labels, no backticks.
    #[must_use]
    pub fn words(&self, text: &str) -> String {
        crate::analysis::words::for_people(text, self.model())
    }
}

/// Panel state that lives across frames (filters, text being typed), one part per panel.
#[derive(Default)]
pub struct PanelState {
    pub outline: outline::OutlineState,
    pub findings: findings::FindingsState,
    pub inspector: inspector::InspectorState,
    pub help: help::HelpState,
    /// Whether the side panels are shown.
    pub left_open: bool,
    pub right_open: bool,
}

impl PanelState {
    #[must_use]
    pub fn new() -> Self {
        PanelState {
            left_open: true,
            right_open: true,
            ..PanelState::default()
        }
    }

    /// Another model: filters, drafts and searches of the old one go.
    pub fn reset(&mut self) {
        let help = std::mem::take(&mut self.help);
        let (left, right) = (self.left_open, self.right_open);
        *self = PanelState::new();
        self.help = help;
        self.left_open = left;
        self.right_open = right;
    }
}

pub fn severity_badge(ui: &mut Ui, theme: &Theme, s: Severity) {
    let text = RichText::new(format!(" {} ", s.key().to_uppercase()))
        .small()
        .strong()
        .color(Color32::WHITE)
        .background_color(theme.severity(s));
    ui.label(text);
}

/// A labelled text field; returns whether it changed.
pub fn text_field(ui: &mut Ui, label: &str, value: &mut String, multiline: bool) -> bool {
    // The field's id comes from its label, not its place in the layout: a problem message
    // that appears above it as you type must not hand the focus to the next field.
    let text = label;
    let label = ui.label(label);
    let response = if multiline {
        ui.add(
            egui::TextEdit::multiline(value)
                .id_salt(text)
                .desired_rows(2)
                .desired_width(f32::INFINITY),
        )
    } else {
        ui.add(
            egui::TextEdit::singleline(value)
                .id_salt(text)
                .desired_width(f32::INFINITY),
        )
    };
    response.labelled_by(label.id).changed()
}

/// A labelled drop-down over a closed vocabulary; returns whether it changed.
pub fn combo<T: Copy + PartialEq>(
    ui: &mut Ui,
    id: &str,
    label: &str,
    value: &mut T,
    all: &[T],
    name: impl Fn(T) -> &'static str,
) -> bool {
    let mut changed = false;
    ui.horizontal(|ui| {
        let label = ui.label(label);
        let r = egui::ComboBox::from_id_salt(id)
            .selected_text(name(*value))
            .show_ui(ui, |ui| {
                for v in all {
                    changed |= ui.selectable_value(value, *v, name(*v)).changed();
                }
            });
        r.response.labelled_by(label.id);
    });
    changed
}

/// A labelled drop-down over a closed vocabulary with a "not set" choice; returns whether it
/// changed.
pub fn option_combo<T: Copy + PartialEq>(
    ui: &mut Ui,
    id: &str,
    label: &str,
    none: &str,
    value: &mut Option<T>,
    all: &[T],
    name: impl Fn(T) -> &'static str,
) -> bool {
    let mut changed = false;
    ui.horizontal(|ui| {
        let label = ui.label(label);
        let r = egui::ComboBox::from_id_salt(id)
            .selected_text(value.map_or_else(|| none.to_string(), |v| name(v).to_string()))
            .show_ui(ui, |ui| {
                changed |= ui.selectable_value(value, None, none).changed();
                for v in all {
                    changed |= ui.selectable_value(value, Some(*v), name(*v)).changed();
                }
            });
        r.response.labelled_by(label.id);
    });
    changed
}

/// "Out of scope" with its reason: a checkbox, and the reason's field while it is checked.
/// Returns (changed, typed in the reason).
pub fn out_of_scope(ui: &mut Ui, value: &mut Option<String>) -> (bool, bool) {
    let mut on = value.is_some();
    let mut changed = false;
    let mut typed = false;
    if ui
        .checkbox(
            &mut on,
            "Out of scope (drawn and listed; no rule reports on it)",
        )
        .changed()
    {
        *value = on.then(String::new);
        changed = true;
    }
    if let Some(reason) = value {
        typed = text_field(ui, "Why", reason, false);
    }
    (changed, typed)
}

/// Checkboxes over a closed vocabulary; returns whether anything changed.
pub fn multi<T: Copy + PartialEq + Ord>(
    ui: &mut Ui,
    label: &str,
    value: &mut Vec<T>,
    all: &[T],
    name: impl Fn(T) -> &'static str,
) -> bool {
    let mut changed = false;
    ui.label(label);
    ui.horizontal_wrapped(|ui| {
        for v in all {
            let mut on = value.contains(v);
            if ui.checkbox(&mut on, name(*v)).changed() {
                changed = true;
                if on {
                    value.push(*v);
                    value.sort();
                } else {
                    value.retain(|x| x != v);
                }
            }
        }
    });
    changed
}

/// "1 finding", "3 findings".
#[must_use]
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
