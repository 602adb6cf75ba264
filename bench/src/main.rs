//! `make bench`: measures every HTTP function, and a Node/Express peer, the way Lambda
//! runs them: spawned under a local Runtime API, fed API Gateway events from `events/`.
//! Prints a markdown table and writes `bench/results.json`.
//!
//! Every invocation comes from its own source address, as Lambda's traffic does: the
//! per-address rate limit of public routes would otherwise refuse the bench itself.
//! The signed-in routes are one user's thousand invocations a minute, so `make bench`
//! raises the per-user limits (each request is still counted) and every answer is
//! checked, so a refusal is never timed as the route.
//! `BENCH_FUNCTIONS="auth courses"` measures only those (`peer` names the Express
//! peer). Each subject's measurement is kept in `.local/bench/`, keyed by its binary,
//! so an interrupted run resumes where it stopped and a rebuilt function is measured
//! again; `BENCH_FRESH=1` measures everything anew.

mod cases;
mod cost;
mod runtime_api;
mod scenario;
mod stats;

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use campus::{AppState, config::Config};
use campus_local::{functions::HTTP_FUNCTIONS, gateway, seed, setup, template::Template};
use cases::{Case, Expect, Make, WARM_EACH_MADE, event, password_change, request};
use runtime_api::RuntimeApi;
use serde::{Deserialize, Serialize};
use stats::{Percentiles, peak_rss_mb, percentiles};

const SPAWNS: usize = 20;
struct Subject {
    name: String,
    /// The binary measured (`program` may be a wrapper such as `taskset`).
    binary: PathBuf,
    /// The function's name, as Lambda would set it.
    function: String,
    program: PathBuf,
    args: Vec<String>,
    events: Vec<Case>,
}

#[derive(Serialize, Deserialize, Clone)]
struct RouteResult {
    subject: String,
    route: String,
    fixture: String,
    cold: Percentiles,
    /// Of `cold`: spawn → the first `/next` (the event waits queued), i.e. init.
    #[serde(default)]
    init: Option<Percentiles>,
    warm: Percentiles,
    peak_rss_mb: f64,
}

#[derive(Serialize)]
struct Package {
    function: String,
    host_binary_mb: f64,
    host_zipped_mb: f64,
    arm64_zipped_mb: Option<f64>,
}

#[derive(Serialize)]
struct Results {
    date: String,
    machine: String,
    spawns: usize,
    warm_invocations: usize,
    routes: Vec<RouteResult>,
    packages: Vec<Package>,
    dynamodb_calls: Vec<scenario::Step>,
    cost: Vec<cost::Cost>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixture(name: &str, token: &str) -> String {
    let path = root().join("events").join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .replace("{{accessToken}}", token)
}

/// The event as it would come from caller number `n`: its own source address.
fn from_caller(event: &str, n: usize) -> String {
    let Ok(mut v) = serde_json::from_str::<serde_json::Value>(event) else {
        return event.to_string();
    };
    let ip = format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255);
    v["requestContext"]["http"]["sourceIp"] = ip.clone().into();
    if let Some(h) = v["headers"].as_object_mut() {
        h.insert("x-forwarded-for".into(), ip.into());
    }
    // And, for the sign-in, an address of its own: a thousand failures on one
    // address lock it (ACCOUNT_LOCKED), which would be timed instead of the hash.
    if let Some(body) = v["body"].as_str() {
        let body = body.replace("nobody@example.com", &format!("nobody+{n}@example.com"));
        v["body"] = body.into();
    }
    v.to_string()
}

fn status_of(body: &[u8]) -> u16 {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["statusCode"].as_u64())
        .unwrap_or(0) as u16
}

fn command(s: &Subject, api: &RuntimeApi) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(&s.program);
    c.args(&s.args)
        .env("AWS_LAMBDA_RUNTIME_API", api.addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", &s.function)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    c
}

