//! The panels around the canvas: palette and outline (left), inspector (right), findings and
//! compliance (bottom), the status bar, and the small windows (typed paths, load errors,
//! unsaved-changes and recovery prompts). Each reads the app and pushes commands.

use egui::{Color32, RichText, Ui};

use super::app::{Command, ExportKind, PathPurpose, RampartApp, Selection};
use super::canvas::Tool;
use super::theme::Theme;
use crate::analysis::compliance::Verdict;
use crate::analysis::{Family, Finding, Severity};
use crate::editor::{self, Edit};
use crate::model::{
    Access, AuthKind, Authorization, Boundary, BoundaryKind, Classification, DataAsset, DataTag,
    Encryption, Endpoint, Flow, Framework, Grant, HumanUsers, Node, NodeKind, SecretsLocation,
    Status, TlsVersion,
};

/// How long a notice stays in the status bar.
const NOTICE_FOR: std::time::Duration = std::time::Duration::from_secs(8);

/// Panel state that lives across frames (filters, text being typed).
#[derive(Default)]
pub struct PanelState {
    pub search: String,
    pub focus_search: bool,
    pub finding_filter: String,
    pub min_severity: Option<Severity>,
    pub family: Option<Family>,
    pub show_resolved: bool,
    pub bottom_tab: BottomTab,
    pub rename: Option<(String, String)>,
    pub decision: Option<DecisionDraft>,
    /// Severity groups folded in the findings list.
    pub collapsed: std::collections::HashSet<Severity>,
}

#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub enum BottomTab {
    #[default]
    Findings,
    Compliance,
}

/// One row of the (virtualised) findings list.
enum Row {
    Header(Severity, usize),
    Family(Family),
    Finding(usize),
}

/// The findings list, grouped by severity then family. Only the rows in view are built, so a
/// model with tens of thousands of findings scrolls as smoothly as a small one.
fn finding_list(app: &mut RampartApp, ui: &mut Ui, theme: &Theme) {
    let analysis = app.session.analysis();
    let mut rows = Vec::new();
    for severity in Severity::ALL.iter().rev() {
        let group: Vec<usize> = analysis
            .findings
            .iter()
            .enumerate()
            .filter(|(_, f)| f.severity == *severity && finding_matches(app, f))
            .map(|(i, _)| i)
            .collect();
        if group.is_empty() {
            continue;
        }
        rows.push(Row::Header(*severity, group.len()));
        if app.panels.collapsed.contains(severity) {
            continue;
        }
        for family in Family::ALL {
            let members = group
                .iter()
                .filter(|i| analysis.findings[**i].rule.family == *family);
            let mut first = true;
            for i in members {
                if first {
                    rows.push(Row::Family(*family));
                    first = false;
                }
                rows.push(Row::Finding(*i));
            }
        }
    }
    if analysis.findings.is_empty() {
        ui.label("No findings. Add nodes and flows to see what is wrong with them.");
        return;
    }
    let selected = app.selected_finding.clone();
    let mut clicked = None;
    let mut toggle = None;
    let row_height = ui.spacing().interact_size.y + 2.0;
    egui::ScrollArea::vertical()
        .id_salt("finding-list")
        .auto_shrink([false, false])
        .show_rows(ui, row_height, rows.len(), |ui, range| {
            for row in &rows[range] {
                match row {
                    Row::Header(severity, count) => {
                        let open = !app.panels.collapsed.contains(severity);
                        let text = RichText::new(format!(
                            "{} {} ({count})",
                            if open { "−" } else { "+" },
                            severity.label()
                        ))
                        .color(theme.severity(*severity))
                        .strong();
                        if ui.selectable_label(false, text).clicked() {
                            toggle = Some(*severity);
                        }
                    }
                    Row::Family(family) => {
                        ui.label(RichText::new(family.label()).small().weak());
                    }
                    Row::Finding(i) => {
                        let f = &analysis.findings[*i];
                        ui.horizontal(|ui| {
                            ui.add_space(8.0);
                            let mut text = RichText::new(f.rule.title);
                            if !f.is_open() {
                                text = text.strikethrough().weak();
                            }
                            let is_selected = selected.as_deref() == Some(f.id.as_str());
                            if ui.selectable_label(is_selected, text).clicked() {
                                clicked = Some(f.id.clone());
                            }
                            ui.label(RichText::new(&f.id).small().monospace().weak());
                        });
                    }
                }
            }
        });
    if let Some(s) = toggle
        && !app.panels.collapsed.remove(&s)
    {
        app.panels.collapsed.insert(s);
    }
    if let Some(id) = clicked {
        app.push(Command::SelectFinding(Some(id)));
    }
}

/// A risk decision being written.
#[derive(Clone, Debug)]
pub struct DecisionDraft {
    pub finding: String,
    pub status: Status,
    pub justification: String,
    pub owner: String,
}

pub fn status_bar(app: &mut RampartApp, ui: &mut Ui) {
    egui::Panel::bottom("status").show(ui, |ui| {
        ui.horizontal(|ui| {
            let m = app.session.model();
            let a = app.session.analysis();
            ui.label(format!(
                "{} nodes · {} flows · {} boundaries",
                m.node_count(),
                m.flow_count(),
                m.boundaries.len()
            ));
            ui.separator();
            let theme = Theme::new(app.settings.dark);
            for (s, n) in a.counts() {
                if n > 0 {
                    ui.label(RichText::new(format!("{n} {}", s.key())).color(theme.severity(s)));
                }
            }
            if !app.session.analysis_is_current() {
                ui.spinner();
                ui.label("analysing…");
            }
            let mut cancel = false;
            if let Some(job) = &app.probes.job {
                ui.separator();
                ui.spinner();
                ui.label(format!("{}: {}", job.title, job.step()));
                if job.cancel.is_cancelled() {
                    ui.label(RichText::new("cancelling…").weak());
                } else if ui.small_button("Cancel").clicked() {
                    cancel = true;
                }
            }
            if cancel {
                app.push(Command::CancelJob);
            }
            if let Some(n) = &app.notice
                && let Some(left) = NOTICE_FOR.checked_sub(n.at.elapsed())
            {
                // The app sleeps when idle: wake up to take the notice down.
                ui.ctx().request_repaint_after(left);
                ui.separator();
                let color = if n.error {
                    theme.severity(Severity::High)
                } else {
                    theme.muted
                };
                ui.label(RichText::new(&n.text).color(color));
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.label(
                    RichText::new(format!(
                        "frame {:.1} ms",
                        app.frame_time.as_secs_f64() * 1000.0
                    ))
                    .small()
                    .weak(),
                );
            });
        });
    });
}

