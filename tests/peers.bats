#!/usr/bin/env bats
# Peer checks: --allow-uid and --allow-gid, against a sender run as
# another user (uid and gid 65534) with setpriv. Needs root.
load test_helper

need_root() {
	[[ $EUID -eq 0 ]] || skip "needs root to run a sender as another user (setpriv)"
	need setpriv
}

# The unprivileged sender needs a directory it can search, and its own copy
# of fdsend (the build directory may be closed to it): $sdir, with the
# socket at $ssock.
setup_shared() {
	need_root
	sdir=$(mktemp -d /tmp/fdpass-peers.XXXXXX)
	chmod 755 "$sdir"
	tmpdirs+=("$sdir")
	cp "$FDSEND" "$sdir/fdsend"
	ssock=$sdir/s.sock
}

# A command prefix that runs the rest as uid and gid 65534, no other groups.
as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)

name_of_uid() {
	getent passwd "$1" | cut -d: -f1
}

name_of_gid() {
	getent group "$1" | cut -d: -f1
}

# The scenario of a refused peer, on socket type $1 with fdrecv options
# from $2 on: fdrecv (-n 1) is stopped while uid 65534 sends it the write
# end of a pipe, so that the descriptor is surely in flight when fdrecv
# looks at the peer; then fdrecv goes on. Leaves: $spid (the refused
# sender), $sstatus, $catpid (a reader of the pipe, bounded by timeout),
# $before (fdrecv's descriptors before), and fdrecv running as $rpid.
refused_peer() {
	local type=$1
	shift
	mkfifo "$sdir/pipe"
	"$FDRECV" -t "$type" -m 777 "$@" "$ssock" >out 2>err 3>&- &
	rpid=$!
	wait_socket "$ssock"
	before=$(fd_list "$rpid")
	timeout 10 cat "$sdir/pipe" >from-pipe 3>&- &
	catpid=$!
	track "$catpid"
	kill -STOP "$rpid"
	# The sender writes its pid, which exec keeps through to fdsend. On a
	# stream it then waits for fdrecv to take its message: it has sent.
	timeout 10 bash -c 'echo $$ >"$0" && exec "$@"' sender.pid \
		"${as_nobody[@]}" "$sdir/fdsend" -t "$type" -f 5 "$ssock" refused \
		5>"$sdir/pipe" 2>sender.err 3>&- &
	sjob=$!
	track "$sjob"
	wait_for sender.pid .
	spid=$(cat sender.pid)
	if [[ $type == dgram ]]; then
		wait "$sjob" || true
	else
		wait_delivering "$spid"
	fi
	kill -CONT "$rpid"
	sstatus=0
	wait "$sjob" || sstatus=$?
	wait_for err refused
}

@test "a stream peer refused by --allow-uid gets a warning naming its pid and uid" {
	setup_shared
	refused_peer stream --allow-uid 0
	[[ $sstatus -eq 1 ]]
	grep -q "pid $spid" err
	grep -q "uid 65534" err
	kill -0 "$rpid" # not counted: still waiting for a peer
}

@test "a stream peer refused by --allow-uid has its descriptors closed" {
	setup_shared
	refused_peer stream --allow-uid 0
	[[ $sstatus -eq 1 ]]
	# The only writer of the pipe was the copy in flight to fdrecv: the
	# reader sees EOF once fdrecv closed it (and times out otherwise).
	cstatus=0
	wait "$catpid" || cstatus=$?
	[[ $cstatus -eq 0 ]]
	[[ $(fd_list "$rpid") == "$before" ]]
}

@test "after a refused stream peer fdrecv serves the next allowed one" {
	setup_shared
	refused_peer stream --allow-uid 0
	run -0 timeout 10 "$FDSEND" -o /etc/hostname "$ssock" allowed
	recv_wait
	[[ $rstatus -eq 0 ]]
	grep -q '^message: "allowed"' out
	grep -q 'uid 0,' out
	! grep -q refused out
	! grep -q 65534 out
}

@test "a stream sender refused by --allow-uid is told why and exits 1" {
	setup_shared
	refused_peer stream --allow-uid 0
	[[ $sstatus -eq 1 ]]
	[[ $(cat sender.err) == "fdsend: $ssock: the receiver refused the message: not allowed by --allow-uid or --allow-gid" ]]
}

@test "a dgram peer refused by --allow-uid gets a warning naming its pid and uid" {
	setup_shared
	refused_peer dgram --allow-uid 0
	[[ $sstatus -eq 0 ]]
	grep -q "pid $spid" err
	grep -q "uid 65534" err
	kill -0 "$rpid"
}

@test "a dgram peer refused by --allow-uid has its descriptors closed" {
	setup_shared
	refused_peer dgram --allow-uid 0
	[[ $sstatus -eq 0 ]]
	cstatus=0
	wait "$catpid" || cstatus=$?
	[[ $cstatus -eq 0 ]]
	[[ $(fd_list "$rpid") == "$before" ]]
}

@test "after a refused dgram peer fdrecv serves the next allowed one" {
	setup_shared
	refused_peer dgram --allow-uid 0
	run -0 timeout 10 "$FDSEND" -t dgram -o /etc/hostname "$ssock" allowed
	recv_wait
	[[ $rstatus -eq 0 ]]
	grep -q '^message: "allowed"' out
	grep -q 'uid 0,' out
	! grep -q refused out
}

@test "a stream peer refused by --allow-gid gets a warning naming its pid and uid" {
	setup_shared
	refused_peer stream --allow-gid 0
	[[ $sstatus -eq 1 ]]
	grep -q "pid $spid uid 65534" err
	kill -0 "$rpid"
}

