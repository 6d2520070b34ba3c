#!/usr/bin/env bats
# fdsend knows whom it gives descriptors to, and its exit status 0 means
# delivered: --allow-uid and --allow-gid, -l -m, the wait for the receiver,
# refusals it is told of, and nothing half-sent through its own failures.
load test_helper

# A directory any user can reach, with fdsend and fdrecv in it for an
# unprivileged user (the build directory may be closed to it): $sdir.
setup_shared() {
	[[ $EUID -eq 0 ]] || skip "needs root to run a peer as another user (setpriv)"
	need setpriv
	sdir=$(mktemp -d /tmp/fdpass-deliver.XXXXXX)
	chmod 1777 "$sdir"
	tmpdirs+=("$sdir")
	cp "$FDSEND" "$FDRECV" "$sdir/"
}

as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# ---------------------------------------------------------------------------
# Whom the descriptors go to

@test "fdsend --allow-uid refuses a receiver of another user, sends it nothing, and names it" {
	setup_shared
	"${as_nobody[@]}" "$sdir/fdrecv" -C "$sdir/s.sock" >out 2>err 3>&- &
	rpid=$!
	wait_socket "$sdir/s.sock"
	run -1 --separate-stderr "$FDSEND" --allow-uid 0 -o /etc/shadow "$sdir/s.sock"
	[[ $stderr =~ ^fdsend:\ $sdir/s.sock:\ refused\ receiver\ pid\ [0-9]+\ uid\ 65534\ gid\ 65534:\ not\ allowed\ by\ --allow-uid\ or\ --allow-gid\;\ nothing\ sent$ ]]
	# It never got a byte: no message, and it still waits for one.
	[[ ! -s out ]]
	kill -0 "$rpid"
}

@test "fdsend --allow-uid refuses whoever holds an abstract name" {
	setup_shared
	name="fdpass-test-$$-$BATS_TEST_NUMBER"
	"${as_nobody[@]}" "$sdir/fdrecv" -C "@$name" >out 2>err 3>&- &
	rpid=$!
	run -1 --separate-stderr "$FDSEND" -w 5 --allow-uid 0 -o /etc/shadow "@$name"
	[[ $stderr == *"refused receiver pid $rpid uid 65534"* ]]
	[[ ! -s out ]]
}

@test "fdsend --allow-uid sends to a receiver of that user" {
	recv_bg -p "$sock"
	run -0 "$FDSEND" -w 5 --allow-uid "$(id -u)" "$sock" mine
	recv_wait
	[[ $(cat out) == mine ]]
}

@test "fdsend --allow-gid sends to a receiver of that group, by name" {
	recv_bg -p "$sock"
	run -0 "$FDSEND" -w 5 --allow-gid "$(id -gn)" "$sock" ours
	recv_wait
	[[ $(cat out) == ours ]]
}

@test "fdsend --allow-gid refuses a receiver of another group" {
	recv_bg -p -T 5 "$sock"
	run -1 --separate-stderr "$FDSEND" -w 5 --allow-gid 12345 "$sock" x
	[[ $stderr == *"refused receiver pid $rpid uid $(id -u) gid $(id -g): not allowed"* ]]
}

@test "fdsend --allow-uid with a dgram socket is a usage error: no receiver to check" {
	run -2 --separate-stderr "$FDSEND" -t dgram --allow-uid 0 "$sock" x
	[[ $stderr == 'fdsend: --allow-uid needs a stream or seqpacket socket: a dgram receiver has no credentials to check' ]]
	run -2 --separate-stderr "$FDSEND" --notify --allow-gid 0 "$sock" READY=1
	[[ $stderr == 'fdsend: --allow-gid needs a stream or seqpacket socket: a dgram receiver has no credentials to check' ]]
}

@test "fdsend --allow-uid on a socket found to be dgram exits 2 and sends nothing" {
	recv_bg -p -t dgram "$sock"
	wait_socket "$sock"
	run -2 --separate-stderr "$FDSEND" --allow-uid 0 "$sock" x
	[[ $stderr == "fdsend: $sock: --allow-uid needs a stream or seqpacket socket: a dgram receiver has no credentials to check" ]]
	# Nothing came: the next datagram is the first.
	run -0 "$FDSEND" "$sock" first
	recv_wait
	[[ $(cat out) == first ]]
}

