# banger-fetch's registry client (issue 9) against regress/oci-registry.py
# on the test namespace's loopback, through regress/oci-get (the client
# alone): anonymous bearer tokens, basic credentials from a docker
# config.json and a containers auth.json, an index resolved to
# linux/amd64, the blob cache, blobs that lie, a digest-pinned REF the
# registry does not honour, resumed downloads, redirects that must not
# carry credentials, and a Basic registry without credentials.
. "$REGRESS/test-lib.sh"

PY=/usr/bin/python3
REG=$REGRESS/oci-registry.py
command -v zstd >/dev/null || skip "no zstd"
install -m 0755 "$OBJDIR/regress/oci-get" "$W/oci-get" || fatal "no oci-get"
assert_ns
ip -n "$NS" link set lo up

# Images: plain tar layers made here, one big enough to cut in the middle.
mkdir -p "$W/l1/etc" "$W/l2/srv" "$W/l3" || fatal "mkdir"
echo one >"$W/l1/etc/one"
head -c 600000 /dev/urandom >"$W/l2/srv/big"
echo three >"$W/l3/three"
tar -C "$W/l1" -cf "$W/l1.tar" . && tar -C "$W/l2" -cf "$W/l2.tar" . &&
    tar -C "$W/l3" -cf "$W/l3.tar" . || fatal "tar"
R=$W/reg
$PY "$REG" add "$R" test/app:1 --layer "$W/l1.tar" "$W/l2.tar" \
    --env A=1 --env 'B=x y' --workdir /srv --user 1000:1000 >/dev/null &&
    $PY "$REG" add "$R" test/idx:1 --layer "$W/l1.tar" --zstd --index \
    >/dev/null &&
    $PY "$REG" add "$R" test/docker:1 --docker --index \
    --layer "$W/l1.tar" >/dev/null &&
    $PY "$REG" add "$R" test/bad:1 --layer "$W/l3.tar" >/dev/null ||
    fatal "oci-registry.py add"

# serve NAME ARGS...: a registry on 127.0.0.1 in the test namespace; its
# port in $PORT, its request log $W/NAME.log.
serve() {
	_sn=$1
	shift
	rm -f "$W/$_sn.port"
	ip netns exec "$NS" $PY "$REG" serve "$R" --listen 127.0.0.1:0 \
	    --port-file "$W/$_sn.port" --log "$W/$_sn.log" "$@" \
	    >"$W/$_sn.out" 2>&1 &
	for _i in $(seq 100); do
		[ -s "$W/$_sn.port" ] && break
		sleep 0.1
	done
	PORT=$(cat "$W/$_sn.port" 2>/dev/null) ||
	    fatal "registry $_sn did not start: $(cat "$W/$_sn.out")"
	touch "$W/$_sn.log"
}

# get CACHE [--auth F] REF: oci-get as t1; output in $W/out, $W/err.
get() {
	_gc=$W/$1
	shift
	mkdir -p "$_gc" && chown "$(user_uid t1):$(user_gid t1)" "$_gc"
	trace "oci-get $*"
	as_user t1 "$W/oci-get" "$@" "$_gc" >"$W/out" 2>"$W/err"
	RC=$?
	echo "  exit $RC"
	show "$W/out" stdout
	show "$W/err" stderr
}

blobs_fetched() {
	grep -c "^GET /v2/$2/blobs/" "$W/$1.log"
}

# ---- anonymous bearer --------------------------------------------------------
serve anon --auth bearer
A=127.0.0.1:$PORT
get c1 "$A/test/app:1"
expect_rc 0 "anonymous bearer pull"
grep -qx "env A=1" "$W/out" && grep -qx "env B=x y" "$W/out" &&
    grep -qx "workdir /srv" "$W/out" && grep -qx "user 1000:1000" "$W/out" &&
    grep -qx "platform linux/amd64" "$W/out" &&
    ok "the config's env, workdir, user and platform" ||
    fail "config: $(cat "$W/out")"
grep -q '^GET /token?service=regress%20%22q%22&scope=repository%3Atest%2Fapp%3Apull ' \
    "$W/anon.log" && ok "token asked for service and pull scope" ||
    fail "no token request as expected: $(cat "$W/anon.log")"
grep "^GET /v2/test/app/blobs/" "$W/anon.log" | grep -qv "auth=Bearer" &&
    fail "a blob fetched without the token" || ok "blobs fetched with the token"
