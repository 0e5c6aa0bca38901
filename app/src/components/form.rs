//! Form fields that show their error next to them and keep what was typed.

use super::{flash, lang, t};
use crate::flash::Notice;
use leptos::prelude::*;

/// The outcome of the last form on this page: a notice, or an error that belongs to no field.
#[component]
pub fn NoticeBanner() -> impl IntoView {
    let f = flash();
    let t = t();
    let notice = f.notice.map(|n| {
        let text = match n {
            Notice::Saved => t.saved,
            Notice::Created => t.created,
            Notice::AddedToCart => t.added_to_cart,
            Notice::RefundRequested => t.refund_requested_notice,
            Notice::WithdrawalRequested => t.withdrawal_requested_notice,
            Notice::PasswordChanged => t.password_changed_notice,
        };
        view! { <p class="banner banner-ok" role="status">{text}</p> }
    });
    let error = f.form_error().map(|e| view! { <p class="banner banner-error" role="alert">{lang().error(&e)}</p> });
    view! { {notice} {error} }
}

/// A labelled input. Its value is what the member typed last time if the form came back with an
/// error, otherwise `value`.
#[component]
pub fn Field(
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(optional)] placeholder: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional)] inputmode: &'static str,
    #[prop(optional)] hint: &'static str,
    #[prop(optional)] required: bool,
    #[prop(optional)] maxlength: Option<u32>,
) -> impl IntoView {
    let f = flash();
    // A password is never sent back.
    let value = if kind == "password" { String::new() } else { f.value(name).unwrap_or(value) };
    let error = f.error_for(name).map(|e| lang().error(&e));
    let has_error = error.is_some();
    let id = format!("f-{name}");
    let err_id = format!("f-{name}-error");
    let hint_id = format!("f-{name}-hint");
    let mut described = vec![];
    if error.is_some() {
        described.push(err_id.clone());
    }
    if !hint.is_empty() {
        described.push(hint_id.clone());
    }
    let described = (!described.is_empty()).then(|| described.join(" "));
    let invalid = error.is_some().then_some("true");
    let opt = |s: &'static str| (!s.is_empty()).then_some(s);
    let input = if kind == "textarea" {
        view! {
            <textarea id=id.clone() name=name placeholder=opt(placeholder) required=required aria-invalid=invalid
                aria-describedby=described.clone() maxlength=maxlength rows="5">{value}</textarea>
        }
        .into_any()
    } else {
        view! {
            <input id=id.clone() name=name type=kind value=value placeholder=opt(placeholder) autocomplete=opt(autocomplete)
                inputmode=opt(inputmode) required=required aria-invalid=invalid aria-describedby=described.clone() maxlength=maxlength/>
        }
        .into_any()
    };
    view! {
        <div class="field" class:has-error=has_error>
            <label for=id>{label}</label>
            {input}
            {(!hint.is_empty()).then(|| view! { <p class="field-hint" id=hint_id>{hint}</p> })}
            {error.map(|e| view! { <p class="field-error" id=err_id>{e}</p> })}
        </div>
    }
}

/// A choice among pictures (cover, product image) as radio buttons, usable without JavaScript.
#[component]
pub fn PictureChoice(
    name: &'static str,
    label: &'static str,
    options: &'static [&'static str],
    url: fn(&str) -> String,
    #[prop(into)] value: String,
    /// Uploaded photos offered before the built-in pictures.
    #[prop(optional)]
    uploads: Vec<String>,
) -> impl IntoView {
    let f = flash();
    let value = f.value(name).unwrap_or(value);
    let error = f.error_for(name).map(|e| lang().error(&e));
    let has_error = error.is_some();
    view! {
        <fieldset class="field picture-choice" class:has-error=has_error>
            <legend>{label}</legend>
            <div class="picture-grid">
                {uploads.into_iter().map(|key| {
                    let checked = key == value;
                    view! {
                        <label class="picture-option">
                            <input type="radio" name=name value=key.clone() checked=checked/>
                            <img src=domain::catalogue::product_thumb_url(&key) alt=t().photo_alt width="64" height="64" loading="lazy"/>
                        </label>
                    }
                }).collect_view()}
                {options.iter().map(|opt| {
                    let checked = *opt == value;
                    view! {
                        <label class="picture-option">
                            <input type="radio" name=name value=*opt checked=checked/>
                            <img src=url(opt) alt=lang().picture(opt) width="64" height="64" loading="lazy"/>
                        </label>
                    }
                }).collect_view()}
            </div>
            {error.map(|e| view! { <p class="field-error">{e}</p> })}
        </fieldset>
    }
}

/// A select among options: `(value, label)`.
#[component]
pub fn SelectField<V: AsRef<str> + 'static, L: IntoView + 'static>(
    name: &'static str,
    label: &'static str,
    options: Vec<(V, L)>,
    #[prop(into)] value: String,
) -> impl IntoView {
    let f = flash();
    let value = f.value(name).unwrap_or(value);
    let error = f.error_for(name).map(|e| lang().error(&e));
    let has_error = error.is_some();
    let id = format!("f-{name}");
    view! {
        <div class="field" class:has-error=has_error>
            <label for=id.clone()>{label}</label>
            <select id=id name=name>
                {options.into_iter().map(|(v, l)| {
                    let v = v.as_ref().to_string();
                    let selected = v == value;
                    view! { <option value=v selected=selected>{l}</option> }
                }).collect_view()}
            </select>
            {error.map(|e| view! { <p class="field-error">{e}</p> })}
        </div>
    }
}
