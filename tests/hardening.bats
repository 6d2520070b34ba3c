#!/usr/bin/env bats
# Hardening: what the kernel does with SCM_RIGHTS at its edges, and what
# fdsend and fdrecv owe their users there (limits, truncation, hostile
# descriptors, the socket file, closed standard descriptors, bad usage,
# leaks). The peer checks of --allow-uid and --allow-gid are in peers.bats.
load test_helper

# ---------------------------------------------------------------------------
# Helpers

# fdrecv in the background like recv_bg, but bounded: a bug that makes it
# hang ends the test instead of the run. $rpid is timeout's pid, so use
# recv_bg where the test signals fdrecv or reads its /proc.
recv_bounded() {
	timeout 20 "$FDRECV" "$@" >out 2>err 3>&- &
	rpid=$!
}

# A directory in /tmp that any user can search, for sockets that an
# unprivileged process must reach; $sdir, removed in teardown.
shared_dir() {
	sdir=$(mktemp -d /tmp/fdpass-hard.XXXXXX)
	chmod 755 "$sdir"
	tmpdirs+=("$sdir")
}

# env(1) that can reset a signal to its default: background jobs start with
# SIGINT ignored, and a harness may ignore SIGPIPE.
need_default_signal() {
	env --default-signal=INT true 2>/dev/null || skip "env --default-signal is not supported"
}

# A one-line check that a usage error is what it should be: exit 2, nothing
# on standard output, exactly one line on standard error that names the
# option and the value. usage_error WORD VALUE PROGRAM ARG...
usage_error() {
	local word=$1 value=$2
	shift 2
	run --separate-stderr timeout 10 "$@"
	if [[ $status -ne 2 ]]; then
		echo "$* -> status $status, not 2; stderr: $stderr" >&2
		return 1
	fi
	if [[ -n $output ]]; then
		echo "$* -> wrote to standard output: $output" >&2
		return 1
	fi
	if [[ ${#stderr_lines[@]} -ne 1 ]]; then
		echo "$* -> ${#stderr_lines[@]} lines on standard error, not 1:" >&2
		printf '%s\n' "$stderr" >&2
		return 1
	fi
	if [[ $stderr != *"$word"* || $stderr != *"$value"* ]]; then
		echo "$* -> the message does not name '$word' and '$value': $stderr" >&2
		return 1
	fi
}

# ---------------------------------------------------------------------------
# Sending past the limits

@test "an unprivileged sender with too many descriptors in flight fails with ETOOMANYREFS, naming the socket" {
	# Root is exempt from the limit: as root, send as uid 65534.
	unpriv=()
	if [[ $EUID -eq 0 ]]; then
		need setpriv
		unpriv=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	fi
	shared_dir
	cp "$FDSEND" "$sdir/fdsend"
	# A listener whose backlog holds the connection and that never reads:
	# every descriptor sent stays in flight.
	python3 -c '
import os, socket, sys, time
os.umask(0)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(4)
time.sleep(30)
' "$sdir/s.sock" 3>&- &
	track $!
	wait_socket "$sdir/s.sock"
	# The kernel checks the count before adding a batch: 300 descriptors
	# are two batches, the second sent with 253 in flight, past 16.
	run -1 --separate-stderr timeout 20 bash -c 'ulimit -n 16 && exec "$@"' \
		_ "${unpriv[@]}" "$sdir/fdsend" -w 5 -f "$(repeat_fd 0 300)" "$sdir/s.sock" hello </dev/null
	[[ $stderr == *"$sdir/s.sock"* ]]
	[[ $stderr == *"Too many references"* || $stderr == *"in flight"* ]]
}

@test "a receiver that set SO_PASSRIGHTS to 0 makes fdsend fail saying it refuses descriptors" {
	python3 -c 'import socket; socket.socket(socket.AF_UNIX).setsockopt(socket.SOL_SOCKET, 83, 0)' 2>/dev/null ||
		skip "this kernel has no SO_PASSRIGHTS (Linux 6.16 and later)"
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, 83, 0)
s.bind(sys.argv[1])
s.listen(4)
time.sleep(30)
' "$sock" 3>&- &
	track $!
	wait_socket "$sock"
	run -1 --separate-stderr timeout 20 "$FDSEND" -w 5 -o /etc/hostname "$sock" hello
	[[ $stderr == *"$sock"* ]]
	[[ $stderr == *"refuses descriptors"* ]]
}

@test "a dgram receiver that set SO_PASSRIGHTS to 0 makes fdsend fail saying it refuses descriptors" {
	python3 -c 'import socket; socket.socket(socket.AF_UNIX).setsockopt(socket.SOL_SOCKET, 83, 0)' 2>/dev/null ||
		skip "this kernel has no SO_PASSRIGHTS (Linux 6.16 and later)"
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 83, 0)
s.bind(sys.argv[1])
time.sleep(30)
' "$sock" 3>&- &
	track $!
	wait_socket "$sock"
	run -1 --separate-stderr timeout 20 "$FDSEND" -t dgram -o /etc/hostname "$sock" hello
	[[ $stderr == *"$sock"* ]]
	[[ $stderr == *"refuses descriptors"* ]]
}

# refuse_254 TYPE N [FDSEND-OPTION...]: 254 descriptors for a TYPE socket
# are refused with exit 2 before anything is sent, so the one message the
# receiver takes is the next: a marker with N descriptors.
refuse_254() {
	local type=$1 n=$2
	shift 2
	recv_bounded -t "$type" -j "$sock"
	wait_socket "$sock"
	run -2 --separate-stderr timeout 10 "$FDSEND" "$@" -f "$(repeat_fd 0 254)" "$sock" big </dev/null
	[[ $stderr == *254*"$type"*253* ]]
	run -0 timeout 10 "$FDSEND" "$@" -f "$(repeat_fd 0 "$n")" "$sock" marker </dev/null
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(json_get out 'd["message"]') == marker ]]
	[[ $(json_get out 'len(d["fds"])') == "$n" ]]
}

