//! Threagile models (YAML: `data_assets`, `technical_assets` with `communication_links`,
//! `trust_boundaries`, `shared_runtimes`, `risk_tracking`; the 1.x schema and 0.9.x, with
//! `includes` merged in) into Rampart.
//!
//! Threagile keys its elements by title and gives each an `id`; Rampart keeps the ids
//! (normalised) and the titles as names. A communication link runs from the asset that holds it
//! to its `target`, the direction of the request, as a Rampart flow does; the data it sends and
//! receives are both carried by the flow. A link's authorization is how its target authorizes
//! the caller, so the strongest authorization on a node's incoming links becomes the node's.
//! Every table below is the whole mapping for its field: a value not in a table is kept as text
//! where the model has a place (technology, protocol) and named in the notes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde_json::{Map, Value};

use super::{Ids, Imported, Note, boundary_kind_from_words, flag, list, tags_from_words, text};
use crate::model::{
    Access, AuthKind, Authorization, Boundary, BoundaryKind, Classification, DataAsset, Encryption,
    Flow, Model, Node, NodeKind, RiskDecision, Status,
};

/// Threagile `confidentiality` -> Rampart classification. Threagile has five levels to
/// Rampart's four: its `restricted` sits below `confidential`.
pub const CONFIDENTIALITY: &[(&str, Classification)] = &[
    ("public", Classification::Public),
    ("internal", Classification::Internal),
    ("restricted", Classification::Confidential),
    ("confidential", Classification::Restricted),
    ("strictly-confidential", Classification::Restricted),
];

/// Threagile `integrity` and `availability` (archive < operational < important < critical <
/// mission-critical) -> Rampart ratings.
pub const CRITICALITY: &[(&str, crate::model::Rating)] = &[
    ("archive", crate::model::Rating::Low),
    ("operational", crate::model::Rating::Medium),
    ("important", crate::model::Rating::High),
    ("critical", crate::model::Rating::Critical),
    ("mission-critical", crate::model::Rating::Critical),
];

/// Threagile `technology` -> node kind, where the technology decides it (otherwise `type`
/// does: external-entity an actor when `used_as_client_by_human`, else an external system;
/// process a service; datastore a data store).
pub const TECHNOLOGY_KINDS: &[(&str, NodeKind)] = &[
    ("identity-provider", NodeKind::IdentityProvider),
    ("gateway", NodeKind::Gateway),
    ("reverse-proxy", NodeKind::Gateway),
    ("load-balancer", NodeKind::Gateway),
    ("waf", NodeKind::Gateway),
    ("service-mesh", NodeKind::Gateway),
    ("vault", NodeKind::SecretStore),
    ("hsm", NodeKind::SecretStore),
    ("message-queue", NodeKind::MessageQueue),
    ("stream-processing", NodeKind::MessageQueue),
    ("database", NodeKind::DataStore),
    ("file-server", NodeKind::DataStore),
    ("local-file-system", NodeKind::DataStore),
    ("block-storage", NodeKind::DataStore),
    ("data-lake", NodeKind::DataStore),
    ("search-index", NodeKind::DataStore),
    ("identity-store-ldap", NodeKind::DataStore),
    ("identity-store-database", NodeKind::DataStore),
    ("sourcecode-repository", NodeKind::SourceRepository),
    ("artifact-registry", NodeKind::ArtifactRegistry),
    ("build-pipeline", NodeKind::Pipeline),
];

