#!/usr/bin/env bats
# fdrecv SOCKET -- COMMAND: descriptors handed over as a service manager
# does, and fdsend --listen-fds taking them from one.

load test_helper

# A COMMAND that writes what it was given: its environment, its pid, and
# its open descriptors (without the one ls needs to list them).
show='echo "pid=$$ LISTEN_PID=$LISTEN_PID LISTEN_FDS=$LISTEN_FDS LISTEN_FDNAMES=${LISTEN_FDNAMES-unset}"
cd /proc/self/fd && for fd in *; do [ -e "$fd" ] && echo "fd $fd $(readlink "$fd")"; done; true'

@test "COMMAND gets the descriptor at 3 with LISTEN_FDS and its own pid in LISTEN_PID" {
	recv_bg "$sock" -- sh -c "$show"
	run -0 "$FDSEND" -w 5 -o /etc/hostname "$sock"
	recv_wait
	[ "$rstatus" -eq 0 ]
	read -r pid listen_pid fds names < <(head -n 1 out)
	[ "${pid#pid=}" = "${listen_pid#LISTEN_PID=}" ]
	[ "$fds" = LISTEN_FDS=1 ]
	[ "$names" = LISTEN_FDNAMES=unset ]
	grep -qx 'fd 3 /etc/hostname' out
}

@test "COMMAND has only stdio and its descriptors open" {
	recv_bg "$sock" -- sh -c "$show"
	"$FDSEND" -w 5 -o /etc/hostname -o /etc/passwd "$sock"
	recv_wait
	# The loop above lists /proc/self/fd of the shell running it: ls is not
	# involved, so what is open is exactly what COMMAND inherited.
	run -0 sed -n 's/^fd \([0-9]*\) .*/\1/p' out
	[ "$(echo $output)" = '0 1 2 3 4' ]
	grep -qx 'fd 4 /etc/passwd' out
}

@test "--fdname names the descriptors in LISTEN_FDNAMES" {
	recv_bg --fdname web:admin "$sock" -- sh -c 'echo "$LISTEN_FDNAMES"'
	"$FDSEND" -w 5 -f 0,1 "$sock"
	recv_wait
	[ "$(cat out)" = web:admin ]
}

@test "one --fdname name applies to every descriptor" {
	recv_bg --fdname web "$sock" -- sh -c 'echo "$LISTEN_FDNAMES"'
	"$FDSEND" -w 5 -f 0,1,2 "$sock"
	recv_wait
	[ "$(cat out)" = web:web:web ]
}

@test "COMMAND is not run when --fdname gives the wrong number of names" {
	recv_bg --fdname a:b "$sock" -- touch ran
	"$FDSEND" -w 5 -f 0,1,2 "$sock"
	recv_wait
	[ "$rstatus" -eq 1 ]
	[ ! -e ran ]
	grep -qx "fdrecv: $sock: --fdname gives 2 names for 3 descriptors; touch not run" err
}

@test "inherited LISTEN_ variables are removed before the new ones are set" {
	LISTEN_FDNAMES=stale LISTEN_PIDFDID=7 LISTEN_OTHER=x recv_bg "$sock" -- env
	"$FDSEND" -w 5 "$sock"
	recv_wait
	run -0 grep '^LISTEN_' out
	[ "$(echo $(printf '%s\n' "$output" | cut -d= -f1 | sort))" = 'LISTEN_FDS LISTEN_PID' ]
}

@test "the message is exported as FDRECV_MESSAGE" {
	recv_bg "$sock" -- sh -c 'printf %s "$FDRECV_MESSAGE"'
	"$FDSEND" -w 5 "$sock" 'hello there'
	recv_wait
	[ "$(cat out)" = 'hello there' ]
}

@test "a message with a NUL byte is exported hex-encoded as FDRECV_MESSAGE_HEX" {
	FDRECV_MESSAGE=stale recv_bg "$sock" -- sh -c 'echo "${FDRECV_MESSAGE-unset} $FDRECV_MESSAGE_HEX"'
	"$FDSEND" -w 5 -e "$sock" 'a\0b'
	recv_wait
	[ "$(cat out)" = 'unset 610062' ]
}

@test "--at places the descriptors at the numbers given" {
	recv_bg --at 7,5 "$sock" -- sh -c "$show"
	"$FDSEND" -w 5 -o /etc/hostname -o /etc/passwd "$sock"
	recv_wait
	grep -qx 'fd 7 /etc/hostname' out
	grep -qx 'fd 5 /etc/passwd' out
	run -0 sed -n 's/^fd \([0-9]*\) .*/\1/p' out
	[ "$(echo $output)" = '0 1 2 5 7' ]
}

