# The examples of the man pages and the README, as a reader sees them:
# loaded by manpages.bats and readme.bats. Each example runs as printed,
# in an empty directory with the programs under test first on PATH, and
# where the text shows what it prints, what it prints is compared.

# What differs from run to run and from machine to machine, the same way
# in what an example shows and what it printed: process, user and group
# ids, file sizes and inode numbers, the ports the kernel picks; and what the kernel may not tell (the
# command name of a sender that has gone; without SO_PEERPIDFD, before
# Linux 6.5, the peer's executable, cgroup and unit), left out. A line a
# page shows on two (ending in a comma, going on indented) is one.
normalize() {
	sed -E \
		-e ':a' -e '/,$/{N;s/,\n +/, /;ba' -e '}' \
		-e 's/pid [0-9]+( \([^)]*\))?/pid N/g' \
		-e 's/(uid|gid|size) [0-9]+/\1 N/g' \
		-e 's/, (exe|cgroup|unit) [^,]*//g' \
		-e 's/"(pid|uid|gid|size)":[0-9]+/"\1":N/g' \
		-e 's/,"(comm|exe|cgroup|unit)":"[^"]*"//g' \
		-e 's/,"exited":(true|false)//g' \
		-e 's/(pipe|socket):\[[0-9]+\]/\1:[N]/g' \
		-e 's/(127\.0\.0\.1|0\.0\.0\.0|\[::1?\]):[0-9]+/\1:PORT/g'
}

# Close every descriptor of this shell above 2.
close_fds() {
	local fd
	for fd in $(ls "/proc/$BASHPID/fd"); do
		((fd > 2)) && eval "exec $fd>&-" 2>/dev/null
	done
	return 0
}

# Run the script FILE in the new directory DIR with bash -e, its output in
# DIR/out and DIR/err; then, when FILE.out exists, compare.
run_example() {
	local file=$1 dir=$2
	mkdir "$dir"
	# As in a terminal: nothing open but 0, 1 and 2 (bats keeps others).
	(cd "$dir" && close_fds && PATH=$(dirname "$FDSEND"):$(dirname "$FDRECV"):$PATH \
		timeout 20 bash -e "$file" >out 2>err) ||
		{ echo "this example failed:"; cat "$file" "$dir/err"; return 1; }
	# Only other programs may talk (systemd-socket-activate does).
	! grep -E '^fd(send|recv):' "$dir/err" || { echo "this example complained:"; cat "$file"; return 1; }
	[[ -e $file.out ]] || return 0
	diff -u <(normalize <"$file.out") <(normalize <"$dir/out") ||
		{ echo "this example printed something else than it shows:"; cat "$file"; return 1; }
}
