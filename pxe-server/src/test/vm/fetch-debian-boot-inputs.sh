#!/bin/bash
# fetch-debian-boot-inputs.sh [CACHE_DIR]
#
# Fetches the inputs of the disk-less test VM's boot artifacts from the Debian archive, WITHOUT
# installing anything: the current Debian 6.1 kernel image package (linux-image-6.1.0-N-amd64, the
# dependency of the linux-image-amd64 meta package) and busybox-static. Each .deb is fetched with
# `apt-get download` and unpacked with `dpkg -x` (installing the kernel would touch /boot;
# installing busybox-static would remove the busybox package).
#
# Layout of CACHE_DIR (default $LEO_TEST_CACHE, else /var/cache/leo-test):
#   debs/*.deb            the downloaded packages
#   kroot/                dpkg -x of the kernel package (boot/vmlinuz-KVER, lib/modules/KVER/...)
#   bbstatic/             dpkg -x of busybox-static (bin/busybox)
#   inputs.txt            package=version, sha256 and file name of each .deb, plus KVER=...
#
# Idempotent: when inputs.txt exists and the unpacked trees are present it does nothing.
# Exit codes: 0 ok, 3 the Debian archive is unreachable / package unknown (callers skip), 1 other.
set -euo pipefail

CACHE=${1:-${LEO_TEST_CACHE:-/var/cache/leo-test}}
say() { printf 'fetch-debian-boot-inputs: %s\n' "$*"; }

if [ -s "$CACHE/inputs.txt" ] && [ -d "$CACHE/kroot/lib/modules" ] && [ -x "$CACHE/bbstatic/bin/busybox" ]; then
  say "already present in $CACHE ($(grep '^KVER=' "$CACHE/inputs.txt")), nothing to do"
  exit 0
fi
mkdir -p "$CACHE/debs"

# Resolve the kernel package: the meta package's dependency, else the newest 6.1 image by search.
kernel_pkg() {
  local p
  p=$(apt-cache depends linux-image-amd64 2>/dev/null \
        | sed -n 's/^ *Depends: \(linux-image-6\.1\.[0-9.]*-[0-9]*-amd64\)$/\1/p' | head -n1)
  if [ -z "$p" ]; then
    p=$(apt-cache search --names-only '^linux-image-6\.1\.[0-9.]*-[0-9]+-amd64$' 2>/dev/null \
          | awk '{print $1}' | sort -V | tail -n1)
  fi
  printf '%s' "$p"
}
KPKG=$(kernel_pkg)
if [ -z "$KPKG" ] || ! apt-cache show busybox-static >/dev/null 2>&1; then
  say "kernel or busybox-static package unknown to apt; running apt-get update"
  apt-get update -qq >/dev/null 2>&1 || { say "apt-get update failed: Debian archive unreachable?"; exit 3; }
  KPKG=$(kernel_pkg)
fi
[ -n "$KPKG" ] || { say "no linux-image-6.1.*-amd64 package known to apt"; exit 3; }
KVER=${KPKG#linux-image-}
say "kernel package $KPKG (KVER=$KVER), busybox-static"

# apt-get download writes to the current directory; run it as the _apt-less root in CACHE/debs.
for pkg in "$KPKG" busybox-static; do
  if ls "$CACHE/debs/${pkg}_"*.deb >/dev/null 2>&1; then
    say "have $(basename "$(ls "$CACHE/debs/${pkg}_"*.deb | head -n1)")"
  else
    say "downloading $pkg"
    (cd "$CACHE/debs" && apt-get download -q "$pkg" >/dev/null 2>"$CACHE/debs/apt-$pkg.err") || {
      say "apt-get download $pkg failed: $(tail -n1 "$CACHE/debs/apt-$pkg.err")"; exit 3; }
    rm -f "$CACHE/debs/apt-$pkg.err"
  fi
done
KDEB=$(ls "$CACHE/debs/${KPKG}_"*.deb | head -n1)
BDEB=$(ls "$CACHE/debs/busybox-static_"*.deb | head -n1)

rm -rf "$CACHE/kroot.tmp" "$CACHE/bbstatic.tmp"
dpkg -x "$KDEB" "$CACHE/kroot.tmp"
dpkg -x "$BDEB" "$CACHE/bbstatic.tmp"
[ -s "$CACHE/kroot.tmp/boot/vmlinuz-$KVER" ] || { say "no boot/vmlinuz-$KVER in $KDEB"; exit 1; }
[ -x "$CACHE/bbstatic.tmp/bin/busybox" ] || { say "no bin/busybox in $BDEB"; exit 1; }
rm -rf "$CACHE/kroot" "$CACHE/bbstatic"
mv "$CACHE/kroot.tmp" "$CACHE/kroot"
mv "$CACHE/bbstatic.tmp" "$CACHE/bbstatic"
say "unpacked into $CACHE/kroot and $CACHE/bbstatic"

{
  echo "# Debian packages the test VM boot artifacts are built from (written $(date -u +%FT%TZ))"
  echo "KVER=$KVER"
  for deb in "$KDEB" "$BDEB"; do
    printf '%s=%s sha256=%s file=%s\n' "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)" \
      "$(sha256sum "$deb" | cut -d' ' -f1)" "$(basename "$deb")"
  done
} > "$CACHE/inputs.txt.tmp"
mv "$CACHE/inputs.txt.tmp" "$CACHE/inputs.txt"
say "recorded $CACHE/inputs.txt:"
sed 's/^/  /' "$CACHE/inputs.txt"
