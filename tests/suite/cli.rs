//! The command line as a whole: version, help, completions, commands not built yet.

use crate::common;

use common::{pishkhan, run};

#[test]
fn version() {
    let r = run(pishkhan().arg("--version"));
    assert_eq!(r.code, 0);
    assert_eq!(
        r.stdout,
        format!("pishkhan {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn every_command_has_help_with_examples() {
    for cmd in [
        "status",
        "register",
        "fee",
        "card",
        "certify",
        "report",
        "check",
        "completions",
    ] {
        let r = run(pishkhan().args([cmd, "--help"]));
        assert_eq!(r.code, 0, "{cmd}");
        assert!(r.stdout.contains("Examples:"), "{cmd}: {}", r.stdout);
        assert!(
            r.stdout.contains(&format!("pishkhan {cmd}")),
            "{cmd}: {}",
            r.stdout
        );
    }
    let r = run(pishkhan().arg("--help"));
    for text in [
        "PISHKHAN_TARIFFS",
        "PISHKHAN_OFFICE_CODE",
        "--ledger",
        "Exit codes",
    ] {
        assert!(r.stdout.contains(text), "{text}: {}", r.stdout);
    }
}

#[test]
fn completions_for_three_shells() {
    for (shell, marker) in [
        ("bash", "_pishkhan()"),
        ("zsh", "#compdef pishkhan"),
        ("fish", "complete -c pishkhan"),
    ] {
        let r = run(pishkhan().args(["completions", shell]));
        assert_eq!(r.code, 0, "{shell}");
        assert!(r.stdout.contains(marker), "{shell}");
        assert!(r.stdout.contains("certify"), "{shell}");
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["fee", "--stage", "exam"][..],
        &["nonsense"],
        &["fee", "--format", "xml"],
        &[],
    ] {
        let r = run(pishkhan().args(args));
        assert_eq!(r.code, 2, "{args:?}");
    }
}
