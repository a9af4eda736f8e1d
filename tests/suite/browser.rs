//! The page that checks a receipt in a browser (`web/verify.html`), as an applicant
//! or an inspector uses it: opened from a file in Debian's chromium, driven by
//! Playwright (`tests/browser/drive.js`, playwright-core pinned in
//! `tests/browser/package-lock.json`). Real receipts are made by pishkhan here,
//! rendered to PNG and read back by the page's own QR decoder, from a chosen photo
//! and from a camera. Each verdict's screenshot is kept in
//! `<target>/tmp/verify-page/`.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use sha2::{Digest, Sha256};

use common::{Office, pishkhan, root, run};

/// The sha256 of zxing-wasm 3.1.8's `dist/reader/zxing_reader.wasm`.
const ZXING_WASM_SHA256: &str = "8451d7fe72f3d8e9ced56c7b6805e8bab88a0c218bfcd25c47c0a999e8188f3d";

/// `pdf`'s first page as a PNG at `dpi`, and the proof line zbarimg reads off it.
fn photo(pdf: &Path, dpi: u32, out: &Path) -> (PathBuf, String) {
    let status = Command::new("pdftoppm")
        .args([
            "-png",
            "-singlefile",
            "-f",
            "1",
            "-l",
            "1",
            "-r",
            &dpi.to_string(),
        ])
        .arg(pdf)
        .arg(out)
        .status()
        .unwrap();
    assert!(status.success(), "pdftoppm {}", pdf.display());
    let png = out.with_extension("png");
    let read = Command::new("zbarimg")
        .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .arg(&png)
        .output()
        .unwrap();
    let line = String::from_utf8(read.stdout).unwrap().trim().to_string();
    assert!(line.starts_with("PK2|"), "zbarimg read {line:?}");
    (png, line)
}

/// A camera's video of `pdf`'s first page: a grey Y4M file (4:2:0, chroma flat),
/// which Chromium's fake camera plays in a loop.
fn camera_video(pdf: &Path, out: &Path) -> PathBuf {
    let status = Command::new("pdftoppm")
        .args(["-gray", "-singlefile", "-f", "1", "-l", "1", "-r", "150"])
        .arg(pdf)
        .arg(out)
        .status()
        .unwrap();
    assert!(status.success());
    let pgm = fs::read(out.with_extension("pgm")).unwrap();
    // P5\n<w> <h>\n255\n<bytes>
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        let end = at + pgm[at..].iter().position(u8::is_ascii_whitespace).unwrap();
        fields.push(String::from_utf8(pgm[at..end].to_vec()).unwrap());
        at = end + 1;
    }
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let (ew, eh) = (w & !1, h & !1);
    let mut y4m = format!("YUV4MPEG2 W{ew} H{eh} F5:1 Ip A1:1 C420jpeg\nFRAME\n").into_bytes();
    for row in 0..eh {
        y4m.extend_from_slice(&pgm[at + row * w..at + row * w + ew]);
    }
    y4m.resize(y4m.len() + ew * eh / 2, 128);
    let video = out.with_extension("y4m");
    fs::write(&video, y4m).unwrap();
    video
}

/// A phone's photo of `pdf`'s first page: 12 megapixels of JPEG, in perspective, soft,
/// noisy, stored sideways (tests/browser/phone-photo.py).
fn phone_photo(pdf: &Path, dir: &Path) -> PathBuf {
    let page = dir.join("page300");
    let status = Command::new("pdftoppm")
        .args(["-png", "-singlefile", "-f", "1", "-l", "1", "-r", "300"])
        .arg(pdf)
        .arg(&page)
        .status()
        .unwrap();
    assert!(status.success());
    let jpg = dir.join("phone.jpg");
    let status = Command::new("python3")
        .arg(root().join("tests/browser/phone-photo.py"))
        .arg(page.with_extension("png"))
        .arg(&jpg)
        .status()
        .unwrap();
    assert!(
        status.success(),
        "phone-photo.py (needs Pillow: scripts/test installs it)"
    );
    jpg
}

/// web/ copied into `dir` without its registry.js: a page that must be given one.
fn page_without_registry(dir: &Path) -> PathBuf {
    fn copy(from: &Path, to: &Path) {
        fs::create_dir_all(to).unwrap();
        for e in fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            let name = e.file_name();
            if name == "registry.js" {
                continue;
            }
            if e.file_type().unwrap().is_dir() {
                copy(&e.path(), &to.join(&name));
            } else {
                fs::copy(e.path(), to.join(&name)).unwrap();
            }
        }
    }
    copy(&root().join("web"), dir);
    dir.join("verify.html")
}

