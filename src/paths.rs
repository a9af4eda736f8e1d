//! The files a run reads and writes, checked against each other before anything is
//! opened for writing: an output that is the ledger (or its `-wal`, `-shm`,
//! `-journal`), a sheet or configuration file being read, or another output of the
//! same run is refused. Files are compared by identity, not by spelling: an existing
//! file by device and inode (so a symlink, `./`, `..` or a hard link to the ledger is
//! the ledger), a file still to be made by the real path of its directory and its
//! name.

use std::ffi::OsString;
use std::fmt;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

/// What a run touches, with what each is for (the option that names it).
#[derive(Default)]
pub struct Plan {
    inputs: Vec<(String, PathBuf)>,
    outputs: Vec<(String, PathBuf)>,
    /// Directories receipts are written into.
    dirs: Vec<(String, PathBuf)>,
}

/// Two paths of a run that are one file.
#[derive(Debug)]
pub struct Clash {
    pub output: (String, PathBuf),
    pub other: (String, PathBuf),
}

impl fmt::Display for Clash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} is the same file as {} {}: writing it would destroy that file, so nothing was recorded or written; give another path / مسیر خروجی همان فایل {} است و کاری انجام نشد",
            self.output.0,
            self.output.1.display(),
            self.other.0,
            self.other.1.display(),
            self.other.1.display(),
        )
    }
}

impl std::error::Error for Clash {}

/// Where a path leads: an existing file's identity, or the place a new one would be.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Place {
    Inode(u64, u64),
    New(PathBuf),
}

impl Plan {
    /// A file the run reads (`-`, standard input, is no file).
    pub fn input(&mut self, what: &str, path: &Path) -> &mut Plan {
        if path != Path::new("-") {
            self.inputs.push((what.to_string(), path.to_path_buf()));
        }
        self
    }

    /// The ledger: the database and the files SQLite keeps beside it.
    pub fn ledger(&mut self, path: &Path) -> &mut Plan {
        self.input("the ledger", path);
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut p = OsString::from(path.as_os_str());
            p.push(suffix);
            self.inputs
                .push((format!("the ledger's {suffix}"), PathBuf::from(p)));
        }
        self
    }

    /// A file the run writes, when given.
    pub fn output(&mut self, what: &str, path: Option<&Path>) -> &mut Plan {
        if let Some(p) = path {
            self.outputs.push((what.to_string(), p.to_path_buf()));
        }
        self
    }

    /// A directory the run writes receipts into, named `{office}_{number}.pdf`.
    pub fn receipts_dir(&mut self, what: &str, dir: Option<&Path>) -> &mut Plan {
        if let Some(d) = dir {
            self.dirs.push((what.to_string(), d.to_path_buf()));
        }
        self
    }

    /// The first output that is an input, another output, or a receipt a directory
    /// output would write over an input; a directory output that is a file.
    pub fn check(&self) -> Result<(), anyhow::Error> {
        let placed = |list: &[(String, PathBuf)]| -> Vec<(Place, (String, PathBuf))> {
            list.iter()
                .map(|(w, p)| (place(p), (w.clone(), p.clone())))
                .collect()
        };
        let inputs = placed(&self.inputs);
        let outputs = placed(&self.outputs);
        for (i, (at, out)) in outputs.iter().enumerate() {
            let earlier = outputs[..i].iter();
            if let Some((_, other)) = inputs.iter().chain(earlier).find(|(p, _)| p == at) {
                return Err(Clash {
                    output: out.clone(),
                    other: other.clone(),
                }
                .into());
            }
        }
        for (what, dir) in &self.dirs {
            if dir.exists() && !dir.is_dir() {
                anyhow::bail!(
                    "{what} {} is a file, not a directory: receipts are written into a directory, so nothing was recorded or written / مسیر {} پوشه نیست",
                    dir.display(),
                    dir.display()
                );
            }
            let Some(dir_at) = real(dir) else { continue };
            // A receipt file in DIR is `{office}_{number}.pdf`: an input or another
            // output with such a name there could be written over.
            for (w, p) in self.inputs.iter().chain(&self.outputs) {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let parent = real(&crate::files::dir_of(p));
                if parent.as_ref() == Some(&dir_at) && is_receipt_name(name) {
                    return Err(Clash {
                        output: (format!("a receipt in {what}"), dir.join(name)),
                        other: (w.clone(), p.clone()),
                    }
                    .into());
                }
            }
        }
        Ok(())
    }
}

