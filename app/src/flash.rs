//! What a form post leaves for the page it returns to: an error with what was typed, or a
//! notice. It travels in a short-lived cookie, so forms work without JavaScript.

use crate::error::AppError;
use serde::{Deserialize, Serialize};

pub const FLASH_COOKIE: &str = "qunli_flash";

/// Something to say after a form succeeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Notice {
    Saved,
    Created,
    AddedToCart,
    RefundRequested,
    WithdrawalRequested,
    PasswordChanged,
}

/// What a form post leaves for the page it returns to: the error and what was typed (never a
/// password), or a notice. Carried in a short-lived cookie so it works without JavaScript.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub error: Option<AppError>,
    pub notice: Option<Notice>,
    pub values: Vec<(String, String)>,
}

impl Flash {
    pub fn value(&self, field: &str) -> Option<String> {
        self.values.iter().find(|(k, _)| k == field).map(|(_, v)| v.clone())
    }

    /// The error message key for `field`, if the error belongs to it.
    pub fn error_for(&self, field: &str) -> Option<AppError> {
        self.error.clone().filter(|e| e.field() == Some(field))
    }

    /// An error that belongs to no particular field.
    pub fn form_error(&self) -> Option<AppError> {
        self.error.clone().filter(|e| e.field().is_none())
    }
}

#[cfg(feature = "ssr")]
mod codec {
    use super::Flash;
    use base64::Engine;

    const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

    /// A cookie holds about 4 KB; long values are cut so the error itself always gets through.
    const MAX_FLASH_BYTES: usize = 3000;

    pub fn encode_flash(f: &Flash) -> String {
        let mut f = f.clone();
        loop {
            let s = B64.encode(serde_json::to_vec(&f).unwrap_or_default());
            if s.len() <= MAX_FLASH_BYTES || f.values.is_empty() {
                return s;
            }
            // Drop the longest value until it fits.
            let longest = f.values.iter().enumerate().max_by_key(|(_, (_, v))| v.len()).map(|(i, _)| i).unwrap_or(0);
            f.values.remove(longest);
        }
    }

    /// The Set-Cookie value that carries `f` to the next page (for two minutes, shown once).
    pub fn flash_cookie(f: &Flash) -> String {
        format!("{}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age=120", super::FLASH_COOKIE, encode_flash(f))
    }

    pub fn decode_flash(s: &str) -> Option<Flash> {
        serde_json::from_slice(&B64.decode(s).ok()?).ok()
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::error::AppError;

        #[test]
        fn flash_round_trips_and_fits_a_cookie() {
            let f = Flash {
                error: Some(AppError::Rule(domain::Error::BadPhone)),
                notice: None,
                values: vec![("account".into(), "1380013800".into()), ("description".into(), "长".repeat(5000))],
            };
            let enc = encode_flash(&f);
            assert!(enc.len() <= MAX_FLASH_BYTES);
            let back = decode_flash(&enc).unwrap();
            assert_eq!(back.error, Some(AppError::Rule(domain::Error::BadPhone)));
            assert_eq!(back.value("account").as_deref(), Some("1380013800"));
            assert_eq!(back.value("description"), None);
            assert_eq!(decode_flash("not base64!"), None);
        }
    }
}

#[cfg(feature = "ssr")]
pub use codec::{decode_flash, encode_flash, flash_cookie};