/// Spawn → first answer, and spawn → first `/next` (init), of one fresh process per
/// invocation given.
async fn cold(
    s: &Subject,
    events: &[String],
    expect: Expect,
) -> (Vec<Duration>, Vec<Duration>, f64) {
    let mut samples = Vec::new();
    let mut inits = Vec::new();
    let mut rss: f64 = 0.0;
    for event in events {
        let api = RuntimeApi::start().await;
        let start = Instant::now();
        let mut child = command(s, &api)
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {}: {e}", s.program.display()));
        let out = tokio::time::timeout(Duration::from_secs(20), api.invoke(event))
            .await
            .expect("a cold start within 20 s");
        samples.push(out.answered_at - start);
        inits.push(out.handed_at - start);
        assert!(
            expect.met(&out.body, out.error),
            "{}: unexpected answer {}",
            s.name,
            String::from_utf8_lossy(&out.body)
        );
        if let Some(pid) = child.id() {
            rss = rss.max(peak_rss_mb(pid).unwrap_or(0.0));
        }
        let _ = child.kill().await;
    }
    (samples, inits, rss)
}

/// Handler time (event handed over → answer posted) in one process: the first
/// invocation warms it, the rest are timed.
async fn warm(s: &Subject, events: &[String], expect: Expect) -> (Vec<Duration>, f64) {
    let api = RuntimeApi::start().await;
    let mut child = command(s, &api).spawn().expect("spawn");
    let (first, rest) = events.split_first().expect("a warm-up invocation");
    let out = api.invoke(first).await;
    assert!(
        expect.met(&out.body, out.error),
        "{}: {}",
        s.name,
        String::from_utf8_lossy(&out.body)
    );
    let mut samples = Vec::with_capacity(rest.len());
    for (n, event) in rest.iter().enumerate() {
        let out = api.invoke(event).await;
        samples.push(out.answered_at - out.handed_at);
        // A refusal (a rate limit, say) would be timed as if it were the route.
        assert!(
            expect.met(&out.body, out.error),
            "{}: invocation {n} answered {}",
            s.name,
            String::from_utf8_lossy(&out.body)
        );
    }
    let rss = child.id().and_then(peak_rss_mb).unwrap_or(0.0);
    let _ = child.kill().await;
    (samples, rss)
}

fn deflated_mb(path: &Path) -> Option<f64> {
    let bytes = std::fs::read(path).ok()?;
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&bytes).ok()?;
    // A one-file zip is the deflated data plus ~100 bytes of headers.
    Some(mb(enc.finish().ok()?.len() + 100))
}

fn mb(bytes: usize) -> f64 {
    (bytes as f64 / 1_048_576.0 * 100.0).round() / 100.0
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    format!("{cores} cores, {cpu}, {}", std::env::consts::ARCH)
}

fn today() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

