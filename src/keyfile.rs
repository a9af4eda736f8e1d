//! An office's key file: made with mode 0600 and never over an existing file; read
//! only when no one but its owner can read it. A key others can read is a key others
//! may have copied: refused, with how to mend it.

use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};

use crate::desk::keys::OfficeKey;

/// Writes a new key to `path`: whole (a temporary file, synced, then linked into
/// place), mode 0600, and never over a file already there.
pub fn create(path: &Path, key: &OfficeKey) -> Result<()> {
    if path.symlink_metadata().is_ok() {
        bail!(
            "{} exists: a key file is never overwritten (an office's old key must stay until the guild has replaced it) / این فایل هست و رونویسی نمی‌شود",
            path.display()
        );
    }
    let dir = crate::files::dir_of(path);
    let tmp = crate::files::temp_name(&dir);
    let made = (|| -> Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .with_context(|| format!("cannot write in {}", dir.display()))?;
        f.write_all(key.file_text().as_bytes())?;
        f.sync_all()?;
        // A link never replaces: a file made meanwhile stays.
        std::fs::hard_link(&tmp, path).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                anyhow!("{} exists: a key file is never overwritten", path.display())
            }
            _ => anyhow!("cannot write {}: {e}", path.display()),
        })?;
        crate::files::sync_dir(&dir)?;
        Ok(())
    })();
    let _ = std::fs::remove_file(&tmp);
    made
}

/// Reads the key at `path`; refuses one that is missing, unreadable, not a key, or
/// readable by the group or others.
pub fn load(path: &Path) -> Result<OfficeKey> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read the office key {}", path.display()))?;
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the office key {}", path.display()))?;
    if let Some(rest) = text.strip_prefix(crate::desk::keys::DEMO_KEY_HEAD) {
        // Said once a run, though a charging command reads the key twice (first to
        // refuse a bad one before the ledger is touched).
        static SAID: std::sync::Once = std::sync::Once::new();
        SAID.call_once(|| eprintln!(
            "{}: warning: the demonstration key, public with pishkhan's examples: what it signs proves nothing. An office makes its own with `pishkhan key new` / کلید نمایشی است",
            path.display()
        ));
        return OfficeKey::parse(rest)
            .map_err(|why| anyhow!("{} is not a usable office key: {why}", path.display()));
    }
    if meta.mode() & 0o077 != 0 {
        bail!(
            "the office key {} can be read by others (mode {:o}): it may have been copied. Make it the owner's alone (chmod 600 {}), or make a new key and have the guild register it / کلید دفتر را دیگران هم می‌توانند بخوانند",
            path.display(),
            meta.mode() & 0o777,
            path.display()
        );
    }
    if !text.starts_with(crate::desk::keys::KEY_FILE_HEAD) {
        bail!("{} is not a pishkhan office key", path.display());
    }
    OfficeKey::parse(&text)
        .map_err(|why| anyhow!("{} is not a usable office key: {why}", path.display()))
}
