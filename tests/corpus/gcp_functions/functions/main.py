"""The Cloud Function: answers with the configured destination."""

import os


def get_demo(request):
    destination = os.getenv("DESTINATION", "Space Needle, Seattle, WA")
    return f"On my way to {destination}."
