#!/usr/bin/env bats
# --notify: systemd's notify protocol, spoken by fdsend and understood by
# fdrecv.

load test_helper

@test "descriptors stored by name reach COMMAND on READY=1, named in LISTEN_FDNAMES" {
	recv_bg --notify "$sock" -- sh -c 'echo "$LISTEN_FDS $LISTEN_FDNAMES"; cat <&3; cat <&4'
	echo config > c.txt
	echo log > l.txt
	"$FDSEND" -w 5 --notify -f 5=config -f 6=log "$sock" READY=1 5<c.txt 6<l.txt
	recv_wait
	[ "$rstatus" -eq 0 ]
	[ "$(cat out)" = "$(printf '2 config:log\nconfig\nlog')" ]
}

@test "fdsend sends one datagram per name, in order, and the other lines last" {
	recv_bg --notify -j "$sock"
	"$FDSEND" -w 5 --notify -f 0=a -f 1=b -f 2=a -f 0 "$sock" READY=1 STATUS=up
	recv_wait
	run -0 python3 -c '
import json
for line in open("out"):
    d = json.loads(line)
    print(repr(d["message"]), len(d["fds"]), [f.get("name") for f in d["fds"]])'
	[ "${lines[0]}" = "'FDSTORE=1\\nFDNAME=a' 2 ['a', 'a']" ]
	[ "${lines[1]}" = "'FDSTORE=1\\nFDNAME=b' 1 ['b']" ]
	[ "${lines[2]}" = "'FDSTORE=1' 1 ['stored']" ]
	[ "${lines[3]}" = "'READY=1\\nSTATUS=up' 0 []" ]
	[ "${#lines[@]}" -eq 4 ]
}

@test "fdsend -v --notify describes each datagram it sent, in order, the barrier's too" {
	# -n 0: fdrecv is still there to answer the barrier.
	recv_bg --notify -n 0 -p "$sock"
	echo config >c.txt
	"$FDSEND" -v -w 5 --notify -f 5=config -f 6=log "$sock" READY=1 5<c.txt 6>>l.txt 2>verr
	run -0 cat verr
	[ "${lines[0]}" = 'peer: unknown' ]
	[ "${lines[1]}" = 'message: "FDSTORE=1\nFDNAME=config" (23 bytes)' ]
	[ "${lines[2]}" = "fd 5 [0]: file $BATS_TEST_TMPDIR/c.txt, r, offset 0, size 7" ]
	[ "${lines[3]}" = 'peer: unknown' ]
	[ "${lines[4]}" = 'message: "FDSTORE=1\nFDNAME=log" (20 bytes)' ]
	[ "${lines[5]}" = "fd 6 [0]: file $BATS_TEST_TMPDIR/l.txt, w, append, offset 0, size 0" ]
	[ "${lines[6]}" = 'peer: unknown' ]
	[ "${lines[7]}" = 'message: "READY=1" (7 bytes)' ]
	[ "${lines[8]}" = 'peer: unknown' ]
	[ "${lines[9]}" = 'message: "BARRIER=1" (9 bytes)' ]
	[[ ${lines[10]} =~ ^fd\ [0-9]+\ \[0\]:\ pipe\ pipe:\[[0-9]+\],\ w$ ]]
	[ "${#lines[@]}" -eq 11 ]
}

@test "with no descriptors one datagram carries the lines" {
	recv_bg --notify -p "$sock"
	"$FDSEND" -w 5 --notify "$sock" STATUS=starting READY=1
	recv_wait
	[ "$(cat out)" = "$(printf 'STATUS=starting\nREADY=1')" ]
}

@test "fdsend --notify goes to NOTIFY_SOCKET by default" {
	recv_bg --notify -p "$sock"
	NOTIFY_SOCKET=$sock "$FDSEND" -w 5 --notify READY=1
	recv_wait
	[ "$(cat out)" = READY=1 ]
}

@test "NOTIFY_SOCKET may be an abstract name" {
	name=@fdpass-notify-$$-$BATS_TEST_NUMBER
	recv_bg --notify -p "$name"
	NOTIFY_SOCKET=$name "$FDSEND" -w 5 --notify READY=1
	recv_wait
	[ "$(cat out)" = READY=1 ]
}

