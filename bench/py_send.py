"""py_send: the benchmark's Python baseline sender, standard library only.

    python3 py_send.py SOCKET [FIRST [COUNT]]

Sends descriptors FIRST .. FIRST+COUNT-1 (default: 0, 1) to the stream
socket at path SOCKET with socket.send_fds, in batches of 253 (SCM_MAX_FD)
with one NUL byte each, as fdsend and min_send do. One interpreter per
handoff is the cost a script author pays, which is what fdsend is compared
with.
"""
import socket
import sys

MAX_FDS = 253

def main():
    path = sys.argv[1]
    first = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    fds = list(range(first, first + count))
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(path)
        for i in range(0, len(fds), MAX_FDS):
            # A stream sendmsg with no data drops its descriptors.
            socket.send_fds(s, [b"\0"], fds[i:i + MAX_FDS], socket.MSG_NOSIGNAL)

main()
