//! What a store function can fail with: a rule of the domain (refused, nothing changed) or the
//! database itself. Callers turn `Db` and `Broken` into an internal error after logging them;
//! only `Rule` ever reaches a member.

use domain::Error as Rule;

#[derive(Debug)]
pub enum Error {
    /// A rule said no; the transaction was rolled back.
    Rule(Rule),
    /// The database failed (connection, constraint we did not expect, decoding).
    Db(sqlx::Error),
    /// Rows this store wrote do not hold one of its invariants. Logged where it is found.
    Broken(&'static str),
}

impl From<Rule> for Error {
    fn from(e: Rule) -> Self {
        Error::Rule(e)
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Db(e)
    }
}

/// Rule errors compare by value (tests assert on them); database failures never compare equal.
impl PartialEq for Error {
    fn eq(&self, other: &Self) -> bool {
        matches!((self, other), (Error::Rule(a), Error::Rule(b)) if a == b)
    }
}

impl PartialEq<Rule> for Error {
    fn eq(&self, other: &Rule) -> bool {
        matches!(self, Error::Rule(a) if a == other)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Rule(r) => write!(f, "refused: {r}"),
            Error::Db(e) => write!(f, "database: {e}"),
            Error::Broken(what) => write!(f, "broken invariant: {what}"),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// For invariants found broken: logs once, where it is found, and fails the request.
    pub fn broken(what: &'static str) -> Error {
        tracing::error!(what, "store invariant broken");
        Error::Broken(what)
    }
}

/// A conditional update (`UPDATE … WHERE id = $1 AND status = $2`) that must change exactly one
/// row: anything else means another request got there first, and `conflict` says what to
/// tell the member. The update never half-applies: the caller's transaction rolls back.
pub fn expect_one(done: sqlx::any::AnyQueryResult, conflict: Rule) -> Result<(), Error> {
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(Error::Rule(conflict))
    }
}
