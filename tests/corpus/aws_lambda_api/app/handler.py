"""The Lambda function's code: counts visits in DynamoDB."""

import json
import os

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["COUNTER_TABLE"])


def handler(event, context):
    path = event.get("rawPath", "/")
    item = TABLE.update_item(
        Key={"Id": path},
        UpdateExpression="ADD hits :one",
        ExpressionAttributeValues={":one": 1},
        ReturnValues="UPDATED_NEW",
    )
    hits = int(item["Attributes"]["hits"])
    return {"statusCode": 200, "body": json.dumps({"path": path, "hits": hits})}
