#!/usr/bin/env bats
# make install and make uninstall, into a staging root.

load test_helper

@test "make install puts both programs, both man pages and the completion under DESTDIR" {
	need make
	root=$BATS_TEST_TMPDIR/root
	run -0 make -s -C "$top" O="$(dirname "$FDSEND")" install DESTDIR="$root" PREFIX=/usr
	[ -x "$root/usr/bin/fdsend" ]
	[ -x "$root/usr/bin/fdrecv" ]
	[ -f "$root/usr/share/man/man1/fdsend.1" ]
	[ -f "$root/usr/share/man/man1/fdrecv.1" ]
	[ -f "$root/usr/share/bash-completion/completions/fdsend" ]
	[ -f "$root/usr/share/bash-completion/completions/fdrecv" ]
	run -0 "$root/usr/bin/fdsend" -V
}

@test "BINDIR and MANDIR override where things go" {
	root=$BATS_TEST_TMPDIR/root
	run -0 make -s -C "$top" O="$(dirname "$FDSEND")" install DESTDIR="$root" \
		BINDIR=/opt/fd/bin MANDIR=/opt/fd/man
	[ -x "$root/opt/fd/bin/fdrecv" ]
	[ -f "$root/opt/fd/man/man1/fdrecv.1" ]
}

@test "make uninstall removes what make install put there" {
	root=$BATS_TEST_TMPDIR/root
	make -s -C "$top" O="$(dirname "$FDSEND")" install DESTDIR="$root" PREFIX=/usr
	run -0 make -s -C "$top" O="$(dirname "$FDSEND")" uninstall DESTDIR="$root" PREFIX=/usr
	[ -z "$(find "$root" -type f)" ]
}
