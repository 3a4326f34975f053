//! The TLS probe. Protocol versions and cipher suites are found the way testssl.sh and sslyze do
//! it, with hand-built ClientHellos (framed with tls-parser) whose ServerHello or alert is parsed
//! with tls-parser: that covers SSLv3, TLS 1.0 and 1.1, which rustls will not speak. The
//! certificate, client-certificate policy, ALPN and HSTS come from real handshakes with rustls.
//! Findings carry dotted ids (`tls.legacy-protocol`, ...) and the evidence that proves them.
//!
//! Every connection is bounded by a deadline and a byte limit; a server that does not answer,
//! answers garbage, closes mid-handshake or floods is reported per check, never a crash.
//!
//! Layout: `hello` builds ClientHellos and parses answers; `suites` holds the suite table and
//! scans versions, suites and downgrade protection; `handshakes` runs the rustls handshakes and
//! resumption; `certificate` judges the chain; `vulns` (Heartbleed, CCS injection, ROBOT) and
//! `renegotiation` test known weaknesses; `findings` and `grade` are pure functions of the
//! report. The checks' ids, titles and severities are declared once in `probe::catalog`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use serde::Serialize;

mod certificate;
mod findings;
mod grade;
mod handshakes;
mod hello;
mod renegotiation;
mod session;
mod sslv2;
mod suites;
mod vulns;

use certificate::parse_certificate_list;
use findings::findings;
use grade::grade;
use handshakes::{client_identity, handshakes, resumption, trust};
pub use hello::describe_server_bytes;
use hello::{
    Answer, Flight, GROUPS, HelloSpec, alert_name, client_hello, describe_answer, exchange,
    message, not_tls_text, version_name,
};
use suites::{TLS13_SUITES, legacy_suites, protocols_and_suites};

use super::starttls::{self, Preamble};
use super::{Cancel, Deadline, ProbeError, ProbeFinding, Target, connect, describe_io};
use crate::vocab::Severity;

/// Protocol versions, oldest first, with their wire values and report keys.
pub const VERSIONS: [(u16, &str); 5] = [
    (0x0300, "SSLv3"),
    (0x0301, "TLSv1.0"),
    (0x0302, "TLSv1.1"),
    (0x0303, "TLSv1.2"),
    (0x0304, "TLSv1.3"),
];

/// What to probe with.
#[derive(Clone, Debug)]
pub struct TlsOptions {
    /// Server name to send (defaults to the target's host when it is a name).
    pub sni: Option<String>,
    /// PEM of the CA certificates to trust instead of the built-in web roots.
    pub ca_pem: Option<Vec<u8>>,
    /// PEM certificate chain and key to offer when the server asks for a client certificate.
    pub client_cert: Option<(Vec<u8>, Vec<u8>)>,
    /// The whole probe's time limit.
    pub timeout: Duration,
    pub cancel: Cancel,
    /// Protocol versions, certificate and client certificates only: no cipher-suite, group or
    /// DH enumeration and no grade. What verification needs, in a fraction of the requests.
    pub quick: bool,
    /// The in-band upgrade to run before every handshake (`--starttls`); by default the one
    /// the target's scheme implies (`postgres://` → PostgreSQL's SSLRequest).
    pub starttls: Option<Preamble>,
}

impl Default for TlsOptions {
    fn default() -> Self {
        TlsOptions {
            sni: None,
            ca_pem: None,
            client_cert: None,
            timeout: Duration::from_secs(10),
            cancel: Cancel::new(),
            quick: false,
            starttls: None,
        }
    }
}

/// One accepted cipher suite.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct SuiteInfo {
    pub protocol: &'static str,
    pub name: String,
    pub id: String,
    /// NULL, anonymous, EXPORT, RC4, DES, 3DES, CBC, static-RSA, AEAD.
    pub classes: Vec<&'static str>,
    pub forward_secrecy: bool,
    pub bits: u16,
}

/// How a cipher suite rates, for colouring it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuiteRating {
    /// NULL, anonymous, EXPORT, RC4, DES or 3DES.
    Weak,
    /// CBC or no forward secrecy.
    Fair,
    /// AEAD with forward secrecy.
    Good,
}

