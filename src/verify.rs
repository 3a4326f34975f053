//! Verification: the model checked against the deployed system. Every flow or node that
//! declares an endpoint is probed (TLS in quick mode, then authentication), in parallel with
//! bounded concurrency, and each difference between what the model declares and what the
//! endpoint does becomes a finding of a `drift.` rule. Results are kept in a sidecar file next
//! to the model (`NAME.verify.json`), so the model file stays clean and the GUI and the PDF
//! report can show the last verification.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::analysis::{Finding, Rule, rules_drift as drift};
use crate::model::{AuthKind, Encryption, Endpoint, Model, Status, TlsVersion};
use crate::probe::{self, Cancel, Deadline, jwt, tls};

/// What the model says about an endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expectation {
    pub encryption: Encryption,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_min: Option<TlsVersion>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authentication: Vec<AuthKind>,
}

impl Expectation {
    fn authenticates(&self) -> bool {
        self.authentication.iter().any(|a| a.authenticates())
    }

    fn mtls(&self) -> bool {
        self.encryption == Encryption::Mtls || self.authentication.contains(&AuthKind::Mtls)
    }

    fn tokens(&self) -> bool {
        self.authentication
            .iter()
            .any(|a| matches!(a, AuthKind::Jwt | AuthKind::Oauth2))
    }

    /// One line for people: "mutual TLS, TLS 1.2 minimum, JWT bearer".
    #[must_use]
    pub fn describe(&self) -> String {
        let mut parts = vec![self.encryption.label().to_string()];
        if let Some(v) = self.tls_min {
            parts.push(format!("{} minimum", v.label()));
        }
        let auth: Vec<&str> = self
            .authentication
            .iter()
            .filter(|a| a.authenticates())
            .map(|a| a.label())
            .collect();
        parts.push(if auth.is_empty() {
            "no authentication".into()
        } else {
            auth.join(" or ")
        });
        parts.join(", ")
    }
}

/// An element with an endpoint, and what the model expects of it.
#[derive(Clone, Debug)]
pub struct Declared {
    pub element: String,
    pub endpoint: Endpoint,
    pub expect: Expectation,
    /// What the link speaks (the flow's `protocol`; for a node, its inbound flows' common
    /// protocol or its technology): a database or mail protocol makes the TLS check run its
    /// in-band upgrade when the endpoint is a bare HOST:PORT.
    pub protocol: String,
}

/// The model's analysis with the drift findings of a verification merged in, for the endpoints
/// still declared as they were verified ([`Verification::current`]): the one freshness rule
/// the editor, the GUI's exports and `rampart report` share.
#[must_use]
pub fn analyse(model: &Model, verification: Option<&Verification>) -> crate::analysis::Analysis {
    let mut a = crate::analysis::analyze(model);
    if let Some(v) = verification {
        a.add_drift(model, v.findings(model));
    }
    a
}

/// Every endpoint the model declares, flows first, in file order.
///
/// A flow's expectations are its own properties. A node's are what its inbound flows promise
/// callers: TLS only if every inbound flow declares it, the lowest declared minimum version, and
/// the authentication the node accepts.
#[must_use]
pub fn declared(model: &Model) -> Vec<Declared> {
    let mut out = Vec::new();
    for f in model.flows() {
        if let Some(e) = &f.endpoint {
            out.push(Declared {
                element: f.id.clone(),
                endpoint: e.clone(),
                protocol: f.protocol.clone(),
                expect: Expectation {
                    encryption: f.encryption,
                    tls_min: f.effective_tls_min(),
                    authentication: if f.authentication.authenticates() {
                        vec![f.authentication]
                    } else {
                        Vec::new()
                    },
                },
            });
        }
    }
    for n in model.nodes() {
        if let Some(e) = &n.endpoint {
            let inbound: Vec<_> = model.flows().filter(|f| f.to == n.id).collect();
            let encryption = inbound
                .iter()
                .map(|f| f.encryption)
                .min()
                .unwrap_or(Encryption::None);
            let tls_min = if encryption == Encryption::None {
                None
            } else {
                inbound.iter().filter_map(|f| f.effective_tls_min()).min()
            };
            let mut protocols: Vec<&str> = inbound
                .iter()
                .map(|f| f.protocol.as_str())
                .filter(|p| !p.is_empty())
                .collect();
            protocols.sort_unstable();
            protocols.dedup();
            out.push(Declared {
                element: n.id.clone(),
                endpoint: e.clone(),
                protocol: match protocols.as_slice() {
                    [one] => (*one).to_string(),
                    _ => n.technology.clone(),
                },
                expect: Expectation {
                    encryption,
                    tls_min,
                    authentication: n
                        .authentication
                        .iter()
                        .copied()
                        .filter(|a| a.authenticates())
                        .collect(),
                },
            });
        }
    }
    out
}

