//! Applicant sheets as Excel and LibreOffice files: the shipped examples/applicants.xlsx
//! (a title above the header, IDs and mobiles stored as numbers, a date cell), and
//! .ods, .xls and two-sheet workbooks made here by independent writers (Python's
//! odfpy, xlwt and openpyxl, installed by scripts/test).

use crate::common;

use std::process::Command;

use common::{Office, results, root, run};

/// The results of `register --dry-run` on `sheet`, with `extra` arguments.
fn dry_run(desk: &Office, sheet: &std::path::Path, extra: &[&str]) -> common::Run {
    run(desk.register().arg("--dry-run").args(extra).arg(sheet))
}

/// (status, national ID, code) of each result row.
fn outcomes(stdout: &str) -> Vec<(String, String, String)> {
    results(stdout)
        .iter()
        .map(|r| (r[2].to_string(), r[1].to_string(), r[7].to_string()))
        .collect()
}

#[test]
fn the_shipped_xlsx_gives_what_the_csv_gives() {
    let desk = Office::new();
    let csv = dry_run(&desk, &root().join("examples/applicants.csv"), &[]);
    let xlsx = dry_run(&desk, &root().join("examples/applicants.xlsx"), &[]);
    assert_eq!(xlsx.code, 1, "{}", xlsx.stderr);
    let rows = results(&xlsx.stdout);
    // The row of the date cell says so, and is accepted like its CSV twin.
    assert_eq!(
        (&rows[1][0], &rows[1][2], &rows[1][7]),
        ("5", "accepted", "date_converted")
    );
    assert!(
        rows[1][9].contains("the Excel date 1989-05-04 was read as 1368/02/14"),
        "{:?}",
        rows[1]
    );
    let mut theirs = outcomes(&xlsx.stdout);
    theirs[1].2.clear();
    assert_eq!(theirs, outcomes(&csv.stdout));
    // Numbered as the spreadsheet shows them: a title, a blank row, the header.
    let lines: Vec<u64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert_eq!(lines, (4..=23).collect::<Vec<_>>());
    // 29615453, stored as a number, is 0029615453 again.
    assert_eq!(&rows[12][1], "0029615453");
    assert!(
        xlsx.stderr
            .contains("read as sheet \"متقاضیان\" of a spreadsheet, its header on row 3"),
        "{}",
        xlsx.stderr
    );
    assert!(
        xlsx.stderr.contains("date_converted") && xlsx.stderr.contains("line 5"),
        "{}",
        xlsx.stderr
    );
    assert!(
        xlsx.stderr.contains("accepted 13, rejected 7"),
        "{}",
        xlsx.stderr
    );
    // Recorded, the date cell's applicant has the Jalali birth date of the CSV.
    let r = run(desk.register().arg(root().join("examples/applicants.xlsx")));
    assert_eq!(r.code, 1);
    assert_eq!(desk.sql("SELECT COUNT(*) FROM receipts"), 13);
    let mobile = desk.sql("SELECT COUNT(*) FROM receipts WHERE mobile = '09351234567'");
    assert_eq!(mobile, 1, "the mobile stored as a number got its 0 back");
}

/// Writes a workbook with Python: `kind` is ods, xls or xlsx; `sheets` are (name,
/// rows), each cell a JSON value (numbers stay numbers).
fn workbook(path: &std::path::Path, kind: &str, sheets: serde_json::Value) {
    let script = r#"
import json, sys
kind, path = sys.argv[1], sys.argv[2]
sheets = json.load(sys.stdin)
if kind == 'xlsx':
    import openpyxl
    wb = openpyxl.Workbook(); wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for row in rows: ws.append(row)
    wb.save(path)
elif kind == 'xls':
    import xlwt
    wb = xlwt.Workbook()
    for name, rows in sheets:
        ws = wb.add_sheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is not None: ws.write(r, c, v)
    wb.save(path)
else:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableRow, TableCell
    from odf.text import P
    doc = OpenDocumentSpreadsheet()
    for name, rows in sheets:
        t = Table(name=name)
        for row in rows:
            tr = TableRow()
            for v in row:
                if v is None:
                    tc = TableCell()
                elif isinstance(v, (int, float)):
                    tc = TableCell(valuetype='float', value=v); tc.addElement(P(text=str(v)))
                else:
                    tc = TableCell(valuetype='string'); tc.addElement(P(text=v))
                tr.addElement(tc)
            t.addElement(tr)
        doc.spreadsheet.addElement(t)
    doc.save(path)
"#;
    let mut child = Command::new("python3")
        .args(["-c", script, kind, path.to_str().unwrap()])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("python3 (scripts/test installs openpyxl, xlwt and odfpy)");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(sheets.to_string().as_bytes())
        .unwrap();
    assert!(
        child.wait().unwrap().success(),
        "python could not write {kind}"
    );
}

