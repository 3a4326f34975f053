//! Model file speed: load + validate and save of a generated 10,000-node / 40,000-flow model.

use criterion::{Criterion, criterion_group, criterion_main};
use rampart::model;

fn bench(c: &mut Criterion) {
    let m = model::generate::generate(10_000, 1);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("big.ron");
    model::save(&m, &path).expect("save");
    let text = std::fs::read_to_string(&path).expect("read");
    eprintln!(
        "model: {} nodes, {} flows, {:.1} MB of RON",
        m.node_count(),
        m.flow_count(),
        text.len() as f64 / 1e6
    );
    let mut group = c.benchmark_group("model-10k");
    group.sample_size(10);
    // The model is dropped outside the timing, as `rampart analyze` never frees it (tens of
    // thousands of strings); `load+validate+drop` is what the GUI pays when it opens another.
    group.bench_function("load+validate", |b| {
        b.iter_with_large_drop(|| model::load(&path).expect("load"));
    });
    group.bench_function("load+validate+drop", |b| {
        b.iter(|| model::load(&path).expect("load"));
    });
    group.bench_function("save (atomic, read back)", |b| {
        b.iter(|| model::save(&m, &path).expect("save"));
    });
    group.bench_function("serialize only", |b| b.iter(|| model::to_text(&m)));
    group.bench_function("parse only (ron)", |b| {
        let options = ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
        b.iter(|| options.from_str::<model::ModelFile>(&text).expect("parse"));
    });
    group.bench_function("source map scan", |b| {
        b.iter(|| model::source::SourceMap::scan(&text));
    });
    let file = m.to_file();
    group.bench_function("validate only", |b| b.iter(|| model::validate(&file)));
    group.bench_function("to_file", |b| b.iter(|| m.to_file()));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
