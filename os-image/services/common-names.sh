# The common-names service's code (a code capsule; run as sh /work/code): the names found in both
# /work/names-a and /work/names-b (one a line; blank lines and CRs ignored), sorted bytewise, once each, in /work/result.
set -e -o pipefail
{ tr -d '\r' < /work/names-a | sort -u; tr -d '\r' < /work/names-b | sort -u; } | { grep -v '^$' || true; } | LC_ALL=C sort | uniq -d > /work/result