fn applicant_rows() -> serde_json::Value {
    serde_json::json!([
        ["فهرست متقاضیان"],
        [],
        [
            "national_id",
            "first_name",
            "last_name",
            "father_name",
            "birth_date",
            "gender",
            "military_status",
            "mobile",
            "trade",
            "cluster"
        ],
        [
            common::nid(1).parse::<u64>().unwrap(),
            "زهرا",
            "احمدی",
            "محمد",
            "1375/06/01",
            "زن",
            null,
            9123456789u64,
            "قالی‌بافی",
            60000
        ],
        [],
        [
            common::nid(2),
            "Maria",
            "Rossi",
            "Luigi",
            "1370/01/01",
            "زن",
            null,
            "09121234567",
            "سفالگری",
            90000
        ],
        [
            12345679,
            "علی",
            "رضایی",
            "حسین",
            "1368/02/14",
            "مرد",
            "پایان خدمت",
            9351234567u64,
            "نان سنگک‌پز",
            90000
        ]
    ])
}

#[test]
fn ods_and_xls_sheets_are_read_like_xlsx() {
    let desk = Office::new();
    for kind in ["ods", "xls", "xlsx"] {
        let path = desk.dir.path().join(format!("applicants.{kind}"));
        workbook(
            &path,
            kind,
            serde_json::json!([["Sheet1", applicant_rows()]]),
        );
        let r = dry_run(&desk, &path, &[]);
        assert_eq!(r.code, 0, "{kind}: {}\n{}", r.stderr, r.stdout);
        let rows = results(&r.stdout);
        let lines: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
        assert_eq!(lines, ["4", "6", "7"], "{kind}");
        // IDs and mobiles stored as numbers are restored.
        assert_eq!(&rows[0][1], &common::nid(1), "{kind}");
        assert_eq!(&rows[2][1], "0012345679", "{kind}");
        assert!(
            r.stderr.contains("1 blank line skipped"),
            "{kind}: {}",
            r.stderr
        );
    }
}

#[test]
fn the_sheet_is_chosen_by_name() {
    let desk = Office::new();
    let path = desk.dir.path().join("two.xlsx");
    workbook(
        &path,
        "xlsx",
        serde_json::json!([["یادداشت", [["نکته‌ها"]]], ["متقاضیان", applicant_rows()]]),
    );
    let first = dry_run(&desk, &path, &[]);
    assert_eq!(first.code, 2);
    assert!(first.stderr.contains("missing column"), "{}", first.stderr);
    let named = dry_run(&desk, &path, &["--sheet", "متقاضیان"]);
    assert_eq!(named.code, 0, "{}", named.stderr);
    assert_eq!(results(&named.stdout).len(), 3);
    let wrong = dry_run(&desk, &path, &["--sheet", "Sheet9"]);
    assert_eq!(wrong.code, 2);
    assert!(
        wrong
            .stderr
            .contains("no sheet \"Sheet9\" (its sheets: یادداشت, متقاضیان)"),
        "{}",
        wrong.stderr
    );
}