impl SuiteInfo {
    /// The suite's number (`id` is its hex spelling).
    #[must_use]
    pub fn number(&self) -> Option<u16> {
        u16::from_str_radix(self.id.trim_start_matches("0x"), 16).ok()
    }

    #[must_use]
    pub fn rating(&self) -> SuiteRating {
        let weak =
            |c: &&str| matches!(*c, "NULL" | "anonymous" | "EXPORT" | "RC4" | "DES" | "3DES");
        if self.classes.iter().any(weak) {
            SuiteRating::Weak
        } else if self.forward_secrecy && self.classes.iter().all(|c| *c == "AEAD") {
            SuiteRating::Good
        } else {
            SuiteRating::Fair
        }
    }

    /// Its classes and forward secrecy, as a reader wants them: "CBC, forward secrecy".
    #[must_use]
    pub fn traits(&self) -> String {
        let mut traits = self.classes.clone();
        if self.forward_secrecy {
            traits.push("forward secrecy");
        }
        traits.join(", ")
    }
}

/// What the certificate says, and what Rampart makes of it.
#[derive(Clone, Debug, Serialize, Default)]
pub struct CertReport {
    pub subject: String,
    pub issuer: String,
    pub names: Vec<String>,
    pub not_before: String,
    pub not_after: String,
    pub days_left: i64,
    pub not_yet_valid: bool,
    pub key: String,
    pub key_bits: u32,
    pub signature: String,
    pub self_signed: bool,
    pub trusted: bool,
    /// Why the chain is not trusted, when it is not.
    pub trust_error: Option<String>,
    pub hostname_matches: bool,
    pub chain_length: usize,
    /// The certificate demands a stapled OCSP response (TLS Feature status_request,
    /// "OCSP must-staple").
    pub must_staple: bool,
    /// RFC 5280 rules the chain breaks that strict verifiers enforce (see `strict_problems`).
    pub strict_problems: Vec<String>,
    /// The chain sent includes a self-signed root (needless: a client trusts only the roots it
    /// already holds), as sslyze's "received chain contains anchor certificate".
    pub chain_includes_root: bool,
    /// Where the chain sent is out of order: a certificate that does not issue the one before
    /// it (sslyze's "received chain has valid order", false).
    pub chain_order_problem: Option<String>,
}

impl CertReport {
    /// "chain of 3", with "including its root" or "out of order" where so.
    #[must_use]
    pub fn chain_description(&self) -> String {
        let mut text = format!("chain of {}", self.chain_length);
        if self.chain_includes_root && !self.self_signed {
            text.push_str(" including its root");
        }
        if self.chain_order_problem.is_some() {
            text.push_str(", out of order");
        }
        text
    }
}

/// The verdicts of the known-vulnerability checks: `true` vulnerable, `false` not, `None` not
/// tested or inconclusive (the check's outcome says which). TLS 1.3-only servers are not
/// tested: these attacks need an older version.
#[derive(Clone, Debug, Serialize, Default, PartialEq, Eq)]
pub struct Vulnerabilities {
    pub heartbleed: Option<bool>,
    pub ccs_injection: Option<bool>,
    pub robot: Option<bool>,
}

