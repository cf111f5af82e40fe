"""Tests of lambda_gateway.py: a real gateway on loopback driving real
processes (a tiny Python runtime client, so the test needs no cargo build)
through the Runtime API, as the functions' binaries are driven in the chaos
run. Run: python -m unittest infra/local/test_lambda_gateway.py"""

import base64
import json
import os
import stat
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

import lambda_gateway

# A runtime client that does what the payload says: answer, fail, sleep,
# exit, or answer an HTTP event with a structured response.
FAKE_RUNTIME = r'''#!/usr/bin/env python3
import json, os, sys, time, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
if os.environ.get("FAKE_EXIT_AT_START"):
    sys.exit(3)
print("fake runtime up", flush=True)
while True:
    with urllib.request.urlopen(api + "/invocation/next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
        deadline = r.headers["Lambda-Runtime-Deadline-Ms"]
        event = json.loads(r.read())
    def post(kind, body):
        req = urllib.request.Request(f"{api}/invocation/{rid}/{kind}", data=json.dumps(body).encode(), method="POST")
        urllib.request.urlopen(req).read()
    if "sleep" in event:
        time.sleep(event["sleep"])
    if event.get("exit"):
        os._exit(event["exit"])
    if event.get("fail"):
        post("error", {"errorType": "Boom", "errorMessage": "asked to fail"})
    elif event.get("version") == "2.0":
        post("response", {"statusCode": 201, "headers": {"x-seen": "yes", "content-type": "application/json"},
                          "cookies": ["a=1", "b=2"], "isBase64Encoded": True,
                          "body": __import__("base64").b64encode(json.dumps(event).encode()).decode()})
    else:
        post("response", {"pid": os.getpid(), "echo": event.get("echo"), "deadline": deadline,
                          "name": os.environ["AWS_LAMBDA_FUNCTION_NAME"], "memory": os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"],
                          "stack": os.environ.get("FROM_ENV_FILE")})
'''


