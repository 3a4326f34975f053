//! The left panel: the palette (add a node into a chosen boundary, a boundary, a data asset;
//! draw flows; lay out again) and the outline of the model (boundaries as a tree with their
//! nodes, runtimes, data assets), with a search that selects on Enter when one element matches.

use egui::{RichText, Ui};

use super::Ctx;
use crate::editor::Edit;
use crate::model::{Boundary, BoundaryKind, Classification, NodeKind, RuntimeKind};
use crate::ui::canvas::Tool;
use crate::ui::command::{Command, HelpPage, Selection};

#[derive(Default)]
pub struct OutlineState {
    pub search: String,
    pub focus_search: bool,
    /// Where new nodes go: a boundary id, `Some("")` for outside every boundary, `None` to
    /// follow the selection.
    pub into: Option<String>,
}

/// The boundary the selection is in (a selected boundary, or a selected node's).
fn selected_boundary(ctx: &Ctx<'_>) -> Option<String> {
    let id = ctx.selection.id()?;
    let m = ctx.model();
    if m.boundary(id).is_some() {
        return Some(id.to_string());
    }
    m.node(id).and_then(|n| n.boundary.clone())
}

pub fn ui(
    ctx: &mut Ctx<'_>,
    state: &mut OutlineState,
    tool: &mut Tool,
    view_centre: Option<crate::model::Pos>,
    ui: &mut Ui,
) {
    ui.label(RichText::new("Add").strong());
    let follow = selected_boundary(ctx);
    let target: Option<String> = match &state.into {
        Some(b) if b.is_empty() => None,
        Some(b) if ctx.model().boundary(b).is_some() => Some(b.clone()),
        _ => follow.clone(),
    };
    ui.horizontal(|ui| {
        let label = ui.label("Into");
        let shown = target
            .as_deref()
            .map_or("(no boundary)".to_string(), |b| ctx.name(b));
        let mut pick: Option<Option<String>> = None;
        egui::ComboBox::from_id_salt("add-into")
            .selected_text(shown)
            .width(150.0)
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(state.into.is_none(), "the selected boundary")
                    .clicked()
                {
                    pick = Some(None);
                }
                if ui
                    .selectable_label(state.into.as_deref() == Some(""), "(no boundary)")
                    .clicked()
                {
                    pick = Some(Some(String::new()));
                }
                for b in &ctx.model().boundaries {
                    let name = if b.name.is_empty() { &b.id } else { &b.name };
                    if ui
                        .selectable_label(state.into.as_deref() == Some(b.id.as_str()), name)
                        .on_hover_text(&b.id)
                        .clicked()
                    {
                        pick = Some(Some(b.id.clone()));
                    }
                }
            })
            .response
            .labelled_by(label.id)
            .on_hover_text("New nodes go into this boundary, in free space");
        if let Some(p) = pick {
            state.into = p;
        }
    });
    let mut push = Vec::new();
    ui.horizontal_wrapped(|ui| {
        let into = target
            .as_deref()
            .map_or("outside every boundary".to_string(), |b| {
                format!("into {}", ctx.name(b))
            });
        for kind in NodeKind::ALL.iter().filter(|k| !k.is_build()) {
            if ui
                .button(format!("+ {}", kind.label()))
                .on_hover_text(format!("Add a {} {into}", kind.label().to_lowercase()))
                .clicked()
            {
                push.push(Command::AddNode {
                    kind: *kind,
                    boundary: target.clone(),
                    near: if target.is_none() { view_centre } else { None },
                });
            }
        }
        ui.menu_button("+ Build chain…", |ui| {
            ui.label(RichText::new(format!("What builds and ships the code, {into}")).weak());
            for kind in NodeKind::ALL.iter().filter(|k| k.is_build()) {
                if ui.button(kind.label()).clicked() {
                    push.push(Command::AddNode {
                        kind: *kind,
                        boundary: target.clone(),
                        near: if target.is_none() { view_centre } else { None },
                    });
                    ui.close();
                }
            }
        })
        .response
        .on_hover_text("Add a source repository, CI/CD pipeline or artifact registry");
        ui.menu_button("+ Boundary…", |ui| {
            // Nested only inside a selected boundary (a selected node's boundary is where new
            // nodes go, not new boundaries).
            let parent = ctx
                .selection
                .id()
                .filter(|b| ctx.model().boundary(b).is_some())
                .map(str::to_string);
            ui.label(
                RichText::new(match &parent {
                    Some(p) => format!("Inside {}", ctx.name(p)),
                    None => "At the top level (select a boundary to nest one in it)".to_string(),
                })
                .weak(),
            );
            for kind in BoundaryKind::ALL {
                if ui
                    .button(format!("{} (trust {})", kind.label(), kind.default_trust()))
                    .clicked()
                {
                    push.push(Command::AddBoundary {
                        kind: *kind,
                        parent: parent.clone(),
                    });
                    ui.close();
                }
            }
        })
        .response
        .on_hover_text("Add a trust boundary (inside the selected one), beside its siblings");
        if ui.button("+ Data asset").clicked() {
            push.push(Command::AddAsset(Classification::Confidential));
        }
        ui.menu_button("+ Runtime…", |ui| {
            ui.label(RichText::new("A host, VM, cluster or platform several nodes share").weak());
            for kind in RuntimeKind::ALL {
                if ui.button(kind.label()).clicked() {
                    push.push(Command::Edit(Edit::AddRuntime { kind: *kind }));
                    ui.close();
                }
            }
        })
        .response
        .on_hover_text("Add a shared runtime; put nodes on it under Runs on in their properties");
    });
    ui.horizontal_wrapped(|ui| {
        let connect = *tool == Tool::Connect;
        if ui
            .selectable_label(connect, "✏ Draw flows")
            .on_hover_text("Drag from one node to another to add a flow (Esc to stop)")
            .clicked()
        {
            *tool = if connect { Tool::Select } else { Tool::Connect };
        }
        if ui
            .button("Arrange")
            .on_hover_text(
                "Lay the whole diagram out again automatically (undo brings your layout back)",
            )
            .clicked()
        {
            push.push(Command::Arrange);
        }
        if ui.button("? Help").clicked() {
            push.push(Command::Help(HelpPage::GettingStarted));
        }
    });
    for c in push {
        ctx.push(c);
    }
    ui.separator();
    let search = ui.add(
        egui::TextEdit::singleline(&mut state.search)
            .hint_text("Find element (Ctrl+F, Enter selects)"),
    );
    if std::mem::take(&mut state.focus_search) {
        search.request_focus();
    }
    let query = state.search.to_lowercase();
    let matches = |id: &str, name: &str| {
        query.is_empty()
            || id.to_lowercase().contains(&query)
            || name.to_lowercase().contains(&query)
    };
    let session = ctx.session;
    let model = session.model();
    // Enter in the search field selects the only match.
    if search.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) && !query.is_empty() {
        let hits: Vec<String> = model
            .nodes()
            .filter(|n| matches(&n.id, &n.name))
            .map(|n| n.id.clone())
            .chain(
                model
                    .boundaries
                    .iter()
                    .filter(|b| matches(&b.id, &b.name))
                    .map(|b| b.id.clone()),
            )
            .chain(
                model
                    .flows()
                    .filter(|f| matches(&f.id, &f.name))
                    .map(|f| f.id.clone()),
            )
            .chain(
                model
                    .assets
                    .iter()
                    .filter(|a| matches(&a.id, &a.name))
                    .map(|a| a.id.clone()),
            )
            .collect();
        if let [one] = hits.as_slice() {
            ctx.push(Command::Select(Selection::Element(one.clone())));
            ctx.push(Command::Focus(vec![one.clone()]));
        }
    }
    let selected = ctx.selection.id().map(str::to_string);
    let worst = ctx.session.analysis().worst_by_element();
    let theme = *ctx.theme;
    let mut clicked = None;
    egui::ScrollArea::vertical()
        .id_salt("outline-list")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            egui::CollapsingHeader::new("Trust boundaries and nodes")
                .default_open(true)
                .show(ui, |ui| {
                    #[allow(clippy::too_many_arguments)] // a recursive walk with its context
                    fn subtree(
                        ui: &mut Ui,
                        model: &crate::model::Model,
                        b: &Boundary,
                        depth: usize,
                        matches: &dyn Fn(&str, &str) -> bool,
                        selected: Option<&str>,
                        worst: &std::collections::HashMap<&str, crate::analysis::Severity>,
                        theme: &crate::ui::theme::Theme,
                        clicked: &mut Option<String>,
                    ) {
                        if depth > 32 {
                            return;
                        }
                        let nodes: Vec<_> = model
                            .nodes()
                            .filter(|n| {
                                n.boundary.as_deref() == Some(b.id.as_str())
                                    && matches(&n.id, &n.name)
                            })
                            .collect();
                        let mut children: Vec<&Boundary> = model
                            .boundaries
                            .iter()
                            .filter(|c| c.parent.as_deref() == Some(b.id.as_str()) && c.id != b.id)
                            .collect();
                        children.sort_by_key(|c| (c.trust_level(), c.id.clone()));
                        let label = format!(
                            "▣ {} (trust {})",
                            if b.name.is_empty() { &b.id } else { &b.name },
                            b.trust_level()
                        );
                        if ui
                            .selectable_label(selected == Some(b.id.as_str()), label)
                            .on_hover_text(format!("id: {}", b.id))
                            .clicked()
                        {
                            *clicked = Some(b.id.clone());
                        }
                        ui.indent(("b", &b.id), |ui| {
                            for n in nodes {
                                let mut text = RichText::new(n.label());
                                if let Some(s) = worst.get(n.id.as_str()) {
                                    text = text.color(theme.severity(*s));
                                }
                                if ui
                                    .selectable_label(selected == Some(n.id.as_str()), text)
                                    .on_hover_text(format!("{} · id: {}", n.kind.label(), n.id))
                                    .clicked()
                                {
                                    *clicked = Some(n.id.clone());
                                }
                            }
                            for c in children {
                                subtree(
                                    ui,
                                    model,
                                    c,
                                    depth + 1,
                                    matches,
                                    selected,
                                    worst,
                                    theme,
                                    clicked,
                                );
                            }
                        });
                    }
                    let mut roots: Vec<&Boundary> = model
                        .boundaries
                        .iter()
                        .filter(|b| {
                            b.parent
                                .as_deref()
                                .and_then(|p| model.boundary(p))
                                .is_none()
                        })
                        .collect();
                    roots.sort_by_key(|b| (b.trust_level(), b.id.clone()));
                    // Boundaries in a parent cycle have no root: list them at the top too.
                    let reachable: std::collections::HashSet<&str> = model
                        .boundaries
                        .iter()
                        .filter(|b| {
                            model.boundary_chain(&b.id).last().is_some_and(|top| {
                                top.parent
                                    .as_deref()
                                    .and_then(|p| model.boundary(p))
                                    .is_none()
                            })
                        })
                        .map(|b| b.id.as_str())
                        .collect();
                    for b in &model.boundaries {
                        if !reachable.contains(b.id.as_str()) && !roots.iter().any(|r| r.id == b.id)
                        {
                            roots.push(b);
                        }
                    }
                    for b in roots {
                        subtree(
                            ui,
                            model,
                            b,
                            0,
                            &matches,
                            selected.as_deref(),
                            &worst,
                            &theme,
                            &mut clicked,
                        );
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
                            .on_hover_text(format!("id: {}", n.id))
                            .clicked()
                        {
                            clicked = Some(n.id.clone());
                        }
                    }
                });
            if !model.runtimes.is_empty() {
                egui::CollapsingHeader::new(format!("Runtimes ({})", model.runtimes.len()))
                    .default_open(true)
                    .show(ui, |ui| {
                        for r in model.runtimes.iter().filter(|r| matches(&r.id, &r.name)) {
                            let on = model.on_runtime(&r.id).count();
                            let label = format!(
                                "{} · {} · {}",
                                r.label(),
                                r.kind.key(),
                                crate::ui::panels::count(on, "node", "nodes")
                            );
                            if ui
                                .selectable_label(selected.as_deref() == Some(r.id.as_str()), label)
                                .on_hover_text(format!("id: {}", r.id))
                                .clicked()
                            {
                                clicked = Some(r.id.clone());
                            }
                        }
                    });
            }
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
                            .selectable_label(selected.as_deref() == Some(a.id.as_str()), label)
                            .on_hover_text(format!("id: {}", a.id))
                            .clicked()
                        {
                            clicked = Some(a.id.clone());
                        }
                    }
                });
        });
    if let Some(id) = clicked {
        if ctx.model().node(&id).is_some() {
            ctx.push(Command::Focus(vec![id.clone()]));
        }
        ctx.push(Command::Select(Selection::Element(id)));
    }
}
