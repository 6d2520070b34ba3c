#!/usr/bin/env bats
#
# What fdrecv says about what arrives: real objects of every kind, sent
# through fdsend (or a Python sender) and described by fdrecv -j, by its
# human report and by fdsend -v. Every JSON check parses the output with
# Python's json module.

load test_helper

# fdrecv's output option for send and send_py: -j, or nothing for the
# human report. Every fdrecv here runs with -T 10, so that a bug makes a
# test fail rather than hang.
recv_opts=(-j)

# Reap the background fdrecv, which must have succeeded.
recv_done() {
	recv_wait
	if ((rstatus != 0)); then
		echo "fdrecv exited with status $rstatus:" >&2
		cat err >&2
		return 1
	fi
}

# send [FDSEND-OPTION ...] [-- PART ...]: start fdrecv on $sock, then
# send to it with fdsend. fdrecv's output is in ./out, its errors in ./err.
send() {
	local opts=()

	while (($#)) && [[ $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	(($# == 0)) || shift
	recv_bg -T 10 "${recv_opts[@]}" "$sock"
	"$FDSEND" -w 5 "${opts[@]}" "$sock" "$@" 3>&-
	recv_done
}

# What the Python code of these tests starts with: save(NAME, VALUE) keeps
# a value in a file for the checks; connect(PATH) connects to fdrecv,
# waiting for it to listen as fdsend -w does.
py_lib='
import ctypes, os, select, signal, socket, sys, time
libc = ctypes.CDLL(None, use_errno=True)
def save(name, value):
    with open(name, "w") as f:
        f.write(str(value))
def connect(path, kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_UNIX, kind)
    for _ in range(500):
        try:
            s.connect(path)
            return s
        except (FileNotFoundError, ConnectionRefusedError):
            time.sleep(0.01)
    s.connect(path)
    return s
'

# The Python side of send_py: run the code in argv[1], which opens what is
# to be sent and leaves its descriptors in the list fds, then become
# fdsend -f FDS with the rest of argv. The descriptors stay in this
# process, so what they refer to lasts until fdsend is done.
py_exec=$py_lib'
fds = []
exec(sys.argv[1])
for fd in fds:
    os.set_inheritable(fd, True)
args = [os.environ["FDSEND"]]
if fds:
    args += ["-f", ",".join(map(str, fds))]
os.execv(args[0], args + sys.argv[2:])
'

# send_py CODE [FDSEND-OPTION ...] [-- PART ...]: like send, with the
# descriptors that the Python CODE puts in fds.
send_py() {
	local code=$1 opts=()

	shift
	while (($#)) && [[ $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	(($# == 0)) || shift
	recv_bg -T 10 "${recv_opts[@]}" "$sock"
	python3 -c "$py_exec" "$code" -w 5 "${opts[@]}" "$sock" "$@" 3>&-
	recv_done
}

# json_ok EXPR ...: every Python EXPR is true of the JSON in ./out, which
# must be exactly one line of strict JSON (no key twice, no NaN). In EXPR: d is the object, fds its "fds", f the
# first of them and s that one's "socket"; here is the test directory
# (symbolic links resolved), file(NAME) what save() kept and basic(O) the
# object O without the keys that tests of their own check.
json_ok() {
	python3 -c '
import json, os, re, sys
with open("out", encoding="utf-8") as o:
    lines = o.read().splitlines()
if len(lines) != 1:
    sys.exit("expected one line of JSON, got %d:\n%s" % (len(lines), "\n".join(lines)))
def strict(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        sys.exit("a key twice in one object: %s\nJSON: %s" % (keys, lines[0]))
    return dict(pairs)
def no_constant(name):
    sys.exit("not JSON: %s\nJSON: %s" % (name, lines[0]))
d = json.loads(lines[0], object_pairs_hook=strict, parse_constant=no_constant)
fds = d["fds"]
f = fds[0] if fds else {}
s = f.get("socket", {})
here = os.getcwd()
# What the tests of the basics compare exactly, leaving out the keys that
# tests of their own check: a socket without its namespace and options, a
# peer without what its pidfd tells.
def basic(o):
    return {k: v for k, v in o.items() if k not in
            ("netns", "netns_ours", "reuseport", "device", "exited", "exe", "cgroup", "unit")}
def file(name):
    with open(name) as fh:
        return fh.read()
for e in sys.argv[1:]:
    if not eval(e):
        sys.exit("not true: %s\nJSON: %s" % (e, lines[0]))
' "$@"
}

# The lines of ./out (or of $1) without fdrecv's own descriptor numbers,
# which differ from the sender's: "fd 5 [0]: ..." becomes "[0]: ...".
unnumbered() {
	sed -E 's/^fd [0-9]+ \[/[/' "${1:-out}"
}

# recv_after_exit [FDRECV-OPTION ...]: run fdrecv on a listening socket
# where a sender has already connected, sent "gone", exited and been
# reaped: its pid (in ./pid) is known, its command name is not.
recv_after_exit() {
	python3 -c "$py_lib"'
l = socket.socket(socket.AF_UNIX)
l.bind("l.sock")
l.listen()
pid = os.fork()
if pid == 0:
    connect("l.sock").sendall(b"gone")
    os._exit(0)
os.waitpid(pid, 0)
save("pid", pid)
os.set_inheritable(l.fileno(), True)
fdrecv = os.environ["FDRECV"]
os.execv(fdrecv, [fdrecv, "-T", "10"] + sys.argv[1:] + ["fd:%d" % l.fileno()])
' "$@" >out 2>err 3>&-
}

need_ipv6() {
	python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null ||
		skip "no IPv6 loopback address (::1)"
}

# --- regular files --------------------------------------------------------

@test "a file opened for reading is a file with its path, access r, offset and size" {
	printf 'hello world' >f.txt
	send_py 'fd = os.open("f.txt", os.O_RDONLY); os.read(fd, 4); fds = [fd]'
	json_ok 'f["type"] == "file"' 'f["path"] == here + "/f.txt"' \
		'f["access"] == "r"' 'f["offset"] == 4' 'f["size"] == 11' \
		'f["flags"] == []' '"socket" not in f and "anon" not in f'
}

@test "a file sent with -o is open for reading at offset 0" {
	printf 'hello world' >f.txt
	send -o f.txt
	json_ok 'f["type"] == "file"' 'f["path"] == here + "/f.txt"' \
		'f["access"] == "r"' 'f["offset"] == 0' 'f["size"] == 11'
}

@test "a file opened for writing has access w" {
	send -f 5 5>w.txt
	json_ok 'f["type"] == "file"' 'f["path"] == here + "/w.txt"' \
		'f["access"] == "w"' 'f["offset"] == 0' 'f["size"] == 0'
}

@test "a file opened for reading and writing has access rw" {
	printf '12345678' >rw.txt
	send -f 5 5<>rw.txt
	json_ok 'f["type"] == "file"' 'f["access"] == "rw"' 'f["size"] == 8'
}

@test "a file opened for appending has the flag append" {
	printf 'abc' >log.txt
	send -f 5 5>>log.txt
	json_ok 'f["type"] == "file"' 'f["access"] == "w"' 'f["flags"] == ["append"]' \
		'f["size"] == 3'
}

@test "file status flags are listed in a fixed order" {
	send_py 'fds = [os.open("f.txt", os.O_WRONLY | os.O_CREAT | os.O_NONBLOCK | os.O_NOATIME | os.O_APPEND)]'
	json_ok 'f["flags"] == ["append", "noatime", "nonblock"]'
}

@test "O_SYNC is the flag sync and O_DSYNC the flag dsync" {
	send_py 'fds = [os.open("a.txt", os.O_WRONLY | os.O_CREAT | os.O_SYNC),
	               os.open("b.txt", os.O_WRONLY | os.O_CREAT | os.O_DSYNC)]'
	json_ok 'fds[0]["flags"] == ["sync"]' 'fds[1]["flags"] == ["dsync"]'
}

@test "O_ASYNC and O_DIRECT are the flags async and direct" {
	python3 -c 'import os; os.open("probe", os.O_WRONLY | os.O_CREAT | os.O_DIRECT)' 2>/dev/null ||
		skip "this file system refuses O_DIRECT"
	send_py 'import fcntl; r, w = os.pipe(); fcntl.fcntl(w, fcntl.F_SETFL, os.O_ASYNC)
fds = [w, os.open("f.txt", os.O_WRONLY | os.O_CREAT | os.O_DIRECT)]'
	json_ok 'fds[0]["flags"] == ["async"]' 'fds[1]["flags"] == ["direct"]'
}

@test "a deleted file is named as the kernel names it" {
	send_py 'fd = os.open("gone.txt", os.O_RDWR | os.O_CREAT); os.write(fd, b"abc")
os.unlink("gone.txt"); fds = [fd]'
	json_ok 'f["type"] == "file"' 'f["path"] == here + "/gone.txt (deleted)"' \
		'f["access"] == "rw"' 'f["offset"] == 3' 'f["size"] == 3'
}

@test "a memfd is a file named /memfd:NAME (deleted)" {
	send_py 'fd = os.memfd_create("fdtest"); os.write(fd, b"12345"); fds = [fd]'
	json_ok 'f["type"] == "file"' 'f["path"] == "/memfd:fdtest (deleted)"' \
		'f["access"] == "rw"' 'f["offset"] == 5' 'f["size"] == 5' '"anon" not in f'
}

@test "a file opened with O_PATH has access path and no offset" {
	printf 'hello world' >f.txt
	send_py 'fds = [os.open("f.txt", os.O_PATH)]'
	json_ok 'f["type"] == "file"' 'f["path"] == here + "/f.txt"' \
		'f["access"] == "path"' 'f["size"] == 11' '"offset" not in f'
}

# --- directories and devices ------------------------------------------------

@test "a directory opened with O_PATH is a directory with access path" {
	mkdir d
	send_py 'fds = [os.open("d", os.O_PATH | os.O_DIRECTORY)]'
	json_ok 'f["type"] == "directory"' 'f["path"] == here + "/d"' \
		'f["access"] == "path"' '"offset" not in f and "size" not in f'
}

@test "a directory opened for reading is a directory with access r" {
	mkdir d
	send -o d
	json_ok 'f["type"] == "directory"' 'f["path"] == here + "/d"' \
		'f["access"] == "r"' '"offset" not in f and "size" not in f'
}

@test "/dev/null is a char device without offset or size" {
	send -o /dev/null
	json_ok 'f["type"] == "char"' 'f["path"] == "/dev/null"' 'f["access"] == "r"' \
		'"offset" not in f and "size" not in f'
}

@test "both sides of a pseudo-terminal are char devices" {
	python3 -c 'import os; os.openpty()' 2>/dev/null ||
		skip "no pseudo-terminal can be opened here"
	send_py 'import pty; m, t = pty.openpty(); fds = [m, t]
save("tty", os.ttyname(t))'
	json_ok 'fds[0]["type"] == "char" and fds[1]["type"] == "char"' \
		'fds[1]["path"] == file("tty")' 'fds[1]["path"].startswith("/dev/pts/")' \
		'fds[0]["access"] == fds[1]["access"] == "rw"'
}

@test "a block device is a block with its size" {
	dev=$(python3 -c '
import os, stat
for n in sorted(os.listdir("/dev")):
    p = "/dev/" + n
    try:
        if stat.S_ISBLK(os.stat(p).st_mode):
            os.close(os.open(p, os.O_RDONLY))
            print(p)
            break
    except OSError:
        pass
')
	[[ -n $dev ]] || skip "no block device can be opened here"
	send -o "$dev"
	DEV=$dev json_ok 'f["type"] == "block"' 'f["path"] == os.environ["DEV"]' \
		'f["offset"] == 0' 'isinstance(f["size"], int) and f["size"] >= 0'
}

# --- pipes and FIFOs --------------------------------------------------------

@test "both ends of a pipe are pipes with the same name, r and w" {
	send_py 'r, w = os.pipe(); fds = [r, w]; save("ino", os.fstat(r).st_ino)'
	json_ok 'fds[0]["type"] == fds[1]["type"] == "pipe"' \
		'fds[0]["path"] == fds[1]["path"] == "pipe:[%s]" % file("ino")' \
		'fds[0]["access"] == "r" and fds[1]["access"] == "w"' \
		'"offset" not in f and "size" not in f'
}

@test "a shell pipe on standard input is the read end of a pipe" {
	echo data | send -f 0
	json_ok 'f["type"] == "pipe"' 're.fullmatch(r"pipe:\[\d+\]", f["path"])' \
		'f["access"] == "r"'
}

@test "a FIFO is a fifo with its path" {
	mkfifo fifo
	send_py 'fds = [os.open("fifo", os.O_RDWR), os.open("fifo", os.O_RDONLY | os.O_NONBLOCK)]'
	json_ok 'fds[0]["type"] == fds[1]["type"] == "fifo"' \
		'fds[0]["path"] == fds[1]["path"] == here + "/fifo"' \
		'fds[0]["access"] == "rw" and fds[1]["access"] == "r"' \
		'fds[1]["flags"] == ["nonblock"]'
}

@test "a pipe made non-blocking has the flag nonblock" {
	send_py 'r, w = os.pipe(); os.set_blocking(w, False); fds = [w]'
	json_ok 'f["type"] == "pipe"' 'f["flags"] == ["nonblock"]'
}

# --- sockets ----------------------------------------------------------------

@test "a listening TCP socket shows its local 127.0.0.1:PORT" {
	send_py 'l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen()
save("port", l.getsockname()[1]); fds = [l.fileno()]'
	json_ok 'f["type"] == "socket"' 're.fullmatch(r"socket:\[\d+\]", f["path"])' \
		'f["access"] == "rw"' \
		'basic(s) == {"family": "inet", "type": "stream", "listening": True,
		       "local": "127.0.0.1:" + file("port")}'
}

@test "a connected TCP pair shows local and peer addresses, crosswise" {
	send_py 'l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen()
c = socket.create_connection(l.getsockname()); a, _ = l.accept()
save("lport", l.getsockname()[1]); save("cport", c.getsockname()[1])
fds = [c.fileno(), a.fileno()]'
	json_ok 'basic(fds[0]["socket"]) == {"family": "inet", "type": "stream", "listening": False,
	             "local": "127.0.0.1:" + file("cport"), "peer": "127.0.0.1:" + file("lport")}' \
		'basic(fds[1]["socket"]) == {"family": "inet", "type": "stream", "listening": False,
	             "local": "127.0.0.1:" + file("lport"), "peer": "127.0.0.1:" + file("cport")}'
}

@test "a listening TCP socket on ::1 shows its local [::1]:PORT" {
	need_ipv6
	send_py 'l = socket.socket(socket.AF_INET6); l.bind(("::1", 0)); l.listen()
save("port", l.getsockname()[1]); fds = [l.fileno()]'
	json_ok 'basic(s) == {"family": "inet6", "type": "stream", "listening": True,
		       "local": "[::1]:" + file("port")}'
}

@test "a UDP socket is a dgram socket that is not listening" {
	send_py 'u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
save("port", u.getsockname()[1]); fds = [u.fileno()]'
	json_ok 'basic(s) == {"family": "inet", "type": "dgram", "listening": False,
		       "local": "127.0.0.1:" + file("port")}'
}

@test "a listening unix socket shows its path" {
	send_py 'l = socket.socket(socket.AF_UNIX); l.bind(os.path.abspath("u.sock")); l.listen()
fds = [l.fileno()]'
	json_ok 'f["type"] == "socket"' 'f["access"] == "rw"' \
		'basic(s) == {"family": "unix", "type": "stream", "listening": True,
		       "local": here + "/u.sock"}'
}

