//! Help for a first-time user: getting started, the rule catalogue (every rule the analysis
//! checks, searchable, with its explanation, fix and compliance references, read from the one
//! catalog), the keyboard shortcuts and the model notation.

use egui::{RichText, Ui};

use crate::analysis::RULES;
use crate::ui::command::HelpPage;

#[derive(Default)]
pub struct HelpState {
    pub open: Option<HelpPage>,
    pub rule_search: String,
}

/// Every shortcut, for the shortcuts page (and the README).
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Ctrl+N", "New model"),
    ("Ctrl+O", "Open a model"),
    ("Ctrl+S", "Save"),
    ("Ctrl+Z", "Undo"),
    ("Ctrl+Shift+Z or Ctrl+Y", "Redo"),
    (
        "Delete",
        "Delete the selected element (undo brings it back)",
    ),
    ("Ctrl+F", "Find an element (Enter selects the only match)"),
    (
        "Esc",
        "Stop drawing flows; then clear the selected finding; then the selection",
    ),
    ("Mouse wheel", "Zoom around the pointer"),
    ("Shift+wheel, Ctrl+wheel", "Pan"),
    ("Drag on empty canvas", "Pan"),
    ("+ and −", "Zoom in and out"),
    ("F", "Fit the whole diagram"),
    (
        "Drag a node",
        "Move it; onto another boundary to move it there",
    ),
    ("Alt while dropping", "Take the node out of every boundary"),
    (
        "Double-click a boundary title",
        "Collapse it into one box (double-click the box to expand)",
    ),
    ("F1", "Getting started"),
];

pub fn window(state: &mut HelpState, egui_ctx: &egui::Context) {
    let Some(page) = state.open else { return };
    let mut open = true;
    egui::Window::new("Help")
        .open(&mut open)
        .default_width(640.0)
        .default_height(520.0)
        .vscroll(false)
        .show(egui_ctx, |ui| {
            ui.horizontal(|ui| {
                for (p, label) in [
                    (HelpPage::GettingStarted, "Getting started"),
                    (HelpPage::Rules, "Rule catalogue"),
                    (HelpPage::Shortcuts, "Keyboard and mouse"),
                    (HelpPage::Notation, "Model notation"),
                ] {
                    if ui.selectable_label(page == p, label).clicked() {
                        state.open = Some(p);
                    }
                }
            });
            ui.separator();
            egui::ScrollArea::vertical()
                .id_salt(("help", page as u8))
                .auto_shrink([false, false])
                .show(ui, |ui| match page {
                    HelpPage::GettingStarted => getting_started(ui),
                    HelpPage::Rules => rules(ui, &mut state.rule_search),
                    HelpPage::Shortcuts => shortcuts(ui),
                    HelpPage::Notation => notation(ui),
                });
        });
    if !open {
        state.open = None;
    }
}

fn getting_started(ui: &mut Ui) {
    ui.heading("Model a system in five steps");
    for (n, step) in [
        "Add the trust boundaries: + Boundary… in the palette on the left, and pick a kind (Internet, DMZ, Internal network…). Select a boundary and add another to nest it inside.",
        "Add nodes into them: choose the boundary under Into (or select it), then + Actor, + Service, + Gateway, + Data store… A new node goes into free space in that boundary.",
        "Name things in the inspector on the right. A new element's id follows its name until you save.",
        "Draw flows: click ✏ Draw flows, then drag from the caller to the callee. Set each flow's encryption, authentication and the data it carries in the inspector.",
        "Read the findings below as you draw. Select one to see why it fired and how to fix it; Apply fix makes one-property fixes for you, and a risk decision records what you decide.",
    ]
    .iter()
    .enumerate()
    {
        ui.label(format!("{}. {step}", n + 1));
        ui.add_space(4.0);
    }
    ui.add_space(6.0);
    ui.label(RichText::new("Then").strong());
    ui.label("File > Save keeps the model as a RON file for git; File > Export writes the PDF report for a design review, the diagram as SVG or PNG, and JSON, SARIF or Markdown findings. Verify > Verify against live endpoints probes every endpoint the model declares and shows where the deployed system differs; Verify > Probe TLS… (or an element's \"Probe TLS…\" button, once its endpoint is set in the inspector) runs the full TLS or JWT probe of one endpoint: grade, findings, certificate, configuration and every check it ran.");
}

