//! The `rampart` command line: argument definitions and the headless subcommands.
//!
//! Exit codes: 0 success (and nothing at or above `--fail-on`); 1 findings at or above
//! `--fail-on`; 2 bad input or usage, with a one-line reason per problem on stderr.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::analysis::{self, Severity};
use crate::model;
use crate::report;

/// Output formats of listings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

/// Output formats of `rampart export`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Open Threat Model 0.2 JSON, findings as threats (Rampart's properties as attributes).
    Otm,
    /// OWASP Threat Dragon v2 JSON, findings as threats.
    ThreatDragon,
    /// Findings as CSV, one row each, for a tracker import.
    Csv,
    /// The analysis as JSON (as `rampart analyze --format json`).
    Json,
}

/// Output formats of `rampart diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Text,
    Markdown,
    Json,
    /// SARIF 2.1.0 of the new version, each result with its `baselineState` against the old.
    Sarif,
}

/// Exit code: bad input or usage.
pub const EXIT_BAD_INPUT: u8 = 2;

/// `--fail-on`, shared by every command that gates CI.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct Gate {
    /// Exit with code 1 when an open finding is at or above this severity
    /// (critical, high, medium, low, info).
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,
}

/// `--timeout-ms`, shared by the probes and verify.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct Timeout {
    /// Time limit in milliseconds: for the whole probe, or per endpoint for verify.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub timeout_ms: u64,
}

impl Timeout {
    fn duration(self) -> std::time::Duration {
        std::time::Duration::from_millis(self.timeout_ms)
    }
}

/// `--ca`, shared by the probes.
#[derive(Debug, Clone, clap::Args)]
pub struct Trust {
    /// PEM file of the CA to trust (an internal PKI) instead of the built-in web roots.
    #[arg(long)]
    pub ca: Option<PathBuf>,
}

