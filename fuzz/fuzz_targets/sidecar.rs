//! The verification sidecar (NAME.verify.json) as read beside a model.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = serde_json::from_slice::<rampart::verify::Verification>(data) {
        let m = rampart::model::Model::example();
        let _ = v.findings(&m);
        let _ = v.statuses(&m);
        let _ = v.summary("drift");
    }
});
