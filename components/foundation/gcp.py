"""GCP foundation: a provider that labels by default and the project's required APIs.

On a fresh project every API call races the enabling of its API. The APIs are enabled through
a provider of their own (``services_provider``); the provider the other components use
(``provider``) depends on those ``projects.Service`` resources, and a resource or an invoke
on a provider waits for that provider, so the cluster, the budgets, their notification
channels and the buckets all wait for the APIs without each component having to know which
API it needs.

That provider also sets ``billing_project`` (the stack's project) and
``user_project_override``: under user credentials (``gcloud auth application-default login``)
the Billing Budget API refuses calls without a quota project ("The billingbudgets.googleapis.com
API requires a quota project, which is not set by default";
hashicorp/terraform-provider-google#7948, terraform-google-modules/terraform-example-foundation
#194). With the override, the provider sends the resource's project, or ``billing_project``
where a resource has none (billing budgets live on the billing account), as the quota project
(``X-Goog-User-Project``); the caller needs ``serviceusage.services.use`` on it. Unsure: the
provider reference this comes from (hashicorp/terraform-provider-google#7660) is the
Terraform provider's; pulumi-gcp passes the two settings through unchanged. The services
provider keeps the provider's defaults (no override), as before: it only calls Service Usage,
whose quota under user credentials was not part of the review.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from thrifty.foundation.spec import FoundationArgs

#: APIs the thrifty components call: GKE, Cloud Storage, billing budgets, monitoring.
REQUIRED_SERVICES: tuple[str, ...] = (
    "container.googleapis.com",
    "storage.googleapis.com",
    "billingbudgets.googleapis.com",
    "monitoring.googleapis.com",
)


class GcpFoundation(pulumi.ComponentResource):
    """A project- and region-pinned GCP provider with the cost labels as ``default_labels``,
    created once the APIs the other components need are enabled in the project.

    GCP has no resource group: the project is the grouping, and labels allocate the cost.
    Services are left enabled on destroy, since other stacks in the project may use them.
    """

    provider: gcp.Provider
    services_provider: gcp.Provider
    services: list[gcp.projects.Service]

    def __init__(
        self, name: str, args: FoundationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        if not args.gcp_project:
            raise ValueError("FoundationArgs.gcp_project is required for GCP (got None)")
        labels = args.tags.gcp()
        super().__init__("thrifty:foundation:GcpFoundation", name, None, opts)
        self.services_provider = gcp.Provider(
            f"{name}-services-provider",
            project=args.gcp_project,
            region=args.region,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.services = [
            gcp.projects.Service(
                f"{name}-{service.split('.')[0]}",
                service=service,
                project=args.gcp_project,
                disable_on_destroy=False,
                opts=pulumi.ResourceOptions(parent=self, provider=self.services_provider),
            )
            for service in REQUIRED_SERVICES
        ]
        self.provider = gcp.Provider(
            f"{name}-provider",
            project=args.gcp_project,
            region=args.region,
            default_labels=labels,
            billing_project=args.gcp_project,
            user_project_override=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(self.services)),
        )
        self.register_outputs({"project": args.gcp_project, "region": args.region})
