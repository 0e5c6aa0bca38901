//! How server functions answer plain HTML form posts (which is how every form in Qunli is sent,
//! with or without JavaScript): success redirects to the next page; an error redirects back to
//! the form with the message and what was typed, carried in a short-lived cookie (a "flash").
//! Callers that send JSON get the result or the error as the value instead.

use crate::error::AppError;
use crate::flash::{Flash, Notice};
use http::header::{ACCEPT, REFERER, SET_COOKIE};
use http::request::Parts;
use http::{HeaderValue, StatusCode};
use leptos::prelude::{expect_context, use_context};
use leptos_axum::ResponseOptions;

fn parts() -> Option<Parts> {
    use_context::<Parts>()
}

/// True for a browser's own form submission (it asks for HTML), false for a JSON caller.
pub fn is_form_post() -> bool {
    parts()
        .and_then(|p| p.headers.get(ACCEPT).and_then(|v| v.to_str().ok()).map(|v| v.contains("text/html")))
        .unwrap_or(false)
}

/// The page the form was on (a local path and query only, so it can never point at another
/// site: `http://here//evil.example/` gives `/`).
fn back() -> String {
    parts()
        .and_then(|p| p.headers.get(REFERER).and_then(|v| v.to_str().ok()).and_then(local_path_of))
        .unwrap_or_else(|| "/".into())
}

/// The local path and query of a page's address (`Referer`), if it is a safe place to return to.
pub fn local_path_of(url: &str) -> Option<String> {
    let after_scheme = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
    let path = after_scheme.find('/').map(|i| &after_scheme[i..])?;
    domain::account::safe_next(Some(path))
}

pub fn set_cookie(value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        expect_context::<ResponseOptions>().append_header(SET_COOKIE, v);
    }
}

fn set_flash(f: &Flash) {
    set_cookie(&crate::flash::flash_cookie(f));
}

/// Where a successful form goes next.
pub struct Next {
    pub to: String,
    pub notice: Option<Notice>,
}

impl Next {
    pub fn to(to: impl Into<String>) -> Next {
        Next { to: to.into(), notice: None }
    }

    pub fn with(to: impl Into<String>, notice: Notice) -> Next {
        Next { to: to.into(), notice: Some(notice) }
    }
}

/// Finishes a form action: redirects on success, or goes back with the error and `echo` (the
/// fields to show again, never a password) on failure. JSON callers get `result` unchanged.
pub fn finish<T>(
    result: Result<T, AppError>,
    next: impl FnOnce(&T) -> Next,
    echo: &[(&str, &str)],
) -> Result<T, AppError> {
    finish_values(result, next, echo.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
}

/// `finish` for a form read into an input struct: every field of `input` is shown again on an
/// error (a ticked checkbox as `on`), plus `extra`.
pub fn finish_input<T, I: serde::Serialize>(
    result: Result<T, AppError>,
    next: impl FnOnce(&T) -> Next,
    input: &I,
    extra: &[(&str, &str)],
) -> Result<T, AppError> {
    let mut values: Vec<(String, String)> = match serde_json::to_value(input) {
        Ok(serde_json::Value::Object(fields)) => fields
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Bool(b) => if b { "on" } else { "" }.to_string(),
                    other => other.to_string(),
                };
                (k, v)
            })
            .collect(),
        _ => vec![],
    };
    values.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    finish_values(result, next, values)
}

fn finish_values<T>(
    result: Result<T, AppError>,
    next: impl FnOnce(&T) -> Next,
    echo: Vec<(String, String)>,
) -> Result<T, AppError> {
    if !is_form_post() {
        return reply(result);
    }
    match &result {
        Ok(v) => {
            let n = next(v);
            if let Some(notice) = n.notice {
                set_flash(&Flash { notice: Some(notice), ..Default::default() });
            }
            leptos_axum::redirect(&n.to);
        }
        Err(AppError::Rule(domain::Error::SignInRequired)) => redirect_to_sign_in(&back()),
        Err(e) => {
            set_flash(&Flash { error: Some(e.clone()), notice: None, values: echo });
            leptos_axum::redirect(&back());
        }
    }
    result
}

/// For callers other than a browser form, the HTTP status tells what kind of error it is (403
/// for someone else's community, 404, 401, …). Pages set their own status when they render.
/// Like `finish`, for a failure that is best explained on another page: the member lands on
/// `to` with the message (a full team sends them back to the team, which offers the others).
pub fn finish_at<T>(result: Result<T, AppError>, to: String) -> Result<T, AppError> {
    if !is_form_post() {
        return reply(result);
    }
    match &result {
        Err(AppError::Rule(domain::Error::SignInRequired)) => redirect_to_sign_in(&back()),
        Err(e) => set_flash(&Flash { error: Some(e.clone()), notice: None, values: vec![] }),
        Ok(_) => {}
    }
    if !matches!(result, Err(AppError::Rule(domain::Error::SignInRequired))) {
        leptos_axum::redirect(&to);
    }
    result
}

pub fn reply<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(e) = &result {
        if !is_form_post() {
            if let Some(res) = use_context::<ResponseOptions>() {
                res.set_status(StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
                if let Some(s) = e.retry_after() {
                    res.insert_header(http::header::RETRY_AFTER, HeaderValue::from(s));
                }
            }
        }
    }
    result
}

/// For pages: sends the browser to sign in and come back to `here`.
pub fn redirect_to_sign_in(here: &str) {
    let next: String = url_escape(here);
    leptos_axum::redirect(&format!("/signin?next={next}"));
}

fn url_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_next_paths() {
        assert_eq!(url_escape("/p/1?x=1&y=2"), "/p/1%3Fx%3D1%26y%3D2");
    }
}