fn severity_badge(ui: &mut Ui, theme: &Theme, s: Severity) {
    let text = RichText::new(format!(" {} ", s.key().to_uppercase()))
        .small()
        .strong()
        .color(Color32::WHITE)
        .background_color(theme.severity(s));
    ui.label(text);
}

pub fn bottom(app: &mut RampartApp, ui: &mut Ui, theme: &Theme) {
    egui::Panel::bottom("findings")
        .resizable(true)
        .default_size(220.0)
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.selectable_value(&mut app.panels.bottom_tab, BottomTab::Findings, "Findings");
                ui.selectable_value(
                    &mut app.panels.bottom_tab,
                    BottomTab::Compliance,
                    "Compliance",
                );
            });
            ui.separator();
            match app.panels.bottom_tab {
                BottomTab::Findings => findings(app, ui, theme),
                BottomTab::Compliance => compliance(app, ui, theme),
            }
        });
}

fn finding_matches(app: &RampartApp, f: &Finding) -> bool {
    let p = &app.panels;
    (p.show_resolved || f.is_open())
        && p.min_severity.is_none_or(|s| f.severity >= s)
        && p.family.is_none_or(|fam| f.rule.family == fam)
        && (p.finding_filter.is_empty() || {
            let q = p.finding_filter.to_lowercase();
            f.id.to_lowercase().contains(&q)
                || f.rule.title.to_lowercase().contains(&q)
                || f.message.to_lowercase().contains(&q)
        })
}

fn findings(app: &mut RampartApp, ui: &mut Ui, theme: &Theme) {
    ui.horizontal(|ui| {
        let label = ui.label("Search findings");
        ui.add(
            egui::TextEdit::singleline(&mut app.panels.finding_filter)
                .desired_width(180.0)
                .hint_text("id, title or text"),
        )
        .labelled_by(label.id);
        egui::ComboBox::from_id_salt("min-severity")
            .selected_text(
                app.panels
                    .min_severity
                    .map_or("Any severity".to_string(), |s| {
                        format!("{} and above", s.label())
                    }),
            )
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut app.panels.min_severity, None, "Any severity");
                for s in Severity::ALL.iter().rev() {
                    ui.selectable_value(
                        &mut app.panels.min_severity,
                        Some(*s),
                        format!("{} and above", s.label()),
                    );
                }
            });
        egui::ComboBox::from_id_salt("family")
            .selected_text(app.panels.family.map_or("All families", Family::label))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut app.panels.family, None, "All families");
                for f in Family::ALL {
                    ui.selectable_value(&mut app.panels.family, Some(*f), f.label());
                }
            });
        ui.checkbox(&mut app.panels.show_resolved, "Show resolved");
    });
    ui.add_space(4.0);
    let list_width = (ui.available_width() * 0.55).max(320.0);
    ui.horizontal_top(|ui| {
        // Left: the list, grouped by severity then family.
        ui.allocate_ui_with_layout(
            egui::vec2(list_width, ui.available_height()),
            egui::Layout::top_down(egui::Align::Min),
            |ui| {
                finding_list(app, ui, theme);
            },
        );
        ui.separator();
        // Right: details of the selected finding.
        ui.vertical(|ui| {
            egui::ScrollArea::vertical()
                .id_salt("finding-detail")
                .show(ui, |ui| {
                    finding_detail(app, ui, theme);
                });
        });
    });
}

