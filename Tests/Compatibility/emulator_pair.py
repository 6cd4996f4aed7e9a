"""Two `linekit emulator` processes on one PostgreSQL database behind nginx, round robin: one LINE Platform at one URL.

Used by the compatibility tests (LINEKIT_COMPAT_TOPOLOGY=pair) and by scripts/load. Everything is loopback, on free
ports, with the proxy's configuration and files in a temporary folder; `stop()` ends the processes and drops the
database.
"""

import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(server_url: str, name: str) -> str:
    """The URL of database `name` on the server `server_url` points at."""
    parts = urllib.parse.urlsplit(server_url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def psql(server_url: str, sql: str):
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", server_url, "-c", sql], check=True,
                   stdout=subprocess.DEVNULL)


def start_emulator(binary: str, database: str, extra=()):
    """Starts one emulator; returns the process and its base URL (from its banner)."""
    process = subprocess.Popen(
        [binary, "emulator", "--port", "0", "--database", database, "--log-level", "error", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    banner = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+", banner)
    if not match:
        process.kill()
        raise RuntimeError(f"the emulator did not start: {banner!r}")
    return process, match.group(0)


NGINX_CONF = """
worker_processes 1;
daemon off;
user root;
pid {folder}/nginx.pid;
error_log {folder}/error.log error;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream emulators {{
{servers}
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 10m;
        location / {{
            proxy_pass http://emulators;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            # A request that failed on one instance is not sent again to the other: it may have been done.
            proxy_next_upstream off;
            proxy_buffering off;
        }}
    }}
}}
"""


class EmulatorPair:
    """N emulators (two by default) on a fresh database of the PostgreSQL server, behind nginx (round robin)."""

    def __init__(self, binary: str, server_url: str, instances: int = 2):
        if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
            raise RuntimeError("nginx is not installed (Debian package 'nginx')")
        self.server_url = server_url
        self.name = "linekit_pair_" + uuid.uuid4().hex[:12]
        self.processes = []
        self.proxy = None
        self.folder = tempfile.mkdtemp(prefix="linekit-nginx.")
        psql(server_url, f"CREATE DATABASE {self.name}")
        try:
            self.database = database_url(server_url, self.name)
            self.instance_urls = []
            for _ in range(instances):
                process, url = start_emulator(binary, self.database)
                self.processes.append(process)
                self.instance_urls.append(url)
            port = free_port()
            servers = "\n".join(f"        server {urllib.parse.urlsplit(url).netloc};" for url in self.instance_urls)
            conf = Path(self.folder) / "nginx.conf"
            conf.write_text(NGINX_CONF.format(folder=self.folder, servers=servers, port=port))
            nginx = shutil.which("nginx") or "/usr/sbin/nginx"
            self.proxy = subprocess.Popen([nginx, "-c", str(conf), "-p", self.folder], stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL)
            self.base_url = f"http://127.0.0.1:{port}"
            self._wait_until_served()
        except BaseException:
            self.stop()
            raise

    def _wait_until_served(self):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base_url + "/_emulator/v1/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not answer on {self.base_url}: {(Path(self.folder) / 'error.log').read_text()}")

    def stop(self):
        for process in ([self.proxy] if self.proxy else []) + self.processes:
            process.terminate()
        for process in ([self.proxy] if self.proxy else []) + self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes = []
        self.proxy = None
        psql(self.server_url, f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        shutil.rmtree(self.folder, ignore_errors=True)
