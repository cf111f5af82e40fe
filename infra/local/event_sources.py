#!/usr/bin/env python3
"""Local event sources: fire the template's triggers at the functions under watch.

moto keeps the queues but runs no Lambda event source mappings, and nothing
fires the template's schedules. This runner reads both from template.yaml (the
one source of truth, as bootstrap.py is for resources) and drives the functions
served by `cargo lambda watch` through its Lambda Invoke API
(POST /2015-03-31/functions/<binary>/invocations), as AWS would:

SQS event source mappings (function Events of Type SQS)
  Long-poll the moto queue with ScalingConfig.MaximumConcurrency pollers
  (default 2), gather up to BatchSize records within
  MaximumBatchingWindowInSeconds, invoke with an SQSEvent, then delete the
  records the invocation handled: all of them on success, all but the
  `batchItemFailures` with FunctionResponseTypes [ReportBatchItemFailures],
  none when the invocation failed. What is not deleted comes back after the
  queue's visibility timeout, and moto moves it to the dead-letter queue after
  maxReceiveCount receives, as SQS does. At start, each mapping warms up as
  many instances under watch as it has pollers (concurrent invocations of an
  empty batch), so a burst is served side by side as on AWS rather than
  waiting for watch to `cargo run` one instance after another.

Schedules (function Events of Type Schedule / ScheduleV2, AWS::Events::Rule
and AWS::Scheduler::Schedule resources whose target is a function)
  Supported expressions:
    rate(N minute|minutes|hour|hours|day|days)  (singular unit iff N is 1, as AWS requires)
    cron(min hour day-of-month month day-of-week year)  AWS's six fields; each is
        `*`, a value, a range `a-b`, a step `*/n`, `a/n` or `a-b/n`, or a comma list
        of those; month and day names (JAN, MON); day-of-week 1-7 is SUN-SAT; one
        of day-of-month and day-of-week must be `?`. `L`, `W` and `#` are refused.
  Anything else (at(), L/W/#, a bad unit) stops the runner at start with the
  reason: a schedule that silently never fires would make tests lie.
  Each tick sends the event AWS sends: an EventBridge "Scheduled Event" (source
  aws.events; for EventBridge Scheduler, source aws.scheduler and `detail` the
  *string* "{}", as Scheduler really delivers it), or the target's Input
  verbatim when the template sets one. A function error is retried as Lambda
  retries an asynchronous invocation: EventInvokeConfig.MaximumRetryAttempts
  times (default 2), one and then two minutes (of the fast clock) later.
  Ticks are aligned on a clock running EVENT_SOURCES_SPEEDUP times faster than
  real time (default 1): rate ticks fall on multiples of the period since the
  epoch (AWS counts from the rule's creation instead), cron ticks on matching
  minutes (in ScheduleExpressionTimezone if set); `time` is the tick's nominal
  time on that clock. Not emulated: FlexibleTimeWindow (ticks fire on time),
  StartDate/EndDate, MaximumEventAgeInSeconds. SQS FilterCriteria is refused.
  Disabled sources (Enabled: false, State: DISABLED) never fire by themselves.

Control API on loopback (EVENT_SOURCES_PORT, default 4570)
  GET  /status               sources, their settings and counters (JSON)
  POST /tick/<function>      fire the function's schedule(s) now, disabled or not;
                             answers after the invocation with its outcome and
                             response (no retries). <function>: binary or logical id
  POST /pause[/<function>]   stop polling queues and firing schedules
  POST /resume[/<function>]

Outcomes. Watch answers a function error (a handler's Err, a panic, an event
that does not deserialize) with the runtime's {"errorType", "errorMessage"};
anything else that is not a 200 is watch's own error (e.g. 404 Missing
function: the template names a binary the workspace does not have yet). Both
leave an SQS batch for redelivery; only function errors are retried for a
schedule. While watch compiles a function it answers nothing, and it never
answers if the function's process exits before polling: the runner logs a note
once the function's Timeout has long passed and gives up after
EVENT_SOURCES_INVOKE_TIMEOUT (default 900 s, first compilation included).

Usage:
  event_sources.py serve [--template PATH] [--env-file PATH]
  event_sources.py watch-args [--template PATH]   (template-derived arguments for cargo lambda watch)

Environment: the stack's env file (default .local/stack.env: AWS_ENDPOINT_URL,
STACK_NAME, LAMBDA_WATCH_URL, credentials; it wins over the process
environment), plus EVENT_SOURCES_PORT, EVENT_SOURCES_SPEEDUP and
EVENT_SOURCES_INVOKE_TIMEOUT.

One log line per invocation: source, records, failures, deletions, outcome,
milliseconds. Never message bodies.
"""

import argparse
import base64
import calendar
import hashlib
import json
import math
import os
import re
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootstrap  # noqa: E402  (the template loader and intrinsic resolver)

import yaml  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
REGION = bootstrap.REGION
ACCOUNT = bootstrap.ACCOUNT

DEFAULT_SQS_CONCURRENCY = 2  # pollers (and invocations) per SQS mapping without ScalingConfig
DEFAULT_ASYNC_RETRIES = 2  # Lambda's default for asynchronous invocations
DEFAULT_FUNCTION_TIMEOUT = 3  # Lambda's default, seconds
SQS_WAIT_SECONDS = 5  # long poll; short enough that pause and stop take effect quickly
MAX_TICKS_IN_FLIGHT = 4  # per schedule: a fast clock must not pile invocations up


