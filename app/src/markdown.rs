//! Product descriptions are Markdown written by owners. They are rendered to HTML and then
//! cleaned with ammonia's allow-list: no scripts, no event handlers, no `javascript:` links,
//! no styles; links open safely.

use pulldown_cmark::{html, Options, Parser};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

fn cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.link_rel(Some("nofollow noopener noreferrer")).url_schemes(["http", "https", "mailto"].into_iter().collect());
        // Pictures only from this site's own photos: an image elsewhere would tell another site
        // who reads the page, and one here (`/p/1?ref=…`) would make every reader's browser
        // request a page on their behalf.
        b.attribute_filter(|element, attribute, value| match (element, attribute) {
            ("img", "src") if !is_own_photo(value) => None,
            _ => Some(value.into()),
        });
        b
    })
}

/// A photo uploaded here: `/media/<hash>-<size>.jpg`, nothing else.
fn is_own_photo(src: &str) -> bool {
    src.strip_prefix("/media/")
        .and_then(|f| f.strip_suffix(".jpg"))
        .is_some_and(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'))
}

/// Rendered descriptions by their Markdown: the same text always gives the same HTML, so a
/// product page is not parsed and sanitized again on every view. Bounded; emptied when full.
fn cache() -> &'static Mutex<HashMap<String, String>> {
    static CACHE: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

const CACHE_ENTRIES: usize = 2000;

pub fn to_safe_html(markdown: &str) -> String {
    if let Some(html) = cache().lock().ok().and_then(|c| c.get(markdown).cloned()) {
        return html;
    }
    let parser = Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES);
    let mut raw = String::new();
    html::push_html(&mut raw, parser);
    let clean = cleaner().clean(&raw).to_string();
    if let Ok(mut c) = cache().lock() {
        if c.len() >= CACHE_ENTRIES {
            c.clear();
        }
        c.insert(markdown.to_string(), clean.clone());
    }
    clean
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_usual_markdown() {
        let h = to_safe_html("**冰鲜**直发\n\n- 刺身\n- 香煎\n\n[牧场](https://example.com)");
        assert!(h.contains("<strong>冰鲜</strong>"));
        assert!(h.contains("<li>刺身</li>"));
        assert!(h.contains(r#"<a href="https://example.com" rel="nofollow noopener noreferrer">牧场</a>"#), "{h}");
    }

    #[test]
    fn pictures_come_only_from_this_sites_photos() {
        let own = "/media/0a1b2c-800.jpg";
        let h = to_safe_html(&format!(
            "![鱼]({own})\n\n![跟踪](https://tracker.example/p.gif)\n\n![推荐](/p/1?ref=AMY23456)\n\n<img src=\"//evil.example/x.jpg\">"
        ));
        assert!(h.contains(&format!("src=\"{own}\"")), "{h}");
        for gone in ["tracker.example", "ref=AMY23456", "evil.example"] {
            assert!(!h.contains(gone), "{gone}: {h}");
        }
    }

    #[test]
    fn strips_anything_that_could_run() {
        let h = to_safe_html(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[点我](javascript:alert(1))\n\n<a href=\"JaVaScRiPt:alert(1)\">x</a>\n\n<iframe src=\"https://evil.example\"></iframe>\n\n<p style=\"position:fixed\">盖住</p>",
        );
        let lower = h.to_lowercase();
        for bad in ["<script", "onerror", "href=\"javascript", "<iframe", "style="] {
            assert!(!lower.contains(bad), "{bad} survived: {h}");
        }
        assert!(h.contains("点我"), "the text stays: {h}");
    }
}