n=0
while read -r kind digest comp size path; do
	[ "$kind" = layer ] || continue
	n=$((n + 1))
	[ "sha256:$(sha256sum <"$path" | cut -d' ' -f1)" = "$digest" ] &&
	    [ "$(stat -c %s "$path")" = "$size" ] && [ "$comp" = gzip ] ||
	    fail "cached layer $path is not $digest ($size, $comp)"
done <"$W/out"
[ "$n" = 2 ] && ok "two layers cached by digest" || fail "$n layers"
[ -z "$(find "$W/c1" -name '*.partial')" ] && ok "no partial file left" ||
    fail "partial files left: $(find "$W/c1" -name '*.partial')"

# ---- the cache ---------------------------------------------------------------
before=$(blobs_fetched anon test/app)
get c1 "$A/test/app:1"
expect_rc 0 "second pull"
[ "$(blobs_fetched anon test/app)" = "$before" ] &&
    ok "second pull served from the cache" ||
    fail "second pull fetched blobs again: $(tail -n 5 "$W/anon.log")"
# A cached blob that changed is hashed, found wrong and fetched again.
l=$(awk '$1 == "layer" { print $5; exit }' "$W/out")
printf 'X' | dd of="$l" bs=1 seek=10 conv=notrunc 2>/dev/null
get c1 "$A/test/app:1"
expect_rc 0 "pull with a damaged cached blob"
[ "$(blobs_fetched anon test/app)" = "$((before + 1))" ] &&
    [ "sha256:$(sha256sum <"$l" | cut -d' ' -f1)" = \
    "$(awk '$1 == "layer" { print $2; exit }' "$W/out")" ] &&
    ok "the damaged cached blob was fetched again" ||
    fail "damaged cached blob: $(tail -n 5 "$W/anon.log")"

# ---- an index and a docker manifest list -------------------------------------
get c2 "$A/test/idx:1"
expect_rc 0 "pull of an OCI index"
grep -qx "platform linux/amd64" "$W/out" && grep -q '^layer .* zstd ' "$W/out" &&
    ok "index resolved to linux/amd64 with a zstd layer" ||
    fail "index: $(cat "$W/out")"
get c2 "$A/test/docker:1"
expect_rc 0 "pull of a docker manifest list"
grep -qx "platform linux/amd64" "$W/out" && grep -q '^layer .* gzip ' "$W/out" &&
    ok "manifest list resolved to linux/amd64" ||
    fail "manifest list: $(cat "$W/out")"

# ---- blobs and manifests that lie ---------------------------------------------
# The layer's bytes change under its digest (same size).
bad=$(sed -n 's/.*"digest": "sha256:\([0-9a-f]*\)".*/\1/p' \
    "$R/blobs/sha256/$(cut -c8- "$R/tags/test/bad/1")" | tail -n 1)
[ -n "$bad" ] || fatal "no layer digest for test/bad"
printf 'XXXX' | dd of="$R/blobs/sha256/$bad" bs=1 seek=100 conv=notrunc \
    2>/dev/null
get c3 "$A/test/bad:1"
[ "$RC" != 0 ] && grep -q "sha256:$bad is sha256:" "$W/err" &&
    ok "a blob that is not its digest refused" ||
    fail "corrupt blob: exit $RC, $(cat "$W/err")"
[ ! -e "$W/c3/blobs/sha256/$bad" ] && [ ! -e "$W/c3/blobs/sha256/$bad.partial" ] &&
    ok "nothing left of the corrupt blob" ||
    fail "corrupt blob left: $(ls -l "$W/c3/blobs/sha256/")"

# A pinned digest whose bytes the registry replaces.
real=$(cut -c8- "$R/tags/test/app/1")
fake=$(printf '%064d' 7)
cp "$R/blobs/sha256/$real" "$R/blobs/sha256/$fake" &&
    cp "$R/types/$real" "$R/types/$fake" || fatal "cp"
get c4 "$A/test/app@sha256:$fake"
[ "$RC" != 0 ] && grep -q "not the sha256:$fake asked for" "$W/err" &&
    ok "a digest-pinned REF with other bytes refused" ||
    fail "pinned digest: exit $RC, $(cat "$W/err")"
[ -z "$(ls "$W/c4/blobs/sha256" 2>/dev/null)" ] && ok "and nothing fetched" ||
    fail "blobs fetched for a refused manifest"
get c4 "$A/test/app:1@sha256:$real"
expect_rc 0 "a digest-pinned REF"

# ---- resumed downloads --------------------------------------------------------
serve cut --auth bearer --cut 200000
get c5 "127.0.0.1:$PORT/test/app:1"
[ "$RC" != 0 ] && [ -n "$(find "$W/c5" -name '*.partial' -size +0)" ] &&
    ok "a cut download fails and keeps its partial file" ||
    fail "cut: exit $RC, $(cat "$W/err")"
