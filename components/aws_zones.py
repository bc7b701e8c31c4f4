"""AWS zone IDs: the prefix every zone ID of a region carries (``use1`` for us-east-1).

Shared by the network spec (which refuses a zone ID of another region) and the offline
answers (which make up plausible zone IDs for ``getAvailabilityZones``). Imports no SDK.
"""

from __future__ import annotations

#: Region words and their letters in an AWS zone ID (``ap-southeast-1`` -> ``apse1``).
_AWS_REGION_WORDS = {
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "central": "c",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
    "gov": "g",
}


def aws_zone_id_prefix(region: str) -> str | None:
    """The prefix every zone ID of ``region`` has (``use1`` for us-east-1), None if unknown.

    AWS: "An AZ ID consists of the first three letters of the Region code, followed by the
    number at the end of the Region code, followed by -az, followed by a number", e.g.
    euw1-az1 in eu-west-1; compound directions keep both letters (apne1-az1 in
    ap-northeast-1) and GovCloud adds a g (usgw1 in us-gov-west-1)
    (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html,
    https://docs.aws.amazon.com/global-infrastructure/latest/regions/az-ids.html). A region
    of another shape (ISO partitions) gives None and its zones are not checked. Whether a
    zone number exists (``use1-az9``) cannot be known offline: only the prefix is checked.
    """
    area, *words, number = region.split("-")
    letters = [_AWS_REGION_WORDS.get(word) for word in words]
    if not words or None in letters or not number.isdigit():
        return None
    return f"{area}{''.join(letter or '' for letter in letters)}{number}"


__all__ = ["aws_zone_id_prefix"]
