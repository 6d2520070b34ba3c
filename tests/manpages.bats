#!/usr/bin/env bats
# The man pages are the final word: they lint clean, their SYNOPSIS is
# what usage() prints, every option is documented, and their EXAMPLES run.

load test_helper

# The lines of the EXAMPLES literal blocks of a page, one script per block,
# with the mdoc escapes undone, written to example.N files.
extract_examples() {
	awk -v prefix="$2" '
		/^\.Sh / { in_ex = ($2 == "EXAMPLES") }
		in_ex && /^\.Bd -literal/ { n++; file = prefix "." n; printf "" > file; inblock = 1; next }
		inblock && /^\.Ed/ { inblock = 0; close(file); next }
		inblock {
			gsub(/\\e/, "\\"); gsub(/\\&/, ""); gsub(/\\-/, "-")
			print >> file
		}
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
	local n i
	n=$(extract_examples "$1" example)
	[ "$n" -ge 3 ]
	for ((i = 1; i <= n; i++)); do
		if grep -q systemd-socket-activate "example.$i" && ! command -v systemd-socket-activate >/dev/null; then
			continue
		fi
		mkdir "ex$i"
		(cd "ex$i" && PATH=$(dirname "$FDSEND"):$(dirname "$FDRECV"):$PATH \
			timeout 20 bash -e ../"example.$i" >out 2>err 3>&-) ||
			{ echo "example $i of $1 failed:"; cat "example.$i" "ex$i/err"; return 1; }
		[ -s "ex$i/out" ] || { echo "example $i printed nothing"; return 1; }
		# Only other programs may talk (systemd-socket-activate does).
		! grep -E '^fd(send|recv):' "ex$i/err" || { echo "example $i complained"; return 1; }
	done
}
