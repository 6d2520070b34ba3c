#!/usr/bin/env bats
# Reverse roles: fdsend -l offers descriptors to whoever connects, fdrecv -c
# fetches them; fdsend -r reads the peer's answer.

load test_helper

@test "fdsend -l serves one peer that fdrecv -c connects as" {
	"$FDSEND" -l -o /etc/hostname "$sock" 'offered' 3>&- &
	spid=$!
	track "$spid"
	run -0 "$FDRECV" -c -w 5 -j "$sock"
	wait "$spid"
	echo "$output" > got
	[ "$(json_get got 'd["message"]')" = offered ]
	[ "$(json_get got 'd["fds"][0]["path"]')" = /etc/hostname ]
	[ ! -e "$sock" ]
}

@test "fdsend -l -n 2 serves two peers the same descriptors" {
	echo shared > f.txt
	"$FDSEND" -l -n 2 -o f.txt "$sock" 3>&- &
	spid=$!
	track "$spid"
	run -0 "$FDRECV" -c -w 5 -C "$sock"
	[ "$output" = shared ]
	run -0 "$FDRECV" -c -w 5 -p "$sock"
	wait "$spid"
}

@test "fdrecv -c -n 2 connects once for each message" {
	"$FDSEND" -l -n 2 "$sock" 'again;' 3>&- &
	spid=$!
	track "$spid"
	run -0 "$FDRECV" -c -w 5 -n 2 -p "$sock"
	wait "$spid"
	[ "$output" = 'again;again;' ]
}

@test "fdsend -l on a seqpacket socket serves fdrecv -c" {
	"$FDSEND" -l -t seqpacket -f 0 "$sock" 'seq' </dev/null 3>&- &
	spid=$!
	track "$spid"
	run -0 "$FDRECV" -c -w 5 -j "$sock"
	wait "$spid"
	echo "$output" > got
	[ "$(json_get got 'd["message"]')" = seq ]
	[ "$(json_get got 'd["fds"][0]["path"]')" = /dev/null ]
}

@test "fdsend -l -n 0 serves until killed and removes its socket" {
	"$FDSEND" -l -n 0 "$sock" 'x' 3>&- &
	spid=$!
	track "$spid"
	for i in 1 2 3; do "$FDRECV" -c -w 5 -p "$sock" >/dev/null; done
	kill -TERM "$spid"
	status=0
	wait "$spid" || status=$?
	[ "$status" -eq 143 ]
	[ ! -e "$sock" ]
}

@test "fdsend -l goes on to the next peer when one fails" {
	need python3
	python3 -c 'import socket; socket.socket(socket.AF_UNIX).setsockopt(socket.SOL_SOCKET, 83, 0)' 2>/dev/null ||
		skip "this kernel has no SO_PASSRIGHTS"
	"$FDSEND" -l -n 2 -f 0 "$sock" 'x' </dev/null 2>err 3>&- &
	spid=$!
	track "$spid"
	wait_socket "$sock"
	# The first peer turns SO_PASSRIGHTS off: it refuses descriptors.
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.setsockopt(socket.SOL_SOCKET, 83, 0)
s.connect(sys.argv[1]); s.recv(10)' "$sock"
	run -0 "$FDRECV" -c -p "$sock"
	[ "$output" = x ]
	status=0
	wait "$spid" || status=$?
	[ "$status" -eq 1 ]
	grep -Eqx "fdsend: $sock: peer pid [0-9]+ uid $(id -u): send: Operation not permitted \(the receiver refuses descriptors\)" err
}

@test "fdsend -r copies the peer's reply to standard output" {
	need python3
	python3 - "$sock" 3>&- <<-'EOF' &
	import socket, sys
	s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen()
	c, _ = s.accept()
	msg, fds, _, _ = socket.recv_fds(c, 100, 10)
	while c.recv(100):
	    pass                      # until fdsend shuts down its side
	c.sendall(b"got %d descriptor(s) and %s\n" % (len(fds), msg))
	c.close()
	EOF
	ppid=$!
	track "$ppid"
	run -0 --separate-stderr "$FDSEND" -w 5 -r -f 0 "$sock" 'ping'
	wait "$ppid"
	[ "$output" = 'got 1 descriptor(s) and ping' ]
}

@test "fdsend -r closes descriptors that come back, with a warning" {
	need python3
	python3 - "$sock" 3>&- <<-'EOF' &
	import os, socket, sys
	s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen()
	c, _ = s.accept()
	while c.recv(100):
	    pass
	socket.send_fds(c, [b"with a gift"], [os.open("/etc/hostname", os.O_RDONLY)])
	c.close()
	EOF
	ppid=$!
	track "$ppid"
	run -0 --separate-stderr "$FDSEND" -w 5 -r "$sock" 'ping'
	wait "$ppid"
	[ "$output" = 'with a gift' ]
	[ "$stderr" = "fdsend: $sock: the reply carried 1 descriptor; closed" ]
}

@test "fdsend -r -T gives up on a peer that never answers" {
	need python3
	python3 - "$sock" 3>&- <<-'EOF' &
	import socket, sys, time
	s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen()
	c, _ = s.accept()
	time.sleep(5)
	EOF
	ppid=$!
	track "$ppid"
	run -1 --separate-stderr "$FDSEND" -w 5 -r -T 0.3 "$sock" 'ping'
	kill "$ppid"; wait "$ppid" || true
	[ "$stderr" = "fdsend: $sock: receive reply: timed out after 0.3 seconds" ]
}

@test "fdsend on an inherited listening socket needs -l" {
	need python3
	run -1 --separate-stderr python3 - "$FDSEND" <<-'EOF'
	import os, socket, sys
	s = socket.socket(socket.AF_UNIX); s.bind("l.sock"); s.listen()
	os.set_inheritable(s.fileno(), True)
	os.execv(sys.argv[1], [sys.argv[1], "fd:%d" % s.fileno(), "x"])
	EOF
	[[ $stderr == *': is a listening socket; use -l to serve its peers' ]]
}

@test "fdrecv -c fails at once on a peer it does not allow" {
	"$FDSEND" -l -n 0 "$sock" x 3>&- &
	spid=$!
	track "$spid"
	run -1 --separate-stderr "$FDRECV" -c -w 5 --allow-uid 12345 -p "$sock"
	kill "$spid"; wait "$spid" || true
	[[ $stderr =~ ^fdrecv:\ .*:\ refused\ peer\ pid\ [0-9]+\ uid\ $(id -u)\ gid\ $(id -g):\ not\ allowed\ by\ --allow-uid\ or\ --allow-gid$ ]]
	[ -z "$output" ]
}
