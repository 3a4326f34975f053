//! Open Threat Model 0.2 (JSON or YAML: `otmVersion`, `project`, `trustZones`, `components`,
//! `dataflows`, `assets`, `threats`, `mitigations`) into Rampart.
//!
//! Trust zones become boundaries (trust rating 0-100 as trust 0-10; the kind from the zone's
//! `type` and name, else from the rating), components nodes (the kind from the words of their
//! `type`, per [`COMPONENT_WORDS`]), dataflows flows, assets data assets (confidentiality
//! 0-100 as a classification). OTM has no fields for encryption or authentication: tags and
//! attributes that say them are read per [`FLOW_WORDS`], and a model Rampart exported carries
//! every property as a `rampart:` attribute, read back exactly. Threat instances whose threat is
//! a Rampart finding become decisions when their state is not open; other tools' threats stay
//! in their element's description with their state and mitigations.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{Ids, Imported, Note, boundary_kind_from_words, list, tags_from_words, text};
use crate::model::{
    AuthKind, Boundary, BoundaryKind, Classification, DataAsset, Encryption, Flow, Model, Node,
    NodeKind, Pos, RiskDecision, Status,
};

/// The trust zone nodes outside every boundary are placed in on export (OTM components need a
/// parent); import leaves its members in no boundary.
pub const UNZONED: &str = "rampart-no-boundary";
/// The one diagram representation an export's positions refer to.
pub const DIAGRAM: &str = "rampart-diagram";
/// The attribute prefix for Rampart properties OTM has no field for.
pub const PREFIX: &str = "rampart:";

/// OTM threat instance states per decision status, both ways (other states are read by their
/// words: "mitigat…", "accept…", "…progress", "not-applicable").
pub const STATES: &[(Status, &str)] = &[
    (Status::Open, "exposed"),
    (Status::InProgress, "in-progress"),
    (Status::Accepted, "accepted"),
    (Status::Mitigated, "mitigated"),
    (Status::FalsePositive, "not-applicable"),
];

/// Words in a component's `type` (IriusRisk library names such as `generic-client`,
/// `postgresql`, `aws-lambda`) -> node kind; first match wins, a service when none does.
pub const COMPONENT_WORDS: &[(&[&str], NodeKind)] = &[
    (
        &["vault", "secret", "kms", "hsm", "key-management"],
        NodeKind::SecretStore,
    ),
    (
        &[
            "identity-provider",
            "idp",
            "cognito",
            "keycloak",
            "okta",
            "auth0",
            "oidc",
            "sso",
            "active-directory",
            "entra",
        ],
        NodeKind::IdentityProvider,
    ),
    (
        &[
            "queue",
            "broker",
            "kafka",
            "sqs",
            "sns",
            "rabbitmq",
            "activemq",
            "pubsub",
            "event-hub",
            "kinesis",
        ],
        NodeKind::MessageQueue,
    ),
    (
        &[
            "database",
            "db",
            "sql",
            "postgres",
            "mysql",
            "mariadb",
            "mongo",
            "dynamo",
            "redis",
            "cache",
            "s3",
            "bucket",
            "storage",
            "blob",
            "file-system",
            "elastic",
            "cassandra",
            "oracle",
            "rds",
            "aurora",
        ],
        NodeKind::DataStore,
    ),
    (
        &[
            "gateway",
            "load-balancer",
            "proxy",
            "cdn",
            "waf",
            "ingress",
            "elb",
            "alb",
            "nginx",
        ],
        NodeKind::Gateway,
    ),
    (
        &["third-party", "external", "saas", "partner"],
        NodeKind::ExternalSystem,
    ),
    (
        &[
            "client", "browser", "terminal", "mobile", "device", "actor", "human", "person",
        ],
        NodeKind::Actor,
    ),
];

/// A component kind from its type's words: a word matches a token that starts with it
/// ("postgres" matches `postgresql`), a hyphenated word anywhere in the type.
fn component_kind(ty: &str) -> NodeKind {
    let ty = ty.to_lowercase();
    let tokens: Vec<&str> = ty.split(['-', '_', ' ', '.', '/']).collect();
    COMPONENT_WORDS
        .iter()
        .find(|(words, _)| {
            words.iter().any(|w| {
                if w.contains('-') {
                    ty.contains(w)
                } else {
                    tokens.iter().any(|t| t.starts_with(w))
                }
            })
        })
        .map_or(NodeKind::Service, |(_, k)| *k)
}

