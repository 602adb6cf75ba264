//! Dollars per million requests of each function, from what the run measured: its
//! warm handler time at its memory in `template.yaml` (Lambda, arm64), and the
//! DynamoDB request units of its routes in the walk (on demand).
//!
//! Prices: AWS's public list for us-east-1, as of 2026-12 (no free tier, no savings
//! plan). Lambda bills each invocation's duration rounded up to the millisecond.

use campus_local::template::{Route, Template};
use serde::Serialize;

use crate::{RouteResult, scenario::Step};

/// Lambda on arm64: per GB-second, and per request.
const LAMBDA_GB_SECOND: f64 = 0.000_013_333_4;
const LAMBDA_REQUEST: f64 = 0.000_000_2;
/// DynamoDB on demand: per read request unit, per write request unit.
const READ_UNIT: f64 = 0.125 / 1e6;
const WRITE_UNIT: f64 = 0.625 / 1e6;
/// The Express peer's memory: its peak RSS (about 130 MB) and Node's heap growth need
/// more than Lambda's 128 MB floor.
pub const PEER_MEMORY_MB: u64 = 256;

#[derive(Serialize, Clone)]
pub struct Cost {
    pub function: String,
    /// The route whose warm p50 is the duration.
    pub basis: String,
    pub memory_mb: u64,
    pub billed_ms: f64,
    pub lambda_per_million: f64,
    /// Mean over the function's routes in the walk; `None` where the walk has none.
    pub read_units: Option<f64>,
    pub write_units: Option<f64>,
    pub dynamodb_per_million: Option<f64>,
    pub total_per_million: f64,
}

fn lambda(memory_mb: u64, billed_ms: f64) -> f64 {
    1e6 * (memory_mb as f64 / 1024.0 * billed_ms / 1000.0 * LAMBDA_GB_SECOND + LAMBDA_REQUEST)
}

/// The mean (read, write) units of `function`'s requests in the walk.
fn units(routes: &[Route], walk: &[Step], function: &str) -> Option<(f64, f64)> {
    let mine: Vec<&Step> = walk
        .iter()
        .filter(|s| {
            routes
                .iter()
                .any(|r| r.function == function && r.method == s.method && r.path == s.route)
        })
        .collect();
    if mine.is_empty() {
        return None;
    }
    let n = mine.len() as f64;
    Some((
        mine.iter().map(|s| s.read_units).sum::<f64>() / n,
        mine.iter().map(|s| s.write_units).sum::<f64>() / n,
    ))
}

fn cost(function: &str, route: &RouteResult, memory_mb: u64, units: Option<(f64, f64)>) -> Cost {
    let billed_ms = route.warm.p50_ms.ceil();
    let lambda = lambda(memory_mb, billed_ms);
    let dynamodb = units.map(|(r, w)| 1e6 * (r * READ_UNIT + w * WRITE_UNIT));
    Cost {
        function: function.to_string(),
        basis: route.route.clone(),
        memory_mb,
        billed_ms,
        lambda_per_million: lambda,
        read_units: units.map(|u| u.0),
        write_units: units.map(|u| u.1),
        dynamodb_per_million: dynamodb,
        total_per_million: lambda + dynamodb.unwrap_or(0.0),
    }
}

/// One row per measured function (its DynamoDB route, else its first), and the peer
/// serving the DynamoDB read `auth` does, with the same units.
pub fn costs(template: &Template, routes: &[RouteResult], walk: &[Step]) -> Vec<Cost> {
    let walked = template.routes();
    let mut out = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for r in routes {
        if seen.contains(&r.subject.as_str()) {
            continue;
        }
        let Some(memory) = template.memory_mb(&r.subject) else {
            continue;
        };
        seen.push(&r.subject);
        let of_it: Vec<&RouteResult> = routes.iter().filter(|x| x.subject == r.subject).collect();
        let basis = of_it
            .iter()
            .find(|x| x.route.starts_with("DynamoDB"))
            .or_else(|| of_it.first())
            .copied()
            .unwrap_or(r);
        out.push(cost(
            &r.subject,
            basis,
            memory,
            units(&walked, walk, &r.subject),
        ));
    }
    if let Some(peer) = routes
        .iter()
        .find(|x| x.subject == "peer (Express)" && x.route == "DynamoDB read")
    {
        let me = walk
            .iter()
            .find(|s| s.method == "GET" && s.route == "/api/auth/me")
            .map(|s| (s.read_units, s.write_units));
        out.push(cost("peer (Express)", peer, PEER_MEMORY_MB, me));
    }
    out
}

pub fn table(costs: &[Cost]) -> String {
    let mut out = String::from(
        "\n| $ per million requests | duration from | memory MB | billed ms | Lambda $ | DynamoDB read + write units | DynamoDB $ | total $ |\n|---|---|---|---|---|---|---|---|\n",
    );
    for c in costs {
        let (units, dynamodb) = match (c.read_units, c.write_units, c.dynamodb_per_million) {
            (Some(r), Some(w), Some(d)) => (format!("{r:.1} + {w:.1}"), format!("{d:.2}")),
            _ => ("not in the walk".to_string(), "—".to_string()),
        };
        out += &format!(
            "| {} | {} | {} | {:.0} | {:.2} | {units} | {dynamodb} | {:.2} |\n",
            c.function,
            c.basis,
            c.memory_mb,
            c.billed_ms,
            c.lambda_per_million,
            c.total_per_million
        );
    }
    out
}