@test "fdsend --allow-uid refuses an unknown user" {
	run -2 --separate-stderr "$FDSEND" --allow-uid no-such-user-here "$sock"
	[[ $stderr == 'fdsend: --allow-uid no-such-user-here: no such user' ]]
}

@test "fdsend -l --allow-uid gives nothing to a refused peer, does not count it, and serves the next" {
	setup_shared
	"$FDSEND" -l -m 666 --allow-uid 0 -o /etc/hostname "$sdir/s.sock" offered 2>serr 3>&- &
	spid=$!
	track "$spid"
	wait_socket "$sdir/s.sock"
	run -1 --separate-stderr "${as_nobody[@]}" "$sdir/fdrecv" -c -p "$sdir/s.sock"
	[[ -z $output ]]
	run -0 "$FDRECV" -c -p "$sdir/s.sock"
	[[ $output == offered ]]
	wait "$spid"
	grep -Eqx "fdsend: $sdir/s.sock: refused peer pid [0-9]+ uid 65534 gid 65534: not allowed by --allow-uid or --allow-gid; nothing sent" serr
}

@test "fdsend -l -m 600 makes its socket file 600 under umask 000" {
	(umask 000 && exec "$FDSEND" -l -m 600 "$sock" x) 3>&- &
	spid=$!
	track "$spid"
	wait_socket "$sock"
	[[ $(stat -c %a "$sock") == 600 ]]
	run -0 "$FDRECV" -c -p "$sock"
	wait "$spid"
}

@test "fdsend -l under umask 000 without -m makes a socket anyone may connect to" {
	(umask 000 && exec "$FDSEND" -l "$sock" x) 3>&- &
	spid=$!
	track "$spid"
	wait_socket "$sock"
	[[ $(stat -c %a "$sock") == 777 ]]
	run -0 "$FDRECV" -c -p "$sock"
	wait "$spid"
}

@test "fdsend -m needs -l or -b unix:PATH, a socket path, and an octal mode" {
	run -2 --separate-stderr "$FDSEND" -m 600 "$sock"
	[[ $stderr == 'fdsend: -m needs -l or a -b unix:PATH' ]]
	run -2 --separate-stderr "$FDSEND" -m 600 -b unix:@name -b tcp::0 "$sock"
	[[ $stderr == 'fdsend: -m needs -l or a -b unix:PATH' ]]
	run -2 --separate-stderr "$FDSEND" -l -m 600 @name
	[[ $stderr == 'fdsend: @name: -m needs a socket path; abstract names have no permissions' ]]
	run -2 --separate-stderr "$FDSEND" -l -m 800 "$sock"
	[[ $stderr == 'fdsend: -m 800: not an octal mode of at most 0777' ]]
}

# ---------------------------------------------------------------------------
# Exit 0 means delivered

@test "a receiver that accepts and closes without reading makes fdsend fail: not delivered" {
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen()
c, _ = s.accept()
c.close()
' "$sock" 3>&- &
	track $!
	wait_socket "$sock"
	run -1 --separate-stderr "$FDSEND" -o /etc/hostname "$sock" lost
	[[ $stderr == "fdsend: $sock: the receiver closed the connection without reading the message: not delivered" ]]
}

@test "a receiver that closes with the message unread makes fdsend fail: not delivered" {
	# Closed after the message is sent, and left unread.
	python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen()
c, _ = s.accept()
while not os.path.exists("sent"):
    time.sleep(0.01)
c.close()
' "$sock" 3>&- &
	track $!
	wait_socket "$sock"
	"$FDSEND" -o /etc/hostname "$sock" unread 2>serr 3>&- &
	spid=$!
	track "$spid"
	wait_delivering "$spid"
	touch sent
	status=0
	wait "$spid" || status=$?
	[[ $status -eq 1 ]]
	[[ $(cat serr) == "fdsend: $sock: the receiver closed the connection without reading the message: not delivered" ]]
}

