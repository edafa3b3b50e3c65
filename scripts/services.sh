#!/usr/bin/env bash
# Start the services the test suite talks to, if they are not already running.
set -euo pipefail

pg_ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }

if command -v pg_ctlcluster >/dev/null 2>&1; then
  if ! pg_ready; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
  fi
fi
if ! pg_ready; then
  echo "PostgreSQL is not answering on 127.0.0.1:5432" >&2
  exit 1
fi
# The test database must exist (trust auth as user postgres).
psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE test"
echo "PostgreSQL ready"
