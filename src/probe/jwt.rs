//! The JWT probe: inspects a token (alg, kid, timestamps, audience, issuer, sensitive claims,
//! embedded keys), checks the issuer's OIDC discovery document and JWKS, cracks HMAC secrets
//! offline against a bundled list, and — only when asked (`active`) — sends forged tokens to the
//! endpoint: alg none, stripped or tampered signatures, RS/ES-to-HS key confusion, expired and
//! wrong-audience tokens. Every forgery the endpoint accepts is a finding with the request that
//! proved it. Tokens are masked everywhere in the output.
//!
//! Requests are bounded in number, time and size, and redirects are never followed.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::{Cancel, Deadline, InvalidTarget, ProbeError, ProbeFinding, Target};
use crate::vocab::Severity;

/// What to probe with.
#[derive(Clone, Debug)]
pub struct JwtOptions {
    /// A token the endpoint should accept (the baseline of the active checks).
    pub token: Option<String>,
    /// The OIDC discovery document URL; derived from the token's `iss` when absent.
    pub discovery: Option<String>,
    /// For a test environment: the signing key (PEM private key, or an HMAC secret), to forge
    /// expired and wrong-audience tokens the endpoint must refuse.
    pub key: Option<String>,
    /// Send forged tokens to the endpoint.
    pub active: bool,
    /// Send one request without a token (and, with a token, one with it) to check that the
    /// endpoint requires authentication at all. Implied by `active`.
    pub check_anonymous: bool,
    /// PEM CA certificates to trust for HTTPS (an internal PKI).
    pub ca_pem: Option<Vec<u8>>,
    pub timeout: Duration,
    /// Requests sent at most.
    pub max_requests: usize,
    pub cancel: Cancel,
}

impl Default for JwtOptions {
    fn default() -> Self {
        JwtOptions {
            token: None,
            discovery: None,
            key: None,
            active: false,
            check_anonymous: false,
            ca_pem: None,
            timeout: Duration::from_secs(10),
            max_requests: 40,
            cancel: Cancel::new(),
        }
    }
}

/// Largest response body read (a discovery document, a JWKS, an API answer).
pub const MAX_BODY: u64 = 1024 * 1024;

/// What the token says.
#[derive(Clone, Debug, Serialize, Default)]
pub struct TokenInfo {
    /// The token, masked.
    pub token: String,
    pub alg: String,
    pub kid: Option<String>,
    pub typ: Option<String>,
    pub iss: Option<String>,
    pub aud: Option<Value>,
    pub exp: Option<i64>,
    pub nbf: Option<i64>,
    pub iat: Option<i64>,
    pub lifetime_seconds: Option<i64>,
    /// Time claims that are not valid times (`exp` is "1e300"), quoted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub invalid_times: Vec<String>,
    pub claims: Vec<String>,
    pub sensitive_claims: Vec<String>,
    /// `jku`, `x5u`, `jwk`, `x5c` headers present.
    pub key_headers: Vec<String>,
}

/// One key of the JWKS.
#[derive(Clone, Debug, Serialize)]
pub struct KeyInfo {
    pub kid: Option<String>,
    pub kty: String,
    pub alg: Option<String>,
    #[serde(rename = "use")]
    pub use_: Option<String>,
    pub bits: Option<u32>,
}

/// The issuer's discovery document and keys.
#[derive(Clone, Debug, Serialize, Default)]
pub struct IssuerInfo {
    pub discovery_url: Option<String>,
    pub issuer: Option<String>,
    pub jwks_uri: Option<String>,
    pub signing_algs: Vec<String>,
    /// The first keys of the JWKS (see `keys_total`).
    pub keys: Vec<KeyInfo>,
    /// How many keys the JWKS holds.
    pub keys_total: usize,
}

/// One request the active checks sent.
#[derive(Clone, Debug, Serialize)]
pub struct Attempt {
    pub check: String,
    /// The request, with the token masked.
    pub request: String,
    pub status: Option<u16>,
    /// Where a redirect pointed (never followed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub accepted: bool,
    /// A secure endpoint refuses this request (every one but the baseline with the given token).
    pub must_refuse: bool,
}

/// The result of probing one endpoint.
#[derive(Clone, Debug, Serialize)]
pub struct JwtReport {
    pub target: String,
    pub token: Option<TokenInfo>,
    pub issuer: Option<IssuerInfo>,
    /// The HMAC secret, when it was found (masked: first two characters and the length).
    pub weak_secret: Option<String>,
    pub attempts: Vec<Attempt>,
    /// Checks that could not run, and why.
    pub not_tested: Vec<(String, String)>,
    pub findings: Vec<ProbeFinding>,
    /// Problems reaching the endpoint or the issuer (not findings about the JWT handling).
    pub errors: Vec<String>,
    pub requests: usize,
    pub duration_ms: u64,
}

/// Masks a token for output: its algorithm and length, never its content.
#[must_use]
pub fn mask(token: &str) -> String {
    let head: String = token.chars().take(10).collect();
    format!("{head}…[{} chars, masked]", token.len())
}

fn secrets() -> impl Iterator<Item = &'static str> {
    include_str!("../../assets/jwt-secrets.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// A parsed compact JWS.
#[derive(Debug)]
struct Jws {
    header: Map<String, Value>,
    claims: Map<String, Value>,
    signing_input: String,
    signature: Vec<u8>,
}

fn parse_jws(token: &str) -> Result<Jws, String> {
    let parts: Vec<&str> = token.trim().split('.').collect();
    if parts.len() != 3 {
        return Err(format!(
            "not a compact JWS: {} parts instead of 3",
            parts.len()
        ));
    }
    let decode = |s: &str, what: &str| {
        B64.decode(s.trim_end_matches('='))
            .map_err(|_| format!("the {what} is not base64url"))
    };
    let object = |bytes: Vec<u8>, what: &str| -> Result<Map<String, Value>, String> {
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(format!("the {what} is not a JSON object")),
        }
    };
    let header = object(decode(parts[0], "header")?, "header")?;
    let claims = object(decode(parts[1], "payload")?, "payload")?;
    let signature = decode(parts[2], "signature")?;
    Ok(Jws {
        header,
        claims,
        signing_input: format!("{}.{}", parts[0], parts[1]),
        signature,
    })
}

