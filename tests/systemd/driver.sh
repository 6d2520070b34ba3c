#!/bin/sh
# fdpass-driver.service: the checks of make check-systemd, run by systemd
# as PID 1 of the container. One line per check, TAP-like, into
# /opt/out/log; the last line counts them. Losing a notification fails.
. /opt/fdpass/common.sh

mkdir -p /run/fdpass
log=/opt/out/log
: >"$log"
n=0
passed=0
failed=0

say() {
	echo "$*" | tee -a "$log"
}

check() {
	_name=$1
	shift
	n=$((n + 1))
	if "$@" >/run/fdpass/out 2>&1; then
		passed=$((passed + 1))
		say "ok $n - $_name"
	else
		failed=$((failed + 1))
		say "not ok $n - $_name"
		sed 's/^/# /' /run/fdpass/out | tee -a "$log"
	fi
}

status_of() {
	systemctl show -P StatusText "$1"
}

# expect WHAT GOT: say both when they differ.
expect() {
	[ "$1" = "$2" ] && return 0
	echo "expected: $1"
	echo "got:      $2"
	return 1
}

# Notifications systemd could not attribute to a unit so far.
lost() {
	journalctl --sync
	journalctl -b -o cat _PID=1 | grep -c 'Cannot find unit for notify message'
}

# store MODE: a fresh start of fdpass-store that stores for MODE, then a
# restart; what the restart was handed is in /run/fdpass/handed.
store() {
	systemctl stop fdpass-store
	echo "MODE=$1" >/run/fdpass/store.env
	systemctl start fdpass-store || return 1
	expect "" "$(cat /run/fdpass/handed)" || return 1
	systemctl restart fdpass-store
}

t_example() {
	expect "started 3 times" "$(sh -e /opt/app/commands)" || return 1
	systemctl stop app
	systemctl start app
	expect "started 1 times" "$(status_of app)"
	systemctl stop app
}

t_order() {
	store order || return 1
	expect "c:b:a c=c b=b a=a" "$(cat /run/fdpass/handed)"
}

t_again() {
	systemctl restart fdpass-store || return 1
	expect "c:b:a c=c b=b a=a" "$(cat /run/fdpass/handed)"
}

t_stop() {
	systemctl stop fdpass-store
	systemctl start fdpass-store || return 1
	expect "" "$(cat /run/fdpass/handed)"
}

t_duplicate() {
	store duplicate || return 1
	expect "one one=one" "$(cat /run/fdpass/handed)"
}

t_hangup() {
	store hangup || return 1
	expect "kept kept=kept" "$(cat /run/fdpass/handed)"
}

t_fdpoll() {
	store fdpoll || return 1
	expect "unpolled unpolled=unpolled" "$(cat /run/fdpass/handed)"
}

t_remove() {
	store remove || return 1
	expect "y y=y" "$(cat /run/fdpass/handed)"
}

t_many() {
	before=$(lost)
	store many || return 1
	want=$(i=40; while [ $i -ge 1 ]; do printf 'n%s:' $i; i=$((i - 1)); done)
	want=${want%:}
	got=$(cat /run/fdpass/handed)
	expect "$want" "${got%% *}" || return 1
	expect 40 "$(echo "$got" | tr ' ' '\n' | grep -c '^n\([0-9]*\)=n\1$')" || return 1
	expect "$before" "$(lost)"
}

t_status() {
	before=$(lost)
	echo OPTS= >/run/fdpass/status.env
	systemctl start fdpass-status || return 1
	expect done "$(status_of fdpass-status)" || return 1
	systemctl stop fdpass-status
	expect "$before" "$(lost)"
}

t_starts() {
	before=$(lost)
	bad=0
	i=1
	while [ "$i" -le 20 ]; do
		if ! systemctl start fdpass-ready; then
			echo "start $i: failed"
			bad=$((bad + 1))
		elif [ "$(status_of fdpass-ready)" != stored ]; then
			echo "start $i: $(status_of fdpass-ready)"
			bad=$((bad + 1))
		elif ! systemctl restart fdpass-ready; then
			echo "restart $i: failed"
			bad=$((bad + 1))
		elif [ "$(status_of fdpass-ready)" != "back db" ]; then
			echo "restart $i: $(status_of fdpass-ready)"
			bad=$((bad + 1))
		fi
		systemctl stop fdpass-ready
		i=$((i + 1))
	done
	expect 0 "$bad" || return 1
	expect "$before" "$(lost)"
}

t_relay() {
	systemctl start --no-block fdpass-relay
	bottle hi
	exec 4<&3
	bottle bye
	fdsend -w 10 -f 4,3 /run/fdpass/relay.sock hello
	exec 3>&- 4>&-
	i=0
	while [ "$(systemctl show -P SubState fdpass-relay)" != exited ]; do
		i=$((i + 1))
		[ "$i" -lt 200 ] || { systemctl status fdpass-relay; return 1; }
		sleep 0.05
	done
	expect "stored hello" "$(status_of fdpass-relay)" || return 1
	systemctl restart fdpass-relay || return 1
	got=$(status_of fdpass-relay | tr ' ' '\n' | sort | tr '\n' ' ')
	systemctl stop fdpass-relay
	expect "back farewell=bye greeting=hi " "$got"
}

# Not a check: what the barrier prevents, measured the same way.
without_barrier() {
	before=$(lost)
	rm -f /run/fdpass/sent
	echo OPTS=--no-barrier >/run/fdpass/status.env
	systemctl start --no-block fdpass-status
	i=0
	while [ ! -e /run/fdpass/sent ] && [ "$i" -lt 400 ]; do
		i=$((i + 1))
		sleep 0.05
	done
	sleep 0.5
	say "# without the barrier, systemd could not attribute $(($(lost) - before)) of 301 notifications"
	systemctl stop fdpass-status
}

say "# systemd $(systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p') as PID 1"
check "the fd store example of fdsend(1) runs: restarts count up, a stop starts again at 1" t_example
check "a restart hands every stored descriptor back, newest first, the content read through each" t_order
check "a second restart hands them all back again" t_again
check "a stop closes the store: the next start is handed nothing" t_stop
check "an open file stored twice is kept once, under its first name" t_duplicate
check "a stored pipe whose writer has gone is dropped" t_hangup
check "a stored pipe whose writer has gone is kept with FDPOLL=0" t_fdpoll
check "FDSTOREREMOVE=1 closes what was stored under its FDNAME" t_remove
check "40 descriptors stored by 40 fdsend children all come back, none lost" t_many
check "300 STATUS= then READY=1 from children of the main process: none lost" t_status
check "20 starts and restarts storing from children: READY=1 and the descriptor never lost" t_starts
check "fdrecv -- COMMAND takes descriptors in, fdsend --listen-fds --notify stores them, a restart gives them back" t_relay
without_barrier

say "$passed passed, $failed failed"
if [ "$failed" -ne 0 ]; then
	journalctl -b --no-pager >/opt/out/journal 2>&1
	exit 1
fi
