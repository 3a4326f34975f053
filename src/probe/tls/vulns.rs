//! Known implementation vulnerabilities, tested the safe way testssl.sh and sslyze do: detect,
//! never exploit. Each opens one connection, completes the server's first flight with a
//! hand-built TLS 1.2 (or older) hello, sends one malformed or premature record and judges the
//! server by its answer:
//!
//! - Heartbleed (CVE-2014-0160): a heartbeat request claiming three bytes more than it
//!   carries, and no padding. RFC 6520 tells a server to drop it silently; a vulnerable one
//!   echoes the claimed length, three bytes of its own memory included.
//! - CCS injection (CVE-2014-0224): two ChangeCipherSpec records before any key exchange. A
//!   patched server refuses the first with `unexpected_message`; a vulnerable one accepts it,
//!   switches to keys made from an empty master secret, and fails the second one's MAC
//!   (`bad_record_mac` / `decryption_failed`).

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use super::{
    Answer, HelloSpec, MAX_FLIGHT, Prober, TlsReport, alert_name, client_hello, group_ids,
    legacy_suites, open, read_answer, version_name,
};
use crate::probe::{ProbeFinding, Stream};
use crate::vocab::Severity;

/// How long to wait for an answer a patched server never sends.
const QUIET: Duration = Duration::from_millis(400);

/// What a vulnerability check concluded.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Vulnerable(String),
    NotVulnerable(String),
    /// The server answered in a way that proves neither.
    Inconclusive(String),
}

impl Verdict {
    fn text(&self) -> String {
        match self {
            Verdict::Vulnerable(t) => format!("VULNERABLE: {t}"),
            Verdict::NotVulnerable(t) => format!("not vulnerable: {t}"),
            Verdict::Inconclusive(t) => format!("inconclusive: {t}"),
        }
    }
}

/// Runs the checks that apply and adds their findings; `version` is the best protocol below
/// TLS 1.3 the server accepts.
pub(super) fn check(p: &mut Prober<'_>, report: &mut TlsReport, version: u16) {
    if report.features.heartbeat == Some(true) {
        if let Some(Verdict::Vulnerable(why)) =
            run(p, "Heartbleed (CVE-2014-0160)", version, heartbleed)
        {
            report
                .findings
                .push(ProbeFinding::of("tls.heartbleed", Severity::Critical, why));
        }
    } else {
        p.log(
            "Heartbleed (CVE-2014-0160)",
            "not vulnerable: the server does not answer the heartbeat extension".into(),
            Instant::now(),
        );
    }
    if let Some(Verdict::Vulnerable(why)) = run(p, "CCS injection (CVE-2014-0224)", version, ccs) {
        report
            .findings
            .push(ProbeFinding::of("tls.ccs-injection", Severity::High, why));
    }
}

/// One connection up to the server's ServerHelloDone, then `test` on it.
fn run(
    p: &mut Prober<'_>,
    check: &str,
    version: u16,
    test: fn(&mut Stream, u16) -> Verdict,
) -> Option<Verdict> {
    if !p.may(check) {
        return None;
    }
    let started = Instant::now();
    let groups = group_ids();
    let hello = client_hello(
        HelloSpec::legacy(version, legacy_suites(), &groups),
        p.sni.as_deref(),
    );
    let verdict = match open(p.target, p.deadline.within(p.per_connection), p.preamble) {
        Err(e) => Verdict::Inconclusive(e),
        Ok(mut stream) => {
            stream.set_read_limit(MAX_FLIGHT);
            if let Err(e) = stream.write_all(&hello) {
                Verdict::Inconclusive(format!("cannot send the ClientHello: {e}"))
            } else {
                match read_answer(&mut stream, true) {
                    Answer::Hello {
                        version: v,
                        complete: true,
                        ..
                    } if v < 0x0304 => {
                        stream.reset_read_count();
                        stream.set_read_limit(64 * 1024);
                        stream.shorten(QUIET);
                        test(&mut stream, v)
                    }
                    other => Verdict::Inconclusive(format!(
                        "no complete {} first flight ({})",
                        version_name(version),
                        super::describe_answer(&other)
                    )),
                }
            }
        }
    };
    p.log(check, verdict.text(), started);
    Some(verdict)
}

