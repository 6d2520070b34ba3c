#!/bin/bash
# fdpass-store.service (bash: dash redirects no descriptor above 9):
# record what this start was handed in
# /run/fdpass/handed; on a start with nothing handed, store for $MODE
# from this script's children, the way fdsend(1) shows it.
. /opt/fdpass/common.sh

handed >/run/fdpass/handed
if [ -z "${LISTEN_FDS-}" ]; then
	case $MODE in
	order)
		for n in a b c; do
			bottle "$n"
			fdsend --notify -f 3="$n"
		done
		;;
	duplicate)
		bottle one
		fdsend --notify -f 3=one
		fdsend --notify -f 3=two
		;;
	hangup)
		# bash and dash wait for the whole pipeline: the writer is gone.
		: | fdsend --notify -f 0=gone
		bottle kept
		fdsend --notify -f 3=kept
		;;
	fdpoll)
		# fdsend sends no FDPOLL=0: Python's socket module does.
		python3 -c '
import os, socket
r, w = os.pipe()
os.write(w, b"unpolled\n")
os.close(w)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect(os.environ["NOTIFY_SOCKET"])
socket.send_fds(s, [b"FDSTORE=1\nFDNAME=unpolled\nFDPOLL=0"], [r])
r2, w2 = os.pipe()
socket.send_fds(s, [b"BARRIER=1"], [w2])
os.close(w2)
os.read(r2, 1)'
		;;
	remove)
		bottle x
		fdsend --notify -f 3=x
		bottle y
		fdsend --notify -f 3=y
		fdsend --notify FDSTOREREMOVE=1 FDNAME=x
		;;
	many)
		i=1
		while [ "$i" -le 40 ]; do
			bottle "n$i"
			fdsend --notify -f 3="n$i"
			i=$((i + 1))
		done
		;;
	esac
	exec 3>&-
fi
fdsend --notify READY=1 "STATUS=$MODE"
exec sleep infinity