fn b64_json(v: &Value) -> String {
    B64.encode(serde_json::to_vec(v).unwrap_or_default())
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Claim names whose values are personal or sensitive.
const SENSITIVE_NAMES: &[&str] = &[
    "email",
    "email_address",
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "phone",
    "phone_number",
    "address",
    "birthdate",
    "ssn",
    "national_id",
    "passport",
    "tax_id",
    "card",
    "card_number",
    "pan",
    "iban",
    "dob",
    "salary",
    "diagnosis",
];

fn luhn(digits: &str) -> bool {
    let d: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&d.len()) {
        return false;
    }
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 { y - 9 } else { y }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn sensitive_claims(claims: &Map<String, Value>) -> Vec<String> {
    let mut out = BTreeSet::new();
    fn walk(prefix: &str, v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    if SENSITIVE_NAMES.contains(&k.to_ascii_lowercase().as_str()) {
                        out.insert(format!("{path} (personal data)"));
                    }
                    walk(&path, v, out);
                }
            }
            Value::Array(a) => {
                for v in a {
                    walk(prefix, v, out);
                }
            }
            Value::String(s) => {
                let compact: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
                if compact.chars().all(|c| c.is_ascii_digit()) && luhn(&compact) {
                    out.insert(format!("{prefix} (card number)"));
                } else if s.contains('@')
                    && s.contains('.')
                    && !s.contains(' ')
                    && !prefix.ends_with("iss")
                {
                    out.insert(format!("{prefix} (e-mail address)"));
                } else if s.len() == 11
                    && s.as_bytes()[3] == b'-'
                    && s.as_bytes()[6] == b'-'
                    && s.chars().filter(char::is_ascii_digit).count() == 9
                {
                    out.insert(format!("{prefix} (national id)"));
                }
            }
            _ => {}
        }
    }
    let v = Value::Object(claims.clone());
    walk("", &v, &mut out);
    out.into_iter().collect()
}

/// The latest time a claim may name: the end of year 9999 (what RFC 3339 can write).
const LATEST_TIME: i64 = 253_402_300_799;

