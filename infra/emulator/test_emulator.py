"""The emulator's patches, checked through boto3 against a real server process started
here with short lifetimes (tokens, iterators, stream records), so what takes minutes
or hours in AWS is seen in seconds. Run by `make test` (python -m unittest)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import unittest
import urllib.request
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        port = _free_port()
        env = dict(os.environ,
                   EMULATOR_TOKEN_SECONDS="2", EMULATOR_ITERATOR_SECONDS="2",
                   EMULATOR_STREAM_RETENTION_SECONDS="3", EMULATOR_TTL_SWEEP_SECONDS="0.2")
        cls.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "server.py"), str(port)],
                                    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cls.url = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                urllib.request.urlopen(cls.url + "/moto-api/")
                break
            except OSError:
                time.sleep(0.1)
        kw = dict(endpoint_url=cls.url, region_name="us-east-1", aws_access_key_id="test",
                  aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))
        cls.ddb = boto3.client("dynamodb", **kw)
        cls.streams = boto3.client("dynamodbstreams", **kw)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.proc.terminate()
        cls.proc.wait()

    def table(self, ttl: bool = True) -> str:
        name = "t-" + uuid.uuid4().hex[:12]
        s = {"AttributeType": "S"}
        self.ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[dict(s, AttributeName=a) for a in ("pk", "sk", "g", "gs")],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[{
                "IndexName": "gsi",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                              {"AttributeName": "gs", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"}}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        if ttl:
            self.enable_ttl(name)
        return name

    def enable_ttl(self, name: str) -> None:
        self.ddb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})

    def put(self, table: str, pk: str, sk: str, **attrs) -> None:
        item = {"pk": {"S": pk}, "sk": {"S": sk}}
        for k, v in attrs.items():
            item[k] = {"N": str(v)} if isinstance(v, (int, float)) else {"S": v}
        self.ddb.put_item(TableName=table, Item=item)

    def get(self, table: str, pk: str, sk: str):
        return self.ddb.get_item(TableName=table, Key={"pk": {"S": pk}, "sk": {"S": sk}},
                                 ConsistentRead=True).get("Item")

    def iterator(self, table: str, kind="TRIM_HORIZON", seq=None) -> str:
        arn = self.ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        shard = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        kw = {"SequenceNumber": seq} if seq else {}
        return self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                               ShardIteratorType=kind, **kw)["ShardIterator"]

    def records(self, iterator: str):
        out = self.streams.get_records(ShardIterator=iterator)
        return out["Records"], out["NextShardIterator"]

    # --- transactions -----------------------------------------------------------------

    def test_a_cancelled_transaction_names_each_item_and_changes_nothing(self):
        t = self.table()
        self.put(t, "a", "1", n=1)
        items = [
            {"Put": {"TableName": t, "Item": {"pk": {"S": "b"}, "sk": {"S": "1"}}}},
            {"Update": {"TableName": t, "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                        "UpdateExpression": "ADD n :one",
                        "ConditionExpression": "n = :zero",
                        "ExpressionAttributeValues": {":one": {"N": "1"}, ":zero": {"N": "0"}},
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
            {"ConditionCheck": {"TableName": t, "Key": {"pk": {"S": "c"}, "sk": {"S": "1"}},
                                "ConditionExpression": "attribute_not_exists(pk)"}},
        ]
        it = self.iterator(t, "LATEST")
        with self.assertRaises(ClientError) as e:
            self.ddb.transact_write_items(TransactItems=items)
        reasons = e.exception.response["CancellationReasons"]
        self.assertEqual(len(reasons), 3)
        self.assertEqual(reasons[0], {"Code": "None"})
        self.assertEqual(reasons[1]["Code"], "ConditionalCheckFailed")
        self.assertEqual(reasons[1]["Message"], "The conditional request failed")
        self.assertEqual(reasons[1]["Item"]["n"], {"N": "1"})
        self.assertEqual(reasons[2], {"Code": "None"})
        self.assertIsNone(self.get(t, "b", "1"))
        self.assertEqual(self.records(it)[0], [])

    def test_conditions_are_judged_before_any_write(self):
        t = self.table()
        # The second condition would fail if the first write went in before it was judged.
        self.ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": t, "Item": {"pk": {"S": "p"}, "sk": {"S": "1"}}}},
            {"ConditionCheck": {"TableName": t, "Key": {"pk": {"S": "p"}, "sk": {"S": "2"}},
                                "ConditionExpression": "attribute_not_exists(pk)"}},
        ])
        self.assertIsNotNone(self.get(t, "p", "1"))

    def test_a_write_that_cannot_apply_undoes_the_others(self):
        t = self.table()
        self.put(t, "s", "1", n="text")
        it = self.iterator(t, "LATEST")
        with self.assertRaises(ClientError) as e:
            self.ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": t, "Item": {"pk": {"S": "s"}, "sk": {"S": "0"}}}},
                {"Update": {"TableName": t, "Key": {"pk": {"S": "s"}, "sk": {"S": "1"}},
                            "UpdateExpression": "ADD n :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            ])
        reasons = e.exception.response["CancellationReasons"]
        self.assertEqual([r["Code"] for r in reasons], ["None", "ValidationError"])
        self.assertIsNone(self.get(t, "s", "0"))
        self.assertEqual(self.get(t, "s", "1")["n"], {"S": "text"})
        self.assertEqual(self.records(it)[0], [])
        # The stream goes on after it.
        self.put(t, "s", "2")
        self.assertEqual([r["eventName"] for r in self.records(it)[0]], ["INSERT"])

    def test_a_client_request_token_answers_a_repeat_without_running_it_again(self):
        t = self.table()
        self.put(t, "k", "1", n=0)
        token = uuid.uuid4().hex
        items = [{"Update": {"TableName": t, "Key": {"pk": {"S": "k"}, "sk": {"S": "1"}},
                             "UpdateExpression": "ADD n :one",
                             "ConditionExpression": "n = :zero",
                             "ExpressionAttributeValues": {":one": {"N": "1"}, ":zero": {"N": "0"}}}}]
        self.ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)
        # The retry of a call whose answer was lost: success, and nothing more written.
        self.ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)
        self.assertEqual(self.get(t, "k", "1")["n"], {"N": "1"})
        other = [{"Put": {"TableName": t, "Item": {"pk": {"S": "k"}, "sk": {"S": "2"}}}}]
        with self.assertRaises(ClientError) as e:
            self.ddb.transact_write_items(TransactItems=other, ClientRequestToken=token)
        self.assertEqual(e.exception.response["Error"]["Code"], "IdempotentParameterMismatchException")
        # Past the token's lifetime the same request is a new one (its condition fails now).
        time.sleep(2.5)
        with self.assertRaises(ClientError) as e:
            self.ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)
        self.assertEqual(e.exception.response["Error"]["Code"], "TransactionCanceledException")

    def test_an_invalid_request_is_refused_whole_before_any_condition(self):
        t = self.table()
        with self.assertRaises(ClientError) as e:
            self.ddb.transact_write_items(TransactItems=[
                {"ConditionCheck": {"TableName": t, "Key": {"pk": {"S": "v"}, "sk": {"S": "1"}},
                                    "ConditionExpression": "attribute_exists(pk)"}},
                {"Put": {"TableName": t, "Item": {"pk": {"N": "5"}, "sk": {"S": "1"}}}},
            ])
        self.assertEqual(e.exception.response["Error"]["Code"], "ValidationException")
        # A number DynamoDB cannot hold, after a write that would go in: neither does.
        with self.assertRaises(ClientError) as e:
            self.ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": t, "Item": {"pk": {"S": "v"}, "sk": {"S": "2"}}}},
                {"Put": {"TableName": t, "Item": {"pk": {"S": "v"}, "sk": {"S": "3"}, "n": {"N": "1e200"}}}},
            ])
        self.assertEqual(e.exception.response["Error"]["Code"], "ValidationException")
        self.assertIsNone(self.get(t, "v", "2"))
        self.assertIsNone(self.get(t, "v", "3"))

    def test_binary_values_travel_through_transactions_and_the_stream(self):
        t = self.table()
        it = self.iterator(t, "LATEST")
        item = {"pk": {"S": "b"}, "sk": {"S": "1"}, "blob": {"B": b"\x00\xff"}}
        self.ddb.transact_write_items(TransactItems=[{"Put": {"TableName": t, "Item": item}}],
                                      ClientRequestToken=uuid.uuid4().hex)
        self.assertEqual(self.get(t, "b", "1")["blob"], {"B": b"\x00\xff"})
        records, _ = self.records(it)
        self.assertEqual(records[0]["dynamodb"]["NewImage"]["blob"], {"B": b"\x00\xff"})

    # --- queries ----------------------------------------------------------------------

    def test_an_index_without_a_sort_key_pages_through_every_item(self):
        name = "t-" + uuid.uuid4().hex[:12]
        s = {"AttributeType": "S"}
        self.ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[dict(s, AttributeName=a) for a in ("pk", "sk", "gh")],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[{"IndexName": "gix",
                                     "KeySchema": [{"AttributeName": "gh", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "ALL"}}])
        for pk, sk in (("a", "2"), ("b", "1"), ("c", "3"), ("d", "0")):
            self.put(name, pk, sk, gh="x")
        for forward in (True, False):
            seen, start = [], None
            while True:
                page = self.ddb.query(TableName=name, IndexName="gix", KeyConditionExpression="gh = :x",
                                      ExpressionAttributeValues={":x": {"S": "x"}}, Limit=1,
                                      ScanIndexForward=forward, **({"ExclusiveStartKey": start} if start else {}))
                seen += [i["pk"]["S"] for i in page["Items"]]
                start = page.get("LastEvaluatedKey")
                if not start:
                    break
            self.assertEqual(sorted(seen), ["a", "b", "c", "d"])

    def test_queries_answer_the_key_range_in_order_and_page(self):
        t = self.table()
        for p in ("x", "y"):
            for i in range(30):
                # Two items share each index sort key, so pages split ties too.
                self.put(t, p, f"item#{i:03}", g=f"G{p}", gs=f"{i // 2:03}")
        self.put(t, "x", "other", g="Gx", gs="zzz")

        def query(**kw):
            out, start = [], None
            while True:
                page = self.ddb.query(TableName=t, **kw, **({"ExclusiveStartKey": start} if start else {}))
                out += page["Items"]
                start = page.get("LastEvaluatedKey")
                if not start:
                    return out

        def sks(items):
            return [i["sk"]["S"] for i in items]

        v = lambda s: {"S": s}  # noqa: E731
        got = query(KeyConditionExpression="pk = :p AND begins_with(sk, :b)",
                    ExpressionAttributeValues={":p": v("x"), ":b": v("item#")}, Limit=7)
        self.assertEqual(sks(got), [f"item#{i:03}" for i in range(30)])
        got = query(KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
                    ExpressionAttributeValues={":p": v("y"), ":a": v("item#005"), ":b": v("item#010")},
                    ScanIndexForward=False, Limit=4)
        self.assertEqual(sks(got), [f"item#{i:03}" for i in range(10, 4, -1)])
        got = query(KeyConditionExpression="pk = :p AND sk > :a",
                    ExpressionAttributeValues={":p": v("x"), ":a": v("item#027")})
        self.assertEqual(sks(got), ["item#028", "item#029", "other"])
        got = query(KeyConditionExpression="pk = :p AND sk <= :a",
                    ExpressionAttributeValues={":p": v("x"), ":a": v("item#001")}, ScanIndexForward=False)
        self.assertEqual(sks(got), ["item#001", "item#000"])
        got = query(IndexName="gsi", KeyConditionExpression="g = :g AND gs < :s",
                    ExpressionAttributeValues={":g": v("Gx"), ":s": v("005")}, Limit=3)
        self.assertEqual(sks(got), [f"item#{i:03}" for i in range(10)])
        got = query(IndexName="gsi", KeyConditionExpression="g = :g",
                    ExpressionAttributeValues={":g": v("Gx")}, ScanIndexForward=False, Limit=4)
        self.assertEqual(sks(got), ["other"] + [f"item#{i:03}" for i in range(29, -1, -1)])
        # A change of an index key moves the item; a delete takes it out.
        self.ddb.update_item(TableName=t, Key={"pk": v("x"), "sk": v("other")},
                             UpdateExpression="SET g = :g", ExpressionAttributeValues={":g": v("Gz")})
        self.ddb.delete_item(TableName=t, Key={"pk": v("x"), "sk": v("item#000")})
        got = query(IndexName="gsi", KeyConditionExpression="g = :g",
                    ExpressionAttributeValues={":g": v("Gx")})
        self.assertEqual(sks(got), [f"item#{i:03}" for i in range(1, 30)])
        got = query(IndexName="gsi", KeyConditionExpression="g = :g",
                    ExpressionAttributeValues={":g": v("Gz")})
        self.assertEqual(sks(got), ["other"])
        got = query(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": v("nobody")})
        self.assertEqual(got, [])

    # --- streams and TTL --------------------------------------------------------------

    def test_expired_items_are_deleted_with_the_services_remove_record(self):
        t = self.table()
        it = self.iterator(t, "LATEST")
        self.put(t, "e", "old", ttl=int(time.time()) - 10)
        self.put(t, "e", "new", ttl=int(time.time()) + 3600)
        self.put(t, "e", "none")
        deadline = time.time() + 5
        while self.get(t, "e", "old") is not None and time.time() < deadline:
            time.sleep(0.1)
        self.assertIsNone(self.get(t, "e", "old"))
        self.assertIsNotNone(self.get(t, "e", "new"))
        self.assertIsNotNone(self.get(t, "e", "none"))
        records, _ = self.records(it)
        removed = [r for r in records if r["eventName"] == "REMOVE"]
        self.assertEqual(len(removed), 1)
        self.assertEqual(removed[0]["dynamodb"]["Keys"]["sk"], {"S": "old"})
        self.assertEqual(removed[0]["userIdentity"],
                         {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"})

    def test_items_written_before_ttl_was_turned_on_expire_too(self):
        t = self.table(ttl=False)
        self.put(t, "w", "early", ttl=int(time.time()) - 10)
        self.enable_ttl(t)
        deadline = time.time() + 5
        while self.get(t, "w", "early") is not None and time.time() < deadline:
            time.sleep(0.1)
        self.assertIsNone(self.get(t, "w", "early"))

    def test_a_sequence_number_the_shard_never_had_is_refused(self):
        t = self.table()
        self.put(t, "q", "1")
        records, _ = self.records(self.iterator(t, "TRIM_HORIZON"))
        beyond = str(int(records[-1]["dynamodb"]["SequenceNumber"]) + 100)
        with self.assertRaises(ClientError) as e:
            self.iterator(t, "AFTER_SEQUENCE_NUMBER", beyond)
        self.assertEqual(e.exception.response["Error"]["Code"], "ValidationException")

    def test_iterators_expire_and_records_lapse(self):
        t = self.table()
        it = self.iterator(t, "TRIM_HORIZON")
        self.put(t, "r", "1")
        records, _ = self.records(it)
        first = records[0]["dynamodb"]["SequenceNumber"]
        time.sleep(3.5)
        with self.assertRaises(ClientError) as e:
            self.records(it)
        self.assertEqual(e.exception.response["Error"]["Code"], "ExpiredIteratorException")
        self.put(t, "r", "2")
        # The first record is past its retention: reading from it is refused, and the
        # oldest record now is the second write.
        with self.assertRaises(ClientError) as e:
            self.iterator(t, "AT_SEQUENCE_NUMBER", first)
        self.assertEqual(e.exception.response["Error"]["Code"], "TrimmedDataAccessException")
        records, _ = self.records(self.iterator(t, "TRIM_HORIZON"))
        self.assertEqual([r["dynamodb"]["Keys"]["sk"]["S"] for r in records], ["2"])
        # A reader that had reached the first record picks up after it.
        records, _ = self.records(self.iterator(t, "AFTER_SEQUENCE_NUMBER", first))
        self.assertEqual([r["dynamodb"]["Keys"]["sk"]["S"] for r in records], ["2"])

    def test_the_dashboard_lists_no_dynamodb_items(self):
        t = self.table()
        self.put(t, "d", "1")
        data = urllib.request.urlopen(self.url + "/moto-api/data.json").read()
        self.assertNotIn(t.encode(), data)


class WireFormat(unittest.TestCase):
    """The plain-JSON answers of wire.py are the documents moto's serializer makes."""

    def test_item_operations_answer_what_motos_serializer_answers(self):
        import json

        from moto import mock_aws
        from moto.dynamodb.responses import DynamoResult

        import wire

        pairs = []

        def both(self, context):
            slow = wire._execute(self, context)
            if context.operation_model.name in wire.FAST:
                pairs.append((context.operation_model.name, slow[2], wire._execute_fast(self, context)[2]))
            return slow

        original = DynamoResult.execute_result
        DynamoResult.execute_result = both
        try:
            with mock_aws():
                d = boto3.client("dynamodb", region_name="us-east-1")
                d.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                               AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                     {"AttributeName": "sk", "AttributeType": "S"}],
                               KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                          {"AttributeName": "sk", "KeyType": "RANGE"}])
                key = {"pk": {"S": "a"}, "sk": {"S": "1"}}
                d.put_item(TableName="t", Item=dict(key, n={"N": "1.50"}, l={"L": [{"S": "x"}, {"NULL": True}]},
                                                    m={"M": {"b": {"BOOL": False}}}, ss={"SS": ["a", "b"]},
                                                    bb={"B": b"\x00\x01"}))
                d.get_item(TableName="t", Key=key)
                d.get_item(TableName="t", Key={"pk": {"S": "a"}, "sk": {"S": "2"}})
                d.query(TableName="t", KeyConditionExpression="pk = :p", Limit=1,
                        ExpressionAttributeValues={":p": {"S": "a"}}, ReturnConsumedCapacity="TOTAL")
                d.update_item(TableName="t", Key=key, UpdateExpression="ADD n :o",
                              ExpressionAttributeValues={":o": {"N": "1"}}, ReturnValues="ALL_NEW")
                d.batch_get_item(RequestItems={"t": {"Keys": [key]}})
                d.delete_item(TableName="t", Key=key, ReturnValues="ALL_OLD")
        finally:
            DynamoResult.execute_result = original
        self.assertEqual({name for name, _, _ in pairs}, wire.FAST)
        for name, slow, fast in pairs:
            self.assertEqual(json.loads(fast), json.loads(slow), name)


if __name__ == "__main__":
    unittest.main()
