#!/usr/bin/env bats
# fdrecv as a service: every peer served at once, each bounded, and no
# slow, silent, huge or refused peer able to block, end or empty it. Each
# test has a peer written for it, and checks fdrecv's descriptors before
# and after.
load test_helper

# A peer that connects (stream or seqpacket), sends BYTES (maybe none) and
# keeps its connection without ending its message. It writes peer.ended
# when fdrecv closes the connection. hold_peer TYPE SOCKET BYTES
hold_peer() {
	python3 -c '
import socket, sys
kind = {"stream": socket.SOCK_STREAM, "seqpacket": socket.SOCK_SEQPACKET}[sys.argv[1]]
s = socket.socket(socket.AF_UNIX, kind)
s.connect(sys.argv[2])
if sys.argv[3]:
    s.send(sys.argv[3].encode())
try:
    while s.recv(1):
        pass
except OSError:
    pass
open("peer.ended", "w").close()
' "$@" 3>&- &
	track $!
}

fd_count() {
	ls "/proc/$1/fd" | wc -l
}

# Wait (up to 5 s) until process PID has N descriptors open.
wait_fds() {
	local i
	for ((i = 0; i < 500; i++)); do
		(($(fd_count "$1") == $2)) && return 0
		sleep 0.01
	done
	echo "process $1 has $(fd_count "$1") descriptors, not $2" >&2
	return 1
}

# The kernel's size of a process's memory now and at its peak, in KiB.
rss() {
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"
}
hwm() {
	awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status"
}

# Wait (up to 5 s) until FILE exists.
wait_file() {
	local i
	for ((i = 0; i < 500; i++)); do
		[[ -e $1 ]] && return 0
		sleep 0.01
	done
	echo "no $1 after 5 s" >&2
	return 1
}

# N arguments "-o /dev/null" for fdsend: N open files, each its own.
nulls() {
	local i
	opens=()
	for ((i = 0; i < $1; i++)); do opens+=(-o /dev/null); done
}

start_service() {
	recv_bg "$@"
	wait_socket "$sock"
	before=$(fd_count "$rpid")
}

# ---------------------------------------------------------------------------
# One peer holds its own connection, and nothing else

@test "a peer that connects and sends nothing does not hold up the next peer" {
	start_service -p -n 0 "$sock"
	hold_peer stream "$sock" ''
	wait_fds "$rpid" $((before + 1))
	run -0 timeout 5 "$FDSEND" "$sock" next
	wait_for out next
	wait_fds "$rpid" $((before + 1))
}

@test "a peer that sent a few bytes and waits does not hold up the next peer" {
	start_service -p -n 0 "$sock"
	hold_peer stream "$sock" 'a few'
	wait_fds "$rpid" $((before + 1))
	run -0 timeout 5 "$FDSEND" -o /etc/hostname "$sock" next
	wait_for out next
	[[ $(cat out) == next ]]
	wait_fds "$rpid" $((before + 1))
}

@test "a seqpacket peer that keeps its connection after one record does not hold up the next peer" {
	start_service -p -n 0 -t seqpacket "$sock"
	hold_peer seqpacket "$sock" 'first;'
	wait_for out 'first;'
	run -0 timeout 5 "$FDSEND" -t seqpacket "$sock" second
	wait_for out 'first;second'
	wait_fds "$rpid" $((before + 1))
}

@test "a one-shot fdrecv takes the message of a second peer while the first sends nothing" {
	recv_bg -p "$sock"
	wait_socket "$sock"
	hold_peer stream "$sock" ''
	run -0 timeout 5 "$FDSEND" "$sock" second
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(cat out) == second ]]
}

# ---------------------------------------------------------------------------
# -T bounds each peer, and never ends a service

@test "-T drops a peer that sends nothing, with a line naming it, and the service goes on" {
	start_service -p -n 0 -T 0.3 "$sock"
	hold_peer stream "$sock" ''
	wait_for err 'dropped peer'
	wait_file peer.ended
	grep -Eqx "fdrecv: $sock: dropped peer pid [0-9]+ uid $(id -u): no whole message within 0.3 seconds" err
	wait_fds "$rpid" "$before"
	run -0 timeout 5 "$FDSEND" "$sock" after
	wait_for out after
	kill -0 "$rpid"
}