/// Threagile `protocol` -> (encryption, protocol text). Threagile's `-encrypted` variants and
/// the protocols that are TLS or SSH by definition are encrypted; the rest are plaintext.
pub const PROTOCOLS: &[(&str, Encryption, &str)] = &[
    ("unknown-protocol", Encryption::None, ""),
    ("http", Encryption::None, "http"),
    ("https", Encryption::Tls, "https"),
    ("ws", Encryption::None, "ws"),
    ("wss", Encryption::Tls, "wss"),
    ("reverse-proxy-web-protocol", Encryption::None, "http"),
    (
        "reverse-proxy-web-protocol-encrypted",
        Encryption::Tls,
        "https",
    ),
    ("mqtt", Encryption::None, "mqtt"),
    ("jdbc", Encryption::None, "jdbc"),
    ("jdbc-encrypted", Encryption::Tls, "jdbc"),
    ("odbc", Encryption::None, "odbc"),
    ("odbc-encrypted", Encryption::Tls, "odbc"),
    ("sql-access-protocol", Encryption::None, "sql"),
    ("sql-access-protocol-encrypted", Encryption::Tls, "sql"),
    ("nosql-access-protocol", Encryption::None, "nosql"),
    ("nosql-access-protocol-encrypted", Encryption::Tls, "nosql"),
    ("binary", Encryption::None, "binary"),
    ("binary-encrypted", Encryption::Tls, "binary"),
    ("text", Encryption::None, "text"),
    ("text-encrypted", Encryption::Tls, "text"),
    ("ssh", Encryption::Tls, "ssh"),
    ("ssh-tunnel", Encryption::Tls, "ssh"),
    ("smtp", Encryption::None, "smtp"),
    ("smtp-encrypted", Encryption::Tls, "smtp"),
    ("pop3", Encryption::None, "pop3"),
    ("pop3-encrypted", Encryption::Tls, "pop3"),
    ("imap", Encryption::None, "imap"),
    ("imap-encrypted", Encryption::Tls, "imap"),
    ("ftp", Encryption::None, "ftp"),
    ("ftps", Encryption::Tls, "ftps"),
    ("sftp", Encryption::Tls, "sftp"),
    ("scp", Encryption::Tls, "scp"),
    ("ldap", Encryption::None, "ldap"),
    ("ldaps", Encryption::Tls, "ldaps"),
    ("jms", Encryption::None, "jms"),
    ("nfs", Encryption::None, "nfs"),
    ("smb", Encryption::None, "smb"),
    ("smb-encrypted", Encryption::Tls, "smb"),
    ("local-file-access", Encryption::None, "file"),
    ("nrpe", Encryption::None, "nrpe"),
    ("xmpp", Encryption::None, "xmpp"),
    ("iiop", Encryption::None, "iiop"),
    ("iiop-encrypted", Encryption::Tls, "iiop"),
    ("jrmp", Encryption::None, "jrmp"),
    ("jrmp-encrypted", Encryption::Tls, "jrmp"),
    ("in-process-library-call", Encryption::None, "in-process"),
    ("container-spawning", Encryption::None, "container-spawning"),
];

/// Protocols that never leave the host: imported with `transport: local`.
const LOCAL_PROTOCOLS: &[&str] = &[
    "local-file-access",
    "in-process-library-call",
    "container-spawning",
];

/// Threagile link `authentication` -> Rampart authentication, and what the mapping loses.
pub const AUTHENTICATION: &[(&str, AuthKind, &str)] = &[
    ("none", AuthKind::None, ""),
    ("credentials", AuthKind::Basic, ""),
    ("session-id", AuthKind::Session, ""),
    ("token", AuthKind::Bearer, ""),
    ("client-certificate", AuthKind::Mtls, ""),
    ("two-factor", AuthKind::TwoFactor, ""),
    (
        "externalized",
        AuthKind::Oauth2,
        "externalized, imported as OAuth2/OIDC through the identity provider",
    ),
];

/// Words in a shared runtime's name or description, or its assets' `machine`, -> runtime kind
/// (first match wins; a host when none does). A runtime is multi-tenant when an asset on it is.
pub const RUNTIME_WORDS: &[(&[&str], crate::model::RuntimeKind)] = &[
    (
        &["serverless", "lambda", "function", "functions"],
        crate::model::RuntimeKind::Serverless,
    ),
    (
        &[
            "kubernetes",
            "k8s",
            "cluster",
            "openshift",
            "container",
            "docker",
        ],
        crate::model::RuntimeKind::Cluster,
    ),
    (
        &["vm", "virtual", "hypervisor", "vmware", "esx"],
        crate::model::RuntimeKind::Vm,
    ),
];

/// Threagile link `authorization` -> the target node's authorization.
pub const AUTHORIZATION: &[(&str, Authorization)] = &[
    ("none", Authorization::None),
    ("technical-user", Authorization::TechnicalUser),
    ("enduser-identity-propagation", Authorization::EndUser),
];

/// Threagile trust boundary `type` -> boundary kind (names that say more, such as "DMZ" or
/// "Internet", refine it by the words in [`super::BOUNDARY_WORDS`]).
pub const BOUNDARY_TYPES: &[(&str, BoundaryKind)] = &[
    ("network-on-prem", BoundaryKind::InternalNetwork),
    ("network-dedicated-hoster", BoundaryKind::InternalNetwork),
    ("network-virtual-lan", BoundaryKind::InternalNetwork),
    ("network-cloud-provider", BoundaryKind::CloudAccount),
    ("network-cloud-security-group", BoundaryKind::CloudAccount),
    (
        "network-policy-namespace-isolation",
        BoundaryKind::ClusterNamespace,
    ),
    ("execution-environment", BoundaryKind::InternalNetwork),
];

