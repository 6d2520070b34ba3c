#!/bin/sh
# fdpass-ready.service: fdsend(1)'s pattern, from children of the main
# process: store a descriptor, then READY=1; after a restart, say what
# came back through it.
. /opt/fdpass/common.sh

if fd=$(fd_of db); then
	status="back $(uncork "$fd")"
else
	bottle db
	fdsend --notify -f 3=db
	exec 3>&-
	status=stored
fi
fdsend --notify READY=1 "STATUS=$status"
exec sleep infinity
