#!/usr/bin/env bats
# Standard output and error: every write checked. A write that fails, or
# an output that is closed, is an error (exit 1), as in cat(1); a reader
# that has gone ends the program quietly, killed by SIGPIPE (the shell
# sees 141), as it ends cat. Either way fdrecv's socket file goes.

load test_helper

# Run PROGRAM ARGS with standard output closed.
stdout_closed() {
	sh -c '"$@" >&-' sh "$@"
}

# Start fdrecv in the background writing into a pipe that nobody reads;
# $rpid is its pid, and its stderr goes to ./err.
recv_no_reader() {
	python3 -c '
import os, sys
r, w = os.pipe()
os.close(r)
os.dup2(w, 1)
os.execv(sys.argv[1], sys.argv[1:])
' "$FDRECV" "$@" 2>err 3>&- &
	rpid=$!
}

@test "fdsend -h and fdrecv -V to a full disk fail with exit 1" {
	run -1 --separate-stderr sh -c '"$0" -h >/dev/full' "$FDSEND"
	[ "$stderr" = 'fdsend: write standard output: No space left on device' ]
	run -1 --separate-stderr sh -c '"$0" -V >/dev/full' "$FDRECV"
	[ "$stderr" = 'fdrecv: write standard output: No space left on device' ]
}

@test "fdsend -V with standard output closed fails with exit 1" {
	run -1 --separate-stderr stdout_closed "$FDSEND" -V
	[ "$stderr" = 'fdsend: write standard output: Bad file descriptor' ]
}

@test "fdrecv -p with standard output closed fails at once and binds nothing" {
	run -1 --separate-stderr timeout 10 sh -c '"$@" >&-' sh "$FDRECV" -p "$sock"
	[ "$stderr" = 'fdrecv: standard output is closed' ]
	[ ! -e "$sock" ]
}

@test "fdrecv with a COMMAND does not need standard output" {
	stdout_closed "$FDRECV" "$sock" -- sh -c 'echo ran >ran' 2>err 3>&- &
	rpid=$!
	"$FDSEND" -w 5 "$sock" x
	recv_wait
	[ "$rstatus" -eq 0 ]
	[ "$(cat ran)" = ran ]
}

@test "fdsend -r with standard output closed sends nothing and fails" {
	recv_bg -p -n 1 "$sock"
	run -1 --separate-stderr timeout 10 sh -c '"$@" >&-' sh "$FDSEND" -w 5 -r "$sock" lost
	[ "$stderr" = 'fdsend: standard output is closed' ]
	"$FDSEND" -w 5 "$sock" second
	recv_wait
	[ "$(cat out)" = second ]
}

@test "fdsend -v with a failing standard error sends, then exits 1" {
	recv_bg -p "$sock"
	run -1 sh -c '"$0" -v -w 5 "$1" sent 2>/dev/full' "$FDSEND" "$sock"
	recv_wait
	[ "$(cat out)" = sent ]
}

@test "fdrecv -p into a full disk fails with exit 1 and removes its socket file" {
	"$FDRECV" -n 0 -p "$sock" >/dev/full 2>err 3>&- &
	rpid=$!
	"$FDSEND" -w 5 "$sock" hello
	recv_wait
	[ "$rstatus" -eq 1 ]
	[ "$(cat err)" = 'fdrecv: write standard output: No space left on device' ]
	[ ! -e "$sock" ]
}

@test "fdrecv -C into a pipe whose reader has gone ends quietly by SIGPIPE and removes its socket file" {
	truncate -s 8M big
	bash -c '"$0" -C "$1" 2>err | head -c 1M >/dev/null; echo "${PIPESTATUS[0]}" >status' \
		"$FDRECV" "$sock" 3>&- &
	track $!
	"$FDSEND" -w 5 -o big "$sock"
	wait "${bgpids[0]}"
	[ "$(cat status)" = 141 ]
	[ ! -s err ]
	[ ! -e "$sock" ]
}

@test "a serving fdrecv whose reader has gone ends by SIGPIPE and removes its socket file" {
	recv_no_reader -n 0 -p "$sock"
	"$FDSEND" -w 5 "$sock" hello
	recv_wait
	[ "$rstatus" -eq 141 ]
	[ ! -s err ]
	[ ! -e "$sock" ]
}

@test "fdrecv -j into a pipe whose reader has gone ends by SIGPIPE" {
	recv_no_reader -j "$sock"
	"$FDSEND" -w 5 "$sock" hello
	recv_wait
	[ "$rstatus" -eq 141 ]
	[ ! -s err ]
}

@test "fdsend -r into a pipe whose reader has gone ends quietly by SIGPIPE" {
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen()
c, _ = s.accept()
while c.recv(4096):
    pass
try:
    c.sendall(b"x" * (8 << 20))
except OSError:
    pass
' "$sock" 3>&- &
	track $!
	wait_socket "$sock"
	run bash -c '"$0" -r "$1" hi 2>err | head -c 1 >/dev/null; echo "${PIPESTATUS[0]}"' \
		"$FDSEND" "$sock"
	[ "$output" = 141 ]
	[ ! -s err ]
}

@test "fdrecv -p whose reader has gone ends with the status cat has then" {
	# The reference: what cat does when head has gone.
	run bash -c 'yes | head -c 8M | cat | head -c 1 >/dev/null; echo "${PIPESTATUS[2]}"'
	cat_status=$output
	recv_no_reader -p "$sock"
	"$FDSEND" -w 5 "$sock" hello
	recv_wait
	[ "$rstatus" -eq "$cat_status" ]
}