@test "a unix socket with an abstract name shows @NAME" {
	send_py 'name = "fdtest-%d" % os.getpid(); save("name", name)
l = socket.socket(socket.AF_UNIX); l.bind("\0" + name); l.listen(); fds = [l.fileno()]'
	json_ok 's["local"] == "@" + file("name")' 's["listening"] is True'
}

@test "a long abstract name of unprintable bytes is shown whole, escaped" {
	send_py 'l = socket.socket(socket.AF_UNIX); l.bind(b"\0" + b"\x01" * 100); fds = [l.fileno()]'
	json_ok 's["local"] == "@" + "\\x01" * 100'
}

@test "connected unix sockets show the path on the side that has it" {
	send_py 'l = socket.socket(socket.AF_UNIX); l.bind(os.path.abspath("u.sock")); l.listen()
c = socket.socket(socket.AF_UNIX); c.connect(os.path.abspath("u.sock")); a, _ = l.accept()
fds = [c.fileno(), a.fileno()]'
	json_ok 'basic(fds[0]["socket"]) == {"family": "unix", "type": "stream", "listening": False,
	             "peer": here + "/u.sock"}' \
		'basic(fds[1]["socket"]) == {"family": "unix", "type": "stream", "listening": False,
	             "local": here + "/u.sock"}'
}

