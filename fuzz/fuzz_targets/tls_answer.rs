//! The TLS probe's reading of a server's answer: records, handshake messages, ServerHello,
//! certificate lists, whatever bytes a hostile server sends.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = rampart::probe::tls::describe_server_bytes(data, true);
    let _ = rampart::probe::tls::describe_server_bytes(data, false);
});
