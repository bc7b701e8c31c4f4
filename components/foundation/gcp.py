"""GCP foundation: a provider that labels by default and the project's required APIs."""

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
    and the APIs the other components need, enabled once per project.

    GCP has no resource group: the project is the grouping, and labels allocate the cost.
    Services are left enabled on destroy, since other stacks in the project may use them.
    """

    provider: gcp.Provider

    def __init__(
        self, name: str, args: FoundationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        if not args.gcp_project:
            raise ValueError("FoundationArgs.gcp_project is required for GCP (got None)")
        labels = args.tags.gcp()
        super().__init__("thrifty:foundation:GcpFoundation", name, None, opts)
        self.provider = gcp.Provider(
            f"{name}-provider",
            project=args.gcp_project,
            region=args.region,
            default_labels=labels,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.services = [
            gcp.projects.Service(
                f"{name}-{service.split('.')[0]}",
                service=service,
                project=args.gcp_project,
                disable_on_destroy=False,
                opts=pulumi.ResourceOptions(parent=self, provider=self.provider),
            )
            for service in REQUIRED_SERVICES
        ]
        self.register_outputs({"project": args.gcp_project, "region": args.region})
