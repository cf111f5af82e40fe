#!/usr/bin/env python3
"""A local Lambda service for the functions' built binaries: the Lambda
Runtime API each process polls, the Invoke API the event sources call, and
function URLs. It serves the same addresses as `cargo lambda watch`
(`stack.sh up --gateway` starts it instead of watch), so nothing else in the
stack changes.

Why it exists: under a long, heavy run (`make chaos` at 1,000 posts) cargo
lambda watch 1.9 starts answering the functions' posted responses with 500
and then serves no invocation of any function, and one publisher process
killed mid-invocation stops it serving the publisher at all. This service is
small enough to read whole, and it does what Lambda does where it matters
to the proof:

Instances
  Each instance is one process of the function's binary
  ($CARGO_TARGET_DIR/debug/<binary>, built by `cargo build --workspace
  --bins`), with its own Runtime API listener on a loopback port
  (AWS_LAMBDA_RUNTIME_API), the stack's env file as its environment (as
  watch's --env-file) and Lambda's own variables (function name, memory,
  version, log group and stream). An instance runs one invocation at a time;
  an idle instance is reused; when every instance is busy a new one starts,
  up to --max-instances per function (then the invocation waits for one).
Timeouts
  An invocation gets the template's Timeout from the moment its instance
  takes it (GET .../invocation/next); past it the instance is killed and the
  caller gets Lambda's `Sandbox.Timedout` function error. An instance that
  never polls within --init-timeout is killed too (Lambda's init limit).
Deaths
  An instance that exits (a crash, or SIGKILL from POST /_gateway/kill) fails
  its invocation with `Runtime.ExitError`, as Lambda does; the next
  invocation starts a fresh instance. Kills are the chaos run's way of
  killing publishers mid-invocation: the gateway knows which instance is busy.
Invoke API
  POST /2015-03-31/functions/<binary or logical id>/invocations: the
  response payload with 200; a function error is 200 with
  X-Amz-Function-Error: Unhandled and the {"errorType","errorMessage"} body.
Function URLs
  ANY /lambda-url/<binary>/<path>: an API Gateway HTTP API (payload 2.0)
  event with rawPath /<path>, and the structured response turned back into
  HTTP. A function error is API Gateway's 500 {"message":"Internal Server
  Error"}, a timeout its 503.
Control
  GET  /_gateway/status        per function: instances (busy, idle, starting),
                               invocations, errors, timeouts, exits, kills
  POST /_gateway/kill/<binary> SIGKILL one instance in the middle of an
                               invocation (200 with its pid), 409 if none is busy

Log lines: every line an instance writes, prefixed with its function and pid,
go to this process's stdout (the stack's logs/gateway.log); one line per
invocation (function, request id, outcome, milliseconds), never a payload.

Usage:
  lambda_gateway.py serve --port PORT --env-file STACK_ENV [--template PATH]
                          [--bin-dir DIR] [--max-instances N] [--init-timeout S]
"""

import argparse
import base64
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import event_sources  # noqa: E402  (the template reader the event sources use)

ROOT = event_sources.ROOT
REGION = event_sources.REGION
ACCOUNT = event_sources.ACCOUNT
DEFAULT_MEMORY = 128  # Lambda's default MemorySize
RUNTIME_PREFIX = "/2018-06-01/runtime"
TEXT_TYPES = ("text/", "application/json", "application/x-www-form-urlencoded", "application/xml",
              "application/javascript", "application/problem+json")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # bursts of concurrent invocations and requests


def _log(line):
    print(f"{datetime.now(timezone.utc).strftime('%H:%M:%S')} gateway: {line}", flush=True)


# --- functions ----------------------------------------------------------------


class FunctionSpec:
    def __init__(self, logical_id, binary, timeout, memory):
        self.logical_id, self.binary, self.timeout, self.memory = logical_id, binary, timeout, memory


def read_functions(template_path):
    """Every function of the template that names its binary, with Timeout and MemorySize."""
    template = event_sources.load_template(template_path)
    sources = event_sources.read_sources(template, "local")
    globals_fn = template.get("Globals", {}).get("Function", {})
    specs = {}
    for fn in sources.functions:
        props = template["Resources"][fn.logical_id].get("Properties", {})
        memory = props.get("MemorySize", globals_fn.get("MemorySize", DEFAULT_MEMORY))
        memory = int(memory) if isinstance(memory, (int, str)) and str(memory).isdigit() else DEFAULT_MEMORY
        specs[fn.binary] = FunctionSpec(fn.logical_id, fn.binary, fn.timeout, memory)
    return specs


