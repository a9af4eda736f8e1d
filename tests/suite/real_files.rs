//! The clerk's real files through `register`: Windows and old Mac line endings,
//! blank lines and cells over several lines, a stray bad byte, a quote left open,
//! absurd sizes, control characters, formula-like names, binary files. Every row is
//! accounted for, on the line it is really on, and memory stays flat.

use crate::common;

use std::process::Command;

use common::{HEADER, Office, good_row, results, root, run};

/// The shipped example sheet with two blank lines and a father's name over two lines
/// (a quoted cell), with `\n` line ends.
fn example_with_quirks() -> String {
    let text = std::fs::read_to_string(root().join("examples/applicants.csv")).unwrap();
    let text = text.replace("\r\n", "\n");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Row 3 (line 4): the father's name typed over two lines in a spreadsheet cell.
    let mut f: Vec<String> = lines[3].split(',').map(str::to_string).collect();
    f[3] = format!("\"{}\n{}\"", f[3], "رضا");
    lines[3] = f.join(",");
    lines.insert(6, String::new());
    lines.insert(12, ",,,,,,,,,".into());
    lines.join("\n") + "\n"
}

/// The line each data row starts on, counted by hand in the `\n` text.
fn expected_lines(text: &str) -> Vec<u64> {
    let mut out = Vec::new();
    let mut line = 1u64;
    let mut quoted = false;
    let mut start = true;
    let mut blank = true;
    let mut start_line = 1;
    for c in text.chars() {
        if start {
            start_line = line;
            start = false;
            blank = true;
        }
        match c {
            '"' => quoted = !quoted,
            '\n' => {
                line += 1;
                if !quoted {
                    if !blank && start_line > 1 {
                        out.push(start_line);
                    }
                    start = true;
                }
            }
            ',' | ' ' | '\u{FEFF}' => {}
            _ => blank = false,
        }
    }
    out
}

#[test]
fn lf_crlf_and_cr_sheets_give_the_same_results_on_the_same_lines() {
    let desk = Office::new();
    let lf = example_with_quirks();
    let want = expected_lines(&lf);
    assert_eq!(want.len(), 20);
    let mut outputs = Vec::new();
    for (name, text) in [
        ("lf.csv", lf.clone()),
        ("crlf.csv", lf.replace('\n', "\r\n")),
        ("cr.csv", lf.replace('\n', "\r")),
    ] {
        let r = run(desk.register().arg("--dry-run").arg(desk.file(name, &text)));
        assert_eq!(r.code, 1, "{name}: {}", r.stderr);
        let rows = results(&r.stdout);
        let lines: Vec<u64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
        assert_eq!(lines, want, "{name}");
        assert!(
            r.stderr.contains("2 blank lines skipped"),
            "{name}: {}",
            r.stderr
        );
        // The same results but for the file name column.
        let body: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().take(10).map(str::to_string).collect())
            .collect();
        outputs.push(body);
    }
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
    // The same 13 accepted and 7 rejected as the shipped sheet.
    let accepted = outputs[0].iter().filter(|r| r[2] == "accepted").count();
    assert_eq!(accepted, 13);
}

#[test]
fn one_bad_byte_rejects_its_row_only() {
    let desk = Office::new();
    let mut bytes = format!("{HEADER}\n{}\n", good_row(1)).into_bytes();
    // Line 3: a name with a byte that is not UTF-8.
    bytes.extend_from_slice(format!("{},زه", common::nid(2)).as_bytes());
    bytes.push(0xFF);
    bytes.extend_from_slice("را,احمدی,محمد,1375/06/01,زن,,09123456789,قالی‌بافی,60000\n".as_bytes());
    bytes.extend_from_slice(format!("{}\n", good_row(3)).as_bytes());
    let r = run(desk.register().arg(desk.file("bad.csv", bytes)));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("read as UTF-8"), "{}", r.stderr);
    let rows = results(&r.stdout);
    assert_eq!(rows.len(), 3);
    assert_eq!((&rows[1][0], &rows[1][7]), ("3", "encoding_invalid"));
    assert!(rows[1][9].contains("first_name"), "{:?}", rows[1]);
    assert_eq!(&rows[0][2], "accepted");
    assert_eq!(&rows[2][2], "accepted");
    // No mojibake reached the ledger.
    assert_eq!(
        desk.sql("SELECT COUNT(*) FROM receipts WHERE first_name LIKE '%ط³%' OR first_name LIKE '%\u{FFFD}%'"),
        0
    );
}

