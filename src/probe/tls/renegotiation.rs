//! Client-initiated renegotiation: whether a server lets a client restart the handshake
//! inside an established session. Each renegotiation costs the server a full key exchange
//! while the client pays little, so accepting it is a denial-of-service lever (and, without
//! RFC 5746, the prefix-injection attack that `tls.insecure-renegotiation` reports).
//!
//! rustls never renegotiates, so the probe completes a real TLS 1.2 handshake by hand: ECDHE
//! (X25519 or P-256) with AES-128-GCM, the keys, Finished messages and records made with
//! aws-lc-rs's agreement, TLS PRF and AEAD. The server's Finished is verified, so a refusal is
//! never mistaken for a broken handshake of ours. Then a second ClientHello, encrypted, carries
//! the client's Finished in `renegotiation_info` as RFC 5746 requires: a ServerHello back means
//! accepted; an alert (`no_renegotiation`), a close or silence means refused. Other suites and
//! older protocols are not tested (said so in the result).

use std::io::Write;
use std::time::{Duration, Instant};

use aws_lc_rs::aead::{AES_128_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::agreement::{self, EphemeralPrivateKey, UnparsedPublicKey};
use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::tls_prf::{P_SHA256, Secret};

use super::vulns::record;
use super::{
    Answer, EXT_EMS, EXT_RENEGOTIATION_INFO, HelloSpec, MAX_FLIGHT, Prober, TlsReport, alert_name,
    client_hello, client_hello_with, describe_answer, message, open, read_answer,
};
use crate::probe::{ProbeFinding, Stream};
use crate::vocab::Severity;

const CHECK: &str = "Client-initiated renegotiation";
/// ECDHE-ECDSA- and ECDHE-RSA-AES128-GCM-SHA256: AES-128-GCM records, the SHA-256 PRF.
const SUITES: [u16; 2] = [0xc02b, 0xc02f];
const X25519: u16 = 0x001d;
const P256: u16 = 0x0017;
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

/// Runs the check on a server that speaks TLS 1.2; records the feature and the finding.
pub(super) fn check(p: &mut Prober<'_>, report: &mut TlsReport) {
    if !p.may(CHECK) {
        return;
    }
    let started = Instant::now();
    let outcome = match open(p.target, p.deadline.within(p.per_connection), p.preamble) {
        Ok(mut stream) => attempt(&mut stream, p.sni.as_deref()),
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

/// The session's record keys, one direction.
struct Direction {
    key: LessSafeKey,
    iv: [u8; 4],
    seq: u64,
}

impl Direction {
    fn new(key: &[u8], iv: &[u8]) -> Option<Self> {
        Some(Direction {
            key: LessSafeKey::new(UnboundKey::new(&AES_128_GCM, key).ok()?),
            iv: iv.try_into().ok()?,
            seq: 0,
        })
    }

    /// The nonce (implicit IV and the explicit sequence number) and the additional data.
    fn nonce_aad(&self, kind: u8, len: usize) -> Option<(Nonce, [u8; 13])> {
        let mut nonce = [0u8; 12];
        nonce[..4].copy_from_slice(&self.iv);
        nonce[4..].copy_from_slice(&self.seq.to_be_bytes());
        let mut aad = [0u8; 13];
        aad[..8].copy_from_slice(&self.seq.to_be_bytes());
        aad[8] = kind;
        aad[9..11].copy_from_slice(&[3, 3]);
        aad[11..].copy_from_slice(&u16::try_from(len).ok()?.to_be_bytes());
        Some((Nonce::assume_unique_for_key(nonce), aad))
    }

    /// A whole TLS 1.2 record of `kind` carrying `plain`, sealed.
    fn seal(&mut self, kind: u8, plain: &[u8]) -> Option<Vec<u8>> {
        let (nonce, aad) = self.nonce_aad(kind, plain.len())?;
        let mut body = plain.to_vec();
        self.key
            .seal_in_place_append_tag(nonce, Aad::from(aad), &mut body)
            .ok()?;
        let mut record = vec![kind, 3, 3];
        record.extend_from_slice(&u16::try_from(8 + body.len()).ok()?.to_be_bytes());
        record.extend_from_slice(&self.seq.to_be_bytes());
        record.extend_from_slice(&body);
        self.seq += 1;
        Some(record)
    }

    /// The plaintext of a received record body (explicit nonce, ciphertext, tag).
    fn open(&mut self, kind: u8, body: &[u8]) -> Option<Vec<u8>> {
        let explicit = body.get(..8)?;
        let mut sealed = body.get(8..)?.to_vec();
        let len = sealed.len().checked_sub(16)?;
        let mut nonce = [0u8; 12];
        nonce[..4].copy_from_slice(&self.iv);
        nonce[4..].copy_from_slice(explicit);
        let (_, aad) = self.nonce_aad(kind, len)?;
        let plain = self
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                &mut sealed,
            )
            .ok()?
            .to_vec();
        self.seq += 1;
        Some(plain)
    }
}

/// The TLS 1.2 PRF with SHA-256 (aws-lc-rs), `len` bytes.
fn prf(secret: &[u8], label: &[u8], seed: &[u8], len: usize) -> Option<Vec<u8>> {
    Some(
        Secret::new(&P_SHA256, secret)
            .ok()?
            .derive(label, seed, len)
            .ok()?
            .as_ref()
            .to_vec(),
    )
}

/// The server's ECDHE group and public point from its ServerKeyExchange.
fn server_share(ske: &[u8]) -> Option<(u16, &[u8])> {
    if *ske.first()? != 3 {
        return None; // not a named curve
    }
    let group = u16::from_be_bytes([*ske.get(1)?, *ske.get(2)?]);
    let len = usize::from(*ske.get(3)?);
    Some((group, ske.get(4..4 + len)?))
}

fn attempt(stream: &mut Stream, sni: Option<&str>) -> Outcome {
    use Outcome::NotTested;
    stream.set_read_limit(MAX_FLIGHT);
    let groups = [X25519, P256];
    let hello = client_hello(HelloSpec::legacy(0x0303, &SUITES, &groups), sni);
    if let Err(e) = stream.write_all(&hello) {
        return NotTested(format!("cannot send the ClientHello: {e}"));
    }
    let (server_hello, flight, extras) = match read_answer(stream, true) {
        Answer::Hello {
            version: 0x0303,
            complete: true,
            server_hello,
            flight,
            extras,
            ..
        } => (server_hello, flight, extras),
        other => {
            return NotTested(format!(
                "no TLS 1.2 handshake with ECDHE and AES-128-GCM ({})",
                describe_answer(&other)
            ));
        }
    };
    if extras.compression != 0 {
        return NotTested("the server chose TLS compression".into());
    }
    let Some(server_random) = server_hello.get(2..34).map(<[u8]>::to_vec) else {
        return NotTested("a ServerHello without a random".into());
    };
    let Some((group, point)) = flight
        .iter()
        .find(|(t, _)| *t == 12)
        .and_then(|(_, ske)| server_share(ske))
    else {
        return NotTested("no ECDHE ServerKeyExchange".into());
    };
    let algorithm = match group {
        X25519 => &agreement::X25519,
        P256 => &agreement::ECDH_P256,
        g => return NotTested(format!("the server chose group 0x{g:04x}")),
    };
    let Ok(mine) = EphemeralPrivateKey::generate(algorithm, &aws_lc_rs::rand::SystemRandom::new())
    else {
        return NotTested("cannot make a key share".into());
    };
    let Ok(public) = mine.compute_public_key() else {
        return NotTested("cannot make a key share".into());
    };
    let Ok(premaster) =
        agreement::agree_ephemeral(mine, UnparsedPublicKey::new(algorithm, point), (), |k| {
            Ok(k.to_vec())
        })
    else {
        return NotTested("the server's key share is not a valid point".into());
    };
    let mut cke = vec![u8::try_from(public.as_ref().len()).unwrap_or(0)];
    cke.extend_from_slice(public.as_ref());
    let cke = message(16, &cke);

    let mut transcript = hello.get(5..).unwrap_or_default().to_vec();
    transcript.extend(message(2, &server_hello));
    for (kind, body) in &flight {
        transcript.extend(message(*kind, body));
    }
    transcript.extend_from_slice(&cke);
    let client_random = hello.get(11..43).unwrap_or_default();
    let master = if extras.extensions.contains(&EXT_EMS) {
        prf(
            &premaster,
            b"extended master secret",
            digest(&SHA256, &transcript).as_ref(),
            48,
        )
    } else {
        prf(
            &premaster,
            b"master secret",
            &[client_random, &server_random].concat(),
            48,
        )
    };
    let keys = master.as_deref().and_then(|m| {
        prf(
            m,
            b"key expansion",
            &[&server_random, client_random].concat(),
            40,
        )
    });
    let (Some(master), Some(keys)) = (master, keys) else {
        return NotTested("key derivation failed".into());
    };
    let (Some(mut to_server), Some(mut from_server)) = (
        Direction::new(&keys[..16], &keys[32..36]),
        Direction::new(&keys[16..32], &keys[36..40]),
    ) else {
        return NotTested("key derivation failed".into());
    };
    let Some(verify) = prf(
        &master,
        b"client finished",
        digest(&SHA256, &transcript).as_ref(),
        12,
    ) else {
        return NotTested("key derivation failed".into());
    };
    let finished = message(20, &verify);
    let mut out = vec![22, 3, 3];
    out.extend_from_slice(&u16::try_from(cke.len()).unwrap_or(0).to_be_bytes());
    out.extend_from_slice(&cke);
    out.extend_from_slice(&[20, 3, 3, 0, 1, 1]);
    let Some(sealed) = to_server.seal(22, &finished) else {
        return NotTested("cannot encrypt the Finished".into());
    };
    out.extend(sealed);
    if let Err(e) = stream.write_all(&out) {
        return NotTested(format!("cannot send the key exchange: {e}"));
    }
    transcript.extend_from_slice(&finished);

    // The server's NewSessionTicket (in the transcript), ChangeCipherSpec and Finished.
    stream.reset_read_count();
    stream.set_read_limit(64 * 1024);
    let mut changed = false;
    loop {
        match record(stream) {
            Ok((22, body)) if !changed => transcript.extend_from_slice(&body),
            Ok((20, _)) if !changed => changed = true,
            Ok((22, body)) => {
                let expected = prf(
                    &master,
                    b"server finished",
                    digest(&SHA256, &transcript).as_ref(),
                    12,
                )
                .map(|v| message(20, &v));
                match from_server.open(22, &body) {
                    Some(plain) if Some(&plain) == expected.as_ref() => break,
                    Some(_) => return NotTested("the server's Finished does not verify".into()),
                    None => return NotTested("the server's Finished does not decrypt".into()),
                }
            }
            Ok((21, body)) => {
                let code = if changed {
                    from_server.open(21, &body).and_then(|a| a.get(1).copied())
                } else {
                    body.get(1).copied()
                };
                return NotTested(format!(
                    "the server refused the handshake ({})",
                    code.map_or_else(|| "an alert".into(), alert_name)
                ));
            }
            Ok((kind, _)) => {
                return NotTested(format!(
                    "a record of type {kind} before the server's Finished"
                ));
            }
            Err(why) => return NotTested(format!("{why} before the server's Finished")),
        }
    }

    // The session is up: ask for a new handshake inside it.
    let again = client_hello_with(HelloSpec::legacy(0x0303, &SUITES, &groups), sni, &verify);
    let Some(sealed) = to_server.seal(22, again.get(5..).unwrap_or_default()) else {
        return NotTested("cannot encrypt the renegotiating ClientHello".into());
    };
    if let Err(e) = stream.write_all(&sealed) {
        return Outcome::Refused(format!(
            "the connection closed before the renegotiating ClientHello ({})",
            crate::probe::describe_io(&e)
        ));
    }
    let secure = if extras.extensions.contains(&EXT_RENEGOTIATION_INFO) {
        "secure (RFC 5746) "
    } else {
        ""
    };
    stream.shorten(QUIET);
    match record(stream) {
        Ok((kind @ (21 | 22), body)) => match from_server.open(kind, &body) {
            Some(plain) if kind == 22 && plain.first() == Some(&2) => Outcome::Accepted(format!(
                "after a full TLS 1.2 handshake, a {secure}renegotiating ClientHello sent by the client was answered with a ServerHello: each renegotiation makes the server do a new key exchange, a denial-of-service lever"
            )),
            Some(plain) if kind == 21 => Outcome::Refused(format!(
                "the renegotiating ClientHello was answered with the alert {}",
                alert_name(plain.get(1).copied().unwrap_or(0))
            )),
            Some(plain) => Outcome::NotTested(format!(
                "the renegotiating ClientHello was answered with handshake message type {}",
                plain.first().copied().unwrap_or(0)
            )),
            None => Outcome::NotTested(
                "the answer to the renegotiating ClientHello does not decrypt".into(),
            ),
        },
        Ok((kind, _)) => Outcome::NotTested(format!(
            "the renegotiating ClientHello was answered with a record of type {kind}"
        )),
        Err(why) => Outcome::Refused(format!(
            "no answer to the renegotiating ClientHello ({why})"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_seal_and_open_with_the_sequence_number() {
        let key = [7u8; 16];
        let iv = [1, 2, 3, 4];
        let mut a = Direction::new(&key, &iv).unwrap();
        let mut b = Direction::new(&key, &iv).unwrap();
        let first = a.seal(22, b"hello").unwrap();
        assert_eq!(&first[..3], &[22, 3, 3]);
        // Header, 8-byte explicit nonce (the sequence number), 5 bytes and a 16-byte tag.
        assert_eq!(first.len(), 5 + 8 + 5 + 16);
        assert_eq!(&first[5..13], &0u64.to_be_bytes());
        assert_eq!(b.open(22, &first[5..]).unwrap(), b"hello");
        // Replayed or mislabelled, it does not open: the sequence and type are authenticated.
        assert!(b.open(22, &first[5..]).is_none());
        let second = a.seal(22, b"again").unwrap();
        assert!(b.open(21, &second[5..]).is_none());
    }

    #[test]
    fn the_server_share_is_read_from_a_named_curve_key_exchange() {
        let mut ske = vec![3, 0x00, 0x1d, 32];
        ske.extend_from_slice(&[9u8; 32]);
        ske.extend_from_slice(&[0x08, 0x04, 0, 2, 0xaa, 0xbb]); // signature, ignored
        assert_eq!(server_share(&ske), Some((X25519, &[9u8; 32][..])));
        assert_eq!(server_share(&[1, 0, 0x1d]), None);
        assert_eq!(server_share(&[3, 0, 0x1d, 40, 1]), None);
    }
}
