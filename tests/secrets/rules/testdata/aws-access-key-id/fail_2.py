# ruff: noqa
import boto3

client = boto3.client(
    "s3",
    aws_access_key_id="ASIA2W373LDQMF5WSIOB",
    region_name="us-east-1",
)
