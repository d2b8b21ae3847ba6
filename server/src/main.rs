use tracing_subscriber::EnvFilter;
use warmline_server::{Config, Relay};

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let relay = match Relay::bind(Config::from_env()).await {
        Ok(relay) => relay,
        Err(e) => {
            eprintln!("warmline: {e}");
            std::process::exit(1);
        }
    };
    // Tests and scripts read these lines; keep their wording stable.
    println!("Warmline relay listening on {}", relay.url);
    if let Some(demo) = &relay.demo {
        println!("  demo host page: {}/demo/", relay.url);
        println!("  agent console:  {}/console/", relay.url);
        println!(
            "  sign in as {} with password {}",
            demo.email, demo.password.0
        );
    }
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(e) = relay.serve(shutdown).await {
        eprintln!("warmline: {e}");
        std::process::exit(1);
    }
}
