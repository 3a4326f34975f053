//! Protocol preambles: the plaintext exchange a database, mail or directory server wants
//! before it starts TLS on the same connection (PostgreSQL's SSLRequest, SMTP/IMAP/POP3
//! STARTTLS, LDAP's StartTLS extended operation, MySQL's SSL capability). The TLS probe runs
//! one on every connection it opens to such a target, so every check sees the real server.
//!
//! Each exchange reads through the probe's bounded [`Stream`]: a server that answers garbage,
//! refuses or never upgrades ends the check with a reason, within the deadline.

use std::io::{Read, Write};

use super::Stream;

/// Bytes a preamble reads at most (greetings and capability lists are small).
const MAX_PREAMBLE: usize = 64 * 1024;

/// A plaintext protocol that upgrades to TLS in-band.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preamble {
    Postgres,
    Mysql,
    Smtp,
    Imap,
    Pop3,
    Ldap,
}

/// Every preamble, with its `--starttls` name.
pub const PREAMBLES: [(Preamble, &str); 6] = [
    (Preamble::Postgres, "postgres"),
    (Preamble::Mysql, "mysql"),
    (Preamble::Smtp, "smtp"),
    (Preamble::Imap, "imap"),
    (Preamble::Pop3, "pop3"),
    (Preamble::Ldap, "ldap"),
];

impl Preamble {
    /// The preamble named `name` (`--starttls postgres`).
    #[must_use]
    pub fn named(name: &str) -> Option<Self> {
        PREAMBLES
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
            .map(|(p, _)| *p)
    }

    #[must_use]
    pub fn name(self) -> &'static str {
        PREAMBLES
            .iter()
            .find(|(p, _)| *p == self)
            .map_or("?", |(_, n)| n)
    }

    /// The preamble a URL scheme implies.
    #[must_use]
    /// (`smtps`, `imaps`, `ldaps`, `rediss` and the rest of
    /// [`crate::model::target::SCHEMES`] are TLS from the first byte.)
    pub fn for_scheme(scheme: &str) -> Option<Self> {
        match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Some(Preamble::Postgres),
            "mysql" => Some(Preamble::Mysql),
            "smtp" | "submission" => Some(Preamble::Smtp),
            "imap" => Some(Preamble::Imap),
            "pop3" => Some(Preamble::Pop3),
            "ldap" => Some(Preamble::Ldap),
            _ => None,
        }
    }

    /// The preamble a model flow's `protocol` implies ("postgres", "PostgreSQL wire", "SMTP",
    /// "ldap"): verification of a database or mail flow goes through it. Implicit-TLS
    /// spellings (smtps, imaps, ldaps) need none.
    #[must_use]
    pub fn for_protocol(protocol: &str) -> Option<Self> {
        let p = protocol.trim().to_ascii_lowercase();
        let word = p
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or_default();
        match word {
            "postgres" | "postgresql" | "psql" | "pg" => Some(Preamble::Postgres),
            "mysql" | "mariadb" => Some(Preamble::Mysql),
            "smtp" | "esmtp" | "submission" => Some(Preamble::Smtp),
            "imap" | "imap4" => Some(Preamble::Imap),
            "pop3" | "pop" => Some(Preamble::Pop3),
            "ldap" => Some(Preamble::Ldap),
            _ => None,
        }
    }

    /// The ALPN protocol to offer after the upgrade (PostgreSQL 17 checks it); none for the
    /// others.
    #[must_use]
    pub fn alpn(self) -> Option<&'static [u8]> {
        match self {
            Preamble::Postgres => Some(b"postgresql"),
            _ => None,
        }
    }
}

/// Why a preamble did not end in a TLS upgrade.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The server speaks the protocol and said no: it does not offer TLS here.
    Declined(String),
    /// The server did not answer as the protocol says (garbage, silence, a closed socket).
    Failed(String),
}

