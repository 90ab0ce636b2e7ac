//! The command line: flags, environment and the TOML file (`--config`), as the user typed
//! them. [`RuntimeArgs::validate`] (in `settings`) turns them into the [`super::settings::Config`].

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::parser::ValueSource;
use clap::{ArgAction, Args, CommandFactory, FromArgMatches, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "epmcp", version, about = "MCP server for the European Parliament's open data; every tool is a sandboxed WebAssembly component")]
pub struct Cli {
    /// Check readiness and exit 0 (ready), 1 (not) or 2 (invalid configuration): asks the
    /// running server's /readyz at --listen (over TLS when it has a certificate) or
    /// --metrics-listen, else loads the configuration and the components itself.
    #[arg(long)]
    pub health: bool,
    #[command(flatten)]
    pub runtime: RuntimeArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// Flags and environment, then the TOML file (`--config`) for every setting neither of
    /// them gave. The file's settings become flags, so clap checks them like typed ones.
    pub fn load() -> Result<Cli> {
        let args: Vec<OsString> = std::env::args_os().collect();
        let matches = command_for(&args).get_matches_from(&args); // prints help / usage errors and exits
        let cli = Cli::from_arg_matches(&matches)?;
        let Some(path) = cli.runtime.config.clone() else { return Ok(cli) };
        let from_file = file_flags(&path, &matches)?;
        let mut all = args[..1].to_vec();
        all.extend(from_file);
        all.extend_from_slice(&args[1..]);
        let matches = Cli::command()
            .try_get_matches_from(all)
            .map_err(|e| anyhow::anyhow!("config file {}: {}", path.display(), e.to_string().trim()))?;
        Ok(Cli::from_arg_matches(&matches)?)
    }
}

/// Headings of the options a command does not read. The options are global (they may come
/// before or after the command), so clap would list all of them under every command.
const HEADINGS: &[&str] = &[
    "Components",
    "Calls and roles",
    "EP API and cache",
    "Hosted listener (serve)",
    "Identity (serve)",
    "Tenants and scale-out",
    "Audit and telemetry",
    "Anomaly detection",
    "Policies",
];

fn unread_headings(command: &str) -> Vec<&'static str> {
    let read: &[&str] = match command {
        "stdio" | "precompile" | "doctor" => return vec!["Hosted listener (serve)", "Identity (serve)"],
        "components" => &["Components"],
        "audit" => &["Audit and telemetry"],
        "keys" => &[],
        _ => return Vec::new(), // serve, policy: everything
    };
    HEADINGS.iter().copied().filter(|h| !read.contains(h)).collect()
}

/// The command line's parser; asked for a command's help, it shows only the options that
/// command reads, grouped.
fn command_for(args: &[OsString]) -> clap::Command {
    let command = Cli::command();
    let words: Vec<&str> = args.iter().skip(1).filter_map(|a| a.to_str()).collect();
    let wants_help = words.first() == Some(&"help") || words.iter().any(|w| matches!(*w, "-h" | "--help"));
    let names: Vec<String> = command.get_subcommands().map(|c| c.get_name().to_string()).collect();
    let Some(asked) = words.iter().find(|w| **w != "help" && names.iter().any(|n| n == *w)).filter(|_| wants_help) else {
        return command;
    };
    let unread = unread_headings(asked);
    command.mut_args(|a| if a.get_help_heading().is_some_and(|h| unread.contains(&h)) { a.hide(true) } else { a })
}