impl Trust {
    /// The CA file's bytes (parsed and checked by the probe's one CA loader).
    fn read(&self) -> anyhow::Result<Option<Vec<u8>>> {
        self.ca
            .as_ref()
            .map(|p| std::fs::read(p).with_context(|| format!("{}", p.display())))
            .transpose()
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "rampart",
    version,
    about = "Threat modelling for architects: draw the system, see what is wrong with its security, check it against the live endpoints.",
    after_help = "Without a subcommand, opens the GUI on the built-in example model."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open FILE in the GUI.
    Open { file: PathBuf },
    /// Load and validate model files; print every problem as FILE:LINE:COL: message.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Analyze a model: findings, attack paths, compliance.
    Analyze {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = report::Format::Text)]
        format: report::Format,
        #[command(flatten)]
        gate: Gate,
    },
    /// Probe every endpoint the model declares and report where the deployed system differs
    /// from the model (drift findings, merged with the analysis). Results are kept in
    /// NAME.verify.json beside the model.
    Verify {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = report::Format::Text)]
        format: report::Format,
        #[command(flatten)]
        gate: Gate,
        /// Endpoints probed at the same time.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        #[command(flatten)]
        timeout: Timeout,
        /// Do not write the NAME.verify.json sidecar.
        #[arg(long)]
        no_save: bool,
    },
    /// Write the PDF report for a design review.
    Report {
        file: PathBuf,
        /// Where to write the PDF.
        #[arg(short, long)]
        output: PathBuf,
        #[arg(long, value_enum, default_value_t = report::pdf::Paper::A4)]
        paper: report::pdf::Paper,
        /// The classification marking on every page (default: the model's review.classification,
        /// else "Confidential").
        #[arg(long)]
        classification: Option<String>,
    },
    /// Write the architecture diagram as SVG or PNG (by the output's extension): the picture
    /// of the canvas and the PDF.
    Diagram {
        file: PathBuf,
        /// Where to write it: OUT.svg or OUT.png.
        #[arg(short, long)]
        output: PathBuf,
        /// Boundaries to draw as one box (repeat, or separate with commas).
        #[arg(long, value_delimiter = ',')]
        collapse: Vec<String>,
        /// PNG only: pixels per canvas unit.
        #[arg(long, default_value_t = 1.5)]
        zoom: f32,
    },
    /// Probe a live endpoint.
    #[command(subcommand)]
    Probe(ProbeCommand),
    /// What changed between two versions of a model: elements, findings introduced and
    /// resolved, attack paths, compliance verdicts and blast radius. Compares OLD with NEW, or
    /// FILE with its version at a git revision (--base).
    Diff {
        /// The old version (or, with --base, the file to compare with its past).
        old: PathBuf,
        /// The new version.
        #[arg(required_unless_present = "base")]
        new: Option<PathBuf>,
        /// Compare OLD with its version at this git revision (read with `git show`).
        #[arg(long, value_name = "REV", conflicts_with = "new")]
        base: Option<String>,
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
        /// Exit with code 1 when the change introduces an open finding at or above this
        /// severity (a finding a decision already accepts does not count).
        #[arg(long, value_name = "SEVERITY")]
        fail_on_new: Option<Severity>,
    },
    /// Convert a model from another tool (Threagile YAML, Threat Dragon JSON, Open Threat
    /// Model JSON/YAML, Microsoft TMT .tm7) into a Rampart model; what had no place in it is
    /// listed on stderr and in the model's header comment.
    Import {
        file: PathBuf,
        /// The format (detected from the content when absent).
        #[arg(long, value_enum)]
        from: Option<crate::interchange::Format>,
        /// Where to write the model (standard output when absent).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Fail (exit 2) when any element or property of the source could not be mapped.
        #[arg(long)]
        strict: bool,
    },
    /// Write the model for another tool, with each finding as a threat on its element: Open
    /// Threat Model or OWASP Threat Dragon JSON; or the findings as CSV for a tracker, or as
    /// JSON.
    Export {
        file: PathBuf,
        /// Where to write it (standard output when absent).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// What to write (by default from the output's extension: .csv is CSV, .otm OTM,
        /// else Threat Dragon).
        #[arg(long, value_enum)]
        to: Option<ExportFormat>,
    },
    /// List every rule the analysis checks.
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Write a synthetic model of realistic shape (for benchmarks and tests).
    Gen {
        /// Number of nodes.
        #[arg(long, default_value_t = 1000)]
        nodes: usize,
        /// Random seed: the same seed gives the same model.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file (standard output when absent).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProbeCommand {
    /// TLS: protocol versions (SSLv2 to TLS 1.3), cipher suites, certificate, client
    /// certificates, ALPN, HSTS and a grade. Databases, mail and directories too:
    /// postgres://, mysql://, smtp://, imap://, pop3://, ldap:// upgrade in-band first.
    Tls {
        /// HOST:PORT, https://host[:port]/path, or postgres:// mysql:// smtp:// submission://
        /// imap:// pop3:// ldap:// (in-band upgrade) or smtps:// imaps:// pop3s:// ldaps://
        /// rediss:// redis:// amqps:// amqp:// (TLS from the first byte)
        target: String,
        /// Server name to send, when it differs from the host.
        #[arg(long)]
        sni: Option<String>,
        /// Run this protocol's upgrade to TLS first (for a bare HOST:PORT): postgres, mysql,
        /// smtp, imap, pop3 or ldap.
        #[arg(long, value_parser = parse_preamble)]
        starttls: Option<crate::probe::starttls::Preamble>,
        #[command(flatten)]
        trust: Trust,
        /// PEM client certificate to offer (with --client-key).
        #[arg(long, requires = "client_key")]
        client_cert: Option<PathBuf>,
        /// PEM private key of --client-cert.
        #[arg(long, requires = "client_cert")]
        client_key: Option<PathBuf>,
        #[command(flatten)]
        timeout: Timeout,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        #[command(flatten)]
        gate: Gate,
    },
    /// JWT: inspect a token, check the issuer's discovery document and JWKS, crack weak HMAC
    /// secrets offline, and with --active send forged tokens to the endpoint.
    Jwt {
        /// The protected endpoint: http(s)://host[:port]/path
        url: String,
        /// A token the endpoint accepts (or @FILE to read it from a file).
        #[arg(long)]
        token: Option<String>,
        /// The OIDC discovery URL (default: derived from the token's `iss`).
        #[arg(long)]
        discovery: Option<String>,
        /// Test environments only: the signing key, to forge expired and wrong-audience
        /// tokens. An HMAC secret, or @FILE for a PEM private key or a secret in a file.
        #[arg(long)]
        key: Option<String>,
        /// Send forged tokens to the endpoint (alg none, stripped and tampered signatures,
        /// key confusion, expired, wrong audience). Only against systems you may test.
        #[arg(long)]
        active: bool,
        #[command(flatten)]
        trust: Trust,
        #[command(flatten)]
        timeout: Timeout,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        #[command(flatten)]
        gate: Gate,
    },
}

