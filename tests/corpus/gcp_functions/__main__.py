"""A Cloud Function deployed from ./functions (pulumi/examples gcp-py-functions), and its landing
page published to everyone.

Exercises: sources listed and hashed relative to the program directory, an archive uploaded as
a bucket object (objects need no cost labels), and an object made public with the
``publicRead`` predefined ACL (a public object must be flagged).
"""

import hashlib
import os

import pulumi
from pulumi_gcp import cloudfunctions, storage

PATH_TO_SOURCE_CODE = "./functions"

config = pulumi.Config(name=None)
config_values = {"DESTINATION": config.get("destination") or "Space Needle, Seattle, WA"}

bucket = storage.Bucket("eta_demo_bucket", location="US")

assets = {}
digest = hashlib.md5()
for file in sorted(os.listdir(PATH_TO_SOURCE_CODE)):
    location = os.path.join(PATH_TO_SOURCE_CODE, file)
    assets[file] = pulumi.FileAsset(path=location)
    with open(location, "rb") as source:
        digest.update(source.read())

source_archive_object = storage.BucketObject(
    "eta_demo_object",
    name=f"main.py-{digest.hexdigest()}",
    bucket=bucket.name,
    source=pulumi.AssetArchive(assets=assets),
)

fxn = cloudfunctions.Function(
    "eta_demo_function",
    entry_point="get_demo",
    environment_variables=config_values,
    region="us-central1",
    runtime="python312",
    source_archive_bucket=bucket.name,
    source_archive_object=source_archive_object.name,
    trigger_http=True,
)

cloudfunctions.FunctionIamMember(
    "invoker",
    project=fxn.project,
    region=fxn.region,
    cloud_function=fxn.name,
    role="roles/cloudfunctions.invoker",
    member="allUsers",
)

landing_page = storage.BucketObject(
    "landing_page",
    name="index.html",
    bucket=bucket.name,
    content_type="text/html",
    source=pulumi.FileAsset("./site/index.html"),
)
storage.ObjectACL(
    "landing_page_public",
    bucket=bucket.name,
    object=landing_page.output_name,
    predefined_acl="publicRead",
)

pulumi.export("bucket_name", bucket.url)
pulumi.export("fxn_url", fxn.https_trigger_url)