/// How one endpoint compares with the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointStatus {
    /// Everything checked matches the model.
    Verified,
    /// At least one difference.
    Drift,
    /// Nothing answered.
    Unreachable,
    /// Not probed (cancelled, or unusable settings).
    NotProbed,
    /// Probed, nothing contradicted the model, but something it declares could not be checked
    /// (the probe could not finish, an answer was neither an acceptance nor a refusal).
    Unverified,
}

impl EndpointStatus {
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            EndpointStatus::Verified => "verified",
            EndpointStatus::Drift => "drift",
            EndpointStatus::Unreachable => "unreachable",
            EndpointStatus::NotProbed => "not probed",
            EndpointStatus::Unverified => "could not verify",
        }
    }
}

/// One difference between the model and the endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drift {
    /// A `drift.` rule id.
    pub rule: String,
    pub message: String,
}

/// What the probes saw.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observed {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaks_tls: Option<bool>,
    /// Protocol versions the endpoint accepted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protocols: Vec<String>,
    /// `required`, `requested` or `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_cert: Option<String>,
    /// Subject, expiry and trust of the server certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
    /// The HTTP status of a request without credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymous_status: Option<u16>,
    /// Findings of the probes (`tls.*`, `jwt.*`), for the record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub probe_findings: Vec<String>,
    /// Requests the JWT probe sent.
    #[serde(default)]
    pub requests: usize,
}

/// The result for one declared endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointResult {
    /// The flow or node that declares the endpoint.
    pub element: String,
    pub url: String,
    pub expected: Expectation,
    pub status: EndpointStatus,
    /// What matched the model, one line each.
    #[serde(default)]
    pub matched: Vec<String>,
    #[serde(default)]
    pub drift: Vec<Drift>,
    /// What could not be checked, and why.
    #[serde(default)]
    pub notes: Vec<String>,
    #[serde(default)]
    pub observed: Observed,
    pub duration_ms: u64,
}

/// A whole verification run: what the sidecar file holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// Sidecar format version.
    pub version: u32,
    /// SHA-256 of the model file that was verified (empty when it was never saved).
    pub model_sha256: String,
    /// When the run started, RFC 3339 UTC.
    pub started: String,
    pub duration_ms: u64,
    pub endpoints: Vec<EndpointResult>,
}

/// How to verify.
#[derive(Clone, Debug)]
pub struct Options {
    /// Endpoints probed at the same time.
    pub concurrency: usize,
    /// Time limit per endpoint and probe.
    pub timeout: Duration,
    pub cancel: Cancel,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            concurrency: 32,
            timeout: Duration::from_secs(10),
            cancel: Cancel::new(),
        }
    }
}

/// Verification sidecars larger than this are refused (a real one is a few KiB per endpoint).
pub const SIDECAR_LIMIT: u64 = 64 * 1024 * 1024;

/// Sidecar format version written by this build.
pub const SIDECAR_VERSION: u32 = 1;

/// Probes every declared endpoint. `base` is the model's folder (CA files are relative to
/// it); `source` the model file's bytes, whose hash the result records. `progress` is called
/// from worker threads after each endpoint with (done, total, result).
pub fn verify(
    model: &Model,
    base: Option<&Path>,
    source: Option<&[u8]>,
    options: &Options,
    progress: &(dyn Fn(usize, usize, &EndpointResult) + Sync),
) -> Verification {
    let started = Instant::now();
    let now = time::OffsetDateTime::now_utc();
    let started_at = now
        .replace_nanosecond(0)
        .unwrap_or(now)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let plan = declared(model);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<EndpointResult>>> = Mutex::new(vec![None; plan.len()]);
    let workers = options.concurrency.clamp(1, 64).min(plan.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(d) = plan.get(i) else { break };
                    let r = check(d, base, options);
                    let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                    progress(n, plan.len(), &r);
                    if let Ok(mut all) = results.lock() {
                        all[i] = Some(r);
                    }
                }
            });
        }
    });
    let endpoints = results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect();
    Verification {
        version: SIDECAR_VERSION,
        model_sha256: source.map(crate::fsio::sha256_hex).unwrap_or_default(),
        started: started_at,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        endpoints,
    }
}

