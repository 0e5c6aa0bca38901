//! Referral codes, visits through referral links, and bindings (who a member was referred by in a
//! community). The rules are in `domain::referral`; here they are applied under a per-community
//! lock, so two bindings made at once can never close a cycle between them.

use super::{col, is_unique_violation, Db, Tx};
use crate::Error;
use domain::referral::{code_from_bytes, decide_binding, BindMode, BindOutcome, Binding};

/// A member's referral code, made on first use.
pub async fn code_for(db: &Db, user: i64, now: i64) -> Result<String, Error> {
    if let Some(code) =
        sql!(query_scalar, "SELECT code FROM referral_codes WHERE user_id = $1", user).fetch_optional(&db.pool).await?
    {
        return Ok(code);
    }
    for _ in 0..8 {
        let mut bytes = [0u8; 8];
        rand::Rng::fill(&mut rand::rng(), &mut bytes);
        let code = code_from_bytes(bytes);
        let made = sql!(
            query,
            "INSERT INTO referral_codes (user_id, code, created_at) VALUES ($1, $2, $3) ON CONFLICT (user_id) DO NOTHING",
            user,
            &code,
            now
        )
        .execute(&db.pool)
        .await;
        match made {
            // Made now, or by a request that raced this one: either way it is there.
            Ok(_) => {
                return Ok(sql!(query_scalar, "SELECT code FROM referral_codes WHERE user_id = $1", user)
                    .fetch_one(&db.pool)
                    .await?)
            }
            // Another member has this code: draw again.
            Err(e) if is_unique_violation(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::broken("no free referral code after many draws"))
}

/// The member a code belongs to.
pub async fn user_by_code(db: &Db, code: &str) -> Result<Option<i64>, Error> {
    Ok(sql!(query_scalar, "SELECT user_id FROM referral_codes WHERE code = $1", code).fetch_optional(&db.pool).await?)
}

/// Records a visit through `referrer`'s link.
pub async fn record_visit(db: &Db, referrer: i64, visitor: &str, path: &str, now: i64) -> Result<(), Error> {
    sql!(
        query,
        "INSERT INTO referral_visits (id, referrer_id, visitor, path, at, day) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (referrer_id, visitor, day) DO NOTHING",
        db.id(),
        referrer,
        visitor,
        path.chars().take(300).collect::<String>(),
        now,
        now.div_euclid(domain::time::ms(domain::time::DAY))
    )
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// How long visits are kept (the funnel looks back at most 90 days).
pub const KEEP_VISITS: std::time::Duration = std::time::Duration::from_secs(180 * 86_400);

/// Deletes visits older than `KEEP_VISITS`; returns how many went.
pub async fn purge_visits(db: &Db, now: i64) -> Result<u64, Error> {
    let before = now - domain::time::ms(KEEP_VISITS);
    Ok(sql!(query, "DELETE FROM referral_visits WHERE at < $1", before).execute(&db.pool).await?.rows_affected())
}

pub async fn visits_of(db: &Db, referrer: i64) -> Result<i64, Error> {
    Ok(sql!(query_scalar, "SELECT COUNT(*) FROM referral_visits WHERE referrer_id = $1", referrer)
        .fetch_one(&db.pool)
        .await?)
}

/// A member's referrers in a community, nearest first, at most `depth` of them (stops at a
/// repeat, which the binding rules never let happen).
pub async fn chain(db: &Db, community: i64, member: i64, depth: usize) -> Result<Vec<i64>, Error> {
    let mut out: Vec<i64> = vec![];
    let mut current = member;
    while out.len() < depth {
        let next: Option<i64> = sql!(
            query_scalar,
            "SELECT referrer_id FROM referral_bindings WHERE community_id = $1 AND member_id = $2",
            community,
            current
        )
        .fetch_optional(&db.pool)
        .await?;
        match next {
            Some(r) if r != member && !out.contains(&r) => {
                out.push(r);
                current = r;
            }
            _ => break,
        }
    }
    Ok(out)
}

pub async fn binding(db: &Db, community: i64, member: i64) -> Result<Option<Binding>, Error> {
    let r = sql!(
        query,
        "SELECT referrer_id, bound_at FROM referral_bindings WHERE community_id = $1 AND member_id = $2",
        community,
        member
    )
    .fetch_optional(&db.pool)
    .await?;
    r.map(|r| Ok(Binding { referrer: col(&r, "referrer_id")?, bound_at: col(&r, "bound_at")? }))
        .transpose()
        .map_err(|e: sqlx::Error| e.into())
}

/// Applies a referral to `member` in `community` by the community's `mode`, and logs the decision.
/// Binding decisions of one community take turns (the community row is locked), so the cycle check
/// sees every binding made before it.
pub async fn bind(
    db: &Db,
    community: i64,
    member: i64,
    member_is_new: bool,
    referrer: i64,
    mode: BindMode,
    now: i64,
) -> Result<BindOutcome, Error> {
    let mut tx = db.begin().await?;
    let req = BindRequest { community, member, member_is_new, referrer, mode };
    let outcome = bind_in(db, &mut tx, &req, now).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// Who is to be bound to whom, and by which mode.
pub(crate) struct BindRequest {
    pub community: i64,
    pub member: i64,
    pub member_is_new: bool,
    pub referrer: i64,
    pub mode: BindMode,
}

/// `bind`, in the caller's transaction (an order being placed).
pub(crate) async fn bind_in(db: &Db, tx: &mut Tx, req: &BindRequest, now: i64) -> Result<BindOutcome, Error> {
    let BindRequest { community, member, member_is_new, referrer, mode } = *req;
    if referrer == member {
        return Ok(BindOutcome::SelfReferral);
    }
    sql!(query, "UPDATE communities SET id = id WHERE id = $1", community).execute(&mut **tx).await?;
    let current = sql!(
        query,
        "SELECT referrer_id, bound_at FROM referral_bindings WHERE community_id = $1 AND member_id = $2",
        community,
        member
    )
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| Ok::<_, sqlx::Error>(Binding { referrer: col(&r, "referrer_id")?, bound_at: col(&r, "bound_at")? }))
    .transpose()?;
    // The referrer's own chain, as far as it could reach back to the member (any depth: a cycle
    // is refused however long it would be).
    let mut up: Vec<i64> = vec![];
    let mut at = referrer;
    loop {
        let next: Option<i64> = sql!(
            query_scalar,
            "SELECT referrer_id FROM referral_bindings WHERE community_id = $1 AND member_id = $2",
            community,
            at
        )
        .fetch_optional(&mut **tx)
        .await?;
        match next {
            Some(n) if !up.contains(&n) && n != referrer => {
                up.push(n);
                at = n;
            }
            _ => break,
        }
        if up.len() > 10_000 {
            break;
        }
    }
    let outcome = decide_binding(mode, member, member_is_new, current, referrer, &up, now);
    if outcome == BindOutcome::Bound {
        sql!(
            query,
            "INSERT INTO referral_bindings (community_id, member_id, referrer_id, bound_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (community_id, member_id) DO UPDATE SET referrer_id = excluded.referrer_id, bound_at = excluded.bound_at",
            community,
            member,
            referrer,
            now
        )
        .execute(&mut **tx)
        .await?;
    }
    if outcome != BindOutcome::SelfReferral {
        sql!(
            query,
            "INSERT INTO referral_binding_log (id, community_id, member_id, referrer_id, outcome, at) VALUES ($1, $2, $3, $4, $5, $6)",
            db.id(),
            community,
            member,
            referrer,
            outcome.as_str(),
            now
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{each_db, member, shop};
    use domain::referral::{parse_code, DAY_MS};

    #[tokio::test]
    async fn codes_are_made_once_and_found_again() {
        each_db(|db| async move {
            let a = member(&db, "a").await;
            let (c1, c2) = tokio::join!(code_for(&db, a, 1), code_for(&db, a, 1));
            let (c1, c2) = (c1.unwrap(), c2.unwrap());
            assert_eq!(c1, c2, "two first uses at once give one code");
            assert_eq!(parse_code(&c1), Some(c1.clone()));
            assert_eq!(user_by_code(&db, &c1).await.unwrap(), Some(a));
            assert_eq!(user_by_code(&db, "NOSUCH23").await.unwrap(), None);
            record_visit(&db, a, "v:abc", "/p/1?ref=x", 2).await.unwrap();
            assert_eq!(visits_of(&db, a).await.unwrap(), 1);
        })
        .await;
    }

    #[tokio::test]
    async fn bindings_follow_the_mode_and_never_close_a_cycle() {
        each_db(|db| async move {
            let s = shop(&db, "35", 10).await;
            let c = s.community;
            let (a, b, d) = (member(&db, "a").await, member(&db, "b").await, member(&db, "d").await);
            let mode = BindMode::default();
            assert_eq!(bind(&db, c, a, true, a, mode, 0).await.unwrap(), BindOutcome::SelfReferral);
            assert_eq!(bind(&db, c, b, true, a, mode, 0).await.unwrap(), BindOutcome::Bound);
            assert_eq!(bind(&db, c, d, true, b, mode, 0).await.unwrap(), BindOutcome::Bound);
            // A → D would close D → B → A → D.
            assert_eq!(bind(&db, c, a, false, d, BindMode::LastTouch, 0).await.unwrap(), BindOutcome::WouldCycle);
            assert_eq!(chain(&db, c, d, 3).await.unwrap(), vec![b, a]);
            // The window keeps a fresh binding and lets an old one go.
            let e = member(&db, "e").await;
            assert_eq!(bind(&db, c, b, false, e, mode, DAY_MS).await.unwrap(), BindOutcome::KeptExisting);
            assert_eq!(bind(&db, c, b, false, e, mode, 31 * DAY_MS).await.unwrap(), BindOutcome::Bound);
            assert_eq!(binding(&db, c, b).await.unwrap().map(|x| x.referrer), Some(e));
            let logged: i64 = sql!(query_scalar, "SELECT COUNT(*) FROM referral_binding_log WHERE member_id = $1", b)
                .fetch_one(&db.pool)
                .await
                .unwrap();
            assert_eq!(logged, 3);
        })
        .await;
    }

    #[tokio::test]
    async fn two_members_binding_each_other_at_once_make_no_cycle() {
        each_db(|db| async move {
            let s = shop(&db, "35", 10).await;
            let c = s.community;
            for _ in 0..10 {
                let (a, b) = (member(&db, "a").await, member(&db, "b").await);
                let (x, y) = tokio::join!(
                    bind(&db, c, a, true, b, BindMode::LastTouch, 0),
                    bind(&db, c, b, true, a, BindMode::LastTouch, 0)
                );
                let outcomes = [x.unwrap(), y.unwrap()];
                assert!(
                    outcomes.contains(&BindOutcome::Bound) && outcomes.contains(&BindOutcome::WouldCycle),
                    "{outcomes:?}"
                );
                assert_eq!(chain(&db, c, a, 3).await.unwrap().len() + chain(&db, c, b, 3).await.unwrap().len(), 1);
            }
        })
        .await;
    }
}