@test "a socketpair has neither local nor peer address" {
	send_py 'a, b = socket.socketpair(); fds = [a.fileno()]'
	json_ok 'basic(s) == {"family": "unix", "type": "stream", "listening": False}'
}

@test "a bound unix dgram socket is dgram, not listening, with its path" {
	send_py 'u = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); u.bind(os.path.abspath("d.sock"))
fds = [u.fileno()]'
	json_ok 'basic(s) == {"family": "unix", "type": "dgram", "listening": False,
		       "local": here + "/d.sock"}'
}

@test "a listening seqpacket socket is seqpacket" {
	send_py 'l = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
l.bind(os.path.abspath("q.sock")); l.listen(); fds = [l.fileno()]'
	json_ok 's["type"] == "seqpacket"' 's["listening"] is True' 's["local"] == here + "/q.sock"'
}

@test "an O_PATH descriptor of a socket file is a socket by its path, with no socket details" {
	send_py 'u = socket.socket(socket.AF_UNIX); u.bind("u.sock")
fds = [os.open("u.sock", os.O_PATH)]'
	json_ok 'f["type"] == "socket"' 'f["path"] == here + "/u.sock"' \
		'f["access"] == "path"' '"socket" not in f'
}

@test "a netlink socket names its family and type" {
	python3 -c 'import socket; socket.socket(socket.AF_NETLINK, socket.SOCK_RAW)' 2>/dev/null ||
		skip "netlink sockets cannot be opened here"
	send_py 'n = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW); fds = [n.fileno()]'
	json_ok 's["family"] == "netlink"' 's["type"] == "raw"' '"local" not in s'
}

# --- anonymous inodes -------------------------------------------------------

