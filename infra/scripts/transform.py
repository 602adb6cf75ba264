"""Prints the CloudFormation JSON that SAM turns template.yaml into, offline.

cfn-lint on the plain SAM template misses wrong runtimes, architectures and event
properties; on the transformed template it checks the real resources.
"""
import json
import os
import sys

# The translator asks boto for a region; offline, it has to be told.
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from samtranslator.public.translator import ManagedPolicyLoader
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class OfflinePolicies(ManagedPolicyLoader):
    """No credentials here: managed policy names resolve to their well-known ARNs."""

    def __init__(self):
        pass

    def load(self):
        return {}


def main(path):
    with open(path) as f:
        template = yaml_parse(f.read())
    # As `sam package` would: local code becomes an S3 object.
    for res in template.get("Resources", {}).values():
        props = res.get("Properties", {})
        if res.get("Type") == "AWS::Serverless::Function" and not str(props.get("CodeUri", "")).startswith("s3://"):
            props["CodeUri"] = "s3://packaged-code/function.zip"
    params = {"AWS::Region": "us-east-1", "AWS::Partition": "aws", "AWS::AccountId": "123456789012"}
    out = transform(template, params, OfflinePolicies())
    json.dump(out, sys.stdout, indent=1, default=str)


if __name__ == "__main__":
    main(sys.argv[1])
