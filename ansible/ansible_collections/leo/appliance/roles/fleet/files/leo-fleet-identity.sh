#!/bin/sh
# leo-fleet-identity DATA-DIR ADDRESS TPM EVM-KEY-FILE MACS OUT: writes this Pi's 'leo fleet identity --json' to OUT
# (whole or not at all), run as the user leo (the member keys and the appliance CA it makes on first use are leo's
# files). Role leo.appliance.fleet; a file, not stdout, because Ansible's script module merges stderr into stdout.
#
# TPM "" means what leo serve uses without --tpm: /dev/tpmrm0 when the Pi has it, else a software TPM over
# DATA-DIR/swtpm. That one is started here for the command and stopped after; while leo runs, it holds that state
# (and a swtpm serves one client at a time), so then this refuses: stop leo first.
set -eu
data=$1 address=$2 tpm=$3 evm=$4 macs=$5 out=$6
mkdir -p "$(dirname "$out")"
tmp=$out.partial
set -- --json --data-dir "$data" --address "$address"
if [ -n "$evm" ]; then set -- "$@" --evm-key-file "$evm"; fi
if [ -n "$macs" ]; then set -- "$@" --mac "$macs"; fi
if [ -z "$tpm" ] && [ -e /dev/tpmrm0 ]; then
  tpm=device:/dev/tpmrm0
fi
if [ -n "$tpm" ]; then
  runuser -u leo -- leo fleet identity --tpm "$tpm" "$@" > "$tmp"
  mv "$tmp" "$out"
  exit 0
fi

if systemctl is-active --quiet leo; then
  echo "leo-fleet-identity: no /dev/tpmrm0 and leo runs its software TPM over $data/swtpm: stop leo, or set leo_tpm" >&2
  exit 1
fi
if ! command -v swtpm >/dev/null; then
  echo "leo-fleet-identity: no /dev/tpmrm0 and no swtpm: set leo_tpm, or add swtpm to leo_package_extra" >&2
  exit 1
fi
state=$data/swtpm
runuser -u leo -- mkdir -p -m 0750 "$state"
# two free loopback ports in a row: the TPM's and its control channel's
port=$(python3 -c '
import socket
for _ in range(50):
    a = socket.socket(); a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    if p < 65535:
        b = socket.socket()
        try:
            b.bind(("127.0.0.1", p + 1)); print(p); break
        except OSError:
            pass
        finally:
            b.close()
    a.close()
')
runuser -u leo -- swtpm socket --tpm2 --tpmstate dir="$state" --server type=tcp,port="$port",bindaddr=127.0.0.1 \
  --ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 --flags not-need-init,startup-clear --pid file="$state/pid" --daemon
stop() {
  if [ -f "$state/pid" ]; then
    kill "$(cat "$state/pid")" 2>/dev/null || true
    rm -f "$state/pid"
  fi
}
trap stop EXIT
python3 -c '
import socket, sys, time
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close(); sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit("leo-fleet-identity: swtpm did not listen on 127.0.0.1:" + sys.argv[1] + " within 10 s")
' "$((port + 1))"
runuser -u leo -- leo fleet identity --tpm "swtpm:127.0.0.1:$port" "$@" > "$tmp"
mv "$tmp" "$out"
