//! The certificate as a one-page PDF (A4 landscape), written with pdf-writer and the
//! standard Helvetica faces every PDF reader has, so nothing is embedded.

use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::model::Certificate;

const WIDTH: f32 = 842.0;
const HEIGHT: f32 = 595.0;
const LEFT: f32 = 80.0;

/// Text as WinAnsiEncoding bytes (the standard fonts' encoding): Latin-1 and the
/// usual typographic marks survive, anything else becomes `?`.
fn win_ansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            c if c.is_whitespace() => b' ',
            _ => b'?',
        })
        .collect()
}

/// Greedy word wrap by characters: good enough for names and titles in Helvetica,
/// capped so a very long title cannot run off the page.
fn wrap(text: &str, width: usize, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            last.push('…');
        }
    }
    lines
}

struct Page {
    content: Content,
    y: f32,
}

impl Page {
    fn text(&mut self, font: &[u8], size: f32, text: &str, gap: f32) {
        self.y -= gap;
        self.content.begin_text();
        self.content.set_font(Name(font), size);
        self.content.next_line(LEFT, self.y);
        self.content.show(Str(&win_ansi(text)));
        self.content.end_text();
    }
}

/// The PDF bytes of a certificate.
pub fn render(cert: &Certificate, verify_url: &str) -> Vec<u8> {
    let (catalog, tree, page_id, regular, bold, contents, info) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
        Ref::new(6),
        Ref::new(7),
    );
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page_id]).count(1);
    let mut page = pdf.page(page_id);
    page.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT));
    page.parent(tree);
    page.contents(contents);
    {
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        fonts.pair(Name(b"F1"), regular);
        fonts.pair(Name(b"F2"), bold);
    }
    drop(page);
    for (id, face) in [(regular, &b"Helvetica"[..]), (bold, b"Helvetica-Bold")] {
        pdf.type1_font(id)
            .base_font(Name(face))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.document_info(info)
        .title(TextStr(&format!("Certificate: {}", cert.course_title)))
        .creator(TextStr("Campus"));

    let mut p = Page {
        content: Content::new(),
        y: HEIGHT - 70.0,
    };
    // A double frame and an accent bar: plain, printable, recognisably a certificate.
    p.content.set_stroke_rgb(0.13, 0.27, 0.53);
    p.content.set_line_width(3.0);
    p.content.rect(24.0, 24.0, WIDTH - 48.0, HEIGHT - 48.0);
    p.content.stroke();
    p.content.set_line_width(0.8);
    p.content.rect(34.0, 34.0, WIDTH - 68.0, HEIGHT - 68.0);
    p.content.stroke();
    p.content.set_fill_rgb(0.13, 0.27, 0.53);
    p.content.rect(LEFT, HEIGHT - 150.0, 120.0, 4.0);
    p.content.fill_nonzero();

    p.text(b"F2", 34.0, "Certificate of Completion", 40.0);
    p.content.set_fill_rgb(0.15, 0.15, 0.15);
    p.text(b"F1", 15.0, "This certifies that", 70.0);
    for (i, line) in wrap(&cert.holder_name, 40, 2).iter().enumerate() {
        p.text(b"F2", 28.0, line, if i == 0 { 38.0 } else { 32.0 });
    }
    let what = if cert.path_id.is_some() {
        "has successfully completed the learning path"
    } else {
        "has successfully completed the course"
    };
    p.text(b"F1", 15.0, what, 34.0);
    for (i, line) in wrap(&cert.course_title, 52, 3).iter().enumerate() {
        p.text(b"F2", 22.0, line, if i == 0 { 32.0 } else { 26.0 });
    }
    let date = cert.issued_at.get(..10).unwrap_or(&cert.issued_at);
    p.text(
        b"F1",
        13.0,
        &format!("Issued by {} on {date}", cert.company_name),
        40.0,
    );
    p.y = 90.0;
    p.text(
        b"F1",
        11.0,
        &format!("Verification code: {}", cert.code),
        0.0,
    );
    p.text(b"F1", 11.0, &format!("Verify at: {verify_url}"), 16.0);
    pdf.stream(contents, &p.content.finish());
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(name: &str, title: &str) -> Certificate {
        Certificate {
            id: "01J".into(),
            company_id: "c".into(),
            user_id: Some("u".into()),
            course_id: "k".into(),
            path_id: None,
            code: "ABCD-EFGH-JKMN-PQRS".into(),
            holder_name: name.into(),
            course_title: title.into(),
            company_name: "Acme (EU)".into(),
            issued_at: "2026-11-21T09:30:00Z".into(),
            expires_at: None,
            issued_by: "completion".into(),
            pdf_key: "k".into(),
            pdf_ready: false,
        }
    }

    #[test]
    fn a_pdf_with_the_facts_in_readable_text() {
        let bytes = render(&cert("Zoë Ångström", "Safety 101"), "https://x/verify/ABCD");
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        for needle in [
            "Safety 101",
            "ABCD-EFGH-JKMN-PQRS",
            "2026-11-21",
            "https://x/verify/ABCD",
        ] {
            assert!(text.contains(needle), "{needle} missing");
        }
        // Latin-1 names keep their letters in the font's encoding (as a hex string).
        let hex: String = win_ansi("Zoë Ångström")
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        assert!(text.to_uppercase().contains(&hex), "{hex}");
        assert!(text.contains("Acme (EU)"));
    }

    #[test]
    fn long_titles_wrap_and_stop() {
        let lines = wrap(&"word ".repeat(100), 52, 3);
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| l.chars().count() <= 53));
        assert!(lines[2].ends_with('…'));
        assert_eq!(win_ansi("a\u{1F600}b"), b"a?b");
    }
}
