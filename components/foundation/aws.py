"""AWS foundation: a provider that tags by default and a resource group of the environment."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from thrifty.foundation.spec import FoundationArgs


class AwsFoundation(pulumi.ComponentResource):
    """A region-pinned AWS provider with the cost tags as ``default_tags``, and a tag-query
    resource group that lists everything the environment owns (a cost-allocation view in the
    console).

    Components still pass tags explicitly on each resource: ``default_tags`` reach a resource
    only through its provider, and the plan and tests read the resource's own inputs.
    """

    provider: aws.Provider
    resource_group: aws.resourcegroups.Group

    def __init__(
        self, name: str, args: FoundationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        tags = args.tags.aws()
        super().__init__("thrifty:foundation:AwsFoundation", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.provider = aws.Provider(
            f"{name}-provider",
            region=args.region,
            default_tags=aws.ProviderDefaultTagsArgs(tags=tags),
            opts=child,
        )
        query = {
            "ResourceTypeFilters": ["AWS::AllSupported"],
            "TagFilters": [
                {"Key": "project", "Values": [args.tags.project]},
                {"Key": "environment", "Values": [args.tags.environment]},
            ],
        }
        self.resource_group = aws.resourcegroups.Group(
            f"{name}-resources",
            name=f"{args.prefix}-resources",
            description=f"Everything tagged project={args.tags.project} "
            f"environment={args.tags.environment}",
            resource_query=aws.resourcegroups.GroupResourceQueryArgs(query=json.dumps(query)),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, provider=self.provider),
        )
        self.register_outputs(
            {"region": args.region, "resourceGroupArn": self.resource_group.arn}
        )