@test "fdrecv --notify waits for READY=1 and counts only those" {
	recv_bg --notify -p "$sock"
	"$FDSEND" -w 5 --notify --no-barrier "$sock" STATUS=one
	"$FDSEND" --notify --no-barrier "$sock" STATUS=two
	"$FDSEND" --notify --no-barrier "$sock" READY=1
	recv_wait
	[ "$rstatus" -eq 0 ]
	[ "$(cat out)" = STATUS=oneSTATUS=twoREADY=1 ]
}

@test "more than 253 descriptors under one name go in several datagrams and are all kept" {
	recv_bg --notify "$sock" -- sh -c 'echo "$LISTEN_FDS"'
	"$FDSEND" -w 5 --notify $(printf -- '-o /etc/hostname %.0s' $(seq 300)) "$sock" READY=1
	recv_wait
	[ "$(cat out)" = 300 ]
}

@test "FDSTOREREMOVE=1 closes the descriptors kept under a name" {
	recv_bg --notify "$sock" -- sh -c 'echo "$LISTEN_FDS $LISTEN_FDNAMES"'
	"$FDSEND" -w 5 --notify -f 0=old -f 1=keep "$sock"
	"$FDSEND" --notify "$sock" FDSTOREREMOVE=1 FDNAME=old
	"$FDSEND" --notify "$sock" READY=1
	recv_wait
	[ "$(cat out)" = '1 keep' ]
}

@test "descriptors sent without FDSTORE=1 are closed with a warning" {
	need python3
	recv_bg --notify "$sock" -- sh -c 'echo "$LISTEN_FDS"'
	wait_socket "$sock"
	python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.connect(sys.argv[1])
socket.send_fds(s, [b"READY=1"], [0, 1])' "$sock"
	recv_wait
	[ "$(cat out)" = 0 ]
	grep -Eqx "fdrecv: $sock: 2 descriptors without FDSTORE=1 from peer pid [0-9]+ uid $(id -u); closed" err
}

@test "a datagram with an invalid FDNAME is refused whole and its descriptors closed" {
	need python3
	recv_bg --notify -p "$sock"
	wait_socket "$sock"
	python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.connect(sys.argv[1])
socket.send_fds(s, [b"FDSTORE=1\nFDNAME=a:b\nREADY=1"], [0])
s.send(b"READY=1")' "$sock"
	recv_wait
	[ "$rstatus" -eq 0 ]
	grep -Eqx "fdrecv: $sock: refused a datagram from peer pid [0-9]+ uid $(id -u): FDNAME=a:b is not a valid name; closed its 1 descriptor" err
	# Nothing of it is reported, and its READY=1 did not count.
	[ "$(cat out)" = 'READY=1' ]
}

@test "with -n 2 each READY=1 runs COMMAND with everything kept so far" {
	recv_bg --notify -n 2 "$sock" -- sh -c 'echo "$LISTEN_FDNAMES" >> log'
	"$FDSEND" -w 5 --notify -f 5=first "$sock" READY=1 5</etc/hostname
	"$FDSEND" --notify -f 5=second "$sock" READY=1 5</etc/hostname
	recv_wait
	[ "$rstatus" -eq 0 ]
	[ "$(sort log | tr '\n' ' ')" = 'first first:second ' ]
}

@test "names from LISTEN_FDNAMES travel with --listen-fds --notify" {
	recv_bg --notify "$sock" -- sh -c 'echo "$LISTEN_FDNAMES"'
	sh -c 'LISTEN_PID=$$ LISTEN_FDS=2 LISTEN_FDNAMES=http:https exec "$0" -w 5 --listen-fds --notify "$1" READY=1 3</etc/hostname 4</etc/hostname' \
		"$FDSEND" "$sock"
	recv_wait
	[ "$(cat out)" = http:https ]
}

@test "systemd-socket-activate names pass through fdsend --listen-fds --notify" {
	need systemd-socket-activate
	recv_bg --notify "$sock" -- sh -c 'echo "$LISTEN_FDNAMES"'
	systemd-socket-activate -l "$BATS_TEST_TMPDIR/act.sock" --fdname=web \
		"$FDSEND" -w 5 --listen-fds --notify "$sock" READY=1 2>/dev/null 3>&- &
	apid=$!
	track "$apid"
	wait_socket act.sock
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' act.sock
	wait "$apid"
	recv_wait
	[ "$(cat out)" = web ]
}