/// A NumericDate claim (RFC 7519: seconds since 1970, possibly fractional): `Ok(None)` when
/// absent, `Err` with the claim quoted when it is not a number or not a time between 1970 and
/// the year 9999.
fn time_claim(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, String> {
    let Some(v) = claims.get(name) else {
        return Ok(None);
    };
    let seconds = v.as_i64().or_else(|| {
        v.as_f64()
            .filter(|f| f.is_finite() && (0.0..=LATEST_TIME as f64).contains(f))
            .map(|f| f.trunc() as i64)
    });
    match seconds {
        Some(t) if (0..=LATEST_TIME).contains(&t) => Ok(Some(t)),
        _ => Err(format!("`{name}` is {}", super::quote(&v.to_string(), 40))),
    }
}

fn inspect(token: &str, jws: &Jws) -> TokenInfo {
    let s = |m: &Map<String, Value>, k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
    let mut invalid_times = Vec::new();
    let mut claim_time = |name: &str| {
        time_claim(&jws.claims, name).unwrap_or_else(|e| {
            invalid_times.push(e);
            None
        })
    };
    let exp = claim_time("exp");
    let iat = claim_time("iat");
    let nbf = claim_time("nbf");
    TokenInfo {
        token: mask(token),
        alg: s(&jws.header, "alg").unwrap_or_else(|| "(missing)".into()),
        kid: s(&jws.header, "kid"),
        typ: s(&jws.header, "typ"),
        iss: s(&jws.claims, "iss"),
        aud: jws.claims.get("aud").cloned(),
        exp,
        nbf,
        iat,
        lifetime_seconds: match (exp, iat.or(nbf)) {
            (Some(e), Some(i)) => e.checked_sub(i),
            _ => None,
        },
        invalid_times,
        claims: jws.claims.keys().cloned().collect(),
        sensitive_claims: sensitive_claims(&jws.claims),
        key_headers: ["jku", "x5u", "jwk", "x5c"]
            .iter()
            .filter(|k| jws.header.contains_key(**k))
            .map(|k| (*k).to_string())
            .collect(),
    }
}

/// Reads a token and lists what the passive checks find, offline (for fuzzing and tools).
///
/// # Errors
/// The token is not three base64url parts of JSON.
#[doc(hidden)]
pub fn inspect_token(token: &str) -> Result<(TokenInfo, Vec<ProbeFinding>), String> {
    let jws = parse_jws(token)?;
    let info = inspect(token, &jws);
    let mut findings = Vec::new();
    passive_findings(&info, &mut findings);
    Ok((info, findings))
}

fn passive_findings(info: &TokenInfo, findings: &mut Vec<ProbeFinding>) {
    let alg = info.alg.to_ascii_lowercase();
    if alg == "none" {
        findings.push(ProbeFinding::of(
            "jwt.alg-none",
            Severity::Critical,
            format!("header alg `{}`", info.alg),
        ));
    }
    if !info.invalid_times.is_empty() {
        findings.push(ProbeFinding::of(
            "jwt.invalid-time-claim",
            Severity::Medium,
            format!(
                "{}: verifiers disagree on such values (some overflow, some treat them as absent), \
                 so expiry may not be enforced",
                info.invalid_times.join("; ")
            ),
        ));
    }
    match info.exp {
        None if info.invalid_times.iter().any(|t| t.starts_with("`exp`")) => {}
        None => findings.push(ProbeFinding::of(
            "jwt.no-expiry",
            Severity::High,
            "no `exp` claim",
        )),
        Some(exp) => {
            if let Some(life) = info.lifetime_seconds
                && life > 24 * 3600
            {
                findings.push(ProbeFinding::of(
                    "jwt.long-lifetime",
                    Severity::Medium,
                    format!("lifetime {} hours", life / 3600),
                ));
            }
            let _ = exp;
        }
    }
    if info.iss.is_none() {
        findings.push(ProbeFinding::of(
            "jwt.no-issuer",
            Severity::Low,
            "no `iss` claim",
        ));
    }
    if info.aud.is_none() {
        findings.push(ProbeFinding::of(
            "jwt.no-audience",
            Severity::Medium,
            "no `aud` claim: any service that trusts the issuer accepts it",
        ));
    }
    let t = now();
    if info.iat.is_some_and(|i| i > t + 300) || info.nbf.is_some_and(|n| n > t + 300) {
        findings.push(ProbeFinding::of(
            "jwt.time-in-future",
            Severity::Low,
            "`iat` or `nbf` is more than five minutes ahead",
        ));
    }
    if !info.sensitive_claims.is_empty() {
        findings.push(ProbeFinding::of(
            "jwt.sensitive-claims",
            Severity::Medium,
            format!(
                "claims: {} (JWTs are readable by anyone who holds them)",
                info.sensitive_claims.join(", ")
            ),
        ));
    }
    if !info.key_headers.is_empty() {
        findings.push(ProbeFinding::of(
            "jwt.embedded-key-header",
            Severity::Medium,
            format!(
                "headers {}: a verifier that follows them trusts the attacker's key",
                info.key_headers.join(", ")
            ),
        ));
    }
}

/// HTTP with limits: a fixed budget of requests, a timeout each, no redirects, bounded bodies.
struct Http {
    agent: ureq::Agent,
    per_request: Duration,
    sent: usize,
    max: usize,
    deadline: Deadline,
    cancel: Cancel,
}

/// An answer.
struct Answer {
    status: u16,
    body: Vec<u8>,
    location: Option<String>,
}

impl Http {
    fn new(options: &JwtOptions, deadline: Deadline) -> Result<Self, ProbeError> {
        let roots = match &options.ca_pem {
            Some(pem) => {
                // The one CA loader: a file that does not parse is refused, as by the TLS probe.
                let certs: Vec<ureq::tls::Certificate<'static>> = super::ca_certificates(pem)?
                    .iter()
                    .map(|c| ureq::tls::Certificate::from_der(c.as_ref()).to_owned())
                    .collect();
                ureq::tls::RootCerts::Specific(Arc::new(certs))
            }
            None => ureq::tls::RootCerts::WebPki,
        };
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .root_certs(roots)
            .unversioned_rustls_crypto_provider(Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ))
            .build();
        let per_request = (options.timeout / 4).max(Duration::from_millis(800));
        let agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent("rampart-jwt-probe")
            .build()
            .new_agent();
        Ok(Http {
            agent,
            per_request,
            sent: 0,
            max: options.max_requests,
            deadline,
            cancel: options.cancel.clone(),
        })
    }

    fn get(&mut self, url: &str, bearer: Option<&str>) -> Result<Answer, String> {
        if self.cancel.is_cancelled() {
            return Err("cancelled".into());
        }
        if self.deadline.passed() {
            return Err("the probe's time limit was reached".into());
        }
        if self.sent >= self.max {
            return Err(format!("the budget of {} requests was spent", self.max));
        }
        self.sent += 1;
        // Each request gets its share of the time, but never more than the probe has left.
        let mut request = self
            .agent
            .get(url)
            .config()
            .timeout_global(Some(self.per_request.min(self.deadline.remaining())))
            .build();
        if let Some(t) = bearer {
            request = request.header("Authorization", &format!("Bearer {t}"));
        }
        let mut response = request.call().map_err(|e| http_error(&e))?;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => {
                    format!("the response is larger than {} KB", MAX_BODY / 1024)
                }
                other => http_error(&other),
            })?;
        Ok(Answer {
            status,
            body,
            location,
        })
    }
}

fn http_error(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "timed out".to_string(),
        ureq::Error::Io(io) => super::describe_io(io),
        other => other.to_string(),
    }
}

fn accepted(status: u16) -> bool {
    (200..300).contains(&status)
}

