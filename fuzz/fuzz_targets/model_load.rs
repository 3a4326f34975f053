//! The model loader: parse, and for what parses, save (canonical text), parse again (the same
//! model), analyse, and lay out the diagram.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart::model;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(loaded) = model::parse(text, "fuzz.ron") else {
        return;
    };
    let saved = model::to_text(&loaded.model);
    let again = model::parse(&saved, "fuzz.ron").expect("a saved model parses");
    assert!(again.model == loaded.model, "the round trip changed the model");
    let _ = rampart::analysis::analyze(&loaded.model);
    if loaded.model.node_count() < 200 {
        let _ = rampart::diagram::scene(&loaded.model, &rampart::diagram::Options::default());
    }
});
