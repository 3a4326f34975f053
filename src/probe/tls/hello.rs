//! Hand-built ClientHellos (framed with tls-parser) and the parsing of what servers answer: records, handshake messages, ServerHello facts, alerts.

use std::io::{Read, Write};

use tls_parser::{
    Serialize as _, TlsCipherSuiteID, TlsClientHelloContents, TlsCompressionID, TlsExtension,
    TlsMessage, TlsMessageHandshake, TlsPlaintext, TlsRecordHeader, TlsRecordType,
};

use crate::probe::starttls::{self, Preamble};
use crate::probe::{Deadline, Stream, Target, connect, describe_io};

use super::VERSIONS;
use super::certificate::parse_certificate_list;
use super::suites::{classify, suite_name};

/// Named groups offered, most common first.
pub(super) const GROUPS: [(u16, &str); 12] = [
    (0x001d, "x25519"),
    (0x0017, "secp256r1"),
    (0x0018, "secp384r1"),
    (0x0019, "secp521r1"),
    (0x001e, "x448"),
    (0x0100, "ffdhe2048"),
    (0x0101, "ffdhe3072"),
    (0x0102, "ffdhe4096"),
    (0x0103, "ffdhe6144"),
    (0x0104, "ffdhe8192"),
    (0x11ec, "X25519MLKEM768"),
    (0x11eb, "SecP256r1MLKEM768"),
];

pub(super) const SIGNATURE_SCHEMES: [u16; 11] = [
    0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0807, 0x0401, 0x0501, 0x0601, 0x0201,
];

/// A TLS extension as bytes: type, length, data.
pub(super) fn ext(kind: u16, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + data.len());
    out.extend_from_slice(&kind.to_be_bytes());
    out.extend_from_slice(&u16::try_from(data.len()).unwrap_or(0).to_be_bytes());
    out.extend_from_slice(data);
    out
}

pub(super) fn u16_list(values: &[u16], len_bytes: usize) -> Vec<u8> {
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

pub(super) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    let _ = aws_lc_rs::rand::fill(&mut out);
    out
}

/// What a hand-built ClientHello is for.
#[derive(Clone, Copy)]
pub(super) struct HelloSpec<'a> {
    /// `client_version` (0x0303 for TLS 1.3 hellos, which say 1.3 in `supported_versions`).
    pub(super) version: u16,
    pub(super) tls13: bool,
    pub(super) suites: &'a [u16],
    pub(super) groups: &'a [u16],
    /// Send a key share for the first group (TLS 1.3); without one the server answers with a
    /// HelloRetryRequest naming the group it wants.
    pub(super) key_share: bool,
    /// The session id to offer (a session to resume by id); a fresh random one otherwise.
    pub(super) session_id: Option<&'a [u8]>,
    /// The `session_ticket` extension's content: empty to ask for a ticket, a ticket to resume
    /// with; `None` leaves the extension out (so a server can only resume by session id).
    pub(super) ticket: Option<&'a [u8]>,
    /// Offer DEFLATE before null compression (a server that picks it compresses).
    pub(super) compression: bool,
    /// `renegotiation_info`: empty on a first handshake, the client's last Finished when
    /// renegotiating (RFC 5746).
    pub(super) renegotiation: &'a [u8],
}

impl<'a> HelloSpec<'a> {
    /// A hello for SSLv3 to TLS 1.2 (no `supported_versions`, no key share).
    pub(super) fn legacy(version: u16, suites: &'a [u16], groups: &'a [u16]) -> Self {
        HelloSpec {
            version,
            tls13: false,
            suites,
            groups,
            key_share: false,
            session_id: None,
            ticket: Some(&[]),
            compression: true,
            renegotiation: &[],
        }
    }

    /// A TLS 1.3 hello (`supported_versions` says 1.3 only), with a key share for the first
    /// group when `key_share` is set.
    pub(super) fn tls13(suites: &'a [u16], groups: &'a [u16], key_share: bool) -> Self {
        HelloSpec {
            version: 0x0303,
            tls13: true,
            suites,
            groups,
            key_share,
            session_id: None,
            ticket: Some(&[]),
            compression: false,
            renegotiation: &[],
        }
    }

