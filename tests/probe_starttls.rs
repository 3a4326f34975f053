//! The TLS probe through protocol preambles: in-process servers on 127.0.0.1 that speak the
//! plaintext part of SMTP, IMAP, POP3, LDAP, MySQL and PostgreSQL as their specifications say,
//! then hand the socket to a real rustls server. Every check of the probe runs its upgrade
//! first, so the verdicts are the TLS server's. Hostile servers (garbage, refusals, upgrades
//! that never come) end with a clear reason within the time limit.

#![allow(clippy::unwrap_used)] // a panic is a failed test

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Pki, server_config};
use rampart::probe::starttls::Preamble;
use rampart::probe::tls::{TlsOptions, TlsReport, probe};

/// What the plaintext side of a test server does before TLS; false: no upgrade.
type Script = fn(&mut BufReader<TcpStream>) -> bool;

/// A server that runs `script` on each connection, then (when it agreed) a rustls handshake.
fn server(script: Script, config: Option<rustls::ServerConfig>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let config = config.map(Arc::new);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let config = config.clone();
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(3)));
                let mut reader = BufReader::new(stream);
                if !script(&mut reader) {
                    return;
                }
                let Some(config) = config else {
                    // Agreed, then never speaks TLS: hold the socket open, silent.
                    std::thread::sleep(Duration::from_secs(4));
                    return;
                };
                let stream = reader.into_inner();
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(conn, stream);
                let mut buf = [0u8; 512];
                while let Ok(n) = tls.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                }
            });
        }
    });
    port
}

fn line(r: &mut BufReader<TcpStream>) -> String {
    let mut l = String::new();
    let _ = r.read_line(&mut l);
    l.trim_end().to_string()
}

fn say(r: &mut BufReader<TcpStream>, text: &str) {
    let _ = r.get_mut().write_all(text.as_bytes());
}

fn smtp(r: &mut BufReader<TcpStream>) -> bool {
    say(r, "220-mail.test ESMTP\r\n220 ready\r\n");
    let ehlo = line(r);
    // The probe greets with an address literal: no name for anyone to resolve.
    assert!(ehlo.starts_with("EHLO [127.0.0.1]"), "{ehlo}");
    say(
        r,
        "250-mail.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
    );
    if line(r) != "STARTTLS" {
        return false;
    }
    say(r, "220 2.0.0 go ahead\r\n");
    true
}

