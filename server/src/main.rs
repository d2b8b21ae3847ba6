use clap::Parser;
use tracing_subscriber::EnvFilter;
use warmline_server::Relay;
use warmline_server::config::{Args, Command, Config, KbCommand, unknown_variables};

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    for name in unknown_variables(std::env::vars().map(|(name, _)| name)) {
        tracing::warn!("{name} is set but no setting reads it; see `warmline --help`");
    }
    let mut args = Args::parse();
    let command = args.command.take();
    let config = match Config::load(args) {
        Ok(config) => config,
        Err(e) => fail(e),
    };
    if let Some(Command::Kb(KbCommand::Import { dir, site })) = command {
        match warmline_server::import_kb(&config, &site, &dir).await {
            Ok(report) => {
                println!("{report}");
                // Bad files were reported; the rest went in.
                std::process::exit(if report.failed.is_empty() { 0 } else { 1 });
            }
            Err(e) => fail(e),
        }
    }
    let mail_dir = config.mail_dir.clone();
    let relay = match Relay::bind(config).await {
        Ok(relay) => relay,
        Err(e) => fail(e),
    };
    // Tests and scripts read these lines; keep their wording stable.
    println!("Warmline relay listening on {}", relay.url);
    if let Some(demo) = &relay.demo {
        println!("  demo host page: {}/demo/", relay.url);
        println!("  agent console:  {}/console/", relay.url);
        println!(
            "  sign in as {} with password {}",
            demo.email,
            demo.password.expose()
        );
        println!(
            "  visitor identity secret (demo site): {}",
            demo.identity_secret.expose()
        );
    }
    if let Some(dir) = mail_dir {
        println!("  emails to visitors are written to {}", dir.display());
    }
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(e) = relay.serve(shutdown).await {
        fail(e);
    }
}

fn fail(error: impl std::fmt::Display) -> ! {
    eprintln!("warmline: {error}");
    std::process::exit(1);
}