#[test]
fn an_open_quote_rejects_one_row_and_the_rest_go_through() {
    let desk = Office::new();
    let mut rows: Vec<String> = (1..=7).map(good_row).collect();
    rows[1] = rows[1].replacen(",زهرا,", ",\"زهرا,", 1);
    let r = run(desk
        .register()
        .arg(desk.file("open.csv", common::sheet(&rows))));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let out = results(&r.stdout);
    assert_eq!(out.len(), 7, "every input row has a result: {}", r.stdout);
    let lines: Vec<&str> = out.iter().map(|r| &r[0]).collect();
    assert_eq!(lines, ["2", "3", "4", "5", "6", "7", "8"]);
    assert_eq!(&out[1][7], "row_malformed");
    assert_eq!(out.iter().filter(|r| &r[2] == "accepted").count(), 6);
}

/// Peak memory (MB) and the result of `cmd` run through Python's `resource`.
fn peak_mb(cmd: &mut Command) -> (f64, std::process::Output) {
    let program = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(|a| a.to_owned()).collect();
    let mut python = Command::new("python3");
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => python.env(k, v),
            None => python.env_remove(k),
        };
    }
    let out = python
        .arg("-c")
        .arg(
            "import os,resource,subprocess,sys\n\
             out=os.environ.get('STDOUT_TO')\n\
             r=subprocess.run(sys.argv[1:],stdout=open(out,'wb') if out else subprocess.PIPE,stderr=subprocess.PIPE)\n\
             sys.stdout.buffer.write(r.stdout or b'')\n\
             sys.stderr.buffer.write(r.stderr)\n\
             print('PEAK_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n\
             sys.exit(r.returncode)",
        )
        .arg(program)
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let kb: f64 = stderr
        .lines()
        .find_map(|l| l.strip_prefix("PEAK_KB "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    (kb / 1024.0, out)
}

fn register_process(desk: &Office) -> Command {
    let mut c = desk.process();
    c.arg("--dry-run").arg("--format").arg("csv");
    c
}

#[test]
fn a_50_mb_name_is_refused_with_flat_memory() {
    let desk = Office::new();
    let mut text = format!("{HEADER}\n{}\n", good_row(1)).into_bytes();
    text.extend_from_slice(format!("{},", common::nid(2)).as_bytes());
    text.extend(std::iter::repeat_n(b'a', 50 * 1024 * 1024));
    text.extend_from_slice(",احمدی,محمد,1375/06/01,زن,,09123456789,قالی‌بافی,60000\n".as_bytes());
    text.extend_from_slice(format!("{}\n", good_row(3)).as_bytes());
    let path = desk.file("huge.csv", text);
    let (mb, out) = peak_mb(register_process(&desk).arg(&path));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let rows = results(&stdout);
    assert_eq!(rows.len(), 3, "{stdout}");
    assert_eq!((&rows[1][0], &rows[1][7]), ("3", "field_too_long"));
    assert!(rows[1][9].contains("first_name"), "{:?}", rows[1]);
    assert_eq!(&rows[2][2], "accepted");
    assert!(mb < 100.0, "peak {mb:.0} MB");
}

#[test]
fn a_100_mb_sheet_is_read_in_flat_memory() {
    let desk = Office::new();
    let path = desk.dir.path().join("big.csv");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        writeln!(f, "{HEADER}").unwrap();
        let mut n = 0u64;
        while f.get_ref().metadata().unwrap().len() < 100 * 1024 * 1024 {
            for _ in 0..10_000 {
                n += 1;
                writeln!(f, "{}", good_row(n)).unwrap();
            }
            f.flush().unwrap();
        }
    }
    let results_file = desk.dir.path().join("results.csv");
    let mut cmd = register_process(&desk);
    cmd.arg(&path).env("STDOUT_TO", &results_file);
    let (mb, out) = peak_mb(&mut cmd);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let data_rows = std::fs::read_to_string(&path).unwrap().lines().count() - 1;
    let result_rows = std::fs::read_to_string(&results_file)
        .unwrap()
        .lines()
        .count()
        - 1;
    assert_eq!(result_rows, data_rows);
    assert!(data_rows > 900_000, "{data_rows}");
    eprintln!("{data_rows} rows, peak {mb:.0} MB");
    assert!(mb < 100.0, "peak {mb:.0} MB");
}