fn finding_detail(app: &mut RampartApp, ui: &mut Ui, theme: &Theme) {
    let Some(id) = app.selected_finding.clone() else {
        ui.label(
            RichText::new(
                "Select a finding to see why it fired, how to fix it, and to record a decision.",
            )
            .weak(),
        );
        return;
    };
    let Some(f) = app
        .session
        .analysis()
        .findings
        .iter()
        .find(|f| f.id == id)
        .cloned()
    else {
        return;
    };
    ui.horizontal(|ui| {
        severity_badge(ui, theme, f.severity);
        ui.heading(f.rule.title);
    });
    ui.label(RichText::new(&f.id).monospace().small());
    ui.label(format!(
        "{} · STRIDE: {} · status: {}",
        f.rule.family.label(),
        f.rule
            .stride
            .iter()
            .map(|s| s.label())
            .collect::<Vec<_>>()
            .join(", "),
        f.status.label()
    ));
    ui.add_space(4.0);
    ui.label(&f.message);
    for (i, hop) in f.hops.iter().enumerate() {
        ui.label(RichText::new(format!("{}. {hop}", i + 1)).small());
    }
    ui.add_space(4.0);
    ui.label(RichText::new("Fix").strong());
    ui.label(&f.fix);
    ui.separator();
    // Risk decision: near the top, it is what reviewers come here to do.
    let draft = app.panels.decision.get_or_insert_with(|| DecisionDraft {
        finding: f.id.clone(),
        status: f.status,
        justification: f
            .decision
            .as_ref()
            .map(|d| d.justification.clone())
            .unwrap_or_default(),
        owner: f
            .decision
            .as_ref()
            .map(|d| d.owner.clone())
            .unwrap_or_default(),
    });
    if draft.finding != f.id {
        *draft = DecisionDraft {
            finding: f.id.clone(),
            status: f.status,
            justification: f
                .decision
                .as_ref()
                .map(|d| d.justification.clone())
                .unwrap_or_default(),
            owner: f
                .decision
                .as_ref()
                .map(|d| d.owner.clone())
                .unwrap_or_default(),
        };
    }
    ui.label(RichText::new("Risk decision").strong());
    let mut push = None;
    ui.horizontal(|ui| {
        let label = ui.label("Status");
        egui::ComboBox::from_id_salt("decision-status")
            .selected_text(draft.status.label())
            .show_ui(ui, |ui| {
                for s in Status::ALL {
                    ui.selectable_value(&mut draft.status, *s, s.label());
                }
            })
            .response
            .labelled_by(label.id);
        let label = ui.label("Owner");
        ui.add(egui::TextEdit::singleline(&mut draft.owner).desired_width(120.0))
            .labelled_by(label.id);
    });
    let label = ui.label("Justification");
    ui.add(
        egui::TextEdit::multiline(&mut draft.justification)
            .desired_rows(2)
            .hint_text("required to accept a risk"),
    )
    .labelled_by(label.id);
    ui.horizontal(|ui| {
        let needs_reason = draft.status.is_resolved() && draft.justification.trim().is_empty();
        if ui
            .add_enabled(!needs_reason, egui::Button::new("Record decision"))
            .clicked()
        {
            push = Some(Command::Edit(Edit::Decide(editor::decision(
                &draft.finding,
                draft.status,
                draft.justification.trim(),
                draft.owner.trim(),
            ))));
        }
        if needs_reason {
            ui.label(
                RichText::new("A justification is required.").color(theme.severity(Severity::High)),
            );
        }
        if f.decision.as_ref().is_some_and(|d| d.finding == f.id)
            && ui.button("Remove decision").clicked()
        {
            push = Some(Command::Edit(Edit::Undecide(f.id.clone())));
        }
    });
    if let Some(d) = &f.decision
        && d.finding != f.id
    {
        ui.label(
            RichText::new(format!("Set by the pattern `{}`.", d.finding))
                .small()
                .weak(),
        );
    }
    if let Some(c) = push {
        app.push(c);
    }
    ui.separator();
    ui.label(RichText::new("How to fix it in general").strong());
    ui.label(RichText::new(f.rule.mitigation).weak());
    ui.collapsing("Why this matters", |ui| ui.label(f.rule.explanation));
    let refs = f.rule.compliance();
    if !refs.is_empty() {
        ui.label(RichText::new(refs.join("  ")).small().weak());
    }
}

fn compliance(app: &mut RampartApp, ui: &mut Ui, theme: &Theme) {
    let analysis = app.session.analysis();
    if analysis.compliance.is_empty() {
        ui.label("No framework is in scope: the model holds no PCI, PHI or PII data and declares no framework. Declare one in the inspector (click empty canvas).");
        return;
    }
    let mut clicked = None;
    egui::ScrollArea::vertical()
        .id_salt("compliance")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for fw in &analysis.compliance {
                let (met, gap, na) = fw.totals();
                egui::CollapsingHeader::new(
                    RichText::new(format!(
                        "{} — {met} met, {gap} gap, {na} not assessed",
                        fw.name
                    ))
                    .strong(),
                )
                .id_salt(&fw.id)
                .default_open(true)
                .show(ui, |ui| {
                    ui.label(
                        RichText::new(format!("In scope because {}.", fw.scope_reason)).weak(),
                    );
                    egui::Grid::new(("grid", &fw.id))
                        .striped(true)
                        .num_columns(4)
                        .show(ui, |ui| {
                            for r in &fw.requirements {
                                ui.label(RichText::new(&r.id).monospace());
                                ui.label(&r.title);
                                ui.label(
                                    RichText::new(r.verdict.label())
                                        .color(theme.verdict(r.verdict))
                                        .strong(),
                                );
                                if r.verdict == Verdict::Gap {
                                    if ui
                                        .link(format!("{} finding(s)", r.findings.len()))
                                        .clicked()
                                        && let Some(first) = r
                                            .findings
                                            .first()
                                            .and_then(|i| analysis.findings.get(*i))
                                    {
                                        clicked = Some(first.id.clone());
                                    }
                                } else {
                                    ui.label("");
                                }
                                ui.end_row();
                            }
                        });
                });
            }
        });
    if let Some(id) = clicked {
        app.panels.bottom_tab = BottomTab::Findings;
        app.push(Command::SelectFinding(Some(id)));
    }
}

