//! `pishkhan key`: the office's signing key. `key new` makes one (Ed25519, mode 0600,
//! never over an existing file); `key show` prints the line the guild pastes into
//! its registry of office keys; `key registry` publishes that registry for the page
//! that checks receipts in a browser (`web/verify.html`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, anyhow};

use super::oversight::load_registry;
use super::{emit, load_office, office_key, plan, service_date};
use crate::cli::Common;
use crate::desk::keys::{KeyRegistry, OfficeKey};
use crate::outputs::registry as published;

const EXAMPLES: &str = "\
Examples:
  # A new key for the office, then its line for the guild's registry
  pishkhan key new --out office.key
  pishkhan key show --office-code 37-1234 --key office.key --date 1402/10/01
  # The guild publishes its registry beside the page that checks receipts
  pishkhan key registry examples/registry.toml --format js --out web/registry.js

Put `key = \"office.key\"` in the office config (relative to it) to sign documents.
The key file is the office's secret: mode 0600, never overwritten, refused when others
can read it. The registry line gives the date the key signs from (--date, else today);
the guild adds `until` when the office replaces it, and may add `name`, which the
page shows when a receipt verifies.";

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
    /// Publish the guild's registry for web/verify.html: its public keys, as a script
    /// (js, the page's registry.js) or JSON
    Registry {
        /// The registry of office keys (TOML)
        #[arg(value_name = "REGISTRY")]
        registry: PathBuf,
        #[arg(long, value_enum, default_value = "js")]
        format: Published,
        /// Write into FILE (whole or not at all) instead of standard output
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Published {
    /// A script that sets `window.PISHKHAN_REGISTRY`: what a page opened from a file
    /// can load (it cannot fetch JSON)
    Js,
    Json,
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
        Action::Registry {
            registry,
            format,
            out,
        } => {
            // The ledger, tariffs and configs among what --out must not name.
            let mut plan = plan(common);
            plan.input("the key registry", registry)
                .output("--out", out.as_deref());
            plan.check()?;
            let registry = load_registry(registry)?;
            let text = match format {
                Published::Json => published::json_text(&registry),
                Published::Js => published::script(&registry),
            };
            match out {
                Some(path) => crate::files::write_atomic(path, text.as_bytes())?,
                None => emit(text.as_bytes())?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
