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
//! - ROBOT (Return Of Bleichenbacher's Oracle Threat, CVE-2017-13099 and its vendor kin): when
//!   the server takes RSA key exchange, five connections each send a ClientKeyExchange
//!   encrypted to the server's key, then ChangeCipherSpec and a Finished no key can decrypt.
//!   The five premaster blocks are the ROBOT paper's: one well formed, and four broken the ways
//!   a Bleichenbacher oracle tells apart (wrong first bytes, the 0x00 separator misplaced or
//!   missing, a wrong version in the premaster). A patched server answers all five the same
//!   way (it continues with a random premaster, RFC 5246 7.4.7.1); one whose answer (alert,
//!   close or silence) depends on the padding is an oracle that decrypts or signs with the
//!   server's key. A difference is confirmed by a second round before it is reported.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use super::hello::start;
use super::{
    Answer, HelloSpec, Prober, TlsReport, Vulnerabilities, alert_name, client_hello, group_ids,
    legacy_suites, message, version_name,
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
    /// Vulnerable (true), not (false), or unknown.
    fn answer(v: Option<&Verdict>) -> Option<bool> {
        match v {
            Some(Verdict::Vulnerable(_)) => Some(true),
            Some(Verdict::NotVulnerable(_)) => Some(false),
            Some(Verdict::Inconclusive(_)) | None => None,
        }
    }

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
    let heart = match report.features.heartbeat {
        Some(true) => run(p, "Heartbleed (CVE-2014-0160)", version, heartbleed),
        answered => {
            let verdict = if answered == Some(false) {
                Verdict::NotVulnerable("the server does not answer the heartbeat extension".into())
            } else {
                Verdict::Inconclusive("the heartbeat extension was not asked about".into())
            };
            p.log("Heartbleed (CVE-2014-0160)", verdict.text(), Instant::now());
            Some(verdict)
        }
    };
    let ccs = run(p, "CCS injection (CVE-2014-0224)", version, ccs);
    let robot = robot(p, version);
    report.vulnerabilities = Vulnerabilities {
        heartbleed: Verdict::answer(heart.as_ref()),
        ccs_injection: Verdict::answer(ccs.as_ref()),
        robot: Verdict::answer(robot.as_ref()),
    };
    for (verdict, id, severity) in [
        (heart, "tls.heartbleed", Severity::Critical),
        (ccs, "tls.ccs-injection", Severity::High),
        (robot, "tls.robot", Severity::Critical),
    ] {
        if let Some(Verdict::Vulnerable(why)) = verdict {
            report.findings.push(ProbeFinding::of(id, severity, why));
        }
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
    let verdict = match start(
        p.target,
        p.deadline.within(p.per_connection),
        p.preamble,
        &hello,
        true,
    ) {
        Err(e) => Verdict::Inconclusive(e),
        Ok((mut stream, answer)) => match answer {
            Answer::Hello {
                version: v,
                complete: true,
                ..
            } if v < 0x0304 => {
                stream.reset_read_count();
                stream.set_read_limit(64 * 1024);
                let _ = stream.shorten(QUIET);
                test(&mut stream, v)
            }
            other => Verdict::Inconclusive(format!(
                "no complete {} first flight ({})",
                version_name(version),
                super::describe_answer(&other)
            )),
        },
    };
    p.log(check, verdict.text(), started);
    Some(verdict)
}

/// One record from the server: (content type, body), or why there is none.
pub(super) fn record(stream: &mut Stream) -> Result<(u8, Vec<u8>), String> {
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

/// The ROBOT paper's five premaster blocks: one well formed, four broken in the ways a
/// Bleichenbacher oracle distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pkcs1 {
    Valid,
    /// `0x41 0x17` where `0x00 0x02` belongs.
    WrongStart,
    /// The separator moved into the premaster, so the message has the wrong length.
    MisplacedZero,
    /// No `0x00` separator at all.
    NoZero,
    /// The premaster's version is not the one the ClientHello offered.
    WrongVersion,
}

impl Pkcs1 {
    const ALL: [Pkcs1; 5] = [
        Pkcs1::Valid,
        Pkcs1::WrongStart,
        Pkcs1::MisplacedZero,
        Pkcs1::NoZero,
        Pkcs1::WrongVersion,
    ];

    fn name(self) -> &'static str {
        match self {
            Pkcs1::Valid => "well-formed",
            Pkcs1::WrongStart => "wrong first bytes",
            Pkcs1::MisplacedZero => "0x00 misplaced",
            Pkcs1::NoZero => "no 0x00 separator",
            Pkcs1::WrongVersion => "wrong premaster version",
        }
    }

    /// The `k`-byte block for a `k`-byte modulus, with `filler` (non-zero bytes) as padding
    /// and premaster randomness.
    fn block(self, k: usize, version: u16, filler: &[u8]) -> Vec<u8> {
        // 0x00 0x02, at least 8 bytes of padding, 0x00, then the 48-byte premaster.
        let mut m = vec![0x00, 0x02];
        m.extend_from_slice(&filler[..k - 3 - 48]);
        m.push(0x00);
        let [hi, lo] = match self {
            Pkcs1::WrongVersion => [0x02, 0x02],
            _ => version.to_be_bytes(),
        };
        m.extend_from_slice(&[hi, lo]);
        m.extend_from_slice(&filler[k - 48..k - 2]);
        let separator = k - 49;
        match self {
            Pkcs1::Valid | Pkcs1::WrongVersion => {}
            Pkcs1::WrongStart => m[..2].copy_from_slice(&[0x41, 0x17]),
            Pkcs1::MisplacedZero => {
                m[separator] = 0x11;
                m[k - 10] = 0x00;
            }
            Pkcs1::NoZero => m[separator] = 0x11,
        }
        m
    }
}