#[test]
fn damaged_and_absurd_spreadsheets_are_refused_in_little_memory() {
    let desk = Office::new();
    // A 6 KB .xls the fuzzer made, whose broken sector chain once took 22 GB.
    let r = dry_run(&desk, &root().join("tests/fixtures/damaged.xls"), &[]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("the spreadsheet is damaged"),
        "{}",
        r.stderr
    );
    // A 6 KB .xls whose DIMENSIONS record declares 168 million cells: calamine
    // would reserve 6.7 GB at once, and the process would abort.
    let r = dry_run(
        &desk,
        &root().join("tests/fixtures/damaged-dimensions.xls"),
        &[],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("a sheet declares 167769630 cells, more than the 4000000 pishkhan reads"),
        "{}",
        r.stderr
    );
    // One whose cells span 16 million (calamine's dense grid would take 524 MB).
    let r = dry_run(&desk, &root().join("tests/fixtures/damaged-span.xls"), &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("a sheet declares 16385280 cells, more than the 4000000 pishkhan reads"),
        "{}",
        r.stderr
    );
    // One cell far out at XFD1048576 and one at A1048576: a 17-billion-cell grid
    // if the sheet were read whole.
    let path = desk.dir.path().join("far.xlsx");
    let script = r#"
import openpyxl, sys
wb = openpyxl.Workbook(); ws = wb.active
ws.append(["national_id", "first_name", "last_name", "father_name", "birth_date", "gender",
           "military_status", "mobile", "trade", "cluster"])
ws.append([sys.argv[2], "زهرا", "احمدی", "محمد", "1375/06/01", "زن", None, "09123456789", "قالی‌بافی", 60000])
ws["XFD1048576"] = "far"
ws["A1048576"] = "far"
wb.save(sys.argv[1])
"#;
    let ok = Command::new("python3")
        .args(["-c", script, path.to_str().unwrap(), &common::nid(1)])
        .status()
        .unwrap();
    assert!(ok.success());
    let r = dry_run(&desk, &path, &[]);
    let rows = results(&r.stdout);
    assert_eq!(&rows[0][2], "accepted", "{}", r.stderr);
    // The far row is read as a row (and rejected), numbered where it is.
    assert_eq!(&rows.last().unwrap()[0], "1048576");
}

/// A workbook's sheets: each name with its rows of text cells.
type Sheets = Vec<(String, Vec<Vec<String>>)>;

/// Every sheet of a workbook as text cells, by calamine.
fn by_calamine(path: &std::path::Path) -> Sheets {
    use calamine::{Data, Reader};
    let mut book = calamine::open_workbook_auto(path).unwrap();
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).unwrap();
            let rows = range
                .rows()
                .map(|r| {
                    r.iter()
                        .map(|c| match c {
                            Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                            Data::Empty => String::new(),
                            c => c.to_string(),
                        })
                        .collect()
                })
                .collect();
            (name, rows)
        })
        .collect()
}

