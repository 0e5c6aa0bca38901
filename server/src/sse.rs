//! Live team progress for open pages (server-sent events).
//!
//! Every change to a team stamps `teams.updated_at`. One watcher per server process reads the
//! teams changed since it last looked — woken at once by changes made in this process (`poke`)
//! and every second for changes made by other processes — and broadcasts each changed team's
//! snapshot, and its activity's open-team list, to the page streams subscribed here. Streams
//! filter by id; a snapshot is read once per change, however many pages watch it. The watcher
//! starts with the first stream, so a process nobody watches does not poll.
//!
//! Streams are bounded: at most `max_streams` open in a process (503 with a retry hint beyond),
//! each open for at most `lifetime`, after which the browser's `EventSource` reconnects by
//! itself (to this instance or another), so no connection is held for ever.

use app::ctx::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::model::TeamSummary;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// What one stream may be watching.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    Team(i64),
    Activity(i64),
}

/// A message for the streams of one topic: the SSE `data` already serialized.
#[derive(Debug)]
pub struct LiveMsg {
    pub topic: Topic,
    pub json: String,
}

pub struct Live {
    tx: broadcast::Sender<Arc<LiveMsg>>,
    started: AtomicBool,
    /// One per open stream, taken before the stream is made and kept until it closes.
    slots: Arc<tokio::sync::Semaphore>,
    lifetime: Duration,
}

/// Open streams a process serves at most.
pub const MAX_STREAMS: usize = 5_000;
/// How long one stream stays open before the browser is asked to reconnect.
pub const STREAM_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// How long the browser waits before reconnecting.
const RECONNECT_AFTER: Duration = Duration::from_secs(2);

/// How far back the watcher looks again, for changes committed late by a slower transaction.
const OVERLAP_MS: i64 = 10_000;
const POLL: Duration = Duration::from_secs(1);

impl Live {
    pub fn new() -> Arc<Live> {
        Live::bounded(MAX_STREAMS, STREAM_LIFETIME)
    }

    pub fn bounded(max_streams: usize, lifetime: Duration) -> Arc<Live> {
        let (tx, _) = broadcast::channel(1024);
        let slots = Arc::new(tokio::sync::Semaphore::new(max_streams));
        Arc::new(Live { tx, started: AtomicBool::new(false), slots, lifetime })
    }

