"""Starts and stops a tempo server for one test case.

Every server gets free loopback ports and its own temporary directory (config, WAL,
blocks, log). The process is always killed when the test ends: by the context manager,
and, should the driver itself be killed (ctest timeout), by PR_SET_PDEATHSIG.
"""
import ctypes
import http.client
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time

PR_SET_PDEATHSIG = 1


def _port_pool():
    """Ports outside the kernel's ephemeral range: outgoing connections (every client of every
    parallel test) take their local ports from that range, so a port picked there and closed
    again may be taken before the server binds it."""
    lo, hi = 32768, 60999
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = (int(x) for x in f.read().split())
    except (OSError, ValueError):
        pass
    if lo > 12000:
        return range(10000, lo)
    if hi < 63000:
        return range(hi + 1, 65536)
    return range(1024, 65536)


_rng = random.Random(os.getpid() ^ time.monotonic_ns())


def free_ports(n, kind=socket.SOCK_STREAM):
    """Returns n distinct ports that are free on all addresses (TCP, or UDP with
    kind=socket.SOCK_DGRAM; all bound at once, then closed), chosen at random outside the
    ephemeral range (_port_pool)."""
    pool = _port_pool()
    socks = []
    try:
        while len(socks) < n:
            s = socket.socket(socket.AF_INET, kind)
            try:
                s.bind(("0.0.0.0", _rng.choice(pool)))
            except OSError:
                s.close()
                continue
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _die_with_parent():
    """preexec_fn: the server gets SIGKILL if the driver process dies."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass


def _yaml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return '"%s"' % v


def _yaml(d, indent=0):
    """Tiny YAML writer for nested dicts of scalars (enough for tempo.yaml)."""
    lines = []
    for k, v in d.items():
        if isinstance(v, dict):
            lines.append(" " * indent + f"{k}:")
            lines.append(_yaml(v, indent + 2))
        else:
            lines.append(" " * indent + f"{k}: {_yaml_value(v)}")
    return "\n".join(lines)


class ServerError(Exception):
    pass


class TempoServer:
    """One tempo process. Use as a context manager:

        with TempoServer(binary) as srv:
            srv.start()
            ...
    """

    def __init__(self, binary, multitenancy=False, rate_limit_bytes=15_000_000,
                 burst_size_bytes=20_000_000, max_bytes_per_trace=5_000_000, keep_dir=False,
                 extra_config=None):
        self.binary = os.path.abspath(binary)
        self.dir = tempfile.mkdtemp(prefix="tempo-it-")
        self.keep_dir = keep_dir or bool(os.environ.get("TEMPO_IT_KEEP"))
        self.proc = None
        self.log_path = os.path.join(self.dir, "tempo.log")
        self.starts = 0
        self._config = {
            "server": {},
            "multitenancy_enabled": multitenancy,
            "distributor": {"receivers": {"otlp": {"protocols": {"grpc": {}, "http": {}}}}},
            "overrides": {"defaults": {
                "ingestion": {"rate_limit_bytes": rate_limit_bytes,
                              "burst_size_bytes": burst_size_bytes},
                "global": {"max_bytes_per_trace": max_bytes_per_trace}}},
        }
        for section, values in (extra_config or {}).items():  # e.g. {"ingester": {...}}
            self._config.setdefault(section, {}).update(values)
        self.config_path = os.path.join(self.dir, "tempo.yaml")
        self._assign_ports()

    def _assign_ports(self):
        """Picks free ports and writes the config with them. The ports are free when picked, but
        another process may take one before the server binds it: the first start then retries
        with new ones (see start)."""
        self.http_port, self.grpc_port, self.otlp_grpc_port, self.otlp_http_port = free_ports(4)
        self._config["server"].update(
            {"http_listen_port": self.http_port, "grpc_listen_port": self.grpc_port})
        protocols = self._config["distributor"]["receivers"]["otlp"]["protocols"]
        protocols["grpc"]["endpoint"] = f"127.0.0.1:{self.otlp_grpc_port}"
        protocols["http"]["endpoint"] = f"127.0.0.1:{self.otlp_http_port}"
        with open(self.config_path, "w") as f:
            f.write(_yaml(self._config) + "\n")

    # ---- addresses -----------------------------------------------------------------
    @property
    def otlp_http_url(self):
        return f"http://127.0.0.1:{self.otlp_http_port}/v1/traces"

    @property
    def otlp_grpc_addr(self):
        return f"127.0.0.1:{self.otlp_grpc_port}"

    # ---- lifecycle -----------------------------------------------------------------
    def start(self, ready_timeout=30.0, env=None, wait=True):
        """Starts the process (same dirs and ports on every restart) and waits for /ready.
        `env` adds environment variables (e.g. TEMPO_CRASHPOINT) for this start only. A first
        start whose ports were taken meanwhile (parallel tests) is retried with new ports."""
        for attempt in range(3):
            try:
                self._start_once(ready_timeout, env, wait)
                return
            except ServerError:
                taken = wait and self.starts == 1 and "Address already in use" in self.log_tail()
                if not taken or attempt == 2:
                    raise
                self.starts = 0
                self._assign_ports()

    def _start_once(self, ready_timeout, env, wait):
        if not os.path.exists(self.binary):
            raise ServerError(f"tempo binary not found: {self.binary}")
        self.starts += 1
        log = open(self.log_path, "ab")
        log.write(f"\n===== start #{self.starts} =====\n".encode())
        log.flush()
        args = [self.binary, f"-config.file={self.config_path}",
                f"-storage.trace.wal.path={os.path.join(self.dir, 'wal')}",
                f"-storage.trace.local.path={os.path.join(self.dir, 'blocks')}",
                f"-server.http-listen-port={self.http_port}"]
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent,
                                     env={**os.environ, **(env or {})})
        log.close()
        if wait:
            self.wait_ready(ready_timeout)

    def cli(self, *words, timeout=30):
        """Runs `tempo <words>` against this server's block storage (no server needed);
        returns (exit code, stdout, stderr)."""
        args = [self.binary, f"-storage.trace.local.path={os.path.join(self.dir, 'blocks')}",
                *words]
        r = subprocess.run(args, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
        return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")

    def wait_ready(self, timeout):
        """Polls GET /ready until it returns 200 `ready\\n` (bounded by `timeout`)."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(f"tempo exited with code {self.proc.returncode} before "
                                  f"becoming ready\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=2)
                conn.request("GET", "/ready")
                resp = conn.getresponse()
                body = resp.read()
                conn.close()
                if resp.status == 200:
                    if body != b"ready\n":
                        raise ServerError(f"/ready returned 200 with body {body!r}, want b'ready\\n'")
                    return
                last = f"{resp.status} {body[:200]!r}"
            except (OSError, http.client.HTTPException) as e:
                last = repr(e)
            time.sleep(0.05)  # poll interval, not synchronisation
        raise ServerError(f"tempo not ready after {timeout}s (last: {last})\n{self.log_tail()}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        """SIGKILL, then reap."""
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=10)

    def terminate(self, timeout=10.0):
        """SIGTERM; returns the exit code, or None if it did not exit within `timeout`
        (then it is killed)."""
        if not self.alive():
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            return None

    def log_tail(self, n=40):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
            return "---- tempo log (last %d lines) ----\n%s" % (n, "\n".join(lines[-n:]))
        except OSError:
            return "(no tempo log)"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill9()
        if self.keep_dir:
            print(f"[server] kept {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        return False
