//! The bottom panel: findings (a virtualised list grouped by severity and family, with search
//! and filters, beside a resizable detail pane: why it fired, the fix with "Apply fix" where it
//! is one change, the risk decision, the rule's explanation) and the compliance matrix.

use egui::{RichText, Ui};

use super::{Ctx, count, severity_badge};
use crate::analysis::compliance::Verdict;
use crate::analysis::{Family, Finding, Severity};
use crate::editor::{self, Edit};
use crate::model::Status;
use crate::ui::command::Command;

#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub enum BottomTab {
    #[default]
    Findings,
    Compliance,
}

/// A risk decision being written.
#[derive(Clone, Debug)]
pub struct DecisionDraft {
    pub finding: String,
    pub status: Status,
    pub justification: String,
    pub owner: String,
}

#[derive(Default)]
pub struct FindingsState {
    pub filter: String,
    pub min_severity: Option<Severity>,
    pub family: Option<Family>,
    pub show_resolved: bool,
    pub tab: BottomTab,
    pub decision: Option<DecisionDraft>,
    /// Severity groups folded in the list.
    pub collapsed: std::collections::HashSet<Severity>,
}

/// One row of the (virtualised) findings list.
enum Row {
    Header(Severity, usize),
    Family(Family),
    Finding(usize),
}

fn matches(state: &FindingsState, f: &Finding) -> bool {
    (state.show_resolved || f.is_open())
        && state.min_severity.is_none_or(|s| f.severity >= s)
        && state.family.is_none_or(|fam| f.rule.family == fam)
        && (state.filter.is_empty() || {
            let q = state.filter.to_lowercase();
            f.id.to_lowercase().contains(&q)
                || f.rule.title.to_lowercase().contains(&q)
                || f.message.to_lowercase().contains(&q)
        })
}

pub fn ui(ctx: &mut Ctx<'_>, state: &mut FindingsState, ui: &mut Ui) {
    ui.horizontal(|ui| {
        ui.selectable_value(&mut state.tab, BottomTab::Findings, "Findings");
        ui.selectable_value(&mut state.tab, BottomTab::Compliance, "Compliance");
    });
    ui.separator();
    match state.tab {
        BottomTab::Findings => findings(ctx, state, ui),
        BottomTab::Compliance => compliance(ctx, state, ui),
    }
}

fn findings(ctx: &mut Ctx<'_>, state: &mut FindingsState, ui: &mut Ui) {
    ui.horizontal(|ui| {
        let label = ui.label("Search findings");
        ui.add(
            egui::TextEdit::singleline(&mut state.filter)
                .desired_width(180.0)
                .hint_text("id, title or text"),
        )
        .labelled_by(label.id);
        egui::ComboBox::from_id_salt("min-severity")
            .selected_text(state.min_severity.map_or("Any severity".to_string(), |s| {
                format!("{} and above", s.label())
            }))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut state.min_severity, None, "Any severity");
                for s in Severity::ALL.iter().rev() {
                    ui.selectable_value(
                        &mut state.min_severity,
                        Some(*s),
                        format!("{} and above", s.label()),
                    );
                }
            });
        egui::ComboBox::from_id_salt("family")
            .selected_text(state.family.map_or("All families", Family::label))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut state.family, None, "All families");
                for f in Family::ALL {
                    ui.selectable_value(&mut state.family, Some(*f), f.label());
                }
            });
        ui.checkbox(&mut state.show_resolved, "Show resolved");
    });
    ui.add_space(4.0);
    // The list on the left, the detail on the right; the divider can be dragged.
    egui::Panel::left("finding-list")
        .resizable(true)
        .default_size((ui.available_width() * 0.5).max(320.0))
        .size_range(260.0..=(ui.available_width() - 260.0).max(300.0))
        .frame(egui::Frame::NONE)
        .show(ui, |ui| list(ctx, state, ui));
    let id = ctx.selected_finding.map(str::to_string);
    egui::ScrollArea::vertical()
        // A scroll position per finding: the next one opens at its top.
        .id_salt(("finding-detail", id))
        .auto_shrink([false, false])
        .show(ui, |ui| detail(ctx, state, ui));
}

/// The findings list, grouped by severity then family. Only the rows in view are built, so a
/// model with tens of thousands of findings scrolls as smoothly as a small one.
fn list(ctx: &mut Ctx<'_>, state: &mut FindingsState, ui: &mut Ui) {
    let analysis = ctx.session.analysis();
    if analysis.findings.is_empty() {
        ui.label("No findings. Add nodes and flows to see what is wrong with them.");
        return;
    }
    let mut rows = Vec::new();
    for severity in Severity::ALL.iter().rev() {
        let group: Vec<usize> = analysis
            .findings
            .iter()
            .enumerate()
            .filter(|(_, f)| f.severity == *severity && matches(state, f))
            .map(|(i, _)| i)
            .collect();
        if group.is_empty() {
            continue;
        }
        rows.push(Row::Header(*severity, group.len()));
        if state.collapsed.contains(severity) {
            continue;
        }
        for family in Family::ALL {
            let mut first = true;
            for i in group
                .iter()
                .filter(|i| analysis.findings[**i].rule.family == *family)
            {
                if first {
                    rows.push(Row::Family(*family));
                    first = false;
                }
                rows.push(Row::Finding(*i));
            }
        }
    }
    let selected = ctx.selected_finding;
    let mut clicked = None;
    let mut toggle = None;
    let row_height = ui.spacing().interact_size.y + 2.0;
    let theme = *ctx.theme;
    egui::ScrollArea::vertical()
        .id_salt("finding-list")
        .auto_shrink([false, false])
        .show_rows(ui, row_height, rows.len(), |ui, range| {
            for row in &rows[range] {
                match row {
                    Row::Header(severity, n) => {
                        let open = !state.collapsed.contains(severity);
                        let text = RichText::new(format!(
                            "{} {} ({n})",
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
                            let is_selected = selected == Some(f.id.as_str());
                            if ui.selectable_label(is_selected, text).clicked() {
                                clicked = Some(f.id.clone());
                            }
                            let names: Vec<String> = f
                                .elements
                                .iter()
                                .map(|e| {
                                    ctx.session.model().element_name(e).unwrap_or(e).to_string()
                                })
                                .collect();
                            // Names, then the id, cut to the list's width (the list keeps
                            // its width whatever the ids); in full on hover.
                            ui.add(
                                egui::Label::new(
                                    RichText::new(format!("{}   {}", names.join(" · "), f.id))
                                        .small()
                                        .weak(),
                                )
                                .truncate(),
                            )
                            .on_hover_text(&f.id);
                        });
                    }
                }
            }
        });
    if let Some(s) = toggle
        && !state.collapsed.remove(&s)
    {
        state.collapsed.insert(s);
    }
    if let Some(id) = clicked {
        ctx.push(Command::SelectFinding(Some(id)));
    }
}