/// Runs the probe against `url`.
///
/// # Errors
/// Bad input only (an unusable URL, CA file or key); what the endpoint does is in the report.
pub fn probe(
    url: &str,
    options: &JwtOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<JwtReport, ProbeError> {
    let started = Instant::now();
    let target = Target::parse(url)?;
    if !matches!(target.scheme.as_deref(), Some("http" | "https")) {
        return Err(ProbeError::Target(InvalidTarget(url.to_string())));
    }
    let deadline = Deadline::after(options.timeout);
    let mut http = Http::new(options, deadline)?;
    let mut report = JwtReport {
        target: url.to_string(),
        token: None,
        issuer: None,
        weak_secret: None,
        attempts: Vec::new(),
        not_tested: Vec::new(),
        findings: Vec::new(),
        errors: Vec::new(),
        requests: 0,
        duration_ms: 0,
    };
    let jws = match &options.token {
        Some(t) => match parse_jws(t) {
            Ok(j) => Some(j),
            Err(e) => return Err(ProbeError::Input(format!("the token is malformed: {e}"))),
        },
        None => None,
    };

    // Passive: the token. A cracked HMAC secret signs the expired and wrong-audience tokens
    // when no key was given, as an attacker holding it would.
    let mut cracked: Option<String> = None;
    progress("token");
    if let (Some(token), Some(jws)) = (&options.token, &jws) {
        let info = inspect(token, jws);
        passive_findings(&info, &mut report.findings);
        report.token = Some(info);
        progress("secret list");
        if let Some(secret) = crack(jws) {
            cracked = Some(secret.clone());
            report.findings.push(ProbeFinding::of(
                "jwt.weak-hmac-secret",
                Severity::Critical,
                format!(
                    "the token's {} signature verifies with a secret from the bundled list ({})",
                    report.token.as_ref().map_or("HMAC", |t| t.alg.as_str()),
                    mask_secret(&secret)
                ),
            ));
            report.weak_secret = Some(mask_secret(&secret));
        }
    }

    // Passive: discovery and JWKS.
    progress("discovery");
    let discovery_url = options.discovery.clone().or_else(|| {
        report
            .token
            .as_ref()
            .and_then(|t| t.iss.as_ref())
            .filter(|iss| iss.starts_with("http://") || iss.starts_with("https://"))
            .map(|iss| {
                format!(
                    "{}/.well-known/openid-configuration",
                    iss.trim_end_matches('/')
                )
            })
    });
    let mut public_keys: Vec<Value> = Vec::new();
    if let Some(d) = discovery_url {
        let info = issuer(&mut http, &d, &mut report);
        public_keys = info.1;
        report.issuer = Some(info.0);
    } else {
        report.not_tested.push((
            "discovery and JWKS".into(),
            "no discovery URL given and the token names no http(s) issuer".into(),
        ));
    }

    // Active (or only the baselines).
    if options.active || options.check_anonymous {
        progress(if options.active {
            "active checks"
        } else {
            "authentication"
        });
        active(
            &mut http,
            url,
            options,
            jws.as_ref(),
            &public_keys,
            cracked.as_deref(),
            &mut report,
        );
    } else {
        report.not_tested.push((
            "forged tokens".into(),
            "active checks were not requested (--active)".into(),
        ));
    }

    report.requests = http.sent;
    report
        .findings
        .sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
    report.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(report)
}

fn mask_secret(secret: &str) -> String {
    if secret.is_empty() {
        return "the empty secret".into();
    }
    let head: String = secret.chars().take(2).collect();
    format!("{head}… ({} characters)", secret.chars().count())
}

/// Tries every bundled secret against an HMAC-signed token, offline.
fn crack(jws: &Jws) -> Option<String> {
    let alg = jws.header.get("alg").and_then(Value::as_str)?;
    let algorithm = match alg {
        "HS256" => aws_lc_rs::hmac::HMAC_SHA256,
        "HS384" => aws_lc_rs::hmac::HMAC_SHA384,
        "HS512" => aws_lc_rs::hmac::HMAC_SHA512,
        _ => return None,
    };
    // The empty secret first: some libraries sign with it when a key is missing from config.
    std::iter::once("")
        .chain(secrets())
        .find(|s| {
            let key = aws_lc_rs::hmac::Key::new(algorithm, s.as_bytes());
            aws_lc_rs::hmac::verify(&key, jws.signing_input.as_bytes(), &jws.signature).is_ok()
        })
        .map(str::to_string)
}

fn is_loopback_http(url: &str) -> bool {
    ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|p| url.starts_with(p))
}