class TemplateError(Exception):
    """The template declares an event source this runner cannot emulate faithfully."""


# --- template ---------------------------------------------------------------


@dataclass(frozen=True)
class Function:
    logical_id: str
    binary: str  # the bin target cargo lambda watch serves it as
    timeout: int
    async_retries: int


@dataclass(frozen=True)
class SqsSource:
    name: str  # "<binary>:<event name>"
    function: Function
    queue_name: str
    queue_arn: str
    batch_size: int
    window: float  # MaximumBatchingWindowInSeconds
    concurrency: int
    report_failures: bool
    enabled: bool


@dataclass(frozen=True)
class ScheduleSource:
    name: str
    function: Function
    expression: str
    schedule: object  # Rate | Cron
    scheduler: bool  # EventBridge Scheduler (ScheduleV2) rather than an EventBridge rule
    arn: str
    input: str | None
    enabled: bool


@dataclass
class Sources:
    functions: list
    sqs: list
    schedules: list


class _Names(bootstrap.Stack):
    """bootstrap's resolver, naming resources without creating anything.

    Resolving `!GetAtt PublishQueue.Arn` must give the ARN bootstrap.py created
    the queue under, so the naming rules are bootstrap's own; only `create` is
    replaced, to compute names instead of calling moto.
    """

    def create(self, name):
        if name in self.refs:
            return
        resource = self.resources.get(name)
        if resource is None:
            raise TemplateError(f"the template has no resource {name}")
        kind, props = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::SQS::Queue":
            if "QueueName" not in props:
                raise TemplateError(f"queue {name} has no QueueName (bootstrap.py needs one)")
            queue = self.resolve(props["QueueName"])
            self.refs[name] = queue  # a URL on AWS; looked up on moto when polling
            self.attrs[(name, "Arn")] = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}"
            self.attrs[(name, "QueueName")] = queue
        elif kind in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            fname = self.resolve(props.get("FunctionName") or f"{self.stack_name}-{name}")
            self.refs[name] = fname
            self.attrs[(name, "Arn")] = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{fname}"
        else:
            self.refs[name] = f"unemulated-{name}"

    def value(self, raw, what):
        """Resolves one template value; bootstrap reports problems with SystemExit."""
        try:
            return self.resolve(raw)
        except SystemExit as e:
            raise TemplateError(f"{what}: {e}") from None
        except KeyError as e:
            raise TemplateError(f"{what}: cannot resolve {e} locally") from None


def load_template(path):
    with open(path) as f:
        return yaml.load(f, Loader=bootstrap.CfnLoader)


def _truthy(value, what):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise TemplateError(f"{what}: expected true or false, got {value!r}")


def _state(value, what):
    if value not in ("ENABLED", "DISABLED"):
        raise TemplateError(f"{what}: State must be ENABLED or DISABLED, got {value!r}")
    return value == "ENABLED"


def read_sources(template, stack_name):
    """Every event source of the template that targets a function, checked."""
    names = _Names(template, stack_name, "http://127.0.0.1:1")  # no call is ever made
    resources = template.get("Resources", {})
    globals_fn = template.get("Globals", {}).get("Function", {})
    functions, by_arn = {}, {}
    sqs, schedules = [], []

    for lid, res in resources.items():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        props = res.get("Properties", {})
        binary = res.get("Metadata", {}).get("BuildProperties", {}).get("Binary")
        if not binary:
            if props.get("Events"):
                print(f"event-sources: {lid} has events but no Metadata.BuildProperties.Binary; "
                      "watch cannot serve it, skipped", file=sys.stderr, flush=True)
            continue
        timeout = int(names.value(props.get("Timeout", globals_fn.get("Timeout", DEFAULT_FUNCTION_TIMEOUT)),
                                  f"{lid}.Timeout"))
        retries = props.get("EventInvokeConfig", {}).get(
            "MaximumRetryAttempts", globals_fn.get("EventInvokeConfig", {}).get(
                "MaximumRetryAttempts", DEFAULT_ASYNC_RETRIES))
        fn = Function(lid, binary, timeout, int(names.value(retries, f"{lid}.EventInvokeConfig")))
        functions[lid] = fn
        by_arn[names.get_att(lid, "Arn")] = fn

        for event_name, event in (props.get("Events") or {}).items():
            kind, ep = event.get("Type"), event.get("Properties", {})
            where = f"{lid}.Events.{event_name}"
            if kind == "SQS":
                sqs.append(_sqs_source(names, fn, event_name, ep, where))
            elif kind == "Schedule":
                enabled = _truthy(names.value(ep.get("Enabled", True), where), f"{where}.Enabled")
                if "State" in ep:
                    enabled = _state(names.value(ep["State"], where), where)
                rule = names.value(ep.get("Name"), where) or f"{stack_name}-{lid}{event_name}"
                schedules.append(_schedule_source(
                    names, fn, event_name, ep.get("Schedule"), False,
                    f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule}", ep.get("Input"), enabled, None, where))
            elif kind == "ScheduleV2":
                enabled = _state(names.value(ep.get("State", "ENABLED"), where), where)
                sname = names.value(ep.get("Name"), where) or f"{lid}{event_name}"
                group = names.value(ep.get("GroupName"), where) or "default"
                schedules.append(_schedule_source(
                    names, fn, event_name, ep.get("ScheduleExpression"), True,
                    f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/{group}/{sname}", ep.get("Input"),
                    enabled, ep.get("ScheduleExpressionTimezone"), where))

    # Stand-alone schedules: a target names its function by ARN.
    for lid, res in resources.items():
        kind, props = res.get("Type"), res.get("Properties", {})
        if kind == "AWS::Scheduler::Schedule":
            target = props.get("Target", {})
            fn = by_arn.get(names.value(target.get("Arn"), f"{lid}.Target.Arn"))
            if fn is None:
                continue  # targets something else (a queue, a state machine)
            sname = names.value(props.get("Name"), lid) or lid
            group = names.value(props.get("GroupName"), lid) or "default"
            schedules.append(_schedule_source(
                names, fn, lid, props.get("ScheduleExpression"), True,
                f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/{group}/{sname}", target.get("Input"),
                _state(names.value(props.get("State", "ENABLED"), lid), lid),
                props.get("ScheduleExpressionTimezone"), lid))
        elif kind == "AWS::Events::Rule" and "ScheduleExpression" in props:
            rule = names.value(props.get("Name"), lid) or f"{stack_name}-{lid}"
            for target in props.get("Targets", []):
                fn = by_arn.get(names.value(target.get("Arn"), f"{lid}.Targets"))
                if fn is not None:
                    schedules.append(_schedule_source(
                        names, fn, lid, props["ScheduleExpression"], False,
                        f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule}", target.get("Input"),
                        _state(names.value(props.get("State", "ENABLED"), lid), lid), None, lid))

    return Sources(list(functions.values()), sqs, schedules)


