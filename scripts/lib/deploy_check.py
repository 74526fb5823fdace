"""Structural deploy check: the SAM template, transformed offline, deployed
into moto's CloudFormation and read back through the service APIs.

    "$venv/bin/python" scripts/lib/deploy_check.py \
        --endpoint http://127.0.0.1:PORT [--template infra/template.yaml]

($venv is the tools' virtualenv that scripts/lib/emulators.sh sets up.)

Run by scripts/test against the moto that scripts/lib/emulators.sh starts.
No credentials, no standard input, no AWS calls: the transform uses an empty
managed-policy map (the template names no AWS managed policy by name; SAM's
own role policies are ARNs it writes itself), and every client talks to moto.

What moto 5.2.5's CloudFormation has no model for is dropped from the
deployed copy (listed in UNSUPPORTED, printed with the reason); references to
a dropped resource become a placeholder string. moto would otherwise skip
such a resource silently and leave its Refs unresolved, so a type that is
neither modelled nor listed fails the check. The secret is the exception:
it is created through the Secrets Manager API from its template properties
and its ARN stands in for its Ref, so the functions' wiring to it is real.

Exit status: 0 when everything holds, 1 with every failure listed otherwise.
"""

import argparse
import copy
import io
import json
import os
import re
import sys
import time
import zipfile

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from samcli.yamlhelper import yaml_parse
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

REGION = "us-east-1"
CREDS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}

PARAMETERS = {
    "BaseUrl": "https://example.test",
    "AppUrl": "https://example.test/office",
}

# Types moto's CloudFormation cannot create (checked empirically against
# moto 5.2.5: it logs "No Moto CloudFormation support for ..." and skips them).
UNSUPPORTED = {
    "AWS::ApiGatewayV2::Api": "moto's CloudFormation has no model for HTTP APIs",
    "AWS::ApiGatewayV2::Stage": "moto's CloudFormation has no model for HTTP API stages",
    "AWS::ApiGatewayV2::Route": "moto's CloudFormation has no model for HTTP API routes",
    "AWS::ApiGatewayV2::Integration": "moto's CloudFormation has no model for HTTP API integrations",
    "AWS::CloudWatch::Alarm": "moto's CloudFormation has no model for CloudWatch alarms",
    "AWS::SecretsManager::Secret": "moto's CloudFormation has no model for secrets"
    " (created through the Secrets Manager API instead)",
}
# Dropped from the stack but created directly, their ARN standing in for Ref.
CREATED_DIRECTLY = {"AWS::SecretsManager::Secret"}

# Logical ids the read-back checks look for.
TABLE, SECRET, QUEUE, DLQ, WORKER = "Table", "Secrets", "JobsQueue", "JobsDeadLetterQueue", "WorkerFunction"
# Data that must outlive the stack: every table, queue and secret.
RETAINED_TYPES = {"AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::SecretsManager::Secret"}

failures = []


def fail(message):
    failures.append(message)
    print(f"  FAIL {message}")


def ok(message):
    print(f"  ok   {message}")


def check(condition, message, detail=""):
    if condition:
        ok(message)
    else:
        fail(f"{message}{': ' + detail if detail else ''}")
    return condition


def die(message):
    print(f"deploy check: {message}", file=sys.stderr)
    sys.exit(1)


# --- transform --------------------------------------------------------------

def transform(template_path, bucket, key):
    with open(template_path, encoding="utf-8") as f:
        sam = yaml_parse(f.read())
    for resource in sam.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource.setdefault("Properties", {})["CodeUri"] = {"Bucket": bucket, "Key": key}
    translator = Translator(
        managed_policy_map=None,
        sam_parser=Parser(),
        plugins=[],
        boto_session=boto3.Session(region_name=REGION, **CREDS),
    )
    try:
        return translator.translate(
            sam_template=sam,
            parameter_values=dict(PARAMETERS),
            get_managed_policy_map=lambda: {},
        )
    except Exception as e:  # InvalidDocumentException carries its causes
        causes = getattr(e, "causes", None) or []
        die("the SAM transform failed: " + " ".join([str(e)] + [str(c) for c in causes]))


