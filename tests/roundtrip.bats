#!/usr/bin/env bats
# The core round trip: what fdsend sends is what fdrecv reports.

load test_helper

@test "a file and a message cross a stream socket" {
	echo 'file contents' > f.txt
	recv_bg "$sock"
	run -0 "$FDSEND" -w 5 -o f.txt "$sock" 'hello'
	recv_wait
	[ "$rstatus" -eq 0 ]
	grep -qx 'message: "hello" (5 bytes, ended with shutdown(2))' out
	grep -Eq '^fd [0-9]+ \[0\]: file .*/f.txt, r, offset 0, size 14$' out
}

@test "the peer line names the sender's pid and uid" {
	recv_bg "$sock"
	run -0 "$FDSEND" -w 5 "$sock" x
	recv_wait
	grep -Eq "^peer: pid [0-9]+( \\([^)]*\\))?, uid $(id -u), gid $(id -g)(, |\$)" out
}

@test "a seqpacket socket carries a message and a descriptor" {
	recv_bg -t seqpacket -j "$sock"
	run -0 "$FDSEND" -w 5 -o /etc/hostname "$sock" 'on seqpacket'
	recv_wait
	[ "$rstatus" -eq 0 ]
	[ "$(json_get out 'd["message"]')" = 'on seqpacket' ]
	[ "$(json_get out 'd["fds"][0]["path"]')" = /etc/hostname ]
}

@test "a dgram socket carries a message and a descriptor" {
	recv_bg -t dgram -j "$sock"
	run -0 "$FDSEND" -w 5 -t dgram -o /etc/hostname "$sock" 'on dgram'
	recv_wait
	[ "$(json_get out 'd["message"]')" = 'on dgram' ]
	[ "$(json_get out 'd["fds"][0]["path"]')" = /etc/hostname ]
}

@test "fdsend finds the type of a seqpacket or dgram socket by itself" {
	recv_bg -t seqpacket -p "$sock"
	run -0 "$FDSEND" -w 5 "$sock" seq
	recv_wait
	[ "$(cat out)" = seq ]
	rm -f "$sock"
	recv_bg -t dgram -p "$sock"
	run -0 "$FDSEND" -w 5 "$sock" dg
	recv_wait
	[ "$(cat out)" = dg ]
}

@test "an abstract @name carries a message and a descriptor" {
	name=@fdpass-test-$$-$BATS_TEST_NUMBER
	recv_bg -j "$name"
	run -0 "$FDSEND" -w 5 -o /etc/hostname "$name" abstract
	recv_wait
	[ "$(json_get out 'd["message"]')" = abstract ]
	[ "$(json_get out 'len(d["fds"])')" = 1 ]
}

@test "an abstract name of a dgram socket is found by type detection" {
	name=@fdpass-test-$$-$BATS_TEST_NUMBER
	recv_bg -t dgram -p "$name"
	run -0 "$FDSEND" -w 5 "$name" 'found'
	recv_wait
	[ "$(cat out)" = found ]
}

@test "fd:N sends on an inherited connected socket and receives on its other end" {
	need python3
	python3 - "$FDSEND" "$FDRECV" <<-'EOF' >out
	import socket, subprocess, sys
	a, b = socket.socketpair()
	r = subprocess.Popen([sys.argv[2], "-p", "fd:%d" % b.fileno()], pass_fds=[b.fileno()])
	b.close()
	s = subprocess.run([sys.argv[1], "-o", "/etc/hostname", "fd:%d" % a.fileno(), "via fd"],
	                   pass_fds=[a.fileno()])
	a.close()
	sys.exit(r.wait() or s.returncode)
	EOF
	[ "$(cat out)" = 'via fd' ]
}

@test "PARTs are concatenated in order" {
	recv_bg -p "$sock"
	run -0 "$FDSEND" -w 5 "$sock" one ' two' ' three'
	recv_wait
	[ "$(cat out)" = 'one two three' ]
}

@test "-e interprets backslash escapes in the PARTs" {
	recv_bg -p "$sock"
	run -0 "$FDSEND" -w 5 -e "$sock" 'a\\b\nc\td\re\0f\x41\x7e'
	recv_wait
	printf 'a\\b\nc\td\re\0fA~' > want
	cmp out want
}

@test "without -e a backslash is sent as it is" {
	recv_bg -p "$sock"
	run -0 "$FDSEND" -w 5 "$sock" 'a\nb'
	recv_wait
	[ "$(cat out)" = 'a\nb' ]
}

