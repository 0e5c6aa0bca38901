//! Product descriptions are Markdown written by owners. They are rendered to HTML and then
//! cleaned with ammonia's allow-list: no scripts, no event handlers, no `javascript:` links,
//! no styles; links open safely.

use pulldown_cmark::{html, Options, Parser};

pub fn to_safe_html(markdown: &str) -> String {
    let parser = Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES);
    let mut raw = String::new();
    html::push_html(&mut raw, parser);
    ammonia::Builder::default()
        .link_rel(Some("nofollow noopener noreferrer"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(&raw)
        .to_string()
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
