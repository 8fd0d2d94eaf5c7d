//! Runs the emulator until it is interrupted (Ctrl-C ends the process):
//! `cargo run -p emulator --example serve -- PORT [STATE_DIR]`. A stand-in for
//! `deployer local serve`, for tools such as the conformance runner.

use std::path::PathBuf;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let port = match args.next().map(|p| p.parse::<u16>()) {
        Some(Ok(port)) => port,
        _ => {
            eprintln!("usage: serve PORT [STATE_DIR]");
            std::process::exit(2);
        }
    };
    let config = emulator::Config {
        port,
        state_dir: args.next().map(PathBuf::from),
        ..emulator::Config::default()
    };
    match emulator::start(config).await {
        Ok(emulator) => {
            println!("AWS_ENDPOINT_URL={}", emulator.endpoint());
            std::future::pending::<()>().await;
        }
        Err(e) => {
            eprintln!("serve: {e}");
            std::process::exit(1);
        }
    }
}