@test "more than 253 descriptors with -t dgram are refused with exit 2 and nothing is sent" {
	refuse_254 dgram 253 -t dgram
}

@test "more than 253 descriptors to a dgram socket found by detection are refused with exit 2 and nothing is sent" {
	refuse_254 dgram 1
}

@test "more than 253 descriptors with -t seqpacket are refused with exit 2 and nothing is sent" {
	refuse_254 seqpacket 253 -t seqpacket
}

@test "more than 253 descriptors to a seqpacket socket found by detection are refused with exit 2 and nothing is sent" {
	refuse_254 seqpacket 1
}

@test "a peer that vanishes in the middle of a large send is an error with exit 1, not death by SIGPIPE" {
	need_default_signal
	head -c 16M /dev/urandom >big
	# Accepts, takes one byte so that the send has begun, and goes away.
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(1)
s.settimeout(10)
c, _ = s.accept()
c.settimeout(10)
c.recv(1)
c.close()
' "$sock" 3>&- &
	track $!
	run -1 --separate-stderr timeout 20 env --default-signal=PIPE "$FDSEND" -w 5 -o /etc/hostname -i big "$sock"
	[[ $stderr == "fdsend: $sock: the receiver closed the connection without reading the message: not delivered" ]]
}

@test "a payload of several megabytes arrives byte for byte with fdrecv -p" {
	head -c 6M /dev/urandom >big
	recv_bounded -p "$sock"
	run -0 timeout 20 "$FDSEND" -w 5 -o /etc/hostname -i big "$sock"
	recv_wait
	[[ $rstatus -eq 0 ]]
	cmp big out
}

@test "a payload of several megabytes with 600 descriptors arrives byte for byte, all descriptors with it" {
	head -c 5M /dev/urandom >big
	recv_bounded -p --expect 600 "$sock"
	run -0 timeout 20 "$FDSEND" -w 5 -f "$(repeat_fd 0 600)" -i big "$sock" </dev/null
	recv_wait
	[[ $rstatus -eq 0 ]]
	cmp big out
}

# ---------------------------------------------------------------------------
# Receiving: truncation and unusual datagrams

@test "a message cut short at the open-files limit is refused, not counted, and the next one is taken" {
	(ulimit -n 16 && exec "$FDRECV" "$sock") >out 2>err 3>&- &
	rpid=$!
	timeout 10 "$FDSEND" -w 5 -f "$(repeat_fd 0 40)" "$sock" cut-short </dev/null || true
	wait_for err 'dropped descriptors'
	run -0 timeout 10 "$FDSEND" "$sock" second
	recv_wait
	[[ $rstatus -eq 0 ]]
	grep -Eq "^fdrecv: $sock: refused a message from peer pid [0-9]+ uid $(id -u): the kernel dropped descriptors \(is the open files limit too low\?\); closed its [0-9]+ descriptors\$" err
	! grep -q cut-short out
	grep -qx 'message: "second" (6 bytes, ended with shutdown(2))' out
}

@test "a receiver at its open-files limit keeps none of the descriptors that did arrive" {
	(ulimit -n 16 && exec "$FDRECV" "$sock") >out 2>err 3>&- &
	rpid=$!
	wait_socket "$sock"
	before=$(fd_list "$rpid")
	timeout 10 "$FDSEND" -f "$(repeat_fd 0 40)" "$sock" cut-short </dev/null || true
	wait_for err 'dropped descriptors'
	[[ $(fd_list "$rpid") == "$before" ]]
	run -0 timeout 10 "$FDSEND" "$sock" second
	recv_wait
	[[ $rstatus -eq 0 ]]
}

@test "a receiver at its open-files limit hands nothing cut short to COMMAND, only the next whole message" {
	(ulimit -n 16 && exec "$FDRECV" "$sock" -- sh -c 'echo "$LISTEN_FDS $FDRECV_MESSAGE" >ran') >out 2>err 3>&- &
	rpid=$!
	timeout 10 "$FDSEND" -w 5 -f "$(repeat_fd 0 40)" "$sock" cut-short </dev/null || true
	wait_for err 'dropped descriptors'
	[[ ! -e ran ]]
	run -0 timeout 10 "$FDSEND" -f 0 "$sock" whole </dev/null
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(cat ran) == '1 whole' ]]
	[[ ! -s out ]]
}

