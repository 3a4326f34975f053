//! The TLS probe. Protocol versions and cipher suites are found the way testssl.sh and sslyze do
//! it, with hand-built ClientHellos (framed with tls-parser) whose ServerHello or alert is parsed
//! with tls-parser: that covers SSLv3, TLS 1.0 and 1.1, which rustls will not speak. The
//! certificate, client-certificate policy, ALPN and HSTS come from real handshakes with rustls.
//! Findings carry dotted ids (`tls.legacy-protocol`, ...) and the evidence that proves them.
//!
//! Every connection is bounded by a deadline and a byte limit; a server that does not answer,
//! answers garbage, closes mid-handshake or floods is reported per check, never a crash.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use serde::Serialize;
use tls_parser::{
    Serialize as _, TlsCipherEnc, TlsCipherEncMode, TlsCipherKx, TlsCipherSuite, TlsCipherSuiteID,
    TlsClientHelloContents, TlsCompressionID, TlsExtension, TlsMessage, TlsMessageHandshake,
    TlsPlaintext, TlsRecordHeader, TlsRecordType,
};

mod renegotiation;
mod vulns;

use super::starttls::{self, Preamble};
use super::{Cancel, Deadline, ProbeError, ProbeFinding, Stream, Target, connect, describe_io};
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
    /// The ServerHello gives a session id to resume with.
    pub session_ids: Option<bool>,
    /// The server issues session tickets (RFC 5077).
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
    /// A renegotiation the client starts inside a completed TLS 1.2 session is accepted.
    pub client_renegotiation: Option<bool>,
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
    pub grade: String,
    pub grade_reasons: Vec<String>,
    pub findings: Vec<ProbeFinding>,
    pub checks: Vec<Check>,
    pub duration_ms: u64,
}

impl TlsReport {
    /// The highest protocol version accepted.
    #[must_use]
    pub fn best_protocol(&self) -> Option<&'static str> {
        VERSIONS
            .iter()
            .rev()
            .map(|(_, k)| *k)
            .find(|k| self.protocols.get(k).copied().unwrap_or(false))
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

/// Every cipher suite tls-parser knows, except TLS 1.3 suites and signalling values.
fn legacy_suites() -> &'static [u16] {
    static SUITES: OnceLock<Vec<u16>> = OnceLock::new();
    SUITES.get_or_init(|| {
        (0..=u16::MAX)
            .filter(|id| {
                TlsCipherSuite::from_id(*id).is_some_and(|s| s.kx != TlsCipherKx::Tls13)
                    && !matches!(id, 0x00ff | 0x5600)
            })
            .collect()
    })
}

const TLS13_SUITES: [u16; 5] = [0x1301, 0x1302, 0x1303, 0x1304, 0x1305];

/// Named groups offered, most common first.
const GROUPS: [(u16, &str); 9] = [
    (0x001d, "x25519"),
    (0x0017, "secp256r1"),
    (0x0018, "secp384r1"),
    (0x0019, "secp521r1"),
    (0x001e, "x448"),
    (0x0100, "ffdhe2048"),
    (0x0101, "ffdhe3072"),
    (0x11ec, "X25519MLKEM768"),
    (0x11eb, "SecP256r1MLKEM768"),
];

const SIGNATURE_SCHEMES: [u16; 11] = [
    0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0807, 0x0401, 0x0501, 0x0601, 0x0201,
];

/// A TLS extension as bytes: type, length, data.
fn ext(kind: u16, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + data.len());
    out.extend_from_slice(&kind.to_be_bytes());
    out.extend_from_slice(&u16::try_from(data.len()).unwrap_or(0).to_be_bytes());
    out.extend_from_slice(data);
    out
}

fn u16_list(values: &[u16], len_bytes: usize) -> Vec<u8> {
    let body: Vec<u8> = values.iter().flat_map(|v| v.to_be_bytes()).collect();
    let mut out = Vec::new();
    if len_bytes == 1 {
        out.push(u8::try_from(body.len()).unwrap_or(0));
    } else {
        out.extend_from_slice(&u16::try_from(body.len()).unwrap_or(0).to_be_bytes());
    }
    out.extend_from_slice(&body);
    out
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    let _ = aws_lc_rs::rand::fill(&mut out);
    out
}

/// What a hand-built ClientHello is for.
#[derive(Clone, Copy)]
struct HelloSpec<'a> {
    /// `client_version` (0x0303 for TLS 1.3 hellos, which say 1.3 in `supported_versions`).
    version: u16,
    tls13: bool,
    suites: &'a [u16],
    groups: &'a [u16],
    /// Send a key share for the first group (TLS 1.3); without one the server answers with a
    /// HelloRetryRequest naming the group it wants.
    key_share: bool,
}

impl<'a> HelloSpec<'a> {
    /// A hello for SSLv3 to TLS 1.2 (no `supported_versions`, no key share).
    fn legacy(version: u16, suites: &'a [u16], groups: &'a [u16]) -> Self {
        HelloSpec {
            version,
            tls13: false,
            suites,
            groups,
            key_share: false,
        }
    }
}

/// A ClientHello record, framed and serialized with tls-parser.
fn client_hello(spec: HelloSpec<'_>, sni: Option<&str>) -> Vec<u8> {
    client_hello_with(spec, sni, &[])
}

/// A ClientHello whose `renegotiation_info` carries `verify_data`: empty on a first handshake,
/// the client's last Finished when renegotiating (RFC 5746).
fn client_hello_with(spec: HelloSpec<'_>, sni: Option<&str>, verify_data: &[u8]) -> Vec<u8> {
    let mut exts = Vec::new();
    if let Some(name) = sni {
        let mut entry = vec![0u8];
        entry.extend_from_slice(&u16::try_from(name.len()).unwrap_or(0).to_be_bytes());
        entry.extend_from_slice(name.as_bytes());
        let mut list = u16::try_from(entry.len())
            .unwrap_or(0)
            .to_be_bytes()
            .to_vec();
        list.extend_from_slice(&entry);
        exts.extend(ext(0x0000, &list));
    }
    if spec.version >= 0x0301 {
        exts.extend(ext(0x000a, &u16_list(spec.groups, 2)));
        exts.extend(ext(0x000b, &[1, 0]));
        let mut info = vec![u8::try_from(verify_data.len()).unwrap_or(0)];
        info.extend_from_slice(verify_data);
        exts.extend(ext(EXT_RENEGOTIATION_INFO, &info));
    }
    if spec.version >= 0x0303 {
        exts.extend(ext(0x000d, &u16_list(&SIGNATURE_SCHEMES, 2)));
    }
    if spec.version >= 0x0301 && !spec.tls13 {
        // What the ServerHello echoes tells the configuration (see `Extras`): extended
        // master secret, session tickets, OCSP stapling, heartbeat (peer may send).
        exts.extend(ext(EXT_EMS, &[]));
        exts.extend(ext(EXT_SESSION_TICKET, &[]));
        exts.extend(ext(EXT_STATUS_REQUEST, &[1, 0, 0, 0, 0]));
        exts.extend(ext(EXT_HEARTBEAT, &[1]));
    }
    if spec.tls13 {
        exts.extend(ext(0x002b, &u16_list(&[0x0304], 1)));
        exts.extend(ext(0x002d, &[1, 1]));
        let mut shares = Vec::new();
        if spec.key_share && spec.groups.first() == Some(&0x001d) {
            shares.extend_from_slice(&0x001du16.to_be_bytes());
            shares.extend_from_slice(&32u16.to_be_bytes());
            shares.extend_from_slice(&random_bytes::<32>());
        }
        let mut data = u16::try_from(shares.len())
            .unwrap_or(0)
            .to_be_bytes()
            .to_vec();
        data.extend_from_slice(&shares);
        exts.extend(ext(0x0033, &data));
    }
    let random = random_bytes::<32>();
    let session = random_bytes::<32>();
    let hello = TlsClientHelloContents {
        version: tls_parser::TlsVersion(spec.version),
        random: &random,
        session_id: Some(&session),
        ciphers: spec.suites.iter().map(|s| TlsCipherSuiteID(*s)).collect(),
        // DEFLATE first where the protocol allows it: a server that picks it compresses.
        comp: if spec.tls13 {
            vec![TlsCompressionID(0)]
        } else {
            vec![TlsCompressionID(1), TlsCompressionID(0)]
        },
        ext: Some(&exts),
    };
    let record = TlsPlaintext {
        hdr: TlsRecordHeader {
            record_type: TlsRecordType::Handshake,
            version: tls_parser::TlsVersion(spec.version.min(0x0301)),
            len: 0,
        },
        msg: vec![TlsMessage::Handshake(TlsMessageHandshake::ClientHello(
            hello,
        ))],
    };
    record.serialize().unwrap_or_default()
}

const EXT_STATUS_REQUEST: u16 = 0x0005;
const EXT_HEARTBEAT: u16 = 0x000f;
const EXT_EMS: u16 = 0x0017;
const EXT_SESSION_TICKET: u16 = 0x0023;
const EXT_RENEGOTIATION_INFO: u16 = 0xff01;
/// TLS_FALLBACK_SCSV (RFC 7507).
const FALLBACK_SCSV: u16 = 0x5600;
/// The alert a server sends a fallback hello below its best version.
const INAPPROPRIATE_FALLBACK: u8 = 86;

/// What else a ServerHello says: the extensions it echoed, the compression method it chose
/// and whether it gave a session id to resume with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Extras {
    extensions: Vec<u16>,
    compression: u8,
    session_id: bool,
    /// The random ends in RFC 8446's downgrade sentinel: a TLS 1.3 server answering an older
    /// hello says so, and TLS 1.3 clients refuse the downgrade.
    downgrade_sentinel: bool,
}

/// Handshake messages (type, body) of a server's first flight.
type Flight = Vec<(u8, Vec<u8>)>;

/// How a server answered a ClientHello.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Answer {
    /// A ServerHello: negotiated version (from `supported_versions` for TLS 1.3), suite, and
    /// the group named by a key share or HelloRetryRequest.
    Hello {
        version: u16,
        suite: u16,
        group: Option<u16>,
        /// The ServerHello's body, as sent (for a transcript).
        server_hello: Vec<u8>,
        /// The rest of the server's first flight (TLS 1.2 and older), when it was read.
        flight: Flight,
        /// The server went on as a real one does: its whole first flight up to
        /// ServerHelloDone (TLS 1.2 and older, when the whole flight was asked for), or
        /// encrypted records after a TLS 1.3 ServerHello. A ServerHello alone proves nothing.
        complete: bool,
        /// A TLS 1.3 HelloRetryRequest (the server wants another key share).
        retry: bool,
        /// Why reading stopped before the flight was complete.
        cut: Option<String>,
        extras: Extras,
    },
    Alert(u8),
    /// Bytes that are not TLS (the first few, for the report).
    NotTls(Vec<u8>),
    Closed,
    Failed(String),
}

