#!/bin/sh
# busybox udhcpc event hook of the Leo HPC image: configure the lease address and route, nothing else.
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    [ -n "$router" ] && ip route add default via "${router%% *}" dev "$interface"
    echo "udhcpc: $1 ip=$ip mask=$mask router=$router siaddr=$siaddr boot_file=$boot_file"
    ;;
  deconfig)
    ip addr flush dev "$interface"
    ip link set "$interface" up
    ;;
esac
exit 0