pub fn left(app: &mut RampartApp, ui: &mut Ui, theme: &Theme) {
    egui::Panel::left("outline")
        .resizable(true)
        .default_size(230.0)
        .size_range(180.0..=420.0)
        .show(ui, |ui| {
            ui.label(RichText::new("Add").strong());
            let boundary_here = match &app.selection {
                Selection::Element(id) if app.session.model().boundary(id).is_some() => {
                    Some(id.clone())
                }
                Selection::Element(id) => app
                    .session
                    .model()
                    .node(id)
                    .and_then(|n| n.boundary.clone()),
                Selection::None => None,
            };
            ui.horizontal_wrapped(|ui| {
                for kind in NodeKind::ALL {
                    if ui
                        .button(format!("+ {}", kind.label()))
                        .on_hover_text(format!(
                            "Add a {} to the view centre",
                            kind.label().to_lowercase()
                        ))
                        .clicked()
                    {
                        let pos = app.canvas.view_centre(ui);
                        app.push(Command::Edit(Edit::AddNode {
                            kind: *kind,
                            pos,
                            boundary: boundary_here.clone(),
                        }));
                    }
                }
                if ui
                    .button("+ Boundary")
                    .on_hover_text("Add a trust boundary (inside the selected one)")
                    .clicked()
                {
                    let parent = match &app.selection {
                        Selection::Element(id) if app.session.model().boundary(id).is_some() => {
                            Some(id.clone())
                        }
                        _ => None,
                    };
                    app.push(Command::Edit(Edit::AddBoundary {
                        kind: BoundaryKind::InternalNetwork,
                        parent,
                    }));
                }
                if ui.button("+ Data asset").clicked() {
                    app.push(Command::Edit(Edit::AddAsset {
                        classification: Classification::Confidential,
                    }));
                }
            });
            ui.horizontal(|ui| {
                let connect = app.canvas.tool == Tool::Connect;
                if ui
                    .selectable_label(connect, "✏ Draw flows")
                    .on_hover_text("Drag from one node to another to add a flow (Esc to stop)")
                    .clicked()
                {
                    app.canvas.tool = if connect { Tool::Select } else { Tool::Connect };
                }
                if ui.button("Fit").clicked() {
                    app.push(Command::Fit);
                }
            });
            ui.separator();
            let search = ui.add(
                egui::TextEdit::singleline(&mut app.panels.search)
                    .hint_text("Find element (Ctrl+F)"),
            );
            if std::mem::take(&mut app.panels.focus_search) {
                search.request_focus();
            }
            let query = app.panels.search.to_lowercase();
            let matches = |id: &str, name: &str| {
                query.is_empty()
                    || id.to_lowercase().contains(&query)
                    || name.to_lowercase().contains(&query)
            };
            let selected = match &app.selection {
                Selection::Element(id) => Some(id.clone()),
                Selection::None => None,
            };
            let worst = app.session.analysis().worst_by_element();
            let mut clicked = None;
            egui::ScrollArea::vertical()
                .id_salt("outline-list")
                .show(ui, |ui| {
                    let model = app.session.model();
                    egui::CollapsingHeader::new("Trust boundaries and nodes")
                        .default_open(true)
                        .show(ui, |ui| {
                            let mut boundaries: Vec<&Boundary> = model.boundaries.iter().collect();
                            boundaries.sort_by_key(|b| (b.trust_level(), b.id.clone()));
                            for b in boundaries {
                                let nodes: Vec<&Node> = model
                                    .nodes()
                                    .filter(|n| {
                                        n.boundary.as_deref() == Some(b.id.as_str())
                                            && matches(&n.id, &n.name)
                                    })
                                    .collect();
                                if !matches(&b.id, &b.name) && nodes.is_empty() {
                                    continue;
                                }
                                let label = format!(
                                    "▣ {} (trust {})",
                                    if b.name.is_empty() { &b.id } else { &b.name },
                                    b.trust_level()
                                );
                                if ui
                                    .selectable_label(
                                        selected.as_deref() == Some(b.id.as_str()),
                                        label,
                                    )
                                    .clicked()
                                {
                                    clicked = Some(b.id.clone());
                                }
                                ui.indent(("b", &b.id), |ui| {
                                    for n in nodes {
                                        let mut text = RichText::new(n.label());
                                        if let Some(s) = worst.get(n.id.as_str()) {
                                            text = text.color(theme.severity(*s));
                                        }
                                        if ui
                                            .selectable_label(
                                                selected.as_deref() == Some(n.id.as_str()),
                                                text,
                                            )
                                            .on_hover_text(&n.id)
                                            .clicked()
                                        {
                                            clicked = Some(n.id.clone());
                                        }
                                    }
                                });
                            }
                            for n in model
                                .nodes()
                                .filter(|n| n.boundary.is_none() && matches(&n.id, &n.name))
                            {
                                if ui
                                    .selectable_label(
                                        selected.as_deref() == Some(n.id.as_str()),
                                        format!("{} (no boundary)", n.label()),
                                    )
                                    .clicked()
                                {
                                    clicked = Some(n.id.clone());
                                }
                            }
                        });
                    egui::CollapsingHeader::new(format!("Data assets ({})", model.assets.len()))
                        .default_open(true)
                        .show(ui, |ui| {
                            for a in model.assets.iter().filter(|a| matches(&a.id, &a.name)) {
                                let tags = a
                                    .tags
                                    .iter()
                                    .map(|t| t.key())
                                    .collect::<Vec<_>>()
                                    .join(", ");
                                let label = format!(
                                    "{} · {}{}",
                                    if a.name.is_empty() { &a.id } else { &a.name },
                                    a.classification.key(),
                                    if tags.is_empty() {
                                        String::new()
                                    } else {
                                        format!(" · {tags}")
                                    }
                                );
                                if ui
                                    .selectable_label(
                                        selected.as_deref() == Some(a.id.as_str()),
                                        label,
                                    )
                                    .clicked()
                                {
                                    clicked = Some(a.id.clone());
                                }
                            }
                        });
                });
            if let Some(id) = clicked {
                let model = app.session.model();
                if model.node(&id).is_some() {
                    app.push(Command::Focus(vec![id.clone()]));
                }
                app.push(Command::Select(Selection::Element(id)));
            }
        });
}

pub fn right(app: &mut RampartApp, ui: &mut Ui, theme: &Theme) {
    egui::Panel::right("inspector")
        .resizable(true)
        .default_size(320.0)
        .size_range(260.0..=560.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("inspector")
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    inspector(app, ui, theme);
                });
        });
}

/// A text field bound to a string; typing pushes one coalesced edit per keystroke.
fn text_field(ui: &mut Ui, label: &str, value: &mut String, multiline: bool) -> bool {
    let label = ui.label(label);
    let response = if multiline {
        ui.add(
            egui::TextEdit::multiline(value)
                .desired_rows(2)
                .desired_width(f32::INFINITY),
        )
    } else {
        ui.add(egui::TextEdit::singleline(value).desired_width(f32::INFINITY))
    };
    response.labelled_by(label.id).changed()
}

fn combo<T: Copy + PartialEq>(
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
        egui::ComboBox::from_id_salt(id)
            .selected_text(name(*value))
            .show_ui(ui, |ui| {
                for v in all {
                    changed |= ui.selectable_value(value, *v, name(*v)).changed();
                }
            })
            .response
            .labelled_by(label.id);
    });
    changed
}

