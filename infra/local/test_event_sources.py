"""Tests of the local event sources' pure parts (and one SQS round trip on moto).

Run: .local/venv/bin/python -m unittest discover -s infra/local -p 'test_*.py'
"""

import base64
import hashlib
import json
import logging
import os
import sys
import threading
import unittest
import urllib.request
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import event_sources as es  # noqa: E402

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  PublishMaxReceiveCount: {Type: Number, Default: 3}
Globals:
  Function:
    Timeout: 30
Resources:
  PublishQueue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${AWS::StackName}-publish"
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt PublishDeadLetterQueue.Arn
        maxReceiveCount: !Ref PublishMaxReceiveCount
  PublishDeadLetterQueue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${AWS::StackName}-publish-dlq"
  PublisherFunction:
    Type: AWS::Serverless::Function
    Metadata: {BuildMethod: rust-cargolambda, BuildProperties: {Binary: publisher}}
    Properties:
      Timeout: 60
      Events:
        PublishJobs:
          Type: SQS
          Properties:
            Queue: !GetAtt PublishQueue.Arn
            BatchSize: 5
            MaximumBatchingWindowInSeconds: 2
            FunctionResponseTypes: [ReportBatchItemFailures]
            ScalingConfig: {MaximumConcurrency: 4}
  DispatcherFunction:
    Type: AWS::Serverless::Function
    Metadata: {BuildMethod: rust-cargolambda, BuildProperties: {Binary: dispatcher}}
    Properties:
      EventInvokeConfig: {MaximumRetryAttempts: 0}
      Events:
        EveryMinute:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: rate(1 minute)
  RefresherFunction:
    Type: AWS::Serverless::Function
    Metadata: {BuildMethod: rust-cargolambda, BuildProperties: {Binary: token-refresher}}
    Properties:
      Events:
        Every10Minutes:
          Type: Schedule
          Properties:
            Schedule: rate(10 minutes)
            Enabled: false
        Api:
          Type: HttpApi
  NightlySchedule:
    Type: AWS::Scheduler::Schedule
    Properties:
      Name: nightly
      ScheduleExpression: cron(30 2 ? * MON-FRI *)
      ScheduleExpressionTimezone: Europe/Paris
      FlexibleTimeWindow: {Mode: "OFF"}
      Target:
        Arn: !GetAtt RefresherFunction.Arn
        RoleArn: arn:aws:iam::123456789012:role/x
        Input: '{"at": "<aws.scheduler.scheduled-time>"}'
  NotAFunctionTarget:
    Type: AWS::Scheduler::Schedule
    Properties:
      ScheduleExpression: rate(1 hour)
      Target: {Arn: !GetAtt PublishQueue.Arn, RoleArn: x}