/// One record from the server: (content type, body), or why there is none.
fn record(stream: &mut Stream) -> Result<(u8, Vec<u8>), String> {
    let mut header = [0u8; 5];
    stream
        .read_exact(&mut header)
        .map_err(|e| crate::probe::describe_io(&e))?;
    let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
    if len > 16384 + 2048 {
        return Err(format!("a record of {len} bytes"));
    }
    let mut body = vec![0u8; len];
    stream
        .read_exact(&mut body)
        .map_err(|e| crate::probe::describe_io(&e))?;
    Ok((header[0], body))
}

/// The bytes a heartbeat request carries, and the three more it claims.
const PAYLOAD: usize = 16;
const CLAIMED: usize = PAYLOAD + 3;

fn heartbleed(stream: &mut Stream, version: u16) -> Verdict {
    let [hi, lo] = version.to_be_bytes();
    let mut request = vec![24, hi, lo, 0, u8::try_from(3 + PAYLOAD).unwrap_or(0)];
    request.push(1); // heartbeat_request
    request.extend_from_slice(&u16::try_from(CLAIMED).unwrap_or(0).to_be_bytes());
    request.extend_from_slice(&[0x52; PAYLOAD]); // "RRRR…", no padding
    if let Err(e) = stream.write_all(&request) {
        return Verdict::Inconclusive(format!("cannot send the heartbeat: {e}"));
    }
    match record(stream) {
        Ok((24, body)) => Verdict::Vulnerable(format!(
            "a heartbeat request carrying {PAYLOAD} bytes but claiming {CLAIMED} (no padding, which RFC 6520 says to drop) was answered with a {}-byte heartbeat: the server echoes memory beyond the request",
            body.len()
        )),
        Ok((21, body)) => Verdict::NotVulnerable(format!(
            "the malformed heartbeat was refused ({})",
            alert_name(body.get(1).copied().unwrap_or(0))
        )),
        Ok((kind, _)) => Verdict::Inconclusive(format!(
            "the server answered the heartbeat with a record of type {kind}"
        )),
        Err(why) => Verdict::NotVulnerable(format!(
            "the malformed heartbeat was dropped ({why} waiting for an answer)"
        )),
    }
}

fn ccs(stream: &mut Stream, version: u16) -> Verdict {
    let [hi, lo] = version.to_be_bytes();
    let change = [20, hi, lo, 0, 1, 1];
    let mut twice = change.to_vec();
    twice.extend_from_slice(&change);
    if let Err(e) = stream.write_all(&twice) {
        return Verdict::Inconclusive(format!("cannot send ChangeCipherSpec: {e}"));
    }
    match record(stream) {
        Ok((21, body)) => match body.get(1).copied().unwrap_or(0) {
            10 => Verdict::NotVulnerable(
                "a ChangeCipherSpec before the key exchange was refused (unexpected_message)"
                    .into(),
            ),
            code @ (20 | 21) => Verdict::Vulnerable(format!(
                "two ChangeCipherSpec records before any key exchange: the server took the first (switching to keys from an empty master secret) and failed the second's MAC ({})",
                alert_name(code)
            )),
            code => Verdict::Inconclusive(format!(
                "the early ChangeCipherSpec was answered with {}",
                alert_name(code)
            )),
        },
        Ok((kind, _)) => Verdict::Inconclusive(format!(
            "the early ChangeCipherSpec was answered with a record of type {kind}"
        )),
        Err(why) => {
            Verdict::Inconclusive(format!("no answer to an early ChangeCipherSpec ({why})"))
        }
    }
}
