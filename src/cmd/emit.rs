//! Standard output: text that a closed pipe does not break, and binary files kept
//! off the terminal.

use std::io::{self, Write};

use anyhow::{Context as _, Result, bail};

/// Writes to stdout; a closed pipe (`pishkhan … | head`) is not an error.
pub fn emit(bytes: &[u8]) -> Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}

/// A binary file for standard output: what it is, named for the clerk.
#[derive(Clone, Copy)]
pub enum Binary {
    Pdf,
    Workbook,
}

/// Writes a binary file (a PDF, a workbook) to stdout, never to a terminal.
pub fn emit_binary(bytes: &[u8], what: Binary, instead: &str) -> Result<()> {
    if crate::cli::stdout_is_terminal() {
        let (en, ext, fa) = match what {
            Binary::Pdf => ("a PDF", "pdf", "فایل PDF"),
            Binary::Workbook => ("a workbook", "xlsx", "کارپوشه اکسل"),
        };
        bail!(
            "{en} is not for the terminal: redirect it (… > file.{ext}) or {instead} / {fa} را در پایانه چاپ نمی‌کنیم: آن را در فایلی بنویسید"
        );
    }
    emit(bytes)
}