@test "-i adds files after the PARTs, in the order given" {
	printf 'first file\n' > a.txt
	printf 'second file\n' > b.txt
	recv_bg -p "$sock"
	run -0 "$FDSEND" -w 5 -i a.txt -i b.txt "$sock" 'part;'
	recv_wait
	printf 'part;first file\nsecond file\n' > want
	cmp out want
}

@test "-i - adds standard input" {
	recv_bg -p "$sock"
	printf 'from stdin' | "$FDSEND" -w 5 -i - "$sock" 'part:'
	recv_wait
	[ "$(cat out)" = 'part:from stdin' ]
}

@test "600 descriptors arrive whole and in order" {
	need python3
	for i in $(seq 0 599); do echo "$i" > "f$i"; done
	recv_bg -j "$sock"
	# Open f0..f599, then exec fdsend with them, in that order.
	python3 - "$FDSEND" "$sock" <<-'EOF'
	import os, sys
	fds = [os.open("f%d" % i, os.O_RDONLY) for i in range(600)]
	for fd in fds:
	    os.set_inheritable(fd, True)
	os.execv(sys.argv[1], [sys.argv[1], "-w", "5", "-f", ",".join(map(str, fds)), sys.argv[2], "many"])
	EOF
	recv_wait
	[ "$rstatus" -eq 0 ]
	run -0 python3 -c '
import json, os, sys
d = json.load(open("out"))
paths = [os.path.basename(f["path"]) for f in d["fds"]]
assert d["message"] == "many", d["message"]
assert paths == ["f%d" % i for i in range(600)], paths[:5]
print(len(paths))'
	[ "$output" = 600 ]
}

@test "an empty message with a descriptor reports as empty" {
	recv_bg -j "$sock"
	run -0 "$FDSEND" -w 5 -o /etc/hostname "$sock"
	recv_wait
	[ "$(json_get out 'repr(d["message"])')" = "''" ]
	[ "$(json_get out 'len(d["fds"])')" = 1 ]
}

@test "an empty message reads as '(empty)' in the report and nothing with -p" {
	recv_bg "$sock"
	run -0 "$FDSEND" -w 5 "$sock"
	recv_wait
	grep -qx 'message: (empty, ended with shutdown(2))' out
	recv_bg -p "$sock"
	run -0 "$FDSEND" -w 5 "$sock"
	recv_wait
	[ ! -s out ]
}

@test "-p writes the message bytes as they are, NUL bytes included" {
	recv_bg -p "$sock"
	run -0 "$FDSEND" -w 5 -e "$sock" 'a\0b\xff'
	recv_wait
	printf 'a\0b\377' > want
	cmp out want
}

@test "-C copies the contents of every descriptor in order" {
	echo one > 1.txt
	echo two > 2.txt
	recv_bg -C "$sock"
	echo three | "$FDSEND" -w 5 -o 1.txt -o 2.txt -f 0 "$sock"
	recv_wait
	[ "$rstatus" -eq 0 ]
	printf 'one\ntwo\nthree\n' > want
	cmp out want
}

@test "-C copies a file from its current offset" {
	printf 'skip|keep\n' > f.txt
	recv_bg -C "$sock"
	(
		exec 5<f.txt
		read -r -n 5 _ <&5
		exec "$FDSEND" -w 5 -f 5 "$sock"
	)
	recv_wait
	[ "$(cat out)" = keep ]
}

@test "-n 2 handles two messages, then exits" {
	recv_bg -p -n 2 "$sock"
	"$FDSEND" -w 5 "$sock" 'one;'
	"$FDSEND" -w 5 "$sock" 'two'
	recv_wait
	[ "$rstatus" -eq 0 ]
	[ "$(cat out)" = 'one;two' ]
}

@test "-n 0 handles messages until SIGTERM, then removes its socket and exits 0" {
	recv_bg -p -n 0 "$sock"
	for i in 1 2 3; do "$FDSEND" -w 5 "$sock" "$i"; done
	# fdsend is done once the message is in the socket, maybe before
	# fdrecv has taken it: the signal comes after all three are handled.
	wait_for out '^123$'
	kill -TERM "$rpid"
	recv_wait
	[ "$rstatus" -eq 0 ]
	[ "$(cat out)" = 123 ]
	[ ! -e "$sock" ]
}