struct Run<'a> {
    d: &'a Declared,
    r: EndpointResult,
    unreachable: bool,
    /// Something the model declares could not be checked: never "verified".
    incomplete: bool,
}

impl Run<'_> {
    fn drift(&mut self, rule: &Rule, message: String) {
        self.r.drift.push(Drift {
            rule: rule.id.to_string(),
            message,
        });
    }
}

/// Whether a probe finding is a certificate problem (feeds `drift.certificate-problem`).
fn is_cert_problem(id: &str) -> bool {
    crate::probe::catalog::feeding("drift.certificate-problem").any(|c| c == id)
}

/// Whether a probe finding is a forged token accepted (feeds `drift.forged-token-accepted`).
fn is_forgery(id: &str) -> bool {
    crate::probe::catalog::feeding("drift.forged-token-accepted").any(|c| c == id)
}

fn tls_version(key: &str) -> Option<TlsVersion> {
    Some(match key {
        "SSLv3" => TlsVersion::Ssl3,
        "TLSv1.0" => TlsVersion::Tls10,
        "TLSv1.1" => TlsVersion::Tls11,
        "TLSv1.2" => TlsVersion::Tls12,
        "TLSv1.3" => TlsVersion::Tls13,
        _ => return None,
    })
}

/// Probes one endpoint and compares it with the model.
fn check(d: &Declared, base: Option<&Path>, options: &Options) -> EndpointResult {
    let started = Instant::now();
    let mut run = Run {
        d,
        r: EndpointResult {
            element: d.element.clone(),
            url: d.endpoint.url.clone(),
            expected: d.expect.clone(),
            status: EndpointStatus::NotProbed,
            matched: Vec::new(),
            drift: Vec::new(),
            notes: Vec::new(),
            observed: Observed::default(),
            duration_ms: 0,
        },
        unreachable: false,
        incomplete: false,
    };
    if let Err(why) = probe_endpoint(&mut run, base, options) {
        run.r.notes.push(why);
    }
    let r = &mut run.r;
    r.status = if run.unreachable {
        EndpointStatus::Unreachable
    } else if !r.drift.is_empty() {
        EndpointStatus::Drift
    } else if options.cancel.is_cancelled() {
        EndpointStatus::NotProbed
    } else if run.incomplete {
        EndpointStatus::Unverified
    } else if r.matched.is_empty() {
        EndpointStatus::NotProbed
    } else {
        EndpointStatus::Verified
    };
    r.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    run.r
}

fn probe_endpoint(run: &mut Run<'_>, base: Option<&Path>, options: &Options) -> Result<(), String> {
    let d = run.d;
    let url = d.endpoint.url.as_str();
    let target = probe::Target::parse(url).map_err(|e| e.to_string())?;
    if options.cancel.is_cancelled() {
        return Err("cancelled".into());
    }
    let ca_pem = match &d.endpoint.ca {
        Some(p) => {
            let path = base.map_or_else(|| PathBuf::from(p), |b| b.join(p));
            Some(std::fs::read(&path).map_err(|e| format!("CA file {}: {e}", path.display()))?)
        }
        None => None,
    };
    let scheme = target.scheme.as_deref();
    let wants_tls = d.expect.encryption != Encryption::None;
    if wants_tls || scheme == Some("https") {
        let options = tls::TlsOptions {
            sni: d.endpoint.sni.clone(),
            ca_pem: ca_pem.clone(),
            client_cert: None,
            timeout: options.timeout,
            cancel: options.cancel.clone(),
            quick: true,
            starttls: if scheme.is_none() {
                probe::starttls::Preamble::for_protocol(&d.protocol)
            } else {
                None
            },
        };
        let t = tls::probe(url, &options, &mut |_| {}).map_err(|e| e.to_string())?;
        compare_tls(run, &t, wants_tls);
    } else if !d.expect.authenticates() || scheme.is_none() {
        // Plaintext and no authentication to test: is anything there?
        let deadline = Deadline::after(options.timeout);
        match probe::connect(&target, deadline) {
            Ok(_) => run.r.matched.push("reachable".into()),
            Err(e) => {
                run.unreachable = true;
                run.drift(
                    &drift::ENDPOINT_UNREACHABLE,
                    format!("{url}: {}", probe::describe_io(&e)),
                );
            }
        }
    }
    if run.unreachable || options.cancel.is_cancelled() {
        return Ok(());
    }
    if d.expect.authenticates() {
        if scheme == Some("https") && run.r.observed.speaks_tls == Some(false) {
            run.r
                .notes
                .push("authentication not checked: the https endpoint does not speak TLS".into());
        } else if !matches!(scheme, Some("http" | "https")) {
            run.r
                .notes
                .push("authentication not checked: the endpoint is not an http(s) URL".into());
        } else {
            check_auth(run, ca_pem, options);
        }
    }
    Ok(())
}

