//! Passwords, session tokens and their cookies.

use crate::error::AppError;
use crate::gate::WorkGate;
use crate::settings::Settings;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use base64::Engine;
use domain::model::Viewer;
use sha2::{Digest, Sha256};
use store::users;
use store::Db;

/// argon2id with the crate's default parameters (19 MiB, 2 passes), off the async threads.
pub async fn hash_password(gate: &WorkGate, password: String) -> Result<String, AppError> {
    gate.run(move || Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()))
        .await?
        .map_err(|_| AppError::Internal)
}

/// Whether `password` matches `hash`; `Busy` when too many checks are already waiting.
pub async fn verify_password(gate: &WorkGate, password: String, hash: String) -> Result<bool, AppError> {
    gate.run(move || {
        PasswordHash::new(&hash)
            .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
            .unwrap_or(false)
    })
    .await
}

/// The hash of a random password nobody knows, for sign-in attempts on accounts that do not
/// exist: verifying against it takes as long as a real check.
pub async fn dummy_hash(gate: &WorkGate) -> Result<String, AppError> {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_try_init(|| async {
            let (random, _) = new_token();
            hash_password(gate, random).await
        })
        .await
        .cloned()
}

/// The cookie that marks a browser where a member signed in before. Wrong passwords tried from
/// such a browser are counted on their own, so a stranger guessing at the account (who has no
/// such mark: it is signed for that account) cannot make the member wait on their own phone.
pub const DEVICE_COOKIE: &str = "qunli_device";

fn device_signature(secret: &[u8], account: &str, id: &str) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"qunli device|");
    mac.update(account.as_bytes());
    mac.update(b"|");
    mac.update(id.as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// The mark for a browser that just signed in to `account`: `<id>.<signature>`.
pub fn device_mark(s: &Settings, account: &str) -> String {
    let id = &new_token().0[..16];
    format!("{id}.{}", device_signature(&s.secret, account, id))
}

/// The browser's id if its mark is a valid one for `account`.
pub fn known_device(s: &Settings, account: &str, mark: Option<&str>) -> Option<String> {
    let (id, sig) = mark?.split_once('.')?;
    let valid = id.len() == 16 && device_signature(&s.secret, account, id) == sig;
    valid.then(|| id.to_string())
}

pub fn device_cookie(s: &Settings, mark: &str) -> String {
    let secure = if s.secure_cookies() { "; Secure" } else { "" };
    format!("{DEVICE_COOKIE}={mark}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000{secure}")
}

/// A new random session token and the hash that is stored for it.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::Rng::fill(&mut rand::rng(), &mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn session_cookie_name(s: &Settings) -> &'static str {
    if s.secure_cookies() {
        "__Host-qunli_session"
    } else {
        "qunli_session"
    }
}

pub fn session_cookie(s: &Settings, token: &str) -> String {
    let secure = if s.secure_cookies() { "; Secure" } else { "" };
    format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        session_cookie_name(s),
        domain::time::SESSION_LIFETIME.as_secs()
    )
}

pub fn clear_session_cookie(s: &Settings) -> String {
    let secure = if s.secure_cookies() { "; Secure" } else { "" };
    format!("{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}", session_cookie_name(s))
}

/// The member a session token belongs to, if the session is live at `now`.
pub async fn viewer(db: &Db, token_hash: &str, now: i64) -> Option<Viewer> {
    match users::by_session(db, token_hash, now).await {
        Ok(Some(u)) => Some(Viewer { id: u.id, account_masked: u.account().masked(), nickname: u.nickname }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_hash_with_argon2id_and_verify() {
        let gate = WorkGate::for_passwords();
        let h = hash_password(&gate, "correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&gate, "correct horse".into(), h.clone()).await.unwrap());
        assert!(!verify_password(&gate, "wrong horse".into(), h).await.unwrap());
        assert!(!verify_password(&gate, "x".into(), "not a hash".into()).await.unwrap());
    }

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (t1, h1) = new_token();
        let (t2, _) = new_token();
        assert_ne!(t1, t2);
        assert_eq!(h1, token_hash(&t1));
        assert_eq!(h1.len(), 64);
        assert!(!h1.contains(&t1));
    }

    #[test]
    fn cookies_are_hardened_on_https() {
        let mut s = Settings {
            base_url: "http://127.0.0.1:3000".into(),
            secret: vec![],
            pay_window_ms: 0,
            seat_hold_ms: 0,
            auto_complete_ms: 0,
            data_dir: ".".into(),
            client_ip_header: None,
            trusted_proxy_hops: 1,
            sandbox: true,
            demo: true,
            test_hooks: false,
        };
        let c = session_cookie(&s, "tok");
        assert!(c.starts_with("qunli_session=tok;") && c.contains("HttpOnly") && c.contains("SameSite=Lax"));
        assert!(!c.contains("Secure"));
        s.base_url = "https://qunli.example".into();
        let c = session_cookie(&s, "tok");
        assert!(c.starts_with("__Host-qunli_session=tok;") && c.contains("; Secure") && c.contains("Path=/"));
    }
}
