//! Communities and their members.

use super::{is_unique_violation, Db, Page, PageRequest};
use crate::access::Granted;
use crate::Error;
use domain::catalogue::{CommunityDraft, JoinPolicy};
use domain::checkout::ShippingRule;
use domain::model::{Community, CommunityCard};
use domain::Error as Rule;

const CARD_COLS: &str = "c.id, c.slug, c.name, c.intro, c.cover, c.member_count";

/// Every community, the viewer's own first, then the largest.
/// The communities a member joined, most recently joined first, at most `limit`.
pub async fn joined(db: &Db, user: i64, limit: i64) -> Result<Vec<CommunityCard>, Error> {
    Ok(sql!(
        query_as,
        sqlx::AssertSqlSafe(format!(
            "SELECT {CARD_COLS}, CAST(1 AS BIGINT) AS joined FROM memberships m \
             JOIN communities c ON c.id = m.community_id WHERE m.user_id = $1 \
             ORDER BY m.joined_at DESC, c.id DESC LIMIT $2"
        )),
        user,
        limit
    )
    .fetch_all(&db.pool)
    .await?)
}

/// For the home page: communities the viewer joined (most recently joined first) and the
/// largest others, at most `each` of either.
pub async fn for_home(
    db: &Db,
    viewer: Option<i64>,
    each: i64,
) -> Result<(Vec<CommunityCard>, Vec<CommunityCard>), Error> {
    let joined = match viewer {
        Some(v) => joined(db, v, each).await?,
        None => vec![],
    };
    let discover = sql!(
        query_as,
        sqlx::AssertSqlSafe(format!(
            "SELECT {CARD_COLS}, CAST(0 AS BIGINT) AS joined FROM communities c \
             WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.community_id = c.id AND m.user_id = $1) \
             ORDER BY c.member_count DESC, c.id DESC LIMIT $2"
        )),
        viewer.unwrap_or(0),
        each
    )
    .fetch_all(&db.pool)
    .await?;
    Ok((joined, discover))
}