@test "systemd-notify --ready is understood by fdrecv --notify, barrier included" {
	need systemd-notify
	recv_bg --notify -n 0 -j "$sock"
	wait_socket "$sock"
	# systemd-notify follows READY=1 with BARRIER=1 and a pipe, and waits
	# until the receiver closes the pipe: it returns only once fdrecv has.
	NOTIFY_SOCKET=$sock timeout 5 systemd-notify --ready --status=hello
	kill -TERM "$rpid"
	recv_wait
	[[ $(json_get out 'd["message"]') == *READY=1* ]]
	[[ $(json_get out 'd["message"]') == *STATUS=hello* ]]
	[ ! -s err ]
}

@test "--allow-uid applies to notify datagrams" {
	recv_bg --notify -T 0.3 --allow-uid 12345 "$sock"
	"$FDSEND" -w 5 --notify "$sock" READY=1
	recv_wait
	[ "$rstatus" -eq 1 ]
	grep -Eq "^fdrecv: $sock: refused peer pid [0-9]+ uid $(id -u) gid $(id -g): not allowed by --allow-uid or --allow-gid\$" err
	[ ! -s out ]
}

@test "an invalid FDNAME is shown escaped, on one line" {
	need python3
	recv_bg --notify -p "$sock"
	wait_socket "$sock"
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.connect(sys.argv[1])
socket.send_fds(s, [b"FDSTORE=1\nFDNAME=x\x1by"], [0])
s.send(b"READY=1")' "$sock"
	recv_wait
	[[ $(cat err) =~ ^fdrecv:\ $sock:\ refused\ a\ datagram\ from\ peer\ pid\ [0-9]+\ uid\ [0-9]+:\ FDNAME=x\\x1by\ is\ not\ a\ valid\ name\;\ closed\ its\ 1\ descriptor$ ]]
}

@test "FDSTOREREMOVE=1 without FDNAME removes nothing" {
	recv_bg --notify "$sock" -- sh -c 'echo "$LISTEN_FDS $LISTEN_FDNAMES"'
	"$FDSEND" -w 5 --notify -f 0 "$sock"
	"$FDSEND" --notify "$sock" FDSTOREREMOVE=1
	"$FDSEND" --notify "$sock" READY=1
	recv_wait
	[ "$(cat out)" = '1 stored' ]
}

@test "fdsend --notify ends with BARRIER=1 and a pipe, which fdrecv --notify answers" {
	recv_bg --notify -n 0 -j "$sock"
	"$FDSEND" -w 5 -T 5 --notify "$sock" READY=1
	kill -TERM "$rpid"
	recv_wait
	run -0 python3 -c '
import json
for line in open("out"):
    d = json.loads(line)
    print(repr(d["message"]), [(f["type"], f["access"]) for f in d["fds"]])'
	[ "${lines[0]}" = "'READY=1' []" ]
	[ "${lines[1]}" = "'BARRIER=1' [('pipe', 'w')]" ]
	[ "${#lines[@]}" -eq 2 ]
	[ ! -s err ]
}

# A manager that reads the datagrams, then holds the barrier's pipe until
# the file "release" appears; it writes "held" once it holds it.
slow_manager() {
	python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
while True:
    msg, fds, flags, addr = socket.recv_fds(s, 4096, 10)
    if b"BARRIER=1" in msg.split(b"\n"):
        break
    for fd in fds:
        os.close(fd)
open("held", "w").write("held\n")
while not os.path.exists("release"):
    time.sleep(0.01)
for fd in fds:
    os.close(fd)' "$sock"
}

@test "fdsend --notify does not return before the manager has answered the barrier" {
	need python3
	slow_manager 3>&- &
	track $!
	wait_socket "$sock"
	"$FDSEND" --notify "$sock" READY=1 3>&- &
	spid=$!
	track "$spid"
	wait_for held held
	kill -0 "$spid"
	touch release
	sstatus=0
	wait "$spid" || sstatus=$?
	[ "$sstatus" -eq 0 ]
}