fn multi<T: Copy + PartialEq + Ord>(
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

fn problems_for(app: &RampartApp, ui: &mut Ui, theme: &Theme, id: &str) {
    for p in app
        .session
        .problems()
        .iter()
        .filter(|p| p.element.as_deref() == Some(id))
    {
        ui.label(RichText::new(format!("⚠ {}", p.message)).color(theme.severity(Severity::High)));
    }
}

fn rename_row(app: &mut RampartApp, ui: &mut Ui, theme: &Theme, id: &str) {
    let draft = match &mut app.panels.rename {
        Some((of, text)) if of == id => text,
        slot => {
            *slot = Some((id.to_string(), id.to_string()));
            &mut slot.as_mut().expect("just set").1
        }
    };
    let mut apply = false;
    ui.horizontal(|ui| {
        ui.label("Id");
        let r = ui.add(
            egui::TextEdit::singleline(draft)
                .desired_width(150.0)
                .font(egui::TextStyle::Monospace),
        );
        apply = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        apply |= ui
            .add_enabled(draft != id, egui::Button::new("Rename"))
            .clicked();
    });
    let draft = draft.clone();
    if draft != id {
        if !crate::model::is_valid_id(&draft) {
            ui.label(
                RichText::new("Ids use letters, digits, -, _ and . only.")
                    .color(theme.severity(Severity::High)),
            );
        } else if app.session.model().id_in_use(&draft) {
            ui.label(
                RichText::new("That id is already used.").color(theme.severity(Severity::High)),
            );
        } else if apply {
            app.push(Command::Edit(Edit::Rename {
                old: id.to_string(),
                new: draft.clone(),
            }));
            app.push(Command::Select(Selection::Element(draft)));
        }
    }
}

fn element_findings(app: &mut RampartApp, ui: &mut Ui, theme: &Theme, id: &str) {
    let list: Vec<(String, Severity, &'static str, bool)> = app
        .session
        .analysis()
        .for_element(id)
        .map(|f| (f.id.clone(), f.severity, f.rule.title, f.is_open()))
        .collect();
    ui.separator();
    ui.label(RichText::new(format!("Findings here ({})", list.len())).strong());
    if list.is_empty() {
        ui.label(RichText::new("None.").weak());
    }
    for (fid, sev, title, open) in list {
        ui.horizontal_wrapped(|ui| {
            severity_badge(ui, theme, sev);
            let mut text = RichText::new(title);
            if !open {
                text = text.strikethrough().weak();
            }
            if ui.link(text).on_hover_text(&fid).clicked() {
                app.push(Command::SelectFinding(Some(fid.clone())));
            }
        });
    }
}

fn inspector(app: &mut RampartApp, ui: &mut Ui, theme: &Theme) {
    let Selection::Element(id) = app.selection.clone() else {
        model_info(app, ui);
        return;
    };
    let model = app.session.model();
    if let Some(node) = model.node(&id).cloned() {
        node_inspector(app, ui, theme, node);
    } else if let Some(flow) = model.flow(&id).cloned() {
        flow_inspector(app, ui, theme, flow);
    } else if let Some(b) = model.boundary(&id).cloned() {
        boundary_inspector(app, ui, theme, b);
    } else if let Some(a) = model.asset(&id).cloned() {
        asset_inspector(app, ui, theme, a);
    } else {
        model_info(app, ui);
    }
}

fn model_info(app: &mut RampartApp, ui: &mut Ui) {
    ui.heading("Model");
    let m = app.session.model();
    let (mut name, mut description, mut author) =
        (m.name.clone(), m.description.clone(), m.author.clone());
    let mut frameworks = m.frameworks.clone();
    let mut changed = text_field(ui, "Name", &mut name, false);
    changed |= text_field(ui, "Description", &mut description, true);
    changed |= text_field(ui, "Author", &mut author, false);
    if changed {
        app.push(Command::EditTyping(
            Edit::SetInfo {
                name,
                description,
                author,
            },
            "model/info".into(),
        ));
    }
    if multi(
        ui,
        "Frameworks declared in scope",
        &mut frameworks,
        Framework::ALL,
        Framework::label,
    ) {
        app.push(Command::Edit(Edit::SetFrameworks(frameworks)));
    }
    ui.add_space(8.0);
    ui.label(RichText::new("Select a node, flow or boundary on the canvas to edit it. Data-flow notation: actors are boxes, services rounded, data stores open-ended, gateways hexagons.").weak());
}

fn endpoint_editor(ui: &mut Ui, id: &str, endpoint: &mut Option<Endpoint>) -> bool {
    let mut changed = false;
    let mut has = endpoint.is_some();
    if ui
        .checkbox(&mut has, "Live endpoint (for probes and verify)")
        .changed()
    {
        changed = true;
        *endpoint = has.then(Endpoint::default);
    }
    if let Some(e) = endpoint {
        ui.push_id(("endpoint", id), |ui| {
            changed |= text_field(ui, "URL or host:port", &mut e.url, false);
            let mut sni = e.sni.clone().unwrap_or_default();
            if text_field(ui, "SNI (optional)", &mut sni, false) {
                e.sni = (!sni.is_empty()).then_some(sni);
                changed = true;
            }
            let mut ca = e.ca.clone().unwrap_or_default();
            if text_field(
                ui,
                "CA file, relative to the model (optional)",
                &mut ca,
                false,
            ) {
                e.ca = (!ca.is_empty()).then_some(ca);
                changed = true;
            }
            let mut token = e.token.clone().unwrap_or_default();
            ui.label("Test token for the JWT probe (optional)");
            if ui
                .add(egui::TextEdit::singleline(&mut token).password(true))
                .changed()
            {
                e.token = (!token.is_empty()).then_some(token);
                changed = true;
            }
            let mut iss = e.issuer.clone().unwrap_or_default();
            if text_field(ui, "Expected JWT issuer (optional)", &mut iss, false) {
                e.issuer = (!iss.is_empty()).then_some(iss);
                changed = true;
            }
            let mut aud = e.audience.clone().unwrap_or_default();
            if text_field(ui, "Expected JWT audience (optional)", &mut aud, false) {
                e.audience = (!aud.is_empty()).then_some(aud);
                changed = true;
            }
            changed |= ui
                .checkbox(&mut e.active, "Allow active JWT forgery tests")
                .changed();
        });
    }
    changed
}

/// Below an element's endpoint: its last verification and probe results, and probe buttons.
fn endpoint_status(app: &mut RampartApp, ui: &mut Ui, theme: &Theme, id: &str, has: bool) {
    if !has {
        return;
    }
    if let Some(v) = app.session.verification() {
        let model = app.session.model();
        match v.current(model).find(|e| e.element == id) {
            Some(e) => {
                ui.label(
                    RichText::new(format!("Verification: {}", e.status.label()))
                        .strong()
                        .color(theme.endpoint(e.status)),
                );
                for d in &e.drift {
                    ui.label(RichText::new(format!("✗ {}", d.message)).small());
                }
                for m in &e.matched {
                    ui.label(RichText::new(format!("✓ {m}")).small());
                }
                for n in &e.notes {
                    ui.label(RichText::new(format!("– {n}")).small().weak());
                }
            }
            None => {
                ui.label(
                    RichText::new("Verification: not probed as declared now (run Verify again)")
                        .weak(),
                );
            }
        }
    }
    if let Some(result) = app.probes.attached.get(id) {
        ui.label(RichText::new(result.summary()).strong());
        super::probe::findings_ui(ui, theme, result.findings());
    }
    let busy = app.probes.job.is_some();
    ui.horizontal(|ui| {
        if ui
            .add_enabled(!busy, egui::Button::new("Probe TLS…"))
            .clicked()
        {
            app.push(Command::OpenProbe(
                Some(id.to_string()),
                super::probe::ProbeKind::Tls,
            ));
        }
        if ui
            .add_enabled(!busy, egui::Button::new("Probe JWT…"))
            .clicked()
        {
            app.push(Command::OpenProbe(
                Some(id.to_string()),
                super::probe::ProbeKind::Jwt,
            ));
        }
    });
}

#[allow(clippy::too_many_lines)] // one widget per property
fn node_inspector(app: &mut RampartApp, ui: &mut Ui, theme: &Theme, mut node: Node) {
    let id = node.id.clone();
    ui.heading(format!("{} · {}", node.label(), node.kind.label()));
    rename_row(app, ui, theme, &id);
    problems_for(app, ui, theme, &id);
    let mut typing = false;
    let mut changed = false;
    typing |= text_field(ui, "Name", &mut node.name, false);
    changed |= combo(
        ui,
        "node-kind",
        "Kind",
        &mut node.kind,
        NodeKind::ALL,
        NodeKind::label,
    );
    let boundaries: Vec<(String, String)> = app
        .session
        .model()
        .boundaries
        .iter()
        .map(|b| {
            (
                b.id.clone(),
                if b.name.is_empty() {
                    b.id.clone()
                } else {
                    b.name.clone()
                },
            )
        })
        .collect();
    ui.horizontal(|ui| {
        ui.label("Boundary");
        let current = node.boundary.clone().unwrap_or_else(|| "(none)".into());
        egui::ComboBox::from_id_salt("node-boundary")
            .selected_text(current)
            .show_ui(ui, |ui| {
                changed |= ui
                    .selectable_value(&mut node.boundary, None, "(none)")
                    .changed();
                for (bid, name) in &boundaries {
                    changed |= ui
                        .selectable_value(&mut node.boundary, Some(bid.clone()), name)
                        .changed();
                }
            });
    });
    typing |= text_field(ui, "Technology", &mut node.technology, false);
    typing |= text_field(ui, "Description", &mut node.description, true);
    ui.separator();
    ui.label(RichText::new("Security properties").strong());
    changed |= multi(
        ui,
        "Accepts authentication",
        &mut node.authentication,
        AuthKind::ALL,
        AuthKind::label,
    );
    changed |= combo(
        ui,
        "node-authz",
        "Authorization",
        &mut node.authorization,
        Authorization::ALL,
        Authorization::label,
    );
    changed |= combo(
        ui,
        "node-secrets",
        "Secrets",
        &mut node.secrets,
        SecretsLocation::ALL,
        SecretsLocation::label,
    );
    changed |= combo(
        ui,
        "node-users",
        "Human users",
        &mut node.users,
        HumanUsers::ALL,
        HumanUsers::label,
    );
    ui.horizontal_wrapped(|ui| {
        changed |= ui
            .checkbox(&mut node.internet_facing, "Internet-facing")
            .changed();
        changed |= ui
            .checkbox(&mut node.rate_limited, "Rate limited")
            .changed();
        changed |= ui
            .checkbox(&mut node.audit_logging, "Audit logging")
            .changed();
        changed |= ui
            .checkbox(&mut node.encrypted_at_rest, "Encrypted at rest")
            .changed();
        changed |= ui
            .checkbox(&mut node.privileged, "Runs privileged")
            .changed();
    });
    let mut identity = node.identity.clone().unwrap_or_default();
    if text_field(
        ui,
        "Service identity (blank: the node id)",
        &mut identity,
        false,
    ) {
        node.identity = (!identity.is_empty()).then_some(identity);
        typing = true;
    }
    if node.kind.is_external() {
        let mut agreement = node.agreement.clone().unwrap_or_default();
        if text_field(
            ui,
            "Agreement on record (DPA, BAA, …)",
            &mut agreement,
            false,
        ) {
            node.agreement = (!agreement.is_empty()).then_some(agreement);
            typing = true;
        }
    }
    let assets: Vec<(String, &'static str)> = app
        .session
        .model()
        .assets
        .iter()
        .map(|a| (a.id.clone(), a.classification.label()))
        .collect();
    if node.kind.is_store() || !node.stores.is_empty() {
        ui.label("Stores data");
        ui.horizontal_wrapped(|ui| {
            for (aid, class) in &assets {
                let mut on = node.stores.contains(aid);
                if ui.checkbox(&mut on, aid).on_hover_text(*class).changed() {
                    changed = true;
                    if on {
                        node.stores.push(aid.clone())
                    } else {
                        node.stores.retain(|s| s != aid)
                    }
                }
            }
        });
        ui.label("Grants (who holds standing access)");
        let principals: Vec<String> = app
            .session
            .model()
            .nodes()
            .map(|n| n.id.clone())
            .filter(|n| n != &id)
            .collect();
        let mut remove = None;
        for (i, grant) in node.grants.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                egui::ComboBox::from_id_salt(("grant-p", i))
                    .selected_text(&grant.principal)
                    .show_ui(ui, |ui| {
                        for p in &principals {
                            changed |= ui
                                .selectable_value(&mut grant.principal, p.clone(), p)
                                .changed();
                        }
                    });
                egui::ComboBox::from_id_salt(("grant-a", i))
                    .selected_text(grant.access.label())
                    .show_ui(ui, |ui| {
                        for a in Access::ALL {
                            changed |= ui
                                .selectable_value(&mut grant.access, *a, a.label())
                                .changed();
                        }
                    });
                if ui.small_button("✖").clicked() {
                    remove = Some(i);
                }
            });
        }
        if let Some(i) = remove {
            node.grants.remove(i);
            changed = true;
        }
        if let Some(first) = principals.first()
            && ui.small_button("+ grant").clicked()
        {
            node.grants.push(Grant {
                principal: first.clone(),
                access: Access::Read,
            });
            changed = true;
        }
    }
    changed |= endpoint_editor(ui, &id, &mut node.endpoint);
    endpoint_status(app, ui, theme, &id, node.endpoint.is_some());
    if typing {
        app.push(Command::EditTyping(
            Edit::UpdateNode(Box::new(node.clone())),
            format!("{id}/text"),
        ));
    } else if changed {
        app.push(Command::Edit(Edit::UpdateNode(Box::new(node))));
    }
    ui.add_space(6.0);
    if ui.button("Delete node").clicked() {
        app.push(Command::DeleteSelected);
    }
    element_findings(app, ui, theme, &id);
}