/// How the server is configured beyond versions and suites, as sslyze and testssl.sh report
/// it. `None` where it could not be observed (a TLS 1.3-only server has no renegotiation, a
/// quick probe does not look).
#[derive(Clone, Debug, Serialize, Default, PartialEq, Eq)]
pub struct Features {
    /// RFC 5746 secure renegotiation: the ServerHello answers `renegotiation_info`.
    pub secure_renegotiation: Option<bool>,
    /// RFC 7627 extended master secret.
    pub extended_master_secret: Option<bool>,
    /// TLS-level compression chosen when offered (CRIME).
    pub compression: Option<bool>,
    /// The heartbeat extension is answered (what Heartbleed needs).
    pub heartbeat: Option<bool>,
    /// A session below TLS 1.3 (the best version spoken of 1.2, 1.1, 1.0) is resumed by its
    /// session id alone (a hello without the ticket extension offering the id of a session
    /// closed with close_notify).
    pub session_ids: Option<bool>,
    /// The server issues session tickets: RFC 5077's, seen in the TLS 1.2-or-older hello; on a
    /// server without those, a TLS 1.3 resumption (which is always by ticket) says yes.
    pub session_tickets: Option<bool>,
    /// A second connection resumed the first one's session (id, ticket or TLS 1.3 PSK).
    pub resumption: Option<bool>,
    /// The server staples an OCSP response to its certificate.
    pub ocsp_stapling: Option<bool>,
    /// TLS 1.3 0-RTT early data was accepted on a resumed connection.
    pub early_data: Option<bool>,
    /// A hello below the best version, with TLS_FALLBACK_SCSV, is refused (RFC 7507).
    pub fallback_scsv: Option<bool>,
    /// A hybrid post-quantum key exchange (X25519MLKEM768, SecP256r1MLKEM768) is accepted.
    pub post_quantum: Option<bool>,
    /// A renegotiation the client starts inside a completed session below TLS 1.3 is accepted.
    pub client_renegotiation: Option<bool>,
}

/// One configuration fact: what was observed, the good answer where there is one, and whether
/// the question applies to the server at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigFact {
    /// For the GUI ("Secure renegotiation (RFC 5746)").
    pub label: &'static str,
    /// For the one-line text summary ("secure renegotiation").
    pub short: &'static str,
    pub value: Option<bool>,
    pub good: Option<bool>,
    pub applies: bool,
    /// What the question needs of the server ("TLS 1.3"), for why it is "n/a".
    pub needs: &'static str,
    /// What the answer means, in a sentence.
    pub help: &'static str,
}

impl ConfigFact {
    /// "yes", "no", "not tested" or "n/a".
    #[must_use]
    pub fn answer(&self) -> &'static str {
        match (self.value, self.applies) {
            (Some(true), _) => "yes",
            (Some(false), _) => "no",
            (None, true) => "not tested",
            (None, false) => "n/a",
        }
    }

    /// Whether the observed answer is the bad one.
    #[must_use]
    pub fn is_bad(&self) -> bool {
        matches!((self.value, self.good), (Some(v), Some(g)) if v != g)
    }
}

/// The HTTP answer after the handshake (for HSTS).
#[derive(Clone, Debug, Serialize)]
pub struct HttpInfo {
    pub status: String,
    pub hsts: Option<String>,
}

/// One check and how it went, in order.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub check: String,
    pub outcome: String,
    pub ms: u64,
}

/// The result of probing one endpoint.
#[derive(Clone, Debug, Serialize)]
pub struct TlsReport {
    pub target: String,
    pub reachable: bool,
    pub speaks_tls: bool,
    /// `SSLv3` ... `TLSv1.3`: accepted or not.
    pub protocols: BTreeMap<&'static str, bool>,
    pub cipher_suites: Vec<SuiteInfo>,
    /// Whether the server chooses the cipher suite itself (the order of `cipher_suites` is then
    /// its preference), per protocol; absent where it could not be observed.
    pub server_preference: BTreeMap<&'static str, bool>,
    /// TLS 1.3 key-exchange groups the server accepts.
    pub groups: Vec<String>,
    /// Size of the server's finite-field Diffie-Hellman group, when it offers DHE.
    pub dh_bits: Option<u32>,
    pub features: Features,
    pub vulnerabilities: Vulnerabilities,
    pub certificate: Option<CertReport>,
    /// The in-band upgrade run before each handshake (`postgres`, `smtp`, ...), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starttls: Option<&'static str>,
    /// `required`, `requested`, `none`, or `unknown`.
    pub client_cert: &'static str,
    /// With a client certificate offered: whether the server accepted it.
    pub client_cert_accepted: Option<bool>,
    pub alpn: Option<String>,
    pub http: Option<HttpInfo>,
    /// The protocol `groups` were enumerated with: TLS 1.3 (key shares), else the best older
    /// version's ECDHE suites.
    pub groups_protocol: Option<&'static str>,
    pub grade: String,
    pub grade_reasons: Vec<String>,
    pub findings: Vec<ProbeFinding>,
    pub checks: Vec<Check>,
    pub duration_ms: u64,
}

