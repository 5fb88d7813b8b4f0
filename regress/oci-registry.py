#!/usr/bin/env python3
"""A small registry for regress/oci-client.sh (python3 stdlib; zstd CLI).

  add DIR REPO:TAG --layer TAR... [--zstd] [--env K=V]... [--workdir D]
      [--user U] [--index] [--docker]
  serve DIR --listen 127.0.0.1:PORT [--auth none|bearer|basic]
      [--htpasswd USER:PASS] [--port-file F] [--log F]
      [--redirect-blobs URL] [--cut BYTES] [--no-range] [--stall]

DIR holds blobs/sha256/HEX (layers, configs and manifests), types/HEX (a
manifest's media type) and tags/REPO/TAG (a digest).  The server speaks
the distribution API's read side (GET/HEAD /v2/, manifests by tag or
digest, blobs with Range), a /token endpoint for bearer auth, and logs
one line per request: METHOD PATH range=R auth=SCHEME status=N.
--cut sends only the first BYTES of a blob's first GET, then hangs up;
--redirect-blobs answers blob GETs with a 307 to URL/v2/...
--stall sends the first KiB of every blob and then nothing more, the
connection held open.
"""
import argparse
import base64
import gzip
import hashlib
import http.server
import json
import os
import secrets
import subprocess
import sys
import threading

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
D_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
D_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
D_CONFIG = "application/vnd.docker.container.image.v1+json"


def put_blob(root, data, mtype=None):
    hexd = hashlib.sha256(data).hexdigest()
    for sub in ("blobs/sha256", "types"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    with open(os.path.join(root, "blobs/sha256", hexd), "wb") as f:
        f.write(data)
    if mtype:
        with open(os.path.join(root, "types", hexd), "w") as f:
            f.write(mtype)
    return {"digest": "sha256:" + hexd, "size": len(data)}


def add(a):
    repo, tag = a.ref.rsplit(":", 1)
    layers, diff_ids = [], []
    for path in a.layer:
        raw = open(path, "rb").read()
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
        if a.zstd:
            data = subprocess.run(["zstd", "-q", "-c", path], check=True,
                                  stdout=subprocess.PIPE).stdout
            mt = "application/vnd.oci.image.layer.v1.tar+zstd"
        else:
            data = gzip.compress(raw, mtime=0)
            mt = ("application/vnd.docker.image.rootfs.diff.tar.gzip"
                  if a.docker else
                  "application/vnd.oci.image.layer.v1.tar+gzip")
        layers.append(dict(mediaType=mt, **put_blob(a.dir, data)))

    def image(arch):
        conf = {"Env": a.env}
        if a.workdir:
            conf["WorkingDir"] = a.workdir
        if a.user:
            conf["User"] = a.user
        cfg = {"architecture": arch, "os": "linux", "config": conf,
               "rootfs": {"type": "layers", "diff_ids": diff_ids}}
        cdesc = put_blob(a.dir, json.dumps(cfg).encode())
        man = {"schemaVersion": 2,
               "mediaType": D_MANIFEST if a.docker else OCI_MANIFEST,
               "config": dict(mediaType=D_CONFIG if a.docker else OCI_CONFIG,
                              **cdesc),
               "layers": layers}
        return put_blob(a.dir, json.dumps(man, indent=1).encode(),
                        man["mediaType"]), man["mediaType"]

    top, mt = image("amd64")
    if a.index:
        decoy, _ = image("arm64")
        att = put_blob(a.dir, b'{"schemaVersion":2}', OCI_MANIFEST)
        idx = {"schemaVersion": 2,
               "mediaType": D_LIST if a.docker else OCI_INDEX,
               "manifests": [
                   dict(mediaType=mt, platform={"os": "unknown",
                        "architecture": "unknown"}, **att),
                   dict(mediaType=mt, platform={"os": "linux",
                        "architecture": "arm64", "variant": "v8"}, **decoy),
                   dict(mediaType=mt, platform={"os": "linux",
                        "architecture": "amd64"}, **top)]}
        top, _ = put_blob(a.dir, json.dumps(idx).encode(),
                          idx["mediaType"]), None
    tdir = os.path.join(a.dir, "tags", repo)
    os.makedirs(tdir, exist_ok=True)
    with open(os.path.join(tdir, tag), "w") as f:
        f.write(top["digest"])
    print(top["digest"])


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def note(self, status):
        s = self.server
        auth = self.headers.get("Authorization", "-").split(" ")[0]
        with s.lock, open(s.logfile, "a") as f:
            f.write("%s %s range=%s auth=%s status=%d\n" % (
                self.command, self.path, self.headers.get("Range", "-"),
                auth, status))

    def reply(self, status, body=b"", headers=()):
        self.note(status)
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def basic_ok(self):
        want = "Basic " + base64.b64encode(
            self.server.htpasswd.encode()).decode()
        return self.headers.get("Authorization") == want

    def authorized(self):
        s = self.server
        if s.auth == "none":
            return True
        if s.auth == "basic":
            if self.basic_ok():
                return True
            ch = 'Basic realm="regress"'
        else:
            if self.headers.get("Authorization") == "Bearer " + s.token:
                return True
            host = self.headers.get("Host")
            ch = ('Bearer realm="http://%s/token",service="regress \\"q\\"",'
                  'scope="repository:x:pull"' % host)
        self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}',
                   [("WWW-Authenticate", ch),
                    ("Content-Type", "application/json")])
        return False

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        s = self.server
        path = self.path.split("?", 1)[0]
        if path == "/token":
            if s.htpasswd and not self.basic_ok():
                return self.reply(401, b"{}", [("WWW-Authenticate",
                                               'Basic realm="token"')])
            return self.reply(200, json.dumps({"token": s.token}).encode(),
                              [("Content-Type", "application/json")])
        if not path.startswith("/v2/"):
            return self.reply(404)
        if not self.authorized():
            return
        if path == "/v2/":
            return self.reply(200, b"{}")
        parts = path[4:].rsplit("/", 2)
        if len(parts) != 3 or parts[1] not in ("manifests", "blobs"):
            return self.reply(404)
        repo, kind, ref = parts
        if kind == "manifests":
            if not ref.startswith("sha256:"):
                try:
                    ref = open(os.path.join(s.dir, "tags", repo, ref)).read()
                except OSError:
                    return self.reply(404)
            return self.blob(ref, manifest=True)
        if s.redirect:
            return self.reply(307, headers=[("Location", s.redirect + path)])
        return self.blob(ref)

    def blob(self, digest, manifest=False):
        s = self.server
        hexd = digest[7:]
        if not digest.startswith("sha256:") or not hexd.isalnum():
            return self.reply(404)
        try:
            data = open(os.path.join(s.dir, "blobs/sha256", hexd),
                        "rb").read()
        except OSError:
            return self.reply(404)
        headers = [("Docker-Content-Digest", digest)]
        if manifest:
            headers.append(("Content-Type", open(os.path.join(
                s.dir, "types", hexd)).read()))
            return self.reply(200, data, headers)
        rng = self.headers.get("Range", "")
        if rng.startswith("bytes=") and rng.endswith("-") and \
                not s.no_range:
            start = int(rng[6:-1])
            if start >= len(data):
                return self.reply(416, headers=[
                    ("Content-Range", "bytes */%d" % len(data))])
            headers.append(("Content-Range", "bytes %d-%d/%d" % (
                start, len(data) - 1, len(data))))
            return self.reply(206, data[start:], headers)
        with s.lock:
            cut = s.cut and digest not in s.cut_done and len(data) > s.cut
            if cut:
                s.cut_done.add(digest)
        if cut or s.stall:
            self.note(200)
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:s.cut or 1024])
            self.wfile.flush()
            # --stall: the rest never comes (until the client goes).
            while s.stall and not s.stop.wait(1):
                pass
            self.close_connection = True
            return
        return self.reply(200, data, headers)


