//! The `rampart` binary: parses arguments and hands over to the CLI or the GUI.

use std::process::ExitCode;

use clap::Parser;
#[cfg(feature = "gui")]
use rampart::cli::Command;
use rampart::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        #[cfg(feature = "gui")]
        None => cli::finish(rampart::ui::run(None).map(|()| ExitCode::SUCCESS)),
        #[cfg(feature = "gui")]
        Some(Command::Open { file }) => {
            cli::finish(rampart::ui::run(Some(file)).map(|()| ExitCode::SUCCESS))
        }
        #[cfg(not(feature = "gui"))]
        None => {
            eprintln!(
                "rampart: this build has no GUI (built without the `gui` feature); try `rampart --help`"
            );
            ExitCode::from(cli::EXIT_BAD_INPUT)
        }
        Some(command) => cli::finish(cli::run(command)),
    }
}
