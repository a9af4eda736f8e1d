//! The integration tests, one binary with a module per topic (as ripgrep's
//! `tests/tests.rs`): each links the crate once, and `cargo test NAME` picks a topic
//! or a test. `common` holds the helpers every topic uses.

mod common;

mod browser;
mod card_certify;
mod check;
mod cli;
mod docs;
mod examples;
mod fee;
mod forgery;
mod jalali;
mod ledger;
mod looks;
mod man;
mod mobiles;
mod outputs;
mod oversight;
mod qr;
mod real_files;
mod register;
mod report;
mod safety;
mod signed;
mod spreadsheets;
mod structure;
mod template;
mod trust;
mod typeset;
mod verify;
