//! Diagram speed: layout, routing and labels of generated models of 100, 500 and 2,000 nodes
//! (automatic layout), and of the example models; crossings are printed for the record.

use criterion::{Criterion, criterion_group, criterion_main};
use rampart::{diagram, model};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("diagram");
    group.sample_size(10);
    for path in [
        "models/ecommerce.ron",
        "models/healthcare.ron",
        "models/payments.ron",
    ] {
        let m = model::load(std::path::Path::new(path))
            .expect("example")
            .model;
        let scene = diagram::scene(&m, &diagram::Options::default());
        eprintln!(
            "{path}: {} nodes, {} flows, {} crossings, {} callouts",
            m.node_count(),
            m.flow_count(),
            scene.crossings(),
            scene.key.iter().filter(|k| k.tag.starts_with('F')).count()
        );
        group.bench_function(path, |b| {
            b.iter(|| diagram::scene(&m, &diagram::Options::default()));
        });
    }
    for n in [100, 500, 2000] {
        let mut m = model::generate::generate(n, 7);
        m.layout = model::Layout::default();
        let scene = diagram::scene(&m, &diagram::Options::default());
        eprintln!(
            "generated {n}: {} flows, {} crossings, {} callouts",
            m.flow_count(),
            scene.crossings(),
            scene.key.iter().filter(|k| k.tag.starts_with('F')).count()
        );
        group.bench_function(format!("layout+route {n} nodes"), |b| {
            b.iter(|| diagram::scene(&m, &diagram::Options::default()));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
