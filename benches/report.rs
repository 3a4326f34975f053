//! PDF report speed: a generated model sized to about 1,000 findings (analysis not included).

use criterion::{Criterion, criterion_group, criterion_main};
use rampart::{analysis, model, report};

fn bench(c: &mut Criterion) {
    // The smallest generated model with at least 1,000 findings.
    let (m, a) = (100..2000)
        .step_by(10)
        .map(|n| {
            let m = model::generate::generate(n, 1);
            let a = analysis::analyze(&m);
            (m, a)
        })
        .find(|(_, a)| a.findings.len() >= 1000)
        .expect("a model with 1,000 findings");
    let input = report::Input {
        model: &m,
        analysis: &a,
        file: None,
        source: None,
    };
    let options = report::pdf::Options::new(report::pdf::Paper::A4, b"bench");
    let pdf = report::pdf::render(&input, &options).expect("pdf");
    eprintln!(
        "{} nodes, {} flows, {} findings: {} KB",
        m.node_count(),
        m.flow_count(),
        a.findings.len(),
        pdf.len() / 1024
    );
    let mut group = c.benchmark_group("pdf");
    group.sample_size(10);
    group.bench_function("report with 1,000 findings", |b| {
        b.iter(|| report::pdf::render(&input, &options).expect("pdf"));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
