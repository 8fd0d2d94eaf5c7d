//! Embedded AWS emulator: Step Functions (with the `asl` interpreter), Lambda (running real
//! `bootstrap` binaries), DynamoDB, EventBridge, IAM, S3, STS and CloudWatch Logs, speaking the
//! real AWS wire protocols on one HTTP listener. Any AWS client works against it by changing
//! the endpoint.
//!
//! ```no_run
//! # async fn demo() -> Result<(), emulator::StartError> {
//! let emulator = emulator::start(emulator::Config::ephemeral()).await?;
//! println!("AWS_ENDPOINT_URL={}", emulator.endpoint());
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```

pub mod cloud;
pub mod error;
pub mod guard;
pub mod journal;
pub mod protocol;
pub mod request;
pub mod routing;
pub mod server;
pub mod services;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use cloud::Cloud;
pub use error::{AwsError, AwsResult};
pub use request::{ACCOUNT_ID, DEFAULT_REGION};

/// The port `deployer local serve` listens on by default (LocalStack's, which tools expect).
pub const DEFAULT_PORT: u16 = 4566;

/// How to run the emulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The address to listen on (loopback unless told otherwise).
    pub host: IpAddr,
    /// The port; 0 picks a free one.
    pub port: u16,
    /// Where to persist state; `None` keeps everything in memory.
    pub state_dir: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: DEFAULT_PORT,
            state_dir: None,
        }
    }
}

impl Config {
    /// In memory, on loopback, on a free port: what tests want.
    pub fn ephemeral() -> Self {
        Config {
            port: 0,
            ..Config::default()
        }
    }
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The state directory could not be opened or replayed.
    #[error("{0}")]
    State(String),
}

/// A running emulator. Dropping it stops the listener.
#[derive(Debug)]
pub struct Emulator {
    addr: SocketAddr,
    cloud: Arc<Cloud>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

/// Starts the emulator: replays the state directory (if any), binds, and serves in the
/// background of the current tokio runtime.
pub async fn start(config: Config) -> Result<Emulator, StartError> {
    let (journal, records) = match &config.state_dir {
        Some(dir) => {
            let (journal, records) =
                journal::Journal::open(dir).map_err(|e| StartError::State(e.to_string()))?;
            (Some(journal), records)
        }
        None => (None, Vec::new()),
    };
    let addr = SocketAddr::new(config.host, config.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| StartError::Bind { addr, source })?;
    let cloud = Cloud::new(journal);
    cloud.replay(records).map_err(StartError::State)?;
    cloud.lambda.set_endpoint(sandbox_endpoint(addr));
    let (stop, stopped) = oneshot::channel::<()>();
    let app = server::router(cloud.clone());
    let server = tokio::spawn(async move {
        let serving = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(e) = serving.await {
            eprintln!("emulator: the listener stopped: {e}");
        }
    });
    Ok(Emulator {
        addr,
        cloud,
        stop: Some(stop),
        server: Some(server),
    })
}

/// The endpoint Lambda sandboxes reach the emulator at: loopback when listening on every
/// address.
fn sandbox_endpoint(addr: SocketAddr) -> String {
    let host = if addr.ip().is_unspecified() {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        addr.ip()
    };
    format!("http://{}", SocketAddr::new(host, addr.port()))
}

impl Emulator {
    /// The endpoint URL to give clients (`http://127.0.0.1:4566`).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The emulated account, for in-process inspection.
    pub fn cloud(&self) -> &Arc<Cloud> {
        &self.cloud
    }

    /// Stops accepting requests, finishes those in flight, and stops Lambda sandboxes.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        self.cloud.lambda.shutdown().await;
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}