fn compare_tls(run: &mut Run<'_>, t: &tls::TlsReport, wants_tls: bool) {
    let d = run.d;
    let url = d.endpoint.url.as_str();
    run.r.observed.speaks_tls = Some(t.speaks_tls);
    run.r.observed.probe_findings = t.findings.iter().map(|f| f.id.clone()).collect();
    let evidence = |id: &str| {
        t.findings
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.evidence.clone())
            .unwrap_or_default()
    };
    if !t.reachable {
        run.unreachable = true;
        run.drift(
            &drift::ENDPOINT_UNREACHABLE,
            format!("{url}: {}", evidence("tls.unreachable")),
        );
        return;
    }
    if !t.speaks_tls {
        let why = ["tls.no-tls", "tls.handshake-failed"]
            .iter()
            .map(|id| evidence(id))
            .find(|e| !e.is_empty())
            .unwrap_or_default();
        if wants_tls {
            run.drift(
                &drift::PLAINTEXT_WHERE_TLS_DECLARED,
                format!(
                    "the model declares {} for `{}`, but {url} does not complete a TLS handshake: {why}",
                    d.expect.encryption.label(),
                    d.element
                ),
            );
        } else {
            run.r.notes.push(format!("no TLS: {why}"));
        }
        return;
    }
    if let Some(f) = t.findings.iter().find(|f| f.id == "tls.probe-incomplete") {
        run.incomplete = true;
        run.r
            .notes
            .push(format!("could not verify TLS: {}", f.evidence));
    }
    if wants_tls {
        run.r.matched.push("speaks TLS".into());
    } else {
        run.r.notes.push(
            "the endpoint speaks TLS but the model declares plaintext: update the model".into(),
        );
    }
    let accepted = t.accepted_protocols();
    run.r.observed.protocols = accepted.iter().map(|s| (*s).to_string()).collect();
    if let Some(min) = d.expect.tls_min {
        let below: Vec<&str> = accepted
            .iter()
            .filter_map(|k| tls_version(k))
            .filter(|v| *v < min)
            .map(TlsVersion::label)
            .collect();
        if below.is_empty() {
            run.r
                .matched
                .push(format!("no protocol below {}", min.label()));
        } else {
            run.drift(
                &drift::TLS_VERSION_BELOW_DECLARED,
                format!(
                    "{url} accepts {}; the model declares {} minimum for `{}`",
                    below.join(", "),
                    min.label(),
                    d.element
                ),
            );
        }
    }
    run.r.observed.client_cert = Some(t.client_cert.to_string());
    if d.expect.mtls() {
        if t.client_cert == "required" {
            run.r.matched.push("client certificate required".into());
        } else {
            run.drift(
                &drift::MTLS_NOT_ENFORCED,
                format!(
                    "the model declares mutual TLS for `{}`, but {url} completes the handshake without a client certificate ({})",
                    d.element,
                    match t.client_cert {
                        "requested" => "it asks for one but does not require it",
                        "none" => "it does not even ask for one",
                        _ => "the probe could not tell whether it asks for one",
                    }
                ),
            );
        }
    }
    if let Some(c) = &t.certificate {
        run.r.observed.certificate = Some(format!(
            "{}, valid until {} ({} days), {}",
            c.subject,
            c.not_after,
            c.days_left,
            if c.trusted { "trusted" } else { "not trusted" }
        ));
    }
    let problems: Vec<String> = t
        .findings
        .iter()
        .filter(|f| is_cert_problem(&f.id))
        .map(|f| format!("{} ({})", f.title, f.evidence))
        .collect();
    if problems.is_empty() {
        if t.certificate.is_some() {
            run.r.matched.push("certificate valid".into());
        }
    } else {
        run.drift(
            &drift::CERTIFICATE_PROBLEM,
            format!("{url}: {}", problems.join("; ")),
        );
    }
}

