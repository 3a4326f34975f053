//! The right panel: every property of the selected node, flow, boundary or data asset (the
//! model's own details with nothing selected), the problems that stop it saving, its endpoint
//! and probe results, and the findings about it. Names for people, ids on hover.

use egui::{RichText, Ui};

use super::{Ctx, combo, count, multi, option_combo, out_of_scope, severity_badge, text_field};
use crate::analysis::Severity;
use crate::editor::Edit;
use crate::model::{
    Access, AuthKind, Authorization, Boundary, BoundaryKind, Classification, DataAsset, DataTag,
    DeployMode, Deployment, Encryption, Endpoint, Flow, Framework, Grant, HumanRole, HumanUsers,
    NetworkControl, Node, NodeKind, Rating, Runtime, RuntimeKind, SecretsLocation, TlsVersion,
    Transport,
};
use crate::ui::command::{Command, Selection};
use crate::ui::probe::{Attached, ProbeKind};

#[derive(Default)]
pub struct InspectorState {
    /// The id being typed in the Id field: (element, text).
    pub rename: Option<(String, String)>,
}

/// What the inspector needs beyond the panel context.
pub struct Extra<'a> {
    pub attached: &'a std::collections::HashMap<String, Attached>,
    pub busy: bool,
    pub collapsed: &'a std::collections::BTreeSet<String>,
}

pub fn ui(ctx: &mut Ctx<'_>, state: &mut InspectorState, extra: &Extra<'_>, ui: &mut Ui) {
    let Selection::Element(id) = ctx.selection.clone() else {
        model_info(ctx, ui);
        return;
    };
    let model = ctx.model();
    // Each element's fields under its own id, so the focus stays with the element typed in.
    let (node, flow, boundary, asset, runtime) = (
        model.node(&id).cloned(),
        model.flow(&id).cloned(),
        model.boundary(&id).cloned(),
        model.asset(&id).cloned(),
        model.runtime(&id).cloned(),
    );
    ui.push_id(("inspector", &id), |ui| {
        if let Some(node) = node {
            node_inspector(ctx, state, extra, ui, node);
        } else if let Some(flow) = flow {
            flow_inspector(ctx, state, extra, ui, flow);
        } else if let Some(b) = boundary {
            boundary_inspector(ctx, state, extra, ui, b);
        } else if let Some(a) = asset {
            asset_inspector(ctx, state, ui, a);
        } else if let Some(r) = runtime {
            runtime_inspector(ctx, state, ui, r);
        } else {
            model_info(ctx, ui);
        }
    });
}

fn model_info(ctx: &mut Ctx<'_>, ui: &mut Ui) {
    ui.heading("Model");
    let m = ctx.model();
    let (mut name, mut description, mut author) =
        (m.name.clone(), m.description.clone(), m.author.clone());
    let mut frameworks = m.frameworks.clone();
    let info = |name: &str, description: &str, author: &str| Edit::SetInfo {
        name: name.to_string(),
        description: description.to_string(),
        author: author.to_string(),
    };
    if text_field(ui, "Name", &mut name, false) {
        ctx.push(Command::EditTyping(
            info(&name, &description, &author),
            "model/name".into(),
        ));
    }
    if text_field(ui, "Description", &mut description, true) {
        ctx.push(Command::EditTyping(
            info(&name, &description, &author),
            "model/description".into(),
        ));
    }
    if text_field(ui, "Author", &mut author, false) {
        ctx.push(Command::EditTyping(
            info(&name, &description, &author),
            "model/author".into(),
        ));
    }
    if multi(
        ui,
        "Frameworks declared in scope",
        &mut frameworks,
        Framework::ALL,
        Framework::label,
    ) {
        ctx.push(Command::Edit(Edit::SetFrameworks(frameworks)));
    }
    ui.add_space(8.0);
    ui.label(
        RichText::new(
            "Select a node, flow or boundary on the canvas to edit it. Help > Model notation explains the shapes.",
        )
        .weak(),
    );
}