impl TlsReport {
    /// Whether the protocol version `key` ("TLSv1.2") was accepted.
    #[must_use]
    pub fn accepts(&self, key: &str) -> bool {
        self.protocols.get(key).copied().unwrap_or(false)
    }

    /// The protocol versions accepted, oldest first.
    #[must_use]
    pub fn accepted_protocols(&self) -> Vec<&'static str> {
        self.protocols
            .iter()
            .filter(|(_, on)| **on)
            .map(|(k, _)| *k)
            .collect()
    }

    /// The highest protocol version accepted.
    #[must_use]
    pub fn best_protocol(&self) -> Option<&'static str> {
        VERSIONS
            .iter()
            .rev()
            .map(|(_, k)| *k)
            .find(|k| self.protocols.get(k).copied().unwrap_or(false))
    }

    /// The protocol versions, each marked `yes` or `no`, joined by `sep`; "not tested" when the
    /// endpoint could not be reached (nothing was learnt about them).
    #[must_use]
    pub fn protocol_summary(&self, yes: &str, no: &str, sep: &str) -> String {
        if !self.reachable {
            return "not tested: the endpoint could not be reached".into();
        }
        self.protocols
            .iter()
            .map(|(k, on)| format!("{k} {}", if *on { yes } else { no }))
            .collect::<Vec<_>>()
            .join(sep)
    }

    /// The configuration facts as the GUI and the text output list them, each with whether it
    /// applies to this server (0-RTT and post-quantum groups need TLS 1.3; renegotiation,
    /// compression and the TLS 1.2 session mechanisms need an older version; downgrade
    /// protection needs two versions).
    #[must_use]
    pub fn configuration(&self) -> Vec<ConfigFact> {
        const OLDER: &str = "TLS 1.2 or older";
        const TLS13: &str = "TLS 1.3";
        let legacy = ["TLSv1.0", "TLSv1.1", "TLSv1.2"]
            .iter()
            .any(|k| self.accepts(k));
        let tls13 = self.accepts("TLSv1.3");
        let versions = self.accepted_protocols().len();
        let f = &self.features;
        let fact = |label, short, value, good, (applies, needs), help| ConfigFact {
            label,
            short,
            value,
            good,
            applies,
            needs,
            help,
        };
        vec![
            fact(
                "Secure renegotiation (RFC 5746)",
                "secure renegotiation",
                f.secure_renegotiation,
                Some(true),
                (legacy, OLDER),
                "The ServerHello answers renegotiation_info, so a renegotiation cannot splice an attacker's prefix onto the client's session (CVE-2009-3555).",
            ),
            fact(
                "Extended master secret",
                "extended master secret",
                f.extended_master_secret,
                Some(true),
                (legacy, OLDER),
                "RFC 7627: the master secret covers the whole handshake, which closes the triple-handshake attack on resumption and renegotiation.",
            ),
            fact(
                "Downgrade protection (fallback SCSV)",
                "downgrade protection",
                f.fallback_scsv,
                Some(true),
                (versions > 1, "a second protocol version to fall back to"),
                "A hello one version below the best, carrying TLS_FALLBACK_SCSV, is refused (inappropriate_fallback) or, on TLS 1.3 servers, answered with the DOWNGRD sentinel.",
            ),
            fact(
                "OCSP stapling",
                "OCSP stapling",
                f.ocsp_stapling,
                Some(true),
                (self.speaks_tls, "a TLS handshake"),
                "The server sends a fresh OCSP response with its certificate, so clients learn of a revocation without asking the CA.",
            ),
            fact(
                "Session tickets",
                "session tickets",
                f.session_tickets,
                None,
                (legacy || f.session_tickets.is_some(), OLDER),
                "The server hands out tickets (RFC 5077, or TLS 1.3's NewSessionTicket) that let a client resume without a server-side cache.",
            ),
            fact(
                "Session-id resumption",
                "session-id resumption",
                f.session_ids,
                None,
                (legacy, OLDER),
                "A second connection offering the first one's session id, without a ticket, is resumed: the server keeps a session cache.",
            ),
            fact(
                "Session resumption",
                "resumption",
                f.resumption,
                None,
                (self.speaks_tls, "a TLS handshake"),
                "A second connection resumed the first one's session by any means (session id, ticket or TLS 1.3 PSK), skipping the key exchange.",
            ),
            fact(
                "Post-quantum key exchange",
                "post-quantum",
                f.post_quantum,
                Some(true),
                (tls13, TLS13),
                "A hybrid ML-KEM group (X25519MLKEM768, SecP256r1MLKEM768) is negotiated, so recorded traffic stays secret against a future quantum computer.",
            ),
            fact(
                "TLS compression",
                "compression",
                f.compression,
                Some(false),
                (legacy, OLDER),
                "TLS-level compression leaks secrets through the size of records (CRIME).",
            ),
            fact(
                "Heartbeat extension",
                "heartbeat",
                f.heartbeat,
                None,
                (legacy, OLDER),
                "The server answers the heartbeat extension, which Heartbleed needs (the Heartbleed check itself is in the checks).",
            ),
            fact(
                "0-RTT early data",
                "0-RTT",
                f.early_data,
                Some(false),
                (tls13, TLS13),
                "A resumed TLS 1.3 connection's request sent before the handshake ends is accepted: it can be replayed, so it must be idempotent.",
            ),
            fact(
                "Client-initiated renegotiation",
                "client renegotiation",
                f.client_renegotiation,
                Some(false),
                (legacy, OLDER),
                "A renegotiation the client starts inside a session is answered: each one costs the server a key exchange, a denial-of-service lever.",
            ),
        ]
    }

    /// "Heartbleed no · CCS injection no · ROBOT no", with "YES", "not tested", or "n/a" on a
    /// server with nothing older than TLS 1.3 (which these attacks need).
    #[must_use]
    pub fn vulnerability_summary(&self) -> String {
        let older = ["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2"]
            .iter()
            .any(|k| self.accepts(k));
        let v = &self.vulnerabilities;
        [
            ("Heartbleed", v.heartbleed),
            ("CCS injection", v.ccs_injection),
            ("ROBOT", v.robot),
        ]
        .iter()
        .map(|(name, answer)| {
            let said = match answer {
                Some(true) => "YES",
                Some(false) => "no",
                None if older => "not tested",
                None => "n/a",
            };
            format!("{name} {said}")
        })
        .collect::<Vec<_>>()
        .join(" · ")
    }

    /// Why there is no HTTP answer (and so no HSTS verdict), when there is none from a server
    /// that speaks TLS.
    #[must_use]
    pub fn http_untested(&self) -> Option<String> {
        if self.http.is_some() || !self.speaks_tls {
            return None;
        }
        let hand = self.checks.iter().find(|c| c.check == session::HTTP_CHECK);
        Some(if self.starttls.is_some() {
            "the protocol is not HTTP".to_string()
        } else if let Some(c) = hand {
            format!(
                "no HTTP answer over rustls or the hand-made session ({})",
                c.outcome
            )
        } else {
            "no HTTP answer after the handshake".to_string()
        })
    }

    /// The oldest protocol version accepted.
    #[must_use]
    pub fn worst_protocol(&self) -> Option<&'static str> {
        VERSIONS
            .iter()
            .map(|(_, k)| *k)
            .find(|k| self.protocols.get(k).copied().unwrap_or(false))
    }
}

