#!/bin/sh
# make demo: one real round trip, narrated. fdrecv listens; fdsend passes a
# file, the read end of a pipe and a message; fdrecv says what arrived, then
# reads through the descriptors it was given.
set -eu
FDSEND=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
FDRECV=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
dir=$(mktemp -d "${TMPDIR:-/tmp}/fdpass-demo.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
cd "$dir"
echo 'a file, opened by fdsend' > file.txt

echo '$ fdrecv demo.sock &                  # listen, report what arrives'
"$FDRECV" demo.sock &
recv=$!

echo '$ echo "through a pipe" | fdsend -w 5 -o file.txt -f 0 demo.sock "hello from fdsend"'
echo
echo 'through a pipe' | "$FDSEND" -w 5 -o file.txt -f 0 demo.sock 'hello from fdsend'
wait "$recv"

echo
echo 'The same again, with fdrecv -C reading through the descriptors it received:'
echo '$ fdrecv -C demo.sock &'
"$FDRECV" -C demo.sock &
recv=$!
echo '$ echo "through a pipe" | fdsend -w 5 -o file.txt -f 0 demo.sock'
echo
echo 'through a pipe' | "$FDSEND" -w 5 -o file.txt -f 0 demo.sock
wait "$recv"