@test "an eventfd is anon eventfd" {
	send_py 'fds = [os.eventfd(0, os.EFD_NONBLOCK)]'
	json_ok 'f["type"] == "anon"' 'f["anon"] == "eventfd"' \
		'f["path"] == "anon_inode:[eventfd]"' 'f["access"] == "rw"' \
		'f["flags"] == ["nonblock"]' '"offset" not in f and "size" not in f' \
		'"socket" not in f'
}

@test "a timerfd is anon timerfd" {
	send_py 'fds = [libc.timerfd_create(1, 0)]   # CLOCK_MONOTONIC'
	json_ok 'f["type"] == "anon"' 'f["anon"] == "timerfd"' 'f["path"] == "anon_inode:[timerfd]"'
}

@test "a signalfd is anon signalfd" {
	send_py 'mask = ctypes.c_uint64(1 << (signal.SIGUSR1 - 1))
fds = [libc.signalfd(-1, ctypes.byref(mask), 0)]'
	json_ok 'f["type"] == "anon"' 'f["anon"] == "signalfd"'
}

@test "an epoll descriptor is anon epoll" {
	send_py 'e = select.epoll(); fds = [e.fileno()]'
	json_ok 'f["type"] == "anon"' 'f["anon"] == "epoll"' 'f["path"] == "anon_inode:[eventpoll]"'
}

@test "an inotify descriptor is anon inotify" {
	send_py 'fds = [libc.inotify_init1(0)]'
	json_ok 'f["type"] == "anon"' 'f["anon"] == "inotify"' 'f["path"] == "anon_inode:inotify"'
}

@test "a pidfd is anon pidfd" {
	python3 -c 'import os; os.pidfd_open(os.getpid())' 2>/dev/null ||
		skip "pidfd_open is not available here"
	send_py 'fds = [os.pidfd_open(os.getpid())]'
	json_ok 'f["type"] == "anon"' 'f["anon"] == "pidfd"'
}

# --- what the kernel tells of each kind --------------------------------------
# From fdinfo, F_GET_SEALS, SIOCGSKNS and socket options, compared with what
# the sender set up.

# A struct itimerspec for timerfd_settime, from (seconds, nanoseconds) pairs.
timer_lib='
class timespec(ctypes.Structure):
    _fields_ = [("sec", ctypes.c_long), ("nsec", ctypes.c_long)]
class itimerspec(ctypes.Structure):
    _fields_ = [("interval", timespec), ("value", timespec)]
def settime(fd, value, interval=(0, 0), flags=0):
    t = itimerspec(timespec(*interval), timespec(*value))
    assert libc.timerfd_settime(fd, flags, ctypes.byref(t), None) == 0
'

@test "an eventfd shows its counter, and whether it is a semaphore" {
	send_py 'fds = [os.eventfd(7), os.eventfd(3, os.EFD_SEMAPHORE)]'
	json_ok 'fds[0]["eventfd"]["count"] == 7' 'fds[1]["eventfd"]["count"] == 3'
	# Linux 6.8 and later say whether it is a semaphore.
	if grep -q eventfd-semaphore <(python3 -c 'import os; e = os.eventfd(0); print(open("/proc/self/fdinfo/%d" % e).read())'); then
		json_ok 'fds[0]["eventfd"]["semaphore"] is False' 'fds[1]["eventfd"]["semaphore"] is True'
	else
		json_ok '"semaphore" not in fds[0]["eventfd"]'
	fi
}

@test "a timerfd shows its clock, flags, the time remaining, its interval and ticks" {
	send_py "$timer_lib"'
armed = libc.timerfd_create(time.CLOCK_MONOTONIC, 0)
settime(armed, (100, 0), (0, 250000000))
absolute = libc.timerfd_create(time.CLOCK_BOOTTIME, 0)
settime(absolute, (int(time.clock_gettime(time.CLOCK_BOOTTIME)) + 50, 0), flags=1)  # TFD_TIMER_ABSTIME
fired = libc.timerfd_create(time.CLOCK_REALTIME, 0)
settime(fired, (0, 1))
select.select([fired], [], [])   # it has expired, once, and nobody has read it
fds = [armed, absolute, fired, libc.timerfd_create(time.CLOCK_REALTIME, 0)]'
	json_ok 'fds[0]["timerfd"]["clock"] == "monotonic"' 'fds[0]["timerfd"]["flags"] == []' \
		'99 < fds[0]["timerfd"]["remaining"] <= 100' 'fds[0]["timerfd"]["interval"] == 0.25' \
		'fds[0]["timerfd"]["ticks"] == 0' \
		'fds[1]["timerfd"]["clock"] == "boottime"' 'fds[1]["timerfd"]["flags"] == ["abstime"]' \
		'49 < fds[1]["timerfd"]["remaining"] <= 50' 'fds[1]["timerfd"]["interval"] == 0' \
		'fds[2]["timerfd"] == {"clock": "realtime", "flags": [], "remaining": 0, "interval": 0, "ticks": 1}' \
		'fds[3]["timerfd"] == {"clock": "realtime", "flags": [], "remaining": 0, "interval": 0, "ticks": 0}'
}

@test "a signalfd shows the signals it takes, by name, and real-time ones by number" {
	send_py 'mask = ctypes.c_uint64(sum(1 << (s - 1) for s in (signal.SIGHUP, signal.SIGUSR1, 35)))
fds = [libc.signalfd(-1, ctypes.byref(mask), 0)]'
	json_ok 'f["signalfd"] == {"signals": ["SIGHUP", "SIGUSR1", "SIG35"]}'
}

@test "an inotify instance shows how many watches it has" {
	mkdir a b
	send_py 'i = libc.inotify_init1(0)
for d in (b"a", b"b", b"."):
    assert libc.inotify_add_watch(i, d, 0x100) > 0   # IN_CREATE
fds = [i, libc.inotify_init1(0)]'
	json_ok 'fds[0]["inotify"] == {"watches": 3}' 'fds[1]["inotify"] == {"watches": 0}'
}

@test "an epoll set shows how many targets it has" {
	send_py 'e = select.epoll(); r, w = os.pipe(); ev = os.eventfd(0)
for fd in (r, w, ev):
    e.register(fd)
# A target leaves the set when its file closes: send them along.
empty = select.epoll(); fds = [e.fileno(), empty.fileno(), r, w, ev]'
	json_ok 'fds[0]["epoll"] == {"targets": 3}' 'fds[1]["epoll"] == {"targets": 0}'
}