/// Runs the probe against `target` (`HOST:PORT` or a URL). `progress` hears about each step.
///
/// # Errors
/// Only bad input (an unparseable target or PEM); everything the server does is in the report.
pub fn probe(
    target: &str,
    options: &TlsOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<TlsReport, ProbeError> {
    let started = Instant::now();
    let target = Target::parse(target)?;
    let deadline = Deadline::after(options.timeout);
    let trust = trust(options.ca_pem.as_deref())?;
    let client = match &options.client_cert {
        Some((cert, key)) => Some(client_identity(cert, key)?),
        None => None,
    };
    let sni = options.sni.clone().or_else(|| {
        target
            .host
            .parse::<std::net::IpAddr>()
            .is_err()
            .then(|| target.host.clone())
    });
    let per_connection = (options.timeout / 4).max(Duration::from_millis(800));
    let mut p = Prober {
        target: &target,
        deadline,
        per_connection,
        sni: sni.clone(),
        checks: Vec::new(),
        cancel: options.cancel.clone(),
        stalled: None,
        preamble: options
            .starttls
            .or_else(|| target.scheme.as_deref().and_then(Preamble::for_scheme)),
    };
    let mut report = TlsReport {
        target: target.authority(),
        reachable: false,
        speaks_tls: false,
        protocols: VERSIONS.iter().map(|(_, k)| (*k, false)).collect(),
        cipher_suites: Vec::new(),
        server_preference: BTreeMap::new(),
        groups: Vec::new(),
        dh_bits: None,
        features: Features::default(),
        vulnerabilities: Vulnerabilities::default(),
        certificate: None,
        starttls: None,
        client_cert: "unknown",
        client_cert_accepted: None,
        alpn: None,
        http: None,
        groups_protocol: None,
        grade: "T".into(),
        grade_reasons: Vec::new(),
        findings: Vec::new(),
        checks: Vec::new(),
        duration_ms: 0,
    };

    // 0. Behind a preamble: does the server agree to upgrade at all?
    if let Some(pre) = p.preamble {
        report.starttls = Some(pre.name());
        progress("starttls");
        let started = Instant::now();
        let check = format!("{} upgrade", pre.name());
        let outcome = match connect(&target, p.deadline.within(p.per_connection)) {
            Err(e) => Err((true, starttls::Refusal::Failed(describe_io(&e)))),
            Ok(mut stream) => starttls::upgrade(&mut stream, pre).map_err(|r| (false, r)),
        };
        p.log(
            &check,
            match &outcome {
                Ok(()) => "the server agreed to start TLS".into(),
                Err((_, r)) => r.text().to_string(),
            },
            started,
        );
        match outcome {
            Ok(()) => report.reachable = true,
            Err((true, r)) => {
                report.findings.push(ProbeFinding::of(
                    "tls.unreachable",
                    Severity::High,
                    format!("cannot connect: {}", r.text()),
                ));
            }
            Err((false, starttls::Refusal::Declined(why))) => {
                report.reachable = true;
                report
                    .findings
                    .push(ProbeFinding::of("tls.no-tls", Severity::High, why));
            }
            Err((false, starttls::Refusal::Failed(why))) => {
                report.reachable = true;
                report.findings.push(handshake_failed(format!(
                    "the {} upgrade to TLS failed: {why}",
                    pre.name()
                )));
            }
        }
    }
    // 1. Does it speak TLS at all? A TLS 1.2 hello with every suite, read to ServerHelloDone.
    let first = if report.findings.is_empty() {
        progress("protocols");
        p.hello(
            "TLSv1.2 ClientHello",
            HelloSpec::legacy(0x0303, legacy_suites(), &group_ids()),
            true,
        )
    } else {
        Answer::Failed("skipped".into())
    };
    report.reachable = report.reachable
        || !matches!(&first, Answer::Failed(e) if e.starts_with("cannot connect") || e == "skipped");
    // A server that will not answer TLS may still speak SSL 2.0 (an SSLv2 error record, a
    // close or a reset): worth one SSLv2 hello before calling it "not TLS".
    let maybe_v2 = match &first {
        Answer::NotTls(b) => b.first().is_some_and(|x| x & 0x80 != 0),
        Answer::Closed => true,
        Answer::Failed(e) => !e.starts_with("cannot connect") && e != "skipped",
        _ => false,
    };
    if report.findings.is_empty() && maybe_v2 && p.stalled.is_none() && !options.quick {
        sslv2::check(&mut p, &mut report);
        if report.accepts("SSLv2") {
            report.speaks_tls = true;
        }
    }
    match &first {
        _ if !report.findings.is_empty() => {}
        Answer::NotTls(bytes) => {
            report.findings.push(ProbeFinding::of(
                "tls.no-tls",
                Severity::High,
                not_tls_text(bytes),
            ));
        }
        Answer::Closed if !p.answers_tls13(&target) => {
            report.findings.push(ProbeFinding::of(
                "tls.no-tls",
                Severity::High,
                "the server closed the connection without answering a ClientHello",
            ));
        }
        Answer::Failed(e) if e.starts_with("cannot connect") => {
            report.findings.push(ProbeFinding::of(
                "tls.unreachable",
                Severity::High,
                e.clone(),
            ));
        }
        Answer::Failed(e) if p.stalled.is_none() => {
            report.findings.push(handshake_failed(e.clone()));
        }
        _ => {}
    }
    if report.findings.is_empty() && p.stalled.is_none() {
        let evidence = protocols_and_suites(&mut p, &mut report, &first, options.quick);
        if !options.quick && !report.protocols.contains_key("SSLv2") {
            sslv2::check(&mut p, &mut report);
        }
        progress("certificate");
        let mut evidence = evidence;
        handshakes(
            &mut p,
            &mut report,
            &trust,
            client.as_ref(),
            &target,
            &mut evidence,
        );
        report.speaks_tls = report.protocols.values().any(|v| *v);
        if report.speaks_tls && !options.quick {
            progress("resumption");
            resumption(&mut p, &mut report);
            if let Some(version) = session::legacy_version(&report) {
                session::resumption(&mut p, &mut report, version);
                session::http(&mut p, &mut report, version);
                // Last: a server that refuses may hold the connection a while (openssl
                // s_server sleeps a second), which must not delay the other checks.
                progress("renegotiation");
                renegotiation::check(&mut p, &mut report, version);
            }
        }
        if !report.speaks_tls {
            report
                .findings
                .push(handshake_failed(no_handshake_evidence(&p.checks)));
        } else if report.certificate.is_none() {
            report.findings.push(ProbeFinding::of(
                "tls.no-certificate",
                Severity::High,
                evidence.certificate_failure.clone().unwrap_or_else(|| {
                    "no handshake yielded a certificate (anonymous cipher suites, or a TLS 1.3 \
                     handshake the probe could not complete)"
                        .into()
                }),
            ));
        }
    }
    if let Some(why) = &p.stalled
        && !report
            .findings
            .iter()
            .any(|f| f.id == "tls.handshake-failed")
    {
        report.findings.push(if report.speaks_tls {
            ProbeFinding::of(
                "tls.probe-incomplete",
                Severity::High,
                format!(
                    "{why}; {} checks were skipped, so the result is not a verdict",
                    p.checks
                        .iter()
                        .filter(|c| c.outcome.starts_with("skipped"))
                        .count()
                ),
            )
        } else {
            handshake_failed(why.clone())
        });
    } else if report.speaks_tls
        && p.deadline.passed()
        && p.checks.iter().any(|c| c.outcome.starts_with("skipped"))
    {
        report.findings.push(ProbeFinding::of(
            "tls.probe-incomplete",
            Severity::High,
            format!(
                "the probe's time limit ({} ms) was reached; {} checks were skipped, so the result is not a verdict",
                options.timeout.as_millis(),
                p.checks
                    .iter()
                    .filter(|c| c.outcome.starts_with("skipped"))
                    .count()
            ),
        ));
    }
    progress("grading");
    findings(&mut report, &target);
    if options.quick {
        report.grade = "-".into();
        report.grade_reasons =
            vec!["not graded: a quick probe does not enumerate cipher suites".into()];
    } else {
        grade(&mut report);
    }
    report
        .findings
        .sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
    report.checks = p.checks;
    report.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(report)
}

fn handshake_failed(evidence: String) -> ProbeFinding {
    ProbeFinding::of("tls.handshake-failed", Severity::High, evidence)
}

/// Why no protocol counts as accepted, from what each hello got back: "every ClientHello was
/// refused: TLSv1.2 ClientHello: refused (handshake_failure); ...".
fn no_handshake_evidence(checks: &[Check]) -> String {
    const SHOWN: usize = 6;
    let answers: Vec<String> = checks
        .iter()
        .filter(|c| !c.outcome.starts_with("skipped"))
        .map(|c| format!("{}: {}", c.check, c.outcome))
        .collect();
    let all_refused = !answers.is_empty() && answers.iter().all(|a| a.contains("refused ("));
    let mut text = if all_refused {
        "the server answered every ClientHello with an alert, so no protocol version is accepted: "
            .to_string()
    } else {
        "no ClientHello was answered with a complete handshake (a ServerHello alone proves \
         nothing): "
            .to_string()
    };
    text.push_str(&capped(&answers, SHOWN, "; "));
    text
}

pub use crate::text::capped;

/// What the protocol checks proved, for the handshakes that follow.
#[derive(Default)]
struct Evidence {
    /// A TLS 1.3 ServerHello or HelloRetryRequest was seen; a handshake must still prove it.
    tls13_offered: bool,
    /// The complete first flights of the versions up to TLS 1.2 that were proved, oldest first.
    flights: Vec<(u16, Flight)>,
    /// Why the certificate could not be read, when it could not.
    certificate_failure: Option<String>,
}

fn group_ids() -> Vec<u16> {
    GROUPS.iter().map(|(g, _)| *g).collect()
}

/// Connection plumbing with a log of every check.
struct Prober<'a> {
    target: &'a Target,
    deadline: Deadline,
    per_connection: Duration,
    sni: Option<String>,
    checks: Vec<Check>,
    cancel: Cancel,
    /// Set when the server stopped answering: later checks are skipped, not waited for.
    stalled: Option<String>,
    /// The in-band upgrade every connection runs first (STARTTLS, SSLRequest).
    preamble: Option<Preamble>,
}

