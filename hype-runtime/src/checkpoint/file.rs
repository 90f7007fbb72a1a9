//! Writing a checkpoint so that a crash never destroys the last good one: write a
//! temporary file beside the target, sync it, rename it over the target (atomic on
//! POSIX file systems), then sync the directory so the rename itself is durable.

use super::error::CheckpointError;
use super::record::Record;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

fn io(op: &'static str, path: &Path, e: std::io::Error) -> CheckpointError {
    CheckpointError::Io {
        op,
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// The temporary file a write of `path` goes through: `path` with `.tmp` appended and
/// the process id, so that two processes never write the same temporary file.
pub fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", std::process::id()));
    path.with_file_name(name)
}

/// Writes `bytes` to `path` atomically: the file holds either its previous content
/// or all of `bytes`, whenever the process is killed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CheckpointError> {
    let tmp = temporary_path(path);
    let mut f = File::create(&tmp).map_err(|e| io("create", &tmp, e))?;
    f.write_all(bytes).map_err(|e| io("write", &tmp, e))?;
    f.sync_all().map_err(|e| io("sync", &tmp, e))?;
    drop(f);
    fs::rename(&tmp, path).map_err(|e| io("rename", &tmp, e))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // A directory sync makes the rename durable; some file systems refuse it, which
    // only weakens durability against power loss, not atomicity.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Saves `record` to `path` atomically.
pub fn save(path: &Path, record: &Record) -> Result<(), CheckpointError> {
    write_atomic(path, &record.to_bytes()?)
}

/// Loads the record at `path`.
pub fn load(path: &Path) -> Result<Record, CheckpointError> {
    let bytes = fs::read(path).map_err(|e| io("read", path, e))?;
    Record::from_bytes(&bytes)
}