/// The selected finding: what and why on the left, the risk decision on the right (always in
/// view, it is what reviewers come here to do), the rule's explanation below.
fn detail(ctx: &mut Ctx<'_>, state: &mut FindingsState, ui: &mut Ui) {
    let Some(id) = ctx.selected_finding.map(str::to_string) else {
        ui.label(
            RichText::new(
                "Select a finding to see why it fired, how to fix it, and to record a decision.",
            )
            .weak(),
        );
        return;
    };
    let Some(f) = ctx
        .session
        .analysis()
        .findings
        .iter()
        .find(|f| f.id == id)
        .cloned()
    else {
        return;
    };
    let wide = ui.available_width() >= 560.0;
    if wide {
        ui.columns(2, |cols| {
            about(ctx, &f, &mut cols[0]);
            decision_form(ctx, state, &f, &mut cols[1]);
            rule_text(&f, &mut cols[1]);
        });
    } else {
        about(ctx, &f, ui);
        ui.separator();
        decision_form(ctx, state, &f, ui);
        rule_text(&f, ui);
    }
}

/// What fired, on what, why, and the fix (with "Apply fix" when it is one change).
fn about(ctx: &mut Ctx<'_>, f: &Finding, ui: &mut Ui) {
    ui.horizontal_wrapped(|ui| {
        severity_badge(ui, ctx.theme, f.severity);
        ui.strong(f.rule.title);
    });
    ui.label(RichText::new(&f.id).monospace().small());
    ui.label(
        RichText::new(format!(
            "{} · STRIDE: {} · status: {}",
            f.rule.family.label(),
            f.rule
                .stride
                .iter()
                .map(|s| s.label())
                .collect::<Vec<_>>()
                .join(", "),
            f.status.label()
        ))
        .small(),
    );
    ui.add_space(4.0);
    ui.label(ctx.words(&f.message));
    for (i, hop) in f.hops.iter().enumerate() {
        ui.label(RichText::new(format!("{}. {}", i + 1, ctx.words(hop))).small());
    }
    ui.add_space(4.0);
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Fix").strong());
        if let Some(change) = &f.change {
            let what = format!("{} on {}", change.describe(), ctx.name(change.element()));
            if ui
                .button("Apply fix")
                .on_hover_text(format!("{what} (one undo step)"))
                .clicked()
            {
                ctx.push(Command::ApplyFix(change.clone()));
            }
        }
    });
    ui.label(ctx.words(&f.fix));
}

fn decision_form(ctx: &mut Ctx<'_>, state: &mut FindingsState, f: &Finding, ui: &mut Ui) {
    let fresh = || DecisionDraft {
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
    let draft = state.decision.get_or_insert_with(fresh);
    if draft.finding != f.id {
        *draft = fresh();
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
        ui.add(egui::TextEdit::singleline(&mut draft.owner).desired_width(110.0))
            .labelled_by(label.id);
    });
    let label = ui.label("Justification");
    ui.add(
        egui::TextEdit::multiline(&mut draft.justification)
            .desired_rows(2)
            .desired_width(f32::INFINITY)
            .hint_text("required to accept a risk"),
    )
    .labelled_by(label.id);
    ui.horizontal_wrapped(|ui| {
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
                RichText::new("A justification is required.")
                    .color(ctx.theme.severity(Severity::High)),
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
            RichText::new(format!("Set by the pattern {}.", d.finding))
                .small()
                .weak(),
        );
    }
    if let Some(c) = push {
        ctx.push(c);
    }
}

fn rule_text(f: &Finding, ui: &mut Ui) {
    ui.separator();
    ui.label(RichText::new("How to fix it in general").strong());
    ui.label(RichText::new(f.rule.mitigation).weak());
    ui.collapsing("Why this matters", |ui| ui.label(f.rule.explanation));
    let refs = f.rule.compliance();
    if !refs.is_empty() {
        ui.label(RichText::new(refs.join("  ")).small().weak());
    }
}

fn compliance(ctx: &mut Ctx<'_>, state: &mut FindingsState, ui: &mut Ui) {
    let analysis = ctx.session.analysis();
    if analysis.compliance.is_empty() {
        ui.label("No framework is in scope: the model holds no PCI, PHI or PII data and declares no framework. Declare one in the inspector (click empty canvas).");
        return;
    }
    let mut clicked = None;
    let theme = *ctx.theme;
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
                                        .link(count(r.findings.len(), "finding", "findings"))
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
        state.tab = BottomTab::Findings;
        ctx.push(Command::SelectFinding(Some(id)));
    }
}