fn flow_inspector(app: &mut RampartApp, ui: &mut Ui, theme: &Theme, mut flow: Flow) {
    let id = flow.id.clone();
    ui.heading(format!("Flow {} → {}", flow.from, flow.to));
    rename_row(app, ui, theme, &id);
    problems_for(app, ui, theme, &id);
    let mut typing = text_field(ui, "Name", &mut flow.name, false);
    typing |= text_field(ui, "Protocol", &mut flow.protocol, false);
    let mut changed = combo(
        ui,
        "flow-enc",
        "Encryption",
        &mut flow.encryption,
        Encryption::ALL,
        Encryption::label,
    );
    if flow.encryption != Encryption::None {
        ui.horizontal(|ui| {
            ui.label("Lowest TLS version");
            egui::ComboBox::from_id_salt("flow-tls")
                .selected_text(flow.tls_min.map_or("default (1.2)", TlsVersion::label))
                .show_ui(ui, |ui| {
                    changed |= ui
                        .selectable_value(&mut flow.tls_min, None, "default (1.2)")
                        .changed();
                    for v in TlsVersion::ALL {
                        changed |= ui
                            .selectable_value(&mut flow.tls_min, Some(*v), v.label())
                            .changed();
                    }
                });
        });
    } else if flow.tls_min.is_some() {
        flow.tls_min = None;
        changed = true;
    }
    changed |= combo(
        ui,
        "flow-auth",
        "Authentication",
        &mut flow.authentication,
        AuthKind::ALL,
        AuthKind::label,
    );
    changed |= combo(
        ui,
        "flow-access",
        "Access",
        &mut flow.access,
        Access::ALL,
        Access::label,
    );
    ui.label("Data carried");
    let assets: Vec<(String, String)> = app
        .session
        .model()
        .assets
        .iter()
        .map(|a| {
            (
                a.id.clone(),
                format!("{} ({})", a.id, a.classification.key()),
            )
        })
        .collect();
    ui.horizontal_wrapped(|ui| {
        for (aid, label) in &assets {
            let mut on = flow.data.contains(aid);
            if ui.checkbox(&mut on, label).changed() {
                changed = true;
                if on {
                    flow.data.push(aid.clone())
                } else {
                    flow.data.retain(|d| d != aid)
                }
            }
        }
    });
    changed |= endpoint_editor(ui, &id, &mut flow.endpoint);
    endpoint_status(app, ui, theme, &id, flow.endpoint.is_some());
    if typing {
        app.push(Command::EditTyping(
            Edit::UpdateFlow(Box::new(flow.clone())),
            format!("{id}/text"),
        ));
    } else if changed {
        app.push(Command::Edit(Edit::UpdateFlow(Box::new(flow))));
    }
    ui.add_space(6.0);
    if ui.button("Delete flow").clicked() {
        app.push(Command::DeleteSelected);
    }
    element_findings(app, ui, theme, &id);
}

