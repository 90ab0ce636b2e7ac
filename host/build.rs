//! The build's own signing key. `make build` signs the components it builds with
//! `target/keys/dev.key`; this script makes that key pair once (when it is missing) and
//! embeds the public half, so a binary trusts the components of its own build with no
//! setting (`--trust-build-key false` turns that off; `--trusted-keys` adds keys).
//! `EPMCP_BUILD_KEY` names another key stem (`<stem>.key`, `<stem>.pub`).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

fn main() {
    println!("cargo:rerun-if-env-changed=EPMCP_BUILD_KEY");
    let stem = match std::env::var_os("EPMCP_BUILD_KEY") {
        Some(stem) => PathBuf::from(stem),
        None => PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap()).join("../target/keys/dev"),
    };
    let (private, public) = (stem.with_extension("key"), stem.with_extension("pub"));
    if !public.exists() {
        // The same formats as `epmcp components keygen` (see src/runtime/trust.rs).
        // A private key without its public half keeps its seed; otherwise a new one.
        let kept = std::fs::read_to_string(&private).ok().and_then(|t| {
            BASE64.decode(t.trim().strip_prefix("ed25519-private:")?).ok()?.try_into().ok()
        });
        let seed: [u8; 32] = match kept {
            Some(seed) => seed,
            None => {
                let mut seed = [0u8; 32];
                getrandom::fill(&mut seed).expect("randomness for the build key");
                std::fs::create_dir_all(stem.parent().unwrap()).unwrap();
                let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&private).unwrap();
                writeln!(file, "ed25519-private:{}", BASE64.encode(seed)).unwrap();
                seed
            }
        };
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        std::fs::write(&public, format!("ed25519:{}\n", BASE64.encode(key.verifying_key().as_bytes()))).unwrap();
    }
    println!("cargo:rerun-if-changed={}", public.display());
    let text = std::fs::read_to_string(&public).unwrap();
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("build_key.pub");
    std::fs::write(out, text.trim()).unwrap();
}
