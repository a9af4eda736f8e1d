//! pishkhan: the TVTO exam-registration desk of a government counter office.
//!
//! `core` is the pure domain; `cmd` holds one module per subcommand; `cli` is the
//! argument surface shared by the binary and its completions.

pub mod cli;
pub mod cmd;
pub mod core;
pub mod docs;
pub mod input;
pub mod ledger;
pub mod typeset;
