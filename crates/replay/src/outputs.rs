//! The replay's three outputs (verdicts, campaign records, rejects) and how a run ends them:
//! renamed into place when it completes, kept as `NAME.partial` when it stops early, removed
//! (old files untouched) when it fails.

use crate::summary::ReplaySummary;
use crate::ReplayError;
use distillguard_io::{CampaignWriter, KeptFields, RejectWriter, VerdictWriter};
use distillguard_pipeline::{Outputs, ScoreSample};
use distillguard_types::ladder::Action;
use distillguard_types::RejectReason;
use std::path::{Path, PathBuf};

/// The open outputs of a run.
pub(crate) struct Writers {
    verdicts: VerdictWriter,
    campaigns: Option<CampaignWriter>,
    /// Created when the first reject arrives.
    rejects: Option<RejectWriter>,
    rejects_path: PathBuf,
    keep: KeptFields,
}

/// Where a record's bytes came from, for its reject row.
pub(crate) struct Source<'a> {
    pub name: &'a str,
    pub line: u64,
    pub raw: &'a [u8],
}

impl Writers {
    pub fn create(
        verdicts: &Path,
        campaigns: Option<&Path>,
        rejects: &Path,
        keep: KeptFields,
    ) -> Result<Writers, ReplayError> {
        Ok(Writers {
            verdicts: VerdictWriter::create(verdicts)?,
            campaigns: campaigns.map(CampaignWriter::create).transpose()?,
            rejects: None,
            rejects_path: rejects.to_path_buf(),
            keep,
        })
    }

    /// Count a reject and write its row: malformed records (the parser's) with their raw
    /// bytes, well-formed ones (the engine's) with their kept fields only; duplicates are
    /// counted, not written.
    pub fn reject(
        &mut self,
        sum: &mut ReplaySummary,
        at: Source<'_>,
        reason: RejectReason,
        well_formed: bool,
    ) -> Result<(), ReplayError> {
        sum.rejects.add(reason);
        if reason == RejectReason::Duplicate {
            return Ok(());
        }
        sum.rejected += 1;
        let w = open_rejects(&mut self.rejects, &self.rejects_path)?;
        if well_formed {
            w.write_fields(at.name, at.line, reason, at.raw, &self.keep)?;
        } else {
            w.write(at.name, at.line, reason, at.raw)?;
        }
        Ok(())
    }

    /// A record's kept fields as a JSON object (for a record the engine holds, see
    /// [`RecordOrigin`]).
    pub fn kept_fields(&self, raw: &[u8]) -> String {
        self.keep.extract_json(raw)
    }

    /// Count and write the records the engine refused after taking them (held ahead of its
    /// clock); returns how many were refused (duplicates included).
    pub fn refused(
        &mut self,
        out: &mut Outputs,
        sum: &mut ReplaySummary,
        names: &[String],
    ) -> Result<u64, ReplayError> {
        let n = out.refused.len() as u64;
        for (origin, reason) in out.refused.drain(..) {
            sum.rejects.add(reason);
            if reason == RejectReason::Duplicate {
                continue;
            }
            sum.rejected += 1;
            let name = names.get(origin.source as usize).map_or("", String::as_str);
            open_rejects(&mut self.rejects, &self.rejects_path)?.write_kept(
                name,
                origin.position,
                reason,
                &origin.kept_fields,
            )?;
        }
        Ok(n)
    }

    /// Write what the engine produced.
    pub fn drain(
        &mut self,
        out: &mut Outputs,
        sum: &mut ReplaySummary,
        scores: &mut dyn FnMut(&[ScoreSample]),
    ) -> Result<(), ReplayError> {
        for v in out.verdicts.drain(..) {
            sum.verdicts[Action::ALL.iter().position(|a| *a == v.action).unwrap_or(0)] += 1;
            self.verdicts.write(&v)?;
        }
        if let Some(w) = &mut self.campaigns {
            for c in &out.campaigns {
                w.write(c)?;
            }
        }
        sum.campaign_records += out.campaigns.len() as u64;
        out.campaigns.clear();
        if !out.scores.is_empty() {
            scores(&out.scores);
            out.scores.clear();
        }
        Ok(())
    }

    /// Flush and rename every output into place.
    pub fn finish(self) -> Result<(), ReplayError> {
        self.verdicts.finish()?;
        if let Some(c) = self.campaigns {
            c.finish()?;
        }
        if let Some(r) = self.rejects {
            r.finish()?;
        }
        Ok(())
    }

    /// Flush and keep every file output as `NAME.partial`; returns where they are.
    pub fn finish_partial(self) -> Result<Vec<PathBuf>, ReplayError> {
        let mut kept = vec![self.verdicts.finish_partial()?.1];
        if let Some(c) = self.campaigns {
            kept.push(c.finish_partial()?.1);
        }
        if let Some(r) = self.rejects {
            kept.push(r.finish_partial()?.1);
        }
        kept.retain(|p| p.as_os_str() != "-");
        Ok(kept)
    }
}

/// The reject file, created when the first reject arrives.
fn open_rejects<'a>(
    slot: &'a mut Option<RejectWriter>,
    path: &Path,
) -> Result<&'a mut RejectWriter, ReplayError> {
    let w = match slot.take() {
        Some(w) => w,
        None => RejectWriter::create(path)?,
    };
    Ok(slot.insert(w))
}
