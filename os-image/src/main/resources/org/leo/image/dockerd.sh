#!/bin/sh
# /bin/leo-dockerd: starts the task engine in the --with-docker image (os-image DockerEngine; docs/booting.md
# "The image with the task engine"). /init runs it after the network and before the agent. In order:
#   1. loads overlay (the overlay2 storage driver) if it is a module;
#   2. mounts the cgroup v2 hierarchy on /sys/fs/cgroup, enables its controllers for the root's children and
#      moves itself (then dockerd and containerd) into leo-engine; the containers go to docker/ID;
#   3. mounts a tmpfs on /var/lib/docker (the data-root: images, layers, containers in RAM); /run (tmpfs) holds the
#      exec-root /run/docker and the socket /run/docker.sock;
#   4. starts dockerd, which starts its own containerd: no bridge, no iptables, no IP forwarding, no network plugins;
#      DOCKER_RAMDISK=true, because the root is the initramfs (rootfs), which pivot_root(2) refuses: runc then moves
#      the container's root and chroots into it instead;
#   5. waits (bounded) for the engine to listen, and prints what it is.
# Serial lines: LEO-DOCKERD-READY (with the engine's version, storage driver and cgroup) or LEO-DOCKERD-FAIL.
# dockerd's own log is /run/dockerd.log. The engine keeps running when the agent starts; nothing here is fatal.
up() { cut -d' ' -f1 /proc/uptime; }
export PATH=/bin:/usr/bin:/usr/sbin
grep -q '^overlay ' /proc/modules || grep -q 'overlay$' /proc/filesystems || echo "leo-dockerd: no overlay filesystem"
mkdir -p /sys/fs/cgroup
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || echo "leo-dockerd: cgroup2 not mounted"
# The engine in a cgroup of its own (leo-engine), the containers beside it (docker/ID): the controllers are
# enabled for the root's children, and dockerd finds its own group's memory.swap.max and cpu.max (the
# root has neither), so it reports swap and CPU quota limits, which the agent's Sandbox requires.
for c in cpu cpuset io memory pids; do
  echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || echo "leo-dockerd: cgroup controller $c not enabled"
done
mkdir -p /sys/fs/cgroup/leo-engine
echo $$ > /sys/fs/cgroup/leo-engine/cgroup.procs
mount -t tmpfs -o mode=0710 tmpfs /var/lib/docker
mkdir -p /run/docker /run/leo/tasks /etc/docker
echo "LEO-DOCKERD-START uptime=$(up)"
DOCKER_RAMDISK=true dockerd --host unix:///run/docker.sock --data-root /var/lib/docker --exec-root /run/docker \
  --pidfile /run/docker.pid --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
  --storage-driver=overlay2 --exec-opt native.cgroupdriver=cgroupfs --log-level=info >/run/dockerd.log 2>&1 &
pid=$!
i=0
while [ $i -lt 1200 ]; do
  if ! kill -0 $pid 2>/dev/null; then
    echo "LEO-DOCKERD-FAIL dockerd exited uptime=$(up)"; tail -n 20 /run/dockerd.log; exit 1
  fi
  if [ -S /run/docker.sock ] && grep -q 'API listen on /run/docker.sock' /run/dockerd.log; then
    info=$(grep -m1 'msg="Docker daemon"' /run/dockerd.log | sed 's/.*msg="Docker daemon" *//')
    echo "LEO-DOCKERD-READY pid=$pid uptime=$(up) $info cgroup=$(awk '$2 == "/sys/fs/cgroup" {print $3}' /proc/mounts) containerd=$(pidof containerd)"
    grep -E 'level=(warning|error)' /run/dockerd.log | head -n 10 | sed 's/^/leo-dockerd: /'
    exit 0
  fi
  sleep 0.1
  i=$((i + 1))
done
echo "LEO-DOCKERD-FAIL not listening after 120 s uptime=$(up)"; tail -n 20 /run/dockerd.log
exit 1
