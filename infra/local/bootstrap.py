#!/usr/bin/env python3
"""Create the stack's AWS resources on the local moto server from template.yaml.

template.yaml is the one source of truth: every DynamoDB table (keys, indexes,
TTL), S3 bucket, SQS queue (with its redrive policy) and Secrets Manager secret
it declares is created here with the same name, resolving the intrinsic
functions the template uses for a local stack name. The function environment
(Globals.Function.Environment.Variables) is resolved the same way and printed
as `KEY=value` lines for .local/stack.env.

Usage: bootstrap.py TEMPLATE STACK_NAME ENDPOINT SECRET_JSON_FILE
"""

import json
import re
import os
import sys

import boto3
import yaml

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account


class CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation short-form tags (!Ref, !Sub, ...) as long form."""


def _construct_tag(loader, tag_suffix, node):
    name = "Ref" if tag_suffix == "Ref" else "Fn::" + tag_suffix
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


CfnLoader.add_multi_constructor("!", _construct_tag)

# `!Ref AWS::NoValue`: the property or list entry is left out.
NO_VALUE = object()


class Stack:
    def __init__(self, template, stack_name, endpoint):
        self.template = template
        self.stack_name = stack_name
        self.resources = template.get("Resources", {})
        self.parameters = {
            k: str(v.get("Default", "")) for k, v in template.get("Parameters", {}).items()
        }
        # Like `sam deploy --parameter-overrides`: "Name=value Name2=value2".
        # The local stack uses it for settings a test run needs short (e.g.
        # the publish queue's visibility timeout); names must exist.
        for pair in os.environ.get("STACK_PARAMETER_OVERRIDES", "").split():
            name, _, value = pair.partition("=")
            if name not in self.parameters:
                raise SystemExit(f"STACK_PARAMETER_OVERRIDES: {name!r} is not a template parameter")
            self.parameters[name] = value
        self.refs = {}  # logical id -> value of Ref
        self.attrs = {}  # (logical id, attribute) -> value of GetAtt
        kw = dict(endpoint_url=endpoint, region_name=REGION,
                  aws_access_key_id="test", aws_secret_access_key="test")
        self.dynamodb = boto3.client("dynamodb", **kw)
        self.s3 = boto3.client("s3", **kw)
        self.sqs = boto3.client("sqs", **kw)
        self.secrets = boto3.client("secretsmanager", **kw)

    # -- intrinsic functions ------------------------------------------------
    def resolve(self, value):
        value = self._resolve(value)
        return None if value is NO_VALUE else value

    def _resolve(self, value):
        if isinstance(value, list):
            return [v for v in (self._resolve(v) for v in value) if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::Sub":
                return self.sub(arg)
            if key == "Fn::GetAtt":
                return self.get_att(*arg)
            if key == "Fn::If":
                cond, when_true, when_false = arg
                return self._resolve(when_true if self.condition(cond) else when_false)
            if key == "Fn::Split":
                sep, text = arg
                return str(self._resolve(text)).split(sep)
            if key == "Fn::Join":
                sep, items = arg
                return sep.join(str(v) for v in self._resolve(items))
            if key.startswith("Fn::"):
                raise SystemExit(f"bootstrap: unsupported intrinsic {key}")
        resolved = {k: self._resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def condition(self, name):
        """Evaluates one of the template's Conditions (Equals, Not, And, Or)."""
        conditions = self.template.get("Conditions", {})
        if name not in conditions:
            raise SystemExit(f"bootstrap: template has no condition {name}")
        return self._evaluate(conditions[name])

    def _evaluate(self, expr):
        (key, arg), = expr.items()
        if key == "Condition":
            return self.condition(arg)
        if key == "Fn::Equals":
            a, b = (str(self._resolve(v)) for v in arg)
            return a == b
        if key == "Fn::Not":
            return not self._evaluate(arg[0])
        if key == "Fn::And":
            return all(self._evaluate(c) for c in arg)
        if key == "Fn::Or":
            return any(self._evaluate(c) for c in arg)
        raise SystemExit(f"bootstrap: unsupported condition function {key}")

    def ref(self, name):
        if name == "AWS::NoValue":
            return NO_VALUE
        pseudo = {"AWS::StackName": self.stack_name, "AWS::AccountId": ACCOUNT,
                  "AWS::Region": REGION, "AWS::Partition": "aws"}
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name not in self.refs:
            self.create(name)
        return self.refs[name]

    def get_att(self, name, attribute):
        if (name, attribute) not in self.attrs:
            self.create(name)
        if (name, attribute) not in self.attrs:
            raise SystemExit(f"bootstrap: {name}.{attribute} is not emulated locally")
        return self.attrs[(name, attribute)]

    def sub(self, arg):
        text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

        def replace(match):
            token = match.group(1)
            if token in extra:
                return str(self.resolve(extra[token]))
            if "." in token and not token.startswith("AWS::"):
                return str(self.get_att(*token.split(".", 1)))
            return str(self.ref(token))

        return re.sub(r"\$\{([^}!]+)\}", replace, text)

    # -- resources ----------------------------------------------------------
    def create(self, name):
        if name in self.refs:
            return
        resource = self.resources.get(name)
        if resource is None:
            raise SystemExit(f"bootstrap: template has no resource {name}")
        kind = resource["Type"]
        creator = {
            "AWS::DynamoDB::Table": self.create_table,
            "AWS::S3::Bucket": self.create_bucket,
            "AWS::SQS::Queue": self.create_queue,
            "AWS::SecretsManager::Secret": self.create_secret,
        }.get(kind)
        if kind == "AWS::ApiGatewayV2::Api":
            # The HTTP API is cargo lambda watch: its endpoint is watch's
            # origin (the bucket's CORS rules name it).
            self.refs[name] = f"local-{name}"
            self.attrs[(name, "ApiEndpoint")] = os.environ.get("LOCAL_API_ENDPOINT", "http://127.0.0.1:9000")
            return
        if creator is None:
            # Alarms, topics, policies: nothing to emulate locally.
            self.refs[name] = f"unemulated-{name}"
            return
        creator(name, self.resolve(resource.get("Properties", {})))

    def physical_name(self, name, p, key):
        """The resource's name: the template's, or (left to CloudFormation,
        which appends a random suffix) `<stack>-<logical id>` in lower case."""
        return p.get(key) or f"{self.stack_name}-{name}".lower()

    def create_table(self, name, p):
        p = dict(p, TableName=self.physical_name(name, p, "TableName"))
        args = dict(
            TableName=p["TableName"],
            AttributeDefinitions=p["AttributeDefinitions"],
            KeySchema=p["KeySchema"],
            BillingMode=p.get("BillingMode", "PAY_PER_REQUEST"),
        )
        if p.get("GlobalSecondaryIndexes"):
            args["GlobalSecondaryIndexes"] = p["GlobalSecondaryIndexes"]
        self.dynamodb.create_table(**args)
        ttl = p.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            self.dynamodb.update_time_to_live(
                TableName=p["TableName"],
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
        self.refs[name] = p["TableName"]

    def create_bucket(self, name, p):
        bucket = self.physical_name(name, p, "BucketName")
        self.s3.create_bucket(Bucket=bucket)
        if "PublicAccessBlockConfiguration" in p:
            self.s3.put_public_access_block(
                Bucket=bucket, PublicAccessBlockConfiguration=p["PublicAccessBlockConfiguration"])
        if "BucketEncryption" in p:
            self.s3.put_bucket_encryption(
                Bucket=bucket,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault":
                               r["ServerSideEncryptionByDefault"]}
                              for r in p["BucketEncryption"]["ServerSideEncryptionConfiguration"]]})
        cors = (p.get("CorsConfiguration") or {}).get("CorsRules", [])
        if cors:
            self.s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{
                "ID": r.get("Id", ""),
                "AllowedOrigins": r["AllowedOrigins"], "AllowedMethods": r["AllowedMethods"],
                "AllowedHeaders": r.get("AllowedHeaders", []), "ExposeHeaders": r.get("ExposedHeaders", []),
                "MaxAgeSeconds": int(r.get("MaxAge", 0)),
            } for r in cors]})
        rules = p.get("LifecycleConfiguration", {}).get("Rules", [])
        if rules:
            self.s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={
                "Rules": [{
                    "ID": r["Id"], "Status": r["Status"],
                    "Filter": {"Prefix": r.get("Prefix", "")},
                    "Expiration": {"Days": int(r["ExpirationInDays"])},
                    "AbortIncompleteMultipartUpload": {
                        "DaysAfterInitiation":
                            int(r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])},
                } for r in rules]})
        self.refs[name] = bucket
        self.attrs[(name, "Arn")] = f"arn:aws:s3:::{bucket}"

    def create_queue(self, name, p):
        queue = p["QueueName"]
        attributes = {}
        for key in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds"):
            if key in p:
                attributes[key] = str(p[key])
        if "RedrivePolicy" in p:
            redrive = p["RedrivePolicy"]
            attributes["RedrivePolicy"] = json.dumps({
                "deadLetterTargetArn": redrive["deadLetterTargetArn"],
                "maxReceiveCount": int(redrive["maxReceiveCount"]),
            })
        url = self.sqs.create_queue(QueueName=queue, Attributes=attributes)["QueueUrl"]
        self.refs[name] = url
        self.attrs[(name, "Arn")] = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}"
        self.attrs[(name, "QueueName")] = queue

    def create_secret(self, name, p):
        arn = self.secrets.create_secret(
            Name=self.physical_name(name, p, "Name"), SecretString=self.secret_string)["ARN"]
        self.refs[name] = arn


def main():
    template_path, stack_name, endpoint, secret_file = sys.argv[1:5]
    with open(template_path) as f:
        template = yaml.load(f, Loader=CfnLoader)
    stack = Stack(template, stack_name, endpoint)
    with open(secret_file) as f:
        stack.secret_string = f.read()
    for name in stack.resources:
        stack.create(name)
    env = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    for key, value in env.items():
        print(f"{key}={stack.resolve(value)}")
    for name, resource in stack.resources.items():
        if resource["Type"] == "AWS::SQS::Queue" and name != "PublishQueue":
            print(f"{re.sub(r'(?<!^)(?=[A-Z])', '_', name).upper()}_URL={stack.refs[name]}")


if __name__ == "__main__":
    main()