impl Answer {
    /// Whether this answer is evidence that the server speaks `version`: a complete first
    /// flight with a certificate (or an anonymous suite) for TLS 1.2 and older, encrypted
    /// handshake records after a real (not retry) ServerHello for TLS 1.3.
    fn proves(&self, version: u16) -> bool {
        match self {
            Answer::Hello {
                version: v,
                suite,
                flight,
                complete,
                retry,
                ..
            } => {
                *v == version
                    && *complete
                    && !*retry
                    && (version == 0x0304
                        || flight
                            .iter()
                            .any(|(t, body)| *t == 11 && !parse_certificate_list(body).is_empty())
                        || classify(*suite, "").classes.contains(&"anonymous"))
            }
            _ => false,
        }
    }
}

/// The largest handshake message accepted while reading a server's first flight: room for a
/// realistic certificate chain (rustls itself stops at 64 KiB).
const MAX_HANDSHAKE: usize = 256 * 1024;
/// The most bytes read for one hello.
const MAX_FLIGHT: usize = 512 * 1024;
/// The random of a TLS 1.3 HelloRetryRequest (RFC 8446, 4.1.3).
const RETRY_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

fn record_version_ok(v: u16) -> bool {
    (0x0300..=0x0304).contains(&v)
}

/// A connection ready for a ClientHello: connected, and through the protocol's preamble
/// when the target needs one.
fn open(target: &Target, deadline: Deadline, preamble: Option<Preamble>) -> Result<Stream, String> {
    let mut stream =
        connect(target, deadline).map_err(|e| format!("cannot connect: {}", describe_io(&e)))?;
    if let Some(p) = preamble {
        starttls::upgrade(&mut stream, p)
            .map_err(|r| format!("{} upgrade failed: {}", p.name(), r.text()))?;
    }
    Ok(stream)
}

/// Sends a hello and reads the answer (the ServerHello, or with `whole_flight` every handshake
/// message up to ServerHelloDone).
fn exchange(
    target: &Target,
    deadline: Deadline,
    preamble: Option<Preamble>,
    hello: &[u8],
    whole_flight: bool,
) -> Answer {
    let mut stream = match open(target, deadline, preamble) {
        Ok(s) => s,
        Err(e) => return Answer::Failed(e),
    };
    stream.set_read_limit(MAX_FLIGHT);
    if let Err(e) = stream.write_all(hello) {
        return Answer::Failed(format!("cannot send the ClientHello: {}", describe_io(&e)));
    }
    read_answer(&mut stream, whole_flight)
}

fn read_answer(stream: &mut impl Read, whole_flight: bool) -> Answer {
    let mut buf: Vec<u8> = Vec::new();
    let mut handshake: Vec<u8> = Vec::new();
    let mut messages: Vec<(u8, Vec<u8>)> = Vec::new();
    // An encrypted record after the ServerHello: TLS 1.3 going on with its handshake.
    let mut encrypted = false;
    let mut chunk = [0u8; 16 * 1024];
    loop {
        // Parse every complete record in the buffer.
        loop {
            if buf.len() >= 5 {
                let kind = buf[0];
                let version = u16::from_be_bytes([buf[1], buf[2]]);
                let len = usize::from(u16::from_be_bytes([buf[3], buf[4]]));
                if !(20..=24).contains(&kind) || !record_version_ok(version) {
                    return Answer::NotTls(buf.iter().take(16).copied().collect());
                }
                if len > 16384 + 2048 {
                    return Answer::Failed(format!(
                        "invalid TLS record of {len} bytes (more than the 18432 allowed)"
                    ));
                }
            }
            let Ok((rest, record)) = tls_parser::parse_tls_raw_record(&buf) else {
                break;
            };
            let consumed = buf.len() - rest.len();
            let kind = record.hdr.record_type;
            let data = record.data.to_vec();
            buf.drain(..consumed);
            if kind == TlsRecordType::Alert {
                let code = data.get(1).copied().unwrap_or(0);
                if messages.is_empty() {
                    return Answer::Alert(code);
                }
                return hello_answer(
                    &messages,
                    false,
                    Some(format!("alert {} after the ServerHello", alert_name(code))),
                );
            }
            if kind == TlsRecordType::ApplicationData && !messages.is_empty() {
                encrypted = true;
            }
            if kind == TlsRecordType::Handshake {
                handshake.extend_from_slice(&data);
                // Split complete handshake messages.
                while handshake.len() >= 4 {
                    let mlen = (usize::from(handshake[1]) << 16)
                        | (usize::from(handshake[2]) << 8)
                        | usize::from(handshake[3]);
                    if mlen > MAX_HANDSHAKE {
                        return Answer::Failed(format!(
                            "the server announced a handshake message of {mlen} bytes (more than the {MAX_HANDSHAKE} accepted)"
                        ));
                    }
                    if handshake.len() < 4 + mlen {
                        break;
                    }
                    let msg: Vec<u8> = handshake.drain(..4 + mlen).collect();
                    messages.push((msg[0], msg[4..].to_vec()));
                }
            }
            if let Some(complete) = flight_done(&messages, encrypted, whole_flight) {
                return hello_answer(&messages, complete, None);
            }
        }
        let cut = match stream.read(&mut chunk) {
            Ok(0) => {
                if messages.is_empty() {
                    return if buf.is_empty() {
                        Answer::Closed
                    } else {
                        Answer::Failed("the server closed the connection mid-record".into())
                    };
                }
                "the server closed the connection before its first flight was complete".to_string()
            }
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                continue;
            }
            Err(e) => {
                if messages.is_empty() {
                    return if buf.is_empty() {
                        Answer::Failed(describe_io(&e))
                    } else {
                        Answer::Failed(format!(
                            "{} after {} of a record",
                            describe_io(&e),
                            bytes(buf.len())
                        ))
                    };
                }
                format!(
                    "{} after the ServerHello, before the first flight was complete",
                    describe_io(&e)
                )
            }
        };
        return hello_answer(&messages, false, Some(cut));
    }
}

/// What the probe makes of a server's bytes after a ClientHello (for fuzzing the record and
/// handshake parsing without a network): the answer, described as the probe's log would.
#[doc(hidden)]
#[must_use]
pub fn describe_server_bytes(bytes: &[u8], whole_flight: bool) -> String {
    let answer = read_answer(&mut std::io::Cursor::new(bytes), whole_flight);
    let proved = VERSIONS.iter().any(|(v, _)| answer.proves(*v));
    let chain = match &answer {
        Answer::Hello { flight, .. } => flight
            .iter()
            .filter(|(t, _)| *t == 11)
            .map(|(_, body)| parse_certificate_list(body).len())
            .sum(),
        _ => 0,
    };
    format!(
        "{} (proves a version: {proved}, certificates: {chain})",
        describe_answer(&answer)
    )
}

/// "1 byte", "300 bytes".
fn bytes(n: usize) -> String {
    if n == 1 {
        "1 byte".into()
    } else {
        format!("{n} bytes")
    }
}

/// Whether the server's answer so far is all that is waited for, and if so whether it is
/// complete: `Some(true)` for a whole TLS 1.2 flight (with `whole_flight`), a TLS 1.3 ServerHello
/// followed by encrypted records, or a HelloRetryRequest; `Some(false)` for a TLS 1.2
/// ServerHello when only it was asked for; `None` to read on.
fn flight_done(messages: &[(u8, Vec<u8>)], encrypted: bool, whole_flight: bool) -> Option<bool> {
    let (kind, body) = messages.first()?;
    if *kind != 2 {
        return Some(false);
    }
    match parse_server_hello(body) {
        Some(h) if h.version >= 0x0304 => (h.retry || encrypted).then_some(true),
        Some(_) if messages.iter().any(|(t, _)| *t == 14) => Some(true),
        Some(_) if !whole_flight => Some(false),
        Some(_) => None,
        None => Some(false),
    }
}

/// What a ServerHello says.
struct ServerHelloFacts {
    version: u16,
    suite: u16,
    group: Option<u16>,
    retry: bool,
    extras: Extras,
}

/// The facts of a ServerHello body, parsed with tls-parser.
fn parse_server_hello(body: &[u8]) -> Option<ServerHelloFacts> {
    let mut framed = vec![2u8];
    let len = u32::try_from(body.len()).ok()?.to_be_bytes();
    framed.extend_from_slice(&len[1..]);
    framed.extend_from_slice(body);
    let (_, msg) = tls_parser::parse_tls_message_handshake(&framed).ok()?;
    let TlsMessage::Handshake(TlsMessageHandshake::ServerHello(hello)) = msg else {
        return None;
    };
    let mut version = hello.version.0;
    let mut group = None;
    if let Some(ext) = hello.ext
        && let Ok((_, exts)) = tls_parser::parse_tls_server_hello_extensions(ext)
    {
        for e in exts {
            match e {
                TlsExtension::SupportedVersions(v) => {
                    if let Some(v) = v.first() {
                        version = v.0;
                    }
                }
                TlsExtension::KeyShare(data) if data.len() >= 2 => {
                    group = Some(u16::from_be_bytes([data[0], data[1]]));
                }
                _ => {}
            }
        }
    }
    let mut extensions = Vec::new();
    let mut rest = hello.ext.unwrap_or_default();
    while rest.len() >= 4 {
        extensions.push(u16::from_be_bytes([rest[0], rest[1]]));
        let len = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
        rest = rest.get(4 + len..).unwrap_or_default();
    }
    Some(ServerHelloFacts {
        version,
        suite: hello.cipher.0,
        group,
        retry: hello.random == RETRY_RANDOM,
        extras: Extras {
            extensions,
            compression: hello.compression.0,
            session_id: hello.session_id.is_some_and(|id| !id.is_empty()),
            downgrade_sentinel: hello.random.len() == 32
                && hello.random[24..31] == *b"DOWNGRD"
                && hello.random[31] <= 1,
        },
    })
}

fn hello_answer(messages: &[(u8, Vec<u8>)], complete: bool, cut: Option<String>) -> Answer {
    match messages.first() {
        Some((2, body)) => match parse_server_hello(body) {
            Some(h) => Answer::Hello {
                version: h.version,
                suite: h.suite,
                group: h.group,
                server_hello: body.clone(),
                flight: messages[1..].to_vec(),
                complete,
                retry: h.retry,
                cut,
                extras: h.extras,
            },
            None => Answer::Failed("unparseable ServerHello".into()),
        },
        Some((t, _)) => Answer::Failed(format!(
            "unexpected handshake message type {t} instead of a ServerHello"
        )),
        None => Answer::Closed,
    }
}

