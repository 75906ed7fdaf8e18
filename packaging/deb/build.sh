#!/usr/bin/env bash
# Builds arcd_<version>_<arch>.deb from the published Native AOT binary (make publish):
#   /usr/lib/arcd/{arcd,libduckdb.so}   the binary loads libduckdb from its own directory
#   /usr/bin/arcd -> ../lib/arcd/arcd
#   /etc/arcd/arcd.json                 conffile (dpkg keeps an operator's edits)
#   /usr/lib/systemd/system/arcd.service, /usr/lib/sysusers.d/arcd.conf
#   /usr/share/doc/arcd/{copyright,changelog.gz}, /usr/share/man/man1/arcd.1.gz
# The maintainer scripts create the `arcd` system user and /var/lib/arcd; purge removes both.
# Usage: packaging/deb/build.sh [BINARY] [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/../.."

binary=${1:-artifacts/aot/arcd}
outdir=${2:-artifacts/deb}
[[ -x "$binary" ]] || { echo "deb: no binary at $binary (run make publish)" >&2; exit 1; }
[[ -f "$(dirname "$binary")/libduckdb.so" ]] || { echo "deb: no libduckdb.so next to $binary" >&2; exit 1; }
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props)
arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/arcd_${version}_${arch}"

install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/lib/arcd" "$root/etc/arcd" "$root/usr/lib/systemd/system" \
    "$root/usr/lib/sysusers.d" "$root/usr/share/doc/arcd" "$root/usr/share/man/man1"
install -m 0755 "$binary" "$root/usr/lib/arcd/arcd"
install -m 0644 "$(dirname "$binary")/libduckdb.so" "$root/usr/lib/arcd/libduckdb.so"
strip --strip-unneeded "$root/usr/lib/arcd/arcd" "$root/usr/lib/arcd/libduckdb.so" 2>/dev/null || true
ln -s ../lib/arcd/arcd "$root/usr/bin/arcd"
install -m 0644 packaging/arcd.json "$root/etc/arcd/arcd.json"
sed 's:^ExecStart=/usr/local/bin/arcd:ExecStart=/usr/bin/arcd:; s:make install. puts it in /etc/systemd/system:the .deb puts it in /usr/lib/systemd/system:' \
    arcd.service > "$root/usr/lib/systemd/system/arcd.service"
chmod 0644 "$root/usr/lib/systemd/system/arcd.service"
install -m 0644 packaging/systemd/arcd.sysusers.conf "$root/usr/lib/sysusers.d/arcd.conf"
install -m 0644 packaging/deb/copyright "$root/usr/share/doc/arcd/copyright"
install -d "$root/usr/share/lintian/overrides"
install -m 0644 packaging/deb/lintian-overrides "$root/usr/share/lintian/overrides/arcd"
printf 'arcd (%s) unstable; urgency=medium\n\n  * Release %s.\n\n -- arcd maintainers <maintainers@arcd.dev>  %s\n' \
    "$version" "$version" "$(date -R -u -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")" \
    | gzip -9n > "$root/usr/share/doc/arcd/changelog.gz"
sed "s/@VERSION@/$version/" packaging/deb/arcd.1 | gzip -9n > "$root/usr/share/man/man1/arcd.1.gz"
chmod 0644 "$root/usr/share/doc/arcd/changelog.gz" "$root/usr/share/man/man1/arcd.1.gz"

installed_kib=$(du -k -s --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$installed_kib/" packaging/deb/control > "$root/DEBIAN/control"
echo /etc/arcd/arcd.json > "$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do install -m 0755 "packaging/deb/$script" "$root/DEBIAN/$script"; done

mkdir -p "$outdir"
deb="$outdir/arcd_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