class GatewayTest(unittest.TestCase):
    def start(self, max_instances=4, timeout=2, extra_env=None):
        self.dir = tempfile.mkdtemp()
        path = os.path.join(self.dir, "fake")
        with open(path, "w") as f:
            f.write(FAKE_RUNTIME)
        os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)
        specs = {"fake": lambda_gateway.FunctionSpec("FakeFunction", "fake", timeout, 384)}
        env = dict(os.environ, FROM_ENV_FILE="yes", **(extra_env or {}))
        self.gateway = lambda_gateway.Gateway(specs, env, self.dir, max_instances, init_timeout=10)
        self.server = lambda_gateway.Server(("127.0.0.1", 0), lambda_gateway.Front)
        self.server.gateway = self.gateway
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.addCleanup(self.stop)

    def stop(self):
        self.gateway.stop()
        self.server.shutdown()
        self.server.server_close()

    def call(self, method, path, body=None, headers=None):
        request = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                return r.status, dict(r.headers), r.read(), r.headers.get_all("Set-Cookie")
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read(), None

    def invoke(self, payload, name="fake"):
        status, headers, body, _ = self.call("POST", f"/2015-03-31/functions/{name}/invocations",
                                             json.dumps(payload).encode())
        return status, headers.get("X-Amz-Function-Error"), json.loads(body)

    def test_answers_and_reuses_a_warm_instance(self):
        self.start()
        status, error, first = self.invoke({"echo": 1})
        self.assertEqual((status, error, first["echo"]), (200, None, 1))
        self.assertEqual((first["name"], first["memory"], first["stack"]), ("fake", "384", "yes"))
        self.assertGreater(int(first["deadline"]), time.time() * 1000)
        _, _, second = self.invoke({"echo": 2})
        self.assertEqual(second["pid"], first["pid"], "an idle instance is reused")
        # The logical id names the same function.
        self.assertEqual(self.invoke({"echo": 3}, name="FakeFunction")[2]["pid"], first["pid"])
        # The instance polls again right after answering: then it is idle.
        for _ in range(100):
            status = self.gateway.functions["fake"].status()
            if status["idle"]:
                break
            time.sleep(0.02)
        self.assertEqual((status["invocations"], status["instances_started"], status["idle"]), (3, 1, 1))

    def test_a_function_error_is_200_with_the_error_header(self):
        self.start()
        status, error, body = self.invoke({"fail": True})
        self.assertEqual((status, error, body["errorType"]), (200, "Unhandled", "Boom"))
        self.assertEqual(self.invoke({"echo": "after"})[2]["echo"], "after", "the instance lives on")

    def test_a_timeout_kills_the_instance_and_the_next_starts_fresh(self):
        self.start(timeout=1)
        _, _, warm = self.invoke({"echo": 0})
        status, error, body = self.invoke({"sleep": 5})
        self.assertEqual((status, error, body["errorType"]), (200, "Unhandled", "Sandbox.Timedout"))
        _, _, after = self.invoke({"echo": 1})
        self.assertNotEqual(after["pid"], warm["pid"])
        self.assertEqual(self.gateway.functions["fake"].status()["timeouts"], 1)

    def test_an_instance_that_dies_fails_its_invocation_with_exit_error(self):
        self.start()
        _, error, body = self.invoke({"exit": 7})
        self.assertEqual((error, body["errorType"]), ("Unhandled", "Runtime.ExitError"))
        self.assertIn("exit status 7", body["errorMessage"])
        self.assertEqual(self.invoke({"echo": "next"})[2]["echo"], "next")

    def test_an_instance_that_exits_at_start_fails_the_invocation(self):
        self.start(extra_env={"FAKE_EXIT_AT_START": "1"})
        _, error, body = self.invoke({"echo": 1})
        self.assertEqual((error, body["errorType"]), ("Unhandled", "Runtime.ExitError"))

    def test_kill_takes_a_busy_instance_only(self):
        self.start()
        status, _, _, _ = self.call("POST", "/_gateway/kill/fake")
        self.assertEqual(status, 409, "no instance is in an invocation")
        result = {}
        worker = threading.Thread(target=lambda: result.update(answer=self.invoke({"sleep": 1.5})))
        worker.start()
        for _ in range(100):
            if self.gateway.functions["fake"].status()["busy"]:
                break
            time.sleep(0.05)
        status, _, body, _ = self.call("POST", "/_gateway/kill/fake")
        self.assertEqual(status, 200)
        worker.join()
        self.assertEqual(result["answer"][2]["errorType"], "Runtime.ExitError")
        self.assertEqual(json.loads(body)["killed"] > 0, True)
        self.assertEqual(self.gateway.functions["fake"].status()["kills"], 1)

    def test_concurrent_invocations_get_instances_up_to_the_limit(self):
        self.start(max_instances=2, timeout=5)
        answers = []
        workers = [threading.Thread(target=lambda: answers.append(self.invoke({"sleep": 0.5, "echo": 1})))
                   for _ in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        self.assertEqual([a[2]["echo"] for a in answers], [1, 1, 1, 1])
        self.assertEqual(len({a[2]["pid"] for a in answers}), 2)
        self.assertEqual(self.gateway.functions["fake"].status()["instances_started"], 2)

    def test_a_function_url_is_an_http_api_event_and_back(self):
        self.start()
        status, headers, body, cookies = self.call(
            "POST", "/lambda-url/fake/posts/p1?x=1&x=2&y=",
            body=b"\xff\x00binary", headers={"Content-Type": "application/octet-stream", "Cookie": "s=1; t=2",
                                            "Authorization": "Bearer k"})
        self.assertEqual(status, 201)
        self.assertEqual(headers["x-seen"], "yes")
        self.assertEqual(cookies, ["a=1", "b=2"])
        event = json.loads(body)
        self.assertEqual(event["rawPath"], "/posts/p1")
        self.assertEqual(event["rawQueryString"], "x=1&x=2&y=")
        self.assertEqual(event["queryStringParameters"], {"x": "1,2", "y": ""})
        self.assertEqual(event["requestContext"]["http"]["method"], "POST")
        self.assertEqual(event["cookies"], ["s=1", "t=2"])
        self.assertEqual(event["headers"]["authorization"], "Bearer k")
        self.assertTrue(event["isBase64Encoded"])
        self.assertEqual(base64.b64decode(event["body"]), b"\xff\x00binary")
        _, _, body, _ = self.call("PUT", "/lambda-url/fake/", body=b'{"a":1}',
                                  headers={"Content-Type": "application/json"})
        event = json.loads(body)
        self.assertEqual((event["rawPath"], event["body"], event["isBase64Encoded"]), ("/", '{"a":1}', False))

    def test_a_function_url_error_is_api_gateways_500(self):
        self.start()
        status, _, body, _ = self.call("GET", "/lambda-url/nope/x")
        self.assertEqual(status, 404)
        status, _, body, _ = self.call("POST", "/2015-03-31/functions/nope/invocations", b"{}")
        self.assertEqual(status, 404)
        self.assertIn("Function not found", json.loads(body)["message"])


if __name__ == "__main__":
    unittest.main()
