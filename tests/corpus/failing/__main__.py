"""Registers a bucket, then fails where the stack's ``mode`` says.

- ``toplevel``: the program raises while it runs;
- ``apply``: a callback on a known value raises (it runs during preview too);
- ``invoke``: a lookup of a token no provider defines, which nothing can answer offline.
"""

import pulumi
import pulumi_aws as aws

mode = pulumi.Config().require("mode")

bucket = aws.s3.Bucket("before-the-failure")


def fail(value: str) -> str:
    raise ValueError(f"corpus program failed inside an apply on {value!r}")


if mode == "toplevel":
    raise RuntimeError("corpus program failed at the top level")
if mode == "apply":
    pulumi.export("never", pulumi.Output.from_input("known").apply(fail))
if mode == "invoke":
    pulumi.runtime.invoke("corpus:index:noSuchLookup", {"name": "missing"})
