#!/usr/bin/env python3
"""static-http.py ROOT PORT: a static file server on 127.0.0.1 for the
catalog tests, with "Range: bytes=N-", logging each request to stderr.
"""
import http.server, os, re, sys

root, port = sys.argv[1], int(sys.argv[2])


class H(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=root, **k)

    def send_head(self):
        r = self.headers.get('Range')
        if r is None:
            return super().send_head()
        m = re.fullmatch(r'bytes=(\d+)-', r)
        path = self.translate_path(self.path)
        if m is None or not os.path.isfile(path):
            self.send_error(400)
            return None
        f = open(path, 'rb')
        size = os.fstat(f.fileno()).st_size
        start = int(m.group(1))
        if start >= size:
            f.close()
            self.send_response(416)
            self.send_header('Content-Range', 'bytes */%d' % size)
            self.send_header('Content-Length', '0')
            self.end_headers()
            return None
        f.seek(start)
        self.send_response(206)
        self.send_header('Content-Type', 'application/octet-stream')
        self.send_header('Content-Range',
                         'bytes %d-%d/%d' % (start, size - 1, size))
        self.send_header('Content-Length', str(size - start))
        self.end_headers()
        return f

    def log_message(self, fmt, *a):
        sys.stderr.write('%s range=%s\n' % (fmt % a, self.headers.get('Range')))
        sys.stderr.flush()


s = http.server.HTTPServer(('127.0.0.1', port), H)
print('ready', flush=True)
s.serve_forever()
