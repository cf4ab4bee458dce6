"""corsway serve vs a bare uvicorn hello world vs serverless-offline 13, in one run.

Loopback only, bounded (each measurement is a fixed number of seconds). Measures requests/s
and p50/p99 latency at 16 connections with wrk (Debian's `wrk`, installed here when missing
and possible; otherwise a small Python keep-alive client, which is slower and says so):

- corsway: a preflight (the `cors: true` MOCK) and a Python hello-world GET (a warm worker);
- bare uvicorn: an ASGI hello world with the same HTTP stack (the practical ceiling);
- serverless-offline 13 (serverless 3) on the same service, when npm is available (installed
  into ~/.cache/corsway-bench, never into the repository);
- HTTP APIs (`httpApi` events, on a service like the REST one): the built-in preflight (from the
  CorsConfiguration) and a Python payload-2.0 GET, vs serverless-offline's `httpApi` GET;
- a Node.js hello-world GET on corsway and on serverless-offline (when node is available): on a
  fresh server, 5 s of warm-up load then three back-to-back windows (10 s each), requests/s and
  the peak RSS of the server's processes (workers included) in each window.

The Python GET ratios to serverless-offline are judged on `--rounds` (3) alternating rounds
(corsway, then serverless-offline, each round, both servers up): the median of the rounds'
ratios, so that a slow period of a shared machine hits both alike.

Targets: preflight ≥ 50% of bare uvicorn; Python GET ≥ 2x serverless-offline with p99 < 10 ms;
HTTP API preflight ≥ 80% of bare uvicorn; HTTP API Python GET ≥ 3x serverless-offline's httpApi
GET with p99 < 10 ms;
Node GET ≥ 3x serverless-offline's Node GET (first window against first window), and flat over
the windows (every window ≥ 85% of the first's requests/s, peak RSS ≤ 110% of the first's).
Usage: python benchmarks/gateway.py [--seconds 5] [--connections 16] [--no-offline]
       [--rounds 3] [--windows 3] [--window-seconds 10] [--window-warm-up 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from load import (
    Paired,
    Result,
    Windows,
    ensure_wrk,
    free_port,
    measure_windows,
    paired_rounds,
    run_python_client,
    run_wrk,
    started,
    wrk_script,
)

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "corsway-bench"
OFFLINE_PACKAGES = ["serverless@3.40.0", "serverless-offline@13"]
ORIGIN = "http://localhost:5173"

SERVICE_YML = """\
service: bench-service
provider:
  name: aws
  runtime: python3.11
functions:
  hello:
    handler: handler.hello
    events:
      - http:
          path: hello
          method: get
          cors: true
plugins:
  - serverless-offline
"""
HANDLER_PY = """\
def hello(event, context):
    return {
        "statusCode": 200,
        "headers": {"Access-Control-Allow-Origin": "*"},
        "body": "Hello world!",
    }
"""
HANDLER_JS = """\
module.exports.hello = async () => ({
  statusCode: 200,
  headers: { "Access-Control-Allow-Origin": "*" },
  body: "Hello world!",
});
"""
HTTP_SERVICE_YML = """\
service: bench-http-api
provider:
  name: aws
  runtime: python3.11
  httpApi:
    cors:
      allowedOrigins:
        - http://localhost:5173
functions:
  hello:
    handler: handler.hello
    events:
      - httpApi: 'GET /hello'
plugins:
  - serverless-offline
"""
HTTP_HANDLER_PY = """\
def hello(event, context):
    return {"statusCode": 200, "body": "Hello world!"}
"""
BARE_APP = """\
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", b"12")]})
    await send({"type": "http.response.body", "body": b"Hello world!"})
