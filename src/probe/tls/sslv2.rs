//! SSL 2.0, which no TLS library speaks any more: a hand-built SSLv2 CLIENT-HELLO (the 2-byte
//! record header with its high bit set, message type 1, version 0x0002, the seven SSLv2
//! cipher kinds and a 16-byte challenge), and the SERVER-HELLO a server that still has SSLv2
//! answers with (message type 4). A server with SSLv2 on is open to DROWN (CVE-2016-0800)
//! against every protocol sharing its RSA key; a TLS alert, a close or anything else means no.

use std::io::{Read, Write};
use std::time::Instant;

use super::hello::{open, random_bytes};
use super::{Prober, TlsReport};
use crate::probe::ProbeFinding;
use crate::vocab::Severity;

const CHECK: &str = "SSLv2 CLIENT-HELLO";

/// The SSLv2 cipher kinds (3 bytes each): RC4-MD5, RC4 export, RC2-CBC, RC2 export, IDEA,
/// DES-CBC and 3DES-EDE-CBC.
const KINDS: [[u8; 3]; 7] = [
    [0x01, 0x00, 0x80],
    [0x02, 0x00, 0x80],
    [0x03, 0x00, 0x80],
    [0x04, 0x00, 0x80],
    [0x05, 0x00, 0x80],
    [0x06, 0x00, 0x40],
    [0x07, 0x00, 0xc0],
];

/// The CLIENT-HELLO record.
fn client_hello() -> Vec<u8> {
    let mut body = vec![1, 0x00, 0x02];
    body.extend_from_slice(&u16::try_from(KINDS.len() * 3).unwrap_or(0).to_be_bytes());
    body.extend_from_slice(&[0, 0, 0, 16]); // no session id, a 16-byte challenge
    for kind in KINDS {
        body.extend_from_slice(&kind);
    }
    body.extend_from_slice(&random_bytes::<16>());
    let len = u16::try_from(body.len()).unwrap_or(0) | 0x8000;
    [&len.to_be_bytes()[..], &body].concat()
}

/// What the server's answer says: `Ok(cipher kinds offered)` for an SSLv2 SERVER-HELLO,
/// `Err(why not)` otherwise.
fn server_hello(answer: &[u8]) -> Result<usize, String> {
    let (Some(&first), Some(&second)) = (answer.first(), answer.get(1)) else {
        return Err(if answer.is_empty() {
            "the server closed the connection".into()
        } else {
            "an answer too short to be SSLv2".into()
        });
    };
    if matches!(first, 0x15 | 0x16) {
        return Err("answered in TLS, not SSLv2".into());
    }
    if first & 0x80 == 0 {
        return Err(format!(
            "an answer that is not an SSLv2 record (0x{first:02x})"
        ));
    }
    let len = usize::from(u16::from_be_bytes([first & 0x7f, second]));
    let body = answer.get(2..2 + len).ok_or("an SSLv2 record cut short")?;
    // type 4, session-id hit, certificate type, version 0x0002, then three lengths.
    if body.len() < 11 || body[0] != 4 || body[3..5] != [0x00, 0x02] {
        return Err("an SSLv2 record that is not a SERVER-HELLO".into());
    }
    let cert_len = usize::from(u16::from_be_bytes([body[5], body[6]]));
    let kinds_len = usize::from(u16::from_be_bytes([body[7], body[8]]));
    if kinds_len % 3 != 0 || 11 + cert_len + kinds_len > body.len() {
        return Err("a malformed SSLv2 SERVER-HELLO".into());
    }
    Ok(kinds_len / 3)
}

/// Offers SSLv2 once; records `protocols["SSLv2"]` and, when accepted, `tls.sslv2`.
pub(super) fn check(p: &mut Prober<'_>, report: &mut TlsReport) {
    if !p.may(CHECK) {
        return;
    }
    let started = Instant::now();
    let mut stream = match open(p.target, p.deadline.within(p.per_connection), p.preamble) {
        Ok(s) => s,
        Err(e) => {
            // A connection that failed says nothing either way.
            p.log(CHECK, format!("not tested: {e}"), started);
            return;
        }
    };
    // A server that closes before reading it refuses it.
    let verdict = if let Err(e) = stream.write_all(&client_hello()) {
        Err(format!(
            "the hello could not be sent: {}",
            crate::probe::describe_io(&e)
        ))
    } else {
        stream.set_read_limit(64 * 1024);
        // The header, then the record it announces (or whatever came instead).
        let mut answer = vec![0u8; 2];
        let got = read_some(&mut stream, &mut answer);
        answer.truncate(got);
        if got == 2 && answer[0] & 0x80 != 0 {
            let len = usize::from(u16::from_be_bytes([answer[0] & 0x7f, answer[1]]));
            let mut body = vec![0u8; len];
            let got = read_some(&mut stream, &mut body);
            body.truncate(got);
            answer.extend_from_slice(&body);
        }
        server_hello(&answer)
    };
    let text = match &verdict {
        Ok(kinds) => {
            report.findings.push(ProbeFinding::of(
                "tls.sslv2",
                Severity::Critical,
                format!(
                    "an SSLv2 CLIENT-HELLO was answered with a SERVER-HELLO offering {kinds} \
                     SSLv2 cipher kind{}: SSL 2.0 is broken (DROWN, CVE-2016-0800, decrypts TLS \
                     sessions that share the server's RSA key)",
                    if *kinds == 1 { "" } else { "s" }
                ),
            ));
            format!("ACCEPTED: SERVER-HELLO with {kinds} cipher kinds")
        }
        Err(why) => format!("refused ({why})"),
    };
    report.protocols.insert("SSLv2", verdict.is_ok());
    p.log(CHECK, text, started);
}

/// Reads until `buf` is full, the server closes, or the deadline passes; how much came.
fn read_some(stream: &mut impl Read, buf: &mut [u8]) -> usize {
    let mut got = 0;
    while got < buf.len() {
        match stream.read(&mut buf[got..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
    }
    got
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_hello_is_an_sslv2_record() {
        let hello = client_hello();
        assert_eq!(hello[0] & 0x80, 0x80);
        let len = usize::from(u16::from_be_bytes([hello[0] & 0x7f, hello[1]]));
        assert_eq!(len, hello.len() - 2);
        assert_eq!(&hello[2..5], &[1, 0, 2]);
        assert_eq!(len, 9 + 21 + 16);
    }

    #[test]
    fn only_a_server_hello_is_sslv2() {
        let mut hello = vec![4, 0, 1, 0, 2, 0, 3, 0, 6, 0, 16];
        hello.extend_from_slice(&[0xaa; 3]); // certificate
        hello.extend_from_slice(&[1, 0, 0x80, 7, 0, 0xc0]);
        hello.extend_from_slice(&[0xbb; 16]); // connection id
        let len = u16::try_from(hello.len()).unwrap() | 0x8000;
        let record = [&len.to_be_bytes()[..], &hello].concat();
        assert_eq!(server_hello(&record), Ok(2));
        assert!(server_hello(&record[..10]).is_err(), "cut short");
        assert!(
            server_hello(&[0x15, 0x03, 0x01, 0, 2, 2, 40]).is_err(),
            "a TLS alert"
        );
        assert!(server_hello(b"HTTP/1.1 400").is_err());
        assert!(server_hello(&[]).is_err());
        let mut wrong = record.clone();
        wrong[2] = 5; // not a SERVER-HELLO
        assert!(server_hello(&wrong).is_err());
    }
}
