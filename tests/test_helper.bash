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

# Everything a test starts in the background (rpid, and what it passes to
# track) is killed and reaped in teardown, even when the test failed half
# way; the directories in tmpdirs are removed, and the cgroups in cgroups.
bgpids=()
tmpdirs=()
cgroups=()

track() {
	bgpids+=("$1")
}

teardown() {
	local p i
	for p in ${rpid:-} "${bgpids[@]}"; do
		kill -CONT "$p" 2>/dev/null || true
		kill -TERM "$p" 2>/dev/null || true
		# Up to 2 s to go (strace, for one, ignores SIGTERM), then KILL.
		for ((i = 0; i < 200; i++)); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.01
		done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	for p in "${tmpdirs[@]}"; do
		rm -rf "$p"
	done
	# Deepest first: a cgroup goes only once it is empty.
	for ((i = ${#cgroups[@]} - 1; i >= 0; i--)); do
		rmdir "${cgroups[i]}" 2>/dev/null || true
	done
	return 0
}

# Wait (up to 5 s) until FILE holds a line matching the extended regex.
wait_for() {
	local i
	for ((i = 0; i < 500; i++)); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.01
	done
	echo "no '$2' in $1 after 5 s; it holds:" >&2
	cat "$1" >&2 2>/dev/null || true
	return 1
}

# Wait (up to 5 s) until FILE has at least N lines matching the regex.
wait_count() {
	local i
	for ((i = 0; i < 500; i++)); do
		(($(grep -Ec -- "$2" "$1" 2>/dev/null || true) >= $3)) && return 0
		sleep 0.01
	done
	echo "fewer than $3 '$2' in $1 after 5 s" >&2
	return 1
}

# Wait (up to 5 s) until fdsend (pid $1) waits on its socket, in recv(2)
# (or poll(2), on an inherited one): having sent its message, for the
# receiver to take it.
wait_delivering() {
	local i w
	for ((i = 0; i < 500; i++)); do
		w=$(cat "/proc/$1/wchan" 2>/dev/null)
		[[ $w == unix_stream_read_generic || $w == __skb_wait_for_more_packets ||
		    $w == *poll* ]] && return 0
		sleep 0.01
	done
	echo "process $1 is not waiting for its receiver after 5 s" >&2
	return 1
}

# The descriptors a process has open, as one sorted line.
fd_list() {
	ls "/proc/$1/fd" | sort -n | tr '\n' ' '
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

# Wait (up to 5 s) until a socket path is ready to connect to: bound, and
# listening unless it is a datagram socket (bind makes the file before
# listen): for listeners that nothing connects to through fdsend -w.
wait_socket() {
	local i
	for ((i = 0; i < 500; i++)); do
		[[ -S $1 ]] && awk -v p="$1" -v q="$PWD/$1" '($8 == p || $8 == q) &&
			($4 == "00010000" || $5 == "0002") { f = 1 } END { exit !f }' /proc/net/unix &&
			return 0
		sleep 0.01
	done
	echo "no socket ready at $1" >&2
	return 1
}

# A JSON field of a one-line object, with python3's json: json_get FILE EXPR,
# where EXPR uses d for the object, e.g. 'd["fds"][0]["type"]'.
json_get() {
	python3 -c 'import json, sys; d = json.loads(open(sys.argv[1]).readline()); print(eval(sys.argv[2]))' "$1" "$2"
}

# A comma-separated list of N copies of descriptor FD, for -f.
repeat_fd() {
	local s
	# No shell loop: bats traces every command a test runs, which makes
	# a loop of a thousand rounds take seconds.
	s=$(printf "$1,%.0s" $(seq "$2"))
	printf '%s' "${s%,}"
}

need() {
	command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed"
}

# Whether the kernel pins a socket's peer with SO_PEERPIDFD (Linux 6.5):
# without it, fdrecv reports no exe, cgroup, unit or exited.
have_peerpidfd() {
	python3 -c 'import socket; socket.socketpair()[0].getsockopt(socket.SOL_SOCKET, 77)' 2>/dev/null
}

# The cgroup of process $1 as fdrecv reports it: the unified hierarchy's
# path ("0::/..."), or systemd's own on a system without one.
cgroup_of() {
	local line path=
	while IFS= read -r line; do
		case $line in
		0::*) path=${line#0::}; break ;;
		*:name=systemd:*) path=${line#*:name=systemd:} ;;
		esac
	done <"/proc/$1/cgroup"
	printf '%s\n' "$path"
}

# make_cgroup NAME: a new cgroup in the unified hierarchy (cgroup2), at
# $cgdir; removed in teardown. Skips without root or such a hierarchy.
make_cgroup() {
	local mnt
	[[ $EUID -eq 0 ]] || skip "needs root to make a cgroup"
	mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
	[[ -n $mnt ]] || skip "no cgroup2 hierarchy is mounted"
	cgdir=$mnt/$1
	mkdir "$cgdir" 2>/dev/null || skip "cannot make a cgroup in $mnt"
	cgroups+=("$cgdir")
}

# The script of README.md under the heading "### TITLE": its first sh block.
readme_script() {
	awk -v h="### $1" '
		$0 == h { found = 1; next }
		found && /^```sh$/ { inside = 1; next }
		inside && /^```$/ { exit }
		inside { print }
	' "$top/README.md"
}
