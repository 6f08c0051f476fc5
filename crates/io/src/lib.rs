//! File I/O of distillguard: the only crate that touches files.
//!
//! - [`parse`]: one JSONL request-log record → [`Event`](distillguard_types::Event) or a
//!   [`RejectReason`](distillguard_types::RejectReason), with simd-json and reused buffers.
//! - [`read`]: opening `.jsonl`, `.jsonl.gz`, `.jsonl.zst` or stdin, and a bounded line splitter.
//! - [`clash`]: refusing outputs that would overwrite an input or each other.
//! - [`rejects`]: the reject (quarantine) file; [`redact`]: what it keeps of well-formed records.
//! - [`write`](mod@write): JSONL writers for verdicts and campaign records.
//! - [`netdata`]: loaders for the IP→ASN table and hosting CIDR lists.
//! - [`source`]: the replay source stage (read + decompress + parse + merge on its own thread).
//!
//! Errors of the crate are [`IoError`]; a malformed record is never an error but data.

pub mod clash;
pub mod error;
pub mod netdata;
pub mod parse;
pub mod read;
pub mod redact;
pub mod rejects;
pub mod source;
pub mod write;

pub use clash::{check_paths, Role};
pub use error::IoError;
pub use netdata::{load_netdata, NetDataSummary};
pub use parse::RecordParser;
pub use read::{open_input, read_lines, InputSpec, LineReader};
pub use redact::KeptFields;
pub use rejects::RejectWriter;
pub use source::{spawn_sources, Batch, SourceStage, SourceStats};

pub use write::{partial_path, Access, CampaignWriter, JsonlWriter, RowWriter, VerdictWriter};
