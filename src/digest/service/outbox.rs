//! The digest's outbox: every stored digest not yet accepted by the SMTP
//! server is sent, retried with a backoff while the server refuses it, and
//! its delivery status saved — kept in memory and retried while the disk
//! cannot take it, so a digest once accepted is never sent again.

use super::*;

impl Digester {
    /// Reads the outbox only when there is a reason to: at start, when a
    /// digest is added, and when a retry is due — never on a timer while it
    /// is empty (reading it decodes every digest kept).
    pub(super) async fn send_loop(self: Arc<Self>, shutdown: CancellationToken) {
        loop {
            let wait = match self.send_due().await {
                Ok(wait) => wait,
                Err(e) => {
                    log::error!("digest: outbox: {e:#}");
                    Some(RECHECK)
                }
            };
            let retry = async {
                match wait {
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = self.outbox_changed.notified() => {}
                () = retry => {}
                () = shutdown.cancelled() => break,
            }
        }
        if self.save_unsaved().await.is_some() {
            log::error!(
                "digest: stopping with delivery statuses still unsaved: those digests will be \
                 sent again at the next start (same Message-ID)"
            );
        }
    }

    /// Retries writing the deliveries kept in memory; returns when to try
    /// again if some are still unsaved.
    pub(super) async fn save_unsaved(&self) -> Option<Duration> {
        let unsaved: Vec<(u64, Delivery)> = self
            .unsaved_lock()
            .iter()
            .map(|(id, d)| (*id, d.clone()))
            .collect();
        if unsaved.is_empty() {
            return None;
        }
        for (id, delivery) in unsaved {
            let archive = self.builder.archive.clone();
            let saved = delivery.clone();
            match blocking(move || archive.set_delivery(id, &saved)).await {
                Ok(()) => {
                    let mut kept = self.unsaved_lock();
                    if kept.get(&id) == Some(&delivery) {
                        kept.remove(&id);
                    }
                    log::info!("digest #{id}: delivery status saved at last");
                }
                Err(e) => {
                    log::warn!(
                        "digest #{id}: delivery status still not saved: {}",
                        crate::store::chain(&e)
                    );
                    return Some(self.save_retry());
                }
            }
        }
        None
    }

    /// How soon an unsaved delivery status is written again.
    pub(super) fn save_retry(&self) -> Duration {
        self.builder.settings().retry_after.min(RECHECK)
    }

    pub(super) fn unsaved_lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Delivery>> {
        self.unsaved.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Tries every digest that is due; returns how long until the next
    /// retry, `None` when the outbox is empty.
    pub(super) async fn send_due(&self) -> Result<Option<Duration>, DigestError> {
        let mut wait = self.save_unsaved().await;
        let archive = self.builder.archive.clone();
        let mut pending = blocking(move || archive.pending()).await?;
        {
            // What the database could not record yet is what holds.
            let unsaved = self.unsaved_lock();
            pending.retain_mut(|d| match unsaved.get(&d.id) {
                Some(delivery @ Delivery::Pending { .. }) => {
                    d.delivery = delivery.clone();
                    true
                }
                Some(_) => false,
                None => true,
            });
        }
        self.metrics.digest_outbox(pending.len() as u64);
        let mut left = 0;
        for digest in pending {
            let Delivery::Pending {
                attempts,
                next_attempt_ms,
                ..
            } = digest.delivery
            else {
                continue;
            };
            let now = self.now();
            let next_attempt = Timestamp::from_millis_i64(next_attempt_ms);
            if next_attempt > now {
                let until = now.until(next_attempt);
                wait = Some(wait.map_or(until, |w| w.min(until)));
                left += 1;
                continue;
            }
            let attempts = attempts + 1;
            let mail = OutgoingMail {
                message_id: digest.message_id.clone(),
                subject: digest.subject.clone(),
                text: digest.text.clone(),
                html: digest.html.clone(),
                date_ms: digest.created_ms,
            };
            let delivery = match self.mailer.send(&mail).await {
                Ok(()) => {
                    log::info!("digest #{}: sent (attempt {attempts})", digest.id);
                    self.metrics.digest_sent();
                    Delivery::Sent {
                        at_ms: self.now().as_millis_i64(),
                        attempts,
                    }
                }
                Err(e) => {
                    let delay = backoff(self.builder.settings().retry_after, attempts);
                    log::warn!(
                        "digest #{}: not sent (attempt {attempts}), next try in {}: {e}",
                        digest.id,
                        humantime::format_duration(delay)
                    );
                    if attempts == 1 {
                        // Once per digest: the log has every attempt.
                        let wait = humantime::format_duration(delay).to_string();
                        self.alert(not_sent_alert(
                            self.builder.settings().language,
                            digest.id,
                            &wait,
                            &e.to_string(),
                        ));
                    }
                    wait = Some(wait.map_or(delay, |w| w.min(delay)));
                    left += 1;
                    Delivery::Pending {
                        attempts,
                        next_attempt_ms: self.now().after(delay).as_millis_i64(),
                        last_error: Some(e.to_string()),
                    }
                }
            };
            let archive = self.builder.archive.clone();
            let id = digest.id;
            let saved = delivery.clone();
            if let Err(e) = blocking(move || archive.set_delivery(id, &saved)).await {
                self.keep_unsaved(id, delivery, &e);
                let retry = self.save_retry();
                wait = Some(wait.map_or(retry, |w| w.min(retry)));
            }
        }
        self.metrics.digest_outbox(left);
        Ok(wait)
    }

    /// Keeps a delivery the database refused, so the outbox does not act
    /// on the stale one; the admin hears of it once per outage (the first
    /// delivery kept while none was).
    pub(super) fn keep_unsaved(&self, id: u64, delivery: Delivery, error: &DigestError) {
        let sent = matches!(delivery, Delivery::Sent { .. });
        let first = {
            let mut unsaved = self.unsaved_lock();
            let first = unsaved.is_empty();
            unsaved.insert(id, delivery);
            first
        };
        let error = crate::store::chain(error);
        log::error!(
            "digest #{id}: cannot save its delivery status ({error}); kept in memory, \
             retried in {}",
            humantime::format_duration(self.save_retry())
        );
        if first {
            let what = if sent {
                "was sent, but the database could not record it"
            } else {
                "could not be sent, and the database could not record the attempt"
            };
            self.alert(self.builder.settings().messages.render(
                Text::AdminAlert,
                &[(
                    "reason",
                    &format!(
                        "digest #{id} {what} ({error}). It will not be sent twice; \
                         the status is saved as soon as the disk allows. Is the SD card \
                         full or read-only?"
                    ),
                )],
            ));
        }
    }
}
