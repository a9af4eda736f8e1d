//! `check`'s one-line summaries of the configuration files it read.

use crate::core::calendar::Calendar;
use crate::core::money::Unit;
use crate::core::tariff::Tariffs;

/// A tariffs file in one line: each schedule, its dates and totals.
pub fn tariffs(t: &Tariffs) -> String {
    let parts: Vec<String> = t
        .schedules
        .iter()
        .map(|s| {
            let fees: Vec<String> = s.clusters.iter().map(|c| c.exam_fee.grouped(Unit::Toman)).collect();
            format!(
                "schedule {} from {}{}: {} service lines, total {}; exam fee {}; certificate fee {}",
                s.id,
                s.in_force_from,
                s.in_force_until.map(|u| format!(" until {u}")).unwrap_or_default(),
                s.lines.len(),
                s.office_lines_total(),
                fees.join(" or "),
                s.certificate_fee_amount
            )
        })
        .collect();
    parts.join("; ")
}

/// A calendar in one line: each program's stages and their windows.
pub fn calendar(c: &Calendar) -> String {
    let mut parts = Vec::new();
    for p in &c.programs {
        for s in &p.stages {
            parts.push(format!(
                "program {} stage {}: paper forms until {}, portal registration {}, entry cards {}, written exam {}",
                p.code,
                s.number,
                s.paper_registration.last.map(|d| d.to_string()).unwrap_or_default(),
                s.portal_registration,
                s.entry_card,
                s.written_exam
            ));
        }
    }
    parts.join("; ")
}