/// Words in a dataflow's tags, name or attributes -> encryption and authentication.
pub const FLOW_WORDS: &[(&str, Option<Encryption>, Option<AuthKind>)] = &[
    ("mtls", Some(Encryption::Mtls), Some(AuthKind::Mtls)),
    ("https", Some(Encryption::Tls), None),
    ("tls", Some(Encryption::Tls), None),
    ("ssl", Some(Encryption::Tls), None),
    ("wss", Some(Encryption::Tls), None),
    ("oauth", None, Some(AuthKind::Oauth2)),
    ("oidc", None, Some(AuthKind::Oauth2)),
    ("jwt", None, Some(AuthKind::Jwt)),
    ("api-key", None, Some(AuthKind::ApiKey)),
    ("basic-auth", None, Some(AuthKind::Basic)),
    ("session", None, Some(AuthKind::Session)),
];

/// A trust zone's kind from its trust rating (0-100) when its type and name say nothing.
fn kind_from_rating(rating: f64) -> BoundaryKind {
    if rating <= 10.0 {
        BoundaryKind::Internet
    } else if rating <= 40.0 {
        BoundaryKind::Dmz
    } else if rating >= 80.0 {
        BoundaryKind::RestrictedZone
    } else {
        BoundaryKind::InternalNetwork
    }
}

/// An integrity or availability rating (0-100) as a Rampart rating, by the same bands as
/// confidentiality.
fn rating_from_number(rating: f64) -> crate::model::Rating {
    use crate::model::Rating;
    if rating < 25.0 {
        Rating::Low
    } else if rating < 55.0 {
        Rating::Medium
    } else if rating < 85.0 {
        Rating::High
    } else {
        Rating::Critical
    }
}

fn classification_from_rating(rating: f64) -> Classification {
    if rating < 25.0 {
        Classification::Public
    } else if rating < 55.0 {
        Classification::Internal
    } else if rating < 85.0 {
        Classification::Confidential
    } else {
        Classification::Restricted
    }
}

/// Whether a document looks like an OTM model.
#[must_use]
pub fn detect(doc: &Value) -> bool {
    doc.get("otmVersion").is_some() && doc.get("project").is_some_and(Value::is_object)
}

fn number(v: &Value, path: &str) -> Option<f64> {
    match v.pointer(path)? {
        Value::Number(n) => n.as_f64().filter(|x| x.is_finite()),
        Value::String(s) => s.trim().parse().ok().filter(|x: &f64| x.is_finite()),
        _ => None,
    }
}

fn array<'a>(doc: &'a Value, key: &str) -> &'a [Value] {
    doc.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The `rampart:` attributes of an element, as the fields of a JSON object: values that are
/// JSON (booleans, numbers, lists, maps) as such, the rest as strings.
fn rampart_fields(v: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(attrs) = v.get("attributes").and_then(Value::as_object) {
        for (k, val) in attrs {
            let Some(field) = k.strip_prefix(PREFIX) else {
                continue;
            };
            let s = super::scalar(Some(val));
            let parsed = match serde_json::from_str::<Value>(&s) {
                Ok(
                    x @ (Value::Bool(_) | Value::Number(_) | Value::Array(_) | Value::Object(_)),
                ) => x,
                _ => Value::String(s),
            };
            out.insert(field.to_string(), parsed);
        }
    }
    out
}

/// An element from its native fields overlaid with its `rampart:` attributes; numbers that
/// were text in a string field are retried as strings.
fn with_fields<T: DeserializeOwned>(
    mut obj: Map<String, Value>,
    extra: &Map<String, Value>,
) -> Result<T, String> {
    for (k, v) in extra {
        obj.insert(k.clone(), v.clone());
    }
    match serde_json::from_value::<T>(Value::Object(obj.clone())) {
        Ok(t) => Ok(t),
        Err(first) => {
            for (k, v) in extra {
                if let Value::Number(n) = v {
                    obj.insert(k.clone(), Value::String(n.to_string()));
                }
            }
            serde_json::from_value::<T>(Value::Object(obj)).map_err(|_| first.to_string())
        }
    }
}