fn problems_for(ctx: &Ctx<'_>, ui: &mut Ui, id: &str) {
    for p in ctx
        .session
        .problems()
        .iter()
        .filter(|p| p.element.as_deref() == Some(id))
    {
        ui.label(
            RichText::new(format!("⚠ {}", p.message)).color(ctx.theme.severity(Severity::High)),
        );
    }
}

fn rename_row(ctx: &mut Ctx<'_>, state: &mut InspectorState, ui: &mut Ui, id: &str) {
    let draft = match &mut state.rename {
        Some((of, text)) if of == id => text,
        slot => {
            *slot = Some((id.to_string(), id.to_string()));
            &mut slot.as_mut().expect("just set").1
        }
    };
    let mut apply = false;
    let follows = ctx.session.id_follows_name(id);
    ui.horizontal(|ui| {
        let label = ui.label("Id");
        let r = ui
            .add(
                egui::TextEdit::singleline(draft)
                    .desired_width((ui.available_width() - 76.0).max(120.0))
                    .font(egui::TextStyle::Monospace),
            )
            .labelled_by(label.id)
            .on_hover_text("What files, findings and risk decisions use to refer to this element");
        apply = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        apply |= ui
            .add_enabled(draft != id, egui::Button::new("Rename"))
            .clicked();
    });
    if follows {
        ui.label(
            RichText::new("The id follows the name until you set it or save.")
                .small()
                .weak(),
        );
    }
    let draft = draft.clone();
    if draft != id {
        if !crate::model::is_valid_id(&draft) {
            ui.label(
                RichText::new("Ids use letters, digits, -, _ and . only.")
                    .color(ctx.theme.severity(Severity::High)),
            );
        } else if ctx.model().id_in_use(&draft) {
            ui.label(
                RichText::new("That id is already used.").color(ctx.theme.severity(Severity::High)),
            );
        } else if apply {
            ctx.push(Command::Edit(Edit::Rename {
                old: id.to_string(),
                new: draft.clone(),
            }));
            ctx.push(Command::Select(Selection::Element(draft)));
        }
    }
}