/// Threagile `risk_tracking` status -> decision status.
pub const RISK_STATUS: &[(&str, Status)] = &[
    ("unchecked", Status::Open),
    ("in-discussion", Status::Open),
    ("accepted", Status::Accepted),
    ("in-progress", Status::InProgress),
    ("mitigated", Status::Mitigated),
    ("false-positive", Status::FalsePositive),
];

/// Threagile risk categories -> the Rampart rules that find the same problem. A tracked risk
/// `CATEGORY@ELEMENTS` becomes a decision on `RULE@*ELEMENT*` for each rule, ELEMENT being the
/// most specific element the risk names (a link's flow, else the asset); categories with no
/// counterpart stay a note.
pub const RISK_CROSSWALK: &[(&str, &[&str])] = &[
    (
        "unencrypted-communication",
        &[
            "unencrypted-cross-boundary-flow",
            "unencrypted-sensitive-flow",
            "credentials-in-cleartext",
            "plaintext-datastore-connection",
        ],
    ),
    (
        "missing-authentication",
        &[
            "unauthenticated-internet-entry",
            "unauthenticated-cross-boundary-flow",
            "unauthenticated-datastore-access",
            "anonymous-service-call",
        ],
    ),
    (
        "missing-authentication-second-factor",
        &["missing-mfa-for-human-access"],
    ),
    ("unencrypted-asset", &["unencrypted-sensitive-storage"]),
    ("missing-vault", &["secrets-outside-vault", "missing-vault"]),
    ("missing-vault-isolation", &["missing-vault-isolation"]),
    (
        "missing-identity-provider-isolation",
        &["missing-identity-provider-isolation"],
    ),
    (
        "missing-network-segmentation",
        &["missing-network-segmentation"],
    ),
    (
        "missing-identity-propagation",
        &["confused-deputy", "missing-identity-propagation"],
    ),
    ("unnecessary-data-access", &["unnecessary-write-access"]),
    (
        "unguarded-direct-datastore-access",
        &[
            "gateway-bypass",
            "unguarded-access-from-internet",
            "unauthenticated-datastore-access",
        ],
    ),
    (
        "unguarded-access-from-internet",
        &[
            "gateway-bypass",
            "unguarded-access-from-internet",
            "unauthenticated-internet-entry",
        ],
    ),
    ("missing-hardening", &["privileged-runtime"]),
    ("container-baseimage-backdooring", &["privileged-runtime"]),
];

fn lookup<T: Copy>(table: &[(&str, T)], key: &str) -> Option<T> {
    table.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// Whether a YAML/JSON document looks like a Threagile model.
#[must_use]
pub fn detect(doc: &Value) -> bool {
    doc.get("threagile_version").is_some()
        || doc.get("technical_assets").is_some_and(Value::is_object)
}

/// How deep `includes` may nest, and how many files a model may pull in.
const MAX_INCLUDE_DEPTH: usize = 8;
const MAX_INCLUDES: usize = 64;

/// Merges a model's `includes` (paths relative to `base`) into it: maps are merged key by key,
/// lists appended, scalars already in the including file win.
fn merge_includes(
    doc: &mut Value,
    base: Option<&Path>,
    depth: usize,
    seen: &mut HashSet<std::path::PathBuf>,
    notes: &mut Vec<Note>,
) -> Result<(), String> {
    let includes = list(doc, "includes");
    if includes.is_empty() {
        return Ok(());
    }
    let Some(base) = base else {
        notes.push(Note::unmapped(
            "",
            format!(
                "includes ({}) not followed: the model was given as text, not as a file",
                includes.join(", ")
            ),
        ));
        return Ok(());
    };
    if depth >= MAX_INCLUDE_DEPTH {
        return Err(format!(
            "1:1: includes nest deeper than {MAX_INCLUDE_DEPTH} files"
        ));
    }
    for inc in includes {
        let path = base.join(&inc);
        let key = path.canonicalize().unwrap_or_else(|_| path.clone());
        if !seen.insert(key) {
            notes.push(Note::info(
                "",
                format!("include {inc} skipped: it was already included"),
            ));
            continue;
        }
        if seen.len() > MAX_INCLUDES {
            return Err(format!("1:1: more than {MAX_INCLUDES} included files"));
        }
        let text = super::read_text(&path).map_err(|e| format!("1:1: include {inc}: {e}"))?;
        let mut included =
            super::parse_yaml(&text).map_err(|e| format!("1:1: include {inc}:{e}"))?;
        merge_includes(&mut included, path.parent(), depth + 1, seen, notes)?;
        merge(doc, included);
    }
    Ok(())
}

fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                if k == "includes" {
                    continue;
                }
                match a.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => a.extend(b),
        _ => {}
    }
}

