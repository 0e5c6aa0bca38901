//! Start-up: the database (migrated, and seeded with the demo when asked), the secret, and the
//! shared state every request sees.

use crate::config::Config;
use app::ctx::{AppState, Changes, Clock, Settings};
use app::providers::Sandbox;
use domain::time::{ms, DAY, MINUTE};
use leptos::config::LeptosOptions;
use std::sync::Arc;
use store::Db;

/// Connects the database (migrating it), seeds the demo when asked, and assembles the state.
pub async fn build_state(cfg: &Config) -> Result<AppState, String> {
    std::fs::create_dir_all(&cfg.data_dir)
        .map_err(|e| format!("QUNLI_DATA_DIR: cannot create {}: {e}", cfg.data_dir.display()))?;
    let db =
        Db::connect(&cfg.database_url).await.map_err(|e| format!("DATABASE_URL: cannot open the database: {e}"))?;
    let secret = cfg
        .load_secret()
        .map_err(|e| format!("QUNLI_DATA_DIR: cannot keep the secret key in {}: {e}", cfg.data_dir.display()))?;
    let clock = Clock::default();
    let hashing = Arc::new(app::gate::WorkGate::for_passwords());
    if cfg.seed_demo {
        let hash = app::auth::hash_password(&hashing, store::demo::PASSWORD.into()).await.map_err(|e| e.to_string())?;
        if store::demo::seed_if_empty(&db, &hash, clock.now_ms()).await.map_err(|e| e.to_string())? {
            tracing::info!("demo data written");
        }
    }
    let settings = Settings {
        base_url: cfg.base_url.clone(),
        secret: secret.clone(),
        pay_window_ms: cfg.pay_window_minutes * ms(MINUTE),
        seat_hold_ms: cfg.seat_hold_minutes * ms(MINUTE),
        auto_complete_ms: cfg.auto_complete_days * ms(DAY),
        test_hooks: cfg.test_hooks,
        data_dir: cfg.data_dir.clone(),
        client_ip_header: cfg.client_ip_header.clone(),
        trusted_proxy_hops: cfg.trusted_proxy_hops,
        sandbox: cfg.sandbox,
        demo: cfg.seed_demo,
    };
    Ok(AppState {
        db,
        sandbox: Arc::new(Sandbox::new(&secret)),
        settings: Arc::new(settings),
        clock,
        leptos: leptos_options(cfg),
        instance: app::auth::new_token().0.into(),
        changes: Changes::default(),
        hashing,
        photos: Arc::new(app::gate::WorkGate::for_photos()),
    })
}

pub fn leptos_options(cfg: &Config) -> LeptosOptions {
    // cargo-leptos writes the content hashes of the bundle next to the binary.
    let hashed =
        std::env::current_exe().ok().and_then(|p| p.parent().map(|d| d.join("hash.txt").exists())).unwrap_or(false);
    LeptosOptions::builder()
        .output_name("qunli")
        .site_root(cfg.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(cfg.listen)
        .hash_files(hashed)
        .build()
}
