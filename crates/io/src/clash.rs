//! Path clashes between a run's inputs and outputs, refused before anything is opened.
//!
//! An output written over an input destroys the input; two outputs on one file corrupt both;
//! stdin read twice splits one stream between two readers. [`check_paths`] compares every pair
//! by identity: the canonical path (the parent directory's canonical path plus the file name
//! for a file that does not exist yet) and, for files that exist, device and inode (so a hard
//! link or a bind-mounted alias is the same file). `-` is stdin for inputs and stdout for
//! outputs: one input and one output may each be `-`, but not two of either.

use crate::IoError;
use std::path::{Path, PathBuf};

/// What a path is to the run: an input or a named output (`--output`, `--campaigns`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// An input file (read).
    Input,
    /// An output, named by its option.
    Output(&'static str),
}

impl Role {
    fn describe(self, path: &Path) -> String {
        match self {
            Role::Input => format!("input {}", path.display()),
            Role::Output(name) => format!("{name} {}", path.display()),
        }
    }
}

/// Who a path is, for comparison.
#[derive(Debug, PartialEq, Eq)]
struct Identity {
    canonical: PathBuf,
    /// (device, inode) of an existing file.
    file: Option<(u64, u64)>,
}

impl Identity {
    fn of(path: &Path) -> Identity {
        let file = std::fs::metadata(path).ok().and_then(|m| dev_ino(&m));
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| {
            // not there yet: canonical directory + name (a missing directory fails on open)
            let name = path.file_name().map(PathBuf::from).unwrap_or_default();
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            std::fs::canonicalize(&dir).unwrap_or(dir).join(name)
        });
        Identity { canonical, file }
    }

    fn same(&self, other: &Identity) -> bool {
        self.canonical == other.canonical || (self.file.is_some() && self.file == other.file)
    }
}

#[cfg(unix)]
fn dev_ino(m: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn dev_ino(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// Refuse a run whose paths clash: an output equal to an input or to another output, or `-`
/// given twice as an input or twice as an output. Inputs may repeat a file only through `-`
/// (reading one file twice is harmless but double counts; it is refused too, as a likely
/// mistake). Every clash is listed in the one error.
pub fn check_paths(paths: &[(Role, &Path)]) -> Result<(), IoError> {
    let is_dash = |p: &Path| p.as_os_str() == "-";
    let ids: Vec<Option<Identity>> = paths
        .iter()
        .map(|(_, p)| (!is_dash(p)).then(|| Identity::of(p)))
        .collect();
    let mut clashes = Vec::new();
    for (j, (rj, pj)) in paths.iter().enumerate() {
        for (i, (ri, pi)) in paths[..j].iter().enumerate() {
            let clash = match (&ids[i], &ids[j]) {
                (Some(a), Some(b)) => a.same(b),
                // stdin twice, or stdout twice; stdin and stdout are different streams
                (None, None) => (*ri == Role::Input) == (*rj == Role::Input),
                _ => false,
            };
            if clash {
                clashes.push(format!(
                    "{} and {} are the same {}",
                    ri.describe(pi),
                    rj.describe(pj),
                    if ids[i].is_none() { "stream" } else { "file" }
                ));
            }
        }
    }
    if clashes.is_empty() {
        Ok(())
    } else {
        Err(IoError::PathClash(clashes.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(dir: &Path, spec: &[(Role, &str)]) -> Result<(), String> {
        let paths: Vec<(Role, PathBuf)> = spec
            .iter()
            .map(|(r, p)| {
                let p = if *p == "-" {
                    PathBuf::from("-")
                } else {
                    dir.join(p)
                };
                (*r, p)
            })
            .collect();
        let refs: Vec<(Role, &Path)> = paths.iter().map(|(r, p)| (*r, p.as_path())).collect();
        check_paths(&refs).map_err(|e| e.to_string())
    }

    #[test]
    fn clashes_are_refused_and_distinct_paths_pass() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("in.jsonl"), "x\n").unwrap();
        std::fs::write(d.join("other.jsonl"), "y\n").unwrap();
        std::fs::create_dir(d.join("sub")).unwrap();
        std::fs::hard_link(d.join("in.jsonl"), d.join("link.jsonl")).unwrap();
        let (i, o, c, r) = (
            Role::Input,
            Role::Output("--output"),
            Role::Output("--campaigns"),
            Role::Output("--rejects"),
        );
        let ok = |spec: &[(Role, &str)]| check(d, spec).is_ok();
        // (spec, accepted)
        let cases: &[(&[(Role, &str)], bool)] = &[
            (&[(i, "in.jsonl"), (o, "v.jsonl"), (r, "r.jsonl")], true),
            (&[(i, "-"), (o, "-"), (r, "r.jsonl")], true),
            (&[(i, "in.jsonl"), (i, "other.jsonl"), (o, "v.jsonl")], true),
            (&[(i, "in.jsonl"), (o, "in.jsonl")], false),
            (&[(i, "in.jsonl"), (r, "in.jsonl")], false),
            (&[(i, "in.jsonl"), (o, "sub/../in.jsonl")], false),
            (&[(i, "in.jsonl"), (o, "link.jsonl")], false),
            (&[(i, "in.jsonl"), (o, "c.jsonl"), (c, "c.jsonl")], false),
            (
                &[(i, "in.jsonl"), (o, "new.jsonl"), (c, "sub/../new.jsonl")],
                false,
            ),
            (&[(i, "-"), (i, "-")], false),
            (&[(i, "in.jsonl"), (o, "-"), (c, "-")], false),
            (&[(i, "in.jsonl"), (i, "in.jsonl")], false),
        ];
        for (spec, want) in cases {
            assert_eq!(ok(spec), *want, "{spec:?}: {:?}", check(d, spec));
        }
        let e = check(d, &[(i, "in.jsonl"), (o, "v.jsonl"), (r, "in.jsonl")]).unwrap_err();
        assert!(e.contains("--rejects") && e.contains("in.jsonl"), "{e}");
    }
}