/// The server's RSA key (modulus, exponent) from a first flight's Certificate.
pub(super) fn rsa_key(flight: &[(u8, Vec<u8>)]) -> Option<(Vec<u8>, Vec<u8>)> {
    let (_, body) = flight.iter().find(|(t, _)| *t == 11)?;
    let leaf = super::parse_certificate_list(body).into_iter().next()?;
    let (_, cert) = x509_parser::parse_x509_certificate(&leaf).ok()?;
    match cert.public_key().parsed().ok()? {
        x509_parser::public_key::PublicKey::RSA(key) => {
            let trim = |b: &[u8]| {
                let start = b.iter().position(|x| *x != 0).unwrap_or(b.len());
                b[start..].to_vec()
            };
            Some((trim(key.modulus), trim(key.exponent)))
        }
        _ => None,
    }
}

/// `block` (as long as the modulus) raised to the public exponent: the ciphertext, as long as
/// the modulus.
pub(super) fn rsa_encrypt(n: &[u8], e: &[u8], block: &[u8]) -> Vec<u8> {
    let c = num_bigint::BigUint::from_bytes_be(block)
        .modpow(
            &num_bigint::BigUint::from_bytes_be(e),
            &num_bigint::BigUint::from_bytes_be(n),
        )
        .to_bytes_be();
    let mut out = vec![0u8; n.len() - c.len().min(n.len())];
    out.extend_from_slice(&c);
    out
}

/// The RSA key-exchange suites (static RSA), the only ones ROBOT concerns.
fn rsa_suites() -> Vec<u16> {
    legacy_suites()
        .iter()
        .copied()
        .filter(|id| {
            tls_parser::TlsCipherSuite::from_id(*id)
                .is_some_and(|s| s.kx == tls_parser::TlsCipherKx::Rsa)
        })
        .collect()
}

/// What one ROBOT connection saw.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Sent {
    /// The server's answer to the forged key exchange: its alert, close or silence.
    Answer(String),
    /// No RSA key exchange: the check does not apply.
    NoRsa(String),
    /// The connection failed before the key exchange could be sent.
    Failed(String),
}

