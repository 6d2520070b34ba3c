#!/usr/bin/env bats
# -b ADDR[=NAME]: sockets made to be handed over, by fdsend (sent) and by
# fdrecv (handed to COMMAND, as systemd-socket-activate does), and served
# by real programs.

load test_helper

# The port of the first "local 127.0.0.1:PORT" in a report.
port_in() {
	sed -n 's/.*local 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$1" | head -n 1
}

# A receiver whose COMMAND tells about the socket at fd 3 with Python:
# family, type, listening, local address, SO_REUSEADDR, then the names.
sock_info='
import os, socket
s = socket.socket(fileno=3)
opt = lambda level, name: s.getsockopt(level, name)
print(s.family.name, s.type.name, opt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN),
      s.getsockname(), opt(socket.SOL_SOCKET, socket.SO_REUSEADDR),
      opt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY) if s.family == socket.AF_INET6 else "-",
      os.environ.get("LISTEN_FDNAMES", "unnamed"))
'

@test "fdsend -b tcp:127.0.0.1:0 sends a listening socket on the port the kernel picked, as -v and the receiver say" {
	recv_bg -j "$sock"
	run -0 --separate-stderr "$FDSEND" -v -w 5 -b tcp:127.0.0.1:0=http "$sock"
	recv_wait
	[[ $rstatus -eq 0 ]]
	port=$(json_get out 'd["fds"][0]["socket"]["local"]')
	[[ $port == 127.0.0.1:+([0-9]) && $port != 127.0.0.1:0 ]]
	[[ $stderr == *"socket inet stream, rw, listening, local $port, name http"* ]]
	[[ $(json_get out 'd["fds"][0]["socket"]["listening"]') == True ]]
	[[ $(json_get out 'd["fds"][0]["name"]') == http ]]
}

@test "a socket of fdrecv -b accepts connections in the COMMAND it runs" {
	"$FDRECV" -v -b tcp:127.0.0.1:0 -- python3 -c '
import socket
c, _ = socket.socket(fileno=3).accept()
c.sendall(b"served by the command\n")
' >out 2>err 3>&- &
	track $!
	wait_for err 'local 127\.0\.0\.1:'
	port=$(port_in err)
	run -0 python3 -c 'import socket, sys; print(socket.create_connection(("127.0.0.1", int(sys.argv[1]))).makefile().readline(), end="")' "$port"
	[[ $output == 'served by the command' ]]
}

@test "each form of -b makes the socket it names" {
	for spec in 'tcp:127.0.0.1:0 AF_INET SOCK_STREAM 1' 'tcp6:[::1]:0 AF_INET6 SOCK_STREAM 1' \
	    'udp:127.0.0.1:0 AF_INET SOCK_DGRAM 0' 'udp6::0 AF_INET6 SOCK_DGRAM 0' \
	    "unix:$BATS_TEST_TMPDIR/st.sock AF_UNIX SOCK_STREAM 1" \
	    "unix-dgram:$BATS_TEST_TMPDIR/dg.sock AF_UNIX SOCK_DGRAM 0" \
	    "unix-seqpacket:$BATS_TEST_TMPDIR/sp.sock AF_UNIX SOCK_SEQPACKET 1" \
	    "unix:@fdtest-bind-$$ AF_UNIX SOCK_STREAM 1"; do
		read -r addr family type listening <<<"$spec"
		[[ $addr != tcp6:* && $addr != udp6:* ]] || [[ -e /proc/net/if_inet6 ]] || continue
		run -0 "$FDRECV" -b "$addr" -- python3 -c "$sock_info"
		read -r f t l _ <<<"$output"
		[[ "$f $t $l" == "$family $type $listening" ]] || { echo "$addr: $output"; return 1; }
	done
	[[ -S st.sock && -S dg.sock && -S sp.sock ]]
}

@test "-b gives TCP sockets SO_REUSEADDR and tcp6 ones IPV6_V6ONLY, so tcp and tcp6 share a port" {
	[[ -e /proc/net/if_inet6 ]] || skip "no IPv6 on this machine"
	run -0 "$FDRECV" -b tcp::0 -- python3 -c "$sock_info"
	read -r _ _ _ addr1 addr2 reuse v6only _ <<<"$output"
	[[ $reuse == 1 && $v6only == - ]]
	port=${addr2%)}
	run -0 "$FDRECV" -b "tcp::$port" -b "tcp6::$port" -- python3 -c "$sock_info"
	run -0 "$FDRECV" -b "tcp6::0" -- python3 -c "$sock_info"
	[[ $output == *' 1 1 unnamed' ]]
}