fn alert_name(code: u8) -> String {
    match code {
        0 => "close_notify".into(),
        10 => "unexpected_message".into(),
        20 => "bad_record_mac".into(),
        21 => "decryption_failed".into(),
        22 => "record_overflow".into(),
        30 => "decompression_failure".into(),
        40 => "handshake_failure".into(),
        42 => "bad_certificate".into(),
        47 => "illegal_parameter".into(),
        43 => "unsupported_certificate".into(),
        44 => "certificate_revoked".into(),
        45 => "certificate_expired".into(),
        46 => "certificate_unknown".into(),
        48 => "unknown_ca".into(),
        49 => "access_denied".into(),
        50 => "decode_error".into(),
        51 => "decrypt_error".into(),
        70 => "protocol_version".into(),
        71 => "insufficient_security".into(),
        80 => "internal_error".into(),
        86 => "inappropriate_fallback".into(),
        90 => "user_canceled".into(),
        100 => "no_renegotiation".into(),
        109 => "missing_extension".into(),
        110 => "unsupported_extension".into(),
        112 => "unrecognized_name".into(),
        116 => "certificate_required".into(),
        120 => "no_application_protocol".into(),
        c => format!("alert {c}"),
    }
}

fn describe_answer(a: &Answer) -> String {
    match a {
        Answer::Hello {
            version,
            suite,
            retry: true,
            ..
        } => format!(
            "HelloRetryRequest {} {}",
            version_name(*version),
            suite_name(*suite)
        ),
        Answer::Hello {
            version,
            suite,
            cut,
            ..
        } => format!(
            "ServerHello {} {}{}",
            version_name(*version),
            suite_name(*suite),
            cut.as_ref()
                .map(|c| format!(", then {c}"))
                .unwrap_or_default()
        ),
        Answer::Alert(c) => format!("refused ({})", alert_name(*c)),
        Answer::NotTls(bytes) => not_tls_text(bytes),
        Answer::Closed => "the server closed the connection without answering".into(),
        Answer::Failed(e) => e.clone(),
    }
}

fn not_tls_text(bytes: &[u8]) -> String {
    let head: Vec<u8> = bytes.iter().copied().take(24).collect();
    let printable = !head.is_empty()
        && head
            .iter()
            .all(|b| b.is_ascii_graphic() || matches!(b, b' ' | b'\r' | b'\n' | b'\t'));
    if bytes.starts_with(b"HTTP/") {
        "the server answered in plain HTTP, not TLS".to_string()
    } else if printable {
        let text: String = String::from_utf8_lossy(&head)
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        format!(
            "the server answered in plaintext, not TLS (\"{}…\")",
            text.trim_end()
        )
    } else {
        let hex: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
        format!(
            "the server answered with bytes that are not TLS ({} …)",
            hex.join(" ")
        )
    }
}

fn version_name(v: u16) -> &'static str {
    VERSIONS
        .iter()
        .find(|(w, _)| *w == v)
        .map_or("unknown version", |(_, k)| k)
}

fn suite_name(id: u16) -> String {
    TlsCipherSuite::from_id(id).map_or_else(|| format!("0x{id:04x}"), |s| s.name.to_string())
}

