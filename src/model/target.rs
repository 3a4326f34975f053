//! Where a live endpoint is: the target of a probe, as a model's `endpoint` declares it. Parsed
//! here, in the model (validation checks every declared endpoint); connecting is the probe's.

/// A target that is neither `HOST:PORT` nor an http(s) URL.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid target `{0}`: use HOST:PORT or a URL such as https://host:8443/ or postgres://host:5432"
)]
pub struct InvalidTarget(pub String);

/// URL schemes a target may have, with their default ports: the web, and the database, mail,
/// directory and queue protocols whose TLS the probe checks (in-band upgrades such as
/// PostgreSQL's SSLRequest or SMTP's STARTTLS are the probe's business).
pub const SCHEMES: [(&str, u16); 18] = [
    ("https", 443),
    ("http", 80),
    ("postgres", 5432),
    ("postgresql", 5432),
    ("mysql", 3306),
    ("smtp", 25),
    ("submission", 587),
    ("smtps", 465),
    ("imap", 143),
    ("imaps", 993),
    ("pop3", 110),
    ("pop3s", 995),
    ("ldap", 389),
    ("ldaps", 636),
    ("redis", 6379),
    ("rediss", 6379),
    ("amqp", 5672),
    ("amqps", 5671),
];

/// Where to connect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
    /// The URL's scheme, lower case: `https`/`http` (for HSTS, JWT requests), or a database,
    /// mail or directory protocol from [`SCHEMES`].
    pub scheme: Option<String>,
    /// Path of a URL target, `/` otherwise.
    pub path: String,
}

impl Target {
    /// Parses `HOST:PORT`, `[v6]:PORT` or `scheme://host[:port][/path]`.
    ///
    /// # Errors
    /// The text is none of those.
    pub fn parse(text: &str) -> Result<Self, InvalidTarget> {
        let bad = || InvalidTarget(text.to_string());
        let text = text.trim();
        let (scheme, rest) = match text.split_once("://") {
            Some((s, r)) => (Some(s.to_ascii_lowercase()), r),
            None => (None, text),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].to_string()),
            None => (rest, "/".to_string()),
        };
        let default_port = match scheme.as_deref() {
            Some(s) => Some(
                SCHEMES
                    .iter()
                    .find(|(name, _)| *name == s)
                    .map(|(_, port)| *port)
                    .ok_or_else(bad)?,
            ),
            None => None,
        };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(bad)?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().map_err(|_| bad())?,
                None => default_port.ok_or_else(bad)?,
            };
            (h.to_string(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) if !h.contains(':') => (h.to_string(), p.parse().map_err(|_| bad())?),
                _ => (authority.to_string(), default_port.ok_or_else(bad)?),
            }
        };
        if host.is_empty() || port == 0 {
            return Err(bad());
        }
        Ok(Target {
            host,
            port,
            scheme,
            path,
        })
    }

    /// `host:port` for messages.
    #[must_use]
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t = Target::parse("127.0.0.1:8443").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.scheme.as_deref()),
            ("127.0.0.1", 8443, None)
        );
        let t = Target::parse("https://localhost/api/v1").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("localhost", 443, "/api/v1")
        );
        let t = Target::parse("http://[::1]:8080/x").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", 8080));
        assert_eq!(t.authority(), "[::1]:8080");
        let t = Target::parse("postgres://127.0.0.1").unwrap();
        assert_eq!((t.port, t.scheme.as_deref()), (5432, Some("postgres")));
        assert_eq!(Target::parse("SMTP://[::1]").unwrap().port, 25);
        for bad in [
            "",
            "nohost",
            "host:",
            "host:99999",
            "ftp://x",
            "gopher://x:70",
            "[::1",
            ":443",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }
}
