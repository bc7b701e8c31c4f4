"""A CloudFront-fronted website bucket (pulumi/examples aws-py-static-website, shortened).

Exercises: contents found from ``os.getcwd()`` (the program directory under the Pulumi CLI), a
guard that only lets ``pulumi up`` through with a real domain (``runtime.is_dry_run()``), a
Route 53 zone lookup, and validation records read from the certificate's computed
``domain_validation_options``.
"""

import mimetypes
import os

import pulumi_aws
import pulumi_aws.acm
import pulumi_aws.cloudfront
import pulumi_aws.route53
import pulumi_aws.s3
from pulumi import Config, FileAsset, Output, ResourceOptions, export, runtime


def get_domain_and_subdomain(domain: str) -> tuple[str, str]:
    """The subdomain and the parent domain (``www.example.com`` -> ``www``, ``example.com.``)."""
    parts = domain.split(".")
    if len(parts) < 2:
        raise Exception(f"No TLD found on {domain}")
    if len(parts) == 2:
        return "", domain
    return parts[0], ".".join(parts[1:]) + "."


stack_config = Config()
target_domain = stack_config.require("targetDomain")
path_to_website_contents = stack_config.require("pathToWebsiteContents")

if not runtime.is_dry_run() and target_domain.endswith("example.com"):
    raise Exception("Configure a real targetDomain before 'pulumi up'")

content_bucket = pulumi_aws.s3.Bucket(f"{target_domain}-content")
content_bucket_website = pulumi_aws.s3.BucketWebsiteConfiguration(
    "content-bucket",
    bucket=content_bucket.bucket,
    index_document={"suffix": "index.html"},
    error_document={"key": "404.html"},
)

web_contents_root_path = os.path.join(os.getcwd(), path_to_website_contents)
for file in sorted(os.listdir(web_contents_root_path)):
    filepath = os.path.join(web_contents_root_path, file)
    mime_type, _ = mimetypes.guess_type(filepath)
    pulumi_aws.s3.BucketObject(
        file,
        key=file,
        bucket=content_bucket.id,
        content_type=mime_type,
        source=FileAsset(filepath),
        opts=ResourceOptions(parent=content_bucket),
    )

# CloudFront needs its certificate in us-east-1.
east_region = pulumi_aws.Provider("east", region="us-east-1")
certificate = pulumi_aws.acm.Certificate(
    "certificate",
    domain_name=target_domain,
    validation_method="DNS",
    opts=ResourceOptions(provider=east_region),
)

subdomain, parent_domain = get_domain_and_subdomain(target_domain)
hzid = pulumi_aws.route53.get_zone(name=parent_domain).id

cert_validation_domain = pulumi_aws.route53.Record(
    f"{target_domain}-validation",
    name=certificate.domain_validation_options.apply(lambda o: o[0].resource_record_name),
    zone_id=hzid,
    type=certificate.domain_validation_options.apply(lambda o: o[0].resource_record_type),
    records=[certificate.domain_validation_options.apply(lambda o: o[0].resource_record_value)],
    ttl=600,
)
cert_validation = pulumi_aws.acm.CertificateValidation(
    "certificateValidation",
    certificate_arn=certificate.arn,
    validation_record_fqdns=[cert_validation_domain.fqdn],
    opts=ResourceOptions(provider=east_region),
)

cdn = pulumi_aws.cloudfront.Distribution(
    "cdn",
    enabled=True,
    aliases=[target_domain],
    origins=[
        {
            "origin_id": content_bucket.arn,
            "domain_name": content_bucket_website.website_endpoint,
            "custom_origin_config": {
                "origin_protocol_policy": "http-only",
                "http_port": 80,
                "https_port": 443,
                "origin_ssl_protocols": ["TLSv1.2"],
            },
        }
    ],
    default_root_object="index.html",
    default_cache_behavior={
        "target_origin_id": content_bucket.arn,
        "viewer_protocol_policy": "redirect-to-https",
        "allowed_methods": ["GET", "HEAD", "OPTIONS"],
        "cached_methods": ["GET", "HEAD", "OPTIONS"],
        "forwarded_values": {"cookies": {"forward": "none"}, "query_string": False},
        "min_ttl": 0,
        "default_ttl": 600,
        "max_ttl": 600,
    },
    price_class="PriceClass_100",
    viewer_certificate={
        "acm_certificate_arn": cert_validation.certificate_arn,
        "ssl_support_method": "sni-only",
    },
    restrictions={"geo_restriction": {"restriction_type": "none"}},
    wait_for_deployment=False,
)

alias_a_record = pulumi_aws.route53.Record(
    target_domain,
    name=subdomain,
    zone_id=hzid,
    type="A",
    aliases=[
        {
            "name": cdn.domain_name,
            "zone_id": cdn.hosted_zone_id,
            "evaluate_target_health": True,
        }
    ],
)

export("content_bucket_url", Output.concat("s3://", content_bucket.bucket))
export("cloudfront_domain", cdn.domain_name)
export("target_domain_endpoint", f"https://{target_domain}/")
