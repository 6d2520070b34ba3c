# bash completion for fdsend(1) and fdrecv(1), installed under both names.
# It needs nothing but bash; when the bash-completion package is loaded,
# fdrecv's COMMAND [ARG ...] get that command's own completion.

# The words as the programs will see them. Bash splits "--type=dgram",
# "fd:3" and "3<file" at the characters of COMP_WORDBREAKS; glue back the
# pieces that no blank separates. Sets words, cword (the word under the
# cursor) and at (where each word starts in COMP_WORDS).
_fdpass_words()
{
	local line=$COMP_LINE blank w i

	words=() at=() cword=0
	for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		blank=${line%%[![:blank:]]*}
		line=${line#"$blank"}
		line=${line#"$w"}
		if ((i > 0)) && [[ -z $blank ]] &&
		    [[ $w != *[!=:\<\>\&]* || ${words[-1]} == *[=:\<\>\&] ]]; then
			words[-1]+=$w
		else
			words+=("$w")
			at+=("$i")
		fi
		((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
	done
}

# Descriptors that a command started from this shell inherits: open, and
# not close-on-exec. FD is N, N-M or N,M,...: the last N is completed.
_fdpass_fds()
{
	local pre='' fd key flags fds=''

	[[ $cur == *[,-]* ]] && pre=${cur%"${cur##*[,-]}"}
	for fd in "/proc/$$/fd/"*; do
		fd=${fd##*/}
		while read -r key flags; do
			[[ $key == flags: ]] && (((8#$flags & 8#2000000) == 0)) && fds+=" $pre$fd"
		done 2>/dev/null <"/proc/$$/fdinfo/$fd"
	done
	_fdpass_reply -W "$fds"
}

# fdrecv's pid:PID completes the running processes, and pid:PID:FD the
# descriptors of PID (the last N of N,M or N-M), where they can be listed.
_fdpass_pid()
{
	local rest=${cur#pid:} pre p fd list=''

	if [[ $rest != *:* ]]; then
		for p in /proc/[0-9]*; do
			list+=" pid:${p##*/}"
		done
		# pid:PID is whole, or goes on with :FD.
		compopt -o nospace 2>/dev/null
		_fdpass_reply -W "$list"
		return
	fi
	p=${rest%%:*}
	rest=${rest#*:}
	pre=pid:$p:
	[[ $rest == *[,-]* ]] && pre+=${rest%"${rest##*[,-]}"}
	for fd in "/proc/$p/fd/"*; do
		[[ -L $fd ]] && list+=" $pre${fd##*/}"
	done
	_fdpass_reply -W "$list"
}

# -b ADDR: the kinds of address, then a file name after those of a path.
_fdpass_bind()
{
	local kind

	case $cur in
	unix:* | unix-dgram:* | unix-seqpacket:*)
		kind=${cur%%:*}:
		cur=${cur#"$kind"}
		compopt -o filenames 2>/dev/null
		_fdpass_reply -f
		COMPREPLY=("${COMPREPLY[@]/#/"$kind"}")
		cur=$kind$cur
		;;
	*)
		compopt -o nospace 2>/dev/null
		_fdpass_reply -W 'tcp: tcp6: udp: udp6: unix: unix-dgram: unix-seqpacket:'
		;;
	esac
}

_fdpass_files()
{
	compopt -o filenames 2>/dev/null
	_fdpass_reply -f
}

# COMPREPLY: the words of compgen OPTION... that begin with $cur.
_fdpass_reply()
{
	mapfile -t COMPREPLY < <(compgen "$@" -- "$cur")
}

_fdpass()
{
	local cmd=${1##*/} opts args short cur piece want='' end=0 n=0 bind=0 cword i j w
	local -a words at

	if [[ $cmd == fdsend ]]; then
		opts='--allow-gid --allow-uid -b --bind -e --escapes -f --fd -h --help
		    -i --input -l --listen --listen-fds -m --mode --max-size -n --count
		    --no-barrier --notify -o --open -r --reply -T --timeout -t --type
		    -V --version -v --verbose -w --wait'
		args='--allow-gid --allow-uid -b --bind -f --fd -i --input -m --mode
		    --max-size -n --count -o --open -T --timeout -t --type -w --wait'
		short=bfimnoTtw
	else
		opts='--allow-gid --allow-uid --at -b --bind -C --cat -c --connect
		    -n --count --env --expect --fdname -h --help -j --json -m --mode
		    --max-children --max-conns --max-fds --max-size --notify -p --payload
		    --strict -T --timeout -t --type -V --version -v --verbose -w --wait'
		args='--allow-gid --allow-uid --at -b --bind --env -m --mode -n --count
		    --expect --fdname --max-children --max-conns --max-fds --max-size
		    -T --timeout -t --type -w --wait'
		short=bmnTtw
	fi
	args=" ${args//[[:space:]]/ } "

	_fdpass_words
	cur=${words[cword]}
	COMPREPLY=()

	# What the words before the cursor were: options (one of which may
	# want the word under the cursor), then operand number n.
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		if [[ $w == *[\<\>]* ]]; then
			continue        # a redirection
		elif [[ $cmd == fdrecv && $w == -- ]] && ((n == 1 || (bind && !end && n == 0))); then
			# COMMAND (after SOCKET, or after -b's options), then what
			# that command completes.
			if ((i + 1 == cword)); then
				_fdpass_reply -c
			elif declare -F _command_offset >/dev/null; then
				_command_offset "${at[i + 1]}"
			else
				compopt -o default 2>/dev/null
			fi
			return 0
		elif ((!end && n == 0)); then
			case $w in
			--) end=1 ;;
			--bind=*) bind=1 ;;
			--*=*) ;;
			--*)
				[[ $w == --bind ]] && bind=1
				[[ $args == *" $w "* ]] && { ((++i == cword)) && want=$w; } ;;
			-?*)
				for ((j = 1; j < ${#w}; j++)); do
					[[ $short == *"${w:j:1}"* ]] || continue
					[[ ${w:j:1} == b ]] && bind=1
					((j + 1 == ${#w})) && { ((++i == cword)) && want=-${w:j:1}; }
					break
				done
				;;
			*) n=1 ;;
			esac
		else
			((n++))
		fi
	done

	if [[ $cur == *[\<\>]* ]]; then
		want='<'
		cur=${cur##*[<>&]}
	elif [[ -z $want && $cur == --*=* ]] && ((!end && n == 0)); then
		want=${cur%%=*}
		cur=${cur#*=}
	fi
	case $want in
	-t | --type) _fdpass_reply -W 'stream seqpacket dgram' ;;
	-b | --bind) _fdpass_bind ;;
	--env) _fdpass_reply -W 'systemd nginx einhorn systemfd' ;;
	-f | --fd) _fdpass_fds ;;
	-o | --open | -i | --input | '<') _fdpass_files ;;
	--allow-uid) _fdpass_reply -u ;;
	--allow-gid) _fdpass_reply -g ;;
	?*) ;;                  # a number, a mode, names: nothing to offer
	*)
		if [[ $cur == -* ]] && ((!end && n == 0)); then
			_fdpass_reply -W "$opts"
		elif ((n == 0 && bind)) && [[ $cmd == fdrecv ]]; then
			[[ -- == "$cur"* ]] && COMPREPLY=(--)   # no SOCKET with -b
		elif ((n == 0)) && [[ $cmd == fdrecv && $cur == pid:* ]]; then
			_fdpass_pid
		elif ((n == 0)); then
			_fdpass_files   # SOCKET
		elif [[ $cmd == fdrecv && -- == "$cur"* ]] && ((n == 1)); then
			COMPREPLY=(--)
		fi
		;;
	esac

	# Bash replaces only the last piece of a split word ("b" of "a:b").
	piece=${COMP_WORDS[COMP_CWORD]}
	[[ $piece == *[!=:\<\>\&]* ]] || piece=
	[[ $cur == *"$piece" && -n ${cur%"$piece"} ]] &&
		COMPREPLY=("${COMPREPLY[@]#"${cur%"$piece"}"}")
	return 0
}

complete -F _fdpass fdsend fdrecv
