//! The gateway: one task per WebSocket connection (HELLO, heartbeats, IDENTIFY/RESUME and what
//! the stand-in queues for it), and `State`'s side of the session: dispatching with sequence
//! numbers, gating by intents, queueing for a RESUME.

use super::*;

impl State {
    /// Gives `data` the next sequence number and sends it, or queues it for a RESUME when the
    /// bot's socket is down. Without a session nothing is sent (the truth is in GUILD_CREATE).
    pub(crate) fn dispatch(&mut self, event: &str, data: &Value) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        session.seq += 1;
        let seq = session.seq;
        let frame = json!({"op": 0, "s": seq, "t": event, "d": data}).to_string();
        if let Some(conn) = &session.conn {
            let _ = conn.tx.send(Outbound::Text(frame.clone()));
        }
        session.log.push_back((seq, frame));
        let session_id = session.id.clone();
        self.dispatches.push(DispatchRecord {
            session_id,
            seq,
            event: event.to_owned(),
        });
    }

    pub(crate) fn token_ok(&self, token: Option<&str>) -> bool {
        match (&self.token, token) {
            (None, _) => true,
            (Some(expected), Some(given)) => {
                given == expected || given.strip_prefix("Bot ") == Some(expected.as_str())
            }
            (Some(_), None) => false,
        }
    }

    pub(crate) fn identify(&mut self, conn: &ConnHandle, d: &Value) {
        if !self.token_ok(d["token"].as_str()) {
            let _ = conn.tx.send(Outbound::Close(4004, None));
            return;
        }
        self.sessions_created += 1;
        let nonce = self.next_id();
        let session_id = format!("standin-session-{}-{nonce}", self.sessions_created);
        let intents = d["intents"].as_u64().unwrap_or(0);
        self.session = Some(Session {
            id: session_id.clone(),
            seq: 0,
            intents,
            log: VecDeque::new(),
            conn: Some(conn.clone()),
        });
        self.identify_count += 1;
        self.identifies.push(d.clone());
        let shard = if d["shard"].is_array() {
            d["shard"].clone()
        } else {
            json!([0, 1])
        };
        let ready = json!({
            "v": 10,
            "user": self.current_user_json(),
            "guilds": [{"id": self.guild_id.to_string(), "unavailable": true}],
            "session_id": session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "shard": shard,
            "application": {"id": self.application_id.to_string(), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "auth": {},
            "_trace": ["discord-standin"],
        });
        self.dispatch("READY", &ready);
        if intents & intents::GUILDS != 0 {
            let guild = self.guild_create_json(intents & intents::GUILD_VOICE_STATES != 0);
            self.dispatch("GUILD_CREATE", &guild);
        }
    }

    pub(crate) fn resume(&mut self, conn: &ConnHandle, d: &Value) {
        if !self.token_ok(d["token"].as_str()) {
            let _ = conn.tx.send(Outbound::Close(4004, None));
            return;
        }
        let known = self
            .session
            .as_ref()
            .is_some_and(|s| Some(s.id.as_str()) == d["session_id"].as_str());
        let Some(session) = self.session.as_mut().filter(|_| known) else {
            self.rejected_resume_count += 1;
            let _ = conn
                .tx
                .send(Outbound::Text(json!({"op": 9, "d": false}).to_string()));
            return;
        };
        if let Some(old) = session.conn.replace(conn.clone()) {
            if old.id != conn.id {
                let _ = old.tx.send(Outbound::Abort(None));
            }
        }
        let after = d["seq"].as_u64().unwrap_or(0);
        let mut replayed = 0;
        for (_, frame) in session.log.iter().filter(|(seq, _)| *seq > after) {
            let _ = conn.tx.send(Outbound::Text(frame.clone()));
            replayed += 1;
        }
        self.replayed_count += replayed;
        self.resume_count += 1;
        self.dispatch("RESUMED", &json!({"_trace": ["discord-standin"]}));
    }

    pub(crate) fn heartbeat(&mut self, conn: &ConnHandle, d: &Value) {
        self.heartbeat_count += 1;
        // The bot has everything up to the sequence it heartbeats: those need no replay.
        if let (Some(session), Some(acked)) = (self.session.as_mut(), d.as_u64()) {
            if session.conn.as_ref().is_some_and(|c| c.id == conn.id) {
                session.log.retain(|(seq, _)| *seq > acked);
            }
        }
    }

    pub(crate) fn detach(&mut self, conn_id: u64) {
        if let Some(session) = self.session.as_mut() {
            if session.conn.as_ref().is_some_and(|c| c.id == conn_id) {
                session.conn = None;
            }
        }
    }
}