@test "a pidfd shows its process's pid while it runs, and when it has exited" {
	send_py 'gone = os.fork()
if gone == 0:
    os._exit(0)
g = os.pidfd_open(gone); os.waitpid(gone, 0)
save("ppid", os.getppid())
fds = [os.pidfd_open(os.getppid()), g]'
	json_ok 'fds[0]["pidfd"] == {"pid": int(file("ppid")), "exited": False}' \
		'fds[1]["pidfd"] == {"exited": True}'
}

@test "a memfd shows its seals; one made without MFD_ALLOW_SEALING has only seal" {
	send_py 'import fcntl
m = os.memfd_create("sealed", os.MFD_ALLOW_SEALING)
fcntl.fcntl(m, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE)
fds = [m, os.memfd_create("open", os.MFD_ALLOW_SEALING), os.memfd_create("plain")]'
	json_ok 'fds[0]["seals"] == ["shrink", "grow", "write"]' 'fds[1]["seals"] == []' \
		'fds[2]["seals"] == ["seal"]'
}

@test "a file other than a memfd has no seals key" {
	send -o /dev/null -o /etc/hostname
	json_ok 'all("seals" not in x for x in fds)'
}

@test "a flock(2) lock and an OFD lock with its range travel with the open file" {
	mkdir d
	send_py 'import fcntl, struct
a = os.open("a", os.O_RDWR | os.O_CREAT); fcntl.flock(a, fcntl.LOCK_EX)
b = os.open("b", os.O_RDWR | os.O_CREAT)
# F_OFD_SETLK, a read lock on bytes 10 to 19
fcntl.fcntl(b, 37, struct.pack("hhqqi", fcntl.F_RDLCK, os.SEEK_SET, 10, 10, 0))
d = os.open("d", os.O_RDONLY); fcntl.flock(d, fcntl.LOCK_SH)
save("pid", os.getpid())
fds = [a, b, d, os.open("c", os.O_RDWR | os.O_CREAT)]'
	json_ok 'fds[0]["locks"] == [{"kind": "flock", "mode": "write", "start": 0, "pid": int(file("pid"))}]' \
		'fds[1]["locks"] == [{"kind": "ofd", "mode": "read", "start": 10, "end": 19}]' \
		'fds[2]["locks"] == [{"kind": "flock", "mode": "read", "start": 0, "pid": int(file("pid"))}]' \
		'"locks" not in fds[3]'
}

@test "a POSIX lock belongs to the process that took it: a passed descriptor does not show it" {
	send_py 'import fcntl
a = os.open("a", os.O_RDWR | os.O_CREAT); fcntl.lockf(a, fcntl.LOCK_EX)
fds = [a]'
	json_ok 'f["type"] == "file"' '"locks" not in f'
}

@test "the report shows the fdinfo facts in its lines" {
	recv_opts=()
	send_py "$timer_lib"'import fcntl, struct
# Expired once, not read: the next expiry is due, and 2.5 s apart after that.
t = libc.timerfd_create(time.CLOCK_MONOTONIC, 0); settime(t, (0, 1), (2, 500000000))
select.select([t], [], [])
d = libc.timerfd_create(time.CLOCK_BOOTTIME, 0)
mask = ctypes.c_uint64((1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1)))
i = libc.inotify_init1(0); libc.inotify_add_watch(i, b".", 0x100)
e = select.epoll(); e.register(i)
m = os.memfd_create("m", os.MFD_ALLOW_SEALING); fcntl.fcntl(m, fcntl.F_ADD_SEALS, fcntl.F_SEAL_GROW | fcntl.F_SEAL_SHRINK)
o = os.open("o", os.O_RDWR | os.O_CREAT)
fcntl.fcntl(o, 37, struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0))   # F_OFD_SETLK, all of it
p = os.open("p", os.O_RDWR | os.O_CREAT)
fcntl.fcntl(p, 37, struct.pack("hhqqi", fcntl.F_RDLCK, os.SEEK_SET, 4, 0, 0))   # from 4 to the end
gone = os.fork()
if gone == 0:
    os._exit(0)
g = os.pidfd_open(gone); os.waitpid(gone, 0)
save("ppid", os.getppid())
fds = [os.eventfd(5, os.EFD_SEMAPHORE), t, libc.signalfd(-1, ctypes.byref(mask), 0), i,
       e.fileno(), os.pidfd_open(os.getppid()), g, m, o, p, d]'
	here=$(pwd -P)
	run -0 unnumbered
	[[ ${#lines[@]} -eq 13 ]]
	[[ ${lines[2]} == "[0]: anon eventfd, rw, count 5"?(", semaphore") ]]
	[[ ${lines[3]} == "[1]: anon timerfd, rw, clock monotonic, remaining 0s, interval 2.5s, ticks 1" ]]
	[[ ${lines[4]} == "[2]: anon signalfd, rw, signals SIGINT|SIGTERM" ]]
	[[ ${lines[5]} == "[3]: anon inotify, r, watches 1" ]]
	[[ ${lines[6]} == "[4]: anon epoll, rw, targets 1" ]]
	[[ ${lines[7]} == "[5]: anon pidfd, rw, pid $(<ppid)" ]]
	[[ ${lines[8]} == "[6]: anon pidfd, rw, exited" ]]
	[[ ${lines[9]} == "[7]: file /memfd:m (deleted), rw, offset 0, size 0, seals shrink|grow" ]]
	[[ ${lines[10]} == "[8]: file $here/o, rw, offset 0, size 0, lock ofd write" ]]
	[[ ${lines[11]} == "[9]: file $here/p, rw, offset 0, size 0, lock ofd read 4-EOF" ]]
	[[ ${lines[12]} == "[10]: anon timerfd, rw, clock boottime, disarmed, ticks 0" ]]
}

@test "a socket shows its network namespace, which is ours (with CAP_NET_ADMIN)" {
	send_py 'keep = [socket.socket(), socket.socket(socket.AF_UNIX)]; fds = [k.fileno() for k in keep]
save("netns", os.stat("/proc/self/ns/net").st_ino)'
	if [[ $EUID -eq 0 ]]; then
		json_ok 'all(x["socket"]["netns"] == int(file("netns")) for x in fds)' \
			'all(x["socket"]["netns_ours"] is True for x in fds)'
	else
		# The kernel answers SIOCGSKNS only with CAP_NET_ADMIN.
		json_ok 'all("netns" not in x["socket"] for x in fds)'
	fi
}

@test "a socket made in another network namespace is marked as not ours" {
	[[ $EUID -eq 0 ]] || skip "needs root to make a network namespace"
	need unshare
	unshare -n true 2>/dev/null || skip "network namespaces cannot be made here"
	recv_bg -T 10 -j -v "$sock"
	unshare -n python3 -c "$py_exec" 'save("netns", os.stat("/proc/self/ns/net").st_ino)
t = socket.socket(); fds = [t.fileno()]' -w 5 "$sock" 3>&-
	recv_done
	json_ok 's["netns"] == int(file("netns"))' 's["netns_ours"] is False' \
		's["netns"] != os.stat("/proc/self/ns/net").st_ino'
	run -0 unnumbered err
	[[ ${lines[2]} == "[0]: socket inet stream, rw, local 0.0.0.0:0, netns $(<netns) (not ours)" ]]
}

@test "an inet socket shows the device it is bound to and whether SO_REUSEPORT is set" {
	python3 -c 'import socket; socket.socket().setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"lo")' 2>/dev/null ||
		skip "SO_BINDTODEVICE needs CAP_NET_RAW"
	send_py 'b = socket.socket(); b.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"lo")
r = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); r.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
keep = [b, r, socket.socket(), socket.socket(socket.AF_UNIX)]; fds = [k.fileno() for k in keep]'
	json_ok 'fds[0]["socket"]["device"] == "lo"' 'fds[0]["socket"]["reuseport"] is False' \
		'fds[1]["socket"]["reuseport"] is True' '"device" not in fds[1]["socket"]' \
		'fds[2]["socket"]["reuseport"] is False' '"device" not in fds[2]["socket"]' \
		'"reuseport" not in fds[3]["socket"] and "device" not in fds[3]["socket"]'
	recv_opts=()
	send_py 'b = socket.socket(); b.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"lo")
b.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1); fds = [b.fileno()]'
	run -0 unnumbered
	[[ ${lines[2]} == "[0]: socket inet stream, rw, local 0.0.0.0:0, device lo, reuseport" ]]
}

