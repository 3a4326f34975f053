//! Finding texts for people. A rule writes its message and fix in the terms of the model file
//! — element ids and properties in backticks (`` `order-db` ``, `` `encryption: tls` ``) — which
//! is what the CLI, JSON and SARIF print. These functions read those references back as
//! structure ([`Span`]) and render them for the GUI and the PDF: element names instead of ids,
//! inspector labels instead of file keys, no backticks.

use crate::model::{
    Access, AuthKind, Authorization, Encryption, HumanUsers, Model, SecretsLocation, TlsVersion,
};

/// A piece of a finding's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Span {
    Text(String),
    /// An element of the model, by id.
    Element(String),
    /// A property and value in file syntax (`encryption: tls`), or another literal.
    Code(String),
}

/// The text split at its backtick references.
#[must_use]
pub fn spans(text: &str, model: &Model) -> Vec<Span> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('`') {
        let Some(len) = rest[start + 1..].find('`') else {
            break;
        };
        if start > 0 {
            out.push(Span::Text(rest[..start].to_string()));
        }
        let inner = &rest[start + 1..start + 1 + len];
        out.push(if model.id_in_use(inner) {
            Span::Element(inner.to_string())
        } else {
            Span::Code(inner.to_string())
        });
        rest = &rest[start + 2 + len..];
    }
    if !rest.is_empty() {
        out.push(Span::Text(rest.to_string()));
    }
    out
}

/// The label an inspector shows for a property key of the model file.
fn property_label(key: &str) -> Option<&'static str> {
    Some(match key {
        "encryption" => "Encryption",
        "tls_min" => "Lowest TLS version",
        "authentication" => "Authentication",
        "authorization" => "Authorization",
        "audit_logging" => "Audit logging",
        "encrypted_at_rest" => "Encrypted at rest",
        "rate_limited" => "Rate limited",
        "internet_facing" => "Internet-facing",
        "privileged" => "Runs privileged",
        "users" => "Human users",
        "secrets" => "Secrets",
        "access" => "Access",
        "data" => "Data carried",
        "stores" => "Stores data",
        "boundary" => "Boundary",
        "identity" => "Service identity",
        _ => return None,
    })
}

/// The label of a value in file syntax (`tls` is "TLS", `true` is "on").
fn value_label(key: Option<&str>, value: &str) -> Option<String> {
    fn find<T: Copy>(all: &[T], key: impl Fn(T) -> &'static str, v: &str) -> Option<T> {
        all.iter().copied().find(|x| key(*x) == v)
    }
    let label = |v: &str| -> Option<&'static str> {
        match key {
            Some("encryption") => find(Encryption::ALL, Encryption::key, v).map(Encryption::label),
            Some("tls_min") => find(TlsVersion::ALL, TlsVersion::key, v).map(TlsVersion::label),
            Some("authentication") => find(AuthKind::ALL, AuthKind::key, v).map(AuthKind::label),
            Some("authorization") => {
                find(Authorization::ALL, Authorization::key, v).map(Authorization::label)
            }
            Some("users") => find(HumanUsers::ALL, HumanUsers::key, v).map(HumanUsers::label),
            Some("secrets") => {
                find(SecretsLocation::ALL, SecretsLocation::key, v).map(SecretsLocation::label)
            }
            Some("access") => find(Access::ALL, Access::key, v).map(Access::label),
            _ => find(Encryption::ALL, Encryption::key, v)
                .map(Encryption::label)
                .or_else(|| find(TlsVersion::ALL, TlsVersion::key, v).map(TlsVersion::label))
                .or_else(|| find(AuthKind::ALL, AuthKind::key, v).map(AuthKind::label)),
        }
    };
    match value {
        "true" => Some("on".into()),
        "false" => Some("off".into()),
        v => label(v).map(str::to_string),
    }
}

/// A backtick literal for people: "Encryption: TLS" for `encryption: tls`.
fn code_for_people(code: &str) -> String {
    if let Some((k, v)) = code.split_once(':') {
        let (k, v) = (k.trim(), v.trim());
        if let Some(label) = property_label(k) {
            return match value_label(Some(k), v) {
                Some(value) => format!("{label}: {value}"),
                None => format!("{label}: {v}"),
            };
        }
    }
    if let Some(label) = property_label(code) {
        return label.to_string();
    }
    value_label(None, code).unwrap_or_else(|| code.to_string())
}

/// The text for people: element names, inspector labels, no backticks.
#[must_use]
pub fn for_people(text: &str, model: &Model) -> String {
    let mut out = String::with_capacity(text.len());
    for span in spans(text, model) {
        match span {
            Span::Text(t) => out.push_str(&t),
            Span::Element(id) => out.push_str(model.element_name(&id).unwrap_or(&id)),
            Span::Code(c) => out.push_str(&code_for_people(&c)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_become_names_and_file_syntax_becomes_labels() {
        let m = Model::example();
        let t = "Set `encryption: tls` (or `mtls`) on flow `admin-console-to-order-db`.";
        let people = for_people(t, &m);
        assert!(!people.contains('`'), "{people}");
        assert!(people.contains("Encryption: TLS"), "{people}");
        assert!(people.contains("(or Mutual TLS)"), "{people}");
        assert!(
            people.contains(m.element_name("admin-console-to-order-db").unwrap()),
            "{people}"
        );
        let t = "`order-db` stores data; set `audit_logging: true` and `tls_min: tls1_2`.";
        let people = for_people(t, &m);
        assert!(people.starts_with("Order DB"), "{people}");
        assert!(people.contains("Audit logging: on"), "{people}");
        assert!(people.contains("Lowest TLS version: TLS 1.2"), "{people}");
        // Unknown literals keep their text, without the backticks.
        assert_eq!(for_people("use `hostssl`", &m), "use hostssl");
        assert_eq!(
            spans("a `order-db` b", &m),
            vec![
                Span::Text("a ".into()),
                Span::Element("order-db".into()),
                Span::Text(" b".into())
            ]
        );
    }
}
