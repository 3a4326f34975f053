//! Full analysis (every rule, attack paths, effective privilege, blast radius, compliance) of
//! generated models with about four flows per node.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use rampart::{analysis, model};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("analyze");
    group.sample_size(10);
    for nodes in [1_000, 10_000, 40_000] {
        let m = model::generate::generate(nodes, 1);
        let findings = analysis::analyze(&m).findings.len();
        eprintln!(
            "{nodes} nodes, {} flows: {findings} findings",
            m.flow_count()
        );
        group.bench_with_input(BenchmarkId::from_parameter(nodes), &m, |b, m| {
            b.iter_with_large_drop(|| analysis::analyze(m));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
