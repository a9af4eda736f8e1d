//! Files (receipts, rejects, SMS rows, a new ledger) that appear whole or not at all: written under a temporary name in the
//! target's own directory, synced, then renamed. Temporary names carry the writing
//! process's id, so the next run can remove what a killed run left and leave a
//! running one's alone. Files get the usual mode (0666 less the umask).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result};

const PREFIX: &str = ".pishkhan-";
const SUFFIX: &str = ".tmp";

/// The directory a file is in (`.` for a bare name).
pub fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A new temporary name in `dir`: `.pishkhan-<pid>-<n>.tmp`.
pub fn temp_name(dir: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    dir.join(format!("{PREFIX}{}-{n}{SUFFIX}", std::process::id()))
}

/// Creates a temporary file in `dir`, never over an existing one.
pub fn create_temp(dir: &Path) -> io::Result<(PathBuf, File)> {
    let path = temp_name(dir);
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    Ok((path, file))
}

/// Removes the temporary files that runs no longer alive left in `dir`; a missing
/// or unreadable directory has none to remove.
pub fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        // A temporary ledger's companions (`-wal`, `-shm`, `-journal`) go with it.
        let Some(pid) = name
            .to_str()
            .map(|n| {
                ["-wal", "-shm", "-journal"]
                    .iter()
                    .find_map(|x| n.strip_suffix(x))
                    .unwrap_or(n)
            })
            .and_then(|n| n.strip_prefix(PREFIX)?.strip_suffix(SUFFIX))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, n)| n.parse::<u64>().ok().and(pid.parse::<i32>().ok()))
        else {
            continue;
        };
        if !alive(pid) {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Whether a process with this id runs (one of another user's counts).
fn alive(pid: i32) -> bool {
    if pid == std::process::id() as i32 {
        return false; // this run has written nothing yet: an earlier process's
    }
    match rustix::process::Pid::from_raw(pid.max(0)) {
        Some(p) => !matches!(
            rustix::process::test_kill_process(p),
            Err(rustix::io::Errno::SRCH)
        ),
        None => false,
    }
}

/// Writes a file so that it appears whole or not at all.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = dir_of(path);
    let (tmp, mut file) =
        create_temp(&dir).with_context(|| format!("cannot write in {}", dir.display()))?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| fs::rename(&tmp, path))
        .and_then(|()| sync_dir(&dir));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written.with_context(|| format!("cannot write {}", path.display()))
}

/// A file written a piece at a time under a temporary name, put in place whole.
pub struct Growing {
    tmp: PathBuf,
    file: io::BufWriter<File>,
}

impl Growing {
    pub fn create(target: &Path) -> io::Result<Growing> {
        let (tmp, file) = create_temp(&dir_of(target))?;
        Ok(Growing {
            tmp,
            file: io::BufWriter::new(file),
        })
    }

    pub fn writer(&mut self) -> &mut io::BufWriter<File> {
        &mut self.file
    }

    /// Syncs the file and renames it over `target`.
    pub fn finish(self, target: &Path) -> io::Result<()> {
        let Growing { tmp, file } = self;
        let done = file
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .and_then(|()| fs::rename(&tmp, target))
            .and_then(|()| sync_dir(&dir_of(target)));
        if done.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        done
    }

    /// Gives up: the temporary file goes.
    pub fn abandon(self) {
        let _ = fs::remove_file(&self.tmp);
    }
}

/// Writing goes to the temporary file (buffered).
impl io::Write for Growing {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Makes renames and new names in `dir` durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Makes the data of every file written in `dir` durable at once: one call for a
/// whole group of files instead of one per file.
pub fn sync_files_in(dir: &Path, files: &[PathBuf]) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        let _ = files;
        rustix::fs::syncfs(File::open(dir)?).map_err(io::Error::from)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        files.iter().try_for_each(|f| File::open(f)?.sync_data())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_temps_go_and_live_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        // pid 1 is always running; a pid past the kernel's limit never is.
        let live = dir.path().join(".pishkhan-1-0.tmp");
        let dead = dir.path().join(".pishkhan-2147483646-7.tmp");
        let dead_wal = dir.path().join(".pishkhan-2147483646-7.tmp-wal");
        let other = dir.path().join(".pishkhan-notes.tmp");
        for p in [&live, &dead, &dead_wal, &other] {
            fs::write(p, b"x").unwrap();
        }
        remove_stale_temps(dir.path());
        assert!(live.exists() && other.exists());
        assert!(!dead.exists() && !dead_wal.exists());
    }

    #[test]
    fn atomic_files_have_the_usual_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        // What any program's new file gets under this umask (0644 under 022).
        let usual = dir.path().join("usual");
        File::create(&usual).unwrap();
        let p = dir.path().join("a.csv");
        write_atomic(&p, b"x").unwrap();
        assert_eq!(mode(&p), mode(&usual));
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2, "no temp left");
    }
}
