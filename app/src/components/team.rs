//! Group-buy islands: a team's seats and countdown, the open-teams list, and the share button.
//! On the server they render the state at load, which is correct without JavaScript; in the
//! browser they follow the server's live stream (`/live/…`, server-sent events) and tick the
//! countdown every second.

use crate::i18n::{ShareWords, TeamWords};
use domain::groupbuy::countdown;
use domain::model::TeamSummary;
use leptos::either::Either;
use leptos::prelude::*;

/// Follows a live stream, calling `on` with each message's data. Browser only.
#[cfg(feature = "hydrate")]
fn follow(url: String, on: impl Fn(String) + 'static) {
    use futures::StreamExt;
    leptos::task::spawn_local(async move {
        let Ok(mut es) = gloo_net::eventsource::futures::EventSource::new(&url) else { return };
        let Ok(mut messages) = es.subscribe("message") else { return };
        // The browser reconnects by itself after a network error; keep listening.
        while let Some(item) = messages.next().await {
            if let Ok((_, msg)) = item {
                if let Some(data) = msg.data().as_string() {
                    on(data);
                }
            }
        }
        drop(es);
    });
}

/// Ticks every second for as long as the page is open. Browser only.
#[cfg(feature = "hydrate")]
fn every_second(f: impl Fn() + 'static) {
    gloo_timers::callback::Interval::new(1000, f).forget();
}

/// The first character of a masked name, for an avatar.
fn initial(name: &str) -> String {
    name.chars().next().map(String::from).unwrap_or_default()
}

/// A team's progress: status, countdown, and a seat per member (paid, paying, or open).
/// `children` (the join button) hide once nobody can join any more, unless `keep` (a member's
/// own links to their order).
#[island]
pub fn TeamLive(team: TeamSummary, words: TeamWords, keep: bool, children: Children) -> impl IntoView {
    let w = StoredValue::new(words);
    let (state, set_state) = signal(team.clone());
    let (left, set_left) = signal(team.left_ms);
    #[cfg(feature = "hydrate")]
    {
        let id = team.id;
        follow(format!("/live/t/{id}"), move |data| {
            if let Ok(next) = serde_json::from_str::<TeamSummary>(&data) {
                set_left.set(next.left_ms);
                set_state.set(next);
            }
        });
        every_second(move || set_left.update(|l| *l = (*l - 1000).max(0)));
    }
    let _ = (&set_state, &set_left);
    let status = move || {
        let s = state.get();
        w.with_value(|w| w.status(s.status).to_string())
    };
    let progress = move || {
        let s = state.get();
        let gathering = s.joinable() || (s.status == domain::groupbuy::TeamStatus::Open && !s.closed);
        if gathering && left.get() > 0 {
            w.with_value(|w| {
                let missing =
                    if s.missing() > 0 { format!("{} · ", w.missing.fill(s.missing())) } else { String::new() };
                format!("{missing}{}", w.ends_in.fill(countdown(left.get())))
            })
        } else {
            format!("{}/{}", s.paid, s.team_size)
        }
    };
    let seats = move || {
        let s = state.get();
        let total = s.team_size.max(s.members.len() as i64) as usize;
        (0..total)
            .map(|i| {
                // One shape for every seat (a member's, or an open one), so the page and the
                // browser build the same markup with one piece of code.
                let (avatar, name, tag, paying, empty) = w.with_value(|w| match s.members.get(i) {
                    Some(m) => {
                        let tag = if m.is_leader {
                            w.leader_badge.clone()
                        } else if m.paid {
                            String::new()
                        } else {
                            w.seat_paying.clone()
                        };
                        (initial(&m.name), m.name.clone(), tag, !m.paid, false)
                    }
                    None => ("?".to_string(), w.seat_empty.clone(), String::new(), false, true),
                });
                let tag = if tag.is_empty() { "\u{00a0}".to_string() } else { tag };
                view! {
                    <li class="seat" class:paying=paying class:empty=empty>
                        <span class="avatar" aria-hidden="true">{avatar}</span>
                        <span class="seat-name">{name}</span>
                        <span class="seat-tag">{tag}</span>
                    </li>
                }
            })
            .collect_view()
    };
    let hide = move || !keep && !state.get().joinable();
    view! {
        <section class="card team-live" aria-live="polite">
            <p class="team-status">
                <strong data-team-status>{status}</strong>
                <span class="team-progress" data-team-progress>{progress}</span>
            </p>
            <ul class="seats" data-seats>{seats}</ul>
            <div class="team-cta" hidden=hide>{children()}</div>
        </section>
    }
}

