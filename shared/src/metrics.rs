//! Per-function metrics in CloudWatch's embedded metric format: after each request or
//! event, one JSON document on stdout that CloudWatch Logs turns into metrics in the
//! `Campus` namespace with a `function` dimension. No API call, no agent, nothing on
//! the request's path but a write to stdout.
//!
//! Only a Lambda process turns them on ([`init`], at its cold start); locally,
//! where one process serves every function, the calls below do nothing.

use std::{sync::OnceLock, time::Duration};

use metrics::Unit;
use metrics_cloudwatch_embedded::{Builder, Collector};

pub const NAMESPACE: &str = "Campus";

static COLLECTOR: OnceLock<&'static Collector> = OnceLock::new();

/// Installs the recorder for this process, as `function`'s metrics.
pub fn init(function: &str) {
    if COLLECTOR.get().is_some() {
        return;
    }
    match Builder::new()
        .cloudwatch_namespace(NAMESPACE)
        .with_dimension("function", function.to_string())
        .init()
    {
        Ok(collector) => {
            metrics::describe_histogram!("latency", Unit::Milliseconds, "handler time");
            let _ = COLLECTOR.set(collector);
        }
        Err(e) => tracing::warn!(error = %e, "metrics off"),
    }
}

/// What one request or event came to.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// A 5xx answer, or an event that failed.
    pub error: bool,
    /// A 4xx answer.
    pub refused: bool,
    pub cold_start: bool,
    pub latency: Duration,
}

/// Records `outcome` and writes the document (`route`: the route template, as a
/// property, not a dimension, so a route costs no metric of its own; made only when
/// metrics are on).
pub fn record(route: impl FnOnce() -> String, outcome: Outcome) {
    let Some(collector) = COLLECTOR.get() else {
        return;
    };
    metrics::counter!("requests").increment(1);
    metrics::counter!("errors").increment(u64::from(outcome.error));
    metrics::counter!("refused").increment(u64::from(outcome.refused));
    metrics::counter!("cold_starts").increment(u64::from(outcome.cold_start));
    metrics::histogram!("latency").record(outcome.latency.as_secs_f64() * 1000.0);
    collector.set_property("route", route());
    if let Err(e) = collector.flush(std::io::stdout().lock()) {
        tracing::warn!(error = %e, "metrics not written");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_becomes_one_emf_document_for_its_function() {
        let collector = Builder::new()
            .cloudwatch_namespace(NAMESPACE)
            .with_dimension("function", "courses")
            .init()
            .expect("the only recorder of this test binary");
        metrics::describe_histogram!("latency", Unit::Milliseconds, "handler time");
        metrics::counter!("requests").increment(1);
        metrics::histogram!("latency").record(12.5);
        let mut out = Vec::new();
        collector.flush(&mut out).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], NAMESPACE);
        assert_eq!(directive["Dimensions"][0][0], "function");
        assert_eq!(doc["function"], "courses");
        assert_eq!(doc["requests"], 1);
        assert_eq!(doc["latency"], serde_json::json!([12.5]));
        assert!(
            directive["Metrics"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["Name"] == "latency" && m["Unit"] == "Milliseconds"),
            "{doc}"
        );
    }
}