@test "fdsend returns once fdrecv has handled the message: its output is there" {
	recv_bg -p -n 0 "$sock"
	run -0 "$FDSEND" -w 5 "$sock" one
	# No wait: fdrecv wrote the message before it closed the connection.
	[[ $(cat out) == one ]]
	run -0 "$FDSEND" "$sock" two
	[[ $(cat out) == onetwo ]]
}

@test "a receiver that reads and keeps the connection open has the message: exit 0" {
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen()
c, _ = s.accept()
print(socket.recv_fds(c, 100, 10)[0].decode(), flush=True)
time.sleep(30)
' "$sock" >got 3>&- &
	track $!
	wait_socket "$sock"
	run -0 timeout 10 "$FDSEND" -o /etc/hostname "$sock" kept
	[[ $(cat got) == kept ]]
}

@test "a receiver that never reads: -T bounds the wait, and fdsend fails, not delivered" {
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen()
c, _ = s.accept()
time.sleep(30)
' "$sock" 3>&- &
	track $!
	wait_socket "$sock"
	run -1 --separate-stderr timeout 10 "$FDSEND" -T 0.3 -o /etc/hostname "$sock" never
	[[ $stderr == "fdsend: $sock: the receiver had not read the message after 0.3 seconds: not delivered" ]]
}

@test "fdrecv tells fdsend why it refused a message, and fdsend exits 1 with it" {
	recv_bg -p --max-fds 0 -T 5 "$sock"
	run -1 --separate-stderr "$FDSEND" -w 5 -o /etc/hostname "$sock" x
	[[ $stderr == "fdsend: $sock: the receiver refused the message: more than --max-fds 0 descriptors" ]]
}

@test "fdrecv tells a seqpacket sender why it refused a record" {
	recv_bg -p -t seqpacket --max-size 2 -T 5 "$sock"
	run -1 --separate-stderr "$FDSEND" -w 5 "$sock" long
	[[ $stderr == "fdsend: $sock: the receiver refused the message: longer than --max-size 2" ]]
}

@test "fdsend to a seqpacket fdrecv waits for it and exits 0" {
	recv_bg -p -n 0 -t seqpacket "$sock"
	run -0 "$FDSEND" -w 5 -o /etc/hostname "$sock" seq
	[[ $(cat out) == seq ]]
}

@test "on a dgram socket exit 0 means queued: nobody has to read it" {
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
time.sleep(30)
' "$sock" 3>&- &
	track $!
	wait_socket "$sock"
	run -0 timeout 5 "$FDSEND" -o /etc/hostname "$sock" queued
}

@test "fdsend -l fails a peer that refuses the message, and goes on" {
	"$FDSEND" -l -n 2 -f 0,0 "$sock" x </dev/null 2>serr 3>&- &
	spid=$!
	track "$spid"
	wait_socket "$sock"
	run -1 "$FDRECV" -c --max-fds 1 -p "$sock"
	run -0 "$FDRECV" -c -p "$sock"
	[[ $output == x ]]
	status=0
	wait "$spid" || status=$?
	[[ $status -eq 1 ]]
	grep -Eqx "fdsend: $sock: peer pid [0-9]+ uid $(id -u): the receiver refused the message: more than --max-fds 1 descriptors" serr
}

# ---------------------------------------------------------------------------
# Nothing half-sent

@test "an unprivileged fdsend refuses beforehand what cannot all be in flight, and sends nothing" {
	setup_shared
	"$FDRECV" -m 777 -p -T 0.5 "$sdir/s.sock" >out 2>err 3>&- &
	rpid=$!
	wait_socket "$sdir/s.sock"
	run -1 --separate-stderr timeout 20 bash -c 'ulimit -n 1024 && exec "$@"' _ \
		"${as_nobody[@]}" "$sdir/fdsend" -f "$(repeat_fd 0 10000)" "$sdir/s.sock" hello </dev/null
	[[ $stderr == "fdsend: $sdir/s.sock: 10000 descriptors cannot all be in flight under the limit of 1024 open files; nothing sent" ]]
	recv_wait
	# No peer ever came: fdrecv gave up waiting, with nothing reported.
	[[ $rstatus -eq 1 ]]
	[[ ! -s out ]]
	[[ $(cat err) == "fdrecv: $sdir/s.sock: no peer within 0.5 seconds" ]]
}