"""


OFFLINE_ENV = {
    "SLS_TELEMETRY_DISABLED": "1",
    "SLS_NOTIFICATIONS_MODE": "off",
    "CI": "1",
    "AWS_ACCESS_KEY_ID": "x",
    "AWS_SECRET_ACCESS_KEY": "x",
}


def offline_service(directory: Path, serverless_yml: str, handler_file: str, code: str) -> Path:
    """A service directory for serverless-offline (its node_modules from the cache)."""
    directory.mkdir()
    (directory / "serverless.yml").write_text(serverless_yml)
    (directory / handler_file).write_text(code)
    (directory / "node_modules").symlink_to(CACHE / "node_modules")
    return directory


def offline_command(offline: Path, port: int) -> list[str]:
    """`serverless offline start` on `port` (its Lambda port another free one)."""
    return [str(offline), "offline", "start", "--httpPort", str(port),
            "--lambdaPort", str(free_port()), "--noTimeout"]  # fmt: skip


def ensure_offline() -> Path | None:
    if shutil.which("npm") is None:
        return None
    binary = CACHE / "node_modules" / ".bin" / "sls"
    if not binary.exists():
        print(f"installing {' '.join(OFFLINE_PACKAGES)} into {CACHE} ...", flush=True)
        CACHE.mkdir(parents=True, exist_ok=True)
        package = CACHE / "package.json"
        if not package.exists():
            package.write_text('{"name": "corsway-bench", "private": true}\n')
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", *OFFLINE_PACKAGES],
            cwd=CACHE,
            capture_output=True,
        )
    return binary if binary.exists() else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--no-offline", action="store_true", help="skip serverless-offline")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="alternating rounds of corsway's and serverless-offline's Python GETs (0: none)",
    )
    parser.add_argument("--windows", type=int, default=3, help="Node GET windows (0 skips)")
    parser.add_argument("--window-seconds", type=float, default=10.0)
    parser.add_argument(
        "--window-warm-up", type=float, default=5.0, help="load before the first Node window"
    )
    args = parser.parse_args()
    seconds, conns = args.seconds, args.connections

    work = Path(tempfile.mkdtemp(prefix="corsway-bench-"))
    service = work / "service"
    service.mkdir()
    (service / "serverless.yml").write_text(SERVICE_YML)
    (service / "handler.py").write_text(HANDLER_PY)
    (work / "bare.py").write_text(BARE_APP)
    wrk = ensure_wrk()
    print(
        f"load generator: {wrk or 'python asyncio client (wrk unavailable)'}; "
        f"{conns} connections, {seconds:g} s per measurement, loopback only\n",
        flush=True,
    )
    preflight_headers = {"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
    get_headers = {"Origin": ORIGIN}

    def measure(
        name: str,
        url: str,
        method: str,
        headers: dict[str, str],
        *,
        duration: float | None = None,
        warm_up: bool = True,
    ) -> Result:
        length = seconds if duration is None else duration
        if wrk:
            script = wrk_script(method, headers, work)
            return run_wrk(
                wrk, name, url, script=script, seconds=length, connections=conns, warm_up=warm_up
            )
        return run_python_client(
            name, url, method, headers, seconds=length, conns=conns, warm_up=warm_up
        )

    node_runs: dict[str, Windows] = {}
    node = shutil.which("node") if args.windows > 0 else None

    def node_windows(name: str, url: str, root_pid: int) -> Windows:
        """A warm-up under load (workers start, V8's young generation grows to its working
        size), then the back-to-back windows on the Node GET."""
        measure(
            f"{name} warm-up", url, "GET", get_headers, duration=args.window_warm_up, warm_up=False
        )
        return measure_windows(
            name,
            lambda label, length: measure(
                label, url, "GET", get_headers, duration=length, warm_up=False
            ),
            root_pid,
            windows=args.windows,
            seconds=args.window_seconds,
        )

    results: dict[str, Result] = {}
    paired: dict[str, Paired] = {}
    python = sys.executable

    def alternate(service_dir: Path, path: str, their_url: str, their_name: str) -> Paired:
        """Rounds of corsway's GET on `service_dir` and the peer's GET, alternating."""
        port = free_port()
        command = [python, "-c", "from corsway.cli import run; run()", "serve",
                   str(service_dir), "--port", str(port)]  # fmt: skip
        log = work / f"paired-{service_dir.name}.log"
        with started(command, port, REPO, log, {"COLUMNS": "160"}):
            ours = f"http://127.0.0.1:{port}{path}"
            return paired_rounds(
                args.rounds,
                lambda: measure(f"corsway GET ({service_dir.name})", ours, "GET", get_headers),
                lambda: measure(their_name, their_url, "GET", get_headers),
            )

    port = free_port()
    bare = [python, "-m", "uvicorn", "bare:app", "--port", str(port), "--http", "httptools",
            "--no-access-log", "--log-level", "warning"]  # fmt: skip
    with started(bare, port, work, work / "bare.log"):
        results["bare"] = measure("bare uvicorn ASGI hello", f"http://127.0.0.1:{port}/", "GET", {})

    port = free_port()
    corsway = [python, "-c", "from corsway.cli import run; run()", "serve", str(service),
               "--port", str(port)]  # fmt: skip
    with started(corsway, port, REPO, work / "corsway.log", {"COLUMNS": "160"}):
        base = f"http://127.0.0.1:{port}/dev/hello"
        results["preflight"] = measure(
            "corsway preflight (MOCK)", base, "OPTIONS", preflight_headers
        )
        results["get"] = measure("corsway Python GET", base, "GET", get_headers)

    http_service = work / "http-service"
    http_service.mkdir()
    (http_service / "serverless.yml").write_text(HTTP_SERVICE_YML)
    (http_service / "handler.py").write_text(HTTP_HANDLER_PY)
    port = free_port()
    corsway_http = [python, "-c", "from corsway.cli import run; run()", "serve",
                    str(http_service), "--port", str(port)]  # fmt: skip
    with started(corsway_http, port, REPO, work / "corsway-http.log", {"COLUMNS": "160"}):
        url = f"http://127.0.0.1:{port}/hello"
        results["http-preflight"] = measure(
            "corsway HTTP API preflight (built-in)", url, "OPTIONS", preflight_headers
        )
        results["http-get"] = measure("corsway HTTP API Python GET (2.0)", url, "GET", get_headers)

    if node is not None:
        node_service = work / "node-service"
        node_service.mkdir()
        node_yml = SERVICE_YML.replace("python3.11", "nodejs20.x")
        (node_service / "serverless.yml").write_text(node_yml)
        (node_service / "handler.js").write_text(HANDLER_JS)
        port = free_port()
        corsway_node = [python, "-c", "from corsway.cli import run; run()", "serve",
                        str(node_service), "--port", str(port)]  # fmt: skip
        with started(corsway_node, port, REPO, work / "corsway-node.log", {"COLUMNS": "160"}) as p:
            url = f"http://127.0.0.1:{port}/dev/hello"
            node_runs["corsway"] = node_windows("corsway Node GET", url, p.pid)
        results["node-get"] = node_runs["corsway"].windows[0].result
    else:
        print("Node GET: skipped (node unavailable or --windows 0)")

    offline = None if args.no_offline else ensure_offline()
    if offline is not None:
        for label, handler, runtime in (
            ("Python", "handler.py", "python3.11"),
            ("Node", "handler.js", "nodejs20.x"),
        ):
            offline_dir = offline_service(
                work / f"offline-{runtime}",
                SERVICE_YML.replace("python3.11", runtime),
                handler,
                HANDLER_PY if handler.endswith(".py") else HANDLER_JS,
            )
            port = free_port()
            command = offline_command(offline, port)
            try:
                log = work / f"offline-{runtime}.log"
                with started(command, port, offline_dir, log, OFFLINE_ENV) as process:
                    base = f"http://127.0.0.1:{port}/dev/hello"
                    if label == "Python":
                        results["offline-preflight"] = measure(
                            "serverless-offline preflight", base, "OPTIONS", preflight_headers
                        )
                    elif node_runs:
                        node_runs["offline"] = node_windows(
                            "serverless-offline Node GET", base, process.pid
                        )
                        results["offline-Node"] = node_runs["offline"].windows[0].result
                        continue
                    results[f"offline-{label}"] = measure(
                        f"serverless-offline {label} GET", base, "GET", get_headers
                    )
                    if label == "Python" and args.rounds:
                        paired["rest"] = alternate(
                            service, "/dev/hello", base, "serverless-offline Python GET"
                        )
            except RuntimeError as error:
                print(f"serverless-offline ({label}) did not start: {error}")
        offline_http = offline_service(
            work / "offline-http", HTTP_SERVICE_YML, "handler.py", HTTP_HANDLER_PY
        )
        port = free_port()
        command = offline_command(offline, port)
        try:
            with started(command, port, offline_http, work / "offline-http.log", OFFLINE_ENV):
                theirs = f"http://127.0.0.1:{port}/hello"
                name = "serverless-offline httpApi Python GET"
                results["offline-http"] = measure(name, theirs, "GET", get_headers)
                if args.rounds:
                    paired["http"] = alternate(http_service, "/hello", theirs, name)
        except RuntimeError as error:
            print(f"serverless-offline (httpApi) did not start: {error}")
    else:
        print("serverless-offline: skipped (npm unavailable or --no-offline)")

    print(f"{'target':36} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8}  notes")
    for result in results.values():
        print(
            f"{result.name:36} {result.requests_per_s:10.0f} {result.p50_ms:8.2f} "
            f"{result.p99_ms:8.2f}  {result.errors}"
        )
    print()
    ok = True
    ratio = results["preflight"].requests_per_s / results["bare"].requests_per_s
    verdict = "met" if ratio >= 0.5 else "NOT met"
    ok &= ratio >= 0.5
    print(f"preflight / bare uvicorn: {ratio:.2f} (target >= 0.50: {verdict})")
    get = results["get"]
    p99_ok = get.p99_ms < 10
    print(f"Python GET p99: {get.p99_ms:.2f} ms (target < 10 ms: {'met' if p99_ok else 'NOT met'})")
    ok &= p99_ok
    for key, label in (("offline-Python", "Python"), ("offline-Node", "Node")):
        if key in results and not results[key].requests_per_s:
            print(f"serverless-offline {label} GET answered nothing: no ratio")
        elif key in results and label == "Python":
            ratio = get.requests_per_s / results[key].requests_per_s
            ok &= ratio_verdict("Python GET / serverless-offline Python GET", ratio,
                                paired.get("rest"), 2.0)  # fmt: skip
        elif key in results:
            ratio = get.requests_per_s / results[key].requests_per_s
            print(f"Python GET / serverless-offline {label} GET: {ratio:.2f} (for context)")
    ok &= report_http_api(results, paired.get("http"))
    if node_runs:
        ok &= report_node(node_runs, args.window_seconds, conns)
    shutil.rmtree(work, ignore_errors=True)
    print("all targets met" if ok else "some targets NOT met (see above)")
    return 0


def ratio_verdict(label: str, ratio: float, paired: Paired | None, target: float) -> bool:
    """Print a requests/s ratio against its target; True when met. With alternating rounds,
    the verdict is their median (the single measurements, minutes apart, are shown too)."""
    if paired is None:
        met = ratio >= target
        print(f"{label}: {ratio:.2f} (target >= {target:.1f}: {'met' if met else 'NOT met'})")
        return met
    median = paired.median_ratio
    met = median >= target
    rounds = ", ".join(f"{r:.2f}" for r in paired.ratios)
    print(
        f"{label}: {rounds} in {len(paired.ratios)} alternating rounds, median {median:.2f} "
        f"(target >= {target:.1f}: {'met' if met else 'NOT met'}); "
        f"single measurements minutes apart: {ratio:.2f}"
    )
    pairs = ", ".join(
        f"{a.requests_per_s:.0f}/{b.requests_per_s:.0f}"
        for a, b in zip(paired.ours, paired.theirs, strict=True)
    )
    print(f"  rounds, corsway/serverless-offline req/s: {pairs}")
    return met


def report_http_api(results: dict[str, Result], paired: Paired | None) -> bool:
    """The HTTP API verdicts; True when every target is met."""
    ok = True
    ratio = results["http-preflight"].requests_per_s / results["bare"].requests_per_s
    ok &= ratio >= 0.8
    print(
        f"HTTP API preflight / bare uvicorn: {ratio:.2f} "
        f"(target >= 0.80: {'met' if ratio >= 0.8 else 'NOT met'})"
    )
    get = results["http-get"]
    ok &= get.p99_ms < 10
    print(
        f"HTTP API Python GET p99: {get.p99_ms:.2f} ms "
        f"(target < 10 ms: {'met' if get.p99_ms < 10 else 'NOT met'})"
    )
    offline = results.get("offline-http")
    if offline is not None and offline.requests_per_s:
        ratio = get.requests_per_s / offline.requests_per_s
        label = "HTTP API Python GET / serverless-offline httpApi GET"
        ok &= ratio_verdict(label, ratio, paired, 3.0)
    elif offline is not None:
        print("serverless-offline httpApi GET answered nothing: no ratio")
    return ok


def report_node(runs: dict[str, Windows], window_seconds: float, conns: int) -> bool:
    """The Node GET windows side by side, and the verdicts; True when every target is met."""
    corsway, offline = runs["corsway"], runs.get("offline")
    print(
        f"\nNode hello-world GET, back-to-back {window_seconds:g} s windows after a warm-up on a "
        f"fresh server ({conns} connections; RSS = peak of the server's processes, workers "
        "included):"
    )
    header = f"{'window':>6}  {'corsway req/s':>13} {'p99 ms':>7} {'RSS MB':>7}"
    if offline:
        header += f"  {'offline req/s':>13} {'p99 ms':>7} {'RSS MB':>7}  {'ratio':>6}"
    print(header)
    for index, ours in enumerate(corsway.windows):
        line = (
            f"{index + 1:>6}  {ours.result.requests_per_s:13.0f} {ours.result.p99_ms:7.2f} "
            f"{ours.peak_rss_mb:7.0f}"
        )
        if offline and index < len(offline.windows):
            theirs = offline.windows[index]
            ratio = ours.result.requests_per_s / theirs.result.requests_per_s
            line += (
                f"  {theirs.result.requests_per_s:13.0f} {theirs.result.p99_ms:7.2f} "
                f"{theirs.peak_rss_mb:7.0f}  {ratio:6.2f}"
            )
        errors = " ".join(e for e in (ours.result.errors,) if e)
        print(line + (f"  {errors}" if errors else ""))
    ok = True
    first, rest = corsway.windows[0], corsway.windows[1:]
    flat_rps = all(w.result.requests_per_s >= 0.85 * first.result.requests_per_s for w in rest)
    flat_rss = all(w.peak_rss_mb <= 1.10 * first.peak_rss_mb for w in rest)
    print(
        f"corsway Node GET flat over the windows: requests/s {'met' if flat_rps else 'NOT met'} "
        f"(each >= 85% of the first), memory {'met' if flat_rss else 'NOT met'} "
        "(peak RSS <= 110% of the first)"
    )
    ok &= flat_rps and flat_rss
    if offline:
        ratio = first.result.requests_per_s / offline.windows[0].result.requests_per_s
        met = ratio >= 3
        print(
            f"Node GET / serverless-offline Node GET (first windows): {ratio:.2f} "
            f"(target >= 3.0: {'met' if met else 'NOT met'})"
        )
        ok &= met
    return ok


if __name__ == "__main__":
    sys.exit(main())