/// What the page showed for each case of `plan`'s, by name.
fn drive(plan: serde_json::Value, at: &Path) -> serde_json::Map<String, serde_json::Value> {
    assert!(
        root()
            .join("tests/browser/node_modules/playwright-core")
            .is_dir(),
        "playwright-core is not installed: run `npm ci --prefix tests/browser` (scripts/test does)"
    );
    let file = at.join("plan.json");
    fs::write(&file, plan.to_string()).unwrap();
    let out = Command::new("node")
        .arg(root().join("tests/browser/drive.js"))
        .arg(&file)
        .output()
        .expect("node");
    assert!(
        out.status.success(),
        "the browser run failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap().to_string(), r.clone()))
        .collect()
}

/// `line` with each of its characters changed in turn to another of its kind (a
/// digit, a hex digit, a base64 letter), the separators left alone.
fn mutants(line: &str) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    let fields = line.split('|').count();
    let mut field = 0;
    let mut out = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '|' {
            field += 1;
            continue;
        }
        if field == 0 {
            continue; // not PK2: not a line to either
        }
        let to = match field {
            _ if field == fields - 1 => {
                if c == 'A' {
                    'B'
                } else {
                    'A'
                }
            }
            6 | 8 => {
                if c == 'f' {
                    '0'
                } else if c.is_ascii_digit() {
                    'f'
                } else {
                    '1'
                }
            }
            _ if c.is_ascii_digit() => {
                if c == '9' {
                    '0'
                } else {
                    char::from(c as u8 + 1)
                }
            }
            _ => 'X',
        };
        let mut m = chars.clone();
        m[i] = to;
        out.push(m.into_iter().collect());
    }
    out.push(line.to_string());
    out
}

/// A static web host serving a folder on 127.0.0.1 (Python's http.server), stopped
/// when dropped.
struct StaticHost {
    child: std::process::Child,
    port: u16,
}

