//! Signing up, in and out, and the interface language.

use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
async fn start_session(user_id: i64) -> Result<(), AppError> {
    use crate::{auth, ctx};
    use store::users;
    let st = ctx::state();
    // A new token at every sign-in: a session fixed before sign-in is never promoted.
    if let Some(old) = ctx::request().session_hash {
        users::delete_session(&st.db, &old).await?;
    }
    let (token, hash) = auth::new_token();
    let now = st.clock.now_ms();
    users::create_session(&st.db, &hash, user_id, now, now + domain::time::ms(domain::time::SESSION_LIFETIME)).await?;
    super::form::set_cookie(&auth::session_cookie(&st.settings, &token));
    // The member is signed in either way; a cart that could not be merged stays with the visitor cookie.
    if let Err(e) = super::cart::merge_visitor_cart(user_id).await {
        tracing::warn!(error = %e, "visitor cart not merged");
    }
    Ok(())
}

#[cfg(feature = "ssr")]
fn after_sign_in(next: Option<String>) -> super::form::Next {
    super::form::Next::to(domain::account::safe_next(next.as_deref()).unwrap_or_else(|| "/me".into()))
}

/// Checks an account's password, counted against the account's growing delays before argon2
/// runs. Ok(Some(id)) when it matches; Ok(None) when it does not (or there is no such account:
/// the check takes as long either way, so the answer does not reveal which accounts exist).
#[cfg(feature = "ssr")]
async fn check_password(acct: &domain::account::Account, password: &str, now: i64) -> Result<Option<i64>, AppError> {
    use crate::{auth, ctx};
    use store::{limits, users};
    let st = ctx::state();
    // A browser this member signed in from before has its own count (see `auth::DEVICE_COOKIE`).
    let device = ctx::request().device;
    let known = auth::known_device(&st.settings, acct.as_str(), device.as_deref());
    let scope = match &known {
        Some(id) => format!("acct:{}:device:{id}", acct.as_str()),
        None => format!("acct:{}", acct.as_str()),
    };
    limits::begin_sign_in(&st.db, &scope, now).await?;
    // Passwords are at most 128 characters; a longer one cannot match, and is not hashed.
    if password.chars().count() > domain::account::MAX_PASSWORD_CHARS {
        return Ok(None);
    }
    let (user_id, hash) = match users::credentials(&st.db, acct).await? {
        Some(c) => c,
        None => (0, auth::dummy_hash(&st.hashing).await?),
    };
    if !auth::verify_password(&st.hashing, password.to_string(), hash).await? || user_id == 0 {
        return Ok(None);
    }
    limits::clear_sign_in(&st.db, &scope).await?;
    if known.is_none() {
        super::form::set_cookie(&auth::device_cookie(&st.settings, &auth::device_mark(&st.settings, acct.as_str())));
    }
    Ok(Some(user_id))
}

/// Creates an account with a phone number or e-mail and a password, and signs in. Sign-ups
/// are limited per client address. For an account that exists already, the right password
/// signs in (someone who forgot they had signed up gets in); any other is told to sign in,
/// and counts as a sign-in attempt on that account.
#[server(prefix = "/api", endpoint = "sign_up")]
pub async fn sign_up(
    account: String,
    password: String,
    nickname: Option<String>,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::{auth, ctx};
    use domain::account::{check_new_password, parse_nickname, Account};
    use domain::limits::Action;
    use store::{limits, users};
    let nickname = nickname.unwrap_or_default();
    let result = async {
        let acct = Account::parse(&account)?;
        check_new_password(&password)?;
        let name = parse_nickname(&nickname, &acct)?;
        let st = ctx::state();
        let now = st.clock.now_ms();
        limits::take(&st.db, Action::SignUpFromAddress, ctx::request().client_ip, now).await?;
        if users::exists(&st.db, &acct).await? {
            return match check_password(&acct, &password, now).await? {
                Some(id) => start_session(id).await,
                None => Err(domain::Error::AccountExists.into()),
            };
        }
        let hash = auth::hash_password(&st.hashing, password.clone()).await?;
        let id = users::create(&st.db, &acct, &hash, &name, now).await?;
        start_session(id).await
    }
    .await;
    let next_c = next.clone().unwrap_or_default();
    super::form::finish(
        result,
        |_| after_sign_in(next),
        &[("account", &account), ("nickname", &nickname), ("next", &next_c)],
    )
}

