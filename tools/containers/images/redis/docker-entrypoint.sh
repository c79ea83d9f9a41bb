#!/bin/sh
set -e
if [ "${1:-}" = "redis-server" ]; then
  shift
  # Later arguments win: a command that sets these itself keeps its own.
  exec redis-server --bind '* -::*' --protected-mode no --dir /data "$@"
fi
exec "$@"
