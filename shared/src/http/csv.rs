//! CSV answers: RFC 4180 (the csv crate's quoting), a header row from the field
//! names, and cells that a spreadsheet would run as a formula defused; and the
//! files exports answer with (CSV, or JSON `{"items": [...]}`).

use axum::{
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::ApiError;

/// How an export is written: `csv` (the default) or `json`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    #[default]
    Csv,
    Json,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Json => "application/json",
        }
    }
}

#[derive(Serialize)]
struct Items<'a, T> {
    items: &'a [T],
}

/// An export's file: the rows as CSV (`header` names the columns when there are no
/// rows) or as JSON `{"items": [...]}`, the same table either way.
pub fn render_export<T: Serialize>(
    rows: &[T],
    header: &[&str],
    format: ExportFormat,
) -> Result<Vec<u8>, ApiError> {
    match format {
        ExportFormat::Csv => to_csv(rows, header),
        ExportFormat::Json => {
            serde_json::to_vec(&Items { items: rows }).map_err(ApiError::internal)
        }
    }
}

/// `200` with a file, offered as a download named `file_name`.
pub fn file_response(
    body: Vec<u8>,
    content_type: &'static str,
    file_name: &str,
) -> Result<Response, ApiError> {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
        .map_err(ApiError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// A leading `=`, `+`, `-`, `@` (or tab / carriage return, which some spreadsheets
/// skip before one) makes a cell a formula: a leading apostrophe keeps it text.
fn defuse(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

/// The rows as CSV text; `header` names the columns when there are no rows.
pub fn to_csv<T: Serialize>(rows: &[T], header: &[&str]) -> Result<Vec<u8>, ApiError> {
    // Serialise with serde (nested options flatten to empty cells), then read the
    // records back to defuse each cell before the final write.
    let mut plain = csv::Writer::from_writer(Vec::new());
    for r in rows {
        plain.serialize(r).map_err(ApiError::internal)?;
    }
    let plain = plain.into_inner().map_err(ApiError::internal)?;
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    if rows.is_empty() {
        out.write_record(header).map_err(ApiError::internal)?;
    }
    let mut reader = csv::Reader::from_reader(plain.as_slice());
    if !rows.is_empty() {
        let names = reader.headers().map_err(ApiError::internal)?.clone();
        out.write_record(&names).map_err(ApiError::internal)?;
    }
    for record in reader.records() {
        let record = record.map_err(ApiError::internal)?;
        out.write_record(record.iter().map(defuse))
            .map_err(ApiError::internal)?;
    }
    out.into_inner().map_err(ApiError::internal)
}

/// `200 text/csv`, offered as a download named `file_name`.
pub fn csv_response<T: Serialize>(
    rows: &[T],
    header: &[&str],
    file_name: &str,
) -> Result<Response, ApiError> {
    file_response(
        to_csv(rows, header)?,
        ExportFormat::Csv.content_type(),
        file_name,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Row {
        user_name: String,
        note: Option<String>,
        percent: u32,
    }

    #[test]
    fn quoting_header_and_formulas() {
        let rows = [
            Row {
                user_name: "=HYPERLINK(\"http://x\")".into(),
                note: Some("a, \"quoted\"\nline".into()),
                percent: 50,
            },
            Row {
                user_name: "@sum".into(),
                note: None,
                percent: 0,
            },
            Row {
                user_name: "-1+1".into(),
                note: Some("+x".into()),
                percent: 100,
            },
        ];
        let text = String::from_utf8(to_csv(&rows, &[]).unwrap()).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], "userName,note,percent");
        // Quotes doubled, the embedded line break kept inside the quoted cell.
        assert_eq!(
            lines[1],
            "\"'=HYPERLINK(\"\"http://x\"\")\",\"a, \"\"quoted\"\"\nline\",50"
        );
        assert!(text.contains("'@sum,,0\r\n"));
        assert!(text.contains("'-1+1,'+x,100\r\n"));
        let empty =
            String::from_utf8(to_csv::<Row>(&[], &["userName", "percent"]).unwrap()).unwrap();
        assert_eq!(empty, "userName,percent\r\n");
    }
}
