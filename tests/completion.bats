#!/usr/bin/env bats
#
# completion/fdsend.bash, for real: sourced in bash, called the way bash
# calls it (COMP_WORDS, COMP_CWORD, COMP_LINE, COMP_POINT), judged by
# COMPREPLY. Nothing here needs the bash-completion package; the tests that
# use it are skipped without it.

load test_helper

completion=$top/completion/fdsend.bash
bash_completion=/usr/share/bash-completion/bash_completion

# The shell side: a script file, so that bash holds it open at 255,
# close-on-exec, as an interactive shell holds its terminal there. It
# calls the function that `complete -p` names for the command, and prints
# COMPREPLY sorted, one per line.
harness='
[[ -z $WITH_BASH_COMPLETION ]] || source "$WITH_BASH_COMPLETION" || exit 3
source "$1" || exit 3
[[ -z $NEED_FD ]] || [[ -L /proc/$$/fd/$NEED_FD ]] || exit 4
COMP_LINE=$2
COMP_POINT=${#2}
shift 2
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
spec=$(complete -p "$1") || exit 5
fn=${spec#*-F }
fn=${fn%% *}
"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" || exit 6
((${#COMPREPLY[@]} == 0)) || printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort
'

# comp LINE [WORD ...]: what the completion offers for LINE, the cursor at
# its end, in $output and ${lines[@]}. The WORDs are COMP_WORDS as bash
# splits LINE; by default LINE split at blanks, and an empty last word
# when LINE ends with a blank.
comp() {
	local line=$1 words

	shift
	if (($# == 0)); then
		read -ra words <<<"$line"
		[[ $line != *' ' ]] || words+=('')
		set -- "${words[@]}"
	fi
	printf '%s' "$harness" >complete.sh
	run -0 bash complete.sh "$completion" "$line" "$@"
}

# offered WORD ...: each WORD is among the candidates; not_offered likewise.
offered() {
	local w
	for w; do
		printf '%s\n' "${lines[@]}" | grep -qxF -- "$w" ||
			{ echo "not offered: $w; offered: ${lines[*]}" >&2; return 1; }
	done
}

not_offered() {
	local w
	for w; do
		! printf '%s\n' "${lines[@]}" | grep -qxF -- "$w" ||
			{ echo "offered: $w" >&2; return 1; }
	done
}

need_bash_completion() {
	[[ -r $bash_completion ]] || skip "the bash-completion package is not installed"
}

# The options in a program's -h (the first column of its option lines),
# sorted, one per line.
help_options() {
	"$1" -h | sed -nE 's/^ +(-.*)/\1/p' | sed -E 's/  .*//' |
		grep -oE '(^|[ ,])--?[A-Za-z][-A-Za-z]*' | tr -d ' ,' | LC_ALL=C sort
}

# The options of a program's -h that take a value, one per line.
value_options() {
	"$1" -h | sed -nE 's/^ +(-.*)/\1/p' | sed -E 's/  .*//' | grep -E ' [A-Z]' |
		grep -oE '(^|[ ,])--?[A-Za-z][-A-Za-z]*' | tr -d ' ,'
}

# The options in the list of a man page (.It Fl ...), sorted.
man_options() {
	grep -E '^\.It Fl ' "$1" | grep -oE 'Fl -?[A-Za-z][-A-Za-z]*' |
		sed 's/^Fl /-/' | LC_ALL=C sort -u
}

@test "sourcing the file registers a completion for both programs, with plain bash" {
	run -0 bash --norc -c 'source "$1" && complete -p fdsend && complete -p fdrecv' bash "$completion"
	[[ ${lines[0]} == "complete -F "*" fdsend" ]]
	[[ ${lines[1]} == "complete -F "*" fdrecv" ]]
}

@test "fdsend --li offers --listen and --listen-fds" {
	comp 'fdsend --li'
	[[ $output == $'--listen\n--listen-fds' ]]
}

@test "fdrecv --al offers --allow-gid and --allow-uid" {
	comp 'fdrecv --al'
	[[ $output == $'--allow-gid\n--allow-uid' ]]
}

@test "fdsend - offers exactly the options of fdsend -h and of fdsend(1)" {
	comp 'fdsend -'
	diff <(help_options "$FDSEND") - <<<"$output"
	diff <(man_options "$top/man/fdsend.1") - <<<"$output"
}

@test "fdrecv - offers exactly the options of fdrecv -h and of fdrecv(1)" {
	comp 'fdrecv -'
	diff <(help_options "$FDRECV") - <<<"$output"
	diff <(man_options "$top/man/fdrecv.1") - <<<"$output"
}

@test "fdsend -t s offers seqpacket and stream" {
	comp 'fdsend -t s'
	[[ $output == $'seqpacket\nstream' ]]
}

@test "fdrecv --type offers the three socket types" {
	comp 'fdrecv --type '
	[[ $output == $'dgram\nseqpacket\nstream' ]]
}

@test "--type=VALUE is completed after the =, which bash splits off" {
	comp 'fdsend --type=s' fdsend --type = s
	[[ $output == $'seqpacket\nstream' ]]
	comp 'fdrecv --type=' fdrecv --type =
	[[ $output == $'dgram\nseqpacket\nstream' ]]
}

@test "fdsend -f offers the shell's open descriptors, 0 1 2 included" {
	comp 'fdsend -f ' 47</dev/null
	offered 0 1 2 47
}

@test "fdsend -f leaves out descriptors that are closed" {
	comp 'fdsend -f ' 47<&-
	offered 0 1 2
	not_offered 47
}

@test "fdsend -f leaves out close-on-exec descriptors, which fdsend would not get" {
	# bash holds the script it runs at 255, close-on-exec.
	NEED_FD=255 comp 'fdsend -f '
	offered 0 1 2
	not_offered 255
}

@test "--fd completes the last descriptor of a list" {
	comp 'fdsend --fd 0,'
	offered 0,0 0,1 0,2
	not_offered 0 1 2
	comp 'fdsend -vf 1-'
	offered 1-0 1-1 1-2
}

@test "--fd=N completes descriptors after the =" {
	comp 'fdsend --fd=' fdsend --fd =
	offered 0 1 2
}

@test "-o and -i complete file names" {
	touch in.txt other
	comp 'fdsend -o in'
	[[ $output == in.txt ]]
	comp 'fdsend --input in'
	[[ $output == in.txt ]]
}

@test "SOCKET completes file names, for both programs" {
	touch s.sock other
	comp 'fdsend s'
	[[ $output == s.sock ]]
	comp 'fdrecv -c s'
	[[ $output == s.sock ]]
}

@test "every option that takes a value, in -h, has its value skipped before SOCKET" {
	touch s.sock
	for prog in "$FDSEND" "$FDRECV"; do
		opts=$(value_options "$prog")
		[[ -n $opts ]]
		for opt in $opts; do
			# fdrecv -b takes no SOCKET (tested below).
			[[ ${prog##*/} == fdrecv && $opt == @(-b|--bind) ]] && continue
			comp "${prog##*/} $opt 1 s"
			[[ $output == s.sock ]] || { echo "${prog##*/} $opt 1 s: '$output'" >&2; return 1; }
		done
	done
}

@test "-b offers the kinds of address, for both programs" {
	comp 'fdsend -b '
	[[ $output == $'tcp6:\ntcp:\nudp6:\nudp:\nunix-dgram:\nunix-seqpacket:\nunix:' ]]
	comp 'fdrecv --bind u'
	[[ $output == $'udp6:\nudp:\nunix-dgram:\nunix-seqpacket:\nunix:' ]]
}

@test "-b unix:PATH completes the file name after the colon, which bash splits off" {
	mkdir run
	touch run/app.sock
	comp 'fdsend -b unix:ru' fdsend -b unix : ru
	[[ $output == run ]]
	comp 'fdrecv -b unix-seqpacket:run/' fdrecv -b unix-seqpacket : run/
	[[ $output == run/app.sock ]]
}

@test "--env offers the four styles" {
	comp 'fdrecv --env '
	[[ $output == $'einhorn\nnginx\nsystemd\nsystemfd' ]]
}

@test "fdrecv -b takes no SOCKET: after its options come -- and a COMMAND" {
	touch s.sock
	comp 'fdrecv -b tcp::80 ' fdrecv -b tcp : : 80 ''
	[[ $output == -- ]]
	comp 'fdrecv -m 600 -b unix:a.sock=web -- bas' fdrecv -m 600 -b unix : a.sock=web -- bas
	offered bash
	not_offered s.sock
}

@test "values are skipped after bundled short options and after =" {
	touch s.sock
	comp 'fdsend -w 5 -vt dgram -f 0 s'
	[[ $output == s.sock ]]
	comp 'fdrecv -m 600 --at=3 -n1 s' fdrecv -m 600 --at = 3 -n1 s
	[[ $output == s.sock ]]
}

@test "options that take a number offer nothing" {
	comp 'fdsend -w '
	[[ -z $output ]]
	comp 'fdrecv --max-fds '
	[[ -z $output ]]
}

@test "--allow-uid offers user names and --allow-gid group names" {
	comp 'fdrecv --allow-uid roo'
	offered root
	comp 'fdrecv --allow-gid roo'
	offered root
}

@test "after SOCKET, fdsend offers no options: the rest is the message" {
	comp 'fdsend s.sock -'
	[[ -z $output ]]
}

@test "after SOCKET, fdrecv offers only --" {
	comp 'fdrecv -j s.sock '
	[[ $output == -- ]]
	comp 'fdrecv s.sock -'
	[[ $output == -- ]]
}

@test "an inherited socket fd:N is one operand, though bash splits it at :" {
	comp 'fdrecv fd:3 ' fdrecv fd : 3 ''
	[[ $output == -- ]]
}

@test "a word split at : has only its last piece replaced" {
	touch a:b.txt
	comp 'fdsend a:b' fdsend a : b
	[[ $output == b.txt ]]
}

@test "after --, fdrecv completes a command name" {
	comp 'fdrecv s.sock -- bas'
	offered bash
	not_offered --
}

@test "the COMMAND's arguments are not taken for fdrecv's options" {
	comp 'fdrecv s.sock -- fdsend --li'
	not_offered --listen
	comp 'fdrecv s.sock -- sh -t '
	not_offered stream
}

@test "the target of a redirection completes file names" {
	touch in.txt
	comp 'fdsend -f 3 s.sock 3<in' fdsend -f 3 s.sock 3 '<' in
	[[ $output == in.txt ]]
}

@test "with bash-completion loaded, options and values complete the same" {
	need_bash_completion
	export WITH_BASH_COMPLETION=$bash_completion
	comp 'fdsend --li'
	[[ $output == $'--listen\n--listen-fds' ]]
	comp 'fdrecv --type=s' fdrecv --type = s
	[[ $output == $'seqpacket\nstream' ]]
	comp 'fdsend -f '
	offered 0 1 2
}

@test "with bash-completion loaded, the COMMAND's arguments get its own completion" {
	need_bash_completion
	WITH_BASH_COMPLETION=$bash_completion comp 'fdrecv s.sock -- fdsend --li'
	[[ $output == $'--listen\n--listen-fds' ]]
}

@test "fdrecv pid: offers the running processes" {
	comp 'fdrecv pid:' fdrecv pid :
	offered 1 "$$"
	comp "fdrecv pid:$$" fdrecv pid : "$$"
	offered "$$"
	not_offered 1
}

@test "fdrecv pid:PID: offers the descriptors of that process" {
	sleep 60 47</dev/null 3>&- &
	spid=$!
	track "$spid"
	comp "fdrecv pid:$spid:" fdrecv pid : "$spid" :
	offered 0 1 2 47
	not_offered 3
	comp "fdrecv pid:$spid:0," fdrecv pid : "$spid" : 0,
	offered 0,0 0,47
	comp "fdrecv pid:$spid:4" fdrecv pid : "$spid" : 4
	offered 47
	not_offered 0 1 2
}

@test "after pid:PID:FD, fdrecv offers only --" {
	comp 'fdrecv pid:1:0 ' fdrecv pid : 1 : 0 ''
	[[ $output == -- ]]
}

@test "fdsend does not take pid: for a process" {
	touch pid:x.sock
	comp 'fdsend pid:' fdsend pid :
	[[ $output == x.sock ]]
}
