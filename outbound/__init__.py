"""Calls to URLs that users type in (webhook nodes, alert webhooks), kept off internal networks.

:mod:`outbound.policy` says which addresses and URLs may be called; :mod:`outbound.http`
is the requests session that enforces it at connect time.
"""
