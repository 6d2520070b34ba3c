#!/usr/bin/env bats
#
# fdrecv pid:PID[:FD,...]: the descriptors of a running process, taken with
# pidfd_getfd(2), against processes the tests start: reported, handed to a
# command, passed on, and every way it can fail. The process is never
# stopped, signalled or changed.

load test_helper

# The Python side of hold: run the code in argv[1], which opens what the
# process is to hold (save(NAME, VALUE) keeps a value for the checks), say
# "ready", then call serve() if the code defined one, or wait.
py_hold='
import ctypes, fcntl, os, select, signal, socket, struct, sys, threading, time
libc = ctypes.CDLL(None, use_errno=True)
def save(name, value):
    with open(name, "w") as f:
        f.write(str(value))
exec(sys.argv[1])
print("ready", flush=True)
if "serve" in globals():
    serve()
while True:
    time.sleep(3600)
'

# hold CODE [PREFIX ...]: start a Python process that holds what CODE
# opens; its pid is $hpid. With PREFIX, run it under that command (setpriv).
hold() {
	local code=$1

	shift
	"$@" python3 -c "$py_hold" "$code" >hold.out 2>hold.err 3>&- &
	hpid=$!
	track "$hpid"
	wait_for hold.out '^ready$'
}

# The open descriptors of process $1, in order, one line.
fds_of() {
	ls "/proc/$1/fd" | sort -n | tr '\n' ' '
}

# json_ok EXPR ...: each Python EXPR is true of the one line of JSON in
# ./out; d is the object, fds its "fds", p its "process"; file(NAME) is
# what save() kept, and link(N) where the process's descriptor N points.
# An EXPR that assigns ("x = ...", or several lines) is run, not judged:
# the names it sets serve the EXPRs after it.
json_ok() {
	HPID=${hpid:-0} python3 -c '
import json, os, sys
lines = open("out").read().splitlines()
if len(lines) != 1:
    sys.exit("expected one line of JSON, got %d:\n%s" % (len(lines), "\n".join(lines)))
d = json.loads(lines[0])
fds = d["fds"]
p = d.get("process", {})
def file(name):
    with open(name) as f:
        return f.read()
def link(n):
    return os.readlink("/proc/%s/fd/%d" % (os.environ["HPID"], n))
for _expr in sys.argv[1:]:
    if "\n" in _expr or " = " in _expr:
        exec(_expr)
    elif not eval(_expr):
        sys.exit("not true: %s\nJSON: %s" % (_expr, lines[0]))
' "$@"
}

need_root() {
	[[ $EUID -eq 0 ]] || skip "needs root to run a process as another user (setpriv)"
	need setpriv
}

# As uid and gid 65534, without supplementary groups (and so without
# capabilities).
as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# A directory the unprivileged user can search, with its own fdrecv in it
# ($nobody_fdrecv): the build directory may be closed to it.
setup_nobody() {
	need_root
	sdir=$(mktemp -d /tmp/fdpass-pidsrc.XXXXXX)
	chmod 755 "$sdir"
	tmpdirs+=("$sdir")
	cp "$FDRECV" "$sdir/fdrecv"
	nobody_fdrecv=$sdir/fdrecv
}

# A python3 that uid 65534 can run (a root-only pyenv's is not), in $nobody_py.
find_nobody_python() {
	local py
	for py in "$(command -v python3)" /usr/bin/python3; do
		if [[ -x $py ]] && "${as_nobody[@]}" "$py" -c pass 2>/dev/null; then
			nobody_py=$py
			return 0
		fi
	done
	skip "no python3 that uid 65534 can run"
}

# What fdrecv adds to a refusal for Yama's ptrace_scope, read (never
# changed) from the file that exists where the kernel has Yama, for a
# process without CAP_SYS_PTRACE.
yama_reason() {
	local scope
	scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null) || return 0
	case $scope in
	0) ;;
	1) printf '; %s' "Yama's ptrace_scope is 1: only its ancestors, or a process it named with PR_SET_PTRACER, and we lack CAP_SYS_PTRACE" ;;
	2) printf '; %s' "Yama's ptrace_scope is 2: it takes CAP_SYS_PTRACE, which we lack" ;;
	*) printf '; %s' "Yama's ptrace_scope is $scope: no process may" ;;
	esac
}