get c5 "127.0.0.1:$PORT/test/app:1"
expect_rc 0 "the pull after the cut"
grep -q "range=bytes=[1-9][0-9]*- auth=Bearer status=206" "$W/cut.log" &&
    ok "the download resumed with Range (206)" ||
    fail "no resumed request: $(cat "$W/cut.log")"
[ -z "$(find "$W/c5" -name '*.partial')" ] && ok "no partial after resuming" ||
    fail "partial left after resuming"
# A registry that ignores Range: the partial is dropped and refetched.
serve norange --no-range
big=$(awk '$1 == "layer" { p = $2 } END { print substr(p, 8) }' "$W/out")
mkdir -p "$W/c6/blobs/sha256"
head -c 5000 /dev/urandom >"$W/c6/blobs/sha256/$big.partial"
chown -R "$(user_uid t1):$(user_gid t1)" "$W/c6"
get c6 "127.0.0.1:$PORT/test/app:1"
expect_rc 0 "pull over a partial from a server without Range"
grep -q "blobs/sha256:$big range=bytes=5000- auth=- status=200" \
    "$W/norange.log" && ok "a 200 to a Range request restarts cleanly" ||
    fail "no range request answered 200: $(cat "$W/norange.log")"
# A partial of wrong bytes resumed: refused, and gone for the next try.
head -c 5000 /dev/urandom >"$W/c6/blobs/sha256/$big.partial.x"
rm -f "$W/c6/blobs/sha256/$big"
mv "$W/c6/blobs/sha256/$big.partial.x" "$W/c6/blobs/sha256/$big.partial"
chown -R "$(user_uid t1):$(user_gid t1)" "$W/c6"
get c6 "$A/test/app:1"
[ "$RC" != 0 ] && [ ! -e "$W/c6/blobs/sha256/$big" ] &&
    [ ! -e "$W/c6/blobs/sha256/$big.partial" ] &&
    ok "a resumed partial of wrong bytes refused and removed" ||
    fail "wrong partial: exit $RC, $(ls "$W/c6/blobs/sha256")"
get c6 "$A/test/app:1"
expect_rc 0 "the pull after a wrong partial"

# ---- redirects keep credentials ---------------------------------------------
serve cdn
cdn=$PORT
serve redir --auth bearer --redirect-blobs "http://127.0.0.1:$cdn"
get c7 "127.0.0.1:$PORT/test/app:1"
expect_rc 0 "pull through blob redirects"
grep -q "^GET /v2/test/app/blobs/.*auth=Bearer status=307" "$W/redir.log" &&
    [ "$(blobs_fetched cdn test/app)" -ge 3 ] &&
    ok "blobs redirected to another port" ||
    fail "no redirect: $(cat "$W/redir.log" "$W/cdn.log")"
grep -v "auth=- " "$W/cdn.log" | grep . &&
    fail "credentials reached the redirect target" ||
    ok "no Authorization header sent to the redirect target"

# A redirect target that asks for credentials gets none: the user's are
# the registry's (the registry here takes any, its blobs go to a host
# that challenges for a token).
serve cdnauth --auth bearer
cdna=$PORT
serve redir2 --redirect-blobs "http://127.0.0.1:$cdna"
printf '{"auths": {"127.0.0.1:%s": {"auth": "%s"}}}\n' "$PORT" \
    "$(printf 'alice:s3cret' | base64)" >"$W/redir2.json"
chmod 0644 "$W/redir2.json"
get c7b --auth "$W/redir2.json" "127.0.0.1:$PORT/test/app:1"
[ "$RC" != 0 ] && grep -q "asked for credentials" "$W/err" &&
    ok "a redirect target's challenge is not answered" ||
    fail "redirect target challenge: exit $RC, $(cat "$W/err")"
grep -q "auth=Basic" "$W/cdnauth.log" &&
    fail "the user's credentials reached a host the registry redirected to"

# ---- basic credentials --------------------------------------------------------
serve basic --auth basic --htpasswd 'u:p w'
B=127.0.0.1:$PORT
get c8 "$B/test/app:1"
[ "$RC" != 0 ] && grep -q "docker login" "$W/err" &&
    grep -q "podman login" "$W/err" &&
    ok "a Basic registry without credentials: a clear error" ||
    fail "basic without credentials: exit $RC, $(cat "$W/err")"