# A sender of one zero-length record with one descriptor: TYPE PATH.
zero_length_sender='
import os, socket, sys
kind = {"dgram": socket.SOCK_DGRAM, "seqpacket": socket.SOCK_SEQPACKET}[sys.argv[1]]
s = socket.socket(socket.AF_UNIX, kind)
s.connect(sys.argv[2])
socket.send_fds(s, [b""], [os.open("/etc/hostname", os.O_RDONLY)])
'

@test "a zero-length datagram carrying a descriptor is a message with that descriptor" {
	recv_bounded -t dgram -j "$sock"
	wait_socket "$sock"
	run -0 timeout 10 python3 -c "$zero_length_sender" dgram "$sock"
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(json_get out 'd["message"]') == "" ]]
	[[ $(json_get out 'len(d["fds"])') == 1 ]]
	[[ $(json_get out 'd["fds"][0]["path"]') == /etc/hostname ]]
}

@test "a zero-length seqpacket record carrying a descriptor is a message, not EOF" {
	recv_bounded -t seqpacket -j "$sock"
	wait_socket "$sock"
	run -0 timeout 10 python3 -c "$zero_length_sender" seqpacket "$sock"
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(json_get out 'd["message"]') == "" ]]
	[[ $(json_get out 'len(d["fds"])') == 1 ]]
	[[ $(json_get out 'd["fds"][0]["path"]') == /etc/hostname ]]
}

@test "a zero-length seqpacket record without descriptors is EOF" {
	recv_bounded -t seqpacket -j "$sock"
	wait_socket "$sock"
	# The empty record ends that connection: fdrecv closes it, uncounted.
	run -0 timeout 10 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.send(b"")
s.settimeout(5)
print("closed" if s.recv(1) == b"" else "data")
' "$sock"
	[[ $output == closed ]]
	run -0 timeout 10 "$FDSEND" "$sock" after
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(wc -l <out) -eq 1 ]]
	[[ $(json_get out 'd["message"]') == after ]]
}

# A sender whose sendmsg carries SCM_CREDENTIALS and the descriptors of
# files a, b and c split over two SCM_RIGHTS headers: TYPE PATH.
creds_sender='
import array, os, socket, struct, sys
kind = {"dgram": socket.SOCK_DGRAM, "stream": socket.SOCK_STREAM}[sys.argv[1]]
s = socket.socket(socket.AF_UNIX, kind)
s.connect(sys.argv[2])
fds = [os.open(p, os.O_RDONLY) for p in ("a", "b", "c")]
s.sendmsg([b"with credentials"], [
    (socket.SOL_SOCKET, socket.SCM_CREDENTIALS, struct.pack("iII", os.getpid(), os.getuid(), os.getgid())),
    (socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds[:2]).tobytes()),
    (socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds[2:]).tobytes()),
])
'

@test "descriptors sent with SCM_CREDENTIALS and two SCM_RIGHTS headers arrive whole on stream" {
	printf A >a; printf B >b; printf C >c
	recv_bounded -C --expect 3 "$sock"
	wait_socket "$sock"
	run -0 timeout 10 python3 -c "$creds_sender" stream "$sock"
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(cat out) == ABC ]]
}

@test "descriptors sent with SCM_CREDENTIALS and two SCM_RIGHTS headers arrive whole on dgram" {
	printf A >a; printf B >b; printf C >c
	recv_bounded -t dgram -C --expect 3 "$sock"
	wait_socket "$sock"
	run -0 timeout 10 python3 -c "$creds_sender" dgram "$sock"
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(cat out) == ABC ]]
}

@test "a dgram sender's own SCM_CREDENTIALS are reported as its peer, with the message and descriptors" {
	printf A >a; printf B >b; printf C >c
	recv_bounded -t dgram -j "$sock"
	wait_socket "$sock"
	python3 -c "$creds_sender" dgram "$sock" 3>&- &
	spid=$!
	track "$spid"
	wait "$spid"
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(json_get out 'd["message"]') == "with credentials" ]]
	[[ $(json_get out 'd["peer"]["pid"]') == "$spid" ]]
	[[ $(json_get out '[f["path"].rsplit("/", 1)[1] for f in d["fds"]]') == "['a', 'b', 'c']" ]]
}

# ---------------------------------------------------------------------------
# --cat and hostile descriptors

@test "--cat of a FIFO whose writer never writes times out under -T with exit 1" {
	mkfifo fifo
	recv_bounded -C -T 0.2 "$sock"
	exec 7<>fifo # the writer that never writes
	run -0 timeout 10 "$FDSEND" -w 5 -f 8 "$sock" 8<fifo
	recv_wait
	exec 7>&-
	[[ $rstatus -eq 1 ]]
	grep -q 'timed out after 0.2 seconds' err
}

@test "--cat of /dev/zero ends under -T with exit 1" {
	# Standard output is /dev/null: /dev/zero never ends, and a file would fill up.
	timeout 20 "$FDRECV" -C -T 0.2 "$sock" >/dev/null 2>err 3>&- &
	rpid=$!
	run -0 timeout 10 "$FDSEND" -w 5 -o /dev/zero "$sock"
	recv_wait
	[[ $rstatus -eq 1 ]]
	grep -q 'timed out after 0.2 seconds' err
}