fn boundary_inspector(app: &mut RampartApp, ui: &mut Ui, theme: &Theme, mut b: Boundary) {
    let id = b.id.clone();
    ui.heading(format!(
        "Boundary {}",
        if b.name.is_empty() { &b.id } else { &b.name }
    ));
    rename_row(app, ui, theme, &id);
    problems_for(app, ui, theme, &id);
    let typing = text_field(ui, "Name", &mut b.name, false)
        | text_field(ui, "Description", &mut b.description, true);
    let mut changed = combo(
        ui,
        "b-kind",
        "Kind",
        &mut b.kind,
        BoundaryKind::ALL,
        BoundaryKind::label,
    );
    let mut custom = b.trust.is_some();
    ui.horizontal(|ui| {
        if ui.checkbox(&mut custom, "Custom trust level").changed() {
            b.trust = custom.then(|| b.kind.default_trust());
            changed = true;
        }
        if let Some(t) = &mut b.trust {
            changed |= ui.add(egui::Slider::new(t, 0..=10)).changed();
        } else {
            ui.label(format!("{} (from kind)", b.kind.default_trust()));
        }
    });
    let parents: Vec<String> = app
        .session
        .model()
        .boundaries
        .iter()
        .map(|x| x.id.clone())
        .filter(|x| x != &id)
        .collect();
    ui.horizontal(|ui| {
        ui.label("Inside");
        egui::ComboBox::from_id_salt("b-parent")
            .selected_text(b.parent.clone().unwrap_or_else(|| "(top level)".into()))
            .show_ui(ui, |ui| {
                changed |= ui
                    .selectable_value(&mut b.parent, None, "(top level)")
                    .changed();
                for p in &parents {
                    changed |= ui
                        .selectable_value(&mut b.parent, Some(p.clone()), p)
                        .changed();
                }
            });
    });
    changed |= multi(
        ui,
        "Compliance zone for",
        &mut b.scope,
        &[DataTag::Pci, DataTag::Phi, DataTag::Pii],
        DataTag::label,
    );
    if typing {
        app.push(Command::EditTyping(
            Edit::UpdateBoundary(Box::new(b.clone())),
            format!("{id}/text"),
        ));
    } else if changed {
        app.push(Command::Edit(Edit::UpdateBoundary(Box::new(b))));
    }
    let sized = app.session.model().layout.boundaries.contains_key(&id);
    ui.horizontal(|ui| {
        ui.label(if sized {
            "Sized by hand (drag the corner on the canvas)"
        } else {
            "Sized to fit its members (drag the corner to size)"
        });
        if sized && ui.button("Fit to members").clicked() {
            app.push(Command::Edit(Edit::SizeBoundary {
                id: id.clone(),
                rect: None,
            }));
        }
    });
    ui.add_space(6.0);
    if ui
        .button("Delete boundary (members move to its parent)")
        .clicked()
    {
        app.push(Command::DeleteSelected);
    }
    element_findings(app, ui, theme, &id);
}

