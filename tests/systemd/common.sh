# Sourced by the scripts of make check-systemd, inside the container.

# fd_of NAME: the descriptor the manager handed over under NAME, found by
# its name in LISTEN_FDNAMES, never by its position.
fd_of() {
	[ "${LISTEN_PID-}" = "$$" ] || return 1
	_i=3
	for _n in $(echo "${LISTEN_FDNAMES-}" | tr : ' '); do
		if [ "$_n" = "$1" ]; then
			echo "$_i"
			return 0
		fi
		_i=$((_i + 1))
	done
	return 1
}

# bottle TEXT: fd 3 on a pipe (a FIFO opened for reading and writing, its
# path removed) that holds a line of TEXT; only descriptors keep it.
bottle() {
	_d=$(mktemp -d)
	mkfifo "$_d/p"
	exec 3<>"$_d/p"
	rm -r "$_d"
	echo "$1" >&3
}

# uncork FD: the line in the bottle at FD, read through FD and put back.
uncork() {
	read -r _line <&"$1" || return 1
	echo "$_line" >&"$1"
	echo "$_line"
}

# What this start was handed: the names, then NAME=TEXT read through each.
handed() {
	_out=${LISTEN_FDNAMES-}
	for _n in $(echo "${LISTEN_FDNAMES-}" | tr : ' '); do
		_out="$_out $_n=$(uncork "$(fd_of "$_n")")"
	done
	echo "$_out"
}
