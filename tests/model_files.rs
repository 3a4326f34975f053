//! Model files end to end: the example models, bad input through the real binary, round trips
//! and atomic saves.

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;
use rampart::model::{self, Model, NodeKind, Pos};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
}

fn models() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("models"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "ron"))
            .collect();
    paths.sort();
    paths
}

/// Runs `rampart check FILE` and returns (exit code, stderr lines).
fn check(path: &Path) -> (i32, Vec<String>) {
    let out = bin().arg("check").arg(path).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    (
        out.status.code().unwrap(),
        stderr.lines().map(str::to_string).collect(),
    )
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn example_models_are_valid_and_realistic() {
    let paths = models();
    assert!(paths.len() >= 3, "{paths:?}");
    for path in &paths {
        let (code, errors) = check(path);
        assert_eq!(code, 0, "{}: {errors:?}", path.display());
        let loaded = model::load(path).unwrap();
        let m = &loaded.model;
        assert!(m.node_count() >= 12, "{}", path.display());
        assert!(m.boundaries.len() >= 3, "{}", path.display());
        let text = std::fs::read_to_string(path).unwrap();
        assert!(
            text.contains("Deliberate weaknesses"),
            "{} documents its weaknesses",
            path.display()
        );
        for kind in [NodeKind::Actor, NodeKind::Service, NodeKind::DataStore] {
            assert!(
                m.nodes().any(|n| n.kind == kind),
                "{} has a {kind}",
                path.display()
            );
        }
    }
}

#[test]
fn builtin_example_is_the_ecommerce_file() {
    let from_disk = model::load(Path::new("models/ecommerce.ron"))
        .unwrap()
        .model;
    assert!(Model::example() == from_disk);
    for kind in NodeKind::ALL {
        assert!(
            from_disk.nodes().any(|n| n.kind == *kind),
            "the e-commerce example has a {kind}"
        );
    }
}

/// One bad input: the file's bytes and what every reported line must contain.
struct Bad {
    name: &'static str,
    bytes: Vec<u8>,
    expect: &'static [&'static str],
}

#[test]
fn bad_input_gives_positioned_errors_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read("models/ecommerce.ron").unwrap();
    let mut random = vec![0u8; 50 * 1024 * 1024];
    let mut x: u64 = 0x1234_5678;
    for b in &mut random {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = (x >> 24) as u8;
    }
    let cases = vec![
        Bad {
            name: "truncated.ron",
            bytes: good[..good.len() / 2].to_vec(),
            expect: &["truncated.ron:", "end of file"],
        },
        Bad {
            name: "wrong-type.ron",
            bytes: b"(rampart: 1, name: 42)".to_vec(),
            expect: &["wrong-type.ron:1:20: expected string"],
        },
        Bad {
            name: "unknown-variant.ron",
            bytes: b"(rampart: 1, name: \"x\",\n nodes: [(id: \"a\", kind: mainframe)])".to_vec(),
            expect: &["unknown-variant.ron:2:", "unknown value `mainframe`", "data_store"],
        },
        Bad {
            name: "unknown-field.ron",
            bytes: b"(rampart: 1, name: \"x\",\n nodes: [(id: \"a\", kind: service, colour: red)])"
                .to_vec(),
            expect: &["unknown-field.ron:2:", "unknown field `colour`"],
        },
        Bad {
            name: "not-utf8.ron",
            bytes: b"(rampart: 1,\n name: \"caf\xe9\")".to_vec(),
            expect: &["not-utf8.ron:2:", "not UTF-8"],
        },
        Bad {
            name: "random.ron",
            bytes: random,
            expect: &["random.ron:", "not UTF-8"],
        },
        Bad {
            name: "empty.ron",
            bytes: Vec::new(),
            expect: &["empty.ron:1:1: the file is empty"],
        },
        Bad {
            name: "cycle.ron",
            bytes: b"(rampart: 1, name: \"x\", boundaries: [\n  (id: \"a\", kind: dmz, parent: \"b\"),\n  (id: \"b\", kind: dmz, parent: \"a\"),\n  (id: \"c\", kind: dmz, parent: \"c\"),\n])".to_vec(),
            expect: &["cycle.ron:", "cycle"],
        },
        Bad {
            name: "no-version.ron",
            bytes: b"(name: \"x\")".to_vec(),
            expect: &["no-version.ron:1:", "rampart: 2"],
        },
        Bad {
            name: "newer.ron",
            bytes: b"(rampart: 9, name: \"x\")".to_vec(),
            expect: &["newer.ron:1:2: unsupported schema version 9"],
        },
    ];
    for case in &cases {
        let path = write(dir.path(), case.name, &case.bytes);
        let (code, lines) = check(&path);
        assert_eq!(code, 2, "{}: {lines:?}", case.name);
        assert!(!lines.is_empty(), "{}", case.name);
        for line in &lines {
            for needle in case.expect {
                assert!(
                    line.contains(needle),
                    "{}: `{line}` lacks `{needle}`",
                    case.name
                );
            }
            assert!(!line.contains("panicked"), "{line}");
        }
    }
    // The cycle file has two cycles: both are reported, each once.
    let (_, lines) = check(&dir.path().join("cycle.ron"));
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with(&format!("{}:2:", dir.path().join("cycle.ron").display())));

    // A directory, and a missing file.
    let (code, lines) = check(dir.path());
    assert_eq!(code, 2);
    assert!(
        lines[0].ends_with("is a directory, not a model file"),
        "{lines:?}"
    );
    let (code, lines) = check(&dir.path().join("missing.ron"));
    assert_eq!(code, 2);
    assert!(lines[0].ends_with("missing.ron: no such file"), "{lines:?}");
}

