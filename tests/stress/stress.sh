#!/bin/sh
# make stress: one `fdrecv -n 0 -j` against two senders running at the same
# time, each doing STRESS_N handoffs, every handoff its own fdsend process
# passing a descriptor and a message of its own ("A-17", "B-17"). In the
# mix: a peer that connects and never sends a byte, held open for the whole
# run, and a third sender whose messages (STRESS_N / 10 of them) carry one
# descriptor too many for --max-fds and are refused.
#
# Fails unless every good message arrived exactly once, each with the
# sender's descriptor, every refused one was refused and none reported, and
# fdrecv holds as many descriptors after the run as before.
#
# FDSEND, FDRECV: the programs (default: the ones in the top directory;
# relative paths are taken from there). STRESS_N: handoffs per sender.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
FDSEND=${FDSEND:-$top/fdsend}
FDRECV=${FDRECV:-$top/fdrecv}
case $FDSEND in /*) ;; *) FDSEND=$top/$FDSEND ;; esac
case $FDRECV in /*) ;; *) FDRECV=$top/$FDRECV ;; esac
N=${STRESS_N:-2000}

case $N in '' | *[!0-9]*) echo "stress: STRESS_N=$N: not a count" >&2; exit 2 ;; esac
for p in "$FDSEND" "$FDRECV"; do
	[ -x "$p" ] || { echo "stress: $p: not built" >&2; exit 2; }
done

# pwd -P: fdrecv reports descriptors by their resolved paths.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fdstress.XXXXXX")
tmp=$(cd "$tmp" && pwd -P)
sock=$tmp/s.sock
rpid=
idle=
cleanup() {
	if [ -n "$rpid" ]; then
		kill "$rpid" 2>/dev/null || :
	fi
	if [ -n "$idle" ]; then
		kill "$idle" 2>/dev/null || :
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

fail() {
	echo "stress: $*" >&2
	exit 1
}

now_ns() {
	date +%s%N
}

nfds() {
	ls "/proc/$1/fd" | wc -l
}

lines() {
	wc -l <"$tmp/out"
}

# One sender: N handoffs, counting the ones that failed. -T bounds every
# step, so a stuck fdrecv makes failures rather than a hang.
sender() {
	i=1
	bad=0
	while [ "$i" -le "$N" ]; do
		"$FDSEND" -T 10 -f 3 "$sock" "$1-$i" 3<"$tmp/$1.file" || bad=$((bad + 1))
		i=$((i + 1))
	done
	echo "$bad" >"$tmp/$1.failed"
}

echo A >"$tmp/A.file"
echo B >"$tmp/B.file"

"$FDRECV" -n 0 -j --max-fds 1 "$sock" >"$tmp/out" 2>"$tmp/err" &
rpid=$!
i=0
while [ ! -S "$sock" ]; do
	kill -0 "$rpid" 2>/dev/null || fail "fdrecv did not start: $(cat "$tmp/err")"
	i=$((i + 1))
	[ "$i" -lt 500 ] || fail "no socket at $sock after 5 seconds"
	sleep 0.01
done
before=$(nfds "$rpid")

# The idle peer: connected for the whole run, never sending a byte.
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
time.sleep(3600)
' "$sock" &
idle=$!

# The refused sender: two descriptors where --max-fds takes one.
refused() {
	i=1
	while [ "$i" -le "$((N / 10))" ]; do
		"$FDSEND" -T 10 -f 3,3 "$sock" "R-$i" 3<"$tmp/A.file" 2>/dev/null || :
		i=$((i + 1))
	done
}

start=$(now_ns)
sender A 2>"$tmp/A.err" &
apid=$!
sender B 2>"$tmp/B.err" &
bpid=$!
refused &
cpid=$!
wait "$apid" "$bpid" "$cpid"

# Every fdsend has returned, so every message is in fdrecv's queue: wait
# until it has written them all, or until it stops making progress.
total=$((2 * N))
seen=-1
stalled=0
while [ "$(lines)" -lt "$total" ] && [ "$stalled" -lt 300 ]; do
	kill -0 "$rpid" 2>/dev/null || break
	n=$(lines)
	if [ "$n" -eq "$seen" ]; then stalled=$((stalled + 1)); else stalled=0; fi
	seen=$n
	sleep 0.01
done
end=$(now_ns)
kill -0 "$rpid" 2>/dev/null || fail "fdrecv died: $(cat "$tmp/err")"

# The idle peer goes; the last message's descriptors are closed just after
# its line is written: give fdrecv a moment to get back to its loop.
kill "$idle"
wait "$idle" 2>/dev/null || :
idle=
i=0
after=$(nfds "$rpid")
while [ "$after" -ne "$before" ] && [ "$i" -lt 200 ]; do
	sleep 0.01
	i=$((i + 1))
	after=$(nfds "$rpid")
done

kill "$rpid"
status=0
wait "$rpid" 2>/dev/null || status=$?
rpid=
# SIGTERM is how a -n 0 receiver is stopped, with status 0; anything else
# means it went wrong first.
[ "$status" -eq 0 ] || fail "fdrecv exited with status $status: $(cat "$tmp/err")"

echo "$N" "$before" "$after" "$start" "$end" | awk '{
	n = 2 * $1; s = ($5 - $4) / 1e9
	rate = s > 0 ? n / s : 0
	printf "stress: %d handoffs (2 senders x %d) in %.2f s: %.0f handoffs/s\n",
	    n, $1, s, rate
	printf "stress: fdrecv descriptors: %d before, %d after\n", $2, $3
}'

problems=0
for s in A B; do
	failed=$(cat "$tmp/$s.failed")
	if [ "$failed" -ne 0 ]; then
		echo "stress: sender $s: $failed fdsend runs failed:" >&2
		sort "$tmp/$s.err" | uniq -c | sort -rn | head -5 >&2
		problems=1
	fi
done
# Every refusal, and nothing else, on fdrecv's standard error.
refusals=$(grep -c 'more than --max-fds 1 descriptors; closed its 2 descriptors$' "$tmp/err" || :)
if [ "$refusals" -ne "$((N / 10))" ]; then
	echo "stress: $refusals refusals, not $((N / 10))" >&2
	problems=1
fi
if grep -v 'more than --max-fds 1 descriptors; closed its 2 descriptors$' "$tmp/err" >"$tmp/other"; then
	echo "stress: fdrecv complained:" >&2
	sort "$tmp/other" | uniq -c | sort -rn | head -5 >&2
	problems=1
fi

# One line per message: {"message":"A-17",...,"fds":[{"index":0,...,
# "path":"<tmp>/A.file",...}]} with exactly one descriptor, the sender's.
awk -v n="$N" -v dir="$tmp" '
{
	if (!match($0, /^[{]"message":"[AB]-[0-9]+"/)) {
		printf "stress: line %d is no message of ours: %.80s\n", NR, $0
		bad++
		next
	}
	msg = substr($0, 13, RLENGTH - 13)
	path = "\"path\":\"" dir "/" substr(msg, 1, 1) ".file\""
	if (index($0, "\"fds\":[{\"index\":0,") == 0 || index($0, "\"index\":1,") != 0 ||
	    index($0, path) == 0) {
		printf "stress: %s did not carry exactly its descriptor: %.200s\n", msg, $0
		bad++
	}
	if (!(msg in seen))
		distinct++
	if (seen[msg]++) {
		printf "stress: %s arrived twice\n", msg
		bad++
	}
}
END {
	for (i = 1; i <= n; i++)
		for (w = 0; w < 2; w++) {
			msg = (w ? "B-" : "A-") i
			if (!(msg in seen)) {
				if (lost < 10)
					printf "stress: %s never arrived\n", msg
				lost++
			}
		}
	if (lost)
		printf "stress: %d messages lost\n", lost
	printf "stress: %d messages, %d distinct, %d expected\n", NR, distinct, 2 * n
	exit bad || lost
}' "$tmp/out" || problems=1

[ "$after" -eq "$before" ] || {
	echo "stress: fdrecv held $before descriptors before and $after after" >&2
	problems=1
}
[ "$problems" -eq 0 ] || fail "FAILED"
echo "stress: ok"