/// The same by openpyxl, with each sheet's right-to-left flag and frozen cell.
fn by_openpyxl(path: &std::path::Path) -> (Sheets, Vec<(bool, String)>) {
    let script = r#"
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out, views = [], []
for ws in wb:
    rows = []
    for row in ws.iter_rows(min_row=ws.min_row, values_only=True):
        rows.append(['' if v is None else (str(int(v)) if isinstance(v, float) and v == int(v) else str(v)) for v in row])
    out.append([ws.title, rows])
    views.append([bool(ws.sheet_view.rightToLeft), ws.freeze_panes or ''])
print(json.dumps([out, views]))
"#;
    let out = Command::new("python3")
        .args(["-c", script, path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Rows as both readers give them: trailing empty cells and rows aside.
fn trimmed(sheets: Sheets) -> Sheets {
    sheets
        .into_iter()
        .map(|(n, rows)| {
            let mut rows: Vec<Vec<String>> = rows
                .into_iter()
                .map(|mut r| {
                    while r.last().is_some_and(String::is_empty) {
                        r.pop();
                    }
                    r
                })
                .collect();
            while rows.last().is_some_and(Vec::is_empty) {
                rows.pop();
            }
            (n, rows)
        })
        .collect()
}

#[test]
fn rejects_and_reports_as_xlsx_read_back_alike_in_two_readers() {
    let desk = Office::new();
    let rejects = desk.dir.path().join("rejects.xlsx");
    let r = run(desk
        .register()
        .arg(root().join("examples/applicants.xlsx"))
        .arg("--rejects")
        .arg(&rejects));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let ours = trimmed(by_calamine(&rejects));
    let (theirs, views) = by_openpyxl(&rejects);
    assert_eq!(ours, trimmed(theirs));
    assert_eq!(views, [(true, "A2".to_string())]);
    let rows = &ours[0].1;
    assert_eq!(rows.len(), 8, "a header and the 7 rejected rows");
    assert_eq!(&rows[0][..3], ["کد ملی", "نام", "نام خانوادگی"]);
    assert_eq!(&rows[0][10..], ["code", "message_fa", "message_en"]);
    assert_eq!(&rows[1][0], "4190052192");
    assert_eq!(&rows[1][10], "national_id_checksum");
    // Fixed and fed back, the rejects file reads as a sheet of its own.
    let again = run(desk.register().arg("--dry-run").arg(&rejects));
    assert_eq!(results(&again.stdout).len(), 7, "{}", again.stderr);

    let report = desk.dir.path().join("report.xlsx");
    let common = ["--month", "1402/10"];
    let r = run(common::pishkhan()
        .arg("report")
        .args(common)
        .arg("--ledger")
        .arg(desk.ledger())
        .args(["--format", "xlsx", "--out"])
        .arg(&report));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let json = run(common::pishkhan()
        .arg("report")
        .args(common)
        .arg("--ledger")
        .arg(desk.ledger())
        .args(["--format", "json"]));
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let ours = trimmed(by_calamine(&report));
    let (theirs, views) = by_openpyxl(&report);
    assert_eq!(ours, trimmed(theirs));
    assert!(views.iter().all(|(rtl, _)| *rtl));
    let names: Vec<&str> = ours.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["خلاصه", "ردیف‌ها", "روزها", "دفترها"]);
    let summary = &ours[0].1;
    let value = |label: &str| {
        summary
            .iter()
            .find(|r| r[0] == label)
            .map(|r| r[1].clone())
            .unwrap()
    };
    assert_eq!(value("درآمد دفتر"), json["office_total"].to_string());
    assert_eq!(value("جمع کل"), json["grand_total"].to_string());
    assert_eq!(value("درآمد دفتر"), "630227");
    // The chain head, for the guild to keep.
    assert!(
        summary
            .iter()
            .any(|r| r.len() > 3 && r[2] == "1402-000013" && r[3].len() == 64)
    );
    // The lines sheet's amounts add up to the grand total.
    let lines = &ours[1].1;
    let sum: i64 = lines[1..]
        .iter()
        .filter(|r| r.len() > 6 && !r[5].is_empty())
        .map(|r| r[6].parse::<i64>().unwrap())
        .sum();
    assert_eq!(sum.to_string(), json["grand_total"].to_string());
}

#[test]
fn results_as_a_workbook_match_the_csv_results() {
    let desk = Office::new();
    let book = desk.dir.path().join("results.xlsx");
    let r = run(desk
        .register()
        .arg(root().join("examples/applicants.xlsx"))
        .args(["--format", "csv", "--results"])
        .arg(&book));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let ours = trimmed(by_calamine(&book));
    let (theirs, views) = by_openpyxl(&book);
    assert_eq!(ours, trimmed(theirs));
    assert_eq!(views, [(true, "A2".to_string())]);
    // Cell by cell what --format csv printed (empty cells aside at a row's end).
    let csv: Vec<Vec<String>> = r
        .stdout
        .trim_start_matches('\u{FEFF}')
        .lines()
        .map(|l| {
            let mut rec = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(l.as_bytes());
            let mut row: Vec<String> = rec
                .records()
                .next()
                .unwrap()
                .unwrap()
                .iter()
                .map(str::to_string)
                .collect();
            while row.last().is_some_and(String::is_empty) {
                row.pop();
            }
            row
        })
        .collect();
    assert_eq!(ours[0].1, csv);
    assert_eq!(ours[0].1.len(), 21);
}
