//! The power actions people ask for — wake, shutdown now, maintenance on
//! and off — as calls with typed answers, for Discord's `/wake` and the
//! admin page alike. The power driver owns the machine; this service only
//! hands it the request and brings back its verdict, so both front doors
//! answer from the machine's own word, never from a state they read
//! themselves a moment earlier.

use tokio::sync::{mpsc, oneshot};

use crate::power::driver::Input;
use crate::power::machine::{Event, Requester, StateKind};

/// Why a power request did nothing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PowerError {
    /// The machine turned the request down in this state.
    #[error("refused: the server is {state}")]
    Refused { state: StateKind },
    #[error("the power loop is not running")]
    Stopped,
    #[error("the power loop did not answer")]
    NoAnswer,
}

/// A cheap handle (a channel sender): clone it freely.
#[derive(Clone)]
pub struct Power {
    inputs: mpsc::Sender<Input>,
}

impl Power {
    pub fn new(inputs: mpsc::Sender<Input>) -> Self {
        Power { inputs }
    }

    /// Starts the server for `by`; refused unless it is off.
    pub async fn wake(&self, by: Requester) -> Result<(), PowerError> {
        self.ask(Event::WakeRequested { by }).await
    }

    /// Powers the host off now (through the shutdown timer, which expires
    /// at once); refused unless the server is running.
    pub async fn shutdown_now(&self) -> Result<(), PowerError> {
        self.ask(Event::AdminShutdown).await
    }

    /// Maintenance on (no automatic power action) or off; never refused.
    pub async fn set_maintenance(&self, on: bool) -> Result<(), PowerError> {
        self.ask(Event::AdminMaintenance(on)).await
    }

    async fn ask(&self, event: Event) -> Result<(), PowerError> {
        let (reply, answer) = oneshot::channel();
        self.inputs
            .send(Input::Request { event, reply })
            .await
            .map_err(|_| PowerError::Stopped)?;
        answer
            .await
            .map_err(|_| PowerError::NoAnswer)?
            .map_err(|refused| PowerError::Refused {
                state: refused.from,
            })
    }
}
