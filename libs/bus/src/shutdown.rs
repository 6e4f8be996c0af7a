//! A shutdown signal shared by every task of a process.

use tokio::sync::watch;

/// Fires the shutdown of every [`Shutdown`] made from it.
#[derive(Debug, Clone)]
pub struct ShutdownTrigger(watch::Sender<bool>);

/// Completes when shutdown is requested.
#[derive(Debug, Clone)]
pub struct Shutdown(watch::Receiver<bool>);

impl ShutdownTrigger {
    /// A new trigger.
    pub fn new() -> Self {
        ShutdownTrigger(watch::channel(false).0)
    }

    /// A signal that completes when this trigger fires.
    pub fn signal(&self) -> Shutdown {
        Shutdown(self.0.subscribe())
    }

    /// Requests shutdown.
    pub fn fire(&self) {
        self.0.send_replace(true);
    }
}

impl Default for ShutdownTrigger {
    fn default() -> Self {
        Self::new()
    }
}

impl Shutdown {
    /// Waits until shutdown is requested.
    pub async fn wait(&mut self) {
        let _ = self.0.wait_for(|fired| *fired).await;
    }

    /// Whether shutdown has been requested.
    pub fn fired(&self) -> bool {
        *self.0.borrow()
    }
}
