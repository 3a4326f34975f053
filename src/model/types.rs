//! The vocabulary of a threat model: elements (assets, boundaries, nodes, flows, decisions) and
//! the closed enums their properties take. These types are also the model file's schema.

use serde::{Deserialize, Serialize};

use crate::vocab::vocabulary;

vocabulary! {
    /// How sensitive a data asset is. Ordered from least to most sensitive.
    pub enum Classification {
        Public = "public", "Public",
        Internal = "internal", "Internal",
        Confidential = "confidential", "Confidential",
        Restricted = "restricted", "Restricted",
    }
}

impl Classification {
    /// Confidential or restricted.
    #[must_use]
    pub fn is_sensitive(self) -> bool {
        self >= Classification::Confidential
    }
}

vocabulary! {
    /// What kind of data an asset is; tags bring compliance frameworks into scope.
    pub enum DataTag {
        Pii = "pii", "Personal data (PII)",
        Phi = "phi", "Health data (PHI)",
        Pci = "pci", "Cardholder data (PCI)",
        Credentials = "credentials", "Credentials",
        Secret = "secret", "Secret / key material",
        Financial = "financial", "Financial",
        Telemetry = "telemetry", "Logs and telemetry",
    }
}

impl DataTag {
    /// Regulated personal data (PII, PHI, PCI).
    #[must_use]
    pub fn is_regulated(self) -> bool {
        matches!(self, DataTag::Pii | DataTag::Phi | DataTag::Pci)
    }
}

vocabulary! {
    /// What a trust boundary encloses. The kind gives a default trust level.
    pub enum BoundaryKind {
        Internet = "internet", "Internet",
        ThirdParty = "third_party", "Third party",
        Dmz = "dmz", "DMZ",
        InternalNetwork = "internal_network", "Internal network",
        CloudAccount = "cloud_account", "Cloud account",
        ClusterNamespace = "cluster_namespace", "Cluster namespace",
        RestrictedZone = "restricted_zone", "Restricted zone",
        Device = "device", "User device",
    }
}

impl BoundaryKind {
    /// Trust level (0 = untrusted, 10 = most trusted) when the model does not give one.
    #[must_use]
    pub fn default_trust(self) -> u8 {
        match self {
            BoundaryKind::Internet | BoundaryKind::Device => 0,
            BoundaryKind::ThirdParty => 2,
            BoundaryKind::Dmz => 3,
            BoundaryKind::InternalNetwork
            | BoundaryKind::CloudAccount
            | BoundaryKind::ClusterNamespace => 5,
            BoundaryKind::RestrictedZone => 8,
        }
    }
}

vocabulary! {
    /// Data-flow-diagram element kinds.
    pub enum NodeKind {
        Actor = "actor", "Actor",
        ExternalSystem = "external_system", "External system",
        Service = "service", "Service",
        Gateway = "gateway", "Gateway",
        DataStore = "data_store", "Data store",
        IdentityProvider = "identity_provider", "Identity provider",
        SecretStore = "secret_store", "Secret store",
        MessageQueue = "message_queue", "Message queue",
        SourceRepository = "source_repository", "Source repository",
        Pipeline = "pipeline", "CI/CD pipeline",
        ArtifactRegistry = "artifact_registry", "Artifact registry",
    }
}

impl NodeKind {
    /// Actors and external systems: outside the system's control.
    #[must_use]
    pub fn is_external(self) -> bool {
        matches!(self, NodeKind::Actor | NodeKind::ExternalSystem)
    }

    /// Nodes that hold data at rest and are accessed through grants (a source repository and
    /// an artifact registry hold code and builds).
    #[must_use]
    pub fn is_store(self) -> bool {
        matches!(
            self,
            NodeKind::DataStore
                | NodeKind::SecretStore
                | NodeKind::MessageQueue
                | NodeKind::SourceRepository
                | NodeKind::ArtifactRegistry
        )
    }

    /// The build and delivery chain: what writes the code that production runs.
    #[must_use]
    pub fn is_build(self) -> bool {
        matches!(
            self,
            NodeKind::SourceRepository | NodeKind::Pipeline | NodeKind::ArtifactRegistry
        )
    }

    /// Nodes that run code of their own and call others (processes in DFD terms).
    #[must_use]
    pub fn is_process(self) -> bool {
        matches!(
            self,
            NodeKind::Service | NodeKind::Gateway | NodeKind::IdentityProvider | NodeKind::Pipeline
        )
    }
}

