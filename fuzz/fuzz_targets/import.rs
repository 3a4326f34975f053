//! Importers: any text given to `rampart import` either fails with a message or gives a model
//! that validates, saves and analyses.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(imported) = rampart::interchange::import(text, None)
        && imported.model.problems().is_empty()
    {
        let saved = rampart::model::to_text(&imported.model);
        let again = rampart::model::parse(&saved, "imported.ron").expect("a saved import reloads");
        let _ = rampart::analysis::analyze(&again.model);
    }
});
