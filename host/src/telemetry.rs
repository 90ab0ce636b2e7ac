//! OpenTelemetry traces (`--otlp-endpoint`): every `tools/call` is one trace, with spans
//! for validation, the component call and each upstream request (cache hit or miss),
//! exported as OTLP/HTTP (JSON) in batches from a thread of their own. A trace context
//! an HTTP client sends (W3C `traceparent`) becomes the parent of the call's span.
//!
//! The spans are ordinary `tracing` spans of this crate (target `epmcp`); only those are
//! exported, whatever `EPMCP_LOG` says.

use std::time::Duration;

use anyhow::{Context, Result};
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{BatchConfigBuilder, SdkTracerProvider};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{LevelFilter, Targets};

/// How often batches of finished spans are sent.
const EXPORT_EVERY: Duration = Duration::from_millis(500);

/// The tracer provider exporting to `endpoint` (`http://host:4318`: spans go to
/// `…/v1/traces`). Call [`SdkTracerProvider::shutdown`] at exit to send the last batch.
pub fn provider(endpoint: &str) -> Result<SdkTracerProvider> {
    check_endpoint(endpoint)?;
    let client = opentelemetry_http::hyper::HyperClient::with_default_connector(Duration::from_secs(10), None);
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpJson)
        .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
        .with_http_client(client)
        .build()
        .context("--otlp-endpoint")?;
    let batches = BatchConfigBuilder::default().with_scheduled_delay(EXPORT_EVERY).build();
    let processor = opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor::builder(
        exporter,
        opentelemetry_sdk::runtime::TokioCurrentThread,
    )
    .with_batch_config(batches)
    .build();
    let resource = opentelemetry_sdk::Resource::builder().with_service_name("epmcp").build();
    Ok(SdkTracerProvider::builder().with_span_processor(processor).with_resource(resource).build())
}

/// The `tracing` layer that turns this crate's spans into OpenTelemetry spans.
pub fn layer<S>(provider: &SdkTracerProvider) -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a> + Send + Sync,
{
    tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("epmcp"))
        .with_filter(Targets::new().with_target("epmcp", LevelFilter::INFO))
}

/// The trace context in an HTTP request's headers (`traceparent`, `tracestate`), if any.
pub fn remote_parent(headers: &http::HeaderMap) -> opentelemetry::Context {
    TraceContextPropagator::new().extract(&opentelemetry_http::HeaderExtractor(headers))
}

/// Whether `endpoint` is an acceptable collector URL.
pub fn check_endpoint(endpoint: &str) -> Result<()> {
    let uri: http::Uri = endpoint.parse().context("--otlp-endpoint is not a URL")?;
    anyhow::ensure!(uri.scheme_str() == Some("http") && uri.host().is_some(), "--otlp-endpoint must be http://host:port (an OTLP/HTTP collector)");
    Ok(())
}
