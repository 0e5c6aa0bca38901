//! The one access check for community-scoped actions: the caller's role in a community, and a
//! [`Granted`] proof that store functions changing an owner's data take. A `Granted` can only be
//! made here, after the check, so a server function cannot reach those functions without it.

use crate::{Db, Error};
use domain::access::Role;
use domain::Error as Rule;

/// Proof that `user` holds at least a given role in `community`, checked against the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Granted {
    community: i64,
    user: i64,
    role: Role,
}

impl Granted {
    pub fn community(&self) -> i64 {
        self.community
    }

    pub fn user(&self) -> i64 {
        self.user
    }

    pub fn role(&self) -> Role {
        self.role
    }
}

/// The viewer's role in a community; `NotFound` when there is no such community.
pub async fn role(db: &Db, community: i64, user: Option<i64>) -> Result<Role, Error> {
    let row: Option<(i64, Option<String>)> = sqlx::query_as(
        "SELECT c.owner_id, m.role FROM communities c \
         LEFT JOIN memberships m ON m.community_id = c.id AND m.user_id = $2 WHERE c.id = $1",
    )
    .bind(community)
    .bind(user.unwrap_or(0))
    .fetch_optional(&db.pool)
    .await?;
    let (owner, membership) = row.ok_or(Rule::NotFound)?;
    Ok(match (user, membership.as_deref()) {
        (Some(u), _) if u == owner => Role::Owner,
        (Some(_), Some("staff")) => Role::Staff,
        (Some(_), Some(_)) => Role::Member,
        _ => Role::Visitor,
    })
}

/// `user` acting in `community` with at least `needed`: the proof, or `NotFound` (no such
/// community) / `Forbidden`.
pub async fn require(db: &Db, community: i64, user: i64, needed: Role) -> Result<Granted, Error> {
    let role = role(db, community, Some(user)).await?;
    role.require(needed, true)?;
    Ok(Granted { community, user, role })
}

/// A proof without a database check, for fixtures in tests only.
#[cfg(feature = "test-support")]
pub fn granted_for_tests(community: i64, user: i64) -> Granted {
    Granted { community, user, role: Role::Owner }
}
