//! `campus-local serve`: set up the local emulator from `template.yaml`, seed demo
//! data, serve every function on one port, and drive the mailer. `campus-local openapi`: print the
//! OpenAPI document. `campus-local job NAME`: run a scheduled job once.
//! `campus-local superadmin`: create a platform operator (`EMAIL`, `PASSWORD`, `NAME`).
//! `campus-local iam-report DIR`: judge the AWS calls the tests recorded (see `iam`).

use std::net::SocketAddr;

use campus::{AppState, config::Config};
use campus_local::{drivers, gateway, openapi, seed, setup, template::Template};

#[tokio::main]
async fn main() {
    // One process serves every function here, many requests at once.
    campus::lambda::fixed_mmap_threshold();
    let cmd = std::env::args().nth(1).unwrap_or_else(|| "serve".into());
    let result = match cmd.as_str() {
        "openapi" => {
            print!("{}", openapi::json());
            Ok(())
        }
        "serve" => serve().await,
        "job" => job(std::env::args().nth(2).unwrap_or_default()).await,
        "superadmin" => superadmin().await,
        "iam-report" => iam_report(std::env::args().nth(2).unwrap_or_default()),
        other => Err(format!(
            "unknown command {other:?}; use serve, job, superadmin, iam-report or openapi"
        )),
    };
    if let Err(e) = result {
        eprintln!("campus-local: {e}");
        std::process::exit(1);
    }
}

async fn serve() -> Result<(), String> {
    campus::lambda::init_tracing();
    let cfg = campus::secrets::from_environment()
        .await
        .map_err(|e| e.to_string())?;
    let template = Template::find()?;
    template.withhold_secrets();
    setup::create_all(&template, &cfg).await?;
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    stripe(&cfg, port).await?;
    let stripe_base = cfg.stripe.api_base.clone();
    // `make test`'s fuzz run: every call judged against its function's policy.
    if let Some(dir) = std::env::var_os("CAMPUS_IAM_RECORD") {
        campus_local::iam::enforce_template(&template, &cfg, Some(dir.into()))?;
    }
    let state = AppState::new(cfg);
    drivers::spawn(state.clone());
    let db = state.db.clone();
    let app = gateway::gateway(&template, state)?;
    seed::seed(&app, &db).await?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("binding {addr}: {e}"))?;
    println!("Campus API on http://{addr}  (docs: http://{addr}/api/docs)");
    println!("Demo logins, password {:?}:", seed::PASSWORD);
    for (email, _, role) in seed::PEOPLE {
        println!("  {role:<12} {email}");
    }
    println!("Stripe (local): {stripe_base}  (pay a Checkout session: POST <checkoutUrl>/pay)");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|e| e.to_string())
}

/// Stripe, locally: the stand-in for what localstripe lacks, on the port of
/// `STRIPE_API_BASE`, in front of localstripe (`LOCALSTRIPE_URL`, which `make run`
/// starts); both send their events, signed, to this API's webhook.
async fn stripe(cfg: &Config, api_port: u16) -> Result<(), String> {
    let Ok(upstream) = std::env::var("LOCALSTRIPE_URL") else {
        return Ok(());
    };
    let base = cfg.stripe.api_base.trim_end_matches('/').to_string();
    let addr: SocketAddr = base
        .strip_prefix("http://")
        .and_then(|a| a.parse().ok())
        .ok_or("STRIPE_API_BASE must be http://127.0.0.1:PORT for make run")?;
    let webhook = cfg.stripe_webhook_secret.as_ref().map(|s| {
        (
            format!("http://127.0.0.1:{api_port}/api/webhooks/stripe"),
            s.expose().to_string(),
        )
    });
    if let Some((url, secret)) = &webhook {
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("url", url)
            .append_pair("secret", secret)
            .finish();
        reqwest::Client::new()
            .post(format!("{upstream}/_config/webhooks/campus"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| format!("registering the webhook with localstripe: {e}"))?;
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("binding {addr} (STRIPE_API_BASE): {e}"))?;
    let standin = campus_local::stripe::StandIn::new(base, Some(upstream), webhook);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, standin.router()).await {
            eprintln!("campus-local: the Stripe stand-in stopped: {e}");
        }
    });
    Ok(())
}

/// `campus-local superadmin` (`make superadmin EMAIL=… PASSWORD=…`): a platform
/// operator with that password, on the local stack.
async fn superadmin() -> Result<(), String> {
    campus::lambda::init_tracing();
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let email = env("EMAIL").ok_or("EMAIL is required")?;
    let password = env("PASSWORD").ok_or("PASSWORD is required")?;
    let name = env("NAME").unwrap_or_else(|| "Platform operator".into());
    let cfg = campus::secrets::from_environment()
        .await
        .map_err(|e| e.to_string())?;
    let state = AppState::new(cfg);
    let id = campus::platform::create_operator(&state, &email, &name, Some(password))
        .await
        .map_err(|e| format!("{e:?}"))?;
    println!("platform operator {email} created (user {id}); sign in at /api/auth/login");
    Ok(())
}

/// `campus-local job NAME`: runs a scheduled job once against the local stack, as its
/// schedule would (the same event, the same function).
async fn job(name: String) -> Result<(), String> {
    campus::lambda::init_tracing();
    let cfg = campus::secrets::from_environment()
        .await
        .map_err(|e| e.to_string())?;
    Template::find()?.withhold_secrets();
    let state = AppState::new(cfg).for_function("reminders");
    let mut event = serde_json::json!({ "job": name });
    // `make job NOW=2027-12-01`: the job as it would run then.
    if let Ok(now) = std::env::var("NOW")
        && !now.trim().is_empty()
    {
        event["now"] = now.into();
    }
    let report = campus_reminders::handle(&state, event)
        .await
        .map_err(|e| format!("{e:?}"))?;
    println!(
        "{name}: {} sent, {} already sent",
        report.sent, report.already_sent
    );
    Ok(())
}

/// `campus-local iam-report DIR` (the end of `make test`): fails on any AWS call the
/// tests saw outside its function's policy, and lists the grants no test used.
fn iam_report(dir: String) -> Result<(), String> {
    let template = Template::find()?;
    // Grants as the tests' check named them: the secrets by their local names.
    let names = campus_local::iam::Names {
        table: String::new(),
        bucket: String::new(),
        parameters: template.secret_names(),
    };
    let policies = campus_local::iam::Policies::from_template(&template, &names)?;
    let report = campus_local::iam::report(&policies, std::path::Path::new(&dir))?;
    print!("{report}");
    Ok(())
}
