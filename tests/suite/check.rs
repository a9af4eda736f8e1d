//! `pishkhan check`, through the real binary.

use crate::common;

use common::{edited_copy, pishkhan, run};
use serde_json::Value;

#[test]
fn shipped_files_pass() {
    let r = run(pishkhan().arg("check"));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("tariffs.toml: ok: schedule qom-1402 from 1402/10/11: 7 service lines, total 71,796 toman"), "{}", r.stdout);
    assert!(r.stdout.contains("portal registration 1402/10/25–1402/11/10, entry cards 1402/11/24–1402/11/25, written exam 1402/11/26"), "{}", r.stdout);
    assert!(
        r.stdout.ends_with("check: 0 errors, 0 warnings\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn the_letters_printed_1401_start_is_a_warning_naming_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let cal = edited_copy(
        dir.path(),
        "calendar.toml",
        "from = \"1402/10/25\"",
        "from = \"1401/10/25\"",
    );
    let r = run(pishkhan().arg("check").arg("--calendar").arg(&cal));
    assert_eq!(r.code, 0, "warnings do not fail: {}", r.stdout);
    let line = r
        .stdout
        .lines()
        .find(|l| l.contains("spans"))
        .unwrap_or_else(|| panic!("no warning in {}", r.stdout));
    assert!(line.contains(&cal.display().to_string()), "{line}");
    assert!(
        line.contains("warning: program \"hcb\" stage 4 portal_registration"),
        "{line}"
    );
    assert!(
        line.contains("1401/10/25–1402/11/10 spans 381 days, more than a year"),
        "{line}"
    );
    // The year before the tariff came into force cannot be priced either.
    assert!(r.stdout.contains("351 day(s) of the window 1401/10/25–1402/11/10, 1401/10/25–1402/10/10, fall under no tariff schedule"), "{}", r.stdout);
    assert!(
        r.stdout.ends_with("check: 0 errors, 2 warnings\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_declared_total_mismatch_fails_naming_both_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let tariffs = edited_copy(
        dir.path(),
        "tariffs.toml",
        "declared_total = 71796",
        "declared_total = 71769",
    );
    let r = run(pishkhan().arg("check").arg("--tariffs").arg(&tariffs));
    assert_eq!(r.code, 2);
    let line = r.stdout.lines().find(|l| l.contains("error")).unwrap();
    assert!(
        line.contains("schedule \"qom-1402\" declared_total"),
        "{line}"
    );
    assert!(
        line.contains("add up to 71,796, but the declared total is 71,769"),
        "{line}"
    );
}

#[test]
fn lists_every_problem_of_a_broken_file() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(common::root().join("tariffs.toml"))
        .unwrap()
        .replace("toman = 4680", "toman = -4680")
        .replace("stage = \"card\"", "stage = \"slip\"")
        .replace("code = \"certificate\"", "code = \"exam-slip\"");
    let path = dir.path().join("tariffs.toml");
    std::fs::write(&path, text).unwrap();
    let r = run(pishkhan()
        .args(["check", "--format", "json"])
        .arg("--tariffs")
        .arg(&path));
    assert_eq!(r.code, 2);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["ok"], false);
    let problems = v["files"][0]["problems"].as_array().unwrap();
    let keys: Vec<&str> = problems
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert!(
        keys.contains(&"schedule \"qom-1402\" line \"check-documents\" toman"),
        "{keys:?}"
    );
    assert!(
        keys.contains(&"schedule \"qom-1402\" line \"exam-slip\" stage"),
        "{keys:?}"
    );
    assert!(
        keys.contains(&"schedule \"qom-1402\" line \"exam-slip\""),
        "duplicate code: {keys:?}"
    );
    assert!(v["errors"].as_u64().unwrap() >= 3);
}

#[test]
fn calendar_order_problems_fail() {
    let dir = tempfile::tempdir().unwrap();
    let cal = edited_copy(
        dir.path(),
        "calendar.toml",
        "written_exam = \"1402/11/26\"",
        "written_exam = \"1402/11/20\"",
    );
    let r = run(pishkhan().arg("check").arg("--calendar").arg(&cal));
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.contains(
            "the written exam on 1402/11/20 is before the entry-card window 1402/11/24–1402/11/25"
        ),
        "{}",
        r.stdout
    );
    let cal = edited_copy(
        dir.path(),
        "calendar.toml",
        "entry_card = { from = \"1402/11/24\"",
        "entry_card = { from = \"1402/11/08\"",
    );
    let r = run(pishkhan().arg("check").arg("--calendar").arg(&cal));
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.contains(
            "entry cards open on 1402/11/08, before portal registration closes on 1402/11/10"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn calendar_days_without_a_tariff_are_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let tariffs = edited_copy(
        dir.path(),
        "tariffs.toml",
        "in_force_from = \"1402/10/11\"",
        "in_force_from = \"1402/11/01\"",
    );
    let r = run(pishkhan().arg("check").arg("--tariffs").arg(&tariffs));
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("warning: program \"hcb\" stage 4 portal_registration: 6 day(s) of the window 1402/10/25–1402/11/10, 1402/10/25–1402/10/30, fall under no tariff schedule"), "{}", r.stdout);
}

