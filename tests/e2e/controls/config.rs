//! Configuration from a TOML file, under flags and environment.

use serde_json::json;

use crate::support::*;

#[test]
fn settings_come_from_a_toml_file_under_flags_and_environment() {
    let fake = Fake::start();
    let dir = crate::support::TempDir::new("config");
    let file = dir.0.join("epmcp.toml");
    std::fs::write(&file, "rate_limit = 3\nrate_limit_window_secs = 600\nstdio_role = \"admin\"\ntool_costs = { get_current_meps = 2 }\n").unwrap();
    let config = file.to_str().unwrap();
    let mut server = Server::start_with(&fake, with_env(&[("EPMCP_CONFIG", config)]));
    server.ok("get_current_meps", json!({}));
    assert!(server.tool_error("get_current_meps", json!({})).contains("rate limit exceeded"), "2 + 2 > 3: the file's costs apply");
    let health = server.ok("get_server_health", json!({}));
    assert_eq!(health["rateLimit"], json!({"role": "admin", "burst": 3, "windowSeconds": 600, "violations": 1}));
    // The environment wins over the file.
    let mut server = Server::start_with(&fake, with_env(&[("EPMCP_CONFIG", config), ("EPMCP_RATE_LIMIT", "7")]));
    assert_eq!(server.ok("get_server_health", json!({}))["rateLimit"]["burst"], 7);

    for (content, needle) in [
        ("no_such_setting = 1\n", "unknown setting 'no_such_setting'"),
        ("cache_ttl_secs = 100000\n", "cache TTL 100000 s"),
        ("cache_ttl_secs = \"soon\"\n", "--cache-ttl-secs"),
        ("rate_limit = [1, 2]\n", "'rate_limit' has a value of the wrong type"),
        ("rate_limit = \n", "not valid TOML"),
    ] {
        std::fs::write(&file, content).unwrap();
        let (code, _, stderr) = epmcp(&[("EPMCP_CONFIG", config)], &["components"]);
        assert_eq!(code, Some(2), "{content} was accepted: {stderr}");
        assert!(stderr.contains(needle), "{content}: {stderr}");
    }
}
