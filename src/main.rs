//! pishkhan's binary: parse the arguments, run the command, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // clap exits 2 on a usage error, as PRODUCT.md's exit codes want.
    let cli = pishkhan::cli::Cli::parse();
    match pishkhan::cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("pishkhan: error: {err:#}");
            ExitCode::from(pishkhan::cmd::EXIT_USAGE)
        }
    }
}
