#!/usr/bin/env bash
# Measures the idle process: time from exec to /readyz answering 200, and
# resident memory (VmRSS) once it is up and idle. Each run uses a fresh data
# directory (first start: migrations, key generation) and then starts again
# over the same directory (a normal restart).
#
# Usage: bench/idle.sh [runs]   (default 5; needs curl and Linux /proc)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
work=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

go build -trimpath -o "$work/bitwobbly" .
now_ms() { date +%s%3N; }

# start DATA LOG: starts the server and waits for /readyz; sets pid, url
# and ready (milliseconds from exec to the first 200).
start() {
	local data=$1 log=$2 t0
	url=
	t0=$(now_ms)
	"$work/bitwobbly" serve --addr 127.0.0.1:0 --data "$data" >"$log" 2>&1 &
	pid=$!
	for _ in $(seq 2000); do
		url=$(grep -o 'url=http://[0-9.:]*' "$log" | head -1 | cut -d= -f2 || true)
		if [ -n "$url" ] && curl -fs -o /dev/null "$url/readyz"; then
			ready=$(($(now_ms) - t0))
			return
		fi
		sleep 0.005
	done
	echo "server did not become ready" >&2
	cat "$log" >&2
	exit 1
}

rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$pid/status"; }

stop() {
	kill -TERM "$pid"
	wait "$pid"
	pid=
}

printf "%-4s %-12s %-12s %-14s %-14s\n" run first_ready restart_ready idle_rss_MB rss_after_use_MB
for i in $(seq "$runs"); do
	data="$work/data$i"
	start "$data" "$work/first$i.log"
	first=$ready
	stop
	"$work/bitwobbly" admin create --data "$data" --email bench@example.com --password benchmark-pass >/dev/null 2>&1 || true
	start "$data" "$work/again$i.log"
	again=$ready
	sleep 5
	idle=$(rss_mb)
	for _ in $(seq 50); do
		curl -fs -o /dev/null "$url/login"
		curl -fs -o /dev/null "$url/metrics"
	done
	sleep 1
	used=$(rss_mb)
	stop
	printf "%-4s %-12s %-12s %-14s %-14s\n" "$i" "${first}ms" "${again}ms" "$idle" "$used"
done
echo "server's own ready_in (last restart): $(grep -o 'ready_in=[^ ]*' "$work/again$runs.log")"