fn robot(p: &mut Prober<'_>, version: u16) -> Option<Verdict> {
    const CHECK: &str = "ROBOT (Bleichenbacher oracle, CVE-2017-13099)";
    if !p.may(CHECK) {
        return None;
    }
    let started = Instant::now();
    let suites = rsa_suites();
    let mut filler = vec![0u8; 1024];
    if aws_lc_rs::rand::fill(&mut filler).is_err() {
        filler.fill(0x5a);
    }
    for b in &mut filler {
        if *b == 0 {
            *b = 0x5a;
        }
    }
    let round = |p: &Prober<'_>| -> Vec<Sent> {
        let (target, deadline, preamble) =
            (p.target, p.deadline.within(p.per_connection), p.preamble);
        let groups = group_ids();
        let hello = client_hello(
            HelloSpec::legacy(version, &suites, &groups),
            p.sni.as_deref(),
        );
        std::thread::scope(|s| {
            let workers: Vec<_> = Pkcs1::ALL
                .iter()
                .map(|kind| {
                    let (hello, filler) = (&hello, &filler);
                    s.spawn(move || {
                        robot_connection(target, deadline, preamble, hello, *kind, version, filler)
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| {
                    w.join()
                        .unwrap_or_else(|_| Sent::Failed("the check failed".into()))
                })
                .collect()
        })
    };
    let first = round(p);
    let verdict = robot_verdict(&first, || round(p));
    p.log(CHECK, verdict.text(), started);
    Some(verdict)
}

/// The verdict from a round of five answers; `again` runs a second round to confirm a
/// difference (a network hiccup must not be reported as an oracle).
fn robot_verdict(first: &[Sent], again: impl FnOnce() -> Vec<Sent>) -> Verdict {
    if let Some(Sent::NoRsa(why)) = first.iter().find(|s| matches!(s, Sent::NoRsa(_))) {
        return Verdict::NotVulnerable(format!("no RSA key exchange ({why})"));
    }
    if let Some(Sent::Failed(why)) = first.iter().find(|s| matches!(s, Sent::Failed(_))) {
        return Verdict::Inconclusive(why.clone());
    }
    let answers = |round: &[Sent]| -> Vec<String> {
        round
            .iter()
            .map(|s| match s {
                Sent::Answer(a) | Sent::NoRsa(a) | Sent::Failed(a) => a.clone(),
            })
            .collect()
    };
    let seen = answers(first);
    if seen.iter().all(|a| *a == seen[0]) {
        return Verdict::NotVulnerable(format!(
            "all five forged RSA key exchanges (well-formed, wrong first bytes, 0x00 misplaced, no 0x00, wrong version) were answered alike: {}",
            seen[0]
        ));
    }
    let described = Pkcs1::ALL
        .iter()
        .zip(&seen)
        .map(|(k, a)| format!("{}: {a}", k.name()))
        .collect::<Vec<_>>()
        .join("; ");
    let confirm = again();
    if answers(&confirm) != seen {
        return Verdict::Inconclusive(format!(
            "the answers differed between the padding variants but not the same way twice ({described})"
        ));
    }
    Verdict::Vulnerable(format!(
        "the server answers RSA key exchanges differently by their PKCS#1 padding, the same way twice ({described}): a Bleichenbacher oracle that lets an attacker decrypt recorded sessions and sign with the server's key"
    ))
}

/// One connection: hello, the server's first flight, then the forged key exchange,
/// ChangeCipherSpec and an undecryptable Finished; the server's answer.
fn robot_connection(
    target: &crate::probe::Target,
    deadline: crate::probe::Deadline,
    preamble: Option<crate::probe::starttls::Preamble>,
    hello: &[u8],
    kind: Pkcs1,
    version: u16,
    filler: &[u8],
) -> Sent {
    let (mut stream, answer) = match start(target, deadline, preamble, hello, true) {
        Ok(s) => s,
        Err(e) => return Sent::Failed(e),
    };
    let (v, flight) = match answer {
        Answer::Hello {
            version: v,
            complete: true,
            flight,
            ..
        } if v < 0x0304 => (v, flight),
        Answer::Alert(code) => {
            return Sent::NoRsa(format!(
                "the RSA suites were refused with {}",
                alert_name(code)
            ));
        }
        other => {
            return Sent::Failed(format!(
                "no complete {} first flight with RSA suites ({})",
                version_name(version),
                super::describe_answer(&other)
            ));
        }
    };
    let Some((n, e)) = rsa_key(&flight) else {
        return Sent::NoRsa("the certificate has no RSA key".into());
    };
    let k = n.len();
    if !(64..=1024).contains(&k) {
        return Sent::NoRsa(format!("a {}-bit RSA key", k * 8));
    }
    let encrypted = rsa_encrypt(&n, &e, &kind.block(k, v, filler));
    let [hi, lo] = v.to_be_bytes();
    let Ok(len) = u16::try_from(encrypted.len()) else {
        return Sent::NoRsa("the key is too large".into());
    };
    // ClientKeyExchange: the encrypted premaster with its two-byte length (TLS; SSLv3 has none).
    let mut body = Vec::with_capacity(k + 2);
    if v > 0x0300 {
        body.extend_from_slice(&len.to_be_bytes());
    }
    body.extend_from_slice(&encrypted);
    let handshake = message(16, &body);
    let mut out = vec![22, hi, lo];
    out.extend_from_slice(&u16::try_from(handshake.len()).unwrap_or(0).to_be_bytes());
    out.extend_from_slice(&handshake);
    out.extend_from_slice(&[20, hi, lo, 0, 1, 1]);
    // A "Finished" no key decrypts: 64 bytes (whole blocks, room for an IV and a MAC).
    out.extend_from_slice(&[22, hi, lo, 0, 64]);
    out.extend_from_slice(&[0x42; 64]);
    if let Err(e) = stream.write_all(&out) {
        return Sent::Answer(format!(
            "the key exchange could not be sent ({})",
            crate::probe::describe_io(&e)
        ));
    }
    stream.reset_read_count();
    stream.set_read_limit(64 * 1024);
    let _ = stream.shorten(QUIET);
    Sent::Answer(match record(&mut stream) {
        Ok((21, body)) => alert_name(body.get(1).copied().unwrap_or(0)),
        Ok((kind, _)) => format!("a record of type {kind}"),
        Err(why) => why,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_five_blocks_are_broken_exactly_where_they_should_be() {
        let k = 256;
        let filler = vec![0x77u8; 1024];
        for kind in Pkcs1::ALL {
            let m = kind.block(k, 0x0303, &filler);
            assert_eq!(m.len(), k, "{kind:?}");
            // Where PKCS#1 v1.5 decoding finds the message: after the first 0x00 past byte 2.
            let zero = m[2..].iter().position(|b| *b == 0).map(|i| i + 2);
            let start_ok = m[..2] == [0x00, 0x02];
            let length_ok = zero == Some(k - 49);
            let version_ok = m[k - 48..k - 46] == [0x03, 0x03];
            let expected = match kind {
                Pkcs1::Valid => (true, true, true),
                Pkcs1::WrongStart => (false, true, true),
                Pkcs1::MisplacedZero | Pkcs1::NoZero => (true, false, true),
                Pkcs1::WrongVersion => (true, true, false),
            };
            assert_eq!((start_ok, length_ok, version_ok), expected, "{kind:?}");
        }
        assert_eq!(
            Pkcs1::NoZero.block(k, 0x0303, &filler)[2..]
                .iter()
                .position(|b| *b == 0),
            None
        );
    }

    #[test]
    fn robot_verdicts() {
        let same = vec![Sent::Answer("bad_record_mac".into()); 5];
        assert!(matches!(
            robot_verdict(&same, || unreachable!("no second round when all agree")),
            Verdict::NotVulnerable(_)
        ));
        let mut oracle = same.clone();
        oracle[1] = Sent::Answer("decrypt_error".into());
        assert!(matches!(
            robot_verdict(&oracle, || oracle.clone()),
            Verdict::Vulnerable(t) if t.contains("wrong first bytes: decrypt_error")
        ));
        // A difference that does not repeat is not a verdict.
        assert!(matches!(
            robot_verdict(&oracle, || same.clone()),
            Verdict::Inconclusive(_)
        ));
        let mut no_rsa = same.clone();
        no_rsa[0] = Sent::NoRsa("handshake_failure".into());
        assert!(matches!(
            robot_verdict(&no_rsa, Vec::new),
            Verdict::NotVulnerable(_)
        ));
        let mut failed = same;
        failed[4] = Sent::Failed("timed out".into());
        assert!(matches!(
            robot_verdict(&failed, Vec::new),
            Verdict::Inconclusive(_)
        ));
    }
}