@test "messages queued behind a peer that -T drops are all taken" {
	start_service -p -n 0 -T 0.5 "$sock"
	hold_peer stream "$sock" ''
	wait_fds "$rpid" $((before + 1))
	for i in 1 2 3; do timeout 5 "$FDSEND" "$sock" "$i"; done
	wait_for out '^123$'
	wait_for err 'dropped peer'
	wait_fds "$rpid" "$before"
}

@test "-T drops a peer that trickles a byte at a time, however often" {
	start_service -p -n 0 -T 0.5 "$sock"
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
try:
    for i in range(100):
        s.send(b"x")
        time.sleep(0.1)
    print("never dropped")
except OSError:
    print("dropped")
' "$sock" >trickle 3>&- &
	tpid=$!
	track "$tpid"
	wait "$tpid"
	[[ $(cat trickle) == dropped ]]
	grep -Eq 'dropped peer pid [0-9]+ uid [0-9]+: no whole message within 0.5 seconds' err
	[[ ! -s out ]]
	wait_fds "$rpid" "$before"
}

@test "with -n 0, -T does not bound the wait for a peer" {
	start_service -p -n 0 -T 0.2 "$sock"
	# Longer than -T, with no peer at all: a wait is all there is to test.
	sleep 0.6
	kill -0 "$rpid"
	run -0 timeout 5 "$FDSEND" "$sock" late
	wait_for out late
	[[ ! -s err ]]
}

@test "with -n 2, -T bounds the wait for the next peer" {
	recv_bg -p -n 2 -T 0.3 "$sock"
	run -0 timeout 5 "$FDSEND" -w 5 "$sock" one
	recv_wait
	[[ $rstatus -eq 1 ]]
	[[ $(cat out) == one ]]
	[[ $(cat err) == "fdrecv: $sock: no peer within 0.3 seconds" ]]
	[[ ! -e $sock ]]
}

@test "on a datagram socket with a count, -T bounds the wait for the next datagram" {
	recv_bg -p -n 2 -T 0.3 -t dgram "$sock"
	run -0 timeout 5 "$FDSEND" -w 5 "$sock" one
	recv_wait
	[[ $rstatus -eq 1 ]]
	[[ $(cat err) == "fdrecv: $sock: no message within 0.3 seconds" ]]
}

# ---------------------------------------------------------------------------
# Memory: --max-size, for every socket type, and given back

@test "--max-size refuses a longer stream message, closes its descriptors and drops the peer" {
	head -c 5000 /dev/zero >big
	start_service -p -n 0 --max-size 4K "$sock"
	timeout 5 "$FDSEND" -o /etc/hostname -i big "$sock" || true
	wait_for err 'longer than'
	grep -Eqx "fdrecv: $sock: refused a message from peer pid [0-9]+ uid $(id -u): longer than --max-size 4K; closed its descriptor" err
	wait_fds "$rpid" "$before"
	head -c 4096 /dev/zero | tr '\0' y >fits
	run -0 timeout 5 "$FDSEND" -i fits "$sock"
	wait_for out y
	cmp fits out
}

@test "a peer that never ends its message cannot grow fdrecv past --max-size" {
	start_service -p -n 0 --max-size 1M "$sock"
	start=$(hwm "$rpid")
	# 64 MiB without an end: refused after the first MiB.
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
chunk = b"x" * 65536
try:
    for i in range(1024):
        s.sendall(chunk)
    print("all sent")
except OSError:
    print("refused")
' "$sock" >flood
	[[ $(cat flood) == refused ]]
	wait_for err 'longer than --max-size 1M'
	(($(hwm "$rpid") < start + 4096))
	wait_fds "$rpid" "$before"
}

@test "--max-size bounds a datagram: a longer one is refused, the next taken" {
	start_service -p -n 0 -t dgram --max-size 100 "$sock"
	head -c 101 /dev/zero | tr '\0' a >long
	timeout 5 "$FDSEND" -o /etc/hostname -i long "$sock"
	wait_for err 'longer than --max-size 100'
	grep -Eqx "fdrecv: $sock: refused a message from peer pid [0-9]+ uid $(id -u): longer than --max-size 100; closed its descriptor" err
	head -c 100 /dev/zero | tr '\0' b >fits
	timeout 5 "$FDSEND" -i fits "$sock"
	wait_for out b
	cmp fits out
	wait_fds "$rpid" "$before"
}