/// `{office}_{YYYY}-{NNNNNN}.pdf`, the name of a receipt file.
fn is_receipt_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".pdf") else {
        return false;
    };
    let Some((office, number)) = stem.rsplit_once('_') else {
        return false;
    };
    let b = number.as_bytes();
    !office.is_empty()
        && b.len() == 11
        && b[4] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || c.is_ascii_digit())
}

fn place(path: &Path) -> Place {
    match std::fs::metadata(path) {
        Ok(m) => Place::Inode(m.dev(), m.ino()),
        Err(_) => Place::New(real(path).unwrap_or_else(|| path.to_path_buf())),
    }
}

/// The real path of `path`, existing or not: its nearest existing ancestor resolved
/// (symlinks, `..`), the rest appended as written, `.` dropped.
fn real(path: &Path) -> Option<PathBuf> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    let mut rest = Vec::new();
    let mut base = abs.as_path();
    loop {
        if let Ok(r) = base.canonicalize() {
            let mut out = r;
            for c in rest.iter().rev() {
                match c {
                    Component::CurDir => {}
                    Component::ParentDir => {
                        out.pop();
                    }
                    other => out.push(other.as_os_str()),
                }
            }
            return Some(out);
        }
        let name = base.components().next_back()?;
        rest.push(name);
        base = base.parent()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_file_by_any_spelling_clashes() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("l.sqlite");
        std::fs::write(&ledger, b"x").unwrap();
        std::os::unix::fs::symlink(&ledger, dir.path().join("link")).unwrap();
        std::fs::hard_link(&ledger, dir.path().join("hard")).unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        for out in [
            ledger.clone(),
            dir.path().join("link"),
            dir.path().join("hard"),
            dir.path().join("sub/../l.sqlite"),
            dir.path().join("./l.sqlite"),
            dir.path().join("l.sqlite-wal"),
            dir.path().join("sub/../l.sqlite-shm"),
        ] {
            let mut plan = Plan::default();
            plan.ledger(&ledger).output("--results", Some(&out));
            let e = plan.check().unwrap_err().to_string();
            assert!(e.contains("--results") && e.contains("the ledger"), "{e}");
        }
        let mut plan = Plan::default();
        plan.ledger(&ledger)
            .output("--rejects", Some(&dir.path().join("new.csv")))
            .output("--results", Some(&dir.path().join("sub/../new.csv")));
        let e = plan.check().unwrap_err().to_string();
        assert!(e.contains("--results") && e.contains("--rejects"), "{e}");
        let mut plan = Plan::default();
        plan.ledger(&ledger)
            .output("--rejects", Some(&dir.path().join("a.csv")))
            .output("--results", Some(&dir.path().join("b.xlsx")));
        plan.check().unwrap();
    }

    #[test]
    fn receipts_written_over_an_input_clash() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("37-1234_1402-000001.pdf");
        let mut plan = Plan::default();
        plan.ledger(&ledger).receipts_dir("--out", Some(dir.path()));
        assert!(plan.check().is_err());
        let mut plan = Plan::default();
        plan.ledger(&dir.path().join("37-1234_receipts.pdf"))
            .receipts_dir("--out", Some(dir.path()));
        plan.check().unwrap();
        let mut plan = Plan::default();
        plan.ledger(&dir.path().join("l.sqlite"))
            .receipts_dir("--out", Some(&dir.path().join("l.sqlite")));
        std::fs::write(dir.path().join("l.sqlite"), b"x").unwrap();
        assert!(
            plan.check()
                .unwrap_err()
                .to_string()
                .contains("not a directory")
        );
    }
}
