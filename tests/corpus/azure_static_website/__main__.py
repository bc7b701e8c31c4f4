"""A static website on Azure Blob Storage + CDN (pulumi/examples azure-py-static-website).

Exercises: blobs uploaded with ``pulumi.FileAsset`` from paths relative to the program
directory, a CDN origin read from the account's computed ``primary_endpoints.web`` and an
endpoint named after its generated ``name`` (both unknown during preview), and a blob in a
container whose ``public_access`` lets anyone read it (a public object must be flagged).
"""

import pulumi
import pulumi_azure_native.cdn as cdn
import pulumi_azure_native.resources as resources
import pulumi_azure_native.storage as storage

resource_group = resources.ResourceGroup("resourceGroup")

profile = cdn.Profile(
    "profile",
    resource_group_name=resource_group.name,
    sku=cdn.SkuArgs(name=cdn.SkuName.STANDARD_MICROSOFT),
)

storage_account = storage.StorageAccount(
    "storageaccount",
    access_tier=storage.AccessTier.HOT,
    allow_blob_public_access=True,
    enable_https_traffic_only=True,
    minimum_tls_version=storage.MinimumTlsVersion.TLS1_2,
    kind=storage.Kind.STORAGE_V2,
    resource_group_name=resource_group.name,
    sku=storage.SkuArgs(name=storage.SkuName.STANDARD_LRS),
)

endpoint_origin = storage_account.primary_endpoints.apply(
    lambda primary_endpoints: primary_endpoints.web.replace("https://", "").replace("/", "")
)

endpoint = cdn.Endpoint(
    "endpoint",
    endpoint_name=storage_account.name.apply(lambda sa: f"cdn-endpnt-{sa}"),
    is_http_allowed=False,
    is_https_allowed=True,
    origin_host_header=endpoint_origin,
    origins=[
        cdn.DeepCreatedOriginArgs(
            host_name=endpoint_origin, https_port=443, name="origin-storage-account"
        )
    ],
    profile_name=profile.name,
    query_string_caching_behavior=cdn.QueryStringCachingBehavior.NOT_SET,
    resource_group_name=resource_group.name,
)

static_website = storage.StorageAccountStaticWebsite(
    "staticWebsite",
    account_name=storage_account.name,
    resource_group_name=resource_group.name,
    index_document="index.html",
    error404_document="404.html",
)

index_html = storage.Blob(
    "index_html",
    resource_group_name=resource_group.name,
    account_name=storage_account.name,
    container_name=static_website.container_name,
    source=pulumi.FileAsset("./wwwroot/index.html"),
    content_type="text/html",
)
notfound_html = storage.Blob(
    "notfound_html",
    resource_group_name=resource_group.name,
    account_name=storage_account.name,
    container_name=static_website.container_name,
    source=pulumi.FileAsset("./wwwroot/404.html"),
    content_type="text/html",
)

# Files for customers, linked from the site: readable by anyone who has the URL.
downloads = storage.BlobContainer(
    "downloads",
    resource_group_name=resource_group.name,
    account_name=storage_account.name,
    public_access=storage.PublicAccess.BLOB,
)
brochure = storage.Blob(
    "brochure",
    resource_group_name=resource_group.name,
    account_name=storage_account.name,
    container_name=downloads.name,
    source=pulumi.FileAsset("./downloads/brochure.txt"),
    content_type="text/plain",
)

pulumi.export("staticEndpoint", storage_account.primary_endpoints.web)
pulumi.export("cdnEndpoint", endpoint.host_name.apply(lambda host_name: f"https://{host_name}"))
