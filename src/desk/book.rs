//! The ledger as the desk uses it. `ledger::Ledger` implements these; the desk only
//! knows what it asks of them, so the rules and the recording loop do not depend on
//! how receipts are stored.

use anyhow::Result;

use super::charge::{Charge, Found, Key, Receipt, Recorded};

/// An applicant's registration, as the later steps (slip, certificate) find it.
#[derive(Clone, Debug)]
pub struct Registration {
    pub program: String,
    pub exam_stage: u32,
    pub receipt: Receipt,
}

/// Reading the ledger.
pub trait Registry {
    /// The receipt already recorded under this key.
    fn find(&self, key: Key) -> Result<Option<Found>>;

    /// A recorded receipt as it was printed.
    fn document(&self, office_code: &str, number: &str) -> Result<Option<Receipt>>;

    /// The applicant's registration for a program's stage; with `None`, the latest.
    fn registration(
        &self,
        national_id: &str,
        stage: Option<(&str, u32)>,
    ) -> Result<Option<Registration>>;
}

/// Writing the ledger: charges recorded inside a transaction, which commits whole or
/// not at all.
pub trait Book: Registry {
    /// Starts a transaction that holds the ledger's write lock.
    fn begin(&mut self) -> Result<()>;

    /// Records a charge inside the open transaction under the office's next receipt
    /// number, or finds the receipt it already has (nothing is charged twice).
    fn record(&mut self, charge: &Charge) -> Result<Recorded>;

    /// Keeps receipt `number`'s signed proof line, inside the open transaction that
    /// recorded it.
    fn keep_proof(&mut self, office_code: &str, number: &str, line: &str) -> Result<()>;

    fn commit(&mut self) -> Result<()>;

    fn rollback(&mut self) -> Result<()>;
}

/// No ledger yet: nothing is recorded, nothing can be found.
pub struct NoLedger;

impl Registry for NoLedger {
    fn find(&self, _: Key) -> Result<Option<Found>> {
        Ok(None)
    }
    fn document(&self, _: &str, _: &str) -> Result<Option<Receipt>> {
        Ok(None)
    }
    fn registration(&self, _: &str, _: Option<(&str, u32)>) -> Result<Option<Registration>> {
        Ok(None)
    }
}