def replace_refs(node, dropped):
    """A copy of node where Ref/GetAtt/Sub references to a dropped resource
    become dropped[name] (a placeholder string or a real ARN); the names
    replaced are collected in node's returned set."""
    hits = set()

    def sub_string(s, local):
        def repl(m):
            name = m.group(1).split(".")[0]
            if name in dropped and name not in local:
                hits.add(name)
                return dropped[name] if "." not in m.group(1) else f"{dropped[name]}.{m.group(1).split('.', 1)[1]}"
            return m.group(0)

        return re.sub(r"\$\{(?!!)([A-Za-z0-9_.:]+)\}", repl, s)

    def walk(n):
        if isinstance(n, dict):
            if len(n) == 1:
                (k, v), = n.items()
                if k == "Ref" and isinstance(v, str) and v in dropped:
                    hits.add(v)
                    return dropped[v]
                if k == "Fn::GetAtt":
                    target = v.split(".")[0] if isinstance(v, str) else v[0]
                    if target in dropped:
                        hits.add(target)
                        return dropped[target]
                if k == "Fn::Sub":
                    if isinstance(v, str):
                        return {k: sub_string(v, {})}
                    if isinstance(v, list) and len(v) == 2:
                        local = walk(v[1])
                        return {k: [sub_string(v[0], local), local]}
            return {k: walk(v) for k, v in n.items()}
        if isinstance(n, list):
            return [walk(x) for x in n]
        return n

    return walk(node), hits


def deployable_copy(template, supported_types, created):
    """The template without what moto cannot create; prints what was dropped."""
    t = copy.deepcopy(template)
    resources = t["Resources"]
    unknown = sorted(
        {r["Type"] for r in resources.values() if r["Type"] not in supported_types and r["Type"] not in UNSUPPORTED}
    )
    if unknown:
        die(
            "moto's CloudFormation cannot create "
            + ", ".join(unknown)
            + " (it would skip them silently); if that is expected, add the type to UNSUPPORTED"
            " in scripts/lib/deploy_check.py with the reason"
        )
    dropped = {}
    for name, r in list(resources.items()):
        if r["Type"] in UNSUPPORTED:
            dropped[name] = created.get(name, f"moto-dropped-{name}")
            print(f"  drop {name} ({r['Type']}): {UNSUPPORTED[r['Type']]}")
            del resources[name]
    referers = {}
    for name, r in resources.items():
        depends = r.get("DependsOn")
        if depends is not None:
            depends = [depends] if isinstance(depends, str) else depends
            kept = [d for d in depends if d not in dropped]
            if len(kept) != len(depends):
                referers.setdefault(name, set()).update(set(depends) - set(kept))
            if kept:
                r["DependsOn"] = kept
            else:
                del r["DependsOn"]
        r["Properties"], hits = replace_refs(r.get("Properties", {}), dropped)
        if hits:
            referers.setdefault(name, set()).update(hits)
    for name, o in t.get("Outputs", {}).items():
        t["Outputs"][name], hits = replace_refs(o, dropped)
        if hits:
            referers.setdefault(f"output {name}", set()).update(hits)
    for name, hits in sorted(referers.items()):
        stand_ins = ", ".join(
            f"{h} -> {'its ARN' if h in created else 'placeholder'}" for h in sorted(hits)
        )
        print(f"  refs {name}: {stand_ins}")
    return t


# --- deploy -----------------------------------------------------------------

def code_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        z.writestr(info, "#!/bin/sh\nexit 1\n")
    return buf.getvalue()


def create_secret(sm, stack, name, resource):
    props = resource.get("Properties", {})
    allowed = {"Description", "SecretString", "KmsKeyId"}
    odd = sorted(k for k, v in props.items() if k not in allowed or not isinstance(v, str))
    if odd:
        die(
            f"{name}: the check creates the secret through the Secrets Manager API and handles only literal "
            f"{', '.join(sorted(allowed))}; teach create_secret() about {', '.join(odd)}"
        )
    args = {"Name": f"{stack}-{name}", **props}
    return sm.create_secret(**args)["ARN"]


def wait_for_stack(cf, stack, timeout=60):
    deadline = time.time() + timeout
    while True:
        s = cf.describe_stacks(StackName=stack)["Stacks"][0]
        if not s["StackStatus"].endswith("_IN_PROGRESS") or time.time() > deadline:
            return s
        time.sleep(0.2)