# --- the list of descriptors ------------------------------------------------

@test "descriptors are listed in the order sent, with their index and number" {
	printf 'x' >f.txt
	send -o f.txt -o /dev/null -o .
	json_ok '[x["type"] for x in fds] == ["file", "char", "directory"]' \
		'[x["index"] for x in fds] == [0, 1, 2]' \
		'all(type(x["fd"]) is int and x["fd"] > 2 for x in fds)' \
		'len({x["fd"] for x in fds}) == 3'
}

@test "a message without descriptors has an empty fds array" {
	send -- 'nothing attached'
	json_ok 'd["fds"] == []' 'd["message"] == "nothing attached"'
}

@test "each message is one JSON object on a line of its own" {
	recv_bg -T 10 -j -n 2 "$sock"
	"$FDSEND" -w 5 -o /dev/null "$sock" first 3>&-
	"$FDSEND" -w 5 "$sock" $'second\nline' 3>&-
	recv_done
	python3 -c '
import json
lines = open("out").read().split("\n")
assert lines[2:] == [""], lines
a, b = (json.loads(l) for l in lines[:2])
assert a["message"] == "first" and a["fds"][0]["path"] == "/dev/null", a
assert b["message"] == "second\nline" and b["fds"] == [], b
'
}

# --- the message ------------------------------------------------------------

@test "a valid UTF-8 message is a string, without message_hex" {
	send -e -- 'h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9d\x84\x9e'
	json_ok 'd["message"] == "h\u00e9llo \u2713 \U0001d11e"' '"message_hex" not in d'
}

@test "invalid UTF-8 becomes U+FFFD, with the bytes in message_hex" {
	send -e -- 'a\xffb'
	json_ok 'd["message"] == "a\ufffdb"' 'd["message_hex"] == "61ff62"'
}

@test "overlong forms and surrogates are not UTF-8: each byte is replaced" {
	send -e -- 'x\xc0\xafy\xed\xa0\x80'
	json_ok 'd["message"] == "x\ufffd\ufffdy\ufffd\ufffd\ufffd"' \
		'd["message_hex"] == "78c0af79eda080"'
}

@test "control bytes, quotes and backslashes come out escaped, on one line" {
	send -e -- 'q"b\\s\x01\x1f\x7f\t\n\r'
	json_ok 'd["message"] == "q\"b\\s\x01\x1f\x7f\t\n\r"' '"message_hex" not in d'
	# Escaped, not raw: no control byte at all on the line.
	run -1 grep -q '[[:cntrl:]]' out
}

@test "a NUL byte inside the message is kept" {
	send -e -- 'a\0b'
	json_ok 'd["message"] == "a\x00b"' '"message_hex" not in d'
}

@test "the empty message is an empty string" {
	send -f 0 </dev/null
	json_ok 'd["message"] == ""' '"message_hex" not in d' 'len(fds) == 1'
}

@test "a message of NUL bytes arrives as those bytes, not as the empty message" {
	send -e -- '\0\0\0'
	json_ok 'd["message"] == "\0\0\0"' '"message_hex" not in d'
}

# --- the peer ---------------------------------------------------------------

@test "the peer's pid, uid, gid and command name are those of a sender still there" {
	recv_bg -T 10 -j "$sock"
	python3 -c "$py_lib"'
with open("/proc/self/comm", "w") as f:
    f.write("fdtest-sender")
save("pid", os.getpid())
s = connect(sys.argv[1])
socket.send_fds(s, [b"from python"], [os.open("/dev/null", os.O_RDONLY)])
s.shutdown(socket.SHUT_WR)
while s.recv(64): pass   # EOF: fdrecv has the message, and read comm on accepting
' "$sock" 3>&-
	recv_done
	json_ok 'basic(d["peer"]) == {"pid": int(file("pid")), "uid": os.getuid(), "gid": os.getgid(),
	                       "comm": "fdtest-sender"}' \
		'd["message"] == "from python"' 'f["path"] == "/dev/null"'
}

@test "fdsend -r stays connected, so the peer is fdsend with its pid" {
	recv_bg -T 10 -j "$sock"
	"$FDSEND" -r -w 5 "$sock" hello 3>&- &
	spid=$!
	track "$spid"
	wait "$spid"
	recv_done
	SPID=$spid json_ok 'basic(d["peer"]) == {"pid": int(os.environ["SPID"]), "uid": os.getuid(),
	                                  "gid": os.getgid(), "comm": "fdsend"}'
}

