"""Thin clients over a `Target`, one per API: the documented public paths and envelopes, nothing more.

Scenarios use them for set-up and clean-up; the requests whose answers a rule judges are usually
sent raw through the target so the test shows exactly what went on the wire.
"""
