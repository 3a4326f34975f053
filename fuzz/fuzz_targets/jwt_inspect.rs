//! JWT inspection: any token text, including hostile claims (huge or negative times, deep
//! nesting, odd types).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(token) = std::str::from_utf8(data) {
        let _ = rampart::probe::jwt::inspect_token(token);
    }
});