@test "a stream socket of -b listens with a backlog of 4096, or somaxconn if lower" {
	need ss
	max=$(cat /proc/sys/net/core/somaxconn)
	((max < 4096)) || max=4096
	"$FDRECV" -v -b tcp:127.0.0.1:0 -b "unix:$BATS_TEST_TMPDIR/b.sock" -- sleep 60 2>err 3>&- &
	track $!
	wait_for err 'local 127\.0\.0\.1:'
	port=$(port_in err)
	run -0 ss -Hltn "sport = :$port"
	[[ $(awk '{ print $3 }' <<<"$output") == "$max" ]]
	run -0 ss -Hlx src "$BATS_TEST_TMPDIR/b.sock"
	[[ $(awk '{ print $4 }' <<<"$output") == "$max" ]]
}

@test "-b unix:PATH makes its socket file with the mode of -m, whatever the umask" {
	umask 077
	run -0 "$FDRECV" -m 666 -b unix:app.sock -- true
	[[ $(stat -c %a app.sock) == 666 ]]
	recv_bg "$sock"
	run -0 "$FDSEND" -w 5 -m 640 -b unix:other.sock "$sock"
	recv_wait
	[[ $(stat -c %a other.sock) == 640 ]]
}

@test "-b unix:PATH replaces a stale socket file, never a live socket or another file" {
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' stale.sock
	run -0 "$FDRECV" -b unix:stale.sock -- true
	echo data >file
	run -1 --separate-stderr "$FDRECV" -b unix:file -- touch ran
	[[ $stderr == 'fdrecv: -b unix:file: exists and is not a socket; not replaced' ]]
	[[ $(cat file) == data && ! -e ran ]]
	recv_bg "$sock"
	wait_socket "$sock"
	run -1 --separate-stderr "$FDSEND" -b "unix:$sock" "$sock"
	[[ $stderr == "fdsend: -b unix:$sock: a live socket of uid $(id -u) is bound there" ]]
}

@test "a -b that fails names the address, sends nothing, and removes the socket files made before it" {
	recv_bg -T 5 "$sock"
	wait_socket "$sock"
	python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True)
time.sleep(30)' >port 3>&- &
	track $!
	wait_for port '[0-9]'
	port=$(<port)
	run -1 --separate-stderr "$FDSEND" -f 0 -b unix:first.sock -b "tcp:127.0.0.1:$port" "$sock"
	[[ $stderr == "fdsend: -b tcp:127.0.0.1:$port: the address is in use" ]]
	[[ ! -e first.sock ]]
	# The receiver got nothing: it is still waiting, and a message now is its first.
	run -0 "$FDSEND" "$sock" second
	recv_wait
	[[ $rstatus -eq 0 ]]
	grep -qx 'message: "second" (6 bytes, ended with shutdown(2))' out
}

@test "a malformed -b ADDR is a usage error naming it" {
	for addr in tcp:1.2.3:80 tcp:127.0.0.1:65536 tcp:127.0.0.1 tcp6:::1:80 'tcp6:[::1]80' \
	    udp:localhost:53 unix: tcp:127.0.0.1:-1 sctp:1.2.3.4:5 unix:fd:3; do
		run -2 --separate-stderr "$FDSEND" -b "$addr" "$sock"
		[[ $stderr == "fdsend: -b $addr: not tcp:HOST:PORT, tcp6:[ADDR]:PORT, udp:HOST:PORT, udp6:[ADDR]:PORT, unix:PATH, unix-dgram:PATH or unix-seqpacket:PATH" ]] ||
			{ echo "$addr: $stderr"; return 1; }
	done
	run -2 --separate-stderr "$FDRECV" -b "unix:$(printf 'x%.0s' {1..108})" -- true
	[[ $stderr == "fdrecv: -b unix:$(printf 'x%.0s' {1..108}): too long for a socket address (at most 107 bytes)" ]]
	run -2 --separate-stderr "$FDRECV" -b 'tcp::0=a:b' -- true
	[[ $stderr == "fdrecv: -b tcp::0=a:b: a name is 1 to 255 printable characters without ':'" ]]
}

@test "the socket file of a delivered -b stays; one not delivered is removed" {
	recv_bg "$sock"
	run -0 "$FDSEND" -w 5 -b unix:kept.sock "$sock"
	recv_wait
	[[ -S kept.sock ]]
	# The receiver closes without reading: not delivered.
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen()
s.accept()[0].close()' other.sock 3>&- &
	track $!
	wait_socket other.sock
	run -1 --separate-stderr "$FDSEND" -b unix:dropped.sock other.sock message
	[[ $stderr == 'fdsend: other.sock: the receiver closed the connection without reading the message: not delivered' ]]
	[[ ! -e dropped.sock ]]
}

@test "-b sockets keep their place among -f and -o" {
	recv_bg -j "$sock"
	"$FDSEND" -w 5 -o /etc/hostname -b unix:@fdtest-order-$$ -f 0 -b udp:127.0.0.1:0 "$sock" </dev/null
	recv_wait
	[[ $(json_get out '[f.get("path", "") for f in d["fds"]][:1]') == "['/etc/hostname']" ]]
	[[ $(json_get out '[f["socket"]["type"] for f in d["fds"] if "socket" in f]') == "['stream', 'dgram']" ]]
	[[ $(json_get out 'd["fds"][2]["path"]') == /dev/null ]]
}