def _sqs_source(names, fn, event_name, ep, where):
    if "FilterCriteria" in ep:
        raise TemplateError(f"{where}: FilterCriteria is not emulated locally")
    queue_arn = names.value(ep.get("Queue"), f"{where}.Queue")
    if not isinstance(queue_arn, str) or not queue_arn.startswith("arn:aws:sqs:"):
        raise TemplateError(f"{where}: Queue must be a queue ARN, got {queue_arn!r}")
    batch = int(names.value(ep.get("BatchSize", 10), where))
    window = float(names.value(ep.get("MaximumBatchingWindowInSeconds", 0), where))
    if not 1 <= batch <= 10000:
        raise TemplateError(f"{where}: BatchSize {batch} is outside 1-10000")
    if not 0 <= window <= 300:
        raise TemplateError(f"{where}: MaximumBatchingWindowInSeconds {window} is outside 0-300")
    if batch > 10 and window < 1:
        # AWS refuses this mapping too.
        raise TemplateError(f"{where}: BatchSize above 10 needs MaximumBatchingWindowInSeconds >= 1")
    scaling = ep.get("ScalingConfig") or {}
    concurrency = int(names.value(scaling.get("MaximumConcurrency", DEFAULT_SQS_CONCURRENCY), where))
    if concurrency < 1:
        raise TemplateError(f"{where}: MaximumConcurrency must be at least 1")
    types = names.value(ep.get("FunctionResponseTypes", []), where) or []
    return SqsSource(
        name=f"{fn.binary}:{event_name}", function=fn,
        queue_name=queue_arn.rsplit(":", 1)[1], queue_arn=queue_arn,
        batch_size=batch, window=window, concurrency=concurrency,
        report_failures="ReportBatchItemFailures" in types,
        enabled=_truthy(names.value(ep.get("Enabled", True), where), f"{where}.Enabled"))


def _schedule_source(names, fn, event_name, expression, scheduler, arn, raw_input, enabled, tz, where):
    expression = names.value(expression, where)
    if not isinstance(expression, str):
        raise TemplateError(f"{where}: no schedule expression")
    tz = names.value(tz, where) if tz else None
    try:
        schedule = parse_expression(expression, tz)
    except ValueError as e:
        raise TemplateError(f"{where}: {e}") from None
    payload = names.value(raw_input, where) if raw_input is not None else None
    if payload is not None:
        try:
            json.loads(payload)
        except (TypeError, ValueError):
            raise TemplateError(f"{where}: Input must be a JSON document") from None
    return ScheduleSource(
        name=f"{fn.binary}:{event_name}", function=fn, expression=expression, schedule=schedule,
        scheduler=scheduler, arn=arn, input=payload, enabled=enabled)


# --- schedule expressions ---------------------------------------------------


@dataclass(frozen=True)
class Rate:
    seconds: int

    def next_after(self, t):
        """The first tick strictly after epoch second t: multiples of the period."""
        return (math.floor(t / self.seconds) + 1) * self.seconds


_MONTHS = {m.upper(): i for i, m in enumerate(calendar.month_abbr) if m}
_DAYS = {d: i + 1 for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}