fn classify(id: u16, protocol: &'static str) -> SuiteInfo {
    let mut classes = Vec::new();
    let (fs, bits) = match TlsCipherSuite::from_id(id) {
        Some(s) => {
            let name = s.name;
            if s.enc == TlsCipherEnc::Null {
                classes.push("NULL");
            }
            if name.contains("_anon_")
                || matches!(s.kx, TlsCipherKx::Aecdh)
                || name.contains("ANON")
            {
                classes.push("anonymous");
            }
            if name.contains("EXPORT") {
                classes.push("EXPORT");
            }
            match s.enc {
                TlsCipherEnc::Rc4 => classes.push("RC4"),
                TlsCipherEnc::Des => classes.push("DES"),
                TlsCipherEnc::TripleDes => classes.push("3DES"),
                _ => {}
            }
            if s.enc_mode == TlsCipherEncMode::Cbc {
                classes.push("CBC");
            }
            if matches!(
                s.kx,
                TlsCipherKx::Rsa | TlsCipherKx::Dh | TlsCipherKx::Ecdh | TlsCipherKx::Psk
            ) {
                classes.push("static-RSA");
            }
            let aead = matches!(s.enc_mode, TlsCipherEncMode::Gcm | TlsCipherEncMode::Ccm)
                || s.enc == TlsCipherEnc::Chacha20_Poly1305
                || s.kx == TlsCipherKx::Tls13;
            if aead {
                classes.push("AEAD");
            }
            let fs = matches!(
                s.kx,
                TlsCipherKx::Dhe | TlsCipherKx::Ecdhe | TlsCipherKx::Tls13
            );
            // tls-parser 0.12's suite table gives ChaCha20-Poly1305 128 bits; its key is 256.
            let bits = if s.enc == TlsCipherEnc::Chacha20_Poly1305 {
                256
            } else {
                s.enc_size
            };
            (fs, bits)
        }
        None => (false, 0),
    };
    // Keep only the meaningful "static-RSA" (key exchange without forward secrecy).
    if fs {
        classes.retain(|c| *c != "static-RSA");
    }
    SuiteInfo {
        protocol,
        name: suite_name(id),
        id: format!("0x{id:04X}"),
        classes,
        forward_secrecy: fs,
        bits,
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
        certificate: None,
        starttls: None,
        client_cert: "unknown",
        client_cert_accepted: None,
        alpn: None,
        http: None,
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
            // Last: a server that refuses may hold the connection a while (openssl s_server
            // sleeps a second), which must not delay the other checks.
            if report.protocols.get("TLSv1.2").copied().unwrap_or(false) {
                progress("renegotiation");
                renegotiation::check(&mut p, &mut report);
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
            HelloSpec {
                version: 0x0303,
                tls13: true,
                suites: &TLS13_SUITES,
                groups: &groups,
                key_share: true,
            },
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

/// TLS_FALLBACK_SCSV: a hello one version below the best, saying it is a fallback, must be
/// refused with `inappropriate_fallback` (RFC 7507). Only testable when the server accepts a
/// lower version too.
fn fallback_scsv(
    p: &mut Prober<'_>,
    report: &mut TlsReport,
    evidence: &Evidence,
    best_legacy: Option<u16>,
) {
    let accepted: Vec<u16> = VERSIONS
        .iter()
        .filter(|(_, k)| report.protocols.get(k).copied().unwrap_or(false))
        .map(|(v, _)| *v)
        .collect();
    let best = if evidence.tls13_offered {
        Some(0x0304)
    } else {
        best_legacy
    };
    let Some(best) = best else { return };
    let Some(&below) = accepted.iter().rev().find(|v| **v < best && **v >= 0x0301) else {
        return;
    };
    let mut suites = legacy_suites().to_vec();
    suites.push(FALLBACK_SCSV);
    let groups = group_ids();
    let answer = p.hello(
        &format!("{} ClientHello with TLS_FALLBACK_SCSV", version_name(below)),
        HelloSpec::legacy(below, &suites, &groups),
        false,
    );
    // A TLS 1.3 server that marks the downgrade in its random (RFC 8446, 4.1.3) is
    // protected without the SCSV: TLS 1.3 clients refuse the ServerHello.
    report.features.fallback_scsv = match answer {
        Answer::Alert(INAPPROPRIATE_FALLBACK) => Some(true),
        Answer::Hello { extras, .. } => Some(extras.downgrade_sentinel),
        _ => None,
    };
}

/// Protocol versions, then the suites of each, then TLS 1.3 groups and the DH size. A version
/// counts as accepted only on evidence (see [`Answer::proves`]); TLS 1.3 is settled by the
/// handshakes that follow when the hand-built hello could not prove it.
fn protocols_and_suites(
    p: &mut Prober<'_>,
    report: &mut TlsReport,
    first: &Answer,
    quick: bool,
) -> Evidence {
    let groups = group_ids();
    let mut evidence = Evidence::default();
    let mut best_legacy: Option<(u16, Extras)> = None;
    for &(version, key) in &VERSIONS[..4] {
        let answer = if version == 0x0303 {
            first.clone()
        } else {
            p.hello(
                &format!("{key} ClientHello"),
                HelloSpec::legacy(version, legacy_suites(), &groups),
                true,
            )
        };
        let accepted = answer.proves(version);
        report.protocols.insert(key, accepted);
        if accepted {
            if let Answer::Hello { flight, extras, .. } = &answer {
                evidence.flights.push((version, flight.clone()));
                if version >= 0x0301 {
                    best_legacy = Some((version, extras.clone()));
                }
            }
            if !quick {
                enumerate(p, report, version, key, legacy_suites());
            }
        }
    }
    let answer = p.hello(
        "TLSv1.3 ClientHello",
        HelloSpec {
            version: 0x0303,
            tls13: true,
            suites: &TLS13_SUITES,
            groups: &groups,
            key_share: true,
        },
        false,
    );
    evidence.tls13_offered = matches!(
        answer,
        Answer::Hello {
            version: 0x0304,
            ..
        }
    );
    report.protocols.insert("TLSv1.3", answer.proves(0x0304));
    if let Some((_, extras)) = &best_legacy {
        let has = |e: u16| Some(extras.extensions.contains(&e));
        let f = &mut report.features;
        f.secure_renegotiation = has(EXT_RENEGOTIATION_INFO);
        f.extended_master_secret = has(EXT_EMS);
        f.heartbeat = has(EXT_HEARTBEAT);
        f.session_tickets = has(EXT_SESSION_TICKET);
        f.session_ids = Some(extras.session_id);
        f.compression = Some(extras.compression != 0);
    }
    if quick {
        return evidence;
    }
    if evidence.tls13_offered {
        enumerate(p, report, 0x0304, "TLSv1.3", &TLS13_SUITES);
        for (group, name) in GROUPS {
            // Without a key share the server names the group it wants in a HelloRetryRequest,
            // or refuses when it supports none of those offered.
            let answer = p.hello(
                &format!("TLSv1.3 group {name}"),
                HelloSpec {
                    version: 0x0303,
                    tls13: true,
                    suites: &TLS13_SUITES,
                    groups: &[group],
                    key_share: false,
                },
                false,
            );
            if matches!(answer, Answer::Hello { version: 0x0304, group: Some(g), .. } if g == group)
            {
                report.groups.push(name.to_string());
            }
        }
    }
    if evidence.tls13_offered {
        report.features.post_quantum = Some(report.groups.iter().any(|g| g.contains("MLKEM")));
    }
    fallback_scsv(p, report, &evidence, best_legacy.as_ref().map(|(v, _)| *v));
    if let Some((version, _)) = &best_legacy {
        vulns::check(p, report, *version);
    }

    // The finite-field DH size, from the ServerKeyExchange of a DHE suite.
    let dhe: Vec<u16> = report
        .cipher_suites
        .iter()
        .filter(|s| s.name.contains("_DHE_") && s.protocol != "TLSv1.3")
        .filter_map(|s| u16::from_str_radix(s.id.trim_start_matches("0x"), 16).ok())
        .collect();
    if let (Some(first), Some(version)) = (
        dhe.first(),
        report.best_protocol().and_then(|b| {
            VERSIONS
                .iter()
                .find(|(_, k)| *k == b)
                .map(|(v, _)| (*v).min(0x0303))
        }),
    ) {
        let answer = p.hello(
            "DHE parameters",
            HelloSpec::legacy(version, &[*first], &groups),
            true,
        );
        if let Answer::Hello { flight, .. } = answer
            && let Some((_, ske)) = flight.iter().find(|(t, _)| *t == 12)
            && let Ok((_, params)) = tls_parser::parse_dh_params(ske)
        {
            let p_bytes = params.dh_p.iter().skip_while(|b| **b == 0).count();
            report.dh_bits = u32::try_from(p_bytes * 8).ok();
        }
    }
    evidence
}

/// Accepted suites of one version: offer all, take what the server picks, repeat without it.
/// Then offer the accepted ones reversed: if the server still picks the same first, it enforces
/// its own order.
fn enumerate(
    p: &mut Prober<'_>,
    report: &mut TlsReport,
    version: u16,
    key: &'static str,
    candidates: &[u16],
) {
    let groups = group_ids();
    let tls13 = version == 0x0304;
    let mut remaining: Vec<u16> = candidates.to_vec();
    let mut accepted: Vec<u16> = Vec::new();
    while !remaining.is_empty() && accepted.len() < 64 {
        let answer = p.hello(
            &format!("{key} cipher suites ({} offered)", remaining.len()),
            HelloSpec {
                version: if tls13 { 0x0303 } else { version },
                tls13,
                suites: &remaining,
                groups: &groups,
                key_share: true,
            },
            false,
        );
        match answer {
            Answer::Hello {
                version: v, suite, ..
            } if v == version && remaining.contains(&suite) => {
                accepted.push(suite);
                remaining.retain(|s| *s != suite);
            }
            _ => break,
        }
    }
    if accepted.len() >= 2 {
        let reversed: Vec<u16> = accepted.iter().rev().copied().collect();
        let answer = p.hello(
            &format!("{key} server preference"),
            HelloSpec {
                version: if tls13 { 0x0303 } else { version },
                tls13,
                suites: &reversed,
                groups: &groups,
                key_share: true,
            },
            false,
        );
        if let Answer::Hello { suite, .. } = answer {
            report.server_preference.insert(key, suite == accepted[0]);
        }
    }
    report
        .cipher_suites
        .extend(accepted.iter().map(|s| classify(*s, key)));
}

/// What the probe trusts: the root store webpki verifies against, and the CA certificates
/// themselves when the user gave them (`--ca`), so that their conformance is checked too.
struct Trust {
    roots: rustls::RootCertStore,
    cas: Vec<CertificateDer<'static>>,
}

fn trust(ca_pem: Option<&[u8]>) -> Result<Trust, ProbeError> {
    let mut roots = rustls::RootCertStore::empty();
    let mut cas = Vec::new();
    match ca_pem {
        Some(pem) => {
            cas = super::ca_certificates(pem)?;
            for c in &cas {
                roots
                    .add(c.clone())
                    .map_err(|e| ProbeError::Input(format!("unusable CA certificate: {e}")))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    Ok(Trust { roots, cas })
}

fn pem_certs(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, ProbeError> {
    super::pem_certificates(pem)
}

/// A client certificate chain and key.
type Identity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

fn client_identity(cert: &[u8], key: &[u8]) -> Result<Identity, ProbeError> {
    use rustls::pki_types::pem::PemObject;
    let certs = pem_certs(cert)?;
    if certs.is_empty() {
        return Err(ProbeError::Input(
            "the client certificate file holds no certificate".into(),
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(key)
        .map_err(|e| ProbeError::Input(format!("invalid client key: {e}")))?;
    Ok((certs, key))
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Accepts any server certificate and records the chain: trust is judged afterwards, so the
/// probe can describe a certificate it would not trust.
#[derive(Debug)]
struct Recorder {
    chain: Mutex<Vec<CertificateDer<'static>>>,
    /// The server stapled an OCSP response to its certificate.
    stapled: std::sync::atomic::AtomicBool,
    /// The server signed the handshake with the certificate's key (TLS 1.2 ServerKeyExchange
    /// or TLS 1.3 CertificateVerify), and the signature verified.
    proved: std::sync::atomic::AtomicBool,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl Recorder {
    fn new(provider: Arc<rustls::crypto::CryptoProvider>) -> Self {
        Recorder {
            chain: Mutex::new(Vec::new()),
            stapled: std::sync::atomic::AtomicBool::new(false),
            proved: std::sync::atomic::AtomicBool::new(false),
            provider,
        }
    }

    fn note(
        &self,
        result: Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error>,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        if result.is_ok() {
            self.proved
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        result
    }
}

impl rustls::client::danger::ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        ocsp: &[u8],
        _: UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        self.stapled
            .store(!ocsp.is_empty(), std::sync::atomic::Ordering::Relaxed);
        if let Ok(mut chain) = self.chain.lock() {
            chain.clear();
            chain.push(end_entity.clone().into_owned());
            chain.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        }
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.note(rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        ))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.note(rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        ))
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Notes whether the server asked for a client certificate, and offers one if we have it.
#[derive(Debug)]
struct ClientCertWatch {
    asked: Mutex<bool>,
    key: Option<Arc<rustls::sign::CertifiedKey>>,
}

impl rustls::client::ResolvesClientCert for ClientCertWatch {
    fn resolve(
        &self,
        _: &[&[u8]],
        _: &[rustls::SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        if let Ok(mut asked) = self.asked.lock() {
            *asked = true;
        }
        self.key.clone()
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// What one rustls handshake showed.
struct Handshake {
    chain: Vec<CertificateDer<'static>>,
    /// The server proved it holds the certificate's key (see [`Recorder`]).
    proved: bool,
    /// An OCSP response came with the certificate.
    stapled: bool,
    /// The version negotiated, once the ServerHello was read.
    version: Option<&'static str>,
    asked_for_cert: bool,
    /// The server refused us after the handshake, or failed it (with the reason).
    refused: Option<String>,
    alpn: Option<String>,
    http: Option<HttpInfo>,
}

fn rustls_handshake(
    p: &mut Prober<'_>,
    check: &str,
    identity: Option<&Identity>,
    host_header: &str,
    path: &str,
) -> Option<Handshake> {
    if !p.may(check) {
        return None;
    }
    let started = Instant::now();
    let provider = provider();
    let recorder = Arc::new(Recorder::new(provider.clone()));
    let key = identity.and_then(|(certs, key)| {
        let signing = provider
            .key_provider
            .load_private_key(key.clone_key())
            .ok()?;
        Some(Arc::new(rustls::sign::CertifiedKey::new(
            certs.clone(),
            signing,
        )))
    });
    let watch = Arc::new(ClientCertWatch {
        asked: Mutex::new(false),
        key,
    });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|b| {
            b.dangerous()
                .with_custom_certificate_verifier(recorder.clone())
                .with_client_cert_resolver(watch.clone())
        });
    let Ok(mut config) = config else {
        p.log(check, "cannot configure rustls".into(), started);
        return None;
    };
    config.alpn_protocols = match p.preamble {
        None => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        Some(pre) => pre.alpn().map(|a| vec![a.to_vec()]).unwrap_or_default(),
    };
    let name = p.server_name();
    let Ok(conn) = rustls::ClientConnection::new(Arc::new(config), name) else {
        p.log(check, "cannot start a TLS client".into(), started);
        return None;
    };
    let stream = match open(p.target, p.deadline.within(p.per_connection), p.preamble) {
        Ok(s) => s,
        Err(e) => {
            p.log(check, e, started);
            return None;
        }
    };
    let mut tls = rustls::StreamOwned::new(conn, stream);
    let mut result = Handshake {
        chain: Vec::new(),
        proved: false,
        stapled: false,
        version: None,
        asked_for_cert: false,
        refused: None,
        alpn: None,
        http: None,
    };
    let mut outcome = String::new();
    while tls.conn.is_handshaking() {
        if let Err(e) = tls.conn.complete_io(&mut tls.sock) {
            let why = describe_rustls(&e);
            outcome = format!("handshake failed: {why}");
            result.refused = Some(why);
            break;
        }
    }
    result.chain = recorder.chain.lock().map(|c| c.clone()).unwrap_or_default();
    result.proved = recorder.proved.load(std::sync::atomic::Ordering::Relaxed);
    result.stapled = recorder.stapled.load(std::sync::atomic::Ordering::Relaxed);
    result.version = match tls.conn.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => Some("TLSv1.3"),
        Some(rustls::ProtocolVersion::TLSv1_2) => Some("TLSv1.2"),
        _ => None,
    };
    result.asked_for_cert = watch.asked.lock().is_ok_and(|a| *a);
    if result.refused.is_none() {
        result.alpn = tls
            .conn
            .alpn_protocol()
            .map(|a| String::from_utf8_lossy(a).into_owned());
        // In TLS 1.3 a server that wants a client certificate says so after the handshake, on
        // the first read; an HTTP request also tells whether it sends HSTS.
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: rampart\r\nConnection: close\r\n\r\n"
        );
        let mut response = Vec::new();
        let mut buf = [0u8; 4096];
        // Behind a preamble the server speaks its own protocol, not HTTP: no request (a
        // TLS 1.3 client-certificate demand has come with the server's flight anyway).
        let write = if p.preamble.is_some() {
            tls.conn.send_close_notify();
            let _ = tls.conn.complete_io(&mut tls.sock);
            Ok(())
        } else if result.alpn.as_deref() == Some("h2") {
            Ok(())
        } else {
            tls.write_all(request.as_bytes())
        };
        match write {
            Ok(()) => loop {
                match tls.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        response.extend_from_slice(&buf[..n]);
                        if response.windows(4).any(|w| w == b"\r\n\r\n")
                            || response.len() > 64 * 1024
                        {
                            break;
                        }
                    }
                    Err(e) => {
                        let why = describe_io_tls(&e);
                        if why.contains("certificate") || why.contains("alert") {
                            result.refused = Some(why);
                        }
                        break;
                    }
                }
            },
            Err(e) => result.refused = Some(describe_io_tls(&e)),
        }
        if response.starts_with(b"HTTP/") {
            let text = String::from_utf8_lossy(&response);
            let status = text.lines().next().unwrap_or_default().trim().to_string();
            let hsts = text.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case("strict-transport-security")
                    .then(|| v.trim().to_string())
            });
            result.http = Some(HttpInfo { status, hsts });
        }
        outcome = match &result.refused {
            Some(why) => format!("handshake completed, then refused: {why}"),
            None => format!(
                "handshake completed ({}{})",
                tls.conn
                    .protocol_version()
                    .map_or("?".to_string(), |v| format!("{v:?}")),
                result
                    .alpn
                    .as_ref()
                    .map(|a| format!(", ALPN {a}"))
                    .unwrap_or_default()
            ),
        };
    }
    tls.conn.send_close_notify();
    let _ = tls.conn.complete_io(&mut tls.sock);
    p.log(check, outcome, started);
    Some(result)
}

/// Session resumption and 0-RTT, the way a browser meets them: two connections with one rustls
/// client whose session store keeps what the first was given (a TLS 1.2 session id or ticket,
/// TLS 1.3 tickets); the second offers it, and on TLS 1.3 sends early data when the ticket
/// allows it. Behind a preamble no early data is sent (the server's protocol is not HTTP).
fn resumption(p: &mut Prober<'_>, report: &mut TlsReport) {
    const CHECK: &str = "session resumption and 0-RTT";
    if !p.may(CHECK) {
        return;
    }
    let started = Instant::now();
    let provider = provider();
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map(|b| {
            b.dangerous()
                .with_custom_certificate_verifier(Arc::new(Recorder::new(provider)))
                .with_no_client_auth()
        });
    let Ok(mut config) = config else {
        p.log(CHECK, "cannot configure rustls".into(), started);
        return;
    };
    config.enable_early_data = p.preamble.is_none();
    config.alpn_protocols = match p.preamble {
        None => vec![b"http/1.1".to_vec()],
        Some(pre) => pre.alpn().map(|a| vec![a.to_vec()]).unwrap_or_default(),
    };
    let config = Arc::new(config);
    let name = p.server_name();
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: rampart\r\nConnection: close\r\n\r\n",
        p.target.path,
        p.target.authority()
    );
    let mut outcomes = Vec::new();
    let mut resumed = None;
    let mut early = None;
    for round in 0..2 {
        let stream = match open(p.target, p.deadline.within(p.per_connection), p.preamble) {
            Ok(s) => s,
            Err(e) => {
                outcomes.push(e);
                break;
            }
        };
        let Ok(mut conn) = rustls::ClientConnection::new(config.clone(), name.clone()) else {
            break;
        };
        let mut sent_early = false;
        if round == 1
            && p.preamble.is_none()
            && let Some(mut e) = conn.early_data()
        {
            sent_early = e.write_all(request.as_bytes()).is_ok();
        }
        let mut tls = rustls::StreamOwned::new(conn, stream);
        let mut failed = None;
        while tls.conn.is_handshaking() {
            if let Err(e) = tls.conn.complete_io(&mut tls.sock) {
                failed = Some(describe_rustls(&e));
                break;
            }
        }
        if let Some(why) = failed {
            outcomes.push(format!("handshake {} failed: {why}", round + 1));
            break;
        }
        if round == 0 {
            // TLS 1.3 tickets come after the handshake: ask for something and read the
            // answer so they arrive (behind a preamble, a short read).
            if p.preamble.is_none() {
                let _ = tls.write_all(request.as_bytes());
            }
            tls.sock.shorten(Duration::from_millis(200));
            let mut buf = [0u8; 4096];
            while let Ok(n) = tls.read(&mut buf) {
                if n == 0 {
                    break;
                }
            }
        } else {
            resumed = Some(tls.conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed));
            if sent_early {
                early = Some(tls.conn.is_early_data_accepted());
            } else if tls.conn.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3) {
                early = Some(false);
            }
        }
        tls.conn.send_close_notify();
        let _ = tls.conn.complete_io(&mut tls.sock);
    }
    report.features.resumption = resumed;
    report.features.early_data = early;
    outcomes.push(match (resumed, early) {
        (Some(true), Some(true)) => "resumed; 0-RTT early data accepted".into(),
        (Some(true), _) => "resumed".into(),
        (Some(false), _) => "not resumed: the second connection had a full handshake".into(),
        (None, _) => "not tested".into(),
    });
    p.log(CHECK, outcomes.join("; "), started);
}

fn describe_rustls(e: &std::io::Error) -> String {
    describe_io_tls(e)
}

fn describe_io_tls(e: &std::io::Error) -> String {
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        return match inner {
            rustls::Error::AlertReceived(a) => format!("alert {a:?} from the server"),
            other => other.to_string(),
        };
    }
    describe_io(e)
}

/// The certificate (via rustls), the client-certificate policy, ALPN and HSTS. A rustls
/// handshake in which the server proved its key settles the version it negotiated (TLS 1.3,
/// which the hand-built hello cannot always prove); TLS 1.3 suites and groups seen without
/// such proof are dropped.
fn handshakes(
    p: &mut Prober<'_>,
    report: &mut TlsReport,
    trust: &Trust,
    client: Option<&Identity>,
    target: &Target,
    evidence: &mut Evidence,
) {
    let modern =
        report.protocols.get("TLSv1.2").copied().unwrap_or(false) || evidence.tls13_offered;
    let host_header = if target.port == 443 {
        target.host.clone()
    } else {
        target.authority()
    };
    if modern {
        if let Some(h) = rustls_handshake(
            p,
            "handshake without a client certificate",
            None,
            &host_header,
            &target.path,
        ) {
            if h.proved
                && let Some(version) = h.version
            {
                report.protocols.insert(version, true);
            }
            report.alpn.clone_from(&h.alpn);
            report.http.clone_from(&h.http);
            report.client_cert = match (&h.refused, h.asked_for_cert) {
                (Some(_), true) => "required",
                (None, true) => "requested",
                (_, false) => "none",
            };
            if h.refused.is_some() && !h.asked_for_cert && !h.proved {
                report.client_cert = "unknown";
            }
            if h.chain.is_empty() {
                evidence.certificate_failure = h
                    .refused
                    .as_ref()
                    .map(|why| format!("the handshake failed before the certificate: {why}"));
            } else {
                report.certificate = Some(certificate(
                    &h.chain,
                    trust,
                    p.sni.as_deref().unwrap_or(&target.host),
                ));
                report.features.ocsp_stapling = Some(h.stapled);
            }
        }
        if let Some(identity) = client
            && report.client_cert != "none"
            && let Some(h) = rustls_handshake(
                p,
                "handshake with the client certificate",
                Some(identity),
                &host_header,
                &target.path,
            )
        {
            report.client_cert_accepted = Some(h.refused.is_none());
        }
    }
    if !report.protocols.get("TLSv1.3").copied().unwrap_or(false) {
        report.cipher_suites.retain(|s| s.protocol != "TLSv1.3");
        report.server_preference.remove("TLSv1.3");
        report.groups.clear();
    }
    if report.certificate.is_none() {
        // rustls could not finish (only suites it refuses, such as CBC, NULL or static RSA,
        // only legacy versions, or a chain over its 64 KiB limit): take the certificate from
        // the complete first flight a hand-built hello received.
        raw_certificate(p, report, trust, target, evidence);
    }
}

/// The certificate (and whether a client certificate is requested) from the newest complete
/// first flight before TLS 1.3 (whose certificate is encrypted).
fn raw_certificate(
    p: &mut Prober<'_>,
    report: &mut TlsReport,
    trust: &Trust,
    target: &Target,
    evidence: &Evidence,
) {
    let Some((_, flight)) = evidence.flights.last() else {
        return;
    };
    let started = Instant::now();
    let chain = flight
        .iter()
        .find(|(t, _)| *t == 11)
        .map(|(_, body)| parse_certificate_list(body))
        .unwrap_or_default();
    if !chain.is_empty() {
        report.certificate = Some(certificate(
            &chain,
            trust,
            p.sni.as_deref().unwrap_or(&target.host),
        ));
    }
    // CertificateStatus follows the Certificate when the server staples.
    report.features.ocsp_stapling = Some(flight.iter().any(|(t, _)| *t == 22));
    let requested = flight.iter().any(|(t, _)| *t == 13);
    if report.client_cert == "unknown" || requested {
        report.client_cert = if requested { "requested" } else { "none" };
    }
    p.log(
        "certificate (from the hand-built handshake)",
        format!("{} certificates in the chain", chain.len()),
        started,
    );
}

/// The certificates of a TLS 1.2 Certificate message body.
fn parse_certificate_list(body: &[u8]) -> Vec<CertificateDer<'static>> {
    let mut out = Vec::new();
    if body.len() < 3 {
        return out;
    }
    let mut rest = &body[3..];
    while rest.len() >= 3 {
        let len = (usize::from(rest[0]) << 16) | (usize::from(rest[1]) << 8) | usize::from(rest[2]);
        if rest.len() < 3 + len {
            break;
        }
        out.push(CertificateDer::from(rest[3..3 + len].to_vec()));
        rest = &rest[3 + len..];
    }
    out
}

fn oid_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption".into(),
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption".into(),
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption".into(),
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption".into(),
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption".into(),
        "1.2.840.113549.1.1.10" => "rsassaPss".into(),
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1".into(),
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256".into(),
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384".into(),
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512".into(),
        "1.3.101.112" => "Ed25519".into(),
        other => other.to_string(),
    }
}

