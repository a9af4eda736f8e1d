//! The command line: one module per subcommand, each with its options, help and
//! examples beside its code, turning arguments into a call of the desk and its
//! results into output. What they share lives here: loading the configuration files,
//! settling the run's [`Context`], writing to stdout, and the exit codes.

pub mod audit;
pub mod card;
pub mod certify;
mod charging;
pub mod check;
mod emit;
pub mod fee;
pub mod key;
mod oversight;
pub mod register;
pub mod report;
mod settings;
pub mod status;
pub mod verify;

use std::process::ExitCode;

use anyhow::Result;
use clap::{CommandFactory, Parser, Subcommand};

use crate::cli::Common;

pub use emit::{Binary, emit, emit_binary};
pub use settings::*;

/// Exit codes.
pub const EXIT_OK: u8 = 0;
/// Some rows were rejected; the rest were processed.
pub const EXIT_REJECTED: u8 = 1;
/// A usage or configuration error: nothing was processed.
pub const EXIT_USAGE: u8 = 2;
/// Rows were recorded, but some outputs (PDFs, rejects, SMS) could not be written.
pub const EXIT_UNWRITTEN: u8 = 3;

const ABOUT: &str = "The TVTO exam-registration desk of a government counter office \
(دفتر پیشخوان خدمات دولت): validated registrations, exact receipts, exam-date slips, \
a ledger and the monthly fee report.";

const EXAMPLES: &str = "\
Examples:
  # The letter's tariff table, total 71,796 toman
  pishkhan fee --stage all --date 1402/10/26
  # What one applicant pays at registration
  pishkhan fee --stage registration --cluster 60000 --date 1402/10/26
  # Check tariffs.toml and calendar.toml
  pishkhan check

Exit codes: 0 all rows accepted; 1 some rows rejected (the rest were processed);
2 usage or configuration error (nothing processed); 3 rows recorded, but some
outputs (PDFs, rejects, SMS) not written: run the same command again to write them.";

#[derive(Debug, Parser)]
#[command(
    name = "pishkhan",
    version,
    about = ABOUT,
    after_help = EXAMPLES,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub common: Common,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Register the day's applicants from a sheet: validate, price, record, print receipts
    Register(register::Args),
    /// Price services without recording anything: the approved tariff
    Fee(fee::Args),
    /// Issue exam-date slips (entry cards) for registered applicants and charge line 5
    Card(card::Args),
    /// Collect the certificate fee from applicants who finally passed
    Certify(certify::Args),
    /// Show one applicant's way through the office: registration, slip, certificate
    Status(status::Args),
    /// The monthly fee report: office revenue and TVTO money apart
    Report(report::Args),
    /// Check a ledger whole: integrity, hash chain, numbering, tariffs, order of steps
    Audit(audit::Args),
    /// Check one receipt (its proof line or number) against the ledger
    Verify(verify::Args),
    /// Check tariffs.toml, calendar.toml, the office config and a sheet; change nothing
    Check(check::Args),
    /// The office's signing key: make one, or show its line for the guild's registry
    Key(key::Args),
    /// Print a shell completion script
    #[command(after_help = "\
Examples:
  pishkhan completions bash > pishkhan.bash
  pishkhan completions zsh > _pishkhan
  pishkhan completions fish > pishkhan.fish

Put the file where your shell looks for completions, e.g.
~/.local/share/bash-completion/completions/pishkhan for bash.")]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    let common = &cli.common;
    match cli.command {
        Command::Register(args) => register::run(common, &args),
        Command::Fee(args) => fee::run(common, &args),
        Command::Card(args) => card::run(common, &args),
        Command::Certify(args) => certify::run(common, &args),
        Command::Status(args) => status::run(common, &args),
        Command::Report(args) => report::run(common, &args),
        Command::Audit(args) => audit::run(common, &args),
        Command::Verify(args) => verify::run(common, &args),
        Command::Check(args) => check::run(common, &args),
        Command::Key(args) => key::run(common, &args),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "pishkhan", &mut out);
            emit(&out)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