impl Refusal {
    #[must_use]
    pub fn text(&self) -> &str {
        match self {
            Refusal::Declined(t) | Refusal::Failed(t) => t,
        }
    }
}

/// Runs the preamble on a fresh connection; on success the next byte either side sends is the
/// TLS handshake.
///
/// # Errors
/// The server declined the upgrade or did not follow the protocol.
pub fn upgrade(stream: &mut Stream, preamble: Preamble) -> Result<(), Refusal> {
    stream.set_read_limit(MAX_PREAMBLE);
    let result = match preamble {
        Preamble::Postgres => postgres(stream),
        Preamble::Mysql => mysql(stream),
        Preamble::Smtp => smtp(stream),
        Preamble::Imap => imap(stream),
        Preamble::Pop3 => pop3(stream),
        Preamble::Ldap => ldap(stream),
    };
    stream.reset_read_count();
    result
}

fn io_failure(what: &str, e: &std::io::Error) -> Refusal {
    Refusal::Failed(format!("{what}: {}", super::describe_io(e)))
}

fn send(stream: &mut Stream, bytes: &[u8], what: &str) -> Result<(), Refusal> {
    stream
        .write_all(bytes)
        .map_err(|e| io_failure(&format!("cannot send {what}"), &e))
}

/// One CRLF-terminated line (at most 4 KiB), without the line end.
fn line(stream: &mut Stream, what: &str) -> Result<String, Refusal> {
    let mut out = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match stream.read(&mut byte) {
            Ok(0) => {
                return Err(Refusal::Failed(format!(
                    "the server closed the connection while sending {what}{}",
                    shown(&out)
                )));
            }
            Ok(_) => {
                if byte[0] == b'\n' {
                    if out.last() == Some(&b'\r') {
                        out.pop();
                    }
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                out.push(byte[0]);
                if out.len() > 4096 {
                    return Err(Refusal::Failed(format!(
                        "{what} is not a line of text (over 4 KiB without a line end)"
                    )));
                }
            }
            Err(e) => return Err(io_failure(&format!("waiting for {what}"), &e)),
        }
    }
}

/// ` (it had sent "…")` for a partial answer, or nothing.
fn shown(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        String::new()
    } else {
        format!(
            " (it had sent {})",
            super::quote(&String::from_utf8_lossy(bytes), 80)
        )
    }
}

/// An SMTP reply: its code and lines (multi-line replies use `250-` continuations).
fn smtp_reply(stream: &mut Stream, what: &str) -> Result<(u16, Vec<String>), Refusal> {
    let mut lines = Vec::new();
    loop {
        let l = line(stream, what)?;
        let code = l
            .get(..3)
            .and_then(|c| c.parse::<u16>().ok())
            .filter(|_| matches!(l.as_bytes().get(3), None | Some(b' ' | b'-')));
        let Some(code) = code else {
            return Err(Refusal::Failed(format!(
                "{what} is not an SMTP reply: {}",
                super::quote(&l, 120)
            )));
        };
        let more = l.as_bytes().get(3) == Some(&b'-');
        lines.push(l.get(4..).unwrap_or_default().to_string());
        if !more {
            return Ok((code, lines));
        }
        if lines.len() > 100 {
            return Err(Refusal::Failed(format!("{what} has over 100 lines")));
        }
    }
}