@test "--at 0 replaces standard input" {
	recv_bg --at 0 "$sock" -- cat
	"$FDSEND" -w 5 -o /etc/hostname "$sock"
	recv_wait
	[ "$rstatus" -eq 0 ]
	cmp out /etc/hostname
}

@test "COMMAND is not run when --at gives the wrong number of positions" {
	recv_bg --at 3,4 "$sock" -- touch ran
	"$FDSEND" -w 5 -f 0 "$sock"
	recv_wait
	[ "$rstatus" -eq 1 ]
	[ ! -e ran ]
	grep -qx "fdrecv: $sock: --at gives 2 positions for 1 descriptors; touch not run" err
}

@test "fdrecv's exit status is COMMAND's" {
	recv_bg "$sock" -- sh -c 'exit 7'
	"$FDSEND" -w 5 "$sock"
	recv_wait
	[ "$rstatus" -eq 7 ]
}

@test "a COMMAND that is not found exits 127" {
	recv_bg "$sock" -- ./no-such-command
	"$FDSEND" -w 5 "$sock"
	recv_wait
	[ "$rstatus" -eq 127 ]
	grep -qx 'fdrecv: ./no-such-command: No such file or directory' err
}

@test "a COMMAND that cannot be run exits 126" {
	printf 'not a program\n' > notexec
	chmod 644 notexec
	recv_bg "$sock" -- ./notexec
	"$FDSEND" -w 5 "$sock"
	recv_wait
	[ "$rstatus" -eq 126 ]
	grep -qx 'fdrecv: ./notexec: Permission denied' err
}

@test "in place, COMMAND runs after fdrecv removed its socket file" {
	recv_bg "$sock" -- sh -c 'test -e "$0" && echo present || echo gone' "$sock"
	"$FDSEND" -w 5 "$sock"
	recv_wait
	[ "$(cat out)" = gone ]
}

@test "with -n 3 fdrecv runs one COMMAND per message, each with its descriptor" {
	recv_bg -n 3 "$sock" -- sh -c 'echo "$FDRECV_MESSAGE $(cat <&3) $LISTEN_PID" >> log; [ "$LISTEN_PID" = $$ ]'
	for i in 1 2 3; do echo "data$i" | "$FDSEND" -w 5 -f 0 "$sock" "msg$i"; done
	recv_wait
	[ "$rstatus" -eq 0 ]
	[ "$(cut -d' ' -f1,2 log | sort | tr '\n' ' ')" = 'msg1 data1 msg2 data2 msg3 data3 ' ]
	[ "$(cut -d' ' -f3 log | sort -u | wc -l)" -eq 3 ]
}

@test "a failed COMMAND is reported and the others still run, then fdrecv exits 1" {
	recv_bg -n 3 "$sock" -- sh -c 'echo "$FDRECV_MESSAGE" >> log; exit "$FDRECV_MESSAGE"'
	for i in 0 5 0; do "$FDSEND" -w 5 "$sock" "$i"; done
	recv_wait
	[ "$rstatus" -eq 1 ]
	[ "$(sort log | tr '\n' ' ')" = '0 0 5 ' ]
	grep -Eqx 'fdrecv: sh \(pid [0-9]+\) exited with status 5' err
	[ "$(wc -l < err)" -eq 1 ]
}

@test "fdrecv -n 0 with a COMMAND reports a failed child without waiting for the next peer" {
	recv_bg -n 0 "$sock" -- sh -c 'exit 3'
	"$FDSEND" -w 5 "$sock"
	for i in $(seq 500); do grep -q 'exited' err && break; sleep 0.01; done
	grep -Eqx 'fdrecv: sh \(pid [0-9]+\) exited with status 3' err
	kill -TERM "$rpid"
	recv_wait
	[ ! -e "$sock" ]
}

@test "fdrecv hands a received listening socket to a command that serves it" {
	need python3
	# A listening socket made elsewhere, passed by fdsend, served by fdrecv's COMMAND.
	python3 - "$FDSEND" "$sock" <<-'EOF' 3>&- &
	import os, socket, sys
	l = socket.socket(socket.AF_UNIX); l.bind("app.sock"); l.listen()
	os.set_inheritable(l.fileno(), True)
	os.execv(sys.argv[1], [sys.argv[1], "-w", "5", "-f", str(l.fileno()), sys.argv[2]])
	EOF
	spid=$!
	track "$spid"
	recv_bg "$sock" -- "$FDRECV" -p fd:3
	wait "$spid"
	"$FDSEND" -w 5 app.sock 'served by the child'
	recv_wait
	[ "$rstatus" -eq 0 ]
	[ "$(cat out)" = 'served by the child' ]
}