def _cron_field(text, low, high, names, what):
    """The set of values one cron field selects; ValueError for anything unsupported."""
    values = set()
    for part in text.split(","):
        m = re.fullmatch(r"(\*|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:/(\d+))?", part)
        if not m:
            raise ValueError(f"unsupported {what} field {text!r} (supported: *, n, a-b, */n, a/n, a-b/n, lists)")
        span, step = m.group(1), int(m.group(2)) if m.group(2) else None

        def number(token):
            token = token.upper()
            if token in names:
                return names[token]
            if not token.isdigit():
                raise ValueError(f"unsupported {what} value {token!r}")
            value = int(token)
            if not low <= value <= high:
                raise ValueError(f"{what} value {value} is outside {low}-{high}")
            return value

        if span == "*":
            start, end = low, high
        elif "-" in span:
            start, end = (number(x) for x in span.split("-"))
            if start > end:
                raise ValueError(f"{what} range {span} runs backwards")
        else:
            start = number(span)
            end = high if step else start  # `a/n` runs to the end of the field
        if step == 0:
            raise ValueError(f"{what} step must be positive")
        values.update(range(start, end + 1, step or 1))
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    minutes: frozenset
    hours: frozenset
    days: frozenset | None  # None: `?`, the day-of-week field decides
    months: frozenset
    weekdays: frozenset | None  # 1-7 = SUN-SAT; None: `?`
    years: frozenset
    tz: str | None = None

    def _day_matches(self, d):
        if d.year not in self.years or d.month not in self.months:
            return False
        if self.days is not None:
            return d.day in self.days
        return (d.weekday() + 1) % 7 + 1 in self.weekdays  # Python's Monday=0 to AWS's MON=2

    def next_after(self, t):
        """The first matching minute strictly after epoch second t, or None if there is none."""
        zone = ZoneInfo(self.tz) if self.tz else timezone.utc
        day = datetime.fromtimestamp(t, zone).date()
        hours, minutes = sorted(self.hours), sorted(self.minutes)
        for _ in range(366 * 8):  # far enough for leap days and year lists
            if self._day_matches(day):
                for h in hours:
                    for m in minutes:
                        tick = datetime(day.year, day.month, day.day, h, m, tzinfo=zone).timestamp()
                        if tick > t:
                            return tick
            day += timedelta(days=1)
            if day.year > max(self.years):
                return None
        return None


def parse_expression(expression, tz=None):
    """rate(...) or cron(...) as AWS writes them; ValueError names what is unsupported."""
    expression = expression.strip()
    m = re.fullmatch(r"rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)", expression)
    if m:
        value, unit = int(m.group(1)), m.group(2)
        if value < 1:
            raise ValueError(f"{expression}: the rate must be at least 1")
        if (value == 1) != (not unit.endswith("s")):
            raise ValueError(f"{expression}: AWS wants the singular unit for 1 and the plural otherwise")
        return Rate(value * {"minute": 60, "hour": 3600, "day": 86400}[unit.rstrip("s")])
    m = re.fullmatch(r"cron\((.*)\)", expression)
    if m:
        fields = m.group(1).split()
        if len(fields) != 6:
            raise ValueError(f"{expression}: AWS cron has six fields (minutes hours day-of-month "
                             "month day-of-week year)")
        minute, hour, dom, month, dow, year = fields
        if (dom == "?") == (dow == "?"):
            raise ValueError(f"{expression}: exactly one of day-of-month and day-of-week must be ?")
        if tz:
            try:
                ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {tz!r}") from None
        return Cron(
            minutes=_cron_field(minute, 0, 59, {}, "minutes"),
            hours=_cron_field(hour, 0, 23, {}, "hours"),
            days=None if dom == "?" else _cron_field(dom, 1, 31, {}, "day-of-month"),
            months=_cron_field(month, 1, 12, _MONTHS, "month"),
            weekdays=None if dow == "?" else _cron_field(dow, 1, 7, _DAYS, "day-of-week"),
            years=_cron_field(year, 1970, 2199, {}, "year"),
            tz=tz)
    raise ValueError(f"unsupported schedule expression {expression!r} (rate(...) and cron(...) only)")


class Clock:
    """Epoch seconds running `speedup` times faster than real time, from the start."""

    def __init__(self, speedup=1.0, origin=None):
        if speedup <= 0:
            raise ValueError("the speed-up must be positive")
        self.speedup = speedup
        self.origin = time.time() if origin is None else origin

    def now(self, real=None):
        real = time.time() if real is None else real
        return self.origin + (real - self.origin) * self.speedup

    def real_at(self, virtual):
        return self.origin + (virtual - self.origin) / self.speedup


def rfc3339(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- events and invocation outcomes -----------------------------------------


def scheduled_event(source, tick, event_id, attempt=1):
    """What EventBridge (or EventBridge Scheduler) delivers for one tick."""
    if source.input is not None:
        payload = source.input
        if source.scheduler:
            # Scheduler's context attributes, substituted into the Input text.
            for key, value in {"schedule-arn": source.arn, "scheduled-time": rfc3339(tick),
                               "execution-id": event_id, "attempt-number": str(attempt)}.items():
                payload = payload.replace(f"<aws.scheduler.{key}>", value)
        return json.loads(payload)
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler" if source.scheduler else "aws.events",
        "account": ACCOUNT,
        "time": rfc3339(tick),
        "region": REGION,
        "resources": [source.arn],
        # EventBridge sends an empty object; Scheduler's default payload really
        # carries the string "{}", and handlers must accept it.
        "detail": "{}" if source.scheduler else {},
    }


def _lambda_attribute(value):
    """An SQS API message attribute in the shape Lambda's SQSEvent carries it."""
    out = {}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    out["stringListValues"] = list(value.get("StringListValues", []))
    out["binaryListValues"] = [base64.b64encode(b).decode() for b in value.get("BinaryListValues", [])]
    out["dataType"] = value["DataType"]
    return out


def sqs_record(message, queue_arn, region=REGION):
    """One Records[] entry of an SQSEvent, from a ReceiveMessage result."""
    body = message.get("Body", "")
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": body,
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {k: _lambda_attribute(v) for k, v in message.get("MessageAttributes", {}).items()},
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    record.update({
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    })
    return record


def sqs_event(messages, queue_arn, region=REGION):
    return {"Records": [sqs_record(m, queue_arn, region) for m in messages]}