#[test]
fn reference_errors_are_all_reported_with_positions() {
    let text = r#"(
    rampart: 1,
    name: "refs",
    assets: [(id: "pii", classification: confidential)],
    boundaries: [(id: "net", kind: internet), (id: "net", kind: dmz)],
    nodes: [
        (id: "a", kind: service, boundary: "nowhere", stores: ["ghost-data"]),
        (id: "db", kind: data_store, grants: [(principal: "nobody", access: read)]),
    ],
    flows: [
        (from: "a", to: "db", data: ["pii", "missing"]),
        (from: "a", to: "elsewhere"),
        (id: "bad id", from: "a", to: "a"),
        (id: "probe", from: "a", to: "db", endpoint: (url: "db:port")),
    ],
    decisions: [(finding: "x@a", status: accepted, date: "2026-13-01")],
    layout: (nodes: {"phantom": (x: 1.0, y: 2.0)}),
)"#;
    let err = model::parse(text, "refs.ron").err().unwrap();
    let lines: Vec<String> = err.diagnostics.iter().map(ToString::to_string).collect();
    let expected = [
        "refs.ron:5:48: duplicate id `net`: already used by a boundary",
        "refs.ron:7:34: node `a` is in unknown boundary `nowhere`",
        "refs.ron:7:64: node `a` stores unknown data asset `ghost-data`",
        "refs.ron:8:47: grant on `db` names unknown principal `nobody` (grants name nodes)",
        "refs.ron:11:45: flow `a-to-db` carries unknown data asset `missing`",
        "refs.ron:12:21: flow `a-to-elsewhere` to unknown node `elsewhere`",
        "refs.ron:13:10: invalid flow id `bad id`: use letters, digits, `-`, `_` or `.`, starting with a letter or digit",
        "refs.ron:13:35: flow `bad id` goes from `a` to itself",
        "refs.ron:14:55: endpoint of `probe`: invalid target `db:port`: use HOST:PORT or a URL such as https://host:8443/ or postgres://host:5432",
        "refs.ron:16:52: invalid date `2026-13-01`: use YYYY-MM-DD, e.g. 2026-01-31",
        "refs.ron:17:22: layout places unknown node `phantom`",
    ];
    assert_eq!(lines, expected);
}