@test "systemd-socket-activate hands its socket to fdsend --listen-fds" {
	need systemd-socket-activate
	recv_bg -j "$sock"
	systemd-socket-activate -l "$BATS_TEST_TMPDIR/act.sock" --fdname=web \
		"$FDSEND" -w 5 --listen-fds "$sock" 'activated' 2>/dev/null 3>&- &
	apid=$!
	track "$apid"
	wait_socket act.sock
	# The first connection makes it start fdsend with the socket at 3.
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' act.sock
	wait "$apid"
	recv_wait
	[ "$(json_get out 'd["message"]')" = activated ]
	[ "$(json_get out 'd["fds"][0]["socket"]["listening"]')" = True ]
	[ "$(json_get out 'd["fds"][0]["socket"]["local"]')" = "$BATS_TEST_TMPDIR/act.sock" ]
}

@test "a restart hands the listening socket on with no connection refused" {
	need systemd-socket-activate
	# Generation 1 serves two requests, then passes its socket to generation 2.
	systemd-socket-activate -l "$BATS_TEST_TMPDIR/app.sock" \
		sh -c '"$0" -p -n 2 fd:3 >> served; "$1" -w 5 -f 3 upgrade.sock' "$FDRECV" "$FDSEND" \
		2>/dev/null 3>&- &
	g1=$!
	recv_bg upgrade.sock -- sh -c '"$0" -p -n 2 fd:3 >> served' "$FDRECV"
	"$FDSEND" -w 5 app.sock 'one;'
	# From here on, any refused connection fails the test: no -w.
	for i in two three four; do "$FDSEND" app.sock "$i;"; done
	wait "$g1"
	recv_wait
	[ "$rstatus" -eq 0 ]
	[ "$(cat served)" = 'one;two;three;four;' ]
}

@test "fdsend --listen-fds sends LISTEN_FDS descriptors from 3" {
	recv_bg -j "$sock"
	run -0 sh -c 'LISTEN_PID=$$ LISTEN_FDS=2 exec "$0" -w 5 --listen-fds "$1" 3</etc/hostname 4</etc/passwd' \
		"$FDSEND" "$sock"
	recv_wait
	[ "$(json_get out 'd["fds"][0]["path"]')" = /etc/hostname ]
	[ "$(json_get out 'd["fds"][1]["path"]')" = /etc/passwd ]
}

@test "fdsend --listen-fds refuses descriptors meant for another process" {
	run -1 --separate-stderr env LISTEN_PID=1 LISTEN_FDS=1 "$FDSEND" --listen-fds "$sock"
	[[ $stderr =~ ^fdsend:\ --listen-fds:\ LISTEN_PID=1\ is\ not\ this\ process\ \([0-9]+\)$ ]]
}

@test "fdsend --listen-fds fails when no service manager passed anything" {
	run -1 --separate-stderr env -u LISTEN_FDS "$FDSEND" --listen-fds "$sock"
	[ "$stderr" = 'fdsend: --listen-fds: LISTEN_FDS is not set' ]
}

@test "fdsend --listen-fds checks LISTEN_FDNAMES against LISTEN_FDS" {
	run -1 --separate-stderr sh -c \
		'LISTEN_PID=$$ LISTEN_FDS=2 LISTEN_FDNAMES=one exec "$0" --listen-fds "$1" 3<&0 4<&0' \
		"$FDSEND" "$sock"
	[ "$stderr" = 'fdsend: --listen-fds: LISTEN_FDNAMES has 1 names for 2 descriptors' ]
}

@test "the README's zero-downtime restart script runs and loses nothing" {
	need systemd-socket-activate
	readme_script 'A zero-downtime restart' > restart.sh
	grep -q 'systemd-socket-activate' restart.sh
	PATH=$(dirname "$FDSEND"):$(dirname "$FDRECV"):$PATH run -0 timeout 20 sh restart.sh 3>&-
	[ "$output" = 'one two three four ' ]
}

@test "the README's restart without systemd runs, and no connection is refused" {
	readme_script 'A zero-downtime restart without systemd' >restart.sh
	! grep -q systemd-socket-activate restart.sh
	PATH=$(dirname "$FDSEND"):$(dirname "$FDRECV"):$PATH run -0 timeout 30 sh restart.sh 3>&-
	[ "$output" = $'generation 1 on http\ngeneration 2 on http\nno connection refused' ]
}

@test "one --fdname name is fine for a message without descriptors" {
	recv_bg --fdname web "$sock" -- sh -c 'echo "$LISTEN_FDS ${LISTEN_FDNAMES-unset}"'
	"$FDSEND" -w 5 "$sock"
	recv_wait
	[ "$rstatus" -eq 0 ]
	[ "$(cat out)" = '0 unset' ]
}