fn rules(ui: &mut Ui, search: &mut String) {
    let label = ui.label("Search rules");
    ui.add(egui::TextEdit::singleline(search).hint_text("id, title, STRIDE or requirement"))
        .labelled_by(label.id);
    let q = search.to_lowercase();
    let hits: Vec<_> = RULES
        .iter()
        .filter(|r| {
            q.is_empty()
                || r.id.contains(&q)
                || r.title.to_lowercase().contains(&q)
                || r.explanation.to_lowercase().contains(&q)
                || r.stride
                    .iter()
                    .any(|s| s.label().to_lowercase().contains(&q))
                || r.compliance().iter().any(|c| c.to_lowercase().contains(&q))
        })
        .collect();
    ui.label(RichText::new(format!("{} of {} rules", hits.len(), RULES.len())).weak());
    for rule in hits {
        egui::CollapsingHeader::new(
            RichText::new(format!("{} — {}", rule.title, rule.severity.label())).strong(),
        )
        .id_salt(rule.id)
        .show(ui, |ui| {
            ui.label(RichText::new(rule.id).monospace().small());
            ui.label(format!(
                "{} · STRIDE: {}",
                rule.family.label(),
                rule.stride
                    .iter()
                    .map(|s| s.label())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            ui.label(rule.explanation);
            ui.label(RichText::new("How to fix").strong());
            ui.label(rule.mitigation);
            let refs = rule.compliance();
            if !refs.is_empty() {
                ui.label(RichText::new(refs.join("  ")).small().weak());
            }
        });
    }
}

fn shortcuts(ui: &mut Ui) {
    egui::Grid::new("shortcuts")
        .striped(true)
        .num_columns(2)
        .show(ui, |ui| {
            for (keys, what) in SHORTCUTS {
                ui.label(RichText::new(*keys).monospace());
                ui.label(*what);
                ui.end_row();
            }
        });
}

fn notation(ui: &mut Ui) {
    ui.heading("Data-flow diagram notation");
    for (shape, meaning) in [
        (
            "Box with a thick border",
            "an actor: a person or a role (customer, staff, administrator)",
        ),
        (
            "Double box",
            "an external system you do not run (a SaaS, a partner, a payment provider)",
        ),
        (
            "Rounded box",
            "a service (a process you run) or an identity provider",
        ),
        (
            "Hexagon",
            "a gateway: an entry point that authenticates and routes",
        ),
        (
            "Open box with a bar",
            "a data store; closed on both sides: a secret store",
        ),
        ("Striped box", "a message queue"),
        (
            "Dashed region",
            "a trust boundary, coloured by trust: red untrusted (0–1), orange low (2–3), amber internal (4–5), green trusted (6–7), blue restricted (8–10); purple a compliance zone (PCI, PHI, PII)",
        ),
        ("Double green line", "a flow protected by mutual TLS"),
        ("Grey line", "a flow protected by TLS"),
        ("Dashed red line", "a plaintext flow"),
        (
            "Tint and dot on a node, dot on a flow's label",
            "its worst open finding: critical, high, medium, low (hover for the name)",
        ),
        (
            "F1, F2…",
            "a flow whose name does not fit on the drawing: hover it, or read the key of the PDF",
        ),
        (
            "Badges ✔ ! ? –",
            "verification of a live endpoint: verified, drift, unreachable or could not verify, not probed",
        ),
    ] {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(shape).strong());
            ui.label(meaning);
        });
    }
    ui.add_space(6.0);
    ui.label("Arrows point from the caller to the callee; data may flow both ways. Boundaries are laid out from the least trusted (left) to the most trusted; zones inside a cloud account from the outside in (top to bottom).");
}
