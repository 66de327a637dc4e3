//! Proxmox's asynchronous tasks: a power action answers with a task id
//! (UPID) at once, and the outcome is read from the task's status later.
//! This module owns the UPID type, the task status and
//! [`ProxmoxClient::wait_for_task`], which follows a task to its end.

use std::fmt;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use super::client::{bad, encode};
use super::{truncate, ProxmoxClient, ProxmoxError};

/// Proxmox's id of an asynchronous task (`UPID:node:pid:pstart:start:type:id:user:`),
/// returned by power actions and used to follow them.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Upid(String);

impl Upid {
    /// Longest UPID accepted; real ones are under 100 characters.
    const MAX_LEN: usize = 512;

    /// Validates a UPID: it starts with `UPID:`, names a node, and has no
    /// whitespace or control characters.
    pub fn parse(value: &str) -> Result<Self, ProxmoxError> {
        let bad = || ProxmoxError::InvalidUpid {
            value: truncate(value, 80),
        };
        let rest = value.strip_prefix("UPID:").ok_or_else(bad)?;
        if value.len() > Self::MAX_LEN || value.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(bad());
        }
        match rest.split(':').next() {
            Some(node) if !node.is_empty() => Ok(Upid(value.to_owned())),
            _ => Err(bad()),
        }
    }

    /// The UPID as Proxmox wrote it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The node that runs the task; its task list is where the status lives.
    pub fn node(&self) -> &str {
        self.0.split(':').nth(1).unwrap_or_default()
    }
}

impl std::str::FromStr for Upid {
    type Err = ProxmoxError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Upid::parse(s)
    }
}

impl fmt::Display for Upid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Upid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Upid({})", self.0)
    }
}

/// State of an asynchronous task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskStatus {
    Running,
    /// Finished; `exit_status` is `OK` on success, otherwise Proxmox's
    /// message (including `WARNINGS: n` for tasks that logged warnings).
    Stopped {
        exit_status: String,
    },
}

impl TaskStatus {
    /// True only for a task that finished with exit status `OK`.
    pub fn ok(&self) -> bool {
        matches!(self, TaskStatus::Stopped { exit_status } if exit_status == "OK")
    }
}

impl ProxmoxClient {
    /// `GET /nodes/{node}/tasks/{upid}/status`, on the node named in the UPID.
    pub async fn task_status(&self, upid: &Upid) -> Result<TaskStatus, ProxmoxError> {
        let path = format!(
            "/nodes/{}/tasks/{}/status",
            encode(upid.node()),
            encode(upid.as_str())
        );
        let (url, data) = self.call(Method::GET, path, None).await?;
        let obj = data
            .as_object()
            .ok_or_else(|| bad(&url, "`data` is not an object"))?;
        match obj.get("status").and_then(Value::as_str) {
            Some("running") => Ok(TaskStatus::Running),
            Some("stopped") => Ok(TaskStatus::Stopped {
                exit_status: obj
                    .get("exitstatus")
                    .and_then(Value::as_str)
                    .map(|s| self.server_text(s))
                    .unwrap_or_default(),
            }),
            Some(other) => Err(bad(
                &url,
                &format!("unknown task status `{}`", truncate(other, 40)),
            )),
            None => Err(bad(&url, "no task `status` field")),
        }
    }

    /// Polls the task every `poll` until it stops: `Ok` if it ended `OK`,
    /// [`ProxmoxError::TaskFailed`] with Proxmox's exit status otherwise,
    /// [`ProxmoxError::TaskTimeout`] if still running after `timeout`. An
    /// error while polling ends the wait with that error.
    pub async fn wait_for_task(
        &self,
        upid: &Upid,
        poll: Duration,
        timeout: Duration,
    ) -> Result<(), ProxmoxError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match self.task_status(upid).await? {
                TaskStatus::Stopped { exit_status } if exit_status == "OK" => return Ok(()),
                TaskStatus::Stopped { exit_status } => {
                    return Err(ProxmoxError::TaskFailed {
                        upid: upid.clone(),
                        exit_status,
                    })
                }
                TaskStatus::Running => {}
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Err(ProxmoxError::TaskTimeout {
                    upid: upid.clone(),
                    timeout,
                });
            }
            tokio::time::sleep(poll.min(deadline - now)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upid_must_start_with_upid_and_name_a_node() {
        let upid =
            Upid::parse("UPID:pve:0001F2A3:00B1C2D3:6650A1B2:vzreboot:105:cubeguardian@pve!bot:")
                .unwrap();
        assert_eq!(upid.node(), "pve");
        assert!(Upid::parse("pve:0001F2A3").is_err());
        assert!(Upid::parse("UPID::123").is_err());
        assert!(Upid::parse("UPID:pve:12 34").is_err());
        assert!(Upid::parse(&format!("UPID:pve:{}", "x".repeat(600))).is_err());
    }

    #[test]
    fn task_status_ok_only_for_ok() {
        assert!(TaskStatus::Stopped {
            exit_status: "OK".into()
        }
        .ok());
        assert!(!TaskStatus::Stopped {
            exit_status: "WARNINGS: 1".into()
        }
        .ok());
        assert!(!TaskStatus::Running.ok());
    }
}