@test "--cat refuses a directory with exit 1 and a message" {
	mkdir dir
	recv_bounded -C "$sock"
	run -0 timeout 10 "$FDSEND" -w 5 -o dir "$sock"
	recv_wait
	[[ $rstatus -eq 1 ]]
	grep -q 'Is a directory' err
	[[ ! -s out ]]
}

@test "--cat refuses a write-only descriptor with exit 1 and a message" {
	recv_bounded -C "$sock"
	run -0 timeout 10 "$FDSEND" -w 5 -f 5 "$sock" 5>wonly
	recv_wait
	[[ $rstatus -eq 1 ]]
	grep -q 'not open for reading' err
}

@test "--cat refuses an O_PATH descriptor with exit 1 and a message" {
	echo secret >file
	recv_bounded -C "$sock"
	run -0 timeout 10 python3 -c '
import os, sys
fd = os.open("file", os.O_PATH)
if fd != 5:
    os.dup2(fd, 5)
os.set_inheritable(5, True)
os.execv(sys.argv[1], [sys.argv[1], "-w", "5", "-f", "5", sys.argv[2]])
' "$FDSEND" "$sock"
	recv_wait
	[[ $rstatus -eq 1 ]]
	grep -q 'not open for reading' err
	! grep -q secret out
}

# ---------------------------------------------------------------------------
# Socket addresses