@test "a connection that closes without a message is not counted" {
	recv_bg -p "$sock"
	wait_socket "$sock"
	python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.close()' "$sock"
	run -0 "$FDSEND" "$sock" 'the real one'
	recv_wait
	[ "$rstatus" -eq 0 ]
	[ "$(cat out)" = 'the real one' ]
}

@test "fdrecv removes its socket file when it is done" {
	recv_bg "$sock"
	run -0 "$FDSEND" -w 5 "$sock"
	recv_wait
	[ ! -e "$sock" ]
}

@test "-w waits for a socket that appears later" {
	"$FDSEND" -w 5 "$sock" 'waited' >sent 2>&1 3>&- &
	spid=$!
	track "$spid"
	run -0 "$FDRECV" -p "$sock"
	wait "$spid"
	[ "$output" = waited ]
}

@test "without -w a missing socket fails at once, naming it" {
	run -1 --separate-stderr "$FDSEND" "$sock" x
	[ "$stderr" = "fdsend: $sock: connect: No such file or directory" ]
}

@test "-w gives up after its time with the last error, saying how long it waited" {
	start=$SECONDS
	run -1 --separate-stderr "$FDSEND" -w 0.3 "$sock" x
	[ "$stderr" = "fdsend: $sock: connect: No such file or directory (after waiting 0.3 seconds)" ]
	[ $((SECONDS - start)) -lt 5 ]
}

@test "-t names the type and a socket of another type is refused" {
	recv_bg -T 2 "$sock"
	wait_socket "$sock"
	run -1 --separate-stderr "$FDSEND" -t seqpacket "$sock" x
	[ "$stderr" = "fdsend: $sock: not a seqpacket socket" ]
	"$FDSEND" -t stream "$sock" x
	recv_wait
	[ "$rstatus" -eq 0 ]
}

@test "a descriptor that is not open fails the run and nothing is sent" {
	recv_bg -T 0.3 "$sock"
	wait_socket "$sock"
	run -1 --separate-stderr "$FDSEND" -f 0,57 "$sock" x
	[ "$stderr" = 'fdsend: descriptor 57 is not open' ]
	recv_wait
	[ "$rstatus" -eq 1 ]
	[ ! -s out ]
	grep -qx "fdrecv: $sock: no peer within 0.3 seconds" err
}

@test "-o of a missing file fails naming it" {
	run -1 --separate-stderr "$FDSEND" -o nosuch.txt "$sock"
	[ "$stderr" = "fdsend: -o nosuch.txt: No such file or directory" ]
}

@test "-i of a missing file fails naming it" {
	run -1 --separate-stderr "$FDSEND" -i nosuch.txt "$sock"
	[ "$stderr" = "fdsend: -i nosuch.txt: No such file or directory" ]
}

@test "-T bounds fdsend's wait for a peer that does not read" {
	recv_bg -T 5 -t dgram "$sock"
	wait_socket "$sock"
	kill -STOP "$rpid"
	head -c 200000 /dev/zero > big
	# A stopped reader fills its queue; the next datagram must wait.
	for i in $(seq 20); do "$FDSEND" -T 0.2 -i big "$sock" >/dev/null 2>&1 || break; done
	run -1 --separate-stderr "$FDSEND" -T 0.2 -i big "$sock"
	[ "$stderr" = "fdsend: $sock: send: timed out after 0.2 seconds" ]
	kill -KILL "$rpid"
	recv_wait
}

@test "-T bounds fdrecv's wait for a peer" {
	run -1 --separate-stderr "$FDRECV" -T 0.2 "$sock"
	[ "$stderr" = "fdrecv: $sock: no peer within 0.2 seconds" ]
	[ ! -e "$sock" ]
}

@test "-T bounds fdrecv's wait for the rest of a message" {
	recv_bg -T 0.3 "$sock"
	wait_socket "$sock"
	# Connect, send a little, and keep the connection open.
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.send(b"part"); time.sleep(3)' "$sock" 3>&- &
	ppid=$!
	track "$ppid"
	recv_wait
	kill "$ppid"; wait "$ppid" || true
	[ "$rstatus" -eq 1 ]
	grep -Eqx "fdrecv: $sock: dropped peer pid [0-9]+ uid $(id -u): no whole message within 0.3 seconds" err
	[ ! -s out ]
}

