#!/usr/bin/env bash
# Starts a throw-away 3-node Redis Cluster (no persistence) for the store's Cluster contract
# tests and prints its seed nodes (host:port,…). Usage: scripts/redis-cluster.sh start|stop DIR
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?working directory}
ports=(17101 17102 17103)
case "$cmd" in
  start)
    mkdir -p "$dir"
    for p in "${ports[@]}"; do
      if redis-cli -p "$p" ping >/dev/null 2>&1; then
        echo "redis-cluster.sh: port $p already answers (a cluster started before? scripts/redis-cluster.sh stop ITS_DIR)" >&2
        exit 1
      fi
    done
    for p in "${ports[@]}"; do
      redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file "$dir/nodes-$p.conf" \
        --save '' --appendonly no --dir "$dir" --daemonize yes --logfile "$dir/redis-$p.log" >/dev/null
    done
    for p in "${ports[@]}"; do
      for _ in $(seq 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
    done
    redis-cli --cluster create $(printf '127.0.0.1:%s ' "${ports[@]}") --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1 || {
      echo "redis-cluster.sh: redis-cli --cluster create failed:" >&2
      cat "$dir/create.log" >&2
      exit 1
    }
    for _ in $(seq 100); do
      [ "$(redis-cli -p "${ports[0]}" cluster info | tr -d '\r' | grep cluster_state)" = "cluster_state:ok" ] && break
      sleep 0.1
    done
    (IFS=,; echo "${ports[*]/#/127.0.0.1:}")
    ;;
  stop)
    for p in "${ports[@]}"; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
    ;;
esac
