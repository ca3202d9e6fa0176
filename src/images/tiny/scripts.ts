// The tiny image's userland, all busybox shell: /init (first process, sets up
// the applets and hands over to busybox init), /etc/rc.boot (init's sysinit:
// modules, DHCP, metadata or config drive, keys, user data, the console
// report), the udhcpc hook and init's table. Plain `$var` only: these are
// JavaScript template strings.

/** PID 1 from the initramfs: mounts, busybox applet links, then busybox init. */
export const INIT = `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /run /tmp /sbin /usr/bin /usr/sbin
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox --install -s
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs tmpfs /tmp
exec /sbin/init
`;

export const INITTAB = `::sysinit:/etc/rc.boot
ttyS0::respawn:/sbin/getty -L 115200 ttyS0 vt100
tty1::respawn:/sbin/getty 38400 tty1
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/echo "tiny: shutting down"
::shutdown:/bin/umount -a -r
`;

/** Run by acpid on the ACPI power button (Nova's soft reboot and graceful stop). */
export const ACPI_POWER = `#!/bin/sh
echo "tiny: power button: powering off" > /dev/console
poweroff
`;

/** udhcpc's hook: address, MTU (option 26), classless static routes (option 121, which replaces option 3), DNS. */
export const UDHCPC_SCRIPT = String.raw`#!/bin/sh
case "$1" in
deconfig)
  ip -4 addr flush dev "$interface"
  ip link set "$interface" up
  ;;
bound|renew)
  [ -n "$mtu" ] && ip link set "$interface" mtu "$mtu"
  if ! ip -4 addr show dev "$interface" | grep -q "inet $ip/$mask "; then
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/$mask" broadcast + dev "$interface"
  fi
  if [ -n "$staticroutes" ]; then
    set -- $staticroutes
    while [ $# -ge 2 ]; do
      if [ "$2" = 0.0.0.0 ]; then ip route replace "$1" dev "$interface"
      else ip route replace "$1" via "$2" dev "$interface"; fi
      shift 2
    done
  elif [ -n "$router" ]; then
    set -- $router
    ip route replace default via "$1" dev "$interface"
  fi
  : > /etc/resolv.conf
  for d in $dns; do echo "nameserver $d" >> /etc/resolv.conf; done
  [ -n "$domain" ] && echo "search $domain" >> /etc/resolv.conf
  echo "ip=$ip mask=$mask mtu=$mtu router=$router routes=\"$staticroutes\"" > /run/dhcp.lease
  ;;
esac
exit 0
`;

