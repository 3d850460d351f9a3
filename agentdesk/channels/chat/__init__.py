"""Chat channels: Matrix (and the messengers bridged to it) and the Telegram Bot API.

Each network is an adapter behind `base.ChatAdapter`; `ingest` writes what an adapter
fetched into the store, `sender` hands queued replies back to the right adapter, and
`runner` ties one account's fetch, ingest and delivery together for the pollers.
"""