fn status_of(state: &str) -> Status {
    let s = state.to_lowercase();
    STATES.iter().find(|(_, v)| *v == s).map_or(
        if s.contains("mitigat") {
            Status::Mitigated
        } else if s.contains("accept") {
            Status::Accepted
        } else if s.contains("progress") {
            Status::InProgress
        } else if s.contains("not-applicable") || s.contains("false") || s.contains("not-exist") {
            Status::FalsePositive
        } else {
            Status::Open
        },
        |(k, _)| *k,
    )
}

/// Converts an OTM document.
///
/// # Errors
/// The document is not an OTM model, or a Rampart attribute does not fit its property.
pub fn import(doc: &Value, text_of_file: &str) -> Result<Imported, String> {
    if !detect(doc) {
        return Err("1:1: not an Open Threat Model: expected `otmVersion` and `project`".into());
    }
    let mut notes = Vec::new();
    let project = &doc["project"];
    let mut model = Model::new(match text(project, "name").as_str() {
        "" => "Imported from OTM".to_string(),
        n => n.to_string(),
    });
    model.description = text(project, "description");
    model.author = text(project, "owner");
    let project_fields = rampart_fields(project);
    let exported = !project_fields.is_empty()
        || array(doc, "components")
            .iter()
            .any(|c| !rampart_fields(c).is_empty());
    let from_rampart = |key: &str| project_fields.get(key).cloned();
    if let Some(v) = from_rampart("review") {
        model.review = serde_json::from_value(v)
            .map_err(|e| format!("1:1: project attribute rampart:review: {e}"))?;
    }
    if let Some(v) = from_rampart("frameworks") {
        model.frameworks = serde_json::from_value(v)
            .map_err(|e| format!("1:1: project attribute rampart:frameworks: {e}"))?;
    }
    if let Some(v) = from_rampart("decisions") {
        model.decisions = serde_json::from_value(v)
            .map_err(|e| format!("1:1: project attribute rampart:decisions: {e}"))?;
    }
    if let Some(v) = from_rampart("runtimes") {
        model.runtimes = serde_json::from_value(v)
            .map_err(|e| format!("1:1: project attribute rampart:runtimes: {e}"))?;
    }
    if let Some(v) = from_rampart("boundary_layout") {
        model.layout.boundaries = serde_json::from_value(v)
            .map_err(|e| format!("1:1: project attribute rampart:boundary_layout: {e}"))?;
    }
    let mut ids = Ids::default();
    for r in &model.runtimes {
        ids.take(&r.id, &r.id);
    }
    let mut id_of: HashMap<String, String> = HashMap::new();
    let take = |ids: &mut Ids, id_of: &mut HashMap<String, String>, sid: &str, name: &str| {
        let id = ids.take_readable(sid, name);
        id_of.insert(sid.to_string(), id.clone());
        id
    };
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut once = |sid: &str, what: &str, name: &str| -> Result<(), String> {
        if !sid.is_empty() && !seen.insert(sid.to_string()) {
            return Err(format!(
                "{}: {what} \"{name}\" uses the id \"{sid}\" another element already has; OTM ids are unique",
                super::position_of(text_of_file, "id", sid, 1)
            ));
        }
        Ok(())
    };

    for a in array(doc, "assets") {
        let source = text(a, "id");
        let name = text(a, "name");
        once(&source, "asset", &name)?;
        let id = take(&mut ids, &mut id_of, &source, &name);
        let fields = rampart_fields(a);
        let mut base = Map::new();
        base.insert("id".into(), Value::String(id.clone()));
        base.insert("name".into(), Value::String(name.clone()));
        base.insert("description".into(), Value::String(text(a, "description")));
        let conf = number(a, "/risk/confidentiality").unwrap_or(50.0);
        if !fields.contains_key("classification") {
            base.insert(
                "classification".into(),
                Value::String(classification_from_rating(conf).key().into()),
            );
            let tags = tags_from_words(&[name.clone(), text(a, "description")]);
            base.insert(
                "tags".into(),
                serde_json::to_value(tags).unwrap_or_default(),
            );
            for (key, path) in [
                ("integrity", "/risk/integrity"),
                ("availability", "/risk/availability"),
            ] {
                if let Some(r) = number(a, path) {
                    base.insert(
                        key.into(),
                        Value::String(rating_from_number(r).key().into()),
                    );
                }
            }
        }
        let asset: DataAsset =
            with_fields(base, &fields).map_err(|e| format!("1:1: asset \"{name}\": {e}"))?;
        model.assets.push(asset);
    }

    let mut parents: Vec<(String, Value)> = Vec::new();
    for z in array(doc, "trustZones") {
        let source = text(z, "id");
        let name = text(z, "name");
        once(&source, "trust zone", &name)?;
        let fields = rampart_fields(z);
        if fields.get("synthetic").and_then(Value::as_bool) == Some(true) || source == UNZONED {
            id_of.insert(source, String::new());
            continue;
        }
        let id = take(&mut ids, &mut id_of, &source, &name);
        let description = text(z, "description");
        let rating = number(z, "/risk/trustRating");
        let mut base = Map::new();
        base.insert("id".into(), Value::String(id.clone()));
        base.insert("name".into(), Value::String(name.clone()));
        base.insert("description".into(), Value::String(description.clone()));
        if !fields.contains_key("kind") {
            let kind = BoundaryKind::from_key(&text(z, "type"))
                .or_else(|| boundary_kind_from_words(&format!("{name} {}", text(z, "type")), ""))
                .or_else(|| rating.map(kind_from_rating))
                .unwrap_or(BoundaryKind::InternalNetwork);
            base.insert("kind".into(), Value::String(kind.key().into()));
            if let Some(r) = rating {
                let trust = (r / 10.0).round().clamp(0.0, 10.0) as u8;
                if trust != kind.default_trust() {
                    base.insert("trust".into(), Value::from(trust));
                }
            }
        }
        let boundary: Boundary =
            with_fields(base, &fields).map_err(|e| format!("1:1: trust zone \"{name}\": {e}"))?;
        if let Some(p) = z.get("parent") {
            parents.push((id.clone(), p.clone()));
        }
        model.boundaries.push(boundary);
    }
    for (child, p) in parents {
        let zone = text(&p, "trustZone");
        match id_of.get(&zone).filter(|z| !z.is_empty()) {
            Some(parent) => {
                if let Some(b) = model.boundary_mut(&child) {
                    b.parent = Some(parent.clone());
                }
            }
            None if !zone.is_empty() => notes.push(Note::unmapped(
                model.element_name(&child).unwrap_or(&child).to_string(),
                format!("parent trust zone \"{zone}\" is not in the model"),
            )),
            None => notes.push(Note::unmapped(
                model.element_name(&child).unwrap_or(&child).to_string(),
                "a trust zone inside a component (Rampart boundaries nest only in boundaries)",
            )),
        }
    }

    // Components: in order, a component whose parent is a component takes its zone.
    let components = array(doc, "components");
    let mut component_zone: HashMap<String, Option<String>> = HashMap::new();
    for c in components {
        let source = text(c, "id");
        let name = text(c, "name");
        once(&source, "component", &name)?;
        let id = take(&mut ids, &mut id_of, &source, &name);
        let ty = text(c, "type");
        let mut fields = rampart_fields(c);
        let placed = fields.remove("placed").and_then(|v| v.as_bool()) != Some(false);
        let mut base = Map::new();
        base.insert("id".into(), Value::String(id.clone()));
        base.insert("name".into(), Value::String(name.clone()));
        base.insert("description".into(), Value::String(text(c, "description")));
        let kind = NodeKind::from_key(&ty).unwrap_or_else(|| component_kind(&ty));
        base.insert("kind".into(), Value::String(kind.key().into()));
        if !fields.contains_key("technology") && NodeKind::from_key(&ty).is_none() {
            base.insert("technology".into(), Value::String(ty.clone()));
        }
        let zone = match c.get("parent") {
            Some(p) if p.get("trustZone").is_some() => {
                let z = text(p, "trustZone");
                match id_of.get(&z) {
                    Some(b) if b.is_empty() => None,
                    Some(b) => Some(b.clone()),
                    None => {
                        notes.push(Note::unmapped(
                            name.as_str(),
                            format!("parent trust zone \"{z}\" is not in the model"),
                        ));
                        None
                    }
                }
            }
            Some(p) => {
                let parent = text(p, "component");
                notes.push(Note::unmapped(
                    name.as_str(),
                    format!("inside component \"{parent}\" (Rampart does not nest nodes); placed in that component's boundary"),
                ));
                component_zone.get(&parent).cloned().flatten()
            }
            None => None,
        };
        component_zone.insert(source.clone(), zone.clone());
        if let Some(z) = &zone {
            base.insert("boundary".into(), Value::String(z.clone()));
        }
        let stored: Vec<String> = c
            .pointer("/assets/stored")
            .map(|_| list(c.get("assets").unwrap_or(&Value::Null), "stored"))
            .unwrap_or_default()
            .iter()
            .filter_map(|s| id_of.get(s).cloned())
            .filter(|a| model.asset(a).is_some())
            .collect();
        base.insert(
            "stores".into(),
            serde_json::to_value(stored).unwrap_or_default(),
        );
        let mut node: Node =
            with_fields(base, &fields).map_err(|e| format!("1:1: component \"{name}\": {e}"))?;
        foreign_threats(c, doc, &mut node.description, &mut notes, &name);
        if placed {
            layout_of(c, &mut model, &id);
        }
        if model.add_node(node).is_err() {
            notes.push(Note::unmapped(
                name.as_str(),
                "component could not be added",
            ));
        }
    }

    for f in array(doc, "dataflows") {
        let source = text(f, "id");
        let name = text(f, "name");
        once(&source, "dataflow", &name)?;
        let ends = (text(f, "source"), text(f, "destination"));
        let (Some(from), Some(to)) = (id_of.get(&ends.0).cloned(), id_of.get(&ends.1).cloned())
        else {
            let missing = if id_of.contains_key(&ends.0) {
                ("destination", &ends.1)
            } else {
                ("source", &ends.0)
            };
            return Err(format!(
                "{}: dataflow \"{name}\": its {} \"{}\" is not a component",
                super::position_of(text_of_file, missing.0, missing.1, 0),
                missing.0,
                missing.1
            ));
        };
        if from == to || model.node(&from).is_none() || model.node(&to).is_none() {
            notes.push(Note::unmapped(
                name.as_str(),
                "dataflow not imported: it loops on one component or joins a trust zone",
            ));
            continue;
        }
        let fields = rampart_fields(f);
        let id = ids.take_readable(
            &source,
            &if name.is_empty() {
                format!("{from}-to-{to}")
            } else {
                format!("{from} {name}")
            },
        );
        let mut base = Map::new();
        base.insert("id".into(), Value::String(id.clone()));
        base.insert("from".into(), Value::String(from.clone()));
        base.insert("to".into(), Value::String(to.clone()));
        base.insert("name".into(), Value::String(name.clone()));
        let data: Vec<String> = list(f, "assets")
            .iter()
            .filter_map(|a| id_of.get(a).cloned())
            .filter(|a| model.asset(a).is_some())
            .collect();
        base.insert(
            "data".into(),
            serde_json::to_value(data).unwrap_or_default(),
        );
        if !exported {
            let mut words: Vec<String> = list(f, "tags");
            words.push(name.clone());
            if let Some(attrs) = f.get("attributes").and_then(Value::as_object) {
                for (k, v) in attrs {
                    words.push(format!("{k} {}", super::scalar(Some(v))));
                }
            }
            let words = words.join(" ").to_lowercase();
            let (mut enc, mut auth) = (Encryption::None, AuthKind::None);
            for (w, e, a) in FLOW_WORDS {
                if words.contains(w) {
                    if let (Some(e), Encryption::None) = (e, enc) {
                        enc = *e;
                    }
                    if let (Some(a), AuthKind::None) = (a, auth) {
                        auth = *a;
                    }
                }
            }
            base.insert("encryption".into(), Value::String(enc.key().into()));
            base.insert("authentication".into(), Value::String(auth.key().into()));
            if let Some(p) = list(f, "tags").first() {
                base.insert("protocol".into(), Value::String(p.to_lowercase()));
            }
            if enc == Encryption::None && auth == AuthKind::None {
                notes.push(Note::info(
                    name.as_str(),
                    "OTM records no encryption or authentication and its tags name none: imported as plaintext and unauthenticated",
                ));
            }
        }
        if text(f, "bidirectional") == "true" {
            notes.push(Note::info(
                name.as_str(),
                "bidirectional: one Rampart flow, from source to destination, carries data both ways",
            ));
        }
        let mut flow: Flow =
            with_fields(base, &fields).map_err(|e| format!("1:1: dataflow \"{name}\": {e}"))?;
        flow.id = id;
        // Rampart flows have no description: another tool's threats on a flow stay as notes,
        // one each (not the count note `foreign_threats` gives elements).
        let mut description = String::new();
        let mut counted = Vec::new();
        foreign_threats(f, doc, &mut description, &mut counted, &name);
        for line in description.lines() {
            notes.push(Note::info(name.as_str(), line.to_string()));
        }
        if model.add_flow(flow).is_err() {
            notes.push(Note::unmapped(name.as_str(), "dataflow could not be added"));
        }
    }

    // Decisions from the states of Rampart's own threats, when the export did not carry them.
    if !project_fields.contains_key("decisions") {
        for t in array(doc, "threats") {
            let tid = text(t, "id");
            let from_rampart = t.pointer(&format!("/attributes/{PREFIX}rule")).is_some();
            if !from_rampart {
                continue;
            }
            let state = doc_state(doc, &tid);
            if let Some(status) = state.filter(|s| *s != Status::Open) {
                model.decisions.push(RiskDecision {
                    finding: tid,
                    status,
                    justification: "Carried over from the OTM threat's state".into(),
                    owner: String::new(),
                    date: String::new(),
                });
            }
        }
    }
    if !exported {
        let n = model.flow_count();
        if n > 0 {
            notes.push(Note::info(
                "",
                "OTM has no authentication or encryption fields: flows take them from their tags only",
            ));
        }
    }
    Ok(Imported { model, notes })
}

