#!/bin/sh
# fdpass-relay.service: fdrecv is the way in; what a client sends it is
# passed on to the fd store with fdsend --listen-fds --notify. After a
# restart, say what the store gave back.
. /opt/fdpass/common.sh

if [ -n "${FDRECV_MESSAGE+set}" ]; then
	exec fdsend --listen-fds --notify READY=1 "STATUS=stored $FDRECV_MESSAGE"
fi
if [ -n "${LISTEN_FDS-}" ]; then
	fdsend --notify READY=1 "STATUS=back$(handed | sed 's/^[^ ]*//')"
	exec sleep infinity
fi
exec fdrecv -T 30 --fdname greeting:farewell /run/fdpass/relay.sock -- "$0"
