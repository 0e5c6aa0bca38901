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

/// Rows that belong to one community, named by id in a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Owned {
    Product,
    Order,
    Refund,
    Activity,
}

impl Granted {
    pub fn community(&self) -> i64 {
        self.community
    }

    /// `NotFound` unless row `id` exists, `Forbidden` unless it is in this community: an id
    /// copied from another owner's console changes nothing here.
    pub(crate) async fn check<'c, E>(&self, exec: E, what: Owned, id: i64) -> Result<(), Error>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        let sql = match what {
            Owned::Product => "SELECT community_id FROM products WHERE id = $1",
            Owned::Order => "SELECT community_id FROM orders WHERE id = $1",
            Owned::Refund => "SELECT o.community_id FROM refunds r JOIN orders o ON o.id = r.order_id WHERE r.id = $1",
            Owned::Activity => "SELECT community_id FROM group_activities WHERE id = $1",
        };
        match sqlx::query_scalar::<_, i64>(sql).bind(id).fetch_optional(exec).await? {
            Some(c) if c == self.community => Ok(()),
            Some(_) => Err(Rule::Forbidden.into()),
            None => Err(Rule::NotFound.into()),
        }
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
    let row: Option<(i64, Option<String>)> = sql!(
        query_as,
        "SELECT c.owner_id, m.role FROM communities c \
         LEFT JOIN memberships m ON m.community_id = c.id AND m.user_id = $2 WHERE c.id = $1",
        community,
        user.unwrap_or(0)
    )
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

#[cfg(test)]
mod tests {
    use crate::testing::{each_db, shop};
    use domain::catalogue::{ProductDraft, ProductInput};
    use domain::Error as Rule;

    #[tokio::test]
    async fn a_grant_for_one_community_changes_nothing_in_another() {
        each_db(|db| async move {
            let mine = shop(&db, "35", 10).await;
            let theirs = shop(&db, "35", 10).await;
            let input = ProductInput {
                title: "改名".into(),
                image: "salmon".into(),
                unit: "斤".into(),
                price: "1".into(),
                original_price: "90".into(),
                stock: "1".into(),
                per_order_limit: "5".into(),
                status: "on_sale".into(),
                ..Default::default()
            };
            let draft = ProductDraft::parse(&input).unwrap();
            let r = crate::products::update(&db, &mine.grant, theirs.product, &draft, 2).await;
            assert_eq!(r, Err(Rule::Forbidden.into()));
            let r = crate::products::move_product(&db, &mine.grant, theirs.product, true).await;
            assert_eq!(r, Err(Rule::Forbidden.into()));
            assert_eq!(crate::products::update(&db, &mine.grant, 42, &draft, 2).await, Err(Rule::NotFound.into()));
            let untouched = crate::products::by_id(&db, theirs.product).await.unwrap().unwrap();
            assert_eq!((untouched.title.as_str(), untouched.price.0), ("雪山三文鱼", 3500));
        })
        .await;
    }
}