#[tokio::main]
async fn main() {
    let cfg = Config::from_env().expect("bench settings (run it with `make bench`)");
    let template = Template::find().expect("template.yaml");
    setup::create_all(&template, &cfg)
        .await
        .expect("emulator set-up");
    let state = AppState::new(cfg);
    let walk_state = state.clone();
    let app = gateway::gateway(&template, state).expect("gateway");
    seed::seed(&app, &walk_state.db).await.expect("seed");
    let (admin, _, _) = seed::PEOPLE[0];
    let token = cases::sign_in(&app, admin, seed::PASSWORD)
        .await
        .expect("the seeded admin signs in");
    if std::env::args().any(|a| a == "--scenario-only") {
        // The round-trip walk alone: no release build needed (`make bench-scenario`).
        for step in scenario::run(app, walk_state.clone()).await {
            let why = step.why.unwrap_or("");
            println!(
                "{} {} {} calls {} ideal {} {why}",
                step.method, step.route, step.status, step.calls, step.ideal
            );
        }
        return;
    }

    let ctx = cases::context(&app, walk_state.clone(), token).await;
    let release = root().join("target/release");
    let mut subjects: Vec<Subject> = HTTP_FUNCTIONS
        .iter()
        .map(|f| Subject {
            name: f.name.to_string(),
            binary: release.join(f.name),
            function: f.name.to_string(),
            program: release.join(f.name),
            args: vec![],
            events: match f.name {
                "system" => vec![
                    request("no I/O", "system/health.json", 200),
                    // Public, so counted per address: one rate-limit write.
                    request("rate-limit write", "system/version.json", 200),
                    request("DynamoDB+S3+SES", "system/health-deep-prod-stage.json", 200),
                ],
                "auth" => vec![
                    request("401, rate-limit write", "auth/login-malformed.json", 400),
                    request("DynamoDB read", "auth/me.json", 200),
                    // An unknown address is checked against a dummy hash, so this is
                    // a sign-in's argon2id verification (OWASP parameters) in release.
                    request("sign-in (argon2id)", "auth/login-wrong-password.json", 401),
                    password_change(),
                ],
                "users" => vec![
                    request(
                        "401, rate-limit write",
                        "users/list-unauthenticated.json",
                        401,
                    ),
                    request("DynamoDB read", "users/company.json", 200),
                ],
                "courses" => vec![
                    request(
                        "401, rate-limit write",
                        "courses/list-unauthenticated.json",
                        401,
                    ),
                    request("DynamoDB read", "courses/catalog.json", 200),
                ],
                "teams" => vec![
                    request(
                        "401, rate-limit write",
                        "teams/list-unauthenticated.json",
                        401,
                    ),
                    request("DynamoDB read", "teams/list.json", 200),
                ],
                "progress" => vec![
                    request(
                        "401, rate-limit write",
                        "progress/event-unauthenticated.json",
                        401,
                    ),
                    request("DynamoDB read", "progress/me.json", 200),
                ],
                "certificates" => vec![
                    request(
                        "401, rate-limit write",
                        "certificates/verify-malformed.json",
                        404,
                    ),
                    request("DynamoDB read", "certificates/list.json", 200),
                ],
                "reports" => vec![
                    request(
                        "401, rate-limit write",
                        "reports/compliance-unauthenticated.json",
                        401,
                    ),
                    request("DynamoDB read", "reports/dashboard.json", 200),
                ],
                "calendar" => vec![
                    request(
                        "401, rate-limit write",
                        "calendar/events-unauthenticated.json",
                        401,
                    ),
                    request("DynamoDB read", "calendar/upcoming.json", 200),
                ],
                "notifications" => vec![
                    request(
                        "401, rate-limit write",
                        "notifications/stats-unauthenticated.json",
                        401,
                    ),
                    request("DynamoDB read", "notifications/list-unread.json", 200),
                ],
                "email" => vec![
                    request(
                        "401, rate-limit write",
                        "email/test-connection-unauthenticated.json",
                        401,
                    ),
                    request("DynamoDB read", "email/queue-status.json", 200),
                ],
                "checkins" => vec![
                    request(
                        "401, rate-limit write",
                        "checkins/create-unauthenticated.json",
                        401,
                    ),
                    request("DynamoDB read", "checkins/list.json", 200),
                ],
                "billing" => vec![
                    request(
                        "401, rate-limit write",
                        "billing/payments-unauthenticated.json",
                        401,
                    ),
                    request("DynamoDB read", "billing/subscription.json", 200),
                ],
                "inventory" => vec![
                    request(
                        "401, rate-limit write",
                        "inventory/list-unauthenticated.json",
                        401,
                    ),
                    request("DynamoDB read", "inventory/list.json", 200),
                ],
                "chat" => vec![
                    request(
                        "401, rate-limit write",
                        "chat/message-unauthenticated.json",
                        401,
                    ),
                    request("DynamoDB read", "chat/history.json", 200),
                ],
                "audit" => vec![
                    request(
                        "401, rate-limit write",
                        "audit/logs-unauthenticated.json",
                        401,
                    ),
                    request("DynamoDB read", "audit/report.json", 200),
                ],
                "prompts" => vec![
                    request(
                        "401, rate-limit write",
                        "prompts/create-unauthenticated.json",
                        401,
                    ),
                    request("DynamoDB read", "prompts/list.json", 200),
                ],
                "exports" => vec![
                    request(
                        "401, rate-limit write",
                        "exports/users-csv-unauthenticated.json",
                        401,
                    ),
                    request("DynamoDB read", "exports/history.json", 200),
                ],
                "search" => vec![
                    request(
                        "401, rate-limit write",
                        "search/query-unauthenticated.json",
                        401,
                    ),
                    request("DynamoDB read", "search/query.json", 200),
                ],
                "files" => vec![
                    request(
                        "401, rate-limit write",
                        "files/upload-unauthenticated.json",
                        401,
                    ),
                    request("DynamoDB read", "files/list.json", 200),
                ],
                "analytics" => vec![
                    request(
                        "401, rate-limit write",
                        "analytics/summary-unauthenticated.json",
                        401,
                    ),
                    request("DynamoDB write", "analytics/batch.json", 202),
                ],
                "paths" => vec![
                    request(
                        "401, rate-limit write",
                        "paths/list-unauthenticated.json",
                        401,
                    ),
                    request("DynamoDB read", "paths/list.json", 200),
                ],
                "platform" => vec![
                    request(
                        "401, rate-limit write",
                        "platform/companies-unauthenticated.json",
                        401,
                    ),
                    // A company's admin: the session is read, and refused.
                    request("DynamoDB read", "platform/companies-not-operator.json", 403),
                ],
                "stripe-webhook" => vec![request("no I/O", "stripe-webhook/unsigned.json", 400)],
                _ => vec![],
            },
        })
        .collect();
    // The event-driven functions, each fed what its source sends.
    for (name, case) in [
        (
            "mailer",
            event(
                "stream: a new mail, sent by SES",
                "mailer/stream-insert.json",
                Make::Mail,
                Expect::Answer("\"sent\":1"),
            ),
        ),
        (
            "ws",
            event(
                "$connect: session read, socket stored",
                "ws/connect.json",
                Make::Socket,
                Expect::Answer("\"statusCode\":200"),
            ),
        ),
        (
            "reminders",
            event(
                "schedule: the deadlines job",
                "reminders/deadlines.json",
                Make::Same,
                Expect::Answer("{"),
            ),
        ),
        (
            "upload-checker",
            event(
                "S3 event: an upload checked",
                "s3/object-created.json",
                Make::Upload,
                Expect::Answer("\"status\":\"ready\""),
            ),
        ),
        (
            "search-indexer",
            event(
                "stream: an item renamed, terms moved",
                "search-indexer/stream-modify.json",
                Make::ItemRecord,
                Expect::Answer("\"batchItemFailures\":[]"),
            ),
        ),
    ] {
        subjects.push(Subject {
            name: name.into(),
            binary: release.join(name),
            function: name.into(),
            program: release.join(name),
            args: vec![],
            events: vec![case],
        });
    }
    // Sign-in pinned to one core: argon2id runs one lane, and Lambda gives less than
    // one vCPU below 1,769 MB. `auth` measures it on every core of the machine.
    if Path::new("/usr/bin/taskset").exists() {
        subjects.push(Subject {
            name: "auth-1core".into(),
            binary: release.join("auth"),
            function: "auth".into(),
            program: "/usr/bin/taskset".into(),
            args: vec![
                "-c".into(),
                "0".into(),
                release.join("auth").display().to_string(),
            ],
            events: vec![request(
                "sign-in (argon2id)",
                "auth/login-wrong-password.json",
                401,
            )],
        });
    }
    // The floor: the least a Rust HTTP Lambda does (bench/floor), same profile.
    subjects.push(Subject {
        name: "floor".into(),
        binary: release.join("floor"),
        function: "floor".into(),
        program: release.join("floor"),
        args: vec![],
        events: vec![request("no I/O", "system/version.json", 200)],
    });
    let peer = root().join("bench/peer/runtime.js");
    if peer.exists() && root().join("bench/peer/node_modules").exists() {
        subjects.push(Subject {
            name: "peer (Express)".into(),
            binary: peer.clone(),
            function: "peer".into(),
            program: "node".into(),
            args: vec![peer.display().to_string()],
            events: vec![
                request("no I/O", "system/version.json", 200),
                request("DynamoDB read", "auth/me.json", 200),
            ],
        });
    } else {
        eprintln!("bench/peer is not installed (npm ci in bench/peer): measuring without the peer");
    }

    let selected: Vec<String> = std::env::var("BENCH_FUNCTIONS")
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let fresh = std::env::var("BENCH_FRESH").is_ok_and(|v| v == "1");
    let mut routes = Vec::new();
    for s in &subjects {
        let key = if s.name == "peer (Express)" {
            "peer"
        } else {
            s.name.as_str()
        };
        // The floor goes with any run: every ratio is to it.
        let chosen = selected.is_empty()
            || key == "floor"
            || selected
                .iter()
                .any(|x| x == key || (key == "auth-1core" && x == "auth"));
        let cache = Cache::of(key, s);
        if let Some(kept) = cache.read().filter(|_| !fresh || !chosen) {
            eprintln!("{}: measured before, from the same binary", s.name);
            routes.extend(kept);
            continue;
        }
        if !chosen {
            continue;
        }
        assert!(
            s.binary.exists(),
            "{} is missing: build with `cargo build --release`",
            s.binary.display()
        );
        let mut measured = Vec::new();
        for case in &s.events {
            eprintln!("measuring {} {} ({})", s.name, case.label, case.fixture);
            let made = ctx.invocations(case, SPAWNS + 1 + case.warm).await;
            let (c, init, rss_c) = cold(s, &made[..SPAWNS], case.expect).await;
            let (w, rss_w) = warm(s, &made[SPAWNS..], case.expect).await;
            measured.push(RouteResult {
                subject: s.name.clone(),
                route: case.label.to_string(),
                fixture: case.fixture.to_string(),
                cold: percentiles(&c),
                init: Some(percentiles(&init)),
                warm: percentiles(&w),
                peak_rss_mb: rss_c.max(rss_w),
            });
        }
        cache.write(&measured);
        routes.extend(measured);
    }

    // Every function the template deploys.
    let packages = template
        .functions()
        .map(|(name, _)| {
            let host = release.join(name);
            Package {
                function: name.to_string(),
                host_binary_mb: std::fs::metadata(&host)
                    .map(|m| mb(m.len() as usize))
                    .unwrap_or(0.0),
                host_zipped_mb: deflated_mb(&host).unwrap_or(0.0),
                arm64_zipped_mb: deflated_mb(
                    &root().join("target/lambda").join(name).join("bootstrap"),
                ),
            }
        })
        .collect();

    let dynamodb_calls = scenario::run(app, walk_state.clone()).await;
    let cost = cost::costs(&template, &routes, &dynamodb_calls);
    let results = Results {
        date: today(),
        machine: machine(),
        spawns: SPAWNS,
        warm_invocations: cases::WARM,
        routes,
        packages,
        dynamodb_calls,
        cost,
    };
    let json = serde_json::to_string_pretty(&results).expect("json");
    std::fs::write(root().join("bench/results.json"), format!("{json}\n"))
        .expect("writing bench/results.json");
    print!("{}", report(&results));
}