fn check_auth(run: &mut Run<'_>, ca_pem: Option<Vec<u8>>, options: &Options) {
    let d = run.d;
    let url = d.endpoint.url.as_str();
    let tokens = d.expect.tokens();
    let jwt_options = jwt::JwtOptions {
        token: d.endpoint.token.clone().filter(|_| tokens),
        // The declared issuer's discovery document (else the token's `iss`).
        discovery: d
            .endpoint
            .issuer
            .as_ref()
            .filter(|i| tokens && (i.starts_with("https://") || i.starts_with("http://")))
            .map(|i| {
                format!(
                    "{}/.well-known/openid-configuration",
                    i.trim_end_matches('/')
                )
            }),
        key: None,
        active: tokens && d.endpoint.active,
        check_anonymous: true,
        ca_pem,
        timeout: options.timeout,
        cancel: options.cancel.clone(),
        ..jwt::JwtOptions::default()
    };
    let j = match jwt::probe(url, &jwt_options, &mut |_| {}) {
        Ok(j) => j,
        Err(e) => {
            run.r.notes.push(format!("authentication not checked: {e}"));
            return;
        }
    };
    run.r.observed.requests = j.requests;
    run.r
        .observed
        .probe_findings
        .extend(j.findings.iter().map(|f| f.id.clone()));
    let anonymous = j
        .attempts
        .iter()
        .find(|a| a.check == "baseline without a token");
    match anonymous.and_then(|a| a.status) {
        None => {
            // The error of this very request (not, say, the issuer's discovery on another host).
            let why = j
                .errors
                .iter()
                .find_map(|e| e.strip_prefix("baseline without a token: "))
                .or_else(|| j.errors.first().map(String::as_str))
                .unwrap_or("no answer")
                .to_string();
            let connects = probe::Target::parse(url).ok().is_some_and(|t| {
                probe::connect(
                    &t,
                    Deadline::after(options.timeout.min(Duration::from_secs(2))),
                )
                .is_ok()
            });
            if run.r.observed.speaks_tls.is_none() && !connects {
                // Nothing reached it: the endpoint is not there.
                run.unreachable = true;
                run.drift(&drift::ENDPOINT_UNREACHABLE, format!("{url}: {why}"));
            } else {
                run.incomplete = true;
                run.r.notes.push(format!(
                    "could not verify authentication: {url} accepts connections but did not answer a request ({why})"
                ));
            }
            return;
        }
        Some(status) => {
            run.r.observed.anonymous_status = Some(status);
            if (200..300).contains(&status) {
                run.drift(
                    &drift::AUTH_NOT_ENFORCED,
                    format!(
                        "the model declares {} for `{}`, but GET {url} without credentials was answered with HTTP {status}",
                        d.expect
                            .authentication
                            .iter()
                            .map(|a| a.label())
                            .collect::<Vec<_>>()
                            .join(" or "),
                        d.element
                    ),
                );
                return;
            }
            if !matches!(status, 401 | 403) {
                // A redirect (to a login page, or anywhere), a 404 or a server error is not a
                // refusal of the missing credentials: nothing was learnt about authentication.
                let to = anonymous
                    .and_then(|a| a.location.as_deref())
                    .map(|l| format!(" to {}", crate::probe::quote(l, 120)))
                    .unwrap_or_default();
                run.incomplete = true;
                run.r.notes.push(format!(
                    "could not verify authentication: GET {url} without credentials was answered with HTTP {status}{to}, which is neither an acceptance nor a refusal (401 or 403)"
                ));
                return;
            }
            run.r.matched.push(format!(
                "requests without credentials refused (HTTP {status})"
            ));
        }
    }
    let accepted: Vec<&probe::ProbeFinding> =
        j.findings.iter().filter(|f| is_forgery(&f.id)).collect();
    if !accepted.is_empty() {
        run.drift(
            &drift::FORGED_TOKEN_ACCEPTED,
            format!(
                "the model declares token authentication for `{}`, but {}",
                d.element,
                accepted
                    .iter()
                    .map(|f| f.evidence.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        );
    } else if tokens {
        let forgeries: Vec<&jwt::Attempt> = j
            .attempts
            .iter()
            .filter(|a| a.must_refuse && a.check != "baseline without a token")
            .collect();
        let refused = forgeries
            .iter()
            .filter(|a| matches!(a.status, Some(401 | 403)))
            .count();
        if refused > 0 {
            run.r
                .matched
                .push(format!("{refused} forged tokens refused"));
        }
        let unclear: Vec<String> = forgeries
            .iter()
            .filter(|a| !matches!(a.status, Some(401 | 403)))
            .map(|a| match a.status {
                Some(s) => format!("{} (HTTP {s})", a.check),
                None => format!("{} (no answer)", a.check),
            })
            .collect();
        if !unclear.is_empty() {
            run.incomplete = true;
            run.r.notes.push(format!(
                "could not verify {} forged tokens, answered with neither an acceptance nor a refusal: {}",
                unclear.len(),
                probe::tls::capped(&unclear, 6, "; ")
            ));
        }
    }
    for (check, why) in &j.not_tested {
        if tokens && check == "forged tokens" {
            run.r.notes.push(format!("forged tokens not tested: {why}"));
        }
    }
    if tokens && d.endpoint.token.is_none() {
        run.r
            .notes
            .push("forged tokens not tested: the endpoint declares no test token (`token`)".into());
    } else if tokens && !d.endpoint.active {
        run.r.notes.push(
            "forged tokens not tested: the endpoint does not allow active checks (`active: true`)"
                .into(),
        );
    }
    if let (Some(t), Some(want)) = (&j.token, &d.endpoint.issuer)
        && t.iss.as_deref() != Some(want.as_str())
    {
        run.r.notes.push(format!(
            "the test token's issuer is {}, the model expects {want}",
            t.iss.as_deref().unwrap_or("(none)")
        ));
    }
    if let (Some(i), Some(want)) = (&j.issuer, &d.endpoint.issuer)
        && let Some(actual) = &i.issuer
        && actual.trim_end_matches('/') != want.trim_end_matches('/')
    {
        run.r.notes.push(format!(
            "the discovery document names issuer {actual}, the model expects {want}"
        ));
    }
    if let (Some(t), Some(want)) = (&j.token, &d.endpoint.audience) {
        let ok = match &t.aud {
            Some(serde_json::Value::String(a)) => a == want,
            Some(serde_json::Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(want)),
            _ => false,
        };
        if !ok {
            run.r.notes.push(format!(
                "the test token's audience is {}, the model expects {want}",
                t.aud
                    .as_ref()
                    .map_or("(none)".to_string(), ToString::to_string)
            ));
        }
    }
    // What the JWT probe found about the token and issuer (weak secret, alg none advertised,
    // ...) is not drift, but the reader should see it.
    for f in j.findings.iter().filter(|f| !is_forgery(&f.id)) {
        if f.id != "jwt.unauthenticated-access" {
            run.r.notes.push(format!("{}: {}", f.id, f.title));
        }
    }
}

fn fix_for(rule: &str, element: &str) -> String {
    let what = match rule {
        "drift.plaintext-where-tls-declared" => "Serve TLS on the endpoint and refuse plaintext",
        "drift.tls-version-below-declared" => {
            "Disable the protocol versions below the declared minimum"
        }
        "drift.mtls-not-enforced" => "Require and verify client certificates on the endpoint",
        "drift.auth-not-enforced" => "Require authentication on the endpoint",
        "drift.forged-token-accepted" => {
            "Verify token signatures, algorithm, expiry and audience strictly"
        }
        "drift.certificate-problem" => "Serve a valid, trusted certificate for the endpoint's name",
        _ => "Correct the endpoint's address or make it reachable",
    };
    format!("{what}, or correct `{element}` in the model.")
}

impl Verification {
    /// The sidecar file of a model: `NAME.verify.json` beside `NAME.ron`.
    #[must_use]
    pub fn sidecar(model_path: &Path) -> PathBuf {
        let stem = model_path
            .file_stem()
            .map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned());
        model_path.with_file_name(format!("{stem}.verify.json"))
    }

    /// Writes the sidecar atomically.
    ///
    /// # Errors
    /// Any I/O failure; an existing sidecar is then untouched.
    pub fn save(&self, model_path: &Path) -> std::io::Result<PathBuf> {
        let path = Self::sidecar(model_path);
        let mut json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        json.push(b'\n');
        crate::fsio::write_atomic(&path, &json, false)?;
        Ok(path)
    }

    /// Reads the sidecar of a model, if there is one.
    ///
    /// # Errors
    /// The file exists but cannot be read or parsed: `FILE:LINE:COL: message`.
    pub fn load(model_path: &Path) -> Result<Option<Self>, String> {
        let path = Self::sidecar(model_path);
        if !path.exists() {
            return Ok(None);
        }
        let bytes = crate::fsio::read_limited(&path, SIDECAR_LIMIT, "verification file")
            .map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| format!("{}:{}:{}: {e}", path.display(), e.line(), e.column()))
    }

    /// Whether this run verified exactly these model bytes.
    #[must_use]
    pub fn is_for(&self, source: &[u8]) -> bool {
        self.model_sha256 == crate::fsio::sha256_hex(source)
    }

    /// The results that still describe the model: the element still declares the same
    /// endpoint with the same expectations. (After an edit that changes them, the old result
    /// says nothing about the new declaration.)
    pub fn current<'a>(&'a self, model: &Model) -> impl Iterator<Item = &'a EndpointResult> {
        let now: std::collections::HashMap<String, (String, Expectation)> = declared(model)
            .into_iter()
            .map(|d| (d.element, (d.endpoint.url, d.expect)))
            .collect();
        self.endpoints.iter().filter(move |e| {
            now.get(&e.element)
                .is_some_and(|(url, expect)| *url == e.url && *expect == e.expected)
        })
    }

    /// Each declared endpoint's status: its result's, or "not probed" when this run did not
    /// probe it as it is declared now.
    #[must_use]
    pub fn statuses(&self, model: &Model) -> std::collections::HashMap<String, EndpointStatus> {
        let mut out: std::collections::HashMap<String, EndpointStatus> = declared(model)
            .into_iter()
            .map(|d| (d.element, EndpointStatus::NotProbed))
            .collect();
        for e in self.current(model) {
            out.insert(e.element.clone(), e.status);
        }
        out
    }

    /// The drift findings that still apply to the model (see [`Verification::current`]).
    #[must_use]
    pub fn findings(&self, model: &Model) -> Vec<Finding> {
        let mut out = Vec::new();
        for e in self.current(model) {
            for d in &e.drift {
                let Some(rule) = crate::analysis::rule(&d.rule) else {
                    continue;
                };
                out.push(Finding {
                    id: format!("{}@{}", rule.id, e.element),
                    rule,
                    severity: rule.severity,
                    elements: vec![e.element.clone()],
                    path: Vec::new(),
                    hops: Vec::new(),
                    message: d.message.clone(),
                    fix: fix_for(rule.id, &e.element),
                    status: Status::Open,
                    change: None,
                    decision: None,
                });
            }
        }
        out
    }

    /// The status of an element's endpoint in this run.
    #[must_use]
    pub fn status_of(&self, element: &str) -> Option<EndpointStatus> {
        self.endpoints
            .iter()
            .find(|e| e.element == element)
            .map(|e| e.status)
    }

    /// Endpoints per status: verified, drift, unreachable, could not verify, not probed.
    #[must_use]
    pub fn counts(&self) -> [usize; 5] {
        let mut c = [0; 5];
        for e in &self.endpoints {
            c[match e.status {
                EndpointStatus::Verified => 0,
                EndpointStatus::Drift => 1,
                EndpointStatus::Unreachable => 2,
                EndpointStatus::Unverified => 3,
                EndpointStatus::NotProbed => 4,
            }] += 1;
        }
        c
    }

    /// "3 verified, 1 drift, 0 unreachable, 1 could not verify, 0 not probed" (the "could not
    /// verify" part only when there is one); `drift` is the word after the drift count ("drift"
    /// in a status line, "with drift" in prose).
    #[must_use]
    pub fn summary(&self, drift_word: &str) -> String {
        let [ok, drift, unreachable, unverified, skipped] = self.counts();
        let maybe = if unverified > 0 {
            format!(", {unverified} could not verify")
        } else {
            String::new()
        };
        format!(
            "{ok} verified, {drift} {drift_word}, {unreachable} unreachable{maybe}, {skipped} not probed"
        )
    }
}
