# Shell functions shared by .ci/aot-check and .ci/user-apps (sourced, not run): start a Spring Boot jar in
# the background (on port 0: the port it got is read from its log), wait (bounded) for a line of its log,
# read its actuator over HTTP, stop it.
# Every failure says what was expected and prints the app's log.

APP_PID=""
APP_LOG=""
APP_NAME=""

fail() {
  echo "FAILED: $*" >&2
  if [ -n "$APP_LOG" ] && [ -f "$APP_LOG" ]; then
    echo "---- last 60 lines of $APP_NAME's log ($APP_LOG) ----" >&2
    tail -n 60 "$APP_LOG" >&2
    echo "----" >&2
  fi
  stop_app quietly || true
  exit 1
}

# http_get URL: the body on stdout, whatever the status (curl or wget, as .ci/run installs one of them).
http_get() {
  if command -v curl >/dev/null 2>&1; then
    curl -s --max-time 10 "$1" || true
  else
    wget -q -T 10 -O - --content-on-error "$1" || true
  fi
}

# log_port PATTERN: the first number after PATTERN (an extended regex) in the log, such as the port in
# "Tomcat started on port 41613".
log_port() {
  grep -Eo "$1[0-9]+" "$APP_LOG" | head -n 1 | grep -Eo '[0-9]+$'
}

# start_app NAME LOG_FILE java-arguments...: the app in the background, its output in LOG_FILE.
start_app() {
  APP_NAME=$1
  APP_LOG=$2
  shift 2
  : >"$APP_LOG" # there before the first look at it (the background job opens it only when it runs)
  java "$@" >>"$APP_LOG" 2>&1 &
  APP_PID=$!
  echo "$APP_NAME: started (pid $APP_PID), log $APP_LOG"
}

# wait_for_log PATTERN SECONDS: until an extended regex matches a line of the log; fails when the app ends
# first or the time is up.
wait_for_log() {
  local pattern=$1 seconds=$2 deadline=$((SECONDS + $2))
  until grep -Eqs "$pattern" "$APP_LOG"; do
    if ! kill -0 "$APP_PID" 2>/dev/null; then
      wait "$APP_PID" 2>/dev/null && code=0 || code=$?
      APP_PID=""
      fail "$APP_NAME ended (exit code $code) before its log said /$pattern/"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail "$APP_NAME's log did not say /$pattern/ within ${seconds}s"
    fi
    sleep 0.5
  done
}

# check_health URL SERVERS: /actuator/health/connpool is UP (every status in it UP, wherever Boot's version
# writes the key) with SERVERS usable servers, every one ACTIVE.
check_health() {
  local url=$1 servers=$2 body="" statuses deadline=$((SECONDS + 30))
  # The pools are up when the app says it is ready; the probe is only for a slow first answer.
  while :; do
    body=$(http_get "$url")
    statuses=$(grep -o '"status":"[A-Z_]*"' <<<"$body" | sort -u | tr '\n' ' ' || true)
    if [[ "$body" == *'"usableServers":'"$servers"[,}]* && "$statuses" == '"status":"UP" ' ]]; then
      break
    fi
    [ "$SECONDS" -lt "$deadline" ] || fail "$url: expected status UP with \"usableServers\":$servers, got: ${body:-no answer}"
    sleep 0.5
  done
  local active
  active=$(grep -o '"state":"ACTIVE"' <<<"$body" | wc -l)
  [ "$active" -eq "$servers" ] || fail "$url: expected $servers servers ACTIVE, found $active in: $body"
  echo "$APP_NAME: $url is UP with $servers usable servers"
}

# check_metric URL: the meter exists (a JSON answer with its name and measurements).
check_metric() {
  local url=$1 body
  body=$(http_get "$url")
  [[ "$body" == *'"measurements"'* ]] || fail "$url: expected the meter, got: ${body:-no answer}"
  echo "$APP_NAME: $url present"
}

# stop_app [quietly]: SIGTERM, then up to 30 s for a graceful end; SIGKILL and a failure after that.
stop_app() {
  [ -n "$APP_PID" ] || return 0
  local pid=$APP_PID deadline=$((SECONDS + 30))
  APP_PID=""
  kill "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      kill -9 "$pid" 2>/dev/null || true
      [ "${1:-}" = quietly ] || fail "$APP_NAME (pid $pid) still ran 30s after SIGTERM; killed"
      return 0
    fi
    sleep 0.5
  done
  wait "$pid" 2>/dev/null || true
  [ "${1:-}" = quietly ] || echo "$APP_NAME: stopped"
}