fn asset_inspector(app: &mut RampartApp, ui: &mut Ui, theme: &Theme, mut a: DataAsset) {
    let id = a.id.clone();
    ui.heading(format!(
        "Data asset {}",
        if a.name.is_empty() { &a.id } else { &a.name }
    ));
    rename_row(app, ui, theme, &id);
    let typing = text_field(ui, "Name", &mut a.name, false)
        | text_field(ui, "Description", &mut a.description, true);
    let mut changed = combo(
        ui,
        "a-class",
        "Classification",
        &mut a.classification,
        Classification::ALL,
        Classification::label,
    );
    changed |= multi(ui, "Tags", &mut a.tags, DataTag::ALL, DataTag::label);
    if typing {
        app.push(Command::EditTyping(
            Edit::UpdateAsset(Box::new(a.clone())),
            format!("{id}/text"),
        ));
    } else if changed {
        app.push(Command::Edit(Edit::UpdateAsset(Box::new(a))));
    }
    let model = app.session.model();
    let holders: Vec<String> = model
        .nodes()
        .filter(|n| n.stores.contains(&id))
        .map(|n| n.id.clone())
        .collect();
    let carriers = model.flows().filter(|f| f.data.contains(&id)).count();
    ui.label(format!(
        "Stored in: {}",
        if holders.is_empty() {
            "nothing".to_string()
        } else {
            holders.join(", ")
        }
    ));
    ui.label(format!("Carried by {carriers} flow(s)"));
    if ui.button("Delete data asset").clicked() {
        app.push(Command::DeleteSelected);
    }
}

/// Small windows: typed path prompt, load errors, unsaved-changes and recovery prompts.
pub fn windows(app: &mut RampartApp, ctx: &egui::Context) {
    if let Some(prompt) = &mut app.prompt {
        let mut open = true;
        let mut submit = None;
        let title = match prompt.purpose {
            PathPurpose::Open => "Open model",
            PathPurpose::SaveAs => "Save model as",
            PathPurpose::Export(_) => "Export report",
        };
        egui::Window::new(title)
            .collapsible(false)
            .open(&mut open)
            .show(ctx, |ui| {
                if let Some(note) = &prompt.note {
                    ui.label(RichText::new(note).weak());
                }
                let label = ui.label("Path");
                let r = ui
                    .add(
                        egui::TextEdit::singleline(&mut prompt.text)
                            .desired_width(420.0)
                            .hint_text("/path/to/model.ron"),
                    )
                    .labelled_by(label.id);
                let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if ui.button("OK").clicked() || enter {
                    submit = Some(std::path::PathBuf::from(prompt.text.trim()));
                }
            });
        if let Some(path) = submit {
            let purpose = prompt.purpose;
            app.prompt = None;
            app.push(match purpose {
                PathPurpose::Open => Command::OpenPath(path),
                PathPurpose::SaveAs => Command::SaveAsPath(path),
                PathPurpose::Export(kind) => Command::ExportPath(kind, path),
            });
        } else if !open {
            app.prompt = None;
        }
    }
    if let Some((file, errors)) = &app.load_errors {
        let mut open = true;
        egui::Window::new("Could not open model")
            .collapsible(false)
            .open(&mut open)
            .show(ctx, |ui| {
                ui.label(format!(
                    "{file} has {} problem(s); the current model is unchanged.",
                    errors.len()
                ));
                egui::ScrollArea::vertical()
                    .max_height(300.0)
                    .show(ui, |ui| {
                        for e in errors {
                            ui.label(RichText::new(e).monospace());
                        }
                    });
            });
        if !open {
            app.load_errors = None;
        }
    }
    if app.confirm_close {
        egui::Modal::new(egui::Id::new("confirm-close")).show(ctx, |ui| {
            ui.heading("Save changes before closing?");
            ui.label(app.session.title());
            ui.horizontal(|ui| {
                if ui.button("Save").clicked() {
                    app.confirm_close = false;
                    app.push(Command::Save);
                }
                if ui.button("Discard changes").clicked() {
                    app.confirm_close = false;
                    app.allow_close = true;
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                }
                if ui.button("Cancel").clicked() {
                    app.confirm_close = false;
                }
            });
        });
    }
    if app.recovery.is_some() {
        egui::Window::new("Recover unsaved work?")
            .collapsible(false)
            .show(ctx, |ui| {
                ui.label("Rampart found changes that were not saved when it last closed.");
                ui.horizontal(|ui| {
                    if ui.button("Recover").clicked() {
                        app.push(Command::RecoverAutosave);
                    }
                    if ui.button("Discard").clicked() {
                        app.push(Command::DiscardAutosave);
                    }
                });
            });
    }
    let _ = ExportKind::Json;
    let theme = Theme::new(app.settings.dark);
    super::probe::window(app, ctx, &theme);
}