/// The open teams of an activity on the product page, closing soonest first.
#[island]
pub fn OpenTeamsLive(activity_id: i64, teams: Vec<TeamSummary>, words: TeamWords) -> impl IntoView {
    let w = StoredValue::new(words);
    let (list, set_list) = signal(teams);
    // Seconds passed since the list was read; each team's countdown subtracts it.
    let (elapsed, set_elapsed) = signal(0i64);
    #[cfg(feature = "hydrate")]
    {
        follow(format!("/live/a/{activity_id}"), move |data| {
            if let Ok(next) = serde_json::from_str::<Vec<TeamSummary>>(&data) {
                set_elapsed.set(0);
                set_list.set(next);
            }
        });
        every_second(move || set_elapsed.update(|e| *e += 1000));
    }
    let _ = (&set_list, &set_elapsed, activity_id);
    let rows = move || {
        let teams = list.get();
        if teams.is_empty() {
            return Either::Left(
                view! { <li class="muted small open-teams-empty">{w.with_value(|w| w.no_open_teams.clone())}</li> },
            );
        }
        let rows = teams
            .into_iter()
            .map(|team| {
                let left = move || w.with_value(|w| w.ends_in.fill(countdown(team.left_ms - elapsed.get())));
                let need = w.with_value(|w| {
                    if team.missing() > 0 { w.missing.fill(team.missing()) } else { w.team_formed_more.clone() }
                });
                view! {
                    <li class="open-team">
                        <span class="avatar" aria-hidden="true">{initial(&team.leader_name)}</span>
                        <div class="open-team-body">
                            <p>{team.leader_name.clone()}" · "<strong>{need}</strong></p>
                            <p class="muted small">{left}</p>
                        </div>
                        <a class="btn btn-team btn-small" href=format!("/t/{}", team.id)>{w.with_value(|w| w.go_join.clone())}</a>
                    </li>
                }
            })
            .collect_view();
        Either::Right(rows)
    };
    view! { <ul class="open-teams" aria-live="polite" data-open-teams>{rows}</ul> }
}

/// Shares a link with the phone's share sheet (Web Share API), or copies it where there is none.
/// Without JavaScript the link is shown to copy by hand.
#[island]
pub fn ShareButton(
    url: String,
    title: String,
    text: String,
    words: ShareWords,
    label: String,
    /// For "分享赚 ¥X": the amount is computed here, by the same function as the server's.
    earn: Option<domain::referral::EarnPreview>,
) -> impl IntoView {
    let label = match &earn {
        Some(e) => words.share_earn.fill(e.amount().display()),
        None => label,
    };
    let (copied_msg, failed_msg) = (words.link_copied, words.copy_failed);
    let (said, set_said) = signal(String::new());
    // Marks the button as working once the page is interactive (tests wait for it).
    let (ready, set_ready) = signal(false);
    Effect::new(move |_| set_ready.set(true));
    let share = {
        let url = url.clone();
        move |_| {
            #[cfg(feature = "hydrate")]
            {
                let (url, title, text) = (url.clone(), title.clone(), text.clone());
                let (copied_msg, failed_msg) = (copied_msg.clone(), failed_msg.clone());
                leptos::task::spawn_local(async move {
                    let Some(w) = web_sys::window() else { return };
                    let nav = w.navigator();
                    let can_share = js_sys_has(&nav, "share");
                    if can_share {
                        let data = web_sys::ShareData::new();
                        data.set_title(&title);
                        data.set_text(&text);
                        data.set_url(&url);
                        if wasm_bindgen_futures::JsFuture::from(nav.share_with_data(&data)).await.is_ok() {
                            return;
                        }
                    }
                    let copied = wasm_bindgen_futures::JsFuture::from(nav.clipboard().write_text(&url)).await.is_ok();
                    set_said.set(if copied { copied_msg.clone() } else { failed_msg.clone() });
                });
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = (&url, &title, &text, &set_said, &copied_msg, &failed_msg);
        }
    };
    view! {
        <div class="share" data-ready=move || ready.get().then_some("")>
            <button type="button" class="btn btn-team btn-block" on:click=share>{label.clone()}</button>
            <label class="share-link">
                <span class="sr-only">{label}</span>
                <input type="text" readonly value=url.clone()/>
            </label>
            <p class="muted small" role="status" data-share-status>{move || { let s = said.get(); if s.is_empty() { "\u{00a0}".to_string() } else { s } }}</p>
        </div>
    }
}

/// Whether a browser object has a property (the Web Share API is missing on many desktops).
#[cfg(feature = "hydrate")]
fn js_sys_has(obj: &wasm_bindgen::JsValue, name: &str) -> bool {
    web_sys::js_sys::Reflect::has(obj, &wasm_bindgen::JsValue::from_str(name)).unwrap_or(false)
}