/// One subject's measurements as kept between runs, valid for the binary (and
/// fixtures) they were taken from.
struct Cache {
    path: PathBuf,
    stamp: String,
}

#[derive(Serialize, Deserialize)]
struct Kept {
    stamp: String,
    routes: Vec<RouteResult>,
}

impl Cache {
    fn of(key: &str, s: &Subject) -> Self {
        let file = |p: &Path| {
            std::fs::metadata(p)
                .map(|m| format!("{}:{:?}", m.len(), m.modified().ok()))
                .unwrap_or_default()
        };
        let mut stamp = file(&s.binary);
        for case in &s.events {
            stamp += &file(&root().join("events").join(case.fixture));
        }
        Self {
            path: root().join(".local/bench").join(format!("{key}.json")),
            stamp,
        }
    }

    fn read(&self) -> Option<Vec<RouteResult>> {
        let kept: Kept = serde_json::from_slice(&std::fs::read(&self.path).ok()?).ok()?;
        (kept.stamp == self.stamp).then_some(kept.routes)
    }

    fn write(&self, routes: &[RouteResult]) {
        let kept = Kept {
            stamp: self.stamp.clone(),
            routes: routes.to_vec(),
        };
        if let Some(dir) = self.path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Ok(json) = serde_json::to_vec_pretty(&kept) {
            let _ = std::fs::write(&self.path, json);
        }
    }
}