INVALID = object()  # a response body that is not JSON


@dataclass
class Outcome:
    kind: str  # "ok" | "function_error" | "watch_error"
    ms: int = 0
    response: object = None  # the parsed answer of a successful invocation (INVALID if not JSON)
    error: str = ""

    def summary(self):
        return {"ok": "ok", "function_error": "FUNCTION ERROR", "watch_error": "WATCH ERROR"}[self.kind]


def classify(status, body, headers=None, ms=0):
    """Tells a function's answer, a function's error and watch's own error apart.

    The runtime reports a function error (a handler's Err, a panic, an event it
    cannot deserialize) as {"errorType", "errorMessage"}: watch passes it on
    with a non-200 status (AWS: 200 plus X-Amz-Function-Error). Any other
    non-200 answer is watch's own: a build that failed, a timeout, a bad route.
    """
    headers = headers or {}
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    try:
        parsed = json.loads(text) if text.strip() else None
    except ValueError:
        parsed = INVALID
    function_error = headers.get("X-Amz-Function-Error") or headers.get("x-amz-function-error")
    if status == 200 and not function_error:
        return Outcome("ok", ms, parsed)
    if isinstance(parsed, dict) and ("errorType" in parsed or "errorMessage" in parsed):
        message = str(parsed.get("errorMessage", "")).strip()
        message = message if len(message) <= 300 else message[:300] + "..."
        return Outcome("function_error", ms, error=f"{parsed.get('errorType', 'Error')}: {message}")
    if function_error:
        return Outcome("function_error", ms, error=f"{function_error}: {text[:300]}")
    if isinstance(parsed, dict) and "title" in parsed:
        # Watch's own problem answers: {"title": "Missing function", "detail": "... Available functions: {...}"}
        detail = str(parsed.get("detail", "")).split(". Available functions")[0]
        return Outcome("watch_error", ms, error=f"HTTP {status} {parsed['title']}: {detail}"[:300])
    return Outcome("watch_error", ms, error=f"HTTP {status}: {' '.join(text.split())[:300] or '(empty)'}")


def settle_batch(message_ids, outcome, report_failures):
    """(ids to delete, ids left for redelivery, why the whole batch failed or None).

    Lambda's rules: a failed invocation deletes nothing. Without
    ReportBatchItemFailures a successful one deletes everything. With it, a
    null or empty response or batchItemFailures is complete success, and an
    invalid response, an item without a usable itemIdentifier or one naming a
    message outside the batch is complete failure.
    """
    ids = list(message_ids)
    if outcome.kind != "ok":
        return [], ids, outcome.kind
    if not report_failures:
        return ids, [], None
    response = outcome.response
    if response is INVALID:
        return [], ids, "the response is not JSON"
    if response is None:
        return ids, [], None
    if not isinstance(response, dict):
        return [], ids, "the response is not an object"
    failures = response.get("batchItemFailures")
    if failures is None:
        return ids, [], None
    if not isinstance(failures, list):
        return [], ids, "batchItemFailures is not a list"
    failed = []
    for item in failures:
        if not isinstance(item, dict) or "itemIdentifier" not in item:
            return [], ids, "a batchItemFailures entry has no itemIdentifier"
        ident = item["itemIdentifier"]
        if ident is None or ident == "":
            return [], ids, "an itemIdentifier is null or empty"
        if ident not in ids:
            return [], ids, f"itemIdentifier {ident} is not in the batch"
        if ident not in failed:
            failed.append(ident)
    return [i for i in ids if i not in failed], failed, None


def invoke(watch_url, binary, payload, timeout):
    """One synchronous invocation through watch's Lambda Invoke API."""
    url = f"{watch_url}/2015-03-31/functions/{urllib.parse.quote(binary)}/invocations"
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    start = time.monotonic()

    def ms():
        return int((time.monotonic() - start) * 1000)

    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return classify(response.status, response.read(), response.headers, ms())
    except urllib.error.HTTPError as e:
        return classify(e.code, e.read(), e.headers, ms())
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        return Outcome("watch_error", ms(), error=f"no answer from watch at {watch_url}: {reason}")


# --- runner -----------------------------------------------------------------


def _log(line):
    print(f"{datetime.now(timezone.utc).strftime('%H:%M:%S')} {line}", flush=True)


@dataclass
class Stats:
    invocations: int = 0
    records: int = 0  # delivered to the function
    deleted: int = 0
    failed: int = 0  # records left for redelivery
    errors: int = 0  # invocations that failed
    function_errors: int = 0
    watch_errors: int = 0
    retries: int = 0
    poll_errors: int = 0  # ReceiveMessage or DeleteMessageBatch failed
    skipped: int = 0  # ticks not fired: too many in flight, or the clock jumped
    in_flight: int = 0
    warmed: int = 0  # instances brought up at start (Runner.warm_up)
    last_error: str | None = None
    last_invocation: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, outcome, records=0, deleted=0, failed=0):
        with self.lock:
            self.invocations += 1
            self.records += records
            self.deleted += deleted
            self.failed += failed
            self.last_invocation = rfc3339(time.time())
            if outcome.kind != "ok":
                self.errors += 1
                if outcome.kind == "function_error":
                    self.function_errors += 1
                else:
                    self.watch_errors += 1
                self.last_error = f"{outcome.summary()} {outcome.error}"

    def add(self, name, n=1):
        with self.lock:
            setattr(self, name, getattr(self, name) + n)

    def as_dict(self):
        with self.lock:
            return {k: v for k, v in self.__dict__.items() if k != "lock"}