/// Signs in. Each attempt is counted before the password is checked: per client address (a
/// token bucket) and per account (delays that grow with each wrong password), in the database
/// so the limits hold across server instances and parallel requests.
#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(account: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::ctx;
    use domain::account::Account;
    use domain::limits::Action;
    use store::limits;
    let result = async {
        let acct = Account::parse(&account)?;
        let st = ctx::state();
        let now = st.clock.now_ms();
        limits::take(&st.db, Action::SignInFromAddress, ctx::request().client_ip, now).await?;
        match check_password(&acct, &password, now).await? {
            Some(id) => start_session(id).await,
            None => Err(domain::Error::WrongPassword.into()),
        }
    }
    .await;
    let next_c = next.clone().unwrap_or_default();
    super::form::finish(result, |_| after_sign_in(next), &[("account", &account), ("next", &next_c)])
}

/// Changes the member's password after checking the current one (counted like a sign-in, so
/// the form cannot be used to guess it); every other session of theirs ends.
#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(current_password: String, password: String) -> Result<(), AppError> {
    use crate::flash::Notice;
    use crate::{auth, ctx};
    use store::users;
    let result = async {
        let v = ctx::viewer()?;
        domain::account::check_new_password(&password)?;
        let st = ctx::state();
        let now = st.clock.now_ms();
        let user = users::by_id(&st.db, v.id).await?.ok_or(domain::Error::SignInRequired)?;
        if check_password(&user.account(), &current_password, now).await? != Some(v.id) {
            return Err(domain::Error::WrongCurrentPassword.into());
        }
        let hash = auth::hash_password(&st.hashing, password.clone()).await?;
        let here = ctx::request().session_hash;
        Ok(users::set_password(&st.db, v.id, &hash, here.as_deref()).await?)
    }
    .await;
    super::form::finish(result, |_| super::form::Next::with("/me/security", Notice::PasswordChanged), &[])
}

/// Ends every session of the member, this one included.
#[server(prefix = "/api", endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    use crate::{auth, ctx};
    let result = async {
        let v = ctx::viewer()?;
        let st = ctx::state();
        store::users::delete_sessions(&st.db, v.id).await?;
        super::form::set_cookie(&auth::clear_session_cookie(&st.settings));
        Ok(())
    }
    .await;
    super::form::finish(result, |_| super::form::Next::to("/signin"), &[])
}

#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::{auth, ctx};
    use store::users;
    let st = ctx::state();
    if let Some(hash) = ctx::request().session_hash {
        users::delete_session(&st.db, &hash).await?;
    }
    super::form::set_cookie(&auth::clear_session_cookie(&st.settings));
    super::form::finish(Ok(()), |_| super::form::Next::to("/"), &[])
}

/// Switches the interface language; kept in a cookie for a year.
#[server(prefix = "/api", endpoint = "set_language")]
pub async fn set_language(lang: String) -> Result<(), AppError> {
    use crate::i18n::Lang;
    let result = Lang::from_code(&lang).ok_or(domain::Error::BadRequest);
    if let Ok(l) = result {
        super::form::set_cookie(&format!(
            "{}={}; Path=/; SameSite=Lax; Max-Age=31536000",
            crate::ctx::LANG_COOKIE,
            l.code()
        ));
    }
    super::form::finish(result.map(|_| ()).map_err(AppError::from), |_| super::form::Next::to("/me"), &[])
}
