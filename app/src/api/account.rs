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

/// Creates an account with a phone number or e-mail and a password, and signs in.
#[server(prefix = "/api", endpoint = "sign_up")]
pub async fn sign_up(
    account: String,
    password: String,
    nickname: Option<String>,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::{auth, ctx};
    use domain::account::{check_new_password, parse_nickname, Account};
    use store::users;
    let nickname = nickname.unwrap_or_default();
    let result = async {
        let acct = Account::parse(&account)?;
        check_new_password(&password)?;
        let name = parse_nickname(&nickname, &acct)?;
        let st = ctx::state();
        if users::exists(&st.db, &acct).await? {
            return Err(domain::Error::AccountExists.into());
        }
        let hash = auth::hash_password(password.clone()).await?;
        let id = users::create(&st.db, &acct, &hash, &name, st.clock.now_ms()).await?;
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

/// Signs in. Failures are counted in the database per account and per client address, so the
/// limit holds across server instances.
#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(account: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::{auth, ctx};
    use domain::account::{check_sign_in_limit, Account, SIGN_IN_LIMITS, SIGN_IN_WINDOW_MS};
    use store::users;
    let result = async {
        let acct = Account::parse(&account)?;
        let st = ctx::state();
        let now = st.clock.now_ms();
        let acct_scope = format!("acct:{}", acct.as_str());
        let ip_scope = format!("ip:{}", ctx::request().client_ip);
        for (scope, limit) in [(&acct_scope, SIGN_IN_LIMITS.per_account), (&ip_scope, SIGN_IN_LIMITS.per_address)] {
            let (n, first) = users::failures_since(&st.db, scope, now - SIGN_IN_WINDOW_MS).await?;
            check_sign_in_limit(n, first, now, limit)?;
        }
        let creds = users::credentials(&st.db, &acct).await?;
        // Verify against a fixed hash when the account does not exist, so the answer takes as long
        // either way and does not reveal which accounts exist.
        let (user_id, hash) = match creds {
            Some(c) => c,
            None => (0, auth::dummy_hash().await),
        };
        let ok = auth::verify_password(password.clone(), hash).await && user_id != 0;
        if !ok {
            users::record_failure(&st.db, &acct_scope, now).await?;
            users::record_failure(&st.db, &ip_scope, now).await?;
            return Err(domain::Error::WrongPassword.into());
        }
        users::clear_failures(&st.db, &acct_scope).await?;
        start_session(user_id).await
    }
    .await;
    let next_c = next.clone().unwrap_or_default();
    super::form::finish(result, |_| after_sign_in(next), &[("account", &account), ("next", &next_c)])
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
