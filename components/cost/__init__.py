"""What resources cost: the pricing and instance catalog (``catalog``) and its data.

Plain Python + pydantic, no provider SDK, so a policy pack, the components and ``thrifty plan``
can all size and price resources from the same figures.
"""
