#!/usr/bin/env bats
# Interoperability with Python's socket.send_fds and socket.recv_fds, both
# ways: what users write when they do not have these tools.

load test_helper

setup() {
	need python3
	python3 -c 'import socket; socket.send_fds' 2>/dev/null || skip "python3 has no socket.send_fds"
	cd "$BATS_TEST_TMPDIR" || return 1
	sock=$BATS_TEST_TMPDIR/s.sock
}

@test "fdrecv receives what Python's send_fds sends on a stream" {
	recv_bg -j "$sock"
	wait_socket "$sock"
	python3 - "$sock" <<-'EOF'
	import os, socket, sys
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.connect(sys.argv[1])
	fd = os.open("/etc/hostname", os.O_RDONLY)
	socket.send_fds(s, [b"from ", b"python"], [fd, 1])
	s.close()
	EOF
	recv_wait
	[ "$rstatus" -eq 0 ]
	[ "$(json_get out 'd["message"]')" = 'from python' ]
	[ "$(json_get out 'd["fds"][0]["path"]')" = /etc/hostname ]
	[ "$(json_get out 'len(d["fds"])')" = 2 ]
}

@test "fdrecv receives what Python's send_fds sends on a dgram socket" {
	recv_bg -t dgram -j "$sock"
	wait_socket "$sock"
	python3 - "$sock" <<-'EOF'
	import os, socket, sys
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	fd = os.open("/etc/hostname", os.O_RDONLY)
	s.connect(sys.argv[1])
	socket.send_fds(s, [b"datagram"], [fd])
	EOF
	recv_wait
	[ "$(json_get out 'd["message"]')" = datagram ]
	[ "$(json_get out 'd["fds"][0]["path"]')" = /etc/hostname ]
	[ "$(json_get out 'd["peer"]["uid"]')" = "$(id -u)" ]
}

@test "Python's recv_fds receives what fdsend sends" {
	python3 - "$sock" >out 3>&- <<-'EOF' &
	import os, socket, sys
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.bind(sys.argv[1]); s.listen()
	c, _ = s.accept()
	msg, fds, flags, _ = socket.recv_fds(c, 1024, 10)
	print(msg.decode(), len(fds), os.read(fds[0], 100).decode().strip())
	EOF
	ppid=$!
	track "$ppid"
	echo 'from a pipe' | "$FDSEND" -w 5 -f 0 "$sock" 'to python'
	wait "$ppid"
	[ "$(cat out)" = 'to python 1 from a pipe' ]
}

@test "Python's recv_fds receives from fdsend on a seqpacket socket" {
	python3 - "$sock" >out 3>&- <<-'EOF' &
	import os, socket, sys
	s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
	s.bind(sys.argv[1]); s.listen()
	c, _ = s.accept()
	msg, fds, flags, _ = socket.recv_fds(c, 1024, 10)
	print(msg.decode(), len(fds))
	EOF
	ppid=$!
	track "$ppid"
	"$FDSEND" -w 5 -f 0,1,2 "$sock" 'one record'
	wait "$ppid"
	[ "$(cat out)" = 'one record 3' ]
}

@test "Python gathers 600 descriptors from fdsend's batches, in order" {
	for i in $(seq 0 599); do echo "$i" > "f$i"; done
	python3 - "$sock" >out 3>&- <<-'EOF' &
	import os, socket, sys
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.bind(sys.argv[1]); s.listen()
	c, _ = s.accept()
	data, got = b"", []
	while True:
	    msg, fds, flags, _ = socket.recv_fds(c, 4096, 253)
	    if not msg and not fds:
	        break
	    data += msg
	    got += fds
	names = [os.readlink("/proc/self/fd/%d" % fd).rsplit("/", 1)[1] for fd in got]
	print(repr(data), len(got), names == ["f%d" % i for i in range(600)])
	EOF
	ppid=$!
	track "$ppid"
	python3 - "$FDSEND" "$sock" <<-'EOF'
	import os, sys
	fds = [os.open("f%d" % i, os.O_RDONLY) for i in range(600)]
	for fd in fds:
	    os.set_inheritable(fd, True)
	os.execv(sys.argv[1], [sys.argv[1], "-w", "5", "-f", ",".join(map(str, fds)), sys.argv[2], "xyz"])
	EOF
	wait "$ppid"
	# Three batches, three bytes: nothing added.
	[ "$(cat out)" = "b'xyz' 600 True" ]
}

@test "Python takes the padding off a message shorter than its batches by the rule of fdsend(1)" {
	python3 - "$sock" >out 3>&- <<-'EOF' &
	import os, socket, sys
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.bind(sys.argv[1]); s.listen()
	c, _ = s.accept()
	data, got = b"", []
	while True:
	    msg, fds, flags, _ = socket.recv_fds(c, 4096, 253)
	    if not msg and not fds:
	        break
	    data += msg
	    got += fds
	# The rule: a trailer of NUL, "fdpad=", 8 hex digits and a newline,
	# after that many NUL bytes of padding.
	t = data[-16:]
	assert t[:7] == b"\0fdpad=" and t[15:] == b"\n", data
	pad = int(t[7:15], 16)
	body = data[:-16]
	assert body[len(body) - pad:] == b"\0" * pad
	print(repr(body[:len(body) - pad]), len(got))
	EOF
	ppid=$!
	track "$ppid"
	"$FDSEND" -w 5 -f "$(repeat_fd 0 1000)" "$sock" hi </dev/null
	wait "$ppid"
	[ "$(cat out)" = "b'hi' 1000" ]
}