@test "--max-size bounds a seqpacket record" {
	start_service -p -n 0 -t seqpacket --max-size 10 "$sock"
	timeout 5 "$FDSEND" "$sock" 'eleven byte' || true
	wait_for err 'longer than --max-size 10'
	run -0 timeout 5 "$FDSEND" "$sock" 'ten bytes!'
	wait_for out 'ten bytes!'
}

@test "the memory of a long message is given back once it has been handled" {
	# AddressSanitizer (make check-sanitize) keeps freed memory in its
	# quarantine on purpose: not here.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 \
		start_service -p -n 0 "$sock"
	base=$(rss "$rpid")
	head -c 12M /dev/zero | tr '\0' z >long
	for round in 1 2; do
		run -0 timeout 10 "$FDSEND" -i long "$sock"
		# Written whole, then its buffer goes.
		for ((i = 0; i < 500; i++)); do
			(($(stat -c %s out) == round * 12 * 1024 * 1024)) && break
			sleep 0.01
		done
		(($(hwm "$rpid") > base + 12000))
		for ((i = 0; i < 100; i++)); do
			(($(rss "$rpid") < base + 1024)) && break
			sleep 0.01
		done
		# Twice: glibc keeps the second one in its heap unless told.
		(($(rss "$rpid") < base + 1024))
	done
}

@test "--max-size refuses a value that is not a size" {
	for v in 0 -1 1X 1.5M '' 17179869184G; do
		run -2 --separate-stderr "$FDRECV" --max-size "$v" "$sock"
		[[ $stderr == "fdrecv: --max-size $v: not a size in bytes (with K, M or G)" ]]
	done
}

# ---------------------------------------------------------------------------
# Counts of descriptors refused as soon as they are past

# A peer that sends N descriptors in batches and keeps its connection
# open: a refusal must come before its message ends.
batch_peer='
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
for i in range(int(sys.argv[2])):
    socket.send_fds(s, [b"x"], [0] * 10)
try:
    while s.recv(1):
        pass
except OSError:
    pass
print("closed")
'

@test "--max-fds refuses a stream message as soon as it is past, not at its end" {
	start_service -p -n 0 --max-fds 15 "$sock"
	run -0 timeout 5 python3 -c "$batch_peer" "$sock" 2 </dev/null
	[[ $output == closed ]]
	grep -Eqx "fdrecv: $sock: refused a message from peer pid [0-9]+ uid $(id -u): more than --max-fds 15 descriptors; closed its 20 descriptors" err
	wait_fds "$rpid" "$before"
}

@test "fdrecv -p names a refused peer by the pid it connected with, asked after the peer has exited" {
	recv_bg -p --max-fds 1 "$sock"
	wait_socket "$sock"
	# Stopped, fdrecv accepts nothing: the peer connects (into the
	# backlog), sends two descriptors and exits before it is accepted.
	kill -STOP "$rpid"
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
socket.send_fds(s, [b"x"], [0, 1])
s.close()' "$sock" 3>&- &
	ppid=$!
	wait "$ppid"
	kill -CONT "$rpid"
	wait_for err refused
	run -0 "$FDSEND" -f 0 "$sock" y
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(cat err) == "fdrecv: $sock: refused a message from peer pid $ppid uid $(id -u): more than --max-fds 1 descriptors; closed its 2 descriptors" ]]
	[[ $(cat out) == y ]]
}

@test "--expect refuses a stream message as soon as more have arrived" {
	start_service -p -n 0 --expect 5 "$sock"
	run -0 timeout 5 python3 -c "$batch_peer" "$sock" 1 </dev/null
	[[ $output == closed ]]
	grep -q 'more than --expect 5 descriptors; closed its 10 descriptors' err
	wait_fds "$rpid" "$before"
}

# ---------------------------------------------------------------------------
# A refused or cut-short message never ends the run

@test "a message cut short does not end a -n 1 run: COMMAND runs with the next" {
	(ulimit -n 64 && exec "$FDRECV" -t dgram "$sock" -- sh -c 'echo "$LISTEN_FDS $FDRECV_MESSAGE" >ran') >out 2>err 3>&- &
	rpid=$!
	wait_socket "$sock"
	timeout 5 "$FDSEND" -f "$(repeat_fd 0 253)" "$sock" cut </dev/null
	wait_for err 'dropped descriptors'
	[[ ! -e ran ]]
	run -0 timeout 5 "$FDSEND" -f 0 "$sock" whole </dev/null
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(cat ran) == '1 whole' ]]
}