#[test]
fn control_characters_and_formulas_in_names_are_refused() {
    let desk = Office::new();
    let rows = vec![
        good_row(1).replacen(",زهرا,", ",زه\u{7}را,", 1),
        good_row(2).replacen(",زهرا,", ",=cmd|' /C calc'!A0,", 1),
        good_row(3).replacen(",احمدی,", ",@SUM(A1),", 1),
        good_row(4).replacen(",محمد,", ",\u{202E}محمد,", 1),
        good_row(5).replacen(",قالی‌بافی,", ",قالی‌\u{1b}بافی,", 1),
        // A name with a digit the clerk typed, and Latin with an apostrophe.
        good_row(6).replacen(",زهرا,", ",حسین (۲),", 1),
        good_row(7).replacen(",احمدی,", ",O'Brien-Smith,", 1),
    ];
    let r = run(desk
        .register()
        .arg(desk.file("names.csv", common::sheet(&rows))));
    let out = results(&r.stdout);
    let codes: Vec<(&str, &str)> = out.iter().map(|r| (&r[2], &r[7])).collect();
    assert_eq!(
        codes,
        [
            ("rejected", "name_control_character"),
            ("rejected", "name_invalid"),
            ("rejected", "name_invalid"),
            ("rejected", "name_control_character"),
            ("accepted", "control_characters_removed"),
            ("accepted", ""),
            ("accepted", ""),
        ],
        "{}",
        r.stdout
    );
    assert!(out[0][9].contains("U+0007"), "{:?}", out[0]);
    // The trade's escape was taken out, and said so.
    assert!(
        r.stderr.contains("control_characters_removed") && r.stderr.contains("line 6"),
        "{}",
        r.stderr
    );
    assert_eq!(
        desk.sql("SELECT COUNT(*) FROM receipts WHERE instr(trade, char(27)) > 0"),
        0
    );
}

#[test]
fn a_header_of_100000_columns_gets_a_short_message() {
    let desk = Office::new();
    let header: Vec<String> = (0..100_000).map(|i| format!("c{i}")).collect();
    let r = run(desk
        .register()
        .arg(desk.file("wide.csv", header.join(",") + "\n1,2\n")));
    assert_eq!(r.code, 2);
    assert!(r.stderr.len() < 2000, "{} bytes", r.stderr.len());
    assert!(r.stderr.contains("header row"), "{}", r.stderr);
    // A wide header under the limit names 20 columns and counts the rest.
    let header: Vec<String> = (0..500).map(|i| format!("c{i}")).collect();
    let r = run(desk
        .register()
        .arg(desk.file("wide2.csv", header.join(",") + "\n")));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("c19 and 480 more"), "{}", r.stderr);
    assert!(!r.stderr.contains("c20,"), "{}", r.stderr);
}

#[test]
fn a_binary_file_is_named_as_such_without_its_bytes() {
    let desk = Office::new();
    let bytes: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 7) as u8)
        .collect();
    let r = run(desk.register().arg(desk.file("photo.jpg", &bytes)));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("this is not a CSV or spreadsheet file"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.len() < 600, "{}", r.stderr);
}