fn smtp(stream: &mut Stream) -> Result<(), Refusal> {
    let (code, greeting) = smtp_reply(stream, "the SMTP greeting")?;
    if code != 220 {
        return Err(Refusal::Declined(format!(
            "the SMTP server's greeting is {code} {}, not 220",
            greeting.join(" ")
        )));
    }
    // EHLO with an address literal: no name for anyone to look up.
    let me = stream.local_addr().map_or_else(
        |_| "[127.0.0.1]".to_string(),
        |a| match a.ip() {
            std::net::IpAddr::V4(ip) => format!("[{ip}]"),
            std::net::IpAddr::V6(ip) => format!("[IPv6:{ip}]"),
        },
    );
    send(stream, format!("EHLO {me}\r\n").as_bytes(), "EHLO")?;
    let (code, caps) = smtp_reply(stream, "the answer to EHLO")?;
    if code != 250 {
        return Err(Refusal::Declined(format!(
            "the SMTP server answered EHLO with {code} {}",
            caps.join(" ")
        )));
    }
    if !caps
        .iter()
        .any(|c| c.trim().eq_ignore_ascii_case("starttls"))
    {
        return Err(Refusal::Declined(format!(
            "the SMTP server does not offer STARTTLS (EHLO lists {})",
            caps.iter()
                .skip(1)
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    send(stream, b"STARTTLS\r\n", "STARTTLS")?;
    let (code, text) = smtp_reply(stream, "the answer to STARTTLS")?;
    if code != 220 {
        return Err(Refusal::Declined(format!(
            "the SMTP server answered STARTTLS with {code} {}",
            text.join(" ")
        )));
    }
    Ok(())
}

fn imap(stream: &mut Stream) -> Result<(), Refusal> {
    let greeting = line(stream, "the IMAP greeting")?;
    if !greeting.starts_with("* OK") {
        return Err(if greeting.starts_with("* ") {
            Refusal::Declined(format!(
                "the IMAP server greets with {}",
                super::quote(&greeting, 120)
            ))
        } else {
            Refusal::Failed(format!(
                "the IMAP greeting is not IMAP: {}",
                super::quote(&greeting, 120)
            ))
        });
    }
    send(stream, b"r1 STARTTLS\r\n", "STARTTLS")?;
    for _ in 0..50 {
        let l = line(stream, "the answer to STARTTLS")?;
        if let Some(rest) = l.strip_prefix("r1 ") {
            return if rest.starts_with("OK") {
                Ok(())
            } else {
                Err(Refusal::Declined(format!(
                    "the IMAP server answered STARTTLS with {}",
                    super::quote(rest, 120)
                )))
            };
        }
        if !l.starts_with("* ") {
            return Err(Refusal::Failed(format!(
                "the answer to STARTTLS is not IMAP: {}",
                super::quote(&l, 120)
            )));
        }
    }
    Err(Refusal::Failed(
        "the IMAP server never completed the STARTTLS command".into(),
    ))
}

fn pop3(stream: &mut Stream) -> Result<(), Refusal> {
    let greeting = line(stream, "the POP3 greeting")?;
    if !greeting.starts_with("+OK") {
        return Err(if greeting.starts_with("-ERR") {
            Refusal::Declined(format!(
                "the POP3 server greets with {}",
                super::quote(&greeting, 120)
            ))
        } else {
            Refusal::Failed(format!(
                "the POP3 greeting is not POP3: {}",
                super::quote(&greeting, 120)
            ))
        });
    }
    send(stream, b"STLS\r\n", "STLS")?;
    let answer = line(stream, "the answer to STLS")?;
    if answer.starts_with("+OK") {
        Ok(())
    } else if answer.starts_with("-ERR") {
        Err(Refusal::Declined(format!(
            "the POP3 server answered STLS with {}",
            super::quote(&answer, 120)
        )))
    } else {
        Err(Refusal::Failed(format!(
            "the answer to STLS is not POP3: {}",
            super::quote(&answer, 120)
        )))
    }
}

fn postgres(stream: &mut Stream) -> Result<(), Refusal> {
    // SSLRequest: length 8, code 1234.5679.
    send(stream, &[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f], "SSLRequest")?;
    let mut answer = [0u8; 1];
    match stream.read(&mut answer) {
        Ok(0) => Err(Refusal::Failed(
            "the server closed the connection on PostgreSQL's SSLRequest".into(),
        )),
        Ok(_) => match answer[0] {
            b'S' => Ok(()),
            b'N' => Err(Refusal::Declined(
                "the PostgreSQL server answered SSLRequest with N: it does not accept TLS".into(),
            )),
            b'E' => Err(Refusal::Declined(
                "the server answered SSLRequest with an error message (a PostgreSQL server older than 7.0, or one refusing the connection)".into(),
            )),
            other => Err(Refusal::Failed(format!(
                "the answer to PostgreSQL's SSLRequest is byte 0x{other:02x}, neither S nor N: not a PostgreSQL server"
            ))),
        },
        Err(e) => Err(io_failure("waiting for the answer to SSLRequest", &e)),
    }
}

/// MySQL's SSL capability flag and the flags sent with it.
const CLIENT_SSL: u32 = 0x0800;
const CLIENT_PROTOCOL_41: u32 = 0x0200;
const CLIENT_SECURE_CONNECTION: u32 = 0x8000;
const CLIENT_LONG_PASSWORD: u32 = 0x0001;

fn mysql(stream: &mut Stream) -> Result<(), Refusal> {
    let mut header = [0u8; 4];
    stream
        .read_exact(&mut header)
        .map_err(|e| io_failure("waiting for the MySQL greeting", &e))?;
    let len = usize::from(header[0]) | usize::from(header[1]) << 8 | usize::from(header[2]) << 16;
    if len == 0 || len > 16 * 1024 {
        return Err(Refusal::Failed(format!(
            "the greeting is not a MySQL handshake packet (length {len})"
        )));
    }
    let mut payload = vec![0u8; len];
    stream
        .read_exact(&mut payload)
        .map_err(|e| io_failure("reading the MySQL greeting", &e))?;
    if payload[0] == 0xff {
        let message = String::from_utf8_lossy(payload.get(3..).unwrap_or_default()).into_owned();
        return Err(Refusal::Declined(format!(
            "the MySQL server refused the connection: {}",
            super::quote(&message, 120)
        )));
    }
    if payload[0] != 10 {
        return Err(Refusal::Failed(format!(
            "the greeting is not a MySQL protocol-10 handshake (first byte {})",
            payload[0]
        )));
    }
    // version string (NUL-terminated), connection id (4), auth data (8), filler (1), caps (2).
    let nul = payload[1..]
        .iter()
        .position(|b| *b == 0)
        .ok_or_else(|| Refusal::Failed("the MySQL greeting's version is not terminated".into()))?;
    let caps_at = 1 + nul + 1 + 4 + 8 + 1;
    let caps = payload
        .get(caps_at..caps_at + 2)
        .map(|c| u32::from(u16::from_le_bytes([c[0], c[1]])))
        .ok_or_else(|| Refusal::Failed("the MySQL greeting is cut short".into()))?;
    if caps & CLIENT_SSL == 0 {
        return Err(Refusal::Declined(format!(
            "the MySQL server ({}) does not offer SSL (capability flags 0x{caps:04x})",
            String::from_utf8_lossy(&payload[1..=nul])
        )));
    }
    let flags = CLIENT_SSL | CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION | CLIENT_LONG_PASSWORD;
    let mut request = vec![32, 0, 0, header[3].wrapping_add(1)];
    request.extend_from_slice(&flags.to_le_bytes());
    request.extend_from_slice(&(16u32 * 1024 * 1024).to_le_bytes());
    request.push(0x21); // utf8_general_ci
    request.extend_from_slice(&[0u8; 23]);
    send(stream, &request, "MySQL's SSLRequest")
}

/// LDAP StartTLS: an ExtendedRequest (messageID 1) naming OID 1.3.6.1.4.1.1466.20037.
const LDAP_STARTTLS: &[u8] = b"\x30\x1d\x02\x01\x01\x77\x18\x80\x161.3.6.1.4.1.1466.20037";

fn ldap(stream: &mut Stream) -> Result<(), Refusal> {
    send(stream, LDAP_STARTTLS, "LDAP StartTLS")?;
    let not_ldap =
        |why: &str| Refusal::Failed(format!("the answer to StartTLS is not LDAP: {why}"));
    let mut head = [0u8; 2];
    stream
        .read_exact(&mut head)
        .map_err(|e| io_failure("waiting for the answer to StartTLS", &e))?;
    if head[0] != 0x30 {
        return Err(not_ldap(&format!("it starts with byte 0x{:02x}", head[0])));
    }
    let len = if head[1] < 0x80 {
        usize::from(head[1])
    } else {
        let n = usize::from(head[1] & 0x7f);
        if n == 0 || n > 3 {
            return Err(not_ldap("its length is not a definite BER length"));
        }
        let mut bytes = [0u8; 3];
        stream
            .read_exact(&mut bytes[..n])
            .map_err(|e| io_failure("reading the answer to StartTLS", &e))?;
        bytes[..n]
            .iter()
            .fold(0usize, |a, b| a << 8 | usize::from(*b))
    };
    if len > 16 * 1024 {
        return Err(not_ldap(&format!("a message of {len} bytes")));
    }
    let mut body = vec![0u8; len];
    stream
        .read_exact(&mut body)
        .map_err(|e| io_failure("reading the answer to StartTLS", &e))?;
    // messageID INTEGER, then the ExtendedResponse [APPLICATION 24] whose first element is
    // the resultCode ENUMERATED.
    let id_len = usize::from(*body.get(1).ok_or_else(|| not_ldap("empty message"))?);
    if body[0] != 0x02 {
        return Err(not_ldap("no message id"));
    }
    let at = 2 + id_len;
    match body.get(at) {
        Some(0x78) => {}
        Some(tag) => {
            return Err(not_ldap(&format!(
                "response tag 0x{tag:02x}, not ExtendedResponse"
            )));
        }
        None => return Err(not_ldap("cut short")),
    }
    let mut i = at + 1;
    match body.get(i) {
        Some(l) if *l < 0x80 => i += 1,
        Some(l) => i += 1 + usize::from(l & 0x7f),
        None => return Err(not_ldap("cut short")),
    }
    match (body.get(i), body.get(i + 1), body.get(i + 2)) {
        (Some(0x0a), Some(1), Some(0)) => Ok(()),
        (Some(0x0a), Some(1), Some(code)) => Err(Refusal::Declined(format!(
            "the LDAP server answered StartTLS with result code {code} ({})",
            match code {
                2 => "protocolError: StartTLS not supported",
                1 => "operationsError",
                52 => "unavailable",
                53 => "unwillingToPerform",
                _ => "not success",
            }
        ))),
        _ => Err(not_ldap("no result code")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_schemes_and_protocols() {
        assert_eq!(Preamble::named("PostgreS"), Some(Preamble::Postgres));
        assert_eq!(Preamble::named("ftp"), None);
        for (p, n) in PREAMBLES {
            assert_eq!(p.name(), n);
            assert_eq!(Preamble::for_scheme(n), Some(p), "{n} as a scheme");
        }
        assert_eq!(Preamble::for_scheme("smtps"), None);
        assert_eq!(
            Preamble::for_protocol("PostgreSQL wire"),
            Some(Preamble::Postgres)
        );
        assert_eq!(Preamble::for_protocol("SMTP"), Some(Preamble::Smtp));
        assert_eq!(Preamble::for_protocol("smtps"), None);
        assert_eq!(Preamble::for_protocol("https"), None);
        assert_eq!(Preamble::for_protocol("ldaps"), None);
    }

    #[test]
    fn ldap_request_is_well_formed() {
        // SEQUENCE length covers the rest; the OID is 22 bytes.
        assert_eq!(usize::from(LDAP_STARTTLS[1]), LDAP_STARTTLS.len() - 2);
        assert_eq!(
            usize::from(LDAP_STARTTLS[8]),
            "1.3.6.1.4.1.1466.20037".len()
        );
        assert_eq!(usize::from(LDAP_STARTTLS[6]), LDAP_STARTTLS.len() - 7);
    }
}