/// The map at `key`, in the order the file wrote it (or empty).
fn entries<'a>(doc: &'a Value, key: &str) -> Vec<(&'a String, &'a Value)> {
    doc.get(key)
        .and_then(Value::as_object)
        .map(|m: &Map<String, Value>| m.iter().collect())
        .unwrap_or_default()
}

/// Converts a Threagile document; `base` is the folder its `includes` are relative to.
///
/// # Errors
/// The document is not a Threagile model, an include cannot be read, or an element is not
/// a map.
pub fn import(mut doc: Value, base: Option<&Path>, source: &str) -> Result<Imported, String> {
    if !doc.is_object() {
        return Err("1:1: not a Threagile model: the document is not a map".into());
    }
    let mut notes = Vec::new();
    merge_includes(&mut doc, base, 0, &mut HashSet::new(), &mut notes)?;
    if !detect(&doc) {
        return Err("1:1: not a Threagile model: expected `technical_assets`".into());
    }
    let mut model = Model::new(match text(&doc, "title").as_str() {
        "" => "Imported from Threagile".to_string(),
        t => t.to_string(),
    });
    model.description = [
        text(&doc, "management_summary_comment"),
        doc.get("business_overview")
            .map(|b| text(b, "description"))
            .unwrap_or_default(),
    ]
    .into_iter()
    .filter(|s| !s.trim().is_empty())
    .map(|s| s.trim().to_string())
    .collect::<Vec<_>>()
    .join("\n\n");
    model.author = match doc.get("author") {
        Some(a @ Value::Object(_)) => text(a, "name"),
        Some(a) => super::scalar(Some(a)),
        None => String::new(),
    };
    let mut lost_top: Vec<String> = ["date", "business_criticality"]
        .iter()
        .filter_map(|k| {
            let v = text(&doc, k);
            (!v.is_empty()).then(|| format!("{} {v}", k.replace('_', " ")))
        })
        .collect();
    if doc.get("technical_overview").is_some_and(|v| !v.is_null()) {
        lost_top.push("technical overview".into());
    }
    if !lost_top.is_empty() {
        notes.push(Note::unmapped(
            "",
            format!("model: {}", lost_top.join(", ")),
        ));
    }
    let mut ids = Ids::default();
    let mut seen_ids: HashSet<String> = HashSet::new();
    // Threagile id -> Rampart id, for every element kind (ids are unique across a model).
    let mut id_of: HashMap<String, String> = HashMap::new();

    let mut once = |tid: &str, what: &str, title: &str| -> Result<(), String> {
        if tid.is_empty() {
            return Err(format!("1:1: {what} \"{title}\" has no id"));
        }
        if !seen_ids.insert(tid.to_string()) {
            return Err(format!(
                "{}: {what} \"{title}\" uses the id \"{tid}\" another element already has; Threagile ids are unique",
                super::position_of(source, "id", tid, 1)
            ));
        }
        Ok(())
    };
    for (title, a) in entries(&doc, "data_assets") {
        let tid = text(a, "id");
        once(&tid, "data asset", title)?;
        let id = ids.take(&tid, title);
        id_of.insert(tid.clone(), id.clone());
        let conf = text(a, "confidentiality");
        let classification = lookup(CONFIDENTIALITY, &conf).unwrap_or_else(|| {
            notes.push(Note::unmapped(
                title.as_str(),
                format!("confidentiality \"{conf}\" is not Threagile's; imported as internal"),
            ));
            Classification::Internal
        });
        let mut words = list(a, "tags");
        words.push(title.clone());
        words.push(tid.clone());
        let tags = tags_from_words(&words);
        let mut lost = Vec::new();
        let mut rating = |key: &str| {
            let v = text(a, key);
            let r = lookup(CRITICALITY, &v);
            if r.is_none() && !v.is_empty() {
                lost.push(format!("{key} \"{v}\" is not Threagile's"));
            }
            r
        };
        let (integrity, availability) = (rating("integrity"), rating("availability"));
        for key in [
            "usage",
            "origin",
            "owner",
            "quantity",
            "justification_cia_rating",
        ] {
            let v = text(a, key);
            if !v.is_empty() {
                lost.push(format!("{key} \"{v}\""));
            }
        }
        if !lost.is_empty() {
            notes.push(Note::unmapped(
                title.as_str(),
                format!("data asset: {}", lost.join(", ")),
            ));
        }
        model.assets.push(DataAsset {
            id,
            name: title.clone(),
            classification,
            tags,
            description: text(a, "description").trim().to_string(),
            integrity,
            availability,
        });
    }

    let assets = entries(&doc, "technical_assets");
    let mut internet_boundary: Option<String> = None;
    for (title, a) in &assets {
        if !a.is_object() {
            return Err(format!(
                "1:1: technical asset \"{title}\" is not a map of properties"
            ));
        }
        let tid = text(a, "id");
        once(&tid, "technical asset", title)?;
        let id = ids.take(&tid, title);
        id_of.insert(tid, id.clone());
        let technology = text(a, "technology");
        let ty = text(a, "type");
        let human = flag(a, "used_as_client_by_human");
        let kind = match (ty.as_str(), lookup(TECHNOLOGY_KINDS, &technology)) {
            ("external-entity", _) if human => NodeKind::Actor,
            ("external-entity", _) => NodeKind::ExternalSystem,
            (_, Some(k)) => k,
            ("datastore", None) => NodeKind::DataStore,
            ("process", None) => NodeKind::Service,
            (other, None) => {
                notes.push(Note::unmapped(
                    title.as_str(),
                    format!("type \"{other}\" is not Threagile's; imported as a service"),
                ));
                NodeKind::Service
            }
        };
        let mut node = Node::new(id.clone(), kind);
        node.name.clone_from(title);
        node.technology.clone_from(&technology);
        node.description = text(a, "description").trim().to_string();
        let encryption = text(a, "encryption");
        node.encrypted_at_rest = !encryption.is_empty() && encryption != "none";
        if flag(a, "internet") {
            if kind.is_external() {
                let b = internet_boundary
                    .get_or_insert_with(|| ids.take("internet", "internet"))
                    .clone();
                node.boundary = Some(b);
            } else {
                node.internet_facing = true;
            }
        }
        // People sign in without MFA unless one of their links says two-factor (set below).
        if human {
            node.users = crate::model::HumanUsers::NoMfa;
        }
        for d in list(a, "data_assets_stored") {
            match id_of.get(&d) {
                Some(asset) if model.asset(asset).is_some() => node.stores.push(asset.clone()),
                _ => notes.push(Note::unmapped(
                    title.as_str(),
                    format!("stores \"{d}\", which is not a data asset"),
                )),
            }
        }
        if flag(a, "out_of_scope") {
            node.out_of_scope = Some(text(a, "justification_out_of_scope"));
        }
        let mut lost = Vec::new();
        if matches!(
            encryption.as_str(),
            "data-with-symmetric-shared-key"
                | "data-with-asymmetric-shared-key"
                | "data-with-enduser-individual-key"
        ) {
            lost.push(format!(
                "encryption {encryption} (imported as encrypted at rest)"
            ));
        }
        for key in [
            "machine",
            "size",
            "usage",
            "owner",
            "confidentiality",
            "integrity",
            "availability",
        ] {
            let v = text(a, key);
            if !v.is_empty() {
                lost.push(format!("{key} {v}"));
            }
        }
        for key in ["multi_tenant", "redundant", "custom_developed_parts"] {
            if flag(a, key) {
                lost.push(key.replace('_', " "));
            }
        }
        for d in list(a, "data_assets_processed") {
            match id_of.get(&d) {
                Some(asset) if model.asset(asset).is_some() => {
                    node.processes.push(asset.clone());
                }
                _ => lost.push(format!("processes \"{d}\", which is not a data asset")),
            }
        }
        let formats = list(a, "data_formats_accepted");
        if !formats.is_empty() {
            lost.push(format!("accepts {}", formats.join(", ")));
        }
        if !technology.is_empty()
            && lookup(TECHNOLOGY_KINDS, &technology).is_none()
            && kind == NodeKind::Service
            && ty != "process"
        {
            lost.push(format!("technology {technology} kept as text"));
        }
        if !lost.is_empty() {
            notes.push(Note::unmapped(title.as_str(), lost.join(", ")));
        }
        model
            .add_node(node)
            .map_err(|e| format!("1:1: technical asset \"{title}\": {e}"))?;
    }
    if let Some(b) = &internet_boundary {
        model.boundaries.push(Boundary {
            id: b.clone(),
            name: "Internet".into(),
            kind: BoundaryKind::Internet,
            trust: None,
            parent: None,
            scope: vec![],
            description:
                "Created by the import for the external entities Threagile marks internet: true"
                    .into(),
            out_of_scope: None,
        });
        notes.push(Note::info(
            "",
            "external entities marked internet: true were put in an Internet boundary the import created",
        ));
    }

    // Trust boundaries: membership and nesting.
    let mut parent_of: BTreeMap<String, String> = BTreeMap::new();
    let mut boundary_ids = Vec::new();
    for (title, b) in entries(&doc, "trust_boundaries") {
        let tid = text(b, "id");
        once(&tid, "trust boundary", title)?;
        let id = ids.take(&tid, title);
        id_of.insert(tid, id.clone());
        let ty = text(b, "type");
        let description = text(b, "description").trim().to_string();
        let by_type = lookup(BOUNDARY_TYPES, &ty);
        if by_type.is_none() && !ty.is_empty() {
            notes.push(Note::unmapped(
                title.as_str(),
                format!("boundary type \"{ty}\" is not Threagile's"),
            ));
        }
        let kind = boundary_kind_from_words(title, "")
            .or(by_type)
            .unwrap_or(BoundaryKind::InternalNetwork);
        if ty == "execution-environment" {
            notes.push(Note::unmapped(
                title.as_str(),
                "execution-environment boundary (a host or VM) imported as an internal network",
            ));
        }
        for inside in list(b, "technical_assets_inside") {
            let member = id_of.get(&inside).cloned();
            match member.as_deref().and_then(|m| model.node_mut(m)) {
                Some(node) => {
                    if let Some(before) = node.boundary.replace(id.clone()) {
                        let name = node.label().to_string();
                        notes.push(Note::unmapped(
                            name,
                            format!("listed inside two trust boundaries ({before} and {id}); placed in {id}, the later"),
                        ));
                    }
                }
                None => notes.push(Note::unmapped(
                    title.as_str(),
                    format!("lists \"{inside}\", which is not a technical asset"),
                )),
            }
        }
        for nested in list(b, "trust_boundaries_nested") {
            parent_of.insert(nested, id.clone());
        }
        boundary_ids.push(id.clone());
        model.boundaries.push(Boundary {
            id,
            name: title.clone(),
            kind,
            trust: None,
            parent: None,
            scope: super::boundary_scope_from_words(title),
            description,
            out_of_scope: None,
        });
    }
    for (nested, parent) in parent_of {
        match id_of.get(&nested).cloned() {
            Some(child) if boundary_ids.contains(&child) && child != parent => {
                if let Some(b) = model.boundary_mut(&child) {
                    b.parent = Some(parent);
                }
            }
            _ => notes.push(Note::unmapped(
                model.element_name(&parent).unwrap_or(&parent).to_string(),
                format!("nests \"{nested}\", which is not a trust boundary"),
            )),
        }
    }
    // A member listed by an outer and an inner boundary belongs to the inner one: Threagile
    // lists assets in the innermost boundary, so only nesting cycles could confuse this.
    if model.problems().iter().any(|p| p.message.contains("cycle")) {
        for b in &mut model.boundaries {
            b.parent = None;
        }
        notes.push(Note::unmapped(
            "",
            "trust boundary nesting has a cycle; nesting dropped",
        ));
    }

    // Communication links.
    let mut authz: HashMap<String, Vec<Authorization>> = HashMap::new();
    // (Threagile asset id, link title) -> flow id, for risk tracking.
    let mut flow_of: HashMap<(String, String), String> = HashMap::new();
    for (title, a) in &assets {
        let from_t = text(a, "id");
        let Some(from) = id_of.get(&from_t).cloned() else {
            continue;
        };
        for (link_title, l) in entries(a, "communication_links") {
            let element = format!("{title} → {link_title}");
            let target_t = text(l, "target");
            let Some(to) = id_of
                .get(&target_t)
                .cloned()
                .filter(|t| model.node(t).is_some())
            else {
                return Err(format!(
                    "{}: {element}: the link's target \"{target_t}\" is not a technical asset",
                    super::position_of(source, "target", &target_t, 0)
                ));
            };
            if to == from {
                notes.push(Note::unmapped(
                    element,
                    "link not imported: it loops on its own asset",
                ));
                continue;
            }
            let mut flow = Flow::new(from.clone(), to.clone());
            flow.id = ids.flow(&from, &to, link_title);
            flow.name.clone_from(link_title);
            let protocol = text(l, "protocol");
            let mut lost = Vec::new();
            if let Some((_, enc, name)) = PROTOCOLS.iter().find(|(k, _, _)| *k == protocol) {
                flow.encryption = *enc;
                flow.protocol = (*name).to_string();
            } else if !protocol.is_empty() {
                flow.protocol.clone_from(&protocol);
                lost.push(format!(
                    "protocol \"{protocol}\" is not Threagile's; imported as plaintext"
                ));
            }
            if LOCAL_PROTOCOLS.contains(&protocol.as_str()) {
                flow.transport = crate::model::Transport::Local;
            }
            let auth = text(l, "authentication");
            match AUTHENTICATION.iter().find(|(k, _, _)| *k == auth) {
                Some((_, kind, loss)) => {
                    flow.authentication = *kind;
                    if auth == "two-factor"
                        && let Some(n) = model.node_mut(&from)
                        && n.users == crate::model::HumanUsers::NoMfa
                    {
                        n.users = crate::model::HumanUsers::Mfa;
                    }
                    if *kind == AuthKind::Mtls && flow.encryption == Encryption::Tls {
                        flow.encryption = Encryption::Mtls;
                    }
                    if !loss.is_empty() {
                        lost.push(format!("authentication {loss}"));
                    }
                }
                None if auth.is_empty() => {}
                None => lost.push(format!("authentication \"{auth}\" is not Threagile's")),
            }
            let authorization = text(l, "authorization");
            match lookup(AUTHORIZATION, &authorization) {
                Some(z) => {
                    flow.authorization = Some(z);
                    authz.entry(to.clone()).or_default().push(z);
                }
                None if authorization.is_empty() => {}
                None => lost.push(format!(
                    "authorization \"{authorization}\" is not Threagile's"
                )),
            }
            if flag(l, "vpn") {
                flow.controls.push(crate::model::NetworkControl::Vpn);
            }
            if flag(l, "ip_filtered") {
                flow.controls
                    .push(crate::model::NetworkControl::IpAllowlist);
            }
            let usage = text(l, "usage");
            if usage == "devops" {
                lost.push("usage devops".into());
            }
            let sent = list(l, "data_assets_sent");
            let received = list(l, "data_assets_received");
            for d in sent.iter().chain(&received) {
                match id_of.get(d) {
                    Some(asset) if model.asset(asset).is_some() => {
                        if !flow.data.contains(asset) {
                            flow.data.push(asset.clone());
                        }
                    }
                    _ => lost.push(format!("carries \"{d}\", which is not a data asset")),
                }
            }
            flow.access = if flag(l, "readonly") || sent.is_empty() {
                Access::Read
            } else {
                Access::Write
            };
            let description = text(l, "description").trim().to_string();
            if !description.is_empty() {
                flow.name = format!("{link_title}: {description}");
                flow.name.truncate(
                    flow.name
                        .char_indices()
                        .nth(120)
                        .map_or(flow.name.len(), |(i, _)| i),
                );
            }
            if !lost.is_empty() {
                notes.push(Note::unmapped(element, lost.join(", ")));
            }
            flow_of.insert((from_t.clone(), link_title.clone()), flow.id.clone());
            flow_of.insert((from_t.clone(), id_from_title(link_title)), flow.id.clone());
            model
                .add_flow(flow)
                .map_err(|e| format!("1:1: link \"{title} → {link_title}\": {e}"))?;
        }
    }
    for (node, list) in authz {
        let strongest = list.iter().copied().max_by_key(|z| match z {
            Authorization::None => 0,
            Authorization::TechnicalUser => 1,
            Authorization::EndUser => 2,
        });
        let distinct: HashSet<_> = list.iter().collect();
        if let (Some(z), Some(n)) = (strongest, model.node_mut(&node)) {
            n.authorization = z;
            if distinct.len() > 1 {
                let name = n.label().to_string();
                notes.push(Note::info(
                    name,
                    format!(
                        "its incoming links authorize differently (kept per flow); the node takes the strongest ({})",
                        z.key()
                    ),
                ));
            }
        }
    }

    // Shared runtimes: the kind from the runtime's words (or its assets' `machine`), the
    // members from `technical_assets_running`.
    for (title, r) in entries(&doc, "shared_runtimes") {
        let tid = text(r, "id");
        once(&tid, "shared runtime", title)?;
        let id = ids.take(&tid, title);
        id_of.insert(tid, id.clone());
        let running = list(r, "technical_assets_running");
        let words = format!("{title} {}", text(r, "description")).to_lowercase();
        let machines: Vec<String> = running
            .iter()
            .filter_map(|t| assets.iter().find(|(_, a)| text(a, "id") == *t))
            .map(|(_, a)| text(a, "machine"))
            .collect();
        let kind = RUNTIME_WORDS
            .iter()
            .find(|(ws, _)| {
                ws.iter()
                    .any(|w| super::says(&words, w) || machines.iter().any(|m| m == w))
            })
            .map_or(crate::model::RuntimeKind::Host, |(_, k)| *k);
        for t in &running {
            match id_of.get(t).and_then(|n| model.node_mut(n)) {
                Some(node) => node.runtime = Some(id.clone()),
                None => notes.push(Note::unmapped(
                    title.as_str(),
                    format!("runs \"{t}\", which is not a technical asset"),
                )),
            }
        }
        model.runtimes.push(crate::model::Runtime {
            id,
            name: title.clone(),
            kind,
            privileged: false,
            multi_tenant: running.iter().any(|t| {
                assets
                    .iter()
                    .any(|(_, a)| text(a, "id") == *t && flag(a, "multi_tenant"))
            }),
            description: text(r, "description").trim().to_string(),
        });
    }
    for key in [
        "questions",
        "abuse_cases",
        "security_requirements",
        "individual_risk_categories",
    ] {
        if let Some(m) = doc
            .get(key)
            .and_then(Value::as_object)
            .filter(|m| !m.is_empty())
        {
            notes.push(Note::unmapped(
                "",
                format!("{} {} not imported", m.len(), key.replace('_', " ")),
            ));
        }
    }

    // Risk tracking -> decisions, through the crosswalk: each tracked risk becomes a decision
    // on exactly the Rampart findings it matches in the imported model (the crosswalk's rules,
    // about the element the risk names), so nothing else is silenced and nothing is stale.
    let tracked = entries(&doc, "risk_tracking");
    if !tracked.is_empty() {
        let analysis = crate::analysis::analyze(&model);
        for (risk, t) in tracked {
            let status_text = text(t, "status");
            let status = lookup(RISK_STATUS, &status_text).unwrap_or(Status::Open);
            let (category, rest) = risk.split_once('@').unwrap_or((risk.as_str(), ""));
            let Some((_, rules)) = RISK_CROSSWALK.iter().find(|(c, _)| *c == category) else {
                notes.push(Note::unmapped(
                    risk.as_str(),
                    format!("tracked risk ({status_text}) not carried over: Rampart has no rule for {category}"),
                ));
                continue;
            };
            let wildcard = rest.is_empty() || rest.split('@').all(|p| p == "*");
            let element = risk_element(rest, &id_of, &flow_of);
            if element.is_none() && !wildcard {
                notes.push(Note::unmapped(
                    risk.as_str(),
                    "tracked risk not carried over: it names no element of this model",
                ));
                continue;
            }
            let matched: Vec<&str> = analysis
                .findings
                .iter()
                .filter(|f| rules.contains(&f.rule.id))
                .filter(|f| element.as_ref().is_none_or(|e| f.elements.contains(e)))
                .map(|f| f.id.as_str())
                .collect();
            if matched.is_empty() {
                notes.push(Note::info(
                    risk.as_str(),
                    format!("tracked risk ({status_text}): Rampart finds nothing it matches here, so no decision is needed"),
                ));
                continue;
            }
            let mut justification = text(t, "justification");
            let ticket = text(t, "ticket");
            if !ticket.is_empty() {
                justification = format!("{justification} (ticket {ticket})")
                    .trim()
                    .to_string();
            }
            let date = text(t, "date");
            for id in matched {
                if model.decisions.iter().any(|d| d.finding == id) {
                    continue;
                }
                model.decisions.push(RiskDecision {
                    finding: id.to_string(),
                    status,
                    justification: if justification.is_empty() {
                        format!("Tracked in Threagile as {risk}")
                    } else {
                        justification.clone()
                    },
                    owner: text(t, "checked_by"),
                    date: if crate::model::is_valid_date(&date) {
                        date.clone()
                    } else {
                        String::new()
                    },
                });
            }
        }
    }
    Ok(Imported { model, notes })
}

fn id_from_title(t: &str) -> String {
    crate::model::id_from_name(t)
}

/// The most specific element a Threagile risk id names: `asset>link` parts become the link's
/// flow, otherwise the first part that is an element.
fn risk_element(
    rest: &str,
    id_of: &HashMap<String, String>,
    flow_of: &HashMap<(String, String), String>,
) -> Option<String> {
    for part in rest.split('@') {
        if let Some((asset, link)) = part.split_once('>')
            && let Some(f) = flow_of.get(&(asset.to_string(), link.to_string()))
        {
            return Some(f.clone());
        }
    }
    rest.split('@').find_map(|p| id_of.get(p).cloned())
}
