//! `pishkhan key`: the office's signing key. `key new` makes one (Ed25519, mode 0600,
//! never over an existing file); `key show` prints the line the guild pastes into
//! its registry of office keys.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, anyhow};

use super::{emit, load_office, office_key, service_date};
use crate::cli::Common;
use crate::desk::keys::{KeyRegistry, OfficeKey};

const EXAMPLES: &str = "\
Examples:
  # A new key for the office, then its line for the guild's registry
  pishkhan key new --out office.key
  pishkhan key show --office-code 37-1234 --key office.key --date 1402/10/01

Put `key = \"office.key\"` in the office config (relative to it) to sign documents.
The key file is the office's secret: mode 0600, never overwritten, refused when others
can read it. The registry line gives the date the key signs from (--date, else today);
the guild adds `until` when the office replaces it.";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Make a new signing key into FILE (mode 0600; never over an existing file)
    New {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Print the office's registry line: office code, public key, fingerprint, from
    Show {
        /// The key file [default: `key` of the office config]
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
    },
}

pub fn run(common: &Common, args: &Args) -> Result<ExitCode> {
    match &args.action {
        Action::New { out } => {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|e| anyhow!("no randomness for a key: {e}"))?;
            let key = OfficeKey::from_seed(seed);
            crate::keyfile::create(out, &key)?;
            eprintln!(
                "{}: a new office key, fingerprint {} (keep the file secret; give the guild the line of `pishkhan key show`)",
                out.display(),
                key.public().fingerprint()
            );
            Ok(ExitCode::SUCCESS)
        }
        Action::Show { key } => {
            let office = load_office(common)?;
            let code = office.code.clone().ok_or_else(|| {
                anyhow!("the office code is not set: give --office-code or --config")
            })?;
            let key = match key {
                Some(path) => crate::keyfile::load(path)?,
                None => office_key(&office)?.ok_or_else(|| {
                    anyhow!("no key: give --key FILE, or `key` in the office config")
                })?,
            };
            let line = KeyRegistry::line(&code, &key.public(), service_date(common)?);
            emit(format!("{line}\n").as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