class Source:
    def __init__(self, spec, runner):
        self.spec = spec
        self.runner = runner
        self.stats = Stats()
        self.paused = threading.Event()  # by the control API; a disabled source stays off regardless

    def idle(self):
        return not self.spec.enabled or self.paused.is_set() or self.runner.paused.is_set()

    @property
    def function(self):
        return self.spec.function


class ScheduleRunner(Source):
    def __init__(self, spec, runner):
        super().__init__(spec, runner)
        self.next_tick = None

    def status(self):
        return {"name": self.spec.name, "type": "schedule", "function": self.function.binary,
                "expression": self.spec.expression, "source": "aws.scheduler" if self.spec.scheduler else "aws.events",
                "arn": self.spec.arn, "enabled": self.spec.enabled, "paused": self.paused.is_set(),
                "next_tick": rfc3339(self.next_tick) if self.next_tick else None, **self.stats.as_dict()}

    def loop(self):
        clock, stop = self.runner.clock, self.runner.stop
        self.next_tick = self.spec.schedule.next_after(clock.now())
        while self.next_tick is not None and not stop.is_set():
            if stop.wait(max(0.0, clock.real_at(self.next_tick) - time.time())):
                return
            tick = self.next_tick
            self.next_tick = self.spec.schedule.next_after(tick)
            late = self.next_tick is not None and self.next_tick < clock.now()
            if late:  # the machine slept or the clock is too fast: do not burst
                self.stats.add("skipped")
                self.next_tick = self.spec.schedule.next_after(clock.now())
            if self.idle():
                continue
            if self.stats.in_flight >= MAX_TICKS_IN_FLIGHT:
                self.stats.add("skipped")
                _log(f"{self.spec.name} tick {rfc3339(tick)} skipped: "
                     f"{self.stats.in_flight} invocations still running")
                continue
            threading.Thread(target=self.fire, args=(tick,), daemon=True).start()
        if self.next_tick is None:
            _log(f"{self.spec.name}: {self.spec.expression} has no future tick")

    def fire(self, tick, retries=None):
        """One tick, retried like an asynchronous invocation; returns the last outcome.

        Lambda retries an asynchronous invocation that returned a function
        error; watch's own errors (a missing function, a timeout) are not the
        function's and are not retried."""
        retries = self.function.async_retries if retries is None else retries
        event_id = str(uuid.uuid4())
        self.stats.add("in_flight")
        try:
            for attempt in range(retries + 1):
                if attempt:
                    # Lambda waits about a minute, then two, between async retries.
                    if self.runner.stop.wait(60 * attempt / self.runner.clock.speedup) or self.idle():
                        return outcome
                    self.stats.add("retries")
                outcome = self.runner.call(self.function, scheduled_event(self.spec, tick, event_id, attempt + 1))
                self.stats.record(outcome)
                retried = retries and (attempt or outcome.kind == "function_error")
                note = f" (attempt {attempt + 1} of {retries + 1})" if retried else ""
                _log(f"{self.spec.name} tick {rfc3339(tick)} {outcome.summary()} {outcome.ms} ms{note}"
                     + (f": {outcome.error}" if outcome.error else ""))
                if outcome.kind != "function_error":
                    break
            return outcome
        finally:
            self.stats.add("in_flight", -1)


class SqsRunner(Source):
    def __init__(self, spec, runner):
        super().__init__(spec, runner)
        self.queue_url = None
        self.url_lock = threading.Lock()

    def status(self):
        s = self.spec
        return {"name": s.name, "type": "sqs", "function": self.function.binary, "queue": s.queue_name,
                "queue_url": self.queue_url, "batch_size": s.batch_size, "batching_window": s.window,
                "concurrency": s.concurrency, "report_batch_item_failures": s.report_failures,
                "enabled": s.enabled, "paused": self.paused.is_set(), **self.stats.as_dict()}

    def url(self):
        with self.url_lock:
            if self.queue_url is None:
                self.queue_url = self.runner.sqs.get_queue_url(QueueName=self.spec.queue_name)["QueueUrl"]
            return self.queue_url

    def gather(self):
        """Up to BatchSize messages: the first long poll waits for any, then the
        batching window (if any) fills the batch, as Lambda's pollers do."""
        want, messages, deadline = self.spec.batch_size, [], None
        while len(messages) < want and not self.runner.stop.is_set():
            if messages:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                wait = min(SQS_WAIT_SECONDS, math.ceil(left))
            else:
                wait = SQS_WAIT_SECONDS
            got = self.runner.sqs.receive_message(
                QueueUrl=self.url(), MaxNumberOfMessages=min(10, want - len(messages)), WaitTimeSeconds=wait,
                MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
            if not messages:
                if not got:
                    return []
                deadline = time.monotonic() + self.spec.window
            messages += got
            if self.spec.window == 0:
                break
        return messages

    def release(self, messages):
        """Hands received messages straight back (paused or stopping mid-poll)."""
        for i in range(0, len(messages), 10):
            self.runner.sqs.change_message_visibility_batch(QueueUrl=self.url(), Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for n, m in enumerate(messages[i:i + 10])])

    def delete(self, messages):
        failed = 0
        for i in range(0, len(messages), 10):
            answer = self.runner.sqs.delete_message_batch(QueueUrl=self.url(), Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages[i:i + 10])])
            failed += len(answer.get("Failed", []))
        return failed

    def loop(self):
        stop, backoff = self.runner.stop, 0.0
        while not stop.is_set():
            if self.idle():
                stop.wait(0.2)
                continue
            try:
                messages = self.gather()
                if messages and (stop.is_set() or self.idle()):
                    self.release(messages)
                    continue
                if messages:
                    self.process(messages)
                backoff = 0.0
            except Exception as e:  # moto restarting, a queue missing: say so, back off, go on
                backoff = min(30.0, backoff * 2 or 1.0)
                with self.url_lock:
                    self.queue_url = None
                self.stats.add("poll_errors")
                with self.stats.lock:
                    self.stats.last_error = f"SQS: {type(e).__name__}: {e}"
                _log(f"{self.spec.name} queue {self.spec.queue_name}: {type(e).__name__}: {e}; "
                     f"retrying in {backoff:.0f} s")
                stop.wait(backoff)

    def process(self, messages):
        self.stats.add("in_flight")
        try:
            ids = [m["MessageId"] for m in messages]
            outcome = self.runner.call(self.function, sqs_event(messages, self.spec.queue_arn))
            delete_ids, kept, whole = settle_batch(ids, outcome, self.spec.report_failures)
            to_delete = [m for m in messages if m["MessageId"] in set(delete_ids)]
            undeletable = self.delete(to_delete) if to_delete else 0
            self.stats.record(outcome, records=len(messages), deleted=len(delete_ids) - undeletable,
                              failed=len(kept) + undeletable)
            line = (f"{self.spec.name} records {len(messages)} failures {len(kept)} "
                    f"deleted {len(delete_ids) - undeletable} {outcome.summary()} {outcome.ms} ms")
            if kept:
                line += f", {len(kept)} left for redelivery"
            if undeletable:
                line += f", {undeletable} not deletable (visibility timeout expired?)"
            if outcome.error:
                line += f": {outcome.error}"
            elif whole:
                line += f": whole batch failed, {whole}"
            _log(line)
        finally:
            self.stats.add("in_flight", -1)


