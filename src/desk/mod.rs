//! The desk: the rules of the counter between the pure core and the commands. It owns
//! the types of a charge ([`charge`]), the settings of a run built once ([`context`]),
//! the rules that are not about one row ([`rules`]), what each charging step checks
//! and prices ([`register`], [`card`], [`certify`]), and the one recording loop they
//! all go through ([`batch`]), and the fee report as a fold of receipts or
//! statements ([`report`]). It asks the ledger only through [`book`]'s traits and
//! hands its results to a [`batch::Sink`]: storage and documents are not its concern.

pub mod applicants;
pub mod audit;
pub mod batch;
pub mod book;
pub mod card;
pub mod certify;
pub mod charge;
pub mod context;
pub mod keys;
pub mod proof;
pub mod register;
pub mod report;
pub mod rules;
pub mod statement;

pub use charge::{Applicant, Charge, Exam, Key, Person, Receipt, Recorded};
pub use context::{Clock, Context};