@test "on a datagram socket the peer comes with the datagram" {
	recv_bg -T 10 -j -t dgram "$sock"
	wait_socket "$sock"
	python3 -c "$py_lib"'
with open("/proc/self/comm", "w") as f:
    f.write("fdtest-dgram")
save("pid", os.getpid())
s = connect(sys.argv[1], socket.SOCK_DGRAM)
socket.send_fds(s, [b"one record"], [os.open("/dev/null", os.O_RDONLY)])
for _ in range(500):            # stay until fdrecv is done and has removed its socket
    if not os.path.exists(sys.argv[1]):
        break
    time.sleep(0.01)
' "$sock" 3>&-
	recv_done
	json_ok 'basic(d["peer"]) == {"pid": int(file("pid")), "uid": os.getuid(), "gid": os.getgid(),
	                       "comm": "fdtest-dgram"}' 'd["message"] == "one record"'
}

@test "comm is left out when the peer has exited before fdrecv looks" {
	recv_after_exit -j
	json_ok 'basic(d["peer"]) == {"pid": int(file("pid")), "uid": os.getuid(), "gid": os.getgid()}' \
		'd["message"] == "gone"'
}

@test "a peer that has exited is said to have exited, and nothing more" {
	recv_after_exit -j
	if have_peerpidfd; then
		json_ok 'd["peer"] == {"pid": int(file("pid")), "uid": os.getuid(), "gid": os.getgid(),
		                       "exited": True}'
	else
		json_ok 'd["peer"] == {"pid": int(file("pid")), "uid": os.getuid(), "gid": os.getgid()}'
	fi
}

@test "the peer's executable and cgroup are those of the sender, pinned by its pidfd" {
	recv_bg -T 10 -j "$sock"
	"$FDSEND" -r -w 5 "$sock" hello 3>&- &
	spid=$!
	track "$spid"
	wait "$spid"
	recv_done
	if have_peerpidfd; then
		EXE=$(readlink -f "$FDSEND") CG=$(cgroup_of $$) json_ok \
			'd["peer"]["exe"] == os.environ["EXE"]' 'd["peer"]["cgroup"] == os.environ["CG"]' \
			'd["peer"]["exited"] is False' 'd["peer"]["comm"] == "fdsend"'
	else
		json_ok '"exe" not in d["peer"] and "cgroup" not in d["peer"]' '"exited" not in d["peer"]'
	fi
}

@test "the peer's unit is the systemd unit its cgroup path names" {
	have_peerpidfd || skip "no SO_PEERPIDFD in this kernel (Linux 6.5)"
	unit=fdtest-$$-$BATS_TEST_NUMBER.service
	make_cgroup "$unit"
	mkdir "$cgdir/payload"
	cgroups+=("$cgdir/payload")
	recv_bg -T 10 -j "$sock"
	CGDIR=$cgdir/payload python3 -c "$py_lib"'
with open(os.environ["CGDIR"] + "/cgroup.procs", "w") as f:
    f.write(str(os.getpid()))
save("cg", [l[3:] for l in open("/proc/self/cgroup").read().splitlines() if l.startswith("0::")][0])
s = connect(sys.argv[1])
s.sendall(b"from a unit")
s.shutdown(socket.SHUT_WR)
while s.recv(64): pass   # EOF: fdrecv has looked at us
' "$sock" 3>&-
	recv_done
	UNIT=$unit json_ok 'd["peer"]["unit"] == os.environ["UNIT"]' \
		'd["peer"]["cgroup"] == file("cg")' 'd["peer"]["cgroup"].endswith("/" + os.environ["UNIT"] + "/payload")'
}

@test "a peer outside any unit has no unit key" {
	have_peerpidfd || skip "no SO_PEERPIDFD in this kernel (Linux 6.5)"
	case $(cgroup_of $$) in
	*.service* | *.scope* | *.socket* | *.mount* | *.swap*) skip "the tests run inside a unit" ;;
	esac
	recv_bg -T 10 -j "$sock"
	"$FDSEND" -r -w 5 "$sock" hello 3>&- &
	spid=$!
	track "$spid"
	wait "$spid"
	recv_done
	json_ok '"cgroup" in d["peer"]' '"unit" not in d["peer"]'
}

