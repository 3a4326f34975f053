//! The cipher suite table (names and classes) and the scan of protocol versions, suites, server order and downgrade protection.

use std::sync::OnceLock;

use tls_parser::{TlsCipherEnc, TlsCipherEncMode, TlsCipherKx, TlsCipherSuite};

use super::hello::{
    Answer, EXT_EMS, EXT_HEARTBEAT, EXT_RENEGOTIATION_INFO, EXT_SESSION_TICKET, Extras,
    FALLBACK_SCSV, GROUPS, HelloSpec, INAPPROPRIATE_FALLBACK, server_share, version_name,
};
use super::{Evidence, Prober, SuiteInfo, TlsReport, VERSIONS, group_ids};

/// Every cipher suite tls-parser knows, except TLS 1.3 suites and signalling values.
pub(super) fn legacy_suites() -> &'static [u16] {
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

pub(super) const TLS13_SUITES: [u16; 5] = [0x1301, 0x1302, 0x1303, 0x1304, 0x1305];

pub(super) fn suite_name(id: u16) -> String {
    TlsCipherSuite::from_id(id).map_or_else(|| format!("0x{id:04x}"), |s| s.name.to_string())
}

pub(super) fn classify(id: u16, protocol: &'static str) -> SuiteInfo {
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

/// TLS_FALLBACK_SCSV: a hello one version below the best, saying it is a fallback, must be
/// refused with `inappropriate_fallback` (RFC 7507). Only testable when the server accepts a
/// lower version too.
pub(super) fn fallback_scsv(
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
pub(super) fn protocols_and_suites(
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
        HelloSpec::tls13(&TLS13_SUITES, &groups, true),
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
                HelloSpec::tls13(&TLS13_SUITES, &[group], false),
                false,
            );
            if matches!(answer, Answer::Hello { version: 0x0304, group: Some(g), .. } if g == group)
            {
                report.groups.push(name.to_string());
            }
        }
        report.groups_protocol = Some("TLSv1.3");
    } else if let Some((version, _)) = &best_legacy {
        legacy_groups(p, report, *version);
    }
    if evidence.tls13_offered {
        report.features.post_quantum = Some(report.groups.iter().any(|g| g.contains("MLKEM")));
    }
    fallback_scsv(p, report, &evidence, best_legacy.as_ref().map(|(v, _)| *v));
    if let Some((version, _)) = &best_legacy {
        super::vulns::check(p, report, *version);
    }

    // The finite-field DH size, from the ServerKeyExchange of a DHE suite.
    let dhe: Vec<u16> = report
        .cipher_suites
        .iter()
        .filter(|s| s.name.contains("_DHE_") && s.protocol != "TLSv1.3")
        .filter_map(SuiteInfo::number)
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

/// The elliptic curves a server without TLS 1.3 takes for ECDHE: its accepted ECDHE suites
/// offered with one curve at a time; the curve counts when the ServerKeyExchange names it.
fn legacy_groups(p: &mut Prober<'_>, report: &mut TlsReport, version: u16) {
    const CURVES: [u16; 5] = [0x001d, 0x0017, 0x0018, 0x0019, 0x001e];
    let Some(&(_, key)) = VERSIONS.iter().find(|(v, _)| *v == version) else {
        return;
    };
    let ecdhe: Vec<u16> = report
        .cipher_suites
        .iter()
        .filter(|s| s.protocol == key && s.name.contains("_ECDHE_"))
        .filter_map(SuiteInfo::number)
        .collect();
    if ecdhe.is_empty() {
        return;
    }
    for (group, name) in GROUPS.iter().filter(|(g, _)| CURVES.contains(g)) {
        let answer = p.hello(
            &format!("{key} ECDHE curve {name}"),
            HelloSpec::legacy(version, &ecdhe, &[*group]),
            true,
        );
        if let Answer::Hello { flight, .. } = answer
            && let Some((_, ske)) = flight.iter().find(|(t, _)| *t == 12)
            && server_share(ske).is_some_and(|(g, _)| g == *group)
        {
            report.groups.push((*name).to_string());
        }
    }
    report.groups_protocol = Some(key);
}

/// Accepted suites of one version: offer all, take what the server picks, repeat without it.
/// Then offer the accepted ones reversed: if the server still picks the same first, it enforces
/// its own order.
pub(super) fn enumerate(
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
            if tls13 {
                HelloSpec::tls13(&remaining, &groups, true)
            } else {
                HelloSpec::legacy(version, &remaining, &groups)
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
            if tls13 {
                HelloSpec::tls13(&reversed, &groups, true)
            } else {
                HelloSpec::legacy(version, &reversed, &groups)
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
