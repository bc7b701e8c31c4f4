"""Rebuild thrifty's per-cloud instance catalogs (``components/cost/data/instances/*.json``).

The figures are machine-readable tables that other projects generate from the clouds' own APIs
(Karpenter's price tables, the Kubernetes cluster-autoscaler's Azure SKU list, ``gcloud`` machine
type exports). Each is read from a public Git repository at a pinned commit, so the output is
reproducible and every row cites the exact file it came from::

    python -m tools.instance_catalog --mirrors /work/.mirror --out components/cost/data/instances

``--mirrors`` holds bare clones named ``<owner>+<name>/repo`` (what ``git clone --bare`` of each
pinned repository gives, renamed). Nothing here guesses a figure: a size without a shape in the
sources is left out, a size without a trustworthy price gets ``null`` and a note saying why.
"""