@test "--notify: a cut-short datagram leaves the store as it was" {
	(ulimit -n 1000 && exec "$FDRECV" --notify "$sock" -- sh -c 'echo "$LISTEN_FDS $LISTEN_FDNAMES"' ) >out 2>err 3>&- &
	rpid=$!
	wait_socket "$sock"
	# 800 open files kept, each its own; 253 more do not fit under 1000.
	nulls 200
	for i in 1 2 3 4; do
		timeout 5 "$FDSEND" --notify "${opens[@]}" "$sock"
	done
	nulls 253
	timeout 5 "$FDSEND" --notify "${opens[@]}" "$sock"
	wait_for err 'dropped descriptors'
	timeout 5 "$FDSEND" --notify -f 3=last "$sock" READY=1 3</dev/null
	recv_wait
	[[ $rstatus -eq 0 ]]
	read -r n names <out
	[[ $n -eq 801 ]]
	[[ $names == stored:*:stored:last ]]
}

@test "--notify: READY=1 in a cut-short datagram does not count" {
	(ulimit -n 64 && exec "$FDRECV" --notify -p "$sock") >out 2>err 3>&- &
	rpid=$!
	wait_socket "$sock"
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect(sys.argv[1])
socket.send_fds(s, [b"FDSTORE=1\nREADY=1"], [0] * 253)
' "$sock" </dev/null
	wait_for err 'dropped descriptors'
	kill -0 "$rpid"
	timeout 5 "$FDSEND" --notify "$sock" READY=1
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(cat out) == READY=1 ]]
}

@test "--notify: the store is bounded by --max-fds, and a datagram past it is refused" {
	recv_bg --notify --max-fds 2 "$sock" -- sh -c 'echo "$LISTEN_FDS $LISTEN_FDNAMES"'
	timeout 5 "$FDSEND" -w 5 --notify -f 3=a -f 4=b "$sock" 3</dev/null 4</dev/null
	# The FDSTORE=1 datagram is refused; the READY=1 after it counts.
	timeout 5 "$FDSEND" --notify -f 3=c "$sock" READY=1 3</dev/null
	recv_wait
	[[ $rstatus -eq 0 ]]
	grep -Eqx "fdrecv: $sock: refused a datagram from peer pid [0-9]+ uid $(id -u): the store would hold more than 2 descriptors; closed its 1" err
	[[ $(cat out) == '2 a:b' ]]
}

@test "the store of --notify holds 1024 descriptors unless --max-fds says otherwise" {
	recv_bg --notify "$sock" -- sh -c 'echo "$LISTEN_FDS"'
	nulls 250
	for i in 1 2 3 4; do
		timeout 5 "$FDSEND" -w 5 --notify "${opens[@]}" "$sock"
	done
	nulls 25
	timeout 5 "$FDSEND" --notify "${opens[@]}" "$sock"
	wait_for err 'more than 1024 descriptors'
	nulls 24
	timeout 5 "$FDSEND" --notify "${opens[@]}" "$sock" READY=1
	recv_wait
	[[ $(cat out) == 1024 ]]
}

# ---------------------------------------------------------------------------
# The limit on open files

@test "COMMAND gets 900 descriptors where the soft limit is 1024 and the hard one higher" {
	(($(ulimit -Hn) > 2048)) || skip "the hard limit on open files is $(ulimit -Hn)"
	(ulimit -Sn 1024 && exec "$FDRECV" "$sock" -- sh -c 'echo "$LISTEN_FDS $(ls /proc/self/fd | wc -l)"') >out 2>err 3>&- &
	rpid=$!
	run -0 timeout 10 "$FDSEND" -w 5 -f "$(repeat_fd 0 900)" "$sock" </dev/null
	recv_wait
	[[ $rstatus -eq 0 ]]
	# 900, stdio and the one ls opens.
	[[ $(cat out) == '900 904' ]]
}