/// The settings of a TOML file as `--flag=value` arguments, skipping those the command
/// line or environment already gave. Unknown keys are errors.
fn file_flags(path: &std::path::Path, given: &clap::ArgMatches) -> Result<Vec<OsString>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading config file {}", path.display()))?;
    let table: toml::Table = toml::from_str(&text).with_context(|| format!("config file {} is not valid TOML", path.display()))?;
    let command = Cli::command();
    let mut flags = Vec::new();
    for (key, value) in table {
        let long = key.replace('_', "-");
        let arg = command
            .get_arguments()
            .find(|a| a.get_long() == Some(long.as_str()) && !matches!(long.as_str(), "config" | "health"))
            .with_context(|| format!("config file {}: unknown setting '{key}' (settings are the long flags in snake_case)", path.display()))?;
        if matches!(given.value_source(arg.get_id().as_str()), Some(ValueSource::CommandLine | ValueSource::EnvVariable)) {
            continue;
        }
        let invalid = || format!("config file {}: setting '{key}' has a value of the wrong type", path.display());
        let value = match value {
            toml::Value::Boolean(on) if matches!(arg.get_action(), ArgAction::SetTrue) => {
                if on {
                    flags.push(format!("--{long}").into());
                }
                continue;
            }
            toml::Value::String(s) => s,
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Boolean(on) => on.to_string(),
            // `api_keys = ["researcher:…", "admin:…"]` → a comma-separated list
            toml::Value::Array(items) => items
                .into_iter()
                .map(|v| if let toml::Value::String(s) = v { Some(s) } else { None })
                .collect::<Option<Vec<_>>>()
                .with_context(invalid)?
                .join(","),
            // `tool_costs = { get_meps = 2 }` → `get_meps=2`
            toml::Value::Table(pairs) => pairs
                .into_iter()
                .map(|(k, v)| match v {
                    toml::Value::Integer(n) => Some(format!("{k}={n}")),
                    toml::Value::String(s) => Some(format!("{k}={s}")),
                    // `role_tools = { public = ["get_meps", "get_plenary_sessions"] }`
                    toml::Value::Array(items) => {
                        let words: Option<Vec<String>> = items.into_iter().map(|v| v.as_str().map(str::to_string)).collect();
                        Some(format!("{k}={}", words?.join(" ")))
                    }
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()
                .with_context(invalid)?
                .join(","),
            _ => bail!(invalid()),
        };
        flags.push(format!("--{long}={value}").into());
    }
    Ok(flags)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve MCP on stdio (the default).
    Stdio,
    /// Compile every component of the components directory into the precompiled cache
    /// (the same as `components precompile`).
    #[command(hide = true)]
    Precompile,
    /// Operator commands for tool components: list, inspect, verify, precompile, sign.
    Components {
        #[command(subcommand)]
        command: Option<ComponentsCommand>,
    },
    /// Serve MCP over Streamable HTTP on --listen (hosted mode).
    Serve,
    /// Audit log tools.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Compliance policies (Rego) over the effective configuration.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Calls every tool once against the EP API (live unless EP_API_URL says otherwise) and
    /// prints per tool: ok, empty, error or invalid result, warnings, unreadable items, time.
    /// Exits non-zero on an error or an invalid result.
    Doctor,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Every policy's verdict as JSON; exits 1 if a `deny` policy is violated.
    Check,
    /// Control by control (ISO 27001, NIST CSF 2.0): the policies that evidence it, their verdicts and evidence.
    Report,
}

#[derive(Debug, Subcommand)]
pub enum ComponentsCommand {
    /// Each component with its version, digest, trust and tools (the default).
    List,
    /// One component in full: manifest, limits, trust, tools with their egress, resources, prompts.
    Inspect { name: String },
    /// Checks every component as the server would load it; exits non-zero if any is refused.
    Verify,
    /// Compiles every component into the precompiled cache.
    Precompile,
    /// Writes each component's manifest (kept if present, its digest refreshed; otherwise
    /// from the component's own description) and signs it with KEY.
    Sign {
        #[arg(long)]
        key: PathBuf,
        /// For a language runtime whose libc imports wasi:filesystem (JavaScript, Python):
        /// link it to no directory at all, and say so in the manifest.
        #[arg(long)]
        empty_filesystem: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Stores a component in an OCI registry as REF (`registry[:port]/repository:tag`): its
    /// .wasm (FILES names it) with the manifest and signature beside it. Prints the
    /// artifact's digest, to pull it pinned (`REF@sha256:…`).
    Push {
        /// `registry[:port]/repository:tag`.
        reference: String,
        /// The component's .wasm (its manifest and signature are taken from beside it).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Plain HTTP, for a registry on this machine only.
        #[arg(long)]
        plain_http: bool,
    },
    /// Fetches a component from an OCI registry (REF by tag, or pinned by digest), checks it
    /// as the server would load it (trust, digests, link, description), and only then
    /// installs it into DIR by atomic rename (default: the components directory, which a
    /// running server watches). Credentials: EPMCP_REGISTRY_USERNAME, EPMCP_REGISTRY_PASSWORD.
    Pull {
        /// `registry[:port]/repository:tag`, or pinned: `registry[:port]/repository@sha256:…`.
        reference: String,
        /// Install here instead of the components directory.
        #[arg(long, value_name = "DIR")]
        into: Option<PathBuf>,
        /// Plain HTTP, for a registry on this machine only.
        #[arg(long)]
        plain_http: bool,
    },
    /// Makes a new Ed25519 signing key: STEM.key (private, mode 0600) and STEM.pub.
    Keygen { stem: PathBuf },
    /// Makes a new component crate NAME (on epmcp's guest-client) that serves one tool,
    /// with its test: `cargo build --release --target wasm32-wasip2` builds it.
    New {
        /// Lower-case letters, digits and `-`, starting with a letter.
        name: String,
        /// Where to make it (default: the current directory); the crate is DIR/NAME.
        #[arg(long)]
        into: Option<PathBuf>,
        /// The `guest-client` crate of an epmcp checkout, which the component links.
        #[arg(long)]
        guest_client: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Print a new API key (shown once) and the `role:hash` entry that admits it.
    Add {
        #[arg(long)]
        role: String,
        /// The tenant the key's caller belongs to (default: the operator's own).
        #[arg(long)]
        tenant: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check a file's hash chain, or a whole audit directory's (missing files, cut heads and
    /// tails, unclean ends); exits non-zero at the first break.
    Verify { file: PathBuf },
}

#[derive(Debug, Args)]
pub struct RuntimeArgs {
    /// A TOML file of settings: keys are the long flags in snake_case (`cache_ttl_secs = 600`;
    /// lists such as `tool_costs`, `role_rate_limits`, `role_tools` and `api_keys` may be tables
    /// or arrays). Flags and environment win over it.
    #[arg(long, env = "EPMCP_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Directory of tool components (`*.wasm`). Default: `components/` beside the binary.
    #[arg(long, env = "EPMCP_COMPONENTS", global = true, help_heading = "Components")]
    pub components: Option<PathBuf>,
    /// Directory of precompiled components made by this host. Default: `<components>/.cwasm`.
    #[arg(long, env = "EPMCP_CACHE_DIR", global = true, help_heading = "Components")]
    pub cache_dir: Option<PathBuf>,
    /// Where the egress gateway sends requests addressed to the EP API.
    #[arg(long, env = "EP_API_URL", default_value = "https://data.europarl.europa.eu/api/v2/", global = true, help_heading = "EP API and cache")]
    pub ep_api_url: String,
    /// Per-call deadline for a tool (CPU and wall clock), in milliseconds.
    #[arg(long, env = "EPMCP_CALL_TIMEOUT_MS", default_value_t = 30_000, global = true, help_heading = "Calls and roles")]
    pub call_timeout_ms: u64,
    /// Linear-memory cap per call, in MiB.
    #[arg(long, env = "EPMCP_MEMORY_MIB", default_value_t = 64, global = true, help_heading = "Calls and roles")]
    pub memory_mib: u64,
    /// Largest result one call may return (structured JSON plus content blocks), in KiB.
    #[arg(long, env = "EPMCP_MAX_OUTPUT_KIB", default_value_t = 8192, global = true, help_heading = "Calls and roles")]
    pub max_output_kib: u64,
    /// Public keys whose signatures on component manifests the host trusts, comma-separated:
    /// each `ed25519:<base64>` or the path of a `.pub` file (`epmcp components keygen`).
    /// They add to the build's own key (see --trust-build-key).
    #[arg(long, env = "EPMCP_TRUSTED_KEYS", default_value = "", global = true, help_heading = "Components")]
    pub trusted_keys: String,
    /// Trust the key this binary's own build signed its components with (embedded at build
    /// time). `false` trusts only --trusted-keys and --pinned-manifests.
    #[arg(long, env = "EPMCP_TRUST_BUILD_KEY", default_value_t = true, action = clap::ArgAction::Set, global = true, help_heading = "Components")]
    pub trust_build_key: bool,
    /// Component manifests trusted without a signature, by their SHA-256 (`sha256:<hex>`),
    /// comma-separated (`epmcp components inspect NAME` prints it).
    #[arg(long, env = "EPMCP_PINNED_MANIFESTS", default_value = "", global = true, help_heading = "Components")]
    pub pinned_manifests: String,
    /// Development only: load components that are neither signed nor pinned (a broken
    /// signature is still refused).
    #[arg(long, env = "EPMCP_ALLOW_UNSIGNED", global = true, help_heading = "Components")]
    pub allow_unsigned: bool,
    /// Do not watch the components directory (by default, adding, replacing or removing a
    /// component takes effect while serving).
    #[arg(long, env = "EPMCP_NO_WATCH", global = true, help_heading = "Components")]
    pub no_watch: bool,
    /// OCI references of components to keep installed, space- or comma-separated
    /// (`registry/repository:tag`, or pinned `…@sha256:…`): looked at when serving starts and
    /// every --components-refresh-secs, and pulled, checked as `epmcp components pull`
    /// checks, when one changed; a refused version leaves the one installed serving.
    #[arg(long, env = "EPMCP_COMPONENTS_FROM", default_value = "", global = true, help_heading = "Components")]
    pub components_from: String,
    /// Seconds between two looks at --components-from (a look that finds the same digest downloads nothing).
    #[arg(long, env = "EPMCP_COMPONENTS_REFRESH_SECS", default_value_t = 300, global = true, help_heading = "Components")]
    pub components_refresh_secs: u64,
    /// Reach OCI registries over plain HTTP: only for a registry on this machine.
    #[arg(long, env = "EPMCP_REGISTRY_PLAIN_HTTP", global = true, help_heading = "Components")]
    pub registry_plain_http: bool,
    /// Total timeout of one upstream request, in milliseconds.
    #[arg(long, env = "EPMCP_UPSTREAM_TIMEOUT_MS", default_value_t = 30_000, global = true, help_heading = "EP API and cache")]
    pub upstream_timeout_ms: u64,
    /// Cap on one upstream response body, in MiB.
    #[arg(long, env = "EPMCP_MAX_RESPONSE_MIB", default_value_t = 16, global = true, help_heading = "EP API and cache")]
    pub max_response_mib: u64,
    /// Calls one client identity may have running at once.
    #[arg(long, env = "EPMCP_MAX_CALLS_PER_CLIENT", default_value_t = 16, global = true, help_heading = "Calls and roles")]
    pub max_calls_per_client: u32,
    /// Calls that may run at once (sizes the instance pool).
    #[arg(long, env = "EPMCP_MAX_CONCURRENT_CALLS", default_value_t = 64, global = true, help_heading = "Calls and roles")]
    pub max_concurrent_calls: u32,
    /// How often a subscribed resource is read again to notify its subscribers of a change,
    /// in seconds.
    #[arg(long, env = "EPMCP_SUBSCRIPTION_POLL_SECS", default_value_t = 300, global = true, help_heading = "Calls and roles")]
    pub subscription_poll_secs: u64,
    /// How long a successful EP API response is reused, in seconds (policy: at most 900).
    #[arg(long, env = "EPMCP_CACHE_TTL_SECS", default_value_t = 900, global = true, help_heading = "EP API and cache")]
    pub cache_ttl_secs: u64,
    /// Responses the cache holds at most; 0 turns the cache off.
    #[arg(long, env = "EPMCP_CACHE_ENTRIES", default_value_t = 500, global = true, help_heading = "EP API and cache")]
    pub cache_entries: u64,
    /// Bytes the cache holds at most, in MiB.
    #[arg(long, env = "EPMCP_CACHE_MIB", default_value_t = 64, global = true, help_heading = "EP API and cache")]
    pub cache_mib: u64,
    /// Calls a client may make in a burst, refilled at that many per window; 0: unlimited.
    #[arg(long, env = "EPMCP_RATE_LIMIT", default_value_t = 100, global = true, help_heading = "Calls and roles")]
    pub rate_limit: u32,
    /// The rate-limit window, in seconds.
    #[arg(long, env = "EPMCP_RATE_LIMIT_WINDOW_SECS", default_value_t = 900, global = true, help_heading = "Calls and roles")]
    pub rate_limit_window_secs: u64,
    /// Tokens a call costs, per tool: `tool=n,tool=n` (others cost 1).
    #[arg(long, env = "EPMCP_TOOL_COSTS", default_value = DEFAULT_TOOL_COSTS, global = true, help_heading = "Calls and roles")]
    pub tool_costs: String,
    /// Rates of roles that differ from --rate-limit: `role=n` or `role=n/secs` (0: unlimited).
    #[arg(long, env = "EPMCP_ROLE_RATE_LIMITS", default_value = "", global = true, help_heading = "Calls and roles")]
    pub role_rate_limits: String,
    /// The role of the local client on stdio (it decides the client's rate limit).
    #[arg(long, env = "EPMCP_STDIO_ROLE", default_value = "researcher", global = true, help_heading = "Calls and roles")]
    pub stdio_role: String,
    /// `epmcp serve`: the address of the MCP listener (Streamable HTTP at /mcp).
    #[arg(long, env = "EPMCP_LISTEN", global = true, help_heading = "Hosted listener (serve)")]
    pub listen: Option<std::net::SocketAddr>,
    /// The listener's TLS certificate chain (PEM); with --tls-key, the listener speaks TLS 1.3 only.
    #[arg(long, env = "EPMCP_TLS_CERT", global = true, help_heading = "Hosted listener (serve)")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert. Both files are reloaded when they change.
    #[arg(long, env = "EPMCP_TLS_KEY", global = true, help_heading = "Hosted listener (serve)")]
    pub tls_key: Option<PathBuf>,
    /// Mutual TLS: the CA (PEM) that issues client certificates. The listener then asks every
    /// client for a certificate chaining to it; one without (or with another) is refused at
    /// the handshake, unless --client-cert-optional.
    #[arg(long, env = "EPMCP_CLIENT_CA", global = true, help_heading = "Hosted listener (serve)")]
    pub client_ca: Option<PathBuf>,
    /// With --client-ca: clients without a certificate may still connect (and authenticate
    /// with a key or token); a certificate that is presented must still chain to the CA.
    #[arg(long, env = "EPMCP_CLIENT_CERT_OPTIONAL", global = true, help_heading = "Hosted listener (serve)")]
    pub client_cert_optional: bool,
    /// Client certificates as identities: `CN=role[@tenant],…` (the subject's common name). A
    /// certificate whose name is not listed gets no role: its requests are refused.
    #[arg(long, env = "EPMCP_CLIENT_CERT_ROLES", default_value = "", global = true, help_heading = "Hosted listener (serve)")]
    pub client_cert_roles: String,
    /// Serve plain HTTP on a non-loopback address (only behind a TLS-terminating proxy).
    #[arg(long, env = "EPMCP_INSECURE_HTTP", global = true, help_heading = "Hosted listener (serve)")]
    pub insecure_http: bool,
    /// `Host` header values the listener accepts (DNS-rebinding defence), comma-separated.
    #[arg(long, env = "EPMCP_ALLOWED_HOSTS", default_value = "localhost,127.0.0.1,::1", global = true, help_heading = "Hosted listener (serve)")]
    pub allowed_hosts: String,
    /// Browser `Origin`s the listener accepts, comma-separated (e.g. `https://app.example.org:443`);
    /// requests with any other Origin are refused, requests without one pass.
    #[arg(long, env = "EPMCP_ALLOWED_ORIGINS", default_value = "", global = true, help_heading = "Hosted listener (serve)")]
    pub allowed_origins: String,
    /// A listener connection with no traffic for this many seconds is closed.
    #[arg(long, env = "EPMCP_IDLE_TIMEOUT_SECS", default_value_t = 60, global = true, help_heading = "Hosted listener (serve)")]
    pub idle_timeout_secs: u64,
    /// The longest a WebSocket connection or an SSE stream lives, in seconds; either also
    /// ends when the bearer token it was opened with expires. Clients reconnect.
    #[arg(long, env = "EPMCP_MAX_STREAM_SECS", default_value_t = 3600, global = true, help_heading = "Hosted listener (serve)")]
    pub max_stream_secs: u64,
    /// Streamable HTTP sessions open at once, in all. A session idles out after 300 s (60 s
    /// for an anonymous caller); `initialize` is charged like a call.
    #[arg(long, env = "EPMCP_MAX_SESSIONS", default_value_t = 10_000, global = true, help_heading = "Hosted listener (serve)")]
    pub max_sessions: usize,
    /// Sessions one client (its tenant and identity) may hold at once.
    #[arg(long, env = "EPMCP_MAX_SESSIONS_PER_CLIENT", default_value_t = 16, global = true, help_heading = "Hosted listener (serve)")]
    pub max_sessions_per_client: usize,
    /// Sessions one network address may hold at once (anonymous callers are their address).
    #[arg(long, env = "EPMCP_MAX_SESSIONS_PER_ADDRESS", default_value_t = 64, global = true, help_heading = "Hosted listener (serve)")]
    pub max_sessions_per_address: usize,
    /// A session with no request and no open stream for this many seconds sleeps: it keeps
    /// only its `initialize` (some 17 KiB instead of 60) and wakes at its next request. 0: never.
    #[arg(long, env = "EPMCP_SESSION_SLEEP_SECS", default_value_t = 10, global = true, help_heading = "Hosted listener (serve)")]
    pub session_sleep_secs: u64,
    /// Open connections the listener accepts at once.
    #[arg(long, env = "EPMCP_MAX_CONNECTIONS", default_value_t = 1024, global = true, help_heading = "Hosted listener (serve)")]
    pub max_connections: usize,
    /// Open connections one client address may hold (a quarter of --max-connections when unset),
    /// so that one address cannot take every slot.
    #[arg(long, env = "EPMCP_MAX_CONNECTIONS_PER_ADDRESS", global = true, help_heading = "Hosted listener (serve)")]
    pub max_connections_per_address: Option<usize>,
    /// Open streams (WebSockets and SSE streams) one client may hold; anonymous clients
    /// together hold at most half of --max-connections, the rest stays for keyed ones.
    #[arg(long, env = "EPMCP_MAX_STREAMS_PER_CLIENT", default_value_t = 8, global = true, help_heading = "Hosted listener (serve)")]
    pub max_streams_per_client: usize,
    /// API keys as `role:sha256`, comma-separated (from `epmcp keys add --role R`).
    #[arg(long, env = "EPMCP_API_KEYS", default_value = "", global = true, help_heading = "Identity (serve)", hide_env_values = true)]
    pub api_keys: String,
    /// The role of requests without credentials on the listener (`none`: refuse them).
    #[arg(long, env = "EPMCP_ANONYMOUS_ROLE", default_value = "public", global = true, help_heading = "Identity (serve)")]
    pub anonymous_role: String,
    /// A JWKS file of the keys that sign bearer tokens (RS256/ES256); enables OAuth bearer tokens.
    #[arg(long, env = "EPMCP_JWKS_FILE", global = true, help_heading = "Identity (serve)")]
    pub jwks_file: Option<PathBuf>,
    /// Or the authorization server's JWKS URL (https); read at start and every 10 minutes.
    #[arg(long, env = "EPMCP_JWKS_URL", global = true, help_heading = "Identity (serve)")]
    pub jwks_url: Option<String>,
    /// The `iss` bearer tokens must carry (the authorization server).
    #[arg(long, env = "EPMCP_TOKEN_ISSUER", default_value = "", global = true, help_heading = "Identity (serve)")]
    pub token_issuer: String,
    /// The `aud` bearer tokens must carry (this server's resource URL, e.g. https://mcp.example.org/mcp).
    #[arg(long, env = "EPMCP_TOKEN_AUDIENCE", default_value = "", global = true, help_heading = "Identity (serve)")]
    pub token_audience: String,
    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    #[arg(long, env = "EPMCP_TOKEN_LEEWAY_SECS", default_value_t = 60, global = true, help_heading = "Identity (serve)")]
    pub token_leeway_secs: u64,
    /// The longest lifetime (`exp` − `iat`) a token may have, in seconds; 0: any. With it,
    /// a token must carry `iat`.
    #[arg(long, env = "EPMCP_MAX_TOKEN_LIFETIME_SECS", default_value_t = 0, global = true, help_heading = "Identity (serve)")]
    pub max_token_lifetime_secs: u64,
    /// Token scopes → roles, first match wins: `scope=role,…`.
    #[arg(long, env = "EPMCP_SCOPE_ROLES", default_value = "epmcp:admin=admin,epmcp:research=researcher,epmcp:read=public", global = true, help_heading = "Identity (serve)")]
    pub scope_roles: String,
    /// The tools this server offers: a profile (`core`: 17 everyday data tools; `analysis`:
    /// the analyses and the data tools they start from; `standard`: both, 38 tools; `all`:
    /// 65, with the change feeds and rarer lists) and tool-name patterns (`get_* !get_*_feed`;
    /// `standard my_tool_*` adds a component of one's own).
    /// Roles and tenants choose among these.
    #[arg(long, env = "EPMCP_TOOLS", default_value = "standard", global = true, help_heading = "Components")]
    pub tools: String,
    /// Which tools and prompts each role may use: `role=pattern pattern,…` (`*` globs, `!` excludes).
    #[arg(long, env = "EPMCP_ROLE_TOOLS", default_value = crate::controls::rbac::DEFAULT_GRANTS, global = true, help_heading = "Calls and roles")]
    pub role_tools: String,
    /// Serve /metrics, /healthz and /readyz on this loopback address (e.g. 127.0.0.1:9464).
    #[arg(long, env = "EPMCP_METRICS_LISTEN", global = true, help_heading = "Audit and telemetry")]
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// Directory of the audit log (JSON Lines, one file per day); unset: no audit log.
    #[arg(long, env = "EPMCP_AUDIT_DIR", global = true, help_heading = "Audit and telemetry")]
    pub audit_dir: Option<PathBuf>,
    /// Days audit files are kept (policy: at most 90).
    #[arg(long, env = "EPMCP_AUDIT_RETENTION_DAYS", default_value_t = 90, global = true, help_heading = "Audit and telemetry")]
    pub audit_retention_days: u32,
    /// A file of at least 32 secret bytes: the audit chain is linked with HMAC-SHA-256 under
    /// it, so someone who can write the files but not read the key cannot forge it.
    /// `epmcp audit verify` needs the same key.
    #[arg(long, env = "EPMCP_AUDIT_KEY", global = true, help_heading = "Audit and telemetry")]
    pub audit_key: Option<PathBuf>,
    /// Requests to one EP API endpoint per 5 minutes, across all tools (the API asks for at most 500).
    #[arg(long, env = "EPMCP_UPSTREAM_PER_5MIN", default_value_t = 500, global = true, help_heading = "EP API and cache")]
    pub upstream_per_5min: u32,
    /// Consecutive failed EP API requests (timeouts, connection or protocol errors, 5xx) that open the circuit breaker; 0: no breaker.
    #[arg(long, env = "EPMCP_BREAKER_FAILURES", default_value_t = 5, global = true, help_heading = "EP API and cache")]
    pub breaker_failures: u32,
    /// Seconds the open breaker refuses upstream requests before one probe.
    #[arg(long, env = "EPMCP_BREAKER_OPEN_SECS", default_value_t = 30, global = true, help_heading = "EP API and cache")]
    pub breaker_open_secs: u64,
    /// Share the response cache, single-flight and rate-limit buckets with other instances through Redis: `redis://[:password@]host:port[/db]`, or `rediss://` for TLS.
    #[arg(long, env = "EPMCP_REDIS_URL", global = true, help_heading = "Tenants and scale-out")]
    pub redis_url: Option<String>,
    /// With rediss://: the CA certificate (PEM) that signed Redis's certificate, instead of the public roots.
    #[arg(long, env = "EPMCP_REDIS_CA", global = true, help_heading = "Tenants and scale-out")]
    pub redis_ca: Option<PathBuf>,
    /// A TOML file of tenants, one table each (`[acme]` with plan, calls_per_minute,
    /// cache_entries, cache_mib, max_users, tool_groups, audit_retention_days,
    /// upstream_per_5min); keys (`role@tenant:hash`) and tokens (claim `tenant`) name them.
    #[arg(long, env = "EPMCP_TENANTS", global = true, help_heading = "Tenants and scale-out")]
    pub tenants: Option<PathBuf>,
    /// Anomaly detection on hosted callers (identities and tenants): baselines of six
    /// signals, and responses from a tighter rate limit to isolation.
    #[arg(long, env = "EPMCP_ANOMALY_DETECTION", default_value_t = true, action = ArgAction::Set, global = true, help_heading = "Anomaly detection")]
    pub anomaly_detection: bool,
    /// How long anomaly detection tightens a caller's rate limit, in seconds.
    #[arg(long, env = "EPMCP_ANOMALY_TIGHTEN_SECS", default_value_t = 120, global = true, help_heading = "Anomaly detection")]
    pub anomaly_tighten_secs: u64,
    /// How long it blocks a caller, in seconds.
    #[arg(long, env = "EPMCP_ANOMALY_BLOCK_SECS", default_value_t = 60, global = true, help_heading = "Anomaly detection")]
    pub anomaly_block_secs: u64,
    /// How long it isolates a caller blocked twice within the hour, in seconds.
    #[arg(long, env = "EPMCP_ANOMALY_ISOLATE_SECS", default_value_t = 600, global = true, help_heading = "Anomaly detection")]
    pub anomaly_isolate_secs: u64,
    /// A directory of the operator's own compliance policies (`*.rego`, packages
    /// `epmcp.policies.<name>`), evaluated with the default ones at start-up.
    #[arg(long, env = "EPMCP_POLICY_DIR", global = true, help_heading = "Policies")]
    pub policy_dir: Option<PathBuf>,
    /// Policies whose violations the operator accepts, comma-separated ids: a `deny`
    /// policy named here only warns (the report shows the exception).
    #[arg(long, env = "EPMCP_POLICY_EXCEPTIONS", default_value = "", global = true, help_heading = "Policies")]
    pub policy_exceptions: String,
    /// With rediss://: this instance's client certificate (PEM), for a Redis that requires
    /// mutual TLS (`tls-auth-clients yes`); with --redis-client-key.
    #[arg(long, env = "EPMCP_REDIS_CLIENT_CERT", global = true, help_heading = "Tenants and scale-out")]
    pub redis_client_cert: Option<PathBuf>,
    /// The private key (PEM) of --redis-client-cert.
    #[arg(long, env = "EPMCP_REDIS_CLIENT_KEY", global = true, help_heading = "Tenants and scale-out")]
    pub redis_client_key: Option<PathBuf>,
    /// Export traces (a trace per tools/call: validation, component, upstream spans) to this OTLP/HTTP collector, e.g. http://127.0.0.1:4318.
    #[arg(long, env = "EPMCP_OTLP_ENDPOINT", global = true, help_heading = "Audit and telemetry")]
    pub otlp_endpoint: Option<String>,
}

/// Tools that walk many pages cost more.
const DEFAULT_TOOL_COSTS: &str = "get_all_generated_stats=10,get_political_groups=5,get_latest_votes=5,get_voting_records=3";


#[cfg(test)]
mod tests {
    use super::{Cli, HEADINGS, command_for};
    use clap::CommandFactory;

    #[test]
    fn every_option_has_a_known_heading_and_commands_show_theirs() {
        for arg in Cli::command().get_arguments().filter(|a| a.is_global_set()) {
            let heading = arg.get_help_heading().unwrap_or_default();
            assert!(heading.is_empty() || HEADINGS.contains(&heading), "{}: {heading}", arg.get_id());
        }
        let help = |words: &[&str]| {
            let args: Vec<std::ffi::OsString> = std::iter::once("epmcp").chain(words.iter().copied()).map(Into::into).collect();
            let mut command = command_for(&args);
            command.build();
            let mut command = match words.iter().find(|w| !w.starts_with('-')) {
                Some(name) => command.find_subcommand_mut(name).unwrap().clone(),
                None => command,
            };
            command.render_help().to_string()
        };
        let components = help(&["components", "--help"]);
        assert!(components.contains("--trusted-keys") && !components.contains("--listen") && !components.contains("--jwks-url"), "{components}");
        let stdio = help(&["stdio", "--help"]);
        assert!(stdio.contains("--cache-ttl-secs") && !stdio.contains("--tls-cert"), "{stdio}");
        let serve = help(&["serve", "--help"]);
        assert!(serve.contains("Hosted listener (serve):") && serve.contains("--jwks-url"), "{serve}");
        assert!(help(&["keys", "--help"]).lines().count() < 30);
    }
}
