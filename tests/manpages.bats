#!/usr/bin/env bats
# The man pages are the final word: they lint clean, their SYNOPSIS is
# what usage() prints, every option is documented, and their EXAMPLES run.

load test_helper
load examples

# The EXAMPLES literal blocks of a page, with the mdoc escapes undone: each
# script to example.N, and the block that follows a paragraph ending in
# "prints:", which shows what it prints, to example.N.out. Says how many
# scripts.
extract_examples() {
	awk -v prefix="$2" '
		/^\.Sh / { in_ex = ($2 == "EXAMPLES") }
		!in_ex { next }
		/^\.Bd -literal/ {
			if (prints)
				file = prefix "." n ".out"
			else
				file = prefix "." ++n
			printf "" > file; inblock = 1; prints = 0; next
		}
		inblock && /^\.Ed/ { inblock = 0; close(file); next }
		inblock {
			gsub(/\\e/, "\\"); gsub(/\\&/, ""); gsub(/\\-/, "-")
			print >> file
			next
		}
		/^[^.]/ { prints = /prints:$/ }
		END { print n + 0 }
	' "$1"
}

# Options as -h shows them, and as the man page lists them.
help_options() {
	"$1" -h | grep -oE -- '(^|[ ,])--?[A-Za-z][-a-z]*' | sed 's/^[ ,]*//' | sort -u
}
man_options() {
	grep '^\.It Fl ' "$1" | grep -oE 'Fl [^ ]+' | sed 's/^Fl /-/' | sort -u
}
# Each option of -h with its other name, if any: "-f --fd", "--notify".
help_pairs() {
	"$1" -h | sed -nE 's/^  (-[A-Za-z]), (--[a-z-]+).*/\1 \2/p; s/^      (--[a-z-]+).*/\1/p'
}

@test "the man pages pass mandoc -Tlint -Wwarning" {
	need mandoc
	run -0 mandoc -Tlint -Wwarning "$top/man/fdsend.1" "$top/man/fdrecv.1"
	[ -z "$output" ]
}

@test "fdsend(1)'s SYNOPSIS is what fdsend's usage says" {
	need mandoc
	page=$(mandoc -Tascii "$top/man/fdsend.1" | col -b | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d')
	run -2 --separate-stderr "$FDSEND"
	[ "$(echo $page)" = "$(echo ${stderr#usage: })" ]
}

@test "fdrecv(1)'s SYNOPSIS is what fdrecv's usage says" {
	need mandoc
	page=$(mandoc -Tascii "$top/man/fdrecv.1" | col -b | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d')
	run -2 --separate-stderr "$FDRECV"
	[ "$(echo $page)" = "$(echo ${stderr#usage: })" ]
}

@test "every option of -h is in the man page and the other way round" {
	for prog in fdsend fdrecv; do
		bin=$FDSEND
		[ "$prog" = fdrecv ] && bin=$FDRECV
		diff <(help_options "$bin") <(man_options "$top/man/$prog.1")
	done
}

@test "every option of both programs is used by a test" {
	for bin in "$FDSEND" "$FDRECV"; do
		while read -r short long; do
			grep -qE -- "(^|[ '\"])($short|${long:-$short})([ '\"=]|\$)" "$top"/tests/*.bats ||
				{ echo "no test uses $(basename "$bin") $short $long"; return 1; }
		done < <(help_pairs "$bin")
	done
}

@test "the EXAMPLES of fdsend(1) run" {
	run_examples "$top/man/fdsend.1"
}

@test "the EXAMPLES of fdrecv(1) run" {
	run_examples "$top/man/fdrecv.1"
}

run_examples() {
	local n i shown=0
	n=$(extract_examples "$1" example)
	[ "$n" -ge 3 ]
	for ((i = 1; i <= n; i++)); do
		if grep -q systemd-socket-activate "example.$i" && ! command -v systemd-socket-activate >/dev/null; then
			continue
		fi
		run_example "$PWD/example.$i" "ex$i"
		[ -s "ex$i/out" ] || { echo "example $i printed nothing"; return 1; }
		[[ -e example.$i.out ]] && shown=$((shown + 1))
	done
	# The harness finds what the page shows.
	[ "$shown" -ge 3 ]
}

# What the sample report of fdrecv(1) and a real one may differ in beyond
# normalize: the port, and a timer's state.
normalize_sample() {
	normalize | sed -E -e 's/(local 0\.0\.0\.0):[0-9]+/\1:P/' \
		-e 's/remaining [0-9.]+s, (interval [0-9.]+s), ticks [0-9]+/remaining T, \1/'
}

@test "fdrecv(1)'s sample report is what fdrecv prints for such a message" {
	need python3
	awk '
		/^\.Ss / { in_ss = ($0 == ".Ss The report") }
		in_ss && /^\.Bd -literal/ { inblock = 1; next }
		inblock && /^\.Ed/ { exit }
		inblock { print }
	' "$top/man/fdrecv.1" >shown
	grep -q '^fd 5 \[0\]: ' shown
	# As from a terminal: with nothing open but 0, 1 and 2.
	(close_fds && exec "$FDRECV" "$sock" >out 2>err) &
	rpid=$!
	# Each descriptor the sample shows, made as it says.
	python3 -c '
import ctypes, fcntl, os, socket, sys
h = os.open("/etc/hostname", os.O_RDONLY)
fcntl.flock(h, fcntl.LOCK_SH)
r, w = os.pipe()
l = socket.socket(socket.AF_INET)
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
l.bind(("0.0.0.0", 0))
l.listen()
e = os.eventfd(0, os.EFD_NONBLOCK)
libc = ctypes.CDLL(None, use_errno=True)
class ts(ctypes.Structure):
    _fields_ = [("s", ctypes.c_long), ("ns", ctypes.c_long)]
class its(ctypes.Structure):
    _fields_ = [("interval", ts), ("value", ts)]
t = libc.timerfd_create(1, 0)  # CLOCK_MONOTONIC
assert libc.timerfd_settime(t, 0, ctypes.byref(its(ts(1, 0), ts(60, 0))), None) == 0
m = os.memfd_create("state", os.MFD_ALLOW_SEALING)
os.ftruncate(m, 4096)
fcntl.fcntl(m, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW)
fds = [h, w, l.fileno(), e, t, m]
for fd in fds:
    os.set_inheritable(fd, True)
os.execv(sys.argv[1], [sys.argv[1], "-w", "5", "-f", ",".join(map(str, fds)), sys.argv[2], "hello"])
' "$FDSEND" "$sock" 3>&-
	recv_wait
	[ "$rstatus" -eq 0 ]
	diff -u <(normalize_sample <shown) <(normalize_sample <out)
}