#[test]
fn round_trip_every_model_and_generated_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut all: Vec<(String, Model)> = models()
        .iter()
        .map(|p| (p.display().to_string(), model::load(p).unwrap().model))
        .collect();
    for (n, seed) in [(10, 1), (200, 2), (1000, 3)] {
        all.push((format!("gen {n}"), model::generate::generate(n, seed)));
    }
    for (name, m) in all {
        let path = dir.path().join("m.ron");
        model::save(&m, &path).unwrap();
        let first = std::fs::read(&path).unwrap();
        let back = model::load(&path).unwrap().model;
        assert!(back == m, "{name}: load(save(m)) == m");
        model::save(&back, &path).unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            first,
            "{name}: saving twice gives the same bytes"
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary files are left behind");
}

#[test]
fn the_comment_block_at_the_top_survives_an_edit_and_a_save() {
    let dir = tempfile::tempdir().unwrap();
    for original in models() {
        let text = std::fs::read_to_string(&original).unwrap();
        let header: Vec<&str> = text.lines().take_while(|l| l.starts_with("//")).collect();
        assert!(
            header.len() > 5,
            "{}: documents its weaknesses",
            original.display()
        );
        let mut m = model::load(&original).unwrap().model;
        m.description.push_str(" Edited.");
        let path = dir.path().join("edited.ron");
        model::save(&m, &path).unwrap();
        let saved = std::fs::read_to_string(&path).unwrap();
        let kept: Vec<&str> = saved.lines().take(header.len() + 1).collect();
        assert_eq!(kept[..header.len()], header[..], "{}", original.display());
        assert_eq!(kept[header.len()], "(", "the model follows the comments");
        assert!(saved.contains(" Edited."));
        assert!(
            !saved.contains("\\'"),
            "apostrophes are written as they are"
        );
        // And it is still a model, equal to the edited one.
        assert!(model::load(&path).unwrap().model == m);
    }
    // Comments further down are not kept; a file without a header gets none.
    let path = dir.path().join("plain.ron");
    std::fs::write(
        &path,
        "\n\n(rampart: 1, name: \"x\", // trailing\n)\n// after\n",
    )
    .unwrap();
    let m = model::load(&path).unwrap().model;
    assert_eq!(m.header, "");
    assert!(model::to_text(&m).starts_with('('));
}

#[test]
fn saving_an_invalid_model_or_to_a_bad_place_keeps_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keep.ron");
    let m = Model::example();
    model::save(&m, &path).unwrap();
    let before = std::fs::read(&path).unwrap();

    let mut broken = m.clone();
    broken.node_mut("order-service").unwrap().boundary = Some("nowhere".into());
    let err = model::save(&broken, &path).unwrap_err();
    assert!(
        err.to_string().contains("unknown boundary `nowhere`"),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);

    // The target is a directory: the rename fails, nothing is left behind.
    let target = dir.path().join("sub");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("inside"), b"x").unwrap();
    assert!(model::save(&m, &target).is_err());
    assert!(target.join("inside").exists());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !std::path::Path::new(n)
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("tmp"))),
        "{names:?}"
    );
}

#[test]
fn gen_command_writes_a_valid_model() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.ron");
    let status = bin()
        .args(["gen", "--nodes", "500", "--seed", "9", "-o"])
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());
    let m = model::load(&path).unwrap().model;
    assert_eq!(m.node_count(), 500);
    assert!(m.flow_count() >= 1900);
    let (code, _) = check(&path);
    assert_eq!(code, 0);
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-zA-Z0-9 ]{1,20}",
        any::<String>(),
        Just("quote \" backslash \\ newline \n tab \t r#\"raw\"# 🛡️ عربى".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_generated_model_survives_the_round_trip(
        nodes in 2usize..60,
        seed in any::<u64>(),
        names in proptest::collection::vec(text(), 8),
        coords in proptest::collection::vec((-1.0e7f32..1.0e7, -1.0e7f32..1.0e7), 4),
    ) {
        let mut m = model::generate::generate(nodes, seed);
        m.description.clone_from(&names[0]);
        m.author.clone_from(&names[1]);
        let ids: Vec<String> = m.nodes().map(|n| n.id.clone()).collect();
        for (i, id) in ids.iter().enumerate() {
            let node = m.node_mut(id).unwrap();
            node.name.clone_from(&names[i % names.len()]);
            node.technology.clone_from(&names[(i + 3) % names.len()]);
            if let Some((x, y)) = coords.get(i) {
                m.layout.nodes.insert(id.clone(), Pos { x: *x, y: *y });
            }
        }
        let text = model::to_text(&m);
        let back = model::parse(&text, "prop.ron").map_err(|e| TestCaseError::fail(e.to_string()))?.model;
        prop_assert!(back == m);
        prop_assert_eq!(model::to_text(&back), text);
    }
}

