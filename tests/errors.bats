#!/usr/bin/env bats
# Errors say what is true: what the path or descriptor really is, how long
# a program waited, which escape is malformed; and each line goes out in
# one write(2), so that the lines of processes sharing a standard error do
# not interleave.

load test_helper

@test "fdsend to a regular file or a directory says it is not a socket" {
	echo x >regular
	run -1 --separate-stderr "$FDSEND" regular hi
	[ "$stderr" = 'fdsend: regular: not a socket' ]
	mkdir dir
	run -1 --separate-stderr "$FDSEND" dir hi
	[ "$stderr" = 'fdsend: dir: not a socket' ]
}

@test "fdsend -w does not wait for a file that is not a socket" {
	echo x >regular
	# Waiting the whole minute would end in timeout's status, 124.
	run -1 --separate-stderr timeout 20 "$FDSEND" -w 60 regular hi
	[ "$stderr" = 'fdsend: regular: not a socket' ]
}

@test "fdrecv -c to a regular file says it is not a socket" {
	echo x >regular
	run -1 --separate-stderr "$FDRECV" -c regular
	[ "$stderr" = 'fdrecv: regular: not a socket' ]
}

@test "fd:N of a closed descriptor is named as not open, by both programs" {
	run -1 --separate-stderr "$FDRECV" fd:9 9<&-
	[ "$stderr" = 'fdrecv: fd:9: not an open descriptor' ]
	run -1 --separate-stderr "$FDSEND" fd:9 hi 9<&-
	[ "$stderr" = 'fdsend: fd:9: not an open descriptor' ]
	run -1 --separate-stderr "$FDSEND" -l fd:9 hi 9<&-
	[ "$stderr" = 'fdsend: fd:9: not an open descriptor' ]
}

@test "a socket in a missing directory says the directory is missing" {
	run -1 --separate-stderr "$FDRECV" "$BATS_TEST_TMPDIR/no/such/s.sock"
	[ "$stderr" = "fdrecv: $BATS_TEST_TMPDIR/no/such/s.sock: no such directory" ]
	run -1 --separate-stderr "$FDSEND" -l nodir/s.sock
	[ "$stderr" = 'fdsend: nodir/s.sock: no such directory' ]
}

@test "fdrecv -c -w says how long it waited" {
	run -1 --separate-stderr "$FDRECV" -c -w 0.2 "$sock"
	[ "$stderr" = "fdrecv: $sock: connect: No such file or directory (after waiting 0.2 seconds)" ]
}

@test "a timeout of 1 second is 1 second, not 1 seconds" {
	run -1 --separate-stderr "$FDSEND" -l -T 1 "$sock" x
	[ "$stderr" = "fdsend: $sock: accept: timed out after 1 second" ]
	run -1 --separate-stderr "$FDRECV" -T 1 "$sock"
	[ "$stderr" = "fdrecv: $sock: no peer within 1 second" ]
}

@test "fdsend --notify names the time it waited for BARRIER=1" {
	# A notify socket that never reads, so never answers.
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open("bound", "w").close()
time.sleep(60)
' "$sock" 3>&- &
	track $!
	wait_socket "$sock"
	run -1 --separate-stderr "$FDSEND" --notify -T 0.5 "$sock" READY=1
	[ "$stderr" = "fdsend: $sock: the manager did not answer BARRIER=1 within 0.5 seconds (--no-barrier does not wait)" ]
}

@test "-e calls a malformed \\xHH malformed, not unknown" {
	run -2 --separate-stderr "$FDSEND" -e "$sock" 'a\x4'
	[ "$stderr" = "fdsend: -e: a\\x4: malformed escape '\\x4' (\\xHH takes two hex digits)" ]
	run -2 --separate-stderr "$FDSEND" -e "$sock" 'a\xzz'
	[ "$stderr" = "fdsend: -e: a\\xzz: malformed escape '\\xzz' (\\xHH takes two hex digits)" ]
}

@test "-e names an unknown escape and a backslash at the end" {
	run -2 --separate-stderr "$FDSEND" -e "$sock" 'a\qb'
	[ "$stderr" = "fdsend: -e: a\\qb: unknown escape '\\q' (known: \\\\ \\n \\t \\r \\0 \\xHH)" ]
	run -2 --separate-stderr "$FDSEND" -e "$sock" 'a\'
	[ "$stderr" = "fdsend: -e: a\\: a backslash at the end escapes nothing" ]
}

@test "fdrecv -c on a dgram socket is a run-time failure, exit 1" {
	recv_bg -t dgram "$sock"
	wait_socket "$sock"
	run -1 --separate-stderr "$FDRECV" -c "$sock"
	[ "$stderr" = "fdrecv: $sock: -c needs a stream or seqpacket socket, not dgram" ]
}

# strace, with LeakSanitizer off (make check-sanitize): it cannot run under
# ptrace.
strace_writes() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -s 512 -o trace -e trace=write -e signal=none "$@"
}

# The write(2) calls of PROGRAM ARGS on its standard error, one a line.
stderr_writes() {
	strace_writes -f "$@" 2>/dev/null || true
	grep -E '^[0-9]+ +write\(2, ' trace
}

@test "an error line goes out in one write(2)" {
	need strace
	strace -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
	echo x >regular
	run -0 stderr_writes "$FDSEND" regular hi
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} == *'"fdsend: regular: not a socket\n", 30) = 30' ]]
	run -0 stderr_writes "$FDRECV" fd:9
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} == *'"fdrecv: fd:9: not an open descriptor\n", 37) = 37' ]]
}

@test "a warning of a serving fdrecv goes out in one write(2)" {
	need strace
	strace -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
	strace_writes "$FDRECV" -n 1 --max-fds 0 -p "$sock" >out 2>err 3>&- &
	rpid=$!
	"$FDSEND" -w 5 -f 0 "$sock" refused </dev/null || true
	"$FDSEND" -w 5 "$sock" taken
	recv_wait
	[ "$(cat out)" = taken ]
	run -0 grep -cE '^write\(2, ' trace
	[ "$output" -eq 1 ]
	grep -q 'refused a message from peer pid [0-9]* uid [0-9]*: more than --max-fds 0 descriptors; closed its descriptor\\n"' trace
}