@test "--max-fds refuses a message with more descriptors, closes them and does not count it" {
	recv_bg -p --max-fds 1 "$sock"
	wait_socket "$sock"
	"$FDSEND" -f 0,1 "$sock" x || true
	wait_for err 'refused'
	run -0 "$FDSEND" -f 0 "$sock" y
	recv_wait
	[ "$rstatus" -eq 0 ]
	grep -Eqx "fdrecv: $sock: refused a message from peer pid [0-9]+ uid $(id -u): more than --max-fds 1 descriptors; closed its 2 descriptors" err
	[ "$(cat out)" = y ]
}

@test "--max-fds lets a message with that many through" {
	recv_bg -p --max-fds 2 "$sock"
	run -0 "$FDSEND" -w 5 -f 0,1 "$sock" ok
	recv_wait
	[ "$rstatus" -eq 0 ]
	[ "$(cat out)" = ok ]
}

@test "--expect refuses a message with fewer descriptors and takes the next that has them" {
	recv_bg -p --expect 2 "$sock"
	run -1 --separate-stderr "$FDSEND" -w 5 -f 0 "$sock" x
	[[ $stderr == "fdsend: $sock: the receiver refused the message: 1 descriptor, not --expect 2" ]]
	run -0 "$FDSEND" -w 5 -f 0,1 "$sock" y
	recv_wait
	[ "$rstatus" -eq 0 ]
	grep -Eqx "fdrecv: $sock: refused a message from peer pid [0-9]+ uid $(id -u): 1 descriptor, not --expect 2; closed its descriptor" err
	[ "$(cat out)" = y ]
}

@test "--expect refuses a message with more descriptors" {
	recv_bg -p -T 5 --expect 1 "$sock"
	wait_socket "$sock"
	"$FDSEND" -f 0,1 "$sock" x || true
	wait_for err 'refused'
	kill "$rpid"
	recv_wait
	grep -Eqx "fdrecv: $sock: refused a message from peer pid [0-9]+ uid $(id -u): more than --expect 1 descriptors; closed its 2 descriptors" err
	[ ! -s out ]
}

@test "fdsend -v describes what it sent on standard error" {
	recv_bg "$sock"
	run -0 --separate-stderr "$FDSEND" -v -w 5 -o /etc/hostname "$sock" 'said'
	recv_wait
	[ -z "$output" ]
	[[ $stderr == *'message: "said" (4 bytes, ended with shutdown(2))'* ]]
	[[ $stderr =~ fd\ [0-9]+\ \[0\]:\ file\ /etc/hostname,\ r,\ offset\ 0 ]]
}

@test "fdrecv -v describes what arrived on standard error as well" {
	recv_bg -v -p "$sock"
	run -0 "$FDSEND" -w 5 -o /etc/hostname "$sock" 'both'
	recv_wait
	[ "$(cat out)" = both ]
	grep -qx 'message: "both" (4 bytes, ended with shutdown(2))' err
	grep -Eq '^fd [0-9]+ \[0\]: file /etc/hostname' err
}

@test "-V prints the version of each program" {
	run -0 "$FDSEND" -V
	[[ $output =~ ^fdsend\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	run -0 "$FDRECV" -V
	[[ $output =~ ^fdrecv\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "-h prints the usage and every option to standard output" {
	run -0 --separate-stderr "$FDSEND" -h
	[[ $output == 'usage: fdsend '* ]]
	[[ $output == *--listen-fds* ]]
	[ -z "$stderr" ]
	run -0 --separate-stderr "$FDRECV" --help
	[[ $output == 'usage: fdrecv '* ]]
	[[ $output == *--allow-uid* ]]
}

@test "-o opens a FIFO without waiting for a writer" {
	mkfifo fifo
	recv_bg -j "$sock"
	run -0 timeout 5 "$FDSEND" -w 5 -o fifo "$sock"
	recv_wait
	[ "$(json_get out 'd["fds"][0]["type"]')" = fifo ]
	[ "$(json_get out 'd["fds"][0]["flags"]')" = '[]' ]
}

@test "a message sent in pieces carries its descriptors once" {
	# With -T the sends do not block, so a large message goes out in many
	# partial sendmsg calls; descriptors sent again would arrive twice.
	head -c 3000000 /dev/urandom > big
	recv_bg -p -v "$sock"
	run -0 "$FDSEND" -w 5 -T 10 -i big -f 0,1,2 "$sock"
	recv_wait
	cmp out big
	[ "$(grep -c '^fd ' err)" -eq 3 ]
}
