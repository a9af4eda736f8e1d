//! The document check of `verify`: whether a PDF is what the ledger prints.

use super::{Check, Checked, File};

/// Whether a PDF is, byte for byte, what the ledger prints for its receipts: a
/// drawn-over or edited receipt, or another tool's PDF carrying a genuine proof, is
/// not. One printed by an earlier pishkhan (no layout named, or an older one) cannot
/// be made again,
/// and is checked by its proof lines only, which the check says.
pub(super) fn document_check(checked: &[Checked], file: &File) -> Check {
    let Some(layout) = &file.layout else {
        return Check {
            what: "document",
            held: true,
            detail: "printed by an earlier pishkhan (it names no layout): checked by its proof line only, not as a document".into(),
        };
    };
    // Documents of an earlier layout were genuine when printed, but this build
    // prints them differently: only their proof lines can be checked.
    if layout != crate::docs::LAYOUT {
        return Check {
            what: "document",
            held: true,
            detail: format!(
                "printed in layout {layout} by an earlier pishkhan (this one prints layout {}): checked by its proof line only, not as a document",
                crate::docs::LAYOUT
            ),
        };
    }
    let mut receipts = Vec::new();
    for c in checked {
        match &c.document {
            Some(r) => receipts.push(r.clone()),
            None => {
                return Check {
                    what: "document",
                    held: false,
                    detail: format!("receipt {} is not in the ledger", c.number),
                };
            }
        }
    }
    let held = crate::docs::is_reprint(&file.bytes, &receipts, file.title.as_deref());
    Check {
        what: "document",
        held,
        detail: if held {
            format!("the file is, byte for byte, what the ledger prints (layout {layout})")
        } else {
            "this file is not the receipt the ledger prints: drawn over, edited, or made by another program / این پرونده همان رسیدی نیست که دفتر چاپ می‌کند".into()
        },
    }
}