/// Every community, newest first, a page at a time (with whether the viewer joined each).
pub async fn page(db: &Db, viewer: Option<i64>, page: PageRequest) -> Result<Page<CommunityCard>, Error> {
    let rows: Vec<CommunityCard> = sql!(
        query_as,
        sqlx::AssertSqlSafe(format!(
            "SELECT {CARD_COLS}, CAST(CASE WHEN m.user_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS joined \
             FROM communities c LEFT JOIN memberships m ON m.community_id = c.id AND m.user_id = $1 \
             WHERE c.id < $2 {}",
            page.order_limit("c.id")
        )),
        viewer.unwrap_or(0),
        page.cursor()
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(page.page(rows, |c| c.id))
}

pub async fn owned_by(db: &Db, owner: i64) -> Result<Vec<CommunityCard>, Error> {
    Ok(sql!(
        query_as,
        sqlx::AssertSqlSafe(format!(
            "SELECT {CARD_COLS}, CAST(1 AS BIGINT) AS joined FROM communities c WHERE c.owner_id = $1 ORDER BY c.id"
        )),
        owner
    )
    .fetch_all(&db.pool)
    .await?)
}

const FULL: &str = "SELECT c.id, c.slug, c.name, c.intro, c.cover, c.member_count, c.owner_id, \
    u.nickname AS owner_name, c.join_policy, c.time_zone, c.shipping_fee, c.free_shipping_over, c.pickup_point \
    FROM communities c JOIN users u ON u.id = c.owner_id";

pub async fn by_slug(db: &Db, slug: &str) -> Result<Option<Community>, Error> {
    let r =
        sql!(query_as, sqlx::AssertSqlSafe(format!("{FULL} WHERE c.slug = $1")), slug).fetch_optional(&db.pool).await?;
    Ok(r.map(known_zone))
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Community>, Error> {
    let r = sql!(query_as, sqlx::AssertSqlSafe(format!("{FULL} WHERE c.id = $1")), id).fetch_optional(&db.pool).await?;
    Ok(r.map(known_zone))
}

/// Zones are checked when saved; a row from before that check with a zone the shop does not
/// know is read as the default zone, and said so in the log so it can be fixed.
fn known_zone(mut c: Community) -> Community {
    if domain::time::known_zone(&c.time_zone).is_none() {
        let default = domain::time::DEFAULT_ZONE;
        tracing::warn!(community = c.id, zone = %c.time_zone, "unknown time zone read as {default}");
        c.time_zone = domain::time::DEFAULT_ZONE.to_string();
    }
    c
}

/// Sets the zone the community's times are shown and counted in (checked by
/// `domain::time::parse_zone`).
pub async fn set_time_zone(db: &Db, g: &Granted, zone: &str) -> Result<(), Error> {
    let zone = domain::time::parse_zone(zone)?;
    sql!(query, "UPDATE communities SET time_zone = $1 WHERE id = $2", zone, g.community()).execute(&db.pool).await?;
    Ok(())
}

/// Creates a community owned by `owner`, who becomes its first member.
pub async fn create(db: &Db, owner: i64, d: &CommunityDraft, now: i64) -> Result<i64, Error> {
    let id = db.id();
    let mut tx = db.begin().await?;
    let res = sql!(
        query,
        "INSERT INTO communities (id, slug, name, intro, cover, owner_id, member_count, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7)",
        id,
        &d.slug,
        &d.name,
        &d.intro,
        &d.cover,
        owner,
        now
    )
    .execute(&mut *tx)
    .await;
    match res {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Err(Rule::SlugTaken.into()),
        Err(e) => return Err(e.into()),
    }
    sql!(
        query,
        "INSERT INTO memberships (community_id, user_id, role, joined_at) VALUES ($1, $2, 'owner', $3)",
        id,
        owner,
        now
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(db: &Db, g: &Granted, d: &CommunityDraft) -> Result<(), Error> {
    let res = sql!(
        query,
        "UPDATE communities SET slug = $1, name = $2, intro = $3, cover = $4 WHERE id = $5",
        &d.slug,
        &d.name,
        &d.intro,
        &d.cover,
        g.community()
    )
    .execute(&db.pool)
    .await;
    match res {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(Rule::SlugTaken.into()),
        Err(e) => Err(e.into()),
    }
}

/// Sets how the community charges shipping and where members can collect instead.
pub async fn update_shipping(db: &Db, g: &Granted, rule: ShippingRule, pickup_point: &str) -> Result<(), Error> {
    sql!(
        query,
        "UPDATE communities SET shipping_fee = $1, free_shipping_over = $2, pickup_point = $3 WHERE id = $4",
        rule.flat_fee.0,
        rule.free_over.0,
        pickup_point,
        g.community()
    )
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn is_member(db: &Db, community: i64, user: i64) -> Result<bool, Error> {
    let n: i64 = sql!(
        query_scalar,
        "SELECT COUNT(*) FROM memberships WHERE community_id = $1 AND user_id = $2",
        community,
        user
    )
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// Joins an open community. Joining twice is harmless and counts once.
pub async fn join(db: &Db, community: i64, user: i64, now: i64) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    let policy: Option<String> = sql!(query_scalar, "SELECT join_policy FROM communities WHERE id = $1", community)
        .fetch_optional(&mut *tx)
        .await?;
    let policy = JoinPolicy::parse(policy.as_deref().ok_or(Rule::NotFound)?)
        .ok_or_else(|| Error::broken("unknown JoinPolicy in a row"))?;
    if !policy.joins_directly() {
        return Err(Rule::Forbidden.into());
    }
    let inserted = sql!(
        query,
        "INSERT INTO memberships (community_id, user_id, role, joined_at) VALUES ($1, $2, 'member', $3) \
         ON CONFLICT (community_id, user_id) DO NOTHING",
        community,
        user,
        now
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 1 {
        sql!(query, "UPDATE communities SET member_count = member_count + 1 WHERE id = $1", community)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Leaves a community. The owner cannot leave their own community.
pub async fn leave(db: &Db, community: i64, user: i64) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    let deleted = sql!(
        query,
        "DELETE FROM memberships WHERE community_id = $1 AND user_id = $2 AND role = 'member'",
        community,
        user
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if deleted == 1 {
        sql!(query, "UPDATE communities SET member_count = member_count - 1 WHERE id = $1", community)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::each_db;
    use crate::users;
    use domain::account::Account;

    fn draft(slug: &str) -> CommunityDraft {
        CommunityDraft::parse("三文鱼吃货群", slug, "<script>alert(1)</script>", "salmon").unwrap()
    }

    #[tokio::test]
    async fn lists_of_communities_come_a_bounded_page_at_a_time() {
        each_db(|db| async move {
            let owner = users::create(&db, &Account::Email("o@x.cn".into()), "h", "o", 1).await.unwrap();
            let mei = users::create(&db, &Account::Email("m@x.cn".into()), "h", "m", 1).await.unwrap();
            let mut ids = vec![];
            for slug in ["aaa", "bbb", "ccc", "ddd"] {
                ids.push(create(&db, owner, &draft(slug), 1).await.unwrap());
            }
            join(&db, ids[0], mei, 5).await.unwrap();
            join(&db, ids[2], mei, 6).await.unwrap();
            let (joined, discover) = for_home(&db, Some(mei), 1).await.unwrap();
            assert_eq!(joined.iter().map(|c| c.id).collect::<Vec<_>>(), vec![ids[2]], "the last joined");
            assert_eq!(discover.len(), 1);
            assert!(!discover[0].joined && discover[0].id != ids[0] && discover[0].id != ids[2]);
            let first = page(&db, Some(mei), PageRequest::first(3)).await.unwrap();
            assert_eq!(first.items.iter().map(|c| c.id).collect::<Vec<_>>(), vec![ids[3], ids[2], ids[1]]);
            assert!(first.items[1].joined && !first.items[0].joined);
            let rest = page(&db, Some(mei), PageRequest::after(first.next, 3)).await.unwrap();
            assert_eq!((rest.items.iter().map(|c| c.id).collect::<Vec<_>>(), rest.next), (vec![ids[0]], None));
            assert_eq!(joined_by_all(&db, mei).await, 2);
        })
        .await;
    }

    async fn joined_by_all(db: &Db, user: i64) -> usize {
        joined(db, user, 100).await.unwrap().len()
    }

    #[tokio::test]
    async fn owner_creates_and_members_join_and_leave() {
        each_db(|db| async move {
            let owner = users::create(&db, &Account::Phone("13900000001".into()), "h", "群主", 1).await.unwrap();
            let mei = users::create(&db, &Account::Phone("13900000002".into()), "h", "阿梅", 1).await.unwrap();
            let id = create(&db, owner, &draft("salmon"), 5).await.unwrap();
            assert_eq!(create(&db, owner, &draft("salmon"), 6).await, Err(Rule::SlugTaken.into()));
            let c = by_slug(&db, "salmon").await.unwrap().unwrap();
            assert_eq!((c.member_count, c.owner_name.as_str()), (1, "群主"));
            assert_eq!(c.intro, "<script>alert(1)</script>", "stored as typed; escaped when rendered");

            join(&db, id, mei, 7).await.unwrap();
            join(&db, id, mei, 8).await.unwrap();
            assert_eq!(by_id(&db, id).await.unwrap().unwrap().member_count, 2);
            let listed = joined(&db, mei, 10).await.unwrap();
            assert!(listed[0].joined && listed[0].id == id);

            leave(&db, id, owner).await.unwrap();
            leave(&db, id, mei).await.unwrap();
            leave(&db, id, mei).await.unwrap();
            assert_eq!(by_id(&db, id).await.unwrap().unwrap().member_count, 1);
            assert!(is_member(&db, id, owner).await.unwrap());
            assert!(!is_member(&db, id, mei).await.unwrap());

            use crate::access::{require, role};
            use domain::access::Role;
            assert_eq!(require(&db, id, mei, Role::Staff).await, Err(Rule::Forbidden.into()));
            assert_eq!(require(&db, id, owner, Role::Owner).await.unwrap().community(), id);
            assert_eq!(require(&db, 42, owner, Role::Owner).await, Err(Rule::NotFound.into()));
            assert_eq!(role(&db, id, None).await.unwrap(), Role::Visitor);
            assert_eq!(role(&db, id, Some(mei)).await.unwrap(), Role::Visitor, "left the community");
            join(&db, id, mei, 9).await.unwrap();
            assert_eq!(role(&db, id, Some(mei)).await.unwrap(), Role::Member);
            assert_eq!(role(&db, id, Some(owner)).await.unwrap(), Role::Owner);
        })
        .await;
    }
}
