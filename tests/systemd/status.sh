#!/bin/sh
# fdpass-status.service: 300 STATUS= from children, then READY=1;
# $OPTS may hold --no-barrier.
i=1
while [ "$i" -le 300 ]; do
	fdsend --notify $OPTS "STATUS=step $i"
	i=$((i + 1))
done
fdsend --notify $OPTS READY=1 STATUS=done
: >/run/fdpass/sent
exec sleep infinity