/// The state of a threat on whichever element carries it.
fn doc_state(doc: &Value, threat: &str) -> Option<Status> {
    array(doc, "components")
        .iter()
        .chain(array(doc, "dataflows"))
        .flat_map(|e| array(e, "threats"))
        .find(|i| text(i, "threat") == threat)
        .map(|i| status_of(&text(i, "state")))
}

/// Another tool's threats on an element, kept in its description: name, state, mitigations.
fn foreign_threats(
    element: &Value,
    doc: &Value,
    description: &mut String,
    notes: &mut Vec<Note>,
    name: &str,
) {
    let mut count = 0;
    for i in array(element, "threats") {
        let tid = text(i, "threat");
        let threat = array(doc, "threats").iter().find(|t| text(t, "id") == tid);
        if threat.is_some_and(|t| t.pointer(&format!("/attributes/{PREFIX}rule")).is_some()) {
            continue;
        }
        let title = threat.map_or_else(|| tid.clone(), |t| text(t, "name"));
        let mitigations: Vec<String> = array(i, "mitigations")
            .iter()
            .map(|m| {
                let mid = text(m, "mitigation");
                let mname = array(doc, "mitigations")
                    .iter()
                    .find(|x| text(x, "id") == mid)
                    .map_or(mid.clone(), |x| text(x, "name"));
                format!("{mname} ({})", text(m, "state"))
            })
            .collect();
        let line = format!(
            "[OTM threat, {}] {title}{}",
            text(i, "state"),
            if mitigations.is_empty() {
                String::new()
            } else {
                format!(" — mitigations: {}", mitigations.join(", "))
            }
        );
        if !description.is_empty() {
            description.push('\n');
        }
        description.push_str(&line);
        count += 1;
    }
    if count > 0 {
        notes.push(Note::info(
            name,
            format!(
                "{count} threat{} from another tool kept in the description",
                if count == 1 { "" } else { "s" }
            ),
        ));
    }
}

/// A node's position from its first diagram representation (the centre of its box).
fn layout_of(element: &Value, model: &mut Model, id: &str) {
    let Some(r) = array(element, "representations")
        .iter()
        .find(|r| r.get("position").is_some())
    else {
        return;
    };
    let (Some(x), Some(y)) = (
        super::coordinate(r.pointer("/position/x")),
        super::coordinate(r.pointer("/position/y")),
    ) else {
        return;
    };
    let w = super::coordinate(r.pointer("/size/width")).unwrap_or(0.0);
    let h = super::coordinate(r.pointer("/size/height")).unwrap_or(0.0);
    model.layout.nodes.insert(
        id.to_string(),
        Pos {
            x: x + w / 2.0,
            y: y + h / 2.0,
        },
    );
}