@test "fdsend --notify fails, saying so, when the manager never answers the barrier" {
	need python3
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
time.sleep(30)' "$sock" 3>&- &
	track $!
	wait_socket "$sock"
	run -1 --separate-stderr "$FDSEND" --notify -T 0.2 "$sock" READY=1
	[ "$stderr" = "fdsend: $sock: the manager did not answer BARRIER=1 within 0.2 seconds (--no-barrier does not wait)" ]
}

@test "fdsend --notify --no-barrier returns without waiting for the manager" {
	need python3
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
time.sleep(30)' "$sock" 3>&- &
	track $!
	wait_socket "$sock"
	run -0 --separate-stderr "$FDSEND" --notify --no-barrier -T 0.2 "$sock" READY=1
	[ -z "$stderr" ]
}

@test "--no-barrier needs --notify" {
	run -2 --separate-stderr "$FDSEND" --no-barrier "$sock"
	[ "$stderr" = "fdsend: --no-barrier needs --notify" ]
}

@test "a descriptor stored twice is kept once, under its first name, as systemd does" {
	recv_bg --notify "$sock" -- sh -c 'echo "$LISTEN_FDS $LISTEN_FDNAMES"'
	"$FDSEND" -w 5 --notify -f 5=first "$sock" 5</etc/hostname 6<&5
	"$FDSEND" --notify -f 6=second -f 5=third "$sock" READY=1 5</etc/hostname 6<&5
	recv_wait
	[ "$(cat out)" = '2 first:second' ]
}

@test "the same file opened twice is stored twice" {
	recv_bg --notify "$sock" -- sh -c 'echo "$LISTEN_FDS $LISTEN_FDNAMES"'
	"$FDSEND" -w 5 --notify -f 5=a -f 6=b "$sock" READY=1 5</etc/hostname 6</etc/hostname
	recv_wait
	[ "$(cat out)" = '2 a:b' ]
}

@test "a stored pipe whose writer has gone is not handed over, as systemd drops it" {
	recv_bg --notify "$sock" -- sh -c 'echo "$LISTEN_FDS $LISTEN_FDNAMES"; cat <&3'
	echo kept > kept.txt
	# bash waits for every process of a pipeline: the writer is gone after.
	: | "$FDSEND" -w 5 --notify -f 0=gone -f 5=kept "$sock" 5<kept.txt
	"$FDSEND" --notify "$sock" READY=1
	recv_wait
	[ "$(cat out)" = "$(printf '1 kept\nkept')" ]
}

@test "a stored pipe whose writer has gone is kept with FDPOLL=0" {
	need python3
	recv_bg --notify "$sock" -- sh -c 'echo "$LISTEN_FDS $LISTEN_FDNAMES"; cat <&3'
	wait_socket "$sock"
	python3 -c '
import os, socket, sys
r, w = os.pipe()
os.write(w, b"still here\n")
os.close(w)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.connect(sys.argv[1])
socket.send_fds(s, [b"FDSTORE=1\nFDNAME=pipe\nFDPOLL=0"], [r])
s.send(b"READY=1")' "$sock"
	recv_wait
	[ "$(cat out)" = "$(printf '1 pipe\nstill here')" ]
}

@test "a stored pipe is closed as soon as its writer goes, without waiting for READY=1" {
	need python3
	recv_bg --notify -n 0 -p "$sock"
	wait_socket "$sock"
	before=$(ls "/proc/$rpid/fd" | wc -l)
	# Store the read end of a pipe, then close the write end on request.
	python3 -c '
import os, socket, sys, time
r, w = os.pipe()
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.connect(sys.argv[1])
socket.send_fds(s, [b"FDSTORE=1\nFDNAME=pipe"], [r])
os.close(r)
while not os.path.exists("go"):
    time.sleep(0.01)
os.close(w)' "$sock" 3>&- &
	track $!
	for ((i = 0; i < 500; i++)); do
		(($(ls "/proc/$rpid/fd" | wc -l) == before + 1)) && break
		sleep 0.01
	done
	(($(ls "/proc/$rpid/fd" | wc -l) == before + 1))
	touch go
	wait_for err 'closed 1 stored descriptor that hung up'
	[ "$(ls "/proc/$rpid/fd" | wc -l)" -eq "$before" ]
	[[ $(cat err) == "fdrecv: $sock: closed 1 stored descriptor that hung up" ]]
}
