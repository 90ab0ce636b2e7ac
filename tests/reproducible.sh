#!/usr/bin/env bash
# Reproducible components: the same source, built clean in another directory, gives the
# same bytes (so the same digest) for every component `make build` makes. This is what
# lets a pinned digest survive a rebuild. Run by `make test` (after `make build`).
set -euo pipefail
repo=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
copy="$work/elsewhere/epmcp"
mkdir -p "$copy"
# The working tree's tracked files, at another path.
git ls-files -z | (cd "$repo" && xargs -0 cp --parents -t "$copy")
cd "$copy"
CARGO_TARGET_DIR="$work/target" CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS="--remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo" \
    cargo build --quiet --profile guest --target wasm32-wasip2 $(printf -- '-p %s ' $GUESTS)
differ=0
for g in $GUESTS; do
    a=$(sha256sum < "$repo/target/wasm32-wasip2/guest/$g.wasm" | cut -d' ' -f1)
    b=$(sha256sum < "$work/target/wasm32-wasip2/guest/$g.wasm" | cut -d' ' -f1)
    if [ "$a" != "$b" ]; then
        echo "reproducible: $g.wasm differs when built clean elsewhere ($a vs $b)"
        differ=1
    fi
done
[ "$differ" = 0 ] && echo "reproducible: $(echo $GUESTS | wc -w) components, the same bytes from a clean build in another directory"
exit "$differ"