# run_fails STATUS MESSAGE FDRECV-ARGS...: fdrecv exits with STATUS, prints
# nothing on standard output and exactly MESSAGE on standard error.
run_fails() {
	local status=$1 message=$2

	shift 2
	run "-$status" --separate-stderr "$@"
	[[ -z $output ]] || { echo "standard output: $output" >&2; return 1; }
	[[ $stderr == "$message" ]] || { printf 'expected: %s\ngot:      %s\n' "$message" "$stderr" >&2; return 1; }
}

# --- what is taken -----------------------------------------------------------

@test "pid:PID takes every open descriptor of the process, in order" {
	printf 'hello' >f.txt
	hold 'f = open("f.txt"); r, w = os.pipe(); e = os.eventfd(3)
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen()
save("fds", "%d %d %d %d %d" % (f.fileno(), r, w, e, l.fileno()))'
	before=$(fds_of "$hpid")
	"$FDRECV" -j "pid:$hpid" >out
	here=$(pwd -P)
	BEFORE=$before json_ok '[x["source_fd"] for x in fds] == [int(n) for n in os.environ["BEFORE"].split()]' \
		'[x["index"] for x in fds] == list(range(len(fds)))' \
		'all(x["path"] == link(x["source_fd"]) for x in fds)'
	HERE=$here json_ok 'f, r, w, e, l = (int(n) for n in file("fds").split())
by = {x["source_fd"]: x for x in fds}' \
		'by[f]["type"] == "file" and by[f]["path"] == os.environ["HERE"] + "/f.txt"' \
		'by[r]["type"] == by[w]["type"] == "pipe" and by[r]["access"] == "r" and by[w]["access"] == "w"' \
		'by[e]["eventfd"]["count"] == 3' 'by[l]["socket"]["listening"] is True'
}

@test "pid:PID:FD,FD-FD takes those descriptors, in the order given" {
	hold 'r, w = os.pipe(); os.dup2(r, 20); os.dup2(w, 21); os.dup2(os.eventfd(0), 22)'
	"$FDRECV" -j "pid:$hpid:22,20-21" >out
	json_ok '[x["source_fd"] for x in fds] == [22, 20, 21]' \
		'[x["type"] for x in fds] == ["anon", "pipe", "pipe"]' \
		'[x["access"] for x in fds[1:]] == ["r", "w"]'
}

@test "the process is named as the source: pid, command, uid, gid, exe" {
	hold 'open("/proc/self/comm", "w").write("fdtest-held")'
	"$FDRECV" -j "pid:$hpid:0" >out
	EXE=$(readlink "/proc/$hpid/exe") json_ok \
		'p["pid"] == int(os.environ["HPID"]) and p["comm"] == "fdtest-held"' \
		'p["uid"] == os.getuid() and p["gid"] == os.getgid()' \
		'p["exe"] == os.environ["EXE"] and p["exited"] is False' \
		'"peer" not in d' 'd["message"] == ""' 'fds[0]["source_fd"] == 0'
}