#[test]
fn hostile_inputs_end_at_once_with_a_bounded_message() {
    let dir = tempfile::tempdir().unwrap();
    // Not a regular file: refused before it is opened (a FIFO would block an open forever).
    let fifo = dir.path().join("pipe.ron");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    for path in [fifo.as_path(), Path::new("/dev/zero")] {
        let (code, lines) = check(path);
        assert_eq!(code, 2);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].ends_with("is not a regular file (a pipe, socket or device); give a file"),
            "{lines:?}"
        );
    }
    // A huge unknown field name is quoted in part, not echoed whole.
    let text = std::fs::read_to_string("models/payments.ron").unwrap();
    let long = text.replacen("name:", &format!("n{}:", "a".repeat(1_000_000)), 1);
    let (code, lines) = check(&write(dir.path(), "long.ron", long.as_bytes()));
    assert_eq!(code, 2);
    assert!(
        lines[0].contains("unknown field `naaaa") && lines[0].contains('…'),
        "{}",
        &lines[0][..200.min(lines[0].len())]
    );
    assert!(lines.iter().map(String::len).sum::<usize>() < 2000);
    // A file cut inside its opening comments says it may be truncated.
    let cut: String = text.lines().take(3).flat_map(|l| [l, "\n"]).collect();
    let (code, lines) = check(&write(dir.path(), "cut.ron", cut.as_bytes()));
    assert_eq!(code, 2);
    assert!(lines[0].contains("(is the file truncated?)"), "{lines:?}");
}

#[test]
fn a_chain_of_four_thousand_boundaries_closed_into_a_cycle_is_reported_once() {
    // (The cycle check was cubic: 42.7 s for this file. It is one linear pass now; the speed is
    // measured in benches/model.rs.)
    let dir = tempfile::tempdir().unwrap();
    let n = 4000;
    let mut text = String::from("(\n  rampart: 1,\n  name: \"chain\",\n  boundaries: [\n");
    for i in 0..n {
        text.push_str(&format!(
            "    (id: \"b{i}\", kind: internal_network, parent: \"b{}\"),\n",
            (i + 1) % n
        ));
    }
    text.push_str("  ],\n)\n");
    let (code, lines) = check(&write(dir.path(), "cycle.ron", text.as_bytes()));
    assert_eq!(code, 2);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("boundary parents form a cycle of 4000 boundaries: b0 -> b1"),
        "{lines:?}"
    );
    assert!(lines[0].len() < 300);
}

#[test]
fn saves_killed_at_random_moments_leave_one_whole_version_and_no_litter() {
    // Two versions of one file, written alternately by `rampart gen -o`, each save killed with
    // SIGKILL after a random delay: the file is always one version or the other, whole.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.ron");
    let version = |seed: u64| model::to_text(&model::generate::generate(3000, seed));
    let (a, b) = (version(1), version(2));
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut killed = 0;
    for round in 0..50u64 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let seed = 1 + round % 2;
        let mut child = bin()
            .args(["gen", "--nodes", "3000", "--seed", &seed.to_string(), "-o"])
            .arg(&path)
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(rng % 120));
        if child.try_wait().unwrap().is_none() {
            let _ = child.kill();
            killed += 1;
        }
        let _ = child.wait();
        if path.exists() {
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                text == a || text == b,
                "round {round}: a torn file ({} bytes)",
                text.len()
            );
            assert!(model::load(&path).is_ok());
        }
    }
    assert!(killed >= 10, "only {killed} saves were interrupted");
    // The next save clears what interrupted saves left.
    bin()
        .args(["gen", "--nodes", "10", "-o"])
        .arg(&path)
        .status()
        .unwrap();
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["model.ron"]);
}