vocabulary! {
    /// How a flow is protected on the wire.
    #[derive(Default)]
    pub enum Encryption {
        #[default]
        None = "none", "None (plaintext)",
        Tls = "tls", "TLS",
        Mtls = "mtls", "Mutual TLS",
    }
}

vocabulary! {
    /// Protocol versions, oldest first.
    pub enum TlsVersion {
        Ssl3 = "ssl3", "SSLv3",
        Tls10 = "tls1_0", "TLS 1.0",
        Tls11 = "tls1_1", "TLS 1.1",
        Tls12 = "tls1_2", "TLS 1.2",
        Tls13 = "tls1_3", "TLS 1.3",
    }
}

vocabulary! {
    /// How the caller of a flow proves who it is. Ordered roughly by strength.
    #[derive(Default)]
    pub enum AuthKind {
        #[default]
        None = "none", "None",
        Unknown = "unknown", "Unknown",
        Authenticated = "authenticated", "Authenticated (mechanism unknown)",
        ApiKey = "api_key", "API key",
        Basic = "basic", "Basic (password)",
        Session = "session", "Session cookie",
        Bearer = "bearer", "Bearer token (opaque)",
        Jwt = "jwt", "JWT bearer",
        Oauth2 = "oauth2", "OAuth2 / OIDC",
        TwoFactor = "two_factor", "Two-factor (password and second factor)",
        Mtls = "mtls", "Client certificate (mTLS)",
    }
}

impl AuthKind {
    /// Whether the flow carries any caller identity at all.
    #[must_use]
    pub fn authenticates(self) -> bool {
        !matches!(self, AuthKind::None | AuthKind::Unknown)
    }

    /// Static shared secrets that are easily leaked and replayed.
    #[must_use]
    pub fn is_weak(self) -> bool {
        matches!(self, AuthKind::Basic | AuthKind::ApiKey)
    }
}

vocabulary! {
    /// Access a flow or grant gives on its target. Ordered by power.
    #[derive(Default)]
    pub enum Access {
        #[default]
        Read = "read", "Read",
        Write = "write", "Write",
        Admin = "admin", "Admin",
    }
}

vocabulary! {
    /// Whose identity a node authorizes each request with.
    #[derive(Default)]
    pub enum Authorization {
        #[default]
        None = "none", "None",
        TechnicalUser = "technical_user", "Technical user (service identity)",
        EndUser = "end_user", "End-user identity (per request)",
    }
}

vocabulary! {
    /// Where a node keeps the secrets it uses.
    #[derive(Default)]
    pub enum SecretsLocation {
        #[default]
        None = "none", "Uses no secrets",
        SecretStore = "secret_store", "Secret store / vault",
        Hsm = "hsm", "HSM / KMS",
        Environment = "environment", "Environment variables",
        ConfigFile = "config_file", "Configuration file",
        SourceCode = "source_code", "Source code",
    }
}

impl SecretsLocation {
    /// Secrets kept somewhere other than a managed vault or HSM.
    #[must_use]
    pub fn outside_vault(self) -> bool {
        matches!(
            self,
            SecretsLocation::Environment
                | SecretsLocation::ConfigFile
                | SecretsLocation::SourceCode
        )
    }
}

vocabulary! {
    /// Whether people log in to (or through) a node, and how.
    #[derive(Default)]
    pub enum HumanUsers {
        #[default]
        None = "none", "No human users",
        Mfa = "mfa", "Humans, with MFA",
        NoMfa = "no_mfa", "Humans, without MFA",
    }
}

vocabulary! {
    /// Who a human actor is, where it matters for MFA: customers reach their own data; staff
    /// and administrators reach everyone's.
    pub enum HumanRole {
        Customer = "customer", "Customer / end user",
        Staff = "staff", "Staff (back office)",
        Administrator = "administrator", "Administrator",
    }
}

vocabulary! {
    /// How a flow travels: over a network, or on one host (in-process call, local file, IPC),
    /// where there is no wire to read or tamper with.
    #[derive(Default)]
    pub enum Transport {
        #[default]
        Network = "network", "Network",
        Local = "local", "Local (in-process, file, IPC)",
    }
}

vocabulary! {
    /// A network control on a flow besides encryption and authentication.
    pub enum NetworkControl {
        Vpn = "vpn", "VPN / private link",
        IpAllowlist = "ip_allowlist", "IP allowlist",
    }
}