@test "fdrecv -b puts the sockets at 3, 4, ... (or --at) with LISTEN_FDS and their names" {
	run -0 "$FDRECV" -b tcp:127.0.0.1:0=web -b unix:@fdtest-names-$$ -- sh -c \
		'echo "$LISTEN_FDS $LISTEN_FDNAMES $LISTEN_PID $$"'
	read -r n names pid self <<<"$output"
	[[ "$n $names $pid" == "2 web:unknown $self" ]]
	run -0 "$FDRECV" --at 7 -b tcp:127.0.0.1:0 -- sh -c '[ -S /proc/self/fd/7 ] || exit 1; echo "$LISTEN_FDS"'
	[[ $output == 1 ]]
}

@test "fdrecv -b takes no SOCKET, needs -- COMMAND, and refuses options about receiving" {
	run -2 --separate-stderr "$FDRECV" -b tcp::0 "$sock" -- true
	[[ $stderr == "fdrecv: $sock: -b takes no SOCKET (COMMAND follows --)" ]]
	run -2 --separate-stderr "$FDRECV" -b tcp::0
	[[ $stderr == 'fdrecv: -b needs -- COMMAND' ]]
	run -2 --separate-stderr "$FDRECV" -b tcp::0 --
	[[ $stderr == 'fdrecv: -b needs -- COMMAND' ]]
	for opt in -c -j -p -C --strict --notify; do
		run -2 --separate-stderr "$FDRECV" "$opt" -b tcp::0 -- true
		[[ $stderr == "fdrecv: $opt cannot be used with -b" ]] || { echo "$opt: $stderr"; return 1; }
	done
	run -2 --separate-stderr "$FDRECV" -n 2 -b tcp::0 -- true
	[[ $stderr == 'fdrecv: -n cannot be used with -b' ]]
	run -2 --separate-stderr "$FDRECV" --max-fds 2 -b tcp::0 -- true
	[[ $stderr == 'fdrecv: --max-fds cannot be used with -b' ]]
	run -2 --separate-stderr "$FDRECV" -m 600 -b tcp::0 -b unix:@x -- true
	[[ $stderr == 'fdrecv: -m needs a -b unix:PATH (abstract names have no permissions)' ]]
}

@test "fdrecv -b removes its socket files when COMMAND cannot be run" {
	run -127 --separate-stderr "$FDRECV" -b unix:app.sock -- fdtest-no-such-command
	[[ $stderr == 'fdrecv: fdtest-no-such-command: No such file or directory' ]]
	[[ ! -e app.sock ]]
	run -1 --separate-stderr "$FDRECV" --at 3,4 -b unix:app.sock -- true
	[[ $stderr == 'fdrecv: -b: --at gives 2 positions for 1 descriptors; true not run' ]]
	[[ ! -e app.sock ]]
}

@test "systemd-socket-proxyd serves a -b tcp:127.0.0.1:0 socket from fdrecv" {
	proxyd=
	for p in /lib/systemd/systemd-socket-proxyd /usr/lib/systemd/systemd-socket-proxyd; do
		[[ -x $p ]] && proxyd=$p && break
	done
	[[ -n $proxyd ]] || skip "systemd-socket-proxyd is not installed"
	# The backend: answers one line on a port of its own.
	python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
c.sendall(b"from the backend, through the proxy\n")
c.close()' >backend 3>&- &
	track $!
	wait_for backend '[0-9]'
	"$FDRECV" -v -b tcp:127.0.0.1:0 -- "$proxyd" "127.0.0.1:$(<backend)" >out 2>err 3>&- &
	track $!
	wait_for err 'local 127\.0\.0\.1:'
	port=$(port_in err)
	run -0 timeout 10 python3 -c 'import socket, sys; print(socket.create_connection(("127.0.0.1", int(sys.argv[1]))).makefile().readline(), end="")' "$port"
	[[ $output == 'from the backend, through the proxy' ]]
}

@test "a Python server that reads LISTEN_FDS serves on a -b socket, and knows it by name" {
	"$FDRECV" -v -b tcp:127.0.0.1:0=api -- python3 -c '
import http.server, os, socket
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("%s at fd %d of %s\n" % (os.environ["LISTEN_FDNAMES"], 3, os.environ["LISTEN_FDS"])).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
assert os.environ["LISTEN_PID"] == str(os.getpid())
s = http.server.HTTPServer(None, H, bind_and_activate=False)
s.socket = socket.socket(fileno=3)
s.handle_request()
' >out 2>err 3>&- &
	track $!
	wait_for err 'local 127\.0\.0\.1:'
	port=$(port_in err)
	run -0 timeout 10 python3 -c 'import urllib.request, sys; print(urllib.request.urlopen("http://127.0.0.1:%s/" % sys.argv[1]).read().decode(), end="")' "$port"
	[[ $output == 'api at fd 3 of 1' ]]
}
