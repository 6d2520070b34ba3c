#!/usr/bin/env bats
# The README's examples run as printed and print what they show. Its shell
# sessions (indented blocks of "$ " lines) run here; the restart script
# runs in handoff.bats; the fd store's unit and script run under a real
# systemd in make check-systemd, as fdsend(1) gives them.

load test_helper
load examples

# Each shell session of the README: its commands to session.N, the lines
# it shows them print to session.N.out (none: no file). Says how many.
extract_sessions() {
	awk '
		/^    \$ / {
			if (!in_session) {
				n++
				in_session = 1
				printf "" > ("session." n)
			}
			print substr($0, 7) >> ("session." n)
			next
		}
		in_session && /^    / { print substr($0, 5) >> ("session." n ".out"); next }
		{ in_session = 0 }
		END { print n + 0 }
	' "$top/README.md"
}

@test "the README's shell sessions run as printed and print what they show" {
	need jq
	local n i shown=0
	n=$(extract_sessions)
	[ "$n" -ge 8 ]
	for ((i = 1; i <= n; i++)); do
		# make check-systemd runs the session of the fd store (below).
		grep -q '^systemctl ' "session.$i" && continue
		# As in a terminal: the shell waits for what it started.
		echo wait >>"session.$i"
		run_example "$PWD/session.$i" "run$i"
		[[ -e session.$i.out ]] && shown=$((shown + 1))
	done
	[ "$shown" -ge 6 ]
}

@test "the README's systemctl session is fdsend(1)'s, which make check-systemd runs" {
	local n i
	n=$(extract_sessions)
	for ((i = 1; i <= n; i++)); do
		grep -q '^systemctl ' "session.$i" && break
	done
	[ "$i" -le "$n" ]
	# Its commands, one a line, against the block fdsend(1) shows.
	tr ';' '\n' <"session.$i" | sed 's/^ *//; s/ *$//' >readme.commands
	awk '
		/^\.S[sh] / { in_ss = ($0 == ".Ss The systemd file descriptor store") }
		in_ss && /^\.Bd -literal/ { n++; inblock = (n == 3); next }
		inblock && /^\.Ed/ { exit }
		inblock { print }
	' "$top/man/fdsend.1" >man.commands
	diff -u man.commands readme.commands
	[ "$(cat "session.$i.out")" = 'started 3 times' ]
	grep -q '^.Ql started 3 times :$' "$top/man/fdsend.1"
}