@test "the report names the process and each descriptor's number in it" {
	printf 'hello' >f.txt
	hold 'f = open("f.txt"); save("fd", f.fileno())'
	run -0 "$FDRECV" "pid:$hpid:$(<fd)"
	here=$(pwd -P)
	[[ ${lines[0]} == "process: pid $hpid (python3), uid $(id -u), gid $(id -g), exe "* ]]
	[[ ${lines[1]} == "message: (empty)" ]]
	[[ ${lines[2]} =~ ^fd\ [0-9]+\ \[0\]:\ file\ $here/f.txt,\ r,\ offset\ 0,\ size\ 5,\ source\ fd\ $(<fd)$ ]]
	[[ ${#lines[@]} -eq 3 ]]
}

@test "fdrecv -j pid:\$\$ describes every descriptor of the shell that runs it" {
	printf 'x' >f.txt
	# Then the shell becomes sleep(1), with the descriptors it had.
	bash -c 'exec 7<f.txt 8>>log 9<>/dev/null; "$1" -j "pid:$$" >out; exec sleep 60' \
		bash "$FDRECV" 3>&- &
	spid=$!
	track "$spid"
	for ((i = 0; i < 500; i++)); do
		[[ $(<"/proc/$spid/comm") == sleep ]] && break
		sleep 0.01
	done
	echo "$spid" >shell
	ls "/proc/$spid/fd" | sort -n >list
	for fd in $(<list); do readlink "/proc/$spid/fd/$fd"; done >links
	here=$(pwd -P)
	json_ok '[x["source_fd"] for x in fds] == [int(n) for n in file("list").split()]' \
		'[x["path"] for x in fds] == file("links").splitlines()' \
		'p["pid"] == int(file("shell")) and p["comm"] == "bash"' \
		'all("type" in x and "access" in x and "flags" in x for x in fds)'
	HERE=$here json_ok 'mine = [(x["source_fd"], x["type"], x["access"], x.get("offset"), x["flags"]) for x in fds if x["source_fd"] in (7, 8, 9)]' \
		'mine == [(7, "file", "r", 0, []), (8, "file", "w", 0, ["append"]), (9, "char", "rw", None, [])]' \
		'[x["path"] for x in fds if x["source_fd"] == 7] == [os.environ["HERE"] + "/f.txt"]'
}

@test "a POSIX lock shows on the process's own descriptor, with its range and owner" {
	hold 'a = open("a", "w+"); fcntl.lockf(a, fcntl.LOCK_EX, 10, 5); save("fd", a.fileno())'
	"$FDRECV" -j "pid:$hpid:$(<fd)" >out
	json_ok 'fds[0]["locks"] == [{"kind": "posix", "mode": "write", "start": 5, "end": 14,
	                              "pid": int(os.environ["HPID"])}]'
}

@test "the process is left as it was: running, with its descriptors and offsets" {
	printf 'hello world' >f.txt
	hold 'f = os.open("f.txt", os.O_RDONLY); os.read(f, 4); r, w = os.pipe(); save("fd", f)'
	before=$(fds_of "$hpid")
	pos=$(grep '^pos:' "/proc/$hpid/fdinfo/$(<fd)")
	"$FDRECV" -j "pid:$hpid" >out
	"$FDRECV" "pid:$hpid" >report
	[[ $(fds_of "$hpid") == "$before" ]]
	[[ $(grep '^pos:' "/proc/$hpid/fdinfo/$(<fd)") == "$pos" ]]
	# Sleeping, neither stopped (T) nor traced (t).
	[[ $(awk '{ print $3 }' "/proc/$hpid/stat") == S ]]
	grep -q '^TracerPid:[[:space:]]*0$' "/proc/$hpid/status"
	kill -0 "$hpid"
	json_ok 'any(x["source_fd"] == int(file("fd")) and x["offset"] == 4 for x in fds)'
}

# --- handing on --------------------------------------------------------------

@test "a listening socket taken from a running server is served by a new process, refusing no connection" {
	# The old server knows nothing about handoffs: it answers "old".
	hold 'l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(128)
save("port", l.getsockname()[1]); save("lfd", l.fileno())
def serve():
    while True:
        c, _ = l.accept()
        c.sendall(b"old\n")
        c.close()'
	# A client that connects again and again and writes down each answer,
	# "refused", or "dropped" for a connection closed unanswered, until
	# told to stop.
	python3 -c '
import os, socket, sys, time
port = int(sys.argv[1])
with open("answers", "w") as out:
    while not os.path.exists("stop"):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
                out.write(c.makefile().readline() or "dropped\n")
        except ConnectionRefusedError:
            out.write("refused\n")
        except OSError:
            out.write("dropped\n")
        out.flush()
' "$(<port)" 3>&- &
	cpid=$!
	track "$cpid"
	wait_for answers '^old$'
	# The successor gets the socket at fd 3, as from a service manager.
	"$FDRECV" "pid:$hpid:$(<lfd)" -- python3 -c '
import os, socket
assert os.environ["LISTEN_FDS"] == "1" and os.environ["LISTEN_PID"] == str(os.getpid())
l = socket.socket(fileno=3)
while True:
    c, _ = l.accept()
    c.sendall(b"new\n")
    c.close()' 3>&- &
	npid=$!
	track "$npid"
	# Once the new one holds the socket, the old one goes.
	for ((i = 0; i < 500; i++)); do
		[[ $(readlink "/proc/$npid/fd/3" 2>/dev/null) == "$(readlink "/proc/$hpid/fd/$(<lfd)")" ]] && break
		sleep 0.01
	done
	kill "$hpid"
	wait "$hpid" 2>/dev/null || true
	# Five answers more than the old server could have given.
	n=$(wc -l <answers)
	wait_for answers '^new$'
	for ((i = 0; i < 500 && $(wc -l <answers) < n + 5; i++)); do
		sleep 0.01
	done
	touch stop
	wait "$cpid"
	# Never refused: the socket stayed open from one server to the next.
	run -1 grep -q refused answers
	# The one connection the old server had accepted when it was killed,
	# if any, went with it; the client makes one at a time.
	[[ $(grep -cv -e '^old$' -e '^new$' answers) -le 1 ]]
	[[ $(grep -c '^new$' answers) -ge 5 ]]
}

@test "a descriptor taken from a process is passed on with fdsend -f 3" {
	hold 'l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen()
save("port", l.getsockname()[1]); save("lfd", l.fileno())'
	recv_bg -T 10 -j "$sock"
	"$FDRECV" "pid:$hpid:$(<lfd)" -- "$FDSEND" -w 5 -f 3 "$sock" 'passed on' 3>&-
	recv_wait
	[[ $rstatus -eq 0 ]]
	json_ok 'd["message"] == "passed on"' \
		'fds[0]["socket"]["local"] == "127.0.0.1:" + file("port")' 'fds[0]["socket"]["listening"]'
}

@test "--at and --fdname place and name the descriptors for COMMAND" {
	hold 'r, w = os.pipe(); save("fds", "%d %d" % (r, w))'
	read -r r w <<<"$(<fds)"
	run -0 "$FDRECV" --at 5,7 --fdname in:out "pid:$hpid:$r,$w" -- sh -c \
		'echo "$LISTEN_FDS $LISTEN_FDNAMES"; readlink /proc/self/fd/5 /proc/self/fd/7'
	[[ ${lines[0]} == "2 in:out" ]]
	[[ ${lines[1]} == "$(readlink "/proc/$hpid/fd/$r")" ]]
	[[ ${lines[2]} == "$(readlink "/proc/$hpid/fd/$w")" ]]
}

@test "-v describes on standard error what COMMAND is given" {
	hold 'e = os.eventfd(9); save("fd", e)'
	run -0 --separate-stderr "$FDRECV" -v "pid:$hpid:$(<fd)" -- sh -c 'echo $LISTEN_FDS'
	[[ $output == 1 ]]
	[[ ${stderr_lines[0]} == "process: pid $hpid (python3), "* ]]
	[[ ${stderr_lines[2]} == "fd "*" [0]: anon eventfd, rw, count 9, source fd $(<fd)" ]]
}

@test "-C copies the contents of a process's descriptor, through its own open file" {
	printf 'the contents\n' >f.txt
	hold 'f = open("f.txt", "rb"); save("fd", f.fileno())'
	run -0 "$FDRECV" -C "pid:$hpid:$(<fd)"
	[[ $output == "the contents" ]]
	# The open file is the process's: its offset has moved too.
	grep -q '^pos:[[:space:]]*13$' "/proc/$hpid/fdinfo/$(<fd)"
}

@test "--expect and --max-fds refuse a process with another number of descriptors" {
	hold 'r, w = os.pipe(); save("fds", "%d %d" % (r, w))'
	read -r r w <<<"$(<fds)"
	run_fails 1 "fdrecv: pid:$hpid:$r,$w: refused the 2 descriptors of process pid $hpid: not --expect 1; closed them" \
		"$FDRECV" --expect 1 "pid:$hpid:$r,$w"
	run_fails 1 "fdrecv: pid:$hpid:$r,$w: refused the 2 descriptors of process pid $hpid: more than --max-fds 1; closed them" \
		"$FDRECV" --max-fds 1 "pid:$hpid:$r,$w"
	run -0 "$FDRECV" --expect 2 --max-fds 2 -j "pid:$hpid:$r,$w"
}

@test "--allow-uid refuses a process of another user, and closes what it took" {
	need_root
	hold 'pass' "${as_nobody[@]}"
	n=$(ls "/proc/$hpid/fd" | wc -l)
	run_fails 1 "fdrecv: pid:$hpid: refused the $n descriptors of process pid $hpid: uid 65534 gid 65534, not allowed by --allow-uid or --allow-gid; closed them" \
		"$FDRECV" --allow-uid 0 "pid:$hpid" -- true
	run -0 "$FDRECV" --allow-uid 65534 "pid:$hpid" -- true
}

# --- usage -------------------------------------------------------------------

@test "options for a socket are usage errors with pid:" {
	run_fails 2 "fdrecv: pid:1: -c cannot be used with pid:" "$FDRECV" -c pid:1
	run_fails 2 "fdrecv: pid:1: -m cannot be used with pid:" "$FDRECV" -m 600 pid:1
	run_fails 2 "fdrecv: pid:1: -n cannot be used with pid:" "$FDRECV" -n 1 pid:1
	run_fails 2 "fdrecv: pid:1: --notify cannot be used with pid:" "$FDRECV" --notify pid:1
	run_fails 2 "fdrecv: pid:1: -t cannot be used with pid:" "$FDRECV" -t stream pid:1
}

@test "a malformed pid: source is a usage error that names it" {
	for bad in pid: pid:0 pid:x pid:-1 pid:1: pid:1:x pid:1:3-2 pid:1:3, pid:99999999999; do
		run_fails 2 "fdrecv: $bad: not pid:PID or pid:PID:FD[,FD...]" "$FDRECV" "$bad"
	done
}

@test "a socket file named pid:... is reached as ./pid:..." {
	recv_bg -T 10 -j ./pid:1
	"$FDSEND" -w 5 ./pid:1 hello 3>&-
	recv_wait
	[[ $rstatus -eq 0 ]]
	json_ok 'd["message"] == "hello"'
}

# --- errors ------------------------------------------------------------------

@test "a pid that no process has is named: no such process" {
	pid=$(($(cat /proc/sys/kernel/pid_max) + 1))
	run_fails 1 "fdrecv: pid:$pid: no such process" "$FDRECV" "pid:$pid"
	run_fails 1 "fdrecv: pid:$pid:0: no such process" "$FDRECV" "pid:$pid:0"
}

@test "a descriptor that the process does not have is named: no such descriptor" {
	hold 'save("fd", os.open("/dev/null", os.O_RDONLY))'
	run_fails 1 "fdrecv: pid:$hpid:$(<fd),999: fd 999: no such descriptor" \
		"$FDRECV" "pid:$hpid:$(<fd),999" -- true
}

@test "a thread's id is refused, naming the process it belongs to" {
	hold 't = threading.Thread(target=time.sleep, args=(3600,), daemon=True); t.start()
save("tid", t.native_id)'
	run_fails 1 "fdrecv: pid:$(<tid): a thread, not a process: it belongs to pid $hpid" \
		"$FDRECV" "pid:$(<tid)"
}

@test "a process that has exited is refused: the process has exited" {
	# A zombie: a child that its parent does not reap.
	hold 'signal.signal(signal.SIGCHLD, signal.SIG_DFL)
z = os.fork()
if z == 0:
    os._exit(0)
save("zombie", z)'
	for ((i = 0; i < 500; i++)); do
		[[ $(awk '{ print $3 }' "/proc/$(<zombie)/stat") == Z ]] && break
		sleep 0.01
	done
	run_fails 1 "fdrecv: pid:$(<zombie): the process has exited" "$FDRECV" "pid:$(<zombie)"
}

@test "permission denied names the other uid and the missing CAP_SYS_PTRACE" {
	setup_nobody
	hold 'pass'
	reason="it runs as uid 0, not as our uid 65534, and we lack CAP_SYS_PTRACE$(yama_reason)"
	# Every descriptor: /proc/PID/fd cannot be listed.
	run_fails 1 "fdrecv: pid:$hpid: permission denied: $reason" \
		"${as_nobody[@]}" "$nobody_fdrecv" "pid:$hpid"
	# One descriptor: pidfd_getfd(2) says EPERM.
	run_fails 1 "fdrecv: pid:$hpid:0: permission denied: $reason" \
		"${as_nobody[@]}" "$nobody_fdrecv" "pid:$hpid:0"
}

@test "root without CAP_SYS_PTRACE is refused a process of another uid" {
	setup_nobody
	hold 'pass' "${as_nobody[@]}"
	run_fails 1 "fdrecv: pid:$hpid:0: permission denied: it runs as uid 65534, not as our uid 0, and we lack CAP_SYS_PTRACE$(yama_reason)" \
		setpriv --bounding-set=-sys_ptrace --inh-caps=-sys_ptrace "$FDRECV" "pid:$hpid:0"
	# With it, root may.
	run -0 "$FDRECV" "pid:$hpid:0"
}

@test "a process that is not dumpable is refused, and said to be" {
	setup_nobody
	find_nobody_python
	"${as_nobody[@]}" "$nobody_py" -c "$py_hold" 'libc.prctl(4, 0)   # PR_SET_DUMPABLE' \
		>hold.out 2>hold.err 3>&- &
	hpid=$!
	track "$hpid"
	wait_for hold.out '^ready$'
	run_fails 1 "fdrecv: pid:$hpid:0: permission denied: it is not dumpable (set-user-ID, or PR_SET_DUMPABLE 0), and we lack CAP_SYS_PTRACE$(yama_reason)" \
		"${as_nobody[@]}" "$nobody_fdrecv" "pid:$hpid:0"
}

# A kernel without the system call, as a seccomp filter makes it: the
# Python code installs one that fails system call number argv[1] with
# ENOSYS, then runs the rest of argv.
py_enosys='
import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
nr = int(sys.argv[1])
prog = [(0x20, 0, 0, 0),                  # load seccomp_data.nr
        (0x15, 0, 1, nr),                 # equal to nr: next; else skip one
        (0x06, 0, 0, 0x00050000 | 38),    # SECCOMP_RET_ERRNO | ENOSYS
        (0x06, 0, 0, 0x7fff0000)]         # SECCOMP_RET_ALLOW
code = b"".join(struct.pack("HBBI", *i) for i in prog)
class fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]
p = fprog(len(prog), code)
if libc.prctl(38, 1, 0, 0, 0) or libc.prctl(22, 2, ctypes.byref(p), 0, 0):
    sys.exit("seccomp: %s" % os.strerror(ctypes.get_errno()))