/// Facts about the leaf certificate, and whether the chain is trusted: judged at a moment inside
/// the validity period and for a name the certificate carries, so that expiry and hostname are
/// reported as themselves rather than hiding behind a generic trust error.
fn certificate(chain: &[CertificateDer<'static>], trust: &Trust, host: &str) -> CertReport {
    use x509_parser::prelude::*;
    let mut report = CertReport {
        chain_length: chain.len(),
        ..CertReport::default()
    };
    let Some(leaf) = chain.first() else {
        return report;
    };
    let Ok((_, cert)) = X509Certificate::from_der(leaf.as_ref()) else {
        report.trust_error = Some("the certificate is not valid DER".into());
        return report;
    };
    report.subject = cert.subject().to_string();
    report.issuer = cert.issuer().to_string();
    report.must_staple = cert
        .extensions()
        .iter()
        .any(|e| e.oid.to_id_string() == "1.3.6.1.5.5.7.1.24");
    let validity = cert.validity();
    report.not_before = validity.not_before.to_string();
    report.not_after = validity.not_after.to_string();
    let now = ::time::OffsetDateTime::now_utc().unix_timestamp();
    report.days_left = (validity.not_after.timestamp() - now).div_euclid(86_400);
    report.not_yet_valid = validity.not_before.timestamp() > now;
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(d) => report.names.push((*d).to_string()),
                GeneralName::IPAddress(ip) => {
                    let ip = match ip.len() {
                        4 => std::net::IpAddr::from(<[u8; 4]>::try_from(*ip).unwrap_or_default())
                            .to_string(),
                        16 => std::net::IpAddr::from(<[u8; 16]>::try_from(*ip).unwrap_or_default())
                            .to_string(),
                        _ => continue,
                    };
                    report.names.push(ip);
                }
                _ => {}
            }
        }
    }
    match cert.public_key().parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => {
            report.key_bits = u32::try_from(rsa.key_size()).unwrap_or(0);
            report.key = format!("RSA {}", report.key_bits);
        }
        Ok(x509_parser::public_key::PublicKey::EC(ec)) => {
            report.key_bits = u32::try_from(ec.key_size()).unwrap_or(0);
            report.key = format!("EC {}", report.key_bits);
        }
        Ok(other) => {
            report.key = format!("{other:?}")
                .split('(')
                .next()
                .unwrap_or("other")
                .to_string();
            report.key_bits = 256;
        }
        Err(_) => report.key = "unknown".into(),
    }
    report.signature = oid_name(&cert.signature_algorithm.algorithm.to_id_string());
    let ski = cert
        .tbs_certificate
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
            _ => None,
        });
    let aki = cert
        .tbs_certificate
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(a) => {
                a.key_identifier.as_ref().map(|k| k.0.to_vec())
            }
            _ => None,
        });
    report.self_signed = cert.subject() == cert.issuer() && (aki.is_none() || aki == ski);
    report.hostname_matches = hostname_matches(&report.names, host);
    // Trust, judged in the middle of the validity period, for a name the certificate carries.
    let mid = validity.not_before.timestamp() / 2 + validity.not_after.timestamp() / 2;
    let judge_at =
        UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(mid.max(0)).unwrap_or(0)));
    let name = report
        .names
        .iter()
        .find_map(|n| ServerName::try_from(n.trim_start_matches("*.").to_string()).ok())
        .or_else(|| ServerName::try_from(host.to_string()).ok());
    let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
        Arc::new(trust.roots.clone()),
        provider(),
    )
    .build();
    match (verifier, name) {
        (Ok(v), Some(name)) => {
            let result = rustls::client::danger::ServerCertVerifier::verify_server_cert(
                v.as_ref(),
                leaf,
                &chain[1..],
                &name,
                &[],
                judge_at,
            );
            report.trusted = result.is_ok();
            report.trust_error = result.err().map(|e| e.to_string());
        }
        _ => report.trust_error = Some("the certificate names no usable host".into()),
    }
    report.strict_problems = strict_problems(chain, &trust.cas);
    report
}

