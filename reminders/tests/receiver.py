"""A local HTTP server standing in for the 企业微信 / 钉钉 / 飞书 robot services: it records
every message posted to it and answers as the service would (or fails, when told to)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.paths: list[str] = []
        self.fail = 0  # answer this many requests with HTTP 500 first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if receiver.fail:
                    receiver.fail -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                receiver.paths.append(self.path)
                receiver.messages.append(json.loads(body or b"{}"))
                answer = json.dumps({"errcode": 0, "errmsg": "ok", "code": 0}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def texts(self) -> list[str]:
        """Each message's text, whatever the service's shape."""
        out = []
        for m in self.messages:
            text = m.get("text") or m.get("content") or {}
            out.append(text.get("content") or text.get("text") or json.dumps(m, ensure_ascii=False))
        return out

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
