//! Probes and verification in the GUI: the probe window (TLS and JWT tabs) and "Verify against
//! live endpoints". Each runs on a background thread with progress and a Cancel button; a probe
//! run for an element is attached to it and shown in its inspector. A probe thread that fails
//! in any way ends the job with a message; it never takes the window down.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use egui::{RichText, Ui};

use super::theme::Theme;
use crate::analysis::Severity;
use crate::model::Endpoint;
use crate::probe::tls::SuiteRating;
use crate::probe::{Cancel, ProbeFinding, jwt, tls};
use crate::verify::{self, EndpointStatus, Verification};

/// Which probe the window runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProbeKind {
    #[default]
    Tls,
    Jwt,
}

/// The probe window's fields.
#[derive(Clone, Debug, Default)]
pub struct ProbeForm {
    pub open: bool,
    pub kind: ProbeKind,
    /// The element the result attaches to (the one whose endpoint was picked).
    pub element: Option<String>,
    pub target: String,
    pub sni: String,
    /// A PEM CA file (an internal PKI).
    pub ca: String,
    /// PEM files of a client certificate (chain) and its key, for servers that ask for one.
    pub client_cert: String,
    pub client_key: String,
    pub token: String,
    pub key: String,
    pub active: bool,
    /// The "send forged tokens?" confirmation is showing.
    pub confirming: bool,
}

impl ProbeForm {
    /// Everything but the endpoint and element that changes what a probe finds (CA, SNI,
    /// client certificate, token, key), to tell a result run with other settings.
    #[must_use]
    pub fn settings(&self) -> String {
        let t = str::trim;
        format!(
            "{:?}",
            (
                self.kind,
                t(&self.ca),
                t(&self.sni),
                t(&self.client_cert),
                t(&self.client_key),
                t(&self.token),
                t(&self.key),
                self.active
            )
        )
    }

    /// Fills the form from an element's declared endpoint.
    pub fn fill_from(&mut self, element: &str, e: &Endpoint, base: Option<&std::path::Path>) {
        self.element = Some(element.to_string());
        self.target.clone_from(&e.url);
        self.sni = e.sni.clone().unwrap_or_default();
        self.ca =
            e.ca.as_ref()
                .map(|c| base.map_or_else(|| PathBuf::from(c), |b| b.join(c)))
                .map(|p| p.display().to_string())
                .unwrap_or_default();
        self.token = e.token.clone().unwrap_or_default();
        self.active = false;
    }
}

/// What a background job produced.
pub enum Outcome {
    Tls(Box<tls::TlsReport>),
    Jwt(Box<jwt::JwtReport>),
    Verify(Box<Verification>),
    Failed(String),
}

/// A probe or verification running on a background thread.
pub struct Job {
    pub title: String,
    pub element: Option<String>,
    /// The form's [`ProbeForm::settings`] when the probe started.
    pub settings: String,
    pub cancel: Cancel,
    pub progress: Arc<Mutex<String>>,
    pub started: Instant,
    rx: mpsc::Receiver<Outcome>,
}

impl Job {
    /// Starts `work` on a thread; it reports progress through the function it is given.
    pub fn spawn(
        title: String,
        element: Option<String>,
        ctx: &egui::Context,
        work: impl FnOnce(&(dyn Fn(String) + Sync), Cancel) -> Outcome + Send + 'static,
    ) -> Job {
        let (tx, rx) = mpsc::channel();
        let cancel = Cancel::new();
        let progress = Arc::new(Mutex::new(String::from("starting…")));
        let (c, p, ctx) = (cancel.clone(), progress.clone(), ctx.clone());
        std::thread::spawn(move || {
            let report = |step: String| {
                if let Ok(mut s) = p.lock() {
                    *s = step;
                }
                ctx.request_repaint();
            };
            let outcome = work(&report, c);
            let _ = tx.send(outcome);
            ctx.request_repaint();
        });
        Job {
            title,
            element,
            settings: String::new(),
            cancel,
            progress,
            started: Instant::now(),
            rx,
        }
    }

