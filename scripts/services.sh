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

# Redis (the shared-broker and shared-rate-limit tests); it keeps nothing on disk.
redis_ready() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
if ! redis_ready && command -v redis-server >/dev/null 2>&1; then
  echo "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  for _ in $(seq 1 30); do redis_ready && break; sleep 1; done
fi
if ! redis_ready; then
  echo "Redis is not answering on 127.0.0.1:6379" >&2
  exit 1
fi
echo "Redis ready"
