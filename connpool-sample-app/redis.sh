#!/usr/bin/env bash
# Three Redis servers in the background for the sample's redis profile, and nothing else:
#
#   connpool-sample-app/redis.sh start    # redis-server on 127.0.0.1:6379, 6380, 6381, no persistence
#   connpool-sample-app/redis.sh status
#   connpool-sample-app/redis.sh stop     # stops the servers this script started (by their pid files)
#
# Data-less (--save "" --appendonly no); pid and log files in $REDIS_SAMPLE_DIR (default
# ${TMPDIR:-/tmp}/connpool-sample-redis). Other ports: REDIS_PORTS="7000 7001 7002" (stop and status need the same).
# Needs redis-server on the PATH, or REDIS_SERVER=/path/to/redis-server.
set -euo pipefail

ports=(${REDIS_PORTS:-6379 6380 6381})
dir="${REDIS_SAMPLE_DIR:-${TMPDIR:-/tmp}/connpool-sample-redis}"
server="${REDIS_SERVER:-redis-server}"
wait_seconds=10

pid_file() { echo "$dir/redis-$1.pid"; }

# The pid in the port's pid file if that process is still a redis-server; nothing otherwise.
running_pid() {
  local file pid
  file=$(pid_file "$1")
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q redis-server "/proc/$pid/cmdline" 2>/dev/null; then
    echo "$pid"
  fi
}

# Whether something answers PING with PONG on the port (bash's /dev/tcp: no redis-cli needed).
answers() {
  local reply
  reply=$(exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'PING\r\n' >&3 && timeout 2 head -c 7 <&3) 2>/dev/null || return 1
  [[ "$reply" == +PONG* ]]
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  command -v "$server" >/dev/null 2>&1 || {
    echo "redis.sh: $server not found; install Redis (Debian: apt-get install redis-server) or set REDIS_SERVER" >&2
    exit 1
  }
  mkdir -p "$dir"
  local port pid
  for port in "${ports[@]}"; do
    pid=$(running_pid "$port")
    if [ -n "$pid" ]; then
      echo "redis-server on 127.0.0.1:$port runs already (pid $pid)"
      continue
    fi
    if listening "$port"; then
      echo "redis.sh: 127.0.0.1:$port is taken by another process (not started by this script); stop it, or set REDIS_PORTS" >&2
      exit 1
    fi
    "$server" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
      --pidfile "$(pid_file "$port")" --logfile "$dir/redis-$port.log" --dir "$dir"
  done
  local deadline=$((SECONDS + wait_seconds))
  for port in "${ports[@]}"; do
    until answers "$port"; do
      if [ "$SECONDS" -ge "$deadline" ]; then
        echo "redis.sh: redis-server on 127.0.0.1:$port does not answer PING after ${wait_seconds}s; see $dir/redis-$port.log" >&2
        exit 1
      fi
      sleep 0.2
    done
    echo "redis-server on 127.0.0.1:$port ready (pid $(running_pid "$port"), log $dir/redis-$port.log)"
  done
  echo "now: ./mvnw -pl connpool-sample-app -am spring-boot:run -Dspring-boot.run.profiles=redis"
}

stop() {
  local port pid stopped=()
  for port in "${ports[@]}"; do
    pid=$(running_pid "$port")
    if [ -z "$pid" ]; then
      echo "no redis-server of this script on 127.0.0.1:$port"
      rm -f "$(pid_file "$port")"
      continue
    fi
    kill "$pid"
    stopped+=("$port:$pid")
  done
  local deadline=$((SECONDS + wait_seconds)) entry
  for entry in ${stopped[@]+"${stopped[@]}"}; do
    port=${entry%%:*}
    pid=${entry##*:}
    while kill -0 "$pid" 2>/dev/null; do
      if [ "$SECONDS" -ge "$deadline" ]; then
        echo "redis.sh: redis-server on 127.0.0.1:$port (pid $pid) still runs ${wait_seconds}s after SIGTERM" >&2
        exit 1
      fi
      sleep 0.2
    done
    rm -f "$(pid_file "$port")"
    echo "redis-server on 127.0.0.1:$port stopped"
  done
}

status() {
  local port pid all=0
  for port in "${ports[@]}"; do
    pid=$(running_pid "$port")
    if [ -n "$pid" ] && answers "$port"; then
      echo "redis-server on 127.0.0.1:$port running (pid $pid)"
    else
      echo "redis-server on 127.0.0.1:$port not running"
      all=1
    fi
  done
  return "$all"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|status   (redis-server on 127.0.0.1:${ports[*]}, for the sample's redis profile)" >&2
    exit 2
    ;;
esac