/// A failure that has already been described to the user on stderr, with its exit code.
#[derive(Debug)]
pub struct Reported(pub u8);

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}", self.0)
    }
}

impl std::error::Error for Reported {}

/// Turns a run's result into an exit code, printing the error chain once.
#[must_use]
pub fn finish(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(e) => {
            if let Some(Reported(code)) = e.downcast_ref::<Reported>() {
                return ExitCode::from(*code);
            }
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("rampart: {e:#}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Runs one headless subcommand.
///
/// # Errors
/// Bad input (reported with exit code 2) or output failures.
pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Open { .. } => {
            eprintln!("rampart: this build has no GUI");
            Ok(ExitCode::from(EXIT_BAD_INPUT))
        }
        Command::Check { files } => check(&files),
        Command::Analyze { file, format, gate } => analyze(&file, format, gate.fail_on),
        Command::Rules { format } => rules(format),
        Command::Import {
            file,
            from,
            output,
            strict,
        } => import(&file, from, output.as_deref(), strict),
        Command::Export { file, output, to } => export(&file, output.as_deref(), to),
        Command::Diff {
            old,
            new,
            base,
            format,
            fail_on_new,
        } => diff(&old, new.as_deref(), base.as_deref(), format, fail_on_new),
        Command::Probe(ProbeCommand::Tls {
            target,
            sni,
            starttls,
            trust,
            client_cert,
            client_key,
            timeout,
            format,
            gate,
        }) => {
            let read = |p: &PathBuf| std::fs::read(p).with_context(|| format!("{}", p.display()));
            let options = crate::probe::tls::TlsOptions {
                sni,
                ca_pem: trust.read()?,
                client_cert: match (&client_cert, &client_key) {
                    (Some(c), Some(k)) => Some((read(c)?, read(k)?)),
                    _ => None,
                },
                timeout: timeout.duration(),
                cancel: crate::probe::Cancel::new(),
                quick: false,
                starttls,
            };
            print_probe(
                &target,
                |progress| crate::probe::tls::probe(&target, &options, progress),
                format,
                report::probe::tls_text,
                |r| &r.findings,
                gate.fail_on,
            )
        }
        Command::Probe(ProbeCommand::Jwt {
            url,
            token,
            discovery,
            key,
            active,
            trust,
            timeout,
            format,
            gate,
        }) => {
            let options = crate::probe::jwt::JwtOptions {
                token: token
                    .as_deref()
                    .map(|t| at_file(t, "--token"))
                    .transpose()?,
                discovery,
                key: key.as_deref().map(|k| at_file(k, "--key")).transpose()?,
                active,
                ca_pem: trust.read()?,
                timeout: timeout.duration(),
                ..crate::probe::jwt::JwtOptions::default()
            };
            print_probe(
                &url,
                |progress| crate::probe::jwt::probe(&url, &options, progress),
                format,
                report::probe::jwt_text,
                |r| &r.findings,
                gate.fail_on,
            )
        }
        Command::Verify {
            file,
            format,
            gate,
            concurrency,
            timeout,
            no_save,
        } => verify(
            &file,
            format,
            gate.fail_on,
            &crate::verify::Options {
                concurrency,
                timeout: timeout.duration(),
                cancel: crate::probe::Cancel::new(),
            },
            !no_save,
        ),
        Command::Report {
            file,
            output,
            paper,
            classification,
        } => pdf_report(&file, &output, paper, classification),
        Command::Gen {
            nodes,
            seed,
            output,
        } => generate(nodes, seed, output),
        Command::Diagram {
            file,
            output,
            collapse,
            zoom,
        } => diagram(&file, &output, collapse, zoom),
    }
}

/// `rampart diagram`: the scene as SVG, or rendered to PNG.
fn diagram(
    file: &std::path::Path,
    output: &std::path::Path,
    collapse: Vec<String>,
    zoom: f32,
) -> anyhow::Result<ExitCode> {
    let png = match output.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("png") => true,
        Some(e) if e.eq_ignore_ascii_case("svg") => false,
        _ => anyhow::bail!("{}: the output must end in .svg or .png", output.display()),
    };
    let loaded = load_or_report(file)?;
    let m = &loaded.model;
    for id in &collapse {
        if m.boundary(id).is_none() {
            anyhow::bail!("--collapse {id}: the model has no boundary with that id");
        }
    }
    let analysis = analysis::analyze(m);
    let worst = analysis.worst_by_element();
    let scene = crate::diagram::scene(
        m,
        &crate::diagram::Options {
            collapsed: collapse.into_iter().collect(),
            auto: false,
        },
    );
    let svg = report::svg::render(&scene, &worst, &m.name);
    let bytes = if png {
        report::svg::png(&svg, zoom.clamp(0.1, 8.0))
            .map_err(|e| anyhow::anyhow!("{}: {e}", output.display()))?
    } else {
        svg.into_bytes()
    };
    report::write_file(output, &bytes).with_context(|| format!("{}", output.display()))?;
    Ok(ExitCode::SUCCESS)
}

