//! Client-initiated renegotiation: whether a server lets a client restart the handshake
//! inside an established session. Each renegotiation costs the server a full key exchange
//! while the client pays little, so accepting it is a denial-of-service lever (and, without
//! RFC 5746, the prefix-injection attack that `tls.insecure-renegotiation` reports).
//!
//! The probe completes a real TLS 1.2 handshake by hand (see `session`: ECDHE, DHE or RSA key
//! exchange, GCM, ChaCha20 or CBC records), its server Finished verified, so a refusal is never
//! mistaken for a broken handshake of ours. Then a second ClientHello, encrypted, carries the
//! client's Finished in `renegotiation_info` as RFC 5746 requires: a ServerHello back means
//! accepted; an alert (`no_renegotiation`), a close or silence means refused. A server whose
//! TLS 1.2 suites the hand-made handshake does not speak (3DES, CAMELLIA, ARIA) is not tested,
//! and the result says so.

use std::time::{Duration, Instant};

use super::session::{Session, establish};
use super::suites::legacy_suites;
use super::{HelloSpec, Prober, TlsReport, alert_name, client_hello, version_name};
use crate::probe::ProbeFinding;
use crate::vocab::Severity;

const CHECK: &str = "Client-initiated renegotiation";
/// How long to wait for the answer to the renegotiating hello.
const QUIET: Duration = Duration::from_millis(400);

/// What the renegotiation attempt showed.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Accepted(String),
    Refused(String),
    /// The check could not run to a verdict (no suitable suite, a failed handshake).
    NotTested(String),
}

/// Runs the check at `version` (TLS 1.2 or older, one the server speaks); records the feature
/// and the finding.
pub(super) fn check(p: &mut Prober<'_>, report: &mut TlsReport, version: u16) {
    if !p.may(CHECK) {
        return;
    }
    let started = Instant::now();
    let outcome = match establish(p, version, false) {
        Ok(session) => attempt(session, p.sni.as_deref()),
        Err(e) => Outcome::NotTested(e),
    };
    let text = match &outcome {
        Outcome::Accepted(t) => {
            report.features.client_renegotiation = Some(true);
            report.findings.push(ProbeFinding::of(
                "tls.client-renegotiation",
                Severity::Medium,
                t.clone(),
            ));
            format!("ACCEPTED: {t}")
        }
        Outcome::Refused(t) => {
            report.features.client_renegotiation = Some(false);
            format!("refused: {t}")
        }
        Outcome::NotTested(t) => format!("not tested: {t}"),
    };
    p.log(CHECK, text, started);
}

/// Inside the established session, asks for a new handshake.
fn attempt(mut session: Session, sni: Option<&str>) -> Outcome {
    let verify = session.client_verify.clone();
    let groups = super::group_ids();
    let again = client_hello(
        HelloSpec::legacy(session.version, legacy_suites(), &groups).renegotiating(&verify),
        sni,
    );
    if let Err(why) = session.send(22, again.get(5..).unwrap_or_default()) {
        return Outcome::Refused(format!(
            "the connection closed before the renegotiating ClientHello ({why})"
        ));
    }
    let secure = if session.secure_renegotiation {
        "secure (RFC 5746) "
    } else {
        ""
    };
    let suite = session.suite.clone();
    let version = session.version;
    match session.receive(QUIET) {
        Ok((kind @ (21 | 22), Some(plain))) => match (kind, plain.first()) {
            (22, Some(2)) => Outcome::Accepted(format!(
                "after a full {} handshake ({suite}), a {secure}renegotiating ClientHello sent by the client was answered with a ServerHello: each renegotiation makes the server do a new key exchange, a denial-of-service lever",
                version_name(version)
            )),
            (21, _) => Outcome::Refused(format!(
                "the renegotiating ClientHello was answered with the alert {}",
                alert_name(plain.get(1).copied().unwrap_or(0))
            )),
            _ => Outcome::NotTested(format!(
                "the renegotiating ClientHello was answered with handshake message type {}",
                plain.first().copied().unwrap_or(0)
            )),
        },
        Ok((kind @ (21 | 22), None)) => Outcome::NotTested(format!(
            "the answer to the renegotiating ClientHello (a record of type {kind}) does not decrypt"
        )),
        Ok((kind, _)) => Outcome::NotTested(format!(
            "the renegotiating ClientHello was answered with a record of type {kind}"
        )),
        Err(why) => Outcome::Refused(format!(
            "no answer to the renegotiating ClientHello ({why})"
        )),
    }
}