/// Version 1 files read as version 2 (every version 2 property is optional with the version 1
/// meaning), `check` says so, and a save writes version 2; version 2 properties round-trip.
#[test]
fn version_1_files_are_upgraded_and_version_2_properties_round_trip() {
    let v1 = "(rampart: 1, name: \"old\", nodes: [(id: \"a\", kind: service)])\n";
    let loaded = model::parse(v1, "old.ron").unwrap();
    assert_eq!(loaded.upgraded_from, Some(1));
    let saved = model::to_text(&loaded.model);
    assert!(saved.contains("rampart: 2,"), "{saved}");
    assert_eq!(model::parse(&saved, "new.ron").unwrap().upgraded_from, None);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.ron");
    std::fs::write(&path, v1).unwrap();
    let out = bin()
        .args(["check", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.contains("schema version 1, read as version 2 (a save writes version 2)"),
        "{out}"
    );
    let v2 = r#"(
  rampart: 2,
  name: "new",
  assets: [(id: "orders", classification: confidential, integrity: critical, availability: high)],
  boundaries: [(id: "legacy", kind: internal_network, out_of_scope: "Decommissioned in Q3")],
  nodes: [
    (id: "clerk", kind: actor, users: no_mfa, role: staff),
    (id: "web", kind: gateway, waf: true, internet_facing: true),
    (id: "lib", kind: service, out_of_scope: ""),
  ],
  flows: [
    (from: "clerk", to: "web", transport: network, authorization: end_user, controls: [vpn, ip_allowlist], data: ["orders"]),
    (from: "web", to: "lib", transport: local, out_of_scope: "third-party library"),
  ],
)
"#;
    let m = model::parse(v2, "v2.ron").unwrap().model;
    let again = model::parse(&model::to_text(&m), "again.ron")
        .unwrap()
        .model;
    assert_eq!(model::to_text(&again), model::to_text(&m));
    let asset = m.asset("orders").unwrap();
    assert_eq!(asset.integrity, Some(model::Rating::Critical));
    assert_eq!(asset.availability, Some(model::Rating::High));
    assert_eq!(m.node("clerk").unwrap().role, Some(model::HumanRole::Staff));
    assert!(m.node("web").unwrap().waf);
    let f = m.flows().find(|f| f.from == "clerk").unwrap();
    assert_eq!(f.authorization, Some(model::Authorization::EndUser));
    assert_eq!(
        f.controls,
        [
            model::NetworkControl::Vpn,
            model::NetworkControl::IpAllowlist
        ]
    );
    assert_eq!(m.out_of_scope("lib").as_deref(), Some("out of scope"));
    assert_eq!(
        m.out_of_scope("web-to-lib").as_deref(),
        Some("third-party library")
    );
    assert_eq!(m.out_of_scope("web"), None);
    assert_eq!(
        m.out_of_scope("legacy").as_deref(),
        Some("Decommissioned in Q3")
    );
    // A node inside an out-of-scope boundary is out of scope, naming the boundary.
    let inside = v2
        .replace(
            "(id: \"legacy\", kind: internal_network,",
            "(id: \"legacy\", name: \"Legacy DC\", kind: internal_network,",
        )
        .replace(
            "(id: \"web\", kind: gateway,",
            "(id: \"web\", kind: gateway, boundary: \"legacy\",",
        );
    let m = model::parse(&inside, "inside.ron").unwrap().model;
    assert_eq!(
        m.out_of_scope("web").as_deref(),
        Some("in Legacy DC: Decommissioned in Q3")
    );
    assert_eq!(
        m.out_of_scope("legacy").as_deref(),
        Some("Decommissioned in Q3")
    );
}
