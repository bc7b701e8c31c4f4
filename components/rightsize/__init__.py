"""Right-sizing (``thrifty rightsize``): from measured utilization to the stack-file change
that saves money.

One concern per module: the readers (:mod:`.vpa`, :mod:`.prometheus`, :mod:`.csv_input`,
gathered by :mod:`.inputs`) turn files into :mod:`.measure` records; :mod:`.stack` reads the
stack's workloads and pools from its config; :mod:`.rules` (with :mod:`.capacity` for what fits
where) gives each a verdict and the :mod:`.changes` it asks for; :mod:`.recommend` applies the
rules to a whole stack; :mod:`.yaml_edit` writes the change into ``Pulumi.<stack>.yaml``
keeping comments and order; :mod:`.whatif` prices and checks the changed stack with the
steps ``thrifty plan`` runs; :mod:`.report` renders it; :mod:`.command` is the command.
"""

# Submodules are imported where used: the rules and readers need no Pulumi SDK, the command
# (recording, policy pack) does.
