//! STUB until the report lands.
use super::model::{CapturedMessage, Channel};
use crate::messages::Language;
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Day,
    Week,
}
pub struct ReportRequest<'a> {
    pub channels: &'a [Channel],
    pub messages: &'a [CapturedMessage],
    pub from_ms: i64,
    pub to_ms: i64,
    pub zone: &'a jiff::tz::TimeZone,
    pub language: Language,
    pub period: Period,
}
pub struct Report;
pub fn report(_r: &ReportRequest) -> Report {
    Report
}
pub fn render_report(_r: &Report, _l: Language) -> String {
    String::new()
}
