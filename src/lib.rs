//! pishkhan: the TVTO exam-registration desk of a government counter office.
//!
//! `core` is the pure domain; `desk` the rules of the counter and the one recording
//! loop over it; `ledger` stores, `docs` draws (on `typeset`), `input` reads sheets;
//! `cmd` holds one module per subcommand, `cli` the options they share; `files` writes
//! files that appear whole, `paths` keeps a run's outputs off its inputs.

pub mod cli;
pub mod cmd;
pub mod core;
pub mod desk;
pub mod docs;
pub mod files;
pub mod input;
pub mod keyfile;
pub mod ledger;
pub mod memory;
pub mod outputs;
pub mod paths;
pub mod typeset;
