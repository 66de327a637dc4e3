//! A stand-in for Mojang's session server, over plain HTTP on 127.0.0.1:
//! the two endpoints of an online-mode login. A client with an account's
//! access token `POST`s `/session/minecraft/join` with the server hash of
//! its login; the server then `GET`s `/session/minecraft/hasJoined` with
//! the user name and the hash it computed, and gets the profile (200)
//! only if that join was recorded, else 204 — as Mojang answers.
//!
//! `stall` makes `hasJoined` never answer, as a session server that
//! accepts connections but is stuck.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

/// One account: its name and UUID (without dashes).
#[derive(Clone, Debug)]
pub struct Account {
    pub name: String,
    pub id: String,
}

#[derive(Default)]
struct World {
    /// Access token → account.
    accounts: HashMap<String, Account>,
    /// (lowercased name, server hash) of every join.
    joins: Vec<(String, String)>,
}

#[derive(Default)]
struct Shared {
    world: Mutex<World>,
    stall: AtomicBool,
    has_joined_calls: AtomicUsize,
}

/// The running stand-in; it stops with the test's runtime.
#[derive(Clone)]
pub struct SessionStandIn {
    pub address: SocketAddr,
    shared: Arc<Shared>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Join {
    access_token: String,
    selected_profile: String,
    server_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HasJoined {
    username: String,
    server_id: String,
}

impl SessionStandIn {
    pub async fn start() -> SessionStandIn {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .route("/session/minecraft/join", post(join))
            .route("/session/minecraft/hasJoined", get(has_joined))
            .with_state(Arc::clone(&shared));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        SessionStandIn { address, shared }
    }

    /// The base URL, for `[front_door] session_server` and the client.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Gives `name` an account whose access token is `token`.
    pub fn account(&self, token: &str, name: &str, id: &str) {
        self.shared.world.lock().unwrap().accounts.insert(
            token.to_owned(),
            Account {
                name: name.to_owned(),
                id: id.to_owned(),
            },
        );
    }

    pub fn stall(&self, stalled: bool) {
        self.shared.stall.store(stalled, Ordering::SeqCst);
    }

    /// The joins recorded: (lowercased name, server hash).
    pub fn joins(&self) -> Vec<(String, String)> {
        self.shared.world.lock().unwrap().joins.clone()
    }

    pub fn has_joined_calls(&self) -> usize {
        self.shared.has_joined_calls.load(Ordering::SeqCst)
    }
}

async fn join(State(shared): State<Arc<Shared>>, Json(join): Json<Join>) -> Response {
    let mut world = shared.world.lock().unwrap();
    let Some(account) = world.accounts.get(&join.access_token).cloned() else {
        let error = json!({
            "error": "ForbiddenOperationException",
            "errorMessage": "Invalid token",
        });
        return (StatusCode::FORBIDDEN, Json(error)).into_response();
    };
    if account.id != join.selected_profile.replace('-', "") {
        let error =
            json!({ "error": "ForbiddenOperationException", "errorMessage": "Invalid profile" });
        return (StatusCode::FORBIDDEN, Json(error)).into_response();
    }
    world
        .joins
        .push((account.name.to_ascii_lowercase(), join.server_id));
    StatusCode::NO_CONTENT.into_response()
}

async fn has_joined(State(shared): State<Arc<Shared>>, Query(asked): Query<HasJoined>) -> Response {
    shared.has_joined_calls.fetch_add(1, Ordering::SeqCst);
    if shared.stall.load(Ordering::SeqCst) {
        std::future::pending::<()>().await;
    }
    let world = shared.world.lock().unwrap();
    let name = asked.username.to_ascii_lowercase();
    let joined = world
        .joins
        .iter()
        .any(|(n, hash)| *n == name && *hash == asked.server_id);
    let account = world
        .accounts
        .values()
        .find(|a| a.name.to_ascii_lowercase() == name);
    match (joined, account) {
        (true, Some(account)) => Json(json!({
            "id": account.id,
            "name": account.name,
            "properties": [],
        }))
        .into_response(),
        _ => StatusCode::NO_CONTENT.into_response(),
    }
}
