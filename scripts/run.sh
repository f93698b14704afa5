#!/usr/bin/env bash
# Serves the portal for development. With REDIS_URL set and answering, also starts a Celery
# worker and beat; Ctrl-C stops every process this script started.
set -euo pipefail
PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

if [ -n "${REDIS_URL:-}" ]; then
  if "$PY" -c "import redis, sys; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=2).ping()" "$REDIS_URL" 2>/dev/null; then
    echo "Redis answers at $REDIS_URL: starting a Celery worker and beat."
    "$PY" -m celery -A portal worker --loglevel=INFO --concurrency=2 &
    pids+=($!)
    "$PY" -m celery -A portal beat --loglevel=INFO --schedule var/celerybeat-schedule &
    pids+=($!)
  else
    echo "REDIS_URL is set but Redis does not answer: tasks will run in-process." >&2
    export REDIS_URL=""
  fi
else
  echo "No REDIS_URL: tasks run in-process; e-mail is written to var/mail/."
fi

echo "Serving http://$HOST:$PORT/ (Ctrl-C to stop)"
"$PY" manage.py runserver "$HOST:$PORT" &
pids+=($!)
wait -n "${pids[@]}"