/// Findings about the element, each a link to the finding.
fn element_findings(ctx: &mut Ctx<'_>, ui: &mut Ui, id: &str) {
    let list: Vec<(String, Severity, &'static str, bool)> = ctx
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
            severity_badge(ui, ctx.theme, sev);
            let mut text = RichText::new(title);
            if !open {
                text = text.strikethrough().weak();
            }
            if ui.link(text).on_hover_text(&fid).clicked() {
                ctx.push(Command::SelectFinding(Some(fid.clone())));
            }
        });
    }
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
            let l = ui.label("Test token for the JWT probe (optional)");
            if ui
                .add(
                    egui::TextEdit::singleline(&mut token)
                        .id_salt("token")
                        .password(true),
                )
                .labelled_by(l.id)
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
fn endpoint_status(ctx: &mut Ctx<'_>, extra: &Extra<'_>, ui: &mut Ui, id: &str, has: bool) {
    if !has {
        return;
    }
    if let Some(v) = ctx.session.verification() {
        match v.current(ctx.model()).find(|e| e.element == id) {
            Some(e) => {
                ui.label(
                    RichText::new(format!("Verification: {}", e.status.label()))
                        .strong()
                        .color(ctx.theme.endpoint(e.status)),
                )
                .on_hover_text(
                    "Verify compares the endpoint with what the model declares, with the quick \
                     TLS probe (versions, certificate, client certificates). Probe TLS… below \
                     runs the full one: suites, configuration, vulnerabilities, grade.",
                );
                for d in &e.drift {
                    ui.label(
                        RichText::new(format!("✖ {}", ctx.words(&d.message)))
                            .small()
                            .color(ctx.theme.severity(Severity::High)),
                    );
                }
                for m in &e.matched {
                    ui.label(RichText::new(format!("✔ {m}")).small());
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
    if let Some(result) = extra.attached.get(id) {
        ui.label(RichText::new(result.summary()).strong());
        crate::ui::probe::findings_ui(ui, ctx.theme, result.findings());
    }
    ui.horizontal(|ui| {
        if ui
            .add_enabled(!extra.busy, egui::Button::new("Probe TLS…"))
            .clicked()
        {
            ctx.push(Command::OpenProbe(Some(id.to_string()), ProbeKind::Tls));
        }
        if ui
            .add_enabled(!extra.busy, egui::Button::new("Probe JWT…"))
            .clicked()
        {
            ctx.push(Command::OpenProbe(Some(id.to_string()), ProbeKind::Jwt));
        }
    });
}

/// Pushes an edit: from typing (its own undo step per field) or from a click.
fn commit(ctx: &mut Ctx<'_>, edit: Edit, typed: Option<(&str, &str)>) {
    match typed {
        Some((id, field)) => {
            let key = ctx.session.typing_key(id, field);
            ctx.push(Command::EditTyping(edit, key));
        }
        None => ctx.push(Command::Edit(edit)),
    }
}

fn node_inspector(
    ctx: &mut Ctx<'_>,
    state: &mut InspectorState,
    extra: &Extra<'_>,
    ui: &mut Ui,
    mut node: Node,
) {
    let id = node.id.clone();
    ui.heading(format!("{} · {}", node.label(), node.kind.label()))
        .on_hover_text(format!("id: {id}"));
    rename_row(ctx, state, ui, &id);
    problems_for(ctx, ui, &id);
    let mut typed: Option<&str> = None;
    let mut changed = false;
    if text_field(ui, "Name", &mut node.name, false) {
        typed = Some("name");
    }
    changed |= combo(
        ui,
        "node-kind",
        "Kind",
        &mut node.kind,
        NodeKind::ALL,
        NodeKind::label,
    );
    changed |= boundary_choice(
        ctx,
        ui,
        "node-boundary",
        "Boundary",
        "(none)",
        &mut node.boundary,
        None,
    );
    if !ctx.model().runtimes.is_empty() || node.runtime.is_some() {
        let runtimes: Vec<(String, String)> = ctx
            .model()
            .runtimes
            .iter()
            .map(|r| (r.id.clone(), r.label().to_string()))
            .collect();
        changed |= element_choice(
            ctx,
            ui,
            ("node-runtime", "Runs on", "(its own runtime)"),
            &mut node.runtime,
            &runtimes,
        );
    }
    if text_field(ui, "Technology", &mut node.technology, false) {
        typed = Some("technology");
    }
    if text_field(ui, "Description", &mut node.description, true) {
        typed = Some("description");
    }
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
        if node.kind == NodeKind::Gateway || node.internet_facing || node.waf {
            changed |= ui
                .checkbox(&mut node.waf, "Behind a WAF")
                .on_hover_text("A web application firewall filters what reaches this entry")
                .changed();
        }
    });
    if node.kind == NodeKind::Actor {
        changed |= option_combo(
            ui,
            "node-role",
            "People's role",
            "(not said)",
            &mut node.role,
            HumanRole::ALL,
            HumanRole::label,
        );
    }
    egui::CollapsingHeader::new("Scope")
        .id_salt(("node-scope", &id))
        .default_open(node.out_of_scope.is_some())
        .show(ui, |ui| {
            let (scope_changed, scope_typed) = out_of_scope(ui, &mut node.out_of_scope);
            changed |= scope_changed;
            if scope_typed {
                typed = Some("out_of_scope");
            }
        });
    let mut identity = node.identity.clone().unwrap_or_default();
    if text_field(
        ui,
        "Service identity (blank: the node id)",
        &mut identity,
        false,
    ) {
        node.identity = (!identity.is_empty()).then_some(identity);
        typed = Some("identity");
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
            typed = Some("agreement");
        }
    }
    let assets: Vec<(String, String, &'static str)> = ctx
        .model()
        .assets
        .iter()
        .map(|a| {
            (
                a.id.clone(),
                if a.name.is_empty() {
                    a.id.clone()
                } else {
                    a.name.clone()
                },
                a.classification.label(),
            )
        })
        .collect();
    if node.kind.is_process() || !node.processes.is_empty() {
        egui::CollapsingHeader::new("Data it processes")
            .id_salt(("node-processes", &id))
            .default_open(!node.processes.is_empty())
            .show(ui, |ui| {
                ui.label(
                    RichText::new(
                        "Once a node says what it processes, data it carries beyond that \
                         (and what it stores) is reported as unnecessary.",
                    )
                    .weak(),
                );
                changed |= asset_checks(ui, &assets, &mut node.processes);
            });
    }
    if node.kind == NodeKind::Pipeline || !node.deploys.is_empty() {
        changed |= deploys_editor(ctx, ui, &mut node);
    }
    if node.kind.is_store() || !node.stores.is_empty() {
        ui.label("Stores data");
        changed |= asset_checks(ui, &assets, &mut node.stores);
        ui.label("Grants (who holds standing access)");
        let principals: Vec<(String, String)> = ctx
            .model()
            .nodes()
            .filter(|n| n.id != id)
            .map(|n| (n.id.clone(), n.label().to_string()))
            .collect();
        let mut remove = None;
        for (i, grant) in node.grants.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                let shown = principals
                    .iter()
                    .find(|(p, _)| *p == grant.principal)
                    .map_or(grant.principal.clone(), |(_, n)| n.clone());
                egui::ComboBox::from_id_salt(("grant-p", i))
                    .selected_text(shown)
                    .show_ui(ui, |ui| {
                        for (p, name) in &principals {
                            changed |= ui
                                .selectable_value(&mut grant.principal, p.clone(), name)
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
                if ui
                    .small_button("✖")
                    .on_hover_text("Remove this grant")
                    .clicked()
                {
                    remove = Some(i);
                }
            });
        }
        if let Some(i) = remove {
            node.grants.remove(i);
            changed = true;
        }
        if let Some((first, _)) = principals.first()
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
    let has_endpoint = node.endpoint.is_some();
    if let Some(field) = typed {
        commit(ctx, Edit::UpdateNode(Box::new(node)), Some((&id, field)));
    } else if changed {
        commit(ctx, Edit::UpdateNode(Box::new(node)), None);
    }
    endpoint_status(ctx, extra, ui, &id, has_endpoint);
    ui.add_space(6.0);
    if ui
        .button("Delete node")
        .on_hover_text("Del; undo brings it back")
        .clicked()
    {
        ctx.push(Command::DeleteSelected);
    }
    element_findings(ctx, ui, &id);
}

/// Protocols that say plaintext, and ones that say TLS.
/// A combo of the model's boundaries by name (id on hover) for an optional boundary reference:
/// a node's boundary, a boundary's parent (`except`: the boundary itself is no choice).
fn boundary_choice(
    ctx: &Ctx<'_>,
    ui: &mut Ui,
    salt: &str,
    label: &str,
    none: &str,
    value: &mut Option<String>,
    except: Option<&str>,
) -> bool {
    let choices: Vec<(String, String)> = ctx
        .model()
        .boundaries
        .iter()
        .filter(|x| Some(x.id.as_str()) != except)
        .map(|x| {
            (
                x.id.clone(),
                if x.name.is_empty() {
                    x.id.clone()
                } else {
                    x.name.clone()
                },
            )
        })
        .collect();
    element_choice(ctx, ui, (salt, label, none), value, &choices)
}

/// A combo of elements (id, name) by name, id on hover, for an optional reference.
fn element_choice(
    ctx: &Ctx<'_>,
    ui: &mut Ui,
    (salt, label, none): (&str, &str, &str),
    value: &mut Option<String>,
    choices: &[(String, String)],
) -> bool {
    let mut changed = false;
    ui.horizontal(|ui| {
        let l = ui.label(label);
        let shown = value.as_deref().map_or(none.to_string(), |b| ctx.name(b));
        egui::ComboBox::from_id_salt(salt)
            .selected_text(shown)
            .show_ui(ui, |ui| {
                changed |= ui.selectable_value(value, None, none).changed();
                for (bid, name) in choices {
                    changed |= ui
                        .selectable_value(value, Some(bid.clone()), name)
                        .on_hover_text(bid)
                        .changed();
                }
            })
            .response
            .labelled_by(l.id);
    });
    changed
}

/// Checkboxes for data assets (id, name, classification) in a list of asset ids.
fn asset_checks(
    ui: &mut Ui,
    assets: &[(String, String, &'static str)],
    list: &mut Vec<String>,
) -> bool {
    let mut changed = false;
    ui.horizontal_wrapped(|ui| {
        for (aid, name, class) in assets {
            let mut on = list.contains(aid);
            if ui
                .checkbox(&mut on, name)
                .on_hover_text(format!("{class} · id: {aid}"))
                .changed()
            {
                changed = true;
                if on {
                    list.push(aid.clone());
                } else {
                    list.retain(|s| s != aid);
                }
            }
        }
    });
    changed
}

fn protocol_says(protocol: &str) -> Option<bool> {
    let p = protocol.trim().to_ascii_lowercase();
    let plain = [
        "http", "ftp", "telnet", "ldap", "smtp", "imap", "pop3", "ws", "redis", "amqp", "mqtt",
    ];
    let tls = [
        "https", "ftps", "sftp", "ldaps", "smtps", "imaps", "pop3s", "wss", "rediss", "amqps",
        "mqtts", "ssh",
    ];
    if plain.contains(&p.as_str()) {
        Some(false)
    } else if tls.contains(&p.as_str()) {
        Some(true)
    } else {
        None
    }
}

fn flow_inspector(
    ctx: &mut Ctx<'_>,
    state: &mut InspectorState,
    extra: &Extra<'_>,
    ui: &mut Ui,
    mut flow: Flow,
) {
    let id = flow.id.clone();
    ui.heading(format!(
        "Flow: {} to {}",
        ctx.name(&flow.from),
        ctx.name(&flow.to)
    ))
    .on_hover_text(format!("id: {id} ({} to {})", flow.from, flow.to));
    rename_row(ctx, state, ui, &id);
    problems_for(ctx, ui, &id);
    let mut typed: Option<&str> = None;
    if text_field(ui, "Name", &mut flow.name, false) {
        typed = Some("name");
    }
    if text_field(ui, "Protocol", &mut flow.protocol, false) {
        typed = Some("protocol");
    }
    let mut changed = combo(
        ui,
        "flow-enc",
        "Encryption",
        &mut flow.encryption,
        Encryption::ALL,
        Encryption::label,
    );
    match (protocol_says(&flow.protocol), flow.encryption) {
        (Some(false), Encryption::Tls | Encryption::Mtls) => {
            ui.label(
                RichText::new(format!(
                    "⚠ The protocol \"{}\" is plaintext, but the flow says {}: correct one of them.",
                    flow.protocol,
                    flow.encryption.label()
                ))
                .color(ctx.theme.severity(Severity::Medium)),
            );
        }
        (Some(true), Encryption::None) => {
            ui.label(
                RichText::new(format!(
                    "⚠ The protocol \"{}\" uses TLS, but the flow says plaintext: correct one of them.",
                    flow.protocol
                ))
                .color(ctx.theme.severity(Severity::Medium)),
            );
        }
        _ => {}
    }
    if flow.encryption == Encryption::Mtls && !flow.authentication.authenticates() {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("Mutual TLS identifies the caller by its certificate.").weak());
            if ui.button("Set Authentication to mTLS too").clicked() {
                flow.authentication = AuthKind::Mtls;
                changed = true;
            }
        });
    }
    if flow.encryption == Encryption::None {
        if flow.tls_min.is_some() {
            flow.tls_min = None;
            changed = true;
        }
    } else {
        ui.horizontal(|ui| {
            let l = ui.label("Lowest TLS version");
            egui::ComboBox::from_id_salt("flow-tls")
                .selected_text(flow.tls_min.map_or("TLS 1.2 (assumed)", TlsVersion::label))
                .show_ui(ui, |ui| {
                    changed |= ui
                        .selectable_value(&mut flow.tls_min, None, "not declared (TLS 1.2 assumed)")
                        .changed();
                    for v in TlsVersion::ALL {
                        changed |= ui
                            .selectable_value(&mut flow.tls_min, Some(*v), v.label())
                            .changed();
                    }
                })
                .response
                .labelled_by(l.id);
        });
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
    // Less common properties, folded away so that the inspector stays short.
    let folded = flow.authorization.is_some()
        || flow.transport != Transport::Network
        || !flow.controls.is_empty()
        || flow.out_of_scope.is_some();
    egui::CollapsingHeader::new("More link properties")
        .id_salt(("flow-more", &id))
        .default_open(folded)
        .show(ui, |ui| {
            changed |= option_combo(
                ui,
                "flow-authz",
                "Link authorization",
                "(the target's)",
                &mut flow.authorization,
                Authorization::ALL,
                Authorization::label,
            );
            changed |= combo(
                ui,
                "flow-transport",
                "Transport",
                &mut flow.transport,
                Transport::ALL,
                Transport::label,
            );
            changed |= multi(
                ui,
                "Network controls",
                &mut flow.controls,
                NetworkControl::ALL,
                NetworkControl::label,
            );
            let (scope_changed, scope_typed) = out_of_scope(ui, &mut flow.out_of_scope);
            changed |= scope_changed;
            if scope_typed {
                typed = Some("out_of_scope");
            }
        });
    ui.label("Data carried");
    let assets: Vec<(String, String, &'static str)> = ctx
        .model()
        .assets
        .iter()
        .map(|a| {
            (
                a.id.clone(),
                if a.name.is_empty() {
                    a.id.clone()
                } else {
                    a.name.clone()
                },
                a.classification.key(),
            )
        })
        .collect();
    ui.horizontal_wrapped(|ui| {
        for (aid, name, class) in &assets {
            let mut on = flow.data.contains(aid);
            if ui
                .checkbox(&mut on, format!("{name} ({class})"))
                .on_hover_text(format!("id: {aid}"))
                .changed()
            {
                changed = true;
                if on {
                    flow.data.push(aid.clone());
                } else {
                    flow.data.retain(|d| d != aid);
                }
            }
        }
    });
    changed |= endpoint_editor(ui, &id, &mut flow.endpoint);
    let has_endpoint = flow.endpoint.is_some();
    if let Some(field) = typed {
        commit(ctx, Edit::UpdateFlow(Box::new(flow)), Some((&id, field)));
    } else if changed {
        commit(ctx, Edit::UpdateFlow(Box::new(flow)), None);
    }
    endpoint_status(ctx, extra, ui, &id, has_endpoint);
    ui.add_space(6.0);
    if ui
        .button("Delete flow")
        .on_hover_text("Del; undo brings it back")
        .clicked()
    {
        ctx.push(Command::DeleteSelected);
    }
    element_findings(ctx, ui, &id);
}

fn boundary_inspector(
    ctx: &mut Ctx<'_>,
    state: &mut InspectorState,
    extra: &Extra<'_>,
    ui: &mut Ui,
    mut b: Boundary,
) {
    let id = b.id.clone();
    ui.heading(format!(
        "Boundary: {}",
        if b.name.is_empty() { &b.id } else { &b.name }
    ))
    .on_hover_text(format!("id: {id}"));
    rename_row(ctx, state, ui, &id);
    problems_for(ctx, ui, &id);
    let mut typed: Option<&str> = None;
    if text_field(ui, "Name", &mut b.name, false) {
        typed = Some("name");
    }
    if text_field(ui, "Description", &mut b.description, true) {
        typed = Some("description");
    }
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
    changed |= boundary_choice(
        ctx,
        ui,
        "b-parent",
        "Inside",
        "(top level)",
        &mut b.parent,
        Some(&id),
    );
    changed |= multi(
        ui,
        "Compliance zone for",
        &mut b.scope,
        &[DataTag::Pci, DataTag::Phi, DataTag::Pii],
        DataTag::label,
    );
    let (scope_changed, scope_typed) = out_of_scope(ui, &mut b.out_of_scope);
    changed |= scope_changed;
    if scope_typed {
        typed = Some("out_of_scope");
    }
    if let Some(field) = typed {
        commit(ctx, Edit::UpdateBoundary(Box::new(b)), Some((&id, field)));
    } else if changed {
        commit(ctx, Edit::UpdateBoundary(Box::new(b)), None);
    }
    let members = ctx
        .model()
        .nodes()
        .filter(|n| ctx.model().is_within(n, &id))
        .count();
    ui.label(format!("{} inside", count(members, "node", "nodes")));
    ui.horizontal_wrapped(|ui| {
        let collapsed = extra.collapsed.contains(&id);
        if ui
            .button(if collapsed {
                "Expand on the canvas"
            } else {
                "Collapse into one box"
            })
            .on_hover_text(
                "Only the drawing changes; the model does not (double-click the title does it too)",
            )
            .clicked()
        {
            ctx.push(Command::ToggleCollapse(id.clone()));
        }
        let sized = ctx.model().layout.boundaries.contains_key(&id);
        if sized
            && ui
                .button("Fit to members")
                .on_hover_text("Forget the size set by hand: the boundary hugs its members")
                .clicked()
        {
            ctx.push(Command::Edit(Edit::SizeBoundary {
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
        ctx.push(Command::DeleteSelected);
    }
    element_findings(ctx, ui, &id);
}

/// A pipeline's deployments: which nodes it delivers to, push or pull.
fn deploys_editor(ctx: &Ctx<'_>, ui: &mut Ui, node: &mut Node) -> bool {
    let mut changed = false;
    ui.label("Deploys to").on_hover_text(
        "Push: the pipeline reaches into the target's zone with credentials. \
         Pull: an agent beside the target fetches what to run (GitOps).",
    );
    let targets: Vec<(String, String)> = ctx
        .model()
        .nodes()
        .filter(|n| n.id != node.id && !n.kind.is_external())
        .map(|n| (n.id.clone(), n.label().to_string()))
        .collect();
    let mut remove = None;
    for (i, deploy) in node.deploys.iter_mut().enumerate() {
        ui.horizontal(|ui| {
            egui::ComboBox::from_id_salt(("deploy-t", i))
                .selected_text(ctx.name(&deploy.target))
                .show_ui(ui, |ui| {
                    for (t, name) in &targets {
                        changed |= ui
                            .selectable_value(&mut deploy.target, t.clone(), name)
                            .changed();
                    }
                });
            egui::ComboBox::from_id_salt(("deploy-m", i))
                .selected_text(deploy.mode.label())
                .show_ui(ui, |ui| {
                    for m in DeployMode::ALL {
                        changed |= ui
                            .selectable_value(&mut deploy.mode, *m, m.label())
                            .changed();
                    }
                });
            if ui
                .small_button("✖")
                .on_hover_text("Remove this deployment")
                .clicked()
            {
                remove = Some(i);
            }
        });
    }
    if let Some(i) = remove {
        node.deploys.remove(i);
        changed = true;
    }
    let free = targets
        .iter()
        .find(|(t, _)| !node.deploys.iter().any(|d| d.target == *t));
    if let Some((first, _)) = free
        && ui.small_button("+ deployment").clicked()
    {
        node.deploys.push(Deployment {
            target: first.clone(),
            mode: DeployMode::Push,
        });
        changed = true;
    }
    changed
}

fn runtime_inspector(ctx: &mut Ctx<'_>, state: &mut InspectorState, ui: &mut Ui, mut r: Runtime) {
    let id = r.id.clone();
    ui.heading(format!("Runtime: {}", r.label()))
        .on_hover_text(format!("id: {id}"));
    rename_row(ctx, state, ui, &id);
    let mut typed: Option<&str> = None;
    if text_field(ui, "Name", &mut r.name, false) {
        typed = Some("name");
    }
    let mut changed = combo(
        ui,
        "rt-kind",
        "Kind",
        &mut r.kind,
        RuntimeKind::ALL,
        RuntimeKind::label,
    );
    changed |= ui
        .checkbox(&mut r.privileged, "Workloads can reach the host")
        .on_hover_text("Privileged containers, host mounts, root on a shared VM: one escape reaches every co-tenant")
        .changed();
    changed |= ui
        .checkbox(&mut r.multi_tenant, "Shared with other tenants")
        .on_hover_text("Other teams' or customers' workloads run on it too")
        .changed();
    if text_field(ui, "Description", &mut r.description, true) {
        typed = Some("description");
    }
    if let Some(field) = typed {
        commit(ctx, Edit::UpdateRuntime(Box::new(r)), Some((&id, field)));
    } else if changed {
        commit(ctx, Edit::UpdateRuntime(Box::new(r)), None);
    }
    let members: Vec<(String, String)> = ctx
        .model()
        .on_runtime(&id)
        .map(|n| (n.id.clone(), n.label().to_string()))
        .collect();
    ui.label(if members.is_empty() {
        "Nothing runs on it yet: choose it under Runs on in a node's properties.".to_string()
    } else {
        format!("Runs {}:", count(members.len(), "node", "nodes"))
    });
    for (nid, name) in members {
        if ui.link(name).on_hover_text(format!("id: {nid}")).clicked() {
            ctx.push(Command::Focus(vec![nid.clone()]));
            ctx.push(Command::Select(Selection::Element(nid)));
        }
    }
    if ui.button("Delete runtime").clicked() {
        ctx.push(Command::DeleteSelected);
    }
    element_findings(ctx, ui, &id);
}

fn asset_inspector(ctx: &mut Ctx<'_>, state: &mut InspectorState, ui: &mut Ui, mut a: DataAsset) {
    let id = a.id.clone();
    ui.heading(format!(
        "Data asset: {}",
        if a.name.is_empty() { &a.id } else { &a.name }
    ))
    .on_hover_text(format!("id: {id}"));
    rename_row(ctx, state, ui, &id);
    let mut typed: Option<&str> = None;
    if text_field(ui, "Name", &mut a.name, false) {
        typed = Some("name");
    }
    if text_field(ui, "Description", &mut a.description, true) {
        typed = Some("description");
    }
    let mut changed = combo(
        ui,
        "a-class",
        "Classification",
        &mut a.classification,
        Classification::ALL,
        Classification::label,
    );
    changed |= option_combo(
        ui,
        "a-integrity",
        "Integrity",
        "(not rated)",
        &mut a.integrity,
        Rating::ALL,
        Rating::label,
    );
    changed |= option_combo(
        ui,
        "a-availability",
        "Availability",
        "(not rated)",
        &mut a.availability,
        Rating::ALL,
        Rating::label,
    );
    changed |= multi(ui, "Tags", &mut a.tags, DataTag::ALL, DataTag::label);
    if let Some(field) = typed {
        commit(ctx, Edit::UpdateAsset(Box::new(a)), Some((&id, field)));
    } else if changed {
        commit(ctx, Edit::UpdateAsset(Box::new(a)), None);
    }
    let model = ctx.model();
    let holders: Vec<String> = model
        .nodes()
        .filter(|n| n.stores.contains(&id))
        .map(|n| n.label().to_string())
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
    ui.label(format!("Carried by {}", count(carriers, "flow", "flows")));
    if ui.button("Delete data asset").clicked() {
        ctx.push(Command::DeleteSelected);
    }
}