/// RFC 5280 rules that webpki does not enforce but strict verifiers do (OpenSSL's X509_STRICT,
/// the default of Python 3.13's `ssl` and so of clients such as sslyze): CA certificates carry
/// keyUsage with keyCertSign, critical basicConstraints and a subjectKeyIdentifier; every
/// certificate not self-issued carries an authorityKeyIdentifier. Checked on the chain the
/// server sends and on the `--ca` certificate that issued it (the built-in web roots conform).
fn strict_problems(
    chain: &[CertificateDer<'static>],
    cas: &[CertificateDer<'static>],
) -> Vec<String> {
    use x509_parser::prelude::*;
    let parsed: Vec<X509Certificate<'_>> = chain
        .iter()
        .filter_map(|c| X509Certificate::from_der(c.as_ref()).ok().map(|(_, c)| c))
        .collect();
    let mut problems = Vec::new();
    let mut check = |cert: &X509Certificate<'_>, as_ca: bool| {
        let name = cert.subject().to_string();
        let self_issued = cert.subject() == cert.issuer();
        let has = |f: &dyn Fn(&ParsedExtension<'_>) -> bool| {
            cert.extensions().iter().any(|e| f(e.parsed_extension()))
        };
        if !self_issued
            && !has(
                &|e| matches!(e, ParsedExtension::AuthorityKeyIdentifier(a) if a.key_identifier.is_some()),
            )
        {
            problems.push(format!("`{name}` has no authorityKeyIdentifier"));
        }
        if !as_ca {
            return;
        }
        match cert.key_usage() {
            Ok(Some(ku)) if !ku.value.key_cert_sign() => {
                problems.push(format!("CA `{name}` has keyUsage without keyCertSign"));
            }
            Ok(Some(_)) => {}
            _ => problems.push(format!("CA `{name}` has no keyUsage extension")),
        }
        if let Ok(Some(bc)) = cert.basic_constraints()
            && !bc.critical
        {
            problems.push(format!(
                "CA `{name}` has basicConstraints not marked critical"
            ));
        }
        if !has(&|e| matches!(e, ParsedExtension::SubjectKeyIdentifier(_))) {
            problems.push(format!("CA `{name}` has no subjectKeyIdentifier"));
        }
    };
    for (i, cert) in parsed.iter().enumerate() {
        check(cert, i > 0);
    }
    // The --ca certificate that issued the last certificate sent, unless the server sent it.
    if let Some(last) = parsed.last() {
        for ca in cas {
            if let Ok((_, ca)) = X509Certificate::from_der(ca.as_ref())
                && ca.subject() == last.issuer()
                && ca.subject() != last.subject()
            {
                check(&ca, true);
            }
        }
    }
    problems
}

/// Whether `host` matches one of the certificate's names (DNS names with one left-most
/// wildcard label, and IP addresses).
fn hostname_matches(names: &[String], host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    names.iter().any(|n| {
        let n = n.to_ascii_lowercase();
        if n == host {
            return true;
        }
        match n.strip_prefix("*.") {
            Some(suffix) => host
                .split_once('.')
                .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
            None => false,
        }
    })
}

/// Turns the observations into findings.
fn findings(report: &mut TlsReport, target: &Target) {
    if !report.speaks_tls {
        return;
    }
    let legacy: Vec<&str> = ["SSLv3", "TLSv1.0", "TLSv1.1"]
        .into_iter()
        .filter(|k| report.protocols.get(k).copied().unwrap_or(false))
        .collect();
    if !legacy.is_empty() {
        let severity = if legacy.contains(&"SSLv3") {
            Severity::High
        } else {
            Severity::Medium
        };
        report.findings.push(ProbeFinding::of(
            "tls.legacy-protocol",
            severity,
            format!("the server accepts {}", legacy.join(", ")),
        ));
    }
    let weak: Vec<&SuiteInfo> = report
        .cipher_suites
        .iter()
        .filter(|s| {
            s.classes
                .iter()
                .any(|c| matches!(*c, "NULL" | "anonymous" | "EXPORT" | "RC4" | "DES" | "3DES"))
        })
        .collect();
    if !weak.is_empty() {
        let broken = weak.iter().any(|s| {
            s.classes
                .iter()
                .any(|c| matches!(*c, "NULL" | "anonymous" | "EXPORT"))
        });
        let mut names: Vec<String> = weak
            .iter()
            .map(|s| format!("{} ({})", s.name, s.protocol))
            .collect();
        names.dedup();
        report.findings.push(ProbeFinding::of(
            "tls.weak-cipher",
            if broken {
                Severity::Critical
            } else {
                Severity::High
            },
            format!("accepted: {}{}", names.join(", "), {
                let mut attacks = Vec::new();
                let any = |class: &str| weak.iter().any(|s| s.classes.contains(&class));
                if any("RC4") {
                    attacks.push("RC4's biased keystream (RFC 7465 prohibits it)");
                }
                if any("EXPORT") {
                    attacks.push("EXPORT keys that FREAK and Logjam break in hours");
                }
                if any("anonymous") {
                    attacks.push(
                        "anonymous key exchange (no server authentication: any man in the middle)",
                    );
                }
                if any("NULL") {
                    attacks.push("NULL encryption (plaintext)");
                }
                if attacks.is_empty() {
                    String::new()
                } else {
                    format!("; {}", attacks.join("; "))
                }
            }),
        ));
    }
    let static_rsa: Vec<&SuiteInfo> = report
        .cipher_suites
        .iter()
        .filter(|s| !s.forward_secrecy && !s.classes.contains(&"anonymous"))
        .collect();
    if !static_rsa.is_empty() {
        let none_fs = !report.cipher_suites.iter().any(|s| s.forward_secrecy);
        let mut names: Vec<String> = static_rsa.iter().map(|s| s.name.clone()).collect();
        names.sort();
        names.dedup();
        report.findings.push(ProbeFinding::new(
            "tls.no-forward-secrecy",
            if none_fs {
                Severity::High
            } else {
                Severity::Medium
            },
            if none_fs {
                "No forward secrecy"
            } else {
                "Key exchanges without forward secrecy accepted"
            },
            format!("static key exchange: {}", names.join(", ")),
        ));
    }
    if !report.cipher_suites.is_empty()
        && !report
            .cipher_suites
            .iter()
            .any(|s| s.classes.contains(&"AEAD"))
    {
        report.findings.push(ProbeFinding::of(
            "tls.no-aead",
            Severity::Medium,
            "no AEAD cipher suite (GCM, CCM, ChaCha20-Poly1305) is accepted",
        ));
    }
    if let Some(bits) = report.dh_bits
        && bits < 2048
    {
        report.findings.push(ProbeFinding::of(
            "tls.weak-dh",
            if bits < 1024 {
                Severity::High
            } else {
                Severity::Medium
            },
            format!("the server's DHE group is {bits} bits"),
        ));
    }
    if let Some(c) = report.certificate.clone() {
        let host = &target.host;
        if c.days_left < 0 {
            report.findings.push(ProbeFinding::of(
                "tls.cert-expired",
                Severity::High,
                format!("expired {} ({} days ago)", c.not_after, -c.days_left),
            ));
        } else if c.days_left < 30 {
            report.findings.push(ProbeFinding::of(
                "tls.cert-expiring-soon",
                Severity::Medium,
                format!("expires {} ({} days left)", c.not_after, c.days_left),
            ));
        }
        if c.not_yet_valid {
            report.findings.push(ProbeFinding::of(
                "tls.cert-not-yet-valid",
                Severity::High,
                format!("valid from {}", c.not_before),
            ));
        }
        if c.self_signed {
            report.findings.push(ProbeFinding::of(
                "tls.cert-self-signed",
                Severity::High,
                format!("subject and issuer are both {}", c.subject),
            ));
        } else if !c.trusted {
            report.findings.push(ProbeFinding::of(
                "tls.cert-untrusted",
                Severity::High,
                format!(
                    "issued by {}: {}",
                    c.issuer,
                    c.trust_error.clone().unwrap_or_default()
                ),
            ));
        }
        if !c.strict_problems.is_empty() {
            report.findings.push(ProbeFinding::of(
                "tls.cert-chain-nonconformant",
                Severity::Low,
                format!(
                    "{}: OpenSSL with X509_STRICT (Python 3.13+ `ssl`, sslyze) refuses this \
                     chain, although browsers and webpki accept it",
                    c.strict_problems.join("; ")
                ),
            ));
        }
        if !c.hostname_matches {
            report.findings.push(ProbeFinding::of(
                "tls.cert-hostname-mismatch",
                Severity::High,
                format!(
                    "{host} is not among {}",
                    if c.names.is_empty() {
                        "(no names)".to_string()
                    } else {
                        c.names.join(", ")
                    }
                ),
            ));
        }
        let weak_key = (c.key.starts_with("RSA") && c.key_bits < 2048)
            || (c.key.starts_with("EC") && c.key_bits < 224);
        if weak_key {
            report.findings.push(ProbeFinding::of(
                "tls.weak-key",
                if c.key.starts_with("RSA") && c.key_bits < 1024 {
                    Severity::Critical
                } else {
                    Severity::High
                },
                format!("{} key", c.key),
            ));
        }
        if c.signature.contains("sha1")
            || c.signature.contains("SHA1")
            || c.signature.contains("md5")
        {
            report.findings.push(ProbeFinding::of(
                "tls.weak-signature",
                Severity::High,
                format!("signed with {}", c.signature),
            ));
        }
    }
    let https = target.scheme.as_deref() == Some("https") || report.http.is_some();
    if https
        && let Some(http) = &report.http
        && http.hsts.is_none()
    {
        report.findings.push(ProbeFinding::of(
            "tls.no-hsts",
            Severity::Low,
            format!(
                "{} answered `{}` without a Strict-Transport-Security header",
                target.authority(),
                http.status
            ),
        ));
    }
    let more = configuration_findings(report);
    report.findings.extend(more);
}

/// The findings of the configuration checks ([`Features`]) and the attacks the accepted suites
/// are known for, from the observations alone.
fn configuration_findings(report: &TlsReport) -> Vec<ProbeFinding> {
    let f = &report.features;
    let mut out = Vec::new();
    let accepts = |k: &str| report.protocols.get(k).copied().unwrap_or(false);
    let legacy_versions: Vec<&str> = ["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2"]
        .into_iter()
        .filter(|k| accepts(k))
        .collect();
    let best_legacy = legacy_versions.last().copied().unwrap_or("TLS 1.2");
    if f.secure_renegotiation == Some(false) {
        out.push(ProbeFinding::of(
            "tls.insecure-renegotiation",
            Severity::High,
            format!(
                "the {best_legacy} ServerHello carries no renegotiation_info extension: RFC 5746 secure renegotiation is not supported, so a renegotiation can splice an attacker's prefix into the session"
            ),
        ));
    }
    if f.compression == Some(true) {
        out.push(ProbeFinding::of(
            "tls.compression",
            Severity::High,
            format!("offered DEFLATE and null, the server chose DEFLATE ({best_legacy}): TLS compression leaks secrets through sizes (CRIME)"),
        ));
    }
    if f.extended_master_secret == Some(false) && !legacy_versions.is_empty() {
        out.push(ProbeFinding::of(
            "tls.no-extended-master-secret",
            Severity::Low,
            format!("the {best_legacy} ServerHello does not answer extended_master_secret (RFC 7627): sessions are open to triple-handshake attacks"),
        ));
    }
    if f.fallback_scsv == Some(false) {
        out.push(ProbeFinding::of(
            "tls.no-fallback-scsv",
            Severity::Medium,
            "a ClientHello below the server's best version carrying TLS_FALLBACK_SCSV was answered with a ServerHello (no inappropriate_fallback alert, no RFC 8446 downgrade sentinel): a forced downgrade goes unnoticed",
        ));
    }
    if f.ocsp_stapling == Some(false) {
        let must = report.certificate.as_ref().is_some_and(|c| c.must_staple);
        out.push(ProbeFinding::new(
            "tls.no-ocsp-stapling",
            if must { Severity::High } else { Severity::Info },
            if must {
                "The certificate demands OCSP stapling (must-staple) and the server sends none"
            } else {
                "No OCSP stapling"
            },
            if must {
                "asked with status_request, the server sent no OCSP response; the certificate's TLS Feature extension says it must, so strict clients refuse the connection"
            } else {
                "asked with status_request, the server sent no OCSP response: each client must ask the CA itself (slower, and revocation is often not checked)"
            },
        ));
    }
    if f.early_data == Some(true) {
        out.push(ProbeFinding::of(
            "tls.early-data",
            Severity::Medium,
            "a resumed TLS 1.3 connection's 0-RTT request was accepted: early data can be replayed, so it must only carry idempotent requests",
        ));
    }
    let client_order: Vec<&str> = report
        .server_preference
        .iter()
        .filter(|(k, pref)| !**pref && **k != "TLSv1.3")
        .map(|(k, _)| *k)
        // With only strong suites the client's choice is as good as the server's (Mozilla's
        // guidelines turn server order off then); it matters when weaker ones are accepted.
        .filter(|k| {
            report
                .cipher_suites
                .iter()
                .any(|s| s.protocol == *k && s.rating() != SuiteRating::Good)
        })
        .collect();
    if !client_order.is_empty() {
        out.push(ProbeFinding::of(
            "tls.no-server-cipher-order",
            Severity::Low,
            format!(
                "{}: the suite chosen follows the client's order, so a client preferring weak suites gets them",
                client_order.join(", ")
            ),
        ));
    }
    if f.post_quantum == Some(false) && accepts("TLSv1.3") {
        out.push(ProbeFinding::of(
            "tls.no-post-quantum",
            Severity::Info,
            format!(
                "TLS 1.3 groups accepted: {}; none is a hybrid post-quantum group (X25519MLKEM768, SecP256r1MLKEM768), so recorded traffic can be decrypted once quantum computers break ECDH",
                report.groups.join(", ")
            ),
        ));
    }
    let named = |test: &dyn Fn(&SuiteInfo) -> bool| -> Vec<String> {
        let mut names: Vec<String> = report
            .cipher_suites
            .iter()
            .filter(|s| test(s))
            .map(|s| format!("{} ({})", s.name, s.protocol))
            .collect();
        names.dedup();
        names
    };
    let cbc = |s: &SuiteInfo| s.classes.contains(&"CBC");
    let beast = named(&|s| cbc(s) && matches!(s.protocol, "SSLv3" | "TLSv1.0"));
    if !beast.is_empty() {
        out.push(ProbeFinding::of(
            "tls.beast",
            Severity::Low,
            format!(
                "CBC suites in SSLv3/TLS 1.0, whose predictable IVs BEAST exploits: {}",
                capped(&beast, 4, ", ")
            ),
        ));
    }
    let lucky = named(&|s| cbc(s) && s.protocol != "TLSv1.3");
    if !lucky.is_empty() {
        out.push(ProbeFinding::of(
            "tls.lucky13",
            Severity::Low,
            format!("CBC suites with MAC-then-encrypt, open to padding-timing attacks (Lucky Thirteen) where the implementation is not constant-time: {}", capped(&lucky, 4, ", ")),
        ));
    }
    let sweet = named(&|s| {
        s.classes.iter().any(|c| matches!(*c, "3DES" | "DES"))
            || s.name.contains("IDEA")
            || s.name.contains("RC2")
    });
    if !sweet.is_empty() {
        out.push(ProbeFinding::of(
            "tls.sweet32",
            Severity::Medium,
            format!("64-bit block ciphers, whose collisions after a few hundred GB reveal plaintext (SWEET32): {}", capped(&sweet, 4, ", ")),
        ));
    }
    out
}

/// The grade, modelled on SSL Labs' caps (documented in the README):
/// F: no TLS, SSLv3, NULL/anonymous/EXPORT suites, an RSA key under 1024 bits, or a certificate
/// problem (expired, not yet valid, self-signed, untrusted, wrong host);
/// C: RC4, DES or 3DES suites, or a DH group under 1024 bits... capped at C, 1024 to 2047 at B;
/// B: TLS 1.0 or 1.1, no forward secrecy, no AEAD suite, an RSA key under 2048 bits, a SHA-1
/// signature; A-: TLS_FALLBACK_SCSV not honoured; A: none of those; A+: A with HSTS of at
/// least six months. Heartbleed and CCS injection cap at F, insecure renegotiation and TLS
/// compression at C.
fn grade(report: &mut TlsReport) {
    // Best first; a cap only ever lowers the grade.
    const SCALE: [&str; 5] = ["A", "A-", "B", "C", "F"];
    let mut cap = 0usize;
    let mut reasons: Vec<String> = Vec::new();
    let mut lower = |grade: char, reason: &str, reasons: &mut Vec<String>| {
        let rank = match grade {
            'A' => 0,
            '-' => 1,
            'B' => 2,
            'C' => 3,
            _ => 4,
        };
        reasons.push(format!("{}: {reason}", SCALE[rank]));
        cap = cap.max(rank);
    };
    if !report.speaks_tls {
        report.grade = "F".into();
        report.grade_reasons = vec!["F: the endpoint does not complete a TLS handshake".into()];
        return;
    }
    let has = |id: &str, r: &TlsReport| r.findings.iter().any(|f| f.id == id);
    if has("tls.probe-incomplete", report) {
        report.grade = "-".into();
        report.grade_reasons =
            vec!["not graded: the probe could not finish its checks (see the findings)".into()];
        return;
    }
    if has("tls.no-certificate", report) {
        lower(
            'F',
            "the certificate could not be obtained and checked",
            &mut reasons,
        );
    }
    if report.protocols.get("SSLv3").copied().unwrap_or(false) {
        lower('F', "SSLv3 is accepted", &mut reasons);
    }
    if report.cipher_suites.iter().any(|s| {
        s.classes
            .iter()
            .any(|c| matches!(*c, "NULL" | "anonymous" | "EXPORT"))
    }) {
        lower(
            'F',
            "NULL, anonymous or EXPORT cipher suites are accepted",
            &mut reasons,
        );
    }
    for (id, why) in [
        ("tls.cert-expired", "the certificate has expired"),
        ("tls.cert-not-yet-valid", "the certificate is not yet valid"),
        ("tls.cert-self-signed", "the certificate is self-signed"),
        ("tls.cert-untrusted", "the certificate chain is not trusted"),
        (
            "tls.cert-hostname-mismatch",
            "the certificate does not match the host",
        ),
    ] {
        if has(id, report) {
            lower('F', why, &mut reasons);
        }
    }
    if report
        .certificate
        .as_ref()
        .is_some_and(|c| c.key.starts_with("RSA") && c.key_bits < 1024)
    {
        lower('F', "the RSA key is under 1024 bits", &mut reasons);
    }
    if report.cipher_suites.iter().any(|s| {
        s.classes
            .iter()
            .any(|c| matches!(*c, "RC4" | "DES" | "3DES"))
    }) {
        lower(
            'C',
            "RC4, DES or 3DES cipher suites are accepted",
            &mut reasons,
        );
    }
    if report.dh_bits.is_some_and(|b| b < 1024) {
        lower('F', "the DH group is under 1024 bits", &mut reasons);
    } else if report.dh_bits.is_some_and(|b| b < 2048) {
        lower('B', "the DH group is under 2048 bits", &mut reasons);
    }
    if report.protocols.get("TLSv1.0").copied().unwrap_or(false)
        || report.protocols.get("TLSv1.1").copied().unwrap_or(false)
    {
        lower('B', "TLS 1.0 or 1.1 is accepted", &mut reasons);
    }
    if has("tls.no-forward-secrecy", report) {
        lower(
            'B',
            "key exchanges without forward secrecy are accepted",
            &mut reasons,
        );
    }
    if has("tls.no-aead", report) {
        lower('B', "no AEAD cipher suite is accepted", &mut reasons);
    }
    if report
        .certificate
        .as_ref()
        .is_some_and(|c| c.key.starts_with("RSA") && (1024..2048).contains(&c.key_bits))
    {
        lower('B', "the RSA key is under 2048 bits", &mut reasons);
    }
    if has("tls.weak-signature", report) {
        lower(
            'B',
            "the certificate is signed with SHA-1 or MD5",
            &mut reasons,
        );
    }
    let hsts_age = report
        .http
        .as_ref()
        .and_then(|h| h.hsts.as_ref())
        .and_then(|v| {
            v.split(';').find_map(|p| {
                let (k, val) = p.trim().split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("max-age")
                    .then(|| val.trim().trim_matches('"').parse::<u64>().ok())?
            })
        });
    for (id, grade, why) in [
        (
            "tls.heartbleed",
            'F',
            "vulnerable to Heartbleed (CVE-2014-0160)",
        ),
        (
            "tls.ccs-injection",
            'F',
            "vulnerable to CCS injection (CVE-2014-0224)",
        ),
        (
            "tls.robot",
            'F',
            "vulnerable to ROBOT (a Bleichenbacher oracle)",
        ),
        (
            "tls.insecure-renegotiation",
            'C',
            "secure renegotiation (RFC 5746) is not supported",
        ),
        ("tls.compression", 'C', "TLS compression is on (CRIME)"),
        (
            "tls.no-fallback-scsv",
            '-',
            "TLS_FALLBACK_SCSV is not honoured",
        ),
        (
            "tls.client-renegotiation",
            '-',
            "client-initiated renegotiation is accepted",
        ),
    ] {
        if has(id, report) {
            lower(grade, why, &mut reasons);
        }
    }
    report.grade = if cap == 0 && hsts_age.is_some_and(|a| a >= 15_768_000) {
        reasons.push("A+: HSTS with a max-age of at least six months".into());
        "A+".into()
    } else {
        SCALE[cap].to_string()
    };
    report.grade_reasons = reasons;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_round_trips_through_tls_parser() {
        let bytes = client_hello(
            HelloSpec {
                version: 0x0303,
                tls13: true,
                suites: &[0x1301, 0xc02f],
                groups: &[0x001d],
                key_share: true,
            },
            Some("example.test"),
        );
        let (rest, record) = tls_parser::parse_tls_plaintext(&bytes).unwrap();
        assert!(rest.is_empty());
        let TlsMessage::Handshake(TlsMessageHandshake::ClientHello(hello)) = &record.msg[0] else {
            panic!("not a ClientHello");
        };
        assert_eq!(hello.version.0, 0x0303);
        assert_eq!(hello.ciphers.len(), 2);
        let (_, exts) = tls_parser::parse_tls_client_hello_extensions(hello.ext.unwrap()).unwrap();
        assert!(
            exts.iter()
                .any(|e| matches!(e, TlsExtension::SNI(v) if v[0].1 == b"example.test"))
        );
        assert!(
            exts.iter()
                .any(|e| matches!(e, TlsExtension::SupportedVersions(v) if v[0].0 == 0x0304))
        );
    }

    #[test]
    fn classification() {
        let s = classify(0x000a, "TLSv1.0"); // TLS_RSA_WITH_3DES_EDE_CBC_SHA
        assert_eq!(s.classes, ["3DES", "CBC", "static-RSA"]);
        assert!(!s.forward_secrecy);
        let s = classify(0xc02f, "TLSv1.2"); // ECDHE-RSA-AES128-GCM-SHA256
        assert_eq!(s.classes, ["AEAD"]);
        assert!(s.forward_secrecy);
        let s = classify(0x003b, "TLSv1.2"); // TLS_RSA_WITH_NULL_SHA256
        assert!(s.classes.contains(&"NULL"));
        assert!(legacy_suites().len() > 200);
    }

    #[test]
    fn hostnames() {
        let names = vec!["*.example.com".to_string(), "127.0.0.1".to_string()];
        assert!(hostname_matches(&names, "api.example.com"));
        assert!(!hostname_matches(&names, "a.b.example.com"));
        assert!(!hostname_matches(&names, "example.com"));
        assert!(hostname_matches(&names, "127.0.0.1"));
    }
}

#[cfg(test)]
mod verdicts {
    //! The findings and the grade are pure functions of the observations: each configuration
    //! fact gives its finding and cap, and nothing else does.
    use super::*;

    fn report() -> TlsReport {
        TlsReport {
            target: "127.0.0.1:443".into(),
            reachable: true,
            speaks_tls: true,
            protocols: VERSIONS
                .iter()
                .map(|(_, k)| (*k, matches!(*k, "TLSv1.2" | "TLSv1.3")))
                .collect(),
            cipher_suites: vec![classify(0xc02f, "TLSv1.2"), classify(0x1301, "TLSv1.3")],
            server_preference: BTreeMap::new(),
            groups: vec!["x25519".into(), "X25519MLKEM768".into()],
            dh_bits: None,
            features: Features {
                secure_renegotiation: Some(true),
                extended_master_secret: Some(true),
                compression: Some(false),
                heartbeat: Some(false),
                session_ids: Some(true),
                session_tickets: Some(true),
                resumption: Some(true),
                ocsp_stapling: Some(true),
                early_data: Some(false),
                fallback_scsv: Some(true),
                post_quantum: Some(true),
                client_renegotiation: Some(false),
            },
            certificate: None,
            starttls: None,
            client_cert: "none",
            client_cert_accepted: None,
            alpn: None,
            http: None,
            grade: String::new(),
            grade_reasons: Vec::new(),
            findings: Vec::new(),
            checks: Vec::new(),
            duration_ms: 0,
        }
    }

    fn ids(r: &TlsReport) -> Vec<&str> {
        configuration_findings(r)
            .iter()
            .map(|f| catalog_id(&f.id))
            .collect()
    }

    fn catalog_id(id: &str) -> &'static str {
        crate::probe::catalog::check(id).map_or("?", |c| c.id)
    }

    fn graded(mut r: TlsReport) -> (String, Vec<String>) {
        r.findings = configuration_findings(&r);
        grade(&mut r);
        (r.grade, r.grade_reasons)
    }

    #[test]
    fn a_clean_configuration_has_no_finding_and_grades_a() {
        let r = report();
        assert!(ids(&r).is_empty());
        assert_eq!(graded(r).0, "A");
    }

    #[test]
    fn each_fact_gives_its_finding_and_cap() {
        type Set = fn(&mut TlsReport);
        let cases: [(Set, &str, &str); 7] = [
            (
                |r| r.features.secure_renegotiation = Some(false),
                "tls.insecure-renegotiation",
                "C",
            ),
            (
                |r| r.features.compression = Some(true),
                "tls.compression",
                "C",
            ),
            (
                |r| r.features.fallback_scsv = Some(false),
                "tls.no-fallback-scsv",
                "A-",
            ),
            (
                |r| r.features.extended_master_secret = Some(false),
                "tls.no-extended-master-secret",
                "A",
            ),
            (
                |r| r.features.early_data = Some(true),
                "tls.early-data",
                "A",
            ),
            (
                |r| r.features.ocsp_stapling = Some(false),
                "tls.no-ocsp-stapling",
                "A",
            ),
            (
                |r| {
                    r.features.post_quantum = Some(false);
                    r.groups.pop();
                },
                "tls.no-post-quantum",
                "A",
            ),
        ];
        for (set, id, cap) in cases {
            let mut r = report();
            set(&mut r);
            assert_eq!(ids(&r), [id]);
            assert_eq!(graded(r).0, cap, "{id}");
        }
    }

    #[test]
    fn must_staple_makes_missing_stapling_high() {
        let mut r = report();
        r.features.ocsp_stapling = Some(false);
        r.certificate = Some(CertReport {
            must_staple: true,
            ..CertReport::default()
        });
        let f = configuration_findings(&r);
        assert_eq!(f[0].severity, Severity::High);
        r.certificate = None;
        assert_eq!(configuration_findings(&r)[0].severity, Severity::Info);
    }

    #[test]
    fn suites_name_their_attacks() {
        let mut r = report();
        r.protocols.insert("TLSv1.0", true);
        r.cipher_suites = vec![
            classify(0xc013, "TLSv1.0"), // ECDHE-RSA-AES128-SHA
            classify(0x000a, "TLSv1.2"), // DES-CBC3-SHA
        ];
        let found = ids(&r);
        for id in ["tls.beast", "tls.lucky13", "tls.sweet32"] {
            assert!(found.contains(&id), "{id}: {found:?}");
        }
        // Client order only matters once weaker suites are on offer.
        r.server_preference.insert("TLSv1.2", false);
        assert!(ids(&r).contains(&"tls.no-server-cipher-order"));
        let mut strong = report();
        strong.server_preference.insert("TLSv1.2", false);
        assert!(ids(&strong).is_empty());
    }

    #[test]
    fn client_renegotiation_caps_at_a_minus() {
        let mut r = report();
        r.findings = vec![ProbeFinding::of(
            "tls.client-renegotiation",
            Severity::Medium,
            "seen",
        )];
        grade(&mut r);
        assert_eq!(r.grade, "A-");
    }

    #[test]
    fn vulnerabilities_cap_at_f() {
        for id in ["tls.heartbleed", "tls.ccs-injection", "tls.robot"] {
            let mut r = report();
            r.findings = vec![ProbeFinding::of(id, Severity::Critical, "seen")];
            grade(&mut r);
            assert_eq!(r.grade, "F", "{id}");
        }
    }
}
