//! Who a person is to the shop: an account name (mainland mobile number or e-mail), a password
//! and a display name. Parse, don't validate: once a value has one of these types it is valid.

use crate::Error;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Account {
    Phone(String),
    Email(String),
}

impl Account {
    /// A mainland mobile number (11 digits starting with 1[3-9], optional +86 prefix, spaces and
    /// dashes ignored) or an e-mail address (stored lower-case).
    pub fn parse(input: &str) -> Result<Account, Error> {
        let s = input.trim();
        if s.is_empty() {
            return Err(Error::AccountMissing);
        }
        if s.contains('@') {
            return parse_email(s).map(Account::Email).ok_or(Error::BadEmail);
        }
        parse_phone(s).map(Account::Phone).ok_or(Error::BadPhone)
    }

    pub fn as_str(&self) -> &str {
        match self {
            Account::Phone(p) | Account::Email(p) => p,
        }
    }

    /// What other members may see: `138****0001`, `s***@example.com`.
    pub fn masked(&self) -> String {
        match self {
            Account::Phone(p) => format!("{}****{}", &p[..3], &p[7..]),
            Account::Email(e) => {
                let (local, domain) = e.split_once('@').unwrap_or((e, ""));
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
        }
    }
}

pub fn parse_phone(input: &str) -> Option<String> {
    let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = digits.strip_prefix("+86").or_else(|| digits.strip_prefix("0086")).unwrap_or(&digits).to_string();
    let b = digits.as_bytes();
    let ok = b.len() == 11 && b.iter().all(|c| c.is_ascii_digit()) && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]);
    ok.then_some(digits)
}

fn parse_email(input: &str) -> Option<String> {
    let e = input.trim().to_lowercase();
    if e.len() > 254 || e.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let (local, domain) = e.split_once('@')?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !domain.contains('@')
        && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    let local_ok = !local.is_empty() && local.len() <= 64 && !local.contains(['<', '>', '"', ',', ';']);
    (domain_ok && local_ok).then_some(e)
}

pub const PASSWORD_MIN_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Checks a new password; returns it unchanged (never trimmed: spaces are part of it).
pub fn check_new_password(pw: &str) -> Result<(), Error> {
    let n = pw.chars().count();
    if n < PASSWORD_MIN_CHARS {
        return Err(Error::PasswordTooShort);
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(Error::PasswordTooLong);
    }
    Ok(())
}

pub const NICKNAME_MAX_CHARS: usize = 20;

/// A display name; empty means "make one from the account".
pub fn parse_nickname(input: &str, account: &Account) -> Result<String, Error> {
    let n = input.trim();
    if n.chars().count() > NICKNAME_MAX_CHARS {
        return Err(Error::NicknameTooLong);
    }
    if n.chars().any(|c| c.is_control()) {
        return Err(Error::NicknameTooLong);
    }
    if n.is_empty() {
        return Ok(match account {
            Account::Phone(p) => format!("用户{}", &p[7..]),
            Account::Email(e) => e.split('@').next().unwrap_or("user").chars().take(NICKNAME_MAX_CHARS).collect(),
        });
    }
    Ok(n.to_string())
}

/// A path to return to after signing in. Only local paths: anything else could send the member
/// to another site (an open redirect).
pub fn safe_next(next: Option<&str>) -> Option<String> {
    let n = next?.trim();
    let local = n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.contains("://");
    (local && n.len() <= 512 && !n.chars().any(|c| c.is_control())).then(|| n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_mainland_mobile_numbers() {
        assert_eq!(Account::parse("13800138000"), Ok(Account::Phone("13800138000".into())));
        assert_eq!(Account::parse("+86 138-0013-8000"), Ok(Account::Phone("13800138000".into())));
        for bad in ["1380013800", "138001380001", "12800138000", "23800138000", "1380013800a"] {
            assert_eq!(Account::parse(bad), Err(Error::BadPhone), "{bad}");
        }
    }

    #[test]
    fn accepts_plain_email_addresses() {
        assert_eq!(Account::parse(" Mei@Example.com "), Ok(Account::Email("mei@example.com".into())));
        for bad in ["mei@", "@example.com", "mei@example", "mei@@example.com", "m ei@example.com", "mei@exa..com"] {
            assert_eq!(Account::parse(bad), Err(Error::BadEmail), "{bad}");
        }
        assert_eq!(Account::parse("   "), Err(Error::AccountMissing));
    }

    #[test]
    fn masks_accounts_for_display() {
        assert_eq!(Account::Phone("13800138000".into()).masked(), "138****8000");
        assert_eq!(Account::Email("mei@example.com".into()).masked(), "m***@example.com");
    }

    #[test]
    fn passwords_need_eight_characters() {
        assert_eq!(check_new_password("1234567"), Err(Error::PasswordTooShort));
        assert_eq!(check_new_password("密码密码密码密码"), Ok(()));
        assert_eq!(check_new_password(&"x".repeat(129)), Err(Error::PasswordTooLong));
    }

    #[test]
    fn nickname_defaults_from_account() {
        let a = Account::Phone("13800138000".into());
        assert_eq!(parse_nickname("  ", &a).unwrap(), "用户8000");
        assert_eq!(parse_nickname(" 阿梅 ", &a).unwrap(), "阿梅");
        assert_eq!(parse_nickname(&"长".repeat(21), &a), Err(Error::NicknameTooLong));
    }

    #[test]
    fn next_paths_stay_on_this_site() {
        assert_eq!(safe_next(Some("/p/12?x=1")), Some("/p/12?x=1".into()));
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "p/12", ""] {
            assert_eq!(safe_next(Some(bad)), None, "{bad}");
        }
    }
}
