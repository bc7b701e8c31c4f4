"""thrifty's reference platform program: one environment per stack, composed from config.

Declares no resource itself: it validates ``Pulumi.<stack>.yaml`` (all errors at once, before
anything is registered) and hands the result to the cloud's composition in ``platform_<cloud>``.
"""

import pulumi

from thrifty.config import load_environment_config

config = load_environment_config()

if config.cloud == "aws":
    from platform_aws import build
elif config.cloud == "gcp":
    from platform_gcp import build
else:
    from platform_azure import build

outputs = build(config)
for key, value in outputs.items():
    pulumi.export(key, value)
