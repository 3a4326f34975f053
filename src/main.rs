//! The `rampart` binary: parses arguments and hands over to the CLI or the GUI.

use std::process::ExitCode;

fn main() -> ExitCode {
    rampart::cli::main()
}
