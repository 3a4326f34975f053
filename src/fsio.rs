//! Reading and writing files, once for every kind of file Rampart touches (models, reports,
//! verification sidecars, recovery files, CA files, import sources): reads refuse what is not a
//! regular file and stop at a size limit they name; writes are atomic (a temporary file beside
//! the target, flushed, optionally read back, renamed over it), and the temporary file of an
//! interrupted write is found and replaced by the next write of the same file.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Why a file could not be read, in one line for people (the caller adds the path).
#[must_use]
pub fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// "256 MB", "64 KiB".
#[must_use]
pub fn size(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        format!("{} MB", bytes / 1_000_000)
    } else if bytes >= 1024 {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// Reads a whole file of at most `limit` bytes. `what` names the kind of file in messages, in
/// the singular ("model file": "model files are limited to 256 MB").
///
/// # Errors
/// A one-line reason: missing, a directory, a FIFO or device (refused before opening, so
/// nothing blocks), larger than the limit, unreadable.
pub fn read_limited(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| io_message(&e))?;
    let kind = meta.file_type();
    if kind.is_dir() {
        return Err(format!("is a directory, not a {what}"));
    }
    if !kind.is_file() {
        return Err("is not a regular file (a pipe, socket or device); give a file".to_string());
    }
    let too_large = |n: u64| {
        format!(
            "the file is {}; {what}s are limited to {}",
            size(n),
            size(limit)
        )
    };
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(|e| io_message(&e))?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_message(&e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// The temporary file beside `path` that a write goes through. Its name is the same for every
/// write of `path`, so an interrupted write leaves one file that the next write replaces.
#[must_use]
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.rampart-tmp"))
}

/// Temporary files an older build named with its process id (`.NAME.PID.tmp`), left behind by
/// interrupted writes of `path`.
fn stale_temp_files(path: &Path) -> Vec<PathBuf> {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Vec::new();
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let prefix = format!(".{name}.");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .and_then(|n| {
                    n.strip_prefix(&prefix)
                        .and_then(|rest| rest.strip_suffix(".tmp"))
                        .map(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
                })
                .unwrap_or(false)
        })
        .collect()
}

/// Writes `bytes` to `path` atomically; with `verify`, reads the temporary file back and checks
/// it before the rename.
///
/// # Errors
/// Any step failed; `path` is then untouched and the temporary file removed.
pub fn write_atomic(path: &Path, bytes: &[u8], verify: bool) -> std::io::Result<()> {
    let tmp = temp_path(path);
    for stale in stale_temp_files(path) {
        let _ = std::fs::remove_file(stale);
    }
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        if verify && std::fs::read(&tmp)? != bytes {
            return Err(std::io::Error::other(
                "the file read back differs from what was written",
            ));
        }
        std::fs::rename(&tmp, path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && let Ok(dir) = std::fs::File::open(dir)
        {
            // Make the rename durable; not every platform can sync a directory.
            let _ = dir.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The SHA-256 of some bytes in lowercase hex: the fingerprint of a model file (on the report's
/// cover, and in a verification sidecar to tell which model it verified).
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .fold(String::with_capacity(64), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_refuse_what_is_not_a_regular_file_and_name_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.ron");
        std::fs::write(&path, vec![b'x'; 2000]).unwrap();
        assert_eq!(read_limited(&path, 4096, "model file").unwrap().len(), 2000);
        let e = read_limited(&path, 1024, "model file").unwrap_err();
        assert!(e.contains("model files are limited to 1 KiB"), "{e}");
        assert!(
            read_limited(dir.path(), 10, "x")
                .unwrap_err()
                .contains("directory")
        );
        #[cfg(unix)]
        {
            let e = read_limited(Path::new("/dev/zero"), 10, "model file").unwrap_err();
            assert!(e.contains("not a regular file"), "{e}");
        }
        assert_eq!(
            read_limited(&dir.path().join("none"), 10, "x").unwrap_err(),
            "no such file"
        );
    }

    #[test]
    fn an_interrupted_write_is_cleaned_up_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.ron");
        // What killed writes leave: this build's temporary file, and an older build's.
        std::fs::write(temp_path(&path), b"half").unwrap();
        std::fs::write(dir.path().join(".m.ron.12345.tmp"), b"half").unwrap();
        write_atomic(&path, b"whole", true).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"whole");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, ["m.ron"]);
    }
}