@test "a stream peer refused by --allow-gid has its descriptors closed" {
	setup_shared
	refused_peer stream --allow-gid 0
	[[ $sstatus -eq 1 ]]
	cstatus=0
	wait "$catpid" || cstatus=$?
	[[ $cstatus -eq 0 ]]
	[[ $(fd_list "$rpid") == "$before" ]]
}

@test "a dgram peer refused by --allow-gid gets a warning naming its pid and uid" {
	setup_shared
	refused_peer dgram --allow-gid 0
	[[ $sstatus -eq 0 ]]
	grep -q "pid $spid uid 65534" err
	kill -0 "$rpid"
}

@test "a dgram peer refused by --allow-gid has its descriptors closed" {
	setup_shared
	refused_peer dgram --allow-gid 0
	[[ $sstatus -eq 0 ]]
	cstatus=0
	wait "$catpid" || cstatus=$?
	[[ $cstatus -eq 0 ]]
	[[ $(fd_list "$rpid") == "$before" ]]
}

@test "after a peer refused by --allow-gid fdrecv serves the next allowed one" {
	setup_shared
	refused_peer stream --allow-gid 0
	run -0 timeout 10 "$FDSEND" "$ssock" allowed
	recv_wait
	[[ $rstatus -eq 0 ]]
	grep -q '^message: "allowed"' out
	grep -Eq 'gid 0(, |$)' out
}

@test "--allow-uid and --allow-gid take names as well as numbers" {
	setup_shared
	user=$(name_of_uid 0)
	group=$(name_of_gid 0)
	[[ -n $user && -n $group ]] || skip "no names for uid and gid 0"
	refused_peer stream --allow-uid "$user" --allow-gid "$group"
	grep -q "uid 65534" err
	run -0 timeout 10 "$FDSEND" "$ssock" allowed
	recv_wait
	[[ $rstatus -eq 0 ]]
	grep -q '^message: "allowed"' out
}

@test "--allow-uid is repeatable: a peer matching any of them is accepted" {
	setup_shared
	nobody=$(name_of_uid 65534)
	[[ -n $nobody ]] || skip "no name for uid 65534"
	"$FDRECV" -j -m 777 --allow-uid 12345 --allow-uid "$nobody" "$ssock" >out 2>err 3>&- &
	rpid=$!
	run -0 timeout 10 "${as_nobody[@]}" "$sdir/fdsend" -w 5 -o /etc/hostname "$ssock" accepted
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(json_get out 'd["message"]') == accepted ]]
	[[ $(json_get out 'd["peer"]["uid"]') == 65534 ]]
	[[ $(json_get out 'len(d["fds"])') == 1 ]]
}

@test "--allow-gid is repeatable: a peer matching any of them is accepted" {
	setup_shared
	"$FDRECV" -j -m 777 --allow-gid 12345 --allow-gid 65534 "$ssock" >out 2>err 3>&- &
	rpid=$!
	run -0 timeout 10 "${as_nobody[@]}" "$sdir/fdsend" -w 5 -o /etc/hostname "$ssock" accepted
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(json_get out 'd["message"]') == accepted ]]
	[[ $(json_get out 'd["peer"]["gid"]') == 65534 ]]
}

@test "a peer whose gid matches --allow-gid is accepted though its uid is not in --allow-uid" {
	setup_shared
	"$FDRECV" -j -m 777 --allow-uid 0 --allow-gid 65534 "$ssock" >out 2>err 3>&- &
	rpid=$!
	run -0 timeout 10 "${as_nobody[@]}" "$sdir/fdsend" -w 5 -o /etc/hostname "$ssock" by-gid
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(json_get out 'd["message"]') == by-gid ]]
	[[ ! -s err ]]
}

@test "a peer whose uid matches --allow-uid is accepted though its gid is not in --allow-gid" {
	setup_shared
	"$FDRECV" -j -m 777 --allow-uid 65534 --allow-gid 0 "$ssock" >out 2>err 3>&- &
	rpid=$!
	run -0 timeout 10 "${as_nobody[@]}" "$sdir/fdsend" -w 5 -o /etc/hostname "$ssock" by-uid
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(json_get out 'd["message"]') == by-uid ]]
	[[ ! -s err ]]
}

@test "a dgram peer whose gid matches --allow-gid is accepted, by its SCM_CREDENTIALS" {
	setup_shared
	"$FDRECV" -t dgram -j -m 777 --allow-uid 0 --allow-gid 65534 "$ssock" >out 2>err 3>&- &
	rpid=$!
	run -0 timeout 10 "${as_nobody[@]}" "$sdir/fdsend" -t dgram -w 5 -o /etc/hostname "$ssock" by-gid
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(json_get out 'd["message"]') == by-gid ]]
	[[ $(json_get out 'd["peer"]["uid"]') == 65534 ]]
	[[ $(json_get out 'len(d["fds"])') == 1 ]]
}

@test "a refused peer's datagram cut short at the open-files limit does not end a -n 1 run" {
	setup_shared
	# fdrecv can hold 32 descriptors; the refused peer sends 253.
	(ulimit -n 32 && exec "$FDRECV" -t dgram -m 777 --allow-uid 0 "$ssock" -- sh -c 'echo "ran with $LISTEN_FDS"') >out 2>err 3>&- &
	rpid=$!
	wait_socket "$ssock"
	run -0 timeout 10 "${as_nobody[@]}" "$sdir/fdsend" -t dgram -f "$(repeat_fd 0 253)" "$ssock" big </dev/null
	wait_for err 'dropped descriptors'
	kill -0 "$rpid"
	run -0 timeout 10 "$FDSEND" -t dgram -o /etc/hostname "$ssock" mine
	recv_wait
	[[ $rstatus -eq 0 ]]
	[[ $(cat out) == 'ran with 1' ]]
}
