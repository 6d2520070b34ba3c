#!/usr/bin/env bats
# Descriptor names in ordinary handoffs: fdsend gives fdrecv the names of
# what it sends, after fdrecv's greeting; any other peer sees exactly what
# it saw before.

load test_helper

@test "names given with -f arrive as LISTEN_FDNAMES, unknown for a descriptor without one" {
	recv_bg "$sock" -- sh -c 'echo "$LISTEN_FDS $LISTEN_FDNAMES $FDRECV_MESSAGE"'
	run -0 --separate-stderr "$FDSEND" -w 5 -f 0=in -o /etc/hostname -f 1,2=out "$sock" msg
	[[ -z $stderr ]]
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(cat out) == '4 in:unknown:out:out msg' ]]
}

@test "names are in the report and the JSON, and the message is exactly the one sent" {
	recv_bg -j "$sock"
	"$FDSEND" -w 5 -e -f 0=first -f 1 "$sock" 'ends like a trailer\0fdnames 0123456789abcdef x\n'
	recv_wait
	[[ $(json_get out '[f.get("name") for f in d["fds"]]') == "['first', None]" ]]
	[[ $(json_get out 'd["message"] == "ends like a trailer\0fdnames 0123456789abcdef x\n"') == True ]]
	recv_bg "$sock"
	"$FDSEND" -w 5 -f 0=first "$sock"
	recv_wait
	grep -Eq '^fd [0-9]+ \[0\]: .*, name first$' out
}

@test "--listen-fds passes on the names of LISTEN_FDNAMES, from one generation to the next" {
	recv_bg "$sock" -- sh -c 'echo "$LISTEN_FDNAMES"'
	"$FDRECV" -b tcp:127.0.0.1:0=http -b unix:@fdtest-admin-$$=admin -- \
		"$FDSEND" -w 5 --listen-fds "$sock" 3>&-
	recv_wait
	[[ $(cat out) == http:admin ]]
}

@test "-b ADDR=NAME names the socket fdsend makes" {
	recv_bg "$sock" -- sh -c 'echo "$LISTEN_FDNAMES"'
	"$FDSEND" -w 5 -b tcp:127.0.0.1:0=web "$sock"
	recv_wait
	[[ $(cat out) == web ]]
}

@test "--fdname overrides the names the sender gave" {
	recv_bg --fdname mine "$sock" -- sh -c 'echo "$LISTEN_FDNAMES"'
	"$FDSEND" -w 5 -f 0=theirs "$sock"
	recv_wait
	[[ $(cat out) == mine ]]
}

@test "fdsend -l gives its names to fdrecv -c" {
	"$FDSEND" -l -f 0=offered "$sock" </dev/null 3>&- &
	track $!
	run -0 "$FDRECV" -c -w 5 "$sock" -- sh -c 'echo "$LISTEN_FDNAMES"'
	[[ $output == offered ]]
}

@test "a plain receiver gets exactly the message and descriptors; fdsend says the names were not taken, and exits 0" {
	python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen()
c, _ = s.accept()
data = b""
fds = []
while True:
    msg, got, _, _ = socket.recv_fds(c, 4096, 10)
    fds += got
    if not msg:
        break
    data += msg
print(repr(data), len(fds))
' "$sock" >out 3>&- &
	ppid=$!
	track "$ppid"
	run -0 --separate-stderr "$FDSEND" -w 5 -f 0=in -f 1=out "$sock" 'just this'
	[[ $stderr == "fdsend: $sock: the receiver is not fdrecv: it took the descriptors without their names" ]]
	wait "$ppid"
	[[ $(cat out) == "b'just this' 2" ]]
}

@test "a plain receiver that reads and keeps its end open gets no names either" {
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen()
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 4096, 10)
print(repr(msg), len(fds), flush=True)
time.sleep(10)
' "$sock" >out 3>&- &
	track $!
	run -0 --separate-stderr timeout 10 "$FDSEND" -w 5 -f 0=in "$sock" 'kept open'
	[[ $stderr == "fdsend: $sock: the receiver is not fdrecv: it took the descriptors without their names" ]]
	[[ $(cat out) == "b'kept open' 1" ]]
}

