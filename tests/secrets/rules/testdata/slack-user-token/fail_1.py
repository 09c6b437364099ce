# ruff: noqa
from slack_sdk import WebClient

client = WebClient(token="xoxp-512833633740-650419376308-3146772740951-db259322af94992cd20855c911b83481")
