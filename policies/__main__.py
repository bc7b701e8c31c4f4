"""Entry point the Pulumi CLI runs (``python -m pulumi.policy <engine> <this directory>``).

Starts the gRPC Analyzer server, prints its port and serves until killed. Everything lives in
the installed ``thrifty.policies`` package, so the pack behaves the same from a checkout or a
wheel. :func:`thrifty.policies.server.serve` is ``PolicyPack`` with requests sanitised.
"""

from thrifty.policies.pack import PACK_DESCRIPTION, PACK_NAME, all_policies
from thrifty.policies.server import serve

serve(PACK_NAME, all_policies(), PACK_DESCRIPTION)