    /// The outcome, once the job has ended.
    #[must_use]
    pub fn poll(&self) -> Option<Outcome> {
        match self.rx.try_recv() {
            Ok(o) => Some(o),
            Err(mpsc::TryRecvError::Empty) => None,
            Err(mpsc::TryRecvError::Disconnected) => Some(Outcome::Failed(
                "the probe stopped unexpectedly; nothing was changed".into(),
            )),
        }
    }

    /// The current step, for the status bar.
    #[must_use]
    pub fn step(&self) -> String {
        self.progress.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

/// A probe result kept for an element.
pub enum Attached {
    Tls(Box<tls::TlsReport>),
    Jwt(Box<jwt::JwtReport>),
}

impl Attached {
    /// One line: "grade A · 2 findings" / "3 findings · 14 requests".
    #[must_use]
    pub fn summary(&self) -> String {
        match self {
            Attached::Tls(r) => format!(
                "TLS probe: {} · {} finding{} · {} ms",
                if r.grade == "-" {
                    "not graded".to_string()
                } else {
                    format!("grade {}", r.grade)
                },
                r.findings.len(),
                plural(r.findings.len()),
                r.duration_ms
            ),
            Attached::Jwt(r) => format!(
                "JWT probe: {} finding{} · {} request{} · {} ms",
                r.findings.len(),
                plural(r.findings.len()),
                r.requests,
                plural(r.requests),
                r.duration_ms
            ),
        }
    }

    /// The endpoint probed, as typed.
    #[must_use]
    pub fn target(&self) -> &str {
        match self {
            Attached::Tls(r) => &r.target,
            Attached::Jwt(r) => &r.target,
        }
    }

    #[must_use]
    pub fn findings(&self) -> &[ProbeFinding] {
        match self {
            Attached::Tls(r) => &r.findings,
            Attached::Jwt(r) => &r.findings,
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Probe and verification state of the app.
#[derive(Default)]
pub struct ProbeState {
    pub form: ProbeForm,
    pub job: Option<Job>,
    /// The last result shown in the probe window (with the element it belongs to).
    pub last: Option<(Option<String>, Attached)>,
    /// The form's settings that last result was run with.
    pub last_settings: String,
    /// The last probe result per element.
    pub attached: HashMap<String, Attached>,
    /// Verification status per element (for the canvas badges), with the (session generation,
    /// revision) it was computed at.
    pub badges: (Option<(u64, u64)>, HashMap<String, EndpointStatus>),
}

/// Starts the probe the form describes.
pub fn start_probe(form: &ProbeForm, ctx: &egui::Context) -> Result<Job, String> {
    let target = form.target.trim().to_string();
    if target.is_empty() {
        return Err("type an endpoint (HOST:PORT or URL) first".into());
    }
    crate::probe::Target::parse(&target).map_err(|e| e.to_string())?;
    let ca_pem = if form.ca.trim().is_empty() {
        None
    } else {
        Some(
            std::fs::read(form.ca.trim())
                .map_err(|e| format!("CA file {}: {e}", form.ca.trim()))?,
        )
    };
    let element = form.element.clone();
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let job = match form.kind {
        ProbeKind::Tls => {
            let sni = opt(&form.sni);
            let read = |path: &str, what: &str| {
                std::fs::read(path.trim()).map_err(|e| format!("{what} {}: {e}", path.trim()))
            };
            let client_cert = match (opt(&form.client_cert), opt(&form.client_key)) {
                (None, None) => None,
                (Some(c), Some(k)) => {
                    Some((read(&c, "client certificate")?, read(&k, "client key")?))
                }
                _ => {
                    return Err(
                        "a client certificate needs both files: the certificate and its key".into(),
                    );
                }
            };
            Ok(Job::spawn(
                format!("TLS probe of {target}"),
                element,
                ctx,
                move |report, cancel| {
                    let options = tls::TlsOptions {
                        sni,
                        ca_pem,
                        client_cert,
                        cancel,
                        ..tls::TlsOptions::default()
                    };
                    match tls::probe(&target, &options, &mut |step| report(step.to_string())) {
                        Ok(r) => Outcome::Tls(Box::new(r)),
                        Err(e) => Outcome::Failed(e.to_string()),
                    }
                },
            ))
        }
        ProbeKind::Jwt => {
            let (token, key, active) = (opt(&form.token), opt(&form.key), form.active);
            Ok(Job::spawn(
                format!("JWT probe of {target}"),
                element,
                ctx,
                move |report, cancel| {
                    let options = jwt::JwtOptions {
                        token,
                        key,
                        active,
                        ca_pem,
                        cancel,
                        ..jwt::JwtOptions::default()
                    };
                    match jwt::probe(&target, &options, &mut |step| report(step.to_string())) {
                        Ok(r) => Outcome::Jwt(Box::new(r)),
                        Err(e) => Outcome::Failed(e.to_string()),
                    }
                },
            ))
        }
    };
    job.map(|mut j: Job| {
        j.settings = form.settings();
        j
    })
}

/// Starts verifying every declared endpoint of `model`.
pub fn start_verify(
    model: crate::model::Model,
    base: Option<PathBuf>,
    source: Option<Vec<u8>>,
    ctx: &egui::Context,
) -> Job {
    let total = verify::declared(&model).len();
    Job::spawn(
        format!("Verifying {total} endpoint{}", plural(total)),
        None,
        ctx,
        move |report, cancel| {
            let options = verify::Options {
                cancel,
                timeout: Duration::from_secs(8),
                ..verify::Options::default()
            };
            let progress = |done: usize, total: usize, r: &verify::EndpointResult| {
                report(format!(
                    "{done}/{total}: {} {}",
                    r.element,
                    r.status.label()
                ));
            };
            let v = verify::verify(
                &model,
                base.as_deref(),
                source.as_deref(),
                &options,
                &progress,
            );
            Outcome::Verify(Box::new(v))
        },
    )
}

/// Probe findings, one per row, with their evidence.
pub fn findings_ui(ui: &mut Ui, theme: &Theme, findings: &[ProbeFinding]) {
    if findings.is_empty() {
        ui.label(RichText::new("No findings.").color(theme.flow_mtls));
    }
    for f in findings {
        ui.horizontal_wrapped(|ui| {
            ui.label(
                RichText::new(f.severity.key().to_uppercase())
                    .small()
                    .strong()
                    .color(theme.severity(f.severity)),
            );
            ui.label(RichText::new(&f.title).strong());
            ui.label(RichText::new(&f.id).weak().small());
        });
        ui.label(&f.evidence);
        ui.add_space(4.0);
    }
}

/// A button that copies the result as the CLI's `--format json` writes it.
fn copy_json(ui: &mut Ui, result: &impl serde::Serialize) {
    if ui
        .small_button("Copy JSON")
        .on_hover_text("The whole result, as `rampart probe … --format json` writes it")
        .clicked()
        && let Ok(text) = serde_json::to_string_pretty(result)
    {
        ui.ctx().copy_text(text);
    }
}

/// A finished probe's result in full.
pub fn result_ui(ui: &mut Ui, theme: &Theme, result: &Attached) {
    match result {
        Attached::Tls(r) => {
            ui.horizontal(|ui| {
                ui.heading(if r.grade == "-" {
                    "Not graded".to_string()
                } else {
                    format!("Grade {}", r.grade)
                });
                ui.label(RichText::new(format!("{} · {} ms", r.target, r.duration_ms)).weak());
                copy_json(ui, r);
            });
            ui.label(r.protocol_summary("✔", "✖", "   "));
            if let Some(c) = &r.certificate {
                ui.label(format!(
                    "Certificate: {} · {} · {} days left · {}",
                    c.subject,
                    c.key,
                    c.days_left,
                    if c.trusted { "trusted" } else { "not trusted" }
                ));
            }
            ui.label(format!("Client certificate: {}", r.client_cert));
            ui.separator();
            findings_ui(ui, theme, &r.findings);
            if !r.grade_reasons.is_empty() {
                ui.collapsing("Why this grade", |ui| {
                    for g in &r.grade_reasons {
                        ui.label(g);
                    }
                });
            }
            if let Some(c) = &r.certificate {
                ui.collapsing("Certificate", |ui| {
                    ui.label(format!("Subject: {}", c.subject));
                    ui.label(format!("Issued by: {}", c.issuer));
                    ui.label(if c.names.is_empty() {
                        "Names: none (no subjectAltName: clients match no host to it)".to_string()
                    } else {
                        format!("Names: {}", c.names.join(", "))
                    });
                    ui.add(
                        egui::Label::new(format!(
                            "{}, {}, valid {} to {}, {}",
                            c.key,
                            c.signature,
                            c.not_before,
                            c.not_after,
                            c.chain_description()
                        ))
                        .wrap(),
                    );
                    match &c.trust_error {
                        Some(e) => {
                            ui.add(
                                egui::Label::new(
                                    RichText::new(format!("Not trusted: {e}"))
                                        .color(theme.severity(Severity::High)),
                                )
                                .wrap(),
                            );
                        }
                        None if c.trusted => {
                            ui.label(RichText::new("Trusted").color(theme.flow_mtls));
                        }
                        None => {
                            ui.label(
                                RichText::new("Not trusted").color(theme.severity(Severity::High)),
                            );
                        }
                    }
                    for p in &c.strict_problems {
                        ui.label(
                            RichText::new(format!("Strict clients refuse it: {p}"))
                                .color(theme.severity(Severity::Low)),
                        );
                    }
                });
            }
            let facts = r.configuration();
            if r.speaks_tls && facts.iter().any(|c| c.value.is_some()) {
                ui.collapsing("Configuration", |ui| {
                    egui::Grid::new("tls-config").striped(true).show(ui, |ui| {
                        for c in facts {
                            ui.label(c.label).on_hover_text(c.help);
                            let text = RichText::new(c.answer());
                            let shown = if c.value.is_none() {
                                ui.label(text.weak())
                            } else if c.is_bad() {
                                ui.label(text.color(theme.severity(Severity::Medium)))
                            } else {
                                ui.label(text)
                            };
                            let why = match (c.value, c.applies) {
                                (None, true) => "Could not be tested: the checks below say why."
                                    .to_string(),
                                (None, false) => format!(
                                    "Does not apply: it needs {}, which this server does not speak.",
                                    c.needs
                                ),
                                _ => c.help.to_string(),
                            };
                            shown.on_hover_text(why);
                            ui.end_row();
                        }
                    });
                });
            }
            if let Some(pre) = r.starttls {
                ui.label(format!("Upgraded in-band first: {pre}"));
            }
            if r.speaks_tls {
                ui.label(format!("Vulnerable: {}", r.vulnerability_summary()));
            }
            if let Some(h) = &r.http {
                ui.label(format!(
                    "HTTP: {} · HSTS: {}",
                    h.status,
                    h.hsts.as_deref().unwrap_or("none")
                ));
            } else if let Some(why) = r.http_untested() {
                ui.label(RichText::new(format!("HTTP/HSTS not tested: {why}")).weak());
            }
            if r.speaks_tls {
                ui.collapsing(format!("Cipher suites ({})", r.cipher_suites.len()), |ui| {
                    egui::Grid::new("suites").striped(true).show(ui, |ui| {
                        for s in &r.cipher_suites {
                            let color = match s.rating() {
                                SuiteRating::Weak => theme.severity(Severity::High),
                                SuiteRating::Fair => theme.severity(Severity::Medium),
                                SuiteRating::Good => theme.text,
                            };
                            ui.label(s.protocol);
                            ui.label(RichText::new(&s.id).monospace().weak());
                            ui.label(RichText::new(&s.name).monospace());
                            ui.label(format!("{} bit", s.bits));
                            ui.label(RichText::new(s.traits()).color(color));
                            ui.end_row();
                        }
                    });
                    if !r.groups.is_empty() {
                        ui.label(format!(
                            "Groups{}: {}",
                            r.groups_protocol
                                .map(|p| format!(" ({p} key exchange)"))
                                .unwrap_or_default(),
                            r.groups.join(", ")
                        ));
                    }
                    if let Some(bits) = r.dh_bits {
                        ui.label(format!("DH group: {bits} bits"));
                    }
                });
            }
            ui.collapsing(format!("Checks ({})", r.checks.len()), |ui| {
                // Name and time on one line, the outcome (often long) wrapped below it.
                for c in &r.checks {
                    ui.horizontal_wrapped(|ui| {
                        ui.label(RichText::new(&c.check).strong());
                        ui.label(RichText::new(format!("{} ms", c.ms)).weak());
                    });
                    ui.label(&c.outcome);
                    ui.add_space(3.0);
                }
            });
        }
        Attached::Jwt(r) => {
            ui.horizontal(|ui| {
                ui.label(
                    RichText::new(format!(
                        "{} · {} requests · {} ms",
                        r.target, r.requests, r.duration_ms
                    ))
                    .weak(),
                );
                copy_json(ui, r);
            });
            if let Some(t) = &r.token {
                ui.label(format!(
                    "Token {} · alg {} · iss {} · lifetime {}",
                    t.token,
                    t.alg,
                    t.iss.as_deref().unwrap_or("none"),
                    t.lifetime_seconds
                        .map_or("unknown".to_string(), |s| format!("{} min", s / 60))
                ));
            }
            ui.separator();
            findings_ui(ui, theme, &r.findings);
            if !r.attempts.is_empty() {
                ui.collapsing(format!("Requests ({})", r.attempts.len()), |ui| {
                    for a in &r.attempts {
                        let bad = a.accepted == a.must_refuse;
                        ui.label(
                            RichText::new(format!(
                                "{}: {}, {}",
                                a.check,
                                a.status.map_or("no answer".into(), |s| s.to_string()),
                                if a.accepted { "accepted" } else { "refused" }
                            ))
                            .color(if bad && a.accepted {
                                theme.severity(Severity::Critical)
                            } else {
                                theme.text
                            }),
                        );
                    }
                });
            }
            for (check, why) in &r.not_tested {
                ui.label(RichText::new(format!("Not tested: {check}: {why}")).weak());
            }
            for e in &r.errors {
                ui.label(RichText::new(e).color(theme.severity(Severity::Medium)));
            }
        }
    }
}

/// One row of the probe form's grid: a label and the text field it names (for accessibility).
fn form_row(ui: &mut Ui, label: &str, value: &mut String, hint: &str, password: bool) {
    let l = ui.label(label);
    ui.add(
        egui::TextEdit::singleline(value)
            .password(password)
            .hint_text(hint)
            .desired_width(360.0),
    )
    .labelled_by(l.id);
    ui.end_row();
}

/// The probe window: pick or type an endpoint, choose TLS or JWT, run, see the result.
pub fn window(
    probes: &mut ProbeState,
    session: &crate::editor::Session,
    ctx: &egui::Context,
    theme: &Theme,
    out: &mut Vec<super::Command>,
) {
    use super::Command;
    if !probes.form.open {
        return;
    }
    let mut open = true;
    let declared = verify::declared(session.model());
    let base = session
        .path()
        .and_then(std::path::Path::parent)
        .map(std::path::Path::to_path_buf);
    let running = probes.job.is_some();
    let mut run = false;
    let mut cancel = false;
    // As tall as the result needs (up to most of the screen); only the width is the user's.
    let result_height = (ctx.content_rect().height() - 300.0).max(200.0);
    egui::Window::new("Probe endpoint")
        .open(&mut open)
        .default_width(700.0)
        .resizable([true, false])
        .show(ctx, |ui| {
            let form = &mut probes.form;
            ui.horizontal(|ui| {
                ui.selectable_value(&mut form.kind, ProbeKind::Tls, "TLS");
                ui.selectable_value(&mut form.kind, ProbeKind::Jwt, "JWT");
            });
            ui.separator();
            egui::Grid::new("probe-form").num_columns(2).spacing([8.0, 6.0]).show(ui, |ui| {
                ui.label("Element");
                let chosen = form.element.clone().unwrap_or_else(|| "(none: type an endpoint)".into());
                egui::ComboBox::from_id_salt("probe-element")
                    .selected_text(chosen)
                    .width(360.0)
                    .show_ui(ui, |ui| {
                        if declared.is_empty() {
                            ui.label("No element declares an endpoint");
                        }
                        for d in &declared {
                            let label = format!("{}  ·  {}", d.element, d.endpoint.url);
                            if ui.selectable_label(form.element.as_deref() == Some(&d.element), label).clicked() {
                                form.fill_from(&d.element, &d.endpoint, base.as_deref());
                            }
                        }
                    });
                ui.end_row();
                form_row(ui, "Endpoint", &mut form.target, "host:443, https://host/path, postgres://host:5432, smtp://host:25…", false);
                form_row(ui, "CA file (PEM)", &mut form.ca, "optional: an internal CA", false);
                match form.kind {
                    ProbeKind::Tls => {
                        form_row(ui, "SNI", &mut form.sni, "optional: server name to send", false);
                        form_row(ui, "Client certificate", &mut form.client_cert, "optional: PEM file, for servers that ask for one", false);
                        form_row(ui, "Client key", &mut form.client_key, "optional: PEM file of its private key", false);
                    }
                    ProbeKind::Jwt => {
                        form_row(ui, "Token", &mut form.token, "a token the endpoint accepts", true);
                        form_row(ui, "Signing key", &mut form.key, "test environments only: HMAC secret or PEM", true);
                        ui.label("");
                        ui.checkbox(&mut form.active, "Send forged tokens (active checks)")
                            .on_hover_text("alg none, stripped and tampered signatures, key confusion, expired and wrong-audience tokens; only against systems you may test");
                        ui.end_row();
                    }
                }
            });
            ui.horizontal(|ui| {
                if ui.add_enabled(!running, egui::Button::new("Run probe")).clicked() {
                    run = true;
                }
                if let Some(job) = &probes.job {
                    ui.spinner();
                    ui.label(format!("{}: {}", job.title, job.step()));
                    if ui.button("Cancel").clicked() {
                        cancel = true;
                    }
                }
            });
            if let Some((element, result)) = &probes.last {
                ui.separator();
                // Say so when the result below is not for the endpoint the form names now.
                let same = |a: &str, b: &str| {
                    match (crate::probe::Target::parse(a), crate::probe::Target::parse(b)) {
                        (Ok(a), Ok(b)) => a.host == b.host && a.port == b.port,
                        _ => a.trim() == b.trim(),
                    }
                };
                let form = &probes.form;
                let stale = !same(result.target(), &form.target)
                    || (form.element.is_some() && form.element != *element);
                let other_settings = form.settings() != probes.last_settings;
                let of = element.as_ref().map(|e| format!(" of `{e}`")).unwrap_or_default();
                if running {
                    ui.label(RichText::new(format!(
                        "Probing… below: the previous result, for {}{of}.",
                        result.target()
                    )).color(theme.severity(Severity::Medium)));
                } else if stale {
                    ui.label(RichText::new(format!(
                        "Below: the last result, for {}{of}, not the endpoint above. Run probe to probe it.",
                        result.target()
                    )).color(theme.severity(Severity::Medium)));
                } else if other_settings {
                    ui.label(RichText::new(format!(
                        "Below: the last result, for {}{of}, run with other settings (CA file, SNI, client certificate, token) than the form's now. Run probe to apply them.",
                        result.target()
                    )).color(theme.severity(Severity::Medium)));
                } else if let Some(e) = element {
                    ui.label(RichText::new(format!("Attached to `{e}`")).weak());
                }
                egui::ScrollArea::vertical()
                    .id_salt(("probe-result", result.target(), result.summary()))
                    .max_height(result_height)
                    .min_scrolled_height(result_height)
                    .show(ui, |ui| {
                    result_ui(ui, theme, result);
                });
            }
        });
    if probes.form.confirming {
        egui::Modal::new(egui::Id::new("confirm-active")).show(ctx, |ui| {
            ui.heading("Send forged tokens?");
            ui.label(format!(
                "Rampart will send up to {} requests with forged tokens to {}. Only do this against a system you are allowed to test.",
                jwt::JwtOptions::default().max_requests,
                probes.form.target.trim()
            ));
            ui.horizontal(|ui| {
                if ui.button("Send forged tokens").clicked() {
                    run = true;
                }
                if ui.button("Cancel").clicked() {
                    probes.form.confirming = false;
                }
            });
        });
    }
    if run {
        out.push(Command::RunProbe);
    }
    if cancel {
        out.push(Command::CancelJob);
    }
    if !open {
        probes.form.open = false;
    }
}
