#!/usr/bin/env bats
# --env STYLE: the variables of the servers that do not read LISTEN_FDS,
# nginx from Debian's packages among them; and NOTIFY_SOCKET for a COMMAND
# run by fdrecv --notify.

load test_helper

# Every variable of the handoff styles that COMMAND sees, sorted.
handoff_vars='env | grep -E "^(LISTEN_|NGINX=|EINHORN_)" | sort'

@test "--env systemd, the default, sets LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES" {
	run -0 "$FDRECV" --env systemd -b tcp:127.0.0.1:0=a -b udp:127.0.0.1:0 -- sh -c "$handoff_vars; echo pid=\$\$"
	[[ $output == $'LISTEN_FDNAMES=a:unknown\nLISTEN_FDS=2\nLISTEN_PID='*$'\npid='* ]]
	[[ ${lines[2]#LISTEN_PID=} == "${lines[3]#pid=}" ]]
}

@test "--env nginx sets NGINX to the descriptors, each followed by a semicolon, and nothing else" {
	run -0 "$FDRECV" --env nginx --at 5,3 -b tcp:127.0.0.1:0 -b tcp:127.0.0.1:0 -- sh -c "$handoff_vars"
	[[ $output == 'NGINX=5;3;' ]]
}

@test "--env nginx leaves NGINX unset when no descriptor came" {
	recv_bg --env nginx "$sock" -- sh -c 'echo "${NGINX-unset}"'
	"$FDSEND" -w 5 "$sock"
	recv_wait
	[[ $(cat out) == unset ]]
}

@test "--env einhorn sets EINHORN_FD_COUNT, EINHORN_FD_n and the family of each socket" {
	run -0 "$FDRECV" --env einhorn -b tcp:127.0.0.1:0 -b unix:@fdtest-einhorn-$$ -- sh -c "$handoff_vars"
	[[ $output == $'EINHORN_FD_0=3\nEINHORN_FD_1=4\nEINHORN_FD_COUNT=2\nEINHORN_FD_FAMILY_0=AF_INET\nEINHORN_FD_FAMILY_1=AF_UNIX' ]]
}

@test "an einhorn worker finds its listening socket from EINHORN_FD_0 and its family" {
	"$FDRECV" -v --env einhorn -b tcp:127.0.0.1:0 -- python3 -c '
import os, socket
# As einhorn client libraries take it.
fd = int(os.environ["EINHORN_FD_0"])
family = getattr(socket, os.environ.get("EINHORN_FD_FAMILY_0", "AF_INET"))
c, _ = socket.socket(family, socket.SOCK_STREAM, fileno=fd).accept()
c.sendall(b"einhorn worker %d of %s\n" % (fd, os.environ["EINHORN_FD_COUNT"].encode()))
' >out 2>err 3>&- &
	track $!
	wait_for err 'local 127\.0\.0\.1:'
	port=$(sed -n 's/.*local 127\.0\.0\.1:\([0-9]*\).*/\1/p' err)
	run -0 timeout 10 python3 -c 'import socket, sys; print(socket.create_connection(("127.0.0.1", int(sys.argv[1]))).makefile().readline(), end="")' "$port"
	[[ $output == 'einhorn worker 3 of 1' ]]
}

@test "--env systemfd adds LISTEN_FDS_FIRST_FD, the first of consecutive --at numbers" {
	run -0 "$FDRECV" --env systemfd -b tcp:127.0.0.1:0=x -- sh -c "$handoff_vars"
	[[ $output == $'LISTEN_FDNAMES=x\nLISTEN_FDS=1\nLISTEN_FDS_FIRST_FD=3\nLISTEN_PID='* ]]
	run -0 "$FDRECV" --env systemfd --at 7,8 -b tcp:127.0.0.1:0 -b tcp:127.0.0.1:0 -- sh -c "$handoff_vars"
	[[ ${lines[0]} == LISTEN_FDS=2 && ${lines[1]} == LISTEN_FDS_FIRST_FD=7 ]]
	run -2 --separate-stderr "$FDRECV" --env systemfd --at 7,9 -b tcp::0 -b tcp::0 -- true
	[[ $stderr == 'fdrecv: --env systemfd needs consecutive --at numbers, in order' ]]
}

@test "the variables of every style that fdrecv inherited are removed" {
	NGINX='9;' EINHORN_FD_COUNT=5 EINHORN_FD_4=9 LISTEN_FDS_FIRST_FD=9 LISTEN_FDNAMES=old \
		run -0 "$FDRECV" -b tcp:127.0.0.1:0 -- sh -c "$handoff_vars"
	[[ $output == $'LISTEN_FDS=1\nLISTEN_PID='* ]]
	NGINX='9;' LISTEN_FDS=4 run -0 "$FDRECV" --env einhorn -b tcp:127.0.0.1:0 -- sh -c "$handoff_vars"
	[[ $output == $'EINHORN_FD_0=3\nEINHORN_FD_COUNT=1\nEINHORN_FD_FAMILY_0=AF_INET' ]]
}

@test "--env takes a known style and a COMMAND; nginx and einhorn have no names" {
	run -2 --separate-stderr "$FDRECV" --env upstart "$sock" -- true
	[[ $stderr == 'fdrecv: --env upstart: not systemd, nginx, einhorn or systemfd' ]]
	run -2 --separate-stderr "$FDRECV" --env nginx "$sock"
	[[ $stderr == 'fdrecv: --env needs a COMMAND' ]]
	run -2 --separate-stderr "$FDRECV" --env nginx --fdname web "$sock" -- true
	[[ $stderr == 'fdrecv: --fdname: --env nginx has no descriptor names' ]]
	run -2 --separate-stderr "$FDRECV" --env einhorn --fdname web -b tcp::0 -- true
	[[ $stderr == 'fdrecv: --fdname: --env einhorn has no descriptor names' ]]
}

@test "nginx from Debian's packages serves a request on the socket it got from fdrecv --env nginx" {
	nginx=$(command -v nginx || command -v /usr/sbin/nginx) || {
		echo "nginx is not installed: .ci/run installs it (apt-get install nginx-light)" >&2
		return 1
	}
	mkdir -p nginx
	# A configuration of its own: pid file, logs and temporary files here,
	# and a listen directive for the port fdrecv's socket got.
	cat >nginx.conf.in <<-'EOF'
	daemon off;
	pid DIR/nginx.pid;
	error_log stderr notice;
	worker_processes 1;
	events { worker_connections 64; }
	http {
	    access_log off;
	    client_body_temp_path DIR/body;
	    proxy_temp_path DIR/proxy;
	    fastcgi_temp_path DIR/fastcgi;
	    uwsgi_temp_path DIR/uwsgi;
	    scgi_temp_path DIR/scgi;
	    server {
	        listen 127.0.0.1:PORT;
	        location / { return 200 "hello from nginx\n"; }
	    }
	}
	EOF
	# With its master process: nginx 1.22 crashes on inherited sockets
	# under master_process off.
	"$FDRECV" -v --env nginx -b tcp:127.0.0.1:0 -- sh -c '
port=$(python3 -c "import socket; print(socket.socket(fileno=3).getsockname()[1])")
sed "s#DIR#$PWD/nginx#g; s#PORT#$port#" nginx.conf.in >nginx.conf
exec "$1" -e stderr -p "$PWD/nginx" -c "$PWD/nginx.conf"' sh "$nginx" >out 2>err 3>&- &
	track $!
	wait_for err 'local 127\.0\.0\.1:'
	port=$(sed -n 's/.*local 127\.0\.0\.1:\([0-9]*\).*/\1/p' err)
	run -0 timeout 10 python3 -c 'import urllib.request, sys; print(urllib.request.urlopen("http://127.0.0.1:%s/" % sys.argv[1], timeout=10).read().decode(), end="")' "$port"
	[[ $output == 'hello from nginx' ]]
	# It took fdrecv's socket: opening one of its own on that port would
	# have failed, that one still listening.
	grep -q 'using inherited sockets from "3;"' err
	! grep -q 'bind()' err
}

@test "a COMMAND run by fdrecv --notify -n N gets NOTIFY_SOCKET, and can notify back" {
	recv_bg --notify -n 2 notify.sock -- sh -c '
echo "$LISTEN_FDNAMES $NOTIFY_SOCKET" >>log
if [ "$LISTEN_FDS" = 1 ]; then
    "$FDSEND" --notify -f 0=second READY=1 </etc/hostname
fi'
	NOTIFY_SOCKET=notify.sock "$FDSEND" -w 5 --notify -f 0=first READY=1 </dev/null
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(cat log) == "first $BATS_TEST_TMPDIR/notify.sock"$'\n'"first:second $BATS_TEST_TMPDIR/notify.sock" ]]
}

@test "NOTIFY_SOCKET is @NAME for an abstract notify socket" {
	recv_bg --notify -n 2 "@fdtest-notify-$$" -- sh -c 'echo "$NOTIFY_SOCKET"'
	for i in 1 2; do
		NOTIFY_SOCKET=@fdtest-notify-$$ "$FDSEND" -w 5 --notify READY=1
	done
	recv_wait
	[[ $(cat out) == "@fdtest-notify-$$"$'\n'"@fdtest-notify-$$" ]]
}

@test "a COMMAND that takes fdrecv --notify's place keeps the NOTIFY_SOCKET fdrecv was given" {
	NOTIFY_SOCKET=/run/outer.sock recv_bg --notify notify.sock -- sh -c 'echo "$NOTIFY_SOCKET"'
	NOTIFY_SOCKET=notify.sock "$FDSEND" -w 5 --notify READY=1
	recv_wait
	[[ $(cat out) == /run/outer.sock ]]
}

@test "an unnamed notify socket gives COMMAND no NOTIFY_SOCKET, and says so" {
	NOTIFY_SOCKET=/run/outer.sock run -0 --separate-stderr python3 -c '
import os, socket, subprocess, sys
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
p = subprocess.Popen([sys.argv[1], "--notify", "-n", "2", "fd:%d" % a.fileno(), "--", "sh", "-c",
    "echo \"${NOTIFY_SOCKET-unset}\""], pass_fds=[a.fileno()])
a.close()
b.send(b"READY=1")
b.send(b"READY=1")
sys.exit(p.wait())' "$FDRECV"
	[[ $output == $'unset\nunset' ]]
	[[ $stderr == "fdrecv: fd:"+([0-9])": COMMAND gets no NOTIFY_SOCKET: Destination address required" ]]
}
