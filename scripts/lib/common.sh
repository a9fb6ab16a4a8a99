# scripts/lib/common.sh - helpers shared by scripts/run and scripts/attest-loop (sourced, not run).
# Expects: T_START (EPOCHREALTIME at the start), and `shopt -s extglob` in the caller.

say() { printf '\n==> %s\n' "$*"; }

# PID NAME: SIGTERM, then SIGKILL after 5 s; only ever a PID this script started.
stop_pid() {
  local pid=$1 i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$(basename "$0"): $2 (pid $pid) ignored SIGTERM, killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# Seconds from EPOCH2 (default: the start of the run) to EPOCH1 (default: now), 1 decimal.
elapsed() {
  awk -v a="${2:-$T_START}" -v b="${1:-$EPOCHREALTIME}" 'BEGIN { printf "%.1f", b - a }'
}

# Reads lines, writes "EPOCH LINE" to FILE and "LABEL | LINE" to the terminal. With REL_T0 set,
# the terminal line also shows seconds since REL_T0. Carriage returns and ANSI escapes are removed.
stamp() { # LABEL FILE [REL_T0]
  local label=$1 file=$2 t0=${3:-} line now rel
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line//$'\r'/}
    line=${line//$'\e'[\[]*([0-9;?=])[A-Za-z]/}
    line=${line//$'\e'[()][AB0-9]/}
    line=${line//$'\e'?([=>c])/}
    line=${line%%+([[:space:]])}
    [ -z "${line//[[:space:]]/}" ] && continue
    now=$EPOCHREALTIME
    printf '%s %s\n' "$now" "$line" >> "$file"
    if [ -n "$t0" ]; then
      rel=$(( (${now/./} - ${t0/./}) / 1000 ))
      printf '%s | +%3d.%03d %s\n' "$label" $((rel / 1000)) $((rel % 1000)) "$line"
    else
      printf '%s | %s\n' "$label" "$line"
    fi
  done
}

# The epoch of the first line of a stamped FILE matching the extended regex RE (empty if none).
first_at() { awk -v re="$2" '$0 ~ re { print $1; exit }' "$1" 2>/dev/null || true; }

# A command line as one could paste it.
show_cmd() { local a out=; for a; do [[ $a =~ [[:space:]] ]] && a="'$a'"; out+="$a "; done; echo "${out% }"; }

# Deletes the named network namespaces when they exist (leftovers of a run that was killed:
# the caller holds the lock that makes the names its own).
delete_stale_netns() {
  local ns
  for ns; do
    if ip netns list | awk '{print $1}' | grep -qx "$ns"; then
      echo "$(basename "$0"): deleting netns $ns left over by an earlier run that did not finish"
      ip netns del "$ns"
    fi
  done
}

# A private L2 segment: netns PI with veth IF_PI at SERVER_IP/PREFIX_LEN, and netns HPC holding
# the veth's other end IF_HPC and a tap TAP for QEMU on one bridge BRIDGE.
make_segment() { # NS_PI NS_HPC IF_PI IF_HPC BRIDGE TAP SERVER_IP PREFIX_LEN
  local pi=$1 hpc=$2 ifpi=$3 ifhpc=$4 br=$5 tap=$6 ip=$7 len=$8 l
  ip netns add "$pi"
  ip netns add "$hpc"
  # HPC side: no IPv6 (the bridge and tap would only add RS/ND noise)
  ip netns exec "$hpc" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  # server side: IPv6 link-local without DAD (leo answers iPXE's Router Solicitation at once)
  ip netns exec "$pi" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
    net.ipv4.ip_unprivileged_port_start=0
  ip -n "$hpc" link add "$br" type bridge stp_state 0 forward_delay 0
  ip -n "$hpc" tuntap add dev "$tap" mode tap
  ip -n "$hpc" link set "$tap" master "$br"
  ip -n "$pi" link add "$ifpi" type veth peer name "$ifhpc" netns "$hpc"
  ip -n "$hpc" link set "$ifhpc" master "$br"
  ip netns exec "$hpc" sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-ip6tables=0 \
    net.bridge.bridge-nf-call-arptables=0 2>/dev/null || true  # only there with br_netfilter
  for l in lo "$br" "$tap" "$ifhpc"; do ip -n "$hpc" link set "$l" up; done
  ip -n "$pi" link set lo up
  ip -n "$pi" addr add "$ip/$len" dev "$ifpi"
  ip -n "$pi" link set "$ifpi" up
  # DHCP replies go to 255.255.255.255: that needs a route
  ip -n "$pi" route add default dev "$ifpi"
}

# Builds the appliance when BUILD says so: always, never (the jar must exist), auto (when the jar
# is missing or older than any source). JAR and REPO are the caller's.
build_appliance() { # BUILD
  local need=0 t
  case $1 in
    always) need=1 ;;
    never) [ -f "$JAR" ] || die "BUILD=never but $JAR is missing" ;;
    auto)
      if [ ! -f "$JAR" ]; then
        need=1
      elif [ -n "$(cd "$REPO" && find . -path '*/target' -prune -o -path ./.git -prune -o -path '*/node_modules' -prune \
                     -o \( -name '*.java' -o -name pom.xml -o -path '*/src/main/resources/*' \) -type f -newer "$JAR" -print -quit)" ]; then
        need=1
      fi ;;
  esac
  if [ "$need" = 1 ]; then
    echo "building (./mvnw -q -B -ntp -DskipTests package; the first build downloads Maven and the dependencies)..."
    t=$EPOCHREALTIME
    (cd "$REPO" && ./mvnw -q -B -ntp -DskipTests package) || die "the build failed (see above)"
    echo "built $JAR in $(elapsed "" "$t") s"
  else
    echo "up to date: $JAR"
  fi
}