os.execv(sys.argv[2], sys.argv[2:])
'

@test "a kernel without pidfd_getfd or pidfd_open is named, with the version needed" {
	hold 'pass'
	# The same numbers on every architecture: 438 and 434.
	run_fails 1 "fdrecv: pid:$hpid:0: pidfd_getfd: not in this kernel (Linux 5.6 or later)" \
		python3 -c "$py_enosys" 438 "$FDRECV" "pid:$hpid:0"
	run_fails 1 "fdrecv: pid:$hpid:0: pidfd_open: not in this kernel (Linux 5.3 or later)" \
		python3 -c "$py_enosys" 434 "$FDRECV" "pid:$hpid:0"
}

@test "running out of descriptors is named, and fdrecv takes none" {
	hold 'keep = [os.open("/dev/null", os.O_RDONLY) for _ in range(40)]'
	run -1 --separate-stderr bash -c 'ulimit -n 20; exec "$@"' bash "$FDRECV" "pid:$hpid" -- true
	[[ $stderr =~ ^fdrecv:\ pid:$hpid:\ fd\ [0-9]+:\ too\ many\ open\ files\ \(the\ limit,\ RLIMIT_NOFILE,\ is\ too\ low\)$ ]]
	[[ -z $output ]]
}

# --- the README --------------------------------------------------------------

@test "the README's rescue of a listening socket runs, and the new server answers" {
	readme_script 'Rescue a listening socket' >rescue.sh
	grep -q 'fdrecv pid:' rescue.sh
	# Its port, 8123, may be taken here: another that is free.
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	sed -i "s/8123/$port/g" rescue.sh
	PATH=$(dirname "$FDRECV"):$PATH run -0 timeout 30 sh rescue.sh 3>&-
	[[ $output == 'from the new server' ]]
}
