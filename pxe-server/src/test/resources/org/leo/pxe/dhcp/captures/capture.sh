#!/bin/sh
# Re-captures the real-client packets (root; iproute2 busybox isc-dhcp-client dnsmasq-base tcpdump).
# Writes cap.pcap in the current directory; extract UDP payloads with any pcap tool.
set -eu
S=leodcap-s C=leodcap-c
cleanup() { ip netns del $S 2>/dev/null || true; ip netns del $C 2>/dev/null || true; }
trap cleanup EXIT
ip netns add $S; ip netns add $C
ip link add leodcs netns $S type veth peer name leodcc netns $C
ip -n $S addr add 10.77.0.1/24 dev leodcs; ip -n $S link set leodcs up; ip -n $C link set leodcc up
ip netns exec $S dnsmasq --port=0 --no-daemon --interface=leodcs --bind-interfaces \
  --dhcp-range=10.77.0.50,10.77.0.60,1h --dhcp-leasefile=$PWD/dnsmasq.leases --pid-file=$PWD/dnsmasq.pid \
  --dhcp-boot=undionly.kpxe,,10.77.0.1 & DNSMASQ=$!
ip netns exec $C tcpdump -i leodcc -w cap.pcap -U udp port 67 or udp port 68 & TCPDUMP=$!
sleep 1
printf '#!/bin/sh\nexit 0\n' > hook.sh; chmod +x hook.sh
ip -n $C link set leodcc address 52:54:00:77:00:11
ip netns exec $C busybox udhcpc -i leodcc -n -q -f -V PXEClient:Arch:00000:UNDI:002001 -O bootfile -O tftp -s $PWD/hook.sh
ip -n $C addr flush dev leodcc; ip -n $C link set leodcc address 52:54:00:77:00:12
ip netns exec $C busybox udhcpc -i leodcc -n -q -f -s $PWD/hook.sh
ip -n $C addr flush dev leodcc; ip -n $C link set leodcc address 52:54:00:77:00:13
timeout 30 ip netns exec $C dhclient -1 -d -sf $PWD/hook.sh -lf $PWD/dhclient.leases -pf $PWD/dhclient.pid leodcc || true
sleep 1; kill $TCPDUMP $DNSMASQ
