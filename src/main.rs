//! pishkhan's binary: parse the arguments, run the command, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // clap exits 2 on a usage error, which is what exit code 2 means here.
    let cli = pishkhan::cmd::Cli::parse();
    match pishkhan::cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("pishkhan: error: {err:#}");
            ExitCode::from(pishkhan::cmd::EXIT_USAGE)
        }
    }
}

#[global_allocator]
static GLOBAL: pishkhan::memory::Budgeted = pishkhan::memory::Budgeted;