/// A value given on the command line, or read from a file when written `@FILE` (so secrets
/// stay out of shell history).
fn at_file(value: &str, option: &str) -> anyhow::Result<String> {
    match value.strip_prefix('@') {
        Some(path) => Ok(std::fs::read_to_string(path)
            .with_context(|| format!("{option} {path}"))?
            .trim()
            .to_string()),
        None => Ok(value.to_string()),
    }
}

/// Loads a model, printing every diagnostic on stderr.
///
/// # Errors
/// [`Reported`] with exit code 2 when the file has problems.
pub fn load_or_report(path: &std::path::Path) -> anyhow::Result<model::Loaded> {
    model::load(path).map_err(|e| {
        for d in &e.diagnostics {
            eprintln!("{d}");
        }
        anyhow::Error::new(Reported(EXIT_BAD_INPUT))
    })
}

fn check(files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let mut ok = true;
    let mut out = std::io::stdout().lock();
    for path in files {
        match model::load(path) {
            Ok(loaded) => writeln!(
                out,
                "{}: ok ({} nodes, {} flows, {} boundaries, {} data assets){}",
                path.display(),
                loaded.model.node_count(),
                loaded.model.flow_count(),
                loaded.model.boundaries.len(),
                loaded.model.assets.len(),
                loaded.upgraded_from.map_or_else(String::new, |v| format!(
                    "; schema version {v}, read as version {} (a save writes version {})",
                    model::SCHEMA_VERSION,
                    model::SCHEMA_VERSION
                ))
            )?,
            Err(e) => {
                ok = false;
                for d in &e.diagnostics {
                    eprintln!("{d}");
                }
            }
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_BAD_INPUT)
    })
}

