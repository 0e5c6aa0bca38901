//! Limits on CPU-heavy work per process (see `WorkGate`).

use crate::error::AppError;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// A limit on CPU-heavy work a request can ask for: at most `running` at a time on blocking
/// threads, at most `queue` more waiting; beyond that `Busy` (503 with a retry hint) instead
/// of a pile of work that slows every page down.
pub struct WorkGate {
    /// One per piece of work running or waiting.
    admitted: Arc<Semaphore>,
    /// One per piece of work running.
    running: Arc<Semaphore>,
}

impl WorkGate {
    pub fn new(running: usize, queue: usize) -> WorkGate {
        WorkGate { admitted: Arc::new(Semaphore::new(running + queue)), running: Arc::new(Semaphore::new(running)) }
    }

    /// Every slot, running and queued: what a request may be refused at.
    pub fn capacity(&self) -> usize {
        self.admitted.available_permits()
    }

    /// Runs `work` on a blocking thread when its turn comes, or refuses when the queue is full.
    /// The slots go with the work: a request dropped while it runs (the client went away) keeps
    /// them taken until the work is really done.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
        let admitted = self.admitted.clone().try_acquire_owned().map_err(|_| AppError::Busy)?;
        let running = self.running.clone().acquire_owned().await.map_err(|_| AppError::Internal)?;
        tokio::task::spawn_blocking(move || {
            let out = work();
            drop((running, admitted));
            out
        })
        .await
        .map_err(|_| AppError::Internal)
    }

    /// Holds every slot, as a burst of sign-ins would (for tests of the refusal).
    pub fn fill(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        let n = u32::try_from(self.admitted.available_permits()).ok()?;
        self.admitted.try_acquire_many(n).ok()
    }
}

impl WorkGate {
    /// For password hashing and checking (19 MiB and tens of milliseconds of a core each): as
    /// many running as there are cores, twice as many waiting.
    pub fn for_passwords() -> WorkGate {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        WorkGate::new(cores, 2 * cores)
    }

    /// For decoding and resizing photos (up to 256 MiB each): one at a time, a few waiting.
    pub fn for_photos() -> WorkGate {
        WorkGate::new(1, 3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashing_beyond_the_cores_and_the_queue_is_refused() {
        fn nothing() {}
        let gate = WorkGate::new(1, 2);
        let (release, hold) = tokio::sync::oneshot::channel::<()>();
        // One running (held until released), two waiting behind it: the gate is full.
        let mut running = Box::pin(gate.run(move || {
            let _ = hold.blocking_recv();
        }));
        let mut first = Box::pin(gate.run(nothing));
        let mut second = Box::pin(gate.run(nothing));
        let moment = std::time::Duration::from_millis(50);
        assert!(tokio::time::timeout(moment, &mut running).await.is_err(), "held");
        assert!(tokio::time::timeout(moment, &mut first).await.is_err(), "queued");
        assert!(tokio::time::timeout(moment, &mut second).await.is_err(), "queued");
        assert_eq!(gate.capacity(), 0);
        assert_eq!(gate.run(nothing).await, Err(AppError::Busy));
        let _ = release.send(());
        assert_eq!(running.await, Ok(()));
        assert_eq!(first.await, Ok(()));
        assert_eq!(second.await, Ok(()));
        assert_eq!(gate.capacity(), 3, "every slot is free again");
        // Work whose request went away keeps its slot until it is done.
        let (release, hold) = tokio::sync::oneshot::channel::<()>();
        let mut abandoned = Box::pin(gate.run(move || {
            let _ = hold.blocking_recv();
        }));
        assert!(tokio::time::timeout(moment, &mut abandoned).await.is_err());
        drop(abandoned);
        tokio::time::sleep(moment).await;
        assert_eq!(gate.capacity(), 2, "still running");
        let _ = release.send(());
        for _ in 0..100 {
            if gate.capacity() == 3 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(gate.capacity(), 3);
    }
}
