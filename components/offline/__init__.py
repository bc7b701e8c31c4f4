"""The offline plan engine: run any Pulumi Python program without a cloud and report on it.

``project`` reads ``Pulumi.yaml`` and stack files the way the CLI does, ``recording`` runs the
program under the SDK's mock engine with preview semantics, ``answers`` gives lookups and
computed outputs their offline values, ``analyzer_client`` speaks the Analyzer gRPC protocol to
a policy pack as the engine does, ``policy_step`` and ``plan`` assemble what ``thrifty plan``
shows, ``report`` renders it and ``cli`` is the command. None of it knows thrifty's components:
it works on any program and any policy pack.
"""