def serve(a):
    host, port = a.listen.rsplit(":", 1)
    srv = http.server.ThreadingHTTPServer((host, int(port)), Handler)
    srv.daemon_threads = True
    srv.dir, srv.auth, srv.htpasswd = a.dir, a.auth, a.htpasswd
    srv.logfile = a.log or os.path.join(a.dir, "requests.log")
    srv.token = secrets.token_urlsafe(24)
    srv.lock = threading.Lock()
    srv.redirect, srv.cut, srv.cut_done = a.redirect_blobs, a.cut, set()
    srv.no_range = a.no_range
    srv.stall, srv.stop = a.stall, threading.Event()
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("add")
    q.add_argument("dir")
    q.add_argument("ref")
    q.add_argument("--layer", nargs="+", required=True)
    q.add_argument("--zstd", action="store_true")
    q.add_argument("--docker", action="store_true")
    q.add_argument("--env", action="append", default=[])
    q.add_argument("--workdir")
    q.add_argument("--user")
    q.add_argument("--index", action="store_true")
    q = sub.add_parser("serve")
    q.add_argument("dir")
    q.add_argument("--listen", required=True)
    q.add_argument("--auth", choices=("none", "bearer", "basic"),
                   default="none")
    q.add_argument("--htpasswd")
    q.add_argument("--port-file")
    q.add_argument("--log")
    q.add_argument("--redirect-blobs")
    q.add_argument("--cut", type=int, default=0)
    q.add_argument("--no-range", action="store_true")
    q.add_argument("--stall", action="store_true")
    a = p.parse_args()
    add(a) if a.cmd == "add" else serve(a)


if __name__ == "__main__":
    sys.exit(main())