impl Prober<'_> {
    /// The name rustls verifies and sends: the SNI, else the host (a name or an IP address).
    fn server_name(&self) -> ServerName<'static> {
        self.sni
            .clone()
            .and_then(|s| ServerName::try_from(s).ok())
            .or_else(|| ServerName::try_from(self.target.host.clone()).ok())
            .unwrap_or_else(|| ServerName::try_from("localhost").expect("valid name"))
    }

    fn log(&mut self, check: &str, outcome: String, started: Instant) {
        self.checks.push(Check {
            check: check.to_string(),
            outcome,
            ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        });
    }

    /// Whether a check may run; logs why not otherwise.
    fn may(&mut self, check: &str) -> bool {
        let why = if self.cancel.is_cancelled() {
            Some("cancelled".to_string())
        } else if self.deadline.passed() {
            Some("skipped: the probe's time limit was reached".to_string())
        } else {
            self.stalled.as_ref().map(|s| format!("skipped: {s}"))
        };
        match why {
            Some(outcome) => {
                self.checks.push(Check {
                    check: check.to_string(),
                    outcome,
                    ms: 0,
                });
                false
            }
            None => true,
        }
    }

    fn hello(&mut self, check: &str, spec: HelloSpec<'_>, whole_flight: bool) -> Answer {
        if !self.may(check) {
            return Answer::Failed("skipped".into());
        }
        let started = Instant::now();
        let bytes = client_hello(spec, self.sni.as_deref());
        let answer = exchange(
            self.target,
            self.deadline.within(self.per_connection),
            self.preamble,
            &bytes,
            whole_flight,
        );
        let trouble = match &answer {
            Answer::Failed(e) | Answer::Hello { cut: Some(e), .. } => Some(e),
            _ => None,
        };
        if let Some(e) = trouble
            && (e.contains("timed out") || e.contains("more than"))
        {
            self.stalled = Some(format!("the server did not answer properly ({e})"));
        }
        self.log(check, describe_answer(&answer), started);
        answer
    }

    /// A server that closes on a TLS 1.2 hello may still speak TLS 1.3 only.
    fn answers_tls13(&mut self, _target: &Target) -> bool {
        let groups = group_ids();
        let answer = self.hello(
            "TLSv1.3 ClientHello",
            HelloSpec::tls13(&TLS13_SUITES, &groups, true),
            false,
        );
        matches!(
            answer,
            Answer::Hello {
                version: 0x0304,
                ..
            }
        )
    }
}