    /// The same hello offering `session_id`, with `ticket` as the `session_ticket` extension
    /// (`None`: without the extension), and null compression only.
    pub(super) fn resuming(
        mut self,
        session_id: Option<&'a [u8]>,
        ticket: Option<&'a [u8]>,
    ) -> Self {
        self.session_id = session_id;
        self.ticket = ticket;
        self.compression = false;
        self
    }

    /// The same hello as a renegotiation inside a session whose client Finished was
    /// `verify_data`.
    pub(super) fn renegotiating(mut self, verify_data: &'a [u8]) -> Self {
        self.renegotiation = verify_data;
        self
    }
}

/// A handshake message: type, 24-bit length, body.
pub(super) fn message(kind: u8, body: &[u8]) -> Vec<u8> {
    let [_, a, b, c] = u32::try_from(body.len()).unwrap_or(0).to_be_bytes();
    let mut out = vec![kind, a, b, c];
    out.extend_from_slice(body);
    out
}

/// A ClientHello record, framed and serialized with tls-parser.
pub(super) fn client_hello(spec: HelloSpec<'_>, sni: Option<&str>) -> Vec<u8> {
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
        let mut info = vec![u8::try_from(spec.renegotiation.len()).unwrap_or(0)];
        info.extend_from_slice(spec.renegotiation);
        exts.extend(ext(EXT_RENEGOTIATION_INFO, &info));
    }
    if spec.version >= 0x0303 {
        exts.extend(ext(0x000d, &u16_list(&SIGNATURE_SCHEMES, 2)));
    }
    if spec.version >= 0x0301 && !spec.tls13 {
        // What the ServerHello echoes tells the configuration (see `Extras`): extended
        // master secret, session tickets, OCSP stapling, heartbeat (peer may send).
        exts.extend(ext(EXT_EMS, &[]));
        if let Some(ticket) = spec.ticket {
            exts.extend(ext(EXT_SESSION_TICKET, ticket));
        }
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
    let fresh = random_bytes::<32>();
    let session = spec.session_id.unwrap_or(&fresh);
    let hello = TlsClientHelloContents {
        version: tls_parser::TlsVersion(spec.version),
        random: &random,
        session_id: Some(session),
        ciphers: spec.suites.iter().map(|s| TlsCipherSuiteID(*s)).collect(),
        // DEFLATE first where the protocol allows it: a server that picks it compresses.
        comp: if spec.compression {
            vec![TlsCompressionID(1), TlsCompressionID(0)]
        } else {
            vec![TlsCompressionID(0)]
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

pub(super) const EXT_STATUS_REQUEST: u16 = 0x0005;
pub(super) const EXT_HEARTBEAT: u16 = 0x000f;
pub(super) const EXT_EMS: u16 = 0x0017;
pub(super) const EXT_SESSION_TICKET: u16 = 0x0023;
pub(super) const EXT_RENEGOTIATION_INFO: u16 = 0xff01;
/// TLS_FALLBACK_SCSV (RFC 7507).
pub(super) const FALLBACK_SCSV: u16 = 0x5600;
/// The alert a server sends a fallback hello below its best version.
pub(super) const INAPPROPRIATE_FALLBACK: u8 = 86;

/// What else a ServerHello says: the extensions it echoed, the compression method it chose
/// and the session id it gave (empty: none).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Extras {
    pub(super) extensions: Vec<u16>,
    pub(super) compression: u8,
    pub(super) session_id: Vec<u8>,
    /// The random ends in RFC 8446's downgrade sentinel: a TLS 1.3 server answering an older
    /// hello says so, and TLS 1.3 clients refuse the downgrade.
    pub(super) downgrade_sentinel: bool,
}

/// Handshake messages (type, body) of a server's first flight.
pub(super) type Flight = Vec<(u8, Vec<u8>)>;

/// How a server answered a ClientHello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Answer {
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
    pub(super) fn proves(&self, version: u16) -> bool {
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
pub(super) const MAX_HANDSHAKE: usize = 256 * 1024;
/// The most bytes read for one hello.
pub(super) const MAX_FLIGHT: usize = 512 * 1024;
/// The random of a TLS 1.3 HelloRetryRequest (RFC 8446, 4.1.3).
pub(super) const RETRY_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

pub(super) fn record_version_ok(v: u16) -> bool {
    (0x0300..=0x0304).contains(&v)
}

/// A connection ready for a ClientHello: connected, and through the protocol's preamble
/// when the target needs one.
pub(super) fn open(
    target: &Target,
    deadline: Deadline,
    preamble: Option<Preamble>,
) -> Result<Stream, String> {
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
pub(super) fn exchange(
    target: &Target,
    deadline: Deadline,
    preamble: Option<Preamble>,
    hello: &[u8],
    whole_flight: bool,
) -> Answer {
    start(target, deadline, preamble, hello, whole_flight).map_or_else(Answer::Failed, |(_, a)| a)
}

/// A connection with `hello` sent and the server's answer read (the ServerHello, or with
/// `whole_flight` its first flight): how every hand-made exchange begins. The stream is kept
/// for what the check sends next.
pub(super) fn start(
    target: &Target,
    deadline: Deadline,
    preamble: Option<Preamble>,
    hello: &[u8],
    whole_flight: bool,
) -> Result<(Stream, Answer), String> {
    let mut stream = open(target, deadline, preamble)?;
    stream.set_read_limit(MAX_FLIGHT);
    stream
        .write_all(hello)
        .map_err(|e| format!("cannot send the ClientHello: {}", describe_io(&e)))?;
    let answer = read_answer(&mut stream, whole_flight);
    Ok((stream, answer))
}

pub(super) fn read_answer(stream: &mut impl Read, whole_flight: bool) -> Answer {
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
pub(super) fn bytes(n: usize) -> String {
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
pub(super) fn flight_done(
    messages: &[(u8, Vec<u8>)],
    encrypted: bool,
    whole_flight: bool,
) -> Option<bool> {
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

/// The curve and the server's public point of an ECDHE ServerKeyExchange (`None` when it is
/// not a named curve or is cut short).
pub(super) fn server_share(ske: &[u8]) -> Option<(u16, &[u8])> {
    if *ske.first()? != 3 {
        return None;
    }
    let group = u16::from_be_bytes([*ske.get(1)?, *ske.get(2)?]);
    let len = usize::from(*ske.get(3)?);
    Some((group, ske.get(4..4 + len)?))
}

/// What a ServerHello says.
pub(super) struct ServerHelloFacts {
    pub(super) version: u16,
    pub(super) suite: u16,
    pub(super) group: Option<u16>,
    pub(super) retry: bool,
    pub(super) extras: Extras,
}

/// The facts of a ServerHello body, parsed with tls-parser.
pub(super) fn parse_server_hello(body: &[u8]) -> Option<ServerHelloFacts> {
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
            session_id: hello.session_id.unwrap_or_default().to_vec(),
            downgrade_sentinel: hello.random.len() == 32
                && hello.random[24..31] == *b"DOWNGRD"
                && hello.random[31] <= 1,
        },
    })
}

pub(super) fn hello_answer(
    messages: &[(u8, Vec<u8>)],
    complete: bool,
    cut: Option<String>,
) -> Answer {
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

pub(super) fn alert_name(code: u8) -> String {
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

pub(super) fn describe_answer(a: &Answer) -> String {
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

pub(super) fn not_tls_text(bytes: &[u8]) -> String {
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

pub(super) fn version_name(v: u16) -> &'static str {
    VERSIONS
        .iter()
        .find(|(w, _)| *w == v)
        .map_or("unknown version", |(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_share_is_read_from_a_named_curve_key_exchange() {
        let mut ske = vec![3, 0x00, 0x1d, 32];
        ske.extend_from_slice(&[9u8; 32]);
        ske.extend_from_slice(&[0x08, 0x04, 0, 2, 0xaa, 0xbb]); // signature, ignored
        assert_eq!(server_share(&ske), Some((0x001d, &[9u8; 32][..])));
        assert_eq!(server_share(&[1, 0, 0x1d]), None);
        assert_eq!(server_share(&[3, 0, 0x1d, 40, 1]), None);
    }

    #[test]
    fn hello_round_trips_through_tls_parser() {
        let bytes = client_hello(
            HelloSpec::tls13(&[0x1301, 0xc02f], &[0x001d], true),
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
}