@test "fdsend raises its soft limit: 1500 descriptors in flight under a soft limit of 1024" {
	(($(ulimit -Hn) > 2048)) || skip "the hard limit on open files is $(ulimit -Hn)"
	setup_shared
	recv_bg -p -m 777 --expect 1500 "$sdir/s.sock"
	wait_socket "$sdir/s.sock"
	run -0 --separate-stderr timeout 10 bash -c 'ulimit -Sn 1024 && exec "$@"' _ \
		"${as_nobody[@]}" "$sdir/fdsend" -f "$(repeat_fd 0 1500)" "$sdir/s.sock" all </dev/null
	recv_wait
	[[ $(cat out) == all ]]
}

# Other processes of uid 65534 holding 300 descriptors in flight, on a
# socket pair that nobody reads; the kernel counts them against the limit
# on open files of every sender of that uid.
hold_in_flight() {
	"${as_nobody[@]}" python3 -c '
import os, socket, sys, time
a, b = socket.socketpair()
fd = os.open("/dev/null", os.O_RDONLY)
for n in (250, 50):
    socket.send_fds(a, [b"x"], [fd] * n)
open(sys.argv[1], "w").write("held\n")
time.sleep(60)
' "$sdir/held" 3>&- &
	track $!
	wait_for "$sdir/held" held
}

@test "fdsend sends one batch refused for others' descriptors in flight again, under its raised limit" {
	(($(ulimit -Hn) > 1024)) || skip "the hard limit on open files is $(ulimit -Hn)"
	setup_shared
	hold_in_flight
	recv_bg -p -m 777 --expect 1 "$sdir/s.sock"
	wait_socket "$sdir/s.sock"
	# 300 in flight, past the soft limit of 100: the kernel refuses the
	# batch before taking any; under the hard limit it goes.
	run -0 --separate-stderr timeout 10 bash -c 'ulimit -Sn 100 && exec "$@"' _ \
		"${as_nobody[@]}" "$sdir/fdsend" -f 0 "$sdir/s.sock" one </dev/null
	[[ -z $stderr ]]
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(cat out) == one ]]
}

@test "fdsend fails with ETOOMANYREFS when others' descriptors in flight pass its hard limit, and sends nothing" {
	setup_shared
	hold_in_flight
	recv_bg -p -m 777 -T 0.5 "$sdir/s.sock"
	wait_socket "$sdir/s.sock"
	run -1 --separate-stderr timeout 10 bash -c 'ulimit -n 100 && exec "$@"' _ \
		"${as_nobody[@]}" "$sdir/fdsend" -f 0 "$sdir/s.sock" one </dev/null
	[[ $stderr == "fdsend: $sdir/s.sock: send: "*" (more descriptors in flight than the open files limit)" ]]
	recv_wait
	# It connected and sent nothing: fdrecv counted no message.
	[[ $rstatus -eq 1 ]]
	[[ ! -s out ]]
}

@test "fdsend leaves an inherited socket as it was, non-blocking with its SO_RCVTIMEO, and waits on it without spinning" {
	run -0 python3 -c '
import os, resource, socket, struct, subprocess, sys, time
a, b = socket.socketpair()
a.setblocking(False)
a.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 7, 0))
p = subprocess.Popen([sys.argv[1], "fd:%d" % a.fileno(), "hello"], pass_fds=[a.fileno()])
data = b""
while True:
    got = b.recv(100)
    if not got:
        break
    data += got
# fdsend waits for our close: half a second, in which it must not spin.
time.sleep(0.5)
b.close()
status = p.wait()
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(data.decode(), status, os.get_blocking(a.fileno()),
      struct.unpack("ll", a.getsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, 16)),
      ru.ru_utime + ru.ru_stime < 0.2)