class Runner:
    def __init__(self, sources, env, speedup=1.0, invoke_timeout=900.0):
        import boto3
        from botocore.config import Config

        self.env = env
        self.watch_url = env["LAMBDA_WATCH_URL"].rstrip("/")
        self.invoke_timeout = invoke_timeout
        self.clock = Clock(speedup)
        self.stop = threading.Event()
        self.paused = threading.Event()
        self.functions = sources.functions
        self.threads = []
        self.sqs = boto3.client(
            "sqs", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env.get("AWS_REGION", REGION),
            aws_access_key_id=env.get("AWS_ACCESS_KEY_ID", "test"),
            aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY", "test"),
            config=Config(read_timeout=SQS_WAIT_SECONDS + 15, retries={"max_attempts": 2},
                          max_pool_connections=64))
        self.schedules = [ScheduleRunner(s, self) for s in sources.schedules]
        self.queues = [SqsRunner(s, self) for s in sources.sqs]

    def call(self, function, payload):
        # Watch answers nothing while it compiles a function, and never when the
        # function's process exits before polling (a build error, a panic in
        # init): say so once the function's own timeout has long passed.
        after = function.timeout + 10
        note = threading.Timer(after, _log, args=(
            f"{function.binary}: no answer after {after} s (its timeout is {function.timeout} s): "
            "still compiling, or its process exited (see the watch log)",))
        note.daemon = True
        note.start()
        try:
            return invoke(self.watch_url, function.binary, payload, self.invoke_timeout)
        finally:
            note.cancel()

    def start(self):
        for s in self.schedules:
            self.threads.append(threading.Thread(target=s.loop, name=s.spec.name, daemon=True))
        for q in self.queues:
            for i in range(q.spec.concurrency):
                self.threads.append(threading.Thread(target=q.loop, name=f"{q.spec.name}#{i}", daemon=True))
        for t in self.threads:
            t.start()

    def warm_up(self):
        """Brings up MaximumConcurrency instances of every SQS-mapped function.

        On AWS a poller's invocation that finds every execution environment
        busy gets a new one in well under a second. Watch starts an instance
        with `cargo run` (seconds; longer while another build holds cargo's
        lock), and only when an invocation finds every instance busy: the
        first burst of messages would be served one batch after another. So
        at start each mapping sends as many concurrent invocations of an
        empty batch (an SQSEvent without records; the handler reports no
        failures) as it has pollers, and watch starts that many instances.
        Counted as `warmed`, not as invocations."""
        def one(q):
            outcome = invoke(self.watch_url, q.function.binary, sqs_event([], q.spec.queue_arn),
                             self.invoke_timeout)
            if outcome.kind == "ok":
                q.stats.add("warmed")
            return outcome

        threads = []
        for q in self.queues:
            if not q.spec.enabled:
                continue
            for _ in range(q.spec.concurrency):
                t = threading.Thread(target=one, args=(q,), daemon=True)
                threads.append(t)
                t.start()
        for t in threads:
            t.join()
        for q in self.queues:
            if q.spec.enabled:
                _log(f"{q.spec.name}: {q.stats.warmed} of {q.spec.concurrency} instances warmed up")

    def shutdown(self, timeout=SQS_WAIT_SECONDS + 2):
        """Stops polling and firing; waits for the pollers' current long polls."""
        self.stop.set()
        for t in self.threads:
            t.join(timeout)

    def sources_of(self, function):
        """A function's sources, by binary or logical id; None for an unknown function."""
        fn = next((f for f in self.functions if function in (f.binary, f.logical_id)), None)
        if fn is None:
            return None
        return [s for s in self.schedules + self.queues if s.function == fn]

    def status(self):
        return {"speedup": self.clock.speedup, "clock": rfc3339(self.clock.now()),
                "watch_url": self.watch_url, "paused": self.paused.is_set(),
                "functions": [f.binary for f in self.functions],
                "sources": [s.status() for s in self.schedules + self.queues]}