@test "COMMAND gets 1100 descriptors under a limit of 1200 open files" {
	(ulimit -n 1200 && exec "$FDRECV" "$sock" -- sh -c 'echo "$LISTEN_FDS $(readlink /proc/self/fd/3) $(readlink /proc/self/fd/1102)"') >out 2>err 3>&- &
	rpid=$!
	run -0 timeout 10 "$FDSEND" -w 5 -f "$(repeat_fd 3 1099),4" "$sock" 3</etc/hostname 4</etc/passwd
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(cat out) == '1100 /etc/hostname /etc/passwd' ]]
}

@test "COMMAND runs with the soft limit on open files that fdrecv started with" {
	(($(ulimit -Hn) > 2048)) || skip "the hard limit on open files is $(ulimit -Hn)"
	(ulimit -Sn 1024 && exec "$FDRECV" "$sock" -- sh -c 'ulimit -Sn') >out 2>err 3>&- &
	rpid=$!
	run -0 timeout 10 "$FDSEND" -w 5 "$sock"
	recv_wait
	[[ $(cat out) == 1024 ]]
}

@test "fdrecv receives 1500 descriptors past its soft limit of 1024, up to the hard one" {
	(($(ulimit -Hn) > 2048)) || skip "the hard limit on open files is $(ulimit -Hn)"
	(ulimit -Sn 1024 && exec "$FDRECV" -p --expect 1500 "$sock") >out 2>err 3>&- &
	rpid=$!
	run -0 timeout 10 "$FDSEND" -w 5 -f "$(repeat_fd 0 1500)" "$sock" all </dev/null
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(cat out) == all ]]
}

@test "COMMAND gets descriptors placed at numbers above and below where they arrived" {
	recv_bg --at 7,3,5 "$sock" -- sh -c 'for fd in 3 5 7; do readlink /proc/self/fd/$fd; done'
	run -0 timeout 5 "$FDSEND" -w 5 -o /etc/hostname -o /etc/passwd -o /etc/group "$sock"
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(cat out) == $'/etc/passwd\n/etc/group\n/etc/hostname' ]]
}

# ---------------------------------------------------------------------------
# Fork mode

@test "finished children are reaped while a slow peer holds its connection" {
	start_service -n 0 "$sock" -- true
	hold_peer stream "$sock" ''
	for i in 1 2 3; do timeout 5 "$FDSEND" "$sock"; done
	# Every child is gone, none left a zombie.
	for ((i = 0; i < 500; i++)); do
		[[ -z $(ps --ppid "$rpid" -o pid=) ]] && break
		sleep 0.01
	done
	[[ -z $(ps --ppid "$rpid" -o pid=) ]]
	kill -0 "$rpid"
}

@test "--max-children runs at most that many commands at once; the others wait, then run" {
	start_service -n 0 --max-children 2 "$sock" -- sh -c 'echo "$FDRECV_MESSAGE" >>started; while [ ! -e go ]; do sleep 0.02; done; echo "$FDRECV_MESSAGE" >>done'
	senders=()
	for i in 1 2 3 4; do
		timeout 5 "$FDSEND" "$sock" "$i" 3>&- &
		senders+=($!)
		track $!
	done
	wait_count started . 2
	# A wait is what is tested: the other two must not start meanwhile.
	sleep 0.3
	[[ $(wc -l <started) -eq 2 ]]
	touch go
	wait_count done . 4
	[[ $(sort done | tr -d '\n') == 1234 ]]
	wait "${senders[@]}"
}

@test "--max-children needs a COMMAND and a count other than 1" {
	run -2 --separate-stderr "$FDRECV" --max-children 2 -n 0 "$sock"
	[[ $stderr == 'fdrecv: --max-children needs a COMMAND and a count other than 1' ]]
	run -2 --separate-stderr "$FDRECV" --max-children 2 "$sock" -- true
	[[ $stderr == 'fdrecv: --max-children needs a COMMAND and a count other than 1' ]]
}

@test "on SIGTERM fdrecv removes its socket and exits 0, leaving a running child to finish" {
	start_service -n 0 "$sock" -- sh -c 'echo started >started; while [ ! -e go ]; do sleep 0.02; done; echo done >done'
	timeout 5 "$FDSEND" "$sock"
	wait_for started started
	kill -TERM "$rpid"
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ ! -e $sock ]]
	[[ ! -e done ]]
	touch go
	wait_for done done
}