fn generate(nodes: usize, seed: u64, output: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let model = model::generate::generate(nodes, seed);
    match output {
        Some(path) => {
            model::save(&model, &path)?;
        }
        None => std::io::stdout()
            .lock()
            .write_all(model::to_text(&model).as_bytes())
            .context("writing to standard output")?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether to colour terminal output: standard output is a terminal and `NO_COLOR` is unset.
fn use_color() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

fn analyze(
    path: &std::path::Path,
    format: report::Format,
    fail_on: Option<Severity>,
) -> anyhow::Result<ExitCode> {
    let loaded = load_or_report(path)?;
    // The last verification beside the model, when there is one, merged by the same rule as
    // everywhere (results for endpoints still declared as they were verified), and said so.
    let verification = match crate::verify::Verification::load(path) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("rampart: warning: {e} (analysing without the last verification)");
            None
        }
    };
    if let Some(v) = &verification {
        let current = v.current(&loaded.model).count();
        eprintln!(
            "rampart: with the verification of {} from {} ({current} of {} endpoint results still match the model)",
            v.started,
            crate::verify::Verification::sidecar(path).display(),
            v.endpoints.len()
        );
    }
    let analysis = crate::verify::analyse(&loaded.model, verification.as_ref());
    let file = path.display().to_string();
    let source = (format == report::Format::Sarif).then(|| loaded.source_map());
    let input = report::Input {
        model: &loaded.model,
        analysis: &analysis,
        file: Some(&file),
        source: source.as_ref(),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    if format == report::Format::Json {
        report::json::write_with(&mut out, &input, None)
    } else {
        out.write_all(report::render(format, &input, use_color()).as_bytes())
    }
    .and_then(|()| out.flush())
    .context("writing to standard output")?;
    let code = exit_for(&analysis, fail_on);
    // The process ends here: freeing a large model and its analysis piece by piece (tens of
    // thousands of strings) would only delay the exit the OS does at once.
    std::mem::forget(analysis);
    std::mem::forget(loaded);
    Ok(code)
}

fn verify(
    path: &std::path::Path,
    format: report::Format,
    fail_on: Option<Severity>,
    options: &crate::verify::Options,
    save: bool,
) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    let loaded = load_or_report(path)?;
    let source = std::fs::read(path).with_context(|| format!("{}", path.display()))?;
    let terminal = std::io::stderr().is_terminal();
    let declared = crate::verify::declared(&loaded.model).len();
    if declared == 0 {
        eprintln!(
            "rampart: {}: no flow or node declares an `endpoint`, so there is nothing to verify",
            path.display()
        );
        return Ok(ExitCode::from(EXIT_BAD_INPUT));
    }
    let progress = |done: usize, total: usize, r: &crate::verify::EndpointResult| {
        if terminal {
            eprint!(
                "\r\x1b[2Kverifying: {done}/{total}  {} {}",
                r.element,
                r.status.label()
            );
        }
    };
    let base = path.parent().filter(|p| !p.as_os_str().is_empty());
    let verification = crate::verify::verify(
        &loaded.model,
        Some(base.unwrap_or_else(|| std::path::Path::new("."))),
        Some(&source),
        options,
        &progress,
    );
    if terminal {
        eprint!("\r\x1b[2K");
    }
    if save {
        let sidecar = verification.save(path).with_context(|| {
            format!(
                "writing {}",
                crate::verify::Verification::sidecar(path).display()
            )
        })?;
        if terminal {
            eprintln!("results saved to {}", sidecar.display());
        }
    }
    let analysis = crate::verify::analyse(&loaded.model, Some(&verification));
    let file = path.display().to_string();
    let source_map = (format == report::Format::Sarif).then(|| loaded.source_map());
    let input = report::Input {
        model: &loaded.model,
        analysis: &analysis,
        file: Some(&file),
        source: source_map.as_ref(),
    };
    let text = match format {
        report::Format::Text => report::text::verification(&input, &verification, use_color()),
        report::Format::Json => report::json::render_with(&input, Some(&verification)),
        other => report::render(other, &input, use_color()),
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("writing to standard output")?;
    Ok(exit_for(&analysis, fail_on))
}

/// Runs one probe with a progress line on a terminal, prints its report as text or JSON, and
/// exits with 1 when a finding is at or above `fail_on`.
fn print_probe<R: serde::Serialize>(
    target: &str,
    run: impl FnOnce(&mut dyn FnMut(&str)) -> Result<R, crate::probe::ProbeError>,
    format: ListFormat,
    text: fn(&R, bool) -> String,
    findings: fn(&R) -> &[crate::probe::ProbeFinding],
    fail_on: Option<Severity>,
) -> anyhow::Result<ExitCode> {
    let terminal = use_color();
    let report = run(&mut |step| {
        if terminal {
            eprint!("\r\x1b[2Kprobing {target}: {step}…");
        }
    })?;
    if terminal {
        eprint!("\r\x1b[2K");
    }
    let out = match format {
        ListFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
        ListFormat::Text => text(&report, terminal),
    };
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(match fail_on {
        Some(level) if findings(&report).iter().any(|f| f.severity >= level) => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

/// Exit code 1 when an open finding is at or above `fail_on`.
#[must_use]
pub fn exit_for(analysis: &analysis::Analysis, fail_on: Option<Severity>) -> ExitCode {
    match fail_on {
        Some(level) if analysis.open_at_or_above(level).next().is_some() => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    }
}

fn rules(format: ListFormat) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match format {
        ListFormat::Json => {
            let list: Vec<report::json::RuleJson<'_>> = analysis::RULES
                .iter()
                .map(|r| report::json::RuleJson::new(r))
                .collect();
            serde_json::to_writer_pretty(&mut out, &list)?;
            writeln!(out)?;
        }
        ListFormat::Text => {
            let mut family = None;
            for rule in analysis::RULES {
                if family != Some(rule.family) {
                    family = Some(rule.family);
                    writeln!(out, "\n{}", rule.family.label().to_uppercase())?;
                }
                writeln!(
                    out,
                    "  {:<36} {:<8} {}",
                    rule.id,
                    rule.severity.key(),
                    rule.title
                )?;
            }
            writeln!(
                out,
                "\nLIVE PROBE CHECKS (rampart probe tls|jwt, and rampart verify)"
            )?;
            for c in crate::probe::catalog::CHECKS {
                writeln!(
                    out,
                    "  {:<36} {:<8} {}{}",
                    c.id,
                    c.severity.key(),
                    c.title,
                    c.drift.map_or(String::new(), |d| format!(" (verify: {d})"))
                )?;
            }
            writeln!(
                out,
                "\n{} rules, {} probe checks.",
                analysis::RULES.len(),
                crate::probe::catalog::CHECKS.len()
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `rampart import`.
fn import(
    path: &std::path::Path,
    from: Option<crate::interchange::Format>,
    output: Option<&std::path::Path>,
    strict: bool,
) -> anyhow::Result<ExitCode> {
    let (imported, format) = match crate::interchange::import_file(path, from) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
    };
    let problems = imported.model.problems();
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("{}: imported model: {}", path.display(), p.message);
        }
        return Ok(ExitCode::from(EXIT_BAD_INPUT));
    }
    for note in &imported.notes {
        eprintln!(
            "{}: {}: {note}",
            path.display(),
            if note.unmapped { "not mapped" } else { "note" }
        );
    }
    let unmapped = imported.notes.iter().filter(|n| n.unmapped).count();
    if strict && unmapped > 0 {
        eprintln!(
            "{}: --strict: {unmapped} element{} or propert{} of the {} model could not be mapped (listed above); no model written",
            path.display(),
            if unmapped == 1 { "" } else { "s" },
            if unmapped == 1 { "y" } else { "ies" },
            format.title()
        );
        return Ok(ExitCode::from(EXIT_BAD_INPUT));
    }
    match output {
        Some(out) => {
            model::save(&imported.model, out).with_context(|| format!("{}", out.display()))?;
            eprintln!(
                "{}: {} nodes, {} flows, {} boundaries, {} data assets, {} decisions from {}; {unmapped} not mapped",
                out.display(),
                imported.model.node_count(),
                imported.model.flow_count(),
                imported.model.boundaries.len(),
                imported.model.assets.len(),
                imported.model.decisions.len(),
                format.title()
            );
        }
        None => std::io::stdout()
            .lock()
            .write_all(model::to_text(&imported.model).as_bytes())
            .context("writing to standard output")?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `rampart export`.
fn export(
    file: &std::path::Path,
    output: Option<&std::path::Path>,
    to: Option<ExportFormat>,
) -> anyhow::Result<ExitCode> {
    let extension = output
        .and_then(|o| o.extension())
        .map(|e| e.to_string_lossy().to_lowercase());
    let to = to.unwrap_or(match extension.as_deref() {
        Some("csv") => ExportFormat::Csv,
        Some("otm") => ExportFormat::Otm,
        _ => ExportFormat::ThreatDragon,
    });
    let loaded = load_or_report(file)?;
    let analysis = analysis::analyze(&loaded.model);
    let name = file.display().to_string();
    let input = report::Input {
        model: &loaded.model,
        analysis: &analysis,
        file: Some(&name),
        source: None,
    };
    let text = match to {
        ExportFormat::Otm => report::otm::render(&input),
        ExportFormat::ThreatDragon => report::threat_dragon::render(&input),
        ExportFormat::Csv => report::csv::render(&input),
        ExportFormat::Json => report::json::render(&input),
    };
    let Some(output) = output else {
        std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .context("writing to standard output")?;
        return Ok(ExitCode::SUCCESS);
    };
    report::write_file(output, text.as_bytes()).with_context(|| format!("{}", output.display()))?;
    let elements =
        loaded.model.node_count() + loaded.model.flow_count() + loaded.model.boundaries.len();
    let findings = analysis.findings.len();
    match to {
        ExportFormat::Otm => eprintln!(
            "{}: Open Threat Model, {elements} elements, {findings} threats",
            output.display()
        ),
        ExportFormat::ThreatDragon => eprintln!(
            "{}: Threat Dragon model, {elements} elements, {findings} threats",
            output.display()
        ),
        ExportFormat::Csv | ExportFormat::Json => {
            eprintln!("{}: {findings} findings", output.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A model as it was at a git revision: `git show REV:./NAME` run in the file's folder.
fn load_at_revision(path: &std::path::Path, rev: &str) -> anyhow::Result<model::Model> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| anyhow::anyhow!("{}: not a file", path.display()))?;
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .arg("show")
        .arg(format!("{rev}:./{}", name.to_string_lossy()))
        .output()
        .context("running git (is it installed?)")?;
    let label = format!("{rev}:{}", path.display());
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        anyhow::bail!(
            "{label}: git show failed: {}",
            crate::text::shorten(why.lines().next().unwrap_or("").trim(), 200)
        );
    }
    let text = String::from_utf8(out.stdout)
        .map_err(|_| anyhow::anyhow!("{label}: the file is not UTF-8 text"))?;
    match model::parse(&text, &label) {
        Ok(loaded) => Ok(loaded.model),
        Err(e) => {
            for d in &e.diagnostics {
                eprintln!("{d}");
            }
            Err(Reported(EXIT_BAD_INPUT).into())
        }
    }
}

/// `rampart diff`.
fn diff(
    old: &std::path::Path,
    new: Option<&std::path::Path>,
    base: Option<&str>,
    format: DiffFormat,
    fail_on_new: Option<Severity>,
) -> anyhow::Result<ExitCode> {
    let (new_path, title) = match (new, base) {
        (Some(new), _) => (new, new.display().to_string()),
        (None, Some(rev)) => (old, format!("{} against {rev}", old.display())),
        (None, None) => anyhow::bail!("give NEW, or --base REV"),
    };
    // The two versions load and analyse side by side (one core each).
    let (old_side, new_side) = std::thread::scope(|scope| {
        let old_side = scope.spawn(|| -> anyhow::Result<_> {
            let m = match base {
                Some(rev) if new.is_none() => load_at_revision(old, rev)?,
                _ => load_or_report(old)?.model,
            };
            let a = analysis::analyze(&m);
            Ok((m, a))
        });
        let new_side = load_or_report(new_path).map(|l| {
            let a = analysis::analyze(&l.model);
            (l, a)
        });
        let old_side = old_side
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("loading the old version failed")));
        (old_side, new_side)
    });
    let (old_model, oa) = old_side?;
    let (new_loaded, na) = new_side?;
    let new_model = &new_loaded.model;
    let d = crate::diff::diff(&old_model, &oa, new_model, &na);
    let text = match format {
        DiffFormat::Text => report::diff::text(&d, &old_model, new_model, use_color()),
        DiffFormat::Markdown => report::diff::markdown(&d, &old_model, new_model, &title),
        DiffFormat::Json => report::diff::json(&d),
        DiffFormat::Sarif => {
            let file = new_path.display().to_string();
            let source = new_loaded.source_map();
            let input = report::Input {
                model: new_model,
                analysis: &na,
                file: Some(&file),
                source: Some(&source),
            };
            report::sarif::render_against(&input, Some(&oa))
        }
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("writing to standard output")?;
    Ok(match fail_on_new {
        Some(s) if d.new_open_at_or_above(s).next().is_some() => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

/// The short git revision of the last commit that touched `path`, when it is in a repository
/// (no git, or an untracked file: none).
fn git_revision(path: &std::path::Path) -> Option<String> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty())?;
    let name = path.file_name()?;
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["log", "-1", "--format=%h", "--"])
        .arg(name)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let rev = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !rev.is_empty()).then_some(rev)
}

fn pdf_report(
    path: &std::path::Path,
    output: &std::path::Path,
    paper: report::pdf::Paper,
    classification: Option<String>,
) -> anyhow::Result<ExitCode> {
    let loaded = load_or_report(path)?;
    let bytes = crate::fsio::read_limited(path, crate::model::MAX_FILE_BYTES, "model file")
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let mut options = report::pdf::Options::new(paper, &bytes);
    options.classification = classification;
    options.revision = git_revision(&std::fs::canonicalize(path).unwrap_or(path.to_path_buf()));
    // The last verification, when there is one: its section, and its drift findings for the
    // endpoints still declared as they were verified (the same rule as the editor's).
    let verification = match crate::verify::Verification::load(path) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("rampart: warning: {e} (the report leaves verification out)");
            None
        }
    };
    let analysis = crate::verify::analyse(&loaded.model, verification.as_ref());
    options.verification = verification;
    let file = path.display().to_string();
    let input = report::Input {
        model: &loaded.model,
        analysis: &analysis,
        file: Some(&file),
        source: None,
    };
    let pdf = report::pdf::render(&input, &options)?;
    report::write_file(output, &pdf).with_context(|| format!("{}", output.display()))?;
    eprintln!(
        "{}: {} findings, {} KB",
        output.display(),
        analysis.findings.len(),
        pdf.len() / 1024
    );
    Ok(ExitCode::SUCCESS)
}

/// `--starttls NAME`.
fn parse_preamble(name: &str) -> Result<crate::probe::starttls::Preamble, String> {
    crate::probe::starttls::Preamble::named(name).ok_or_else(|| {
        format!(
            "unknown protocol `{name}`: use one of {}",
            crate::probe::starttls::PREAMBLES
                .iter()
                .map(|(_, n)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}