def stack_failure(cf, stack, status):
    lines = [f"stack {stack} ended {status['StackStatus']} ({status.get('StackStatusReason', 'no reason given')})"]
    for e in cf.describe_stack_events(StackName=stack)["StackEvents"]:
        if "FAILED" in e["ResourceStatus"]:
            lines.append(f"  {e['LogicalResourceId']} ({e['ResourceType']}): {e.get('ResourceStatusReason', '')}")
    return "\n".join(lines)


# --- checks -----------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--endpoint", required=True, help="moto server, e.g. http://127.0.0.1:5000")
    ap.add_argument("--template", default="infra/template.yaml")
    ap.add_argument("--keep", action="store_true", help="leave the stack and its retained resources in moto")
    args = ap.parse_args()

    started = time.time()
    for var in [v for v in os.environ if v.startswith("AWS_ENDPOINT_URL")]:
        del os.environ[var]  # every client below is pointed at moto explicitly
    cfg = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=60)

    def client(service):
        return boto3.client(service, endpoint_url=args.endpoint, region_name=REGION, config=cfg, **CREDS)

    s3, cf, sm = client("s3"), client("cloudformation"), client("secretsmanager")
    ddb, sqs, lam = client("dynamodb"), client("sqs"), client("lambda")

    run = f"{int(time.time())}-{os.getpid()}"
    stack = f"hallway-deploy-check-{run}"
    bucket = f"hallway-deploy-check-{run}"
    key = "code.zip"

    print(f"transform {args.template} (samtranslator, offline)")
    template = transform(args.template, bucket, key)
    resources = template["Resources"]
    for name in (TABLE, SECRET, QUEUE, DLQ, WORKER):
        if name not in resources:
            die(f"the transformed template has no resource {name}; the check reads it back")

    try:
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key=key, Body=code_zip())
    except Exception as e:
        die(f"cannot reach moto at {args.endpoint}: {e}")

    created = {}
    for name, r in resources.items():
        if r["Type"] in CREATED_DIRECTLY:
            created[name] = create_secret(sm, stack, name, r)

    from moto.cloudformation.parsing import get_model_map  # the moto serving the endpoint (same venv)

    deployed = deployable_copy(template, set(get_model_map()), created)
    print(f"create stack {stack} in moto's CloudFormation ({len(deployed['Resources'])} resources)")
    try:
        cf.create_stack(
            StackName=stack,
            TemplateBody=json.dumps(deployed),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in PARAMETERS.items()],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
    except ClientError as e:
        die(f"create_stack was refused: {e}")
    status = wait_for_stack(cf, stack)
    stack_id = status["StackId"]
    if status["StackStatus"] != "CREATE_COMPLETE":
        die(stack_failure(cf, stack, status))
    print(f"  ok   {stack} CREATE_COMPLETE")

    # Every resource of the deployed copy, created under its own logical id
    # (moto lists what it skipped with an empty one).
    summaries = cf.list_stack_resources(StackName=stack)["StackResourceSummaries"]
    physical = {s["LogicalResourceId"]: s.get("PhysicalResourceId", "") for s in summaries}
    bad = [s for s in summaries if s["ResourceStatus"] != "CREATE_COMPLETE" or not s["LogicalResourceId"]]
    missing = sorted(set(deployed["Resources"]) - set(physical))
    check(
        not bad and not missing,
        f"all {len(deployed['Resources'])} resources of the deployed copy created",
        f"missing {missing}, not complete {[(s['LogicalResourceId'], s['ResourceType'], s['ResourceStatus']) for s in bad]}",
    )

    # DynamoDB: keys, gsi1, TTL.
    print("read back through the service APIs")
    table_name = physical.get(TABLE)
    t = ddb.describe_table(TableName=table_name)["Table"]
    keys = {k["AttributeName"]: k["KeyType"] for k in t["KeySchema"]}
    check(keys == {"pk": "HASH", "sk": "RANGE"}, f"{TABLE}: key schema pk HASH / sk RANGE", f"got {keys}")
    gsis = {g["IndexName"]: g for g in t.get("GlobalSecondaryIndexes", [])}
    gsi_keys = {k["AttributeName"]: k["KeyType"] for k in gsis.get("gsi1", {}).get("KeySchema", [])}
    check(
        gsi_keys == {"gsi1pk": "HASH", "gsi1sk": "RANGE"},
        f"{TABLE}: index gsi1 gsi1pk HASH / gsi1sk RANGE",
        f"indexes {sorted(gsis)}, gsi1 keys {gsi_keys}",
    )
    check(
        gsis.get("gsi1", {}).get("Projection", {}).get("ProjectionType") == "ALL",
        f"{TABLE}: gsi1 projects ALL",
    )
    # moto's CloudFormation ignores TimeToLiveSpecification (the table reads
    # back DISABLED), so TTL is read back when moto applied it and checked in
    # the transformed template otherwise.
    ttl = ddb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
        check(ttl.get("AttributeName") == "ttl", f"{TABLE}: TTL on attribute ttl", f"got {ttl}")
    else:
        spec = resources[TABLE]["Properties"].get("TimeToLiveSpecification", {})
        check(
            spec.get("AttributeName") == "ttl" and spec.get("Enabled") is True,
            f"{TABLE}: TTL on attribute ttl (template; moto's CloudFormation does not apply TTL)",
            f"TimeToLiveSpecification is {spec}",
        )

    # SQS: redrive to the dead-letter queue, visibility.
    queue_url, dlq_url = physical.get(QUEUE), physical.get(DLQ)
    q = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    dlq = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["All"])["Attributes"]
    redrive = json.loads(q.get("RedrivePolicy", "{}"))
    check(
        redrive.get("deadLetterTargetArn") == dlq["QueueArn"],
        f"{QUEUE}: RedrivePolicy targets {DLQ}",
        f"got {redrive.get('deadLetterTargetArn')}, {DLQ} is {dlq['QueueArn']}",
    )
    want_receives = resources[QUEUE]["Properties"]["RedrivePolicy"]["maxReceiveCount"]
    check(
        int(redrive.get("maxReceiveCount", -1)) == int(want_receives),
        f"{QUEUE}: maxReceiveCount {redrive.get('maxReceiveCount')}",
        f"template says {want_receives}",
    )
    worker_timeout = lam.get_function_configuration(FunctionName=physical.get(WORKER))["Timeout"]
    visibility = int(q.get("VisibilityTimeout", -1))
    check(
        # AWS asks a Lambda event source's visibility to be at least six
        # times the function's timeout.
        visibility == int(resources[QUEUE]["Properties"].get("VisibilityTimeout", -2))
        and visibility >= 6 * worker_timeout,
        f"{QUEUE}: VisibilityTimeout {visibility}s (at least 6 x the worker's timeout {worker_timeout}s)",
    )
    check(
        int(dlq.get("MessageRetentionPeriod", 0)) == 1209600,
        f"{DLQ}: MessageRetentionPeriod {dlq.get('MessageRetentionPeriod')}s (14 days)",
    )

    # Lambda: the worker's mapping on the jobs queue.
    mappings = lam.list_event_source_mappings(FunctionName=physical.get(WORKER))["EventSourceMappings"]
    on_queue = [m for m in mappings if m.get("EventSourceArn") == q["QueueArn"]]
    if check(len(on_queue) == 1, f"{WORKER}: one event source mapping on {QUEUE}", f"got {mappings}"):
        m = lam.get_event_source_mapping(UUID=on_queue[0]["UUID"])
        check(
            "ReportBatchItemFailures" in (m.get("FunctionResponseTypes") or []),
            f"{WORKER} mapping: FunctionResponseTypes {m.get('FunctionResponseTypes')}",
        )
        want_batch = resources[[n for n, r in resources.items() if r["Type"] == "AWS::Lambda::EventSourceMapping"
                                and r["Properties"].get("FunctionName") == {"Ref": WORKER}][0]]["Properties"]["BatchSize"]
        check(m.get("BatchSize") == want_batch, f"{WORKER} mapping: BatchSize {m.get('BatchSize')}",
              f"template says {want_batch}")

    # Secrets Manager.
    secret_arn = created.get(SECRET) or physical.get(SECRET)
    try:
        s = sm.describe_secret(SecretId=secret_arn)
        ok(f"{SECRET}: secret {s['Name']} exists (created through the API, see above)")
    except ClientError as e:
        fail(f"{SECRET}: secret {secret_arn} not found: {e}")

    # Every function: the runtime the template asks for, wired to the real resources.
    want_env = {"HALLWAY_TABLE": table_name, "HALLWAY_QUEUE_URL": queue_url, "HALLWAY_SECRET_ID": secret_arn}
    functions = [n for n, r in deployed["Resources"].items() if r["Type"] == "AWS::Lambda::Function"]
    for name in functions:
        c = lam.get_function_configuration(FunctionName=physical[name])
        env = c.get("Environment", {}).get("Variables", {})
        # moto's CloudFormation drops Architectures (reads back x86_64): template.
        arch = resources[name]["Properties"].get("Architectures")
        want = dict(want_env)
        if "HALLWAY_DEAD_LETTER_QUEUE_URL" in env:
            want["HALLWAY_DEAD_LETTER_QUEUE_URL"] = dlq_url
        problems = [f"{k} is {env.get(k)!r}, not {v!r}" for k, v in want.items() if env.get(k) != v]
        if c["Runtime"] != "provided.al2023":
            problems.append(f"Runtime is {c['Runtime']}, not provided.al2023")
        if arch != ["arm64"]:
            problems.append(f"Architectures is {arch} in the template, not [arm64]")
        check(
            not problems,
            f"{name}: {c['Runtime']} (arm64 in the template), env names the table, queue and secret",
            "; ".join(problems),
        )

    # Retained data: read from the transformed template (moto reports no
    # policies), then proven by deleting the stack (moto keeps Retain ones).
    print("retention (DeletionPolicy / UpdateReplacePolicy)")
    unretained = []
    for name, r in resources.items():
        if r["Type"] in RETAINED_TYPES:
            missing_policies = [p for p in ("DeletionPolicy", "UpdateReplacePolicy") if r.get(p) != "Retain"]
            if missing_policies:
                unretained.append(f"{name} ({r['Type']}) lacks {' and '.join(p + ': Retain' for p in missing_policies)}")
    check(
        not unretained,
        f"every table, queue and secret has DeletionPolicy and UpdateReplacePolicy Retain"
        f" ({', '.join(n for n, r in resources.items() if r['Type'] in RETAINED_TYPES)})",
        "; ".join(unretained) + " in " + args.template,
    )
    try:
        cf.delete_stack(StackName=stack)
        status = wait_for_stack(cf, stack_id)  # a deleted stack is found by id only
        if status["StackStatus"] != "DELETE_COMPLETE":
            fail(stack_failure(cf, stack_id, status))
    except Exception as e:  # moto answers a resource's refusal as the error itself
        fail(f"delete-stack failed (a resource without DeletionPolicy: Retain refused to go?): {e}")
    survivors = []
    try:
        ddb.describe_table(TableName=table_name)
        survivors.append(TABLE)
    except ClientError:
        pass
    for name, url in ((QUEUE, queue_url), (DLQ, dlq_url)):
        try:
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
            survivors.append(name)
        except ClientError:
            pass
    check(
        set(survivors) == {TABLE, QUEUE, DLQ},
        f"after delete-stack the table and both queues are still there ({', '.join(sorted(survivors)) or 'none'})",
        f"deleted with the stack: {', '.join(sorted({TABLE, QUEUE, DLQ} - set(survivors)))}",
    )
    gone = []
    for name in functions:
        try:
            lam.get_function(FunctionName=physical[name])
        except ClientError:
            gone.append(name)
    check(len(gone) == len(functions), "after delete-stack the functions are gone", f"left: {set(functions) - set(gone)}")

    if not args.keep:  # the moto is shared with the tests that follow
        for name in survivors:
            try:
                if name == TABLE:
                    ddb.update_table(TableName=table_name, DeletionProtectionEnabled=False)
                    ddb.delete_table(TableName=table_name)
                else:
                    sqs.delete_queue(QueueUrl=physical[name])
            except ClientError:
                pass
        for arn in created.values():
            sm.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
        s3.delete_object(Bucket=bucket, Key=key)
        s3.delete_bucket(Bucket=bucket)

    elapsed = time.time() - started
    if failures:
        print(f"\ndeploy check FAILED ({len(failures)} of the checks, {elapsed:.1f}s):", file=sys.stderr)
        for f in failures:
            print(f"  - {f}", file=sys.stderr)
        sys.exit(1)
    print(
        f"\ndeploy check passed in {elapsed:.1f}s: the transformed template deploys in moto"
        f" ({len(deployed['Resources'])} resources; dropped: "
        f"{', '.join(sorted(set(resources) - set(deployed['Resources'])))}), and the table's keys, gsi1 and TTL,"
        f" the queue's redrive and visibility, the worker's mapping, the secret, the functions' wiring and"
        f" the retention of the data were read back"
    )


if __name__ == "__main__":
    main()
