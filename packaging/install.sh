#!/usr/bin/env bash
# Installs (or removes) arcd: the binary with libduckdb beside it (under $PREFIX/lib/arcd, linked from
# $PREFIX/bin/arcd), the default config and the service definition.
# Linux: systemd unit + sysusers entry for the `arcd` account. macOS: launchd job.
# DESTDIR stages everything under another root (packaging, tests); then no service is touched.
set -euo pipefail
cd "$(dirname "$0")/.."

action=${1:-install}
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
BINARY=${BINARY:-artifacts/aot/arcd}
os=$(uname -s)
libduckdb=libduckdb.so
[[ "$os" == Darwin ]] && libduckdb=libduckdb.dylib
libdir="$DESTDIR$PREFIX/lib/arcd"

live() { [[ -z "$DESTDIR" ]]; }

if [[ "$os" == Darwin ]]; then
    config_dir="$DESTDIR$PREFIX/etc/arcd"
    state_dir="$DESTDIR$PREFIX/var/arcd"
    unit="$DESTDIR/Library/LaunchDaemons/dev.arcd.arcd.plist"
else
    config_dir="$DESTDIR/etc/arcd"
    state_dir="$DESTDIR/var/lib/arcd"
    unit="$DESTDIR/etc/systemd/system/arcd.service"
    sysusers="$DESTDIR/usr/lib/sysusers.d/arcd.conf"
fi

case "$action" in
install)
    [[ -x "$BINARY" ]] || { echo "install: no binary at $BINARY (run make publish)" >&2; exit 1; }
    [[ -f "$(dirname "$BINARY")/$libduckdb" ]] || { echo "install: no $libduckdb next to $BINARY (run make publish)" >&2; exit 1; }
    install -d "$DESTDIR$PREFIX/bin" "$libdir" "$config_dir"
    # The query API loads libduckdb from the binary's own directory (the link is resolved).
    install -m 0755 "$BINARY" "$libdir/arcd"
    install -m 0755 "$(dirname "$BINARY")/$libduckdb" "$libdir/$libduckdb"
    ln -sfn ../lib/arcd/arcd "$DESTDIR$PREFIX/bin/arcd"
    # Never overwrite an operator's edited config.
    if [[ ! -e "$config_dir/arcd.json" ]]; then install -m 0644 packaging/arcd.json "$config_dir/arcd.json"; fi
    if [[ "$os" == Darwin ]]; then
        install -d "$(dirname "$unit")" "$state_dir" "$DESTDIR$PREFIX/var/log"
        install -m 0644 packaging/macos/dev.arcd.arcd.plist "$unit"
        if live; then launchctl bootstrap system "$unit" 2>/dev/null || launchctl load -w "$unit"; fi
    else
        install -d "$(dirname "$unit")" "$(dirname "$sysusers")"
        install -m 0644 arcd.service "$unit"
        install -m 0644 packaging/systemd/arcd.sysusers.conf "$sysusers"
        if live; then
            if command -v systemd-sysusers >/dev/null; then systemd-sysusers "$sysusers"
            elif ! id arcd >/dev/null 2>&1; then useradd --system --home-dir /var/lib/arcd --shell /usr/sbin/nologin arcd; fi
            if [[ -d /run/systemd/system ]]; then systemctl daemon-reload; echo "installed; start with: systemctl enable --now arcd"; fi
        fi
    fi
    ;;
uninstall)
    if live && [[ "$os" != Darwin && -d /run/systemd/system ]]; then systemctl disable --now arcd 2>/dev/null || true; fi
    if live && [[ "$os" == Darwin ]]; then launchctl bootout system "$unit" 2>/dev/null || true; fi
    rm -f "$DESTDIR$PREFIX/bin/arcd" "$unit" ${sysusers:+"$sysusers"}
    rm -rf "$libdir"
    echo "removed binary and service; config in $config_dir and data in $state_dir are kept"
    ;;
*)
    echo "usage: packaging/install.sh install|uninstall" >&2
    exit 2
    ;;
esac