#[test]
fn syntax_errors_and_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calendar.toml");
    std::fs::write(
        &path,
        "[[program]]\ncode = \"hcb\"\n[[program.stage]]\nnumber = four\n",
    )
    .unwrap();
    let r = run(pishkhan().arg("check").arg("--calendar").arg(&path));
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("line 4"), "{}", r.stdout);
    let r = run(pishkhan().args(["check", "--calendar", "/nonexistent/calendar.toml"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stdout
            .contains("cannot read the calendar file /nonexistent/calendar.toml"),
        "{}",
        r.stdout
    );
}

#[test]
fn office_identity_from_config_flags_and_environment() {
    let r = run(pishkhan().args(["check", "--config", "examples/office.toml"]));
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("office name دفتر پیشخوان خدمات دولت ۱۲۳۴ قم, code 37-1234"),
        "{}",
        r.stdout
    );
    let r = run(pishkhan()
        .args([
            "check",
            "--config",
            "examples/office.toml",
            "--office-name",
            "دفتر آزمایشی",
        ])
        .env("PISHKHAN_OFFICE_CODE", "37-9999")
        .env("PISHKHAN_OFFICE_PHONE", "025-1111"));
    assert!(
        r.stdout.contains("office name دفتر آزمایشی, code 37-9999"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("phone 025-1111"), "{}", r.stdout);
    let r = run(pishkhan()
        .arg("check")
        .env("PISHKHAN_CONFIG", "examples/office.toml"));
    assert!(r.stdout.contains("code 37-1234"), "{}", r.stdout);
    // Flags without a name: a warning, not a failure.
    let r = run(pishkhan().args(["check", "--office-code", "1"]));
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .contains("warning: name: the office name is not set"),
        "{}",
        r.stdout
    );
}

#[test]
fn an_applicant_sheet_is_checked_row_by_row() {
    let r = run(pishkhan().args([
        "check",
        "--applicants",
        "examples/applicants.csv",
        "--date",
        "1402/10/26",
    ]));
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("examples/applicants.csv: 20 applicant rows, 7 rejected\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "examples/applicants.csv: error: line 17 mobile: mobile_invalid: mobile \"0912123\""
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("check: 7 errors"), "{}", r.stdout);
    let r = run(pishkhan().args([
        "check",
        "--applicants",
        "/nonexistent.csv",
        "--date",
        "1402/10/26",
    ]));
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("/nonexistent.csv"), "{}", r.stdout);
}

/// Without --date, a sheet is checked as on a day its stage takes registrations (here
/// the last, 1402/11/09: 1402 is past), not today, and the summary says so; each date
/// error once, English and Persian apart.
#[test]
fn a_sheet_without_a_date_is_checked_on_a_registration_day() {
    let r = run(pishkhan().args(["check", "--applicants", "examples/applicants.csv"]));
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stdout.contains(
            "20 applicant rows, 7 rejected (no --date: checked as on 1402/11/09, the last day stage 4 takes registrations"
        ),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("paper_deadline"), "{}", r.stdout);
    let r = run(pishkhan().args([
        "check",
        "--applicants",
        "examples/applicants.csv",
        "--format",
        "json",
    ]));
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let problems = v["files"][2]["problems"].as_array().unwrap();
    let date = problems
        .iter()
        .find(|p| p["code"] == "birth_date_invalid")
        .unwrap();
    assert_eq!(date["key"], "line 18 birth_date");
    assert_eq!(
        date["message_en"],
        "invalid date \"1383/07/31\": Mehr has 30 days"
    );
    assert_eq!(
        date["message_fa"],
        "تاریخ نامعتبر «1383/07/31»: مهر ۳۰ روز دارد"
    );
    assert_eq!(
        date["message"]
            .as_str()
            .unwrap()
            .matches("Mehr has 30 days")
            .count(),
        1,
        "{date}"
    );
}