"""


def template(text=TEMPLATE):
    return yaml.load(text, Loader=es.bootstrap.CfnLoader)


def ts(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class TemplateReading(unittest.TestCase):
    def setUp(self):
        self.sources = es.read_sources(template(), "stk")

    def test_functions_by_binary(self):
        self.assertEqual([f.binary for f in self.sources.functions], ["publisher", "dispatcher", "token-refresher"])
        publisher, dispatcher, refresher = self.sources.functions
        self.assertEqual((publisher.timeout, publisher.async_retries), (60, 2))
        self.assertEqual((dispatcher.timeout, dispatcher.async_retries), (30, 0))

    def test_sqs_mapping(self):
        (q,) = self.sources.sqs
        self.assertEqual(q.name, "publisher:PublishJobs")
        self.assertEqual(q.queue_name, "stk-publish")  # the name bootstrap.py creates
        self.assertEqual(q.queue_arn, "arn:aws:sqs:us-east-1:123456789012:stk-publish")
        self.assertEqual((q.batch_size, q.window, q.concurrency), (5, 2.0, 4))
        self.assertTrue(q.report_failures)
        self.assertTrue(q.enabled)

    def test_schedules(self):
        by_name = {s.name: s for s in self.sources.schedules}
        self.assertEqual(set(by_name), {"dispatcher:EveryMinute", "token-refresher:Every10Minutes",
                                        "token-refresher:NightlySchedule"})
        v2 = by_name["dispatcher:EveryMinute"]
        self.assertTrue(v2.scheduler)
        self.assertEqual(v2.schedule, es.Rate(60))
        self.assertEqual(v2.arn, "arn:aws:scheduler:us-east-1:123456789012:schedule/default/DispatcherFunctionEveryMinute")
        rule = by_name["token-refresher:Every10Minutes"]
        self.assertFalse(rule.scheduler)
        self.assertFalse(rule.enabled)
        self.assertEqual(rule.arn, "arn:aws:events:us-east-1:123456789012:rule/stk-RefresherFunctionEvery10Minutes")
        nightly = by_name["token-refresher:NightlySchedule"]
        self.assertEqual(nightly.arn, "arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly")
        self.assertEqual(nightly.schedule.tz, "Europe/Paris")

    def test_defaults_without_scaling_config(self):
        text = TEMPLATE.replace("            ScalingConfig: {MaximumConcurrency: 4}\n", "").replace(
            "            FunctionResponseTypes: [ReportBatchItemFailures]\n", "")
        (q,) = es.read_sources(template(text), "stk").sqs
        self.assertEqual(q.concurrency, es.DEFAULT_SQS_CONCURRENCY)
        self.assertFalse(q.report_failures)

    def test_the_real_template_reads(self):
        path = os.path.join(es.ROOT, "template.yaml")
        sources = es.read_sources(es.load_template(path), "tiktok-local")
        self.assertIn("token-refresher", [f.binary for f in sources.functions])
        self.assertIn("token-refresher:Every10Minutes", [s.name for s in sources.schedules])

    def refuses(self, old, new, message):
        with self.assertRaises(es.TemplateError) as caught:
            es.read_sources(template(TEMPLATE.replace(old, new)), "stk")
        self.assertIn(message, str(caught.exception))

    def test_refusals(self):
        self.refuses("rate(10 minutes)", "rate(10 minute)", "plural")
        self.refuses("rate(1 minute)", "at(2030-01-01T00:00:00)", "unsupported schedule expression")
        self.refuses("cron(30 2 ? * MON-FRI *)", "cron(30 2 L * ? *)", "unsupported day-of-month")
        self.refuses("cron(30 2 ? * MON-FRI *)", "cron(30 2 ? * 6#3 *)", "unsupported day-of-week")
        self.refuses("cron(30 2 ? * MON-FRI *)", "cron(30 2 * * MON *)", "must be ?")
        self.refuses("cron(30 2 ? * MON-FRI *)", "cron(30 2 * *)", "six fields")
        self.refuses("BatchSize: 5\n            MaximumBatchingWindowInSeconds: 2",
                     "BatchSize: 50", "needs MaximumBatchingWindowInSeconds")
        self.refuses("ScalingConfig: {MaximumConcurrency: 4}", "FilterCriteria: {Filters: []}", "FilterCriteria")
        self.refuses("Europe/Paris", "Mars/Olympus", "unknown time zone")


class Expressions(unittest.TestCase):
    def test_rate_ticks_on_multiples_of_the_period(self):
        self.assertEqual(es.parse_expression("rate(1 minute)"), es.Rate(60))
        self.assertEqual(es.parse_expression("rate(2 hours)"), es.Rate(7200))
        self.assertEqual(es.parse_expression("rate(1 day)"), es.Rate(86400))
        r = es.Rate(600)
        self.assertEqual(r.next_after(ts("2026-11-30T18:41:07Z")), ts("2026-11-30T18:50:00Z"))
        self.assertEqual(r.next_after(ts("2026-11-30T18:50:00Z")), ts("2026-11-30T19:00:00Z"))  # strictly after

    def ticks(self, expression, start, n, tz=None):
        cron, t, out = es.parse_expression(expression, tz), ts(start), []
        for _ in range(n):
            t = cron.next_after(t)
            out.append(es.rfc3339(t))
        return out

    def test_cron_steps_and_lists(self):
        self.assertEqual(self.ticks("cron(*/15 * * * ? *)", "2026-11-30T18:41:07Z", 3),
                         ["2026-11-30T18:45:00Z", "2026-11-30T19:00:00Z", "2026-11-30T19:15:00Z"])
        self.assertEqual(self.ticks("cron(0,30 9-10 * * ? *)", "2026-11-30T10:31:00Z", 3),
                         ["2026-12-01T09:00:00Z", "2026-12-01T09:30:00Z", "2026-12-01T10:00:00Z"])
        self.assertEqual(self.ticks("cron(5/20 0 1 JAN,JUL ? *)", "2026-11-30T00:00:00Z", 4),
                         ["2027-01-01T00:05:00Z", "2027-01-01T00:25:00Z", "2027-01-01T00:45:00Z",
                          "2027-07-01T00:05:00Z"])

    def test_cron_day_of_week(self):
        # 2026-11-30 is a Monday; AWS numbers SUN=1 ... SAT=7.
        self.assertEqual(self.ticks("cron(0 12 ? * SAT,1 *)", "2026-11-30T00:00:00Z", 3),
                         ["2026-12-05T12:00:00Z", "2026-12-06T12:00:00Z", "2026-12-12T12:00:00Z"])
        self.assertEqual(self.ticks("cron(0 8 ? * 2-6 *)", "2026-12-04T09:00:00Z", 1), ["2026-12-07T08:00:00Z"])

    def test_cron_in_a_time_zone(self):
        # 02:30 in Paris is 01:30 UTC in winter.
        self.assertEqual(self.ticks("cron(30 2 ? * MON-FRI *)", "2026-11-30T00:00:00Z", 2, "Europe/Paris"),
                         ["2026-11-30T01:30:00Z", "2026-12-01T01:30:00Z"])

    def test_cron_year_field_ends(self):
        self.assertIsNone(es.parse_expression("cron(0 0 1 1 ? 2025)").next_after(ts("2026-01-01T00:00:00Z")))


class AcceleratedClock(unittest.TestCase):
    def test_ticks_stay_aligned_on_the_fast_clock(self):
        origin = ts("2026-11-30T18:41:30Z")
        clock = es.Clock(60, origin=origin)
        # One real second is one minute on the clock...
        self.assertEqual(clock.now(origin + 1), origin + 60)
        # ...so rate(1 minute) ticks on whole clock minutes, 1 s of real time apart.
        first = es.Rate(60).next_after(clock.now(origin))
        self.assertEqual(es.rfc3339(first), "2026-11-30T18:42:00Z")
        self.assertAlmostEqual(clock.real_at(first) - origin, 0.5)
        second = es.Rate(60).next_after(first)
        self.assertAlmostEqual(clock.real_at(second) - clock.real_at(first), 1.0)

    def test_speedup_must_be_positive(self):
        with self.assertRaises(ValueError):
            es.Clock(0)


class Events(unittest.TestCase):
    def schedule(self, scheduler, payload=None):
        return es.ScheduleSource(name="f:E", function=None, expression="rate(1 minute)", schedule=es.Rate(60),
                                 scheduler=scheduler, arn="arn:x", input=payload, enabled=True)

    def test_eventbridge_scheduled_event(self):
        event = es.scheduled_event(self.schedule(False), ts("2026-11-30T18:50:00Z"), "id-1")
        self.assertEqual(event, {
            "version": "0", "id": "id-1", "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": "2026-11-30T18:50:00Z", "region": "us-east-1",
            "resources": ["arn:x"], "detail": {}})

    def test_scheduler_default_payload_has_a_string_detail(self):
        event = es.scheduled_event(self.schedule(True), ts("2026-11-30T18:50:00Z"), "id-1")
        self.assertEqual((event["source"], event["detail"]), ("aws.scheduler", "{}"))

    def test_input_replaces_the_event(self):
        event = es.scheduled_event(self.schedule(True, '{"at": "<aws.scheduler.scheduled-time>"}'),
                                   ts("2026-11-30T18:50:00Z"), "id-1")
        self.assertEqual(event, {"at": "2026-11-30T18:50:00Z"})

    def test_sqs_event(self):
        message = {
            "MessageId": "m-1", "ReceiptHandle": "rh-1", "MD5OfBody": "abc", "Body": '{"post":"p1"}',
            "Attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1764528000000",
                           "SenderId": "AIDAEXAMPLE", "ApproximateFirstReceiveTimestamp": "1764528000100"},
            "MD5OfMessageAttributes": "def",
            "MessageAttributes": {
                "tenant": {"StringValue": "t1", "DataType": "String"},
                "blob": {"BinaryValue": b"\x00\x01", "DataType": "Binary"}},
        }
        (record,) = es.sqs_event([message], "arn:aws:sqs:us-east-1:123456789012:q")["Records"]
        self.assertEqual(record, {
            "messageId": "m-1", "receiptHandle": "rh-1", "body": '{"post":"p1"}',
            "attributes": message["Attributes"],
            "messageAttributes": {
                "tenant": {"stringValue": "t1", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
                "blob": {"binaryValue": base64.b64encode(b"\x00\x01").decode(), "stringListValues": [],
                         "binaryListValues": [], "dataType": "Binary"}},
            "md5OfMessageAttributes": "def", "md5OfBody": "abc", "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q", "awsRegion": "us-east-1"})

    def test_sqs_record_computes_a_missing_md5(self):
        record = es.sqs_record({"MessageId": "m", "ReceiptHandle": "r", "Body": "hi"}, "arn")
        self.assertEqual(record["md5OfBody"], hashlib.md5(b"hi").hexdigest())
        self.assertNotIn("md5OfMessageAttributes", record)


class Outcomes(unittest.TestCase):
    def test_classify(self):
        self.assertEqual(es.classify(200, b'{"batchItemFailures": []}').response, {"batchItemFailures": []})
        self.assertIsNone(es.classify(200, b"").response)
        self.assertIs(es.classify(200, b"not json").response, es.INVALID)
        err = es.classify(500, b'{"errorType": "Runtime.Panic", "errorMessage": "boom"}')
        self.assertEqual((err.kind, err.error), ("function_error", "Runtime.Panic: boom"))
        aws_style = es.classify(200, b'{"errorType": "E", "errorMessage": "m"}', {"X-Amz-Function-Error": "Unhandled"})
        self.assertEqual(aws_style.kind, "function_error")
        watch = es.classify(500, b"failed to start function process")
        self.assertEqual((watch.kind, watch.error), ("watch_error", "HTTP 500: failed to start function process"))
        self.assertEqual(es.classify(408, b"").kind, "watch_error")
        missing = es.classify(404, json.dumps({
            "detail": "that function doesn't exist as a binary in your project. Available functions: {\"api\"}",
            "title": "Missing function"}).encode())
        self.assertEqual((missing.kind, missing.error),
                         ("watch_error", "HTTP 404 Missing function: that function doesn't exist as a binary in your project"))

    def settle(self, response, report=True, kind="ok"):
        return es.settle_batch(["a", "b", "c"], es.Outcome(kind, response=response), report)

    def test_partial_batch_response(self):
        self.assertEqual(self.settle({"batchItemFailures": [{"itemIdentifier": "b"}]}), (["a", "c"], ["b"], None))
        self.assertEqual(self.settle({"batchItemFailures": [{"itemIdentifier": "b"}, {"itemIdentifier": "b"}]}),
                         (["a", "c"], ["b"], None))

    def test_complete_success(self):
        for response in (None, {}, {"batchItemFailures": []}, {"batchItemFailures": None}):
            self.assertEqual(self.settle(response), (["a", "b", "c"], [], None), response)

    def test_complete_failure(self):
        for response, why in ((es.INVALID, "not JSON"), ("text", "not an object"),
                              ({"batchItemFailures": [{"itemIdentifier": ""}]}, "null or empty"),
                              ({"batchItemFailures": [{"itemIdentifier": None}]}, "null or empty"),
                              ({"batchItemFailures": [{"id": "a"}]}, "no itemIdentifier"),
                              ({"batchItemFailures": [{"itemIdentifier": "zz"}]}, "not in the batch"),
                              ({"batchItemFailures": "a"}, "not a list")):
            delete, kept, reason = self.settle(response)
            self.assertEqual((delete, kept), ([], ["a", "b", "c"]), response)
            self.assertIn(why, reason)

    def test_without_report_batch_item_failures_it_is_all_or_nothing(self):
        self.assertEqual(self.settle({"batchItemFailures": [{"itemIdentifier": "b"}]}, report=False),
                         (["a", "b", "c"], [], None))
        self.assertEqual(self.settle(None, report=False, kind="function_error"), ([], ["a", "b", "c"], "function_error"))

    def test_a_failed_invocation_deletes_nothing(self):
        for kind in ("function_error", "watch_error"):
            self.assertEqual(self.settle(None, kind=kind), ([], ["a", "b", "c"], kind))


class FakeWatch(BaseHTTPRequestHandler):
    """Answers invocations like watch: fails the records whose body says so."""

    events = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeWatch.events.append((self.path, event))
        bodies = {r["messageId"]: r["body"] for r in event["Records"]}
        if "crash" in bodies.values():
            status, answer = 500, {"errorType": "Runtime.Panic", "errorMessage": "boom"}
        else:
            status, answer = 200, {"batchItemFailures": [{"itemIdentifier": i} for i, b in bodies.items() if b == "fail"]}
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class SqsRoundTrip(unittest.TestCase):
    """The poller against a real moto server and a fake watch: receive, invoke,
    delete all but the failures, redrive to the DLQ after maxReceiveCount."""

    def setUp(self):
        try:
            from moto.server import ThreadedMotoServer
        except ImportError:
            self.skipTest("moto is not installed")
        import boto3

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.wait_seconds, es.SQS_WAIT_SECONDS = es.SQS_WAIT_SECONDS, 1
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.moto.start()
        host, port = self.moto.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        # In-process moto servers share one state: start from an empty one.
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).close()
        self.watch = ThreadingHTTPServer(("127.0.0.1", 0), FakeWatch)
        threading.Thread(target=self.watch.serve_forever, daemon=True).start()
        FakeWatch.events = []
        self.sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                                aws_access_key_id="test", aws_secret_access_key="test")
        dlq = self.sqs.create_queue(QueueName="stk-publish-dlq")["QueueUrl"]
        self.dlq = dlq
        self.queue = self.sqs.create_queue(QueueName="stk-publish", Attributes={
            "VisibilityTimeout": "1",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:stk-publish-dlq",
                                         "maxReceiveCount": 2})})["QueueUrl"]
        # No batching window: it must stay below the 1 s visibility timeout.
        sources = es.read_sources(template(TEMPLATE.replace("MaximumBatchingWindowInSeconds: 2",
                                                            "MaximumBatchingWindowInSeconds: 0")), "stk")
        sources.schedules = []
        self.runner = es.Runner(sources, {"AWS_ENDPOINT_URL": endpoint,
                                          "LAMBDA_WATCH_URL": f"http://127.0.0.1:{self.watch.server_port}"},
                                invoke_timeout=10)

    def tearDown(self):
        self.runner.shutdown()
        self.watch.shutdown()
        self.watch.server_close()
        self.moto.stop()
        es.SQS_WAIT_SECONDS = self.wait_seconds

    def count(self, url):
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])

    def wait_for(self, condition, seconds=20):
        import time
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.2)
        return False

    def test_round_trip(self):
        for body in ("ok-1", "fail", "ok-2"):
            self.sqs.send_message(QueueUrl=self.queue, MessageBody=body,
                                  MessageAttributes={"kind": {"DataType": "String", "StringValue": "test"}})
        self.runner.start()
        (source,) = self.runner.queues
        # The two good records are deleted at once; "fail" comes back after the
        # 1 s visibility timeout, fails again, and moto moves it to the DLQ on
        # the receive after its second delivery.
        self.assertTrue(self.wait_for(lambda: self.count(self.dlq) == 1), source.status())
        self.assertEqual(self.count(self.queue), 0)
        status = source.status()
        self.assertEqual((status["deleted"], status["failed"], status["errors"]), (2, 2, 0), status)
        path, event = FakeWatch.events[0]
        self.assertEqual(path, "/2015-03-31/functions/publisher/invocations")
        record = event["Records"][0]
        self.assertEqual(set(record["attributes"]) >= {"ApproximateReceiveCount", "SentTimestamp", "SenderId",
                                                       "ApproximateFirstReceiveTimestamp"}, True, record)
        self.assertEqual(record["messageAttributes"]["kind"]["stringValue"], "test")
        self.assertEqual(record["eventSourceARN"], "arn:aws:sqs:us-east-1:123456789012:stk-publish")
        receive_counts = [r["attributes"]["ApproximateReceiveCount"] for _, e in FakeWatch.events
                          for r in e["Records"] if r["body"] == "fail"]
        self.assertEqual(receive_counts, ["1", "2"])

    def test_warm_up_brings_up_as_many_instances_as_pollers_with_empty_batches(self):
        FakeWatch.events = []
        self.runner.warm_up()
        (source,) = self.runner.queues
        self.assertEqual(source.status()["warmed"], 4)
        self.assertEqual(source.status()["invocations"], 0, "warm-ups are not invocations")
        self.assertEqual([(p, e["Records"]) for p, e in FakeWatch.events],
                         [("/2015-03-31/functions/publisher/invocations", [])] * 4)

    def test_a_function_error_deletes_nothing(self):
        self.sqs.send_message(QueueUrl=self.queue, MessageBody="crash")
        self.runner.start()
        (source,) = self.runner.queues
        self.assertTrue(self.wait_for(lambda: self.count(self.dlq) == 1), source.status())
        status = source.status()
        self.assertEqual((status["deleted"], status["function_errors"]), (0, 2), status)
        self.assertIn("Runtime.Panic: boom", status["last_error"])


if __name__ == "__main__":
    unittest.main()