impl StaticHost {
    fn serve(dir: &Path) -> StaticHost {
        use std::io::BufRead;
        let mut child = Command::new("python3")
            .args([
                "-u",
                "-m",
                "http.server",
                "0",
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let port = first
            .split(" port ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("http.server said {first:?}"));
        StaticHost { child, port }
    }
}

impl Drop for StaticHost {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether `pishkhan verify LINE --keys REGISTRY` holds the line (exit 0).
fn pishkhan_holds(line: &str, registry: &Path) -> bool {
    let none = tempfile::tempdir().unwrap();
    let r = run(pishkhan()
        .args(["verify", line, "--keys"])
        .arg(registry)
        .arg("--ledger")
        .arg(none.path().join("none.sqlite")));
    r.code == 0
}

#[test]
fn the_page_checks_receipts_in_a_real_browser_and_asks_nothing_of_the_network() {
    let office = Office::new();
    let dir = office.dir.path();
    // The example office's receipts, signed with the demonstration key that the
    // page's own registry.js holds.
    let receipt = office.example_day().join("37-1234_1402-000001.pdf");
    let (png, line) = photo(&receipt, 150, &dir.join("receipt"));
    let video = camera_video(&receipt, &dir.join("camera"));
    let phone = phone_photo(&receipt, dir);

    // Another office, 37-9999, with a key of its own that the registry does not hold.
    let r = run(pishkhan()
        .args(["key", "new", "--out"])
        .arg(dir.join("other.key")));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let other_config = office.file(
        "other.toml",
        "name = \"دفتر پیشخوان ۹۹۹۹\"\ncode = \"37-9999\"\nkey = \"other.key\"\n",
    );
    let sheet = office.file("one.csv", common::sheet(&[common::good_row(7)]));
    let r = run(pishkhan()
        .arg("register")
        .arg(&sheet)
        .arg("--config")
        .arg(&other_config)
        .args(["--date", "1402/10/26", "--out"])
        .arg(dir.join("other"))
        .arg("--ledger")
        .arg(dir.join("other.sqlite")));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (_, other_line) = photo(
        &dir.join("other/37-9999_1402-000001.pdf"),
        150,
        &dir.join("o"),
    );

    // One changed digit: the office's fees, and the national ID.
    let fees = line.replacen("|484790|", "|484791|", 1);
    let nid_digit = {
        let mut f: Vec<String> = line.split('|').map(str::to_string).collect();
        let last = f[7].pop().unwrap();
        f[7].push(if last == '0' { '1' } else { '0' });
        f.join("|")
    };
    assert_ne!(fees, line);
    let unsigned = format!(
        "PK1|{}",
        line.split('|')
            .skip(1)
            .take(6)
            .collect::<Vec<_>>()
            .join("|")
    );

    // A registry the user chooses, in which the key signs only from 1402/11/01: the
    // receipt of 1402/10/26 is before it.
    let later = office.file(
        "later.toml",
        fs::read_to_string(root().join("examples/registry.toml"))
            .unwrap()
            .replace("from = \"1402/01/01\"", "from = \"1402/11/01\""),
    );
    let later_js = dir.join("later-registry.js");
    let r = run(pishkhan()
        .args(["key", "registry"])
        .arg(&later)
        .arg("--out")
        .arg(&later_js));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let bare = page_without_registry(&dir.join("web"));
    let mutants = mutants(&line);
    // As typed on a phone's Persian keyboard: every digit a Persian one.
    let persian: String = line
        .chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0x06F0 + d).unwrap(),
            None => c,
        })
        .collect();

    // web/ on a static web host: the test's own, on this machine.
    let host = StaticHost::serve(&root().join("web"));
    let hosted = format!("http://127.0.0.1:{}/verify.html", host.port);
    let plain_http = format!("http://verify.test:{}/verify.html", host.port);

    let artifacts = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("verify-page");
    let _ = fs::remove_dir_all(&artifacts);
    let page = root().join("web/verify.html");
    let results = drive(
        serde_json::json!({
            "page": page,
            "artifacts": artifacts,
            "cases": [
                { "name": "valid", "line": line },
                { "name": "small-phone", "line": line, "viewport": { "width": 320, "height": 640 } },
                { "name": "typed-in-persian-digits", "line": format!("  {persian}\n") },
                { "name": "changed-fees", "line": fees },
                { "name": "changed-national-id", "line": nid_digit },
                { "name": "unknown-office", "line": other_line },
                { "name": "unsigned", "line": unsigned },
                { "name": "not-a-line", "line": "https://example.com/PK2|37-1234" },
                { "name": "empty", "line": "  " },
                { "name": "photo", "photo": png },
                { "name": "phone-photo", "photo": phone },
                { "name": "no-code", "photo": root().join("examples/report-a4.png") },
                { "name": "not-an-image", "photo": root().join("examples/applicants.csv") },
                { "name": "camera", "camera": video },
                { "name": "no-ed25519", "line": line, "noEd25519": true },
                { "name": "no-registry", "page": bare, "line": line },
                { "name": "chosen-registry", "page": bare, "registryFile": root().join("web/registry.js"), "line": line },
                { "name": "key-dates", "page": bare, "registryFile": later_js, "line": line },
                { "name": "every-character", "verdicts": mutants },
                { "name": "static-host", "url": hosted, "line": line },
                { "name": "plain-http", "url": plain_http, "line": line },
            ]
        }),
        dir,
    );
    let case = |name: &str| -> &serde_json::Value { &results[name] };
    let verdict = |name: &str| {
        let c = case(name);
        (
            c["verdict"].as_str().unwrap().to_string(),
            c["reason"].as_str().unwrap().to_string(),
        )
    };
    let text = |name: &str| case(name)["text"].as_str().unwrap().to_string();

    // Green, with the office, its name, the number, the date and both amounts, in
    // Persian digits; the demonstration key said to prove nothing.
    for name in [
        "valid",
        "small-phone",
        "typed-in-persian-digits",
        "photo",
        "phone-photo",
        "camera",
        "chosen-registry",
        "static-host",
    ] {
        assert_eq!(
            verdict(name),
            ("ok".into(), "signed".into()),
            "{name}: {}",
            text(name)
        );
        let t = text(name);
        for want in [
            "صادرشده از دفتر",
            "37-1234",
            "دفتر پیشخوان خدمات دولت ۱۲۳۴ قم",
            "1402-000001",
            "۱۴۰۲/۱۰/۲۶",
            "۴۸٬۴۷۹ تومان",
            "۶۰٬۰۰۰ تومان",
            "48,479 toman",
            "60,000 toman",
            "۹۰۸۰۵۹۰۴۷۹",
            "Issued by office",
            "DEMONSTRATION key",
        ] {
            assert!(t.contains(want), "{name}: no {want:?} in {t}");
        }
    }
    assert!(text("chosen-registry").contains("Checked against a registry you chose: registry.js"));
    assert!(
        case("chosen-registry")["registry"]["text"]
            .as_str()
            .unwrap()
            .contains("(your choice)")
    );
    assert_eq!(
        case("camera")["cameraOff"],
        true,
        "the camera is stopped once read"
    );

    // Red, with the reason.
    assert_eq!(verdict("changed-fees"), ("bad".into(), "signature".into()));
    assert!(text("changed-fees").contains("The signature does not match"));
    assert!(
        text("changed-fees").contains("48,479.1 toman"),
        "what the line says, shown"
    );
    assert_eq!(
        verdict("changed-national-id"),
        ("bad".into(), "signature".into())
    );
    assert_eq!(
        verdict("unknown-office"),
        ("bad".into(), "unknown_office".into())
    );
    assert!(text("unknown-office").contains("Unknown office: 37-9999 has no key"));
    assert_eq!(verdict("key-dates"), ("bad".into(), "key_dates".into()));
    assert!(text("key-dates").contains("it signs from 1402/11/01"));
    assert_eq!(verdict("not-a-line"), ("bad".into(), "not_a_line".into()));
    assert!(text("not-a-line").contains("Not a pishkhan proof line"));

    // Never green when it cannot tell.
    assert_eq!(verdict("empty"), ("cannot".into(), "empty".into()));
    assert_eq!(verdict("no-code"), ("cannot".into(), "no_code".into()));
    assert!(text("no-code").contains("No QR code found in the photo"));
    assert_eq!(
        verdict("not-an-image"),
        ("cannot".into(), "no_image".into())
    );
    assert_eq!(verdict("unsigned"), ("cannot".into(), "unsigned".into()));
    assert_eq!(
        verdict("no-ed25519"),
        ("cannot".into(), "no_ed25519".into())
    );
    assert!(text("no-ed25519").contains("cannot check Ed25519 signatures"));
    assert_eq!(
        verdict("no-registry"),
        ("cannot".into(), "no_registry".into())
    );
    assert_eq!(case("no-registry")["registry"]["kind"], "none");
    assert_eq!(verdict("plain-http"), ("cannot".into(), "insecure".into()));
    assert!(text("plain-http").contains("opened over plain http"));

    // The same verdicts as pishkhan's own `verify --keys`, on another machine's code.
    let examples = root().join("examples/registry.toml");
    for (name, l, registry) in [
        ("valid", &line, &examples),
        ("changed-fees", &fees, &examples),
        ("changed-national-id", &nid_digit, &examples),
        ("unknown-office", &other_line, &examples),
        ("key-dates", &line, &later),
    ] {
        assert_eq!(
            pishkhan_holds(l, registry),
            verdict(name).0 == "ok",
            "{name}: pishkhan and the page disagree"
        );
    }

    // pishkhan names the office as the registry does, as the page does.
    let r = run(pishkhan()
        .args(["verify", &line, "--keys"])
        .arg(&examples)
        .arg("--ledger")
        .arg(dir.join("none.sqlite")));
    assert!(
        r.stdout
            .contains("of office 37-1234 (دفتر پیشخوان خدمات دولت ۱۲۳۴ قم) in the registry"),
        "{}",
        r.stdout
    );

    // Every character of the line changed in turn: the page and pishkhan agree on
    // each, and only the line itself is green.
    let page_said = case("every-character")["verdicts"].as_array().unwrap();
    assert_eq!(page_said.len(), mutants.len());
    for (m, said) in mutants.iter().zip(page_said) {
        let (kind, reason) = (
            said["kind"].as_str().unwrap(),
            said["reason"].as_str().unwrap(),
        );
        let r = run(pishkhan()
            .args(["verify", m, "--keys"])
            .arg(&examples)
            .args(["--format", "json", "--ledger"])
            .arg(dir.join("none.sqlite")));
        let failed = |check: &str| {
            r.stdout.contains(&format!(
                "\"check\": \"{check}\",\n          \"held\": false"
            ))
        };
        match (kind, reason) {
            ("ok", _) => assert_eq!(r.code, 0, "{m}: green on the page, {}", r.stderr),
            ("bad", "not_a_line") => assert_eq!(r.code, 2, "{m}: {}", r.stdout),
            ("bad", "signature") => {
                assert!(r.code == 1 && failed("signature"), "{m}: {}", r.stdout)
            }
            ("bad", "unknown_key" | "unknown_office") => {
                assert!(r.code == 1 && failed("key"), "{m}: {}", r.stdout)
            }
            other => panic!("{m}: the page said {other:?}"),
        }
        assert_eq!(kind == "ok", m == &line, "{m}");
    }

    // Nothing but the page's own files (from its own host, when hosted); no error in
    // the console; a screenshot each.
    for (name, c) in &results {
        let own = match name.as_str() {
            "static-host" => hosted.trim_end_matches("verify.html").to_string(),
            "plain-http" => plain_http.trim_end_matches("verify.html").to_string(),
            _ => "file:///".to_string(),
        };
        for url in c["requests"].as_array().unwrap() {
            let url = url.as_str().unwrap();
            assert!(url.starts_with(&own), "{name}: the page asked for {url}");
        }
        // The copy without registry.js says so in the console when it looks for it.
        let missing = serde_json::json!(["Failed to load resource: net::ERR_FILE_NOT_FOUND"]);
        let bare = ["no-registry", "chosen-registry", "key-dates"].contains(&name.as_str());
        let errors = &c["errors"];
        assert!(
            *errors == serde_json::json!([]) || (bare && *errors == missing),
            "{name}: {errors}"
        );
        assert_eq!(c["overflow"], 0, "{name}: wider than the screen");
        let shot = fs::metadata(c["screenshot"].as_str().unwrap()).unwrap();
        assert!(shot.len() > 10_000, "{name}: a screenshot of the verdict");
    }
}

#[test]
fn the_published_registry_is_the_examples_and_the_decoder_is_the_pinned_one() {
    // web/registry.js is what `key registry` makes of examples/registry.toml.
    let r = run(pishkhan().args([
        "key",
        "registry",
        "examples/registry.toml",
        "--format",
        "js",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let shipped = fs::read_to_string(root().join("web/registry.js")).unwrap();
    assert_eq!(
        r.stdout, shipped,
        "web/registry.js is stale: remake it with `pishkhan key registry examples/registry.toml --out web/registry.js`"
    );

    let r = run(pishkhan().args([
        "key",
        "registry",
        "examples/registry.toml",
        "--format",
        "json",
    ]));
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["format"], "pishkhan-key-registry/1");
    assert_eq!(json["keys"][0]["fingerprint"], "934d6e1fa557ae49");
    assert_eq!(json["keys"][0]["office"], "37-1234");
    assert_eq!(json["keys"][0]["until"], serde_json::Value::Null);
    assert!(!r.stdout.contains("secret"));

    // A registry that is wrong is refused with its key named; the registry itself is
    // never an output.
    let office = Office::new();
    let bad = office.file(
        "bad.toml",
        "key.0123456789abcdef = { office = \"37-1234\", public = \"978a432e55153740be9266e8a5538feb74bd632089d8c2c94323ccd457165e11\", from = \"1402/01/01\" }\n",
    );
    let r = run(pishkhan().args(["key", "registry"]).arg(&bad));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("key.0123456789abcdef") && r.stderr.contains("fingerprint"),
        "{}",
        r.stderr
    );
    let r = run(pishkhan()
        .args(["key", "registry"])
        .arg(&bad)
        .arg("--out")
        .arg(&bad));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("is the same file as the key registry"),
        "{}",
        r.stderr
    );
    // Nor the ledger, as a tired clerk might type it.
    let ledger = office.file("pishkhan.sqlite", b"the books");
    let r = run(pishkhan()
        .args(["key", "registry", "examples/registry.toml", "--out"])
        .arg(&ledger)
        .arg("--ledger")
        .arg(&ledger));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("is the same file as the ledger"),
        "{}",
        r.stderr
    );
    assert_eq!(fs::read(&ledger).unwrap(), b"the books");

    // The decoder's WebAssembly is zxing-wasm 3.1.8's, byte for byte.
    let js = fs::read_to_string(root().join("web/lib/zxing-reader-wasm.js")).unwrap();
    let b64 = js.split('"').nth(1).unwrap();
    let wasm = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    let sum: String = Sha256::digest(&wasm)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(sum, ZXING_WASM_SHA256);
    for licence in [
        "lib/zxing-wasm-LICENSE.txt",
        "lib/zxing-cpp-LICENSE.txt",
        "fonts/OFL.txt",
    ] {
        assert!(root().join("web").join(licence).is_file(), "{licence}");
    }
}