fn report(r: &Results) -> String {
    let mut out = format!(
        "## make bench — {} — {}\n\nCold start: spawn → first answer, {} fresh processes each. Warm: handler time over {} invocations of one process ({} for an event function and a password change, each doing real work made for it: its own mail, upload or password).\n\n",
        r.date, r.machine, r.spawns, r.warm_invocations, WARM_EACH_MADE
    );
    let find = |subject: &str, route: &str| {
        r.routes
            .iter()
            .find(|x| x.subject == subject && x.route == route)
    };
    let floor = find("floor", "no I/O").map(|f| f.cold.p50_ms);
    out += "| function | route | cold p50 ms | ÷ floor | of it init p50 ms | cold p95 ms | warm p50 ms | warm p99 ms | peak RSS MB |\n|---|---|---|---|---|---|---|---|---|\n";
    for x in &r.routes {
        let ratio = floor
            .map(|f| format!("{:.2}×", x.cold.p50_ms / f.max(0.001)))
            .unwrap_or_default();
        let init = x
            .init
            .as_ref()
            .map(|i| format!("{:.2}", i.p50_ms))
            .unwrap_or_default();
        out += &format!(
            "| {} | {} | {:.2} | {ratio} | {init} | {:.2} | {:.3} | {:.3} | {:.1} |\n",
            x.subject,
            x.route,
            x.cold.p50_ms,
            x.cold.p95_ms,
            x.warm.p50_ms,
            x.warm.p99_ms,
            x.peak_rss_mb
        );
    }
    if let (Some(peer_a), Some(peer_b)) = (
        find("peer (Express)", "no I/O"),
        find("peer (Express)", "DynamoDB read"),
    ) {
        out += "\n| vs the Express peer | Rust p50 ms | peer p50 ms | peer ÷ Rust |\n|---|---|---|---|\n";
        for (label, ours, theirs) in [
            (
                "cold, no I/O (system /api/health; peer /api/version)",
                find("system", "no I/O"),
                peer_a,
            ),
            (
                "cold, DynamoDB read (auth /api/auth/me)",
                find("auth", "DynamoDB read"),
                peer_b,
            ),
        ] {
            if let Some(o) = ours {
                out += &format!(
                    "| {label} | {:.2} | {:.2} | {:.1}× |\n",
                    o.cold.p50_ms,
                    theirs.cold.p50_ms,
                    theirs.cold.p50_ms / o.cold.p50_ms.max(0.001)
                );
            }
        }
        for (label, ours, theirs) in [
            ("warm, no I/O", find("system", "no I/O"), peer_a),
            ("warm, DynamoDB read", find("auth", "DynamoDB read"), peer_b),
        ] {
            if let Some(o) = ours {
                out += &format!(
                    "| {label} | {:.3} | {:.3} | {:.1}× |\n",
                    o.warm.p50_ms,
                    theirs.warm.p50_ms,
                    theirs.warm.p50_ms / o.warm.p50_ms.max(0.001)
                );
            }
        }
        if let (Some(o), Some(t)) = (find("system", "no I/O"), Some(peer_a)) {
            out += &format!(
                "| peak RSS MB (no I/O) | {:.1} | {:.1} | {:.1}× |\n",
                o.peak_rss_mb,
                t.peak_rss_mb,
                t.peak_rss_mb / o.peak_rss_mb.max(0.1)
            );
        }
    }
    if let Some(one) = find("auth-1core", "sign-in (argon2id)") {
        // Lambda gives one vCPU at 1,769 MB and that share of one below it; one lane
        // of argon2id takes as long as its share of a core allows.
        let (p50, p99) = (one.warm.p50_ms, one.warm.p99_ms);
        let memory = r
            .cost
            .iter()
            .find(|c| c.function == "auth")
            .map_or(1024, |c| c.memory_mb);
        out += &format!(
            "\nSign-in on one core: p50 {p50:.1} ms, p99 {p99:.1} ms. Scaled to Lambda's CPU share (1 vCPU at 1,769 MB): under 250 ms at p50 from {:.0} MB, at p99 from {:.0} MB; at auth's {memory} MB about {:.0} ms p50 and {:.0} ms p99.\n",
            1769.0 * p50 / 250.0,
            1769.0 * p99 / 250.0,
            p50 * 1769.0 / memory as f64,
            p99 * 1769.0 / memory as f64,
        );
    }
    out += &cost::table(&r.cost);
    out += "\n| package | host binary MB | host zipped MB | arm64 zipped MB |\n|---|---|---|---|\n";
    for p in &r.packages {
        let arm = p
            .arm64_zipped_mb
            .map(|v| format!("{v:.2}"))
            .unwrap_or_else(|| "not built".into());
        out += &format!(
            "| {} | {:.2} | {:.2} | {arm} |\n",
            p.function, p.host_binary_mb, p.host_zipped_mb
        );
    }
    out += "\n| DynamoDB round trips | status | calls | ideal | ideal above the rule because |\n|---|---|---|---|---|\n";
    for s in &r.dynamodb_calls {
        let flag = if s.calls > s.ideal { " ⚠" } else { "" };
        let why = s.why.unwrap_or("");
        out += &format!(
            "| {} {} | {} | {}{flag} | {} | {why} |\n",
            s.method, s.route, s.status, s.calls, s.ideal
        );
    }
    let over: Vec<&scenario::Step> = r
        .dynamodb_calls
        .iter()
        .filter(|s| s.calls > s.ideal)
        .collect();
    out += &format!(
        "\n{} of {} requests at or under the ideal.\n",
        r.dynamodb_calls.len() - over.len(),
        r.dynamodb_calls.len()
    );
    out
}