@test "a plain sender that closes without reading the greeting has its message taken, ended by closing" {
	recv_bg -j "$sock"
	wait_socket "$sock"
	python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
socket.send_fds(s, [b"plain"], [os.open("/etc/hostname", os.O_RDONLY)])
s.close()' "$sock"
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(json_get out 'd["message"], d["ended"], d["fds"][0]["path"]') == "('plain', 'close', '/etc/hostname')" ]]
}

@test "fdrecv greets each stream peer with its nonce before it reads anything" {
	recv_bg -n 2 "$sock"
	wait_socket "$sock"
	run -0 python3 -c '
import socket, sys
for i in range(2):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
    print(repr(s.recv(64)))
    s.sendall(b"x"); s.shutdown(socket.SHUT_WR)
    while s.recv(64):
        pass' "$sock"
	recv_wait
	[[ ${lines[0]} =~ ^b\'\\x00fdrecv\ names\ [0-9a-f]{16}\\n\'$ ]]
	[[ ${lines[0]} == "${lines[1]}" ]]
}

@test "a names trailer without fdrecv's nonce is part of the message" {
	recv_bg -j "$sock"
	wait_socket "$sock"
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
socket.send_fds(s, [b"text\0fdnames 0000000000000000 evil\n"], [0])
s.shutdown(socket.SHUT_WR)
while s.recv(64):
    pass' "$sock"
	recv_wait
	[[ $(json_get out 'd["message"] == "text\0fdnames 0000000000000000 evil\n"') == True ]]
	[[ $(json_get out '"name" in d["fds"][0]') == False ]]
}

@test "a names trailer with fdrecv's nonce but not one name per descriptor refuses the message" {
	recv_bg -j "$sock"
	wait_socket "$sock"
	# Two names for one descriptor, then one name too long to be one.
	run -0 python3 -c '
import socket, sys
for names in (b"a:b", b"x" * 256):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
    nonce = s.recv(64)[14:30]
    socket.send_fds(s, [b"msg\0fdnames " + nonce + b" " + names + b"\n"], [0])
    s.shutdown(socket.SHUT_WR)
    print(s.recv(200).decode().strip("\0\n"))' "$sock"
	[[ $output == 'refused: its descriptor names are not one valid name (or none) per descriptor'$'\n''refused: its descriptor names are not one valid name (or none) per descriptor' ]]
	kill "$rpid"
	recv_wait
	[[ $(grep -c "refused a message from peer pid [0-9]* uid $(id -u): its descriptor names are not one valid name (or none) per descriptor; closed its descriptor" err) == 2 ]]
	[[ ! -s out ]]
}

@test "fdsend -r copies the reply without fdrecv's greeting" {
	recv_bg "$sock" -- sh -c 'echo done'
	run -0 "$FDSEND" -w 5 -r -f 0=in "$sock" </dev/null
	[[ -z $output ]]
	recv_wait
	[[ $(cat out) == done ]]
}

@test "a refusal after the greeting is still reported by the sender" {
	recv_bg -T 5 --max-fds 1 "$sock"
	run -1 --separate-stderr "$FDSEND" -w 5 -f 0,1=two "$sock"
	[[ $stderr == "fdsend: $sock: the receiver refused the message: more than --max-fds 1 descriptors" ]]
	kill "$rpid"
	recv_wait
}

@test "the names wait is bounded by -T" {
	# Accepts and never reads: neither a greeting nor the message read.
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen()
c, _ = s.accept()
time.sleep(30)' "$sock" 3>&- &
	track $!
	wait_socket "$sock"
	run -1 --separate-stderr timeout 10 "$FDSEND" -T 0.5 -f 0=in "$sock" msg
	[[ $stderr == "fdsend: $sock: the receiver had not read the message after 0.5 seconds: not delivered" ]]
}

@test "LISTEN_FDNAMES over a seqpacket socket is sent without its names, with a warning" {
	recv_bg -t seqpacket "$sock" -- sh -c 'echo "$LISTEN_FDS ${LISTEN_FDNAMES-unset}"'
	wait_socket "$sock"
	run -0 --separate-stderr "$FDRECV" -b tcp:127.0.0.1:0=http -- "$FDSEND" --listen-fds "$sock"
	[[ $stderr == "fdsend: $sock: the names of LISTEN_FDNAMES are not sent: a seqpacket socket carries none (a stream socket, or --notify, does)" ]]
	recv_wait
	[[ $(cat out) == '1 unset' ]]
}