pub(crate) async fn gateway_upgrade(
    AxumState(shared): AxumState<Arc<Shared>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade.on_upgrade(move |socket| gateway_connection(shared, socket))
}

/// Serves one gateway socket: HELLO, heartbeats, IDENTIFY/RESUME, and whatever the rest of
/// the stand-in queues for it (dispatches, INVALID_SESSION, abrupt drops).
pub(crate) async fn gateway_connection(shared: Arc<Shared>, mut socket: WebSocket) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let conn = ConnHandle {
        id: shared.next_conn_id.fetch_add(1, Ordering::Relaxed),
        tx,
    };
    let heartbeat_ms = shared.update(|st| {
        st.connection_count += 1;
        st.heartbeat_ms
    });
    let hello = json!({"op": 10, "s": null, "t": null, "d": {"heartbeat_interval": heartbeat_ms}});
    let mut hold = shared.hold.subscribe();
    let mut stop = shared.shutdown.subscribe();
    let mut pending: Option<Value> = None;
    let mut alive = socket
        .send(WsMessage::Text(hello.to_string().into()))
        .await
        .is_ok();
    while alive {
        tokio::select! {
            incoming = socket.recv() => {
                let text = match incoming {
                    Some(Ok(WsMessage::Text(text))) => text,
                    Some(Ok(WsMessage::Close(_))) => {
                        // Flushes the close reply tungstenite queued, so a clean client
                        // shutdown (serenity waits for it) completes without error.
                        let _ = socket.send(WsMessage::Close(None)).await;
                        break;
                    }
                    Some(Err(_)) | None => break,
                    Some(Ok(_)) => continue,
                };
                let Ok(payload) = serde_json::from_str::<Value>(text.as_str()) else {
                    let frame = CloseFrame { code: 4002, reason: "Error while decoding payload.".into() };
                    let _ = socket.send(WsMessage::Close(Some(frame))).await;
                    break;
                };
                match payload["op"].as_u64() {
                    Some(1) => {
                        shared.update(|st| st.heartbeat(&conn, &payload["d"]));
                        let ack = json!({"op": 11, "s": null, "t": null, "d": null}).to_string();
                        alive = socket.send(WsMessage::Text(ack.into())).await.is_ok();
                    }
                    Some(2 | 6) if *hold.borrow() => pending = Some(payload),
                    Some(2 | 6) => handle_session_command(&shared, &conn, &payload),
                    _ => shared.update(|st| st.gateway_commands.push(payload)),
                }
            }
            released = async { hold.wait_for(|held| !*held).await.is_ok() }, if pending.is_some() => {
                if let Some(payload) = pending.take().filter(|_| released) {
                    handle_session_command(&shared, &conn, &payload);
                }
            }
            outbound = rx.recv() => match outbound {
                Some(Outbound::Text(frame)) => {
                    alive = socket.send(WsMessage::Text(frame.into())).await.is_ok();
                }
                Some(Outbound::Abort(done)) => {
                    drop(socket);
                    shared.update(|st| st.detach(conn.id));
                    if let Some(done) = done {
                        let _ = done.send(());
                    }
                    return;
                }
                Some(Outbound::Close(code, done)) => {
                    let frame = CloseFrame { code, reason: "".into() };
                    let _ = socket.send(WsMessage::Close(Some(frame))).await;
                    drop(socket);
                    shared.update(|st| st.detach(conn.id));
                    if let Some(done) = done {
                        let _ = done.send(());
                    }
                    return;
                }
                None => break,
            },
            () = async { let _ = stop.wait_for(|stop| *stop).await; } => break,
        }
    }
    drop(socket);
    shared.update(|st| st.detach(conn.id));
}

pub(crate) fn handle_session_command(shared: &Shared, conn: &ConnHandle, payload: &Value) {
    let d = &payload["d"];
    if payload["op"] == 2 {
        shared.update(|st| st.identify(conn, d));
    } else {
        shared.update(|st| st.resume(conn, d));
    }
}