@test "fdrecv refuses a socket path of 108 bytes with exit 2, saying it is too long" {
	long=/tmp/$(printf 'x%.0s' {1..103})
	[[ ${#long} -eq 108 ]]
	run -2 --separate-stderr timeout 10 "$FDRECV" "$long"
	[[ $stderr == *"too long"* ]]
	[[ ! -e $long ]]
}

@test "fdsend refuses a socket path of 108 bytes with exit 2, saying it is too long" {
	long=/tmp/$(printf 'x%.0s' {1..103})
	run -2 --separate-stderr timeout 10 "$FDSEND" "$long" hello
	[[ $stderr == *"too long"* ]]
}

@test "both programs refuse a socket path of 200 bytes with exit 2, saying it is too long" {
	long=$BATS_TEST_TMPDIR/$(printf 'x%.0s' {1..200})
	run -2 --separate-stderr timeout 10 "$FDRECV" "$long"
	[[ $stderr == *"too long"* ]]
	run -2 --separate-stderr timeout 10 "$FDSEND" "$long" hello
	[[ $stderr == *"too long"* ]]
}

@test "a socket path of 107 bytes works for both programs" {
	base=$(mktemp -d /tmp/fh.XXXXXX)
	tmpdirs+=("$base")
	name=$(printf 'y%.0s' $(seq $((107 - ${#base} - 1))))
	path=$base/$name
	[[ ${#path} -eq 107 ]]
	recv_bounded -p "$path"
	run -0 timeout 10 "$FDSEND" -w 5 "$path" hello
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(cat out) == hello ]]
	rm -rf "$base"
}

# ---------------------------------------------------------------------------
# Whatever is already at SOCKET, and the socket file on exit

@test "a stale socket file at SOCKET is replaced" {
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$sock"
	[[ -S $sock ]]
	recv_bounded -p "$sock"
	run -0 timeout 10 "$FDSEND" -w 5 "$sock" hello
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(cat out) == hello ]]
}

@test "a live socket at SOCKET is left alone with exit 1, and its listener still works" {
	recv_bounded -p "$sock"
	wait_socket "$sock"
	inode=$(stat -c %i "$sock")
	run -1 --separate-stderr timeout 10 "$FDRECV" "$sock"
	[[ $stderr == *"$sock"* && $stderr == *"live socket"* ]]
	[[ -S $sock && $(stat -c %i "$sock") == "$inode" ]]
	# The probe did not disturb it: it receives exactly the next message.
	run -0 timeout 10 "$FDSEND" "$sock" still-here
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(cat out) == still-here ]]
}

@test "a regular file at SOCKET is left untouched with exit 1" {
	echo precious >"$sock"
	run -1 --separate-stderr timeout 10 "$FDRECV" "$sock"
	[[ $stderr == *"$sock"* && $stderr == *"not a socket"* ]]
	[[ -f $sock && $(cat "$sock") == precious ]]
}

@test "a symbolic link at SOCKET is not followed, exit 1, and its target is not created" {
	ln -s target "$sock"
	run -1 --separate-stderr timeout 10 "$FDRECV" "$sock"
	[[ $stderr == *"$sock"* && $stderr == *"symbolic link"* ]]
	[[ -L $sock && $(readlink "$sock") == target ]]
	[[ ! -e target ]]
}

@test "the socket file is removed when fdrecv exits after its message" {
	recv_bounded -p "$sock"
	run -0 timeout 10 "$FDSEND" -w 5 "$sock" hello
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(cat out) == hello ]]
	[[ ! -e $sock ]]
}

@test "a socket file replaced while fdrecv runs is not removed when it exits" {
	recv_bounded -p "$sock"
	wait_socket "$sock"
	mv "$sock" moved.sock
	# Another socket file, so that only its identity tells it apart.
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$sock"
	inode=$(stat -c %i "$sock")
	run -0 timeout 10 "$FDSEND" moved.sock hello
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(cat out) == hello ]]
	[[ -S $sock && $(stat -c %i "$sock") == "$inode" ]]
}

@test "a file put in place of the socket file is not removed when fdrecv is killed by SIGTERM" {
	recv_bg "$sock"
	wait_socket "$sock"
	rm "$sock"
	echo replacement >"$sock"
	kill -TERM "$rpid"
	recv_wait
	[[ $rstatus -eq 143 ]]
	[[ -f $sock && $(cat "$sock") == replacement ]]
}

@test "the socket file is removed when fdrecv is killed by SIGTERM" {
	recv_bg "$sock"
	wait_socket "$sock"
	kill -TERM "$rpid"
	recv_wait
	[[ $rstatus -eq 143 ]]
	[[ ! -e $sock ]]
}

@test "the socket file is removed when fdrecv is interrupted by SIGINT" {
	need_default_signal
	# A background job starts with SIGINT ignored; give it the default.
	env --default-signal=INT "$FDRECV" "$sock" >out 2>err 3>&- &
	rpid=$!
	wait_socket "$sock"
	kill -INT "$rpid"
	recv_wait
	[[ $rstatus -eq 130 ]]
	[[ ! -e $sock ]]
}

@test "the socket file is removed when fdrecv is hung up on with SIGHUP" {
	recv_bg "$sock"
	wait_socket "$sock"
	kill -HUP "$rpid"
	recv_wait
	[[ $rstatus -eq 129 ]]
	[[ ! -e $sock ]]
}

# term_after_bind PROGRAM ARG...: bind() creates the socket file before the
# program has noted which file it is; a signal in between must not leave
# the file behind. strace holds the program for 0.4 s on its way out of
# bind(), with the file there, and SIGTERM comes then.
term_after_bind() {
	need strace
	need pgrep
	strace -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
	strace -o /dev/null -e trace=bind -e inject=bind:delay_exit=400000 "$@" >out 2>err 3>&- &
	tracer=$!
	track "$tracer"
	wait_socket "$sock"
	rpid=$(pgrep -P "$tracer")
	[[ -n $rpid ]]
	kill -TERM "$rpid"
	tstatus=0
	wait "$tracer" || tstatus=$?
	[[ $tstatus -eq 143 ]]
	[[ ! -e $sock ]]
}

@test "the socket file is removed even when SIGTERM comes right after bind" {
	term_after_bind "$FDRECV" "$sock"
}

@test "fdsend -l removes its socket file when killed by SIGTERM" {
	"$FDSEND" -l "$sock" hello >out 2>err 3>&- &
	rpid=$!
	wait_socket "$sock"
	kill -TERM "$rpid"
	recv_wait
	[[ $rstatus -eq 143 ]]
	[[ ! -e $sock ]]
}

@test "fdsend -l removes its socket file even when SIGTERM comes right after bind" {
	term_after_bind "$FDSEND" -l "$sock" hello
}

# ---------------------------------------------------------------------------
# -m

@test "-m 666 gives the socket file mode 666 under umask 077" {
	(umask 077 && exec "$FDRECV" -m 666 "$sock") >out 2>err 3>&- &
	rpid=$!
	wait_socket "$sock"
	mode=$(stat -c %a "$sock")
	run -0 timeout 10 "$FDSEND" "$sock" hello
	recv_wait
	[[ $mode == 666 ]]
	[[ $rstatus -eq 0 ]]
}

@test "-m 600 gives the socket file mode 600 under umask 000" {
	(umask 000 && exec "$FDRECV" -m 600 "$sock") >out 2>err 3>&- &
	rpid=$!
	wait_socket "$sock"
	mode=$(stat -c %a "$sock")
	run -0 timeout 10 "$FDSEND" "$sock" hello
	recv_wait
	[[ $mode == 600 ]]
	[[ $rstatus -eq 0 ]]
}

@test "-m with an abstract name is a usage error" {
	run -2 --separate-stderr timeout 10 "$FDRECV" -m 600 @fdpass-hardening-$$
	[[ $stderr == *"-m"* ]]
	[[ ${#stderr_lines[@]} -eq 1 ]]
}

@test "-m with -c is a usage error" {
	run -2 --separate-stderr timeout 10 "$FDRECV" -c -m 600 "$sock"
	[[ $stderr == *"-m"* && $stderr == *"-c"* ]]
	[[ ${#stderr_lines[@]} -eq 1 ]]
}

# ---------------------------------------------------------------------------
# Closed standard descriptors

# A COMMAND that writes, to ./fds, what it finds at 0 to 4.
show_fds='exec 9>fds; for i in 0 1 2 3 4; do echo "$i $(readlink /proc/$$/fd/$i)" >&9; done'

@test "fdrecv started with standard input closed hands /dev/null at 0 and the descriptors at 3 and 4" {
	echo one >f1; echo two >f2
	timeout 20 "$FDRECV" "$sock" -- sh -c "$show_fds" 0<&- >out 2>err 3>&- &
	rpid=$!
	run -0 timeout 10 "$FDSEND" -w 5 -o f1 -o f2 "$sock"
	recv_wait
	[[ $rstatus -eq 0 ]]
	grep -qx '0 /dev/null' fds
	grep -qx "3 $PWD/f1" fds
	grep -qx "4 $PWD/f2" fds
}

@test "fdrecv started with standard output closed hands /dev/null at 1 and the descriptors at 3 and 4" {
	echo one >f1; echo two >f2
	timeout 20 "$FDRECV" "$sock" -- sh -c "$show_fds" 1>&- 2>err 3>&- &
	rpid=$!
	run -0 timeout 10 "$FDSEND" -w 5 -o f1 -o f2 "$sock"
	recv_wait
	[[ $rstatus -eq 0 ]]
	grep -qx '1 /dev/null' fds
	grep -qx "3 $PWD/f1" fds
	grep -qx "4 $PWD/f2" fds
}

@test "fdrecv started with standard error closed hands /dev/null at 2 and the descriptors at 3 and 4" {
	echo one >f1; echo two >f2
	timeout 20 "$FDRECV" "$sock" -- sh -c "$show_fds" >out 2>&- 3>&- &
	rpid=$!
	run -0 timeout 10 "$FDSEND" -w 5 -o f1 -o f2 "$sock"
	recv_wait
	[[ $rstatus -eq 0 ]]
	grep -qx '2 /dev/null' fds
	grep -qx "3 $PWD/f1" fds
	grep -qx "4 $PWD/f2" fds
}

@test "fdrecv started with 0, 1 and 2 closed hands /dev/null at all three and the descriptors at 3 and 4" {
	echo one >f1; echo two >f2
	timeout 20 "$FDRECV" "$sock" -- sh -c "$show_fds" 0<&- 1>&- 2>&- 3>&- &
	rpid=$!
	run -0 timeout 10 "$FDSEND" -w 5 -o f1 -o f2 "$sock"
	recv_wait
	[[ $rstatus -eq 0 ]]
	grep -qx '0 /dev/null' fds
	grep -qx '1 /dev/null' fds
	grep -qx '2 /dev/null' fds
	grep -qx "3 $PWD/f1" fds
	grep -qx "4 $PWD/f2" fds
}

@test "fdsend with 0, 1 and 2 closed still sends its file and only that" {
	echo one >f1
	recv_bounded -j "$sock"
	wait_socket "$sock"
	timeout 10 "$FDSEND" -o f1 "$sock" hello 0<&- 1>&- 2>&- 3>&-
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(json_get out 'd["message"]') == hello ]]
	[[ $(json_get out '[(f["type"], f["path"]) for f in d["fds"]]') == "[('file', '$PWD/f1')]" ]]
}

@test "fdsend -f 1 with standard output closed fails with exit 1 and sends nothing, not its own socket" {
	recv_bounded -j "$sock"
	wait_socket "$sock"
	# (run's own redirections do not reach the command: close it inside.)
	run -1 --separate-stderr timeout 10 sh -c 'exec "$@" >&-' _ "$FDSEND" -f 1 "$sock" own-socket
	[[ $stderr == *"descriptor 1 is not open"* ]]
	run -0 timeout 10 "$FDSEND" "$sock" marker
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(wc -l <out) -eq 1 ]]
	[[ $(json_get out 'd["message"]') == marker ]]
	[[ $(json_get out 'len(d["fds"])') == 0 ]]
}

# ---------------------------------------------------------------------------
# Malformed values: exit 2 and one line naming the option and the value

@test "fdsend -n refuses a negative, a non-numeric and a huge count" {
	usage_error -n -1 "$FDSEND" -l -n -1 "$sock"
	usage_error -n x "$FDSEND" -l -n x "$sock"
	usage_error -n 99999999999 "$FDSEND" -l -n 99999999999 "$sock"
}

@test "fdsend -T refuses a word, a negative and an exponent" {
	usage_error -T abc "$FDSEND" -T abc "$sock"
	usage_error -T -1 "$FDSEND" -T -1 "$sock"
	usage_error -T 1e3 "$FDSEND" -T 1e3 "$sock"
}

@test "fdsend -w refuses an exponent and a negative" {
	usage_error -w 1e3 "$FDSEND" -w 1e3 "$sock"
	usage_error -w -1 "$FDSEND" -w -1 "$sock"
}

@test "fdsend -t refuses an unknown type" {
	usage_error -t foo "$FDSEND" -t foo "$sock"
}

@test "fdsend -f refuses a reversed range, a word, an empty name and an empty item" {
	usage_error -f 5-3 "$FDSEND" -f 5-3 "$sock"
	usage_error -f x "$FDSEND" -f x "$sock"
	usage_error -f 3= "$FDSEND" -f 3= "$sock"
	usage_error -f 3,,4 "$FDSEND" -f 3,,4 "$sock"
	usage_error -f -1 "$FDSEND" -f -1 "$sock"
}

@test "fdsend long options name the option and the value when malformed" {
	usage_error "" x "$FDSEND" --count=x -l "$sock"
	[[ $stderr == *"-n x"* || $stderr == *"--count x"* || $stderr == *"--count=x"* ]]
	usage_error "" abc "$FDSEND" --timeout=abc "$sock"
	[[ $stderr == *"-T abc"* || $stderr == *"--timeout abc"* || $stderr == *"--timeout=abc"* ]]
	usage_error "" foo "$FDSEND" --type foo "$sock"
	[[ $stderr == *"-t foo"* || $stderr == *"--type foo"* || $stderr == *"--type=foo"* ]]
}

@test "fdsend refuses an unknown short or long option" {
	usage_error -Z "" "$FDSEND" -Z "$sock"
	usage_error --bogus "" "$FDSEND" --bogus "$sock"
}

@test "fdsend refuses an option without its value" {
	for opt in -f -o -i -t -w -T -n --fd --input --count; do
		usage_error "$opt" "" "$FDSEND" "$opt"
		[[ $stderr == *"needs a value"* ]]
	done
}

@test "fdsend refuses a value given to an option that takes none" {
	usage_error --listen-fds "" "$FDSEND" --listen-fds=3 "$sock"
	usage_error --verbose "" "$FDSEND" --verbose=yes "$sock"
}

@test "fdrecv -n refuses a negative and a non-numeric count" {
	usage_error -n -1 "$FDRECV" -n -1 "$sock"
	usage_error -n x "$FDRECV" -n x "$sock"
}

@test "fdrecv -T refuses a word and a negative" {
	usage_error -T abc "$FDRECV" -T abc "$sock"
	usage_error -T -1 "$FDRECV" -T -1 "$sock"
}

@test "fdrecv -w refuses an exponent" {
	usage_error -w 1e3 "$FDRECV" -c -w 1e3 "$sock"
}

@test "fdrecv -t refuses an unknown type" {
	usage_error -t foo "$FDRECV" -t foo "$sock"
}

@test "fdrecv -m refuses a non-octal digit, a mode above 0777 and a negative" {
	usage_error -m 0800 "$FDRECV" -m 0800 "$sock"
	usage_error -m 9 "$FDRECV" -m 9 "$sock"
	usage_error -m 1777 "$FDRECV" -m 1777 "$sock"
	usage_error -m -1 "$FDRECV" -m -1 "$sock"
}

@test "fdrecv --max-fds refuses a word and a negative" {
	usage_error --max-fds x "$FDRECV" --max-fds x "$sock"
	usage_error --max-fds -1 "$FDRECV" --max-fds -1 "$sock"
}

@test "fdrecv --expect refuses a negative and a word" {
	usage_error --expect -2 "$FDRECV" --expect -2 "$sock"
	usage_error --expect x "$FDRECV" --expect x "$sock"
}

@test "fdrecv --at refuses a repeated position, a word and a negative" {
	usage_error --at 1,1 "$FDRECV" --at 1,1 "$sock" -- true
	usage_error --at x "$FDRECV" --at x "$sock" -- true
	usage_error --at -1 "$FDRECV" --at -1 "$sock" -- true
}

@test "fdrecv --fdname refuses an empty name in a list" {
	usage_error --fdname a:b: "$FDRECV" --fdname a:b: "$sock" -- true
	usage_error --fdname :a "$FDRECV" --fdname :a "$sock" -- true
}

@test "fdrecv --fdname refuses a name of 256 characters" {
	name=$(printf 'n%.0s' {1..256})
	usage_error --fdname "$name" "$FDRECV" --fdname "$name" "$sock" -- true
}

@test "fdrecv --fdname refuses a name with a control character" {
	# The value may be shown raw or escaped; either way on one line.
	usage_error --fdname "" "$FDRECV" --fdname $'a\x01b' "$sock" -- true
	[[ $stderr == *"--fdname a"*b:* ]]
	usage_error --fdname "" "$FDRECV" --fdname $'a\tb' "$sock" -- true
	[[ $stderr == *"--fdname a"*b:* ]]
}

@test "fdrecv --fdname refuses a name with a newline in a one-line message" {
	run -2 --separate-stderr timeout 10 "$FDRECV" --fdname $'a\nb' "$sock" -- true
	[[ $stderr == *"--fdname"* ]]
	[[ ${#stderr_lines[@]} -eq 1 ]]
}

@test "fdsend -f refuses a name with a newline in a one-line message" {
	run -2 --separate-stderr timeout 10 "$FDSEND" --notify -f $'3=a\nb' "$sock"
	[[ $stderr == *"-f"* ]]
	[[ ${#stderr_lines[@]} -eq 1 ]]
}

@test "fdrecv --allow-uid and --allow-gid refuse an unknown user and group" {
	usage_error --allow-uid nosuchuser "$FDRECV" --allow-uid nosuchuser "$sock"
	usage_error --allow-gid nosuchgroup "$FDRECV" --allow-gid nosuchgroup "$sock"
	usage_error --allow-uid -1 "$FDRECV" --allow-uid -1 "$sock"
}

@test "fdrecv --allow-uid and --allow-gid refuse a name cut short" {
	user=$(getent passwd 0 | cut -d: -f1)
	group=$(getent group 0 | cut -d: -f1)
	[[ -n $user && -n $group ]] || skip "no names for uid and gid 0"
	! getent passwd "${user%?}" >/dev/null || skip "there is a user ${user%?}"
	! getent group "${group%?}" >/dev/null || skip "there is a group ${group%?}"
	usage_error --allow-uid "${user%?}" "$FDRECV" --allow-uid "${user%?}" "$sock"
	usage_error --allow-gid "${group%?}" "$FDRECV" --allow-gid "${group%?}" "$sock"
}

@test "fdrecv --allow-uid refuses a name with a colon, even one that begins a line of /etc/passwd" {
	# NAME:PASSWORD of the first line: read naively, a user with uid 0 or so.
	word=$(head -n 1 /etc/passwd | cut -d: -f1,2)
	[[ $word == *:* ]] || skip "/etc/passwd has no line to try"
	usage_error --allow-uid "$word" "$FDRECV" --allow-uid "$word" "$sock"
}

@test "fdrecv refuses an unknown short or long option" {
	usage_error -Z "" "$FDRECV" -Z "$sock"
	usage_error --bogus "" "$FDRECV" --bogus "$sock"
}

@test "fdrecv refuses an option without its value" {
	for opt in -n -m -T -t -w --allow-uid --allow-gid --max-fds --expect --at --fdname; do
		usage_error "$opt" "" "$FDRECV" "$opt"
		[[ $stderr == *"needs a value"* ]]
	done
}

@test "fdrecv refuses a value given to an option that takes none" {
	usage_error --notify "" "$FDRECV" --notify=1 "$sock"
	usage_error --json "" "$FDRECV" --json=x "$sock"
}

# ---------------------------------------------------------------------------
# No leaks under load

# Through fdrecv limited to 32 open files with --max-fds 8: ten good
# messages (3 descriptors), ten refused by --max-fds (10) and ten cut short
# by the limit (40).
send_mixed_load() {
	local i
	for ((i = 0; i < 10; i++)); do
		timeout 10 "$FDSEND" -o /etc/hostname -f 0,0 "$sock" good </dev/null || return 1
		# A refused sender may see its message refused (exit 1): only
		# a hang or a crash is a failure here.
		rc=0
		timeout 10 "$FDSEND" -f "$(repeat_fd 0 10)" "$sock" too-many </dev/null || rc=$?
		((rc < 2)) || return 1
		rc=0
		timeout 10 "$FDSEND" -f "$(repeat_fd 0 40)" "$sock" cut-short </dev/null || rc=$?
		((rc < 2)) || return 1
	done
}

@test "fdrecv -n 0 keeps its descriptors unchanged through good, refused and truncated messages" {
	(ulimit -n 32 && exec "$FDRECV" -n 0 --max-fds 8 "$sock") >out 2>err 3>&- &
	rpid=$!
	wait_socket "$sock"
	before=$(fd_list "$rpid")
	send_mixed_load
	wait_count out '^message: "good"' 10
	wait_count err 'more than --max-fds 8 descriptors; closed its 10 descriptors' 10
	wait_count err 'the kernel dropped descriptors' 10
	[[ $(fd_list "$rpid") == "$before" ]]
	kill -TERM "$rpid"
	recv_wait
	[[ $rstatus -eq 0 ]]
}

@test "fdrecv -n 0 with a COMMAND keeps its descriptors unchanged through good, refused and truncated messages" {
	(ulimit -n 32 && exec "$FDRECV" -n 0 --max-fds 8 "$sock" -- sh -c 'echo "$LISTEN_FDS" >>ran') >out 2>err 3>&- &
	rpid=$!
	wait_socket "$sock"
	before=$(fd_list "$rpid")
	send_mixed_load
	wait_count ran '^3$' 10
	wait_count err 'more than --max-fds 8 descriptors; closed its 10 descriptors' 10
	wait_count err 'the kernel dropped descriptors' 10
	[[ $(wc -l <ran) -eq 10 ]]
	[[ $(fd_list "$rpid") == "$before" ]]
	kill -TERM "$rpid"
	recv_wait
	[[ $rstatus -eq 0 ]]
}

@test "fdsend checks every descriptor before filling closed stdio, however long the list" {
	need python3
	# 0 closed, and named after 100 others: it must fail, not be sent as /dev/null.
	run -0 python3 - "$FDSEND" "$sock" <<-'EOF'
	import os, subprocess, sys
	fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(100)]
	os.close(0)
	r = subprocess.run([sys.argv[1], "-f", ",".join(map(str, fds)) + ",0", sys.argv[2]],
	                   pass_fds=fds, capture_output=True, text=True)
	assert r.returncode == 1 and r.stderr == "fdsend: descriptor 0 is not open\n", r
	EOF
}

@test "fdsend -i with standard input closed does not pass the file off as descriptor 0" {
	echo contents > f.txt
	run -1 --separate-stderr sh -c 'exec 0<&-; exec "$@"' sh "$FDSEND" -i f.txt -f 0 "$sock"
	[ "$stderr" = 'fdsend: descriptor 0 is not open' ]
}