/// The discovery document and the JWKS it names; returns the public keys as JWK JSON.
fn issuer(http: &mut Http, url: &str, report: &mut JwtReport) -> (IssuerInfo, Vec<Value>) {
    let mut info = IssuerInfo {
        discovery_url: Some(url.to_string()),
        ..IssuerInfo::default()
    };
    let mut not_https = Vec::new();
    if url.starts_with("http://") && !is_loopback_http(url) {
        not_https.push(format!("discovery {url}"));
    }
    let doc: Value = match http.get(url, None) {
        Ok(a) if a.status == 200 => match serde_json::from_slice(&a.body) {
            Ok(v @ Value::Object(_)) => v,
            Ok(_) => {
                report.errors.push(format!(
                    "{url}: the discovery document is not a JSON object"
                ));
                return (info, Vec::new());
            }
            Err(e) => {
                report.errors.push(format!(
                    "{url}: the discovery document {}",
                    json_problem(&e)
                ));
                return (info, Vec::new());
            }
        },
        Ok(a) => {
            report.errors.push(format!(
                "{url}: HTTP {} for the discovery document{}",
                a.status,
                a.location
                    .map(|l| format!(" (redirect to {l}, not followed)"))
                    .unwrap_or_default()
            ));
            return (info, Vec::new());
        }
        Err(e) => {
            report.errors.push(format!("{url}: {e}"));
            return (info, Vec::new());
        }
    };
    info.issuer = doc
        .get("issuer")
        .and_then(Value::as_str)
        .map(str::to_string);
    info.jwks_uri = doc
        .get("jwks_uri")
        .and_then(Value::as_str)
        .map(str::to_string);
    info.signing_algs = doc
        .get("id_token_signing_alg_values_supported")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if info
        .signing_algs
        .iter()
        .any(|a| a.eq_ignore_ascii_case("none"))
    {
        report.findings.push(ProbeFinding::of(
            "jwt.alg-none-advertised",
            Severity::High,
            format!("{url} lists `none` among its signing algorithms"),
        ));
    }
    let symmetric: Vec<&String> = info
        .signing_algs
        .iter()
        .filter(|a| a.starts_with("HS"))
        .collect();
    if !symmetric.is_empty() {
        report.findings.push(ProbeFinding::of(
            "jwt.symmetric-alg-advertised",
            Severity::Medium,
            format!(
                "{url} lists {}: every relying party would need the signing secret",
                symmetric
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    for u in [&info.issuer, &info.jwks_uri].into_iter().flatten() {
        if u.starts_with("http://") && !is_loopback_http(u) {
            not_https.push(u.clone());
        }
    }
    if !not_https.is_empty() {
        report.findings.push(ProbeFinding::of(
            "jwt.discovery-not-https",
            Severity::High,
            format!("not HTTPS: {}", not_https.join(", ")),
        ));
    }
    let Some(jwks_uri) = info.jwks_uri.clone() else {
        report
            .errors
            .push(format!("{url}: the discovery document names no jwks_uri"));
        return (info, Vec::new());
    };
    let jwks: Value = match http.get(&jwks_uri, None) {
        Ok(a) if a.status == 200 => match serde_json::from_slice(&a.body) {
            Ok(v) => v,
            Err(e) => {
                report
                    .errors
                    .push(format!("{jwks_uri}: the JWKS {}", json_problem(&e)));
                return (info, Vec::new());
            }
        },
        Ok(a) => {
            report
                .errors
                .push(format!("{jwks_uri}: HTTP {} for the JWKS", a.status));
            return (info, Vec::new());
        }
        Err(e) => {
            report.errors.push(format!("{jwks_uri}: {e}"));
            return (info, Vec::new());
        }
    };
    let Some(keys) = jwks.get("keys").and_then(Value::as_array) else {
        report
            .errors
            .push(format!("{jwks_uri}: the JWKS has no `keys` array"));
        return (info, Vec::new());
    };
    let mut kids = BTreeSet::new();
    let mut problems = Vec::new();
    let mut weak = Vec::new();
    info.keys_total = keys.len();
    for (i, k) in keys.iter().enumerate() {
        let s = |f: &str| k.get(f).and_then(Value::as_str).map(str::to_string);
        let kty = s("kty").unwrap_or_else(|| "(missing)".into());
        let bits = match kty.as_str() {
            "RSA" => s("n")
                .and_then(|n| B64.decode(n.trim_end_matches('=')).ok())
                .map(|n| {
                    let significant = n.iter().skip_while(|b| **b == 0).count();
                    u32::try_from(significant * 8).unwrap_or(0)
                }),
            "EC" => s("crv").map(|c| match c.as_str() {
                "P-256" => 256,
                "P-384" => 384,
                "P-521" => 521,
                _ => 0,
            }),
            "OKP" => Some(256),
            _ => None,
        };
        let kid = s("kid");
        match &kid {
            None => problems.push("a key has no `kid`".to_string()),
            Some(id) if !kids.insert(id.clone()) => {
                problems.push(format!("kid `{id}` is used twice"));
            }
            Some(_) => {}
        }
        if kty == "oct" {
            problems.push("the JWKS publishes a symmetric (`oct`) key".to_string());
        }
        if kty == "RSA" && bits.is_some_and(|b| b < 2048) {
            weak.push(format!(
                "RSA key `{}` has {} bits",
                kid.as_deref().unwrap_or("(no kid)"),
                bits.unwrap_or(0)
            ));
        }
        if i < MAX_KEYS_LISTED {
            info.keys.push(KeyInfo {
                kid,
                kty,
                alg: s("alg"),
                use_: s("use"),
                bits,
            });
        }
    }
    problems.dedup();
    if !weak.is_empty() {
        report.findings.push(ProbeFinding::of(
            "jwt.weak-jwks-key",
            Severity::High,
            format!(
                "{} (at least 2048 bits expected)",
                crate::text::capped(&weak, 10, "; ")
            ),
        ));
    }
    if !problems.is_empty() {
        report.findings.push(ProbeFinding::of(
            "jwt.jwks-problem",
            Severity::Medium,
            crate::text::capped(&problems, 10, "; "),
        ));
    }
    if keys.len() > MAX_KEYS_LISTED {
        report.errors.push(format!(
            "{jwks_uri}: the JWKS holds {} keys; the first {MAX_KEYS_LISTED} are listed and tried",
            keys.len()
        ));
    }
    (info, keys.iter().take(MAX_KEYS_LISTED).cloned().collect())
}

/// Keys of a JWKS listed in the report and tried in the key-confusion checks, at most.
const MAX_KEYS_LISTED: usize = 50;

/// Why a body is not usable JSON, for people: nested too deep, or where it stops parsing.
fn json_problem(e: &serde_json::Error) -> String {
    if e.to_string().contains("recursion limit") {
        "is nested more than 128 levels deep, which no real document is".to_string()
    } else {
        format!("is not JSON (line {}, column {})", e.line(), e.column())
    }
}

fn spki_der(algorithm: Vec<simple_asn1::ASN1Block>, key: Vec<u8>) -> Option<Vec<u8>> {
    use simple_asn1::ASN1Block::{BitString, Sequence};
    let bits = key.len() * 8;
    simple_asn1::to_der(&Sequence(
        0,
        vec![Sequence(0, algorithm), BitString(0, bits, key)],
    ))
    .ok()
}

fn pem_lf(label: &str, der: &[u8]) -> String {
    let config = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
    pem::encode_config(&pem::Pem::new(label, der), config)
}

/// The public key of a JWK in the encodings key-confusion attacks use as an HMAC secret.
fn confusion_secrets(jwk: &Value) -> Vec<(String, Vec<u8>)> {
    use simple_asn1::{ASN1Block, BigInt, BigUint, oid, to_der};
    let s = |f: &str| {
        jwk.get(f)
            .and_then(Value::as_str)
            .and_then(|v| B64.decode(v.trim_end_matches('=')).ok())
    };
    let mut out = Vec::new();
    let push_spki = |out: &mut Vec<(String, Vec<u8>)>, spki: Vec<u8>| {
        let spki_pem = pem_lf("PUBLIC KEY", &spki);
        out.push(("PEM".into(), spki_pem.clone().into_bytes()));
        out.push((
            "PEM, no final newline".into(),
            spki_pem.trim_end().as_bytes().to_vec(),
        ));
        out.push(("DER".into(), spki));
    };
    match jwk.get("kty").and_then(Value::as_str) {
        Some("RSA") => {
            let (Some(n), Some(e)) = (s("n"), s("e")) else {
                return out;
            };
            let uint = |b: &[u8]| ASN1Block::Integer(0, BigInt::from(BigUint::from_bytes_be(b)));
            let Ok(pkcs1) = to_der(&ASN1Block::Sequence(0, vec![uint(&n), uint(&e)])) else {
                return out;
            };
            let algorithm = vec![
                ASN1Block::ObjectIdentifier(0, oid!(1, 2, 840, 113_549, 1, 1, 1)),
                ASN1Block::Null(0),
            ];
            if let Some(spki) = spki_der(algorithm, pkcs1.clone()) {
                push_spki(&mut out, spki);
            }
            out.push((
                "PKCS#1 PEM".into(),
                pem_lf("RSA PUBLIC KEY", &pkcs1).into_bytes(),
            ));
        }
        Some("EC") => {
            let (Some(x), Some(y)) = (s("x"), s("y")) else {
                return out;
            };
            let curve = match jwk.get("crv").and_then(Value::as_str) {
                Some("P-256") => oid!(1, 2, 840, 10045, 3, 1, 7),
                Some("P-384") => oid!(1, 3, 132, 0, 34),
                Some("P-521") => oid!(1, 3, 132, 0, 35),
                _ => return out,
            };
            let algorithm = vec![
                ASN1Block::ObjectIdentifier(0, oid!(1, 2, 840, 10045, 2, 1)),
                ASN1Block::ObjectIdentifier(0, curve),
            ];
            let mut point = vec![0x04];
            point.extend(&x);
            point.extend(&y);
            if let Some(spki) = spki_der(algorithm, point) {
                push_spki(&mut out, spki);
            }
        }
        _ => {}
    }
    out.push((
        "JWK JSON".into(),
        serde_json::to_vec(jwk).unwrap_or_default(),
    ));
    out
}

fn hs256(header: &Value, claims: &Value, secret: &[u8]) -> String {
    let input = format!("{}.{}", b64_json(header), b64_json(claims));
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
    let tag = aws_lc_rs::hmac::sign(&key, input.as_bytes());
    format!("{input}.{}", B64.encode(tag.as_ref()))
}

/// A token re-signed with the test environment's key (`--key`).
fn resign(key: &str, header: &Map<String, Value>, claims: &Value) -> Result<String, String> {
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    let alg_name = header.get("alg").and_then(Value::as_str).unwrap_or("HS256");
    let alg: Algorithm = alg_name
        .parse()
        .map_err(|_| format!("cannot sign with alg `{alg_name}`"))?;
    let encoding = if key.contains("-----BEGIN") {
        match alg {
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => EncodingKey::from_rsa_pem(key.as_bytes()),
            Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(key.as_bytes()),
            Algorithm::EdDSA => EncodingKey::from_ed_pem(key.as_bytes()),
            _ => return Err(format!("a PEM key cannot sign {alg_name}")),
        }
        .map_err(|e| format!("unusable key: {e}"))?
    } else {
        EncodingKey::from_secret(key.as_bytes())
    };
    let mut h = Header::new(alg);
    h.kid = header
        .get("kid")
        .and_then(Value::as_str)
        .map(str::to_string);
    h.typ = header
        .get("typ")
        .and_then(Value::as_str)
        .map(str::to_string);
    encode(&h, claims, &encoding).map_err(|e| e.to_string())
}

const BASELINE: &str = "baseline with the given token";
const PSYCHIC: &str = "ECDSA signature of zeros (CVE-2022-21449)";

/// Sends one forged token; records and returns whether it was accepted (None: no answer).
fn attempt(
    http: &mut Http,
    url: &str,
    check: &str,
    token: Option<&str>,
    report: &mut JwtReport,
) -> Option<bool> {
    let request = format!(
        "GET {url}{}",
        token.map_or_else(
            || " without a token".into(),
            |t| format!(" with Authorization: Bearer {}", mask(t))
        )
    );
    match http.get(url, token) {
        Ok(a) => {
            let ok = accepted(a.status);
            report.attempts.push(Attempt {
                check: check.to_string(),
                request,
                status: Some(a.status),
                location: a.location,
                accepted: ok,
                must_refuse: check != BASELINE,
            });
            Some(ok)
        }
        Err(e) => {
            report.attempts.push(Attempt {
                check: check.to_string(),
                request,
                status: None,
                location: None,
                accepted: false,
                must_refuse: check != BASELINE,
            });
            report.errors.push(format!("{check}: {e}"));
            None
        }
    }
}

fn active(
    http: &mut Http,
    url: &str,
    options: &JwtOptions,
    jws: Option<&Jws>,
    keys: &[Value],
    cracked: Option<&str>,
    report: &mut JwtReport,
) {
    let skip = |report: &mut JwtReport, check: &str, why: &str| {
        report.not_tested.push((check.to_string(), why.to_string()));
    };
    // Baseline: no token must be refused.
    let anonymous = attempt(http, url, "baseline without a token", None, report);
    if anonymous == Some(true) {
        report.findings.push(ProbeFinding::of(
            "jwt.unauthenticated-access",
            Severity::Critical,
            format!("GET {url} without an Authorization header was answered with HTTP 2xx"),
        ));
        skip(
            report,
            "forged tokens",
            "the endpoint accepts requests without any token, so forgeries prove nothing more",
        );
        return;
    }
    let (Some(token), Some(jws)) = (options.token.as_deref(), jws) else {
        skip(
            report,
            "forged tokens",
            "no token was given (--token) to forge from",
        );
        return;
    };
    let baseline = attempt(http, url, BASELINE, Some(token), report);
    let expired_given = jws
        .claims
        .get("exp")
        .and_then(Value::as_i64)
        .is_some_and(|e| e < now());
    match baseline {
        Some(true) if expired_given => {
            report.findings.push(ProbeFinding::of(
                "jwt.expired-accepted",
                Severity::High,
                format!(
                    "the given token expired at {} and GET {url} accepted it",
                    jws.claims
                        .get("exp")
                        .map(ToString::to_string)
                        .unwrap_or_default()
                ),
            ));
        }
        Some(true) => {}
        Some(false) => {
            skip(
                report,
                "forged tokens",
                "the endpoint refuses the given token, so refusals of forgeries prove nothing",
            );
            return;
        }
        None => {
            skip(
                report,
                "forged tokens",
                "the endpoint did not answer the baseline request",
            );
            return;
        }
    }
    if !options.active {
        skip(
            report,
            "forged tokens",
            "active checks were not requested (--active)",
        );
        return;
    }
    let claims = Value::Object(jws.claims.clone());
    // Signature stripped, and payload tampered under the original signature.
    let parts: Vec<&str> = token.split('.').collect();
    let stripped = format!("{}.{}.", parts[0], parts[1]);
    let mut tampered_claims = jws.claims.clone();
    tampered_claims.insert("rampart_tampered".into(), json!(true));
    if let Some(sub) = tampered_claims
        .get("sub")
        .and_then(Value::as_str)
        .map(str::to_string)
    {
        tampered_claims.insert("sub".into(), json!(format!("{sub}-x")));
    }
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64_json(&Value::Object(tampered_claims.clone())),
        parts[2]
    );
    let mut unverified = Vec::new();
    if attempt(http, url, "signature stripped", Some(&stripped), report) == Some(true) {
        unverified.push("with its signature removed");
    }
    if attempt(
        http,
        url,
        "payload tampered, original signature",
        Some(&tampered),
        report,
    ) == Some(true)
    {
        unverified.push("with a changed payload under the original signature");
    }
    if unverified.is_empty() {
        signature_forgeries(http, url, jws, &claims, keys, report);
    } else {
        report.findings.push(ProbeFinding::of(
            "jwt.signature-not-verified",
            Severity::Critical,
            format!("GET {url} accepted the token {}", unverified.join(" and ")),
        ));
        let why =
            "the endpoint does not verify signatures at all, so this forgery proves nothing more";
        skip(report, "alg none", why);
        skip(report, "RS256-to-HS256 key confusion", why);
        skip(report, PSYCHIC, why);
    }
    // Expired and wrong-audience tokens, signed with the test environment's key.
    match options.key.as_deref().or(cracked) {
        Some(key) => {
            let mut expired = jws.claims.clone();
            expired.insert("exp".into(), json!(now() - 3600));
            expired.insert("iat".into(), json!(now() - 7200));
            match resign(key, &jws.header, &Value::Object(expired)) {
                Ok(t) => {
                    if attempt(
                        http,
                        url,
                        "expired token (validly signed)",
                        Some(&t),
                        report,
                    ) == Some(true)
                    {
                        report.findings.push(ProbeFinding::of(
                            "jwt.expired-accepted",
                            Severity::High,
                            format!("GET {url} accepted a correctly signed token that expired an hour ago"),
                        ));
                    }
                }
                Err(e) => skip(report, "expired token", &e),
            }
            let mut wrong = jws.claims.clone();
            wrong.insert("aud".into(), json!("rampart-wrong-audience"));
            match resign(key, &jws.header, &Value::Object(wrong)) {
                Ok(t) => {
                    if attempt(
                        http,
                        url,
                        "wrong audience (validly signed)",
                        Some(&t),
                        report,
                    ) == Some(true)
                    {
                        report.findings.push(ProbeFinding::of(
                            "jwt.wrong-audience-accepted",
                            Severity::High,
                            format!("GET {url} accepted a correctly signed token with aud `rampart-wrong-audience`"),
                        ));
                    }
                }
                Err(e) => skip(report, "wrong audience", &e),
            }
        }
        None => {
            if !expired_given {
                skip(
                    report,
                    "expired and wrong-audience tokens",
                    "no signing key was given (--key) for a test environment, and the given token has not expired",
                );
            }
        }
    }
}

/// alg none and RS/ES-to-HS key confusion: forgeries that only matter once the endpoint is known
/// to check signatures.
fn signature_forgeries(
    http: &mut Http,
    url: &str,
    jws: &Jws,
    claims: &Value,
    keys: &[Value],
    report: &mut JwtReport,
) {
    let skip = |report: &mut JwtReport, check: &str, why: &str| {
        report.not_tested.push((check.to_string(), why.to_string()));
    };
    // alg none, in its spellings.
    let mut none_accepted = Vec::new();
    for spelling in ["none", "None", "NONE", "nOnE"] {
        let mut h = jws.header.clone();
        h.insert("alg".into(), json!(spelling));
        let forged = format!("{}.{}.", b64_json(&Value::Object(h)), b64_json(claims));
        if attempt(
            http,
            url,
            &format!("alg `{spelling}` without signature"),
            Some(&forged),
            report,
        ) == Some(true)
        {
            none_accepted.push(spelling);
        }
    }
    if !none_accepted.is_empty() {
        report.findings.push(ProbeFinding::of(
            "jwt.alg-none-accepted",
            Severity::Critical,
            format!(
                "GET {url} accepted the token re-headed with alg {} and no signature",
                none_accepted
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    // RS/ES to HS key confusion.
    let alg = jws
        .header
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or_default();
    // ECDSA "psychic signatures" (CVE-2022-21449): r = s = 0, which Java 15-18 accepted.
    let zeros = match alg {
        "ES256" => Some(64),
        "ES384" => Some(96),
        "ES512" => Some(132),
        _ => None,
    };
    match zeros {
        Some(len) => {
            let forged = format!(
                "{}.{}.{}",
                b64_json(&Value::Object(jws.header.clone())),
                b64_json(claims),
                B64.encode(vec![0u8; len])
            );
            if attempt(http, url, PSYCHIC, Some(&forged), report) == Some(true) {
                report.findings.push(ProbeFinding::of(
                    "jwt.psychic-signature-accepted",
                    Severity::Critical,
                    format!(
                        "GET {url} accepted the token with its {alg} signature replaced by zeros \
                         (r = s = 0)"
                    ),
                ));
            }
        }
        None => skip(report, PSYCHIC, "the token is not ECDSA-signed"),
    }
    if alg.starts_with("RS") || alg.starts_with("ES") || alg.starts_with("PS") {
        let kid = jws.header.get("kid").and_then(Value::as_str);
        let candidates: Vec<&Value> = keys
            .iter()
            .filter(|k| kid.is_none() || k.get("kid").and_then(Value::as_str) == kid)
            .collect();
        if candidates.is_empty() {
            skip(
                report,
                "RS256-to-HS256 key confusion",
                "no public key of the token's issuer was found (no JWKS)",
            );
        } else {
            let mut h = jws.header.clone();
            h.insert("alg".into(), json!("HS256"));
            let h = Value::Object(h);
            let mut confused = None;
            'keys: for k in candidates {
                for (encoding, secret) in confusion_secrets(k) {
                    let forged = hs256(&h, claims, &secret);
                    if attempt(
                        http,
                        url,
                        &format!("HS256 keyed with the public key, {encoding}"),
                        Some(&forged),
                        report,
                    ) == Some(true)
                    {
                        confused = Some(encoding);
                        break 'keys;
                    }
                }
            }
            if let Some(encoding) = confused {
                report.findings.push(ProbeFinding::of(
                    "jwt.key-confusion",
                    Severity::Critical,
                    format!("GET {url} accepted an HS256 token whose HMAC secret was the issuer's public key ({encoding})"),
                ));
            }
        }
    } else {
        skip(
            report,
            "RS256-to-HS256 key confusion",
            "the token is not signed with a public-key algorithm",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_never_shows_the_token() {
        let t = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl";
        let m = mask(t);
        assert!(!m.contains("eyJzdWIi") && !m.contains("c2ln"));
        assert!(m.contains("52 chars"));
    }

    #[test]
    fn sensitive_claims_are_spotted() {
        let claims: Map<String, Value> = serde_json::from_value(json!({
            "sub": "u1", "email": "ann@example.com", "profile": {"card": "4111 1111 1111 1111"},
            "ssn_field": "123-45-6789", "iss": "https://id.example.com"
        }))
        .unwrap();
        let found = sensitive_claims(&claims);
        assert!(found.iter().any(|c| c.starts_with("email")));
        assert!(found.iter().any(|c| c.contains("card number")));
        assert!(found.iter().any(|c| c.contains("national id")));
        assert!(!found.iter().any(|c| c.starts_with("iss")));
    }

    #[test]
    fn secret_list_is_large_and_cracks_a_classic() {
        assert!(secrets().count() > 3000);
        let token = hs256(
            &json!({"alg": "HS256", "typ": "JWT"}),
            &json!({"sub": "1"}),
            b"your-256-bit-secret",
        );
        let jws = parse_jws(&token).unwrap();
        assert_eq!(crack(&jws).as_deref(), Some("your-256-bit-secret"));
        let strong = hs256(
            &json!({"alg": "HS256"}),
            &json!({"sub": "1"}),
            b"k4Jd9!vQ2#mZ8@rT5^wY1&pL7*eH3$uN",
        );
        assert_eq!(crack(&parse_jws(&strong).unwrap()), None);
    }

    #[test]
    fn malformed_tokens_are_described() {
        assert!(parse_jws("abc").unwrap_err().contains('3'));
        assert!(parse_jws("!!!.e30.").unwrap_err().contains("base64url"));
        assert!(
            parse_jws("bnVsbA.e30.")
                .unwrap_err()
                .contains("JSON object")
        );
    }

    fn findings_for(claims: &Value) -> (TokenInfo, Vec<String>) {
        let token = hs256(
            &json!({"alg": "HS256"}),
            claims,
            b"k4Jd9!vQ2#mZ8@rT5^wY1&pL7*eH3$uN",
        );
        let info = inspect(&token, &parse_jws(&token).unwrap());
        let mut findings = Vec::new();
        passive_findings(&info, &mut findings);
        (info, findings.into_iter().map(|f| f.id).collect())
    }

    #[test]
    fn out_of_range_time_claims_are_findings_not_overflows() {
        // Found by a reliability pass: a subtraction overflow in debug builds, a negative
        // lifetime and no finding in release builds.
        for claims in [
            json!({"exp": 1e300, "iat": -686_715, "iss": "i", "aud": "a"}),
            json!({"exp": i64::MAX, "iat": -1, "iss": "i", "aud": "a"}),
            json!({"exp": "tomorrow", "iat": 0, "iss": "i", "aud": "a"}),
            json!({"exp": f64::MIN_POSITIVE, "nbf": -1e308, "iss": "i", "aud": "a"}),
        ] {
            let (info, ids) = findings_for(&claims);
            assert!(
                ids.contains(&"jwt.invalid-time-claim".to_string()),
                "{claims}: {ids:?}"
            );
            assert!(
                info.lifetime_seconds.is_none_or(|l| l >= 0),
                "{claims}: {info:?}"
            );
        }
        let (info, ids) = findings_for(&json!({"exp": 1e300, "iat": 0, "iss": "i", "aud": "a"}));
        assert!(
            info.invalid_times[0].contains("`exp` is \"1e+300\""),
            "{info:?}"
        );
        assert!(!ids.contains(&"jwt.no-expiry".to_string()), "{ids:?}");
        // A far but valid expiry is a long lifetime, computed without overflow.
        let (info, ids) =
            findings_for(&json!({"exp": LATEST_TIME, "iat": 0, "iss": "i", "aud": "a"}));
        assert_eq!(info.lifetime_seconds, Some(LATEST_TIME));
        assert_eq!(ids, ["jwt.long-lifetime"]);
    }
}
