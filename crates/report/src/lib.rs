//! The analyst's views of distillguard's outputs.
//!
//! * [`load_verdicts`] / [`load_campaigns`] read the engine's JSONL outputs;
//!   [`ReportData::build`] summarises them (each campaign's latest record, each account's
//!   latest action, actions over time, top reasons) and [`render_html`] writes one
//!   self-contained HTML page (inline CSS, JS and SVG; no network fetch; every input string
//!   escaped; member tables rendered a page at a time so 25,000 members stay fast).
//! * [`Explanation`] holds what `explain` shows of one account and renders it as text and SVG.
//! * [`svg`] holds the small SVG chart primitives both the report and `explain` draw with.
//!
//! Nothing here reads prompt text: the inputs carry none.

pub mod error;
pub mod escape;
pub mod explain;
pub mod html;
pub mod input;
pub mod model;
pub mod svg;

pub use error::ReportError;
pub use explain::Explanation;
pub use html::render_html;
pub use input::{load_campaigns, load_verdicts};
pub use model::ReportData;
