#!/usr/bin/env bats
# Bad usage: exit 2 and one line naming what was wrong. Nothing is sent,
# nothing is bound.

load test_helper

# run_usage PROGRAM ARGS...: must exit 2 with exactly one line on stderr.
run_usage() {
	run -2 --separate-stderr "$@"
	[ -z "$output" ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
}

@test "fdsend with no operand prints its usage and exits 2" {
	run -2 --separate-stderr "$FDSEND"
	[[ $stderr == 'usage: fdsend '* ]]
}

@test "fdrecv with no operand prints its usage and exits 2" {
	run -2 --separate-stderr "$FDRECV"
	[[ $stderr == 'usage: fdrecv '* ]]
}

@test "an unknown short option is named" {
	run_usage "$FDSEND" -x "$sock"
	[ "$stderr" = "fdsend: unknown option -x (see 'fdsend -h')" ]
	run_usage "$FDRECV" -x "$sock"
	[ "$stderr" = "fdrecv: unknown option -x (see 'fdrecv -h')" ]
}

@test "an unknown long option is named" {
	run_usage "$FDSEND" --frobnicate "$sock"
	[ "$stderr" = "fdsend: unknown option --frobnicate (see 'fdsend -h')" ]
}

@test "an option without its value is named" {
	run_usage "$FDSEND" -f
	[ "$stderr" = "fdsend: option -f needs a value (see 'fdsend -h')" ]
	run_usage "$FDRECV" --max-fds
	[ "$stderr" = "fdrecv: option --max-fds needs a value (see 'fdrecv -h')" ]
}

@test "a long option given a value it does not take is named" {
	run_usage "$FDSEND" --notify=yes "$sock"
	[ "$stderr" = "fdsend: option --notify takes no value (see 'fdsend -h')" ]
}

@test "an empty SOCKET is refused" {
	run_usage "$FDSEND" ''
	[ "$stderr" = "fdsend: : not a socket path, @name or fd:N" ]
}

@test "an empty abstract name is refused" {
	run_usage "$FDRECV" @
	[ "$stderr" = "fdrecv: @: not a socket path, @name or fd:N" ]
}

@test "fd: without a number is refused" {
	run_usage "$FDSEND" fd:x
	[ "$stderr" = "fdsend: fd:x: not a socket path, @name or fd:N" ]
}

@test "a socket path of 108 bytes is too long for both programs" {
	long=$(printf 'x%.0s' $(seq 108))
	run_usage "$FDSEND" "$long"
	[ "$stderr" = "fdsend: $long: too long for a socket address (at most 107 bytes)" ]
	run_usage "$FDRECV" "$long"
	[ "$stderr" = "fdrecv: $long: too long for a socket address (at most 107 bytes)" ]
	[ ! -e "$long" ]
}

@test "fdsend -n needs -l" {
	run_usage "$FDSEND" -n 2 "$sock"
	[ "$stderr" = 'fdsend: -n needs -l' ]
}

@test "fdsend -l and -r need a stream or seqpacket socket" {
	run_usage "$FDSEND" -l -t dgram "$sock"
	[ "$stderr" = 'fdsend: -l needs a stream or seqpacket socket, not dgram' ]
	run_usage "$FDSEND" -r -t dgram "$sock"
	[ "$stderr" = 'fdsend: -r needs a stream or seqpacket socket, not dgram' ]
}

@test "descriptor names need a stream socket or --notify" {
	run_usage "$FDSEND" -t seqpacket -f 0=input "$sock"
	[ "$stderr" = "fdsend: $sock: -f 0=input: descriptor names need a stream socket (or --notify), not seqpacket" ]
	run_usage "$FDSEND" -t dgram -b tcp::0=http "$sock"
	[ "$stderr" = "fdsend: $sock: -b tcp::0=http: descriptor names need a stream socket (or --notify), not dgram" ]
}

@test "fdsend --notify refuses -l, -r and other socket types" {
	run_usage "$FDSEND" --notify -l "$sock"
	[ "$stderr" = 'fdsend: --notify cannot be used with -l' ]
	run_usage "$FDSEND" --notify -r "$sock"
	[ "$stderr" = 'fdsend: --notify cannot be used with -r' ]
	run_usage "$FDSEND" --notify -t stream "$sock"
	[ "$stderr" = 'fdsend: --notify needs a dgram socket, not -t stream' ]
}

@test "fdsend --notify needs a SOCKET or NOTIFY_SOCKET" {
	NOTIFY_SOCKET= run_usage "$FDSEND" --notify READY=1
	[ "$stderr" = 'fdsend: --notify: no SOCKET given and NOTIFY_SOCKET is not set' ]
}

@test "fdsend --notify takes only KEY=VALUE parts after the socket" {
	run_usage "$FDSEND" --notify "$sock" READY=1 oops
	[ "$stderr" = 'fdsend: --notify: oops: not a KEY=VALUE assignment' ]
}

@test "fdrecv takes one output: -p, -C, -j or a COMMAND" {
	run_usage "$FDRECV" -p -j "$sock"
	[ "$stderr" = 'fdrecv: cannot use -j with -p' ]
	run_usage "$FDRECV" -C "$sock" -- true
	[ "$stderr" = 'fdrecv: cannot use COMMAND with -C' ]
}

@test "fdrecv --at and --fdname need a COMMAND" {
	run_usage "$FDRECV" --at 3 "$sock"
	[ "$stderr" = 'fdrecv: --at needs a COMMAND' ]
	run_usage "$FDRECV" --fdname web "$sock"
	[ "$stderr" = 'fdrecv: --fdname needs a COMMAND' ]
}

@test "fdrecv -- needs a COMMAND after it" {
	run_usage "$FDRECV" "$sock" --
	[ "$stderr" = 'fdrecv: -- needs a COMMAND' ]
}

@test "fdrecv takes a COMMAND only after --" {
	run_usage "$FDRECV" "$sock" true
	[ "$stderr" = 'fdrecv: true: unexpected operand (a COMMAND follows --)' ]
}

@test "fdrecv -w needs -c" {
	run_usage "$FDRECV" -w 1 "$sock"
	[ "$stderr" = 'fdrecv: -w needs -c' ]
}

@test "fdrecv -c takes no -m and no dgram" {
	run_usage "$FDRECV" -c -m 600 "$sock"
	[ "$stderr" = 'fdrecv: -m needs a socket that fdrecv creates, not -c' ]
	run_usage "$FDRECV" -c -t dgram "$sock"
	[ "$stderr" = 'fdrecv: -c needs a stream or seqpacket socket, not dgram' ]
}

@test "fdrecv -m needs a socket path" {
	run_usage "$FDRECV" -m 600 @name
	[ "$stderr" = 'fdrecv: @name: -m needs a socket path; abstract names have no permissions' ]
	run_usage "$FDRECV" -m 600 fd:3
	[ "$stderr" = 'fdrecv: fd:3: -m needs a socket path, not an inherited socket' ]
}

@test "fdrecv --notify refuses -c, -C and other socket types" {
	run_usage "$FDRECV" --notify -c "$sock"
	[ "$stderr" = 'fdrecv: --notify cannot be used with -c' ]
	run_usage "$FDRECV" --notify -C "$sock"
	[ "$stderr" = 'fdrecv: cannot use -C with --notify' ]
	run_usage "$FDRECV" --notify -t seqpacket "$sock"
	[ "$stderr" = 'fdrecv: --notify needs a dgram socket, not -t seqpacket' ]
}

@test "fdrecv -c cannot be used with an inherited socket" {
	run_usage "$FDRECV" -c fd:3
	[ "$stderr" = 'fdrecv: fd:3: -c cannot be used with an inherited socket' ]
}

@test "a usage error binds nothing" {
	run_usage "$FDRECV" -n x "$sock"
	[ ! -e "$sock" ]
}

@test "short options cluster, and a value may be attached" {
	recv_bg -pn2 "$sock"
	"$FDSEND" -ew5 "$sock" 'a\tb;'
	"$FDSEND" -w5 -f0 "$sock" 'c'
	recv_wait
	[ "$rstatus" -eq 0 ]
	[ "$(cat out)" = "$(printf 'a\tb;c')" ]
}

@test "a long option takes its value after = or as the next argument" {
	recv_bg --count=2 --payload "$sock"
	"$FDSEND" --wait=5 --fd=0 "$sock" 'x;'
	"$FDSEND" --wait 5 --fd 0 "$sock" 'y'
	recv_wait
	[ "$(cat out)" = 'x;y' ]
}

@test "a long option may be shortened to a unique prefix" {
	recv_bg --pay --cou 1 "$sock"
	"$FDSEND" --wa 5 --esc "$sock" 'z\n'
	recv_wait
	[ "$(cat out)" = z ]
}

@test "a prefix of several long options is ambiguous" {
	run_usage "$FDSEND" --list "$sock"
	[ "$stderr" = "fdsend: option --list is ambiguous (see 'fdsend -h')" ]
}

@test "an unknown letter inside a cluster is named" {
	run_usage "$FDRECV" -pqj "$sock"
	[ "$stderr" = "fdrecv: unknown option -q (see 'fdrecv -h')" ]
}

@test "an option word with a newline is shown on one line" {
	run_usage "$FDSEND" $'--no\nsuch' "$sock"
	[ "$stderr" = "fdsend: unknown option --no\\x0asuch (see 'fdsend -h')" ]
}

@test "options end at the first operand, and PARTs may begin with a dash" {
	recv_bg -p "$sock"
	"$FDSEND" -w 5 "$sock" -x --not-an-option - -vv --open-file
	recv_wait
	[ "$(cat out)" = '-x--not-an-option--vv--open-file' ]
}

@test "fdsend refuses a PART that is one of its options, with a hint to use --" {
	run_usage "$FDSEND" "$sock" -o /etc/hostname hello
	[ "$stderr" = "fdsend: -o is an option; put it before SOCKET (or -- before SOCKET to send it as a PART)" ]
	[ ! -e "$sock" ]
}

@test "fdsend refuses a PART that is a long option, alone or with =value" {
	run_usage "$FDSEND" "$sock" hello --verbose
	[ "$stderr" = "fdsend: --verbose is an option; put it before SOCKET (or -- before SOCKET to send it as a PART)" ]
	run_usage "$FDSEND" "$sock" --open=/etc/hostname
	[ "$stderr" = "fdsend: --open=/etc/hostname is an option; put it before SOCKET (or -- before SOCKET to send it as a PART)" ]
	run_usage "$FDSEND" --notify "$sock" READY=1 --fd=3
	[ "$stderr" = "fdsend: --fd=3 is an option; put it before SOCKET (or -- before SOCKET to send it as a PART)" ]
}

@test "after -- before SOCKET, PARTs that look like options are sent as they are" {
	recv_bg -p "$sock"
	"$FDSEND" -w 5 -- "$sock" -o /etc/hostname --verbose=1
	recv_wait
	[ "$rstatus" -eq 0 ]
	[ "$(cat out)" = '-o/etc/hostname--verbose=1' ]
}

@test "-- ends the options" {
	recv_bg -p -- "$sock"
	"$FDSEND" -w 5 -- "$sock" x
	recv_wait
	[ "$(cat out)" = x ]
}