fn smtp_without_starttls(r: &mut BufReader<TcpStream>) -> bool {
    say(r, "220 mail.test ESMTP\r\n");
    line(r);
    say(r, "250-mail.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
    line(r);
    say(r, "502 5.5.1 not implemented\r\n");
    false
}

fn smtp_garbage(r: &mut BufReader<TcpStream>) -> bool {
    say(r, "220 mail.test ESMTP\r\n");
    line(r);
    say(r, "250 STARTTLS\r\n");
    line(r);
    say(r, "\u{1}\u{2}\u{3} not smtp at all\r\n");
    false
}

fn smtp_never_upgrades(r: &mut BufReader<TcpStream>) -> bool {
    say(r, "220 mail.test ESMTP\r\n");
    line(r);
    say(r, "250 STARTTLS\r\n");
    line(r);
    say(r, "220 go ahead\r\n");
    true
}

fn imap(r: &mut BufReader<TcpStream>) -> bool {
    say(r, "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n");
    let cmd = line(r);
    let Some(tag) = cmd.strip_suffix(" STARTTLS") else {
        return false;
    };
    say(r, &format!("{tag} OK begin TLS now\r\n"));
    true
}

fn pop3(r: &mut BufReader<TcpStream>) -> bool {
    say(r, "+OK POP3 ready\r\n");
    if line(r) != "STLS" {
        return false;
    }
    say(r, "+OK begin TLS\r\n");
    true
}

fn ldap(r: &mut BufReader<TcpStream>) -> bool {
    let mut head = [0u8; 2];
    if r.read_exact(&mut head).is_err() || head[0] != 0x30 {
        return false;
    }
    let mut body = vec![0u8; usize::from(head[1])];
    if r.read_exact(&mut body).is_err() {
        return false;
    }
    let oid = b"1.3.6.1.4.1.1466.20037";
    assert!(body.windows(oid.len()).any(|w| w == oid), "{body:?}");
    // messageID 1, ExtendedResponse { resultCode success, matchedDN "", diagnostic "" }.
    let _ = r.get_mut().write_all(&[
        0x30, 0x0c, 0x02, 0x01, 0x01, 0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00,
    ]);
    true
}

fn ldap_refuses(r: &mut BufReader<TcpStream>) -> bool {
    let mut buf = [0u8; 31];
    let _ = r.read_exact(&mut buf);
    // resultCode 2: protocolError (StartTLS not supported).
    let _ = r.get_mut().write_all(&[
        0x30, 0x0c, 0x02, 0x01, 0x01, 0x78, 0x07, 0x0a, 0x01, 0x02, 0x04, 0x00, 0x04, 0x00,
    ]);
    false
}

fn mysql_greeting(ssl: bool) -> Vec<u8> {
    let mut payload = vec![10];
    payload.extend_from_slice(b"8.0.40-test\0");
    payload.extend_from_slice(&7u32.to_le_bytes());
    payload.extend_from_slice(b"abcdefgh");
    payload.push(0);
    let caps: u16 = if ssl { 0xffff } else { 0xf7ff };
    payload.extend_from_slice(&caps.to_le_bytes());
    payload.extend_from_slice(&[0x21, 2, 0, 0xff, 0x81, 21]);
    payload.extend_from_slice(&[0; 10]);
    payload.extend_from_slice(b"ijklmnopqrst\0");
    let len = payload.len();
    let mut packet = vec![len as u8, (len >> 8) as u8, 0, 0];
    packet.extend_from_slice(&payload);
    packet
}

fn mysql(r: &mut BufReader<TcpStream>) -> bool {
    let _ = r.get_mut().write_all(&mysql_greeting(true));
    let mut request = [0u8; 36];
    // Unbuffered: the client sends its ClientHello right behind the SSLRequest, without
    // waiting, and those bytes belong to the TLS server.
    if r.get_mut().read_exact(&mut request).is_err() {
        return false;
    }
    // 32-byte SSLRequest, sequence 1, with CLIENT_SSL set.
    assert_eq!(&request[..4], &[32, 0, 0, 1]);
    let caps = u32::from_le_bytes(request[4..8].try_into().unwrap());
    assert_ne!(caps & 0x0800, 0);
    true
}

fn mysql_without_ssl(r: &mut BufReader<TcpStream>) -> bool {
    let _ = r.get_mut().write_all(&mysql_greeting(false));
    false
}

fn postgres(r: &mut BufReader<TcpStream>) -> bool {
    let mut request = [0u8; 8];
    if r.read_exact(&mut request).is_err() {
        return false;
    }
    assert_eq!(request, [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
    say(r, "S");
    true
}

fn postgres_without_ssl(r: &mut BufReader<TcpStream>) -> bool {
    let mut request = [0u8; 8];
    let _ = r.read_exact(&mut request);
    say(r, "N");
    false
}

fn options(pki: &Pki, timeout: Duration) -> TlsOptions {
    TlsOptions {
        ca_pem: Some(pki.ca_pem.clone().into_bytes()),
        timeout,
        ..TlsOptions::default()
    }
}

fn ids(r: &TlsReport) -> Vec<&str> {
    let mut ids: Vec<&str> = r.findings.iter().map(|f| f.id.as_str()).collect();
    ids.sort_unstable();
    ids
}

fn tls_config(pki: &Pki) -> rustls::ServerConfig {
    let leaf = pki.leaf(&["127.0.0.1", "localhost"], -1, 200, false);
    let mut config = server_config(&leaf, None);
    config.alpn_protocols.clear();
    config
}

#[test]
fn every_preamble_reaches_the_tls_server_behind_it() {
    let pki = Pki::new();
    let cases: [(&str, Script); 6] = [
        ("smtp", smtp),
        ("imap", imap),
        ("pop3", pop3),
        ("ldap", ldap),
        ("mysql", mysql),
        ("postgres", postgres),
    ];
    for (scheme, script) in cases {
        let port = server(script, Some(tls_config(&pki)));
        let url = format!("{scheme}://127.0.0.1:{port}");
        let r = probe(&url, &options(&pki, Duration::from_secs(8)), &mut |_| {}).unwrap();
        assert_eq!(r.starttls, Some(scheme), "{url}");
        assert!(r.speaks_tls, "{url}: {r:#?}");
        // The rustls server staples nothing: the one (informational) finding.
        assert_eq!(ids(&r), ["tls.no-ocsp-stapling"], "{url}: {r:#?}");
        assert_eq!(r.features.resumption, Some(true), "{url}");
        assert_eq!(
            r.features.fallback_scsv,
            Some(true),
            "{url}: downgrade sentinel"
        );
        assert!(r.protocols["TLSv1.2"] && r.protocols["TLSv1.3"], "{url}");
        assert!(!r.protocols["TLSv1.1"], "{url}");
        let cert = r.certificate.as_ref().unwrap();
        assert!(cert.trusted && cert.hostname_matches, "{url}");
        assert_eq!(r.grade, "A", "{url}: {:?}", r.grade_reasons);
        assert!(
            r.checks
                .iter()
                .any(|c| c.check == format!("{scheme} upgrade")
                    && c.outcome == "the server agreed to start TLS"),
            "{url}: {:#?}",
            r.checks
        );
        // The same server as a bare HOST:PORT with --starttls.
        let bare = probe(
            &format!("127.0.0.1:{port}"),
            &TlsOptions {
                starttls: Preamble::named(scheme),
                ..options(&pki, Duration::from_secs(8))
            },
            &mut |_| {},
        )
        .unwrap();
        assert!(bare.speaks_tls, "{scheme}: {bare:#?}");
        assert_eq!(ids(&bare), ["tls.no-ocsp-stapling"], "{scheme}: {bare:#?}");
    }
}

#[test]
fn a_server_that_declines_the_upgrade_does_not_speak_tls() {
    let pki = Pki::new();
    let cases: [(&str, Script, &str); 4] = [
        (
            "smtp",
            smtp_without_starttls,
            "does not offer STARTTLS (EHLO lists PIPELINING, 8BITMIME)",
        ),
        (
            "postgres",
            postgres_without_ssl,
            "answered SSLRequest with N",
        ),
        ("ldap", ldap_refuses, "result code 2 (protocolError"),
        ("mysql", mysql_without_ssl, "does not offer SSL"),
    ];
    for (scheme, script, why) in cases {
        let port = server(script, None);
        let url = format!("{scheme}://127.0.0.1:{port}");
        let r = probe(&url, &options(&pki, Duration::from_secs(8)), &mut |_| {}).unwrap();
        assert!(r.reachable && !r.speaks_tls, "{url}");
        assert_eq!(ids(&r), ["tls.no-tls"], "{url}: {r:#?}");
        assert!(
            r.findings[0].evidence.contains(why),
            "{url}: {}",
            r.findings[0].evidence
        );
        // One connection: the refusal is the verdict, nothing else is tried.
        assert_eq!(r.checks.len(), 1, "{url}: {:#?}", r.checks);
    }
}

#[test]
fn garbage_and_upgrades_that_never_come_end_within_the_time_limit() {
    let pki = Pki::new();
    let port = server(smtp_garbage, None);
    let started = Instant::now();
    let r = probe(
        &format!("smtp://127.0.0.1:{port}"),
        &options(&pki, Duration::from_secs(4)),
        &mut |_| {},
    )
    .unwrap();
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(ids(&r), ["tls.handshake-failed"], "{r:#?}");
    assert!(
        r.findings[0]
            .evidence
            .contains("smtp upgrade to TLS failed")
            && r.findings[0].evidence.contains("not an SMTP reply"),
        "{}",
        r.findings[0].evidence
    );

    // Agrees to STARTTLS, then never answers the ClientHello.
    let port = server(smtp_never_upgrades, None);
    let started = Instant::now();
    let r = probe(
        &format!("smtp://127.0.0.1:{port}"),
        &options(&pki, Duration::from_secs(3)),
        &mut |_| {},
    )
    .unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(3500),
        "{:?}",
        started.elapsed()
    );
    assert!(!r.speaks_tls);
    assert_eq!(ids(&r), ["tls.handshake-failed"], "{r:#?}");
    assert!(
        r.findings[0].evidence.contains("timed out"),
        "{}",
        r.findings[0].evidence
    );

    // A port that says nothing at all: the SMTP greeting never comes.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(4).collect();
        std::thread::sleep(Duration::from_secs(5));
        drop(held);
    });
    let started = Instant::now();
    let r = probe(
        &format!("smtp://127.0.0.1:{port}"),
        &options(&pki, Duration::from_secs(2)),
        &mut |_| {},
    )
    .unwrap();
    assert!(started.elapsed() < Duration::from_millis(2500));
    assert_eq!(ids(&r), ["tls.handshake-failed"], "{r:#?}");
    assert!(
        r.findings[0]
            .evidence
            .contains("waiting for the SMTP greeting: timed out"),
        "{}",
        r.findings[0].evidence
    );
}
