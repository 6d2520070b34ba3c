#!/bin/sh
# make check-systemd: boot systemd as PID 1 of a container on this
# machine's own /usr (systemd-nspawn --volatile=yes), and check fdsend and
# fdrecv against its notify socket and fd store. The checks run inside, in
# fdpass-driver.service (driver.sh); the fd store example of fdsend(1) runs
# there unchanged. Everything made here is removed on exit, also when
# interrupted: the container's processes, its cgroups, its files under
# /run, and the scratch directory.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
FDSEND=${FDSEND:-$top/fdsend}
FDRECV=${FDRECV:-$top/fdrecv}
TIMEOUT=${CHECK_SYSTEMD_TIMEOUT:-300}

if [ "$(id -u)" -ne 0 ]; then
	echo "check-systemd: skipped: systemd-nspawn needs root, and this is uid $(id -u)"
	exit 0
fi
command -v systemd-nspawn >/dev/null 2>&1 || {
	echo "check-systemd: systemd-nspawn not found (Debian: apt-get install --no-install-recommends systemd-container)" >&2
	exit 1
}
[ -x /lib/systemd/systemd ] || {
	echo "check-systemd: /lib/systemd/systemd not found: systemd is not installed" >&2
	exit 1
}

machine=fdpass-check-$$
work=
cgroups=
made_run=
pid=

# Kill what is left in a cgroup and below, then remove it, deepest first.
remove_cgroup() {
	[ -d "$1" ] || return 0
	[ -f "$1/cgroup.kill" ] && echo 1 >"$1/cgroup.kill" 2>/dev/null || true
	for i in $(seq 100); do
		procs=$(find "$1" -name cgroup.procs -exec cat {} + 2>/dev/null)
		[ -z "$procs" ] && break
		kill -KILL $procs 2>/dev/null || true
		sleep 0.05
	done
	find "$1" -depth -type d -exec rmdir {} + 2>/dev/null || true
	[ ! -d "$1" ] || echo "check-systemd: could not remove cgroup $1" >&2
}

cleanup() {
	status=$?
	trap - EXIT INT TERM HUP
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for i in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	[ -z "$pid" ] || wait "$pid" 2>/dev/null || true
	for cg in $cgroups; do
		remove_cgroup "$cg"
	done
	# nspawn leaves a directory per machine under /run/systemd/nspawn;
	# the directories themselves go only if this run made them.
	rm -rf "/run/systemd/nspawn/propagate/$machine"
	for d in $made_run; do
		rmdir "$d" 2>/dev/null || true
	done
	[ -z "$work" ] || rm -rf "$work"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

for d in /run/systemd/nspawn-root /run/systemd/nspawn/propagate /run/systemd/nspawn; do
	[ -e "$d" ] || made_run="$made_run $d"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/fdpass-systemd.XXXXXX")
mkdir "$work/units" "$work/fdpass" "$work/fdpass/bin" "$work/app" "$work/out"
cp "$FDSEND" "$FDRECV" "$work/fdpass/bin/"
cp "$top"/tests/systemd/*.sh "$work/fdpass/"
cp "$top"/tests/systemd/units/* "$work/units/"
# An empty /etc: firstboot would wait for someone to type a locale.
ln -s /dev/null "$work/units/systemd-firstboot.service"

# The fd store example of fdsend(1), as the page has it: the unit, then
# the script its ExecStart names.
awk -v units="$work/units" -v app="$work/app" '
	/^\.S[sh] / { in_ss = ($0 == ".Ss The systemd file descriptor store") }
	in_ss && /^\.Bd -literal/ { n++; inblock = 1; next }
	inblock && /^\.Ed/ { inblock = 0; next }
	inblock {
		gsub(/\\e/, "\\"); gsub(/\\&/, ""); gsub(/\\-/, "-")
		print > (n == 1 ? units "/app.service" : n == 2 ? app "/start" : app "/commands")
	}
' "$top/man/fdsend.1"
for f in "$work/units/app.service" "$work/app/start" "$work/app/commands"; do
	[ -s "$f" ] || { echo "check-systemd: fdsend(1) has no fd store example for $(basename "$f")" >&2; exit 1; }
done
chmod +x "$work/app/start"
# The README shows the same unit and script.
awk -v dir="$work" '
	/^### / { in_sec = ($0 == "### The systemd file descriptor store") }
	in_sec && /^```(ini|shell)$/ { file = dir "/readme." substr($0, 4); inblock = 1; next }
	inblock && /^```$/ { inblock = 0; next }
	inblock { print > file }
' "$top/README.md"
cmp -s "$work/readme.ini" "$work/units/app.service" && cmp -s "$work/readme.shell" "$work/app/start" || {
	echo "check-systemd: README.md's fd store example is not the one in fdsend(1)" >&2
	exit 1
}

# nspawn puts the container's cgroups under the one it starts in. Where
# systemd is PID 1 it makes a scope of its own; elsewhere it gets one here.
if [ -d /run/systemd/system ]; then
	keep=
else
	keep=--keep-unit
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		roots=/sys/fs/cgroup
	else
		roots="/sys/fs/cgroup/unified /sys/fs/cgroup/systemd"
	fi
	for r in $roots; do
		[ -d "$r" ] || continue
		mkdir "$r/$machine"
		cgroups="$cgroups $r/$machine"
	done
fi

echo "check-systemd: booting systemd $(/lib/systemd/systemd --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p') in a container"
# The start: into those cgroups first, then nspawn, bounded in time.
sh -c 'cgs=$1; shift; for cg in $cgs; do echo $$ >"$cg/cgroup.procs" || exit 1; done; exec "$@"' \
	sh "$cgroups" timeout -k 10 "$TIMEOUT" systemd-nspawn --quiet --directory=/ --volatile=yes \
	--register=no $keep --machine="$machine" \
	--bind-ro="$work/units:/etc/systemd/system" \
	--bind-ro="$work/fdpass:/opt/fdpass" \
	--bind-ro="$work/app:/opt/app" \
	--bind="$work/out:/opt/out" \
	--boot systemd.unit=fdpass-check.target \
	systemd.setenv=PATH=/opt/fdpass/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	>"$work/console" 2>&1 </dev/null &
pid=$!
rc=0
wait "$pid" || rc=$?
pid=

if [ -s "$work/out/log" ]; then
	cat "$work/out/log"
fi
if [ "$rc" -ne 0 ] || ! grep -q '^[0-9]* passed, 0 failed$' "$work/out/log" 2>/dev/null; then
	echo "check-systemd: failed (container exit status $rc); its console ends with:" >&2
	tail -n 40 "$work/console" >&2
	[ ! -s "$work/out/journal" ] || {
		echo "check-systemd: and its journal with:" >&2
		tail -n 60 "$work/out/journal" >&2
	}
	exit 1
fi
