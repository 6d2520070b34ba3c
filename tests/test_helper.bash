# Shared by every test file: `load test_helper`.
bats_require_minimum_version 1.5.0

#
# The programs under test come from FDSEND and FDRECV, by default the ones
# built in the top directory. Every test runs in its own $BATS_TEST_TMPDIR,
# where its sockets live. Anything started in the background closes fd 3
# (bats' own) and is reaped by the test.

top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
FDSEND=${FDSEND:-$top/fdsend}
FDRECV=${FDRECV:-$top/fdrecv}
case $FDSEND in /*) ;; *) FDSEND=$top/$FDSEND ;; esac
case $FDRECV in /*) ;; *) FDRECV=$top/$FDRECV ;; esac
export FDSEND FDRECV

# A python3 that is a wrapper script (pyenv's shim) costs a tenth of a
# second a call, and the tests make hundreds: put the interpreter it runs
# first on PATH, once for each file.
setup_file() {
	local py

	py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) || return 0
	[[ -x $py ]] && export PATH="${py%/*}:$PATH"
	return 0
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	sock=$BATS_TEST_TMPDIR/s.sock
}

# Whatever a failed test left running is killed and reaped.
teardown() {
	if [[ -n ${rpid-} ]] && kill -0 "$rpid" 2>/dev/null; then
		kill -KILL "$rpid" 2>/dev/null
		wait "$rpid" 2>/dev/null || true
	fi
	return 0
}

# Start fdrecv in the background with its output in ./out and ./err;
# $rpid is its pid. Reap it with recv_wait.
recv_bg() {
	"$FDRECV" "$@" >out 2>err 3>&- &
	rpid=$!
}

# Wait for the background fdrecv; its status is in $rstatus.
recv_wait() {
	rstatus=0
	wait "$rpid" || rstatus=$?
}

# Wait (up to 5 s) until a path exists as a socket: for listeners that
# nothing connects to through fdsend -w.
wait_socket() {
	local i
	for ((i = 0; i < 500; i++)); do
		[[ -S $1 ]] && return 0
		sleep 0.01
	done
	echo "no socket at $1" >&2
	return 1
}

# A JSON field of a one-line object, with python3's json: json_get FILE EXPR,
# where EXPR uses d for the object, e.g. 'd["fds"][0]["type"]'.
json_get() {
	python3 -c 'import json, sys; d = json.loads(open(sys.argv[1]).readline()); print(eval(sys.argv[2]))' "$1" "$2"
}

need() {
	command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed"
}
