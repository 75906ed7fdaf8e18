#!/usr/bin/env bash
# Single-node Ceph (1 mon, 1 OSD) + RADOS Gateway on 127.0.0.1; all state under $S3_ROOT.
# usage: ceph-rgw.sh install|start|stop|gateway-stop|gateway-start
#   S3_ROOT (default /tmp/ceph-rgw)  S3_PORT (default 19180; mon uses S3_PORT+1, daemons S3_PORT+10..+60)
#   OSD_STORE=bluestore|memstore (default bluestore on a sparse file, RSS ~0.5 GiB;
#             memstore starts ~3 s faster but keeps everything written in RAM)
#   OSD_SIZE_GB (default 16): capacity of the OSD; Ceph blocks writes (hangs) when it is ~full
set -euo pipefail
D=${S3_ROOT:-/tmp/ceph-rgw}
P=${S3_PORT:-19180}
MON=$((P+1))
AK=${S3_ACCESS_KEY:-testkey}; SK=${S3_SECRET_KEY:-testsecret}
STORE=${OSD_STORE:-bluestore}
SIZE_GB=${OSD_SIZE_GB:-16}
EMPTY_SHA=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
C="$D/ceph.conf"
ts() { date +%s.%N; }
log() { echo "[$(date +%T.%3N)] $*"; }

install() {
  command -v radosgw >/dev/null && command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null && command -v curl >/dev/null && return 0
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >/dev/null
  apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw curl >/dev/null
}

configure() {
  rm -rf "$D"; mkdir -p "$D/mon/ceph-a" "$D/osd/ceph-0" "$D/run" "$D/log" "$D/rgw"
  local fsid; fsid=$(cat /proc/sys/kernel/random/uuid)
  cat >"$C" <<EOF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$MON]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
ms bind ipv6 = false
ms bind port min = $((P+10))
ms bind port max = $((P+60))
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $D/keyring
run dir = $D/run
admin socket = $D/run/\$name.asok
log file = $D/log/\$name.log
pid file = $D/run/\$name.pid
log to stderr = false
err to stderr = true
mon data = $D/mon/\$cluster-\$id
osd data = $D/osd/\$cluster-\$id
osd objectstore = $STORE
bluestore block path = $D/osd/block.\$id
bluestore block create = true
bluestore block size = $((SIZE_GB << 30))
bluestore fsck on mount = false
bdev enable discard = false
osd memory target = 1073741824
bluestore cache autotune = true
memstore device bytes = $((SIZE_GB << 30))
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
mon osd full ratio = .99
mon osd backfillfull ratio = .99
mon osd nearfull ratio = .99
osd failsafe full ratio = .999
mon data avail crit = 1
mon data avail warn = 2
osd op num shards = 2
osd op num threads per shard = 1
osd heartbeat grace = 600
[mon]
paxos propose interval = 0.05
paxos min wait = 0.01
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$P tcp_nodelay=1
rgw data = $D/rgw
rgw dns name = 127.0.0.1
rgw enable usage log = false
rgw thread pool size = 64
rgw gc obj min wait = 60
rgw lc debug interval = 10
EOF
}

start() {
  local t0 tm
  stop   # a previous instance under $S3_ROOT would otherwise be orphaned by configure's rm -rf
  configure
  t0=$(ts)
  ceph-authtool --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool "$D/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
  ceph-authtool "$D/keyring" --gen-key -n osd.0 --cap mon 'allow profile osd' --cap osd 'allow *' --cap mgr 'allow profile osd' >/dev/null
  ceph-authtool "$D/keyring" --gen-key -n client.rgw --cap mon 'allow rw' --cap osd 'allow rwx' --cap mgr 'allow rw' >/dev/null
  monmaptool --create --clobber --fsid "$(ceph-conf -c "$C" --lookup fsid)" --addv a "[v2:127.0.0.1:$MON]" "$D/monmap" >/dev/null
  ceph-mon -c "$C" --mkfs -i a --monmap "$D/monmap" --keyring "$D/keyring" >/dev/null
  ceph-mon -c "$C" -i a -f >"$D/log/mon.out" 2>&1 & echo $! >"$D/run/mon.pid"
  log "mon started"
  local osd_uuid; osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  ceph -c "$C" osd new "$osd_uuid" 0 >/dev/null
  # pre-create RGW's pools in one ceph CLI session while the OSD is being made
  {
    for pool in .rgw.root default.rgw.control default.rgw.meta default.rgw.log default.rgw.buckets.index default.rgw.buckets.data default.rgw.buckets.non-ec; do
      echo "osd pool create $pool 8 8"; echo "osd pool application enable $pool rgw"
    done
  } | ceph -c "$C" >"$D/log/pools.out" 2>&1 &
  local pools_pid=$!
  ceph-osd -c "$C" -i 0 --mkfs --osd-uuid "$osd_uuid" >/dev/null 2>"$D/log/osd-mkfs.err" || { cat "$D/log/osd-mkfs.err" >&2; stop; return 1; }
  log "osd mkfs done"
  ceph-osd -c "$C" -i 0 -f >"$D/log/osd.out" 2>&1 & echo $! >"$D/run/osd.pid"
  wait "$pools_pid" || true
  log "pools created"
  for _ in $(seq 1 600); do ceph -c "$C" osd stat 2>/dev/null | grep -q '1 up' && break; sleep 0.1; done
  log "osd up"
  launch_gateway
  # user creation talks to RADOS directly; it may run while radosgw initialises its pools
  for _ in $(seq 1 100); do
    radosgw-admin -c "$C" -n client.admin user create --uid=test --display-name=test --access-key="$AK" --secret="$SK" >/dev/null 2>"$D/log/user-create.err" && break
    sleep 0.3
  done
  log "user created"
  if wait_gateway; then
    tm=$(ts); log "rgw up on http://127.0.0.1:$P (access $AK secret $SK), $(awk "BEGIN{printf \"%.2f\", $tm - $t0}") s after first exec"; return 0
  fi
  echo "rgw failed to start; logs in $D/log" >&2; stop; return 1
}

launch_gateway() {
  radosgw -c "$C" -n client.rgw -f >>"$D/log/rgw.out" 2>&1 & echo $! >"$D/run/rgw.pid"
}

wait_gateway() {
  for _ in $(seq 1 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --aws-sigv4 aws:amz:us-east-1:s3 --user "$AK:$SK" -H "x-amz-content-sha256: $EMPTY_SHA" "http://127.0.0.1:$P/")" = 200 ] && return 0
    sleep 0.1
  done
  return 1
}

# An S3 outage for tests: only the gateway goes (kill -9, as a crash would); the cluster and its data stay.
gateway_stop() {
  local f="$D/run/rgw.pid"
  [ -f "$f" ] || return 0
  kill -KILL "$(cat "$f")" 2>/dev/null || true
  rm -f "$f"
}

gateway_start() {
  launch_gateway
  wait_gateway || { echo "rgw failed to restart; logs in $D/log" >&2; return 1; }
  log "rgw back on http://127.0.0.1:$P"
}

stop() {
  # test data is disposable: TERM everything at once, then KILL what is left after 3 s
  local pids=() n f
  for n in rgw osd mon; do f="$D/run/$n.pid"; [ -f "$f" ] && pids+=("$(cat "$f")") && rm -f "$f"; done
  [ ${#pids[@]} -gt 0 ] || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 "${pids[@]}" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  gateway-stop) gateway_stop ;;
  gateway-start) gateway_start ;;
  *) echo "usage: $0 install|start|stop|gateway-stop|gateway-start" >&2; exit 2 ;;
esac
