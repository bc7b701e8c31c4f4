"""A Lambda behind an HTTP API with a DynamoDB counter (pulumi/examples aws-py-serverless-raw
and aws-py-apigateway-lambda-serverless).

Exercises: ``aws.iam.get_policy_document`` (its ``json`` is the role's trust policy), code
packaged from ``./app`` with ``pulumi.FileArchive`` and a source hash read from a file beside
the program, IAM roles (which appear on no bill: no cost tags required), and outputs AWS
computes (the API endpoint).
"""

import base64
import hashlib

import pulumi
import pulumi_aws as aws

counter_table = aws.dynamodb.Table(
    "counterTable",
    attributes=[{"name": "Id", "type": "S"}],
    hash_key="Id",
    read_capacity=1,
    write_capacity=1,
)

assume_role = aws.iam.get_policy_document(
    statements=[
        {
            "actions": ["sts:AssumeRole"],
            "principals": [{"identifiers": ["lambda.amazonaws.com"], "type": "Service"}],
        }
    ]
)

role = aws.iam.Role("mylambda-role", assume_role_policy=assume_role.json)

policy = aws.iam.RolePolicy(
    "mylambda-policy",
    role=role.id,
    policy=pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": ["dynamodb:UpdateItem", "dynamodb:GetItem"],
                    "Resource": counter_table.arn,
                    "Effect": "Allow",
                },
                {"Action": ["logs:*"], "Resource": "*", "Effect": "Allow"},
            ],
        }
    ),
)

with open("app/handler.py", "rb") as source:
    source_hash = base64.b64encode(hashlib.sha256(source.read()).digest()).decode()

lambda_func = aws.lambda_.Function(
    "mylambda",
    runtime="python3.12",
    handler="handler.handler",
    role=role.arn,
    code=pulumi.AssetArchive({".": pulumi.FileArchive("./app")}),
    source_code_hash=source_hash,
    timeout=30,
    environment={"variables": {"COUNTER_TABLE": counter_table.name}},
    opts=pulumi.ResourceOptions(depends_on=[policy]),
)

http_endpoint = aws.apigatewayv2.Api("http-api", protocol_type="HTTP")

http_lambda_backend = aws.apigatewayv2.Integration(
    "lambda-integration",
    api_id=http_endpoint.id,
    integration_type="AWS_PROXY",
    integration_method="POST",
    integration_uri=lambda_func.arn,
    payload_format_version="2.0",
)

http_route = aws.apigatewayv2.Route(
    "proxy-route",
    api_id=http_endpoint.id,
    route_key="ANY /{proxy+}",
    target=http_lambda_backend.id.apply(lambda integration: "integrations/" + integration),
)

http_stage = aws.apigatewayv2.Stage(
    "default-stage", api_id=http_endpoint.id, name="$default", auto_deploy=True
)

aws.lambda_.Permission(
    "api-lambda-permission",
    action="lambda:InvokeFunction",
    function=lambda_func.name,
    principal="apigateway.amazonaws.com",
    source_arn=http_endpoint.execution_arn.apply(lambda arn: arn + "/*/*"),
)

pulumi.export("endpoint", http_endpoint.api_endpoint)