class Control(BaseHTTPRequestHandler):
    runner: Runner = None  # set by serve()

    def log_message(self, *args):
        pass  # the invocation lines say what matters

    def reply(self, status, body):
        data = json.dumps(body, indent=1).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.rstrip("/") == "/status":
            return self.reply(200, self.runner.status())
        self.reply(404, {"error": "GET /status; POST /tick/<function>, /pause[/<function>], /resume[/<function>]"})

    def do_POST(self):
        parts = [urllib.parse.unquote(p) for p in self.path.split("?")[0].strip("/").split("/")]
        action, target = parts[0], "/".join(parts[1:])
        if action in ("pause", "resume"):
            if not target:
                (self.runner.paused.set if action == "pause" else self.runner.paused.clear)()
                return self.reply(200, {"paused": self.runner.paused.is_set()})
            sources = self.runner.sources_of(target)
            if sources is None:
                return self.reply(404, {"error": f"no function {target} in the template"})
            for s in sources:
                (s.paused.set if action == "pause" else s.paused.clear)()
            return self.reply(200, {"paused": [s.spec.name for s in sources if s.paused.is_set()]})
        if action == "tick" and target:
            sources = self.runner.sources_of(target)
            if sources is None:
                return self.reply(404, {"error": f"no function {target} in the template"})
            schedules = [s for s in sources if isinstance(s, ScheduleRunner)]
            if not schedules:
                return self.reply(404, {"error": f"{target} has no schedule in the template"})
            tick = math.floor(self.runner.clock.now())
            results = []
            for s in schedules:
                outcome = s.fire(tick, retries=0)
                results.append({"source": s.spec.name, "time": rfc3339(tick), "outcome": outcome.kind,
                                "ms": outcome.ms, "error": outcome.error or None,
                                "response": None if outcome.response is INVALID else outcome.response})
            return self.reply(200, {"ticks": results})
        self.reply(404, {"error": "POST /tick/<function>, /pause[/<function>], /resume[/<function>]"})


def read_env_file(path):
    env = {}
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    key, value = line.split("=", 1)
                    env[key] = value
    return env


def serve(args):
    # The stack's file wins over the caller's environment: a shell that sourced
    # an older stack.env must not point the runner at a stack that is gone.
    env = {**os.environ, **read_env_file(args.env_file)}
    missing = [k for k in ("AWS_ENDPOINT_URL", "LAMBDA_WATCH_URL", "STACK_NAME") if not env.get(k)]
    if missing:
        print(f"event-sources: {', '.join(missing)} not set (is the stack up?)", file=sys.stderr)
        return 2
    try:
        sources = read_sources(load_template(args.template), env["STACK_NAME"])
        speedup = float(env.get("EVENT_SOURCES_SPEEDUP", "1"))
        if speedup <= 0:
            raise ValueError("EVENT_SOURCES_SPEEDUP must be positive")
    except (TemplateError, ValueError) as e:
        print(f"event-sources: {e}", file=sys.stderr)
        return 2
    runner = Runner(sources, env, speedup, float(env.get("EVENT_SOURCES_INVOKE_TIMEOUT", "900")))
    Control.runner = runner
    port = int(env.get("EVENT_SOURCES_PORT")
               or urllib.parse.urlsplit(env.get("EVENT_SOURCES_URL", "")).port or 4570)
    server = ThreadingHTTPServer(("127.0.0.1", port), Control)
    server.daemon_threads = True

    def stop(*_):
        runner.stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    runner.start()
    threading.Thread(target=runner.warm_up, name="warm-up", daemon=True).start()
    described = [f"{s.spec.name} {s.spec.expression}{'' if s.spec.enabled else ' (disabled)'}"
                 for s in runner.schedules]
    described += [f"{q.spec.name} <- {q.spec.queue_name} (batch {q.spec.batch_size}, "
                  f"{q.spec.concurrency} pollers){'' if q.spec.enabled else ' (disabled)'}" for q in runner.queues]
    _log(f"event sources on http://127.0.0.1:{port} (speed-up {speedup:g}), invoking {runner.watch_url}: "
         + ("; ".join(described) or "none in the template"))
    server.serve_forever(poll_interval=0.5)
    return 0


def watch_args(args):
    """Arguments for `cargo lambda watch` taken from the template: an instance
    limit per function as wide as the widest SQS mapping, so its pollers'
    invocations run side by side instead of queueing in watch."""
    try:
        sources = read_sources(load_template(args.template), "local")
        concurrency = max([q.concurrency for q in sources.sqs], default=1)
    except TemplateError:
        concurrency = DEFAULT_SQS_CONCURRENCY  # `serve` reports the problem
    print(f"--concurrency\n{concurrency}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["serve", "watch-args"])
    parser.add_argument("--template", default=os.path.join(ROOT, "template.yaml"))
    parser.add_argument("--env-file", default=os.path.join(ROOT, ".local", "stack.env"))
    args = parser.parse_args(argv)
    return serve(args) if args.command == "serve" else watch_args(args)


if __name__ == "__main__":
    sys.exit(main())
