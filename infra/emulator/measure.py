"""How the emulator's cost grows with a table: this patched server beside moto's own,
each filled to 10,000 items in 2,000-item steps (100 partitions, 500-byte bodies),
timing a Query, a GSI Query (20 items each) and a small transaction (half of them
refused) through boto3 after each step, with the server's resident memory.

Usage: .venv/bin/python infra/emulator/measure.py   (a few minutes, mostly moto's)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import boto3
from botocore.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return int(f.read().split("VmRSS:")[1].split()[0]) // 1024


def measure(name: str, command: list[str]) -> None:
    port = free_port()
    proc = subprocess.Popen(command + [str(port)] if name == "patched" else command + ["-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(url + "/moto-api/")
            break
        except OSError:
            time.sleep(0.1)
    d = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1", aws_access_key_id="t",
                     aws_secret_access_key="t", config=Config(retries={"max_attempts": 1}, read_timeout=120))
    t = "m" + uuid.uuid4().hex[:8]
    s = {"AttributeType": "S"}
    d.create_table(
        TableName=t, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[dict(s, AttributeName=a) for a in ("pk", "sk", "g", "gs")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "gsi", "KeySchema": [
            {"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "gs", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})

    def avg_ms(call, n: int) -> float:
        start = time.time()
        for i in range(n):
            call(i)
        return (time.time() - start) / n * 1000

    def query(_):
        d.query(TableName=t, KeyConditionExpression="pk = :p", Limit=20,
                ExpressionAttributeValues={":p": {"S": "P7"}})

    def gsi(_):
        d.query(TableName=t, IndexName="gsi", KeyConditionExpression="g = :p", Limit=20,
                ExpressionAttributeValues={":p": {"S": "G7"}})

    def transaction(i):
        try:
            d.transact_write_items(TransactItems=[
                {"Put": {"TableName": t, "Item": {"pk": {"S": "X"}, "sk": {"S": str(i % 2)}},
                         "ConditionExpression": "attribute_not_exists(pk)"}},
                {"Put": {"TableName": t, "Item": {"pk": {"S": "Y"}, "sk": {"S": uuid.uuid4().hex}}}}])
        except d.exceptions.TransactionCanceledException:
            pass

    n = 0
    try:
        for _ in range(5):
            for _ in range(0, 2000, 25):
                d.batch_write_item(RequestItems={t: [{"PutRequest": {"Item": {
                    "pk": {"S": f"P{(n + j) % 100}"}, "sk": {"S": f"{n + j:08}"},
                    "g": {"S": f"G{(n + j) % 100}"}, "gs": {"S": f"{n + j:08}"},
                    "body": {"S": "x" * 500}}}} for j in range(25)]})
                n += 25
            print(f"| {name} | {n} | {avg_ms(query, 50):.1f} | {avg_ms(gsi, 50):.1f} | "
                  f"{avg_ms(transaction, 20):.1f} | {rss_mb(proc.pid)} |", flush=True)
    finally:
        proc.terminate()
        proc.wait()


def main() -> None:
    print("| emulator | items | Query ms | GSI Query ms | transaction ms | RSS MB |")
    print("|---|---|---|---|---|---|")
    measure("patched", [sys.executable, os.path.join(HERE, "server.py")])
    measure("moto 5.2.5", [os.path.join(os.path.dirname(sys.executable), "moto_server"), "-H", "127.0.0.1"])


if __name__ == "__main__":
    main()