' "$FDSEND" 3>&-
	[[ $output == "hello 0 False (7, 0) True" ]]
}

# ---------------------------------------------------------------------------
# -r and --max-size

@test "fdsend -r --max-size drops a reply longer than that, exit 1" {
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen()
c, _ = s.accept()
c.recv(100)
try:
    c.sendall(b"x" * 100000)
except OSError:
    pass
c.close()
' "$sock" 3>&- &
	track $!
	wait_socket "$sock"
	run -1 --separate-stderr "$FDSEND" -r --max-size 64K "$sock" question
	[[ -z $output ]]
	[[ $stderr == "fdsend: $sock: the reply is longer than --max-size 64K; dropped" ]]
}

@test "fdsend -r keeps an endless reply to --max-size, not to its memory" {
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen()
c, _ = s.accept()
c.recv(100)
chunk = b"y" * 65536
try:
    while True:
        c.sendall(chunk)
except OSError:
    pass
' "$sock" 3>&- &
	track $!
	wait_socket "$sock"
	run -1 --separate-stderr /usr/bin/time -f 'peak %M' "$FDSEND" -r "$sock" question
	[[ $stderr == *"the reply is longer than --max-size 16M; dropped"* ]]
	peak=$(sed -n 's/^peak //p' <<<"$stderr")
	((peak < 64 * 1024))
}

@test "fdsend --max-size needs -r" {
	run -2 --separate-stderr "$FDSEND" --max-size 1M "$sock"
	[[ $stderr == 'fdsend: --max-size needs -r' ]]
}

# ---------------------------------------------------------------------------
# fdrecv says who holds an address

@test "fdrecv names the user of a live socket bound at its path" {
	setup_shared
	"${as_nobody[@]}" "$sdir/fdrecv" -m 666 "$sdir/s.sock" >out 2>err 3>&- &
	rpid=$!
	wait_socket "$sdir/s.sock"
	run -1 --separate-stderr "$FDRECV" "$sdir/s.sock"
	[[ $stderr == "fdrecv: $sdir/s.sock: a live socket of uid 65534 is bound there" ]]
}

@test "fdrecv names the user of a live socket bound at an abstract name" {
	setup_shared
	name="fdpass-test-$$-$BATS_TEST_NUMBER"
	"${as_nobody[@]}" "$sdir/fdrecv" "@$name" >out 2>err 3>&- &
	rpid=$!
	for ((i = 0; i < 500; i++)); do
		grep -q "@$name\$" /proc/net/unix && break
		sleep 0.01
	done
	run -1 --separate-stderr "$FDRECV" "@$name"
	[[ $stderr == "fdrecv: @$name: a live socket of uid 65534 is bound there" ]]
}

@test "fdrecv tells a socket it may not connect to from a live one" {
	setup_shared
	"${as_nobody[@]}" "$sdir/fdrecv" -m 600 "$sdir/s.sock" >out 2>err 3>&- &
	rpid=$!
	wait_socket "$sdir/s.sock"
	run -1 --separate-stderr "${as_nobody[@]/65534/1000}" "$sdir/fdrecv" "$sdir/s.sock"
	[[ $stderr == "fdrecv: $sdir/s.sock: a socket of uid 65534 that we may not connect to is there; not replaced" ]]
	[[ -S $sdir/s.sock ]]
}

# ---------------------------------------------------------------------------
# How a message ended, in the report

@test "the report says a stream message was ended with shutdown(2)" {
	recv_bg -j "$sock"
	run -0 "$FDSEND" -w 5 "$sock" ended
	recv_wait
	[[ $(json_get out 'd["ended"]') == shutdown ]]
}

@test "the report says a stream message was ended by closing" {
	recv_bg -v -p "$sock"
	wait_socket "$sock"
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.send(b"closed")
s.close()' "$sock"
	recv_wait
	grep -qx 'message: "closed" (6 bytes, ended by closing)' err
}

@test "a record has no ending to report" {
	recv_bg -j -t seqpacket "$sock"
	run -0 "$FDSEND" -w 5 "$sock" record
	recv_wait
	[[ $(json_get out '"ended" in d') == False ]]
}