vocabulary! {
    /// How much an asset's integrity or availability matters.
    pub enum Rating {
        Low = "low", "Low",
        Medium = "medium", "Medium",
        High = "high", "High",
        Critical = "critical", "Critical",
    }
}

vocabulary! {
    /// What a runtime is: the thing several nodes run on together.
    pub enum RuntimeKind {
        Host = "host", "Host (bare metal)",
        Vm = "vm", "Virtual machine",
        Cluster = "cluster", "Container cluster",
        Serverless = "serverless", "Serverless platform",
    }
}

vocabulary! {
    /// How a pipeline delivers to a target: it reaches in with credentials (push), or an agent
    /// beside the target fetches what to run (pull, GitOps).
    #[derive(Default)]
    pub enum DeployMode {
        #[default]
        Push = "push", "Push (pipeline reaches in)",
        Pull = "pull", "Pull (target fetches)",
    }
}

vocabulary! {
    /// What has been decided about a finding.
    #[derive(Default)]
    pub enum Status {
        #[default]
        Open = "open", "Open",
        InProgress = "in_progress", "In progress",
        Accepted = "accepted", "Accepted",
        Mitigated = "mitigated", "Mitigated",
        FalsePositive = "false_positive", "False positive",
    }
}

impl Status {
    /// Accepted, mitigated and false-positive findings no longer count against the model.
    #[must_use]
    pub fn is_resolved(self) -> bool {
        matches!(
            self,
            Status::Accepted | Status::Mitigated | Status::FalsePositive
        )
    }
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes references
fn is_false(b: &bool) -> bool {
    !*b
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// A kind of data the system handles.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataAsset {
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub classification: Classification,
    /// How much it matters that the data is not changed by the wrong people (not rated when
    /// absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<Rating>,
    /// How much it matters that the data can be reached when needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<Rating>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<DataTag>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// A region of uniform trust. Boundaries nest through `parent`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Boundary {
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub kind: BoundaryKind,
    /// 0 (untrusted) to 10; the kind's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Compliance zones this boundary is (e.g. `[pci]` for the cardholder data environment).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scope: Vec<DataTag>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Out of the review's scope, with the reason: drawn and listed, but no rule looks at it
    /// or at anything inside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_of_scope: Option<String>,
}

impl Boundary {
    /// The trust level, explicit or from the kind.
    #[must_use]
    pub fn trust_level(&self) -> u8 {
        self.trust.unwrap_or_else(|| self.kind.default_trust())
    }
}

/// A host, VM, cluster or serverless platform that several nodes share. A compromise that
/// escapes one workload reaches the others.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runtime {
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub kind: RuntimeKind,
    /// Workloads on it can reach the host (privileged containers, host mounts, root on a VM):
    /// one escape reaches every co-tenant.
    #[serde(default, skip_serializing_if = "is_false")]
    pub privileged: bool,
    /// Shared with workloads that are not part of this system (other teams or customers).
    #[serde(default, skip_serializing_if = "is_false")]
    pub multi_tenant: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

impl Runtime {
    /// The display name: the name, or the id when there is none.
    #[must_use]
    pub fn label(&self) -> &str {
        if self.name.is_empty() {
            &self.id
        } else {
            &self.name
        }
    }

    /// Its properties for a reader: "privileged workloads, multi-tenant", or "–".
    #[must_use]
    pub fn traits(&self) -> String {
        match (self.privileged, self.multi_tenant) {
            (true, true) => "privileged workloads, multi-tenant".into(),
            (true, false) => "privileged workloads".into(),
            (false, true) => "multi-tenant".into(),
            (false, false) => "–".into(),
        }
    }
}

/// A pipeline's delivery to one node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    pub target: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub mode: DeployMode,
}

/// A principal's standing access to a store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    pub principal: String,
    pub access: Access,
}

/// A live endpoint behind a node or flow, and how to probe it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// `https://host:port/path`, `http://...` or `host:port`.
    pub url: String,
    /// Server name to send in the TLS handshake, when it differs from the URL's host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// A CA certificate (PEM file, relative to the model) for an internal PKI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<String>,
    /// A token for a test environment, used by the JWT probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Expected JWT issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Expected JWT audience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// Whether verification may send forged tokens to this endpoint.
    #[serde(default, skip_serializing_if = "is_false")]
    pub active: bool,
}

