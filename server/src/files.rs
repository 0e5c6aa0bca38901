//! Responses that are files rather than pages: CSV exports for owners, a member's share poster,
//! and photo uploads (multipart) from the product editor. The work is done by `app::api`; this
//! only speaks HTTP.

use app::ctx::{AppState, RequestCtx};
use app::error::AppError;
use app::flash::{Flash, Notice};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// The owner's order list as a CSV download.
pub async fn orders_csv(
    State(st): State<AppState>,
    axum::extract::Path(community): axum::extract::Path<i64>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
    axum::Extension(ctx): axum::Extension<RequestCtx>,
) -> Response {
    let tab = q.get("tab").map(String::as_str);
    match app::api::console::orders_csv(&st, ctx.viewer.as_ref(), ctx.lang, community, tab, q.get("q").cloned()).await {
        Ok(export) => {
            // Written a page of orders at a time as the download proceeds. Fused: the compression
            // layer may ask again after the end.
            use futures::StreamExt;
            let chunks = futures::stream::unfold(export, |mut export| async move {
                let chunk = export.next_chunk().await?;
                Some((chunk.map_err(|e| std::io::Error::other(format!("{e:?}"))), export))
            })
            .fuse();
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"orders-{community}.csv\"")),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                ],
                axum::body::Body::from_stream(chunks),
            )
                .into_response()
        }
        Err(e) => e.into_response(),
    }
}

pub async fn commissions_csv(
    State(st): State<AppState>,
    axum::extract::Path(community): axum::extract::Path<i64>,
    axum::Extension(ctx): axum::Extension<RequestCtx>,
) -> Response {
    match app::api::distribution::commissions_csv(&st, ctx.viewer.as_ref(), ctx.lang, community).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"commissions-{community}.csv\"")),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// A member's share poster for a product, `/poster/p/{id}.png`.
pub async fn poster(
    State(st): State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
    axum::Extension(ctx): axum::Extension<RequestCtx>,
) -> Response {
    let Some(product) = file.strip_suffix(".png").and_then(|id| id.parse::<i64>().ok()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match app::api::distribution::poster_png(&st, ctx.viewer.as_ref(), product).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "image/png".to_string()),
                (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
                (header::CONTENT_DISPOSITION, format!("inline; filename=\"qunli-{product}.png\"")),
            ],
            bytes,
        )
            .into_response(),
        Err(AppError::Rule(domain::Error::SignInRequired)) => {
            let next = format!("/signin?next=/poster/p/{product}.png");
            (StatusCode::SEE_OTHER, [(header::LOCATION, next)]).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// A photo uploaded from the product editor (multipart field `photo`); answers like a form post:
/// back to the editor with a notice, or with the reason the file was refused.
pub async fn upload_photo(
    State(st): State<AppState>,
    axum::extract::Path(product): axum::extract::Path<i64>,
    axum::Extension(ctx): axum::Extension<RequestCtx>,
    mut form: axum::extract::Multipart,
) -> Response {
    if ctx.viewer.is_none() {
        let next = format!("/signin?next=/console/p/{product}");
        return (StatusCode::SEE_OTHER, [(header::LOCATION, next)]).into_response();
    }
    let mut bytes = None;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("photo") {
            bytes = field.bytes().await.ok().map(|b| b.to_vec());
        }
    }
    let result = match bytes {
        Some(b) => app::api::console::upload_photo(&st, ctx.viewer.as_ref(), product, b).await,
        None => Err(domain::Error::BadUpload.into()),
    };
    let flash = match &result {
        Ok(()) => Flash { notice: Some(Notice::Saved), ..Default::default() },
        Err(e) => Flash { error: Some(e.clone()), ..Default::default() },
    };
    let location = match result {
        Err(AppError::Rule(domain::Error::SignInRequired)) => format!("/signin?next=/console/p/{product}"),
        _ => format!("/console/p/{product}#photos"),
    };
    let cookie = app::flash::flash_cookie(&flash);
    (StatusCode::SEE_OTHER, [(header::LOCATION, location), (header::SET_COOKIE, cookie)]).into_response()
}