# --- invocations and instances ----------------------------------------------


class Invocation:
    """One invocation: its payload, and the result once the instance (or its death) gives one."""

    def __init__(self, payload, timeout):
        self.request_id = str(uuid.uuid4())
        self.payload = payload
        self.timeout = timeout
        self.deadline_ms = 0
        self.done = threading.Event()
        self.kind = None  # "ok" | "error"
        self.body = b""
        self.lock = threading.Lock()

    def finish(self, kind, body):
        """The first result wins; a late answer of a killed instance is dropped."""
        with self.lock:
            if self.done.is_set():
                return False
            self.kind, self.body = kind, body
            self.done.set()
            return True


def _error_body(error_type, message):
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


class Instance:
    """One process of a function and its Runtime API listener."""

    def __init__(self, function, gateway):
        self.function = function
        self.gateway = gateway
        self.state = "starting"  # starting | idle | busy | finishing (answered, not yet polling) | dead
        self.assigned = None  # the invocation to hand out on the next poll
        self.current = None  # the invocation handed out and not answered
        self.cond = threading.Condition(function.lock)
        self.killed_by_request = False
        self.server = Server(("127.0.0.1", 0), RuntimeHandler)
        self.server.instance = self
        port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        spec = function.spec
        env = dict(gateway.env)
        env.update({
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
            "AWS_LAMBDA_FUNCTION_NAME": spec.binary,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(spec.timeout),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.binary}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{datetime.now(timezone.utc):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}",
        })
        self.started = time.monotonic()
        self.proc = subprocess.Popen([os.path.join(gateway.bin_dir, spec.binary)], env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = self.proc.pid
        threading.Thread(target=self.pump, daemon=True).start()
        threading.Thread(target=self.reap, daemon=True).start()

    def pump(self):
        """The instance's output, line by line, prefixed (the function's own log lines)."""
        prefix = f"[{self.function.spec.binary} {self.pid}] ".encode()
        for line in self.proc.stdout:
            self.gateway.write_log(prefix + line)

    def reap(self):
        code = self.proc.wait()
        why = f"signal {-code}" if code < 0 else f"exit status {code}"
        with self.function.lock:
            was = self.state
            self.state = "dead"
            lost = [i for i in (self.current, self.assigned) if i is not None]
            self.current = self.assigned = None
            self.function.forget(self)
            self.cond.notify_all()
            self.function.cond.notify_all()
        self.function.count("exits")
        for invocation in lost:
            if invocation.finish("error", _error_body(
                    "Runtime.ExitError", f"RequestId: {invocation.request_id} Error: Runtime exited with {why}")):
                self.function.count("errors")
        if was != "dead" and not self.gateway.stopping:
            _log(f"{self.function.spec.binary} instance {self.pid} exited ({why})"
                 + (", killed on request" if self.killed_by_request else "")
                 + (f", {len(lost)} invocation(s) failed with Runtime.ExitError" if lost else ""))
        self.server.shutdown()
        self.server.server_close()

    def kill(self):
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    # Runtime API, called from the listener's threads.

    def next_invocation(self):
        """Blocks until an invocation is assigned; None when the instance is dead."""
        with self.function.lock:
            if self.state == "starting":
                self.function.count_init(time.monotonic() - self.started)
            if self.current is not None:
                # A poll before answering the previous invocation: the runtime gave up on it.
                lost, self.current = self.current, None
                if lost.finish("error", _error_body("Runtime.InvalidResponse", "the runtime polled again without answering")):
                    self.function.count("errors")
            if self.assigned is None and self.state != "dead":
                self.state = "idle"
                if self not in self.function.idle:
                    self.function.idle.append(self)
                self.function.cond.notify_all()
            while self.assigned is None and self.state != "dead":
                self.cond.wait(1.0)
            if self.state == "dead":
                return None
            invocation, self.assigned = self.assigned, None
            self.current = invocation
            self.state = "busy"
            invocation.deadline_ms = int(time.time() * 1000) + invocation.timeout * 1000
        threading.Thread(target=self.watch_deadline, args=(invocation,), daemon=True).start()
        return invocation

    def watch_deadline(self, invocation):
        if invocation.done.wait(invocation.timeout):
            return
        if invocation.finish("error", _error_body(
                "Sandbox.Timedout", f"RequestId: {invocation.request_id} Error: Task timed out after "
                                    f"{invocation.timeout:.2f} seconds")):
            self.function.count("timeouts")
            self.function.count("errors")
            _log(f"{self.function.spec.binary} {invocation.request_id} timed out after {invocation.timeout} s; "
                 f"instance {self.pid} killed, as Lambda resets it")
            self.kill()

    def answer(self, request_id, kind, body):
        """A posted response or error; False for a request id this instance is not running."""
        with self.function.lock:
            invocation = self.current
            if invocation is None or invocation.request_id != request_id:
                return False
            self.current = None
            # Answered, about to poll again: the next invocation may be
            # assigned to it now rather than start another instance in the gap.
            self.state = "finishing"
            self.function.idle.append(self)
        if invocation.finish(kind, body) and kind == "error":
            self.function.count("errors")
        return True

    def init_error(self, body):
        with self.function.lock:
            lost = [i for i in (self.current, self.assigned) if i is not None]
        for invocation in lost:
            if invocation.finish("error", body):
                self.function.count("errors")
        self.function.count("init_errors")


class Function:
    """A function's instances: idle ones are reused, new ones start up to the limit."""

    def __init__(self, spec, gateway):
        self.spec = spec
        self.gateway = gateway
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.instances = []
        self.idle = []
        self.counters = {"invocations": 0, "errors": 0, "timeouts": 0, "exits": 0, "kills": 0,
                         "init_errors": 0, "instances_started": 0}
        self.init_seconds = []

    def count(self, name):
        with self.gateway.counter_lock:
            self.counters[name] += 1

    def count_init(self, seconds):
        with self.gateway.counter_lock:
            self.init_seconds.append(seconds)

    def forget(self, instance):  # under self.lock
        if instance in self.instances:
            self.instances.remove(instance)
        if instance in self.idle:
            self.idle.remove(instance)

    def invoke(self, payload):
        """Runs one invocation to its end: (kind, body)."""
        invocation = Invocation(payload, self.spec.timeout)
        self.count("invocations")
        started = time.monotonic()
        handed = time.monotonic() + self.gateway.init_timeout + self.spec.timeout
        with self.lock:
            while True:
                while self.idle and (self.idle[0].state not in ("idle", "finishing") or self.idle[0].assigned):
                    self.idle.pop(0)
                if self.idle:
                    instance = self.idle.pop(0)
                    break
                if len(self.instances) < self.gateway.max_instances:
                    instance = Instance(self, self.gateway)
                    self.instances.append(instance)
                    self.count("instances_started")
                    threading.Thread(target=self.watch_init, args=(instance,), daemon=True).start()
                    break
                if time.monotonic() > handed:
                    return "error", _error_body("TooManyRequestsException",
                                                f"every one of {self.gateway.max_instances} instances stayed busy")
                self.cond.wait(1.0)
            instance.assigned = invocation
            instance.state = "busy" if instance.state in ("idle", "finishing") else instance.state
            instance.cond.notify_all()
        # The function's Timeout starts when the instance takes the invocation;
        # init has its own limit (watch_init). This wait only guards against a
        # gateway bug: both paths finish the invocation.
        invocation.done.wait(self.gateway.init_timeout + self.spec.timeout + 30)
        if not invocation.done.is_set():
            invocation.finish("error", _error_body("Gateway.Lost", "the invocation was never answered"))
        ms = int((time.monotonic() - started) * 1000)
        _log(f"{self.spec.binary} {invocation.request_id} {invocation.kind} {ms} ms (instance {instance.pid})")
        return invocation.kind, invocation.body

    def watch_init(self, instance):
        deadline = time.monotonic() + self.gateway.init_timeout
        with self.lock:
            while instance.state == "starting" and time.monotonic() < deadline:
                self.cond.wait(0.5)
            slow = instance.state == "starting"
        if slow:
            _log(f"{self.spec.binary} instance {instance.pid} did not poll within {self.gateway.init_timeout} s; killed")
            instance.init_error(_error_body("Runtime.InitTimeout", "the runtime did not poll for work in time"))
            instance.kill()

    def kill_busy(self):
        with self.lock:
            busy = [i for i in self.instances if i.current is not None]
            if not busy:
                return None
            victim = random.choice(busy)
            victim.killed_by_request = True
        victim.kill()
        self.count("kills")
        return victim.pid

    def status(self):
        with self.lock:
            states = [i.state for i in self.instances]
        with self.gateway.counter_lock:
            counters = dict(self.counters)
            inits = sorted(self.init_seconds)
        return {"logical_id": self.spec.logical_id, "timeout": self.spec.timeout, "memory": self.spec.memory,
                "busy": states.count("busy"), "idle": states.count("idle") + states.count("finishing"), "starting": states.count("starting"),
                "init_median_ms": int(inits[len(inits) // 2] * 1000) if inits else None, **counters}


class Gateway:
    def __init__(self, specs, env, bin_dir, max_instances, init_timeout):
        self.env = env
        self.bin_dir = bin_dir
        self.max_instances = max_instances
        self.init_timeout = init_timeout
        self.counter_lock = threading.Lock()
        self.log_lock = threading.Lock()
        self.stopping = False
        self.functions = {name: Function(spec, self) for name, spec in specs.items()}
        self.by_logical_id = {spec.logical_id: name for name, spec in specs.items()}

    def function(self, name):
        return self.functions.get(name) or self.functions.get(self.by_logical_id.get(name, ""))

    def write_log(self, line):
        with self.log_lock:
            sys.stdout.buffer.write(line if line.endswith(b"\n") else line + b"\n")
            sys.stdout.buffer.flush()

    def stop(self):
        self.stopping = True
        for fn in self.functions.values():
            with fn.lock:
                instances = list(fn.instances)
            for instance in instances:
                instance.kill()


# --- the Runtime API listener (one per instance) --------------------------


def read_body(handler):
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return body
            body += handler.rfile.read(size)
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


class Reply(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=None, content_type="application/json"):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(status)
        for key, value in (headers or []):
            self.send_header(key, value)
        if content_type and not any(k.lower() == "content-type" for k, _ in (headers or [])):
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class RuntimeHandler(Reply):
    def do_GET(self):
        instance = self.server.instance
        if self.path != f"{RUNTIME_PREFIX}/invocation/next":
            return self.reply(404, {"errorType": "NotFound", "errorMessage": self.path})
        invocation = instance.next_invocation()
        if invocation is None:
            # The instance is being torn down: hold the poll until the process is gone.
            time.sleep(5)
            return self.reply(500, {"errorType": "Gateway.Shutdown", "errorMessage": "instance stopped"})
        spec = instance.function.spec
        self.reply(200, invocation.payload, headers=[
            ("Lambda-Runtime-Aws-Request-Id", invocation.request_id),
            ("Lambda-Runtime-Deadline-Ms", str(invocation.deadline_ms)),
            ("Lambda-Runtime-Invoked-Function-Arn", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{spec.binary}"),
            ("Lambda-Runtime-Trace-Id", f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0"),
        ])

    def do_POST(self):
        instance = self.server.instance
        body = read_body(self)
        parts = self.path[len(RUNTIME_PREFIX):].strip("/").split("/") if self.path.startswith(RUNTIME_PREFIX) else []
        if parts == ["init", "error"]:
            instance.init_error(body or _error_body("Runtime.InitError", "init failed"))
            return self.reply(202, {"status": "OK"})
        if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            kind = "ok" if parts[2] == "response" else "error"
            if instance.answer(parts[1], kind, body):
                return self.reply(202, {"status": "OK"})
            return self.reply(400, {"errorType": "InvalidRequestID",
                                    "errorMessage": f"{parts[1]} is not this instance's current invocation"})
        self.reply(404, {"errorType": "NotFound", "errorMessage": self.path})


# --- the front door: Invoke API, function URLs, control ---------------------


def http_event(method, path, query, headers, body, source_ip):
    """API Gateway HTTP API's payload 2.0 for one request (function URLs use the same)."""
    merged = {}
    cookies = []
    for key, value in headers:
        key = key.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        merged[key] = f"{merged[key]},{value}" if key in merged else value
    params = {}
    for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        params[key] = f"{params[key]},{value}" if key in params else value
    content_type = merged.get("content-type", "")
    text = None
    if body:
        try:
            text = body.decode("utf-8") if content_type.startswith(TEXT_TYPES) else None
        except UnicodeDecodeError:
            text = None
    now = datetime.now(timezone.utc)
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": merged,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "local",
            "domainName": merged.get("host", "127.0.0.1"),
            "domainPrefix": merged.get("host", "127.0.0.1").split(".")[0],
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": source_ip,
                     "userAgent": merged.get("user-agent", "")},
            "requestId": base64.b32encode(uuid.uuid4().bytes).decode().rstrip("=")[:16],
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": bool(body) and text is None,
    }
    if cookies:
        event["cookies"] = cookies
    if params:
        event["queryStringParameters"] = params
    if body:
        event["body"] = text if text is not None else base64.b64encode(body).decode()
    return event


def http_response(payload):
    """(status, [(header, value)], body) from a function's payload-2.0 answer."""
    try:
        answer = json.loads(payload)
    except ValueError:
        return 502, [("Content-Type", "application/json")], b'{"message":"Internal Server Error"}'
    if not isinstance(answer, dict) or "statusCode" not in answer:
        # HTTP API's rule: an answer without statusCode is a 200 JSON body.
        return 200, [("Content-Type", "application/json")], payload
    headers = []
    for key, value in (answer.get("headers") or {}).items():
        headers.append((key, str(value)))
    for key, values in (answer.get("multiValueHeaders") or {}).items():
        if not any(k.lower() == key.lower() for k, _ in headers):
            headers.extend((key, str(v)) for v in values)
    for cookie in answer.get("cookies") or []:
        headers.append(("Set-Cookie", cookie))
    body = answer.get("body") or ""
    body = base64.b64decode(body) if answer.get("isBase64Encoded") else body.encode()
    return int(answer["statusCode"]), headers, body


class Front(Reply):
    def dispatch(self):
        gateway = self.server.gateway
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.split("/")
        body = read_body(self)
        if self.command == "POST" and len(parts) == 5 and parts[1:3] == ["2015-03-31", "functions"] \
                and parts[4] == "invocations":
            fn = gateway.function(urllib.parse.unquote(parts[3]))
            if fn is None:
                return self.reply(404, {"Type": "User", "message": f"Function not found: {parts[3]}"})
            kind, answer = fn.invoke(body or b"{}")
            headers = [("X-Amz-Executed-Version", "$LATEST")]
            if kind == "error":
                headers.append(("X-Amz-Function-Error", "Unhandled"))
            return self.reply(200, answer, headers=headers)
        if len(parts) >= 3 and parts[1] == "lambda-url":
            fn = gateway.function(parts[2])
            if fn is None:
                return self.reply(404, {"message": "Not Found"})
            path = "/" + "/".join(parts[3:])
            event = http_event(self.command, path, url.query, self.headers.items(), body, self.client_address[0])
            kind, answer = fn.invoke(json.dumps(event).encode())
            if kind == "error":
                timed_out = b"Sandbox.Timedout" in answer
                return self.reply(503 if timed_out else 500,
                                  {"message": "Service Unavailable" if timed_out else "Internal Server Error"})
            status, headers, content = http_response(answer)
            return self.reply(status, content, headers=headers, content_type=None)
        if self.command == "GET" and url.path == "/_gateway/status":
            return self.reply(200, {name: fn.status() for name, fn in gateway.functions.items()})
        if self.command == "POST" and len(parts) == 4 and parts[1:3] == ["_gateway", "kill"]:
            fn = gateway.function(parts[3])
            if fn is None:
                return self.reply(404, {"message": f"no function {parts[3]}"})
            pid = fn.kill_busy()
            if pid is None:
                return self.reply(409, {"message": f"no {parts[3]} instance is in an invocation"})
            return self.reply(200, {"killed": pid})
        self.reply(404, {"message": "Not Found"})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = dispatch


def serve(args):
    try:
        specs = read_functions(args.template)
    except event_sources.TemplateError as e:
        print(f"gateway: {e}", file=sys.stderr)
        return 2
    if not os.path.isfile(args.env_file):
        print(f"gateway: no env file {args.env_file}", file=sys.stderr)
        return 2
    # As watch's --env-file (dotenv): a quoted value loses its quotes.
    env = dict(os.environ)
    env.update({k: v.strip('"') for k, v in event_sources.read_env_file(args.env_file).items()})
    missing = [s.binary for s in specs.values() if not os.access(os.path.join(args.bin_dir, s.binary), os.X_OK)]
    if missing:
        print(f"gateway: no built binary for {', '.join(missing)} in {args.bin_dir} "
              "(cargo build --workspace --locked --bins)", file=sys.stderr)
        return 2
    gateway = Gateway(specs, env, args.bin_dir, args.max_instances, args.init_timeout)
    server = Server(("127.0.0.1", args.port), Front)
    server.gateway = gateway

    def stop(*_):
        gateway.stop()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    _log(f"serving {', '.join(sorted(specs))} from {args.bin_dir} on http://127.0.0.1:{args.port} "
         f"(at most {args.max_instances} instances each)")
    server.serve_forever()
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--env-file", required=True)
    parser.add_argument("--template", default=os.path.join(ROOT, "template.yaml"))
    parser.add_argument("--bin-dir", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "debug"))
    parser.add_argument("--max-instances", type=int, default=10)
    parser.add_argument("--init-timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
