"""py_recv: the benchmark's Python baseline receiver, standard library only.

    python3 py_recv.py SOCKET COUNT [EXPECT]

Does what min_recv does, with socket.recv_fds: SOCKET is fd:N (an
inherited listening socket) or a PATH to bind; for each of COUNT
connections, gather every batch of descriptors to EOF with
MSG_CMSG_CLOEXEC, refuse a truncated set, print the count, close them.
With EXPECT, another number of descriptors fails the run. A connection
closed without sending anything is not counted, as fdrecv does not count
it: the benchmark uses one to learn that all before it were handled.
"""
import os
import socket
import sys

MAX_FDS = 253

def receive(conn):
    """The descriptors of one connection, and whether anything came."""
    fds = []
    anything = False
    while True:
        data, got, flags, _ = socket.recv_fds(conn, 4096, MAX_FDS, socket.MSG_CMSG_CLOEXEC)
        fds += got
        if flags & socket.MSG_CTRUNC:
            raise SystemExit("descriptors were lost")
        if not data and not got:
            return fds, anything
        anything = True

def main():
    where = sys.argv[1]
    count = int(sys.argv[2])
    expect = int(sys.argv[3]) if len(sys.argv) > 3 else -1
    if where.startswith("fd:"):
        lsock = socket.socket(fileno=int(where[3:]))
    else:
        lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        lsock.bind(where)
        lsock.listen()
    handled = 0
    while handled < count:
        conn, _ = lsock.accept()
        with conn:
            fds, anything = receive(conn)
        if not anything:
            continue
        handled += 1
        if expect >= 0 and len(fds) != expect:
            raise SystemExit("expected %d descriptors, got %d" % (expect, len(fds)))
        print(len(fds), flush=True)
        for fd in fds:
            os.close(fd)
    if not where.startswith("fd:"):
        os.unlink(where)

main()
