//! Password hashing, bounded. An Argon2 check takes about 19 MiB and real
//! CPU time, and anyone can ask for one by trying to sign in. So at most one
//! hash per core runs at a time, on a fixed set of threads of its own, and
//! each of them checks passwords in one working memory it allocated once: the
//! allocator keeps freed blocks of that size, and allocating one per check
//! took the relay to gigabytes under a flood. A request that cannot get a
//! turn soon is refused as busy.

use std::cell::RefCell;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{Semaphore, oneshot};

/// How long a request may wait for a turn before it is refused.
const TURN_WAIT: Duration = Duration::from_secs(2);

type Job = Box<dyn FnOnce() + Send>;

/// No hashing turn came free in time; the caller should try again shortly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

#[derive(Clone)]
pub struct Passwords {
    turns: Arc<Semaphore>,
    jobs: mpsc::Sender<Job>,
}

impl Passwords {
    /// One hashing thread per core.
    pub fn new() -> Self {
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::with_workers(workers)
    }

    fn with_workers(workers: usize) -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..workers {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("warmline-hash-{i}"))
                .spawn(move || {
                    loop {
                        let job = queue.lock().expect("hash queue lock").recv();
                        match job {
                            Ok(job) => job(),
                            // The relay is gone.
                            Err(_) => return,
                        }
                    }
                })
                .expect("a hashing thread starts");
        }
        Self {
            turns: Arc::new(Semaphore::new(workers)),
            jobs,
        }
    }

    pub async fn hash(&self, password: String) -> Result<String, Busy> {
        self.run(move || hash_password(&password)).await
    }

    /// Whether `password` matches `hash`. A malformed hash matches nothing.
    pub async fn verify(&self, hash: String, password: String) -> Result<bool, Busy> {
        self.run(move || verify_password(&hash, &password)).await
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let turn = tokio::time::timeout(TURN_WAIT, self.turns.clone().acquire_owned())
            .await
            .map_err(|_| Busy)?
            .expect("the semaphore is never closed");
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
            drop(turn);
        });
        self.jobs.send(job).map_err(|_| Busy)?;
        result.await.map_err(|_| Busy)
    }
}

fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 accepts any password with a generated salt")
        .to_string()
}

thread_local! {
    /// This thread's Argon2 working memory, kept between checks.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .ok()
        .and_then(|parsed| matches(&parsed, password))
        .unwrap_or(false)
}

/// Recomputes the hash with the stored parameters and salt, in this
/// thread's working memory; `None` when the stored hash is not one we read.
fn matches(parsed: &PasswordHash, password: &str) -> Option<bool> {
    let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
    let version = match parsed.version {
        Some(v) => Version::try_from(v).ok()?,
        None => Version::default(),
    };
    let params = Params::try_from(parsed).ok()?;
    let expected = parsed.hash?;
    let mut salt = [0u8; 64];
    let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
    let mut computed = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params.clone());
    MEMORY.with_borrow_mut(|memory| {
        memory.resize(params.block_count(), Block::default());
        argon2
            .hash_password_into_with_memory(
                password.as_bytes(),
                salt,
                &mut computed,
                &mut memory[..],
            )
            .ok()
    })?;
    // `Output` compares in constant time.
    Some(Output::new(&computed).ok()? == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse"));
        assert!(!verify_password(&hash, "Correct horse"));
        assert!(!verify_password("not a hash", "correct horse"));
    }

    #[tokio::test]
    async fn no_more_hashes_run_at_once_than_there_are_workers() {
        let passwords = Passwords::with_workers(2);
        let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let tasks = (0..8).map(|_| {
            let (running, most) = (running.clone(), most.clone());
            passwords.run(move || {
                use std::sync::atomic::Ordering::SeqCst;
                let now = running.fetch_add(1, SeqCst) + 1;
                most.fetch_max(now, SeqCst);
                std::thread::sleep(Duration::from_millis(20));
                running.fetch_sub(1, SeqCst);
            })
        });
        let results = futures::future::join_all(tasks).await;
        assert!(results.iter().all(Result::is_ok));
        assert_eq!(most.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_that_gets_no_turn_in_time_is_refused_as_busy() {
        let passwords = Passwords::with_workers(1);
        let (release, held) = std::sync::mpsc::channel::<()>();
        let blocker = tokio::spawn({
            let passwords = passwords.clone();
            async move { passwords.run(move || held.recv().ok()).await }
        });
        tokio::task::yield_now().await;
        assert_eq!(passwords.run(|| ()).await, Err(Busy));
        release.send(()).unwrap();
        assert!(blocker.await.unwrap().is_ok());
    }
}
