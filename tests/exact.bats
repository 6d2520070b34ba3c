#!/usr/bin/env bats
# What arrives is what was sent, and a peer is never guessed: sockets
# inherited from the real systemd-socket-activate, whatever their type,
# with datagrams queued before fdrecv ran; and the exact bytes of a
# message whatever the number of its descriptors.

load test_helper

# Start systemd-socket-activate on ./KIND.sock (dgram or seqpacket), to run
# fdrecv with ARGS on its socket once something arrives; fdrecv's output
# goes to ./out and ./err, and $rpid is the pid that becomes fdrecv.
activate() {
	need systemd-socket-activate
	local kind=$1
	shift
	systemd-socket-activate "--$kind" -l "$BATS_TEST_TMPDIR/$kind.sock" \
		"$FDRECV" "$@" >out 2>err 3>&- &
	rpid=$!
	wait_socket "$kind.sock"
}

# systemd-socket-activate's own lines, which go to the same err.
fdrecv_err() {
	grep '^fdrecv:' err || true
}

@test "a datagram queued before fdrecv ran has unknown credentials in the report" {
	activate datagram -t dgram -n 1 fd:3
	"$FDSEND" -o /etc/hostname datagram.sock 'from before'
	recv_wait
	[ "$rstatus" -eq 0 ]
	run -0 cat out
	[ "${lines[0]}" = 'peer: unknown' ]
	[ "${lines[1]}" = 'message: "from before" (11 bytes)' ]
	[[ ${lines[2]} == 'fd 4 [0]: file /etc/hostname, r, offset 0, size '* ]]
}

@test "a datagram queued before fdrecv ran has no peer in the JSON" {
	activate datagram -t dgram -j -n 1 fd:3
	"$FDSEND" -o /etc/hostname datagram.sock 'from before'
	recv_wait
	[ "$rstatus" -eq 0 ]
	[ "$(json_get out '"peer" in d')" = False ]
	[ "$(json_get out 'd["message"]')" = 'from before' ]
}

@test "--allow-uid refuses a datagram queued before fdrecv ran, as unknown, and takes the next" {
	activate datagram -t dgram -j -n 1 --allow-uid "$(id -u)" fd:3
	"$FDSEND" -o /etc/hostname datagram.sock 'from before'
	# Refused as unknown, not as the overflow uid: then SO_PASSCRED is on.
	wait_for err 'refused a peer with unknown credentials'
	"$FDSEND" -o /etc/hostname datagram.sock 'after'
	recv_wait
	[ "$rstatus" -eq 0 ]
	[ "$(fdrecv_err)" = 'fdrecv: fd:3: refused a peer with unknown credentials (--allow-uid or --allow-gid); closed its descriptor' ]
	[ "$(json_get out 'd["message"]')" = after ]
	[ "$(json_get out 'd["peer"]["uid"]')" = "$(id -u)" ]
	[ "$(json_get out 'd["peer"]["pid"] > 0')" = True ]
}

@test "--allow-uid nobody does not take root's queued datagram for nobody's" {
	[[ $EUID -eq 0 ]] || skip "needs root to send as another user (setpriv)"
	need setpriv
	need systemd-socket-activate
	nobody=$(getent passwd 65534 | cut -d: -f1)
	[[ -n $nobody ]] || skip "no name for uid 65534"
	# A directory and a socket file that uid 65534 can reach.
	dir=$(mktemp -d /tmp/fdpass-exact.XXXXXX)
	tmpdirs+=("$dir")
	chmod 755 "$dir"
	cp "$FDSEND" "$dir/fdsend"
	systemd-socket-activate --datagram -l "$dir/dg.sock" \
		"$FDRECV" -t dgram -j -n 1 --allow-uid "$nobody" fd:3 >out 2>err 3>&- &
	rpid=$!
	wait_socket "$dir/dg.sock"
	chmod 666 "$dir/dg.sock"
	"$FDSEND" -o /etc/hostname "$dir/dg.sock" 'from root'
	wait_for err 'refused a peer with unknown credentials'
	run -0 --separate-stderr timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$dir/fdsend" -o /etc/hostname "$dir/dg.sock" 'from nobody'
	recv_wait
	[ "$rstatus" -eq 0 ]
	[ "$(wc -l <out)" -eq 1 ]
	[ "$(json_get out 'd["message"]')" = 'from nobody' ]
	[ "$(json_get out 'd["peer"]["uid"]')" = 65534 ]
}

@test "fdrecv -n 2 fd:3 on systemd-socket-activate --datagram takes the datagram that started it and the next" {
	activate datagram -n 2 -p fd:3
	"$FDSEND" datagram.sock 'one;'
	"$FDSEND" datagram.sock 'two;'
	recv_wait
	[ "$rstatus" -eq 0 ]
	[ "$(cat out)" = 'one;two;' ]
	[ -z "$(fdrecv_err)" ]
}

@test "fdrecv -n 2 fd:3 on systemd-socket-activate --seqpacket serves the connection that started it and the next" {
	activate seqpacket -n 2 -j fd:3
	"$FDSEND" -t seqpacket seqpacket.sock one
	"$FDSEND" -t seqpacket seqpacket.sock two
	recv_wait
	[ "$rstatus" -eq 0 ]
	run -0 python3 -c '
import json
print(" ".join(sorted(json.loads(l)["message"] for l in open("out"))))'
	[ "$output" = 'one two' ]
	[ -z "$(fdrecv_err)" ]
}

@test "fdrecv -t on an inherited socket only has to agree with its type" {
	activate datagram -t stream -n 1 -p fd:3
	"$FDSEND" datagram.sock lost
	recv_wait
	[ "$rstatus" -eq 1 ]
	[ "$(fdrecv_err)" = 'fdrecv: fd:3: not a stream socket' ]
}

@test "600 descriptors with the message hi reach COMMAND as FDRECV_MESSAGE=hi" {
	recv_bg "$sock" -- sh -c 'echo "$LISTEN_FDS ${FDRECV_MESSAGE-unset} ${FDRECV_MESSAGE_HEX-unset}"'
	"$FDSEND" -w 5 -f "$(repeat_fd 0 600)" "$sock" hi </dev/null
	recv_wait
	[ "$rstatus" -eq 0 ]
	[ "$(cat out)" = '600 hi unset' ]
}

@test "fdrecv -p writes exactly hi for hi with 1000 descriptors" {
	recv_bg -p --expect 1000 "$sock"
	"$FDSEND" -w 5 -f "$(repeat_fd 0 1000)" "$sock" hi </dev/null
	recv_wait
	[ "$rstatus" -eq 0 ]
	printf hi >expected
	cmp out expected
}

@test "every number of descriptors from 0 to 1012 carries a short message exactly" {
	# Around each multiple of 253, where the batches change; one receiver
	# for all, and fdsend returns once it has handled each.
	recv_bg -j -n 40 "$sock"
	wait_socket "$sock"
	for n in 0 1 252 253 254 506 507 759 760 1012; do
		for msg in '' a hi abc; do
			fds=
			((n == 0)) || fds=$(repeat_fd 0 "$n")
			"$FDSEND" ${fds:+-f "$fds"} "$sock" "$msg" </dev/null
			printf '%s:%s\n' "$n" "$msg" >>expected
		done
	done
	recv_wait
	[ "$rstatus" -eq 0 ]
	# Each message as NUMBER:MESSAGE, as sent.
	python3 -c '
import json
got = ["%d:%s" % (len(d["fds"]), d["message"]) for d in map(json.loads, open("out"))]
assert got == open("expected").read().splitlines(), got
'
}