@test "a -n 0 receiver stopped by SIGHUP exits 0 and removes its socket" {
	start_service -p -n 0 "$sock"
	kill -HUP "$rpid"
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ ! -e $sock ]]
}

@test "a -n 0 receiver stopped by SIGINT exits 0 and removes its socket" {
	# A job in the background starts with SIGINT ignored.
	env --default-signal=INT true 2>/dev/null || skip "env --default-signal is not supported"
	env --default-signal=INT "$FDRECV" -p -n 0 "$sock" >out 2>err 3>&- &
	rpid=$!
	wait_socket "$sock"
	kill -INT "$rpid"
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ ! -e $sock ]]
}

# ---------------------------------------------------------------------------
# --max-conns

@test "--max-conns 1 keeps a second peer in the listen queue until the first is done" {
	start_service -p -n 0 --max-conns 1 -T 0.5 "$sock"
	hold_peer stream "$sock" ''
	wait_fds "$rpid" $((before + 1))
	timeout 5 "$FDSEND" "$sock" queued 3>&- &
	spid=$!
	track "$spid"
	sleep 0.2
	# Still queued, not read: the first peer holds the only place.
	[[ ! -s out ]]
	wait_for err 'dropped peer'
	wait_for out queued
	wait "$spid"
}

@test "--max-conns refuses 0 and a word" {
	run -2 --separate-stderr "$FDRECV" --max-conns 0 "$sock"
	[[ $stderr == 'fdrecv: --max-conns 0: not a count of at least 1' ]]
	run -2 --separate-stderr "$FDRECV" --max-conns many "$sock"
	[[ $stderr == 'fdrecv: --max-conns many: not a count of at least 1' ]]
}

# ---------------------------------------------------------------------------
# --strict: a stream message ended by shutdown(2), not by vanishing

# A Python sender of a descriptor and "msg" that ends its message with
# shutdown(2) and waits for fdrecv to close ("shutdown"), reading what
# fdrecv sends (its greeting) until then, or just closes.
strict_peer='
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
socket.send_fds(s, [b"msg"], [os.open("/etc/hostname", os.O_RDONLY)])
if sys.argv[2] == "shutdown":
    s.shutdown(socket.SHUT_WR)
    while s.recv(64):
        pass
s.close()
'

@test "--strict takes a message its sender ended with shutdown(2)" {
	recv_bg -p --strict "$sock"
	wait_socket "$sock"
	run -0 timeout 5 python3 -c "$strict_peer" "$sock" shutdown
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(cat out) == msg ]]
}

@test "--strict refuses a message whose sender closed without shutdown(2)" {
	start_service -p -n 0 --strict "$sock"
	run -0 timeout 5 python3 -c "$strict_peer" "$sock" close
	wait_for err refused
	grep -Eqx "fdrecv: $sock: refused a message from peer pid [0-9]+ uid $(id -u): the sender closed without shutdown\(2\) \(--strict\); closed its descriptor" err
	[[ ! -s out ]]
	wait_fds "$rpid" "$before"
}

@test "without --strict, a message whose sender closed without shutdown(2) is taken" {
	recv_bg -p "$sock"
	wait_socket "$sock"
	run -0 timeout 5 python3 -c "$strict_peer" "$sock" close
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(cat out) == msg ]]
}

@test "--strict refuses what a sender killed in the middle of its message had sent" {
	head -c 4M /dev/zero >big
	start_service -p -n 0 --strict "$sock"
	# fdrecv stopped: fdsend fills the socket and waits; then it dies.
	kill -STOP "$rpid"
	"$FDSEND" -T 5 -o /etc/hostname -i big "$sock" 3>&- &
	spid=$!
	track "$spid"
	# Connected, and asleep: in the send that waits for room.
	for ((i = 0; i < 500; i++)); do
		[[ $(awk '{ print $3 }' "/proc/$spid/stat" 2>/dev/null) == S ]] &&
			ls -l "/proc/$spid/fd" 2>/dev/null | grep -q 'socket:' && break
		sleep 0.01
	done
	kill -KILL "$spid"
	wait "$spid" || true
	kill -CONT "$rpid"
	wait_for err refused
	grep -q 'the sender closed without shutdown(2) (--strict); closed its descriptor' err
	[[ ! -s out ]]
	wait_fds "$rpid" "$before"
}
