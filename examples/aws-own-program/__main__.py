"""A program outside the reference platform that composes thrifty's components itself."""

import pulumi

from thrifty.foundation.aws import AwsFoundation
from thrifty.foundation.spec import FoundationArgs
from thrifty.tags import CostTags

config = pulumi.Config()
tags = CostTags.model_validate(
    {
        "project": "feature-store",
        "environment": "development",
        "team": "data-team",
        "cost-center": "analytics",
        "owner": config.require("owner"),
        "extra": {"service": "feature-store-api"},
    }
)
foundation = AwsFoundation(
    "feature-store", FoundationArgs(tags=tags, region=pulumi.Config("aws").require("region"))
)
pulumi.export("resourceGroupArn", foundation.resource_group.arn)