    /// Starts the watcher once, for the life of the process.
    pub fn ensure_running(self: &Arc<Self>, st: &AppState) {
        if !self.started.swap(true, Ordering::AcqRel) {
            tokio::spawn(self.clone().run(st.clone()));
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveMsg>> {
        self.tx.subscribe()
    }

    pub fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }

    /// The watcher; runs for the life of the process.
    pub async fn run(self: Arc<Self>, st: AppState) {
        // Last published state of each team (without its countdown, which changes by itself).
        let mut seen: HashMap<i64, String> = HashMap::new();
        let mut since = st.clock.now_ms() - OVERLAP_MS;
        loop {
            tokio::select! {
                _ = st.changes.wait() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
            if self.tx.receiver_count() == 0 {
                since = st.clock.now_ms() - OVERLAP_MS;
                seen.clear();
                continue;
            }
            match self.publish_changes(&st, since, &mut seen).await {
                Ok(latest) => since = (latest - OVERLAP_MS).max(st.clock.now_ms() - OVERLAP_MS).max(since),
                Err(e) => tracing::warn!(error = %e, "live updates: reading changes failed"),
            }
            if seen.len() > 20_000 {
                seen.clear();
            }
        }
    }

    async fn publish_changes(
        &self,
        st: &AppState,
        since: i64,
        seen: &mut HashMap<i64, String>,
    ) -> Result<i64, store::Error> {
        let now = st.clock.now_ms();
        let mut latest = since;
        let mut activities = vec![];
        for (team, activity, updated) in store::groupbuy::changed_since(&st.db, since).await? {
            latest = latest.max(updated);
            let Some(snap) = store::groupbuy::team(&st.db, team, now).await? else { continue };
            let key = state_key(&snap);
            if seen.get(&team) == Some(&key) {
                continue;
            }
            seen.insert(team, key);
            self.send(Topic::Team(team), &snap);
            if !activities.contains(&activity) {
                activities.push(activity);
            }
        }
        for activity in activities {
            let teams = store::groupbuy::open_teams(&st.db, activity, now, 10).await?;
            self.send(Topic::Activity(activity), &teams);
        }
        Ok(latest)
    }

    fn send<T: serde::Serialize>(&self, topic: Topic, value: &T) {
        if let Ok(json) = serde_json::to_string(value) {
            // No receiver is not an error: nobody is watching right now.
            let _ = self.tx.send(Arc::new(LiveMsg { topic, json }));
        }
    }
}

fn state_key(t: &TeamSummary) -> String {
    let members: String = t.members.iter().map(|m| if m.paid { 'p' } else { 'h' }).collect();
    format!("{:?}|{}|{}|{}|{}", t.status, t.taken, t.paid, t.closed, members)
}

/// The first message of a new stream: the topic as it is now.
pub async fn snapshot(st: &AppState, topic: Topic) -> Result<Option<String>, store::Error> {
    let now = st.clock.now_ms();
    Ok(match topic {
        Topic::Team(id) => store::groupbuy::team(&st.db, id, now)
            .await?
            .filter(|t| t.status != domain::groupbuy::TeamStatus::Pending)
            .and_then(|t| serde_json::to_string(&t).ok()),
        Topic::Activity(id) => match store::groupbuy::activity(&st.db, id).await? {
            Some(_) => serde_json::to_string(&store::groupbuy::open_teams(&st.db, id, now, 10).await?).ok(),
            None => None,
        },
    })
}

/// A live stream of a team (`/live/t/{id}`) or of an activity's open teams (`/live/a/{id}`):
/// the current state first, then each change, as server-sent events.
pub async fn live_stream(st: AppState, live: Arc<Live>, topic: Topic) -> Response {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use futures::StreamExt;
    let Ok(slot) = live.slots.clone().try_acquire_owned() else {
        let busy = [(header::RETRY_AFTER, "5")];
        return (StatusCode::SERVICE_UNAVAILABLE, busy, "too many live pages open; try again shortly\n")
            .into_response();
    };
    live.ensure_running(&st);
    let first = match snapshot(&st, topic).await {
        Ok(Some(json)) => json,
        Ok(None) => return (StatusCode::NOT_FOUND, "no such team or activity\n").into_response(),
        Err(_) => return (StatusCode::SERVICE_UNAVAILABLE, "try again later\n").into_response(),
    };
    let updates = tokio_stream::wrappers::BroadcastStream::new(live.subscribe()).filter_map(move |m| {
        // A stream that fell behind skips to the next change (each message is a full state).
        let out = m
            .ok()
            .filter(|m| m.topic == topic)
            .map(|m| Ok::<_, std::convert::Infallible>(Event::default().data(m.json.as_str())));
        futures::future::ready(out)
    });
    let first = Event::default().retry(RECONNECT_AFTER).data(first);
    let stream = futures::stream::once(futures::future::ready(Ok(first)))
        .chain(updates)
        .take_until(tokio::time::sleep(live.lifetime))
        // The slot is free again when the stream is dropped (ended, or the page went away).
        .map(move |e| {
            let _held = &slot;
            e
        })
        .fuse();
    let mut res = Sse::new(stream).keep_alive(KeepAlive::default()).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

pub async fn team(State(st): State<AppState>, live: axum::Extension<Arc<Live>>, Path(id): Path<i64>) -> Response {
    live_stream(st, live.0, Topic::Team(id)).await
}

pub async fn activity(State(st): State<AppState>, live: axum::Extension<Arc<Live>>, Path(id): Path<i64>) -> Response {
    live_stream(st, live.0, Topic::Activity(id)).await
}