/// A process, store or external entity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub kind: NodeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub technology: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Authentication mechanisms the node accepts from callers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authentication: Vec<AuthKind>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub authorization: Authorization,
    #[serde(default, skip_serializing_if = "is_false")]
    pub audit_logging: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub encrypted_at_rest: bool,
    #[serde(default, skip_serializing_if = "is_default")]
    pub secrets: SecretsLocation,
    #[serde(default, skip_serializing_if = "is_false")]
    pub rate_limited: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub internet_facing: bool,
    #[serde(default, skip_serializing_if = "is_default")]
    pub users: HumanUsers,
    #[serde(default, skip_serializing_if = "is_false")]
    pub privileged: bool,
    /// The identity the node presents to others (service account); the node id when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// Data assets held at rest.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stores: Vec<String>,
    /// Standing access of principals (node ids) to this store.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Grant>,
    /// For external entities: the data-processing agreement (DPA, BAA, ...) on record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<Endpoint>,
    /// A web application firewall filters what reaches this entry point.
    #[serde(default, skip_serializing_if = "is_false")]
    pub waf: bool,
    /// For a human actor: who the people are (decides whom MFA rules ask about).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<HumanRole>,
    /// Out of the review's scope, with the reason: drawn and listed, but no rule looks at it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_of_scope: Option<String>,
    /// The runtime (host, VM, cluster, serverless platform) it runs on, shared with others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// Data assets it reads or changes without keeping them (beside `stores`). Once a node
    /// lists what it processes, data it carries beyond that and `stores` is unnecessary.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub processes: Vec<String>,
    /// For a pipeline: the nodes it deploys, and how.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deploys: Vec<Deployment>,
}

impl Node {
    /// A node with the given id and kind and every property at its default.
    #[must_use]
    pub fn new(id: impl Into<String>, kind: NodeKind) -> Self {
        Node {
            id: id.into(),
            name: String::new(),
            kind,
            boundary: None,
            technology: String::new(),
            description: String::new(),
            authentication: Vec::new(),
            authorization: Authorization::None,
            audit_logging: false,
            encrypted_at_rest: false,
            secrets: SecretsLocation::None,
            rate_limited: false,
            internet_facing: false,
            users: HumanUsers::None,
            privileged: false,
            identity: None,
            stores: Vec::new(),
            grants: Vec::new(),
            agreement: None,
            endpoint: None,
            waf: false,
            role: None,
            out_of_scope: None,
            runtime: None,
            processes: Vec::new(),
            deploys: Vec::new(),
        }
    }

    /// The display name: the name, or the id when there is none.
    #[must_use]
    pub fn label(&self) -> &str {
        if self.name.is_empty() {
            &self.id
        } else {
            &self.name
        }
    }

    /// Whether the node says what data it handles: a store what it stores, anything else what
    /// it processes (`processes`; what a service stores alone does not say all it handles).
    /// Then data it carries beyond that is data it does not need.
    #[must_use]
    pub fn declares_data(&self) -> bool {
        if self.kind.is_store() {
            !self.stores.is_empty()
        } else {
            !self.processes.is_empty()
        }
    }

    /// The principal this node acts as.
    #[must_use]
    pub fn principal(&self) -> &str {
        self.identity.as_deref().unwrap_or(&self.id)
    }
}

/// A directed data flow: `from` sends requests (and data) to `to`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// Defaults to `FROM-to-TO`; give one when two flows join the same pair of nodes.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    pub from: String,
    pub to: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub protocol: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub encryption: Encryption,
    /// Lowest TLS version the link accepts (only with TLS or mTLS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_min: Option<TlsVersion>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub authentication: AuthKind,
    #[serde(default, skip_serializing_if = "is_default")]
    pub access: Access,
    /// Data assets carried (either direction).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<Endpoint>,
    /// Network (default) or local to one host.
    #[serde(default, skip_serializing_if = "is_default")]
    pub transport: Transport,
    /// How the target authorizes this caller on this link, when it differs from the target's
    /// own `authorization` (a service that propagates the user on one link and not another).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<Authorization>,
    /// VPN, IP allowlist.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<NetworkControl>,
    /// Out of the review's scope, with the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_of_scope: Option<String>,
}