b64=$(printf 'u:p w' | base64)
printf '{"auths": {"http://%s": {"auth": "%s"}}, "HttpHeaders": {}}\n' \
    "$B" "$b64" >"$W/config.json"
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$B" "$b64" >"$W/auth.json"
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$B" \
    "$(printf 'u:bad' | base64)" >"$W/wrong.json"
printf '{"auths": {"%s": {}}, "credsStore": "desktop"}\n' "$B" \
    >"$W/store.json"
chmod 0644 "$W"/*.json
get c8 --auth "$W/config.json" "$B/test/app:1"
expect_rc 0 "basic auth from a docker config.json"
get c9 --auth "$W/auth.json" "$B/test/app:1"
expect_rc 0 "basic auth from a containers auth.json"
grep "^GET /v2/test/app/blobs" "$W/basic.log" | grep -qv "auth=Basic" &&
    fail "a blob fetched without credentials" || ok "credentials sent"
get c10 --auth "$W/wrong.json" "$B/test/app:1"
[ "$RC" != 0 ] && grep -q "refused the credentials" "$W/err" &&
    ok "wrong credentials refused" || fail "wrong: exit $RC, $(cat "$W/err")"
get c10 --auth "$W/store.json" "$B/test/app:1"
[ "$RC" != 0 ] && grep -q "credential helpers are not supported" "$W/err" &&
    ok "a credential store: a clear error" ||
    fail "credsStore: exit $RC, $(cat "$W/err")"

# A token service that wants the credentials.
serve tok --auth bearer --htpasswd 'u:p w'
get c11 "127.0.0.1:$PORT/test/app:1"
[ "$RC" != 0 ] && grep -q "refused an anonymous token" "$W/err" &&
    ok "a private image without credentials refused" ||
    fail "private: exit $RC, $(cat "$W/err")"
sed "s/$B/127.0.0.1:$PORT/" "$W/auth.json" >"$W/tok.json"
chmod 0644 "$W/tok.json"
get c11 --auth "$W/tok.json" "127.0.0.1:$PORT/test/app:1"
expect_rc 0 "bearer token for basic credentials"
grep -q "^GET /token?.* auth=Basic status=200" "$W/tok.log" &&
    ok "the token was asked for with the credentials" ||
    fail "token: $(cat "$W/tok.log")"

# ---- addresses a registry on the network may not send us to --------------------
# 0.0.0.0 is no loopback name, so https; Linux would connect it to this
# host, which the client refuses before any TLS (else a TLS error).
get c12 "0.0.0.0:${A#*:}/test/app:1"
[ "$RC" != 0 ] && grep -q "Couldn't connect" "$W/err" &&
    ! grep -qi "ssl\|tls" "$W/err" &&
    ok "0.0.0.0 refused before connecting" ||
    fail "0.0.0.0: exit $RC, $(cat "$W/err")"

# ---- manifests too large, and an index that names other bytes ------------------
# raw REPO TAG FILE TYPE: FILE as a manifest of the registry, by tag.
raw() {
	_h=$(sha256sum <"$3" | cut -d' ' -f1)
	cp "$3" "$R/blobs/sha256/$_h" && printf '%s' "$4" >"$R/types/$_h" &&
	    mkdir -p "$R/tags/$1" && printf 'sha256:%s' "$_h" >"$R/tags/$1/$2"
}
$PY -c 'import sys; sys.stdout.write("{\"schemaVersion\": 2, \"x\": \"" +
    "a" * (4 << 20) + "\"}")' >"$W/huge.json"
raw test/huge 1 "$W/huge.json" application/vnd.oci.image.manifest.v1+json
get c13 "$A/test/huge:1"
[ "$RC" != 0 ] && grep -q "larger than 4194304 bytes" "$W/err" &&
    ok "a manifest over 4 MiB refused" ||
    fail "huge manifest: exit $RC, $(cat "$W/err")"
# The index names $fake, which the registry serves with $real's bytes.
$PY -c 'import json, sys
print(json.dumps({"schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": "sha256:" + sys.argv[1], "size": int(sys.argv[2]),
    "platform": {"os": "linux", "architecture": "amd64"}}]}))' \
    "$fake" "$(stat -c %s "$R/blobs/sha256/$real")" >"$W/lie.json"
raw test/lie 1 "$W/lie.json" application/vnd.oci.image.index.v1+json
get c13 "$A/test/lie:1"
[ "$RC" != 0 ] && grep -q "not the sha256:$fake of .* its index names" \
    "$W/err" && ok "an index naming other bytes refused" ||
    fail "lying index: exit $RC, $(cat "$W/err")"