/** The boot proper (busybox init's sysinit): everything the console report says. */
export const RC_BOOT = String.raw`#!/bin/sh
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root
say() { echo "tiny: $*"; }
up() { cut -d' ' -f1 /proc/uptime; }
# busybox 1.35's wget crashes with -T: bound it with timeout instead
fetch() { timeout 5 wget -q -O "$2" "http://169.254.169.254/$1" 2>/dev/null; }
# the device whose ISO 9660 volume label is config-2 (busybox findfs misses ISOs smaller than 68 KiB)
config_drive() {
  for d in /dev/sr* /dev/vd* /dev/sd* /dev/hd*; do
    [ -b "$d" ] && [ "$(dd if="$d" bs=1 skip=32808 count=8 2>/dev/null)" = config-2 ] && { echo "$d"; return 0; }
  done
  findfs LABEL=config-2 2>/dev/null
}
field() { awk -F '\t' -v k="$1" '$1 == k { sub(/^[^\t]*\t/, ""); print; exit }' /run/md/flat; }

hostname tiny
ip link set lo up

# DHCP starts as soon as virtio_net is in, while the other modules load (the IDE probe takes a while)
MD=/run/md
mkdir -p $MD
dhcp=
start_dhcp() {
  [ -e /sys/class/net/eth0 ] || return 0
  ip link set eth0 up
  udhcpc -i eth0 -s /etc/udhcpc.script -O mtu -O staticroutes -t 8 -T 1 -A 2 -b -S -p /run/udhcpc.pid >/dev/null 2>&1 &
  dhcp=$!
}
while read -r m; do
  insmod "$m" 2>/dev/null
  case "$m" in */virtio_net.ko) start_dhcp ;; esac
done < /lib/modules/load.list
syslogd -C64
acpid -c /etc/acpi
mkpasswd -m sha512 gocubsgo > /run/cirros.pw 2>/dev/null &

lease=no
if [ -n "$dhcp" ]; then
  wait $dhcp
  if [ -f /run/dhcp.lease ]; then
    lease=yes
    . /run/dhcp.lease
    say "network eth0 $ip/$mask mtu $(cat /sys/class/net/eth0/mtu)"
    ip route | sed 's/^/tiny: route /'
  else
    say "network eth0: no DHCP answer"
  fi
else
  say "network: no eth0"
fi

# metadata service first, config drive (label config-2) when it does not answer
source=
if [ $lease = yes ]; then
  for i in 1 2 3 4 5; do
    if fetch openstack/latest/meta_data.json $MD/meta_data.json; then
      source="metadata service http://169.254.169.254"
      fetch openstack/latest/user_data $MD/user_data || rm -f $MD/user_data
      break
    fi
    sleep 1
  done
fi
if [ -z "$source" ]; then
  dev=
  for i in $(seq 1 50); do
    dev=$(config_drive) && break
    usleep 100000
  done
  if [ -n "$dev" ]; then
    mkdir -p /mnt/config
    if mount -o ro "$dev" /mnt/config 2>/dev/null; then
      cp /mnt/config/openstack/latest/meta_data.json $MD/ 2>/dev/null && source="config drive $dev"
      cp /mnt/config/openstack/latest/user_data $MD/ 2>/dev/null
      umount /mnt/config
    fi
  fi
fi

if [ -n "$source" ]; then
  awk -f /lib/tiny/json.awk $MD/meta_data.json > $MD/flat
  say "datasource $source"
  say "instance-id $(field uuid)"
  name=$(field hostname)
  name=$(echo "$name" | cut -d. -f1)
  if [ -n "$name" ]; then
    hostname "$name"
    echo "$name" > /etc/hostname
    echo "127.0.1.1 $name" >> /etc/hosts
  fi
  say "hostname $(hostname)"
  say "name $(field name)"
  awk -F '\t' '$1 ~ /^meta\./ { k = $1; sub(/^meta\./, "", k); v = $0; sub(/^[^\t]*\t/, "", v); print "tiny: meta " k "=" v }' $MD/flat
  awk -F '\t' '$1 ~ /^public_keys\./ { v = $0; sub(/^[^\t]*\t/, "", v); sub(/(\\n)+$/, "", v); print v }' $MD/flat > $MD/keys
  if [ -s $MD/keys ]; then
    for home in /root /home/cirros; do
      mkdir -p $home/.ssh
      cp $MD/keys $home/.ssh/authorized_keys
    done
    chown -R cirros:cirros /home/cirros/.ssh
    chmod 700 /root/.ssh /home/cirros/.ssh
    awk -F '\t' '$1 ~ /^public_keys\./ { k = $1; sub(/^public_keys\./, "", k); print "tiny: public key " k " installed for root and cirros" }' $MD/flat
  fi
else
  say "datasource none: no metadata service answered and no config drive"
fi

wait
[ -s /run/cirros.pw ] && sed -i "s|^cirros:[^:]*:|cirros:$(cat /run/cirros.pw):|" /etc/shadow
dropbear -R -p 22 && say "ssh: dropbear on port 22"

if [ -s $MD/user_data ]; then
  if [ "$(head -c 2 $MD/user_data)" = "#!" ]; then
    cp $MD/user_data /run/user-data.script
    chmod 700 /run/user-data.script
    say "user-data: running script"
    (cd /root && /run/user-data.script)
    say "user-data: script exited $?"
  else
    say "user-data: not a script, ignored ($(head -n 1 $MD/user_data | cut -c1-40))"
  fi
fi

say "ready in $(up) s: login as cirros (password gocubsgo) or root"
`;