@test "the report's peer line ends with the exe, cgroup and unit that -j gives" {
	have_peerpidfd || skip "no SO_PEERPIDFD in this kernel (Linux 6.5)"
	recv_bg -T 10 -j -v "$sock"
	"$FDSEND" -r -w 5 "$sock" hello 3>&- &
	spid=$!
	track "$spid"
	wait "$spid"
	recv_done
	expected=$(python3 -c '
import json
p = json.loads(open("out").readline())["peer"]
line = "peer: pid %d (%s), uid %d, gid %d" % (p["pid"], p["comm"], p["uid"], p["gid"])
for k in ("exe", "cgroup", "unit"):
    if k in p:
        line += ", %s %s" % (k, p[k])
print(line)')
	run -0 head -n 1 err
	[[ $output == "$expected" ]]
	[[ $output == *", exe "* ]]
}

# --- the human report -------------------------------------------------------

@test "the report's peer line names the pid, command, uid and gid" {
	recv_bg -T 10 "$sock"
	"$FDSEND" -r -w 5 "$sock" hello 3>&- &
	spid=$!
	track "$spid"
	wait "$spid"
	recv_done
	run -0 head -n 1 out
	# What the peer's pidfd tells follows (tested below).
	[[ $output == "peer: pid $spid (fdsend), uid $(id -u), gid $(id -g)"?(", "*) ]]
}

@test "the report's peer line has no command name when the peer has exited" {
	recv_after_exit
	run -0 head -n 1 out
	if have_peerpidfd; then
		[[ $output == "peer: pid $(<pid), uid $(id -u), gid $(id -g), exited" ]]
	else
		[[ $output == "peer: pid $(<pid), uid $(id -u), gid $(id -g)" ]]
	fi
}

@test "the report's peer line escapes control bytes in the command name" {
	recv_bg -T 10 "$sock"
	python3 -c "$py_lib"'
with open("/proc/self/comm", "wb") as f:
    f.write(b"a\tb\"c\x1b")
save("pid", os.getpid())
s = connect(sys.argv[1])
s.sendall(b"x")
s.shutdown(socket.SHUT_WR)
while s.recv(64): pass
' "$sock" 3>&-
	recv_done
	run -0 head -n 1 out
	[[ $output == "peer: pid $(<pid) (a\\tb\\\"c\\x1b), uid $(id -u), gid $(id -g)"?(", "*) ]]
}

@test "the report's message line escapes control bytes and counts the bytes" {
	recv_opts=()
	send -e -- 'tab\there "q" back\\slash \x01\x7f \xc3\xa9\n'
	run -0 sed -n 2p out
	[[ $output == 'message: "tab\there \"q\" back\\slash \x01\x7f é\n" (30 bytes, ended with shutdown(2))' ]]
}

@test "the report escapes C1 controls and bytes that are not UTF-8, and keeps the rest" {
	recv_opts=()
	send -e -- 'a\xc2\x85b\xffc\xc3\xa9'
	run -0 sed -n 2p out
	[[ $output == 'message: "a\xc2\x85b\xffcé" (8 bytes, ended with shutdown(2))' ]]
}

@test "the report says (empty) for the empty message" {
	recv_opts=()
	send --
	run -0 sed -n 2p out
	[[ $output == "message: (empty, ended with shutdown(2))" ]]
}

@test "the report has one line per descriptor with its type and facts" {
	recv_opts=()
	printf 'hello world' >f.txt
	send_py 'fd = os.open("f.txt", os.O_RDONLY); os.read(fd, 4)
r, w = os.pipe(); os.set_blocking(w, False); save("ino", os.fstat(w).st_ino)
l = socket.socket(socket.AF_UNIX); l.bind(os.path.abspath("u.sock")); l.listen()
t = socket.socket(); t.bind(("127.0.0.1", 0)); t.listen(); save("port", t.getsockname()[1])
fds = [fd, w, l.fileno(), t.fileno(), os.eventfd(0), os.open("/dev/null", os.O_WRONLY | os.O_APPEND),
       os.open(".", os.O_PATH)]'
	here=$(pwd -P)
	run -0 unnumbered
	[[ ${#lines[@]} -eq 9 ]]
	[[ ${lines[0]} == "peer: pid "* ]]
	[[ ${lines[1]} == "message: (empty, ended with shutdown(2))" ]]
	[[ ${lines[2]} == "[0]: file $here/f.txt, r, offset 4, size 11" ]]
	[[ ${lines[3]} == "[1]: pipe pipe:[$(<ino)], w, nonblock" ]]
	[[ ${lines[4]} == "[2]: socket unix stream, rw, listening, local $here/u.sock" ]]
	[[ ${lines[5]} == "[3]: socket inet stream, rw, listening, local 127.0.0.1:$(<port)" ]]
	[[ ${lines[6]} == "[4]: anon eventfd, rw, count 0" ]]
	[[ ${lines[7]} == "[5]: char /dev/null, w, append" ]]
	[[ ${lines[8]} == "[6]: directory $here, path" ]]
	# fdrecv's own numbers stand before each index.
	run -0 grep -cE '^fd [0-9]+ \[[0-9]\]: ' out
	[[ $output == 7 ]]
}

@test "the report shows a connected socket's local and peer addresses" {
	recv_opts=()
	send_py 'l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen()
c = socket.create_connection(l.getsockname())
a, _ = l.accept()   # an unaccepted connection is reset when the listener goes
save("lport", l.getsockname()[1]); save("cport", c.getsockname()[1]); fds = [c.fileno()]'
	run -0 unnumbered
	[[ ${lines[2]} == "[0]: socket inet stream, rw, local 127.0.0.1:$(<cport), peer 127.0.0.1:$(<lport)" ]]
}

@test "a path with a newline stays on one line, escaped, in both outputs" {
	printf 'x' >$'new\nline'
	here=$(pwd -P)
	send -o $'new\nline'
	json_ok 'f["path"] == here + "/new\nline"'
	recv_opts=()
	send -o $'new\nline'
	run -0 unnumbered
	[[ ${#lines[@]} -eq 3 ]]
	[[ ${lines[2]} == "[0]: file $here/new\\nline, r, offset 0, size 1" ]]
}

@test "fdrecv -v writes the report on standard error beside the JSON" {
	recv_opts=(-j -v)
	printf 'hello world' >f.txt
	send -o f.txt -- hi
	json_ok 'd["message"] == "hi"' 'f["path"] == here + "/f.txt"'
	here=$(pwd -P)
	run -0 unnumbered err
	[[ ${lines[1]} == 'message: "hi" (2 bytes, ended with shutdown(2))' ]]
	[[ ${lines[2]} == "[0]: file $here/f.txt, r, offset 0, size 11" ]]
}

@test "fdsend -v describes on standard error what fdrecv received, in the same words" {
	recv_opts=()
	printf 'hello world' >f.txt
	send_py 'fd = os.open("f.txt", os.O_RDONLY); os.read(fd, 4)
r, w = os.pipe()
l = socket.socket(socket.AF_UNIX); l.bind(os.path.abspath("u.sock")); l.listen()
e = select.epoll()
fds = [fd, w, l.fileno(), os.eventfd(0), e.fileno()]' -v -o /dev/null -- $'a\tmessage' 2>verr
	# fdsend's peer is fdrecv, which is still connected when fdsend -v looks.
	run -0 head -n 1 verr
	[[ $output == "peer: pid $rpid (fdrecv), uid $(id -u), gid $(id -g)" ]]
	run -0 diff <(unnumbered | tail -n +2) <(unnumbered verr | tail -n +2)
	run -0 unnumbered verr
	[[ ${#lines[@]} -eq 8 ]]
	[[ ${lines[1]} == 'message: "a\tmessage" (9 bytes, ended with shutdown(2))' ]]
	[[ ${lines[7]} == "[5]: char /dev/null, r" ]]
}

@test "the report shows the first 4 KiB of a long message and counts all of it" {
	head -c 10000 /dev/zero | tr '\0' a > long
	recv_bg -T 10 "$sock"
	"$FDSEND" -w 5 -i long "$sock"
	recv_done
	run -0 grep '^message: ' out
	[ "$output" = "message: \"$(head -c 4096 long)\"... (10000 bytes, ended with shutdown(2))" ]
}