impl Flow {
    /// A plaintext, unauthenticated read flow between two nodes.
    #[must_use]
    pub fn new(from: impl Into<String>, to: impl Into<String>) -> Self {
        let from = from.into();
        let to = to.into();
        Flow {
            id: default_flow_id(&from, &to),
            from,
            to,
            name: String::new(),
            protocol: String::new(),
            encryption: Encryption::None,
            tls_min: None,
            authentication: AuthKind::None,
            access: Access::Read,
            data: Vec::new(),
            endpoint: None,
            transport: Transport::Network,
            authorization: None,
            controls: Vec::new(),
            out_of_scope: None,
        }
    }

    /// The label drawn on the flow: its name, or its protocol.
    #[must_use]
    pub fn label(&self) -> &str {
        if self.name.is_empty() {
            &self.protocol
        } else {
            &self.name
        }
    }

    /// Whether the caller proves who it is: an authentication, or the client certificate of
    /// mutual TLS.
    #[must_use]
    pub fn authenticated(&self) -> bool {
        self.authentication.authenticates() || self.encryption == Encryption::Mtls
    }

    /// The protection on the wire as drawn: TLS with client-certificate authentication is
    /// mutual TLS, whichever of the two fields says so.
    #[must_use]
    pub fn transport(&self) -> Encryption {
        match (self.encryption, self.authentication) {
            (Encryption::Tls, AuthKind::Mtls) => Encryption::Mtls,
            (e, _) => e,
        }
    }

    /// The effective lowest TLS version, if the flow is encrypted.
    #[must_use]
    pub fn effective_tls_min(&self) -> Option<TlsVersion> {
        match self.encryption {
            Encryption::None => None,
            Encryption::Tls | Encryption::Mtls => Some(self.tls_min.unwrap_or(TlsVersion::Tls12)),
        }
    }
}

/// The id a flow gets when the file does not give one.
#[must_use]
pub fn default_flow_id(from: &str, to: &str) -> String {
    format!("{from}-to-{to}")
}

/// What was decided about one finding, or about every finding matching a `*` pattern.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskDecision {
    /// A finding id (`rule@element...`), `*` matching any run of characters.
    pub finding: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub justification: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub owner: String,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub date: String,
}

impl RiskDecision {
    /// Whether this decision's pattern matches a finding id.
    #[must_use]
    pub fn matches(&self, finding_id: &str) -> bool {
        wildcard_match(&self.finding, finding_id)
    }
}

/// `*` matches any run of characters (including none); everything else matches itself.
#[must_use]
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// A canvas position.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pos {
    pub x: f32,
    pub y: f32,
}

/// A canvas rectangle (a boundary's region when the user sized it by hand).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

/// What a design review records about the model as a document: how it is classified, which
/// version was reviewed and by whom, and what the analysis assumes or leaves out. None of it
/// changes the analysis; the PDF report prints it on its cover and in its scope section.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// The document's classification marking ("Confidential" when empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub classification: String,
    /// The model's version ("1.4", a release name); the report adds the git revision it finds.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reviewers: Vec<String>,
    /// Facts taken as given ("TLS terminates at the load balancer").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<String>,
    /// What the model deliberately leaves out, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub out_of_scope: Vec<String>,
}

impl Review {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Review::default()
    }
}

/// Where things are drawn. Kept apart from the semantics so that moving a box is a small diff.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub nodes: std::collections::BTreeMap<String, Pos>,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub boundaries: std::collections::BTreeMap<String, Rect>,
}

impl Layout {
    /// No positions at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty() && self.boundaries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("a@b", "a@b"));
        assert!(!wildcard_match("a@b", "a@bc"));
        assert!(wildcard_match("a@*", "a@bc"));
        assert!(wildcard_match("*@db", "rule@db"));
        assert!(!wildcard_match("*@db", "rule@dbx"));
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("r*@*@x", "rule@a@x"));
        assert!(!wildcard_match("r*@*@x", "rule@a@y"));
        assert!(wildcard_match("a*a", "aa"));
        assert!(!wildcard_match("a*a", "a"));
    }

    #[test]
    fn keys_match_serde_names() {
        for kind in NodeKind::ALL {
            let text = ron::to_string(kind).unwrap();
            assert_eq!(text, kind.key());
        }
        for v in TlsVersion::ALL {
            assert_eq!(ron::to_string(v).unwrap(), v.key());
        }
    }
}
